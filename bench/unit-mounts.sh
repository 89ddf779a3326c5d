#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/unit-mounts.sh BUILDDIR [EXTRA]: what the host's mount count costs each sandboxed
# unit's start. One instance started and stopped three times in the sandbox, with the
# sandbox's own mounts and then with EXTRA (default 300) more tmpfs mounts under /run, as
# N instances add N nsfs mounts under /run/netns. Prints the CPU milliseconds each unit's
# slice and PID 1 used per start (a unit's includes systemd's forked child setting up its
# mount namespace). Issue 14, item 7: why the start of N instances still grows. Measures,
# never tests.
set -u
. "$(dirname "$0")/../test/sandbox/sandbox.sh"
builddir=${1:?usage: bench/unit-mounts.sh BUILDDIR [EXTRA]}
extra=${2:-300}
sandbox_require
sandbox_install_and_start "$builddir" >/dev/null || exit 1
trap 'sandbox_stop >/dev/null' EXIT
sb mkdir -p /etc/tsproxy
printf '[Instance]\nAutoStart=no\n\n[Namespace]\nSubnet=10.201.0.4/30\n\n[SOCKS]\nListen=127.0.0.1:20001\n' | sb sh -c 'cat > /etc/tsproxy/b1.conf'
sb systemctl daemon-reload
# "NAME USEC": CPU so far of each unit slice and of PID 1.
usage() {
        sb sh -c 'for d in /sys/fs/cgroup/system.slice/system-*.slice; do
                          [ -e "$d/cpu.stat" ] && printf "%s %s\n" "${d##*/}" "$(awk "/usage_usec/ {print \$2}" "$d/cpu.stat")"
                  done
                  printf "pid1 %s\n" $((($(cut -d" " -f14 /proc/1/stat) + $(cut -d" " -f15 /proc/1/stat)) * 1000000 / $(getconf CLK_TCK)))'
}
round() {
        local k a b
        for k in 1 2 3; do
                a=$(usage)
                sb timeout 60 systemctl start tsproxy@b1.target
                b=$(usage)
                sb timeout 60 systemctl stop tsproxy@b1.target
                awk 'NR == FNR {a[$1] = $2; next} {printf "%s=%d ", $1, ($2 - a[$1]) / 1000}' <(echo "$a") <(echo "$b")
                echo
        done
}
echo "mounts: $(sb sh -c 'wc -l < /proc/self/mountinfo')"; round
sb sh -c 'mkdir -p /run/dummy; for i in $(seq "$1"); do mkdir -p /run/dummy/$i; mount -t tmpfs none /run/dummy/$i; done' sh "$extra"
echo "mounts: $(sb sh -c 'wc -l < /proc/self/mountinfo')"; round
