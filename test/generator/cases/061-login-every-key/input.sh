#!/bin/sh
# The auth key file as an administrator keeps it: mode 0600 (git stores 0644).
chmod 0600 "$1/etc/tsproxy/lab.key"
