#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# shell-up.sh NAME SUBNET HOST_ADDR NS_ADDR PREFIX PORT UPLINK
#
# The baseline of bench/run.sh: what `tsproxy-netns up` + `tsproxy-nat` set up, written
# as an administrator would script it with ip(8) and nft(8), one command per step and
# without tsproxy's checks (stale veth, overlapping subnet) or rollback. Timed as a whole
# (bash start to exit). Run only inside the benchmark's sandbox.
#
# The nft table is the same as nft_ruleset_build()'s (helpers/lib/nft-ruleset.c) except
# "flags owner": an owned table would vanish when nft exits. bench.py compares the two
# listings once per run and reports any difference.
set -eu

name=$1 subnet=$2 host=$3 ns=$4 prefix=$5 port=$6 uplink=$7
hif=ts-$name

ip netns add "$name"
ip link add "$hif" type veth peer name host0 netns "$name"
ip addr add "$host/$prefix" dev "$hif"
ip -n "$name" addr add "$ns/$prefix" dev host0
ip -n "$name" link set lo up
ip -n "$name" link set host0 up
ip link set "$hif" up
ip -n "$name" route add default via "$host" dev host0
ip rule add to "$subnet" lookup main priority 5200
echo 1 >"/proc/sys/net/ipv4/conf/$hif/forwarding"
echo 1 >"/proc/sys/net/ipv4/conf/$uplink/forwarding"
ip netns exec "$name" sysctl -qw net.ipv4.tcp_tw_reuse=1
nft -f - <<EOF
table inet tsproxy-$name {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr $subnet oifname "$uplink" counter masquerade comment "masquerade"
	}

	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "$uplink" meta nfproto ipv4 udp dport $port fib daddr type local counter dnat ip to $ns comment "port forward"
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "$hif" ip saddr $ns oifname "$uplink" accept comment "namespace to uplink"
		iifname "$hif" counter drop comment "guard: spoofed or not to uplink"
		oifname "$hif" ct state established,related accept comment "replies"
		oifname "$hif" ct status dnat accept comment "port forward"
		oifname "$hif" counter drop comment "guard: no connections into the namespace"
	}

	chain input {
		type filter hook input priority filter; policy accept;
		iifname "$hif" ct state established,related accept comment "replies"
		iifname "$hif" counter drop comment "guard: namespace cannot reach the host"
	}
}
EOF
