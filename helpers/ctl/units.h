/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * units.h: which units an instance has, from the generator's own code.
 *
 * The list is not kept here: it is read off what dropins_build() generates for the
 * instance (the tsproxy@NAME.target.wants/ links), after the three services the
 * target template always Requires=. So a part the generator learns to add ([Forward]'s
 * ts-relay@, [DNS]'s ts-dns@, ...) shows up in tsproxyctl with no change here.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

typedef struct CtlUnit {
        char *name;     /* "socks@NAME.service" */
        ssize_t parent; /* index of the unit it hangs under in the tree (its socket), -1: the target */
} CtlUnit;

typedef struct CtlUnits {
        char *target; /* "tsproxy@NAME.target" */
        CtlUnit *units;
        size_t n;
} CtlUnits;

/* 0 or -ENOMEM (or an error of dropins_build()). The instance must be valid. */
int ctl_units_of(const InstanceConfig *c, CtlUnits *ret);
void ctl_units_done(CtlUnits *u);
