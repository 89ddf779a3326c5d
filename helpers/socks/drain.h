/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * drain.h: how tsproxy-socks stops (SIGTERM, SIGINT: the stop handler of daemon-loop.h).
 *
 * The listening sockets belong to socks@NAME.socket: PID 1 keeps its copies, and a
 * client that connects while the daemon restarts waits in the backlog for the next
 * daemon. So at the first signal the daemon stops accepting but never closes or shuts
 * down a listener: every worker turns its listener sources off (one whose source fires
 * first turns it off without accepting, server.c), closes its HTTP keep-alive clients
 * that are idle between requests, and says it is done (ServerShared.n_drained). The
 * connections in flight go on; the main loop exits once every worker is done and no
 * connection is left, or after SOCKS_DRAIN_USEC, cutting the rest (logged). A second
 * signal exits at once (daemon-loop.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "server.h"

/* How long the connections in flight may take to finish: well below TimeoutStopSec=
 * (90 s by default), and short enough for a package upgrade. tsproxy-socks(8) says it. */
#define SOCKS_DRAIN_USEC (5 * 1000000ull)

typedef struct SocksDrain {
        ServerShared *shared;
        Server *server; /* worker 0's */
        unsigned n_workers;
        uint64_t deadline;
        sd_event_source *timer; /* on the main loop, while draining */
        bool reported;          /* the connections cut were logged */
} SocksDrain;

/* The DaemonStopFn of tsproxy-socks (userdata: a SocksDrain): start draining. */
void socks_drain_start(sd_event *event, void *userdata);
/* After the loop: log the connections cut, if any were not yet; free the timer. */
void socks_drain_done(SocksDrain *d);

/* Workers 1..n-1: watch ServerShared.drain_fd, and drain when it is readable. 0 or
 * -errno (logged). */
int server_watch_drain(Server *s);
/* This worker's part (on its own loop): no more accepting, idle HTTP clients closed. */
void server_drain(Server *s);
