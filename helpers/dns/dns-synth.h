/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns-synth.h: what tsproxy-dns answers by itself, and what it asks the tailnet.
 *
 * Under the instance's domain D (Domain=, e.g. "fgpu"):
 *   A.B.C.D.D and A-B-C-D.D          A A.B.C.D (each part a decimal 0..255)
 *   X-X-...-X.D (one label)          AAAA X:X:...:X, the IPv6 address with ':' written
 *                                    as '-' ("fd7a-115c-a1e0--1.fgpu" is fd7a:115c:a1e0::1,
 *                                    as sslip.io writes them)
 *   D itself                         its SOA (no other records)
 *   any other NAME.D                 forwarded to the tailnet as NAME.TAILNETDOMAIN
 * and everything outside D is REFUSED: this is never an open resolver. Synthesized
 * names have no records of other types: those questions get NODATA (NOERROR, no
 * answer, D's SOA in the authority section, so resolvers cache the fact).
 */
#pragma once

#include "dns-answer.h"
#include "dns-query.h"

/* TTL of synthesized records: the mapping never changes. */
#define DNS_SYNTH_TTL 3600u
/* SOA of the domain: its TTL and MINIMUM (the negative caching time). */
#define DNS_SYNTH_SOA_TTL 60u

typedef enum DnsSynthResult {
        DNS_SYNTH_REFUSED,  /* outside the domain, or not class IN */
        DNS_SYNTH_ANSWERED, /* the answer is in the buffer (rcode NOERROR) */
        DNS_SYNTH_FORWARD,  /* ask the tailnet */
} DnsSynthResult;

/* Decide about q under domain (wire form, lowercase); fill buf when ANSWERED. */
DnsSynthResult dns_synth(const DnsQuery *q, const DnsName *domain, DnsAnswerBuffer *buf);

/* NAME.domain -> NAME.tailnet_domain (lowercased). -EINVAL if qname is not under domain,
 * -ENAMETOOLONG. */
int dns_synth_forward_name(const DnsName *qname, const DnsName *domain, const DnsName *tailnet_domain,
                           DnsName *ret);
