/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-dns-wire: DNS names in wire form (decompression, suffixes, renaming) and the
 * bounded writer (dns-wire.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "dns-wire.h"

static DnsName name(const char *s)
{
        DnsName n;

        assert_int_equal(dns_name_from_string(s, &n), 0);
        return n;
}

static void assert_name(const DnsName *n, const char *expected)
{
        char buf[DNS_NAME_STRLEN];

        dns_name_to_string(n, buf);
        assert_string_equal(buf, expected);
}

static void test_from_string(void **state)
{
        DnsName n;
        char label[70], long_name[300];

        n = name("peer.tailnet.test");
        assert_int_equal(n.len, 19);
        assert_memory_equal(n.wire, "\4peer\7tailnet\4test", 19);
        assert_name(&n, "peer.tailnet.test.");
        n = name("peer.tailnet.test.");
        assert_int_equal(n.len, 19);
        n = name(".");
        assert_int_equal(n.len, 1);
        assert_name(&n, ".");
        n = name("");
        assert_int_equal(n.len, 1);

        assert_int_equal(dns_name_from_string("a..b", &n), -EINVAL);
        assert_int_equal(dns_name_from_string(".a", &n), -EINVAL);
        memset(label, 'x', 64);
        label[64] = '\0';
        assert_int_equal(dns_name_from_string(label, &n), -EINVAL);
        label[63] = '\0';
        assert_int_equal(dns_name_from_string(label, &n), 0);
        /* 4 x 63 + 4 length bytes + root = 257 > 255 */
        snprintf(long_name, sizeof(long_name), "%s.%s.%s.%s", label, label, label, label);
        assert_int_equal(dns_name_from_string(long_name, &n), -ENAMETOOLONG);
        /* 3 x 63 + 61 + 4 + 1 = 255 */
        snprintf(long_name, sizeof(long_name), "%s.%s.%s.%.61s", label, label, label, label);
        assert_int_equal(dns_name_from_string(long_name, &n), 0);
        assert_int_equal(n.len, 255);
}

static void test_to_string_escapes(void **state)
{
        DnsName n = {.len = 6, .wire = {4, 'a', '.', 0xff, 'B', 0}};

        assert_name(&n, "a\\046\\255B.");
}

static void test_read_compressed(void **state)
{
        /* header (12 zero bytes), then "tailnet.test" at 12, "peer" + pointer at 26,
         * a pointer alone at 33. */
        static const uint8_t msg[] = {
                0,    0,   0,   0,   0,   0,    0,   0,   0, 0,   0,   0,           /* header */
                7,    't', 'a', 'i', 'l', 'n',  'e', 't', 4, 't', 'e', 's', 't', 0, /* 12 */
                4,    'p', 'e', 'e', 'r', 0xc0, 12,                                 /* 26 */
                0xc0, 26,                                                           /* 33 */
        };
        size_t off = 26;
        DnsName n;

        assert_int_equal(dns_name_read(msg, sizeof(msg), &off, &n), 0);
        assert_int_equal(off, 33);
        assert_name(&n, "peer.tailnet.test.");
        off = 33;
        assert_int_equal(dns_name_read(msg, sizeof(msg), &off, &n), 0);
        assert_int_equal(off, 35);
        assert_name(&n, "peer.tailnet.test.");
        off = 12;
        assert_int_equal(dns_name_read(msg, sizeof(msg), &off, &n), 0);
        assert_int_equal(off, 26);
}

static void test_read_malformed(void **state)
{
        /* A pointer to itself, a forward pointer, a loop, a label past the end, the
         * reserved label types, and no root label. */
        static const uint8_t self[] = {0xc0, 0};
        static const uint8_t forward[] = {0xc0, 2, 0};
        static const uint8_t loop[] = {1, 'a', 0xc0, 0};
        static const uint8_t past[] = {5, 'a', 'b'};
        static const uint8_t ext[] = {0x41, 0};
        static const uint8_t noroot[] = {1, 'a'};
        static const uint8_t half_pointer[] = {1, 'a', 0xc0};
        size_t off;
        DnsName n;

        off = 0, assert_int_equal(dns_name_read(self, sizeof(self), &off, &n), -EBADMSG);
        off = 0, assert_int_equal(dns_name_read(forward, sizeof(forward), &off, &n), -EBADMSG);
        off = 0, assert_int_equal(dns_name_read(loop, sizeof(loop), &off, &n), -EBADMSG);
        off = 0, assert_int_equal(dns_name_read(past, sizeof(past), &off, &n), -EBADMSG);
        off = 0, assert_int_equal(dns_name_read(ext, sizeof(ext), &off, &n), -EBADMSG);
        off = 0, assert_int_equal(dns_name_read(noroot, sizeof(noroot), &off, &n), -EBADMSG);
        off = 0, assert_int_equal(dns_name_read(half_pointer, sizeof(half_pointer), &off, &n), -EBADMSG);
}

static void test_read_too_long(void **state)
{
        /* 128 labels "a" pointing back at each other stay below 255 only up to 127. */
        uint8_t msg[600];
        size_t off = 0, len = 0;
        DnsName n;

        for (int i = 0; i < 127; i++) {
                msg[len++] = 1;
                msg[len++] = 'a';
        }
        msg[len++] = 0;
        assert_int_equal(dns_name_read(msg, len, &off, &n), 0);
        assert_int_equal(n.len, 255);
        /* One more label: 257 bytes. */
        len = 0;
        for (int i = 0; i < 128; i++) {
                msg[len++] = 1;
                msg[len++] = 'a';
        }
        msg[len++] = 0;
        off = 0;
        assert_int_equal(dns_name_read(msg, len, &off, &n), -EBADMSG);
}

static void test_equal_and_suffix(void **state)
{
        DnsName a = name("Peer.TailNet.test"), b = name("peer.tailnet.TEST"), s = name("tailnet.test"),
                t = name("t1"), r;
        size_t prefix = 99;

        assert_true(dns_name_equal(&a, &b));
        assert_false(dns_name_equal(&a, &s));
        assert_true(dns_name_has_suffix(&a, &s, &prefix));
        assert_int_equal(prefix, 5);
        assert_true(dns_name_has_suffix(&s, &s, &prefix));
        assert_int_equal(prefix, 0);
        /* Whole labels only. */
        DnsName x = name("xtailnet.test");
        assert_false(dns_name_has_suffix(&x, &s, NULL));
        assert_false(dns_name_has_suffix(&s, &a, NULL));
        /* The root is a suffix of everything. */
        DnsName root = name(".");
        assert_true(dns_name_has_suffix(&a, &root, &prefix));
        assert_int_equal(prefix, a.len - 1);

        assert_true(dns_name_has_suffix(&a, &s, &prefix));
        assert_int_equal(dns_name_replace_suffix(&a, prefix, &t, &r), 0);
        assert_name(&r, "Peer.t1.");
        dns_name_lowercase(&r);
        assert_name(&r, "peer.t1.");
        assert_int_equal(dns_name_count_labels(&a), 3);
        assert_int_equal(dns_name_count_labels(&root), 0);
}

static void test_replace_too_long(void **state)
{
        char label[64], long_name[300];
        DnsName n, suffix = name("t"), longer, r;
        size_t prefix;

        memset(label, 'x', 63);
        label[63] = '\0';
        snprintf(long_name, sizeof(long_name), "%s.%s.%s.%.59s.t", label, label, label, label);
        n = name(long_name);
        assert_int_equal(n.len, 255);
        snprintf(long_name, sizeof(long_name), "tt");
        longer = name(long_name);
        assert_true(dns_name_has_suffix(&n, &suffix, &prefix));
        assert_int_equal(dns_name_replace_suffix(&n, prefix, &longer, &r), -ENAMETOOLONG);
}

static void test_writer(void **state)
{
        uint8_t buf[8];
        DnsWriter w;

        dns_writer_init(&w, buf, sizeof(buf));
        dns_put_u32(&w, 0x01020304);
        dns_put_u16(&w, 0x0506);
        assert_false(w.overflow);
        dns_put_u32(&w, 0x0708090a);
        assert_true(w.overflow);
        assert_int_equal(w.len, 6);
        dns_put_u8(&w, 1);
        assert_int_equal(w.len, 6);
        dns_patch_u16(&w, 0, 0xaabb);
        assert_memory_equal(buf, "\xaa\xbb\x03\x04\x05\x06", 6);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_from_string),      cmocka_unit_test(test_to_string_escapes),
                cmocka_unit_test(test_read_compressed),  cmocka_unit_test(test_read_malformed),
                cmocka_unit_test(test_read_too_long),    cmocka_unit_test(test_equal_and_suffix),
                cmocka_unit_test(test_replace_too_long), cmocka_unit_test(test_writer),
        };
        return cmocka_run_group_tests_name("dns-wire", tests, NULL, NULL);
}
