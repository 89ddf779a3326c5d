/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.c: formatting and delivering log messages to the journal, kmsg or stderr.
 *
 * The Logger lives in main(); nothing here keeps global state. A message is formatted
 * once into a stack buffer ("%m" resolved against the error passed in, not errno).
 *
 * libsystemd is dlopen()ed at the first journal message, not linked (see log.h for the
 * start-up cost that saves); the handle lives in the Logger's LogJournal.
 */
#include "log.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define LIBSYSTEMD     "libsystemd.so.0"

typedef int (*JournalSendvFunc)(const struct iovec *iov, int n);

struct LogJournal {
        bool tried;             /* dlopen() was attempted (it is tried once) */
        void *dl;               /* libsystemd's handle, or NULL */
        JournalSendvFunc sendv; /* sd_journal_sendv(), or NULL: write to stderr instead */
};

/* At the first journal message: load libsystemd, or settle for stderr. */
static JournalSendvFunc log_journal_sendv(LogJournal *j)
{
        if (!j)
                return NULL;
        if (!j->tried) {
                j->tried = true;
                j->dl = dlopen(LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
                if (j->dl) {
                        /* POSIX allows this cast from the void * dlsym() returns. */
                        *(void **)&j->sendv = dlsym(j->dl, "sd_journal_sendv");
                        if (!j->sendv) {
                                (void)dlclose(j->dl);
                                j->dl = NULL;
                        }
                }
        }
        return j->sendv;
}

int log_target_from_string(const char *s, LogTarget *ret)
{
        static const struct {
                const char *name;
                LogTarget target;
        } table[] = {
                {"auto", LOG_TARGET_AUTO},      {"journal", LOG_TARGET_JOURNAL}, {"kmsg", LOG_TARGET_KMSG},
                {"console", LOG_TARGET_STDERR}, {"stderr", LOG_TARGET_STDERR},   {"null", LOG_TARGET_NULL},
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcmp(s, table[i].name) == 0) {
                        *ret = table[i].target;
                        return 0;
                }
        return -EINVAL;
}

int log_level_from_string(const char *s, int *ret)
{
        static const char *const names[] = {"emerg",   "alert",  "crit", "err",
                                            "warning", "notice", "info", "debug"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(s, names[i]) == 0) {
                        *ret = (int)i;
                        return 0;
                }
        if (strcasecmp(s, "error") == 0) {
                *ret = LOG_ERR;
                return 0;
        }
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0') {
                *ret = s[0] - '0';
                return 0;
        }
        return -EINVAL;
}

/* Is stderr connected to the journal? (JOURNAL_STREAM=dev:ino, see systemd.exec(5)) */
static bool stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void logger_open(Logger *log, const char *ident, LogTarget target, int max_level)
{
        *log = (Logger){.ident = ident, .target = target, .kmsg_fd = -EBADF, .max_level = max_level};

        if (target == LOG_TARGET_AUTO || target == LOG_TARGET_JOURNAL) {
                /* libsystemd itself is only loaded at the first message (log_journal_sendv()). */
                if (access(JOURNAL_SOCKET, W_OK) == 0) {
                        log->journal = calloc(1, sizeof(LogJournal));
                        log->target = LOG_TARGET_JOURNAL;
                        log->stderr_prefix = true; /* for the fallback: no libsystemd */
                        return;
                }
                target = target == LOG_TARGET_AUTO ? LOG_TARGET_KMSG : LOG_TARGET_STDERR;
        }
        if (target == LOG_TARGET_KMSG) {
                log->kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
                if (log->kmsg_fd >= 0) {
                        log->target = LOG_TARGET_KMSG;
                        return;
                }
                target = LOG_TARGET_STDERR; /* containers, the test sandbox: never fail */
        }
        log->target = target;
        if (target == LOG_TARGET_STDERR)
                log->stderr_prefix = stderr_is_journal();
}

void logger_open_from_environment(Logger *log, const char *ident, LogTarget default_target)
{
        LogTarget target = default_target;
        int level = LOG_INFO;
        const char *e;

        e = getenv("SYSTEMD_LOG_TARGET");
        if (e && log_target_from_string(e, &target) < 0)
                target = default_target;
        e = getenv("SYSTEMD_LOG_LEVEL");
        if (e && log_level_from_string(e, &level) < 0)
                level = LOG_INFO;
        logger_open(log, ident, target, level);
}

void logger_prepare_threads(const Logger *log)
{
        (void)log_journal_sendv(log->journal);
}

void logger_close(Logger *log)
{
        log->kmsg_fd = safe_close(log->kmsg_fd);
        if (log->journal && log->journal->dl)
                (void)dlclose(log->journal->dl);
        free(log->journal);
        log->journal = NULL;
}

/* vsnprintf() with "%m" replaced by strerror(error). */
static void format_message(char *buf, size_t size, int error, const char *fmt, va_list ap)
{
        char fmt2[1024];
        size_t j = 0;

        for (const char *p = fmt; *p && j + 1 < sizeof(fmt2); p++) {
                if (p[0] == '%' && p[1] == '%') {
                        if (j + 2 < sizeof(fmt2)) {
                                fmt2[j++] = '%';
                                fmt2[j++] = '%';
                        }
                        p++;
                } else if (p[0] == '%' && p[1] == 'm') {
                        const char *e = strerror(error);
                        for (; *e && j + 2 < sizeof(fmt2); e++) {
                                if (*e == '%')
                                        fmt2[j++] = '%';
                                fmt2[j++] = *e;
                        }
                        p++;
                } else
                        fmt2[j++] = *p;
        }
        fmt2[j] = '\0';
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        vsnprintf(buf, size, fmt2, ap);
#pragma GCC diagnostic pop
}

/* snprintf() into buf as one journal field (truncated if need be), as an iovec. */
static struct iovec journal_field(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);
static struct iovec journal_field(char *buf, size_t size, const char *fmt, ...)
{
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        if (k < 0)
                k = 0;
        return (struct iovec){.iov_base = buf, .iov_len = (size_t)k < size ? (size_t)k : size - 1};
}

/* One structured journal entry; < 0 when libsystemd is missing (the caller uses stderr). */
static int journal_send(const Logger *log, int level, int error, const char *file, unsigned line,
                        const char *full)
{
        JournalSendvFunc sendv = log_journal_sendv(log->journal);
        char message[2500], priority[16], ident[128], config_file[PATH_MAX + 16], config_line[32],
                errno_s[32];
        struct iovec iov[6];
        int n = 0;

        if (!sendv)
                return -ENOSYS;
        iov[n++] = journal_field(message, sizeof(message), "MESSAGE=%s", full);
        iov[n++] = journal_field(priority, sizeof(priority), "PRIORITY=%i", level);
        iov[n++] = journal_field(ident, sizeof(ident), "SYSLOG_IDENTIFIER=%s", log->ident);
        if (file) {
                iov[n++] = journal_field(config_file, sizeof(config_file), "CONFIG_FILE=%s", file);
                iov[n++] = journal_field(config_line, sizeof(config_line), "CONFIG_LINE=%u", line);
        }
        if (error)
                iov[n++] = journal_field(errno_s, sizeof(errno_s), "ERRNO=%i", error);
        (void)sendv(iov, n); /* as before: a lost journal message is not worth a second channel */
        return 0;
}

int log_internal(const Logger *log, int level, int error, const char *file, unsigned line, const char *fmt,
                 ...)
{
        char msg[2048], full[2400];
        va_list ap;

        error = error < 0 ? -error : error;
        if (!log || level > log->max_level || log->target == LOG_TARGET_NULL)
                return -error;

        va_start(ap, fmt);
        format_message(msg, sizeof(msg), error, fmt, ap);
        va_end(ap);

        if (file && line > 0)
                snprintf(full, sizeof(full), "%s:%u: %s", file, line, msg);
        else if (file)
                snprintf(full, sizeof(full), "%s: %s", file, msg);
        else
                snprintf(full, sizeof(full), "%s", msg);

        if (log->target == LOG_TARGET_JOURNAL && journal_send(log, level, error, file, line, full) >= 0)
                return -error;

        switch (log->target) {
        case LOG_TARGET_KMSG:
                (void)dprintf(log->kmsg_fd, "<%i>%s[%i]: %s\n", LOG_DAEMON | level, log->ident,
                              (int)getpid(), full);
                break;
        default:
                if (log->stderr_prefix)
                        (void)fprintf(stderr, "<%i>%s\n", level, full);
                else
                        (void)fprintf(stderr, "%s: %s\n", log->ident, full);
                break;
        }
        return -error;
}
