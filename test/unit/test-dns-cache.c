/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-dns-cache: the answer cache: keys without case, TTLs counting down, expiry,
 * replacement, and its bounds (LRU) (dns-cache.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "dns-cache.h"

#define SEC 1000000ull

static DnsName name(const char *s)
{
        DnsName n;

        assert_int_equal(dns_name_from_string(s, &n), 0);
        return n;
}

/* An answer with one A record and the given TTL, in buf. */
static const DnsAnswer *answer(DnsAnswerBuffer *buf, const char *owner, uint32_t ttl)
{
        DnsName n = name(owner);

        buf->answer = (DnsAnswer){.ttl = ttl};
        assert_int_equal(dns_answer_append(&buf->answer, DNS_SYNTH_RECORDS_MAX, DNS_SECTION_ANSWER, &n,
                                           DNS_TYPE_A, DNS_CLASS_IN, ttl, "\x64\x40\0\1", 4),
                         0);
        return &buf->answer;
}

static void test_hit_and_age(void **state)
{
        _cleanup_(dns_cache_freep) DnsCache *c = dns_cache_new(16, 1 << 20);
        DnsName k = name("peer.t1"), upper = name("PEER.T1");
        DnsAnswerBuffer buf;
        const DnsAnswer *a;
        uint32_t age = 99;

        assert_non_null(c);
        assert_null(dns_cache_get(c, &k, DNS_TYPE_A, DNS_CLASS_IN, 0, &age));
        assert_int_equal(
                dns_cache_put(c, &k, DNS_TYPE_A, DNS_CLASS_IN, answer(&buf, "peer.t1", 10), 5 * SEC), 1);
        a = dns_cache_get(c, &upper, DNS_TYPE_A, DNS_CLASS_IN, 5 * SEC, &age);
        assert_non_null(a);
        assert_int_equal(age, 0);
        assert_int_equal(a->count[0], 1);
        a = dns_cache_get(c, &k, DNS_TYPE_A, DNS_CLASS_IN, 8 * SEC + SEC / 2, &age);
        assert_non_null(a);
        assert_int_equal(age, 3);
        /* Other type or class: miss. */
        assert_null(dns_cache_get(c, &k, DNS_TYPE_AAAA, DNS_CLASS_IN, 6 * SEC, &age));
        assert_null(dns_cache_get(c, &k, DNS_TYPE_A, DNS_CLASS_ANY, 6 * SEC, &age));
        /* Served while a whole second is left: at 14 s age 9 (TTL 1), at 14.5 s gone. */
        a = dns_cache_get(c, &k, DNS_TYPE_A, DNS_CLASS_IN, 14 * SEC, &age);
        assert_non_null(a);
        assert_int_equal(age, 9);
        assert_null(dns_cache_get(c, &k, DNS_TYPE_A, DNS_CLASS_IN, 14 * SEC + SEC / 2, &age));
        assert_int_equal(dns_cache_entries(c), 0);
}

static void test_not_cached(void **state)
{
        _cleanup_(dns_cache_freep) DnsCache *c = dns_cache_new(16, 1 << 20);
        _cleanup_(dns_cache_freep) DnsCache *none = dns_cache_new(0, 1 << 20);
        DnsName k = name("peer.t1");
        DnsAnswerBuffer buf;

        assert_int_equal(dns_cache_put(c, &k, DNS_TYPE_A, DNS_CLASS_IN, answer(&buf, "peer.t1", 0), 0), 0);
        assert_int_equal(dns_cache_put(none, &k, DNS_TYPE_A, DNS_CLASS_IN, answer(&buf, "peer.t1", 5), 0),
                         0);
        assert_int_equal(dns_cache_entries(c), 0);
}

static void test_replace(void **state)
{
        _cleanup_(dns_cache_freep) DnsCache *c = dns_cache_new(16, 1 << 20);
        DnsName k = name("peer.t1");
        DnsAnswerBuffer buf;
        uint32_t age;

        assert_int_equal(dns_cache_put(c, &k, DNS_TYPE_A, DNS_CLASS_IN, answer(&buf, "peer.t1", 10), 0), 1);
        assert_int_equal(
                dns_cache_put(c, &k, DNS_TYPE_A, DNS_CLASS_IN, answer(&buf, "peer.t1", 100), 50 * SEC), 1);
        assert_int_equal(dns_cache_entries(c), 1);
        assert_non_null(dns_cache_get(c, &k, DNS_TYPE_A, DNS_CLASS_IN, 60 * SEC, &age));
        assert_int_equal(age, 10);
}

static void test_lru_bounds(void **state)
{
        _cleanup_(dns_cache_freep) DnsCache *c = dns_cache_new(3, 1 << 20);
        DnsName n[5];
        DnsAnswerBuffer buf;
        char s[16];
        uint32_t age;

        for (int i = 0; i < 5; i++) {
                snprintf(s, sizeof(s), "h%d.t1", i);
                n[i] = name(s);
        }
        for (int i = 0; i < 3; i++)
                assert_int_equal(
                        dns_cache_put(c, &n[i], DNS_TYPE_A, DNS_CLASS_IN, answer(&buf, "x.t1", 60), 0), 1);
        /* Touch h0: h1 is now the least recently used. */
        assert_non_null(dns_cache_get(c, &n[0], DNS_TYPE_A, DNS_CLASS_IN, 0, &age));
        assert_int_equal(dns_cache_put(c, &n[3], DNS_TYPE_A, DNS_CLASS_IN, answer(&buf, "x.t1", 60), 0), 1);
        assert_int_equal(dns_cache_entries(c), 3);
        assert_null(dns_cache_get(c, &n[1], DNS_TYPE_A, DNS_CLASS_IN, 0, &age));
        assert_non_null(dns_cache_get(c, &n[0], DNS_TYPE_A, DNS_CLASS_IN, 0, &age));
        assert_non_null(dns_cache_get(c, &n[2], DNS_TYPE_A, DNS_CLASS_IN, 0, &age));
        assert_non_null(dns_cache_get(c, &n[3], DNS_TYPE_A, DNS_CLASS_IN, 0, &age));
}

static void test_byte_bound(void **state)
{
        DnsAnswerBuffer buf;
        const DnsAnswer *a = answer(&buf, "x.t1", 60);
        size_t one = 0;
        DnsName n[4];
        char s[16];
        uint32_t age;

        /* Measure one entry, then allow two and a half. */
        {
                _cleanup_(dns_cache_freep) DnsCache *m = dns_cache_new(10, 1 << 20);
                n[0] = name("h0.t1");
                assert_int_equal(dns_cache_put(m, &n[0], DNS_TYPE_A, DNS_CLASS_IN, a, 0), 1);
                one = dns_cache_bytes(m);
        }
        _cleanup_(dns_cache_freep) DnsCache *c = dns_cache_new(10, one * 5 / 2);
        for (int i = 0; i < 4; i++) {
                snprintf(s, sizeof(s), "h%d.t1", i);
                n[i] = name(s);
                assert_int_equal(dns_cache_put(c, &n[i], DNS_TYPE_A, DNS_CLASS_IN, a, 0), 1);
        }
        assert_int_equal(dns_cache_entries(c), 2);
        assert_true(dns_cache_bytes(c) <= one * 5 / 2);
        assert_null(dns_cache_get(c, &n[0], DNS_TYPE_A, DNS_CLASS_IN, 0, &age));
        assert_non_null(dns_cache_get(c, &n[3], DNS_TYPE_A, DNS_CLASS_IN, 0, &age));
        /* Larger than the whole cache: not stored. */
        _cleanup_(dns_cache_freep) DnsCache *tiny = dns_cache_new(10, 16);
        assert_int_equal(dns_cache_put(tiny, &n[0], DNS_TYPE_A, DNS_CLASS_IN, a, 0), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hit_and_age), cmocka_unit_test(test_not_cached),
                cmocka_unit_test(test_replace),     cmocka_unit_test(test_lru_bounds),
                cmocka_unit_test(test_byte_bound),
        };
        return cmocka_run_group_tests_name("dns-cache", tests, NULL, NULL);
}
