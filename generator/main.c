/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tsproxy-generator: /etc/tsproxy/NAME.conf -> drop-ins and enablement links.
 *
 * Follows systemd's generator contract (systemd.generator(7)): called with the
 * normal, early and late output directories (or just one, by hand), writes only into
 * the normal one so that /etc/systemd/system still wins, does no IPC, and never fails
 * the boot: a bad file is reported (journal, or kmsg early at boot, or stderr where
 * neither can be opened) with its file and line, and skipped; the rest is generated.
 * The exit code is non-zero only when it cannot run at all.
 *
 * Environment (test seams, read here only): TSPROXY_ROOT (configuration root, default
 * /), SYSTEMD_LOG_TARGET and SYSTEMD_LOG_LEVEL (as for systemd's own generators).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "config.h"
#include "dropins.h"
#include "log.h"
#include "output.h"

static void log_diagnostics(const Logger *log, const Diagnostics *d)
{
        for (size_t i = 0; i < d->n; i++)
                (void)log_internal(log, d->items[i].level, 0, d->items[i].file, d->items[i].line, "%s",
                                   d->items[i].message);
}

typedef struct BuildContext {
        const Logger *log;
        const ConfigSet *set;
        DropinPaths paths;
} BuildContext;

/* OutputBuildFunc: the drop-ins of instance i, or nothing for an invalid one. */
static void build_one(size_t i, GeneratedTree *tree, void *userdata)
{
        const BuildContext *ctx = userdata;
        const InstanceConfig *c = &ctx->set->instances[i];
        int r;

        if (!c->valid) {
                (void)log_internal(ctx->log, LOG_ERR, 0, c->files ? c->files[0] : NULL, 0,
                                   "Skipping instance '%s' because of the errors above.", c->name);
                return;
        }
        r = dropins_build(c, ctx->set->instances, ctx->set->n_instances, &ctx->paths, tree);
        if (r < 0) {
                generated_tree_done(tree);
                (void)log_error_errno(ctx->log, r, "Failed to build units of instance '%s': %m", c->name);
        }
}

static int run(const Logger *log, const char *root, const char *out_dir)
{
        _cleanup_free_ GeneratedTree *trees = NULL;
        _cleanup_free_ OutputResult *results = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_(config_set_done) ConfigSet set = {};
        BuildContext ctx = {.log = log,
                            .set = &set,
                            .paths = {.pkglibexecdir = PKGLIBEXECDIR, .unitdir = SYSTEM_UNIT_DIR}};
        long cpus;
        int r;

        dir_fd = open(out_dir, O_DIRECTORY | O_CLOEXEC | O_RDONLY);
        if (dir_fd < 0)
                return log_error_errno(log, errno, "Failed to open output directory '%s': %m", out_dir);

        r = config_load(root, &set);
        if (r < 0)
                return log_error_errno(log, r, "Failed to load configuration below '%s': %m", root);
        log_diagnostics(log, &set.diagnostics);

        trees = calloc(set.n_instances ? set.n_instances : 1, sizeof(GeneratedTree));
        results = calloc(set.n_instances ? set.n_instances : 1, sizeof(OutputResult));
        if (!trees || !results)
                return log_error_errno(log, ENOMEM, "Failed to allocate memory: %m");

        cpus = sysconf(_SC_NPROCESSORS_ONLN);
        /* Each instance's text is built (on this thread, logging here) just before it is
         * written, so that building overlaps with the other threads' writing. */
        output_write_trees(dir_fd, trees, set.n_instances, results, cpus > 0 ? (unsigned)cpus : 1, build_one,
                           &ctx);

        for (size_t i = 0; i < set.n_instances; i++) {
                if (results[i].error < 0)
                        (void)log_error_errno(log, results[i].error,
                                              "Failed to write '%s' of instance '%s': %m",
                                              strna(results[i].failed), set.instances[i].name);
                generated_tree_done(&trees[i]);
        }
        return 0;
}

int main(int argc, char *argv[])
{
        int r;
        const char *root;
        Logger log;

        logger_open_from_environment(&log, "tsproxy-generator", LOG_TARGET_AUTO);

        if (argc != 2 && argc != 4) {
                log_error(&log, "This program takes one or three arguments (normal [early late]).");
                logger_close(&log);
                return EXIT_FAILURE;
        }
        root = getenv("TSPROXY_ROOT");
        if (!root || !*root)
                root = "/";

        r = run(&log, root, argv[1]);
        logger_close(&log);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
