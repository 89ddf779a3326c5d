/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * target.h: the target side of a relayed TCP connection, from its addresses to a
 * connected socket (tsproxy-socks, tsproxy-relay).
 *
 * The candidates (a name's addresses in the order the resolver gave them, or the one
 * address asked for) are tried in turn, each with a new non-blocking socket made here, in
 * the instance's namespace; one whose socket or connect() fails at once is skipped, and
 * the last error is kept to say why none worked. The socket is watched with the caller's
 * handler, edge-triggered for input and output (SPLICE_PUMP_EVENTS) from the start, as the
 * relay needs it later: its first event says whether connect() succeeded. The caller's
 * state machine decides what to do with the answer and when to give up (its timeout).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "egress.h"
#include "io-set.h"
#include "resolver.h"

typedef struct Target {
        int fd;                             /* being connected, then connected; -EBADF */
        IoWatch watch;                      /* of fd, with the caller's handler */
        ResolverQuery *query;               /* while the name is resolved */
        struct sockaddr_storage *addresses; /* candidates, owned; freed once connected */
        size_t n_addresses, next_address;
        int last_error;   /* of the last candidate that failed */
        uint32_t revents; /* fd's events since connect(), ORed: for splice_pump_init() */
} Target;

void target_init(Target *t);
/* Cancel the lookup, close the socket (io: the set it is watched in), free the candidates. */
void target_done(Target *t, IoSet *io);

/* The candidates, copied. 0 or -ENOMEM. */
int target_set_addresses(Target *t, const struct sockaddr_storage *addresses, size_t n);
/* For the ResolverCallback of a lookup started with &t->query: the lookup is over; take
 * its addresses. 0, or -errno (the lookup's error, -ENOMEM). */
int target_resolved(Target *t, int error, const struct sockaddr_storage *addresses, size_t n);

/*
 * Connect to the next candidate: with egress (NULL: anywhere), after egress_check() and
 * bound to the interface it names. 0 when a connect() is under way (wait for an event of
 * t->watch, then target_connect_result()), or -errno when no candidate is left: the last
 * one's error, -EHOSTUNREACH when there was none.
 */
int target_connect_next(Target *t, Egress *egress, IoSet *io, IoHandler handler);

/*
 * At an event of t->watch while connecting: 1 connected, 0 not yet, or -errno: this
 * candidate failed (go on with target_connect_next()). The event is noted in
 * t->revents; the caller notes there what comes after, until its relay starts.
 */
int target_connect_result(Target *t, uint32_t revents);
