/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fileio.h: the small file operations the helpers need, done carefully once: read a
 * whole (small) text file, replace a file atomically, mkdir -p, rm -r.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p with mode for every directory it creates; existing directories are fine. */
int fileio_mkdir_p(const char *path, mode_t mode);

/* Read a whole file into a NUL-terminated string; -EFBIG when it is larger than max. */
int fileio_read_text(const char *path, size_t max, char **ret);

/*
 * Replace dir_fd/filename with text, atomically: readers see the old file or the new
 * one, never a half-written one (temporary file in the same directory, then rename).
 */
int fileio_write_atomic_at(int dir_fd, const char *filename, const char *text, mode_t mode);

/* rm -r path, never following symlinks; -ENOENT when there is nothing. */
int fileio_remove_tree(const char *path);
