/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-dns-answer: renaming upstream answers (decompression, CNAME chains, TTLs,
 * negative answers) and writing client responses (ID and question echoed, EDNS0,
 * truncation with TC) (dns-answer.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "dns-answer.h"
#include "dns-cache.h"
#include "dns-synth.h"
#include "macro.h"

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

        assert_int_equal(dns_answer_from_response(cname_response, sizeof(cname_response),
                                                  &(DnsAsked){0xabcd, &qname, DNS_TYPE_A, DNS_CLASS_IN},
                                                  &from, &to, &a),
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

        assert_int_equal(dns_answer_from_response(cname_response, sizeof(cname_response),
                                                  &(DnsAsked){0xabce, &qname, DNS_TYPE_A, DNS_CLASS_IN},
                                                  NULL, NULL, &a),
                         -ESTALE);
        assert_int_equal(dns_answer_from_response(cname_response, sizeof(cname_response),
                                                  &(DnsAsked){0xabcd, &other, DNS_TYPE_A, DNS_CLASS_IN},
                                                  NULL, NULL, &a),
                         -ESTALE);
        assert_int_equal(dns_answer_from_response(cname_response, sizeof(cname_response),
                                                  &(DnsAsked){0xabcd, &qname, DNS_TYPE_AAAA, DNS_CLASS_IN},
                                                  NULL, NULL, &a),
                         -ESTALE);
        memcpy(copy, cname_response, sizeof(copy));
        copy[2] &= 0x7f; /* not a response */
        assert_int_equal(dns_answer_from_response(copy, sizeof(copy),
                                                  &(DnsAsked){0xabcd, &qname, DNS_TYPE_A, DNS_CLASS_IN},
                                                  NULL, NULL, &a),
                         -ESTALE);
        assert_int_equal(dns_answer_from_response(copy, 5,
                                                  &(DnsAsked){0xabcd, &qname, DNS_TYPE_A, DNS_CLASS_IN},
                                                  NULL, NULL, &a),
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
        assert_int_equal(dns_answer_from_response(copy, sizeof(copy),
                                                  &(DnsAsked){0xabcd, &qname, DNS_TYPE_A, DNS_CLASS_IN},
                                                  NULL, NULL, &a),
                         -EBADMSG);
        /* Cut in the middle of the second record. */
        assert_int_equal(dns_answer_from_response(cname_response, 60,
                                                  &(DnsAsked){0xabcd, &qname, DNS_TYPE_A, DNS_CLASS_IN},
                                                  NULL, NULL, &a),
                         -EBADMSG);
        /* The same cut with TC set: a truncated answer without records (ask over TCP). */
        memcpy(copy, cname_response, sizeof(copy));
        copy[2] |= DNS_FLAG_TC >> 8;
        assert_int_equal(dns_answer_from_response(copy, 60,
                                                  &(DnsAsked){0xabcd, &qname, DNS_TYPE_A, DNS_CLASS_IN},
                                                  NULL, NULL, &a),
                         0);
        assert_true(a->truncated);
        assert_int_equal(a->count[0], 0);
        assert_int_equal(a->ttl, 0);
        free(a);
        a = NULL;
        /* A pointer forward (loop). */
        memcpy(copy, cname_response, sizeof(copy));
        copy[56] = 60;
        assert_int_equal(dns_answer_from_response(copy, sizeof(copy),
                                                  &(DnsAsked){0xabcd, &qname, DNS_TYPE_A, DNS_CLASS_IN},
                                                  NULL, NULL, &a),
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

        assert_int_equal(dns_answer_from_response(nx, sizeof(nx),
                                                  &(DnsAsked){7, &qname, DNS_TYPE_A, DNS_CLASS_IN}, &from,
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
        assert_int_equal(dns_answer_from_response(sf, sizeof(sf),
                                                  &(DnsAsked){7, &qname, DNS_TYPE_A, DNS_CLASS_IN}, &from,
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

/* --- records outside the query's domain (dns-answer.c, top comment) ---------------- */

typedef struct Rr {
        unsigned section;
        const char *owner;
        uint16_t type;
        uint32_t ttl;
        const char *target; /* CNAME, DNAME, NS, SOA (mname, rname = target): a name */
} Rr;

/* An upstream NOERROR response (ID 0xabcd) to qname A IN with the records rrs,
 * uncompressed. */
static size_t build(uint8_t *buf, size_t size, const char *qname, unsigned rcode, const Rr *rrs, size_t n)
{
        uint16_t counts[_DNS_SECTION_MAX] = {};
        DnsWriter w;
        DnsName qn = name(qname);

        for (size_t i = 0; i < n; i++)
                counts[rrs[i].section]++;
        dns_writer_init(&w, buf, size);
        dns_put_u16(&w, 0xabcd);
        dns_put_u16(&w, 0x8180 | rcode);
        dns_put_u16(&w, 1);
        for (unsigned i = 0; i < _DNS_SECTION_MAX; i++)
                dns_put_u16(&w, counts[i]);
        dns_put_name(&w, &qn);
        dns_put_u16(&w, DNS_TYPE_A);
        dns_put_u16(&w, DNS_CLASS_IN);
        for (unsigned sec = 0; sec < _DNS_SECTION_MAX; sec++)
                for (size_t i = 0; i < n; i++) {
                        DnsName owner = name(rrs[i].owner), t;

                        if (rrs[i].section != sec)
                                continue;
                        dns_put_name(&w, &owner);
                        dns_put_u16(&w, rrs[i].type);
                        dns_put_u16(&w, DNS_CLASS_IN);
                        dns_put_u32(&w, rrs[i].ttl);
                        if (rrs[i].type == DNS_TYPE_A) {
                                dns_put_u16(&w, 4);
                                dns_put_bytes(&w, "\x64\x40\0\1", 4);
                        } else if (rrs[i].type == DNS_TYPE_SOA) {
                                t = name(rrs[i].target);
                                dns_put_u16(&w, (uint16_t)(2 * t.len + 20));
                                dns_put_name(&w, &t);
                                dns_put_name(&w, &t);
                                for (int k = 0; k < 5; k++)
                                        dns_put_u32(&w, 60);
                        } else {
                                t = name(rrs[i].target);
                                dns_put_u16(&w, t.len);
                                dns_put_name(&w, &t);
                        }
                }
        assert_false(w.overflow);
        return w.len;
}

/* The owner names of the kept records, "section:name " each. */
static void owners(const DnsAnswer *a, char *buf, size_t size)
{
        size_t p = 0, o = 0;

        buf[0] = 0;
        for (unsigned sec = 0; sec < _DNS_SECTION_MAX; sec++)
                for (unsigned i = 0; i < a->count[sec]; i++) {
                        char text[DNS_NAME_STRLEN];
                        DnsName n;

                        assert_int_equal(dns_name_read(a->records, a->size, &p, &n), 0);
                        p += 8;
                        p += 2 + dns_get_u16(a->records + p);
                        dns_name_to_string(&n, text);
                        o += (size_t)snprintf(buf + o, size - o, "%u:%s ", sec, text);
                }
        assert_int_equal(p, a->size);
}

static void check(const char *qname, unsigned rcode, const Rr *rrs, size_t n, const char *expected,
                  uint32_t ttl)
{
        DnsName qn = name(qname), from = name("tailnet.test"), to = name("t1");
        uint8_t msg[2048];
        char got[1024];
        DnsAnswer *a = NULL;
        size_t len = build(msg, sizeof(msg), qname, rcode, rrs, n);

        assert_int_equal(dns_answer_from_response(msg, len,
                                                  &(DnsAsked){0xabcd, &qn, DNS_TYPE_A, DNS_CLASS_IN}, &from,
                                                  &to, &a),
                         0);
        owners(a, got, sizeof(got));
        assert_string_equal(got, expected);
        assert_int_equal(a->ttl, ttl);
        free(a);
}

static void test_outside_domain_dropped(void **state)
{
        /* Answer records of other names, in the domain or not, and an out-of-domain
         * authority and additional section: only the question's own record stays. */
        static const Rr stray[] = {
                {DNS_SECTION_ANSWER, "peer.tailnet.test", DNS_TYPE_A, 300, NULL},
                {DNS_SECTION_ANSWER, "bank.example", DNS_TYPE_A, 5, NULL},
                {DNS_SECTION_ANSWER, "other.tailnet.test", DNS_TYPE_A, 5, NULL},
                {DNS_SECTION_AUTHORITY, "example", DNS_TYPE_NS, 5, "ns.example"},
                {DNS_SECTION_AUTHORITY, "tailnet.test", DNS_TYPE_NS, 400, "ns.tailnet.test"},
                {DNS_SECTION_ADDITIONAL, "ns.example", DNS_TYPE_A, 5, NULL},
                {DNS_SECTION_ADDITIONAL, "ns.tailnet.test", DNS_TYPE_A, 5, NULL},
        };
        /* The TTL is the kept records' (300, 400): the dropped ones' 5 does not count. */
        check("peer.tailnet.test", 0, stray, ELEMENTSOF(stray), "0:peer.t1. 1:t1. 2:ns.t1. ", 300);
}

static void test_cname_chain_in_domain(void **state)
{
        /* A chain out of order, within the domain: all of it kept. */
        static const Rr chain[] = {
                {DNS_SECTION_ANSWER, "b.tailnet.test", DNS_TYPE_A, 60, NULL},
                {DNS_SECTION_ANSWER, "peer.tailnet.test", DNS_TYPE_CNAME, 60, "a.tailnet.test"},
                {DNS_SECTION_ANSWER, "a.tailnet.test", DNS_TYPE_CNAME, 60, "b.tailnet.test"},
        };
        check("peer.tailnet.test", 0, chain, ELEMENTSOF(chain), "0:b.t1. 0:peer.t1. 0:a.t1. ", 60);

        /* A CNAME out of the domain is kept (its owner is ours), its target's records
         * are not, nor what the chain would reach from there. */
        static const Rr out[] = {
                {DNS_SECTION_ANSWER, "peer.tailnet.test", DNS_TYPE_CNAME, 60, "www.example"},
                {DNS_SECTION_ANSWER, "www.example", DNS_TYPE_CNAME, 60, "back.tailnet.test"},
                {DNS_SECTION_ANSWER, "back.tailnet.test", DNS_TYPE_A, 60, NULL},
                {DNS_SECTION_ANSWER, "www.example", DNS_TYPE_A, 60, NULL},
        };
        check("peer.tailnet.test", 0, out, ELEMENTSOF(out), "0:peer.t1. ", 60);

        /* DNAME: dropped; the CNAME synthesized from it stays. */
        static const Rr dname[] = {
                {DNS_SECTION_ANSWER, "tailnet.test", DNS_TYPE_DNAME, 60, "x.tailnet.test"},
                {DNS_SECTION_ANSWER, "peer.tailnet.test", DNS_TYPE_CNAME, 60, "peer.x.tailnet.test"},
                {DNS_SECTION_ANSWER, "peer.x.tailnet.test", DNS_TYPE_A, 60, NULL},
        };
        check("peer.tailnet.test", 0, dname, ELEMENTSOF(dname), "0:peer.t1. 0:peer.x.t1. ", 60);
}

static void test_negative_soa_outside(void **state)
{
        /* NXDOMAIN with the SOA of a parent zone: dropped, so not cached (no SOA of ours). */
        static const Rr parent[] = {
                {DNS_SECTION_AUTHORITY, "test", DNS_TYPE_SOA, 3600, "ns.test"},
        };
        check("no.tailnet.test", DNS_RCODE_NXDOMAIN, parent, ELEMENTSOF(parent), "", 0);
        static const Rr own[] = {
                {DNS_SECTION_AUTHORITY, "tailnet.test", DNS_TYPE_SOA, 3600, "ns.tailnet.test"},
        };
        check("no.tailnet.test", DNS_RCODE_NXDOMAIN, own, ELEMENTSOF(own), "1:t1. ", 60);
}

/* --- the DO bit (RFC 3225 3) and AD -------------------------------------------------- */

/* A client's query for qname/qtype as sent, ID 0x1234, RD and AD set (RFC 6840 5.7: a
 * client may ask for AD that way); opt: 0 none, 1 OPT without DO, 2 OPT with DO.
 * Parsed by dns_query_parse() into *q; returns its rcode. */
static int client_query(const char *qname, uint16_t qtype, uint16_t opcode, int opt, DnsQuery *q)
{
        DnsName n = name(qname);
        uint8_t msg[512];
        DnsWriter w;

        dns_writer_init(&w, msg, sizeof(msg));
        dns_put_u16(&w, 0x1234);
        dns_put_u16(&w, (uint16_t)(opcode << 11) | DNS_FLAG_RD | DNS_FLAG_AD);
        dns_put_u16(&w, 1);
        dns_put_u16(&w, 0);
        dns_put_u16(&w, 0);
        dns_put_u16(&w, opt ? 1 : 0);
        dns_put_name(&w, &n);
        dns_put_u16(&w, qtype);
        dns_put_u16(&w, DNS_CLASS_IN);
        if (opt) {
                dns_put_u8(&w, 0);
                dns_put_u16(&w, DNS_TYPE_OPT);
                dns_put_u16(&w, 1232);
                dns_put_u32(&w, opt == 2 ? DNS_EDNS_DO : 0);
                dns_put_u16(&w, 0);
        }
        assert_false(w.overflow);
        return dns_query_parse(msg, w.len, q);
}

/* The response out[0..k) to q: AD clear; an OPT record last exactly when q had one,
 * with DO exactly when q had it; rcode as given. */
static void assert_do_echoed(const DnsQuery *q, unsigned rcode, const uint8_t *out, int k)
{
        assert_true(k >= DNS_HEADER_SIZE);
        assert_false(dns_get_u16(out + 2) & DNS_FLAG_AD);
        assert_int_equal(dns_get_u16(out + 2) & DNS_FLAG_RCODE_MASK, rcode & 0xf);
        if (!q->edns) {
                assert_int_equal(dns_get_u16(out + 10), 0); /* ARCOUNT */
                return;
        }
        assert_true(dns_get_u16(out + 10) >= 1);
        assert_true(k >= DNS_HEADER_SIZE + 11);
        /* root, OPT, our size, ext-rcode, version 0, DO or not, no options */
        assert_int_equal(out[k - 11], 0);
        assert_int_equal(dns_get_u16(out + k - 10), DNS_TYPE_OPT);
        assert_int_equal(dns_get_u32(out + k - 6),
                         (uint32_t)(rcode >> 4) << 24 | (q->edns_do ? DNS_EDNS_DO : 0));
        assert_int_equal(dns_get_u16(out + k - 2), 0);
}

static void test_do_synthesized(void **state)
{
        DnsName domain = name("t1");
        DnsAnswerBuffer buf;
        uint8_t out[512];
        DnsQuery q;
        int k;

        for (int opt = 0; opt <= 2; opt++) {
                assert_int_equal(client_query("10.100.10.141.t1", DNS_TYPE_A, 0, opt, &q), 0);
                assert_int_equal(q.edns_do, opt == 2);
                assert_int_equal(dns_synth(&q, &domain, &buf), DNS_SYNTH_ANSWERED);
                k = dns_response_write(&q, 0, &buf.answer, 0, dns_query_reply_limit(&q, false), out,
                                       sizeof(out));
                assert_do_echoed(&q, 0, out, k);
                assert_int_equal(dns_get_u16(out + 6), 1); /* the A record */
        }
}

static void test_do_forwarded_and_cached(void **state)
{
        _cleanup_(dns_cache_freep) DnsCache *c = dns_cache_new(16, 1 << 20);
        DnsName qname = name("peer.tailnet.test"), from = name("tailnet.test"), to = name("t1");
        uint8_t msg[sizeof(cname_response)], out[512];
        const DnsAnswer *cached;
        DnsAnswer *a = NULL;
        uint32_t age;
        DnsQuery q;
        int k;

        /* Upstream says AD (it must not, without DO; a resolver may all the same): the
         * renamed answer does not carry it on. */
        memcpy(msg, cname_response, sizeof(msg));
        msg[3] |= DNS_FLAG_AD;
        assert_int_equal(dns_answer_from_response(msg, sizeof(msg),
                                                  &(DnsAsked){0xabcd, &qname, DNS_TYPE_A, DNS_CLASS_IN},
                                                  &from, &to, &a),
                         0);
        assert_non_null(c);
        assert_int_equal(dns_cache_put(c, &qname, DNS_TYPE_A, DNS_CLASS_IN, a, 0), 1);
        cached = dns_cache_get(c, &qname, DNS_TYPE_A, DNS_CLASS_IN, 5000000, &age);
        assert_non_null(cached);
        assert_int_equal(age, 5);

        for (int opt = 0; opt <= 2; opt++) {
                assert_int_equal(client_query("peer.t1", DNS_TYPE_A, 0, opt, &q), 0);
                k = dns_response_write(&q, a->rcode, a, 0, dns_query_reply_limit(&q, false), out,
                                       sizeof(out));
                assert_do_echoed(&q, 0, out, k);
                assert_int_equal(dns_get_u16(out + 6), 2);
                k = dns_response_write(&q, cached->rcode, cached, age, dns_query_reply_limit(&q, false), out,
                                       sizeof(out));
                assert_do_echoed(&q, 0, out, k);
                assert_int_equal(dns_get_u16(out + 6), 2);
        }
        free(a);
}

static void test_do_errors(void **state)
{
        static const unsigned rcodes[] = {DNS_RCODE_REFUSED, DNS_RCODE_SERVFAIL, DNS_RCODE_NXDOMAIN,
                                          DNS_RCODE_NOTIMP, DNS_RCODE_FORMERR};
        uint8_t out[512];
        DnsQuery q;
        int k;

        for (int opt = 0; opt <= 2; opt++) {
                for (size_t i = 0; i < ELEMENTSOF(rcodes); i++) {
                        assert_int_equal(client_query("example.com", DNS_TYPE_A, 0, opt, &q), 0);
                        k = dns_response_write(&q, rcodes[i], NULL, 0, 512, out, sizeof(out));
                        assert_do_echoed(&q, rcodes[i], out, k);
                }
                /* NOTIMP for an opcode other than QUERY (here NOTIFY, 4), as parsed. */
                assert_int_equal(client_query("t1", DNS_TYPE_SOA, 4, opt, &q), DNS_RCODE_NOTIMP);
                assert_int_equal(q.edns, opt > 0);
                k = dns_response_write(&q, DNS_RCODE_NOTIMP, NULL, 0, 512, out, sizeof(out));
                assert_do_echoed(&q, DNS_RCODE_NOTIMP, out, k);
                /* BADVERS: the extended rcode and DO share the OPT's TTL field. */
                if (opt) {
                        assert_int_equal(client_query("x.t1", DNS_TYPE_A, 0, opt, &q), 0);
                        k = dns_response_write(&q, DNS_RCODE_BADVERS, NULL, 0, 512, out, sizeof(out));
                        assert_do_echoed(&q, DNS_RCODE_BADVERS, out, k);
                }
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rename_cname_chain),
                cmocka_unit_test(test_mismatch_is_stale),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_negative),
                cmocka_unit_test(test_truncation),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_outside_domain_dropped),
                cmocka_unit_test(test_cname_chain_in_domain),
                cmocka_unit_test(test_negative_soa_outside),
                cmocka_unit_test(test_do_synthesized),
                cmocka_unit_test(test_do_forwarded_and_cached),
                cmocka_unit_test(test_do_errors),
        };
        return cmocka_run_group_tests_name("dns-answer", tests, NULL, NULL);
}
