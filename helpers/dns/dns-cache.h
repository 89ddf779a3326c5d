/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns-cache.h: forwarded answers, kept as long as their TTL allows.
 *
 * Keyed by (name, type, class), the name compared without case. An entry lives for the
 * answer's ttl (dns-answer.h: the shortest TTL of its records, or the SOA's negative
 * TTL); a hit says how old the entry is, so every TTL handed out counts down. The cache
 * holds at most max_entries answers and max_bytes of them; beyond that the least
 * recently used go first. Time comes from the caller (monotonic microseconds), so the
 * cache does no I/O and its tests need no clock.
 */
#pragma once

#include <stdint.h>

#include "dns-answer.h"
#include "dns-wire.h"
#include "macro.h"

typedef struct DnsCache DnsCache;

DnsCache *dns_cache_new(size_t max_entries, size_t max_bytes);
DnsCache *dns_cache_free(DnsCache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(DnsCache *, dns_cache_free);

/* Store a copy of a (nothing when a->ttl is 0 or it is larger than max_bytes): 1 stored,
 * 0 not, -ENOMEM. Replaces an entry of the same key. */
int dns_cache_put(DnsCache *c, const DnsName *name, uint16_t type, uint16_t class, const DnsAnswer *a,
                  uint64_t now_usec);

/* The live entry for the key, or NULL (an expired one is dropped). *ret_age: whole
 * seconds since it was stored, always below its ttl. Valid until the next put. */
const DnsAnswer *dns_cache_get(DnsCache *c, const DnsName *name, uint16_t type, uint16_t class,
                               uint64_t now_usec, uint32_t *ret_age);

size_t dns_cache_entries(const DnsCache *c);
size_t dns_cache_bytes(const DnsCache *c);
