/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth.c: password checks of tsproxy-socks, kept off the event loops.
 *
 * A full check is a crypt(3) hash of the file's method (yescrypt: ~30 ms of CPU). Run
 * on a loop, every guess of a brute-force flood stalled every client of that loop (a
 * logged-in user's CONNECT took 89 ms instead of 1.2 ms). So a loop does only what is
 * cheap and bounded: refuse an address that the throttle blocks (auth-throttle.h),
 * grant a password that matches the cache (~0.3 ms, password-file.c), and queue
 * everything else for the verifier threads (work-pool.h: a bounded queue, threads at
 * nice +10). The verdict comes back to the connection's own loop; a failure counts
 * against the client's address even when the client left before it came.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"
#include "workers.h"

struct AuthJob {
        WorkItem item;
        Connection *connection; /* NULL once it went away (the loop's field only) */
        ServerShared *shared;
        struct sockaddr_storage peer;
        bool granted;
        char user[256];
        char password[256];
};

unsigned auth_verifier_threads(void)
{
        unsigned n = workers_cpus();

        return n <= 1 ? 1 : n - 1 > 4 ? 4 : n - 1;
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

static void auth_failed(ServerShared *sh, const struct sockaddr *peer)
{
        if (auth_throttle_failed(sh->throttle, peer, now_usec())) {
                char a[ENDPOINT_STRLEN];

                endpoint_format(peer, a);
                log_warning(sh->log,
                            "%u failed password attempts from %s within %llu s: refusing its attempts "
                            "for %llu s.",
                            AUTH_THROTTLE_FAILURES, a, AUTH_THROTTLE_WINDOW_USEC / 1000000ULL,
                            AUTH_THROTTLE_BACKOFF_USEC / 1000000ULL);
        }
}

/* On a verifier thread. */
static void auth_job_work(WorkItem *item)
{
        AuthJob *j = container_of(item, AuthJob, item);

        j->granted = password_file_check(j->shared->passwords, j->user, j->password);
        explicit_bzero(j->password, sizeof(j->password));
}

/* On the connection's loop (or at exit, with the connection gone). */
static void auth_job_done(WorkItem *item)
{
        AuthJob *j = container_of(item, AuthJob, item);
        Connection *c = j->connection;
        bool granted = item->ran && j->granted;

        explicit_bzero(j->password, sizeof(j->password)); /* when it never ran */
        if (item->ran && !granted)
                auth_failed(j->shared, (struct sockaddr *)&j->peer);
        free(j);
        if (c) {
                c->auth = NULL;
                connection_auth_done(c, granted);
        }
}

HandshakeAuthResult auth_check(void *userdata, const char *user, const char *password)
{
        Connection *c = userdata;
        Server *s = c->server;
        ServerShared *sh = s->shared;
        AuthJob *j;
        int r;

        if (auth_throttle_blocked(sh->throttle, (struct sockaddr *)&c->peer, now_usec())) {
                log_debug(s->log, "Refusing a password attempt from a throttled address.");
                return HANDSHAKE_AUTH_DENIED;
        }
        if (password_file_check_cached(sh->passwords, user, password))
                return HANDSHAKE_AUTH_GRANTED;

        j = calloc(1, sizeof(*j));
        if (!j)
                return HANDSHAKE_AUTH_DENIED;
        j->item = (WorkItem){.home = &s->verified, .work = auth_job_work, .done = auth_job_done};
        j->connection = c;
        j->shared = sh;
        memcpy(&j->peer, &c->peer, c->peer_len);
        snprintf(j->user, sizeof(j->user), "%s", user);
        snprintf(j->password, sizeof(j->password), "%s", password);
        r = work_pool_submit(&sh->verifiers, &j->item);
        if (r < 0) {
                (void)log_full_errno(s->log, LOG_DEBUG, r,
                                     "Refusing a password attempt, no verifier is free: %m");
                explicit_bzero(j->password, sizeof(j->password));
                free(j);
                return HANDSHAKE_AUTH_DENIED;
        }
        c->auth = j;
        return HANDSHAKE_AUTH_PENDING;
}

void auth_cancel(Connection *c)
{
        if (c->auth)
                c->auth->connection = NULL;
        c->auth = NULL;
}
