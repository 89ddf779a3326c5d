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

/*
 * Many units at once: one ListUnitsByPatterns for the states, then pipelined small Gets
 * for the rest (details: what the status tree shows of services and sockets; without,
 * only what list judges by); `list` and `status` of 100 instances ask for
 * 600 units, and one round trip after another took most of their time (issue 14).
 * units: n names that must outlive the UnitPrefetch. Errors of single units are kept
 * (unit_prefetch_take() then says -ENOENT and the caller asks unit_state_get()).
 */
#define PREFETCH_WINDOW 64
typedef struct UnitPrefetchItem {
        const char *name;
        UnitState state;
        int error;
        bool taken;
} UnitPrefetchItem;

typedef struct UnitPrefetch {
        size_t n;
        UnitPrefetchItem *items;
} UnitPrefetch;

int unit_state_prefetch(sd_bus *bus, char *const *units, size_t n, bool details, UnitPrefetch *ret);
/* Move unit's prefetched state into ret (once): 0, or -ENOENT (not there, or failed). */
int unit_prefetch_take(UnitPrefetch *p, const char *unit, UnitState *ret);
void unit_prefetch_done(UnitPrefetch *p);

/* active (running / listening / exited for a oneshot): the healthy states. */
bool unit_state_is_good(const UnitState *s);
/* "active (running)", "failed (Result: exit-code)", "inactive (dead)". malloc'd. */
char *unit_state_describe(const UnitState *s);
