/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config-login.c: the parsers of the [Tailscale] keys of the login (LoginServer=,
 * Hostname=, AdvertiseTags=, UpArguments=), over login-prefs.h's checks, which
 * tsproxy-login applies again to the same words. Values are stored normalised, as the
 * generator writes them: tags as "tag:a,tag:b", UpArguments= as its words one space
 * apart. AuthKeyFile= is a path (config-keys.c) and AcceptRoutes= a boolean.
 */
#include "config-keys.h"
#include "login-prefs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHITESPACE " \t"

CONFIG_PARSER(login_server)
{
        const char *why = *value ? login_check_url(value) : NULL;

        if (why)
                return config_invalid(c, d, at, k, value, "%s", why);
        return config_set_string(KEY_FIELD(c, k, char *), value);
}

CONFIG_PARSER(hostname)
{
        const char *why = *value ? login_check_hostname(value) : NULL;

        if (why)
                return config_invalid(c, d, at, k, value, "%s", why);
        return config_set_string(KEY_FIELD(c, k, char *), value);
}

/* Tags separated by commas or white space; "NAME" is "tag:NAME", as for the CLI. */
CONFIG_PARSER(advertise_tags)
{
        char list[LOGIN_TAGS_MAX * LOGIN_TAG_MAX] = "";
        size_t n = 0;
        LoginPrefs p;
        const char *why = NULL;

        login_prefs_init(&p);
        for (const char *q = value + strspn(value, WHITESPACE ","); *q && !why;) {
                size_t len = strcspn(q, WHITESPACE ",");
                if (p.n_tags == LOGIN_TAGS_MAX)
                        why = "too many tags (at most 16).";
                else
                        why = login_check_tag(q, len, p.tags[p.n_tags]);
                if (!why) {
                        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", p.n_tags ? "," : "",
                                              p.tags[p.n_tags]);
                        p.n_tags++;
                }
                q += len;
                q += strspn(q, WHITESPACE ",");
        }
        if (why)
                return config_invalid(c, d, at, k, value, "%s", why);
        return config_set_string(KEY_FIELD(c, k, char *), list);
}

/* Words of `tailscale up` flags that login-prefs.h maps; the others refused with why. */
CONFIG_PARSER(up_arguments)
{
        _cleanup_free_ char *copy = strdup(value), *words = strdup("");
        char *save = NULL;
        LoginPrefs p;
        const char *why;

        if (!copy || !words)
                return -ENOMEM;
        /* An auth key written here is not echoed: it would be in the journal. */
        if (strstr(value, "auth-key") || strstr(value, "authkey"))
                return config_invalid(c, d, at, k, "(not shown)", "%s",
                                      "an auth key never goes on a command line: use AuthKeyFile=.");
        login_prefs_init(&p);
        for (char *w = strtok_r(copy, WHITESPACE, &save); w; w = strtok_r(NULL, WHITESPACE, &save)) {
                char *t;

                if (strpbrk(w, "\"'\\%$"))
                        return config_invalid(c, d, at, k, value,
                                              "'%s': quotes, backslashes, '%%' and '$' are not taken.", w);
                if (login_prefs_apply_flag(&p, w, LOGIN_FLAG_UP_ARGUMENTS, &why) < 0)
                        return config_invalid(c, d, at, k, value, "'%s': %s", w, why);
                if (asprintf(&t, "%s%s%s", words, *words ? " " : "", w) < 0)
                        return -ENOMEM;
                free(words);
                words = t;
        }
        why = login_prefs_check(&p);
        if (why)
                return config_invalid(c, d, at, k, value, "%s", why);
        return config_set_string(KEY_FIELD(c, k, char *), words);
}
