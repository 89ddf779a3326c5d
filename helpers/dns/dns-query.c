/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dns-query.c: parsing client queries, writing upstream ones (see dns-query.h). */
#include "dns-query.h"

#include <errno.h>
#include <string.h>

/* Skip a resource record whose owner starts at *p; fill type, the TTL field, the class
 * field and the RDATA range for the caller. */
static int skip_record(const uint8_t *msg, size_t size, size_t *p, uint16_t *type, uint16_t *class,
                       uint32_t *ttl, size_t *rdata, uint16_t *rdlength, bool *owner_root)
{
        DnsName owner;
        int r;

        r = dns_name_read(msg, size, p, &owner);
        if (r < 0)
                return r;
        if (*p + 10 > size)
                return -EBADMSG;
        *type = dns_get_u16(msg + *p);
        *class = dns_get_u16(msg + *p + 2);
        *ttl = dns_get_u32(msg + *p + 4);
        *rdlength = dns_get_u16(msg + *p + 8);
        *p += 10;
        if (*p + *rdlength > size)
                return -EBADMSG;
        *rdata = *p;
        *p += *rdlength;
        *owner_root = owner.len == 1;
        return 0;
}

int dns_query_parse(const uint8_t *msg, size_t size, DnsQuery *ret)
{
        DnsQuery q = {};
        uint16_t qdcount, ancount, nscount, arcount;
        size_t p = DNS_HEADER_SIZE;
        int r, fail;

        if (size < DNS_HEADER_SIZE)
                return -EBADMSG;
        q.id = dns_get_u16(msg);
        q.flags = dns_get_u16(msg + 2);
        if (q.flags & DNS_FLAG_QR)
                return -EBADMSG;
        qdcount = dns_get_u16(msg + 4);
        ancount = dns_get_u16(msg + 6);
        nscount = dns_get_u16(msg + 8);
        arcount = dns_get_u16(msg + 10);
        *ret = q;

        /* Another opcode is NOTIMP, but its question and OPT are still read where they
         * parse: the answer echoes them, DO bit included (RFC 6891 7, RFC 3225 3). */
        fail = ((q.flags & DNS_FLAG_OPCODE_MASK) >> 11) != DNS_OPCODE_QUERY ? DNS_RCODE_NOTIMP
                                                                            : DNS_RCODE_FORMERR;
        if (qdcount != 1)
                return fail;
        r = dns_name_read(msg, size, &p, &q.qname);
        if (r < 0 || p + 4 > size)
                return fail;
        q.qtype = dns_get_u16(msg + p);
        q.qclass = dns_get_u16(msg + p + 2);
        p += 4;
        q.has_question = true;
        *ret = q;

        /* A query has no answers or authority; skip them if some client sends any (an
         * UPDATE would, but that opcode is refused above). */
        for (unsigned i = 0; i < (unsigned)ancount + nscount + arcount; i++) {
                uint16_t type, class, rdlength;
                uint32_t ttl;
                size_t rdata;
                bool root;

                r = skip_record(msg, size, &p, &type, &class, &ttl, &rdata, &rdlength, &root);
                if (r < 0)
                        return fail;
                if (i < (unsigned)ancount + nscount || type != DNS_TYPE_OPT)
                        continue;
                /* RFC 6891 6.1.1: one OPT at most, owned by the root. */
                if (q.edns || !root)
                        return fail;
                q.edns = true;
                q.edns_udp_size = class;
                q.edns_version = (uint8_t)(ttl >> 16);
                q.edns_do = ttl & DNS_EDNS_DO;
                *ret = q;
        }
        if (fail == DNS_RCODE_NOTIMP)
                return fail;
        if (q.edns && q.edns_version != 0)
                return DNS_RCODE_BADVERS;
        return 0;
}

size_t dns_query_reply_limit(const DnsQuery *q, bool tcp)
{
        if (tcp)
                return DNS_TCP_MAX;
        if (!q->edns || q->edns_udp_size < DNS_UDP_MIN)
                return DNS_UDP_MIN;
        return q->edns_udp_size > DNS_UDP_MAX ? DNS_UDP_MAX : q->edns_udp_size;
}

int dns_query_write(uint16_t id, const DnsName *qname, uint16_t qtype, uint16_t qclass, bool cd,
                    uint8_t *buf, size_t size)
{
        DnsWriter w;

        dns_writer_init(&w, buf, size);
        dns_put_u16(&w, id);
        dns_put_u16(&w, DNS_FLAG_RD | (cd ? DNS_FLAG_CD : 0));
        dns_put_u16(&w, 1); /* QDCOUNT */
        dns_put_u16(&w, 0);
        dns_put_u16(&w, 0);
        dns_put_u16(&w, 1); /* ARCOUNT: the OPT record */
        dns_put_name(&w, qname);
        dns_put_u16(&w, qtype);
        dns_put_u16(&w, qclass);
        /* OPT: root owner, class = UDP size, TTL = ext-rcode/version/flags, no options. */
        dns_put_u8(&w, 0);
        dns_put_u16(&w, DNS_TYPE_OPT);
        dns_put_u16(&w, DNS_EDNS_SIZE);
        dns_put_u32(&w, 0);
        dns_put_u16(&w, 0);
        return w.overflow ? -ENOBUFS : (int)w.len;
}
