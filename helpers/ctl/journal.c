/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * journal.c: a unit's last journal lines (see journal.h).
 *
 * Two match groups, ORed (sd_journal_add_disjunction()): this boot's messages from the
 * unit's processes, and this boot's messages of systemd about the unit. With max_priority
 * set, each group also matches PRIORITY=0..max (one field matched several times is an OR).
 * Then from the tail backwards.
 */
#include "journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "macro.h"

static int add_group(sd_journal *j, const char *field, const char *unit, const char *boot, int max_priority)
{
        char m[512];
        int r;

        for (int p = 0; p <= max_priority; p++) {
                snprintf(m, sizeof(m), "PRIORITY=%i", p);
                r = sd_journal_add_match(j, m, 0);
                if (r < 0)
                        return r;
        }
        snprintf(m, sizeof(m), "%s=%s", field, unit);
        r = sd_journal_add_match(j, m, 0);
        if (r >= 0)
                r = sd_journal_add_match(j, boot, 0);
        return r;
}

static int read_last(sd_journal **journal, const char *unit, size_t max, int max_priority, char ***ret)
{
        sd_journal *j = *journal;
        char boot[64] = "_BOOT_ID=", **lines;
        sd_id128_t id;
        size_t n = 0;
        int r;

        lines = calloc(max + 1, sizeof(char *));
        if (!lines)
                return -ENOMEM;
        r = sd_id128_get_boot(&id);
        if (r >= 0) {
                sd_id128_to_string(id, boot + strlen(boot));
                if (!j) {
                        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
                        if (r >= 0)
                                *journal = j;
                } else
                        sd_journal_flush_matches(j);
        }
        if (r >= 0)
                r = add_group(j, "_SYSTEMD_UNIT", unit, boot, max_priority);
        if (r >= 0)
                r = sd_journal_add_disjunction(j);
        if (r >= 0)
                r = add_group(j, "UNIT", unit, boot, max_priority);
        if (r >= 0)
                r = sd_journal_seek_tail(j);
        while (r >= 0 && n < max && (r = sd_journal_previous(j)) > 0) {
                const void *data;
                size_t len;
                uint64_t usec;
                char when[32] = "";
                time_t t;
                struct tm tm;

                if (sd_journal_get_data(j, "MESSAGE", &data, &len) < 0)
                        continue;
                if (sd_journal_get_realtime_usec(j, &usec) >= 0) {
                        t = (time_t)(usec / 1000000);
                        if (localtime_r(&t, &tm))
                                strftime(when, sizeof(when), "%b %d %H:%M:%S ", &tm);
                }
                /* data is "MESSAGE=..." and not NUL-terminated. */
                if (asprintf(&lines[n], "%s%.*s", when, (int)(len - 8), (const char *)data + 8) < 0) {
                        lines[n] = NULL;
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        if (r < 0) {
                journal_lines_free(lines);
                return r;
        }
        /* Oldest first. */
        for (size_t i = 0; i < n / 2; i++) {
                char *t = lines[i];
                lines[i] = lines[n - 1 - i];
                lines[n - 1 - i] = t;
        }
        *ret = lines;
        return 0;
}

int journal_last_lines_in(sd_journal **journal, const char *unit, size_t max, char ***ret)
{
        char **lines = NULL;
        int r;

        r = read_last(journal, unit, max, LOG_WARNING, &lines);
        if (r < 0)
                return r;
        if (lines[0]) {
                *ret = lines;
                return 0;
        }
        journal_lines_free(lines);
        return read_last(journal, unit, max, LOG_DEBUG, ret);
}

void journal_lines_free(char **lines)
{
        for (char **l = lines; l && *l; l++)
                free(*l);
        free(lines);
}
