/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-login-prefs: the `tailscale up` flags tsproxy-login maps onto ipn.Prefs
 * (helpers/lib/login-prefs.c) and the checks of LoginServer=, Hostname= and
 * AdvertiseTags=: the defaults, each supported flag and its value, the flags refused from
 * UpArguments= but taken from the agent's own command line, the refused ones with their
 * reason, the exit node's two routes, prefixes with host bits, the limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "login-prefs.h"

/* Apply w from source; NULL when taken, else the reason. */
static const char *flag(LoginPrefs *p, const char *w, LoginFlagSource source)
{
        const char *why = NULL;
        int r = login_prefs_apply_flag(p, w, source, &why);

        if (r == 0)
                return NULL;
        assert_int_equal(r, -EINVAL);
        assert_non_null(why);
        return why;
}

static const char *up(LoginPrefs *p, const char *w)
{
        return flag(p, w, LOGIN_FLAG_UP_ARGUMENTS);
}

static void test_defaults(void **state)
{
        LoginPrefs p;

        (void)state;
        memset(&p, 0x55, sizeof(p));
        login_prefs_init(&p);
        /* tailscale up: --accept-dns defaults to true, everything else off or empty. */
        assert_true(p.corp_dns);
        assert_false(p.route_all);
        assert_false(p.shields_up);
        assert_false(p.no_snat);
        assert_false(p.advertise_exit_node);
        assert_int_equal(p.n_tags, 0);
        assert_int_equal(p.n_routes, 0);
        assert_string_equal(p.control_url, "");
        assert_string_equal(p.hostname, "");
        assert_string_equal(p.exit_node_ip, "");
        assert_null(login_prefs_check(&p));
}

static void test_booleans(void **state)
{
        LoginPrefs p;

        (void)state;
        login_prefs_init(&p);
        assert_null(up(&p, "--shields-up"));
        assert_true(p.shields_up);
        assert_null(up(&p, "--shields-up=false"));
        assert_false(p.shields_up);
        assert_null(up(&p, "-shields-up=T")); /* Go's flag package: one dash too */
        assert_true(p.shields_up);
        assert_null(up(&p, "--accept-dns=0"));
        assert_false(p.corp_dns);
        assert_null(up(&p, "--snat-subnet-routes=false"));
        assert_true(p.no_snat);
        assert_null(up(&p, "--snat-subnet-routes"));
        assert_false(p.no_snat);
        assert_string_equal(up(&p, "--shields-up=yes"), "expected true or false.");
        assert_string_equal(up(&p, "--accept-dns=on"), "expected true or false.");
}

static void test_values(void **state)
{
        LoginPrefs p;

        (void)state;
        login_prefs_init(&p);
        assert_string_equal(up(&p, "--advertise-routes"), "the flag needs a value: --flag=value.");
        assert_string_equal(up(&p, "--exit-node"), "the flag needs a value: --flag=value.");
        assert_null(up(&p, "--exit-node=100.64.0.1"));
        assert_string_equal(p.exit_node_ip, "100.64.0.1");
        assert_null(up(&p, "--exit-node=fd7a:115c:a1e0::1"));
        assert_string_equal(p.exit_node_ip, "fd7a:115c:a1e0::1");
        assert_non_null(strstr(up(&p, "--exit-node=exit.example"), "names are not looked up"));
        assert_null(up(&p, "--exit-node="));
        assert_string_equal(p.exit_node_ip, "");
        assert_string_equal(up(&p, "shields-up"), "expected --flag or --flag=value (one word each).");
        assert_non_null(strstr(up(&p, "--no-such-flag"), "not a flag tsproxy maps"));
        assert_non_null(strstr(up(&p, "--shields"), "not a flag tsproxy maps")); /* no prefixes */
}

static void test_routes(void **state)
{
        LoginPrefs p;

        (void)state;
        login_prefs_init(&p);
        assert_null(up(&p, "--advertise-routes=10.0.0.0/8,fd00::/64,10.0.0.0/8"));
        assert_int_equal(p.n_routes, 2); /* the duplicate once */
        assert_string_equal(p.routes[0], "10.0.0.0/8");
        assert_string_equal(p.routes[1], "fd00::/64");
        assert_non_null(strstr(up(&p, "--advertise-routes=10.1.2.3/8"), "bits set beyond its length"));
        assert_non_null(strstr(up(&p, "--advertise-routes=10.0.0.1"), "expected IP prefixes"));
        assert_non_null(strstr(up(&p, "--advertise-routes=10.0.0.0/8,,fd00::/64"), "expected IP prefixes"));
        assert_null(up(&p, "--advertise-routes=fd00:0::/64,10.0.0.0/8")); /* as tailscaled writes it */
        assert_int_equal(p.n_routes, 2);
        assert_string_equal(p.routes[0], "fd00::/64");
        assert_null(up(&p, "--advertise-routes="));
        assert_int_equal(p.n_routes, 0);

        /* An exit node advertises 0.0.0.0/0 and ::/0, before or after the routes. */
        assert_null(up(&p, "--advertise-exit-node"));
        assert_int_equal(p.n_routes, 2);
        assert_string_equal(p.routes[0], "0.0.0.0/0");
        assert_string_equal(p.routes[1], "::/0");
        assert_null(up(&p, "--advertise-routes=192.168.0.0/16"));
        assert_int_equal(p.n_routes, 3);
        assert_string_equal(p.routes[0], "192.168.0.0/16");
        assert_string_equal(p.routes[1], "0.0.0.0/0");
        assert_string_equal(p.routes[2], "::/0");
        assert_null(up(&p, "--advertise-exit-node=false"));
        assert_int_equal(p.n_routes, 1);
        assert_string_equal(p.routes[0], "192.168.0.0/16");

        login_prefs_init(&p);
        assert_null(up(&p, "--advertise-routes=192.168.0.0/16"));
        assert_null(up(&p, "--advertise-exit-node"));
        assert_int_equal(p.n_routes, 3);
        assert_string_equal(p.routes[0], "192.168.0.0/16");
        assert_string_equal(p.routes[2], "::/0");
}

static void test_too_many_routes(void **state)
{
        char list[LOGIN_ROUTES_MAX * 20] = "";
        size_t n = 0;
        LoginPrefs p;

        (void)state;
        login_prefs_init(&p);
        for (int i = 0; i < LOGIN_ROUTES_MAX; i++)
                n += (size_t)snprintf(list + n, sizeof(list) - n, "%s10.%d.0.0/16", i ? "," : "", i);
        {
                char w[sizeof(list) + 32];
                snprintf(w, sizeof(w), "--advertise-routes=%s", list);
                assert_null(up(&p, w));
                assert_int_equal(p.n_routes, LOGIN_ROUTES_MAX);
                snprintf(w, sizeof(w), "--advertise-routes=%s,10.200.0.0/16", list);
                assert_string_equal(up(&p, w), "too many routes (at most 32).");
        }
}

static void test_exit_node_lan_check(void **state)
{
        LoginPrefs p;

        (void)state;
        login_prefs_init(&p);
        assert_null(up(&p, "--exit-node-allow-lan-access"));
        assert_string_equal(login_prefs_check(&p),
                            "--exit-node-allow-lan-access can only be used with --exit-node.");
        assert_null(up(&p, "--exit-node=100.64.0.1"));
        assert_null(login_prefs_check(&p));
}

/* Flags a key of its own sets: refused in UpArguments= with the key's name, taken from
 * the agent's command line (where the generator writes them). */
static void test_own_keys(void **state)
{
        LoginPrefs p;

        (void)state;
        login_prefs_init(&p);
        assert_string_equal(up(&p, "--hostname=gw"), "use Hostname=.");
        assert_string_equal(up(&p, "--login-server=https://hs.example"), "use LoginServer=.");
        assert_string_equal(up(&p, "--advertise-tags=tag:a"), "use AdvertiseTags=.");
        assert_string_equal(up(&p, "--accept-routes"), "use AcceptRoutes=.");
        assert_string_equal(p.hostname, "");
        assert_false(p.route_all);

        assert_null(flag(&p, "--hostname=gw-a", LOGIN_FLAG_AGENT));
        assert_string_equal(p.hostname, "gw-a");
        assert_null(flag(&p, "--login-server=https://hs.example:8080/", LOGIN_FLAG_AGENT));
        assert_string_equal(p.control_url, "https://hs.example:8080/");
        assert_null(flag(&p, "--advertise-tags=tag:a,b", LOGIN_FLAG_AGENT));
        assert_int_equal(p.n_tags, 2);
        assert_string_equal(p.tags[0], "tag:a");
        assert_string_equal(p.tags[1], "tag:b");
        assert_null(flag(&p, "--accept-routes=true", LOGIN_FLAG_AGENT));
        assert_true(p.route_all);
        assert_null(flag(&p, "--accept-routes=false", LOGIN_FLAG_AGENT));
        assert_false(p.route_all);
        assert_non_null(strstr(flag(&p, "--login-server=ftp://x", LOGIN_FLAG_AGENT), "https://"));
}

/* The default Hostname= is "%l-NAME": whatever the host's name, one DNS label. */
static void test_hostname_sanitized(void **state)
{
        char long_name[100];
        LoginPrefs p;

        (void)state;
        login_prefs_init(&p);
        assert_null(flag(&p, "--hostname=build_host-lab", LOGIN_FLAG_AGENT));
        assert_string_equal(p.hostname, "build-host-lab");
        assert_null(flag(&p, "--hostname=-gw.x-", LOGIN_FLAG_AGENT));
        assert_string_equal(p.hostname, "gw-x");
        memset(long_name, 'a', sizeof(long_name));
        memcpy(long_name, "--hostname=", 11);
        memcpy(long_name + 80, "-lab", 5);
        assert_null(flag(&p, long_name, LOGIN_FLAG_AGENT));
        assert_int_equal(strlen(p.hostname), LOGIN_HOSTNAME_MAX);
        assert_null(login_check_hostname(p.hostname));
        assert_null(flag(&p, "--hostname=Gpu-1", LOGIN_FLAG_AGENT)); /* a checked name as it is */
        assert_string_equal(p.hostname, "Gpu-1");
        assert_null(flag(&p, "--hostname=", LOGIN_FLAG_AGENT)); /* tailscaled's default */
        assert_string_equal(p.hostname, "");
        assert_non_null(flag(&p, "--hostname=__", LOGIN_FLAG_AGENT));
}

/* Refused from both sources, each with its reason. */
static void test_refused(void **state)
{
        static const LoginFlagSource sources[] = {LOGIN_FLAG_UP_ARGUMENTS, LOGIN_FLAG_AGENT};
        LoginPrefs p;

        (void)state;
        for (size_t i = 0; i < 2; i++) {
                LoginFlagSource s = sources[i];

                login_prefs_init(&p);
                assert_non_null(strstr(flag(&p, "--auth-key=tskey-x", s), "never goes on a command line"));
                assert_non_null(strstr(flag(&p, "--authkey=tskey-x", s), "never goes on a command line"));
                assert_non_null(strstr(flag(&p, "--ssh", s), "shell on this host"));
                assert_non_null(strstr(flag(&p, "--auto-update", s), "auto-update off"));
                assert_non_null(strstr(flag(&p, "--netfilter-mode=off", s), "tsproxy's to filter"));
                assert_non_null(strstr(flag(&p, "--operator=alice", s), "runs as root"));
                assert_non_null(strstr(flag(&p, "--reset", s), "defaults"));
                assert_non_null(strstr(flag(&p, "--force-reauth", s), "needs it"));
                assert_non_null(strstr(flag(&p, "--unattended", s), "not a Linux flag"));
        }
}

static void test_check_url(void **state)
{
        char long_url[LOGIN_URL_MAX + 8];

        (void)state;
        assert_null(login_check_url("https://controlplane.tailscale.com"));
        assert_null(login_check_url("http://hs.example:8080/path"));
        assert_string_equal(login_check_url("ftp://hs.example"),
                            "expected a URL starting with https:// or http://.");
        assert_string_equal(login_check_url("hs.example"),
                            "expected a URL starting with https:// or http://.");
        assert_string_equal(login_check_url("https://"), "the URL has no host.");
        assert_string_equal(login_check_url("http://"), "the URL has no host.");
        assert_null(login_check_url("http://h"));
        assert_non_null(strstr(login_check_url("https://a b"), "white space"));
        assert_non_null(strstr(login_check_url("https://a\"b"), "quotes"));
        assert_non_null(strstr(login_check_url("https://a\\b"), "backslashes"));
        assert_non_null(strstr(login_check_url("https://a\tb"), "white space"));
        memset(long_url, 'a', sizeof(long_url) - 1);
        long_url[sizeof(long_url) - 1] = '\0';
        memcpy(long_url, "https://", 8);
        assert_string_equal(login_check_url(long_url), "the URL is too long.");
}

static void test_check_hostname(void **state)
{
        char label[LOGIN_HOSTNAME_MAX + 2];

        (void)state;
        assert_null(login_check_hostname("gw-1"));
        assert_null(login_check_hostname("A"));
        assert_string_equal(login_check_hostname(""), "expected a host name of 1 to 63 characters.");
        assert_string_equal(login_check_hostname("-gw"), "a host name may not start or end with '-'.");
        assert_string_equal(login_check_hostname("gw-"), "a host name may not start or end with '-'.");
        assert_string_equal(login_check_hostname("gw_1"),
                            "a host name may contain only letters, digits and '-'.");
        assert_string_equal(login_check_hostname("gw.example"),
                            "a host name may contain only letters, digits and '-'.");
        memset(label, 'a', LOGIN_HOSTNAME_MAX);
        label[LOGIN_HOSTNAME_MAX] = '\0';
        assert_null(login_check_hostname(label));
        label[LOGIN_HOSTNAME_MAX] = 'a';
        label[LOGIN_HOSTNAME_MAX + 1] = '\0';
        assert_string_equal(login_check_hostname(label), "expected a host name of 1 to 63 characters.");
}

static const char *tag(const char *s, char buf[static LOGIN_TAG_MAX])
{
        buf[0] = '\0';
        return login_check_tag(s, strlen(s), buf);
}

static void test_check_tag(void **state)
{
        char buf[LOGIN_TAG_MAX], long_tag[LOGIN_TAG_MAX + 1];

        (void)state;
        assert_null(tag("proxy", buf));
        assert_string_equal(buf, "tag:proxy");
        assert_null(tag("tag:web-1", buf));
        assert_string_equal(buf, "tag:web-1");
        assert_string_equal(tag("group:x", buf), "a tag is tag:NAME.");
        assert_string_equal(tag("tag:", buf), "a tag name may not be empty.");
        assert_string_equal(tag("1proxy", buf), "a tag name must start with a letter.");
        assert_string_equal(tag("tag:a_b", buf), "a tag name may contain only letters, digits and '-'.");
        memset(long_tag, 'a', sizeof(long_tag) - 1);
        long_tag[sizeof(long_tag) - 1] = '\0';
        assert_string_equal(tag(long_tag, buf), "the tag is too long.");
        /* The longest that fits: "tag:" and LOGIN_TAG_MAX - 5 letters, and the NUL. */
        long_tag[LOGIN_TAG_MAX - 5] = '\0';
        assert_null(tag(long_tag, buf));
        assert_int_equal(strlen(buf), LOGIN_TAG_MAX - 1);
}

static void test_set_tags(void **state)
{
        char list[LOGIN_TAGS_MAX * 8 + 8] = "";
        size_t n = 0;
        LoginPrefs p;

        (void)state;
        login_prefs_init(&p);
        assert_null(login_prefs_set_tags(&p, "a,tag:b"));
        assert_int_equal(p.n_tags, 2);
        assert_string_equal(p.tags[1], "tag:b");
        assert_null(login_prefs_set_tags(&p, ""));
        assert_int_equal(p.n_tags, 0);
        assert_string_equal(login_prefs_set_tags(&p, "a,"), "a tag name may not be empty.");
        assert_string_equal(login_prefs_set_tags(&p, "a,,b"), "a tag name may not be empty.");
        for (int i = 0; i < LOGIN_TAGS_MAX; i++)
                n += (size_t)snprintf(list + n, sizeof(list) - n, "%st%d", i ? "," : "", i);
        assert_null(login_prefs_set_tags(&p, list));
        assert_int_equal(p.n_tags, LOGIN_TAGS_MAX);
        snprintf(list + n, sizeof(list) - n, ",extra");
        assert_string_equal(login_prefs_set_tags(&p, list), "too many tags (at most 16).");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),        cmocka_unit_test(test_booleans),
                cmocka_unit_test(test_values),          cmocka_unit_test(test_routes),
                cmocka_unit_test(test_too_many_routes), cmocka_unit_test(test_exit_node_lan_check),
                cmocka_unit_test(test_own_keys),        cmocka_unit_test(test_hostname_sanitized),
                cmocka_unit_test(test_refused),         cmocka_unit_test(test_check_url),
                cmocka_unit_test(test_check_hostname),  cmocka_unit_test(test_check_tag),
                cmocka_unit_test(test_set_tags),
        };

        return cmocka_run_group_tests_name("login-prefs", tests, NULL, NULL);
}
