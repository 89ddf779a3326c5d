/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * status-line.h: the STATUS= line of a daemon, at most once a second.
 *
 * Counters change with every connection or query; sending STATUS= each time would cost
 * a datagram to PID 1 per event. So a change only marks the line out of date, and a
 * timer on the loop sends it (through the daemon's own callback, which knows what to
 * say) when it is, once a second; the first time right after the loop starts.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

/* Send the line: sd_notifyf(false, "STATUS=...", ...). */
typedef void (*StatusLineSend)(void *userdata);

typedef struct StatusLine {
        sd_event_source *timer;
        atomic_bool dirty;
        StatusLineSend send;
        void *userdata;
} StatusLine;

/* 0 or -errno. */
int status_line_init(StatusLine *st, sd_event *event, StatusLineSend send, void *userdata);
void status_line_done(StatusLine *st);

/* Mark the line out of date. */
static inline void status_line_changed(StatusLine *st)
{
        atomic_store_explicit(&st->dirty, true, memory_order_relaxed);
}
