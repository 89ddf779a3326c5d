/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* workers.c: event loops on threads of their own (see workers.h). */
#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "io-set.h"
#include "macro.h"

typedef struct Worker {
        struct Workers *workers;
        unsigned index;
        pthread_t thread;
        bool running; /* the thread was created: join it */
        int stop_fd;  /* eventfd: readable when the loop is to end */
        int setup_result;
        bool setup_done;
        _Atomic uint64_t heartbeat; /* CLOCK_MONOTONIC µs of the loop's last timer tick */
} Worker;

struct Workers {
        WorkerSetup setup;
        WorkerTeardown teardown;
        void *userdata;
        pthread_mutex_t lock; /* setup_done and setup_result of every worker */
        pthread_cond_t changed;
        uint64_t heartbeat_usec; /* 0: no heartbeat timer */
        unsigned n;
        Worker worker[];
};

static int on_stop(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        (void)fd;
        (void)revents;
        (void)userdata;
        return sd_event_exit(sd_event_source_get_event(source), 0);
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The loop ran: stamp the heartbeat, and come back after the interval. */
static int on_heartbeat(sd_event_source *source, uint64_t usec, void *userdata)
{
        Worker *w = userdata;

        (void)usec;
        atomic_store_explicit(&w->heartbeat, now_usec(), memory_order_relaxed);
        return sd_event_source_set_time_relative(source, w->workers->heartbeat_usec);
}

static int worker_add_heartbeat(Worker *w, sd_event *event)
{
        sd_event_source *source = NULL;
        int r;

        if (w->workers->heartbeat_usec == 0)
                return 0;
        r = sd_event_add_time_relative(event, &source, CLOCK_MONOTONIC, w->workers->heartbeat_usec, 0,
                                       on_heartbeat, w);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(source, SD_EVENT_ON);
        if (r >= 0)
                r = sd_event_source_set_floating(source, true);
        sd_event_source_unref(source);
        return r;
}

bool workers_alive(const Workers *all, uint64_t now, uint64_t max_age_usec, unsigned *ret_stale)
{
        if (!all)
                return true;
        for (unsigned i = 0; i < all->n; i++) {
                uint64_t beat = atomic_load_explicit(&all->worker[i].heartbeat, memory_order_relaxed);

                if (now > beat && now - beat > max_age_usec) {
                        if (ret_stale)
                                *ret_stale = all->worker[i].index;
                        return false;
                }
        }
        return true;
}

static void worker_report(Worker *w, int r)
{
        Workers *all = w->workers;

        pthread_mutex_lock(&all->lock);
        w->setup_result = r;
        w->setup_done = true;
        pthread_cond_broadcast(&all->changed);
        pthread_mutex_unlock(&all->lock);
}

static void *worker_main(void *arg)
{
        Worker *w = arg;
        Workers *all = w->workers;
        sd_event *event = NULL;
        IoSet *io_set = NULL;
        void *state = NULL;
        int r;

        r = sd_event_new(&event);
        if (r >= 0)
                r = sd_event_add_io(event, NULL, w->stop_fd, EPOLLIN, on_stop, NULL);
        if (r >= 0)
                r = worker_add_heartbeat(w, event);
        if (r >= 0)
                r = all->setup(w->index, event, all->userdata, &state, &io_set);
        worker_report(w, r);
        if (r >= 0)
                (void)io_set_loop(event, io_set);
        if (event)
                all->teardown(w->index, state);
        sd_event_unref(event);
        return NULL;
}

static int worker_wait_setup(Workers *all, Worker *w)
{
        int r;

        pthread_mutex_lock(&all->lock);
        while (!w->setup_done)
                pthread_cond_wait(&all->changed, &all->lock);
        r = w->setup_result;
        pthread_mutex_unlock(&all->lock);
        return r;
}

void workers_stop(Workers *all)
{
        if (!all)
                return;
        for (unsigned i = 0; i < all->n; i++) {
                Worker *w = &all->worker[i];
                if (w->running)
                        (void)eventfd_write(w->stop_fd, 1);
        }
        for (unsigned i = 0; i < all->n; i++) {
                Worker *w = &all->worker[i];
                if (w->running)
                        (void)pthread_join(w->thread, NULL);
                safe_close(w->stop_fd);
        }
        pthread_cond_destroy(&all->changed);
        pthread_mutex_destroy(&all->lock);
        free(all);
}

int workers_start(Workers **ret, unsigned n, uint64_t heartbeat_usec, WorkerSetup setup,
                  WorkerTeardown teardown, void *userdata)
{
        Workers *all;
        sigset_t all_signals, saved;
        int r = 0;

        *ret = NULL;
        if (n <= 1)
                return 0;
        all = calloc(1, sizeof(*all) + (n - 1) * sizeof(Worker));
        if (!all)
                return -ENOMEM;
        *all = (Workers){.setup = setup,
                         .teardown = teardown,
                         .userdata = userdata,
                         .heartbeat_usec = heartbeat_usec,
                         .n = n - 1};
        pthread_mutex_init(&all->lock, NULL);
        pthread_cond_init(&all->changed, NULL);
        for (unsigned i = 0; i < all->n; i++)
                all->worker[i] = (Worker){.workers = all, .index = i + 1, .stop_fd = -EBADF};
        for (unsigned i = 0; i < all->n; i++)
                atomic_init(&all->worker[i].heartbeat, now_usec());

        /* The threads inherit the mask: no signal is ever delivered to them. */
        sigfillset(&all_signals);
        pthread_sigmask(SIG_SETMASK, &all_signals, &saved);
        for (unsigned i = 0; i < all->n && r >= 0; i++) {
                Worker *w = &all->worker[i];

                w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
                if (w->stop_fd < 0) {
                        r = negative_errno();
                        break;
                }
                r = -pthread_create(&w->thread, NULL, worker_main, w);
                if (r < 0)
                        break;
                w->running = true;
                r = worker_wait_setup(all, w);
        }
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        if (r < 0) {
                workers_stop(all);
                return r;
        }
        *ret = all;
        return 0;
}

unsigned workers_cpus(void)
{
        cpu_set_t set;
        int n;

        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return 1;
        n = CPU_COUNT(&set);
        return n > 0 ? (unsigned)n : 1;
}

unsigned workers_count(unsigned requested, unsigned auto_max)
{
        unsigned n;

        if (requested > 0)
                return requested;
        n = workers_cpus();
        return n < auto_max ? n : auto_max;
}
