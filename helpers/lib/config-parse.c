/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config-parse.c: one configuration file into an InstanceConfig, with inih.
 *
 * inih (as Debian builds it) reports no line numbers to the handler, so we feed it
 * through our own line reader: the reader counts lines, remembers where the current
 * section started, and pre-checks what systemd-style INI does not allow (a ':'
 * delimiter, an unclosed '[', a line without '='). It also strips leading white
 * space, which turns off inih's multi-line continuation (an indented "Port=1" would
 * otherwise be appended to the previous key's value).
 *
 * Every byte is parsed or reported: the reader goes by length, not by C string, so a NUL
 * byte cannot end the file early, and a CR (CR LF or CR-only line ends, or a stray CR)
 * is an error rather than the end of a line's value. A line with such a byte is dropped
 * and its instance is not generated.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

typedef struct ParseState {
        InstanceConfig *config;
        const char *file; /* logical path, owned by config->files */
        Diagnostics *diagnostics;
        const char *text, *end;       /* what is left to read */
        unsigned line;                /* number of the line last handed to inih */
        unsigned section_line;        /* where the current section header is */
        unsigned warned_section_line; /* unknown section already reported */
        bool warned_nul, warned_crlf, warned_cr, warned_assignments, warned_listeners;
        int error; /* -ENOMEM seen */
} ParseState;

static void note(ParseState *s, int r)
{
        if (r < 0 && s->error == 0)
                s->error = r;
}

static void syntax_error(ParseState *s, const char *what)
{
        s->config->valid = false;
        note(s, diagnostics_add(s->diagnostics, LOG_ERR, s->file, s->line, NULL, s->config->name,
                                "%s; expected [Section], Key=Value, or a comment starting with '#' or ';'.",
                                what));
}

/* A byte that is neither parsed nor allowed: reported once per file (the line is
 * dropped, and the instance is not generated, so nothing is ever cut silently). */
static void bad_byte(ParseState *s, bool *warned, const char *what)
{
        s->config->valid = false;
        if (*warned)
                return;
        *warned = true;
        note(s, diagnostics_add(s->diagnostics, LOG_ERR, s->file, s->line, NULL, s->config->name,
                                "%s; instance '%s' is not generated.", what, s->config->name));
}

/* inih's reader callback: one pre-checked line, with a trailing newline. NULL at EOF. */
static char *line_reader(char *buf, int size, void *userdata)
{
        ParseState *s = userdata;
        const char *start = s->text, *nl, *cr;
        size_t n;
        char *line, *eq, *colon;

        if (start >= s->end)
                return NULL;
        nl = memchr(start, '\n', (size_t)(s->end - start));
        n = (size_t)((nl ? nl : s->end) - start);
        s->text = nl ? nl + 1 : s->end;
        s->line++;

        if (memchr(start, '\0', n)) {
                bad_byte(s, &s->warned_nul, "line contains a NUL byte (a binary file?)");
                n = 0;
        } else if ((cr = memchr(start, '\r', n))) {
                if (cr == start + n - 1 && nl)
                        bad_byte(s, &s->warned_crlf,
                                 "line ends with CR LF (DOS line ends); lines must end with LF only");
                else
                        bad_byte(s, &s->warned_cr,
                                 "line contains a carriage return (CR) that does not end it with LF; lines "
                                 "must end with LF only");
                n = 0;
        } else if (n + 2 >= (size_t)size) {
                s->config->valid = false;
                note(s, diagnostics_add(s->diagnostics, LOG_ERR, s->file, s->line, NULL, s->config->name,
                                        "line is longer than %d characters.", size - 2));
                n = 0;
        }
        memcpy(buf, start, n);
        buf[n] = '\0';

        line = buf + strspn(buf, " \t");
        memmove(buf, line, strlen(line) + 1);

        if (buf[0] == '\0' || buf[0] == '#' || buf[0] == ';') {
                /* blank or comment */
        } else if (buf[0] == '[') {
                if (!strchr(buf, ']')) {
                        syntax_error(s, "unterminated section header");
                        buf[0] = '\0';
                } else
                        s->section_line = s->line;
        } else {
                eq = strchr(buf, '=');
                colon = strchr(buf, ':');
                if (!eq) {
                        syntax_error(s, "not a Key=Value assignment");
                        buf[0] = '\0';
                } else if (colon && colon < eq) {
                        syntax_error(s, "a key may not contain ':'");
                        buf[0] = '\0';
                } else if (eq == buf) {
                        syntax_error(s, "missing key before '='");
                        buf[0] = '\0';
                } else if (++s->config->n_assignments > CONFIG_ASSIGNMENTS_MAX) {
                        /* Bounds the work of the checks across instances. */
                        s->config->valid = false;
                        if (!s->warned_assignments) {
                                s->warned_assignments = true;
                                note(s, diagnostics_add(s->diagnostics, LOG_ERR, s->file, s->line, NULL,
                                                        s->config->name,
                                                        "more than %u assignments in the files of instance "
                                                        "'%s'; instance '%s' is not generated.",
                                                        CONFIG_ASSIGNMENTS_MAX, s->config->name,
                                                        s->config->name));
                        }
                        buf[0] = '\0';
                }
        }
        strcat(buf, "\n");
        return buf;
}

static int handler(void *userdata, const char *section, const char *key, const char *value)
{
        ParseState *s = userdata;
        ConfigLocation at = {.file = s->file, .line = s->line};
        int r;

        if (!*section) {
                s->config->valid = false;
                note(s, diagnostics_add(s->diagnostics, LOG_ERR, s->file, s->line, key, s->config->name,
                                        "%s= appears before any [Section].", key));
                return 1;
        }
        if (s->config->socks.n_listen >= CONFIG_LISTENERS_MAX ||
            s->config->dns.n_listen >= CONFIG_LISTENERS_MAX ||
            s->config->n_forwards >= CONFIG_LISTENERS_MAX) {
                /* Each new listener is compared with those of its list: bounded work. */
                s->config->valid = false;
                if (!s->warned_listeners) {
                        s->warned_listeners = true;
                        note(s,
                             diagnostics_add(s->diagnostics, LOG_ERR, s->file, s->line, key, s->config->name,
                                             "more than %u listeners in [SOCKS] Listen=, [DNS] Listen= or "
                                             "[Forward] Forward=; instance '%s' is not generated.",
                                             CONFIG_LISTENERS_MAX, s->config->name));
                }
                return 1;
        }
        r = config_set_key(s->config, section, key, value, at, s->diagnostics);
        if (r == -ESRCH) {
                if (s->warned_section_line != s->section_line) {
                        s->warned_section_line = s->section_line;
                        r = diagnostics_add(s->diagnostics, LOG_WARNING, s->file, s->section_line, NULL,
                                            s->config->name, "Unknown section [%s], ignoring.", section);
                } else
                        r = 0;
        } else if (r == -ENOENT)
                r = diagnostics_add(s->diagnostics, LOG_WARNING, s->file, s->line, key, s->config->name,
                                    "Unknown key %s= in section [%s], ignoring.", key, section);
        note(s, r);
        return 1; /* keep going: report every problem of the file at once */
}

static int parse(ParseState *s)
{
        int r = ini_parse_stream(line_reader, s, handler, s);

        if (s->error < 0)
                return s->error;
        if (r > 0) {
                /* Our reader pre-checks lines; anything inih still rejects is reported here. */
                s->config->valid = false;
                return diagnostics_add(s->diagnostics, LOG_ERR, s->file, (unsigned)r, NULL, s->config->name,
                                       "syntax error.");
        }
        return r < 0 ? -ENOMEM : 0;
}

int config_read_file(const char *real_path, bool maybe_special, char **ret, size_t *ret_size)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        size_t n = 0, size = 4096;
        struct stat st;

        *ret = NULL;
        *ret_size = 0;
        if (maybe_special) {
                /* Look before opening: opening a FIFO blocks, and opening a device may do
                 * something. A symlink to /dev/null masks (as in systemd's own
                 * configuration); one to anything else that is not a file is an error. */
                if (stat(real_path, &st) < 0)
                        return negative_errno();
                if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
                        return 1;
                if (S_ISDIR(st.st_mode))
                        return -EISDIR;
                if (!S_ISREG(st.st_mode))
                        return -ENOEXEC;
        }
        /* O_NONBLOCK: whatever was swapped in since, open() never waits for a writer. */
        fd = open(real_path,
                  O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (maybe_special ? 0 : O_NOFOLLOW));
        if (fd < 0)
                return errno == ELOOP ? -ENOEXEC : negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -ENOEXEC;
        if (st.st_size > CONFIG_FILE_MAX)
                return -EFBIG;
        text = malloc(size);
        if (!text)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                if (n + 1 >= size) {
                        char *t;
                        if (size > CONFIG_FILE_MAX)
                                return -EFBIG;
                        size *= 2;
                        t = realloc(text, size);
                        if (!t)
                                return -ENOMEM;
                        text = t;
                }
                k = read(fd, text + n, size - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        break;
                n += (size_t)k;
                /* A regular file (the only kind that gets here) returns less than asked
                 * for only at its end: no second read() just to see the 0. With a
                 * thousand instances at boot, that is a thousand system calls fewer. */
                if ((size_t)k < size - 1 - (n - (size_t)k))
                        break;
        }
        if (n > CONFIG_FILE_MAX)
                return -EFBIG; /* it grew while read */
        if (n == 0)
                return 1; /* an empty file masks */
        text[n] = '\0';
        *ret = TAKE_PTR(text);
        *ret_size = n;
        return 0;
}

int config_parse_buffer(InstanceConfig *c, const char *path, const char *text, size_t size, Diagnostics *d)
{
        ParseState s = {.config = c, .file = path, .diagnostics = d, .text = text, .end = text + size};

        return parse(&s);
}

int config_parse_text(InstanceConfig *c, const char *path, const char *text, Diagnostics *d)
{
        return config_parse_buffer(c, path, text, strlen(text), d);
}
