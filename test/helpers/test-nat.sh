#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-nat.sh: tsproxy-nat against a real kernel, inside throwaway namespaces.
#
# Usage: test-nat.sh PATH-TO-tsproxy-nat   (meson test, suite 'helpers'; needs root)
#
# Re-executes itself in new mount and network namespaces, so the host's rules, links
# and sysctls are never touched. Topology, all inside that network namespace:
#
#   inst ns                 test "host" ns                       internet ns
#   host0 10.200.0.6/30 --- ts-t1 10.200.0.5/30
#                           uplink0 192.0.2.2/24 --------------- eth0 192.0.2.1/24
#                           tailscale0 100.90.9.9/32 ----------- eth0 100.64.0.1, 198.51.100.1
#                                                                home ns (the host's tailnet)
#
# The host's own tailnet is routed through tailscale0 in the main table here (no policy
# rules, no table 52): this tests the nft guard alone, which must drop what the routes
# would carry into the home tailnet.
#
# The scaffolding uses ip, nft and python3; the helper itself only libnftnl. Every
# check prints "ok N - what" or "not ok N - what"; exit 1 if any failed, 77 if the test
# cannot run here.
set -u

NAT=${1:-}
if [ -z "$NAT" ] || [ ! -x "$NAT" ]; then
        echo "usage: $0 PATH-TO-tsproxy-nat" >&2
        exit 2
fi
if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root (network namespaces and nftables)"
        exit 77
fi
for tool in unshare ip nft setpriv python3 timeout; do
        if ! command -v "$tool" >/dev/null; then
                echo "SKIP: '$tool' is not installed"
                exit 77
        fi
done

if [ -z "${TSPROXY_TEST_NAT_INNER:-}" ]; then
        NAT=$(realpath "$NAT")
        exec env TSPROXY_TEST_NAT_INNER=1 unshare --mount --net --propagation private -- "$0" "$NAT"
fi

# ---------------------------------------------------------------------------------------
# Inside our own mount and network namespaces from here on.

if [ -d /run/netns ]; then
        mount -t tmpfs tsproxy-test /run/netns || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
else
        mount -t tmpfs tsproxy-test /run || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
        mkdir /run/netns
fi

T=$(mktemp -d /tmp/test-nat.XXXXXX)
chmod 755 "$T"
PIDS=()
NAT_PID=
n=0
failed=0

cleanup() {
        local p
        for p in "${PIDS[@]}"; do
                kill "$p" 2>/dev/null
        done
        for p in "${PIDS[@]}"; do
                wait "$p" 2>/dev/null
        done
        rm -rf "$T"
}
trap cleanup EXIT

check() {
        local what=$1
        shift
        n=$((n + 1))
        if "$@"; then
                echo "ok $n - $what"
        else
                echo "not ok $n - $what"
                failed=1
        fi
}

# wait_until SECONDS COMMAND...: poll every 0.1 s.
wait_until() {
        local i limit=$(($1 * 10))
        shift
        for ((i = 0; i < limit; i++)); do
                "$@" && return 0
                sleep 0.1
        done
        return 1
}

cat >"$T/tool.py" <<'EOF'
# Small servers and clients for the checks; every one bounded in time.
import os, signal, socket, sys

signal.alarm(120)  # never outlive a stuck test
cmd, args = sys.argv[1], sys.argv[2:]

def append(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")

if cmd == "tcp-serve":  # ADDR PORT OUT: log each peer's address
    addr, port, out = args[0], int(args[1]), args[2]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    open(out + ".ready", "w").close()
    while True:
        c, peer = s.accept()
        append(out, peer[0])
        c.close()
elif cmd == "tcp-connect":  # ADDR PORT TIMEOUT: exit 0 if the connection is made
    s = socket.socket()
    s.settimeout(float(args[2]))
    try:
        s.connect((args[0], int(args[1])))
    except OSError:
        sys.exit(1)
    s.close()
elif cmd == "udp-serve":  # ADDR PORT OUT: log "PEER MESSAGE" per datagram
    addr, port, out = args[0], int(args[1]), args[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    open(out + ".ready", "w").close()
    while True:
        data, peer = s.recvfrom(2048)
        append(out, peer[0] + " " + data.decode(errors="replace"))
elif cmd == "udp-send":  # ADDR PORT MESSAGE
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(args[2].encode(), (args[0], int(args[1])))
elif cmd == "notify-listen":  # PATH OUT: sd_notify receiver, one line per assignment
    path, out = args[0], args[1]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o777)  # the helper runs as nobody in one of the checks
    open(out + ".ready", "w").close()
    while True:
        for line in s.recv(4096).decode(errors="replace").splitlines():
            append(out, line)
else:
    sys.exit("unknown command " + cmd)
EOF

py() { timeout 20 python3 "$T/tool.py" "$@"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# Background a command, remembering the PID of the command itself (not of a subshell
# running a function: killing that would orphan the server, which then holds the test's
# output pipe open and meson waits forever).
bg() { "$@" & PIDS+=($!); }
bg_in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@" & PIDS+=($!); }

# --- topology --------------------------------------------------------------------------
set -e
ip link set lo up
ip netns add inst
ip netns add internet
ip netns add home
in_ns home ip link set lo up
in_ns inst ip link set lo up
in_ns internet ip link set lo up
ip link add ts-t1 type veth peer name host0 netns inst
ip addr add 10.200.0.5/30 dev ts-t1
ip link set ts-t1 up
in_ns inst ip addr add 10.200.0.6/30 dev host0
in_ns inst ip link set host0 up
in_ns inst ip route add default via 10.200.0.5
ip link add uplink0 type veth peer name eth0 netns internet
ip addr add 192.0.2.2/24 dev uplink0
ip link set uplink0 up
in_ns internet ip addr add 192.0.2.1/24 dev eth0
in_ns internet ip link set eth0 up
ip link add tailscale0 type veth peer name eth0 netns home
ip addr add 100.90.9.9/32 dev tailscale0
ip link set tailscale0 up
ip route add 100.64.0.1/32 dev tailscale0
ip route add 198.51.100.0/24 dev tailscale0
# A tailnet address routed out of the uplink (as a route of Uplink='s network could):
# the guard's range rule alone must drop it.
in_ns internet ip addr add 100.64.0.2/32 dev eth0
in_ns internet ip route add 10.200.0.4/30 via 192.0.2.2 # replies for the control check
ip route add 100.64.0.2/32 via 192.0.2.1 dev uplink0
in_ns home ip addr add 100.64.0.1/32 dev eth0
in_ns home ip addr add 198.51.100.1/32 dev eth0
in_ns home ip link set eth0 up
in_ns home ip route add 100.90.9.9/32 dev eth0
in_ns home ip route add default via 100.90.9.9 dev eth0
sysctl -q -w net.ipv4.ip_forward=1 # this network namespace only
set +e

TABLE=tsproxy-t1
table_exists() { nft list table inet $TABLE >/dev/null 2>&1; }
table_gone() { ! table_exists; }
table_has() { nft list table inet $TABLE 2>/dev/null | grep -q -- "$1"; }
file_has() { [ -f "$1" ] && grep -q -- "$2" "$1"; }
alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! alive "$1"; }
can_connect() { in_ns inst python3 "$T/tool.py" tcp-connect "$1" "$2" 2; }
cannot_connect() { ! can_connect "$@"; }

bg_in_ns internet python3 "$T/tool.py" tcp-serve 192.0.2.1 8080 "$T/internet-tcp"
bg python3 "$T/tool.py" tcp-serve 0.0.0.0 8081 "$T/host-tcp"
bg_in_ns home python3 "$T/tool.py" tcp-serve 0.0.0.0 8082 "$T/home-tcp"
bg_in_ns internet python3 "$T/tool.py" tcp-serve 100.64.0.2 8082 "$T/cgnat-tcp"
bg_in_ns inst python3 "$T/tool.py" udp-serve 0.0.0.0 41642 "$T/inst-udp"
bg python3 "$T/tool.py" notify-listen "$T/notify.sock" "$T/notify"
for f in internet-tcp host-tcp home-tcp cgnat-tcp inst-udp notify; do
        wait_until 5 test -e "$T/$f.ready" || { echo "Bail out! server $f did not start"; exit 1; }
done

check "without tsproxy-nat the namespace reaches the host (control)" can_connect 10.200.0.5 8081
check "without tsproxy-nat the namespace reaches the home tailnet peer (control)" can_connect 100.64.0.1 8082
check "... and an address behind the host's tailscale0 (control)" can_connect 198.51.100.1 8082
check "... and a tailnet address routed out of the uplink (control)" can_connect 100.64.0.2 8082

# The guard against the host's tailnet: by range and by interface.
guard_holds() {
        cannot_connect 100.64.0.1 8082 && cannot_connect 198.51.100.1 8082 && cannot_connect 100.64.0.2 8082
}

# tsproxy-nat builds its table as netlink messages (libnftnl, helpers/lib/nft-batch.c);
# the text of nft-ruleset.c, which it logs at debug level, is the spec. Does nft list the
# loaded table as it lists that text loaded by nft itself in a fresh namespace? Counters
# are zeroed, the owner flag and its comment left out (checked on their own).
normalized() { sed -e 's/ # progname.*//' -e '/^\tflags owner$/d' -e '/^$/d' -e 's/counter packets [0-9]* bytes [0-9]*/counter/'; }
lists_as_logged() { # $1: the helper's debug log
        sed -n '/^add table/,/^}$/p' "$1" | sed '/^\tflags owner$/d' >"$T/spec.nft" # nft's own would go with nft
        grep -q '^table inet' "$T/spec.nft" || { echo "no ruleset in $1"; return 1; }
        nft list table inet $TABLE | normalized >"$T/loaded.list"
        unshare --net sh -c 'nft -f "$1" && nft list table inet "$2"' sh "$T/spec.nft" $TABLE | normalized >"$T/spec.list"
        diff -u "$T/spec.list" "$T/loaded.list"
}

# A leftover table without the owner flag (manual work, an older version): replaced.
nft add table inet $TABLE
nft add chain inet $TABLE leftover

# --- first run: unprivileged, like the unit (DynamicUser, CAP_NET_ADMIN only) ----------
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=debug \
        setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_admin --ambient-caps=+net_admin \
        "$NAT" t1 --subnet 10.200.0.4/30 --port 41642 --uplink uplink0 2>"$T/nat1.err" &
NAT_PID=$!
PIDS+=($NAT_PID)

check "READY=1 is sent" wait_until 5 file_has "$T/notify" '^READY=1$'
check "STATUS= names subnet, uplink and port" \
        file_has "$T/notify" '^STATUS=Masquerading 10.200.0.4/30 out of uplink0, forwarding UDP 41642$'
check "runs as uid 65534" grep -qE '^Uid:[[:space:]]+65534' /proc/$NAT_PID/status
check "has CAP_NET_ADMIN only" grep -qE '^CapEff:[[:space:]]+0*1000$' /proc/$NAT_PID/status
check "table $TABLE exists with flags owner" table_has "flags owner"
check "table has the masquerade rule" \
        table_has 'ip saddr 10.200.0.4/30 oifname "uplink0" counter packets [0-9]* bytes [0-9]* masquerade'
check "leftover table without owner was replaced" eval '! table_has "chain leftover"'
check "--uplink: nft lists the loaded table as the ruleset text it logged" lists_as_logged "$T/nat1.err"
check "watchdog is pinged" wait_until 3 file_has "$T/notify" '^WATCHDOG=1$'

check "namespace connects to the internet over TCP" can_connect 192.0.2.1 8080
check "the connection arrives from 192.0.2.2 (masqueraded)" wait_until 3 file_has "$T/internet-tcp" '^192\.0\.2\.2$'
check "masquerade counter counts" eval '! table_has "counter packets 0 bytes 0 masquerade"'
check "namespace cannot connect to the host's veth address" cannot_connect 10.200.0.5 8081
check "namespace cannot connect to the host's uplink address" cannot_connect 192.0.2.2 8081
check "--uplink: namespace reaches neither the home tailnet peer nor tailscale0" guard_holds
in_ns internet python3 "$T/tool.py" udp-send 192.0.2.2 41642 "hello-1"
check "UDP to 192.0.2.2:41642 from the internet arrives in the namespace" \
        wait_until 3 file_has "$T/inst-udp" '^192\.0\.2\.1 hello-1$'

nft flush ruleset
check "'nft flush ruleset' leaves the table in place" table_has "flags owner"
nft delete table inet $TABLE 2>/dev/null
check "'nft delete table' by another process fails" table_has "masquerade"

# --- a second helper for the same instance fails, the first keeps its table -------------
SYSTEMD_LOG_TARGET=console timeout 10 "$NAT" t1 --subnet 10.200.0.4/30 --port 41642 --uplink uplink0 \
        2>"$T/nat2.err"
rc=$?
check "second tsproxy-nat for t1 fails (exit 1)" test "$rc" = 1
check "... and says the table is owned by another process" \
        file_has "$T/nat2.err" "already owned by another process.*is another tsproxy-nat for t1 running?"
check "... and the first one's table stays" table_has "flags owner"
check "... and the first one keeps running" alive $NAT_PID

# --- crash: the kernel removes the table ------------------------------------------------
kill -KILL $NAT_PID
wait $NAT_PID 2>/dev/null
check "kill -9: the table is gone" wait_until 3 table_gone

# --- rerun after the crash, as root, without --uplink (any interface but ts-*) ---------
: >"$T/notify"
NOTIFY_SOCKET=$T/notify.sock SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=debug \
        "$NAT" t1 --subnet 10.200.0.4/30 --port 41642 2>"$T/nat3.err" &
NAT_PID=$!
PIDS+=($NAT_PID)
check "restart after the crash: READY=1" wait_until 5 file_has "$T/notify" '^READY=1$'
check "restart: STATUS= says any interface" \
        file_has "$T/notify" '^STATUS=Masquerading 10.200.0.4/30 out of any interface, forwarding UDP 41642$'
check "restart: table is back" table_has "flags owner"
check "no --uplink: nft lists the loaded table as the ruleset text it logged" lists_as_logged "$T/nat3.err"
: >"$T/internet-tcp"
check "restart: namespace connects to the internet" can_connect 192.0.2.1 8080
check "restart: masqueraded to 192.0.2.2" wait_until 3 file_has "$T/internet-tcp" '^192\.0\.2\.2$'
check "restart: namespace still cannot reach the host" cannot_connect 10.200.0.5 8081
check "no --uplink: namespace reaches neither the home tailnet peer nor tailscale0" guard_holds
nft flush ruleset
check "no --uplink, after 'nft flush ruleset': the guard still holds" guard_holds
check "the guard counted the drops at the host's tailscale interface" \
        eval '! table_has "oifname \"tailscale\*\" counter packets 0 "'
check "... and of the tailnet range routed out of the uplink" \
        eval '! table_has "ip daddr 100.64.0.0/10 counter packets 0 "'
# The UDP port forward is for the uplink: a datagram from the home tailnet to the host's
# tailnet address is not forwarded into the namespace.
in_ns home python3 "$T/tool.py" udp-send 100.90.9.9 41642 "from-home"
in_ns internet python3 "$T/tool.py" udp-send 192.0.2.2 41642 "from-internet"
check "the port forward takes the uplink's datagram" wait_until 3 file_has "$T/inst-udp" 'from-internet$'
check "... and not the home tailnet's" eval '! file_has "$T/inst-udp" from-home'
in_ns internet python3 "$T/tool.py" udp-send 192.0.2.2 41642 "hello-2"
check "restart: UDP port forward works" wait_until 3 file_has "$T/inst-udp" '^192\.0\.2\.1 hello-2$'

# --- SIGTERM: clean shutdown -------------------------------------------------------------
kill -TERM $NAT_PID
wait_until 5 dead $NAT_PID
wait $NAT_PID 2>/dev/null
rc=$?
check "SIGTERM: exit status 0" test "$rc" = 0
check "SIGTERM: STOPPING=1 is sent" file_has "$T/notify" '^STOPPING=1$'
check "SIGTERM: the table is gone" table_gone
check "without tsproxy-nat the namespace reaches the host again" can_connect 10.200.0.5 8081

if [ $failed != 0 ]; then
        for f in nat1.err nat2.err nat3.err; do
                echo "# --- $f"
                sed 's/^/# /' "$T/$f"
        done
fi
echo "1..$n"
exit $failed
