/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * output.h: writing generated files into the generator's output directory.
 */
#pragma once

#include "dropins.h"

/*
 * Write tree below the directory dir_fd. Files are created with O_EXCL and links with
 * symlinkat(), so a collision is an error, never a silent overwrite. On error, returns
 * negative errno and points *failed at the file concerned.
 */
int output_write_tree(int dir_fd, const GeneratedTree *tree, const char **failed);
