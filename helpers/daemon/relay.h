/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * relay.h: moving bytes between two TCP sockets with splice(2), both ways.
 *
 * Each direction splices from its source socket into a pipe and from the pipe into its
 * destination socket; the bytes never enter user space. A direction that reads EOF
 * passes it on as shutdown(SHUT_WR) once its pipe is empty (half-close both ways). The
 * relay does no event handling: relay_pump() runs both directions until they would
 * block; the caller watches both sockets edge-triggered for input and output.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

#include "pipe-pool.h"

/*
 * What both sockets of a relayed connection are watched for, from creation to close:
 * input and output, edge-triggered, and never re-armed. sd-event dispatches one source
 * per iteration, and a level-triggered socket would be reported by every epoll_wait()
 * until handled, which costs O(connections) per event under load. So every handler runs
 * until its socket would block (or the connection waits for the other side), and
 * relay_pump() moves both directions on any event: no edge is lost.
 */
#define RELAY_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

typedef struct RelayDirection {
        int from, to; /* not owned */
        Pipe pipe;
        size_t in_pipe; /* bytes in the pipe */
        bool eof;       /* source read EOF */
        bool done;      /* EOF passed on: shutdown(to, SHUT_WR) done */
} RelayDirection;

typedef struct Relay {
        RelayDirection up;   /* client -> target */
        RelayDirection down; /* target -> client */
        uint64_t bytes_up, bytes_down;
} Relay;

void relay_init(Relay *r, int client_fd, int target_fd);
/* Release the pipes (pooled when empty). */
void relay_done(Relay *r, PipePool *pool);

/*
 * Put bytes that the client sent behind its request (an HTTP client may) in front of
 * the upward direction. 0 or -errno.
 */
int relay_preload(Relay *r, PipePool *pool, const uint8_t *data, size_t len);

/*
 * Move what can be moved in both directions. Returns 1 when something moved, 0 when
 * nothing did, or -errno when a socket failed (the connection should be closed).
 */
int relay_pump(Relay *r, PipePool *pool);

/* Both directions finished: close the connection. */
static inline bool relay_finished(const Relay *r)
{
        return r->up.done && r->down.done;
}
