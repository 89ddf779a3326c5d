/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pac.h: the proxy auto-config file tsproxy-socks serves at GET /proxy.pac on its HTTP
 * side: one FindProxyForURL() that sends each instance's names and tailnet ranges to
 * that instance's proxy and everything else DIRECT.
 *
 * For every instance, in the order given: host names equal to or under its DNS domain
 * ("fgpu": gpu-node.fgpu) or its tailnet's MagicDNS suffix (tail1234.ts.net) go to
 * "PROXY host:port" (the HTTP side speaks both plain HTTP and CONNECT, so one entry
 * serves http:// and https://). Then IP literals in its ranges. Host names are never
 * resolved by the PAC (no isInNet() on a name): a client resolving a tailnet name
 * itself would ask the wrong resolver, and a lookup per URL slows every page. Every
 * tailnet uses the same ranges, so with several instances an address goes to the first
 * instance listing its range: give narrower ranges to tell them apart.
 *
 * IPv6: isInNetEx() is a Microsoft extension that Chrome and pacparser have and
 * Firefox and pac-resolver do not; the PAC carries its own 20 lines of ES3 instead, that
 * parse an IPv6 literal and compare the prefix bit by bit, so every engine gets the
 * same answer. Brackets around the host and a trailing dot are removed, case ignored.
 *
 * No proxy failover to DIRECT: a tailnet name must never leave through the host's own
 * network, so a dead proxy is an error in the browser, not a leak.
 *
 * Names are checked (instance: letters, digits, '-', '_'; domains: DNS labels; proxy:
 * host:port or [v6]:port) and -EINVAL refuses anything else; what goes into JS strings
 * is escaped anyway, so a hostile name can never become code.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "ipnet.h"

typedef struct PacInstance {
        const char *name;            /* the instance, for a comment */
        const char *domain;          /* its DNS domain ("fgpu"), NULL or "" for none */
        const char *magicdns_suffix; /* its tailnet's MagicDNS suffix, NULL or "" when unknown */
        const IpNetwork *ranges;     /* tailnet ranges (IPv4 and IPv6) */
        size_t n_ranges;
        const char *proxy; /* where the client reaches this instance's proxy: "host:port" */
} PacInstance;

/* The PAC of n instances into buf[0..size), NUL-terminated: its length, -EINVAL for a
 * bad name (*ret_bad, if not NULL, names the field), -ENOBUFS. */
int pac_build(const PacInstance *instances, size_t n, char *buf, size_t size, const char **ret_bad);

/* The checks of pac_build() alone: 0, or -EINVAL with *ret_bad naming the field. */
int pac_check(const PacInstance *instances, size_t n, const char **ret_bad);

/* The response head for a PAC of pac_len bytes (200, application/x-ns-proxy-autoconfig,
 * no caching beyond 5 minutes); "Connection: close" unless keep_alive, "Connection:
 * keep-alive" for an HTTP/1.0 client that keeps it. Its length or -ENOBUFS. */
int pac_response_head(char *buf, size_t size, size_t pac_len, bool keep_alive, unsigned version_minor);

/* The MIME type of PAC files. */
#define PAC_CONTENT_TYPE "application/x-ns-proxy-autoconfig"
