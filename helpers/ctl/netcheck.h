/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netcheck.h: the routes, policy rules and nft chains an instance's traffic needs, as
 * plain facts and pure checks (unit-tested without a kernel).
 *
 * Status used to judge only the namespace, the veth and the masquerade rule: a default
 * route deleted by hand in the namespace broke traffic while status said all was well
 * (issue 14). These are what tsproxy-netns up (helpers/netns/up.c, backstop.c) and
 * tsproxy-nat (helpers/lib/nft-ruleset.c) make, each looked for by itself.
 * netread.c fills the routes and rules from the kernel.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipnet.h"

typedef struct NetRoute {
        int family;
        unsigned char type; /* RTN_UNICAST, RTN_UNREACHABLE, ... */
        uint32_t table;
        char dst[IPNET_STRLEN];     /* "default" or "100.64.0.0/10" */
        char gateway[IPNET_STRLEN]; /* "" without one */
        char oif[IFNAMSIZ];         /* "" without one */
} NetRoute;

typedef struct NetRule {
        int family;
        uint32_t priority;
        uint32_t table;         /* 0 without a lookup */
        unsigned char action;   /* FR_ACT_TO_TBL, FR_ACT_UNREACHABLE, ... */
        char dst[IPNET_STRLEN]; /* "" for any */
        char iif[IFNAMSIZ];     /* "" for any */
} NetRule;

/* A growable list of each; free with netroutes_done()/netrules_done(). */
typedef struct NetRoutes {
        size_t n;
        NetRoute *routes;
} NetRoutes;

typedef struct NetRules {
        size_t n;
        NetRule *rules;
} NetRules;

NetRoute *netroutes_add(NetRoutes *l);
void netroutes_done(NetRoutes *l);
NetRule *netrules_add(NetRules *l);
void netrules_done(NetRules *l);

/* Is there a main-table default route of family AF_INET via gateway on oif? */
bool netcheck_default_route(const NetRoutes *l, const char *gateway, const char *oif);
/* Is there an "unreachable dst" route in the main table? */
bool netcheck_unreachable_route(const NetRoutes *l, int family, const char *dst);
/* Is there the rule (family, priority, action, table, dst or "", iif or "")? */
bool netcheck_rule(const NetRules *l, int family, uint32_t priority, unsigned char action, uint32_t table,
                   const char *dst, const char *iif);

/*
 * In the text of `nft list ruleset`: is "table FAMILY NAME" there, and which of the
 * chains (a NULL-terminated list) are missing from it? Returns false when the table is
 * absent; otherwise true and the first missing chain in *ret_missing (NULL: none).
 */
bool netcheck_nft_table(const char *ruleset, const char *family, const char *name, const char *const *chains,
                        const char **ret_missing);

/* The block of "table FAMILY NAME" in a `nft list ruleset` text, its closing brace
 * included, malloc'd; NULL when it is not there (or without memory: check errno). */
char *netcheck_nft_table_text(const char *ruleset, const char *family, const char *name);
