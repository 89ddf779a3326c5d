/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * backstop.c: the guard's backstop table, "table inet tsguard-NAME" (nft-ruleset.h).
 *
 * tsproxy-nat's table has the owner flag: nobody else can flush it, but the kernel
 * removes it the moment tsproxy-nat exits, crash included, and for the time systemd
 * takes to restart it the namespace would reach the host and everything beyond. So
 * `up` installs the same guard chains once more, in a plain table that lives with the
 * namespace, before the veth exists; `down` and a failed `up` remove it. Each table
 * alone keeps the guard; an `nft flush ruleset` takes only this one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "instance.h"
#include "netns-tool.h"
#include "nft-batch.h"
#include "nft-ruleset.h"

static int backstop_spec(const Context *c, NatSpec *ret)
{
        *ret = (NatSpec){
                .name = c->name, .subnet = c->subnet, .uplink = c->uplink, .host_ifname = c->host_ifname};
        return 0;
}

int backstop_install(const Context *c, bool *ret_created)
{
        _cleanup_(nft_socket_freep) NftSocket *nl = NULL;
        _cleanup_free_ char *text = NULL;
        char table[IFNAMSIZ + sizeof(NFT_GUARD_TABLE_PREFIX)];
        NatSpec spec;
        int r;

        (void)backstop_spec(c, &spec);
        /* The text (which also validates spec) is what the batch loads: for the reader,
         * and for test-netns.sh, which checks that nft lists both alike. */
        r = nft_ruleset_build_backstop(&spec, &text);
        if (r >= 0)
                r = instance_nft_guard_table(c->name, table, sizeof(table));
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to build the guard's backstop table of '%s': %m",
                                       c->name);
        log_debug(c->log, "Backstop ruleset:\n%s", text);
        /* libnftnl, not libnftables: its cost does not grow with the tables of the host
         * (nft-batch.h). */
        r = nft_socket_open(&nl);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to open a netfilter netlink socket: %m");
        /* Was it there? Then a failed run leaves it (an instance that was working keeps it). */
        *ret_created = nft_batch_table_get(nl, table, NULL, NULL) < 0;
        r = nft_batch_load(nl, &spec, NFT_TABLE_BACKSTOP);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to load table inet %s: %m", table);
        log_info(c->log, "Loaded the guard's backstop table inet %s.", table);
        return 0;
}

int backstop_remove(const Context *c)
{
        _cleanup_(nft_socket_freep) NftSocket *nl = NULL;
        char table[IFNAMSIZ + sizeof(NFT_GUARD_TABLE_PREFIX)];
        int r;

        r = instance_nft_guard_table(c->name, table, sizeof(table));
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to build the removal of the backstop of '%s': %m",
                                       c->name);
        r = nft_socket_open(&nl);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to open a netfilter netlink socket: %m");
        r = nft_batch_table_delete(nl, table);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to remove the guard's backstop table of '%s': %m",
                                       c->name);
        log_info(c->log, "Removed the guard's backstop table of '%s'.", c->name);
        return 0;
}
