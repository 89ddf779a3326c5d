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
#include "nft-ruleset.h"
#include "nft.h"

static int backstop_spec(const Context *c, NatSpec *ret)
{
        *ret = (NatSpec){
                .name = c->name, .subnet = c->subnet, .uplink = c->uplink, .host_ifname = c->host_ifname};
        return 0;
}

int backstop_install(const Context *c, bool *ret_created)
{
        _cleanup_(nft_context_freep) NftContext *nft = NULL;
        _cleanup_free_ char *text = NULL, *list = NULL, *error = NULL;
        char table[IFNAMSIZ + sizeof(NFT_GUARD_TABLE_PREFIX)];
        NatSpec spec;
        int r;

        (void)backstop_spec(c, &spec);
        r = nft_ruleset_build_backstop(&spec, &text);
        if (r >= 0)
                r = instance_nft_guard_table(c->name, table, sizeof(table));
        if (r >= 0 && asprintf(&list, "list table inet %s\n", table) < 0)
                r = -ENOMEM;
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to build the guard's backstop table of '%s': %m",
                                       c->name);
        r = nft_context_new(&nft);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to set up libnftables: %m");
        /* Was it there? Then a failed run leaves it (an instance that was working keeps it). */
        *ret_created = nft_context_run(nft, list, NULL, NULL) < 0;
        r = nft_context_run(nft, text, NULL, &error);
        if (r < 0) {
                _cleanup_free_ char *why = nft_error_summary(error);
                return log_error_errno(c->log, r, "Failed to load table inet %s: %s", table,
                                       why ? why : "(no message)");
        }
        log_info(c->log, "Loaded the guard's backstop table inet %s.", table);
        return 0;
}

int backstop_remove(const Context *c)
{
        _cleanup_(nft_context_freep) NftContext *nft = NULL;
        _cleanup_free_ char *text = NULL, *error = NULL;
        int r;

        r = nft_ruleset_build_backstop_delete(c->name, &text);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to build the removal of the backstop of '%s': %m",
                                       c->name);
        r = nft_context_new(&nft);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to set up libnftables: %m");
        r = nft_context_run(nft, text, NULL, &error);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                _cleanup_free_ char *why = nft_error_summary(error);
                return log_error_errno(c->log, r, "Failed to remove the guard's backstop table of '%s': %s",
                                       c->name, why ? why : "(no message)");
        }
        log_info(c->log, "Removed the guard's backstop table of '%s'.", c->name);
        return 0;
}
