/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socks5-udp.c: the header of SOCKS5 UDP datagrams (RFC 1928 section 7).
 *
 *   RSV(2)=0 FRAG(1) ATYP DST.ADDR DST.PORT DATA
 *
 * Fragmentation is optional in the RFC and nearly no client uses it: datagrams with
 * FRAG != 0 are refused (the caller drops them), so there is no reassembly state.
 */
#include <errno.h>

#include "handshake-internal.h"

int socks5_udp_parse(const uint8_t *data, size_t len, ProxyTarget *ret_target, size_t *ret_header_len)
{
        ProxyTarget t;
        size_t n;
        int r;

        if (len < 4 || data[0] != 0 || data[1] != 0)
                return -EBADMSG;
        if (data[2] != 0)
                return -EOPNOTSUPP;

        r = socks5_address_parse(data + 3, len - 3, &t, &n);
        if (r < 0)
                return -EBADMSG;
        if (t.port == 0)
                return -EBADMSG;

        *ret_target = t;
        *ret_header_len = 3 + n;
        return 0;
}

int socks5_udp_header(const struct sockaddr *from, uint8_t *buf, size_t size)
{
        socklen_t len;
        int k;

        if (!from)
                return -EINVAL;
        switch (from->sa_family) {
        case AF_INET: len = sizeof(struct sockaddr_in); break;
        case AF_INET6: len = sizeof(struct sockaddr_in6); break;
        default: return -EAFNOSUPPORT;
        }
        if (size < 3)
                return -ENOBUFS;

        k = socks5_address_put(from, len, buf + 3, size - 3);
        if (k < 0)
                return k;
        buf[0] = buf[1] = buf[2] = 0;
        return 3 + k;
}
