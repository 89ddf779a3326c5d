/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-body.h: where an HTTP/1.1 message body ends (RFC 9112 sections 6 and 7.1), for a
 * proxy that forwards bodies as they are.
 *
 * The daemon feeds whatever bytes it has; http_body_feed() says how many of them belong
 * to the current message and whether it is complete. Nothing is copied or decoded: the
 * chunked framing is tracked (sizes, extensions, trailers, the last CRLF) only to find
 * the end, and the bytes go on unchanged; the rest starts the next message. The grammar
 * is taken strictly (CRLF only, no whitespace but before ';', bounded lines, sizes below
 * 2^60), since the next hop parses the same bytes and must not read another end.
 *
 *   HttpBody b;
 *   http_body_init(&b, req.framing, req.content_length);
 *   loop: r = http_body_feed(&b, buf, len, &used); forward buf[0..used);
 *         r == 1: the message ended; buf[used..len) is the next one's
 *         r == 0: all of buf was body, read more (http_body_opaque(&b) bytes can be
 *                 spliced without looking at them)
 *         r < 0:  -EBADMSG, the framing is broken: close both sides
 *   at EOF of the sender: http_body_eof(&b) says whether the message was complete.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum HttpFraming {
        HTTP_FRAMING_NONE,        /* no body */
        HTTP_FRAMING_LENGTH,      /* Content-Length bytes */
        HTTP_FRAMING_CHUNKED,     /* Transfer-Encoding: ..., chunked */
        HTTP_FRAMING_UNTIL_CLOSE, /* a response without either: the body ends with the connection */
} HttpFraming;

/* The longest chunk-size line (with extensions) or trailer line, and all trailers together. */
#define HTTP_CHUNK_LINE_MAX 4096
#define HTTP_TRAILERS_MAX   8192

typedef struct HttpBody {
        HttpFraming framing;
        int state;          /* private to http-body.c */
        uint64_t remaining; /* LENGTH: bytes left; CHUNKED: of the current chunk's data */
        size_t line;        /* bytes of the current size or trailer line */
        size_t trailers;    /* bytes of all trailer lines */
        bool digits;        /* the size line has a digit */
        bool colon;         /* the trailer line has its colon */
} HttpBody;

void http_body_init(HttpBody *b, HttpFraming framing, uint64_t content_length);

/* See above: 1 (complete), 0 (more), -EBADMSG; *ret_used bytes of data are the body's. */
int http_body_feed(HttpBody *b, const uint8_t *data, size_t len, size_t *ret_used);

/* Bytes that are certainly body data and can be forwarded without feeding them
 * (http_body_skip() them afterwards); UINT64_MAX for UNTIL_CLOSE. */
uint64_t http_body_opaque(const HttpBody *b);
/* Account for n <= http_body_opaque() bytes forwarded without http_body_feed(). */
void http_body_skip(HttpBody *b, uint64_t n);

/* The sender closed: 0 when the message is complete (or ends with the close), -EPIPE
 * when it was cut short. */
int http_body_eof(const HttpBody *b);

bool http_body_done(const HttpBody *b);

const char *http_framing_to_string(HttpFraming f);
