/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns-answer.h: an answer as tsproxy-dns keeps it, and the message it becomes.
 *
 * A DnsAnswer is the record part of a response in a form that can be written into any
 * client's answer: resource records back to back, uncompressed (every compression
 * pointer of the upstream message followed, also in the RDATA of the types that carry
 * names), with the names already renamed from the tailnet's domain to ours. It carries
 * no ID, no question and no EDNS0 state: those belong to each client's query, so one
 * cached answer serves every client, and the question is echoed byte for byte as each
 * client wrote it (its letter case included). An owner name equal to the question is
 * written as a pointer to it.
 *
 * Upstream answers are parsed strictly: a record that runs past its RDATA, a name in
 * RDATA that does not end where the type says, or a pointer loop makes the whole
 * message invalid (the client gets SERVFAIL), never a partial copy.
 */
#pragma once

#include "dns-query.h"
#include "dns-wire.h"

/* Cached answers live at most this long, whatever TTL upstream says (a day). */
#define DNS_TTL_MAX 86400u
/* Upstream answers expand to at most this much when decompressed. */
#define DNS_ANSWER_RECORDS_MAX (2 * DNS_TCP_MAX)

enum { DNS_SECTION_ANSWER, DNS_SECTION_AUTHORITY, DNS_SECTION_ADDITIONAL, _DNS_SECTION_MAX };

typedef struct DnsAnswer {
        uint8_t rcode;      /* 0..15; upstream's extended rcode bits are not kept */
        bool authoritative; /* AA: ours (synthesized) */
        bool truncated;     /* upstream set TC: ask again over TCP, never cache */
        uint16_t count[_DNS_SECTION_MAX];
        uint32_t ttl; /* how long it may be cached (0: not at all) */
        size_t size;  /* bytes in records */
        uint8_t records[];
} DnsAnswer;

/* Room for a synthesized answer: an A/AAAA record or an SOA, each at most 600 bytes. */
#define DNS_SYNTH_RECORDS_MAX 600
typedef union DnsAnswerBuffer {
        DnsAnswer answer;
        uint8_t bytes[sizeof(DnsAnswer) + DNS_SYNTH_RECORDS_MAX];
} DnsAnswerBuffer;

/* What was asked upstream: a response must have this ID and this question. */
typedef struct DnsAsked {
        uint16_t id;
        const DnsName *qname;
        uint16_t qtype, qclass;
} DnsAsked;

/*
 * Parse an upstream response to the question asked (DnsAsked).
 * Names equal to or under from are renamed to be under to instead (the same labels in
 * front); from may be NULL (no renaming). The OPT record is dropped. *ret is malloc()ed.
 * Returns 0; -ESTALE if it is not a response to that question (ignore it, keep
 * waiting); -EBADMSG if malformed; -ENAMETOOLONG if a renamed name is too long;
 * -EMSGSIZE if it expands beyond DNS_ANSWER_RECORDS_MAX; -ENOMEM.
 */
int dns_answer_from_response(const uint8_t *msg, size_t size, const DnsAsked *asked, const DnsName *from,
                             const DnsName *to, DnsAnswer **ret);

/* Append one record to an answer being built in a DnsAnswerBuffer (synthesis, tests).
 * -ENOBUFS when it does not fit. */
int dns_answer_append(DnsAnswer *a, size_t room, unsigned section, const DnsName *owner, uint16_t type,
                      uint16_t class, uint32_t ttl, const void *rdata, uint16_t rdlength);

/*
 * Write the response to q: rcode, the records of a (NULL: none) with age seconds taken
 * off every TTL, and an OPT record when the query had one, with the query's DO bit
 * copied (RFC 3225 3; AD is never set: nothing here is validated). At most limit bytes (see
 * dns_query_reply_limit()): records that do not fit are left out at record boundaries,
 * and TC is set when an answer (or, with no answer, authority) record was left out.
 * An rcode above 15 (BADVERS) goes into the OPT record. Returns the length, or -ENOBUFS
 * if not even the header and question fit.
 */
int dns_response_write(const DnsQuery *q, unsigned rcode, const DnsAnswer *a, uint32_t age, size_t limit,
                       uint8_t *buf, size_t size);
