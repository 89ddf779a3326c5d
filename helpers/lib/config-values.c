/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config-values.c: the parsers of structured configuration values, each named in the
 * key table of config-keys.c: Subnet=, Uplink=, Port=, ExtraArguments=, the Listen= and
 * AllowFrom= lists, Users=, Forward=, Domain= and TailnetDomain=.
 *
 * Each checks the whole value before it changes anything, so an invalid assignment
 * leaves the earlier one in place (and makes the instance invalid).
 */
#include "config-keys.h"
#include "tailscaled-args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_parse_subnet(InstanceConfig *c, const ConfigKey *k, const char *value, ConfigLocation at,
                        Diagnostics *d)
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
                return config_invalid(
                        c, d, at, k, value,
                        "host bits are set; the network is %s (the host end of the veth gets the "
                        "first usable address).",
                        meant);
        }
        if (r < 0)
                return config_invalid(c, d, at, k, value,
                                      "expected an IPv4 network in CIDR form, such as 10.200.0.4/30.");
        if (s.prefix != 30 && s.prefix != 31)
                return config_invalid(c, d, at, k, value, "the veth pair needs a /30 or a /31, not a /%u.",
                                      s.prefix);
        why = subnet_forbidden_reason(&s);
        if (why)
                return config_invalid(c, d, at, k, value, "%s.", why);

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

int config_parse_uplink(InstanceConfig *c, const ConfigKey *k, const char *value, ConfigLocation at,
                        Diagnostics *d)
{
        if (*value && !ifname_valid(value))
                return config_invalid(c, d, at, k, value,
                                      "not a valid interface name (1 to 15 characters, no '/', ':', "
                                      "quotes or white space).");
        if (*value && strncmp(value, HOST_IFNAME_PREFIX, strlen(HOST_IFNAME_PREFIX)) == 0)
                return config_invalid(c, d, at, k, value,
                                      "interfaces named " HOST_IFNAME_PREFIX
                                      "* are tsproxy's own veth ends, not an uplink.");
        return config_set_string(&c->uplink, value);
}

int config_parse_port(InstanceConfig *c, const ConfigKey *k, const char *value, ConfigLocation at,
                      Diagnostics *d)
{
        unsigned port;

        if (!*value) {
                c->ts_port_explicit = false;
                return 0;
        }
        if (config_parse_decimal(value, strlen(value), 65535, &port) < 0 || port == 0)
                return config_invalid(c, d, at, k, value, "expected a UDP port from 1 to 65535.");
        if (port == TAILSCALE_DEFAULT_PORT)
                return config_invalid(c, d, at, k, value,
                                      "41641 is the host tailscaled's port; its traffic would be forwarded "
                                      "into the namespace.");
        c->ts_port = (uint16_t)port;
        c->ts_port_explicit = true;
        c->ts_port_at = at;
        return 0;
}

int config_parse_extra_arguments(InstanceConfig *c, const ConfigKey *k, const char *value, ConfigLocation at,
                                 Diagnostics *d)
{
        char tun[IFNAMSIZ], reason[256];

        if (tailscaled_args_check(value, tun, reason, sizeof(reason)) < 0)
                return config_invalid(c, d, at, k, value, "%s", reason);
        memcpy(c->ts_tun, tun, sizeof(tun));
        return config_set_string(&c->ts_extra_arguments, value);
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
        if (config_parse_decimal(colon + 1, strlen(colon + 1), 65535, &port) < 0 || port == 0)
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
 * A Listen= of [SOCKS] or [DNS]: appended to the list, a repeat warned about and ignored,
 * the empty value resetting the list (drop-ins). k->hint names the port, for
 * endpoint_check().
 */
int config_parse_listen(InstanceConfig *c, const ConfigKey *k, const char *value, ConfigLocation at,
                        Diagnostics *d)
{
        ListenAddress **list = KEY_FIELD(c, k, ListenAddress *), l = {.at = at}, *n;
        size_t *n_list = KEY_COUNT(c, k);
        const char *why;

        if (!*value) {
                free(*list);
                *list = NULL;
                *n_list = 0;
                return 0;
        }
        why = endpoint_check(value, k->hint, "a multicast address cannot listen", &l.address, &l.length);
        if (why)
                return config_invalid(c, d, at, k, value, "%s.", why);
        for (size_t i = 0; i < *n_list; i++)
                if (sockaddr_equal((struct sockaddr *)&(*list)[i].address, (struct sockaddr *)&l.address))
                        return diagnostics_add(d, LOG_WARNING, at.file, at.line, k->key, c->name,
                                               "[%s] %s=%s: already listed at line %u, ignoring.",
                                               k->section, k->key, value, (*list)[i].at.line);

        n = reallocarray(*list, *n_list + 1, sizeof(ListenAddress));
        if (!n)
                return -ENOMEM;
        *list = n;
        (*list)[(*n_list)++] = l;
        return 0;
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
            config_parse_decimal(slash + 1, strlen(slash + 1), n.prefix, &prefix) < 0) {
                snprintf(buf, IPNET_STRLEN, "?");
                return;
        }
        for (unsigned bit = prefix; bit < n.prefix; bit++)
                n.bytes[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
        n.prefix = prefix;
        ipnet_format(&n, buf);
}

/* AllowFrom= of [SOCKS], [Forward] and [DNS]: one list each, the same rules. */
int config_parse_allow_from(InstanceConfig *c, const ConfigKey *k, const char *value, ConfigLocation at,
                            Diagnostics *d)
{
        IpNetwork **list = KEY_FIELD(c, k, IpNetwork *);
        size_t *count = KEY_COUNT(c, k);
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
                return config_invalid(c, d, at, k, value, "host bits are set; the network is %s.", meant);
        }
        if (r < 0)
                return config_invalid(c, d, at, k, value,
                                      "expected an IPv4 or IPv6 network in CIDR form, such as 100.64.0.0/10 "
                                      "or fd7a:115c:a1e0::/48, or a single address.");
        for (size_t i = 0; i < *count; i++)
                if ((*list)[i].family == net.family && (*list)[i].prefix == net.prefix &&
                    memcmp((*list)[i].bytes, net.bytes, sizeof(net.bytes)) == 0)
                        return 0;     /* listed already: no harm */
        if (*count >= ALLOW_FROM_MAX) /* the daemon would refuse its command line */
                return config_invalid(c, d, at, k, value, "more than %d networks in this section.",
                                      ALLOW_FROM_MAX);

        n = reallocarray(*list, *count + 1, sizeof(IpNetwork));
        if (!n)
                return -ENOMEM;
        *list = n;
        (*list)[(*count)++] = net;
        return 0;
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

int config_parse_socks_users(InstanceConfig *c, const ConfigKey *k, const char *value, ConfigLocation at,
                             Diagnostics *d)
{
        SocksConfig *s = &c->socks;
        size_t n = 0;

        if (!*value) {
                config_strv_free(s->users);
                s->users = NULL;
                return 0;
        }
        /* Check every name first: an invalid one leaves the list as it was. */
        for (const char *p = value + strspn(value, " \t"); *p; p += strspn(p, " \t")) {
                size_t len = strcspn(p, " \t");
                if (!socks_user_valid(p, len))
                        return config_invalid(
                                c, d, at, k, value,
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
        if (config_parse_decimal(colon + 1, strlen(colon + 1), 65535, &port) < 0 || port == 0)
                return "expected a port from 1 to 65535";
        if (!dns_name_valid(word, (size_t)(colon - word)))
                return "not an address nor a DNS name: expected A.B.C.D:PORT, [IPV6]:PORT or NAME:PORT";
        snprintf(ret, FORWARD_TARGET_STRLEN, "%.*s:%u", (int)(colon - word), word, port);
        return NULL;
}

int config_parse_forward(InstanceConfig *c, const ConfigKey *k, const char *value, ConfigLocation at,
                         Diagnostics *d)
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
                        return config_invalid(c, d, at, k, value,
                                              "expected LISTEN TARGET [tcp|udp], such as "
                                              "100.121.76.21:2222 100.68.1.5:22.");
                memcpy(words[n_words], p, len);
                words[n_words++][len] = '\0';
                p += len;
        }
        if (n_words < 2)
                return config_invalid(c, d, at, k, value,
                                      "expected LISTEN TARGET [tcp|udp], such as 100.121.76.21:2222 "
                                      "100.68.1.5:22.");
        if (n_words == 3) {
                if (strcmp(words[2], "udp") == 0)
                        f.protocol = FORWARD_UDP;
                else if (strcmp(words[2], "tcp") != 0)
                        return config_invalid(c, d, at, k, value,
                                              "the protocol '%s' is neither tcp nor udp.", words[2]);
        }
        why = endpoint_check(words[0], "expected a port from 1 to 65535",
                             "a multicast address cannot be forwarded", &f.listen, &f.listen_length);
        if (why)
                return config_invalid(c, d, at, k, value, "LISTEN '%s': %s.", words[0], why);
        why = forward_target(words[1], f.target);
        if (why)
                return config_invalid(c, d, at, k, value, "TARGET '%s': %s.", words[1], why);

        v = reallocarray(c->forwards, c->n_forwards + 1, sizeof(Forward));
        if (!v)
                return -ENOMEM;
        c->forwards = v;
        c->forwards[c->n_forwards++] = f;
        return 0;
}

/* Domain=, TailnetDomain=: labels of letters, digits, '-' and '_' (1 to 63 each, at most
 * 253 in all), one final dot allowed; kept lowercase without it. tsproxy-dns checks the
 * same (helpers/dns/options.c). */
int config_parse_dns_domain(InstanceConfig *c, const ConfigKey *k, const char *value, ConfigLocation at,
                            Diagnostics *d)
{
        char **field = KEY_FIELD(c, k, char *);
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
        return config_invalid(c, d, at, k, value,
                              "not a domain name: expected labels of letters, digits, '-' and '_' separated "
                              "by dots, such as %s.",
                              k->hint);
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
