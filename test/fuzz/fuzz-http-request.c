/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-http-request: drive the HTTP forward proxy's request parser and body framing the
 * way the daemon will, over a keep-alive connection: head, body, next head...
 *
 * Input: CHUNK then the client's bytes; the head arrives CHUNK bytes at a time (0: all
 * at once). Checks: consumed bytes within the input, the rewritten head bounded, ending
 * in an empty line, with no hop-by-hop field and exactly one Connection field, "close" for
 * HTTP/1.0 and "keep-alive" for HTTP/1.1; a
 * valid target; an error always has a status and a reason, whose reply fits
 * HTTP_ERROR_MAX; and the body framing gives the same answer fed whole and byte by byte
 * (a parser that depends on how bytes arrive is a smuggling bug).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http-body.h"
#include "http-error.h"
#include "http-request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[HTTP_UPSTREAM_HEAD_MAX];

static void check_head(const HttpRequest *req)
{
        const char *hop[] = {"\nProxy-Connection:", "\nKeep-Alive:", "\nProxy-Authorization:", "\nTE:",
                             "\nTrailer:",          "\nUpgrade:",    "\nProxy-Authenticate:"};
        char *copy;

        if (req->upstream_len < 4 || req->upstream_len > sizeof(out) ||
            memcmp(out + req->upstream_len - 4, "\r\n\r\n", 4) != 0)
                abort();
        copy = strndup(out, req->upstream_len);
        if (!copy || strlen(copy) != req->upstream_len)
                abort(); /* no NUL in the head */
        for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
                if (strcasestr(copy, hop[i]))
                        abort();
        /* One Connection field, ours, the last one: none of the client's got through. */
        const char *conn = req->version_minor >= 1 ? "\r\nConnection: keep-alive\r\n\r\n"
                                                   : "\r\nConnection: close\r\n\r\n";
        size_t at = req->upstream_len - strlen(conn);
        if (req->upstream_len < strlen(conn) || strcmp(copy + at, conn) != 0 ||
            strcasestr(copy, "\nConnection:") != copy + at + 1)
                abort();
        free(copy);
}

/* The body fed whole and byte by byte: the same verdict. */
static int body(const HttpRequest *req, const uint8_t *d, size_t n, size_t *ret_used)
{
        HttpBody a, b;
        size_t used_a = 0, used_b = 0, u;
        int ra, rb = 0;

        http_body_init(&a, req->framing, req->content_length);
        http_body_init(&b, req->framing, req->content_length);
        ra = http_body_feed(&a, d, n, &used_a);
        for (size_t i = 0; i < n && rb == 0; i++) {
                rb = http_body_feed(&b, d + i, 1, &u);
                used_b += u;
        }
        if (n == 0)
                rb = http_body_done(&b);
        if (ra != rb || (ra >= 0 && used_a != used_b) || used_a > n)
                abort();
        if (http_body_eof(&a) != http_body_eof(&b))
                abort();
        *ret_used = used_a;
        return ra;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t pos = 1, chunk;

        if (size < 1)
                return 0;
        chunk = data[0];

        for (unsigned messages = 0; messages < 16 && pos < size; messages++) {
                const uint8_t *d = data + pos;
                size_t len = size - pos, scanned = 0, have, used;
                HttpRequest req;
                int r = 0;

                /* the head, a chunk at a time */
                for (have = chunk ? chunk : len;; have += chunk ? chunk : len) {
                        if (have > len)
                                have = len;
                        r = http_request_parse(d, have, &scanned, &req, out, sizeof(out));
                        if (scanned > have)
                                abort();
                        if (r != 0 || have == len)
                                break;
                }
                if (r < 0) {
                        char reply[HTTP_ERROR_MAX];

                        if (req.status < 400 || req.status > 599 || !req.reason)
                                abort();
                        if (http_error_format(reply, sizeof(reply), req.status, "fuzz", NULL, req.reason,
                                              false) < 0)
                                abort();
                        return 0;
                }
                if (r == 0)
                        return 0;
                if (req.head_len == 0 || req.head_len > have)
                        abort();
                if (req.kind == HTTP_REQUEST_FORWARD)
                        check_head(&req);
                else if (req.upstream_len != 0)
                        abort();
                if (req.kind != HTTP_REQUEST_PAC) {
                        char t[PROXY_TARGET_STRLEN];

                        if (req.target.port == 0 || (req.target.family == AF_UNSPEC &&
                                                     strnlen(req.target.name, sizeof(req.target.name)) == 0))
                                abort();
                        proxy_target_format(&req.target, t);
                }
                if (req.framing == HTTP_FRAMING_UNTIL_CLOSE)
                        abort(); /* never for a request */
                http_request_done(&req);

                pos += req.head_len;
                if (body(&req, data + pos, size - pos, &used) != 1)
                        return 0;
                pos += used;
                if (!req.keep_alive)
                        return 0;
        }
        return 0;
}
