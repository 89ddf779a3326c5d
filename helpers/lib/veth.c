/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * veth.c: create a veth pair across two namespaces, and recognise an existing one.
 *
 * Recognition compares the IFLA_LINK of both ends: a veth reports its peer's ifindex
 * (in the peer's namespace). Both ends pointing at each other, read through sockets in
 * the two namespaces we mean, is the pair we made; anything else is stale.
 */
#include "veth.h"

#include <errno.h>
#include <string.h>
#include <netlink/route/link/veth.h>

#include "netlink.h"

int veth_add(struct nl_sock *sk, const char *host_ifname, const char *peer_ifname, int peer_netns_fd)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *peer = NULL;
        int r;

        if (!netlink_ifname_valid(host_ifname) || !netlink_ifname_valid(peer_ifname) || peer_netns_fd < 0)
                return -EINVAL;

        link = rtnl_link_veth_alloc();
        if (!link)
                return -ENOMEM;
        rtnl_link_set_name(link, host_ifname);

        /* get_peer() takes a reference of its own: released by the cleanup above. */
        peer = rtnl_link_veth_get_peer(link);
        if (!peer)
                return -EINVAL;
        rtnl_link_set_name(peer, peer_ifname);
        rtnl_link_set_ns_fd(peer, peer_netns_fd);

        /* NLM_F_EXCL: never adopt somebody else's interface by accident. */
        r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
        return netlink_errno(r);
}

static bool link_is_veth(struct rtnl_link *link)
{
        const char *type = rtnl_link_get_type(link);

        return type && strcmp(type, "veth") == 0;
}

int veth_is_pair(struct nl_sock *sk_host, const char *host_ifname, struct nl_sock *sk_peer,
                 const char *peer_ifname)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *host = NULL, *peer = NULL;
        int r;

        r = netlink_link_get(sk_host, host_ifname, &host);
        if (r < 0)
                return r;
        if (!link_is_veth(host))
                return 0;

        r = netlink_link_get(sk_peer, peer_ifname, &peer);
        if (r == -ENODEV)
                return 0;
        if (r < 0)
                return r;
        if (!link_is_veth(peer))
                return 0;

        return rtnl_link_get_link(host) == rtnl_link_get_ifindex(peer) &&
               rtnl_link_get_link(peer) == rtnl_link_get_ifindex(host);
}
