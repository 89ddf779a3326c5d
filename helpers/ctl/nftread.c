/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nftread.c: nfnetlink dumps of the inet tables, chains and rules (see nftread.h).
 */
#include "nftread.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"

/* A dump comes in messages of up to a page each, several per read. */
#define DUMP_BUFFER_SIZE 65536

typedef struct Dump {
        NftFacts *facts;
        int error;
} Dump;

static NftEntry *entry(Dump *d, const char *table, const char *chain)
{
        NftEntry *e = nftfacts_add(d->facts);

        if (!e) {
                d->error = -ENOMEM;
                return NULL;
        }
        snprintf(e->table, sizeof(e->table), "%s", strempty(table));
        snprintf(e->chain, sizeof(e->chain), "%s", strempty(chain));
        return e;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
        struct nftnl_table *t = nftnl_table_alloc();

        if (!t)
                return ((Dump *)data)->error = -ENOMEM, MNL_CB_ERROR;
        if (nftnl_table_nlmsg_parse(nlh, t) >= 0)
                (void)entry(data, nftnl_table_get_str(t, NFTNL_TABLE_NAME), "");
        nftnl_table_free(t);
        return ((Dump *)data)->error < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
        struct nftnl_chain *c = nftnl_chain_alloc();

        if (!c)
                return ((Dump *)data)->error = -ENOMEM, MNL_CB_ERROR;
        if (nftnl_chain_nlmsg_parse(nlh, c) >= 0)
                (void)entry(data, nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE),
                            nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
        nftnl_chain_free(c);
        return ((Dump *)data)->error < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* A rule with a masq expression: the counter before it counts what it masquerades. */
static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
        struct nftnl_rule *r = nftnl_rule_alloc();
        struct nftnl_expr_iter *it = NULL;
        struct nftnl_expr *e;
        uint64_t packets = 0, bytes = 0;
        bool masq = false;

        if (!r)
                return ((Dump *)data)->error = -ENOMEM, MNL_CB_ERROR;
        if (nftnl_rule_nlmsg_parse(nlh, r) >= 0)
                it = nftnl_expr_iter_create(r);
        while (it && (e = nftnl_expr_iter_next(it))) {
                const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
                if (name && strcmp(name, "counter") == 0) {
                        packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
                        bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
                } else if (name && strcmp(name, "masq") == 0)
                        masq = true;
        }
        if (masq) {
                NftEntry *n = entry(data, nftnl_rule_get_str(r, NFTNL_RULE_TABLE),
                                    nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
                if (n) {
                        n->masquerade = true;
                        n->packets = packets;
                        n->bytes = bytes;
                }
        }
        if (it)
                nftnl_expr_iter_destroy(it);
        nftnl_rule_free(r);
        return ((Dump *)data)->error < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, uint16_t type, uint32_t seq, mnl_cb_t cb, Dump *d)
{
        _cleanup_free_ char *buf = malloc(DUMP_BUFFER_SIZE);
        struct nlmsghdr *nlh;
        ssize_t n;
        int r = 0;

        if (!buf)
                return -ENOMEM;
        nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP, seq);
        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return negative_errno();
        while ((n = mnl_socket_recvfrom(nl, buf, DUMP_BUFFER_SIZE)) > 0) {
                r = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), cb, d);
                if (r <= 0)
                        break;
        }
        if (d->error < 0)
                return d->error;
        if (n < 0 || r < 0)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

int nftread_inet(NftFacts *ret)
{
        struct mnl_socket *nl;
        Dump d = {.facts = ret};
        uint32_t seq = (uint32_t)time(NULL);
        int r;

        *ret = (NftFacts){};
        nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
        if (!nl)
                return negative_errno();
        r = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ? negative_errno() : 0;
        if (r >= 0)
                r = dump(nl, NFT_MSG_GETTABLE, seq, table_cb, &d);
        if (r >= 0)
                r = dump(nl, NFT_MSG_GETCHAIN, seq + 1, chain_cb, &d);
        if (r >= 0)
                r = dump(nl, NFT_MSG_GETRULE, seq + 2, rule_cb, &d);
        mnl_socket_close(nl);
        if (r < 0)
                nftfacts_done(ret);
        return r;
}
