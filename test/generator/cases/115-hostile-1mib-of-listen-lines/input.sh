#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile input that git cannot hold (or too big to commit); $1 is the root.
set -e
e=$1/etc/tsproxy
mkdir -p "$1/run/netns"; : > "$1/run/netns/good"   # good is running
awk 'BEGIN { print "[SOCKS]"; for (n = 8; n < 1048000;) { l = "Listen=10." int(n / 60000) "." int(n / 250) % 250 "." n % 250 ":1080"; n += length(l) + 1; print l } }' > "$e/aa.conf"
