/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config-clash.c: every listener of every instance against the others, in linear time.
 *
 * A listener ([SOCKS] Listen=, [DNS] Listen=, [Forward] Forward=) takes a port of an
 * address for TCP, UDP or both ([SOCKS] and [DNS] take both). Two cannot both be bound
 * when their protocols meet, their family and port are the same, and their addresses are
 * equal or one is the wildcard (the socket units bind IPv6 addresses IPv6-only).
 *
 * Instances are taken in the order given (running ones first, then by name); an
 * instance's listeners go one by one into two hash tables (by address and port, and by
 * family and port for each protocol) and are checked against what is there: its own
 * earlier listeners and those of every instance kept before it. The first clash makes
 * the instance invalid and its listeners are taken out again (they are the newest entry
 * of each chain, so that is popping heads). Comparing every pair instead took 14 s for
 * 36,000 Listen= lines.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum ListenerKind {
        LISTENER_SOCKS,
        LISTENER_FORWARD,
        LISTENER_DNS,
} ListenerKind;

enum { PROTO_TCP = 1, PROTO_UDP = 2 };

typedef struct Listener Listener;
struct Listener {
        const InstanceConfig *owner;
        ListenerKind kind;
        unsigned protocols; /* PROTO_* */
        const struct sockaddr *address;
        ConfigLocation at;
        size_t seq; /* insertion order: the oldest clash is reported */
        Listener *next_exact, *next_port[2];
};

/* Both tables in one: a slot is keyed by (family, port, address) for the exact chains and
 * by (family, port) with port_key set for the per-protocol chains. */
typedef struct Slot {
        bool used, port_key;
        int family;
        uint16_t port;
        uint8_t address[16];
        Listener *head, *port_head[2], *port_tail[2];
} Slot;

typedef struct Table {
        Slot *slots;
        size_t mask;
} Table;

static const uint8_t *address_bytes(const struct sockaddr *sa, uint16_t *port)
{
        if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
                *port = ntohs(in->sin_port);
                return (const uint8_t *)&in->sin_addr;
        }
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        *port = ntohs(in6->sin6_port);
        return (const uint8_t *)&in6->sin6_addr;
}

static size_t address_length(int family)
{
        return family == AF_INET ? 4 : 16;
}

static bool address_is_wildcard(int family, const uint8_t *a)
{
        static const uint8_t zero[16] = {};
        return memcmp(a, zero, address_length(family)) == 0;
}

/* The slot of a key, found or made (the table never fills: it has twice the room). */
static Slot *table_slot(Table *t, bool port_key, int family, uint16_t port, const uint8_t *address)
{
        uint8_t key[1 + 1 + 2 + 16] = {port_key, (uint8_t)family, (uint8_t)(port >> 8), (uint8_t)port};
        size_t n = port_key ? 4 : 4 + address_length(family);
        uint64_t h = 14695981039346656037ULL;

        if (!port_key)
                memcpy(key + 4, address, address_length(family));
        for (size_t i = 0; i < n; i++)
                h = (h ^ key[i]) * 1099511628211ULL;
        for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
                Slot *s = &t->slots[i];

                if (!s->used) {
                        *s = (Slot){.used = true, .port_key = port_key, .family = family, .port = port};
                        if (!port_key)
                                memcpy(s->address, address, address_length(family));
                        return s;
                }
                if (s->port_key == port_key && s->family == family && s->port == port &&
                    (port_key || memcmp(s->address, address, address_length(family)) == 0))
                        return s;
        }
}

static void pick_oldest(Listener **best, Listener *l)
{
        if (l && (!*best || l->seq < (*best)->seq))
                *best = l;
}

/* The oldest listener in the tables that l cannot be bound beside, or NULL. */
static Listener *table_find_clash(Table *t, const Listener *l)
{
        uint16_t port;
        const uint8_t *a = address_bytes(l->address, &port);
        int family = l->address->sa_family;
        static const uint8_t zero[16] = {};
        Listener *best = NULL;
        Slot *s;

        /* The same address (exact chains hold at most one entry per protocol). */
        s = table_slot(t, false, family, port, a);
        for (Listener *o = s->head; o; o = o->next_exact)
                if (o->protocols & l->protocols)
                        pick_oldest(&best, o);
        if (address_is_wildcard(family, a)) {
                /* A wildcard meets every address of its family on the port. */
                s = table_slot(t, true, family, port, NULL);
                for (unsigned p = 0; p < 2; p++)
                        if (l->protocols & (1u << p))
                                pick_oldest(&best, s->port_tail[p]);
        } else {
                s = table_slot(t, false, family, port, zero);
                for (Listener *o = s->head; o; o = o->next_exact)
                        if (o->protocols & l->protocols)
                                pick_oldest(&best, o);
        }
        return best;
}

static void table_push(Table *t, Listener *l)
{
        uint16_t port;
        const uint8_t *a = address_bytes(l->address, &port);
        Slot *s = table_slot(t, false, l->address->sa_family, port, a);

        l->next_exact = s->head;
        s->head = l;
        s = table_slot(t, true, l->address->sa_family, port, NULL);
        for (unsigned p = 0; p < 2; p++)
                if (l->protocols & (1u << p)) {
                        l->next_port[p] = s->port_head[p];
                        s->port_head[p] = l;
                        if (!s->port_tail[p])
                                s->port_tail[p] = l;
                }
}

/* Undo table_push() of l, which must be the newest entry of its chains. */
static void table_pop(Table *t, Listener *l)
{
        uint16_t port;
        const uint8_t *a = address_bytes(l->address, &port);
        Slot *s = table_slot(t, false, l->address->sa_family, port, a);

        s->head = l->next_exact;
        s = table_slot(t, true, l->address->sa_family, port, NULL);
        for (unsigned p = 0; p < 2; p++)
                if (l->protocols & (1u << p)) {
                        s->port_head[p] = l->next_port[p];
                        if (!s->port_head[p])
                                s->port_tail[p] = NULL;
                }
}

static const char *location_file(const ConfigLocation *at)
{
        return at->file ? at->file : "?";
}

static void listener_describe(const Listener *l, bool with_dns_style, char *buf, size_t size)
{
        char a[ENDPOINT_STRLEN];

        endpoint_format(l->address, a);
        if (l->kind == LISTENER_FORWARD && !with_dns_style)
                snprintf(buf, size, "[Forward] Forward=%s %s", a, l->protocols == PROTO_UDP ? "udp" : "tcp");
        else if (l->kind == LISTENER_FORWARD)
                snprintf(buf, size, "[Forward] Forward=%s", a);
        else
                snprintf(buf, size, "%s Listen=%s", l->kind == LISTENER_DNS ? "[DNS]" : "[SOCKS]", a);
}

/* l of instance c cannot be bound beside o: the message names both, file and line. */
static int clash_report(InstanceConfig *c, const Listener *l, const Listener *o, Diagnostics *d)
{
        char x[ENDPOINT_STRLEN + 32], y[ENDPOINT_STRLEN + 32], a[ENDPOINT_STRLEN];
        bool same = sockaddr_equal(l->address, o->address), within = o->owner == c;
        bool socks_only = l->kind == LISTENER_SOCKS && o->kind == LISTENER_SOCKS;
        bool dns = l->kind == LISTENER_DNS || o->kind == LISTENER_DNS;
        const char *key = l->kind == LISTENER_FORWARD ? "Forward" : "Listen";
        const char *other = o->owner->name;

        c->valid = false;
        if (socks_only) {
                char b[ENDPOINT_STRLEN];

                endpoint_format(l->address, a);
                endpoint_format(o->address, b);
                if (within)
                        return diagnostics_add(d, LOG_ERR, l->at.file, l->at.line, key, c->name,
                                               "[SOCKS] Listen=%s overlaps Listen=%s (%s:%u): a wildcard "
                                               "address takes the port on every address; instance '%s' is "
                                               "not generated.",
                                               a, b, location_file(&o->at), o->at.line, c->name);
                if (same)
                        return diagnostics_add(d, LOG_ERR, l->at.file, l->at.line, key, c->name,
                                               "[SOCKS] Listen=%s is already used by instance '%s' (%s:%u); "
                                               "instance '%s' is not generated.",
                                               a, other, location_file(&o->at), o->at.line, c->name);
                return diagnostics_add(d, LOG_ERR, l->at.file, l->at.line, key, c->name,
                                       "[SOCKS] Listen=%s overlaps Listen=%s of instance '%s' (%s:%u): a "
                                       "wildcard address takes the port on every address; instance '%s' is "
                                       "not generated.",
                                       a, b, other, location_file(&o->at), o->at.line, c->name);
        }
        listener_describe(l, dns, x, sizeof(x));
        listener_describe(o, dns, y, sizeof(y));
        return diagnostics_add(d, LOG_ERR, l->at.file, l->at.line, key, c->name,
                               "%s %s %s%s%s%s (%s:%u)%s; instance '%s' is not generated.", x,
                               same ? "takes the port of" : "overlaps", y, within ? "" : " of instance '",
                               within ? "" : other, within ? "" : "'", location_file(&o->at), o->at.line,
                               same ? "" : ": a wildcard address takes the port on every address", c->name);
}

static size_t listeners_of(const InstanceConfig *c)
{
        return c->socks.n_listen + c->n_forwards + c->dns.n_listen;
}

/* Listener i of c: DNS, then SOCKS, then forwards (within an instance, the later of two
 * is the one reported). */
static Listener listener_get(const InstanceConfig *c, size_t i)
{
        if (i < c->dns.n_listen)
                return (Listener){.owner = c,
                                  .kind = LISTENER_DNS,
                                  .protocols = PROTO_TCP | PROTO_UDP,
                                  .address = (const struct sockaddr *)&c->dns.listen[i].address,
                                  .at = c->dns.listen[i].at};
        i -= c->dns.n_listen;
        if (i < c->socks.n_listen)
                return (Listener){.owner = c,
                                  .kind = LISTENER_SOCKS,
                                  .protocols = PROTO_TCP | PROTO_UDP,
                                  .address = (const struct sockaddr *)&c->socks.listen[i].address,
                                  .at = c->socks.listen[i].at};
        i -= c->socks.n_listen;
        return (Listener){.owner = c,
                          .kind = LISTENER_FORWARD,
                          .protocols = c->forwards[i].protocol == FORWARD_UDP ? PROTO_UDP : PROTO_TCP,
                          .address = (const struct sockaddr *)&c->forwards[i].listen,
                          .at = c->forwards[i].at};
}

int config_check_listeners(InstanceConfig *v, const size_t *order, size_t n, Diagnostics *d)
{
        _cleanup_free_ Listener *all = NULL;
        _cleanup_free_ Slot *slots = NULL;
        size_t total = 0, size = 16, seq = 0;
        Table t;
        int r = 0;

        for (size_t i = 0; i < n; i++)
                if (v[i].valid)
                        total += listeners_of(&v[i]);
        if (total == 0)
                return 0;
        /* Two slots per listener at most (exact and port key): 4x leaves half empty. */
        while (size < 4 * total)
                size *= 2;
        all = calloc(total, sizeof(Listener));
        slots = calloc(size, sizeof(Slot));
        if (!all || !slots)
                return -ENOMEM;
        t = (Table){.slots = slots, .mask = size - 1};

        for (size_t k = 0; k < n && r >= 0; k++) {
                InstanceConfig *c = &v[order[k]];
                size_t m = listeners_of(c), first = seq;

                if (!c->valid)
                        continue;
                for (size_t i = 0; i < m; i++) {
                        Listener *l = &all[seq], *o;

                        *l = listener_get(c, i);
                        l->seq = seq;
                        o = table_find_clash(&t, l);
                        if (o) {
                                r = clash_report(c, l, o, d);
                                break;
                        }
                        table_push(&t, l);
                        seq++;
                }
                if (!c->valid) {
                        while (seq > first)
                                table_pop(&t, &all[--seq]);
                }
        }
        return r < 0 ? r : 0;
}
