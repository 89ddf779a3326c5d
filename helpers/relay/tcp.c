/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tcp.c: the TCP forwards of tsproxy-relay, one TcpConnection per accepted client.
 *
 * The client socket was accepted on a listener made in the host namespace; the target
 * socket is made here, in the instance namespace (a name is resolved first, through the
 * namespace's MagicDNS). Bytes move with splice(2) through splice-pump.h, EOF passed on as a
 * half-close in either direction.
 *
 * Both sockets are watched for SPLICE_PUMP_EVENTS (splice-pump.h), edge-triggered, from the moment
 * they exist (the target's through target.h), so every handler runs until its socket
 * would block. What the client sent while the target was being connected is pumped when
 * the relay starts.
 *
 * A target that refuses (or cannot be reached in --connect-timeout): the client gets a
 * clean close, a FIN, after what it sent is read and dropped (closing with unread data
 * would send a RST). Per-connection events are logged at debug level only.
 *
 * A client outside --allow-from is closed right after accept(), as one beyond
 * --max-connections is: both count as refused in STATUS=.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "forwarder.h"
#include "list.h"
#include "listen-fds.h"
#include "target.h"

#define ACCEPT_BATCH 64

typedef enum TcpState {
        TCP_RESOLVING,
        TCP_CONNECTING,
        TCP_RELAY,
} TcpState;

struct TcpConnection {
        Forwarder *forwarder;
        TcpConnection *prev, *next;
        const Listener *listener;
        TcpState state;

        int client_fd;
        IoWatch client_watch;
        uint32_t client_revents; /* before the relay starts, ORed: for splice_pump_init() */
        Target target;
        sd_event_source *timer; /* connect timeout */

        SplicePump pump;
};

void tcp_connection_free(TcpConnection *c)
{
        Forwarder *f;

        if (!c)
                return;
        f = c->forwarder;
        LIST_REMOVE(f->connections, c);
        atomic_fetch_sub_explicit(&f->shared->n_tcp, 1, memory_order_relaxed);
        forwarder_status_changed(f);

        if (c->state == TCP_RELAY)
                splice_pump_done(&c->pump, &f->pipes);
        target_done(&c->target, &f->io);
        sd_event_source_disable_unref(c->timer);
        io_set_close(&f->io, &c->client_watch, c->client_fd);
        free(c);
}

/* The target cannot be had: drop what the client sent (so that closing sends a FIN, not
 * a RST) and close. */
static void tcp_connection_fail(TcpConnection *c, int error)
{
        uint8_t buf[4096];

        log_debug(c->forwarder->log, "Connection to the target of forward %u failed: %s", c->listener->index,
                  strerror(-error));
        atomic_fetch_add_explicit(&c->forwarder->shared->n_tcp_failed, 1, memory_order_relaxed);
        for (int i = 0; i < 64 && recv(c->client_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; i++)
                ;
        tcp_connection_free(c);
}

/* r: of splice_pump_run() or splice_pump_event() */
static void tcp_connection_pumped(TcpConnection *c, int r)
{
        if (r < 0 || splice_pump_finished(&c->pump))
                tcp_connection_free(c);
}

static void on_target_event(IoWatch *watch, uint32_t revents);

static void tcp_connection_try_next(TcpConnection *c)
{
        int r;

        r = target_connect_next(&c->target, &c->forwarder->egress, &c->forwarder->io, on_target_event);
        if (r < 0) {
                tcp_connection_fail(c, r);
                return;
        }
        c->state = TCP_CONNECTING;
}

static void tcp_connection_connected(TcpConnection *c)
{
        c->timer = sd_event_source_disable_unref(c->timer);
        splice_pump_init(&c->pump, c->client_fd, c->client_revents, c->target.fd, c->target.revents);
        c->state = TCP_RELAY;
        tcp_connection_pumped(c, splice_pump_run(&c->pump, &c->forwarder->pipes));
}

static void on_client_event(IoWatch *watch, uint32_t revents)
{
        TcpConnection *c = container_of(watch, TcpConnection, client_watch);

        /* Before the relay starts, what the client sends waits in its socket. */
        if (c->state == TCP_RELAY)
                tcp_connection_pumped(
                        c, splice_pump_event(&c->pump, &c->forwarder->pipes, c->client_fd, revents));
        else
                c->client_revents |= revents;
}

static void on_target_event(IoWatch *watch, uint32_t revents)
{
        TcpConnection *c = container_of(watch, TcpConnection, target.watch);
        int r;

        if (c->state == TCP_RELAY) {
                tcp_connection_pumped(
                        c, splice_pump_event(&c->pump, &c->forwarder->pipes, c->target.fd, revents));
                return;
        }
        if (c->state != TCP_CONNECTING)
                return;
        r = target_connect_result(&c->target, revents);
        if (r < 0)
                tcp_connection_try_next(c);
        else if (r > 0)
                tcp_connection_connected(c);
}

static int on_timeout(sd_event_source *source, uint64_t usec, void *userdata)
{
        tcp_connection_fail(userdata, -ETIMEDOUT);
        return 0;
}

static void on_resolved(void *userdata, int error, const struct sockaddr_storage *addresses, size_t n)
{
        TcpConnection *c = userdata;
        int r;

        r = target_resolved(&c->target, error, addresses, n);
        if (r < 0) {
                tcp_connection_fail(c, r);
                return;
        }
        tcp_connection_try_next(c);
}

static int tcp_connection_new(Listener *l, int fd)
{
        Forwarder *f = l->forwarder;
        const ForwardSpec *spec = l->spec;
        TcpConnection *c;
        int r;

        /* A slot of --max-connections, counting every worker's connections. */
        if (atomic_fetch_add_explicit(&f->shared->n_tcp, 1, memory_order_relaxed) >=
            f->options->max_connections) {
                atomic_fetch_sub_explicit(&f->shared->n_tcp, 1, memory_order_relaxed);
                return -EBUSY;
        }
        c = malloc(sizeof(*c));
        if (!c) {
                atomic_fetch_sub_explicit(&f->shared->n_tcp, 1, memory_order_relaxed);
                return -ENOMEM;
        }
        *c = (TcpConnection){.forwarder = f, .listener = l, .client_fd = fd};
        target_init(&c->target);
        LIST_PREPEND(f->connections, c); /* from here on tcp_connection_free() gives the slot back */
        atomic_fetch_add_explicit(&f->shared->n_tcp_total, 1, memory_order_relaxed);
        forwarder_status_changed(f);

        r = io_set_add(&f->io, &c->client_watch, fd, SPLICE_PUMP_EVENTS, on_client_event);
        if (r >= 0)
                r = sd_event_add_time_relative(f->event, &c->timer, CLOCK_MONOTONIC,
                                               f->options->connect_timeout_usec, 250000, on_timeout, c);
        if (r < 0) {
                c->client_fd = -EBADF; /* the caller closes it */
                tcp_connection_free(c);
                return r;
        }
        if (spec->target.ss_family == AF_UNSPEC) {
                c->state = TCP_RESOLVING;
                r = resolver_resolve(f->resolver, spec->name, spec->port, on_resolved, c, &c->target.query);
                if (r < 0)
                        tcp_connection_fail(c, r);
                return 0;
        }
        r = target_set_addresses(&c->target, &spec->target, 1);
        if (r < 0)
                tcp_connection_fail(c, r);
        else
                tcp_connection_try_next(c);
        return 0;
}

int tcp_on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Listener *l = userdata;
        Forwarder *f = l->forwarder;

        for (int i = 0; i < ACCEPT_BATCH; i++) {
                struct sockaddr_storage peer;
                socklen_t len;
                int r, cfd = listen_fd_accept(f->log, fd, &peer, &len);

                if (cfd < 0)
                        return 0; /* none left, or another worker took it */
                if (!allow_from_contains(&f->options->allow_from, (struct sockaddr *)&peer))
                        r = -EPERM; /* --allow-from: closed before a byte is read */
                else
                        r = tcp_connection_new(l, cfd);
                if (r == -EBUSY || r == -EPERM) { /* --max-connections, --allow-from */
                        atomic_fetch_add_explicit(&f->shared->n_tcp_refused, 1, memory_order_relaxed);
                        forwarder_status_changed(f);
                        safe_close(cfd);
                } else if (r < 0) {
                        log_warning_errno(f->log, r, "Failed to set up a connection: %m");
                        safe_close(cfd);
                }
        }
        return 0;
}
