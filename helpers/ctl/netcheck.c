/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netcheck.c: the pure checks of routes, rules and nft chains (see netcheck.h).
 */
#include "netcheck.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define GROW(list, n, type)                                                                                 \
        ({                                                                                                  \
                type *_p = reallocarray(list, n + 1, sizeof(type));                                         \
                if (_p) {                                                                                   \
                        list = _p;                                                                          \
                        _p = &list[n++];                                                                    \
                        *_p = (type){};                                                                     \
                }                                                                                           \
                _p;                                                                                         \
        })

NetRoute *netroutes_add(NetRoutes *l)
{
        return GROW(l->routes, l->n, NetRoute);
}

void netroutes_done(NetRoutes *l)
{
        free(l->routes);
        *l = (NetRoutes){};
}

NetRule *netrules_add(NetRules *l)
{
        return GROW(l->rules, l->n, NetRule);
}

void netrules_done(NetRules *l)
{
        free(l->rules);
        *l = (NetRules){};
}

bool netcheck_default_route(const NetRoutes *l, const char *gateway, const char *oif)
{
        for (size_t i = 0; i < l->n; i++) {
                const NetRoute *r = &l->routes[i];
                if (r->family == AF_INET && r->type == RTN_UNICAST && r->table == RT_TABLE_MAIN &&
                    strcmp(r->dst, "default") == 0 && strcmp(r->gateway, gateway) == 0 &&
                    strcmp(r->oif, oif) == 0)
                        return true;
        }
        return false;
}

bool netcheck_unreachable_route(const NetRoutes *l, int family, const char *dst)
{
        for (size_t i = 0; i < l->n; i++) {
                const NetRoute *r = &l->routes[i];
                if (r->family == family && r->type == RTN_UNREACHABLE && r->table == RT_TABLE_MAIN &&
                    strcmp(r->dst, dst) == 0)
                        return true;
        }
        return false;
}

bool netcheck_rule(const NetRules *l, int family, uint32_t priority, unsigned char action, uint32_t table,
                   const char *dst, const char *iif)
{
        for (size_t i = 0; i < l->n; i++) {
                const NetRule *r = &l->rules[i];
                if (r->family == family && r->priority == priority && r->action == action &&
                    (action != FR_ACT_TO_TBL || r->table == table) && strcmp(r->dst, dst) == 0 &&
                    strcmp(r->iif, iif) == 0)
                        return true;
        }
        return false;
}

NftEntry *nftfacts_add(NftFacts *f)
{
        return GROW(f->entries, f->n, NftEntry);
}

void nftfacts_done(NftFacts *f)
{
        free(f->entries);
        *f = (NftFacts){};
}

bool netcheck_nft_table(const NftFacts *f, const char *name, const char *const *chains,
                        const char **ret_missing)
{
        bool found = false;

        *ret_missing = NULL;
        for (size_t i = 0; i < f->n && !found; i++)
                found = !f->entries[i].chain[0] && strcmp(f->entries[i].table, name) == 0;
        if (!found)
                return false;
        for (; *chains && !*ret_missing; chains++) {
                bool has = false;
                for (size_t i = 0; i < f->n && !has; i++)
                        has = !f->entries[i].masquerade && strcmp(f->entries[i].table, name) == 0 &&
                              strcmp(f->entries[i].chain, *chains) == 0;
                if (!has)
                        *ret_missing = *chains;
        }
        return true;
}

bool netcheck_nft_masquerade(const NftFacts *f, const char *name, uint64_t *ret_packets, uint64_t *ret_bytes)
{
        for (size_t i = 0; i < f->n; i++)
                if (f->entries[i].masquerade && strcmp(f->entries[i].table, name) == 0) {
                        *ret_packets = f->entries[i].packets;
                        *ret_bytes = f->entries[i].bytes;
                        return true;
                }
        return false;
}
