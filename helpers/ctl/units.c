/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * units.c: an instance's units, read off the generator's output (see units.h).
 */
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropins.h"

/* What tsproxy@.target Requires= (units/tsproxy@.target.in), in chain order. */
static const char *const required_templates[] = {"ts-netns", "ts-nat", "tailscaled"};

static int units_add(CtlUnits *u, const char *name)
{
        CtlUnit *units;
        char *n;

        for (size_t i = 0; i < u->n; i++)
                if (strcmp(u->units[i].name, name) == 0)
                        return 0;
        n = strdup(name);
        if (!n)
                return -ENOMEM;
        units = reallocarray(u->units, u->n + 1, sizeof(CtlUnit));
        if (!units) {
                free(n);
                return -ENOMEM;
        }
        u->units = units;
        u->units[u->n++] = (CtlUnit){.name = n, .parent = -1};
        return 0;
}

int ctl_units_of(const InstanceConfig *c, CtlUnits *ret)
{
        /* The paths only go into link targets and ExecStart=, which are not looked at. */
        const DropinPaths paths = {.pkglibexecdir = "/", .unitdir = "/"};
        _cleanup_(ctl_units_done) CtlUnits u = {};
        _cleanup_(generated_tree_done) GeneratedTree tree = {};
        char prefix[64], name[128];
        size_t plen;
        int r;

        if (asprintf(&u.target, "tsproxy@%s.target", c->name) < 0) {
                u.target = NULL;
                return -ENOMEM;
        }
        for (size_t i = 0; i < ELEMENTSOF(required_templates); i++) {
                snprintf(name, sizeof(name), "%s@%s.service", required_templates[i], c->name);
                r = units_add(&u, name);
                if (r < 0)
                        return r;
        }

        r = dropins_build(c, c, 1, &paths, &tree); /* the links only: no peers needed */
        plen = (size_t)snprintf(prefix, sizeof(prefix), "tsproxy@%s.target.wants/", c->name);
        for (size_t i = 0; r >= 0 && i < tree.n; i++)
                if (tree.files[i].link_target && strncmp(tree.files[i].path, prefix, plen) == 0)
                        r = units_add(&u, tree.files[i].path + plen);
        if (r < 0)
                return r;

        /* A service hangs under its socket unit (socket activation), as in tsproxy(8). */
        for (size_t i = 0; i < u.n; i++) {
                const char *dot = strrchr(u.units[i].name, '.');
                if (!dot || strcmp(dot, ".service") != 0)
                        continue;
                for (size_t j = 0; j < u.n; j++) {
                        const char *d = strrchr(u.units[j].name, '.');
                        if (d && strcmp(d, ".socket") == 0 && d - u.units[j].name == dot - u.units[i].name &&
                            strncmp(u.units[i].name, u.units[j].name, (size_t)(dot - u.units[i].name)) == 0)
                                u.units[i].parent = (ssize_t)j;
                }
        }
        *ret = TAKE_STRUCT(u);
        return 0;
}

void ctl_units_done(CtlUnits *u)
{
        for (size_t i = 0; i < u->n; i++)
                free(u->units[i].name);
        free(u->units);
        free(u->target);
        *u = (CtlUnits){};
}
