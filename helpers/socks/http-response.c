/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-response.c: the response parser of the HTTP forward proxy (see http-response.h).
 *
 * The same checks as for requests (http-head.c) with the response's framing rules; the
 * status line is rewritten with our own version, as an intermediary does (RFC 9110
 * section 2.5), the upstream's version going into Via.
 */
#include <errno.h>
#include <string.h>

#include "http-head.h"
#include "http-response.h"

static int fail(HttpResponse *resp, const char *reason)
{
        resp->reason = reason;
        return -EBADMSG;
}

/* HTTP-version SP 3DIGIT [SP reason-phrase] */
static int parse_status_line(HttpResponse *resp, HttpSpan line, HttpSpan *ret_phrase)
{
        const char *p = line.p;

        if (line.n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ')
                return fail(resp, "the upstream did not answer HTTP/1.x");
        for (size_t i = 9; i < 12; i++)
                if (p[i] < '0' || p[i] > '9')
                        return fail(resp, "an invalid status code from the upstream");
        if (line.n > 12 && p[12] != ' ')
                return fail(resp, "an invalid status line from the upstream");
        resp->version_minor = p[7] == '0' ? 0 : 1;
        resp->status = (unsigned)(p[9] - '0') * 100 + (unsigned)(p[10] - '0') * 10 + (unsigned)(p[11] - '0');
        if (resp->status < 100)
                return fail(resp, "an invalid status code from the upstream");
        *ret_phrase = line.n > 12 ? (HttpSpan){p + 13, line.n - 13} : (HttpSpan){p, 0};
        return 0;
}

static int set_framing(HttpResponse *resp, const HttpRequest *req, const HttpFields *f)
{
        if (f->te_present && f->cl_present)
                return fail(resp, "both Content-Length and Transfer-Encoding from the upstream");
        if (f->te_present && resp->version_minor == 0)
                return fail(resp, "Transfer-Encoding in an HTTP/1.0 response");
        if (resp->informational || resp->status == 204 || resp->status == 304 || req->is_head)
                resp->framing = HTTP_FRAMING_NONE;
        else if (f->te_present) {
                if (f->te_chunked && req->version_minor == 0)
                        return fail(resp, "a chunked response for an HTTP/1.0 client");
                /* Not ending in chunked: the body ends with the connection (RFC 9112 6.3). */
                resp->framing = f->te_chunked ? HTTP_FRAMING_CHUNKED : HTTP_FRAMING_UNTIL_CLOSE;
        } else if (f->cl_present) {
                resp->framing = HTTP_FRAMING_LENGTH;
                resp->content_length = f->content_length;
        } else
                resp->framing = HTTP_FRAMING_UNTIL_CLOSE;
        return 0;
}

int http_response_parse(const uint8_t *data, size_t len, size_t *scanned, const HttpRequest *req,
                        HttpResponse *resp, char *out, size_t out_size)
{
        HttpOut o = {.p = out, .size = out_size};
        HttpSpan phrase;
        HttpFields f;
        size_t end = 0;
        int r;

        *resp = (HttpResponse){};
        r = http_head_find_end(data, len, scanned, &end);
        if (r == -EMSGSIZE) {
                (void)fail(resp, "the upstream's response head is too large");
                return r;
        }
        if (r < 0)
                return fail(resp, "a control character in the upstream's response head");
        if (r == 0)
                return 0;
        resp->head_len = end;

        r = http_fields_parse((const char *)data, end, &f);
        if (r < 0)
                return fail(resp, f.error);
        r = parse_status_line(resp, f.start, &phrase);
        if (r < 0)
                return r;
        if (resp->status == 101)
                return fail(resp, "the upstream switched protocols, which was not asked for");
        resp->informational = resp->status < 200;
        r = set_framing(resp, req, &f);
        if (r < 0)
                return r;
        resp->keep_alive = req->keep_alive && resp->framing != HTTP_FRAMING_UNTIL_CLOSE;
        resp->reusable = req->version_minor >= 1 && resp->version_minor >= 1 && !f.conn_close &&
                         resp->framing != HTTP_FRAMING_UNTIL_CLOSE;

        if (resp->informational && req->version_minor == 0)
                return 1; /* not for an HTTP/1.0 client (RFC 9110 section 15.2) */
        http_out_printf(&o, "HTTP/1.1 %u %.*s\r\n", resp->status, (int)phrase.n, phrase.p);
        http_out_fields(&o, &f, (const char *)data, end, false);
        if (f.cl_present && !resp->informational && resp->status != 204)
                http_out_printf(&o, "Content-Length: %llu\r\n", (unsigned long long)f.content_length);
        http_out_printf(&o, "Via: 1.%u tsproxy\r\n", resp->version_minor);
        if (!resp->informational) {
                if (!resp->keep_alive)
                        http_out_puts(&o, "Connection: close\r\n");
                else if (req->version_minor == 0)
                        http_out_puts(&o, "Connection: keep-alive\r\n");
        }
        http_out_puts(&o, "\r\n");
        if (o.overflow) {
                resp->reason = "the upstream's response head is too large";
                return -ENOBUFS;
        }
        resp->client_len = o.n;
        return 1;
}
