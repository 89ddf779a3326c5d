/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * login-json.h: the LocalAPI bodies tsproxy-login sends and the parts of the answers it
 * reads beyond localapi.h's TailnetStatus. Pure (json-c), unit-tested.
 *
 * Field names from tailscale's source: ipn/backend.go Options {AuthKey, UpdatePrefs};
 * ipn/prefs.go Prefs, NewPrefs (the defaults sent with every start: NetfilterMode on,
 * NoStatefulFiltering true, AutoUpdate.Check true), MaskedPrefs (each field with a
 * "<Field>Set" boolean beside it, AutoUpdateSet {CheckSet, ApplySet}), opt.Bool as JSON
 * true/false/null; ipn/ipnstate/ipnstate.go Status.HaveNodeKey and Health;
 * health/warnings.go's login-state text "You are logged out. The last login error was:".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "login-prefs.h"

/* POST /localapi/v0/start: {"AuthKey": key (omitted when NULL), "UpdatePrefs": the
 * prefs of `tailscale up` with p's flags, WantRunning and auto-update off}. malloc'd;
 * NULL: out of memory. */
char *login_json_start(const LoginPrefs *p, const char *auth_key);

/* PATCH /localapi/v0/prefs: an ipn.MaskedPrefs with the fields of p (and auto-update
 * off) that differ from the current prefs (GET prefs, current_json). *ret (malloc'd) is
 * NULL when nothing differs; *ret_changed lists the fields ("Hostname, RouteAll"), and
 * *ret_control_url the current ControlURL when p names another one (which takes a new
 * login: never changed here). -EBADMSG: not a prefs object; -ENOMEM. */
int login_json_prefs_patch(const LoginPrefs *p, const char *current_json, char **ret, char *ret_changed,
                           size_t changed_size, char *ret_control_url, size_t url_size);

/* From a status answer: HaveNodeKey, and the last login error of the Health list ("" none). */
int login_json_status_extra(const char *status_json, bool *ret_have_node_key, char *ret_login_error,
                            size_t size);
