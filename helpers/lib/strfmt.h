/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * strfmt.h: printf into a new string, the one helper the generator's drop-in text,
 * tsproxyctl's tree, status and doctor share (each had its own copy).
 */
#pragma once

#include <stdarg.h>

#include "macro.h"

/* A new string (free() it), or NULL when out of memory or fmt is NULL. */
char *strfmt(const char *fmt, ...) _printf_(1, 2);
char *strfmt_v(const char *fmt, va_list ap) _printf_(1, 0);
