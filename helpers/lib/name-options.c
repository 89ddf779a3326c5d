/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* name-options.c: --domain, --tailnet-domain, --tailnet-domain-file (name-options.h).
 * Errors name the option and the value, on stderr (the daemons exit with 78). */
#include "name-options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int domain_option(const char *option, const char *value, char ret[static NAME_MODEL_NAME_MAX + 1])
{
        if (name_model_domain(value, ret) < 0) {
                fprintf(stderr,
                        "%s: '%s' is not a domain name (labels of letters, digits, '-' and '_', "
                        "at most 63 bytes each and 253 in all).\n",
                        option, value);
                return -EINVAL;
        }
        return 0;
}

int name_options_set(NameOptions *o, NameOption which, const char *value)
{
        switch (which) {
        case NAME_OPTION_DOMAIN: return domain_option("--domain", value, o->domain);
        case NAME_OPTION_TAILNET_DOMAIN: return domain_option("--tailnet-domain", value, o->tailnet_domain);
        case NAME_OPTION_TAILNET_DOMAIN_FILE:
                if (value[0] != '/') {
                        fprintf(stderr, "--tailnet-domain-file: '%s' is not an absolute path.\n", value);
                        return -EINVAL;
                }
                o->tailnet_domain_file = value;
                return 0;
        }
        return -EINVAL;
}

int name_options_finish(NameOptions *o, const char *instance)
{
        if (o->domain[0])
                return 0;
        return domain_option("--domain", instance, o->domain);
}
