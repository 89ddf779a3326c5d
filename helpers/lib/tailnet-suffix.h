/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tailnet-suffix.h: the tailnet's MagicDNS suffix (TailnetDomain=) as a daemon knows it
 * now: the one given (--tailnet-domain, from the configuration: an override), else the
 * one learned from the instance's tailscaled, a file of one line
 * (/run/tsproxy/NAME/magicdns-suffix, --tailnet-domain-file) that changes when the
 * tailnet does.
 *
 * The file is checked with stat() at each use and read again only when its inode, size
 * or modification time changed: one system call per lookup, no inotify descriptor per
 * worker, and a writer that replaces the file atomically (rename) is followed at once.
 * Each worker owns its own TailnetSuffix (no locking).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "name-model.h"

/* The learned suffix's file in the instance's runtime directory (RUNTIME_DIR_PREFIX/NAME/):
 * its writer and the generator, which passes its path to the daemons, use this name. */
#define TAILNET_SUFFIX_FILE "magicdns-suffix"

typedef struct TailnetSuffix {
        char fixed[NAME_MODEL_NAME_MAX + 1]; /* "": none given */
        const char *path;                    /* NULL: no file */
        char learned[NAME_MODEL_NAME_MAX + 1];
        bool seen; /* the stat fields below are of the last file read */
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime;
} TailnetSuffix;

/* fixed: NULL or "" for none (already checked, as name_model_domain() leaves it). */
void tailnet_suffix_init(TailnetSuffix *s, const char *fixed, const char *path);

/* The suffix now ("" unknown: no file, an empty file or one that is not a domain).
 * *ret_changed (may be NULL): it differs from what the previous call returned. */
const char *tailnet_suffix_get(TailnetSuffix *s, bool *ret_changed);
