/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * http-origin: the web server behind the HTTP forward-proxy benchmark (bench/http-proxy.sh).
 *
 *     http-origin ADDR:PORT
 *
 * HTTP/1.1 with keep-alive: every request head (up to the empty line) gets the same
 * small response, "HTTP/1.1 200 OK", Content-Length: 13, "hello, world\n"; a request
 * with "Connection: close" (what tsproxy sends upstream) gets its response, then the
 * connection is closed. Request bodies are not expected (the benchmark sends GET only).
 * One thread, one edge-triggered epoll set: the origin must cost less than the proxies
 * it serves for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

#define MAX_EVENTS 256
#define BUF_SIZE   8192

static const char response[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n"
                               "hello, world\n";

typedef struct Client {
        int fd;
        size_t n;
        char buf[BUF_SIZE];
} Client;

static void client_close(Client *c)
{
        close(c->fd);
        free(c);
}

/* Answer every complete head in c->buf; false when the connection is done. */
static bool client_serve(Client *c)
{
        for (;;) {
                char *end = memmem(c->buf, c->n, "\r\n\r\n", 4);
                size_t len;
                bool close_after;

                if (!end)
                        return c->n < sizeof(c->buf);
                len = (size_t)(end - c->buf) + 4;
                c->buf[len - 1] = '\0';
                close_after = strcasestr(c->buf, "\nConnection: close") != NULL;
                /* Small replies to a blocking-free socket: a short write is not expected;
                 * if it happens, the client sees a broken response and the run says so. */
                if (send(c->fd, response, sizeof(response) - 1, MSG_NOSIGNAL) !=
                    (ssize_t)sizeof(response) - 1)
                        return false;
                if (close_after)
                        return false;
                memmove(c->buf, c->buf + len, c->n - len);
                c->n -= len;
        }
}

int main(int argc, char *argv[])
{
        struct sockaddr_in addr;
        struct epoll_event ev, events[MAX_EVENTS];
        int lfd, ep, one = 1;

        if (argc != 2 || parse_ipv4_port(argv[1], &addr) < 0) {
                fprintf(stderr, "usage: http-origin ADDR:PORT\n");
                return 2;
        }
        lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 4096) < 0) {
                fprintf(stderr, "http-origin: Failed to listen on %s: %m\n", argv[1]);
                return 1;
        }
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0)
                return 1;
        ev = (struct epoll_event){.events = EPOLLIN, .data.ptr = NULL};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
                return 1;
        printf("listening\n");
        fflush(stdout);

        for (;;) {
                int n = epoll_wait(ep, events, MAX_EVENTS, -1);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return 1;
                for (int i = 0; i < n; i++) {
                        Client *c = events[i].data.ptr;

                        if (!c) {
                                int fd;

                                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                                        c = malloc(sizeof(*c));
                                        if (!c) {
                                                close(fd);
                                                continue;
                                        }
                                        c->fd = fd;
                                        c->n = 0;
                                        ev = (struct epoll_event){.events = EPOLLIN | EPOLLRDHUP | EPOLLET,
                                                                  .data.ptr = c};
                                        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
                                                client_close(c);
                                }
                                continue;
                        }
                        for (;;) {
                                ssize_t k = recv(c->fd, c->buf + c->n, sizeof(c->buf) - c->n, 0);

                                if (k < 0 && errno == EAGAIN)
                                        break;
                                if (k <= 0) {
                                        client_close(c);
                                        break;
                                }
                                c->n += (size_t)k;
                                if (!client_serve(c)) {
                                        client_close(c);
                                        break;
                                }
                        }
                }
        }
}
