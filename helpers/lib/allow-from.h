/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * allow-from.h: which clients a daemon serves at all (AllowFrom= of [SOCKS], [Forward]
 * and [DNS]; --allow-from of tsproxy-socks, tsproxy-relay and tsproxy-dns).
 *
 * Every listener of an instance sits on the host's side, where anything that can route
 * to it can reach it; AllowFrom= cuts the clients outside the listed networks right
 * after accept() or recvmsg(), before a byte of theirs is parsed. One default for all
 * three sections, here, so the generator, the daemons and tsproxy.conf(5) agree.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "ipnet.h"
#include "tailnet.h"

/* AllowFrom= not set, or reset by an empty value: the tailnet ranges plus loopback. */
#define ALLOW_FROM_DEFAULT_INIT                                                                             \
        {                                                                                                   \
                TAILNET_IPV4_RANGE, TAILNET_IPV6_RANGE, "127.0.0.0/8", "::1/128"                            \
        }
/* Networks a daemon takes (--allow-from), and so what a section may list. */
#define ALLOW_FROM_MAX 64

typedef struct AllowFrom {
        IpNetwork nets[ALLOW_FROM_MAX];
        size_t n;
} AllowFrom;

/* One --allow-from value: 0, or -EINVAL after saying what is wrong on stderr. */
int allow_from_add_option(AllowFrom *a, const char *value);
/* After the command line: none given means ALLOW_FROM_DEFAULT_INIT. 0 or -EINVAL. */
int allow_from_finish(AllowFrom *a);

static inline bool allow_from_contains(const AllowFrom *a, const struct sockaddr *sa)
{
        return ipnet_list_contains_sockaddr(a->nets, a->n, sa);
}
