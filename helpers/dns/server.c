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
 *
 * Clients outside --allow-from are cut before their query is parsed: a UDP query is
 * dropped unanswered (no reply to reflect at a forged source), a TCP client is closed
 * right after accept(). Which TCP clients stay when a new one comes is tcp-admit.h's.
 *
 * accept() failing for lack of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM)
 * would fail again at once on the same pending connection: the TCP listeners are
 * switched off for a while (ACCEPT_BACKOFF_MIN_USEC, doubling to ACCEPT_BACKOFF_MAX_USEC
 * while it goes on) instead of spinning, and the error is logged once per
 * ACCEPT_LOG_INTERVAL_USEC with the count of those left out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "dns-synth.h"
#include "listen-fds.h"
#include "server.h"

#define UDP_BATCH                64
#define ACCEPT_BATCH             32
#define ACCEPT_BACKOFF_MIN_USEC  (100 * 1000ull)
#define ACCEPT_BACKOFF_MAX_USEC  (1000 * 1000ull)
#define ACCEPT_LOG_INTERVAL_USEC (10 * 1000000ull)

uint64_t server_now(const Server *s)
{
        uint64_t t = 0;

        (void)sd_event_now(s->event, CLOCK_MONOTONIC, &t);
        return t;
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
        } else if (pktinfo_send(client->udp->fd, s->out, (size_t)k, &client->peer, client->peer_len,
                                &client->local) < 0)
                /* A full socket buffer drops the answer, as it would drop the query: the
                 * client asks again. */
                s->n_dropped++;
}

static bool qtype_is_transfer(uint16_t t)
{
        return t == DNS_TYPE_AXFR || t == DNS_TYPE_IXFR || t == DNS_TYPE_MAILA || t == DNS_TYPE_MAILB;
}

/* s->tailnet_domain as the suffix is now; a new one empties the cache (its answers
 * were asked of the tailnet before). */
static void server_follow_tailnet(Server *s)
{
        const char *text;
        bool changed;

        text = tailnet_suffix_get(&s->suffix, &changed);
        if (!changed)
                return;
        s->tailnet_domain = (DnsName){};
        if (text[0] && dns_domain_parse(text, &s->tailnet_domain) < 0)
                s->tailnet_domain = (DnsName){};
        log_info(s->log, "The tailnet's MagicDNS suffix is now %s (from %s).", text[0] ? text : "unknown",
                 s->suffix.path);
        s->warned_no_tailnet = false;
        if (s->cache) {
                dns_cache_free(s->cache);
                s->cache = dns_cache_new(s->options->cache_size,
                                         (size_t)s->options->cache_size * DNS_CACHE_BYTES_PER_ENTRY);
                if (!s->cache)
                        log_warning(s->log, "Failed to allocate a new cache, answering without one.");
        }
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
        /* Zone transfers of any name, the domain's apex included: nothing here is a zone
         * to hand out (and the tailnet's MagicDNS is not asked for one). */
        if (qtype_is_transfer(q.qtype)) {
                s->n_refused++;
                server_reply(s, client, &q, DNS_RCODE_NOTIMP, NULL, 0);
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

        server_follow_tailnet(s);
        if (s->tailnet_domain.len == 0) {
                if (!s->warned_no_tailnet) {
                        log_notice(s->log,
                                   "Refusing names under %s that are not addresses: no tailnet domain is "
                                   "set ([DNS] TailnetDomain=) or learned%s%s.",
                                   o->domain_text, o->names.tailnet_domain_file ? " from " : "",
                                   strempty(o->names.tailnet_domain_file));
                        s->warned_no_tailnet = true;
                }
                s->n_refused++;
                server_reply(s, client, &q, DNS_RCODE_REFUSED, NULL, 0);
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
        if (dns_synth_forward_name(&q.qname, &o->domain, &s->tailnet_domain, &fwd) < 0) {
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
                        uint8_t buf[PKTINFO_CONTROL_SIZE];
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
                if (!allow_from_contains(&s->options->allow_from, (struct sockaddr *)&c.peer)) {
                        s->n_dropped++; /* --allow-from: no answer at all */
                        continue;
                }
                pktinfo_take(&mh, &c.local);
                /* Larger than any query we answer over UDP: drop (MSG_TRUNC cut it). */
                if (mh.msg_flags & MSG_TRUNC) {
                        s->n_dropped++;
                        continue;
                }
                server_handle_query(s, msg, (size_t)n, &c);
        }
        return 0;
}

static int on_accept_resume(sd_event_source *source, uint64_t usec, void *userdata)
{
        Server *s = userdata;

        for (size_t i = 0; i < s->n_tcp; i++)
                (void)sd_event_source_set_enabled(s->tcp_listeners[i], SD_EVENT_ON);
        return 0;
}

/* accept() failed with error: back off if retrying now would fail the same way. */
static void accept_failed(Server *s, int error)
{
        uint64_t suppressed;
        int r;

        if (ratelimit_below(&s->accept_log, server_now(s), &suppressed)) {
                if (suppressed > 0)
                        log_warning_errno(s->log, error,
                                          "Failed to accept a TCP client: %m (and %" PRIu64
                                          " more times since the last message)",
                                          suppressed);
                else
                        log_warning_errno(s->log, error, "Failed to accept a TCP client: %m");
        }
        if (error != -EMFILE && error != -ENFILE && error != -ENOBUFS && error != -ENOMEM)
                return;
        s->accept_backoff_usec = s->accept_backoff_usec == 0 ? ACCEPT_BACKOFF_MIN_USEC
                                 : s->accept_backoff_usec * 2 > ACCEPT_BACKOFF_MAX_USEC
                                         ? ACCEPT_BACKOFF_MAX_USEC
                                         : s->accept_backoff_usec * 2;
        s->n_accept_backoffs++;
        for (size_t i = 0; i < s->n_tcp; i++)
                (void)sd_event_source_set_enabled(s->tcp_listeners[i], SD_EVENT_OFF);
        if (!s->accept_resume)
                r = sd_event_add_time_relative(s->event, &s->accept_resume, CLOCK_MONOTONIC,
                                               s->accept_backoff_usec, 10000, on_accept_resume, s);
        else {
                r = sd_event_source_set_time_relative(s->accept_resume, s->accept_backoff_usec);
                if (r >= 0)
                        r = sd_event_source_set_enabled(s->accept_resume, SD_EVENT_ONESHOT);
        }
        if (r < 0) /* no timer: do not stay deaf */
                on_accept_resume(NULL, 0, s);
}

/* A TCP client, admitted or not: see tcp-admit.h. */
static void tcp_client_take(Server *s, int cfd, const struct sockaddr_storage *peer)
{
        const DnsOptions *o = s->options;
        TcpAdmitEntry *victim;
        int r;

        if (!allow_from_contains(&o->allow_from, (const struct sockaddr *)peer)) {
                s->n_dropped++;
                safe_close(cfd);
                return;
        }
        switch (tcp_admit(s->tcp_clients, s->n_tcp_clients, (const struct sockaddr *)peer,
                          o->max_tcp_clients, o->max_tcp_per_source, &victim)) {
        case TCP_ADMIT: break;
        case TCP_ADMIT_EVICT:
                s->n_tcp_evicted++;
                tcp_client_free_entry(victim);
                break;
        case TCP_ADMIT_REFUSE:
                s->n_dropped++;
                safe_close(cfd);
                return;
        }
        r = tcp_client_new(s, cfd, peer);
        if (r < 0) {
                accept_failed(s, r);
                safe_close(cfd);
        }
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Server *s = userdata;

        for (int i = 0; i < ACCEPT_BATCH; i++) {
                struct sockaddr_storage peer;
                socklen_t len = sizeof(peer);
                int cfd = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (cfd < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                accept_failed(s, -errno);
                        return 0;
                }
                s->accept_backoff_usec = 0;
                tcp_client_take(s, cfd, &peer);
        }
        return 0;
}

static void send_status(void *userdata)
{
        Server *s = userdata;

        (void)sd_notifyf(false,
                         "STATUS=%" PRIu64 " queries: %" PRIu64 " synthesized, %" PRIu64
                         " cache hits, %" PRIu64 " forwarded, %" PRIu64 " refused, %" PRIu64
                         " failed; %zu cached",
                         s->n_queries, s->n_synthesized, s->n_cache_hits, s->n_forwarded, s->n_refused,
                         s->n_failed, s->cache ? dns_cache_entries(s->cache) : 0);
}

int server_init(Server *s, sd_event *event, const DnsOptions *options, const Logger *log)
{
        int r;

        memset(s, 0, offsetof(Server, out));
        s->log = log;
        s->options = options;
        s->event = event;
        s->accept_log = RATELIMIT_INIT(ACCEPT_LOG_INTERVAL_USEC);
        tailnet_suffix_init(&s->suffix, options->names.tailnet_domain, options->names.tailnet_domain_file);
        s->tailnet_domain = options->tailnet_domain;
        (void)tailnet_suffix_get(&s->suffix, NULL);
        if (s->suffix.learned[0])
                (void)dns_domain_parse(s->suffix.learned, &s->tailnet_domain);
        if (options->cache_size > 0) {
                s->cache = dns_cache_new(options->cache_size,
                                         (size_t)options->cache_size * DNS_CACHE_BYTES_PER_ENTRY);
                if (!s->cache)
                        return log_error_errno(log, -ENOMEM, "Failed to allocate the cache: %m");
        }
        r = status_line_init(&s->status, event, send_status, s);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the status timer: %m");
        return 0;
}

void server_done(Server *s)
{
        while (s->upstreams)
                upstream_free(s->upstreams);
        tcp_clients_free(s);
        s->accept_resume = sd_event_source_disable_unref(s->accept_resume);
        for (size_t i = 0; i < s->n_tcp; i++)
                sd_event_source_disable_unref(s->tcp_listeners[i]);
        free(s->tcp_listeners);
        for (size_t i = 0; i < s->n_udp; i++)
                sd_event_source_disable_unref(s->udp[i].source);
        free(s->udp);
        status_line_done(&s->status);
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

        n = listen_fds_take(s->log, "ts-dns@.socket", "systemd-socket-activate -d -l ADDRESS:PORT");
        if (n < 0)
                return n;
        s->tcp_listeners = calloc((size_t)n, sizeof(*s->tcp_listeners));
        s->udp = calloc((size_t)n, sizeof(*s->udp));
        if (!s->tcp_listeners || !s->udp)
                return log_error_errno(s->log, -ENOMEM, "Failed to allocate memory: %m");

        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
                int family = socket_family(fd), type;

                if (family != AF_INET && family != AF_INET6)
                        return log_error_errno(s->log, -EAFNOSUPPORT,
                                               "Socket %d passed by systemd is not an IPv4 or IPv6 socket.",
                                               fd);
                type = listen_fd_type(s->log, fd);
                if (type < 0)
                        return type;
                if (type == SOCK_STREAM) {
                        r = listen_fd_watch(s->event, &s->tcp_listeners[s->n_tcp], fd, on_accept, s);
                        if (r < 0)
                                return log_error_errno(s->log, r, "Failed to watch socket %d: %m", fd);
                        s->n_tcp++;
                } else {
                        UdpListener *l = &s->udp[s->n_udp];

                        *l = (UdpListener){.server = s, .fd = fd};
                        r = pktinfo_enable(fd, family);
                        if (r < 0)
                                return log_error_errno(
                                        s->log, r,
                                        "Failed to ask for the destination addresses of socket "
                                        "%d: %m",
                                        fd);
                        r = listen_fd_watch(s->event, &l->source, fd, on_udp, l);
                        if (r < 0)
                                return log_error_errno(s->log, r, "Failed to watch socket %d: %m", fd);
                        s->n_udp++;
                }
        }
        return 0;
}
