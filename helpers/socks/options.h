/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * options.h: the command line of tsproxy-socks, as the generator writes it into
 * socks@NAME.service.d/ (every option explicit, so `systemctl cat` shows what runs).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "allow-from.h"
#include "egress-mode.h"
#include "instance.h"
#include "ipnet.h"
#include "name-options.h"
#include "pac-peer.h"
#include "socks-limits.h"

typedef struct SocksOptions {
        char name[INSTANCE_NAME_BUFSZ];
        IpNetwork allow_from[ALLOW_FROM_MAX];
        size_t n_allow_from;
        EgressMode egress;
        char egress_interface[IF_NAMESIZE];
        const char *password_file; /* points into argv; NULL: no authentication */
        const char *users;         /* "u1,u2", NULL: every user of the file */
        unsigned max_connections;
        uint64_t idle_timeout_usec;       /* 0: none */
        uint64_t handshake_timeout_usec;  /* 0: none */
        unsigned workers;                 /* event loops; 0: auto */
        NameOptions names;                /* how target names resolve (name-model.h) */
        PacPeer pac_peers[PAC_PEERS_MAX]; /* the other instances in the PAC file (--pac-peer) */
        size_t n_pac_peers;
} SocksOptions;

/*
 * Parse argv. Returns 1 to run, 0 when --help/--version was handled, -EINVAL after
 * printing what is wrong to stderr (the caller exits with EXIT_BAD_ARGUMENTS).
 */
int socks_options_parse(int argc, char *argv[], SocksOptions *ret);
