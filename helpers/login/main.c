/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tsproxy-login: keeps an instance's tailscaled logged in, unattended, and tells the
 * daemons the tailnet's MagicDNS suffix (ts-login@NAME.service, tsproxy-login(8)).
 *
 * A small long-running agent rather than a oneshot: a login is asynchronous (tailscaled
 * may need the control server for seconds or minutes), a lost state directory or an
 * expired node needs a new login long after the instance started, and the MagicDNS
 * suffix changes when the tailnet does. It reads GET /localapi/v0/status every second
 * (every 5 s while Running: one small request, no peers) and acts as
 * cmd/tailscale/cli/up.go does:
 *  - NeedsLogin with an auth key: POST start {AuthKey, UpdatePrefs}, then
 *    login-interactive when the node has no node key (the control client carries the
 *    key, so no URL is made). Once per agent run, and again only after a login that
 *    worked: a bad or expired key is reported once, with the control server's words
 *    (the status's Health line "The last login error was: ..."), and waits for a
 *    restart of ts-login@ or of tailscaled@ (PartOf= restarts it), never a loop.
 *  - NeedsLogin without a key: start with the prefs, login-interactive, and the login
 *    URL into STATUS= and the journal (once per URL).
 *  - Running: once per login, PATCH /localapi/v0/prefs with the settings that differ
 *    (ipn.MaskedPrefs), never logging out; a different LoginServer= is only reported,
 *    since moving to another control server takes a new login. Auto-update stays off.
 *  - Every state: the suffix file (/run/tsproxy/NAME/magicdns-suffix, one line,
 *    replaced atomically) follows CurrentTailnet.MagicDNSSuffix; it is removed when the
 *    node needs a login.
 * The auth key comes from a file (LoadCredential=, $CREDENTIALS_DIRECTORY), is held in
 * memory only and leaves the process only in the body of POST start over the root-only
 * unix socket: never in argv, the environment or the journal.
 *
 * Environment: SYSTEMD_LOG_TARGET, SYSTEMD_LOG_LEVEL, NOTIFY_SOCKET, read once in main().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "build-config.h"
#include "daemon-limits.h" /* EXIT_BAD_ARGUMENTS */
#include "fileio.h"
#include "instance.h"
#include "localapi.h"
#include "log.h"
#include "login-json.h"
#include "login-prefs.h"
#include "macro.h"
#include "notify.h"
#include "tailnet-suffix.h"

#define POLL_MS         1000
#define POLL_RUNNING_MS 5000
#define AUTH_KEY_MAX    4096

typedef struct Agent {
        const Logger *log;
        const char *notify_socket;
        const char *name;
        char socket[108];
        char suffix_path[256];
        LoginPrefs prefs;
        char *auth_key; /* NULL: none */
        /* What happened in this run. */
        bool key_tried;     /* the key was sent; again only after a login that worked */
        bool key_failed;    /* its failure was reported */
        bool interactive;   /* an interactive login was started */
        bool prefs_checked; /* the prefs were compared since the node was last Running */
        bool api_down;      /* the LocalAPI did not answer last time */
        char state[32];
        char url[512];
        char suffix[256]; /* what the file holds ("": no file) */
        char status[768];
} Agent;

static void help(void)
{
        printf("%s NAME [--auth-key-file=PATH] [--socket=PATH] [--magicdns-suffix-file=PATH]\n"
               "        [--login-server=URL] [--hostname=NAME] [--advertise-tags=TAGS]\n"
               "        [--accept-routes[=BOOL]] [TAILSCALE-UP-FLAGS...]\n"
               "\n"
               "Keep tsproxy instance NAME's tailscaled logged in (with the auth key when one is\n"
               "given, else by leaving the login URL in STATUS=), apply its settings without\n"
               "logging out, and keep the tailnet's MagicDNS suffix in a file for the daemons.\n"
               "The flags of `tailscale up` taken: --accept-dns, --shields-up, --advertise-routes,\n"
               "--advertise-exit-node, --exit-node, --exit-node-allow-lan-access,\n"
               "--snat-subnet-routes.\n"
               "\n"
               "See the tsproxy-login(8) man page for details.\n",
               program_invocation_short_name);
}

static void notify_status(Agent *a, const char *fmt, ...) _printf_(2, 3);
static void notify_status(Agent *a, const char *fmt, ...)
{
        char buf[sizeof(a->status)];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (strcmp(buf, a->status) == 0)
                return;
        snprintf(a->status, sizeof(a->status), "%s", buf);
        (void)notify_sendf(a->notify_socket, "STATUS=%s", buf);
}

/* The key file's first line without white space around it. */
static int read_auth_key(const char *path, char **ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        char buf[AUTH_KEY_MAX + 1];
        ssize_t n;
        char *s, *e;

        if (fd < 0)
                return negative_errno();
        n = read(fd, buf, sizeof(buf));
        if (n < 0)
                return negative_errno();
        if (n > AUTH_KEY_MAX)
                return -EFBIG;
        buf[n] = '\0';
        s = buf + strspn(buf, " \t\r\n");
        s[strcspn(s, "\r\n")] = '\0';
        for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
                e[-1] = '\0';
        *ret = *s ? strdup(s) : NULL;
        explicit_bzero(buf, sizeof(buf));
        return !*s ? -ENODATA : *ret ? 0 : -ENOMEM;
}

/* The rest of s after prefix, or NULL. */
static const char *after(const char *s, const char *prefix)
{
        size_t n = strlen(prefix);

        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* > 0: run; 0: done (--help, --version); < 0: invalid arguments, logged. */
static int parse_argv(const Logger *log, int argc, char *argv[], Agent *a)
{
        const char *key_file = NULL, *why = NULL, *reason = NULL;
        int r;

        login_prefs_init(&a->prefs);
        for (int i = 1; i < argc; i++) {
                const char *w = argv[i];

                if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0)
                        return help(), 0;
                if (strcmp(w, "--version") == 0)
                        return printf("tsproxy-login %s\n", PACKAGE_VERSION), 0;
                if (w[0] != '-') {
                        if (a->name)
                                return log_error_errno(log, EINVAL, "Unexpected argument '%s'.", w);
                        a->name = w;
                } else if (after(w, "--auth-key-file="))
                        key_file = after(w, "--auth-key-file=");
                else if (after(w, "--socket="))
                        snprintf(a->socket, sizeof(a->socket), "%s", after(w, "--socket="));
                else if (after(w, "--magicdns-suffix-file="))
                        snprintf(a->suffix_path, sizeof(a->suffix_path), "%s",
                                 after(w, "--magicdns-suffix-file="));
                else if (login_prefs_apply_flag(&a->prefs, w, LOGIN_FLAG_AGENT, &why) < 0)
                        return log_error_errno(log, EINVAL, "Invalid argument '%s': %s", w, why);
        }
        why = login_prefs_check(&a->prefs);
        if (why)
                return log_error_errno(log, EINVAL, "Invalid arguments: %s", why);
        if (!a->name || instance_name_check(a->name, &reason) < 0)
                return log_error_errno(log, EINVAL, "Invalid instance name '%s': %s", strempty(a->name),
                                       reason ?: "missing");
        if (!a->socket[0] && localapi_socket_path(a->name, a->socket, sizeof(a->socket)) < 0)
                return log_error_errno(log, EINVAL, "Instance name '%s' too long for a socket path.",
                                       a->name);
        if (!a->suffix_path[0])
                snprintf(a->suffix_path, sizeof(a->suffix_path),
                         RUNTIME_DIR_PREFIX "/%s/" TAILNET_SUFFIX_FILE, a->name);
        if (key_file) {
                r = read_auth_key(key_file, &a->auth_key);
                if (r == -ENODATA)
                        log_warning(log, "The auth key file '%s' is empty, logging in without a key.",
                                    key_file);
                else if (r < 0)
                        return log_error_errno(log, r, "Failed to read the auth key file '%s': %m",
                                               key_file);
        }
        return 1;
}

/* The suffix file: one line, replaced atomically; "" removes it. */
static void suffix_set(Agent *a, const char *suffix)
{
        char text[sizeof(a->suffix) + 1], dir[sizeof(a->suffix_path)];
        _cleanup_close_ int dfd = -EBADF;
        char *slash;
        int r;

        if (strcmp(a->suffix, suffix) == 0)
                return;
        snprintf(dir, sizeof(dir), "%s", a->suffix_path);
        slash = strrchr(dir, '/');
        if (!slash)
                return;
        *slash = '\0';
        dfd = open(dir[0] ? dir : "/", O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return (void)log_warning_errno(a->log, errno, "Failed to open '%s': %m", dir);
        if (!*suffix) {
                if (unlinkat(dfd, slash + 1, 0) < 0 && errno != ENOENT)
                        return (void)log_warning_errno(a->log, errno, "Failed to remove '%s': %m",
                                                       a->suffix_path);
                log_info(a->log, "Removed %s: the node is logged out.", a->suffix_path);
        } else {
                snprintf(text, sizeof(text), "%s\n", suffix);
                r = fileio_write_atomic_at(dfd, slash + 1, text, 0644);
                if (r < 0)
                        return (void)log_warning_errno(a->log, r, "Failed to write '%s': %m",
                                                       a->suffix_path);
                log_info(a->log, "The tailnet's MagicDNS suffix is %s (%s).", suffix, a->suffix_path);
        }
        snprintf(a->suffix, sizeof(a->suffix), "%s", suffix);
}

/* One POST or PATCH; the answer's text goes into the error when it fails. */
static int call(Agent *a, const char *method, const char *path, const char *body)
{
        _cleanup_free_ char *answer = NULL;
        int r, code = 0;

        r = localapi_request(a->socket, method, path, body, LOCALAPI_TIMEOUT_MS, &code, &answer);
        if (r < 0)
                return log_error_errno(a->log, r, "Failed to %s %s of tailscaled: %m", method, path);
        if (code < 200 || code > 299) {
                if (answer)
                        answer[strcspn(answer, "\n")] = '\0';
                log_error(a->log, "Failed to %s %s of tailscaled: HTTP %d: %s", method, path, code,
                          strempty(answer));
                return -EPROTO;
        }
        return 0;
}

static void needs_login(Agent *a, const TailnetStatus *st, bool have_node_key, const char *login_error)
{
        _cleanup_free_ char *body = NULL;

        suffix_set(a, "");
        if (a->auth_key && !a->key_tried) {
                a->key_tried = true;
                log_info(a->log, "Logging in to %s with the auth key.",
                         a->prefs.control_url[0] ? a->prefs.control_url : "the default control server");
                notify_status(a, "Logging in with the auth key");
                body = login_json_start(&a->prefs, a->auth_key);
                if (!body || call(a, "POST", "start", body) < 0)
                        return;
                explicit_bzero(body, strlen(body));
                if (!have_node_key)
                        (void)call(a, "POST", "login-interactive", NULL);
                return;
        }
        if (a->auth_key) {
                if (login_error[0] && !a->key_failed) {
                        a->key_failed = true;
                        log_error(a->log,
                                  "Failed to log in with the auth key: %s. Not retried until ts-login@%s or "
                                  "tailscaled@%s restarts.",
                                  login_error, a->name, a->name);
                        notify_status(a, "Login with the auth key failed: %s", login_error);
                }
                return;
        }
        if (!a->interactive) {
                a->interactive = true;
                body = login_json_start(&a->prefs, NULL);
                if (!body || call(a, "POST", "start", body) < 0 ||
                    call(a, "POST", "login-interactive", NULL) < 0)
                        return;
        }
        if (st->auth_url[0] && strcmp(st->auth_url, a->url) != 0) {
                snprintf(a->url, sizeof(a->url), "%s", st->auth_url);
                log_notice(a->log, "To log in instance %s, visit: %s", a->name, a->url);
        }
        if (a->url[0])
                notify_status(a, "Needs login: %s", a->url);
        else
                notify_status(a, "Needs login; waiting for the login URL");
}

static void running(Agent *a, const TailnetStatus *st)
{
        _cleanup_free_ char *current = NULL, *patch = NULL;
        char changed[256], url[LOGIN_URL_MAX];
        int r, code = 0;

        if (a->key_tried || a->interactive || !a->prefs_checked)
                log_info(a->log, "Logged in as %s to tailnet %s.", st->login_name[0] ? st->login_name : "?",
                         st->tailnet_name[0] ? st->tailnet_name : "?");
        /* A login that worked: the next loss of it gets the key again. */
        a->key_tried = a->key_failed = a->interactive = false;
        a->url[0] = '\0';
        if (!a->prefs_checked) {
                a->prefs_checked = true;
                r = localapi_request(a->socket, "GET", "prefs", NULL, LOCALAPI_TIMEOUT_MS, &code, &current);
                if (r < 0 || code != 200)
                        log_warning_errno(a->log, r < 0 ? r : EPROTO,
                                          "Failed to read tailscaled's prefs: %m");
                else if ((r = login_json_prefs_patch(&a->prefs, current, &patch, changed, sizeof(changed),
                                                     url, sizeof(url))) < 0)
                        log_warning_errno(a->log, r, "Failed to compare tailscaled's prefs: %m");
                else {
                        if (url[0])
                                log_warning(a->log,
                                            "The node is logged in to %s, not to LoginServer=%s; moving it "
                                            "takes a new login: tsproxyctl tailscale %s logout.",
                                            url, a->prefs.control_url, a->name);
                        if (patch && call(a, "PATCH", "prefs", patch) >= 0)
                                log_info(a->log, "Applied the changed settings without logging out: %s.",
                                         changed);
                }
        }
        if (st->magicdns_suffix[0]) {
                char suffix[sizeof(st->magicdns_suffix)];
                snprintf(suffix, sizeof(suffix), "%s", st->magicdns_suffix);
                if (suffix[strlen(suffix) - 1] == '.')
                        suffix[strlen(suffix) - 1] = '\0';
                suffix_set(a, suffix);
        }
        notify_status(a, "Running; logged in as %s, tailnet %s", st->login_name, st->tailnet_name);
}

static int step(Agent *a)
{
        _cleanup_free_ char *body = NULL;
        TailnetStatus st;
        char login_error[512];
        bool have_node_key = false;
        int r, code = 0;

        r = localapi_request(a->socket, "GET", "status?peers=false", NULL, LOCALAPI_TIMEOUT_MS, &code,
                             &body);
        if (r >= 0 && code != 200)
                r = -EPROTO;
        if (r >= 0)
                r = localapi_status_parse(body, strlen(body), &st);
        if (r >= 0)
                r = login_json_status_extra(body, &have_node_key, login_error, sizeof(login_error));
        if (r < 0) {
                if (!a->api_down)
                        log_warning_errno(a->log, r, "Failed to read the status of tailscaled (%s): %m",
                                          a->socket);
                a->api_down = true;
                notify_status(a, "Waiting for tailscaled's LocalAPI");
                return POLL_MS;
        }
        a->api_down = false;
        if (strcmp(st.backend_state, a->state) != 0) {
                log_debug(a->log, "tailscaled's state: %s", st.backend_state);
                snprintf(a->state, sizeof(a->state), "%s", st.backend_state);
                if (strcmp(st.backend_state, "Running") != 0)
                        a->prefs_checked = false;
        }
        if (strcmp(st.backend_state, "NeedsLogin") == 0) {
                needs_login(a, &st, have_node_key, login_error);
                return POLL_MS;
        }
        if (strcmp(st.backend_state, "Running") == 0) {
                running(a, &st);
                return POLL_RUNNING_MS;
        }
        if (strcmp(st.backend_state, "Stopped") == 0)
                notify_status(a, "Stopped (tailscale down); left as it is");
        else
                notify_status(a, "%s", st.backend_state);
        return POLL_MS;
}

static int run(Agent *a)
{
        _cleanup_close_ int sfd = -EBADF;
        sigset_t mask;
        int timeout = 0, r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(a->log, errno, "Failed to block signals: %m");
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                return log_error_errno(a->log, errno, "Failed to create signalfd: %m");

        /* Ready at once: nothing waits for a login (the daemons refuse until one). */
        r = notify_send(a->notify_socket, "READY=1\nSTATUS=Reading tailscaled's state");
        if (r < 0)
                log_warning_errno(a->log, r, "Failed to notify the service manager, ignoring: %m");
        snprintf(a->status, sizeof(a->status), "Reading tailscaled's state");
        for (;;) {
                struct pollfd p = {.fd = sfd, .events = POLLIN};
                struct signalfd_siginfo si;

                r = poll(&p, 1, timeout);
                if (r < 0 && errno != EINTR)
                        return log_error_errno(a->log, errno, "Failed to wait: %m");
                if (r > 0 && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                        log_info(a->log, "Received SIG%s, exiting.", sigabbrev_np((int)si.ssi_signo));
                        return 0;
                }
                if (r == 0)
                        timeout = step(a);
        }
}

int main(int argc, char *argv[])
{
        Agent a = {.notify_socket = getenv("NOTIFY_SOCKET")};
        Logger log;
        int r;

        /* The key is in this process's memory: no core dumps, no ptrace by others. */
        (void)prctl(PR_SET_DUMPABLE, 0);
        logger_open_from_environment(&log, "tsproxy-login", LOG_TARGET_AUTO);
        a.log = &log;
        r = parse_argv(&log, argc, argv, &a);
        if (r > 0)
                r = run(&a) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        else
                r = r < 0 ? EXIT_BAD_ARGUMENTS : EXIT_SUCCESS;
        if (a.auth_key) {
                explicit_bzero(a.auth_key, strlen(a.auth_key));
                free(a.auth_key);
        }
        logger_close(&log);
        return r;
}
