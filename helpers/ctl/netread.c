/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netread.c: rtnetlink dumps of routes and rules (see netread.h).
 */
#include "netread.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netlink.h"
#include "netns.h"

static void addr_str(struct nl_addr *a, bool dst, char buf[static IPNET_STRLEN])
{
        if (!a || nl_addr_get_len(a) == 0 || (dst && nl_addr_get_prefixlen(a) == 0)) {
                snprintf(buf, IPNET_STRLEN, "%s", dst ? "default" : "");
                return;
        }
        nl_addr2str(a, buf, IPNET_STRLEN);
}

static void route_into(struct nl_object *o, void *arg)
{
        struct rtnl_route *route = (struct rtnl_route *)o;
        void **a = arg;
        NetRoutes *l = a[0];
        struct nl_cache *links = a[1];
        struct rtnl_nexthop *nh;
        NetRoute *r;

        if (a[2])
                return; /* out of memory before */
        r = netroutes_add(l);
        if (!r) {
                a[2] = l;
                return;
        }
        r->family = rtnl_route_get_family(route);
        r->type = rtnl_route_get_type(route);
        r->table = rtnl_route_get_table(route);
        addr_str(rtnl_route_get_dst(route), true, r->dst);
        nh = rtnl_route_nexthop_n(route, 0);
        if (nh) {
                addr_str(rtnl_route_nh_get_gateway(nh), false, r->gateway);
                if (rtnl_route_nh_get_ifindex(nh) > 0)
                        rtnl_link_i2name(links, rtnl_route_nh_get_ifindex(nh), r->oif, sizeof(r->oif));
        }
}

static int read_routes(NetRoutes *ret)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(nl_cache_freep) struct nl_cache *routes = NULL, *links = NULL;
        void *arg[3];
        int r;

        r = netlink_open(-1, &sk);
        if (r < 0)
                return r;
        r = netlink_errno(rtnl_link_alloc_cache(sk, AF_UNSPEC, &links));
        if (r >= 0)
                r = netlink_errno(rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &routes));
        if (r < 0)
                return r;
        *ret = (NetRoutes){};
        arg[0] = ret;
        arg[1] = links;
        arg[2] = NULL;
        nl_cache_foreach(routes, route_into, arg);
        if (arg[2]) {
                netroutes_done(ret);
                return -ENOMEM;
        }
        return 0;
}

static void rule_into(struct nl_object *o, void *arg)
{
        struct rtnl_rule *rule = (struct rtnl_rule *)o;
        void **a = arg;
        NetRule *r;

        if (a[1])
                return;
        r = netrules_add(a[0]);
        if (!r) {
                a[1] = a[0];
                return;
        }
        r->family = rtnl_rule_get_family(rule);
        r->priority = rtnl_rule_get_prio(rule);
        r->table = rtnl_rule_get_table(rule);
        r->action = rtnl_rule_get_action(rule);
        addr_str(rtnl_rule_get_dst(rule), false, r->dst);
        snprintf(r->iif, sizeof(r->iif), "%s", strempty(rtnl_rule_get_iif(rule)));
}

int netread_rules(NetRules *ret)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(nl_cache_freep) struct nl_cache *rules = NULL;
        void *arg[2];
        int r;

        r = netlink_open(-1, &sk);
        if (r >= 0)
                r = netlink_errno(rtnl_rule_alloc_cache(sk, AF_UNSPEC, &rules));
        if (r < 0)
                return r;
        *ret = (NetRules){};
        arg[0] = ret;
        arg[1] = NULL;
        nl_cache_foreach(rules, rule_into, arg);
        if (arg[1]) {
                netrules_done(ret);
                return -ENOMEM;
        }
        return 0;
}

int netread_netns(const char *dir, const char *name, NetFacts *ret_links, NetRoutes *ret_routes)
{
        _cleanup_close_ int target = -EBADF;
        int home, r;

        r = netns_open(dir, name, &target);
        if (r < 0)
                return r;
        r = netns_enter(target, &home);
        if (r < 0)
                return r;
        r = netfacts_read(ret_links);
        if (r >= 0) {
                r = read_routes(ret_routes);
                if (r < 0)
                        netfacts_done(ret_links);
        }
        netns_leave(&home);
        return r;
}
