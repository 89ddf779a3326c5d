/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egress.c: route lookups over a NETLINK_ROUTE socket of our own, and bound sockets
 * (see egress.h). The lookup is one request and one reply on a socket the kernel
 * answers synchronously, so it does not stall the event loop.
 */
#include "egress.h"

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "tailnet.h"

/* The socket that hears of route, rule, link and address changes. Without it (refused:
 * an old kernel, a filter) nothing is remembered and every check asks the kernel. */
static void egress_monitor_open(Egress *e)
{
        struct sockaddr_nl groups = {
                .nl_family = AF_NETLINK,
                .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV4_RULE |
                             RTMGRP_IPV6_IFADDR | RTMGRP_IPV6_ROUTE,
        };
        unsigned rule6 = RTNLGRP_IPV6_RULE; /* no RTMGRP_ bit of its own */

        e->monitor_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
        if (e->monitor_fd < 0) {
                e->monitor_fd = -EBADF;
                return;
        }
        if (bind(e->monitor_fd, (struct sockaddr *)&groups, sizeof(groups)) < 0 ||
            setsockopt(e->monitor_fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &rule6, sizeof(rule6)) < 0)
                e->monitor_fd = safe_close(e->monitor_fd);
}

/* May the cache be used? Reads what the monitor heard: anything (or a lost message,
 * ENOBUFS) empties the cache first. */
static bool egress_cache_usable(Egress *e)
{
        char buf[8192];

        if (e->monitor_fd < 0)
                return false;
        for (;;) {
                ssize_t n = recv(e->monitor_fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        return true;
                if (n < 0 && errno == EINTR)
                        continue;
                memset(e->cache, 0, sizeof(e->cache));
                if (n < 0 && errno != ENOBUFS)
                        return false; /* the monitor broke: ask every time */
        }
}

static EgressCacheEntry *egress_cache_slot(Egress *e, const struct sockaddr *dst, const void **ret_addr,
                                           size_t *ret_len)
{
        uint32_t h;

        if (dst->sa_family == AF_INET) {
                *ret_addr = &((const struct sockaddr_in *)dst)->sin_addr;
                *ret_len = 4;
        } else {
                *ret_addr = &((const struct sockaddr_in6 *)dst)->sin6_addr;
                *ret_len = 16;
        }
        h = 2166136261u; /* FNV-1a */
        for (size_t i = 0; i < *ret_len; i++)
                h = (h ^ ((const unsigned char *)*ret_addr)[i]) * 16777619u;
        return &e->cache[h & (EGRESS_CACHE_SIZE - 1)];
}

int egress_init(Egress *e, bool tailnet_only, const char *interface)
{
        struct sockaddr_nl local = {.nl_family = AF_NETLINK};
        struct timeval tv = {.tv_sec = 1};

        *e = (Egress){.tailnet_only = tailnet_only, .netlink_fd = -EBADF, .monitor_fd = -EBADF};
        if (!tailnet_only)
                return 0;
        snprintf(e->interface, sizeof(e->interface), "%s", interface);
        e->netlink_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (e->netlink_fd < 0)
                return negative_errno();
        /* The kernel answers at once; the timeout only guards against a lost reply. */
        if (setsockopt(e->netlink_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            bind(e->netlink_fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
                int r = negative_errno();
                e->netlink_fd = safe_close(e->netlink_fd);
                return r;
        }
        egress_monitor_open(e);
        return 0;
}

void egress_done(Egress *e)
{
        e->netlink_fd = safe_close(e->netlink_fd);
        /* Only egress_init() set monitor_fd: a zeroed Egress has a 0 there, not a descriptor. */
        if (e->tailnet_only)
                e->monitor_fd = safe_close(e->monitor_fd);
}

/* The route's output interface for dst, or EGRESS_LOCAL for one of the namespace's own
 * addresses, or -errno (-ENETUNREACH: no route, or an unreachable one). */
#define EGRESS_LOCAL 0
static int route_oif(Egress *e, const struct sockaddr *dst)
{
        struct {
                struct nlmsghdr nh;
                struct rtmsg rt;
                char attrs[64];
        } req = {};
        union {
                struct nlmsghdr nh;
                char buf[4096];
        } reply;
        const void *addr;
        size_t addr_len;
        struct rtattr *rta;
        ssize_t n;

        if (dst->sa_family == AF_INET) {
                addr = &((const struct sockaddr_in *)dst)->sin_addr;
                addr_len = 4;
        } else if (dst->sa_family == AF_INET6) {
                addr = &((const struct sockaddr_in6 *)dst)->sin6_addr;
                addr_len = 16;
        } else
                return -EAFNOSUPPORT;

        req.nh.nlmsg_type = RTM_GETROUTE;
        req.nh.nlmsg_flags = NLM_F_REQUEST;
        req.nh.nlmsg_seq = ++e->seq;
        req.rt.rtm_family = (unsigned char)dst->sa_family;
        req.rt.rtm_dst_len = (unsigned char)(addr_len * 8);
        rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct rtmsg))));
        rta->rta_type = RTA_DST;
        rta->rta_len = (unsigned short)RTA_LENGTH(addr_len);
        memcpy(RTA_DATA(rta), addr, addr_len);
        req.nh.nlmsg_len =
                (uint32_t)(NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct rtmsg))) + RTA_ALIGN(rta->rta_len));

        if (send(e->netlink_fd, &req, req.nh.nlmsg_len, 0) < 0)
                return negative_errno();
        for (;;) {
                n = recv(e->netlink_fd, &reply, sizeof(reply), 0);
                if (n < 0)
                        return negative_errno();
                if (!NLMSG_OK(&reply.nh, (size_t)n))
                        return -EBADMSG;
                if (reply.nh.nlmsg_seq == e->seq)
                        break; /* else: a late answer to an earlier, timed-out request */
        }
        if (reply.nh.nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *err = NLMSG_DATA(&reply.nh);
                return err->error < 0 ? err->error : -EBADMSG;
        }
        if (reply.nh.nlmsg_type != RTM_NEWROUTE)
                return -EBADMSG;

        {
                struct rtmsg *rt = NLMSG_DATA(&reply.nh);
                int len = (int)RTM_PAYLOAD(&reply.nh);

                if (rt->rtm_type == RTN_UNREACHABLE || rt->rtm_type == RTN_BLACKHOLE ||
                    rt->rtm_type == RTN_PROHIBIT)
                        return -ENETUNREACH;
                if (rt->rtm_type == RTN_LOCAL)
                        return EGRESS_LOCAL;
                for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len))
                        if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(int)) {
                                int oif;
                                memcpy(&oif, RTA_DATA(a), sizeof(oif));
                                return oif;
                        }
        }
        return -ENETUNREACH;
}

static bool in_tailnet_range(const struct sockaddr *dst)
{
        static const uint8_t v6[] = TAILNET_IPV6_NETWORK_INIT;

        if (dst->sa_family == AF_INET) {
                uint32_t a = be32toh(((const struct sockaddr_in *)dst)->sin_addr.s_addr);
                return (a & ~(UINT32_MAX >> TAILNET_IPV4_PREFIX)) == TAILNET_IPV4_NETWORK;
        }
        return dst->sa_family == AF_INET6 &&
               memcmp(((const struct sockaddr_in6 *)dst)->sin6_addr.s6_addr, v6, sizeof(v6)) == 0;
}

int egress_check(Egress *e, const struct sockaddr *dst, int *ret_ifindex)
{
        int oif;

        EgressCacheEntry *slot = NULL;
        const void *addr = NULL;
        size_t addr_len = 0;
        bool cache;

        *ret_ifindex = 0;
        if (!e->tailnet_only)
                return 0;
        cache = (dst->sa_family == AF_INET || dst->sa_family == AF_INET6) && egress_cache_usable(e);
        if (cache) {
                slot = egress_cache_slot(e, dst, &addr, &addr_len);
                if (slot->family == dst->sa_family && memcmp(slot->addr, addr, addr_len) == 0 &&
                    e->ifindex > 0) {
                        *ret_ifindex = e->ifindex;
                        return 0;
                }
        }
        oif = route_oif(e, dst);
        if (oif < 0)
                return oif;
        if (oif == EGRESS_LOCAL)
                /* A service of the namespace itself, but not tailscaled's own tailnet
                 * addresses (its peer API would take the proxy for the node itself). */
                return in_tailnet_range(dst) ? -EACCES : 0;
        if (oif != e->ifindex) {
                /* First use, or tailscaled made its interface anew. */
                unsigned idx = if_nametoindex(e->interface);
                e->ifindex = (int)idx;
                if (idx == 0 || oif != e->ifindex)
                        return -EACCES;
        }
        if (slot) {
                slot->family = (unsigned char)dst->sa_family;
                memcpy(slot->addr, addr, addr_len);
        }
        *ret_ifindex = oif;
        return 0;
}

int egress_socket(int family, int type, int ifindex)
{
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (ifindex > 0 && setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &ifindex, sizeof(ifindex)) < 0)
                return negative_errno();
        if (type == SOCK_STREAM)
                (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        return TAKE_FD(fd);
}
