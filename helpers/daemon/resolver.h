/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolver.h: asynchronous name resolution on the daemon's sd-event loop (c-ares).
 *
 * The daemon runs inside the instance namespace with the instance's resolv.conf (the
 * tailnet's MagicDNS) bound over /etc/resolv.conf, so c-ares, which reads that file,
 * asks the tailnet. Lookups never block the loop: c-ares's sockets are watched by
 * sd-event and its timeouts run on an sd-event timer.
 *
 * Names follow the naming model of tsproxy-dns (name-model.h), so that every name the
 * instance's DNS server hands out works as a target: A.B.C.D.DOMAIN, A-B-C-D.DOMAIN and
 * the IPv6 dash form are their address (no query); NAME.DOMAIN, bare names and
 * NAME.TAILNETDOMAIN are asked of MagicDNS as the fully qualified NAME.TAILNETDOMAIN.
 * (absolute: no search list applies); DOMAIN itself has no address; anything else is
 * resolved as given.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "name-options.h"

typedef struct Resolver Resolver;
typedef struct ResolverQuery ResolverQuery;

#define RESOLVER_ADDRESSES_MAX 8

/*
 * error 0 and 1..RESOLVER_ADDRESSES_MAX addresses with the port set; or -ENOENT (no such
 * name or no address, DOMAIN itself), -ETIMEDOUT, -EHOSTUNREACH (any other DNS failure,
 * and NAME.DOMAIN while the tailnet's MagicDNS suffix is unknown), -ECANCELED when the
 * resolver is freed with the query still running.
 */
typedef void (*ResolverCallback)(void *userdata, int error, const struct sockaddr_storage *addresses,
                                 size_t n_addresses);

/*
 * interface (NULL: none): the queries' sockets are bound to it (SO_BINDTODEVICE, allowed
 * without privileges on an unbound socket since Linux 5.7), so that the daemons' lookups
 * go to the instance's MagicDNS through its tailscale interface and nowhere else; while
 * the interface is missing (tailscaled stopped or restarting) lookups fail at once.
 *
 * names (NULL: every name resolved as given): the instance's domain and the tailnet's
 * MagicDNS suffix, given or learned from its file (tailnet-suffix.h, checked at each
 * lookup). It must outlive the resolver.
 */
int resolver_new(sd_event *event, const char *interface, const NameOptions *names, Resolver **ret);
Resolver *resolver_free(Resolver *r);

/* Start a lookup of name (A and AAAA). The callback is never called from inside this
 * function. *ret_query may be passed to resolver_query_cancel() until the callback ran. */
int resolver_resolve(Resolver *r, const char *name, uint16_t port, ResolverCallback callback, void *userdata,
                     ResolverQuery **ret_query);
/* The callback will not be called. */
void resolver_query_cancel(ResolverQuery *q);
