/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolv.h: the text of an instance's two resolv.conf files, as pure functions.
 *
 * tailscaled inside the namespace needs the host's real upstream DNS servers: the
 * host's /etc/resolv.conf often names only a loopback stub (systemd-resolved's
 * 127.0.0.53), which inside the namespace is the namespace's own, empty loopback; and
 * 100.100.100.100 is tailscaled itself (it drops it as a loop and then fails every
 * lookup). Those are filtered out, and so is everything of the host's own tailnet (its
 * resolvers in 100.64.0.0/10 and fd7a:115c:a1e0::/48, its *.ts.net search domains),
 * with systemd-resolved's list of real upstreams as the fallback. The instance's
 * daemons get the tailnet's MagicDNS instead.
 */
#pragma once

#include <stdbool.h>

#include <stddef.h>

typedef struct ResolvInput {
        const char *path; /* named in the generated comment */
        const char *text; /* NULL when the file could not be read */
} ResolvInput;

typedef enum ResolvSource {
        RESOLV_SOURCE_NONE,
        RESOLV_SOURCE_PRIMARY,
        RESOLV_SOURCE_FALLBACK,
} ResolvSource;

/*
 * Can the namespace use this resolv.conf nameserver address? No for loopback
 * (127.0.0.0/8, ::1), unspecified (0.0.0.0/8, ::), IPv6 link-local (scoped to a host
 * link), the tailnet ranges (MagicDNS, and any resolver of the host's own tailnet: the
 * instance is strictly kept out of it), and anything that is not an address.
 */
bool resolv_nameserver_usable(const char *address);

/* May a search or domain entry (n bytes at s) be handed on? No for ts.net and *.ts.net:
 * the host's own tailnet names. */
bool resolv_domain_usable(const char *s, size_t n);

/*
 * The resolv.conf for an instance's tailscaled: the usable nameservers of primary (IPv4
 * first: the namespace has IPv4 only, and resolvers use only the first three), with its
 * search/domain/options lines; if primary has none, the same from fallback. Returns
 * the number of nameservers written (0: the text holds only comments saying why) or a
 * negative errno; *ret_source tells which input was used.
 */
int resolv_upstream_conf(const char *instance, const ResolvInput *primary, const ResolvInput *fallback,
                         char **ret_text, ResolvSource *ret_source);

/* The resolv.conf for an instance's daemons: the tailnet's MagicDNS. */
int resolv_tailnet_conf(const char *instance, char **ret_text);
