/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * listen-fds.h: the sockets systemd passes to a daemon (socket activation), and
 * accepting on them.
 *
 * The .socket units make them in the host namespace, where the tailnet's clients reach
 * them; the daemon, running in the instance's namespace, only accepts and reads on them.
 * What a daemon does with each socket differs (tsproxy-relay matches them to its
 * --forward arguments by address and type; tsproxy-socks and tsproxy-dns take every TCP
 * listener and UDP socket), so this takes them, tells their kind, and watches them; the
 * caller decides and says what is wrong with its configuration.
 */
#pragma once

#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "log.h"

/*
 * Take the sockets passed by systemd (sd_listen_fds(); $LISTEN_FDS is unset after): fds
 * SD_LISTEN_FDS_START to SD_LISTEN_FDS_START + n - 1, each made non-blocking (they may be
 * passed blocking, and accept4()/recvmsg() must never block the loop). Returns n > 0, or
 * -errno (logged); none passed is -EBADF, logged with the socket unit that should pass
 * them and the command that passes them by hand (e.g. "socks@.socket" and
 * "systemd-socket-activate -l ADDRESS:PORT").
 */
int listen_fds_take(const Logger *log, const char *socket_unit, const char *by_hand);

/* Close the n sockets listen_fds_take() returned (a daemon whose workers share them closes
 * them once, at the end, whether it got to use them or not). */
void listen_fds_close(int n);

/*
 * SOCK_STREAM for a listening stream socket, SOCK_DGRAM for a datagram socket; -EINVAL
 * (logged) for anything else.
 */
int listen_fd_type(const Logger *log, int fd);

/* Watch fd for input with handler; the source owns fd from then on (and closes it). 0 or
 * -errno (not logged: the caller knows what the socket is for). */
int listen_fd_watch(sd_event *event, sd_event_source **ret, int fd, sd_event_io_handler_t handler,
                    void *userdata);

/*
 * accept4() a client of listening socket fd, non-blocking and close-on-exec, with its
 * address in *ret_peer when that is not NULL. The new fd; -EAGAIN when there is none to
 * take now; another -errno (EMFILE and friends, logged): the listener stays, and is tried
 * again at its next event.
 */
int listen_fd_accept(const Logger *log, int fd, struct sockaddr_storage *ret_peer, socklen_t *ret_peer_len);
