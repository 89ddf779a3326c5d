/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-body.c: the body-framing state machine of http-body.h.
 *
 * chunked-body = *chunk last-chunk trailer-section CRLF (RFC 9112 section 7.1), one byte
 * at a time except for chunk data, which is skipped over in one step however large: the
 * cost is per chunk, not per byte.
 */
#include <errno.h>

#include "http-body.h"
#include "http-head.h"

enum {
        BODY_DONE,
        BODY_LENGTH,
        BODY_UNTIL_CLOSE,
        CHUNK_SIZE,    /* hex digits of chunk-size */
        CHUNK_EXT_WS,  /* whitespace after the size: only a ';' may follow */
        CHUNK_EXT,     /* chunk-ext, up to the CR */
        CHUNK_SIZE_LF, /* the LF of the size line */
        CHUNK_DATA,    /* b->remaining bytes of data */
        CHUNK_DATA_CR, /* the CRLF after the data */
        CHUNK_DATA_LF,
        CHUNK_TRAILER_START, /* a trailer field line, or the final CRLF */
        CHUNK_TRAILER,
        CHUNK_TRAILER_LF,
        CHUNK_FINAL_LF,
};

/* A chunk size above this is refused: no real body is an exabyte, and it cannot overflow. */
#define CHUNK_SIZE_LIMIT (UINT64_C(1) << 60)

void http_body_init(HttpBody *b, HttpFraming framing, uint64_t content_length)
{
        *b = (HttpBody){.framing = framing};
        switch (framing) {
        case HTTP_FRAMING_LENGTH:
                b->remaining = content_length;
                b->state = content_length > 0 ? BODY_LENGTH : BODY_DONE;
                break;
        case HTTP_FRAMING_CHUNKED: b->state = CHUNK_SIZE; break;
        case HTTP_FRAMING_UNTIL_CLOSE: b->state = BODY_UNTIL_CLOSE; break;
        default: b->state = BODY_DONE; break;
        }
}

static int hex_value(uint8_t c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static bool ctl(uint8_t c)
{
        return (c < 0x20 && c != '\t') || c == 0x7F;
}

/* One byte of the chunked framing outside chunk data: 0, or -EBADMSG. */
static int chunk_byte(HttpBody *b, uint8_t c)
{
        int v;

        switch (b->state) {
        case CHUNK_SIZE:
                if (++b->line > HTTP_CHUNK_LINE_MAX)
                        return -EBADMSG;
                v = hex_value(c);
                if (v >= 0) {
                        if (b->remaining >= CHUNK_SIZE_LIMIT / 16)
                                return -EBADMSG;
                        b->remaining = b->remaining * 16 + (unsigned)v;
                        b->digits = true;
                        return 0;
                }
                if (!b->digits)
                        return -EBADMSG;
                if (c == ';')
                        b->state = CHUNK_EXT;
                else if (c == ' ' || c == '\t')
                        b->state = CHUNK_EXT_WS;
                else if (c == '\r')
                        b->state = CHUNK_SIZE_LF;
                else
                        return -EBADMSG;
                return 0;
        case CHUNK_EXT_WS:
                if (++b->line > HTTP_CHUNK_LINE_MAX)
                        return -EBADMSG;
                if (c == ';')
                        b->state = CHUNK_EXT;
                else if (c != ' ' && c != '\t')
                        return -EBADMSG;
                return 0;
        case CHUNK_EXT:
                if (++b->line > HTTP_CHUNK_LINE_MAX)
                        return -EBADMSG;
                if (c == '\r')
                        b->state = CHUNK_SIZE_LF;
                else if (ctl(c))
                        return -EBADMSG;
                return 0;
        case CHUNK_SIZE_LF:
                if (c != '\n')
                        return -EBADMSG;
                b->state = b->remaining > 0 ? CHUNK_DATA : CHUNK_TRAILER_START;
                return 0;
        case CHUNK_DATA_CR:
                if (c != '\r')
                        return -EBADMSG;
                b->state = CHUNK_DATA_LF;
                return 0;
        case CHUNK_DATA_LF:
                if (c != '\n')
                        return -EBADMSG;
                b->state = CHUNK_SIZE;
                b->line = 0;
                b->digits = false;
                b->remaining = 0;
                return 0;
        case CHUNK_TRAILER_START:
                if (++b->trailers > HTTP_TRAILERS_MAX)
                        return -EBADMSG;
                if (c == '\r')
                        b->state = CHUNK_FINAL_LF;
                else if (http_tchar((char)c)) { /* no obs-fold, no empty name */
                        b->state = CHUNK_TRAILER;
                        b->colon = false;
                } else
                        return -EBADMSG;
                return 0;
        case CHUNK_TRAILER:
                if (++b->trailers > HTTP_TRAILERS_MAX)
                        return -EBADMSG;
                if (c == '\r') {
                        if (!b->colon)
                                return -EBADMSG;
                        b->state = CHUNK_TRAILER_LF;
                } else if (!b->colon) {
                        if (c == ':')
                                b->colon = true;
                        else if (!http_tchar((char)c))
                                return -EBADMSG;
                } else if (ctl(c))
                        return -EBADMSG;
                return 0;
        case CHUNK_TRAILER_LF:
                if (c != '\n')
                        return -EBADMSG;
                b->state = CHUNK_TRAILER_START;
                return 0;
        case CHUNK_FINAL_LF:
                if (c != '\n')
                        return -EBADMSG;
                b->state = BODY_DONE;
                return 0;
        default: return -EBADMSG;
        }
}

int http_body_feed(HttpBody *b, const uint8_t *data, size_t len, size_t *ret_used)
{
        size_t i = 0;

        *ret_used = 0;
        while (i < len) {
                switch (b->state) {
                case BODY_DONE: *ret_used = i; return 1;
                case BODY_UNTIL_CLOSE: *ret_used = len; return 0;
                case BODY_LENGTH:
                case CHUNK_DATA: {
                        uint64_t n = len - i < b->remaining ? len - i : b->remaining;

                        i += (size_t)n;
                        http_body_skip(b, n);
                        break;
                }
                default: {
                        int r = chunk_byte(b, data[i]);

                        if (r < 0) {
                                *ret_used = i;
                                return r;
                        }
                        i++;
                        break;
                }
                }
        }
        *ret_used = i;
        return b->state == BODY_DONE;
}

uint64_t http_body_opaque(const HttpBody *b)
{
        switch (b->state) {
        case BODY_LENGTH:
        case CHUNK_DATA: return b->remaining;
        case BODY_UNTIL_CLOSE: return UINT64_MAX;
        default: return 0;
        }
}

void http_body_skip(HttpBody *b, uint64_t n)
{
        if (b->state != BODY_LENGTH && b->state != CHUNK_DATA)
                return;
        if (n > b->remaining)
                n = b->remaining;
        b->remaining -= n;
        if (b->remaining == 0)
                b->state = b->state == BODY_LENGTH ? BODY_DONE : CHUNK_DATA_CR;
}

int http_body_eof(const HttpBody *b)
{
        return b->state == BODY_DONE || b->state == BODY_UNTIL_CLOSE ? 0 : -EPIPE;
}

bool http_body_done(const HttpBody *b)
{
        return b->state == BODY_DONE;
}

const char *http_framing_to_string(HttpFraming f)
{
        switch (f) {
        case HTTP_FRAMING_NONE: return "none";
        case HTTP_FRAMING_LENGTH: return "content-length";
        case HTTP_FRAMING_CHUNKED: return "chunked";
        case HTTP_FRAMING_UNTIL_CLOSE: return "until-close";
        default: return "invalid";
        }
}
