/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tailscaled-args.h: reading [Tailscale] ExtraArguments= as systemd and tailscaled will.
 *
 * The generator writes ExtraArguments= into tailscaled's ExecStart=, where systemd splits
 * it into words (white space, "..." and '...' quoting, backslash escapes) and tailscaled
 * parses the words with Go's flag package (-flag and --flag alike; the value after "="
 * or as the next word). So the same splitting is done here, once, for two purposes:
 *   - to refuse at parse time, with file:line, what would fail or break isolation later:
 *     unbalanced quotes, the flags tsproxy sets itself (--state, --statedir, --socket,
 *     --port) and --tun=userspace-networking (no interface: nothing could reach the
 *     tailnet, and the daemons' egress is pinned to the interface);
 *   - to learn the TUN name (--tun=NAME, default tailscale0) that the daemons pin their
 *     egress to.
 * Pure: text in, answer out.
 */
#pragma once

#include <net/if.h>
#include <stddef.h>

/*
 * Check ExtraArguments=. 0, and the TUN name in tun (TAILSCALE_TUN_DEFAULT when --tun is
 * not given); or -EINVAL, and reason (a sentence, at most reason_size bytes) says why.
 */
int tailscaled_args_check(const char *s, char tun[static IFNAMSIZ], char *reason, size_t reason_size);
