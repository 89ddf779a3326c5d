/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-localapi.h: the fake tailscaled's LocalAPI: HTTP/1.1 on its unix socket, one
 * request per connection, the endpoints tsproxy and its tests use.
 */
#pragma once

#include "fake-daemon.h"

/* Listen on path as tailscale's safesocket does: -EADDRINUSE when a live daemon answers
 * there; else a stale file is removed, the parent made (0755), the socket made 0666. */
int localapi_listen(const char *path, int *ret_fd);
/* Accept one connection on listen_fd and answer its request. */
void localapi_serve(Daemon *d, int listen_fd);
