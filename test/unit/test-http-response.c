/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-http-response: the upstream response parser of the HTTP forward proxy
 * (helpers/socks/http-response.c): the head for the client (our status line version,
 * hop-by-hop fields gone, Via, Connection), body framing by RFC 9112 section 6.3, 1xx,
 * and the responses refused as smuggling or nonsense.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "http-response.h"

static char out[HTTP_UPSTREAM_HEAD_MAX];

static HttpRequest request(bool head, bool keep_alive, unsigned minor)
{
        return (HttpRequest){.is_head = head, .keep_alive = keep_alive, .version_minor = minor};
}

static int parse(const char *s, const HttpRequest *req, HttpResponse *resp)
{
        size_t scanned = 0;

        memset(out, 0, sizeof(out));
        return http_response_parse((const uint8_t *)s, strlen(s), &scanned, req, resp, out, sizeof(out));
}

static void refused(const char *s, const HttpRequest *req, const char *why)
{
        HttpResponse resp;
        int r = parse(s, req, &resp);

        if (r >= 0 || !resp.reason || !strstr(resp.reason, why))
                fail_msg("response '%s': r=%d reason=%s, expected '%s'", s, r,
                         resp.reason ? resp.reason : "(null)", why);
}

static void test_rewrite(void **state)
{
        HttpRequest req = request(false, true, 1);
        const char *s = "HTTP/1.1 200 OK\r\n"
                        "Content-Length: 3\r\n"
                        "Connection: keep-alive, X-A\r\n"
                        "X-A: 1\r\n"
                        "Keep-Alive: timeout=5\r\n"
                        "Proxy-Authenticate: Basic\r\n"
                        "Upgrade: h2\r\n"
                        "Server: s\r\n"
                        "\r\nabc";
        HttpResponse resp;

        (void)state;
        assert_int_equal(parse(s, &req, &resp), 1);
        assert_int_equal(resp.status, 200);
        assert_int_equal(resp.framing, HTTP_FRAMING_LENGTH);
        assert_int_equal(resp.content_length, 3);
        assert_true(resp.keep_alive);
        assert_false(resp.informational);
        assert_int_equal(resp.head_len, strlen(s) - 3);
        assert_string_equal(out,
                            "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 3\r\nVia: 1.1 tsproxy\r\n\r\n");
        assert_int_equal(resp.client_len, strlen(out));

        /* an HTTP/1.0 upstream, an HTTP/1.0 client that keeps its connection */
        req = request(false, true, 0);
        assert_int_equal(parse("HTTP/1.0 404 Not Found\nContent-Length: 0\n\n", &req, &resp), 1);
        assert_string_equal(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nVia: 1.0 tsproxy\r\n"
                                 "Connection: keep-alive\r\n\r\n");
        /* the client asked to close */
        req = request(false, false, 1);
        assert_int_equal(parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", &req, &resp), 1);
        assert_false(resp.keep_alive);
        assert_string_equal(
                out, "HTTP/1.1 200 \r\nContent-Length: 0\r\nVia: 1.1 tsproxy\r\nConnection: close\r\n\r\n");
}

/* Whether the upstream connection may carry the next request (http-pool.h). */
static void test_reusable(void **state)
{
        HttpRequest req = request(false, true, 1), old = request(false, true, 0);
        HttpResponse resp;

        (void)state;
        assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", &req, &resp), 1);
        assert_true(resp.reusable);
        assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &req, &resp), 1);
        assert_true(resp.reusable);
        assert_int_equal(parse("HTTP/1.1 204 No Content\r\n\r\n", &req, &resp), 1);
        assert_true(resp.reusable);
        /* the upstream closes: after the body, or said so */
        assert_int_equal(parse("HTTP/1.1 200 OK\r\n\r\n", &req, &resp), 1);
        assert_false(resp.reusable);
        assert_int_equal(
                parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", &req, &resp), 1);
        assert_false(resp.reusable);
        /* HTTP/1.0 on either side */
        assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", &req, &resp), 1);
        assert_false(resp.reusable);
        assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", &old, &resp), 1);
        assert_false(resp.reusable);
}

static void test_framing(void **state)
{
        HttpRequest req = request(false, true, 1), head = request(true, true, 1);
        HttpResponse resp;

        (void)state;
        assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &req, &resp), 1);
        assert_int_equal(resp.framing, HTTP_FRAMING_CHUNKED);
        assert_true(resp.keep_alive);
        assert_non_null(strstr(out, "Transfer-Encoding: chunked\r\n"));

        assert_int_equal(parse("HTTP/1.1 200 OK\r\n\r\n", &req, &resp), 1);
        assert_int_equal(resp.framing, HTTP_FRAMING_UNTIL_CLOSE);
        assert_false(resp.keep_alive);
        assert_non_null(strstr(out, "Connection: close\r\n"));

        assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", &req, &resp), 1);
        assert_int_equal(resp.framing, HTTP_FRAMING_UNTIL_CLOSE);

        /* no body: HEAD, 204, 304; the length of what GET would get is passed on */
        assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", &head, &resp), 1);
        assert_int_equal(resp.framing, HTTP_FRAMING_NONE);
        assert_true(resp.keep_alive);
        assert_non_null(strstr(out, "Content-Length: 100\r\n"));
        assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &head, &resp), 1);
        assert_int_equal(resp.framing, HTTP_FRAMING_NONE);
        assert_int_equal(parse("HTTP/1.1 204 No Content\r\n\r\n", &req, &resp), 1);
        assert_int_equal(resp.framing, HTTP_FRAMING_NONE);
        assert_true(resp.keep_alive);
        assert_int_equal(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n", &req, &resp), 1);
        assert_int_equal(resp.framing, HTTP_FRAMING_NONE);
        assert_non_null(strstr(out, "Content-Length: 7\r\n"));

        refused("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", &req, "both");
        refused("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", &req, "differing");
        refused("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", &req, "Content-Length");
        refused("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &req, "HTTP/1.0");
        req = request(false, true, 0);
        refused("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &req, "HTTP/1.0 client");
}

static void test_informational(void **state)
{
        HttpRequest req = request(false, true, 1), old = request(false, true, 0);
        HttpResponse resp;

        (void)state;
        assert_int_equal(parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", &req, &resp), 1);
        assert_true(resp.informational);
        assert_int_equal(resp.framing, HTTP_FRAMING_NONE);
        assert_int_equal(resp.head_len, strlen("HTTP/1.1 100 Continue\r\n\r\n"));
        assert_string_equal(out, "HTTP/1.1 100 Continue\r\nVia: 1.1 tsproxy\r\n\r\n");
        assert_int_equal(parse("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", &old, &resp), 1);
        assert_true(resp.informational);
        assert_int_equal(resp.client_len, 0); /* not for an HTTP/1.0 client */
        refused("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", &req, "switched");
}

static void test_status_line(void **state)
{
        HttpRequest req = request(false, true, 1);
        HttpResponse resp;
        size_t scanned = 0;
        const char *s = "HTTP/1.1 200 OK\r\nA: b\r\n\r\n";

        (void)state;
        refused("HTTP/2 200 OK\r\n\r\n", &req, "HTTP/1.x");
        refused("HTTP/1.1 20 OK\r\n\r\n", &req, "status");
        refused("HTTP/1.1 200OK\r\n\r\n", &req, "status line");
        refused("HTTP/1.1 099 X\r\n\r\n", &req, "status");
        refused("SSH-2.0-OpenSSH\r\n\r\n", &req, "HTTP/1.x");
        refused("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", &req, "folding");
        refused("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", &req, "bare CR");
        refused("HTTP/1.1 200 OK\x01\r\n\r\n", &req, "control");
        for (size_t n = 1; n < strlen(s); n++)
                assert_int_equal(
                        http_response_parse((const uint8_t *)s, n, &scanned, &req, &resp, out, sizeof(out)),
                        0);
        assert_int_equal(
                http_response_parse((const uint8_t *)s, strlen(s), &scanned, &req, &resp, out, sizeof(out)),
                1);
        /* out too small */
        scanned = 0;
        assert_int_equal(http_response_parse((const uint8_t *)s, strlen(s), &scanned, &req, &resp, out, 10),
                         -ENOBUFS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rewrite),     cmocka_unit_test(test_reusable),
                cmocka_unit_test(test_framing),     cmocka_unit_test(test_informational),
                cmocka_unit_test(test_status_line),
        };
        return cmocka_run_group_tests_name("http-response", tests, NULL, NULL);
}
