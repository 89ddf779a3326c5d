/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * status.c: `tsproxyctl status [NAME...]`: each instance's chain as a tree, each link
 * marked good (●) or bad (×) with the fact behind it, or as JSON (--json, the schema is
 * helpers/ctl/status.schema.json and tsproxyctl(8)).
 *
 * Without names: the instances that are enabled or not stopped (the others are in
 * `tsproxyctl list`). Exit 1 when any link shown is bad.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "instance-status.h"
#include "host-facts.h"
#include "json.h"
#include "tree.h"

#define STATUS_SCHEMA_VERSION 1

static TreeMark mark_of(Verdict v)
{
        return v == VERDICT_GOOD ? TREE_MARK_GOOD : v == VERDICT_BAD ? TREE_MARK_BAD : TREE_MARK_NONE;
}

static int add_fix(TreeNode *n, const char *fix, const char *name, const char *unit)
{
        _cleanup_free_ char *t = NULL;

        if (!fix)
                return 0;
        t = ctl_fix_text(fix, name, unit);
        return t ? tree_node_note(n, "fix: %s", t) : -ENOMEM;
}

static int add_link(TreeNode *parent, const char *label, const Link *l, const char *name)
{
        TreeNode *n;

        if (!l->fact)
                return 0;
        n = tree_node_add(parent, mark_of(l->verdict), label, "%s", l->fact);
        if (!n)
                return -ENOMEM;
        return add_fix(n, l->fix, name, "");
}

/* What tailscaled says of itself (its LocalAPI status): facts, not verdicts (the tailnet
 * link above judges the login; doctor the key expiry and tailnets shared by instances). */
static int add_tailscaled_facts(TreeNode *n, const InstanceStatus *s)
{
        const TailnetStatus *t = &s->ts;
        _cleanup_free_ char *ips = NULL, *expiry = NULL;
        size_t len = 0;
        FILE *f;

        if (!s->localapi_asked)
                return 0;
        if (s->localapi_error < 0)
                return tree_node_add(n, TREE_MARK_NONE, "localapi",
                                     "not answering: %s (the login is judged from STATUS=)",
                                     strerror(-s->localapi_error))
                               ? 0
                               : -ENOMEM;
        if (!tree_node_add(n, TREE_MARK_NONE, "state", "%s%s%s", t->backend_state,
                           *t->auth_url ? ", login URL " : "", t->auth_url))
                return -ENOMEM;
        if (*t->tailnet_name &&
            !tree_node_add(n, TREE_MARK_NONE, "login", "%s on the tailnet %s, MagicDNS suffix %s",
                           *t->login_name ? t->login_name : "(unknown user)", t->tailnet_name,
                           *t->magicdns_suffix ? t->magicdns_suffix : "(none)"))
                return -ENOMEM;
        f = open_memstream(&ips, &len);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_ips; i++)
                fprintf(f, "%s%s", i ? " " : "", t->ips[i]);
        if (fclose(f) != 0)
                return -ENOMEM;
        if ((*t->dns_name || t->n_ips > 0) &&
            !tree_node_add(n, TREE_MARK_NONE, "node", "%s%s%s", t->dns_name, *t->dns_name && *ips ? " " : "",
                           ips))
                return -ENOMEM;
        if (t->has_key_expiry) {
                expiry = instance_status_expiry_text(t->key_expiry, time(NULL));
                if (!expiry || !tree_node_add(n, TREE_MARK_NONE, "key", "expires %s", expiry))
                        return -ENOMEM;
        }
        if (*t->tailnet_name &&
            !tree_node_add(n, TREE_MARK_NONE, "peers", "%u of %u online", t->peers_online, t->peers_total))
                return -ENOMEM;
        return 0;
}

static int unit_node(const InstanceStatus *s, size_t i, TreeNode **ret)
{
        const UnitFacts *u = &s->unit_facts[i];
        const char *unit = s->units.units[i].name, *name = s->config->name;
        _cleanup_free_ char *d = unit_state_describe(&u->state), *extra = NULL;
        _cleanup_(tree_node_freep) TreeNode *n = NULL;
        int r = 0;

        if (!d)
                return -ENOMEM;
        if (u->state.main_pid > 0 && u->state.status_text)
                r = asprintf(&extra, ", PID %u: \"%s\"", u->state.main_pid, u->state.status_text);
        else if (u->state.main_pid > 0)
                r = asprintf(&extra, ", PID %u", u->state.main_pid);
        /* A socket shows no count: tsproxy's are Accept=no, so systemd's NConnections is
         * always 0; the daemon's STATUS= below it has the live numbers. */
        if (r < 0)
                return -ENOMEM;
        n = tree_node_new(mark_of(u->verdict), unit, "%s%s", d, strempty(extra));
        if (!n)
                return -ENOMEM;

        for (char **l = u->journal; l && *l; l++)
                if (tree_node_note(n, "%s", *l) < 0)
                        return -ENOMEM;
        r = add_fix(n, instance_status_unit_fix(s, i), name, unit);
        if (r < 0)
                return r;

        /* The facts that belong to this unit. */
        if (strncmp(unit, "ts-netns@", 9) == 0) {
                TreeNode *ns;
                r = add_link(n, "namespace", &s->netns, name);
                /* The namespace's routes hang under it. */
                ns = n->n_children > 0 ? n->children[n->n_children - 1] : n;
                if (r >= 0)
                        r = add_link(ns, "route", &s->route_default, name);
                if (r >= 0)
                        r = add_link(ns, "route", &s->route_tailnet, name);
                if (r >= 0)
                        r = add_link(n, "veth", &s->veth_link, name);
                if (r >= 0)
                        r = add_link(n, "rule", &s->rule_subnet, name);
                if (r >= 0)
                        r = add_link(n, "rule", &s->rule_iif, name);
                if (r >= 0)
                        r = add_link(n, "rule", &s->rule_barrier, name);
                if (r >= 0)
                        r = add_link(n, "backstop", &s->guard, name);
                if (r >= 0)
                        r = add_link(n, "forwarding", &s->forwarding_link, name);
        } else if (strncmp(unit, "ts-nat@", 7) == 0)
                r = add_link(n, "nft", &s->nft, name);
        else if (strncmp(unit, "tailscaled@", 11) == 0) {
                r = add_link(n, "tailnet", &s->tailnet_link, name);
                if (r >= 0)
                        r = add_tailscaled_facts(n, s);
        }
        for (char **l = u->state.listen; r >= 0 && l && *l; l++)
                if (!tree_node_add(n, u->verdict == VERDICT_GOOD ? TREE_MARK_GOOD : mark_of(u->verdict),
                                   "listen", "%s%s", *l, u->verdict == VERDICT_GOOD ? " (listening)" : ""))
                        r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(n);
        return 0;
}

static int build_tree(const InstanceStatus *s, TreeNode **ret)
{
        _cleanup_(tree_node_freep) TreeNode *root = NULL;
        _cleanup_free_ char *d = unit_state_describe(&s->target.state);
        _cleanup_free_ TreeNode **nodes = calloc(s->units.n + 1, sizeof(TreeNode *));
        int r;

        if (!d || !nodes)
                return -ENOMEM;
        root = tree_node_new(mark_of(s->target.verdict), s->units.target, "%s, %s, subnet %s", d,
                             s->enabled ? "enabled" : "not enabled", s->subnet);
        if (!root)
                return -ENOMEM;
        if (s->target.verdict == VERDICT_BAD) {
                r = add_fix(root,
                            s->degraded
                                    ? "systemctl restart tsproxy@NAME.target; it is up, but the bad "
                                      "units below are not"
                                    : "systemctl start tsproxy@NAME.target; the bad links below say why it "
                                      "is not up",
                            s->config->name, "");
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < s->units.n; i++) {
                r = unit_node(s, i, &nodes[i]);
                if (r < 0) {
                        for (size_t j = 0; j < i; j++) /* none is attached yet */
                                tree_node_free(nodes[j]);
                        return r;
                }
        }
        /* Parents come before their children in the list (a socket before its service)
         * unless the generator says otherwise: attach children first, then the rest. */
        for (size_t i = 0; i < s->units.n; i++)
                if (s->units.units[i].parent >= 0)
                        (void)tree_node_append(nodes[s->units.units[i].parent], nodes[i]);
        r = 0;
        for (size_t i = 0; i < s->units.n; i++)
                if (s->units.units[i].parent < 0 && tree_node_append(root, nodes[i]) < 0)
                        r = -ENOMEM; /* nodes[i] is freed; go on attaching (and so owning) the rest */
        if (r < 0)
                return r;
        *ret = TAKE_PTR(root);
        return 0;
}

static void json_verdict(JsonWriter *w, Verdict v)
{
        json_key(w, "ok");
        if (v == VERDICT_NONE)
                json_null(w);
        else
                json_bool(w, v == VERDICT_GOOD);
}

static void json_link(JsonWriter *w, const Link *l, const char *name)
{
        _cleanup_free_ char *fix = l->fix ? ctl_fix_text(l->fix, name, "") : NULL;

        json_verdict(w, l->verdict);
        json_key_string(w, "fact", l->fact);
        json_key_string(w, "fix", fix);
}

static void json_strings(JsonWriter *w, const char *key, char **l)
{
        json_key(w, key);
        json_begin_array(w);
        for (; l && *l; l++)
                json_string(w, *l);
        json_end_array(w);
}

static void json_netlink(JsonWriter *w, const NetLink *l)
{
        json_begin_object(w);
        json_key_string(w, "name", l->name);
        json_key_bool(w, "up", l->up);
        json_key(w, "addresses");
        json_begin_array(w);
        for (size_t i = 0; i < l->n_addrs; i++)
                json_string(w, l->addrs[i]);
        json_end_array(w);
        json_end_object(w);
}

static void json_unit(JsonWriter *w, const char *name, ssize_t parent, const InstanceStatus *s,
                      const UnitFacts *u, const char *fix)
{
        _cleanup_free_ char *f = fix ? ctl_fix_text(fix, s->config->name, name) : NULL;

        json_begin_object(w);
        json_key_string(w, "name", name);
        json_key_string(w, "parent", parent >= 0 ? s->units.units[parent].name : s->units.target);
        json_verdict(w, u->verdict);
        json_key_string(w, "load_state", u->state.load_state);
        json_key_string(w, "active_state", u->state.active_state);
        json_key_string(w, "sub_state", u->state.sub_state);
        json_key_string(w, "result", u->state.result);
        json_key_string(w, "unit_file_state", u->state.unit_file_state);
        json_key_uint(w, "main_pid", u->state.main_pid);
        json_key_string(w, "status_text", u->state.status_text);
        json_key_uint(w, "connections", u->state.n_connections);
        json_key(w, "listen");
        json_begin_array(w);
        for (char **l = u->state.listen; l && *l; l++) {
                const char *sp = strchr(*l, ' ');
                _cleanup_free_ char *type = sp ? strndup(*l, (size_t)(sp - *l)) : NULL;
                json_begin_object(w);
                json_key_string(w, "type", type ? type : *l);
                json_key_string(w, "address", sp ? sp + 1 : "");
                json_end_object(w);
        }
        json_end_array(w);
        json_strings(w, "journal", u->journal);
        json_key_string(w, "fix", f);
        json_end_object(w);
}

/* What tailscaled's LocalAPI said (null when it was not asked or did not answer). */
static void json_tailscaled(JsonWriter *w, const InstanceStatus *s)
{
        const TailnetStatus *t = &s->ts;
        char expiry[32];
        struct tm tm;

        if (!s->localapi_asked || s->localapi_error < 0) {
                json_null(w);
                return;
        }
        json_begin_object(w);
        json_key_string(w, "backend_state", t->backend_state);
        json_key_string(w, "auth_url", *t->auth_url ? t->auth_url : NULL);
        json_key_string(w, "tailnet_name", *t->tailnet_name ? t->tailnet_name : NULL);
        json_key_string(w, "magicdns_suffix", *t->magicdns_suffix ? t->magicdns_suffix : NULL);
        json_key_string(w, "dns_name", *t->dns_name ? t->dns_name : NULL);
        json_key(w, "addresses");
        json_begin_array(w);
        for (size_t i = 0; i < t->n_ips; i++)
                json_string(w, t->ips[i]);
        json_end_array(w);
        json_key_string(w, "login_name", *t->login_name ? t->login_name : NULL);
        if (t->has_key_expiry && gmtime_r(&t->key_expiry, &tm) &&
            strftime(expiry, sizeof(expiry), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
                json_key_string(w, "key_expiry", expiry);
        else
                json_key_string(w, "key_expiry", NULL);
        json_key_uint(w, "peers", t->peers_total);
        json_key_uint(w, "peers_online", t->peers_online);
        json_end_object(w);
}

static void json_instance(JsonWriter *w, const InstanceStatus *s)
{
        const char *name = s->config->name;

        json_begin_object(w);
        json_key_string(w, "name", name);
        json_key_bool(w, "ok", s->ok);
        json_key_bool(w, "enabled", s->enabled);
        json_key_string(w, "subnet", s->subnet);
        json_strings(w, "files", s->config->files);

        json_key(w, "target");
        json_unit(w, s->units.target, -1, s, &s->target, NULL);
        json_key(w, "units");
        json_begin_array(w);
        for (size_t i = 0; i < s->units.n; i++)
                json_unit(w, s->units.units[i].name, s->units.units[i].parent, s, &s->unit_facts[i],
                          instance_status_unit_fix(s, i));
        json_end_array(w);

        json_key(w, "namespace");
        json_begin_object(w);
        json_link(w, &s->netns, name);
        json_key_string(w, "path", s->netns_path);
        json_key_bool(w, "present", s->netns_error >= 0);
        json_key(w, "routes");
        json_begin_object(w);
        json_key(w, "default");
        json_begin_object(w);
        json_link(w, &s->route_default, name);
        json_end_object(w);
        json_key(w, "tailnet_unreachable");
        json_begin_object(w);
        json_link(w, &s->route_tailnet, name);
        json_end_object(w);
        json_end_object(w);
        json_key(w, "interfaces");
        json_begin_array(w);
        for (size_t i = 0; s->netns_error >= 0 && i < s->ns.n_links; i++)
                json_netlink(w, &s->ns.links[i]);
        json_end_array(w);
        json_end_object(w);

        json_key(w, "veth");
        json_begin_object(w);
        json_link(w, &s->veth_link, name);
        json_key_string(w, "name", s->host_ifname);
        json_key_bool(w, "present", s->veth_present);
        json_key_bool(w, "up", s->veth_present && s->veth.up);
        json_key(w, "addresses");
        json_begin_array(w);
        for (size_t i = 0; s->veth_present && i < s->veth.n_addrs; i++)
                json_string(w, s->veth.addrs[i]);
        json_end_array(w);
        json_end_object(w);

        json_key(w, "rules");
        json_begin_object(w);
        json_key(w, "to_subnet");
        json_begin_object(w);
        json_link(w, &s->rule_subnet, name);
        json_end_object(w);
        json_key(w, "iif");
        json_begin_object(w);
        json_link(w, &s->rule_iif, name);
        json_end_object(w);
        json_key(w, "iif_unreachable");
        json_begin_object(w);
        json_link(w, &s->rule_barrier, name);
        json_end_object(w);
        json_end_object(w);

        json_key(w, "backstop");
        json_begin_object(w);
        json_link(w, &s->guard, name);
        json_key_string(w, "table", s->guard_table);
        json_key_bool(w, "present", s->guard_present);
        json_end_object(w);

        json_key(w, "forwarding");
        json_begin_object(w);
        json_link(w, &s->forwarding_link, name);
        json_key_bool(w, "enabled", s->forwarding);
        json_end_object(w);

        json_key(w, "nft");
        json_begin_object(w);
        json_link(w, &s->nft, name);
        json_key_string(w, "table", s->nft_table);
        json_key_bool(w, "present", s->nft_present);
        json_key_string(w, "missing_chain", s->nft_missing_chain);
        json_key_bool(w, "masquerade", s->masquerade);
        json_key_uint(w, "packets", s->packets);
        json_key_uint(w, "bytes", s->bytes);
        json_end_object(w);

        json_key(w, "tailnet");
        json_begin_object(w);
        json_link(w, &s->tailnet_link, name);
        json_key(w, "addresses");
        json_begin_array(w);
        for (size_t i = 0; i < s->n_tailnet; i++)
                json_string(w, s->tailnet[i]);
        json_end_array(w);
        json_key_string(w, "localapi_error",
                        s->localapi_asked && s->localapi_error < 0 ? strerror(-s->localapi_error) : NULL);
        json_key(w, "tailscaled");
        json_tailscaled(w, s);
        json_end_object(w);

        json_end_object(w);
}

/* An instance named on the command line whose configuration is invalid. */
static int print_invalid(Ctl *ctl, const InstanceConfig *c, JsonWriter *w)
{
        if (w) {
                json_begin_object(w);
                json_key_string(w, "name", c->name);
                json_key_bool(w, "ok", false);
                json_key_string(w, "error", "invalid configuration, see tsproxyctl verify");
                json_strings(w, "files", c->files);
                json_end_object(w);
                return 0;
        }
        _cleanup_(tree_node_freep) TreeNode *n =
                tree_node_new(TREE_MARK_BAD, c->name, "invalid configuration: not generated");
        if (!n || tree_node_note(n, "fix: tsproxyctl verify names the errors") < 0)
                return -ENOMEM;
        return tree_render(n, &ctl->style, stdout);
}

/* The instances running without a configuration file: bad, with their fix. */
static int print_orphans(Ctl *ctl, const HostFacts *h, char **orphans, JsonWriter *w, bool *first)
{
        for (char **o = orphans; o && *o; o++) {
                _cleanup_free_ char *fact = host_facts_orphan_fact(ctl, h, *o),
                                    *fix = ctl_fix_text(ORPHAN_FIX, *o, "");
                if (!fact || !fix)
                        return -ENOMEM;
                if (w) {
                        json_begin_object(w);
                        json_key_string(w, "name", *o);
                        json_key_bool(w, "ok", false);
                        json_key_string(w, "fact", fact);
                        json_key_string(w, "fix", fix);
                        json_key_bool(w, "namespace", host_facts_listed(h->netns, *o));
                        json_key_bool(w, "target_active", host_facts_listed(h->targets, *o));
                        json_end_object(w);
                        continue;
                }
                _cleanup_(tree_node_freep) TreeNode *n = tree_node_new(TREE_MARK_BAD, *o, "%s", fact);
                if (!n || tree_node_note(n, "fix: %s", fix) < 0)
                        return -ENOMEM;
                if (!*first)
                        putchar('\n');
                *first = false;
                if (tree_render(n, &ctl->style, stdout) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int ctl_status(Ctl *ctl, int argc, char *argv[])
{
        static const struct option options[] = {
                {"json", no_argument, NULL, 'j'},
                {"no-color", no_argument, NULL, 'C'},
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(host_facts_done) HostFacts host = {};
        char **orphans = NULL;
        _cleanup_(config_set_done) ConfigSet set = {};
        JsonWriter w;
        bool all_ok = true, first = true;
        size_t shown = 0;
        int c, r, ret = CTL_EXIT_OK;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'j': ctl->json = true; break;
                case 'C': ctl->style.color = false; break;
                default: return CTL_EXIT_USAGE;
                }
        if (ctl_load_config(ctl, &set) < 0)
                return CTL_EXIT_PROBLEMS;
        for (int i = optind; i < argc; i++)
                if (!ctl_find_instance(ctl, &set, argv[i]))
                        return CTL_EXIT_UNKNOWN_INSTANCE;
        r = ctl_bus_open(ctl, &bus);
        if (r != 0)
                return r;
        r = host_facts_read(ctl, bus, &host);
        if (r >= 0 && optind >= argc) /* all of them: ask systemd at once */
                r = host_facts_prefetch_units(&host, bus, &set, true);
        if (r >= 0 && optind >= argc && !(orphans = host_facts_orphans(&host, &set)))
                r = -ENOMEM;
        if (r < 0)
                return ctl_status_error(ctl, "(host)", r);

        if (ctl->json) {
                json_writer_init(&w, stdout, true);
                json_begin_object(&w);
                json_key_uint(&w, "schema_version", STATUS_SCHEMA_VERSION);
                json_key(&w, "instances");
                json_begin_array(&w);
        }
        for (size_t i = 0; i < set.n_instances && ret == CTL_EXIT_OK; i++) {
                const InstanceConfig *inst = &set.instances[i];
                bool named = optind >= argc;
                _cleanup_(instance_status_done) InstanceStatus s = {};

                for (int j = optind; j < argc; j++)
                        named = named || strcmp(argv[j], inst->name) == 0;
                if (!named || (optind >= argc && !inst->valid))
                        continue;
                if (!inst->valid) {
                        all_ok = false;
                        if (!ctl->json && !first)
                                putchar('\n');
                        first = false;
                        r = print_invalid(ctl, inst, ctl->json ? &w : NULL);
                        if (r < 0)
                                ret = CTL_EXIT_PROBLEMS;
                        continue;
                }
                r = instance_status_collect(ctl, bus, &host, inst, true, optind < argc, &s);
                if (r < 0) {
                        ret = ctl_status_error(ctl, inst->name, r);
                        break;
                }
                /* Without names: only what is enabled or not stopped. */
                if (optind >= argc && !s.enabled && s.target.verdict == VERDICT_NONE &&
                    strcmp(strempty(s.target.state.active_state), "inactive") == 0)
                        continue;
                shown++;
                all_ok = all_ok && s.ok;
                if (ctl->json)
                        json_instance(&w, &s);
                else {
                        _cleanup_(tree_node_freep) TreeNode *tree = NULL;
                        if (!first)
                                putchar('\n');
                        first = false;
                        r = build_tree(&s, &tree);
                        if (r >= 0)
                                r = tree_render(tree, &ctl->style, stdout);
                        if (r < 0)
                                ret = CTL_EXIT_PROBLEMS;
                }
        }
        if (ret == CTL_EXIT_OK && orphans && *orphans) {
                all_ok = false;
                shown++;
                if (ctl->json) {
                        json_end_array(&w);
                        json_key(&w, "orphans");
                        json_begin_array(&w);
                }
                if (print_orphans(ctl, &host, orphans, ctl->json ? &w : NULL, &first) < 0)
                        ret = CTL_EXIT_PROBLEMS;
        } else if (ctl->json) {
                json_end_array(&w);
                json_key(&w, "orphans");
                json_begin_array(&w);
        }
        strv_free_ctl(orphans);
        if (ctl->json) {
                json_end_array(&w);
                json_key_bool(&w, "ok", all_ok);
                json_end_object(&w);
                if (ret == CTL_EXIT_OK && json_writer_finish(&w) < 0)
                        ret = CTL_EXIT_PROBLEMS;
        } else if (ret == CTL_EXIT_OK && shown == 0 && first)
                printf("No instance is enabled or running (see tsproxyctl list).\n");
        if (ret != CTL_EXIT_OK)
                return ret;
        return all_ok ? CTL_EXIT_OK : CTL_EXIT_PROBLEMS;
}
