/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * verify.c: `tsproxyctl verify [--units]`.
 *
 * Reads the configuration with config_load(), the generator's own reader, so that what
 * is printed is exactly what the generator would log at the next daemon-reload: each
 * diagnostic as FILE:LINE:KEY: LEVEL: MESSAGE (LINE 0 and KEY left out where they do not
 * apply), then one line per instance, then a summary. Exit 1 on any error.
 *
 * --units also writes what the generator would generate, with the generator's own code
 * (dropins_build(), output_write_trees()), into a temporary directory, and runs
 * `systemd-analyze verify` on every unit of every valid instance with that directory
 * ahead of the unit search path ($SYSTEMD_UNIT_PATH with a trailing ':' keeps the
 * defaults). No daemon-reload, nothing written outside the temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build-config.h"
#include "ctl.h"
#include "dropins.h"
#include "fileio.h"
#include "output.h"
#include "units.h"

static void print_diagnostic(const Diagnostic *d)
{
        const char *level = d->level <= LOG_ERR ? "error" : d->level == LOG_WARNING ? "warning" : "notice";

        if (d->file) {
                fputs(d->file, stdout);
                if (d->line > 0)
                        printf(":%u", d->line);
                if (d->key)
                        printf(":%s", d->key);
                fputs(": ", stdout);
        }
        printf("%s: %s\n", level, d->message);
}

static int run_analyze(Ctl *ctl, const char *unit_path, char **units, size_t n)
{
        _cleanup_free_ char **argv = calloc(n + 3, sizeof(char *));
        pid_t pid;
        int status;

        if (!argv)
                return log_error_errno(&ctl->log, ENOMEM, "Failed to allocate memory: %m");
        argv[0] = (char *)"systemd-analyze";
        argv[1] = (char *)"verify";
        for (size_t i = 0; i < n; i++)
                argv[2 + i] = units[i];
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return log_error_errno(&ctl->log, errno, "Failed to fork: %m");
        if (pid == 0) {
                if (setenv("SYSTEMD_UNIT_PATH", unit_path, 1) < 0)
                        _exit(EXIT_FAILURE);
                execvp(argv[0], argv);
                fprintf(stderr, "tsproxyctl: Failed to run 'systemd-analyze': %s\n", strerror(errno));
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(&ctl->log, errno, "Failed to wait for systemd-analyze: %m");
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return -ENOENT; /* told on stderr by the child */
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -EPROTO;
        return 0;
}

/* Generate every valid instance into a temporary unit directory and verify its units. */
static int verify_units(Ctl *ctl, const ConfigSet *set)
{
        const DropinPaths paths = {.pkglibexecdir = PKGLIBEXECDIR, .unitdir = SYSTEM_UNIT_DIR};
        char dir[] = "/tmp/tsproxyctl-verify.XXXXXX";
        _cleanup_free_ GeneratedTree *trees = calloc(set->n_instances + 1, sizeof(GeneratedTree));
        _cleanup_free_ OutputResult *results = calloc(set->n_instances + 1, sizeof(OutputResult));
        _cleanup_free_ char *unit_path = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        char **units = NULL;
        size_t n_units = 0;
        int r = 0;

        if (!trees || !results)
                return log_error_errno(&ctl->log, ENOMEM, "Failed to allocate memory: %m");
        if (!mkdtemp(dir))
                return log_error_errno(&ctl->log, errno, "Failed to create a temporary directory: %m");
        dir_fd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (dir_fd < 0) {
                r = log_error_errno(&ctl->log, errno, "Failed to open '%s': %m", dir);
                goto finish;
        }
        for (size_t i = 0; r >= 0 && i < set->n_instances; i++) {
                const InstanceConfig *c = &set->instances[i];
                _cleanup_(ctl_units_done) CtlUnits u = {};

                if (!c->valid)
                        continue;
                r = dropins_build(c, set->instances, set->n_instances, &paths, &trees[i]);
                if (r >= 0)
                        r = ctl_units_of(c, &u);
                for (size_t j = 0; r >= 0 && j <= u.n; j++) {
                        char **l = reallocarray(units, n_units + 1, sizeof(char *));
                        if (!l) {
                                r = -ENOMEM;
                                break;
                        }
                        units = l;
                        units[n_units] = strdup(j == 0 ? u.target : u.units[j - 1].name);
                        if (!units[n_units]) {
                                r = -ENOMEM;
                                break;
                        }
                        n_units++;
                }
        }
        if (r < 0) {
                r = log_error_errno(&ctl->log, r, "Failed to build the units: %m");
                goto finish;
        }
        output_write_trees(dir_fd, trees, set->n_instances, results, 1, NULL, NULL);
        for (size_t i = 0; i < set->n_instances; i++)
                if (results[i].error < 0) {
                        r = log_error_errno(&ctl->log, results[i].error,
                                            "Failed to write '%s' of instance '%s': %m",
                                            strna(results[i].failed), set->instances[i].name);
                        goto finish;
                }
        if (n_units == 0) {
                printf("No valid instance: no units to verify.\n");
                goto finish;
        }
        if (asprintf(&unit_path, "%s:", dir) < 0) {
                unit_path = NULL;
                r = log_error_errno(&ctl->log, ENOMEM, "Failed to allocate memory: %m");
                goto finish;
        }
        r = run_analyze(ctl, unit_path, units, n_units);
        if (r == -EPROTO)
                printf("systemd-analyze verify found problems in the generated units.\n");
        else if (r >= 0)
                printf("systemd-analyze verify: %zu units clean.\n", n_units);

finish:
        for (size_t i = 0; i < set->n_instances; i++)
                generated_tree_done(&trees[i]);
        for (size_t i = 0; i < n_units; i++)
                free(units[i]);
        free(units);
        (void)fileio_remove_tree(dir);
        return r;
}

int ctl_verify(Ctl *ctl, int argc, char *argv[])
{
        static const struct option options[] = {
                {"units", no_argument, NULL, 'u'},
                {},
        };
        _cleanup_(config_set_done) ConfigSet set = {};
        bool units = false;
        size_t errors, warnings, valid = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "u", options, NULL)) >= 0)
                switch (c) {
                case 'u': units = true; break;
                default: return CTL_EXIT_USAGE;
                }
        if (optind < argc) {
                log_error(&ctl->log, "verify takes no arguments.");
                return CTL_EXIT_USAGE;
        }

        r = ctl_load_config(ctl, &set);
        if (r < 0)
                return CTL_EXIT_PROBLEMS;

        for (size_t i = 0; i < set.diagnostics.n; i++)
                print_diagnostic(&set.diagnostics.items[i]);
        for (size_t i = 0; i < set.n_instances; i++) {
                const InstanceConfig *inst = &set.instances[i];
                const char *file = inst->files && inst->files[0] ? inst->files[0] : "?";

                if (inst->valid) {
                        valid++;
                        printf("%s: ok (%s)\n", inst->name, file);
                } else
                        printf("%s: not generated, see the errors above (%s)\n", inst->name, file);
        }
        errors = diagnostics_count(&set.diagnostics, LOG_ERR);
        warnings = diagnostics_count(&set.diagnostics, LOG_WARNING);
        printf("%zu instance%s (%zu valid), %zu error%s, %zu warning%s.\n", set.n_instances,
               set.n_instances == 1 ? "" : "s", valid, errors, errors == 1 ? "" : "s", warnings,
               warnings == 1 ? "" : "s");

        if (units)
                r = verify_units(ctl, &set);
        return errors > 0 || r < 0 ? CTL_EXIT_PROBLEMS : CTL_EXIT_OK;
}
