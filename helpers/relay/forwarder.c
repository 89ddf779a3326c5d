/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * forwarder.c: the listeners of tsproxy-relay, its workers' state and its STATUS= line.
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
        ForwarderShared *sh = userdata;
        const Forwarder *u = sh->udp_owner;

        (void)sd_notifyf(false,
                         "STATUS=%u TCP connections, %u UDP sessions; %" PRIu64 " connections and %" PRIu64
                         " sessions in total, %" PRIu64 " refused, %" PRIu64 " failed",
                         atomic_load_explicit(&sh->n_tcp, memory_order_relaxed), u ? u->n_udp : 0,
                         (uint64_t)atomic_load_explicit(&sh->n_tcp_total, memory_order_relaxed),
                         u ? u->n_udp_total : 0,
                         (uint64_t)atomic_load_explicit(&sh->n_tcp_refused, memory_order_relaxed),
                         (uint64_t)atomic_load_explicit(&sh->n_tcp_failed, memory_order_relaxed));
}

static bool address_is_wildcard(const struct sockaddr_storage *a)
{
        if (a->ss_family == AF_INET)
                return ((const struct sockaddr_in *)a)->sin_addr.s_addr == htonl(INADDR_ANY);
        return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

/* Socket fd is forward i's: set it up once for every worker. */
static int shared_take_socket(ForwarderShared *sh, int fd, size_t i)
{
        const ForwardSpec *spec = &sh->options->forwards[i];
        int one = 1, r;

        sh->fds[i] = fd;
        if (spec->proto == FORWARD_PROTO_TCP) {
                /* Accepted sockets inherit it: small writes of interactive protocols go out
                 * at once. (Not NoDelay= in the socket unit: systemd would try it on the
                 * UDP sockets of the same unit too.) */
                (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                return 0;
        }
        if (address_is_wildcard(&spec->listen)) {
                r = pktinfo_enable(fd, spec->listen.ss_family);
                if (r < 0)
                        return r;
                sh->pktinfo[i] = true;
        }
        return 0;
}

int forwarder_shared_init(ForwarderShared *sh, sd_event *event, const RelayOptions *options,
                          const Logger *log)
{
        const RelayOptions *o = options;
        char buf[FORWARD_SPEC_STRLEN];
        int n, r;

        *sh = (ForwarderShared){
                .log = log, .options = options, .bulk_sndbuf = splice_pump_bulk_sndbuf_logged(log)};
        r = status_line_init(&sh->status, event, send_status, sh);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the status timer: %m");
        sh->fds = calloc(o->n_forwards, sizeof(int));
        sh->pktinfo = calloc(o->n_forwards, sizeof(bool));
        if (!sh->fds || !sh->pktinfo)
                return log_error_errno(log, -ENOMEM, "Failed to allocate memory: %m");
        for (size_t i = 0; i < o->n_forwards; i++)
                sh->fds[i] = -EBADF;

        n = listen_fds_take(log, "ts-relay@.socket", "systemd-socket-activate -l ADDRESS:PORT");
        if (n < 0)
                return n;
        sh->n_passed = n;
        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
                struct sockaddr_storage a;
                socklen_t len = sizeof(a);
                int type = 0;
                socklen_t tlen = sizeof(type);
                char ab[ENDPOINT_STRLEN];
                size_t i;

                if (getsockname(fd, (struct sockaddr *)&a, &len) < 0 ||
                    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0)
                        return log_error_errno(log, errno,
                                               "Failed to inspect socket %d passed by systemd: %m", fd);
                if (a.ss_family != AF_INET && a.ss_family != AF_INET6)
                        return log_error_errno(log, -EINVAL,
                                               "Socket %d passed by systemd is not an IP socket.", fd);
                endpoint_format((struct sockaddr *)&a, ab);
                for (i = 0; i < o->n_forwards; i++)
                        if (forward_spec_matches(&o->forwards[i], (struct sockaddr *)&a, type))
                                break;
                if (i == o->n_forwards)
                        return log_error_errno(log, -EINVAL, "Socket %d (%s %s) matches no --forward.", fd,
                                               type == SOCK_DGRAM ? "udp" : "tcp", ab);
                if (sh->fds[i] >= 0)
                        return log_error_errno(log, -EINVAL, "Socket %d (%s) is passed twice.", fd, ab);
                r = shared_take_socket(sh, fd, i);
                if (r < 0)
                        return log_error_errno(log, r, "Failed to set up socket %d (%s): %m", fd, ab);
        }
        for (size_t i = 0; i < o->n_forwards; i++)
                if (sh->fds[i] < 0) {
                        forward_spec_format(&o->forwards[i], buf);
                        return log_error_errno(log, -EINVAL, "No socket passed for --forward %s.", buf);
                }
        return 0;
}

void forwarder_shared_done(ForwarderShared *sh)
{
        listen_fds_close(sh->n_passed);
        free(sh->fds);
        free(sh->pktinfo);
        sh->fds = NULL;
        sh->pktinfo = NULL;
        status_line_done(&sh->status);
}

int forwarder_init(Forwarder *f, ForwarderShared *sh, unsigned index, sd_event *event)
{
        const RelayOptions *options = sh->options;
        const Logger *log = sh->log;
        int r;

        *f = (Forwarder){.shared = sh,
                         .index = index,
                         .log = log,
                         .options = options,
                         .event = event,
                         .egress.netlink_fd = -EBADF,
                         .io.epoll_fd = -EBADF};
        pipe_pool_init(&f->pipes, 256 * 1024);
        f->pipes.bulk_sndbuf = sh->bulk_sndbuf;
        r = egress_init(&f->egress, options->egress == EGRESS_TAILNET, options->egress_interface);
        if (r < 0)
                return log_error_errno(log, r, "Failed to open a netlink socket for route lookups: %m");
        r = io_set_init(&f->io, event);
        if (r < 0)
                return log_error_errno(log, r, "Failed to set up the connections' epoll set: %m");
        for (size_t i = 0; i < options->n_forwards; i++)
                if (options->forwards[i].target.ss_family == AF_UNSPEC && !f->resolver) {
                        r = resolver_new(
                                event, options->egress == EGRESS_TAILNET ? options->egress_interface : NULL,
                                &options->names, &f->resolver);
                        if (r < 0)
                                return log_error_errno(log, r, "Failed to set up the name resolver: %m");
                }
        if (index == 0) {
                r = udp_init(f);
                if (r < 0)
                        return log_error_errno(log, r, "Failed to set up the UDP session table: %m");
                sh->udp_owner = f;
        }

        f->listeners = calloc(options->n_forwards, sizeof(Listener));
        if (!f->listeners)
                return log_error_errno(log, -ENOMEM, "Failed to allocate memory: %m");
        f->n_listeners = options->n_forwards;
        for (size_t i = 0; i < options->n_forwards; i++) {
                Listener *l = &f->listeners[i];
                const ForwardSpec *spec = &options->forwards[i];

                *l = (Listener){.forwarder = f,
                                .spec = spec,
                                .index = (unsigned)i,
                                .fd = sh->fds[i],
                                .pktinfo = sh->pktinfo[i]};
                if (spec->proto == FORWARD_PROTO_TCP)
                        r = sd_event_add_io(event, &l->source, l->fd, EPOLLIN, tcp_on_accept, l);
                else if (index == 0)
                        r = sd_event_add_io(event, &l->source, l->fd, EPOLLIN, udp_on_datagram, l);
                else
                        continue;
                if (r < 0)
                        return log_error_errno(log, r, "Failed to watch socket %d: %m", l->fd);
        }
        return 0;
}

void forwarder_done(Forwarder *f)
{
        while (f->connections)
                tcp_connection_free(f->connections);
        if (f->index == 0) {
                udp_done(f);
                f->shared->udp_owner = NULL;
        }
        for (size_t i = 0; i < f->n_listeners; i++)
                sd_event_source_disable_unref(f->listeners[i].source);
        free(f->listeners);
        f->listeners = NULL;
        f->resolver = resolver_free(f->resolver);
        egress_done(&f->egress);
        io_set_done(&f->io);
        pipe_pool_done(&f->pipes);
}
