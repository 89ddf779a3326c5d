/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-request.h: the request head a client sends to tsproxy's HTTP forward proxy,
 * without any I/O (RFC 9112; RFC 9110 for the semantics, RFC 7617 for Basic).
 *
 * Three kinds of request reach the HTTP side of tsproxy-socks:
 *   GET http://host[:port]/path HTTP/1.1   absolute-form, any method: forwarded to host
 *   CONNECT host:port HTTP/1.1             authority-form: a tunnel (as http-connect.c)
 *   GET /proxy.pac HTTP/1.1                origin-form, GET or HEAD only: the PAC file
 * Any other origin-form target is answered 404: this is a proxy, not a web server.
 *
 * For a forwarded request the parser writes the head to send upstream: the request line
 * in origin-form ("GET /path HTTP/1.x", the client's version, so that an HTTP/1.0 client
 * never gets a chunked response it cannot read), "Host:" from the URI (a client's Host is
 * replaced, RFC 9112 section 3.2.2), the end-to-end fields as they came, Content-Length
 * once, "Via: 1.x tsproxy" and "Connection: keep-alive" (HTTP/1.1: the upstream
 * connection may be kept for a later request, http-pool.h) or "Connection: close"
 * (HTTP/1.0), while the client's own connection may stay open (keep_alive).
 *
 *   size_t scanned = 0;    (per message)
 *   loop: r = http_request_parse(buf, len, &scanned, &req, out, sizeof(out));
 *         r == 0: read more (the buffer holds at most HTTP_HEAD_MAX bytes of head)
 *         r == 1: req is set, buf[0..req.head_len) is the head, out[0..req.upstream_len)
 *                 the rewritten head (forward only); then the body: http_body_init(&b,
 *                 req.framing, req.content_length) on the bytes after the head
 *         r < 0:  answer req.status (http_error_format(), req.reason) and close
 *   http_request_done(&req) wipes the password.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handshake.h"
#include "http-body.h"

/* out must hold this much: the head with every line end made CRLF plus the new fields. */
#define HTTP_UPSTREAM_HEAD_MAX (2 * 8192 + 1024)
#define HTTP_METHOD_MAX        32
#define HTTP_PAC_PATH          "/proxy.pac"

typedef enum HttpRequestKind {
        HTTP_REQUEST_FORWARD,
        HTTP_REQUEST_CONNECT,
        HTTP_REQUEST_PAC,
} HttpRequestKind;

typedef struct HttpRequest {
        HttpRequestKind kind;
        char method[HTTP_METHOD_MAX + 1];
        bool is_head;           /* HEAD: its response has no body */
        unsigned version_minor; /* HTTP/1.x; 2..9 are taken as 1 */
        ProxyTarget target;     /* FORWARD, CONNECT: where to; port 80 when the URI has none */
        bool keep_alive;        /* the client wants its connection kept after the response */
        HttpFraming framing;    /* of the request body: NONE, LENGTH or CHUNKED */
        uint64_t content_length;
        bool have_credentials; /* a well-formed "Proxy-Authorization: Basic" */
        char user[256], password[256];
        size_t head_len;     /* bytes of the input that were the head */
        size_t upstream_len; /* bytes written to out (FORWARD only) */
        int status;          /* after an error: the status to answer (400, 404, 431, 501, 505) */
        const char *reason;  /* after an error: what was wrong, for the reply's body */
} HttpRequest;

/* See above: 1 (complete), 0 (more), -EBADMSG, -EMSGSIZE (431), -ENOBUFS (out too small). */
int http_request_parse(const uint8_t *data, size_t len, size_t *scanned, HttpRequest *ret, char *out,
                       size_t out_size);

void http_request_done(HttpRequest *req);

/*
 * Whether the first bytes of a new client are an HTTP request for the forward proxy
 * (any method but CONNECT, which the handshake engine answers as before): 1 yes, 0 no
 * (SOCKS, CONNECT, or no HTTP method at all: the handshake engine judges it), -EAGAIN
 * when too few bytes have come to tell (the method's end not seen yet).
 */
int http_request_sniff(const uint8_t *data, size_t len);

const char *http_request_kind_to_string(HttpRequestKind k);
