/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolv.c: parse resolv.conf text the way resolvers do (glibc res_init(), Go's
 * dnsconfig: "#" and ";" start comments, a keyword then whitespace-separated values)
 * and build the instance's files from it. No I/O: the caller reads and writes.
 */
#include "resolv.h"

#include <stdint.h>
#include <strings.h>

#include "tailnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

static void fclose_memstreamp(FILE **f)
{
        if (*f)
                (void)fclose(*f);
}

bool resolv_nameserver_usable(const char *address)
{
        char buf[INET6_ADDRSTRLEN + 1];
        const char *pct = strchr(address, '%');
        size_t n = pct ? (size_t)(pct - address) : strlen(address);
        struct in6_addr a6;
        struct in_addr a4;
        uint32_t v4;

        if (n == 0 || n >= sizeof(buf))
                return false;
        memcpy(buf, address, n);
        buf[n] = '\0';

        if (!pct && inet_pton(AF_INET, buf, &a4) == 1)
                v4 = ntohl(a4.s_addr);
        else if (inet_pton(AF_INET6, buf, &a6) == 1) {
                static const uint8_t tailnet[] = TAILNET_IPV6_NETWORK_INIT;

                if (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6) ||
                    IN6_IS_ADDR_LINKLOCAL(&a6) || memcmp(&a6, tailnet, sizeof(tailnet)) == 0)
                        return false;
                if (!IN6_IS_ADDR_V4MAPPED(&a6))
                        return !pct || pct[1] != '\0';
                memcpy(&v4, &a6.s6_addr[12], sizeof(v4));
                v4 = ntohl(v4);
        } else
                return false;

        /* 0.0.0.0/8 "this host", 127.0.0.0/8 loopback, and the tailnet range (MagicDNS and
         * the home tailnet's own resolvers are another tailnet's, never the instance's). */
        return (v4 >> 24) != 0 && (v4 >> 24) != 127 &&
               (v4 & ~(UINT32_MAX >> TAILNET_IPV4_PREFIX)) != TAILNET_IPV4_NETWORK;
}

bool resolv_domain_usable(const char *s, size_t n)
{
        static const char suffix[] = "." TAILNET_DNS_SUFFIX;
        size_t k = strlen(suffix);

        while (n > 0 && s[n - 1] == '.')
                n--;
        if (n == k - 1 && strncasecmp(s, suffix + 1, n) == 0)
                return false;
        return n > 0 && !(n > k && strncasecmp(s + n - k, suffix, k) == 0);
}

/* A search or domain line with the home tailnet's names left out; nothing if none is left. */
static void emit_domains(FILE *out, const char *keyword, const char *v, const char *e)
{
        bool any = false;

        while (v < e) {
                size_t n = strcspn(v, " \t");
                if (n > (size_t)(e - v))
                        n = (size_t)(e - v);
                if (n > 0 && resolv_domain_usable(v, n)) {
                        fprintf(out, "%s%s%.*s", any ? "" : keyword, any ? " " : " ", (int)n, v);
                        any = true;
                }
                v += n;
                v += strspn(v, " \t");
        }
        if (any)
                fputc('\n', out);
}

/* The next line of text as [*ret_start, *ret_end), leading/trailing blanks trimmed. */
static bool next_line(const char **p, const char **ret_start, const char **ret_end)
{
        const char *s = *p, *e;

        if (*s == '\0')
                return false;
        e = strchrnul(s, '\n');
        *p = *e ? e + 1 : e;
        while (s < e && (*s == ' ' || *s == '\t'))
                s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                e--;
        *ret_start = s;
        *ret_end = e;
        return true;
}

/* Does [s, e) start with keyword followed by a blank? Then *ret_value is the rest. */
static bool line_keyword(const char *s, const char *e, const char *keyword, const char **ret_value)
{
        size_t k = strlen(keyword);

        if ((size_t)(e - s) <= k || memcmp(s, keyword, k) != 0 || (s[k] != ' ' && s[k] != '\t'))
                return false;
        s += k;
        while (s < e && (*s == ' ' || *s == '\t'))
                s++;
        *ret_value = s;
        return true;
}

/* The first value of a nameserver line into buf; false if it is too long to be an address. */
static bool first_value(const char *s, const char *e, char *buf, size_t size)
{
        size_t n = strcspn(s, " \t\r\n");

        if (n > (size_t)(e - s))
                n = (size_t)(e - s);
        if (n == 0 || n >= size)
                return false;
        memcpy(buf, s, n);
        buf[n] = '\0';
        return true;
}

/*
 * Go through text once per pass: pass 0 IPv4 nameservers, pass 1 IPv6 nameservers,
 * pass 2 search/domain/options. With out == NULL only count the usable nameservers.
 */
static unsigned resolv_emit(const char *text, FILE *out)
{
        unsigned count = 0;

        for (int pass = 0; pass < (out ? 3 : 2); pass++) {
                const char *p = text, *s, *e, *v;

                while (next_line(&p, &s, &e)) {
                        char addr[INET6_ADDRSTRLEN + 64];

                        if (s == e || *s == '#' || *s == ';')
                                continue;
                        if (line_keyword(s, e, "nameserver", &v)) {
                                bool v6;

                                if (pass == 2 || !first_value(v, e, addr, sizeof(addr)) ||
                                    !resolv_nameserver_usable(addr))
                                        continue;
                                v6 = strchr(addr, ':') != NULL;
                                if (v6 != (pass == 1))
                                        continue;
                                count++;
                                if (out)
                                        fprintf(out, "nameserver %s\n", addr);
                        } else if (pass == 2 && line_keyword(s, e, "search", &v))
                                emit_domains(out, "search", v, e);
                        else if (pass == 2 && line_keyword(s, e, "domain", &v))
                                emit_domains(out, "domain", v, e);
                        else if (pass == 2 && line_keyword(s, e, "options", &v))
                                fprintf(out, "%.*s\n", (int)(e - s), s);
                }
        }
        return count;
}

int resolv_upstream_conf(const char *instance, const ResolvInput *primary, const ResolvInput *fallback,
                         char **ret_text, ResolvSource *ret_source)
{
        _cleanup_free_ char *buf = NULL; /* declared first: freed after f is closed */
        _cleanup_(fclose_memstreamp) FILE *f = NULL;
        const ResolvInput *use = NULL;
        ResolvSource source = RESOLV_SOURCE_NONE;
        unsigned count = 0;
        size_t size = 0;

        if (primary && primary->text && resolv_emit(primary->text, NULL) > 0) {
                use = primary;
                source = RESOLV_SOURCE_PRIMARY;
        } else if (fallback && fallback->text && resolv_emit(fallback->text, NULL) > 0) {
                use = fallback;
                source = RESOLV_SOURCE_FALLBACK;
        }

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        fprintf(f, "# Generated by tsproxy-netns for instance %s: the host's upstream DNS servers\n",
                instance);
        if (use) {
                fprintf(f,
                        "# Taken from %s; loopback stubs, tailnet addresses (" TAILNET_IPV4_RANGE
                        ", " TAILNET_IPV6_RANGE ")\n# and *." TAILNET_DNS_SUFFIX
                        " search domains are left out.\n",
                        strna(use->path));
                count = resolv_emit(use->text, f);
        } else {
                fprintf(f, "# No usable nameserver in %s or %s: loopback addresses (a local stub such as\n",
                        primary ? strna(primary->path) : "n/a", fallback ? strna(fallback->path) : "n/a");
                fprintf(f, "# systemd-resolved's 127.0.0.53) and tailnet addresses (" TAILNET_IPV4_RANGE
                           ", " TAILNET_IPV6_RANGE ")\n# do not work from inside the namespace.\n");
        }

        if (fclose(TAKE_PTR(f)) != 0)
                return -ENOMEM;
        *ret_text = TAKE_PTR(buf);
        if (ret_source)
                *ret_source = source;
        return (int)count;
}

int resolv_tailnet_conf(const char *instance, char **ret_text)
{
        char *t = NULL;

        if (asprintf(&t,
                     "# Generated by tsproxy-netns for instance %s: the tailnet's MagicDNS\n"
                     "nameserver " TAILNET_MAGICDNS_IPV4 "\n",
                     instance) < 0)
                return -ENOMEM;
        *ret_text = t;
        return 0;
}
