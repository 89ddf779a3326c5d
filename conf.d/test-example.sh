#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-example.sh GENERATOR EXAMPLE_CONF
#
# The annotated example must parse without a single diagnostic, twice: as shipped,
# and with every commented-out default ("#Key=value") uncommented, so that the
# defaults it shows are valid too. Each run puts the file at etc/tsproxy/example.conf
# below a temporary TSPROXY_ROOT and checks that the generator printed nothing on
# stderr, exited 0, and wrote the instance's ts-netns drop-in.
set -eu

generator=$1
example=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # label sed-script
    label=$1
    rm -rf "$tmp/root" "$tmp/out"
    mkdir -p "$tmp/root/etc/tsproxy" "$tmp/out"
    sed -e "$2" "$example" > "$tmp/root/etc/tsproxy/example.conf"
    rc=0
    TSPROXY_ROOT="$tmp/root" SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=info \
        "$generator" "$tmp/out" 2> "$tmp/log" || rc=$?
    if [ "$rc" -ne 0 ] || [ -s "$tmp/log" ]; then
        echo "FAIL ($label): generator exited $rc with diagnostics:"
        cat "$tmp/log"
        exit 1
    fi
    if [ ! -f "$tmp/out/ts-netns@example.service.d/50-tsproxy.conf" ]; then
        echo "FAIL ($label): no ts-netns@example.service.d/50-tsproxy.conf generated; output:"
        (cd "$tmp/out" && find . -mindepth 1 | sort)
        exit 1
    fi
    echo "ok ($label)"
}

run "as shipped" ''
run "defaults uncommented" 's/^#\([A-Za-z][A-Za-z]*=\)/\1/'
