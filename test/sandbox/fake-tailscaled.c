/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-tailscaled: stands in for tailscaled in the test sandbox (installed there as
 * /usr/sbin/tailscaled by test/sandbox/sandbox.sh, never by `meson install`). This file:
 * flags, start order, the backend state machine, the main loop and the fake tunnel. The
 * LocalAPI is fake-localapi.c, the router fake-router.c, DNS fake-dns.c, the state file
 * and prefs fake-state.c.
 *
 * It copies the real daemon where tsproxy depends on it (facts from tailscale's source):
 *  - Flags (cmd/tailscaled/tailscaled.go, Go's flag package): -x and --x, values after
 *    "=" or as the next argument (booleans only after "="); an unknown flag is exit 2;
 *    --state, --statedir, --socket (default /var/run/tailscale/tailscaled.sock), --port
 *    (default $PORT, else 0), --tun (default tailscale0; "userspace-networking": no TUN,
 *    router or DNS), --verbose, --cleanup, --syspolicy-file, --debug, --version,
 *    --no-logs-no-support, --encrypt-state. No --state and no --statedir is fatal
 *    ("--statedir (or at least --state) is required"); the state file is --state, else
 *    STATEDIR/tailscaled.state; VarRoot (ipnServerOpts) is --statedir, else dirname of an
 *    absolute --state when that directory's name is "tailscale" (any case). With a
 *    VarRoot a logged-in node writes VARROOT/derpmap.cached.json; without, it logs
 *    "Taildrop disabled; no state directory" (feature/taildrop/ext.go).
 *  - Start order (tailscaled.go run/startIPNServer, ipn/ipnserver/server.go Run): DNS
 *    and router clean-up; listen on the socket; READY=1 (feature/sdnotify); then the
 *    engine (wgengine/userspace.go): TUN up without an address, rules 5210-5270, table 52
 *    empty; state NoState -> NeedsLogin, or Starting -> Running with a persisted login.
 *  - STATUS= only on a state change (ipn/ipnlocal/local.go enterStateLocked):
 *    "Needs login: URL", "Stopped; run 'tailscale up' to log in", "Connected; LOGIN; IPS".
 *    NeedsLogin and Stopped apply the empty router and DNS configuration; Running the
 *    self /32, a /32 per peer and 100.100.100.100/32 in table 52, netfilter, and direct
 *    DNS (nameserver 100.100.100.100, search the MagicDNS suffix) when CorpDNS.
 *  - SIGTERM: routes, rules, netfilter removed, link down, DNS restored, socket removed
 *    (Close()). SIGKILL: nothing (the TUN goes with its fd). --cleanup: DNS restored,
 *    netfilter removed, TUN deleted, rules kept, exit 0.
 *  - The simulated control server: an auth key is valid iff it starts with
 *    "tskey-auth-ok"; else the node stays NeedsLogin with the error seen from the real
 *    control server (control/controlclient/direct.go doLogin, health/warnings.go):
 *    "invalid key: API key does not exist", once (no retry).
 *
 * Test knobs in $FAKE_TAILNET_DIR (default /etc/fake-tailnet):
 *   NAME.addr              the node's address (else 100.64.(1 + (h >> 8) % 254).(1 + h % 254),
 *                          h = instance_hash(NAME, 0)); NAME is the tailscale-NAME path
 *                          component of --socket, --statedir or --state, else "default"
 *   peer                   the fake-tailnet-peer endpoint "A.B.C.D:PORT" (else 192.0.2.1:41641)
 *   peers                  the tailnet's peers, an IPv4 address per line (else 100.64.0.1)
 *   tailnet                "NAME SUFFIX [LOGIN]" (else "example.com tailnet.test
 *                          tester@example.com")
 *   NAME.tailnet           as tailnet, for this instance only (read at start)
 *   NAME.connect-delay-ms  how long Starting lasts before Running (else 0)
 *   NAME.key-expiry-s      the logged-in node's Self.KeyExpiry, in seconds from now
 *                          (else 180 days; read at every status)
 * The tunnel: while Running, packets read from the TUN go to the peer endpoint, one per
 * UDP datagram (fake-net.h); datagrams received go into the TUN; a keepalive every 10 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "fake-daemon.h"
#include "fake-dns.h"
#include "fake-localapi.h"
#include "fake-net.h"
#include "fileio.h"
#include "instance.h"
#include "tailnet.h"

#define PEER_DEFAULT         "192.0.2.1:41641"
#define PEER_ADDRESS_DEFAULT 0x64400001u /* 100.64.0.1 */
#define CONFIG_DIR_DEFAULT   "/etc/fake-tailnet"
#define KEEPALIVE_INTERVAL   10000 /* ms */
#define USERSPACE_NETWORKING "userspace-networking"
#define GOOD_KEY_PREFIX      "tskey-auth-ok"
#define BAD_KEY_ERROR        "invalid key: API key does not exist"

typedef struct Args {
        const char *state, *statedir, *socket, *tun, *syspolicy_file, *debug;
        unsigned port;
        int verbose;
        bool cleanup, version;
} Args;

/* strconv.ParseBool */
static int parse_go_bool(const char *s, bool *ret)
{
        static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
        static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcmp(s, yes[i]) == 0)
                        return *ret = true, 0;
                if (strcmp(s, no[i]) == 0)
                        return *ret = false, 0;
        }
        return -EINVAL;
}

static void usage(void)
{
        fputs("Usage of tailscaled (fake, tsproxy test sandbox):\n"
              "  -cleanup  -debug string  -encrypt-state  -no-logs-no-support  -port value\n"
              "  -socket string  -state string  -statedir string  -syspolicy-file string\n"
              "  -tun string  -verbose int  -version\n",
              stderr);
}

/* Go's flag.Parse with ExitOnError: returns 0, or the exit status (2; 0 for -help). */
static int parse_args(int argc, char *argv[], Args *a, int *ret_optind)
{
        const char *port_env = getenv("PORT");
        unsigned env_port;
        int i;

        *a = (Args){
                .tun = TAILSCALE_TUN_DEFAULT,
                .syspolicy_file = "/etc/tailscale/syspolicy.json",
        };
        struct stat st;
        a->socket = stat("/var/run", &st) == 0 && S_ISDIR(st.st_mode) ? "/var/run/tailscale/tailscaled.sock"
                                                                      : "tailscaled.sock";
        if (port_env && fake_parse_unsigned(port_env, 65535, &env_port) >= 0)
                a->port = env_port;

        for (i = 1; i < argc; i++) {
                const char *arg = argv[i], *name, *eq, *value = NULL;
                char n[64];

                if (arg[0] != '-' || arg[1] == '\0')
                        break;
                if (strcmp(arg, "--") == 0) {
                        i++;
                        break;
                }
                name = arg + (arg[1] == '-' ? 2 : 1);
                if (*name == '-' || *name == '=') {
                        fprintf(stderr, "bad flag syntax: %s\n", arg);
                        return usage(), 2;
                }
                eq = strchr(name, '=');
                snprintf(n, sizeof(n), "%.*s", eq ? (int)(eq - name) : (int)strlen(name), name);
                if (eq)
                        value = eq + 1;

                if (strcmp(n, "h") == 0 || strcmp(n, "help") == 0)
                        return usage(), 0;
                if (strcmp(n, "cleanup") == 0 || strcmp(n, "version") == 0 ||
                    strcmp(n, "no-logs-no-support") == 0 || strcmp(n, "encrypt-state") == 0) {
                        bool b = true;
                        if (value && parse_go_bool(value, &b) < 0) {
                                fprintf(stderr, "invalid boolean value \"%s\" for -%s: parse error\n", value,
                                        n);
                                return usage(), 2;
                        }
                        if (strcmp(n, "cleanup") == 0)
                                a->cleanup = b;
                        else if (strcmp(n, "version") == 0)
                                a->version = b;
                        continue;
                }
                if (strcmp(n, "state") && strcmp(n, "statedir") && strcmp(n, "socket") &&
                    strcmp(n, "port") && strcmp(n, "tun") && strcmp(n, "verbose") &&
                    strcmp(n, "syspolicy-file") && strcmp(n, "debug")) {
                        fprintf(stderr, "flag provided but not defined: -%s\n", n);
                        return usage(), 2;
                }
                if (!value) {
                        if (i + 1 >= argc) {
                                fprintf(stderr, "flag needs an argument: -%s\n", n);
                                return usage(), 2;
                        }
                        value = argv[++i];
                }
                if (strcmp(n, "state") == 0)
                        a->state = value;
                else if (strcmp(n, "statedir") == 0)
                        a->statedir = value;
                else if (strcmp(n, "socket") == 0)
                        a->socket = value;
                else if (strcmp(n, "tun") == 0)
                        a->tun = value;
                else if (strcmp(n, "syspolicy-file") == 0)
                        a->syspolicy_file = value;
                else if (strcmp(n, "debug") == 0)
                        a->debug = value;
                else if (strcmp(n, "port") == 0) {
                        if (fake_parse_unsigned(value, 65535, &a->port) < 0) {
                                fprintf(stderr, "invalid value \"%s\" for flag -port: invalid port\n",
                                        value);
                                return usage(), 2;
                        }
                } else {
                        char *e;
                        long v = strtol(value, &e, 0);
                        if (!*value || *e) {
                                fprintf(stderr, "invalid value \"%s\" for flag -verbose: parse error\n",
                                        value);
                                return usage(), 2;
                        }
                        a->verbose = (int)v;
                }
        }
        *ret_optind = i;
        return -1; /* go on */
}

/* NAME of the first "tailscale-NAME" component of path. */
static int name_from_path(const char *path, char *buf, size_t size)
{
        static const char prefix[] = "tailscale-";

        for (const char *p = path; p && *p;) {
                const char *end = strchrnul(p, '/');
                size_t n = (size_t)(end - p);
                if (n > strlen(prefix) && strncmp(p, prefix, strlen(prefix)) == 0 &&
                    n - strlen(prefix) < size) {
                        memcpy(buf, p + strlen(prefix), n - strlen(prefix));
                        buf[n - strlen(prefix)] = '\0';
                        return 0;
                }
                p = *end ? end + 1 : end;
        }
        return -ENOENT;
}

static void instance_name(const Args *a, char *buf, size_t size)
{
        if (name_from_path(a->socket, buf, size) >= 0 || name_from_path(a->statedir, buf, size) >= 0 ||
            name_from_path(a->state, buf, size) >= 0)
                return;
        snprintf(buf, size, "default");
}

static int tailnet_address(const char *config_dir, const char *name, uint32_t *ret)
{
        char path[4096], line[64];
        uint32_t h;
        int r;

        snprintf(path, sizeof(path), "%s/%s.addr", config_dir, name);
        r = fake_read_line(path, line, sizeof(line));
        if (r >= 0)
                return ipv4_parse(line, ret);
        if (r != -ENOENT)
                return r;
        h = instance_hash(name, 0);
        *ret = TAILNET_IPV4_NETWORK | (1 + (h >> 8) % 254) << 8 | (1 + h % 254);
        return 0;
}

static int peer_endpoint(const char *config_dir, struct sockaddr_in *ret)
{
        char path[4096], line[64];
        int r;

        snprintf(path, sizeof(path), "%s/peer", config_dir);
        r = fake_read_line(path, line, sizeof(line));
        if (r == -ENOENT)
                return fake_parse_endpoint(PEER_DEFAULT, ret);
        if (r < 0)
                return r;
        return fake_parse_endpoint(line, ret);
}

/* The control server's view of the tailnet: the NAME.tailnet (else tailnet) and peers files. */
static int tailnet_load(const char *config_dir, const char *instance, Tailnet *t)
{
        _cleanup_fclose_ FILE *f = NULL;
        char path[4096], line[256];
        int r;

        *t = (Tailnet){
                .name = "example.com",
                .magicdns_suffix = "tailnet.test",
                .login_name = "tester@example.com",
        };
        snprintf(path, sizeof(path), "%s/%s.tailnet", config_dir, instance);
        r = fake_read_line(path, line, sizeof(line));
        if (r == -ENOENT) {
                snprintf(path, sizeof(path), "%s/tailnet", config_dir);
                r = fake_read_line(path, line, sizeof(line));
        }
        if (r >= 0) {
                char name[128] = "", suffix[128] = "", login[128] = "";
                if (sscanf(line, "%127s %127s %127s", name, suffix, login) < 2)
                        return -EINVAL;
                snprintf(t->name, sizeof(t->name), "%s", name);
                snprintf(t->magicdns_suffix, sizeof(t->magicdns_suffix), "%s", suffix);
                if (*login)
                        snprintf(t->login_name, sizeof(t->login_name), "%s", login);
        } else if (r != -ENOENT)
                return r;

        snprintf(path, sizeof(path), "%s/peers", config_dir);
        f = fopen(path, "re");
        if (!f) {
                if (errno != ENOENT)
                        return negative_errno();
                t->peers[t->n_peers++] = PEER_ADDRESS_DEFAULT;
                return 0;
        }
        while (fgets(line, sizeof(line), f) && t->n_peers < FAKE_PEERS_MAX) {
                line[strcspn(line, " \t\r\n#")] = '\0';
                if (!*line)
                        continue;
                r = ipv4_parse(line, &t->peers[t->n_peers]);
                if (r < 0)
                        return r;
                t->n_peers++;
        }
        return 0;
}

static unsigned connect_delay_ms(const Daemon *d)
{
        char path[4096], line[32];
        unsigned ms = 0;

        snprintf(path, sizeof(path), "%s/%s.connect-delay-ms", d->config_dir, d->name);
        if (fake_read_line(path, line, sizeof(line)) >= 0)
                (void)fake_parse_unsigned(line, 600000, &ms);
        return ms;
}

static uint64_t now_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *backend_state_to_string(BackendState s)
{
        static const char *const names[] = {"NoState", "InUseOtherUser", "NeedsLogin", "NeedsMachineAuth",
                                            "Stopped", "Starting",       "Running"};

        return (size_t)s < ELEMENTSOF(names) ? names[s] : "Unknown";
}

const char *daemon_health(const Daemon *d, char *buf, size_t size)
{
        buf[0] = '\0';
        if (d->state == STATE_NEEDS_LOGIN) {
                if (d->login_error[0])
                        snprintf(buf, size, "You are logged out. The last login error was: %s",
                                 d->login_error);
                else
                        snprintf(buf, size, "You are logged out.");
        } else if (d->state == STATE_STOPPED)
                snprintf(buf, size, "Tailscale is stopped.");
        return buf;
}

void daemon_peer_key(uint32_t address, char buf[static 65])
{
        char a[IPV4_STRLEN];

        ipv4_format(address, a);
        for (uint32_t i = 0; i < 8; i++)
                snprintf(buf + 8 * i, 9, "%08x", instance_hash(a, i + 1));
}

static void random_hex(char *buf, size_t digits)
{
        uint8_t b[64] = {0};

        (void)getrandom(b, (digits + 1) / 2, 0);
        for (size_t i = 0; i < digits; i++)
                buf[i] = "0123456789abcdef"[(b[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
        buf[digits] = '\0';
}

static void state_persist(Daemon *d)
{
        int r;

        if (!d->state_path)
                return;
        r = state_save(d->state_path, d->name, &d->prefs, &d->login);
        if (r < 0)
                log_warning_errno(d->log, r, "Failed to write state '%s': %m", d->state_path);
}

static void keepalive_send(Daemon *d)
{
        uint8_t buf[FAKE_KEEPALIVE_SIZE];
        size_t n = fake_keepalive_build(buf, d->login.address, ntohl(d->peer.sin_addr.s_addr));

        if (sendto(d->udp_fd, buf, n, 0, (const struct sockaddr *)&d->peer, sizeof(d->peer)) < 0)
                (void)log_full_errno(d->log, LOG_DEBUG, errno, "Failed to send keepalive to peer: %m");
        d->next_keepalive = now_ms() + KEEPALIVE_INTERVAL;
}

/* The DERP map a real node caches once control sent it (cmd/tailscaled getLocalBackend). */
static void derpmap_write(Daemon *d)
{
        char path[4096];
        _cleanup_close_ int dir = -EBADF;
        int r;

        if (!d->var_root)
                return;
        snprintf(path, sizeof(path), "%s", d->var_root);
        dir = open(path, O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) {
                log_warning_errno(d->log, errno, "Cannot open var root '%s': %m", d->var_root);
                return;
        }
        r = fileio_write_atomic_at(dir, "derpmap.cached.json",
                                   "{\"Regions\":{\"900\":{\"RegionID\":900,\"RegionCode\":\"fake\","
                                   "\"RegionName\":\"tsproxy sandbox\",\"Nodes\":[]}}}\n",
                                   0600);
        if (r < 0)
                log_warning_errno(d->log, r, "Cannot write %s/derpmap.cached.json: %m", d->var_root);
}

/* The engine's configuration for the current state: empty unless Running. */
static void reconfig(Daemon *d)
{
        if (!d->tun)
                return;
        if (d->state != STATE_RUNNING) {
                (void)router_set(&d->router, NULL);
                (void)dns_restore(d->log);
                return;
        }
        {
                uint32_t routes[FAKE_PEERS_MAX + 1];
                size_t n = 0;

                for (size_t i = 0; i < d->tailnet.n_peers; i++)
                        routes[n++] = d->tailnet.peers[i];
                (void)ipv4_parse(FAKE_MAGICDNS, &routes[n++]);
                (void)router_set(&d->router, &(RouterConfig){
                                                     .address = d->login.address,
                                                     .routes = routes,
                                                     .n_routes = n,
                                                     .port = d->port,
                                             });
        }
        if (d->prefs.corp_dns)
                (void)dns_set(FAKE_MAGICDNS, d->tailnet.magicdns_suffix, d->log);
        else
                (void)dns_restore(d->log);
}

static void enter_state(Daemon *d, BackendState s)
{
        BackendState old = d->state;
        char a[IPV4_STRLEN];

        if (old == s)
                return;
        d->state = s;
        log_info(d->log, "Switching ipn state %s -> %s (WantRunning=%s, nm=%s)",
                 backend_state_to_string(old), backend_state_to_string(s),
                 d->prefs.want_running ? "true" : "false", s == STATE_RUNNING ? "true" : "false");
        d->running_at = 0;
        d->next_keepalive = 0;
        switch (s) {
        case STATE_NEEDS_LOGIN:
                (void)sd_notifyf(0, "STATUS=Needs login: %s", d->auth_url);
                reconfig(d);
                break;
        case STATE_STOPPED:
                if (!d->auth_url[0])
                        (void)sd_notify(0, "STATUS=Stopped; run 'tailscale up' to log in");
                reconfig(d);
                break;
        case STATE_STARTING: {
                unsigned delay = connect_delay_ms(d);
                if (delay == 0)
                        return enter_state(d, STATE_RUNNING);
                d->running_at = now_ms() + delay;
                break;
        }
        case STATE_RUNNING:
                d->auth_url[0] = '\0';
                reconfig(d);
                derpmap_write(d);
                ipv4_format(d->login.address, a);
                (void)sd_notifyf(0, "STATUS=Connected; %s; %s", d->login.login_name, a);
                log_info(d->log, "Connected as %s with %s on %s", d->login.login_name, a,
                         d->tun ?: "netstack");
                if (d->udp_fd >= 0)
                        keepalive_send(d);
                break;
        default: break;
        }
}

/* ipn/ipnlocal/local.go nextStateLocked, for the states the fake has. */
static void next_state(Daemon *d)
{
        if (!d->login.logged_in || d->prefs.logged_out)
                enter_state(d, STATE_NEEDS_LOGIN);
        else if (!d->prefs.want_running)
                enter_state(d, STATE_STOPPED);
        else if (d->state != STATE_RUNNING)
                enter_state(d, STATE_STARTING);
}

int daemon_start(Daemon *d, const char *auth_key, JsonSlice update_prefs)
{
        if (update_prefs.p) {
                int r = prefs_apply_json(&d->prefs, update_prefs, false);
                if (r < 0)
                        return r;
        }
        d->key_login = auth_key && *auth_key;
        if (auth_key && *auth_key) {
                if (strncmp(auth_key, GOOD_KEY_PREFIX, strlen(GOOD_KEY_PREFIX)) != 0) {
                        snprintf(d->login_error, sizeof(d->login_error), "%s", BAD_KEY_ERROR);
                        log_warning(d->log, "control: login failed: %s", BAD_KEY_ERROR);
                        state_persist(d);
                        d->state = STATE_NO_STATE; /* NeedsLogin again: STATUS shows it */
                        enter_state(d, STATE_NEEDS_LOGIN);
                        return 0;
                }
                d->login = (Login){
                        .logged_in = true,
                        .user_id = 1000000 + instance_hash(d->tailnet.login_name, 0) % 9000000,
                        .address = d->address,
                };
                random_hex(d->login.node_key, 64);
                snprintf(d->login.login_name, sizeof(d->login.login_name), "%s", d->tailnet.login_name);
                d->login_error[0] = '\0';
                d->prefs.logged_out = false;
                log_info(d->log, "control: logged in as %s with an auth key", d->login.login_name);
        }
        state_persist(d);
        next_state(d);
        return 0;
}

void daemon_tailnet_refresh(Daemon *d)
{
        Tailnet t;

        if (tailnet_load(d->config_dir, d->name, &t) < 0 ||
            (strcmp(t.name, d->tailnet.name) == 0 &&
             strcmp(t.magicdns_suffix, d->tailnet.magicdns_suffix) == 0))
                return;
        log_info(d->log, "control: new netmap: tailnet %s, MagicDNS suffix %s", t.name, t.magicdns_suffix);
        memcpy(d->tailnet.name, t.name, sizeof(t.name));
        memcpy(d->tailnet.magicdns_suffix, t.magicdns_suffix, sizeof(t.magicdns_suffix));
        if (d->state == STATE_RUNNING)
                reconfig(d);
}

/* With an auth key in the last start, the control client logs in with it and makes no
 * URL (control/controlclient/direct.go doLogin; cmd/tailscale/cli/up.go calls
 * StartLoginInteractive after Start when the node had no node key, key or not). */
int daemon_login_interactive(Daemon *d)
{
        if (d->key_login) {
                d->key_login = false;
                return 0;
        }
        memcpy(d->auth_url, "https://login.tailnet.test/a/", 29);
        random_hex(d->auth_url + 29, 12);
        log_info(d->log, "control: AuthURL is %s", d->auth_url);
        return 0;
}

int daemon_logout(Daemon *d)
{
        d->login = (Login){};
        d->prefs.logged_out = true;
        d->prefs.want_running = false;
        d->auth_url[0] = '\0';
        state_persist(d);
        log_info(d->log, "control: logged out");
        enter_state(d, STATE_NEEDS_LOGIN);
        return 0;
}

int daemon_edit_prefs(Daemon *d, JsonSlice masked)
{
        Prefs old = d->prefs;
        int r;

        r = prefs_apply_json(&d->prefs, masked, true);
        if (r < 0)
                return r;
        state_persist(d);
        next_state(d);
        /* Running still: a change of what the engine gets is applied at once. */
        if (d->state == STATE_RUNNING && old.corp_dns != d->prefs.corp_dns)
                reconfig(d);
        return 0;
}

static int run(Daemon *d, int tun_fd, int unix_fd, int sig_fd)
{
        static uint8_t buf[FAKE_PACKET_MAX];

        for (;;) {
                struct pollfd p[] = {
                        {.fd = sig_fd, .events = POLLIN},
                        {.fd = d->udp_fd, .events = POLLIN},
                        {.fd = tun_fd, .events = POLLIN}, /* -EBADF: ignored by poll() */
                        {.fd = unix_fd, .events = POLLIN},
                };
                uint64_t now = now_ms(), next = UINT64_MAX;
                ssize_t n;

                if (d->running_at && now >= d->running_at)
                        enter_state(d, STATE_RUNNING);
                if (d->next_keepalive && now >= d->next_keepalive)
                        keepalive_send(d);
                if (d->running_at)
                        next = d->running_at;
                if (d->next_keepalive && d->next_keepalive < next)
                        next = d->next_keepalive;
                if (poll(p, ELEMENTSOF(p), next == UINT64_MAX ? -1 : (int)(next > now ? next - now : 0)) <
                    0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(d->log, errno, "Failed to poll: %m");
                }
                if (p[0].revents)
                        return 0;
                if (p[1].revents) {
                        n = recv(d->udp_fd, buf, sizeof(buf), 0);
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                                (void)log_full_errno(d->log, LOG_DEBUG, errno,
                                                     "Failed to receive from peer: %m"); /* ICMP errors */
                        else if (n > 0 && tun_fd >= 0 && d->state == STATE_RUNNING &&
                                 !fake_packet_is_keepalive(buf, (size_t)n) &&
                                 write(tun_fd, buf, (size_t)n) < 0)
                                (void)log_full_errno(d->log, LOG_DEBUG, errno,
                                                     "Failed to write packet to TUN: %m");
                }
                if (p[2].revents) {
                        n = read(tun_fd, buf, sizeof(buf));
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                                return log_error_errno(d->log, errno, "Failed to read from TUN: %m");
                        if (n > 0 && d->state == STATE_RUNNING &&
                            sendto(d->udp_fd, buf, (size_t)n, 0, (const struct sockaddr *)&d->peer,
                                   sizeof(d->peer)) < 0)
                                (void)log_full_errno(d->log, LOG_DEBUG, errno,
                                                     "Failed to send packet to peer: %m");
                }
                if (p[3].revents)
                        localapi_serve(d, unix_fd);
        }
}

/* ipnServerOpts: --statedir, else the directory of an absolute --state named "tailscale". */
static const char *var_root(const Args *a, char *buf, size_t size)
{
        char *dir;

        if (a->statedir && *a->statedir)
                return a->statedir;
        if (!a->state || a->state[0] != '/' || strlen(a->state) >= size)
                return NULL;
        strcpy(buf, a->state);
        dir = dirname(buf);
        {
                char copy[4096];
                snprintf(copy, sizeof(copy), "%s", dir);
                if (strcasecmp(basename(copy), "tailscale") != 0)
                        return NULL;
        }
        memmove(buf, dir, strlen(dir) + 1);
        return buf;
}

static int do_cleanup(const Args *a, const Logger *log)
{
        int r;

        if (strcmp(a->tun, USERSPACE_NETWORKING) == 0)
                return 0;
        (void)dns_cleanup(log);
        (void)router_cleanup(a->tun, log);
        r = fake_link_delete(a->tun);
        if (r < 0 && r != -ENODEV)
                return log_error_errno(log, r, "Failed to delete '%s': %m", a->tun);
        log_info(log, r < 0 ? "No '%s' to clean up." : "Deleted '%s'.", a->tun);
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_close_ int tun_fd = -EBADF, udp_fd = -EBADF, unix_fd = -EBADF, sig_fd = -EBADF;
        char state_buf[4096], root_buf[4096], a[IPV4_STRLEN], peer_s[64];
        struct sockaddr_in bind_sa = {.sin_family = AF_INET};
        Daemon d = {.udp_fd = -EBADF};
        Logger log;
        Args args;
        int r, first_arg;

        logger_open(&log, "fake-tailscaled", LOG_TARGET_STDERR, LOG_INFO);
        r = parse_args(argc, argv, &args, &first_arg);
        if (r >= 0)
                return r;
        if (args.verbose > 0)
                log.max_level = LOG_DEBUG;
        if (args.version) {
                puts(FAKE_VERSION);
                return 0;
        }
        if (first_arg < argc)
                return log_error(&log, "tailscaled does not take non-flag arguments: \"%s\"",
                                 argv[first_arg]),
                       1;
        if (args.cleanup)
                return do_cleanup(&args, &log) < 0 ? 1 : 0;
        if (!(args.state && *args.state) && !(args.statedir && *args.statedir))
                return log_error(&log, "--statedir (or at least --state) is required"), 1;

        d.log = &log;
        d.tun = strcmp(args.tun, USERSPACE_NETWORKING) == 0 ? NULL : args.tun;
        d.var_root = var_root(&args, root_buf, sizeof(root_buf));
        if (args.state && *args.state)
                d.state_path = strncmp(args.state, "mem:", 4) == 0 ? NULL : args.state;
        else {
                snprintf(state_buf, sizeof(state_buf), "%s/tailscaled.state", args.statedir);
                d.state_path = state_buf;
        }
        d.config_dir = getenv("FAKE_TAILNET_DIR");
        if (!d.config_dir || !*d.config_dir)
                d.config_dir = CONFIG_DIR_DEFAULT;
        instance_name(&args, d.name, sizeof(d.name));
        r = tailnet_address(d.config_dir, d.name, &d.address);
        if (r < 0)
                return log_error_errno(&log, r, "Failed to get the tailnet address of '%s': %m", d.name), 1;
        r = peer_endpoint(d.config_dir, &d.peer);
        if (r < 0)
                return log_error_errno(&log, r, "Failed to read '%s/peer': %m", d.config_dir), 1;
        r = tailnet_load(d.config_dir, d.name, &d.tailnet);
        if (r < 0)
                return log_error_errno(&log, r, "Failed to read the tailnet in '%s': %m", d.config_dir), 1;
        prefs_init(&d.prefs);
        if (d.state_path) {
                r = state_load(d.state_path, &d.prefs, &d.login);
                if (r < 0 && r != -ENOENT)
                        return log_error_errno(&log, r, "Failed to read state '%s': %m", d.state_path), 1;
        }
        if (d.login.logged_in && d.login.address != d.address)
                d.login.address = d.address; /* NAME.addr changed: control hands out the new one */
        fake_format_endpoint(&d.peer, peer_s, sizeof(peer_s));

        sig_fd = fake_signalfd();
        if (sig_fd < 0)
                return log_error_errno(&log, sig_fd, "Failed to set up signals: %m"), 1;

        /* 1. Clean-up of what an earlier run left (dns.CleanUp, router.CleanUp). */
        if (d.tun) {
                (void)dns_cleanup(&log);
                (void)router_cleanup(d.tun, &log);
        }

        /* 2. The LocalAPI socket, then READY=1 at once. */
        r = localapi_listen(args.socket, &unix_fd);
        if (r < 0)
                return log_error_errno(&log, r, "safesocket.Listen: %s: %m", args.socket), 1;
        (void)sd_notify(0, "READY=1");
        log_info(&log, "Listening on %s", args.socket);

        /* 3. The engine: TUN up without an address, the policy rules, magicsock's port. */
        if (d.tun) {
                r = fake_tun_open(d.tun, &tun_fd);
                if (r < 0)
                        return log_error_errno(&log, r, "Failed to create TUN '%s': %m", d.tun), 1;
                d.router = (Router){.tun = d.tun, .log = &log};
                r = router_up(&d.router);
                if (r < 0)
                        log_warning_errno(&log, r, "router: Up failed, going on: %m");
        }
        udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (udp_fd < 0)
                return log_error_errno(&log, errno, "Failed to create UDP socket: %m"), 1;
        bind_sa.sin_port = htons((uint16_t)args.port);
        if (bind(udp_fd, (struct sockaddr *)&bind_sa, sizeof(bind_sa)) < 0)
                return log_error_errno(&log, errno, "Failed to bind UDP port %u: %m", args.port), 1;
        if (getsockname(udp_fd, (struct sockaddr *)&bind_sa, &(socklen_t){sizeof(bind_sa)}) >= 0)
                d.port = ntohs(bind_sa.sin_port); /* the one the kernel chose for --port=0 */
        d.udp_fd = udp_fd;
        if (!d.var_root)
                log_info(&log, "Taildrop disabled; no state directory");
        ipv4_format(d.address, a);
        log_info(&log, "Instance '%s': node address %s, %s, UDP port %u, peer %s, state %s, var root %s",
                 d.name, a, d.tun ?: USERSPACE_NETWORKING, d.port, peer_s, d.state_path ?: "(memory)",
                 d.var_root ?: "(none)");

        /* 4. The backend: NoState -> NeedsLogin, or Starting -> Running when logged in. */
        next_state(&d);

        r = run(&d, tun_fd, unix_fd, sig_fd);

        (void)sd_notify(0, "STOPPING=1");
        if (d.tun) {
                (void)router_close(&d.router);
                (void)dns_restore(&log);
        }
        (void)unlink(args.socket);
        log_info(&log, "Exiting.");
        return r < 0 ? 1 : 0;
}
