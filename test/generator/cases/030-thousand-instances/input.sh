#!/bin/sh
# 1000 instances with defaults: every one gets a distinct subnet and port.
mkdir -p "$1/etc/tsproxy"
i=0
while [ $i -lt 1000 ]; do
    printf '[Instance]\n' > "$1/etc/tsproxy/i$(printf %04d $i).conf"
    i=$((i + 1))
done
