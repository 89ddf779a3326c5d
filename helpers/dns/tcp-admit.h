/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tcp-admit.h: which TCP clients tsproxy-dns keeps when a new one arrives.
 *
 * A TCP client costs a descriptor and a 64 KiB buffer until its query has arrived, and
 * a client can send its query a byte at a time. Three bounds keep such clients from
 * locking out the others (tsproxy-dns(8), LIMITS):
 *   - a whole-message deadline (tcp.c): a query must arrive complete within
 *     TCP_QUERY_TIMEOUT of the connection or of the client's previous query;
 *   - per source address at most --max-tcp-per-source clients;
 *   - in all at most --max-tcp-clients.
 * At either limit the new client is not refused while an idle client can make room: the
 * least recently active client (of that source, or of all) with no query upstream is
 * closed instead. So a flood of slow clients only ever pushes out its own oldest, and a
 * new client is refused only when every slot has a query upstream (which ends within
 * --timeout).
 *
 * Pure: the caller keeps the entries in its list of clients and passes the head.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct TcpAdmitEntry TcpAdmitEntry;
struct TcpAdmitEntry {
        TcpAdmitEntry *prev, *next; /* every TCP client, newest first (list.h) */
        struct sockaddr_storage peer;
        uint64_t active_usec; /* when it connected, or sent its last complete query */
        unsigned pending;     /* its queries upstream: not closed to make room */
};

typedef enum TcpAdmitVerdict {
        TCP_ADMIT,       /* room for it */
        TCP_ADMIT_EVICT, /* close *ret_victim first */
        TCP_ADMIT_REFUSE,
} TcpAdmitVerdict;

/* Is an address the same source as another (the IP address; the port does not count)? */
bool tcp_admit_same_source(const struct sockaddr *a, const struct sockaddr *b);

/* A new client from peer, with n clients in the list at head. */
TcpAdmitVerdict tcp_admit(TcpAdmitEntry *head, unsigned n, const struct sockaddr *peer, unsigned max_clients,
                          unsigned max_per_source, TcpAdmitEntry **ret_victim);
