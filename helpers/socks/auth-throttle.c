/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auth-throttle.c: failed attempts per address (see auth-throttle.h). Linear search:
 * 1024 entries of 16-byte keys are a few microseconds, once per password attempt. */
#include "auth-throttle.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

AuthThrottle *auth_throttle_new(void)
{
        AuthThrottle *t = calloc(1, sizeof(*t));

        if (t)
                pthread_mutex_init(&t->lock, NULL);
        return t;
}

AuthThrottle *auth_throttle_free(AuthThrottle *t)
{
        if (t) {
                pthread_mutex_destroy(&t->lock);
                free(t);
        }
        return NULL;
}

/* false for a family that is not counted (never throttled). */
static bool throttle_key(const struct sockaddr *sa, uint8_t key[16])
{
        memset(key, 0, 16);
        if (sa->sa_family == AF_INET) {
                key[10] = key[11] = 0xff;
                memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
                return true;
        }
        if (sa->sa_family == AF_INET6) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

                /* A v4-mapped address is the IPv4 client it stands for. */
                memcpy(key, a->s6_addr, IN6_IS_ADDR_V4MAPPED(a) ? 16 : 8);
                return true;
        }
        return false;
}

static AuthThrottleEntry *throttle_find(AuthThrottle *t, const uint8_t key[16])
{
        for (unsigned i = 0; i < AUTH_THROTTLE_ENTRIES; i++)
                if (t->entries[i].used && memcmp(t->entries[i].key, key, 16) == 0)
                        return &t->entries[i];
        return NULL;
}

bool auth_throttle_blocked(AuthThrottle *t, const struct sockaddr *peer, uint64_t now)
{
        const AuthThrottleEntry *e;
        uint8_t key[16];
        bool blocked;

        if (!t || !throttle_key(peer, key))
                return false;
        pthread_mutex_lock(&t->lock);
        e = throttle_find(t, key);
        blocked = e && now < e->blocked_until;
        pthread_mutex_unlock(&t->lock);
        return blocked;
}

bool auth_throttle_failed(AuthThrottle *t, const struct sockaddr *peer, uint64_t now)
{
        AuthThrottleEntry *e;
        uint8_t key[16];
        bool blocked = false;

        if (!t || !throttle_key(peer, key))
                return false;
        pthread_mutex_lock(&t->lock);
        e = throttle_find(t, key);
        if (!e) {
                /* A free entry, else the one whose last failure is the oldest. */
                e = &t->entries[0];
                for (unsigned i = 0; i < AUTH_THROTTLE_ENTRIES && e->used; i++)
                        if (!t->entries[i].used || t->entries[i].last < e->last)
                                e = &t->entries[i];
                *e = (AuthThrottleEntry){.used = true, .window_start = now};
                memcpy(e->key, key, 16);
        }
        e->last = now;
        if (now >= e->blocked_until) {
                if (now - e->window_start > AUTH_THROTTLE_WINDOW_USEC) {
                        e->window_start = now;
                        e->failures = 0;
                }
                if (++e->failures >= AUTH_THROTTLE_FAILURES) {
                        e->blocked_until = now + AUTH_THROTTLE_BACKOFF_USEC;
                        e->failures = 0;
                        e->window_start = e->blocked_until;
                        blocked = true;
                }
        }
        pthread_mutex_unlock(&t->lock);
        return blocked;
}
