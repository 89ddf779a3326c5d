#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/proxy.sh BUILDDIR: the side-by-side benchmark of tsproxy-socks against a direct
# connection, microsocks and dante (issue 3), and in the same run the relay table of
# tsproxy-relay against direct, socat and systemd-socket-proxyd (issue 4; see
# bench/README.md for what each column measures). Prints both tables; it is a
# measurement, not a test: targets missed do not
# change the exit status, which is 0 when every row was measured and 1 when it could not
# run or a row could not be measured (tsproxy-socks not built included; the reason is
# printed).
#
# Everything runs in network and mount namespaces of its own (unshare; the target behind a veth):
# proxy-target, each proxy in turn, and proxy-load. Sysctls set there (the port range)
# are that namespace's; the host's stay as they are. bench/proxy/driver.py does the work.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
load=$(cut -d' ' -f1-3 /proc/loadavg)

die() {
    echo "proxy bench: $*" >&2
    exit 1
}

[[ $# == 1 ]] || die "usage: bench/proxy.sh BUILDDIR"
[[ -d $1/meson-private ]] || die "'$1' is not a meson build dir (meson setup $1 -Dbuildtype=release)"
builddir=$(cd "$1" && pwd)
[[ $(id -u) == 0 ]] || die "needs root (unshare --net, dante's privileged user)"
command -v unshare >/dev/null || die "unshare not found (util-linux)"
py=/usr/bin/python3
[[ -x $py ]] || py=$(command -v python3) || die "python3 not found"
for p in microsocks danted socat systemd-socket-activate; do
    command -v "$p" >/dev/null || echo "proxy bench: warning: $p not found; its row will say so" >&2
done

meson compile -C "$builddir" bench/proxy/proxy-load bench/proxy/proxy-target >/dev/null ||
    die "'meson compile -C $builddir bench/proxy/proxy-load bench/proxy/proxy-target' failed"
socks=
if meson compile -C "$builddir" helpers/socks/tsproxy-socks >/dev/null 2>&1 &&
    [[ -x $builddir/helpers/socks/tsproxy-socks ]]; then
    socks=$builddir/helpers/socks/tsproxy-socks
else
    echo "proxy bench: tsproxy-socks is not built in $builddir; its row will say so" >&2
fi
relay=
if meson compile -C "$builddir" helpers/relay/tsproxy-relay >/dev/null 2>&1 &&
    [[ -x $builddir/helpers/relay/tsproxy-relay ]]; then
    relay=$builddir/helpers/relay/tsproxy-relay
else
    echo "proxy bench: tsproxy-relay is not built in $builddir; its row will say so" >&2
fi
buildtype=$(meson introspect --buildoptions "$builddir" |
    "$py" -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))')
case $buildtype in
release | debugoptimized) ;;
*) echo "proxy bench: warning: buildtype=$buildtype; numbers are meant for release or debugoptimized" >&2 ;;
esac

work=$(mktemp -d /tmp/tsproxy-proxy-bench.XXXXXX)
child=
cleanup() {
    if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
        kill "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 0755 "$work" # dante's unprivileged user (nobody) must reach its log

# 10,000 idle connections need 20,000 fds in the proxy: ask for 65536, else take the hard limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
nofile=$(ulimit -n)
idle=10000
((nofile >= 2 * idle + 100)) || idle=$(((nofile - 100) / 2))
((idle > 0)) || die "RLIMIT_NOFILE is $nofile: too low"
((idle == 10000)) ||
    echo "proxy bench: RLIMIT_NOFILE hard limit is $nofile: $idle idle connections instead of 10,000" >&2

# Each row runs in network namespaces of its own, made afresh (unshare): the TIME_WAIT
# sockets of one row's hundreds of thousands of connections
# would otherwise still be in the kernel's tables, and expiring, while the next row is
# measured. BENCH_ROWS=NAME,... measures only those rows (and direct), for development.
topology=${BENCH_TOPOLOGY:-production}
[[ $topology == production || $topology == one-namespace ]] ||
    die "BENCH_TOPOLOGY must be production or one-namespace, not '$topology'"
rows=$("$py" "$here/proxy/driver.py" rows)
if [[ -n ${BENCH_ROWS:-} ]]; then
    rows=$(for r in $rows; do if [[ $r == direct || ,$BENCH_ROWS, == *,$r,* ]]; then echo "$r"; fi; done)
fi
echo "proxy bench: $topology topology, every row in private network namespaces of its own, ${BENCH_ROUNDS:-3} rounds; about 8 minutes" >&2
# In the new namespaces (bench/proxy/topology.sh builds them; /run/netns is a tmpfs of
# the row's mount namespace, so nothing of it is visible outside): BENCH_TOPOLOGY=production
# (the default) is tsproxy's own layout: the client in a namespace of its own (another
# machine), tsproxy's listening sockets in the "host" namespace (this one), the daemon in
# the instance namespace dialling out through its "tailscale0" with Egress=tailnet, the
# peers listening inside the instance namespace, the target one veth further.
# BENCH_TOPOLOGY=one-namespace is the earlier layout: client and proxies on loopback in
# one namespace, --egress any, the target behind a veth. In both, the whole port range for
# clients and proxies, and tcp_tw_reuse=1 where connections start, as tsproxy-netns sets it
# in an instance namespace: every proxy's connections to the target leave from one
# address to one target address per phase, and at thousands a second their TIME_WAIT
# ports would fill the ephemeral range within the phase (connect() then searches ever
# longer for a free port, and stalls for hundreds of milliseconds).
measure_row() { # ROW ROUND IDLE(yes|no)
    timeout 600 unshare --net --mount --propagation private -- bash -c '
        set -e
        mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns
        trap "for ns in \$(ip netns list | cut -d\" \" -f1); do ip netns del \$ns; done" EXIT
        bash "${13}" "${12}" >&2
        "$1" "$2" run --bindir "$3" --tsproxy-socks "$4" --workdir "$5" --idle "$6" --nofile "$7" \
            --host-netns "$8" --tsproxy-relay "$9" --only "${10}" --idle-phase "${11}" --topology "${12}"' \
        _ "$py" "$here/proxy/driver.py" "$builddir/bench/proxy" "$socks" "$work" "$idle" "$nofile" \
        "$(stat -L -c %i /proc/self/ns/net)" "$relay" "$1" "$3" "$topology" "$here/proxy/topology.sh" \
        >"$work/row-$2-$1.json" &
    child=$!
    wait "$child" || die "the benchmark run of row $1 failed (see above)"
}
# Before each row, wait (up to 30 s) until the machine is idle again: the row before
# may have left the kernel busy (dante's 10,000 idle connections are 4 GB of processes
# to reap and memory to reclaim), and that time would be charged to the next row.
cpu_times() { awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
settle() {
    local i idle0 total0 idle1 total1
    for ((i = 0; i < 30; i++)); do
        read -r idle0 total0 < <(cpu_times)
        sleep 1
        read -r idle1 total1 < <(cpu_times)
        # idle (and iowait) at least 90 % of the last second
        (((idle1 - idle0) * 10 >= (total1 - total0) * 9)) && return 0
    done
    echo "proxy bench: warning: the machine did not become idle within 30 s before a row" >&2
}
# Rounds: every row is measured once per round (BENCH_REPEAT runs of each cell, default
# 1), the rows in table order in odd rounds and in reverse order in even ones, and a cell
# of the table is the median of its rounds. A slow minute of this shared machine then
# falls on every row alike instead of on whichever row was being measured, and a
# proxy's target line compares it with rows measured in the same rounds. The idle phase
# (memory, not speed) runs in the first round only.
rounds=${BENCH_ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive number, not '$rounds'"
reversed=$(tac <<<"$rows")
results=()
for ((round = 1; round <= rounds; round++)); do
    order=$rows
    ((round % 2 == 0)) && order=$reversed
    for r in $order; do
        settle
        echo "proxy bench: round $round of $rounds: $r" >&2
        measure_row "$r" "$round" "$( ((round == 1)) && echo yes || echo no)"
        results+=("$work/row-$round-$r.json")
    done
done
"$py" "$here/proxy/driver.py" merge "${results[@]}" >"$work/results.json"
child=
# BENCH_RESULTS=PATH keeps the merged results (driver.py table --meta ... PATH prints them again)
[[ -z ${BENCH_RESULTS:-} ]] || cp "$work/results.json" "$BENCH_RESULTS"

vm=$(systemd-detect-virt --vm 2>/dev/null || true)
ct=$(systemd-detect-virt --container 2>/dev/null || true)
cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
machine="$(nproc) CPUs${cpu:+ ($cpu)}, $([[ -n $vm && $vm != none ]] && echo "$vm VM" || echo "no VM")"
[[ -n $ct && $ct != none ]] && machine+=", in a $ct container"
machine+=", Linux $(uname -r)"
status=0
"$py" "$here/proxy/driver.py" table \
    --meta "date=$(date -u '+%Y-%m-%d %H:%M UTC')" \
    --meta "machine=$machine" \
    --meta "build=$builddir (buildtype=$buildtype)" \
    --meta "load=$load; after the run: $(cut -d' ' -f1-3 /proc/loadavg)" \
    --meta "topology=$topology" \
    --meta "tcp=$(cat /proc/sys/net/ipv4/tcp_congestion_control) congestion control (inherited by the namespaces), default qdisc $(cat /proc/sys/net/core/default_qdisc)" \
    "$work/results.json" || status=$?
# Instructions per connection (callgrind): load-independent, unlike the rates above.
if [[ ${BENCH_CALLGRIND:-yes} != no ]]; then
    echo
    BENCH_TOPOLOGY=$topology bash "$here/proxy-callgrind.sh" "$builddir" ||
        echo "proxy bench: bench/proxy-callgrind.sh failed (see above)" >&2
fi
((status == 0)) || die "the table is incomplete: a row could not be measured (see 'not measured' above)"
