#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# shell-down.sh NAME SUBNET
#
# The teardown of bench/shell-up.sh, the baseline for `kill tsproxy-nat` + `tsproxy-netns
# down`: the table, the rule, the veth (both ends, with addresses and routes), the
# namespace. Run only inside the benchmark's sandbox.
set -eu

name=$1 subnet=$2

nft delete table inet "tsproxy-$name"
ip rule del to "$subnet" lookup main priority 5200
ip link del "ts-$name"
ip netns del "$name"
