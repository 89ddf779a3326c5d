/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-socks-handshake: the proxy handshake engine (helpers/socks/handshake.c and its
 * protocol files): SOCKS5 with and without RFC 1929 auth, SOCKS4/4a, HTTP CONNECT, every
 * reply code, input byte by byte, the SOCKS5 UDP header codec, and who may use a UDP
 * association (udp-peers.c).
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
#include <sys/un.h>
#include <cmocka.h>

#include "handshake.h"
#include "udp-peers.h"

#define B(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})
#define S(s)   ((const uint8_t *)(s)), (sizeof(s) - 1)

static const uint8_t greeting_none[] = {0x05, 0x01, 0x00};
static const uint8_t connect_v4[] = {0x05, 0x01, 0x00, 0x01, 192, 0, 2, 1, 0x00, 0x50};
static const uint8_t reply_zero[] = {0x05, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0};

static HandshakeAuthResult check_auth(void *userdata, const char *user, const char *password)
{
        unsigned *calls = userdata;

        if (calls)
                (*calls)++;
        return strcmp(user, "user") == 0 && strcmp(password, "pass") == 0 ? HANDSHAKE_AUTH_GRANTED
                                                                          : HANDSHAKE_AUTH_DENIED;
}

/* The daemon's way: every check is pending, the verdict comes later. */
static HandshakeAuthResult check_later(void *userdata, const char *user, const char *password)
{
        bool *right = userdata;

        *right = strcmp(user, "user") == 0 && strcmp(password, "pass") == 0;
        return HANDSHAKE_AUTH_PENDING;
}

static const HandshakeAuth auth = {.check = check_auth};

static HandshakeStatus feed(Handshake *hs, const uint8_t *d, size_t n, size_t *consumed)
{
        return handshake_feed(hs, d, n, consumed);
}

/* Whole input in one go: the status; asserts everything was consumed. */
static HandshakeStatus feed_all(Handshake *hs, const uint8_t *d, size_t n)
{
        size_t consumed = SIZE_MAX;
        HandshakeStatus s = feed(hs, d, n, &consumed);

        assert_true(consumed <= n);
        if (s != HANDSHAKE_CLOSE)
                assert_int_equal(consumed, n);
        return s;
}

/*
 * Like the daemon: a buffer keeping what was not consumed, one more byte per read.
 * Before the last byte every call must say MORE. Returns the final status, the output
 * collected over all calls and what stayed in the buffer.
 */
static HandshakeStatus feed_bytewise(Handshake *hs, const uint8_t *d, size_t n, uint8_t *out, size_t *n_out,
                                     size_t *left)
{
        uint8_t buf[HANDSHAKE_INPUT_MAX];
        HandshakeStatus s = HANDSHAKE_MORE;
        size_t have = 0;

        *n_out = 0;
        for (size_t i = 0; i < n; i++) {
                size_t consumed = SIZE_MAX;

                buf[have++] = d[i];
                s = feed(hs, buf, have, &consumed);
                assert_true(consumed <= have);
                memmove(buf, buf + consumed, have - consumed);
                have -= consumed;
                memcpy(out + *n_out, hs->out, hs->n_out);
                *n_out += hs->n_out;
                hs->n_out = 0;
                if (i + 1 < n)
                        assert_int_equal(s, HANDSHAKE_MORE);
        }
        *left = have;
        return s;
}

static void expect_out(Handshake *hs, const uint8_t *expected, size_t n)
{
        assert_int_equal(hs->n_out, n);
        assert_memory_equal(hs->out, expected, n);
        hs->n_out = 0;
}

static void expect_out_str(Handshake *hs, const char *expected)
{
        expect_out(hs, (const uint8_t *)expected, strlen(expected));
}

static void expect_target(const Handshake *hs, const char *formatted)
{
        char buf[PROXY_TARGET_STRLEN];

        proxy_target_format(&hs->target, buf);
        assert_string_equal(buf, formatted);
}

/* --- SOCKS5 ---------------------------------------------------------------------------- */

static void socks5_ready(Handshake *hs)
{
        handshake_init(hs, NULL);
        assert_int_equal(feed_all(hs, greeting_none, sizeof(greeting_none)), HANDSHAKE_MORE);
        expect_out(hs, B(0x05, 0x00));
}

static void test_socks5_connect_ipv4(void **state)
{
        struct sockaddr_in bound = {.sin_family = AF_INET, .sin_port = htons(4242)};
        Handshake hs;
        size_t consumed;

        socks5_ready(&hs);
        assert_int_equal(hs.protocol, PROXY_PROTOCOL_SOCKS5);
        assert_int_equal(feed_all(&hs, connect_v4, sizeof(connect_v4)), HANDSHAKE_REQUEST);
        assert_int_equal(hs.command, PROXY_COMMAND_CONNECT);
        assert_int_equal(hs.target.family, AF_INET);
        assert_int_equal(hs.target.port, 80);
        assert_int_equal(hs.target.address.in.s_addr, htonl(0xC0000201));
        assert_string_equal(hs.user, "");
        expect_target(&hs, "192.0.2.1:80");
        assert_int_equal(hs.n_out, 0);

        /* Waiting for the reply: nothing is consumed. */
        assert_int_equal(feed(&hs, B(1, 2, 3), &consumed), HANDSHAKE_MORE);
        assert_int_equal(consumed, 0);

        bound.sin_addr.s_addr = htonl(0x0A000001);
        assert_int_equal(handshake_reply(&hs, 0, (struct sockaddr *)&bound, sizeof(bound)), HANDSHAKE_MORE);
        expect_out(&hs, B(0x05, 0x00, 0x00, 0x01, 10, 0, 0, 1, 0x10, 0x92));

        /* Relaying: still nothing consumed, a second reply is refused. */
        assert_int_equal(feed(&hs, B(1, 2, 3), &consumed), HANDSHAKE_MORE);
        assert_int_equal(consumed, 0);
        assert_int_equal(handshake_reply(&hs, 0, NULL, 0), HANDSHAKE_CLOSE);
}

static void test_socks5_pipelined(void **state)
{
        uint8_t in[64];
        size_t n = 0, consumed;
        Handshake hs;

        memcpy(in + n, greeting_none, sizeof(greeting_none));
        n += sizeof(greeting_none);
        memcpy(in + n, connect_v4, sizeof(connect_v4));
        n += sizeof(connect_v4);
        memcpy(in + n, "GET / HTTP/1.1\r\n", 16);
        n += 16;

        handshake_init(&hs, NULL);
        assert_int_equal(feed(&hs, in, n, &consumed), HANDSHAKE_REQUEST);
        assert_int_equal(consumed, sizeof(greeting_none) + sizeof(connect_v4));
        expect_out(&hs, B(0x05, 0x00));
        assert_int_equal(handshake_reply(&hs, 0, NULL, 0), HANDSHAKE_MORE);
        expect_out(&hs, reply_zero, sizeof(reply_zero));
}

static void test_socks5_bytewise(void **state)
{
        uint8_t in[] = {0x05, 0x02, 0x00, 0x02, 0x01, 4,    'u',  's',  'e', 'r',  4,
                        'p',  'a',  's',  's',  0x05, 0x01, 0x00, 0x03, 11,  'e',  'x',
                        'a',  'm',  'p',  'l',  'e',  '.',  'c',  'o',  'm', 0x01, 0xBB};
        uint8_t out[64];
        size_t n_out, left;
        unsigned calls = 0;
        HandshakeAuth a = {check_auth, &calls};
        Handshake hs;

        handshake_init(&hs, &a);
        assert_int_equal(feed_bytewise(&hs, in, sizeof(in), out, &n_out, &left), HANDSHAKE_REQUEST);
        assert_int_equal(left, 0);
        assert_int_equal(calls, 1);
        assert_int_equal(n_out, 4);
        assert_memory_equal(out, ((const uint8_t[]){0x05, 0x02, 0x01, 0x00}), 4);
        assert_string_equal(hs.user, "user");
        assert_int_equal(hs.target.family, AF_UNSPEC);
        assert_string_equal(hs.target.name, "example.com");
        assert_int_equal(hs.target.port, 443);
        expect_target(&hs, "example.com:443");
}

static void test_socks5_ipv6(void **state)
{
        struct sockaddr_in6 bound = {.sin6_family = AF_INET6, .sin6_port = htons(1080)};
        Handshake hs;

        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0,
                                         0, 0, 0, 0, 1, 0x01, 0xBB)),
                         HANDSHAKE_REQUEST);
        assert_int_equal(hs.target.family, AF_INET6);
        expect_target(&hs, "[2001:db8::1]:443");

        bound.sin6_addr.s6_addr[0] = 0xfd;
        bound.sin6_addr.s6_addr[15] = 7;
        assert_int_equal(handshake_reply(&hs, 0, (struct sockaddr *)&bound, sizeof(bound)), HANDSHAKE_MORE);
        expect_out(&hs,
                   B(0x05, 0x00, 0x00, 0x04, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0x04, 0x38));

        /* An IPv4-mapped bound address is reported as IPv4; a short length as 0.0.0.0:0. */
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, connect_v4, sizeof(connect_v4)), HANDSHAKE_REQUEST);
        memset(&bound.sin6_addr, 0, sizeof(bound.sin6_addr));
        bound.sin6_addr.s6_addr[10] = bound.sin6_addr.s6_addr[11] = 0xff;
        bound.sin6_addr.s6_addr[12] = 127;
        bound.sin6_addr.s6_addr[15] = 1;
        assert_int_equal(handshake_reply(&hs, 0, (struct sockaddr *)&bound, sizeof(bound)), HANDSHAKE_MORE);
        expect_out(&hs, B(0x05, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0x04, 0x38));

        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, connect_v4, sizeof(connect_v4)), HANDSHAKE_REQUEST);
        assert_int_equal(handshake_reply(&hs, 0, (struct sockaddr *)&bound, 8), HANDSHAKE_MORE);
        expect_out(&hs, reply_zero, sizeof(reply_zero));
}

static void test_socks5_names(void **state)
{
        uint8_t req[4 + 1 + 255 + 2] = {0x05, 0x01, 0x00, 0x03, 255};
        Handshake hs;

        /* 255 bytes: the longest name. */
        memset(req + 5, 'a', 255);
        for (size_t i = 5 + 63; i < 5 + 255; i += 64)
                req[i] = '.';
        req[5 + 255] = 0x00;
        req[5 + 255 + 1] = 0x50;
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, req, sizeof(req)), HANDSHAKE_REQUEST);
        assert_int_equal(hs.target.family, AF_UNSPEC);
        assert_int_equal(strlen(hs.target.name), 255);
        assert_memory_equal(hs.target.name, req + 5, 255);

        /* Length 0: general failure. */
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x00, 0x03, 0, 0x00, 0x50)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0));

        /* A NUL or a control byte in the name. */
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x00, 0x03, 3, 'a', 0, 'b', 0x00, 0x50)),
                         HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0));
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x00, 0x03, 3, 'a', '\n', 'b', 0x00, 0x50)),
                         HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0));

        /* IP literals sent as names become addresses. */
        socks5_ready(&hs);
        assert_int_equal(
                feed_all(&hs, B(0x05, 0x01, 0x00, 0x03, 8, '1', '0', '.', '1', '.', '2', '.', '3', 0, 22)),
                HANDSHAKE_REQUEST);
        assert_int_equal(hs.target.family, AF_INET);
        expect_target(&hs, "10.1.2.3:22");
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x00, 0x03, 3, ':', ':', '1', 0, 22)),
                         HANDSHAKE_REQUEST);
        assert_int_equal(hs.target.family, AF_INET6);
        expect_target(&hs, "[::1]:22");
}

static void test_socks5_refused_requests(void **state)
{
        Handshake hs;

        /* BIND and unknown commands: 0x07. */
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x05, 0x02, 0x00, 0x01, 1, 2, 3, 4, 0, 80)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0));
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x05, 0x09, 0x00, 0x01, 1, 2, 3, 4, 0, 80)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0x07, 0x00, 0x01, 0, 0, 0, 0, 0, 0));

        /* Unknown address type: 0x08, decided on the first 4 bytes. */
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x00, 0x02)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0x08, 0x00, 0x01, 0, 0, 0, 0, 0, 0));

        /* Bad version, bad RSV: closed without a word. */
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x04, 0x01, 0x00, 0x01, 1, 2, 3, 4, 0, 80)), HANDSHAKE_CLOSE);
        assert_int_equal(hs.n_out, 0);
        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x01, 0x01, 1, 2, 3, 4, 0, 80)), HANDSHAKE_CLOSE);
        assert_int_equal(hs.n_out, 0);

        /* Once closed, always closed. */
        assert_int_equal(feed_all(&hs, greeting_none, sizeof(greeting_none)), HANDSHAKE_CLOSE);
        assert_int_equal(handshake_reply(&hs, 0, NULL, 0), HANDSHAKE_CLOSE);
        assert_int_equal(hs.n_out, 0);
}

static void test_socks5_greeting(void **state)
{
        Handshake hs;

        /* No auth configured: only 0x00 is acceptable. */
        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x02)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0xFF));
        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, B(0x05, 0x00)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0xFF));
        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, B(0x05, 0x03, 0x01, 0x02, 0x00)), HANDSHAKE_MORE);
        expect_out(&hs, B(0x05, 0x00));

        /* Auth configured: 0x02 only, "no auth" is not enough. */
        handshake_init(&hs, &auth);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x00)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0xFF));
        handshake_init(&hs, &auth);
        assert_int_equal(feed_all(&hs, B(0x05, 0x02, 0x00, 0x02)), HANDSHAKE_MORE);
        expect_out(&hs, B(0x05, 0x02));

        /* Partial greeting: nothing consumed, nothing said. */
        handshake_init(&hs, NULL);
        {
                size_t consumed = SIZE_MAX;

                assert_int_equal(feed(&hs, B(0x05, 0x02, 0x00), &consumed), HANDSHAKE_MORE);
                assert_int_equal(consumed, 0);
                assert_int_equal(hs.n_out, 0);
                assert_int_equal(feed(&hs, NULL, 0, &consumed), HANDSHAKE_MORE);
        }
}

static void test_socks5_auth(void **state)
{
        unsigned calls = 0;
        HandshakeAuth a = {check_auth, &calls};
        Handshake hs;

        /* Wrong password: 0x01, close, no request. */
        handshake_init(&hs, &a);
        assert_int_equal(
                feed_all(&hs, B(0x05, 0x01, 0x02, 0x01, 4, 'u', 's', 'e', 'r', 4, 'p', 'a', 's', 'x')),
                HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0x02, 0x01, 0x01));
        assert_string_equal(hs.user, "");
        assert_int_equal(calls, 1);

        /* A NUL in the name is refused without asking the checker ("user\0x" != "user"). */
        handshake_init(&hs, &a);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x02, 0x01, 6, 'u', 's', 'e', 'r', 0, 'x', 4, 'p', 'a',
                                         's', 's')),
                         HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0x02, 0x01, 0x01));
        assert_int_equal(calls, 1);

        /* Empty user and password are the checker's business. */
        handshake_init(&hs, &a);
        assert_int_equal(feed_all(&hs, B(0x05, 0x01, 0x02, 0x01, 0, 0)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0x02, 0x01, 0x01));
        assert_int_equal(calls, 2);

        /* Wrong sub-negotiation version: closed, nothing sent. */
        handshake_init(&hs, &a);
        assert_int_equal(
                feed_all(&hs, B(0x05, 0x01, 0x02, 0x05, 4, 'u', 's', 'e', 'r', 4, 'p', 'a', 's', 's')),
                HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x05, 0x02));
        assert_int_equal(calls, 2);

        /* Success, then the request. */
        handshake_init(&hs, &a);
        assert_int_equal(
                feed_all(&hs, B(0x05, 0x01, 0x02, 0x01, 4, 'u', 's', 'e', 'r', 4, 'p', 'a', 's', 's')),
                HANDSHAKE_MORE);
        expect_out(&hs, B(0x05, 0x02, 0x01, 0x00));
        assert_string_equal(hs.user, "user");
        assert_int_equal(feed_all(&hs, connect_v4, sizeof(connect_v4)), HANDSHAKE_REQUEST);
}

static void test_socks5_udp_associate(void **state)
{
        struct sockaddr_in bound = {.sin_family = AF_INET, .sin_port = htons(40000)};
        Handshake hs;

        socks5_ready(&hs);
        assert_int_equal(feed_all(&hs, B(0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0, 0)), HANDSHAKE_REQUEST);
        assert_int_equal(hs.command, PROXY_COMMAND_UDP_ASSOCIATE);
        expect_target(&hs, "0.0.0.0:0");
        bound.sin_addr.s_addr = htonl(0x64400001);
        assert_int_equal(handshake_reply(&hs, 0, (struct sockaddr *)&bound, sizeof(bound)), HANDSHAKE_MORE);
        expect_out(&hs, B(0x05, 0x00, 0x00, 0x01, 100, 64, 0, 1, 0x9c, 0x40));
}

static void test_socks5_reply_codes(void **state)
{
        static const struct {
                int error;
                uint8_t rep;
        } table[] = {
                {-ECONNREFUSED, 0x05}, {-ENETUNREACH, 0x03}, {-EHOSTUNREACH, 0x04}, {-ENOENT, 0x04},
                {-ENXIO, 0x04},        {-ETIMEDOUT, 0x04},   {-EACCES, 0x02},       {-EPERM, 0x02},
                {-EIO, 0x01},          {-ENOMEM, 0x01},      {ECONNREFUSED, 0x05},
        };

        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                Handshake hs;

                socks5_ready(&hs);
                assert_int_equal(feed_all(&hs, connect_v4, sizeof(connect_v4)), HANDSHAKE_REQUEST);
                assert_int_equal(handshake_reply(&hs, table[i].error, NULL, 0), HANDSHAKE_CLOSE);
                expect_out(&hs, B(0x05, table[i].rep, 0x00, 0x01, 0, 0, 0, 0, 0, 0));
        }
}

/* --- SOCKS4 / SOCKS4a ------------------------------------------------------------------ */

static void test_socks4(void **state)
{
        struct sockaddr_in bound = {.sin_family = AF_INET, .sin_port = htons(4242)};
        uint8_t in[] = {0x04, 0x01, 0x00, 0x50, 192, 0, 2, 7, 'b', 'o', 'b', 0x00, 'x', 'y'};
        uint8_t out[16];
        size_t n_out, left, consumed;
        Handshake hs;

        handshake_init(&hs, NULL);
        assert_int_equal(feed(&hs, in, sizeof(in), &consumed), HANDSHAKE_REQUEST);
        assert_int_equal(consumed, 12); /* "xy" is for the target */
        assert_int_equal(hs.protocol, PROXY_PROTOCOL_SOCKS4);
        assert_int_equal(hs.command, PROXY_COMMAND_CONNECT);
        expect_target(&hs, "192.0.2.7:80");
        bound.sin_addr.s_addr = htonl(0x0A000001);
        assert_int_equal(handshake_reply(&hs, 0, (struct sockaddr *)&bound, sizeof(bound)), HANDSHAKE_MORE);
        expect_out(&hs, B(0x00, 0x5A, 0x10, 0x92, 10, 0, 0, 1));

        handshake_init(&hs, NULL);
        assert_int_equal(feed_bytewise(&hs, in, 12, out, &n_out, &left), HANDSHAKE_REQUEST);
        assert_int_equal(n_out, 0);
        assert_int_equal(left, 0);
        assert_int_equal(handshake_reply(&hs, -ECONNREFUSED, NULL, 0), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x00, 0x5B, 0, 0, 0, 0, 0, 0));
}

static void test_socks4a(void **state)
{
        uint8_t in[] = {0x04, 0x01, 0x01, 0xBB, 0,   0,   0,   1,   0x00, 'e', 'x',
                        'a',  'm',  'p',  'l',  'e', '.', 'o', 'r', 'g',  0x00};
        uint8_t out[16];
        size_t n_out, left;
        Handshake hs;

        handshake_init(&hs, NULL);
        assert_int_equal(feed_bytewise(&hs, in, sizeof(in), out, &n_out, &left), HANDSHAKE_REQUEST);
        assert_int_equal(hs.target.family, AF_UNSPEC);
        expect_target(&hs, "example.org:443");
        assert_int_equal(handshake_reply(&hs, 0, NULL, 0), HANDSHAKE_MORE);
        expect_out(&hs, B(0x00, 0x5A, 0, 0, 0, 0, 0, 0));

        /* Empty name. */
        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, B(0x04, 0x01, 0x01, 0xBB, 0, 0, 0, 1, 'u', 0x00, 0x00)),
                         HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x00, 0x5B, 0, 0, 0, 0, 0, 0));
}

static void test_socks4_refused(void **state)
{
        uint8_t big[8 + 300] = {0x04, 0x01, 0x00, 0x50, 1, 2, 3, 4};
        Handshake hs;

        /* Authentication configured: SOCKS4 cannot carry a password. */
        handshake_init(&hs, &auth);
        assert_int_equal(feed_all(&hs, B(0x04, 0x01, 0x00, 0x50, 1, 2, 3, 4, 'u', 's', 'e', 'r', 0x00)),
                         HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x00, 0x5B, 0, 0, 0, 0, 0, 0));

        /* BIND. */
        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, B(0x04, 0x02, 0x00, 0x50, 1, 2, 3, 4, 0x00)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x00, 0x5B, 0, 0, 0, 0, 0, 0));

        /* USERID without an end. */
        memset(big + 8, 'u', sizeof(big) - 8);
        handshake_init(&hs, NULL);
        {
                size_t consumed = SIZE_MAX;

                assert_int_equal(feed(&hs, big, 8 + 255, &consumed), HANDSHAKE_MORE);
                assert_int_equal(consumed, 0);
        }
        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, big, sizeof(big)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x00, 0x5B, 0, 0, 0, 0, 0, 0));

        /* SOCKS4a name without an end. */
        big[4] = big[5] = big[6] = 0;
        big[7] = 1;
        big[8] = 0;
        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, big, sizeof(big)), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x00, 0x5B, 0, 0, 0, 0, 0, 0));
}

/* --- HTTP CONNECT ---------------------------------------------------------------------- */

#define HTTP_200     "HTTP/1.1 200 Connection established\r\n\r\n"
#define HTTP_CLOSING "Content-Length: 0\r\nConnection: close\r\n\r\n"

static void test_http_connect(void **state)
{
        static const char req[] = "CONNECT example.com:443 HTTP/1.1\r\n"
                                  "Host: example.com:443\r\n"
                                  "User-Agent: test\r\n"
                                  "\r\n";
        uint8_t in[256];
        size_t consumed;
        Handshake hs;

        /* Bytes after the headers (a TLS ClientHello) are left for the target. */
        memcpy(in, req, strlen(req));
        memcpy(in + strlen(req), "\x16\x03\x01", 3);
        handshake_init(&hs, NULL);
        assert_int_equal(feed(&hs, in, strlen(req) + 3, &consumed), HANDSHAKE_REQUEST);
        assert_int_equal(consumed, strlen(req));
        assert_int_equal(hs.protocol, PROXY_PROTOCOL_HTTP);
        assert_int_equal(hs.command, PROXY_COMMAND_CONNECT);
        expect_target(&hs, "example.com:443");
        assert_int_equal(hs.n_out, 0);
        assert_int_equal(handshake_reply(&hs, 0, NULL, 0), HANDSHAKE_MORE);
        expect_out_str(&hs, HTTP_200);
}

static void test_http_targets(void **state)
{
        static const struct {
                const char *request, *target;
        } ok[] = {
                {"CONNECT [2001:db8::2]:8443 HTTP/1.1\r\n\r\n", "[2001:db8::2]:8443"},
                {"CONNECT 192.0.2.9:80 HTTP/1.0\r\n\r\n", "192.0.2.9:80"},
                {"CONNECT host.example:65535 HTTP/1.1\n\n", "host.example:65535"}, /* bare LF */
                {"CONNECT a:1 HTTP/1.1\r\nX: y\n\r\n", "a:1"},                     /* mixed */
                {"CONNECT a:1 HTTP/1.1\r\nX-Empty:\r\nX:  spaced  \r\n\r\n", "a:1"},
        };
        static const char *const bad[] = {
                "CONNECT example.com HTTP/1.1\r\n\r\n",       /* no port */
                "CONNECT example.com:0 HTTP/1.1\r\n\r\n",     /* port 0 */
                "CONNECT example.com:65536 HTTP/1.1\r\n\r\n", /* port too big */
                "CONNECT example.com:+80 HTTP/1.1\r\n\r\n",
                "CONNECT example.com:80 HTTP/2.0\r\n\r\n", /* version */
                "CONNECT example.com:80 HTTP/1.1 x\r\n\r\n",
                "CONNECT  example.com:80 HTTP/1.1\r\n\r\n", /* double space */
                "CONNECT example.com:80\r\n\r\n",
                "CONNECT 2001:db8::1:80 HTTP/1.1\r\n\r\n", /* unbracketed IPv6 */
                "CONNECT [192.0.2.1]:80 HTTP/1.1\r\n\r\n", /* brackets around IPv4 */
                "CONNECT [2001:db8::1:80 HTTP/1.1\r\n\r\n",
                "CONNECT [2001:db8::1]80 HTTP/1.1\r\n\r\n",
                "CONNECT user@host:80 HTTP/1.1\r\n\r\n",
                "CONNECT :80 HTTP/1.1\r\n\r\n",
                "CONNECT a:1 HTTP/1.1\r\nNo colon\r\n\r\n", /* header without a colon */
                "CONNECT a:1 HTTP/1.1\r\nX : y\r\n\r\n",    /* space before the colon */
                "CONNECT a:1 HTTP/1.1\r\nX: y\r\n folded\r\n\r\n",
                "CONNECT a:1 HTTP/1.1\r\nX: a\rb\r\n\r\n", /* bare CR */
                "C(NNECT a:1 HTTP/1.1\r\n\r\n",
        };
        Handshake hs;

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                handshake_init(&hs, NULL);
                assert_int_equal(feed_all(&hs, (const uint8_t *)ok[i].request, strlen(ok[i].request)),
                                 HANDSHAKE_REQUEST);
                expect_target(&hs, ok[i].target);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                handshake_init(&hs, NULL);
                assert_int_equal(feed_all(&hs, (const uint8_t *)bad[i], strlen(bad[i])), HANDSHAKE_CLOSE);
                expect_out_str(&hs, "HTTP/1.1 400 Bad Request\r\n" HTTP_CLOSING);
        }
}

static void test_http_early_and_oversized(void **state)
{
        uint8_t big[HANDSHAKE_INPUT_MAX + 16];
        size_t consumed;
        Handshake hs;

        /* A control byte: 400 at once, without waiting for the end of the headers. */
        handshake_init(&hs, NULL);
        assert_int_equal(feed(&hs, S("CONNECT a:1\x01"), &consumed), HANDSHAKE_CLOSE);
        expect_out_str(&hs, "HTTP/1.1 400 Bad Request\r\n" HTTP_CLOSING);

        /* Incomplete but not full: wait. */
        memcpy(big, "CONNECT a:1 HTTP/1.1\r\nX: ", 25);
        memset(big + 25, 'x', sizeof(big) - 25);
        handshake_init(&hs, NULL);
        assert_int_equal(feed(&hs, big, HANDSHAKE_INPUT_MAX - 1, &consumed), HANDSHAKE_MORE);
        assert_int_equal(consumed, 0);
        assert_int_equal(hs.n_out, 0);

        /* Full: 431. */
        assert_int_equal(feed(&hs, big, HANDSHAKE_INPUT_MAX, &consumed), HANDSHAKE_CLOSE);
        expect_out_str(&hs, "HTTP/1.1 431 Request Header Fields Too Large\r\n" HTTP_CLOSING);

        /* The end beyond the limit does not count, even in a larger buffer. */
        memcpy(big + HANDSHAKE_INPUT_MAX, "\r\n\r\n", 4);
        handshake_init(&hs, NULL);
        assert_int_equal(feed(&hs, big, HANDSHAKE_INPUT_MAX + 4, &consumed), HANDSHAKE_CLOSE);
        expect_out_str(&hs, "HTTP/1.1 431 Request Header Fields Too Large\r\n" HTTP_CLOSING);

        /* Just inside the limit is fine. */
        memcpy(big + HANDSHAKE_INPUT_MAX - 4, "\r\n\r\n", 4);
        handshake_init(&hs, NULL);
        assert_int_equal(feed(&hs, big, HANDSHAKE_INPUT_MAX + 4, &consumed), HANDSHAKE_REQUEST);
        assert_int_equal(consumed, HANDSHAKE_INPUT_MAX);
}

static void test_http_methods(void **state)
{
        Handshake hs;

        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, S("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")),
                         HANDSHAKE_CLOSE);
        expect_out_str(&hs, "HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\n" HTTP_CLOSING);

        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, S("connect a:1 HTTP/1.1\r\n\r\n")),
                         HANDSHAKE_CLOSE); /* 'c': not HTTP */
        assert_int_equal(hs.n_out, 0);

        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, S("CONNECt a:1 HTTP/1.1\r\n\r\n")), HANDSHAKE_CLOSE);
        expect_out_str(&hs, "HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\n" HTTP_CLOSING);
}

static void test_http_auth(void **state)
{
        static const char *const refused[] = {
                "CONNECT a:1 HTTP/1.1\r\n\r\n",
                "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjp3cm9uZw==\r\n\r\n", /* user:wrong
                                                                                                */
                "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjpwYXNz=\r\n\r\n", /* bad base64 */
                "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcnBhc3M=\r\n\r\n",  /* no colon */
                "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Bearer dXNlcjpwYXNz\r\n\r\n",
                "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic\r\n\r\n",
                "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcgBqOnBhc3M=\r\n\r\n", /* NUL */
                "CONNECT a:1 HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n",
        };
        static const char *const accepted[] = {
                "CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n",
                "CONNECT a:1 HTTP/1.1\r\nproxy-authorization:basic   dXNlcjpwYXNz  \r\n\r\n",
                "CONNECT a:1 HTTP/1.1\nPROXY-AUTHORIZATION: BASIC dXNlcjpwYXNz\n\n",
        };
        uint8_t out[512];
        size_t n_out, left;
        Handshake hs;

        for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
                handshake_init(&hs, &auth);
                assert_int_equal(feed_all(&hs, (const uint8_t *)refused[i], strlen(refused[i])),
                                 HANDSHAKE_CLOSE);
                expect_out_str(&hs, "HTTP/1.1 407 Proxy Authentication Required\r\n"
                                    "Proxy-Authenticate: Basic realm=\"tsproxy\"\r\n" HTTP_CLOSING);
                assert_string_equal(hs.user, "");
        }
        for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
                handshake_init(&hs, &auth);
                assert_int_equal(feed_bytewise(&hs, (const uint8_t *)accepted[i], strlen(accepted[i]), out,
                                               &n_out, &left),
                                 HANDSHAKE_REQUEST);
                assert_int_equal(n_out, 0);
                assert_int_equal(left, 0);
                assert_string_equal(hs.user, "user");
                expect_target(&hs, "a:1");
        }

        /* Two Proxy-Authorization headers: ambiguous, 400. */
        handshake_init(&hs, &auth);
        assert_int_equal(
                feed_all(&hs, S("CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n"
                                "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n")),
                HANDSHAKE_CLOSE);
        expect_out_str(&hs, "HTTP/1.1 400 Bad Request\r\n" HTTP_CLOSING);

        /* Without auth configured the header is ignored. */
        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, S("CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic x\r\n\r\n")),
                         HANDSHAKE_REQUEST);
}

/* A pending check (the daemon hashes off its loop): the engine waits, parses nothing,
 * and goes on with handshake_auth_done()'s verdict. */
static void test_auth_pending(void **state)
{
        /* Greeting, sub-negotiation and the request pipelined in one segment. */
        static const uint8_t in[] = {0x05, 0x01, 0x02, 0x01, 4,    'u',  's', 's', 'r', 4, 'p',  'a',
                                     's',  's',  0x05, 0x01, 0x00, 0x01, 192, 0,   2,   1, 0x00, 0x50};
        bool right = true;
        HandshakeAuth a = {check_later, &right};
        size_t consumed;
        Handshake hs;

        /* Wrong user: the verdict is 'no': 0x01 and close. */
        handshake_init(&hs, &a);
        assert_int_equal(feed(&hs, in, sizeof(in), &consumed), HANDSHAKE_AUTH);
        assert_int_equal(consumed, 14);
        assert_false(right);
        expect_out(&hs, B(0x05, 0x02));
        /* While it waits, the request behind stays unparsed. */
        assert_int_equal(feed(&hs, in + 14, sizeof(in) - 14, &consumed), HANDSHAKE_MORE);
        assert_int_equal(consumed, 0);
        assert_int_equal(hs.n_out, 0);
        assert_int_equal(handshake_auth_done(&hs, false), HANDSHAKE_CLOSE);
        expect_out(&hs, B(0x01, 0x01));
        assert_string_equal(hs.user, "");

        /* Granted: 0x00, then the request that was already there. */
        handshake_init(&hs, &a);
        assert_int_equal(feed(&hs, B(0x05, 0x01, 0x02, 0x01, 4, 'u', 's', 'e', 'r', 4, 'p', 'a', 's', 's'),
                              &consumed),
                         HANDSHAKE_AUTH);
        assert_true(right);
        expect_out(&hs, B(0x05, 0x02));
        assert_int_equal(handshake_auth_done(&hs, true), HANDSHAKE_MORE);
        expect_out(&hs, B(0x01, 0x00));
        assert_string_equal(hs.user, "user");
        assert_int_equal(feed_all(&hs, in + 14, sizeof(in) - 14), HANDSHAKE_REQUEST);
        expect_target(&hs, "192.0.2.1:80");
        /* A second verdict is not expected any more. */
        assert_int_equal(handshake_auth_done(&hs, true), HANDSHAKE_CLOSE);

        /* HTTP: the request is parsed, then it waits; 'no' is 407, 'yes' the request. */
        handshake_init(&hs, &a);
        assert_int_equal(
                feed_all(&hs, S("CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n")),
                HANDSHAKE_AUTH);
        assert_true(right);
        assert_int_equal(hs.n_out, 0);
        assert_int_equal(handshake_auth_done(&hs, true), HANDSHAKE_REQUEST);
        assert_string_equal(hs.user, "user");
        expect_target(&hs, "a:1");

        handshake_init(&hs, &a);
        assert_int_equal(
                feed_all(&hs,
                         S("CONNECT a:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjp3cm9uZw==\r\n\r\n")),
                HANDSHAKE_AUTH);
        assert_false(right);
        assert_int_equal(handshake_auth_done(&hs, false), HANDSHAKE_CLOSE);
        expect_out_str(&hs, "HTTP/1.1 407 Proxy Authentication Required\r\n"
                            "Proxy-Authenticate: Basic realm=\"tsproxy\"\r\n" HTTP_CLOSING);
        assert_string_equal(hs.user, "");

        /* Not waiting for a verdict: closes. */
        handshake_init(&hs, &a);
        assert_int_equal(handshake_auth_done(&hs, true), HANDSHAKE_CLOSE);
}

static void test_http_reply_codes(void **state)
{
        static const struct {
                int error;
                const char *status;
        } table[] = {
                {-ECONNREFUSED, "502 Bad Gateway"},  {-ENETUNREACH, "502 Bad Gateway"},
                {-EHOSTUNREACH, "502 Bad Gateway"},  {-ENOENT, "502 Bad Gateway"},
                {-ETIMEDOUT, "504 Gateway Timeout"}, {-EACCES, "403 Forbidden"},
                {-EPERM, "403 Forbidden"},           {-EIO, "502 Bad Gateway"},
        };

        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
                char expected[256];
                Handshake hs;

                handshake_init(&hs, NULL);
                assert_int_equal(feed_all(&hs, S("CONNECT a:1 HTTP/1.1\r\n\r\n")), HANDSHAKE_REQUEST);
                assert_int_equal(handshake_reply(&hs, table[i].error, NULL, 0), HANDSHAKE_CLOSE);
                snprintf(expected, sizeof(expected), "HTTP/1.1 %s\r\n" HTTP_CLOSING, table[i].status);
                expect_out_str(&hs, expected);
        }
}

/* --- misc ------------------------------------------------------------------------------ */

static void test_unknown_protocol(void **state)
{
        Handshake hs;

        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, NULL, 0), HANDSHAKE_MORE);
        assert_int_equal(feed_all(&hs, B(0x16, 0x03, 0x01)), HANDSHAKE_CLOSE);
        assert_int_equal(hs.n_out, 0);
        assert_int_equal(hs.protocol, PROXY_PROTOCOL_NONE);

        handshake_init(&hs, NULL);
        assert_int_equal(feed_all(&hs, B(0x00)), HANDSHAKE_CLOSE);

        /* A reply before any request. */
        handshake_init(&hs, NULL);
        assert_int_equal(handshake_reply(&hs, 0, NULL, 0), HANDSHAKE_CLOSE);
        assert_int_equal(hs.n_out, 0);
}

static void test_strings(void **state)
{
        ProxyTarget t = {.family = AF_UNSPEC, .port = 53};
        char buf[PROXY_TARGET_STRLEN];

        assert_string_equal(proxy_protocol_to_string(PROXY_PROTOCOL_NONE), "none");
        assert_string_equal(proxy_protocol_to_string(PROXY_PROTOCOL_SOCKS4), "socks4");
        assert_string_equal(proxy_protocol_to_string(PROXY_PROTOCOL_SOCKS5), "socks5");
        assert_string_equal(proxy_protocol_to_string(PROXY_PROTOCOL_HTTP), "http");

        memset(t.name, 'n', PROXY_NAME_MAX);
        t.name[PROXY_NAME_MAX] = '\0';
        proxy_target_format(&t, buf);
        assert_int_equal(strlen(buf), PROXY_NAME_MAX + 3);
        assert_string_equal(buf + PROXY_NAME_MAX, ":53");
}

/* --- SOCKS5 UDP ------------------------------------------------------------------------ */

static void test_udp_parse(void **state)
{
        ProxyTarget t;
        size_t n;

        assert_int_equal(
                socks5_udp_parse(B(0, 0, 0, 0x01, 192, 0, 2, 53, 0, 53, 'd', 'a', 't', 'a'), &t, &n), 0);
        assert_int_equal(n, 10);
        assert_int_equal(t.family, AF_INET);
        assert_int_equal(t.port, 53);

        assert_int_equal(socks5_udp_parse(B(0, 0, 0, 0x03, 3, 'd', 'n', 's', 0, 53), &t, &n), 0);
        assert_int_equal(n, 10);
        assert_string_equal(t.name, "dns");

        assert_int_equal(
                socks5_udp_parse(B(0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 53), &t,
                                 &n),
                0);
        assert_int_equal(n, 22);
        assert_int_equal(t.family, AF_INET6);

        /* Fragments are not supported; everything else malformed is -EBADMSG. */
        assert_int_equal(socks5_udp_parse(B(0, 0, 1, 0x01, 192, 0, 2, 53, 0, 53), &t, &n), -EOPNOTSUPP);
        assert_int_equal(socks5_udp_parse(B(0, 0, 0x80, 0x01, 192, 0, 2, 53, 0, 53), &t, &n), -EOPNOTSUPP);
        assert_int_equal(socks5_udp_parse(B(0, 0, 0, 0x01, 192, 0, 2, 53, 0), &t, &n), -EBADMSG);
        assert_int_equal(socks5_udp_parse(B(0, 0, 0), &t, &n), -EBADMSG);
        assert_int_equal(socks5_udp_parse(NULL, 0, &t, &n), -EBADMSG);
        assert_int_equal(socks5_udp_parse(B(0, 1, 0, 0x01, 192, 0, 2, 53, 0, 53), &t, &n), -EBADMSG);
        assert_int_equal(socks5_udp_parse(B(0, 0, 0, 0x02, 192, 0, 2, 53, 0, 53), &t, &n), -EBADMSG);
        assert_int_equal(socks5_udp_parse(B(0, 0, 0, 0x03, 0, 0, 53), &t, &n), -EBADMSG);
        assert_int_equal(socks5_udp_parse(B(0, 0, 0, 0x03, 4, 'd', 'n', 's', 0, 53), &t, &n), -EBADMSG);
        assert_int_equal(socks5_udp_parse(B(0, 0, 0, 0x01, 192, 0, 2, 53, 0, 0), &t, &n), -EBADMSG);
}

static void test_udp_header(void **state)
{
        struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(53)};
        struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(5353)};
        struct sockaddr_un un = {.sun_family = AF_UNIX};
        uint8_t buf[SOCKS5_UDP_HEADER_MAX];
        ProxyTarget t;
        size_t n;

        in.sin_addr.s_addr = htonl(0xC6336401);
        assert_int_equal(socks5_udp_header((struct sockaddr *)&in, buf, sizeof(buf)), 10);
        assert_memory_equal(buf, ((const uint8_t[]){0, 0, 0, 0x01, 198, 51, 100, 1, 0, 53}), 10);
        assert_int_equal(socks5_udp_parse(buf, 10, &t, &n), 0);
        assert_int_equal(t.address.in.s_addr, in.sin_addr.s_addr);
        assert_int_equal(t.port, 53);

        in6.sin6_addr.s6_addr[0] = 0x20;
        in6.sin6_addr.s6_addr[1] = 0x01;
        in6.sin6_addr.s6_addr[15] = 0x35;
        assert_int_equal(socks5_udp_header((struct sockaddr *)&in6, buf, sizeof(buf)), 22);
        assert_int_equal(socks5_udp_parse(buf, 22, &t, &n), 0);
        assert_int_equal(n, 22);
        assert_int_equal(t.family, AF_INET6);
        assert_memory_equal(&t.address.in6, &in6.sin6_addr, 16);
        assert_int_equal(t.port, 5353);

        assert_int_equal(socks5_udp_header((struct sockaddr *)&in6, buf, 21), -ENOBUFS);
        assert_int_equal(socks5_udp_header((struct sockaddr *)&in, buf, 9), -ENOBUFS);
        assert_int_equal(socks5_udp_header((struct sockaddr *)&in, buf, 2), -ENOBUFS);
        assert_int_equal(socks5_udp_header((struct sockaddr *)&un, buf, sizeof(buf)), -EAFNOSUPPORT);
}

static struct sockaddr_in v4(const char *a, uint16_t port)
{
        struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
        assert_int_equal(inet_pton(AF_INET, a, &in.sin_addr), 1);
        return in;
}

#define SA(x) ((struct sockaddr *)&(x))

static void test_udp_client(void **state)
{
        struct sockaddr_in tcp = v4("192.0.2.7", 40000), from = v4("192.0.2.7", 5000),
                           other_port = v4("192.0.2.7", 5001), other_ip = v4("198.51.100.9", 5000),
                           given = v4("192.0.2.8", 6000);
        ProxyTarget none = {.family = AF_INET}, port_only = {.family = AF_INET, .port = 5000},
                    full = {.family = AF_INET, .port = 6000}, name = {.family = AF_UNSPEC, .name = "x"};
        struct sockaddr_in6 mapped = {.sin6_family = AF_INET6, .sin6_port = htons(5000)};
        UdpClient c;

        inet_pton(AF_INET6, "::ffff:192.0.2.7", &mapped.sin6_addr);
        inet_pton(AF_INET, "192.0.2.8", &full.address.in);

        /* 0.0.0.0:0: the TCP client's address, the port of its first datagram. A forged
         * first datagram from another address learns nothing. */
        udp_client_init(&c, SA(tcp), &none);
        assert_false(udp_client_is(&c, SA(from)));
        assert_false(udp_client_accept(&c, SA(other_ip)));
        assert_false(c.port_known);
        assert_true(udp_client_accept(&c, SA(from)));
        assert_true(c.port_known);
        assert_true(udp_client_is(&c, SA(from)));
        assert_true(udp_client_is(&c, SA(mapped))); /* v4-mapped is the same sender */
        assert_false(udp_client_accept(&c, SA(other_port)));
        assert_false(udp_client_accept(&c, SA(other_ip)));

        /* A port given: nothing is learned, only that port of the TCP address. */
        udp_client_init(&c, SA(tcp), &port_only);
        assert_true(c.port_known);
        assert_false(udp_client_accept(&c, SA(other_port)));
        assert_true(udp_client_accept(&c, SA(from)));

        /* DST.ADDR given: that address, not the TCP client's. */
        udp_client_init(&c, SA(tcp), &full);
        assert_false(udp_client_accept(&c, SA(from)));
        assert_true(udp_client_accept(&c, SA(given)));

        /* A name is no address: the TCP client's, port learned. */
        udp_client_init(&c, SA(tcp), &name);
        assert_false(udp_client_accept(&c, SA(other_ip)));
        assert_true(udp_client_accept(&c, SA(other_port)));
}

static void test_udp_peers(void **state)
{
        struct sockaddr_in a = v4("100.64.0.1", 53), a_other_port = v4("100.64.0.1", 54),
                           b = v4("100.64.0.2", 53);
        struct sockaddr_in6 a_mapped = {.sin6_family = AF_INET6, .sin6_port = htons(53)};
        UdpPeers p = {};

        inet_pton(AF_INET6, "::ffff:100.64.0.1", &a_mapped.sin6_addr);
        assert_false(udp_peers_contains(&p, SA(a)));
        udp_peers_add(&p, SA(a));
        udp_peers_add(&p, SA(a)); /* once */
        assert_int_equal(p.n, 1);
        assert_true(udp_peers_contains(&p, SA(a)));
        assert_true(udp_peers_contains(&p, SA(a_mapped)));
        assert_false(udp_peers_contains(&p, SA(a_other_port)));
        assert_false(udp_peers_contains(&p, SA(b)));

        /* Bounded: the oldest makes room. */
        for (unsigned i = 0; i < UDP_PEERS_MAX; i++) {
                struct sockaddr_in x = v4("100.64.1.1", (uint16_t)(1000 + i));
                udp_peers_add(&p, SA(x));
        }
        assert_int_equal(p.n, UDP_PEERS_MAX);
        assert_false(udp_peers_contains(&p, SA(a)));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_socks5_connect_ipv4),
                cmocka_unit_test(test_socks5_pipelined),
                cmocka_unit_test(test_socks5_bytewise),
                cmocka_unit_test(test_socks5_ipv6),
                cmocka_unit_test(test_socks5_names),
                cmocka_unit_test(test_socks5_refused_requests),
                cmocka_unit_test(test_socks5_greeting),
                cmocka_unit_test(test_socks5_auth),
                cmocka_unit_test(test_socks5_udp_associate),
                cmocka_unit_test(test_socks5_reply_codes),
                cmocka_unit_test(test_socks4),
                cmocka_unit_test(test_socks4a),
                cmocka_unit_test(test_socks4_refused),
                cmocka_unit_test(test_http_connect),
                cmocka_unit_test(test_http_targets),
                cmocka_unit_test(test_http_early_and_oversized),
                cmocka_unit_test(test_http_methods),
                cmocka_unit_test(test_http_auth),
                cmocka_unit_test(test_auth_pending),
                cmocka_unit_test(test_udp_client),
                cmocka_unit_test(test_udp_peers),
                cmocka_unit_test(test_http_reply_codes),
                cmocka_unit_test(test_unknown_protocol),
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_udp_parse),
                cmocka_unit_test(test_udp_header),
        };
        return cmocka_run_group_tests_name("socks-handshake", tests, NULL, NULL);
}
