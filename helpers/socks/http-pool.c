/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-pool.c: a worker's idle upstream connections (see http-pool.h): a short list,
 * newest first; a lookup walks it and closes what has been idle too long on the way.
 */
#include "http-pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "macro.h"

struct HttpIdle {
        HttpIdle *prev, *next;
        HttpPool *pool;
        int fd;
        IoWatch watch;
        uint64_t since;
        char key[PROXY_TARGET_STRLEN];
};

void http_pool_init(HttpPool *p, IoSet *io)
{
        *p = (HttpPool){.io = io};
}

static void idle_free(HttpIdle *i)
{
        HttpPool *p = i->pool;

        LIST_REMOVE(p->idle, i);
        p->n--;
        (void)io_set_close(p->io, &i->watch, i->fd);
        free(i);
}

/* Anything on an idle connection ends it: the server closed it, or sent what nobody asked. */
static void on_idle_event(IoWatch *watch, uint32_t revents)
{
        (void)revents;
        idle_free(container_of(watch, HttpIdle, watch));
}

void http_pool_done(HttpPool *p)
{
        while (p->idle)
                idle_free(p->idle);
}

void http_pool_put(HttpPool *p, const char *key, int fd, uint64_t now)
{
        HttpIdle *i, *oldest;

        if (p->n >= HTTP_POOL_MAX) {
                for (oldest = p->idle; oldest->next; oldest = oldest->next)
                        ;
                idle_free(oldest);
        }
        i = calloc(1, sizeof(*i));
        if (!i) {
                close(fd);
                return;
        }
        *i = (HttpIdle){.pool = p, .fd = fd, .since = now};
        snprintf(i->key, sizeof(i->key), "%s", key);
        /* Input only: an idle socket is always writable, which is no news. */
        if (io_set_add(p->io, &i->watch, fd, EPOLLIN | EPOLLRDHUP | EPOLLET, on_idle_event) < 0) {
                close(fd);
                free(i);
                return;
        }
        LIST_PREPEND(p->idle, i);
        p->n++;
}

int http_pool_take(HttpPool *p, const char *key, uint64_t now)
{
        for (HttpIdle *i = p->idle, *next; i; i = next) {
                int fd;

                next = i->next;
                if (i->since + HTTP_POOL_IDLE_USEC <= now) {
                        idle_free(i);
                        continue;
                }
                if (strcmp(i->key, key) != 0)
                        continue;
                fd = i->fd;
                if (io_set_remove(p->io, &i->watch, fd) < 0) {
                        idle_free(i);
                        continue;
                }
                LIST_REMOVE(p->idle, i);
                p->n--;
                free(i);
                return fd;
        }
        return -ENOENT;
}
