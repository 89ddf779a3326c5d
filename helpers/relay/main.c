/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tsproxy-relay: the forwarded ports ([Forward] Forward=) of one tsproxy instance.
 *
 * ts-relay@NAME.socket makes the listening sockets in the host namespace and systemd
 * hands them to this daemon, which runs inside the instance's network namespace
 * (NetworkNamespacePath=), as tsproxy-socks does: clients are accepted (TCP) or heard
 * (UDP) on the host side, each target is connected from inside the namespace, and TCP
 * bytes move between the two with splice(2). No relay hop, no root.
 *
 * An sd-event loop per worker (--workers, workers.h, forwarder.h) does the work; worker
 * 0 is the main loop, which also serves the UDP forwards, takes the signals, pings the
 * watchdog and sends STATUS= (live TCP connections and UDP sessions, at most once a
 * second). READY=1 once every worker watches the sockets. Exit status 78 for bad arguments or
 * sockets that do not match them.
 *
 * Environment: LISTEN_FDS/LISTEN_PID (socket activation), NOTIFY_SOCKET, WATCHDOG_USEC,
 * SYSTEMD_LOG_TARGET, SYSTEMD_LOG_LEVEL.
 */
#include <errno.h>
#include <stdlib.h>
#include <systemd/sd-event.h>

#include "daemon-loop.h"
#include "forwarder.h"
#include "workers.h"
#include "log.h"
#include "options.h"

/* Workers 1..n-1, on their threads (workers.h). */
static int worker_setup(unsigned index, sd_event *event, void *userdata, void **ret_state,
                        IoSet **ret_io_set)
{
        Forwarder *f = calloc(1, sizeof(*f));

        if (!f)
                return -ENOMEM;
        *ret_state = f;
        *ret_io_set = &f->io;
        return forwarder_init(f, userdata, index, event);
}

static void worker_teardown(unsigned index, void *state)
{
        (void)index;
        if (state)
                forwarder_done(state);
        free(state);
}

static int run(const Logger *log, const RelayOptions *options)
{
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        unsigned n = workers_count(options->workers, RELAY_WORKERS_AUTO_MAX);
        Workers *workers = NULL;
        ForwarderShared shared;
        Forwarder forwarder = {};
        int r;

        r = daemon_event_new(log, &event);
        if (r < 0)
                return r;
        r = forwarder_shared_init(&shared, event, options, log);
        if (r >= 0)
                r = forwarder_init(&forwarder, &shared, 0, event);
        if (r >= 0) {
                logger_prepare_threads(log);
                log_info(log, "Forwarding %zu ports of instance '%s', %u worker%s.", options->n_forwards,
                         options->name, n, n == 1 ? "" : "s");
                r = workers_start(&workers, n, daemon_watchdog_heartbeat_usec(), worker_setup,
                                  worker_teardown, &shared);
                if (r < 0)
                        (void)log_error_errno(log, r, "Failed to start the workers: %m");
        }
        if (r >= 0)
                r = daemon_watchdog_start(event, log, workers);
        if (r >= 0)
                r = daemon_run(event, &forwarder.io, log);
        workers_stop(workers);
        if (forwarder.shared)
                forwarder_done(&forwarder);
        forwarder_shared_done(&shared);
        return r;
}

int main(int argc, char *argv[])
{
        _cleanup_(relay_options_done) RelayOptions options = {};
        Logger log;
        int r;

        logger_open_from_environment(&log, "tsproxy-relay", LOG_TARGET_AUTO);
        r = relay_options_parse(argc, argv, &options);
        if (r <= 0) {
                logger_close(&log);
                return r < 0 ? EXIT_BAD_ARGUMENTS : EXIT_SUCCESS;
        }

        /* Each TCP connection needs 2 sockets and, while busy, up to 4 pipe fds; each UDP
         * session 1. */
        daemon_raise_fd_limit(&log, daemon_fds_needed(options.max_connections, options.udp_max_sessions),
                              "the limits");

        r = run(&log, &options);
        logger_close(&log);
        if (r == -EINVAL)
                return EXIT_BAD_ARGUMENTS; /* the passed sockets do not match --forward */
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
