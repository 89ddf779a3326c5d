#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile input that git cannot hold (or too big to commit); $1 is the root.
set -e
e=$1/etc/tsproxy
mkdir -p "$1/run/netns"; : > "$1/run/netns/good"   # good is running
printf 'alice:$6$x$y\n' > "$e/aa.passwd"
chmod 0644 "$e/aa.passwd"   # readable by everyone
