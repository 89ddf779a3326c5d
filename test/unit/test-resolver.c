/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-resolver: the naming model in the daemons' resolver (helpers/daemon/resolver.c)
 * on a real sd-event loop, for the names it answers without a query: A.B.C.D.DOMAIN,
 * A-B-C-D.DOMAIN and the IPv6 dash form are their address with the port; DOMAIN itself
 * is -ENOENT; NAME.DOMAIN while the MagicDNS suffix is unknown is -EHOSTUNREACH; and the
 * answer always comes from the loop, never inside resolver_resolve(). (Names that go to
 * MagicDNS are checked end to end: test/sandbox/test-names.sh.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "resolver.h"

typedef struct Answer {
        bool called;
        int error;
        struct sockaddr_storage address;
        size_t n;
} Answer;

static void on_answer(void *userdata, int error, const struct sockaddr_storage *addresses, size_t n)
{
        Answer *a = userdata;

        a->called = true;
        a->error = error;
        a->n = n;
        if (n > 0)
                a->address = addresses[0];
}

/* Resolve name with port 8080 under domain "fgpu" (suffix: tailnet, may be ""). */
static Answer resolve(const char *name, const char *tailnet)
{
        NameOptions names = {.domain = "fgpu"};
        sd_event *event = NULL;
        Resolver *r = NULL;
        ResolverQuery *q;
        Answer a = {};

        snprintf(names.tailnet_domain, sizeof(names.tailnet_domain), "%s", tailnet);
        assert_int_equal(sd_event_new(&event), 0);
        assert_int_equal(resolver_new(event, NULL, &names, &r), 0);
        assert_int_equal(resolver_resolve(r, name, 8080, on_answer, &a, &q), 0);
        assert_false(a.called); /* never from inside resolver_resolve() */
        for (int i = 0; i < 10 && !a.called; i++)
                assert_true(sd_event_run(event, 1000000) >= 0);
        assert_true(a.called);
        resolver_free(r);
        sd_event_unref(event);
        return a;
}

static void assert_ipv4(const Answer *a, const char *expected)
{
        const struct sockaddr_in *in = (const struct sockaddr_in *)&a->address;
        char buf[INET_ADDRSTRLEN];

        assert_int_equal(a->error, 0);
        assert_int_equal(a->n, 1);
        assert_int_equal(in->sin_family, AF_INET);
        assert_int_equal(ntohs(in->sin_port), 8080);
        assert_string_equal(inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf)), expected);
}

static void test_addresses(void **state)
{
        Answer a;
        char buf[INET6_ADDRSTRLEN];

        a = resolve("100.64.0.1.fgpu", "");
        assert_ipv4(&a, "100.64.0.1");
        a = resolve("10-1-2-3.FGPU.", "tail1234.ts.net");
        assert_ipv4(&a, "10.1.2.3");
        a = resolve("fd7a-115c-a1e0--1.fgpu", "");
        assert_int_equal(a.error, 0);
        assert_int_equal(a.n, 1);
        assert_int_equal(a.address.ss_family, AF_INET6);
        assert_int_equal(ntohs(((struct sockaddr_in6 *)&a.address)->sin6_port), 8080);
        assert_string_equal(
                inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a.address)->sin6_addr, buf, sizeof(buf)),
                "fd7a:115c:a1e0::1");
        /* A literal stays a literal (c-ares answers it, also through the loop). */
        a = resolve("192.0.2.7", "tail1234.ts.net");
        assert_ipv4(&a, "192.0.2.7");
}

static void test_refused(void **state)
{
        Answer a;

        a = resolve("fgpu", "tail1234.ts.net");
        assert_int_equal(a.error, -ENOENT);
        assert_int_equal(a.n, 0);
        a = resolve("FGPU.", "");
        assert_int_equal(a.error, -ENOENT);
        a = resolve("gpu-node.fgpu", "");
        assert_int_equal(a.error, -EHOSTUNREACH);
        assert_int_equal(a.n, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_addresses),
                cmocka_unit_test(test_refused),
        };
        return cmocka_run_group_tests_name("resolver: the naming model", tests, NULL, NULL);
}
