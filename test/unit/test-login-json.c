/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-login-json: the LocalAPI bodies of tsproxy-login (helpers/login/login-json.c),
 * read back with json-c: POST start's ipn.Options with and without an auth key and the
 * prefs of `tailscale up` (auto-update off), PATCH prefs' ipn.MaskedPrefs with only what
 * differs (nothing when tailscaled already has the prefs start sent, a field and its
 * "<Field>Set" when one changed, no ControlURL ever), the exit node's IP and ID, and the
 * status's HaveNodeKey and last login error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "login-json.h"
#include "login-prefs.h"
#include "macro.h"

static struct json_object *member(struct json_object *o, const char *key)
{
        struct json_object *v = NULL;

        assert_true(json_object_object_get_ex(o, key, &v));
        return v;
}

static bool has(struct json_object *o, const char *key)
{
        return json_object_object_get_ex(o, key, NULL);
}

static void prefs_of(LoginPrefs *p)
{
        const char *why;

        login_prefs_init(p);
        assert_int_equal(login_prefs_apply_flag(p, "--hostname=gw-a", LOGIN_FLAG_AGENT, &why), 0);
        assert_int_equal(login_prefs_apply_flag(p, "--advertise-tags=proxy,tag:web", LOGIN_FLAG_AGENT, &why),
                         0);
        assert_int_equal(login_prefs_apply_flag(p, "--accept-routes=true", LOGIN_FLAG_AGENT, &why), 0);
        assert_int_equal(login_prefs_apply_flag(p, "--shields-up", LOGIN_FLAG_AGENT, &why), 0);
}

static void test_start_with_key(void **state)
{
        _cleanup_free_ char *body = NULL;
        struct json_object *root, *prefs, *au, *tags;
        LoginPrefs p;

        (void)state;
        prefs_of(&p);
        body = login_json_start(&p, "tskey-auth-x\"y");
        assert_non_null(body);
        root = json_tokener_parse(body);
        assert_non_null(root);
        assert_string_equal(json_object_get_string(member(root, "AuthKey")), "tskey-auth-x\"y");
        prefs = member(root, "UpdatePrefs");
        assert_true(json_object_get_boolean(member(prefs, "WantRunning")));
        assert_true(json_object_get_boolean(member(prefs, "RouteAll")));
        assert_true(json_object_get_boolean(member(prefs, "ShieldsUp")));
        assert_true(json_object_get_boolean(member(prefs, "CorpDNS")));
        assert_false(json_object_get_boolean(member(prefs, "NoSNAT")));
        assert_string_equal(json_object_get_string(member(prefs, "Hostname")), "gw-a");
        assert_string_equal(json_object_get_string(member(prefs, "ControlURL")), "");
        assert_int_equal(json_object_get_int(member(prefs, "NetfilterMode")), 2);
        assert_true(json_object_get_boolean(member(prefs, "NoStatefulFiltering")));
        tags = member(prefs, "AdvertiseTags");
        assert_int_equal(json_object_array_length(tags), 2);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(tags, 0)), "tag:proxy");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(tags, 1)), "tag:web");
        assert_int_equal(json_object_array_length(member(prefs, "AdvertiseRoutes")), 0);
        /* Auto-update: checked (tailscale's default), never applied. */
        au = member(prefs, "AutoUpdate");
        assert_true(json_object_get_boolean(member(au, "Check")));
        assert_true(json_object_is_type(member(au, "Apply"), json_type_boolean));
        assert_false(json_object_get_boolean(member(au, "Apply")));
        json_object_put(root);
}

static void test_start_without_key(void **state)
{
        _cleanup_free_ char *body = NULL;
        struct json_object *root;
        LoginPrefs p;

        (void)state;
        login_prefs_init(&p);
        body = login_json_start(&p, NULL);
        assert_non_null(body);
        root = json_tokener_parse(body);
        assert_non_null(root);
        assert_false(has(root, "AuthKey"));
        assert_true(json_object_get_boolean(member(member(root, "UpdatePrefs"), "WantRunning")));
        json_object_put(root);
}

/* The UpdatePrefs start sends, as GET prefs would give them back. */
static char *prefs_after_start(const LoginPrefs *p)
{
        _cleanup_free_ char *body = login_json_start(p, NULL);
        struct json_object *root = json_tokener_parse(body);
        char *s = strdup(json_object_to_json_string(member(root, "UpdatePrefs")));

        json_object_put(root);
        return s;
}

static int patch(const LoginPrefs *p, const char *current, char **ret, char *changed, char *url)
{
        return login_json_prefs_patch(p, current, ret, changed, 256, url, LOGIN_URL_MAX);
}

static void test_patch_nothing(void **state)
{
        _cleanup_free_ char *current = NULL, *m = NULL;
        char changed[256], url[LOGIN_URL_MAX];
        LoginPrefs p;

        (void)state;
        prefs_of(&p);
        current = prefs_after_start(&p);
        assert_int_equal(patch(&p, current, &m, changed, url), 0);
        assert_null(m);
        assert_string_equal(changed, "");
        assert_string_equal(url, "");
}

static void test_patch_changed(void **state)
{
        _cleanup_free_ char *current = NULL, *m = NULL;
        char changed[256], url[LOGIN_URL_MAX];
        struct json_object *o, *tags;
        LoginPrefs p;
        const char *why;

        (void)state;
        prefs_of(&p);
        current = prefs_after_start(&p);
        /* Another host name, one tag less, routes accepted no more. */
        assert_int_equal(login_prefs_apply_flag(&p, "--hostname=gw-b", LOGIN_FLAG_AGENT, &why), 0);
        assert_int_equal(login_prefs_apply_flag(&p, "--advertise-tags=web", LOGIN_FLAG_AGENT, &why), 0);
        assert_int_equal(login_prefs_apply_flag(&p, "--accept-routes=false", LOGIN_FLAG_AGENT, &why), 0);
        assert_int_equal(patch(&p, current, &m, changed, url), 0);
        assert_non_null(m);
        assert_string_equal(changed, "Hostname, AdvertiseTags, RouteAll");
        o = json_tokener_parse(m);
        assert_non_null(o);
        assert_string_equal(json_object_get_string(member(o, "Hostname")), "gw-b");
        assert_true(json_object_get_boolean(member(o, "HostnameSet")));
        tags = member(o, "AdvertiseTags");
        assert_int_equal(json_object_array_length(tags), 1);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(tags, 0)), "tag:web");
        assert_true(json_object_get_boolean(member(o, "AdvertiseTagsSet")));
        assert_false(json_object_get_boolean(member(o, "RouteAll")));
        assert_true(json_object_get_boolean(member(o, "RouteAllSet")));
        /* What did not change is not in the mask. */
        assert_false(has(o, "ShieldsUp"));
        assert_false(has(o, "ShieldsUpSet"));
        assert_false(has(o, "CorpDNSSet"));
        assert_false(has(o, "AutoUpdateSet"));
        json_object_put(o);
}

/* A node whose auto-update is on or unset (null) gets Apply false; a different
 * LoginServer= is reported, never patched. */
static void test_patch_auto_update_and_control_url(void **state)
{
        _cleanup_free_ char *m = NULL, *m2 = NULL;
        char changed[256], url[LOGIN_URL_MAX];
        struct json_object *o;
        LoginPrefs p;
        const char *why;

        (void)state;
        login_prefs_init(&p);
        assert_int_equal(
                login_prefs_apply_flag(&p, "--login-server=https://hs.example", LOGIN_FLAG_AGENT, &why), 0);
        assert_int_equal(patch(&p,
                               "{\"ControlURL\":\"https://controlplane.tailscale.com\",\"CorpDNS\":true,"
                               "\"AutoUpdate\":{\"Check\":true,\"Apply\":null}}",
                               &m, changed, url),
                         0);
        assert_string_equal(url, "https://controlplane.tailscale.com");
        assert_string_equal(changed, "AutoUpdate.Apply");
        o = json_tokener_parse(m);
        assert_false(has(o, "ControlURL"));
        assert_false(has(o, "ControlURLSet"));
        assert_false(json_object_get_boolean(member(member(o, "AutoUpdate"), "Apply")));
        assert_false(has(member(o, "AutoUpdate"), "Check"));
        assert_true(json_object_get_boolean(member(member(o, "AutoUpdateSet"), "ApplySet")));
        json_object_put(o);

        assert_int_equal(patch(&p,
                               "{\"ControlURL\":\"https://hs.example\",\"CorpDNS\":true,"
                               "\"AutoUpdate\":{\"Check\":true,\"Apply\":true}}",
                               &m2, changed, url),
                         0);
        assert_string_equal(url, "");
        assert_string_equal(changed, "AutoUpdate.Apply");
}

/* tailscaled turns ExitNodeIP into ExitNodeID: not set again while an ID is there. */
static void test_patch_exit_node(void **state)
{
        _cleanup_free_ char *m = NULL, *m2 = NULL, *m3 = NULL;
        char changed[256], url[LOGIN_URL_MAX];
        struct json_object *o;
        LoginPrefs p;
        const char *why;

        (void)state;
        login_prefs_init(&p);
        assert_int_equal(login_prefs_apply_flag(&p, "--exit-node=100.64.0.9", LOGIN_FLAG_AGENT, &why), 0);
        assert_int_equal(patch(&p,
                               "{\"CorpDNS\":true,\"ExitNodeID\":\"nX\",\"AutoUpdate\":{\"Apply\":false}}",
                               &m, changed, url),
                         0);
        assert_null(m);
        assert_int_equal(patch(&p, "{\"CorpDNS\":true,\"AutoUpdate\":{\"Apply\":false}}", &m2, changed, url),
                         0);
        assert_string_equal(changed, "ExitNodeIP");

        login_prefs_init(&p);
        assert_int_equal(patch(&p,
                               "{\"CorpDNS\":true,\"ExitNodeID\":\"nX\",\"AutoUpdate\":{\"Apply\":false}}",
                               &m3, changed, url),
                         0);
        assert_string_equal(changed, "ExitNodeIP, ExitNodeID");
        o = json_tokener_parse(m3);
        assert_string_equal(json_object_get_string(member(o, "ExitNodeID")), "");
        assert_true(json_object_get_boolean(member(o, "ExitNodeIDSet")));
        json_object_put(o);
}

static void test_patch_garbage(void **state)
{
        char changed[256], url[LOGIN_URL_MAX];
        char *m = (char *)"unchanged";
        LoginPrefs p;

        (void)state;
        login_prefs_init(&p);
        assert_int_equal(patch(&p, "not json", &m, changed, url), -EBADMSG);
        assert_null(m);
        assert_int_equal(patch(&p, "[1,2]", &m, changed, url), -EBADMSG);
        assert_int_equal(patch(&p, "", &m, changed, url), -EBADMSG);
}

static void test_status_extra(void **state)
{
        char err[512];
        bool key = false;

        (void)state;
        assert_int_equal(
                login_json_status_extra("{\"BackendState\":\"NeedsLogin\",\"HaveNodeKey\":true,"
                                        "\"Health\":[\"some other warning\","
                                        "\"You are logged out. The last login error was: invalid key: "
                                        "API key does not exist\"]}",
                                        &key, err, sizeof(err)),
                0);
        assert_true(key);
        assert_string_equal(err, "invalid key: API key does not exist");

        assert_int_equal(login_json_status_extra("{\"BackendState\":\"NeedsLogin\",\"Health\":null}", &key,
                                                 err, sizeof(err)),
                         0);
        assert_false(key);
        assert_string_equal(err, "");
        assert_int_equal(
                login_json_status_extra("{\"Health\":[\"You are logged out.\", 7]}", &key, err, sizeof(err)),
                0);
        assert_string_equal(err, "");

        /* Cut to the buffer, never past it. */
        assert_int_equal(login_json_status_extra("{\"Health\":[\"The last login error was: abcdefgh\"]}",
                                                 &key, err, 5),
                         0);
        assert_string_equal(err, "abcd");

        assert_int_equal(login_json_status_extra("garbage", &key, err, sizeof(err)), -EBADMSG);
        assert_int_equal(login_json_status_extra("\"string\"", &key, err, sizeof(err)), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_start_with_key),
                cmocka_unit_test(test_start_without_key),
                cmocka_unit_test(test_patch_nothing),
                cmocka_unit_test(test_patch_changed),
                cmocka_unit_test(test_patch_auto_update_and_control_url),
                cmocka_unit_test(test_patch_exit_node),
                cmocka_unit_test(test_patch_garbage),
                cmocka_unit_test(test_status_extra),
        };

        return cmocka_run_group_tests_name("login-json", tests, NULL, NULL);
}
