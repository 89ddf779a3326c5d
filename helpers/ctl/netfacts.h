/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netfacts.h: interfaces and addresses, in the host or in an instance's namespace.
 *
 * Read with getifaddrs(), which asks the kernel over rtnetlink in the caller's network
 * namespace: everything status needs (names, up, IPv4 and IPv6 addresses) in one call,
 * without libnl's caches. For a namespace, the calling thread enters it and comes
 * back (setns() with CLONE_NEWNET changes only the calling thread, and tsproxyctl has
 * one), as netlink_open() does; if coming back failed the process would go on in the
 * wrong namespace, so it aborts instead.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "ipnet.h"

#define NET_ADDRS_MAX 8
#define NET_LINKS_MAX 32

typedef struct NetLink {
        char name[IFNAMSIZ];
        bool up;
        size_t n_addrs;
        char addrs[NET_ADDRS_MAX][IPNET_STRLEN]; /* "10.200.0.6/30", "fd7a:...:1/128" */
} NetLink;

typedef struct NetFacts {
        size_t n_links;
        NetLink links[NET_LINKS_MAX];
} NetFacts;

/* The interfaces of the caller's namespace. */
int netfacts_read(NetFacts *ret);
/*
 * The interfaces inside dir/name: -ENOENT when the namespace is not there, -EMEDIUMTYPE
 * when dir/name is not a namespace mount, -EPERM without CAP_SYS_ADMIN.
 */
int netfacts_read_netns(const char *dir, const char *name, NetFacts *ret);

const NetLink *netfacts_link(const NetFacts *f, const char *name);
/* Is one of the addresses in the tailnet ranges (100.64.0.0/10, fd7a:115c:a1e0::/48)? */
bool netfacts_is_tailnet_address(const char *cidr);
/* Does any interface have this address (port ignored)? */
bool netfacts_has_address(const struct sockaddr *sa);
