/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pipe-pool.c: see pipe-pool.h. */
#include "pipe-pool.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "macro.h"

void pipe_pool_init(PipePool *pool, size_t pipe_size)
{
        *pool = (PipePool){.pipe_size = pipe_size};
}

void pipe_close(Pipe *p)
{
        p->fds[0] = safe_close(p->fds[0]);
        p->fds[1] = safe_close(p->fds[1]);
}

void pipe_pool_done(PipePool *pool)
{
        while (pool->n > 0)
                pipe_close(&pool->pipes[--pool->n]);
}

int pipe_pool_get(PipePool *pool, Pipe *ret)
{
        if (pool->n > 0) {
                *ret = pool->pipes[--pool->n];
                return 0;
        }
        if (pipe2(ret->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
                ret->fds[0] = ret->fds[1] = -EBADF;
                return negative_errno();
        }
        /* Larger pipes move more per splice(); refused beyond the per-user limit
         * (fs.pipe-user-pages-soft), in which case the default 64 KiB is fine. */
        if (pool->pipe_size > 0)
                (void)fcntl(ret->fds[1], F_SETPIPE_SZ, (int)pool->pipe_size);
        return 0;
}

void pipe_pool_put(PipePool *pool, Pipe *p)
{
        if (p->fds[0] < 0)
                return;
        if (pool->n < PIPE_POOL_MAX) {
                pool->pipes[pool->n++] = *p;
                p->fds[0] = p->fds[1] = -EBADF;
        } else
                pipe_close(p);
}
