#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-dns-resolved.sh BUILDDIR [DESTDIR]: tsproxy-dns behind a DNSSEC-validating
# systemd-resolved, as tsproxy-dns(8) (INTEGRATION WITH SYSTEMD-RESOLVED) tells to set it
# up. The instance t1 serves the domain t1 on 127.0.0.1:5300; resolved in the sandbox
# routes ~t1 there. With DNSSEC=yes and with DNSSEC=allow-downgrade, a name under t1 fails
# validation (the domain is private, not delegated from the root, and the renamed answers
# carry no signatures) until /etc/dnssec-trust-anchors.d/tsproxy-t1.negative names t1;
# then synthesized and forwarded names resolve. dig checks that tsproxy-dns copies the
# DO bit (RFC 3225) and never sets AD.
#
# systemd-resolved is never installed on the machine running the test (its postinst
# takes /etc/resolv.conf over): Debian's package of the host's systemd version is
# unpacked (dpkg -x) into the sandbox's install tree instead. It is taken from
# $TSPROXY_TEST_CACHE (default /var/cache/tsproxy-test, where tools/install-deps.sh puts
# it), fetched there with `apt-get download` if missing.
set -u

. "$(dirname "$0")/sandbox.sh"

builddir=${1:?usage: $0 BUILDDIR [DESTDIR]}
sandbox_require
command -v dig >/dev/null || skip "'dig' not found (bind9-dnsutils)"
[[ -x /usr/bin/dbus-daemon ]] || skip "no dbus-daemon (resolvectl talks to resolved over D-Bus)"

# --- systemd-resolved, unpacked, never installed ---------------------------------------
cache=${TSPROXY_TEST_CACHE:-/var/cache/tsproxy-test}
version=$(dpkg-query -W -f '${Version}' systemd)
find_deb() { ls "$cache"/systemd-resolved_"${version//:/%3a}"_*.deb 2>/dev/null | head -n1; }
deb=$(find_deb)
if [[ -z $deb ]]; then
    mkdir -p "$cache" && (cd "$cache" && apt-get download -qq -o APT::Sandbox::User=root "systemd-resolved=$version") >&2
    deb=$(find_deb)
fi
check "systemd-resolved $version as a .deb (${deb:-none}; not installed)" test -n "$deb" || { finish; exit 1; }
check "systemd-resolved is not installed on this machine" \
    sh -c '! dpkg-query -W -f "\${Status}" systemd-resolved 2>/dev/null | grep -q " installed"'

if [[ -n ${2:-} ]]; then
    sandbox_install_and_start "$builddir" "$2" || { finish; exit 1; }
else
    sandbox_meson_install "$builddir"
    check_rc "meson install --destdir of the build dir" $? || { finish; exit 1; }
    check "dpkg -x systemd-resolved into the sandbox's install tree" dpkg -x "$deb" "$SANDBOX_DESTDIR"
    sandbox_start "$SANDBOX_DESTDIR"
    check_rc "systemd boots as PID 1 of the sandbox" $? || { finish; exit 1; }
fi

# --- helpers ------------------------------------------------------------------------------
wait_for() { local n=$1; shift; while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
one_line() { "$@" | tr '\n' ' '; }
q() { sb dig @127.0.0.1 -p 5300 +time=3 +tries=1 "$@"; }
# resolvectl query, no cache, printing what it says; fails with its exit code.
rq() { sb timeout 20 resolvectl query --cache=no --legend=no "$@"; }
# Succeeds (printing the message) only if resolvectl fails and names DNSSEC.
fails_dnssec() {
    local out
    out=$(rq "$@" 2>&1) && { echo "unexpected success: $out"; return 1; }
    echo "$out"
    grep -qi 'dnssec' <<<"$out"
}
resolved_with() {
    sb sh -c "mkdir -p /etc/systemd/resolved.conf.d && cat > /etc/systemd/resolved.conf.d/tsproxy-t1.conf" <<EOF2
[Resolve]
DNS=127.0.0.1:5300
Domains=~t1
DNSSEC=$1
EOF2
    sb systemctl restart systemd-resolved.service && wait_for 50 sb resolvectl status
}
NTA=/etc/dnssec-trust-anchors.d/tsproxy-t1.negative

# --- 1. the instance's DNS server ---------------------------------------------------------
sb mkdir -p /etc/tsproxy
sb sh -c 'cat > /etc/tsproxy/t1.conf' <<'EOF2'
[Instance]
Description=DNS behind systemd-resolved test instance
AutoStart=no

[Namespace]
Uplink=uplink0

[DNS]
Listen=127.0.0.1:5300
Domain=t1
TailnetDomain=tailnet.test
EOF2
check "daemon-reload runs the generator" sb systemctl daemon-reload
check "tsproxy@t1.target starts" sb timeout 60 systemctl start tsproxy@t1.target
check "t1's tailscaled logs in (sandbox_login)" sandbox_login t1
check "ts-dns@t1.socket is active" sb systemctl is-active --quiet ts-dns@t1.socket

# --- 2. DO echoed, AD never -----------------------------------------------------------------
check_output "a query with DO: the answer's OPT has DO too (RFC 3225)" 'EDNS: version: 0, flags: do;' \
    q +dnssec 10.100.10.141.t1
check_output "a query without DO: no DO in the answer" 'EDNS: version: 0, flags:;' q 10.100.10.141.t1
check_output "a forwarded name with DO and AD asked for: DO echoed, no ad flag" \
    'flags: qr rd ra;.*EDNS: version: 0, flags: do;.*100\.64\.0\.1' one_line q +dnssec +adflag peer.t1
check_output "an error (REFUSED) with DO: DO echoed" 'status: REFUSED.*flags: do;' \
    one_line q +dnssec example.com

# --- 3. systemd-resolved, unmasked only in here ---------------------------------------------
# sandbox.sh masks it for every test (it must not reach out of the sandbox, nor stand in
# for the host's resolver); here it only talks to 127.0.0.1:5300.
check "the systemd-resolve user (sysusers.d of the package)" sb systemd-sysusers systemd-resolve.conf
check "unmask systemd-resolved.service" sb sh -c 'rm -f /etc/systemd/system/systemd-resolved.service && systemctl daemon-reload'
check "the system bus runs" sb systemctl start dbus.service

for mode in yes allow-downgrade; do
    sb rm -f "$NTA"
    check "resolved starts with DNSSEC=$mode, ~t1 routed to 127.0.0.1:5300" resolved_with "$mode"
    check_output "DNSSEC=$mode: resolvectl shows the server and the domain" \
        '127\.0\.0\.1:5300.*~t1|~t1.*127\.0\.0\.1:5300' one_line sb resolvectl status
    check "DNSSEC=$mode, no negative trust anchor: 10.100.10.141.t1 fails DNSSEC validation" \
        fails_dnssec 10.100.10.141.t1
    echo "# $(rq 10.100.10.141.t1 2>&1 | tail -n1)"
    check "DNSSEC=$mode, no negative trust anchor: peer.t1 too" fails_dnssec peer.t1

    sb sh -c "mkdir -p ${NTA%/*} && echo t1 > $NTA"
    check "with $NTA, resolved restarted" resolved_with "$mode"
    check_output "DNSSEC=$mode with the NTA: 10.100.10.141.t1 is 10.100.10.141" \
        '^10\.100\.10\.141\.t1: 10\.100\.10\.141' rq -4 10.100.10.141.t1
    check_output "DNSSEC=$mode with the NTA: peer.t1 is 100.64.0.1 (forwarded to MagicDNS)" \
        '^peer\.t1: 100\.64\.0\.1' rq -4 peer.t1
    check_output "DNSSEC=$mode with the NTA: the answer is not authenticated" \
        'Data is authenticated: no' sb timeout 20 resolvectl query --cache=no -4 peer.t1
done

sb rm -f "$NTA" /etc/systemd/resolved.conf.d/tsproxy-t1.conf
check "resolved stops" sb systemctl stop systemd-resolved.service
check "tsproxy@t1.target stops" sb systemctl stop tsproxy@t1.target

sandbox_stop
check_rc "clean poweroff" $?
finish
