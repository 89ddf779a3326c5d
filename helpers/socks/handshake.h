/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * handshake.h: the proxy protocols of tsproxy-socks without any I/O.
 *
 * One Handshake per client connection. The daemon reads bytes into its own buffer and
 * feeds all it has; the engine consumes only complete messages, appends what must be
 * sent to the client to hs->out, and says what happens next. It never reads, writes,
 * resolves or connects itself: so every byte sequence can be unit-tested and fuzzed.
 *
 * Protocols, told apart by the first byte: 0x05 SOCKS5 (RFC 1928, with RFC 1929
 * username/password), 0x04 SOCKS4 and SOCKS4a, an ASCII capital letter HTTP/1.x CONNECT.
 * Anything else: HANDSHAKE_CLOSE with nothing to send.
 *
 * Flow:
 *   handshake_init(&hs, &auth);
 *   loop: r = handshake_feed(&hs, buf, len, &consumed)
 *         drop `consumed` bytes from buf; send hs.out[0..hs.n_out) (then hs.n_out = 0)
 *         r == HANDSHAKE_MORE:    read more; if buf is full (HANDSHAKE_INPUT_MAX) that is
 *                                 the engine's business: it returns CLOSE itself instead
 *         r == HANDSHAKE_REQUEST: hs.command and hs.target are set; connect (or set up the
 *                                 UDP association), then handshake_reply()
 *         r == HANDSHAKE_CLOSE:   send hs.out, then close (error replies are in hs.out)
 *         r == HANDSHAKE_AUTH:    the auth checker said HANDSHAKE_AUTH_PENDING: it verifies
 *                                 the credentials elsewhere (off the event loop) and the
 *                                 daemon calls handshake_auth_done() with the verdict,
 *                                 whose status it handles like handshake_feed()'s; the
 *                                 engine parses nothing meanwhile
 *   handshake_reply(&hs, 0 or -errno, bound address) appends the final reply; after a
 *   success the connection is relayed (bytes left in buf after `consumed` belong to the
 *   target: an HTTP client may send them right behind its headers).
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* The largest request we accept: HTTP request line + headers (SOCKS needs < 600). */
#define HANDSHAKE_INPUT_MAX 8192
/* The largest reply we produce (HTTP error responses included). */
#define HANDSHAKE_OUTPUT_MAX 512
#define PROXY_NAME_MAX       255

typedef enum ProxyProtocol {
        PROXY_PROTOCOL_NONE,
        PROXY_PROTOCOL_SOCKS4,
        PROXY_PROTOCOL_SOCKS5,
        PROXY_PROTOCOL_HTTP,
} ProxyProtocol;

typedef enum ProxyCommand {
        PROXY_COMMAND_CONNECT,
        PROXY_COMMAND_UDP_ASSOCIATE, /* SOCKS5 only */
} ProxyCommand;

/* Where the client wants to go: an address, or a name to resolve (family AF_UNSPEC). */
typedef struct ProxyTarget {
        int family; /* AF_INET, AF_INET6, or AF_UNSPEC when name is set */
        union {
                struct in_addr in;
                struct in6_addr in6;
        } address;
        char name[PROXY_NAME_MAX + 1]; /* NUL-terminated, non-empty when family == AF_UNSPEC */
        uint16_t port;                 /* host byte order */
} ProxyTarget;

typedef enum HandshakeStatus {
        HANDSHAKE_MORE,
        HANDSHAKE_REQUEST,
        HANDSHAKE_CLOSE,
        HANDSHAKE_AUTH, /* waiting for handshake_auth_done() */
} HandshakeStatus;

typedef enum HandshakeAuthResult {
        HANDSHAKE_AUTH_DENIED,
        HANDSHAKE_AUTH_GRANTED,
        HANDSHAKE_AUTH_PENDING, /* the verdict comes later, through handshake_auth_done() */
} HandshakeAuthResult;

/* Checks a username/password (RFC 1929, HTTP Basic); the strings are gone after the
 * call (a pending check copies them). NULL callback: no auth required. */
typedef HandshakeAuthResult (*HandshakeAuthFn)(void *userdata, const char *user, const char *password);

typedef struct HandshakeAuth {
        HandshakeAuthFn check; /* NULL: no authentication */
        void *userdata;
} HandshakeAuth;

typedef struct Handshake {
        HandshakeAuth auth;
        ProxyProtocol protocol;
        int state; /* private to handshake.c */
        ProxyCommand command;
        ProxyTarget target;
        char user[256]; /* authenticated user (or the one being checked), "" if none (for logs) */
        uint8_t out[HANDSHAKE_OUTPUT_MAX];
        size_t n_out;
} Handshake;

void handshake_init(Handshake *hs, const HandshakeAuth *auth);

/* Consume complete messages from data[0..len); see the flow above. */
HandshakeStatus handshake_feed(Handshake *hs, const uint8_t *data, size_t len, size_t *consumed);

/*
 * The verdict of a pending check (after HANDSHAKE_AUTH): SOCKS5 answers the RFC 1929
 * sub-negotiation (granted: HANDSHAKE_MORE, feed the rest of the input again, the request
 * may be there already); HTTP goes on to HANDSHAKE_REQUEST or answers 407 (CLOSE).
 * Called in any other state: HANDSHAKE_CLOSE.
 */
HandshakeStatus handshake_auth_done(Handshake *hs, bool granted);

/*
 * The outcome of the request: error 0 and the local address of the outgoing connection
 * (SOCKS5 BND.ADDR; for UDP ASSOCIATE the client-facing UDP address), or a negative
 * errno, mapped to the protocol's reply code:
 *   -ECONNREFUSED        SOCKS5 0x05, SOCKS4 0x5B, HTTP 502
 *   -ENETUNREACH         SOCKS5 0x03, SOCKS4 0x5B, HTTP 502
 *   -EHOSTUNREACH, -ENOENT/-ENXIO (name not found)  SOCKS5 0x04, HTTP 502
 *   -ETIMEDOUT           SOCKS5 0x04 (0x06 for TTL expiry is not used), HTTP 504
 *   -EACCES, -EPERM      SOCKS5 0x02 (not allowed by ruleset), HTTP 403
 *   anything else        SOCKS5 0x01, SOCKS4 0x5B, HTTP 502
 * Returns HANDSHAKE_REQUEST's successor: HANDSHAKE_MORE (relay from now on) on success,
 * HANDSHAKE_CLOSE on failure (send hs->out, then close).
 */
HandshakeStatus handshake_reply(Handshake *hs, int error, const struct sockaddr *bound, socklen_t bound_len);

const char *proxy_protocol_to_string(ProxyProtocol p);

/* Format a target as "1.2.3.4:80", "[::1]:80" or "name:80" for logs. */
#define PROXY_TARGET_STRLEN (PROXY_NAME_MAX + 16)
void proxy_target_format(const ProxyTarget *t, char buf[static PROXY_TARGET_STRLEN]);

/* --- SOCKS5 UDP datagrams (RFC 1928 section 7) ------------------------------------- */

/*
 * Parse the header of a datagram from the client: 0 and the target and header length,
 * -EBADMSG for a malformed or truncated header, -EOPNOTSUPP for FRAG != 0 (fragments are
 * dropped, as most servers do).
 */
int socks5_udp_parse(const uint8_t *data, size_t len, ProxyTarget *ret_target, size_t *ret_header_len);

/*
 * Write the header for a datagram coming back from `from` (AF_INET or AF_INET6): its
 * length, -ENOBUFS, or -EAFNOSUPPORT for another family.
 */
#define SOCKS5_UDP_HEADER_MAX (4 + 16 + 2)
int socks5_udp_header(const struct sockaddr *from, uint8_t *buf, size_t size);
