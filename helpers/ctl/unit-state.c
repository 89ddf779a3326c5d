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
static int parse_props(sd_bus_message *m, UnitState *s)
{
        const char *key;
        int r;

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
        return r < 0 ? r : 0;
}

static int get_all(sd_bus *bus, const char *path, const char *iface, UnitState *s)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_call_method(bus, SD_DEST, path, "org.freedesktop.DBus.Properties", "GetAll", &e, &m, "s",
                               iface);
        if (r < 0) {
                r = bus_errno(&e, r);
                sd_bus_error_free(&e);
                return r;
        }
        r = parse_props(m, s);
        sd_bus_message_unref(m);
        return r;
}

/* The type interface of a unit: Service or Socket, or NULL. */
static const char *type_iface(const char *unit)
{
        const char *dot = strrchr(unit, '.');

        if (dot && strcmp(dot, ".service") == 0)
                return "org.freedesktop.systemd1.Service";
        if (dot && strcmp(dot, ".socket") == 0)
                return "org.freedesktop.systemd1.Socket";
        return NULL;
}

/* One pipelined call: GetAll of iface (prop NULL), or Get of one property. */
typedef struct PrefetchCall {
        UnitPrefetchItem *item;
        size_t *pending;
        const char *iface, *prop;
} PrefetchCall;

static int prefetch_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        PrefetchCall *c = userdata;
        UnitState *s = &c->item->state;
        int r;

        (void)ret_error;
        (*c->pending)--;
        if (sd_bus_message_is_method_error(m, NULL)) {
                int k = sd_bus_error_get_errno(sd_bus_message_get_error(m));
                if (c->item->error >= 0)
                        c->item->error = k > 0 ? -k : -EIO;
                return 0;
        }
        if (!c->prop)
                r = parse_props(m, s);
        else if (strcmp(c->prop, "UnitFileState") == 0)
                r = read_variant(m, "s", &s->unit_file_state, NULL);
        else if (strcmp(c->prop, "StatusText") == 0)
                r = read_variant(m, "s", &s->status_text, NULL);
        else if (strcmp(c->prop, "Result") == 0)
                r = read_variant(m, "s", &s->result, NULL);
        else if (strcmp(c->prop, "MainPID") == 0)
                r = read_variant(m, "u", NULL, &s->main_pid);
        else if (strcmp(c->prop, "Listen") == 0)
                r = read_listen(m, &s->listen);
        else
                r = -EINVAL;
        if (r < 0 && c->item->error >= 0)
                c->item->error = -EBADMSG;
        return 0;
}

static int cmp_item(const void *a, const void *b)
{
        return strcmp(((const UnitPrefetchItem *)a)->name, ((const UnitPrefetchItem *)b)->name);
}

/* One ListUnitsByPatterns for the names: the states of those systemd has loaded. */
static int list_units(sd_bus *bus, char *const *units, size_t n, UnitPrefetch *p)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        const char *name, *load, *active, *sub;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MGR, "ListUnitsByPatterns");
        if (r >= 0)
                r = sd_bus_message_append(m, "as", 0);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append_basic(m, 's', units[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0) {
                r = sd_bus_call(bus, m, 0, &e, &reply);
                if (r < 0)
                        r = bus_errno(&e, r);
        }
        sd_bus_message_unref(m);
        sd_bus_error_free(&e);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, &load, &active, &sub,
                                                  NULL, NULL, NULL, NULL, NULL)) > 0) {
                UnitPrefetchItem key = {.name = name},
                                 *it = bsearch(&key, p->items, p->n, sizeof(key), cmp_item);
                if (!it || it->state.load_state)
                        continue;
                it->state.load_state = strdup(load);
                it->state.active_state = strdup(active);
                it->state.sub_state = strdup(sub);
                if (!it->state.load_state || !it->state.active_state || !it->state.sub_state)
                        r = -ENOMEM;
        }
        sd_bus_message_unref(reply);
        return r < 0 ? r : 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

int unit_state_prefetch(sd_bus *bus, char *const *units, size_t n, bool details, UnitPrefetch *ret)
{
        _cleanup_free_ PrefetchCall *calls = NULL;
        _cleanup_free_ sd_bus_slot **slots = NULL;
        _cleanup_(unit_prefetch_done) UnitPrefetch p = {.n = n};
        size_t n_calls = 0, pending = 0, sent = 0, max_calls = 4 * n + 1;
        int r = 0;

        p.items = calloc(n, sizeof(UnitPrefetchItem));
        calls = calloc(max_calls, sizeof(PrefetchCall));
        slots = calloc(max_calls, sizeof(sd_bus_slot *));
        if (!p.items || !calls || !slots)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                p.items[i].name = units[i];
        qsort(p.items, n, sizeof(UnitPrefetchItem), cmp_item);
        r = list_units(bus, units, n, &p);
        /* Then only what ListUnitsByPatterns does not say, each a small Get: a unit it
         * does not list (not loaded) in full; a target's UnitFileState (enabled);
         * tailscaled's StatusText (logged in?); with details, a service's MainPID,
         * StatusText and Result and a socket's Listen and Result. */
        for (size_t i = 0; r >= 0 && i < n; i++) {
                UnitPrefetchItem *it = &p.items[i];
                const char *iface = type_iface(it->name);
                const char *props[4] = {};
                size_t k = 0;

                if (!it->state.load_state)
                        calls[n_calls++] = (PrefetchCall){it, &pending, SD_UNIT, NULL};
                if (strstr(it->name, ".target"))
                        props[k++] = "UnitFileState";
                if (iface && strstr(iface, "Service") && (details || has_prefix(it->name, "tailscaled@")))
                        props[k++] = "StatusText";
                if (iface && details) {
                        props[k++] = "Result";
                        props[k++] = strstr(iface, "Service") ? "MainPID" : "Listen";
                }
                for (size_t j = 0; j < k; j++)
                        calls[n_calls++] = (PrefetchCall){
                                it, &pending, strcmp(props[j], "UnitFileState") == 0 ? SD_UNIT : iface,
                                props[j]};
        }
        /* Pipelined: up to PREFETCH_WINDOW calls in flight (the system bus refuses more than
         * 128 pending replies per connection), instead of one round trip after another. */
        while (r >= 0 && (sent < n_calls || pending > 0)) {
                while (r >= 0 && sent < n_calls && pending < PREFETCH_WINDOW) {
                        PrefetchCall *c = &calls[sent];
                        _cleanup_free_ char *path = NULL;

                        r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", c->item->name, &path);
                        if (r >= 0 && c->prop)
                                r = sd_bus_call_method_async(bus, &slots[sent], SD_DEST, path,
                                                             "org.freedesktop.DBus.Properties", "Get",
                                                             prefetch_reply, c, "ss", c->iface, c->prop);
                        else if (r >= 0)
                                r = sd_bus_call_method_async(bus, &slots[sent], SD_DEST, path,
                                                             "org.freedesktop.DBus.Properties", "GetAll",
                                                             prefetch_reply, c, "s", c->iface);
                        if (r >= 0) {
                                pending++;
                                sent++;
                        }
                }
                if (r < 0)
                        break;
                r = sd_bus_process(bus, NULL);
                if (r == 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
        }
        for (size_t i = 0; i < sent; i++)
                sd_bus_slot_unref(slots[i]);
        if (r < 0)
                return r;
        *ret = TAKE_STRUCT(p);
        return 0;
}

int unit_prefetch_take(UnitPrefetch *p, const char *unit, UnitState *ret)
{
        UnitPrefetchItem key = {.name = unit}, *it;

        it = p && p->items ? bsearch(&key, p->items, p->n, sizeof(key), cmp_item) : NULL;
        if (it && !it->taken) {
                it->taken = true;
                if (it->error < 0 || !it->state.load_state || !it->state.active_state ||
                    !it->state.sub_state)
                        return -ENOENT; /* ask again, one at a time */
                if (it->state.status_text && !*it->state.status_text) {
                        free(it->state.status_text);
                        it->state.status_text = NULL;
                }
                *ret = it->state;
                it->state = (UnitState){};
                return 0;
        }
        return -ENOENT;
}

void unit_prefetch_done(UnitPrefetch *p)
{
        for (size_t i = 0; p->items && i < p->n; i++)
                unit_state_done(&p->items[i].state);
        free(p->items);
        *p = (UnitPrefetch){};
}

int unit_state_get(sd_bus *bus, const char *unit, UnitState *ret)
{
        _cleanup_free_ char *path = NULL;
        const char *dot = strrchr(unit, '.');
        _cleanup_(unit_state_done) UnitState s = {};
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
        if (r < 0)
                return r;
        if (s.status_text && !*s.status_text) {
                free(s.status_text);
                s.status_text = NULL;
        }
        *ret = TAKE_STRUCT(s);
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
