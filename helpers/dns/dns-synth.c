/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dns-synth.c: answers made from the name alone (see dns-synth.h). */
#include "dns-synth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

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

/* The prefix wire[0..len) as four labels of one octet each. */
static bool parse_ipv4_labels(const uint8_t *wire, size_t len, uint8_t addr[4])
{
        size_t p = 0;

        for (unsigned i = 0; i < 4; i++) {
                if (p >= len || !parse_octet(wire + p + 1, wire[p], &addr[i]))
                        return false;
                p += 1 + (size_t)wire[p];
        }
        return p == len;
}

/* One label "A-B-C-D". */
static bool parse_ipv4_dashed(const uint8_t *label, size_t n, uint8_t addr[4])
{
        size_t start = 0;
        unsigned k = 0;

        for (size_t i = 0; i <= n; i++)
                if (i == n || label[i] == '-') {
                        if (k >= 4 || !parse_octet(label + start, i - start, &addr[k++]))
                                return false;
                        start = i + 1;
                }
        return k == 4;
}

/* One label of hex digits and '-' standing for ':'. */
static bool parse_ipv6_dashed(const uint8_t *label, size_t n, uint8_t addr[16])
{
        char s[INET6_ADDRSTRLEN];

        if (n < 2 || n >= sizeof(s))
                return false;
        for (size_t i = 0; i < n; i++) {
                uint8_t c = label[i];
                if (c == '-')
                        s[i] = ':';
                else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
                        s[i] = (char)c;
                else
                        return false;
        }
        s[n] = '\0';
        return inet_pton(AF_INET6, s, addr) == 1;
}

static void add_soa(DnsAnswer *a, unsigned section, const DnsName *domain)
{
        uint8_t rdata[2 * DNS_NAME_MAX + 20];
        DnsName rname;
        DnsWriter w;

        /* MNAME: the domain itself; RNAME: hostmaster.DOMAIN (or the root if too long). */
        if (domain->len + 11 <= DNS_NAME_MAX) {
                rname.wire[0] = 10;
                memcpy(rname.wire + 1, "hostmaster", 10);
                memcpy(rname.wire + 11, domain->wire, domain->len);
                rname.len = (uint8_t)(domain->len + 11);
        } else
                rname = (DnsName){.len = 1};
        dns_writer_init(&w, rdata, sizeof(rdata));
        dns_put_name(&w, domain);
        dns_put_name(&w, &rname);
        dns_put_u32(&w, 1);     /* SERIAL */
        dns_put_u32(&w, 3600);  /* REFRESH */
        dns_put_u32(&w, 600);   /* RETRY */
        dns_put_u32(&w, 86400); /* EXPIRE */
        dns_put_u32(&w, DNS_SYNTH_SOA_TTL);
        (void)dns_answer_append(a, DNS_SYNTH_RECORDS_MAX, section, domain, DNS_TYPE_SOA, DNS_CLASS_IN,
                                DNS_SYNTH_SOA_TTL, rdata, (uint16_t)w.len);
}

DnsSynthResult dns_synth(const DnsQuery *q, const DnsName *domain, DnsAnswerBuffer *buf)
{
        DnsAnswer *a = &buf->answer;
        uint8_t addr[16];
        uint16_t type = 0;
        size_t prefix;

        if (!q->has_question || (q->qclass != DNS_CLASS_IN && q->qclass != DNS_CLASS_ANY))
                return DNS_SYNTH_REFUSED;
        if (!dns_name_has_suffix(&q->qname, domain, &prefix))
                return DNS_SYNTH_REFUSED;

        *a = (DnsAnswer){.authoritative = true, .ttl = DNS_SYNTH_TTL};
        if (prefix == 0) {
                /* The domain itself: SOA, nothing else. */
                if (q->qtype == DNS_TYPE_SOA || q->qtype == DNS_TYPE_ANY)
                        add_soa(a, DNS_SECTION_ANSWER, domain);
                else
                        add_soa(a, DNS_SECTION_AUTHORITY, domain);
                a->ttl = DNS_SYNTH_SOA_TTL;
                return DNS_SYNTH_ANSWERED;
        }

        if (parse_ipv4_labels(q->qname.wire, prefix, addr) ||
            (q->qname.wire[0] + 1u == prefix &&
             parse_ipv4_dashed(q->qname.wire + 1, q->qname.wire[0], addr)))
                type = DNS_TYPE_A;
        else if (q->qname.wire[0] + 1u == prefix &&
                 parse_ipv6_dashed(q->qname.wire + 1, q->qname.wire[0], addr))
                type = DNS_TYPE_AAAA;
        else
                return DNS_SYNTH_FORWARD;

        if (q->qtype == type || q->qtype == DNS_TYPE_ANY)
                (void)dns_answer_append(a, DNS_SYNTH_RECORDS_MAX, DNS_SECTION_ANSWER, &q->qname, type,
                                        DNS_CLASS_IN, DNS_SYNTH_TTL, addr, type == DNS_TYPE_A ? 4 : 16);
        else {
                add_soa(a, DNS_SECTION_AUTHORITY, domain);
                a->ttl = DNS_SYNTH_SOA_TTL;
        }
        return DNS_SYNTH_ANSWERED;
}

int dns_synth_forward_name(const DnsName *qname, const DnsName *domain, const DnsName *tailnet_domain,
                           DnsName *ret)
{
        size_t prefix;
        int r;

        if (!dns_name_has_suffix(qname, domain, &prefix))
                return -EINVAL;
        r = dns_name_replace_suffix(qname, prefix, tailnet_domain, ret);
        if (r < 0)
                return r;
        dns_name_lowercase(ret);
        return 0;
}
