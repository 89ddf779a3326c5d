/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socks5-address.c: ATYP, address, port: the triple RFC 1928 uses in requests,
 * replies and UDP datagram headers, parsed and written in one place.
 *
 * A domain name must be 1..255 bytes of printable ASCII: a NUL would cut the name the
 * resolver sees short of the one the client sent, and control bytes would end up in
 * logs. IP literals sent as names become addresses (proxy_target_set_host()).
 */
#include <errno.h>
#include <string.h>

#include "handshake-internal.h"

int socks5_address_parse(const uint8_t *data, size_t len, ProxyTarget *t, size_t *ret_len)
{
        size_t n;
        int r;

        if (len < 1)
                return -EAGAIN;

        switch (data[0]) {
        case SOCKS5_ATYP_IPV4:
                n = 1 + 4 + 2;
                if (len < n)
                        return -EAGAIN;
                *t = (ProxyTarget){.family = AF_INET};
                memcpy(&t->address.in, data + 1, 4);
                break;
        case SOCKS5_ATYP_IPV6:
                n = 1 + 16 + 2;
                if (len < n)
                        return -EAGAIN;
                *t = (ProxyTarget){.family = AF_INET6};
                memcpy(&t->address.in6, data + 1, 16);
                break;
        case SOCKS5_ATYP_DOMAINNAME:
                if (len < 2)
                        return -EAGAIN;
                n = 1 + 1 + (size_t)data[1] + 2;
                if (len < n)
                        return -EAGAIN;
                *t = (ProxyTarget){};
                r = proxy_target_set_host(t, (const char *)data + 2, data[1]);
                if (r < 0)
                        return r;
                break;
        default: return -EAFNOSUPPORT;
        }

        t->port = (uint16_t)(data[n - 2] << 8 | data[n - 1]);
        *ret_len = n;
        return 0;
}

int socks5_address_put(const struct sockaddr *sa, socklen_t sa_len, uint8_t *buf, size_t size)
{
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
        const uint8_t *addr = (const uint8_t[4]){0, 0, 0, 0};
        size_t addr_len = 4;
        uint16_t port = 0; /* network byte order */

        if (sa && sa->sa_family == AF_INET && sa_len >= (socklen_t)sizeof(struct sockaddr_in)) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

                addr = (const uint8_t *)&in->sin_addr;
                port = in->sin_port;
        } else if (sa && sa->sa_family == AF_INET6 && sa_len >= (socklen_t)sizeof(struct sockaddr_in6)) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

                addr = in6->sin6_addr.s6_addr;
                addr_len = 16;
                if (memcmp(addr, v4mapped, sizeof(v4mapped)) == 0) {
                        addr += 12;
                        addr_len = 4;
                }
                port = in6->sin6_port;
        }

        if (size < 1 + addr_len + 2)
                return -ENOBUFS;
        buf[0] = addr_len == 4 ? SOCKS5_ATYP_IPV4 : SOCKS5_ATYP_IPV6;
        memcpy(buf + 1, addr, addr_len);
        memcpy(buf + 1 + addr_len, &port, 2);
        return (int)(1 + addr_len + 2);
}
