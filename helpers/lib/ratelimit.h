/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ratelimit.h: one log message per interval for an error that may repeat thousands of
 * times a second (a daemon at its descriptor limit fails every accept()), with the
 * count of the messages left out said in the next one.
 *
 * Pure: the caller passes the time (CLOCK_MONOTONIC, microseconds), so tests need no
 * clock.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct RateLimit {
        uint64_t interval_usec;
        uint64_t last_usec;  /* when the last message went out; 0: never */
        uint64_t suppressed; /* left out since then */
} RateLimit;

#define RATELIMIT_INIT(interval) ((RateLimit){.interval_usec = (interval)})

/* May a message go out at now? true: yes, and *ret_suppressed is how many were left out
 * before it (then reset); false: leave it out (counted). */
bool ratelimit_below(RateLimit *rl, uint64_t now_usec, uint64_t *ret_suppressed);
