#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/proxy/topology.sh MODE: builds the network namespaces of one row of
# bench/proxy.sh, from inside the private network and mount namespace proxy.sh made for
# it (it refuses to run elsewhere: /run/netns must be a tmpfs of that mount namespace).
# bench/proxy/driver.py's Topology class knows the same names and addresses.
#
# MODE production (the default of bench/proxy.sh), tsproxy's own layout:
#
#   bench-client          the caller's namespace: "host"         bench-inst: "instance"          bench-far
#   proxy-load            tsproxy's listening sockets             the daemon (nsenter), the peers  proxy-target
#   10.98.1.1-250 ------- 10.98.0.1, 10.98.2.1-250  -- forwards -- 10.97.0.2, 10.97.2.1-250
#                 veth     10.97.0.1 ---------------------------- veth         tailscale0 -- veth -- 100.80.0.1-250
#                                                                             100.64.0.1/32
#                                                                             100.64.0.0/10 dev tailscale0
#
# The instance's "tailscale0" is a veth whose peer is the target's namespace, with the
# tailnet range routed over it, as tailscaled's tun is (Egress=tailnet binds to it).
# The host and the instance forward, for the direct row and for the peers, which listen
# inside the instance namespace (as the seed ran dante).
#
# MODE one-namespace: the earlier layout: the client and every proxy in the caller's
# namespace (loopback between them), the target in bench-far behind a veth (vnear 10.99.0.1,
# 10.99.1.1-250; vfar 10.99.0.2, 10.99.2.1-250).
#
# In every namespace: lo up, the client port range 10000-65535, and tcp_tw_reuse=1 in the
# namespaces that connect (tsproxy-netns sets it in an instance namespace; see
# bench/README.md, "TIME_WAIT").
set -euo pipefail

mode=${1:-production}
[[ $(stat -f -c %T /run/netns 2>/dev/null) == tmpfs ]] ||
    { echo "topology.sh: /run/netns is not a private tmpfs: run from bench/proxy.sh" >&2; exit 1; }

ip link set lo up
sysctl_ns() { # NS|'' KEY VALUE
    if [[ -n $1 ]]; then
        ip netns exec "$1" sh -c "echo '$3' >/proc/sys/$2"
    else
        echo "$3" >"/proc/sys/$2"
    fi
}
addrs() { # PREFIX FIRST LAST DEV MASK: "addr add PREFIX.K/MASK dev DEV" lines
    local k
    for ((k = $2; k <= $3; k++)); do echo "addr add $1.$k/$5 dev $4"; done
}

case $mode in
one-namespace)
    ip netns add bench-far
    ip link add vnear type veth peer name vfar netns bench-far
    {
        echo "addr add 10.99.0.1/16 dev vnear"
        addrs 10.99.1 1 250 vnear 16
        echo "link set vnear up"
    } | ip -batch -
    {
        echo "addr add 10.99.0.2/16 dev vfar"
        addrs 10.99.2 1 250 vfar 16
        echo "link set vfar up"
        echo "link set lo up"
    } | ip -n bench-far -batch -
    for ns in "" bench-far; do sysctl_ns "$ns" net/ipv4/ip_local_port_range "10000 65535"; done
    sysctl_ns "" net/ipv4/tcp_tw_reuse 1
    ;;
production)
    for ns in bench-client bench-inst bench-far; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
    done
    ip link add hc0 type veth peer name cl0 netns bench-client
    ip link add hi0 type veth peer name host0 netns bench-inst
    ip -n bench-inst link add tailscale0 type veth peer name tspeer netns bench-far
    {
        echo "addr add 10.98.0.1/16 dev hc0"
        addrs 10.98.2 1 250 hc0 16
        echo "addr add 10.97.0.1/16 dev hi0"
        echo "link set hc0 up"
        echo "link set hi0 up"
        echo "route add 100.64.0.0/10 via 10.97.0.2"
    } | ip -batch -
    {
        echo "addr add 10.98.0.2/16 dev cl0"
        addrs 10.98.1 1 250 cl0 16
        echo "link set cl0 up"
        echo "route add default via 10.98.0.1"
    } | ip -n bench-client -batch -
    {
        echo "addr add 10.97.0.2/16 dev host0"
        addrs 10.97.2 1 250 host0 16
        echo "addr add 100.64.0.1/32 dev tailscale0"
        echo "link set host0 up"
        echo "link set tailscale0 up"
        echo "route add default via 10.97.0.1"
        echo "route add 100.64.0.0/10 dev tailscale0 src 100.64.0.1"
    } | ip -n bench-inst -batch -
    {
        addrs 100.80.0 1 250 tspeer 10
        echo "link set tspeer up"
        echo "route add 10.98.0.0/16 via 100.64.0.1 dev tspeer onlink"
    } | ip -n bench-far -batch -
    for ns in "" bench-client bench-inst bench-far; do
        sysctl_ns "$ns" net/ipv4/ip_local_port_range "10000 65535"
        # the direct row's replies come back over another link than they left by
        ${ns:+ip netns exec "$ns"} sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >"$f"; done'
    done
    for ns in "" bench-client bench-inst; do sysctl_ns "$ns" net/ipv4/tcp_tw_reuse 1; done
    for ns in "" bench-inst; do sysctl_ns "$ns" net/ipv4/ip_forward 1; done
    ;;
*)
    echo "topology.sh: unknown mode '$mode' (production or one-namespace)" >&2
    exit 1
    ;;
esac
