#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/dns.sh BUILDDIR: queries per second of tsproxy-dns against dnsmasq (issue 4),
# measured with dnsperf, for
#   synthesized   A.B.C.D.t1 names, which tsproxy-dns answers from the name alone and
#                 the dnsmasq peer from 1000 host-record= lines of its config;
#   cached        NAME.t1 names that tsproxy-dns forwarded once to its upstream (a
#                 dnsmasq playing MagicDNS, with NAME.tailnet.test) and serves from its
#                 cache since; the peer has them as host-record= lines too.
# Target: above dnsmasq on both rows. A measurement, not a test: the exit status is 0
# when every row was measured (targets missed included), 1 when something could not run.
#
# Everything runs in one private network namespace (unshare --net) on its loopback:
# tsproxy-dns on 127.0.0.1:5300 (started by systemd-socket-activate, as ts-dns@.socket
# would; --upstream points it at the MagicDNS stand-in on 127.0.0.1:5354), the dnsmasq
# peer on 127.0.0.1:5301. Packages: dnsperf, dnsmasq-base.
set -euo pipefail

die() {
    echo "dns bench: $*" >&2
    exit 1
}

[[ ${1:-} != __inside ]] || { shift; inside=1; }
if [[ -z ${inside:-} ]]; then
    [[ $# == 1 ]] || die "usage: bench/dns.sh BUILDDIR"
    [[ -d $1/meson-private ]] || die "'$1' is not a meson build dir (meson setup $1 -Dbuildtype=release)"
    builddir=$(cd "$1" && pwd)
    [[ $(id -u) == 0 ]] || die "needs root (unshare --net)"
    for p in unshare dnsperf dnsmasq dig systemd-socket-activate; do
        command -v "$p" >/dev/null || die "'$p' not found (packages dnsperf, dnsmasq-base, bind9-dnsutils)"
    done
    meson compile -C "$builddir" helpers/dns/tsproxy-dns >/dev/null ||
        die "'meson compile -C $builddir helpers/dns/tsproxy-dns' failed"
    work=$(mktemp -d /tmp/tsproxy-dns-bench.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    # Every process of the run dies with the namespace's shell (--kill-child).
    unshare --net --fork --kill-child bash "${BASH_SOURCE[0]}" __inside "$builddir" "$work"
    exit $?
fi

builddir=$1 work=$2
seconds=${DNS_BENCH_SECONDS:-10}
ip link set lo up

# --- the names ----------------------------------------------------------------------------
{
    echo "no-resolv"; echo "no-hosts"; echo "bind-interfaces"; echo "listen-address=127.0.0.1"
    echo "local-ttl=3600"; echo "local=/tailnet.test/"
    for i in $(seq 1 100); do echo "host-record=h$i.tailnet.test,100.64.1.$i"; done
} >"$work/magicdns.conf"
{
    echo "no-resolv"; echo "no-hosts"; echo "bind-interfaces"; echo "listen-address=127.0.0.1"
    echo "local-ttl=3600"; echo "local=/t1/"
    for i in $(seq 1 100); do echo "host-record=h$i.t1,100.64.1.$i"; done
    for i in $(seq 0 999); do echo "host-record=10.0.$((i / 256)).$((i % 256)).t1,10.0.$((i / 256)).$((i % 256))"; done
} >"$work/peer.conf"
for i in $(seq 0 999); do echo "10.0.$((i / 256)).$((i % 256)).t1 A"; done >"$work/synth.txt"
for i in $(seq 1 100); do echo "h$i.t1 A"; done >"$work/cached.txt"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

dnsmasq -k --pid-file= --port=5354 -C "$work/magicdns.conf" --user=root 2>"$work/magicdns.log" &
pids+=($!)
dnsmasq -k --pid-file= --port=5301 -C "$work/peer.conf" --user=root 2>"$work/peer.log" &
pids+=($!)
systemd-socket-activate -l 127.0.0.1:5300 -d -l 127.0.0.1:5300 \
    "$builddir/helpers/dns/tsproxy-dns" t1 --domain t1 --tailnet-domain tailnet.test \
    --upstream 127.0.0.1:5354 --egress any 2>"$work/tsproxy-dns.log" &
pids+=($!)

ready() { dig @127.0.0.1 -p "$1" +time=1 +tries=1 +short "$2" | grep -q .; }
for i in $(seq 50); do
    ready 5300 h1.t1 && ready 5301 h1.t1 && break
    sleep 0.1
done
ready 5300 h1.t1 || { cat "$work/tsproxy-dns.log" >&2; die "tsproxy-dns does not answer"; }
ready 5301 h1.t1 || { cat "$work/peer.log" >&2; die "the dnsmasq peer does not answer"; }
# Warm tsproxy-dns's cache: every forwarded name once.
dnsperf -s 127.0.0.1 -p 5300 -d "$work/cached.txt" -n 1 >/dev/null

# dnsperf QPS for server port $1 and query file $2.
qps() {
    local out
    out=$(dnsperf -s 127.0.0.1 -p "$1" -d "$2" -l "$seconds" -c 4 -q 200 -T 1 2>&1) || return 1
    grep -Eq 'Queries lost:[[:space:]]*[0-9]+ \(0\.00%\)' <<<"$out" ||
        echo "dns bench: warning: queries lost on port $1: $(grep 'Queries lost' <<<"$out")" >&2
    sed -n 's/^[[:space:]]*Queries per second:[[:space:]]*\([0-9.]*\).*/\1/p' <<<"$out"
}

rc=0
printf '%-28s %14s %14s %8s  %s\n' "row" "tsproxy-dns" "dnsmasq" "ratio" "target: above dnsmasq"
for row in synthesized cached; do
    file=$work/synth.txt
    [[ $row == cached ]] && file=$work/cached.txt
    ours=$(qps 5300 "$file") || ours=
    theirs=$(qps 5301 "$file") || theirs=
    if [[ -z $ours || -z $theirs ]]; then
        printf '%-28s %14s %14s\n' "$row" "${ours:-failed}" "${theirs:-failed}"
        rc=1
        continue
    fi
    awk -v r="$row" -v a="$ours" -v b="$theirs" 'BEGIN {
        printf "%-28s %14.0f %14.0f %7.2fx  %s\n", r " names (q/s)", a, b, a / b, (a > b ? "met" : "MISSED") }'
done
echo "(dnsperf, ${seconds} s per cell, 4 clients, 200 outstanding, one thread; load before: $(cut -d' ' -f1-3 /proc/loadavg))"
exit $rc
