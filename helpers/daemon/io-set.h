/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * io-set.h: the relayed connections' sockets, on an epoll set of their own that is one
 * source of the sd-event loop, and dispatched in batches.
 *
 * sd-event dispatches one event source per loop iteration, and every iteration costs an
 * epoll_wait() and its own bookkeeping: about eight iterations for each proxied
 * connection (accept, greeting, request, connected, data both ways, EOF both ways).
 * The sockets of relayed connections live in an inner epoll set instead; sd-event sees
 * it as one readable descriptor, and one of its iterations hands up to IO_SET_BATCH
 * socket events to their handlers. Everything else (listeners, timers, signals, the
 * resolver, datagram sockets) stays an sd-event source.
 *
 * A watch is embedded in its owner (the handler finds the owner with container_of()).
 * Its socket leaves the set by being closed with io_set_close(), which costs no
 * epoll_ctl() and drops what the batch being dispatched still holds for the watch, so
 * that no such event reaches a handler whose owner is gone. The sockets must not be
 * dup()ed: a descriptor leaves an epoll set only when its last copy is closed.
 *
 * io_set_loop() runs the loop the other way round: the set is the outer epoll, and
 * sd-event's own descriptor one of its members. A socket event then costs one
 * epoll_wait() and its handler, without an sd-event iteration (prepare, wait, dispatch:
 * about 1,400 instructions each, seven of them per SOCKS connection before); sd-event
 * runs an iteration when its descriptor is readable (listeners, signals, timers), and at
 * the latest IO_SET_SD_EVENT_LAG_USEC after a socket handler ran, which may have added
 * or moved a timer that sd-event arms only in its next iteration.
 */
#pragma once

#include <stdint.h>
#include <sys/epoll.h>
#include <systemd/sd-event.h>

#define IO_SET_BATCH 128
/* How late a timer set by a socket handler may fire (io_set_loop()); nothing idles on it. */
#define IO_SET_SD_EVENT_LAG_USEC (50 * 1000)

typedef struct IoWatch IoWatch;
typedef void (*IoHandler)(IoWatch *watch, uint32_t revents);

struct IoWatch {
        IoHandler handler;
};

typedef struct IoSet {
        int epoll_fd;
        sd_event *event;
        sd_event_source *source;
        IoWatch sd_event_watch; /* marks sd-event's descriptor in the set (io_set_loop()) */
        /* The batch being dispatched: events[next..n_events) are still to come. */
        struct epoll_event events[IO_SET_BATCH];
        int next, n_events;
} IoSet;

/* The inner epoll set and its sd-event source. 0 or -errno. */
int io_set_init(IoSet *s, sd_event *event);
/* Close the set (the watched sockets are their owners' to close). */
void io_set_done(IoSet *s);

/*
 * Run event until it exits, as sd_event_loop() does, but with s (made by io_set_init()
 * for event) as the outer epoll set (see above); sd_event_loop() itself when s is NULL
 * (tsproxy-dns). Returns the exit code or -errno.
 */
int io_set_loop(sd_event *event, IoSet *s);

/* Watch fd for events (EPOLLET and the rest as for epoll_ctl()). 0 or -errno. */
int io_set_add(IoSet *s, IoWatch *watch, int fd, uint32_t events, IoHandler handler);
/* Stop watching fd, which stays open (epoll_ctl(EPOLL_CTL_DEL)), and drop what the batch
 * being dispatched still holds for the watch. 0 or -errno. */
int io_set_remove(IoSet *s, IoWatch *watch, int fd);
/* Close fd, watched by watch (or never added: fd < 0 is fine too), and drop what the
 * batch being dispatched still holds for the watch. Returns -EBADF, for the fd. */
int io_set_close(IoSet *s, IoWatch *watch, int fd);
