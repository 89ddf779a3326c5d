/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-error.c: error replies with a text body (see http-error.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http-error.h"

const char *http_status_phrase(int status)
{
        switch (status) {
        case 400: return "Bad Request";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 407: return "Proxy Authentication Required";
        case 408: return "Request Timeout";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        case 505: return "HTTP Version Not Supported";
        default: return "Error";
        }
}

int http_error_status(int error)
{
        switch (error) {
        case -ETIMEDOUT: return 504;
        case -EACCES:
        case -EPERM: return 403;
        default: return 502;
        }
}

const char *http_error_reason(int error, char *buf, size_t size)
{
        if (size == 0)
                return "";
        (void)snprintf(buf, size, "%s", strerror(error < 0 ? -error : error));
        if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
                buf[0] = (char)(buf[0] - 'A' + 'a');
        return buf;
}

static const char *what(int status)
{
        switch (status) {
        case 403: return "not allowed to connect to";
        case 502: return "cannot connect to";
        case 504: return "timed out connecting to";
        default: return "cannot forward to";
        }
}

/* Append s to body[*n..HTTP_ERROR_BODY_MAX - 1), control characters as '?'. */
static void body_put(char *body, size_t *n, const char *s)
{
        for (; s && *s && *n < HTTP_ERROR_BODY_MAX - 1; s++) {
                unsigned char c = (unsigned char)*s;

                body[(*n)++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
        }
}

int http_error_format(char *buf, size_t size, int status, const char *instance, const char *target,
                      const char *reason, bool head)
{
        const char *phrase, *extra = "";
        char body[HTTP_ERROR_BODY_MAX];
        size_t n = 0;
        int k;

        if (status < 100 || status > 999)
                status = 500;
        phrase = http_status_phrase(status);
        if (!reason || !*reason)
                reason = phrase;
        body_put(body, &n, "tsproxy (instance ");
        body_put(body, &n, instance && *instance ? instance : "?");
        body_put(body, &n, "): ");
        if (target && *target) {
                body_put(body, &n, what(status));
                body_put(body, &n, " ");
                body_put(body, &n, target);
                body_put(body, &n, ": ");
        }
        body_put(body, &n, reason);
        body[n++] = '\n';

        if (status == 407)
                extra = "Proxy-Authenticate: Basic realm=\"tsproxy\"\r\n";
        else if (status == 405)
                extra = "Allow: GET, HEAD\r\n";
        k = snprintf(buf, size,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n"
                     "%s"
                     "Connection: close\r\n\r\n"
                     "%.*s",
                     status, phrase, n, extra, head ? 0 : (int)n, body);
        if (k < 0 || (size_t)k >= size)
                return -ENOBUFS;
        return k;
}
