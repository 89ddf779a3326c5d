/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log.h: the one logger of a tsproxy binary.
 *
 * A Logger is created in main() and passed down to the code that handles errors; the
 * library-like modules never log, they return negative errno and let their caller log
 * once, with context: `return log_error_errno(log, r, "Failed to add veth '%s': %m", n);`
 *
 * Targets: the journal (structured, with CONFIG_FILE=/CONFIG_LINE= where known), the
 * kernel log (/dev/kmsg, for generators early at boot), or stderr (with sd-daemon "<N>"
 * level prefixes when stderr is connected to the journal).
 *
 * Journal messages go through libsystemd's sd_journal_sendv(), but libsystemd is not
 * linked: it is dlopen()ed at the first journal message. Linking it costs every start of
 * every binary about 1.4 ms (libgcrypt, liblzma, libzstd, liblz4, libcap come along),
 * while most runs (--help, a oneshot logging to the console, the benchmark) never write
 * to the journal. A binary that links libsystemd anyway (for sd-event) gets the already
 * loaded copy. Without libsystemd.so.0, messages go to stderr with "<N>" prefixes.
 */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO, /* journal if reachable, else kmsg, else stderr */
        LOG_TARGET_JOURNAL,
        LOG_TARGET_KMSG,
        LOG_TARGET_STDERR,
        LOG_TARGET_NULL,
} LogTarget;

/* The dlopen()ed libsystemd, loaded at the first journal message (log.c). */
typedef struct LogJournal LogJournal;

typedef struct Logger {
        const char *ident;
        LogTarget target; /* resolved, never AUTO after logger_open() */
        int kmsg_fd;
        int max_level;
        bool stderr_prefix;  /* write "<N>" prefixes: stderr goes to the journal */
        LogJournal *journal; /* target JOURNAL only; owned, loaded lazily (so a pointer:
                              * log_internal() gets a const Logger) */
} Logger;

/* Parse "auto", "journal", "kmsg", "console"/"stderr", "null". */
int log_target_from_string(const char *s, LogTarget *ret);
/* Parse a syslog level name ("debug", "info", ...) or number. */
int log_level_from_string(const char *s, int *ret);

/* Opens the target; never fails: falls back to stderr. */
void logger_open(Logger *log, const char *ident, LogTarget target, int max_level);
/* logger_open() with the target and level taken from $SYSTEMD_LOG_TARGET and
 * $SYSTEMD_LOG_LEVEL when set and valid (as systemd's own generators and tools read them). */
void logger_open_from_environment(Logger *log, const char *ident, LogTarget default_target);
/* Load what the first journal message would (libsystemd), so that threads may log. */
void logger_prepare_threads(const Logger *log);
/* Closes kmsg and unloads libsystemd if it was loaded. */
void logger_close(Logger *log);

/*
 * Log a message; `%m` in fmt expands to strerror(error). Returns -abs(error) (or 0 when
 * error is 0), so that `return log_error_errno(...)` propagates the error.
 * file/line may be NULL/0; when set, the message is prefixed "file:line: ".
 * Not thread-safe for the first journal message (which loads libsystemd): a program that
 * logs from several threads calls logger_prepare_threads() before it starts them.
 */
int log_internal(const Logger *log, int level, int error, const char *file, unsigned line, const char *fmt,
                 ...) _printf_(6, 7);

#define log_full_errno(log, level, error, ...) log_internal(log, level, error, NULL, 0, __VA_ARGS__)
#define log_error_errno(log, error, ...)       log_full_errno(log, LOG_ERR, error, __VA_ARGS__)
#define log_warning_errno(log, error, ...)     log_full_errno(log, LOG_WARNING, error, __VA_ARGS__)
#define log_error(log, ...)                    ((void)log_full_errno(log, LOG_ERR, 0, __VA_ARGS__))
#define log_warning(log, ...)                  ((void)log_full_errno(log, LOG_WARNING, 0, __VA_ARGS__))
#define log_notice(log, ...)                   ((void)log_full_errno(log, LOG_NOTICE, 0, __VA_ARGS__))
#define log_info(log, ...)                     ((void)log_full_errno(log, LOG_INFO, 0, __VA_ARGS__))
#define log_debug(log, ...)                    ((void)log_full_errno(log, LOG_DEBUG, 0, __VA_ARGS__))
