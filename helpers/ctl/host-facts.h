/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * host-facts.h: what status, list and doctor read about the host once per command, not
 * once per instance: the host's interfaces and policy rules (one rtnetlink dump each),
 * the inet tables, chains and masquerade rules (three nfnetlink dumps), the namespaces in the netns
 * directory and the tsproxy targets systemd knows (one ListUnitsByPatterns call). At 100 instances, reading
 * these per instance made `tsproxyctl list` take 1.5 s (issue 14).
 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>

#include "ctl.h"
#include "netcheck.h"
#include "netfacts.h"
#include "netread.h"
#include "nftread.h"
#include "unit-state.h"

typedef struct HostFacts {
        NetFacts links;
        NetRules rules;
        int rules_error;
        NftFacts nft;      /* the inet tables, chains and masquerade rules */
        int nft_error;     /* 0, or why nft is empty */
        char **netns;      /* names in ctl->netns_dir, NULL-terminated */
        char **targets;    /* instance names of loaded tsproxy@NAME.target units that are not inactive */
        char **unit_names; /* of every valid instance (host_facts_prefetch_units()) */
        UnitPrefetch units;
        sd_journal *journal; /* opened by the first journal read, for all */
} HostFacts;

/* 0, or -ENOMEM / -EPERM (reading nftables needs root). bus may be NULL (no targets). */
int host_facts_read(const Ctl *ctl, sd_bus *bus, HostFacts *ret);
void host_facts_done(HostFacts *h);
/* Ask systemd for the units of every valid instance of set at once (pipelined): 0 or
 * -ENOMEM or a bus error. details: what the status tree shows (unit_state_prefetch()). */
int host_facts_prefetch_units(HostFacts *h, sd_bus *bus, const ConfigSet *set, bool details);
/* unit's state, prefetched or else asked for now (unit_state_get()). */
int host_facts_unit_state(HostFacts *h, sd_bus *bus, const char *unit, UnitState *ret);

/*
 * The instances that run without a configuration file: a namespace in the netns
 * directory or a tsproxy@NAME.target that is not inactive, for a NAME that set does not
 * configure. NULL-terminated, sorted, malloc'd (strv); NULL without memory.
 */
char **host_facts_orphans(const HostFacts *h, const ConfigSet *set);
void strv_free_ctl(char **l);

/* Is name in the NULL-terminated list l? */
bool host_facts_listed(char *const *l, const char *name);
/* The one-line fact about an orphan (malloc'd, NULL without memory), and its fix. */
char *host_facts_orphan_fact(const Ctl *ctl, const HostFacts *h, const char *name);
#define ORPHAN_FIX "systemctl stop tsproxy@NAME.target (its configuration file is gone)"
