/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-net.c: TUN, address and route plumbing and the packet format shared by the test
 * sandbox's fake tailscaled and fake tailnet peer. Netlink goes through tsproxy's own
 * wrappers (helpers/lib/netlink.h, ifaddr.h), so the fakes exercise them too.
 */
#include "fake-net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>

#include "addr.h"
#include "ifaddr.h"
#include "netlink.h"

int fake_tun_open(const char *name, int *ret_fd)
{
        _cleanup_close_ int fd = -EBADF;
        struct ifreq ifr = {.ifr_flags = IFF_TUN | IFF_NO_PI};

        if (!netlink_ifname_valid(name))
                return -EINVAL;
        fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
        if (ioctl(fd, TUNSETIFF, &ifr) < 0)
                return negative_errno();
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int fake_route_add(struct nl_sock *sk, int ifindex, uint32_t network, unsigned prefix)
{
        _cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
        _cleanup_(nl_addr_putp) struct nl_addr *dst = NULL;
        struct rtnl_nexthop *nh;
        int r;

        r = netlink_ipv4_addr(network & subnet_mask(prefix), prefix, &dst);
        if (r < 0)
                return r;
        route = rtnl_route_alloc();
        nh = rtnl_route_nh_alloc();
        if (!route || !nh) {
                if (nh)
                        rtnl_route_nh_free(nh);
                return -ENOMEM;
        }
        rtnl_route_set_family(route, AF_INET);
        rtnl_route_set_table(route, RT_TABLE_MAIN);
        rtnl_route_set_scope(route, RT_SCOPE_LINK);
        rtnl_route_set_protocol(route, RTPROT_STATIC);
        r = netlink_errno(rtnl_route_set_dst(route, dst));
        if (r < 0) {
                rtnl_route_nh_free(nh);
                return r;
        }
        rtnl_route_nh_set_ifindex(nh, ifindex);
        rtnl_route_add_nexthop(route, nh); /* the route owns nh from here on */
        return netlink_errno(rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL));
}

int fake_link_configure(const char *ifname, uint32_t address, unsigned prefix, unsigned route_prefix)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int ifindex, r;

        r = netlink_open(-EBADF, &sk);
        if (r < 0)
                return r;
        r = netlink_link_ifindex(sk, ifname, &ifindex);
        if (r < 0)
                return r;
        r = ifaddr_add(sk, ifindex, address, prefix);
        if (r < 0 && r != -EEXIST)
                return r;
        r = netlink_link_set_up(sk, ifname);
        if (r < 0)
                return r;
        if (route_prefix > 0 && route_prefix != prefix) {
                r = fake_route_add(sk, ifindex, address, route_prefix);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        return 0;
}

int fake_link_delete(const char *ifname)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int r;

        r = netlink_open(-EBADF, &sk);
        if (r < 0)
                return r;
        return netlink_link_delete(sk, ifname);
}

/* RFC 1071 checksum over an IPv4 header. */
static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
        uint32_t sum = 0;

        for (size_t i = 0; i + 1 < n; i += 2)
                sum += (uint32_t)(p[i] << 8 | p[i + 1]);
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t)~sum;
}

size_t fake_keepalive_build(uint8_t buf[static FAKE_KEEPALIVE_SIZE], uint32_t src, uint32_t dst)
{
        uint16_t sum;

        memset(buf, 0, FAKE_KEEPALIVE_SIZE);
        buf[0] = 0x45; /* version 4, header length 5 words */
        buf[3] = FAKE_KEEPALIVE_SIZE;
        buf[8] = 64; /* TTL */
        buf[9] = FAKE_KEEPALIVE_PROTOCOL;
        for (int i = 0; i < 4; i++) {
                buf[12 + i] = (uint8_t)(src >> (24 - 8 * i));
                buf[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
        }
        sum = ip_checksum(buf, FAKE_KEEPALIVE_SIZE);
        buf[10] = (uint8_t)(sum >> 8);
        buf[11] = (uint8_t)sum;
        return FAKE_KEEPALIVE_SIZE;
}

int fake_packet_addresses(const uint8_t *p, size_t n, uint32_t *ret_src, uint32_t *ret_dst)
{
        if (n < 20 || (p[0] >> 4) != 4 || (size_t)(p[0] & 0xf) * 4 < 20 || (size_t)(p[0] & 0xf) * 4 > n)
                return -EBADMSG;
        *ret_src = (uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 | (uint32_t)p[14] << 8 | p[15];
        *ret_dst = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
        return 0;
}

bool fake_packet_is_keepalive(const uint8_t *p, size_t n)
{
        uint32_t src, dst;

        return fake_packet_addresses(p, n, &src, &dst) >= 0 && p[9] == FAKE_KEEPALIVE_PROTOCOL;
}

int fake_parse_unsigned(const char *s, unsigned max, unsigned *ret)
{
        unsigned long long v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned)(*p - '0');
                if (v > max)
                        return -ERANGE;
        }
        *ret = (unsigned)v;
        return 0;
}

int fake_parse_endpoint(const char *s, struct sockaddr_in *ret)
{
        char host[IPV4_STRLEN];
        const char *colon = strrchr(s, ':');
        uint32_t a;
        unsigned port;
        int r;

        if (!colon || (size_t)(colon - s) >= sizeof(host))
                return -EINVAL;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        r = ipv4_parse(host, &a);
        if (r < 0)
                return r;
        r = fake_parse_unsigned(colon + 1, 65535, &port);
        if (r < 0)
                return r;
        *ret = (struct sockaddr_in){
                .sin_family = AF_INET,
                .sin_port = htons((uint16_t)port),
                .sin_addr.s_addr = htonl(a),
        };
        return 0;
}

int fake_parse_address(const char *s, uint32_t *ret_address, unsigned *ret_prefix)
{
        char host[IPV4_STRLEN];
        const char *slash = strchr(s, '/');
        unsigned prefix = 32;
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        int r;

        if (n >= sizeof(host))
                return -EINVAL;
        memcpy(host, s, n);
        host[n] = '\0';
        if (slash) {
                r = fake_parse_unsigned(slash + 1, 32, &prefix);
                if (r < 0)
                        return r;
        }
        r = ipv4_parse(host, ret_address);
        if (r < 0)
                return r;
        *ret_prefix = prefix;
        return 0;
}

void fake_format_endpoint(const struct sockaddr_in *sa, char *buf, size_t size)
{
        char a[IPV4_STRLEN];

        ipv4_format(ntohl(sa->sin_addr.s_addr), a);
        snprintf(buf, size, "%s:%u", a, ntohs(sa->sin_port));
}

int fake_read_line(const char *path, char *buf, size_t size)
{
        _cleanup_fclose_ FILE *f = NULL;
        size_t n;

        f = fopen(path, "re");
        if (!f)
                return negative_errno();
        if (!fgets(buf, (int)size, f))
                return ferror(f) ? -EIO : -ENODATA;
        n = strlen(buf);
        while (n > 0 &&
               (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r'))
                buf[--n] = '\0';
        return 0;
}

int fake_signalfd(void)
{
        sigset_t mask;
        int fd;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return negative_errno();
        fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}
