/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config-keys.c: the table of configuration keys, and the generic parsers of their
 * values (numbers, time spans, booleans, strings, paths, Egress=).
 *
 * Each key is a row: section, key, the parser of its type, where its value lives in
 * InstanceConfig, and for numbers the range, the default and the daemon option the
 * generator writes it to. Structured values (addresses, networks, forwards, names)
 * have parsers of their own, in config-values.c.
 *
 * systemd conventions: keys are case-sensitive, a later assignment overrides an
 * earlier one (drop-ins included), and an empty assignment resets a key to its
 * default. An invalid value is an error naming file:line and the key; the instance
 * is then not generated, so a typo never starts something half-configured.
 */
#include "build-config.h"
#include "config-keys.h"
#include "parse-number.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int config_set_string(char **field, const char *value)
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

void config_strv_free(char **v)
{
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}

void socks_config_done(SocksConfig *s)
{
        free(s->listen);
        free(s->allow_from);
        free(s->password_file);
        config_strv_free(s->users);
        *s = (SocksConfig){};
}

/* The command lines' parse_unsigned() (parse-number.h), stricter about leading zeros. */
int config_parse_decimal(const char *v, size_t len, unsigned max, unsigned *ret)
{
        char buf[sizeof("18446744073709551615")];
        uint64_t n;
        int r;

        if (len == 0 || (v[0] == '0' && len > 1))
                return -EINVAL;
        if (len >= sizeof(buf))
                return strspn(v, "0123456789") >= len ? -ERANGE : -EINVAL;
        memcpy(buf, v, len);
        buf[len] = '\0';
        r = parse_unsigned(buf, max, &n);
        if (r < 0)
                return r;
        *ret = (unsigned)n;
        return 0;
}

/*
 * A time span in whole seconds, as systemd writes them: "10", "10s", "5min", "1h 30min".
 * Units: s, sec, m, min, h, hr, d (and their long forms); no unit means seconds.
 * "infinity" is 0 when allowed (no timeout). -EINVAL on syntax, -ERANGE above max.
 */
static int parse_seconds(const char *v, unsigned max, bool infinity_ok, unsigned *ret)
{
        static const struct {
                const char *name;
                unsigned factor;
        } units[] = {
                {"seconds", 1}, {"second", 1}, {"sec", 1},      {"s", 1},        {"minutes", 60},
                {"minute", 60}, {"min", 60},   {"m", 60},       {"hours", 3600}, {"hour", 3600},
                {"hr", 3600},   {"h", 3600},   {"days", 86400}, {"day", 86400},  {"d", 86400},
        };
        unsigned long total = 0;
        const char *p = v;

        if (infinity_ok && strcmp(v, "infinity") == 0) {
                *ret = 0;
                return 0;
        }
        p += strspn(p, " \t");
        if (!*p)
                return -EINVAL;
        while (*p) {
                size_t digits = strspn(p, "0123456789"), letters;
                unsigned n, factor = 0;
                int r;

                r = config_parse_decimal(p, digits, max, &n);
                if (r < 0)
                        return r;
                p += digits;
                p += strspn(p, " \t");
                letters = strspn(p, "abcdefghijklmnopqrstuvwxyz");
                if (letters == 0)
                        factor = 1;
                for (size_t i = 0; letters > 0 && i < ELEMENTSOF(units); i++)
                        if (strlen(units[i].name) == letters && strncmp(p, units[i].name, letters) == 0)
                                factor = units[i].factor;
                if (factor == 0)
                        return -EINVAL;
                p += letters;
                p += strspn(p, " \t");
                total += (unsigned long)n * factor;
                if (total > max)
                        return -ERANGE;
        }
        *ret = (unsigned)total;
        return 0;
}

/* --- the generic parsers ------------------------------------------------------------ */

/* A bool; the empty value is k->def. */
static CONFIG_PARSER(boolean)
{
        int b = *value ? parse_boolean(value) : (int)k->def;

        if (b < 0)
                return config_invalid(c, d, at, k, value, "expected a boolean (yes or no).");
        *KEY_FIELD(c, k, bool) = b;
        return 0;
}

static CONFIG_PARSER(string)
{
        return config_set_string(KEY_FIELD(c, k, char *), value);
}

/* An absolute path without white space, quotes or backslashes (it goes into unit files
 * and command lines); the empty value is k->def_text (NULL: none). */
static CONFIG_PARSER(path)
{
        if (*value && value[0] != '/')
                return config_invalid(c, d, at, k, value, "expected an absolute path.");
        for (const char *p = value; *p; p++)
                if (*p <= ' ' || *p == '"' || *p == '\'' || *p == '\\' || (unsigned char)*p >= 0x7f)
                        return config_invalid(
                                c, d, at, k, value,
                                "the path may not contain white space, quotes or backslashes.");
        if (k->offset_at)
                *(ConfigLocation *)((char *)c + k->offset_at) = at;
        return config_set_string(KEY_FIELD(c, k, char *), *value ? value : strempty(k->def_text));
}

/* An unsigned from k->min to k->max, or k->word for 0; the empty value is k->def. */
static CONFIG_PARSER(unsigned)
{
        unsigned n = k->def;

        if (*value && !(k->word && strcmp(value, k->word) == 0) &&
            (config_parse_decimal(value, strlen(value), k->max, &n) < 0 || n < k->min)) {
                if (k->word)
                        return config_invalid(c, d, at, k, value, "expected '%s' or a number from %u to %u.",
                                              k->word, k->min, k->max);
                return config_invalid(c, d, at, k, value, "expected a number from %u to %u.", k->min,
                                      k->max);
        }
        if (k->word && strcmp(value, k->word) == 0)
                n = 0;
        *KEY_FIELD(c, k, unsigned) = n;
        return 0;
}

/* Whole seconds from k->min to k->max, as a time span; "infinity" is 0 when k->min is 0;
 * the empty value is k->def. k->hint says what is expected. */
static CONFIG_PARSER(seconds)
{
        unsigned n = k->def;

        if (*value && (parse_seconds(value, k->max, k->min == 0, &n) < 0 || n < k->min))
                return config_invalid(c, d, at, k, value, "%s", k->hint);
        *KEY_FIELD(c, k, unsigned) = n;
        return 0;
}

static CONFIG_PARSER(egress)
{
        EgressMode m = EGRESS_MODE_DEFAULT;

        if (*value && egress_mode_from_string(value, &m) < 0)
                return config_invalid(c, d, at, k, value, "expected tailnet or any.");
        *KEY_FIELD(c, k, EgressMode) = m;
        return 0;
}

/* --- the table ---------------------------------------------------------------------- */

#define FIELD(f)    .offset = offsetof(InstanceConfig, f)
#define LIST(f, n)  .offset = offsetof(InstanceConfig, f), .offset_n = offsetof(InstanceConfig, n)
#define AT(f)       .offset_at = offsetof(InstanceConfig, f)
#define RANGE(a, b) .min = (a), .max = (b)

const ConfigKey config_keys[] = {
        {"Instance", "AutoStart", config_parse_boolean, FIELD(auto_start), .def = true},
        {"Instance", "Description", config_parse_string, FIELD(description)},
        {"Namespace", "Subnet", config_parse_subnet},
        {"Namespace", "Uplink", config_parse_uplink},
        {"Tailscale", "Binary", config_parse_path, FIELD(ts_binary), .def_text = TAILSCALED_DEFAULT},
        {"Tailscale", "Port", config_parse_port},
        {"Tailscale", "ExtraArguments", config_parse_extra_arguments},
        /* The login (tsproxy-login, ts-login@.service). */
        {"Tailscale", "AuthKeyFile", config_parse_path, FIELD(ts_auth_key_file), AT(ts_auth_key_file_at)},
        {"Tailscale", "LoginServer", config_parse_login_server, FIELD(ts_login_server)},
        {"Tailscale", "Hostname", config_parse_hostname, FIELD(ts_hostname)},
        {"Tailscale", "AdvertiseTags", config_parse_advertise_tags, FIELD(ts_advertise_tags)},
        {"Tailscale", "AcceptRoutes", config_parse_boolean, FIELD(ts_accept_routes)},
        {"Tailscale", "UpArguments", config_parse_up_arguments, FIELD(ts_up_arguments)},
        {"SOCKS", "Listen", config_parse_listen, LIST(socks.listen, socks.n_listen),
         .hint = "expected a TCP port from 1 to 65535"},
        {"SOCKS", "AllowFrom", config_parse_allow_from, LIST(socks.allow_from, socks.n_allow_from)},
        {"SOCKS", "Egress", config_parse_egress, FIELD(socks.egress)},
        {"SOCKS", "PasswordFile", config_parse_path, FIELD(socks.password_file), AT(socks.password_file_at)},
        {"SOCKS", "Users", config_parse_socks_users},
        /* The generator writes these, in this order, as the daemon's options. */
        {"SOCKS", "MaxConnections", config_parse_unsigned, FIELD(socks.max_connections),
         RANGE(1, SOCKS_MAX_CONNECTIONS_MAX), .def = SOCKS_DEFAULT_MAX_CONNECTIONS,
         .option = "--max-connections"},
        {"SOCKS", "IdleTimeoutSec", config_parse_seconds, FIELD(socks.idle_timeout_sec),
         RANGE(0, SOCKS_IDLE_TIMEOUT_MAX), .option = "--idle-timeout",
         .hint = "expected whole seconds up to a week, such as 300 or 5min, or 0 for no timeout."},
        {"SOCKS", "HandshakeTimeoutSec", config_parse_seconds, FIELD(socks.handshake_timeout_sec),
         RANGE(1, SOCKS_HANDSHAKE_TIMEOUT_MAX), .def = SOCKS_DEFAULT_HANDSHAKE_TIMEOUT,
         .option = "--handshake-timeout",
         .hint = "expected whole seconds from 1 to an hour, such as 10 or 1min."},
        {"SOCKS", "Workers", config_parse_unsigned, FIELD(socks.workers), RANGE(1, SOCKS_WORKERS_MAX),
         .word = "auto", .option = "--workers"},
        {"DNS", "Listen", config_parse_listen, LIST(dns.listen, dns.n_listen),
         .hint = "expected a port from 1 to 65535"},
        {"DNS", "Domain", config_parse_dns_domain, FIELD(dns.domain), .hint = "fgpu or fgpu.internal"},
        {"DNS", "TailnetDomain", config_parse_dns_domain, FIELD(dns.tailnet_domain),
         .hint = "tail1234.ts.net"},
        {"DNS", "AllowFrom", config_parse_allow_from, LIST(dns.allow_from, dns.n_allow_from)},
        {"Forward", "Forward", config_parse_forward},
        {"Forward", "AllowFrom", config_parse_allow_from, LIST(forward_allow_from, n_forward_allow_from)},
        {"Forward", "Egress", config_parse_egress, FIELD(forward_egress)},
};
const size_t config_keys_count = ELEMENTSOF(config_keys);

void config_keys_init(InstanceConfig *c)
{
        /* The empty assignment is a key's default; these keys own no memory, so their
         * parsers cannot fail on it. */
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++) {
                const ConfigKey *k = &config_keys[i];
                if (k->parse == config_parse_boolean || k->parse == config_parse_unsigned ||
                    k->parse == config_parse_seconds || k->parse == config_parse_egress)
                        (void)k->parse(c, k, "", (ConfigLocation){}, NULL);
        }
}

const char *config_key_option_value(const ConfigKey *k, const InstanceConfig *c, char buf[static 12])
{
        unsigned n = *KEY_FIELD(c, k, const unsigned);

        if (n == 0 && k->word)
                return k->word;
        snprintf(buf, 12, "%u", n);
        return buf;
}

bool config_section_known(const char *section)
{
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (strcmp(config_keys[i].section, section) == 0)
                        return true;
        return false;
}

int config_set_key(InstanceConfig *c, const char *section, const char *key, const char *value,
                   ConfigLocation at, Diagnostics *d)
{
        if (!config_section_known(section))
                return -ESRCH;
        for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
                if (strcmp(config_keys[i].section, section) == 0 && strcmp(config_keys[i].key, key) == 0)
                        return config_keys[i].parse(c, &config_keys[i], value, at, d);
        return -ENOENT;
}
