/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-dns.h: the fake tailscaled's DNS manager in "direct" mode: it rewrites
 * /etc/resolv.conf (after a backup) as tailscale's net/dns/direct.go does, restores the
 * backup, and tries to reach systemd to restart systemd-resolved (only logged).
 */
#pragma once

#include "log.h"

#define DNS_RESOLV_CONF     "/etc/resolv.conf"
#define DNS_BACKUP_CONF     "/etc/resolv.pre-tailscale-backup.conf"
#define DNS_SYSTEMD_PRIVATE "/run/systemd/private"

/* Point /etc/resolv.conf at nameserver with search domain search. Failures are
 * logged (warning) and returned; the daemon goes on. */
int dns_set(const char *nameserver, const char *search, const Logger *log);
/* The empty configuration, at logout, stop and shutdown: restore or discard the backup. */
int dns_restore(const Logger *log);
/* Start-up and --cleanup: the legacy /etc/resolv.tailscale.conf removed, then as dns_restore(). */
int dns_cleanup(const Logger *log);
