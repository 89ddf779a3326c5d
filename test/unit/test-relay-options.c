/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-relay-options: tsproxy-relay's command line (helpers/relay/options.c) and its
 * --forward PROTO:LISTEN=TARGET specs (helpers/relay/forward.c): what parses, what is
 * refused, the defaults, and how a passed socket is matched to its forward.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "forward.h"
#include "macro.h"
#include "options.h"

static void test_spec_tcp(void **state)
{
        const char *reason = NULL;
        char buf[FORWARD_SPEC_STRLEN];
        ForwardSpec f;

        assert_int_equal(forward_spec_parse("tcp:100.121.76.21:2222=100.68.1.5:22", &f, &reason), 0);
        assert_int_equal(f.proto, FORWARD_PROTO_TCP);
        assert_int_equal(f.listen.ss_family, AF_INET);
        assert_int_equal(ntohs(((struct sockaddr_in *)&f.listen)->sin_port), 2222);
        assert_int_equal(f.target.ss_family, AF_INET);
        assert_int_equal(ntohs(((struct sockaddr_in *)&f.target)->sin_port), 22);
        forward_spec_format(&f, buf);
        assert_string_equal(buf, "tcp:100.121.76.21:2222=100.68.1.5:22");
}

static void test_spec_udp_ipv6(void **state)
{
        const char *reason = NULL;
        char buf[FORWARD_SPEC_STRLEN];
        ForwardSpec f;

        assert_int_equal(forward_spec_parse("udp:[::1]:5353=100.100.100.100:53", &f, &reason), 0);
        assert_int_equal(f.proto, FORWARD_PROTO_UDP);
        assert_int_equal(f.listen.ss_family, AF_INET6);
        forward_spec_format(&f, buf);
        assert_string_equal(buf, "udp:[::1]:5353=100.100.100.100:53");

        assert_int_equal(
                forward_spec_parse("tcp:[fd7a:115c:a1e0::15]:8443=[fd7a:115c:a1e0::9]:443", &f, &reason), 0);
        assert_int_equal(f.target.ss_family, AF_INET6);
        forward_spec_format(&f, buf);
        assert_string_equal(buf, "tcp:[fd7a:115c:a1e0::15]:8443=[fd7a:115c:a1e0::9]:443");
}

static void test_spec_name(void **state)
{
        const char *reason = NULL;
        char buf[FORWARD_SPEC_STRLEN];
        ForwardSpec f;

        assert_int_equal(forward_spec_parse("tcp:127.0.0.1:8080=peer.tailnet.test:80", &f, &reason), 0);
        assert_int_equal(f.target.ss_family, AF_UNSPEC);
        assert_string_equal(f.name, "peer.tailnet.test");
        assert_int_equal(f.port, 80);
        forward_spec_format(&f, buf);
        assert_string_equal(buf, "tcp:127.0.0.1:8080=peer.tailnet.test:80");

        assert_int_equal(forward_spec_parse("udp:127.0.0.1:53=web-1:5353", &f, &reason), 0);
        assert_string_equal(f.name, "web-1");
        assert_int_equal(forward_spec_parse("tcp:127.0.0.1:1=host.example.:1", &f, &reason), 0);
}

static void test_spec_invalid(void **state)
{
        static const char *const bad[] = {
                "",
                "tcp",
                "sctp:127.0.0.1:1=127.0.0.1:2",
                "TCP:127.0.0.1:1=127.0.0.1:2",
                "tcp:127.0.0.1:1",
                "tcp:127.0.0.1=127.0.0.1:2",
                "tcp:127.0.0.1:0=127.0.0.1:2",
                "tcp:127.0.0.1:65536=127.0.0.1:2",
                "tcp:127.0.0.1:1=127.0.0.1:0",
                "tcp:127.0.0.1:1=127.0.0.1:",
                "tcp:127.0.0.1:1=127.0.0.1",
                "tcp:name:1=127.0.0.1:2",
                "tcp:[::1:1=127.0.0.1:2",
                "tcp:::1:1=127.0.0.1:2",
                "tcp:127.0.0.1:1=0.0.0.0:2",
                "tcp:127.0.0.1:1=[::]:2",
                "tcp:127.0.0.1:1=1.2.3:4",
                "tcp:127.0.0.1:1=-bad:4",
                "tcp:127.0.0.1:1=bad-:4",
                "tcp:127.0.0.1:1=a..b:4",
                "tcp:127.0.0.1:1=under_score:4",
                "tcp:127.0.0.1:1=peer:+4",
                "tcp:127.0.0.1:1=peer:04",
                "tcp:127.0.0.1:1=peer:4 ",
                "tcp:127.0.0.1:1=[peer]:4",
                "tcp:127.0.0.1:1=127.0.0.1:2=3",
        };
        const char *reason;
        ForwardSpec f;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                reason = NULL;
                if (forward_spec_parse(bad[i], &f, &reason) != -EINVAL || !reason)
                        fail_msg("'%s' was accepted", bad[i]);
        }
}

static void test_spec_matches(void **state)
{
        const char *reason = NULL;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(2222)};
        struct sockaddr_in6 m = {.sin6_family = AF_INET6, .sin6_port = htons(2222)};
        ForwardSpec f, g;

        inet_pton(AF_INET, "100.121.76.21", &a.sin_addr);
        inet_pton(AF_INET6, "::ffff:100.121.76.21", &m.sin6_addr);
        assert_int_equal(forward_spec_parse("tcp:100.121.76.21:2222=100.68.1.5:22", &f, &reason), 0);
        assert_true(forward_spec_matches(&f, (struct sockaddr *)&a, SOCK_STREAM));
        assert_false(forward_spec_matches(&f, (struct sockaddr *)&a, SOCK_DGRAM));
        assert_true(forward_spec_matches(&f, (struct sockaddr *)&m, SOCK_STREAM));
        a.sin_port = htons(2223);
        assert_false(forward_spec_matches(&f, (struct sockaddr *)&a, SOCK_STREAM));

        assert_int_equal(forward_spec_parse("udp:100.121.76.21:2222=100.68.1.5:22", &g, &reason), 0);
        assert_false(forward_spec_same_listener(&f, &g));
        assert_int_equal(forward_spec_parse("tcp:100.121.76.21:2222=100.68.1.6:23", &g, &reason), 0);
        assert_true(forward_spec_same_listener(&f, &g));
}

static int parse(RelayOptions *o, ...)
{
        char *argv[32] = {"tsproxy-relay"};
        int argc = 1, r;
        va_list ap;

        va_start(ap, o);
        for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
                argv[argc++] = a;
        va_end(ap);
        /* stderr's messages are expected; keep the test log readable. */
        fflush(stderr);
        r = relay_options_parse(argc, argv, o);
        return r;
}

static void test_options_defaults(void **state)
{
        RelayOptions o;

        assert_int_equal(parse(&o, "r1", "--forward", "tcp:127.0.0.1:2222=100.64.0.1:80", NULL), 1);
        assert_string_equal(o.name, "r1");
        assert_int_equal(o.n_forwards, 1);
        assert_int_equal(o.max_connections, RELAY_DEFAULT_MAX_CONNECTIONS);
        assert_int_equal(o.connect_timeout_usec, RELAY_DEFAULT_CONNECT_TIMEOUT * 1000000ull);
        assert_int_equal(o.udp_idle_timeout_usec, RELAY_DEFAULT_UDP_IDLE_TIMEOUT * 1000000ull);
        assert_int_equal(o.udp_max_sessions, RELAY_DEFAULT_UDP_MAX_SESSIONS);
        assert_int_equal(o.workers, 0); /* auto */
        assert_int_equal(o.egress, EGRESS_TAILNET);
        assert_string_equal(o.egress_interface, "tailscale0");
        relay_options_done(&o);
}

static void test_options_all(void **state)
{
        RelayOptions o;

        assert_int_equal(parse(&o, "fgpu", "--forward", "tcp:127.0.0.1:2222=100.64.0.1:80", "--forward",
                               "udp:127.0.0.1:5353=100.100.100.100:53", "--forward",
                               "udp:127.0.0.1:2222=peer:22", "--max-connections", "10", "--connect-timeout",
                               "3", "--udp-idle-timeout", "2", "--udp-max-sessions", "4", "--workers", "3",
                               "--egress", "any", "--egress-interface", "ts-lab0", NULL),
                         1);
        assert_int_equal(o.n_forwards, 3);
        assert_int_equal(o.forwards[1].proto, FORWARD_PROTO_UDP);
        assert_string_equal(o.forwards[2].name, "peer");
        assert_int_equal(o.max_connections, 10);
        assert_int_equal(o.connect_timeout_usec, 3000000ull);
        assert_int_equal(o.udp_idle_timeout_usec, 2000000ull);
        assert_int_equal(o.udp_max_sessions, 4);
        assert_int_equal(o.workers, 3);
        assert_int_equal(o.egress, EGRESS_ANY);
        assert_string_equal(o.egress_interface, "ts-lab0");
        relay_options_done(&o);
        assert_int_equal(parse(&o, "a", "--forward", "tcp:127.0.0.1:1=127.0.0.1:2", "--workers", "2",
                               "--workers", "auto", NULL),
                         1);
        assert_int_equal(o.workers, 0);
        relay_options_done(&o);
}

static void test_options_invalid(void **state)
{
        RelayOptions o;

        /* No name, two names, a bad name, no forward. */
        assert_int_equal(parse(&o, "--forward", "tcp:127.0.0.1:1=127.0.0.1:2", NULL), -EINVAL);
        assert_int_equal(parse(&o, "a", "b", "--forward", "tcp:127.0.0.1:1=127.0.0.1:2", NULL), -EINVAL);
        assert_int_equal(parse(&o, "../x", "--forward", "tcp:127.0.0.1:1=127.0.0.1:2", NULL), -EINVAL);
        assert_int_equal(parse(&o, "a", NULL), -EINVAL);
        /* A bad spec; the same listener twice. */
        assert_int_equal(parse(&o, "a", "--forward", "tcp:127.0.0.1:1", NULL), -EINVAL);
        assert_int_equal(parse(&o, "a", "--forward", "tcp:127.0.0.1:1=127.0.0.1:2", "--forward",
                               "tcp:127.0.0.1:1=127.0.0.1:3", NULL),
                         -EINVAL);
        /* Numbers out of range or malformed. */
        static const char *const bad_numbers[][2] = {
                {"--max-connections", "0"},
                {"--connect-timeout", "-1"},
                {"--udp-idle-timeout", "10s"},
                {"--udp-max-sessions", ""},
                {"--max-connections", " 5"},
                {"--max-connections", "+5"},
                {"--max-connections", "1000001"},
                {"--connect-timeout", "18446744073709551616"},
                {"--workers", "0"},
                {"--workers", "65"},
                {"--workers", "many"},
                {"--egress", "internet"},
                {"--egress", ""},
                {"--egress-interface", ""},
                {"--egress-interface", "a/b"},
                {"--egress-interface", "sixteen-chars-xx"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_numbers); i++)
                assert_int_equal(parse(&o, "a", "--forward", "tcp:127.0.0.1:1=127.0.0.1:2",
                                       bad_numbers[i][0], bad_numbers[i][1], NULL),
                                 -EINVAL);
        assert_int_equal(parse(&o, "a", "--forward", "tcp:127.0.0.1:1=127.0.0.1:2", "--bogus", NULL),
                         -EINVAL);
}

/* A command line with n --allow-from networks (getopt permutes argv: a new one each time). */
static int parse_allow_many(RelayOptions *o, int n)
{
        char *argv[4 + 2 * (ALLOW_FROM_MAX + 1) + 1], nets[ALLOW_FROM_MAX + 1][32];
        int argc = 0;

        assert_true(n <= ALLOW_FROM_MAX + 1);
        argv[argc++] = (char *)"tsproxy-relay";
        argv[argc++] = (char *)"a";
        argv[argc++] = (char *)"--forward";
        argv[argc++] = (char *)"tcp:127.0.0.1:1=127.0.0.1:2";
        for (int i = 0; i < n; i++) {
                snprintf(nets[i], sizeof(nets[i]), "10.0.%d.0/24", i);
                argv[argc++] = (char *)"--allow-from";
                argv[argc++] = nets[i];
        }
        argv[argc] = NULL;
        return relay_options_parse(argc, argv, o);
}

/* --allow-from: the default when none is given (ALLOW_FROM_DEFAULT_INIT), else exactly
 * the networks given, and a refusal for what is not a network. */
static void test_options_allow_from(void **state)
{
        struct sockaddr_in v4 = {.sin_family = AF_INET};
        struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
        char buf[IPNET_STRLEN];
        RelayOptions o;

        assert_int_equal(parse(&o, "a", "--forward", "tcp:127.0.0.1:1=127.0.0.1:2", NULL), 1);
        assert_int_equal(o.allow_from.n, 4);
        ipnet_format(&o.allow_from.nets[0], buf);
        assert_string_equal(buf, "100.64.0.0/10");
        ipnet_format(&o.allow_from.nets[1], buf);
        assert_string_equal(buf, "fd7a:115c:a1e0::/48");
        inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
        assert_true(allow_from_contains(&o.allow_from, (struct sockaddr *)&v4));
        inet_pton(AF_INET, "192.0.2.1", &v4.sin_addr);
        assert_false(allow_from_contains(&o.allow_from, (struct sockaddr *)&v4));
        inet_pton(AF_INET6, "::1", &v6.sin6_addr);
        assert_true(allow_from_contains(&o.allow_from, (struct sockaddr *)&v6));
        relay_options_done(&o);

        assert_int_equal(parse(&o, "a", "--forward", "tcp:127.0.0.1:1=127.0.0.1:2", "--allow-from",
                               "127.0.0.2/32", "--allow-from", "2001:db8::/32", NULL),
                         1);
        assert_int_equal(o.allow_from.n, 2);
        inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
        assert_false(allow_from_contains(&o.allow_from, (struct sockaddr *)&v4));
        inet_pton(AF_INET, "127.0.0.2", &v4.sin_addr);
        assert_true(allow_from_contains(&o.allow_from, (struct sockaddr *)&v4));
        inet_pton(AF_INET, "100.64.0.1", &v4.sin_addr);
        assert_false(allow_from_contains(&o.allow_from, (struct sockaddr *)&v4));
        relay_options_done(&o);

        static const char *const bad[] = {"", "10.0.0.1/8", "10.0.0.0/33", "fgpu", "::1/129"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(parse(&o, "a", "--forward", "tcp:127.0.0.1:1=127.0.0.1:2", "--allow-from",
                                       bad[i], NULL),
                                 -EINVAL);
        /* At most ALLOW_FROM_MAX networks. */
        assert_int_equal(parse_allow_many(&o, ALLOW_FROM_MAX + 1), -EINVAL);
        assert_int_equal(parse_allow_many(&o, ALLOW_FROM_MAX), 1);
        assert_int_equal(o.allow_from.n, ALLOW_FROM_MAX);
        relay_options_done(&o);
}

static void test_options_help(void **state)
{
        RelayOptions o;

        assert_int_equal(parse(&o, "--version", NULL), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_spec_tcp),     cmocka_unit_test(test_spec_udp_ipv6),
                cmocka_unit_test(test_spec_name),    cmocka_unit_test(test_spec_invalid),
                cmocka_unit_test(test_spec_matches), cmocka_unit_test(test_options_defaults),
                cmocka_unit_test(test_options_all),  cmocka_unit_test(test_options_invalid),
                cmocka_unit_test(test_options_help), cmocka_unit_test(test_options_allow_from),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
