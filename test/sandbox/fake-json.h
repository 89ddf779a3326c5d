/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-json.h: the little JSON the sandbox's fake tailscaled needs for its LocalAPI: a
 * reader that finds a member of an object and decodes strings, booleans, integers and
 * arrays of strings in a bounded input (no tree, no allocation), and a writer of JSON
 * strings. Values are slices of the input: (pointer, length).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct JsonSlice {
        const char *p;
        size_t n;
} JsonSlice;

/* Whole input is one valid JSON value (whitespace around allowed): 0 or -EBADMSG. */
int json_validate(JsonSlice in);
/* The value of member key of the object in obj: -ENOENT when absent, -EBADMSG when obj
 * is no object. */
int json_object_get(JsonSlice obj, const char *key, JsonSlice *ret);
bool json_is_null(JsonSlice v);
bool json_is_object(JsonSlice v);
/* Decode a JSON string into buf (NUL-terminated; \u escapes below 0x80 only): -EINVAL
 * when v is no string, -ENAMETOOLONG when it does not fit. */
int json_get_string(JsonSlice v, char *buf, size_t size);
int json_get_bool(JsonSlice v, bool *ret);
int json_get_int(JsonSlice v, long long *ret);
/* Iterate over the elements of the array v: *pos starts at 0; returns 1 with *ret set,
 * 0 at the end, -EBADMSG when v is no array. */
int json_array_next(JsonSlice v, size_t *pos, JsonSlice *ret);

/* Write s as a JSON string (quotes included). */
void json_write_string(FILE *f, const char *s);
