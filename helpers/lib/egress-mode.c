/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egress-mode.c: the --egress and --egress-interface options of the daemons, parsed
 * once for all three (egress-mode.h). */
#include "egress-mode.h"

#include <stdio.h>

int egress_mode_option(const char *value, EgressMode *ret)
{
        if (egress_mode_from_string(value, ret) < 0) {
                fprintf(stderr, "--egress: '%s' is neither 'tailnet' nor 'any'.\n", value);
                return -EINVAL;
        }
        return 0;
}

int egress_interface_option(const char *value, char buf[static IF_NAMESIZE])
{
        if (!egress_interface_valid(value)) {
                fprintf(stderr, "--egress-interface: '%s' is not an interface name.\n", value);
                return -EINVAL;
        }
        snprintf(buf, IF_NAMESIZE, "%s", value);
        return 0;
}
