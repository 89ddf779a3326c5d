/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tsproxy-nat: owns an instance's nftables table (masquerade, UDP port forward, guard)
 * for as long as it runs.
 *
 * The table carries "flags owner": it belongs to this process's netlink socket, nobody
 * else can change or flush it, and the kernel deletes it when the socket closes, crash
 * included (systemd's Restart=always then puts it back). So this is a small daemon, not
 * a oneshot: load the table in one transaction, report READY=1, keep the netlink socket
 * open, ping the watchdog, and on SIGTERM close the socket (the kernel then deletes the
 * table) and exit. The table is built with libnftnl (nft-batch.h), not libnftables,
 * whose cache made each load cost as much as every table of the host. It needs CAP_NET_ADMIN and nothing
 * else: no root, no files.
 *
 * Environment: SYSTEMD_LOG_TARGET, SYSTEMD_LOG_LEVEL (as for systemd's tools),
 * NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (from systemd; without them it simply
 * runs), read once in main(). The notifications use notify.c, not libsystemd, to keep
 * the start fast (see notify.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/netfilter/nf_tables.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "build-config.h"
#include "instance.h"
#include "log.h"
#include "nft-batch.h"
#include "nft-ruleset.h"
#include "parse-number.h"
#include "notify.h"

#include "daemon-limits.h" /* EXIT_BAD_ARGUMENTS */

#define TABLE_BUFSZ (sizeof(NFT_TABLE_PREFIX) + INSTANCE_NAME_MAX)

static void help(void)
{
        printf("%s NAME --subnet A.B.C.D/30|/31 --port UDPPORT [--uplink IFNAME] [--host-if IFNAME]\n"
               "\n"
               "Own the nftables table tsproxy-NAME of a tsproxy instance while running: masquerade\n"
               "the instance's subnet, forward its tailscaled's UDP port from the uplink into the\n"
               "namespace, and keep the namespace from reaching the host or other instances.\n"
               "\n"
               "  -h --help            Show this help\n"
               "     --version         Show the version\n"
               "     --subnet SUBNET   The veth pair's subnet (/30 or /31)\n"
               "     --port PORT       UDP port of the instance's tailscaled\n"
               "     --uplink IFNAME   Interface to the internet (default: any but tsproxy veths)\n"
               "     --host-if IFNAME  Host end of the veth (default: ts-NAME)\n"
               "\n"
               "See the tsproxy-nat(8) man page for details.\n",
               program_invocation_short_name);
}

/* > 0: run; 0: done (--help, --version); < 0: invalid arguments, logged. */
static int parse_argv(const Logger *log, int argc, char *argv[], NatSpec *spec,
                      char host_if[static IFNAMSIZ])
{
        enum { ARG_VERSION = 0x100, ARG_SUBNET, ARG_PORT, ARG_UPLINK, ARG_HOST_IF };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, ARG_VERSION},
                {"subnet", required_argument, NULL, ARG_SUBNET},
                {"port", required_argument, NULL, ARG_PORT},
                {"uplink", required_argument, NULL, ARG_UPLINK},
                {"host-if", required_argument, NULL, ARG_HOST_IF},
                {},
        };
        const char *subnet = NULL, *reason = NULL;
        char meant[SUBNET_STRLEN];
        int c, r;

        *spec = (NatSpec){};
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case ARG_VERSION: printf("tsproxy-nat %s\n", PACKAGE_VERSION); return 0;
                case ARG_SUBNET: subnet = optarg; break;
                case ARG_PORT:
                        if (parse_port(optarg, &spec->port) < 0)
                                return log_error_errno(log, EINVAL,
                                                       "Failed to parse port '%s': not 1..65535", optarg);
                        break;
                case ARG_UPLINK: spec->uplink = optarg; break;
                case ARG_HOST_IF: spec->host_ifname = optarg; break;
                case '?':
                        if (optopt > 0 && optopt < 0x100)
                                return log_error_errno(
                                        log, EINVAL, "Option '-%c' is unknown or lacks its value.", optopt);
                        return log_error_errno(log, EINVAL, "Option '%s' is unknown or lacks its value.",
                                               argv[optind - 1]);
                default: return log_error_errno(log, EINVAL, "Failed to parse the command line.");
                }

        if (optind + 1 != argc)
                return log_error_errno(log, EINVAL,
                                       "Expected exactly one instance NAME, got %d (see --help).",
                                       argc - optind);
        spec->name = argv[optind];
        if (instance_name_check(spec->name, &reason) < 0)
                return log_error_errno(log, EINVAL, "Failed to parse instance name '%s': %s", spec->name,
                                       reason);
        if (!subnet)
                return log_error_errno(log, EINVAL, "Missing --subnet (see --help).");
        r = subnet_parse(subnet, &spec->subnet);
        if (r == -EDOM) {
                subnet_format(&spec->subnet, meant);
                return log_error_errno(log, r,
                                       "Failed to parse subnet '%s': host bits are set; did you mean '%s'?",
                                       subnet, meant);
        }
        if (r < 0)
                return log_error_errno(log, r, "Failed to parse subnet '%s': expected A.B.C.D/30 or /31",
                                       subnet);
        if (spec->port == 0)
                return log_error_errno(log, EINVAL, "Missing --port (see --help).");
        if (!spec->host_ifname) {
                r = instance_host_ifname(spec->name, host_if);
                if (r < 0)
                        return log_error_errno(log, r, "Failed to derive the veth name of '%s': %m",
                                               spec->name);
                spec->host_ifname = host_if;
        }
        if (nft_ruleset_check(spec, &reason) < 0)
                return log_error_errno(log, EINVAL, "Failed to use the arguments of instance '%s': %s",
                                       spec->name, reason);
        return 1;
}

static int load_table(const Logger *log, NftSocket *nl, const NatSpec *spec, const char *table)
{
        uint32_t flags = 0, owner = 0;
        int r;

        r = nft_batch_load(nl, spec, NFT_TABLE_NAT);
        if (r >= 0)
                return 0;
        /* EPERM: is the table there and owned by a live process (the kernel refuses
         * everyone else), rather than are we lacking CAP_NET_ADMIN? */
        if (r == -EPERM && nft_batch_table_get(nl, table, &flags, &owner) >= 0 &&
            (flags & NFT_TABLE_F_OWNER))
                return log_error_errno(log, r,
                                       "Failed to create nft table '%s': it is already owned by another "
                                       "process (netlink port %" PRIu32
                                       "); is another tsproxy-nat for %s running?",
                                       table, owner, spec->name);
        return log_error_errno(log, r, "Failed to load nft table '%s': %m", table);
}

/* What the service manager told us in the environment (read in main()). */
typedef struct ServiceEnv {
        const char *notify_socket; /* $NOTIFY_SOCKET, or NULL */
        uint64_t watchdog_usec;    /* 0: no watchdog */
} ServiceEnv;

/* Wait for SIGTERM/SIGINT; meanwhile check the table and ping the watchdog at half its interval. */
static int wait_for_signal(const Logger *log, const ServiceEnv *env, NftSocket *nl, int sfd,
                           const char *table)
{
        uint64_t watchdog_usec = env->watchdog_usec;
        int r;

        for (;;) {
                struct pollfd p = {.fd = sfd, .events = POLLIN};
                struct timespec ts = {.tv_sec = (time_t)(watchdog_usec / 2 / 1000000),
                                      .tv_nsec = (long)(watchdog_usec / 2 % 1000000 * 1000)};
                struct signalfd_siginfo si;
                ssize_t n;

                r = ppoll(&p, 1, watchdog_usec > 0 ? &ts : NULL, NULL);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(log, errno, "Failed to wait for signals: %m");
                }
                if (r == 0) {
                        /* The kernel keeps an owned table for the socket's life; if it is gone
                         * anyway, say so and exit so that systemd restarts us. One GETTABLE by
                         * name: no dump of the host's other tables. */
                        r = nft_batch_table_get(nl, table, NULL, NULL);
                        if (r == -ENOENT)
                                return log_error_errno(log, r, "Failed to find nft table '%s': it is gone.",
                                                       table);
                        if (r < 0)
                                return log_error_errno(log, r, "Failed to check nft table '%s': %m", table);
                        (void)notify_send(env->notify_socket, "WATCHDOG=1");
                        continue;
                }
                n = read(sfd, &si, sizeof(si));
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                continue;
                        return log_error_errno(log, errno, "Failed to read signal: %m");
                }
                if ((size_t)n != sizeof(si))
                        return log_error_errno(log, EIO, "Failed to read signal: short read");
                log_info(log, "Received SIG%s, removing nft table '%s'.", sigabbrev_np((int)si.ssi_signo),
                         table);
                return 0;
        }
}

static int run(const Logger *log, const ServiceEnv *env, const NatSpec *spec)
{
        _cleanup_(nft_socket_freep) NftSocket *nl = NULL;
        _cleanup_free_ char *ruleset = NULL;
        _cleanup_close_ int sfd = -EBADF;
        char table[TABLE_BUFSZ], subnet[SUBNET_STRLEN];
        sigset_t mask;
        int r;

        subnet_format(&spec->subnet, subnet);
        r = instance_nft_table(spec->name, table, sizeof(table));
        if (r < 0)
                return log_error_errno(log, r, "Failed to derive the nft table name of '%s': %m",
                                       spec->name);
        /* The text is what the batch loads, for the reader (tsproxy-nat(8)) and for
         * test-nat.sh, which checks that nft lists both alike. */
        r = nft_ruleset_build(spec, &ruleset);
        if (r < 0)
                return log_error_errno(log, r, "Failed to build the ruleset of nft table '%s': %m", table);
        log_debug(log, "Ruleset:\n%s", ruleset);

        /* Block the signals before anything exists to clean up, so none is lost. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(log, errno, "Failed to block signals: %m");
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                return log_error_errno(log, errno, "Failed to create signalfd: %m");

        r = nft_socket_open(&nl);
        if (r < 0)
                return log_error_errno(log, r, "Failed to open a netfilter netlink socket: %m");
        r = load_table(log, nl, spec, table);
        if (r < 0)
                return r;

        log_info(log, "Loaded nft table '%s': masquerading %s out of %s, forwarding UDP %u to %s.", table,
                 subnet, spec->uplink ? spec->uplink : "any interface", (unsigned)spec->port,
                 spec->host_ifname);
        r = notify_sendf(env->notify_socket, "READY=1\nSTATUS=Masquerading %s out of %s, forwarding UDP %u",
                         subnet, spec->uplink ? spec->uplink : "any interface", (unsigned)spec->port);
        if (r < 0)
                log_warning_errno(log, r, "Failed to notify the service manager, ignoring: %m");

        r = wait_for_signal(log, env, nl, sfd, table);
        (void)notify_send(env->notify_socket, "STOPPING=1");
        if (r < 0)
                return r; /* the kernel removes the table when the socket closes */

        /* No "delete table": the kernel removes an owned table when its socket closes. */
        nl = nft_socket_free(nl);
        return 0;
}

int main(int argc, char *argv[])
{
        int r;
        char host_if[IFNAMSIZ];
        ServiceEnv env = {.notify_socket = getenv("NOTIFY_SOCKET")};
        NatSpec spec;
        Logger log;

        logger_open_from_environment(&log, "tsproxy-nat", LOG_TARGET_AUTO);

        r = parse_argv(&log, argc, argv, &spec, host_if);
        if (r <= 0) {
                logger_close(&log);
                return r < 0 ? EXIT_BAD_ARGUMENTS : EXIT_SUCCESS;
        }

        r = notify_watchdog_enabled(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"), &env.watchdog_usec);
        if (r < 0)
                log_warning_errno(&log, r, "Failed to parse the watchdog settings, ignoring: %m");
        if (r <= 0)
                env.watchdog_usec = 0;

        r = run(&log, &env, &spec);
        logger_close(&log);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
