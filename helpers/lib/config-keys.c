/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config-keys.c: the table of configuration keys and the parser of each value.
 *
 * systemd conventions: keys are case-sensitive, a later assignment overrides an
 * earlier one (drop-ins included), and an empty assignment resets a key to its
 * default. An invalid value is an error naming file:line and the key; the instance
 * is then not generated, so a typo never starts something half-configured.
 */
#include "build-config.h"
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*KeyParser)(InstanceConfig *c, const char *section, const char *key, const char *value,
                         ConfigLocation at, Diagnostics *d);

typedef struct KeyEntry {
        const char *section;
        const char *key;
        KeyParser parse;
} KeyEntry;

/* Report an invalid value: an error at file:line that names the key. */
#define invalid_value(c, d, at, section, key, value, fmt, ...)                                              \
        ({                                                                                                  \
                (c)->valid = false;                                                                         \
                diagnostics_add(d, LOG_ERR, (at).file, (at).line, key, (c)->name, "[%s] %s=%s: " fmt,       \
                                section, key, value, ##__VA_ARGS__);                                        \
        })

static int parse_boolean(const char *v)
{
        static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcmp(v, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcmp(v, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

static int set_string(char **field, const char *value)
{
        char *copy = NULL;

        if (*value) {
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
        }
        free(*field);
        *field = copy;
        return 0;
}

static int key_auto_start(InstanceConfig *c, const char *section, const char *key, const char *value,
                          ConfigLocation at, Diagnostics *d)
{
        int b;

        if (!*value) {
                c->auto_start = true;
                return 0;
        }
        b = parse_boolean(value);
        if (b < 0)
                return invalid_value(c, d, at, section, key, value, "expected a boolean (yes or no).");
        c->auto_start = b;
        return 0;
}

static int key_description(InstanceConfig *c, const char *section, const char *key, const char *value,
                           ConfigLocation at, Diagnostics *d)
{
        return set_string(&c->description, value);
}

static int key_subnet(InstanceConfig *c, const char *section, const char *key, const char *value,
                      ConfigLocation at, Diagnostics *d)
{
        char meant[SUBNET_STRLEN];
        const char *why;
        Subnet s;
        int r;

        if (!*value) {
                c->subnet_explicit = false;
                return 0;
        }
        r = subnet_parse(value, &s);
        if (r == -EDOM) {
                subnet_format(&s, meant);
                return invalid_value(
                        c, d, at, section, key, value,
                        "host bits are set; the network is %s (the host end of the veth gets the "
                        "first usable address).",
                        meant);
        }
        if (r < 0)
                return invalid_value(c, d, at, section, key, value,
                                     "expected an IPv4 network in CIDR form, such as 10.200.0.4/30.");
        if (s.prefix != 30 && s.prefix != 31)
                return invalid_value(c, d, at, section, key, value,
                                     "the veth pair needs a /30 or a /31, not a /%u.", s.prefix);
        why = subnet_forbidden_reason(&s);
        if (why)
                return invalid_value(c, d, at, section, key, value, "%s.", why);

        c->subnet = s;
        c->subnet_explicit = true;
        c->subnet_at = at;
        return 0;
}

static bool ifname_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (const char *p = s; *p; p++)
                if (*p <= ' ' || *p == '/' || *p == ':' || *p == '"' || *p == '\'' || *p == '\\' ||
                    *p == '%' || *p == '$' || (unsigned char)*p >= 0x7f)
                        return false;
        return true;
}

static int key_uplink(InstanceConfig *c, const char *section, const char *key, const char *value,
                      ConfigLocation at, Diagnostics *d)
{
        if (*value && !ifname_valid(value))
                return invalid_value(c, d, at, section, key, value,
                                     "not a valid interface name (1 to 15 characters, no '/', ':', "
                                     "quotes or white space).");
        if (*value && strncmp(value, HOST_IFNAME_PREFIX, strlen(HOST_IFNAME_PREFIX)) == 0)
                return invalid_value(c, d, at, section, key, value,
                                     "interfaces named " HOST_IFNAME_PREFIX
                                     "* are tsproxy's own veth ends, not an uplink.");
        return set_string(&c->uplink, value);
}

static int key_binary(InstanceConfig *c, const char *section, const char *key, const char *value,
                      ConfigLocation at, Diagnostics *d)
{
        if (!*value)
                return set_string(&c->ts_binary, TAILSCALED_DEFAULT);
        if (value[0] != '/')
                return invalid_value(c, d, at, section, key, value, "expected an absolute path.");
        for (const char *p = value; *p; p++)
                if (*p <= ' ' || *p == '"' || *p == '\'' || *p == '\\' || (unsigned char)*p >= 0x7f)
                        return invalid_value(c, d, at, section, key, value,
                                             "the path may not contain white space, quotes or backslashes.");
        return set_string(&c->ts_binary, value);
}

static int parse_port(const char *v, uint16_t *ret)
{
        unsigned long n = 0;

        if (!*v || *v == '0' || strlen(v) > 5)
                return -EINVAL;
        for (const char *p = v; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                n = n * 10 + (unsigned long)(*p - '0');
        }
        if (n < 1 || n > 65535)
                return -ERANGE;
        *ret = (uint16_t)n;
        return 0;
}

static int key_port(InstanceConfig *c, const char *section, const char *key, const char *value,
                    ConfigLocation at, Diagnostics *d)
{
        uint16_t port;

        if (!*value) {
                c->ts_port_explicit = false;
                return 0;
        }
        if (parse_port(value, &port) < 0)
                return invalid_value(c, d, at, section, key, value, "expected a UDP port from 1 to 65535.");
        if (port == TAILSCALE_DEFAULT_PORT)
                return invalid_value(c, d, at, section, key, value,
                                     "41641 is the host tailscaled's port; its traffic would be forwarded "
                                     "into the namespace.");
        c->ts_port = port;
        c->ts_port_explicit = true;
        c->ts_port_at = at;
        return 0;
}

static int key_extra_arguments(InstanceConfig *c, const char *section, const char *key, const char *value,
                               ConfigLocation at, Diagnostics *d)
{
        return set_string(&c->ts_extra_arguments, value);
}

static const KeyEntry key_table[] = {
        {"Instance", "AutoStart", key_auto_start},
        {"Instance", "Description", key_description},
        {"Namespace", "Subnet", key_subnet},
        {"Namespace", "Uplink", key_uplink},
        {"Tailscale", "Binary", key_binary},
        {"Tailscale", "Port", key_port},
        {"Tailscale", "ExtraArguments", key_extra_arguments},
};

bool config_section_known(const char *section)
{
        for (size_t i = 0; i < ELEMENTSOF(key_table); i++)
                if (strcmp(key_table[i].section, section) == 0)
                        return true;
        return false;
}

int config_set_key(InstanceConfig *c, const char *section, const char *key, const char *value,
                   ConfigLocation at, Diagnostics *d)
{
        if (!config_section_known(section))
                return -ESRCH;
        for (size_t i = 0; i < ELEMENTSOF(key_table); i++)
                if (strcmp(key_table[i].section, section) == 0 && strcmp(key_table[i].key, key) == 0)
                        return key_table[i].parse(c, section, key, value, at, d);
        return -ENOENT;
}
