/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tsproxy-netns: set up and tear down the network namespace of a tsproxy instance.
 *
 * Run by ts-netns@NAME.service (ExecStart=up from the generated drop-in, ExecStop=down
 * from the template). main() parses arguments, reads the environment once and looks
 * the verb up in verbs[], which says which options it takes; the work is in up.c,
 * down.c and resolv-conf.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "instance.h"
#include "macro.h"
#include "netlink.h"
#include "fileio.h"
#include "netns-tool.h"

#define EXIT_USAGE 2
#include "daemon-limits.h"
#define EXIT_UNCONFIGURED EXIT_BAD_ARGUMENTS /* not restarted in a loop */

static void help(void)
{
        printf("Usage: tsproxy-netns up NAME --subnet A.B.C.D/30|/31 [--uplink IFNAME] [--host-if IFNAME]\n"
               "       tsproxy-netns down NAME [--host-if IFNAME] [--subnet A.B.C.D/N]\n"
               "       tsproxy-netns resolv-conf NAME\n"
               "       tsproxy-netns unconfigured NAME\n"
               "\n"
               "Set up or tear down the network namespace of tsproxy instance NAME.\n"
               "\n"
               "  -h --help             Show this help\n"
               "     --version          Show the version\n"
               "     --subnet=A.B.C.D/N The veth subnet (/30 or /31)\n"
               "     --uplink=IFNAME    Enable forwarding only on this interface, not host-wide\n"
               "     --host-if=IFNAME   Host end of the veth (default: ts-NAME)\n"
               "\n"
               "See the tsproxy-netns(8) man page for details.\n");
}

static const char *env_or(const char *name, const char *def)
{
        const char *e = getenv(name);

        return e && e[0] ? e : def;
}

/* A failed up leaves nothing: not the runtime directory with the resolv.conf files either. */
static void up_failed_remove_runtime_dir(const Context *c)
{
        char path[4096];

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", c->runtime_dir, c->name) < sizeof(path))
                (void)fileio_remove_tree(path);
}

/* up writes the resolv.conf files first: the daemons bind resolv.tailnet.conf and start
 * right after the namespace, without waiting for tailscaled@ (whose ExecStartPre= writes
 * them again, fresh, before each of its starts). */
static int run_up(const Context *c)
{
        int r = verb_resolv_conf(c);

        if (r >= 0)
                r = verb_up(c);
        if (r < 0)
                up_failed_remove_runtime_dir(c);
        return r;
}

typedef enum SubnetUse {
        SUBNET_REFUSED,  /* --subnet is an error */
        SUBNET_OPTIONAL, /* any prefix: what to look for while tearing down */
        SUBNET_VETH,     /* required: the veth's /30 or /31, not a forbidden range */
} SubnetUse;

typedef struct Verb {
        const char *name;
        /* The work: 0 or -errno, logged. NULL: the verb only says, before any other
         * check, that the instance has no configuration (exit EXIT_UNCONFIGURED). */
        int (*run)(const Context *c);
        SubnetUse subnet;
        bool uplink;  /* --uplink allowed */
        bool host_if; /* --host-if allowed */
} Verb;

static const Verb verbs[] = {
        {"up", run_up, SUBNET_VETH, .uplink = true, .host_if = true},
        {"down", verb_down, SUBNET_OPTIONAL, .host_if = true},
        {"resolv-conf", verb_resolv_conf, SUBNET_REFUSED},
        /* The fallback ExecStart= of units whose instance has no configuration. */
        {"unconfigured", NULL, SUBNET_REFUSED},
};

static const Verb *verb_find(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strcmp(verbs[i].name, name) == 0)
                        return &verbs[i];
        return NULL;
}

/* --subnet for verb v into c: 0, or -EINVAL after logging why. */
static int subnet_arg_parse(const Verb *v, const char *arg, Context *c)
{
        const char *why;
        int r;

        if (!arg) {
                if (v->subnet != SUBNET_VETH)
                        return 0;
                log_error(c->log, "%s needs --subnet.", v->name);
                return -EINVAL;
        }
        if (v->subnet == SUBNET_REFUSED) {
                log_error(c->log, "--subnet is not used by %s.", v->name);
                return -EINVAL;
        }
        r = subnet_parse(arg, &c->subnet);
        if (r == -EDOM) {
                char s[SUBNET_STRLEN];

                subnet_format(&c->subnet, s);
                log_error(c->log, "Invalid --subnet '%s': host bits are set (did you mean %s?).", arg, s);
                return -EINVAL;
        }
        if (r < 0) {
                log_error(c->log, "Invalid --subnet '%s': expected A.B.C.D/N.", arg);
                return -EINVAL;
        }
        if (v->subnet == SUBNET_VETH && c->subnet.prefix != 30 && c->subnet.prefix != 31) {
                log_error(c->log, "Invalid --subnet '%s': a veth subnet is a /30 or a /31.", arg);
                return -EINVAL;
        }
        why = subnet_forbidden_reason(&c->subnet);
        if (why && v->subnet == SUBNET_VETH) {
                log_error(c->log, "Invalid --subnet '%s': %s.", arg, why);
                return -EINVAL;
        }
        c->have_subnet = true;
        return 0;
}

/* --uplink and --host-if for verb v into c: 0, or -EINVAL after logging why. */
static int ifname_args_parse(const Verb *v, const char *host_if, Context *c)
{
        if (c->uplink && (!v->uplink || !netlink_ifname_valid(c->uplink))) {
                log_error(c->log, "Invalid --uplink '%s' for %s.", c->uplink, v->name);
                return -EINVAL;
        }
        if (!host_if) {
                (void)instance_host_ifname(c->name, c->host_ifname);
                return 0;
        }
        if (!v->host_if || !netlink_ifname_valid(host_if) || strcmp(host_if, NAMESPACE_IFNAME) == 0) {
                log_error(c->log, "Invalid --host-if '%s' for %s.", host_if, v->name);
                return -EINVAL;
        }
        snprintf(c->host_ifname, sizeof(c->host_ifname), "%s", host_if);
        return 0;
}

/* Every environmental path, read once: the test seams. */
static void context_read_environment(Context *c)
{
        c->netns_dir = env_or("TSPROXY_NETNS_DIR", NETNS_DIR_DEFAULT);
        c->runtime_dir = env_or("TSPROXY_RUNTIME_DIR", RUNTIME_DIR_PREFIX);
        c->resolv_conf = env_or("TSPROXY_RESOLV_CONF", "/etc/resolv.conf");
        c->resolved_conf = env_or("TSPROXY_RESOLVED_CONF", "/run/systemd/resolve/resolv.conf");
        c->tailscale_backup_conf =
                env_or("TSPROXY_TAILSCALE_BACKUP_CONF", "/etc/resolv.pre-tailscale-backup.conf");
}

int main(int argc, char *argv[])
{
        enum { ARG_VERSION = 0x100, ARG_SUBNET, ARG_UPLINK, ARG_HOST_IF };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"subnet", required_argument, NULL, ARG_SUBNET},
                {"uplink", required_argument, NULL, ARG_UPLINK},
                {"host-if", required_argument, NULL, ARG_HOST_IF},
                {},
        };
        const char *subnet_arg = NULL, *host_if = NULL, *reason;
        const Verb *verb;
        Context c = {};
        Logger log;
        int opt, level = LOG_INFO, r;

        logger_open(&log, "tsproxy-netns", LOG_TARGET_STDERR, LOG_INFO);
        if (getenv("TSPROXY_LOG_LEVEL") && log_level_from_string(getenv("TSPROXY_LOG_LEVEL"), &level) >= 0)
                log.max_level = level;
        c.log = &log;

        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 'h': help(); return EXIT_SUCCESS;
                case ARG_VERSION: printf("tsproxy-netns %s\n", PACKAGE_VERSION); return EXIT_SUCCESS;
                case ARG_SUBNET: subnet_arg = optarg; break;
                case ARG_UPLINK: c.uplink = optarg; break;
                case ARG_HOST_IF: host_if = optarg; break;
                default: return EXIT_USAGE; /* getopt said why */
                }

        if (argc - optind != 2) {
                log_error(&log, "Expected a verb and an instance name, see --help.");
                return EXIT_USAGE;
        }
        verb = verb_find(argv[optind]);
        c.name = argv[optind + 1];
        if (verb && !verb->run) {
                log_error(&log,
                          "Instance '%s' has no valid configuration in /etc/tsproxy (see `journalctl -b -t "
                          "tsproxy-generator`)",
                          c.name);
                return EXIT_UNCONFIGURED;
        }
        if (!verb) {
                log_error(&log, "Unknown verb '%s', see --help.", argv[optind]);
                return EXIT_USAGE;
        }
        if (instance_name_check(c.name, &reason) < 0) {
                log_error(&log, "Invalid instance name '%s': %s.", c.name, reason);
                return EXIT_USAGE;
        }
        if (subnet_arg_parse(verb, subnet_arg, &c) < 0 || ifname_args_parse(verb, host_if, &c) < 0)
                return EXIT_USAGE;
        context_read_environment(&c);

        r = verb->run(&c);
        logger_close(&log);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
