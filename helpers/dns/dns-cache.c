/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns-cache.c: a hash table with chaining plus an LRU list (see dns-cache.h).
 *
 * The table has a power-of-two number of buckets, at least twice max_entries, fixed at
 * creation: with entries bounded, it never needs to grow. The hash (FNV-1a over the
 * lowercased name, type and class) is not keyed: the names come from clients, but an
 * entry exists only for a name the tailnet answered, and a bucket holds few of them.
 */
#include "dns-cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct Entry Entry;
struct Entry {
        Entry *next_in_bucket;
        Entry *lru_prev, *lru_next; /* head: most recently used */
        uint32_t hash;
        DnsName name; /* lowercase */
        uint16_t type, class;
        uint64_t stored_usec;
        uint64_t expires_usec;
        DnsAnswer *answer;
};

struct DnsCache {
        Entry **buckets;
        size_t n_buckets; /* power of two */
        size_t n_entries, max_entries;
        size_t bytes, max_bytes;
        Entry *lru_head, *lru_tail;
};

static uint32_t key_hash(const DnsName *lower, uint16_t type, uint16_t class)
{
        uint32_t h = 2166136261u;

        for (size_t i = 0; i < lower->len; i++)
                h = (h ^ lower->wire[i]) * 16777619u;
        h = (h ^ (type >> 8)) * 16777619u;
        h = (h ^ (type & 0xff)) * 16777619u;
        h = (h ^ (class >> 8)) * 16777619u;
        h = (h ^ (class & 0xff)) * 16777619u;
        return h;
}

static size_t entry_bytes(const Entry *e)
{
        return sizeof(Entry) + sizeof(DnsAnswer) + e->answer->size;
}

DnsCache *dns_cache_new(size_t max_entries, size_t max_bytes)
{
        DnsCache *c = calloc(1, sizeof(DnsCache));
        size_t n = 16;

        if (!c)
                return NULL;
        while (n < 2 * max_entries && n < ((size_t)1 << 24))
                n <<= 1;
        c->buckets = calloc(n, sizeof(Entry *));
        if (!c->buckets) {
                free(c);
                return NULL;
        }
        c->n_buckets = n;
        c->max_entries = max_entries;
        c->max_bytes = max_bytes;
        return c;
}

static void lru_unlink(DnsCache *c, Entry *e)
{
        if (e->lru_prev)
                e->lru_prev->lru_next = e->lru_next;
        else
                c->lru_head = e->lru_next;
        if (e->lru_next)
                e->lru_next->lru_prev = e->lru_prev;
        else
                c->lru_tail = e->lru_prev;
        e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(DnsCache *c, Entry *e)
{
        e->lru_prev = NULL;
        e->lru_next = c->lru_head;
        if (c->lru_head)
                c->lru_head->lru_prev = e;
        c->lru_head = e;
        if (!c->lru_tail)
                c->lru_tail = e;
}

static void entry_remove(DnsCache *c, Entry *e)
{
        Entry **p = &c->buckets[e->hash & (c->n_buckets - 1)];

        while (*p && *p != e)
                p = &(*p)->next_in_bucket;
        if (*p)
                *p = e->next_in_bucket;
        lru_unlink(c, e);
        c->n_entries--;
        c->bytes -= entry_bytes(e);
        free(e->answer);
        free(e);
}

DnsCache *dns_cache_free(DnsCache *c)
{
        if (!c)
                return NULL;
        while (c->lru_head)
                entry_remove(c, c->lru_head);
        free(c->buckets);
        free(c);
        return NULL;
}

static Entry *entry_find(DnsCache *c, const DnsName *lower, uint16_t type, uint16_t class, uint32_t hash)
{
        for (Entry *e = c->buckets[hash & (c->n_buckets - 1)]; e; e = e->next_in_bucket)
                if (e->hash == hash && e->type == type && e->class == class && e->name.len == lower->len &&
                    memcmp(e->name.wire, lower->wire, lower->len) == 0)
                        return e;
        return NULL;
}

int dns_cache_put(DnsCache *c, const DnsName *name, uint16_t type, uint16_t class, const DnsAnswer *a,
                  uint64_t now_usec)
{
        DnsName lower = *name;
        uint32_t hash;
        Entry *e, *old;

        if (a->ttl == 0 || c->max_entries == 0 || sizeof(Entry) + sizeof(DnsAnswer) + a->size > c->max_bytes)
                return 0;
        dns_name_lowercase(&lower);
        hash = key_hash(&lower, type, class);

        e = calloc(1, sizeof(Entry));
        if (!e)
                return -ENOMEM;
        e->answer = malloc(sizeof(DnsAnswer) + a->size);
        if (!e->answer) {
                free(e);
                return -ENOMEM;
        }
        memcpy(e->answer, a, sizeof(DnsAnswer) + a->size);
        e->hash = hash;
        e->name = lower;
        e->type = type;
        e->class = class;
        e->stored_usec = now_usec;
        e->expires_usec = now_usec + (uint64_t)a->ttl * 1000000u;

        old = entry_find(c, &lower, type, class, hash);
        if (old)
                entry_remove(c, old);
        while (c->lru_tail && (c->n_entries >= c->max_entries || c->bytes + entry_bytes(e) > c->max_bytes))
                entry_remove(c, c->lru_tail);

        e->next_in_bucket = c->buckets[hash & (c->n_buckets - 1)];
        c->buckets[hash & (c->n_buckets - 1)] = e;
        lru_push_front(c, e);
        c->n_entries++;
        c->bytes += entry_bytes(e);
        return 1;
}

const DnsAnswer *dns_cache_get(DnsCache *c, const DnsName *name, uint16_t type, uint16_t class,
                               uint64_t now_usec, uint32_t *ret_age)
{
        DnsName lower = *name;
        uint32_t hash;
        Entry *e;

        dns_name_lowercase(&lower);
        hash = key_hash(&lower, type, class);
        e = entry_find(c, &lower, type, class, hash);
        if (!e)
                return NULL;
        /* An entry is served while at least one whole second of its TTL is left. */
        if (now_usec < e->stored_usec || now_usec + 1000000u > e->expires_usec) {
                entry_remove(c, e);
                return NULL;
        }
        if (c->lru_head != e) {
                lru_unlink(c, e);
                lru_push_front(c, e);
        }
        if (ret_age)
                *ret_age = (uint32_t)((now_usec - e->stored_usec) / 1000000u);
        return e->answer;
}

size_t dns_cache_entries(const DnsCache *c)
{
        return c->n_entries;
}

size_t dns_cache_bytes(const DnsCache *c)
{
        return c->n_entries ? c->bytes : 0;
}
