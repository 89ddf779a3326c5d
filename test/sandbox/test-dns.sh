#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-dns.sh BUILDDIR [DESTDIR]: end to end, the DNS server of an instance ([DNS] in
# tsproxy.conf(5)) under the real systemd of the sandbox: the generator makes
# ts-dns@t1.socket (UDP and TCP in the host namespace) and ts-dns@t1.service
# (tsproxy-dns inside t1's namespace, a dynamic user without capabilities). dig asks
# 127.0.0.1:5300 for synthesized names (answered by the daemon alone), for names under
# t1 that it forwards to the simulated MagicDNS (dnsmasq on 100.100.100.100 in sim-inet,
# reached through t1's fake tailscale0; magicdns.conf) as NAME.tailnet.test, and for
# names outside t1 (refused); a name with 40 addresses is truncated over UDP without
# EDNS0 and complete over TCP.
set -u

. "$(dirname "$0")/sandbox.sh"

builddir=${1:?usage: $0 BUILDDIR [DESTDIR]}
sandbox_require
command -v dig >/dev/null || skip "'dig' not found (bind9-dnsutils)"

sandbox_install_and_start "$builddir" "${2:-}" || { finish; exit 1; }

# --- helpers --------------------------------------------------------------------------
not() { ! "$@"; }
wait_for() { local n=$1; shift; while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
main_pid() { sb systemctl show -p MainPID --value "$1"; }
status_text() { sb systemctl show -p StatusText --value "$1"; }
status_matches() { status_text "$1" | grep -Eq -- "$2"; }
one_line() { "$@" | tr '\n' ' '; }
# dig at the instance's DNS server; one try, so a lost answer shows as a failure.
q() { sb dig @127.0.0.1 -p 5300 +time=3 +tries=1 "$@"; }
# The answer section only, one record a line: NAME TTL CLASS TYPE DATA.
answer() { q +noall +answer "$@"; }
listening() { sb ss -H "$@" | awk '{print $4}'; }
listening_on() { { listening -ltn; listening -lun; } | grep -- ":$1\$"; true; }
LIB=/usr/local/lib/tsproxy-sandbox
sb sh -c "mkdir -p $LIB && cat > $LIB/dns-flood.py && chmod 0755 $LIB/dns-flood.py" <"$SANDBOX_SRCDIR/dns-flood.py"
# dig fails (exit 9) when nothing answers: print what it said, succeed only then.
unanswered() { local out; out=$("$@" 2>&1) && return 1; echo "$out"; }
flood() { sb timeout 40 /usr/bin/python3 "$LIB/dns-flood.py" "$@"; }
restart_dns() { sb systemctl daemon-reload && sb systemctl restart ts-dns@t1.service && wait_for 50 sb systemctl is-active --quiet ts-dns@t1.service; }
dns_stopped() {
    local states
    states=$(sb systemctl is-active ts-dns@t1.socket ts-dns@t1.service)
    ! grep -qvE '^(inactive|failed)$' <<<"$states"
}

# --- 1. configuration, generation, start -----------------------------------------------
sb mkdir -p /etc/tsproxy
sb sh -c 'cat > /etc/tsproxy/t1.conf' <<'EOF2'
[Instance]
Description=DNS end-to-end test instance
AutoStart=no

[Namespace]
Uplink=uplink0

[DNS]
Listen=127.0.0.1:5300
Domain=t1
TailnetDomain=tailnet.test
EOF2
check "daemon-reload runs the generator" sb systemctl daemon-reload
check_output "ts-dns@t1.socket listens on 127.0.0.1:5300, UDP and TCP" \
    'ListenStream=127\.0\.0\.1:5300 ListenDatagram=127\.0\.0\.1:5300' one_line sb systemctl cat ts-dns@t1.socket
check_output "ts-dns@t1.service runs tsproxy-dns with the domains" \
    'ExecStart=.*/tsproxy-dns t1 --domain t1 --tailnet-domain tailnet\.test --tailnet-domain-file /run/tsproxy/t1/magicdns-suffix --allow-from 100\.64\.0\.0/10 --allow-from fd7a:115c:a1e0::/48 --allow-from 127\.0\.0\.0/8 --allow-from ::1/128( --egress-interface tailscale0)?$' sb systemctl cat ts-dns@t1.service
check_output "ts-dns@t1.service has LimitNOFILE=8192 (not the default 1024)" '^8192$' \
    sb systemctl show -p LimitNOFILE --value ts-dns@t1.service
verify_out=$(sb systemd-analyze verify --generators=yes ts-dns@t1.socket ts-dns@t1.service 2>&1); verify_rc=$?
check "systemd-analyze verify is clean on ts-dns@t1.socket and .service" \
    test "$verify_rc" = 0 -a -z "$verify_out"
[[ -n $verify_out ]] && printf '# %s\n' "$verify_out"

check "tsproxy@t1.target starts" sb timeout 60 systemctl start tsproxy@t1.target
check "t1's tailscaled logs in (sandbox_login)" sandbox_login t1
check "ts-dns@t1.socket is active" sb systemctl is-active --quiet ts-dns@t1.socket
check "ts-dns@t1.service is active" sb systemctl is-active --quiet ts-dns@t1.service ||
    sb journalctl -u ts-dns@t1.service -o cat | tail -8 | sed 's/^/#   /'
wait_for 30 test -n "$(status_text ts-dns@t1.service)"
check_output "it reports READY and a STATUS=" 'queries' status_text ts-dns@t1.service

# --- 2. sandboxing ----------------------------------------------------------------------
exposure=$(sb systemd-analyze security --no-pager ts-dns@t1.service 2>&1 |
    sed -n 's/.*Overall exposure level for ts-dns@t1\.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: overall exposure ${exposure:-?} <= 2.0" \
    awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 2.0) }'
pid=$(main_pid ts-dns@t1.service)
check_output "tsproxy-dns is the main process" 'tsproxy-dns' sb cat "/proc/$pid/comm"
check_output "it runs as a dynamic user, not root" '^Uid:[[:space:]]+(6[1-5][0-9]{3})[[:space:]]' \
    sb grep '^Uid:' "/proc/$pid/status"
check_output "with no effective capabilities" '^CapEff:[[:space:]]+0+$' sb grep '^CapEff:' "/proc/$pid/status"
check_output "nor any in its bounding set" '^CapBnd:[[:space:]]+0+$' sb grep '^CapBnd:' "/proc/$pid/status"
ns_daemon=$(sb readlink "/proc/$pid/ns/net")
ns_t1=$(sb ip netns exec t1 readlink /proc/self/ns/net)
check "it lives in t1's network namespace ($ns_daemon)" test -n "$ns_t1" -a "$ns_daemon" = "$ns_t1"
check_output "UDP 127.0.0.1:5300 is bound in the host namespace" '^127\.0\.0\.1:5300$' listening -lun
check_output "TCP 127.0.0.1:5300 too" '^127\.0\.0\.1:5300$' listening -ltn

# --- 3. synthesized names ---------------------------------------------------------------
check_output "10.100.10.141.t1 is A 10.100.10.141" '^10\.100\.10\.141\.t1\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.100\.10\.141$' \
    answer 10.100.10.141.t1
check_output "10-100-10-141.t1 too" '^10-100-10-141\.t1\..*[[:space:]]A[[:space:]]+10\.100\.10\.141$' \
    answer 10-100-10-141.t1
check_output "fd7a-115c-a1e0--1.t1 is AAAA fd7a:115c:a1e0::1" 'AAAA[[:space:]]+fd7a:115c:a1e0::1$' \
    answer fd7a-115c-a1e0--1.t1 AAAA
check_output "the case of the question comes back as asked" '^10\.1\.2\.3\.T1\..*A[[:space:]]+10\.1\.2\.3$' \
    answer 10.1.2.3.T1
check_output "synthesized names over TCP" '[[:space:]]A[[:space:]]+192\.0\.2\.7$' answer +tcp 192-0-2-7.t1
check_output "AAAA of an IPv4 name: NOERROR without an answer, with t1's SOA" \
    'status: NOERROR.*ANSWER: 0, AUTHORITY: 1.*t1\..*SOA' one_line q 10.1.2.3.t1 AAAA
check_output "the answers are authoritative (aa)" 'flags: qr aa' q 10.1.2.3.t1

# --- 4. forwarded names -------------------------------------------------------------------
check_output "peer.t1 is asked of MagicDNS as peer.tailnet.test: A 100.64.0.1, named peer.t1" \
    '^peer\.t1\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+100\.64\.0\.1$' answer peer.t1
check_output "alias.t1: the CNAME chain renamed (alias.t1 -> peer.t1 -> 100.64.0.1)" \
    '^alias\.t1\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+peer\.t1\. peer\.t1\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+100\.64\.0\.1 $' \
    one_line answer alias.t1
check_output "nosuch.t1: NXDOMAIN" 'status: NXDOMAIN' q nosuch.t1
ttl1=$(answer peer.t1 | awk '{print $2}')
sleep 2.2
ttl2=$(answer peer.t1 | awk '{print $2}')
check "the TTL counts down in the cache ($ttl1, then $ttl2 2 s later)" \
    test -n "$ttl1" -a -n "$ttl2" -a "${ttl2:-0}" -lt "${ttl1:-0}" -a "${ttl2:-0}" -gt 0

# --- 5. truncation ---------------------------------------------------------------------------
check_output "many.t1 over UDP without EDNS0: truncated (tc), part of the 40 addresses" \
    'flags: qr tc rd ra;.*ANSWER: (1|2|3)[0-9],' one_line q many.t1 +noedns +ignore
check_output "without +ignore, dig retries over TCP and gets all 40" \
    'ANSWER: 40,' q many.t1 +noedns
check_output "over TCP: all 40, no tc" 'flags: qr rd ra;.*ANSWER: 40,' one_line q many.t1 +tcp
check_output "with EDNS0 (1232 bytes) over UDP: all 40" 'flags: qr rd ra;.*ANSWER: 40,.*udp: 1232' \
    one_line q many.t1 +bufsize=1232

# --- 6. never an open resolver -----------------------------------------------------------------
check_output "example.com: REFUSED" 'status: REFUSED' q example.com
check_output "peer.tailnet.test (the tailnet's own name): REFUSED" 'status: REFUSED' q peer.tailnet.test
check_output "the root: REFUSED" 'status: REFUSED' q . NS
check_output "an AXFR of t1 is not served" '(Transfer failed|REFUSED|NOTIMP|communications error)' \
    sb dig @127.0.0.1 -p 5300 +time=3 +tries=1 t1 AXFR
for t in AXFR IXFR; do
    for proto in udp tcp; do
        check_output "$t of the apex t1 over $proto: NOTIMP" '^NOTIMP$' flood rcode 127.0.0.1 5300 t1 "$t" "$proto"
        check_output "$t of peer.t1 over $proto: NOTIMP" '^NOTIMP$' flood rcode 127.0.0.1 5300 peer.t1 "$t" "$proto"
    done
done
check "the daemon is still active after all that" sb systemctl is-active --quiet ts-dns@t1.service

check "STATUS= counts synthesized answers and cache hits" \
    wait_for 30 status_matches ts-dns@t1.service '[1-9][0-9]* synthesized, [1-9][0-9]* cache hits'
status_text ts-dns@t1.service | sed 's/^/# /'

# --- 6b. AllowFrom= ---------------------------------------------------------------------------
sb sh -c 'echo AllowFrom=127.0.0.2/32 >> /etc/tsproxy/t1.conf'
check "AllowFrom=127.0.0.2/32: regenerated and restarted" restart_dns
check_output "the command line has only --allow-from 127.0.0.2/32" 'magicdns-suffix --allow-from 127\.0\.0\.2/32( --egress|$)' \
    sb systemctl cat ts-dns@t1.service
check_output "a query from 127.0.0.2 (inside) is answered" 'status: NOERROR' q -b 127.0.0.2 10.1.2.3.t1
check_output "a UDP query from 127.0.0.1 (outside) gets nothing" 'timed out|no servers could be reached' \
    unanswered q -b 127.0.0.1 10.1.2.3.t1
check_output "a TCP query from 127.0.0.1 is closed unanswered" '(end of file|connection reset|timed out|no servers)' \
    unanswered q -b 127.0.0.1 +tcp 10.1.2.3.t1
sb sed -i '/^AllowFrom=/d' /etc/tsproxy/t1.conf
check "AllowFrom= removed: the default again" restart_dns
check_output "127.0.0.1 is served again (loopback is in the default)" 'status: NOERROR' q 10.1.2.3.t1

# --- 6c. slow TCP clients ---------------------------------------------------------------------
# 40 clients from 127.0.0.1 trickle a byte of their query every 5 s; meanwhile a normal
# TCP client (same source) is served, and after 13 s every trickler has been closed (the
# whole query must arrive within 10 s; the per-source limit of 32 closed the oldest).
flood trickle 127.0.0.1 5300 40 13 >"$SANDBOX_TMP/trickle.out" &
trickle_pid=$!
sleep 2
check_output "with 40 slow clients connected, a normal TCP query is answered" 'status: NOERROR' q +tcp 10.1.2.3.t1
check_output "and one over UDP" 'status: NOERROR' q 10.1.2.3.t1
wait "$trickle_pid"
check_output "all 40 slow clients were closed within 13 s" '^40$' cat "$SANDBOX_TMP/trickle.out"

# --- 6d. out of descriptors -------------------------------------------------------------------
# LimitNOFILE=40 for a while: 150 TCP clients at once run it out of descriptors. accept()
# fails with EMFILE: the daemon must back off (no busy loop) and log it at most once per
# 10 s, where it logged every failure (35,000 lines) before.
sb mkdir -p /run/systemd/system/ts-dns@t1.service.d
sb sh -c 'printf "[Service]\nLimitNOFILE=40\n" > /run/systemd/system/ts-dns@t1.service.d/90-test.conf'
check "LimitNOFILE=40: restarted" restart_dns
pid=$(main_pid ts-dns@t1.service)
since=$(sb date +%s.%N)
cpu0=$(sb awk '{print $14 + $15}' "/proc/$pid/stat")
check_output "150 TCP clients connect (the backlog takes what the daemon cannot)" '^1[0-9][0-9]$' \
    flood hold 127.0.0.1 5300 150 4
cpu1=$(sb awk '{print $14 + $15}' "/proc/$pid/stat")
check "the daemon did not spin: $((cpu1 - cpu0)) ticks of CPU in 4 s (< 100)" test $((cpu1 - cpu0)) -lt 100
nlog=$(sb journalctl -u ts-dns@t1.service --since "@$since" -o cat | grep -c 'Failed to accept')
check "accept() failures logged $nlog times (1 to 3, not a storm)" test "$nlog" -ge 1 -a "$nlog" -le 3
check "the same process is still running" test "$(main_pid ts-dns@t1.service)" = "$pid"
check_output "and answers once the clients are gone" 'status: NOERROR' q +tcp 10.1.2.3.t1
sb rm -r /run/systemd/system/ts-dns@t1.service.d
check "LimitNOFILE back to the unit's" restart_dns

# --- 7. stop -------------------------------------------------------------------------------------
check "stopping tsproxy@t1.target works" sb systemctl stop tsproxy@t1.target
check "ts-dns@t1.socket and .service stop with it" wait_for 100 dns_stopped
check_empty "no tsproxy-dns process is left" sb sh -c 'pgrep -a tsproxy-dns; true'
check_empty "nothing listens on 5300 any more (TCP or UDP)" listening_on 5300

sandbox_stop
check_rc "clean poweroff" $?
finish
