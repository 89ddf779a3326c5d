/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipnet.c: CIDR networks and endpoints for IPv4 and IPv6 (see ipnet.h).
 *
 * Parsing is strict: inet_pton() for the address (no shorthand IPv4 forms), a decimal
 * prefix without sign or leading zeros, a decimal port 1..65535.
 */
#include "ipnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int parse_decimal(const char *s, unsigned max, unsigned *ret)
{
        unsigned v = 0;

        if (!*s || (s[0] == '0' && s[1]))
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned)(*s - '0');
                if (v > max)
                        return -EINVAL;
        }
        *ret = v;
        return 0;
}

int ipnet_parse(const char *s, IpNetwork *ret)
{
        char a[INET6_ADDRSTRLEN];
        const char *slash = strchr(s, '/');
        size_t len = slash ? (size_t)(slash - s) : strlen(s);
        IpNetwork n = {};
        unsigned max;

        if (len == 0 || len >= sizeof(a))
                return -EINVAL;
        memcpy(a, s, len);
        a[len] = '\0';
        if (inet_pton(AF_INET, a, n.bytes) == 1)
                n.family = AF_INET;
        else if (inet_pton(AF_INET6, a, n.bytes) == 1)
                n.family = AF_INET6;
        else
                return -EINVAL;
        max = n.family == AF_INET ? 32 : 128;
        if (!slash)
                n.prefix = max;
        else if (parse_decimal(slash + 1, max, &n.prefix) < 0)
                return -EINVAL;

        for (unsigned bit = n.prefix; bit < max; bit++)
                if (n.bytes[bit / 8] & (0x80u >> (bit % 8)))
                        return -EDOM;
        *ret = n;
        return 0;
}

void ipnet_format(const IpNetwork *n, char buf[static IPNET_STRLEN])
{
        char a[INET6_ADDRSTRLEN];

        inet_ntop(n->family, n->bytes, a, sizeof(a));
        snprintf(buf, IPNET_STRLEN, "%s/%u", a, n->prefix);
}

static bool prefix_match(const uint8_t *net, const uint8_t *addr, unsigned prefix)
{
        unsigned full = prefix / 8, rest = prefix % 8;

        if (memcmp(net, addr, full) != 0)
                return false;
        if (rest == 0)
                return true;
        return ((net[full] ^ addr[full]) & (0xffu << (8 - rest))) == 0;
}

/* The address bytes of sa as family; v4-mapped IPv6 counts as IPv4. NULL if none. */
static const uint8_t *sockaddr_bytes(const struct sockaddr *sa, int *ret_family)
{
        if (sa->sa_family == AF_INET) {
                *ret_family = AF_INET;
                return (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        }
        if (sa->sa_family == AF_INET6) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
                if (IN6_IS_ADDR_V4MAPPED(a)) {
                        *ret_family = AF_INET;
                        return a->s6_addr + 12;
                }
                *ret_family = AF_INET6;
                return a->s6_addr;
        }
        return NULL;
}

static uint16_t sockaddr_port(const struct sockaddr *sa)
{
        return sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
                                        : ((const struct sockaddr_in6 *)sa)->sin6_port;
}

bool ipnet_contains_sockaddr(const IpNetwork *n, const struct sockaddr *sa)
{
        int family;
        const uint8_t *b = sockaddr_bytes(sa, &family);

        return b && family == n->family && prefix_match(n->bytes, b, n->prefix);
}

bool ipnet_list_contains_sockaddr(const IpNetwork *list, size_t n, const struct sockaddr *sa)
{
        for (size_t i = 0; i < n; i++)
                if (ipnet_contains_sockaddr(&list[i], sa))
                        return true;
        return false;
}

int endpoint_parse(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len)
{
        char a[INET6_ADDRSTRLEN];
        const char *colon, *start = s;
        size_t len;
        unsigned port;

        if (*s == '[') {
                const char *close = strchr(s, ']');
                if (!close || close[1] != ':')
                        return -EINVAL;
                start = s + 1;
                len = (size_t)(close - start);
                colon = close + 1;
        } else {
                colon = strrchr(s, ':');
                if (!colon || memchr(s, ':', (size_t)(colon - s)))
                        return -EINVAL;
                len = (size_t)(colon - s);
        }
        if (len == 0 || len >= sizeof(a) || parse_decimal(colon + 1, 65535, &port) < 0 || port == 0)
                return -EINVAL;
        memcpy(a, start, len);
        a[len] = '\0';

        memset(ret, 0, sizeof(*ret));
        if (*s != '[') {
                struct sockaddr_in *in = (struct sockaddr_in *)ret;
                if (inet_pton(AF_INET, a, &in->sin_addr) != 1)
                        return -EINVAL;
                in->sin_family = AF_INET;
                in->sin_port = htons((uint16_t)port);
                *ret_len = sizeof(*in);
        } else {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ret;
                if (inet_pton(AF_INET6, a, &in6->sin6_addr) != 1)
                        return -EINVAL;
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons((uint16_t)port);
                *ret_len = sizeof(*in6);
        }
        return 0;
}

void endpoint_format(const struct sockaddr *sa, char buf[static ENDPOINT_STRLEN])
{
        char a[INET6_ADDRSTRLEN];
        int family;
        const uint8_t *b = sockaddr_bytes(sa, &family);

        if (!b) {
                snprintf(buf, ENDPOINT_STRLEN, "(family %d)", sa->sa_family);
                return;
        }
        inet_ntop(family, b, a, sizeof(a));
        snprintf(buf, ENDPOINT_STRLEN, family == AF_INET ? "%s:%u" : "[%s]:%u", a, ntohs(sockaddr_port(sa)));
}

bool sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
        int fa, fb;
        const uint8_t *ba = sockaddr_bytes(a, &fa), *bb = sockaddr_bytes(b, &fb);

        return ba && bb && fa == fb && memcmp(ba, bb, fa == AF_INET ? 4 : 16) == 0 &&
               sockaddr_port(a) == sockaddr_port(b);
}
