/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dropins.h: the files the generator writes for one instance, as data.
 *
 * Building the text is pure (this module); writing it is output.c's job. Each
 * instance gets drop-ins for its templates that carry every value explicitly, so that
 * `systemctl cat ts-netns@NAME.service` shows exactly what runs, plus an enablement
 * link when AutoStart=yes.
 */
#pragma once

#include <stddef.h>

#include "config.h"

#define DROPIN_NAME "50-tsproxy.conf"

typedef struct GeneratedFile {
        char *path;        /* relative to the output directory */
        char *content;     /* file text, or NULL for a symlink */
        char *link_target; /* symlink target, or NULL */
} GeneratedFile;

typedef struct GeneratedTree {
        GeneratedFile *files;
        size_t n, allocated;
} GeneratedTree;

typedef struct DropinPaths {
        const char *pkglibexecdir; /* where tsproxy-netns, tsproxy-nat live */
        const char *unitdir;       /* where the templates live (enablement link targets) */
} DropinPaths;

/* Append the files of instance c to tree; all[0..n_all): every instance (c among them),
 * for the other proxies named in c's PAC file. Returns 0 or -ENOMEM. */
int dropins_build(const InstanceConfig *c, const InstanceConfig *all, size_t n_all, const DropinPaths *paths,
                  GeneratedTree *tree);
void generated_tree_done(GeneratedTree *tree);

/* Escape for a unit file value: '%' -> '%%' (specifiers); with exec, also '$' -> '$$'. */
char *unit_escape(const char *s, bool exec);
