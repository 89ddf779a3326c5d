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
 * One sd-event loop does everything (forwarder.h). READY=1 once the sockets are
 * watched; STATUS= carries live TCP connections and UDP sessions (at most once a
 * second); the watchdog is pinged by sd-event. Exit status 78 for bad arguments or
 * sockets that do not match them.
 *
 * Environment: LISTEN_FDS/LISTEN_PID (socket activation), NOTIFY_SOCKET, WATCHDOG_USEC,
 * SYSTEMD_LOG_TARGET, SYSTEMD_LOG_LEVEL.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "forwarder.h"
#include "log.h"
#include "options.h"

/* Invalid arguments or configuration: the unit's RestartPreventExitStatus= stops retries. */
#define EXIT_BAD_ARGUMENTS 78

/* Each TCP connection needs 2 sockets and, while busy, up to 4 pipe fds; each UDP session 1. */
static void raise_fd_limit(const Logger *log, const RelayOptions *o)
{
        struct rlimit rl;
        rlim_t want = (rlim_t)o->max_connections * 6 + o->udp_max_sessions + 64;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
                return;
        rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < want)
                log_warning(log,
                            "The file descriptor limit (%llu) is below what the limits need (%llu); raise "
                            "LimitNOFILE=.",
                            (unsigned long long)rl.rlim_cur, (unsigned long long)want);
}

static int run(const Logger *log, const RelayOptions *options)
{
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        Forwarder forwarder;
        sigset_t mask;
        int r;

        r = sd_event_default(&event);
        if (r < 0)
                return log_error_errno(log, r, "Failed to allocate the event loop: %m");
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(log, errno, "Failed to block signals: %m");
        r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_set_watchdog(event, true);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the event loop: %m");

        r = forwarder_init(&forwarder, event, options, log);
        if (r >= 0)
                r = forwarder_add_listen_fds(&forwarder);
        if (r < 0) {
                forwarder_done(&forwarder);
                return r;
        }

        log_info(log, "Forwarding %zu ports of instance '%s'.", options->n_forwards, options->name);
        (void)sd_notify(false, "READY=1");

        r = sd_event_loop(event);
        (void)sd_notify(false, "STOPPING=1");
        forwarder_done(&forwarder);
        if (r < 0)
                return log_error_errno(log, r, "Event loop failed: %m");
        return 0;
}

int main(int argc, char *argv[])
{
        RelayOptions options;
        Logger log;
        int r;

        logger_open_from_environment(&log, "tsproxy-relay", LOG_TARGET_AUTO);
        r = relay_options_parse(argc, argv, &options);
        if (r <= 0) {
                logger_close(&log);
                return r < 0 ? EXIT_BAD_ARGUMENTS : EXIT_SUCCESS;
        }

        /* Writes to a peer that is gone fail with EPIPE instead of killing us. */
        (void)signal(SIGPIPE, SIG_IGN);
        raise_fd_limit(&log, &options);

        r = run(&log, &options);
        relay_options_done(&options);
        logger_close(&log);
        if (r == -EINVAL)
                return EXIT_BAD_ARGUMENTS; /* the passed sockets do not match --forward */
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
