/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns-tool.h: what main() of tsproxy-netns hands to each verb.
 *
 * Everything environmental (directories, resolv.conf paths) is read once in main()
 * and passed down here, so the tests can point every path somewhere else.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>

#include "addr.h"
#include "log.h"

typedef struct Context {
        const Logger *log;
        const char *name;           /* validated instance name */
        char host_ifname[IFNAMSIZ]; /* host end of the veth: ts-NAME or --host-if */
        const char *uplink;         /* --uplink, or NULL */
        Subnet subnet;              /* --subnet */
        bool have_subnet;
        const char *netns_dir;     /* $TSPROXY_NETNS_DIR, /run/netns */
        const char *runtime_dir;   /* $TSPROXY_RUNTIME_DIR, /run/tsproxy */
        const char *resolv_conf;   /* $TSPROXY_RESOLV_CONF, /etc/resolv.conf */
        const char *resolved_conf; /* $TSPROXY_RESOLVED_CONF, /run/systemd/resolve/resolv.conf */
        /* $TSPROXY_TAILSCALE_BACKUP_CONF, /etc/resolv.pre-tailscale-backup.conf */
        const char *tailscale_backup_conf;
} Context;

/* The guard's backstop table (backstop.c). install: *ret_created tells whether it was
 * missing before. remove: 0 when it is gone (or was). Both log their errors. */
int backstop_install(const Context *c, bool *ret_created);
int backstop_remove(const Context *c);

int verb_up(const Context *c);
int verb_down(const Context *c);
int verb_resolv_conf(const Context *c);
