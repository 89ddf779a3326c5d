/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-socks-options: tsproxy-socks's command line (helpers/socks/options.c): the
 * defaults, every option accepted, each limit at its minimum, its maximum and one past,
 * and every refusal with the message it prints (stderr is caught for each call,
 * catch-output.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <getopt.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "build-config.h"
#include "catch-output.h"
#include "macro.h"
#include "options.h"

typedef CaughtOutput Output;

/* The argv vector: "tsproxy-socks" then the NULL-terminated arguments. */
static int parse_argv(SocksOptions *o, Output *out, int argc, char **argv)
{
        OutputCatch c;
        int r;

        catch_begin(&c);
        /* socks_options_parse() does not reset getopt_long()'s state itself: the daemon
         * parses once, this test many times. */
        optind = 0;
        r = socks_options_parse(argc, argv, o);
        catch_end(&c, out);
        return r;
}

static int parse(SocksOptions *o, Output *out, ...)
{
        char *argv[32] = {(char *)"tsproxy-socks"};
        int argc = 1;
        va_list ap;

        va_start(ap, out);
        for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
                argv[argc++] = a;
        va_end(ap);
        return parse_argv(o, out, argc, argv);
}

/* One refused command line: -EINVAL and exactly this message on stderr (without its
 * newline); the arguments end with NULL. */
static void refused(const char *message, ...)
{
        char *argv[32] = {(char *)"tsproxy-socks"}, expected[512];
        int argc = 1;
        SocksOptions o;
        Output out;
        va_list ap;

        va_start(ap, message);
        for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
                argv[argc++] = a;
        va_end(ap);
        snprintf(expected, sizeof(expected), "%s\n", message);
        assert_int_equal(parse_argv(&o, &out, argc, argv), -EINVAL);
        assert_string_equal(out.err, expected);
}
#define assert_refused(message, ...) refused(message, __VA_ARGS__, NULL)
/* A message with the limits of socks-limits.h in it, into the test's buffer m. */
#define MSG(...) (snprintf(m, sizeof(m), __VA_ARGS__), m)

/* The one place that knows how the allowed networks are kept. */
static bool allowed(const SocksOptions *o, const char *ip)
{
        struct sockaddr_storage ss = {};

        if (strchr(ip, ':')) {
                ss.ss_family = AF_INET6;
                assert_int_equal(inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&ss)->sin6_addr), 1);
        } else {
                ss.ss_family = AF_INET;
                assert_int_equal(inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr), 1);
        }
        return ipnet_list_contains_sockaddr(o->allow_from, o->n_allow_from, (struct sockaddr *)&ss);
}

static void assert_allow_from(const SocksOptions *o, size_t n, const char *const *nets)
{
        char buf[IPNET_STRLEN];

        assert_int_equal(o->n_allow_from, n);
        for (size_t i = 0; i < n; i++) {
                ipnet_format(&o->allow_from[i], buf);
                assert_string_equal(buf, nets[i]);
        }
}

static void test_defaults(void **state)
{
        static const char *const defaults[] = ALLOW_FROM_DEFAULT_INIT;
        SocksOptions o;
        Output out;

        assert_int_equal(parse(&o, &out, "fgpu", NULL), 1);
        assert_string_equal(out.err, "");
        assert_string_equal(o.name, "fgpu");
        assert_allow_from(&o, ELEMENTSOF(defaults), defaults);
        assert_true(allowed(&o, "100.64.0.1"));
        assert_true(allowed(&o, "fd7a:115c:a1e0::9"));
        assert_true(allowed(&o, "127.0.0.1"));
        assert_true(allowed(&o, "::1"));
        assert_false(allowed(&o, "100.128.0.1"));
        assert_false(allowed(&o, "192.0.2.1"));
        assert_int_equal(o.egress, EGRESS_TAILNET);
        assert_string_equal(o.egress_interface, "tailscale0");
        assert_null(o.password_file);
        assert_null(o.users);
        assert_int_equal(o.max_connections, SOCKS_DEFAULT_MAX_CONNECTIONS);
        assert_int_equal(o.max_connections, 4096);
        assert_int_equal(o.idle_timeout_usec, 0);
        assert_int_equal(o.handshake_timeout_usec, SOCKS_DEFAULT_HANDSHAKE_TIMEOUT * 1000000ull);
        assert_int_equal(o.handshake_timeout_usec, 10000000ull);
        assert_int_equal(o.workers, 0); /* auto */
}

static void test_every_option(void **state)
{
        static const char *const nets[] = {"192.0.2.0/24", "2001:db8::/32", "198.51.100.7/32"};
        SocksOptions o;
        Output out;

        /* Options before and after the name (getopt permutes). */
        assert_int_equal(parse(&o, &out, "--allow-from", "192.0.2.0/24", "lab", "--allow-from",
                               "2001:db8::/32", "--allow-from", "198.51.100.7/32", "--egress", "any",
                               "--egress-interface", "ts-lab0", "--password-file",
                               "/run/credentials/socks@lab.service/p", "--users", "alice,bob",
                               "--max-connections", "1000", "--idle-timeout", "5400", "--handshake-timeout",
                               "60", "--workers", "3", NULL),
                         1);
        assert_string_equal(out.err, "");
        assert_string_equal(o.name, "lab");
        assert_allow_from(&o, ELEMENTSOF(nets), nets);
        assert_true(allowed(&o, "192.0.2.200"));
        assert_true(allowed(&o, "2001:db8:1::1"));
        assert_false(allowed(&o, "127.0.0.1"));
        assert_false(allowed(&o, "100.64.0.1"));
        assert_int_equal(o.egress, EGRESS_ANY);
        assert_string_equal(o.egress_interface, "ts-lab0");
        assert_string_equal(o.password_file, "/run/credentials/socks@lab.service/p");
        assert_string_equal(o.users, "alice,bob");
        assert_int_equal(o.max_connections, 1000);
        assert_int_equal(o.idle_timeout_usec, 5400000000ull);
        assert_int_equal(o.handshake_timeout_usec, 60000000ull);
        assert_int_equal(o.workers, 3);

        /* --egress tailnet written out; the last --workers wins; "=" form. */
        assert_int_equal(parse(&o, &out, "a", "--egress=tailnet", "--workers", "2", "--workers=auto",
                               "--password-file", "/p", NULL),
                         1);
        assert_int_equal(o.egress, EGRESS_TAILNET);
        assert_int_equal(o.workers, 0);
        assert_string_equal(o.password_file, "/p");
        assert_null(o.users);
        /* An address without a prefix is a host. */
        assert_int_equal(parse(&o, &out, "a", "--allow-from", "192.0.2.9", "--allow-from", "::1", NULL), 1);
        static const char *const hosts[] = {"192.0.2.9/32", "::1/128"};
        assert_allow_from(&o, ELEMENTSOF(hosts), hosts);
}

static void test_limits(void **state)
{
        SocksOptions o;
        Output out;
        char m[256], n[32];

        assert_int_equal(parse(&o, &out, "a", "--max-connections", "1", NULL), 1);
        assert_int_equal(o.max_connections, 1);
        snprintf(n, sizeof(n), "%u", SOCKS_MAX_CONNECTIONS_MAX);
        assert_int_equal(parse(&o, &out, "a", "--max-connections", n, NULL), 1);
        assert_int_equal(o.max_connections, SOCKS_MAX_CONNECTIONS_MAX);
        assert_refused(MSG("--max-connections: '0' is not a number 1..%u.", SOCKS_MAX_CONNECTIONS_MAX), "a",
                       "--max-connections", "0");
        snprintf(n, sizeof(n), "%u", SOCKS_MAX_CONNECTIONS_MAX + 1);
        assert_refused(MSG("--max-connections: '%s' is not a number 1..%u.", n, SOCKS_MAX_CONNECTIONS_MAX),
                       "a", "--max-connections", n);

        /* The timeouts: 0 (never) up to their maximum. */
        assert_int_equal(parse(&o, &out, "a", "--idle-timeout", "0", "--handshake-timeout", "0", NULL), 1);
        assert_int_equal(o.idle_timeout_usec, 0);
        assert_int_equal(o.handshake_timeout_usec, 0);
        snprintf(n, sizeof(n), "%u", SOCKS_IDLE_TIMEOUT_MAX);
        assert_int_equal(parse(&o, &out, "a", "--idle-timeout", n, NULL), 1);
        assert_int_equal(o.idle_timeout_usec, SOCKS_IDLE_TIMEOUT_MAX * 1000000ull);
        snprintf(n, sizeof(n), "%u", SOCKS_IDLE_TIMEOUT_MAX + 1);
        assert_refused(
                MSG("--idle-timeout: '%s' is not a number of seconds 0..%u.", n, SOCKS_IDLE_TIMEOUT_MAX),
                "a", "--idle-timeout", n);
        snprintf(n, sizeof(n), "%u", SOCKS_HANDSHAKE_TIMEOUT_MAX);
        assert_int_equal(parse(&o, &out, "a", "--handshake-timeout", n, NULL), 1);
        assert_int_equal(o.handshake_timeout_usec, SOCKS_HANDSHAKE_TIMEOUT_MAX * 1000000ull);
        snprintf(n, sizeof(n), "%u", SOCKS_HANDSHAKE_TIMEOUT_MAX + 1);
        assert_refused(MSG("--handshake-timeout: '%s' is not a number of seconds 0..%u.", n,
                           SOCKS_HANDSHAKE_TIMEOUT_MAX),
                       "a", "--handshake-timeout", n);

        assert_int_equal(parse(&o, &out, "a", "--workers", "1", NULL), 1);
        assert_int_equal(o.workers, 1);
        snprintf(n, sizeof(n), "%u", SOCKS_WORKERS_MAX);
        assert_int_equal(parse(&o, &out, "a", "--workers", n, NULL), 1);
        assert_int_equal(o.workers, SOCKS_WORKERS_MAX);
        assert_refused(MSG("--workers: '0' is neither 'auto' nor a number 1..%u.", SOCKS_WORKERS_MAX), "a",
                       "--workers", "0");
        snprintf(n, sizeof(n), "%u", SOCKS_WORKERS_MAX + 1);
        assert_refused(MSG("--workers: '%s' is neither 'auto' nor a number 1..%u.", n, SOCKS_WORKERS_MAX),
                       "a", "--workers", n);

        /* An interface name of 15 bytes fits, 16 do not. */
        assert_int_equal(parse(&o, &out, "a", "--egress-interface", "fifteen-chars-x", NULL), 1);
        assert_string_equal(o.egress_interface, "fifteen-chars-x");
        assert_refused("--egress-interface: 'sixteen-chars-xx' is not an interface name.", "a",
                       "--egress-interface", "sixteen-chars-xx");

        /* The instance name: 12 characters at most. */
        assert_int_equal(parse(&o, &out, "twelve-chars", NULL), 1);
        assert_string_equal(o.name, "twelve-chars");
        assert_refused("'thirteen-char' is not a valid instance name: the name is longer than 12 characters "
                       "(the interface name ts-NAME must fit 15).",
                       "thirteen-char");
}

/* A command line with n --allow-from networks. */
static int parse_allow_many(SocksOptions *o, Output *out, int n)
{
        char *argv[2 + 2 * (ALLOW_FROM_MAX + 1) + 1], nets[ALLOW_FROM_MAX + 1][32];
        int argc = 0;

        assert_true(n <= ALLOW_FROM_MAX + 1);
        argv[argc++] = (char *)"tsproxy-socks";
        argv[argc++] = (char *)"a";
        for (int i = 0; i < n; i++) {
                snprintf(nets[i], sizeof(nets[i]), "10.0.%d.0/24", i);
                argv[argc++] = (char *)"--allow-from";
                argv[argc++] = nets[i];
        }
        argv[argc] = NULL;
        return parse_argv(o, out, argc, argv);
}

static void test_allow_from_max(void **state)
{
        SocksOptions o;
        Output out;

        char m[64];

        assert_int_equal(parse_allow_many(&o, &out, ALLOW_FROM_MAX), 1);
        assert_int_equal(o.n_allow_from, ALLOW_FROM_MAX);
        assert_true(allowed(&o, "10.0.63.1"));
        assert_int_equal(parse_allow_many(&o, &out, ALLOW_FROM_MAX + 1), -EINVAL);
        assert_string_equal(out.err, MSG("--allow-from: more than %d networks.\n", ALLOW_FROM_MAX));
}

static void test_refused(void **state)
{
        char m[256];

        /* Networks. */
        assert_refused("--allow-from: '10.0.0.1/8' is not an IPv4 or IPv6 network (host bits set).", "a",
                       "--allow-from", "10.0.0.1/8");
        assert_refused("--allow-from: 'fgpu' is not an IPv4 or IPv6 network.", "a", "--allow-from", "fgpu");
        assert_refused("--allow-from: '' is not an IPv4 or IPv6 network.", "a", "--allow-from", "");
        assert_refused("--allow-from: '10.0.0.0/33' is not an IPv4 or IPv6 network.", "a", "--allow-from",
                       "10.0.0.0/33");
        assert_refused("--allow-from: '::1/129' is not an IPv4 or IPv6 network.", "a", "--allow-from",
                       "::1/129");
        /* Egress. */
        assert_refused("--egress: 'internet' is neither 'tailnet' nor 'any'.", "a", "--egress", "internet");
        assert_refused("--egress: '' is neither 'tailnet' nor 'any'.", "a", "--egress", "");
        assert_refused("--egress-interface: '' is not an interface name.", "a", "--egress-interface", "");
        assert_refused("--egress-interface: 'a/b' is not an interface name.", "a", "--egress-interface",
                       "a/b");
        /* Authentication. */
        assert_refused("--password-file: 'passwords' is not an absolute path.", "a", "--password-file",
                       "passwords");
        assert_refused("--password-file: '' is not an absolute path.", "a", "--password-file", "");
        assert_refused("--users needs --password-file.", "a", "--users", "alice");
        /* Numbers: malformed. */
        static const char *const bad_numbers[] = {"x", "+5", " 5",   "5 ",
                                                  "",  "-1", "0x10", "18446744073709551616"};
        for (size_t i = 0; i < ELEMENTSOF(bad_numbers); i++) {
                const char *v = bad_numbers[i];
                assert_refused(
                        MSG("--max-connections: '%s' is not a number 1..%u.", v, SOCKS_MAX_CONNECTIONS_MAX),
                        "a", "--max-connections", v);
                assert_refused(MSG("--idle-timeout: '%s' is not a number of seconds 0..%u.", v,
                                   SOCKS_IDLE_TIMEOUT_MAX),
                               "a", "--idle-timeout", v);
                assert_refused(MSG("--handshake-timeout: '%s' is not a number of seconds 0..%u.", v,
                                   SOCKS_HANDSHAKE_TIMEOUT_MAX),
                               "a", "--handshake-timeout", v);
                assert_refused(
                        MSG("--workers: '%s' is neither 'auto' nor a number 1..%u.", v, SOCKS_WORKERS_MAX),
                        "a", "--workers", v);
        }
        assert_refused(
                MSG("--idle-timeout: '10s' is not a number of seconds 0..%u.", SOCKS_IDLE_TIMEOUT_MAX), "a",
                "--idle-timeout", "10s");
        assert_refused(MSG("--workers: 'AUTO' is neither 'auto' nor a number 1..%u.", SOCKS_WORKERS_MAX),
                       "a", "--workers", "AUTO");
        /* The name: none, two, bad. */
        assert_refused("Expected exactly one instance name (see --help).", "--workers", "1");
        assert_refused("Expected exactly one instance name (see --help).", "a", "b");
        assert_refused("'../x' is not a valid instance name: the name must start with a lowercase letter or "
                       "a digit.",
                       "../x");
        assert_refused("'Lab' is not a valid instance name: the name must start with a lowercase letter or "
                       "a digit.",
                       "Lab");
        assert_refused(
                "'a.b' is not a valid instance name: the name may contain only a-z, 0-9, '-' and '_'.",
                "a.b");
        assert_refused("'' is not a valid instance name: the name is empty.", "");
        /* What getopt_long() refuses: an unknown option, a missing value, a short option. */
        assert_refused("tsproxy-socks: unrecognized option '--bogus'", "a", "--bogus");
        assert_refused("tsproxy-socks: unrecognized option '--listen=127.0.0.1:1080'", "a",
                       "--listen=127.0.0.1:1080");
        assert_refused("tsproxy-socks: option '--workers' requires an argument", "a", "--workers");
        assert_refused("tsproxy-socks: invalid option -- 'v'", "a", "-v");
        assert_refused("tsproxy-socks: option '--help' doesn't allow an argument", "a", "--help=1");
}

/* --pac-peer: repeatable, each checked as the PAC builder checks it. */
static void test_pac_peer(void **state)
{
        SocksOptions o;
        Output out;

        assert_int_equal(parse(&o, &out, "a", "--pac-peer", "lab,lab,tail1.ts.net,100.121.76.21:1080",
                               "--pac-peer", "b,b,,[fd7a:115c:a1e0::1]:3128", NULL),
                         1);
        assert_int_equal(o.n_pac_peers, 2);
        assert_string_equal(o.pac_peers[0].name, "lab");
        assert_string_equal(o.pac_peers[0].tailnet_domain, "tail1.ts.net");
        assert_string_equal(o.pac_peers[1].proxy, "[fd7a:115c:a1e0::1]:3128");
        assert_refused("--pac-peer: 'lab,lab,1.2.3.4:1': expected NAME,DOMAIN,TAILNETDOMAIN,HOST:PORT.", "a",
                       "--pac-peer", "lab,lab,1.2.3.4:1");
        assert_refused("--pac-peer: 'lab,lab,,1.2.3.4': proxy address.", "a", "--pac-peer",
                       "lab,lab,,1.2.3.4");
}

static void test_help_version(void **state)
{
        SocksOptions o;
        Output out;
        char m[64];

        assert_int_equal(parse(&o, &out, "--version", NULL), 0);
        assert_string_equal(out.out, "tsproxy-socks " PACKAGE_VERSION "\n");
        assert_int_equal(parse(&o, &out, "a", "--help", NULL), 0);
        assert_non_null(strstr(out.out, "--max-connections N"));
        snprintf(m, sizeof(m), "at most %u)", SOCKS_WORKERS_AUTO_MAX);
        assert_non_null(strstr(out.out, m));
        assert_int_equal(parse(&o, &out, "-h", NULL), 0);
        assert_non_null(strstr(out.out, "tsproxy-socks(8)"));
        assert_string_equal(out.err, "");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults), cmocka_unit_test(test_every_option),
                cmocka_unit_test(test_limits),   cmocka_unit_test(test_allow_from_max),
                cmocka_unit_test(test_refused),  cmocka_unit_test(test_help_version),
                cmocka_unit_test(test_pac_peer),
        };
        return cmocka_run_group_tests_name("tsproxy-socks command line", tests, NULL, NULL);
}
