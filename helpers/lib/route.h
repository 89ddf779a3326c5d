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

#include <stdbool.h>
#include <stdint.h>
#include <netlink/socket.h>

#include "addr.h"

/*
 * Add "default via gateway dev ifindex" to the main table. -EEXIST when there already
 * is a default route (whichever); with replace, an existing one is overwritten instead.
 */
int route_add_default(struct nl_sock *sk, int ifindex, uint32_t gateway, bool replace);
/* -ESRCH/-ENOENT when there is no such route. */
int route_delete_default(struct nl_sock *sk, int ifindex, uint32_t gateway);

/*
 * "unreachable NETWORK/PREFIX" in the main table; family AF_INET or AF_INET6, network the
 * address bytes in network order. -EEXIST when the route exists already.
 */
int route_add_unreachable(struct nl_sock *sk, int family, const void *network, unsigned prefix);
/* -ESRCH/-ENOENT when there is no such route. */
int route_delete_unreachable(struct nl_sock *sk, int family, const void *network, unsigned prefix);

/* "to SUBNET lookup TABLE priority PRIORITY": -EEXIST when an identical rule exists. */
int route_rule_add(struct nl_sock *sk, const Subnet *to, uint32_t priority, uint32_t table);
/* -ENOENT when there is no such rule. */
int route_rule_delete(struct nl_sock *sk, const Subnet *to, uint32_t priority, uint32_t table);

/*
 * "iif IFNAME lookup TABLE priority PRIORITY" in family (AF_INET, AF_INET6), or with table
 * 0 "iif IFNAME unreachable priority PRIORITY". -EEXIST when an identical rule exists.
 * A rule names its interface, so it stays (detached) when the interface goes.
 */
int route_rule_iif_add(struct nl_sock *sk, int family, const char *ifname, uint32_t priority,
                       uint32_t table);
/* -ENOENT when there is no such rule. */
int route_rule_iif_delete(struct nl_sock *sk, int family, const char *ifname, uint32_t priority,
                          uint32_t table);
