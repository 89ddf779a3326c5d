/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-password-file: tsproxy-socks' `user:crypt-hash` file (helpers/socks/password-file.c):
 * parsing with line-numbered diagnostics, the --users allow-list, verification with
 * hashes made here by libxcrypt (yescrypt, sha512), the cheap cached check, the dummy
 * hash unknown users cost, the owner and mode a password file must have; and the
 * throttle of failed attempts per address (helpers/socks/auth-throttle.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <crypt.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "auth-throttle.h"
#include "password-file.h"

typedef struct Collected {
        unsigned n;
        int level[16];
        unsigned line[16];
        char message[16][256];
} Collected;

static void collect(void *userdata, int level, unsigned line, const char *message)
{
        Collected *c = userdata;

        assert_true(c->n < 16);
        c->level[c->n] = level;
        c->line[c->n] = line;
        snprintf(c->message[c->n], sizeof(c->message[c->n]), "%s", message);
        c->n++;
}

/* A fresh hash of password with the method of prefix ("$y$", "$6$"...); NULL if disabled. */
static char *make_hash(const char *prefix, const char *password)
{
        char setting[CRYPT_GENSALT_OUTPUT_SIZE];
        struct crypt_data *cd = calloc(1, sizeof(*cd));
        char *h, *ret = NULL;

        assert_non_null(cd);
        if (crypt_gensalt_rn(prefix, 0, NULL, 0, setting, sizeof(setting))) {
                h = crypt_rn(password, setting, cd, sizeof(*cd));
                if (h)
                        ret = strdup(h);
        }
        free(cd);
        return ret;
}

static char *yescrypt_alice, *sha512_bob;

static int setup(void **state)
{
        yescrypt_alice = make_hash("$y$", "alice's secret");
        sha512_bob = make_hash("$6$", "b0b:with colon");
        return yescrypt_alice && sha512_bob ? 0 : -1;
}

static int teardown(void **state)
{
        free(yescrypt_alice);
        free(sha512_bob);
        return 0;
}

static PasswordFile *parse_ok(const char *text, Collected *c)
{
        PasswordFile *pf = NULL;

        assert_int_equal(password_file_parse(text, strlen(text), collect, c, &pf), 0);
        assert_non_null(pf);
        return pf;
}

static void test_parse_and_check(void **state)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        _cleanup_free_ char *text = NULL;
        Collected c = {};

        assert_true(asprintf(&text,
                             "# tsproxy users\n"
                             "\n"
                             "alice:%s\r\n"
                             "   # indented comment\n"
                             "\t bob:%s  \n"
                             "   \n",
                             yescrypt_alice, sha512_bob) > 0);
        pf = parse_ok(text, &c);
        assert_int_equal(c.n, 0);
        assert_int_equal(pf->n_entries, 2);
        assert_string_equal(pf->entries[0].user, "alice");
        assert_string_equal(pf->entries[1].user, "bob");
        assert_string_equal(pf->entries[1].hash, sha512_bob);

        assert_true(password_file_check(pf, "alice", "alice's secret"));
        assert_true(password_file_check(pf, "bob", "b0b:with colon"));
        assert_false(password_file_check(pf, "alice", "alice's secreT"));
        assert_false(password_file_check(pf, "alice", ""));
        assert_false(password_file_check(pf, "bob", "alice's secret"));
        assert_false(password_file_check(pf, "carol", "alice's secret"));
        assert_false(password_file_check(pf, "", ""));
        assert_false(password_file_check(pf, "alic", "alice's secret"));
        assert_false(password_file_check(NULL, "alice", "alice's secret"));
        assert_null(password_file_unknown_user(pf));
}

/* A successful check is cached as a cheap hash; the cache never accepts another password. */
static void test_cache(void **state)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        _cleanup_free_ char *text = NULL;
        Collected c = {};

        assert_true(asprintf(&text, "alice:%s\nbob:%s\n", yescrypt_alice, sha512_bob) > 0);
        pf = parse_ok(text, &c);
        assert_null(pf->entries[0].cache);
        assert_false(password_file_check(pf, "alice", "wrong"));
        assert_null(pf->entries[0].cache);

        assert_true(password_file_check(pf, "alice", "alice's secret"));
        assert_non_null(pf->entries[0].cache);
        assert_true(strncmp(pf->entries[0].cache, "$5$", 3) == 0);
        assert_string_not_equal(pf->entries[0].cache, pf->entries[0].hash);
        assert_null(pf->entries[1].cache);

        /* Served from the cache now, and still exact. */
        assert_true(password_file_check(pf, "alice", "alice's secret"));
        assert_false(password_file_check(pf, "alice", "alice's secreT"));
        assert_false(password_file_check(pf, "alice", ""));
        assert_false(password_file_check(pf, "bob", "alice's secret"));
        assert_true(password_file_check(pf, "alice", "alice's secret"));

        /* Users outside --users are refused even with a cached password. */
        assert_int_equal(password_file_allow_users(pf, "bob"), 0);
        assert_false(password_file_check(pf, "alice", "alice's secret"));
}

static void test_allow_list(void **state)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        _cleanup_free_ char *text = NULL;
        Collected c = {};

        assert_true(asprintf(&text, "alice:%s\nbob:%s\n", yescrypt_alice, sha512_bob) > 0);
        pf = parse_ok(text, &c);

        assert_int_equal(password_file_allow_users(pf, ""), -EINVAL);
        assert_int_equal(password_file_allow_users(pf, "alice,,carol"), -EINVAL);
        assert_int_equal(password_file_allow_users(pf, "alice,"), -EINVAL);
        assert_int_equal(password_file_allow_users(pf, "a b"), -EINVAL);
        assert_int_equal(password_file_allow_users(pf, "a:b"), -EINVAL);
        /* Failed calls may have added items before the bad one: start over. */
        pf = password_file_free(pf);
        pf = parse_ok(text, &c);

        assert_int_equal(password_file_allow_users(pf, "alice,carol"), 0);
        assert_string_equal(password_file_unknown_user(pf), "carol");
        assert_true(password_file_check(pf, "alice", "alice's secret"));
        assert_false(password_file_check(pf, "bob", "b0b:with colon"));
        assert_false(password_file_check(pf, "carol", "x"));

        assert_int_equal(password_file_allow_users(pf, "bob"), 0);
        assert_true(password_file_check(pf, "bob", "b0b:with colon"));
}

static void test_malformed(void **state)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        _cleanup_free_ char *text = NULL;
        Collected c = {};

        assert_true(asprintf(&text,
                             "alice:%s\n"                              /* 1 */
                             "no colon here\n"                         /* 2 */
                             ":%s\n"                                   /* 3 */
                             "alice:%s\n"                              /* 4 duplicate */
                             "bob:\n"                                  /* 5 */
                             "carol:$apr1$abcdefgh$0123456789abcdef\n" /* 6 htpasswd -m */
                             "dave:$6$salt$ with space\n"              /* 7 */
                             "e v e:%s\n"                              /* 8 */
                             "frank:!locked\n"                         /* 9 */
                             "# fine\n"                                /* 10 */
                             "bob:%s",                                 /* 11, no final newline */
                             yescrypt_alice, yescrypt_alice, yescrypt_alice, sha512_bob, sha512_bob) > 0);
        assert_int_equal(password_file_parse(text, strlen(text), collect, &c, &pf), -EINVAL);
        assert_null(pf);
        assert_int_equal(c.n, 8);
        for (unsigned i = 0; i < c.n; i++)
                assert_int_equal(c.level[i], LOG_ERR);
        assert_int_equal(c.line[0], 2);
        assert_int_equal(c.line[1], 3);
        assert_int_equal(c.line[2], 4);
        assert_string_equal(c.message[2], "Duplicate user 'alice'.");
        assert_int_equal(c.line[3], 5);
        assert_int_equal(c.line[4], 6);
        assert_int_equal(c.line[5], 7);
        assert_int_equal(c.line[6], 8);
        assert_int_equal(c.line[7], 9);

        /* A NUL byte is an error of its line; no diagnostics callback is fine too. */
        c = (Collected){};
        assert_int_equal(password_file_parse("a:b\0c\n", 6, collect, &c, &pf), -EINVAL);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.line[0], 1);
        assert_int_equal(password_file_parse("x\n", 2, NULL, NULL, &pf), -EINVAL);
        assert_null(pf);
}

static void test_empty(void **state)
{
        PasswordFile *pf = NULL;
        Collected c = {};

        assert_int_equal(password_file_parse("", 0, collect, &c, &pf), -ENODATA);
        assert_int_equal(password_file_parse("# nobody\n\n", 10, collect, &c, &pf), -ENODATA);
        assert_null(pf);
        assert_int_equal(c.n, 2);
        assert_int_equal(c.line[0], 0);
}

static void test_legacy_warning(void **state)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        _cleanup_free_ char *md5 = make_hash("$1$", "old"), *text = NULL;
        Collected c = {};

        if (!md5)
                skip(); /* MD5-crypt disabled in this libxcrypt */
        assert_true(asprintf(&text, "old:%s\n", md5) > 0);
        pf = parse_ok(text, &c);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.level[0], LOG_WARNING);
        assert_int_equal(c.line[0], 1);
        assert_true(password_file_check(pf, "old", "old"));
}

static void test_load(void **state)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        char path[] = "/tmp/test-password-file.XXXXXX";
        Collected c = {};
        FILE *f;
        int fd;

        fd = mkostemp(path, O_CLOEXEC);
        assert_true(fd >= 0);
        f = fdopen(fd, "w");
        assert_non_null(f);
        fprintf(f, "alice:%s\n", yescrypt_alice);
        assert_int_equal(fclose(f), 0);

        assert_int_equal(password_file_load(path, collect, &c, &pf), 0);
        (void)unlink(path);
        assert_true(password_file_check(pf, "alice", "alice's secret"));

        assert_int_equal(password_file_load("/nonexistent/tsproxy-users", collect, &c, &pf), -ENOENT);
}

/* The loop's part: the cache alone, never the file's hash. */
static void test_check_cached(void **state)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        _cleanup_free_ char *text = NULL;
        Collected c = {};

        assert_true(asprintf(&text, "alice:%s\nbob:%s\n", yescrypt_alice, sha512_bob) > 0);
        pf = parse_ok(text, &c);
        assert_false(password_file_check_cached(pf, "alice", "alice's secret")); /* nothing cached */
        assert_true(password_file_check(pf, "alice", "alice's secret"));
        assert_true(password_file_check_cached(pf, "alice", "alice's secret"));
        assert_false(password_file_check_cached(pf, "alice", "alice's secreT"));
        assert_false(password_file_check_cached(pf, "bob", "alice's secret"));
        assert_false(password_file_check_cached(pf, "carol", "alice's secret"));
        assert_false(password_file_check_cached(NULL, "alice", "alice's secret"));
        assert_int_equal(password_file_allow_users(pf, "bob"), 0);
        assert_false(password_file_check_cached(pf, "alice", "alice's secret"));
}

static double seconds_of_check(PasswordFile *pf, const char *user, const char *password)
{
        struct timespec a, b;

        clock_gettime(CLOCK_MONOTONIC, &a);
        assert_false(password_file_check(pf, user, password));
        clock_gettime(CLOCK_MONOTONIC, &b);
        return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static int compare_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

/*
 * Unknown users are hashed against a hash of the method and cost most users have, not
 * against the first line's: here a cheap sha256crypt first, then two yescrypt users. The
 * time to refuse an unknown user is that of a yescrypt user (the first line's would be
 * ~100 times shorter).
 */
static void test_unknown_user_cost(void **state)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        _cleanup_free_ char *text = NULL, *cheap = make_hash("$5$", "x"), *carol = make_hash("$y$", "c");
        double known[5], unknown[5];
        Collected c = {};

        assert_non_null(cheap);
        assert_non_null(carol);
        assert_true(asprintf(&text, "cheap:%s\nalice:%s\ncarol:%s\nbob:%s\n", cheap, yescrypt_alice, carol,
                             sha512_bob) > 0);
        pf = parse_ok(text, &c);
        assert_non_null(pf->dummy_hash);
        assert_true(strncmp(pf->dummy_hash, "$y$", 3) == 0);

        for (unsigned i = 0; i < 5; i++) {
                known[i] = seconds_of_check(pf, "alice", "wrong");
                unknown[i] = seconds_of_check(pf, "mallory", "wrong");
        }
        qsort(known, 5, sizeof(double), compare_double);
        qsort(unknown, 5, sizeof(double), compare_double);
        print_message("median check: known yescrypt user %.2f ms, unknown user %.2f ms\n", known[2] * 1e3,
                      unknown[2] * 1e3);
        assert_true(unknown[2] > known[2] / 3);
        assert_true(unknown[2] < known[2] * 3);
}

static void test_dummy_method(void **state)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        Collected c = {};

        /* sha512crypt with rounds=5000 twice beats the default cost and yescrypt. */
        pf = parse_ok("a:$6$rounds=5000$aaaa$x\nb:$6$bbbb$y\nc:$6$rounds=5000$cccc$z\nd:$y$j9T$dd$w\n", &c);
        assert_string_equal(pf->dummy_hash, "$6$rounds=5000$aaaa$x");
        pf = password_file_free(pf);
        /* Ties: the first line's method. */
        pf = parse_ok("d:$y$j9T$dd$w\nb:$6$bbbb$y\n", &c);
        assert_string_equal(pf->dummy_hash, "$y$j9T$dd$w");
}

/* Owned by root or the daemon's user, no bit of 0077: as OpenSSH wants its private keys. */
static void test_access(void **state)
{
        char message[PASSWORD_FILE_MESSAGE_MAX];
        struct stat st = {.st_mode = S_IFREG | 0600, .st_uid = 0};

        assert_int_equal(password_file_check_access(&st, 1000, message), 0);
        st.st_uid = 1000;
        assert_int_equal(password_file_check_access(&st, 1000, message), 0);
        st.st_mode = S_IFREG | 0400;
        assert_int_equal(password_file_check_access(&st, 1000, message), 0);
        st.st_mode = S_IFREG | 0644;
        assert_int_equal(password_file_check_access(&st, 1000, message), -EACCES);
        assert_non_null(strstr(message, "0644 are too open"));
        st.st_mode = S_IFREG | 0640;
        assert_int_equal(password_file_check_access(&st, 1000, message), -EACCES);
        st.st_mode = S_IFREG | 0602;
        assert_int_equal(password_file_check_access(&st, 1000, message), -EACCES);
        st.st_mode = S_IFREG | 0600;
        st.st_uid = 1001;
        assert_int_equal(password_file_check_access(&st, 1000, message), -EPERM);
        assert_non_null(strstr(message, "uid 1001"));
        st.st_mode = S_IFDIR | 0700;
        st.st_uid = 0;
        assert_int_equal(password_file_check_access(&st, 1000, message), -EINVAL);
}

static void test_load_mode(void **state)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        char path[] = "/tmp/test-password-file.XXXXXX";
        Collected c = {};
        FILE *f;
        int fd;

        fd = mkostemp(path, O_CLOEXEC);
        assert_true(fd >= 0);
        f = fdopen(fd, "w");
        assert_non_null(f);
        fprintf(f, "alice:%s\n", yescrypt_alice);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, 0644), 0);
        assert_int_equal(password_file_load(path, collect, &c, &pf), -EACCES);
        assert_null(pf);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.line[0], 0);
        assert_non_null(strstr(c.message[0], "too open"));
        assert_int_equal(chmod(path, 0600), 0);
        assert_int_equal(password_file_load(path, collect, &c, &pf), 0);
        (void)unlink(path);
}

#define SEC 1000000ULL

static void test_throttle(void **state)
{
        struct sockaddr_in a = {.sin_family = AF_INET}, b = {.sin_family = AF_INET};
        struct sockaddr_in6 a6 = {.sin6_family = AF_INET6}, b6 = {.sin6_family = AF_INET6},
                            other6 = {.sin6_family = AF_INET6}, mapped = {.sin6_family = AF_INET6};
        AuthThrottle *t = auth_throttle_new();
        uint64_t now = 1000 * SEC;

        assert_non_null(t);
        inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
        inet_pton(AF_INET, "192.0.2.2", &b.sin_addr);
        inet_pton(AF_INET6, "2001:db8:1:2::1", &a6.sin6_addr);
        inet_pton(AF_INET6, "2001:db8:1:2::ffff:9", &b6.sin6_addr); /* the same /64 */
        inet_pton(AF_INET6, "2001:db8:1:3::1", &other6.sin6_addr);
        inet_pton(AF_INET6, "::ffff:192.0.2.1", &mapped.sin6_addr);

        for (unsigned i = 1; i < AUTH_THROTTLE_FAILURES; i++)
                assert_false(auth_throttle_failed(t, (struct sockaddr *)&a, now + i));
        assert_false(auth_throttle_blocked(t, (struct sockaddr *)&a, now + 20));
        assert_true(auth_throttle_failed(t, (struct sockaddr *)&a, now + 20));
        assert_true(auth_throttle_blocked(t, (struct sockaddr *)&a, now + 21));
        assert_true(auth_throttle_blocked(t, (struct sockaddr *)&mapped, now + 21)); /* v4-mapped */
        assert_false(auth_throttle_blocked(t, (struct sockaddr *)&b, now + 21));
        assert_true(
                auth_throttle_blocked(t, (struct sockaddr *)&a, now + 20 + AUTH_THROTTLE_BACKOFF_USEC - 1));
        assert_false(auth_throttle_blocked(t, (struct sockaddr *)&a, now + 20 + AUTH_THROTTLE_BACKOFF_USEC));

        /* Failures further apart than the window do not add up. */
        for (unsigned i = 0; i < 3 * AUTH_THROTTLE_FAILURES; i++)
                assert_false(auth_throttle_failed(t, (struct sockaddr *)&b,
                                                  now + i * (AUTH_THROTTLE_WINDOW_USEC / 4)));
        assert_false(auth_throttle_blocked(t, (struct sockaddr *)&b, now + 1));

        /* IPv6 counts per /64. */
        for (unsigned i = 0; i < AUTH_THROTTLE_FAILURES; i++)
                (void)auth_throttle_failed(t, (struct sockaddr *)(i % 2 ? &a6 : &b6), now + i);
        assert_true(auth_throttle_blocked(t, (struct sockaddr *)&a6, now + 20));
        assert_true(auth_throttle_blocked(t, (struct sockaddr *)&b6, now + 20));
        assert_false(auth_throttle_blocked(t, (struct sockaddr *)&other6, now + 20));

        /* Bounded: more addresses than entries push out the oldest. */
        for (unsigned i = 0; i < AUTH_THROTTLE_ENTRIES; i++) {
                struct sockaddr_in x = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x0a000000 + i)};
                (void)auth_throttle_failed(t, (struct sockaddr *)&x, now + 100 + i);
        }
        assert_false(auth_throttle_blocked(t, (struct sockaddr *)&a6, now + 20));
        auth_throttle_free(t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_and_check),
                cmocka_unit_test(test_cache),
                cmocka_unit_test(test_allow_list),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_legacy_warning),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_check_cached),
                cmocka_unit_test(test_unknown_user_cost),
                cmocka_unit_test(test_dummy_method),
                cmocka_unit_test(test_access),
                cmocka_unit_test(test_load_mode),
                cmocka_unit_test(test_throttle),
        };
        return cmocka_run_group_tests_name("password-file", tests, setup, teardown);
}
