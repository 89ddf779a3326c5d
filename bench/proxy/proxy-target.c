/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proxy-target: the server end of the proxy benchmark. It listens on one TCP address and
 * serves every connection by the 16-byte header the client sends first (util.h): sink
 * (count N bytes, answer with the count), give (send N bytes, close), reply (send N
 * bytes, wait for the client to close) or echo (send back what arrives).
 *
 * One thread, one epoll set, non-blocking sockets, connection state in an array indexed
 * by fd: it has to hold more than 10,000 idle connections and keep up with a 1 GiB/s
 * stream on the same two cores as the proxy and the client, so it does nothing else.
 *
 *     proxy-target --listen 127.0.0.1:PORT
 *
 * prints "ready" on stdout once it listens, and runs until killed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <endian.h>

#include "util.h"

#define DATA_BUFFER_SIZE (1024 * 1024)
#define MAX_EVENTS       256

typedef struct TargetConn {
        uint8_t header[BENCH_HEADER_SIZE];
        size_t header_got;
        BenchCommand command;
        uint64_t to_send;    /* give/reply: bytes still to send */
        uint64_t to_receive; /* sink: bytes announced in the header */
        uint64_t received;   /* sink: bytes counted after the header */
} TargetConn;

typedef struct Target {
        int epoll_fd;
        int listen_fd;
        TargetConn *conns;
        size_t n_conns;
        uint8_t *buffer;
} Target;

static void target_close(Target *t, int fd)
{
        memset(&t->conns[fd], 0, sizeof(TargetConn));
        (void)close(fd);
}

static int target_watch(Target *t, int fd, int op, uint32_t events)
{
        struct epoll_event ev = {.events = events, .data.fd = fd};

        if (epoll_ctl(t->epoll_fd, op, fd, &ev) < 0)
                return negative_errno();
        return 0;
}

static void target_accept(Target *t)
{
        for (;;) {
                int fd = accept4(t->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                fprintf(stderr, "proxy-target: Failed to accept connection: %m\n");
                        return;
                }
                if ((size_t)fd >= t->n_conns || target_watch(t, fd, EPOLL_CTL_ADD, EPOLLIN) < 0) {
                        fprintf(stderr, "proxy-target: Failed to watch connection %d, closing it.\n", fd);
                        (void)close(fd);
                        continue;
                }
                memset(&t->conns[fd], 0, sizeof(TargetConn));
        }
}

/* Returns > 0 to keep the connection, 0 to close it. */
static int target_send(Target *t, int fd, TargetConn *c)
{
        while (c->to_send > 0) {
                size_t n = c->to_send < DATA_BUFFER_SIZE ? (size_t)c->to_send : DATA_BUFFER_SIZE;
                ssize_t k = send(fd, t->buffer, n, MSG_NOSIGNAL);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return target_watch(t, fd, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT) < 0 ? 0 : 1;
                        return 0;
                }
                c->to_send -= (uint64_t)k;
        }
        if (c->command == BENCH_COMMAND_GIVE)
                return 0;
        /* reply sent: wait for the client's EOF */
        return target_watch(t, fd, EPOLL_CTL_MOD, EPOLLIN) < 0 ? 0 : 1;
}

static int target_readable(Target *t, int fd, TargetConn *c)
{
        if (c->header_got < BENCH_HEADER_SIZE) {
                ssize_t k = read(fd, c->header + c->header_got, BENCH_HEADER_SIZE - c->header_got);
                if (k < 0)
                        return errno == EAGAIN || errno == EINTR;
                if (k == 0)
                        return 0;
                c->header_got += (size_t)k;
                if (c->header_got < BENCH_HEADER_SIZE)
                        return 1;
                if (bench_header_parse(c->header, &c->command, &c->to_send) < 0) {
                        fprintf(stderr,
                                "proxy-target: Failed to parse header on connection %d, closing it.\n", fd);
                        return 0;
                }
                if (c->command == BENCH_COMMAND_SINK || c->command == BENCH_COMMAND_ECHO) {
                        c->to_receive = c->command == BENCH_COMMAND_SINK ? c->to_send : 0;
                        c->to_send = 0;
                } else
                        return target_send(t, fd, c);
        }

        /* sink, or a give/reply client that sends more: count and drop, up to 16 reads */
        for (int i = 0; i < 16; i++) {
                ssize_t k = read(fd, t->buffer, DATA_BUFFER_SIZE);
                if (k < 0)
                        return errno == EAGAIN || errno == EINTR;
                if (k == 0)
                        return 0;
                c->received += (uint64_t)k;
                /* echo: small messages, which fit the socket's send buffer */
                if (c->command == BENCH_COMMAND_ECHO && write_all(fd, t->buffer, (size_t)k) < 0)
                        return 0;
                if (c->command == BENCH_COMMAND_SINK && c->to_receive > 0 && c->received >= c->to_receive) {
                        /* all there: confirm (8 bytes always fit), then wait for the close */
                        uint64_t be = htobe64(c->received);
                        (void)send(fd, &be, sizeof(be), MSG_NOSIGNAL);
                        c->to_receive = 0;
                }
        }
        return 1;
}

static int target_run(Target *t)
{
        struct epoll_event events[MAX_EVENTS];

        for (;;) {
                int n = epoll_wait(t->epoll_fd, events, MAX_EVENTS, -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                for (int i = 0; i < n; i++) {
                        int fd = events[i].data.fd;
                        TargetConn *c;
                        int keep;

                        if (fd == t->listen_fd) {
                                target_accept(t);
                                continue;
                        }
                        c = &t->conns[fd];
                        if ((events[i].events & EPOLLOUT) && c->to_send > 0)
                                keep = target_send(t, fd, c);
                        else if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                                keep = target_readable(t, fd, c);
                        else
                                keep = 1;
                        if (!keep)
                                target_close(t, fd);
                }
        }
}

static void help(void)
{
        printf("proxy-target --listen ADDR:PORT\n\n"
               "The server end of the proxy benchmark: sink, source and request/reply on one port.\n"
               "Prints \"ready\" once it listens; runs until killed.\n");
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                {"listen", required_argument, NULL, 'l'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_close_ int epoll_fd = -EBADF, listen_fd = -EBADF;
        _cleanup_free_ TargetConn *conns = NULL;
        _cleanup_free_ uint8_t *buffer = NULL;
        struct sockaddr_in addr = {};
        bool have_addr = false;
        uint64_t limit;
        int c, r, one = 1;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'l':
                        if (parse_ipv4_port(optarg, &addr) < 0) {
                                fprintf(stderr, "proxy-target: Failed to parse address '%s'\n", optarg);
                                return 2;
                        }
                        have_addr = true;
                        break;
                case 'h': help(); return 0;
                default: return 2;
                }
        if (!have_addr || optind != argc) {
                fprintf(stderr, "proxy-target: usage: proxy-target --listen ADDR:PORT\n");
                return 2;
        }

        limit = raise_nofile_limit();
        conns = calloc(limit, sizeof(TargetConn));
        buffer = calloc(1, DATA_BUFFER_SIZE);
        if (!conns || !buffer) {
                fprintf(stderr, "proxy-target: Failed to allocate memory\n");
                return 1;
        }

        epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (epoll_fd < 0 || listen_fd < 0) {
                fprintf(stderr, "proxy-target: Failed to create sockets: %m\n");
                return 1;
        }
        (void)setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(listen_fd, 4096) < 0) {
                fprintf(stderr, "proxy-target: Failed to listen on '%s:%u': %m\n", inet_ntoa(addr.sin_addr),
                        ntohs(addr.sin_port));
                return 1;
        }

        Target t = {
                .epoll_fd = epoll_fd,
                .listen_fd = listen_fd,
                .conns = conns,
                .n_conns = limit,
                .buffer = buffer,
        };
        r = target_watch(&t, listen_fd, EPOLL_CTL_ADD, EPOLLIN);
        if (r < 0) {
                fprintf(stderr, "proxy-target: Failed to watch the listening socket: %s\n", strerror(-r));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);

        r = target_run(&t);
        fprintf(stderr, "proxy-target: Failed to wait for events: %s\n", strerror(-r));
        return 1;
}
