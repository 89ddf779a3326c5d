/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * splice-pump.c: copy, then splice(2), relay of one connection (see splice-pump.h).
 *
 * The pipe of a direction is taken from the pool when bytes must wait in it (the
 * destination was full, or the direction splices) and given back as soon as it is empty
 * and the source would block, so idle connections hold only their two sockets.
 */
#include "splice-pump.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "sysctl.h"

/* A direction copies through a buffer of this size until one read fills it; what its
 * destination does not take then waits in the pipe, which always has room for it. */
#define RELAY_COPY_MAX SPLICE_PUMP_STASH_MAX
/* At most this much per splice() from a socket; the pipe holds what it can. */
#define RELAY_SPLICE_MAX (1024 * 1024)

/* Note what an event of d's source says about its input. */
static void direction_note(SpliceDirection *d, uint32_t revents)
{
        if (revents & SPLICE_PUMP_INPUT_EVENTS)
                d->readable = true;
        if (revents & SPLICE_PUMP_DRAIN_EVENTS)
                d->drain = true;
}

static void direction_init(SpliceDirection *d, int from, int to, uint32_t revents)
{
        *d = (SpliceDirection){.from = from, .to = to, .pipe.fds = {-EBADF, -EBADF}};
        direction_note(d, revents);
}

void splice_pump_init(SplicePump *r, int client_fd, uint32_t client_revents, int target_fd,
                      uint32_t target_revents)
{
        *r = (SplicePump){};
        direction_init(&r->up, client_fd, target_fd, client_revents);
        direction_init(&r->down, target_fd, client_fd, target_revents);
}

static void direction_release_pipe(SpliceDirection *d, PipePool *pool)
{
        if (d->in_pipe == 0)
                pipe_pool_put(pool, &d->pipe);
        else
                pipe_close(&d->pipe);
        d->in_pipe = 0;
}

void splice_pump_done(SplicePump *r, PipePool *pool)
{
        direction_release_pipe(&r->up, pool);
        direction_release_pipe(&r->down, pool);
}

/*
 * Put bytes into the empty pipe of d, at most SPLICE_PUMP_STASH_MAX: any pipe has room for them.
 * They are copied with write(): vmsplice() would leave the pipe pointing at the caller's
 * memory (a stack buffer, a buffer freed next), not at a copy.
 */
static int direction_stash(SpliceDirection *d, PipePool *pool, const uint8_t *data, size_t len)
{
        int k;

        assert(d->in_pipe == 0 && len <= SPLICE_PUMP_STASH_MAX);
        if (d->pipe.fds[0] < 0) {
                k = pipe_pool_get(pool, &d->pipe);
                if (k < 0)
                        return k;
        }
        while (len > 0) {
                ssize_t n = write(d->pipe.fds[1], data, len);
                if (n < 0)
                        return negative_errno();
                d->in_pipe += (size_t)n;
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

int splice_pump_preload(SplicePump *r, PipePool *pool, const uint8_t *data, size_t len)
{
        return len > 0 ? direction_stash(&r->up, pool, data, len) : 0;
}

/* Read once into a buffer and send it on; what the destination does not take waits in
 * the pipe. Returns bytes sent, or -errno. */
static ssize_t direction_copy(SpliceDirection *d, PipePool *pool)
{
        uint8_t buf[RELAY_COPY_MAX];
        ssize_t n, sent;
        int k;

        n = recv(d->from, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0) {
                if (errno != EAGAIN)
                        return negative_errno();
                d->readable = d->drain = false;
                return 0;
        }
        if (n == 0) {
                d->eof = true;
                return 0;
        }
        if ((size_t)n == sizeof(buf)) {
                d->bulk = true; /* a stream: splice the rest */
                if (pool->bulk_sndbuf > 0)
                        (void)setsockopt(d->to, SOL_SOCKET, SO_SNDBUF, &pool->bulk_sndbuf,
                                         sizeof(pool->bulk_sndbuf));
        } else if (!d->drain)
                d->readable = false; /* emptied: new data brings a new edge */

        sent = send(d->to, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent < 0) {
                if (errno != EAGAIN)
                        return negative_errno();
                sent = 0;
        }
        if (sent < n) {
                k = direction_stash(d, pool, buf + sent, (size_t)(n - sent));
                if (k < 0)
                        return k;
        }
        return sent;
}

/* Run one direction until it would block. Returns bytes moved, or -errno. */
static ssize_t direction_pump(SpliceDirection *d, const SpliceDirection *other, PipePool *pool)
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
                        /* With the other direction finished too, the connection is closed
                         * next, and close() sends the FIN. The peer may be gone already;
                         * the other direction reports that. */
                        if (!other->done)
                                (void)shutdown(d->to, SHUT_WR);
                        direction_release_pipe(d, pool);
                        d->done = true;
                        break;
                }
                if (!d->readable) {
                        direction_release_pipe(d, pool); /* empty: idle directions hold none */
                        break;                           /* until the source's next input event */
                }
                if (!d->bulk) {
                        n = direction_copy(d, pool);
                        if (n < 0)
                                return n;
                        moved += (size_t)n;
                        continue;
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
                                d->readable = d->drain = false;
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

int splice_pump_bulk_sndbuf(void)
{
        unsigned long long wmem_max, min, def, max;
        char buf[64];
        int r;

        r = sysctl_read("net/core/wmem_max", buf, sizeof(buf));
        if (r < 0)
                return r;
        if (sscanf(buf, "%llu", &wmem_max) != 1)
                return -EBADMSG;
        r = sysctl_read("net/ipv4/tcp_wmem", buf, sizeof(buf));
        if (r < 0)
                return r;
        if (sscanf(buf, "%llu %llu %llu", &min, &def, &max) != 3)
                return -EBADMSG;
        if (wmem_max > INT_MAX / 2)
                wmem_max = INT_MAX / 2;
        return 2 * wmem_max > max ? (int)wmem_max : 0;
}

int splice_pump_bulk_sndbuf_logged(const Logger *log)
{
        int r = splice_pump_bulk_sndbuf();

        if (r < 0) {
                log_warning_errno(log, r,
                                  "Cannot read net.core.wmem_max and net.ipv4.tcp_wmem (%m); bulk streams "
                                  "keep the send buffer autotuning gives them.");
                return 0;
        }
        if (r > 0)
                log_debug(log, "Bulk streams ask for a send buffer of %d bytes (net.core.wmem_max).", r);
        else
                log_debug(log,
                          "Bulk streams keep the send buffer autotuning gives them (net.ipv4.tcp_wmem).");
        return r;
}

int splice_pump_run(SplicePump *r, PipePool *pool)
{
        ssize_t up, down;

        up = direction_pump(&r->up, &r->down, pool);
        if (up < 0)
                return (int)up;
        down = direction_pump(&r->down, &r->up, pool);
        if (down < 0)
                return (int)down;
        r->bytes_up += (uint64_t)up;
        r->bytes_down += (uint64_t)down;
        return up > 0 || down > 0;
}

int splice_pump_event(SplicePump *r, PipePool *pool, int fd, uint32_t revents)
{
        direction_note(fd == r->up.from ? &r->up : &r->down, revents);
        return splice_pump_run(r, pool);
}
