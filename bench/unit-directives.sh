#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/unit-directives.sh BUILDDIR [EXTRA] [RUNS]: which sandboxing directive makes a
# unit's start cost grow with the host's mount count (issue 14, item 7). In the sandbox
# (test/sandbox/sandbox.sh), `systemd-run --wait` runs /bin/true RUNS times (default 7)
# per variant, a set of directives, in a slice of its own; the slice's CPU (cpu.stat
# usage_usec: systemd's forked child setting up the namespace, the exec, the exit and the
# namespace's teardown) is read around each run. First with the sandbox's own mounts,
# then after EXTRA (default 300) `ip netns add`, each one more nsfs mount under the
# shared /run/netns, as N instances add. Prints the median CPU ms per start at both
# mount counts and the growth per 100 mounts. Measures, never tests.
set -u
. "$(dirname "$0")/../test/sandbox/sandbox.sh"
builddir=${1:?usage: bench/unit-directives.sh BUILDDIR [EXTRA] [RUNS]}
extra=${2:-300}
runs=${3:-7}
sandbox_require
sandbox_install_and_start "$builddir" >/dev/null || exit 1
trap 'sandbox_stop >/dev/null' EXIT

# name|properties (space-separated NAME=VALUE, no spaces inside a value)
variants=(
        "none|"
        "PrivateMounts|PrivateMounts=yes"
        "PrivateTmp|PrivateTmp=yes"
        "ProtectSystem=full|ProtectSystem=full"
        "ProtectSystem=strict|ProtectSystem=strict"
        "ProtectHome=yes|ProtectHome=yes"
        "ProtectHome=read-only|ProtectHome=read-only"
        "ProtectKernelTunables|ProtectKernelTunables=yes"
        "ProtectKernelModules|ProtectKernelModules=yes"
        "ProtectKernelLogs|ProtectKernelLogs=yes"
        "ProtectControlGroups|ProtectControlGroups=yes"
        "PrivateDevices|PrivateDevices=yes"
        "ProtectProc=invisible|ProtectProc=invisible"
        "ProcSubset=pid|ProcSubset=pid"
        "BindReadOnlyPaths(1)|BindReadOnlyPaths=/etc/hostname:/etc/resolv.conf"
        "InaccessiblePaths(1)|InaccessiblePaths=-/run/nscd"
        "ReadOnlyPaths(1)|ReadOnlyPaths=-/var/lib/dpkg"
        "PrivateMounts+NoNewPrivileges|PrivateMounts=yes NoNewPrivileges=yes"
        "ProtectHostname|ProtectHostname=yes"
        "ProtectClock|ProtectClock=yes"
        "DynamicUser|DynamicUser=yes"
        "PrivateUsers|PrivateUsers=yes"
        "PrivateIPC|PrivateIPC=yes"
        "ts-nat@'s mounts|DynamicUser=yes PrivateDevices=yes PrivateTmp=yes ProtectHome=yes ProtectSystem=strict ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes ProtectProc=invisible ProcSubset=pid NoNewPrivileges=yes"
        "socks@'s mounts|DynamicUser=yes BindReadOnlyPaths=/etc/hostname:/etc/resolv.conf InaccessiblePaths=-/run/systemd/resolve InaccessiblePaths=-/run/nscd InaccessiblePaths=-/run/dbus/system_bus_socket PrivateDevices=yes PrivateTmp=yes PrivateIPC=yes PrivateUsers=yes ProtectHome=yes ProtectSystem=strict ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes ProtectProc=invisible NoNewPrivileges=yes"
        "tailscaled@'s mounts (before a0d880a)|BindReadOnlyPaths=-/etc/hostname:/etc/resolv.conf InaccessiblePaths=-/run/dbus/system_bus_socket InaccessiblePaths=-/run/systemd/private InaccessiblePaths=-/etc/tailscale ReadOnlyPaths=-/var/lib/dpkg ReadOnlyPaths=-/var/lib/apt ReadOnlyPaths=-/var/cache/apt ReadOnlyPaths=-/var/lib/rpm ProtectSystem=full ProtectHome=read-only PrivateTmp=yes ProtectKernelLogs=yes ProtectControlGroups=yes"
        "tailscaled@'s mounts|BindReadOnlyPaths=-/etc/hostname:/etc/resolv.conf InaccessiblePaths=-/run/dbus/system_bus_socket InaccessiblePaths=-/run/systemd/private InaccessiblePaths=-/etc/tailscale ProtectSystem=strict ProtectHome=read-only PrivateTmp=yes ProtectKernelLogs=yes ProtectControlGroups=yes"
)

# One variant: RUNS starts; prints each run's CPU microseconds, one a line.
measure() {
        local props=$1 args=() p
        for p in $props; do args+=(-p "$p"); done
        sb sh -c 'cg=/sys/fs/cgroup/benchdir.slice n=$1
                  shift
                  for i in $(seq "$n"); do
                          a=$(awk "/usage_usec/ {print \$2}" $cg/cpu.stat)
                          systemd-run --quiet --wait --slice=benchdir.slice "$@" /bin/true || echo "run failed: $*" >&2
                          b=$(awk "/usage_usec/ {print \$2}" $cg/cpu.stat)
                          echo $((b - a))
                  done' sh "$runs" "${args[@]}"
}
median() { sort -n | awk '{v[NR] = $1} END {printf "%.1f", v[int((NR + 1) / 2)] / 1000}'; }

# A slice that stays active (and keeps its cgroup) between runs.
sb sh -c 'printf "[Slice]\nCPUAccounting=yes\n" > /run/systemd/system/benchdir.slice
          systemctl daemon-reload && systemctl start benchdir.slice' || exit 1
declare -A low
m0=$(sb sh -c 'wc -l < /proc/self/mountinfo')
for v in "${variants[@]}"; do low[${v%%|*}]=$(measure "${v#*|}" | median); done
sb sh -c 'for i in $(seq "$1"); do ip netns add bench$i || exit 1; done' sh "$extra" || exit 1
m1=$(sb sh -c 'wc -l < /proc/self/mountinfo')
echo "# bench/unit-directives.sh $(date -Is), load average $(cut -d' ' -f1-3 /proc/loadavg), $runs runs, median CPU ms per start"
printf '%-32s %8s %8s %10s\n' variant "$m0" "$m1" "per 100"
for v in "${variants[@]}"; do
        hi=$(measure "${v#*|}" | median)
        printf '%-32s %8s %8s %10.1f\n' "${v%%|*}" "${low[${v%%|*}]}" "$hi" \
                "$(awk -v a="${low[${v%%|*}]}" -v b="$hi" -v d=$((m1 - m0)) 'BEGIN {print (b - a) * 100 / d}')"
done
