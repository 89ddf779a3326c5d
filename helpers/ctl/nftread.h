/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nftread.h: the host's inet tables, chains and masquerade rules in three nfnetlink
 * dumps (libmnl, libnftnl), once per command. libnftables is not used here: its
 * `list ruleset` (and `list tables`) took 1.3 s on a host with 200 tables, and a
 * `list table` per instance 18 ms each (issue 14: `tsproxyctl list` of 100 took 1.5 s).
 */
#pragma once

#include "netcheck.h"

/* 0, or a negative errno: -EPERM without CAP_NET_ADMIN, -ENOMEM. */
int nftread_inet(NftFacts *ret);
