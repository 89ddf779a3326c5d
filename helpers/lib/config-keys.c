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
#include "parse-number.h"
#include "tailscaled-args.h"

#include <arpa/inet.h>
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

/* Decimal without sign or leading zeros, at most max, in the first len bytes of v: the
 * command lines' parse_unsigned() (parse-number.h), stricter about leading zeros. */
static int parse_decimal(const char *v, size_t len, unsigned max, unsigned *ret)
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

static int key_port(InstanceConfig *c, const char *section, const char *key, const char *value,
                    ConfigLocation at, Diagnostics *d)
{
        unsigned port;

        if (!*value) {
                c->ts_port_explicit = false;
                return 0;
        }
        if (parse_decimal(value, strlen(value), 65535, &port) < 0 || port == 0)
                return invalid_value(c, d, at, section, key, value, "expected a UDP port from 1 to 65535.");
        if (port == TAILSCALE_DEFAULT_PORT)
                return invalid_value(c, d, at, section, key, value,
                                     "41641 is the host tailscaled's port; its traffic would be forwarded "
                                     "into the namespace.");
        c->ts_port = (uint16_t)port;
        c->ts_port_explicit = true;
        c->ts_port_at = at;
        return 0;
}

static int key_extra_arguments(InstanceConfig *c, const char *section, const char *key, const char *value,
                               ConfigLocation at, Diagnostics *d)
{
        char tun[IFNAMSIZ], reason[256];

        if (tailscaled_args_check(value, tun, reason, sizeof(reason)) < 0)
                return invalid_value(c, d, at, section, key, value, "%s", reason);
        memcpy(c->ts_tun, tun, sizeof(tun));
        return set_string(&c->ts_extra_arguments, value);
}

/* --- [SOCKS] ------------------------------------------------------------------------ */

void socks_config_init(SocksConfig *s)
{
        *s = (SocksConfig){
                .egress = EGRESS_MODE_DEFAULT,
                .max_connections = SOCKS_DEFAULT_MAX_CONNECTIONS,
                .handshake_timeout_sec = SOCKS_DEFAULT_HANDSHAKE_TIMEOUT,
        };
}

static void strv_free(char **v)
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
        strv_free(s->users);
        *s = (SocksConfig){};
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

                r = parse_decimal(p, digits, max, &n);
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

static bool sockaddr_is_multicast(const struct sockaddr_storage *a)
{
        if (a->ss_family == AF_INET)
                return IN_MULTICAST(ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr));
        return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

/*
 * "A.B.C.D:PORT" or "[V6]:PORT", for a listen address or a forward's IP endpoint: NULL, or
 * what is wrong with it (no final period). port_what names the port in the message ("a
 * TCP port"), multicast_why says why a multicast address will not do.
 */
static const char *endpoint_check(const char *word, const char *port_what, const char *multicast_why,
                                  struct sockaddr_storage *ret, socklen_t *ret_len)
{
        const char *colon = strrchr(word, ':'), *close = strchr(word, ']');
        unsigned port;

        if (!colon || (word[0] == '[' && (!close || colon < close)) ||
            (word[0] != '[' && memchr(word, ':', (size_t)(colon - word))))
                return "missing the port: expected A.B.C.D:PORT, or [IPV6]:PORT for IPv6";
        if (parse_decimal(colon + 1, strlen(colon + 1), 65535, &port) < 0 || port == 0)
                return port_what;
        if (endpoint_parse(word, ret, ret_len) < 0)
                return "not an address: expected A.B.C.D:PORT, or [IPV6]:PORT for IPv6";
        if (ret->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)ret)->sin6_addr))
                return "write an IPv4 address as A.B.C.D:PORT, not IPv4-mapped";
        if (sockaddr_is_multicast(ret))
                return multicast_why;
        return NULL;
}

/*
 * A Listen= of [SOCKS] or [DNS]: appended to *list, a repeat warned about and ignored, the
 * empty value resetting the list (drop-ins). port_what as for endpoint_check().
 */
static int listen_add(InstanceConfig *c, const char *section, const char *key, const char *value,
                      ConfigLocation at, Diagnostics *d, const char *port_what, ListenAddress **list,
                      size_t *n_list)
{
        ListenAddress l = {.at = at}, *n;
        const char *why;

        if (!*value) {
                free(*list);
                *list = NULL;
                *n_list = 0;
                return 0;
        }
        why = endpoint_check(value, port_what, "a multicast address cannot listen", &l.address, &l.length);
        if (why)
                return invalid_value(c, d, at, section, key, value, "%s.", why);
        for (size_t i = 0; i < *n_list; i++)
                if (sockaddr_equal((struct sockaddr *)&(*list)[i].address, (struct sockaddr *)&l.address))
                        return diagnostics_add(d, LOG_WARNING, at.file, at.line, key, c->name,
                                               "[%s] %s=%s: already listed at line %u, ignoring.", section,
                                               key, value, (*list)[i].at.line);

        n = reallocarray(*list, *n_list + 1, sizeof(ListenAddress));
        if (!n)
                return -ENOMEM;
        *list = n;
        (*list)[(*n_list)++] = l;
        return 0;
}

static int key_socks_listen(InstanceConfig *c, const char *section, const char *key, const char *value,
                            ConfigLocation at, Diagnostics *d)
{
        return listen_add(c, section, key, value, at, d, "expected a TCP port from 1 to 65535",
                          &c->socks.listen, &c->socks.n_listen);
}

/* The network "ADDR/N" probably meant, when ipnet_parse() said -EDOM (host bits set). */
static void ipnet_meant(const char *value, char buf[static IPNET_STRLEN])
{
        const char *slash = strchr(value, '/');
        char a[INET6_ADDRSTRLEN] = "";
        IpNetwork n = {};
        unsigned prefix = 0;

        if (slash && (size_t)(slash - value) < sizeof(a))
                memcpy(a, value, (size_t)(slash - value));
        if (!slash || ipnet_parse(a, &n) < 0 ||
            parse_decimal(slash + 1, strlen(slash + 1), n.prefix, &prefix) < 0) {
                snprintf(buf, IPNET_STRLEN, "?");
                return;
        }
        for (unsigned bit = prefix; bit < n.prefix; bit++)
                n.bytes[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
        n.prefix = prefix;
        ipnet_format(&n, buf);
}

/* AllowFrom= of [SOCKS], [Forward] and [DNS]: one list each, the same rules. */
static int key_allow_from(InstanceConfig *c, const char *section, const char *key, const char *value,
                          ConfigLocation at, Diagnostics *d)
{
        IpNetwork **list = strcmp(section, "SOCKS") == 0 ? &c->socks.allow_from
                           : strcmp(section, "DNS") == 0 ? &c->dns.allow_from
                                                         : &c->forward_allow_from;
        size_t *count = strcmp(section, "SOCKS") == 0 ? &c->socks.n_allow_from
                        : strcmp(section, "DNS") == 0 ? &c->dns.n_allow_from
                                                      : &c->n_forward_allow_from;
        IpNetwork net, *n;
        int r;

        if (!*value) {
                free(*list);
                *list = NULL;
                *count = 0;
                return 0;
        }
        r = ipnet_parse(value, &net);
        if (r == -EDOM) {
                char meant[IPNET_STRLEN];

                ipnet_meant(value, meant);
                return invalid_value(c, d, at, section, key, value, "host bits are set; the network is %s.",
                                     meant);
        }
        if (r < 0)
                return invalid_value(c, d, at, section, key, value,
                                     "expected an IPv4 or IPv6 network in CIDR form, such as 100.64.0.0/10 "
                                     "or fd7a:115c:a1e0::/48, or a single address.");
        for (size_t i = 0; i < *count; i++)
                if ((*list)[i].family == net.family && (*list)[i].prefix == net.prefix &&
                    memcmp((*list)[i].bytes, net.bytes, sizeof(net.bytes)) == 0)
                        return 0;     /* listed already: no harm */
        if (*count >= ALLOW_FROM_MAX) /* the daemon would refuse its command line */
                return invalid_value(c, d, at, section, key, value, "more than %d networks in this section.",
                                     ALLOW_FROM_MAX);

        n = reallocarray(*list, *count + 1, sizeof(IpNetwork));
        if (!n)
                return -ENOMEM;
        *list = n;
        (*list)[(*count)++] = net;
        return 0;
}

static int parse_egress(InstanceConfig *c, const char *section, const char *key, const char *value,
                        ConfigLocation at, Diagnostics *d, EgressMode *ret)
{
        if (!*value)
                *ret = EGRESS_MODE_DEFAULT;
        else if (egress_mode_from_string(value, ret) < 0)
                return invalid_value(c, d, at, section, key, value, "expected tailnet or any.");
        return 0;
}

static int key_socks_egress(InstanceConfig *c, const char *section, const char *key, const char *value,
                            ConfigLocation at, Diagnostics *d)
{
        return parse_egress(c, section, key, value, at, d, &c->socks.egress);
}

static int key_forward_egress(InstanceConfig *c, const char *section, const char *key, const char *value,
                              ConfigLocation at, Diagnostics *d)
{
        return parse_egress(c, section, key, value, at, d, &c->forward_egress);
}

static int key_socks_password_file(InstanceConfig *c, const char *section, const char *key,
                                   const char *value, ConfigLocation at, Diagnostics *d)
{
        if (*value && value[0] != '/')
                return invalid_value(c, d, at, section, key, value, "expected an absolute path.");
        for (const char *p = value; *p; p++)
                if (*p <= ' ' || *p == '"' || *p == '\'' || *p == '\\' || (unsigned char)*p >= 0x7f)
                        return invalid_value(c, d, at, section, key, value,
                                             "the path may not contain white space, quotes or backslashes.");
        c->socks.password_file_at = at;
        return set_string(&c->socks.password_file, value);
}

/* A user name as RFC 1929 carries it (1 to 255 bytes) that also fits a "user:hash" line
 * and the daemon's comma-separated --users: letters, digits and . _ @ + - only. */
static bool socks_user_valid(const char *u, size_t len)
{
        if (len == 0 || len > 255)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-", u[i]))
                        return false;
        return true;
}

static int key_socks_users(InstanceConfig *c, const char *section, const char *key, const char *value,
                           ConfigLocation at, Diagnostics *d)
{
        SocksConfig *s = &c->socks;
        size_t n = 0;

        if (!*value) {
                strv_free(s->users);
                s->users = NULL;
                return 0;
        }
        /* Check every name first: an invalid one leaves the list as it was. */
        for (const char *p = value + strspn(value, " \t"); *p; p += strspn(p, " \t")) {
                size_t len = strcspn(p, " \t");
                if (!socks_user_valid(p, len))
                        return invalid_value(
                                c, d, at, section, key, value,
                                "'%.*s' is not a valid user name (1 to 255 letters, digits, '.', "
                                "'_', '@', '+' or '-').",
                                (int)len, p);
                p += len;
        }
        for (char **u = s->users; u && *u; u++)
                n++;
        for (const char *p = value + strspn(value, " \t"); *p; p += strspn(p, " \t")) {
                size_t len = strcspn(p, " \t");
                bool seen = false;
                char **v;

                for (char **u = s->users; u && *u; u++)
                        if (strlen(*u) == len && strncmp(*u, p, len) == 0)
                                seen = true;
                if (!seen) {
                        v = reallocarray(s->users, n + 2, sizeof(char *));
                        if (!v)
                                return -ENOMEM;
                        s->users = v;
                        s->users[n] = strndup(p, len);
                        if (!s->users[n])
                                return -ENOMEM;
                        s->users[++n] = NULL;
                }
                p += len;
        }
        s->users_at = at;
        return 0;
}

static int key_socks_max_connections(InstanceConfig *c, const char *section, const char *key,
                                     const char *value, ConfigLocation at, Diagnostics *d)
{
        unsigned n;

        if (!*value) {
                c->socks.max_connections = SOCKS_DEFAULT_MAX_CONNECTIONS;
                return 0;
        }
        if (parse_decimal(value, strlen(value), SOCKS_MAX_CONNECTIONS_MAX, &n) < 0 || n == 0)
                return invalid_value(c, d, at, section, key, value, "expected a number from 1 to %u.",
                                     SOCKS_MAX_CONNECTIONS_MAX);
        c->socks.max_connections = n;
        return 0;
}

static int key_socks_idle_timeout(InstanceConfig *c, const char *section, const char *key, const char *value,
                                  ConfigLocation at, Diagnostics *d)
{
        unsigned n;

        if (!*value) {
                c->socks.idle_timeout_sec = 0;
                return 0;
        }
        if (parse_seconds(value, SOCKS_IDLE_TIMEOUT_MAX, true, &n) < 0)
                return invalid_value(c, d, at, section, key, value,
                                     "expected whole seconds up to a week, such as 300 or 5min, or 0 for no "
                                     "timeout.");
        c->socks.idle_timeout_sec = n;
        return 0;
}

static int key_socks_handshake_timeout(InstanceConfig *c, const char *section, const char *key,
                                       const char *value, ConfigLocation at, Diagnostics *d)
{
        unsigned n;

        if (!*value) {
                c->socks.handshake_timeout_sec = SOCKS_DEFAULT_HANDSHAKE_TIMEOUT;
                return 0;
        }
        if (parse_seconds(value, SOCKS_HANDSHAKE_TIMEOUT_MAX, false, &n) < 0 || n == 0)
                return invalid_value(c, d, at, section, key, value,
                                     "expected whole seconds from 1 to an hour, such as 10 or 1min.");
        c->socks.handshake_timeout_sec = n;
        return 0;
}

static int key_socks_workers(InstanceConfig *c, const char *section, const char *key, const char *value,
                             ConfigLocation at, Diagnostics *d)
{
        unsigned n;

        if (!*value || strcmp(value, "auto") == 0) {
                c->socks.workers = 0;
                return 0;
        }
        if (parse_decimal(value, strlen(value), SOCKS_WORKERS_MAX, &n) < 0 || n == 0)
                return invalid_value(c, d, at, section, key, value,
                                     "expected 'auto' or a number from 1 to %u.", SOCKS_WORKERS_MAX);
        c->socks.workers = n;
        return 0;
}

/* --- [Forward] ---------------------------------------------------------------------- */

/* A DNS name as the resolver takes it: dot-separated labels of letters, digits and '-'
 * (not at either end), 1 to 63 characters each, at most 253 in all, one trailing dot
 * allowed; not all digits (1.2.3 is a mistyped address, not a name). */
static bool dns_name_valid(const char *name, size_t len)
{
        size_t label = 0;
        bool letter = false;

        if (len > 0 && name[len - 1] == '.')
                len--;
        if (len == 0 || len > 253)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = name[i];

                if (ch == '.') {
                        if (label == 0 || name[i - 1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '-'))
                        return false;
                if ((ch == '-' && label == 0) || ++label > 63)
                        return false;
                if (!(ch >= '0' && ch <= '9') && ch != '-')
                        letter = true;
        }
        return name[len - 1] != '-' && letter;
}

static bool sockaddr_is_unspecified(const struct sockaddr_storage *a)
{
        if (a->ss_family == AF_INET)
                return ((const struct sockaddr_in *)a)->sin_addr.s_addr == htonl(INADDR_ANY);
        return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

/* TARGET: an IP endpoint, or NAME:PORT resolved in the namespace for each connection. */
static const char *forward_target(const char *word, char ret[static FORWARD_TARGET_STRLEN])
{
        const char *colon = strrchr(word, ':');
        struct sockaddr_storage a;
        socklen_t len;
        unsigned port;
        const char *why;

        if (word[0] == '[' || (colon && memchr(word, ':', (size_t)(colon - word))) ||
            strspn(word, "0123456789.:") == strlen(word)) {
                why = endpoint_check(word, "expected a port from 1 to 65535",
                                     "a multicast address cannot be forwarded", &a, &len);
                if (why)
                        return why;
                if (sockaddr_is_unspecified(&a))
                        return "the target needs an address to connect to, not a wildcard";
                endpoint_format((struct sockaddr *)&a, ret);
                return NULL;
        }
        if (!colon)
                return "missing the port: expected ADDRESS:PORT or NAME:PORT";
        if (parse_decimal(colon + 1, strlen(colon + 1), 65535, &port) < 0 || port == 0)
                return "expected a port from 1 to 65535";
        if (!dns_name_valid(word, (size_t)(colon - word)))
                return "not an address nor a DNS name: expected A.B.C.D:PORT, [IPV6]:PORT or NAME:PORT";
        snprintf(ret, FORWARD_TARGET_STRLEN, "%.*s:%u", (int)(colon - word), word, port);
        return NULL;
}

static int key_forward(InstanceConfig *c, const char *section, const char *key, const char *value,
                       ConfigLocation at, Diagnostics *d)
{
        char words[3][FORWARD_TARGET_STRLEN + 1];
        Forward f = {.protocol = FORWARD_TCP, .at = at};
        const char *p = value, *why;
        size_t n_words = 0;
        Forward *v;

        if (!*value) {
                free(c->forwards);
                c->forwards = NULL;
                c->n_forwards = 0;
                return 0;
        }
        while (*(p += strspn(p, " \t"))) {
                size_t len = strcspn(p, " \t");

                if (n_words == ELEMENTSOF(words) || len >= sizeof(words[0]))
                        return invalid_value(c, d, at, section, key, value,
                                             "expected LISTEN TARGET [tcp|udp], such as "
                                             "100.121.76.21:2222 100.68.1.5:22.");
                memcpy(words[n_words], p, len);
                words[n_words++][len] = '\0';
                p += len;
        }
        if (n_words < 2)
                return invalid_value(c, d, at, section, key, value,
                                     "expected LISTEN TARGET [tcp|udp], such as 100.121.76.21:2222 "
                                     "100.68.1.5:22.");
        if (n_words == 3) {
                if (strcmp(words[2], "udp") == 0)
                        f.protocol = FORWARD_UDP;
                else if (strcmp(words[2], "tcp") != 0)
                        return invalid_value(c, d, at, section, key, value,
                                             "the protocol '%s' is neither tcp nor udp.", words[2]);
        }
        why = endpoint_check(words[0], "expected a port from 1 to 65535",
                             "a multicast address cannot be forwarded", &f.listen, &f.listen_length);
        if (why)
                return invalid_value(c, d, at, section, key, value, "LISTEN '%s': %s.", words[0], why);
        why = forward_target(words[1], f.target);
        if (why)
                return invalid_value(c, d, at, section, key, value, "TARGET '%s': %s.", words[1], why);

        v = reallocarray(c->forwards, c->n_forwards + 1, sizeof(Forward));
        if (!v)
                return -ENOMEM;
        c->forwards = v;
        c->forwards[c->n_forwards++] = f;
        return 0;
}

/* --- [DNS] -------------------------------------------------------------------------- */

static int key_dns_listen(InstanceConfig *c, const char *section, const char *key, const char *value,
                          ConfigLocation at, Diagnostics *d)
{
        return listen_add(c, section, key, value, at, d, "expected a port from 1 to 65535", &c->dns.listen,
                          &c->dns.n_listen);
}

/* Domain=, TailnetDomain=: labels of letters, digits, '-' and '_' (1 to 63 each, at most
 * 253 in all), one final dot allowed; kept lowercase without it. tsproxy-dns checks the
 * same (helpers/dns/options.c). */
static int key_dns_domain(InstanceConfig *c, const char *section, const char *key, const char *value,
                          ConfigLocation at, Diagnostics *d)
{
        char **field = strcmp(key, "Domain") == 0 ? &c->dns.domain : &c->dns.tailnet_domain;
        size_t len = strlen(value), label = 0;
        char *copy;

        if (!*value) {
                free(*field);
                *field = NULL;
                return 0;
        }
        if (value[len - 1] == '.')
                len--;
        for (size_t i = 0; i <= len && len > 0 && len <= 253; i++) {
                if (i == len || value[i] == '.') {
                        if (label == 0 || label > 63)
                                break;
                        label = 0;
                        if (i == len)
                                goto valid;
                        continue;
                }
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", value[i]))
                        break;
                label++;
        }
        return invalid_value(c, d, at, section, key, value,
                             "not a domain name: expected labels of letters, digits, '-' and '_' separated "
                             "by dots, such as %s.",
                             strcmp(key, "Domain") == 0 ? "fgpu or fgpu.internal" : "tail1234.ts.net");
valid:
        copy = strndup(value, len);
        if (!copy)
                return -ENOMEM;
        for (char *p = copy; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char)(*p - 'A' + 'a');
        free(*field);
        *field = copy;
        return 0;
}

static const KeyEntry key_table[] = {
        {"Instance", "AutoStart", key_auto_start},
        {"Instance", "Description", key_description},
        {"Namespace", "Subnet", key_subnet},
        {"Namespace", "Uplink", key_uplink},
        {"Tailscale", "Binary", key_binary},
        {"Tailscale", "Port", key_port},
        {"Tailscale", "ExtraArguments", key_extra_arguments},
        {"SOCKS", "Listen", key_socks_listen},
        {"SOCKS", "AllowFrom", key_allow_from},
        {"SOCKS", "Egress", key_socks_egress},
        {"Forward", "Egress", key_forward_egress},
        {"SOCKS", "PasswordFile", key_socks_password_file},
        {"SOCKS", "Users", key_socks_users},
        {"SOCKS", "MaxConnections", key_socks_max_connections},
        {"SOCKS", "IdleTimeoutSec", key_socks_idle_timeout},
        {"SOCKS", "HandshakeTimeoutSec", key_socks_handshake_timeout},
        {"SOCKS", "Workers", key_socks_workers},
        {"DNS", "Listen", key_dns_listen},
        {"DNS", "Domain", key_dns_domain},
        {"DNS", "TailnetDomain", key_dns_domain},
        {"Forward", "Forward", key_forward},
        {"Forward", "AllowFrom", key_allow_from},
        {"DNS", "AllowFrom", key_allow_from},
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
