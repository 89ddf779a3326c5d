/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-state.h: what the fake tailscaled persists: its prefs (the fields of tailscale's
 * ipn.Prefs that tsproxy and its tests use) and its login (node key, login name, user,
 * address), in a key=value state file; the prefs' JSON both ways (ipn.Prefs out,
 * ipn.Prefs and ipn.MaskedPrefs in).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fake-json.h"

typedef struct Prefs {
        char control_url[256];
        char hostname[64];
        char advertise_tags[512]; /* comma-separated */
        bool route_all, corp_dns, want_running, logged_out, auto_update_check;
        int auto_update_apply; /* -1 unset (JSON null), 0 false, 1 true */
        int netfilter_mode;    /* 0 off, 1 nodivert, 2 on */
} Prefs;

typedef struct Login {
        bool logged_in;
        char node_key[65]; /* hex */
        char login_name[128];
        uint64_t user_id;
        uint32_t address;
} Login;

/* ipn/prefs.go NewPrefs(): CorpDNS, NetfilterMode on, AutoUpdate.Check, Apply unset. */
void prefs_init(Prefs *p);
/* ipn.Prefs as JSON (Persist as "Config", null). */
void prefs_write_json(const Prefs *p, FILE *f);
/* Apply a JSON object: masked (ipn.MaskedPrefs): a field is taken when its <Field>Set
 * is true; else (ipn.Prefs in ipn.Options.UpdatePrefs) when it is present. -EINVAL on a
 * value of the wrong type. */
int prefs_apply_json(Prefs *p, JsonSlice obj, bool masked);

/* Load path (-ENOENT when there is none yet); save it atomically (parent made 0700). */
int state_load(const char *path, Prefs *p, Login *l);
int state_save(const char *path, const char *name, const Prefs *p, const Login *l);
