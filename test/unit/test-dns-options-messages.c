/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dns-options-messages: tsproxy-dns's command line (helpers/dns/options.c) beyond
 * what test-dns-options covers: --domain, --tailnet-domain, --upstream, --cache-size,
 * --timeout and the egress options accepted, each limit at its maximum and one past,
 * and the exact message printed for each refusal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "build-config.h"
#include "catch-output.h"
#include "ipnet.h"
#include "macro.h"
#include "options.h"

#define DOMAIN_RULES "(labels of letters, digits, '-' and '_', at most 63 bytes each and 253 in all)."

static int parse_argv(DnsOptions *o, CaughtOutput *out, int argc, char **argv)
{
        OutputCatch c;
        int r;

        catch_begin(&c);
        r = dns_options_parse(argc, argv, o);
        catch_end(&c, out);
        return r;
}

static int parse_list(DnsOptions *o, CaughtOutput *out, va_list ap)
{
        char *argv[32] = {(char *)"tsproxy-dns"};
        int argc = 1;

        for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
                argv[argc++] = a;
        return parse_argv(o, out, argc, argv);
}

/* One refused command line: -EINVAL and exactly this message (without its newline). */
static void refused(const char *message, ...)
{
        _cleanup_free_ DnsOptions *o = calloc(1, sizeof(DnsOptions));
        char expected[512];
        CaughtOutput out;
        va_list ap;
        int r;

        assert_non_null(o);
        va_start(ap, message);
        r = parse_list(o, &out, ap);
        va_end(ap);
        snprintf(expected, sizeof(expected), "%s\n", message);
        assert_int_equal(r, -EINVAL);
        assert_string_equal(out.err, expected);
}
#define assert_refused(message, ...) refused(message, __VA_ARGS__, NULL)
#define MSG(...)                     (snprintf(m, sizeof(m), __VA_ARGS__), m)

static void accepted(DnsOptions *o, ...)
{
        CaughtOutput out;
        va_list ap;
        int r;

        va_start(ap, o);
        r = parse_list(o, &out, ap);
        va_end(ap);
        assert_int_equal(r, 1);
        assert_string_equal(out.err, "");
}
#define assert_accepted(o, ...) accepted(o, __VA_ARGS__, NULL)

static void test_defaults(void **state)
{
        _cleanup_free_ DnsOptions *o = calloc(1, sizeof(DnsOptions));
        char buf[ENDPOINT_STRLEN];

        assert_non_null(o);
        assert_accepted(o, "lab");
        assert_string_equal(o->domain_text, "lab.");
        assert_int_equal(o->tailnet_domain.len, 0);
        endpoint_format((struct sockaddr *)&o->upstream, buf);
        assert_string_equal(buf, DNS_DEFAULT_UPSTREAM);
        assert_int_equal(o->cache_size, DNS_DEFAULT_CACHE_SIZE);
        assert_int_equal(o->timeout_msec, DNS_DEFAULT_TIMEOUT_MSEC);
        assert_int_equal(o->egress, EGRESS_TAILNET);
        assert_string_equal(o->egress_interface, "tailscale0");
}

static void test_accepted(void **state)
{
        _cleanup_free_ DnsOptions *o = calloc(1, sizeof(DnsOptions));
        char buf[ENDPOINT_STRLEN], n[32];

        assert_non_null(o);
        assert_accepted(o, "lab", "--domain", "Lab.Internal.", "--tailnet-domain", "TAIL1234.ts.net",
                        "--upstream", "[fd7a:115c:a1e0::53]:5353", "--cache-size", "0", "--timeout", "1",
                        "--egress", "any", "--egress-interface", "ts-lab0");
        assert_string_equal(o->domain_text, "lab.internal.");
        assert_string_equal(o->tailnet_domain_text, "tail1234.ts.net.");
        endpoint_format((struct sockaddr *)&o->upstream, buf);
        assert_string_equal(buf, "[fd7a:115c:a1e0::53]:5353");
        assert_int_equal(o->upstream_len, sizeof(struct sockaddr_in6));
        assert_int_equal(o->cache_size, 0);
        assert_int_equal(o->timeout_msec, 1);
        assert_int_equal(o->egress, EGRESS_ANY);
        assert_string_equal(o->egress_interface, "ts-lab0");

        /* The limits at their maximum. */
        snprintf(n, sizeof(n), "%u", DNS_CACHE_SIZE_MAX);
        assert_accepted(o, "lab", "--cache-size", n);
        assert_int_equal(o->cache_size, DNS_CACHE_SIZE_MAX);
        snprintf(n, sizeof(n), "%u", DNS_TIMEOUT_MSEC_MAX);
        assert_accepted(o, "lab", "--timeout", n);
        assert_int_equal(o->timeout_msec, DNS_TIMEOUT_MSEC_MAX);
        snprintf(n, sizeof(n), "%u", DNS_MAX_TCP_CLIENTS_MAX);
        assert_accepted(o, "lab", "--max-tcp-clients", n, "--max-tcp-per-source", n);
        assert_int_equal(o->max_tcp_clients, DNS_MAX_TCP_CLIENTS_MAX);
        assert_int_equal(o->max_tcp_per_source, DNS_MAX_TCP_CLIENTS_MAX);
        /* The longest domain: 253 bytes, labels of 63, 63, 63 and 61. */
        char longest[254];
        memset(longest, 'a', 253);
        longest[63] = longest[127] = longest[191] = '.';
        longest[253] = '\0';
        assert_accepted(o, "lab", "--tailnet-domain", longest);
        assert_int_equal(strlen(o->tailnet_domain_text), 254); /* with the final dot */
}

static void test_refused(void **state)
{
        char m[512], n[32], toolong[256], label64[80];

        /* Domains. */
        assert_refused("--domain: 'a b' is not a domain name " DOMAIN_RULES, "lab", "--domain", "a b");
        assert_refused("--domain: '.' is not a domain name " DOMAIN_RULES, "lab", "--domain", ".");
        assert_refused("--domain: '' is not a domain name " DOMAIN_RULES, "lab", "--domain", "");
        assert_refused("--domain: 'a..b' is not a domain name " DOMAIN_RULES, "lab", "--domain", "a..b");
        assert_refused("--tailnet-domain: 'ts.net/x' is not a domain name " DOMAIN_RULES, "lab",
                       "--tailnet-domain", "ts.net/x");
        memset(label64, 'a', 64);
        label64[64] = '\0';
        assert_refused(MSG("--tailnet-domain: '%s' is not a domain name " DOMAIN_RULES, label64), "lab",
                       "--tailnet-domain", label64);
        memset(toolong, 'a', 254);
        toolong[63] = toolong[127] = toolong[191] = '.';
        toolong[254] = '\0';
        assert_refused(MSG("--tailnet-domain: '%s' is not a domain name " DOMAIN_RULES, toolong), "lab",
                       "--tailnet-domain", toolong);
        /* --upstream */
        static const char *const upstreams[] = {"100.100.100.100", "100.100.100.100:0", "::1:53",
                                                "[::1]",           "magicdns:53",       "",
                                                "1.2.3.4:65536"};
        for (size_t i = 0; i < ELEMENTSOF(upstreams); i++)
                assert_refused(MSG("--upstream: '%s' is not A.B.C.D:PORT or [IPV6]:PORT.", upstreams[i]),
                               "lab", "--upstream", upstreams[i]);
        /* Numbers. */
        static const char *const bad[] = {"x", "", "+1", "-1", " 1", "0x10", "18446744073709551616"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_refused(MSG("--cache-size: '%s' is not a number 0..%u.", bad[i], DNS_CACHE_SIZE_MAX),
                               "lab", "--cache-size", bad[i]);
                assert_refused(MSG("--timeout: '%s' is not a number of milliseconds 1..%u.", bad[i],
                                   DNS_TIMEOUT_MSEC_MAX),
                               "lab", "--timeout", bad[i]);
                assert_refused(MSG("--max-tcp-clients: '%s' is not a number 1..%u.", bad[i],
                                   DNS_MAX_TCP_CLIENTS_MAX),
                               "lab", "--max-tcp-clients", bad[i]);
        }
        snprintf(n, sizeof(n), "%u", DNS_CACHE_SIZE_MAX + 1);
        assert_refused(MSG("--cache-size: '%s' is not a number 0..%u.", n, DNS_CACHE_SIZE_MAX), "lab",
                       "--cache-size", n);
        assert_refused(MSG("--timeout: '0' is not a number of milliseconds 1..%u.", DNS_TIMEOUT_MSEC_MAX),
                       "lab", "--timeout", "0");
        snprintf(n, sizeof(n), "%u", DNS_TIMEOUT_MSEC_MAX + 1);
        assert_refused(
                MSG("--timeout: '%s' is not a number of milliseconds 1..%u.", n, DNS_TIMEOUT_MSEC_MAX),
                "lab", "--timeout", n);
        snprintf(n, sizeof(n), "%u", DNS_MAX_TCP_CLIENTS_MAX + 1);
        assert_refused(MSG("--max-tcp-clients: '%s' is not a number 1..%u.", n, DNS_MAX_TCP_CLIENTS_MAX),
                       "lab", "--max-tcp-clients", n);
        assert_refused(MSG("--max-tcp-per-source: '0' is not a number 1..%u.", DNS_MAX_TCP_CLIENTS_MAX),
                       "lab", "--max-tcp-per-source", "0");
        /* Shared with the other daemons. */
        assert_refused("--allow-from: '10.0.0.1/8' is not an IPv4 or IPv6 network (host bits set).", "lab",
                       "--allow-from", "10.0.0.1/8");
        assert_refused("--allow-from: 'lab' is not an IPv4 or IPv6 network.", "lab", "--allow-from", "lab");
        assert_refused("--egress: 'internet' is neither 'tailnet' nor 'any'.", "lab", "--egress",
                       "internet");
        assert_refused("--egress-interface: 'a b' is not an interface name.", "lab", "--egress-interface",
                       "a b");
        /* The name. */
        assert_refused("Expected exactly one instance name (see --help).", "--timeout", "5");
        assert_refused("Expected exactly one instance name (see --help).", "a", "b");
        assert_refused(
                "'a/b' is not a valid instance name: the name may contain only a-z, 0-9, '-' and '_'.",
                "a/b");
        /* getopt_long(). */
        assert_refused("tsproxy-dns: unrecognized option '--listen'", "lab", "--listen");
        assert_refused("tsproxy-dns: option '--upstream' requires an argument", "lab", "--upstream");
        assert_refused("tsproxy-dns: invalid option -- 'd'", "lab", "-d", "x");
}

/* ALLOW_FROM_MAX networks are taken, one more is refused. */
static void test_allow_from_max(void **state)
{
        _cleanup_free_ DnsOptions *o = calloc(1, sizeof(DnsOptions));
        char *argv[2 + 2 * (ALLOW_FROM_MAX + 1) + 1], nets[ALLOW_FROM_MAX + 1][32], m[64];
        CaughtOutput out;
        int argc = 0;

        assert_non_null(o);
        argv[argc++] = (char *)"tsproxy-dns";
        argv[argc++] = (char *)"lab";
        for (int i = 0; i < ALLOW_FROM_MAX + 1; i++) {
                snprintf(nets[i], sizeof(nets[i]), "10.0.%d.0/24", i);
                argv[argc++] = (char *)"--allow-from";
                argv[argc++] = nets[i];
        }
        argv[argc] = NULL;
        assert_int_equal(parse_argv(o, &out, argc - 2, argv), 1);
        assert_int_equal(o->allow_from.n, ALLOW_FROM_MAX);
        assert_int_equal(parse_argv(o, &out, argc, argv), -EINVAL);
        assert_string_equal(out.err, MSG("--allow-from: more than %d networks.\n", ALLOW_FROM_MAX));
}

static void test_help_version(void **state)
{
        char *version[] = {(char *)"tsproxy-dns", (char *)"--version", NULL},
             *help[] = {(char *)"tsproxy-dns", (char *)"-h", NULL};
        _cleanup_free_ DnsOptions *o = calloc(1, sizeof(DnsOptions));
        CaughtOutput out;
        char m[64];

        assert_non_null(o);
        assert_int_equal(parse_argv(o, &out, 2, version), 0);
        assert_string_equal(out.out, "tsproxy-dns " PACKAGE_VERSION "\n");
        assert_int_equal(parse_argv(o, &out, 2, help), 0);
        assert_non_null(strstr(out.out, MSG("(default %u)", DNS_DEFAULT_TIMEOUT_MSEC)));
        assert_non_null(strstr(out.out, DNS_DEFAULT_UPSTREAM));
        assert_string_equal(out.err, "");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),     cmocka_unit_test(test_accepted),
                cmocka_unit_test(test_refused),      cmocka_unit_test(test_allow_from_max),
                cmocka_unit_test(test_help_version),
        };
        return cmocka_run_group_tests_name("tsproxy-dns command line messages", tests, NULL, NULL);
}
