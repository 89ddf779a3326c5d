/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pac-peer.c: one --pac-peer value (see pac-peer.h): four comma-separated fields, each
 * copied and then checked by pac_check(), the PAC builder's own validation.
 */
#include "pac-peer.h"

#include <errno.h>
#include <string.h>

#include "pac.h"

static int copy_field(const char **p, char *buf, size_t size, bool last)
{
        const char *end = last ? *p + strlen(*p) : strchr(*p, ',');
        size_t n;

        if (!end)
                return -EINVAL;
        n = (size_t)(end - *p);
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(buf, *p, n);
        buf[n] = '\0';
        *p = last ? end : end + 1;
        return 0;
}

int pac_peer_parse(const char *value, PacPeer *ret, const char **ret_reason)
{
        static const char *const what[] = {"the instance name", "the domain", "the tailnet domain",
                                           "HOST:PORT"};
        PacPeer p = {};
        char *fields[] = {p.name, p.domain, p.tailnet_domain, p.proxy};
        size_t sizes[] = {sizeof(p.name), sizeof(p.domain), sizeof(p.tailnet_domain), sizeof(p.proxy)};
        const char *at = value, *bad = NULL;
        int r;

        for (size_t i = 0; i < 4; i++) {
                r = copy_field(&at, fields[i], sizes[i], i == 3);
                if (r == -EINVAL) {
                        *ret_reason = "expected NAME,DOMAIN,TAILNETDOMAIN,HOST:PORT";
                        return -EINVAL;
                }
                if (r < 0) {
                        *ret_reason = what[i];
                        return -EINVAL;
                }
        }
        if (strchr(p.proxy, ',')) {
                *ret_reason = "expected NAME,DOMAIN,TAILNETDOMAIN,HOST:PORT";
                return -EINVAL;
        }
        r = pac_check(&(PacInstance){p.name, p.domain, p.tailnet_domain, NULL, 0, p.proxy}, 1, &bad);
        if (r < 0) {
                *ret_reason = bad;
                return r;
        }
        *ret = p;
        return 0;
}
