/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * login.c: `tsproxyctl login NAME [--auth-key-file=PATH]`: log an instance's tailscaled in
 * to its tailnet, through its LocalAPI (localapi.h), as `tailscale login` does
 * (cmd/tailscale/cli/up.go; ipn/localapi/localapi.go routes prefs, start,
 * login-interactive, status; ipn/backend.go Options; ipn/prefs.go MaskedPrefs):
 *  - Running already: say so (tailnet and user), exit 0.
 *  - PATCH prefs {"WantRunning": true} first, so that a node that logs in also starts.
 *  - With a key file (--auth-key-file=, else [Tailscale] AuthKeyFile=): POST start
 *    {"AuthKey": KEY}, then wait for Running (or report the error tailscaled's health
 *    shows through its state staying NeedsLogin).
 *  - Without: POST login-interactive, wait for the AuthURL in the status and print it;
 *    the node logs in when someone opens it.
 * When the LocalAPI does not answer, tailscaled@'s STATUS= says whether it is logged in
 * (the check of the versions before the LocalAPI client), and the command fails.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "fileio.h"
#include "localapi.h"
#include "parse.h"
#include "unit-state.h"

#define LOGIN_TIMEOUT_MS 30000 /* for Running after a key, or for an AuthURL */
#define POLL_MS          100
#define KEY_FILE_MAX     4096

static int64_t now_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The LocalAPI did not answer: what STATUS= says, and exit 1 either way (nothing was done). */
static int fallback(Ctl *ctl, const char *name, const char *socket, int error)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(unit_state_done) UnitState st = {};
        char unit[64];

        log_error_errno(&ctl->log, error, "Failed to reach the LocalAPI of '%s' at %s: %m", name, socket);
        snprintf(unit, sizeof(unit), "tailscaled@%s.service", name);
        if (unit_state_bus_open(&bus) < 0 || unit_state_get(bus, unit, &st) < 0 || !st.active_state)
                return CTL_EXIT_PROBLEMS;
        if (strcmp(st.active_state, "active") != 0)
                log_error(&ctl->log, "%s is %s: start it first (systemctl start tsproxy@%s.target).", unit,
                          st.active_state, name);
        else if (parse_tailscaled_status(st.status_text) == TAILSCALED_LOGIN_CONNECTED)
                log_info(&ctl->log, "%s says \"%s\": it is logged in.", unit, st.status_text);
        else if (st.status_text)
                log_info(&ctl->log, "%s says \"%s\".", unit, st.status_text);
        return CTL_EXIT_PROBLEMS;
}

/* One request that must answer 2xx; logs and returns < 0 otherwise. */
static int call(Ctl *ctl, const char *name, const char *socket, const char *method, const char *path,
                const char *body)
{
        _cleanup_free_ char *answer = NULL;
        int r, status;

        r = localapi_request(socket, method, path, body, LOCALAPI_TIMEOUT_MS, &status, &answer);
        if (r < 0)
                return log_error_errno(&ctl->log, r, "Failed to %s /localapi/v0/%s of '%s': %m", method,
                                       path, name);
        if (status / 100 != 2) {
                if (answer)
                        answer[strcspn(answer, "\n")] = '\0';
                log_error(&ctl->log, "Failed to %s /localapi/v0/%s of '%s': HTTP %d: %s", method, path, name,
                          status, strempty(answer));
                return -EPROTO;
        }
        return 0;
}

static void print_logged_in(const char *name, const TailnetStatus *t)
{
        printf("%s is logged in to the tailnet %s as %s.\n", name,
               *t->tailnet_name ? t->tailnet_name : "(unknown)",
               *t->login_name ? t->login_name : "(unknown user)");
}

static int read_key(Ctl *ctl, const char *path, char **ret)
{
        _cleanup_free_ char *key = NULL;
        size_t n;
        int r;

        r = fileio_read_text(path, KEY_FILE_MAX, &key);
        if (r < 0)
                return log_error_errno(&ctl->log, r, "Failed to read the auth key file '%s': %m", path);
        n = strlen(key);
        while (n > 0 && strchr(" \t\r\n", key[n - 1]))
                key[--n] = '\0';
        if (n == 0 || strpbrk(key, " \t\r\n")) {
                log_error(&ctl->log, "%s: not one auth key (one line, no spaces expected).", path);
                return -EINVAL;
        }
        *ret = TAKE_PTR(key);
        return 0;
}

int ctl_login(Ctl *ctl, int argc, char *argv[])
{
        static const struct option options[] = {
                {"auth-key-file", required_argument, NULL, 'k'},
                {},
        };
        _cleanup_(config_set_done) ConfigSet set = {};
        _cleanup_free_ char *key = NULL, *key_json = NULL, *body = NULL;
        const char *key_file = NULL, *name;
        const InstanceConfig *c;
        char socket[128];
        TailnetStatus t;
        int64_t deadline;
        int opt, r;

        while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (opt) {
                case 'k': key_file = optarg; break;
                default: return CTL_EXIT_USAGE;
                }
        if (optind + 1 != argc) {
                log_error(&ctl->log, "login takes one instance name; see tsproxyctl --help.");
                return CTL_EXIT_USAGE;
        }
        name = argv[optind];
        if (ctl_load_config(ctl, &set) < 0)
                return CTL_EXIT_PROBLEMS;
        c = ctl_find_instance(ctl, &set, name);
        if (!c)
                return CTL_EXIT_UNKNOWN_INSTANCE;
        r = localapi_socket_path(c->name, socket, sizeof(socket));
        if (r >= 0)
                r = localapi_status(socket, LOCALAPI_TIMEOUT_MS, &t);
        if (r < 0)
                return fallback(ctl, c->name, socket, r);
        if (strcmp(t.backend_state, "Running") == 0) {
                print_logged_in(c->name, &t);
                return CTL_EXIT_OK;
        }
        /* The key the instance's login agent has, unless another is named. */
        if (!key_file)
                key_file = c->ts_auth_key_file;
        if (key_file && read_key(ctl, key_file, &key) < 0)
                return CTL_EXIT_PROBLEMS;

        /* ipn.MaskedPrefs: only WantRunning changes. */
        if (call(ctl, c->name, socket, "PATCH", "prefs", "{\"WantRunningSet\":true,\"WantRunning\":true}") <
            0)
                return CTL_EXIT_PROBLEMS;
        if (key) {
                key_json = localapi_json_string(key);
                if (!key_json || asprintf(&body, "{\"AuthKey\":%s}", key_json) < 0)
                        return log_error_errno(&ctl->log, ENOMEM, "Failed to allocate memory: %m"),
                               CTL_EXIT_PROBLEMS;
                if (call(ctl, c->name, socket, "POST", "start", body) < 0)
                        return CTL_EXIT_PROBLEMS;
        } else if (!*t.auth_url && call(ctl, c->name, socket, "POST", "login-interactive", NULL) < 0)
                return CTL_EXIT_PROBLEMS;

        deadline = now_ms() + LOGIN_TIMEOUT_MS;
        for (;;) {
                r = localapi_status(socket, LOCALAPI_TIMEOUT_MS, &t);
                if (r < 0)
                        return log_error_errno(&ctl->log, r, "Failed to read the status of '%s': %m",
                                               c->name),
                               CTL_EXIT_PROBLEMS;
                if (strcmp(t.backend_state, "Running") == 0) {
                        print_logged_in(c->name, &t);
                        return CTL_EXIT_OK;
                }
                if (!key && *t.auth_url) {
                        printf("To log %s in, open:\n\n\t%s\n\n"
                               "(tsproxyctl status %s shows when it is logged in.)\n",
                               c->name, t.auth_url, c->name);
                        return CTL_EXIT_OK;
                }
                if (now_ms() >= deadline)
                        break;
                (void)usleep(POLL_MS * 1000);
        }
        if (key)
                log_error(&ctl->log,
                          "'%s' did not log in with the key in %s within %d s: tailscaled is %s (tsproxyctl "
                          "tailscale "
                          "%s status names the error).",
                          c->name, key_file, LOGIN_TIMEOUT_MS / 1000, t.backend_state, c->name);
        else
                log_error(&ctl->log, "'%s' gave no login URL within %d s: tailscaled is %s.", c->name,
                          LOGIN_TIMEOUT_MS / 1000, t.backend_state);
        return CTL_EXIT_PROBLEMS;
}
