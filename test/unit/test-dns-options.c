/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dns-options: tsproxy-dns's command line (helpers/dns/options.c): the defaults,
 * --allow-from (the shared default of allow-from.h when none is given, exactly the
 * networks given otherwise), the TCP limits, and what is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "macro.h"
#include "options.h"

static int parse(DnsOptions *o, ...)
{
        char *argv[32] = {"tsproxy-dns"};
        int argc = 1;
        va_list ap;

        va_start(ap, o);
        for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
                argv[argc++] = a;
        va_end(ap);
        fflush(stderr);
        return dns_options_parse(argc, argv, o);
}

static bool allowed(const DnsOptions *o, const char *ip)
{
        struct sockaddr_storage ss = {};

        if (strchr(ip, ':')) {
                ss.ss_family = AF_INET6;
                inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&ss)->sin6_addr);
        } else {
                ss.ss_family = AF_INET;
                inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr);
        }
        return allow_from_contains(&o->allow_from, (struct sockaddr *)&ss);
}

static void test_defaults(void **state)
{
        DnsOptions o;

        assert_int_equal(parse(&o, "fgpu", NULL), 1);
        assert_string_equal(o.domain_text, "fgpu.");
        assert_int_equal(o.max_tcp_clients, DNS_DEFAULT_MAX_TCP_CLIENTS);
        assert_int_equal(o.max_tcp_per_source, DNS_DEFAULT_MAX_TCP_PER_SOURCE);
        assert_int_equal(o.allow_from.n, 4);
        assert_true(allowed(&o, "100.64.0.1"));
        assert_true(allowed(&o, "100.127.255.254"));
        assert_true(allowed(&o, "fd7a:115c:a1e0::9"));
        assert_true(allowed(&o, "127.0.0.1"));
        assert_true(allowed(&o, "::1"));
        assert_true(allowed(&o, "::ffff:127.0.0.1"));
        assert_false(allowed(&o, "100.128.0.1"));
        assert_false(allowed(&o, "192.0.2.1"));
        assert_false(allowed(&o, "2001:db8::1"));
}

static void test_allow_from(void **state)
{
        DnsOptions o;

        assert_int_equal(
                parse(&o, "fgpu", "--allow-from", "127.0.0.2/32", "--allow-from", "192.0.2.0/24", NULL), 1);
        assert_int_equal(o.allow_from.n, 2);
        assert_false(allowed(&o, "127.0.0.1"));
        assert_true(allowed(&o, "127.0.0.2"));
        assert_true(allowed(&o, "192.0.2.200"));
        assert_false(allowed(&o, "100.64.0.1"));
}

static void test_tcp_limits(void **state)
{
        DnsOptions o;

        assert_int_equal(parse(&o, "fgpu", "--max-tcp-clients", "10", "--max-tcp-per-source", "3", NULL), 1);
        assert_int_equal(o.max_tcp_clients, 10);
        assert_int_equal(o.max_tcp_per_source, 3);
}

static void test_invalid(void **state)
{
        static const char *const bad[][2] = {
                {"--allow-from", ""},          {"--allow-from", "10.0.0.1/8"},
                {"--allow-from", "::1/129"},   {"--allow-from", "fgpu"},
                {"--max-tcp-per-source", "0"}, {"--max-tcp-per-source", "65537"},
                {"--max-tcp-per-source", "x"}, {"--max-tcp-clients", "0"},
        };
        DnsOptions o;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(parse(&o, "fgpu", bad[i][0], bad[i][1], NULL), -EINVAL);
        assert_int_equal(parse(&o, NULL), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_allow_from),
                cmocka_unit_test(test_tcp_limits),
                cmocka_unit_test(test_invalid),
        };
        return cmocka_run_group_tests_name("tsproxy-dns command line", tests, NULL, NULL);
}
