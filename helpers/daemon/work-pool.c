/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* work-pool.c: threads for work kept off the event loops (see work-pool.h). */
#include "work-pool.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "macro.h"

static void work_return_push(WorkItem *item)
{
        WorkReturn *r = item->home;

        pthread_mutex_lock(&r->lock);
        item->next = r->items;
        r->items = item;
        pthread_mutex_unlock(&r->lock);
        (void)eventfd_write(r->fd, 1);
}

static void *work_pool_thread(void *userdata)
{
        WorkPool *p = userdata;

        /* Lower priority than the loops: a flood of work slows the work, not the loops.
         * Raising one's nice value needs no privilege; per thread on Linux. */
        if (p->nice > 0)
                (void)setpriority(PRIO_PROCESS, (id_t)gettid(),
                                  getpriority(PRIO_PROCESS, (id_t)gettid()) + p->nice);
        for (;;) {
                WorkItem *item;

                pthread_mutex_lock(&p->lock);
                while (!p->head && !p->stopping)
                        pthread_cond_wait(&p->wake, &p->lock);
                if (!p->head) { /* stopping, nothing left to take */
                        pthread_mutex_unlock(&p->lock);
                        return NULL;
                }
                item = p->head;
                p->head = item->next;
                if (!p->head)
                        p->tail = NULL;
                p->n_queued--;
                pthread_mutex_unlock(&p->lock);

                item->next = NULL;
                item->work(item);
                item->ran = true;
                work_return_push(item);
        }
}

int work_pool_start(WorkPool *p, unsigned n_threads, size_t max_queued, int nice_increment)
{
        sigset_t all, old;
        int r = 0;

        *p = (WorkPool){.max_queued = max_queued, .nice = nice_increment};
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->wake, NULL);
        p->threads = calloc(n_threads ?: 1, sizeof(pthread_t));
        if (!p->threads)
                return -ENOMEM;
        /* The threads block every signal: the main loop takes them. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        for (unsigned i = 0; i < (n_threads ?: 1); i++) {
                r = -pthread_create(&p->threads[i], NULL, work_pool_thread, p);
                if (r < 0)
                        break;
                p->n_threads++;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                work_pool_stop(p);
        return r;
}

int work_pool_submit(WorkPool *p, WorkItem *item)
{
        int r = 0;

        item->next = NULL;
        item->ran = false;
        pthread_mutex_lock(&p->lock);
        if (p->stopping || p->n_threads == 0)
                r = -ESHUTDOWN;
        else if (p->n_queued >= p->max_queued)
                r = -EAGAIN;
        else {
                if (p->tail)
                        p->tail->next = item;
                else
                        p->head = item;
                p->tail = item;
                p->n_queued++;
                pthread_cond_signal(&p->wake);
        }
        pthread_mutex_unlock(&p->lock);
        return r;
}

void work_pool_stop(WorkPool *p)
{
        WorkItem *queued;

        if (!p->threads)
                return;
        pthread_mutex_lock(&p->lock);
        p->stopping = true;
        /* What no thread has taken yet goes home not run. */
        queued = p->head;
        p->head = p->tail = NULL;
        p->n_queued = 0;
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
        for (unsigned i = 0; i < p->n_threads; i++)
                pthread_join(p->threads[i], NULL);
        free(p->threads);
        p->threads = NULL;
        p->n_threads = 0;
        while (queued) {
                WorkItem *item = queued;
                queued = item->next;
                work_return_push(item);
        }
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
}

static void work_return_dispatch(WorkReturn *r)
{
        WorkItem *list;

        pthread_mutex_lock(&r->lock);
        list = r->items;
        r->items = NULL;
        pthread_mutex_unlock(&r->lock);
        while (list) {
                WorkItem *item = list;
                list = item->next;
                item->next = NULL;
                item->done(item);
        }
}

static int on_work_returned(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        eventfd_t ignored;

        (void)source;
        (void)revents;
        (void)eventfd_read(fd, &ignored);
        work_return_dispatch(userdata);
        return 0;
}

int work_return_init(WorkReturn *r, sd_event *event)
{
        int k;

        *r = (WorkReturn){.fd = -EBADF};
        pthread_mutex_init(&r->lock, NULL);
        r->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (r->fd < 0)
                return -errno;
        k = sd_event_add_io(event, &r->source, r->fd, EPOLLIN, on_work_returned, r);
        if (k < 0)
                return k;
        return 0;
}

void work_return_done(WorkReturn *r)
{
        if (r->fd < 0 && !r->source)
                return;
        work_return_dispatch(r);
        r->source = sd_event_source_disable_unref(r->source);
        r->fd = safe_close(r->fd);
        pthread_mutex_destroy(&r->lock);
}
