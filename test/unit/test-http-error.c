/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-http-error: the error replies of the HTTP proxy (helpers/socks/http-error.c): a
 * text body naming the instance, target and reason, the extra fields of 405 and 407,
 * HEAD, hostile text, truncation and a too small buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "http-error.h"

static void test_bad_gateway(void **state)
{
        char buf[HTTP_ERROR_MAX], reason[64];
        const char *body =
                "tsproxy (instance fgpu): cannot connect to gpu-node.fgpu:80: connection refused\n";
        int k;

        (void)state;
        assert_string_equal(http_error_reason(-ECONNREFUSED, reason, sizeof(reason)), "connection refused");
        k = http_error_format(buf, sizeof(buf), http_error_status(-ECONNREFUSED), "fgpu", "gpu-node.fgpu:80",
                              reason, false);
        assert_true(k > 0);
        assert_int_equal((size_t)k, strlen(buf));
        assert_string_equal(
                buf, "HTTP/1.1 502 Bad Gateway\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: 80\r\n"
                     "Connection: close\r\n\r\n"
                     "tsproxy (instance fgpu): cannot connect to gpu-node.fgpu:80: connection refused\n");
        assert_int_equal(strlen(body), 80);
}

static void test_statuses(void **state)
{
        char buf[HTTP_ERROR_MAX];

        (void)state;
        assert_int_equal(http_error_status(-ETIMEDOUT), 504);
        assert_int_equal(http_error_status(-EACCES), 403);
        assert_int_equal(http_error_status(-EPERM), 403);
        assert_int_equal(http_error_status(-EHOSTUNREACH), 502);

        assert_true(http_error_format(buf, sizeof(buf), 504, "fgpu", "h:80", "connection timed out", false) >
                    0);
        assert_non_null(strstr(buf, "HTTP/1.1 504 Gateway Timeout\r\n"));
        assert_non_null(strstr(
                buf,
                "\r\n\r\ntsproxy (instance fgpu): timed out connecting to h:80: connection timed out\n"));
        assert_true(http_error_format(buf, sizeof(buf), 403, "fgpu", "h:80", "Egress= does not allow it",
                                      false) > 0);
        assert_non_null(strstr(buf, "not allowed to connect to h:80: Egress= does not allow it\n"));
        assert_true(http_error_format(buf, sizeof(buf), 407, "fgpu", NULL, NULL, false) > 0);
        assert_non_null(strstr(buf, "Proxy-Authenticate: Basic realm=\"tsproxy\"\r\n"));
        assert_non_null(strstr(buf, "tsproxy (instance fgpu): Proxy Authentication Required\n"));
        assert_true(http_error_format(buf, sizeof(buf), 405, "fgpu", NULL, "x", false) > 0);
        assert_non_null(strstr(buf, "Allow: GET, HEAD\r\n"));
        assert_true(http_error_format(buf, sizeof(buf), 400, "fgpu", NULL, "a bare CR", false) > 0);
        assert_true(strstr(buf, "\r\n\r\ntsproxy (instance fgpu): a bare CR\n") != NULL);
}

static void test_head_hostile_bounds(void **state)
{
        char buf[HTTP_ERROR_MAX], longtext[2000];
        int k;

        (void)state;
        k = http_error_format(buf, sizeof(buf), 502, "fgpu", "h:80", "refused", true);
        assert_true(k > 0);
        assert_non_null(strstr(buf, "Content-Length: 57\r\n"));
        assert_int_equal(buf[k - 1], '\n');
        assert_int_equal(buf[k - 2], '\r'); /* ends with the head */

        k = http_error_format(buf, sizeof(buf), 502, "fgpu", "evil\r\nSet-Cookie: x:80", "a\x1b[31m", false);
        assert_true(k > 0);
        assert_null(strstr(buf, "\r\nSet-Cookie"));
        assert_non_null(strstr(buf, "evil??Set-Cookie: x:80: a?[31m\n"));

        memset(longtext, 'x', sizeof(longtext) - 1);
        longtext[sizeof(longtext) - 1] = '\0';
        k = http_error_format(buf, sizeof(buf), 502, "fgpu", longtext, longtext, false);
        assert_true(k > 0);
        assert_non_null(strstr(buf, "Content-Length: 512\r\n"));
        assert_int_equal(http_error_format(buf, 50, 502, "fgpu", "h:80", "refused", false), -ENOBUFS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bad_gateway),
                cmocka_unit_test(test_statuses),
                cmocka_unit_test(test_head_hostile_bounds),
        };
        return cmocka_run_group_tests_name("http-error", tests, NULL, NULL);
}
