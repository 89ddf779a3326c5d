#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Golden test of `tsproxyctl verify`, in the style of test/generator/run-golden.sh.
#
#   run-verify.sh TSPROXYCTL CASE_DIR            compare one case
#   UPDATE=1 run-verify.sh TSPROXYCTL CASE_DIR   rewrite its expected files (review the diff!)
#
# A case directory holds:
#   input/            the configuration root (TSPROXY_ROOT), e.g. input/etc/tsproxy/a.conf
#   expected.stdout   what verify prints on stdout
#   expected.rc       its exit code (0: clean or warnings only, 1: errors)
#   input.sh          (optional) run with the root as $1: inputs git cannot hold (FIFOs)
# stderr must be empty: verify reports configuration problems on stdout.
set -euo pipefail

ctl=$(readlink -f "$1")
case_dir=$(readlink -f "$2")
name=$(basename "$case_dir")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root"
[[ -d $case_dir/input ]] && cp -a "$case_dir/input/." "$tmp/root/"
[[ -x $case_dir/input.sh ]] && "$case_dir/input.sh" "$tmp/root"

rc=0
TSPROXY_ROOT=$tmp/root NO_COLOR=1 "$ctl" verify >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?

if [[ ${UPDATE:-0} == 1 ]]; then
    cp "$tmp/stdout" "$case_dir/expected.stdout"
    echo "$rc" >"$case_dir/expected.rc"
    echo "UPDATED $name (review: git diff -- $case_dir)"
    exit 0
fi

fail=0
if ! diff -u "$case_dir/expected.stdout" "$tmp/stdout" >"$tmp/d"; then
    echo "FAIL $name: stdout differs (- expected, + verify)"; cat "$tmp/d"; fail=1
fi
if [[ $rc != "$(cat "$case_dir/expected.rc")" ]]; then
    echo "FAIL $name: exit code $rc, expected $(cat "$case_dir/expected.rc")"; fail=1
fi
if [[ -s $tmp/stderr ]]; then
    echo "FAIL $name: unexpected stderr:"; cat "$tmp/stderr"; fail=1
fi
[[ $fail -eq 0 ]] && echo "ok $name"
exit $fail
