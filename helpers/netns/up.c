/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * up.c: `tsproxy-netns up NAME`: the instance namespace, its veth link to the host,
 * addresses, routes and forwarding.
 *
 * Every step first looks at what is there, so a second run, or a run after a crash at
 * any point, converges on the same state. What this run creates is recorded in Undo;
 * on failure exactly that is removed again, in reverse order, and nothing else.
 */
#include <errno.h>
#include <linux/rtnetlink.h>

#include "ifaddr.h"
#include "instance.h"
#include "netlink.h"
#include "netns-tool.h"
#include "netns.h"
#include "route.h"
#include "sysctl.h"
#include "tailnet.h"
#include "veth.h"

typedef struct Undo {
        bool netns;
        bool backstop;
        bool veth;
        bool host_address;
        bool ns_address;
        bool route;
        bool tailnet_unreachable[2]; /* IPv4, IPv6 */
        bool rule;
        bool iif_rules[2][2]; /* [IPv4, IPv6][lookup main, unreachable] */
} Undo;

typedef struct UpState {
        struct nl_sock *sk_host; /* a socket in the host namespace */
        struct nl_sock *sk_ns;   /* a socket in the instance namespace */
        int ns_fd;
        int host_ifindex, ns_ifindex;
        Undo undo;
} UpState;

static void up_state_done(UpState *st)
{
        nl_socket_freep(&st->sk_ns);
        nl_socket_freep(&st->sk_host);
        st->ns_fd = safe_close(st->ns_fd);
}

/* Errors that mean "already gone" while undoing. */
static bool error_is_gone(int r)
{
        return r == -ENOENT || r == -ENODEV || r == -ESRCH || r == -EADDRNOTAVAIL;
}

/* Add (or delete) "unreachable" for the IPv4 (family_index 0) or IPv6 (1) tailnet range. */
static int tailnet_unreachable(struct nl_sock *sk, int family_index, bool add)
{
        static const uint8_t v6[16] = TAILNET_IPV6_NETWORK_INIT;
        uint32_t v4 = htobe32(TAILNET_IPV4_NETWORK);
        int family = family_index ? AF_INET6 : AF_INET;
        const void *network = family_index ? (const void *)v6 : (const void *)&v4;
        unsigned prefix = family_index ? TAILNET_IPV6_PREFIX : TAILNET_IPV4_PREFIX;

        return route_unreachable(sk, add ? ROUTE_ADD : ROUTE_DELETE, family, network, prefix);
}

static void up_rollback(const Context *c, UpState *st)
{
        const Logger *log = c->log;
        uint32_t host = subnet_host_address(&c->subnet), ns = subnet_namespace_address(&c->subnet);
        const Undo *u = &st->undo;
        int r;

        if (!u->netns && !u->backstop && !u->veth && !u->host_address && !u->ns_address && !u->route &&
            !u->rule && !u->tailnet_unreachable[0] && !u->tailnet_unreachable[1] && !u->iif_rules[0][0] &&
            !u->iif_rules[0][1] && !u->iif_rules[1][0] && !u->iif_rules[1][1])
                return;

        /* Reverse order of creation; a step that is gone already is fine. */
        for (int f = 0; f < 2; f++)
                for (int k = 0; k < 2; k++) {
                        if (!u->iif_rules[f][k])
                                continue;
                        r = route_rule_iif(st->sk_host, ROUTE_DELETE, f ? AF_INET6 : AF_INET, c->host_ifname,
                                           k ? RULE_PRIORITY_BARRIER : RULE_PRIORITY, k ? 0 : RT_TABLE_MAIN);
                        if (r < 0 && !error_is_gone(r))
                                log_warning_errno(log, r, "Failed to remove rule 'iif %s' again: %m",
                                                  c->host_ifname);
                }
        if (u->rule) {
                r = route_rule(st->sk_host, ROUTE_DELETE, &c->subnet, RULE_PRIORITY, RT_TABLE_MAIN);
                if (r < 0 && !error_is_gone(r))
                        log_warning_errno(log, r, "Failed to remove routing rule of '%s' again: %m",
                                          c->name);
        }
        for (int f = 0; f < 2; f++) {
                if (!u->tailnet_unreachable[f])
                        continue;
                r = tailnet_unreachable(st->sk_ns, f, false);
                if (r < 0 && !error_is_gone(r))
                        log_warning_errno(log, r,
                                          "Failed to remove the tailnet route in namespace '%s' again: %m",
                                          c->name);
        }
        if (u->route) {
                r = route_default(st->sk_ns, ROUTE_DELETE, st->ns_ifindex, host);
                if (r < 0 && !error_is_gone(r))
                        log_warning_errno(log, r,
                                          "Failed to remove default route in namespace '%s' again: %m",
                                          c->name);
        }
        if (u->ns_address) {
                r = ifaddr_delete(st->sk_ns, st->ns_ifindex, ns, c->subnet.prefix);
                if (r < 0 && !error_is_gone(r))
                        log_warning_errno(log, r,
                                          "Failed to remove address of '%s' in namespace '%s' again: %m",
                                          NAMESPACE_IFNAME, c->name);
        }
        if (u->host_address) {
                r = ifaddr_delete(st->sk_host, st->host_ifindex, host, c->subnet.prefix);
                if (r < 0 && !error_is_gone(r))
                        log_warning_errno(log, r, "Failed to remove address of '%s' again: %m",
                                          c->host_ifname);
        }
        if (u->veth) {
                /* Deleting one end deletes both. */
                r = netlink_link_delete(st->sk_host, c->host_ifname);
                if (r < 0 && !error_is_gone(r))
                        log_warning_errno(log, r, "Failed to remove veth '%s' again: %m", c->host_ifname);
        }
        if (u->backstop)
                (void)backstop_remove(c); /* logs its own error */
        if (u->netns) {
                r = netns_remove(c->netns_dir, c->name);
                if (r < 0 && !error_is_gone(r))
                        log_warning_errno(log, r, "Failed to remove network namespace '%s' again: %m",
                                          c->name);
        }
        log_notice(log, "Rolled back what this run had set up for instance '%s'.", c->name);
}

/*
 * Does the existing host end carry exactly our address? A different one means the
 * instance's subnet changed: its rule for the old subnet goes, and the veth is made
 * anew (which takes the old addresses and routes on both ends with it).
 */
static int veth_check_address(const Context *c, UpState *st, bool *ret_stale)
{
        IPv4Address addrs[16];
        size_t n;
        bool stale = false;
        int ifindex, r;

        r = netlink_link_ifindex(st->sk_host, c->host_ifname, &ifindex);
        if (r < 0)
                return r;
        r = ifaddr_list_ipv4(st->sk_host, ifindex, addrs, ELEMENTSOF(addrs), &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                Subnet old = {addrs[i].address & subnet_mask(addrs[i].prefix), addrs[i].prefix};
                char a[SUBNET_STRLEN];

                if (addrs[i].address == subnet_host_address(&c->subnet) &&
                    addrs[i].prefix == c->subnet.prefix)
                        continue;
                stale = true;
                subnet_format(&old, a);
                log_notice(c->log, "Interface '%s' is in subnet %s, not the configured one: recreating it.",
                           c->host_ifname, a);
                r = route_rule(st->sk_host, ROUTE_DELETE, &old, RULE_PRIORITY, RT_TABLE_MAIN);
                if (r < 0 && !error_is_gone(r))
                        return r;
        }
        *ret_stale = stale;
        return 0;
}

static int up_veth(const Context *c, UpState *st)
{
        const Logger *log = c->log;
        bool stale = false;
        int r;

        r = veth_is_pair(st->sk_host, c->host_ifname, st->sk_ns, NAMESPACE_IFNAME);
        if (r < 0 && r != -ENODEV)
                return log_error_errno(log, r, "Failed to look at interface '%s': %m", c->host_ifname);
        if (r > 0) {
                r = veth_check_address(c, st, &stale);
                if (r < 0)
                        return log_error_errno(log, r, "Failed to look at the addresses of '%s': %m",
                                               c->host_ifname);
                if (!stale) {
                        log_debug(log, "Reusing veth '%s' <-> '%s' in namespace '%s'.", c->host_ifname,
                                  NAMESPACE_IFNAME, c->name);
                        return 0;
                }
                r = 0;
        }
        if (r == 0) {
                /*
                 * A host-side interface of our name that is not paired with our namespace:
                 * left from a namespace that is gone or going (the kernel tears down a
                 * namespace and its interfaces asynchronously), or from an older subnet.
                 * The name is ours, so it goes.
                 */
                if (!stale)
                        log_notice(log, "Removing stale interface '%s'.", c->host_ifname);
                r = netlink_link_delete(st->sk_host, c->host_ifname);
                if (r < 0 && r != -ENODEV)
                        return log_error_errno(log, r, "Failed to remove stale interface '%s': %m",
                                               c->host_ifname);
        }

        /* The peer is created directly inside the namespace, by its fd. */
        r = veth_add(st->sk_host, c->host_ifname, NAMESPACE_IFNAME, st->ns_fd);
        if (r == -EEXIST)
                return log_error_errno(
                        log, r,
                        "Failed to create veth '%s' <-> '%s' in namespace '%s': an interface of "
                        "either name exists already",
                        c->host_ifname, NAMESPACE_IFNAME, c->name);
        if (r < 0)
                return log_error_errno(log, r, "Failed to create veth '%s' <-> '%s' in namespace '%s': %m",
                                       c->host_ifname, NAMESPACE_IFNAME, c->name);
        st->undo.veth = true;
        log_info(log, "Created veth '%s' <-> '%s' in namespace '%s'.", c->host_ifname, NAMESPACE_IFNAME,
                 c->name);
        return 0;
}

/*
 * The kernel would accept our subnet on a second interface and then route it to
 * whichever came first: another instance with the same subnet (or a LAN that uses it)
 * must be an error, not a silent black hole.
 */
static int check_subnet_unused(const Context *c, UpState *st)
{
        IPv4Address addrs[256];
        size_t n;
        int r;

        r = ifaddr_list_ipv4(st->sk_host, 0, addrs, ELEMENTSOF(addrs), &n);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to list the host's addresses: %m");
        for (size_t i = 0; i < n; i++) {
                Subnet other = {addrs[i].address & subnet_mask(addrs[i].prefix), addrs[i].prefix};
                char ifname[IFNAMSIZ] = "?", s[SUBNET_STRLEN], a[IPV4_STRLEN];

                if (addrs[i].ifindex == st->host_ifindex || !subnet_overlaps(&c->subnet, &other))
                        continue;
                (void)netlink_link_name(st->sk_host, addrs[i].ifindex, ifname);
                subnet_format(&c->subnet, s);
                ipv4_format(addrs[i].address, a);
                return log_error_errno(
                        c->log, -EADDRINUSE,
                        "Failed to use subnet %s for '%s': it overlaps %s/%u on interface '%s'", s,
                        c->host_ifname, a, addrs[i].prefix, ifname);
        }
        return 0;
}

static int up_addresses_and_routes(const Context *c, UpState *st)
{
        const Logger *log = c->log;
        uint32_t host = subnet_host_address(&c->subnet), ns = subnet_namespace_address(&c->subnet);
        char host_s[IPV4_STRLEN], ns_s[IPV4_STRLEN];
        int r;

        ipv4_format(host, host_s);
        ipv4_format(ns, ns_s);

        r = netlink_link_ifindex(st->sk_host, c->host_ifname, &st->host_ifindex);
        if (r < 0)
                return log_error_errno(log, r, "Failed to find interface '%s': %m", c->host_ifname);
        r = netlink_link_ifindex(st->sk_ns, NAMESPACE_IFNAME, &st->ns_ifindex);
        if (r < 0)
                return log_error_errno(log, r, "Failed to find interface '%s' in namespace '%s': %m",
                                       NAMESPACE_IFNAME, c->name);

        r = check_subnet_unused(c, st);
        if (r < 0)
                return r;

        /* The host end is the namespace's gateway; the namespace end its only address. */
        r = ifaddr_add(st->sk_host, st->host_ifindex, host, c->subnet.prefix);
        if (r < 0 && r != -EEXIST)
                return log_error_errno(log, r, "Failed to add address %s/%u to '%s': %m", host_s,
                                       c->subnet.prefix, c->host_ifname);
        st->undo.host_address = r >= 0;
        r = ifaddr_add(st->sk_ns, st->ns_ifindex, ns, c->subnet.prefix);
        if (r < 0 && r != -EEXIST)
                return log_error_errno(log, r, "Failed to add address %s/%u to '%s' in namespace '%s': %m",
                                       ns_s, c->subnet.prefix, NAMESPACE_IFNAME, c->name);
        st->undo.ns_address = r >= 0;

        /* Loopback: daemons in the namespace talk to each other and to tailscaled over it. */
        r = netlink_link_set_up(st->sk_ns, "lo");
        if (r < 0)
                return log_error_errno(log, r, "Failed to bring up 'lo' in namespace '%s': %m", c->name);
        /* Both ends up; a gateway route needs its device up. */
        r = netlink_link_set_up(st->sk_ns, NAMESPACE_IFNAME);
        if (r < 0)
                return log_error_errno(log, r, "Failed to bring up '%s' in namespace '%s': %m",
                                       NAMESPACE_IFNAME, c->name);
        r = netlink_link_set_up(st->sk_host, c->host_ifname);
        if (r < 0)
                return log_error_errno(log, r, "Failed to bring up '%s': %m", c->host_ifname);

        /*
         * All traffic of the namespace leaves through the host (tailscaled reaches its
         * control server and peers this way, NATed by ts-nat@). A default route that is
         * there already is the namespace's own, ours to correct.
         */
        r = route_default(st->sk_ns, ROUTE_ADD, st->ns_ifindex, host);
        if (r == -EEXIST)
                r = route_default(st->sk_ns, ROUTE_REPLACE, st->ns_ifindex, host);
        else if (r >= 0)
                st->undo.route = true;
        if (r < 0)
                return log_error_errno(log, r, "Failed to add default route via %s in namespace '%s': %m",
                                       host_s, c->name);
        return 0;
}

/*
 * Inside the namespace the tailnet ranges lead nowhere unless the instance's own
 * tailscaled routes them: its rules (5210-5270) and table 52 are looked up before the
 * main table, so its peers and MagicDNS win once it is logged in. Before that, while it
 * is logged out, stopped, crashed or restarting, these routes answer "unreachable", and
 * a tailnet address can never follow the default route to the host (and from there into
 * the host's own tailnet).
 */
static int up_tailnet_routes(const Context *c, UpState *st)
{
        static const char *const range[] = {TAILNET_IPV4_RANGE, TAILNET_IPV6_RANGE};
        int r;

        for (int f = 0; f < 2; f++) {
                r = tailnet_unreachable(st->sk_ns, f, true);
                if (r == -EAFNOSUPPORT && f == 1) {
                        log_debug(c->log, "No IPv6 in namespace '%s': no route for %s needed.", c->name,
                                  range[f]);
                        continue;
                }
                if (r < 0 && r != -EEXIST)
                        return log_error_errno(c->log, r,
                                               "Failed to add 'unreachable %s' in namespace '%s': %m",
                                               range[f], c->name);
                st->undo.tailnet_unreachable[f] = r >= 0;
        }
        return 0;
}

/*
 * Traffic from the namespace (forwarded: tailscaled's own to its control server and
 * peers, replies of the UDP port forward) is routed by the main table and nothing else:
 * "iif VETH lookup main", then "iif VETH unreachable" for what main cannot route, both
 * before the host tailscaled's rules. Its table 52 (home peers, MagicDNS, an exit node's
 * default route) never sees it.
 */
static int up_iif_rules(const Context *c, UpState *st)
{
        int r;

        for (int f = 0; f < 2; f++)
                for (int k = 0; k < 2; k++) {
                        r = route_rule_iif(st->sk_host, ROUTE_ADD, f ? AF_INET6 : AF_INET, c->host_ifname,
                                           k ? RULE_PRIORITY_BARRIER : RULE_PRIORITY, k ? 0 : RT_TABLE_MAIN);
                        if (r == -EAFNOSUPPORT && f == 1)
                                break; /* no IPv6 on this host */
                        if (r < 0 && r != -EEXIST)
                                return log_error_errno(
                                        c->log, r, "Failed to add rule 'iif %s %s priority %u' (%s): %m",
                                        c->host_ifname, k ? "unreachable" : "lookup main",
                                        k ? RULE_PRIORITY_BARRIER : RULE_PRIORITY, f ? "IPv6" : "IPv4");
                        st->undo.iif_rules[f][k] = r >= 0;
                }
        return 0;
}

static int up_rule(const Context *c, UpState *st)
{
        char s[SUBNET_STRLEN];
        int r;

        /*
         * The host's own tailscaled routes through table 52 from priority 5270 on, and
         * with an exit node or a subnet route covering ours it would send the
         * namespace's traffic into the home tailnet. The main table at 5200 comes first.
         */
        r = route_rule(st->sk_host, ROUTE_ADD, &c->subnet, RULE_PRIORITY, RT_TABLE_MAIN);
        if (r < 0 && r != -EEXIST) {
                subnet_format(&c->subnet, s);
                return log_error_errno(c->log, r, "Failed to add rule 'to %s lookup main priority %u': %m",
                                       s, RULE_PRIORITY);
        }
        st->undo.rule = r >= 0;
        return 0;
}

static int up_forwarding(const Context *c)
{
        int r;

        /*
         * The namespace's packets are routed through the host: forwarding on the host
         * end, and on the way out (the uplink, or everywhere). tsproxy never turns it off
         * again: other instances, containers or VPNs on the host may rely on it.
         */
        r = sysctl_enable_ipv4_forwarding(c->host_ifname);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to enable IPv4 forwarding on '%s': %m",
                                       c->host_ifname);
        r = sysctl_enable_ipv4_forwarding(c->uplink);
        if (r == -ENOENT && c->uplink)
                return log_error_errno(c->log, r,
                                       "Failed to enable IPv4 forwarding on uplink '%s': no such interface",
                                       c->uplink);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to enable IPv4 forwarding on %s%s%s: %m",
                                       c->uplink ? "uplink '" : "the host", strempty(c->uplink),
                                       c->uplink ? "'" : "");
        return 0;
}

static int up_tcp(const Context *c, const UpState *st)
{
        int r;

        /*
         * Every connection the proxies make leaves from the namespace's one address, and
         * one that the client closes first ends in TIME_WAIT here, for 60 s: a few hundred
         * connections a second to one tailnet service would use up the ephemeral ports
         * towards it (connect() fails with EADDRNOTAVAIL, after a search through them
         * that grows slower as they fill). With tcp_tw_reuse=1 a new outgoing connection
         * may take over a TIME_WAIT port when TCP timestamps show the two apart (the
         * kernel's default, 2, allows that on loopback only). The namespace's own
         * setting: the host's is not touched.
         */
        r = sysctl_write_in_netns(st->ns_fd, "net/ipv4/tcp_tw_reuse", "1");
        if (r < 0)
                return log_error_errno(c->log, r,
                                       "Failed to set net.ipv4.tcp_tw_reuse in namespace '%s': %m", c->name);
        return 0;
}

static int up_run(const Context *c, UpState *st)
{
        const Logger *log = c->log;
        int r;

        /* 1. The named namespace, as `ip netns add` makes it (so `ip netns exec` works). */
        r = netns_add(c->netns_dir, c->name, &st->undo.netns);
        if (r < 0)
                return log_error_errno(log, r, "Failed to create network namespace '%s' in %s: %m", c->name,
                                       c->netns_dir);
        if (st->undo.netns)
                log_info(log, "Created network namespace '%s'.", c->name);
        r = netns_open(c->netns_dir, c->name, &st->ns_fd);
        if (r < 0)
                return log_error_errno(log, r, "Failed to open network namespace '%s': %m", c->name);

        /* One netlink socket on each side: a socket keeps the namespace it was made in. */
        r = netlink_open(-1, &st->sk_host);
        if (r < 0)
                return log_error_errno(log, r, "Failed to open netlink socket: %m");
        r = netlink_open(st->ns_fd, &st->sk_ns);
        if (r < 0)
                return log_error_errno(log, r, "Failed to open netlink socket in namespace '%s': %m",
                                       c->name);

        /* The guard's backstop, before the veth exists: the namespace never has a moment
         * unguarded, whatever state tsproxy-nat is in. */
        r = backstop_install(c, &st->undo.backstop);
        if (r < 0)
                return r;

        /* 2. The veth pair. */
        r = up_veth(c, st);
        if (r < 0)
                return r;

        /* 3. Addresses, links up, default route in the namespace. */
        r = up_addresses_and_routes(c, st);
        if (r < 0)
                return r;

        /* 4. The tailnet ranges: nowhere but through the instance's own tailscaled. */
        r = up_tailnet_routes(c, st);
        if (r < 0)
                return r;

        /* 5. Host policy rules ahead of tailscale's. */
        r = up_rule(c, st);
        if (r < 0)
                return r;
        r = up_iif_rules(c, st);
        if (r < 0)
                return r;

        /* 6. Forwarding. */
        r = up_forwarding(c);
        if (r < 0)
                return r;

        /* 7. The namespace's TCP settings for a proxy. */
        return up_tcp(c, st);
}

int verb_up(const Context *c)
{
        _cleanup_(up_state_done) UpState st = {.ns_fd = -EBADF};
        char s[SUBNET_STRLEN];
        int r;

        r = up_run(c, &st);
        if (r < 0)
                up_rollback(c, &st);
        else {
                subnet_format(&c->subnet, s);
                log_info(c->log, "Instance '%s' is up: namespace '%s', veth '%s' <-> '%s', subnet %s.",
                         c->name, c->name, c->host_ifname, NAMESPACE_IFNAME, s);
        }
        return r;
}
