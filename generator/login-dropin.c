/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * login-dropin.c: ts-login@NAME.service's drop-in text (login-dropin.h).
 *
 * Every [Tailscale] login key is written out as the flag of `tailscale up` that
 * tsproxy-login takes for it (login-prefs.h), defaults included, so that
 * `systemctl cat ts-login@NAME` shows what the node is asked for. The default
 * Hostname= is "%l-NAME": systemd's short host name specifier, filled in when the unit
 * starts (so the generated text does not depend on the host it was made on), then the
 * instance name with '_' as '-' (a host name is one DNS label). The auth key file is a
 * LoadCredential= and tsproxy-login reads the copy in its credentials directory (%d):
 * the key itself is never in the unit, its command line or environment.
 */
#include "login-dropin.h"
#include "dropins.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int login_dropin_service(const InstanceConfig *c, const char *pkglibexecdir, char **ret)
{
        _cleanup_free_ char *key = NULL, *server = NULL;
        char host[INSTANCE_NAME_BUFSZ];
        int r;

        snprintf(host, sizeof(host), "%s", c->name);
        for (char *p = host; *p; p++)
                if (*p == '_')
                        *p = '-';
        if (c->ts_auth_key_file) {
                key = unit_escape(c->ts_auth_key_file, false);
                if (!key)
                        return -ENOMEM;
        }
        /* URLs may hold '%' and '$': escaped for systemd's specifiers and variables. */
        server = c->ts_login_server ? unit_escape(c->ts_login_server, true) : strdup("");
        if (!server)
                return -ENOMEM;
        r = asprintf(ret,
                     "%s%s%s"
                     "ExecStart=\n"
                     "ExecStart=%s/tsproxy-login %s%s%s%s --hostname=%s%s%s%s --accept-routes=%s%s%s\n",
                     key ? "LoadCredential=" LOGIN_CREDENTIAL ":" : "", strempty(key), key ? "\n" : "",
                     pkglibexecdir, c->name, key ? " --auth-key-file=%d/" LOGIN_CREDENTIAL : "",
                     *server ? " --login-server=" : "", server, c->ts_hostname ?: "%l-",
                     c->ts_hostname ? "" : host, c->ts_advertise_tags ? " --advertise-tags=" : "",
                     strempty(c->ts_advertise_tags), c->ts_accept_routes ? "true" : "false",
                     c->ts_up_arguments ? " " : "", strempty(c->ts_up_arguments));
        return r < 0 ? -ENOMEM : 0;
}
