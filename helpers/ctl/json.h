/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json.h: a small streaming JSON writer for `tsproxyctl status --json` and `list --json`.
 *
 * Pure: it writes to a FILE * (stdout, or open_memstream() in the tests) and keeps only
 * the nesting state, so commas and indentation are always right and strings always
 * escaped (RFC 8259: ", \ and control characters; bytes >= 0x80 pass through, as
 * everything we print is UTF-8 or ASCII). No parser: the sandbox test validates output
 * against helpers/ctl/status.schema.json with python3.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 32

typedef struct JsonWriter {
        FILE *f;
        unsigned depth;
        bool has_items[JSON_DEPTH_MAX]; /* per level: an item was written (a comma is due) */
        bool after_key;                 /* a key was written: the value follows on its line */
        bool pretty;
        int error; /* -EINVAL on misuse (too deep), kept until json_writer_finish() */
} JsonWriter;

void json_writer_init(JsonWriter *w, FILE *f, bool pretty);
/* 0, or the first error (-EINVAL misuse, -EIO write failure). Adds the final newline. */
int json_writer_finish(JsonWriter *w);

void json_begin_object(JsonWriter *w);
void json_end_object(JsonWriter *w);
void json_begin_array(JsonWriter *w);
void json_end_array(JsonWriter *w);
void json_key(JsonWriter *w, const char *key);
/* NULL writes null. */
void json_string(JsonWriter *w, const char *s);
void json_int(JsonWriter *w, int64_t v);
void json_uint(JsonWriter *w, uint64_t v);
void json_bool(JsonWriter *w, bool v);
void json_null(JsonWriter *w);

/* Shorthands: key and value. */
void json_key_string(JsonWriter *w, const char *key, const char *s);
void json_key_uint(JsonWriter *w, const char *key, uint64_t v);
void json_key_bool(JsonWriter *w, const char *key, bool v);
