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

typedef struct NetLink {
        char name[IFNAMSIZ];
        bool up;
        size_t n_addrs;
        /* "10.200.0.6/30", "fd7a:...:1/128": every one (until issue 14 at most 8, so a
         * tailnet address past the 8th was lost); owned by the NetFacts. */
        char (*addrs)[IPNET_STRLEN];
} NetLink;

/* Every interface, however many: a host with 1000 instances has 1000 veths (until issue
 * 14 a fixed 32 here made status call present veths absent). Free with netfacts_done(). */
typedef struct NetFacts {
        size_t n_links;
        NetLink *links;
} NetFacts;

/* The interfaces of the caller's namespace: 0, or -ENOMEM or getifaddrs()'s error. */
int netfacts_read(NetFacts *ret);
void netfacts_done(NetFacts *f);
/* Add (or find) the interface name: NULL without memory. For netfacts_read() and tests. */
NetLink *netfacts_link_get(NetFacts *f, const char *name);
/* Append "address/prefix" to l: 0 or -ENOMEM. */
int netfacts_link_add_address(NetLink *l, const char *address, unsigned prefix);
const NetLink *netfacts_link(const NetFacts *f, const char *name);
/* Is one of the addresses in the tailnet ranges (100.64.0.0/10, fd7a:115c:a1e0::/48)? */
bool netfacts_is_tailnet_address(const char *cidr);
/* Does any interface have this address (port ignored)? */
bool netfacts_has_address(const struct sockaddr *sa);
