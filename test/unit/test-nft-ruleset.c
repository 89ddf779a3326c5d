/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-nft-ruleset: the exact nftables text of an instance's table (nft-ruleset.c).
 *
 * The expected texts are the whole transaction tsproxy-nat loads, so a change to any
 * rule shows up here as a readable diff; the root test test/helpers/test-nat.sh checks
 * that the same text behaves as intended in the kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "macro.h"
#include "nft-ruleset.h"

static NatSpec spec_of(const char *name, const char *subnet, uint16_t port, const char *uplink,
                       const char *host_if)
{
        NatSpec s = {.name = name, .port = port, .uplink = uplink, .host_ifname = host_if};

        assert_int_equal(subnet_parse(subnet, &s.subnet), 0);
        return s;
}

static void assert_ruleset(const NatSpec *spec, const char *expected)
{
        _cleanup_free_ char *text = NULL;

        assert_int_equal(nft_ruleset_build(spec, &text), 0);
        assert_non_null(text);
        if (strcmp(text, expected) != 0)
                print_message("---- got:\n%s---- expected:\n%s----\n", text, expected);
        assert_string_equal(text, expected);
}

static void test_no_uplink(void **state)
{
        NatSpec s = spec_of("fgpu", "10.200.0.4/30", 41642, NULL, "ts-fgpu");

        assert_ruleset(
                &s,
                "add table inet tsproxy-fgpu\n"
                "delete table inet tsproxy-fgpu\n"
                "table inet tsproxy-fgpu {\n"
                "\tflags owner\n"
                "\n"
                "\tchain postrouting {\n"
                "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                "\t\tip saddr 10.200.0.4/30 oifname != \"ts-*\" oifname != \"tailscale*\" counter "
                "masquerade comment \"masquerade\"\n"
                "\t}\n"
                "\n"
                "\tchain prerouting {\n"
                "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
                "\t\tiifname != \"ts-*\" iifname != \"tailscale*\" meta nfproto ipv4 udp dport 41642 fib "
                "daddr type local counter "
                "dnat ip to 10.200.0.6 comment \"port forward\"\n"
                "\t}\n"
                "\n"
                "\tchain forward {\n"
                "\t\ttype filter hook forward priority filter; policy accept;\n"
                "\t\tiifname \"ts-fgpu\" oifname \"tailscale*\" counter drop comment \"guard: no tailscale "
                "interface of the host\"\n"
                "\t\tiifname \"ts-fgpu\" ip daddr 100.64.0.0/10 counter drop comment \"guard: no tailnet "
                "address\"\n"
                "\t\tiifname \"ts-fgpu\" ip6 daddr fd7a:115c:a1e0::/48 counter drop comment \"guard: no "
                "tailnet address\"\n"
                "\t\tiifname \"ts-fgpu\" ip saddr 10.200.0.6 oifname != \"ts-*\" oifname != \"tailscale*\" "
                "accept comment "
                "\"namespace to uplink\"\n"
                "\t\tiifname \"ts-fgpu\" counter drop comment \"guard: spoofed or not to uplink\"\n"
                "\t\toifname \"ts-fgpu\" ct state established,related accept comment \"replies\"\n"
                "\t\toifname \"ts-fgpu\" ct status dnat accept comment \"port forward\"\n"
                "\t\toifname \"ts-fgpu\" counter drop comment \"guard: no connections into the "
                "namespace\"\n"
                "\t}\n"
                "\n"
                "\tchain input {\n"
                "\t\ttype filter hook input priority filter; policy accept;\n"
                "\t\tiifname \"ts-fgpu\" ct state established,related accept comment \"replies\"\n"
                "\t\tiifname \"ts-fgpu\" counter drop comment \"guard: namespace cannot reach the host\"\n"
                "\t}\n"
                "}\n");
}

static void test_uplink(void **state)
{
        NatSpec s = spec_of("a-1_b", "10.200.0.8/30", 1234, "enp3s0.100", "ts-a-1_b");

        assert_ruleset(
                &s,
                "add table inet tsproxy-a-1_b\n"
                "delete table inet tsproxy-a-1_b\n"
                "table inet tsproxy-a-1_b {\n"
                "\tflags owner\n"
                "\n"
                "\tchain postrouting {\n"
                "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                "\t\tip saddr 10.200.0.8/30 oifname \"enp3s0.100\" counter masquerade comment "
                "\"masquerade\"\n"
                "\t}\n"
                "\n"
                "\tchain prerouting {\n"
                "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
                "\t\tiifname \"enp3s0.100\" meta nfproto ipv4 udp dport 1234 fib daddr type local counter "
                "dnat ip to 10.200.0.10 comment \"port forward\"\n"
                "\t}\n"
                "\n"
                "\tchain forward {\n"
                "\t\ttype filter hook forward priority filter; policy accept;\n"
                "\t\tiifname \"ts-a-1_b\" oifname \"tailscale*\" counter drop comment \"guard: no tailscale "
                "interface of the host\"\n"
                "\t\tiifname \"ts-a-1_b\" ip daddr 100.64.0.0/10 counter drop comment \"guard: no tailnet "
                "address\"\n"
                "\t\tiifname \"ts-a-1_b\" ip6 daddr fd7a:115c:a1e0::/48 counter drop comment \"guard: no "
                "tailnet address\"\n"
                "\t\tiifname \"ts-a-1_b\" ip saddr 10.200.0.10 oifname \"enp3s0.100\" accept comment "
                "\"namespace to uplink\"\n"
                "\t\tiifname \"ts-a-1_b\" counter drop comment \"guard: spoofed or not to uplink\"\n"
                "\t\toifname \"ts-a-1_b\" ct state established,related accept comment \"replies\"\n"
                "\t\toifname \"ts-a-1_b\" ct status dnat accept comment \"port forward\"\n"
                "\t\toifname \"ts-a-1_b\" counter drop comment \"guard: no connections into the "
                "namespace\"\n"
                "\t}\n"
                "\n"
                "\tchain input {\n"
                "\t\ttype filter hook input priority filter; policy accept;\n"
                "\t\tiifname \"ts-a-1_b\" ct state established,related accept comment \"replies\"\n"
                "\t\tiifname \"ts-a-1_b\" counter drop comment \"guard: namespace cannot reach the "
                "host\"\n"
                "\t}\n"
                "}\n");
}

/* /31 (RFC 3021): the namespace is the upper address. */
static void test_slash31(void **state)
{
        NatSpec s = spec_of("x", "192.168.77.6/31", 65535, "wan", "ts-x");
        _cleanup_free_ char *text = NULL;

        assert_int_equal(nft_ruleset_build(&s, &text), 0);
        assert_non_null(strstr(text, "\t\tip saddr 192.168.77.6/31 oifname \"wan\" counter masquerade"));
        assert_non_null(
                strstr(text, "udp dport 65535 fib daddr type local counter dnat ip to 192.168.77.7 "));
        assert_non_null(strstr(text, "iifname \"ts-x\" ip saddr 192.168.77.7 oifname \"wan\" accept"));
}

/* A host veth outside the ts- pattern is excluded from "any uplink" by name as well. */
static void test_custom_host_if(void **state)
{
        NatSpec s = spec_of("x", "10.200.0.4/30", 41642, NULL, "vx0");
        _cleanup_free_ char *text = NULL;

        assert_int_equal(nft_ruleset_build(&s, &text), 0);
        assert_non_null(strstr(text, "ip saddr 10.200.0.4/30 oifname != \"ts-*\" oifname != \"tailscale*\" "
                                     "oifname != \"vx0\" counter "
                                     "masquerade"));
        assert_non_null(strstr(text, "iifname != \"ts-*\" iifname != \"tailscale*\" iifname != \"vx0\" meta "
                                     "nfproto ipv4 udp dport"));
        assert_non_null(strstr(text, "iifname \"vx0\" ip saddr 10.200.0.6 oifname != \"ts-*\" oifname != "
                                     "\"tailscale*\" oifname != \"vx0\" "
                                     "accept"));
}

static void assert_rejected(const NatSpec *s)
{
        char *text = NULL;
        const char *reason = NULL;

        assert_int_equal(nft_ruleset_check(s, &reason), -EINVAL);
        assert_non_null(reason);
        assert_int_equal(nft_ruleset_build(s, &text), -EINVAL);
        assert_null(text);
}

static void test_invalid(void **state)
{
        NatSpec s;

        /* names */
        s = spec_of("Fgpu", "10.200.0.4/30", 1, NULL, "ts-x");
        assert_rejected(&s);
        s = spec_of("a-very-long-name", "10.200.0.4/30", 1, NULL, "ts-x");
        assert_rejected(&s);
        s = spec_of("x;y", "10.200.0.4/30", 1, NULL, "ts-x");
        assert_rejected(&s);
        s.name = NULL;
        assert_rejected(&s);
        /* subnets: wrong size, host bits, forbidden ranges */
        s = spec_of("x", "10.200.0.0/29", 1, NULL, "ts-x");
        assert_rejected(&s);
        s = spec_of("x", "10.200.0.4/32", 1, NULL, "ts-x");
        assert_rejected(&s);
        s = spec_of("x", "10.200.0.4/30", 1, NULL, "ts-x");
        s.subnet.network |= 1;
        assert_rejected(&s);
        s = spec_of("x", "127.0.0.4/30", 1, NULL, "ts-x");
        assert_rejected(&s);
        s = spec_of("x", "100.64.0.4/30", 1, NULL, "ts-x");
        assert_rejected(&s);
        /* port */
        s = spec_of("x", "10.200.0.4/30", 0, NULL, "ts-x");
        assert_rejected(&s);
        /* interface names: nothing may escape the quotes or become a wildcard */
        const char *bad_if[] = {
                "",     "0123456789abcdef", ".", "..", "a b", "a\"b", "a\\b", "eth*", "a/b", "a:1",
                "a\tb", "\xc3\xa9th0"};
        for (size_t i = 0; i < ELEMENTSOF(bad_if); i++) {
                s = spec_of("x", "10.200.0.4/30", 1, bad_if[i], "ts-x");
                assert_rejected(&s);
                s = spec_of("x", "10.200.0.4/30", 1, NULL, bad_if[i]);
                assert_rejected(&s);
        }
        s = spec_of("x", "10.200.0.4/30", 1, NULL, NULL);
        assert_rejected(&s);
        s = spec_of("x", "10.200.0.4/30", 1, "ts-x", "ts-x");
        assert_rejected(&s);
        /* the longest valid interface name is fine */
        s = spec_of("x", "10.200.0.4/30", 1, "0123456789abcde", "ts-x");
        assert_int_equal(nft_ruleset_check(&s, NULL), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_no_uplink), cmocka_unit_test(test_uplink),
                cmocka_unit_test(test_slash31),   cmocka_unit_test(test_custom_host_if),
                cmocka_unit_test(test_invalid),
        };
        return cmocka_run_group_tests_name("nft-ruleset", tests, NULL, NULL);
}
