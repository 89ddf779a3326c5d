/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * handshake.c: the front of the handshake engine (see handshake.h).
 *
 * Picks the protocol from the first byte and hands every later call to it; owns the
 * few things all protocols share: the output buffer, the state changes, host names
 * and target formatting. No I/O, no allocation: the Handshake is the whole state.
 */
#include "handshake.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "handshake-internal.h"

void handshake_init(Handshake *hs, const HandshakeAuth *auth)
{
        *hs = (Handshake){
                .protocol = PROXY_PROTOCOL_NONE,
                .state = HANDSHAKE_STATE_START,
        };
        if (auth)
                hs->auth = *auth;
}

bool handshake_put(Handshake *hs, const void *p, size_t n)
{
        if (hs->n_out > sizeof(hs->out) || n > sizeof(hs->out) - hs->n_out)
                return false;
        memcpy(hs->out + hs->n_out, p, n);
        hs->n_out += n;
        return true;
}

HandshakeStatus handshake_close(Handshake *hs)
{
        hs->state = HANDSHAKE_STATE_CLOSED;
        return HANDSHAKE_CLOSE;
}

HandshakeStatus handshake_request(Handshake *hs, ProxyCommand command)
{
        hs->command = command;
        hs->state = HANDSHAKE_STATE_WAIT_REPLY;
        return HANDSHAKE_REQUEST;
}

HandshakeStatus handshake_feed(Handshake *hs, const uint8_t *data, size_t len, size_t *consumed)
{
        *consumed = 0;
        if (len == 0) /* nothing to parse (and data may be NULL) */
                return handshake_state(hs) == HANDSHAKE_STATE_CLOSED ? HANDSHAKE_CLOSE : HANDSHAKE_MORE;

        switch (handshake_state(hs)) {
        case HANDSHAKE_STATE_START:
                if (data[0] == 0x05) {
                        hs->protocol = PROXY_PROTOCOL_SOCKS5;
                        hs->state = HANDSHAKE_STATE_SOCKS5_GREETING;
                } else if (data[0] == 0x04) {
                        hs->protocol = PROXY_PROTOCOL_SOCKS4;
                        hs->state = HANDSHAKE_STATE_SOCKS4_REQUEST;
                } else if (data[0] >= 'A' && data[0] <= 'Z') {
                        hs->protocol = PROXY_PROTOCOL_HTTP;
                        hs->state = HANDSHAKE_STATE_HTTP_REQUEST;
                } else
                        return handshake_close(hs);
                break;
        case HANDSHAKE_STATE_SOCKS5_AUTH_WAIT:
        case HANDSHAKE_STATE_HTTP_AUTH_WAIT:
        case HANDSHAKE_STATE_WAIT_REPLY:
        case HANDSHAKE_STATE_RELAY:
                /* Not ours to parse: the daemon keeps the bytes for the target. */
                return HANDSHAKE_MORE;
        case HANDSHAKE_STATE_CLOSED: return HANDSHAKE_CLOSE;
        default: break;
        }

        switch (hs->protocol) {
        case PROXY_PROTOCOL_SOCKS5: return socks5_feed(hs, data, len, consumed);
        case PROXY_PROTOCOL_SOCKS4: return socks4_feed(hs, data, len, consumed);
        case PROXY_PROTOCOL_HTTP: return http_connect_feed(hs, data, len, consumed);
        default: return handshake_close(hs);
        }
}

HandshakeStatus handshake_auth_done(Handshake *hs, bool granted)
{
        switch (handshake_state(hs)) {
        case HANDSHAKE_STATE_SOCKS5_AUTH_WAIT: return socks5_auth_done(hs, granted);
        case HANDSHAKE_STATE_HTTP_AUTH_WAIT: return http_connect_auth_done(hs, granted);
        default: return handshake_close(hs);
        }
}

HandshakeStatus handshake_reply(Handshake *hs, int error, const struct sockaddr *bound, socklen_t bound_len)
{
        if (handshake_state(hs) != HANDSHAKE_STATE_WAIT_REPLY)
                return handshake_close(hs);
        if (error > 0)
                error = -error;

        switch (hs->protocol) {
        case PROXY_PROTOCOL_SOCKS5: return socks5_reply(hs, error, bound, bound_len);
        case PROXY_PROTOCOL_SOCKS4: return socks4_reply(hs, error, bound, bound_len);
        case PROXY_PROTOCOL_HTTP: return http_connect_reply(hs, error);
        default: return handshake_close(hs);
        }
}

const char *proxy_protocol_to_string(ProxyProtocol p)
{
        switch (p) {
        case PROXY_PROTOCOL_NONE: return "none";
        case PROXY_PROTOCOL_SOCKS4: return "socks4";
        case PROXY_PROTOCOL_SOCKS5: return "socks5";
        case PROXY_PROTOCOL_HTTP: return "http";
        }
        return NULL;
}

bool proxy_name_char_ok(uint8_t c)
{
        return c > 0x20 && c < 0x7F;
}

int proxy_target_set_host(ProxyTarget *t, const char *name, size_t len)
{
        char buf[PROXY_NAME_MAX + 1];

        if (len == 0 || len > PROXY_NAME_MAX)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (!proxy_name_char_ok((uint8_t)name[i]))
                        return -EINVAL;
        memcpy(buf, name, len);
        buf[len] = '\0';

        memset(&t->address, 0, sizeof(t->address));
        memset(t->name, 0, sizeof(t->name));
        if (inet_pton(AF_INET, buf, &t->address.in) == 1)
                t->family = AF_INET;
        else if (inet_pton(AF_INET6, buf, &t->address.in6) == 1)
                t->family = AF_INET6;
        else {
                t->family = AF_UNSPEC;
                memcpy(t->name, buf, len + 1);
        }
        return 0;
}

void proxy_target_format(const ProxyTarget *t, char buf[static PROXY_TARGET_STRLEN])
{
        char a[INET6_ADDRSTRLEN];

        switch (t->family) {
        case AF_INET:
                (void)inet_ntop(AF_INET, &t->address.in, a, sizeof(a));
                (void)snprintf(buf, PROXY_TARGET_STRLEN, "%s:%u", a, t->port);
                break;
        case AF_INET6:
                (void)inet_ntop(AF_INET6, &t->address.in6, a, sizeof(a));
                (void)snprintf(buf, PROXY_TARGET_STRLEN, "[%s]:%u", a, t->port);
                break;
        default:
                (void)snprintf(buf, PROXY_TARGET_STRLEN, "%.*s:%u", PROXY_NAME_MAX, t->name, t->port);
                break;
        }
}
