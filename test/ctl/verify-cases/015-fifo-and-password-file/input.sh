#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A FIFO named x.conf (git cannot hold one); $1 is the root.
mkfifo "$1/etc/tsproxy/x.conf"
