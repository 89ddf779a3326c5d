/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify.h: telling the service manager about our state (READY=1, WATCHDOG=1, ...).
 *
 * This is the sd_notify(3) datagram protocol, written out here instead of linking
 * libsystemd: loading libsystemd and what it pulls in (libgcrypt, liblzma, libzstd,
 * liblz4, libcap) costs about 1.4 ms at every start of a helper, more than the whole
 * protocol's work. systemd documents the protocol as stable and meant to be reimplemented
 * (sd_notify(3), "Interface Portability and Stability"): one datagram of "KEY=VALUE"
 * lines to the AF_UNIX socket named by $NOTIFY_SOCKET, a path or, with a leading '@', an
 * abstract name.
 *
 * The environment is read by the caller (main), once, and passed in; nothing here logs.
 */
#pragma once

#include <stdint.h>

#include "macro.h"

/*
 * Send state ("READY=1\nSTATUS=...") to the socket named socket_path ($NOTIFY_SOCKET).
 * Returns 1 when sent, 0 when socket_path is NULL or empty (not run by a service manager),
 * -EINVAL for an empty state, -EAFNOSUPPORT for an address that is neither "/..." nor
 * "@...", or the negative errno of the send.
 */
int notify_send(const char *socket_path, const char *state);
/* The same on fd, an AF_UNIX SOCK_DGRAM socket the caller keeps (a negative fd: one made
 * for this message). */
int notify_send_on(int fd, const char *socket_path, const char *state);
int notify_sendf(const char *socket_path, const char *fmt, ...) _printf_(2, 3);

/*
 * sd_watchdog_enabled(3) over the given values of $WATCHDOG_USEC and $WATCHDOG_PID: 1 and
 * *ret_usec set when the watchdog is enabled for this process, 0 when it is not (no
 * WATCHDOG_USEC, or WATCHDOG_PID names another process), -EINVAL when a value is invalid.
 */
int notify_watchdog_enabled(const char *watchdog_usec, const char *watchdog_pid, uint64_t *ret_usec);
