/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * connection.c: one client of tsproxy-socks, from accept() to close (see server.h for
 * the states).
 *
 * The client socket was accepted on a listener made in the host namespace; the target
 * socket is made here, in the instance namespace (target.h). Both are watched for
 * SPLICE_PUMP_EVENTS (splice-pump.h), edge-triggered, from creation to close, so every handler runs
 * until its socket would block or the connection waits for the other side.
 * Per-connection events are logged at debug level only: a busy proxy must not flood the
 * journal.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "http-request.h"
#include "list.h"
#include "server.h"
#include "udp-associate.h"

/* What a client sent behind its request is put into the relay's pipe. */
_Static_assert(HANDSHAKE_INPUT_MAX <= SPLICE_PUMP_STASH_MAX, "leftover handshake input must fit any pipe");

/* Connecting to a target gives up after this long when no handshake timeout is set. */
#define CONNECT_TIMEOUT_USEC (30 * 1000000ull)

static void on_client_event(IoWatch *watch, uint32_t revents);
static void on_target_event(IoWatch *watch, uint32_t revents);
static int on_timer(sd_event_source *source, uint64_t usec, void *userdata);
static void connection_udp_control(Connection *c);
static void connection_hand_over(Connection *c);

uint64_t connection_now_usec(const Connection *c)
{
        uint64_t t = 0;

        (void)sd_event_now(c->server->event, CLOCK_MONOTONIC, &t);
        return t;
}

void connection_set_timer(Connection *c, uint64_t usec_from_now)
{
        if (usec_from_now == 0) {
                (void)sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
                return;
        }
        if (!c->timer) {
                if (sd_event_add_time_relative(c->server->event, &c->timer, CLOCK_MONOTONIC, usec_from_now,
                                               250000, on_timer, c) < 0)
                        c->timer = NULL; /* ENOMEM: the connection just has no timeout */
                return;
        }
        (void)sd_event_source_set_time_relative(c->timer, usec_from_now);
        (void)sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
}

/* Drop the handshake state once the connection is relaying. */
static void connection_end_handshake(Connection *c)
{
        free(c->handshake);
        c->handshake = NULL;
        free(c->input);
        c->input = NULL;
        c->n_input = 0;
}

void connection_free(Connection *c)
{
        Server *s;

        if (!c)
                return;
        s = c->server;
        LIST_REMOVE(s->connections, c);
        atomic_fetch_sub_explicit(&s->shared->n_live, 1, memory_order_relaxed);
        server_status_changed(s);

        udp_association_free(c->udp);
        auth_cancel(c);
        http_proxy_free(c->http);
        if (c->state == CONNECTION_RELAY)
                splice_pump_done(&c->pump, &s->pipes);
        target_done(&c->target, &s->io);
        sd_event_source_disable_unref(c->timer);
        io_set_close(&s->io, &c->client_watch, c->client_fd);
        connection_end_handshake(c);
        free(c);
}

/* Write what the handshake engine produced. 1: all written, 0: the rest must wait for
 * EPOLLOUT, -errno: the client is gone. */
static int connection_flush(Connection *c)
{
        Handshake *hs = c->handshake;

        while (c->out_offset < hs->n_out) {
                ssize_t n = send(c->client_fd, hs->out + c->out_offset, hs->n_out - c->out_offset,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0)
                        return errno == EAGAIN ? 0 : negative_errno();
                c->out_offset += (size_t)n;
        }
        hs->n_out = c->out_offset = 0;
        return 1;
}

/* Send an error reply for error (best effort) and close. */
static void connection_fail(Connection *c, int error)
{
        char target[PROXY_TARGET_STRLEN];

        if (c->http) {
                http_proxy_fail(c, error);
                return;
        }
        proxy_target_format(&c->handshake->target, target);
        log_debug(c->server->log, "Request for %s failed: %s", target, strerror(-error));
        (void)handshake_reply(c->handshake, error, NULL, 0);
        (void)connection_flush(c);
        connection_free(c);
}

static int connection_start_relay(Connection *c)
{
        Server *s = c->server;
        size_t leftover = c->n_input;
        int r;

        splice_pump_init(&c->pump, c->client_fd, c->client_revents, c->target.fd, c->target.revents);
        c->state = CONNECTION_RELAY;
        r = splice_pump_preload(&c->pump, &s->pipes, c->input, leftover);
        connection_end_handshake(c);
        if (r < 0)
                return r;

        connection_set_timer(c, s->options->idle_timeout_usec);
        c->last_activity = connection_now_usec(c);
        /* The leftover input, and what the events noted meanwhile say is there: now. */
        r = splice_pump_run(&c->pump, &s->pipes);
        if (r < 0)
                return r;
        if (splice_pump_finished(&c->pump))
                return -ECONNRESET; /* nothing left to do: close */
        return 0;
}

/* The reply is out: relay (CONNECT) or watch the control connection (UDP). */
static void connection_replied(Connection *c)
{
        int r;

        if (c->handshake->command == PROXY_COMMAND_UDP_ASSOCIATE) {
                c->state = CONNECTION_UDP;
                connection_end_handshake(c);
                connection_set_timer(c, 0);
                connection_udp_control(c); /* EOF may have come already */
                return;
        }
        r = connection_start_relay(c);
        if (r < 0)
                connection_free(c);
}

static void connection_connected(Connection *c)
{
        struct sockaddr_storage bound;
        socklen_t len = sizeof(bound);
        int r;

        if (c->http) {
                http_proxy_connected(c);
                return;
        }
        if (getsockname(c->target.fd, (struct sockaddr *)&bound, &len) < 0)
                len = 0;
        (void)handshake_reply(c->handshake, 0, len ? (struct sockaddr *)&bound : NULL, len);
        c->state = CONNECTION_REPLYING;
        r = connection_flush(c);
        if (r < 0) {
                connection_free(c);
                return;
        }
        if (r > 0)
                connection_replied(c);
        /* else: the client's EPOLLOUT edge continues */
}

static void connection_try_next(Connection *c)
{
        Server *s = c->server;
        int r;

        r = target_connect_next(&c->target, &s->egress, &s->io, on_target_event);
        if (r < 0) {
                connection_fail(c, r);
                return;
        }
        c->state = CONNECTION_CONNECTING;
}

static void on_resolved(void *userdata, int error, const struct sockaddr_storage *addresses, size_t n)
{
        Connection *c = userdata;
        int r;

        r = target_resolved(&c->target, error, addresses, n);
        if (r < 0) {
                connection_fail(c, r);
                return;
        }
        connection_try_next(c);
}

void connection_request(Connection *c)
{
        Server *s = c->server;
        const ProxyTarget *t = &c->handshake->target;
        struct sockaddr_storage address = {};
        int r;

        if (c->handshake->command == PROXY_COMMAND_UDP_ASSOCIATE && s->index != 0) {
                connection_hand_over(c); /* associations live in worker 0 (server.h) */
                return;
        }
        /* The request is complete: from now on the connect timeout counts. */
        connection_set_timer(c, s->options->handshake_timeout_usec ?: CONNECT_TIMEOUT_USEC);

        if (c->handshake->command == PROXY_COMMAND_UDP_ASSOCIATE) {
                UdpAssociationRequest req = {.client = &c->peer, .client_len = c->peer_len, .target = t};
                struct sockaddr_storage bound;
                socklen_t bound_len;

                req.local_len = sizeof(req.local);
                if (getsockname(c->client_fd, (struct sockaddr *)&req.local, &req.local_len) < 0) {
                        connection_fail(c, negative_errno());
                        return;
                }

                r = udp_association_new(s, &req, &c->udp, &bound, &bound_len);
                if (r < 0) {
                        connection_fail(c, r);
                        return;
                }
                (void)handshake_reply(c->handshake, 0, (struct sockaddr *)&bound, bound_len);
                c->state = CONNECTION_REPLYING;
                r = connection_flush(c);
                if (r < 0)
                        connection_free(c);
                else if (r > 0)
                        connection_replied(c);
                return;
        }

        if (t->family == AF_UNSPEC) {
                c->state = CONNECTION_RESOLVING;
                r = resolver_resolve(s->resolver, t->name, t->port, on_resolved, c, &c->target.query);
                if (r < 0)
                        connection_fail(c, r);
                return;
        }

        if (t->family == AF_INET) {
                struct sockaddr_in *in = (struct sockaddr_in *)&address;
                in->sin_family = AF_INET;
                in->sin_addr = t->address.in;
                in->sin_port = htons(t->port);
        } else {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&address;
                in6->sin6_family = AF_INET6;
                in6->sin6_addr = t->address.in6;
                in6->sin6_port = htons(t->port);
        }
        r = target_set_addresses(&c->target, &address, 1);
        if (r < 0) {
                connection_fail(c, r);
                return;
        }
        connection_try_next(c);
}

/*
 * What the engine said (its output in hs->out): write the output, then close, wait for
 * a password check, or go on with the request. pending: what the relay must know of
 * the client socket (SPLICE_PUMP_DRAIN_EVENTS seen, EPOLLIN when unread input may be left).
 * True when the engine wants more input; false when the connection moved on or is gone.
 */
static bool connection_handshake_status(Connection *c, HandshakeStatus st, uint32_t pending)
{
        /* r == 0: a client that does not read its greeting reply is not worth waiting for. */
        int r = connection_flush(c);

        if (r <= 0 || st == HANDSHAKE_CLOSE) {
                connection_free(c);
                return false;
        }
        if (st == HANDSHAKE_AUTH) {
                c->state = CONNECTION_AUTHENTICATING; /* until connection_auth_done() */
                c->client_revents = pending;
                return false;
        }
        if (st == HANDSHAKE_REQUEST) {
                c->client_revents = pending;
                connection_request(c);
                return false;
        }
        return true;
}

/* Feed what is in c->input; as connection_handshake_status(). */
static bool connection_handshake_feed(Connection *c, uint32_t pending)
{
        size_t consumed;

        do {
                HandshakeStatus st;

                /* A request for the HTTP forward proxy (not CONNECT): http-proxy.c serves it. */
                if (c->handshake->protocol == PROXY_PROTOCOL_NONE) {
                        int r = http_request_sniff(c->input, c->n_input);
                        if (r == -EAGAIN)
                                return true;
                        if (r > 0) {
                                http_proxy_start(c);
                                return false;
                        }
                }
                st = handshake_feed(c->handshake, c->input, c->n_input, &consumed);

                memmove(c->input, c->input + consumed, c->n_input - consumed);
                c->n_input -= consumed;
                if (!connection_handshake_status(c, st, pending))
                        return false;
        } while (consumed > 0 && c->n_input > 0);
        return true;
}

/*
 * Client data during the handshake (revents: of the event that brought it, 0 for the
 * first look): read until a request is complete or the socket is empty. A short read
 * empties a TCP socket, and what comes later brings a new edge, so only after the
 * client's FIN (EPOLLRDHUP) or at urgent data (EPOLLPRI) is there reason to read on.
 */
static void connection_handshake_input(Connection *c, uint32_t revents)
{
        for (;;) {
                size_t space = HANDSHAKE_INPUT_MAX - c->n_input;
                ssize_t n;

                n = recv(c->client_fd, c->input + c->n_input, space, MSG_DONTWAIT);
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) {
                        connection_free(c); /* gone before it asked for anything */
                        return;
                }
                c->n_input += (size_t)n;

                /* More data when the read filled the buffer, the EOF after a FIN. */
                if (!connection_handshake_feed(c, (revents & SPLICE_PUMP_DRAIN_EVENTS) |
                                                          ((size_t)n == space ? EPOLLIN : 0)))
                        return;
                if ((size_t)n < space && !(revents & SPLICE_PUMP_DRAIN_EVENTS))
                        return;
        }
}

void connection_auth_done(Connection *c, bool granted)
{
        if (c->http) {
                http_proxy_auth_done(c, granted);
                return;
        }

        /* What the client socket said meanwhile (the edges were only noted). */
        uint32_t noted = c->client_revents;
        HandshakeStatus st = handshake_auth_done(c->handshake, granted);

        c->state = CONNECTION_HANDSHAKE;
        c->client_revents = 0;
        noted &= SPLICE_PUMP_DRAIN_EVENTS | EPOLLIN;
        if (!connection_handshake_status(c, st, noted))
                return;
        /* A client may have sent its request right behind the password. */
        if (c->n_input > 0 && !connection_handshake_feed(c, noted))
                return;
        if (noted & SPLICE_PUMP_INPUT_EVENTS)
                connection_handshake_input(c, noted);
}

void connection_reuse_target(Connection *c, int fd)
{
        c->target.fd = fd;
        c->target.revents = 0;
        if (io_set_add(&c->server->io, &c->target.watch, fd, SPLICE_PUMP_EVENTS, on_target_event) < 0) {
                connection_fail(c, -ENOMEM);
                return;
        }
        c->state = CONNECTION_CONNECTING;
        http_proxy_connected(c);
}

void connection_handshake_restart(Connection *c)
{
        handshake_init(c->handshake, c->server->shared->passwords
                                             ? &(HandshakeAuth){.check = auth_check, .userdata = c}
                                             : NULL);
        c->state = CONNECTION_HANDSHAKE;
        if (connection_handshake_feed(c, EPOLLIN))
                connection_handshake_input(c, EPOLLIN);
}

/* The control connection of a UDP association: anything the client sends on it is
 * ignored; EOF or an error ends the association with it. */
static void connection_udp_control(Connection *c)
{
        uint8_t buf[512];

        for (;;) {
                ssize_t n = recv(c->client_fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n > 0)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                connection_free(c);
                return;
        }
}

static void connection_relay_event(Connection *c, int fd, uint32_t revents)
{
        Server *s = c->server;
        int r;

        r = splice_pump_event(&c->pump, &s->pipes, fd, revents);
        if (r < 0 || splice_pump_finished(&c->pump)) {
                connection_free(c);
                return;
        }
        if (r > 0)
                c->last_activity = connection_now_usec(c);
}

static void on_client_event(IoWatch *watch, uint32_t revents)
{
        Connection *c = container_of(watch, Connection, client_watch);
        int r;

        if (c->http && (c->state == CONNECTION_HANDSHAKE || c->state == CONNECTION_HTTP)) {
                http_proxy_client_event(c, revents);
                return;
        }
        switch (c->state) {
        case CONNECTION_HANDSHAKE:
                /* The output of the handshake is written at once or never (no waiting for
                 * EPOLLOUT): only input is of interest. */
                if (revents & SPLICE_PUMP_INPUT_EVENTS)
                        connection_handshake_input(c, revents);
                break;
        case CONNECTION_REPLYING:
                c->client_revents |= revents;
                r = connection_flush(c);
                if (r < 0)
                        connection_free(c);
                else if (r > 0)
                        connection_replied(c);
                break;
        case CONNECTION_RELAY: connection_relay_event(c, c->client_fd, revents); break;
        case CONNECTION_UDP: connection_udp_control(c); break;
        default:
                /* Authenticating, resolving or connecting: the client waits for its
                 * reply; what it sends meanwhile stays in the socket until then. */
                c->client_revents |= revents;
                break;
        }
}

static void on_target_event(IoWatch *watch, uint32_t revents)
{
        Connection *c = container_of(watch, Connection, target.watch);
        int r;

        if (c->state == CONNECTION_RELAY) {
                connection_relay_event(c, c->target.fd, revents);
                return;
        }
        if (c->state == CONNECTION_HTTP) {
                http_proxy_target_event(c, revents);
                return;
        }
        if (c->state != CONNECTION_CONNECTING) {
                c->target.revents |= revents; /* the reply is being written: later */
                return;
        }
        r = target_connect_result(&c->target, revents);
        if (r < 0)
                connection_try_next(c);
        else if (r > 0)
                connection_connected(c);
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        Connection *c = userdata;
        uint64_t idle = c->server->options->idle_timeout_usec;

        (void)source;
        switch (c->state) {
        case CONNECTION_HANDSHAKE:
        case CONNECTION_AUTHENTICATING:
                log_debug(c->server->log, "Client did not finish its handshake in time, dropping it.");
                connection_free(c);
                break;
        case CONNECTION_RESOLVING:
        case CONNECTION_CONNECTING: connection_fail(c, -ETIMEDOUT); break;
        case CONNECTION_REPLYING: connection_free(c); break;
        case CONNECTION_HTTP:
                if (http_proxy_local(c)) {
                        connection_free(c); /* its reply was not read in time */
                        break;
                }
                /* A request and its response: idle as a relay. */
                /* fall through */
        case CONNECTION_RELAY:
                /* Activity only updates last_activity; the timer catches up lazily. */
                if (idle == 0)
                        break;
                if (c->last_activity + idle <= usec) {
                        log_debug(c->server->log, "Connection idle for too long, closing it.");
                        connection_free(c);
                } else {
                        (void)sd_event_source_set_time(c->timer, c->last_activity + idle);
                        (void)sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
                }
                break;
        default: break;
        }
        return 0;
}

/* Worker k > 0: a client asking for UDP ASSOCIATE goes to worker 0, unanswered yet, with
 * its slot of MaxConnections=. Nothing of this worker's loop stays with it. */
static void connection_hand_over(Connection *c)
{
        Server *s = c->server;
        ServerShared *sh = s->shared;

        log_debug(s->log, "Worker %u hands a UDP ASSOCIATE client over to worker 0.", s->index);
        (void)io_set_remove(&s->io, &c->client_watch, c->client_fd);
        c->timer = sd_event_source_disable_unref(c->timer);
        LIST_REMOVE(s->connections, c);
        c->server = NULL;
        c->prev = NULL;
        pthread_mutex_lock(&sh->handover_lock);
        c->next = sh->handover;
        sh->handover = c;
        pthread_mutex_unlock(&sh->handover_lock);
        (void)eventfd_write(sh->handover_fd, 1);
}

void connection_adopt(Server *s, Connection *c)
{
        int r;

        c->server = s;
        c->next = NULL;
        LIST_PREPEND(s->connections, c);
        /* Edge-triggered: adding reports what is already there (EOF included). */
        r = io_set_add(&s->io, &c->client_watch, c->client_fd, SPLICE_PUMP_EVENTS, on_client_event);
        if (r < 0) {
                connection_free(c);
                return;
        }
        connection_request(c);
}

/* At exit only: the slot of MaxConnections= is not given back. */
void connection_discard(Connection *c)
{
        safe_close(c->client_fd);
        connection_end_handshake(c);
        free(c);
}

/* A slot of MaxConnections= (counting every worker's clients), or false. */
static bool connection_take_slot(ServerShared *sh)
{
        if (atomic_fetch_add_explicit(&sh->n_live, 1, memory_order_relaxed) < sh->options->max_connections)
                return true;
        atomic_fetch_sub_explicit(&sh->n_live, 1, memory_order_relaxed);
        return false;
}

int connection_new(Server *s, int fd, const struct sockaddr *peer, socklen_t peer_len)
{
        Connection *c;
        int r;

        if (!connection_take_slot(s->shared))
                return -EBUSY;
        c = calloc(1, sizeof(*c));
        if (!c) {
                atomic_fetch_sub_explicit(&s->shared->n_live, 1, memory_order_relaxed);
                return -ENOMEM;
        }
        *c = (Connection){.server = s, .client_fd = fd, .state = CONNECTION_HANDSHAKE};
        target_init(&c->target);
        memcpy(&c->peer, peer, peer_len);
        c->peer_len = peer_len;
        LIST_PREPEND(s->connections, c); /* from here on connection_free() gives the slot back */
        atomic_fetch_add_explicit(&s->shared->n_total, 1, memory_order_relaxed);
        server_status_changed(s);

        c->handshake = malloc(sizeof(*c->handshake));
        c->input = malloc(HANDSHAKE_INPUT_MAX);
        if (!c->handshake || !c->input) {
                c->client_fd = -EBADF; /* the caller closes it */
                connection_free(c);
                return -ENOMEM;
        }
        handshake_init(c->handshake,
                       s->shared->passwords ? &(HandshakeAuth){.check = auth_check, .userdata = c} : NULL);

        r = io_set_add(&s->io, &c->client_watch, fd, SPLICE_PUMP_EVENTS, on_client_event);
        if (r < 0) {
                c->client_fd = -EBADF;
                connection_free(c);
                return r;
        }
        connection_set_timer(c, s->options->handshake_timeout_usec);
        /* Most clients send their greeting with the handshake's last ACK: read it now
         * rather than one loop iteration later. */
        connection_handshake_input(c, 0);
        return 0;
}
