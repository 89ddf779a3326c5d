/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-name-options: the naming options the three daemons share (name-options.c:
 * --domain, --tailnet-domain, --tailnet-domain-file, their checks and messages) and the
 * MagicDNS suffix as a daemon follows it (tailnet-suffix.c: the given one wins; the
 * file is read again when it changes, by rename or in place; a file without a domain
 * is an unknown suffix).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "name-options.h"
#include "tailnet-suffix.h"

static void test_domain_check(void **state)
{
        char d[NAME_MODEL_NAME_MAX + 1], longest[260];

        assert_int_equal(name_model_domain("Tail1234.TS.net.", d), 0);
        assert_string_equal(d, "tail1234.ts.net");
        assert_int_equal(name_model_domain("a_b-c", d), 0);
        assert_string_equal(d, "a_b-c");
        assert_int_equal(name_model_domain("", d), -EINVAL);
        assert_int_equal(name_model_domain(".", d), -EINVAL);
        assert_int_equal(name_model_domain("a..b", d), -EINVAL);
        assert_int_equal(name_model_domain(".a", d), -EINVAL);
        assert_int_equal(name_model_domain("a b", d), -EINVAL);
        assert_int_equal(name_model_domain("ts.net/x", d), -EINVAL);
        assert_int_equal(name_model_domain("a..", d), -EINVAL);
        memset(longest, 'a', 64);
        longest[64] = '\0';
        assert_int_equal(name_model_domain(longest, d), -EINVAL); /* a label of 64 */
        memset(longest, 'a', 253);
        longest[63] = longest[127] = longest[191] = '.';
        longest[253] = '\0';
        assert_int_equal(name_model_domain(longest, d), 0);
        strcat(longest, "a");
        assert_int_equal(name_model_domain(longest, d), -ENAMETOOLONG);
}

static void test_options(void **state)
{
        NameOptions o = {};

        assert_int_equal(name_options_set(&o, NAME_OPTION_TAILNET_DOMAIN, "Tail1234.ts.net."), 0);
        assert_int_equal(
                name_options_set(&o, NAME_OPTION_TAILNET_DOMAIN_FILE, "/run/tsproxy/a/magicdns-suffix"), 0);
        assert_int_equal(name_options_finish(&o, "lab"), 0);
        assert_string_equal(o.domain, "lab"); /* the default: the instance name */
        assert_string_equal(o.tailnet_domain, "tail1234.ts.net");
        assert_string_equal(o.tailnet_domain_file, "/run/tsproxy/a/magicdns-suffix");

        o = (NameOptions){};
        assert_int_equal(name_options_set(&o, NAME_OPTION_DOMAIN, "Lab.Internal"), 0);
        assert_int_equal(name_options_finish(&o, "lab"), 0);
        assert_string_equal(o.domain, "lab.internal");
        assert_string_equal(o.tailnet_domain, "");
        assert_null(o.tailnet_domain_file);

        assert_int_equal(name_options_set(&o, NAME_OPTION_DOMAIN, "a b"), -EINVAL);
        assert_int_equal(name_options_set(&o, NAME_OPTION_TAILNET_DOMAIN, ""), -EINVAL);
        assert_int_equal(name_options_set(&o, NAME_OPTION_TAILNET_DOMAIN_FILE, "magicdns-suffix"), -EINVAL);
}

static void write_file(const char *path, const char *text)
{
        char tmp[256];
        FILE *f;

        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        f = fopen(tmp, "we");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(rename(tmp, path), 0);
}

static void test_suffix_file(void **state)
{
        char dir[] = "/tmp/test-name-options-XXXXXX", path[64];
        TailnetSuffix s, fixed;
        bool changed;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/magicdns-suffix", dir);

        tailnet_suffix_init(&s, NULL, path);
        assert_string_equal(tailnet_suffix_get(&s, &changed), ""); /* no file yet */
        assert_false(changed);
        write_file(path, "Tail1234.ts.net.\n");
        assert_string_equal(tailnet_suffix_get(&s, &changed), "tail1234.ts.net");
        assert_true(changed);
        assert_string_equal(tailnet_suffix_get(&s, &changed), "tail1234.ts.net");
        assert_false(changed);
        /* Replaced by rename (a new inode). */
        write_file(path, "other.ts.net\n");
        assert_string_equal(tailnet_suffix_get(&s, &changed), "other.ts.net");
        assert_true(changed);
        /* Rewritten in place, another size. */
        f = fopen(path, "we");
        assert_non_null(f);
        fputs("x.example\n", f);
        assert_int_equal(fclose(f), 0);
        assert_string_equal(tailnet_suffix_get(&s, &changed), "x.example");
        assert_true(changed);
        /* Not a domain, empty, gone: unknown. */
        write_file(path, "not a domain\n");
        assert_string_equal(tailnet_suffix_get(&s, &changed), "");
        assert_true(changed);
        write_file(path, "b.example");
        assert_string_equal(tailnet_suffix_get(&s, NULL), "b.example"); /* no newline needed */
        write_file(path, "");
        assert_string_equal(tailnet_suffix_get(&s, NULL), "");
        write_file(path, "c.example\n");
        assert_string_equal(tailnet_suffix_get(&s, NULL), "c.example");
        assert_int_equal(unlink(path), 0);
        assert_string_equal(tailnet_suffix_get(&s, &changed), "");
        assert_true(changed);

        /* The given suffix wins over the file. */
        write_file(path, "c.example\n");
        tailnet_suffix_init(&fixed, "given.ts.net", path);
        assert_string_equal(tailnet_suffix_get(&fixed, &changed), "given.ts.net");
        assert_false(changed);
        /* Neither: unknown. */
        tailnet_suffix_init(&fixed, NULL, NULL);
        assert_string_equal(tailnet_suffix_get(&fixed, NULL), "");

        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_domain_check),
                cmocka_unit_test(test_options),
                cmocka_unit_test(test_suffix_file),
        };
        return cmocka_run_group_tests_name("naming options and the learned suffix", tests, NULL, NULL);
}
