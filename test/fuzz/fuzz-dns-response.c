/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-dns-response: an upstream answer, renamed and served from the cache.
 *
 * The input is a response from the tailnet's resolver. Its own ID and question are
 * taken as what was asked (so the parser gets past the matching); it is renamed from
 * tailnet.test to t1, cached, and written for a client that asked the renamed name, at
 * a limit chosen by the last byte. The written response must parse back with the same
 * rcode and, when not truncated, the same records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns-answer.h"
#include "dns-cache.h"
#include "dns-query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const DnsName domain = {.len = 4, .wire = {2, 't', '1', 0}};
static const DnsName tailnet = {.len = 14,
                                .wire = {7, 't', 'a', 'i', 'l', 'n', 'e', 't', 4, 't', 'e', 's', 't', 0}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint8_t out[DNS_TCP_MAX];
        _cleanup_(dns_cache_freep) DnsCache *cache = NULL;
        _cleanup_free_ DnsAnswer *a = NULL, *back = NULL;
        const DnsAnswer *cached;
        DnsQuery q = {.has_question = true, .flags = DNS_FLAG_RD};
        size_t p = DNS_HEADER_SIZE, prefix, limit;
        uint32_t age = 0;
        int r, k;

        if (size < DNS_HEADER_SIZE || dns_get_u16(data + 4) != 1)
                return 0;
        if (dns_name_read(data, size, &p, &q.qname) < 0 || p + 4 > size)
                return 0;
        q.id = dns_get_u16(data);
        q.qtype = dns_get_u16(data + p);
        q.qclass = dns_get_u16(data + p + 2);
        q.edns = size & 1;
        q.edns_udp_size = 1232;

        r = dns_answer_from_response(data, size, &(DnsAsked){q.id, &q.qname, q.qtype, q.qclass}, &tailnet,
                                     &domain, &a);
        if (r < 0)
                return 0;
        if (a->ttl > DNS_TTL_MAX || (a->truncated && a->ttl != 0))
                abort();

        /* The client asked the renamed question. */
        if (dns_name_has_suffix(&q.qname, &tailnet, &prefix) &&
            dns_name_replace_suffix(&q.qname, prefix, &domain, &q.qname) < 0)
                return 0;

        cache = dns_cache_new(4, 1 << 20);
        if (!cache)
                abort();
        if (dns_cache_put(cache, &q.qname, q.qtype, q.qclass, a, 1000000) < 0)
                abort();
        cached = dns_cache_get(cache, &q.qname, q.qtype, q.qclass, 2500000, &age);
        if (a->ttl >= 3 && (!cached || age != 1 || cached->size != a->size))
                abort();
        if (!cached) {
                cached = a;
                age = 0;
        }

        limit = 12 + data[size - 1] * 8u;
        k = dns_response_write(&q, cached->rcode, cached, age, limit, out, sizeof(out));
        if (k == -ENOBUFS)
                return 0;
        if (k < DNS_HEADER_SIZE || (size_t)k > limit)
                abort();
        r = dns_answer_from_response(out, (size_t)k, &(DnsAsked){q.id, &q.qname, q.qtype, q.qclass}, NULL,
                                     NULL, &back);
        if (r < 0 || back->rcode != cached->rcode)
                abort();
        if (!back->truncated && !(out[2] & (DNS_FLAG_TC >> 8)) &&
            back->count[DNS_SECTION_ANSWER] != cached->count[DNS_SECTION_ANSWER])
                abort();
        return 0;
}
