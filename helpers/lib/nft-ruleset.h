/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nft-ruleset.h: the text of an instance's nftables table, as a pure function.
 *
 * The readable spec of the tables: tsproxy-nat and tsproxy-netns load the same tables as
 * netlink messages built with libnftnl (nft-batch.h: libnftables' cache made each load
 * cost as much as every table of the host) and log this text at debug level; test-nat.sh
 * and test-netns.sh check that nft lists both alike. One transaction each: the old table
 * of that name (if any, and not owned by a live process) is replaced by the new one, or
 * nothing changes. Pure, so the exact ruleset is unit-tested without root (tsproxy-nat(8)
 * explains every rule).
 */
#pragma once

#include <stdint.h>

#include "addr.h"

typedef struct NatSpec {
        const char *name;        /* instance name; the table is "tsproxy-NAME" */
        Subnet subnet;           /* the veth pair's /30 or /31 */
        uint16_t port;           /* the instance tailscaled's UDP port, forwarded from the uplink */
        const char *uplink;      /* the way out to the internet; NULL: any interface but tsproxy veths */
        const char *host_ifname; /* host end of the instance's veth ("ts-NAME") */
} NatSpec;

/*
 * Is s usable as an interface name (Linux rules: 1..15 bytes, not "." or "..", no '/',
 * ':' or whitespace) and safe inside a quoted nft string (printable ASCII, no '"', '\\'
 * or '*', which nft would read as a wildcard)?
 */
int nft_ruleset_ifname_check(const char *s, const char **reason);

/* 0 if spec can be turned into a ruleset; otherwise -EINVAL and *reason (static) says why. */
int nft_ruleset_check(const NatSpec *spec, const char **reason);

/*
 * The whole transaction: "add table; delete table" (so that a leftover table of the same
 * name, created without the owner flag, is replaced) followed by the table with
 * "flags owner". *ret is malloc'd. -EINVAL for an invalid spec, -ENOMEM.
 */
int nft_ruleset_build(const NatSpec *spec, char **ret);

/*
 * The backstop: "table inet tsguard-NAME", the guard's chains of the owned table
 * without its NAT and without the owner flag. tsproxy-netns installs it with the
 * namespace and removes it with it, so the guard holds while tsproxy-nat (and with it
 * the owned table) is down or restarting. Replaces an older copy as a whole.
 */
int nft_ruleset_build_backstop(const NatSpec *spec, char **ret);
