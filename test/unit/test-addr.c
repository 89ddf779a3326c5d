/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-addr: IPv4 subnet parsing and veth address arithmetic (addr.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "addr.h"

static void test_parse_valid(void **state)
{
        Subnet s;
        char buf[SUBNET_STRLEN];

        assert_int_equal(subnet_parse("10.200.0.4/30", &s), 0);
        assert_int_equal(s.network, 0x0ac80004);
        assert_int_equal(s.prefix, 30);
        subnet_format(&s, buf);
        assert_string_equal(buf, "10.200.0.4/30");
        assert_int_equal(subnet_parse("0.0.0.0/0", &s), 0);
        assert_int_equal(subnet_parse("192.168.1.1/32", &s), 0);
}

static void test_parse_invalid(void **state)
{
        Subnet s;
        const char *bad[] = {"",
                             "/30",
                             "10.0.0.0",
                             "10.0.0.0/",
                             "10.0.0.0/33",
                             "10.0.0/30",
                             "10.0.0.0/030",
                             "10.0.0.0/-1",
                             "10.0.0.0/3a",
                             "10.0.0.0 /30",
                             "256.0.0.0/30",
                             "10.0.0.0/30x",
                             "a.b.c.d/30",
                             "10.0.0.0/123"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(subnet_parse(bad[i], &s), -EINVAL);
        assert_int_equal(subnet_parse(NULL, &s), -EINVAL);
}

static void test_parse_host_bits(void **state)
{
        Subnet s;

        assert_int_equal(subnet_parse("10.200.0.5/30", &s), -EDOM);
        assert_int_equal(s.network, 0x0ac80004); /* the network that was probably meant */
}

static void test_veth_addresses(void **state)
{
        Subnet s;

        assert_int_equal(subnet_parse("10.200.0.4/30", &s), 0);
        assert_int_equal(subnet_host_address(&s), 0x0ac80005);
        assert_int_equal(subnet_namespace_address(&s), 0x0ac80006);
        assert_int_equal(subnet_parse("10.200.0.4/31", &s), 0);
        assert_int_equal(subnet_host_address(&s), 0x0ac80004);
        assert_int_equal(subnet_namespace_address(&s), 0x0ac80005);
}

static void test_overlap(void **state)
{
        Subnet a, b, c;

        assert_int_equal(subnet_parse("10.200.0.4/30", &a), 0);
        assert_int_equal(subnet_parse("10.200.0.0/16", &b), 0);
        assert_int_equal(subnet_parse("10.200.0.8/30", &c), 0);
        assert_true(subnet_overlaps(&a, &b));
        assert_true(subnet_overlaps(&b, &a));
        assert_false(subnet_overlaps(&a, &c));
        assert_true(subnet_contains(&b, 0x0ac8ffff));
        assert_false(subnet_contains(&a, 0x0ac80008));
}

static void test_forbidden(void **state)
{
        Subnet s;

        assert_int_equal(subnet_parse("100.64.0.0/30", &s), 0);
        assert_non_null(subnet_forbidden_reason(&s));
        assert_int_equal(subnet_parse("100.127.255.252/30", &s), 0);
        assert_non_null(subnet_forbidden_reason(&s));
        assert_int_equal(subnet_parse("127.0.0.0/30", &s), 0);
        assert_non_null(subnet_forbidden_reason(&s));
        assert_int_equal(subnet_parse("100.128.0.0/30", &s), 0);
        assert_null(subnet_forbidden_reason(&s));
        assert_int_equal(subnet_parse("10.200.0.4/30", &s), 0);
        assert_null(subnet_forbidden_reason(&s));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_valid),     cmocka_unit_test(test_parse_invalid),
                cmocka_unit_test(test_parse_host_bits), cmocka_unit_test(test_veth_addresses),
                cmocka_unit_test(test_overlap),         cmocka_unit_test(test_forbidden),
        };
        return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
