/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* name-model.c: the naming model shared by tsproxy-dns, tsproxy-socks and tsproxy-relay
 * (see name-model.h). Pure: no I/O. */
#include "name-model.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define LABEL_MAX   63
#define LABELS_MAX  127
#define IPV4_LABELS 4

/* "0".."255", one to three decimal digits. */
static bool parse_octet(const uint8_t *s, size_t n, uint8_t *ret)
{
        unsigned v = 0;

        if (n == 0 || n > 3)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v > 255)
                return false;
        *ret = (uint8_t)v;
        return true;
}

/* One label "A-B-C-D". */
static bool parse_ipv4_dashed(const NameLabel *l, uint8_t addr[4])
{
        size_t start = 0;
        unsigned k = 0;

        for (size_t i = 0; i <= l->n; i++)
                if (i == l->n || l->p[i] == '-') {
                        if (k >= 4 || !parse_octet(l->p + start, i - start, &addr[k++]))
                                return false;
                        start = i + 1;
                }
        return k == 4;
}

/* One label of hex digits and '-' standing for ':'. */
static bool parse_ipv6_dashed(const NameLabel *l, uint8_t addr[16])
{
        char s[INET6_ADDRSTRLEN];

        if (l->n < 2 || l->n >= sizeof(s))
                return false;
        for (size_t i = 0; i < l->n; i++) {
                uint8_t c = l->p[i];
                if (c == '-')
                        s[i] = ':';
                else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
                        s[i] = (char)c;
                else
                        return false;
        }
        s[l->n] = '\0';
        return inet_pton(AF_INET6, s, addr) == 1;
}

int name_model_address(const NameLabel *labels, size_t n_labels, int *ret_family, uint8_t ret_address[16])
{
        if (n_labels == IPV4_LABELS) {
                for (unsigned i = 0; i < IPV4_LABELS; i++)
                        if (!parse_octet(labels[i].p, labels[i].n, &ret_address[i]))
                                return -EINVAL;
                *ret_family = AF_INET;
                return 0;
        }
        if (n_labels != 1)
                return -EINVAL;
        if (parse_ipv4_dashed(&labels[0], ret_address)) {
                *ret_family = AF_INET;
                return 0;
        }
        if (parse_ipv6_dashed(&labels[0], ret_address)) {
                *ret_family = AF_INET6;
                return 0;
        }
        return -EINVAL;
}

/* Length of s without one trailing dot. */
static size_t name_length(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (n > 0 && s[n - 1] == '.')
                n--;
        return n;
}

/* name[0..n) ends with "." + suffix[0..ns) (or is it, when whole): the prefix length. */
static bool has_suffix(const char *name, size_t n, const char *suffix, size_t ns, size_t *ret_prefix)
{
        if (ns == 0 || n < ns || strncasecmp(name + n - ns, suffix, ns) != 0)
                return false;
        if (n == ns) {
                *ret_prefix = 0;
                return true;
        }
        if (n == ns + 1 || name[n - ns - 1] != '.')
                return false;
        *ret_prefix = n - ns - 1;
        return true;
}

/* Split name[0..n) into labels; -EINVAL on an empty or over-long label. */
static int split_labels(const char *name, size_t n, NameLabel *labels, size_t *ret_n)
{
        size_t k = 0, start = 0;

        for (size_t i = 0; i <= n; i++)
                if (i == n || name[i] == '.') {
                        if (i == start || i - start > LABEL_MAX || k >= LABELS_MAX)
                                return -EINVAL;
                        labels[k++] = (NameLabel){(const uint8_t *)name + start, i - start};
                        start = i + 1;
                }
        *ret_n = k;
        return 0;
}

/* ret->name = lowercase(a[0..na)) + (b ? "." + b[0..nb) : ""). */
static int set_name(NameTarget *ret, NameKind kind, const char *a, size_t na, const char *b, size_t nb)
{
        size_t n = na + (b ? 1 + nb : 0);

        if (n > NAME_MODEL_NAME_MAX)
                return -ENAMETOOLONG;
        memcpy(ret->name, a, na);
        if (b) {
                ret->name[na] = '.';
                memcpy(ret->name + na + 1, b, nb);
        }
        ret->name[n] = '\0';
        for (size_t i = 0; i < n; i++)
                if (ret->name[i] >= 'A' && ret->name[i] <= 'Z')
                        ret->name[i] = (char)(ret->name[i] - 'A' + 'a');
        ret->kind = kind;
        return 0;
}

int name_model_classify(const char *name, const char *domain, const char *tailnet_domain, NameTarget *ret)
{
        NameLabel labels[LABELS_MAX];
        size_t n = name_length(name), nd = name_length(domain), nt = name_length(tailnet_domain);
        size_t prefix, n_labels;
        int r;

        *ret = (NameTarget){};
        if (n == 0 || n > NAME_MODEL_NAME_MAX)
                return n == 0 ? -EINVAL : -ENAMETOOLONG;
        r = split_labels(name, n, labels, &n_labels);
        if (r < 0)
                return r;

        if (has_suffix(name, n, domain, nd, &prefix)) {
                if (prefix == 0) {
                        ret->kind = NAME_KIND_DOMAIN;
                        return 0;
                }
                r = split_labels(name, prefix, labels, &n_labels);
                if (r < 0)
                        return r;
                if (name_model_address(labels, n_labels, &ret->family, ret->address) >= 0) {
                        ret->kind = NAME_KIND_ADDRESS;
                        return 0;
                }
                if (nt == 0)
                        return -ENXIO;
                return set_name(ret, NAME_KIND_MAGICDNS, name, prefix, tailnet_domain, nt);
        }
        if (nt > 0 && n_labels == 1)
                return set_name(ret, NAME_KIND_MAGICDNS, name, n, tailnet_domain, nt);
        if (has_suffix(name, n, tailnet_domain, nt, &prefix))
                return set_name(ret, NAME_KIND_MAGICDNS, name, n, NULL, 0);
        return set_name(ret, NAME_KIND_OTHER, name, n, NULL, 0);
}

int name_model_domain(const char *s, char ret[static NAME_MODEL_NAME_MAX + 1])
{
        size_t n = name_length(s), label = 0;

        if (n == 0)
                return -EINVAL;
        if (n > NAME_MODEL_NAME_MAX)
                return -ENAMETOOLONG;
        for (size_t i = 0; i <= n; i++) {
                char c = i < n ? s[i] : '.';
                if (c == '.') {
                        if (label == 0 || label > LABEL_MAX)
                                return -EINVAL;
                        label = 0;
                        continue;
                }
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_'))
                        return -EINVAL;
                label++;
        }
        for (size_t i = 0; i < n; i++)
                ret[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
        ret[n] = '\0';
        return 0;
}
