/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * login-json.c: LocalAPI bodies of tsproxy-login (login-json.h), built and read with
 * json-c.
 */
#include "login-json.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define LOGIN_ERROR_PREFIX "The last login error was: "
#define NETFILTER_ON       2 /* types/preftype/netfiltermode.go NetfilterOn */

typedef struct json_object JsonObject;

static void json_putp(JsonObject **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_putp)))

static JsonObject *string_array(const char *items, size_t n, size_t stride)
{
        JsonObject *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++)
                json_object_array_add(a, json_object_new_string(items + i * stride));
        return a;
}

static JsonObject *tags_array(const LoginPrefs *p)
{
        JsonObject *a = json_object_new_array();

        for (size_t i = 0; a && i < p->n_tags; i++)
                json_object_array_add(a, json_object_new_string(p->tags[i]));
        return a;
}

static JsonObject *auto_update_off(bool with_check)
{
        JsonObject *o = json_object_new_object();

        if (with_check)
                json_object_object_add(o, "Check", json_object_new_boolean(true));
        json_object_object_add(o, "Apply", json_object_new_boolean(false));
        return o;
}

char *login_json_start(const LoginPrefs *p, const char *auth_key)
{
        _cleanup_json_ JsonObject *root = json_object_new_object();
        JsonObject *prefs = json_object_new_object();
        const char *s;

        if (!root || !prefs)
                return json_putp(&prefs), NULL;
        json_object_object_add(prefs, "ControlURL", json_object_new_string(p->control_url));
        json_object_object_add(prefs, "RouteAll", json_object_new_boolean(p->route_all));
        json_object_object_add(prefs, "ExitNodeIP", json_object_new_string(p->exit_node_ip));
        json_object_object_add(prefs, "ExitNodeAllowLANAccess",
                               json_object_new_boolean(p->exit_node_allow_lan));
        json_object_object_add(prefs, "CorpDNS", json_object_new_boolean(p->corp_dns));
        json_object_object_add(prefs, "WantRunning", json_object_new_boolean(true));
        json_object_object_add(prefs, "ShieldsUp", json_object_new_boolean(p->shields_up));
        json_object_object_add(prefs, "AdvertiseTags", tags_array(p));
        json_object_object_add(prefs, "Hostname", json_object_new_string(p->hostname));
        json_object_object_add(prefs, "AdvertiseRoutes",
                               string_array(p->routes[0], p->n_routes, sizeof(p->routes[0])));
        json_object_object_add(prefs, "NoSNAT", json_object_new_boolean(p->no_snat));
        json_object_object_add(prefs, "NoStatefulFiltering", json_object_new_boolean(true));
        json_object_object_add(prefs, "NetfilterMode", json_object_new_int(NETFILTER_ON));
        json_object_object_add(prefs, "AutoUpdate", auto_update_off(true));
        if (auth_key)
                json_object_object_add(root, "AuthKey", json_object_new_string(auth_key));
        json_object_object_add(root, "UpdatePrefs", prefs);
        s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
        return s ? strdup(s) : NULL;
}

static const char *get_string(JsonObject *o, const char *key)
{
        JsonObject *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return "";
        return json_object_get_string(v);
}

static bool get_bool(JsonObject *o, const char *key)
{
        JsonObject *v;

        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
               json_object_get_boolean(v);
}

/* Whether the JSON string array o[key] (null: empty) holds exactly items. */
static bool same_list(JsonObject *o, const char *key, const char *items, size_t n, size_t stride)
{
        JsonObject *a;
        size_t len;

        if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array))
                return n == 0;
        len = json_object_array_length(a);
        if (len != n)
                return false;
        for (size_t i = 0; i < n; i++) {
                JsonObject *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string) ||
                    strcmp(json_object_get_string(e), items + i * stride) != 0)
                        return false;
        }
        return true;
}

static void note(char *changed, size_t size, const char *field)
{
        size_t n = strlen(changed);

        snprintf(changed + n, size - n, "%s%s", n ? ", " : "", field);
}

int login_json_prefs_patch(const LoginPrefs *p, const char *current_json, char **ret, char *ret_changed,
                           size_t changed_size, char *ret_control_url, size_t url_size)
{
        _cleanup_json_ JsonObject *cur = json_tokener_parse(current_json);
        _cleanup_json_ JsonObject *m = json_object_new_object();
        JsonObject *au;
        const char *s;

        *ret = NULL;
        ret_changed[0] = '\0';
        ret_control_url[0] = '\0';
        if (!cur || !json_object_is_type(cur, json_type_object))
                return -EBADMSG;
        if (!m)
                return -ENOMEM;
#define SET(field, value)                                                                                   \
        do {                                                                                                \
                json_object_object_add(m, field, value);                                                    \
                json_object_object_add(m, field "Set", json_object_new_boolean(true));                      \
                note(ret_changed, changed_size, field);                                                     \
        } while (0)
#define BOOL(field, want)                                                                                   \
        do {                                                                                                \
                if (get_bool(cur, field) != (want))                                                         \
                        SET(field, json_object_new_boolean(want));                                          \
        } while (0)

        if (p->control_url[0] && strcmp(get_string(cur, "ControlURL"), p->control_url) != 0)
                snprintf(ret_control_url, url_size, "%s", get_string(cur, "ControlURL"));
        if (strcmp(get_string(cur, "Hostname"), p->hostname) != 0)
                SET("Hostname", json_object_new_string(p->hostname));
        if (!same_list(cur, "AdvertiseTags", p->tags[0], p->n_tags, sizeof(p->tags[0])))
                SET("AdvertiseTags", tags_array(p));
        BOOL("RouteAll", p->route_all);
        BOOL("CorpDNS", p->corp_dns);
        BOOL("ShieldsUp", p->shields_up);
        BOOL("NoSNAT", p->no_snat);
        BOOL("ExitNodeAllowLANAccess", p->exit_node_allow_lan);
        if (!same_list(cur, "AdvertiseRoutes", p->routes[0], p->n_routes, sizeof(p->routes[0])))
                SET("AdvertiseRoutes", string_array(p->routes[0], p->n_routes, sizeof(p->routes[0])));
        /* tailscaled turns ExitNodeIP into ExitNodeID once it knows the node: asked for
         * one, it is set only while neither names a node; asked for none, both go. */
        if (p->exit_node_ip[0] && !get_string(cur, "ExitNodeID")[0] &&
            strcmp(get_string(cur, "ExitNodeIP"), p->exit_node_ip) != 0)
                SET("ExitNodeIP", json_object_new_string(p->exit_node_ip));
        if (!p->exit_node_ip[0] && (get_string(cur, "ExitNodeIP")[0] || get_string(cur, "ExitNodeID")[0])) {
                SET("ExitNodeIP", json_object_new_string(""));
                SET("ExitNodeID", json_object_new_string(""));
        }
        /* Auto-update off: Apply false (opt.Bool; null is "unset"). */
        if (!json_object_object_get_ex(cur, "AutoUpdate", &au) ||
            !json_object_is_type(au, json_type_object) || !json_object_object_get_ex(au, "Apply", &au) ||
            !json_object_is_type(au, json_type_boolean) || json_object_get_boolean(au)) {
                JsonObject *mask = json_object_new_object();
                json_object_object_add(mask, "ApplySet", json_object_new_boolean(true));
                json_object_object_add(m, "AutoUpdate", auto_update_off(false));
                json_object_object_add(m, "AutoUpdateSet", mask);
                note(ret_changed, changed_size, "AutoUpdate.Apply");
        }
#undef BOOL
#undef SET
        if (!ret_changed[0])
                return 0;
        s = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN);
        *ret = s ? strdup(s) : NULL;
        return *ret ? 0 : -ENOMEM;
}

int login_json_status_extra(const char *status_json, bool *ret_have_node_key, char *ret_login_error,
                            size_t size)
{
        _cleanup_json_ JsonObject *st = json_tokener_parse(status_json);
        JsonObject *health;

        ret_login_error[0] = '\0';
        if (!st || !json_object_is_type(st, json_type_object))
                return -EBADMSG;
        *ret_have_node_key = get_bool(st, "HaveNodeKey");
        if (!json_object_object_get_ex(st, "Health", &health) ||
            !json_object_is_type(health, json_type_array))
                return 0;
        for (size_t i = 0; i < json_object_array_length(health); i++) {
                JsonObject *e = json_object_array_get_idx(health, i);
                const char *w = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : "";
                const char *at = strstr(w, LOGIN_ERROR_PREFIX);

                if (at) {
                        snprintf(ret_login_error, size, "%s", at + strlen(LOGIN_ERROR_PREFIX));
                        break;
                }
        }
        return 0;
}
