/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nft.c: libnftables context, buffered messages, error translation.
 *
 * Library-like: never logs. The errno that libnftables leaves behind is only trusted
 * when its strerror() text is what nft printed, because libnftables sets errno from the
 * kernel's netlink error but also leaves stray values (EAGAIN from its non-blocking
 * socket) on success and on parse errors.
 */
#include "nft.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <nftables/libnftables.h>

struct NftContext {
        struct nft_ctx *ctx;
};

int nft_context_new(NftContext **ret)
{
        NftContext *c;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        /* NFT_CTX_DEFAULT opens the netlink socket here, once, for the context's life. */
        c->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!c->ctx) {
                free(c);
                return -ENOMEM;
        }
        if (nft_ctx_buffer_output(c->ctx) != 0 || nft_ctx_buffer_error(c->ctx) != 0) {
                nft_context_free(c);
                return -ENOMEM;
        }
        /* No reverse DNS or /etc/services lookups when printing; our input is numeric
         * only, so nothing is resolved while parsing either. No "include" of files. */
        nft_ctx_output_set_flags(c->ctx, NFT_CTX_OUTPUT_NUMERIC_PROTO | NFT_CTX_OUTPUT_NUMERIC_PRIO |
                                                 NFT_CTX_OUTPUT_NUMERIC_TIME);
        nft_ctx_clear_include_paths(c->ctx);
        *ret = c;
        return 0;
}

NftContext *nft_context_free(NftContext *c)
{
        if (!c)
                return NULL;
        if (c->ctx)
                nft_ctx_free(c->ctx); /* closes the socket: owned tables go away */
        free(c);
        return NULL;
}

static int dup_out(const char *s, char **ret)
{
        char *d;

        if (!ret)
                return 0;
        d = strdup(s ? s : "");
        if (!d)
                return -ENOMEM;
        *ret = d;
        return 0;
}

int nft_context_run(NftContext *c, const char *cmds, char **ret_output, char **ret_error)
{
        const char *out, *err;
        int r, saved;

        errno = 0;
        r = nft_run_cmd_from_buffer(c->ctx, cmds);
        saved = errno;
        /* Always fetch both buffers: that also rewinds them for the next command. */
        out = nft_ctx_get_output_buffer(c->ctx);
        err = nft_ctx_get_error_buffer(c->ctx);

        if (r == 0)
                return dup_out(out, ret_output);

        if (dup_out(err, ret_error) < 0)
                return -ENOMEM;
        if (saved > 0 && err && strstr(err, strerror(saved)))
                return -saved;
        /* A missing table or chain: the kernel's ENOENT, whatever errno was left at
         * (tsproxyctl said "unreadable: Invalid argument" for an absent table). */
        if (err && strstr(err, strerror(ENOENT)))
                return -ENOENT;
        return -EINVAL;
}

/* Is msg[0..len) one of the "; "-separated entries of list? */
static bool summary_has(const char *list, const char *msg, size_t len)
{
        for (const char *p = list; *p;) {
                const char *end = strstr(p, "; ");
                size_t n = end ? (size_t)(end - p) : strlen(p);

                if (n == len && strncmp(p, msg, len) == 0)
                        return true;
                p += n + (end ? 2 : 0);
        }
        return false;
}

char *nft_error_summary(const char *error_text)
{
        static const char prefix[] = "Error: ";
        const size_t plen = sizeof(prefix) - 1;
        char *out, *o;

        /* Each entry loses "Error: " (7) and gains at most "; " (2): the input size suffices. */
        out = malloc(strlen(error_text) + 1);
        if (!out)
                return NULL;
        o = out;
        *o = '\0';
        for (const char *line = error_text; *line;) {
                const char *end = strchrnul(line, '\n');
                size_t len = (size_t)(end - line);

                if (len > plen && strncmp(line, prefix, plen) == 0 &&
                    !summary_has(out, line + plen, len - plen)) { /* nft repeats it per location */
                        if (o != out) {
                                memcpy(o, "; ", 2);
                                o += 2;
                        }
                        memcpy(o, line + plen, len - plen);
                        o += len - plen;
                        *o = '\0';
                }
                line = *end ? end + 1 : end;
        }
        if (o == out) { /* no "Error:" line: the first line as it is */
                size_t len = (size_t)(strchrnul(error_text, '\n') - error_text);

                memcpy(out, error_text, len);
                out[len] = '\0';
        }
        return out;
}
