/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tailscaled-args.c: systemd's word splitting and the checks of ExtraArguments= (see
 * tailscaled-args.h). The flags and the "userspace-networking" name are tailscaled's
 * (cmd/tailscaled/tailscaled.go in tailscale's source: its flag set and defaultTunName).
 */
#include "tailscaled-args.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tailnet.h"

#define TUN_USERSPACE "userspace-networking"

/*
 * Split s into words as systemd splits a command line. Returns the number of words
 * (stored NUL-separated in buf, at most size bytes) or -EINVAL on an unbalanced quote or
 * a trailing backslash, -ENOBUFS when buf is too small.
 */
static int words_split(const char *s, char *buf, size_t size)
{
        size_t n = 0;
        int words = 0;

        for (const char *p = s;;) {
                char quote = 0;
                bool any = false;

                p += strspn(p, " \t\n");
                if (!*p)
                        break;
                for (; *p && (quote || !strchr(" \t\n", *p)); p++) {
                        char ch = *p;

                        if (quote && ch == quote) {
                                quote = 0;
                                continue;
                        }
                        if (!quote && (ch == '"' || ch == '\'')) {
                                quote = ch;
                                any = true;
                                continue;
                        }
                        if (ch == '\\' && quote != '\'') {
                                if (!p[1])
                                        return -EINVAL;
                                ch = *++p;
                        }
                        if (n + 1 >= size)
                                return -ENOBUFS;
                        buf[n++] = ch;
                        any = true;
                }
                if (quote)
                        return -EINVAL;
                if (any) {
                        if (n + 1 > size)
                                return -ENOBUFS;
                        buf[n++] = '\0';
                        words++;
                }
        }
        return words;
}

/* The flag of word w ("-x", "--x", "-x=v", "--x=v"): its name and length, or NULL. */
static const char *flag_name(const char *w, size_t *ret_len)
{
        if (w[0] != '-' || w[1] == '\0' || strcmp(w, "--") == 0)
                return NULL;
        w += w[1] == '-' ? 2 : 1;
        *ret_len = strcspn(w, "=");
        return w;
}

static bool flag_is(const char *name, size_t len, const char *what)
{
        return len == strlen(what) && strncmp(name, what, len) == 0;
}

/* Does the --tun value (a comma-separated list, tried in order) name userspace-networking? */
static bool tun_is_userspace(const char *v)
{
        for (const char *p = v; *p;) {
                size_t len = strcspn(p, ",");
                if (len == strlen(TUN_USERSPACE) && strncmp(p, TUN_USERSPACE, len) == 0)
                        return true;
                p += len + (p[len] == ',');
        }
        return false;
}

int tailscaled_args_check(const char *s, char tun[static IFNAMSIZ], char *reason, size_t reason_size)
{
        static const char *const own[] = {"state", "statedir", "socket", "port"};
        char words[4096];
        const char *w;
        int n;

        snprintf(tun, IFNAMSIZ, "%s", TAILSCALE_TUN_DEFAULT);
        if (!s)
                return 0;
        n = words_split(s, words, sizeof(words));
        if (n == -ENOBUFS) {
                snprintf(reason, reason_size, "longer than %zu bytes.", sizeof(words) - 1);
                return -EINVAL;
        }
        if (n < 0) {
                snprintf(reason, reason_size,
                         "unbalanced quotes or a trailing backslash (systemd splits it into words as a "
                         "command line).");
                return -EINVAL;
        }
        w = words;
        for (int i = 0; i < n; i++, w += strlen(w) + 1) {
                const char *name, *value = NULL;
                size_t len;

                name = flag_name(w, &len);
                if (!name)
                        continue;
                for (size_t k = 0; k < sizeof(own) / sizeof(own[0]); k++)
                        if (flag_is(name, len, own[k])) {
                                snprintf(reason, reason_size,
                                         "--%s is set by tsproxy itself (each instance has its own state "
                                         "directory, socket and port; see [Tailscale] Port=).",
                                         own[k]);
                                return -EINVAL;
                        }
                if (!flag_is(name, len, "tun"))
                        continue;
                if (name[len] == '=')
                        value = name + len + 1;
                else if (i + 1 < n) {
                        w += strlen(w) + 1;
                        i++;
                        value = w;
                } else {
                        snprintf(reason, reason_size, "--tun needs a value.");
                        return -EINVAL;
                }
                if (tun_is_userspace(value)) {
                        snprintf(reason, reason_size,
                                 "--tun=" TUN_USERSPACE " makes no interface: the instance's namespace "
                                 "could not reach its tailnet, and tsproxy's daemons send only through "
                                 "that interface.");
                        return -EINVAL;
                }
                if (!*value || strlen(value) >= IFNAMSIZ || strchr(value, ',') || strchr(value, '/') ||
                    strchr(value, '%') || strchr(value, '$')) {
                        snprintf(reason, reason_size,
                                 "--tun needs one interface name of 1 to 15 characters (no list, no '/', "
                                 "'%%' or '$').");
                        return -EINVAL;
                }
                snprintf(tun, IFNAMSIZ, "%s", value);
        }
        return 0;
}
