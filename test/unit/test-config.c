/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-config: the configuration reader's parser and cross-instance assignment
 * (config-parse.c, config-keys.c, config-assign.c), on text, without files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

static void parse(InstanceConfig *c, Diagnostics *d, const char *name, const char *text)
{
        instance_config_init(c);
        memcpy(c->name, name, strlen(name) + 1);
        assert_int_equal(config_parse_text(c, "/etc/tsproxy/x.conf", text, d), 0);
}

static void test_values(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};
        char buf[SUBNET_STRLEN];

        parse(&c, &d, "a",
              "[Instance]\nAutoStart=no\nDescription=Lab\n[Namespace]\nSubnet=10.9.0.8/30\nUplink=eth1\n"
              "[Tailscale]\nPort=41700\nExtraArguments=--verbose=2\n");
        assert_int_equal(d.n, 0);
        assert_true(c.valid);
        assert_false(c.auto_start);
        assert_string_equal(c.description, "Lab");
        subnet_format(&c.subnet, buf);
        assert_string_equal(buf, "10.9.0.8/30");
        assert_true(c.subnet_explicit);
        assert_int_equal(c.subnet_at.line, 5);
        assert_string_equal(c.uplink, "eth1");
        assert_int_equal(c.ts_port, 41700);
        assert_string_equal(c.ts_extra_arguments, "--verbose=2");
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_reset_and_override(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a", "[Namespace]\nSubnet=10.9.0.8/30\nSubnet=\nUplink=eth0\nUplink=eth1\n");
        assert_int_equal(d.n, 0);
        assert_false(c.subnet_explicit);
        assert_string_equal(c.uplink, "eth1");
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_errors_name_line_and_key(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a", "[Tailscale]\n\nPort=99999\n");
        assert_false(c.valid);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.items[0].level, LOG_ERR);
        assert_int_equal(d.items[0].line, 3);
        assert_string_equal(d.items[0].key, "Port");
        assert_string_equal(d.items[0].file, "/etc/tsproxy/x.conf");
        assert_non_null(strstr(d.items[0].message, "Port=99999"));
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_unknown_is_a_warning(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a", "[Instance]\nFoo=1\n[Bar]\nX=1\nY=2\n");
        assert_true(c.valid);
        assert_int_equal(d.n, 2); /* the key, and the section once */
        assert_int_equal(d.items[0].level, LOG_WARNING);
        assert_int_equal(d.items[0].line, 2);
        assert_int_equal(d.items[1].line, 3);
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_indented_line_is_not_a_continuation(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a", "[Instance]\nDescription=x\n   AutoStart=no\n");
        assert_int_equal(d.n, 0);
        assert_string_equal(c.description, "x");
        assert_false(c.auto_start);
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_assign_conflicts_and_stability(void **state)
{
        InstanceConfig v[3];
        Diagnostics d = {};
        Subnet b_alone;

        parse(&v[0], &d, "a", "[Namespace]\nSubnet=10.9.0.8/30\n[Tailscale]\nPort=41700\n");
        parse(&v[1], &d, "b", "[Instance]\n");
        parse(&v[2], &d, "c", "[Namespace]\nSubnet=10.9.0.8/31\n");
        assert_int_equal(config_assign(&v[1], 1, &d), 0);
        b_alone = v[1].subnet;
        assert_int_equal(config_assign(v, 3, &d), 0);
        assert_true(v[0].valid);
        assert_true(v[1].valid);
        assert_false(v[2].valid); /* overlaps a, and sorts after it */
        assert_int_equal(d.n, 1);
        assert_string_equal(d.items[0].key, "Subnet");
        /* b's allocation does not depend on the other instances (no collision here). */
        assert_int_equal(v[1].subnet.network, b_alone.network);
        assert_int_equal(v[1].subnet.prefix, 30);
        assert_true(v[1].ts_port >= AUTO_PORT_FIRST && v[1].ts_port < AUTO_PORT_FIRST + AUTO_PORT_COUNT);
        for (size_t i = 0; i < 3; i++)
                instance_config_done(&v[i]);
        diagnostics_done(&d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_reset_and_override),
                cmocka_unit_test(test_errors_name_line_and_key),
                cmocka_unit_test(test_unknown_is_a_warning),
                cmocka_unit_test(test_indented_line_is_not_a_continuation),
                cmocka_unit_test(test_assign_conflicts_and_stability),
        };
        return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
