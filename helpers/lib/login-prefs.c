/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * login-prefs.c: `tailscale up` flags onto ipn.Prefs (login-prefs.h). Facts from
 * tailscale's source: cmd/tailscale/cli/up.go (the flags, their defaults, prefsFromUpArgs:
 * tags without "tag:" get it, --exit-node-allow-lan-access only with --exit-node,
 * --snat-subnet-routes is NoSNAT inverted), tailcfg/tailcfg.go CheckTag, util/dnsname
 * ValidHostname, net/netutil CalcAdvertiseRoutes (prefixes without host bits; an exit
 * node advertises 0.0.0.0/0 and ::/0), Go's strconv.ParseBool.
 */
#include "login-prefs.h"
#include "ipnet.h"
#include "macro.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

void login_prefs_init(LoginPrefs *p)
{
        *p = (LoginPrefs){.corp_dns = true};
}

static int parse_go_bool(const char *v, bool *ret)
{
        static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
        static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcmp(v, yes[i]) == 0)
                        return *ret = true, 0;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcmp(v, no[i]) == 0)
                        return *ret = false, 0;
        return -EINVAL;
}

const char *login_check_url(const char *s)
{
        if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
                return "expected a URL starting with https:// or http://.";
        if (strlen(s) >= LOGIN_URL_MAX)
                return "the URL is too long.";
        if (strlen(s) <= strlen("https://") - (s[4] == ':'))
                return "the URL has no host.";
        for (const char *q = s; *q; q++)
                if (*q <= ' ' || *q == '"' || *q == '\'' || *q == '\\' || (unsigned char)*q >= 0x7f)
                        return "the URL may not contain white space, quotes or backslashes.";
        return NULL;
}

static bool is_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
        return is_alpha(c) || (c >= '0' && c <= '9');
}

const char *login_check_hostname(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > LOGIN_HOSTNAME_MAX)
                return "expected a host name of 1 to 63 characters.";
        if (s[0] == '-' || s[n - 1] == '-')
                return "a host name may not start or end with '-'.";
        for (const char *q = s; *q; q++)
                if (!is_alnum(*q) && *q != '-')
                        return "a host name may contain only letters, digits and '-'.";
        return NULL;
}

const char *login_check_tag(const char *s, size_t len, char buf[static LOGIN_TAG_MAX])
{
        size_t off = len >= 4 && strncmp(s, "tag:", 4) == 0 ? 4 : 0;

        if (off == 0 && memchr(s, ':', len))
                return "a tag is tag:NAME.";
        if (len == off)
                return "a tag name may not be empty.";
        if (len - off + 4 >= LOGIN_TAG_MAX)
                return "the tag is too long.";
        if (!is_alpha(s[off]))
                return "a tag name must start with a letter.";
        for (size_t i = off; i < len; i++)
                if (!is_alnum(s[i]) && s[i] != '-')
                        return "a tag name may contain only letters, digits and '-'.";
        snprintf(buf, LOGIN_TAG_MAX, "tag:%.*s", (int)(len - off), s + off);
        return NULL;
}

/* Made one DNS label, as tailscale does with the OS host name (util/dnsname
 * SanitizeHostname): the default Hostname= is "%l-NAME", and the host's name, filled in
 * by systemd, may be long or hold '_'. A Hostname= that passed login_check_hostname() is
 * kept as it is. */
const char *login_prefs_set_hostname(LoginPrefs *p, const char *value)
{
        size_t n = 0;

        for (const char *q = value; *q && n < LOGIN_HOSTNAME_MAX; q++) {
                char c = *q;

                if (!is_alnum(c) && c != '-')
                        c = '-';
                if (c == '-' && n == 0)
                        continue;
                p->hostname[n++] = c;
        }
        while (n > 0 && p->hostname[n - 1] == '-')
                n--;
        p->hostname[n] = '\0';
        return *value && n == 0 ? "expected a host name of letters, digits and '-'." : NULL;
}

const char *login_prefs_set_tags(LoginPrefs *p, const char *list)
{
        p->n_tags = 0;
        for (const char *q = list; *q;) {
                size_t len = strcspn(q, ",");
                const char *why;

                if (p->n_tags == LOGIN_TAGS_MAX)
                        return "too many tags (at most 16).";
                why = login_check_tag(q, len, p->tags[p->n_tags]);
                if (why)
                        return why;
                p->n_tags++;
                q += len;
                if (*q == ',' && !*++q)
                        return "a tag name may not be empty.";
        }
        return NULL;
}

static const char *add_route(LoginPrefs *p, const char *route)
{
        char buf[IPNET_STRLEN];
        IpNetwork n;
        int r;

        r = strchr(route, '/') ? ipnet_parse(route, &n) : -EINVAL;
        if (r == -EDOM)
                return "a prefix may not have bits set beyond its length (10.0.0.0/8, not 10.1.2.3/8).";
        if (r < 0)
                return "expected IP prefixes such as 10.0.0.0/8,fd00::/64.";
        /* Kept as tailscaled writes it (netip.Prefix.String): "fd00::/64" for "fd00:0::/64". */
        ipnet_format(&n, buf);
        for (size_t i = 0; i < p->n_routes; i++)
                if (strcmp(p->routes[i], buf) == 0)
                        return NULL;
        if (p->n_routes == LOGIN_ROUTES_MAX)
                return "too many routes (at most 32).";
        snprintf(p->routes[p->n_routes++], LOGIN_ROUTE_STRLEN, "%s", buf);
        return NULL;
}

static const char *set_routes(LoginPrefs *p, const char *list)
{
        bool exit_node = p->advertise_exit_node;

        p->n_routes = 0;
        for (const char *q = list; *q;) {
                char route[LOGIN_ROUTE_STRLEN];
                size_t len = strcspn(q, ",");
                const char *why;

                if (len == 0 || len >= sizeof(route))
                        return "expected IP prefixes such as 10.0.0.0/8,fd00::/64.";
                memcpy(route, q, len);
                route[len] = '\0';
                why = add_route(p, route);
                if (why)
                        return why;
                q += len + (q[len] == ',');
        }
        p->advertise_exit_node = false;
        return exit_node ? (p->advertise_exit_node = true, add_route(p, "0.0.0.0/0") ?: add_route(p, "::/0"))
                         : NULL;
}

enum {
        F_BOOL = 1 << 0,    /* a boolean: "--flag" alone is true */
        F_OWN_KEY = 1 << 1, /* set by a [Tailscale] key of its own, never by UpArguments= */
};

typedef struct LoginFlag {
        const char *name;
        unsigned flags;
        const char *refused; /* non-NULL: never taken, this is why */
} LoginFlag;

static const LoginFlag login_flags[] = {
        {"login-server", F_OWN_KEY, "use LoginServer=."},
        {"hostname", F_OWN_KEY, "use Hostname=."},
        {"advertise-tags", F_OWN_KEY, "use AdvertiseTags=."},
        {"accept-routes", F_OWN_KEY | F_BOOL, "use AcceptRoutes=."},
        {"accept-dns", F_BOOL, NULL},
        {"shields-up", F_BOOL, NULL},
        {"advertise-routes", 0, NULL},
        {"advertise-exit-node", F_BOOL, NULL},
        {"exit-node", 0, NULL},
        {"exit-node-allow-lan-access", F_BOOL, NULL},
        {"snat-subnet-routes", F_BOOL, NULL},
        {"auth-key", 0, "use AuthKeyFile= (an auth key never goes on a command line)."},
        {"authkey", 0, "use AuthKeyFile= (an auth key never goes on a command line)."},
        {"ssh", F_BOOL, "Tailscale SSH would give the instance's tailnet a shell on this host."},
        {"operator", 0, "tsproxyctl tailscale NAME runs as root."},
        {"reset", F_BOOL, "flags that are not given already take their defaults."},
        {"force-reauth", F_BOOL, "tsproxy-login logs in only when tailscaled needs it."},
        {"unattended", F_BOOL, "not a Linux flag."},
        {"netfilter-mode", 0, "the instance's namespace is tsproxy's to filter."},
        {"auto-update", F_BOOL, "tsproxy turns auto-update off for every instance."},
};

#define UNSUPPORTED                                                                                         \
        "not a flag tsproxy maps onto tailscaled's prefs (supported: --accept-dns, --shields-up, "          \
        "--advertise-routes, --advertise-exit-node, --exit-node, --exit-node-allow-lan-access, "            \
        "--snat-subnet-routes)."

static const char *apply(LoginPrefs *p, const LoginFlag *f, const char *value, bool b)
{
        const char *name = f->name;

        if (strcmp(name, "login-server") == 0)
                return login_check_url(value)
                               ?: (snprintf(p->control_url, sizeof(p->control_url), "%s", value), NULL);
        if (strcmp(name, "hostname") == 0)
                return login_prefs_set_hostname(p, value);
        if (strcmp(name, "advertise-tags") == 0)
                return login_prefs_set_tags(p, value);
        if (strcmp(name, "accept-routes") == 0)
                return p->route_all = b, NULL;
        if (strcmp(name, "accept-dns") == 0)
                return p->corp_dns = b, NULL;
        if (strcmp(name, "shields-up") == 0)
                return p->shields_up = b, NULL;
        if (strcmp(name, "exit-node-allow-lan-access") == 0)
                return p->exit_node_allow_lan = b, NULL;
        if (strcmp(name, "snat-subnet-routes") == 0)
                return p->no_snat = !b, NULL;
        if (strcmp(name, "advertise-exit-node") == 0) {
                char routes[LOGIN_ROUTES_MAX * LOGIN_ROUTE_STRLEN] = "";
                size_t n = 0;

                /* The user's routes again, without the exit node's two. */
                for (size_t i = 0; i < p->n_routes; i++)
                        if (strcmp(p->routes[i], "0.0.0.0/0") != 0 && strcmp(p->routes[i], "::/0") != 0)
                                n += (size_t)snprintf(routes + n, sizeof(routes) - n, "%s%s", n ? "," : "",
                                                      p->routes[i]);
                p->advertise_exit_node = b;
                return set_routes(p, routes);
        }
        if (strcmp(name, "advertise-routes") == 0)
                return set_routes(p, value);
        if (strcmp(name, "exit-node") == 0) {
                unsigned char a[16];
                if (*value && inet_pton(AF_INET, value, a) != 1 && inet_pton(AF_INET6, value, a) != 1)
                        return "expected the exit node's tailnet IP address (names are not looked up).";
                snprintf(p->exit_node_ip, sizeof(p->exit_node_ip), "%s", value);
                return NULL;
        }
        return UNSUPPORTED;
}

int login_prefs_apply_flag(LoginPrefs *p, const char *word, LoginFlagSource source, const char **ret_why)
{
        const char *name = word, *eq, *value = NULL, *why = UNSUPPORTED;
        size_t len;
        bool b = true;

        if (strncmp(name, "--", 2) == 0)
                name += 2;
        else if (name[0] == '-')
                name += 1;
        else {
                *ret_why = "expected --flag or --flag=value (one word each).";
                return -EINVAL;
        }
        eq = strchr(name, '=');
        len = eq ? (size_t)(eq - name) : strlen(name);
        if (eq)
                value = eq + 1;
        for (size_t i = 0; i < ELEMENTSOF(login_flags); i++) {
                const LoginFlag *f = &login_flags[i];

                if (strlen(f->name) != len || strncmp(f->name, name, len) != 0)
                        continue;
                if (f->refused && !(source == LOGIN_FLAG_AGENT && (f->flags & F_OWN_KEY)))
                        why = f->refused;
                else if (!(f->flags & F_BOOL) && !value)
                        why = "the flag needs a value: --flag=value.";
                else if ((f->flags & F_BOOL) && value && parse_go_bool(value, &b) < 0)
                        why = "expected true or false.";
                else
                        why = apply(p, f, value ?: "", b);
                break;
        }
        if (why) {
                *ret_why = why;
                return -EINVAL;
        }
        return 0;
}

const char *login_prefs_check(const LoginPrefs *p)
{
        if (p->exit_node_allow_lan && !p->exit_node_ip[0])
                return "--exit-node-allow-lan-access can only be used with --exit-node.";
        return NULL;
}
