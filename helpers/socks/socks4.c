/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socks4.c: SOCKS4 and SOCKS4a CONNECT.
 *
 *   request: VN=4 CD=1 DSTPORT(2) DSTIP(4) USERID NUL [HOSTNAME NUL (4a)]
 *   reply:   VN=0 CD=0x5A granted / 0x5B rejected DSTPORT(2) DSTIP(4)
 *
 * SOCKS4a is a DSTIP of 0.0.0.x with x != 0, followed by the host name after USERID.
 * USERID is not a credential (there is no password), so when authentication is
 * configured every SOCKS4 request is rejected; without it, USERID is ignored. Both
 * NUL-terminated strings are capped at 255 bytes: a client that sends more is refused
 * instead of filling our buffer.
 */
#include <errno.h>
#include <string.h>

#include "handshake-internal.h"

enum {
        SOCKS4_VERSION = 0x04,
        SOCKS4_REPLY_VERSION = 0x00,
        SOCKS4_CMD_CONNECT = 0x01,
        SOCKS4_GRANTED = 0x5A,
        SOCKS4_REJECTED = 0x5B,
        SOCKS4_STRING_MAX = 255, /* USERID and HOSTNAME, without the NUL */
};

static bool socks4_put_reply(Handshake *hs, uint8_t cd, const struct sockaddr *bound, socklen_t bound_len)
{
        uint8_t buf[8] = {SOCKS4_REPLY_VERSION, cd};

        /* Clients ignore DSTPORT/DSTIP in a CONNECT reply; fill them in when we can. */
        if (bound && bound->sa_family == AF_INET && bound_len >= (socklen_t)sizeof(struct sockaddr_in)) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)bound;

                memcpy(buf + 2, &in->sin_port, 2);
                memcpy(buf + 4, &in->sin_addr, 4);
        }
        return handshake_put(hs, buf, sizeof(buf));
}

static HandshakeStatus socks4_fail(Handshake *hs)
{
        (void)socks4_put_reply(hs, SOCKS4_REJECTED, NULL, 0);
        return handshake_close(hs);
}

/* Find the NUL ending a string at d[0..len): its offset, -EAGAIN, or -E2BIG when too long. */
static int socks4_string(const uint8_t *d, size_t len, size_t *ret)
{
        const uint8_t *nul = memchr(d, 0, len < SOCKS4_STRING_MAX + 1 ? len : SOCKS4_STRING_MAX + 1);

        if (!nul)
                return len > SOCKS4_STRING_MAX ? -E2BIG : -EAGAIN;
        *ret = (size_t)(nul - d);
        return 0;
}

HandshakeStatus socks4_feed(Handshake *hs, const uint8_t *d, size_t len, size_t *consumed)
{
        size_t userid_len, name_len = 0, n;
        bool socks4a;
        int r;

        if (handshake_state(hs) != HANDSHAKE_STATE_SOCKS4_REQUEST)
                return handshake_close(hs);
        if (len < 1)
                return HANDSHAKE_MORE;
        if (d[0] != SOCKS4_VERSION)
                return handshake_close(hs);
        if (len < 8)
                return HANDSHAKE_MORE;

        r = socks4_string(d + 8, len - 8, &userid_len);
        if (r == -EAGAIN)
                return HANDSHAKE_MORE;
        if (r < 0)
                return socks4_fail(hs);
        n = 8 + userid_len + 1;

        socks4a = d[4] == 0 && d[5] == 0 && d[6] == 0 && d[7] != 0;
        if (socks4a) {
                r = socks4_string(d + n, len - n, &name_len);
                if (r == -EAGAIN)
                        return HANDSHAKE_MORE;
                if (r < 0)
                        return socks4_fail(hs);
                n += name_len + 1;
        }
        *consumed = n;

        if (hs->auth.check || d[1] != SOCKS4_CMD_CONNECT)
                return socks4_fail(hs);

        if (socks4a) {
                hs->target = (ProxyTarget){};
                if (proxy_target_set_host(&hs->target, (const char *)d + 8 + userid_len + 1, name_len) < 0)
                        return socks4_fail(hs);
        } else {
                hs->target = (ProxyTarget){.family = AF_INET};
                memcpy(&hs->target.address.in, d + 4, 4);
        }
        hs->target.port = (uint16_t)(d[2] << 8 | d[3]);
        return handshake_request(hs, PROXY_COMMAND_CONNECT);
}

HandshakeStatus socks4_reply(Handshake *hs, int error, const struct sockaddr *bound, socklen_t bound_len)
{
        if (error < 0)
                return socks4_fail(hs);
        if (!socks4_put_reply(hs, SOCKS4_GRANTED, bound, bound_len))
                return handshake_close(hs);
        hs->state = HANDSHAKE_STATE_RELAY;
        return HANDSHAKE_MORE;
}
