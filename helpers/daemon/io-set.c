/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io-set.c: batched dispatch of the relayed sockets (see io-set.h). */
#include "io-set.h"

#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include "macro.h"

static int on_ready(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        IoSet *s = userdata;
        int n;

        (void)source;
        (void)revents;
        n = epoll_wait(fd, s->events, IO_SET_BATCH, 0);
        if (n <= 0)
                return 0; /* EINTR, or nothing after all: the next iteration asks again */
        s->n_events = n;
        for (s->next = 0; s->next < s->n_events;) {
                const struct epoll_event *ev = &s->events[s->next++];
                IoWatch *w = ev->data.ptr;

                if (w)
                        w->handler(w, ev->events);
        }
        /* A full batch leaves the set readable: sd-event comes back (level-triggered). */
        s->next = s->n_events = 0;
        return 0;
}

int io_set_init(IoSet *s, sd_event *event)
{
        int r;

        *s = (IoSet){.event = event};
        s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (s->epoll_fd < 0) {
                r = negative_errno();
                s->epoll_fd = -EBADF;
                return r;
        }
        r = sd_event_add_io(event, &s->source, s->epoll_fd, EPOLLIN, on_ready, s);
        if (r < 0) {
                s->epoll_fd = safe_close(s->epoll_fd);
                return r;
        }
        return 0;
}

void io_set_done(IoSet *s)
{
        s->source = sd_event_source_disable_unref(s->source);
        s->epoll_fd = safe_close(s->epoll_fd);
}

int io_set_add(IoSet *s, IoWatch *watch, int fd, uint32_t events, IoHandler handler)
{
        struct epoll_event ev = {.events = events, .data.ptr = watch};

        watch->handler = handler;
        if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return negative_errno();
        return 0;
}

static void io_set_forget(IoSet *s, const IoWatch *watch)
{
        for (int i = s->next; i < s->n_events; i++)
                if (s->events[i].data.ptr == watch)
                        s->events[i].data.ptr = NULL;
}

int io_set_remove(IoSet *s, IoWatch *watch, int fd)
{
        io_set_forget(s, watch);
        if (epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, fd, NULL) < 0)
                return negative_errno();
        return 0;
}

int io_set_close(IoSet *s, IoWatch *watch, int fd)
{
        if (fd < 0)
                return -EBADF;
        io_set_forget(s, watch);
        return safe_close(fd);
}

static uint64_t monotonic_usec(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* One sd-event iteration that does not block: wait (its descriptor was readable, or a
 * handler may have changed a timer) and dispatch. 0 or -errno. */
static int sd_event_turn(sd_event *event)
{
        int r = sd_event_wait(event, 0);
        if (r > 0)
                r = sd_event_dispatch(event);
        return r < 0 ? r : 0;
}

static int io_set_run(IoSet *s, sd_event *event)
{
        uint64_t deadline = 0; /* when sd-event must run an iteration; 0: when it asks */
        int r;

        for (;;) {
                int state = sd_event_get_state(event), timeout = -1, n;
                bool sd_ready = false, due = false, handled = false;

                if (state == SD_EVENT_FINISHED)
                        return 0;
                if (state == SD_EVENT_INITIAL) {
                        /* arms sd-event's timers; > 0: something is pending already */
                        r = sd_event_prepare(event);
                        if (r < 0)
                                return r;
                        if (r > 0) {
                                r = sd_event_dispatch(event);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        deadline = 0;
                }
                if (deadline > 0) {
                        uint64_t now = monotonic_usec();
                        timeout = now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
                        due = timeout == 0;
                }
                n = epoll_wait(s->epoll_fd, s->events, IO_SET_BATCH, timeout);
                if (n < 0) {
                        if (errno != EINTR)
                                return negative_errno();
                        n = 0;
                }
                s->n_events = n;
                for (s->next = 0; s->next < s->n_events;) {
                        const struct epoll_event *ev = &s->events[s->next++];
                        IoWatch *w = ev->data.ptr;

                        if (w == &s->sd_event_watch)
                                sd_ready = true;
                        else if (w) {
                                w->handler(w, ev->events);
                                handled = true;
                        }
                }
                s->next = s->n_events = 0;
                if (handled && deadline == 0)
                        deadline = monotonic_usec() + IO_SET_SD_EVENT_LAG_USEC;
                if (sd_ready || due || (deadline > 0 && n == 0)) {
                        r = sd_event_turn(event);
                        if (r < 0)
                                return r;
                        deadline = 0;
                }
        }
}

int io_set_loop(sd_event *event, IoSet *s)
{
        struct epoll_event ev = {.events = EPOLLIN};
        int fd, r, code = 0;

        if (!s || s->event != event)
                return sd_event_loop(event);
        fd = sd_event_get_fd(event);
        if (fd < 0)
                return fd;
        /* Ours may not be in sd-event's set while sd-event's is in ours (ELOOP). */
        r = sd_event_source_set_enabled(s->source, SD_EVENT_OFF);
        if (r < 0)
                return r;
        ev.data.ptr = &s->sd_event_watch;
        if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                r = negative_errno();
                (void)sd_event_source_set_enabled(s->source, SD_EVENT_ON);
                return r;
        }
        r = io_set_run(s, event);
        (void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        (void)sd_event_source_set_enabled(s->source, SD_EVENT_ON);
        if (r < 0)
                return r;
        r = sd_event_get_exit_code(event, &code);
        return r < 0 ? r : code;
}
