/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-head.h: what the HTTP forward proxy's request and response parsers share (RFC 9112):
 * finding the end of a message head, checking and collecting its field lines, and
 * writing a rewritten head without the hop-by-hop fields. http-request.c,
 * http-response.c and http-connect.c include it (http-proxy.c for HTTP_HEAD_MAX).
 *
 * Strict on purpose: a proxy that reads a message differently from the next hop is how
 * request smuggling works, so every ambiguity (bare CR, obs-fold, whitespace before a
 * colon, differing Content-Length values, a Transfer-Encoding not ending in chunked,
 * both framing fields) is refused instead of guessed at.
 *
 * The token, span, port and Basic credential helpers here are also those of
 * http-connect.c (the CONNECT parser of the handshake engine): one copy of each.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http-body.h"

/* The largest message head we accept (request line or status line and fields). */
#define HTTP_HEAD_MAX 8192
/* Options named by Connection: we keep this many (more is refused as a bad message). */
#define HTTP_CONNECTION_TOKENS_MAX 16

typedef struct HttpSpan {
        const char *p;
        size_t n;
} HttpSpan;

bool http_tchar(char c);
bool http_span_is_token(HttpSpan s);
bool http_span_caseeq(HttpSpan s, const char *lit);
bool http_span_split(HttpSpan s, char c, HttpSpan *ret_head, HttpSpan *ret_tail);
HttpSpan http_span_trim(HttpSpan s);
/* Decimal 1..65535, digits only: 0, or -EINVAL. */
int http_span_port(HttpSpan s, uint16_t *ret);

/* user ':' password of RFC 7617, each at most this long. */
#define HTTP_CREDENTIAL_MAX 255
/*
 * A Proxy-Authorization value "Basic" 1*SP token68, decoded into user and password
 * (NUL-terminated; no NUL inside): true, or false for another scheme, bad base64, no
 * colon, or a part too long. Nothing of the secret is left on the stack.
 */
bool http_basic_decode(HttpSpan value, char user[static HTTP_CREDENTIAL_MAX + 1],
                       char password[static HTTP_CREDENTIAL_MAX + 1]);

/*
 * Look for the empty line ending a head in d[0..len), from *scanned on (kept between
 * calls so a client sending a byte at a time costs no rescans; 0 for a new message):
 * 1 and the head's length (empty line included) in *ret_end, 0 when more is needed,
 * -EBADMSG for a control byte (other than CR, LF, HTAB) before the end, -EMSGSIZE when
 * HTTP_HEAD_MAX bytes hold no end.
 */
int http_head_find_end(const uint8_t *d, size_t len, size_t *scanned, size_t *ret_end);

typedef struct HttpFields {
        HttpSpan start; /* the request or status line, without its line end */
        bool cl_present;
        uint64_t content_length;
        bool te_present;
        bool te_chunked;                  /* Transfer-Encoding's last coding is chunked */
        bool conn_close, conn_keep_alive; /* in Connection or Proxy-Connection */
        HttpSpan conn_tokens[HTTP_CONNECTION_TOKENS_MAX];
        size_t n_conn_tokens;
        size_t n_host;
        HttpSpan host; /* the last Host value, trimmed */
        size_t n_proxy_authorization;
        HttpSpan proxy_authorization;
        const char *error; /* after -EBADMSG: what was wrong, for the error reply */
} HttpFields;

/* Check and collect the head d[0..len) (as found by http_head_find_end()): 0 or -EBADMSG. */
int http_fields_parse(const char *d, size_t len, HttpFields *ret);

/* A bounded output buffer: writes past its end are dropped and remembered. */
typedef struct HttpOut {
        char *p;
        size_t size, n;
        bool overflow;
} HttpOut;

void http_out_put(HttpOut *o, const void *s, size_t n);
void http_out_puts(HttpOut *o, const char *s);
void http_out_printf(HttpOut *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Copy the field lines of d[0..len) to o, each ending in CRLF, except the hop-by-hop
 * ones (Connection and the options it names, Proxy-Connection, Keep-Alive,
 * Proxy-Authorization, Proxy-Authenticate, TE, Trailer, Upgrade), Content-Length (the
 * caller writes the one value itself) and, when drop_host, Host. An option of Connection
 * naming Host, Content-Length or Transfer-Encoding is ignored: framing is never dropped.
 */
void http_out_fields(HttpOut *o, const HttpFields *f, const char *d, size_t len, bool drop_host);
