/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-error.h: the error replies of tsproxy's HTTP proxy, with a plain text body that
 * says what failed, for which target, through which instance: a browser shows it
 * instead of a bare "HTTP ERROR 502".
 *
 *   HTTP/1.1 502 Bad Gateway
 *   Content-Type: text/plain; charset=utf-8
 *   Content-Length: 77
 *   Connection: close
 *
 *   tsproxy (instance fgpu): cannot connect to gpu-node.fgpu:80: connection refused
 *
 * Pure: formats into the caller's buffer. The texts come from clients and upstreams
 * (a target, a parser's reason): control characters become '?', so the body stays one
 * line, and it is cut to HTTP_ERROR_BODY_MAX bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define HTTP_ERROR_BODY_MAX 512
/* A buffer this large always holds the whole reply. */
#define HTTP_ERROR_MAX (HTTP_ERROR_BODY_MAX + 256)

/*
 * Format the reply for status (400..599) into buf[0..size): its length, or -ENOBUFS.
 * instance: the instance's name; target: "host:port" or NULL when there is none (a
 * malformed request); reason: what went wrong ("connection refused"), or NULL for the
 * status's own phrase. With target, the body reads "<what> <target>: <reason>", <what>
 * following the status (403 "not allowed to connect to", 502 "cannot connect to", 504
 * "timed out connecting to", else "cannot forward to"). 407 carries
 * "Proxy-Authenticate: Basic realm="tsproxy"", 405 "Allow: GET, HEAD". head: the
 * request was HEAD, so the body is left out (Content-Length still says its size).
 */
int http_error_format(char *buf, size_t size, int status, const char *instance, const char *target,
                      const char *reason, bool head);

/* The status for a failed connect (negative errno), as handshake_reply() maps it:
 * -ETIMEDOUT 504, -EACCES and -EPERM 403, anything else 502. */
int http_error_status(int error);

/* "connection refused" for -ECONNREFUSED: strerror() with a lower-case first letter. */
const char *http_error_reason(int error, char *buf, size_t size);

/* The reason phrase of a status ("Bad Gateway"), "Error" for one we never send. */
const char *http_status_phrase(int status);
