/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* strfmt.c: printf into a new string (see strfmt.h). */
#include "strfmt.h"

#include <stdio.h>

char *strfmt_v(const char *fmt, va_list ap)
{
        char *s;

        if (!fmt)
                return NULL;
        return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

char *strfmt(const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = strfmt_v(fmt, ap);
        va_end(ap);
        return s;
}
