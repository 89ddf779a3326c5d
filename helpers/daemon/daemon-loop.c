/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon-loop.c: the event loop's frame shared by the daemons (see daemon-loop.h). */
#include "daemon-loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "io-set.h"
#include "notify.h"

typedef struct DaemonStop {
        const Logger *log;
        DaemonStopFn on_stop;
        void *userdata;
        unsigned signals;
} DaemonStop;

static int on_stop_signal(sd_event_source *source, const struct signalfd_siginfo *si, void *userdata)
{
        DaemonStop *stop = userdata;
        sd_event *event = sd_event_source_get_event(source);

        if (stop->signals++ == 0) {
                stop->on_stop(event, stop->userdata);
                return 0;
        }
        log_info(stop->log, "Signal %s again: exiting at once.", strsignal((int)si->ssi_signo));
        return sd_event_exit(event, 0);
}

/* Both signals' sources, with on_stop or (NULL) with none: sd-event then exits the loop. */
static int add_stop_signals(sd_event *event, const Logger *log, DaemonStopFn on_stop, void *userdata)
{
        sd_event_source *term = NULL;
        DaemonStop *stop;
        int r;

        if (!on_stop) {
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
                return r < 0 ? r : sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        }
        stop = malloc(sizeof(*stop));
        if (!stop)
                return -ENOMEM;
        *stop = (DaemonStop){.log = log, .on_stop = on_stop, .userdata = userdata};
        r = sd_event_add_signal(event, &term, SIGTERM, on_stop_signal, stop);
        if (r < 0) {
                free(stop);
                return r;
        }
        /* Floating: the loop keeps the source, and the source stop (freed with it). */
        r = sd_event_source_set_destroy_callback(term, free);
        if (r >= 0)
                r = sd_event_source_set_floating(term, true);
        if (r < 0)
                sd_event_source_disable_unref(term); /* frees stop */
        else
                sd_event_source_unref(term);
        /* The SIGINT source goes with the loop, as the SIGTERM one. */
        return r < 0 ? r : sd_event_add_signal(event, NULL, SIGINT, on_stop_signal, stop);
}

int daemon_event_new_with_stop(const Logger *log, DaemonStopFn on_stop, void *userdata, sd_event **ret)
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
        r = add_stop_signals(event, log, on_stop, userdata);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the event loop: %m");
        *ret = TAKE_PTR(event);
        return 0;
}

int daemon_event_new(const Logger *log, sd_event **ret)
{
        return daemon_event_new_with_stop(log, NULL, NULL, ret);
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

/* The interval systemd asked for (WATCHDOG_USEC, when WATCHDOG_PID is us), or 0. */
static uint64_t daemon_watchdog_usec(void)
{
        uint64_t usec = 0;

        return sd_watchdog_enabled(false, &usec) > 0 ? usec : 0;
}

uint64_t daemon_watchdog_heartbeat_usec(void)
{
        return daemon_watchdog_usec() / 4;
}

typedef struct Watchdog {
        const Logger *log;
        const Workers *workers;
        uint64_t usec;
        bool stale_logged;
        /* Opened once: sd_notify() makes a socket per message, which fails while a flood
         * has taken every descriptor, and the watchdog would then kill a healthy daemon. */
        int fd;
        const char *notify_socket;
} Watchdog;

static void watchdog_free(void *userdata)
{
        Watchdog *wd = userdata;

        safe_close(wd->fd);
        free(wd);
}

static int on_watchdog(sd_event_source *source, uint64_t usec, void *userdata)
{
        Watchdog *wd = userdata;
        unsigned stale = 0;
        uint64_t now = 0;

        (void)usec;
        (void)sd_event_now(sd_event_source_get_event(source), CLOCK_MONOTONIC, &now);
        if (workers_alive(wd->workers, now, wd->usec / 2, &stale)) {
                (void)notify_send_on(wd->fd, wd->notify_socket, "WATCHDOG=1");
                wd->stale_logged = false;
        } else if (!wd->stale_logged) {
                log_error(wd->log, "Worker %u has not run its loop for %llu ms; no more WATCHDOG=1.", stale,
                          (unsigned long long)(wd->usec / 2 / 1000));
                wd->stale_logged = true;
        }
        return sd_event_source_set_time_relative(source, wd->usec / 4);
}

int daemon_watchdog_start(sd_event *event, const Logger *log, const Workers *workers)
{
        sd_event_source *source = NULL;
        Watchdog *wd;
        uint64_t usec = daemon_watchdog_usec();
        int r;

        if (usec == 0)
                return 0;
        wd = malloc(sizeof(*wd));
        if (!wd)
                return log_error_errno(log, -ENOMEM, "Failed to set up the watchdog: %m");
        *wd = (Watchdog){
                .log = log, .workers = workers, .usec = usec, .notify_socket = getenv("NOTIFY_SOCKET")};
        wd->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (wd->fd < 0) {
                r = negative_errno();
                free(wd);
                return log_error_errno(log, r, "Failed to set up the watchdog: %m");
        }
        r = sd_event_add_time_relative(event, &source, CLOCK_MONOTONIC, usec / 4, 0, on_watchdog, wd);
        if (r < 0) {
                watchdog_free(wd);
                return log_error_errno(log, r, "Failed to set up the watchdog: %m");
        }
        r = sd_event_source_set_destroy_callback(source, watchdog_free);
        if (r >= 0)
                r = sd_event_source_set_enabled(source, SD_EVENT_ON);
        if (r >= 0)
                r = sd_event_source_set_floating(source, true);
        sd_event_source_unref(source);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the watchdog: %m");
        /* The first ping at once: the start may have taken a while. */
        (void)sd_notify(false, "WATCHDOG=1");
        return 0;
}

int daemon_run(sd_event *event, IoSet *io_set, const Logger *log)
{
        int r;

        (void)sd_notify(false, "READY=1");
        r = io_set_loop(event, io_set);
        (void)sd_notify(false, "STOPPING=1");
        if (r < 0)
                return log_error_errno(log, r, "Event loop failed: %m");
        return 0;
}
