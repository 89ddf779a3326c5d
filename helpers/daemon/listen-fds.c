/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* listen-fds.c: the sockets passed by systemd (see listen-fds.h). */
#include "listen-fds.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <systemd/sd-daemon.h>

int listen_fds_take(const Logger *log, const char *socket_unit, const char *by_hand)
{
        int n;

        n = sd_listen_fds(true);
        if (n < 0)
                return log_error_errno(log, n, "Failed to read the sockets passed by systemd: %m");
        if (n == 0)
                return log_error_errno(log, -EBADF,
                                       "No sockets passed: this daemon is started by %s (socket activation; "
                                       "by hand: %s).",
                                       socket_unit, by_hand);
        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
                int flags = fcntl(fd, F_GETFL);

                if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                        return log_error_errno(log, errno, "Failed to make socket %d non-blocking: %m", fd);
        }
        return n;
}

void listen_fds_close(int n)
{
        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++)
                safe_close(fd);
}

int listen_fd_type(const Logger *log, int fd)
{
        if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) > 0)
                return SOCK_STREAM;
        if (sd_is_socket(fd, AF_UNSPEC, SOCK_DGRAM, -1) > 0)
                return SOCK_DGRAM;
        return log_error_errno(log, -EINVAL,
                               "Socket %d passed by systemd is neither a listening TCP socket nor a UDP "
                               "socket.",
                               fd);
}

int listen_fd_watch(sd_event *event, sd_event_source **ret, int fd, sd_event_io_handler_t handler,
                    void *userdata)
{
        int r;

        r = sd_event_add_io(event, ret, fd, EPOLLIN, handler, userdata);
        if (r < 0)
                return r;
        /* Closed with the source: sd-event owns the fd from here on. */
        (void)sd_event_source_set_io_fd_own(*ret, true);
        return 0;
}

int listen_fd_accept(const Logger *log, int fd, struct sockaddr_storage *ret_peer, socklen_t *ret_peer_len)
{
        socklen_t len = sizeof(*ret_peer);
        int cfd;

        cfd = accept4(fd, (struct sockaddr *)ret_peer, ret_peer ? &len : NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
                if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                        return -EAGAIN;
                return log_warning_errno(log, errno, "Failed to accept a connection: %m");
        }
        if (ret_peer_len)
                *ret_peer_len = len;
        return cfd;
}
