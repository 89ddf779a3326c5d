/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns-query.h: what a client asks, parsed, and the query tsproxy-dns sends upstream.
 *
 * A query must carry exactly one question (RFC 9619: QDCOUNT=1 is the only count in
 * use); an EDNS0 OPT record in the additional section (RFC 6891) tells how large a UDP
 * answer the client takes. Anything that is not a question at all (a response, a
 * message shorter than a header) is dropped, never answered: answering responses is
 * how two servers end up bouncing packets at each other.
 */
#pragma once

#include "dns-wire.h"

typedef struct DnsQuery {
        uint16_t id;
        uint16_t flags;    /* as received: opcode, RD, CD are echoed */
        bool has_question; /* false only in a FORMERR answered without one */
        DnsName qname;     /* case as the client wrote it */
        uint16_t qtype, qclass;

        bool edns;
        uint8_t edns_version;
        uint16_t edns_udp_size; /* as announced, before clamping */
        bool edns_do;
} DnsQuery;

/*
 * Parse a query. 0: answer it. -EBADMSG: drop it (shorter than a header, or a response).
 * A positive rcode (DNS_RCODE_FORMERR, DNS_RCODE_NOTIMP, DNS_RCODE_BADVERS): answer with
 * that code; ret holds what could be parsed (ID, flags, the question if has_question,
 * the EDNS0 state).
 */
int dns_query_parse(const uint8_t *msg, size_t size, DnsQuery *ret);

/* The largest answer the client takes: 65535 over TCP, else its EDNS0 size clamped to
 * DNS_UDP_MIN..DNS_UDP_MAX, or 512 without EDNS0. */
size_t dns_query_reply_limit(const DnsQuery *q, bool tcp);

/*
 * Write a recursive query for qname/qtype/qclass with ID id and an EDNS0 OPT record
 * offering DNS_EDNS_SIZE bytes (no DO bit: renamed answers could not be validated
 * anyway); cd copies the client's CD bit. Returns the length, or -ENOBUFS.
 */
int dns_query_write(uint16_t id, const DnsName *qname, uint16_t qtype, uint16_t qclass, bool cd,
                    uint8_t *buf, size_t size);
