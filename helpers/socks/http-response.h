/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-response.h: the response head of an upstream server, as tsproxy's HTTP forward
 * proxy passes it on to the client, without any I/O (RFC 9112).
 *
 * The parser writes the head for the client: "HTTP/1.1 CODE REASON", the end-to-end
 * fields, Content-Length once, "Via: 1.x tsproxy" (x: the upstream's version) and the
 * client's connection management: "Connection: close" when the client connection ends
 * after this response (the client asked for it, or the body runs until the upstream
 * closes), "Connection: keep-alive" for an HTTP/1.0 client whose connection stays.
 *
 * Body framing (RFC 9112 section 6.3): none for a response to HEAD, for 1xx, 204 and 304;
 * else chunked, Content-Length, or until the upstream closes. Both fields, differing
 * lengths, a bad Transfer-Encoding or a chunked body for an HTTP/1.0 client are errors
 * (the daemon answers 502 with ret->reason). 1xx responses (100 Continue, 103) come
 * before the final one: forward client_len bytes (0 for an HTTP/1.0 client, which must
 * not get them) and parse the next head; 101 is an error, since Upgrade is never
 * forwarded.
 *
 *   size_t scanned = 0;
 *   r = http_response_parse(buf, len, &scanned, &req, &resp, out, sizeof(out));
 *   r == 0 more, r == 1 done (send out[0..resp.client_len), then the body: http_body_init(
 *   &b, resp.framing, resp.content_length)), r < 0 error: 502 (or close if the client
 *   already got a response head).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http-body.h"
#include "http-request.h"

typedef struct HttpResponse {
        unsigned status;        /* 100..999 */
        unsigned version_minor; /* of the upstream */
        bool informational;     /* 1xx: the final response is still to come */
        HttpFraming framing;
        uint64_t content_length;
        bool keep_alive;    /* the client connection stays open after this response's body */
        bool reusable;      /* the upstream connection may carry another request after it
                             * (HTTP/1.1, no "Connection: close", a body with a known end) */
        size_t head_len;    /* bytes of the input that were the head */
        size_t client_len;  /* bytes written to out */
        const char *reason; /* after an error: what was wrong */
} HttpResponse;

/* 1 (complete), 0 (more), -EBADMSG, -EMSGSIZE (too large), -ENOBUFS (out too small). */
int http_response_parse(const uint8_t *data, size_t len, size_t *scanned, const HttpRequest *req,
                        HttpResponse *ret, char *out, size_t out_size);
