/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolver.c: c-ares driven by sd-event (see resolver.h).
 *
 * c-ares reports the sockets it wants watched through its socket-state callback; each
 * gets an sd-event I/O source. After every call into c-ares the one timer is set to
 * c-ares's next timeout. A cancelled query stays in c-ares (it has no per-query cancel)
 * and is freed, unreported, when c-ares finishes it.
 *
 * Its UDP sockets are never connect()ed (socket functions of our own): every query is
 * sent with sendmsg() to the server's address, so the kernel picks the source address
 * per datagram. A connected socket keeps the source of the moment it was connected, and
 * c-ares keeps its socket for ever: one made while tailscaled was still logged out (its
 * interface without an address) would send every later query from the veth's address,
 * and no answer would ever come back. c-ares still checks that answers come from the
 * server.
 *
 * Before c-ares, each name goes through the naming model (name-model.h): an address of
 * the instance's domain, the domain itself and a name that cannot be asked are answered
 * at once, through the loop like a literal; MagicDNS names go to c-ares with a final
 * dot, so that c-ares asks exactly that name (resolv.conf's search list and ndots do
 * not apply).
 */
#include "resolver.h"

#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "name-model.h"
#include "tailnet-suffix.h"

#define RESOLVER_SOCKETS_MAX 16

struct ResolverQuery {
        Resolver *resolver;
        ResolverCallback callback; /* NULL: cancelled */
        void *userdata;
        uint16_t port;
        bool starting; /* inside ares_getaddrinfo(): results are delivered later */
        bool answered; /* ... and they are there */
        sd_event_source *deferred;
        int error;
        struct sockaddr_storage addresses[RESOLVER_ADDRESSES_MAX];
        size_t n_addresses;
};

typedef struct ResolverSocket {
        int fd;
        sd_event_source *source;
} ResolverSocket;

/* A UDP socket of c-ares and the server it "connected" it to. */
typedef struct ResolverDatagram {
        int fd;
        struct sockaddr_storage server;
        socklen_t server_len;
} ResolverDatagram;

struct Resolver {
        sd_event *event;
        ares_channel channel;
        bool channel_ok;
        sd_event_source *timer;
        ResolverSocket sockets[RESOLVER_SOCKETS_MAX];
        size_t n_sockets;
        ResolverDatagram datagrams[RESOLVER_SOCKETS_MAX];
        size_t n_datagrams;
        const char *domain; /* NULL: no naming model */
        TailnetSuffix suffix;
};

static ResolverDatagram *datagram_find(Resolver *r, int fd)
{
        for (size_t i = 0; i < r->n_datagrams; i++)
                if (r->datagrams[i].fd == fd)
                        return &r->datagrams[i];
        return NULL;
}

static ares_socket_t sock_open(int domain, int type, int protocol, void *userdata)
{
        int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
        return fd < 0 ? ARES_SOCKET_BAD : fd;
}

static int sock_close(ares_socket_t fd, void *userdata)
{
        Resolver *r = userdata;
        ResolverDatagram *d = datagram_find(r, fd);

        if (d)
                *d = r->datagrams[--r->n_datagrams];
        return close(fd);
}

static int sock_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *userdata)
{
        Resolver *r = userdata;
        int type = 0;
        socklen_t tl = sizeof(type);

        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
                return -1;
        if (type != SOCK_DGRAM)
                return connect(fd, sa, len);
        if (len > sizeof(struct sockaddr_storage) ||
            (!datagram_find(r, fd) && r->n_datagrams == RESOLVER_SOCKETS_MAX)) {
                errno = ENOBUFS;
                return -1;
        }
        ResolverDatagram *d = datagram_find(r, fd) ?: &r->datagrams[r->n_datagrams++];
        d->fd = fd;
        memcpy(&d->server, sa, len);
        d->server_len = len;
        return 0;
}

static ares_ssize_t sock_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags, struct sockaddr *from,
                                  ares_socklen_t *from_len, void *userdata)
{
        return recvfrom(fd, buf, len, flags, from, from_len);
}

static ares_ssize_t sock_sendv(ares_socket_t fd, const struct iovec *iov, int n, void *userdata)
{
        ResolverDatagram *d = datagram_find(userdata, fd);
        struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n};

        if (d) {
                m.msg_name = &d->server;
                m.msg_namelen = d->server_len;
        }
        return sendmsg(fd, &m, MSG_NOSIGNAL);
}

static const struct ares_socket_functions socket_functions = {
        .asocket = sock_open,
        .aclose = sock_close,
        .aconnect = sock_connect,
        .arecvfrom = sock_recvfrom,
        .asendv = sock_sendv,
};

static void resolver_update_timer(Resolver *r)
{
        struct timeval max = {.tv_sec = 3600}, tv, *t;
        uint64_t now;

        t = ares_timeout(r->channel, &max, &tv);
        if (sd_event_now(r->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        (void)sd_event_source_set_time(r->timer,
                                       now + (uint64_t)t->tv_sec * 1000000u + (uint64_t)t->tv_usec);
        (void)sd_event_source_set_enabled(r->timer, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Resolver *r = userdata;

        (void)s;
        (void)usec;
        ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        resolver_update_timer(r);
        return 0;
}

static int on_socket(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Resolver *r = userdata;

        (void)s;
        ares_process_fd(r->channel, (revents & (EPOLLIN | EPOLLERR | EPOLLHUP)) ? fd : ARES_SOCKET_BAD,
                        (revents & EPOLLOUT) ? fd : ARES_SOCKET_BAD);
        resolver_update_timer(r);
        return 0;
}

static void on_socket_state(void *data, ares_socket_t fd, int readable, int writable)
{
        Resolver *r = data;
        uint32_t events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
        size_t i;

        for (i = 0; i < r->n_sockets; i++)
                if (r->sockets[i].fd == fd)
                        break;
        if (events == 0) {
                if (i < r->n_sockets) {
                        sd_event_source_disable_unref(r->sockets[i].source);
                        r->sockets[i] = r->sockets[--r->n_sockets];
                }
                return;
        }
        if (i < r->n_sockets) {
                (void)sd_event_source_set_io_events(r->sockets[i].source, events);
                return;
        }
        if (r->n_sockets == RESOLVER_SOCKETS_MAX)
                return; /* c-ares uses a handful; its own timeouts end such a query */
        if (sd_event_add_io(r->event, &r->sockets[r->n_sockets].source, fd, events, on_socket, r) < 0)
                return;
        r->sockets[r->n_sockets++].fd = fd;
}

int resolver_new(sd_event *event, const char *interface, const NameOptions *names, Resolver **ret)
{
        _cleanup_free_ Resolver *r = NULL;
        struct ares_options options = {};
        int k;

        k = ares_library_init(ARES_LIB_INIT_ALL);
        if (k != ARES_SUCCESS)
                return -ENOMEM;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->event = event;
        if (names) {
                r->domain = names->domain;
                tailnet_suffix_init(&r->suffix, names->tailnet_domain, names->tailnet_domain_file);
        }

        options.sock_state_cb = on_socket_state;
        options.sock_state_cb_data = r;
        k = ares_init_options(&r->channel, &options, ARES_OPT_SOCK_STATE_CB);
        if (k != ARES_SUCCESS)
                return k == ARES_ENOMEM ? -ENOMEM : -EIO;
        r->channel_ok = true;
        ares_set_socket_functions(r->channel, &socket_functions, r);
        if (interface)
                ares_set_local_dev(r->channel, interface);

        k = sd_event_add_time(event, &r->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, r);
        if (k < 0) {
                ares_destroy(r->channel);
                return k;
        }
        (void)sd_event_source_set_enabled(r->timer, SD_EVENT_OFF);
        *ret = TAKE_PTR(r);
        return 0;
}

Resolver *resolver_free(Resolver *r)
{
        if (!r)
                return NULL;
        if (r->channel_ok)
                ares_destroy(r->channel); /* runs the callbacks with ARES_EDESTRUCTION */
        for (size_t i = 0; i < r->n_sockets; i++)
                sd_event_source_disable_unref(r->sockets[i].source);
        sd_event_source_disable_unref(r->timer);
        free(r);
        ares_library_cleanup();
        return NULL;
}

static int ares_status_to_errno(int status)
{
        switch (status) {
        case ARES_ENOTFOUND:
        case ARES_ENODATA:
        case ARES_ENONAME: return -ENOENT;
        case ARES_ETIMEOUT: return -ETIMEDOUT;
        case ARES_EDESTRUCTION:
        case ARES_ECANCELLED: return -ECANCELED;
        case ARES_ENOMEM: return -ENOMEM;
        default: return -EHOSTUNREACH;
        }
}

static void query_deliver(ResolverQuery *q)
{
        if (q->callback)
                q->callback(q->userdata, q->error, q->addresses, q->n_addresses);
        sd_event_source_disable_unref(q->deferred);
        free(q);
}

static int on_deferred(sd_event_source *s, void *userdata)
{
        (void)s;
        query_deliver(userdata);
        return 0;
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *result)
{
        ResolverQuery *q = arg;
        size_t n = 0;

        (void)timeouts;
        if (status == ARES_SUCCESS && result)
                for (struct ares_addrinfo_node *node = result->nodes; node && n < RESOLVER_ADDRESSES_MAX;
                     node = node->ai_next) {
                        if (node->ai_family == AF_INET && node->ai_addrlen >= sizeof(struct sockaddr_in)) {
                                struct sockaddr_in *in = (struct sockaddr_in *)&q->addresses[n++];
                                memcpy(in, node->ai_addr, sizeof(*in));
                                in->sin_port = htons(q->port);
                        } else if (node->ai_family == AF_INET6 &&
                                   node->ai_addrlen >= sizeof(struct sockaddr_in6)) {
                                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&q->addresses[n++];
                                memcpy(in6, node->ai_addr, sizeof(*in6));
                                in6->sin6_port = htons(q->port);
                        }
                }
        if (result)
                ares_freeaddrinfo(result);
        q->error = status != ARES_SUCCESS ? ares_status_to_errno(status) : n == 0 ? -ENOENT : 0;
        q->n_addresses = q->error < 0 ? 0 : n;

        /* Answered from inside ares_getaddrinfo() (a literal, /etc/hosts, an error):
         * resolver_resolve() hands it over from the loop, never into its caller's frame. */
        if (q->starting) {
                q->answered = true;
                return;
        }
        query_deliver(q);
}

/* A literal address: c-ares takes it as it is, whatever the domain says. */
static bool is_literal(const char *name)
{
        uint8_t a[16];
        return inet_pton(AF_INET, name, a) == 1 || inet_pton(AF_INET6, name, a) == 1;
}

/*
 * name through the naming model: 1 and *ret_ask, the name to give c-ares (absolute for
 * MagicDNS, in ask[]; else name itself); or 0 with the query answered (q->error, or its
 * one address).
 */
static int resolver_apply_model(Resolver *r, const char *name, ResolverQuery *q, const char **ret_ask,
                                char ask[static NAME_MODEL_NAME_MAX + 2])
{
        NameTarget t;
        int k;

        *ret_ask = name;
        if (!r->domain || is_literal(name))
                return 1;
        k = name_model_classify(name, r->domain, tailnet_suffix_get(&r->suffix, NULL), &t);
        if (k == -ENXIO) { /* NAME.DOMAIN, nothing to ask it as */
                q->error = -EHOSTUNREACH;
                return 0;
        }
        if (k == -ENAMETOOLONG) { /* NAME.TAILNETDOMAIN cannot exist */
                q->error = -ENOENT;
                return 0;
        }
        if (k < 0) /* malformed: c-ares says what it says today */
                return 1;
        switch (t.kind) {
        case NAME_KIND_ADDRESS:
                if (t.family == AF_INET) {
                        struct sockaddr_in *in = (struct sockaddr_in *)&q->addresses[0];
                        *in = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(q->port)};
                        memcpy(&in->sin_addr, t.address, 4);
                } else {
                        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&q->addresses[0];
                        *in6 = (struct sockaddr_in6){.sin6_family = AF_INET6, .sin6_port = htons(q->port)};
                        memcpy(&in6->sin6_addr, t.address, 16);
                }
                q->n_addresses = 1;
                return 0;
        case NAME_KIND_DOMAIN: q->error = -ENOENT; return 0;
        case NAME_KIND_MAGICDNS:
                snprintf(ask, NAME_MODEL_NAME_MAX + 2, "%s.", t.name);
                *ret_ask = ask;
                return 1;
        case NAME_KIND_OTHER: return 1;
        }
        return 1;
}

int resolver_resolve(Resolver *r, const char *name, uint16_t port, ResolverCallback callback, void *userdata,
                     ResolverQuery **ret_query)
{
        struct ares_addrinfo_hints hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        char absolute[NAME_MODEL_NAME_MAX + 2];
        const char *ask;
        ResolverQuery *q;

        q = malloc(sizeof(*q));
        if (!q)
                return -ENOMEM;
        *q = (ResolverQuery){
                .resolver = r, .callback = callback, .userdata = userdata, .port = port, .starting = true};
        if (resolver_apply_model(r, name, q, &ask, absolute) > 0) {
                ares_getaddrinfo(r->channel, ask, NULL, &hints, on_addrinfo, q);
                resolver_update_timer(r);
        } else
                q->answered = true;
        q->starting = false;
        if (q->answered) {
                int k = sd_event_add_defer(r->event, &q->deferred, on_deferred, q);
                if (k < 0) {
                        free(q);
                        return k;
                }
        }
        *ret_query = q;
        return 0;
}

void resolver_query_cancel(ResolverQuery *q)
{
        if (q)
                q->callback = NULL;
}
