/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipnet.h: IPv4 and IPv6 networks (CIDR) and socket addresses, as pure functions.
 *
 * addr.h is the IPv4-only arithmetic of the veth subnets; this is what the daemons
 * need for their clients and listeners: "100.64.0.0/10", "fd7a:115c:a1e0::/48", a
 * bare address meaning a single host, and "A.B.C.D:PORT" / "[V6]:PORT" endpoints.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket reports)
 * matches the IPv4 networks.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct IpNetwork {
        int family;        /* AF_INET or AF_INET6 */
        uint8_t bytes[16]; /* network byte order; host bits zero */
        unsigned prefix;
} IpNetwork;

#define IPNET_STRLEN    (INET6_ADDRSTRLEN + 4)
#define ENDPOINT_STRLEN (INET6_ADDRSTRLEN + 8)

/* "ADDR/N" or "ADDR": -EINVAL on syntax, -EDOM if host bits are set. */
int ipnet_parse(const char *s, IpNetwork *ret);
void ipnet_format(const IpNetwork *n, char buf[static IPNET_STRLEN]);
/* Does the network contain the socket address (AF_INET or AF_INET6, v4-mapped too)? */
bool ipnet_contains_sockaddr(const IpNetwork *n, const struct sockaddr *sa);
bool ipnet_list_contains_sockaddr(const IpNetwork *list, size_t n, const struct sockaddr *sa);

/* "A.B.C.D:PORT" or "[V6]:PORT", port 1..65535, into a sockaddr_storage. */
int endpoint_parse(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);
/* Format any AF_INET/AF_INET6 socket address as "A.B.C.D:PORT" or "[V6]:PORT". */
void endpoint_format(const struct sockaddr *sa, char buf[static ENDPOINT_STRLEN]);
/* Same address and port (a v4-mapped v6 address equals its v4 form)? */
bool sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);
