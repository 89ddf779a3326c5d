/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-state.c: the fake tailscaled's prefs and state file (fake-state.h). The JSON
 * field names and defaults are those of tailscale's ipn/prefs.go (Prefs, MaskedPrefs
 * with <Field>Set booleans and AutoUpdateSet{CheckSet,ApplySet}, NewPrefs). The state
 * file is the fake's own key=value format, not tailscale's (tests read Address= from it).
 */
#include "fake-state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "macro.h"

void prefs_init(Prefs *p)
{
        *p = (Prefs){
                .corp_dns = true,
                .netfilter_mode = 2,
                .auto_update_check = true,
                .auto_update_apply = -1,
        };
}

static void write_tags(const char *tags, FILE *f)
{
        char buf[sizeof(((Prefs *)0)->advertise_tags)], *save = NULL;
        bool first = true;

        if (!*tags) {
                fputs("null", f);
                return;
        }
        snprintf(buf, sizeof(buf), "%s", tags);
        fputc('[', f);
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                fputs(first ? "" : ",", f);
                json_write_string(f, t);
                first = false;
        }
        fputc(']', f);
}

#define B(x) ((x) ? "true" : "false")

void prefs_write_json(const Prefs *p, FILE *f)
{
        fputs("{\n\t\"ControlURL\": ", f);
        json_write_string(f, p->control_url);
        fprintf(f,
                ",\n\t\"RouteAll\": %s,\n\t\"ExitNodeID\": \"\",\n\t\"ExitNodeIP\": \"\","
                "\n\t\"CorpDNS\": %s,\n\t\"RunSSH\": false,\n\t\"WantRunning\": %s,"
                "\n\t\"LoggedOut\": %s,\n\t\"ShieldsUp\": false,\n\t\"AdvertiseTags\": ",
                B(p->route_all), B(p->corp_dns), B(p->want_running), B(p->logged_out));
        write_tags(p->advertise_tags, f);
        fputs(",\n\t\"Hostname\": ", f);
        json_write_string(f, p->hostname);
        fprintf(f,
                ",\n\t\"AdvertiseRoutes\": null,\n\t\"NoSNAT\": false,\n\t\"NetfilterMode\": %d,"
                "\n\t\"AutoUpdate\": {\n\t\t\"Check\": %s,\n\t\t\"Apply\": %s\n\t},"
                "\n\t\"Config\": null\n}\n",
                p->netfilter_mode, B(p->auto_update_check),
                p->auto_update_apply < 0 ? "null" : B(p->auto_update_apply));
}

/* Whether field is to be applied: masked: "<field>Set": true; else present. A set
 * field that is absent gets Go's zero value (ret->p NULL). */
static int wanted(JsonSlice obj, const char *field, bool masked, JsonSlice *ret)
{
        char set[64];
        JsonSlice s;
        bool b = false;
        int r = json_object_get(obj, field, ret);

        if (!masked)
                return r >= 0;
        snprintf(set, sizeof(set), "%sSet", field);
        if (json_object_get(obj, set, &s) < 0)
                return 0;
        if (json_get_bool(s, &b) < 0)
                return -EINVAL;
        if (!b)
                return 0;
        if (r < 0)
                *ret = (JsonSlice){NULL, 0};
        return 1;
}

static int take_bool(JsonSlice v, bool *ret)
{
        if (!v.p) {
                *ret = false;
                return 0;
        }
        return json_get_bool(v, ret);
}

static int take_string(JsonSlice v, char *buf, size_t size)
{
        if (!v.p) {
                buf[0] = '\0';
                return 0;
        }
        return json_get_string(v, buf, size);
}

static int take_tags(JsonSlice v, char *buf, size_t size)
{
        size_t pos = 0, n = 0;
        JsonSlice e;
        int r;

        buf[0] = '\0';
        if (!v.p || json_is_null(v))
                return 0;
        while ((r = json_array_next(v, &pos, &e)) > 0) {
                char tag[128];

                r = json_get_string(e, tag, sizeof(tag));
                if (r < 0 || strchr(tag, ',') || n + strlen(tag) + 2 > size)
                        return -EINVAL;
                n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", tag);
        }
        return r < 0 ? -EINVAL : 0;
}

int prefs_apply_json(Prefs *p, JsonSlice obj, bool masked)
{
        Prefs n = *p;
        JsonSlice v, au = {NULL, 0}, auset = {NULL, 0};
        long long mode;
        int r;

        if (!json_is_object(obj))
                return -EINVAL;
#define FIELD(name, take)                                                                                   \
        do {                                                                                                \
                r = wanted(obj, name, masked, &v);                                                          \
                if (r < 0 || (r > 0 && (take) < 0))                                                         \
                        return -EINVAL;                                                                     \
        } while (0)
        FIELD("ControlURL", take_string(v, n.control_url, sizeof(n.control_url)));
        FIELD("Hostname", take_string(v, n.hostname, sizeof(n.hostname)));
        FIELD("AdvertiseTags", take_tags(v, n.advertise_tags, sizeof(n.advertise_tags)));
        FIELD("RouteAll", take_bool(v, &n.route_all));
        FIELD("CorpDNS", take_bool(v, &n.corp_dns));
        FIELD("WantRunning", take_bool(v, &n.want_running));
        FIELD("LoggedOut", take_bool(v, &n.logged_out));
        r = wanted(obj, "NetfilterMode", masked, &v);
        if (r < 0)
                return -EINVAL;
        if (r > 0) {
                mode = 0;
                if ((v.p && json_get_int(v, &mode) < 0) || mode < 0 || mode > 2)
                        return -EINVAL;
                n.netfilter_mode = (int)mode;
        }
#undef FIELD
        /* AutoUpdate: a nested mask, AutoUpdateSet{CheckSet, ApplySet}. */
        (void)json_object_get(obj, "AutoUpdate", &au);
        if (au.p && !json_is_object(au) && !json_is_null(au))
                return -EINVAL;
        if (masked && json_object_get(obj, "AutoUpdateSet", &auset) >= 0 && !json_is_object(auset))
                return -EINVAL;
        if (masked || (au.p && json_is_object(au))) {
                bool check_set = !masked, apply_set = !masked;
                JsonSlice s;

                if (masked && auset.p) {
                        if (json_object_get(auset, "CheckSet", &s) >= 0 && json_get_bool(s, &check_set) < 0)
                                return -EINVAL;
                        if (json_object_get(auset, "ApplySet", &s) >= 0 && json_get_bool(s, &apply_set) < 0)
                                return -EINVAL;
                }
                if (check_set) {
                        n.auto_update_check = false;
                        if (au.p && json_is_object(au) && json_object_get(au, "Check", &s) >= 0 &&
                            json_get_bool(s, &n.auto_update_check) < 0)
                                return -EINVAL;
                }
                if (apply_set) {
                        bool b;

                        n.auto_update_apply = -1;
                        if (au.p && json_is_object(au) && json_object_get(au, "Apply", &s) >= 0 &&
                            !json_is_null(s)) {
                                if (json_get_bool(s, &b) < 0)
                                        return -EINVAL;
                                n.auto_update_apply = b;
                        }
                }
        }
        *p = n;
        return 0;
}

static bool parse_bool(const char *v)
{
        return strcmp(v, "true") == 0;
}

int state_load(const char *path, Prefs *p, Login *l)
{
        _cleanup_fclose_ FILE *f = NULL;
        char line[1024];

        f = fopen(path, "re");
        if (!f)
                return negative_errno();
        *l = (Login){};
        while (fgets(line, sizeof(line), f)) {
                char *eq = strchr(line, '='), *v;

                line[strcspn(line, "\n")] = '\0';
                if (line[0] == '#' || !eq)
                        continue;
                *eq = '\0';
                v = eq + 1;
                if (strcmp(line, "NodeKey") == 0)
                        snprintf(l->node_key, sizeof(l->node_key), "%s", v);
                else if (strcmp(line, "LoginName") == 0)
                        snprintf(l->login_name, sizeof(l->login_name), "%s", v);
                else if (strcmp(line, "UserID") == 0)
                        l->user_id = strtoull(v, NULL, 10);
                else if (strcmp(line, "Address") == 0)
                        (void)ipv4_parse(v, &l->address);
                else if (strcmp(line, "ControlURL") == 0)
                        snprintf(p->control_url, sizeof(p->control_url), "%s", v);
                else if (strcmp(line, "Hostname") == 0)
                        snprintf(p->hostname, sizeof(p->hostname), "%s", v);
                else if (strcmp(line, "AdvertiseTags") == 0)
                        snprintf(p->advertise_tags, sizeof(p->advertise_tags), "%s", v);
                else if (strcmp(line, "RouteAll") == 0)
                        p->route_all = parse_bool(v);
                else if (strcmp(line, "CorpDNS") == 0)
                        p->corp_dns = parse_bool(v);
                else if (strcmp(line, "WantRunning") == 0)
                        p->want_running = parse_bool(v);
                else if (strcmp(line, "LoggedOut") == 0)
                        p->logged_out = parse_bool(v);
                else if (strcmp(line, "NetfilterMode") == 0)
                        p->netfilter_mode = atoi(v);
                else if (strcmp(line, "AutoUpdate.Check") == 0)
                        p->auto_update_check = parse_bool(v);
                else if (strcmp(line, "AutoUpdate.Apply") == 0)
                        p->auto_update_apply = strcmp(v, "unset") == 0 ? -1 : parse_bool(v);
        }
        l->logged_in = l->node_key[0] && l->address;
        return 0;
}

static int mkdir_parent(const char *path, mode_t mode)
{
        char dir[4096];
        const char *slash = strrchr(path, '/');

        if (!slash || slash == path || (size_t)(slash - path) >= sizeof(dir))
                return 0;
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
        if (mkdir(dir, mode) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

int state_save(const char *path, const char *name, const Prefs *p, const Login *l)
{
        _cleanup_fclose_ FILE *f = NULL;
        char tmp[4096], a[IPV4_STRLEN];
        int r;

        r = mkdir_parent(path, 0700);
        if (r < 0)
                return r;
        if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
                return -ENAMETOOLONG;
        f = fopen(tmp, "we");
        if (!f)
                return negative_errno();
        fprintf(f, "# fake-tailscaled state (tsproxy test sandbox)\nName=%s\n", name);
        if (l->logged_in) {
                ipv4_format(l->address, a);
                fprintf(f, "NodeKey=%s\nLoginName=%s\nUserID=%" PRIu64 "\nAddress=%s\n", l->node_key,
                        l->login_name, l->user_id, a);
        }
        fprintf(f,
                "ControlURL=%s\nHostname=%s\nAdvertiseTags=%s\nRouteAll=%s\nCorpDNS=%s\nWantRunning=%s\n"
                "LoggedOut=%s\nNetfilterMode=%d\nAutoUpdate.Check=%s\nAutoUpdate.Apply=%s\n",
                p->control_url, p->hostname, p->advertise_tags, B(p->route_all), B(p->corp_dns),
                B(p->want_running), B(p->logged_out), p->netfilter_mode, B(p->auto_update_check),
                p->auto_update_apply < 0 ? "unset" : B(p->auto_update_apply));
        if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
                (void)unlink(tmp);
                return -EIO;
        }
        if (rename(tmp, path) < 0) {
                r = negative_errno();
                (void)unlink(tmp);
                return r;
        }
        return 0;
}
