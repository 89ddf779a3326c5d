/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-http-response: drive the response parser and body framing of the HTTP forward
 * proxy over an upstream's bytes: 1xx heads, the final head, its body.
 *
 * Input: FLAGS then the upstream's bytes. FLAGS bit 0: the request was HEAD; bit 1: the
 * client keeps its connection; bit 2: the client speaks HTTP/1.0. Checks: bounded
 * output ending in an empty line, no hop-by-hop field, an error always has a reason, the
 * framing rules (no body for HEAD, 1xx, 204, 304; until-close never keeps the client),
 * and the body framing fed whole and byte by byte agree.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http-body.h"
#include "http-response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[HTTP_UPSTREAM_HEAD_MAX];

static void check_head(const HttpResponse *resp)
{
        const char *hop[] = {"\nKeep-Alive:", "\nProxy-Authenticate:", "\nUpgrade:", "\nTrailer:", "\nTE:"};
        char *copy;

        if (resp->client_len < 4 || resp->client_len > sizeof(out) ||
            memcmp(out + resp->client_len - 4, "\r\n\r\n", 4) != 0 || memcmp(out, "HTTP/1.1 ", 9) != 0)
                abort();
        copy = strndup(out, resp->client_len);
        if (!copy || strlen(copy) != resp->client_len)
                abort();
        for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
                if (strcasestr(copy, hop[i]))
                        abort();
        free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        HttpRequest req = {};
        HttpResponse resp;
        size_t pos = 1;

        if (size < 1)
                return 0;
        req.is_head = data[0] & 1;
        req.keep_alive = data[0] & 2;
        req.version_minor = data[0] & 4 ? 0 : 1;

        for (unsigned heads = 0; heads < 8; heads++) {
                size_t scanned = 0, used_a = 0, used_b = 0, u;
                HttpBody a, b;
                int r, ra, rb = 0;

                r = http_response_parse(data + pos, size - pos, &scanned, &req, &resp, out, sizeof(out));
                if (r < 0) {
                        if (!resp.reason)
                                abort();
                        return 0;
                }
                if (r == 0)
                        return 0;
                if (resp.head_len == 0 || resp.head_len > size - pos || resp.status < 100 ||
                    resp.status > 999 || resp.status == 101)
                        abort();
                if (resp.client_len > 0)
                        check_head(&resp);
                else if (!(resp.informational && req.version_minor == 0))
                        abort();
                if ((req.is_head || resp.informational || resp.status == 204 || resp.status == 304) &&
                    resp.framing != HTTP_FRAMING_NONE)
                        abort();
                if (resp.framing == HTTP_FRAMING_UNTIL_CLOSE && resp.keep_alive)
                        abort();
                pos += resp.head_len;
                if (resp.informational)
                        continue;

                http_body_init(&a, resp.framing, resp.content_length);
                http_body_init(&b, resp.framing, resp.content_length);
                ra = http_body_feed(&a, data + pos, size - pos, &used_a);
                for (size_t i = pos; i < size && rb == 0; i++) {
                        rb = http_body_feed(&b, data + i, 1, &u);
                        used_b += u;
                }
                if (pos == size)
                        rb = http_body_done(&b);
                if (ra != rb || (ra >= 0 && used_a != used_b) || used_a > size - pos)
                        abort();
                return 0;
        }
        return 0;
}
