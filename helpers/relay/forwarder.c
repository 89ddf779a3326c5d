/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * forwarder.c: the listeners of tsproxy-relay and its STATUS= line.
 *
 * All sockets of ts-relay@NAME.socket share one FileDescriptorName=, and the order of
 * passed fds is an implementation detail of systemd: so each passed socket is matched to
 * its --forward by what it is, its bound address (getsockname()) and its type. Every
 * socket must match a forward and every forward a socket; anything else is a mismatch
 * between the unit and the command line, reported as a configuration error.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "forwarder.h"
#include "listen-fds.h"
#include "pktinfo.h"

static void send_status(void *userdata)
{
        Forwarder *f = userdata;

        (void)sd_notifyf(false,
                         "STATUS=%u TCP connections, %u UDP sessions; %" PRIu64 " connections and %" PRIu64
                         " sessions in total, %" PRIu64 " refused, %" PRIu64 " failed",
                         f->n_tcp, f->n_udp, f->n_tcp_total, f->n_udp_total, f->n_tcp_refused,
                         f->n_tcp_failed);
}

int forwarder_init(Forwarder *f, sd_event *event, const RelayOptions *options, const Logger *log)
{
        int r;

        *f = (Forwarder){.log = log, .options = options, .event = event, .io.epoll_fd = -EBADF};
        pipe_pool_init(&f->pipes, 256 * 1024);
        r = io_set_init(&f->io, event);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the connections' epoll set: %m");
        for (size_t i = 0; i < options->n_forwards; i++)
                if (options->forwards[i].target.ss_family == AF_UNSPEC && !f->resolver) {
                        r = resolver_new(event, &f->resolver);
                        if (r < 0)
                                return log_error_errno(log, r, "Failed to set up the name resolver: %m");
                }
        r = udp_init(f);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the UDP session table: %m");
        r = status_line_init(&f->status, event, send_status, f);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the status timer: %m");
        return 0;
}

void forwarder_done(Forwarder *f)
{
        while (f->connections)
                tcp_connection_free(f->connections);
        udp_done(f);
        for (size_t i = 0; i < f->n_listeners; i++)
                sd_event_source_disable_unref(f->listeners[i].source);
        free(f->listeners);
        f->listeners = NULL;
        status_line_done(&f->status);
        f->resolver = resolver_free(f->resolver);
        io_set_done(&f->io);
        pipe_pool_done(&f->pipes);
}

static bool address_is_wildcard(const struct sockaddr_storage *a)
{
        if (a->ss_family == AF_INET)
                return ((const struct sockaddr_in *)a)->sin_addr.s_addr == htonl(INADDR_ANY);
        return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

/* Watch one passed socket as the listener of forward i. */
static int listener_add(Forwarder *f, int fd, size_t i)
{
        Listener *l = &f->listeners[i];
        const ForwardSpec *spec = &f->options->forwards[i];
        int one = 1, r;

        *l = (Listener){.forwarder = f, .spec = spec, .index = (unsigned)i, .fd = fd};
        if (spec->proto == FORWARD_PROTO_TCP) {
                /* Accepted sockets inherit it: small writes of interactive protocols go out
                 * at once. (Not NoDelay= in the socket unit: systemd would try it on the
                 * UDP sockets of the same unit too.) */
                (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                return listen_fd_watch(f->event, &l->source, fd, tcp_on_accept, l);
        }
        if (address_is_wildcard(&spec->listen)) {
                r = pktinfo_enable(fd, spec->listen.ss_family);
                if (r < 0)
                        return r;
                l->pktinfo = true;
        }
        return listen_fd_watch(f->event, &l->source, fd, udp_on_datagram, l);
}

int forwarder_add_listen_fds(Forwarder *f)
{
        const RelayOptions *o = f->options;
        char buf[FORWARD_SPEC_STRLEN];
        int n, r;

        n = listen_fds_take(f->log);
        if (n < 0)
                return n;
        if (n == 0)
                return log_error_errno(
                        f->log, -EINVAL,
                        "No listening sockets passed: this daemon is started by ts-relay@.socket "
                        "(socket activation; by hand: systemd-socket-activate -l ADDRESS:PORT).");
        f->listeners = calloc(o->n_forwards, sizeof(Listener));
        if (!f->listeners)
                return log_error_errno(f->log, -ENOMEM, "Failed to allocate memory: %m");
        f->n_listeners = o->n_forwards;
        for (size_t i = 0; i < o->n_forwards; i++)
                f->listeners[i].fd = -EBADF;

        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
                struct sockaddr_storage a;
                socklen_t len = sizeof(a);
                int type = 0;
                socklen_t tlen = sizeof(type);
                char ab[ENDPOINT_STRLEN];
                size_t i;

                if (getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
                    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0)
                        return log_error_errno(f->log, errno,
                                               "Failed to inspect socket %d passed by systemd: %m", fd);
                if (a.ss_family != AF_INET && a.ss_family != AF_INET6)
                        return log_error_errno(f->log, -EINVAL,
                                               "Socket %d passed by systemd is not an IP socket.", fd);
                endpoint_format((struct sockaddr *)&a, ab);
                for (i = 0; i < o->n_forwards; i++)
                        if (forward_spec_matches(&o->forwards[i], (struct sockaddr *)&a, type))
                                break;
                if (i == o->n_forwards)
                        return log_error_errno(f->log, -EINVAL, "Socket %d (%s %s) matches no --forward.",
                                               fd, type == SOCK_DGRAM ? "udp" : "tcp", ab);
                if (f->listeners[i].fd >= 0)
                        return log_error_errno(f->log, -EINVAL, "Socket %d (%s) is passed twice.", fd, ab);
                r = listener_add(f, fd, i);
                if (r < 0)
                        return log_error_errno(f->log, r, "Failed to watch socket %d (%s): %m", fd, ab);
        }
        for (size_t i = 0; i < o->n_forwards; i++)
                if (f->listeners[i].fd < 0) {
                        forward_spec_format(&o->forwards[i], buf);
                        return log_error_errno(f->log, -EINVAL, "No socket passed for --forward %s.", buf);
                }
        return 0;
}
