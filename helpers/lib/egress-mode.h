/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egress-mode.h: Egress= of [SOCKS] and [Forward], and --egress of the daemons, one type
 * for the configuration and the command lines (helpers/daemon/egress.h does the work).
 *
 *   tailnet  only destinations the namespace routes through the instance's tailscale
 *            interface, with the socket bound to it, and the namespace's own non-tailnet
 *            addresses (loopback, the veth end): a service running in the namespace
 *   any      wherever the namespace routes (the internet through the host's NAT, too)
 */
#pragma once

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <string.h>

typedef enum EgressMode {
        EGRESS_TAILNET,
        EGRESS_ANY,
} EgressMode;

#define EGRESS_MODE_DEFAULT EGRESS_TAILNET

static inline const char *egress_mode_to_string(EgressMode m)
{
        return m == EGRESS_ANY ? "any" : "tailnet";
}

/* "tailnet" or "any"; -EINVAL otherwise. */
static inline int egress_mode_from_string(const char *s, EgressMode *ret)
{
        if (strcmp(s, "tailnet") == 0)
                *ret = EGRESS_TAILNET;
        else if (strcmp(s, "any") == 0)
                *ret = EGRESS_ANY;
        else
                return -EINVAL;
        return 0;
}

/* --egress-interface: an interface name (1 to 15 bytes, no '/', no white space). */
static inline bool egress_interface_valid(const char *s)
{
        return *s && strlen(s) < IF_NAMESIZE && !strpbrk(s, "/ \t\n");
}

/* The daemons' options: 0, or -EINVAL after saying what is wrong on stderr. */
int egress_mode_option(const char *value, EgressMode *ret);
int egress_interface_option(const char *value, char buf[static IF_NAMESIZE]);
