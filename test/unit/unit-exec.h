/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * unit-exec.h: unit files read and Exec*= lines split the way systemd does it, for
 * test-options-golden, which feeds the generator's command lines to the daemons' parsers.
 *
 * What is covered is what systemd's config_parse_exec() does before exec: comments and
 * continuation lines, specifiers expanded on the whole value first (%i %I %n %N %p %P %d
 * %t %%), then the words split at whitespace with "..." and '...' quoting and C escapes,
 * "$$" for a dollar, and the prefixes @-:+! of the first word. Anything else that
 * systemd would read differently (an unknown specifier or escape, $VAR, a ';' between
 * commands) is refused, so a line the test cannot reproduce exactly is never checked
 * with a guess.
 */
#pragma once

#include <stddef.h>

/* KEY=VALUE of a unit file, in file order. */
typedef struct UnitAssignment {
        char *unit; /* e.g. "socks@lab.service" */
        char *section;
        char *key;
        char *value; /* whitespace at both ends removed */
        char *path;
        unsigned line;
} UnitAssignment;

typedef struct UnitAssignments {
        UnitAssignment *items;
        size_t n, allocated;
} UnitAssignments;

/* Appends the assignments of the file at path, read as part of unit. 0, -errno. */
int unit_file_read(const char *path, const char *unit, UnitAssignments *list);
void unit_assignments_done(UnitAssignments *list);

/* An Exec*= value of unit split into the path executed and the argv it gets
 * (NULL-terminated; argv[0] is the path unless the '@' prefix names another).
 * 0; -EINVAL with *error set to what is not understood; -ENOMEM. */
int exec_line_split(const char *value, const char *unit, char **ret_path, char ***ret_argv, int *ret_argc,
                    const char **error);
void argv_free(char **argv);
