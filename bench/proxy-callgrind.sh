#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/proxy-callgrind.sh BUILDDIR: user-space instructions per proxied connection
# (valgrind's callgrind) of tsproxy-socks against microsocks and of tsproxy-relay against
# systemd-socket-proxyd, in bench/proxy.sh's topology (BENCH_TOPOLOGY, default
# production). One client makes connections one after another: connect, SOCKS5
# handshake (SOCKS rows), a 1 KiB echo through proxy-target, close. Each program runs
# twice under callgrind, for BENCH_CALLGRIND_SMALL (100) and BENCH_CALLGRIND_LARGE (500)
# connections; the difference of the totals over 400 is the count per connection. It
# does not depend on the machine's load, unlike bench/proxy.sh's rates. bench/proxy.sh
# runs it after its table (BENCH_CALLGRIND=no skips it). Needs root and valgrind.
# BENCH_CALLGRIND_KEEP=DIR keeps the callgrind output files in DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() {
    echo "proxy callgrind: $*" >&2
    exit 1
}
[[ $# == 1 ]] || die "usage: bench/proxy-callgrind.sh BUILDDIR"
[[ -d $1/meson-private ]] || die "'$1' is not a meson build dir"
builddir=$(cd "$1" && pwd)
[[ $(id -u) == 0 ]] || die "needs root (unshare --net)"
command -v valgrind >/dev/null || die "valgrind not found"
topology=${BENCH_TOPOLOGY:-production}
meson compile -C "$builddir" bench/proxy/proxy-target helpers/socks/tsproxy-socks helpers/relay/tsproxy-relay \
    >/dev/null || die "meson compile failed"
work=$(mktemp -d /tmp/tsproxy-proxy-callgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
timeout 900 unshare --net --mount --propagation private -- bash -c '
    set -e
    mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns
    trap "for ns in \$(ip netns list | cut -d\" \" -f1); do ip netns del \$ns; done" EXIT
    bash "$1" "$2" >&2
    python3 "$3" callgrind --bindir "$4" --tsproxy-socks "$5" --tsproxy-relay "$6" --workdir "$7" \
        --host-netns "$8" --topology "$2"' \
    _ "$here/proxy/topology.sh" "$topology" "$here/proxy/driver.py" "$builddir/bench/proxy" \
    "$builddir/helpers/socks/tsproxy-socks" "$builddir/helpers/relay/tsproxy-relay" "$work" \
    "$(stat -L -c %i /proc/self/ns/net)" >"$work/callgrind.json"
# BENCH_CALLGRIND_KEEP=DIR keeps the callgrind files there (callgrind_annotate them)
[[ -z ${BENCH_CALLGRIND_KEEP:-} ]] || cp "$work"/callgrind-* "$BENCH_CALLGRIND_KEEP"/
echo "proxy callgrind: $topology topology, build $builddir"
python3 "$here/proxy/driver.py" callgrind-table "$work/callgrind.json"
