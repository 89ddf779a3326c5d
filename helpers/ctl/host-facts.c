/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * host-facts.c: the host's facts, read once per command (see host-facts.h).
 */
#include "host-facts.h"

#include <dirent.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-journal.h>

#include "instance.h"
#include "units.h"

void strv_free_ctl(char **l)
{
        for (char **p = l; p && *p; p++)
                free(*p);
        free(l);
}

static int strv_push(char ***l, size_t *n, const char *s)
{
        char **t = reallocarray(*l, *n + 2, sizeof(char *));

        if (!t)
                return -ENOMEM;
        *l = t;
        t[*n] = strdup(s);
        if (!t[*n])
                return -ENOMEM;
        t[++*n] = NULL;
        return 0;
}

static int read_netns_dir(const char *dir, char ***ret)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;
        int r = 0;

        *ret = calloc(1, sizeof(char *));
        if (!*ret) {
                if (d)
                        closedir(d);
                return -ENOMEM;
        }
        if (!d)
                return 0; /* no namespace made yet */
        while (r >= 0 && (de = readdir(d)))
                if (de->d_name[0] != '.')
                        r = strv_push(ret, &n, de->d_name);
        closedir(d);
        return r;
}

static int read_targets(sd_bus *bus, char ***ret)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        const char *name, *active;
        size_t n = 0;
        int r;

        *ret = calloc(1, sizeof(char *));
        if (!*ret)
                return -ENOMEM;
        if (!bus)
                return 0;
        r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "ListUnitsByPatterns");
        if (r >= 0)
                r = sd_bus_message_append(m, "as", 0);
        if (r >= 0)
                r = sd_bus_message_append(m, "as", 1, "tsproxy@*.target");
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &e, &reply);
        sd_bus_message_unref(m);
        sd_bus_error_free(&e);
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, &active, NULL,
                                                  NULL, NULL, NULL, NULL, NULL)) > 0) {
                const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
                char inst[256];

                if (!at || !dot || dot <= at + 1 || strcmp(active, "inactive") == 0)
                        continue;
                snprintf(inst, sizeof(inst), "%.*s", (int)(dot - at - 1), at + 1);
                r = strv_push(ret, &n, inst);
        }
        sd_bus_message_unref(reply);
        return r < 0 ? r : 0;
}

int host_facts_read(const Ctl *ctl, sd_bus *bus, HostFacts *ret)
{
        _cleanup_(host_facts_done) HostFacts h = {};
        int r;

        r = netfacts_read(&h.links);
        if (r >= 0) {
                h.rules_error = netread_rules(&h.rules);
                if (h.rules_error == -ENOMEM)
                        r = -ENOMEM;
        }
        if (r >= 0) {
                h.nft_error = nftread_inet(&h.nft);
                if (h.nft_error == -EPERM || h.nft_error == -EACCES || h.nft_error == -ENOMEM)
                        r = h.nft_error;
        }
        if (r >= 0)
                r = read_netns_dir(ctl->netns_dir, &h.netns);
        if (r >= 0 && read_targets(bus, &h.targets) == -ENOMEM)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_STRUCT(h);
        return 0;
}

void host_facts_done(HostFacts *h)
{
        netfacts_done(&h->links);
        netrules_done(&h->rules);
        nftfacts_done(&h->nft);
        strv_free_ctl(h->netns);
        strv_free_ctl(h->targets);
        unit_prefetch_done(&h->units);
        sd_journal_close(h->journal);
        strv_free_ctl(h->unit_names);
        *h = (HostFacts){};
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

char **host_facts_orphans(const HostFacts *h, const ConfigSet *set)
{
        char **out = calloc(1, sizeof(char *));
        size_t n = 0;
        char **lists[] = {h->netns, h->targets};

        for (size_t k = 0; out && k < ELEMENTSOF(lists); k++)
                for (char **p = lists[k]; p && *p; p++) {
                        bool dup = false;
                        char ifname[IFNAMSIZ];
                        if (config_set_find(set, *p))
                                continue;
                        /* Another tool's namespace is none of ours: ours has its veth. */
                        if (k == 0 &&
                            (instance_host_ifname(*p, ifname) < 0 || !netfacts_link(&h->links, ifname)))
                                continue;
                        for (size_t i = 0; i < n && !dup; i++)
                                dup = strcmp(out[i], *p) == 0;
                        if (!dup && strv_push(&out, &n, *p) < 0) {
                                strv_free_ctl(out);
                                return NULL;
                        }
                }
        if (out)
                qsort(out, n, sizeof(char *), cmp_str);
        return out;
}

bool host_facts_listed(char *const *l, const char *name)
{
        for (; l && *l; l++)
                if (strcmp(*l, name) == 0)
                        return true;
        return false;
}

char *host_facts_orphan_fact(const Ctl *ctl, const HostFacts *h, const char *name)
{
        bool ns = host_facts_listed(h->netns, name), target = host_facts_listed(h->targets, name);
        char *s;

        if (asprintf(&s, "running without configuration: no %s.conf; %s%s%s%s%s", name,
                     target ? "tsproxy@" : "", target ? name : "", target ? ".target not inactive" : "",
                     target && ns ? ", " : "", ns ? "namespace present" : "") < 0)
                return NULL;
        (void)ctl;
        return s;
}

int host_facts_prefetch_units(HostFacts *h, sd_bus *bus, const ConfigSet *set, bool details)
{
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < set->n_instances; i++) {
                _cleanup_(ctl_units_done) CtlUnits u = {};
                if (!set->instances[i].valid)
                        continue;
                r = ctl_units_of(&set->instances[i], &u);
                if (r >= 0)
                        r = strv_push(&h->unit_names, &n, u.target);
                for (size_t j = 0; r >= 0 && j < u.n; j++)
                        r = strv_push(&h->unit_names, &n, u.units[j].name);
        }
        if (r >= 0 && n > 0)
                r = unit_state_prefetch(bus, h->unit_names, n, details, &h->units);
        return r;
}

int host_facts_unit_state(HostFacts *h, sd_bus *bus, const char *unit, UnitState *ret)
{
        if (unit_prefetch_take(&h->units, unit, ret) >= 0)
                return 0;
        return unit_state_get(bus, unit, ret);
}
