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
    'ExecStart=.*/tsproxy-dns t1 --domain t1 --tailnet-domain tailnet\.test( --egress-interface tailscale0)?$' sb systemctl cat ts-dns@t1.service
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
check "the daemon is still active after all that" sb systemctl is-active --quiet ts-dns@t1.service
check "STATUS= counts synthesized answers and cache hits" \
    wait_for 30 status_matches ts-dns@t1.service '[1-9][0-9]* synthesized, [1-9][0-9]* cache hits'
status_text ts-dns@t1.service | sed 's/^/# /'

# --- 7. stop -------------------------------------------------------------------------------------
check "stopping tsproxy@t1.target works" sb systemctl stop tsproxy@t1.target
check "ts-dns@t1.socket and .service stop with it" wait_for 100 dns_stopped
check_empty "no tsproxy-dns process is left" sb sh -c 'pgrep -a tsproxy-dns; true'
check_empty "nothing listens on 5300 any more (TCP or UDP)" listening_on 5300

sandbox_stop
check_rc "clean poweroff" $?
finish
