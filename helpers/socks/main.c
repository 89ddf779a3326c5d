/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tsproxy-socks: the SOCKS5 / SOCKS4 / HTTP CONNECT proxy of one tsproxy instance.
 *
 * socks@NAME.socket makes the listening sockets in the host namespace (the home
 * tailnet's side) and systemd hands them to this daemon, which runs inside the
 * instance's network namespace (NetworkNamespacePath=): clients are accepted on the
 * host side, targets are dialled in the namespace, and the bytes move between the two
 * with splice(2), with no relay hop and no root (DynamicUser=, no capabilities).
 *
 * An sd-event loop does everything for the clients it accepts: handshakes (handshake.h,
 * no I/O of its own), name resolution (c-ares on the same loop), connecting, relaying,
 * timeouts. There is one such loop per worker (--workers, workers.h): worker 0 is the
 * main loop, which also takes the signals, pings the watchdog and sends STATUS= (live,
 * total and refused connections of all workers, at most once a second). READY=1 once
 * every worker watches the sockets. SIGTERM and SIGINT drain (drain.h): no new clients,
 * the connections in flight may finish for SOCKS_DRAIN_USEC; a second signal exits.
 *
 * Environment: LISTEN_FDS/LISTEN_PID (socket activation), NOTIFY_SOCKET, WATCHDOG_USEC,
 * SYSTEMD_LOG_TARGET, SYSTEMD_LOG_LEVEL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-event.h>

#include "daemon-loop.h"
#include "drain.h"
#include "log.h"
#include "options.h"
#include "password-file.h"
#include "server.h"
#include "workers.h"

typedef struct PasswordDiagnostics {
        const Logger *log;
        const char *path;
} PasswordDiagnostics;

static void on_password_diagnostic(void *userdata, int level, unsigned line, const char *message)
{
        const PasswordDiagnostics *d = userdata;

        (void)log_internal(d->log, level, 0, d->path, line, "%s", message);
}

/* Workers 1..n-1, on their threads (workers.h). */
static int worker_setup(unsigned index, sd_event *event, void *userdata, void **ret_state,
                        IoSet **ret_io_set)
{
        Server *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        *ret_state = s;
        *ret_io_set = &s->io;
        return server_init(s, userdata, index, event);
}

static void worker_teardown(unsigned index, void *state)
{
        (void)index;
        if (state)
                server_done(state);
        free(state);
}

static int run(const Logger *log, const SocksOptions *options, PasswordFile *passwords)
{
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        unsigned n = workers_count(options->workers, SOCKS_WORKERS_AUTO_MAX);
        Workers *workers = NULL;
        ServerShared shared;
        Server server = {};
        SocksDrain drain = {.shared = &shared, .server = &server, .n_workers = n};
        int r;

        r = daemon_event_new_with_stop(log, socks_drain_start, &drain, &event);
        if (r < 0)
                return r;
        r = server_shared_init(&shared, event, options, passwords, log);
        if (r >= 0)
                r = server_init(&server, &shared, 0, event);
        if (r >= 0) {
                logger_prepare_threads(log);
                log_info(log,
                         "Serving instance '%s' on %zu TCP and %zu UDP sockets (egress: %s), %u worker%s.",
                         options->name, shared.n_stream, shared.n_datagram,
                         options->egress == EGRESS_TAILNET ? options->egress_interface : "any", n,
                         n == 1 ? "" : "s");
                r = workers_start(&workers, n, daemon_watchdog_heartbeat_usec(), worker_setup,
                                  worker_teardown, &shared);
                if (r < 0)
                        (void)log_error_errno(log, r, "Failed to start the workers: %m");
        }
        if (r >= 0)
                r = daemon_watchdog_start(event, log, workers);
        if (r >= 0)
                r = daemon_run(event, &server.io, log);
        socks_drain_done(&drain);
        server_shared_stop_work(&shared); /* before the loops that wait for its verdicts end */
        workers_stop(workers);
        if (server.shared)
                server_done(&server);
        server_shared_done(&shared);
        return r;
}

int main(int argc, char *argv[])
{
        _cleanup_(password_file_freep) PasswordFile *passwords = NULL;
        SocksOptions options;
        char what[32];
        Logger log;
        int r;

        logger_open_from_environment(&log, "tsproxy-socks", LOG_TARGET_AUTO);
        r = socks_options_parse(argc, argv, &options);
        if (r <= 0) {
                logger_close(&log);
                return r < 0 ? EXIT_BAD_ARGUMENTS : EXIT_SUCCESS;
        }

        if (options.password_file) {
                PasswordDiagnostics d = {.log = &log, .path = options.password_file};
                const char *unknown;

                r = password_file_load(options.password_file, on_password_diagnostic, &d, &passwords);
                if (r >= 0 && options.users)
                        r = password_file_allow_users(passwords, options.users);
                if (r < 0) {
                        (void)log_error_errno(&log, r, "Failed to load the password file '%s': %m",
                                              options.password_file);
                        logger_close(&log);
                        return EXIT_BAD_ARGUMENTS;
                }
                unknown = password_file_unknown_user(passwords);
                if (unknown)
                        log_warning(&log, "User '%s' of --users has no line in '%s'.", unknown,
                                    options.password_file);
        }

        /* Each relayed connection needs 2 sockets and, while busy, up to 4 pipe fds. */
        snprintf(what, sizeof(what), "%u connections", options.max_connections);
        daemon_raise_fd_limit(&log, daemon_fds_needed(options.max_connections, 0), what);

        r = run(&log, &options, passwords);
        logger_close(&log);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
