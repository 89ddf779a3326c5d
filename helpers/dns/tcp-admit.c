/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tcp-admit.c: room for a new TCP client of tsproxy-dns (see tcp-admit.h).
 *
 * One pass over the clients, only when a new one is accepted: it counts the new
 * client's source and finds the least recently active idle client of that source and
 * of all. --max-tcp-clients bounds the pass (256 by default).
 */
#include "tcp-admit.h"

#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

bool tcp_admit_same_source(const struct sockaddr *a, const struct sockaddr *b)
{
        if (a->sa_family != b->sa_family)
                return false;
        if (a->sa_family == AF_INET)
                return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
                       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
        if (a->sa_family == AF_INET6)
                return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                              &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
        return false;
}

static bool older(const TcpAdmitEntry *e, const TcpAdmitEntry *than)
{
        /* The list is newest first: on a tie the later one in it is older. */
        return !than || e->active_usec <= than->active_usec;
}

TcpAdmitVerdict tcp_admit(TcpAdmitEntry *head, unsigned n, const struct sockaddr *peer, unsigned max_clients,
                          unsigned max_per_source, TcpAdmitEntry **ret_victim)
{
        TcpAdmitEntry *oldest = NULL, *oldest_same = NULL;
        unsigned same = 0;

        for (TcpAdmitEntry *e = head; e; e = e->next) {
                bool s = tcp_admit_same_source((const struct sockaddr *)&e->peer, peer);

                same += s;
                if (e->pending > 0)
                        continue;
                if (older(e, oldest))
                        oldest = e;
                if (s && older(e, oldest_same))
                        oldest_same = e;
        }
        if (same >= max_per_source) {
                *ret_victim = oldest_same;
                return oldest_same ? TCP_ADMIT_EVICT : TCP_ADMIT_REFUSE;
        }
        if (n >= max_clients) {
                *ret_victim = oldest;
                return oldest ? TCP_ADMIT_EVICT : TCP_ADMIT_REFUSE;
        }
        *ret_victim = NULL;
        return TCP_ADMIT;
}
