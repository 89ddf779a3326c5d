/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dns-synth.c: answers made from the name alone (see dns-synth.h). */
#include "dns-synth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "name-model.h"

/* The labels of wire[0..len), a prefix of a valid name; false when there are too many. */
static bool prefix_labels(const uint8_t *wire, size_t len, NameLabel *labels, size_t max, size_t *ret_n)
{
        size_t k = 0;

        for (size_t p = 0; p < len; p += 1 + (size_t)wire[p]) {
                if (k >= max)
                        return false;
                labels[k++] = (NameLabel){wire + p + 1, wire[p]};
        }
        *ret_n = k;
        return true;
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
        NameLabel labels[4];
        size_t prefix, n_labels;
        uint16_t type;
        int family;

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

        /* The address forms of the naming model shared with the proxies (name-model.h). */
        if (!prefix_labels(q->qname.wire, prefix, labels, ELEMENTSOF(labels), &n_labels) ||
            name_model_address(labels, n_labels, &family, addr) < 0)
                return DNS_SYNTH_FORWARD;
        type = family == AF_INET ? DNS_TYPE_A : DNS_TYPE_AAAA;

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
