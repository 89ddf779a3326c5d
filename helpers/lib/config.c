/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.c: config_load(), the entry point, and the lifetime of configuration objects.
 */
#include "build-config.h"
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tailnet.h"

void instance_config_init(InstanceConfig *c)
{
        *c = (InstanceConfig){.valid = true, .ts_tun = TAILSCALE_TUN_DEFAULT};
        config_keys_init(c);
}

void instance_config_done(InstanceConfig *c)
{
        for (char **p = c->files; p && *p; p++)
                free(*p);
        free(c->files);
        free(c->description);
        free(c->uplink);
        free(c->ts_binary);
        free(c->ts_extra_arguments);
        free(c->ts_auth_key_file);
        free(c->ts_login_server);
        free(c->ts_hostname);
        free(c->ts_advertise_tags);
        free(c->ts_up_arguments);
        socks_config_done(&c->socks);
        free(c->dns.listen);
        free(c->dns.domain);
        free(c->dns.tailnet_domain);
        free(c->dns.allow_from);
        free(c->forward_allow_from);
        free(c->forwards);
        *c = (InstanceConfig){};
}

void config_set_done(ConfigSet *set)
{
        for (size_t i = 0; i < set->n_instances; i++)
                instance_config_done(&set->instances[i]);
        free(set->instances);
        diagnostics_done(&set->diagnostics);
        *set = (ConfigSet){};
}

/* Defaults that do not depend on other instances. */
static int apply_defaults(InstanceConfig *c)
{
        if (!c->ts_binary) {
                c->ts_binary = strdup(TAILSCALED_DEFAULT);
                if (!c->ts_binary)
                        return -ENOMEM;
        }
        return 0;
}

int config_load(const char *root, ConfigSet *ret)
{
        _cleanup_(config_set_done) ConfigSet set = {};
        int r;

        /* "/" and "" both mean the real root; paths are joined as root + "/etc/...". */
        if (!root || strcmp(root, "/") == 0)
                root = "";

        r = config_load_files(root, &set);
        for (size_t i = 0; r >= 0 && i < set.n_instances; i++)
                r = apply_defaults(&set.instances[i]);
        for (size_t i = 0; r >= 0 && i < set.n_instances; i++)
                r = config_check_files(&set.instances[i], root, &set.diagnostics);
        if (r >= 0)
                r = config_assign(set.instances, set.n_instances, &set.diagnostics);
        if (r < 0)
                return r;
        *ret = TAKE_STRUCT(set);
        return 0;
}

const InstanceConfig *config_set_find(const ConfigSet *set, const char *name)
{
        for (size_t i = 0; i < set->n_instances; i++)
                if (strcmp(set->instances[i].name, name) == 0)
                        return &set->instances[i];
        return NULL;
}
