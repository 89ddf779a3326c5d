/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns-limits.h: the defaults and limits of tsproxy-dns's command line
 * (helpers/dns/options.c), in one place like those of the other daemons
 * (socks-limits.h, relay-limits.h); tsproxy-dns(8) documents them.
 */
#pragma once

#include "daemon-limits.h"

/* The tailnet's resolver, MagicDNS, as every tailscaled serves it on its tailnet side. */
#define DNS_DEFAULT_UPSTREAM   "100.100.100.100:53"
#define DNS_DEFAULT_CACHE_SIZE 4096u
#define DNS_CACHE_SIZE_MAX     1000000u
/* Bytes of answers the cache may hold, per entry allowed: 4096 entries, 16 MiB. */
#define DNS_CACHE_BYTES_PER_ENTRY      4096u
#define DNS_DEFAULT_TIMEOUT_MSEC       2000u
#define DNS_TIMEOUT_MSEC_MAX           60000u
#define DNS_DEFAULT_MAX_TCP_CLIENTS    256u
#define DNS_DEFAULT_MAX_TCP_PER_SOURCE 32u
#define DNS_MAX_TCP_CLIENTS_MAX        65536u
