/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.h: the state of one tsproxy-dns process.
 *
 * The Server owns the UDP and TCP sockets it got from systemd (made in the host
 * namespace), the cache, the TCP clients and the queries in flight to the tailnet's
 * resolver (made in this, the instance's, namespace). A query is answered at once when
 * it can be (synthesized, refused, from the cache), else an Upstream carries it: a
 * connected UDP socket of its own (so a random source port as well as a random ID),
 * then TCP if the answer came truncated, and a timer that answers SERVFAIL.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "dns-answer.h"
#include "dns-cache.h"
#include "dns-query.h"
#include "log.h"
#include "options.h"
#include "pktinfo.h"
#include "ratelimit.h"
#include "status-line.h"
#include "tailnet-suffix.h"
#include "tcp-admit.h"

typedef struct Server Server;
typedef struct TcpClient TcpClient;
typedef struct Upstream Upstream;

typedef struct UdpListener {
        Server *server;
        int fd;
        sd_event_source *source;
} UdpListener;

/* Where an answer goes: a TCP client, or a UDP peer of a listener (answered from the
 * address it wrote to, which matters on a wildcard listener). */
typedef struct DnsClient {
        TcpClient *tcp;
        UdpListener *udp;
        struct sockaddr_storage peer;
        socklen_t peer_len;
        PktInfo local;
} DnsClient;

struct Server {
        const Logger *log;
        const DnsOptions *options;
        sd_event *event;
        DnsCache *cache;

        UdpListener *udp;
        size_t n_udp;
        sd_event_source **tcp_listeners;
        size_t n_tcp;

        TcpAdmitEntry *tcp_clients; /* in TcpClient (tcp.c), newest first */
        unsigned n_tcp_clients;
        Upstream *upstreams;
        unsigned n_upstreams;

        uint64_t n_queries, n_synthesized, n_cache_hits, n_forwarded, n_refused, n_failed, n_dropped;
        uint64_t n_tcp_evicted, n_accept_backoffs;

        /* accept() out of descriptors or memory: listeners off for accept_backoff_usec. */
        sd_event_source *accept_resume;
        uint64_t accept_backoff_usec; /* 0: the last accept() worked */
        RateLimit accept_log;
        StatusLine status;
        bool warned_no_tailnet;
        /* The MagicDNS suffix names under the domain are forwarded to: given, or learned
         * from its file (tailnet-suffix.h) and followed at each forwarded query; a change
         * empties the cache. len 0: unknown, such names are refused. */
        TailnetSuffix suffix;
        DnsName tailnet_domain;

        uint8_t out[DNS_TCP_MAX];    /* responses are written here, then sent or queued */
        uint8_t in[DNS_UDP_MAX + 1]; /* UDP queries are read here */
};

int server_init(Server *s, sd_event *event, const DnsOptions *options, const Logger *log);
void server_done(Server *s);
/* Take the sockets passed by systemd. 0 or -errno (logged). */
int server_add_listen_fds(Server *s);

/* A query from client: answer it now or start forwarding it. */
void server_handle_query(Server *s, const uint8_t *msg, size_t len, const DnsClient *client);
/* Write the response to q and send it to client (over TCP: queue it). */
void server_reply(Server *s, const DnsClient *client, const DnsQuery *q, unsigned rcode, const DnsAnswer *a,
                  uint32_t age);
uint64_t server_now(const Server *s);

static inline void server_status_changed(Server *s)
{
        status_line_changed(&s->status);
}

/* tcp.c */
int tcp_client_new(Server *s, int fd, const struct sockaddr_storage *peer);
void tcp_client_free(TcpClient *c);
void tcp_client_free_entry(TcpAdmitEntry *e);
void tcp_clients_free(Server *s);
/* Queue a response (the 2 length bytes are added); 0 or -ENOMEM. */
int tcp_client_queue(TcpClient *c, const uint8_t *msg, size_t len);
/* A query of c went upstream / came back (then reading continues if it was held back). */
void tcp_client_pending_inc(TcpClient *c);
void tcp_client_upstream_done(TcpClient *c);

/* upstream.c */
/* Forward q (asked as fwd_name) for client; answers SERVFAIL itself on failure. */
void upstream_start(Server *s, const DnsQuery *q, const DnsName *fwd_name, const DnsClient *client);
void upstream_free(Upstream *u);
/* The TCP client is gone: its queries still fill the cache but answer no one. */
void upstream_orphan_client(Server *s, TcpClient *c);
