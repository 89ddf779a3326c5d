/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pac.c: the PAC builder (see pac.h). The JavaScript is ES3 (var, no endsWith, no
 * arrow functions): pacparser embeds SpiderMonkey 1.7-era JS and old browsers run PAC
 * files in restricted sandboxes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http-head.h"
#include "pac.h"

#define DNS_NAME_MAX 253

static const char pac_functions[] =
        "// Proxy auto-config of tsproxy: automatically generated, do not edit.\n"
        "// Each instance's names and tailnet addresses go to its proxy, the rest DIRECT.\n"
        "function tsproxyInDomain(h, d) {\n"
        "        return h == d || dnsDomainIs(h, \".\" + d);\n"
        "}\n"
        "// An IPv6 literal as 8 numbers, or null (isInNetEx() is not everywhere).\n"
        "function tsproxyIPv6(h) {\n"
        "        var halves = h.split(\"::\"), head, tail, g = [], i;\n"
        "        if (h.indexOf(\":\") < 0 || halves.length > 2)\n"
        "                return null;\n"
        "        head = halves[0] == \"\" ? [] : halves[0].split(\":\");\n"
        "        tail = halves.length < 2 || halves[1] == \"\" ? [] : halves[1].split(\":\");\n"
        "        if (halves.length == 2 ? head.length + tail.length > 7 : head.length != 8)\n"
        "                return null;\n"
        "        for (i = 0; i < head.length; i++)\n"
        "                g.push(head[i]);\n"
        "        for (i = head.length + tail.length; i < 8; i++)\n"
        "                g.push(\"0\");\n"
        "        for (i = 0; i < tail.length; i++)\n"
        "                g.push(tail[i]);\n"
        "        for (i = 0; i < 8; i++) {\n"
        "                if (!/^[0-9a-f]{1,4}$/.test(g[i]))\n"
        "                        return null;\n"
        "                g[i] = parseInt(g[i], 16);\n"
        "        }\n"
        "        return g;\n"
        "}\n"
        "function tsproxyInNet6(g, net, bits) {\n"
        "        var i, m;\n"
        "        for (i = 0; i < 8 && bits > 0; i++, bits -= 16) {\n"
        "                m = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;\n"
        "                if ((g[i] & m) != net[i])\n"
        "                        return false;\n"
        "        }\n"
        "        return true;\n"
        "}\n"
        "function FindProxyForURL(url, host) {\n"
        "        var h = host.toLowerCase(), v4, v6;\n"
        "        if (h.charAt(0) == \"[\" && h.charAt(h.length - 1) == \"]\")\n"
        "                h = h.substring(1, h.length - 1);\n"
        "        if (h.charAt(h.length - 1) == \".\")\n"
        "                h = h.substring(0, h.length - 1);\n"
        "        v4 = /^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$/.test(h);\n"
        "        v6 = v4 ? null : tsproxyIPv6(h);\n";

static bool name_ok(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", s[i]))
                        return false;
        return true;
}

/* DNS labels of letters, digits, '-' and '_', 1..63 bytes each; one trailing dot allowed. */
static bool domain_ok(const char *s)
{
        size_t n = strlen(s), label = 0;

        if (n > 0 && s[n - 1] == '.')
                n--;
        if (n == 0 || n > DNS_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '.') {
                        if (label == 0)
                                return false;
                        label = 0;
                } else if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                                  s[i]) &&
                           s[i] != '\0') {
                        if (++label > 63)
                                return false;
                } else
                        return false;
        }
        return label > 0;
}

/* "host:port" (a name or IPv4 literal) or "[v6]:port", port 1..65535. */
static bool proxy_ok(const char *s)
{
        const char *colon = s ? strrchr(s, ':') : NULL, *allowed;
        size_t host_len;
        unsigned long port = 0;

        if (!colon || colon == s || strlen(colon + 1) == 0 || strlen(colon + 1) > 5)
                return false;
        for (const char *p = colon + 1; *p; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                port = port * 10 + (unsigned long)(*p - '0');
        }
        if (port == 0 || port > 65535)
                return false;
        host_len = (size_t)(colon - s);
        if (s[0] == '[') {
                if (host_len < 3 || s[host_len - 1] != ']')
                        return false;
                s++, host_len -= 2;
                allowed = "0123456789abcdefABCDEF:.";
        } else
                allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
        if (host_len > DNS_NAME_MAX)
                return false;
        for (size_t i = 0; i < host_len; i++)
                if (!s[i] || !strchr(allowed, s[i]))
                        return false;
        return true;
}

/* A JS string literal: only harmless characters as they are, the rest escaped. */
static void put_js_string(HttpOut *o, const char *s, bool lower)
{
        http_out_put(o, "\"", 1);
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (lower && c >= 'A' && c <= 'Z')
                        c = (unsigned char)(c - 'A' + 'a');
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    strchr(" .:-_[]", c))
                        http_out_put(o, &c, 1);
                else
                        http_out_printf(o, "\\x%02x", c);
        }
        http_out_put(o, "\"", 1);
}

static void put_domain_check(HttpOut *o, const char *domain, bool *first)
{
        char d[DNS_NAME_MAX + 2];
        size_t n = strlen(domain);

        if (n > 0 && domain[n - 1] == '.')
                n--;
        memcpy(d, domain, n);
        d[n] = '\0';
        http_out_puts(o, *first ? "        if (" : " ||\n            ");
        http_out_puts(o, "tsproxyInDomain(h, ");
        put_js_string(o, d, true);
        http_out_puts(o, ")");
        *first = false;
}

static void put_return(HttpOut *o, const char *proxy)
{
        char v[DNS_NAME_MAX + 32];

        (void)snprintf(v, sizeof(v), "PROXY %s", proxy);
        http_out_puts(o, "                return ");
        put_js_string(o, v, false);
        http_out_puts(o, ";\n");
}

static void put_range(HttpOut *o, const IpNetwork *r, const char *proxy)
{
        if (r->family == AF_INET) {
                uint32_t mask = r->prefix == 0 ? 0 : UINT32_MAX << (32 - r->prefix);

                http_out_printf(o, "        if (v4 && isInNet(h, \"%u.%u.%u.%u\", \"%u.%u.%u.%u\"))\n",
                                r->bytes[0], r->bytes[1], r->bytes[2], r->bytes[3], mask >> 24,
                                (mask >> 16) & 0xff, (mask >> 8) & 0xff, mask & 0xff);
        } else {
                http_out_puts(o, "        if (v6 && tsproxyInNet6(v6, [");
                for (size_t i = 0; i < 8; i++)
                        http_out_printf(o, "%s0x%x", i ? ", " : "",
                                        (unsigned)r->bytes[2 * i] << 8 | (unsigned)r->bytes[2 * i + 1]);
                http_out_printf(o, "], %u))\n", r->prefix);
        }
        put_return(o, proxy);
}

int pac_check(const PacInstance *in, size_t n, const char **ret_bad)
{
        for (size_t i = 0; i < n; i++) {
                const char *bad = NULL;

                if (!name_ok(in[i].name))
                        bad = "instance name";
                else if (in[i].domain && *in[i].domain && !domain_ok(in[i].domain))
                        bad = "DNS domain";
                else if (in[i].magicdns_suffix && *in[i].magicdns_suffix &&
                         !domain_ok(in[i].magicdns_suffix))
                        bad = "MagicDNS suffix";
                else if (!proxy_ok(in[i].proxy))
                        bad = "proxy address";
                for (size_t j = 0; !bad && j < in[i].n_ranges; j++) {
                        const IpNetwork *r = &in[i].ranges[j];

                        if (!(r->family == AF_INET && r->prefix <= 32) &&
                            !(r->family == AF_INET6 && r->prefix <= 128))
                                bad = "tailnet range";
                }
                if (bad) {
                        if (ret_bad)
                                *ret_bad = bad;
                        return -EINVAL;
                }
        }
        return 0;
}

int pac_build(const PacInstance *in, size_t n, char *buf, size_t size, const char **ret_bad)
{
        HttpOut o = {.p = buf, .size = size};
        int r;

        r = pac_check(in, n, ret_bad);
        if (r < 0)
                return r;
        http_out_puts(&o, pac_functions);
        for (size_t i = 0; i < n; i++) {
                bool first = true;

                http_out_printf(&o, "        // instance %s: its names\n", in[i].name);
                if (in[i].domain && *in[i].domain)
                        put_domain_check(&o, in[i].domain, &first);
                if (in[i].magicdns_suffix && *in[i].magicdns_suffix)
                        put_domain_check(&o, in[i].magicdns_suffix, &first);
                if (!first) {
                        http_out_puts(&o, ")\n");
                        put_return(&o, in[i].proxy);
                }
        }
        for (size_t i = 0; i < n; i++) {
                if (in[i].n_ranges > 0)
                        http_out_printf(&o, "        // instance %s: its tailnet addresses\n", in[i].name);
                for (size_t j = 0; j < in[i].n_ranges; j++)
                        put_range(&o, &in[i].ranges[j], in[i].proxy);
        }
        http_out_puts(&o, "        return \"DIRECT\";\n}\n");
        http_out_put(&o, "", 1);
        if (o.overflow)
                return -ENOBUFS;
        return (int)(o.n - 1);
}

int pac_response_head(char *buf, size_t size, size_t pac_len, bool keep_alive, unsigned version_minor)
{
        int k = snprintf(buf, size,
                         "HTTP/1.1 200 OK\r\n"
                         "Content-Type: " PAC_CONTENT_TYPE "\r\n"
                         "Content-Length: %zu\r\n"
                         "Cache-Control: max-age=300\r\n"
                         "%s"
                         "\r\n",
                         pac_len,
                         !keep_alive          ? "Connection: close\r\n"
                         : version_minor == 0 ? "Connection: keep-alive\r\n"
                                              : "");

        if (k < 0 || (size_t)k >= size)
                return -ENOBUFS;
        return k;
}
