/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon-limits.h: what every helper shares about how it ends and what it may hold.
 *
 * The exit status of bad arguments is one number for all of them, since every template
 * names it in RestartPreventExitStatus=; the file descriptors a proxied connection needs
 * are one formula, since the generator writes LimitNOFILE= from it and the daemons raise
 * their soft limit from it.
 */
#pragma once

#include <stdint.h>

/* EX_CONFIG: invalid arguments or configuration. The units say
 * RestartPreventExitStatus=78, so a helper that cannot ever work is not restarted in a
 * loop. */
#define EXIT_BAD_ARGUMENTS 78

/* File descriptors one relayed TCP connection may hold: the client's socket, the
 * outgoing one and, while busy, two pipes for splice(). */
#define FDS_PER_CONNECTION 6u
/* The listening sockets, the journal, the event loops and the daemon's own few. */
#define FDS_OVERHEAD 64u

/* LimitNOFILE= for, and the soft limit of, a daemon with at most connections TCP
 * connections plus other descriptors (a UDP session each, say). */
static inline uint64_t daemon_fds_needed(uint64_t connections, uint64_t other)
{
        return connections * FDS_PER_CONNECTION + other + FDS_OVERHEAD;
}
