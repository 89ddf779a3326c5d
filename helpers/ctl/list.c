/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list.c: `tsproxyctl list`: every configured instance (valid or not, from the same
 * config_load() as the generator) with whether it is enabled and running, its subnet,
 * its tailnet addresses (inside its namespace) and its listen addresses ([SOCKS]
 * Listen=, [Forward] Forward=, from the configuration). A table, or --json.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "host-facts.h"
#include "instance-status.h"
#include "ipnet.h"
#include "json.h"

/* The listen addresses of c, space separated ("-" for none): SOCKS as ADDRESS:PORT, forwards
 * with /tcp or /udp, DNS servers with /dns. */
static char *listen_addresses(const InstanceConfig *c)
{
        char *s = strdup(""), buf[ENDPOINT_STRLEN];
        const struct sockaddr *sa;
        const char *kind;

        for (size_t i = 0; s && (sa = ctl_listen_address(c, i, &kind)); i++) {
                char *t;
                endpoint_format(sa, buf);
                if (asprintf(&t, "%s%s%s%s%s", s, *s ? " " : "", buf, *kind ? "/" : "", kind) < 0)
                        t = NULL;
                free(s);
                s = t;
        }
        return s;
}

int ctl_list(Ctl *ctl, int argc, char *argv[])
{
        static const struct option options[] = {
                {"json", no_argument, NULL, 'j'},
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(host_facts_done) HostFacts host = {};
        char **orphans = NULL;
        _cleanup_(config_set_done) ConfigSet set = {};
        JsonWriter w;
        int c, r, ret = CTL_EXIT_OK;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'j': ctl->json = true; break;
                default: return CTL_EXIT_USAGE;
                }
        if (optind < argc) {
                log_error(&ctl->log, "list takes no arguments.");
                return CTL_EXIT_USAGE;
        }
        if (ctl_load_config(ctl, &set) < 0)
                return CTL_EXIT_PROBLEMS;
        r = ctl_bus_open(ctl, &bus);
        if (r != 0)
                return r;
        r = host_facts_read(ctl, bus, &host);
        if (r >= 0)
                r = host_facts_prefetch_units(&host, bus, &set, false);
        if (r >= 0 && !(orphans = host_facts_orphans(&host, &set)))
                r = -ENOMEM;
        if (r < 0)
                return ctl_status_error(ctl, "(host)", r);

        if (ctl->json) {
                json_writer_init(&w, stdout, true);
                json_begin_object(&w);
                json_key_uint(&w, "schema_version", 1);
                json_key(&w, "instances");
                json_begin_array(&w);
        } else
                printf("%-12s %-7s %-12s %-18s %-18s %s\n", "INSTANCE", "ENABLED", "STATE", "SUBNET",
                       "TAILNET", "LISTEN");

        for (size_t i = 0; i < set.n_instances && ret == CTL_EXIT_OK; i++) {
                const InstanceConfig *inst = &set.instances[i];
                _cleanup_free_ char *listen = listen_addresses(inst);
                _cleanup_(instance_status_done) InstanceStatus s = {};
                char subnet[SUBNET_STRLEN];

                if (!listen) {
                        ret = CTL_EXIT_PROBLEMS;
                        break;
                }
                if (inst->valid) {
                        r = instance_status_collect(ctl, bus, &host, inst, false, false, &s);
                        if (r < 0) {
                                ret = ctl_status_error(ctl, inst->name, r);
                                break;
                        }
                }
                subnet_format(&inst->subnet, subnet);
                const char *state = !inst->valid ? "invalid" : strempty(s.target.state.active_state);
                if (ctl->json) {
                        json_begin_object(&w);
                        json_key_string(&w, "name", inst->name);
                        json_key_bool(&w, "valid", inst->valid);
                        json_key_bool(&w, "enabled", inst->valid && s.enabled);
                        json_key_string(&w, "state", state);
                        json_key_bool(&w, "ok", inst->valid && s.ok);
                        json_key_string(&w, "subnet", inst->valid ? subnet : NULL);
                        json_key(&w, "tailnet_addresses");
                        json_begin_array(&w);
                        for (size_t j = 0; j < s.n_tailnet; j++)
                                json_string(&w, s.tailnet[j]);
                        json_end_array(&w);
                        json_key(&w, "listen");
                        json_begin_array(&w);
                        for (char *p = listen, *t; (t = strsep(&p, " "));)
                                if (*t)
                                        json_string(&w, t);
                        json_end_array(&w);
                        json_end_object(&w);
                } else {
                        _cleanup_free_ char *tailnet = strdup("");
                        for (size_t j = 0; tailnet && j < s.n_tailnet; j++) {
                                char *t;
                                if (asprintf(&t, "%s%s%s", tailnet, j ? "," : "", s.tailnet[j]) < 0)
                                        t = NULL;
                                free(tailnet);
                                tailnet = t;
                        }
                        printf("%-12s %-7s %-12s %-18s %-18s %s\n", inst->name,
                               inst->valid ? (s.enabled ? "yes" : "no") : "-", state,
                               inst->valid ? subnet : "-", tailnet && *tailnet ? tailnet : "-",
                               *listen ? listen : "-");
                }
        }
        /* Running without a configuration file: a row each, with the fix. */
        for (char **o = orphans; ret == CTL_EXIT_OK && o && *o; o++) {
                _cleanup_free_ char *fix = ctl_fix_text(ORPHAN_FIX, *o, "");
                if (!fix) {
                        ret = CTL_EXIT_PROBLEMS;
                        break;
                }
                if (ctl->json) {
                        json_begin_object(&w);
                        json_key_string(&w, "name", *o);
                        json_key_bool(&w, "valid", false);
                        json_key_bool(&w, "enabled", false);
                        json_key_string(&w, "state", "running without configuration");
                        json_key_bool(&w, "ok", false);
                        json_key_string(&w, "subnet", NULL);
                        json_key(&w, "tailnet_addresses");
                        json_begin_array(&w);
                        json_end_array(&w);
                        json_key(&w, "listen");
                        json_begin_array(&w);
                        json_end_array(&w);
                        json_key_string(&w, "fix", fix);
                        json_end_object(&w);
                } else
                        printf("%-12s %-7s %s; fix: %s\n", *o, "-", "running without configuration", fix);
        }
        if (ctl->json) {
                json_end_array(&w);
                json_end_object(&w);
                if (ret == CTL_EXIT_OK && json_writer_finish(&w) < 0)
                        ret = CTL_EXIT_PROBLEMS;
        } else if (ret == CTL_EXIT_OK && set.n_instances == 0 && !(orphans && *orphans))
                printf("No instances configured (see tsproxy.conf(5)).\n");
        strv_free_ctl(orphans);
        return ret;
}
