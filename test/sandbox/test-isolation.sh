#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-isolation.sh BUILDDIR [DESTDIR]: nothing of an instance reaches the HOST's own
# tailnet, in any state of the instance's tailscaled, under the real systemd of the
# sandbox (tsproxy(8), "Isolation").
#
# The host runs tailscale, as the real daemon sets it up: a tailscale0 link (a veth to the
# namespace sim-home here), rules 5210-5270 with table 52 holding the home peer
# 100.64.0.1/32 and MagicDNS 100.100.100.100/32, later an exit node's default route. In
# sim-home, home-peer.py answers "home-tailnet" on 100.64.0.1 (TCP 80, 8080, UDP 9053)
# and dnsmasq on 100.100.100.100 answers every name with 100.64.0.99. The instances'
# own tailnet (the fake tailscaled's tunnel to sim-inet) has the same addresses: its peer
# 100.64.0.1 answers "you are ..." (whoami, tailnet-targets.py) and its MagicDNS knows
# peer.tailnet.test as 100.64.0.1. So every probe tells by its answer which tailnet it
# reached; a "home-tailnet" or 100.64.0.99 anywhere is a leak.
#
# Two instances: t1 with Uplink=uplink0 and Egress=tailnet, t2 without Uplink= and with
# Egress=any for SOCKS and Forward=. Per state, for each: the namespace itself (TCP and
# DNS), SOCKS (an address and a name), Forward= (TCP and UDP), tsproxy-dns. States:
# logged out (the real tailscaled is ready long before it logs in), logged in, with an
# exit node on the host, after `nft flush ruleset`, starting (logged in but not yet
# connected), crashed (SIGKILL, before systemd restarts it), restarting, logged out
# again, stopped. Then the daemons' egress pinning alone: the namespace routes and the
# nft guard taken out of the way, the daemons still refuse.
set -u

. "$(dirname "$0")/sandbox.sh"

builddir=${1:?usage: $0 BUILDDIR [DESTDIR]}
sandbox_require
command -v curl >/dev/null || skip "'curl' not found"
command -v dig >/dev/null || skip "'dig' not found (bind9-dnsutils)"
[[ -x /usr/bin/python3 ]] || skip "no /usr/bin/python3"

sandbox_install_and_start "$builddir" "${2:-}" || { finish; exit 1; }

LIB=/usr/local/lib/tsproxy-sandbox
wait_for() { local n=$1; shift; while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
not() { ! "$@"; }
for f in home-peer.py tailnet-targets.py; do
    sb sh -c "cat > $LIB/$f && chmod 0755 $LIB/$f" <"$SANDBOX_SRCDIR/$f"
done

# --- the host's own tailnet ----------------------------------------------------------------
home_up() {
    sb sh -e <<'EOF'
ip netns add sim-home
ip -n sim-home link set lo up
ip link add tailscale0 type veth peer name eth0 netns sim-home
ip addr add 100.101.1.1/32 dev tailscale0
ip link set tailscale0 up
ip -n sim-home addr add 100.64.0.1/32 dev eth0
ip -n sim-home addr add 100.100.100.100/32 dev eth0
ip -n sim-home addr add 198.51.100.1/32 dev eth0
ip -n sim-home link set eth0 up
ip -n sim-home route add 100.101.1.1/32 dev eth0
ip -n sim-home route add default via 100.101.1.1 dev eth0
ip netns exec sim-home sysctl -q -w net.ipv4.ip_forward=0
for f in 4 6; do
    ip -$f rule add priority 5210 fwmark 0x80000/0xff0000 lookup main
    ip -$f rule add priority 5230 fwmark 0x80000/0xff0000 lookup default
    ip -$f rule add priority 5250 fwmark 0x80000/0xff0000 unreachable
    ip -$f rule add priority 5270 lookup 52
done
ip route add 100.64.0.1/32 dev tailscale0 table 52
ip route add 100.100.100.100/32 dev tailscale0 table 52
EOF
}
exit_node() { sb ip route "$1" default dev tailscale0 table 52; }
check "the host's own tailnet: tailscale0, rules 5210-5270, table 52 (home peer, MagicDNS)" home_up
check "home-peer answers in sim-home" \
    sb systemd-run --quiet --unit=home-peer -p NetworkNamespacePath=/run/netns/sim-home \
    /usr/bin/python3 "$LIB/home-peer.py"
check "the home MagicDNS answers every name with 100.64.0.99" \
    sb systemd-run --quiet --unit=home-dns -p NetworkNamespacePath=/run/netns/sim-home \
    /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --listen-address=100.100.100.100 \
    --bind-interfaces --address=/#/100.64.0.99 --user=root --pid-file=
check "the instances' tailnet peer serves TCP and UDP on 100.64.0.1 (sim-inet)" \
    sb systemd-run --quiet --unit=tailnet-targets -p NetworkNamespacePath=/run/netns/sim-inet \
    /usr/bin/python3 "$LIB/tailnet-targets.py" 100.64.0.1
home_tcp() { sb timeout 3 bash -c 'exec 3<>/dev/tcp/100.64.0.1/80 && cat <&3' | grep -q '^home-tailnet'; }
check "control: the host itself reaches its home peer through tailscale0" wait_for 50 home_tcp
check_output "control: ... and asks its home MagicDNS" '^100\.64\.0\.99$' \
    sb dig +short +time=2 +tries=1 @100.100.100.100 peer.tailnet.test

# --- two instances --------------------------------------------------------------------------
sb mkdir -p /etc/tsproxy
sb sh -c 'cat > /etc/tsproxy/t1.conf' <<'EOF'
[Instance]
AutoStart=no
[Namespace]
Subnet=10.200.0.4/30
Uplink=uplink0
[Tailscale]
Port=41642
[SOCKS]
Listen=127.0.0.1:1081
[Forward]
Forward=127.0.0.1:2081 100.64.0.1:80
Forward=127.0.0.1:2091 100.64.0.1:9053 udp
[DNS]
Listen=127.0.0.1:5301
TailnetDomain=tailnet.test
EOF
sb sh -c 'cat > /etc/tsproxy/t2.conf' <<'EOF'
[Instance]
AutoStart=no
[Namespace]
Subnet=10.200.0.8/30
[Tailscale]
Port=41643
[SOCKS]
Listen=127.0.0.1:1082
Egress=any
[Forward]
Egress=any
Forward=127.0.0.1:2082 100.64.0.1:80
Forward=127.0.0.1:2092 100.64.0.1:9053 udp
[DNS]
Listen=127.0.0.1:5302
TailnetDomain=tailnet.test
EOF
# A crashed tailscaled stays down 3 s before systemd restarts it: the window to probe.
for n in t1 t2; do
    sb mkdir -p "/etc/systemd/system/tailscaled@$n.service.d"
    sb sh -c "printf '[Service]\nRestartSec=3s\n' > /etc/systemd/system/tailscaled@$n.service.d/90-test.conf"
done
check "daemon-reload" sb systemctl daemon-reload
for n in t1 t2; do
    check "tsproxy@$n.target starts (tailscaled is READY while logged out)" \
        sb timeout 60 systemctl start "tsproxy@$n.target"
done

# --- the probes: each prints what answered --------------------------------------------------
idx() { [[ $1 == t1 ]] && echo 1 || echo 2; }
ns_tcp() { sb ip netns exec "$1" timeout 3 bash -c 'exec 3<>/dev/tcp/100.64.0.1/80 && cat <&3' 2>&1; }
ns_dns() { sb ip netns exec "$1" dig +short +time=2 +tries=1 @100.100.100.100 peer.tailnet.test 2>&1; }
socks_addr() { sb curl -sS --http0.9 --max-time 4 -x "socks5h://127.0.0.1:108$(idx "$1")" http://100.64.0.1/ 2>&1; }
socks_name() {
    sb curl -sS --http0.9 --max-time 4 -x "socks5h://127.0.0.1:108$(idx "$1")" http://peer.tailnet.test/ 2>&1
}
fwd_tcp() { sb timeout 4 bash -c "exec 3<>/dev/tcp/127.0.0.1/208$(idx "$1") && cat <&3" 2>&1; }
fwd_udp() {
    sb timeout 4 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"probe", ("127.0.0.1", int(sys.argv[1])))
try:
    print(s.recv(2048).decode(errors="replace"))
except OSError as e:
    print("no answer:", e)
' "209$(idx "$1")" 2>&1
}
tsdns() { sb dig +time=2 +tries=1 -p "530$(idx "$1")" @127.0.0.1 peer."$1" 2>&1; }
PROBES=(ns_tcp ns_dns socks_addr socks_name fwd_tcp fwd_udp tsdns)

# No probe of instance $1 reaches the home tailnet ($2 names the state).
no_leak() {
    local n=$1 state=$2 p out
    for p in "${PROBES[@]}"; do
        out=$($p "$n")
        if grep -qE 'home-tailnet|100\.64\.0\.99' <<<"$out"; then
            check_rc "$state: $n: $p does not reach the home tailnet" 1 "$out"
        else
            check_rc "$state: $n: $p does not reach the home tailnet" 0
        fi
    done
}
# tsproxy-dns answers SERVFAIL at once, never silence, while MagicDNS is out of reach.
# (tailscaled drops the query while it is not Running: SERVFAIL after tsproxy-dns's 2 s)
# A name of its own each time: tsproxy-dns outlives a crash of tailscaled and keeps
# serving what it cached from its own tailnet (peer.NAME), which is fine.
servfail() {
    sb dig +time=5 +tries=1 -p "530$(idx "$1")" @127.0.0.1 "fresh$RANDOM$RANDOM.$1" 2>&1 | grep -q 'status: SERVFAIL'
}
# The instance's own tailnet answers (positive controls, once logged in).
reaches_own_tailnet() {
    local n=$1 state=$2
    check_output "$state: $n: the namespace reaches its own tailnet peer" '^you are 100\.' ns_tcp "$n"
    check_output "$state: $n: SOCKS reaches its own tailnet peer by address" '^you are 100\.' socks_addr "$n"
    check_output "$state: $n: SOCKS resolves and reaches peer.tailnet.test" '^you are 100\.' socks_name "$n"
    check_output "$state: $n: the TCP forward reaches its own tailnet peer" '^you are 100\.' fwd_tcp "$n"
    check_output "$state: $n: the UDP forward reaches its own tailnet peer" '^from 100\.' fwd_udp "$n"
    check_output "$state: $n: tsproxy-dns answers from its own MagicDNS" '100\.64\.0\.1$' \
        sb dig +short +time=2 +tries=1 -p "530$(idx "$n")" @127.0.0.1 peer."$n"
}
ts_state() { sandbox_localapi "$1" status 2>/dev/null | sed -n 's/^\t"BackendState": "\(.*\)",$/\1/p'; }
ts_state_is() { [[ $(ts_state "$1") == "$2" ]]; }

# --- 1. logged out ----------------------------------------------------------------------------
for n in t1 t2; do
    check_output "logged out: $n: tailscaled says NeedsLogin" '^NeedsLogin$' ts_state "$n"
    no_leak "$n" "logged out"
    check "logged out: $n: tsproxy-dns answers SERVFAIL" servfail "$n"
done

ctl_status() { sb tsproxyctl status t1; echo "rc=$?"; }
ctl_doctor() { sb tsproxyctl doctor; echo "rc=$?"; }
check_output "logged out: tsproxyctl status shows tailscaled's STATUS= and judges the tailnet link" \
    'not logged in: tailscaled says "Needs login: "' ctl_status
check_output "logged out: ... with the fix, and exit 1" 'rc=1' ctl_status
check_output "logged out: tsproxyctl doctor reports t1's login as a finding" \
    't1: login +not logged in: tailscaled says "Needs login: "' ctl_doctor
check_output "logged out: ... with its fix" 'fix: tsproxyctl login t1 ' ctl_doctor

# --- 2. logged in -------------------------------------------------------------------------------
for n in t1 t2; do
    check "$n logs in" sandbox_login "$n"
    reaches_own_tailnet "$n" "logged in"
    no_leak "$n" "logged in"
done

check_output "logged in: tsproxyctl status shows tailscaled's Connected STATUS=" \
    'Connected; tester@example.com; 100\.' ctl_status
check_output "logged in: doctor finds t1 logged in" 't1: login +tailscaled says "Connected;' ctl_doctor

# --- 3. the host uses an exit node ---------------------------------------------------------------
check "the host turns an exit node on (default route in table 52)" exit_node add
ns_inet() { sb ip netns exec "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/80 && cat <&3" 2>&1; }
for n in t1 t2; do
    check_output "exit node: $n: the namespace's internet still leaves by the uplink" '^you are 192\.0\.2\.2:' \
        ns_inet "$n" 192.0.2.1
    check "exit node: $n: an address only the exit node routes is not reached" \
        not grep -q home-tailnet <<<"$(ns_inet "$n" 198.51.100.1)"
    reaches_own_tailnet "$n" "exit node"
    no_leak "$n" "exit node"
done
socks_any_exit() { sb curl -sS --http0.9 --max-time 4 -x socks5h://127.0.0.1:1082 http://198.51.100.1/ 2>&1; }
check "exit node: SOCKS with Egress=any does not reach the exit node's address" \
    not grep -q home-tailnet <<<"$(socks_any_exit)"

# --- 4. nft flush ruleset ------------------------------------------------------------------------
check "nft flush ruleset" sb nft flush ruleset
for n in t1 t2; do
    no_leak "$n" "after nft flush ruleset"
done
check "the owned tables survived the flush" sb nft list table inet tsproxy-t2

# --- 5. starting: logged in, not yet connected -----------------------------------------------------
for n in t1 t2; do
    sb sh -c "mkdir -p /etc/fake-tailnet && echo 4000 > /etc/fake-tailnet/$n.connect-delay-ms"
    check "starting: $n: tailscaled@$n restarts" sb systemctl restart "tailscaled@$n.service"
    check_output "starting: $n: tailscaled says Starting" '^(Starting|NoState)$' ts_state "$n"
    no_leak "$n" "starting"
    sb rm -f "/etc/fake-tailnet/$n.connect-delay-ms"
    check "starting: $n: Running again" sandbox_wait_running "$n"
done

# --- 6. crashed: SIGKILL, systemd restarts it 3 s later ---------------------------------------------
for n in t1 t2; do
    check "crashed: $n: SIGKILL tailscaled" sb systemctl kill -s KILL "tailscaled@$n.service"
    check "crashed: $n: its interface is gone" wait_for 20 not sb ip -n "$n" link show tailscale0
    no_leak "$n" "crashed"
    check "crashed: $n: tsproxy-dns answers SERVFAIL" servfail "$n"
    check "crashed: $n: back Running after the restart" wait_for 100 sandbox_wait_running "$n"
    reaches_own_tailnet "$n" "after the crash"
done

# --- 7. restarting -------------------------------------------------------------------------------------
for n in t1 t2; do
    sb systemctl restart --no-block "tailscaled@$n.service"
    no_leak "$n" "restarting"
    check "restarting: $n: Running again" sandbox_wait_running "$n"
done

# --- 8. the daemons' egress pinning alone ------------------------------------------------------------
# t1 logged out again, and the other layers taken out of the way: a link of its own from
# the namespace into the home tailnet (leak0, not through the host: no rule, no nft
# guard in the way), routed for the home peer and MagicDNS. The namespace itself now
# reaches the home tailnet; the daemons, pinned to tailscale0, still must not.
check "logged out again: t1 logs out" sandbox_localapi t1 logout -X POST -o /dev/null
check "logged out again: t1 says NeedsLogin" wait_for 50 ts_state_is t1 NeedsLogin
no_leak t1 "logged out again"
leak_up() {
    sb sh -e <<'EOF'
ip link add leak0 netns t1 type veth peer name leak1 netns sim-home
ip -n t1 addr add 10.99.0.1/24 dev leak0
ip -n t1 link set leak0 up
ip -n sim-home addr add 10.99.0.2/24 dev leak1
ip -n sim-home link set leak1 up
ip -n t1 route add 100.64.0.1/32 via 10.99.0.2
ip -n t1 route add 100.100.100.100/32 via 10.99.0.2
EOF
}
check "pinning alone: a link from t1's namespace straight into the home tailnet" leak_up
check_output "pinning alone: the namespace itself now reaches the home tailnet (control)" '^home-tailnet' ns_tcp t1
check "pinning alone: SOCKS (Egress=tailnet) does not" not grep -q home-tailnet <<<"$(socks_addr t1)"
check "pinning alone: SOCKS by name does not" not grep -Eq 'home-tailnet|100\.64\.0\.99' <<<"$(socks_name t1)"
check "pinning alone: the TCP forward does not" not grep -q home-tailnet <<<"$(fwd_tcp t1)"
check "pinning alone: the UDP forward does not" not grep -q home-tailnet <<<"$(fwd_udp t1)"
# A name tsproxy-dns has not cached: the home MagicDNS would answer it with 100.64.0.99.
fresh_name() { sb dig +time=5 +tries=1 -p 5301 @127.0.0.1 not-cached.t1 2>&1; }
check_output "pinning alone: tsproxy-dns does not ask the home MagicDNS (SERVFAIL)" 'status: SERVFAIL' fresh_name
sb ip -n t1 link del leak0

# --- 9. stopped ------------------------------------------------------------------------------------------
for n in t1 t2; do
    check "stopped: tsproxy@$n.target stops" sb systemctl stop "tsproxy@$n.target"
    check "stopped: $n: tailscaled@$n is stopped" wait_for 100 not sb systemctl is-active -q "tailscaled@$n.service"
    no_leak "$n" "stopped"
done
check "the host's own tailnet still answers the host (nothing of it was touched)" wait_for 30 home_tcp
tailscale_rules() { { sb ip -4 rule show; sb ip -6 rule show; } | grep -cE '^52(1|3|5|7)0:'; }
check_output "the host's rules 5210-5270 are all still there" '^8$' tailscale_rules

finish
