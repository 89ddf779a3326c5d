/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * login-prefs.h: what tsproxy-login asks of an instance's tailscaled (its ipn.Prefs), as
 * flags in the form of `tailscale up`'s, and the checks of the [Tailscale] keys that set
 * them. One parser for both ends: the configuration reader checks LoginServer=,
 * Hostname=, AdvertiseTags= and each word of UpArguments= with it (file:line errors),
 * the generator writes them as tsproxy-login's arguments, and tsproxy-login parses them
 * again with it.
 *
 * tsproxy-login cannot run the tailscale CLI's flag parser, and the CLI would want the
 * auth key on its command line or in a file named there, and "every non-default flag
 * again" to change a setting. So UpArguments= is a documented subset of `tailscale up`'s
 * flags, mapped onto prefs as cmd/tailscale/cli/up.go prefsFromUpArgs does (Go's flag
 * package: "--flag", "--flag=value", booleans with strconv.ParseBool's words); the rest is
 * refused with the reason. Flags that are not given take `tailscale up`'s defaults, so
 * removing one from the configuration undoes it, as with `tailscale up`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define LOGIN_URL_MAX      256
#define LOGIN_HOSTNAME_MAX 63 /* one DNS label (util/dnsname ValidHostname) */
#define LOGIN_TAG_MAX      64
#define LOGIN_TAGS_MAX     16
#define LOGIN_ROUTES_MAX   32
#define LOGIN_ROUTE_STRLEN 50

typedef struct LoginPrefs {
        char control_url[LOGIN_URL_MAX];          /* ControlURL; "": tailscaled's default */
        char hostname[LOGIN_HOSTNAME_MAX + 1];    /* Hostname; "": the OS host name */
        char tags[LOGIN_TAGS_MAX][LOGIN_TAG_MAX]; /* AdvertiseTags, "tag:NAME" each */
        size_t n_tags;
        bool route_all;                                    /* RouteAll (--accept-routes) */
        bool corp_dns;                                     /* CorpDNS (--accept-dns, default true) */
        bool shields_up;                                   /* ShieldsUp */
        char routes[LOGIN_ROUTES_MAX][LOGIN_ROUTE_STRLEN]; /* AdvertiseRoutes, normalised */
        size_t n_routes;
        bool advertise_exit_node; /* 0.0.0.0/0 and ::/0 added to AdvertiseRoutes */
        char exit_node_ip[48];    /* ExitNodeIP; "": none */
        bool exit_node_allow_lan; /* ExitNodeAllowLANAccess */
        bool no_snat;             /* NoSNAT (--snat-subnet-routes=false) */
} LoginPrefs;

/* tailscale up's defaults (ipn.NewPrefs and the flags' defaults). */
void login_prefs_init(LoginPrefs *p);

/* Where a flag may come from. */
typedef enum LoginFlagSource {
        LOGIN_FLAG_UP_ARGUMENTS, /* a word of UpArguments=: no flag a key of its own sets */
        LOGIN_FLAG_AGENT,        /* tsproxy-login's command line: every flag */
} LoginFlagSource;

/* Apply one "--flag[=value]" word. -EINVAL with *ret_why (static text) when it is not a
 * supported flag, has a bad value or is refused from that source. */
int login_prefs_apply_flag(LoginPrefs *p, const char *word, LoginFlagSource source, const char **ret_why);

/* What needs more than one flag (after all of them): NULL, or why not. */
const char *login_prefs_check(const LoginPrefs *p);

/* The checks of the values (also what login_prefs_apply_flag() does); NULL: valid. */
const char *login_check_url(const char *s);      /* http:// or https://, no space, quote */
const char *login_check_hostname(const char *s); /* one DNS label */
/* One tag, "tag:NAME" or "NAME" (then "tag:" is added, as the CLI does) into buf. */
const char *login_check_tag(const char *s, size_t len, char buf[static LOGIN_TAG_MAX]);
/* The node's name, made one DNS label (other characters as '-', at most 63, no '-' at
 * either end): NULL, or why not (nothing left of a non-empty value). */
const char *login_prefs_set_hostname(LoginPrefs *p, const char *value);
/* A comma list of tags, normalised into *p. */
const char *login_prefs_set_tags(LoginPrefs *p, const char *list);
