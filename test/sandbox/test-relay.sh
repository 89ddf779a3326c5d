#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-relay.sh BUILDDIR [DESTDIR]: end to end, the forwarded ports of an instance
# ([Forward] Forward= in tsproxy.conf(5)) under the real systemd of the sandbox: the
# generator makes ts-relay@NAME.socket (every forward's listener, in the host namespace)
# and ts-relay@NAME.service (tsproxy-relay inside the instance's namespace, a dynamic
# user without capabilities). Clients on the host side reach the fake tailnet peer
# (100.64.0.1: whoami on TCP 80, tailnet-targets.py's half-close servers and UDP echo) and
# MagicDNS (100.100.100.100:53) through the instance's tailscale0.
#
# What the sandbox offers (see sandbox.sh): the sandbox's root namespace is the "host";
# whoami on 100.64.0.1:80 answers "you are IP:PORT"; MagicDNS on 100.100.100.100 knows
# peer.tailnet.test as 100.64.0.1. The fake tailnet is IPv4 only.
set -u

. "$(dirname "$0")/sandbox.sh"

builddir=${1:?usage: $0 BUILDDIR [DESTDIR]}
sandbox_require
command -v dig >/dev/null || skip "'dig' not found"
[[ -x /usr/bin/python3 ]] || skip "no /usr/bin/python3"

sandbox_install_and_start "$builddir" "${2:-}" || { finish; exit 1; }

# --- helpers --------------------------------------------------------------------------
LIB=/usr/local/lib/tsproxy-sandbox
not() { ! "$@"; }
# Wait up to $1 tenths of a second for CMD to succeed.
wait_for() { local n=$1; shift; while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
main_pid() { sb systemctl show -p MainPID --value "$1"; }
client() { sb timeout 20 /usr/bin/python3 "$LIB/relay-client.py" "$@"; }
host_tcp() { sb timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2 && cat <&3"; }
listening() { sb ss -H "$@" | awk '{print $4}'; }
status_text() { sb systemctl show -p StatusText --value "$1"; }
status_matches() { status_text "$1" | grep -Eq -- "$2"; }
one_line() { "$@" | tr '\n' ' '; }
relay_stopped() {
    local states
    states=$(sb systemctl is-active "ts-relay@$1.socket" "ts-relay@$1.service")
    ! grep -qvE '^(inactive|failed)$' <<<"$states"
}
target_says() { grep -qxF -- "$1" "$SANDBOX_TMP/target.out"; }

for f in relay-client.py tailnet-targets.py; do
    sb sh -c "cat > $LIB/$f && chmod 0755 $LIB/$f" <"$SANDBOX_SRCDIR/$f"
done
# The targets in sim-inet, on the fake tailnet peer's address. Not `sb` in the
# background (a backgrounded shell function would keep a subshell holding meson's
# pipe): nsenter is a plain command; killed by PID below (and with the sandbox).
SYSTEMD_PAGER=cat nsenter -t "$SANDBOX_PID" -m -p -n -u -i -C -r -w \
    ip netns exec sim-inet /usr/bin/python3 -u "$LIB/tailnet-targets.py" 100.64.0.1 \
    >"$SANDBOX_TMP/target.out" 2>&1 </dev/null &
target_pid=$!
sandbox_at_exit "kill $target_pid 2>/dev/null"
check "tailnet-targets.py listens in sim-inet on 100.64.0.1" wait_for 100 target_says listening

# --- 1. configuration, generation, start -----------------------------------------------
sb mkdir -p /etc/tsproxy
sb sh -c 'cat > /etc/tsproxy/r1.conf' <<'EOF2'
[Instance]
Description=relay end-to-end test instance
AutoStart=no

[Namespace]
Uplink=uplink0

[Forward]
Forward=127.0.0.1:2222 100.64.0.1:80
Forward=127.0.0.1:5353 100.100.100.100:53 udp
Forward=127.0.0.1:2223 peer.tailnet.test:80
Forward=[::1]:2224 100.64.0.1:80 tcp
Forward=127.0.0.1:2225 100.64.0.1:9
Forward=127.0.0.1:2226 100.64.0.1:9002
Forward=127.0.0.1:2227 100.64.0.1:9003
Forward=127.0.0.1:2228 100.64.0.1:9053 udp
# sim-inet drops the SYNs to 9004 (section 7): the connect timeout.
Forward=127.0.0.1:2229 100.64.0.1:9004
# Not on any interface yet: FreeBind=.
Forward=100.121.76.21:2222 100.64.0.1:80
EOF2
check "daemon-reload runs the generator" sb systemctl daemon-reload
check_output "ts-relay@r1.socket has a listener per forward" \
    'ListenStream=127\.0\.0\.1:2222 ListenDatagram=127\.0\.0\.1:5353 ListenStream=127\.0\.0\.1:2223 ListenStream=\[::1\]:2224 ' \
    one_line sb systemctl cat ts-relay@r1.socket
check_output "ts-relay@r1.service runs tsproxy-relay with every forward" \
    'ExecStart=.*/tsproxy-relay r1 --forward tcp:127\.0\.0\.1:2222=100\.64\.0\.1:80 --forward udp:127\.0\.0\.1:5353=100\.100\.100\.100:53 --forward tcp:127\.0\.0\.1:2223=peer\.tailnet\.test:80 .*--allow-from 100\.64\.0\.0/10 --allow-from fd7a:115c:a1e0::/48 --allow-from 127\.0\.0\.0/8 --allow-from ::1/128 .*--udp-max-sessions 1024' \
    sb systemctl cat ts-relay@r1.service
verify_out=$(sb systemd-analyze verify --generators=yes ts-relay@r1.socket ts-relay@r1.service 2>&1); verify_rc=$?
check "systemd-analyze verify --generators=yes is clean on ts-relay@r1.socket and .service" \
    test "$verify_rc" = 0 -a -z "$verify_out"
[[ -n $verify_out ]] && printf '# %s\n' "$verify_out"

check "tsproxy@r1.target starts" sb timeout 60 systemctl start tsproxy@r1.target
check "r1's tailscaled logs in (sandbox_login)" sandbox_login r1
check "ts-relay@r1.socket is active" sb systemctl is-active --quiet ts-relay@r1.socket
check "ts-relay@r1.service is active" sb systemctl is-active --quiet ts-relay@r1.service ||
    sb journalctl -u ts-relay@r1.service -o cat | tail -8 | sed 's/^/#   /'
wait_for 30 test -n "$(status_text ts-relay@r1.service)"
check_output "it reports a STATUS=" 'TCP connections, [0-9]+ UDP sessions' status_text ts-relay@r1.service
# --workers auto: one loop per CPU of the sandbox, at most 4.
workers=$(sb nproc)
((workers > 4)) && workers=4
check_output "tsproxy-relay runs $workers worker(s), one per CPU (--workers auto)" \
    "Forwarding [0-9]+ ports of instance 'r1', $workers workers?\.\$" sb journalctl -u ts-relay@r1.service -o cat
check "it could read the send buffer sysctls (no ProcSubset=pid in the unit)" not sb sh -c \
    'journalctl -u ts-relay@r1.service -o cat | grep -F "Cannot read net.core.wmem_max"'
check_empty "the socket unit logged no warnings (NoDelay= on UDP and the like)" \
    sb sh -c 'journalctl -b -p warning -u ts-relay@r1.socket -o cat; true'
ts_addr=$(sb sed -n 's/^Address=//p' /var/lib/tailscale-r1/tailscaled.state)
check_output "the fake tailscaled of r1 has a tailnet address" '^100\.' echo "$ts_addr"
you_are_r1="^you are ${ts_addr//./\\.}:[0-9]+\$"

# --- 2. sandboxing score ----------------------------------------------------------------
exposure=$(sb systemd-analyze security --no-pager ts-relay@r1.service 2>&1 |
    sed -n 's/.*Overall exposure level for ts-relay@r1\.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: overall exposure ${exposure:-?} <= 2.0" \
    awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 2.0) }'

# --- 3. who and where the daemon is ----------------------------------------------------------
pid=$(main_pid ts-relay@r1.service)
check_output "tsproxy-relay is the main process" 'tsproxy-relay' sb cat "/proc/$pid/comm"
check_output "it runs as a dynamic user, not root" '^Uid:[[:space:]]+(6[1-5][0-9]{3})[[:space:]]' \
    sb grep '^Uid:' "/proc/$pid/status"
check_output "with no effective capabilities" '^CapEff:[[:space:]]+0+$' sb grep '^CapEff:' "/proc/$pid/status"
check_output "nor any in its bounding set" '^CapBnd:[[:space:]]+0+$' sb grep '^CapBnd:' "/proc/$pid/status"
ns_daemon=$(sb readlink "/proc/$pid/ns/net")
ns_r1=$(sb ip netns exec r1 readlink /proc/self/ns/net)
ns_host=$(sb readlink /proc/self/ns/net)
check "it lives in r1's network namespace ($ns_daemon)" test -n "$ns_r1" -a "$ns_daemon" = "$ns_r1"
check "which is not the host's ($ns_host)" test "$ns_daemon" != "$ns_host"
check_output "TCP 127.0.0.1:2222 listens in the host namespace" '^127\.0\.0\.1:2222$' listening -ltn
check_output "UDP 127.0.0.1:5353 too" '^127\.0\.0\.1:5353$' listening -lun
check_empty "and nothing listens on them inside r1" \
    sb sh -c "ip netns exec r1 ss -Hltnu | grep -E ':(2222|5353) '; true"

# --- 4. TCP and UDP to the tailnet --------------------------------------------------------------
check_output "TCP 127.0.0.1:2222 reaches whoami on 100.64.0.1:80 from r1's tailnet address" "$you_are_r1" \
    host_tcp 127.0.0.1 2222
check_output "UDP 127.0.0.1:5353 reaches MagicDNS: peer.tailnet.test is 100.64.0.1" '^100\.64\.0\.1$' \
    sb dig +short +time=3 +tries=1 -p 5353 @127.0.0.1 peer.tailnet.test
check_output "a name as the target: peer.tailnet.test:80, resolved in r1" "$you_are_r1" \
    host_tcp 127.0.0.1 2223
check_output "an IPv6 listener [::1]:2224" "$you_are_r1" host_tcp ::1 2224
check "100.121.76.21 goes on the sandbox's lo" sb ip addr add 100.121.76.21/32 dev lo
check_output "100.121.76.21:2222, bound before the address existed (FreeBind=)" "$you_are_r1" \
    host_tcp 100.121.76.21 2222

# --- 5. half-close, both ways ----------------------------------------------------------------------
check_output "client half-closes first: the target reads 100000 bytes to EOF, the answer still comes" \
    '^read: got 100000$' client halfclose-client 127.0.0.1:2226 100000
hc_out=$(client halfclose-server 127.0.0.1:2227 5000 2>&1)
check_output "target half-closes first: the client reads its hello and EOF" '^read: hello$' echo "$hc_out"
check_output "and then still sends, and closes" '^sent 5000$' echo "$hc_out"
check "the target received all 5000 bytes after its own half-close" \
    wait_for 50 target_says 'server-first: received 5000'

# --- 6. a target that refuses -----------------------------------------------------------------------
ref_out=$(client refused 127.0.0.1:2225 2>&1)
ref_s=$(sed -n 's/^eof after \([0-9.]*\) s.*/\1/p' <<<"$ref_out")
check "a refused target: the client sees a clean EOF, no RST (${ref_out})" test -n "$ref_s"
check "promptly (${ref_s:-?} s < 2 s)" awk -v t="$ref_s" 'BEGIN { exit !(t != "" && t < 2) }'
check "counted as failed in STATUS=" wait_for 30 status_matches ts-relay@r1.service ' [1-9][0-9]* failed$'

# --- 7. UDP sessions: idle timeout and the bounded table -------------------------------------------
# Small limits through an administrator's drop-in, as one would override them.
sb mkdir -p /etc/systemd/system/ts-relay@r1.service.d
exec_line=$(sb systemctl cat ts-relay@r1.service | sed -n 's/^ExecStart=\(.*tsproxy-relay .*\)$/\1/p')
exec_line=${exec_line/--udp-idle-timeout 60/--udp-idle-timeout 2}
exec_line=${exec_line/--udp-max-sessions 1024/--udp-max-sessions 3}
exec_line=${exec_line/--connect-timeout 10/--connect-timeout 2}
sb sh -c "printf '[Service]\nExecStart=\nExecStart=%s\n' '$exec_line' > /etc/systemd/system/ts-relay@r1.service.d/60-test.conf"
sb systemctl daemon-reload
check "ts-relay@r1.service restarts with --udp-idle-timeout 2 --udp-max-sessions 3 --connect-timeout 2" \
    sb systemctl restart ts-relay@r1.service
check_output "one client keeps its session (the same source port at the target)" \
    '^from [0-9.]+:([0-9]+) from [0-9.]+:\1 $' one_line client udp-source 127.0.0.1:2228 2
check_output "a session idle for 4 s has ended: the next datagram opens a new one" '^new$' \
    client udp-idle 127.0.0.1:2228 4
check "STATUS= comes down to 0 UDP sessions" wait_for 50 status_matches ts-relay@r1.service ' 0 UDP sessions'
table_out=$(client udp-table 127.0.0.1:2228 3 2>&1)
check_output "4 clients with a table of 3: the least recently used session was evicted" '^first: new$' \
    echo "$table_out"
check_output "and the most recent one kept" '^last: kept$' echo "$table_out"
check "STATUS= shows at most 3 UDP sessions" wait_for 30 status_matches ts-relay@r1.service ' 3 UDP sessions'
check_output "TCP still works after the restart" "$you_are_r1" host_tcp 127.0.0.1 2222

# A target that never answers: sim-inet (the test's own namespace) drops the SYNs to 9004.
check "sim-inet drops SYNs to 100.64.0.1:9004" sb ip netns exec sim-inet \
    nft 'add table inet relay-test; add chain inet relay-test in { type filter hook input priority 0; tcp dport 9004 drop; }'
failed_before=$(status_text ts-relay@r1.service | sed -n 's/.* \([0-9]*\) failed$/\1/p')
to_out=$(client refused 127.0.0.1:2229 2>&1)
to_s=$(sed -n 's/^eof after \([0-9.]*\) s.*/\1/p' <<<"$to_out")
check "a target that never answers: the client gets a clean EOF (${to_out})" test -n "$to_s"
check "after the connect timeout of 2 s (${to_s:-?} s, within 1.8 to 4 s)" \
    awk -v t="$to_s" 'BEGIN { exit !(t != "" && t >= 1.8 && t < 4) }'
check "counted as failed in STATUS= (it was ${failed_before:-?})" \
    wait_for 30 status_matches ts-relay@r1.service " $((${failed_before:-0} + 1)) failed\$"
sb ip netns exec sim-inet nft delete table inet relay-test

# --- 8. socket activation holds the ports --------------------------------------------------------
check "stopping ts-relay@r1.service works" sb systemctl stop ts-relay@r1.service
check "ts-relay@r1.socket stays active" sb systemctl is-active --quiet ts-relay@r1.socket
check_output "and 127.0.0.1:2222 still listens" '^127\.0\.0\.1:2222$' listening -ltn
check "ts-relay@r1.service starts again" sb systemctl start ts-relay@r1.service
check_output "and serves" "$you_are_r1" host_tcp 127.0.0.1 2222

# --- 8b. AllowFrom= of [Forward] ------------------------------------------------------------------
# Only 127.0.0.2: a TCP client from 127.0.0.1 is closed at once, its UDP datagrams get
# nothing; from 127.0.0.2 both are relayed.
tcp_from() { sb timeout 8 /usr/bin/python3 -c 'import socket,sys
s=socket.socket(); s.bind((sys.argv[1], 0)); s.settimeout(5); s.connect((sys.argv[2], int(sys.argv[3])))
d=s.recv(4096); print(d.decode(errors="replace") if d else "eof")' "$@"; }
unanswered() { local out; out=$("$@" 2>&1) && return 1; echo "$out"; }
# (Without section 7's ExecStart= override: the generated command line applies again.)
sb rm -f /etc/systemd/system/ts-relay@r1.service.d/60-test.conf
sb sed -i 's/^\[Forward\]$/[Forward]\nAllowFrom=127.0.0.2\/32/' /etc/tsproxy/r1.conf
check "AllowFrom=127.0.0.2/32: regenerated" sb systemctl daemon-reload
check "ts-relay@r1.service restarts" sb systemctl restart ts-relay@r1.service
check_output "the command line has --allow-from 127.0.0.2/32 only" '=100\.64\.0\.1:80 --allow-from 127\.0\.0\.2/32 --max-connections' \
    sb systemctl cat ts-relay@r1.service
check_output "the running daemon has it" 'allow-from 127\.0\.0\.2/32' \
    sb sh -c "tr '\\0' ' ' < /proc/$(main_pid ts-relay@r1.service)/cmdline"
check_output "TCP from 127.0.0.2 (inside) is relayed" "$you_are_r1" tcp_from 127.0.0.2 127.0.0.1 2222
check_output "TCP from 127.0.0.1 (outside) is closed before the target is asked" '^eof$' tcp_from 127.0.0.1 127.0.0.1 2222
check_output "UDP from 127.0.0.2 is relayed" '^100\.64\.0\.1$' \
    sb dig +short +time=3 +tries=1 -b 127.0.0.2 -p 5353 @127.0.0.1 peer.tailnet.test
check_output "UDP from 127.0.0.1 gets nothing" 'timed out|no servers' \
    unanswered sb dig +time=2 +tries=1 -b 127.0.0.1 -p 5353 @127.0.0.1 peer.tailnet.test
sb sed -i '/^AllowFrom=/d' /etc/tsproxy/r1.conf
check "AllowFrom= removed: the default again" sb systemctl daemon-reload
check "ts-relay@r1.service restarts" sb systemctl restart ts-relay@r1.service
check_output "127.0.0.1 is relayed again (loopback is in the default)" "$you_are_r1" host_tcp 127.0.0.1 2222

# --- 9. stop ---------------------------------------------------------------------------------------
check "stopping tsproxy@r1.target works" sb systemctl stop tsproxy@r1.target
check "ts-relay@r1.socket and .service stop with it" wait_for 100 relay_stopped r1
check_empty "no tsproxy-relay process is left" sb sh -c 'pgrep -a tsproxy-relay; true'
check_empty "nothing listens on the forwarded ports any more" \
    sb sh -c "ss -Hltnu | grep -E ':(2222|2223|2224|2225|2226|2227|2228|2229|5353) '; true"

kill "$target_pid" 2>/dev/null
wait "$target_pid" 2>/dev/null
sandbox_stop
check_rc "clean poweroff" $?
finish
