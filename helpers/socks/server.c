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
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "server.h"
#include "udp-associate.h"

#define STATUS_INTERVAL_USEC 1000000ull
#define ACCEPT_BATCH         64

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Server *s = userdata;

        (void)source;
        (void)revents;
        for (int i = 0; i < ACCEPT_BATCH; i++) {
                struct sockaddr_storage peer;
                socklen_t len = sizeof(peer);
                int r;
                int cfd = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (cfd < 0) {
                        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                                return 0;
                        /* EMFILE and friends: the listener stays; log and retry later. */
                        log_warning_errno(s->log, errno, "Failed to accept a connection: %m");
                        return 0;
                }
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

static int on_status_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        Server *s = userdata;

        if (s->status_dirty) {
                (void)sd_notifyf(false, "STATUS=%u live connections, %" PRIu64 " total, %" PRIu64 " refused",
                                 s->n_live, s->n_total, s->n_refused);
                s->status_dirty = false;
        }
        (void)sd_event_source_set_time(source, usec + STATUS_INTERVAL_USEC);
        (void)sd_event_source_set_enabled(source, SD_EVENT_ON);
        return 0;
}

int server_init(Server *s, sd_event *event, const SocksOptions *options, const HandshakeAuth *auth,
                const Logger *log)
{
        int r;

        *s = (Server){.log = log, .options = options, .event = event, .auth = *auth, .status_dirty = true};
        pipe_pool_init(&s->pipes, 256 * 1024);
        r = egress_init(&s->egress, options->egress == SOCKS_EGRESS_TAILNET, options->egress_interface);
        if (r < 0)
                return log_error_errno(log, r, "Failed to open a netlink socket for route lookups: %m");
        r = resolver_new(event, &s->resolver);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the name resolver: %m");
        r = sd_event_add_time_relative(event, &s->status_timer, CLOCK_MONOTONIC, 0, 100000, on_status_timer,
                                       s);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the status timer: %m");
        (void)sd_event_source_set_enabled(s->status_timer, SD_EVENT_ON);
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
        sd_event_source_disable_unref(s->status_timer);
        s->resolver = resolver_free(s->resolver);
        egress_done(&s->egress);
        pipe_pool_done(&s->pipes);
}

int server_add_listen_fds(Server *s)
{
        int n, r;

        n = sd_listen_fds(true);
        if (n < 0)
                return log_error_errno(s->log, n, "Failed to read the sockets passed by systemd: %m");
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
                /* Passed sockets may be blocking; accept4()/recvfrom() must not block the loop. */
                int flags = fcntl(fd, F_GETFL);
                if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                        return log_error_errno(s->log, errno, "Failed to make socket %d non-blocking: %m",
                                               fd);
                if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) > 0) {
                        r = sd_event_add_io(s->event, &s->listeners[s->n_listeners], fd, EPOLLIN, on_accept,
                                            s);
                        if (r < 0)
                                return log_error_errno(s->log, r, "Failed to watch socket %d: %m", fd);
                        /* Closed with the source: sd-event owns the fd from here on. */
                        (void)sd_event_source_set_io_fd_own(s->listeners[s->n_listeners], true);
                        s->n_listeners++;
                } else if (sd_is_socket(fd, AF_UNSPEC, SOCK_DGRAM, -1) > 0) {
                        DatagramListener *d = &s->datagram[s->n_datagram];
                        d->address_len = sizeof(d->address);
                        if (getsockname(fd, (struct sockaddr *)&d->address, &d->address_len) < 0)
                                return log_error_errno(s->log, errno,
                                                       "Failed to get the address of socket %d: %m", fd);
                        r = sd_event_add_io(s->event, &d->source, fd, EPOLLIN, udp_on_client_datagram, s);
                        if (r < 0)
                                return log_error_errno(s->log, r, "Failed to watch socket %d: %m", fd);
                        (void)sd_event_source_set_io_fd_own(d->source, true);
                        d->fd = fd;
                        s->n_datagram++;
                } else
                        return log_error_errno(
                                s->log, -EINVAL,
                                "Socket %d passed by systemd is neither a listening TCP socket "
                                "nor a UDP socket.",
                                fd);
        }
        if (s->n_listeners == 0)
                return log_error_errno(s->log, -EINVAL, "No listening TCP socket among the %d passed.", n);
        return 0;
}
