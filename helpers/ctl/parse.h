/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * parse.h: the pure text parsers behind status and doctor (unit-tested in
 * test/unit/test-ctl-parse.c): nft's listing of our table and of the whole ruleset,
 * /proc/net/route, /proc/self/mountinfo, tailscaled's STATUS= line.
 *
 * nft output is parsed as text, not as JSON (nft_ctx_output_set_flags(NFT_CTX_OUTPUT_JSON)):
 * what we need is two anchors in text we wrote ourselves (the rule commented
 * "masquerade" in our own table) and the base chain line "type filter hook forward ...
 * policy drop;", both stable nft syntax, while JSON would need a JSON parser
 * (jansson: a new dependency) to find the same two things.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* In `nft list table inet tsproxy-NAME` output: the counter of the rule commented
 * "masquerade". false when there is no such rule (or it has no counter). */
bool parse_nft_masquerade(const char *text, uint64_t *ret_packets, uint64_t *ret_bytes);

/* nft_context_run()'s error r refined from nft's error text, which names the kernel's
 * error even when errno no longer does: -ENOENT, -EPERM, -EACCES, else r. */
int parse_nft_error(int r, const char *error_text);

/* A base chain at hook forward with policy drop, in a table that is not tsproxy's. */
typedef struct NftDropChain {
        char family[16];
        char table[64];
        char chain[64];
        bool mentions_tsproxy; /* the table has a rule matching our veths ("ts-...") */
} NftDropChain;

/* In `nft list ruleset` output: up to max such chains; returns how many were found. */
size_t parse_nft_forward_drops(const char *text, NftDropChain *ret, size_t max);

/* An IPv4 route of the main table, from /proc/net/route. */
typedef struct RouteEntry {
        char ifname[16];
        Subnet destination;
        bool gateway; /* via a gateway */
} RouteEntry;

/* Parse /proc/net/route text: up to max routes (up ones only); returns how many. */
size_t parse_proc_net_route(const char *text, RouteEntry *ret, size_t max);

/* In /proc/self/mountinfo text: is mount_point a mount, and is it shared? */
bool parse_mountinfo_shared(const char *text, const char *mount_point, bool *ret_is_mount);

/*
 * What tailscaled's STATUS= line says about its login. The texts are the real daemon's
 * (tailscale's ipn/ipnlocal/local.go, enterStateLocked; control/controlclient/direct.go):
 * "Needs login: URL", "Stopped; run 'tailscale up' to log in", "Connected; LOGIN; IPS",
 * "key expired; run 'tailscale up' to authenticate". Anything else (no STATUS= yet, a
 * newer text) is unknown, never judged.
 */
typedef enum TailscaledLogin {
        TAILSCALED_LOGIN_UNKNOWN,
        TAILSCALED_LOGIN_CONNECTED,
        TAILSCALED_LOGIN_NEEDS_LOGIN,
        TAILSCALED_LOGIN_STOPPED,
        TAILSCALED_LOGIN_KEY_EXPIRED,
} TailscaledLogin;

TailscaledLogin parse_tailscaled_status(const char *status_text);
