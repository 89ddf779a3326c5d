/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-router.h: the fake tailscaled's Linux router: the TUN's link state and address,
 * the policy rules 5210-5270, routes in table 52 and the netfilter chains, applied as
 * tailscale's wgengine/router/osrouter/router_linux.go and util/linuxfw do (facts in
 * fake-router.c). It runs `ip` and `nft` (test scaffolding, like sim-internet).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define ROUTER_ROUTES_MAX 64

/* What router_set() applied, so that the next call or router_close() can take it back. */
typedef struct Router {
        const char *tun;
        const Logger *log;
        uint32_t address; /* 0: none */
        uint32_t routes[ROUTER_ROUTES_MAX];
        size_t n_routes;
        bool netfilter;
} Router;

/* The running configuration: self address, /32 routes into table 52, the UDP port. */
typedef struct RouterConfig {
        uint32_t address;
        const uint32_t *routes;
        size_t n_routes;
        unsigned port;
} RouterConfig;

/* Engine start: link up (no address), policy rules for IPv4 and IPv6. */
int router_up(Router *r);
/* Apply cfg, or the empty configuration when cfg is NULL (logged out, stopped). */
int router_set(Router *r, const RouterConfig *cfg);
/* Clean shutdown: empty configuration, rules deleted, link down. */
int router_close(Router *r);
/* Start-up and --cleanup: netfilter chains and hooks removed (never the rules). */
int router_cleanup(const char *tun, const Logger *log);
