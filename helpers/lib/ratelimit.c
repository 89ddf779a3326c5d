/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ratelimit.c: see ratelimit.h.
 */
#include "ratelimit.h"

bool ratelimit_below(RateLimit *rl, uint64_t now_usec, uint64_t *ret_suppressed)
{
        if (rl->last_usec != 0 && now_usec - rl->last_usec < rl->interval_usec) {
                rl->suppressed++;
                return false;
        }
        *ret_suppressed = rl->suppressed;
        rl->suppressed = 0;
        rl->last_usec = now_usec ? now_usec : 1;
        return true;
}
