/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * relay.c: splice(2) relay of one connection (see relay.h).
 *
 * The pipe of a direction is taken from the pool when its source has data and given
 * back as soon as it is empty and the source would block, so idle connections hold
 * only their two sockets.
 */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "macro.h"

/* At most this much per splice() from a socket; the pipe holds what it can. */
#define RELAY_SPLICE_MAX (1024 * 1024)

static void direction_init(RelayDirection *d, int from, int to)
{
        *d = (RelayDirection){.from = from, .to = to, .pipe.fds = {-EBADF, -EBADF}};
}

void relay_init(Relay *r, int client_fd, int target_fd)
{
        *r = (Relay){};
        direction_init(&r->up, client_fd, target_fd);
        direction_init(&r->down, target_fd, client_fd);
}

static void direction_release_pipe(RelayDirection *d, PipePool *pool)
{
        if (d->in_pipe == 0)
                pipe_pool_put(pool, &d->pipe);
        else
                pipe_close(&d->pipe);
        d->in_pipe = 0;
}

void relay_done(Relay *r, PipePool *pool)
{
        direction_release_pipe(&r->up, pool);
        direction_release_pipe(&r->down, pool);
}

int relay_preload(Relay *r, PipePool *pool, const uint8_t *data, size_t len)
{
        RelayDirection *d = &r->up;
        int k;

        if (len == 0)
                return 0;
        if (d->pipe.fds[0] < 0) {
                k = pipe_pool_get(pool, &d->pipe);
                if (k < 0)
                        return k;
        }
        while (len > 0) {
                struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
                ssize_t n = vmsplice(d->pipe.fds[1], &iov, 1, SPLICE_F_NONBLOCK);
                if (n < 0)
                        return negative_errno(); /* < 8 KiB never fills an empty pipe */
                d->in_pipe += (size_t)n;
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Run one direction until it would block. Returns bytes moved, or -errno. */
static ssize_t direction_pump(RelayDirection *d, PipePool *pool)
{
        size_t moved = 0;
        int k;

        while (!d->done) {
                ssize_t n;

                if (d->in_pipe > 0) {
                        n = splice(d->pipe.fds[0], NULL, d->to, NULL, d->in_pipe,
                                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                        if (n < 0) {
                                if (errno == EAGAIN)
                                        break; /* until the destination's EPOLLOUT */
                                return negative_errno();
                        }
                        d->in_pipe -= (size_t)n;
                        moved += (size_t)n;
                        continue;
                }
                if (d->eof) {
                        /* The peer may be gone already; the other direction reports that. */
                        (void)shutdown(d->to, SHUT_WR);
                        direction_release_pipe(d, pool);
                        d->done = true;
                        break;
                }
                if (d->pipe.fds[0] < 0) {
                        k = pipe_pool_get(pool, &d->pipe);
                        if (k < 0)
                                return k;
                }
                n = splice(d->from, NULL, d->pipe.fds[1], NULL, RELAY_SPLICE_MAX,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n < 0) {
                        if (errno == EAGAIN) {
                                direction_release_pipe(d, pool); /* until the source's EPOLLIN */
                                break;
                        }
                        return negative_errno();
                }
                if (n == 0)
                        d->eof = true;
                d->in_pipe += (size_t)n;
        }
        return (ssize_t)moved;
}

int relay_pump(Relay *r, PipePool *pool)
{
        ssize_t up, down;

        up = direction_pump(&r->up, pool);
        if (up < 0)
                return (int)up;
        down = direction_pump(&r->down, pool);
        if (down < 0)
                return (int)down;
        r->bytes_up += (uint64_t)up;
        r->bytes_down += (uint64_t)down;
        return up > 0 || down > 0;
}
