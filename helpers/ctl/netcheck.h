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
 * The inet tables, their chains and their masquerade rules, as a dump over nfnetlink
 * gives them (nftread.c). Not the text of `nft list ruleset`: libnftables 1.0.6 takes
 * over a second for that (and for `list tables`) once a host has 200 tables.
 */
typedef struct NftEntry {
        char table[64];
        char chain[64];          /* "" for the table itself */
        bool masquerade;         /* a rule of chain with a masq expression */
        uint64_t packets, bytes; /* that rule's counter */
} NftEntry;

typedef struct NftFacts {
        size_t n;
        NftEntry *entries;
} NftFacts;

NftEntry *nftfacts_add(NftFacts *f);
void nftfacts_done(NftFacts *f);

/* Is inet table name there? Then also the first of chains (NULL-terminated) it lacks
 * into *ret_missing, or NULL. */
bool netcheck_nft_table(const NftFacts *f, const char *name, const char *const *chains,
                        const char **ret_missing);
/* Has inet table name a masquerade rule? Its counter into the return pointers. */
bool netcheck_nft_masquerade(const NftFacts *f, const char *name, uint64_t *ret_packets,
                             uint64_t *ret_bytes);
