/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parse-number.h: strict decimal numbers from command lines and the environment.
 *
 * Only digits: no sign, no leading or trailing blanks, no "0x"; overflow and values
 * above max are -ERANGE, anything else malformed -EINVAL. (strtoul() alone accepts
 * " -1" as ULONG_MAX.)
 */
#pragma once

#include <stdint.h>

int parse_unsigned(const char *s, uint64_t max, uint64_t *ret);
/* A TCP/UDP port, 1..65535. */
int parse_port(const char *s, uint16_t *ret);
