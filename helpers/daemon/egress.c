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

int egress_init(Egress *e, bool tailnet_only, const char *interface)
{
        struct sockaddr_nl local = {.nl_family = AF_NETLINK};
        struct timeval tv = {.tv_sec = 1};

        *e = (Egress){.tailnet_only = tailnet_only, .netlink_fd = -EBADF};
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
        return 0;
}

void egress_done(Egress *e)
{
        e->netlink_fd = safe_close(e->netlink_fd);
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

        *ret_ifindex = 0;
        if (!e->tailnet_only)
                return 0;
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
