/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * instance.c: validation of instance names and the names derived from them.
 */
#include "instance.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int instance_name_check(const char *name, const char **reason)
{
        const char *why = NULL;
        size_t n = name ? strlen(name) : 0;

        if (n == 0)
                why = "the name is empty";
        else if (n > INSTANCE_NAME_MAX)
                why = "the name is longer than 12 characters (the interface name ts-NAME must fit 15)";
        else if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
                why = "the name must start with a lowercase letter or a digit";
        else
                for (size_t i = 1; i < n; i++) {
                        char c = name[i];
                        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                                why = "the name may contain only a-z, 0-9, '-' and '_'";
                                break;
                        }
                }
        if (reason)
                *reason = why;
        return why ? -EINVAL : 0;
}

int instance_host_ifname(const char *name, char buf[static IFNAMSIZ])
{
        if (instance_name_check(name, NULL) < 0)
                return -EINVAL;
        snprintf(buf, IFNAMSIZ, HOST_IFNAME_PREFIX "%s", name);
        return 0;
}

int instance_nft_table(const char *name, char *buf, size_t size)
{
        if (instance_name_check(name, NULL) < 0)
                return -EINVAL;
        if ((size_t)snprintf(buf, size, NFT_TABLE_PREFIX "%s", name) >= size)
                return -ENOBUFS;
        return 0;
}

int instance_nft_guard_table(const char *name, char *buf, size_t size)
{
        if (instance_name_check(name, NULL) < 0)
                return -EINVAL;
        if ((size_t)snprintf(buf, size, NFT_GUARD_TABLE_PREFIX "%s", name) >= size)
                return -ENOBUFS;
        return 0;
}

uint32_t instance_hash(const char *name, uint32_t seed)
{
        uint32_t h = 2166136261u ^ seed;

        for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
                h ^= *p;
                h *= 16777619u;
        }
        return h;
}
