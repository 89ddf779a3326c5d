/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns.h: named network namespaces, exactly as `ip netns add` makes them.
 *
 * A named namespace is an nsfs bind mount on DIR/NAME (DIR is /run/netns, the test
 * seam TSPROXY_NETNS_DIR), so `ip netns exec NAME`, NetworkNamespacePath= and setns()
 * all find it, and it lives on without any process in it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* DIR/NAME into buf. */
int netns_path(const char *dir, const char *name, char *buf, size_t size);

/*
 * Make sure DIR/NAME is a named namespace. An existing nsfs mount is kept; a plain
 * file left by a crash between create and mount is replaced. *ret_created tells
 * whether this call made a new namespace.
 */
int netns_add(const char *dir, const char *name, bool *ret_created);

/* Open DIR/NAME: -ENOENT if absent, -EMEDIUMTYPE if it is not a namespace mount. */
int netns_open(const char *dir, const char *name, int *ret_fd);

/* Detach the mount and unlink the file: -ENOENT when there was neither. */
int netns_remove(const char *dir, const char *name);

/*
 * Move the calling thread into the network namespace netns_fd; *ret_home is its own,
 * for netns_leave(). 0 or -errno (then the thread is where it was).
 */
int netns_enter(int netns_fd, int *ret_home);
/* Back into *home, which is closed. Aborts if that fails: nothing may go on in the
 * wrong namespace. */
void netns_leave(int *home);
