/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io-set.c: batched dispatch of the relayed sockets (see io-set.h). */
#include "io-set.h"

#include <errno.h>

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

        *s = (IoSet){};
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
