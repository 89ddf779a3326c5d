/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nft-ruleset.c: builds the text of an instance's nftables table.
 *
 * One table per instance, "table inet tsproxy-NAME" with "flags owner": only the
 * netlink socket that created it may change it, nobody can flush it, and the kernel
 * removes it when that socket closes (tsproxy-nat exiting or crashing). The family is
 * inet so that the guard also drops IPv6 from the veth (link-local addresses exist on
 * every veth). Base chains keep policy accept: we rule only on our own veth's traffic
 * and never drop anybody else's. tsproxy-nat(8) documents each rule.
 *
 * Pure: text in, text out; validated here so that no string reaches nft unquoted or
 * unchecked. Interface names are matched by name (iifname/oifname), so the rules hold
 * across the veth or the uplink being recreated.
 */
#include "nft-ruleset.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include "instance.h"
#include "macro.h"
#include "tailnet.h"

int nft_ruleset_ifname_check(const char *s, const char **reason)
{
        const char *why = NULL;
        size_t n = s ? strlen(s) : 0;

        if (n == 0)
                why = "the interface name is empty";
        else if (n >= IFNAMSIZ)
                why = "the interface name is longer than 15 characters";
        else if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                why = "the interface name may not be '.' or '..'";
        else
                for (const char *p = s; *p; p++)
                        if (*p <= ' ' || *p > '~' || strchr("/:\"\\*", *p)) {
                                why = "the interface name may not contain whitespace, control characters, "
                                      "non-ASCII or any of / : \" \\ *";
                                break;
                        }
        if (reason)
                *reason = why;
        return why ? -EINVAL : 0;
}

static int spec_check(const NatSpec *spec, bool need_port, const char **reason)
{
        const char *why = NULL;

        if (instance_name_check(spec->name, &why) < 0)
                ;
        else if (spec->subnet.prefix != 30 && spec->subnet.prefix != 31)
                why = "the subnet must be a /30 or a /31";
        else if ((spec->subnet.network & ~subnet_mask(spec->subnet.prefix)) != 0)
                why = "the subnet has host bits set";
        else if ((why = subnet_forbidden_reason(&spec->subnet)))
                ;
        else if (need_port && spec->port == 0)
                why = "the UDP port must be between 1 and 65535";
        else if (nft_ruleset_ifname_check(spec->host_ifname, &why) < 0)
                ;
        else if (spec->uplink && nft_ruleset_ifname_check(spec->uplink, &why) < 0)
                ;
        else if (spec->uplink && strcmp(spec->uplink, spec->host_ifname) == 0)
                why = "the uplink and the host end of the veth are the same interface";
        if (reason)
                *reason = why;
        return why ? -EINVAL : 0;
}

int nft_ruleset_check(const NatSpec *spec, const char **reason)
{
        return spec_check(spec, true, reason);
}

/*
 * "The uplink", as a match on iifname or oifname: the named interface, or when none is
 * named, any interface that is not a tsproxy veth ("ts-*", ours and other instances')
 * nor a tailscale interface of the host ("tailscale*": the home tailnet is never an
 * uplink). Our own veth is excluded by name too when --host-if does not follow the ts-
 * pattern.
 */
static void print_uplink_match(FILE *f, const char *key, const NatSpec *spec)
{
        if (spec->uplink) {
                fprintf(f, "%s \"%s\"", key, spec->uplink);
                return;
        }
        fprintf(f, "%s != \"" HOST_IFNAME_PREFIX "*\" %s != \"" TAILSCALE_IFNAME_PATTERN "\"", key, key);
        if (strncmp(spec->host_ifname, HOST_IFNAME_PREFIX, strlen(HOST_IFNAME_PREFIX)) != 0)
                fprintf(f, " %s != \"%s\"", key, spec->host_ifname);
}

static void memstream_closep(FILE **f)
{
        if (*f)
                (void)fclose(*f);
}

/*
 * The guard: the filter chains of the instance's veth. The owned table carries them with
 * the NAT, and the backstop table alone (nft_ruleset_build_backstop()): a packet must be
 * accepted by every base chain at its hook, so while both tables are there they guard
 * as one, and while tsproxy-nat restarts (its owned table gone with it) the backstop
 * still does.
 */
static void print_guard_chains(FILE *f, const NatSpec *spec, const char *ns_addr)
{
        const char *h = spec->host_ifname;

        fprintf(f, "\n\tchain forward {\n");
        fprintf(f, "\t\ttype filter hook forward priority filter; policy accept;\n");
        /* The host's own tailnet, whatever the uplink: by interface and by address range
         * (an Uplink= that routes the ranges, a tailscale interface of another name). */
        fprintf(f,
                "\t\tiifname \"%s\" oifname \"" TAILSCALE_IFNAME_PATTERN
                "\" counter drop comment \"guard: no tailscale interface of the host\"\n",
                h);
        fprintf(f,
                "\t\tiifname \"%s\" ip daddr " TAILNET_IPV4_RANGE
                " counter drop comment \"guard: no tailnet address\"\n",
                h);
        fprintf(f,
                "\t\tiifname \"%s\" ip6 daddr " TAILNET_IPV6_RANGE
                " counter drop comment \"guard: no tailnet address\"\n",
                h);
        fprintf(f, "\t\tiifname \"%s\" ip saddr %s ", h, ns_addr);
        print_uplink_match(f, "oifname", spec);
        fprintf(f, " accept comment \"namespace to uplink\"\n");
        fprintf(f, "\t\tiifname \"%s\" counter drop comment \"guard: spoofed or not to uplink\"\n", h);
        fprintf(f, "\t\toifname \"%s\" ct state established,related accept comment \"replies\"\n", h);
        fprintf(f, "\t\toifname \"%s\" ct status dnat accept comment \"port forward\"\n", h);
        fprintf(f, "\t\toifname \"%s\" counter drop comment \"guard: no connections into the namespace\"\n",
                h);
        fprintf(f, "\t}\n");

        fprintf(f, "\n\tchain input {\n");
        fprintf(f, "\t\ttype filter hook input priority filter; policy accept;\n");
        fprintf(f, "\t\tiifname \"%s\" ct state established,related accept comment \"replies\"\n", h);
        fprintf(f, "\t\tiifname \"%s\" counter drop comment \"guard: namespace cannot reach the host\"\n",
                h);
        fprintf(f, "\t}\n");
}

int nft_ruleset_build(const NatSpec *spec, char **ret)
{
        _cleanup_(memstream_closep) FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        char table[IFNAMSIZ + sizeof(NFT_TABLE_PREFIX)], subnet[SUBNET_STRLEN], ns_addr[IPV4_STRLEN];
        size_t size = 0;
        bool failed;
        int r;

        r = nft_ruleset_check(spec, NULL);
        if (r < 0)
                return r;
        r = instance_nft_table(spec->name, table, sizeof(table));
        if (r < 0)
                return r;
        subnet_format(&spec->subnet, subnet);
        ipv4_format(subnet_namespace_address(&spec->subnet), ns_addr);

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        /* Replace a leftover table without owner (nft 1.0.6 has no "destroy"): "add" makes
         * sure "delete" finds something; both fail with EPERM when a live process owns it. */
        fprintf(f, "add table inet %s\n", table);
        fprintf(f, "delete table inet %s\n", table);
        fprintf(f, "table inet %s {\n", table);
        fprintf(f, "\tflags owner\n");

        fprintf(f, "\n\tchain postrouting {\n");
        fprintf(f, "\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
        fprintf(f, "\t\tip saddr %s ", subnet);
        print_uplink_match(f, "oifname", spec);
        fprintf(f, " counter masquerade comment \"masquerade\"\n");
        fprintf(f, "\t}\n");

        fprintf(f, "\n\tchain prerouting {\n");
        fprintf(f, "\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
        fprintf(f, "\t\t");
        print_uplink_match(f, "iifname", spec);
        fprintf(f,
                " meta nfproto ipv4 udp dport %u fib daddr type local counter dnat ip to %s comment \"port "
                "forward\"\n",
                (unsigned)spec->port, ns_addr);
        fprintf(f, "\t}\n");

        print_guard_chains(f, spec, ns_addr);
        fprintf(f, "}\n");

        failed = ferror(f);
        if (fclose(TAKE_PTR(f)) != 0 || failed)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

int nft_ruleset_build_backstop(const NatSpec *spec, char **ret)
{
        _cleanup_(memstream_closep) FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        char table[IFNAMSIZ + sizeof(NFT_GUARD_TABLE_PREFIX)], ns_addr[IPV4_STRLEN];
        size_t size = 0;
        bool failed;
        int r;

        r = spec_check(spec, false, NULL); /* no port: the guard has no port forward */
        if (r < 0)
                return r;
        r = instance_nft_guard_table(spec->name, table, sizeof(table));
        if (r < 0)
                return r;
        ipv4_format(subnet_namespace_address(&spec->subnet), ns_addr);

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        /* Replaced as a whole, so that an older version of it never stays. */
        fprintf(f, "add table inet %s\n", table);
        fprintf(f, "delete table inet %s\n", table);
        fprintf(f, "table inet %s {\n", table);
        print_guard_chains(f, spec, ns_addr);
        fprintf(f, "}\n");

        failed = ferror(f);
        if (fclose(TAKE_PTR(f)) != 0 || failed)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}
