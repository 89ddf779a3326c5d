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

/* Is line the head of "table FAMILY NAME {" in head, perhaps with a comment after it?
 * nft prints an owned table as "table inet tsproxy-t1 { # progname tsproxy-nat". */
static bool is_table_head(const char *line, const char *head)
{
        size_t n = strlen(head);

        return strncmp(line, head, n) == 0 && (line[n] == '\0' || line[n] == '\n' || line[n] == ' ');
}

/* The line at p without its leading tabs and spaces, into buf. Returns the next line. */
static const char *line_at(const char *p, char *buf, size_t size)
{
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);

        while (len > 0 && (*p == '\t' || *p == ' ')) {
                p++;
                len--;
        }
        snprintf(buf, size, "%.*s", (int)len, p);
        return e ? e + 1 : p + len;
}

bool netcheck_nft_table(const char *ruleset, const char *family, const char *name, const char *const *chains,
                        const char **ret_missing)
{
        char head[256], line[512];
        bool in = false, found = false;
        size_t n_chains = 0;
        bool *seen;

        snprintf(head, sizeof(head), "table %s %s {", family, name);
        for (; chains[n_chains]; n_chains++)
                ;
        seen = calloc(n_chains + 1, sizeof(bool));
        for (const char *p = ruleset; p && *p;) {
                p = line_at(p, line, sizeof(line));
                if (strncmp(line, "table ", 6) == 0) {
                        in = is_table_head(line, head);
                        found = found || in;
                        continue;
                }
                for (size_t i = 0; in && seen && i < n_chains; i++) {
                        char c[128];
                        snprintf(c, sizeof(c), "chain %s {", chains[i]);
                        if (strcmp(line, c) == 0)
                                seen[i] = true;
                }
        }
        *ret_missing = NULL;
        for (size_t i = 0; found && i < n_chains; i++)
                if (!seen || !seen[i]) {
                        *ret_missing = chains[i];
                        break;
                }
        free(seen);
        return found;
}

char *netcheck_nft_table_text(const char *ruleset, const char *family, const char *name)
{
        char head[256];
        const char *p, *end;

        snprintf(head, sizeof(head), "table %s %s {", family, name);
        errno = 0;
        for (p = ruleset; p && (p = strstr(p, head)); p++)
                if ((p == ruleset || p[-1] == '\n') && is_table_head(p, head))
                        break;
        if (!p)
                return NULL;
        /* nft prints the table's closing brace alone at the start of a line. */
        end = strstr(p, "\n}");
        end = end ? end + 2 : p + strlen(p);
        return strndup(p, (size_t)(end - p));
}
