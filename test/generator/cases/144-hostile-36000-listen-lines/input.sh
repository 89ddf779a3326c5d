#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile input that git cannot hold (or too big to commit); $1 is the root.
set -e
e=$1/etc/tsproxy
mkdir -p "$1/run/netns"; : > "$1/run/netns/good"   # good is running
awk -v e="$e" 'BEGIN { for (i = 100; i < 400; i++) { f = e "/a" i ".conf"; print "[SOCKS]" > f; for (b = 1; b < 120; b++) print "Listen=10." int((i - 100) / 200) "." (i - 100) % 200 "." b ":1080" > f; print "Listen=100.121.76.1:1080" > f; close(f) } }'
