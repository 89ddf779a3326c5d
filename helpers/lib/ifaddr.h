/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ifaddr.h: IPv4 addresses on interfaces, by ifindex.
 *
 * Adding is create-exclusive, so -EEXIST tells the caller the address was already
 * there (idempotent runs) and that it must not remove it on rollback.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <netlink/socket.h>

typedef struct IPv4Address {
        int ifindex;
        uint32_t address; /* host byte order */
        unsigned prefix;
} IPv4Address;

/* -EEXIST when the interface already has address/prefix. */
int ifaddr_add(struct nl_sock *sk, int ifindex, uint32_t address, unsigned prefix);
/* -EADDRNOTAVAIL (or -ENODEV) when it is not there. */
int ifaddr_delete(struct nl_sock *sk, int ifindex, uint32_t address, unsigned prefix);
/* The IPv4 addresses of ifindex (0: of all interfaces), at most max of them; *ret_n says how many. */
int ifaddr_list_ipv4(struct nl_sock *sk, int ifindex, IPv4Address *ret, size_t max, size_t *ret_n);
