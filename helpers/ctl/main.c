/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tsproxyctl: see, check and use the instances of tsproxy. One command answers "is it
 * working, and if not, why" (status, doctor), checks configuration exactly as the
 * generator reads it (verify, through the same config_load()), and runs the tailscale
 * CLI or any command inside an instance's namespace (tailscale, exec).
 *
 * This file parses the global options, sets up logging (stderr) and the output style,
 * and dispatches to one file per subcommand. Environment (test seams, read here only):
 * TSPROXY_ROOT (configuration root), TSPROXY_NETNS_DIR (/run/netns), NO_COLOR.
 */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "ctl.h"
#include "instance.h"

static void help(void)
{
        printf("tsproxyctl [OPTIONS...] COMMAND ...\n"
               "\n"
               "See, check and use tsproxy's instances.\n"
               "\n"
               "Commands:\n"
               "  list                     Every configured instance: enabled, running, subnet,\n"
               "                           tailnet and listen addresses\n"
               "  status [NAME...]         The chain of each instance as a tree, each link good or bad\n"
               "  verify [--units]         Check the configuration as the generator reads it\n"
               "  doctor                   Check the host for the known ways it breaks tsproxy\n"
               "  login NAME [--auth-key-file=PATH]\n"
               "                           Log the instance in: print the login URL, or log in\n"
               "                           with the key in PATH (default: AuthKeyFile=)\n"
               "  tailscale NAME [ARGS...] Run the tailscale CLI against the instance's tailscaled\n"
               "  exec NAME CMD...         Run a command inside the instance's namespace\n"
               "\n"
               "Options:\n"
               "  -h --help                Show this help\n"
               "     --version             Show the version\n"
               "     --json                JSON output (list, status)\n"
               "     --no-color            No colours, also on a terminal\n"
               "\n"
               "Exit status: 0 ok, 1 problems found, 2 usage, 3 unknown instance,\n"
               "4 not booted with systemd, 5 insufficient rights. See tsproxyctl(8).\n");
}

typedef struct Verb {
        const char *name;
        int (*run)(Ctl *ctl, int argc, char *argv[]);
} Verb;

static const Verb verbs[] = {
        {"list", ctl_list}, {"status", ctl_status},       {"verify", ctl_verify}, {"doctor", ctl_doctor},
        {"exec", ctl_exec}, {"tailscale", ctl_tailscale}, {"login", ctl_login},
};

int main(int argc, char *argv[])
{
        enum { ARG_VERSION = 0x100, ARG_JSON, ARG_NO_COLOR };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"json", no_argument, NULL, ARG_JSON},
                {"no-color", no_argument, NULL, ARG_NO_COLOR},
                {},
        };
        Ctl ctl = {};
        bool no_color = *strempty(getenv("NO_COLOR")) != '\0'; /* no-color.org: set and not empty */
        const char *e;
        int c, r;

        setlocale(LC_ALL, "");
        logger_open(&ctl.log, "tsproxyctl", LOG_TARGET_STDERR, LOG_INFO);

        /* "+": stop at the command; its own options are parsed by the command. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return CTL_EXIT_OK;
                case ARG_VERSION: printf("tsproxyctl %s\n", PACKAGE_VERSION); return CTL_EXIT_OK;
                case ARG_JSON: ctl.json = true; break;
                case ARG_NO_COLOR: no_color = true; break;
                default: return CTL_EXIT_USAGE;
                }
        if (optind >= argc) {
                log_error(&ctl.log, "No command given; see tsproxyctl --help.");
                return CTL_EXIT_USAGE;
        }

        e = getenv("TSPROXY_ROOT");
        ctl.root = e && *e ? e : "/";
        e = getenv("TSPROXY_NETNS_DIR");
        ctl.netns_dir = e && *e ? e : NETNS_DIR_DEFAULT;
        ctl.style.color = !no_color && isatty(STDOUT_FILENO);
        ctl.style.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strcmp(argv[optind], verbs[i].name) == 0) {
                        argc -= optind;
                        argv += optind;
                        optind = 0; /* full re-initialisation of getopt for the command */
                        r = verbs[i].run(&ctl, argc, argv);
                        logger_close(&ctl.log);
                        return r;
                }
        log_error(&ctl.log, "Unknown command '%s'; see tsproxyctl --help.", argv[optind]);
        return CTL_EXIT_USAGE;
}
