/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-io-set.c: the relayed sockets' epoll set and io_set_loop() (helpers/daemon/io-set.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "io-set.h"
#include "macro.h"

typedef struct Fixture {
        sd_event *event;
        IoSet set;
        IoWatch watch;
        int pair[2];
        unsigned socket_events, timer_fired, sd_io_events;
        int then; /* what the socket handler does: see on_socket() */
} Fixture;

enum { THEN_EXIT, THEN_ADD_TIMER };

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        Fixture *f = userdata;

        (void)source;
        (void)usec;
        f->timer_fired++;
        return sd_event_exit(f->event, 7);
}

static void on_socket(IoWatch *watch, uint32_t revents)
{
        Fixture *f = container_of(watch, Fixture, watch);
        char buf[16];

        assert_true(revents & EPOLLIN);
        while (read(f->pair[1], buf, sizeof(buf)) > 0)
                ;
        f->socket_events++;
        if (f->then == THEN_EXIT)
                assert_int_equal(sd_event_exit(f->event, 5), 0);
        else
                /* A timer that sd-event arms only in its next iteration. */
                assert_int_equal(
                        sd_event_add_time_relative(f->event, NULL, CLOCK_MONOTONIC, 1000, 0, on_timer, f),
                        0);
}

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(Fixture));

        assert_non_null(f);
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(io_set_init(&f->set, f->event), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f->pair), 0);
        assert_int_equal(io_set_add(&f->set, &f->watch, f->pair[1], EPOLLIN | EPOLLET, on_socket), 0);
        *state = f;
        alarm(10); /* a loop that never ends fails the test instead of hanging it */
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;

        alarm(0);
        io_set_close(&f->set, &f->watch, f->pair[1]);
        close(f->pair[0]);
        io_set_done(&f->set);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

/* A socket event reaches its handler, whose sd_event_exit() ends the loop. */
static void test_socket_event_and_exit(void **state)
{
        Fixture *f = *state;

        f->then = THEN_EXIT;
        assert_int_equal(write(f->pair[0], "x", 1), 1);
        assert_int_equal(io_set_loop(f->event, &f->set), 5);
        assert_int_equal(f->socket_events, 1);
}

/* A timer added by a socket handler fires although sd-event's descriptor stays quiet:
 * the loop gives sd-event an iteration IO_SET_SD_EVENT_LAG_USEC after the handler. */
static void test_timer_from_socket_handler(void **state)
{
        Fixture *f = *state;
        uint64_t t0 = now_usec();

        f->then = THEN_ADD_TIMER;
        assert_int_equal(write(f->pair[0], "x", 1), 1);
        assert_int_equal(io_set_loop(f->event, &f->set), 7);
        assert_int_equal(f->timer_fired, 1);
        assert_true(now_usec() - t0 < 5 * IO_SET_SD_EVENT_LAG_USEC);
}

static int on_sd_io(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
        Fixture *f = userdata;
        char c;

        (void)source;
        (void)revents;
        assert_int_equal(read(fd, &c, 1), 1);
        f->sd_io_events++;
        return sd_event_exit(f->event, 9);
}

/* sd-event's own sources (a listener, here a socket) are still dispatched. */
static void test_sd_event_source(void **state)
{
        Fixture *f = *state;
        int p[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p), 0);
        assert_int_equal(sd_event_add_io(f->event, NULL, p[1], EPOLLIN, on_sd_io, f), 0);
        assert_int_equal(write(p[0], "x", 1), 1);
        assert_int_equal(io_set_loop(f->event, &f->set), 9);
        assert_int_equal(f->sd_io_events, 1);
        assert_int_equal(f->socket_events, 0);
        close(p[0]);
        close(p[1]);
}

static int on_defer_exit(sd_event_source *source, void *userdata)
{
        (void)source;
        return sd_event_exit(userdata, 3);
}

/* Without an IoSet, io_set_loop() is sd_event_loop(). */
static void test_without_io_set(void **state)
{
        sd_event *event = NULL;

        (void)state;
        assert_int_equal(sd_event_new(&event), 0);
        assert_int_equal(sd_event_add_defer(event, NULL, on_defer_exit, event), 0);
        assert_int_equal(io_set_loop(event, NULL), 3);
        sd_event_unref(event);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_socket_event_and_exit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_timer_from_socket_handler, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sd_event_source, setup, teardown),
                cmocka_unit_test(test_without_io_set),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
