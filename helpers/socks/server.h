/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.h: the state of one tsproxy-socks process.
 *
 * The Server owns the listening sockets it got from systemd (made in the host
 * namespace), the event loop, and every client Connection. Each Connection lives
 * through HANDSHAKE (handshake.h parses what the client sends) -> RESOLVING (names,
 * resolver.h) -> CONNECTING (target.h: a socket made in this, the instance's, namespace;
 * egress.h) -> RELAY (relay.h, splice) or UDP (a UDP ASSOCIATE control connection,
 * udp-associate.h), and is freed when either side is done.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "egress.h"
#include "handshake.h"
#include "io-set.h"
#include "log.h"
#include "options.h"
#include "pipe-pool.h"
#include "relay.h"
#include "resolver.h"
#include "status-line.h"
#include "target.h"

typedef struct Server Server;
typedef struct Connection Connection;
typedef struct UdpAssociation UdpAssociation;

typedef struct DatagramListener {
        int fd;
        struct sockaddr_storage address;
        socklen_t address_len;
        sd_event_source *source;
} DatagramListener;

struct Server {
        const Logger *log;
        const SocksOptions *options;
        sd_event *event;
        HandshakeAuth auth;
        Egress egress;
        Resolver *resolver;
        PipePool pipes;
        IoSet io; /* the connections' sockets */

        sd_event_source **listeners; /* SOCK_STREAM fds from systemd */
        size_t n_listeners;
        DatagramListener *datagram; /* SOCK_DGRAM fds from systemd (UDP ASSOCIATE) */
        size_t n_datagram;

        Connection *connections; /* doubly linked */
        unsigned n_live;
        uint64_t n_total, n_refused;
        UdpAssociation *associations;

        StatusLine status;
};

typedef enum ConnectionState {
        CONNECTION_HANDSHAKE,
        CONNECTION_RESOLVING,
        CONNECTION_CONNECTING,
        CONNECTION_REPLYING, /* the final reply is being written */
        CONNECTION_RELAY,
        CONNECTION_UDP,
} ConnectionState;

struct Connection {
        Server *server;
        Connection *prev, *next;
        ConnectionState state;

        int client_fd;
        IoWatch client_watch;
        uint32_t client_revents; /* since the handshake's last read, ORed: for relay_init() */
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

        Relay relay;
        UdpAssociation *udp;
};

int server_init(Server *s, sd_event *event, const SocksOptions *options, const HandshakeAuth *auth,
                const Logger *log);
void server_done(Server *s);

/* Take the sockets passed by systemd (sd_listen_fds). 0 or -errno (logged). */
int server_add_listen_fds(Server *s);

/* connection.c */
int connection_new(Server *s, int fd, const struct sockaddr *peer, socklen_t peer_len);
void connection_free(Connection *c);

/* Mark the STATUS= line out of date. */
static inline void server_status_changed(Server *s)
{
        status_line_changed(&s->status);
}
