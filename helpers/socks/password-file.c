/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * password-file.c: parse `user:crypt-hash` files, verify passwords with crypt_rn().
 *
 * Hashes are checked with crypt_checksalt() while parsing, so a typo or an unsupported
 * method ($apr1$ of htpasswd -m, a locked "!" entry) shows up at start with its line
 * number, not as a mysterious "wrong password" later. Verification recomputes the hash
 * with the stored one as setting and compares without an early exit.
 */
#include "password-file.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

typedef struct Parser {
        PasswordFileDiagnosticFn diag;
        void *userdata;
        unsigned line;
        unsigned n_errors;
} Parser;

_printf_(3, 4) static void parser_report(Parser *p, int level, const char *fmt, ...)
{
        char message[512];
        va_list ap;

        if (level == LOG_ERR)
                p->n_errors++;
        if (!p->diag)
                return;
        va_start(ap, fmt);
        (void)vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        p->diag(p->userdata, level, p->line, message);
}

PasswordFile *password_file_free(PasswordFile *pf)
{
        if (!pf)
                return NULL;
        for (size_t i = 0; i < pf->n_entries; i++) {
                free(pf->entries[i].user);
                free(pf->entries[i].hash);
                free(pf->entries[i].cache);
        }
        free(pf->entries);
        for (size_t i = 0; i < pf->n_allowed; i++)
                free(pf->allowed[i]);
        free(pf->allowed);
        pthread_mutex_destroy(&pf->cache_lock);
        free(pf);
        return NULL;
}

static bool user_char_ok(char c)
{
        return c > 0x20 && c < 0x7F && c != ':' && c != ',';
}

static bool user_valid(const char *s, size_t n)
{
        if (n == 0 || n > PASSWORD_USER_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!user_char_ok(s[i]))
                        return false;
        return true;
}

static const PasswordEntry *password_file_find(const PasswordFile *pf, const char *user, size_t n)
{
        for (size_t i = 0; i < pf->n_entries; i++)
                if (strlen(pf->entries[i].user) == n && memcmp(pf->entries[i].user, user, n) == 0)
                        return pf->entries + i;
        return NULL;
}

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* One trimmed, non-empty, non-comment line: 0 (also when it was reported), -ENOMEM. */
static int parse_line(PasswordFile *pf, Parser *p, const char *s, size_t n)
{
        _cleanup_free_ char *user = NULL, *hash = NULL;
        const char *colon = memchr(s, ':', n);
        size_t ulen, hlen;
        PasswordEntry *e;

        if (!colon) {
                parser_report(p, LOG_ERR, "Expected 'user:hash', found no ':'.");
                return 0;
        }
        ulen = (size_t)(colon - s);
        hlen = n - ulen - 1;
        if (!user_valid(s, ulen)) {
                parser_report(p, LOG_ERR, "Invalid user name (1..%d printable characters without ':' ',').",
                              PASSWORD_USER_MAX);
                return 0;
        }
        user = strndup(s, ulen);
        if (!user)
                return -ENOMEM;
        if (password_file_find(pf, user, ulen)) {
                parser_report(p, LOG_ERR, "Duplicate user '%s'.", user);
                return 0;
        }

        if (hlen == 0 || hlen >= CRYPT_OUTPUT_SIZE) {
                parser_report(p, LOG_ERR, "Missing or oversized hash for user '%s'.", user);
                return 0;
        }
        for (size_t i = 0; i < hlen; i++)
                if (colon[1 + i] <= 0x20 || colon[1 + i] >= 0x7F || colon[1 + i] == ':') {
                        parser_report(p, LOG_ERR, "Invalid character in the hash of user '%s'.", user);
                        return 0;
                }
        hash = strndup(colon + 1, hlen);
        if (!hash)
                return -ENOMEM;

        switch (crypt_checksalt(hash)) {
        case CRYPT_SALT_OK: break;
        case CRYPT_SALT_METHOD_LEGACY:
                parser_report(p, LOG_WARNING,
                              "User '%s' has a hash of a weak legacy method, consider rehashing.", user);
                break;
        case CRYPT_SALT_TOO_CHEAP:
                parser_report(p, LOG_WARNING,
                              "User '%s' has a hash with too low a cost, consider rehashing.", user);
                break;
        case CRYPT_SALT_METHOD_DISABLED:
                parser_report(p, LOG_ERR, "The hash method of user '%s' is disabled in libxcrypt.", user);
                return 0;
        default:
                parser_report(p, LOG_ERR, "The hash of user '%s' is not a crypt(5) hash libxcrypt supports.",
                              user);
                return 0;
        }

        e = reallocarray(pf->entries, pf->n_entries + 1, sizeof(PasswordEntry));
        if (!e)
                return -ENOMEM;
        pf->entries = e;
        pf->entries[pf->n_entries++] = (PasswordEntry){TAKE_PTR(user), TAKE_PTR(hash)};
        return 0;
}

/*
 * The method and cost of a hash without its salt and result: "$y$j9T" of
 * "$y$j9T$SALT$HASH", "$6$rounds=9999" or "$6", "$2b$12" of bcrypt's "$2b$12$SALTHASH",
 * "" for DES ("ab" + 11 characters). Its length.
 */
static size_t hash_method_length(const char *h)
{
        const char *last, *salt;

        if (h[0] != '$')
                return 0;
        last = strrchr(h, '$');
        if (h[1] == '2') /* bcrypt: salt and hash are one field */
                return (size_t)(last - h);
        for (salt = last - 1; salt > h && *salt != '$'; salt--)
                ;
        return (size_t)(salt - h);
}

/*
 * The hash unknown users are checked against: the first entry's of the method and cost
 * (hash_method_length()) that most entries have. Checking against a real hash of the
 * file costs exactly what checking a real user of that method costs.
 */
static const char *password_file_pick_dummy(const PasswordFile *pf)
{
        size_t best = 0, best_count = 0;

        for (size_t i = 0; i < pf->n_entries; i++) {
                const char *h = pf->entries[i].hash;
                size_t n = hash_method_length(h), count = 0;

                for (size_t j = 0; j < pf->n_entries; j++)
                        if (hash_method_length(pf->entries[j].hash) == n &&
                            strncmp(pf->entries[j].hash, h, n) == 0)
                                count++;
                if (count > best_count) {
                        best = i;
                        best_count = count;
                }
        }
        return pf->entries[best].hash;
}

int password_file_parse(const char *text, size_t len, PasswordFileDiagnosticFn diag, void *userdata,
                        PasswordFile **ret)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        Parser p = {diag, userdata, 0, 0};
        size_t pos = 0;
        int r;

        pf = calloc(1, sizeof(PasswordFile));
        if (pf)
                pthread_mutex_init(&pf->cache_lock, NULL);
        if (!pf)
                return -ENOMEM;

        while (pos < len) {
                const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - s) : len - pos;

                pos += n + (nl ? 1 : 0);
                p.line++;

                while (n > 0 && is_space(s[0]))
                        s++, n--;
                while (n > 0 && is_space(s[n - 1]))
                        n--;
                if (n == 0 || s[0] == '#')
                        continue;
                if (memchr(s, '\0', n)) {
                        parser_report(&p, LOG_ERR, "NUL byte in line.");
                        continue;
                }
                r = parse_line(pf, &p, s, n);
                if (r < 0)
                        return r;
        }

        if (p.n_errors > 0)
                return -EINVAL;
        if (pf->n_entries == 0) {
                p.line = 0;
                parser_report(&p, LOG_ERR, "No users defined.");
                return -ENODATA;
        }
        pf->dummy_hash = password_file_pick_dummy(pf);
        *ret = TAKE_PTR(pf);
        return 0;
}

int password_file_check_access(const struct stat *st, uid_t uid,
                               char message[static PASSWORD_FILE_MESSAGE_MAX])
{
        message[0] = '\0';
        if (!S_ISREG(st->st_mode)) {
                snprintf(message, PASSWORD_FILE_MESSAGE_MAX, "Not a regular file.");
                return -EINVAL;
        }
        if (st->st_uid != 0 && st->st_uid != uid) {
                snprintf(message, PASSWORD_FILE_MESSAGE_MAX,
                         "Owned by uid %u, neither root nor the daemon's user (uid %u): refusing it; "
                         "chown root it.",
                         (unsigned)st->st_uid, (unsigned)uid);
                return -EPERM;
        }
        if (st->st_mode & 0077) {
                snprintf(message, PASSWORD_FILE_MESSAGE_MAX,
                         "Permissions 0%03o are too open (group or others may read or write the "
                         "hashes): refusing it; chmod 0600 it.",
                         (unsigned)(st->st_mode & 07777));
                return -EACCES;
        }
        return 0;
}

int password_file_load(const char *path, PasswordFileDiagnosticFn diag, void *userdata, PasswordFile **ret)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        char message[PASSWORD_FILE_MESSAGE_MAX];
        size_t n = 0;
        struct stat st;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        r = password_file_check_access(&st, geteuid(), message);
        if (r < 0) {
                if (diag)
                        diag(userdata, LOG_ERR, 0, message);
                return r;
        }
        if (st.st_size > (off_t)PASSWORD_FILE_SIZE_MAX)
                return -EFBIG;
        text = malloc(PASSWORD_FILE_SIZE_MAX + 1);
        if (!text)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, text + n, PASSWORD_FILE_SIZE_MAX + 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t)k;
                if (n > PASSWORD_FILE_SIZE_MAX)
                        return -EFBIG;
        }
        return password_file_parse(text, n, diag, userdata, ret);
}

int password_file_allow_users(PasswordFile *pf, const char *list)
{
        const char *s = list;

        for (;;) {
                const char *comma = strchr(s, ',');
                size_t n = comma ? (size_t)(comma - s) : strlen(s);
                char **a, *u;

                if (!user_valid(s, n))
                        return -EINVAL;
                u = strndup(s, n);
                if (!u)
                        return -ENOMEM;
                a = reallocarray(pf->allowed, pf->n_allowed + 1, sizeof(char *));
                if (!a) {
                        free(u);
                        return -ENOMEM;
                }
                pf->allowed = a;
                pf->allowed[pf->n_allowed++] = u;

                if (!comma)
                        return 0;
                s = comma + 1;
        }
}

const char *password_file_unknown_user(const PasswordFile *pf)
{
        for (size_t i = 0; i < pf->n_allowed; i++)
                if (!password_file_find(pf, pf->allowed[i], strlen(pf->allowed[i])))
                        return pf->allowed[i];
        return NULL;
}

static bool password_file_allowed(const PasswordFile *pf, const char *user)
{
        if (!pf->allowed)
                return true;
        for (size_t i = 0; i < pf->n_allowed; i++)
                if (strcmp(pf->allowed[i], user) == 0)
                        return true;
        return false;
}

/* Equal strings, in time that depends on the lengths only. */
static bool streq_ct(const char *a, const char *b)
{
        size_t n = strlen(a);
        uint8_t d = 0;

        if (strlen(b) != n)
                return false;
        for (size_t i = 0; i < n; i++)
                d |= (uint8_t)(a[i] ^ b[i]);
        return d == 0;
}

static void crypt_data_freep(struct crypt_data **p)
{
        if (*p) {
                explicit_bzero(*p, sizeof(**p));
                free(*p);
        }
}

/*
 * A successful check is remembered per user as a cheap hash of the password (libxcrypt's
 * sha256crypt with 1000 rounds and a random salt, ~0.3 ms): the daemon checks a
 * password on every connection, and the file's own hash (yescrypt: ~30 ms, on the
 * verifier threads) would cap it at ~30 logins a second per thread. The daemon checks
 * the cache on its event loop (bounded: one such hash per attempt, and the throttle
 * bounds the attempts per address), the full hash on a verifier thread. Memory holds only that hash, never
 * the password; a different password, or a failed check, costs the full hash again.
 */
#define PASSWORD_CACHE_PREFIX "$5$rounds=1000$"

static bool password_cache_check(PasswordFile *pf, const PasswordEntry *e, const char *password,
                                 struct crypt_data *cd)
{
        char cache[CRYPT_OUTPUT_SIZE];
        const char *h;

        pthread_mutex_lock(&pf->cache_lock);
        if (e->cache)
                snprintf(cache, sizeof(cache), "%s", e->cache);
        else
                cache[0] = '\0';
        pthread_mutex_unlock(&pf->cache_lock);
        if (!cache[0])
                return false;
        h = crypt_rn(password, cache, cd, sizeof(*cd));
        return h && streq_ct(h, cache);
}

static void password_cache_store(PasswordFile *pf, PasswordEntry *e, const char *password,
                                 struct crypt_data *cd)
{
        char setting[CRYPT_GENSALT_OUTPUT_SIZE];
        const char *h;
        char *copy;

        if (!crypt_gensalt_rn("$5$", 1000, NULL, 0, setting, sizeof(setting)))
                return;
        h = crypt_rn(password, setting, cd, sizeof(*cd));
        if (!h || h[0] == '*')
                return;
        copy = strdup(h); /* NULL on ENOMEM: just no cache */
        pthread_mutex_lock(&pf->cache_lock);
        free(e->cache);
        e->cache = copy;
        pthread_mutex_unlock(&pf->cache_lock);
}

bool password_file_check_cached(PasswordFile *pf, const char *user, const char *password)
{
        _cleanup_(crypt_data_freep) struct crypt_data *cd = NULL;
        PasswordEntry *e;

        if (!pf || !user || !password)
                return false;
        e = (PasswordEntry *)password_file_find(pf, user, strlen(user));
        if (!e || !password_file_allowed(pf, user))
                return false;
        cd = calloc(1, sizeof(*cd));
        return cd && password_cache_check(pf, e, password, cd);
}

bool password_file_check(PasswordFile *pf, const char *user, const char *password)
{
        _cleanup_(crypt_data_freep) struct crypt_data *cd = NULL;
        PasswordEntry *e;
        const char *h;
        bool ok;

        if (!pf || !user || !password || pf->n_entries == 0)
                return false;
        e = (PasswordEntry *)password_file_find(pf, user, strlen(user));
        ok = e && password_file_allowed(pf, user);

        /* crypt_data is 32 KiB: not for the stack. Zeroed, as crypt_rn() wants it. */
        cd = calloc(1, sizeof(*cd));
        if (!cd)
                return false;
        if (ok && password_cache_check(pf, e, password, cd))
                return true;
        /* Users not in the file, or not allowed: the same work against the dummy. */
        h = crypt_rn(password, ok ? e->hash : pf->dummy_hash, cd, sizeof(*cd));
        ok = ok && h && streq_ct(h, e->hash);
        if (ok)
                password_cache_store(pf, e, password, cd);
        return ok;
}
