/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * work-pool.h: a few threads for work that must not run on an event loop (tsproxy-socks:
 * password hashes, ~30 ms each with yescrypt), and the way back to the loop that asked.
 *
 * A WorkPool is a fixed set of threads fed through a bounded FIFO queue: submitting to a
 * full queue fails at once (-EAGAIN) instead of letting a flood grow memory or latency
 * without bound. A WorkItem is the caller's (embedded in its own struct): work() runs on
 * a pool thread, then the item goes back to its WorkReturn, a locked list with an
 * eventfd watched by the submitting loop, where done() runs on that loop. The loop
 * never waits for a thread, and a thread never touches the loop's state.
 *
 * Order at exit: work_pool_stop() first (items still queued go back not run, ran ==
 * false), then each loop's work_return_done(), which runs done() of every item still in
 * its list.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

typedef struct WorkItem WorkItem;
typedef struct WorkReturn WorkReturn;

struct WorkItem {
        WorkItem *next;
        WorkReturn *home;             /* where done() runs */
        void (*work)(WorkItem *item); /* on a pool thread */
        void (*done)(WorkItem *item); /* on home's loop (or in work_return_done()) */
        bool ran;                     /* false: the pool stopped before work() ran */
};

struct WorkReturn {
        pthread_mutex_t lock;
        WorkItem *items; /* done, not yet dispatched */
        int fd;          /* eventfd */
        sd_event_source *source;
};

typedef struct WorkPool {
        pthread_mutex_t lock;
        pthread_cond_t wake;
        WorkItem *head, *tail;
        size_t n_queued, max_queued;
        bool stopping;
        pthread_t *threads;
        unsigned n_threads;
        int nice; /* of the threads, relative to the process */
} WorkPool;

/* n_threads >= 1 threads at nice +nice_increment (best effort), a queue of at most
 * max_queued items. 0 or -errno (threads already started are stopped again). */
int work_pool_start(WorkPool *p, unsigned n_threads, size_t max_queued, int nice_increment);
/* Queue item (its work, done and home set): 0, -EAGAIN when the queue is full,
 * -ESHUTDOWN once the pool is stopping. On error the item stays the caller's. */
int work_pool_submit(WorkPool *p, WorkItem *item);
/* Join the threads; queued items go home not run. Safe on a pool never started
 * (zeroed) and more than once. */
void work_pool_stop(WorkPool *p);

/* Watch r's eventfd on event. 0 or -errno. */
int work_return_init(WorkReturn *r, sd_event *event);
/* Run done() of the items still waiting, stop watching. Safe on a zeroed WorkReturn with
 * fd == -EBADF. */
void work_return_done(WorkReturn *r);
