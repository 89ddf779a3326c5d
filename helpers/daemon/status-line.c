/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status-line.c: the rate-limited STATUS= line (see status-line.h). */
#include "status-line.h"

#include <time.h>

#define STATUS_INTERVAL_USEC 1000000ull

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        StatusLine *st = userdata;

        if (atomic_exchange_explicit(&st->dirty, false, memory_order_relaxed))
                st->send(st->userdata);
        (void)sd_event_source_set_time(source, usec + STATUS_INTERVAL_USEC);
        (void)sd_event_source_set_enabled(source, SD_EVENT_ON);
        return 0;
}

int status_line_init(StatusLine *st, sd_event *event, StatusLineSend send, void *userdata)
{
        int r;

        *st = (StatusLine){.send = send, .userdata = userdata};
        atomic_init(&st->dirty, true);
        r = sd_event_add_time_relative(event, &st->timer, CLOCK_MONOTONIC, 0, 100000, on_timer, st);
        if (r < 0)
                return r;
        (void)sd_event_source_set_enabled(st->timer, SD_EVENT_ON);
        return 0;
}

void status_line_done(StatusLine *st)
{
        st->timer = sd_event_source_disable_unref(st->timer);
}
