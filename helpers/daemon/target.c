/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* target.c: connecting to a relayed connection's target (see target.h). */
#include "target.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "splice-pump.h"

void target_init(Target *t)
{
        *t = (Target){.fd = -EBADF};
}

static void target_free_addresses(Target *t)
{
        free(t->addresses);
        t->addresses = NULL;
        t->n_addresses = t->next_address = 0;
}

void target_done(Target *t, IoSet *io)
{
        resolver_query_cancel(t->query);
        t->query = NULL;
        t->fd = io_set_close(io, &t->watch, t->fd);
        target_free_addresses(t);
}

int target_set_addresses(Target *t, const struct sockaddr_storage *addresses, size_t n)
{
        struct sockaddr_storage *a;

        a = malloc(n * sizeof(*addresses));
        if (!a)
                return -ENOMEM;
        memcpy(a, addresses, n * sizeof(*addresses));
        free(t->addresses);
        t->addresses = a;
        t->n_addresses = n;
        t->next_address = 0;
        return 0;
}

int target_resolved(Target *t, int error, const struct sockaddr_storage *addresses, size_t n)
{
        t->query = NULL;
        if (error < 0)
                return error;
        return target_set_addresses(t, addresses, n);
}

int target_connect_next(Target *t, Egress *egress, IoSet *io, IoHandler handler)
{
        while (t->next_address < t->n_addresses) {
                const struct sockaddr *a = (const struct sockaddr *)&t->addresses[t->next_address++];
                socklen_t len =
                        a->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
                int ifindex = 0, r;

                t->fd = io_set_close(io, &t->watch, t->fd);
                t->revents = 0;
                if (egress) {
                        r = egress_check(egress, a, &ifindex);
                        if (r < 0) {
                                t->last_error = r;
                                continue;
                        }
                }
                t->fd = egress_socket(a->sa_family, SOCK_STREAM, ifindex);
                if (t->fd < 0) {
                        t->last_error = t->fd;
                        continue;
                }
                if (connect(t->fd, a, len) < 0 && errno != EINPROGRESS) {
                        t->last_error = negative_errno();
                        continue;
                }
                r = io_set_add(io, &t->watch, t->fd, SPLICE_PUMP_EVENTS, handler);
                if (r < 0) {
                        t->last_error = r;
                        continue;
                }
                return 0;
        }
        return t->last_error < 0 ? t->last_error : -EHOSTUNREACH;
}

int target_connect_result(Target *t, uint32_t revents)
{
        int error = 0;
        socklen_t len = sizeof(error);

        t->revents |= revents;
        if (!(revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
                return 0;
        /* Writable alone means connected: only an error or a hangup needs asking why. */
        if ((revents & (EPOLLERR | EPOLLHUP)) && getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                error = errno;
        if (error != 0) {
                t->last_error = -error;
                return -error;
        }
        /* The candidates are not needed any more: idle connections stay small. */
        target_free_addresses(t);
        return 1;
}
