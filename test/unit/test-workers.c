/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-workers.c: event loops on threads (helpers/daemon/workers.h). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "workers.h"

typedef struct Record {
        unsigned fail_index; /* setup of this worker fails; 0: none */
        atomic_uint set_up, torn_down, ran_in_main;
        atomic_uint indexes; /* bit i: worker i was set up */
        atomic_uint sigterm_unblocked;
        pthread_t main_thread;
} Record;

typedef struct State {
        unsigned index;
        Record *record;
} State;

static int setup(unsigned index, sd_event *event, void *userdata, void **ret_state, IoSet **ret_io_set)
{
        Record *rec = userdata;
        State *st;
        sigset_t mask;

        assert_non_null(event);
        assert_non_null(ret_io_set); /* left NULL: these loops have no IoSet */
        if (pthread_equal(pthread_self(), rec->main_thread))
                atomic_fetch_add(&rec->ran_in_main, 1);
        pthread_sigmask(SIG_SETMASK, NULL, &mask);
        if (!sigismember(&mask, SIGTERM))
                atomic_fetch_add(&rec->sigterm_unblocked, 1);
        st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        *st = (State){.index = index, .record = rec};
        *ret_state = st;
        atomic_fetch_add(&rec->set_up, 1);
        atomic_fetch_or(&rec->indexes, 1u << index);
        return index == rec->fail_index ? -EADDRINUSE : 0;
}

static void teardown(unsigned index, void *state)
{
        State *st = state;

        assert_non_null(st);
        assert_int_equal(st->index, index);
        atomic_fetch_add(&st->record->torn_down, 1);
        free(st);
}

static void test_start_and_stop(void **unused)
{
        Record rec = {.main_thread = pthread_self()};
        Workers *w = NULL;

        assert_int_equal(workers_start(&w, 4, 0, setup, teardown, &rec), 0);
        assert_non_null(w);
        /* Workers 1..3 are set up, each on a thread of its own, before start returns. */
        assert_int_equal(atomic_load(&rec.set_up), 3);
        assert_int_equal(atomic_load(&rec.indexes), 0xe);
        assert_int_equal(atomic_load(&rec.ran_in_main), 0);
        assert_int_equal(atomic_load(&rec.sigterm_unblocked), 0);
        assert_int_equal(atomic_load(&rec.torn_down), 0);
        workers_stop(w);
        assert_int_equal(atomic_load(&rec.torn_down), 3);
}

static void test_one_worker_starts_no_thread(void **unused)
{
        Record rec = {.main_thread = pthread_self()};
        Workers *w = (Workers *)&rec; /* overwritten */

        assert_int_equal(workers_start(&w, 1, 0, setup, teardown, &rec), 0);
        assert_null(w);
        assert_int_equal(atomic_load(&rec.set_up), 0);
        workers_stop(NULL);
}

static void test_failed_setup_rolls_back(void **unused)
{
        Record rec = {.main_thread = pthread_self(), .fail_index = 2};
        Workers *w = (Workers *)&rec;

        assert_int_equal(workers_start(&w, 4, 0, setup, teardown, &rec), -EADDRINUSE);
        assert_null(w);
        /* Worker 1 started, worker 2 failed (and was torn down too), worker 3 never began. */
        assert_int_equal(atomic_load(&rec.set_up), 2);
        assert_int_equal(atomic_load(&rec.indexes), 0x6);
        assert_int_equal(atomic_load(&rec.torn_down), 2);
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Worker 2's loop hangs in this callback (a blocking read) until the test writes. */
static int hang_fd = -1;
static int on_hang(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        uint64_t v;
        int block = *(int *)userdata;

        (void)s;
        (void)revents;
        (void)eventfd_read(fd, &v);
        (void)eventfd_read(block, &v); /* blocking: the loop is stuck here */
        return 0;
}

static int block_fd = -1;
static int setup_hang(unsigned index, sd_event *event, void *userdata, void **ret_state, IoSet **ret_io_set)
{
        int r = setup(index, event, userdata, ret_state, ret_io_set);

        if (r >= 0 && index == 2)
                r = sd_event_add_io(event, NULL, hang_fd, EPOLLIN, on_hang, &block_fd);
        return r;
}

/* Every worker loop stamps its heartbeat; one that hangs goes stale, the others do not. */
static void test_heartbeat(void **unused)
{
        Record rec = {.main_thread = pthread_self()};
        Workers *w = NULL;
        unsigned stale = 0;

        hang_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        block_fd = eventfd(0, EFD_CLOEXEC); /* blocking */
        assert_true(hang_fd >= 0 && block_fd >= 0);
        assert_true(workers_alive(NULL, now_usec(), 1, NULL));
        assert_int_equal(workers_start(&w, 4, 10000, setup_hang, teardown, &rec), 0);
        usleep(300000);
        assert_true(workers_alive(w, now_usec(), 300000, &stale));
        eventfd_write(hang_fd, 1); /* worker 2 blocks */
        usleep(600000);
        assert_false(workers_alive(w, now_usec(), 300000, &stale));
        assert_int_equal(stale, 2);
        eventfd_write(block_fd, 1); /* and runs again */
        usleep(400000);
        assert_true(workers_alive(w, now_usec(), 300000, &stale));
        workers_stop(w);
        close(hang_fd);
        close(block_fd);
}

static void test_cpus(void **unused)
{
        unsigned cpus = workers_cpus();

        assert_true(cpus >= 1);
        assert_int_equal(workers_count(3, 4), 3); /* asked for: as asked, CPUs or not */
        assert_int_equal(workers_count(0, 64), cpus);
        assert_int_equal(workers_count(0, 1), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_start_and_stop),
                cmocka_unit_test(test_one_worker_starts_no_thread),
                cmocka_unit_test(test_failed_setup_rolls_back),
                cmocka_unit_test(test_heartbeat),
                cmocka_unit_test(test_cpus),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
