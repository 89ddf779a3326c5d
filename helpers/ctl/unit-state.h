/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit-state.h: what systemd says about a unit, over the system bus (sd-bus).
 *
 * The object path is the unit's name encoded (systemd loads a unit that is not loaded
 * when its object is asked for, as LoadUnit would; GetUnit would fail); then one GetAll
 * of org.freedesktop.systemd1.Unit and, by the unit's type, one of .Service (MainPID,
 * StatusText, Result) or .Socket (Listen, NConnections, Result): two round trips a unit.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "macro.h"

typedef struct UnitState {
        char *load_state;      /* "loaded", "not-found", ... */
        char *active_state;    /* "active", "failed", ... */
        char *sub_state;       /* "running", "exited", "listening", ... */
        char *result;          /* "success", "exit-code", ... (services and sockets) */
        char *unit_file_state; /* "static", "enabled", "generated", "" ... */
        char *status_text;     /* STATUS= of a service, or NULL */
        uint32_t main_pid;
        uint32_t n_connections; /* sockets */
        char **listen;          /* sockets: "Stream 127.0.0.1:1080", NULL-terminated, or NULL */
} UnitState;

/* The system bus: -EPERM/-EACCES, or -ENOENT/-ECONNREFUSED when there is no systemd. */
int unit_state_bus_open(sd_bus **ret);
/* Fill ret for unit. A unit that does not exist gives load_state "not-found", not an error. */
int unit_state_get(sd_bus *bus, const char *unit, UnitState *ret);
void unit_state_done(UnitState *s);

/* active (running / listening / exited for a oneshot): the healthy states. */
bool unit_state_is_good(const UnitState *s);
/* "active (running)", "failed (Result: exit-code)", "inactive (dead)". malloc'd. */
char *unit_state_describe(const UnitState *s);
