/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysctl.h: reading and writing the few kernel settings the helpers need, under
 * /proc/sys.
 *
 * /proc/sys/net shows the network namespace of the process that opens the file, so
 * these calls act on the namespace the caller is in.
 */
#pragma once

#include <stddef.h>

/* "net/ipv4/conf/IFNAME/forwarding", or "net/ipv4/ip_forward" for a NULL ifname. */
int sysctl_ipv4_forwarding_property(const char *ifname, char *buf, size_t size);

/* The first line of /proc/sys/PROPERTY, without its newline, in buf. 0 or -errno. */
int sysctl_read(const char *property, char *buf, size_t size);

/*
 * Write value (a newline is added) to /proc/sys/PROPERTY, unless it already holds that
 * value: a read-only /proc/sys that is already right is not an error. -ENOENT when the
 * property does not exist (e.g. no such interface).
 */
int sysctl_write(const char *property, const char *value);

/* sysctl_write() in the network namespace netns_fd: the calling thread goes there for the
 * write and comes back (it aborts if it cannot: it must not go on in the wrong one). */
int sysctl_write_in_netns(int netns_fd, const char *property, const char *value);

/* Turn on IPv4 forwarding for ifname, or for the whole namespace when ifname is NULL. */
int sysctl_enable_ipv4_forwarding(const char *ifname);
