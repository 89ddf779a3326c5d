#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/http-proxy.sh BUILDDIR: plain HTTP forward proxying, side by side (issue 16):
# wrk (keep-alive to the proxy, GET of a 13-byte page) against bench/proxy/http-origin,
#   direct         wrk -> origin
#   direct-close   the same with "Connection: close": a new connection per request, as
#                  both proxies make upstream (the ceiling of that design)
#   tsproxy-socks  wrk -> tsproxy-socks (its HTTP side, --egress any) -> origin
#   tinyproxy      wrk -> Debian's tinyproxy (the binary of tinyproxy-bin, unpacked from
#                  its .deb into a temporary directory: never installed, never a service)
#                  -> origin
# Each cell is the median of 3 runs of DURATION seconds (default 5) with CONNECTIONS
# client connections (default 16) and one wrk thread. Everything runs in a network
# namespace of its own (unshare --net) on its loopback; the port range and TIME_WAIT
# reuse set there are that namespace's. A measurement, not a test: exit 0 when every
# row was measured.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() {
    echo "http-proxy bench: $*" >&2
    exit 1
}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}

if [[ ${1:-} == --inside ]]; then
    builddir=$2 work=$3 tinyproxy=$4
    ip link set lo up
    sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
    pids=()
    trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
    "$builddir/bench/proxy/http-origin" 127.0.0.1:8080 >"$work/origin.log" 2>&1 &
    pids+=($!)
    systemd-socket-activate -l 127.0.0.1:3128 "$builddir/helpers/socks/tsproxy-socks" bench \
        --egress any --allow-from 127.0.0.0/8 --max-connections 4096 >"$work/socks.log" 2>&1 &
    pids+=($!)
    if [[ -n $tinyproxy ]]; then
        cat >"$work/tinyproxy.conf" <<EOF
Port 8888
Listen 127.0.0.1
Timeout 60
MaxClients 1024
LogLevel Critical
LogFile "$work/tinyproxy.log"
PidFile "$work/tinyproxy.pid"
Allow 127.0.0.1
EOF
        "$tinyproxy" -d -c "$work/tinyproxy.conf" >"$work/tinyproxy.out" 2>&1 &
        pids+=($!)
    fi
    echo 'wrk.path = "http://127.0.0.1:8080/"' >"$work/proxy.lua"
    sleep 0.5
    curl -sf -o /dev/null http://127.0.0.1:8080/ || die "http-origin does not answer"

    # row NAME URL [proxy]: the median of 3 runs, requests/s and mean latency; "proxy":
    # wrk asks for the origin's absolute URL (proxy.lua) of the proxy at URL.
    row() {
        local name=$1 url=$2 out rps lat errs i script=()
        [[ ${3:-} == proxy ]] && script=(-s "$work/proxy.lua")
        [[ ${3:-} == close ]] && script=(-H "Connection: close")
        for i in 1 2 3; do
            out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${script[@]}" "$url")
            rps=$(sed -n 's/^Requests\/sec:[[:space:]]*\([0-9.]*\).*/\1/p' <<<"$out")
            lat=$(awk '/^ +Latency / {print $2; exit}' <<<"$out")
            errs=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | tr '\n' ';' || true)
            echo "# $name run $i: $rps req/s, mean latency $lat${errs:+ ($errs)}" >&2
            echo "$rps $lat"
        done | sort -n | sed -n 2p | {
            read -r rps lat
            printf '| %-14s | %10.0f | %9s |\n' "$name" "$rps" "$lat"
        }
    }
    printf '| %-14s | %10s | %9s |\n' "path" "requests/s" "latency"
    printf '|%s|%s|%s|\n' "----------------" "------------" "-----------"
    row direct http://127.0.0.1:8080/
    row direct-close http://127.0.0.1:8080/ close
    row tsproxy-socks http://127.0.0.1:3128/ proxy
    if [[ -n $tinyproxy ]]; then
        row tinyproxy http://127.0.0.1:8888/ proxy
    else
        printf '| %-14s | %10s | %9s |\n' tinyproxy "not found" "-"
    fi
    exit 0
fi

[[ $# == 1 ]] || die "usage: bench/http-proxy.sh BUILDDIR"
[[ -d $1/meson-private ]] || die "'$1' is not a meson build dir"
builddir=$(cd "$1" && pwd)
[[ $(id -u) == 0 ]] || die "needs root (unshare --net)"
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
command -v systemd-socket-activate >/dev/null || die "systemd-socket-activate not found"
meson compile -C "$builddir" bench/proxy/http-origin helpers/socks/tsproxy-socks >/dev/null ||
    die "'meson compile -C $builddir bench/proxy/http-origin helpers/socks/tsproxy-socks' failed"

work=$(mktemp -d /tmp/tsproxy-http-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
# tinyproxy: the installed binary if there is one, else tinyproxy-bin's .deb unpacked here.
tinyproxy=$(command -v tinyproxy || true)
if [[ -z $tinyproxy ]]; then
    deb=$(ls /var/cache/tsproxy-test/tinyproxy-bin_*.deb 2>/dev/null | head -1 || true)
    if [[ -z $deb ]]; then
        (cd "$work" && apt-get download -qq -o APT::Sandbox::User=root tinyproxy-bin >/dev/null 2>&1) || true
        deb=$(ls "$work"/tinyproxy-bin_*.deb 2>/dev/null | head -1 || true)
    fi
    if [[ -n $deb ]]; then
        dpkg-deb -x "$deb" "$work/tinyproxy-root"
        tinyproxy=$work/tinyproxy-root/usr/bin/tinyproxy
    else
        echo "http-proxy bench: tinyproxy not found and tinyproxy-bin not downloadable; its row will say so" >&2
    fi
fi
echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs," \
    "wrk -t1 -c$CONNECTIONS -d${DURATION}s, median of 3"
unshare --net -- bash "$here/http-proxy.sh" --inside "$builddir" "$work" "$tinyproxy"
