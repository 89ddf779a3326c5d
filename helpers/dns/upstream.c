/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * upstream.c: asking the tailnet's resolver (MagicDNS, 100.100.100.100:53, reached
 * from inside the instance's namespace).
 *
 * Each forwarded query gets a UDP socket of its own, connected to the resolver: the
 * kernel picks a random source port and delivers nothing but the resolver's datagrams,
 * and the ID is random too (arc4random), so a forged answer has to guess 32 bits. An
 * answer must also repeat the question. A truncated answer (TC) is asked again over TCP.
 * After the timeout the client gets SERVFAIL. Answers are renamed (dns-answer.h), cached
 * when their TTL allows, and written for the client, whose own question, ID and EDNS0
 * size shape the response.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "list.h"
#include "server.h"

#define UPSTREAM_MAX       4096 /* queries in flight at once; beyond: SERVFAIL */
#define UPSTREAM_QUERY_MAX (DNS_HEADER_SIZE + DNS_NAME_MAX + 4 + 11)

struct Upstream {
        Server *server;
        Upstream *prev, *next;
        DnsQuery query; /* the client's */
        DnsClient client;
        bool orphan;  /* the TCP client is gone: cache the answer only */
        DnsName name; /* as asked upstream */
        uint16_t id;
        int fd;
        bool tcp;
        sd_event_source *io, *timer;
        uint8_t packet[2 + UPSTREAM_QUERY_MAX]; /* 2 length bytes (TCP), the query */
        size_t packet_len;                      /* of the query */
        size_t tcp_sent;
        uint8_t *tcp_in; /* TCP: length bytes + answer */
        size_t tcp_in_len;
};

void upstream_free(Upstream *u)
{
        Server *s;

        if (!u)
                return;
        s = u->server;
        LIST_REMOVE(s->upstreams, u);
        s->n_upstreams--;
        sd_event_source_disable_unref(u->io);
        sd_event_source_disable_unref(u->timer);
        safe_close(u->fd);
        free(u->tcp_in);
        free(u);
}

void upstream_orphan_client(Server *s, TcpClient *c)
{
        for (Upstream *u = s->upstreams; u; u = u->next)
                if (u->client.tcp == c) {
                        u->client.tcp = NULL;
                        u->orphan = true;
                }
}

/* Answer the client (rcode, or a), then go. */
static void upstream_finish(Upstream *u, unsigned rcode, const DnsAnswer *a)
{
        Server *s = u->server;
        TcpClient *tcp = u->client.tcp;

        if (!u->orphan)
                server_reply(s, &u->client, &u->query, a ? a->rcode : rcode, a, 0);
        upstream_free(u);
        if (tcp)
                tcp_client_upstream_done(tcp);
}

static void upstream_fail(Upstream *u)
{
        u->server->n_failed++;
        server_status_changed(u->server);
        upstream_finish(u, DNS_RCODE_SERVFAIL, NULL);
}

/* A whole response arrived: 1 done (u freed), 0 not ours (keep waiting), or the
 * truncated case handled by the caller (-EAGAIN). */
static int upstream_response(Upstream *u, const uint8_t *msg, size_t len)
{
        Server *s = u->server;
        _cleanup_free_ DnsAnswer *a = NULL;
        int r;

        r = dns_answer_from_response(msg, len, &(DnsAsked){u->id, &u->name, u->query.qtype, u->query.qclass},
                                     &s->tailnet_domain, &s->options->domain, &a);
        if (r == -ESTALE)
                return 0;
        if (r < 0) {
                log_debug(s->log, "Failed to use the answer of the tailnet's resolver: %s", strerror(-r));
                upstream_fail(u);
                return 1;
        }
        if (a->truncated && !u->tcp)
                return -EAGAIN;
        if (s->cache && a->ttl > 0 && !a->truncated)
                (void)dns_cache_put(s->cache, &u->query.qname, u->query.qtype, u->query.qclass, a,
                                    server_now(s));
        upstream_finish(u, a->rcode, a);
        return 1;
}

/*
 * A socket for the upstream: under --egress tailnet bound to the tailscale interface, so
 * that a query reaches the instance's own MagicDNS or fails at once (ENODEV while
 * tailscaled is down, ENETUNREACH while it has no route), and the client gets SERVFAIL.
 */
static int upstream_socket(const DnsOptions *o, int type)
{
        _cleanup_close_ int fd = socket(o->upstream.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return negative_errno();
        if (o->egress == EGRESS_TAILNET && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->egress_interface,
                                                      strlen(o->egress_interface)) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

static int upstream_start_tcp(Upstream *u);

static int on_udp_answer(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Upstream *u = userdata;
        Server *s = u->server;

        for (;;) {
                ssize_t n = recv(fd, s->out, sizeof(s->out), MSG_DONTWAIT);
                int r;

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        /* ECONNREFUSED: nothing listens there (an ICMP error came back). */
                        log_debug(s->log, "Failed to receive from the tailnet's resolver: %m");
                        upstream_fail(u);
                        return 0;
                }
                /* server_reply() writes into s->out too: parse first (the answer is copied). */
                r = upstream_response(u, s->out, (size_t)n);
                if (r == -EAGAIN) {
                        if (upstream_start_tcp(u) < 0)
                                upstream_fail(u);
                        return 0;
                }
                if (r > 0)
                        return 0;
        }
}

static int on_tcp_event(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Upstream *u = userdata;
        size_t total = 2 + u->packet_len;

        if (revents & (EPOLLERR | EPOLLHUP) && u->tcp_sent < total) {
                upstream_fail(u);
                return 0;
        }
        while (u->tcp_sent < total) {
                ssize_t n =
                        send(fd, u->packet + u->tcp_sent, total - u->tcp_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN)
                                return 0;
                        upstream_fail(u);
                        return 0;
                }
                u->tcp_sent += (size_t)n;
                if (u->tcp_sent == total)
                        (void)sd_event_source_set_io_events(source, EPOLLIN);
        }
        for (;;) {
                size_t want = u->tcp_in_len < 2 ? 2 : 2 + ((size_t)u->tcp_in[0] << 8 | u->tcp_in[1]);
                ssize_t n;

                if (u->tcp_in_len == want) {
                        int r = upstream_response(u, u->tcp_in + 2, want - 2);
                        if (r == 0) /* not an answer to our question: the stream is wrong */
                                upstream_fail(u);
                        return 0;
                }
                n = recv(fd, u->tcp_in + u->tcp_in_len, want - u->tcp_in_len, MSG_DONTWAIT);
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n <= 0) {
                        upstream_fail(u);
                        return 0;
                }
                u->tcp_in_len += (size_t)n;
        }
}

static int upstream_start_tcp(Upstream *u)
{
        Server *s = u->server;
        const DnsOptions *o = s->options;
        int fd, r;

        sd_event_source_disable_unref(u->io);
        u->io = NULL;
        u->fd = safe_close(u->fd);
        u->tcp = true;
        u->tcp_in = malloc(2 + DNS_TCP_MAX);
        if (!u->tcp_in)
                return -ENOMEM;
        u->packet[0] = (uint8_t)(u->packet_len >> 8);
        u->packet[1] = (uint8_t)u->packet_len;

        fd = upstream_socket(o, SOCK_STREAM);
        if (fd < 0)
                return fd;
        u->fd = fd;
        if (connect(fd, (const struct sockaddr *)&o->upstream, o->upstream_len) < 0 && errno != EINPROGRESS)
                return negative_errno();
        r = sd_event_add_io(s->event, &u->io, fd, EPOLLIN | EPOLLOUT, on_tcp_event, u);
        return r < 0 ? r : 0;
}

static int on_timeout(sd_event_source *source, uint64_t usec, void *userdata)
{
        Upstream *u = userdata;

        log_debug(u->server->log, "The tailnet's resolver did not answer in time.");
        upstream_fail(u);
        return 0;
}

static int upstream_send_udp(Upstream *u)
{
        Server *s = u->server;
        const DnsOptions *o = s->options;
        int fd, r;

        fd = upstream_socket(o, SOCK_DGRAM);
        if (fd < 0)
                return fd;
        u->fd = fd;
        if (connect(fd, (const struct sockaddr *)&o->upstream, o->upstream_len) < 0)
                return negative_errno();
        if (send(fd, u->packet + 2, u->packet_len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                return negative_errno();
        r = sd_event_add_io(s->event, &u->io, fd, EPOLLIN, on_udp_answer, u);
        return r < 0 ? r : 0;
}

void upstream_start(Server *s, const DnsQuery *q, const DnsName *fwd_name, const DnsClient *client)
{
        Upstream *u;
        int k, r;

        if (s->n_upstreams >= UPSTREAM_MAX) {
                s->n_failed++;
                server_reply(s, client, q, DNS_RCODE_SERVFAIL, NULL, 0);
                return;
        }
        u = malloc(sizeof(Upstream));
        if (!u) {
                s->n_failed++;
                server_reply(s, client, q, DNS_RCODE_SERVFAIL, NULL, 0);
                return;
        }
        *u = (Upstream){.server = s,
                        .query = *q,
                        .client = *client,
                        .name = *fwd_name,
                        .fd = -EBADF,
                        .id = (uint16_t)arc4random()};
        LIST_PREPEND(s->upstreams, u);
        s->n_upstreams++;
        if (client->tcp)
                /* Counted now, so that the SERVFAIL path below gives it back too. */
                tcp_client_pending_inc(client->tcp);

        k = dns_query_write(u->id, &u->name, q->qtype, q->qclass, q->flags & DNS_FLAG_CD, u->packet + 2,
                            sizeof(u->packet) - 2);
        r = k < 0 ? k : 0;
        if (r >= 0) {
                u->packet_len = (size_t)k;
                r = sd_event_add_time_relative(s->event, &u->timer, CLOCK_MONOTONIC,
                                               (uint64_t)s->options->timeout_msec * 1000u, 10000, on_timeout,
                                               u);
        }
        if (r >= 0)
                r = upstream_send_udp(u);
        if (r < 0) {
                log_debug(s->log, "Failed to ask the tailnet's resolver: %s", strerror(-r));
                upstream_fail(u);
        }
}
