/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-json.c: a bounded JSON scanner for the fake tailscaled's LocalAPI (fake-json.h).
 * Values are skipped by a recursive scanner with a depth limit; nothing is allocated.
 */
#include "fake-json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH_MAX 32

static size_t skip_ws(JsonSlice s, size_t i)
{
        while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t' || s.p[i] == '\n' || s.p[i] == '\r'))
                i++;
        return i;
}

static bool literal_at(JsonSlice s, size_t i, const char *lit)
{
        size_t n = strlen(lit);

        return s.n - i >= n && memcmp(s.p + i, lit, n) == 0;
}

/* End (one past) of the string starting at s.p[i] == '"', or 0 if unterminated. */
static size_t skip_string(JsonSlice s, size_t i)
{
        for (i++; i < s.n; i++) {
                if (s.p[i] == '\\')
                        i++;
                else if (s.p[i] == '"')
                        return i + 1;
                else if ((unsigned char)s.p[i] < 0x20)
                        return 0;
        }
        return 0;
}

/* End of the value starting at i (after whitespace), or 0 when it is not valid JSON. */
static size_t skip_value(JsonSlice s, size_t i, unsigned depth)
{
        i = skip_ws(s, i);
        if (i >= s.n || depth > JSON_DEPTH_MAX)
                return 0;
        switch (s.p[i]) {
        case '"': return skip_string(s, i);
        case '{':
        case '[': {
                char close = s.p[i] == '{' ? '}' : ']';
                bool object = close == '}';

                i = skip_ws(s, i + 1);
                if (i < s.n && s.p[i] == close)
                        return i + 1;
                for (;;) {
                        if (object) {
                                i = skip_ws(s, i);
                                if (i >= s.n || s.p[i] != '"' || !(i = skip_string(s, i)))
                                        return 0;
                                i = skip_ws(s, i);
                                if (i >= s.n || s.p[i] != ':')
                                        return 0;
                                i++;
                        }
                        i = skip_value(s, i, depth + 1);
                        if (!i)
                                return 0;
                        i = skip_ws(s, i);
                        if (i >= s.n)
                                return 0;
                        if (s.p[i] == close)
                                return i + 1;
                        if (s.p[i] != ',')
                                return 0;
                        i++;
                }
        }
        case 't': return literal_at(s, i, "true") ? i + 4 : 0;
        case 'f': return literal_at(s, i, "false") ? i + 5 : 0;
        case 'n': return literal_at(s, i, "null") ? i + 4 : 0;
        default: {
                size_t start = i;

                if (s.p[i] == '-')
                        i++;
                while (i < s.n && strchr("0123456789.eE+-", s.p[i]))
                        i++;
                return i > start && (s.p[start] != '-' || i > start + 1) ? i : 0;
        }
        }
}

int json_validate(JsonSlice in)
{
        size_t end = skip_value(in, 0, 0);

        return end && skip_ws(in, end) == in.n ? 0 : -EBADMSG;
}

static JsonSlice trim(JsonSlice v)
{
        size_t i = skip_ws(v, 0);

        v.p += i;
        v.n -= i;
        while (v.n > 0 && strchr(" \t\r\n", v.p[v.n - 1]))
                v.n--;
        return v;
}

int json_object_get(JsonSlice obj, const char *key, JsonSlice *ret)
{
        size_t i, klen = strlen(key);

        obj = trim(obj);
        if (obj.n < 2 || obj.p[0] != '{')
                return -EBADMSG;
        i = skip_ws(obj, 1);
        if (i < obj.n && obj.p[i] == '}')
                return -ENOENT;
        while (i < obj.n) {
                size_t kstart = skip_ws(obj, i), kend, vstart, vend;

                if (kstart >= obj.n || obj.p[kstart] != '"' || !(kend = skip_string(obj, kstart)))
                        return -EBADMSG;
                i = skip_ws(obj, kend);
                if (i >= obj.n || obj.p[i] != ':')
                        return -EBADMSG;
                vstart = skip_ws(obj, i + 1);
                vend = skip_value(obj, vstart, 1);
                if (!vend)
                        return -EBADMSG;
                /* Keys with escapes never match: the LocalAPI's field names have none. */
                if (kend - kstart - 2 == klen && memcmp(obj.p + kstart + 1, key, klen) == 0) {
                        *ret = (JsonSlice){obj.p + vstart, vend - vstart};
                        return 0;
                }
                i = skip_ws(obj, vend);
                if (i < obj.n && obj.p[i] == ',')
                        i++;
                else
                        break;
        }
        return -ENOENT;
}

bool json_is_null(JsonSlice v)
{
        v = trim(v);
        return v.n == 4 && memcmp(v.p, "null", 4) == 0;
}

bool json_is_object(JsonSlice v)
{
        v = trim(v);
        return v.n >= 2 && v.p[0] == '{';
}

int json_get_string(JsonSlice v, char *buf, size_t size)
{
        size_t o = 0;

        v = trim(v);
        if (v.n < 2 || v.p[0] != '"' || v.p[v.n - 1] != '"')
                return -EINVAL;
        for (size_t i = 1; i + 1 < v.n; i++) {
                char c = v.p[i];

                if (c == '\\') {
                        if (++i + 1 >= v.n)
                                return -EINVAL;
                        switch (v.p[i]) {
                        case 'n': c = '\n'; break;
                        case 't': c = '\t'; break;
                        case 'r': c = '\r'; break;
                        case 'b': c = '\b'; break;
                        case 'f': c = '\f'; break;
                        case 'u': {
                                char hex[5] = {0};
                                unsigned long u;

                                if (i + 5 >= v.n)
                                        return -EINVAL;
                                memcpy(hex, v.p + i + 1, 4);
                                u = strtoul(hex, NULL, 16);
                                if (u == 0 || u >= 0x80)
                                        return -EINVAL;
                                c = (char)u;
                                i += 4;
                                break;
                        }
                        default: c = v.p[i]; break; /* \" \\ \/ */
                        }
                }
                if (o + 1 >= size)
                        return -ENAMETOOLONG;
                buf[o++] = c;
        }
        buf[o] = '\0';
        return 0;
}

int json_get_bool(JsonSlice v, bool *ret)
{
        v = trim(v);
        if (v.n == 4 && memcmp(v.p, "true", 4) == 0)
                *ret = true;
        else if (v.n == 5 && memcmp(v.p, "false", 5) == 0)
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

int json_get_int(JsonSlice v, long long *ret)
{
        char buf[32], *end;

        v = trim(v);
        if (v.n == 0 || v.n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, v.p, v.n);
        buf[v.n] = '\0';
        errno = 0;
        *ret = strtoll(buf, &end, 10);
        return errno || *end ? -EINVAL : 0;
}

int json_array_next(JsonSlice v, size_t *pos, JsonSlice *ret)
{
        size_t i, end;

        v = trim(v);
        if (v.n < 2 || v.p[0] != '[')
                return -EBADMSG;
        i = skip_ws(v, *pos == 0 ? 1 : *pos);
        if (i < v.n && v.p[i] == ',' && *pos != 0)
                i = skip_ws(v, i + 1);
        if (i >= v.n || v.p[i] == ']')
                return 0;
        end = skip_value(v, i, 1);
        if (!end)
                return -EBADMSG;
        *ret = (JsonSlice){v.p + i, end - i};
        *pos = end;
        return 1;
}

void json_write_string(FILE *f, const char *s)
{
        fputc('"', f);
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c == '\n')
                        fputs("\\n", f);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}
