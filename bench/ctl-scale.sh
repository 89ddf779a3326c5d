#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/ctl-scale.sh BUILDDIR [N]: how long `tsproxyctl list` and `status` take with N
# instances (default 100), issue 14's item 5 (goal: under 200 ms for 100; list took 1.5 s).
# Inside a throwaway sandbox (test/sandbox/sandbox.sh): N configuration files, and for
# each cheap fake state of what a running instance has, made with ip and nft in one batch
# each: its namespace with host0, the veth ts-NAME with addresses, the namespace's default
# and unreachable routes, the host's three rules and its two nft tables. The units are
# generated but never started (they need not run for the measurement). Reports the median
# and max of 5 runs of each command. Measures, never tests: exit 0 when every row was
# measured.
set -u
. "$(dirname "$0")/../test/sandbox/sandbox.sh"

builddir=${1:?usage: bench/ctl-scale.sh BUILDDIR [N]}
n=${2:-100}
sandbox_require
sandbox_install_and_start "$builddir" >/dev/null || { echo "the sandbox did not start"; exit 1; }

sub() { echo "10.201.$(($1 * 4 / 256)).$(($1 * 4 % 256))"; } # the /30's network address
oct4() { echo "$1" | cut -d. -f4; }

sb mkdir -p /etc/tsproxy
for ((i = 1; i <= n; i++)); do
        printf '[Instance]\nAutoStart=yes\n\n[Namespace]\nSubnet=%s/30\n\n[SOCKS]\nListen=127.0.0.1:%d\n' \
                "$(sub "$i")" $((20000 + i)) | sb sh -c "cat > /etc/tsproxy/b$i.conf"
done
sb systemctl daemon-reload

batch_host=$(mktemp) batch_ns=$(mktemp) ruleset=$(mktemp)
trap 'rm -f "$batch_host" "$batch_ns" "$ruleset"; sandbox_stop >/dev/null' EXIT
for ((i = 1; i <= n; i++)); do
        net=$(sub "$i") host=${net%.*}.$(($(oct4 "$net") + 1)) ns=${net%.*}.$(($(oct4 "$net") + 2))
        echo "netns add b$i" >>"$batch_host"
        echo "link add ts-b$i type veth peer name host0 netns b$i" >>"$batch_host"
        echo "address add $host/30 dev ts-b$i" >>"$batch_host"
        echo "link set ts-b$i up" >>"$batch_host"
        echo "rule add to $net/30 lookup main priority 5200" >>"$batch_host"
        echo "rule add iif ts-b$i lookup main priority 5200" >>"$batch_host"
        echo "rule add iif ts-b$i unreachable priority 5201" >>"$batch_host"
        printf 'address add %s/30 dev host0\nlink set host0 up\nlink set lo up\nroute add default via %s dev host0\nroute add unreachable 100.64.0.0/10\n' \
                "$ns" "$host" >"$batch_ns.b$i"
        for t in tsproxy tsguard; do
                printf 'table inet %s-b%d {\n chain forward { type filter hook forward priority filter; }\n chain input { type filter hook input priority filter; }\n' "$t" "$i"
                [ $t = tsproxy ] && printf ' chain postrouting { type nat hook postrouting priority srcnat; ip saddr %s/30 counter masquerade; }\n chain prerouting { type nat hook prerouting priority dstnat; }\n' "$net"
                echo "}"
        done >>"$ruleset"
done
sb ip -batch - <"$batch_host" || { echo "ip -batch failed"; exit 1; }
for ((i = 1; i <= n; i++)); do sb ip -n "b$i" -batch - <"$batch_ns.b$i" || exit 1; rm -f "$batch_ns.b$i"; done
sb nft -f - <"$ruleset" || { echo "nft -f failed"; exit 1; }

# Milliseconds of one run of tsproxyctl "$@" inside the sandbox (its exit code is not
# judged: the units are stopped, so status says so).
run_ms() { sb sh -c 't0=$(date +%s%N); tsproxyctl "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000))' sh "$@"; }
row() {
        local label=$1 ts
        shift
        ts=$(for k in 1 2 3 4 5; do run_ms "$@"; done | sort -n)
        printf '%-34s %6s %6s\n' "$label" "$(echo "$ts" | sed -n 3p)" "$(echo "$ts" | tail -1)"
}
echo "# bench/ctl-scale.sh $(date -Is), N=$n, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %6s %6s\n' command med_ms max_ms
row "tsproxyctl list" list
row "tsproxyctl list --json" list --json
row "tsproxyctl status (all $n enabled)" status
row "tsproxyctl status --json" status --json
row "tsproxyctl status b1" status b1
row "tsproxyctl doctor" doctor
# What the commands are made of, for finding what grows.
rowc() { local label=$1 ts; shift; ts=$(for k in 1 2 3 4 5; do sb sh -c 't0=$(date +%s%N); '"$*"' >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000))'; done | sort -n); printf '%-34s %6s %6s\n' "$label" "$(echo "$ts" | sed -n 3p)" "$(echo "$ts" | tail -1)"; }
rowc "(tsproxyctl verify: config only)" tsproxyctl verify
rowc "(nft list ruleset)" nft list ruleset
rowc "(ip rule; ip link)" 'ip rule; ip link'
rowc "(systemctl list-units tsproxy@*)" systemctl list-units --all "tsproxy@*"
[ -n "${CTL_SCALE_PROFILE:-}" ] && sb sh -c "$CTL_SCALE_PROFILE"
