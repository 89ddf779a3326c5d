/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify.c: the sd_notify(3) datagram protocol (see notify.h for why it is not
 * libsystemd's). One unconnected SOCK_DGRAM socket per message, as sd_notify() does: the
 * messages are few (READY=1, STOPPING=1). The watchdog's pings take a socket the caller
 * keeps open (notify_send_on()): a daemon out of descriptors under a flood must still
 * be able to say it is alive.
 */
#include "notify.h"
#include "parse-number.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

int notify_send_on(int fd, const char *socket_path, const char *state)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        struct iovec iov;
        struct msghdr mh = {.msg_name = &sa, .msg_iov = &iov, .msg_iovlen = 1};
        _cleanup_close_ int own = -EBADF;
        size_t len;

        if (!socket_path || !*socket_path)
                return 0;
        if (!state || !*state)
                return -EINVAL;
        if (socket_path[0] != '/' && socket_path[0] != '@')
                return -EAFNOSUPPORT;
        len = strlen(socket_path);
        if (len > sizeof(sa.sun_path) || (socket_path[0] == '/' && len == sizeof(sa.sun_path)))
                return -EINVAL; /* a path needs its terminating NUL, an abstract name does not */
        memcpy(sa.sun_path, socket_path, len);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = '\0';
        mh.msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);

        if (fd < 0) {
                fd = own = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return negative_errno();
        }
        iov = (struct iovec){.iov_base = (char *)state, .iov_len = strlen(state)};
        if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
                return negative_errno();
        return 1;
}

int notify_send(const char *socket_path, const char *state)
{
        return notify_send_on(-EBADF, socket_path, state);
}

int notify_sendf(const char *socket_path, const char *fmt, ...)
{
        _cleanup_free_ char *state = NULL;
        va_list ap;
        int r;

        if (!socket_path || !*socket_path)
                return 0;
        va_start(ap, fmt);
        r = vasprintf(&state, fmt, ap);
        va_end(ap);
        if (r < 0) {
                state = NULL;
                return -ENOMEM;
        }
        return notify_send(socket_path, state);
}

int notify_watchdog_enabled(const char *watchdog_usec, const char *watchdog_pid, uint64_t *ret_usec)
{
        uint64_t usec, pid;

        if (!watchdog_usec)
                return 0;
        if (parse_unsigned(watchdog_usec, UINT64_MAX, &usec) < 0 || usec == 0 || usec == UINT64_MAX)
                return -EINVAL;
        if (watchdog_pid) {
                if (parse_unsigned(watchdog_pid, UINT64_MAX, &pid) < 0 || pid == 0 || pid > INT32_MAX)
                        return -EINVAL;
                if ((pid_t)pid != getpid())
                        return 0; /* meant for another process (our parent, say) */
        }
        *ret_usec = usec;
        return 1;
}
