/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pac-peer.h: tsproxy-socks's --pac-peer NAME,DOMAIN,TAILNETDOMAIN,HOST:PORT, the other
 * instances with a proxy that the PAC file (pac.h) sends their names to. The generator
 * writes one for every other instance with a [SOCKS] Listen=; TAILNETDOMAIN may be empty
 * (not known), DOMAIN too (none); HOST:PORT is where clients reach that proxy ("[v6]:port"
 * for IPv6). Checked with the PAC builder's own rules, so what starts is what builds.
 */
#pragma once

#include "instance.h"
#include "name-model.h"
#include "socks-limits.h"

#define PAC_PEERS_MAX SOCKS_PAC_PEERS_MAX
/* "[" IPv6 "]:" port, or a host name and port */
#define PAC_PEER_PROXY_MAX (NAME_MODEL_NAME_MAX + 8)

typedef struct PacPeer {
        char name[INSTANCE_NAME_BUFSZ];
        char domain[NAME_MODEL_NAME_MAX + 1];
        char tailnet_domain[NAME_MODEL_NAME_MAX + 1];
        char proxy[PAC_PEER_PROXY_MAX + 1];
} PacPeer;

/* Parse one --pac-peer value: 0, or -EINVAL with *ret_reason saying what is wrong. */
int pac_peer_parse(const char *value, PacPeer *ret, const char **ret_reason);
