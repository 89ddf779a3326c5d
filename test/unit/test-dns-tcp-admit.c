/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dns-tcp-admit: which TCP clients tsproxy-dns keeps when a new one comes
 * (helpers/dns/tcp-admit.c): room, the per-source limit pushing out that source's least
 * recently active idle client, the global limit pushing out the least recently active
 * idle client of all, and a refusal only when every candidate has a query upstream.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "list.h"
#include "tcp-admit.h"

#define N 300

static TcpAdmitEntry entries[N];

static struct sockaddr_storage addr(const char *ip, uint16_t port)
{
        struct sockaddr_storage ss = {};

        if (strchr(ip, ':')) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
                a->sin6_family = AF_INET6;
                a->sin6_port = htons(port);
                inet_pton(AF_INET6, ip, &a->sin6_addr);
        } else {
                struct sockaddr_in *a = (struct sockaddr_in *)&ss;
                a->sin_family = AF_INET;
                a->sin_port = htons(port);
                inet_pton(AF_INET, ip, &a->sin_addr);
        }
        return ss;
}

/* n clients from ip, connected at times 1..n (the list is newest first). */
static TcpAdmitEntry *clients(const char *ip, unsigned n)
{
        TcpAdmitEntry *head = NULL;

        memset(entries, 0, sizeof(entries));
        for (unsigned i = 0; i < n; i++) {
                entries[i].peer = addr(ip, (uint16_t)(10000 + i));
                entries[i].active_usec = i + 1;
                LIST_PREPEND(head, &entries[i]);
        }
        return head;
}

static TcpAdmitVerdict admit(TcpAdmitEntry *head, unsigned n, const char *ip, unsigned max,
                             unsigned per_source, TcpAdmitEntry **victim)
{
        struct sockaddr_storage p = addr(ip, 5353);
        return tcp_admit(head, n, (struct sockaddr *)&p, max, per_source, victim);
}

static void test_same_source(void **state)
{
        struct sockaddr_storage a = addr("100.64.0.1", 1), b = addr("100.64.0.1", 2),
                                c = addr("100.64.0.2", 1), d = addr("fd7a:115c:a1e0::1", 1),
                                e = addr("fd7a:115c:a1e0::1", 9);

        assert_true(tcp_admit_same_source((struct sockaddr *)&a, (struct sockaddr *)&b));
        assert_false(tcp_admit_same_source((struct sockaddr *)&a, (struct sockaddr *)&c));
        assert_false(tcp_admit_same_source((struct sockaddr *)&a, (struct sockaddr *)&d));
        assert_true(tcp_admit_same_source((struct sockaddr *)&d, (struct sockaddr *)&e));
}

static void test_room(void **state)
{
        TcpAdmitEntry *victim = (TcpAdmitEntry *)1;
        TcpAdmitEntry *head = clients("100.64.0.1", 3);

        assert_int_equal(admit(head, 3, "100.64.0.2", 256, 32, &victim), TCP_ADMIT);
        assert_null(victim);
        assert_int_equal(admit(NULL, 0, "100.64.0.2", 1, 1, &victim), TCP_ADMIT);
}

/* 40 slow clients of one source: a 41st of that source pushes out the oldest. */
static void test_per_source_evicts_its_own_oldest(void **state)
{
        TcpAdmitEntry *victim = NULL, *head = clients("100.64.0.1", 40);

        /* Over the per-source limit (which 40 clients of one address can only be if it
         * was lowered meanwhile): the oldest goes, not a client of another source. */
        assert_int_equal(admit(head, 40, "100.64.0.1", 256, 32, &victim), TCP_ADMIT_EVICT);
        assert_ptr_equal(victim, &entries[0]);
        /* The oldest is busy with a query upstream: the next oldest. */
        entries[0].pending = 1;
        assert_int_equal(admit(head, 40, "100.64.0.1", 256, 32, &victim), TCP_ADMIT_EVICT);
        assert_ptr_equal(victim, &entries[1]);
        /* A client that sent a whole query lately is younger than the tricklers. */
        entries[1].active_usec = 1000;
        assert_int_equal(admit(head, 40, "100.64.0.1", 256, 32, &victim), TCP_ADMIT_EVICT);
        assert_ptr_equal(victim, &entries[2]);
        /* Another source is not limited by this one's clients. */
        assert_int_equal(admit(head, 40, "100.64.0.2", 256, 32, &victim), TCP_ADMIT);
        /* All of the source's clients busy: refused. */
        for (unsigned i = 0; i < 40; i++)
                entries[i].pending = 1;
        assert_int_equal(admit(head, 40, "100.64.0.1", 256, 32, &victim), TCP_ADMIT_REFUSE);
        assert_null(victim);
}

/* 300 slow clients from many sources fill the global limit: a new client still gets in. */
static void test_global_evicts_oldest_idle(void **state)
{
        TcpAdmitEntry *head = NULL, *victim = NULL;
        char ip[32];

        memset(entries, 0, sizeof(entries));
        for (unsigned i = 0; i < 256; i++) {
                snprintf(ip, sizeof(ip), "100.64.%u.%u", i / 200, i % 200 + 1);
                entries[i].peer = addr(ip, 1000);
                entries[i].active_usec = 100 + i;
                LIST_PREPEND(head, &entries[i]);
        }
        entries[0].pending = 2;
        assert_int_equal(admit(head, 256, "100.99.0.1", 256, 32, &victim), TCP_ADMIT_EVICT);
        assert_ptr_equal(victim, &entries[1]);
        for (unsigned i = 0; i < 256; i++)
                entries[i].pending = 1;
        assert_int_equal(admit(head, 256, "100.99.0.1", 256, 32, &victim), TCP_ADMIT_REFUSE);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_same_source),
                cmocka_unit_test(test_room),
                cmocka_unit_test(test_per_source_evicts_its_own_oldest),
                cmocka_unit_test(test_global_evicts_oldest_idle),
        };
        return cmocka_run_group_tests_name("tsproxy-dns TCP admission", tests, NULL, NULL);
}
