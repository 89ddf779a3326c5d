/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-http-framing: the body-framing state machine (helpers/socks/http-body.c):
 * Content-Length, chunked with extensions and trailers, input in one piece and byte by
 * byte, where the next message starts, opaque data for splice, and the malformed chunked
 * bodies that smuggle (bare LF, whitespace, overflowing sizes, obs-fold in trailers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "http-body.h"

/* Feed s whole and byte by byte: both must say the body is `body` bytes (-1: an error). */
static void chunked(const char *s, long body)
{
        size_t len = strlen(s), used = 0, total = 0;
        HttpBody b;
        int r;

        http_body_init(&b, HTTP_FRAMING_CHUNKED, 0);
        r = http_body_feed(&b, (const uint8_t *)s, len, &used);
        if (body < 0) {
                if (r != -EBADMSG)
                        fail_msg("'%s': r=%d used=%zu, expected an error", s, r, used);
        } else if (r != 1 || used != (size_t)body)
                fail_msg("'%s': r=%d used=%zu, expected 1 and %ld", s, r, used, body);

        http_body_init(&b, HTTP_FRAMING_CHUNKED, 0);
        for (size_t i = 0; i < len; i++) {
                r = http_body_feed(&b, (const uint8_t *)s + i, 1, &used);
                total += used;
                if (r != 0)
                        break;
        }
        if (body < 0)
                assert_int_equal(r, -EBADMSG);
        else {
                assert_int_equal(r, 1);
                assert_int_equal(total, (size_t)body);
        }
}

static void test_length(void **state)
{
        HttpBody b;
        size_t used;

        (void)state;
        http_body_init(&b, HTTP_FRAMING_LENGTH, 5);
        assert_int_equal(http_body_opaque(&b), 5);
        assert_int_equal(http_body_feed(&b, (const uint8_t *)"hel", 3, &used), 0);
        assert_int_equal(used, 3);
        assert_int_equal(http_body_eof(&b), -EPIPE);
        assert_int_equal(http_body_feed(&b, (const uint8_t *)"loGET ", 6, &used), 1);
        assert_int_equal(used, 2);
        assert_true(http_body_done(&b));
        assert_int_equal(http_body_eof(&b), 0);
        assert_int_equal(http_body_feed(&b, (const uint8_t *)"x", 1, &used), 1);
        assert_int_equal(used, 0);

        http_body_init(&b, HTTP_FRAMING_LENGTH, 0);
        assert_true(http_body_done(&b));
        http_body_init(&b, HTTP_FRAMING_NONE, 0);
        assert_int_equal(http_body_feed(&b, (const uint8_t *)"GET", 3, &used), 1);
        assert_int_equal(used, 0);

        http_body_init(&b, HTTP_FRAMING_UNTIL_CLOSE, 0);
        assert_int_equal(http_body_feed(&b, (const uint8_t *)"abc", 3, &used), 0);
        assert_int_equal(used, 3);
        assert_int_equal(http_body_opaque(&b), UINT64_MAX);
        assert_int_equal(http_body_eof(&b), 0);

        /* a huge length is skipped in one step */
        http_body_init(&b, HTTP_FRAMING_LENGTH, UINT64_C(1) << 40);
        http_body_skip(&b, (UINT64_C(1) << 40) - 1);
        assert_int_equal(http_body_feed(&b, (const uint8_t *)"xy", 2, &used), 1);
        assert_int_equal(used, 1);
        assert_string_equal(http_framing_to_string(HTTP_FRAMING_CHUNKED), "chunked");
}

static void test_chunked_valid(void **state)
{
        (void)state;
        chunked("5\r\nhello\r\n0\r\n\r\n", 15);
        chunked("5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n", 15);
        chunked("0\r\n\r\n", 5);
        chunked("A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", 35);
        chunked("5;name=value\r\nhello\r\n0;x\r\n\r\n", 28);
        chunked("5 ;a\r\nhello\r\n0\t;b=\"q\"\r\n\r\n", 25);
        chunked("0000000000000000005\r\nhello\r\n0\r\n\r\n", 33);
        chunked("0\r\nX-Trailer: 1\r\nY:\r\n\r\n", 23);
}

static void test_chunked_invalid(void **state)
{
        char line[HTTP_CHUNK_LINE_MAX + 16];

        (void)state;
        chunked("5\nhello\r\n0\r\n\r\n", -1);    /* bare LF after the size */
        chunked("5\r\nhello\n0\r\n\r\n", -1);    /* bare LF after the data */
        chunked("5\r\nhelloX\r\n0\r\n\r\n", -1); /* data longer than said */
        chunked("5\r\nhell\r\n0\r\n\r\n", -1);   /* shorter */
        chunked("\r\nhello\r\n", -1);            /* no size */
        chunked("g\r\n", -1);                    /* not hex */
        chunked("-5\r\n", -1);
        chunked("0x5\r\n", -1);
        chunked("5 \r\nhello\r\n", -1); /* whitespace without an extension */
        chunked(" 5\r\nhello\r\n", -1);
        chunked("5;a\rb\r\nhello\r\n", -1); /* bare CR in an extension */
        chunked("5;a\x01\r\nhello\r\n", -1);
        chunked("10000000000000000\r\n", -1);   /* 2^64: overflow */
        chunked("1000000000000000\r\n", -1);    /* 2^60 */
        chunked("0\r\nX: 1\r\n 2\r\n\r\n", -1); /* obs-fold in a trailer */
        chunked("0\r\nno colon\r\n\r\n", -1);
        chunked("0\r\n: x\r\n\r\n", -1);
        chunked("0\r\nX: 1\n\r\n", -1);
        chunked("0\r\n\n", -1);
        chunked("0\r\n\r\r", -1);

        memset(line, 'a', sizeof(line));
        memcpy(line, "5;", 2);
        line[sizeof(line) - 1] = '\0';
        chunked(line, -1); /* an endless extension */
}

static void test_chunked_opaque(void **state)
{
        HttpBody b;
        size_t used;

        (void)state;
        http_body_init(&b, HTTP_FRAMING_CHUNKED, 0);
        assert_int_equal(http_body_opaque(&b), 0);
        assert_int_equal(http_body_feed(&b, (const uint8_t *)"fffffffffffffff\r\n", 17, &used), 0);
        assert_int_equal(used, 17);
        assert_int_equal(http_body_opaque(&b), (UINT64_C(1) << 60) - 1);
        http_body_skip(&b, (UINT64_C(1) << 60) - 3);
        assert_int_equal(http_body_opaque(&b), 2);
        assert_int_equal(http_body_feed(&b, (const uint8_t *)"ab\r\n0\r\n\r\nnext", 13, &used), 1);
        assert_int_equal(used, 9);
        assert_int_equal(http_body_eof(&b), 0);

        http_body_init(&b, HTTP_FRAMING_CHUNKED, 0);
        assert_int_equal(http_body_feed(&b, (const uint8_t *)"5\r\nhel", 6, &used), 0);
        assert_int_equal(http_body_eof(&b), -EPIPE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_length),
                cmocka_unit_test(test_chunked_valid),
                cmocka_unit_test(test_chunked_invalid),
                cmocka_unit_test(test_chunked_opaque),
        };
        return cmocka_run_group_tests_name("http-framing", tests, NULL, NULL);
}
