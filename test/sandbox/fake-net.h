/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-net.h: what the sandbox's two fakes (fake-tailscaled, fake-tailnet-peer) share:
 * the TUN device, its address and route, and the "wire protocol" of the fake tailnet.
 *
 * The fake tailnet carries one raw IPv4 packet per UDP datagram, unencrypted: the point
 * is that the datagrams cross the instance's NAT for real, not to imitate WireGuard. A
 * keepalive is an IPv4 header alone with protocol 253 (RFC 3692, for experiments): it
 * tells the peer the endpoint of its source address and is never written to a TUN.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define FAKE_KEEPALIVE_PROTOCOL 253
#define FAKE_KEEPALIVE_SIZE     20
#define FAKE_PACKET_MAX         65535

/* Create (or attach to) TUN device name, IFF_TUN|IFF_NO_PI, non-blocking, O_CLOEXEC. */
int fake_tun_open(const char *name, int *ret_fd);

/*
 * Give ifname the address address/prefix (host byte order), set it up, and, when
 * route_prefix > 0, route address's route_prefix network through it (scope link).
 */
int fake_link_configure(const char *ifname, uint32_t address, unsigned prefix, unsigned route_prefix);

/* Delete the link ifname: -ENODEV when there is none. */
int fake_link_delete(const char *ifname);

/* Build a keepalive from src to dst (host byte order) into buf; returns its size. */
size_t fake_keepalive_build(uint8_t buf[static FAKE_KEEPALIVE_SIZE], uint32_t src, uint32_t dst);
bool fake_packet_is_keepalive(const uint8_t *p, size_t n);
/* Source and destination of an IPv4 packet (host byte order): -EBADMSG if it is none. */
int fake_packet_addresses(const uint8_t *p, size_t n, uint32_t *ret_src, uint32_t *ret_dst);

/* "A.B.C.D:PORT" -> sockaddr_in. */
int fake_parse_endpoint(const char *s, struct sockaddr_in *ret);
/* "A.B.C.D/N" (host bits allowed) -> address (host byte order) and prefix. */
int fake_parse_address(const char *s, uint32_t *ret_address, unsigned *ret_prefix);
/* "A.B.C.D:PORT" into buf. */
void fake_format_endpoint(const struct sockaddr_in *sa, char *buf, size_t size);

/* Parse a decimal unsigned number no larger than max. */
int fake_parse_unsigned(const char *s, unsigned max, unsigned *ret);

/* Read a one-line file (trailing whitespace removed) into buf: -ENOENT when absent. */
int fake_read_line(const char *path, char *buf, size_t size);

/* A signalfd for SIGTERM and SIGINT (blocked for the process). */
int fake_signalfd(void);
