/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * output.h: writing generated files into the generator's output directory.
 */
#pragma once

#include "dropins.h"

/* What became of one tree. */
typedef struct OutputResult {
        int error;          /* 0, or negative errno */
        const char *failed; /* the file concerned (points into the tree) */
} OutputResult;

/*
 * Write trees[0..n) below the directory dir_fd, results[i] telling how trees[i] went.
 * Files are created with O_EXCL and links with symlinkat(), so a collision is an error,
 * never a silent overwrite. Trees with no files are skipped.
 *
 * The cost is all in the file system (directory and inode creation on the tmpfs
 * below /run), so with many instances the trees are shared out to up to max_workers
 * threads; each instance's files stay within one thread, in order.
 */
void output_write_trees(int dir_fd, const GeneratedTree *trees, size_t n, OutputResult *results,
                        unsigned max_workers);
