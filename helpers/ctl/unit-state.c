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

static int get_string(sd_bus *bus, const char *path, const char *iface, const char *prop, char **ret)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_string(bus, SD_DEST, path, iface, prop, &e, ret);

        if (r < 0)
                r = bus_errno(&e, r);
        sd_bus_error_free(&e);
        return r;
}

static int get_u32(sd_bus *bus, const char *path, const char *iface, const char *prop, uint32_t *ret)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_get_property_trivial(bus, SD_DEST, path, iface, prop, &e, 'u', ret);

        if (r < 0)
                r = bus_errno(&e, r);
        sd_bus_error_free(&e);
        return r;
}

/* Socket.Listen: a(ss), e.g. [("Stream", "127.0.0.1:1080")]. */
static int get_listen(sd_bus *bus, const char *path, char ***ret)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;
        char **list = NULL;
        size_t n = 0;
        const char *type, *addr;
        int r;

        r = sd_bus_get_property(bus, SD_DEST, path, "org.freedesktop.systemd1.Socket", "Listen", &e, &m,
                                "a(ss)");
        if (r < 0) {
                r = bus_errno(&e, r);
                sd_bus_error_free(&e);
                return r;
        }
        r = sd_bus_message_enter_container(m, 'a', "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(m, "(ss)", &type, &addr)) > 0) {
                char **l = reallocarray(list, n + 2, sizeof(char *));
                if (!l) {
                        r = -ENOMEM;
                        break;
                }
                list = l;
                if (asprintf(&list[n], "%s %s", type, addr) < 0) {
                        list[n] = NULL;
                        r = -ENOMEM;
                        break;
                }
                list[++n] = NULL;
        }
        sd_bus_message_unref(m);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(list[i]);
                free(list);
                return r;
        }
        *ret = list;
        return 0;
}

int unit_state_get(sd_bus *bus, const char *unit, UnitState *ret)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        const char *p, *dot = strrchr(unit, '.');
        UnitState s = {};
        int r;

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MGR, "LoadUnit", &e, &reply, "s", unit);
        if (r < 0) {
                r = bus_errno(&e, r);
                sd_bus_error_free(&e);
                return r;
        }
        r = sd_bus_message_read(reply, "o", &p);
        if (r >= 0)
                path = strdup(p);
        sd_bus_message_unref(reply);
        if (r < 0)
                return r;
        if (!path)
                return -ENOMEM;

        r = get_string(bus, path, SD_UNIT, "LoadState", &s.load_state);
        if (r >= 0)
                r = get_string(bus, path, SD_UNIT, "ActiveState", &s.active_state);
        if (r >= 0)
                r = get_string(bus, path, SD_UNIT, "SubState", &s.sub_state);
        if (r >= 0)
                r = get_string(bus, path, SD_UNIT, "UnitFileState", &s.unit_file_state);
        if (r >= 0 && strcmp(s.load_state, "loaded") == 0 && dot) {
                if (strcmp(dot, ".service") == 0) {
                        const char *svc = "org.freedesktop.systemd1.Service";
                        r = get_string(bus, path, svc, "Result", &s.result);
                        if (r >= 0)
                                r = get_string(bus, path, svc, "StatusText", &s.status_text);
                        if (r >= 0)
                                r = get_u32(bus, path, svc, "MainPID", &s.main_pid);
                } else if (strcmp(dot, ".socket") == 0) {
                        const char *sock = "org.freedesktop.systemd1.Socket";
                        r = get_string(bus, path, sock, "Result", &s.result);
                        if (r >= 0)
                                r = get_u32(bus, path, sock, "NConnections", &s.n_connections);
                        if (r >= 0)
                                r = get_listen(bus, path, &s.listen);
                }
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
