/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit-exec.c: unit files read and Exec*= lines split as systemd does (unit-exec.h),
 * for test-options-golden.
 */
#include "unit-exec.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

#define UNIT_FILE_MAX (16u * 1024 * 1024)
#define HEX           "0123456789abcdefABCDEF"

typedef struct Buffer {
        char *s;
        size_t n, allocated;
} Buffer;

static int buffer_add(Buffer *b, const char *s, size_t n)
{
        if (b->n + n + 1 > b->allocated) {
                size_t a = 2 * (b->n + n + 1) + 64;
                char *t = realloc(b->s, a);
                if (!t)
                        return -ENOMEM;
                b->s = t;
                b->allocated = a;
        }
        memcpy(b->s + b->n, s, n);
        b->n += n;
        b->s[b->n] = '\0';
        return 0;
}

static int buffer_addc(Buffer *b, char c)
{
        return buffer_add(b, &c, 1);
}

static char *strip(char *s)
{
        char *e;

        s += strspn(s, " \t");
        e = s + strlen(s);
        while (e > s && strchr(" \t\r", e[-1]))
                *--e = '\0';
        return s;
}

static int add_assignment(UnitAssignments *list, const char *unit, const char *section, const char *key,
                          const char *value, const char *path, unsigned line)
{
        UnitAssignment *a;

        /* Doubling: the thousand-instance case has 4000 drop-ins in one list. */
        if (list->n == list->allocated) {
                size_t n = list->allocated ? 2 * list->allocated : 64;
                UnitAssignment *items = reallocarray(list->items, n, sizeof(UnitAssignment));
                if (!items)
                        return -ENOMEM;
                list->items = items;
                list->allocated = n;
        }
        a = &list->items[list->n];
        *a = (UnitAssignment){
                .unit = strdup(unit),
                .section = strdup(section),
                .key = strdup(key),
                .value = strdup(value),
                .path = strdup(path),
                .line = line,
        };
        list->n++;
        if (!a->unit || !a->section || !a->key || !a->value || !a->path)
                return -ENOMEM;
        return 0;
}

int unit_file_read(const char *path, const char *unit, UnitAssignments *list)
{
        _cleanup_free_ char *text = NULL, *section = strdup("");
        Buffer logical = {};
        unsigned line = 0, first = 0;
        struct stat st;
        char *p, *eol;
        int r;

        if (!section)
                return -ENOMEM;
        /* fileio_read_text() allocates max bytes: the file's own size, not the limit. */
        if (stat(path, &st) < 0)
                return -errno;
        if ((uint64_t)st.st_size > UNIT_FILE_MAX)
                return -EFBIG;
        r = fileio_read_text(path, (size_t)st.st_size, &text);
        if (r < 0)
                return r;
        for (p = text; *p; p = eol) {
                size_t len;
                char *l, *eq;

                eol = strchrnul(p, '\n');
                len = (size_t)(eol - p);
                if (*eol)
                        eol++;
                line++;
                if (logical.n == 0)
                        first = line;
                /* A continuation: the backslash becomes a space, the next line follows. */
                if (len > 0 && p[len - 1] == '\\') {
                        if (buffer_add(&logical, p, len - 1) < 0 || buffer_addc(&logical, ' ') < 0)
                                goto nomem;
                        continue;
                }
                if (buffer_add(&logical, p, len) < 0)
                        goto nomem;
                l = strip(logical.s);
                if (*l == '\0' || *l == '#' || *l == ';')
                        goto next;
                if (*l == '[') {
                        char *e = strchr(l, ']');
                        if (!e || e[1]) {
                                fprintf(stderr, "%s:%u: not a section header: %s\n", path, first, l);
                                r = -EINVAL;
                                goto out;
                        }
                        free(section);
                        section = strndup(l + 1, (size_t)(e - l - 1));
                        if (!section)
                                goto nomem;
                        goto next;
                }
                eq = strchr(l, '=');
                if (!eq) {
                        fprintf(stderr, "%s:%u: not KEY=VALUE: %s\n", path, first, l);
                        r = -EINVAL;
                        goto out;
                }
                *eq = '\0';
                r = add_assignment(list, unit, section, strip(l), strip(eq + 1), path, first);
                if (r < 0)
                        goto out;
        next:
                logical.n = 0;
                logical.s[0] = '\0';
        }
        r = 0;
        goto out;
nomem:
        r = -ENOMEM;
out:
        free(logical.s);
        return r;
}

void unit_assignments_done(UnitAssignments *list)
{
        for (size_t i = 0; i < list->n; i++) {
                UnitAssignment *a = &list->items[i];
                free(a->unit);
                free(a->section);
                free(a->key);
                free(a->value);
                free(a->path);
        }
        free(list->items);
        *list = (UnitAssignments){};
}

void argv_free(char **argv)
{
        for (char **a = argv; a && *a; a++)
                free(*a);
        free(argv);
}

/* unit_name_unescape(): \xNN is a byte, '-' a '/'. */
static int add_unescaped(Buffer *b, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned v;
                int r;
                if (s[i] == '-')
                        r = buffer_addc(b, '/');
                else if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && sscanf(s + i + 2, "%2x", &v) == 1) {
                        r = buffer_addc(b, (char)v);
                        i += 3;
                } else
                        r = buffer_addc(b, s[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The specifiers of the whole value, as unit_full_printf() expands them. */
static int expand_specifiers(const char *value, const char *unit, Buffer *out, const char **error)
{
        const char *at = strchr(unit, '@'), *dot = strrchr(unit, '.');
        size_t prefix_len, instance_len;
        const char *instance;
        int r = 0;

        if (!dot) {
                *error = "the unit name has no suffix";
                return -EINVAL;
        }
        prefix_len = (size_t)((at ?: dot) - unit);
        instance = at ? at + 1 : dot;
        instance_len = (size_t)(dot - instance);
        for (const char *p = value; r >= 0 && *p; p++) {
                if (*p != '%') {
                        r = buffer_addc(out, *p);
                        continue;
                }
                switch (*++p) {
                case '%': r = buffer_addc(out, '%'); break;
                case 'i': r = buffer_add(out, instance, instance_len); break;
                case 'I': r = add_unescaped(out, instance, instance_len); break;
                case 'n': r = buffer_add(out, unit, strlen(unit)); break;
                case 'N': r = buffer_add(out, unit, (size_t)(dot - unit)); break;
                case 'p': r = buffer_add(out, unit, prefix_len); break;
                case 'P': r = add_unescaped(out, unit, prefix_len); break;
                case 'd':
                        r = buffer_add(out, "/run/credentials/", strlen("/run/credentials/"));
                        if (r >= 0)
                                r = buffer_add(out, unit, strlen(unit));
                        break;
                case 't': r = buffer_add(out, "/run", 4); break;
                case 'l': r = buffer_add(out, "host", 4); break; /* the short host name: a stand-in */
                default:
                        *error = "a specifier this test does not know (or a lone % at the end)";
                        return -EINVAL;
                }
        }
        return r;
}

/* One C escape after a backslash (systemd's cunescape_one() without \u and \U). */
static int unescape_one(const char **p, Buffer *word, const char **error)
{
        static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''s ";
        const char *q = *p;
        const char *s;
        unsigned v = 0;

        if (!*q) {
                *error = "a backslash at the end of the line";
                return -EINVAL;
        }
        for (s = simple; *s; s += 2)
                if (*s == *q) {
                        *p = q + 1;
                        return buffer_addc(word, s[1]);
                }
        if (*q == 'x' && q[1] && strchr(HEX, q[1]) && q[2] && strchr(HEX, q[2])) {
                sscanf(q + 1, "%2x", &v);
                *p = q + 3;
        } else if (q[0] >= '0' && q[0] <= '3' && q[1] >= '0' && q[1] <= '7' && q[2] >= '0' && q[2] <= '7') {
                v = (unsigned)((q[0] - '0') * 64 + (q[1] - '0') * 8 + (q[2] - '0'));
                *p = q + 3;
        } else {
                *error = "an escape this test does not know";
                return -EINVAL;
        }
        if (v == 0) {
                *error = "an escaped NUL";
                return -EINVAL;
        }
        return buffer_addc(word, (char)v);
}

/* The next word at *p: 1 with *ret set, 0 at the end, -EINVAL, -ENOMEM. *plain: no
 * quote or escape in it. */
static int next_word(const char **p, char **ret, bool *plain, const char **error)
{
        Buffer word = {};
        const char *q = *p + strspn(*p, " \t\n\r");
        char quote = 0;
        int r = 0;

        if (!*q) {
                *p = q;
                return 0;
        }
        *plain = true;
        if (buffer_add(&word, "", 0) < 0)
                return -ENOMEM;
        while (r >= 0) {
                char c = *q;
                if (!c) {
                        if (quote) {
                                *error = "an unterminated quote";
                                r = -EINVAL;
                        }
                        break;
                }
                if (!quote && strchr(" \t\n\r", c))
                        break;
                if (c == '\\') {
                        q++;
                        *plain = false;
                        r = unescape_one(&q, &word, error);
                } else if (!quote && (c == '"' || c == '\'')) {
                        quote = c;
                        *plain = false;
                        q++;
                } else if (quote && c == quote) {
                        quote = 0;
                        q++;
                } else {
                        r = buffer_addc(&word, c);
                        q++;
                }
        }
        if (r < 0) {
                free(word.s);
                return r;
        }
        *p = q;
        *ret = word.s;
        return 1;
}

/* replace_env_argv() at exec time: "$$" is a dollar; $VAR and ${VAR} are refused. */
static int dollars(char *word, const char **error)
{
        char *w = word;

        for (const char *r = word; *r; r++) {
                if (*r == '$') {
                        if (r[1] != '$') {
                                *error = "an environment variable ($VAR)";
                                return -EINVAL;
                        }
                        r++;
                }
                *w++ = *r;
        }
        *w = '\0';
        return 0;
}

int exec_line_split(const char *value, const char *unit, char **ret_path, char ***ret_argv, int *ret_argc,
                    const char **error)
{
        char *path = NULL;
        Buffer expanded = {};
        char **argv = NULL;
        int argc = 0, r;
        bool at = false;
        const char *p;

        r = expand_specifiers(value, unit, &expanded, error);
        if (r < 0 || !expanded.s) {
                free(expanded.s);
                if (r == 0)
                        *error = "an empty command line";
                return r < 0 ? r : -EINVAL;
        }
        p = expanded.s;
        for (;;) {
                char *word = NULL, **t;
                bool plain;

                r = next_word(&p, &word, &plain, error);
                if (r <= 0)
                        break;
                if (plain && strcmp(word, ";") == 0) {
                        free(word);
                        *error = "several commands (';')";
                        r = -EINVAL;
                        break;
                }
                if (argc == 0) {
                        /* The prefixes of the path: @ (argv[0] is the next word) -:+!| */
                        size_t n = strspn(word, "@-:+!|");
                        at = memchr(word, '@', n);
                        memmove(word, word + n, strlen(word + n) + 1);
                }
                r = dollars(word, error);
                t = r >= 0 ? reallocarray(argv, (size_t)argc + 2, sizeof(char *)) : NULL;
                if (!t) {
                        free(word);
                        r = r < 0 ? r : -ENOMEM;
                        break;
                }
                argv = t;
                argv[argc++] = word;
                argv[argc] = NULL;
        }
        free(expanded.s);
        if (r >= 0 && argc == 0) {
                *error = "an empty command line";
                r = -EINVAL;
        }
        if (r >= 0 && at) {
                /* "@PATH ARGV0 ARGS": the daemon sees ARGV0 first; the path is dropped. */
                if (argc < 2) {
                        *error = "'@' without an argv[0]";
                        r = -EINVAL;
                } else {
                        path = argv[0];
                        memmove(argv, argv + 1, (size_t)argc * sizeof(char *));
                        argc--;
                }
        } else if (r >= 0) {
                path = strdup(argv[0]);
                if (!path)
                        r = -ENOMEM;
        }
        if (r < 0) {
                argv_free(argv);
                return r;
        }
        *ret_path = path;
        *ret_argv = argv;
        *ret_argc = argc;
        return 0;
}
