/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * route.c: routes and policy rules, through libnl.
 *
 * All are added create-exclusive so that the caller learns whether this run made
 * them (and must remove them on rollback) or found them already there.
 */
#include "route.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <netlink/route/nexthop.h>

#include "netlink.h"

/* Send route with the netlink verb: 0 or -errno (-EEXIST, -ESRCH/-ENOENT as route.h says). */
static int route_send(struct nl_sock *sk, struct rtnl_route *route, RouteVerb verb)
{
        switch (verb) {
        case ROUTE_ADD: return netlink_errno(rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL));
        case ROUTE_REPLACE: return netlink_errno(rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_REPLACE));
        case ROUTE_DELETE: return netlink_errno(rtnl_route_delete(sk, route, 0));
        }
        return -EINVAL;
}

/* The same for a rule; a rule has no replace. */
static int rule_send(struct nl_sock *sk, struct rtnl_rule *rule, RouteVerb verb)
{
        switch (verb) {
        /* The kernel compares every attribute under NLM_F_EXCL: EEXIST means "identical". */
        case ROUTE_ADD: return netlink_errno(rtnl_rule_add(sk, rule, NLM_F_CREATE | NLM_F_EXCL));
        case ROUTE_DELETE: return netlink_errno(rtnl_rule_delete(sk, rule, 0));
        case ROUTE_REPLACE: break;
        }
        return -EINVAL;
}

/* A route to dst of type in the main table, as `ip route add` makes it (protocol boot,
 * scope universe). */
static int route_new(int family, struct nl_addr *dst, uint8_t type, struct rtnl_route **ret)
{
        _cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
        int r;

        route = rtnl_route_alloc();
        if (!route)
                return -ENOMEM;
        r = netlink_errno(rtnl_route_set_family(route, (uint8_t)family));
        if (r < 0)
                return r;
        r = netlink_errno(rtnl_route_set_dst(route, dst));
        if (r < 0)
                return r;
        rtnl_route_set_table(route, RT_TABLE_MAIN);
        rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
        rtnl_route_set_protocol(route, RTPROT_BOOT);
        r = netlink_errno(rtnl_route_set_type(route, type));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(route);
        return 0;
}

static int route_new_default(int ifindex, uint32_t gateway, struct rtnl_route **ret)
{
        _cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
        _cleanup_(nl_addr_putp) struct nl_addr *dst = NULL, *gw = NULL;
        struct rtnl_nexthop *nh;
        int r;

        if (ifindex <= 0)
                return -EINVAL;
        r = netlink_ipv4_addr(0, 0, &dst);
        if (r < 0)
                return r;
        r = netlink_ipv4_addr(gateway, 32, &gw);
        if (r < 0)
                return r;
        r = route_new(AF_INET, dst, RTN_UNICAST, &route);
        if (r < 0)
                return r;

        nh = rtnl_route_nh_alloc();
        if (!nh)
                return -ENOMEM;
        rtnl_route_nh_set_ifindex(nh, ifindex);
        rtnl_route_nh_set_gateway(nh, gw);
        rtnl_route_add_nexthop(route, nh); /* the route owns nh from here on */

        *ret = TAKE_PTR(route);
        return 0;
}

int route_default(struct nl_sock *sk, RouteVerb verb, int ifindex, uint32_t gateway)
{
        _cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
        int r;

        r = route_new_default(ifindex, gateway, &route);
        if (r < 0)
                return r;
        return route_send(sk, route, verb);
}

static int route_new_rule(const Subnet *to, uint32_t priority, uint32_t table, struct rtnl_rule **ret)
{
        _cleanup_(rtnl_rule_putp) struct rtnl_rule *rule = NULL;
        _cleanup_(nl_addr_putp) struct nl_addr *dst = NULL;
        int r;

        r = netlink_ipv4_addr(to->network, to->prefix, &dst);
        if (r < 0)
                return r;
        rule = rtnl_rule_alloc();
        if (!rule)
                return -ENOMEM;
        rtnl_rule_set_family(rule, AF_INET);
        r = netlink_errno(rtnl_rule_set_dst(rule, dst));
        if (r < 0)
                return r;
        rtnl_rule_set_prio(rule, priority);
        rtnl_rule_set_table(rule, table);
        rtnl_rule_set_action(rule, FR_ACT_TO_TBL);

        *ret = TAKE_PTR(rule);
        return 0;
}

int route_rule(struct nl_sock *sk, RouteVerb verb, const Subnet *to, uint32_t priority, uint32_t table)
{
        _cleanup_(rtnl_rule_putp) struct rtnl_rule *rule = NULL;
        int r;

        r = route_new_rule(to, priority, table, &rule);
        if (r < 0)
                return r;
        return rule_send(sk, rule, verb);
}

static int route_new_unreachable(int family, const void *network, unsigned prefix, struct rtnl_route **ret)
{
        _cleanup_(nl_addr_putp) struct nl_addr *dst = NULL;
        size_t len = family == AF_INET ? 4 : 16;

        if ((family != AF_INET && family != AF_INET6) || prefix > len * 8)
                return -EINVAL;
        dst = nl_addr_build(family, network, len);
        if (!dst)
                return -ENOMEM;
        nl_addr_set_prefixlen(dst, (int)prefix);
        return route_new(family, dst, RTN_UNREACHABLE, ret);
}

int route_unreachable(struct nl_sock *sk, RouteVerb verb, int family, const void *network, unsigned prefix)
{
        _cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
        int r;

        r = route_new_unreachable(family, network, prefix, &route);
        if (r < 0)
                return r;
        return route_send(sk, route, verb);
}

static int route_new_rule_iif(int family, const char *ifname, uint32_t priority, uint32_t table,
                              struct rtnl_rule **ret)
{
        _cleanup_(rtnl_rule_putp) struct rtnl_rule *rule = NULL;
        int r;

        if (family != AF_INET && family != AF_INET6)
                return -EINVAL;
        rule = rtnl_rule_alloc();
        if (!rule)
                return -ENOMEM;
        rtnl_rule_set_family(rule, family);
        r = netlink_errno(rtnl_rule_set_iif(rule, ifname));
        if (r < 0)
                return r;
        rtnl_rule_set_prio(rule, priority);
        if (table > 0) {
                rtnl_rule_set_table(rule, table);
                rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
        } else
                rtnl_rule_set_action(rule, FR_ACT_UNREACHABLE);
        *ret = TAKE_PTR(rule);
        return 0;
}

int route_rule_iif(struct nl_sock *sk, RouteVerb verb, int family, const char *ifname, uint32_t priority,
                   uint32_t table)
{
        _cleanup_(rtnl_rule_putp) struct rtnl_rule *rule = NULL;
        int r;

        r = route_new_rule_iif(family, ifname, priority, table, &rule);
        if (r < 0)
                return r;
        return rule_send(sk, rule, verb);
}
