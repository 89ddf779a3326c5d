/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ctl-netcheck: the pure checks behind status's route, rule and nft links (issue 14:
 * a route deleted by hand in the namespace broke traffic while status said all was well).
 * Each check finds exactly the fact tsproxy-netns and tsproxy-nat make, and misses a near
 * one (other gateway, other device, other priority, other table, a table's chain gone,
 * another table's masquerade rule);
 * the interfaces keep every address (there were at most 8 per interface).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "netcheck.h"
#include "netfacts.h"

static void add_route(NetRoutes *l, int family, unsigned char type, const char *dst, const char *gw,
                      const char *oif)
{
        NetRoute *r = netroutes_add(l);

        assert_non_null(r);
        r->family = family;
        r->type = type;
        r->table = RT_TABLE_MAIN;
        snprintf(r->dst, sizeof(r->dst), "%s", dst);
        snprintf(r->gateway, sizeof(r->gateway), "%s", gw);
        snprintf(r->oif, sizeof(r->oif), "%s", oif);
}

static void test_routes(void **state)
{
        NetRoutes l = {};

        assert_false(netcheck_default_route(&l, "10.200.0.1", "host0"));
        add_route(&l, AF_INET, RTN_UNICAST, "10.200.0.0/30", "", "host0");
        add_route(&l, AF_INET, RTN_UNICAST, "default", "10.200.0.9", "host0");
        add_route(&l, AF_INET, RTN_UNICAST, "default", "10.200.0.1", "eth0");
        assert_false(netcheck_default_route(&l, "10.200.0.1", "host0"));
        add_route(&l, AF_INET, RTN_UNICAST, "default", "10.200.0.1", "host0");
        assert_true(netcheck_default_route(&l, "10.200.0.1", "host0"));

        assert_false(netcheck_unreachable_route(&l, AF_INET, "100.64.0.0/10"));
        add_route(&l, AF_INET, RTN_UNICAST, "100.64.0.0/10", "", "host0"); /* not unreachable */
        add_route(&l, AF_INET6, RTN_UNREACHABLE, "100.64.0.0/10", "", "");
        assert_false(netcheck_unreachable_route(&l, AF_INET, "100.64.0.0/10"));
        add_route(&l, AF_INET, RTN_UNREACHABLE, "100.64.0.0/10", "", "");
        assert_true(netcheck_unreachable_route(&l, AF_INET, "100.64.0.0/10"));
        l.routes[l.n - 1].table = 52;
        assert_false(netcheck_unreachable_route(&l, AF_INET, "100.64.0.0/10"));
        netroutes_done(&l);
        assert_null(l.routes);
}

static void add_rule(NetRules *l, uint32_t prio, unsigned char action, uint32_t table, const char *dst,
                     const char *iif)
{
        NetRule *r = netrules_add(l);

        assert_non_null(r);
        r->family = AF_INET;
        r->priority = prio;
        r->action = action;
        r->table = table;
        snprintf(r->dst, sizeof(r->dst), "%s", dst);
        snprintf(r->iif, sizeof(r->iif), "%s", iif);
}

static void test_rules(void **state)
{
        NetRules l = {};

        /* 1000 instances' rules: each found, none confused with another's. */
        for (int i = 0; i < 1000; i++) {
                char dst[32], iif[16];
                snprintf(dst, sizeof(dst), "10.200.%d.%d/30", i / 64, (i % 64) * 4);
                snprintf(iif, sizeof(iif), "ts-i%d", i);
                add_rule(&l, 5200, FR_ACT_TO_TBL, RT_TABLE_MAIN, dst, "");
                add_rule(&l, 5200, FR_ACT_TO_TBL, RT_TABLE_MAIN, "", iif);
                if (i != 500)
                        add_rule(&l, 5201, FR_ACT_UNREACHABLE, 0, "", iif);
        }
        assert_true(netcheck_rule(&l, AF_INET, 5200, FR_ACT_TO_TBL, RT_TABLE_MAIN, "10.200.15.156/30", ""));
        assert_true(netcheck_rule(&l, AF_INET, 5200, FR_ACT_TO_TBL, RT_TABLE_MAIN, "", "ts-i999"));
        assert_true(netcheck_rule(&l, AF_INET, 5201, FR_ACT_UNREACHABLE, 0, "", "ts-i499"));
        assert_false(netcheck_rule(&l, AF_INET, 5201, FR_ACT_UNREACHABLE, 0, "", "ts-i500"));
        assert_false(netcheck_rule(&l, AF_INET, 5200, FR_ACT_TO_TBL, 52, "", "ts-i1"));
        assert_false(netcheck_rule(&l, AF_INET, 5210, FR_ACT_TO_TBL, RT_TABLE_MAIN, "", "ts-i1"));
        assert_false(netcheck_rule(&l, AF_INET6, 5200, FR_ACT_TO_TBL, RT_TABLE_MAIN, "", "ts-i1"));
        assert_false(netcheck_rule(&l, AF_INET, 5200, FR_ACT_TO_TBL, RT_TABLE_MAIN, "", "ts-i1000"));
        netrules_done(&l);
}

static void add_nft(NftFacts *f, const char *table, const char *chain, bool masq, uint64_t packets)
{
        NftEntry *e = nftfacts_add(f);

        assert_non_null(e);
        snprintf(e->table, sizeof(e->table), "%s", table);
        snprintf(e->chain, sizeof(e->chain), "%s", chain);
        e->masquerade = masq;
        e->packets = packets;
        e->bytes = packets * 60;
}

static void test_nft(void **state)
{
        static const char *const owned[] = {"forward", "input", "postrouting", "prerouting", NULL};
        static const char *const guard[] = {"forward", "input", NULL};
        const char *missing = "x";
        uint64_t packets = 0, bytes = 0;
        NftFacts f = {};

        add_nft(&f, "other", "", false, 0);
        add_nft(&f, "other", "forward", false, 0);
        add_nft(&f, "tsproxy-t1", "", false, 0);
        add_nft(&f, "tsguard-t1", "", false, 0);
        add_nft(&f, "tsproxy-t10", "", false, 0);
        add_nft(&f, "tsproxy-t1", "forward", false, 0);
        add_nft(&f, "tsproxy-t1", "input", false, 0);
        add_nft(&f, "tsproxy-t1", "postrouting", false, 0);
        add_nft(&f, "tsproxy-t10", "prerouting", false, 0);
        add_nft(&f, "tsguard-t1", "forward", false, 0);
        add_nft(&f, "tsproxy-t10", "postrouting", true, 7); /* a rule, not a chain */
        add_nft(&f, "tsguard-t1", "input", true, 3);

        assert_true(netcheck_nft_table(&f, "tsproxy-t1", owned, &missing));
        assert_string_equal(missing, "prerouting"); /* t10's is not t1's */
        assert_true(netcheck_nft_table(&f, "tsguard-t1", guard, &missing));
        assert_string_equal(missing, "input"); /* a masquerade rule's entry is not a chain */
        assert_false(netcheck_nft_table(&f, "tsguard-t2", guard, &missing));
        assert_false(netcheck_nft_table(&f, "tsproxy-t", guard, &missing));
        assert_true(netcheck_nft_table(&f, "other", (const char *const[]){"forward", NULL}, &missing));
        assert_null(missing);

        assert_false(netcheck_nft_masquerade(&f, "tsproxy-t1", &packets, &bytes));
        add_nft(&f, "tsproxy-t1", "postrouting", true, 3);
        assert_true(netcheck_nft_masquerade(&f, "tsproxy-t1", &packets, &bytes));
        assert_int_equal(packets, 3);
        assert_int_equal(bytes, 180);
        assert_true(netcheck_nft_masquerade(&f, "tsproxy-t10", &packets, &bytes));
        assert_int_equal(packets, 7);
        add_nft(&f, "tsproxy-t1", "prerouting", false, 0);
        assert_true(netcheck_nft_table(&f, "tsproxy-t1", owned, &missing));
        assert_null(missing);
        nftfacts_done(&f);
        assert_null(f.entries);
}

static void test_many_addresses(void **state)
{
        NetFacts f = {};
        NetLink *l = netfacts_link_get(&f, "tailscale0");
        char a[32];

        assert_non_null(l);
        for (unsigned i = 0; i < 40; i++) {
                snprintf(a, sizeof(a), "100.64.0.%u", i);
                assert_int_equal(netfacts_link_add_address(l, a, 32), 0);
        }
        assert_int_equal(l->n_addrs, 40);
        assert_string_equal(l->addrs[39], "100.64.0.39/32");
        netfacts_done(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_routes),
                cmocka_unit_test(test_rules),
                cmocka_unit_test(test_nft),
                cmocka_unit_test(test_many_addresses),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
