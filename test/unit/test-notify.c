/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-notify: the sd_notify datagram protocol (notify.c) against sockets of our own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>

#include "notify.h"

/* Bind a datagram socket to addr (a path, or "@name" for an abstract one). */
static int bind_dgram(const char *addr)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t len = strlen(addr);
        int fd;

        assert_true(len < sizeof(sa.sun_path));
        memcpy(sa.sun_path, addr, len);
        if (addr[0] == '@')
                sa.sun_path[0] = '\0';
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(fd >= 0);
        assert_int_equal(
                bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)),
                0);
        return fd;
}

static void assert_received(int fd, const char *expected)
{
        char buf[512];
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

        assert_true(n >= 0);
        buf[n] = '\0';
        assert_string_equal(buf, expected);
}

static void test_path_socket(void **state)
{
        char dir[] = "/tmp/test-notify-XXXXXX", path[128];
        int fd;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/notify", dir);
        fd = bind_dgram(path);

        assert_int_equal(notify_send(path, "READY=1"), 1);
        assert_received(fd, "READY=1");
        assert_int_equal(
                notify_sendf(path, "READY=1\nSTATUS=Masquerading %s, UDP %u", "10.200.0.4/30", 41641u), 1);
        assert_received(fd, "READY=1\nSTATUS=Masquerading 10.200.0.4/30, UDP 41641");

        close(fd);
        assert_int_equal(unlink(path), 0);
        /* Nobody listening any more. */
        assert_int_equal(notify_send(path, "WATCHDOG=1"), -ENOENT);
        assert_int_equal(rmdir(dir), 0);
}

static void test_abstract_socket(void **state)
{
        char addr[64];
        int fd;

        snprintf(addr, sizeof(addr), "@tsproxy-test-notify/%d", (int)getpid());
        fd = bind_dgram(addr);
        assert_int_equal(notify_send(addr, "STOPPING=1"), 1);
        assert_received(fd, "STOPPING=1");
        close(fd);
}

static void test_no_socket(void **state)
{
        /* Not run by a service manager: nothing to do, not an error. */
        assert_int_equal(notify_send(NULL, "READY=1"), 0);
        assert_int_equal(notify_send("", "READY=1"), 0);
        assert_int_equal(notify_sendf(NULL, "READY=%d", 1), 0);
}

static void test_bad_arguments(void **state)
{
        char longpath[200];

        assert_int_equal(notify_send("relative/socket", "READY=1"), -EAFNOSUPPORT);
        assert_int_equal(notify_send("vsock:2:1234", "READY=1"), -EAFNOSUPPORT);
        assert_int_equal(notify_send("/run/notify", ""), -EINVAL);
        memset(longpath, 'a', sizeof(longpath) - 1);
        longpath[0] = '/';
        longpath[sizeof(longpath) - 1] = '\0';
        assert_int_equal(notify_send(longpath, "READY=1"), -EINVAL);
}

static void test_watchdog(void **state)
{
        char self[32], other[32];
        uint64_t usec = 0;

        snprintf(self, sizeof(self), "%d", (int)getpid());
        snprintf(other, sizeof(other), "%d", (int)getpid() + 1);

        assert_int_equal(notify_watchdog_enabled(NULL, NULL, &usec), 0);
        assert_int_equal(notify_watchdog_enabled(NULL, self, &usec), 0);

        assert_int_equal(notify_watchdog_enabled("30000000", NULL, &usec), 1);
        assert_int_equal(usec, 30000000);
        usec = 0;
        assert_int_equal(notify_watchdog_enabled("20000000", self, &usec), 1);
        assert_int_equal(usec, 20000000);

        /* Meant for another process: not enabled, and *ret_usec untouched. */
        usec = 7;
        assert_int_equal(notify_watchdog_enabled("20000000", other, &usec), 0);
        assert_int_equal(usec, 7);

        assert_int_equal(notify_watchdog_enabled("", NULL, &usec), -EINVAL);
        assert_int_equal(notify_watchdog_enabled("0", NULL, &usec), -EINVAL);
        assert_int_equal(notify_watchdog_enabled("-5", NULL, &usec), -EINVAL);
        assert_int_equal(notify_watchdog_enabled("12x", NULL, &usec), -EINVAL);
        assert_int_equal(notify_watchdog_enabled("18446744073709551615", NULL, &usec), -EINVAL);
        assert_int_equal(notify_watchdog_enabled("99999999999999999999", NULL, &usec), -EINVAL);
        assert_int_equal(notify_watchdog_enabled("1000", "", &usec), -EINVAL);
        assert_int_equal(notify_watchdog_enabled("1000", "0", &usec), -EINVAL);
        assert_int_equal(notify_watchdog_enabled("1000", "pid", &usec), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path_socket), cmocka_unit_test(test_abstract_socket),
                cmocka_unit_test(test_no_socket),   cmocka_unit_test(test_bad_arguments),
                cmocka_unit_test(test_watchdog),
        };
        return cmocka_run_group_tests_name("notify (sd_notify protocol)", tests, NULL, NULL);
}
