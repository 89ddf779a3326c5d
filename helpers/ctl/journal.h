/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * journal.h: the last lines a unit logged, for `tsproxyctl status` (sd-journal).
 */
#pragma once

#include <stddef.h>

/*
 * The last (at most) max messages of this boot about unit (its own, _SYSTEMD_UNIT=, and
 * systemd's about it, UNIT=) at priority warning or worse; when there are none, the last
 * ones at any priority (a unit stopped by hand logs only "Stopped ..."). Oldest first,
 * as "Mon DD HH:MM:SS MESSAGE", in a NULL-terminated array. 0 or negative errno.
 * One journal serves many units: *journal NULL at first, opened here, closed by the
 * caller with sd_journal_close() (status of 100 instances with bad units opened it
 * twice per unit before).
 */
typedef struct sd_journal sd_journal;
int journal_last_lines_in(sd_journal **journal, const char *unit, size_t max, char ***ret);
void journal_lines_free(char **lines);
