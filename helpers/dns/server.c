/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.c: listeners, the decision for each query, replies, and the STATUS= line of
 * tsproxy-dns.
 *
 * UDP listeners are read until they would block (at most a batch per event, so TCP
 * clients and upstream answers get their turn); each query is answered from the same
 * socket, from the address the client wrote to (IP_PKTINFO / IPV6_RECVPKTINFO), so a
 * wildcard listener answers correctly on a host with several addresses. Queries are
 * never logged (a busy resolver must not flood the journal); the counters in STATUS=
 * say what happens.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <systemd/sd-daemon.h>

#include "dns-synth.h"
#include "server.h"

#define STATUS_INTERVAL_USEC 1000000ull
#define UDP_BATCH            64
#define ACCEPT_BATCH         32

uint64_t server_now(const Server *s)
{
        uint64_t t = 0;

        (void)sd_event_now(s->event, CLOCK_MONOTONIC, &t);
        return t;
}

static void udp_send(Server *s, const DnsClient *c, const uint8_t *msg, size_t len)
{
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
        } control = {};
        struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
        struct msghdr mh = {
                .msg_name = (void *)&c->peer,
                .msg_namelen = c->peer_len,
                .msg_iov = &iov,
                .msg_iovlen = 1,
        };

        if (c->has_local) {
                struct cmsghdr *cm;

                mh.msg_control = control.buf;
                if (c->udp->family == AF_INET) {
                        struct in_pktinfo pi = {.ipi_spec_dst = c->local.in.ipi_addr};
                        mh.msg_controllen = CMSG_SPACE(sizeof(pi));
                        cm = CMSG_FIRSTHDR(&mh);
                        *cm = (struct cmsghdr){.cmsg_level = IPPROTO_IP,
                                               .cmsg_type = IP_PKTINFO,
                                               .cmsg_len = CMSG_LEN(sizeof(pi))};
                        memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
                } else {
                        mh.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
                        cm = CMSG_FIRSTHDR(&mh);
                        *cm = (struct cmsghdr){.cmsg_level = IPPROTO_IPV6,
                                               .cmsg_type = IPV6_PKTINFO,
                                               .cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo))};
                        memcpy(CMSG_DATA(cm), &c->local.in6, sizeof(struct in6_pktinfo));
                }
        }
        /* A full socket buffer drops the answer, as it would drop the query: the client
         * asks again. */
        if (sendmsg(c->udp->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                s->n_dropped++;
}

void server_reply(Server *s, const DnsClient *client, const DnsQuery *q, unsigned rcode, const DnsAnswer *a,
                  uint32_t age)
{
        int k;

        k = dns_response_write(q, rcode, a, age, dns_query_reply_limit(q, client->tcp != NULL), s->out,
                               sizeof(s->out));
        if (k < 0) {
                s->n_dropped++;
                return;
        }
        if (client->tcp) {
                if (tcp_client_queue(client->tcp, s->out, (size_t)k) < 0)
                        s->n_dropped++;
        } else
                udp_send(s, client, s->out, (size_t)k);
}

static bool qtype_is_transfer(uint16_t t)
{
        return t == DNS_TYPE_AXFR || t == DNS_TYPE_IXFR || t == DNS_TYPE_MAILA || t == DNS_TYPE_MAILB;
}

void server_handle_query(Server *s, const uint8_t *msg, size_t len, const DnsClient *client)
{
        const DnsOptions *o = s->options;
        DnsAnswerBuffer buf;
        const DnsAnswer *cached;
        DnsName fwd;
        DnsQuery q;
        uint32_t age;
        int r;

        r = dns_query_parse(msg, len, &q);
        if (r == -EBADMSG) {
                s->n_dropped++;
                return;
        }
        s->n_queries++;
        server_status_changed(s);
        if (r > 0) {
                s->n_failed++;
                server_reply(s, client, &q, (unsigned)r, NULL, 0);
                return;
        }

        switch (dns_synth(&q, &o->domain, &buf)) {
        case DNS_SYNTH_REFUSED:
                s->n_refused++;
                server_reply(s, client, &q, DNS_RCODE_REFUSED, NULL, 0);
                return;
        case DNS_SYNTH_ANSWERED:
                s->n_synthesized++;
                server_reply(s, client, &q, DNS_RCODE_NOERROR, &buf.answer, 0);
                return;
        case DNS_SYNTH_FORWARD: break;
        }

        if (o->tailnet_domain.len == 0) {
                if (!s->warned_no_tailnet) {
                        log_notice(s->log,
                                   "Refusing names under %s that are not addresses: no tailnet domain is "
                                   "set ([DNS] TailnetDomain=).",
                                   o->domain_text);
                        s->warned_no_tailnet = true;
                }
                s->n_refused++;
                server_reply(s, client, &q, DNS_RCODE_REFUSED, NULL, 0);
                return;
        }
        if (qtype_is_transfer(q.qtype)) {
                s->n_refused++;
                server_reply(s, client, &q, DNS_RCODE_NOTIMP, NULL, 0);
                return;
        }
        if (s->cache) {
                cached = dns_cache_get(s->cache, &q.qname, q.qtype, q.qclass, server_now(s), &age);
                if (cached) {
                        s->n_cache_hits++;
                        server_reply(s, client, &q, cached->rcode, cached, age);
                        return;
                }
        }
        if (dns_synth_forward_name(&q.qname, &o->domain, &o->tailnet_domain, &fwd) < 0) {
                /* Too long under the tailnet's domain: no such name there. */
                s->n_failed++;
                server_reply(s, client, &q, DNS_RCODE_NXDOMAIN, NULL, 0);
                return;
        }
        s->n_forwarded++;
        upstream_start(s, &q, &fwd, client);
}

static int on_udp(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        UdpListener *l = userdata;
        Server *s = l->server;
        uint8_t *msg = s->in;

        for (int i = 0; i < UDP_BATCH; i++) {
                union {
                        struct cmsghdr align;
                        uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
                } control;
                DnsClient c = {.udp = l};
                struct iovec iov = {.iov_base = msg, .iov_len = sizeof(s->in)};
                struct msghdr mh = {
                        .msg_name = &c.peer,
                        .msg_namelen = sizeof(c.peer),
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = control.buf,
                        .msg_controllen = sizeof(control.buf),
                };
                ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        /* ICMP errors of earlier answers (ECONNREFUSED) and the like. */
                        continue;
                }
                c.peer_len = mh.msg_namelen;
                for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
                        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
                                memcpy(&c.local.in, CMSG_DATA(cm), sizeof(struct in_pktinfo));
                                c.has_local = true;
                        } else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
                                memcpy(&c.local.in6, CMSG_DATA(cm), sizeof(struct in6_pktinfo));
                                c.has_local = true;
                        }
                /* Larger than any query we answer over UDP: drop (MSG_TRUNC cut it). */
                if (mh.msg_flags & MSG_TRUNC) {
                        s->n_dropped++;
                        continue;
                }
                server_handle_query(s, msg, (size_t)n, &c);
        }
        return 0;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Server *s = userdata;

        for (int i = 0; i < ACCEPT_BATCH; i++) {
                int r, cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (cfd < 0) {
                        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                                return 0;
                        log_warning_errno(s->log, errno, "Failed to accept a connection: %m");
                        return 0;
                }
                if (s->n_tcp_clients >= s->options->max_tcp_clients) {
                        s->n_dropped++;
                        safe_close(cfd);
                        continue;
                }
                r = tcp_client_new(s, cfd);
                if (r < 0) {
                        log_warning_errno(s->log, r, "Failed to set up a TCP client: %m");
                        safe_close(cfd);
                }
        }
        return 0;
}

static int on_status_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        Server *s = userdata;

        if (s->status_dirty) {
                (void)sd_notifyf(false,
                                 "STATUS=%" PRIu64 " queries: %" PRIu64 " synthesized, %" PRIu64
                                 " cache hits, %" PRIu64 " forwarded, %" PRIu64 " refused, %" PRIu64
                                 " failed; %zu cached",
                                 s->n_queries, s->n_synthesized, s->n_cache_hits, s->n_forwarded,
                                 s->n_refused, s->n_failed, s->cache ? dns_cache_entries(s->cache) : 0);
                s->status_dirty = false;
        }
        (void)sd_event_source_set_time(source, usec + STATUS_INTERVAL_USEC);
        (void)sd_event_source_set_enabled(source, SD_EVENT_ON);
        return 0;
}

int server_init(Server *s, sd_event *event, const DnsOptions *options, const Logger *log)
{
        int r;

        memset(s, 0, offsetof(Server, out));
        s->log = log;
        s->options = options;
        s->event = event;
        s->status_dirty = true;
        if (options->cache_size > 0) {
                s->cache = dns_cache_new(options->cache_size,
                                         (size_t)options->cache_size * DNS_CACHE_BYTES_PER_ENTRY);
                if (!s->cache)
                        return log_error_errno(log, -ENOMEM, "Failed to allocate the cache: %m");
        }
        r = sd_event_add_time_relative(event, &s->status_timer, CLOCK_MONOTONIC, 0, 100000, on_status_timer,
                                       s);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the status timer: %m");
        return 0;
}

void server_done(Server *s)
{
        while (s->upstreams)
                upstream_free(s->upstreams);
        while (s->tcp_clients)
                tcp_client_free(s->tcp_clients);
        for (size_t i = 0; i < s->n_tcp; i++)
                sd_event_source_disable_unref(s->tcp_listeners[i]);
        free(s->tcp_listeners);
        for (size_t i = 0; i < s->n_udp; i++)
                sd_event_source_disable_unref(s->udp[i].source);
        free(s->udp);
        sd_event_source_disable_unref(s->status_timer);
        s->cache = dns_cache_free(s->cache);
}

static int socket_family(int fd)
{
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);

        if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
                return negative_errno();
        return ss.ss_family;
}

int server_add_listen_fds(Server *s)
{
        int n, r;

        n = sd_listen_fds(true);
        if (n < 0)
                return log_error_errno(s->log, n, "Failed to read the sockets passed by systemd: %m");
        if (n == 0)
                return log_error_errno(s->log, -EBADF,
                                       "No sockets passed: this daemon is started by ts-dns@.socket (socket "
                                       "activation; by hand: systemd-socket-activate -d -l ADDRESS:PORT).");
        s->tcp_listeners = calloc((size_t)n, sizeof(*s->tcp_listeners));
        s->udp = calloc((size_t)n, sizeof(*s->udp));
        if (!s->tcp_listeners || !s->udp)
                return log_error_errno(s->log, -ENOMEM, "Failed to allocate memory: %m");

        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
                int flags = fcntl(fd, F_GETFL), family = socket_family(fd), one = 1;

                if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                        return log_error_errno(s->log, errno, "Failed to make socket %d non-blocking: %m",
                                               fd);
                if (family != AF_INET && family != AF_INET6)
                        return log_error_errno(s->log, -EAFNOSUPPORT,
                                               "Socket %d passed by systemd is not an IPv4 or IPv6 socket.",
                                               fd);
                if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) > 0) {
                        r = sd_event_add_io(s->event, &s->tcp_listeners[s->n_tcp], fd, EPOLLIN, on_accept,
                                            s);
                        if (r < 0)
                                return log_error_errno(s->log, r, "Failed to watch socket %d: %m", fd);
                        (void)sd_event_source_set_io_fd_own(s->tcp_listeners[s->n_tcp], true);
                        s->n_tcp++;
                } else if (sd_is_socket(fd, AF_UNSPEC, SOCK_DGRAM, -1) > 0) {
                        UdpListener *l = &s->udp[s->n_udp];

                        *l = (UdpListener){.server = s, .fd = fd, .family = family};
                        if (family == AF_INET)
                                r = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
                        else
                                r = setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
                        if (r < 0)
                                return log_error_errno(
                                        s->log, errno,
                                        "Failed to ask for the destination addresses of socket "
                                        "%d: %m",
                                        fd);
                        r = sd_event_add_io(s->event, &l->source, fd, EPOLLIN, on_udp, l);
                        if (r < 0)
                                return log_error_errno(s->log, r, "Failed to watch socket %d: %m", fd);
                        (void)sd_event_source_set_io_fd_own(l->source, true);
                        s->n_udp++;
                } else
                        return log_error_errno(
                                s->log, -EINVAL,
                                "Socket %d passed by systemd is neither a listening TCP socket "
                                "nor a UDP socket.",
                                fd);
        }
        return 0;
}
