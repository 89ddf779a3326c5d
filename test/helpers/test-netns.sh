#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-netns.sh: tsproxy-netns against the real kernel, checked with ip(8).
#
# Usage: test-netns.sh PATH-TO-tsproxy-netns
#
# The script re-executes itself inside fresh mount and network namespaces (unshare
# --mount --net --propagation private) with a tmpfs over /run, so /run/netns,
# /run/tsproxy, every link, rule and sysctl it touches are private to the test and
# vanish with it; the host is never changed. Needs root; skips (77) otherwise.
# Prints TAP-like "ok N - what" / "not ok N - what" lines; exits 1 if any failed.

set -u

BIN=${1:-}
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
        echo "usage: $0 PATH-TO-tsproxy-netns" >&2
        exit 2
fi
BIN=$(realpath "$BIN")

if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root (it makes network namespaces, veths and mounts in a private namespace)"
        exit 77
fi
for tool in ip unshare ping setpriv stat; do
        if ! command -v "$tool" >/dev/null; then
                echo "SKIP: needs $tool"
                exit 77
        fi
done

if [ -z "${TSPROXY_TEST_NETNS_INNER:-}" ]; then
        if ! unshare --mount --net --propagation private true 2>/dev/null; then
                echo "SKIP: cannot unshare mount and network namespaces here"
                exit 77
        fi
        exec unshare --mount --net --propagation private \
                env TSPROXY_TEST_NETNS_INNER=1 bash "$(realpath "$0")" "$BIN"
fi

# ---- from here on: private mount + network namespace ------------------------------------
# tmpfs over /run: /run/netns (so `ip netns exec` finds our namespaces) and /run/tsproxy
# are the test's own; the host's /run is untouched.
mount -t tmpfs -o mode=0755 tsproxy-test /run || { echo "SKIP: cannot mount tmpfs on /run"; exit 77; }
# Shared, as systemd makes / and /run on a host (a new peer group of this namespace only).
mount --make-shared /run
WORK=$(mktemp -d /run/test-netns.XXXXXX)
export TSPROXY_NETNS_DIR=/run/netns
export TSPROXY_RUNTIME_DIR=/run/tsproxy
ip link set lo up

N=0
FAILED=0

cleanup() {
        local i
        for i in fgpu work other v31 custom clash par1 par2 par3 par4; do
                "$BIN" down "$i" >/dev/null 2>&1
        done
        "$BIN" down custom --host-if tsx-custom >/dev/null 2>&1
        rm -rf "$WORK"
}
trap cleanup EXIT

# check "what" command...: one numbered result line.
check() {
        local what=$1
        shift
        N=$((N + 1))
        if "$@" >"$WORK/out" 2>&1; then
                echo "ok $N - $what"
        else
                echo "not ok $N - $what"
                sed 's/^/#   /' "$WORK/out"
                FAILED=1
        fi
}

# check_fails "what" command...: the command must fail.
check_fails() {
        local what=$1
        shift
        N=$((N + 1))
        if "$@" >"$WORK/out" 2>&1; then
                echo "not ok $N - $what (it succeeded)"
                sed 's/^/#   /' "$WORK/out"
                FAILED=1
        else
                echo "ok $N - $what"
        fi
}

nsx() { ip netns exec "$1" "${@:2}"; }
is_nsfs() { [ "$(stat -f -c %T "/run/netns/$1")" = nsfs ]; }
has_addr() { ip -o -4 addr show dev "$1" | grep -q " inet $2 "; }
ns_has_addr() { nsx "$1" ip -o -4 addr show dev host0 | grep -q " inet $2 "; }
link_up() { ip -o link show dev "$1" | grep -q '[<,]UP[,>]'; }
ns_link_up() { nsx "$1" ip -o link show dev "$2" | grep -q '[<,]UP[,>]'; }
ns_default_via() { nsx "$1" ip -4 route show default | grep -q "^default via $2 dev host0"; }
has_rule() { ip -4 rule show priority 5200 | grep -q "to $1 lookup main"; }
no_rule() { ! ip -4 rule show priority 5200 | grep -q "to $1 "; }
# The iif rules of veth $1 in family $2 (-4, -6): lookup main at 5200, unreachable at 5201.
has_iif_rules() {
        ip "$2" rule show priority 5200 | grep -q "iif $1 lookup main" &&
                ip "$2" rule show priority 5201 | grep -q "iif $1 unreachable"
}
no_iif_rules() { ! ip -4 rule show | grep -q "iif $1 " && ! ip -6 rule show | grep -q "iif $1 "; }
ns_unreachable() { nsx "$1" ip "$2" route show "$3" | grep -q "^unreachable $3"; }
sysctl_is_1() { [ "$(cat "/proc/sys/net/ipv4/$1")" = 1 ]; }
ns_ping() { nsx "$1" ping -c 1 -W 2 "$2"; }
# The host reaches the namespace (the guard lets the replies back in; the other way
# round the backstop table drops it).
host_ping() { ping -c 1 -W 2 "$1"; }
backstop_has() { nft list table inet "tsguard-$1" 2>/dev/null | grep -qE -- "$2"; }
no_backstop() { ! nft list table inet "tsguard-$1" >/dev/null 2>&1; }
# The backstop is built as netlink messages (libnftnl, helpers/lib/nft-batch.c); the text
# of nft-ruleset.c, which `up` logs at debug level, is the spec: does nft list table $1 as
# it lists that text loaded by nft itself in a fresh namespace (counters zeroed)?
backstop_lists_as_logged() { # $1: instance, $2: up's debug log
        sed -n '/^add table/,/^}$/p' "$2" >"$WORK/spec.nft"
        grep -q '^table inet' "$WORK/spec.nft" || { echo "no ruleset in $2"; return 1; }
        nft list table inet "tsguard-$1" | sed 's/counter packets [0-9]* bytes [0-9]*/counter/' >"$WORK/loaded.list"
        unshare --net sh -c 'nft -f "$1" && nft list table inet "$2"' sh "$WORK/spec.nft" "tsguard-$1" |
                sed 's/counter packets [0-9]* bytes [0-9]*/counter/' >"$WORK/spec.list"
        diff -u "$WORK/spec.list" "$WORK/loaded.list"
}
peer_in_ns() { nsx "$1" ip -o link show dev host0 | grep -q 'host0@'; }
no_link() { ! ip link show dev "$1" >/dev/null 2>&1; }
no_netns() { [ ! -e "/run/netns/$1" ] && ! grep -q " /run/netns/$1 " /proc/self/mountinfo; }
gone() { no_link "ts-$1" && no_netns "$1" && [ ! -e "/run/tsproxy/$1" ]; }

# Everything `up NAME --subnet NET/P` must have made, host address H and namespace address S.
check_up_state() {
        local name=$1 net=$2 h=$3 s=$4 p=$5
        check "$name: /run/netns/$name is an nsfs mount" is_nsfs "$name"
        check "$name: ip netns exec $name true" nsx "$name" true
        check "$name: ts-$name has $h/$p" has_addr "ts-$name" "$h/$p"
        check "$name: host0 in the namespace has $s/$p" ns_has_addr "$name" "$s/$p"
        check "$name: ts-$name is up" link_up "ts-$name"
        check "$name: host0 is up" ns_link_up "$name" host0
        check "$name: lo is up in the namespace" ns_link_up "$name" lo
        check "$name: default route in the namespace via $h" ns_default_via "$name" "$h"
        check "$name: rule 'to $net/$p lookup main' at priority 5200" has_rule "$net/$p"
        check "$name: rules 'iif ts-$name lookup main' (5200) and 'unreachable' (5201), IPv4" \
                has_iif_rules "ts-$name" -4
        check "$name: the same rules for IPv6" has_iif_rules "ts-$name" -6
        check "$name: 'unreachable 100.64.0.0/10' in the namespace" ns_unreachable "$name" -4 100.64.0.0/10
        check "$name: 'unreachable fd7a:115c:a1e0::/48' in the namespace" \
                ns_unreachable "$name" -6 fd7a:115c:a1e0::/48
        check "$name: forwarding on ts-$name is 1" sysctl_is_1 "conf/ts-$name/forwarding"
        check "$name: ping from the host to the namespace's $s" host_ping "$s"
        check "$name: the guard's backstop table tsguard-$name drops the namespace's way to the host" \
                backstop_has "$name" 'iifname "ts-'"$name"'" counter packets [0-9]+ bytes [0-9]+ drop comment "guard: namespace cannot reach the host"'
        check_fails "$name: ... so the namespace cannot ping the host end" ns_ping "$name" "$h"
}

# The IPv4 state of host and namespaces (IPv6 link-local DAD flags change over time).
snapshot() {
        local n
        {
                ip -o link show | awk '{ print $2, $3 }'
                ip -o -4 addr show | awk '{ print $2, $4 }'
                ip -4 rule show
                ip -4 route show
                for n in $(ls /run/netns 2>/dev/null); do
                        echo "== $n"
                        nsx "$n" ip -o link show | awk '{ print $2, $3 }'
                        nsx "$n" ip -o -4 addr show | awk '{ print $2, $4 }'
                        nsx "$n" ip -4 route show
                done
        } >"$1" 2>&1
}

# ---- argument handling -------------------------------------------------------------------
check_fails "up without --subnet fails" "$BIN" up fgpu
check_fails "up with a /29 fails" "$BIN" up fgpu --subnet 10.200.0.0/29
check_fails "up with host bits set fails" "$BIN" up fgpu --subnet 10.200.0.5/30
check_fails "invalid instance name fails" "$BIN" up Bad.Name --subnet 10.200.0.4/30
check "--help works" "$BIN" --help
check "--version works" "$BIN" --version
"$BIN" unconfigured fgpu >"$WORK/unconf" 2>&1
rc=$?
check "unconfigured exits 78 (EX_CONFIG: units do not restart it)" [ "$rc" = 78 ]
check "unconfigured names the instance and the generator's journal" \
        grep -q "Instance 'fgpu' has no valid configuration in /etc/tsproxy (see \`journalctl -b -t tsproxy-generator\`)" "$WORK/unconf"

# ---- up, idempotent, ip_forward -------------------------------------------------------------
check "up fgpu" "$BIN" up fgpu --subnet 10.200.0.4/30
check_up_state fgpu 10.200.0.4 10.200.0.5 10.200.0.6 30
TSPROXY_LOG_LEVEL=debug "$BIN" up fgpu --subnet 10.200.0.4/30 >"$WORK/up-debug" 2>&1
check "up fgpu again, at debug level (replaces the backstop)" [ "$?" = 0 ]
check "fgpu: nft lists the backstop as the ruleset text up logged" backstop_lists_as_logged fgpu "$WORK/up-debug"
check "ip_forward is 1 without --uplink" sysctl_is_1 ip_forward
check "the peer of ts-fgpu is host0 in the namespace" peer_in_ns fgpu
snapshot "$WORK/before"
check "up fgpu a second time" "$BIN" up fgpu --subnet 10.200.0.4/30
snapshot "$WORK/after"
check "the second up changed nothing" diff -u "$WORK/before" "$WORK/after"

# ---- failure after reuse: nothing of the existing state is removed ------------------------------
check_fails "up fgpu with a missing uplink fails" "$BIN" up fgpu --subnet 10.200.0.4/30 --uplink nosuch0
snapshot "$WORK/after2"
check "a failed up on a working instance leaves it as it was" diff -u "$WORK/before" "$WORK/after2"

# ---- down, twice -----------------------------------------------------------------------------
"$BIN" resolv-conf fgpu >/dev/null 2>&1 # something in /run/tsproxy/fgpu for down to remove
check "down fgpu" "$BIN" down fgpu
check "down removed veth, namespace and runtime dir" gone fgpu
check "down removed the rule" no_rule 10.200.0.4/30
check "down removed the iif rules" no_iif_rules ts-fgpu
check "down removed the backstop table" no_backstop fgpu
check "down fgpu again succeeds" "$BIN" down fgpu
check "down of a never-created instance succeeds" "$BIN" down never

# ---- rollback: a failing up leaves nothing behind ------------------------------------------------
snapshot "$WORK/clean"
check_fails "up with a missing uplink fails" "$BIN" up fgpu --subnet 10.200.0.4/30 --uplink nosuch0
check "the failed up left no veth, namespace or runtime dir" gone fgpu
check "the failed up left no rule" no_rule 10.200.0.4/30
check "the failed up left no iif rule" no_iif_rules ts-fgpu
check "the failed up left no backstop table" no_backstop fgpu
snapshot "$WORK/clean2"
check "the failed up left everything as before" diff -u "$WORK/clean" "$WORK/clean2"
check "--uplink lo: forwarding on the uplink" "$BIN" up fgpu --subnet 10.200.0.4/30 --uplink lo
check "--uplink lo: conf/lo/forwarding is 1" sysctl_is_1 conf/lo/forwarding
"$BIN" down fgpu >/dev/null 2>&1

# ---- crash states ------------------------------------------------------------------------------
# (a) the namespace file exists but is no mount (crash between create and mount)
mkdir -p /run/netns && : >/run/netns/fgpu
check "(a) up over a stale namespace file" "$BIN" up fgpu --subnet 10.200.0.4/30
check_up_state fgpu 10.200.0.4 10.200.0.5 10.200.0.6 30
"$BIN" down fgpu >/dev/null 2>&1

# (b) a stale host veth whose namespace is gone
ip link add ts-fgpu type veth peer name stale0
check "(b) up with a stale ts-fgpu in the host" "$BIN" up fgpu --subnet 10.200.0.4/30
check_up_state fgpu 10.200.0.4 10.200.0.5 10.200.0.6 30
check "(b) the stale pair is gone" no_link stale0
"$BIN" down fgpu >/dev/null 2>&1

# (c) namespace there, veth missing
"$BIN" up fgpu --subnet 10.200.0.4/30 >/dev/null 2>&1
ip link del ts-fgpu
check "(c) up with the namespace but no veth" "$BIN" up fgpu --subnet 10.200.0.4/30
check_up_state fgpu 10.200.0.4 10.200.0.5 10.200.0.6 30

# (d) the subnet changed between runs: the old rule and addresses go
check "(d) up fgpu with another subnet" "$BIN" up fgpu --subnet 10.200.0.8/30
check_up_state fgpu 10.200.0.8 10.200.0.9 10.200.0.10 30
check "(d) the rule of the old subnet is gone" no_rule 10.200.0.4/30
check "(d) the old address is gone" bash -c '! ip -o -4 addr show dev ts-fgpu | grep -q 10.200.0.5/'
"$BIN" down fgpu >/dev/null 2>&1

# (e) the namespace was deleted by hand: `down --subnet` still finds the rule
"$BIN" up fgpu --subnet 10.200.0.4/30 >/dev/null 2>&1
ip netns del fgpu
for _ in $(seq 50); do no_link ts-fgpu && break; sleep 0.1; done
check "(e) down --subnet after the namespace was deleted by hand" "$BIN" down fgpu --subnet 10.200.0.4/30
check "(e) the orphaned rule is gone" no_rule 10.200.0.4/30
check "(e) the iif rules, named after the deleted veth, are gone" no_iif_rules ts-fgpu

# ---- the routing layer alone, against a host that runs tailscale -----------------------------------
# The host's own tailnet as tailscaled sets it up: a tailscale0 link, rule 5270 'lookup 52',
# a home peer, MagicDNS and an exit node's default route in table 52; an uplink with the
# main table's default route. Only route lookups here (no nft table, no traffic): the
# routes and rules must hold on their own.
ip link add tailscale0 type veth peer name home0
ip link set tailscale0 up
ip link add uplink0 type veth peer name wan0
ip addr add 192.0.2.2/24 dev uplink0
ip link set uplink0 up
ip route add default via 192.0.2.1 dev uplink0
ip rule add priority 5270 lookup 52
ip route add 100.64.0.1/32 dev tailscale0 table 52
ip route add 100.100.100.100/32 dev tailscale0 table 52
ip route add default dev tailscale0 table 52
"$BIN" up fgpu --subnet 10.200.0.4/30 >/dev/null 2>&1
route_dev() { ip -o route get "$@" 2>&1; }
check_fails "namespace: no route to the home peer 100.64.0.1 (unreachable)" nsx fgpu ip route get 100.64.0.1
check_fails "namespace: no route to MagicDNS 100.100.100.100" nsx fgpu ip route get 100.100.100.100
check_fails "namespace: no route to fd7a:115c:a1e0::1" nsx fgpu ip -6 route get fd7a:115c:a1e0::1
check "namespace: the internet still goes via the host end" bash -c \
        "ip netns exec fgpu ip -o route get 192.0.2.1 | grep -q 'via 10.200.0.5 dev host0'"
check "host: the namespace's traffic to the internet leaves by the uplink, not the exit node" bash -c \
        "ip -o route get 198.51.100.1 from 10.200.0.6 iif ts-fgpu | grep -q 'dev uplink0'"
check "host: its own traffic takes the exit node (the simulation holds)" bash -c \
        "ip -o route get 198.51.100.1 | grep -q 'dev tailscale0'"
check_fails "host: the namespace's traffic to the home peer is not routed to tailscale0" bash -c \
        "ip -o route get 100.64.0.1 from 10.200.0.6 iif ts-fgpu | grep -q tailscale0"
ip route del default via 192.0.2.1 dev uplink0
check_fails "host without a default route in main: the namespace's traffic is refused, not sent to the exit node" \
        bash -c "ip -o route get 198.51.100.1 from 10.200.0.6 iif ts-fgpu"
# The instance's own tailscaled, once logged in: its rules and table 52 win over main.
nsx fgpu ip link add tailscale0 type veth peer name tpeer0
nsx fgpu ip link set tailscale0 up
nsx fgpu ip rule add priority 5270 lookup 52
nsx fgpu ip route add 100.64.0.1/32 dev tailscale0 table 52
check "namespace: with its own tailscaled's table 52 the peer goes through its tailscale0" bash -c \
        "ip netns exec fgpu ip -o route get 100.64.0.1 | grep -q 'dev tailscale0'"
check_fails "namespace: an address its tailscaled does not route stays unreachable" \
        nsx fgpu ip route get 100.64.0.2
"$BIN" down fgpu >/dev/null 2>&1
ip rule del priority 5270 lookup 52
ip link del tailscale0
ip link del uplink0

# ---- two instances side by side, a /31, --host-if -----------------------------------------------
check "up work" "$BIN" up work --subnet 10.200.0.4/30
check "up other" "$BIN" up other --subnet 10.200.0.8/30
check "up v31 (/31)" "$BIN" up v31 --subnet 10.200.0.12/31
check_up_state work 10.200.0.4 10.200.0.5 10.200.0.6 30
check_up_state other 10.200.0.8 10.200.0.9 10.200.0.10 30
check_up_state v31 10.200.0.12 10.200.0.12 10.200.0.13 31
check "the namespaces are separate (work cannot see other's host0 address)" \
        bash -c '! ip netns exec work ip -o addr | grep -q 10.200.0.10'
snapshot "$WORK/three"
check_fails "up clash with the subnet of 'work' fails" "$BIN" up clash --subnet 10.200.0.4/30
check "the clash left no veth, namespace or runtime dir" gone clash
snapshot "$WORK/three2"
check "the clash left the other instances as they were" diff -u "$WORK/three" "$WORK/three2"
check "down work" "$BIN" down work
check "work is gone" gone work
check_up_state other 10.200.0.8 10.200.0.9 10.200.0.10 30
"$BIN" down other >/dev/null 2>&1
"$BIN" down v31 >/dev/null 2>&1
check "up custom --host-if tsx-custom" "$BIN" up custom --subnet 10.200.0.16/30 --host-if tsx-custom
check "custom: tsx-custom has 10.200.0.17/30" has_addr tsx-custom 10.200.0.17/30
check "down custom --host-if tsx-custom" "$BIN" down custom --host-if tsx-custom
check "custom: tsx-custom and the rule are gone" bash -c '! ip link show tsx-custom 2>/dev/null && ! ip rule | grep -q 10.200.0.16'

# ---- four instances in parallel: one shared /run/netns mount, all complete ---------------------
pids=()
for i in 1 2 3 4; do
        "$BIN" up "par$i" --subnet "10.200.1.$((i * 4))/30" >"$WORK/par$i" 2>&1 &
        pids+=($!)
done
rcs=0
for p in "${pids[@]}"; do wait "$p" || rcs=1; done
check "four parallel ups succeed" [ "$rcs" = 0 ]
check "/run/netns is mounted exactly once" [ "$(grep -c ' /run/netns rw' /proc/self/mountinfo)" = 1 ]
# One mount line per namespace: the /run/netns under the bind (in /run's peer group)
# must not receive a copy of each (bench/README.md: every line costs each unit's start).
for i in 1 2 3 4; do
        check "par$i: /run/netns/par$i is one mount line" [ "$(grep -c " /run/netns/par$i " /proc/self/mountinfo)" = 1 ]
done
for i in 1 2 3 4; do
        check "par$i: ping from the host into the namespace" host_ping "10.200.1.$((i * 4 + 2))"
        "$BIN" down "par$i" >/dev/null 2>&1
done
check "the parallel instances are gone" bash -c '! ls /run/netns | grep -q par && ! ip link | grep -q ts-par'

# ---- capabilities: CAP_NET_ADMIN + CAP_SYS_ADMIN suffice; without SYS_ADMIN up fails --------------
caps() { setpriv --inh-caps=-all --bounding-set=-all,"$1" -- "${@:2}"; }
check "up with only CAP_NET_ADMIN,CAP_SYS_ADMIN" caps +net_admin,+sys_admin "$BIN" up fgpu --subnet 10.200.0.4/30
check_up_state fgpu 10.200.0.4 10.200.0.5 10.200.0.6 30
check "down with only CAP_NET_ADMIN,CAP_SYS_ADMIN" caps +net_admin,+sys_admin "$BIN" down fgpu
check "down with few capabilities removed everything" gone fgpu
check_fails "up with only CAP_NET_ADMIN fails" caps +net_admin "$BIN" up fgpu --subnet 10.200.0.4/30
check "... and leaves nothing behind" gone fgpu

# ---- resolv-conf ---------------------------------------------------------------------------------
printf '# stub\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n' >"$WORK/stub"
printf 'nameserver 192.0.2.53\nnameserver 100.100.100.100\nsearch home.example\n' >"$WORK/upstream"
export TSPROXY_RESOLV_CONF=$WORK/stub TSPROXY_RESOLVED_CONF=$WORK/upstream
check "resolv-conf with a stub-only resolv.conf" "$BIN" resolv-conf fgpu
R=/run/tsproxy/fgpu
check "resolv.conf has the header" grep -qx "# Generated by tsproxy-netns for instance fgpu: the host's upstream DNS servers" $R/resolv.conf
check "resolv.conf has the fallback's upstream server" grep -qx 'nameserver 192.0.2.53' $R/resolv.conf
check "resolv.conf has no loopback or MagicDNS server" bash -c "! grep -Eq '^nameserver (127\\.|100\\.100\\.100\\.100)' $R/resolv.conf"
check "resolv.conf keeps the fallback's search line" grep -qx 'search home.example' $R/resolv.conf
check "resolv.tailnet.conf names MagicDNS" grep -qx 'nameserver 100.100.100.100' $R/resolv.tailnet.conf
check "both files are 0644, the directory 0755" \
        [ "$(stat -c %a $R/resolv.conf $R/resolv.tailnet.conf $R)" = "$(printf '644\n644\n755')" ]
# The host's tailscaled in direct DNS mode: its resolv.conf names its MagicDNS and
# its tailnet's search domain; the host's own servers are in tailscaled's backup.
printf '# resolv.conf(5) file generated by tailscale\nnameserver 100.100.100.100\nsearch tail1234.ts.net\n' >"$WORK/ts-owned"
printf 'nameserver 192.0.2.77\nsearch corp.example\n' >"$WORK/ts-backup"
TSPROXY_RESOLV_CONF=$WORK/ts-owned TSPROXY_TAILSCALE_BACKUP_CONF=$WORK/ts-backup check \
        "resolv-conf with the host tailscaled's direct-mode resolv.conf" "$BIN" resolv-conf fgpu
check "... takes the servers and search domains of tailscaled's backup" \
        bash -c "grep -qx 'nameserver 192.0.2.77' $R/resolv.conf && grep -qx 'search corp.example' $R/resolv.conf"
check "... and nothing of the host's tailnet" bash -c "! grep -v '^#' $R/resolv.conf | grep -Eq '100\.100|ts\.net'"
printf 'nameserver 100.100.100.100\n' >"$WORK/upstream"
check_fails "resolv-conf with no usable server fails" "$BIN" resolv-conf fgpu
check "... and leaves a resolv.conf of comments only" bash -c "! grep -qv '^#' $R/resolv.conf"
check "down removes the resolv files" "$BIN" down fgpu
check "/run/tsproxy/fgpu is gone" [ ! -e $R ]

exit $FAILED
