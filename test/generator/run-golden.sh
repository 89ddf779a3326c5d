#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Golden test of tsproxy-generator, after systemd's test/test-fstab-generator.
#
#   run-golden.sh GENERATOR CASE_DIR            compare one case
#   UPDATE=1 run-golden.sh GENERATOR CASE_DIR   rewrite its expected tree (review the diff!)
#
# A case directory holds:
#   input/          the configuration root (TSPROXY_ROOT), e.g. input/etc/tsproxy/a.conf
#   input.sh        (optional) script run with the case's temp root as $1, to make inputs
#                   too large or too odd to commit (1000 files, symlink loops)
#   expected/       the exact output tree; symlinks committed as real git symlinks
#   expected.log    the diagnostics, as printed with SYSTEMD_LOG_TARGET=console
#   timeout         (optional) seconds the generator may take at most: a generous bound
#                   for the cases that once took many seconds (bench/ measures the time)
# In expected files and link targets, @pkglibexecdir@, @unitdir@ and @tailscaled@ stand
# for the build's paths (read from the build's units), so the goldens do not depend
# on --prefix.
# The comparison goes: file list (with types), then contents, then link targets, then
# the log; each mismatch is printed as `diff -u`.
set -euo pipefail

generator=$(readlink -f "$1")
case_dir=$(readlink -f "$2")
name=$(basename "$case_dir")
units_dir=$(dirname "$generator")/../units

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The build's paths, taken from the configured templates (one source of truth).
pkglibexecdir=$(sed -n 's|^ExecStop=\(.*\)/tsproxy-netns down %i$|\1|p' "$units_dir/ts-netns@.service")
unitdir=$(sed -n "s|^unitdir=||p" "$units_dir/paths.txt")
tailscaled=$(sed -n "s|^tailscaled=||p" "$units_dir/paths.txt")
[[ -n $pkglibexecdir && -n $unitdir && -n $tailscaled ]] || { echo "cannot read build paths"; exit 2; }

# Placeholders -> paths (forward) or paths -> placeholders (reverse), one set of rules
# for the trees and the logs: `placeholders stream DIRECTION` filters stdin;
# `placeholders tree SRC DST DIRECTION` copies a tree, substituting in file contents and
# link targets, in one process (the 1000-instance case has 4000 files and links).
read -r -d '' placeholders_py <<'PY' || true
import os, sys
mode, *args = sys.argv[1:-3]
pkglibexecdir, unitdir, tailscaled = sys.argv[-3:]
if args[-1] == "forward":
    pairs = [("@pkglibexecdir@", pkglibexecdir), ("@unitdir@", unitdir), ("@tailscaled@", tailscaled)]
else:
    pairs = [(pkglibexecdir, "@pkglibexecdir@"), (unitdir + "/", "@unitdir@/"), (tailscaled, "@tailscaled@")]
def sub(text):
    for old, new in pairs:
        text = text.replace(old, new)
    return text
if mode == "stream":
    sys.stdout.write(sub(sys.stdin.read()))
    sys.exit(0)
src, dst = args[0], args[1]
os.makedirs(dst, exist_ok=True)
if os.path.isdir(src):
    for root, dirs, files in os.walk(src):
        into = os.path.join(dst, os.path.relpath(root, src))
        for name in dirs + files:
            p, q = os.path.join(root, name), os.path.join(into, name)
            if os.path.islink(p):
                os.symlink(sub(os.readlink(p)), q)
            elif os.path.isdir(p):
                os.makedirs(q, exist_ok=True)
            else:
                with open(p) as f, open(q, "w") as g:
                    g.write(sub(f.read()))
PY
placeholders() { python3 -c "$placeholders_py" "$@" "$pkglibexecdir" "$unitdir" "$tailscaled"; }
substitute() { placeholders stream "$1"; }   # DIRECTION, stdin -> stdout
copy_tree() { placeholders tree "$1" "$2" "$3"; } # SRC DST DIRECTION

root=$tmp/root
mkdir -p "$root" "$tmp/out" "$tmp/early" "$tmp/late"
[[ -d $case_dir/input ]] && cp -a "$case_dir/input/." "$root/"
[[ -x $case_dir/input.sh ]] && "$case_dir/input.sh" "$root"

limit=()
[[ -f $case_dir/timeout ]] && limit=(timeout "$(cat "$case_dir/timeout")")
rc=0
TSPROXY_ROOT=$root SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=info \
    "${limit[@]}" "$generator" "$tmp/out" "$tmp/early" "$tmp/late" 2> "$tmp/log" || rc=$?
if [[ $rc -eq 124 ]]; then
    echo "FAIL $name: the generator took more than $(cat "$case_dir/timeout") s"; exit 1
fi
if [[ $rc -ne 0 ]]; then
    echo "FAIL $name: generator exited $rc"; cat "$tmp/log"; exit 1
fi
if [[ -n $(find "$tmp/early" "$tmp/late" -mindepth 1) ]]; then
    echo "FAIL $name: the generator wrote into the early or late directory"; exit 1
fi

if [[ ${UPDATE:-0} == 1 ]]; then
    rm -rf "$case_dir/expected"
    copy_tree "$tmp/out" "$case_dir/expected" reverse
    substitute reverse < "$tmp/log" > "$case_dir/expected.log"
    echo "UPDATED $name (review: git diff -- $case_dir)"
    exit 0
fi

copy_tree "$case_dir/expected" "$tmp/expected" forward
[[ -f $case_dir/expected.log ]] && substitute forward < "$case_dir/expected.log" > "$tmp/expected.log" \
    || : > "$tmp/expected.log"

fail=0
listing() { (cd "$1" && find . -mindepth 1 -printf '%y %p\n' | sort); }
if ! diff -u <(listing "$tmp/expected") <(listing "$tmp/out") > "$tmp/d"; then
    echo "FAIL $name: file list differs (- expected, + generated)"; cat "$tmp/d"; fail=1
fi
if ! diff -ru --no-dereference "$tmp/expected" "$tmp/out" > "$tmp/d"; then
    echo "FAIL $name: contents or link targets differ (- expected, + generated)"; cat "$tmp/d"; fail=1
fi
if ! diff -u "$tmp/expected.log" "$tmp/log" > "$tmp/d"; then
    echo "FAIL $name: diagnostics differ (- expected, + generated)"; cat "$tmp/d"; fail=1
fi
[[ $fail -eq 0 ]] && echo "ok $name"
exit $fail
