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
 *    Listen= (which takes TCP and UDP); [DNS] Listen= takes both too (config-clash.c).
 *    Instances are taken running ones first (their namespace or runtime directory
 *    exists), then the others, each group in name order, and the later of two is the one
 *    not generated: adding a file never takes the units of a running instance away,
 *    and at boot (nothing runs) a file never breaks one that sorts before it.
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

/* Explicit Subnet= and Port= of the instances in order; the later of two is refused. Ports
 * by a table; subnets pairwise (bounded by CONFIG_INSTANCES_MAX: 8 million cheap
 * comparisons at most). */
static int check_conflicts(InstanceConfig *v, const size_t *order, size_t n, Diagnostics *d)
{
        _cleanup_free_ const InstanceConfig **port_owner = calloc(65536, sizeof(InstanceConfig *));
        _cleanup_free_ const InstanceConfig **kept = calloc(n ? n : 1, sizeof(InstanceConfig *));
        char a[SUBNET_STRLEN], b[SUBNET_STRLEN];
        size_t n_kept = 0;
        int r;

        if (!port_owner || !kept)
                return -ENOMEM;
        for (size_t j = 0; j < n; j++) {
                InstanceConfig *c = &v[order[j]];
                const InstanceConfig *o;

                if (!c->valid)
                        continue;
                for (size_t i = 0; c->subnet_explicit && c->valid && i < n_kept; i++) {
                        o = kept[i];
                        if (!o->subnet_explicit || !subnet_overlaps(&c->subnet, &o->subnet))
                                continue;
                        subnet_format(&c->subnet, a);
                        subnet_format(&o->subnet, b);
                        c->valid = false;
                        r = diagnostics_add(
                                d, LOG_ERR, c->subnet_at.file, c->subnet_at.line, "Subnet", c->name,
                                "[Namespace] Subnet=%s overlaps Subnet=%s of instance "
                                "'%s' (%s:%u); instance '%s' is not generated.",
                                a, b, o->name, location_file(&o->subnet_at), o->subnet_at.line, c->name);
                        if (r < 0)
                                return r;
                }
                if (c->valid && c->ts_port_explicit && (o = port_owner[c->ts_port])) {
                        c->valid = false;
                        r = diagnostics_add(d, LOG_ERR, c->ts_port_at.file, c->ts_port_at.line, "Port",
                                            c->name,
                                            "[Tailscale] Port=%u is already used by instance '%s' "
                                            "(%s:%u); instance '%s' is not generated.",
                                            c->ts_port, o->name, location_file(&o->ts_port_at),
                                            o->ts_port_at.line, c->name);
                        if (r < 0)
                                return r;
                }
                if (!c->valid)
                        continue;
                kept[n_kept++] = c;
                if (c->ts_port_explicit)
                        port_owner[c->ts_port] = c;
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

/* The order in which instances claim what they set: running ones first (they keep what
 * they have), then the others, each by name (v is sorted by name). */
static int order_make(const InstanceConfig *v, size_t n, size_t **ret)
{
        size_t *order = calloc(n ? n : 1, sizeof(size_t)), k = 0;

        if (!order)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (v[i].running)
                        order[k++] = i;
        for (size_t i = 0; i < n; i++)
                if (!v[i].running)
                        order[k++] = i;
        *ret = order;
        return 0;
}

int config_assign(InstanceConfig *v, size_t n, Diagnostics *d)
{
        _cleanup_free_ size_t *order = NULL;
        int r;

        for (size_t i = 0; i < n; i++)
                if (v[i].valid) {
                        r = check_instance(&v[i], d);
                        if (r < 0)
                                return r;
                }
        r = order_make(v, n, &order);
        if (r < 0)
                return r;
        r = check_conflicts(v, order, n, d);
        if (r < 0)
                return r;
        r = config_check_listeners(v, order, n, d);
        if (r < 0)
                return r;
        r = assign_subnets(v, n, d);
        if (r < 0)
                return r;
        return assign_ports(v, n, d);
}
