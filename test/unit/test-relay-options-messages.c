/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-relay-options-messages: what tsproxy-relay's command line (helpers/relay/options.c)
 * prints for each thing it refuses, exactly (test-relay-options checks what is refused;
 * this, that the journal then says which option and value, and why), and its limits at
 * the maximum and one past.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "allow-from.h"
#include "build-config.h"
#include "catch-output.h"
#include "macro.h"
#include "options.h"

#define FORWARD "tcp:127.0.0.1:1=127.0.0.1:2"

static int parse_argv(RelayOptions *o, CaughtOutput *out, int argc, char **argv)
{
        OutputCatch c;
        int r;

        catch_begin(&c);
        r = relay_options_parse(argc, argv, o);
        catch_end(&c, out);
        return r;
}

/* One refused command line (NULL-terminated after "tsproxy-relay"): -EINVAL and exactly
 * this message (without its newline) on stderr. */
static void refused(const char *message, ...)
{
        char *argv[32] = {(char *)"tsproxy-relay"}, expected[512];
        CaughtOutput out;
        RelayOptions o = {};
        int argc = 1;
        va_list ap;

        va_start(ap, message);
        for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
                argv[argc++] = a;
        va_end(ap);
        snprintf(expected, sizeof(expected), "%s\n", message);
        assert_int_equal(parse_argv(&o, &out, argc, argv), -EINVAL);
        assert_string_equal(out.err, expected);
        assert_null(o.forwards);
}
#define assert_refused(message, ...) refused(message, __VA_ARGS__, NULL)
#define MSG(...)                     (snprintf(m, sizeof(m), __VA_ARGS__), m)

static void accepted(RelayOptions *o, ...)
{
        char *argv[32] = {(char *)"tsproxy-relay"};
        CaughtOutput out;
        int argc = 1;
        va_list ap;

        va_start(ap, o);
        for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
                argv[argc++] = a;
        va_end(ap);
        assert_int_equal(parse_argv(o, &out, argc, argv), 1);
        assert_string_equal(out.err, "");
}
#define assert_accepted(o, ...) accepted(o, __VA_ARGS__, NULL)

static void test_forward_messages(void **state)
{
        assert_refused("--forward: 'udp:127.0.0.1:1': expected LISTEN=TARGET after the protocol.", "a",
                       "--forward", "udp:127.0.0.1:1");
        assert_refused("--forward: 'sctp:127.0.0.1:1=127.0.0.1:2': expected tcp: or udp: first.", "a",
                       "--forward", "sctp:127.0.0.1:1=127.0.0.1:2");
        assert_refused(
                "--forward: 'tcp:127.0.0.1:0=127.0.0.1:2': LISTEN is not an endpoint (A.B.C.D:PORT or "
                "[IPV6]:PORT, port 1 to 65535).",
                "a", "--forward", "tcp:127.0.0.1:0=127.0.0.1:2");
        assert_refused("--forward: 'tcp:127.0.0.1:1=0.0.0.0:2': TARGET is a wildcard address.", "a",
                       "--forward", "tcp:127.0.0.1:1=0.0.0.0:2");
        assert_refused("--forward: 'tcp:127.0.0.1:1=a..b:2': TARGET is neither an endpoint (A.B.C.D:PORT, "
                       "[IPV6]:PORT) nor NAME:PORT.",
                       "a", "--forward", "tcp:127.0.0.1:1=a..b:2");
        assert_refused("--forward: 'tcp:127.0.0.1:1=127.0.0.1:3': its listener is already forwarded.", "a",
                       "--forward", FORWARD, "--forward", "tcp:127.0.0.1:1=127.0.0.1:3");
        assert_refused("No --forward given: nothing to do.", "a");
        assert_refused("No --forward given: nothing to do.", "a", "--workers", "2");
}

/* A command line with n forwards, each its own TCP port. */
static int parse_forwards(RelayOptions *o, CaughtOutput *out, unsigned n)
{
        _cleanup_free_ char **argv = calloc(2 + 2 * (size_t)n + 1, sizeof(char *));
        _cleanup_free_ char *specs = calloc(n, 48);
        int argc = 0, r;

        assert_non_null(argv);
        assert_non_null(specs);
        argv[argc++] = (char *)"tsproxy-relay";
        argv[argc++] = (char *)"a";
        for (unsigned i = 0; i < n; i++) {
                snprintf(specs + 48 * i, 48, "tcp:127.0.0.1:%u=127.0.0.1:80", 1000 + i);
                argv[argc++] = (char *)"--forward";
                argv[argc++] = specs + 48 * i;
        }
        r = parse_argv(o, out, argc, argv);
        return r;
}

static void test_forwards_max(void **state)
{
        CaughtOutput out;
        RelayOptions o = {};
        char m[64];

        assert_int_equal(parse_forwards(&o, &out, RELAY_FORWARDS_MAX), 1);
        assert_int_equal(o.n_forwards, RELAY_FORWARDS_MAX);
        relay_options_done(&o);
        assert_int_equal(parse_forwards(&o, &out, RELAY_FORWARDS_MAX + 1), -EINVAL);
        assert_string_equal(out.err, MSG("--forward: more than %u forwards.\n", RELAY_FORWARDS_MAX));
}

static void test_number_messages(void **state)
{
        static const char *const counts[] = {"max-connections", "udp-max-sessions"};
        static const char *const timeouts[] = {"connect-timeout", "udp-idle-timeout"};
        static const char *const bad[] = {
                "0", "x", "", "+1", "-1", " 1", "1 ", "0x10", "18446744073709551616"};
        char m[256], opt[64], n[32];
        RelayOptions o = {};

        for (size_t k = 0; k < ELEMENTSOF(counts); k++) {
                snprintf(opt, sizeof(opt), "--%s", counts[k]);
                for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                        assert_refused(
                                MSG("%s: '%s' is not a number 1..%u.", opt, bad[i], RELAY_CONNECTIONS_MAX),
                                "a", "--forward", FORWARD, opt, bad[i]);
                snprintf(n, sizeof(n), "%u", RELAY_CONNECTIONS_MAX);
                assert_accepted(&o, "a", "--forward", FORWARD, opt, n);
                assert_int_equal(k == 0 ? o.max_connections : o.udp_max_sessions, RELAY_CONNECTIONS_MAX);
                relay_options_done(&o);
                snprintf(n, sizeof(n), "%u", RELAY_CONNECTIONS_MAX + 1);
                assert_refused(MSG("%s: '%s' is not a number 1..%u.", opt, n, RELAY_CONNECTIONS_MAX), "a",
                               "--forward", FORWARD, opt, n);
        }
        for (size_t k = 0; k < ELEMENTSOF(timeouts); k++) {
                snprintf(opt, sizeof(opt), "--%s", timeouts[k]);
                for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                        assert_refused(MSG("%s: '%s' is not a number of seconds 1..%u.", opt, bad[i],
                                           RELAY_TIMEOUT_MAX),
                                       "a", "--forward", FORWARD, opt, bad[i]);
                assert_accepted(&o, "a", "--forward", FORWARD, opt, "1");
                assert_int_equal(k == 0 ? o.connect_timeout_usec : o.udp_idle_timeout_usec, 1000000ull);
                relay_options_done(&o);
                snprintf(n, sizeof(n), "%u", RELAY_TIMEOUT_MAX);
                assert_accepted(&o, "a", "--forward", FORWARD, opt, n);
                assert_int_equal(k == 0 ? o.connect_timeout_usec : o.udp_idle_timeout_usec,
                                 RELAY_TIMEOUT_MAX * 1000000ull);
                relay_options_done(&o);
                snprintf(n, sizeof(n), "%u", RELAY_TIMEOUT_MAX + 1);
                assert_refused(MSG("%s: '%s' is not a number of seconds 1..%u.", opt, n, RELAY_TIMEOUT_MAX),
                               "a", "--forward", FORWARD, opt, n);
        }
        snprintf(n, sizeof(n), "%u", RELAY_WORKERS_MAX);
        assert_accepted(&o, "a", "--forward", FORWARD, "--workers", n);
        assert_int_equal(o.workers, RELAY_WORKERS_MAX);
        relay_options_done(&o);
        snprintf(n, sizeof(n), "%u", RELAY_WORKERS_MAX + 1);
        assert_refused(MSG("--workers: '%s' is neither 'auto' nor a number 1..%u.", n, RELAY_WORKERS_MAX),
                       "a", "--forward", FORWARD, "--workers", n);
        assert_refused(MSG("--workers: '0' is neither 'auto' nor a number 1..%u.", RELAY_WORKERS_MAX), "a",
                       "--forward", FORWARD, "--workers", "0");
}

static void test_other_messages(void **state)
{
        assert_refused("--allow-from: '10.0.0.1/8' is not an IPv4 or IPv6 network (host bits set).", "a",
                       "--forward", FORWARD, "--allow-from", "10.0.0.1/8");
        assert_refused("--allow-from: 'peer' is not an IPv4 or IPv6 network.", "a", "--forward", FORWARD,
                       "--allow-from", "peer");
        assert_refused("--egress: 'all' is neither 'tailnet' nor 'any'.", "a", "--forward", FORWARD,
                       "--egress", "all");
        assert_refused("--egress-interface: 'sixteen-chars-xx' is not an interface name.", "a", "--forward",
                       FORWARD, "--egress-interface", "sixteen-chars-xx");
        assert_refused("Expected exactly one instance name (see --help).", "--forward", FORWARD);
        assert_refused("Expected exactly one instance name (see --help).", "a", "b", "--forward", FORWARD);
        assert_refused(
                "'A' is not a valid instance name: the name must start with a lowercase letter or a digit.",
                "A", "--forward", FORWARD);
        assert_refused("tsproxy-relay: unrecognized option '--listen'", "a", "--forward", FORWARD,
                       "--listen");
        assert_refused("tsproxy-relay: option '--forward' requires an argument", "a", "--forward");
        assert_refused("tsproxy-relay: invalid option -- 'f'", "a", "-f", FORWARD);
}

static void test_help_version(void **state)
{
        char *version[] = {(char *)"tsproxy-relay", (char *)"--version", NULL},
             *help[] = {(char *)"tsproxy-relay", (char *)"--help", NULL};
        CaughtOutput out;
        RelayOptions o = {};
        char m[64];

        assert_int_equal(parse_argv(&o, &out, 2, version), 0);
        assert_string_equal(out.out, "tsproxy-relay " PACKAGE_VERSION "\n");
        assert_int_equal(parse_argv(&o, &out, 2, help), 0);
        assert_non_null(strstr(out.out, MSG("(default %u)", RELAY_DEFAULT_MAX_CONNECTIONS)));
        assert_non_null(strstr(out.out, "tsproxy-relay(8)"));
        assert_string_equal(out.err, "");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_forward_messages), cmocka_unit_test(test_forwards_max),
                cmocka_unit_test(test_number_messages),  cmocka_unit_test(test_other_messages),
                cmocka_unit_test(test_help_version),
        };
        return cmocka_run_group_tests_name("tsproxy-relay command line messages", tests, NULL, NULL);
}
