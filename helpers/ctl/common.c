/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * common.c: the helpers every subcommand shares (see ctl.h).
 */
#include "ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int ctl_exit_for_error(int r)
{
        return r == -EPERM || r == -EACCES ? CTL_EXIT_NO_RIGHTS : CTL_EXIT_PROBLEMS;
}

int ctl_require_systemd(Ctl *ctl)
{
        struct stat st;

        /* sd_booted()'s test, as systemctl's. */
        if (lstat("/run/systemd/system", &st) >= 0 && S_ISDIR(st.st_mode))
                return 0;
        log_error(&ctl->log, "This system was not booted with systemd (/run/systemd/system is missing); "
                             "tsproxy's instances are systemd units and cannot be inspected here.");
        return CTL_EXIT_NO_SYSTEMD;
}

int ctl_load_config(Ctl *ctl, ConfigSet *set)
{
        int r = config_load(ctl->root, set);

        if (r < 0)
                return log_error_errno(&ctl->log, r, "Failed to load configuration below '%s': %m",
                                       ctl->root);
        return 0;
}

const struct sockaddr *ctl_listen_address(const InstanceConfig *c, size_t i, const char **ret_kind)
{
        if (i < c->socks.n_listen) {
                *ret_kind = "";
                return (const struct sockaddr *)&c->socks.listen[i].address;
        }
        i -= c->socks.n_listen;
        if (i < c->n_forwards) {
                *ret_kind = c->forwards[i].protocol == FORWARD_UDP ? "udp" : "tcp";
                return (const struct sockaddr *)&c->forwards[i].listen;
        }
        i -= c->n_forwards;
        if (i < c->dns.n_listen) {
                *ret_kind = "dns";
                return (const struct sockaddr *)&c->dns.listen[i].address;
        }
        return NULL;
}

const InstanceConfig *ctl_find_instance(Ctl *ctl, const ConfigSet *set, const char *name)
{
        const InstanceConfig *c = config_set_find(set, name);

        if (!c)
                log_error(&ctl->log,
                          "Unknown instance '%s': no %s.conf in /etc/tsproxy, /run/tsproxy, "
                          "/usr/local/lib/tsproxy or /usr/lib/tsproxy (see tsproxyctl list).",
                          name, name);
        return c;
}

/* Replace every "NAME" and "UNIT" in fix. */
char *ctl_fix_text(const char *fix, const char *name, const char *unit)
{
        size_t n = 1;
        char *out, *p;

        for (const char *q = fix; *q; q++)
                n += strncmp(q, "NAME", 4) == 0   ? strlen(name)
                     : strncmp(q, "UNIT", 4) == 0 ? strlen(unit)
                                                  : 1;
        out = p = malloc(n);
        if (!out)
                return NULL;
        for (const char *q = fix; *q;)
                if (strncmp(q, "NAME", 4) == 0) {
                        p = stpcpy(p, name);
                        q += 4;
                } else if (strncmp(q, "UNIT", 4) == 0) {
                        p = stpcpy(p, unit);
                        q += 4;
                } else
                        *p++ = *q++;
        *p = '\0';
        return out;
}
