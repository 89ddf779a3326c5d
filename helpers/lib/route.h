/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * route.h: the routing entries of an instance. Inside its namespace: the default route
 * (via the host end of the veth) and "unreachable" routes for the tailnet ranges, so
 * that only the instance's own tailscaled (its table 52, looked up from priority 5270,
 * ahead of main) can route them. In the host: the policy rules that keep the instance's
 * traffic in the main table before any other table (the host tailscaled's table 52 at
 * priority 5270, with its home peers and maybe an exit node) can claim it: "to SUBNET
 * lookup main" for traffic towards the namespace, "iif VETH lookup main" and
 * "iif VETH unreachable" for traffic from it.
 */
#pragma once

#include <stdint.h>
#include <netlink/socket.h>

#include "addr.h"

/* What to do with a route or a rule: the netlink verb. */
typedef enum RouteVerb {
        ROUTE_ADD,     /* create-exclusive: -EEXIST when it is there already */
        ROUTE_REPLACE, /* create, or overwrite the one there (routes only) */
        ROUTE_DELETE,  /* -ESRCH/-ENOENT when there is no such entry */
} RouteVerb;

/*
 * "default via gateway dev ifindex" in the main table. ROUTE_ADD: -EEXIST when there
 * already is a default route (whichever); ROUTE_REPLACE overwrites it instead.
 */
int route_default(struct nl_sock *sk, RouteVerb verb, int ifindex, uint32_t gateway);

/*
 * "unreachable NETWORK/PREFIX" in the main table; family AF_INET or AF_INET6, network the
 * address bytes in network order.
 */
int route_unreachable(struct nl_sock *sk, RouteVerb verb, int family, const void *network, unsigned prefix);

/* "to SUBNET lookup TABLE priority PRIORITY". ROUTE_ADD: -EEXIST when an identical rule
 * exists. */
int route_rule(struct nl_sock *sk, RouteVerb verb, const Subnet *to, uint32_t priority, uint32_t table);

/*
 * "iif IFNAME lookup TABLE priority PRIORITY" in family (AF_INET, AF_INET6), or with table
 * 0 "iif IFNAME unreachable priority PRIORITY". ROUTE_ADD: -EEXIST when an identical rule
 * exists. A rule names its interface, so it stays (detached) when the interface goes.
 */
int route_rule_iif(struct nl_sock *sk, RouteVerb verb, int family, const char *ifname, uint32_t priority,
                   uint32_t table);
