/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * forwarder.h: the state of one tsproxy-relay process.
 *
 * The Forwarder owns the listening sockets systemd passed (made in the host namespace),
 * each matched to its --forward by address and type; the TCP connections (tcp.c:
 * RESOLVING -> CONNECTING (target.h) -> RELAY, splice(2) through splice-pump.h); and the UDP
 * sessions (udp.c: one socket connected to the target per client address, in a
 * bounded table with an idle timeout).
 *
 * As in tsproxy-socks (workers.h), each worker has its own sd-event loop and Forwarder
 * (worker 0 is the main loop), watches every TCP listener and keeps the connections it
 * accepted. The UDP sessions live in worker 0, which alone watches the UDP sockets. What
 * the workers share is a ForwarderShared: the options, the passed sockets matched to
 * their forwards, the TCP counters (atomic) and the STATUS= line.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "egress.h"
#include "io-set.h"
#include "log.h"
#include "options.h"
#include "pipe-pool.h"
#include "splice-pump.h"
#include "resolver.h"
#include "status-line.h"

typedef struct Forwarder Forwarder;
typedef struct TcpConnection TcpConnection;
typedef struct UdpSession UdpSession;

typedef struct Listener {
        Forwarder *forwarder;
        const ForwardSpec *spec;
        unsigned index;
        int fd; /* ForwarderShared's */
        sd_event_source *source;
        bool pktinfo; /* UDP on a wildcard address: replies leave from the address asked */
} Listener;

typedef struct ForwarderShared {
        const Logger *log;
        const RelayOptions *options;
        int n_passed;    /* sockets from systemd (listen_fds_take()): closed at the end */
        int *fds;        /* the passed socket of each --forward, by index */
        bool *pktinfo;   /* per forward: see Listener.pktinfo */
        int bulk_sndbuf; /* splice_pump_bulk_sndbuf(), read once */

        atomic_uint n_tcp; /* live TCP connections of all workers (--max-connections) */
        atomic_uint_least64_t n_tcp_total, n_tcp_refused, n_tcp_failed;
        const Forwarder *udp_owner; /* worker 0: its UDP counters, for STATUS= */
        StatusLine status;          /* on the main loop */
} ForwarderShared;

struct Forwarder {
        ForwarderShared *shared;
        unsigned index; /* the worker's */
        const Logger *log;
        const RelayOptions *options;
        sd_event *event;
        Resolver *resolver; /* only when a target is a name */
        Egress egress;      /* --egress: where targets may be */
        PipePool pipes;
        IoSet io; /* the TCP connections' sockets */

        Listener *listeners; /* one per forward; UDP ones watched by worker 0 only */
        size_t n_listeners;

        TcpConnection *connections; /* doubly linked */

        /* Worker 0: UDP sessions: a hash table by (listener, client), and a list from least to most
         * recently used, which is also the order in which they go idle. */
        UdpSession **udp_buckets;
        size_t n_udp_buckets;
        UdpSession *udp_oldest, *udp_newest;
        unsigned n_udp;
        uint64_t n_udp_total, n_udp_evicted;
        sd_event_source *udp_timer;
        uint8_t *datagram; /* one 64 KiB buffer */
};

/* Take the sockets passed by systemd and match them to the forwards; the STATUS= line
 * goes on event, the main loop. 0, or -errno (logged; -EINVAL: they do not match the
 * --forward arguments). */
int forwarder_shared_init(ForwarderShared *sh, sd_event *event, const RelayOptions *options,
                          const Logger *log);
/* After every worker is done: close the sockets. */
void forwarder_shared_done(ForwarderShared *sh);

/* Worker index's Forwarder on its loop, watching the listeners. 0 or -errno (logged). */
int forwarder_init(Forwarder *f, ForwarderShared *sh, unsigned index, sd_event *event);
void forwarder_done(Forwarder *f);

static inline void forwarder_status_changed(Forwarder *f)
{
        status_line_changed(&f->shared->status);
}

/* tcp.c */
int tcp_on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata);
void tcp_connection_free(TcpConnection *c);

/* udp.c */
int udp_init(Forwarder *f);
void udp_done(Forwarder *f);
int udp_on_datagram(sd_event_source *source, int fd, uint32_t revents, void *userdata);
