/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-config-allow-from: AllowFrom= of [Forward] and [DNS] (config-keys.c), read by the
 * same parser as [SOCKS] AllowFrom=: each section its own list, an empty value resets it,
 * host bits and syntax are errors with file:line:key, at most ALLOW_FROM_MAX networks.
 * Apart from test-config.c so that the two can change independently.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

static void parse(InstanceConfig *c, Diagnostics *d, const char *text)
{
        instance_config_init(c);
        memcpy(c->name, "a", 2);
        assert_int_equal(config_parse_text(c, "/etc/tsproxy/a.conf", text, d), 0);
}

static void test_sections_apart(void **state)
{
        char buf[IPNET_STRLEN];
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d,
              "[SOCKS]\nAllowFrom=10.0.0.0/8\n"
              "[Forward]\nAllowFrom=127.0.0.2/32\nAllowFrom=2001:db8::/32\nAllowFrom=127.0.0.2\n"
              "[DNS]\nAllowFrom=192.0.2.0/24\nAllowFrom=\nAllowFrom=198.51.100.7\n");
        assert_int_equal(d.n, 0);
        assert_true(c.valid);
        assert_int_equal(c.socks.n_allow_from, 1);
        assert_int_equal(c.n_forward_allow_from, 2); /* the repeated one is listed once */
        ipnet_format(&c.forward_allow_from[0], buf);
        assert_string_equal(buf, "127.0.0.2/32");
        ipnet_format(&c.forward_allow_from[1], buf);
        assert_string_equal(buf, "2001:db8::/32");
        assert_int_equal(c.dns.n_allow_from, 1); /* the empty value reset it */
        ipnet_format(&c.dns.allow_from[0], buf);
        assert_string_equal(buf, "198.51.100.7/32");
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_unset_is_default(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "[Forward]\nForward=127.0.0.1:2222 100.64.0.1:22\n[DNS]\nListen=127.0.0.1:53\n");
        assert_int_equal(d.n, 0);
        assert_int_equal(c.n_forward_allow_from, 0);
        assert_null(c.forward_allow_from);
        assert_int_equal(c.dns.n_allow_from, 0);
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_errors(void **state)
{
        static const struct {
                const char *text, *message;
                unsigned line;
        } cases[] = {
                {"[Forward]\nAllowFrom=10.0.0.1/8\n", "the network is 10.0.0.0/8", 2},
                {"[DNS]\n\nAllowFrom=fgpu\n", "CIDR", 3},
                {"[DNS]\nAllowFrom=10.0.0.0/33\n", "CIDR", 2},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                InstanceConfig c;
                Diagnostics d = {};

                parse(&c, &d, cases[i].text);
                assert_false(c.valid);
                assert_int_equal(d.n, 1);
                assert_int_equal(d.items[0].line, cases[i].line);
                assert_string_equal(d.items[0].key, "AllowFrom");
                assert_non_null(strstr(d.items[0].message, cases[i].message));
                instance_config_done(&c);
                diagnostics_done(&d);
        }
}

static void test_at_most_max(void **state)
{
        char *text = malloc(16 + (ALLOW_FROM_MAX + 1) * 32), *p = text;
        InstanceConfig c;
        Diagnostics d = {};

        assert_non_null(text);
        p += sprintf(p, "[DNS]\n");
        for (int i = 0; i <= ALLOW_FROM_MAX; i++)
                p += sprintf(p, "AllowFrom=10.0.%d.0/24\n", i);
        parse(&c, &d, text);
        assert_false(c.valid);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.items[0].line, ALLOW_FROM_MAX + 2);
        assert_non_null(strstr(d.items[0].message, "more than 64 networks"));
        instance_config_done(&c);
        diagnostics_done(&d);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sections_apart),
                cmocka_unit_test(test_unset_is_default),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_at_most_max),
        };
        return cmocka_run_group_tests_name("AllowFrom= of [Forward] and [DNS]", tests, NULL, NULL);
}
