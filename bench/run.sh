#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/run.sh BUILDDIR: the side-by-side benchmark of tsproxy's namespace chain (see
# bench/README.md for what each row measures). Prints one table; it is a measurement,
# not a test: targets missed do not change the exit status, which is 0 when every row
# was measured and 1 when it could not run or a row could not be measured.
#
# Row 1 runs the generator on the host, in a mount namespace of its own with a tmpfs for
# its input and output (it writes nowhere else). Rows 2 and 3 run inside a throwaway
# systemd sandbox (test/sandbox/sandbox.sh): every namespace, link, rule and nft table
# they make lives and dies there. bench.py does the timing; this script sets the stage.
#
# Environment: BENCH_GEN_REPS (default 30), BENCH_REPS (sandbox rows, default 10),
# SANDBOX_KEEP=1 (keep the temp dir with the logs, see sandbox.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
load=$(cut -d' ' -f1-3 /proc/loadavg)
gen_reps=${BENCH_GEN_REPS:-30}
sb_reps=${BENCH_REPS:-10}

die() {
    echo "bench: $*" >&2
    exit 1
}

[[ $# == 1 ]] || die "usage: bench/run.sh BUILDDIR"
[[ -d $1/meson-private ]] || die "'$1' is not a meson build dir (meson setup $1 -Dbuildtype=release)"
builddir=$(cd "$1" && pwd)
[[ $gen_reps =~ ^[1-9][0-9]{0,3}$ && $sb_reps =~ ^[1-9][0-9]?$ ]] ||
    die "BENCH_GEN_REPS must be 1..9999 and BENCH_REPS 1..99"
# Meson runs on python3, so it is here; prefer the distribution's (also inside the sandbox).
py=/usr/bin/python3
[[ -x $py ]] || py=$(command -v python3) || die "python3 not found"

# shellcheck source=../test/sandbox/sandbox.sh
. "$here/../test/sandbox/sandbox.sh"
# sandbox.sh's skip() exits 77; for a benchmark, not being able to run is an error.
reason=$(sandbox_require 2>&1) || die "cannot boot the test sandbox: ${reason#1..0 # SKIP }"

meson compile -C "$builddir" >/dev/null || die "'meson compile -C $builddir' failed"
buildtype=$(meson introspect --buildoptions "$builddir" |
    "$py" -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))')
case $buildtype in
release | debugoptimized) ;;
*) echo "bench: warning: buildtype=$buildtype; numbers are meant for release or debugoptimized" >&2 ;;
esac

# The sandbox library owns the EXIT/INT/TERM traps (poweroff, temp dir removal); our own
# cleanup is registered with it. Nothing of ours lives outside $SANDBOX_TMP.
# The long steps run in the background and are waited for, so that a signal is handled
# at once rather than after the step (bash runs traps only between commands).
child=
bench_cleanup() {
    if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
        kill "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
}
sandbox_at_exit bench_cleanup || die "cannot create a temp dir"
work=$SANDBOX_TMP/bench
mkdir -p "$work/gen"

# --- row 1: the generator, on the host, in its own mount namespace with a tmpfs ----------
echo "bench: row 1: tsproxy-generator, 1/100/1000 instances, $gen_reps repetitions each" >&2
unshare --mount --propagation private bash -c '
    mount -t tmpfs -o mode=0700,size=256m tsproxy-bench "$1" &&
    exec timeout 120 "$2" "$3" gen --generator "$4" --workdir "$1" --reps "$5"' \
    _ "$work/gen" "$py" "$here/bench.py" "$builddir/generator/tsproxy-generator" "$gen_reps" \
    >"$work/1-gen.json" &
child=$!
wait "$child" || die "the generator benchmark failed"
child=

# --- rows 2 and 3: inside the sandbox ---------------------------------------------------------
echo "bench: booting the sandbox" >&2
sandbox_meson_install "$builddir" || die "meson install into the sandbox's destdir failed"
sandbox_start "$SANDBOX_DESTDIR" || die "the sandbox did not boot cleanly (see above)"

netns_tool=$(find "$SANDBOX_DESTDIR" -type f -name tsproxy-netns -perm -u+x | head -n 1)
[[ -n $netns_tool ]] || die "no tsproxy-netns installed by $builddir"
libexec=$(dirname "${netns_tool#"$SANDBOX_DESTDIR"}")

inside=/run/tsproxy-bench
sb mkdir -p "$inside/work" || die "cannot write into the sandbox"
for f in bench.py shell-up.sh shell-down.sh; do
    sb sh -c 'cat >"$1"' _ "$inside/$f" <"$here/$f" || die "cannot copy $f into the sandbox"
done

echo "bench: rows 2 and 3: inside the sandbox, $sb_reps repetitions each" >&2
# (Powering the sandbox off, as the exit trap does, ends whatever still runs inside.)
sb timeout 240 env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "$py" "$inside/bench.py" sandbox --libexec "$libexec" --shell-dir "$inside" \
    --workdir "$inside/work" --reps "$sb_reps" >"$work/2-sandbox.json" &
child=$!
if ! wait "$child"; then
    child=
    sb tail -n 30 "$inside/work/sandbox.log" >&2 || true
    die "the sandbox benchmark failed"
fi
child=
sandbox_stop || echo "bench: warning: the sandbox did not power off cleanly" >&2

# --- the table -----------------------------------------------------------------------------
vm=$(systemd-detect-virt --vm 2>/dev/null || true)
ct=$(systemd-detect-virt --container 2>/dev/null || true)
cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
machine="$(nproc) CPUs${cpu:+ ($cpu)}, $([[ -n $vm && $vm != none ]] && echo "$vm VM" || echo "no VM")"
[[ -n $ct && $ct != none ]] && machine+=", in a $ct container"
machine+=", Linux $(uname -r)"
"$py" "$here/bench.py" table \
    --meta "date=$(date -u '+%Y-%m-%d %H:%M UTC')" \
    --meta "machine=$machine" \
    --meta "build=$builddir (buildtype=$buildtype)" \
    --meta "load=$load" \
    "$work/1-gen.json" "$work/2-sandbox.json" ||
    die "the table is incomplete: a row could not be measured (see FAILED/ERROR above)"
