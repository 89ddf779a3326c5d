/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parse.c: pure parsers of nft, /proc/net/route and mountinfo text (see parse.h).
 */
#include "parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "macro.h"

/* The line of text that contains p, as [start, end). */
static void line_around(const char *text, const char *p, const char **start, const char **end)
{
        const char *s = p, *e = strchr(p, '\n');

        while (s > text && s[-1] != '\n')
                s--;
        *start = s;
        *end = e ? e : p + strlen(p);
}

static const char *memstr(const char *s, const char *e, const char *needle)
{
        size_t n = strlen(needle);

        for (const char *p = s; p + n <= e; p++)
                if (memcmp(p, needle, n) == 0)
                        return p;
        return NULL;
}

bool parse_nft_masquerade(const char *text, uint64_t *ret_packets, uint64_t *ret_bytes)
{
        const char *p = text ? strstr(text, "comment \"masquerade\"") : NULL, *s, *e, *c;
        uint64_t packets, bytes;

        if (!p)
                return false;
        line_around(text, p, &s, &e);
        if (!memstr(s, e, " masquerade"))
                return false;
        c = memstr(s, e, "counter packets ");
        if (!c || sscanf(c, "counter packets %" SCNu64 " bytes %" SCNu64, &packets, &bytes) != 2)
                return false;
        *ret_packets = packets;
        *ret_bytes = bytes;
        return true;
}

int parse_nft_error(int r, const char *error_text)
{
        static const int known[] = {ENOENT, EPERM, EACCES};

        for (size_t i = 0; error_text && r == -EINVAL && i < ELEMENTSOF(known); i++)
                if (strstr(error_text, strerror(known[i])))
                        return -known[i];
        return r;
}

size_t parse_nft_forward_drops(const char *text, NftDropChain *ret, size_t max)
{
        char family[16] = "", table[64] = "", chain[64] = "";
        size_t n = 0, table_first = 0;
        bool ours = false, mentions = false;

        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                char line[512];

                snprintf(line, sizeof(line), "%.*s", (int)len, p);
                p = e ? e + 1 : p + len;

                if (sscanf(line, "table %15s %63s {", family, table) == 2) {
                        /* Settle the previous table's chains. */
                        for (size_t i = table_first; i < n; i++)
                                ret[i].mentions_tsproxy = mentions;
                        table_first = n;
                        mentions = false;
                        ours = strncmp(table, NFT_TABLE_PREFIX, strlen(NFT_TABLE_PREFIX)) == 0;
                        chain[0] = '\0';
                        continue;
                }
                if (sscanf(line, " chain %63s {", chain) == 1)
                        continue;
                /* iifname "ts-t1", or iptables-nft's iifname "ts-*" */
                if (strstr(line, "ifname \"" HOST_IFNAME_PREFIX))
                        mentions = true;
                if (!ours && strstr(line, "hook forward") && strstr(line, "policy drop;") && n < max) {
                        ret[n] = (NftDropChain){};
                        snprintf(ret[n].family, sizeof(ret[n].family), "%s", family);
                        snprintf(ret[n].table, sizeof(ret[n].table), "%s", table);
                        snprintf(ret[n].chain, sizeof(ret[n].chain), "%s", chain);
                        n++;
                }
        }
        for (size_t i = table_first; i < n; i++)
                ret[i].mentions_tsproxy = mentions;
        return n;
}

size_t parse_proc_net_route(const char *text, RouteEntry *ret, size_t max)
{
        size_t n = 0;
        bool header = true;

        for (const char *p = text; p && *p && n < max;) {
                const char *e = strchr(p, '\n');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                char line[512], ifname[16];
                unsigned dest, gw, flags, refcnt, use, metric, mask;

                snprintf(line, sizeof(line), "%.*s", (int)len, p);
                p = e ? e + 1 : p + len;
                if (header) { /* "Iface Destination Gateway Flags ..." */
                        header = false;
                        continue;
                }
                if (sscanf(line, "%15s %x %x %x %u %u %u %x", ifname, &dest, &gw, &flags, &refcnt, &use,
                           &metric, &mask) != 8)
                        continue;
                if (!(flags & 0x1)) /* RTF_UP */
                        continue;
                /* The kernel prints the addresses in network byte order, as hex of a u32. */
                ret[n] = (RouteEntry){.gateway = (flags & 0x2) != 0};
                snprintf(ret[n].ifname, sizeof(ret[n].ifname), "%s", ifname);
                ret[n].destination.network = ntohl(dest);
                ret[n].destination.prefix = (unsigned)__builtin_popcount(mask);
                n++;
        }
        return n;
}

bool parse_mountinfo_shared(const char *text, const char *mount_point, bool *ret_is_mount)
{
        bool is_mount = false, shared = false;

        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                char line[4096], mp[4096];

                snprintf(line, sizeof(line), "%.*s", (int)len, p);
                p = e ? e + 1 : p + len;
                /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER */
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 || strcmp(mp, mount_point) != 0)
                        continue;
                /* The last mount on the point counts (stacked mounts). */
                const char *sep = strstr(line, " - "), *q = strstr(line, " shared:");
                is_mount = true;
                shared = q && (!sep || q < sep);
        }
        if (ret_is_mount)
                *ret_is_mount = is_mount;
        return shared;
}

static bool startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

TailscaledLogin parse_tailscaled_status(const char *t)
{
        if (!t)
                return TAILSCALED_LOGIN_UNKNOWN;
        if (startswith(t, "Connected;"))
                return TAILSCALED_LOGIN_CONNECTED;
        if (startswith(t, "Needs login:"))
                return TAILSCALED_LOGIN_NEEDS_LOGIN;
        if (startswith(t, "Stopped;"))
                return TAILSCALED_LOGIN_STOPPED;
        if (startswith(t, "key expired"))
                return TAILSCALED_LOGIN_KEY_EXPIRED;
        return TAILSCALED_LOGIN_UNKNOWN;
}
