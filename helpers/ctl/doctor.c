/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * doctor.c: `tsproxyctl doctor`: the known ways a host breaks tsproxy, each checked,
 * and explained with its fix when found.
 *
 * Host: IPv4 forwarding off (while instances are up), a forward base chain with policy
 * drop in another nftables table (Docker's iptables-nft rules are the common case),
 * /dev/net/tun missing, /run/netns on a mount that is not shared (a namespace made
 * there would not be seen by the units). Per instance: no route out of the uplink,
 * the tailscaled binary missing or not executable, a running tailscaled that is not
 * logged in (its LocalAPI status, else its STATUS=), its node key expiring within 7 days
 * (a warning: "!", exit 0), two instances logged in to one tailnet, a listen address not on any interface
 * (the host's own tailscale down), the subnet overlapping a route of the host.
 *
 * Each check is drawn as a line of the status tree (good or bad, the fact), a bad one
 * with "why:" and "fix:" notes. Exit 1 on any finding. Reads /proc and nftables only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "fileio.h"
#include "forwarding.h"
#include "host-facts.h"
#include "instance-status.h"
#include "instance.h"
#include "netfacts.h"
#include "netns.h"
#include "nft.h"
#include "parse.h"
#include "unit-state.h"
#include "strfmt.h"

typedef struct Doctor {
        Ctl *ctl;
        sd_bus *bus; /* NULL: not booted with systemd, or no rights: login not checked */
        HostFacts host;
        TreeNode *root;
        size_t findings, warnings;
        /* the logged-in instances' tailnets, for "two instances on one tailnet" */
        struct {
                char name[INSTANCE_NAME_BUFSZ];
                char tailnet[256], suffix[256];
        } * logged_in;
        size_t n_logged_in;
        int error; /* first error that stops the checks (-EPERM: exit 5) */
} Doctor;

static TreeNode *check(Doctor *d, bool good, const char *label, const char *fmt, ...) _printf_(4, 5);
static TreeNode *check(Doctor *d, bool good, const char *label, const char *fmt, ...)
{
        _cleanup_free_ char *fact = NULL;
        va_list ap;

        va_start(ap, fmt);
        fact = strfmt_v(fmt, ap);
        va_end(ap);
        if (!fact) {
                d->error = -ENOMEM;
                return NULL;
        }
        if (!good)
                d->findings++;
        TreeNode *n = tree_node_add(d->root, good ? TREE_MARK_GOOD : TREE_MARK_BAD, label, "%s", fact);
        if (!n)
                d->error = -ENOMEM;
        return n;
}

static TreeNode *warn(Doctor *d, const char *label, const char *fmt, ...) _printf_(3, 4);
static TreeNode *warn(Doctor *d, const char *label, const char *fmt, ...)
{
        _cleanup_free_ char *fact = NULL;
        TreeNode *n;
        va_list ap;

        va_start(ap, fmt);
        fact = strfmt_v(fmt, ap);
        va_end(ap);
        if (!fact) {
                d->error = -ENOMEM;
                return NULL;
        }
        d->warnings++;
        n = tree_node_add(d->root, TREE_MARK_WARN, label, "%s", fact);
        if (!n)
                d->error = -ENOMEM;
        return n;
}

static void explain(Doctor *d, TreeNode *n, const char *why, const char *fix)
{
        if (!n)
                return;
        if ((why && tree_node_note(n, "why: %s", why) < 0) || (fix && tree_node_note(n, "fix: %s", fix) < 0))
                d->error = -ENOMEM;
}

static void check_instance_forwarding(Doctor *d, const InstanceConfig *c)
{
        char label[64], path[256], ifname[IFNAMSIZ], fix[512];
        Forwarding f;
        int r;

        /* Only a namespace that is there needs its packets forwarded. */
        if (netns_path(d->ctl->netns_dir, c->name, path, sizeof(path)) < 0 || access(path, F_OK) < 0)
                return;
        snprintf(label, sizeof(label), "%s: forwarding", c->name);
        r = instance_host_ifname(c->name, ifname);
        if (r >= 0)
                r = forwarding_read(ifname, c->uplink, &f);
        if (r < 0) {
                check(d, false, label, "unreadable: %s", strerror(-r));
                return;
        }
        if (f.on) {
                check(d, true, label, "%s", f.fact);
                return;
        }
        snprintf(fix, sizeof(fix),
                 "%s%sfind what turned it off (grep -r forward /etc/sysctl.conf /etc/sysctl.d /run/sysctl.d "
                 "/usr/lib/sysctl.d; a firewall or container tool); tsproxy-netns turns it on again at each "
                 "instance start",
                 f.fix, f.fix[0] ? ", then " : "");
        explain(d, check(d, false, label, "%s while the instance is up", f.fact),
                "the host does not route between the instance's veth and the uplink: its tailscaled cannot "
                "reach the internet (NAT never sees its packets)",
                fix);
}

static void check_forward_drops(Doctor *d)
{
        _cleanup_(nft_context_freep) NftContext *nft = NULL;
        _cleanup_free_ char *out = NULL, *err = NULL;
        _cleanup_free_ NftDropChain *drops = NULL;
        size_t n = 1;
        int r;

        r = nft_context_new(&nft);
        if (r >= 0)
                r = parse_nft_error(nft_context_run(nft, "list ruleset", &out, &err), err);
        if (r < 0) {
                if (r == -EPERM || r == -EACCES)
                        d->error = r;
                else
                        check(d, false, "forward chains", "nftables ruleset unreadable: %s", strerror(-r));
                return;
        }
        /* Room for every forward chain, however many tables there are. */
        for (const char *p = out; (p = strstr(p, "hook forward")); p++)
                n++;
        drops = calloc(n, sizeof(NftDropChain));
        if (!drops) {
                d->error = -ENOMEM;
                return;
        }
        n = parse_nft_forward_drops(out, drops, n);
        for (size_t i = 0; i < n; i++) {
                TreeNode *t;
                if (drops[i].mentions_tsproxy) {
                        check(d, true, "forward chains",
                              "table %s %s chain %s has policy drop, and rules for the ts-* veths",
                              drops[i].family, drops[i].table, drops[i].chain);
                        continue;
                }
                t = check(d, false, "forward chains", "table %s %s chain %s: hook forward, policy drop",
                          drops[i].family, drops[i].table, drops[i].chain);
                if (t &&
                    tree_node_note(
                            t, "why: a packet is forwarded only if every forward base chain accepts it; "
                               "this one drops the instances' traffic (ts-* to the uplink and back) that "
                               "tsproxy's own table accepts. Docker sets FORWARD's policy to drop.") < 0)
                        d->error = -ENOMEM;
                if (t &&
                    tree_node_note(
                            t,
                            "fix: accept the veths in that table, e.g. nft insert rule %s %s %s iifname "
                            "\"ts-*\" accept; nft insert rule %s %s %s oifname \"ts-*\" ct state "
                            "established,related accept (Docker: the same in its DOCKER-USER chain, "
                            "iptables -I DOCKER-USER -i ts-+ -j ACCEPT; iptables -I DOCKER-USER -o ts-+ -m "
                            "conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT)",
                            drops[i].family, drops[i].table, drops[i].chain, drops[i].family, drops[i].table,
                            drops[i].chain) < 0)
                        d->error = -ENOMEM;
        }
        if (n == 0)
                check(d, true, "forward chains", "no forward chain with policy drop in other tables");
}

static void check_tun(Doctor *d)
{
        struct stat st;

        if (stat("/dev/net/tun", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 &&
            minor(st.st_rdev) == 200) {
                check(d, true, "/dev/net/tun", "present");
                return;
        }
        explain(d, check(d, false, "/dev/net/tun", "missing"),
                "tailscaled makes its tailscale0 interface through /dev/net/tun",
                "modprobe tun (and add tun to /etc/modules-load.d/); in a container, pass the device in "
                "(e.g. --device /dev/net/tun)");
}

/* Is the netns directory, or the mount point that holds it (the longest mount point that
 * is a prefix of it), a shared mount? */
static void check_netns_shared(Doctor *d)
{
        _cleanup_free_ char *mi = NULL;
        const char *dir = d->ctl->netns_dir;
        char p[256];
        bool is_mount = false, shared = false;
        int r = fileio_read_text("/proc/self/mountinfo", 4 * 1024 * 1024, &mi);

        if (r < 0) {
                check(d, false, "/run/netns", "/proc/self/mountinfo unreadable: %s", strerror(-r));
                return;
        }
        snprintf(p, sizeof(p), "%s", dir);
        for (;;) {
                shared = parse_mountinfo_shared(mi, p, &is_mount);
                if (is_mount || strcmp(p, "/") == 0)
                        break;
                char *slash = strrchr(p, '/');
                if (slash == p)
                        p[1] = '\0';
                else
                        *slash = '\0';
        }
        if (shared || !is_mount) {
                check(d, true, dir, "%s%s is a shared mount", strcmp(p, dir) == 0 ? "" : "on ", p);
                return;
        }
        explain(d, check(d, false, dir, "%s%s is a private mount", strcmp(p, dir) == 0 ? "" : "on ", p),
                "a namespace is a bind mount on /run/netns/NAME; on a mount that does not propagate, the "
                "namespace made by ts-netns@ is not seen by the other units, nor by ip netns",
                "mount --make-shared /run/netns (as ip netns add does: mount --bind /run/netns /run/netns; "
                "mount --make-shared /run/netns), then restart the instances");
}

/*
 * A running tailscaled that is not logged in: the instance serves nothing of its tailnet. What
 * it says of itself comes from its LocalAPI (instance-status.c), else from its STATUS=. A node
 * key that expires within KEY_EXPIRY_WARN_S is a warning: the instance stops when it does.
 */
#define KEY_EXPIRY_FIX                                                                                      \
        "log the instance in again (tsproxyctl tailscale NAME logout; tsproxyctl login NAME), or disable "  \
        "key expiry for this machine in the tailnet's admin console"

static void check_instance_login(Doctor *d, const InstanceStatus *s)
{
        const InstanceConfig *c = s->config;
        const UnitFacts *ts = NULL;
        _cleanup_free_ char *fix = ctl_fix_text(LOGIN_FIX, c->name, ""), *said = NULL, *api = NULL;
        char label[64];
        int logged_in = instance_status_logged_in(s);
        bool answered = s->localapi_asked && s->localapi_error >= 0;

        for (size_t i = 0; i < s->units.n; i++)
                if (strncmp(s->units.units[i].name, "tailscaled@", 11) == 0)
                        ts = &s->unit_facts[i];
        if (!fix) {
                d->error = -ENOMEM;
                return;
        }
        if (logged_in < 0)
                return; /* not running (status says why), or on its way */
        snprintf(label, sizeof(label), "%s: login", c->name);
        said = ts && ts->state.status_text &&
                               parse_tailscaled_status(ts->state.status_text) != TAILSCALED_LOGIN_UNKNOWN
                       ? strfmt("tailscaled says \"%s\"", ts->state.status_text)
                       : strfmt("tailscaled is %s", answered ? s->ts.backend_state : "not logged in");
        if (logged_in > 0)
                api = answered && *s->ts.tailnet_name
                              ? strfmt("; tailnet %s as %s", s->ts.tailnet_name,
                                       *s->ts.login_name ? s->ts.login_name : "(unknown user)")
                              : strdup("");
        else
                api = answered ? strfmt(" (%s%s%s)", s->ts.backend_state,
                                        *s->ts.auth_url ? ", login URL " : "", s->ts.auth_url)
                               : strdup("");
        if (!said || !api) {
                d->error = -ENOMEM;
                return;
        }
        if (logged_in == 0) {
                explain(d, check(d, false, label, "not logged in: %s%s", said, api),
                        "until it logs in, the instance's proxy, forwards and DNS refuse every request for "
                        "its "
                        "tailnet",
                        fix);
                return;
        }
        check(d, true, label, "%s%s", said, api);
        if (answered && s->ts.has_key_expiry) {
                time_t now = time(NULL);
                _cleanup_free_ char *when = instance_status_expiry_text(s->ts.key_expiry, now);

                _cleanup_free_ char *again = ctl_fix_text(KEY_EXPIRY_FIX, c->name, "");

                snprintf(label, sizeof(label), "%s: key", c->name);
                if (!when || !again)
                        d->error = -ENOMEM;
                else if (s->ts.key_expiry <= now)
                        explain(d, check(d, false, label, "node key expired %s", when),
                                "the control server no longer accepts this node: the instance serves "
                                "nothing of "
                                "its tailnet",
                                again);
                else if (s->ts.key_expiry - now < KEY_EXPIRY_WARN_S)
                        explain(d, warn(d, label, "node key expires %s", when),
                                "when it expires, the instance serves nothing of its tailnet until it logs "
                                "in "
                                "again",
                                again);
        }
        if (answered && (*s->ts.tailnet_name || *s->ts.magicdns_suffix)) {
                __typeof__(d->logged_in) grown =
                        reallocarray(d->logged_in, d->n_logged_in + 1, sizeof(*grown));

                if (!grown) {
                        d->error = -ENOMEM;
                        return;
                }
                d->logged_in = grown;
                snprintf(grown[d->n_logged_in].name, sizeof(grown->name), "%s", c->name);
                snprintf(grown[d->n_logged_in].tailnet, sizeof(grown->tailnet), "%s", s->ts.tailnet_name);
                snprintf(grown[d->n_logged_in].suffix, sizeof(grown->suffix), "%s", s->ts.magicdns_suffix);
                d->n_logged_in++;
        }
}

/* Two instances logged in to one tailnet (same name or same MagicDNS suffix): they shadow
 * each other's names and addresses and double what the tailnet counts as machines. */
static void check_shared_tailnets(Doctor *d)
{
        for (size_t i = 0; i < d->n_logged_in; i++)
                for (size_t j = i + 1; j < d->n_logged_in; j++) {
                        bool name = *d->logged_in[i].tailnet &&
                                    strcmp(d->logged_in[i].tailnet, d->logged_in[j].tailnet) == 0;
                        bool suffix = *d->logged_in[i].suffix &&
                                      strcmp(d->logged_in[i].suffix, d->logged_in[j].suffix) == 0;
                        char label[64];
                        _cleanup_free_ char *fix = NULL;

                        if (!name && !suffix)
                                continue;
                        snprintf(label, sizeof(label), "%s, %s", d->logged_in[i].name, d->logged_in[j].name);
                        fix = strfmt("log one of them out (tsproxyctl tailscale %s logout) and in to the "
                                     "tailnet it is meant for (tsproxyctl login %s)",
                                     d->logged_in[j].name, d->logged_in[j].name);
                        explain(d,
                                check(d, false, label, "both logged in to the tailnet %s",
                                      name ? d->logged_in[i].tailnet : d->logged_in[i].suffix),
                                "each instance is one tailnet: two in the same one duplicate its machines, "
                                "and "
                                "their TailnetDomain= names and proxies serve the same tailnet twice",
                                fix);
                }
}

/*
 * What traffic needs, link by link, as status judges it (instance-status.c): the
 * namespace's routes, the host's rules, the owned and the backstop table. Each bad one
 * is a finding; status shows the good ones.
 */
static void check_instance_links(Doctor *d, const InstanceStatus *s)
{
        const InstanceConfig *c = s->config;
        char label[64];

        const Link *links[] = {&s->netns,        &s->route_default, &s->route_tailnet,
                               &s->veth_link,    &s->rule_subnet,   &s->rule_iif,
                               &s->rule_barrier, &s->guard,         &s->nft};
        snprintf(label, sizeof(label), "%s: network", c->name);
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                _cleanup_free_ char *fix = NULL;
                if (links[i]->verdict != VERDICT_BAD)
                        continue;
                fix = ctl_fix_text(links[i]->fix, c->name, "");
                explain(d, check(d, false, label, "%s", links[i]->fact),
                        "the instance's traffic goes this way (tsproxyctl status NAME shows the chain)",
                        fix);
        }
}

static void check_orphans(Doctor *d, const ConfigSet *set)
{
        char **orphans = host_facts_orphans(&d->host, set);

        if (!orphans) {
                d->error = -ENOMEM;
                return;
        }
        for (char **o = orphans; *o; o++) {
                _cleanup_free_ char *fact = host_facts_orphan_fact(d->ctl, &d->host, *o),
                                    *fix = ctl_fix_text(ORPHAN_FIX, *o, "");
                if (!fact || !fix) {
                        d->error = -ENOMEM;
                        break;
                }
                explain(d, check(d, false, *o, "%s", fact),
                        "its units or namespace outlive the deleted file: nothing shows or manages it", fix);
        }
        strv_free_ctl(orphans);
}

static void check_instance(Doctor *d, const InstanceConfig *c, const RouteEntry *routes, size_t n_routes)
{
        char label[64], subnet[SUBNET_STRLEN], buf[ENDPOINT_STRLEN];
        bool found = false;
        struct stat st;

        check_instance_forwarding(d, c);
        snprintf(label, sizeof(label), "%s: uplink", c->name);
        for (size_t i = 0; i < n_routes && !found; i++)
                found = routes[i].destination.prefix == 0 &&
                        (!c->uplink || strcmp(routes[i].ifname, c->uplink) == 0);
        if (found)
                check(d, true, label, "default route%s%s", c->uplink ? " via " : "", strempty(c->uplink));
        else
                explain(d,
                        check(d, false, label, "no default route%s%s in the main table",
                              c->uplink ? " via " : "", strempty(c->uplink)),
                        "the instance's traffic is masqueraded out of the uplink: without a route there the "
                        "instance's tailscaled reaches neither its control server nor its peers",
                        c->uplink ? "bring the uplink up with its default route, or set [Namespace] Uplink= "
                                    "to the interface of the default route (ip route show default)"
                                  : "give the host a default route (ip route show default)");

        snprintf(label, sizeof(label), "%s: tailscaled", c->name);
        if (stat(c->ts_binary, &st) == 0 && S_ISREG(st.st_mode) && access(c->ts_binary, X_OK) == 0)
                check(d, true, label, "%s executable", c->ts_binary);
        else
                explain(d,
                        check(d, false, label, "%s %s", c->ts_binary,
                              stat(c->ts_binary, &st) < 0 ? "missing" : "not an executable file"),
                        "tailscaled@ runs this binary ([Tailscale] Binary=)",
                        "install tailscale (https://tailscale.com/download), or set [Tailscale] Binary= to "
                        "its path");

        /* Which links are expected depends on the units' states: only with the bus. */
        if (d->bus) {
                _cleanup_(instance_status_done) InstanceStatus s = {};
                int r = instance_status_collect(d->ctl, d->bus, &d->host, c, false, false, &s);

                if (r < 0) {
                        d->error = r;
                        return;
                }
                check_instance_login(d, &s);
                check_instance_links(d, &s);
        }

        const struct sockaddr *sa;
        const char *kind;
        for (size_t i = 0; (sa = ctl_listen_address(c, i, &kind)); i++) {
                static const struct in6_addr any6 = IN6ADDR_ANY_INIT;
                bool wildcard = (sa->sa_family == AF_INET &&
                                 ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY)) ||
                                (sa->sa_family == AF_INET6 &&
                                 memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &any6, 16) == 0);

                endpoint_format(sa, buf);
                snprintf(label, sizeof(label), "%s: listen", c->name);
                if (wildcard || netfacts_has_address(sa))
                        check(d, true, label, "%s %s", buf,
                              wildcard ? "(any address)" : "is on an interface");
                else
                        explain(d, check(d, false, label, "%s is on no interface of the host", buf),
                                "the socket is bound anyway (FreeBind=), but nothing reaches it until the "
                                "address is there; a home tailnet address (100.x) is missing when the "
                                "host's "
                                "own tailscale is down",
                                "bring the host's tailscale up (tailscale up; tailscale ip), or correct "
                                "[SOCKS] Listen= / [Forward] Forward= / [DNS] Listen=");
        }

        snprintf(label, sizeof(label), "%s: subnet", c->name);
        subnet_format(&c->subnet, subnet);
        found = false;
        for (size_t i = 0; i < n_routes; i++) {
                char dest[SUBNET_STRLEN];
                /* The default route overlaps everything and is fine; so are tsproxy's own veths. */
                if (routes[i].destination.prefix == 0 ||
                    strncmp(routes[i].ifname, HOST_IFNAME_PREFIX, strlen(HOST_IFNAME_PREFIX)) == 0 ||
                    !subnet_overlaps(&routes[i].destination, &c->subnet))
                        continue;
                found = true;
                subnet_format(&routes[i].destination, dest);
                explain(d,
                        check(d, false, label, "%s overlaps the route %s dev %s", subnet, dest,
                              routes[i].ifname),
                        "the host's route and the instance's veth claim the same addresses: one of them is "
                        "unreachable",
                        "choose another [Namespace] Subnet= (tsproxyctl verify checks it), or leave it "
                        "unset for one from 10.200.0.0/16");
        }
        if (!found)
                check(d, true, label, "%s overlaps no route of the host", subnet);
}

int ctl_doctor(Ctl *ctl, int argc, char *argv[])
{
        _cleanup_(tree_node_freep) TreeNode *root = NULL;
        _cleanup_free_ RouteEntry *routes = NULL;
        _cleanup_free_ char *route_text = NULL;
        _cleanup_(config_set_done) ConfigSet set = {};
        size_t n_routes = 0;
        Doctor d = {.ctl = ctl};
        int c, r;

        while ((c = getopt_long(argc, argv, "", (const struct option[]){{}}, NULL)) >= 0)
                return CTL_EXIT_USAGE;
        if (optind < argc) {
                log_error(&ctl->log, "doctor takes no arguments.");
                return CTL_EXIT_USAGE;
        }
        if (ctl_load_config(ctl, &set) < 0)
                return CTL_EXIT_PROBLEMS;

        /* One entry per line, however many routes (1000 instances have 1000 veth routes). */
        r = fileio_read_text("/proc/net/route", 64 * 1024 * 1024, &route_text);
        for (const char *p = r >= 0 ? route_text : ""; *p; p++)
                n_routes += *p == '\n';
        routes = calloc(n_routes + 1, sizeof(RouteEntry));
        root = tree_node_new(TREE_MARK_NONE, "tsproxy host", NULL);
        if (!routes || !root)
                return log_error_errno(&ctl->log, ENOMEM, "Failed to allocate memory: %m"),
                       CTL_EXIT_PROBLEMS;
        d.root = root;
        n_routes = route_text ? parse_proc_net_route(route_text, routes, n_routes + 1) : 0;

        check_forward_drops(&d);
        check_tun(&d);
        check_netns_shared(&d);
        if (diagnostics_count(&set.diagnostics, LOG_ERR) > 0)
                explain(&d,
                        check(&d, false, "configuration", "%zu error%s",
                              diagnostics_count(&set.diagnostics, LOG_ERR),
                              diagnostics_count(&set.diagnostics, LOG_ERR) == 1 ? "" : "s"),
                        "instances with errors are not generated", "tsproxyctl verify names them");
        if (unit_state_bus_open(&d.bus) < 0)
                d.bus = NULL;
        r = host_facts_read(ctl, d.bus, &d.host);
        if (r >= 0 && d.bus)
                r = host_facts_prefetch_units(&d.host, d.bus, &set, false);
        if (r < 0)
                d.error = r;
        for (size_t i = 0; i < set.n_instances && d.error >= 0; i++)
                if (set.instances[i].valid)
                        check_instance(&d, &set.instances[i], routes, n_routes);
        if (d.error >= 0)
                check_shared_tailnets(&d);
        free(d.logged_in);
        if (d.error >= 0)
                check_orphans(&d, &set);
        host_facts_done(&d.host);
        d.bus = sd_bus_flush_close_unref(d.bus);

        if (d.error == -EPERM || d.error == -EACCES) {
                log_error_errno(&ctl->log, d.error,
                                "Failed to read the nftables ruleset: %m. tsproxyctl doctor needs root "
                                "(CAP_NET_ADMIN).");
                return CTL_EXIT_NO_RIGHTS;
        }
        if (d.error < 0)
                return log_error_errno(&ctl->log, d.error, "Failed to run the checks: %m"),
                       CTL_EXIT_PROBLEMS;
        if (d.warnings > 0)
                r = tree_node_set_fact(root, "%zu finding%s, %zu warning%s", d.findings,
                                       d.findings == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s");
        else
                r = tree_node_set_fact(root, "%zu finding%s", d.findings, d.findings == 1 ? "" : "s");
        if (r >= 0) {
                root->mark = d.findings ? TREE_MARK_BAD : d.warnings ? TREE_MARK_WARN : TREE_MARK_GOOD;
                r = tree_render(root, &ctl->style, stdout);
        }
        if (r < 0)
                return CTL_EXIT_PROBLEMS;
        return d.findings ? CTL_EXIT_PROBLEMS : CTL_EXIT_OK;
}
