/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udp.c: the UDP forwards of tsproxy-relay, as per-client sessions.
 *
 * A datagram from a new client address (on a listener made in the host namespace)
 * opens a session: a UDP socket made here, in the instance namespace, and connected to
 * the target, so the kernel keeps the target's replies apart per client and drops
 * datagrams from anyone else. Replies go back to the client through the listener's
 * socket; a listener on a wildcard address answers from the address the client asked
 * (IP_PKTINFO), as the client expects.
 *
 * The sessions are in a hash table by (listener, client address) and in one list from
 * least to most recently used. That order is also the order in which they go idle, so
 * one timer, set for the least recently used, expires them all; and when the table is
 * full (--udp-max-sessions) the least recently used session makes room for a new one.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "egress.h"
#include "forwarder.h"
#include "pktinfo.h"

#define DATAGRAM_MAX   65535
#define DATAGRAM_BATCH 64

struct UdpSession {
        Forwarder *forwarder;
        const Listener *listener;
        UdpSession *bucket_next;
        UdpSession *older, *newer;
        uint32_t hash;

        struct sockaddr_storage client;
        socklen_t client_len;
        PktInfo local; /* the address the client sent to (pktinfo listeners only) */

        int fd; /* connected to the target, in the namespace */
        sd_event_source *source;
        uint64_t last_activity;

        ResolverQuery *query;
        uint8_t *pending; /* the first datagram, while the target's name is resolved */
        size_t n_pending;
};

static uint64_t now_usec(Forwarder *f)
{
        uint64_t t = 0;

        (void)sd_event_now(f->event, CLOCK_MONOTONIC, &t);
        return t;
}

/* FNV-1a over the listener and the client's address and port. */
static uint32_t session_hash(const Listener *l, const struct sockaddr *a)
{
        const uint8_t *p;
        size_t n;
        uint32_t h = 2166136261u ^ l->index;

        h *= 16777619u;
        if (a->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)a;
                p = (const uint8_t *)&in->sin_addr;
                n = 4;
                h = (h ^ in->sin_port) * 16777619u;
        } else {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;
                p = (const uint8_t *)&in6->sin6_addr;
                n = 16;
                h = (h ^ in6->sin6_port) * 16777619u;
        }
        for (size_t i = 0; i < n; i++)
                h = (h ^ p[i]) * 16777619u;
        return h;
}

static void lru_unlink(Forwarder *f, UdpSession *s)
{
        if (s->older)
                s->older->newer = s->newer;
        else
                f->udp_oldest = s->newer;
        if (s->newer)
                s->newer->older = s->older;
        else
                f->udp_newest = s->older;
        s->older = s->newer = NULL;
}

static void lru_append(Forwarder *f, UdpSession *s)
{
        s->older = f->udp_newest;
        s->newer = NULL;
        if (f->udp_newest)
                f->udp_newest->newer = s;
        else
                f->udp_oldest = s;
        f->udp_newest = s;
}

/* Traffic: the session becomes the most recently used. The idle timer catches up lazily. */
static void session_touch(UdpSession *s)
{
        Forwarder *f = s->forwarder;

        s->last_activity = now_usec(f);
        if (f->udp_newest != s) {
                lru_unlink(f, s);
                lru_append(f, s);
        }
}

static void session_free(UdpSession *s)
{
        Forwarder *f = s->forwarder;
        UdpSession **p = &f->udp_buckets[s->hash & (f->n_udp_buckets - 1)];

        while (*p && *p != s)
                p = &(*p)->bucket_next;
        if (*p)
                *p = s->bucket_next;
        lru_unlink(f, s);
        f->n_udp--;
        forwarder_status_changed(f);

        resolver_query_cancel(s->query);
        sd_event_source_disable_unref(s->source);
        safe_close(s->fd);
        free(s->pending);
        free(s);
}

static void arm_idle_timer(Forwarder *f)
{
        if (!f->udp_oldest) {
                (void)sd_event_source_set_enabled(f->udp_timer, SD_EVENT_OFF);
                return;
        }
        (void)sd_event_source_set_time(f->udp_timer,
                                       f->udp_oldest->last_activity + f->options->udp_idle_timeout_usec);
        (void)sd_event_source_set_enabled(f->udp_timer, SD_EVENT_ONESHOT);
}

static int on_idle_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        Forwarder *f = userdata;
        uint64_t idle = f->options->udp_idle_timeout_usec;

        while (f->udp_oldest && f->udp_oldest->last_activity + idle <= usec)
                session_free(f->udp_oldest);
        arm_idle_timer(f);
        return 0;
}

/* Send a reply to the client through the listener, from the address it asked. */
static void session_reply(UdpSession *s, const uint8_t *data, size_t len)
{
        /* A full socket buffer drops the datagram, as the network would. */
        (void)pktinfo_send(s->listener->fd, data, len, &s->client, s->client_len, &s->local);
}

static int on_target_datagram(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        UdpSession *s = userdata;
        uint8_t *buf = s->forwarder->datagram;
        bool any = false;

        /* Edge-triggered: read until it would block. */
        for (;;) {
                ssize_t n = recv(fd, buf, DATAGRAM_MAX, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        continue; /* ECONNREFUSED and friends: an ICMP error, per datagram */
                }
                session_reply(s, buf, (size_t)n);
                any = true;
        }
        if (any)
                session_touch(s);
        return 0;
}

/* Connect the session's socket to target. 0 or -errno. */
static int session_connect(UdpSession *s, const struct sockaddr_storage *target)
{
        Forwarder *f = s->forwarder;
        socklen_t len =
                target->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
        int ifindex, r;

        /* As a TCP target: only where --egress allows, bound to the tailscale interface. */
        r = egress_check(&f->egress, (const struct sockaddr *)target, &ifindex);
        if (r < 0)
                return r;
        s->fd = egress_socket(target->ss_family, SOCK_DGRAM, ifindex);
        if (s->fd < 0)
                return s->fd;
        if (connect(s->fd, (const struct sockaddr *)target, len) < 0)
                return negative_errno();
        r = sd_event_add_io(f->event, &s->source, s->fd, EPOLLIN | EPOLLET, on_target_datagram, s);
        if (r < 0)
                return r;
        return 0;
}

static void on_resolved(void *userdata, int error, const struct sockaddr_storage *addresses, size_t n)
{
        UdpSession *s = userdata;

        s->query = NULL;
        if (error < 0 || session_connect(s, &addresses[0]) < 0) {
                log_debug(s->forwarder->log, "Failed to resolve the target of forward %u.",
                          s->listener->index);
                session_free(s);
                return;
        }
        (void)send(s->fd, s->pending, s->n_pending, MSG_DONTWAIT | MSG_NOSIGNAL);
        free(s->pending);
        s->pending = NULL;
        s->n_pending = 0;
}

static UdpSession *session_find(Forwarder *f, const Listener *l, const struct sockaddr *client,
                                uint32_t hash)
{
        for (UdpSession *s = f->udp_buckets[hash & (f->n_udp_buckets - 1)]; s; s = s->bucket_next)
                if (s->hash == hash && s->listener == l &&
                    sockaddr_equal((struct sockaddr *)&s->client, client))
                        return s;
        return NULL;
}

static int session_new(Listener *l, const struct sockaddr *client, socklen_t client_len, uint32_t hash,
                       UdpSession **ret)
{
        Forwarder *f = l->forwarder;
        UdpSession *s, **bucket;
        int r;

        if (f->n_udp >= f->options->udp_max_sessions) {
                f->n_udp_evicted++;
                session_free(f->udp_oldest);
        }
        s = malloc(sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (UdpSession){
                .forwarder = f, .listener = l, .hash = hash, .client_len = client_len, .fd = -EBADF};
        memcpy(&s->client, client, client_len);
        bucket = &f->udp_buckets[hash & (f->n_udp_buckets - 1)];
        s->bucket_next = *bucket;
        *bucket = s;
        s->last_activity = now_usec(f);
        lru_append(f, s);
        f->n_udp++;
        f->n_udp_total++;
        forwarder_status_changed(f);
        if (f->udp_oldest == s)
                arm_idle_timer(f);

        if (l->spec->target.ss_family == AF_UNSPEC)
                r = resolver_resolve(f->resolver, l->spec->name, l->spec->port, on_resolved, s, &s->query);
        else
                r = session_connect(s, &l->spec->target);
        if (r < 0) {
                session_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

int udp_on_datagram(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Listener *l = userdata;
        Forwarder *f = l->forwarder;

        /* Level-triggered (one socket per forward): a batch, then other sources get a turn. */
        for (int i = 0; i < DATAGRAM_BATCH; i++) {
                union {
                        char buf[PKTINFO_CONTROL_SIZE];
                        struct cmsghdr align;
                } control;
                struct sockaddr_storage client;
                struct iovec iov = {.iov_base = f->datagram, .iov_len = DATAGRAM_MAX};
                struct msghdr mh = {.msg_name = &client,
                                    .msg_namelen = sizeof(client),
                                    .msg_iov = &iov,
                                    .msg_iovlen = 1,
                                    .msg_control = l->pktinfo ? control.buf : NULL,
                                    .msg_controllen = l->pktinfo ? sizeof(control.buf) : 0};
                UdpSession *s;
                uint32_t hash;
                ssize_t n;
                int r;

                n = recvmsg(fd, &mh, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return 0;
                        continue;
                }
                if (client.ss_family != AF_INET && client.ss_family != AF_INET6)
                        continue;
                /* --allow-from: dropped before it opens a session or reaches a target. */
                if (!allow_from_contains(&f->options->allow_from, (struct sockaddr *)&client))
                        continue;
                hash = session_hash(l, (struct sockaddr *)&client);
                s = session_find(f, l, (struct sockaddr *)&client, hash);
                if (!s) {
                        r = session_new(l, (struct sockaddr *)&client, mh.msg_namelen, hash, &s);
                        if (r < 0) {
                                log_debug(f->log, "Failed to open a UDP session for forward %u: %s",
                                          l->index, strerror(-r));
                                continue;
                        }
                } else
                        session_touch(s);
                if (l->pktinfo)
                        pktinfo_take(&mh, &s->local);
                if (s->query) {
                        /* Resolving: keep the first datagram, drop the rest (UDP may). */
                        if (!s->pending) {
                                s->pending = malloc((size_t)n ? (size_t)n : 1);
                                if (s->pending) {
                                        memcpy(s->pending, f->datagram, (size_t)n);
                                        s->n_pending = (size_t)n;
                                }
                        }
                        continue;
                }
                (void)send(s->fd, f->datagram, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        return 0;
}

int udp_init(Forwarder *f)
{
        size_t n = 16;
        int r;

        while (n < 2 * (size_t)f->options->udp_max_sessions)
                n *= 2;
        f->udp_buckets = calloc(n, sizeof(UdpSession *));
        f->datagram = malloc(DATAGRAM_MAX);
        if (!f->udp_buckets || !f->datagram)
                return -ENOMEM;
        f->n_udp_buckets = n;
        r = sd_event_add_time(f->event, &f->udp_timer, CLOCK_MONOTONIC, UINT64_MAX, 1000000, on_idle_timer,
                              f);
        if (r < 0)
                return r;
        (void)sd_event_source_set_enabled(f->udp_timer, SD_EVENT_OFF);
        return 0;
}

void udp_done(Forwarder *f)
{
        while (f->udp_oldest)
                session_free(f->udp_oldest);
        f->udp_timer = sd_event_source_disable_unref(f->udp_timer);
        free(f->udp_buckets);
        f->udp_buckets = NULL;
        free(f->datagram);
        f->datagram = NULL;
}
