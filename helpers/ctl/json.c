/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json.c: the streaming JSON writer (see json.h). Pretty output indents by two spaces,
 * one member or element per line, as python's json.dumps(indent=2) does.
 */
#include "json.h"

#include <errno.h>
#include <inttypes.h>

void json_writer_init(JsonWriter *w, FILE *f, bool pretty)
{
        *w = (JsonWriter){.f = f, .pretty = pretty};
}

static void newline_indent(JsonWriter *w)
{
        if (!w->pretty)
                return;
        fputc('\n', w->f);
        for (unsigned i = 0; i < w->depth; i++)
                fputs("  ", w->f);
}

/* Before any value or key: the comma and the line break, unless a key precedes it. */
static void before_item(JsonWriter *w)
{
        if (w->after_key) {
                w->after_key = false;
                return;
        }
        if (w->depth > 0) {
                if (w->has_items[w->depth])
                        fputc(',', w->f);
                w->has_items[w->depth] = true;
                newline_indent(w);
        }
}

static void begin(JsonWriter *w, char c)
{
        before_item(w);
        fputc(c, w->f);
        if (w->depth + 1 >= JSON_DEPTH_MAX) {
                w->error = -EINVAL;
                return;
        }
        w->depth++;
        w->has_items[w->depth] = false;
}

static void end(JsonWriter *w, char c)
{
        bool had = w->has_items[w->depth];

        if (w->depth == 0) {
                w->error = -EINVAL;
                return;
        }
        w->depth--;
        if (had)
                newline_indent(w);
        fputc(c, w->f);
}

void json_begin_object(JsonWriter *w)
{
        begin(w, '{');
}

void json_end_object(JsonWriter *w)
{
        end(w, '}');
}

void json_begin_array(JsonWriter *w)
{
        begin(w, '[');
}

void json_end_array(JsonWriter *w)
{
        end(w, ']');
}

static void write_escaped(JsonWriter *w, const char *s)
{
        fputc('"', w->f);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                switch (*p) {
                case '"': fputs("\\\"", w->f); break;
                case '\\': fputs("\\\\", w->f); break;
                case '\n': fputs("\\n", w->f); break;
                case '\t': fputs("\\t", w->f); break;
                case '\r': fputs("\\r", w->f); break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(w->f, "\\u%04x", *p);
                        else
                                fputc(*p, w->f);
                }
        fputc('"', w->f);
}

void json_key(JsonWriter *w, const char *key)
{
        before_item(w);
        write_escaped(w, key);
        fputs(w->pretty ? ": " : ":", w->f);
        w->after_key = true;
}

void json_string(JsonWriter *w, const char *s)
{
        if (!s) {
                json_null(w);
                return;
        }
        before_item(w);
        write_escaped(w, s);
}

void json_int(JsonWriter *w, int64_t v)
{
        before_item(w);
        fprintf(w->f, "%" PRIi64, v);
}

void json_uint(JsonWriter *w, uint64_t v)
{
        before_item(w);
        fprintf(w->f, "%" PRIu64, v);
}

void json_bool(JsonWriter *w, bool v)
{
        before_item(w);
        fputs(v ? "true" : "false", w->f);
}

void json_null(JsonWriter *w)
{
        before_item(w);
        fputs("null", w->f);
}

void json_key_string(JsonWriter *w, const char *key, const char *s)
{
        json_key(w, key);
        json_string(w, s);
}

void json_key_uint(JsonWriter *w, const char *key, uint64_t v)
{
        json_key(w, key);
        json_uint(w, v);
}

void json_key_bool(JsonWriter *w, const char *key, bool v)
{
        json_key(w, key);
        json_bool(w, v);
}

int json_writer_finish(JsonWriter *w)
{
        if (w->error < 0)
                return w->error;
        if (w->depth != 0)
                return -EINVAL;
        fputc('\n', w->f);
        if (fflush(w->f) != 0 || ferror(w->f))
                return -EIO;
        return 0;
}
