/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tsproxy-nat: owns an instance's nftables table (masquerade, UDP port forward, guard)
 * for as long as it runs.
 *
 * The table carries "flags owner": it belongs to this process's netlink socket, nobody
 * else can change or flush it, and the kernel deletes it when the socket closes, crash
 * included (systemd's Restart=always then puts it back). So this is a small daemon, not
 * a oneshot: load the ruleset in one transaction, report READY=1, keep the libnftables
 * context (and with it the socket) open, ping the watchdog, and on SIGTERM delete the
 * table and exit. It needs CAP_NET_ADMIN and nothing else: no root, no files.
 *
 * Environment: SYSTEMD_LOG_TARGET, SYSTEMD_LOG_LEVEL (as for systemd's tools),
 * NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (from systemd; without them it simply
 * runs), read once in main(). The notifications use notify.c, not libsystemd, to keep
 * the start fast (see notify.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "build-config.h"
#include "instance.h"
#include "log.h"
#include "nft-ruleset.h"
#include "nft.h"
#include "parse-number.h"
#include "notify.h"

/* Invalid arguments: the unit's RestartPreventExitStatus= stops the restart loop. */
#define EXIT_BAD_ARGUMENTS 78

#define TABLE_BUFSZ (sizeof(NFT_TABLE_PREFIX) + INSTANCE_NAME_MAX)

/*
 * The host-wide lock around loading a table: an abstract unix socket name, bound by one
 * tsproxy-nat at a time (abstract names belong to the network namespace, the host's here,
 * and go away with the process, crash included: no file, no stale lock). Why a lock: to
 * load a table libnftables first dumps every table of the host into its cache, and the
 * kernel interrupts a dump when any commit lands meanwhile, so libnftables starts over.
 * 100 helpers starting at once kept interrupting each other's dumps: 22.6 s for 100
 * instances, 15 s of NAT CPU (bench/nat-start.sh). One at a time, each dump runs once.
 */
#define LOAD_LOCK_NAME        "tsproxy-nat-load"
#define LOAD_LOCK_POLL_NSEC   (2 * 1000 * 1000)
#define LOAD_LOCK_TIMEOUT_SEC 60

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

/*
 * After the load failed with EPERM: is it because the table exists and a live process
 * owns it (the kernel refuses everyone else), rather than because we lack CAP_NET_ADMIN?
 * Listing is allowed to anybody with the capability, so a successful listing that says
 * "flags owner" answers yes. owner gets the owner's program name when nft shows it.
 */
static bool table_owned_elsewhere(NftContext *nft, const char *list_cmd, char *owner, size_t size)
{
        _cleanup_free_ char *out = NULL;
        const char *p;

        *owner = '\0';
        if (nft_context_run(nft, list_cmd, &out, NULL) < 0 || !strstr(out, "flags owner"))
                return false;
        p = strstr(out, "progname ");
        if (p) {
                p += strlen("progname ");
                snprintf(owner, size, "%.*s", (int)strcspn(p, " \t\n"), p);
        }
        return true;
}

static int load_table(const Logger *log, NftContext *nft, const NatSpec *spec, const char *table,
                      const char *ruleset, const char *list_cmd)
{
        _cleanup_free_ char *error = NULL, *summary = NULL;
        char owner[64];
        int r;

        r = nft_context_run(nft, ruleset, NULL, &error);
        if (r >= 0)
                return 0;
        if (error && *error)
                log_debug(log, "nft's full error output:\n%s", error);
        if (r == -EPERM && table_owned_elsewhere(nft, list_cmd, owner, sizeof(owner)))
                return log_error_errno(
                        log, r,
                        "Failed to create nft table '%s': it is already owned by another process%s%s%s; "
                        "is another tsproxy-nat for %s running?",
                        table, *owner ? " (" : "", owner, *owner ? ")" : "", spec->name);
        summary = error ? nft_error_summary(error) : NULL;
        return log_error_errno(log, r, "Failed to load nft table '%s': %s", table,
                               summary && *summary ? summary : strerror(-r));
}

/* Take the load lock (see LOAD_LOCK_NAME): its socket, or a negative errno. */
static int load_lock_take(void)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(LOAD_LOCK_NAME));
        struct timespec start, now;
        _cleanup_close_ int fd = -EBADF;

        memcpy(sa.sun_path + 1, LOAD_LOCK_NAME, strlen(LOAD_LOCK_NAME));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                if (bind(fd, (struct sockaddr *)&sa, len) == 0)
                        return TAKE_FD(fd);
                if (errno != EADDRINUSE)
                        return -errno;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec - start.tv_sec > LOAD_LOCK_TIMEOUT_SEC)
                        return -ETIMEDOUT;
                (void)nanosleep(&(struct timespec){.tv_nsec = LOAD_LOCK_POLL_NSEC}, NULL);
        }
}

/* What the service manager told us in the environment (read in main()). */
typedef struct ServiceEnv {
        const char *notify_socket; /* $NOTIFY_SOCKET, or NULL */
        uint64_t watchdog_usec;    /* 0: no watchdog */
} ServiceEnv;

/* Wait for SIGTERM/SIGINT; meanwhile check the table and ping the watchdog at half its interval. */
static int wait_for_signal(const Logger *log, const ServiceEnv *env, NftContext *nft, int sfd,
                           const char *table, const char *check_cmd)
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
                        _cleanup_free_ char *error = NULL, *summary = NULL;

                        /* The kernel keeps an owned table for the socket's life; if it is gone
                         * anyway, say so and exit so that systemd restarts us. "create table"
                         * fails with EEXIST while it is there and needs no cache, where "list
                         * table" fetched every table of the host each time (bench/README.md). */
                        r = nft_context_run(nft, check_cmd, NULL, &error);
                        if (r >= 0)
                                return log_error_errno(log, ENOENT,
                                                       "Failed to find nft table '%s': it is gone.", table);
                        if (r != -EEXIST) {
                                summary = error ? nft_error_summary(error) : NULL;
                                return log_error_errno(log, r, "Failed to check nft table '%s': %s", table,
                                                       summary && *summary ? summary : strerror(-r));
                        }
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
        _cleanup_(nft_context_freep) NftContext *nft = NULL;
        _cleanup_free_ char *ruleset = NULL, *list_cmd = NULL;
        _cleanup_close_ int sfd = -EBADF, lock = -EBADF;
        char table[TABLE_BUFSZ], subnet[SUBNET_STRLEN],
                check_cmd[sizeof("create table inet ") + TABLE_BUFSZ];
        sigset_t mask;
        int r;

        subnet_format(&spec->subnet, subnet);
        r = instance_nft_table(spec->name, table, sizeof(table));
        if (r < 0)
                return log_error_errno(log, r, "Failed to derive the nft table name of '%s': %m",
                                       spec->name);
        r = nft_ruleset_build(spec, &ruleset);
        if (r >= 0)
                r = nft_ruleset_build_list(spec->name, &list_cmd);
        if (r < 0)
                return log_error_errno(log, r, "Failed to build the ruleset of nft table '%s': %m", table);
        snprintf(check_cmd, sizeof(check_cmd), "create table inet %s", table);
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

        r = nft_context_new(&nft);
        if (r < 0)
                return log_error_errno(log, r, "Failed to create nftables context: %m");

        lock = load_lock_take();
        if (lock < 0)
                log_warning_errno(log, lock, "Failed to take the table load lock, loading without it: %m");
        r = load_table(log, nft, spec, table, ruleset, list_cmd);
        lock = safe_close(lock);
        if (r < 0)
                return r;
        /* A command that needs no cache makes libnftables drop the cache of every table
         * it fetched for the load (hash tables of 0.5 MB a table), and the trim gives the
         * memory back: otherwise each helper kept 0.5 MB per table already there. */
        (void)nft_context_run(nft, check_cmd, NULL, NULL);
        (void)malloc_trim(0);

        log_info(log, "Loaded nft table '%s': masquerading %s out of %s, forwarding UDP %u to %s.", table,
                 subnet, spec->uplink ? spec->uplink : "any interface", (unsigned)spec->port,
                 spec->host_ifname);
        r = notify_sendf(env->notify_socket, "READY=1\nSTATUS=Masquerading %s out of %s, forwarding UDP %u",
                         subnet, spec->uplink ? spec->uplink : "any interface", (unsigned)spec->port);
        if (r < 0)
                log_warning_errno(log, r, "Failed to notify the service manager, ignoring: %m");

        r = wait_for_signal(log, env, nft, sfd, table, check_cmd);
        (void)notify_send(env->notify_socket, "STOPPING=1");
        if (r < 0)
                return r; /* the kernel removes the table when the context's socket closes */

        /* No "delete table": the kernel removes an owned table when its socket closes, at
         * once and without a cache. A "delete table" made libnftables dump every table
         * first, and 100 helpers stopped together interrupted each other's dumps for minutes
         * (bench/README.md, "Starting many instances"). */
        nft = nft_context_free(nft);
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
        /* libnftables' cache makes four 128 KiB hash tables per table of the host: keep
         * them mmap()ed, so that dropping the cache after the load gives them back (glibc
         * would otherwise raise its threshold and keep them in the heap). */
        (void)mallopt(M_MMAP_THRESHOLD, 64 * 1024);

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
