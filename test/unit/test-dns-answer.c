/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-dns-answer: renaming upstream answers (decompression, CNAME chains, TTLs,
 * negative answers) and writing client responses (ID and question echoed, EDNS0,
 * truncation with TC) (dns-answer.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "dns-answer.h"

static DnsName name(const char *s)
{
        DnsName n;

        assert_int_equal(dns_name_from_string(s, &n), 0);
        return n;
}

static DnsQuery query(const char *qname, uint16_t qtype, uint16_t edns_size)
{
        return (DnsQuery){.id = 0x1234,
                          .flags = DNS_FLAG_RD,
                          .has_question = true,
                          .qname = name(qname),
                          .qtype = qtype,
                          .qclass = DNS_CLASS_IN,
                          .edns = edns_size > 0,
                          .edns_udp_size = edns_size};
}

/* The upstream response: peer.tailnet.test CNAME alias.tailnet.test (TTL 300), alias A
 * 100.64.0.1 (TTL 120), compressed as a real server writes it, with an OPT record. */
static const uint8_t cname_response[] = {
        0xab,
        0xcd,
        0x81,
        0x80,
        0,
        1,
        0,
        2,
        0,
        0,
        0,
        1,
        /* 12: question peer.tailnet.test A IN; tailnet.test at 17 */
        4,
        'p',
        'e',
        'e',
        'r',
        7,
        't',
        'a',
        'i',
        'l',
        'n',
        'e',
        't',
        4,
        't',
        'e',
        's',
        't',
        0,
        0,
        1,
        0,
        1,
        /* 35: answer 1, owner -> 12, CNAME, TTL 300, rdata "alias" -> 17 */
        0xc0,
        12,
        0,
        5,
        0,
        1,
        0,
        0,
        1,
        44,
        0,
        8,
        5,
        'a',
        'l',
        'i',
        'a',
        's',
        0xc0,
        17,
        /* 55: answer 2, owner -> 47 (alias...), A, TTL 120 */
        0xc0,
        47,
        0,
        1,
        0,
        1,
        0,
        0,
        0,
        120,
        0,
        4,
        100,
        64,
        0,
        1,
        /* OPT */
        0,
        0,
        41,
        0x04,
        0xd0,
        0,
        0,
        0,
        0,
        0,
        0,
};

static const uint8_t cname_expected[] = {
        0x12, 0x34, 0x81, 0x80, 0,   1,   0,   2,    0,   0,   0,       0, 4,   'P', 'e', 'e', 'r',    2,
        'T',  '1',  0,    0,    1,   0,   1,   0xc0, 12,  0,   5,       0, 1,   0,   0,   1,   44 - 7, 0,
        10,   5,    'a',  'l',  'i', 'a', 's', 2,    't', '1', 0,       5, 'a', 'l', 'i', 'a', 's',    2,
        't',  '1',  0,    0,    1,   0,   1,   0,    0,   0,   120 - 7, 0, 4,   100, 64,  0,   1,
};

static void test_rename_cname_chain(void **state)
{
        DnsName qname = name("peer.tailnet.test"), from = name("tailnet.test"), to = name("t1");
        DnsQuery q = query("Peer.T1", DNS_TYPE_A, 0);
        DnsAnswer *a = NULL;
        uint8_t out[512];
        int k;

        assert_int_equal(dns_answer_from_response(cname_response, sizeof(cname_response), 0xabcd, &qname,
                                                  DNS_TYPE_A, DNS_CLASS_IN, &from, &to, &a),
                         0);
        assert_int_equal(a->rcode, 0);
        assert_false(a->truncated);
        assert_int_equal(a->count[0], 2);
        assert_int_equal(a->count[2], 0); /* the OPT is dropped */
        assert_int_equal(a->ttl, 120);

        /* Served 7 seconds later: every TTL 7 lower; the question as the client wrote it. */
        k = dns_response_write(&q, a->rcode, a, 7, dns_query_reply_limit(&q, false), out, sizeof(out));
        assert_int_equal(k, (int)sizeof(cname_expected));
        assert_memory_equal(out, cname_expected, sizeof(cname_expected));
        free(a);
}

static void test_mismatch_is_stale(void **state)
{
        DnsName qname = name("peer.tailnet.test"), other = name("other.tailnet.test");
        uint8_t copy[sizeof(cname_response)];
        DnsAnswer *a = NULL;

        assert_int_equal(dns_answer_from_response(cname_response, sizeof(cname_response), 0xabce, &qname,
                                                  DNS_TYPE_A, DNS_CLASS_IN, NULL, NULL, &a),
                         -ESTALE);
        assert_int_equal(dns_answer_from_response(cname_response, sizeof(cname_response), 0xabcd, &other,
                                                  DNS_TYPE_A, DNS_CLASS_IN, NULL, NULL, &a),
                         -ESTALE);
        assert_int_equal(dns_answer_from_response(cname_response, sizeof(cname_response), 0xabcd, &qname,
                                                  DNS_TYPE_AAAA, DNS_CLASS_IN, NULL, NULL, &a),
                         -ESTALE);
        memcpy(copy, cname_response, sizeof(copy));
        copy[2] &= 0x7f; /* not a response */
        assert_int_equal(dns_answer_from_response(copy, sizeof(copy), 0xabcd, &qname, DNS_TYPE_A,
                                                  DNS_CLASS_IN, NULL, NULL, &a),
                         -ESTALE);
        assert_int_equal(
                dns_answer_from_response(copy, 5, 0xabcd, &qname, DNS_TYPE_A, DNS_CLASS_IN, NULL, NULL, &a),
                -ESTALE);
        assert_null(a);
}

static void test_malformed(void **state)
{
        DnsName qname = name("peer.tailnet.test");
        uint8_t copy[sizeof(cname_response)];
        DnsAnswer *a = NULL;

        /* CNAME RDLENGTH one too long: its name ends before the RDATA does. */
        memcpy(copy, cname_response, sizeof(copy));
        copy[46] = 9;
        assert_int_equal(dns_answer_from_response(copy, sizeof(copy), 0xabcd, &qname, DNS_TYPE_A,
                                                  DNS_CLASS_IN, NULL, NULL, &a),
                         -EBADMSG);
        /* Cut in the middle of the second record. */
        assert_int_equal(dns_answer_from_response(cname_response, 60, 0xabcd, &qname, DNS_TYPE_A,
                                                  DNS_CLASS_IN, NULL, NULL, &a),
                         -EBADMSG);
        /* The same cut with TC set: a truncated answer without records (ask over TCP). */
        memcpy(copy, cname_response, sizeof(copy));
        copy[2] |= DNS_FLAG_TC >> 8;
        assert_int_equal(
                dns_answer_from_response(copy, 60, 0xabcd, &qname, DNS_TYPE_A, DNS_CLASS_IN, NULL, NULL, &a),
                0);
        assert_true(a->truncated);
        assert_int_equal(a->count[0], 0);
        assert_int_equal(a->ttl, 0);
        free(a);
        a = NULL;
        /* A pointer forward (loop). */
        memcpy(copy, cname_response, sizeof(copy));
        copy[56] = 60;
        assert_int_equal(dns_answer_from_response(copy, sizeof(copy), 0xabcd, &qname, DNS_TYPE_A,
                                                  DNS_CLASS_IN, NULL, NULL, &a),
                         -EBADMSG);
        assert_null(a);
}

/* NXDOMAIN with the zone's SOA (TTL 3600, MINIMUM 60): cached 60 s, SOA renamed. */
static void test_negative(void **state)
{
        static const uint8_t nx[] = {
                0,
                7,
                0x81,
                0x83,
                0,
                1,
                0,
                0,
                0,
                1,
                0,
                0,
                /* 12 */ 2,
                'n',
                'o',
                7,
                't',
                'a',
                'i',
                'l',
                'n',
                'e',
                't',
                4,
                't',
                'e',
                's',
                't',
                0,
                0,
                1,
                0,
                1,
                /* SOA owner tailnet.test (-> 15) */
                0xc0,
                15,
                0,
                6,
                0,
                1,
                0,
                0,
                0x0e,
                0x10,
                0,
                32,
                2,
                'n',
                's',
                0xc0,
                15, /* MNAME ns.tailnet.test */
                4,
                'h',
                'o',
                's',
                't',
                0xc0,
                15, /* RNAME host.tailnet.test */
                0,
                0,
                0,
                1,
                0,
                0,
                0x0e,
                0x10,
                0,
                0,
                2,
                0x58,
                0,
                1,
                0x51,
                0x80,
                0,
                0,
                0,
                60,
        };
        static const uint8_t soa_renamed[] = {
                2, 't', '1',  0,    0, 6,   0,   1,    0,   0, 0x0e, 0x10, 0, 36, 2, 'n', 's',
                2, 't', '1',  0,    4, 'h', 'o', 's',  't', 2, 't',  '1',  0, 0,  0, 0,   1,
                0, 0,   0x0e, 0x10, 0, 0,   2,   0x58, 0,   1, 0x51, 0x80, 0, 0,  0, 60,
        };
        DnsName qname = name("no.tailnet.test"), from = name("tailnet.test"), to = name("t1");
        DnsQuery q = query("no.t1", DNS_TYPE_A, 1232);
        DnsAnswer *a = NULL;
        uint8_t out[512];
        int k;

        assert_int_equal(dns_answer_from_response(nx, sizeof(nx), 7, &qname, DNS_TYPE_A, DNS_CLASS_IN, &from,
                                                  &to, &a),
                         0);
        assert_int_equal(a->rcode, DNS_RCODE_NXDOMAIN);
        assert_int_equal(a->count[1], 1);
        assert_int_equal(a->ttl, 60);
        assert_int_equal(a->size, sizeof(soa_renamed));
        assert_memory_equal(a->records, soa_renamed, sizeof(soa_renamed));

        k = dns_response_write(&q, a->rcode, a, 0, 1232, out, sizeof(out));
        assert_true(k > 0);
        assert_int_equal(out[3] & 0xf, DNS_RCODE_NXDOMAIN);
        assert_int_equal(out[9], 1);  /* NSCOUNT */
        assert_int_equal(out[11], 1); /* ARCOUNT: our OPT */
        /* The OPT record at the end: root, type 41, our size. */
        assert_memory_equal(out + k - 11, "\0\0\x29\x04\xd0\0\0\0\0\0\0", 11);
        free(a);

        /* SERVFAIL upstream: passed on, never cached. */
        uint8_t sf[sizeof(nx)];
        memcpy(sf, nx, sizeof(sf));
        sf[3] = 0x82;
        assert_int_equal(dns_answer_from_response(sf, sizeof(sf), 7, &qname, DNS_TYPE_A, DNS_CLASS_IN, &from,
                                                  &to, &a),
                         0);
        assert_int_equal(a->rcode, DNS_RCODE_SERVFAIL);
        assert_int_equal(a->ttl, 0);
        free(a);
}

/* 40 A records: 30 fit in 512 bytes (25 + 30 x 16 = 505), TC set; all with EDNS0. */
static void test_truncation(void **state)
{
        DnsAnswer *a;
        DnsQuery q = query("many.t1", DNS_TYPE_A, 0);
        uint8_t out[2048];
        int k;

        /* Built with dns_answer_append in a larger heap buffer. */
        a = calloc(1, sizeof(DnsAnswer) + 40 * 30);
        for (uint8_t i = 0; i < 40; i++) {
                uint8_t addr[4] = {100, 64, 1, i};
                assert_int_equal(dns_answer_append(a, 40 * 30, DNS_SECTION_ANSWER, &q.qname, DNS_TYPE_A,
                                                   DNS_CLASS_IN, 600, addr, 4),
                                 0);
        }
        k = dns_response_write(&q, 0, a, 0, dns_query_reply_limit(&q, false), out, sizeof(out));
        assert_int_equal(k, 505);
        assert_true(out[2] & (DNS_FLAG_TC >> 8));
        assert_int_equal(out[7], 30);

        q = query("many.t1", DNS_TYPE_A, 1232);
        k = dns_response_write(&q, 0, a, 0, dns_query_reply_limit(&q, false), out, sizeof(out));
        assert_int_equal(k, 25 + 40 * 16 + 11);
        assert_false(out[2] & (DNS_FLAG_TC >> 8));
        assert_int_equal(out[7], 40);

        /* TCP: everything. */
        q = query("many.t1", DNS_TYPE_A, 0);
        k = dns_response_write(&q, 0, a, 0, dns_query_reply_limit(&q, true), out, sizeof(out));
        assert_int_equal(k, 25 + 40 * 16);
        assert_false(out[2] & (DNS_FLAG_TC >> 8));
        free(a);
}

static void test_errors(void **state)
{
        DnsQuery q = query("example.com", DNS_TYPE_A, 0);
        uint8_t out[512];
        int k;

        k = dns_response_write(&q, DNS_RCODE_REFUSED, NULL, 0, 512, out, sizeof(out));
        assert_int_equal(k, 12 + 13 + 4);
        assert_memory_equal(out, "\x12\x34\x81\x85\0\1\0\0\0\0\0\0\7example\3com\0\0\1\0\1", 29);

        /* FORMERR without a question. */
        q.has_question = false;
        k = dns_response_write(&q, DNS_RCODE_FORMERR, NULL, 0, 512, out, sizeof(out));
        assert_int_equal(k, 12);
        assert_memory_equal(out, "\x12\x34\x81\x81\0\0\0\0\0\0\0\0", 12);

        /* BADVERS: 16 = extended rcode 1 in the OPT, 0 in the header. */
        q = query("x.t1", DNS_TYPE_A, 1232);
        k = dns_response_write(&q, DNS_RCODE_BADVERS, NULL, 0, 512, out, sizeof(out));
        assert_int_equal(out[3] & 0xf, 0);
        assert_memory_equal(out + k - 11, "\0\0\x29\x04\xd0\x01\0\0\0\0\0", 11);

        /* Not even the header fits. */
        assert_int_equal(dns_response_write(&q, 0, NULL, 0, 20, out, sizeof(out)), -ENOBUFS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rename_cname_chain), cmocka_unit_test(test_mismatch_is_stale),
                cmocka_unit_test(test_malformed),          cmocka_unit_test(test_negative),
                cmocka_unit_test(test_truncation),         cmocka_unit_test(test_errors),
        };
        return cmocka_run_group_tests_name("dns-answer", tests, NULL, NULL);
}
