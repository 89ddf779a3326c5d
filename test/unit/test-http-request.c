/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-http-request: the request parser of the HTTP forward proxy
 * (helpers/socks/http-request.c, http-head.c): absolute-form targets, the rewritten head
 * (hop-by-hop fields gone, Host from the URI, Via), keep-alive, credentials, body
 * framing and the smuggling cases RFC 9112 says to refuse, /proxy.pac, CONNECT,
 * incremental input and the size limit.
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
#include <cmocka.h>

#include "http-head.h"
#include "http-request.h"

static char out[HTTP_UPSTREAM_HEAD_MAX];

static int parse(const char *s, HttpRequest *req)
{
        size_t scanned = 0;

        memset(out, 0, sizeof(out));
        return http_request_parse((const uint8_t *)s, strlen(s), &scanned, req, out, sizeof(out));
}

/* A request that must be refused with status, for reason containing `why`. */
static void refused(const char *s, int status, const char *why)
{
        HttpRequest req;
        int r = parse(s, &req);

        if (r >= 0 || req.status != status || (why && (!req.reason || !strstr(req.reason, why))))
                fail_msg("request '%s': r=%d status=%d reason=%s, expected %d '%s'", s, r, req.status,
                         req.reason ? req.reason : "(null)", status, why ? why : "");
}

static void test_forward_rewrite(void **state)
{
        const char *s = "GET http://gpu-node.fgpu/x?y HTTP/1.1\r\n"
                        "Host: wrong.example\r\n"
                        "User-Agent: a\r\n"
                        "Connection: keep-alive, X-Foo\r\n"
                        "X-Foo: 1\r\n"
                        "x-foo: 2\r\n"
                        "Proxy-Connection: keep-alive\r\n"
                        "Keep-Alive: 5\r\n"
                        "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n"
                        "TE: trailers\r\n"
                        "Trailer: X\r\n"
                        "Upgrade: h2c\r\n"
                        "Proxy-Authenticate: x\r\n"
                        "Accept: */*\r\n"
                        "\r\n"
                        "BODY";
        HttpRequest req;

        (void)state;
        assert_int_equal(parse(s, &req), 1);
        assert_int_equal(req.kind, HTTP_REQUEST_FORWARD);
        assert_string_equal(req.method, "GET");
        assert_false(req.is_head);
        assert_int_equal(req.target.family, AF_UNSPEC);
        assert_string_equal(req.target.name, "gpu-node.fgpu");
        assert_int_equal(req.target.port, 80);
        assert_true(req.keep_alive);
        assert_true(req.have_credentials);
        assert_string_equal(req.user, "user");
        assert_string_equal(req.password, "pass");
        assert_int_equal(req.framing, HTTP_FRAMING_NONE);
        assert_int_equal(req.head_len, strlen(s) - 4);
        assert_string_equal(out, "GET /x?y HTTP/1.1\r\n"
                                 "Host: gpu-node.fgpu\r\n"
                                 "User-Agent: a\r\n"
                                 "Accept: */*\r\n"
                                 "Via: 1.1 tsproxy\r\n"
                                 "Connection: keep-alive\r\n\r\n");
        assert_int_equal(req.upstream_len, strlen(out));
        http_request_done(&req);
        assert_string_equal(req.password, "");
}

static void test_forward_targets(void **state)
{
        HttpRequest req;

        (void)state;
        assert_int_equal(parse("GET http://[fd7a:115c:a1e0::1]:8080/p HTTP/1.1\r\n\r\n", &req), 1);
        assert_int_equal(req.target.family, AF_INET6);
        assert_int_equal(req.target.port, 8080);
        assert_string_equal(out, "GET /p HTTP/1.1\r\nHost: [fd7a:115c:a1e0::1]:8080\r\n"
                                 "Via: 1.1 tsproxy\r\nConnection: keep-alive\r\n\r\n");

        assert_int_equal(parse("GET http://10.0.0.1 HTTP/1.1\n\n", &req), 1); /* bare LF, no path */
        assert_int_equal(req.target.family, AF_INET);
        assert_int_equal(req.target.port, 80);
        assert_non_null(strstr(out, "GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n"));

        assert_int_equal(parse("GET http://h:/ HTTP/1.1\r\n\r\n", &req), 1); /* empty port: 80 */
        assert_int_equal(req.target.port, 80);
        assert_int_equal(parse("GET HTTP://H.example?q=1 HTTP/1.1\r\n\r\n", &req), 1);
        assert_string_equal(req.target.name, "H.example");
        assert_non_null(strstr(out, "GET /?q=1 HTTP/1.1\r\n"));
        assert_int_equal(parse("\r\nPOST http://h:65535/ HTTP/1.1\r\n\r\n", &req), 1); /* leading CRLF */
        assert_int_equal(req.target.port, 65535);

        refused("GET http://user:pw@h/ HTTP/1.1\r\n\r\n", 400, "credentials");
        refused("GET https://h/ HTTP/1.1\r\n\r\n", 501, "CONNECT");
        refused("GET ftp://h/ HTTP/1.1\r\n\r\n", 400, "http://");
        refused("GET http://h:0/ HTTP/1.1\r\n\r\n", 400, "port");
        refused("GET http://h:65536/ HTTP/1.1\r\n\r\n", 400, "port");
        refused("GET http://h:8a/ HTTP/1.1\r\n\r\n", 400, "port");
        refused("GET http:/// HTTP/1.1\r\n\r\n", 400, "host");
        refused("GET http://::1/ HTTP/1.1\r\n\r\n", 400, "host");
        refused("GET http://[1.2.3.4]/ HTTP/1.1\r\n\r\n", 400, "host");
        refused("GET http://h%2e/ HTTP/1.1\r\n\r\n", 400, "host");
        refused("GET http://h/#frag HTTP/1.1\r\n\r\n", 400, "character");
        refused("GET http://h/\xc3\xa9 HTTP/1.1\r\n\r\n", 400, "character");
        refused("GET  http://h/ HTTP/1.1\r\n\r\n", 400, NULL);
        refused("GET http://h/ HTTP/2.0\r\n\r\n", 505, NULL);
        refused("GET http://h/ http/1.1\r\n\r\n", 400, NULL);
        refused("GET http://h/ HTTP/1.1 \r\n\r\n", 400, NULL);
        refused("G(T http://h/ HTTP/1.1\r\n\r\n", 400, "method");
        refused("GETGETGETGETGETGETGETGETGETGETGETGET http://h/ HTTP/1.1\r\n\r\n", 501, "method");
}

static void test_keep_alive(void **state)
{
        HttpRequest req;

        (void)state;
        assert_int_equal(parse("GET http://h/ HTTP/1.0\r\n\r\n", &req), 1);
        assert_false(req.keep_alive);
        assert_int_equal(req.version_minor, 0);
        assert_non_null(strstr(out, "GET / HTTP/1.0\r\n"));
        /* An HTTP/1.0 upstream request closes its connection: it is never kept. */
        assert_non_null(strstr(out, "\r\nConnection: close\r\n\r\n"));
        assert_non_null(strstr(out, "Via: 1.0 tsproxy\r\n"));
        assert_int_equal(parse("GET http://h/ HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req), 1);
        assert_true(req.keep_alive);
        assert_int_equal(parse("GET http://h/ HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n", &req), 1);
        assert_true(req.keep_alive);
        assert_int_equal(parse("GET http://h/ HTTP/1.1\r\nConnection: close\r\n\r\n", &req), 1);
        assert_false(req.keep_alive);
        assert_int_equal(parse("GET http://h/ HTTP/1.1\r\n\r\n", &req), 1);
        assert_true(req.keep_alive);
        assert_int_equal(parse("GET http://h/ HTTP/1.9\r\n\r\n", &req), 1);
        assert_int_equal(req.version_minor, 1);
        refused("GET http://h/ HTTP/1.1\r\nConnection: a b\r\n\r\n", 400, "Connection");
        refused("GET http://h/ HTTP/1.1\r\nConnection: a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\r\n\r\n", 400,
                "Connection");
}

static void test_framing(void **state)
{
        HttpRequest req;

        (void)state;
        assert_int_equal(parse("POST http://h/ HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", &req), 1);
        assert_int_equal(req.framing, HTTP_FRAMING_LENGTH);
        assert_int_equal(req.content_length, 5);
        assert_non_null(strstr(out, "\r\nContent-Length: 5\r\nVia"));
        /* the same value repeated is one value, sent once */
        assert_int_equal(
                parse("POST http://h/ HTTP/1.1\r\nContent-Length: 5, 5\r\ncontent-length: 5\r\n\r\n", &req),
                1);
        assert_int_equal(req.content_length, 5);
        assert_null(strstr(out, "ontent-length"));
        assert_non_null(strstr(out, "Content-Length: 5\r\n"));
        assert_int_equal(parse("POST http://h/ HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &req), 1);
        assert_int_equal(req.framing, HTTP_FRAMING_LENGTH);
        assert_int_equal(req.content_length, 0);
        assert_int_equal(
                parse("POST http://h/ HTTP/1.1\r\nContent-Length: 999999999999999999\r\n\r\n", &req), 1);
        assert_int_equal(req.content_length, 999999999999999999ull);
        assert_int_equal(parse("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &req), 1);
        assert_int_equal(req.framing, HTTP_FRAMING_CHUNKED);
        assert_non_null(strstr(out, "Transfer-Encoding: chunked\r\n"));
        assert_int_equal(parse("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: "
                               "Chunked\r\n\r\n",
                               &req),
                         1);
        assert_int_equal(req.framing, HTTP_FRAMING_CHUNKED);

        refused("POST http://h/ HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                "both");
        refused("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400,
                "both");
        refused("POST http://h/ HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400,
                "differing");
        refused("POST http://h/ HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", 400, "differing");
        refused("POST http://h/ HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400, "Content-Length");
        refused("POST http://h/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Content-Length");
        refused("POST http://h/ HTTP/1.1\r\nContent-Length: 0x5\r\n\r\n", 400, "Content-Length");
        refused("POST http://h/ HTTP/1.1\r\nContent-Length: 5 5\r\n\r\n", 400, "Content-Length");
        refused("POST http://h/ HTTP/1.1\r\nContent-Length:\r\n\r\n", 400, "Content-Length");
        refused("POST http://h/ HTTP/1.1\r\nContent-Length: 5,\r\n\r\n", 400, "Content-Length");
        refused("POST http://h/ HTTP/1.1\r\nContent-Length: 1000000000000000000\r\n\r\n", 400,
                "Content-Length");
        refused("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, "after chunked");
        refused("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
                "chunked\r\n\r\n",
                400, "after chunked");
        refused("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "chunked");
        refused("POST http://h/ HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", 400, "chunked");
        refused("POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chun ked\r\n\r\n", 400, "Transfer-Encoding");
        refused("POST http://h/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0");
}

static void test_smuggling(void **state)
{
        HttpRequest req;

        (void)state;
        refused("GET http://h/ HTTP/1.1\r\nX: a\rb\r\n\r\n", 400, "bare CR");
        refused("GET http://h/ HTTP/1.1\rX: a\r\n\r\n", 400, "bare CR");
        refused("GET http://h/ HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400, "folding");
        refused("GET http://h/ HTTP/1.1\r\nContent-Length : 5\r\n\r\n", 400, "field line");
        refused("GET http://h/ HTTP/1.1\r\nno colon\r\n\r\n", 400, "field line");
        refused("GET http://h/ HTTP/1.1\r\n: empty name\r\n\r\n", 400, "field line");
        refused("GET http://h/ HTTP/1.1\r\nX: a\x01\r\n\r\n", 400, "control");
        refused("GET http://h/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host");
        refused("GET http://h/ HTTP/1.1\r\nProxy-Authorization: a\r\nProxy-Authorization: b\r\n\r\n", 400,
                "Proxy-Authorization");
        {
                const char s[] = "GET http://h/ HTTP/1.1\r\nX: a\0b\r\n\r\n";
                size_t scanned = 0;

                assert_true(http_request_parse((const uint8_t *)s, sizeof(s) - 1, &scanned, &req, out,
                                               sizeof(out)) < 0);
                assert_int_equal(req.status, 400);
        }
        /* Connection cannot make us drop the framing or the Host */
        assert_int_equal(
                parse("POST http://h/ HTTP/1.1\r\nConnection: Content-Length, Transfer-Encoding, Host\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n",
                      &req),
                1);
        assert_non_null(strstr(out, "Transfer-Encoding: chunked\r\n"));
        assert_non_null(strstr(out, "Host: h\r\n"));
        assert_int_equal(
                parse("POST http://h/ HTTP/1.1\r\nConnection: content-length\r\nContent-Length: 3\r\n\r\n",
                      &req),
                1);
        assert_non_null(strstr(out, "Content-Length: 3\r\n"));
}

static void test_pac_and_connect(void **state)
{
        HttpRequest req;

        (void)state;
        assert_int_equal(parse("GET /proxy.pac HTTP/1.1\r\nHost: 100.1.2.3:1080\r\n\r\n", &req), 1);
        assert_int_equal(req.kind, HTTP_REQUEST_PAC);
        assert_int_equal(req.upstream_len, 0);
        assert_true(req.keep_alive);
        assert_int_equal(parse("HEAD /proxy.pac?x=1 HTTP/1.0\r\n\r\n", &req), 1);
        assert_int_equal(req.kind, HTTP_REQUEST_PAC);
        assert_true(req.is_head);
        refused("POST /proxy.pac HTTP/1.1\r\n\r\n", 405, "GET");
        refused("GET / HTTP/1.1\r\n\r\n", 404, "proxy.pac");
        refused("GET /proxy.pacx HTTP/1.1\r\n\r\n", 404, NULL);
        refused("OPTIONS * HTTP/1.1\r\n\r\n", 400, NULL);

        assert_int_equal(parse("CONNECT gpu-node.fgpu:443 HTTP/1.1\r\nProxy-Authorization: Basic "
                               "dXNlcjpwYXNz\r\n\r\n",
                               &req),
                         1);
        assert_int_equal(req.kind, HTTP_REQUEST_CONNECT);
        assert_string_equal(req.target.name, "gpu-node.fgpu");
        assert_int_equal(req.target.port, 443);
        assert_true(req.have_credentials);
        assert_int_equal(parse("CONNECT [::1]:22 HTTP/1.1\r\n\r\n", &req), 1);
        assert_int_equal(req.target.family, AF_INET6);
        refused("CONNECT h HTTP/1.1\r\n\r\n", 400, "host:port");
        refused("CONNECT http://h/ HTTP/1.1\r\n\r\n", 400, "host:port");
}

static void test_credentials(void **state)
{
        HttpRequest req;

        (void)state;
        assert_int_equal(parse("GET http://h/ HTTP/1.1\r\nProxy-Authorization: Basic !!\r\n\r\n", &req), 1);
        assert_false(req.have_credentials);
        assert_int_equal(
                parse("GET http://h/ HTTP/1.1\r\nProxy-Authorization: Bearer dXNlcjpwYXNz\r\n\r\n", &req),
                1);
        assert_false(req.have_credentials);
        /* "user" without a colon */
        assert_int_equal(
                parse("GET http://h/ HTTP/1.1\r\nProxy-Authorization: Basic dXNlcg==\r\n\r\n", &req), 1);
        assert_false(req.have_credentials);
        /* "u:" empty password */
        assert_int_equal(parse("GET http://h/ HTTP/1.1\r\nproxy-authorization: basic  dTo=\r\n\r\n", &req),
                         1);
        assert_true(req.have_credentials);
        assert_string_equal(req.user, "u");
        assert_string_equal(req.password, "");
        assert_null(strstr(out, "dTo="));
}

static void test_incremental_and_size(void **state)
{
        const char *s = "GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\nNEXT";
        size_t len = strlen(s), scanned = 0;
        HttpRequest req;
        char *big;

        (void)state;
        for (size_t n = 1; n <= len; n++) {
                int r = http_request_parse((const uint8_t *)s, n, &scanned, &req, out, sizeof(out));

                if (n < len - 4) {
                        assert_int_equal(r, 0);
                        assert_true(scanned <= n);
                } else {
                        assert_int_equal(r, 1);
                        assert_int_equal(req.head_len, len - 4);
                        scanned = 0;
                }
        }

        big = malloc(HTTP_HEAD_MAX + 1);
        assert_non_null(big);
        memset(big, 'a', HTTP_HEAD_MAX);
        memcpy(big, "GET http://h/ HTTP/1.1\r\nX: ", 27);
        scanned = 0;
        assert_int_equal(
                http_request_parse((uint8_t *)big, HTTP_HEAD_MAX - 1, &scanned, &req, out, sizeof(out)), 0);
        assert_int_equal(http_request_parse((uint8_t *)big, HTTP_HEAD_MAX, &scanned, &req, out, sizeof(out)),
                         -EMSGSIZE);
        assert_int_equal(req.status, 431);
        /* the largest head, with bare LF and the shortest fields: out still holds it all */
        {
                size_t n = 0;
                int r;

                n += (size_t)sprintf(big, "GET http://h/ HTTP/1.0\n");
                while (n + 3 + 1 <= HTTP_HEAD_MAX)
                        memcpy(big + n, "a:\n", 3), n += 3;
                big[n++] = '\n';
                scanned = 0;
                r = http_request_parse((uint8_t *)big, n, &scanned, &req, out, sizeof(out));
                assert_int_equal(r, 1);
                assert_int_equal(req.head_len, n);
                assert_true(req.upstream_len > HTTP_HEAD_MAX);
        }
        free(big);
}

/* Which path a new client takes: the forward proxy, or the handshake engine. */
static void test_sniff(void **state)
{
        (void)state;
#define SNIFF(lit) http_request_sniff((const uint8_t *)(lit), strlen(lit))
        assert_int_equal(SNIFF("GET http://a/ HTTP/1.1\r\n"), 1);
        assert_int_equal(SNIFF("POST "), 1);
        assert_int_equal(SNIFF("GET /proxy.pac HTTP/1.1"), 1);
        assert_int_equal(SNIFF("CONNECT a:1 HTTP/1.1\r\n"), 0);
        assert_int_equal(SNIFF("CONNECTX a"), 1);
        assert_int_equal(SNIFF("CONNEC"), -EAGAIN);
        assert_int_equal(SNIFF("G"), -EAGAIN);
        assert_int_equal(SNIFF(""), -EAGAIN);
        assert_int_equal(SNIFF("\x05\x01\x00"), 0);
        assert_int_equal(SNIFF("\x04\x01"), 0);
        assert_int_equal(SNIFF("get http://a/"), 0);
        assert_int_equal(SNIFF("GE\x01T"), 0);
        assert_int_equal(SNIFF("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 1);
#undef SNIFF
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_forward_rewrite), cmocka_unit_test(test_forward_targets),
                cmocka_unit_test(test_keep_alive),      cmocka_unit_test(test_framing),
                cmocka_unit_test(test_smuggling),       cmocka_unit_test(test_pac_and_connect),
                cmocka_unit_test(test_credentials),     cmocka_unit_test(test_incremental_and_size),
                cmocka_unit_test(test_sniff),
        };
        return cmocka_run_group_tests_name("http-request", tests, NULL, NULL);
}
