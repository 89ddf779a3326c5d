/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-splice-pump.c: the splice pump of one connection (helpers/daemon/splice-pump.c) and the batched
 * socket set (helpers/daemon/io-set.c), over TCP on loopback. Needs no root.
 *
 * Each test has a client and a target end (the test's) and the relay's two sockets,
 * connected to them; the relay runs from an edge-triggered epoll set as the daemons run
 * it: splice_pump_event() for every event. Covered: small messages both ways through the copy
 * path with no read that finds a socket empty, half-close passed on both ways, the
 * switch to splice for a stream, a destination that takes nothing for a while (the
 * bytes wait in the pipe, none lost, and they are a copy), data and EOF that came
 * before the relay started, a start that reads only the sockets whose events said
 * input, urgent data, and an event of a batch dropped after its
 * owner went (io_set_close()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <systemd/sd-event.h>

#include "io-set.h"
#include "macro.h"
#include "splice-pump.h"
#include "sysctl.h"

/* A connected TCP pair over 127.0.0.1: *a connects, *b is accepted; both non-blocking. */
static void tcp_pair(int *a, int *b)
{
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(addr);
        int l, one = 1;

        l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(l >= 0);
        assert_int_equal(bind(l, (struct sockaddr *)&addr, sizeof(addr)), 0);
        assert_int_equal(listen(l, 1), 0);
        assert_int_equal(getsockname(l, (struct sockaddr *)&addr, &len), 0);
        *a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(*a >= 0);
        assert_int_equal(connect(*a, (struct sockaddr *)&addr, sizeof(addr)), 0);
        *b = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        assert_true(*b >= 0);
        assert_int_equal(fcntl(*a, F_SETFL, O_NONBLOCK), 0);
        (void)setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        (void)setsockopt(*b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        close(l);
}

typedef struct Fixture {
        int client, target;           /* the test's ends */
        int pump_client, pump_target; /* the relay's */
        int epoll_fd;
        SplicePump pump;
        PipePool pool;
        int result;         /* of the last splice_pump_event(): < 0 once a socket failed */
        size_t max_waiting; /* the most bytes seen waiting in a pipe */
} Fixture;

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        struct epoll_event ev = {.events = SPLICE_PUMP_EVENTS};

        assert_non_null(f);
        tcp_pair(&f->client, &f->pump_client);
        tcp_pair(&f->pump_target, &f->target);
        pipe_pool_init(&f->pool, 256 * 1024);
        splice_pump_init(&f->pump, f->pump_client, 0, f->pump_target, 0); /* events come from the set */
        f->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        assert_true(f->epoll_fd >= 0);
        ev.data.fd = f->pump_client;
        assert_int_equal(epoll_ctl(f->epoll_fd, EPOLL_CTL_ADD, f->pump_client, &ev), 0);
        ev.data.fd = f->pump_target;
        assert_int_equal(epoll_ctl(f->epoll_fd, EPOLL_CTL_ADD, f->pump_target, &ev), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;

        splice_pump_done(&f->pump, &f->pool);
        pipe_pool_done(&f->pool);
        safe_close(f->client);
        safe_close(f->target);
        safe_close(f->pump_client);
        safe_close(f->pump_target);
        safe_close(f->epoll_fd);
        free(f);
        return 0;
}

/* Hand every event that is there (or comes within timeout_ms) to the relay. Returns
 * how many there were. */
static int run_events(Fixture *f, int timeout_ms)
{
        struct epoll_event events[4];
        int n, total = 0;

        while ((n = epoll_wait(f->epoll_fd, events, ELEMENTSOF(events), timeout_ms)) > 0) {
                for (int i = 0; i < n; i++) {
                        int r = splice_pump_event(&f->pump, &f->pool, events[i].data.fd, events[i].events);
                        if (r < 0)
                                f->result = r;
                        if (f->pump.up.in_pipe > f->max_waiting)
                                f->max_waiting = f->pump.up.in_pipe;
                        if (f->pump.down.in_pipe > f->max_waiting)
                                f->max_waiting = f->pump.down.in_pipe;
                }
                total += n;
                timeout_ms = 0;
        }
        return total;
}

/* Read exactly len bytes from fd (non-blocking), running the relay while waiting. */
static void read_exact(Fixture *f, int fd, void *buf, size_t len)
{
        size_t got = 0;

        for (int spins = 0; got < len && spins < 10000; spins++) {
                ssize_t n = recv(fd, (uint8_t *)buf + got, len - got, 0);
                if (n > 0) {
                        got += (size_t)n;
                        continue;
                }
                assert_true(n < 0 && errno == EAGAIN); /* no early EOF */
                run_events(f, 10);
        }
        assert_int_equal(got, len);
}

/* EOF on fd, running the relay while waiting. */
static void expect_eof(Fixture *f, int fd)
{
        char c;

        for (int spins = 0; spins < 1000; spins++) {
                ssize_t n = recv(fd, &c, 1, 0);
                if (n == 0)
                        return;
                assert_true(n < 0 && errno == EAGAIN);
                run_events(f, 10);
        }
        fail_msg("no EOF");
}

static void test_small_messages_and_half_close(void **state)
{
        Fixture *f = *state;
        char buf[64];

        /* The request: copied, and the socket is not read again to be told EAGAIN. */
        assert_int_equal(send(f->client, "request", 7, 0), 7);
        run_events(f, 100);
        read_exact(f, f->target, buf, 7);
        assert_memory_equal(buf, "request", 7);
        assert_false(f->pump.up.bulk);
        assert_false(f->pump.up.readable);
        assert_int_equal(f->pump.up.in_pipe, 0);
        assert_true(f->pump.up.pipe.fds[0] < 0); /* copying needs no pipe */

        assert_int_equal(send(f->target, "reply", 5, 0), 5);
        read_exact(f, f->client, buf, 5);
        assert_memory_equal(buf, "reply", 5);

        /* The client half-closes: the target sees EOF and can still answer. */
        assert_int_equal(shutdown(f->client, SHUT_WR), 0);
        expect_eof(f, f->target);
        assert_true(f->pump.up.done);
        assert_false(splice_pump_finished(&f->pump));
        assert_int_equal(send(f->target, "after", 5, 0), 5);
        read_exact(f, f->client, buf, 5);
        assert_memory_equal(buf, "after", 5);

        /* The target closes: the relay is finished and the client sees EOF once the
         * relay's sockets are closed (the last direction leaves the FIN to close()). */
        assert_int_equal(shutdown(f->target, SHUT_WR), 0);
        for (int i = 0; i < 100 && !splice_pump_finished(&f->pump); i++)
                run_events(f, 10);
        assert_true(splice_pump_finished(&f->pump));
        assert_int_equal(f->result, 0);
        assert_int_equal(f->pump.bytes_up, 7);
        assert_int_equal(f->pump.bytes_down, 10);
        f->pump_client = safe_close(f->pump_client);
        expect_eof(f, f->client);
}

/* The pattern's byte at stream offset i. */
static uint8_t pattern(size_t i)
{
        return (uint8_t)(i * 7 + i / 65521 + 3);
}

/*
 * Send total bytes of a pattern from `from` while reading them at `to`, checking each.
 * hold_reader: the reader takes nothing until the relay holds bytes in a pipe (its
 * destination is full) and the sender is blocked too or done, or for at most 2 s.
 */
static void stream(Fixture *f, int from, int to, size_t total, bool hold_reader)
{
        static uint8_t out[65536], in[65536];
        size_t sent = 0, got = 0;
        int held = hold_reader ? 2000 : 0; /* in 1 ms rounds */

        for (int idle = 0; got < total && idle < 5000;) {
                bool progress = false, blocked = false;
                size_t n = total - sent < sizeof(out) ? total - sent : sizeof(out);

                if (n > 0) {
                        ssize_t k;
                        for (size_t i = 0; i < n; i++)
                                out[i] = pattern(sent + i);
                        k = send(from, out, n, MSG_NOSIGNAL);
                        if (k > 0) {
                                sent += (size_t)k;
                                progress = true;
                        } else {
                                assert_true(k < 0 && errno == EAGAIN);
                                blocked = true;
                        }
                }
                if (run_events(f, progress ? 0 : 1) > 0)
                        progress = true;
                if (held > 0) {
                        held--;
                        if (!((blocked || sent == total) && f->max_waiting > 0))
                                continue; /* the destination takes nothing yet */
                        held = 0;
                }
                for (;;) {
                        ssize_t k = recv(to, in, sizeof(in), 0);
                        if (k <= 0) {
                                assert_true(k < 0 && errno == EAGAIN);
                                break;
                        }
                        for (ssize_t i = 0; i < k; i++)
                                if (in[i] != pattern(got + (size_t)i))
                                        fail_msg("byte %zu differs", got + (size_t)i);
                        got += (size_t)k;
                        progress = true;
                }
                idle = progress ? 0 : idle + 1;
        }
        assert_int_equal(got, total);
}

static void test_stream_switches_to_splice(void **state)
{
        Fixture *f = *state;

        stream(f, f->client, f->target, 8 << 20, false);
        assert_true(f->pump.up.bulk);
        assert_false(f->pump.down.bulk);
        assert_int_equal(f->pump.bytes_up, 8 << 20);
        assert_int_equal(f->result, 0);
}

/* What SO_SNDBUF=value gives a fresh TCP socket (the kernel doubles it, within wmem_max). */
static int granted_sndbuf(int value)
{
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), got = 0;
        socklen_t len = sizeof(got);

        assert_true(fd >= 0);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, sizeof(value)), 0);
        assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len), 0);
        safe_close(fd);
        return got;
}

static int sndbuf_of(int fd)
{
        int got = 0;
        socklen_t len = sizeof(got);

        assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len), 0);
        return got;
}

static void test_bulk_direction_gets_its_send_buffer(void **state)
{
        Fixture *f = *state;
        int want = 300000, granted = granted_sndbuf(want);

        /* Only the direction that turns to splice asks, for its destination. */
        f->pool.bulk_sndbuf = want;
        stream(f, f->client, f->target, 1 << 20, false);
        assert_true(f->pump.up.bulk);
        assert_int_equal(sndbuf_of(f->pump_target), granted);
        assert_int_not_equal(sndbuf_of(f->pump_client), granted);
        assert_int_equal(f->pump.bytes_up, 1 << 20);
}

static void test_bulk_sndbuf_only_beyond_autotuning(void **state)
{
        char line[64];
        unsigned long long min, def, max;
        int v = splice_pump_bulk_sndbuf();

        assert_int_equal(sysctl_read("net/ipv4/tcp_wmem", line, sizeof(line)), 0);
        assert_int_equal(sscanf(line, "%llu %llu %llu", &min, &def, &max), 3);
        assert_true(v >= 0);
        if (v > 0) /* what it asks for is granted beyond what autotuning would reach */
                assert_true((unsigned long long)granted_sndbuf(v) > max);
        else /* asking for all wmem_max allows would not give more */
                assert_true((unsigned long long)granted_sndbuf(INT_MAX / 2) <= max);
        assert_int_equal(sysctl_read("kernel/ostype", line, sizeof(line)), 0);
        assert_string_equal(line, "Linux");
        assert_int_equal(sysctl_read("../etc/passwd", line, sizeof(line)), -EINVAL);
}

static void test_full_destination_loses_nothing(void **state)
{
        Fixture *f = *state;
        int small = 4096;

        /* A small send buffer towards the client: the relay's first send there is short
         * (the rest of the copy waits in the pipe), and the stream stalls soon. */
        assert_int_equal(setsockopt(f->pump_client, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
        stream(f, f->target, f->client, 2 << 20, true);
        assert_true(f->max_waiting > 0);
        assert_int_equal(f->pump.bytes_down, 2 << 20);
        assert_int_equal(f->pump.down.in_pipe, 0);
        assert_int_equal(f->result, 0);
}

static void test_peer_reset_is_an_error(void **state)
{
        Fixture *f = *state;
        struct linger lg = {.l_onoff = 1, .l_linger = 0};

        /* A close with SO_LINGER 0 sends a RST: the relay reports the socket failed. */
        assert_int_equal(setsockopt(f->target, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
        f->target = safe_close(f->target);
        for (int i = 0; i < 100 && f->result == 0; i++)
                run_events(f, 10);
        assert_true(f->result < 0);
}

/* The events of the relay's sockets consumed without acting on them, as a daemon does
 * before its relay starts, and kept ORed per socket; then the relay (re)started with them. */
static void start_with_noted_events(Fixture *f)
{
        struct epoll_event events[4];
        uint32_t client = 0, target = 0;
        int n;

        while ((n = epoll_wait(f->epoll_fd, events, ELEMENTSOF(events), 0)) > 0)
                for (int i = 0; i < n; i++) {
                        if (events[i].data.fd == f->pump_client)
                                client |= events[i].events;
                        else
                                target |= events[i].events;
                }
        splice_pump_init(&f->pump, f->pump_client, client, f->pump_target, target);
}

static void test_eof_before_the_relay_starts(void **state)
{
        Fixture *f = *state;
        char buf[16];

        /* Data and EOF (one edge, EPOLLIN | EPOLLRDHUP) arrive while the connection is
         * still being set up. */
        assert_int_equal(send(f->client, "early", 5, 0), 5);
        assert_int_equal(shutdown(f->client, SHUT_WR), 0);
        usleep(20000);
        start_with_noted_events(f);
        assert_true(f->pump.up.readable && f->pump.up.drain);
        assert_true(splice_pump_run(&f->pump, &f->pool) >= 0);
        read_exact(f, f->target, buf, 5);
        assert_memory_equal(buf, "early", 5);
        expect_eof(f, f->target);
        assert_true(f->pump.up.done);
}

/* At the start only a socket whose noted events said input is read: the early words of
 * a server that speaks first are relayed at once; the client's socket, which no event
 * said anything of, is not read (a recv() that would be told EAGAIN) until its event. */
static void test_start_reads_only_what_events_said(void **state)
{
        Fixture *f = *state;
        char buf[16];
        int queued = -1;

        assert_int_equal(send(f->target, "hello", 5, 0), 5);
        usleep(20000);
        start_with_noted_events(f);
        assert_false(f->pump.up.readable);
        assert_true(f->pump.down.readable);

        assert_int_equal(send(f->client, "later", 5, 0), 5);
        usleep(20000);
        assert_int_equal(splice_pump_run(&f->pump, &f->pool), 1); /* "hello" moved */
        assert_int_equal(ioctl(f->pump_client, FIONREAD, &queued), 0);
        assert_int_equal(queued, 5); /* "later" not read: its event is not handed over yet */
        read_exact(f, f->client, buf, 5);
        assert_memory_equal(buf, "hello", 5);
        read_exact(f, f->target, buf, 5); /* the event came, and with it the read */
        assert_memory_equal(buf, "later", 5);
}

/* Bytes that wait in a pipe are a copy: the buffer they were read into is reused by the
 * other direction at once. */
static void test_stashed_bytes_are_a_copy(void **state)
{
        Fixture *f = *state;
        int small = 4096;
        uint8_t msg[6000], up[6000], in[65536];
        size_t sent = 0, got = 0;

        assert_int_equal(setsockopt(f->pump_client, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
        /* Short messages towards a client that reads nothing, until one had to wait in
         * the pipe (copying: no read filled the buffer). */
        for (int i = 0; i < 2000 && f->pump.down.in_pipe == 0; i++) {
                for (size_t k = 0; k < sizeof(msg); k++)
                        msg[k] = pattern(sent + k);
                if (send(f->target, msg, sizeof(msg), MSG_NOSIGNAL) != (ssize_t)sizeof(msg))
                        break;
                sent += sizeof(msg);
                run_events(f, 5);
        }
        assert_true(f->pump.down.in_pipe > 0);
        assert_false(f->pump.down.bulk);

        /* The other direction copies through the same stack buffer. */
        memset(up, 'B', sizeof(up));
        assert_int_equal(send(f->client, up, sizeof(up), 0), (ssize_t)sizeof(up));
        run_events(f, 10);

        for (int idle = 0; got < sent && idle < 500;) {
                ssize_t k = recv(f->client, in, sizeof(in), 0);
                if (k <= 0) {
                        assert_true(k < 0 && errno == EAGAIN);
                        idle = run_events(f, 5) > 0 ? 0 : idle + 1;
                        continue;
                }
                for (ssize_t i = 0; i < k; i++)
                        if (in[i] != pattern(got + (size_t)i))
                                fail_msg("byte %zu differs", got + (size_t)i);
                got += (size_t)k;
                idle = 0;
        }
        assert_int_equal(got, sent);
        run_events(f, 10);
        /* Empty again and nothing to read: the pipe went back to the pool. */
        assert_int_equal(f->pump.down.in_pipe, 0);
        assert_true(f->pump.down.pipe.fds[0] < 0);
}

static void test_urgent_data_does_not_stall(void **state)
{
        Fixture *f = *state;
        char buf[8];

        /* First a message, so that the relay's first look (which drains) is over. */
        assert_int_equal(send(f->target, "x", 1, 0), 1);
        read_exact(f, f->client, buf, 1);
        run_events(f, 10);
        assert_false(f->pump.down.drain);

        /* A read stops short at the urgent mark; the rest must follow without new data.
         * The urgent byte itself is not part of the stream without SO_OOBINLINE. */
        assert_int_equal(send(f->target, "abc", 3, 0), 3);
        assert_int_equal(send(f->target, "U", 1, MSG_OOB), 1);
        assert_int_equal(send(f->target, "def", 3, 0), 3);
        read_exact(f, f->client, buf, 6);
        assert_memory_equal(buf, "abcdef", 6);
}

/* --- io-set ---------------------------------------------------------------------------------- */

typedef struct Owner {
        IoWatch watch;
        int fd, peer;
        int calls;
        struct Owner *other;
        IoSet *set;
} Owner;

/* Whichever owner comes first in the batch closes the other, as a connection that fails
 * closes both of its sockets. */
static void on_owner_event(IoWatch *watch, uint32_t revents)
{
        Owner *o = container_of(watch, Owner, watch);

        (void)revents;
        o->calls++;
        if (o->other->fd >= 0)
                o->other->fd = io_set_close(o->other->set, &o->other->watch, o->other->fd);
}

static void test_io_set_close(void **state)
{
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(io_set_done) IoSet set = {.epoll_fd = -EBADF};
        Owner a = {.set = &set}, b = {.set = &set};
        int sv[2];

        (void)state;
        assert_int_equal(sd_event_new(&event), 0);
        assert_int_equal(io_set_init(&set, event), 0);
        a.other = &b;
        b.other = &a;
        for (Owner *o = &a; o; o = o == &a ? &b : NULL) {
                assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
                o->fd = sv[0];
                o->peer = sv[1];
                assert_int_equal(io_set_add(&set, &o->watch, o->fd, EPOLLIN | EPOLLET, on_owner_event), 0);
                assert_int_equal(send(o->peer, "x", 1, 0), 1);
        }
        /* Both are ready before the loop runs: one batch holds both events. */
        assert_true(sd_event_run(event, 1000000) > 0);
        assert_int_equal(a.calls + b.calls, 1);

        safe_close(a.fd);
        safe_close(b.fd);
        safe_close(a.peer);
        safe_close(b.peer);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_small_messages_and_half_close, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stream_switches_to_splice, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bulk_direction_gets_its_send_buffer, setup, teardown),
                cmocka_unit_test(test_bulk_sndbuf_only_beyond_autotuning),
                cmocka_unit_test_setup_teardown(test_full_destination_loses_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_peer_reset_is_an_error, setup, teardown),
                cmocka_unit_test_setup_teardown(test_eof_before_the_relay_starts, setup, teardown),
                cmocka_unit_test_setup_teardown(test_start_reads_only_what_events_said, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stashed_bytes_are_a_copy, setup, teardown),
                cmocka_unit_test_setup_teardown(test_urgent_data_does_not_stall, setup, teardown),
                cmocka_unit_test(test_io_set_close),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
