#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/nat-start.sh BUILDDIR [N...]: N tsproxy-nat helpers started at once, as
# `systemctl start` of N instances starts them, in a throwaway network namespace
# (unshare --net: the host's ruleset is never touched). Reports, per N: the time until
# every table is loaded, each helper's resident memory afterwards (median and max) and
# CPU time, and the time until every table is gone after SIGTERM to all. A table counts
# as loaded when its helper logs so (polling `nft list tables` would itself cost O(N)). Issue 14's
# item 7: the start must grow linearly (100 instances under 5 s). Measures, never tests:
# exit 0 when every row was measured. Bounded: each row gives up after 120 s.
set -u
BUILDDIR=${1:?usage: bench/nat-start.sh BUILDDIR [N...]}
shift
NAT=$(realpath "$BUILDDIR/helpers/nat/tsproxy-nat")
[ "$(id -u)" = 0 ] || { echo "needs root (a network namespace, nftables)"; exit 1; }
[ -x "$NAT" ] || { echo "no $NAT: build first"; exit 1; }
[ $# -gt 0 ] || set -- 10 50 100

row() { # inside the namespace: $1 = N
        local n=$1 i pids=() t0 t1 t2 loaded rss cpu logs
        logs=$(mktemp -d)
        t0=$(date +%s%N)
        for ((i = 1; i <= n; i++)); do
                SYSTEMD_LOG_TARGET=console "$NAT" "b$i" \
                        --subnet "10.$((200 + i / 16000)).$((i * 4 / 256 % 256)).$((i * 4 % 256))/30" \
                        --port $((30000 + i)) >/dev/null 2>"$logs/b$i" &
                pids+=($!)
        done
        for ((;;)); do
                loaded=$(grep -l '^tsproxy-nat: Loaded nft table' "$logs"/* 2>/dev/null | wc -l)
                [ "$loaded" -ge "$n" ] && break
                if (($(date +%s%N) - t0 > 120000000000)); then
                        echo "N=$n: only $loaded of $n tables after 120 s, giving up"
                        kill -9 "${pids[@]}" 2>/dev/null
                        rm -rf "$logs"
                        return 1
                fi
                sleep 0.02
        done
        t1=$(date +%s%N)
        sleep 0.5 # let every helper finish what follows its load
        rss=$(for p in "${pids[@]}"; do awk '/VmRSS/{print $2}' "/proc/$p/status"; done | sort -n)
        cpu=$(for p in "${pids[@]}"; do awk '{print $14 + $15}' "/proc/$p/stat"; done | awk '{s += $1} END {print s}')
        kill -TERM "${pids[@]}"
        wait "${pids[@]}" 2>/dev/null
        t2=$(date +%s%N)
        rm -rf "$logs"
        printf '%5d  %8.2f  %8d  %8d  %8.2f  %8.2f\n' "$n" "$(echo "($t1 - $t0) / 1000000000" | bc -l)" \
                "$(echo "$rss" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')" \
                "$(echo "$rss" | tail -1)" "$(echo "$cpu / $(getconf CLK_TCK)" | bc -l)" \
                "$(echo "($t2 - $t1) / 1000000000" | bc -l)"
        [ "$(nft list tables | grep -c 'tsproxy-b')" = 0 ] || { echo "N=$n: tables left after stop"; return 1; }
}

if [ "${NAT_START_INSIDE:-}" != 1 ]; then
        echo "# bench/nat-start.sh $(date -Is), load average $(cut -d' ' -f1-3 /proc/loadavg), nft $(nft --version | cut -d' ' -f2)"
        exec env NAT_START_INSIDE=1 timeout 600 unshare --net -- "$0" "$BUILDDIR" "$@"
fi
printf '%5s  %8s  %8s  %8s  %8s  %8s\n' N start_s rss_med rss_max cpu_s stop_s
printf '%5s  %8s  %8s  %8s  %8s  %8s\n' "" "" KiB KiB "(all)" ""
status=0
for n in "$@"; do
        row "$n" || status=1
done
exit $status
