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
 * Fill trees[i] (left empty to skip it). Called on the caller's thread, once for each i,
 * in order, just before trees[i] is written, so that building overlaps with writing.
 */
typedef void (*OutputBuildFunc)(size_t i, GeneratedTree *tree, void *userdata);

/*
 * Write trees[0..n) below the directory dir_fd, results[i] telling how trees[i] went.
 * Files are created with O_EXCL and links with symlinkat(), so a collision is an error,
 * never a silent overwrite. Trees with no files are skipped. With build, the trees are
 * built by it first (see OutputBuildFunc); without, they are given ready.
 *
 * The cost is all in the file system (directory and inode creation on the tmpfs
 * below /run), so with many instances the work is shared out to up to max_workers
 * threads, split so that they do not contend for the same directory's lock: one thread
 * makes every directory and every link in a shared "*.wants" directory, all of them
 * write the files inside each instance's own directories (see output.c). On an error,
 * the rest of that tree is not written; the other trees are.
 */
void output_write_trees(int dir_fd, GeneratedTree *trees, size_t n, OutputResult *results,
                        unsigned max_workers, OutputBuildFunc build, void *userdata);
