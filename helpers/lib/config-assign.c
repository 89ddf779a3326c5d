/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config-assign.c: what no single file can decide.
 *
 * 0. What only all files of an instance together decide: [SOCKS] Users= needs a
 *    PasswordFile= (either may come from a drop-in).
 * 1. Conflicts between instances: overlapping Subnet=, equal Port=, or [SOCKS] Listen=
 *    addresses that cannot both be bound (the same address and port, or a wildcard
 *    address and any address of its family on the same port), and [Forward] Forward=
 *    listeners that clash, of the same protocol, with each other or with a [SOCKS]
 *    Listen= (which takes TCP and UDP). Instances are taken in
 *    name order and the later of two is the one not generated, so adding a file never
 *    breaks an instance that sorts before it.
 * 2. Stable defaults: an instance without Subnet= gets a /30 from 10.200.0.0/16 at
 *    the slot FNV-1a(name) mod 16384; without Port= it gets 41642 + FNV-1a(name, seed 1)
 *    mod 8192. Explicit values are claimed first; on a collision the later name in
 *    name order takes the next free slot (linear probing). So adding an instance moves
 *    an existing one only when their hashes collide and the new name sorts first.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define POOL_SLOTS (1u << (AUTO_SUBNET_PREFIX - 16)) /* /30s in a /16 */

static const char *location_file(const ConfigLocation *at)
{
        return at->file ? at->file : "?";
}

static int check_conflicts(InstanceConfig *v, size_t n, Diagnostics *d)
{
        char a[SUBNET_STRLEN], b[SUBNET_STRLEN];
        int r;

        for (size_t j = 0; j < n; j++) {
                InstanceConfig *c = &v[j];

                for (size_t i = 0; c->valid && i < j; i++) {
                        const InstanceConfig *o = &v[i];

                        if (!o->valid)
                                continue;
                        if (c->subnet_explicit && o->subnet_explicit &&
                            subnet_overlaps(&c->subnet, &o->subnet)) {
                                subnet_format(&c->subnet, a);
                                subnet_format(&o->subnet, b);
                                c->valid = false;
                                r = diagnostics_add(d, LOG_ERR, c->subnet_at.file, c->subnet_at.line,
                                                    "Subnet", c->name,
                                                    "[Namespace] Subnet=%s overlaps Subnet=%s of instance "
                                                    "'%s' (%s:%u); instance '%s' is not generated.",
                                                    a, b, o->name, location_file(&o->subnet_at),
                                                    o->subnet_at.line, c->name);
                                if (r < 0)
                                        return r;
                        } else if (c->ts_port_explicit && o->ts_port_explicit && c->ts_port == o->ts_port) {
                                c->valid = false;
                                r = diagnostics_add(d, LOG_ERR, c->ts_port_at.file, c->ts_port_at.line,
                                                    "Port", c->name,
                                                    "[Tailscale] Port=%u is already used by instance '%s' "
                                                    "(%s:%u); instance '%s' is not generated.",
                                                    c->ts_port, o->name, location_file(&o->ts_port_at),
                                                    o->ts_port_at.line, c->name);
                                if (r < 0)
                                        return r;
                        }
                }
        }
        return 0;
}

static int check_instance(InstanceConfig *c, Diagnostics *d)
{
        if (!c->socks.users || c->socks.password_file)
                return 0;
        c->valid = false;
        return diagnostics_add(d, LOG_ERR, c->socks.users_at.file, c->socks.users_at.line, "Users", c->name,
                               "[SOCKS] Users= needs PasswordFile= (the file with the users' password "
                               "hashes); instance '%s' is not generated.",
                               c->name);
}

static uint16_t listen_port(const SocksListen *l)
{
        return ntohs(l->address.ss_family == AF_INET
                             ? ((const struct sockaddr_in *)&l->address)->sin_port
                             : ((const struct sockaddr_in6 *)&l->address)->sin6_port);
}

static bool listen_is_wildcard(const SocksListen *l)
{
        if (l->address.ss_family == AF_INET)
                return ((const struct sockaddr_in *)&l->address)->sin_addr.s_addr == htonl(INADDR_ANY);
        return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&l->address)->sin6_addr);
}

/* Could the two not both be bound? (The socket unit binds IPv6 addresses IPv6-only.) */
static bool listen_clash(const SocksListen *a, const SocksListen *b)
{
        return a->address.ss_family == b->address.ss_family && listen_port(a) == listen_port(b) &&
               (listen_is_wildcard(a) || listen_is_wildcard(b) ||
                sockaddr_equal((const struct sockaddr *)&a->address, (const struct sockaddr *)&b->address));
}

/* Report l of instance c clashing with o (of instance other; the same as c within one). */
static int listen_clash_report(InstanceConfig *c, const SocksListen *l, const InstanceConfig *other,
                               const SocksListen *o, Diagnostics *d)
{
        char a[ENDPOINT_STRLEN], b[ENDPOINT_STRLEN];
        bool same =
                sockaddr_equal((const struct sockaddr *)&l->address, (const struct sockaddr *)&o->address);

        endpoint_format((const struct sockaddr *)&l->address, a);
        endpoint_format((const struct sockaddr *)&o->address, b);
        c->valid = false;
        if (c == other)
                return diagnostics_add(d, LOG_ERR, l->at.file, l->at.line, "Listen", c->name,
                                       "[SOCKS] Listen=%s overlaps Listen=%s (%s:%u): a wildcard address "
                                       "takes the port on every address; instance '%s' is not generated.",
                                       a, b, location_file(&o->at), o->at.line, c->name);
        if (same)
                return diagnostics_add(d, LOG_ERR, l->at.file, l->at.line, "Listen", c->name,
                                       "[SOCKS] Listen=%s is already used by instance '%s' (%s:%u); "
                                       "instance '%s' is not generated.",
                                       a, other->name, location_file(&o->at), o->at.line, c->name);
        return diagnostics_add(d, LOG_ERR, l->at.file, l->at.line, "Listen", c->name,
                               "[SOCKS] Listen=%s overlaps Listen=%s of instance '%s' (%s:%u): a wildcard "
                               "address takes the port on every address; instance '%s' is not generated.",
                               a, b, other->name, location_file(&o->at), o->at.line, c->name);
}

static int check_listen_conflicts(InstanceConfig *v, size_t n, Diagnostics *d)
{
        int r = 0;

        for (size_t j = 0; j < n; j++) {
                InstanceConfig *c = &v[j];

                for (size_t k = 0; r >= 0 && c->valid && k < c->socks.n_listen; k++) {
                        const SocksListen *l = &c->socks.listen[k];

                        /* Within the instance first, then against those before it. */
                        for (size_t m = 0; c->valid && m < k; m++)
                                if (listen_clash(l, &c->socks.listen[m]))
                                        r = listen_clash_report(c, l, c, &c->socks.listen[m], d);
                        for (size_t i = 0; c->valid && i < j; i++)
                                for (size_t m = 0; v[i].valid && c->valid && m < v[i].socks.n_listen; m++)
                                        if (listen_clash(l, &v[i].socks.listen[m]))
                                                r = listen_clash_report(c, l, &v[i], &v[i].socks.listen[m],
                                                                        d);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* --- [Forward]: its listeners against each other and against [SOCKS] Listen= (which
 * takes both TCP and UDP of its address) ---------------------------------------------- */

typedef struct Bound {
        SocksListen at; /* address and location */
        bool forward;   /* Forward= (else [SOCKS] Listen=) */
        ForwardProtocol protocol;
} Bound;

static Bound bound_forward(const Forward *f)
{
        return (Bound){.at = {.address = f->listen, .length = f->listen_length, .at = f->at},
                       .forward = true,
                       .protocol = f->protocol};
}

static bool bound_clash(const Bound *a, const Bound *b)
{
        /* A SOCKS listener takes TCP and UDP alike. */
        if (a->forward && b->forward && a->protocol != b->protocol)
                return false;
        return listen_clash(&a->at, &b->at);
}

static void bound_describe(const Bound *b, char *buf, size_t size)
{
        char a[ENDPOINT_STRLEN];

        endpoint_format((const struct sockaddr *)&b->at.address, a);
        if (b->forward)
                snprintf(buf, size, "[Forward] Forward=%s %s", a,
                         b->protocol == FORWARD_UDP ? "udp" : "tcp");
        else
                snprintf(buf, size, "[SOCKS] Listen=%s", a);
}

/* b of instance c clashes with o of instance other (c itself within an instance). */
static int bound_clash_report(InstanceConfig *c, const Bound *b, const InstanceConfig *other, const Bound *o,
                              Diagnostics *d)
{
        char x[ENDPOINT_STRLEN + 32], y[ENDPOINT_STRLEN + 32];
        bool same = sockaddr_equal((const struct sockaddr *)&b->at.address,
                                   (const struct sockaddr *)&o->at.address);

        bound_describe(b, x, sizeof(x));
        bound_describe(o, y, sizeof(y));
        c->valid = false;
        return diagnostics_add(d, LOG_ERR, b->at.at.file, b->at.at.line, b->forward ? "Forward" : "Listen",
                               c->name, "%s %s %s%s%s%s (%s:%u)%s; instance '%s' is not generated.", x,
                               same ? "takes the port of" : "overlaps", y,
                               c == other ? "" : " of instance '", c == other ? "" : other->name,
                               c == other ? "" : "'", location_file(&o->at.at), o->at.at.line,
                               same ? "" : ": a wildcard address takes the port on every address", c->name);
}

/* Does b of instance c clash with a listener of instance o (forwards before index
 * n_forwards only; all of them when o is another instance)? Reports the first clash. */
static int bound_check(InstanceConfig *c, const Bound *b, const InstanceConfig *o, size_t n_forwards,
                       bool with_socks, Diagnostics *d)
{
        for (size_t m = 0; m < n_forwards; m++) {
                Bound x = bound_forward(&o->forwards[m]);
                if (bound_clash(b, &x))
                        return bound_clash_report(c, b, o, &x, d);
        }
        for (size_t m = 0; with_socks && m < o->socks.n_listen; m++) {
                Bound x = {.at = o->socks.listen[m]};
                if (bound_clash(b, &x))
                        return bound_clash_report(c, b, o, &x, d);
        }
        return 0;
}

static int check_forward_conflicts(InstanceConfig *v, size_t n, Diagnostics *d)
{
        int r = 0;

        for (size_t j = 0; r >= 0 && j < n; j++) {
                InstanceConfig *c = &v[j];

                for (size_t k = 0; r >= 0 && c->valid && k < c->n_forwards; k++) {
                        Bound b = bound_forward(&c->forwards[k]);

                        /* Within the instance (its SOCKS listeners too), then the earlier ones. */
                        r = bound_check(c, &b, c, k, true, d);
                        for (size_t i = 0; r >= 0 && c->valid && i < j; i++)
                                if (v[i].valid)
                                        r = bound_check(c, &b, &v[i], v[i].n_forwards, true, d);
                }
                /* Its SOCKS listeners against the forwards of earlier instances (SOCKS against
                 * SOCKS is check_listen_conflicts()'s). */
                for (size_t k = 0; r >= 0 && c->valid && k < c->socks.n_listen; k++) {
                        Bound b = {.at = c->socks.listen[k]};

                        for (size_t i = 0; r >= 0 && c->valid && i < j; i++)
                                if (v[i].valid)
                                        r = bound_check(c, &b, &v[i], v[i].n_forwards, false, d);
                }
        }
        return r < 0 ? r : 0;
}

/* --- [DNS] Listen=: it takes UDP and TCP of its address, so it clashes with any listener
 * of the same port there: another [DNS] Listen=, a [SOCKS] Listen=, a [Forward] Forward=
 * of either protocol. ------------------------------------------------------------------ */

typedef struct DnsBound {
        SocksListen at;
        const char *what; /* "[DNS] Listen", "[SOCKS] Listen", "[Forward] Forward" */
} DnsBound;

/* Every listener of instance c, as DnsBounds; *ret is malloc()ed. */
static int dns_bounds(const InstanceConfig *c, DnsBound **ret, size_t *ret_n)
{
        size_t n = 0, total = c->dns.n_listen + c->socks.n_listen + c->n_forwards;
        DnsBound *b = calloc(total ? total : 1, sizeof(DnsBound));

        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < c->dns.n_listen; i++)
                b[n++] = (DnsBound){.at = c->dns.listen[i], .what = "[DNS] Listen"};
        for (size_t i = 0; i < c->socks.n_listen; i++)
                b[n++] = (DnsBound){.at = c->socks.listen[i], .what = "[SOCKS] Listen"};
        for (size_t i = 0; i < c->n_forwards; i++)
                b[n++] = (DnsBound){.at = {.address = c->forwards[i].listen,
                                           .length = c->forwards[i].listen_length,
                                           .at = c->forwards[i].at},
                                    .what = "[Forward] Forward"};
        *ret = b;
        *ret_n = n;
        return 0;
}

static int dns_clash_report(InstanceConfig *c, const DnsBound *b, const InstanceConfig *other,
                            const DnsBound *o, Diagnostics *d)
{
        char x[ENDPOINT_STRLEN], y[ENDPOINT_STRLEN];
        bool same = sockaddr_equal((const struct sockaddr *)&b->at.address,
                                   (const struct sockaddr *)&o->at.address);

        endpoint_format((const struct sockaddr *)&b->at.address, x);
        endpoint_format((const struct sockaddr *)&o->at.address, y);
        c->valid = false;
        return diagnostics_add(d, LOG_ERR, b->at.at.file, b->at.at.line, strchr(b->what, ' ') + 1, c->name,
                               "%s=%s %s %s=%s%s%s%s (%s:%u)%s; instance '%s' is not generated.", b->what, x,
                               same ? "takes the port of" : "overlaps", o->what, y,
                               c == other ? "" : " of instance '", c == other ? "" : other->name,
                               c == other ? "" : "'", location_file(&o->at.at), o->at.at.line,
                               same ? "" : ": a wildcard address takes the port on every address", c->name);
}

/* Pairs with a [DNS] Listen= in them: within each instance (the later of the two
 * reported), and against the instances before it. Other pairs are the other checks'. */
static int check_dns_conflicts(InstanceConfig *v, size_t n, Diagnostics *d)
{
        int r = 0;

        for (size_t j = 0; r >= 0 && j < n; j++) {
                _cleanup_free_ DnsBound *mine = NULL;
                size_t n_mine;
                InstanceConfig *c = &v[j];

                if (!c->valid)
                        continue;
                r = dns_bounds(c, &mine, &n_mine);
                for (size_t k = 0; r >= 0 && c->valid && k < n_mine; k++) {
                        bool dns = k < c->dns.n_listen;

                        /* Within: a DNS listener against everything listed before it, and
                         * everything after the DNS ones against the DNS ones. */
                        for (size_t m = 0; c->valid && m < (dns ? k : c->dns.n_listen); m++)
                                if (listen_clash(&mine[k].at, &mine[m].at))
                                        r = dns_clash_report(c, &mine[k], c, &mine[m], d);
                        for (size_t i = 0; r >= 0 && c->valid && i < j; i++) {
                                _cleanup_free_ DnsBound *theirs = NULL;
                                size_t n_theirs;

                                if (!v[i].valid)
                                        continue;
                                r = dns_bounds(&v[i], &theirs, &n_theirs);
                                for (size_t m = 0;
                                     r >= 0 && c->valid && m < (dns ? n_theirs : v[i].dns.n_listen); m++)
                                        if (listen_clash(&mine[k].at, &theirs[m].at))
                                                r = dns_clash_report(c, &mine[k], &v[i], &theirs[m], d);
                        }
                }
        }
        return r < 0 ? r : 0;
}

static bool bit_get(const uint8_t *map, uint32_t i)
{
        return map[i / 8] & (1u << (i % 8));
}

static void bit_set(uint8_t *map, uint32_t i)
{
        map[i / 8] |= (uint8_t)(1u << (i % 8));
}

static int assign_subnets(InstanceConfig *v, size_t n, Diagnostics *d)
{
        uint8_t used[POOL_SLOTS / 8] = {};
        Subnet pool;
        int r;

        r = subnet_parse(AUTO_SUBNET_POOL, &pool);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++)
                if (v[i].valid && v[i].subnet_explicit && subnet_overlaps(&v[i].subnet, &pool))
                        bit_set(used, (v[i].subnet.network - pool.network) >> (32 - AUTO_SUBNET_PREFIX));

        for (size_t i = 0; i < n; i++) {
                InstanceConfig *c = &v[i];
                uint32_t slot, k;

                if (!c->valid || c->subnet_explicit)
                        continue;
                slot = instance_hash(c->name, 0) % POOL_SLOTS;
                for (k = 0; k < POOL_SLOTS && bit_get(used, (slot + k) % POOL_SLOTS); k++)
                        ;
                if (k == POOL_SLOTS) {
                        c->valid = false;
                        r = diagnostics_add(d, LOG_ERR, c->files ? c->files[0] : NULL, 0, "Subnet", c->name,
                                            "No free /30 left in " AUTO_SUBNET_POOL
                                            " for instance '%s'; set [Namespace] Subnet=.",
                                            c->name);
                        if (r < 0)
                                return r;
                        continue;
                }
                slot = (slot + k) % POOL_SLOTS;
                bit_set(used, slot);
                c->subnet = (Subnet){.network = pool.network + (slot << (32 - AUTO_SUBNET_PREFIX)),
                                     .prefix = AUTO_SUBNET_PREFIX};
        }
        return 0;
}

static int assign_ports(InstanceConfig *v, size_t n, Diagnostics *d)
{
        _cleanup_free_ uint8_t *used = calloc(65536 / 8, 1);
        int r;

        if (!used)
                return -ENOMEM;
        bit_set(used, TAILSCALE_DEFAULT_PORT);
        for (size_t i = 0; i < n; i++)
                if (v[i].valid && v[i].ts_port_explicit)
                        bit_set(used, v[i].ts_port);

        for (size_t i = 0; i < n; i++) {
                InstanceConfig *c = &v[i];
                uint32_t slot, k;

                if (!c->valid || c->ts_port_explicit)
                        continue;
                slot = instance_hash(c->name, 1) % AUTO_PORT_COUNT;
                for (k = 0;
                     k < AUTO_PORT_COUNT && bit_get(used, AUTO_PORT_FIRST + (slot + k) % AUTO_PORT_COUNT);
                     k++)
                        ;
                if (k == AUTO_PORT_COUNT) {
                        c->valid = false;
                        r = diagnostics_add(
                                d, LOG_ERR, c->files ? c->files[0] : NULL, 0, "Port", c->name,
                                "No free UDP port left for instance '%s'; set [Tailscale] Port=.", c->name);
                        if (r < 0)
                                return r;
                        continue;
                }
                c->ts_port = (uint16_t)(AUTO_PORT_FIRST + (slot + k) % AUTO_PORT_COUNT);
                bit_set(used, c->ts_port);
        }
        return 0;
}

int config_assign(InstanceConfig *v, size_t n, Diagnostics *d)
{
        int r;

        for (size_t i = 0; i < n; i++)
                if (v[i].valid) {
                        r = check_instance(&v[i], d);
                        if (r < 0)
                                return r;
                }
        r = check_conflicts(v, n, d);
        if (r < 0)
                return r;
        r = check_listen_conflicts(v, n, d);
        if (r < 0)
                return r;
        r = check_forward_conflicts(v, n, d);
        if (r < 0)
                return r;
        r = check_dns_conflicts(v, n, d);
        if (r < 0)
                return r;
        r = assign_subnets(v, n, d);
        if (r < 0)
                return r;
        return assign_ports(v, n, d);
}
