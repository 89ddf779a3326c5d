/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ctl-parse: the text tsproxyctl reads facts from: nft's listing of an instance's
 * table (the masquerade counter) and of the ruleset (forward chains with policy drop,
 * such as Docker's), /proc/net/route, /proc/self/mountinfo.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"

static void test_masquerade(void **state)
{
        const char *table =
                "table inet tsproxy-t1 { # handle 5\n"
                "\tflags owner\n"
                "\tchain postrouting {\n"
                "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                "\t\tip saddr 10.200.0.4/30 oifname \"uplink0\" counter packets 12 bytes 840 masquerade "
                "comment \"masquerade\"\n"
                "\t}\n"
                "}\n";
        uint64_t p = 0, b = 0;

        assert_true(parse_nft_masquerade(table, &p, &b));
        assert_int_equal(p, 12);
        assert_int_equal(b, 840);
        assert_false(parse_nft_masquerade("table inet tsproxy-t1 {\n}\n", &p, &b));
        assert_false(parse_nft_masquerade(NULL, &p, &b));
}

static void test_forward_drops(void **state)
{
        const char *ruleset = "table inet tsproxy-t1 {\n"
                              "\tchain forward {\n"
                              "\t\ttype filter hook forward priority filter; policy drop;\n"
                              "\t}\n"
                              "}\n"
                              "table ip filter {\n"
                              "\tchain DOCKER-USER {\n"
                              "\t\tcounter packets 0 bytes 0 return\n"
                              "\t}\n"
                              "\tchain FORWARD {\n"
                              "\t\ttype filter hook forward priority filter; policy drop;\n"
                              "\t\tcounter packets 0 bytes 0 jump DOCKER-USER\n"
                              "\t}\n"
                              "}\n"
                              "table inet fixed {\n"
                              "\tchain fwd {\n"
                              "\t\ttype filter hook forward priority 0; policy drop;\n"
                              "\t\tiifname \"ts-*\" accept\n"
                              "\t}\n"
                              "}\n"
                              "table inet open {\n"
                              "\tchain fwd {\n"
                              "\t\ttype filter hook forward priority 0; policy accept;\n"
                              "\t}\n"
                              "}\n";
        NftDropChain d[4];

        assert_int_equal(parse_nft_forward_drops(ruleset, d, 4), 2);
        assert_string_equal(d[0].family, "ip");
        assert_string_equal(d[0].table, "filter");
        assert_string_equal(d[0].chain, "FORWARD");
        assert_false(d[0].mentions_tsproxy);
        assert_string_equal(d[1].table, "fixed");
        assert_true(d[1].mentions_tsproxy);
        assert_int_equal(parse_nft_forward_drops(ruleset, d, 1), 1);
}

static void test_routes(void **state)
{
        const char *text =
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
                "uplink0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
                "uplink0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
                "ts-t1\t0400C80A\t00000000\t0001\t0\t0\t0\tFCFFFFFF\t0\t0\t0\n"
                "down0\t0000000A\t00000000\t0000\t0\t0\t0\t000000FF\t0\t0\t0\n";
        RouteEntry r[8];

        assert_int_equal(parse_proc_net_route(text, r, 8), 3);
        assert_string_equal(r[0].ifname, "uplink0");
        assert_int_equal(r[0].destination.prefix, 0);
        assert_true(r[0].gateway);
        assert_int_equal(r[1].destination.network, 0xC0000200u); /* 192.0.2.0 */
        assert_int_equal(r[1].destination.prefix, 24);
        assert_int_equal(r[2].destination.network, 0x0AC80004u); /* 10.200.0.4 */
        assert_int_equal(r[2].destination.prefix, 30);
}

static void test_mountinfo(void **state)
{
        const char *text = "22 1 0:21 / / rw shared:1 - ext4 /dev/root rw\n"
                           "30 22 0:25 / /run rw,nosuid shared:12 - tmpfs tmpfs rw\n"
                           "40 30 0:25 /netns /run/netns rw,nosuid - tmpfs tmpfs rw\n";
        bool is_mount;

        assert_false(parse_mountinfo_shared(text, "/run/netns", &is_mount));
        assert_true(is_mount);
        assert_true(parse_mountinfo_shared(text, "/run", &is_mount));
        assert_true(is_mount);
        assert_false(parse_mountinfo_shared(text, "/srv", &is_mount));
        assert_false(is_mount);
}

/* tailscaled's own STATUS= texts (tailscale's ipn/ipnlocal/local.go, controlclient/direct.go). */
static void test_tailscaled_status(void **state)
{
        assert_int_equal(
                parse_tailscaled_status("Connected; alice@example.com; 100.101.102.103 fd7a:115c:a1e0::1"),
                TAILSCALED_LOGIN_CONNECTED);
        assert_int_equal(parse_tailscaled_status("Needs login: "), TAILSCALED_LOGIN_NEEDS_LOGIN);
        assert_int_equal(parse_tailscaled_status("Needs login: https://login.tailscale.com/a/1234"),
                         TAILSCALED_LOGIN_NEEDS_LOGIN);
        assert_int_equal(parse_tailscaled_status("Stopped; run 'tailscale up' to log in"),
                         TAILSCALED_LOGIN_STOPPED);
        assert_int_equal(parse_tailscaled_status("key expired; run 'tailscale up' to authenticate"),
                         TAILSCALED_LOGIN_KEY_EXPIRED);
        assert_int_equal(parse_tailscaled_status(NULL), TAILSCALED_LOGIN_UNKNOWN);
        assert_int_equal(parse_tailscaled_status(""), TAILSCALED_LOGIN_UNKNOWN);
        assert_int_equal(parse_tailscaled_status("Running (fake): 100.64.1.2 on tailscale0"),
                         TAILSCALED_LOGIN_UNKNOWN);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tailscaled_status), cmocka_unit_test(test_masquerade),
                cmocka_unit_test(test_forward_drops),     cmocka_unit_test(test_routes),
                cmocka_unit_test(test_mountinfo),
        };
        return cmocka_run_group_tests_name("tsproxyctl fact parsers", tests, NULL, NULL);
}
