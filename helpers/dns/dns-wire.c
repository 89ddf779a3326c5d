/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dns-wire.c: names and the bounded writer (see dns-wire.h). */
#include "dns-wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A name can hold at most 127 labels; more jumps than that means a trick. */
#define DNS_POINTERS_MAX 128

int dns_name_read(const uint8_t *msg, size_t size, size_t *offset, DnsName *ret)
{
        size_t p = *offset, end = 0, len = 0;
        unsigned jumps = 0;
        /* Pointers must go strictly backwards from the smallest offset seen so far. */
        size_t limit = p;

        for (;;) {
                uint8_t c;

                if (p >= size)
                        return -EBADMSG;
                c = msg[p];
                if ((c & 0xc0) == 0xc0) {
                        size_t target;

                        if (p + 1 >= size || ++jumps > DNS_POINTERS_MAX)
                                return -EBADMSG;
                        target = (size_t)(c & 0x3f) << 8 | msg[p + 1];
                        if (end == 0)
                                end = p + 2;
                        if (target >= limit)
                                return -EBADMSG;
                        limit = target;
                        p = target;
                        continue;
                }
                if (c & 0xc0) /* 0x40 and 0x80: extended label types, not in use */
                        return -EBADMSG;
                if (p + 1 + c > size || len + 1 + c > DNS_NAME_MAX)
                        return -EBADMSG;
                memcpy(ret->wire + len, msg + p, 1 + (size_t)c);
                len += 1 + (size_t)c;
                p += 1 + (size_t)c;
                if (c == 0)
                        break;
        }
        ret->len = (uint8_t)len;
        *offset = end ? end : p;
        return 0;
}

int dns_name_from_string(const char *s, DnsName *ret)
{
        DnsName n = {};
        size_t len = 0;

        if (strcmp(s, ".") == 0)
                s = "";
        while (*s) {
                size_t l = strcspn(s, ".");

                if (l == 0 || l > DNS_LABEL_MAX)
                        return -EINVAL;
                if (len + 1 + l + 1 > DNS_NAME_MAX)
                        return -ENAMETOOLONG;
                n.wire[len++] = (uint8_t)l;
                memcpy(n.wire + len, s, l);
                len += l;
                s += l;
                if (*s == '.')
                        s++;
        }
        n.wire[len++] = 0;
        n.len = (uint8_t)len;
        *ret = n;
        return 0;
}

static bool name_char_plain(uint8_t c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_';
}

void dns_name_to_string(const DnsName *n, char buf[static DNS_NAME_STRLEN])
{
        char *o = buf;

        if (n->len <= 1) {
                strcpy(buf, ".");
                return;
        }
        for (size_t p = 0; p < n->len && n->wire[p] != 0; p += 1 + n->wire[p]) {
                for (size_t i = 1; i <= n->wire[p]; i++) {
                        uint8_t c = n->wire[p + i];
                        if (name_char_plain(c))
                                *o++ = (char)c;
                        else
                                o += sprintf(o, "\\%03u", c);
                }
                *o++ = '.';
        }
        *o = '\0';
}

static inline uint8_t ascii_lower(uint8_t c)
{
        return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Compare wire bytes ignoring case: length bytes are < 64 and never letters. */
static bool wire_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (ascii_lower(a[i]) != ascii_lower(b[i]))
                        return false;
        return true;
}

bool dns_name_equal(const DnsName *a, const DnsName *b)
{
        return a->len == b->len && wire_equal(a->wire, b->wire, a->len);
}

void dns_name_lowercase(DnsName *n)
{
        for (size_t i = 0; i < n->len; i++)
                n->wire[i] = ascii_lower(n->wire[i]);
}

unsigned dns_name_count_labels(const DnsName *n)
{
        unsigned k = 0;

        for (size_t p = 0; p < n->len && n->wire[p] != 0; p += 1 + n->wire[p])
                k++;
        return k;
}

bool dns_name_has_suffix(const DnsName *name, const DnsName *suffix, size_t *ret_prefix_len)
{
        if (suffix->len > name->len)
                return false;
        /* Walk label boundaries until the rest is as long as the suffix. */
        for (size_t p = 0; p < name->len; p += 1 + name->wire[p]) {
                if (name->len - p == suffix->len) {
                        if (!wire_equal(name->wire + p, suffix->wire, suffix->len))
                                return false;
                        if (ret_prefix_len)
                                *ret_prefix_len = p;
                        return true;
                }
                if (name->len - p < suffix->len || name->wire[p] == 0)
                        return false;
        }
        return false;
}

int dns_name_replace_suffix(const DnsName *name, size_t prefix_len, const DnsName *new_suffix, DnsName *ret)
{
        DnsName n;

        if (prefix_len + new_suffix->len > DNS_NAME_MAX)
                return -ENAMETOOLONG;
        memcpy(n.wire, name->wire, prefix_len);
        memcpy(n.wire + prefix_len, new_suffix->wire, new_suffix->len);
        n.len = (uint8_t)(prefix_len + new_suffix->len);
        *ret = n;
        return 0;
}

void dns_put_bytes(DnsWriter *w, const void *p, size_t n)
{
        if (w->overflow || n > w->size - w->len) {
                w->overflow = true;
                return;
        }
        memcpy(w->buf + w->len, p, n);
        w->len += n;
}

void dns_put_u8(DnsWriter *w, uint8_t v)
{
        dns_put_bytes(w, &v, 1);
}

void dns_put_u16(DnsWriter *w, uint16_t v)
{
        uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

        dns_put_bytes(w, b, 2);
}

void dns_put_u32(DnsWriter *w, uint32_t v)
{
        uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

        dns_put_bytes(w, b, 4);
}

void dns_put_name(DnsWriter *w, const DnsName *n)
{
        dns_put_bytes(w, n->wire, n->len);
}

void dns_patch_u16(DnsWriter *w, size_t offset, uint16_t v)
{
        if (offset + 2 > w->len)
                return;
        w->buf[offset] = (uint8_t)(v >> 8);
        w->buf[offset + 1] = (uint8_t)v;
}
