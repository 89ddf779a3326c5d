/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-parse-number.c: strict decimal parsing (helpers/lib/parse-number.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "parse-number.h"

static void test_unsigned(void **state)
{
        uint64_t v = 7;

        (void)state;
        assert_int_equal(parse_unsigned("0", 10, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(parse_unsigned("4096", 1000000, &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(parse_unsigned("18446744073709551615", UINT64_MAX, &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(parse_unsigned("18446744073709551616", UINT64_MAX, &v), -ERANGE);
        assert_int_equal(parse_unsigned("11", 10, &v), -ERANGE);
        v = 7;
        assert_int_equal(parse_unsigned("", 10, &v), -EINVAL);
        assert_int_equal(parse_unsigned(NULL, 10, &v), -EINVAL);
        assert_int_equal(parse_unsigned("-1", 10, &v), -EINVAL);
        assert_int_equal(parse_unsigned("+1", 10, &v), -EINVAL);
        assert_int_equal(parse_unsigned(" 1", 10, &v), -EINVAL);
        assert_int_equal(parse_unsigned("1 ", 10, &v), -EINVAL);
        assert_int_equal(parse_unsigned("0x1", 10, &v), -EINVAL);
        assert_int_equal(v, 7); /* untouched on failure */
}

static void test_port(void **state)
{
        uint16_t p = 7;

        (void)state;
        assert_int_equal(parse_port("1", &p), 0);
        assert_int_equal(p, 1);
        assert_int_equal(parse_port("65535", &p), 0);
        assert_int_equal(p, 65535);
        assert_int_equal(parse_port("0", &p), -ERANGE);
        assert_int_equal(parse_port("65536", &p), -ERANGE);
        assert_int_equal(parse_port("http", &p), -EINVAL);
        assert_int_equal(p, 65535);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unsigned),
                cmocka_unit_test(test_port),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
