/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-egress.c: Egress=tailnet's route checks and the destinations they remember
 * (helpers/daemon/egress.h), in a network namespace of the test's own (unshare; skipped
 * where that is not allowed). A veth named tailscale0 stands for tailscaled's tun.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "egress.h"

static int setup(void **state)
{
        (void)state;
        if (unshare(CLONE_NEWNET) < 0)
                return 0; /* the test skips */
        if (system("ip link set lo up && ip link add tailscale0 type veth peer name tspeer && "
                   "ip link set tailscale0 up && ip link set tspeer up && "
                   "ip addr add 100.64.0.1/32 dev tailscale0 && "
                   "ip route add 100.64.0.0/10 dev tailscale0") != 0)
                return -1;
        *state = (void *)1;
        return 0;
}

static struct sockaddr_in v4(const char *a)
{
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};

        assert_int_equal(inet_pton(AF_INET, a, &sin.sin_addr), 1);
        return sin;
}

static int check(Egress *e, const char *a, int *ifindex)
{
        struct sockaddr_in sin = v4(a);

        return egress_check(e, (struct sockaddr *)&sin, ifindex);
}

/* A tailnet destination is allowed and bound to tailscale0, the second time from the
 * cache; after its route moves to another link, it is refused (the cache was emptied). */
static void test_route_change_empties_cache(void **state)
{
        Egress e;
        int ifindex = -1, tun;

        if (!*state)
                skip();
        tun = (int)if_nametoindex("tailscale0");
        assert_true(tun > 0);
        assert_int_equal(egress_init(&e, true, "tailscale0"), 0);
        assert_true(e.monitor_fd >= 0);
        assert_int_equal(check(&e, "100.80.0.5", &ifindex), 0);
        assert_int_equal(ifindex, tun);
        ifindex = -1;
        assert_int_equal(check(&e, "100.80.0.5", &ifindex), 0); /* remembered */
        assert_int_equal(ifindex, tun);

        assert_int_equal(system("ip route add 100.80.0.0/16 dev tspeer"), 0);
        assert_int_equal(check(&e, "100.80.0.5", &ifindex), -EACCES);
        assert_int_equal(check(&e, "100.80.0.5", &ifindex), -EACCES); /* refusals are not remembered */
        assert_int_equal(system("ip route del 100.80.0.0/16 dev tspeer"), 0);
        assert_int_equal(check(&e, "100.80.0.5", &ifindex), 0);
        assert_int_equal(ifindex, tun);

        /* no route at all, and the namespace's own address outside the tailnet */
        assert_int_equal(check(&e, "192.0.2.1", &ifindex), -ENETUNREACH);
        assert_int_equal(check(&e, "127.0.0.1", &ifindex), 0);
        assert_int_equal(ifindex, 0);
        egress_done(&e);
}

/* Egress=any: no lookups. */
static void test_any(void **state)
{
        Egress any;
        int ifindex = -1;

        (void)state;
        assert_int_equal(egress_init(&any, false, "tailscale0"), 0);
        assert_int_equal(check(&any, "192.0.2.1", &ifindex), 0);
        assert_int_equal(ifindex, 0);
        egress_done(&any);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_route_change_empties_cache),
                cmocka_unit_test(test_any),
        };
        return cmocka_run_group_tests(tests, setup, NULL);
}
