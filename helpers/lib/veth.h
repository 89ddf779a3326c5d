/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * veth.h: the veth pair that joins an instance namespace to the host.
 *
 * The pair is created in one request with the peer placed directly inside the target
 * namespace by its fd (as libnl's lib/route/link/veth.c and `ip link add ... netns`
 * do), so the peer never appears in the host namespace, not even for a moment.
 */
#pragma once

#include <netlink/socket.h>

/*
 * Create host_ifname in the namespace of sk and its peer peer_ifname inside the
 * namespace netns_fd, create-exclusive: -EEXIST when a name is taken.
 */
int veth_add(struct nl_sock *sk, const char *host_ifname, const char *peer_ifname, int peer_netns_fd);

/*
 * Is host_ifname (seen through sk_host) a veth whose peer is peer_ifname (seen through
 * sk_peer, a socket in the peer's namespace)? 1 yes; 0 host_ifname exists but is
 * something else; -ENODEV host_ifname does not exist.
 */
int veth_is_pair(struct nl_sock *sk_host, const char *host_ifname, struct nl_sock *sk_peer,
                 const char *peer_ifname);
