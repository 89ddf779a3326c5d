/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-name-model: the naming model shared by tsproxy-dns, -socks and -relay (name-model.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "name-model.h"

static void assert_address(const char *name, int family, const char *text)
{
        NameTarget t;
        uint8_t want[16];

        assert_int_equal(name_model_classify(name, "fgpu", "tail1234.ts.net", &t), 0);
        assert_int_equal(t.kind, NAME_KIND_ADDRESS);
        assert_int_equal(t.family, family);
        assert_int_equal(inet_pton(family, text, want), 1);
        assert_memory_equal(t.address, want, family == AF_INET ? 4 : 16);
}

static void assert_kind_name(const char *name, const char *tailnet, NameKind kind, const char *want)
{
        NameTarget t;

        assert_int_equal(name_model_classify(name, "fgpu", tailnet, &t), 0);
        assert_int_equal(t.kind, kind);
        assert_string_equal(t.name, want);
}

static void test_addresses(void **state)
{
        assert_address("100.90.0.1.fgpu", AF_INET, "100.90.0.1");
        assert_address("10.100.10.141.FGPU.", AF_INET, "10.100.10.141");
        assert_address("100-90-0-1.fgpu", AF_INET, "100.90.0.1");
        assert_address("fd7a-115c-a1e0--1.fgpu", AF_INET6, "fd7a:115c:a1e0::1");
        assert_address("FD7A-115C-A1E0--1.Fgpu", AF_INET6, "fd7a:115c:a1e0::1");
}

static void test_names_under_domain(void **state)
{
        NameTarget t;

        assert_kind_name("gpu-node.fgpu", "tail1234.ts.net", NAME_KIND_MAGICDNS, "gpu-node.tail1234.ts.net");
        assert_kind_name("GPU-Node.fgpu.", "tail1234.ts.net.", NAME_KIND_MAGICDNS,
                         "gpu-node.tail1234.ts.net");
        /* Not addresses: five labels, a 256, a dashed form in two labels. */
        assert_kind_name("1.2.3.4.5.fgpu", "t.ts.net", NAME_KIND_MAGICDNS, "1.2.3.4.5.t.ts.net");
        assert_kind_name("1.2.3.256.fgpu", "t.ts.net", NAME_KIND_MAGICDNS, "1.2.3.256.t.ts.net");
        assert_kind_name("x.1-2-3-4.fgpu", "t.ts.net", NAME_KIND_MAGICDNS, "x.1-2-3-4.t.ts.net");
        /* The domain itself has no address. */
        assert_int_equal(name_model_classify("fgpu", "fgpu", "t.ts.net", &t), 0);
        assert_int_equal(t.kind, NAME_KIND_DOMAIN);
        /* NAME.D with no MagicDNS suffix known: nothing to ask. */
        assert_int_equal(name_model_classify("gpu-node.fgpu", "fgpu", NULL, &t), -ENXIO);
        assert_int_equal(name_model_classify("gpu-node.fgpu", "fgpu", "", &t), -ENXIO);
        /* But an address under D needs none. */
        assert_int_equal(name_model_classify("1.2.3.4.fgpu", "fgpu", NULL, &t), 0);
        assert_int_equal(t.kind, NAME_KIND_ADDRESS);
        /* A suffix match must end at a label boundary. */
        assert_kind_name("xfgpu", NULL, NAME_KIND_OTHER, "xfgpu");
        assert_kind_name("a.xfgpu", "t.ts.net", NAME_KIND_OTHER, "a.xfgpu");
}

static void test_outside_domain(void **state)
{
        NameTarget t;

        /* Bare names go to MagicDNS with the tailnet's suffix, when known. */
        assert_kind_name("gpu-node", "tail1234.ts.net", NAME_KIND_MAGICDNS, "gpu-node.tail1234.ts.net");
        assert_kind_name("gpu-node.", "tail1234.ts.net", NAME_KIND_MAGICDNS, "gpu-node.tail1234.ts.net");
        assert_kind_name("gpu-node", NULL, NAME_KIND_OTHER, "gpu-node");
        /* NAME.T as it is. */
        assert_kind_name("Gpu-Node.tail1234.ts.net", "tail1234.ts.net", NAME_KIND_MAGICDNS,
                         "gpu-node.tail1234.ts.net");
        /* Everything else as given. */
        assert_kind_name("example.com", "tail1234.ts.net", NAME_KIND_OTHER, "example.com");
        assert_kind_name("10.1.2.3", "tail1234.ts.net", NAME_KIND_OTHER, "10.1.2.3");
        /* No Domain= at all. */
        assert_int_equal(name_model_classify("a.fgpu", NULL, "t.ts.net", &t), 0);
        assert_int_equal(t.kind, NAME_KIND_OTHER);
}

static void test_malformed(void **state)
{
        NameTarget t;
        char long_label[80], long_name[300];

        assert_int_equal(name_model_classify("", "fgpu", "t.ts.net", &t), -EINVAL);
        assert_int_equal(name_model_classify(".", "fgpu", "t.ts.net", &t), -EINVAL);
        assert_int_equal(name_model_classify("a..fgpu", "fgpu", "t.ts.net", &t), -EINVAL);
        assert_int_equal(name_model_classify(".fgpu", "fgpu", "t.ts.net", &t), -EINVAL);
        memset(long_label, 'a', 64);
        strcpy(long_label + 64, ".fgpu");
        assert_int_equal(name_model_classify(long_label, "fgpu", "t.ts.net", &t), -EINVAL);
        /* NAME.D fits, NAME.T does not. */
        memset(long_name, 0, sizeof(long_name));
        for (size_t i = 0; i < 4; i++)
                memcpy(long_name + i * 61, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.",
                       61);
        strcpy(long_name + 244, "fgpu");
        assert_int_equal(name_model_classify(long_name, "fgpu", "tail1234.ts.net", &t), -ENAMETOOLONG);
        memset(long_name, 'a', 260);
        long_name[260] = '\0';
        assert_int_equal(name_model_classify(long_name, "fgpu", "t.ts.net", &t), -ENAMETOOLONG);
}

static void test_address_labels(void **state)
{
        const uint8_t dot[] = "1.2", three[] = "3", four[] = "4";
        NameLabel l[3] = {{dot, 3}, {three, 1}, {four, 1}};
        uint8_t a[16];
        int family;

        /* A label holding a dot (possible in DNS wire form) is never an octet. */
        assert_int_equal(name_model_address(l, 3, &family, a), -EINVAL);
        l[0] = (NameLabel){(const uint8_t *)"1-2-3-4", 7};
        assert_int_equal(name_model_address(l, 1, &family, a), 0);
        assert_int_equal(family, AF_INET);
        l[0] = (NameLabel){(const uint8_t *)"1-2-3", 5};
        assert_int_equal(name_model_address(l, 1, &family, a), -EINVAL);
        l[0] = (NameLabel){(const uint8_t *)"::", 2};
        assert_int_equal(name_model_address(l, 1, &family, a), -EINVAL);
        l[0] = (NameLabel){(const uint8_t *)"--", 2};
        assert_int_equal(name_model_address(l, 1, &family, a), 0);
        assert_int_equal(family, AF_INET6);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_addresses),      cmocka_unit_test(test_names_under_domain),
                cmocka_unit_test(test_outside_domain), cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_address_labels),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
