/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tcp.c: DNS over TCP (RFC 7766): each message after its two length bytes, several
 * queries per connection, answered in any order.
 *
 * The socket is watched edge-triggered for input and output from accept to close, and
 * never re-armed: sd-event dispatches one source per iteration, and a level-triggered
 * socket would be reported by every epoll_wait() until handled (see
 * helpers/socks/connection.c, where that cost O(connections) per event). So
 * tcp_client_process() runs until the socket would block, or until the client must wait:
 * too much output unread by the client, or too many of its queries upstream. Whatever
 * ends the wait (output drained: an EPOLLOUT edge; an upstream answer:
 * tcp_client_upstream_done()) calls it again, so no edge is lost.
 *
 * One timer per client bounds both its silence and its slowness: it is set when the
 * client connects and again each time a query has arrived complete, never for a part of
 * one. So a query must arrive whole within TCP_QUERY_TIMEOUT_USEC (a client that
 * trickles a byte every few seconds is closed), and a client that asks nothing more is
 * closed after the same time. Which clients are kept when a new one comes is
 * tcp-admit.h's decision.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "list.h"
#include "server.h"

#define TCP_QUERY_TIMEOUT_USEC (10 * 1000000ull)
#define TCP_OUTPUT_MAX         (256 * 1024)
#define TCP_PENDING_MAX        32
#define TCP_EVENTS             (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

struct TcpClient {
        TcpAdmitEntry entry; /* in Server.tcp_clients; entry.pending: its queries upstream */
        Server *server;
        int fd;
        sd_event_source *source, *timer;
        bool eof;
        bool busy; /* inside tcp_client_process(): free later */
        bool dead;
        uint8_t *out;
        size_t out_len, out_off, out_allocated;
        size_t n_in;
        uint8_t in[2 + DNS_TCP_MAX];
};

void tcp_client_free(TcpClient *c)
{
        Server *s;

        if (!c)
                return;
        if (c->busy) {
                c->dead = true;
                return;
        }
        s = c->server;
        upstream_orphan_client(s, c);
        LIST_REMOVE(s->tcp_clients, &c->entry);
        s->n_tcp_clients--;
        sd_event_source_disable_unref(c->source);
        sd_event_source_disable_unref(c->timer);
        safe_close(c->fd);
        free(c->out);
        free(c);
}

int tcp_client_queue(TcpClient *c, const uint8_t *msg, size_t len)
{
        if (c->out_off == c->out_len)
                c->out_off = c->out_len = 0;
        if (c->out_len + 2 + len > c->out_allocated) {
                size_t n = c->out_allocated * 2 > c->out_len + 2 + len ? c->out_allocated * 2
                                                                       : c->out_len + 2 + len + 1024;
                uint8_t *o = realloc(c->out, n);
                if (!o)
                        return -ENOMEM;
                c->out = o;
                c->out_allocated = n;
        }
        c->out[c->out_len] = (uint8_t)(len >> 8);
        c->out[c->out_len + 1] = (uint8_t)len;
        memcpy(c->out + c->out_len + 2, msg, len);
        c->out_len += 2 + len;
        return 0;
}

/* 1: all written, 0: the rest waits for EPOLLOUT, -errno: the client is gone. */
static int tcp_client_flush(TcpClient *c)
{
        while (c->out_off < c->out_len) {
                ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0)
                        return errno == EAGAIN ? 0 : negative_errno();
                c->out_off += (size_t)n;
        }
        c->out_off = c->out_len = 0;
        return 1;
}

/* Answer every complete message in the input buffer. -EBADMSG: a zero-length one. */
static int tcp_client_handle_input(TcpClient *c)
{
        DnsClient client = {.tcp = c};
        size_t p = 0;

        while (c->entry.pending < TCP_PENDING_MAX && c->n_in - p >= 2) {
                size_t len = (size_t)c->in[p] << 8 | c->in[p + 1];

                if (len == 0)
                        return -EBADMSG;
                if (c->n_in - p < 2 + len)
                        break;
                /* A whole query: the client has TCP_QUERY_TIMEOUT_USEC for the next. */
                c->entry.active_usec = server_now(c->server);
                (void)sd_event_source_set_time_relative(c->timer, TCP_QUERY_TIMEOUT_USEC);
                server_handle_query(c->server, c->in + p + 2, len, &client);
                p += 2 + len;
        }
        memmove(c->in, c->in + p, c->n_in - p);
        c->n_in -= p;
        return 0;
}

static void tcp_client_process(TcpClient *c)
{
        int r;

        c->busy = true;
        for (;;) {
                ssize_t n;

                r = tcp_client_flush(c);
                if (r < 0)
                        break;
                if (c->out_len - c->out_off > TCP_OUTPUT_MAX || c->entry.pending >= TCP_PENDING_MAX)
                        goto wait;
                if (c->eof) {
                        if (c->entry.pending == 0 && c->out_len == c->out_off)
                                r = -ECONNRESET; /* all answered: close */
                        else
                                goto wait;
                        break;
                }
                n = recv(c->fd, c->in + c->n_in, sizeof(c->in) - c->n_in, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN)
                                goto wait;
                        r = negative_errno();
                        break;
                }
                if (n == 0) {
                        /* A partial message at EOF can never be answered. */
                        c->eof = true;
                        continue;
                }
                c->n_in += (size_t)n;
                r = tcp_client_handle_input(c);
                if (r < 0)
                        break;
        }
        c->busy = false;
        tcp_client_free(c);
        return;
wait:
        c->busy = false;
        if (c->dead)
                tcp_client_free(c);
}

static int on_tcp_event(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        TcpClient *c = userdata;

        if (revents & EPOLLERR) {
                tcp_client_free(c);
                return 0;
        }
        tcp_client_process(c);
        return 0;
}

static int on_tcp_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        TcpClient *c = userdata;

        /* No whole query for the timeout (idle, or too slow), and nothing still to answer. */
        if (c->entry.pending > 0) {
                (void)sd_event_source_set_time_relative(source, TCP_QUERY_TIMEOUT_USEC);
                (void)sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
                return 0;
        }
        tcp_client_free(c);
        return 0;
}

void tcp_client_pending_inc(TcpClient *c)
{
        c->entry.pending++;
}

void tcp_client_upstream_done(TcpClient *c)
{
        c->entry.pending--;
        /* Inside tcp_client_process() (a query that failed at once), its loop goes on. */
        if (!c->busy)
                tcp_client_process(c);
}

void tcp_clients_free(Server *s)
{
        while (s->tcp_clients)
                tcp_client_free(container_of(s->tcp_clients, TcpClient, entry));
}

void tcp_client_free_entry(TcpAdmitEntry *e)
{
        tcp_client_free(container_of(e, TcpClient, entry));
}

int tcp_client_new(Server *s, int fd, const struct sockaddr_storage *peer)
{
        TcpClient *c = malloc(sizeof(TcpClient));
        int r;

        if (!c)
                return -ENOMEM;
        *c = (TcpClient){.entry = {.peer = *peer, .active_usec = server_now(s)}, .server = s, .fd = fd};
        r = sd_event_add_io(s->event, &c->source, fd, TCP_EVENTS, on_tcp_event, c);
        if (r >= 0)
                r = sd_event_add_time_relative(s->event, &c->timer, CLOCK_MONOTONIC, TCP_QUERY_TIMEOUT_USEC,
                                               250000, on_tcp_timer, c);
        if (r < 0) {
                sd_event_source_disable_unref(c->source);
                free(c);
                return r;
        }
        LIST_PREPEND(s->tcp_clients, &c->entry);
        s->n_tcp_clients++;
        /* The query usually arrives with the connection: read it now. */
        tcp_client_process(c);
        return 0;
}
