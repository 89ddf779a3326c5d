/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * allow-from.c: --allow-from of tsproxy-relay and tsproxy-dns (see allow-from.h).
 *
 * Command-line parsing: errors go to stderr with the option and the value, as the
 * daemons' other options do (systemd puts them in the journal).
 */
#include "allow-from.h"

#include <errno.h>
#include <stdio.h>

#include "macro.h"

int allow_from_add_option(AllowFrom *a, const char *value)
{
        int r;

        if (a->n >= ALLOW_FROM_MAX) {
                fprintf(stderr, "--allow-from: more than %d networks.\n", ALLOW_FROM_MAX);
                return -EINVAL;
        }
        r = ipnet_parse(value, &a->nets[a->n]);
        if (r < 0) {
                fprintf(stderr, "--allow-from: '%s' is not an IPv4 or IPv6 network%s.\n", value,
                        r == -EDOM ? " (host bits set)" : "");
                return -EINVAL;
        }
        a->n++;
        return 0;
}

int allow_from_finish(AllowFrom *a)
{
        static const char *const defaults[] = ALLOW_FROM_DEFAULT_INIT;

        if (a->n > 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(defaults); i++)
                if (allow_from_add_option(a, defaults[i]) < 0)
                        return -EINVAL;
        return 0;
}
