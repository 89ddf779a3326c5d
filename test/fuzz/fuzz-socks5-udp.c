/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-socks5-udp: the SOCKS5 UDP datagram header codec.
 *
 * Parses the input as a datagram from a client; an address target must survive a
 * round trip through socks5_udp_header() and back. The first byte also picks an output
 * size for socks5_udp_header(), which must never write past it.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sockaddr_storage ss = {};
        uint8_t out[SOCKS5_UDP_HEADER_MAX];
        ProxyTarget t, back;
        size_t header_len, back_len, out_size;
        int k;

        if (socks5_udp_parse(data, size, &t, &header_len) < 0)
                return 0;
        if (header_len > size || header_len < 4)
                abort();
        if (t.family == AF_UNSPEC) {
                if (strnlen(t.name, sizeof(t.name)) == 0 || strnlen(t.name, sizeof(t.name)) > PROXY_NAME_MAX)
                        abort();
                return 0;
        }

        if (t.family == AF_INET) {
                struct sockaddr_in *in = (struct sockaddr_in *)&ss;

                in->sin_family = AF_INET;
                in->sin_addr = t.address.in;
                in->sin_port = htons(t.port);
        } else if (t.family == AF_INET6) {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

                in6->sin6_family = AF_INET6;
                in6->sin6_addr = t.address.in6;
                in6->sin6_port = htons(t.port);
        } else
                abort();

        out_size = size > 0 ? data[size - 1] % (sizeof(out) + 1) : sizeof(out);
        k = socks5_udp_header((struct sockaddr *)&ss, out, out_size);
        if (k < 0)
                return 0;
        if ((size_t)k > out_size)
                abort();
        if (socks5_udp_parse(out, (size_t)k, &back, &back_len) < 0 || back_len != (size_t)k)
                abort();
        if (back.port != t.port)
                abort();
        /* IPv4-mapped IPv6 addresses come back as IPv4. */
        if (back.family == t.family && memcmp(&back.address, &t.address, t.family == AF_INET ? 4 : 16) != 0)
                abort();
        return 0;
}
