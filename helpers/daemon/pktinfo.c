/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pktinfo.c: datagram destinations and answers from them (see pktinfo.h). */
#include "pktinfo.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "macro.h"

int pktinfo_enable(int fd, int family)
{
        int one = 1, r;

        if (family == AF_INET)
                r = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
        else
                r = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
        return r < 0 ? negative_errno() : 0;
}

void pktinfo_take(struct msghdr *mh, PktInfo *ret)
{
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
                if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
                    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
                        memcpy(&ret->in, CMSG_DATA(cm), sizeof(struct in_pktinfo));
                        ret->set = true;
                } else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
                           cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
                        memcpy(&ret->in6, CMSG_DATA(cm), sizeof(struct in6_pktinfo));
                        ret->set = true;
                }
        }
}

int pktinfo_send(int fd, const void *data, size_t len, const struct sockaddr_storage *peer,
                 socklen_t peer_len, const PktInfo *local)
{
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        } control = {};
        struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
        struct msghdr mh = {
                .msg_name = (void *)peer,
                .msg_namelen = peer_len,
                .msg_iov = &iov,
                .msg_iovlen = 1,
        };

        if (local && local->set) {
                struct cmsghdr *cm;

                mh.msg_control = control.buf;
                if (peer->ss_family == AF_INET) {
                        struct in_pktinfo pi = {.ipi_spec_dst = local->in.ipi_addr};
                        mh.msg_controllen = CMSG_SPACE(sizeof(pi));
                        cm = CMSG_FIRSTHDR(&mh);
                        *cm = (struct cmsghdr){.cmsg_level = IPPROTO_IP,
                                               .cmsg_type = IP_PKTINFO,
                                               .cmsg_len = CMSG_LEN(sizeof(pi))};
                        memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
                } else {
                        mh.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
                        cm = CMSG_FIRSTHDR(&mh);
                        *cm = (struct cmsghdr){.cmsg_level = IPPROTO_IPV6,
                                               .cmsg_type = IPV6_PKTINFO,
                                               .cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo))};
                        memcpy(CMSG_DATA(cm), &local->in6, sizeof(struct in6_pktinfo));
                }
        }
        if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                return negative_errno();
        return 0;
}
