/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nft-batch.c: an instance's nftables tables as one libnftnl batch (nft-batch.h).
 *
 * Each rule below is the bytecode nft 1.0.6 makes of the matching line of
 * nft-ruleset.c (`nft --debug=netlink`): in the inet family "ip saddr" needs "meta
 * nfproto ipv4" before it, a prefix is a bitwise mask unless it ends on a byte, a name
 * ending in '*' compares only the bytes before it, an exact name all IFNAMSIZ bytes,
 * and a comment is the rule's user data. test-nat.sh and test-netns.sh load the text
 * with nft and this batch, and check that nft lists both alike.
 */
#include "nft-batch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "instance.h"
#include "tailnet.h"

/* Our table and its rules take under 16 KiB of messages; the answers fit the same. */
#define BATCH_BUFSZ (64 * 1024)

struct NftSocket {
        struct mnl_socket *nl;
        uint32_t portid;
        uint32_t seq;
};

int nft_socket_open(NftSocket **ret)
{
        NftSocket *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -ENOMEM;
        s->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
        if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
                r = -errno;
                nft_socket_free(s);
                return r;
        }
        s->portid = mnl_socket_get_portid(s->nl);
        s->seq = (uint32_t)time(NULL);
        *ret = s;
        return 0;
}

NftSocket *nft_socket_free(NftSocket *s)
{
        if (s) {
                if (s->nl)
                        (void)mnl_socket_close(s->nl);
                free(s);
        }
        return NULL;
}

/* One rule under construction; ok turns false at the first allocation failure. */
typedef struct RuleBuilder {
        struct nftnl_rule *rule;
        bool ok;
} RuleBuilder;

static void add_expr(RuleBuilder *b, struct nftnl_expr *e)
{
        if (!e)
                b->ok = false;
        else
                nftnl_rule_add_expr(b->rule, e);
}

static void meta_load(RuleBuilder *b, uint32_t key)
{
        struct nftnl_expr *e = nftnl_expr_alloc("meta");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
                nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
        }
        add_expr(b, e);
}

static void cmp(RuleBuilder *b, uint32_t op, const void *data, uint32_t len)
{
        struct nftnl_expr *e = nftnl_expr_alloc("cmp");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
                nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
                nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
        }
        add_expr(b, e);
}

static void payload_load(RuleBuilder *b, uint32_t base, uint32_t offset, uint32_t len)
{
        struct nftnl_expr *e = nftnl_expr_alloc("payload");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
                nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
                nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
                nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
        }
        add_expr(b, e);
}

static void bitwise_and(RuleBuilder *b, const void *mask, uint32_t len)
{
        static const uint8_t zero[16];
        struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
                nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
                nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
                nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
                nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
        }
        add_expr(b, e);
}

/* iifname/oifname KEY OP "NAME": a trailing '*' compares the bytes before it only. */
static void ifname_match(RuleBuilder *b, uint32_t key, uint32_t op, const char *name)
{
        char buf[IFNAMSIZ] = {0};
        size_t n = strlen(name);

        meta_load(b, key);
        if (n > 0 && name[n - 1] == '*') {
                cmp(b, op, name, (uint32_t)(n - 1));
                return;
        }
        memcpy(buf, name, n < IFNAMSIZ ? n : IFNAMSIZ - 1);
        cmp(b, op, buf, IFNAMSIZ);
}

static void nfproto_match(RuleBuilder *b, uint8_t proto)
{
        meta_load(b, NFT_META_NFPROTO);
        cmp(b, NFT_CMP_EQ, &proto, sizeof(proto));
}

/* ip saddr/daddr ADDR/PREFIX (offset 12 or 16 of the IPv4 header), addr in host order. */
static void ipv4_match(RuleBuilder *b, uint32_t offset, uint32_t addr, unsigned prefix)
{
        uint32_t be = htonl(addr), mask = htonl(subnet_mask(prefix));

        nfproto_match(b, NFPROTO_IPV4);
        payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, offset, sizeof(be));
        if (prefix < 32)
                bitwise_and(b, &mask, sizeof(mask));
        cmp(b, NFT_CMP_EQ, &be, sizeof(be));
}

/* ct state/status & BITS != 0 */
static void ct_bits(RuleBuilder *b, uint32_t key, uint32_t bits)
{
        struct nftnl_expr *e = nftnl_expr_alloc("ct");
        uint32_t zero = 0;

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
                nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
        }
        add_expr(b, e);
        bitwise_and(b, &bits, sizeof(bits));
        cmp(b, NFT_CMP_NEQ, &zero, sizeof(zero));
}

static void counter(RuleBuilder *b)
{
        add_expr(b, nftnl_expr_alloc("counter"));
}

static void verdict(RuleBuilder *b, int v)
{
        struct nftnl_expr *e = nftnl_expr_alloc("immediate");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
                nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
        }
        add_expr(b, e);
}

/* The uplink match of nft-ruleset.c's print_uplink_match(). */
static void uplink_match(RuleBuilder *b, uint32_t key, const NatSpec *spec)
{
        if (spec->uplink) {
                ifname_match(b, key, NFT_CMP_EQ, spec->uplink);
                return;
        }
        ifname_match(b, key, NFT_CMP_NEQ, HOST_IFNAME_PREFIX "*");
        ifname_match(b, key, NFT_CMP_NEQ, TAILSCALE_IFNAME_PATTERN);
        if (strncmp(spec->host_ifname, HOST_IFNAME_PREFIX, strlen(HOST_IFNAME_PREFIX)) != 0)
                ifname_match(b, key, NFT_CMP_NEQ, spec->host_ifname);
}

/* Batch under construction: messages go into buf; acks counts those that ask for one. */
typedef struct Batch {
        struct mnl_nlmsg_batch *mb;
        NftSocket *s;
        const char *table;
        unsigned acks;
        bool ok;
} Batch;

static struct nlmsghdr *batch_msg(Batch *t, uint16_t type, uint16_t flags)
{
        struct nlmsghdr *nlh;

        if (!t->ok || mnl_nlmsg_batch_size(t->mb) + 4096 > BATCH_BUFSZ) {
                t->ok = false;
                return NULL;
        }
        nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(t->mb), type, NFPROTO_INET, flags | NLM_F_ACK,
                                    ++t->s->seq);
        t->acks++;
        return nlh;
}

static void batch_table(Batch *t, uint16_t type, uint16_t flags, uint32_t table_flags)
{
        struct nftnl_table *tb = nftnl_table_alloc();
        struct nlmsghdr *nlh;

        if (!tb) {
                t->ok = false;
                return;
        }
        nftnl_table_set_str(tb, NFTNL_TABLE_NAME, t->table);
        if (table_flags)
                nftnl_table_set_u32(tb, NFTNL_TABLE_FLAGS, table_flags);
        nlh = batch_msg(t, type, flags);
        if (nlh) {
                nftnl_table_nlmsg_build_payload(nlh, tb);
                (void)mnl_nlmsg_batch_next(t->mb);
        }
        nftnl_table_free(tb);
}

static void batch_chain(Batch *t, const char *name, const char *type, uint32_t hook, int32_t prio)
{
        struct nftnl_chain *c = nftnl_chain_alloc();
        struct nlmsghdr *nlh;

        if (!c) {
                t->ok = false;
                return;
        }
        nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, t->table);
        nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
        nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
        nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
        nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
        nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
        nlh = batch_msg(t, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
        if (nlh) {
                nftnl_chain_nlmsg_build_payload(nlh, c);
                (void)mnl_nlmsg_batch_next(t->mb);
        }
        nftnl_chain_free(c);
}

static RuleBuilder rule_begin(const Batch *t, const char *chain)
{
        RuleBuilder b = {.rule = nftnl_rule_alloc(), .ok = true};

        if (!b.rule)
                b.ok = false;
        else {
                nftnl_rule_set_str(b.rule, NFTNL_RULE_TABLE, t->table);
                nftnl_rule_set_str(b.rule, NFTNL_RULE_CHAIN, chain);
        }
        return b;
}

/* Ends the rule with its comment and appends it to the batch; frees it either way. */
static void rule_end(Batch *t, RuleBuilder *b, const char *comment)
{
        struct nftnl_udata_buf *udata = NULL;
        struct nlmsghdr *nlh;

        if (b->ok) {
                udata = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
                if (!udata || !nftnl_udata_put_strz(udata, NFTNL_UDATA_RULE_COMMENT, comment))
                        b->ok = false;
                else
                        nftnl_rule_set_data(b->rule, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(udata),
                                            nftnl_udata_buf_len(udata));
        }
        if (!b->ok)
                t->ok = false;
        nlh = b->ok ? batch_msg(t, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND) : NULL;
        if (nlh) {
                nftnl_rule_nlmsg_build_payload(nlh, b->rule);
                (void)mnl_nlmsg_batch_next(t->mb);
        }
        if (udata)
                nftnl_udata_buf_free(udata);
        if (b->rule)
                nftnl_rule_free(b->rule);
}

/* A rule "iifname/oifname "H" [counter] VERDICT comment C". */
static void simple_rule(Batch *t, const char *chain, uint32_t key, const char *h, bool count, int v,
                        const char *comment)
{
        RuleBuilder b = rule_begin(t, chain);

        ifname_match(&b, key, NFT_CMP_EQ, h);
        if (count)
                counter(&b);
        verdict(&b, v);
        rule_end(t, &b, comment);
}

/* The guard's chains, as nft-ruleset.c's print_guard_chains(). */
static void batch_guard(Batch *t, const NatSpec *spec)
{
        static const uint8_t tailnet6[] = TAILNET_IPV6_NETWORK_INIT;
        const char *h = spec->host_ifname;
        const uint32_t replies = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);
        uint32_t dnat = IPS_DST_NAT;
        RuleBuilder b;

        batch_chain(t, "forward", "filter", NF_INET_FORWARD, NF_IP_PRI_FILTER);

        b = rule_begin(t, "forward");
        ifname_match(&b, NFT_META_IIFNAME, NFT_CMP_EQ, h);
        ifname_match(&b, NFT_META_OIFNAME, NFT_CMP_EQ, TAILSCALE_IFNAME_PATTERN);
        counter(&b);
        verdict(&b, NF_DROP);
        rule_end(t, &b, "guard: no tailscale interface of the host");

        b = rule_begin(t, "forward");
        ifname_match(&b, NFT_META_IIFNAME, NFT_CMP_EQ, h);
        ipv4_match(&b, 16, TAILNET_IPV4_NETWORK, TAILNET_IPV4_PREFIX);
        counter(&b);
        verdict(&b, NF_DROP);
        rule_end(t, &b, "guard: no tailnet address");

        b = rule_begin(t, "forward");
        ifname_match(&b, NFT_META_IIFNAME, NFT_CMP_EQ, h);
        nfproto_match(&b, NFPROTO_IPV6);
        payload_load(&b, NFT_PAYLOAD_NETWORK_HEADER, 24, sizeof(tailnet6)); /* /48: whole bytes */
        cmp(&b, NFT_CMP_EQ, tailnet6, sizeof(tailnet6));
        counter(&b);
        verdict(&b, NF_DROP);
        rule_end(t, &b, "guard: no tailnet address");

        b = rule_begin(t, "forward");
        ifname_match(&b, NFT_META_IIFNAME, NFT_CMP_EQ, h);
        ipv4_match(&b, 12, subnet_namespace_address(&spec->subnet), 32);
        uplink_match(&b, NFT_META_OIFNAME, spec);
        verdict(&b, NF_ACCEPT);
        rule_end(t, &b, "namespace to uplink");

        simple_rule(t, "forward", NFT_META_IIFNAME, h, true, NF_DROP, "guard: spoofed or not to uplink");

        b = rule_begin(t, "forward");
        ifname_match(&b, NFT_META_OIFNAME, NFT_CMP_EQ, h);
        ct_bits(&b, NFT_CT_STATE, replies);
        verdict(&b, NF_ACCEPT);
        rule_end(t, &b, "replies");

        b = rule_begin(t, "forward");
        ifname_match(&b, NFT_META_OIFNAME, NFT_CMP_EQ, h);
        ct_bits(&b, NFT_CT_STATUS, dnat);
        verdict(&b, NF_ACCEPT);
        rule_end(t, &b, "port forward");

        simple_rule(t, "forward", NFT_META_OIFNAME, h, true, NF_DROP,
                    "guard: no connections into the namespace");

        batch_chain(t, "input", "filter", NF_INET_LOCAL_IN, NF_IP_PRI_FILTER);

        b = rule_begin(t, "input");
        ifname_match(&b, NFT_META_IIFNAME, NFT_CMP_EQ, h);
        ct_bits(&b, NFT_CT_STATE, replies);
        verdict(&b, NF_ACCEPT);
        rule_end(t, &b, "replies");

        simple_rule(t, "input", NFT_META_IIFNAME, h, true, NF_DROP,
                    "guard: namespace cannot reach the host");
}

/* The NAT chains of nft_ruleset_build(). */
static void batch_nat(Batch *t, const NatSpec *spec)
{
        uint32_t ns_addr = htonl(subnet_namespace_address(&spec->subnet)), local = RTN_LOCAL;
        uint16_t port = htons(spec->port);
        uint8_t udp = IPPROTO_UDP;
        struct nftnl_expr *e;
        RuleBuilder b;

        batch_chain(t, "postrouting", "nat", NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC);
        b = rule_begin(t, "postrouting");
        ipv4_match(&b, 12, spec->subnet.network, spec->subnet.prefix);
        uplink_match(&b, NFT_META_OIFNAME, spec);
        counter(&b);
        add_expr(&b, nftnl_expr_alloc("masq"));
        rule_end(t, &b, "masquerade");

        batch_chain(t, "prerouting", "nat", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST);
        b = rule_begin(t, "prerouting");
        uplink_match(&b, NFT_META_IIFNAME, spec);
        nfproto_match(&b, NFPROTO_IPV4);
        meta_load(&b, NFT_META_L4PROTO);
        cmp(&b, NFT_CMP_EQ, &udp, sizeof(udp));
        payload_load(&b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, sizeof(port));
        cmp(&b, NFT_CMP_EQ, &port, sizeof(port));
        e = nftnl_expr_alloc("fib");
        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
                nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
                nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
        }
        add_expr(&b, e);
        cmp(&b, NFT_CMP_EQ, &local, sizeof(local));
        counter(&b);
        e = nftnl_expr_alloc("immediate");
        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
                nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &ns_addr, sizeof(ns_addr));
        }
        add_expr(&b, e);
        e = nftnl_expr_alloc("nat");
        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
                nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
                nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
        }
        add_expr(&b, e);
        rule_end(t, &b, "port forward");
}

/*
 * Send the messages in buf (len bytes) and read every answer: they are all queued on
 * the socket by the time sendto() returns (nfnetlink handles a batch in the sender's
 * context), so reading stops when none is left. The first error the kernel reports, or
 * 0; a NEWTABLE answer (to a GETTABLE) fills the flags and the owner.
 */
static int transact(NftSocket *s, const void *buf, size_t len, unsigned acks, uint32_t *ret_flags,
                    uint32_t *ret_owner)
{
        _cleanup_free_ char *rbuf = NULL;
        unsigned seen = 0;
        int error = 0;

        rbuf = malloc(BATCH_BUFSZ);
        if (!rbuf)
                return -ENOMEM;
        if (mnl_socket_sendto(s->nl, buf, len) < 0)
                return -errno;
        while (seen < acks) {
                ssize_t n = recv(mnl_socket_get_fd(s->nl), rbuf, BATCH_BUFSZ, MSG_DONTWAIT);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EAGAIN ? (error ? error : -EPROTO) : -errno;
                for (struct nlmsghdr *nlh = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, (int)n);
                     nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
                        if (nlh->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

                                seen++;
                                if (err->error < 0 && error == 0)
                                        error = err->error;
                        } else if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWTABLE) {
                                struct nftnl_table *tb = nftnl_table_alloc();

                                if (tb && nftnl_table_nlmsg_parse(nlh, tb) >= 0) {
                                        if (ret_flags)
                                                *ret_flags = nftnl_table_get_u32(tb, NFTNL_TABLE_FLAGS);
                                        if (ret_owner && nftnl_table_is_set(tb, NFTNL_TABLE_OWNER))
                                                *ret_owner = nftnl_table_get_u32(tb, NFTNL_TABLE_OWNER);
                                }
                                if (tb)
                                        nftnl_table_free(tb);
                        }
                }
        }
        return error;
}

static int table_name(const NatSpec *spec, NftTableKind kind, char *buf, size_t size)
{
        return kind == NFT_TABLE_NAT ? instance_nft_table(spec->name, buf, size)
                                     : instance_nft_guard_table(spec->name, buf, size);
}

int nft_batch_load(NftSocket *s, const NatSpec *spec, NftTableKind kind)
{
        _cleanup_free_ char *buf = NULL;
        char table[IFNAMSIZ + sizeof(NFT_TABLE_PREFIX) + sizeof(NFT_GUARD_TABLE_PREFIX)];
        Batch t = {.s = s, .table = table, .ok = true};
        bool end;
        int r;

        /* The backstop has no port: its own check of what it uses. */
        if (kind == NFT_TABLE_NAT)
                r = nft_ruleset_check(spec, NULL);
        else {
                r = nft_ruleset_ifname_check(spec->host_ifname, NULL);
                if (r >= 0 && spec->uplink)
                        r = nft_ruleset_ifname_check(spec->uplink, NULL);
        }
        if (r >= 0)
                r = table_name(spec, kind, table, sizeof(table));
        if (r < 0)
                return r;
        buf = malloc(BATCH_BUFSZ);
        if (!buf)
                return -ENOMEM;
        t.mb = mnl_nlmsg_batch_start(buf, BATCH_BUFSZ);
        if (!t.mb)
                return -ENOMEM;
        nftnl_batch_begin(mnl_nlmsg_batch_current(t.mb), ++s->seq);
        (void)mnl_nlmsg_batch_next(t.mb);
        /* "add table; delete table": replaces a leftover, fails with EPERM on a live owner's. */
        batch_table(&t, NFT_MSG_NEWTABLE, NLM_F_CREATE, 0);
        batch_table(&t, NFT_MSG_DELTABLE, 0, 0);
        batch_table(&t, NFT_MSG_NEWTABLE, NLM_F_CREATE, kind == NFT_TABLE_NAT ? NFT_TABLE_F_OWNER : 0);
        if (kind == NFT_TABLE_NAT)
                batch_nat(&t, spec);
        batch_guard(&t, spec);
        nftnl_batch_end(mnl_nlmsg_batch_current(t.mb), ++s->seq);
        end = mnl_nlmsg_batch_next(t.mb);
        r = t.ok && end
                    ? transact(s, mnl_nlmsg_batch_head(t.mb), mnl_nlmsg_batch_size(t.mb), t.acks, NULL, NULL)
                    : -ENOMEM;
        mnl_nlmsg_batch_stop(t.mb);
        return r;
}

int nft_batch_table_get(NftSocket *s, const char *table, uint32_t *ret_flags, uint32_t *ret_owner)
{
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nftnl_table *tb = nftnl_table_alloc();
        struct nlmsghdr *nlh;
        uint32_t flags = 0, owner = 0;
        int r;

        if (!tb)
                return -ENOMEM;
        nftnl_table_set_str(tb, NFTNL_TABLE_NAME, table);
        nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, ++s->seq);
        nftnl_table_nlmsg_build_payload(nlh, tb);
        nftnl_table_free(tb);
        r = transact(s, buf, nlh->nlmsg_len, 1, &flags, &owner);
        if (r < 0)
                return r;
        if (ret_flags)
                *ret_flags = flags;
        if (ret_owner)
                *ret_owner = owner;
        return 0;
}

int nft_batch_table_delete(NftSocket *s, const char *table)
{
        _cleanup_free_ char *buf = malloc(BATCH_BUFSZ);
        struct mnl_nlmsg_batch *mb;
        Batch t = {.s = s, .table = table, .ok = true};
        int r;

        if (!buf)
                return -ENOMEM;
        mb = t.mb = mnl_nlmsg_batch_start(buf, BATCH_BUFSZ);
        if (!mb)
                return -ENOMEM;
        nftnl_batch_begin(mnl_nlmsg_batch_current(mb), ++s->seq);
        (void)mnl_nlmsg_batch_next(mb);
        batch_table(&t, NFT_MSG_DELTABLE, 0, 0);
        nftnl_batch_end(mnl_nlmsg_batch_current(mb), ++s->seq);
        (void)mnl_nlmsg_batch_next(mb);
        r = t.ok ? transact(s, mnl_nlmsg_batch_head(mb), mnl_nlmsg_batch_size(mb), t.acks, NULL, NULL)
                 : -ENOMEM;
        mnl_nlmsg_batch_stop(mb);
        return r;
}
