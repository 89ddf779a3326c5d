/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config-keys.h: what config-keys.c (the key table and the generic parsers: numbers, time
 * spans, booleans, strings, paths, Egress=) shares with config-values.c (the parsers of
 * structured values: addresses, networks, names, forwards). Internal to the
 * configuration code.
 */
#pragma once

#include "config.h"

/* The field of k in c, and the length of a list field (k->offset_n). */
#define KEY_FIELD(c, k, type) ((type *)((char *)(c) + (k)->offset))
#define KEY_COUNT(c, k)       ((size_t *)((char *)(c) + (k)->offset_n))

/* Report an invalid value: an error at file:line that names section and key, and the
 * instance is not generated. Evaluates to 0 (or -ENOMEM). */
#define config_invalid(c, d, at, k, value, fmt, ...)                                                        \
        ({                                                                                                  \
                (c)->valid = false;                                                                         \
                diagnostics_add(d, LOG_ERR, (at).file, (at).line, (k)->key, (c)->name, "[%s] %s=%s: " fmt,  \
                                (k)->section, (k)->key, value, ##__VA_ARGS__);                              \
        })

/* Decimal without sign or leading zeros, at most max, in the first len bytes of v. */
int config_parse_decimal(const char *v, size_t len, unsigned max, unsigned *ret);
/* *field = a copy of value, or NULL for the empty value. 0 or -ENOMEM. */
int config_set_string(char **field, const char *value);
void config_strv_free(char **v);

/* config-values.c: one parser per structured value (the table in config-keys.c says
 * which key takes which). */
#define CONFIG_PARSER(name)                                                                                 \
        int config_parse_##name(InstanceConfig *c, const ConfigKey *k, const char *value,                   \
                                ConfigLocation at, Diagnostics *d)
CONFIG_PARSER(subnet);
CONFIG_PARSER(uplink);
CONFIG_PARSER(port);
CONFIG_PARSER(extra_arguments);
CONFIG_PARSER(listen);
CONFIG_PARSER(allow_from);
CONFIG_PARSER(socks_users);
CONFIG_PARSER(forward);
CONFIG_PARSER(dns_domain);
/* config-login.c */
CONFIG_PARSER(login_server);
CONFIG_PARSER(hostname);
CONFIG_PARSER(advertise_tags);
CONFIG_PARSER(up_arguments);
