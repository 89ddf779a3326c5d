/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon-loop.c: the event loop's frame shared by the daemons (see daemon-loop.h). */
#include "daemon-loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>

int daemon_event_new(const Logger *log, sd_event **ret)
{
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        sigset_t mask;
        int r;

        (void)signal(SIGPIPE, SIG_IGN);
        /* Not sd_event_default(): that one asks gettid() on every iteration. */
        r = sd_event_new(&event);
        if (r < 0)
                return log_error_errno(log, r, "Failed to allocate the event loop: %m");
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(log, errno, "Failed to block signals: %m");
        /* No handler: sd-event exits the loop. */
        r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_set_watchdog(event, true);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the event loop: %m");
        *ret = TAKE_PTR(event);
        return 0;
}

void daemon_raise_fd_limit(const Logger *log, uint64_t want, const char *what)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
                return;
        rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < want)
                log_warning(log,
                            "The file descriptor limit (%llu) is below what %s need (%llu); raise "
                            "LimitNOFILE=.",
                            (unsigned long long)rl.rlim_cur, what, (unsigned long long)want);
}

int daemon_run(sd_event *event, const Logger *log)
{
        int r;

        (void)sd_notify(false, "READY=1");
        r = sd_event_loop(event);
        (void)sd_notify(false, "STOPPING=1");
        if (r < 0)
                return log_error_errno(log, r, "Event loop failed: %m");
        return 0;
}
