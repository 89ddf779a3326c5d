/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udp-peers.h: who may use a SOCKS5 UDP association, as RFC 1928 section 7 says.
 *
 * The client: the DST.ADDR and DST.PORT of its UDP ASSOCIATE request, where given
 * (non-zero); an address not given is the TCP client's; a port not given is learned
 * from the first datagram from that address, and only then. Datagrams from anywhere
 * else are dropped, so a forged datagram from another address cannot take the
 * association over. The targets: a reply is relayed to the client only from an
 * address and port the client sent to (the last UDP_PEERS_MAX of them).
 *
 * Addresses are kept as the namespace socket sees them: AF_INET6, IPv4 v4-mapped.
 * Pure, unit-tested (test-socks-handshake).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "handshake.h"

#define UDP_PEERS_MAX 16

typedef struct UdpClient {
        struct sockaddr_in6 address; /* port 0 until learned, when not given */
        bool port_known;
} UdpClient;

/* From the TCP client's address and the request's DST.ADDR/DST.PORT (a name, or 0.0.0.0
 * / :: as the address, says "not given"). */
void udp_client_init(UdpClient *c, const struct sockaddr *tcp_peer, const ProxyTarget *request);
/* Whether a datagram from `from` is the client's; learns the port when it may. */
bool udp_client_accept(UdpClient *c, const struct sockaddr *from);
/* Only whether it is the client's, learning nothing (to prefer an exact match). */
bool udp_client_is(const UdpClient *c, const struct sockaddr *from);

typedef struct UdpPeers {
        struct sockaddr_in6 peers[UDP_PEERS_MAX];
        unsigned n, next;
} UdpPeers;

/* Remember a destination the client sent to (the oldest makes room). */
void udp_peers_add(UdpPeers *p, const struct sockaddr *to);
bool udp_peers_contains(const UdpPeers *p, const struct sockaddr *from);

/* Any IPv4/IPv6 sockaddr as AF_INET6 (v4-mapped); false for another family. */
bool udp_to_in6(const struct sockaddr *sa, struct sockaddr_in6 *out);
