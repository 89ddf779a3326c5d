/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * diagnostics.h: configuration warnings and errors, collected rather than logged.
 *
 * The configuration reader is library code: it never logs. It records each problem
 * with the file, line and key it concerns; the generator logs them (journal or kmsg),
 * `tsproxyctl verify` prints them, and the golden tests compare them.
 */
#pragma once

#include <stddef.h>
#include <syslog.h>

#include "macro.h"

typedef struct Diagnostic {
        int level;      /* LOG_ERR or LOG_WARNING */
        char *file;     /* path as configured (without TSPROXY_ROOT) */
        unsigned line;  /* 0: concerns the whole file */
        char *key;      /* "Section.Key", or NULL */
        char *instance; /* instance name, or NULL */
        char *message;  /* without the "file:line: " prefix */
} Diagnostic;

typedef struct Diagnostics {
        Diagnostic *items;
        size_t n, allocated;
} Diagnostics;

/* Returns 0, or -ENOMEM. */
int diagnostics_add(Diagnostics *d, int level, const char *file, unsigned line, const char *key,
                    const char *instance, const char *fmt, ...) _printf_(7, 8);
size_t diagnostics_count(const Diagnostics *d, int level);
void diagnostics_done(Diagnostics *d);
