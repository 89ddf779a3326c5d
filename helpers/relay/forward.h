/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * forward.h: one forwarded port of tsproxy-relay, as its --forward argument says it.
 *
 *   --forward PROTO:LISTEN=TARGET    tcp:100.121.76.21:2222=100.68.1.5:22
 *                                    udp:[::1]:5353=100.100.100.100:53
 *                                    tcp:127.0.0.1:8080=peer.tailnet.test:80
 *
 * LISTEN is the host-side address systemd bound the socket to (the daemon finds the
 * socket by it); TARGET an IP endpoint or NAME:PORT, a name resolved inside the
 * namespace for each connection or UDP session. Pure parsing, unit-tested.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ipnet.h"

typedef enum ForwardProto {
        FORWARD_PROTO_TCP,
        FORWARD_PROTO_UDP,
} ForwardProto;

#define FORWARD_NAME_MAX 253
/* "udp:[V6]:PORT=" + the longest target */
#define FORWARD_SPEC_STRLEN (4 + ENDPOINT_STRLEN + 1 + FORWARD_NAME_MAX + sizeof(":65535"))

typedef struct ForwardSpec {
        ForwardProto proto;
        struct sockaddr_storage listen;
        socklen_t listen_len;
        /* The target: an address (target.ss_family AF_INET/AF_INET6), or a name and port
         * (target.ss_family AF_UNSPEC). */
        struct sockaddr_storage target;
        socklen_t target_len;
        char name[FORWARD_NAME_MAX + 1];
        uint16_t port;
} ForwardSpec;

/* Parse "PROTO:LISTEN=TARGET". 0, or -EINVAL with *reason (a static string) saying why. */
int forward_spec_parse(const char *s, ForwardSpec *ret, const char **reason);
/* Back to "PROTO:LISTEN=TARGET" (for messages). */
void forward_spec_format(const ForwardSpec *f, char buf[static FORWARD_SPEC_STRLEN]);
/* Do the two listen on the same address, port and protocol? */
bool forward_spec_same_listener(const ForwardSpec *a, const ForwardSpec *b);
/* Is this socket (bound to address, of type SOCK_STREAM/SOCK_DGRAM) f's listener? */
bool forward_spec_matches(const ForwardSpec *f, const struct sockaddr *address, int type);
