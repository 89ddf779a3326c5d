/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * auth-throttle.h: failed password attempts per client address, so that guessing from
 * one address stops costing hash computations.
 *
 * After AUTH_THROTTLE_FAILURES failed attempts from one address within
 * AUTH_THROTTLE_WINDOW_USEC, every attempt from it is refused without hashing (the right
 * password too) for AUTH_THROTTLE_BACKOFF_USEC. An IPv6 client counts by its /64 (one
 * host usually has a whole /64 to pick from), an IPv4 client by its address.
 *
 * The table is bounded: AUTH_THROTTLE_ENTRIES addresses; when it is full, the entry
 * whose last failure is the oldest makes room. So an attacker with more addresses than
 * that can push a blocked address out early: the throttle bounds the cost of guessing
 * from few addresses; that the hashes run off the event loops (work-pool.h) is what
 * keeps many addresses from stalling the proxy.
 *
 * Pure: the caller passes the time (CLOCK_MONOTONIC, µs); thread-safe (a mutex), since
 * every worker checks clients against the one table.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define AUTH_THROTTLE_FAILURES     10U
#define AUTH_THROTTLE_WINDOW_USEC  (60ULL * 1000000ULL)
#define AUTH_THROTTLE_BACKOFF_USEC (60ULL * 1000000ULL)
#define AUTH_THROTTLE_ENTRIES      1024U

typedef struct AuthThrottleEntry {
        uint8_t key[16]; /* IPv4 as v4-mapped, IPv6 its /64 */
        bool used;
        unsigned failures;      /* since window_start */
        uint64_t window_start;  /* of the failures counted */
        uint64_t blocked_until; /* 0: not blocked */
        uint64_t last;          /* last failure: the oldest makes room */
} AuthThrottleEntry;

typedef struct AuthThrottle {
        pthread_mutex_t lock;
        AuthThrottleEntry entries[AUTH_THROTTLE_ENTRIES];
} AuthThrottle;

/* Heap-allocated (48 KiB): NULL on ENOMEM. */
AuthThrottle *auth_throttle_new(void);
AuthThrottle *auth_throttle_free(AuthThrottle *t);

/* True while attempts from peer are refused without hashing. */
bool auth_throttle_blocked(AuthThrottle *t, const struct sockaddr *peer, uint64_t now);
/* Count a failed attempt from peer; true when it blocked the address (to log once). */
bool auth_throttle_failed(AuthThrottle *t, const struct sockaddr *peer, uint64_t now);
