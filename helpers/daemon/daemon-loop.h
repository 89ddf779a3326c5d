/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon-loop.h: the process around the sd-event loop of tsproxy-socks, tsproxy-relay
 * and tsproxy-dns.
 *
 * The three daemons run the same frame: SIGPIPE ignored (a write to a peer that is gone
 * fails with EPIPE instead of killing us), SIGTERM and SIGINT blocked and handled by the
 * loop, which then exits (tsproxy-relay, tsproxy-dns: their connections and queries are
 * cut) or, for a daemon that gives a stop handler (tsproxy-socks: it drains), calls that
 * handler and exits at the second signal; the watchdog pinged from the main loop only while every worker
 * loop is alive too (daemon_watchdog_start()); READY=1 once
 * the caller's sockets are watched, STOPPING=1 when the loop is done. What each serves,
 * and the line that says so, stays in its main.c.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "io-set.h"
#include "log.h"
#include "workers.h"

/* A new event loop, set up as above. 0 or -errno (logged). */
int daemon_event_new(const Logger *log, sd_event **ret);

/*
 * Called on the main loop at the first SIGTERM or SIGINT, instead of exiting: the daemon
 * winds down and calls sd_event_exit() itself when done. A second SIGTERM or SIGINT
 * exits the loop at once (logged).
 */
typedef void (*DaemonStopFn)(sd_event *event, void *userdata);

/* As daemon_event_new(), with a stop handler (NULL: exit at the first signal). */
int daemon_event_new_with_stop(const Logger *log, DaemonStopFn on_stop, void *userdata, sd_event **ret);

/*
 * Raise the soft RLIMIT_NOFILE to want (at most to the hard limit); when that is not
 * enough, warn that what (e.g. "4096 connections") needs more: "raise LimitNOFILE=".
 */
void daemon_raise_fd_limit(const Logger *log, uint64_t want, const char *what);

/* How often the worker loops stamp their heartbeat: a quarter of the watchdog interval
 * (0 without a watchdog). For workers_start(). */
uint64_t daemon_watchdog_heartbeat_usec(void);

/*
 * When systemd asked for a watchdog: a timer on the main loop that sends WATCHDOG=1 every
 * quarter interval while workers_alive() says every worker's loop ran within half the
 * interval. A hung main loop sends nothing; a hung worker stops the pings (logged once);
 * either way systemd kills the daemon after WatchdogSec= and restarts it. workers may be
 * NULL (one loop), and must outlive the loop. 0 or -errno (logged).
 */
int daemon_watchdog_start(sd_event *event, const Logger *log, const Workers *workers);

/* READY=1, run the loop until SIGTERM/SIGINT, STOPPING=1. 0 or -errno (logged). */
int daemon_run(sd_event *event, IoSet *io_set, const Logger *log);
