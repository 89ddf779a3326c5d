/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-proxy.c: the HTTP forward proxy of tsproxy-socks, for a client whose first
 * request is not CONNECT (http_request_sniff()): "GET http://host/path", any method,
 * and "GET /proxy.pac". The parsing is sans-I/O (http-request.h, http-response.h,
 * http-body.h, http-error.h, pac.h); this file only moves bytes and keeps the state.
 *
 * One request at a time on the client connection:
 *   head      read into c->input (at most HTTP_HEAD_MAX bytes, HandshakeTimeoutSec=)
 *   auth      Basic, with the same checker and throttle as CONNECT (auth.c)
 *   connect   the target resolved and connected by connection.c exactly as for
 *             CONNECT (Egress= pinning, resolver, connect timeout)
 *   exchange  both directions at once: the rewritten head, then the request body per
 *             its framing, client -> target; the response head (1xx included),
 *             rewritten, then its body per its framing, target -> client
 *   next      when the response is complete, the request body was all sent and both
 *             sides allow it, the target connection is closed (http-request.c asks for
 *             "Connection: close" upstream: one upstream connection per request) and
 *             the next head is read, to any host; else the client is closed.
 * Bodies go through a buffer per direction with recv()/send(): body bytes are only
 * counted (http_body_opaque()), chunk framing is looked at only where a chunk ends.
 * A local reply (an error, the PAC file) is written from h->out; errors carry the text
 * body of http-error.c naming the instance, the target and the reason, and close.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipnet.h"
#include "http-error.h"
#include "http-head.h"
#include "http-request.h"
#include "http-response.h"
#include "pac.h"
#include "pac-peer.h"
#include "server.h"
#include "tailnet-suffix.h"
#include "tailnet.h"

_Static_assert(HANDSHAKE_INPUT_MAX >= HTTP_HEAD_MAX, "a request head must fit the input buffer");

/* Each direction's buffer: the target's bytes on their way to the client. */
#define HTTP_PROXY_DOWN_MAX (16 * 1024)
/* The largest PAC file we serve (one entry is well below 1 KiB). */
#define HTTP_PROXY_PAC_MAX (256 * 1024)

typedef enum ResponseState {
        RESPONSE_HEAD,
        RESPONSE_BODY,
        RESPONSE_DONE,
} ResponseState;

struct HttpProxy {
        HttpRequest req;
        size_t scanned; /* of the request head in c->input */
        bool have_request;

        /* client -> target: the rewritten head, then body bytes from c->input */
        char up[HTTP_UPSTREAM_HEAD_MAX];
        size_t up_off;
        HttpBody req_body;
        size_t req_ready; /* bytes at the front of c->input known to be body */

        /* target -> client */
        uint8_t down[HTTP_PROXY_DOWN_MAX];
        size_t n_down, down_ready, resp_scanned;
        HttpResponse resp;
        HttpBody resp_body;
        ResponseState resp_state;
        bool head_sent;  /* the client got a final response head: no error reply any more */
        bool down_extra; /* the target sent more than its response: never keep it */

        char key[PROXY_TARGET_STRLEN]; /* the target, for the pool of kept connections */
        bool reused;                   /* the target connection was kept from an earlier request */

        /* to the client: a response head, an error reply or the PAC file */
        char *out;
        size_t out_size, n_out, out_off;
        bool local_reply; /* out is our own reply, no target */
        bool close_after; /* close the client once out and the body are written */

        /* readiness, edge-triggered: set by events, cleared by EAGAIN */
        bool client_in, client_out, target_in, target_out, target_eof;
};

static void http_proxy_read_head(Connection *c);

void http_proxy_free(HttpProxy *h)
{
        if (!h)
                return;
        http_request_done(&h->req);
        free(h->out);
        free(h);
}

static bool out_reserve(HttpProxy *h, size_t size)
{
        char *p;

        if (h->out_size >= size)
                return true;
        p = realloc(h->out, size);
        if (!p)
                return false;
        h->out = p;
        h->out_size = size;
        return true;
}

static void target_string(const HttpProxy *h, char buf[static PROXY_TARGET_STRLEN])
{
        if (h->have_request && h->req.kind == HTTP_REQUEST_FORWARD)
                proxy_target_format(&h->req.target, buf);
        else
                buf[0] = '\0';
}

/* Stop the exchange with the target; what is in out is still written. */
static void http_proxy_drop_target(Connection *c)
{
        target_done(&c->target, &c->server->io);
        target_init(&c->target);
}

static void http_proxy_run(Connection *c);

/* Write our own reply from h->out[0..n_out), then close (or, for the PAC file, go on). */
static void http_proxy_local_reply(Connection *c, bool close_after)
{
        HttpProxy *h = c->http;

        http_proxy_drop_target(c);
        h->out_off = 0;
        h->local_reply = true;
        h->close_after = close_after;
        h->resp_state = RESPONSE_DONE;
        h->client_out = true;
        c->state = CONNECTION_HTTP;
        connection_set_timer(c, c->server->options->handshake_timeout_usec);
        http_proxy_run(c);
}

/* An error reply (400..599) with its text body, then close. */
static void http_proxy_error(Connection *c, int status, const char *reason)
{
        HttpProxy *h = c->http;
        char target[PROXY_TARGET_STRLEN];
        int k;

        target_string(h, target);
        log_debug(c->server->log, "HTTP request%s%s answered %d: %s", target[0] ? " for " : "", target,
                  status, reason ?: http_status_phrase(status));
        if (!out_reserve(h, HTTP_ERROR_MAX)) {
                connection_free(c);
                return;
        }
        k = http_error_format(h->out, h->out_size, status, c->server->options->name,
                              target[0] ? target : NULL, reason, h->have_request && h->req.is_head);
        if (k < 0) {
                connection_free(c);
                return;
        }
        h->n_out = (size_t)k;
        http_proxy_local_reply(c, true);
}

void http_proxy_fail(Connection *c, int error)
{
        char buf[128];

        http_proxy_error(c, http_error_status(error), http_error_reason(error, buf, sizeof(buf)));
}

/* "host:port" of the listener the client reached, as the client can reach it again. */
static int local_proxy_address(Connection *c, char *buf, size_t size)
{
        struct sockaddr_storage local;
        socklen_t len = sizeof(local);
        char a[ENDPOINT_STRLEN];

        if (getsockname(c->client_fd, (struct sockaddr *)&local, &len) < 0)
                return negative_errno();
        endpoint_format((struct sockaddr *)&local, a);
        if (strlen(a) >= size)
                return -ENOBUFS;
        strcpy(buf, a);
        return 0;
}

/* The PAC file: this instance, then every --pac-peer, each to its own proxy. */
static void http_proxy_pac(Connection *c)
{
        HttpProxy *h = c->http;
        const SocksOptions *o = c->server->options;
        IpNetwork ranges[2];
        PacInstance in[1 + PAC_PEERS_MAX];
        TailnetSuffix suffix;
        char self[ENDPOINT_STRLEN];
        const char *bad = NULL;
        size_t n = 0, size = 16 * 1024;
        int k, head;

        /* Given, or learned from the instance's tailscaled (read now: PAC requests are rare). */
        tailnet_suffix_init(&suffix, o->names.tailnet_domain, o->names.tailnet_domain_file);
        if (ipnet_parse(TAILNET_IPV4_RANGE, &ranges[0]) < 0 ||
            ipnet_parse(TAILNET_IPV6_RANGE, &ranges[1]) < 0 ||
            local_proxy_address(c, self, sizeof(self)) < 0) {
                http_proxy_error(c, 500, "cannot tell this proxy's own address");
                return;
        }
        in[n++] =
                (PacInstance){o->name, o->names.domain, tailnet_suffix_get(&suffix, NULL), ranges, 2, self};
        for (size_t i = 0; i < o->n_pac_peers; i++) {
                const PacPeer *p = &o->pac_peers[i];
                in[n++] = (PacInstance){p->name, p->domain, p->tailnet_domain, ranges, 2, p->proxy};
        }

        for (;;) {
                /* The head goes in front of the PAC: leave it room. */
                if (!out_reserve(h, size)) {
                        connection_free(c);
                        return;
                }
                k = pac_build(in, n, h->out + 512, h->out_size - 512, &bad);
                if (k != -ENOBUFS || size >= HTTP_PROXY_PAC_MAX)
                        break;
                size *= 4;
        }
        if (k < 0) {
                log_warning(c->server->log, "Failed to build the PAC file (%s): %s", strna(bad),
                            strerror(-k));
                http_proxy_error(c, 500, "cannot build the PAC file");
                return;
        }

        bool keep = h->req.keep_alive && h->req.framing == HTTP_FRAMING_NONE;
        char head_buf[512];
        head = pac_response_head(head_buf, sizeof(head_buf), (size_t)k, keep, h->req.version_minor);
        if (head < 0) {
                connection_free(c);
                return;
        }
        /* head and body one after the other in out: [head][pac] */
        memmove(h->out + head, h->out + 512, (size_t)k);
        memcpy(h->out, head_buf, (size_t)head);
        h->n_out = (size_t)head + (h->req.is_head ? 0 : (size_t)k);
        log_debug(c->server->log, "Serving the PAC file (%d bytes, %zu instances).", k, n);
        http_proxy_local_reply(c, !keep);
}

/* Credentials checked (or none needed): a kept connection to the target, else connect
 * as connection.c does for CONNECT. Only a request without a body takes a kept one: it
 * can be sent again when the server closed that connection meanwhile. */
static void http_proxy_go(Connection *c)
{
        HttpProxy *h = c->http;

        c->handshake->target = h->req.target;
        c->handshake->command = PROXY_COMMAND_CONNECT;
        proxy_target_format(&h->req.target, h->key);
        if (h->req.framing == HTTP_FRAMING_NONE && h->req.version_minor >= 1) {
                int fd = http_pool_take(&c->server->http_pool, h->key, connection_now_usec(c));

                if (fd >= 0) {
                        h->reused = true;
                        connection_reuse_target(c, fd);
                        return;
                }
        }
        connection_request(c);
}

/* The kept connection failed before any answer (the server closed it while it was idle):
 * the request goes again, on a new connection. */
static bool retryable(const HttpProxy *h)
{
        return h->reused && !h->head_sent && h->n_out == 0 && h->n_down == 0;
}

static void http_proxy_retry(Connection *c)
{
        HttpProxy *h = c->http;

        log_debug(c->server->log, "A kept connection to %s was closed before it answered, connecting anew.",
                  h->key);
        http_proxy_drop_target(c);
        h->reused = h->target_eof = false;
        h->up_off = 0;
        h->resp_scanned = 0;
        h->resp_state = RESPONSE_HEAD;
        connection_request(c);
}

void http_proxy_auth_done(Connection *c, bool granted)
{
        c->state = CONNECTION_HANDSHAKE;
        if (!granted) {
                http_proxy_error(c, 407, "wrong user name or password");
                return;
        }
        http_proxy_go(c);
}

/* A complete request head is at the front of c->input. */
static void http_proxy_request(Connection *c)
{
        HttpProxy *h = c->http;
        ServerShared *sh = c->server->shared;

        if (h->req.kind == HTTP_REQUEST_CONNECT) {
                /* After a forwarded request: the handshake engine takes it, as a first
                 * CONNECT; this connection then ends in a tunnel. */
                http_proxy_free(h);
                c->http = NULL;
                connection_handshake_restart(c);
                return;
        }
        memmove(c->input, c->input + h->req.head_len, c->n_input - h->req.head_len);
        c->n_input -= h->req.head_len;
        h->scanned = 0;

        if (h->req.kind == HTTP_REQUEST_PAC) {
                http_proxy_pac(c);
                return;
        }
        if (sh->passwords) {
                HandshakeAuthResult a = HANDSHAKE_AUTH_DENIED;

                if (!h->req.have_credentials) {
                        http_proxy_error(c, 407, "this proxy needs a user name and password");
                        return;
                }
                a = auth_check(c, h->req.user, h->req.password);
                http_request_done(&h->req);
                if (a == HANDSHAKE_AUTH_PENDING) {
                        c->state = CONNECTION_AUTHENTICATING; /* until http_proxy_auth_done() */
                        return;
                }
                if (a == HANDSHAKE_AUTH_DENIED) {
                        http_proxy_error(c, 407, "wrong user name or password");
                        return;
                }
        }
        http_proxy_go(c);
}

/* Read and parse a request head (state HANDSHAKE). */
static void http_proxy_read_head(Connection *c)
{
        HttpProxy *h = c->http;

        for (;;) {
                int r = http_request_parse(c->input, c->n_input, &h->scanned, &h->req, h->up, sizeof(h->up));
                ssize_t n;

                if (r > 0) {
                        h->have_request = true;
                        http_proxy_request(c);
                        return;
                }
                if (r < 0) {
                        /* The target, if any, is not known well enough to name it. */
                        http_proxy_error(c, h->req.status ?: 400, h->req.reason);
                        return;
                }
                if (!h->client_in)
                        return;
                n = recv(c->client_fd, c->input + c->n_input, HANDSHAKE_INPUT_MAX - c->n_input,
                         MSG_DONTWAIT);
                if (n < 0 && errno == EAGAIN) {
                        h->client_in = false;
                        return;
                }
                if (n <= 0) {
                        connection_free(c); /* gone between requests, or in the middle of one */
                        return;
                }
                c->n_input += (size_t)n;
        }
}

/* Heads and bodies go out in separate send()s: without TCP_NODELAY, Nagle holds the
 * second back until the first is acknowledged, and a delayed ACK makes that 40 ms. */
static void set_nodelay(int fd)
{
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
}

void http_proxy_start(Connection *c)
{
        HttpProxy *h = calloc(1, sizeof(*h));

        if (!h) {
                connection_free(c);
                return;
        }
        c->http = h;
        set_nodelay(c->client_fd);
        h->client_in = true; /* a read tells; EAGAIN clears it */
        http_proxy_read_head(c);
}

/* The response is complete: the next request, or the end. */
static void http_proxy_next(Connection *c)
{
        HttpProxy *h = c->http;
        bool keep = !h->close_after &&
                    (h->local_reply ||
                     (h->resp.keep_alive && http_body_done(&h->req_body) && h->req_ready == 0)) &&
                    /* Stopping (drain.h): only a client whose next request has begun. */
                    (!server_draining(c->server) || c->n_input > 0);
        char *out = h->out;
        size_t out_size = h->out_size;

        /* The upstream connection, when it ended cleanly, for a later request to its target. */
        if (!h->local_reply && h->resp.reusable && !h->down_extra && !h->target_eof &&
            http_body_done(&h->req_body) && h->req_ready == 0 && c->target.fd >= 0 &&
            io_set_remove(&c->server->io, &c->target.watch, c->target.fd) >= 0) {
                http_pool_put(&c->server->http_pool, h->key, c->target.fd, connection_now_usec(c));
                c->target.fd = -EBADF;
        }
        if (!keep) {
                connection_free(c);
                return;
        }
        http_proxy_drop_target(c);
        http_request_done(&h->req);
        *h = (HttpProxy){.out = out, .out_size = out_size, .client_in = true};
        c->state = CONNECTION_HANDSHAKE;
        connection_set_timer(c, c->server->options->handshake_timeout_usec);
        http_proxy_read_head(c);
}

/* Body bytes of b at the front of data[0..len): how many, 1 when b ended. */
static int body_take(HttpBody *b, const uint8_t *data, size_t len, size_t *ret)
{
        uint64_t opaque = http_body_opaque(b);

        if (opaque > 0) {
                *ret = opaque < len ? (size_t)opaque : len;
                http_body_skip(b, *ret);
                return http_body_done(b);
        }
        return http_body_feed(b, data, len, ret);
}

/* send() what it takes: 1 some written, 0 would block (ready cleared), -errno. */
static int send_some(int fd, const void *p, size_t n, bool *ready, size_t *ret)
{
        ssize_t k;

        if (!*ready)
                return 0;
        k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0) {
                if (errno != EAGAIN)
                        return negative_errno();
                *ready = false;
                return 0;
        }
        *ret = (size_t)k;
        return 1;
}

/* Client -> target: the head, then the body. 1 progress, 0 none, -errno: give up. */
static int pump_up(Connection *c)
{
        HttpProxy *h = c->http;
        size_t k;
        ssize_t n;
        int r;

        if (h->local_reply)
                return 0;
        if (h->up_off < h->req.upstream_len) {
                r = send_some(c->target.fd, h->up + h->up_off, h->req.upstream_len - h->up_off,
                              &h->target_out, &k);
                if (r > 0)
                        h->up_off += k;
                return r;
        }
        if (h->req_ready == 0 && c->n_input > 0 && !http_body_done(&h->req_body)) {
                r = body_take(&h->req_body, c->input, c->n_input, &h->req_ready);
                if (r < 0)
                        return -EBADMSG;
        }
        if (h->req_ready > 0) {
                r = send_some(c->target.fd, c->input, h->req_ready, &h->target_out, &k);
                if (r > 0) {
                        memmove(c->input, c->input + k, c->n_input - k);
                        c->n_input -= k;
                        h->req_ready -= k;
                }
                return r;
        }
        if (http_body_done(&h->req_body) || !h->client_in || c->n_input >= HANDSHAKE_INPUT_MAX)
                return 0;
        n = recv(c->client_fd, c->input + c->n_input, HANDSHAKE_INPUT_MAX - c->n_input, MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN) {
                h->client_in = false;
                return 0;
        }
        if (n <= 0)
                return n < 0 ? negative_errno() : -ECONNRESET; /* the client left mid-body */
        c->n_input += (size_t)n;
        return 1;
}

/* Parse the response head in h->down. 1 progress, 0 more needed, -errno handled (c gone). */
static int response_head(Connection *c)
{
        HttpProxy *h = c->http;
        int r;

        if (!out_reserve(h, HTTP_UPSTREAM_HEAD_MAX))
                return -ENOMEM;
        r = http_response_parse(h->down, h->n_down, &h->resp_scanned, &h->req, &h->resp, h->out,
                                h->out_size);
        if (r == 0)
                return 0;
        if (r < 0) {
                if (h->head_sent)
                        return r;
                http_proxy_error(c, 502, h->resp.reason ?: "the target's response head is malformed");
                return -ECANCELED;
        }
        memmove(h->down, h->down + h->resp.head_len, h->n_down - h->resp.head_len);
        h->n_down -= h->resp.head_len;
        h->resp_scanned = 0;
        h->n_out = h->resp.client_len;
        h->out_off = 0;
        if (h->resp.informational)
                return 1;
        h->head_sent = true;
        http_body_init(&h->resp_body, h->resp.framing, h->resp.content_length);
        h->resp_state = http_body_done(&h->resp_body) ? RESPONSE_DONE : RESPONSE_BODY;
        log_debug(c->server->log, "HTTP %s %s: %u, body %s.", h->req.method,
                  h->req.target.family == AF_UNSPEC ? h->req.target.name : "(address)", h->resp.status,
                  http_framing_to_string(h->resp.framing));
        return 1;
}

/* Target -> client. 1 progress, 0 none, -ECANCELED: c is gone, other -errno: give up. */
static int pump_down(Connection *c)
{
        HttpProxy *h = c->http;
        size_t k;
        ssize_t n;
        int r;

        if (h->out_off < h->n_out) {
                r = send_some(c->client_fd, h->out + h->out_off, h->n_out - h->out_off, &h->client_out, &k);
                if (r > 0)
                        h->out_off += k;
                return r;
        }
        if (h->resp_state == RESPONSE_DONE)
                return 0;
        if (h->resp_state == RESPONSE_HEAD && h->n_down > 0) {
                r = response_head(c);
                if (r != 0)
                        return r;
        }
        if (h->resp_state == RESPONSE_BODY) {
                if (h->down_ready == 0 && h->n_down > 0) {
                        r = body_take(&h->resp_body, h->down, h->n_down, &h->down_ready);
                        if (r < 0)
                                return -EBADMSG;
                        /* Anything after the body is not for the client, and the connection
                         * that brought it not to be kept. */
                        h->down_extra |= h->down_ready < h->n_down;
                        h->n_down = h->down_ready;
                }
                if (h->down_ready > 0) {
                        r = send_some(c->client_fd, h->down, h->down_ready, &h->client_out, &k);
                        if (r > 0) {
                                memmove(h->down, h->down + k, h->n_down - k);
                                h->n_down -= k;
                                h->down_ready -= k;
                        }
                        return r;
                }
                if (http_body_done(&h->resp_body)) {
                        h->resp_state = RESPONSE_DONE;
                        return 1;
                }
        }
        if (h->target_eof) {
                if (retryable(h)) {
                        http_proxy_retry(c);
                        return -ECANCELED;
                }
                if (h->resp_state == RESPONSE_HEAD) {
                        http_proxy_error(c, 502, "the target closed the connection without a response");
                        return -ECANCELED;
                }
                if (http_body_eof(&h->resp_body) < 0)
                        return -EPIPE; /* cut short: the client must see it as such */
                h->resp_state = RESPONSE_DONE;
                h->close_after = true;
                return 1;
        }
        if (!h->target_in || h->n_down >= sizeof(h->down))
                return 0;
        n = recv(c->target.fd, h->down + h->n_down, sizeof(h->down) - h->n_down, MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN) {
                h->target_in = false;
                return 0;
        }
        if (n < 0) {
                if (h->head_sent)
                        return negative_errno();
                if (retryable(h))
                        http_proxy_retry(c);
                else
                        http_proxy_fail(c, negative_errno());
                return -ECANCELED;
        }
        if (n == 0)
                h->target_eof = true;
        h->n_down += (size_t)n;
        return 1;
}

static void http_proxy_run(Connection *c)
{
        HttpProxy *h = c->http;
        bool progress, any = false;
        int r;

        do {
                progress = false;
                r = pump_up(c);
                if (r < 0 && retryable(h)) {
                        http_proxy_retry(c);
                        return;
                }
                if (r < 0) {
                        if (!h->head_sent && r == -EBADMSG) {
                                http_proxy_error(c, 400, "the request body's chunked framing is broken");
                                return;
                        }
                        if (!h->head_sent && r != -ECONNRESET && r != -EPIPE) {
                                http_proxy_fail(c, r);
                                return;
                        }
                        connection_free(c);
                        return;
                }
                progress |= r > 0;
                r = pump_down(c);
                if (r == -ECANCELED)
                        return;
                if (r < 0) {
                        connection_free(c);
                        return;
                }
                progress |= r > 0;
                any |= progress;
        } while (progress);

        if (any)
                c->last_activity = connection_now_usec(c);
        if (h->resp_state == RESPONSE_DONE && h->out_off >= h->n_out)
                http_proxy_next(c);
}

void http_proxy_connected(Connection *c)
{
        HttpProxy *h = c->http;

        set_nodelay(c->target.fd);
        c->state = CONNECTION_HTTP;
        h->client_in = h->client_out = h->target_in = h->target_out = true;
        http_body_init(&h->req_body, h->req.framing, h->req.content_length);
        h->resp_state = RESPONSE_HEAD;
        connection_set_timer(c, c->server->options->idle_timeout_usec);
        c->last_activity = connection_now_usec(c);
        http_proxy_run(c);
}

void http_proxy_client_event(Connection *c, uint32_t revents)
{
        HttpProxy *h = c->http;

        if (revents & SPLICE_PUMP_INPUT_EVENTS)
                h->client_in = true;
        if (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                h->client_out = true;
        if (c->state == CONNECTION_HANDSHAKE)
                http_proxy_read_head(c);
        else
                http_proxy_run(c);
}

void http_proxy_target_event(Connection *c, uint32_t revents)
{
        HttpProxy *h = c->http;

        if (revents & SPLICE_PUMP_INPUT_EVENTS)
                h->target_in = true;
        if (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                h->target_out = true;
        http_proxy_run(c);
}

bool http_proxy_idle(const Connection *c)
{
        return c->http && c->state == CONNECTION_HANDSHAKE && c->n_input == 0;
}

bool http_proxy_local(const Connection *c)
{
        return c->http && c->http->local_reply;
}
