/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* udp-peers.c: the client and the targets of a UDP association (see udp-peers.h). */
#include "udp-peers.h"

#include <string.h>

bool udp_to_in6(const struct sockaddr *sa, struct sockaddr_in6 *out)
{
        *out = (struct sockaddr_in6){.sin6_family = AF_INET6};
        if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
                out->sin6_addr = in6->sin6_addr;
                out->sin6_port = in6->sin6_port;
                out->sin6_scope_id = in6->sin6_scope_id;
                return true;
        }
        if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
                out->sin6_addr.s6_addr[10] = out->sin6_addr.s6_addr[11] = 0xff;
                memcpy(out->sin6_addr.s6_addr + 12, &in->sin_addr, 4);
                out->sin6_port = in->sin_port;
                return true;
        }
        return false;
}

static bool same_address(const struct sockaddr_in6 *a, const struct sockaddr_in6 *b)
{
        return memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0 &&
               a->sin6_scope_id == b->sin6_scope_id;
}

void udp_client_init(UdpClient *c, const struct sockaddr *tcp_peer, const ProxyTarget *request)
{
        struct sockaddr_in6 given = {};
        bool have_address = false;

        *c = (UdpClient){};
        (void)udp_to_in6(tcp_peer, &c->address);
        c->address.sin6_port = 0;
        if (request && request->family == AF_INET && request->address.in.s_addr != INADDR_ANY) {
                struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr = request->address.in};
                have_address = udp_to_in6((struct sockaddr *)&in, &given);
        } else if (request && request->family == AF_INET6 &&
                   !IN6_IS_ADDR_UNSPECIFIED(&request->address.in6)) {
                struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = request->address.in6};
                have_address = udp_to_in6((struct sockaddr *)&in6, &given);
        }
        if (have_address)
                c->address.sin6_addr = given.sin6_addr;
        if (request && request->port != 0) {
                c->address.sin6_port = htons(request->port);
                c->port_known = true;
        }
}

bool udp_client_is(const UdpClient *c, const struct sockaddr *from)
{
        struct sockaddr_in6 f;

        return udp_to_in6(from, &f) && same_address(&c->address, &f) && c->port_known &&
               c->address.sin6_port == f.sin6_port;
}

bool udp_client_accept(UdpClient *c, const struct sockaddr *from)
{
        struct sockaddr_in6 f;

        if (!udp_to_in6(from, &f) || !same_address(&c->address, &f))
                return false;
        if (!c->port_known) {
                c->address.sin6_port = f.sin6_port;
                c->port_known = true;
        }
        return c->address.sin6_port == f.sin6_port;
}

void udp_peers_add(UdpPeers *p, const struct sockaddr *to)
{
        struct sockaddr_in6 t;

        if (!udp_to_in6(to, &t) || udp_peers_contains(p, to))
                return;
        p->peers[p->next] = t;
        p->next = (p->next + 1) % UDP_PEERS_MAX;
        if (p->n < UDP_PEERS_MAX)
                p->n++;
}

bool udp_peers_contains(const UdpPeers *p, const struct sockaddr *from)
{
        struct sockaddr_in6 f;

        if (!udp_to_in6(from, &f))
                return false;
        for (unsigned i = 0; i < p->n; i++)
                if (same_address(&p->peers[i], &f) && p->peers[i].sin6_port == f.sin6_port)
                        return true;
        return false;
}
