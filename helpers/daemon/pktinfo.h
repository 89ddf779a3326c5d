/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pktinfo.h: answering a UDP client from the address it wrote to.
 *
 * A UDP socket bound to a wildcard address (0.0.0.0, ::) would answer from whatever
 * address the route to the client prefers, and a client on a host with several addresses
 * drops an answer from an address it did not ask. So the kernel is asked for each
 * datagram's destination (IP_PKTINFO, IPV6_RECVPKTINFO) and the answer is sent from it
 * (tsproxy-dns on every UDP socket, tsproxy-relay on its wildcard UDP forwards).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* The address a datagram was sent to. */
typedef struct PktInfo {
        bool set; /* false: none known, answer from the socket's own address */
        union {
                struct in_pktinfo in;
                struct in6_pktinfo in6;
        };
} PktInfo;

/* Room for the control messages recvmsg() gives on a socket of pktinfo_enable(). */
#define PKTINFO_CONTROL_SIZE (CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)))

/* Ask for the destination of each datagram on fd, a socket of family (AF_INET, AF_INET6).
 * 0 or -errno. */
int pktinfo_enable(int fd, int family);

/* Take the destination from the control messages of mh (recvmsg()); *ret is left alone when
 * there is none. */
void pktinfo_take(struct msghdr *mh, PktInfo *ret);

/* Send a datagram to peer through fd, from local when it is set; never blocks (a full
 * socket buffer drops it, as the network would). 0 or -errno. */
int pktinfo_send(int fd, const void *data, size_t len, const struct sockaddr_storage *peer,
                 socklen_t peer_len, const PktInfo *local);
