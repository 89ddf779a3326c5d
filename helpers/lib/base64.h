/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * base64.h: a strict RFC 4648 base64 decoder (standard alphabet, '=' padding).
 *
 * Written for HTTP "Proxy-Authorization: Basic": the input comes from an untrusted
 * client, so anything that is not canonical base64 is refused instead of guessed at:
 * no whitespace, no missing or misplaced padding, no non-zero bits in the last
 * character. Pure: no allocation, never writes past the output buffer.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The decoded size of n base64 characters, at most. */
#define BASE64_DECODED_MAX(n) ((n) / 4 * 3)

/*
 * Decode src[0..len) into dst[0..size): the number of bytes written, -EINVAL for input
 * that is not canonical padded base64 (the empty string decodes to 0 bytes), -ENOBUFS
 * when dst is too small, -E2BIG for input whose size does not fit the return value.
 */
int base64_decode(const char *src, size_t len, uint8_t *dst, size_t size);
