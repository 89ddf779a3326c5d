/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tcp.c: the TCP forwards of tsproxy-relay, one TcpConnection per accepted client.
 *
 * The client socket was accepted on a listener made in the host namespace; the target
 * socket is made here, in the instance namespace (a name is resolved first, through the
 * namespace's MagicDNS). Bytes move with splice(2) through relay.h, EOF passed on as a
 * half-close in either direction.
 *
 * Both sockets are watched edge-triggered for input and output from the moment they
 * exist, and never re-armed: sd-event dispatches one source per iteration, and a
 * level-triggered socket would be reported by every epoll_wait() until handled, which
 * costs O(connections) per event under load. So every handler runs until its socket
 * would block, and the relay pumps both directions on any event: no edge is lost.
 * What the client sent while the target was being connected is pumped when the relay
 * starts.
 *
 * A target that refuses (or cannot be reached in --connect-timeout): the client gets a
 * clean close, a FIN, after what it sent is read and dropped (closing with unread data
 * would send a RST). Per-connection events are logged at debug level only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "egress.h"
#include "forwarder.h"

#define ACCEPT_BATCH      64
#define CONNECTION_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

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

        int client_fd, target_fd;
        sd_event_source *client_source, *target_source;
        sd_event_source *timer; /* connect timeout */

        ResolverQuery *query;
        struct sockaddr_storage addresses[RESOLVER_ADDRESSES_MAX];
        size_t n_addresses, next_address;
        int last_error;

        Relay relay;
};

void tcp_connection_free(TcpConnection *c)
{
        Forwarder *f;

        if (!c)
                return;
        f = c->forwarder;
        if (c->prev)
                c->prev->next = c->next;
        else
                f->connections = c->next;
        if (c->next)
                c->next->prev = c->prev;
        f->n_tcp--;
        forwarder_status_changed(f);

        resolver_query_cancel(c->query);
        if (c->state == TCP_RELAY)
                relay_done(&c->relay, &f->pipes);
        sd_event_source_disable_unref(c->client_source);
        sd_event_source_disable_unref(c->target_source);
        sd_event_source_disable_unref(c->timer);
        safe_close(c->client_fd);
        safe_close(c->target_fd);
        free(c);
}

/* The target cannot be had: drop what the client sent (so that closing sends a FIN, not
 * a RST) and close. */
static void tcp_connection_fail(TcpConnection *c, int error)
{
        uint8_t buf[4096];

        log_debug(c->forwarder->log, "Connection to the target of forward %u failed: %s", c->listener->index,
                  strerror(-error));
        c->forwarder->n_tcp_failed++;
        for (int i = 0; i < 64 && recv(c->client_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; i++)
                ;
        tcp_connection_free(c);
}

static void tcp_connection_pump(TcpConnection *c)
{
        int r = relay_pump(&c->relay, &c->forwarder->pipes);

        if (r < 0 || relay_finished(&c->relay))
                tcp_connection_free(c);
}

static int on_event(sd_event_source *source, int fd, uint32_t revents, void *userdata);

static void tcp_connection_try_next(TcpConnection *c)
{
        Forwarder *f = c->forwarder;

        while (c->next_address < c->n_addresses) {
                const struct sockaddr *a = (const struct sockaddr *)&c->addresses[c->next_address++];
                socklen_t len =
                        a->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
                int r;

                c->target_source = sd_event_source_disable_unref(c->target_source);
                c->target_fd = safe_close(c->target_fd);
                c->target_fd = egress_socket(a->sa_family, SOCK_STREAM, 0);
                if (c->target_fd < 0) {
                        c->last_error = c->target_fd;
                        continue;
                }
                if (connect(c->target_fd, a, len) < 0 && errno != EINPROGRESS) {
                        c->last_error = negative_errno();
                        continue;
                }
                r = sd_event_add_io(f->event, &c->target_source, c->target_fd, CONNECTION_EVENTS, on_event,
                                    c);
                if (r < 0) {
                        c->last_error = r;
                        continue;
                }
                c->state = TCP_CONNECTING;
                return;
        }
        tcp_connection_fail(c, c->last_error < 0 ? c->last_error : -EHOSTUNREACH);
}

static void tcp_connection_connected(TcpConnection *c)
{
        c->timer = sd_event_source_disable_unref(c->timer);
        relay_init(&c->relay, c->client_fd, c->target_fd);
        c->state = TCP_RELAY;
        tcp_connection_pump(c);
}

static int on_event(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        TcpConnection *c = userdata;
        int error = 0;
        socklen_t len = sizeof(error);

        if (c->state == TCP_RELAY) {
                tcp_connection_pump(c);
                return 0;
        }
        if (c->state != TCP_CONNECTING || source != c->target_source)
                return 0; /* the client meanwhile: its data waits in the socket */
        if (!(revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
                return 0;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                error = errno;
        if (error != 0) {
                c->last_error = -error;
                tcp_connection_try_next(c);
                return 0;
        }
        tcp_connection_connected(c);
        return 0;
}

static int on_timeout(sd_event_source *source, uint64_t usec, void *userdata)
{
        tcp_connection_fail(userdata, -ETIMEDOUT);
        return 0;
}

static void on_resolved(void *userdata, int error, const struct sockaddr_storage *addresses, size_t n)
{
        TcpConnection *c = userdata;

        c->query = NULL;
        if (error < 0) {
                tcp_connection_fail(c, error);
                return;
        }
        memcpy(c->addresses, addresses, n * sizeof(*addresses));
        c->n_addresses = n;
        tcp_connection_try_next(c);
}

static int tcp_connection_new(Listener *l, int fd)
{
        Forwarder *f = l->forwarder;
        const ForwardSpec *spec = l->spec;
        TcpConnection *c;
        int r;

        c = malloc(sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (TcpConnection){.forwarder = f, .listener = l, .client_fd = fd, .target_fd = -EBADF};
        c->next = f->connections;
        if (c->next)
                c->next->prev = c;
        f->connections = c;
        f->n_tcp++;
        f->n_tcp_total++;
        forwarder_status_changed(f);

        r = sd_event_add_io(f->event, &c->client_source, fd, CONNECTION_EVENTS, on_event, c);
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
                r = resolver_resolve(f->resolver, spec->name, spec->port, on_resolved, c, &c->query);
                if (r < 0)
                        tcp_connection_fail(c, r);
                return 0;
        }
        c->addresses[0] = spec->target;
        c->n_addresses = 1;
        tcp_connection_try_next(c);
        return 0;
}

int tcp_on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Listener *l = userdata;
        Forwarder *f = l->forwarder;

        for (int i = 0; i < ACCEPT_BATCH; i++) {
                int r, cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (cfd < 0) {
                        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                                return 0;
                        /* EMFILE and friends: the listener stays; log and retry later. */
                        log_warning_errno(f->log, errno, "Failed to accept a connection: %m");
                        return 0;
                }
                if (f->n_tcp >= f->options->max_connections) {
                        f->n_tcp_refused++;
                        forwarder_status_changed(f);
                        safe_close(cfd);
                        continue;
                }
                r = tcp_connection_new(l, cfd);
                if (r < 0) {
                        log_warning_errno(f->log, r, "Failed to set up a connection: %m");
                        safe_close(cfd);
                }
        }
        return 0;
}
