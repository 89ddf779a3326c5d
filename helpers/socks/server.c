/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * server.c: listeners, accepting, the hand-over of clients to worker 0, and the STATUS=
 * line of tsproxy-socks.
 *
 * Clients outside AllowFrom= and clients beyond MaxConnections= are accepted and closed
 * at once: the kernel has completed their handshake already, and closing tells them
 * right away instead of leaving them in the backlog. Clients already connected are not
 * affected. MaxConnections= counts the clients of all workers (ServerShared.n_live).
 * While the daemon stops (drain.h) a listener that fires is turned off without
 * accepting: the client stays in the backlog, for the next daemon.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "drain.h"
#include "listen-fds.h"
#include "server.h"
#include "udp-associate.h"

#define ACCEPT_BATCH 64
/* Password checks waiting for a verifier thread, per thread (yescrypt: ~30 ms each);
 * beyond that an attempt is refused at once rather than queued without bound. */
#define AUTH_QUEUE_PER_THREAD 32

static void server_refuse(Server *s, int fd)
{
        atomic_fetch_add_explicit(&s->shared->n_refused, 1, memory_order_relaxed);
        server_status_changed(s);
        safe_close(fd);
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Server *s = userdata;

        (void)revents;
        for (int i = 0; i < ACCEPT_BATCH; i++) {
                struct sockaddr_storage peer;
                socklen_t len;
                int r, cfd;

                if (server_draining(s)) {
                        /* drain.h: before this worker's own server_drain() ran. */
                        (void)sd_event_source_set_enabled(source, SD_EVENT_OFF);
                        return 0;
                }
                cfd = listen_fd_accept(s->log, fd, &peer, &len);

                if (cfd < 0)
                        return 0; /* none left, or another worker took it */
                if (!ipnet_list_contains_sockaddr(s->options->allow_from, s->options->n_allow_from,
                                                  (struct sockaddr *)&peer)) {
                        char a[ENDPOINT_STRLEN];
                        endpoint_format((struct sockaddr *)&peer, a);
                        log_debug(s->log, "Refusing %s: not in AllowFrom=.", a);
                        server_refuse(s, cfd);
                        continue;
                }
                /* TCP_NODELAY comes from the listener (socks@.socket NoDelay=yes): accepted
                 * sockets inherit it. */
                r = connection_new(s, cfd, (struct sockaddr *)&peer, len);
                if (r == -EBUSY)
                        server_refuse(s, cfd); /* MaxConnections= */
                else if (r < 0) {
                        log_warning_errno(s->log, r, "Failed to set up a connection: %m");
                        safe_close(cfd);
                }
        }
        return 0;
}

/* Worker 0: clients handed over by the others. */
static int on_handover(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Server *s = userdata;
        ServerShared *sh = s->shared;
        eventfd_t ignored;
        Connection *list;

        (void)source;
        (void)revents;
        (void)eventfd_read(fd, &ignored);
        pthread_mutex_lock(&sh->handover_lock);
        list = sh->handover;
        sh->handover = NULL;
        pthread_mutex_unlock(&sh->handover_lock);
        while (list) {
                Connection *c = list;
                list = c->next;
                connection_adopt(s, c);
        }
        return 0;
}

static void send_status(void *userdata)
{
        ServerShared *sh = userdata;

        (void)sd_notifyf(false, "STATUS=%u live connections, %" PRIu64 " total, %" PRIu64 " refused",
                         atomic_load_explicit(&sh->n_live, memory_order_relaxed),
                         (uint64_t)atomic_load_explicit(&sh->n_total, memory_order_relaxed),
                         (uint64_t)atomic_load_explicit(&sh->n_refused, memory_order_relaxed));
}

int server_shared_init(ServerShared *sh, sd_event *event, const SocksOptions *options,
                       PasswordFile *passwords, const Logger *log)
{
        int n, r;

        *sh = (ServerShared){.log = log,
                             .options = options,
                             .passwords = passwords,
                             .handover_fd = -EBADF,
                             .drain_fd = -EBADF,
                             .bulk_sndbuf = splice_pump_bulk_sndbuf_logged(log)};
        pthread_mutex_init(&sh->handover_lock, NULL);
        if (passwords) {
                unsigned threads = auth_verifier_threads();

                sh->throttle = auth_throttle_new();
                if (!sh->throttle)
                        return log_error_errno(log, -ENOMEM, "Failed to allocate memory: %m");
                /* Nice +10: under a flood of guesses the hashing yields to the loops. */
                r = work_pool_start(&sh->verifiers, threads, AUTH_QUEUE_PER_THREAD * threads, 10);
                if (r < 0)
                        return log_error_errno(log, r, "Failed to start the password verifier threads: %m");
        }
        r = status_line_init(&sh->status, event, send_status, sh);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the status timer: %m");
        sh->handover_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        sh->drain_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (sh->handover_fd < 0 || sh->drain_fd < 0)
                return log_error_errno(log, errno, "Failed to make an eventfd: %m");

        n = listen_fds_take(log, "socks@.socket", "systemd-socket-activate -l ADDRESS:PORT");
        if (n < 0)
                return n;
        sh->n_passed = n;
        sh->stream_fds = calloc((size_t)n, sizeof(int));
        sh->datagram_fds = calloc((size_t)n, sizeof(int));
        if (!sh->stream_fds || !sh->datagram_fds)
                return log_error_errno(log, -ENOMEM, "Failed to allocate memory: %m");
        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
                int type = listen_fd_type(log, fd);

                if (type < 0)
                        return type;
                if (type == SOCK_STREAM)
                        sh->stream_fds[sh->n_stream++] = fd;
                else
                        sh->datagram_fds[sh->n_datagram++] = fd;
        }
        if (sh->n_stream == 0)
                return log_error_errno(log, -EINVAL, "No listening TCP socket among the %d passed.", n);
        return 0;
}

void server_shared_stop_work(ServerShared *sh)
{
        work_pool_stop(&sh->verifiers);
}

void server_shared_done(ServerShared *sh)
{
        server_shared_stop_work(sh);
        sh->throttle = auth_throttle_free(sh->throttle);
        while (sh->handover) {
                Connection *c = sh->handover;
                sh->handover = c->next;
                connection_discard(c);
        }
        listen_fds_close(sh->n_passed);
        free(sh->stream_fds);
        free(sh->datagram_fds);
        sh->handover_fd = safe_close(sh->handover_fd);
        sh->drain_fd = safe_close(sh->drain_fd);
        status_line_done(&sh->status);
        pthread_mutex_destroy(&sh->handover_lock);
}

static int server_watch_datagram(Server *s)
{
        ServerShared *sh = s->shared;
        int r;

        s->datagram = calloc(sh->n_datagram ?: 1, sizeof(*s->datagram));
        if (!s->datagram)
                return log_error_errno(s->log, -ENOMEM, "Failed to allocate memory: %m");
        for (size_t i = 0; i < sh->n_datagram; i++) {
                DatagramListener *d = &s->datagram[i];
                int fd = sh->datagram_fds[i];

                d->fd = fd;
                d->address_len = sizeof(d->address);
                if (getsockname(fd, (struct sockaddr *)&d->address, &d->address_len) < 0)
                        return log_error_errno(s->log, errno, "Failed to get the address of socket %d: %m",
                                               fd);
                r = sd_event_add_io(s->event, &d->source, fd, EPOLLIN, udp_on_client_datagram, s);
                if (r < 0)
                        return log_error_errno(s->log, r, "Failed to watch socket %d: %m", fd);
                s->n_datagram++;
        }
        r = sd_event_add_io(s->event, &s->handover_source, sh->handover_fd, EPOLLIN, on_handover, s);
        if (r < 0)
                return log_error_errno(s->log, r, "Failed to watch the hand-over eventfd: %m");
        return 0;
}

int server_init(Server *s, ServerShared *sh, unsigned index, sd_event *event)
{
        const Logger *log = sh->log;
        int r;

        *s = (Server){.shared = sh,
                      .index = index,
                      .log = log,
                      .options = sh->options,
                      .event = event,
                      .egress.netlink_fd = -EBADF,
                      .io.epoll_fd = -EBADF,
                      .verified.fd = -EBADF};
        pipe_pool_init(&s->pipes, 256 * 1024);
        s->pipes.bulk_sndbuf = sh->bulk_sndbuf;
        r = egress_init(&s->egress, sh->options->egress == EGRESS_TAILNET, sh->options->egress_interface);
        if (r < 0)
                return log_error_errno(log, r, "Failed to open a netlink socket for route lookups: %m");
        r = io_set_init(&s->io, event);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the connections' epoll set: %m");
        http_pool_init(&s->http_pool, &s->io);
        r = work_return_init(&s->verified, event);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the password checks' eventfd: %m");
        r = resolver_new(event, sh->options->egress == EGRESS_TAILNET ? sh->options->egress_interface : NULL,
                         &sh->options->names, &s->resolver);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the name resolver: %m");

        s->listeners = calloc(sh->n_stream, sizeof(*s->listeners));
        if (!s->listeners)
                return log_error_errno(log, -ENOMEM, "Failed to allocate memory: %m");
        for (size_t i = 0; i < sh->n_stream; i++) {
                r = sd_event_add_io(event, &s->listeners[i], sh->stream_fds[i], EPOLLIN, on_accept, s);
                if (r < 0)
                        return log_error_errno(log, r, "Failed to watch socket %d: %m", sh->stream_fds[i]);
        }
        if (index == 0)
                return server_watch_datagram(s); /* worker 0 drains from the signal (drain.h) */
        return server_watch_drain(s);
}

void server_done(Server *s)
{
        while (s->connections)
                connection_free(s->connections);
        while (s->associations)
                udp_association_free(s->associations);
        work_return_done(&s->verified); /* after the connections: their checks are dropped */
        if (s->listeners)
                for (size_t i = 0; i < s->shared->n_stream; i++)
                        sd_event_source_disable_unref(s->listeners[i]);
        free(s->listeners);
        for (size_t i = 0; i < s->n_datagram; i++)
                sd_event_source_disable_unref(s->datagram[i].source);
        free(s->datagram);
        s->handover_source = sd_event_source_disable_unref(s->handover_source);
        s->drain_source = sd_event_source_disable_unref(s->drain_source);
        s->resolver = resolver_free(s->resolver);
        egress_done(&s->egress);
        if (s->http_pool.io)
                http_pool_done(&s->http_pool);
        io_set_done(&s->io);
        pipe_pool_done(&s->pipes);
}
