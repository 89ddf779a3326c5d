/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netlink.c: libnl sockets (optionally inside another network namespace), the one
 * -NLE_* to errno translation, and the few link operations everybody needs.
 */
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <netlink/errno.h>

int netlink_errno(int nl_result)
{
        /*
         * libnl folds the kernel's errno into its own codes (lib/error.c,
         * nl_syserr2nlerr()); map each back to the errno it most likely came from, so
         * callers can test for -EEXIST/-ENODEV/-ENOENT as with any syscall.
         */
        static const int map[] = {
                [NLE_FAILURE] = EIO,
                [NLE_INTR] = EINTR,
                [NLE_BAD_SOCK] = EBADF,
                [NLE_AGAIN] = EAGAIN,
                [NLE_NOMEM] = ENOMEM,
                [NLE_EXIST] = EEXIST,
                [NLE_INVAL] = EINVAL,
                [NLE_RANGE] = ERANGE,
                [NLE_MSGSIZE] = EMSGSIZE,
                [NLE_OPNOTSUPP] = EOPNOTSUPP,
                [NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
                [NLE_OBJ_NOTFOUND] = ENOENT,
                [NLE_NOATTR] = ENODATA,
                [NLE_MISSING_ATTR] = EINVAL,
                [NLE_AF_MISMATCH] = EAFNOSUPPORT,
                [NLE_SEQ_MISMATCH] = EILSEQ,
                [NLE_MSG_OVERFLOW] = EOVERFLOW,
                [NLE_MSG_TRUNC] = EMSGSIZE,
                [NLE_NOADDR] = EADDRNOTAVAIL,
                [NLE_SRCRT_NOSUPPORT] = EOPNOTSUPP,
                [NLE_MSG_TOOSHORT] = EBADMSG,
                [NLE_MSGTYPE_NOSUPPORT] = EOPNOTSUPP,
                [NLE_OBJ_MISMATCH] = EINVAL,
                [NLE_NOCACHE] = EINVAL,
                [NLE_BUSY] = EBUSY,
                [NLE_PROTO_MISMATCH] = EPROTONOSUPPORT,
                [NLE_NOACCESS] = EACCES,
                [NLE_PERM] = EPERM,
                [NLE_PKTLOC_FILE] = ENOENT,
                [NLE_PARSE_ERR] = EBADMSG,
                [NLE_NODEV] = ENODEV,
                [NLE_IMMUTABLE] = EPERM,
                [NLE_DUMP_INTR] = EINTR,
                [NLE_ATTRSIZE] = EMSGSIZE,
        };
        unsigned e;

        if (nl_result >= 0)
                return 0;
        e = (unsigned)-nl_result;
        if (e < ELEMENTSOF(map) && map[e] != 0)
                return -map[e];
        return -EIO;
}

int netlink_open(int netns_fd, struct nl_sock **ret)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_close_ int orig = -EBADF;
        int r;

        sk = nl_socket_alloc();
        if (!sk)
                return -ENOMEM;

        if (netns_fd >= 0) {
                /* thread-self: setns() changes only the calling thread. */
                orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
                if (orig < 0)
                        return negative_errno();
                if (setns(netns_fd, CLONE_NEWNET) < 0)
                        return negative_errno();
        }

        /* libnl creates the socket with SOCK_CLOEXEC. */
        r = netlink_errno(nl_connect(sk, NETLINK_ROUTE));

        if (orig >= 0 && setns(orig, CLONE_NEWNET) < 0) {
                /*
                 * Very unlikely, but the caller must not go on believing it is in its
                 * own namespace. Sockets it opened before still point to the right
                 * places, so a rollback through them stays correct.
                 */
                return negative_errno();
        }
        if (r < 0)
                return r;

        *ret = TAKE_PTR(sk);
        return 0;
}

bool netlink_ifname_valid(const char *name)
{
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        if (n == 0 || n >= IFNAMSIZ)
                return false;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return false;
        for (const char *p = name; *p; p++)
                if (*p == '/' || *p == ':' || (unsigned char)*p <= ' ' || *p == 0x7f)
                        return false;
        return true;
}

int netlink_link_get(struct nl_sock *sk, const char *name, struct rtnl_link **ret)
{
        int r;

        if (!netlink_ifname_valid(name))
                return -EINVAL;
        r = netlink_errno(rtnl_link_get_kernel(sk, 0, name, ret));
        /* The kernel says ENODEV for a missing name; older paths said ENOENT. */
        return r == -ENOENT ? -ENODEV : r;
}

int netlink_link_ifindex(struct nl_sock *sk, const char *name, int *ret)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        int r;

        r = netlink_link_get(sk, name, &link);
        if (r < 0)
                return r;
        *ret = rtnl_link_get_ifindex(link);
        return 0;
}

int netlink_link_name(struct nl_sock *sk, int ifindex, char buf[static IFNAMSIZ])
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        const char *name;
        int r;

        if (ifindex <= 0)
                return -EINVAL;
        r = netlink_errno(rtnl_link_get_kernel(sk, ifindex, NULL, &link));
        if (r < 0)
                return r == -ENOENT ? -ENODEV : r;
        name = rtnl_link_get_name(link);
        if (!name)
                return -ENODEV;
        snprintf(buf, IFNAMSIZ, "%s", name);
        return 0;
}

int netlink_link_set_up(struct nl_sock *sk, const char *name)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL, *change = NULL;
        int r;

        r = netlink_link_get(sk, name, &link);
        if (r < 0)
                return r;
        if (rtnl_link_get_flags(link) & IFF_UP)
                return 0;

        change = rtnl_link_alloc();
        if (!change)
                return -ENOMEM;
        rtnl_link_set_flags(change, IFF_UP);
        return netlink_errno(rtnl_link_change(sk, link, change, 0));
}

int netlink_link_delete(struct nl_sock *sk, const char *name)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        int r;

        if (!netlink_ifname_valid(name))
                return -EINVAL;
        link = rtnl_link_alloc();
        if (!link)
                return -ENOMEM;
        rtnl_link_set_name(link, name);
        r = netlink_errno(rtnl_link_delete(sk, link));
        return r == -ENOENT ? -ENODEV : r;
}

int netlink_ipv4_addr(uint32_t address, unsigned prefix, struct nl_addr **ret)
{
        uint32_t be = htonl(address);
        struct nl_addr *a;

        if (prefix > 32)
                return -EINVAL;
        a = nl_addr_build(AF_INET, &be, sizeof(be));
        if (!a)
                return -ENOMEM;
        nl_addr_set_prefixlen(a, (int)prefix);
        *ret = a;
        return 0;
}
