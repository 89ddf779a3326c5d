/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nft-batch.h: an instance's nftables tables as netlink messages, built with libnftnl
 * and sent as one batch (one atomic transaction), without libnftables.
 *
 * Why not libnftables: 1.0.6 fills its cache with every table of the host before any
 * command that adds a chain or a rule (and before "list table" and "delete table"), at
 * 0.5 MB and about 2 ms per table, so loading the N-th instance's table cost O(N) and
 * starting N instances O(N^2) (bench/README.md, "Starting many instances"). This module
 * sends exactly the messages of the table and reads the kernel's answers: its cost does
 * not depend on what else is loaded. The rules are the ones nft_ruleset_build() and
 * nft_ruleset_build_backstop() print (nft-ruleset.h, the readable spec); test-nat.sh and
 * test-netns.sh check that both list the same in nft.
 */
#pragma once

#include <stdint.h>

#include "macro.h"
#include "nft-ruleset.h"

/* One netlink socket: an owned table belongs to it and goes away when it is freed. */
typedef struct NftSocket NftSocket;

int nft_socket_open(NftSocket **ret);
NftSocket *nft_socket_free(NftSocket *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(NftSocket *, nft_socket_free);

typedef enum NftTableKind {
        NFT_TABLE_NAT,      /* "tsproxy-NAME", flags owner: NAT and the guard (nft_ruleset_build()) */
        NFT_TABLE_BACKSTOP, /* "tsguard-NAME": the guard alone (nft_ruleset_build_backstop()) */
} NftTableKind;

/*
 * Load the table of spec in one transaction: "add table; delete table" (so that a
 * leftover table of the name is replaced, and a table owned by a live process makes
 * the whole load fail with -EPERM), then the table with its chains and rules. The first
 * error the kernel reports, as a negative errno; -EINVAL for an invalid spec.
 */
int nft_batch_load(NftSocket *s, const NatSpec *spec, NftTableKind kind);

/*
 * Look up table (inet family) by name: 0 and its NFTA_TABLE_FLAGS / NFTA_TABLE_OWNER
 * (0 when absent) if it exists; -ENOENT if not; another negative errno on failure.
 * ret_flags and ret_owner may be NULL.
 */
int nft_batch_table_get(NftSocket *s, const char *table, uint32_t *ret_flags, uint32_t *ret_owner);

/* Delete table (inet family): 0, -ENOENT when there is none, another negative errno. */
int nft_batch_table_delete(NftSocket *s, const char *table);
