/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * options.h: the command line of tsproxy-relay, as the generator writes it into
 * ts-relay@NAME.service.d/ (every forward and option explicit, so `systemctl cat` shows
 * what runs).
 */
#pragma once

#include <net/if.h>
#include <stdint.h>

#include "allow-from.h"
#include "egress-mode.h"
#include "forward.h"
#include "instance.h"
#include "name-options.h"
#include "relay-limits.h"

typedef struct RelayOptions {
        char name[INSTANCE_NAME_BUFSZ];
        ForwardSpec *forwards; /* owned */
        size_t n_forwards;
        AllowFrom allow_from;           /* clients served; others are cut at accept/recvmsg */
        unsigned max_connections;       /* live TCP connections; more are closed at once */
        uint64_t connect_timeout_usec;  /* for a TCP connection to its target */
        uint64_t udp_idle_timeout_usec; /* a UDP session without traffic ends */
        unsigned udp_max_sessions;      /* beyond it the least recently used session ends */
        unsigned workers;               /* event loops; 0: auto */
        EgressMode egress;              /* where targets may be (egress-mode.h) */
        char egress_interface[IF_NAMESIZE];
        NameOptions names; /* how NAME:PORT targets resolve (name-model.h) */
} RelayOptions;

/*
 * Parse argv. Returns 1 to run, 0 when --help/--version was handled, -EINVAL after
 * printing what is wrong to stderr (the caller exits with status 78), -ENOMEM.
 */
int relay_options_parse(int argc, char *argv[], RelayOptions *ret);
void relay_options_done(RelayOptions *o);
