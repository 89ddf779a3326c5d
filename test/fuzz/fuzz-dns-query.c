/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-dns-query: what tsproxy-dns does with a client's datagram before any I/O.
 *
 * The input is a query: it is parsed, decided on (synthesized, forwarded or refused
 * under the domain "t1") and answered, at the first byte's choice of limit; the answer
 * must stay within the limit and (for opcode QUERY) parse back as a response to the
 * same question. A
 * forwarded name must map to a name under the tailnet domain and back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns-answer.h"
#include "dns-query.h"
#include "dns-synth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const DnsName domain = {.len = 4, .wire = {2, 't', '1', 0}};
static const DnsName tailnet = {.len = 14,
                                .wire = {7, 't', 'a', 'i', 'l', 'n', 'e', 't', 4, 't', 'e', 's', 't', 0}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint8_t out[DNS_TCP_MAX];
        DnsAnswerBuffer buf;
        const DnsAnswer *a = NULL;
        DnsQuery q;
        size_t limit;
        unsigned rcode;
        int r, k;

        r = dns_query_parse(data, size, &q);
        if (r == -EBADMSG)
                return 0;
        if (r < 0)
                abort();
        limit = size > 0 && (data[size - 1] & 1) ? dns_query_reply_limit(&q, data[size - 1] & 2)
                                                 : 12 + (size > 0 ? data[0] : 0) * 4u;

        rcode = (unsigned)r;
        if (r == 0)
                switch (dns_synth(&q, &domain, &buf)) {
                case DNS_SYNTH_REFUSED: rcode = DNS_RCODE_REFUSED; break;
                case DNS_SYNTH_ANSWERED: a = &buf.answer; break;
                case DNS_SYNTH_FORWARD: {
                        DnsName fwd, back;
                        size_t prefix;

                        r = dns_synth_forward_name(&q.qname, &domain, &tailnet, &fwd);
                        if (r == -ENAMETOOLONG) {
                                rcode = DNS_RCODE_SERVFAIL;
                                break;
                        }
                        if (r < 0 || !dns_name_has_suffix(&fwd, &tailnet, &prefix) ||
                            dns_name_replace_suffix(&fwd, prefix, &domain, &back) < 0 ||
                            !dns_name_equal(&back, &q.qname))
                                abort();
                        rcode = DNS_RCODE_SERVFAIL;
                        break;
                }
                default: abort();
                }

        k = dns_response_write(&q, rcode, a, size > 1 ? data[1] : 0, limit, out, sizeof(out));
        if (k == -ENOBUFS)
                return 0;
        if (k < DNS_HEADER_SIZE || (size_t)k > limit)
                abort();
        /* An answer to another opcode (NOTIMP, with its question) is no response to a
         * QUERY: dns_answer_from_response() rightly takes it for someone else's. */
        if (q.has_question && !(q.flags & DNS_FLAG_OPCODE_MASK)) {
                DnsAnswer *back = NULL;
                r = dns_answer_from_response(out, (size_t)k, &(DnsAsked){q.id, &q.qname, q.qtype, q.qclass},
                                             NULL, NULL, &back);
                if (r < 0)
                        abort();
                if (back->rcode != (rcode & 0xf))
                        abort();
                if (a && !back->truncated && back->count[DNS_SECTION_ANSWER] != a->count[DNS_SECTION_ANSWER])
                        abort();
                free(back);
        }
        return 0;
}
