/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-pool.h: the idle upstream connections of a worker's HTTP forward proxy, kept after
 * a response so that the next request to the same target (from any client of the
 * worker) skips the TCP handshake and the target's accept().
 *
 * A connection goes in only when its exchange ended cleanly (http-proxy.c: an HTTP/1.1
 * response with a known length, no "Connection: close", the request body all sent,
 * nothing after the response). The key is the target as the client named it
 * ("name:port" or "address:port"), so a name resolved once is not asked again while its
 * connection is kept. An idle connection is watched for input only: any event (the
 * server closing it, or bytes nobody asked for) closes it. It is kept at most
 * HTTP_POOL_IDLE_USEC (servers close idle ones after a few seconds: Apache after 5),
 * and at most HTTP_POOL_MAX per worker, the oldest going first. A request sent on a kept
 * connection that the server closed meanwhile is retried once on a new connection
 * (http-proxy.c does that for requests without a body only; those with one never take
 * a kept connection).
 */
#pragma once

#include <stdint.h>

#include "handshake.h"
#include "io-set.h"
#include "list.h"

#define HTTP_POOL_MAX       64
#define HTTP_POOL_IDLE_USEC (4 * 1000000ull)

typedef struct HttpIdle HttpIdle;

typedef struct HttpPool {
        IoSet *io;
        HttpIdle *idle; /* newest first */
        size_t n;
} HttpPool;

void http_pool_init(HttpPool *p, IoSet *io);
/* Close every kept connection. */
void http_pool_done(HttpPool *p);
/* Keep fd (connected to key, no longer watched) as idle; it is the pool's from now on. */
void http_pool_put(HttpPool *p, const char *key, int fd, uint64_t now);
/* A kept connection to key, no longer watched and now the caller's, or -ENOENT. */
int http_pool_take(HttpPool *p, const char *key, uint64_t now);
