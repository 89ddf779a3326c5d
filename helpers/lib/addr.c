/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * addr.c: IPv4 parsing and subnet arithmetic for the veth pairs.
 *
 * inet_pton() accepts only full dotted quads, which is what we want; everything else
 * here is mask arithmetic in host byte order.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int ipv4_parse(const char *s, uint32_t *ret)
{
        struct in_addr a;

        if (!s || inet_pton(AF_INET, s, &a) != 1)
                return -EINVAL;
        *ret = ntohl(a.s_addr);
        return 0;
}

void ipv4_format(uint32_t a, char buf[static IPV4_STRLEN])
{
        snprintf(buf, IPV4_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

uint32_t subnet_mask(unsigned prefix)
{
        return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

int subnet_parse(const char *s, Subnet *ret)
{
        char addr[IPV4_STRLEN];
        const char *slash;
        unsigned prefix = 0;
        uint32_t a;
        size_t n;

        if (!s)
                return -EINVAL;
        slash = strchr(s, '/');
        if (!slash)
                return -EINVAL;
        n = (size_t)(slash - s);
        if (n == 0 || n >= sizeof(addr))
                return -EINVAL;
        memcpy(addr, s, n);
        addr[n] = '\0';
        if (ipv4_parse(addr, &a) < 0)
                return -EINVAL;

        /* Prefix: 1 or 2 decimal digits, no sign, no leading zero, <= 32. */
        const char *p = slash + 1;
        if (!(p[0] >= '0' && p[0] <= '9') || (p[0] == '0' && p[1] != '\0'))
                return -EINVAL;
        for (; *p; p++) {
                if (*p < '0' || *p > '9' || prefix > 32)
                        return -EINVAL;
                prefix = prefix * 10 + (unsigned)(*p - '0');
        }
        if (prefix > 32)
                return -EINVAL;

        *ret = (Subnet){.network = a & subnet_mask(prefix), .prefix = prefix};
        return (a & ~subnet_mask(prefix)) ? -EDOM : 0;
}

void subnet_format(const Subnet *s, char buf[static SUBNET_STRLEN])
{
        char a[IPV4_STRLEN];

        ipv4_format(s->network, a);
        snprintf(buf, SUBNET_STRLEN, "%s/%u", a, s->prefix);
}

uint32_t subnet_size(const Subnet *s)
{
        return s->prefix == 0 ? UINT32_MAX : (uint32_t)1 << (32 - s->prefix);
}

bool subnet_contains(const Subnet *outer, uint32_t addr)
{
        return (addr & subnet_mask(outer->prefix)) == outer->network;
}

bool subnet_overlaps(const Subnet *a, const Subnet *b)
{
        unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;

        return (a->network & subnet_mask(p)) == (b->network & subnet_mask(p));
}

uint32_t subnet_host_address(const Subnet *s)
{
        return s->prefix == 31 ? s->network : s->network + 1;
}

uint32_t subnet_namespace_address(const Subnet *s)
{
        return s->prefix == 31 ? s->network + 1 : s->network + 2;
}

const char *subnet_forbidden_reason(const Subnet *s)
{
        static const struct {
                uint32_t network;
                unsigned prefix;
                const char *why;
        } forbidden[] = {
                {0x00000000, 8, "0.0.0.0/8 is not routable"},
                {0x7f000000, 8, "127.0.0.0/8 is loopback"},
                {0x64400000, 10,
                 "100.64.0.0/10 is Tailscale's address range; the host tailscaled drops packets from it"},
                {0xa9fe0000, 16, "169.254.0.0/16 is link-local"},
                {0xe0000000, 4, "224.0.0.0/4 is multicast"},
                {0xf0000000, 4, "240.0.0.0/4 is reserved"},
        };

        for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
                Subnet f = {forbidden[i].network, forbidden[i].prefix};
                if (subnet_overlaps(s, &f))
                        return forbidden[i].why;
        }
        return NULL;
}
