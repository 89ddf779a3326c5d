/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* udp-associate.c: SOCKS5 UDP ASSOCIATE relaying (see udp-associate.h). */
#include "udp-associate.h"

#include <assert.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "ipnet.h"
#include "list.h"
#include "server.h"
#include "udp-peers.h"

#define DATAGRAM_MAX 65535

struct UdpAssociation {
        Server *server;
        UdpAssociation *prev, *next;
        DatagramListener *listener;
        UdpClient client; /* who may send (udp-peers.h) */
        UdpPeers peers;   /* whom the client sent to: replies only from them */
        int fd;           /* in the instance namespace, AF_INET6 dual stack */
        sd_event_source *source;
        int ifindex;

        /* The last destination checked (egress) and the last name resolved. */
        struct sockaddr_storage allowed;
        bool allowed_valid;
        char name[PROXY_NAME_MAX + 1];
        struct sockaddr_storage name_address;
        ResolverQuery *query;
        uint8_t *pending; /* one datagram waiting for its name (with the port in name_address) */
        size_t n_pending;
        uint16_t pending_port;
};

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
        if (ss->ss_family == AF_INET)
                ((struct sockaddr_in *)ss)->sin_port = htons(port);
        else
                ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* To the socket in the namespace (AF_INET6, dual stack): IPv4 as v4-mapped. */
static socklen_t to_dual_stack(const struct sockaddr *in, struct sockaddr_in6 *out)
{
        if (in->sa_family == AF_INET6) {
                memcpy(out, in, sizeof(*out));
                return sizeof(*out);
        }
        *out = (struct sockaddr_in6){.sin6_family = AF_INET6,
                                     .sin6_port = ((const struct sockaddr_in *)in)->sin_port};
        out->sin6_addr.s6_addr[10] = out->sin6_addr.s6_addr[11] = 0xff;
        memcpy(out->sin6_addr.s6_addr + 12, &((const struct sockaddr_in *)in)->sin_addr, 4);
        return sizeof(*out);
}

/* And back: a v4-mapped address as AF_INET, for the reply header. */
static void from_dual_stack(const struct sockaddr_in6 *in, struct sockaddr_storage *out)
{
        if (IN6_IS_ADDR_V4MAPPED(&in->sin6_addr)) {
                struct sockaddr_in *v4 = (struct sockaddr_in *)out;
                *v4 = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = in->sin6_port};
                memcpy(&v4->sin_addr, in->sin6_addr.s6_addr + 12, 4);
        } else
                memcpy(out, in, sizeof(*in));
}

static void association_send(UdpAssociation *a, const struct sockaddr *dst, const uint8_t *data, size_t len)
{
        struct sockaddr_in6 d6;
        socklen_t dlen;

        if (!a->allowed_valid || !sockaddr_equal((struct sockaddr *)&a->allowed, dst)) {
                int ifindex;
                if (egress_check(&a->server->egress, dst, &ifindex) < 0)
                        return; /* not allowed or no route: dropped, as UDP would */
                if (ifindex > 0 && a->ifindex > 0 && ifindex != a->ifindex)
                        return; /* the interface was made anew: this socket is bound to the old one */
                memcpy(&a->allowed, dst,
                       dst->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
                a->allowed_valid = true;
        }
        udp_peers_add(&a->peers, dst);
        dlen = to_dual_stack(dst, &d6);
        (void)sendto(a->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&d6, dlen);
}

static void on_name(void *userdata, int error, const struct sockaddr_storage *addresses, size_t n)
{
        UdpAssociation *a = userdata;

        a->query = NULL;
        if (error < 0 || n == 0) {
                a->name[0] = '\0';
        } else {
                a->name_address = addresses[0];
                set_port(&a->name_address, a->pending_port);
                if (a->pending)
                        association_send(a, (struct sockaddr *)&a->name_address, a->pending, a->n_pending);
        }
        free(a->pending);
        a->pending = NULL;
}

/* A datagram from the client: strip the header and send it on. */
static void association_from_client(UdpAssociation *a, const uint8_t *data, size_t len)
{
        ProxyTarget t;
        size_t header;
        struct sockaddr_storage dst = {};

        if (socks5_udp_parse(data, len, &t, &header) < 0)
                return;
        data += header;
        len -= header;

        if (t.family == AF_INET) {
                struct sockaddr_in *in = (struct sockaddr_in *)&dst;
                *in = (struct sockaddr_in){
                        .sin_family = AF_INET, .sin_port = htons(t.port), .sin_addr = t.address.in};
        } else if (t.family == AF_INET6) {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&dst;
                *in6 = (struct sockaddr_in6){
                        .sin6_family = AF_INET6, .sin6_port = htons(t.port), .sin6_addr = t.address.in6};
        } else if (strcmp(t.name, a->name) == 0 && !a->query) {
                dst = a->name_address;
                set_port(&dst, t.port);
        } else {
                /* A new name: resolve it, keep this one datagram meanwhile. */
                if (a->query)
                        return;
                free(a->pending);
                a->pending = malloc(len ? len : 1);
                if (!a->pending)
                        return;
                memcpy(a->pending, data, len);
                a->n_pending = len;
                a->pending_port = t.port;
                snprintf(a->name, sizeof(a->name), "%s", t.name);
                if (resolver_resolve(a->server->resolver, t.name, t.port, on_name, a, &a->query) < 0) {
                        a->name[0] = '\0';
                        free(a->pending);
                        a->pending = NULL;
                }
                return;
        }
        association_send(a, (struct sockaddr *)&dst, data, len);
}

int udp_on_client_datagram(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Server *s = userdata;
        static_assert(DATAGRAM_MAX <= 65535, "datagram buffer");
        uint8_t buf[DATAGRAM_MAX];

        (void)source;
        (void)revents;
        for (int i = 0; i < 64; i++) { /* a batch, then let the loop breathe */
                struct sockaddr_storage from;
                socklen_t from_len = sizeof(from);
                ssize_t n =
                        recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &from_len);
                UdpAssociation *a;

                if (n < 0)
                        break;
                /* An association that knows this sender, else one that may learn its port. */
                for (a = s->associations; a; a = a->next)
                        if (a->listener->fd == fd && udp_client_is(&a->client, (struct sockaddr *)&from))
                                break;
                for (UdpAssociation *b = s->associations; !a && b; b = b->next)
                        if (b->listener->fd == fd && udp_client_accept(&b->client, (struct sockaddr *)&from))
                                a = b;
                if (a)
                        association_from_client(a, buf, (size_t)n);
        }
        return 0;
}

/* A datagram from a target: prepend the header and send it to the client. */
static int on_target_datagram(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        UdpAssociation *a = userdata;
        uint8_t buf[SOCKS5_UDP_HEADER_MAX + DATAGRAM_MAX];

        (void)source;
        (void)revents;
        for (int i = 0; i < 64; i++) {
                struct sockaddr_in6 from;
                struct sockaddr_storage plain, client;
                socklen_t from_len = sizeof(from);
                ssize_t n = recvfrom(fd, buf + SOCKS5_UDP_HEADER_MAX, DATAGRAM_MAX, MSG_DONTWAIT,
                                     (struct sockaddr *)&from, &from_len);
                int header;

                if (n < 0)
                        break;
                if (!a->client.port_known)
                        continue; /* the client has not sent anything yet: nowhere to send to */
                if (!udp_peers_contains(&a->peers, (struct sockaddr *)&from))
                        continue; /* not from a target the client sent to */
                from_dual_stack(&from, &plain);
                header = socks5_udp_header((struct sockaddr *)&plain, buf, SOCKS5_UDP_HEADER_MAX);
                if (header < 0)
                        continue;
                /* Move the header right in front of the payload. */
                memmove(buf + SOCKS5_UDP_HEADER_MAX - header, buf, (size_t)header);
                from_dual_stack(&a->client.address, &client);
                (void)sendto(a->listener->fd, buf + SOCKS5_UDP_HEADER_MAX - header,
                             (size_t)header + (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL,
                             (struct sockaddr *)&client,
                             client.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                                         : sizeof(struct sockaddr_in6));
        }
        return 0;
}

/* The client's UDP address (DST.ADDR when given) must be one AllowFrom= admits. */
static bool udp_client_is_peer_allowed(Server *s, const UdpClient *c)
{
        struct sockaddr_storage plain;

        from_dual_stack(&c->address, &plain);
        return ipnet_list_contains_sockaddr(s->options->allow_from, s->options->n_allow_from,
                                            (struct sockaddr *)&plain);
}

static DatagramListener *find_listener(Server *s, const struct sockaddr *local)
{
        DatagramListener *family_match = NULL;

        for (size_t i = 0; i < s->n_datagram; i++) {
                if (sockaddr_equal((struct sockaddr *)&s->datagram[i].address, local))
                        return &s->datagram[i];
                if (!family_match && s->datagram[i].address.ss_family == local->sa_family)
                        family_match = &s->datagram[i];
        }
        return family_match;
}

int udp_association_new(Server *s, const UdpAssociationRequest *req, UdpAssociation **ret,
                        struct sockaddr_storage *ret_bound, socklen_t *ret_bound_len)
{
        UdpAssociation *a;
        DatagramListener *l;
        struct sockaddr_in6 any = {.sin6_family = AF_INET6};
        int zero = 0, r = 0;

        l = find_listener(s, (const struct sockaddr *)&req->local);
        if (!l)
                return -EOPNOTSUPP; /* no ListenDatagram= socket passed */

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        *a = (UdpAssociation){.server = s, .listener = l, .fd = -EBADF};
        /* The client says where it will send from (RFC 1928); what it leaves 0 is its
         * TCP address and the port of its first datagram. */
        udp_client_init(&a->client, (const struct sockaddr *)req->client, req->target);
        if (!udp_client_is_peer_allowed(s, &a->client)) {
                free(a);
                return -EACCES; /* DST.ADDR outside AllowFrom= */
        }

        if (s->egress.tailnet_only) {
                a->ifindex = (int)if_nametoindex(s->egress.interface);
                if (a->ifindex == 0) {
                        free(a);
                        return -ENETUNREACH;
                }
        }
        a->fd = egress_socket(AF_INET6, SOCK_DGRAM, a->ifindex);
        if (a->fd < 0) {
                r = a->fd;
                free(a);
                return r;
        }
        if (setsockopt(a->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0 ||
            bind(a->fd, (struct sockaddr *)&any, sizeof(any)) < 0 ||
            (r = sd_event_add_io(s->event, &a->source, a->fd, EPOLLIN, on_target_datagram, a)) < 0) {
                r = r < 0 ? r : negative_errno();
                safe_close(a->fd);
                free(a);
                return r;
        }

        LIST_PREPEND(s->associations, a);

        memcpy(ret_bound, &l->address, l->address_len);
        *ret_bound_len = l->address_len;
        *ret = a;
        return 0;
}

void udp_association_free(UdpAssociation *a)
{
        if (!a)
                return;
        LIST_REMOVE(a->server->associations, a);
        resolver_query_cancel(a->query);
        free(a->pending);
        sd_event_source_disable_unref(a->source);
        safe_close(a->fd);
        free(a);
}
