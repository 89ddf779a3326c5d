/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udp-associate.h: SOCKS5 UDP ASSOCIATE (RFC 1928 section 7).
 *
 * The client-facing UDP sockets are made by systemd in the host namespace, like the
 * TCP listeners (socks@.socket has a ListenDatagram= for each Listen=), so the daemon
 * needs no privileges for them. Clients are told the UDP socket with the same address
 * as the TCP listener they used, and told apart by their source address (udp-peers.h):
 * the request's DST.ADDR/DST.PORT where given (the address within AllowFrom=), else the
 * control connection's IP and the port of the first datagram from it. Replies come
 * back only from the addresses and ports the client sent to. Each
 * association has a socket of its own in the instance namespace for the datagrams to
 * and from targets, bound to the tailscale interface under Egress=tailnet. It ends with
 * its TCP control connection.
 */
#pragma once

#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "handshake.h"

typedef struct Server Server;
typedef struct UdpAssociation UdpAssociation;

typedef struct UdpAssociationRequest {
        const struct sockaddr_storage *client; /* the control connection's peer */
        socklen_t client_len;
        struct sockaddr_storage local; /* the control connection's local address */
        socklen_t local_len;
        const ProxyTarget *target; /* DST.ADDR/DST.PORT: where the client will send from */
} UdpAssociationRequest;

/* 0 and the address to tell the client (BND.ADDR/BND.PORT), or -errno. */
int udp_association_new(Server *s, const UdpAssociationRequest *req, UdpAssociation **ret,
                        struct sockaddr_storage *ret_bound, socklen_t *ret_bound_len);
void udp_association_free(UdpAssociation *a);

/* Datagrams from clients on a host-side UDP socket (Server.datagram[i]). */
int udp_on_client_datagram(sd_event_source *source, int fd, uint32_t revents, void *userdata);
