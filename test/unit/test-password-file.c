/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-password-file: tsproxy-socks' `user:crypt-hash` file (helpers/socks/password-file.c):
 * parsing with line-numbered diagnostics, the --users allow-list, verification with
 * hashes made here by libxcrypt (yescrypt, sha512).
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
#include <unistd.h>
#include <cmocka.h>

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
        };
        return cmocka_run_group_tests_name("password-file", tests, setup, teardown);
}
