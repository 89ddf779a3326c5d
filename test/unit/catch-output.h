/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * catch-output.h: what a function prints on stdout and stderr, caught for the unit tests
 * of the daemons' option parsers (each refusal must print its exact message).
 */
#pragma once

typedef struct CaughtOutput {
        char out[8192];
        char err[2048];
} CaughtOutput;

typedef struct OutputCatch {
        int saved_out, saved_err, memfd_out, memfd_err;
} OutputCatch;

/* From catch_begin() to catch_end(), fds 1 and 2 write into memfds; catch_end() puts
 * back the originals and copies the text (NUL-terminated, cut at the buffers' size). */
void catch_begin(OutputCatch *c);
void catch_end(OutputCatch *c, CaughtOutput *ret);
