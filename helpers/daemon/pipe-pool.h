/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pipe-pool.h: pipes for splice(2), reused.
 *
 * Every relayed direction needs a pipe while bytes are in flight, and none while it
 * waits. A direction takes a pipe when its source becomes readable and gives it back
 * once the pipe is empty and the source would block, so 10,000 idle connections hold
 * no pipes, and a busy proxy makes few pipe2() calls. Only empty pipes are pooled.
 */
#pragma once

#include <stddef.h>

#define PIPE_POOL_MAX 256

typedef struct Pipe {
        int fds[2]; /* [0] read end, [1] write end; -EBADF when not held */
} Pipe;

typedef struct PipePool {
        Pipe pipes[PIPE_POOL_MAX];
        size_t n;
        size_t pipe_size; /* requested with F_SETPIPE_SZ; 0: the kernel's default */
        /* What else a direction gets when it turns to splice: SO_SNDBUF for its
         * destination (splice_pump_bulk_sndbuf()); 0 leaves the kernel's autotuning. */
        int bulk_sndbuf;
} PipePool;

void pipe_pool_init(PipePool *pool, size_t pipe_size);
void pipe_pool_done(PipePool *pool);
/* Take a pooled pipe or make one: 0 or -errno. */
int pipe_pool_get(PipePool *pool, Pipe *ret);
/* Give back an EMPTY pipe (closed when the pool is full); p is reset. */
void pipe_pool_put(PipePool *pool, Pipe *p);
/* Close a pipe that may still hold data. */
void pipe_close(Pipe *p);
