#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-chain.sh BUILDDIR [DESTDIR]: end to end, the namespace chain under the real systemd
# of the sandbox: the generator turns /etc/tsproxy/t1.conf into drop-ins at daemon-reload,
# tsproxy@t1.target starts ts-netns -> ts-nat -> tailscaled (the fake), and traffic from
# the instance reaches the simulated internet through NAT and, once its tailscaled is
# logged in (sandbox_login; it is ready while logged out, as the real one), the
# simulated tailnet through the fake tunnel. Every check asserts real state (links, rules, tables, mounts,
# packets), read with ip/nft/journalctl inside the sandbox.
#
# What the sandbox offers (see sandbox.sh): the sandbox's root namespace is the "host",
# with uplink0 192.0.2.2/24 and a default route via 192.0.2.1 (sim-inet); whoami on
# 192.0.2.1:80 and 100.64.0.1:80 answers "you are IP:PORT"; the fake tailscaled of
# instance NAME tunnels to fake-tailnet-peer at 192.0.2.1:41641.
set -u

. "$(dirname "$0")/sandbox.sh"

builddir=${1:?usage: $0 BUILDDIR [DESTDIR]}
sandbox_require

sandbox_install_and_start "$builddir" "${2:-}" || { finish; exit 1; }

# --- helpers --------------------------------------------------------------------------
# TCP request from inside namespace $1 to $2:$3; prints what the server says (3 s max).
ns_tcp() { sb ip netns exec "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/$3 && cat <&3"; }
# The connection attempt must be silently dropped (the guard's verdict), which shows as
# the timeout expiring (124), not as any other failure.
ns_tcp_dropped() { ns_tcp "$@" >/dev/null 2>&1; [[ $? == 124 ]]; }
not() { ! "$@"; }
host_tcp() { sb timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2 && cat <&3"; }
# Wait up to $1 tenths of a second for CMD to succeed.
wait_for() { local n=$1; shift; while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
main_pid() { sb systemctl show -p MainPID --value "$1"; }
# `systemctl stop X.target` returns when the target is stopped; the units it is PartOf
# of stop right after (the target is ordered after them, so it stops first). Wait for them.
# "Stopped" means inactive or failed: is-active is false while "deactivating" too, when
# ExecStop= (the teardown) is still running.
units_stopped() {
    local states
    states=$(sb systemctl is-active "ts-netns@$1.service" "ts-nat@$1.service" "tailscaled@$1.service" \
        "ts-login@$1.service")
    ! grep -qvE '^(inactive|failed)$' <<<"$states"
}
stop_instance() {
    sb systemctl stop "tsproxy@$1.target" || return 1
    wait_for 100 units_stopped "$1"
}
# STATUS= of unit $1 becomes exactly $2 within 5 s.
status_is() {
    local n=50
    while ((n-- > 0)); do
        [[ $(sb systemctl show -p StatusText --value "$1") == "$2" ]] && return 0
        sleep 0.1
    done
    sb systemctl show -p StatusText "$1"
    return 1
}
# tailscaled's policy rules (5210, 5230, 5250 by fwmark, 5270 to table 52) in namespace $1.
ts_rules_present() {
    local rules p
    rules=$(sb ip -n "$1" -4 rule show) || return 1
    for p in 5210 5230 5250 5270; do
        grep -q "^$p:" <<<"$rules" || { echo "$rules"; return 1; }
    done
    grep -q '^5270:.*lookup 52' <<<"$rules"
}
start_and_log() { sb systemctl start "tsproxy@$1.target"; sb journalctl -u "ts-netns@$1.service" -o cat; true; }
units_of() { echo "tsproxy@$1.target ts-netns@$1.service ts-nat@$1.service tailscaled@$1.service ts-login@$1.service"; }
# Everything an instance leaves in the host namespace, in one line per kind: must be empty.
leftovers() {
    local n=$1
    sb sh -c "ls /run/netns/$n 2>/dev/null; grep -F ' /run/netns/$n ' /proc/self/mountinfo;
              ip -o link show ts-$n 2>/dev/null; nft list table inet tsproxy-$n 2>/dev/null;
              nft list table inet tsguard-$n 2>/dev/null;
              ip rule show priority 5200 | grep -F 'lookup main' | grep -F '$2';
              ip -4 rule show | grep -F 'iif ts-$n '; ip -6 rule show | grep -F 'iif ts-$n ';
              pgrep -af 'tsproxy-na[t] $n |tailscal[e]-$n/|tsproxy-logi[n] $n ' ; true"
}

# --- the host as tsproxy finds it --------------------------------------------------------
# A host running tailscale routes through table 52 at priority 5270; with subnet routes
# accepted from its tailnet (--accept-routes), a route there may cover tsproxy's veth
# subnets: simulate one for 10.0.0.0/8. Without tsproxy's rule at 5200 the host could not
# reach its own namespaces (and replies from the internet could not come back in).
sb ip rule add priority 5270 lookup 52
sb ip route add unreachable 10.0.0.0/8 table 52
# A host whose resolv.conf is systemd-resolved's stub: tailscaled must get the real
# upstream servers (from resolved's list), never 127.0.0.53 nor 100.100.100.100.
sb sh -c 'rm -f /etc/resolv.conf; printf "nameserver 127.0.0.53\noptions edns0\n" > /etc/resolv.conf;
          mkdir -p /run/systemd/resolve /run/dbus;
          printf "nameserver 192.0.2.53\nnameserver 100.100.100.100\n" > /run/systemd/resolve/resolv.conf;
          [ -e /run/dbus/system_bus_socket ] || : > /run/dbus/system_bus_socket'
# A TCP service of the host's own, on every address: the namespace must not reach it.
sb sh -c 'cat > /etc/systemd/system/hostsvc.socket <<EOF
[Socket]
ListenStream=7000
Accept=yes
EOF
cat > /etc/systemd/system/hostsvc@.service <<EOF
[Service]
StandardInput=socket
StandardOutput=socket
ExecStart=/bin/echo host-service
EOF'

sb mkdir -p /etc/tsproxy
sb sh -c 'cat > /etc/tsproxy/t1.conf' <<'EOF'
[Instance]
Description=end-to-end test instance
AutoStart=no

[Namespace]
Subnet=10.200.0.4/30
Uplink=uplink0

[Tailscale]
Port=41642
EOF

check "daemon-reload runs the generator" sb systemctl daemon-reload
check "hostsvc.socket listens" sb systemctl start hostsvc.socket
check_output "the drop-in carries the subnet and names its source" \
    'SourcePath=/etc/tsproxy/t1.conf' sb systemctl cat ts-netns@t1.service
check_output "ts-netns@t1 runs tsproxy-netns up with the configured values" \
    'ExecStart=.*/tsproxy-netns up t1 --subnet 10.200.0.4/30 --host-if ts-t1 --uplink uplink0' \
    sb systemctl cat ts-netns@t1.service
check_output "tailscaled@t1 gets its own state directory, socket and port" \
    'ExecStart=/usr/sbin/tailscaled --statedir=/var/lib/tailscale-t1 --socket=/run/tailscale-t1/tailscaled.sock --port=41642' \
    sb systemctl cat tailscaled@t1.service
verify_out=$(sb systemd-analyze verify $(units_of t1) 2>&1); verify_rc=$?
check "systemd-analyze verify is clean on the generated units" \
    test "$verify_rc" = 0 -a -z "$verify_out"
[[ -n $verify_out ]] && printf '# %s\n' "$verify_out"

# --- start --------------------------------------------------------------------------------
check "tsproxy@t1.target starts" sb timeout 60 systemctl start tsproxy@t1.target
for u in $(units_of t1); do
    check "$u is active" sb systemctl is-active --quiet "$u"
done
# --- tailscaled as the real one: ready while logged out, Running only after a login --------
check_output "READY=1 came while logged out: tailscale status says NeedsLogin" \
    '"BackendState": "NeedsLogin"' sandbox_localapi t1 status
check "STATUS= is \"Needs login: \" (empty auth URL, as the real one)" status_is tailscaled@t1.service 'Needs login: '
check "no route to the tailnet peer from the namespace before login" \
    not sb sh -c 'ip -n t1 route get 100.64.0.1 2>/dev/null | grep -F "dev tailscale0"'
check "tailscaled's rules 5210-5270 are in the namespace while logged out" ts_rules_present t1
check_empty "and table 52 is empty" sb sh -c 'ip -n t1 -4 route show table 52 2>/dev/null; true'
check "a bad auth key: 204, still logged out" test "$(sandbox_localapi t1 start -o /dev/null -w '%{http_code}' \
    -X POST -d '{"AuthKey":"tskey-auth-bad","UpdatePrefs":{"WantRunning":true}}')" = 204
check_output "with the control server's error in Health" \
    'You are logged out\. The last login error was: invalid key: API key does not exist' sandbox_localapi t1 status
check "sandbox_login t1: Running, with its address in the namespace" sandbox_login t1
check_output "STATUS= says Connected, with the login and the address" '^Connected; tester@example\.com; 100\.' \
    sb systemctl show -p StatusText --value tailscaled@t1.service
check_output "table 52 in the namespace routes the peer through tailscale0" \
    '^100\.64\.0\.1 dev tailscale0' sb ip -n t1 -4 route show table 52
check_output "and MagicDNS" '^100\.100\.100\.100 dev tailscale0' sb ip -n t1 -4 route show table 52
check_output "the CGNAT drop is in the namespace's ts-input chain" \
    'iifname != "tailscale0" ip saddr 100\.64\.0\.0/10 drop' sb ip netns exec t1 nft list chain ip filter ts-input
check "tailscaled has a state directory (VarRoot): derpmap.cached.json in /var/lib/tailscale-t1" \
    sb test -f /var/lib/tailscale-t1/derpmap.cached.json
check "tailscaled tried to rewrite /etc/resolv.conf, and failed (read-only bind)" \
    sb sh -c 'journalctl -u tailscaled@t1.service -o cat | grep -F "cannot write /etc/resolv.conf"'
check "the host's /etc/resolv.conf is unchanged after login" sb sh -c \
    'printf "nameserver 127.0.0.53\noptions edns0\n" | cmp - /etc/resolv.conf'
check "and there is no /etc/resolv.pre-tailscale-backup.conf on the host" \
    not sb test -e /etc/resolv.pre-tailscale-backup.conf
check "tailscaled could not reach systemd to restart systemd-resolved" \
    sb sh -c 'journalctl -u tailscaled@t1.service -o cat | grep -F "Cannot reach systemd at /run/systemd/private"'

check "the namespace mount is visible to PID 1 (ts-netns has no private mount namespace)" \
    sb grep -qF ' /run/netns/t1 ' /proc/1/mountinfo
check "ip netns exec works on it" sb ip netns exec t1 true
check_output "host end ts-t1 has 10.200.0.5/30" 'inet 10\.200\.0\.5/30' sb ip -o -4 addr show dev ts-t1
check_output "namespace end host0 has 10.200.0.6/30" 'inet 10\.200\.0\.6/30' \
    sb ip -n t1 -o -4 addr show dev host0
check_output "loopback is up in the namespace" 'UP' sb ip -n t1 -o link show lo
check_output "default route in the namespace via the host end" 'default via 10\.200\.0\.5 dev host0' \
    sb ip -n t1 route show default
check_output "ip rule keeps the veth subnet in the main table, before tailscale's 5270" \
    '^5200:.*to 10\.200\.0\.4/30 lookup main' sb ip rule show
check_output "forwarding is on for the veth and the uplink" '^1 1$' \
    sb sh -c 'echo $(cat /proc/sys/net/ipv4/conf/ts-t1/forwarding /proc/sys/net/ipv4/conf/uplink0/forwarding)'
check_output "tcp_tw_reuse is 1 in the namespace, the sandbox host's own setting unchanged" '^1 2$' \
    sb sh -c 'echo $(ip netns exec t1 cat /proc/sys/net/ipv4/tcp_tw_reuse) $(cat /proc/sys/net/ipv4/tcp_tw_reuse)'
check_output "nft table tsproxy-t1 is owned by tsproxy-nat" 'flags owner' sb nft list table inet tsproxy-t1
check_output "it masquerades the subnet out of the uplink" \
    'ip saddr 10\.200\.0\.4/30 oifname "uplink0".* masquerade' sb nft list table inet tsproxy-t1
check_output "it forwards UDP 41642 to the namespace" 'udp dport 41642 .*dnat ip to 10\.200\.0\.6' \
    sb nft list table inet tsproxy-t1

# --- traffic --------------------------------------------------------------------------------
check_output "the namespace reaches the internet host, NATed to the uplink address" \
    '^you are 192\.0\.2\.2:' ns_tcp t1 192.0.2.1 80
check "the host reaches the namespace despite table 52 at 5270" sb ping -c1 -W2 10.200.0.6
check_output "the host's own service answers the host" '^host-service$' host_tcp 10.200.0.5 7000
check "the namespace cannot open a connection to the host's veth address" \
    ns_tcp_dropped t1 10.200.0.5 7000
check "nor to the host's uplink address" ns_tcp_dropped t1 192.0.2.2 7000
ts_addr=$(sb sed -n 's/^Address=//p' /var/lib/tailscale-t1/tailscaled.state)
check_output "the fake tailscaled has a tailnet address" '^100\.' echo "$ts_addr"
check_output "the namespace reaches the tailnet peer through tailscale0" \
    "^you are ${ts_addr//./\\.}:" ns_tcp t1 100.64.0.1 80
check_output "the tailnet peer sees the instance at the uplink address and its Port=" \
    "Peer ${ts_addr//./\\.} is at 192\.0\.2\.2:41642" sb journalctl -u fake-tailnet-peer -o cat
# The port forward: a datagram from a new internet endpoint to the uplink's UDP 41642
# must reach the namespace (counted by the DNAT rule; tailscaled owns the port inside).
before=$(sb nft list table inet tsproxy-t1 | sed -n 's/.*udp dport 41642 .*counter packets \([0-9]*\).*/\1/p')
sb ip netns exec sim-inet bash -c 'echo probe > /dev/udp/192.0.2.2/41642'
after=$(sb nft list table inet tsproxy-t1 | sed -n 's/.*udp dport 41642 .*counter packets \([0-9]*\).*/\1/p')
check "a datagram to the uplink's UDP 41642 is forwarded into the namespace" \
    test "${after:-0}" -gt "${before:-0}"

# --- tailscaled cannot touch the host's DNS -----------------------------------------------
tpid=$(main_pid tailscaled@t1.service)
check_output "tailscaled's /etc/resolv.conf has the host's real upstream servers" \
    '^nameserver 192\.0\.2\.53$' sb nsenter -t "$tpid" -m cat /etc/resolv.conf
check "and neither the stub 127.0.0.53 nor 100.100.100.100" \
    not sb nsenter -t "$tpid" -m grep -E '^nameserver (127\.|100\.100\.100\.100)' /etc/resolv.conf
check "tailscaled cannot write its resolv.conf" \
    not sb nsenter -t "$tpid" -m sh -c 'echo x >> /etc/resolv.conf' 
check "the host's /etc/resolv.conf is untouched" sb grep -q '^nameserver 127.0.0.53$' /etc/resolv.conf
# InaccessiblePaths= puts a mode-0000 node over the bus socket (root's DAC override
# aside, nothing listens on it): a different inode from the host's, with mode 0.
bus_host=$(sb stat -c '%d:%i' /run/dbus/system_bus_socket)
check_output "tailscaled cannot reach the system bus socket" '^0 ' \
    sb nsenter -t "$tpid" -m stat -c '%a %d:%i' /run/dbus/system_bus_socket
check "(an inaccessible node, not the host's socket)" \
    not sb nsenter -t "$tpid" -m sh -c "test \"\$(stat -c %d:%i /run/dbus/system_bus_socket)\" = '$bus_host'"
# ProtectSystem=strict: nothing of the host's file system is writable to tailscaled (the
# host tailscaled's /var/lib/tailscale, the package databases) but its own directories.
check "tailscaled cannot write under /var (ProtectSystem=strict)" \
    not sb nsenter -t "$tpid" -m touch /var/lib/tsproxy-probe
check "(but its own state directory)" \
    sb nsenter -t "$tpid" -m sh -c 'touch /var/lib/tailscale-t1/probe && rm /var/lib/tailscale-t1/probe'
check_output "the daemons' resolv.conf points at MagicDNS" '^nameserver 100\.100\.100\.100$' \
    sb cat /run/tsproxy/t1/resolv.tailnet.conf

# --- the owned nft table ----------------------------------------------------------------------
sb nft flush ruleset
check "nft flush ruleset by another process leaves the table in place" \
    sb nft list table inet tsproxy-t1
natpid=$(main_pid ts-nat@t1.service)
sb kill -KILL "$natpid"
check "SIGKILL of tsproxy-nat removes its table" wait_for 10 not sb nft list table inet tsproxy-t1
t0=$(date +%s%N)
wait_for 20 sb nft list table inet tsproxy-t1; rc=$?
t1=$(date +%s%N)
check_rc "systemd restores the table within 2 s ($(( (t1 - t0) / 1000000 )) ms)" $rc
check "with a new tsproxy-nat" test "$(main_pid ts-nat@t1.service)" != "$natpid"

# --- restart of tailscaled leaves the namespace alone --------------------------------------
ino=$(sb stat -L -c %i /run/netns/t1)
echo "# namespace inode before: $ino"
check "restarting tailscaled@t1 works" sb systemctl restart tailscaled@t1.service
ino_after=$(sb stat -L -c %i /run/netns/t1)
check "the namespace is the same one ($ino_after)" test "$ino_after" = "$ino"
[[ $ino_after == "$ino" ]] || sb journalctl -u ts-netns@t1 -u ts-nat@t1 -u tailscaled@t1 -o short-monotonic | tail -20 | sed 's/^/#   /'
check "ts-netns@t1 stayed active" sb systemctl is-active --quiet ts-netns@t1.service
check "tailscaled@t1 comes back Running by itself (the login is in its state)" sandbox_wait_running t1
check_output "and the tailnet peer is reached again" "^you are ${ts_addr//./\\.}:" ns_tcp t1 100.64.0.1 80
check_output "and traffic still flows" '^you are 192\.0\.2\.2:' ns_tcp t1 192.0.2.1 80

# --- a second instance at once ----------------------------------------------------------------
sb sh -c 'cat > /etc/tsproxy/t2.conf' <<'EOF'
[Instance]
AutoStart=no
[Namespace]
Uplink=uplink0
EOF
check "daemon-reload with a second instance" sb systemctl daemon-reload
check "tsproxy@t2.target starts beside t1" sb timeout 60 systemctl start tsproxy@t2.target
t2_subnet=$(sb systemctl cat ts-netns@t2.service | sed -n 's/.*--subnet \([0-9./]*\).*/\1/p')
check_output "t2 got an allocated subnet from 10.200.0.0/16" '^10\.200\.' echo "$t2_subnet"
check_output "t2 reaches the internet host" '^you are 192\.0\.2\.2:' ns_tcp t2 192.0.2.1 80
t1_host=10.200.0.5
check "t2 cannot reach t1's namespace" ns_tcp_dropped t2 10.200.0.6 7000
check "not even by ping" not sb ip netns exec t2 ping -c1 -W1 10.200.0.6
check "t2 cannot reach the host through t1's veth address" ns_tcp_dropped t2 "$t1_host" 7000
check "stopping t2 leaves t1 alone" stop_instance t2
check_empty "t2 left nothing behind" leftovers t2 "$t2_subnet" ||
    sb journalctl -u ts-netns@t2 -o short-monotonic | tail -8 | sed 's/^/#   /'
check_output "t1 still works" '^you are 192\.0\.2\.2:' ns_tcp t1 192.0.2.1 80

# --- configuration changes ---------------------------------------------------------------------
sb sed -i 's/^Port=41642/Port=41650/' /etc/tsproxy/t1.conf
check "daemon-reload after editing t1.conf" sb systemctl daemon-reload
check_output "the drop-in follows the edit" '--port=41650' sb systemctl cat tailscaled@t1.service

# --- stop ------------------------------------------------------------------------------------
check "stopping tsproxy@t1.target works" stop_instance t1
for u in $(units_of t1); do
    check "$u is inactive" not sb systemctl is-active --quiet "$u"
done
check_empty "stop leaves no namespace, veth, nft table, rule, mount or process" \
    leftovers t1 10.200.0.4/30

# --- teardown after the configuration is gone (zram-generator's rule) --------------------------
check "start again" sb systemctl start tsproxy@t1.target
sb rm /etc/tsproxy/t1.conf
check "daemon-reload without t1.conf" sb systemctl daemon-reload
check "stop still works" stop_instance t1
check_empty "and still leaves nothing behind" leftovers t1 10.200.0.4/30
check_output "an unconfigured instance fails to start with a clear message" 'no valid configuration' \
    start_and_log t1

# --- a failed start rolls back; a rerun after a crash succeeds ----------------------------------
sb sh -c 'cat > /etc/tsproxy/t3.conf' <<'EOF'
[Instance]
AutoStart=no
[Namespace]
Subnet=10.200.0.12/30
Uplink=nosuchif0
EOF
sb systemctl daemon-reload
check "a start with a missing uplink fails" not sb systemctl start tsproxy@t3.target
wait_for 100 units_stopped t3
check_empty "and leaves nothing behind" leftovers t3 10.200.0.12/30
sb sed -i 's/^Uplink=nosuchif0/Uplink=uplink0/' /etc/tsproxy/t3.conf
sb systemctl daemon-reload
sb systemctl reset-failed
# Crash debris: a stale veth of that name, and a namespace file that is not a mount.
sb ip link add ts-t3 type veth peer name stale-t3
sb touch /run/netns/t3
check "a start over crash debris succeeds" sb timeout 60 systemctl start tsproxy@t3.target
check_output "and works" '^you are 192\.0\.2\.2:' ns_tcp t3 192.0.2.1 80
check "stop" stop_instance t3
check_empty "clean" leftovers t3 10.200.0.12/30

sandbox_stop
check_rc "clean poweroff" $?
finish
