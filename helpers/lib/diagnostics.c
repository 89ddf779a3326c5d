/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnostics.c: a growable list of configuration diagnostics.
 */
#include "diagnostics.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *strdup_or_null(const char *s, int *r)
{
        char *c;

        if (!s)
                return NULL;
        c = strdup(s);
        if (!c)
                *r = -ENOMEM;
        return c;
}

int diagnostics_add(Diagnostics *d, int level, const char *file, unsigned line, const char *key,
                    const char *instance, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        Diagnostic *item;
        va_list ap;
        int r = 0;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        r = 0;

        if (d->n == d->allocated) {
                size_t n = d->allocated ? d->allocated * 2 : 16;
                Diagnostic *items = reallocarray(d->items, n, sizeof(Diagnostic));
                if (!items)
                        return -ENOMEM;
                d->items = items;
                d->allocated = n;
        }
        item = &d->items[d->n];
        *item = (Diagnostic){.level = level, .line = line};
        item->file = strdup_or_null(file, &r);
        item->key = strdup_or_null(key, &r);
        item->instance = strdup_or_null(instance, &r);
        item->message = TAKE_PTR(msg);
        d->n++;
        return r;
}

size_t diagnostics_count(const Diagnostics *d, int level)
{
        size_t n = 0;

        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].level == level)
                        n++;
        return n;
}

void diagnostics_done(Diagnostics *d)
{
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].key);
                free(d->items[i].instance);
                free(d->items[i].message);
        }
        free(d->items);
        *d = (Diagnostics){};
}
