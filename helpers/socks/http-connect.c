/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-connect.c: HTTP/1.x CONNECT (RFC 9110 section 9.3.6, message syntax RFC 9112),
 * with "Proxy-Authorization: Basic" (RFC 7617).
 *
 * Nothing is parsed until the header block is complete (an empty line, CRLF or bare
 * LF), so the request is judged as a whole and the answer comes after the client has
 * finished sending; bytes after the empty line are not consumed, they belong to the
 * target. Only the first HANDSHAKE_INPUT_MAX bytes are ever looked at. A control byte
 * anywhere ends the handshake early with 400: a binary client never waits for 8 KiB.
 * Every refusal says "Connection: close" and closes.
 */
#include <errno.h>
#include <string.h>

#include "handshake-internal.h"
#include "http-head.h"

#define HTTP_CLOSING "Content-Length: 0\r\nConnection: close\r\n\r\n"

static const char http_200[] = "HTTP/1.1 200 Connection established\r\n\r\n";
static const char http_400[] = "HTTP/1.1 400 Bad Request\r\n" HTTP_CLOSING;
static const char http_403[] = "HTTP/1.1 403 Forbidden\r\n" HTTP_CLOSING;
static const char http_405[] = "HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\n" HTTP_CLOSING;
static const char http_407[] = "HTTP/1.1 407 Proxy Authentication Required\r\n"
                               "Proxy-Authenticate: Basic realm=\"tsproxy\"\r\n" HTTP_CLOSING;
static const char http_431[] = "HTTP/1.1 431 Request Header Fields Too Large\r\n" HTTP_CLOSING;
static const char http_502[] = "HTTP/1.1 502 Bad Gateway\r\n" HTTP_CLOSING;
static const char http_504[] = "HTTP/1.1 504 Gateway Timeout\r\n" HTTP_CLOSING;

typedef HttpSpan Span;

static HandshakeStatus http_fail(Handshake *hs, const char *response)
{
        (void)handshake_put(hs, response, strlen(response));
        return handshake_close(hs);
}

static bool span_eq(Span s, const char *lit)
{
        return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* authority-form: "host:port", "[v6]:port"; host an IPv4 literal or a name. */
static int http_parse_authority(Span s, ProxyTarget *t)
{
        Span host, port;
        int r;

        *t = (ProxyTarget){};
        if (s.n > 0 && s.p[0] == '[') {
                Span inner, rest;

                if (!http_span_split((Span){s.p + 1, s.n - 1}, ']', &inner, &rest))
                        return -EINVAL;
                if (rest.n == 0 || rest.p[0] != ':')
                        return -EINVAL;
                port = (Span){rest.p + 1, rest.n - 1};
                r = proxy_target_set_host(t, inner.p, inner.n);
                if (r < 0)
                        return r;
                if (t->family != AF_INET6)
                        return -EINVAL;
        } else {
                const char *colon = NULL;

                for (size_t i = 0; i < s.n; i++)
                        if (s.p[i] == ':')
                                colon = s.p + i;
                if (!colon)
                        return -EINVAL;
                host = (Span){s.p, (size_t)(colon - s.p)};
                port = (Span){colon + 1, s.n - host.n - 1};
                for (size_t i = 0; i < host.n; i++)
                        if (strchr(":/@[]\\?#", host.p[i]))
                                return -EINVAL;
                r = proxy_target_set_host(t, host.p, host.n);
                if (r < 0)
                        return r;
        }
        return http_span_port(port, &t->port);
}

/* "Basic" 1*SP token68, decoded into user ':' password and checked. */
static HandshakeAuthResult http_check_credentials(Handshake *hs, Span value)
{
        char user[HTTP_CREDENTIAL_MAX + 1], password[HTTP_CREDENTIAL_MAX + 1];
        HandshakeAuthResult a;

        _Static_assert(sizeof(hs->user) == sizeof(user), "user");
        if (!http_basic_decode(value, user, password))
                return HANDSHAKE_AUTH_DENIED;
        a = hs->auth.check(hs->auth.userdata, user, password);
        explicit_bzero(password, sizeof(password));
        if (a != HANDSHAKE_AUTH_DENIED)
                memcpy(hs->user, user, strlen(user) + 1);
        return a;
}

/* The header block d[0..end): request line, then "Name: value" lines. */
static HandshakeStatus http_parse(Handshake *hs, const char *d, size_t end)
{
        Span rest = {d, end}, line = {}, method = {}, target = {}, version = {}, auth = {};
        bool have_auth = false, first = true;

        while (http_span_split(rest, '\n', &line, &rest)) {
                Span name, value;

                if (line.n > 0 && line.p[line.n - 1] == '\r')
                        line.n--;
                if (memchr(line.p, '\r', line.n)) /* a bare CR */
                        return http_fail(hs, http_400);
                if (line.n == 0)
                        break; /* the end */

                if (first) {
                        /* method SP request-target SP HTTP-version */
                        first = false;
                        if (!http_span_split(line, ' ', &method, &line) ||
                            !http_span_split(line, ' ', &target, &version))
                                return http_fail(hs, http_400);
                        if (!http_span_is_token(method) || target.n == 0)
                                return http_fail(hs, http_400);
                        if (version.n != 8 || memcmp(version.p, "HTTP/1.", 7) != 0 || version.p[7] < '0' ||
                            version.p[7] > '9')
                                return http_fail(hs, http_400);
                        continue;
                }

                /* No obsolete line folding, no space before the colon (RFC 9112 5.1, 5.2). */
                if (!http_span_split(line, ':', &name, &value) || !http_span_is_token(name))
                        return http_fail(hs, http_400);
                if (http_span_caseeq(name, "Proxy-Authorization")) {
                        if (have_auth)
                                return http_fail(hs, http_400);
                        have_auth = true;
                        auth = http_span_trim(value);
                }
        }

        if (!span_eq(method, "CONNECT"))
                return http_fail(hs, http_405);
        if (http_parse_authority(target, &hs->target) < 0)
                return http_fail(hs, http_400);
        if (hs->auth.check) {
                HandshakeAuthResult a = have_auth ? http_check_credentials(hs, auth) : HANDSHAKE_AUTH_DENIED;

                hs->state = HANDSHAKE_STATE_HTTP_AUTH_WAIT;
                if (a == HANDSHAKE_AUTH_PENDING)
                        return HANDSHAKE_AUTH;
                return http_connect_auth_done(hs, a == HANDSHAKE_AUTH_GRANTED);
        }
        return handshake_request(hs, PROXY_COMMAND_CONNECT);
}

HandshakeStatus http_connect_auth_done(Handshake *hs, bool granted)
{
        if (!granted) {
                hs->user[0] = '\0';
                return http_fail(hs, http_407);
        }
        return handshake_request(hs, PROXY_COMMAND_CONNECT);
}

HandshakeStatus http_connect_feed(Handshake *hs, const uint8_t *d, size_t len, size_t *consumed)
{
        size_t limit = len < HANDSHAKE_INPUT_MAX ? len : HANDSHAKE_INPUT_MAX,
               start = (size_t)hs->state >> HANDSHAKE_STATE_BITS;

        if (handshake_state(hs) != HANDSHAKE_STATE_HTTP_REQUEST)
                return handshake_close(hs);
        if (start > limit) /* fewer bytes than last time: not the daemon's flow, start over */
                start = 0;

        /*
         * The block ends with an empty line: "\n\n" or "\n\r\n" (d[0] is the method's first
         * letter, so the request line is never empty).
         */
        for (size_t i = start; i < limit; i++) {
                uint8_t c = d[i];

                if (c == '\n') {
                        if (i >= 1 &&
                            (d[i - 1] == '\n' || (i >= 2 && d[i - 1] == '\r' && d[i - 2] == '\n'))) {
                                *consumed = i + 1;
                                return http_parse(hs, (const char *)d, i + 1);
                        }
                } else if ((c < 0x20 && c != '\r' && c != '\t') || c == 0x7F)
                        return http_fail(hs, http_400);
        }

        if (len >= HANDSHAKE_INPUT_MAX)
                return http_fail(hs, http_431);
        hs->state = HANDSHAKE_STATE_HTTP_REQUEST | (int)(limit << HANDSHAKE_STATE_BITS);
        return HANDSHAKE_MORE;
}

HandshakeStatus http_connect_reply(Handshake *hs, int error)
{
        const char *response;

        switch (error) {
        case 0:
                if (!handshake_put(hs, http_200, strlen(http_200)))
                        return handshake_close(hs);
                hs->state = HANDSHAKE_STATE_RELAY;
                return HANDSHAKE_MORE;
        case -ETIMEDOUT: response = http_504; break;
        case -EACCES:
        case -EPERM: response = http_403; break;
        default: response = http_502; break;
        }
        return http_fail(hs, response);
}
