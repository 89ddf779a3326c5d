/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-request.c: the request parser of the HTTP forward proxy (see http-request.h).
 *
 * The request line decides the kind; the fields decide framing (RFC 9112 section 6.3:
 * both Content-Length and Transfer-Encoding, a Transfer-Encoding that does not end in
 * chunked, or one in an HTTP/1.0 request are refused with 400), connection management
 * and credentials. Host names and IP literals become a ProxyTarget through the same
 * proxy_target_set_host() as CONNECT and SOCKS, so the daemon applies one name model.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "handshake-internal.h"
#include "http-head.h"
#include "http-request.h"

static int fail(HttpRequest *req, int status, const char *reason)
{
        req->status = status;
        req->reason = reason;
        return -EBADMSG;
}

/*
 * host [":" port], "[v6]" [":" port]: an IPv4 or IPv6 literal or a name. An empty or
 * missing port is default_port (0: the port is required, as in CONNECT).
 */
static int parse_authority(HttpSpan s, uint16_t default_port, ProxyTarget *t)
{
        HttpSpan host, port = {};
        bool have_port;
        int r;

        *t = (ProxyTarget){};
        if (s.n > 0 && s.p[0] == '[') {
                HttpSpan rest;

                if (!http_span_split((HttpSpan){s.p + 1, s.n - 1}, ']', &host, &rest))
                        return -EINVAL;
                if (rest.n > 0 && rest.p[0] != ':')
                        return -EINVAL;
                have_port = rest.n > 0;
                if (have_port)
                        port = (HttpSpan){rest.p + 1, rest.n - 1};
                r = proxy_target_set_host(t, host.p, host.n);
                if (r < 0)
                        return r;
                if (t->family != AF_INET6)
                        return -EINVAL;
        } else {
                const char *colon = memchr(s.p, ':', s.n);

                have_port = colon != NULL;
                host = (HttpSpan){s.p, have_port ? (size_t)(colon - s.p) : s.n};
                if (have_port)
                        port = (HttpSpan){colon + 1, s.n - host.n - 1};
                for (size_t i = 0; i < host.n; i++)
                        if (strchr(":/@[]\\?#%", host.p[i]))
                                return -EINVAL;
                r = proxy_target_set_host(t, host.p, host.n);
                if (r < 0)
                        return r;
                if (t->family == AF_INET6) /* a v6 literal only in brackets */
                        return -EINVAL;
        }
        if (!have_port || port.n == 0) {
                if (default_port == 0)
                        return -EINVAL;
                t->port = default_port;
                return 0;
        }
        return http_span_port(port, &t->port);
}

/* "Basic" 1*SP token68, decoded into user ':' password. */
static void parse_credentials(HttpRequest *req, HttpSpan value)
{
        _Static_assert(sizeof(req->user) == HTTP_CREDENTIAL_MAX + 1, "user");
        _Static_assert(sizeof(req->password) == HTTP_CREDENTIAL_MAX + 1, "password");
        req->have_credentials = http_basic_decode(value, req->user, req->password);
}

/* "HTTP/1.x": 0 and x; 505 for another major version, 400 for anything else. */
static int parse_version(HttpRequest *req, HttpSpan v)
{
        if (v.n != 8 || memcmp(v.p, "HTTP/", 5) != 0 || v.p[5] < '0' || v.p[5] > '9' || v.p[6] != '.' ||
            v.p[7] < '0' || v.p[7] > '9')
                return fail(req, 400, "not an HTTP/1.x request line");
        if (v.p[5] != '1')
                return fail(req, 505, "only HTTP/1.x is spoken here");
        req->version_minor = v.p[7] == '0' ? 0 : 1;
        return 0;
}

/* absolute-form "http://authority[/path][?query]": the target, and the origin-form in *ret_path. */
static int parse_absolute(HttpRequest *req, HttpSpan uri, HttpSpan *ret_authority, HttpSpan *ret_path)
{
        static const char http[] = "http://", https[] = "https://";
        HttpSpan rest;
        size_t n = 0;

        if (uri.n >= strlen(https) && strncasecmp(uri.p, https, strlen(https)) == 0)
                return fail(req, 501, "https:// URLs go through CONNECT");
        if (uri.n < strlen(http) || strncasecmp(uri.p, http, strlen(http)) != 0)
                return fail(req, 400, "the URL is not http://");
        rest = (HttpSpan){uri.p + strlen(http), uri.n - strlen(http)};
        while (n < rest.n && rest.p[n] != '/' && rest.p[n] != '?')
                n++;
        *ret_authority = (HttpSpan){rest.p, n};
        *ret_path = (HttpSpan){rest.p + n, rest.n - n};
        if (memchr(ret_authority->p, '@', ret_authority->n))
                return fail(req, 400, "credentials in the URL");
        if (parse_authority(*ret_authority, 80, &req->target) < 0)
                return fail(req, 400, "an invalid host or port in the URL");
        return 0;
}

static int parse_request_line(HttpRequest *req, HttpSpan line, HttpSpan *ret_authority, HttpSpan *ret_path)
{
        HttpSpan method, target, version;
        int r;

        if (!http_span_split(line, ' ', &method, &line) || !http_span_split(line, ' ', &target, &version))
                return fail(req, 400, "an invalid request line");
        if (!http_span_is_token(method))
                return fail(req, 400, "an invalid method");
        if (method.n > HTTP_METHOD_MAX)
                return fail(req, 501, "an unknown method");
        memcpy(req->method, method.p, method.n);
        req->method[method.n] = '\0';
        req->is_head = strcmp(req->method, "HEAD") == 0;
        r = parse_version(req, version);
        if (r < 0)
                return r;
        if (target.n == 0)
                return fail(req, 400, "an empty request target");
        for (size_t i = 0; i < target.n; i++)
                if ((uint8_t)target.p[i] <= ' ' || (uint8_t)target.p[i] >= 0x7F || target.p[i] == '#')
                        return fail(req, 400, "an invalid character in the request target");

        if (strcmp(req->method, "CONNECT") == 0) {
                req->kind = HTTP_REQUEST_CONNECT;
                if (parse_authority(target, 0, &req->target) < 0)
                        return fail(req, 400, "CONNECT needs host:port");
                return 0;
        }
        if (target.p[0] == '/') {
                HttpSpan path = target, query;

                (void)http_span_split(target, '?', &path, &query);
                if (path.n != strlen(HTTP_PAC_PATH) || memcmp(path.p, HTTP_PAC_PATH, path.n) != 0)
                        return fail(req, 404, "this is a proxy: only " HTTP_PAC_PATH " is served here");
                if (strcmp(req->method, "GET") != 0 && !req->is_head)
                        return fail(req, 405, HTTP_PAC_PATH " takes GET and HEAD only");
                req->kind = HTTP_REQUEST_PAC;
                return 0;
        }
        req->kind = HTTP_REQUEST_FORWARD;
        return parse_absolute(req, target, ret_authority, ret_path);
}

static int set_framing(HttpRequest *req, const HttpFields *f)
{
        if (f->te_present && f->cl_present)
                return fail(req, 400, "both Content-Length and Transfer-Encoding");
        if (f->te_present) {
                if (req->version_minor == 0)
                        return fail(req, 400, "Transfer-Encoding in an HTTP/1.0 request");
                if (!f->te_chunked)
                        return fail(req, 400, "Transfer-Encoding does not end in chunked");
                req->framing = HTTP_FRAMING_CHUNKED;
        } else if (f->cl_present) {
                req->framing = HTTP_FRAMING_LENGTH;
                req->content_length = f->content_length;
        } else
                req->framing = HTTP_FRAMING_NONE;
        return 0;
}

int http_request_parse(const uint8_t *data, size_t len, size_t *scanned, HttpRequest *req, char *out,
                       size_t out_size)
{
        HttpSpan authority = {}, path = {};
        HttpFields f;
        HttpOut o = {.p = out, .size = out_size};
        size_t end = 0;
        int r;

        *req = (HttpRequest){};
        r = http_head_find_end(data, len, scanned, &end);
        if (r == -EMSGSIZE) {
                (void)fail(req, 431, "the request head is too large");
                return r;
        }
        if (r < 0)
                return fail(req, 400, "a control character in the request head");
        if (r == 0)
                return 0;
        req->head_len = end;

        r = http_fields_parse((const char *)data, end, &f);
        if (r < 0)
                return fail(req, 400, f.error);
        r = parse_request_line(req, f.start, &authority, &path);
        if (r < 0)
                return r;
        if (f.n_host > 1)
                return fail(req, 400, "more than one Host field");
        if (f.n_proxy_authorization > 1)
                return fail(req, 400, "more than one Proxy-Authorization field");
        r = set_framing(req, &f);
        if (r < 0)
                return r;
        req->keep_alive = !f.conn_close && (req->version_minor >= 1 || f.conn_keep_alive);
        if (f.n_proxy_authorization > 0)
                parse_credentials(req, f.proxy_authorization);
        if (req->kind != HTTP_REQUEST_FORWARD)
                return 1;

        /* The head for the target. */
        http_out_printf(&o, "%s %s%.*s HTTP/1.%u\r\n", req->method,
                        path.n == 0 || path.p[0] == '?' ? "/" : "", (int)path.n, path.p, req->version_minor);
        http_out_puts(&o, "Host: ");
        http_out_put(&o, authority.p, authority.n);
        http_out_puts(&o, "\r\n");
        http_out_fields(&o, &f, (const char *)data, end, true);
        if (req->framing == HTTP_FRAMING_LENGTH)
                http_out_printf(&o, "Content-Length: %llu\r\n", (unsigned long long)req->content_length);
        /* HTTP/1.1 upstream connections may be kept for the next request (http-pool.h). */
        http_out_printf(&o, "Via: 1.%u tsproxy\r\nConnection: %s\r\n\r\n", req->version_minor,
                        req->version_minor >= 1 ? "keep-alive" : "close");
        if (o.overflow) {
                (void)fail(req, 431, "the request head is too large");
                return -ENOBUFS;
        }
        req->upstream_len = o.n;
        return 1;
}

void http_request_done(HttpRequest *req)
{
        explicit_bzero(req->password, sizeof(req->password));
}

int http_request_sniff(const uint8_t *data, size_t len)
{
        static const char connect[] = "CONNECT ";

        if (len == 0)
                return -EAGAIN;
        if (data[0] < 'A' || data[0] > 'Z')
                return 0; /* SOCKS (0x04, 0x05) or garbage */
        for (size_t i = 0; i < len && i <= HTTP_METHOD_MAX; i++) {
                if (data[i] == ' ')
                        return !(i + 1 == strlen(connect) && memcmp(data, connect, i + 1) == 0);
                if (!http_tchar((char)data[i]))
                        return 0;
        }
        /* A longer method: the request parser answers it (501). */
        return len > HTTP_METHOD_MAX ? 1 : -EAGAIN;
}

const char *http_request_kind_to_string(HttpRequestKind k)
{
        switch (k) {
        case HTTP_REQUEST_FORWARD: return "forward";
        case HTTP_REQUEST_CONNECT: return "connect";
        case HTTP_REQUEST_PAC: return "pac";
        default: return "invalid";
        }
}
