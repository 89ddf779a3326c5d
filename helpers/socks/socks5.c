/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socks5.c: the TCP side of SOCKS5 (RFC 1928) with username/password authentication
 * (RFC 1929).
 *
 * Three messages, each parsed only once it is complete: the greeting (we pick 0x00 "no
 * authentication" or, when a checker is configured, 0x02 "username/password", nothing
 * else), the RFC 1929 sub-negotiation, and the request. Clients may pipeline them; the
 * loop in socks5_feed() takes as many as are there and stops at the request, so bytes
 * a client sends behind it stay for the target. Anything off-protocol closes without a
 * reply; a request we understand but refuse gets its reply code first.
 */
#include <errno.h>
#include <string.h>

#include "handshake-internal.h"

enum {
        SOCKS5_VERSION = 0x05,
        SOCKS5_METHOD_NONE = 0x00,
        SOCKS5_METHOD_USERNAME = 0x02,
        SOCKS5_METHOD_UNACCEPTABLE = 0xFF,
        SOCKS5_CMD_CONNECT = 0x01,
        SOCKS5_CMD_BIND = 0x02,
        SOCKS5_CMD_UDP_ASSOCIATE = 0x03,
        RFC1929_VERSION = 0x01,
        RFC1929_SUCCESS = 0x00,
        RFC1929_FAILURE = 0x01,
};

/* VER REP RSV BND.ATYP BND.ADDR BND.PORT */
static bool socks5_put_reply(Handshake *hs, uint8_t rep, const struct sockaddr *bound, socklen_t bound_len)
{
        uint8_t buf[3 + SOCKS5_ADDRESS_MAX] = {SOCKS5_VERSION, rep, 0x00};
        int k;

        k = socks5_address_put(bound, bound_len, buf + 3, sizeof(buf) - 3);
        if (k < 0)
                return false;
        return handshake_put(hs, buf, 3 + (size_t)k);
}

static HandshakeStatus socks5_fail(Handshake *hs, uint8_t rep)
{
        (void)socks5_put_reply(hs, rep, NULL, 0);
        return handshake_close(hs);
}

/* VER NMETHODS METHODS[NMETHODS] */
static HandshakeStatus socks5_greeting(Handshake *hs, const uint8_t *d, size_t len, size_t *n)
{
        uint8_t method = hs->auth.check ? SOCKS5_METHOD_USERNAME : SOCKS5_METHOD_NONE;
        size_t need;

        if (len < 2)
                return HANDSHAKE_MORE;
        if (d[0] != SOCKS5_VERSION)
                return handshake_close(hs);
        need = 2 + (size_t)d[1];
        if (len < need)
                return HANDSHAKE_MORE;
        *n = need;

        if (!memchr(d + 2, method, d[1])) {
                (void)handshake_put(hs, (const uint8_t[]){SOCKS5_VERSION, SOCKS5_METHOD_UNACCEPTABLE}, 2);
                return handshake_close(hs);
        }
        if (!handshake_put(hs, (const uint8_t[]){SOCKS5_VERSION, method}, 2))
                return handshake_close(hs);
        hs->state = method == SOCKS5_METHOD_USERNAME ? HANDSHAKE_STATE_SOCKS5_AUTH
                                                     : HANDSHAKE_STATE_SOCKS5_REQUEST;
        return HANDSHAKE_MORE;
}

HandshakeStatus socks5_auth_done(Handshake *hs, bool granted)
{
        if (!granted) {
                hs->user[0] = '\0';
                (void)handshake_put(hs, (const uint8_t[]){RFC1929_VERSION, RFC1929_FAILURE}, 2);
                return handshake_close(hs);
        }
        if (!handshake_put(hs, (const uint8_t[]){RFC1929_VERSION, RFC1929_SUCCESS}, 2))
                return handshake_close(hs);
        hs->state = HANDSHAKE_STATE_SOCKS5_REQUEST;
        return HANDSHAKE_MORE;
}

/* RFC 1929: VER ULEN UNAME[ULEN] PLEN PASSWD[PLEN] */
static HandshakeStatus socks5_auth(Handshake *hs, const uint8_t *d, size_t len, size_t *n)
{
        char user[256], password[256];
        HandshakeAuthResult a = HANDSHAKE_AUTH_DENIED;
        size_t ulen, plen, need;

        if (len < 2)
                return HANDSHAKE_MORE;
        if (d[0] != RFC1929_VERSION)
                return handshake_close(hs);
        ulen = d[1];
        if (len < 2 + ulen + 1)
                return HANDSHAKE_MORE;
        plen = d[2 + ulen];
        need = 3 + ulen + plen;
        if (len < need)
                return HANDSHAKE_MORE;
        *n = need;

        memcpy(user, d + 2, ulen);
        user[ulen] = '\0';
        memcpy(password, d + 3 + ulen, plen);
        password[plen] = '\0';

        /* A NUL inside would make the checker see a different string than was sent. */
        if (strlen(user) == ulen && strlen(password) == plen) {
                memcpy(hs->user, user, ulen + 1);
                a = hs->auth.check(hs->auth.userdata, user, password);
        }
        explicit_bzero(password, sizeof(password));

        hs->state = HANDSHAKE_STATE_SOCKS5_AUTH_WAIT;
        if (a == HANDSHAKE_AUTH_PENDING)
                return HANDSHAKE_AUTH;
        return socks5_auth_done(hs, a == HANDSHAKE_AUTH_GRANTED);
}

/* VER CMD RSV ATYP DST.ADDR DST.PORT */
static HandshakeStatus socks5_request(Handshake *hs, const uint8_t *d, size_t len, size_t *n)
{
        size_t alen;
        int r;

        if (len < 4)
                return HANDSHAKE_MORE;
        if (d[0] != SOCKS5_VERSION || d[2] != 0x00)
                return handshake_close(hs);

        r = socks5_address_parse(d + 3, len - 3, &hs->target, &alen);
        if (r == -EAGAIN)
                return HANDSHAKE_MORE;
        *n = 3 + (r == 0 ? alen : 0);
        if (r == -EAFNOSUPPORT)
                return socks5_fail(hs, SOCKS5_REP_ADDRESS_TYPE_NOT_SUPPORTED);
        if (r < 0)
                return socks5_fail(hs, SOCKS5_REP_GENERAL_FAILURE);

        switch (d[1]) {
        case SOCKS5_CMD_CONNECT: return handshake_request(hs, PROXY_COMMAND_CONNECT);
        case SOCKS5_CMD_UDP_ASSOCIATE: return handshake_request(hs, PROXY_COMMAND_UDP_ASSOCIATE);
        case SOCKS5_CMD_BIND: /* no listening on behalf of clients */
        default: return socks5_fail(hs, SOCKS5_REP_COMMAND_NOT_SUPPORTED);
        }
}

HandshakeStatus socks5_feed(Handshake *hs, const uint8_t *data, size_t len, size_t *consumed)
{
        for (;;) {
                HandshakeStatus s;
                size_t n = 0;

                switch (handshake_state(hs)) {
                case HANDSHAKE_STATE_SOCKS5_GREETING:
                        s = socks5_greeting(hs, data + *consumed, len - *consumed, &n);
                        break;
                case HANDSHAKE_STATE_SOCKS5_AUTH:
                        s = socks5_auth(hs, data + *consumed, len - *consumed, &n);
                        break;
                case HANDSHAKE_STATE_SOCKS5_REQUEST:
                        s = socks5_request(hs, data + *consumed, len - *consumed, &n);
                        break;
                default: return handshake_close(hs);
                }

                *consumed += n;
                if (s != HANDSHAKE_MORE || n == 0)
                        return s;
        }
}

static uint8_t socks5_rep_from_errno(int error)
{
        switch (error) {
        case 0: return SOCKS5_REP_SUCCEEDED;
        case -ECONNREFUSED: return SOCKS5_REP_CONNECTION_REFUSED;
        case -ENETUNREACH: return SOCKS5_REP_NETWORK_UNREACHABLE;
        case -EHOSTUNREACH:
        case -ENOENT:
        case -ENXIO:
        case -ETIMEDOUT: return SOCKS5_REP_HOST_UNREACHABLE;
        case -EACCES:
        case -EPERM: return SOCKS5_REP_NOT_ALLOWED;
        default: return SOCKS5_REP_GENERAL_FAILURE;
        }
}

HandshakeStatus socks5_reply(Handshake *hs, int error, const struct sockaddr *bound, socklen_t bound_len)
{
        if (error < 0)
                return socks5_fail(hs, socks5_rep_from_errno(error));
        if (!socks5_put_reply(hs, SOCKS5_REP_SUCCEEDED, bound, bound_len))
                return handshake_close(hs);
        hs->state = HANDSHAKE_STATE_RELAY;
        return HANDSHAKE_MORE;
}
