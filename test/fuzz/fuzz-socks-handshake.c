/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-socks-handshake: drive the handshake engine the way the daemon does.
 *
 * Input: FLAGS CHUNK1 CHUNK2 then the bytes of the client. FLAGS bit 0 turns on
 * authentication (user "user", password "pass"), bits 1-3 pick the error passed to
 * handshake_reply(), bits 4-5 the bound address, bit 6 makes the check pending (as the
 * daemon's are: the verdict through handshake_auth_done()). The client's bytes arrive in chunks of
 * CHUNK1 and CHUNK2 bytes alternately (0: all the rest), into a buffer of
 * HANDSHAKE_INPUT_MAX that keeps what was not consumed, as the daemon's does. Checks
 * the engine's promises: consumed <= len, bounded output, a NUL-terminated valid
 * target, CLOSE instead of MORE when the buffer is full before the request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool last_right;

static HandshakeAuthResult check(void *userdata, const char *user, const char *password)
{
        bool pending = userdata != NULL;

        if (strlen(user) > 255 || strlen(password) > 255)
                abort();
        last_right = strcmp(user, "user") == 0 && strcmp(password, "pass") == 0;
        if (pending)
                return HANDSHAKE_AUTH_PENDING;
        return last_right ? HANDSHAKE_AUTH_GRANTED : HANDSHAKE_AUTH_DENIED;
}

static void check_target(const ProxyTarget *t)
{
        char buf[PROXY_TARGET_STRLEN];

        if (t->family == AF_UNSPEC) {
                size_t n = strnlen(t->name, sizeof(t->name));

                if (n == 0 || n > PROXY_NAME_MAX)
                        abort();
        } else if (t->family != AF_INET && t->family != AF_INET6)
                abort();
        proxy_target_format(t, buf);
        if (strnlen(buf, sizeof(buf)) >= sizeof(buf))
                abort();
}

static HandshakeStatus reply(Handshake *hs, uint8_t flags)
{
        static const int errors[] = {0,          -ECONNREFUSED, -ENETUNREACH, -EHOSTUNREACH,
                                     -ETIMEDOUT, -EACCES,       -ENOENT,      -EIO};
        struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(1080)};
        struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(1080)};

        in.sin_addr.s_addr = htonl(0x7F000001);
        in6.sin6_addr.s6_addr[15] = 1;
        switch ((flags >> 4) & 3) {
        case 0: return handshake_reply(hs, errors[(flags >> 1) & 7], NULL, 0);
        case 1: return handshake_reply(hs, errors[(flags >> 1) & 7], (struct sockaddr *)&in, sizeof(in));
        case 2: return handshake_reply(hs, errors[(flags >> 1) & 7], (struct sockaddr *)&in6, sizeof(in6));
        default: /* a short length must not be read past */
                return handshake_reply(hs, errors[(flags >> 1) & 7], (struct sockaddr *)&in6, 4);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint8_t buf[HANDSHAKE_INPUT_MAX];
        HandshakeAuth auth = {.check = check};
        static int pending_mark;
        bool requested = false, refeed = false;
        uint8_t flags, chunks[2];
        size_t n = 0, pos = 3;
        Handshake hs;

        if (size < 3)
                return 0;
        flags = data[0];
        chunks[0] = data[1];
        chunks[1] = data[2];
        auth.userdata = flags & 0x40 ? &pending_mark : NULL;

        handshake_init(&hs, flags & 1 ? &auth : NULL);
        for (unsigned i = 0;; i++) {
                size_t chunk = chunks[i & 1] ? chunks[i & 1] : size - pos, consumed = SIZE_MAX;
                HandshakeStatus s;

                if (chunk > size - pos)
                        chunk = size - pos;
                if (chunk > sizeof(buf) - n)
                        chunk = sizeof(buf) - n;
                if (refeed) /* after a verdict: what is there first, as the daemon does */
                        chunk = 0;
                refeed = false;
                memcpy(buf + n, data + pos, chunk);
                n += chunk;
                pos += chunk;

                s = handshake_feed(&hs, buf, n, &consumed);
                if (consumed > n || hs.n_out > sizeof(hs.out))
                        abort();
                if (s == HANDSHAKE_AUTH) {
                        size_t again = SIZE_MAX;

                        if (!(flags & 0x40))
                                abort(); /* only a pending check waits */
                        memmove(buf, buf + consumed, n - consumed);
                        n -= consumed;
                        /* Waiting: nothing parsed, nothing consumed. */
                        if (handshake_feed(&hs, buf, n, &again) != HANDSHAKE_MORE || again != 0)
                                abort();
                        s = handshake_auth_done(&hs, last_right);
                        consumed = 0;
                        if (hs.n_out > sizeof(hs.out))
                                abort();
                        if (s == HANDSHAKE_MORE) {
                                hs.n_out = 0;
                                refeed = true;
                                continue;
                        }
                }
                (void)proxy_protocol_to_string(hs.protocol);
                memmove(buf, buf + consumed, n - consumed);
                n -= consumed;
                hs.n_out = 0;

                if (s == HANDSHAKE_CLOSE)
                        break;
                if (s == HANDSHAKE_REQUEST) {
                        if (requested)
                                abort();
                        requested = true;
                        if (hs.command == PROXY_COMMAND_UDP_ASSOCIATE &&
                            hs.protocol != PROXY_PROTOCOL_SOCKS5)
                                abort();
                        check_target(&hs.target);
                        s = reply(&hs, flags);
                        if (hs.n_out == 0 || hs.n_out > sizeof(hs.out))
                                abort();
                        hs.n_out = 0;
                        if (s == HANDSHAKE_CLOSE)
                                break;
                        if (s != HANDSHAKE_MORE)
                                abort();
                        /* Relaying now: the engine must leave every later byte alone. */
                        s = handshake_feed(&hs, buf, n, &consumed);
                        if (s != HANDSHAKE_MORE || consumed != 0 || hs.n_out != 0)
                                abort();
                        break;
                }
                if (!requested && n == sizeof(buf))
                        abort(); /* full buffer and still MORE: the daemon would hang */
                if (pos == size)
                        break;
        }

        return 0;
}
