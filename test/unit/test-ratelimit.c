/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ratelimit: one message per interval, and the count of the ones left out in the
 * next (helpers/lib/ratelimit.c), as tsproxy-dns logs accept() failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ratelimit.h"

static void test_one_per_interval(void **state)
{
        RateLimit rl = RATELIMIT_INIT(1000);
        uint64_t suppressed = 99;
        unsigned logged = 0;

        assert_true(ratelimit_below(&rl, 5000, &suppressed));
        assert_int_equal(suppressed, 0);
        /* 35,000 failures within the interval: none more goes out. */
        for (unsigned i = 0; i < 35000; i++)
                logged += ratelimit_below(&rl, 5000 + i % 1000, &suppressed);
        assert_int_equal(logged, 0);
        assert_true(ratelimit_below(&rl, 6000, &suppressed));
        assert_int_equal(suppressed, 35000);
        assert_false(ratelimit_below(&rl, 6999, &suppressed));
        assert_true(ratelimit_below(&rl, 9000, &suppressed));
        assert_int_equal(suppressed, 1);
}

static void test_time_zero(void **state)
{
        RateLimit rl = RATELIMIT_INIT(1000);
        uint64_t suppressed;

        /* A clock that reads 0 at first still limits. */
        assert_true(ratelimit_below(&rl, 0, &suppressed));
        assert_false(ratelimit_below(&rl, 10, &suppressed));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_one_per_interval),
                cmocka_unit_test(test_time_zero),
        };
        return cmocka_run_group_tests_name("log rate limit", tests, NULL, NULL);
}
