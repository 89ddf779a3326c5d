#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-socks-drain.sh BUILDDIR [DESTDIR]: tsproxy-socks stops gracefully (tsproxy-socks(8),
# STOPPING): `systemctl restart socks@d1.service` while connections are in flight. A slow
# HTTP request through a SOCKS5 tunnel gets its whole answer from the old daemon; an HTTP
# keep-alive client of the forward proxy, idle between requests, is closed at once; a
# client that connects during the restart waits in socks@d1.socket's backlog (the old
# daemon no longer accepts, the listener stays open) and is served by the new daemon; a
# tunnel still open after the drain time (5 s) is cut, and the journal says so. A second
# SIGTERM exits at once. The targets (drain-client.py target) run in sim-inet on the fake
# tailnet peer's address 100.64.0.1, reached through the instance's tailscale0.
set -u

. "$(dirname "$0")/sandbox.sh"

builddir=${1:?usage: $0 BUILDDIR [DESTDIR]}
sandbox_require
[[ -x /usr/bin/python3 ]] || skip "no /usr/bin/python3"

sandbox_install_and_start "$builddir" "${2:-}" || { finish; exit 1; }

LIB=/usr/local/lib/tsproxy-sandbox
wait_for() { local n=$1; shift; while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
main_pid() { sb systemctl show -p MainPID --value "$1"; }
drain() { sb timeout 40 /usr/bin/python3 "$LIB/drain-client.py" "$@"; }
target_says() { sb journalctl -u drain-target -o cat | grep -qxF -- "$1"; }
journal_has() { sb journalctl -u socks@d1.service -o cat | grep -Eq -- "$1"; }
# The time T of "NAME: ... at T" in $out.
at() { sed -n "s/^$1: .* at \([0-9.]*\)\$/\1/p" <<<"$out"; }
# awk's verdict on an expression of a and b.
cmp() { awk -v a="$2" -v b="${3:-0}" "BEGIN { exit !(a != \"\" && ($1)) }"; }

sb sh -c "cat > $LIB/drain-client.py && chmod 0755 $LIB/drain-client.py" <"$SANDBOX_SRCDIR/drain-client.py"
check "drain-target starts in sim-inet on 100.64.0.1" \
    sb systemd-run --quiet --unit=drain-target -p NetworkNamespacePath=/run/netns/sim-inet \
    /usr/bin/python3 "$LIB/drain-client.py" target 100.64.0.1
check "drain-target listens" wait_for 100 target_says listening

sb mkdir -p /etc/tsproxy
sb sh -c 'cat > /etc/tsproxy/d1.conf' <<'EOF2'
[Instance]
AutoStart=no
[Namespace]
Uplink=uplink0
[SOCKS]
Listen=127.0.0.1:1085
Workers=2
EOF2
check "daemon-reload runs the generator" sb systemctl daemon-reload
check "tsproxy@d1.target starts" sb timeout 60 systemctl start tsproxy@d1.target
check "d1's tailscaled logs in (sandbox_login)" sandbox_login d1
check "socks@d1.service is active" sb systemctl is-active --quiet socks@d1.service

# --- 1. restart with connections in flight ---------------------------------------------------
old_pid=$(main_pid socks@d1.service)
out=$(drain restart 127.0.0.1:1085 100.64.0.1:9010 100.64.0.1:9011 100.64.0.1:80 socks@d1.service 2>&1)
printf '# %s\n' "${out//$'\n'/$'\n'# }"
check_output "systemctl restart works (and waits for the drain)" '^restart: rc 0 ' echo "$out"
check "socks@d1.service has a new process" test "$(main_pid socks@d1.service)" != "$old_pid"
check_output "a slow request in flight gets its whole answer (200000 bytes, 1.5 s late)" \
    '^slow: complete 200000 bytes ' echo "$out"
check "an idle HTTP keep-alive client is closed at once (at $(at idle) s, before the slow answer at $(at slow) s)" \
    cmp 'a < 1 && a < b' "$(at idle)" "$(at slow)"
check_output "a tunnel relays before the restart" '^tunnel: echo ok$' echo "$out"
check "a tunnel still open is cut after the 5 s drain time (at $(at tunnel) s)" \
    cmp 'a >= 4.5 && a < 8' "$(at tunnel)"
check "and the journal says so" wait_for 30 journal_has '^The drain time of 5 s is over: cutting 1 connection\.$' ||
    sb journalctl -u socks@d1.service -o cat | grep -E 'drain|Stopping|cutting|finished' | sed 's/^/#   /'
check_output "a client connecting during the restart is served (by the new daemon: after the drain)" \
    '^new: you are 100\.' echo "$out"
check "it was answered after the old daemon stopped (at $(at new) s, the tunnel cut at $(at tunnel) s)" \
    cmp 'a >= b' "$(at new)" "$(at tunnel)"

# --- 2. a second SIGTERM exits at once --------------------------------------------------------
pid=$(main_pid socks@d1.service)
# Not `sb` in the background (a subshell would hold meson's pipe): nsenter, waited for.
nsenter -t "$SANDBOX_PID" -m -p -n -u -i -C -r -w \
    timeout 20 /usr/bin/python3 "$LIB/drain-client.py" hold 127.0.0.1:1085 100.64.0.1:9011 \
    >"$SANDBOX_TMP/hold.out" 2>&1 </dev/null &
hold=$!
check "a tunnel is held" wait_for 100 grep -qx held "$SANDBOX_TMP/hold.out"
sb kill -TERM "$pid"
sleep 0.5
check "after one SIGTERM the daemon drains (still running)" sb kill -0 "$pid"
sb kill -TERM "$pid"
wait "$hold"
check_output "a second SIGTERM exits at once and cuts the tunnel" '^closed after [01]\.[0-9]+ s$' \
    cat "$SANDBOX_TMP/hold.out"
check "the journal says so" journal_has '^Signal .* again: exiting at once\.$'
check "and how many it cut" journal_has '^Exiting before the drain is done: cutting 1 connection\.$'

check "stopping tsproxy@d1.target works" sb systemctl stop tsproxy@d1.target
sb systemctl stop drain-target.service
sandbox_stop
check_rc "clean poweroff" $?
finish
