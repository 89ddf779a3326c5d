/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netfacts.c: interfaces and addresses by getifaddrs() (see netfacts.h).
 */
#include "netfacts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "netns.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct ifaddrs *, freeifaddrs)

static unsigned prefix_of(const struct sockaddr *mask)
{
        const unsigned char *b;
        size_t n;
        unsigned p = 0;

        if (!mask)
                return 0;
        if (mask->sa_family == AF_INET) {
                b = (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr;
                n = 4;
        } else {
                b = (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
                n = 16;
        }
        for (size_t i = 0; i < n; i++)
                p += (unsigned)__builtin_popcount(b[i]);
        return p;
}

NetLink *netfacts_link_get(NetFacts *f, const char *name)
{
        NetLink *l;

        /* getifaddrs() lists a link's entries together: the last one is the likely match. */
        if (f->n_links > 0 && strcmp(f->links[f->n_links - 1].name, name) == 0)
                return &f->links[f->n_links - 1];
        for (size_t i = 0; i < f->n_links; i++)
                if (strcmp(f->links[i].name, name) == 0)
                        return &f->links[i];
        l = reallocarray(f->links, f->n_links + 1, sizeof(NetLink));
        if (!l)
                return NULL;
        f->links = l;
        l = &f->links[f->n_links++];
        *l = (NetLink){};
        snprintf(l->name, sizeof(l->name), "%s", name);
        return l;
}

int netfacts_link_add_address(NetLink *l, const char *address, unsigned prefix)
{
        char(*a)[IPNET_STRLEN] = reallocarray(l->addrs, l->n_addrs + 1, IPNET_STRLEN);

        if (!a)
                return -ENOMEM;
        l->addrs = a;
        snprintf(l->addrs[l->n_addrs++], IPNET_STRLEN, "%s/%u", address, prefix);
        return 0;
}

void netfacts_done(NetFacts *f)
{
        for (size_t i = 0; i < f->n_links; i++)
                free(f->links[i].addrs);
        free(f->links);
        *f = (NetFacts){};
}

int netfacts_read(NetFacts *ret)
{
        _cleanup_(freeifaddrsp) struct ifaddrs *ifa = NULL;

        if (getifaddrs(&ifa) < 0)
                return negative_errno();
        *ret = (NetFacts){};
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                NetLink *l = netfacts_link_get(ret, i->ifa_name);
                char a[INET6_ADDRSTRLEN];
                const void *src;

                if (!l) {
                        netfacts_done(ret);
                        return -ENOMEM;
                }
                l->up = l->up || (i->ifa_flags & IFF_UP);
                if (!i->ifa_addr ||
                    (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
                        continue;
                src = i->ifa_addr->sa_family == AF_INET
                              ? (const void *)&((const struct sockaddr_in *)i->ifa_addr)->sin_addr
                              : (const void *)&((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
                if (!inet_ntop(i->ifa_addr->sa_family, src, a, sizeof(a)))
                        continue;
                if (netfacts_link_add_address(l, a, prefix_of(i->ifa_netmask)) < 0) {
                        netfacts_done(ret);
                        return -ENOMEM;
                }
        }
        return 0;
}

const NetLink *netfacts_link(const NetFacts *f, const char *name)
{
        for (size_t i = 0; i < f->n_links; i++)
                if (strcmp(f->links[i].name, name) == 0)
                        return &f->links[i];
        return NULL;
}

bool netfacts_is_tailnet_address(const char *cidr)
{
        static const char *const ranges[] = {"100.64.0.0/10", "fd7a:115c:a1e0::/48"};
        char a[IPNET_STRLEN];
        struct sockaddr_storage ss = {};

        snprintf(a, sizeof(a), "%s", cidr);
        a[strcspn(a, "/")] = '\0';
        if (inet_pton(AF_INET, a, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
                ss.ss_family = AF_INET;
        else if (inet_pton(AF_INET6, a, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
                ss.ss_family = AF_INET6;
        else
                return false;
        for (size_t i = 0; i < ELEMENTSOF(ranges); i++) {
                IpNetwork n;
                if (ipnet_parse(ranges[i], &n) >= 0 && ipnet_contains_sockaddr(&n, (struct sockaddr *)&ss))
                        return true;
        }
        return false;
}

bool netfacts_has_address(const struct sockaddr *sa)
{
        _cleanup_(freeifaddrsp) struct ifaddrs *ifa = NULL;

        if (getifaddrs(&ifa) < 0)
                return false;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != sa->sa_family)
                        continue;
                if (sa->sa_family == AF_INET &&
                    memcmp(&((const struct sockaddr_in *)sa)->sin_addr,
                           &((const struct sockaddr_in *)i->ifa_addr)->sin_addr, 4) == 0)
                        return true;
                if (sa->sa_family == AF_INET6 &&
                    memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr,
                           &((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16) == 0)
                        return true;
        }
        return false;
}
