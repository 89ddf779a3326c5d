/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ctl-netfacts: tsproxyctl's table of interfaces keeps every interface, however many
 * (issue 14: it kept 32, and status called the veths of healthy instances absent on a
 * host with more), and reads the caller's own namespace (loopback is always there).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "netfacts.h"

static void test_many_links(void **state)
{
        NetFacts f = {};
        char name[IFNAMSIZ];

        for (int round = 0; round < 2; round++) /* the second round finds, never adds */
                for (int i = 0; i < 1200; i++) {
                        snprintf(name, sizeof(name), "ts-i%d", i);
                        assert_non_null(netfacts_link_get(&f, name));
                }
        assert_int_equal(f.n_links, 1200);
        for (int i = 0; i < 1200; i++) {
                const NetLink *l;
                snprintf(name, sizeof(name), "ts-i%d", i);
                l = netfacts_link(&f, name);
                assert_non_null(l);
                assert_string_equal(l->name, name);
        }
        assert_null(netfacts_link(&f, "ts-absent"));
        netfacts_done(&f);
        assert_int_equal(f.n_links, 0);
        assert_null(f.links);
}

static void test_read_own_namespace(void **state)
{
        NetFacts f = {};

        assert_int_equal(netfacts_read(&f), 0);
        assert_non_null(netfacts_link(&f, "lo"));
        netfacts_done(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_many_links),
                cmocka_unit_test(test_read_own_namespace),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
