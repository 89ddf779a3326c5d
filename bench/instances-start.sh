#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/instances-start.sh BUILDDIR [N...]: N whole instances started with one
# `systemctl start tsproxy@b1.target ... tsproxy@bN.target` (default N = 10 50 100),
# issue 14's item 7 (goal: 100 under 5 s, growing linearly). Inside a throwaway sandbox
# (test/sandbox/sandbox.sh, its fake tailscaled, which logs nothing in: fine, the chain
# does not wait for a login). Per N: the time until systemctl returns with every target
# active, the median and max resident memory of each kind of process afterwards, PID 1's,
# and the time to stop them all. Measures, never tests: exit 0 when every row was measured.
# Bounded: each start and stop gives up after 120 s.
set -u
. "$(dirname "$0")/../test/sandbox/sandbox.sh"

builddir=${1:?usage: bench/instances-start.sh BUILDDIR [N...]}
shift
[ $# -gt 0 ] || set -- 10 50 100
sandbox_require
sandbox_install_and_start "$builddir" >/dev/null || { echo "the sandbox did not start"; exit 1; }
trap 'sandbox_stop >/dev/null' EXIT

sub() { echo "10.201.$(($1 * 4 / 256)).$(($1 * 4 % 256))"; } # the /30's network address
ms() { echo $((($2 - $1) / 1000000)); }

# "NAME USEC" for PID 1 (its ticks, as microseconds) and each slice of instance units:
# CPU time so far, read before and after the start to say where the CPU went.
cpu_usage() {
        sb sh -c 'echo "pid1 $(($(cut -d" " -f14 /proc/1/stat) * 1000000 / $(getconf CLK_TCK) + $(cut -d" " -f15 /proc/1/stat) * 1000000 / $(getconf CLK_TCK)))"
                  for d in /sys/fs/cgroup/system.slice/system-*.slice; do
                          [ -e "$d/cpu.stat" ] && echo "$(basename "$d" .slice | sed "s/^system-//; s/\\\\x2d/-/g") $(awk "/usage_usec/ {print \$2}" "$d/cpu.stat")"
                  done'
}
# Per-instance CPU milliseconds between two cpu_usage outputs ($1, $2) for N=$3.
cpu_per_instance() {
        awk -v n="$3" 'NR == FNR {a[$1] = $2; next} {d = $2 - a[$1]; if (d > 0) printf "%s=%.0f ", $1, d / n / 1000}' \
                <(echo "$1") <(echo "$2")
}

# "comm med max" of every process kind that has one per instance, and PID 1, in KiB.
rss_table() {
        sb ps -eo comm=,rss= | awk '$1 ~ /^(tsproxy-|tailscaled|systemd$)/ {print}' | sort -k1,1 -k2,2n |
                awk '{n[$1]++; v[$1, n[$1]] = $2} END {for (c in n) printf "%s=%d/%d(x%d) ", c, v[c, int((n[c] + 1) / 2)], v[c, n[c]], n[c]}'
}

echo "# bench/instances-start.sh $(date -Is), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
printf '%5s %8s %8s %7s  %s\n' N start_ms stop_ms active "resident KiB per process kind: median/max(count); CPU ms per instance at start"
status=0
for n in "$@"; do
        sb sh -c 'rm -f /etc/tsproxy/*.conf; mkdir -p /etc/tsproxy'
        for ((i = 1; i <= n; i++)); do
                printf '[Instance]\nAutoStart=no\n\n[Namespace]\nSubnet=%s/30\n\n[SOCKS]\nListen=127.0.0.1:%d\n' \
                        "$(sub "$i")" $((20000 + i)) | sb sh -c "cat > /etc/tsproxy/b$i.conf"
        done
        sb systemctl daemon-reload
        targets=$(for ((i = 1; i <= n; i++)); do printf 'tsproxy@b%d.target ' "$i"; done)
        cpu0=$(cpu_usage)
        t0=$(date +%s%N)
        # shellcheck disable=SC2086 # one word per target
        sb timeout 120 systemctl start $targets
        rc=$?
        t1=$(date +%s%N)
        cpu1=$(cpu_usage)
        # shellcheck disable=SC2086
        active=$(sb systemctl is-active $targets | grep -c '^active$')
        sleep 1 # let every daemon settle before its memory is read
        rss=$(rss_table)
        t2=$(date +%s%N)
        # shellcheck disable=SC2086
        sb timeout 120 systemctl stop $targets
        t3=$(date +%s%N)
        printf '%5d %8d %8d %7s  %s\n' "$n" "$(ms "$t0" "$t1")" "$(ms "$t2" "$t3")" "$active/$n" "$rss"
        printf '%5s %8s %8s %7s  cpu: %s\n' "" "" "" "" "$(cpu_per_instance "$cpu0" "$cpu1" "$n")"
        if [ "$rc" != 0 ] || [ "$active" != "$n" ]; then
                echo "# N=$n: systemctl start exited $rc, $active of $n targets active"
                sb systemctl --failed --no-legend | head -5 | sed 's/^/# /'
                status=1
        fi
done
exit $status
