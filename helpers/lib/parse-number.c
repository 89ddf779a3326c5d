/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* parse-number.c: see parse-number.h. */
#include "parse-number.h"

#include <errno.h>

int parse_unsigned(const char *s, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (; *s; s++) {
                unsigned d;

                if (*s < '0' || *s > '9')
                        return -EINVAL;
                d = (unsigned)(*s - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_port(const char *s, uint16_t *ret)
{
        uint64_t v;
        int r;

        r = parse_unsigned(s, 65535, &v);
        if (r < 0)
                return r;
        if (v == 0)
                return -ERANGE;
        *ret = (uint16_t)v;
        return 0;
}
