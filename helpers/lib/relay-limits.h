/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * relay-limits.h: the defaults and limits of tsproxy-relay, once for the generator that
 * writes the defaults out into ts-relay@NAME.service.d/ and the daemon's command line
 * (helpers/relay/options.c). tsproxy-relay(8) documents them.
 */
#pragma once

#include "daemon-limits.h"

#define RELAY_DEFAULT_MAX_CONNECTIONS  4096u
#define RELAY_DEFAULT_CONNECT_TIMEOUT  10u /* seconds */
#define RELAY_DEFAULT_UDP_IDLE_TIMEOUT 60u /* seconds */
#define RELAY_DEFAULT_UDP_MAX_SESSIONS 1024u
/* --max-connections and --udp-max-sessions: 1 to this. */
#define RELAY_CONNECTIONS_MAX 1000000u
/* --connect-timeout and --udp-idle-timeout: 1 second to a day. */
#define RELAY_TIMEOUT_MAX  86400u
#define RELAY_FORWARDS_MAX 1024u
/* --workers auto: one per CPU it may run on, at most this many (workers.h). */
#define RELAY_WORKERS_AUTO_MAX 4u
#define RELAY_WORKERS_MAX      64u
