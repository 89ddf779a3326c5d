/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctl.h: what the subcommands of tsproxyctl share: the context main() fills in once
 * (logger, test seams, output style), the documented exit codes, and the entry point
 * of each subcommand (one file each: list.c, status.c, verify.c, doctor.c, exec.c).
 */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "log.h"
#include "tree.h"

/* Exit codes, documented in tsproxyctl(8). */
typedef enum CtlExit {
        CTL_EXIT_OK = 0,
        CTL_EXIT_PROBLEMS = 1,         /* status bad, verify errors, doctor findings; or a failure */
        CTL_EXIT_USAGE = 2,            /* bad command line */
        CTL_EXIT_UNKNOWN_INSTANCE = 3, /* no such instance configured */
        CTL_EXIT_NO_SYSTEMD = 4,       /* not booted with systemd (/run/systemd/system missing) */
        CTL_EXIT_NO_RIGHTS = 5,        /* EPERM/EACCES on the bus, a namespace or nftables */
} CtlExit;

typedef struct Ctl {
        Logger log;
        const char *root;      /* configuration root: $TSPROXY_ROOT or "/" */
        const char *netns_dir; /* $TSPROXY_NETNS_DIR or /run/netns */
        TreeStyle style;       /* colour and glyphs for stdout */
        bool json;             /* --json */
} Ctl;

/* A failure errno as an exit code: 5 for EPERM/EACCES, else 1. */
int ctl_exit_for_error(int r);
/* 0 when booted with systemd; otherwise logs and returns CTL_EXIT_NO_SYSTEMD. */
int ctl_require_systemd(Ctl *ctl);
/* config_load() below ctl->root, logging on failure (then returns < 0). */
int ctl_load_config(Ctl *ctl, ConfigSet *set);
/* The named instance, or NULL after logging "Unknown instance" (the caller exits 3). */
const InstanceConfig *ctl_find_instance(Ctl *ctl, const ConfigSet *set, const char *name);
/*
 * The i-th host-side listen address of c: [SOCKS] Listen=, then each Forward='s LISTEN,
 * then [DNS] Listen=; NULL past the last. *ret_kind: "" (SOCKS), "tcp", "udp" or "dns".
 */
const struct sockaddr *ctl_listen_address(const InstanceConfig *c, size_t i, const char **ret_kind);

/* The subcommands: argv[0] is the subcommand's name. Each returns an exit code. */
int ctl_list(Ctl *ctl, int argc, char *argv[]);
int ctl_status(Ctl *ctl, int argc, char *argv[]);
int ctl_verify(Ctl *ctl, int argc, char *argv[]);
int ctl_doctor(Ctl *ctl, int argc, char *argv[]);
int ctl_exec(Ctl *ctl, int argc, char *argv[]);
int ctl_tailscale(Ctl *ctl, int argc, char *argv[]);
int ctl_login(Ctl *ctl, int argc, char *argv[]);

/* A fix hint with NAME and UNIT replaced by the instance and unit name. malloc'd. */
char *ctl_fix_text(const char *fix, const char *name, const char *unit);
