/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * password-file.h: the users tsproxy-socks accepts, from a file of `user:crypt-hash`
 * lines, checked with libxcrypt.
 *
 *   # comment
 *   alice:$y$j9T$...      (yescrypt; any method libxcrypt enables: $6$ sha512, $2b$ ...)
 *
 * Lines are trimmed; blank lines and lines starting with '#' are skipped. A malformed
 * line, a duplicate user or a hash libxcrypt refuses is an error (reported with its line
 * number through the caller's callback): a file that is only half understood is not
 * used at all. Legacy or cheap hash methods are accepted with a warning.
 *
 * The parser works on memory (unit tests, fuzzing); password_file_load() reads the file
 * and is the only part that touches the system.
 *
 * The file must be as private as an OpenSSH private key: a regular file owned by root or
 * by the user reading it, neither readable nor writable by group or others (no bit of
 * mode 0077), else it is refused, as ssh and sshd refuse such a key (ssh: "UNPROTECTED
 * PRIVATE KEY FILE!", "bad permissions"). Refused rather than warned about: the hashes
 * can be guessed offline by whoever reads them, and whoever may write the file adds
 * users. tsproxy-socks checks the file it reads and, with --password-file-source, the
 * original that systemd's LoadCredential= copied (the copy has systemd's mode, 0400).
 */
#pragma once

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/stat.h>

#include "macro.h"

#define PASSWORD_FILE_SIZE_MAX (1024U * 1024U)
#define PASSWORD_USER_MAX      255

typedef struct PasswordEntry {
        char *user;
        char *hash;
        char *cache; /* cheap hash of the last password that checked out (see .c) */
} PasswordEntry;

typedef struct PasswordFile {
        PasswordEntry *entries;
        size_t n_entries;
        char **allowed; /* --users: NULL means every user of the file */
        size_t n_allowed;
        pthread_mutex_t cache_lock; /* the entries' cache: the workers check passwords at once */
        const char *dummy_hash;     /* an entry's hash of the most common method and cost (.c) */
} PasswordFile;

/* Called for each problem: level LOG_ERR or LOG_WARNING, 1-based line, the message. */
typedef void (*PasswordFileDiagnosticFn)(void *userdata, int level, unsigned line, const char *message);

PasswordFile *password_file_free(PasswordFile *pf);
DEFINE_TRIVIAL_CLEANUP_FUNC(PasswordFile *, password_file_free);

/*
 * Parse text[0..len) (NUL bytes are errors of their line): 0, -EINVAL when some line
 * is bad (each one was passed to diag, which may be NULL), -ENODATA when there is no
 * user at all, -ENOMEM.
 */
int password_file_parse(const char *text, size_t len, PasswordFileDiagnosticFn diag, void *userdata,
                        PasswordFile **ret);

/*
 * Whether a file with st may hold passwords for a daemon running as uid: 0, or -EINVAL
 * (not a regular file), -EPERM (owned by another user than root or uid), -EACCES (mode
 * & 0077), with the reason and what to do in message (for "PATH: message").
 */
#define PASSWORD_FILE_MESSAGE_MAX 192
int password_file_check_access(const struct stat *st, uid_t uid,
                               char message[static PASSWORD_FILE_MESSAGE_MAX]);

/* Read path (at most PASSWORD_FILE_SIZE_MAX) and parse it; also -errno of open/read, and
 * password_file_check_access()'s error for the opened file with uid geteuid() (its
 * message passed to diag with line 0). */
int password_file_load(const char *path, PasswordFileDiagnosticFn diag, void *userdata, PasswordFile **ret);

/*
 * Accept only the users of a comma-separated list ("alice,bob", as given to --users)
 * from now on; may be called more than once, the lists add up. -EINVAL for an empty
 * item or a name that cannot be a user, -ENOMEM.
 */
int password_file_allow_users(PasswordFile *pf, const char *list);

/* The first allowed user that has no line in the file (to warn about), or NULL. */
const char *password_file_unknown_user(const PasswordFile *pf);

/*
 * True only for a user of the file that is allowed and whose password hashes to the
 * stored hash (the full cost of the hash: not for an event loop). Unknown users (and
 * users not allowed) are hashed against dummy_hash, one of the file's hashes of the
 * method and cost most users have, so the time to refuse does not tell whether a user
 * exists (except from users of a rarer method).
 */
bool password_file_check(PasswordFile *pf, const char *user, const char *password);

/*
 * The cheap part: true when password is the one that last checked out for user (a
 * sha256crypt of 1000 rounds, ~0.3 ms; see the cache in .c). False says nothing: the
 * full check decides.
 */
bool password_file_check_cached(PasswordFile *pf, const char *user, const char *password);
