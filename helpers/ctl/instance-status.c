/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * instance-status.c: gathering and judging the facts of one instance (see
 * instance-status.h).
 *
 * The judgement follows the chain: what ts-netns@ makes (namespace, veth, forwarding) is
 * expected while ts-netns@ is active, the nft table while ts-nat@ is, tailnet addresses
 * while tailscaled@ is. A unit is judged bad when it is not active while the instance's
 * target is active or wanted (enabled, or asked for by name), or when it failed; a stopped
 * instance that is not enabled is "stopped", not bad, in a listing of all instances.
 */
#include "instance-status.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "forwarding.h"
#include "instance.h"
#include "journal.h"
#include "netns.h"
#include "netread.h"
#include "parse.h"
#include "tailnet.h"
#include "strfmt.h"

#define JOURNAL_LINES 5
/* A busy tailscaled still answers its status in well under a second. */
#define LOCALAPI_STATUS_TIMEOUT_MS 2000

/* Every Link of an InstanceStatus: judged together for ok, freed together. */
static const size_t link_offsets[] = {
        offsetof(InstanceStatus, netns),           offsetof(InstanceStatus, route_default),
        offsetof(InstanceStatus, route_tailnet),   offsetof(InstanceStatus, veth_link),
        offsetof(InstanceStatus, rule_subnet),     offsetof(InstanceStatus, rule_iif),
        offsetof(InstanceStatus, rule_barrier),    offsetof(InstanceStatus, guard),
        offsetof(InstanceStatus, forwarding_link), offsetof(InstanceStatus, nft),
        offsetof(InstanceStatus, tailnet_link),
};

static bool is_permission_error(int r)
{
        return r == -EPERM || r == -EACCES;
}

static int set_link(Link *l, Verdict v, const char *fix, char *fact)
{
        char *f = NULL;

        if (fact && v == VERDICT_BAD && fix)
                f = strdup(fix);
        if (!fact || (v == VERDICT_BAD && fix && !f)) {
                free(fact);
                return -ENOMEM;
        }
        free(l->fact);
        free(l->fix);
        *l = (Link){.verdict = v, .fact = fact, .fix = f};
        return 0;
}

static bool unit_is(const UnitFacts *u, const char *active_state)
{
        return u->state.active_state && strcmp(u->state.active_state, active_state) == 0;
}

static const UnitFacts *unit_by_template(const InstanceStatus *s, const char *template)
{
        size_t n = strlen(template);

        for (size_t i = 0; i < s->units.n; i++)
                if (strncmp(s->units.units[i].name, template, n) == 0 && s->units.units[i].name[n] == '@')
                        return &s->unit_facts[i];
        return NULL;
}

static char *join_addrs(const NetLink *l)
{
        char *s = strdup("");

        for (size_t i = 0; s && i < l->n_addrs; i++) {
                char *t = strfmt("%s%s%s", s, i ? " " : "", l->addrs[i]);
                free(s);
                s = t;
        }
        return s;
}

static int collect_units(InstanceStatus *s, sd_bus *bus, HostFacts *h, bool with_journal, bool named)
{
        bool wanted;
        int r;

        r = host_facts_unit_state(h, bus, s->units.target, &s->target.state);
        if (r < 0)
                return r;
        s->enabled = s->config->auto_start || (s->target.state.unit_file_state &&
                                               strncmp(s->target.state.unit_file_state, "enabled", 7) == 0);
        wanted = named || s->enabled || unit_is(&s->target, "active") || unit_is(&s->target, "activating") ||
                 unit_is(&s->target, "failed");

        s->unit_facts = calloc(s->units.n, sizeof(UnitFacts));
        if (!s->unit_facts)
                return -ENOMEM;
        for (size_t i = 0; i < s->units.n; i++) {
                UnitFacts *u = &s->unit_facts[i];

                r = host_facts_unit_state(h, bus, s->units.units[i].name, &u->state);
                if (r < 0)
                        return r;
                if (unit_is(u, "active"))
                        u->verdict = VERDICT_GOOD;
                else if (unit_is(u, "failed") || wanted)
                        u->verdict = VERDICT_BAD;
                else
                        u->verdict = VERDICT_NONE;
                if (u->verdict == VERDICT_BAD && with_journal) {
                        r = journal_last_lines_in(&h->journal, s->units.units[i].name, JOURNAL_LINES,
                                                  &u->journal);
                        if (r < 0 && !is_permission_error(r) && r != -ENOMEM)
                                u->journal = NULL; /* no journal here: status still works */
                        else if (r == -ENOMEM)
                                return r;
                }
        }
        if (unit_is(&s->target, "active"))
                s->target.verdict = VERDICT_GOOD;
        else
                s->target.verdict = wanted ? VERDICT_BAD : VERDICT_NONE;
        /* The target only Wants= ts-nat@ and tailscaled@ (a crash restarts that helper
         * alone): it stays active while one of them is down, and the instance is not
         * working then. */
        for (size_t i = 0; s->target.verdict == VERDICT_GOOD && i < s->units.n; i++)
                if (s->unit_facts[i].verdict == VERDICT_BAD) {
                        s->target.verdict = VERDICT_BAD;
                        s->degraded = true;
                }
        return 0;
}

static int collect_netns(const Ctl *ctl, InstanceStatus *s)
{
        const NetLink *host0;
        _cleanup_free_ char *addrs = NULL;
        const char *fix = "restart the chain from the namespace up: systemctl stop tsproxy@NAME.target "
                          "ts-netns@NAME.service; systemctl start tsproxy@NAME.target";

        s->netns_error = netread_netns(ctl->netns_dir, s->config->name, &s->ns, &s->routes);
        if (s->netns_error == -ENOMEM)
                return -ENOMEM;
        if (is_permission_error(s->netns_error))
                return s->netns_error;
        if (s->netns_error < 0)
                return set_link(&s->netns, s->netns_up ? VERDICT_BAD : VERDICT_NONE, fix,
                                s->netns_error == -ENOENT ? strfmt("%s absent", s->netns_path)
                                : s->netns_error == -EMEDIUMTYPE
                                        ? strfmt("%s is not a namespace mount", s->netns_path)
                                        : strfmt("%s cannot be entered: %s", s->netns_path,
                                                 strerror(-s->netns_error)));
        host0 = netfacts_link(&s->ns, NAMESPACE_IFNAME);
        if (!host0)
                return set_link(&s->netns, s->netns_up ? VERDICT_BAD : VERDICT_NONE, fix,
                                strfmt("%s present, but no %s inside", s->netns_path, NAMESPACE_IFNAME));
        addrs = join_addrs(host0);
        if (!addrs)
                return -ENOMEM;
        return set_link(&s->netns, host0->up && host0->n_addrs > 0 ? VERDICT_GOOD : VERDICT_BAD, fix,
                        strfmt("%s present, %s %s %s", s->netns_path, NAMESPACE_IFNAME,
                               host0->up ? "up" : "DOWN", *addrs ? addrs : "without addresses"));
}

static int collect_veth(InstanceStatus *s, const HostFacts *h)
{
        const NetLink *l;
        _cleanup_free_ char *addrs = NULL;
        const char *fix = "restart the chain from the namespace up: systemctl stop tsproxy@NAME.target "
                          "ts-netns@NAME.service; systemctl start tsproxy@NAME.target";
        Verdict missing = s->netns_up ? VERDICT_BAD : VERDICT_NONE;

        l = netfacts_link(&h->links, s->host_ifname);
        if (!l)
                return set_link(&s->veth_link, missing, fix, strfmt("%s absent", s->host_ifname));
        s->veth_present = true;
        s->veth = *l;
        addrs = join_addrs(l);
        if (!addrs)
                return -ENOMEM;
        return set_link(&s->veth_link, l->up && l->n_addrs > 0 ? VERDICT_GOOD : missing, fix,
                        strfmt("%s %s %s", s->host_ifname, l->up ? "up" : "DOWN",
                               *addrs ? addrs : "without addresses"));
}

static int collect_forwarding(InstanceStatus *s)
{
        char fix[512];
        Forwarding f;
        int r;

        r = forwarding_read(s->host_ifname, s->config->uplink, &f);
        if (r < 0)
                return set_link(&s->forwarding_link, VERDICT_NONE, NULL,
                                strfmt("IPv4 forwarding unreadable: %s", strerror(-r)));
        s->forwarding = f.on;
        snprintf(fix, sizeof(fix),
                 "%s%sfind what turned it off (a sysctl.d file, a firewall or container tool); see "
                 "tsproxyctl doctor",
                 f.fix, f.fix[0] ? ", and " : "");
        return set_link(&s->forwarding_link,
                        f.on          ? VERDICT_GOOD
                        : s->netns_up ? VERDICT_BAD
                                      : VERDICT_NONE,
                        fix, strdup(f.fact));
}

/* The chains tsproxy-nat's owned table and tsproxy-netns's backstop carry
 * (helpers/lib/nft-ruleset.c): a table without one of them does not guard or NAT. */
static const char *const owned_chains[] = {"forward", "input", "postrouting", "prerouting", NULL};
static const char *const guard_chains[] = {"forward", "input", NULL};

static int collect_nft(InstanceStatus *s, const HostFacts *h)
{
        const UnitFacts *nat = unit_by_template(s, "ts-nat");
        Verdict missing = nat && unit_is(nat, "active") ? VERDICT_BAD : VERDICT_NONE;
        const char *fix = "systemctl restart ts-nat@NAME.service (it owns the table; see tsproxy-nat(8))";

        s->nft_error = h->nft_error;
        if (h->nft_error < 0)
                return set_link(
                        &s->nft, missing, fix,
                        strfmt("table inet %s unreadable: %s", s->nft_table, strerror(-h->nft_error)));
        if (!netcheck_nft_table(&h->nft, s->nft_table, owned_chains, &s->nft_missing_chain)) {
                s->nft_error = -ENOENT;
                return set_link(&s->nft, missing, fix, strfmt("table inet %s absent", s->nft_table));
        }
        s->nft_present = true;
        if (s->nft_missing_chain)
                return set_link(&s->nft, missing, fix,
                                strfmt("table inet %s present, but without its chain %s", s->nft_table,
                                       s->nft_missing_chain));
        s->masquerade = netcheck_nft_masquerade(&h->nft, s->nft_table, &s->packets, &s->bytes);
        if (!s->masquerade)
                return set_link(
                        &s->nft, missing, fix,
                        strfmt("table inet %s present, but without its masquerade rule", s->nft_table));
        return set_link(&s->nft, VERDICT_GOOD, fix,
                        strfmt("table inet %s present with its chains; masquerade: %" PRIu64
                               " packets, %" PRIu64 " bytes",
                               s->nft_table, s->packets, s->bytes));
}

/* The backstop table of tsproxy-netns: while ts-netns@ is up, it guards the veth even
 * when tsproxy-nat (and its owned table) is down. */
static int collect_guard(InstanceStatus *s, const HostFacts *h)
{
        const char *missing_chain = NULL;
        Verdict missing = s->netns_up ? VERDICT_BAD : VERDICT_NONE;
        const char *fix = "restart the chain from the namespace up (tsproxy-netns up loads the backstop): "
                          "systemctl stop tsproxy@NAME.target ts-netns@NAME.service; systemctl start "
                          "tsproxy@NAME.target";

        if (h->nft_error < 0)
                return set_link(
                        &s->guard, missing, fix,
                        strfmt("table inet %s unreadable: %s", s->guard_table, strerror(-h->nft_error)));
        s->guard_present = netcheck_nft_table(&h->nft, s->guard_table, guard_chains, &missing_chain);
        if (!s->guard_present)
                return set_link(
                        &s->guard, missing, fix,
                        strfmt("backstop table inet %s absent: while tsproxy-nat is down the namespace "
                               "is not guarded",
                               s->guard_table));
        if (missing_chain)
                return set_link(&s->guard, missing, fix,
                                strfmt("backstop table inet %s present, but without its chain %s",
                                       s->guard_table, missing_chain));
        return set_link(&s->guard, VERDICT_GOOD, NULL,
                        strfmt("backstop table inet %s present with its chains", s->guard_table));
}

/* The namespace's routes (tsproxy-netns up): the default route via the host end, and
 * "unreachable 100.64.0.0/10" so that a tailnet address never follows it to the host. */
static int collect_routes(InstanceStatus *s)
{
        char gw[IPV4_STRLEN];
        struct in_addr a = {.s_addr = htonl(subnet_host_address(&s->config->subnet))};
        Verdict missing = s->netns_up && s->netns_error >= 0 ? VERDICT_BAD : VERDICT_NONE;
        _cleanup_free_ char *fix = NULL;
        int r;

        if (s->netns_error < 0)
                return 0; /* the namespace's link says why */
        inet_ntop(AF_INET, &a, gw, sizeof(gw));
        fix = strfmt(
                "ip -n NAME route add default via %s dev %s (or restart the chain from the namespace up: "
                "systemctl stop tsproxy@NAME.target ts-netns@NAME.service; systemctl start "
                "tsproxy@NAME.target)",
                gw, NAMESPACE_IFNAME);
        if (!fix)
                return -ENOMEM;
        r = set_link(&s->route_default,
                     netcheck_default_route(&s->routes, gw, NAMESPACE_IFNAME) ? VERDICT_GOOD : missing, fix,
                     netcheck_default_route(&s->routes, gw, NAMESPACE_IFNAME)
                             ? strfmt("default via %s dev %s", gw, NAMESPACE_IFNAME)
                             : strfmt("no default route via %s dev %s in the namespace: tailscaled reaches "
                                      "neither its control server nor its peers",
                                      gw, NAMESPACE_IFNAME));
        if (r < 0)
                return r;
        if (netcheck_unreachable_route(&s->routes, AF_INET, TAILNET_IPV4_RANGE))
                return set_link(&s->route_tailnet, VERDICT_GOOD, NULL,
                                strfmt("unreachable %s", TAILNET_IPV4_RANGE));
        return set_link(
                &s->route_tailnet, missing,
                "ip -n NAME route add unreachable " TAILNET_IPV4_RANGE
                " (or restart the chain from the namespace up)",
                strfmt("no 'unreachable %s' in the namespace: a tailnet address would follow the default "
                       "route to the host",
                       TAILNET_IPV4_RANGE));
}

/* The host's policy rules (tsproxy-netns up): the main table before the host
 * tailscaled's table 52, and nothing else for what comes in from the veth. */
static int collect_rules(InstanceStatus *s, const HostFacts *h)
{
        const char *restart =
                " (or restart the chain from the namespace up: systemctl stop tsproxy@NAME.target "
                "ts-netns@NAME.service; systemctl start tsproxy@NAME.target)";
        Verdict missing = s->netns_up ? VERDICT_BAD : VERDICT_NONE;
        _cleanup_free_ char *fix = NULL;
        bool ok;
        int r;

        if (h->rules_error < 0)
                return set_link(&s->rule_subnet, VERDICT_NONE, NULL,
                                strfmt("policy rules unreadable: %s", strerror(-h->rules_error)));
        ok = netcheck_rule(&h->rules, AF_INET, RULE_PRIORITY, FR_ACT_TO_TBL, RT_TABLE_MAIN, s->subnet, "");
        fix = strfmt("ip rule add to %s lookup main priority %u%s", s->subnet, RULE_PRIORITY, restart);
        if (!fix)
                return -ENOMEM;
        r = set_link(&s->rule_subnet, ok ? VERDICT_GOOD : missing, fix,
                     strfmt("%s: to %s lookup main priority %u", ok ? "present" : "absent", s->subnet,
                            RULE_PRIORITY));
        if (r < 0)
                return r;
        free(fix);
        ok = netcheck_rule(&h->rules, AF_INET, RULE_PRIORITY, FR_ACT_TO_TBL, RT_TABLE_MAIN, "",
                           s->host_ifname);
        fix = strfmt("ip rule add iif %s lookup main priority %u%s", s->host_ifname, RULE_PRIORITY, restart);
        if (!fix)
                return -ENOMEM;
        r = set_link(&s->rule_iif, ok ? VERDICT_GOOD : missing, fix,
                     strfmt("%s: iif %s lookup main priority %u", ok ? "present" : "absent", s->host_ifname,
                            RULE_PRIORITY));
        if (r < 0)
                return r;
        free(fix);
        ok = netcheck_rule(&h->rules, AF_INET, RULE_PRIORITY_BARRIER, FR_ACT_UNREACHABLE, 0, "",
                           s->host_ifname);
        fix = strfmt("ip rule add iif %s unreachable priority %u%s", s->host_ifname, RULE_PRIORITY_BARRIER,
                     restart);
        if (!fix)
                return -ENOMEM;
        return set_link(
                &s->rule_barrier, ok ? VERDICT_GOOD : missing, fix,
                strfmt("%s: iif %s unreachable priority %u%s", ok ? "present" : "absent", s->host_ifname,
                       RULE_PRIORITY_BARRIER,
                       ok ? "" : ": the namespace's traffic could reach the host tailscaled's table 52"));
}

static int collect_tailnet(InstanceStatus *s)
{
        const UnitFacts *ts = unit_by_template(s, "tailscaled");
        /* Without the namespace, the namespace's link says what is wrong. */
        Verdict missing = ts && unit_is(ts, "active") && s->netns_error >= 0 ? VERDICT_BAD : VERDICT_NONE;
        _cleanup_free_ char *list = strdup(""), *fix = NULL;
        TailscaledLogin login;

        if (!list)
                return -ENOMEM;
        for (size_t i = 0; s->netns_error >= 0 && i < s->ns.n_links; i++)
                for (size_t j = 0; j < s->ns.links[i].n_addrs; j++) {
                        char *t, (*grown)[IPNET_STRLEN];
                        if (!netfacts_is_tailnet_address(s->ns.links[i].addrs[j]))
                                continue;
                        grown = reallocarray(s->tailnet, s->n_tailnet + 1, IPNET_STRLEN);
                        if (!grown)
                                return -ENOMEM;
                        s->tailnet = grown;
                        snprintf(s->tailnet[s->n_tailnet], IPNET_STRLEN, "%.*s",
                                 (int)strcspn(s->ns.links[i].addrs[j], "/"), s->ns.links[i].addrs[j]);
                        snprintf(s->tailnet_ifname, sizeof(s->tailnet_ifname), "%s", s->ns.links[i].name);
                        t = strfmt("%s%s%s", list, *list ? " " : "", s->tailnet[s->n_tailnet]);
                        free(list);
                        list = t;
                        if (!list)
                                return -ENOMEM;
                        s->n_tailnet++;
                }
        /* tailscaled's own answer first (ipn/localapi/localapi.go serveStatus); STATUS= when it
         * does not answer. */
        if (ts && unit_is(ts, "active")) {
                char path[128];

                s->localapi_asked = true;
                s->localapi_error = localapi_socket_path(s->config->name, path, sizeof(path));
                if (s->localapi_error >= 0)
                        s->localapi_error = localapi_status(path, LOCALAPI_STATUS_TIMEOUT_MS, &s->ts);
        }
        login = parse_tailscaled_status(ts ? ts->state.status_text : NULL);
        fix = strdup(LOGIN_FIX);
        if (!fix)
                return -ENOMEM;
        if (missing == VERDICT_BAD && instance_status_logged_in(s) == 0) {
                /* The real tailscaled is ready long before it is logged in: say so. */
                _cleanup_free_ char *said = ts->state.status_text && login != TAILSCALED_LOGIN_UNKNOWN
                                                    ? strfmt(" says \"%s\"", ts->state.status_text)
                                                    : strdup("");
                if (!said)
                        return -ENOMEM;
                if (s->localapi_asked && s->localapi_error >= 0)
                        return set_link(&s->tailnet_link, VERDICT_BAD, fix,
                                        strfmt("not logged in: tailscaled%s (%s%s%s)", said,
                                               s->ts.backend_state, *s->ts.auth_url ? ", login URL " : "",
                                               s->ts.auth_url));
                return set_link(&s->tailnet_link, VERDICT_BAD, fix,
                                strfmt("not logged in: tailscaled%s", said));
        }
        if (s->n_tailnet == 0)
                return set_link(&s->tailnet_link, missing, fix,
                                strdup(s->netns_error < 0 ? "unknown: no namespace to look into"
                                                          : "no tailnet address in the namespace"));
        return set_link(&s->tailnet_link, VERDICT_GOOD, NULL, strfmt("%s on %s", list, s->tailnet_ifname));
}

int instance_status_collect(const Ctl *ctl, sd_bus *bus, HostFacts *h, const InstanceConfig *c,
                            bool with_journal, bool named, InstanceStatus *ret)
{
        _cleanup_(instance_status_done) InstanceStatus s = {.config = c};
        const UnitFacts *netns;
        int r;

        subnet_format(&c->subnet, s.subnet);
        r = instance_host_ifname(c->name, s.host_ifname);
        if (r >= 0)
                r = instance_nft_table(c->name, s.nft_table, sizeof(s.nft_table));
        if (r >= 0)
                r = instance_nft_guard_table(c->name, s.guard_table, sizeof(s.guard_table));
        if (r >= 0)
                r = netns_path(ctl->netns_dir, c->name, s.netns_path, sizeof(s.netns_path));
        if (r >= 0)
                r = ctl_units_of(c, &s.units);
        if (r >= 0)
                r = collect_units(&s, bus, h, with_journal, named);
        if (r >= 0) {
                netns = unit_by_template(&s, "ts-netns");
                s.netns_up = netns && unit_is(netns, "active");
                r = collect_netns(ctl, &s);
        }
        if (r >= 0)
                r = collect_routes(&s);
        if (r >= 0)
                r = collect_veth(&s, h);
        if (r >= 0)
                r = collect_rules(&s, h);
        if (r >= 0)
                r = collect_forwarding(&s);
        if (r >= 0)
                r = collect_nft(&s, h);
        if (r >= 0)
                r = collect_guard(&s, h);
        if (r >= 0)
                r = collect_tailnet(&s);
        if (r < 0)
                return r;

        s.ok = s.target.verdict != VERDICT_BAD;
        for (size_t i = 0; i < ELEMENTSOF(link_offsets); i++)
                if (((const Link *)((const char *)&s + link_offsets[i]))->verdict == VERDICT_BAD)
                        s.ok = false;
        for (size_t i = 0; i < s.units.n; i++)
                if (s.unit_facts[i].verdict == VERDICT_BAD)
                        s.ok = false;
        *ret = TAKE_STRUCT(s);
        return 0;
}

char *instance_status_expiry_text(time_t expiry, time_t now)
{
        time_t d = expiry > now ? expiry - now : now - expiry;
        char when[64];
        struct tm tm;

        if (!gmtime_r(&expiry, &tm) || strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
                strcpy(when, "?");
        if (d >= 2 * 24 * 3600)
                return strfmt("%s (%s%lld days%s)", when, expiry > now ? "in " : "expired ",
                              (long long)(d / 86400), expiry > now ? "" : " ago");
        return strfmt("%s (%s%lld hours%s)", when, expiry > now ? "in " : "expired ", (long long)(d / 3600),
                      expiry > now ? "" : " ago");
}

int instance_status_logged_in(const InstanceStatus *s)
{
        const UnitFacts *ts = unit_by_template(s, "tailscaled");
        TailscaledLogin login;

        if (!ts || !unit_is(ts, "active"))
                return -1;
        if (s->localapi_asked && s->localapi_error >= 0)
                return strcmp(s->ts.backend_state, "Running") == 0 ? 1
                       : strcmp(s->ts.backend_state, "Starting") == 0 ||
                                       strcmp(s->ts.backend_state, "NoState") == 0
                               ? -1 /* on its way */
                               : 0;
        login = parse_tailscaled_status(ts->state.status_text);
        return login == TAILSCALED_LOGIN_CONNECTED ? 1 : login == TAILSCALED_LOGIN_UNKNOWN ? -1 : 0;
}

const char *instance_status_unit_fix(const InstanceStatus *s, size_t i)
{
        if (s->unit_facts[i].verdict != VERDICT_BAD)
                return NULL;
        if (!s->unit_facts[i].state.load_state || strcmp(s->unit_facts[i].state.load_state, "loaded") != 0)
                return "systemctl daemon-reload (the generator makes the drop-ins); then tsproxyctl verify";
        return "see the journal lines above (journalctl -u UNIT); then systemctl restart "
               "tsproxy@NAME.target";
}

void instance_status_done(InstanceStatus *s)
{
        unit_state_done(&s->target.state);
        for (size_t i = 0; s->unit_facts && i < s->units.n; i++) {
                unit_state_done(&s->unit_facts[i].state);
                journal_lines_free(s->unit_facts[i].journal);
        }
        free(s->unit_facts);
        ctl_units_done(&s->units);
        netfacts_done(&s->ns);
        netroutes_done(&s->routes);
        free(s->tailnet);
        for (size_t i = 0; i < ELEMENTSOF(link_offsets); i++) {
                Link *l = (Link *)((char *)s + link_offsets[i]);
                free(l->fact);
                free(l->fix);
        }
        *s = (InstanceStatus){};
}

int ctl_bus_open(Ctl *ctl, sd_bus **ret)
{
        int r = ctl_require_systemd(ctl);

        if (r != 0)
                return r;
        r = unit_state_bus_open(ret);
        if (r == -EPERM || r == -EACCES) {
                log_error_errno(&ctl->log, r, "Failed to connect to the system bus: %m");
                return CTL_EXIT_NO_RIGHTS;
        }
        if (r < 0) {
                log_error_errno(&ctl->log, r, "Failed to connect to the system bus: %m");
                return CTL_EXIT_PROBLEMS;
        }
        return 0;
}

int ctl_status_error(Ctl *ctl, const char *name, int r)
{
        if (r == -EPERM || r == -EACCES) {
                log_error_errno(
                        &ctl->log, r,
                        "Failed to inspect instance '%s': %m. Entering its network namespace and "
                        "reading nftables need root (CAP_SYS_ADMIN, CAP_NET_ADMIN); run tsproxyctl as root.",
                        name);
                return CTL_EXIT_NO_RIGHTS;
        }
        log_error_errno(&ctl->log, r, "Failed to inspect instance '%s': %m", name);
        return CTL_EXIT_PROBLEMS;
}
