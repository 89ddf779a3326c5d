#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-faults.sh BUILDDIR [DESTDIR]: faults made real under the sandbox's systemd, with
# traffic flowing (issue 14): a crash of one helper restarts that helper alone and keeps
# the listening sockets (SIGKILL of tsproxy-nat while a client loops through SOCKS, and
# while the namespace tries the host in a loop: the guard must hold; SIGKILL of
# tailscaled); a hung daemon (SIGSTOP) or one hung worker thread (ptrace-stopped) is
# restarted by the watchdog within 10 s; tailscaled exiting at start and tailscaled never
# READY roll the whole instance back (no namespace, mount, veth, rule, table, daemon or
# socket), SOCKS refusing meanwhile; `ip netns delete` by hand, then a restart of the
# target, recovers. The dependency model is tsproxy(8), UNITS AND FAILURES.
set -u

. "$(dirname "$0")/sandbox.sh"

builddir=${1:?usage: $0 BUILDDIR [DESTDIR]}
sandbox_require
command -v curl >/dev/null || skip "'curl' not found"
command -v dig >/dev/null || skip "'dig' not found"
[[ -x /usr/bin/python3 ]] || skip "no /usr/bin/python3"

sandbox_install_and_start "$builddir" "${2:-}" || { finish; exit 1; }

not() { ! "$@"; }
wait_for() { local n=$1; shift; while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
main_pid() { sb systemctl show -p MainPID --value "$1"; }
since() { sb systemctl show -p ActiveEnterTimestampMonotonic --value "$1"; }
socks_get() { sb curl -sS --http0.9 --max-time "${2:-5}" -x "socks5h://127.0.0.1:$1" http://100.64.0.1/; }
relay_get() { sb timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && cat <&3"; }
dns_a() { sb dig @127.0.0.1 -p "$1" +time=2 +tries=1 +short "$2"; }
pid_changed() { local p; p=$(main_pid "$1"); [[ $p != 0 && $p != "$2" ]]; }
# Everything instance $1 could leave behind, one line per thing found: must be empty.
leftovers() {
    sb sh -c "ls /run/netns/$1 2>/dev/null; grep -F ' /run/netns/$1 ' /proc/self/mountinfo;
              ip -o link show ts-$1 2>/dev/null; nft list tables | grep -E '(tsproxy|tsguard)-$1\$';
              ip -4 rule show | grep -E 'iif ts-$1 '; ip -6 rule show | grep -E 'iif ts-$1 '; ss -Hltnu | grep -E ':($2)\\b';
              systemctl list-units --no-legend --state=active,activating,deactivating '*@$1.*'; true"
}
no_leftovers() { [[ -z $(leftovers "$@") ]]; }

sb mkdir -p /etc/tsproxy
for i in 1 2; do
    sb sh -c "cat > /etc/tsproxy/f$i.conf" <<EOF2
[Instance]
AutoStart=no
[Namespace]
Uplink=uplink0
[SOCKS]
Listen=127.0.0.1:108$i
AllowFrom=127.0.0.0/8
Workers=2
[Forward]
Forward=127.0.0.1:222$i 100.64.0.1:80
[DNS]
Listen=127.0.0.1:530$i
Domain=f$i
EOF2
done
check "daemon-reload" sb systemctl daemon-reload
check_output "tailscaled@ has TimeoutStartSec=30s" '^30s$' \
    sb systemctl show -p TimeoutStartUSec --value tailscaled@f1.service
check_output "the daemons' watchdog is 4 s" '^WatchdogSec=4s WatchdogSec=4s$' sb sh -c \
    'echo $(systemctl cat socks@f1.service ts-relay@f1.service | grep ^WatchdogSec=)'

# --- 1. a healthy instance --------------------------------------------------------------
check "tsproxy@f1.target starts" sb timeout 60 systemctl start tsproxy@f1.target
check "f1 logs in" sandbox_login f1
check_output "SOCKS works" '^you are ' socks_get 1081
check_output "the forward works" 'you are ' relay_get 2221
check_output "DNS works" '^10\.1\.2\.3$' dns_a 5301 10.1.2.3.f1
check_output "LocalAPI directory is 0700 root" '^700 root$' sb stat -c '%a %U' /run/tailscale-f1
check "socks@'s dynamic user cannot connect to tailscaled's socket" not sb systemd-run --wait --quiet \
    -p DynamicUser=yes -p User=tsproxy-socks-f1 -p NetworkNamespacePath=/run/netns/f1 \
    /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); s.connect("/run/tailscale-f1/tailscaled.sock")'

# --- 2. SIGKILL of tsproxy-nat: nothing else restarts, no request fails, guard holds ----
pids() { echo "$(main_pid tailscaled@f1.service) $(main_pid socks@f1.service) $(main_pid ts-relay@f1.service) $(main_pid ts-dns@f1.service)"; }
socks_since=$(since socks@f1.socket); before=$(pids); natpid=$(main_pid ts-nat@f1.service)
# The namespace tries the host's own service (the host's veth address, port 7000 has
# nothing, so any answer, even a RST, is a leak: only a timeout means dropped).
sb sh -c 'ip netns exec f1 python3 -c "
import socket, time
leaks = 0
end = time.time() + 4
while time.time() < end:
    s = socket.socket(); s.settimeout(0.05)
    try:
        s.connect((\"192.0.2.2\", 7)); leaks += 1
    except ConnectionRefusedError:
        leaks += 1
    except OSError:
        pass
    s.close()
print(leaks)
" > /tmp/leaks' &
probe=$!
fails=0
for i in $(seq 1 30); do
    ((i == 5)) && sb kill -KILL "$natpid"
    socks_get 1081 3 >/dev/null 2>&1 || ((fails++))
    sleep 0.05
done
wait $probe
check "a new tsproxy-nat" wait_for 30 pid_changed ts-nat@f1.service "$natpid"
check_output "0 of 30 SOCKS requests failed across the NAT helper's crash" '^0$' echo "$fails"
check_output "the namespace never reached the host meanwhile (0 connections)" '^0$' sb cat /tmp/leaks
check_output "tailscaled, socks, relay and dns kept their processes" "^$before\$" pids
check "socks@f1.socket was not restarted" test "$(since socks@f1.socket)" = "$socks_since"

# --- 3. SIGKILL of tailscaled: only tailscaled restarts ----------------------------------
tspid=$(main_pid tailscaled@f1.service); daemons="$(main_pid socks@f1.service) $(main_pid ts-relay@f1.service) $(main_pid ts-dns@f1.service)"
sb kill -KILL "$tspid"
check "tailscaled@f1 restarts" wait_for 50 pid_changed tailscaled@f1.service "$tspid"
check "and is Running again" sandbox_wait_running f1
check_output "socks, relay and dns kept their processes" "^$daemons\$" sb sh -c \
    'echo $(systemctl show -p MainPID --value socks@f1.service ts-relay@f1.service ts-dns@f1.service)'
check "socks@f1.socket was not restarted" test "$(since socks@f1.socket)" = "$socks_since"
check_output "SOCKS works" '^you are ' socks_get 1081

# --- 4. the watchdog: a stopped daemon, a stopped worker thread ---------------------------
spid=$(main_pid socks@f1.service)
sb kill -STOP "$spid"
t0=$SECONDS
check "SIGSTOP of tsproxy-socks: restarted within 10 s" wait_for 100 pid_changed socks@f1.service "$spid"
echo "# restarted after $((SECONDS - t0)) s"
check "SOCKS works again" wait_for 30 socks_get 1081
rpid=$(main_pid ts-relay@f1.service)
tid=$(sb sh -c "ls /proc/$rpid/task | grep -vx $rpid | head -1")
check_output "tsproxy-relay has a worker thread" '^[0-9]+$' echo "$tid"
# ptrace stops that one thread (PTRACE_SEIZE + PTRACE_INTERRUPT); the others run on.
sb python3 -c "
import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
assert libc.ptrace(0x4206, $tid, None, None) == 0
assert libc.ptrace(0x4207, $tid, None, None) == 0
time.sleep(12)
" &
tracer=$!
check "one stopped worker thread of tsproxy-relay: restarted within 10 s" \
    wait_for 100 pid_changed ts-relay@f1.service "$rpid"
kill "$tracer" 2>/dev/null; wait "$tracer" 2>/dev/null
check_output "the journal says which worker hung" 'Worker 1 has not run its loop' \
    sb journalctl -u ts-relay@f1.service -o cat
check_output "the forward works again" 'you are ' relay_get 2221

# --- 5. ip netns delete by hand, then a restart of the target ----------------------------
spid=$(main_pid socks@f1.service)
sb ip netns delete f1
check "restart of tsproxy@f1.target after ip netns delete" sb timeout 60 systemctl restart tsproxy@f1.target
check "the namespace is back" sb test -e /run/netns/f1
check "socks@f1 runs in the new namespace" sb sh -c \
    "test \$(stat -L -c %i /run/netns/f1) = \$(stat -L -c %i /proc/\$(systemctl show -p MainPID --value socks@f1.service)/ns/net)"
check "tailscaled is Running" sandbox_wait_running f1
check_output "SOCKS works" '^you are ' socks_get 1081

# --- 6. tailscaled exiting at start: everything rolls back --------------------------------
sb mkdir -p /run/systemd/system/tailscaled@f2.service.d
sb sh -c 'printf "[Service]\nExecStart=\nExecStart=/bin/false\n" > /run/systemd/system/tailscaled@f2.service.d/fault.conf'
sb systemctl daemon-reload
# systemctl start returns when tailscaled's first attempt failed (systemd 252 ends the
# start job then, while Restart= tries again); when its restarts are used up it fails
# for good and OnFailure= rolls the instance back.
sb timeout 60 systemctl start tsproxy@f2.target
check "tailscaled@f2 fails for good" wait_for 100 sb systemctl is-failed --quiet tailscaled@f2.service
check "the rollback leaves nothing of f2" wait_for 100 no_leftovers f2 '1082|2222|5302'
check_empty "(nothing)" leftovers f2 '1082|2222|5302'
check_output "f1 is untouched" '^you are ' socks_get 1081

# --- 7. tailscaled never READY: bounded, SOCKS refuses meanwhile, then rolls back --------
sb sh -c 'printf "[Service]\nExecStart=\nExecStart=/bin/sleep infinity\nTimeoutStartSec=6s\n" > /run/systemd/system/tailscaled@f2.service.d/fault.conf'
sb systemctl daemon-reload
sb systemctl reset-failed
t0=$SECONDS
sb systemctl start --no-block tsproxy@f2.target
check "socks@f2 is up while tailscaled@f2 starts" wait_for 50 sb systemctl is-active --quiet socks@f2.service
check_output "tailscaled@f2 is still activating" '^activating$' sb sh -c 'systemctl is-active tailscaled@f2.service; true'
t1=$SECONDS
socks_get 1082 5 >/dev/null 2>&1; rc=$?
check_output "a SOCKS client is refused at once, not left waiting (curl exit $rc)" '^(97|7|56)$' echo $rc
check "within 2 s" test $((SECONDS - t1)) -le 2
check "the start fails and rolls back within 15 s" wait_for 150 sb systemctl is-failed --quiet tailscaled@f2.service
check "everything of f2 goes" wait_for 100 no_leftovers f2 '1082|2222|5302'
check_empty "(nothing)" leftovers f2 '1082|2222|5302'
echo "# failed and rolled back after $((SECONDS - t0)) s"
check_output "tailscaled@f2 failed by timeout, not restarted" '^timeout$' \
    sb systemctl show -p Result --value tailscaled@f2.service
# A later start works.
sb rm -r /run/systemd/system/tailscaled@f2.service.d
sb systemctl daemon-reload
sb systemctl reset-failed
check "a later start of f2 works" sb timeout 60 systemctl start tsproxy@f2.target
check "f2 logs in" sandbox_login f2
check_output "f2's SOCKS works" '^you are ' socks_get 1082

sandbox_stop
check_rc "clean poweroff" $?
finish
