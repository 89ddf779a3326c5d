#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-names.sh BUILDDIR [DESTDIR]: one naming model for DNS, SOCKS and relay (issue 16
# item 1, name-model.h): the names tsproxy-dns hands out, and the tailnet's own names,
# work as targets through the same instance's SOCKS5 (remote names, curl socks5h://),
# HTTP CONNECT and a Forward= with a name target; the tailnet's MagicDNS suffix is
# learned from /run/tsproxy/NAME/magicdns-suffix, which ts-login@NAME keeps (no
# TailnetDomain= in the .conf), and followed when the tailnet's suffix changes (item 2).
#
# The sandbox's MagicDNS (dnsmasq, magicdns.conf) answers names under tailnet.test; of
# the peer it also knows the short name "peer", so the bare-name checks use "alias" (a
# CNAME alias.tailnet.test -> peer.tailnet.test = 100.64.0.1), which it answers only
# fully qualified, as the real MagicDNS does. Its query log (magicdns.service's journal)
# shows which names were asked: names the model answers itself must never appear there.
# The fake tailnet is IPv4 only: the IPv6 dash form is checked to be answered without a
# query (its address is then not routed).
set -u

. "$(dirname "$0")/sandbox.sh"

builddir=${1:?usage: $0 BUILDDIR [DESTDIR]}
sandbox_require
command -v curl >/dev/null || skip "'curl' not found"
command -v dig >/dev/null || skip "'dig' not found (bind9-dnsutils)"

sandbox_install_and_start "$builddir" "${2:-}" || { finish; exit 1; }

# --- helpers --------------------------------------------------------------------------
not() { ! "$@"; }
wait_for() { local n=$1; shift; while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
# curl through the proxy: via PROXY-URL URL [curl options...] (whoami answers HTTP/0.9).
via() { local proxy=$1 url=$2; shift 2; sb curl -sS --http0.9 --max-time 8 "$@" -x "$proxy" "$url"; }
socks() { via socks5h://127.0.0.1:11080 "http://$1/"; }
connect() { via http://127.0.0.1:11080 "http://$1/" -p; }
forward() { sb curl -sS --http0.9 --max-time 8 "http://127.0.0.1:$1/"; }
dns() { sb dig @127.0.0.1 -p 5301 +time=3 +tries=1 +noall +answer "$@"; }
dns_has_peer() { dns peer.n1 | grep -q '100\.64\.0\.1$'; }
main_pids() { sb systemctl show -p MainPID --value socks@n1.service ts-relay@n1.service ts-dns@n1.service | tr '\n' ' '; }
# The names the simulated MagicDNS was asked since the last mark_log (its log lines).
magicdns_log() { sb journalctl -u magicdns.service -o cat; }
asked() { magicdns_log | tail -n "+$((mark + 1))" | sed -n 's/^.*query\[[A-Z]*\] \([^ ]*\) from .*$/\1/p'; }
mark_log() { mark=$(magicdns_log | wc -l); }
never_asked() { ! asked | grep -qixF -- "$1"; }
suffix_file=/run/tsproxy/n1/magicdns-suffix
suffix_is() { [[ $(sb cat "$suffix_file" 2>/dev/null) == "$1" ]]; }
# The tailnet's suffix changed where it comes from: at the control server (the fake
# tailscaled's n1.tailnet knob, tailnet.test without it); ts-login@n1 writes the file.
set_suffix() {
    if [[ $1 == tailnet.test ]]; then
        sb rm -f /etc/fake-tailnet/n1.tailnet
    else
        sb sh -c "mkdir -p /etc/fake-tailnet && echo 'example.com $1' > /etc/fake-tailnet/n1.tailnet"
    fi
    check "ts-login@n1 writes the suffix $1" wait_for 150 suffix_is "$1"
}

# --- 1. configuration, generation, start -----------------------------------------------
sb mkdir -p /etc/tsproxy
sb sh -c 'cat > /etc/tsproxy/n1.conf' <<'EOF'
[Instance]
Description=naming model end-to-end test instance
AutoStart=no

[Namespace]
Uplink=uplink0

[SOCKS]
Listen=127.0.0.1:11080

[Forward]
Forward=127.0.0.1:2301 alias:80
Forward=127.0.0.1:2302 100-64-0-1.n1:80
Forward=127.0.0.1:2303 peer.n1:80

[DNS]
Listen=127.0.0.1:5301
# No TailnetDomain=: learned from the instance's tailscaled.
EOF
check "daemon-reload runs the generator" sb systemctl daemon-reload
for unit in socks ts-relay ts-dns; do
    check_output "$unit@n1.service gets --domain n1 and the suffix's file, no --tailnet-domain" \
        "ExecStart=.* --domain n1 --tailnet-domain-file $suffix_file( |\$)" sb systemctl cat "$unit@n1.service"
done
check "tsproxy@n1.target starts" sb timeout 60 systemctl start tsproxy@n1.target
check "n1's tailscaled logs in (sandbox_login)" sandbox_login n1
for unit in socks ts-relay ts-dns; do
    check "$unit@n1.service is active" sb systemctl is-active --quiet "$unit@n1.service" ||
        sb journalctl -u "$unit@n1.service" -o cat | tail -8 | sed 's/^/#   /'
done
# The login agent keeps the file: stopped, and the file removed, the suffix is unknown.
check "ts-login@n1 stops" sb systemctl stop ts-login@n1.service
sb rm -f "$suffix_file"
you_are='^you are 100\.[0-9.]+:[0-9]+$'

# --- 2. the suffix unknown: addresses only, nothing asked that MagicDNS cannot answer ------
mark_log
for t in 100.64.0.1.n1 100-64-0-1.n1; do
    check_output "socks5h $t: the address of the name, no DNS" "$you_are" socks "$t"
    check_output "HTTP CONNECT $t" "$you_are" connect "$t"
done
check_output "Forward= to 100-64-0-1.n1:80" "$you_are" forward 2302
check "socks5h peer.n1 fails while the suffix is unknown" not socks peer.n1
check "Forward= to peer.n1:80 fails too" not forward 2303
check_output "tsproxy-dns: 100-64-0-1.n1 is A 100.64.0.1" 'A[[:space:]]+100\.64\.0\.1$' dns 100-64-0-1.n1
check "the domain itself, n1, is refused" not socks n1
sleep 0.5
for n in 100.64.0.1.n1 100-64-0-1.n1 peer.n1 n1 peer.n1.tailnet.test; do
    check "MagicDNS was not asked for $n" never_asked "$n"
done

# --- 3. the suffix learned from the file -----------------------------------------------------
suffix=$(sandbox_localapi n1 status | sed -n 's/^\t"MagicDNSSuffix": "\(.*\)",\?$/\1/p')
check_output "the fake tailscaled's LocalAPI status has the MagicDNS suffix" '^tailnet\.test$' echo "$suffix"
check "ts-login@n1 starts again" sb systemctl start ts-login@n1.service
check "ts-login@n1 writes the suffix it learned" wait_for 150 suffix_is "${suffix:-tailnet.test}"
mark_log
check_output "socks5h alias (a bare name): asked as alias.tailnet.test" "$you_are" socks alias
check_output "HTTP CONNECT alias" "$you_are" connect alias
check_output "Forward= to alias:80" "$you_are" forward 2301
check_output "socks5h peer.n1: peer.tailnet.test" "$you_are" socks peer.n1
check_output "HTTP CONNECT peer.n1" "$you_are" connect peer.n1
check_output "Forward= to peer.n1:80" "$you_are" forward 2303
check_output "socks5h alias.tailnet.test (NAME.TAILNETDOMAIN)" "$you_are" socks alias.tailnet.test
check_output "HTTP CONNECT ALIAS.Tailnet.Test." "$you_are" connect ALIAS.Tailnet.Test.
check_output "tsproxy-dns forwards peer.n1 under the learned suffix" \
    '^peer\.n1\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+100\.64\.0\.1$' dns peer.n1
check "socks5h fd7a-115c-a1e0--1.n1 (IPv6 dash form) is not routed here" not socks fd7a-115c-a1e0--1.n1
check "the domain itself, n1, is still refused" not socks n1
sleep 0.5
check_output "MagicDNS was asked alias.tailnet.test (fully qualified)" '^alias\.tailnet\.test$' asked
check "... and never the bare alias" never_asked alias
check "... nor fd7a-115c-a1e0--1.n1 (answered by the model)" never_asked fd7a-115c-a1e0--1.n1
check "... nor n1" never_asked n1
check "... nor peer.n1" never_asked peer.n1

# --- 3b. no daemon sees another instance's runtime files ----------------------------------------
sb sh -c 'mkdir -p /run/tsproxy/zz-other && echo secret.test > /run/tsproxy/zz-other/magicdns-suffix'
for unit in socks@n1.service ts-relay@n1.service ts-dns@n1.service; do
        pid=$(sb systemctl show -p MainPID --value "$unit")
        check "$unit sees only /run/tsproxy/n1" [ "$(sb ls "/proc/$pid/root/run/tsproxy" | tr '\n' ' ')" = "n1 " ]
        check "$unit cannot read zz-other's files" not sb cat "/proc/$pid/root/run/tsproxy/zz-other/magicdns-suffix"
        check_output "$unit reads its own magicdns-suffix" '^tailnet\.test$|^[a-z0-9.-]+$' \
                sb cat "/proc/$pid/root/run/tsproxy/n1/magicdns-suffix"
done
sb rm -rf /run/tsproxy/zz-other

# --- 4. the file changes: followed without a restart ---------------------------------------------
pids=$(main_pids)
set_suffix other.test
mark_log
check "suffix other.test: socks5h alias fails" not socks alias
check "Forward= to alias:80 fails" not forward 2301
check "tsproxy-dns: no address for peer.n1" not dns_has_peer
sleep 0.5
check_output "MagicDNS was asked alias.other.test" '^alias\.other\.test$' asked
set_suffix "${suffix:-tailnet.test}"
check_output "back to ${suffix:-tailnet.test}: socks5h alias works again" "$you_are" socks alias
check_output "Forward= to alias:80 too" "$you_are" forward 2301
check_output "tsproxy-dns: peer.n1 again" 'A[[:space:]]+100\.64\.0\.1$' dns peer.n1
check_output "the daemons were not restarted" "^$pids\$" main_pids

# --- 5. TailnetDomain= wins over the file --------------------------------------------------------
sb sh -c 'mkdir -p /etc/tsproxy/n1.conf.d && printf "[DNS]\nTailnetDomain=tailnet.test\n" > /etc/tsproxy/n1.conf.d/50-t.conf'
check "daemon-reload" sb systemctl daemon-reload
check_output "socks@n1.service gets --tailnet-domain tailnet.test" \
    "--tailnet-domain tailnet\.test --tailnet-domain-file " sb systemctl cat socks@n1.service
check "restarting socks@n1.service" sb systemctl restart socks@n1.service
set_suffix other.test
check_output "with TailnetDomain=, the file's other.test is ignored: socks5h alias works" "$you_are" socks alias

check "stopping tsproxy@n1.target works" sb systemctl stop tsproxy@n1.target
sandbox_stop
check_rc "clean poweroff" $?
finish
