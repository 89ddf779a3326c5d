/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * options.c: tsproxy-dns's command line (see options.h and tsproxy-dns(8)).
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
#include "ipnet.h"
#include "macro.h"
#include "parse-number.h"
#include "tailnet.h"

enum {
        ARG_VERSION = 0x100,
        ARG_DOMAIN,
        ARG_TAILNET_DOMAIN,
        ARG_TAILNET_DOMAIN_FILE,
        ARG_UPSTREAM,
        ARG_CACHE_SIZE,
        ARG_TIMEOUT,
        ARG_MAX_TCP_CLIENTS,
        ARG_MAX_TCP_PER_SOURCE,
        ARG_EGRESS,
        ARG_EGRESS_INTERFACE,
        ARG_ALLOW_FROM,
};

static void help(void)
{
        printf("%s NAME [OPTIONS...]\n"
               "\n"
               "DNS server of a tsproxy instance: answers A.B.C.D.DOMAIN itself and asks the\n"
               "tailnet's MagicDNS for any other NAME.DOMAIN as NAME.TAILNET-DOMAIN. Takes its UDP\n"
               "and TCP sockets from systemd (socket activation).\n"
               "\n"
               "  -h --help                   Show this help\n"
               "     --version                Show the version\n" NAME_OPTIONS_HELP
               "                              (without either, only synthesized names are answered)\n"
               "     --upstream ADDR:PORT     The tailnet's resolver (default " DNS_DEFAULT_UPSTREAM ";\n"
               "                              another only for tests and benchmarks)\n"
               "     --cache-size N           Answers kept (default %u; 0: no cache)\n"
               "     --timeout MSEC           SERVFAIL when upstream has not answered (default %u)\n"
               "     --max-tcp-clients N      TCP connections at once (default %u)\n"
               "     --max-tcp-per-source N   TCP connections of one address (default %u)\n"
               "     --allow-from NET         Answer only clients in NET (CIDR or an address);\n"
               "                              repeatable (default the tailnet ranges and loopback)\n"
               "     --egress tailnet|any     Ask the upstream only through the tailscale\n"
               "                              interface (default tailnet), or by any route\n"
               "     --egress-interface IF    The tailscale interface (default %s)\n"
               "\n"
               "See the tsproxy-dns(8) man page for details.\n",
               program_invocation_short_name, DNS_DEFAULT_CACHE_SIZE, DNS_DEFAULT_TIMEOUT_MSEC,
               DNS_DEFAULT_MAX_TCP_CLIENTS, DNS_DEFAULT_MAX_TCP_PER_SOURCE, TAILSCALE_TUN_DEFAULT);
}

int dns_domain_parse(const char *s, DnsName *ret)
{
        char text[NAME_MODEL_NAME_MAX + 1];
        DnsName n;
        int r;

        r = name_model_domain(s, text);
        if (r < 0)
                return r;
        r = dns_name_from_string(text, &n);
        if (r < 0)
                return r;
        *ret = n;
        return 0;
}

/* A domain name_options_set() checked, as a DnsName and its text. */
static int domain_convert(const char *s, DnsName *name, char text[static DNS_NAME_STRLEN])
{
        int r = dns_domain_parse(s, name);
        if (r < 0) {
                fprintf(stderr, "'%s' is not a domain name.\n", s);
                return r;
        }
        dns_name_to_string(name, text);
        return 0;
}

int dns_options_parse(int argc, char *argv[], DnsOptions *ret)
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                NAME_OPTIONS_LONG(ARG_DOMAIN, ARG_TAILNET_DOMAIN, ARG_TAILNET_DOMAIN_FILE),
                {"upstream", required_argument, NULL, ARG_UPSTREAM},
                {"cache-size", required_argument, NULL, ARG_CACHE_SIZE},
                {"timeout", required_argument, NULL, ARG_TIMEOUT},
                {"max-tcp-clients", required_argument, NULL, ARG_MAX_TCP_CLIENTS},
                {"max-tcp-per-source", required_argument, NULL, ARG_MAX_TCP_PER_SOURCE},
                {"egress", required_argument, NULL, ARG_EGRESS},
                {"egress-interface", required_argument, NULL, ARG_EGRESS_INTERFACE},
                {"allow-from", required_argument, NULL, ARG_ALLOW_FROM},
                {}};
        _cleanup_free_ DnsOptions *o = calloc(1, sizeof(DnsOptions));
        const char *reason = NULL;
        uint64_t v;
        int c, r;

        if (!o)
                return -ENOMEM;
        o->cache_size = DNS_DEFAULT_CACHE_SIZE;
        o->timeout_msec = DNS_DEFAULT_TIMEOUT_MSEC;
        o->max_tcp_clients = DNS_DEFAULT_MAX_TCP_CLIENTS;
        o->max_tcp_per_source = DNS_DEFAULT_MAX_TCP_PER_SOURCE;
        o->egress = EGRESS_MODE_DEFAULT;
        snprintf(o->egress_interface, sizeof(o->egress_interface), "%s", TAILSCALE_TUN_DEFAULT);
        r = endpoint_parse(DNS_DEFAULT_UPSTREAM, &o->upstream, &o->upstream_len);
        if (r < 0)
                return r;

        optind = 0; /* getopt_long() keeps state: the unit tests call us more than once */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h': help(); return 0;
                case ARG_VERSION: printf("tsproxy-dns %s\n", PACKAGE_VERSION); return 0;
                case ARG_DOMAIN:
                case ARG_TAILNET_DOMAIN:
                case ARG_TAILNET_DOMAIN_FILE:
                        if (name_options_set(&o->names, (NameOption)(c - ARG_DOMAIN), optarg) < 0)
                                return -EINVAL;
                        break;
                case ARG_UPSTREAM:
                        if (endpoint_parse(optarg, &o->upstream, &o->upstream_len) < 0) {
                                fprintf(stderr, "--upstream: '%s' is not A.B.C.D:PORT or [IPV6]:PORT.\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_CACHE_SIZE:
                        if (parse_unsigned(optarg, DNS_CACHE_SIZE_MAX, &v) < 0) {
                                fprintf(stderr, "--cache-size: '%s' is not a number 0..%u.\n", optarg,
                                        DNS_CACHE_SIZE_MAX);
                                return -EINVAL;
                        }
                        o->cache_size = (unsigned)v;
                        break;
                case ARG_TIMEOUT:
                        if (parse_unsigned(optarg, DNS_TIMEOUT_MSEC_MAX, &v) < 0 || v == 0) {
                                fprintf(stderr, "--timeout: '%s' is not a number of milliseconds 1..%u.\n",
                                        optarg, DNS_TIMEOUT_MSEC_MAX);
                                return -EINVAL;
                        }
                        o->timeout_msec = (unsigned)v;
                        break;
                case ARG_MAX_TCP_CLIENTS:
                case ARG_MAX_TCP_PER_SOURCE:
                        if (parse_unsigned(optarg, DNS_MAX_TCP_CLIENTS_MAX, &v) < 0 || v == 0) {
                                fprintf(stderr, "--%s: '%s' is not a number 1..%u.\n",
                                        c == ARG_MAX_TCP_CLIENTS ? "max-tcp-clients" : "max-tcp-per-source",
                                        optarg, DNS_MAX_TCP_CLIENTS_MAX);
                                return -EINVAL;
                        }
                        *(c == ARG_MAX_TCP_CLIENTS ? &o->max_tcp_clients : &o->max_tcp_per_source) =
                                (unsigned)v;
                        break;
                case ARG_EGRESS:
                        if (egress_mode_option(optarg, &o->egress) < 0)
                                return -EINVAL;
                        break;
                case ARG_EGRESS_INTERFACE:
                        if (egress_interface_option(optarg, o->egress_interface) < 0)
                                return -EINVAL;
                        break;
                case ARG_ALLOW_FROM:
                        if (allow_from_add_option(&o->allow_from, optarg) < 0)
                                return -EINVAL;
                        break;
                default: return -EINVAL;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, "Expected exactly one instance name (see --help).\n");
                return -EINVAL;
        }
        r = instance_name_check(argv[optind], &reason);
        if (r < 0) {
                fprintf(stderr, "'%s' is not a valid instance name: %s.\n", argv[optind], strna(reason));
                return -EINVAL;
        }
        strcpy(o->name, argv[optind]);
        if (name_options_finish(&o->names, o->name) < 0 ||
            domain_convert(o->names.domain, &o->domain, o->domain_text) < 0 ||
            (o->names.tailnet_domain[0] &&
             domain_convert(o->names.tailnet_domain, &o->tailnet_domain, o->tailnet_domain_text) < 0))
                return -EINVAL;
        if (allow_from_finish(&o->allow_from) < 0)
                return -EINVAL;
        *ret = *o;
        return 1;
}
