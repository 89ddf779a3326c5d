/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * splice-pump.h: moving bytes between two TCP sockets with splice(2), both ways.
 *
 * Most relayed connections carry a few small messages each way (a request, a reply), and
 * for those recv() and send() through an 8 KiB buffer cost two system calls per message:
 * splice(2) would cost three (into the pipe, out of it, and the read that finds the
 * socket empty). So a direction copies until one read fills the buffer, and from then on
 * splices from its source socket into a pipe and from the pipe into its destination
 * socket; the bulk of a stream never enters user space. What the destination cannot take
 * at once waits in the pipe either way. A direction that reads EOF passes it on as
 * shutdown(SHUT_WR) once its pipe is empty (half-close both ways).
 *
 * The relay does no event handling of its own: the caller watches both sockets
 * edge-triggered for input and output and hands each event to splice_pump_event(), which runs
 * both directions until they would block. A short read from a TCP socket leaves it
 * empty, and new data brings a new edge, so a copying direction reads again only after
 * its next input event, not to be told EAGAIN. It drains the socket (reads until EAGAIN
 * or EOF) when a short read proves nothing: after the peer's FIN (EPOLLRDHUP: the EOF is
 * behind the data), and at urgent data (EPOLLPRI: a read stops short at its mark). The
 * events that came before the relay started are the caller's to keep (ORed, per socket)
 * and to pass to splice_pump_init(): a socket none of them said input for is not read at the
 * start (on a busy proxy, two reads per connection that would find nothing). Urgent data
 * is relayed as the kernel reads it without MSG_OOB: the urgent byte itself is dropped,
 * as with splice.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

#include "log.h"
#include "pipe-pool.h"

/*
 * What both sockets of a relayed connection are watched for, from creation to close:
 * input (urgent data too) and output, edge-triggered, and never re-armed (no epoll_ctl()
 * per event). So every handler runs until its socket would block (or the connection
 * waits for the other side), and splice_pump_event() moves both directions on any event: no
 * edge is lost.
 */
#define SPLICE_PUMP_EVENTS (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDHUP | EPOLLET)

/* Events after which a short read proves nothing: the EOF is behind the data (FIN), a
 * read stops short at urgent data, an error or hangup is there to be read. */
#define SPLICE_PUMP_DRAIN_EVENTS (EPOLLPRI | EPOLLRDHUP | EPOLLHUP | EPOLLERR)
/* Events that say a socket may hold input: data, and the above. */
#define SPLICE_PUMP_INPUT_EVENTS (EPOLLIN | SPLICE_PUMP_DRAIN_EVENTS)

/* The most bytes put into a pipe at once outside splice: what the smallest pipe the
 * kernel makes holds (2 pages, when the user is over fs.pipe-user-pages-soft). */
#define SPLICE_PUMP_STASH_MAX 8192

typedef struct SpliceDirection {
        int from, to; /* not owned */
        Pipe pipe;
        size_t in_pipe; /* bytes in the pipe */
        bool readable;  /* the source may hold data: no read emptied it since its last input event */
        bool drain;     /* read until EAGAIN or EOF, not only until a short read */
        bool bulk;      /* a read filled the copy buffer: splice from now on */
        bool eof;       /* source read EOF */
        bool done;      /* EOF passed on: shutdown(to, SHUT_WR) done */
} SpliceDirection;

typedef struct SplicePump {
        SpliceDirection up;   /* client -> target */
        SpliceDirection down; /* target -> client */
        uint64_t bytes_up, bytes_down;
} SplicePump;

/*
 * Start relaying between two connected sockets. client_revents, target_revents: the
 * socket's events, ORed, since the caller last read it to a short read (since it was
 * watched, if never read); input among them (SPLICE_PUMP_INPUT_EVENTS) makes the relay read
 * it at once, else it waits for the socket's next event.
 */
void splice_pump_init(SplicePump *r, int client_fd, uint32_t client_revents, int target_fd,
                      uint32_t target_revents);
/*
 * The send buffer to ask for (SO_SNDBUF) when a direction turns to splice, for its
 * destination socket, from the namespace's sysctls: net.core.wmem_max when the kernel
 * would then grant more (twice that) than autotuning may reach (net.ipv4.tcp_wmem's
 * maximum); 0 otherwise, autotuning left alone (Debian's defaults: 208 KiB against 4
 * MiB). A stream whose destination is slower than its source is then limited by the
 * destination's flow, not by how often the relay is told there is room: on these
 * machines, with wmem_max 4 MiB, upward streams through tsproxy-relay went 11 to 13 %
 * faster (bench/README.md). -errno when the sysctls cannot be read (a unit with
 * ProcSubset=pid hides /proc/sys).
 */
int splice_pump_bulk_sndbuf(void);
/* The same for PipePool.bulk_sndbuf, read once per daemon: a warning (and 0) when the
 * sysctls cannot be read, the choice at debug level. */
int splice_pump_bulk_sndbuf_logged(const Logger *log);
/* Release the pipes (pooled when empty). */
void splice_pump_done(SplicePump *r, PipePool *pool);

/*
 * Put bytes that the client sent behind its request (an HTTP client may), at most
 * SPLICE_PUMP_STASH_MAX, in front of the upward direction. 0 or -errno.
 */
int splice_pump_preload(SplicePump *r, PipePool *pool, const uint8_t *data, size_t len);

/*
 * Move what can be moved in both directions. Returns 1 when something moved, 0 when
 * nothing did, or -errno when a socket failed (the connection should be closed).
 */
int splice_pump_run(SplicePump *r, PipePool *pool);
/* An event (revents) of fd, the client's or the target's socket: note what it says
 * about input, then splice_pump_run(). */
int splice_pump_event(SplicePump *r, PipePool *pool, int fd, uint32_t revents);

/* Both directions finished: close the connection. */
static inline bool splice_pump_finished(const SplicePump *r)
{
        return r->up.done && r->down.done;
}
