#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tools/build-deb.sh OUTDIR: build the Debian package of this checkout
# (dpkg-buildpackage -us -uc -b) in a copy of the source under /tmp, never in the
# checkout itself, and put the .deb, the -dbgsym .deb, .buildinfo and .changes into
# OUTDIR. The copy holds the files git knows (tracked and untracked, not ignored), so
# build directories stay out. Needs the build dependencies (tools/install-deps.sh).
set -euo pipefail
out=${1:?usage: $0 OUTDIR}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/tsproxy-pkgbuild.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tsproxy"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$src" ls-files -z --cached --others --exclude-standard |
        (cd "$src" && xargs -0 sh -c 'for f; do if [ -e "$f" ] || [ -L "$f" ]; then printf "%s\0" "$f"; fi; done' sh) |
        tar -C "$src" --null -T - -cf - | tar -C "$work/tsproxy" -xf -
else
    tar -C "$src" --exclude='./build*' -cf - . | tar -C "$work/tsproxy" -xf -
fi
(cd "$work/tsproxy" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
    tail -n 60 "$work/build.log" >&2
    exit 1
}
cp "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out"/
ls "$out"
