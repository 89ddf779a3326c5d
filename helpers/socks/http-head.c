/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-head.c: finding, checking and rewriting HTTP/1.x message heads (see http-head.h).
 *
 * A head is parsed only once complete, in two passes over the same bytes: the first
 * checks every line and collects what framing, connection management and the proxy
 * need (http_fields_parse()); the second copies the end-to-end fields
 * (http_out_fields()). Lines may end in CRLF or a bare LF (RFC 9112 section 2.2 lets a
 * recipient accept it); what we write always ends in CRLF, so the next hop sees one
 * unambiguous form.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "http-head.h"

/* RFC 9110 section 5.6.2 token characters. */
bool http_tchar(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("!#$%&'*+-.^_`|~", c));
}

bool http_span_is_token(HttpSpan s)
{
        if (s.n == 0)
                return false;
        for (size_t i = 0; i < s.n; i++)
                if (!http_tchar(s.p[i]))
                        return false;
        return true;
}

bool http_span_caseeq(HttpSpan s, const char *lit)
{
        return s.n == strlen(lit) && strncasecmp(s.p, lit, s.n) == 0;
}

bool http_span_split(HttpSpan s, char c, HttpSpan *ret_head, HttpSpan *ret_tail)
{
        const char *x = s.n > 0 ? memchr(s.p, c, s.n) : NULL;

        if (!x)
                return false;
        *ret_head = (HttpSpan){s.p, (size_t)(x - s.p)};
        *ret_tail = (HttpSpan){x + 1, s.n - (size_t)(x - s.p) - 1};
        return true;
}

HttpSpan http_span_trim(HttpSpan s)
{
        while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t'))
                s.p++, s.n--;
        while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
                s.n--;
        return s;
}

int http_span_port(HttpSpan s, uint16_t *ret)
{
        unsigned v = 0;

        if (s.n == 0 || s.n > 5)
                return -EINVAL;
        for (size_t i = 0; i < s.n; i++) {
                if (s.p[i] < '0' || s.p[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned)(s.p[i] - '0');
        }
        if (v == 0 || v > 65535)
                return -EINVAL;
        *ret = (uint16_t)v;
        return 0;
}

bool http_basic_decode(HttpSpan value, char user[static HTTP_CREDENTIAL_MAX + 1],
                       char password[static HTTP_CREDENTIAL_MAX + 1])
{
        uint8_t buf[2 * HTTP_CREDENTIAL_MAX + 1 + 1];
        HttpSpan scheme, b64;
        const uint8_t *colon;
        size_t ulen, plen;
        bool ok = false;
        int k;

        if (!http_span_split(value, ' ', &scheme, &b64) || !http_span_caseeq(scheme, "Basic"))
                return false;
        b64 = http_span_trim(b64);
        k = base64_decode(b64.p, b64.n, buf, sizeof(buf));
        if (k < 0)
                return false;
        colon = memchr(buf, ':', (size_t)k);
        if (colon && !memchr(buf, 0, (size_t)k)) {
                ulen = (size_t)(colon - buf);
                plen = (size_t)k - ulen - 1;
                if (ulen <= HTTP_CREDENTIAL_MAX && plen <= HTTP_CREDENTIAL_MAX) {
                        memcpy(user, buf, ulen);
                        user[ulen] = '\0';
                        memcpy(password, colon + 1, plen);
                        password[plen] = '\0';
                        ok = true;
                }
        }
        explicit_bzero(buf, sizeof(buf));
        return ok;
}

int http_head_find_end(const uint8_t *d, size_t len, size_t *scanned, size_t *ret_end)
{
        size_t limit = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX, first = 0, start = *scanned;

        /* Empty lines before the start line are skipped (RFC 9112 section 2.2). */
        while (first < limit && (d[first] == '\r' || d[first] == '\n'))
                first++;
        if (start > limit) /* fewer bytes than last time: not the daemon's flow, start over */
                start = 0;

        for (size_t i = start; i < limit; i++) {
                uint8_t c = d[i];

                if (c == '\n') {
                        /* "\n\n" or "\n\r\n", the first '\n' ending a line of the head */
                        if (i >= 1 && d[i - 1] == '\n' && i - 1 > first) {
                                *ret_end = i + 1;
                                return 1;
                        }
                        if (i >= 2 && d[i - 1] == '\r' && d[i - 2] == '\n' && i - 2 > first) {
                                *ret_end = i + 1;
                                return 1;
                        }
                } else if ((c < 0x20 && c != '\r' && c != '\t') || c == 0x7F)
                        return -EBADMSG;
        }

        if (len >= HTTP_HEAD_MAX)
                return -EMSGSIZE;
        *scanned = limit;
        return 0;
}

static int fail(HttpFields *f, const char *error)
{
        f->error = error;
        return -EBADMSG;
}

/* Content-Length = 1*DIGIT, possibly as a list of the same value ("5, 5"). */
static int parse_content_length(HttpFields *f, HttpSpan value)
{
        HttpSpan rest = value, item;

        for (;;) {
                bool last = !http_span_split(rest, ',', &item, &rest);
                uint64_t v = 0;

                if (last)
                        item = rest;
                item = http_span_trim(item);
                if (item.n == 0 || item.n > 18)
                        return fail(f, "invalid Content-Length");
                for (size_t i = 0; i < item.n; i++) {
                        if (item.p[i] < '0' || item.p[i] > '9')
                                return fail(f, "invalid Content-Length");
                        v = v * 10 + (uint64_t)(item.p[i] - '0');
                }
                if (f->cl_present && v != f->content_length)
                        return fail(f, "differing Content-Length values");
                f->cl_present = true;
                f->content_length = v;
                if (last)
                        return 0;
        }
}

/* Transfer-Encoding = #transfer-coding; chunked only as the last one. */
static int parse_transfer_encoding(HttpFields *f, HttpSpan value)
{
        HttpSpan rest = value, item, coding, params;

        f->te_present = true;
        for (;;) {
                bool last = !http_span_split(rest, ',', &item, &rest);

                if (last)
                        item = rest;
                item = http_span_trim(item);
                if (item.n > 0) {
                        if (!http_span_split(item, ';', &coding, &params))
                                coding = item;
                        coding = http_span_trim(coding);
                        if (!http_span_is_token(coding))
                                return fail(f, "invalid Transfer-Encoding");
                        if (f->te_chunked)
                                return fail(f, "a transfer coding after chunked");
                        f->te_chunked = http_span_caseeq(coding, "chunked");
                }
                if (last)
                        return 0;
        }
}

/* Connection = #connection-option; kept for http_out_fields(). */
static int parse_connection(HttpFields *f, HttpSpan value, bool keep)
{
        HttpSpan rest = value, item;

        for (;;) {
                bool last = !http_span_split(rest, ',', &item, &rest);

                if (last)
                        item = rest;
                item = http_span_trim(item);
                if (item.n > 0) {
                        if (!http_span_is_token(item))
                                return fail(f, "invalid Connection option");
                        if (http_span_caseeq(item, "close"))
                                f->conn_close = true;
                        else if (http_span_caseeq(item, "keep-alive"))
                                f->conn_keep_alive = true;
                        if (keep) {
                                if (f->n_conn_tokens >= HTTP_CONNECTION_TOKENS_MAX)
                                        return fail(f, "too many Connection options");
                                f->conn_tokens[f->n_conn_tokens++] = item;
                        }
                }
                if (last)
                        return 0;
        }
}

/* The next line of *rest, without its line end; false at the end. */
static bool next_line(HttpSpan *rest, HttpSpan *ret)
{
        if (!http_span_split(*rest, '\n', ret, rest))
                return false;
        if (ret->n > 0 && ret->p[ret->n - 1] == '\r')
                ret->n--;
        return true;
}

int http_fields_parse(const char *d, size_t len, HttpFields *f)
{
        HttpSpan rest = {d, len}, line;
        bool first = true;

        *f = (HttpFields){};
        while (next_line(&rest, &line)) {
                HttpSpan name, value;
                int r = 0;

                if (memchr(line.p, '\r', line.n))
                        return fail(f, "a bare CR");
                if (first) {
                        if (line.n == 0)
                                continue; /* empty lines before the start line */
                        f->start = line;
                        first = false;
                        continue;
                }
                if (line.n == 0)
                        break;
                if (line.p[0] == ' ' || line.p[0] == '\t')
                        return fail(f, "obsolete line folding");
                /* No space before the colon (RFC 9112 section 5.1). */
                if (!http_span_split(line, ':', &name, &value) || !http_span_is_token(name))
                        return fail(f, "an invalid field line");
                value = http_span_trim(value);

                if (http_span_caseeq(name, "Content-Length"))
                        r = parse_content_length(f, value);
                else if (http_span_caseeq(name, "Transfer-Encoding"))
                        r = parse_transfer_encoding(f, value);
                else if (http_span_caseeq(name, "Connection"))
                        r = parse_connection(f, value, true);
                else if (http_span_caseeq(name, "Proxy-Connection"))
                        r = parse_connection(f, value, false);
                else if (http_span_caseeq(name, "Host")) {
                        f->n_host++;
                        f->host = value;
                } else if (http_span_caseeq(name, "Proxy-Authorization")) {
                        f->n_proxy_authorization++;
                        f->proxy_authorization = value;
                }
                if (r < 0)
                        return r;
        }
        if (first)
                return fail(f, "no start line");
        return 0;
}

void http_out_put(HttpOut *o, const void *s, size_t n)
{
        if (o->overflow || n > o->size - o->n) {
                o->overflow = true;
                return;
        }
        memcpy(o->p + o->n, s, n);
        o->n += n;
}

void http_out_puts(HttpOut *o, const char *s)
{
        http_out_put(o, s, strlen(s));
}

void http_out_printf(HttpOut *o, const char *fmt, ...)
{
        va_list ap;
        int k;

        if (o->overflow)
                return;
        va_start(ap, fmt);
        k = vsnprintf(o->p + o->n, o->size - o->n, fmt, ap);
        va_end(ap);
        if (k < 0 || (size_t)k >= o->size - o->n) {
                o->overflow = true;
                return;
        }
        o->n += (size_t)k;
}

static bool hop_by_hop(HttpSpan name)
{
        static const char *const names[] = {
                "Connection", "Proxy-Connection",   "Keep-Alive", "Proxy-Authorization",
                "TE",         "Proxy-Authenticate", "Trailer",    "Upgrade",
        };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (http_span_caseeq(name, names[i]))
                        return true;
        return false;
}

static bool named_by_connection(const HttpFields *f, HttpSpan name)
{
        if (http_span_caseeq(name, "Host") || http_span_caseeq(name, "Content-Length") ||
            http_span_caseeq(name, "Transfer-Encoding"))
                return false;
        for (size_t i = 0; i < f->n_conn_tokens; i++)
                if (name.n == f->conn_tokens[i].n && strncasecmp(name.p, f->conn_tokens[i].p, name.n) == 0)
                        return true;
        return false;
}

void http_out_fields(HttpOut *o, const HttpFields *f, const char *d, size_t len, bool drop_host)
{
        HttpSpan rest = {d, len}, line, name, value;
        bool first = true;

        while (next_line(&rest, &line)) {
                if (first) {
                        first = line.n == 0;
                        continue;
                }
                if (line.n == 0)
                        break;
                if (!http_span_split(line, ':', &name, &value))
                        continue; /* not after a successful http_fields_parse() */
                if (hop_by_hop(name) || http_span_caseeq(name, "Content-Length") ||
                    (drop_host && http_span_caseeq(name, "Host")) || named_by_connection(f, name))
                        continue;
                http_out_put(o, line.p, line.n);
                http_out_put(o, "\r\n", 2);
        }
}
