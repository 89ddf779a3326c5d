/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-dns-synth: which names tsproxy-dns answers itself (A.B.C.D.DOMAIN, A-B-C-D.DOMAIN,
 * the IPv6 form, the domain's SOA), which it forwards and which it refuses
 * (dns-synth.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "dns-synth.h"

static DnsName name(const char *s)
{
        DnsName n;

        assert_int_equal(dns_name_from_string(s, &n), 0);
        return n;
}

static DnsSynthResult synth(const char *qname, uint16_t qtype, DnsAnswerBuffer *buf)
{
        DnsName domain = name("t1");
        DnsQuery q = {
                .id = 1, .has_question = true, .qname = name(qname), .qtype = qtype, .qclass = DNS_CLASS_IN};

        return dns_synth(&q, &domain, buf);
}

/* The single answer record's RDATA (and type), checked against expected. */
static void assert_answer(const DnsAnswerBuffer *buf, uint16_t type, const void *rdata, size_t len)
{
        const DnsAnswer *a = &buf->answer;
        size_t off = 0;
        DnsName owner;

        assert_int_equal(a->count[DNS_SECTION_ANSWER], 1);
        assert_true(a->authoritative);
        assert_int_equal(a->rcode, 0);
        assert_int_equal(dns_name_read(a->records, a->size, &off, &owner), 0);
        assert_int_equal(dns_get_u16(a->records + off), type);
        assert_int_equal(dns_get_u32(a->records + off + 4), DNS_SYNTH_TTL);
        assert_int_equal(dns_get_u16(a->records + off + 8), len);
        assert_memory_equal(a->records + off + 10, rdata, len);
}

static void test_ipv4(void **state)
{
        DnsAnswerBuffer buf;

        assert_int_equal(synth("10.100.10.141.t1", DNS_TYPE_A, &buf), DNS_SYNTH_ANSWERED);
        assert_answer(&buf, DNS_TYPE_A, "\x0a\x64\x0a\x8d", 4);
        assert_int_equal(synth("10-100-10-141.T1", DNS_TYPE_A, &buf), DNS_SYNTH_ANSWERED);
        assert_answer(&buf, DNS_TYPE_A, "\x0a\x64\x0a\x8d", 4);
        assert_int_equal(synth("0.0.0.0.t1", DNS_TYPE_ANY, &buf), DNS_SYNTH_ANSWERED);
        assert_answer(&buf, DNS_TYPE_A, "\0\0\0\0", 4);
        assert_int_equal(synth("255.255.255.255.t1", DNS_TYPE_A, &buf), DNS_SYNTH_ANSWERED);
        assert_int_equal(synth("010.001.0.9.t1", DNS_TYPE_A, &buf), DNS_SYNTH_ANSWERED);
        assert_answer(&buf, DNS_TYPE_A, "\x0a\x01\x00\x09", 4);

        /* NODATA for other types: no answer, the domain's SOA. */
        assert_int_equal(synth("10.1.2.3.t1", DNS_TYPE_AAAA, &buf), DNS_SYNTH_ANSWERED);
        assert_int_equal(buf.answer.count[DNS_SECTION_ANSWER], 0);
        assert_int_equal(buf.answer.count[DNS_SECTION_AUTHORITY], 1);
        assert_int_equal(buf.answer.ttl, DNS_SYNTH_SOA_TTL);
}

static void test_ipv6(void **state)
{
        static const uint8_t fd[16] = {0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0, [15] = 1};
        static const uint8_t full[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6};
        DnsAnswerBuffer buf;

        assert_int_equal(synth("fd7a-115c-a1e0--1.t1", DNS_TYPE_AAAA, &buf), DNS_SYNTH_ANSWERED);
        assert_answer(&buf, DNS_TYPE_AAAA, fd, 16);
        assert_int_equal(synth("2001-DB8-1-2-3-4-5-6.t1", DNS_TYPE_AAAA, &buf), DNS_SYNTH_ANSWERED);
        assert_answer(&buf, DNS_TYPE_AAAA, full, 16);
        assert_int_equal(synth("--1.t1", DNS_TYPE_AAAA, &buf), DNS_SYNTH_ANSWERED);
        assert_int_equal(synth("fd7a-115c-a1e0--1.t1", DNS_TYPE_A, &buf), DNS_SYNTH_ANSWERED);
        assert_int_equal(buf.answer.count[DNS_SECTION_ANSWER], 0);
        assert_int_equal(buf.answer.count[DNS_SECTION_AUTHORITY], 1);
}

static void test_forwarded(void **state)
{
        DnsAnswerBuffer buf;

        assert_int_equal(synth("peer.t1", DNS_TYPE_A, &buf), DNS_SYNTH_FORWARD);
        assert_int_equal(synth("256.1.1.1.t1", DNS_TYPE_A, &buf), DNS_SYNTH_FORWARD);
        assert_int_equal(synth("1.2.3.t1", DNS_TYPE_A, &buf), DNS_SYNTH_FORWARD);
        assert_int_equal(synth("0.1.2.3.4.t1", DNS_TYPE_A, &buf), DNS_SYNTH_FORWARD);
        assert_int_equal(synth("x.1.2.3.4.t1", DNS_TYPE_A, &buf), DNS_SYNTH_FORWARD);
        assert_int_equal(synth("1-2-3.t1", DNS_TYPE_A, &buf), DNS_SYNTH_FORWARD);
        assert_int_equal(synth("1-2-3-4-.t1", DNS_TYPE_A, &buf), DNS_SYNTH_FORWARD);
        assert_int_equal(synth("1234.1.1.1.t1", DNS_TYPE_A, &buf), DNS_SYNTH_FORWARD);
        assert_int_equal(synth("dead-beef.t1", DNS_TYPE_AAAA, &buf), DNS_SYNTH_FORWARD);
        assert_int_equal(synth("gpu-box.t1", DNS_TYPE_AAAA, &buf), DNS_SYNTH_FORWARD);
        assert_int_equal(synth("a.b.peer.t1", DNS_TYPE_A, &buf), DNS_SYNTH_FORWARD);
}

static void test_refused(void **state)
{
        DnsAnswerBuffer buf;
        DnsName domain = name("t1");
        DnsQuery q = {.has_question = true, .qname = name("1.2.3.4.t1"), .qtype = 1, .qclass = 3};

        assert_int_equal(synth("example.com", DNS_TYPE_A, &buf), DNS_SYNTH_REFUSED);
        assert_int_equal(synth("t1.example.com", DNS_TYPE_A, &buf), DNS_SYNTH_REFUSED);
        assert_int_equal(synth("xt1", DNS_TYPE_A, &buf), DNS_SYNTH_REFUSED);
        assert_int_equal(synth(".", DNS_TYPE_NS, &buf), DNS_SYNTH_REFUSED);
        /* Class CHAOS. */
        assert_int_equal(dns_synth(&q, &domain, &buf), DNS_SYNTH_REFUSED);
        q.has_question = false;
        q.qclass = DNS_CLASS_IN;
        assert_int_equal(dns_synth(&q, &domain, &buf), DNS_SYNTH_REFUSED);
}

static void test_apex(void **state)
{
        DnsAnswerBuffer buf;

        assert_int_equal(synth("T1", DNS_TYPE_SOA, &buf), DNS_SYNTH_ANSWERED);
        assert_int_equal(buf.answer.count[DNS_SECTION_ANSWER], 1);
        assert_int_equal(synth("t1", DNS_TYPE_A, &buf), DNS_SYNTH_ANSWERED);
        assert_int_equal(buf.answer.count[DNS_SECTION_ANSWER], 0);
        assert_int_equal(buf.answer.count[DNS_SECTION_AUTHORITY], 1);
}

static void test_forward_name(void **state)
{
        DnsName q = name("Peer.T1"), d = name("t1"), t = name("tailnet.test"), r,
                e = name("peer.tailnet.test");

        assert_int_equal(dns_synth_forward_name(&q, &d, &t, &r), 0);
        assert_int_equal(r.len, e.len);
        assert_memory_equal(r.wire, e.wire, e.len);
        assert_int_equal(dns_synth_forward_name(&t, &d, &t, &r), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ipv4),      cmocka_unit_test(test_ipv6),
                cmocka_unit_test(test_forwarded), cmocka_unit_test(test_refused),
                cmocka_unit_test(test_apex),      cmocka_unit_test(test_forward_name),
        };
        return cmocka_run_group_tests_name("dns-synth", tests, NULL, NULL);
}
