/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tailnet.h: the facts of Tailscale that tsproxy's isolation is built on, in one place.
 *
 * Every tailnet uses the same address ranges, so an address alone never says which
 * tailnet it belongs to: the host's own tailnet (its tailscaled, tailscale0, rules
 * 5210-5270, table 52) and an instance's tailnet overlap completely. Hence the layers
 * (tsproxy(8), "Isolation"): the namespace routes the ranges nowhere but through its
 * own tailscale interface; the host's nft table drops them from the veth; instance
 * traffic is routed by the host's main table only, ahead of rule 5270.
 *
 * Facts from tailscale's source (wgengine/router/osrouter/router_linux.go,
 * net/tsaddr/tsaddr.go): the CGNAT range 100.64.0.0/10, the ULA range
 * fd7a:115c:a1e0::/48, the policy table 52 and its rules from priority 5210 to 5270,
 * the default TUN name tailscale0.
 */
#pragma once

#define TAILNET_IPV4_RANGE   "100.64.0.0/10"
#define TAILNET_IPV6_RANGE   "fd7a:115c:a1e0::/48"
#define TAILNET_IPV4_NETWORK 0x64400000u /* 100.64.0.0, host byte order */
#define TAILNET_IPV4_PREFIX  10
#define TAILNET_IPV6_NETWORK_INIT                                                                           \
        {                                                                                                   \
                0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0                                                          \
        }
#define TAILNET_IPV6_PREFIX 48
/* MagicDNS, inside the ranges above. */
#define TAILNET_MAGICDNS_IPV4 "100.100.100.100"
#define TAILNET_MAGICDNS_IPV6 "fd7a:115c:a1e0::53"
/* MagicDNS names of every tailnet end in this (their search domains: *.ts.net). */
#define TAILNET_DNS_SUFFIX "ts.net"

/* tailscaled's interface when --tun= is not given; a host's tailscale interfaces, as
 * the guard matches them by name. */
#define TAILSCALE_TUN_DEFAULT    "tailscale0"
#define TAILSCALE_IFNAME_PATTERN "tailscale*"
/* tailscaled's policy routing table and the first and last priority of its rules. */
#define TAILSCALE_TABLE               52
#define TAILSCALE_RULE_PRIORITY_FIRST 5210
#define TAILSCALE_RULE_PRIORITY_LAST  5270
