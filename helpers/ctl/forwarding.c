/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * forwarding.c: the IPv4 forwarding flags that carry an instance's packets (see
 * forwarding.h).
 */
#include "forwarding.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fileio.h"
#include "macro.h"

/* 1, 0, or -ENOENT when the interface (its conf directory) is absent. */
static int read_flag(const char *path)
{
        _cleanup_free_ char *v = NULL;
        int r = fileio_read_text(path, 64, &v);
        if (r < 0)
                return r;
        return v[0] == '1';
}

/* Appends " net.ipv4.conf.NAME.forwarding=VALUE" (no space when buf is empty). */
static void append_sysctl(char *buf, size_t size, const char *name, const char *value)
{
        size_t len = strlen(buf);
        if (len < size)
                snprintf(buf + len, size - len, "%snet.ipv4.conf.%s.forwarding=%s", len ? " " : "", name,
                         value);
}

int forwarding_read(const char *host_ifname, const char *uplink, Forwarding *ret)
{
        const char *ifs[] = {host_ifname, uplink};
        char path[96];
        int r;

        *ret = (Forwarding){.on = true};
        if (!uplink) {
                r = read_flag("/proc/sys/net/ipv4/ip_forward");
                if (r < 0)
                        return r;
                ret->on = r;
                snprintf(ret->fact, sizeof(ret->fact), "net.ipv4.ip_forward=%d", r);
                if (!r)
                        snprintf(ret->fix, sizeof(ret->fix), "sysctl -w net.ipv4.ip_forward=1");
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(ifs); i++) {
                snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", ifs[i]);
                r = read_flag(path);
                if (r < 0 && r != -ENOENT)
                        return r;
                append_sysctl(ret->fact, sizeof(ret->fact), ifs[i], r == -ENOENT ? "absent" : r ? "1" : "0");
                if (r == 1)
                        continue;
                ret->on = false;
                if (r == 0) {
                        if (!ret->fix[0])
                                snprintf(ret->fix, sizeof(ret->fix), "sysctl -w");
                        append_sysctl(ret->fix, sizeof(ret->fix), ifs[i], "1");
                }
        }
        return 0;
}
