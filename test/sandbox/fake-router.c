/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-router.c: the fake tailscaled's router (fake-router.h). Facts it copies, from
 * tailscale's source:
 *  - wgengine/router/osrouter/router_linux.go: policy rules at 5210 (fwmark
 *    0x80000/0xff0000 -> main), 5230 (-> default), 5250 (-> unreachable) and 5270
 *    (-> table 52), IPv4 and IPv6, added by Up() at engine start and deleted by Close()
 *    only; routes "dev tailscale0 table 52"; the TUN gets the self addresses as /32;
 *    cleanUp (start-up, --cleanup) removes netfilter state, never the rules.
 *  - tsconst/linuxfw.go: the bypass mark 0x80000 and the mask 0xff0000.
 *  - util/linuxfw/iptables_runner.go, nftables_runner.go: chains ts-input and
 *    ts-forward jumped to from the first rule of INPUT and FORWARD; ts-input accepts
 *    lo from self, the TUN, the magicsock UDP port, returns on the ChromeOS range
 *    100.115.92.0/23 and drops 100.64.0.0/10 arriving on any other interface.
 * IPv4 netfilter only: the fake tailnet carries no IPv6.
 */
#include "fake-router.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "tailnet.h"

#define RULE_MARK      "0x80000/0xff0000"
#define RUN_OUTPUT_MAX 16384

extern char **environ;

/*
 * Run argv (found in $PATH) with input on its stdin; its stdout and stderr go to out.
 * Returns its exit status, or negative errno when it could not run.
 */
static int run(const char *const argv[], const char *input, char *out, size_t size)
{
        _cleanup_close_ int in_r = -EBADF, in_w = -EBADF, out_r = -EBADF, out_w = -EBADF;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none;
        size_t n = 0;
        pid_t pid;
        int status, r;

        {
                int p[2];
                if (pipe2(p, O_CLOEXEC) < 0)
                        return negative_errno();
                in_r = p[0], in_w = p[1];
                if (pipe2(p, O_CLOEXEC) < 0)
                        return negative_errno();
                out_r = p[0], out_w = p[1];
        }
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in_r, STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&fa, out_w, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, out_w, STDERR_FILENO);
        /* The daemon blocks SIGTERM/SIGINT for its signalfd: the child must not. */
        posix_spawnattr_init(&attr);
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        r = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (r != 0)
                return -r;
        in_r = safe_close(in_r);
        out_w = safe_close(out_w);
        if (input) /* small scripts: they fit the pipe */
                (void)!write(in_w, input, strlen(input));
        in_w = safe_close(in_w);
        for (;;) {
                char buf[1024];
                ssize_t k = read(out_r, buf, sizeof(buf));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                if (out && n + 1 < size) {
                        size_t m = (size_t)k < size - 1 - n ? (size_t)k : size - 1 - n;
                        memcpy(out + n, buf, m);
                        n += m;
                }
        }
        if (out && size > 0)
                out[n] = '\0';
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run argv; a failure is logged (unless its output contains the string ok_if) and
 * returned as -EIO. */
static int run_logged(const Logger *log, const char *ok_if, const char *const argv[], const char *input)
{
        char out[RUN_OUTPUT_MAX], cmd[512] = "";
        int r;

        r = run(argv, input, out, sizeof(out));
        if (r == 0 || (r > 0 && ok_if && strstr(out, ok_if)))
                return 0;
        for (size_t i = 0; argv[i]; i++) {
                strncat(cmd, argv[i], sizeof(cmd) - strlen(cmd) - 2);
                strncat(cmd, " ", sizeof(cmd) - strlen(cmd) - 1);
        }
        if (r < 0)
                return log_warning_errno(log, r, "router: cannot run %s: %m", cmd);
        log_warning(log, "router: '%s' failed (exit %d): %s", cmd, r, out);
        return -EIO;
}

static const struct {
        const char *pref, *action[3];
} rules[] = {
        /* router_linux.go baseIPRules: base priority 5200 plus 10, 30, 50, 70. */
        {"5210", {"table", "main", NULL}},
        {"5230", {"table", "default", NULL}},
        {"5250", {"unreachable", NULL, NULL}},
        {"5270", {"table", "52", NULL}},
};

static int rules_change(const Logger *log, bool add)
{
        int ret = 0;

        for (int family = 0; family < 2; family++)
                for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
                        const char *argv[16] = {"ip",   family ? "-6" : "-4", "rule", add ? "add" : "del",
                                                "pref", rules[i].pref};
                        size_t n = 6;
                        int r;

                        if (i < 3) {
                                argv[n++] = "fwmark";
                                argv[n++] = RULE_MARK;
                        }
                        for (size_t k = 0; k < 3 && rules[i].action[k]; k++)
                                argv[n++] = rules[i].action[k];
                        /* Added again after a SIGKILL (they outlive the process): EEXIST. */
                        r = run_logged(log, add ? "File exists" : "No such file", argv, NULL);
                        if (r < 0 && ret == 0)
                                ret = r;
                }
        return ret;
}

int router_up(Router *r)
{
        int k;

        k = run_logged(r->log, NULL, (const char *[]){"ip", "link", "set", "dev", r->tun, "up", NULL}, NULL);
        if (k < 0)
                return k;
        return rules_change(r->log, true);
}

/* The script that removes our chains and the jumps to them, from `nft -a list table ip
 * filter`; empty when there is nothing of ours. */
static void netfilter_del_script(const char *listing, char *script, size_t size)
{
        char chain[64] = "";
        size_t n = 0;

        script[0] = '\0';
        for (const char *line = listing; line && *line;) {
                const char *end = strchrnul(line, '\n'), *h;
                char l[512];
                size_t len = (size_t)(end - line) < sizeof(l) - 1 ? (size_t)(end - line) : sizeof(l) - 1;

                memcpy(l, line, len);
                l[len] = '\0';
                line = *end ? end + 1 : end;
                if (sscanf(l, " chain %63s {", chain) == 1)
                        continue;
                h = strstr(l, "# handle ");
                if (h && (strstr(l, "jump ts-input") || strstr(l, "jump ts-forward")))
                        n += (size_t)snprintf(script + n, n < size ? size - n : 0,
                                              "delete rule ip filter %s handle %s\n", chain, h + 9);
        }
        if (strstr(listing, "chain ts-input {"))
                n += (size_t)snprintf(script + n, n < size ? size - n : 0,
                                      "delete chain ip filter ts-input\n");
        if (strstr(listing, "chain ts-forward {"))
                (void)snprintf(script + n, n < size ? size - n : 0, "delete chain ip filter ts-forward\n");
}

static int netfilter_del(const Logger *log)
{
        char listing[RUN_OUTPUT_MAX], script[4096];
        int r;

        r = run((const char *[]){"nft", "-a", "list", "table", "ip", "filter", NULL}, NULL, listing,
                sizeof(listing));
        if (r < 0)
                return log_warning_errno(log, r, "router: cannot run nft: %m");
        if (r > 0) /* no table: nothing of ours */
                return 0;
        netfilter_del_script(listing, script, sizeof(script));
        if (!*script)
                return 0;
        return run_logged(log, NULL, (const char *[]){"nft", "-f", "-", NULL}, script);
}

static int netfilter_add(const Router *r, uint32_t self, unsigned port)
{
        char script[4096], a[IPV4_STRLEN];

        ipv4_format(self, a);
        snprintf(
                script, sizeof(script),
                "add table ip filter\n"
                "add chain ip filter INPUT { type filter hook input priority filter; policy accept; }\n"
                "add chain ip filter FORWARD { type filter hook forward priority filter; policy accept; }\n"
                "add chain ip filter ts-input\n"
                "add chain ip filter ts-forward\n"
                "insert rule ip filter INPUT jump ts-input\n"
                "insert rule ip filter FORWARD jump ts-forward\n"
                "add rule ip filter ts-input iifname \"lo\" ip saddr %s accept\n"
                "add rule ip filter ts-input iifname \"%s\" accept\n"
                "add rule ip filter ts-input udp dport %u accept\n"
                "add rule ip filter ts-input iifname != \"%s\" ip saddr 100.115.92.0/23 return\n"
                "add rule ip filter ts-input iifname != \"%s\" ip saddr %s drop\n"
                "add rule ip filter ts-forward iifname \"%s\" meta mark set mark and 0xff00ffff or 0x40000\n"
                "add rule ip filter ts-forward meta mark and 0xff0000 == 0x40000 accept\n"
                "add rule ip filter ts-forward oifname \"%s\" ip saddr %s drop\n"
                "add rule ip filter ts-forward oifname \"%s\" accept\n",
                a, r->tun, port, r->tun, r->tun, TAILNET_IPV4_RANGE, r->tun, r->tun, TAILNET_IPV4_RANGE,
                r->tun);
        return run_logged(r->log, NULL, (const char *[]){"nft", "-f", "-", NULL}, script);
}

static int route_change(const Router *r, const char *verb, uint32_t dst)
{
        char a[IPV4_STRLEN + 3];

        ipv4_format(dst, a);
        strcat(a, "/32");
        return run_logged(r->log, NULL,
                          (const char *[]){"ip", "-4", "route", verb, a, "dev", r->tun, "table", "52", NULL},
                          NULL);
}

static int address_change(const Router *r, const char *verb, uint32_t address)
{
        char a[IPV4_STRLEN + 3];

        ipv4_format(address, a);
        strcat(a, "/32");
        return run_logged(r->log, NULL, (const char *[]){"ip", "-4", "addr", verb, a, "dev", r->tun, NULL},
                          NULL);
}

int router_set(Router *r, const RouterConfig *cfg)
{
        int ret = 0, k;

        /* Take back what the last configuration added (the real router diffs; the
         * fake's configurations are few and small). */
        for (size_t i = 0; i < r->n_routes; i++)
                (void)route_change(r, "del", r->routes[i]);
        r->n_routes = 0;
        if (r->netfilter) {
                (void)netfilter_del(r->log);
                r->netfilter = false;
        }
        if (r->address && (!cfg || cfg->address != r->address)) {
                (void)address_change(r, "del", r->address);
                r->address = 0;
        }
        if (!cfg)
                return 0;

        k = address_change(r, "replace", cfg->address);
        if (k < 0)
                return k;
        r->address = cfg->address;
        for (size_t i = 0; i < cfg->n_routes && i < ROUTER_ROUTES_MAX; i++) {
                k = route_change(r, "replace", cfg->routes[i]);
                if (k < 0)
                        ret = k;
                else
                        r->routes[r->n_routes++] = cfg->routes[i];
        }
        k = netfilter_add(r, cfg->address, cfg->port);
        if (k < 0)
                ret = k;
        r->netfilter = true; /* whatever part of it went in */
        return ret;
}

int router_close(Router *r)
{
        int ret;

        ret = router_set(r, NULL);
        (void)netfilter_del(r->log);
        (void)rules_change(r->log, false);
        (void)run_logged(r->log, "Cannot find device",
                         (const char *[]){"ip", "link", "set", "dev", r->tun, "down", NULL}, NULL);
        return ret;
}

int router_cleanup(const char *tun, const Logger *log)
{
        (void)tun;
        return netfilter_del(log);
}
