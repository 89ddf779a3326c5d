/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netread.h: routes and policy rules from the kernel (rtnetlink dumps through libnl), into
 * the plain lists of netcheck.h. One dump each: status reads the host's rules once per
 * command, and each namespace's interfaces and routes in one visit (one setns() pair).
 */
#pragma once

#include "netcheck.h"
#include "netfacts.h"

/* The policy rules of the caller's namespace (IPv4 and IPv6): 0 or a negative errno. */
int netread_rules(NetRules *ret);
/*
 * The interfaces (as netfacts_read()) and the main table's routes inside dir/name, in one
 * visit: -ENOENT when the namespace is not there, -EMEDIUMTYPE when dir/name is not a
 * namespace mount, -EPERM without CAP_SYS_ADMIN.
 */
int netread_netns(const char *dir, const char *name, NetFacts *ret_links, NetRoutes *ret_routes);
