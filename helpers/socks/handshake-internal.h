/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * handshake-internal.h: what the protocol files of the handshake engine share, and
 * nothing else includes.
 *
 * handshake.c tells the protocols apart and owns the common state; socks5.c, socks4.c
 * and http-connect.c each parse one protocol and write its replies; socks5-address.c
 * holds the ATYP/address/port codec that SOCKS5 requests, replies and UDP headers share.
 */
#pragma once

#include "handshake.h"

enum {
        HANDSHAKE_STATE_START, /* nothing seen yet: the first byte picks the protocol */
        HANDSHAKE_STATE_SOCKS5_GREETING,
        HANDSHAKE_STATE_SOCKS5_AUTH,      /* RFC 1929 sub-negotiation expected */
        HANDSHAKE_STATE_SOCKS5_AUTH_WAIT, /* its check is pending (HANDSHAKE_AUTH) */
        HANDSHAKE_STATE_SOCKS5_REQUEST,
        HANDSHAKE_STATE_SOCKS4_REQUEST,
        HANDSHAKE_STATE_HTTP_REQUEST,
        HANDSHAKE_STATE_HTTP_AUTH_WAIT, /* the request is parsed, its check pending */
        HANDSHAKE_STATE_WAIT_REPLY,     /* HANDSHAKE_REQUEST returned, handshake_reply() next */
        HANDSHAKE_STATE_RELAY,          /* done: the bytes belong to the target */
        HANDSHAKE_STATE_CLOSED,
};

/*
 * The low bits of hs->state are one of the above; HTTP keeps in the bits above them how
 * far it has already scanned the header block, so a client sending a byte at a time
 * does not make us rescan up to HANDSHAKE_INPUT_MAX bytes per byte.
 */
#define HANDSHAKE_STATE_BITS 8
static inline int handshake_state(const Handshake *hs)
{
        return hs->state & ((1 << HANDSHAKE_STATE_BITS) - 1);
}

/* SOCKS5 reply codes (RFC 1928 section 6). */
enum {
        SOCKS5_REP_SUCCEEDED = 0x00,
        SOCKS5_REP_GENERAL_FAILURE = 0x01,
        SOCKS5_REP_NOT_ALLOWED = 0x02,
        SOCKS5_REP_NETWORK_UNREACHABLE = 0x03,
        SOCKS5_REP_HOST_UNREACHABLE = 0x04,
        SOCKS5_REP_CONNECTION_REFUSED = 0x05,
        SOCKS5_REP_TTL_EXPIRED = 0x06,
        SOCKS5_REP_COMMAND_NOT_SUPPORTED = 0x07,
        SOCKS5_REP_ADDRESS_TYPE_NOT_SUPPORTED = 0x08,
};

enum {
        SOCKS5_ATYP_IPV4 = 0x01,
        SOCKS5_ATYP_DOMAINNAME = 0x03,
        SOCKS5_ATYP_IPV6 = 0x04,
};

/* Append to hs->out; false when it does not fit (the engine then closes). */
bool handshake_put(Handshake *hs, const void *p, size_t n);
/* Enter the final state; returns HANDSHAKE_CLOSE for `return handshake_close(hs);`. */
HandshakeStatus handshake_close(Handshake *hs);
/* Once a request is complete: wait for handshake_reply(). */
HandshakeStatus handshake_request(Handshake *hs, ProxyCommand command);

/* true for a byte allowed in a host name (printable ASCII, no space). */
bool proxy_name_char_ok(uint8_t c);
/*
 * Set t to the host name[0..len): an IPv4 or IPv6 literal becomes an address, anything
 * else a name to resolve. -EINVAL for an empty or too long name, or a byte a host name
 * never has (NUL, control characters, space, non-ASCII). The port is left alone.
 */
int proxy_target_set_host(ProxyTarget *t, const char *name, size_t len);

/*
 * Parse ATYP, DST.ADDR, DST.PORT: 0 and the bytes used, -EAGAIN when incomplete,
 * -EAFNOSUPPORT for an unknown ATYP, -EINVAL for a bad domain name.
 */
int socks5_address_parse(const uint8_t *data, size_t len, ProxyTarget *t, size_t *ret_len);
/*
 * Write ATYP, ADDR, PORT for sa (IPv4-mapped IPv6 addresses as IPv4; NULL, or anything
 * that is not a complete IPv4/IPv6 sockaddr: 0.0.0.0:0): the bytes written (at most
 * SOCKS5_ADDRESS_MAX), or -ENOBUFS.
 */
#define SOCKS5_ADDRESS_MAX (1 + 16 + 2)
int socks5_address_put(const struct sockaddr *sa, socklen_t sa_len, uint8_t *buf, size_t size);

HandshakeStatus socks5_feed(Handshake *hs, const uint8_t *data, size_t len, size_t *consumed);
HandshakeStatus socks5_auth_done(Handshake *hs, bool granted);
HandshakeStatus socks5_reply(Handshake *hs, int error, const struct sockaddr *bound, socklen_t bound_len);
HandshakeStatus socks4_feed(Handshake *hs, const uint8_t *data, size_t len, size_t *consumed);
HandshakeStatus socks4_reply(Handshake *hs, int error, const struct sockaddr *bound, socklen_t bound_len);
HandshakeStatus http_connect_feed(Handshake *hs, const uint8_t *data, size_t len, size_t *consumed);
HandshakeStatus http_connect_auth_done(Handshake *hs, bool granted);
HandshakeStatus http_connect_reply(Handshake *hs, int error);
