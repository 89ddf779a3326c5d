/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-base64: the strict base64 decoder (base64.c) used for HTTP Basic credentials. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "base64.h"

static void check(const char *in, const char *expected)
{
        uint8_t buf[64];
        int k = base64_decode(in, strlen(in), buf, sizeof(buf));

        assert_int_equal(k, (int)strlen(expected));
        assert_memory_equal(buf, expected, strlen(expected));
}

static void test_rfc4648_vectors(void **state)
{
        check("", "");
        check("Zg==", "f");
        check("Zm8=", "fo");
        check("Zm9v", "foo");
        check("Zm9vYg==", "foob");
        check("Zm9vYmE=", "fooba");
        check("Zm9vYmFy", "foobar");
        check("dXNlcjpwYXNz", "user:pass");
        check("+/+/", "\xfb\xff\xbf");
}

static void test_refused(void **state)
{
        static const char *const bad[] = {
                "Zg",               /* no padding */
                "Zg=",              /* short padding */
                "Zh==",             /* non-zero unused bits */
                "Zm9=",             /* non-zero unused bits */
                "Z===",             /* too much padding */
                "Zg==Zg==",         /* padding in the middle */
                "Zm=v",             /* data after '=' */
                "Zm9 ",             /* whitespace */
                "Zm9\n",    "Zm9-", /* URL-safe alphabet */
                "Zm9_",     "====",
        };
        uint8_t buf[16];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(base64_decode(bad[i], strlen(bad[i]), buf, sizeof(buf)), -EINVAL);
}

static void test_output_bounds(void **state)
{
        uint8_t buf[6] = {0};

        assert_int_equal(base64_decode("Zm9vYmFy", 8, buf, 5), -ENOBUFS);
        assert_int_equal(base64_decode("Zm9vYg==", 8, buf, 3), -ENOBUFS);
        assert_int_equal(base64_decode("Zm9vYg==", 8, buf, 4), 4);
        assert_int_equal(base64_decode("Zg==", 4, buf, 0), -ENOBUFS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rfc4648_vectors),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_output_bounds),
        };
        return cmocka_run_group_tests_name("base64", tests, NULL, NULL);
}
