/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * route.h: the two routing entries of an instance: the default route inside its
 * namespace (via the host end of the veth) and the policy rule in the host that sends
 * traffic for the veth subnet to the main table before any other table (tailscale's
 * table 52 at priority 5270) can claim it.
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

/* "to SUBNET lookup TABLE priority PRIORITY": -EEXIST when an identical rule exists. */
int route_rule_add(struct nl_sock *sk, const Subnet *to, uint32_t priority, uint32_t table);
/* -ENOENT when there is no such rule. */
int route_rule_delete(struct nl_sock *sk, const Subnet *to, uint32_t priority, uint32_t table);
