/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * options.c: tsproxy-socks's command line (see options.h and tsproxy-socks(8)).
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

#include "allow-from.h"
#include "build-config.h"
#include "macro.h"
#include "parse-number.h"
#include "tailnet.h"

enum {
        ARG_VERSION = 0x100,
        ARG_ALLOW_FROM,
        ARG_EGRESS,
        ARG_EGRESS_INTERFACE,
        ARG_PASSWORD_FILE,
        ARG_USERS,
        ARG_MAX_CONNECTIONS,
        ARG_IDLE_TIMEOUT,
        ARG_HANDSHAKE_TIMEOUT,
        ARG_WORKERS,
        ARG_DOMAIN,
        ARG_TAILNET_DOMAIN,
        ARG_TAILNET_DOMAIN_FILE,
        ARG_PAC_PEER,
};

static void help(void)
{
        printf("%s NAME [OPTIONS...]\n"
               "\n"
               "SOCKS5, SOCKS4/4a and HTTP CONNECT proxy of a tsproxy instance. Takes its listening\n"
               "sockets from systemd (socket activation) and connects out from the network namespace\n"
               "it runs in.\n"
               "\n"
               "  -h --help                  Show this help\n"
               "     --version               Show the version\n"
               "     --allow-from CIDR       Client network allowed in (repeatable; default: the\n"
               "                             tailnet ranges and loopback)\n"
               "     --egress tailnet|any    Only destinations routed through the tailscale\n"
               "                             interface (default), or anything\n"
               "     --egress-interface IF   The tailscale interface (default tailscale0)\n"
               "     --password-file PATH    user:crypt-hash lines: require RFC 1929 / Basic auth\n"
               "     --users U1,U2,...       Only these users of the password file\n"
               "     --max-connections N     Refuse new clients beyond N (default %u)\n"
               "     --idle-timeout SEC      Close relayed connections idle this long (0: never)\n"
               "     --handshake-timeout SEC Drop clients that have not finished the handshake\n"
               "                             within SEC (default %u; 0: never)\n"
               "     --workers N|auto        Event loops, each on a CPU (default auto: the CPUs\n"
               "                             it may run on, at most %u)\n" NAME_OPTIONS_HELP
               "     --pac-peer NAME,DOMAIN,TAILNETDOMAIN,HOST:PORT\n"
               "                             Another instance's proxy, for the PAC file (repeatable)\n"
               "\n"
               "See the tsproxy-socks(8) man page for details.\n",
               program_invocation_short_name, SOCKS_DEFAULT_MAX_CONNECTIONS, SOCKS_DEFAULT_HANDSHAKE_TIMEOUT,
               SOCKS_WORKERS_AUTO_MAX);
}

static int add_allow_from(SocksOptions *o, const char *value)
{
        int r;

        if (o->n_allow_from >= ALLOW_FROM_MAX) {
                fprintf(stderr, "--allow-from: more than %d networks.\n", ALLOW_FROM_MAX);
                return -EINVAL;
        }
        r = ipnet_parse(value, &o->allow_from[o->n_allow_from]);
        if (r < 0) {
                fprintf(stderr, "--allow-from: '%s' is not an IPv4 or IPv6 network%s.\n", value,
                        r == -EDOM ? " (host bits set)" : "");
                return -EINVAL;
        }
        o->n_allow_from++;
        return 0;
}

int socks_options_parse(int argc, char *argv[], SocksOptions *ret)
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"allow-from", required_argument, NULL, ARG_ALLOW_FROM},
                {"egress", required_argument, NULL, ARG_EGRESS},
                {"egress-interface", required_argument, NULL, ARG_EGRESS_INTERFACE},
                {"password-file", required_argument, NULL, ARG_PASSWORD_FILE},
                {"users", required_argument, NULL, ARG_USERS},
                {"max-connections", required_argument, NULL, ARG_MAX_CONNECTIONS},
                {"idle-timeout", required_argument, NULL, ARG_IDLE_TIMEOUT},
                {"handshake-timeout", required_argument, NULL, ARG_HANDSHAKE_TIMEOUT},
                {"workers", required_argument, NULL, ARG_WORKERS},
                NAME_OPTIONS_LONG(ARG_DOMAIN, ARG_TAILNET_DOMAIN, ARG_TAILNET_DOMAIN_FILE),
                {"pac-peer", required_argument, NULL, ARG_PAC_PEER},
                {}};
        SocksOptions o = {
                .egress = EGRESS_MODE_DEFAULT,
                .egress_interface = TAILSCALE_TUN_DEFAULT,
                .max_connections = SOCKS_DEFAULT_MAX_CONNECTIONS,
                .handshake_timeout_usec = SOCKS_DEFAULT_HANDSHAKE_TIMEOUT * 1000000ull,
        };
        uint64_t v;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h': help(); return 0;
                case ARG_VERSION: printf("tsproxy-socks %s\n", PACKAGE_VERSION); return 0;
                case ARG_ALLOW_FROM:
                        r = add_allow_from(&o, optarg);
                        if (r < 0)
                                return r;
                        break;
                case ARG_EGRESS:
                        if (egress_mode_option(optarg, &o.egress) < 0)
                                return -EINVAL;
                        break;
                case ARG_EGRESS_INTERFACE:
                        if (egress_interface_option(optarg, o.egress_interface) < 0)
                                return -EINVAL;
                        break;
                case ARG_PASSWORD_FILE:
                        if (optarg[0] != '/') {
                                fprintf(stderr, "--password-file: '%s' is not an absolute path.\n", optarg);
                                return -EINVAL;
                        }
                        o.password_file = optarg;
                        break;
                case ARG_USERS: o.users = optarg; break;
                case ARG_MAX_CONNECTIONS:
                        if (parse_unsigned(optarg, SOCKS_MAX_CONNECTIONS_MAX, &v) < 0 || v == 0) {
                                fprintf(stderr, "--max-connections: '%s' is not a number 1..%u.\n", optarg,
                                        SOCKS_MAX_CONNECTIONS_MAX);
                                return -EINVAL;
                        }
                        o.max_connections = (unsigned)v;
                        break;
                case ARG_IDLE_TIMEOUT:
                case ARG_HANDSHAKE_TIMEOUT:
                        if (parse_unsigned(optarg,
                                           c == ARG_IDLE_TIMEOUT ? SOCKS_IDLE_TIMEOUT_MAX
                                                                 : SOCKS_HANDSHAKE_TIMEOUT_MAX,
                                           &v) < 0) {
                                fprintf(stderr, "--%s: '%s' is not a number of seconds 0..%u.\n",
                                        c == ARG_IDLE_TIMEOUT ? "idle-timeout" : "handshake-timeout", optarg,
                                        c == ARG_IDLE_TIMEOUT ? SOCKS_IDLE_TIMEOUT_MAX
                                                              : SOCKS_HANDSHAKE_TIMEOUT_MAX);
                                return -EINVAL;
                        }
                        *(c == ARG_IDLE_TIMEOUT ? &o.idle_timeout_usec : &o.handshake_timeout_usec) =
                                (uint64_t)v * 1000000ull;
                        break;
                case ARG_WORKERS:
                        if (strcmp(optarg, "auto") == 0)
                                o.workers = 0;
                        else if (parse_unsigned(optarg, SOCKS_WORKERS_MAX, &v) < 0 || v == 0) {
                                fprintf(stderr, "--workers: '%s' is neither 'auto' nor a number 1..%u.\n",
                                        optarg, SOCKS_WORKERS_MAX);
                                return -EINVAL;
                        } else
                                o.workers = (unsigned)v;
                        break;
                case ARG_DOMAIN:
                case ARG_TAILNET_DOMAIN:
                case ARG_TAILNET_DOMAIN_FILE:
                        if (name_options_set(&o.names, (NameOption)(c - ARG_DOMAIN), optarg) < 0)
                                return -EINVAL;
                        break;
                case ARG_PAC_PEER: {
                        const char *why = NULL;

                        if (o.n_pac_peers >= PAC_PEERS_MAX) {
                                fprintf(stderr, "--pac-peer: more than %d peers.\n", PAC_PEERS_MAX);
                                return -EINVAL;
                        }
                        if (pac_peer_parse(optarg, &o.pac_peers[o.n_pac_peers], &why) < 0) {
                                fprintf(stderr, "--pac-peer: '%s': %s.\n", optarg, strna(why));
                                return -EINVAL;
                        }
                        o.n_pac_peers++;
                        break;
                }
                default: return -EINVAL;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, "Expected exactly one instance name (see --help).\n");
                return -EINVAL;
        }
        const char *reason = NULL;
        r = instance_name_check(argv[optind], &reason);
        if (r < 0) {
                fprintf(stderr, "'%s' is not a valid instance name: %s.\n", argv[optind], strna(reason));
                return -EINVAL;
        }
        strcpy(o.name, argv[optind]);
        if (name_options_finish(&o.names, o.name) < 0)
                return -EINVAL;
        if (o.users && !o.password_file) {
                fprintf(stderr, "--users needs --password-file.\n");
                return -EINVAL;
        }
        if (o.n_allow_from == 0) {
                static const char *const defaults[] = ALLOW_FROM_DEFAULT_INIT;
                for (size_t i = 0; i < ELEMENTSOF(defaults); i++)
                        if (add_allow_from(&o, defaults[i]) < 0)
                                return -EINVAL;
        }
        *ret = o;
        return 1;
}
