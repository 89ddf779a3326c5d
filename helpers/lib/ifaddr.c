/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ifaddr.c: add, delete and list IPv4 interface addresses through libnl.
 */
#include "ifaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "netlink.h"

static int ifaddr_new(int ifindex, uint32_t address, unsigned prefix, struct rtnl_addr **ret)
{
        _cleanup_(rtnl_addr_putp) struct rtnl_addr *a = NULL;
        _cleanup_(nl_addr_putp) struct nl_addr *local = NULL;
        int r;

        if (ifindex <= 0)
                return -EINVAL;
        r = netlink_ipv4_addr(address, prefix, &local);
        if (r < 0)
                return r;
        a = rtnl_addr_alloc();
        if (!a)
                return -ENOMEM;
        rtnl_addr_set_ifindex(a, ifindex);
        rtnl_addr_set_family(a, AF_INET);
        r = netlink_errno(rtnl_addr_set_local(a, local)); /* also sets the prefix length */
        if (r < 0)
                return r;
        *ret = TAKE_PTR(a);
        return 0;
}

int ifaddr_add(struct nl_sock *sk, int ifindex, uint32_t address, unsigned prefix)
{
        _cleanup_(rtnl_addr_putp) struct rtnl_addr *a = NULL;
        int r;

        r = ifaddr_new(ifindex, address, prefix, &a);
        if (r < 0)
                return r;
        return netlink_errno(rtnl_addr_add(sk, a, NLM_F_CREATE | NLM_F_EXCL));
}

int ifaddr_delete(struct nl_sock *sk, int ifindex, uint32_t address, unsigned prefix)
{
        _cleanup_(rtnl_addr_putp) struct rtnl_addr *a = NULL;
        int r;

        r = ifaddr_new(ifindex, address, prefix, &a);
        if (r < 0)
                return r;
        return netlink_errno(rtnl_addr_delete(sk, a, 0));
}

int ifaddr_list_ipv4(struct nl_sock *sk, int ifindex, IPv4Address *ret, size_t max, size_t *ret_n)
{
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        size_t n = 0;
        int r;

        r = netlink_errno(rtnl_addr_alloc_cache(sk, &cache));
        if (r < 0)
                return r;

        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_addr *a = (struct rtnl_addr *)o;
                struct nl_addr *local;
                uint32_t be;

                if ((ifindex > 0 && rtnl_addr_get_ifindex(a) != ifindex) ||
                    rtnl_addr_get_family(a) != AF_INET)
                        continue;
                local = rtnl_addr_get_local(a);
                if (!local || nl_addr_get_len(local) != sizeof(be))
                        continue;
                if (n < max) {
                        memcpy(&be, nl_addr_get_binary_addr(local), sizeof(be));
                        ret[n] = (IPv4Address){.ifindex = rtnl_addr_get_ifindex(a),
                                               .address = ntohl(be),
                                               .prefix = (unsigned)rtnl_addr_get_prefixlen(a)};
                }
                n++;
        }
        *ret_n = n < max ? n : max;
        return 0;
}
