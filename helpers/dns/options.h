/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * options.h: the command line of tsproxy-dns, as the generator writes it into
 * ts-dns@NAME.service.d/ (so `systemctl cat` shows what runs).
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "allow-from.h"
#include "dns-limits.h"
#include "dns-wire.h"
#include "egress-mode.h"
#include "instance.h"
#include "name-options.h"

typedef struct DnsOptions {
        char name[INSTANCE_NAME_BUFSZ];
        DnsName domain; /* lowercase */
        char domain_text[DNS_NAME_STRLEN];
        DnsName tailnet_domain; /* lowercase; len 0: not given (see names.tailnet_domain_file) */
        char tailnet_domain_text[DNS_NAME_STRLEN];
        NameOptions names; /* the same, as text, and the learned suffix's file */
        struct sockaddr_storage upstream;
        socklen_t upstream_len;
        unsigned cache_size;   /* entries; 0: no cache */
        unsigned timeout_msec; /* for an upstream answer, then SERVFAIL */
        unsigned max_tcp_clients;
        unsigned max_tcp_per_source; /* TCP clients of one address (tcp-admit.h) */
        AllowFrom allow_from;        /* clients answered; others are cut at recvmsg/accept */
        /* tailnet: queries to the upstream are bound to egress_interface (egress-mode.h) */
        EgressMode egress;
        char egress_interface[IF_NAMESIZE];
} DnsOptions;

/*
 * Parse argv. Returns 1 to run, 0 when --help/--version was handled, -EINVAL after
 * printing what is wrong to stderr (the caller exits with status 78).
 */
int dns_options_parse(int argc, char *argv[], DnsOptions *ret);

/* A domain as Domain=/TailnetDomain= take it (name_model_domain(): letters, digits, '-'
 * and '_', dots between labels, an optional final dot; not the root). Lowercased into
 * ret. -EINVAL or -ENAMETOOLONG. (The config parser checks the same rules, see
 * config-keys.c.) */
int dns_domain_parse(const char *s, DnsName *ret);
