/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * forwarding.h: does the host forward an instance's packets? Read the way tsproxy-netns
 * set it up: with Uplink= it turns forwarding on for the veth's host end and the uplink
 * only (net.ipv4.conf.IF.forwarding; IPv4 forwards a packet when its *input* interface
 * forwards, so those two carry the namespace's packets out and the replies back), without
 * it host-wide (net.ipv4.ip_forward). Writing ip_forward sets every interface's flag, so
 * `sysctl net.ipv4.ip_forward=0` shows up in either reading.
 */
#pragma once

#include <stdbool.h>

typedef struct Forwarding {
        bool on;
        char fact[160]; /* "net.ipv4.conf.ts-t1.forwarding=1 net.ipv4.conf.eth0.forwarding=0" */
        char fix[128];  /* "sysctl -w net.ipv4.conf.eth0.forwarding=1" */
} Forwarding;

/* uplink NULL: host-wide. -errno only when a sysctl cannot be read for another reason than
 * its interface being absent (an absent interface reads as "absent", not forwarding). */
int forwarding_read(const char *host_ifname, const char *uplink, Forwarding *ret);
