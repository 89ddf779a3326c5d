/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * options.c: tsproxy-relay's command line (see options.h and tsproxy-relay(8)).
 *
 * Errors name the option and the value; they go to stderr, which systemd puts in the
 * journal, and the exit status 78 (EX_CONFIG) stops the unit's restart loop.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "macro.h"
#include "parse-number.h"
#include "tailnet.h"

enum {
        ARG_VERSION = 0x100,
        ARG_FORWARD,
        ARG_ALLOW_FROM,
        ARG_MAX_CONNECTIONS,
        ARG_CONNECT_TIMEOUT,
        ARG_UDP_IDLE_TIMEOUT,
        ARG_UDP_MAX_SESSIONS,
        ARG_WORKERS,
        ARG_EGRESS,
        ARG_EGRESS_INTERFACE,
        ARG_DOMAIN,
        ARG_TAILNET_DOMAIN,
        ARG_TAILNET_DOMAIN_FILE,
};

static void help(void)
{
        printf("%s NAME --forward PROTO:LISTEN=TARGET... [OPTIONS...]\n"
               "\n"
               "Forwarded ports of a tsproxy instance. Takes its listening sockets from systemd\n"
               "(socket activation) and relays each TCP connection or UDP session to its target,\n"
               "connected from the network namespace it runs in.\n"
               "\n"
               "  -h --help                   Show this help\n"
               "     --version                Show the version\n"
               "     --forward PROTO:LISTEN=TARGET\n"
               "                              tcp or udp; LISTEN the passed socket's address\n"
               "                              (A.B.C.D:PORT or [IPV6]:PORT); TARGET an address\n"
               "                              or NAME:PORT (resolved per connection); repeatable\n"
               "     --allow-from NET         Serve only clients in NET (CIDR or an address);\n"
               "                              repeatable (default the tailnet ranges and loopback)\n"
               "     --max-connections N      Close new TCP clients beyond N (default %u)\n"
               "     --connect-timeout SEC    Give up connecting to a target after SEC (default %u)\n"
               "     --udp-idle-timeout SEC   End UDP sessions idle this long (default %u)\n"
               "     --udp-max-sessions N     At most N UDP sessions; the least recently used\n"
               "                              one ends for a new one (default %u)\n"
               "     --workers N|auto         Event loops, each on a CPU (default auto: the CPUs\n"
               "                              it may run on, at most %u)\n"
               "     --egress tailnet|any     Only targets routed through the tailscale interface\n"
               "                              (bound to it) or the namespace's own addresses;\n"
               "                              or any (default tailnet); names are resolved\n"
               "                              through that interface too\n"
               "     --egress-interface IF    The tailscale interface (default %s)\n" NAME_OPTIONS_HELP "\n"
               "See the tsproxy-relay(8) man page for details.\n",
               program_invocation_short_name, RELAY_DEFAULT_MAX_CONNECTIONS, RELAY_DEFAULT_CONNECT_TIMEOUT,
               RELAY_DEFAULT_UDP_IDLE_TIMEOUT, RELAY_DEFAULT_UDP_MAX_SESSIONS, RELAY_WORKERS_AUTO_MAX,
               TAILSCALE_TUN_DEFAULT);
}

static int add_forward(RelayOptions *o, const char *value)
{
        const char *reason = NULL;
        ForwardSpec f, *v;

        if (o->n_forwards >= RELAY_FORWARDS_MAX) {
                fprintf(stderr, "--forward: more than %u forwards.\n", RELAY_FORWARDS_MAX);
                return -EINVAL;
        }
        if (forward_spec_parse(value, &f, &reason) < 0) {
                fprintf(stderr, "--forward: '%s': %s.\n", value, reason);
                return -EINVAL;
        }
        for (size_t i = 0; i < o->n_forwards; i++)
                if (forward_spec_same_listener(&o->forwards[i], &f)) {
                        fprintf(stderr, "--forward: '%s': its listener is already forwarded.\n", value);
                        return -EINVAL;
                }
        v = reallocarray(o->forwards, o->n_forwards + 1, sizeof(ForwardSpec));
        if (!v)
                return -ENOMEM;
        o->forwards = v;
        o->forwards[o->n_forwards++] = f;
        return 0;
}

void relay_options_done(RelayOptions *o)
{
        free(o->forwards);
        o->forwards = NULL;
        o->n_forwards = 0;
}

int relay_options_parse(int argc, char *argv[], RelayOptions *ret)
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"forward", required_argument, NULL, ARG_FORWARD},
                {"allow-from", required_argument, NULL, ARG_ALLOW_FROM},
                {"max-connections", required_argument, NULL, ARG_MAX_CONNECTIONS},
                {"connect-timeout", required_argument, NULL, ARG_CONNECT_TIMEOUT},
                {"udp-idle-timeout", required_argument, NULL, ARG_UDP_IDLE_TIMEOUT},
                {"udp-max-sessions", required_argument, NULL, ARG_UDP_MAX_SESSIONS},
                {"workers", required_argument, NULL, ARG_WORKERS},
                {"egress", required_argument, NULL, ARG_EGRESS},
                {"egress-interface", required_argument, NULL, ARG_EGRESS_INTERFACE},
                NAME_OPTIONS_LONG(ARG_DOMAIN, ARG_TAILNET_DOMAIN, ARG_TAILNET_DOMAIN_FILE),
                {}};
        _cleanup_(relay_options_done) RelayOptions o = {
                .max_connections = RELAY_DEFAULT_MAX_CONNECTIONS,
                .connect_timeout_usec = RELAY_DEFAULT_CONNECT_TIMEOUT * 1000000ull,
                .udp_idle_timeout_usec = RELAY_DEFAULT_UDP_IDLE_TIMEOUT * 1000000ull,
                .udp_max_sessions = RELAY_DEFAULT_UDP_MAX_SESSIONS,
                .egress = EGRESS_MODE_DEFAULT,
                .egress_interface = TAILSCALE_TUN_DEFAULT,
        };
        const char *reason = NULL;
        uint64_t v;
        int c, r = 0;

        /* getopt_long() keeps state across calls: start afresh (the unit tests call us
         * more than once). */
        optind = 0;
        while (r >= 0 && (c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h': help(); return 0;
                case ARG_VERSION: printf("tsproxy-relay %s\n", PACKAGE_VERSION); return 0;
                case ARG_FORWARD: r = add_forward(&o, optarg); break;
                case ARG_ALLOW_FROM: r = allow_from_add_option(&o.allow_from, optarg); break;
                case ARG_MAX_CONNECTIONS:
                case ARG_UDP_MAX_SESSIONS:
                        if (parse_unsigned(optarg, RELAY_CONNECTIONS_MAX, &v) < 0 || v == 0) {
                                fprintf(stderr, "--%s: '%s' is not a number 1..%u.\n",
                                        c == ARG_MAX_CONNECTIONS ? "max-connections" : "udp-max-sessions",
                                        optarg, RELAY_CONNECTIONS_MAX);
                                r = -EINVAL;
                                break;
                        }
                        *(c == ARG_MAX_CONNECTIONS ? &o.max_connections : &o.udp_max_sessions) = (unsigned)v;
                        break;
                case ARG_CONNECT_TIMEOUT:
                case ARG_UDP_IDLE_TIMEOUT:
                        if (parse_unsigned(optarg, RELAY_TIMEOUT_MAX, &v) < 0 || v == 0) {
                                fprintf(stderr, "--%s: '%s' is not a number of seconds 1..%u.\n",
                                        c == ARG_CONNECT_TIMEOUT ? "connect-timeout" : "udp-idle-timeout",
                                        optarg, RELAY_TIMEOUT_MAX);
                                r = -EINVAL;
                                break;
                        }
                        *(c == ARG_CONNECT_TIMEOUT ? &o.connect_timeout_usec : &o.udp_idle_timeout_usec) =
                                v * 1000000ull;
                        break;
                case ARG_WORKERS:
                        if (strcmp(optarg, "auto") == 0)
                                o.workers = 0;
                        else if (parse_unsigned(optarg, RELAY_WORKERS_MAX, &v) < 0 || v == 0) {
                                fprintf(stderr, "--workers: '%s' is neither 'auto' nor a number 1..%u.\n",
                                        optarg, RELAY_WORKERS_MAX);
                                r = -EINVAL;
                        } else
                                o.workers = (unsigned)v;
                        break;
                case ARG_EGRESS: r = egress_mode_option(optarg, &o.egress); break;
                case ARG_EGRESS_INTERFACE: r = egress_interface_option(optarg, o.egress_interface); break;
                case ARG_DOMAIN:
                case ARG_TAILNET_DOMAIN:
                case ARG_TAILNET_DOMAIN_FILE:
                        r = name_options_set(&o.names, (NameOption)(c - ARG_DOMAIN), optarg);
                        break;
                default: r = -EINVAL; break;
                }
        }
        if (r >= 0 && optind != argc - 1) {
                fprintf(stderr, "Expected exactly one instance name (see --help).\n");
                r = -EINVAL;
        }
        if (r >= 0 && instance_name_check(argv[optind], &reason) < 0) {
                fprintf(stderr, "'%s' is not a valid instance name: %s.\n", argv[optind], strna(reason));
                r = -EINVAL;
        }
        if (r >= 0 && o.n_forwards == 0) {
                fprintf(stderr, "No --forward given: nothing to do.\n");
                r = -EINVAL;
        }
        if (r >= 0)
                r = allow_from_finish(&o.allow_from);
        if (r >= 0)
                r = name_options_finish(&o.names, argv[optind]);
        if (r < 0)
                return r;
        strcpy(o.name, argv[optind]);
        *ret = TAKE_STRUCT(o);
        return 1;
}
