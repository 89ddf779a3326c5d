/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * down.c: `tsproxy-netns down NAME`: remove everything `up` made, from the name alone.
 *
 * It runs as ExecStop= after the configuration may be gone, so it finds its work from
 * what exists: the subnet from the address of the host veth, the rest from names
 * derived from NAME. What is already gone counts as removed.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>

#include "fileio.h"
#include "ifaddr.h"
#include "instance.h"
#include "netlink.h"
#include "netns-tool.h"
#include "netns.h"
#include "route.h"

static int down_rule(const Context *c, struct nl_sock *sk, const Subnet *subnet)
{
        char s[SUBNET_STRLEN];
        int r;

        r = route_rule(sk, ROUTE_DELETE, subnet, RULE_PRIORITY, RT_TABLE_MAIN);
        if (r == -ENOENT || r == -ESRCH)
                return 0;
        subnet_format(subnet, s);
        if (r < 0)
                return log_error_errno(c->log, r,
                                       "Failed to remove rule 'to %s lookup main priority %u': %m", s,
                                       RULE_PRIORITY);
        log_info(c->log, "Removed rule 'to %s lookup main priority %u'.", s, RULE_PRIORITY);
        return 0;
}

static int down_rules(const Context *c, struct nl_sock *sk)
{
        IPv4Address addrs[16];
        size_t n = 0;
        int ifindex, r, ret = 0;

        /* The subnet of the instance is the one on its host veth. */
        r = netlink_link_ifindex(sk, c->host_ifname, &ifindex);
        if (r >= 0)
                r = ifaddr_list_ipv4(sk, ifindex, addrs, ELEMENTSOF(addrs), &n);
        if (r < 0 && r != -ENODEV)
                return log_error_errno(c->log, r, "Failed to read the addresses of '%s': %m",
                                       c->host_ifname);

        for (size_t i = 0; i < n; i++) {
                Subnet s = {addrs[i].address & subnet_mask(addrs[i].prefix), addrs[i].prefix};

                r = down_rule(c, sk, &s);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        /* --subnet: for when the veth is gone already (its namespace was deleted by hand). */
        if (c->have_subnet) {
                r = down_rule(c, sk, &c->subnet);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

/* The rules "iif VETH ..." (up.c: up_iif_rules()), found by name: they outlive the veth. */
static int down_iif_rules(const Context *c, struct nl_sock *sk)
{
        int r, ret = 0;

        for (int f = 0; f < 2; f++)
                for (int k = 0; k < 2; k++) {
                        uint32_t prio = k ? RULE_PRIORITY_BARRIER : RULE_PRIORITY;

                        r = route_rule_iif(sk, ROUTE_DELETE, f ? AF_INET6 : AF_INET, c->host_ifname, prio,
                                           k ? 0 : RT_TABLE_MAIN);
                        if (r == -ENOENT || r == -ESRCH || r == -EAFNOSUPPORT)
                                continue;
                        if (r < 0) {
                                log_error_errno(c->log, r, "Failed to remove rule 'iif %s priority %u': %m",
                                                c->host_ifname, prio);
                                ret = ret < 0 ? ret : r;
                                continue;
                        }
                        log_info(c->log, "Removed rule 'iif %s %s priority %u' (%s).", c->host_ifname,
                                 k ? "unreachable" : "lookup main", prio, f ? "IPv6" : "IPv4");
                }
        return ret;
}

int verb_down(const Context *c)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        char path[4096];
        int r, ret = 0;

        r = netlink_open(-1, &sk);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to open netlink socket: %m");

        /* 1. The rule first: it is found through the veth's address. */
        r = down_rules(c, sk);
        if (r < 0)
                ret = r;
        r = down_iif_rules(c, sk);
        if (r < 0 && ret == 0)
                ret = r;

        /* 2. The veth: deleting one end deletes both, with their addresses and routes. */
        r = netlink_link_delete(sk, c->host_ifname);
        if (r >= 0)
                log_info(c->log, "Removed veth '%s'.", c->host_ifname);
        else if (r != -ENODEV) {
                log_error_errno(c->log, r, "Failed to remove veth '%s': %m", c->host_ifname);
                ret = ret < 0 ? ret : r;
        }

        /* The guard's backstop table, once the veth it guards is gone. */
        r = backstop_remove(c);
        if (r < 0 && ret == 0)
                ret = r;

        /* 3. The namespace: detached and unlinked; it ends when its last process is gone. */
        r = netns_remove(c->netns_dir, c->name);
        if (r >= 0)
                log_info(c->log, "Removed network namespace '%s'.", c->name);
        else if (r != -ENOENT) {
                log_error_errno(c->log, r, "Failed to remove network namespace '%s' in %s: %m", c->name,
                                c->netns_dir);
                ret = ret < 0 ? ret : r;
        }

        /* 4. The runtime directory with the resolv.conf files. */
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", c->runtime_dir, c->name) >= sizeof(path))
                return log_error_errno(c->log, -ENAMETOOLONG,
                                       "Failed to remove runtime directory of '%s': %m", c->name);
        r = fileio_remove_tree(path);
        if (r < 0 && r != -ENOENT) {
                log_error_errno(c->log, r, "Failed to remove runtime directory '%s': %m", path);
                ret = ret < 0 ? ret : r;
        }
        return ret;
}
