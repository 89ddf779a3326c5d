/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-pac: the PAC builder (helpers/socks/pac.c): the rules it writes for two
 * instances, the names it refuses (JavaScript injection through a domain, a proxy
 * address or an instance name), escaping, a too small buffer and the response head.
 * test-pac-eval runs the PAC in a real PAC engine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "pac.h"
#include "pac-peer.h"

static IpNetwork ranges[2];

static int setup(void **state)
{
        (void)state;
        assert_int_equal(ipnet_parse("100.64.0.0/10", &ranges[0]), 0);
        assert_int_equal(ipnet_parse("fd7a:115c:a1e0::/48", &ranges[1]), 0);
        return 0;
}

static void test_two_instances(void **state)
{
        PacInstance in[2] = {
                {"fgpu", "fgpu", "tail1234.ts.net", ranges, 2, "100.121.76.21:11080"},
                {"lab", "Lab.Example.", NULL, ranges, 1, "[fd7a:115c:a1e0::5]:3128"},
        };
        char buf[8192];
        int k;

        (void)state;
        k = pac_build(in, 2, buf, sizeof(buf), NULL);
        assert_true(k > 0);
        assert_int_equal((size_t)k, strlen(buf));
        assert_non_null(strstr(buf, "function FindProxyForURL(url, host) {\n"));
        assert_non_null(strstr(buf, "        if (tsproxyInDomain(h, \"fgpu\") ||\n"
                                    "            tsproxyInDomain(h, \"tail1234.ts.net\"))\n"
                                    "                return \"PROXY 100.121.76.21:11080\";\n"));
        /* lower case, without the trailing dot */
        assert_non_null(strstr(buf, "        if (tsproxyInDomain(h, \"lab.example\"))\n"
                                    "                return \"PROXY [fd7a:115c:a1e0::5]:3128\";\n"));
        assert_non_null(strstr(buf, "        if (v4 && isInNet(h, \"100.64.0.0\", \"255.192.0.0\"))\n"
                                    "                return \"PROXY 100.121.76.21:11080\";\n"));
        assert_non_null(strstr(
                buf, "        if (v6 && tsproxyInNet6(v6, [0xfd7a, 0x115c, 0xa1e0, 0x0, 0x0, 0x0, 0x0, "
                     "0x0], 48))\n"));
        /* names before ranges, DIRECT last */
        assert_true(strstr(buf, "lab.example") < strstr(buf, "isInNet("));
        assert_non_null(strstr(buf, "        return \"DIRECT\";\n}\n"));
        assert_int_equal(buf[k - 1], '\n');

        assert_int_equal(pac_build(in, 2, buf, 100, NULL), -ENOBUFS);
        assert_int_equal(pac_build(in, 0, buf, sizeof(buf), NULL) > 0, 1);
        assert_non_null(strstr(buf, "return \"DIRECT\""));
}

static void bad(const char *name, const char *domain, const char *suffix, const char *proxy,
                const char *field)
{
        PacInstance in = {name, domain, suffix, ranges, 2, proxy};
        const char *what = NULL;
        char buf[8192];

        if (pac_build(&in, 1, buf, sizeof(buf), &what) != -EINVAL || !what || strcmp(what, field) != 0)
                fail_msg("%s/%s/%s/%s accepted or wrong field %s", name, domain, suffix, proxy,
                         what ? what : "-");
}

static void test_refused(void **state)
{
        (void)state;
        bad("fgpu", "x\");alert(1);(\"", NULL, "h:1", "DNS domain");
        bad("fgpu", "a..b", NULL, "h:1", "DNS domain");
        bad("fgpu", ".a", NULL, "h:1", "DNS domain");
        bad("fgpu", "a b", NULL, "h:1", "DNS domain");
        bad("fgpu", "a\\x", NULL, "h:1", "DNS domain");
        bad("fgpu", "fgpu", "ts.net\n}", "h:1", "MagicDNS suffix");
        bad("fgpu", "fgpu", "a\"", "h:1", "MagicDNS suffix");
        bad("fg\npu", "fgpu", NULL, "h:1", "instance name");
        bad("fg*/pu", "fgpu", NULL, "h:1", "instance name");
        bad("", "fgpu", NULL, "h:1", "instance name");
        bad("fgpu", "fgpu", NULL, "h:0", "proxy address");
        bad("fgpu", "fgpu", NULL, "h:65536", "proxy address");
        bad("fgpu", "fgpu", NULL, "h", "proxy address");
        bad("fgpu", "fgpu", NULL, ":80", "proxy address");
        bad("fgpu", "fgpu", NULL, "h\";x:80", "proxy address");
        bad("fgpu", "fgpu", NULL, "h; DIRECT:80", "proxy address");
        bad("fgpu", "fgpu", NULL, "[zz]:80", "proxy address");
        bad("fgpu", "fgpu", NULL, NULL, "proxy address");
        {
                IpNetwork r = {.family = AF_INET, .prefix = 33};
                PacInstance in = {"fgpu", "fgpu", NULL, &r, 1, "h:1"};
                char buf[8192];

                assert_int_equal(pac_build(&in, 1, buf, sizeof(buf), NULL), -EINVAL);
        }
}

static void test_no_domain(void **state)
{
        PacInstance in = {"x", NULL, "", ranges, 1, "h:1"};
        char buf[8192];

        (void)state;
        assert_true(pac_build(&in, 1, buf, sizeof(buf), NULL) > 0);
        assert_null(strstr(buf, "tsproxyInDomain(h, \""));
        assert_non_null(strstr(buf, "isInNet(h, \"100.64.0.0\""));
}

static void test_response_head(void **state)
{
        char buf[512];

        (void)state;
        assert_true(pac_response_head(buf, sizeof(buf), 1234, true, 1) > 0);
        assert_string_equal(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/x-ns-proxy-autoconfig\r\n"
                                 "Content-Length: 1234\r\nCache-Control: max-age=300\r\n\r\n");
        assert_true(pac_response_head(buf, sizeof(buf), 1, false, 1) > 0);
        assert_non_null(strstr(buf, "Connection: close\r\n\r\n"));
        assert_true(pac_response_head(buf, sizeof(buf), 1, true, 0) > 0);
        assert_non_null(strstr(buf, "Connection: keep-alive\r\n\r\n"));
        assert_int_equal(pac_response_head(buf, 20, 1, true, 1), -ENOBUFS);
}

/* --pac-peer NAME,DOMAIN,TAILNETDOMAIN,HOST:PORT: four fields, checked as pac_build() does. */
static void test_pac_peer(void **state)
{
        const char *why = NULL;
        PacPeer p;

        (void)state;
        assert_int_equal(pac_peer_parse("lab,lab,tail1234.ts.net,100.121.76.21:1080", &p, &why), 0);
        assert_string_equal(p.name, "lab");
        assert_string_equal(p.domain, "lab");
        assert_string_equal(p.tailnet_domain, "tail1234.ts.net");
        assert_string_equal(p.proxy, "100.121.76.21:1080");
        assert_int_equal(pac_peer_parse("lab,,,[fd7a:115c:a1e0::1]:8080", &p, &why), 0);
        assert_string_equal(p.domain, "");
        assert_string_equal(p.proxy, "[fd7a:115c:a1e0::1]:8080");

        assert_int_equal(pac_peer_parse("lab,lab,100.1.2.3:1", &p, &why), -EINVAL);
        assert_string_equal(why, "expected NAME,DOMAIN,TAILNETDOMAIN,HOST:PORT");
        assert_int_equal(pac_peer_parse("lab,lab,x,1.2.3.4:1,5", &p, &why), -EINVAL);
        assert_int_equal(pac_peer_parse("la b,lab,,1.2.3.4:1", &p, &why), -EINVAL);
        assert_string_equal(why, "instance name");
        assert_int_equal(pac_peer_parse("lab,a..b,,1.2.3.4:1", &p, &why), -EINVAL);
        assert_string_equal(why, "DNS domain");
        assert_int_equal(pac_peer_parse("lab,lab,\"x,1.2.3.4:1", &p, &why), -EINVAL);
        assert_string_equal(why, "MagicDNS suffix");
        assert_int_equal(pac_peer_parse("lab,lab,,1.2.3.4", &p, &why), -EINVAL);
        assert_string_equal(why, "proxy address");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_two_instances), cmocka_unit_test(test_refused),
                cmocka_unit_test(test_no_domain),     cmocka_unit_test(test_response_head),
                cmocka_unit_test(test_pac_peer),
        };
        return cmocka_run_group_tests_name("pac", tests, setup, NULL);
}
