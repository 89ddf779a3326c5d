/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * workers.h: more event loops, each on a thread of its own, for a daemon whose
 * connections do not depend on each other (tsproxy-socks).
 *
 * One loop does a connection's work in a row, its system calls one after another: the
 * handshake of the next client waits while the last one's sockets are shut down and
 * closed, work that the kernel does in the caller's system call (the peer's TCP receive
 * path on loopback and veth). With a second loop on a second CPU that work overlaps. So
 * the daemon runs worker 0 on its main loop (signals, watchdog, STATUS=), and workers 1
 * to n - 1 here, each with its own sd-event loop, set up by the caller's setup() on that
 * thread and torn down by teardown() there after the loop. All of them watch the same
 * listening sockets, and each keeps the connections it accepted. A new connection wakes
 * every idle worker (the loops' epoll sets are nested, where EPOLLEXCLUSIVE does not
 * hold), and one of them gets it: keep n to a few. What the workers share is the
 * caller's to make thread-safe.
 *
 * The threads block every signal (the main loop takes SIGTERM) and have nothing but
 * their loop: workers_stop() ends them all from the main thread.
 *
 * The watchdog: each worker's loop stamps an atomic heartbeat from a timer, and the main
 * loop asks workers_alive() before it pings systemd (daemon-loop.h), so a hung worker
 * thread stops the pings as a hung main loop does, and systemd restarts the daemon.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "io-set.h"

typedef struct Workers Workers;

/* Set up worker index (1..n - 1) on its loop, on its thread; 0 or -errno. A worker's
 * state is kept by the callee (through userdata) and handed back to teardown; the
 * IoSet it made for event (or NULL) becomes the loop's outer set (io_set_loop()). */
typedef int (*WorkerSetup)(unsigned index, sd_event *event, void *userdata, void **ret_state,
                           IoSet **ret_io_set);
/* After the loop has ended (or setup failed half way: state as setup left it). */
typedef void (*WorkerTeardown)(unsigned index, void *state);

/*
 * Start n - 1 workers (n >= 1; n == 1 starts none) and wait until each has been set up.
 * heartbeat_usec > 0: each worker's loop stamps its heartbeat that often (CLOCK_MONOTONIC),
 * for workers_alive(). When one fails, those started are stopped again and its -errno is
 * returned; the caller logs it.
 */
int workers_start(Workers **ret, unsigned n, uint64_t heartbeat_usec, WorkerSetup setup,
                  WorkerTeardown teardown, void *userdata);
/*
 * Whether every worker's loop stamped its heartbeat at most max_age_usec before now_usec
 * (CLOCK_MONOTONIC). NULL (no workers) is alive. Otherwise *ret_stale (when given) is the
 * index of the first stale worker.
 */
bool workers_alive(const Workers *w, uint64_t now_usec, uint64_t max_age_usec, unsigned *ret_stale);
/* End every worker's loop, run its teardown and join it; NULL is fine. */
void workers_stop(Workers *w);

/* The number of CPUs this process may run on (sched_getaffinity()), at least 1. */
unsigned workers_cpus(void);
/* How many workers to run: requested, or for 0 (auto) workers_cpus(), at most auto_max. */
unsigned workers_count(unsigned requested, unsigned auto_max);
