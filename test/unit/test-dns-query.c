/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-dns-query: parsing client queries (header, one question, EDNS0) and writing the
 * upstream query (dns-query.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "dns-query.h"

/* A query for name/type with ID 0x1234, RD; with an OPT record when udp_size > 0. */
static size_t make_query(uint8_t *buf, size_t size, const char *name, uint16_t type, uint16_t udp_size,
                         uint8_t version, uint16_t flags)
{
        DnsName n;
        DnsWriter w;

        assert_int_equal(dns_name_from_string(name, &n), 0);
        dns_writer_init(&w, buf, size);
        dns_put_u16(&w, 0x1234);
        dns_put_u16(&w, flags);
        dns_put_u16(&w, 1);
        dns_put_u16(&w, 0);
        dns_put_u16(&w, 0);
        dns_put_u16(&w, udp_size ? 1 : 0);
        dns_put_name(&w, &n);
        dns_put_u16(&w, type);
        dns_put_u16(&w, DNS_CLASS_IN);
        if (udp_size) {
                dns_put_u8(&w, 0);
                dns_put_u16(&w, DNS_TYPE_OPT);
                dns_put_u16(&w, udp_size);
                dns_put_u32(&w, (uint32_t)version << 16 | DNS_EDNS_DO);
                dns_put_u16(&w, 0);
        }
        assert_false(w.overflow);
        return w.len;
}

static void test_plain(void **state)
{
        uint8_t buf[512];
        size_t n = make_query(buf, sizeof(buf), "10.1.2.3.T1", DNS_TYPE_A, 0, 0, DNS_FLAG_RD);
        DnsQuery q;
        char s[DNS_NAME_STRLEN];

        assert_int_equal(dns_query_parse(buf, n, &q), 0);
        assert_int_equal(q.id, 0x1234);
        assert_true(q.has_question);
        dns_name_to_string(&q.qname, s);
        assert_string_equal(s, "10.1.2.3.T1.");
        assert_int_equal(q.qtype, DNS_TYPE_A);
        assert_int_equal(q.qclass, DNS_CLASS_IN);
        assert_false(q.edns);
        assert_int_equal(dns_query_reply_limit(&q, false), 512);
        assert_int_equal(dns_query_reply_limit(&q, true), 65535);
}

static void test_edns(void **state)
{
        uint8_t buf[512];
        size_t n = make_query(buf, sizeof(buf), "peer.t1", DNS_TYPE_AAAA, 1232, 0, 0);
        DnsQuery q;

        assert_int_equal(dns_query_parse(buf, n, &q), 0);
        assert_true(q.edns);
        assert_int_equal(q.edns_udp_size, 1232);
        assert_true(q.edns_do);
        assert_int_equal(dns_query_reply_limit(&q, false), 1232);

        n = make_query(buf, sizeof(buf), "peer.t1", DNS_TYPE_A, 100, 0, 0);
        assert_int_equal(dns_query_parse(buf, n, &q), 0);
        assert_int_equal(dns_query_reply_limit(&q, false), 512);
        n = make_query(buf, sizeof(buf), "peer.t1", DNS_TYPE_A, 65000, 0, 0);
        assert_int_equal(dns_query_parse(buf, n, &q), 0);
        assert_int_equal(dns_query_reply_limit(&q, false), DNS_UDP_MAX);

        n = make_query(buf, sizeof(buf), "peer.t1", DNS_TYPE_A, 1232, 1, 0);
        assert_int_equal(dns_query_parse(buf, n, &q), DNS_RCODE_BADVERS);
        assert_true(q.has_question);
        assert_true(q.edns);
}

static void test_dropped(void **state)
{
        uint8_t buf[512];
        size_t n = make_query(buf, sizeof(buf), "peer.t1", DNS_TYPE_A, 0, 0, DNS_FLAG_QR);
        DnsQuery q;

        /* Responses and runts are never answered. */
        assert_int_equal(dns_query_parse(buf, n, &q), -EBADMSG);
        assert_int_equal(dns_query_parse(buf, 11, &q), -EBADMSG);
        assert_int_equal(dns_query_parse(buf, 0, &q), -EBADMSG);
}

static void test_formerr_notimp(void **state)
{
        uint8_t buf[512];
        size_t n = make_query(buf, sizeof(buf), "peer.t1", DNS_TYPE_A, 1232, 0, 0);
        DnsQuery q;

        /* Cut inside the question. */
        assert_int_equal(dns_query_parse(buf, 16, &q), DNS_RCODE_FORMERR);
        assert_int_equal(q.id, 0x1234);
        assert_false(q.has_question);
        /* Cut inside the OPT record: the question is there. */
        assert_int_equal(dns_query_parse(buf, n - 3, &q), DNS_RCODE_FORMERR);
        assert_true(q.has_question);
        /* Two questions. */
        buf[5] = 2;
        assert_int_equal(dns_query_parse(buf, n, &q), DNS_RCODE_FORMERR);
        buf[5] = 0;
        assert_int_equal(dns_query_parse(buf, n, &q), DNS_RCODE_FORMERR);
        buf[5] = 1;
        /* Opcode 5 (UPDATE): NOTIMP, with the question and the OPT (DO set) read, so
         * the answer echoes them. */
        buf[2] = 5 << 3;
        assert_int_equal(dns_query_parse(buf, n, &q), DNS_RCODE_NOTIMP);
        assert_true(q.has_question);
        assert_true(q.edns);
        assert_true(q.edns_do);
        /* ... also when the rest does not parse. */
        assert_int_equal(dns_query_parse(buf, n - 3, &q), DNS_RCODE_NOTIMP);
        assert_true(q.has_question);
        assert_false(q.edns);
        buf[2] = 0;
        /* Two OPT records. */
        {
                uint8_t two[600];
                memcpy(two, buf, n);
                memcpy(two + n, buf + n - 11, 11);
                two[11] = 2;
                assert_int_equal(dns_query_parse(two, n + 11, &q), DNS_RCODE_FORMERR);
        }
        /* An OPT owned by a name other than the root. */
        {
                uint8_t bad[600];
                memcpy(bad, buf, n - 11);
                memcpy(bad + n - 11, "\1x", 2);
                memcpy(bad + n - 9, buf + n - 10, 10);
                assert_int_equal(dns_query_parse(bad, n + 1, &q), DNS_RCODE_FORMERR);
        }
        assert_int_equal(dns_query_parse(buf, n, &q), 0);
}

static void test_write(void **state)
{
        uint8_t buf[512];
        DnsName n;
        DnsQuery q;
        int k;

        assert_int_equal(dns_name_from_string("peer.tailnet.test", &n), 0);
        k = dns_query_write(0xbeef, &n, DNS_TYPE_A, DNS_CLASS_IN, true, buf, sizeof(buf));
        assert_int_equal(k, 12 + 19 + 4 + 11);
        assert_int_equal(dns_query_parse(buf, (size_t)k, &q), 0);
        assert_int_equal(q.id, 0xbeef);
        assert_true(q.flags & DNS_FLAG_RD);
        assert_true(q.flags & DNS_FLAG_CD);
        assert_true(q.edns);
        assert_int_equal(q.edns_udp_size, DNS_EDNS_SIZE);
        assert_false(q.edns_do);
        assert_true(dns_name_equal(&q.qname, &n));
        assert_int_equal(dns_query_write(1, &n, DNS_TYPE_A, DNS_CLASS_IN, false, buf, 40), -ENOBUFS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain),   cmocka_unit_test(test_edns),
                cmocka_unit_test(test_dropped), cmocka_unit_test(test_formerr_notimp),
                cmocka_unit_test(test_write),
        };
        return cmocka_run_group_tests_name("dns-query", tests, NULL, NULL);
}
