/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * socks-limits.h: the defaults and limits of tsproxy-socks, once for [SOCKS] of the
 * configuration (config-keys.c), the generator that writes them out and the daemon's
 * command line (helpers/socks/options.c). tsproxy.conf(5) documents them.
 */
#pragma once

#include "daemon-limits.h"

/* MaxConnections=, --max-connections: 65536 keeps LimitNOFILE= (daemon_fds_needed())
 * under the kernel's default fs.nr_open of 1048576. */
#define SOCKS_DEFAULT_MAX_CONNECTIONS 4096u
#define SOCKS_MAX_CONNECTIONS_MAX     65536u
/* IdleTimeoutSec=, --idle-timeout: seconds, 0 for none (the default), at most a week. */
#define SOCKS_IDLE_TIMEOUT_MAX (7u * 24 * 3600)
/* HandshakeTimeoutSec=, --handshake-timeout: seconds, at most an hour. */
#define SOCKS_DEFAULT_HANDSHAKE_TIMEOUT 10u
#define SOCKS_HANDSHAKE_TIMEOUT_MAX     3600u
/* Workers=, --workers: 0 is auto, one per CPU the daemon may run on, at most
 * SOCKS_WORKERS_AUTO_MAX (every idle worker is woken by each new client, workers.h). */
#define SOCKS_WORKERS_AUTO_MAX 4u
#define SOCKS_WORKERS_MAX      64u

/* Other instances in one PAC file (--pac-peer): the generator names the first this many. */
#define SOCKS_PAC_PEERS_MAX 64
/* AllowFrom=, --allow-from: ALLOW_FROM_DEFAULT_INIT and ALLOW_FROM_MAX (allow-from.h),
 * shared with the other daemons. */
