/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drain.c: the graceful stop of tsproxy-socks (see drain.h). */
#include "drain.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <systemd/sd-daemon.h>

/* How often the main loop looks whether the last connection is gone. */
#define DRAIN_POLL_USEC (20 * 1000ull)

void server_drain(Server *s)
{
        ServerShared *sh = s->shared;
        unsigned closed = 0;

        if (s->drained)
                return;
        s->drained = true;
        /* Off in this loop's epoll set only: the sockets stay open and listening. */
        for (size_t i = 0; i < sh->n_stream; i++)
                (void)sd_event_source_set_enabled(s->listeners[i], SD_EVENT_OFF);
        s->drain_source = sd_event_source_disable_unref(s->drain_source);
        for (Connection *c = s->connections, *next; c; c = next) {
                next = c->next;
                if (http_proxy_idle(c)) {
                        connection_free(c);
                        closed++;
                }
        }
        if (closed > 0)
                log_debug(s->log, "Worker %u closed %u idle HTTP keep-alive clients.", s->index, closed);
        /* Release: the connections this worker accepted are counted in n_live already. */
        atomic_fetch_add_explicit(&sh->n_drained, 1, memory_order_release);
}

static int on_drain(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        (void)source;
        (void)fd;
        (void)revents;
        server_drain(userdata); /* the eventfd is left readable, for the other workers */
        return 0;
}

int server_watch_drain(Server *s)
{
        int r = sd_event_add_io(s->event, &s->drain_source, s->shared->drain_fd, EPOLLIN, on_drain, s);

        if (r < 0)
                return log_error_errno(s->log, r, "Failed to watch the drain eventfd: %m");
        return 0;
}

static unsigned live(const ServerShared *sh)
{
        return atomic_load_explicit(&sh->n_live, memory_order_relaxed);
}

/* Log the connections cut now, if any: at the deadline (timeout) or at an early exit. */
static void drain_report(SocksDrain *d, bool timeout)
{
        unsigned n = live(d->shared);

        d->reported = true;
        if (n == 0)
                return;
        if (timeout)
                log_warning(d->shared->log, "The drain time of %llu s is over: cutting %u connection%s.",
                            SOCKS_DRAIN_USEC / 1000000, n, n == 1 ? "" : "s");
        else
                log_warning(d->shared->log, "Exiting before the drain is done: cutting %u connection%s.", n,
                            n == 1 ? "" : "s");
}

static int on_drain_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        SocksDrain *d = userdata;
        sd_event *event = sd_event_source_get_event(source);

        /* Acquire: after a worker's ack, what it accepted shows in n_live. */
        if (atomic_load_explicit(&d->shared->n_drained, memory_order_acquire) >= d->n_workers &&
            live(d->shared) == 0) {
                log_info(d->shared->log, "Every connection has finished; exiting.");
                d->reported = true;
                return sd_event_exit(event, 0);
        }
        if (usec >= d->deadline) {
                drain_report(d, true);
                return sd_event_exit(event, 0);
        }
        return sd_event_source_set_time_relative(source, DRAIN_POLL_USEC);
}

void socks_drain_start(sd_event *event, void *userdata)
{
        SocksDrain *d = userdata;
        ServerShared *sh = d->shared;
        uint64_t now = 0;
        int r;

        (void)sd_notify(false, "STOPPING=1");
        atomic_store_explicit(&sh->draining, true, memory_order_relaxed);
        if (eventfd_write(sh->drain_fd, 1) < 0)
                log_warning_errno(sh->log, errno, "Failed to tell the workers to drain: %m");
        server_drain(d->server);
        log_info(sh->log, "Stopping: no new clients; %u connection%s may finish within %llu s.", live(sh),
                 live(sh) == 1 ? "" : "s", SOCKS_DRAIN_USEC / 1000000);

        (void)sd_event_now(event, CLOCK_MONOTONIC, &now);
        d->deadline = now + SOCKS_DRAIN_USEC;
        /* At once: there may be nothing to wait for. */
        r = sd_event_add_time(event, &d->timer, CLOCK_MONOTONIC, now, 0, on_drain_timer, d);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->timer, SD_EVENT_ON); /* not ONESHOT: it polls */
        if (r < 0) {
                log_warning_errno(sh->log, r, "Failed to set up the drain timer, exiting at once: %m");
                drain_report(d, false);
                (void)sd_event_exit(event, 0);
        }
}

void socks_drain_done(SocksDrain *d)
{
        if (d->timer && !d->reported)
                drain_report(d, false);
        d->timer = sd_event_source_disable_unref(d->timer);
}
