/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns-answer.c: upstream responses in, client responses out (see dns-answer.h).
 *
 * Which upstream records are kept (so that nothing outside the query's domain reaches
 * the client, whose resolver could otherwise cache it as if we had authority for it):
 *   answer      records owned by the question's name or a name of its CNAME chain; the
 *               chain is followed only while its targets are under the tailnet's domain
 *               (a CNAME pointing out of it is kept, the records of its target are not:
 *               the client asks for that name where it asks for any other); DNAME
 *               records are dropped (the CNAME synthesized from them is kept).
 *   authority   records owned by the tailnet's domain or a name under it (its SOA for
 *               negative answers).
 *   additional  the same (glue of names under the domain), never other names.
 * All kept names end up under our domain (renamed), except the targets of such CNAMEs.
 */
#include "dns-answer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

/*
 * The RDATA layout of the types that carry names (RFC 1035 3.3, RFC 2163, RFC 1183,
 * RFC 2782, RFC 6672): 'N' a name, a digit that many fixed bytes, 'S' the 20 bytes of
 * SOA's numbers. Names in them may be compressed by a sloppy server (SRV's may not, but
 * some do), so all are decompressed. Other types are copied as they are (RFC 3597:
 * unknown types never hold compressed names).
 */
static const char *rdata_layout(uint16_t type)
{
        switch (type) {
        case DNS_TYPE_NS:
        case 3: /* MD */
        case 4: /* MF */
        case DNS_TYPE_CNAME:
        case 7: /* MB */
        case 8: /* MG */
        case 9: /* MR */
        case DNS_TYPE_PTR:
        case DNS_TYPE_DNAME: return "N";
        case DNS_TYPE_SOA: return "NNS";
        case 14: /* MINFO */
        case 17: /* RP */ return "NN";
        case DNS_TYPE_MX:
        case 18: /* AFSDB */
        case 21: /* RT */
        case 36: /* KX */ return "2N";
        case DNS_TYPE_SRV: return "6N";
        default: return NULL;
        }
}

static int rename_name(DnsName *n, const DnsName *from, const DnsName *to)
{
        size_t prefix;

        if (!from || !to || !dns_name_has_suffix(n, from, &prefix))
                return 0;
        return dns_name_replace_suffix(n, prefix, to, n);
}

typedef struct Blob {
        uint8_t *data;
        size_t len, allocated;
} Blob;

static int blob_put(Blob *b, const void *p, size_t n)
{
        if (n > DNS_ANSWER_RECORDS_MAX - b->len)
                return -EMSGSIZE;
        if (b->len + n > b->allocated) {
                size_t m = b->allocated * 2 > b->len + n ? b->allocated * 2 : b->len + n + 512;
                uint8_t *d = realloc(b->data, m);
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->allocated = m;
        }
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return 0;
}

/* Copy the RDATA at [p, end) of msg into blob, decompressing and renaming the names of
 * layout. Returns the new RDLENGTH or -errno. */
static int copy_rdata(const uint8_t *msg, size_t size, size_t p, size_t end, const char *layout,
                      const DnsName *from, const DnsName *to, Blob *b)
{
        size_t start = b->len;
        int r;

        if (!layout)
                return blob_put(b, msg + p, end - p) < 0 ? -EMSGSIZE : (int)(end - p);
        for (const char *f = layout; *f; f++) {
                if (*f == 'N') {
                        DnsName n;
                        r = dns_name_read(msg, size, &p, &n);
                        if (r < 0 || p > end)
                                return -EBADMSG;
                        r = rename_name(&n, from, to);
                        if (r < 0)
                                return r;
                        r = blob_put(b, n.wire, n.len);
                } else {
                        size_t k = *f == 'S' ? 20 : (size_t)(*f - '0');
                        if (p + k > end)
                                return -EBADMSG;
                        r = blob_put(b, msg + p, k);
                        p += k;
                }
                if (r < 0)
                        return r;
        }
        if (p != end || b->len - start > UINT16_MAX)
                return -EBADMSG;
        return (int)(b->len - start);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
        return a < b ? a : b;
}

/* The question's name and its CNAME chain (not renamed), as far as it stays in the
 * domain; a longer chain is cut (resolvers give up at about this length too). */
#define CNAME_CHAIN_MAX 16
typedef struct CnameChain {
        DnsName names[CNAME_CHAIN_MAX];
        unsigned n;
} CnameChain;

static bool chain_contains(const CnameChain *c, const DnsName *n)
{
        for (unsigned i = 0; i < c->n; i++)
                if (dns_name_equal(&c->names[i], n))
                        return true;
        return false;
}

/* Follow the CNAMEs of the answer section at p (count records), in whatever order they
 * come. Malformed records end it: the main pass reports them. */
static void chain_build(const uint8_t *msg, size_t size, size_t p, unsigned count, const DnsName *domain,
                        CnameChain *c)
{
        for (bool grew = true; grew && c->n < CNAME_CHAIN_MAX;) {
                size_t q = p;

                grew = false;
                for (unsigned i = 0; i < count && c->n < CNAME_CHAIN_MAX; i++) {
                        DnsName owner, target;
                        uint16_t type, rdlength;
                        size_t t;

                        if (dns_name_read(msg, size, &q, &owner) < 0 || q + 10 > size)
                                return;
                        type = dns_get_u16(msg + q);
                        rdlength = dns_get_u16(msg + q + 8);
                        q += 10;
                        if (q + rdlength > size)
                                return;
                        t = q;
                        q += rdlength;
                        if (type != DNS_TYPE_CNAME || !chain_contains(c, &owner))
                                continue;
                        if (dns_name_read(msg, size, &t, &target) < 0 || t != q)
                                return;
                        if ((domain && !dns_name_has_suffix(&target, domain, NULL)) ||
                            chain_contains(c, &target))
                                continue;
                        c->names[c->n++] = target;
                        grew = true;
                }
        }
}

/* Keep a record of section s owned by owner (see the top of this file)? */
static bool record_in_domain(unsigned s, uint16_t type, const DnsName *owner, const CnameChain *chain,
                             const DnsName *domain)
{
        if (s == DNS_SECTION_ANSWER)
                return type != DNS_TYPE_DNAME && chain_contains(chain, owner);
        return !domain || dns_name_has_suffix(owner, domain, NULL);
}

/* What a response's header and question say (step 1). */
typedef struct ResponseHead {
        unsigned rcode;
        bool truncated;
        uint16_t counts[_DNS_SECTION_MAX];
        size_t records; /* offset of the first record */
} ResponseHead;

/* Is msg a response to what was asked? 0, -ESTALE (not that response) or -EBADMSG. */
static int response_head_read(const uint8_t *msg, size_t size, const DnsAsked *asked, ResponseHead *ret)
{
        ResponseHead h = {.records = DNS_HEADER_SIZE};
        uint16_t flags, qdcount;

        if (size < DNS_HEADER_SIZE || dns_get_u16(msg) != asked->id)
                return -ESTALE;
        flags = dns_get_u16(msg + 2);
        if (!(flags & DNS_FLAG_QR) || (flags & DNS_FLAG_OPCODE_MASK))
                return -ESTALE;
        h.rcode = flags & DNS_FLAG_RCODE_MASK;
        h.truncated = flags & DNS_FLAG_TC;
        qdcount = dns_get_u16(msg + 4);
        for (unsigned s = 0; s < _DNS_SECTION_MAX; s++)
                h.counts[s] = dns_get_u16(msg + 6 + 2 * s);

        if (qdcount == 1) {
                DnsName n;
                if (dns_name_read(msg, size, &h.records, &n) < 0 || h.records + 4 > size)
                        return h.truncated ? -ESTALE : -EBADMSG;
                if (!dns_name_equal(&n, asked->qname) || dns_get_u16(msg + h.records) != asked->qtype ||
                    dns_get_u16(msg + h.records + 2) != asked->qclass)
                        return -ESTALE;
                h.records += 4;
        } else if (qdcount != 0 || h.rcode == DNS_RCODE_NOERROR)
                /* Only an error may come without the question (some servers do that). */
                return -ESTALE;
        *ret = h;
        return 0;
}

/* A response being read: its bytes, the renaming, the question's CNAME chain. */
typedef struct ResponseReader {
        const uint8_t *msg;
        size_t size;
        const DnsName *from, *to; /* rename names under from to be under to; NULL: keep */
        CnameChain chain;
} ResponseReader;

/* The records kept so far, renamed, in wire format (step 2). */
typedef struct KeptRecords {
        Blob b;
        uint16_t count[_DNS_SECTION_MAX];
        uint32_t ttl;          /* shortest TTL of the answer and authority records; UINT32_MAX: none */
        uint32_t negative_ttl; /* of the authority's SOA (RFC 2308 5); UINT32_MAX: none */
} KeptRecords;

static void kept_records_done(KeptRecords *k)
{
        free(k->b.data);
        *k = (KeptRecords){.ttl = UINT32_MAX, .negative_ttl = UINT32_MAX};
}

/* Read the record at *p (of section s) and keep it, renamed, if it may be passed on.
 * 0 or -errno. */
static int record_keep(const ResponseReader *rd, unsigned s, size_t *p, KeptRecords *k)
{
        uint8_t fixed[10];
        uint16_t type, rdlength;
        uint32_t ttl;
        size_t rdata, lenpos;
        DnsName owner;
        int r;

        if (dns_name_read(rd->msg, rd->size, p, &owner) < 0 || *p + 10 > rd->size)
                return -EBADMSG;
        memcpy(fixed, rd->msg + *p, 10);
        type = dns_get_u16(fixed);
        ttl = dns_get_u32(fixed + 4);
        rdlength = dns_get_u16(fixed + 8);
        rdata = *p + 10;
        if (rdata + rdlength > rd->size)
                return -EBADMSG;
        *p = rdata + rdlength;
        if (type == DNS_TYPE_OPT)
                return 0; /* the client gets our own */
        if (!record_in_domain(s, type, &owner, &rd->chain, rd->from))
                return 0; /* outside the query's domain: never passed on */
        /* RFC 2181 8: a TTL with the top bit set means zero. */
        if (ttl > INT32_MAX)
                ttl = 0;
        r = rename_name(&owner, rd->from, rd->to);
        if (r < 0)
                return r;
        r = blob_put(&k->b, owner.wire, owner.len);
        lenpos = k->b.len + 8;
        if (r >= 0)
                r = blob_put(&k->b, fixed, 10);
        if (r >= 0)
                r = copy_rdata(rd->msg, rd->size, rdata, *p, rdata_layout(type), rd->from, rd->to, &k->b);
        if (r < 0)
                return r;
        k->b.data[lenpos] = (uint8_t)(r >> 8);
        k->b.data[lenpos + 1] = (uint8_t)r;
        k->count[s]++;
        if (s == DNS_SECTION_AUTHORITY && type == DNS_TYPE_SOA && r >= 20)
                /* RFC 2308 5: negative answers live min(SOA TTL, MINIMUM). */
                k->negative_ttl =
                        min_u32(k->negative_ttl, min_u32(ttl, dns_get_u32(k->b.data + k->b.len - 4)));
        if (s != DNS_SECTION_ADDITIONAL)
                k->ttl = min_u32(k->ttl, ttl);
        return 0;
}

/* What may be cached, and how long (step 3): positive answers by their shortest TTL,
 * NXDOMAIN and NODATA by their SOA (none: not cached); errors and TC never. */
static uint32_t answer_cache_ttl(const ResponseHead *h, const KeptRecords *k)
{
        uint32_t ttl;

        if (h->truncated || (h->rcode != DNS_RCODE_NOERROR && h->rcode != DNS_RCODE_NXDOMAIN))
                return 0;
        if (h->rcode == DNS_RCODE_NOERROR && k->count[DNS_SECTION_ANSWER] > 0)
                ttl = k->ttl;
        else
                ttl = k->negative_ttl;
        if (ttl == UINT32_MAX)
                return 0;
        return ttl > DNS_TTL_MAX ? DNS_TTL_MAX : ttl;
}

int dns_answer_from_response(const uint8_t *msg, size_t size, const DnsAsked *asked, const DnsName *from,
                             const DnsName *to, DnsAnswer **ret)
{
        _cleanup_(kept_records_done) KeptRecords k = {.ttl = UINT32_MAX, .negative_ttl = UINT32_MAX};
        ResponseReader rd = {.msg = msg, .size = size, .from = from, .to = to};
        ResponseHead h;
        DnsAnswer *a;
        size_t p;
        int r;

        r = response_head_read(msg, size, asked, &h);
        if (r < 0)
                return r;

        rd.chain = (CnameChain){.names = {*asked->qname}, .n = 1};
        chain_build(msg, size, h.records, h.counts[DNS_SECTION_ANSWER], from, &rd.chain);
        p = h.records;
        for (unsigned s = 0; s < _DNS_SECTION_MAX && r >= 0; s++)
                for (unsigned i = 0; i < h.counts[s] && r >= 0; i++)
                        r = record_keep(&rd, s, &p, &k);
        if (r < 0) {
                /* A truncated answer may end in the middle of a record: keep nothing, the
                 * caller asks again over TCP. */
                if (r != -EBADMSG || !h.truncated)
                        return r;
                kept_records_done(&k);
        }

        a = malloc(sizeof(DnsAnswer) + k.b.len);
        if (!a)
                return -ENOMEM;
        *a = (DnsAnswer){.rcode = (uint8_t)h.rcode,
                         .truncated = h.truncated,
                         .ttl = answer_cache_ttl(&h, &k),
                         .size = k.b.len};
        memcpy(a->count, k.count, sizeof(k.count));
        if (k.b.len > 0)
                memcpy(a->records, k.b.data, k.b.len);
        *ret = a;
        return 0;
}

int dns_answer_append(DnsAnswer *a, size_t room, unsigned section, const DnsName *owner, uint16_t type,
                      uint16_t class, uint32_t ttl, const void *rdata, uint16_t rdlength)
{
        DnsWriter w;

        if (section >= _DNS_SECTION_MAX || a->size > room)
                return -EINVAL;
        /* Records are kept in section order. */
        for (unsigned s = section + 1; s < _DNS_SECTION_MAX; s++)
                if (a->count[s] > 0)
                        return -EINVAL;
        dns_writer_init(&w, a->records + a->size, room - a->size);
        dns_put_name(&w, owner);
        dns_put_u16(&w, type);
        dns_put_u16(&w, class);
        dns_put_u32(&w, ttl);
        dns_put_u16(&w, rdlength);
        dns_put_bytes(&w, rdata, rdlength);
        if (w.overflow)
                return -ENOBUFS;
        a->size += w.len;
        a->count[section]++;
        return 0;
}

/* Write one stored record at *off of a; owner equal to the question: a pointer to it. */
static void write_record(DnsWriter *w, const DnsQuery *q, const DnsAnswer *a, size_t *off, uint32_t age)
{
        DnsName owner;
        uint32_t ttl;
        uint16_t rdlength;

        /* Stored by us, valid by construction; checked all the same. */
        if (dns_name_read(a->records, a->size, off, &owner) < 0 || *off + 10 > a->size) {
                w->overflow = true;
                *off = a->size;
                return;
        }
        if (q->has_question && dns_name_equal(&owner, &q->qname))
                dns_put_u16(w, 0xc000 | DNS_HEADER_SIZE);
        else
                dns_put_name(w, &owner);
        dns_put_bytes(w, a->records + *off, 4); /* type, class */
        ttl = dns_get_u32(a->records + *off + 4);
        dns_put_u32(w, ttl > age ? ttl - age : 0);
        rdlength = dns_get_u16(a->records + *off + 8);
        *off += 10;
        if (*off + rdlength > a->size) {
                w->overflow = true;
                *off = a->size;
                return;
        }
        dns_put_u16(w, rdlength);
        dns_put_bytes(w, a->records + *off, rdlength);
        *off += rdlength;
}

int dns_response_write(const DnsQuery *q, unsigned rcode, const DnsAnswer *a, uint32_t age, size_t limit,
                       uint8_t *buf, size_t size)
{
        const size_t opt_size = 11;
        size_t cap = limit < size ? limit : size, off = 0;
        uint16_t counts[_DNS_SECTION_MAX] = {}, flags;
        bool tc = false, full = false;
        DnsWriter w;

        if (cap < DNS_HEADER_SIZE + (q->edns ? opt_size : 0))
                return -ENOBUFS;
        dns_writer_init(&w, buf, cap - (q->edns ? opt_size : 0));
        dns_put_u16(&w, q->id);
        dns_put_u16(&w, 0); /* flags, below */
        dns_put_u16(&w, q->has_question ? 1 : 0);
        for (unsigned s = 0; s < _DNS_SECTION_MAX; s++)
                dns_put_u16(&w, 0); /* counts, below */
        if (q->has_question) {
                dns_put_name(&w, &q->qname);
                dns_put_u16(&w, q->qtype);
                dns_put_u16(&w, q->qclass);
        }
        if (w.overflow)
                return -ENOBUFS;

        for (unsigned s = 0; a && !full && s < _DNS_SECTION_MAX; s++)
                for (unsigned i = 0; i < a->count[s]; i++) {
                        size_t mark = w.len;

                        write_record(&w, q, a, &off, age);
                        if (w.overflow) {
                                w.len = mark;
                                w.overflow = false;
                                /* RFC 2181 9: TC when what was asked for did not fit; a
                                 * missing additional record is no reason. */
                                tc = s == DNS_SECTION_ANSWER ||
                                     (s == DNS_SECTION_AUTHORITY && counts[DNS_SECTION_ANSWER] == 0);
                                full = true;
                                break;
                        }
                        counts[s]++;
                }

        w.size = cap;
        if (q->edns) {
                dns_put_u8(&w, 0);
                dns_put_u16(&w, DNS_TYPE_OPT);
                dns_put_u16(&w, DNS_EDNS_SIZE);
                /* RFC 3225 3: DO copied from the query; AD is never set (below). */
                dns_put_u32(&w, (uint32_t)(rcode >> 4) << 24 | (q->edns_do ? DNS_EDNS_DO : 0));
                dns_put_u16(&w, 0);
                counts[DNS_SECTION_ADDITIONAL]++;
        }
        if (w.overflow)
                return -ENOBUFS;

        /* No AD, whatever the query or upstream said: renamed answers carry no
         * signatures, and we validate nothing (RFC 4035 3.2.3, RFC 6840 5.8). */
        flags = DNS_FLAG_QR | (q->flags & (DNS_FLAG_OPCODE_MASK | DNS_FLAG_RD | DNS_FLAG_CD)) | DNS_FLAG_RA |
                (rcode & DNS_FLAG_RCODE_MASK);
        if (a && a->authoritative)
                flags |= DNS_FLAG_AA;
        if (tc)
                flags |= DNS_FLAG_TC;
        dns_patch_u16(&w, 2, flags);
        for (unsigned s = 0; s < _DNS_SECTION_MAX; s++)
                dns_patch_u16(&w, 6 + 2 * s, counts[s]);
        return (int)w.len;
}
