/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * instance.h: everything derived from an instance name alone.
 *
 * Names that must be found again without the configuration (teardown after the conf
 * file is gone, tsproxyctl, tests) are pure functions of the instance name, defined
 * here once: the host end of the veth, the nft table, the namespace path, runtime dirs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

/* "ts-" + name must fit IFNAMSIZ-1 = 15 characters. */
#define INSTANCE_NAME_MAX   12
#define INSTANCE_NAME_BUFSZ (INSTANCE_NAME_MAX + 1)

#define HOST_IFNAME_PREFIX "ts-"
#define NAMESPACE_IFNAME   "host0" /* as systemd-nspawn names the container end */
#define NFT_TABLE_PREFIX   "tsproxy-"
/* The guard's backstop table (nft-ruleset.h); not "tsproxy-": an instance "guard-x"
 * would own "tsproxy-guard-x". */
#define NFT_GUARD_TABLE_PREFIX "tsguard-"
#define NETNS_DIR_DEFAULT      "/run/netns"
#define RUNTIME_DIR_PREFIX     "/run/tsproxy"

/*
 * The host's own tailscaled: rules from 5210, table 52 at priority 5270. Ours sit
 * before them: at RULE_PRIORITY "to SUBNET lookup main" and "iif ts-NAME lookup main",
 * at RULE_PRIORITY_BARRIER "iif ts-NAME unreachable", so that what the main table
 * cannot route from the namespace is refused, never handed to table 52.
 */
#define RULE_PRIORITY          5200
#define RULE_PRIORITY_BARRIER  5201
#define TAILSCALE_DEFAULT_PORT 41641

/* Default subnet pool and default port range for instances that set none. */
#define AUTO_SUBNET_POOL   "10.200.0.0/16"
#define AUTO_SUBNET_PREFIX 30
#define AUTO_PORT_FIRST    41642
#define AUTO_PORT_COUNT    8192

/*
 * 0 if valid; otherwise -EINVAL and *reason (static string) says why: empty, too long,
 * bad first character, bad character.
 */
int instance_name_check(const char *name, const char **reason);

/* "ts-NAME"; buf must hold IFNAMSIZ. -EINVAL for invalid names. */
int instance_host_ifname(const char *name, char buf[static IFNAMSIZ]);
/* "tsproxy-NAME" */
int instance_nft_table(const char *name, char *buf, size_t size);
/* "tsguard-NAME" */
int instance_nft_guard_table(const char *name, char *buf, size_t size);

/* FNV-1a, 32 bit: stable across versions and machines (documented in tsproxy.conf(5)). */
uint32_t instance_hash(const char *name, uint32_t seed);
