/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-tailscaled: stands in for tailscaled in the test sandbox (installed there as
 * /usr/sbin/tailscaled by test/sandbox/sandbox.sh, never by `meson install`).
 *
 * It honours the part of the real daemon's contract that tsproxy's units rely on:
 *   --state=PATH      written once started ("mem:..." writes nothing); parent made 0700
 *   --statedir=DIR    state file DIR/tailscaled.state when --state= is not given
 *   --socket=PATH     a unix socket listening there (accepts and closes); parent made
 *   --port=N          UDP port bound on 0.0.0.0 (0: any; default 41641)
 *   --tun=NAME        TUN device (default tailscale0; "userspace-networking": none)
 *   --verbose=N       N > 0 logs debug messages
 *   --cleanup         delete the TUN device if there is one, exit 0
 * Flags may start with - or --, values follow "=" or come as the next argument. Unknown
 * flags are warned about and ignored. Logs go to stderr.
 *
 * The instance name is the NAME of a "tailscale-NAME" path component of --socket=,
 * else of --statedir=, else of --state= (so /run/tailscale-NAME/tailscaled.sock), else
 * "default". Its tailnet address is read from $FAKE_TAILNET_DIR/NAME.addr (dotted quad;
 * FAKE_TAILNET_DIR defaults to /etc/fake-tailnet) or else derived stably from the name:
 * h = FNV-1a(name) (instance_hash(name, 0)), address 100.64.(1 + (h >> 8) % 254).(1 + h % 254).
 * The peer endpoint is read from $FAKE_TAILNET_DIR/peer ("A.B.C.D:PORT"), else
 * 192.0.2.1:41641 (fake-tailnet-peer in sim-inet).
 *
 * Start-up, then READY=1: TUN up with ADDRESS/32 and a route 100.64.0.0/10 through it,
 * UDP socket bound, unix socket listening, state written, a first keepalive sent to the
 * peer (so that it learns the endpoint through the NAT). Packets read from the TUN go to
 * the peer, one per datagram; datagrams received go into the TUN; a keepalive is sent
 * every 10 s. SIGTERM/SIGINT: the TUN goes away with its fd, the socket file is removed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "fake-net.h"
#include "instance.h"
#include "log.h"

#define TAILNET_NETWORK      0x64400000u /* 100.64.0.0 */
#define TAILNET_PREFIX       10
#define PEER_DEFAULT         "192.0.2.1:41641"
#define CONFIG_DIR_DEFAULT   "/etc/fake-tailnet"
#define KEEPALIVE_INTERVAL   10000 /* ms */
#define USERSPACE_NETWORKING "userspace-networking"

typedef struct Args {
        const char *state;
        const char *statedir;
        const char *socket;
        const char *tun;
        unsigned port;
        unsigned verbose;
        bool cleanup;
} Args;

static int parse_bool(const char *s, bool *ret)
{
        if (!s || strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
                *ret = true;
                return 0;
        }
        if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
                *ret = false;
                return 0;
        }
        return -EINVAL;
}

static int parse_args(int argc, char *argv[], Args *a, const Logger *log)
{
        enum { ARG_STATE = 0x100, ARG_STATEDIR, ARG_SOCKET, ARG_PORT, ARG_TUN, ARG_VERBOSE, ARG_CLEANUP };
        static const struct option options[] = {
                {"state", required_argument, NULL, ARG_STATE},
                {"statedir", required_argument, NULL, ARG_STATEDIR},
                {"socket", required_argument, NULL, ARG_SOCKET},
                {"port", required_argument, NULL, ARG_PORT},
                {"tun", required_argument, NULL, ARG_TUN},
                {"verbose", required_argument, NULL, ARG_VERBOSE},
                {"cleanup", optional_argument, NULL, ARG_CLEANUP},
                {},
        };
        int c;

        *a = (Args){.tun = "tailscale0", .port = TAILSCALE_DEFAULT_PORT};
        opterr = 0;
        /* Go's flag package: -flag and --flag alike, so getopt_long_only(). */
        while ((c = getopt_long_only(argc, argv, ":", options, NULL)) >= 0)
                switch (c) {
                case ARG_STATE: a->state = optarg; break;
                case ARG_STATEDIR: a->statedir = optarg; break;
                case ARG_SOCKET: a->socket = optarg; break;
                case ARG_TUN: a->tun = optarg; break;
                case ARG_PORT:
                        if (fake_parse_unsigned(optarg, 65535, &a->port) < 0)
                                return log_error_errno(log, EINVAL, "Invalid --port= '%s'.", optarg);
                        break;
                case ARG_VERBOSE:
                        if (fake_parse_unsigned(optarg, 100, &a->verbose) < 0)
                                return log_error_errno(log, EINVAL, "Invalid --verbose= '%s'.", optarg);
                        break;
                case ARG_CLEANUP:
                        if (parse_bool(optarg, &a->cleanup) < 0)
                                return log_error_errno(log, EINVAL, "Invalid --cleanup= '%s'.", optarg);
                        break;
                case ':': return log_error_errno(log, EINVAL, "Flag '%s' needs a value.", argv[optind - 1]);
                default: log_warning(log, "Unknown flag '%s', ignoring.", argv[optind - 1]); break;
                }
        for (int i = optind; i < argc; i++)
                log_warning(log, "Unexpected argument '%s', ignoring.", argv[i]);
        return 0;
}

/* NAME of the first "tailscale-NAME" component of path. */
static int name_from_path(const char *path, char *buf, size_t size)
{
        static const char prefix[] = "tailscale-";

        for (const char *p = path; p && *p;) {
                const char *end = strchrnul(p, '/');
                size_t n = (size_t)(end - p);
                if (n > strlen(prefix) && strncmp(p, prefix, strlen(prefix)) == 0 &&
                    n - strlen(prefix) < size) {
                        memcpy(buf, p + strlen(prefix), n - strlen(prefix));
                        buf[n - strlen(prefix)] = '\0';
                        return 0;
                }
                p = *end ? end + 1 : end;
        }
        return -ENOENT;
}

static void instance_name(const Args *a, char *buf, size_t size)
{
        if (name_from_path(a->socket, buf, size) >= 0 || name_from_path(a->statedir, buf, size) >= 0 ||
            name_from_path(a->state, buf, size) >= 0)
                return;
        snprintf(buf, size, "default");
}

static int tailnet_address(const char *config_dir, const char *name, uint32_t *ret)
{
        char path[4096], line[64];
        uint32_t h;
        int r;

        snprintf(path, sizeof(path), "%s/%s.addr", config_dir, name);
        r = fake_read_line(path, line, sizeof(line));
        if (r >= 0)
                return ipv4_parse(line, ret);
        if (r != -ENOENT)
                return r;
        h = instance_hash(name, 0);
        *ret = TAILNET_NETWORK | (1 + (h >> 8) % 254) << 8 | (1 + h % 254);
        return 0;
}

static int peer_endpoint(const char *config_dir, struct sockaddr_in *ret)
{
        char path[4096], line[64];
        int r;

        snprintf(path, sizeof(path), "%s/peer", config_dir);
        r = fake_read_line(path, line, sizeof(line));
        if (r == -ENOENT)
                return fake_parse_endpoint(PEER_DEFAULT, ret);
        if (r < 0)
                return r;
        return fake_parse_endpoint(line, ret);
}

/* mkdir of the parent of path, if missing (one level, as the unit's directories are). */
static int mkdir_parent(const char *path, mode_t mode)
{
        char dir[4096];
        const char *slash = strrchr(path, '/');

        if (!slash || slash == path || (size_t)(slash - path) >= sizeof(dir))
                return 0;
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
        if (mkdir(dir, mode) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

static int state_write(const char *path, const char *name, uint32_t address, const char *peer)
{
        char tmp[4096], a[IPV4_STRLEN];
        _cleanup_fclose_ FILE *f = NULL;
        int r;

        r = mkdir_parent(path, 0700);
        if (r < 0)
                return r;
        if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
                return -ENAMETOOLONG;
        f = fopen(tmp, "we");
        if (!f)
                return negative_errno();
        ipv4_format(address, a);
        fprintf(f, "# fake-tailscaled state (tsproxy test sandbox)\nName=%s\nAddress=%s\nPeer=%s\n", name, a,
                peer);
        if (fflush(f) != 0 || ferror(f)) {
                (void)unlink(tmp);
                return -EIO;
        }
        if (rename(tmp, path) < 0) {
                r = negative_errno();
                (void)unlink(tmp);
                return r;
        }
        return 0;
}

static int unix_listen(const char *path, int *ret_fd)
{
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        r = mkdir_parent(path, 0755);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        (void)unlink(path); /* a stale socket of an earlier run */
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
                return negative_errno();
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void keepalive_send(int udp_fd, uint32_t address, const struct sockaddr_in *peer, const Logger *log)
{
        uint8_t buf[FAKE_KEEPALIVE_SIZE];
        size_t n = fake_keepalive_build(buf, address, ntohl(peer->sin_addr.s_addr));

        if (sendto(udp_fd, buf, n, 0, (const struct sockaddr *)peer, sizeof(*peer)) < 0)
                log_debug(log, "Failed to send keepalive to peer: %m");
}

static uint64_t now_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int run(int tun_fd, int udp_fd, int unix_fd, int sig_fd, uint32_t address,
               const struct sockaddr_in *peer, const Logger *log)
{
        static uint8_t buf[FAKE_PACKET_MAX];
        uint64_t next_keepalive = now_ms() + KEEPALIVE_INTERVAL;

        for (;;) {
                struct pollfd p[] = {
                        {.fd = sig_fd, .events = POLLIN},
                        {.fd = udp_fd, .events = POLLIN},
                        {.fd = tun_fd, .events = POLLIN}, /* -EBADF: ignored by poll() */
                        {.fd = unix_fd, .events = POLLIN},
                };
                uint64_t now = now_ms();
                ssize_t n;

                if (now >= next_keepalive) {
                        keepalive_send(udp_fd, address, peer, log);
                        next_keepalive = now + KEEPALIVE_INTERVAL;
                }
                if (poll(p, ELEMENTSOF(p), (int)(next_keepalive - now)) < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(log, errno, "Failed to poll: %m");
                }
                if (p[0].revents)
                        return 0;
                if (p[1].revents) {
                        n = recv(udp_fd, buf, sizeof(buf), 0);
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                                log_debug(log, "Failed to receive from peer: %m"); /* ICMP errors */
                        else if (n > 0 && tun_fd >= 0 && !fake_packet_is_keepalive(buf, (size_t)n) &&
                                 write(tun_fd, buf, (size_t)n) < 0)
                                log_debug(log, "Failed to write packet to TUN: %m");
                }
                if (p[2].revents) {
                        n = read(tun_fd, buf, sizeof(buf));
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                                return log_error_errno(log, errno, "Failed to read from TUN: %m");
                        if (n > 0 && sendto(udp_fd, buf, (size_t)n, 0, (const struct sockaddr *)peer,
                                            sizeof(*peer)) < 0)
                                log_debug(log, "Failed to send packet to peer: %m");
                }
                if (p[3].revents) {
                        _cleanup_close_ int fd = accept4(unix_fd, NULL, NULL, SOCK_CLOEXEC);
                        if (fd < 0 && errno != EAGAIN && errno != EINTR)
                                log_debug(log, "Failed to accept on the local socket: %m");
                }
        }
}

int main(int argc, char *argv[])
{
        _cleanup_close_ int tun_fd = -EBADF, udp_fd = -EBADF, unix_fd = -EBADF, sig_fd = -EBADF;
        char name[256], state_buf[4096], a[IPV4_STRLEN], peer_s[64];
        const char *config_dir, *state;
        struct sockaddr_in peer, bind_sa = {.sin_family = AF_INET};
        uint32_t address;
        Logger log;
        Args args;
        int r;

        logger_open(&log, "fake-tailscaled", LOG_TARGET_STDERR, LOG_INFO);
        r = parse_args(argc, argv, &args, &log);
        if (r < 0)
                return 2;
        if (args.verbose > 0)
                log.max_level = LOG_DEBUG;

        if (args.cleanup) {
                if (strcmp(args.tun, USERSPACE_NETWORKING) == 0)
                        return 0;
                r = fake_link_delete(args.tun);
                if (r < 0 && r != -ENODEV)
                        return log_error_errno(&log, r, "Failed to delete '%s': %m", args.tun), 1;
                if (r < 0)
                        log_info(&log, "No '%s' to clean up.", args.tun);
                else
                        log_info(&log, "Deleted '%s'.", args.tun);
                return 0;
        }

        config_dir = getenv("FAKE_TAILNET_DIR");
        if (!config_dir || !*config_dir)
                config_dir = CONFIG_DIR_DEFAULT;
        instance_name(&args, name, sizeof(name));
        r = tailnet_address(config_dir, name, &address);
        if (r < 0)
                return log_error_errno(&log, r, "Failed to get the tailnet address of '%s': %m", name), 1;
        r = peer_endpoint(config_dir, &peer);
        if (r < 0)
                return log_error_errno(&log, r, "Failed to read '%s/peer': %m", config_dir), 1;
        ipv4_format(address, a);
        fake_format_endpoint(&peer, peer_s, sizeof(peer_s));

        sig_fd = fake_signalfd();
        if (sig_fd < 0)
                return log_error_errno(&log, sig_fd, "Failed to set up signals: %m"), 1;

        if (strcmp(args.tun, USERSPACE_NETWORKING) != 0) {
                r = fake_tun_open(args.tun, &tun_fd);
                if (r < 0)
                        return log_error_errno(&log, r, "Failed to create TUN '%s': %m", args.tun), 1;
                r = fake_link_configure(args.tun, address, 32, TAILNET_PREFIX);
                if (r < 0)
                        return log_error_errno(&log, r, "Failed to configure '%s' with %s: %m", args.tun, a),
                               1;
        }

        udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (udp_fd < 0)
                return log_error_errno(&log, errno, "Failed to create UDP socket: %m"), 1;
        bind_sa.sin_port = htons((uint16_t)args.port);
        if (bind(udp_fd, (struct sockaddr *)&bind_sa, sizeof(bind_sa)) < 0)
                return log_error_errno(&log, errno, "Failed to bind UDP port %u: %m", args.port), 1;
        if (getsockname(udp_fd, (struct sockaddr *)&bind_sa, &(socklen_t){sizeof(bind_sa)}) >= 0)
                args.port = ntohs(bind_sa.sin_port); /* the one the kernel chose for --port=0 */

        if (args.socket) {
                r = unix_listen(args.socket, &unix_fd);
                if (r < 0)
                        return log_error_errno(&log, r, "Failed to listen on '%s': %m", args.socket), 1;
        }

        state = args.state;
        if (!state && args.statedir) {
                snprintf(state_buf, sizeof(state_buf), "%s/tailscaled.state", args.statedir);
                state = state_buf;
        }
        if (state && strncmp(state, "mem:", 4) != 0) {
                r = state_write(state, name, address, peer_s);
                if (r < 0)
                        return log_error_errno(&log, r, "Failed to write state '%s': %m", state), 1;
        }

        keepalive_send(udp_fd, address, &peer, &log);
        log_info(&log, "Instance '%s': %s on %s, UDP port %u, peer %s", name, a, args.tun, args.port,
                 peer_s);
        (void)sd_notifyf(0, "READY=1\nSTATUS=Running (fake): %s on %s, peer %s", a, args.tun, peer_s);

        r = run(tun_fd, udp_fd, unix_fd, sig_fd, address, &peer, &log);

        (void)sd_notify(0, "STOPPING=1");
        if (args.socket)
                (void)unlink(args.socket);
        log_info(&log, "Exiting.");
        return r < 0 ? 1 : 0;
}
