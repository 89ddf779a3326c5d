/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-pktinfo.c: answering a UDP client from the address it wrote to
 * (helpers/daemon/pktinfo.c), over loopback: a socket bound to the wildcard address learns
 * each datagram's destination and answers from it, for IPv4 and IPv6. Needs no root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "macro.h"
#include "pktinfo.h"

/* A UDP socket of family bound to address (a string, port 0); its address in *ret. */
static int udp_socket(int family, const char *address, struct sockaddr_storage *ret)
{
        socklen_t len = sizeof(*ret);
        int fd;

        memset(ret, 0, sizeof(*ret));
        ret->ss_family = (sa_family_t)family;
        if (family == AF_INET)
                assert_int_equal(inet_pton(AF_INET, address, &((struct sockaddr_in *)ret)->sin_addr), 1);
        else
                assert_int_equal(inet_pton(AF_INET6, address, &((struct sockaddr_in6 *)ret)->sin6_addr), 1);
        fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        if (bind(fd, (struct sockaddr *)ret,
                 family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0) {
                close(fd);
                return -errno;
        }
        assert_int_equal(getsockname(fd, (struct sockaddr *)ret, &len), 0);
        return fd;
}

static void round_trip(int family, const char *wildcard, const char *loopback)
{
        struct sockaddr_storage server_addr, client_addr, to, peer, from;
        socklen_t from_len = sizeof(from);
        _cleanup_close_ int server = -EBADF, client = -EBADF;
        union {
                struct cmsghdr align;
                char buf[PKTINFO_CONTROL_SIZE];
        } control;
        char data[16] = {};
        struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
        struct msghdr mh = {
                .msg_name = &peer,
                .msg_namelen = sizeof(peer),
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        PktInfo local = {};
        ssize_t n;

        server = udp_socket(family, wildcard, &server_addr);
        if (server == -EADDRNOTAVAIL || server == -EAFNOSUPPORT)
                skip(); /* no IPv6 here */
        assert_true(server >= 0);
        assert_int_equal(pktinfo_enable(server, family), 0);
        client = udp_socket(family, loopback, &client_addr);
        assert_true(client >= 0);

        /* The client writes to the loopback address at the server's port. */
        to = client_addr;
        if (family == AF_INET)
                ((struct sockaddr_in *)&to)->sin_port = ((struct sockaddr_in *)&server_addr)->sin_port;
        else
                ((struct sockaddr_in6 *)&to)->sin6_port = ((struct sockaddr_in6 *)&server_addr)->sin6_port;
        assert_int_equal(
                sendto(client, "ping", 4, 0, (struct sockaddr *)&to,
                       family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)),
                4);

        n = recvmsg(server, &mh, 0);
        assert_int_equal(n, 4);
        pktinfo_take(&mh, &local);
        assert_true(local.set);
        if (family == AF_INET)
                assert_memory_equal(&local.in.ipi_addr, &((struct sockaddr_in *)&to)->sin_addr,
                                    sizeof(struct in_addr));
        else
                assert_memory_equal(&local.in6.ipi6_addr, &((struct sockaddr_in6 *)&to)->sin6_addr,
                                    sizeof(struct in6_addr));

        assert_int_equal(pktinfo_send(server, "pong", 4, &peer, mh.msg_namelen, &local), 0);
        n = recvfrom(client, data, sizeof(data), 0, (struct sockaddr *)&from, &from_len);
        assert_int_equal(n, 4);
        assert_memory_equal(data, "pong", 4);
        /* From the address the client wrote to, not the wildcard. */
        assert_memory_equal(&from, &to, from_len);
}

static void test_ipv4(void **state)
{
        (void)state;
        round_trip(AF_INET, "0.0.0.0", "127.0.0.1");
}

static void test_ipv6(void **state)
{
        (void)state;
        round_trip(AF_INET6, "::", "::1");
}

static void test_nothing_to_take(void **state)
{
        struct msghdr mh = {};
        PktInfo local = {};

        (void)state;
        pktinfo_take(&mh, &local);
        assert_false(local.set);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ipv4),
                cmocka_unit_test(test_ipv6),
                cmocka_unit_test(test_nothing_to_take),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
