/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netlink.h: the thin layer over libnl-3 every netlink user in tsproxy goes through.
 *
 * libnl returns its own -NLE_* codes; netlink_errno() is the one place they become
 * negative errno, so the rest of the code speaks errno only. Sockets can be opened
 * inside another network namespace (setns, socket, setns back): a netlink socket keeps
 * the namespace it was created in, so one process can configure both sides of a veth.
 * The cleanup helpers here make every libnl reference released on every path.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_addr *, rtnl_addr_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_route *, rtnl_route_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_rule *, rtnl_rule_put)

/* Translate a libnl result (0, or -NLE_*) into 0 or a negative errno. */
int netlink_errno(int nl_result);

/*
 * Open a connected NETLINK_ROUTE socket. With netns_fd >= 0 the socket is created
 * inside that network namespace (the calling thread enters it and comes back).
 */
int netlink_open(int netns_fd, struct nl_sock **ret);

/* Interface names: 1..15 bytes, no '/', no whitespace, not "." or ".." (as the kernel). */
bool netlink_ifname_valid(const char *name);

/* Look a link up by name: -ENODEV when there is none. */
int netlink_link_get(struct nl_sock *sk, const char *name, struct rtnl_link **ret);
int netlink_link_ifindex(struct nl_sock *sk, const char *name, int *ret);
/* The name of the link with ifindex into buf. */
int netlink_link_name(struct nl_sock *sk, int ifindex, char buf[static IFNAMSIZ]);
/* Set IFF_UP on the named link. */
int netlink_link_set_up(struct nl_sock *sk, const char *name);
/* Delete the named link: -ENODEV when there is none. */
int netlink_link_delete(struct nl_sock *sk, const char *name);

/* An IPv4 nl_addr (host byte order in, prefix length set). */
int netlink_ipv4_addr(uint32_t address, unsigned prefix, struct nl_addr **ret);
