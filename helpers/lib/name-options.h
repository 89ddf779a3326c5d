/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * name-options.h: the naming options that tsproxy-dns, tsproxy-socks and tsproxy-relay
 * share (name-model.h), parsed and checked by one piece of code so that they are
 * spelled and refused alike:
 *   --domain D                 Domain= (default: the instance name)
 *   --tailnet-domain T         TailnetDomain=: the MagicDNS suffix, given
 *   --tailnet-domain-file PATH the suffix learned from the instance's tailscaled (one
 *                              line; --tailnet-domain wins over it)
 * Each daemon lists NAME_OPTIONS_LONG(its three codes) in its getopt table and hands
 * those cases to name_options_set().
 */
#pragma once

#include <getopt.h>

#include "name-model.h"

typedef enum NameOption {
        NAME_OPTION_DOMAIN,
        NAME_OPTION_TAILNET_DOMAIN,
        NAME_OPTION_TAILNET_DOMAIN_FILE,
} NameOption;

typedef struct NameOptions {
        char domain[NAME_MODEL_NAME_MAX + 1];         /* lowercase, no final dot */
        char tailnet_domain[NAME_MODEL_NAME_MAX + 1]; /* "": not given */
        const char *tailnet_domain_file;              /* points into argv; NULL: none */
} NameOptions;

#define NAME_OPTIONS_LONG(domain, tailnet_domain, tailnet_domain_file)                                      \
        {"domain", required_argument, NULL, (domain)},                                                      \
                {"tailnet-domain", required_argument, NULL, (tailnet_domain)},                              \
        {                                                                                                   \
                "tailnet-domain-file", required_argument, NULL, (tailnet_domain_file)                       \
        }

/* The help lines of the three options. */
#define NAME_OPTIONS_HELP                                                                                   \
        "     --domain DOMAIN          The instance's domain (default: the instance name)\n"                \
        "     --tailnet-domain DOMAIN  The tailnet's MagicDNS suffix (e.g. tail1234.ts.net)\n"              \
        "     --tailnet-domain-file PATH\n"                                                                 \
        "                              The suffix learned from the instance's tailscaled,\n"                \
        "                              read again when it changes (--tailnet-domain wins)\n"

/* One option's value. 0, or -EINVAL after printing what is wrong to stderr. */
int name_options_set(NameOptions *o, NameOption which, const char *value);

/* After the command line: the domain defaults to the instance name. 0 or -EINVAL (printed). */
int name_options_finish(NameOptions *o, const char *instance);
