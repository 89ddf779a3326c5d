/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit-state.c: unit properties over sd-bus (see unit-state.h).
 *
 * Errors from the bus are turned into negative errno (sd_bus_error_get_errno()), so
 * that an access denied by polkit or the bus policy becomes -EACCES and the caller can
 * say "needs root" with exit code 5.
 */
#include "unit-state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MGR  "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"

int unit_state_bus_open(sd_bus **ret)
{
        return sd_bus_open_system(ret);
}

static int bus_errno(const sd_bus_error *e, int r)
{
        int k = sd_bus_error_get_errno(e);
        return k > 0 ? -k : r;
}

/* Read a variant of signature sig ("s" or "u") into a malloc'd string or a u32. */
static int read_variant(sd_bus_message *m, const char *sig, char **ret_s, uint32_t *ret_u)
{
        const char *str;
        int r;

        r = sd_bus_message_enter_container(m, 'v', sig);
        if (r < 0)
                return r;
        if (ret_s) {
                r = sd_bus_message_read_basic(m, 's', &str);
                if (r >= 0) {
                        free(*ret_s);
                        *ret_s = strdup(str);
                        if (!*ret_s)
                                r = -ENOMEM;
                }
        } else
                r = sd_bus_message_read_basic(m, 'u', ret_u);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Socket.Listen: a(ss), e.g. [("Stream", "127.0.0.1:1080")], as "Stream 127.0.0.1:1080". */
static int read_listen(sd_bus_message *m, char ***ret)
{
        const char *type, *addr;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a(ss)");
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(m, "(ss)", &type, &addr)) > 0) {
                char **l = reallocarray(*ret, n + 2, sizeof(char *));
                if (!l)
                        return -ENOMEM;
                *ret = l;
                l[n + 1] = NULL;
                if (asprintf(&l[n], "%s %s", type, addr) < 0) {
                        l[n] = NULL;
                        return -ENOMEM;
                }
                n++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r;
}

/*
 * One GetAll of iface on path into s: the properties status reads, each other one
 * skipped. One round trip instead of one per property (issue 14: `tsproxyctl list` of
 * 100 instances took 1.5 s, mostly in single property reads).
 */
static int get_all(sd_bus *bus, const char *path, const char *iface, UnitState *s)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;
        const char *key;
        int r;

        r = sd_bus_call_method(bus, SD_DEST, path, "org.freedesktop.DBus.Properties", "GetAll", &e, &m, "s",
                               iface);
        if (r < 0) {
                r = bus_errno(&e, r);
                sd_bus_error_free(&e);
                return r;
        }
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read_basic(m, 's', &key);
                if (r < 0)
                        break;
                if (strcmp(key, "LoadState") == 0)
                        r = read_variant(m, "s", &s->load_state, NULL);
                else if (strcmp(key, "ActiveState") == 0)
                        r = read_variant(m, "s", &s->active_state, NULL);
                else if (strcmp(key, "SubState") == 0)
                        r = read_variant(m, "s", &s->sub_state, NULL);
                else if (strcmp(key, "UnitFileState") == 0)
                        r = read_variant(m, "s", &s->unit_file_state, NULL);
                else if (strcmp(key, "Result") == 0)
                        r = read_variant(m, "s", &s->result, NULL);
                else if (strcmp(key, "StatusText") == 0)
                        r = read_variant(m, "s", &s->status_text, NULL);
                else if (strcmp(key, "MainPID") == 0)
                        r = read_variant(m, "u", NULL, &s->main_pid);
                else if (strcmp(key, "NConnections") == 0)
                        r = read_variant(m, "u", NULL, &s->n_connections);
                else if (strcmp(key, "Listen") == 0)
                        r = read_listen(m, &s->listen);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        sd_bus_message_unref(m);
        return r < 0 ? r : 0;
}

int unit_state_get(sd_bus *bus, const char *unit, UnitState *ret)
{
        _cleanup_free_ char *path = NULL;
        const char *dot = strrchr(unit, '.');
        UnitState s = {};
        int r;

        /* The unit's object path from its name: systemd loads the unit when its object is
         * asked for, as LoadUnit does, without that round trip. */
        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &path);
        if (r < 0)
                return r;
        r = get_all(bus, path, SD_UNIT, &s);
        if (r >= 0 && (!s.load_state || !s.active_state || !s.sub_state))
                r = -EBADMSG;
        if (r >= 0 && strcmp(s.load_state, "loaded") == 0 && dot) {
                if (strcmp(dot, ".service") == 0)
                        r = get_all(bus, path, "org.freedesktop.systemd1.Service", &s);
                else if (strcmp(dot, ".socket") == 0)
                        r = get_all(bus, path, "org.freedesktop.systemd1.Socket", &s);
        }
        if (r < 0) {
                unit_state_done(&s);
                return r;
        }
        if (s.status_text && !*s.status_text) {
                free(s.status_text);
                s.status_text = NULL;
        }
        *ret = s;
        return 0;
}

void unit_state_done(UnitState *s)
{
        free(s->load_state);
        free(s->active_state);
        free(s->sub_state);
        free(s->result);
        free(s->unit_file_state);
        free(s->status_text);
        for (char **l = s->listen; l && *l; l++)
                free(*l);
        free(s->listen);
        *s = (UnitState){};
}

bool unit_state_is_good(const UnitState *s)
{
        return s->active_state && strcmp(s->active_state, "active") == 0;
}

char *unit_state_describe(const UnitState *s)
{
        char *d;
        int r;

        if (!s->load_state || strcmp(s->load_state, "loaded") != 0)
                r = asprintf(&d, "%s", s->load_state ? s->load_state : "unknown");
        else if (s->result && strcmp(s->result, "success") != 0 &&
                 strcmp(strempty(s->active_state), "active") != 0)
                r = asprintf(&d, "%s (%s), Result: %s", s->active_state, strempty(s->sub_state), s->result);
        else
                r = asprintf(&d, "%s (%s)", strempty(s->active_state), strempty(s->sub_state));
        return r < 0 ? NULL : d;
}
