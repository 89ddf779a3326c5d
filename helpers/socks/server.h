/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.h: the state of tsproxy-socks: what its workers share, and each worker's own.
 *
 * The process owns the listening sockets it got from systemd (made in the host
 * namespace). Each worker (workers.h; worker 0 is the main loop) has its own event loop
 * and Server, watches every TCP listener and keeps the clients it accepted. Each
 * Connection lives through HANDSHAKE (handshake.h parses what the client sends) ->
 * RESOLVING (names, resolver.h) -> CONNECTING (target.h: a socket made in this, the
 * instance's, namespace; egress.h) -> RELAY (splice-pump.h, splice) or UDP (a UDP ASSOCIATE
 * control connection, udp-associate.h), and is freed when either side is done.
 *
 * UDP ASSOCIATE lives in worker 0 only: it alone watches the UDP sockets, where the
 * datagrams of every association arrive. Another worker hands a client that asks for
 * one over to worker 0 (ServerShared.handover) before answering it.
 *
 * Passwords (auth.c) are checked off the loops: a connection whose credentials are not
 * in the password cache waits in AUTHENTICATING while one of ServerShared.verifiers'
 * threads hashes them; the verdict comes back through its worker's Server.verified.
 * Failed attempts count per client address (ServerShared.throttle).
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "auth-throttle.h"
#include "egress.h"
#include "handshake.h"
#include "http-pool.h"
#include "io-set.h"
#include "log.h"
#include "options.h"
#include "password-file.h"
#include "pipe-pool.h"
#include "splice-pump.h"
#include "resolver.h"
#include "status-line.h"
#include "target.h"
#include "work-pool.h"

typedef struct Server Server;
typedef struct Connection Connection;
typedef struct UdpAssociation UdpAssociation;
typedef struct AuthJob AuthJob;
typedef struct HttpProxy HttpProxy;

typedef struct DatagramListener {
        int fd; /* ServerShared's */
        struct sockaddr_storage address;
        socklen_t address_len;
        sd_event_source *source;
} DatagramListener;

/* What every worker reads, and the little they write under atomics or the lock. */
typedef struct ServerShared {
        const Logger *log;
        const SocksOptions *options;
        PasswordFile *passwords; /* NULL: no authentication */
        AuthThrottle *throttle;  /* with passwords */
        WorkPool verifiers;      /* with passwords: the threads that hash (auth.c) */

        int n_passed;    /* sockets from systemd (listen_fds_take()): closed at the end */
        int *stream_fds; /* the TCP listeners among them, watched by every worker */
        size_t n_stream;
        int *datagram_fds; /* the UDP sockets, watched by worker 0 */
        size_t n_datagram;

        int bulk_sndbuf; /* splice_pump_bulk_sndbuf(), read once */

        atomic_uint n_live; /* taken before a Connection is made, given back when freed */
        atomic_uint_least64_t n_total, n_refused;
        StatusLine status; /* on the main loop */

        /* Stopping (drain.h): set by the main loop, which then makes drain_fd readable
         * for good; each worker counts itself in n_drained once it no longer accepts. */
        atomic_bool draining;
        atomic_uint n_drained;
        int drain_fd;

        /* Clients handed to worker 0 (UDP ASSOCIATE), and the eventfd that tells it. */
        pthread_mutex_t handover_lock;
        Connection *handover; /* singly linked through Connection.next */
        int handover_fd;
} ServerShared;

struct Server {
        ServerShared *shared;
        unsigned index; /* the worker's */
        const Logger *log;
        const SocksOptions *options;
        sd_event *event;
        Egress egress;
        Resolver *resolver;
        PipePool pipes;
        IoSet io;           /* the connections' sockets */
        HttpPool http_pool; /* idle upstream connections of the HTTP forward proxy */

        sd_event_source **listeners; /* one per ServerShared.stream_fds */
        DatagramListener *datagram;  /* worker 0 only: one per ServerShared.datagram_fds */
        size_t n_datagram;
        sd_event_source *handover_source; /* worker 0 only */
        sd_event_source *drain_source;    /* workers 1..n-1: ServerShared.drain_fd */
        bool drained;                     /* server_drain() ran */
        WorkReturn verified;              /* password checks done for this worker's clients */

        Connection *connections; /* doubly linked */
        UdpAssociation *associations;
};

typedef enum ConnectionState {
        CONNECTION_HANDSHAKE,
        CONNECTION_AUTHENTICATING, /* a verifier thread checks the password (auth.c) */
        CONNECTION_RESOLVING,
        CONNECTION_CONNECTING,
        CONNECTION_REPLYING, /* the final reply is being written */
        CONNECTION_RELAY,
        CONNECTION_UDP,
        CONNECTION_HTTP, /* forward proxy: a request and its response (http-proxy.c) */
} ConnectionState;

struct Connection {
        Server *server;
        Connection *prev, *next;
        ConnectionState state;

        int client_fd;
        IoWatch client_watch;
        uint32_t client_revents; /* since the handshake's last read, ORed: for splice_pump_init() */
        struct sockaddr_storage peer;
        socklen_t peer_len;

        Target target;
        sd_event_source *timer; /* handshake/connect timeout, then idle timeout */
        uint64_t last_activity;

        /* Only while handshaking (freed after, so idle relays stay small). */
        Handshake *handshake;
        uint8_t *input;
        size_t n_input;
        size_t out_offset; /* of handshake->out already written */

        SplicePump pump;
        UdpAssociation *udp;
        AuthJob *auth;   /* while AUTHENTICATING */
        HttpProxy *http; /* a forward-proxy client (http-proxy.c): HANDSHAKE reads its request heads */
};

/* Take the sockets passed by systemd (sd_listen_fds) and set up what is shared; the
 * STATUS= line goes on event, the main loop. 0 or -errno (logged). */
int server_shared_init(ServerShared *sh, sd_event *event, const SocksOptions *options,
                       PasswordFile *passwords, const Logger *log);
/* Before the workers end: stop the verifier threads (their pending checks go back to
 * the workers as not done, i.e. refused). */
void server_shared_stop_work(ServerShared *sh);
/* After every worker is done: close the sockets, free clients still being handed over. */
void server_shared_done(ServerShared *sh);

/* Worker index's Server on its loop, watching the listeners. 0 or -errno (logged). */
int server_init(Server *s, ServerShared *sh, unsigned index, sd_event *event);
void server_done(Server *s);

/* connection.c */
/* A new client on fd. -EBUSY when MaxConnections= clients (of all workers) are
 * connected; on any error the caller closes fd. */
int connection_new(Server *s, int fd, const struct sockaddr *peer, socklen_t peer_len);
void connection_free(Connection *c);
/* Worker 0 takes over a client another worker handed over (UDP ASSOCIATE). */
void connection_adopt(Server *s, Connection *c);
/* Free a client that was handed over but never adopted (at exit). */
void connection_discard(Connection *c);
/* The verdict of a password check that was pending (auth.c): go on with the handshake. */
void connection_auth_done(Connection *c, bool granted);

/* connection.c, for http-proxy.c */
/* Resolve and connect to c->handshake->target (Egress=, the connect timeout); then
 * http_proxy_connected() or http_proxy_fail(). */
void connection_request(Connection *c);
/* Arm the connection's timer usec from now (0: disarm). */
void connection_set_timer(Connection *c, uint64_t usec_from_now);
uint64_t connection_now_usec(const Connection *c);
/* A CONNECT after forwarded requests: the handshake engine parses c->input afresh. */
void connection_handshake_restart(Connection *c);
/* A kept upstream connection fd (http-pool.h) is c's target now: watched as a new one
 * is, then http_proxy_connected(). */
void connection_reuse_target(Connection *c, int fd);

/* http-proxy.c: the HTTP forward proxy and the PAC file (see there). */
/* c->input starts with an HTTP request that is not CONNECT (http_request_sniff()). */
void http_proxy_start(Connection *c);
void http_proxy_free(HttpProxy *h);
void http_proxy_auth_done(Connection *c, bool granted);
void http_proxy_connected(Connection *c);
/* Connecting failed (negative errno): the error reply, then close. */
void http_proxy_fail(Connection *c, int error);
void http_proxy_client_event(Connection *c, uint32_t revents);
void http_proxy_target_event(Connection *c, uint32_t revents);
/* Writing a reply of our own (an error, the PAC file): no idle timeout, a deadline. */
bool http_proxy_local(const Connection *c);

/* auth.c */
/* The HandshakeAuthFn of a connection (userdata: the Connection): refuse a throttled
 * address, grant a cached password, else queue the check for a verifier thread. */
HandshakeAuthResult auth_check(void *userdata, const char *user, const char *password);
/* The connection goes away: its pending check still counts, its verdict is dropped. */
void auth_cancel(Connection *c);
/* How many verifier threads: one fewer than the CPUs, at least 1, at most 4. */
unsigned auth_verifier_threads(void);

/* http-proxy.c, for drain.c: an HTTP keep-alive client idle between requests. */
bool http_proxy_idle(const Connection *c);

/* The daemon is stopping (drain.h): accept nothing, keep no idle client. */
static inline bool server_draining(const Server *s)
{
        return atomic_load_explicit(&s->shared->draining, memory_order_relaxed);
}

/* Mark the STATUS= line out of date. */
static inline void server_status_changed(Server *s)
{
        status_line_changed(&s->shared->status);
}
