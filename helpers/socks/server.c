/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.c: listeners, accepting, and the STATUS= line of tsproxy-socks.
 *
 * Clients outside AllowFrom= and clients beyond MaxConnections= are accepted and closed
 * at once: the kernel has completed their handshake already, and closing tells them
 * right away instead of leaving them in the backlog. Clients already connected are not
 * affected.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "listen-fds.h"
#include "server.h"
#include "udp-associate.h"

#define ACCEPT_BATCH 64

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Server *s = userdata;

        (void)source;
        (void)revents;
        for (int i = 0; i < ACCEPT_BATCH; i++) {
                struct sockaddr_storage peer;
                socklen_t len;
                int r, cfd = listen_fd_accept(s->log, fd, &peer, &len);

                if (cfd < 0)
                        return 0;
                if (!ipnet_list_contains_sockaddr(s->options->allow_from, s->options->n_allow_from,
                                                  (struct sockaddr *)&peer)) {
                        char a[ENDPOINT_STRLEN];
                        endpoint_format((struct sockaddr *)&peer, a);
                        log_debug(s->log, "Refusing %s: not in AllowFrom=.", a);
                        s->n_refused++;
                        safe_close(cfd);
                        continue;
                }
                if (s->n_live >= s->options->max_connections) {
                        s->n_refused++;
                        server_status_changed(s);
                        safe_close(cfd);
                        continue;
                }
                /* TCP_NODELAY comes from the listener (socks@.socket NoDelay=yes): accepted
                 * sockets inherit it. */
                r = connection_new(s, cfd, (struct sockaddr *)&peer, len);
                if (r < 0) {
                        log_warning_errno(s->log, r, "Failed to set up a connection: %m");
                        safe_close(cfd);
                }
        }
        return 0;
}

static void send_status(void *userdata)
{
        Server *s = userdata;

        (void)sd_notifyf(false, "STATUS=%u live connections, %" PRIu64 " total, %" PRIu64 " refused",
                         s->n_live, s->n_total, s->n_refused);
}

int server_init(Server *s, sd_event *event, const SocksOptions *options, const HandshakeAuth *auth,
                const Logger *log)
{
        int r;

        *s = (Server){.log = log, .options = options, .event = event, .auth = *auth, .io.epoll_fd = -EBADF};
        pipe_pool_init(&s->pipes, 256 * 1024);
        r = egress_init(&s->egress, options->egress == SOCKS_EGRESS_TAILNET, options->egress_interface);
        if (r < 0)
                return log_error_errno(log, r, "Failed to open a netlink socket for route lookups: %m");
        r = io_set_init(&s->io, event);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the connections' epoll set: %m");
        r = resolver_new(event, &s->resolver);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the name resolver: %m");
        r = status_line_init(&s->status, event, send_status, s);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the status timer: %m");
        return 0;
}

void server_done(Server *s)
{
        while (s->connections)
                connection_free(s->connections);
        while (s->associations)
                udp_association_free(s->associations);
        for (size_t i = 0; i < s->n_listeners; i++)
                sd_event_source_disable_unref(s->listeners[i]);
        free(s->listeners);
        for (size_t i = 0; i < s->n_datagram; i++)
                sd_event_source_disable_unref(s->datagram[i].source);
        free(s->datagram);
        status_line_done(&s->status);
        s->resolver = resolver_free(s->resolver);
        egress_done(&s->egress);
        io_set_done(&s->io);
        pipe_pool_done(&s->pipes);
}

int server_add_listen_fds(Server *s)
{
        int n, r;

        n = listen_fds_take(s->log);
        if (n < 0)
                return n;
        if (n == 0)
                return log_error_errno(
                        s->log, -EBADF,
                        "No listening sockets passed: this daemon is started by socks@.socket "
                        "(socket activation; by hand: systemd-socket-activate -l ADDRESS:PORT).");

        s->listeners = calloc((size_t)n, sizeof(*s->listeners));
        s->datagram = calloc((size_t)n, sizeof(*s->datagram));
        if (!s->listeners || !s->datagram)
                return log_error_errno(s->log, -ENOMEM, "Failed to allocate memory: %m");

        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
                int type = listen_fd_type(s->log, fd);

                if (type < 0)
                        return type;
                if (type == SOCK_STREAM) {
                        r = listen_fd_watch(s->event, &s->listeners[s->n_listeners], fd, on_accept, s);
                        if (r < 0)
                                return log_error_errno(s->log, r, "Failed to watch socket %d: %m", fd);
                        s->n_listeners++;
                } else {
                        DatagramListener *d = &s->datagram[s->n_datagram];
                        d->address_len = sizeof(d->address);
                        if (getsockname(fd, (struct sockaddr *)&d->address, &d->address_len) < 0)
                                return log_error_errno(s->log, errno,
                                                       "Failed to get the address of socket %d: %m", fd);
                        r = listen_fd_watch(s->event, &d->source, fd, udp_on_client_datagram, s);
                        if (r < 0)
                                return log_error_errno(s->log, r, "Failed to watch socket %d: %m", fd);
                        d->fd = fd;
                        s->n_datagram++;
                }
        }
        if (s->n_listeners == 0)
                return log_error_errno(s->log, -EINVAL, "No listening TCP socket among the %d passed.", n);
        return 0;
}
