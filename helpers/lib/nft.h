/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nft.h: a thin wrapper over libnftables.
 *
 * One NftContext is one libnftables context, and so one netlink socket for its whole
 * life (libnftables 1.0.6 opens it in nft_ctx_new() and closes it only in
 * nft_ctx_free()). That matters for tables with "flags owner": the kernel ties the
 * table to that socket and removes it when the socket closes, so the context must live
 * as long as the table should.
 *
 * libnftables returns non-zero on error (not a negative errno) and writes its messages
 * to a buffer; this is the one place where that becomes a negative errno plus the error
 * text, which the caller logs.
 */
#pragma once

#include "macro.h"

typedef struct NftContext NftContext;

/* Context with buffered output and error text, no DNS or service-name lookups, no include paths. */
int nft_context_new(NftContext **ret);
NftContext *nft_context_free(NftContext *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(NftContext *, nft_context_free);

/*
 * Run cmds as one buffer, i.e. one atomic transaction. On success, 0 and (when
 * ret_output is given) nft's output. On failure a negative errno: the kernel's error
 * when nft's message names it (-EPERM, -ENOENT, ...), -EINVAL for parse and evaluation
 * errors; and (when ret_error is given) nft's full error text. Both strings malloc'd.
 */
int nft_context_run(NftContext *c, const char *cmds, char **ret_output, char **ret_error);

/*
 * The "Error: ..." lines of an nft error text, without the prefix, duplicates and the
 * echoed commands, joined by "; ": a one-line reason for a log message. malloc'd.
 */
char *nft_error_summary(const char *error_text);
