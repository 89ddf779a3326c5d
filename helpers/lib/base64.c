/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * base64.c: strict base64 decoding (RFC 4648 section 4), see base64.h.
 *
 * Quantum by quantum: every 4 characters give 3 bytes; only the last quantum may carry
 * one or two '=' and then its unused low bits must be zero (section 3.5), so every byte
 * string has exactly one accepted encoding.
 */
#include "base64.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>

static int base64_value(char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -EINVAL;
}

int base64_decode(const char *src, size_t len, uint8_t *dst, size_t size)
{
        size_t n = 0;

        if (len % 4 != 0)
                return -EINVAL;
        if (len / 4 * 3 > INT_MAX)
                return -E2BIG;

        for (size_t i = 0; i < len; i += 4) {
                bool last = i + 4 == len;
                int v[4];
                size_t pad = 0;
                uint32_t bits;

                for (size_t j = 0; j < 4; j++) {
                        if (src[i + j] == '=' && last && j >= 2) {
                                v[j] = 0;
                                pad++;
                                continue;
                        }
                        if (pad > 0) /* data after '=' */
                                return -EINVAL;
                        v[j] = base64_value(src[i + j]);
                        if (v[j] < 0)
                                return -EINVAL;
                }

                bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
                if (pad == 2 && (bits & 0xFFFF) != 0)
                        return -EINVAL;
                if (pad == 1 && (bits & 0xFF) != 0)
                        return -EINVAL;

                if (size - n < 3 - pad)
                        return -ENOBUFS;
                dst[n++] = (uint8_t)(bits >> 16);
                if (pad < 2)
                        dst[n++] = (uint8_t)(bits >> 8);
                if (pad < 1)
                        dst[n++] = (uint8_t)bits;
        }

        return (int)n;
}
