/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egress.h: where tsproxy-socks may connect to, and the sockets it connects with.
 *
 * With Egress=tailnet a destination is allowed only when the namespace routes it
 * through the tailscale interface (tailnet peers, subnet routes, an exit node if the
 * tailnet has one), or when it is one of the namespace's own addresses outside the
 * tailnet ranges (loopback, the veth end: a service running in the namespace). Used by
 * tsproxy-socks (Egress= of [SOCKS]) and tsproxy-relay (Egress= of [Forward]). The route is asked of the
 * kernel (RTM_GETROUTE, as `ip route get` does) for a fast and clear refusal, and the outgoing socket is
 * bound to the interface (SO_BINDTOIFINDEX, allowed without privileges on an unbound socket since
 * Linux 5.7), so a route that changes afterwards cannot send it through the veth to
 * the host or, through NAT, to the internet. With Egress=any neither is done.
 *
 * Destinations found routed through the tailscale interface are remembered (a small
 * table per worker), so the next connection to one costs no lookup; any change to the
 * namespace's routes, rules, links or addresses, announced on a second NETLINK_ROUTE
 * socket (one recv() per check that finds nothing), empties the table. A remembered
 * answer is never less safe than a fresh one: the socket is bound to the interface
 * either way. Local destinations and refusals are asked every time.
 */
#pragma once

#include <stdbool.h>
#include <net/if.h>
#include <sys/socket.h>

#define EGRESS_CACHE_SIZE 64 /* destinations remembered, a power of 2 */

typedef struct EgressCacheEntry {
        unsigned char family; /* 0: empty */
        unsigned char addr[16];
} EgressCacheEntry;

typedef struct Egress {
        bool tailnet_only;
        char interface[IF_NAMESIZE];
        int ifindex;    /* cached; refreshed when a route names another index */
        int netlink_fd; /* NETLINK_ROUTE, for route lookups; -EBADF when any */
        int monitor_fd; /* NETLINK_ROUTE, changes announced (empty the cache); -EBADF: none */
        unsigned seq;
        EgressCacheEntry cache[EGRESS_CACHE_SIZE]; /* routed through ifindex */
} Egress;

int egress_init(Egress *e, bool tailnet_only, const char *interface);
void egress_done(Egress *e);

/*
 * May dst be reached? 0 and the interface index to bind to (0: no binding), -EACCES when
 * its route leads elsewhere, -ENETUNREACH when there is no route, other -errno on
 * failure of the lookup.
 */
int egress_check(Egress *e, const struct sockaddr *dst, int *ret_ifindex);

/* A non-blocking socket of type (SOCK_STREAM/SOCK_DGRAM) for family, bound to ifindex
 * (when > 0). The fd or -errno. */
int egress_socket(int family, int type, int ifindex);
