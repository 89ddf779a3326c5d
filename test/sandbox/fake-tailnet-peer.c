/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-tailnet-peer: the simulated tailnet of the test sandbox, seen from the far side.
 *
 *   fake-tailnet-peer [--listen=A.B.C.D:PORT] [--tun=NAME] [--address=A.B.C.D/N] [--verbose]
 *   defaults:          192.0.2.1:41641         tailnet0     100.64.0.1/10
 *
 * Runs in the sim-inet namespace (fake-tailnet-peer.service). A TUN device holds the
 * tailnet address; every UDP datagram from a fake tailscaled carries one raw IPv4
 * packet. Like WireGuard's roaming, the peer remembers for each inner source address
 * the UDP endpoint it last came from, writes the packet into the TUN (keepalives are
 * echoed instead), and sends packets the kernel routes into the TUN to the endpoint of
 * their destination address. With forwarding on in sim-inet, fake tailscaleds reach
 * each other through it as well. Ready (sd_notify) once the TUN and the socket are up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "addr.h"
#include "fake-net.h"
#include "log.h"

#define PEERS_MAX 1024

typedef struct Peer {
        uint32_t address; /* inner (tailnet) address, host byte order */
        struct sockaddr_in endpoint;
} Peer;

typedef struct PeerTable {
        Peer peers[PEERS_MAX];
        size_t n;
} PeerTable;

static Peer *peer_table_find(PeerTable *t, uint32_t address)
{
        for (size_t i = 0; i < t->n; i++)
                if (t->peers[i].address == address)
                        return &t->peers[i];
        return NULL;
}

/* Remember where address was last seen. */
static void peer_table_learn(PeerTable *t, uint32_t address, const struct sockaddr_in *from,
                             const Logger *log)
{
        Peer *p = peer_table_find(t, address);
        char a[IPV4_STRLEN], e[64];

        if (p && p->endpoint.sin_addr.s_addr == from->sin_addr.s_addr &&
            p->endpoint.sin_port == from->sin_port)
                return;
        if (!p) {
                if (t->n >= PEERS_MAX) {
                        log_warning(log, "Peer table full, ignoring new peer.");
                        return;
                }
                p = &t->peers[t->n++];
                p->address = address;
        }
        p->endpoint = *from;
        ipv4_format(address, a);
        fake_format_endpoint(from, e, sizeof(e));
        log_info(log, "Peer %s is at %s", a, e);
}

static int handle_udp(int udp_fd, int tun_fd, PeerTable *t, const Logger *log)
{
        static uint8_t buf[FAKE_PACKET_MAX];
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        uint32_t src, dst;
        ssize_t n;

        n = recvfrom(udp_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : negative_errno();
        if (fake_packet_addresses(buf, (size_t)n, &src, &dst) < 0) {
                log_debug(log, "Dropping datagram that is no IPv4 packet (%zd bytes).", n);
                return 0;
        }
        peer_table_learn(t, src, &from, log);
        if (fake_packet_is_keepalive(buf, (size_t)n)) {
                /* Echo, so that NATs on the way see traffic in both directions. */
                uint8_t reply[FAKE_KEEPALIVE_SIZE];
                size_t len = fake_keepalive_build(reply, dst, src);
                if (sendto(udp_fd, reply, len, 0, (struct sockaddr *)&from, sizeof(from)) < 0)
                        log_debug(log, "Failed to echo keepalive: %m");
                return 0;
        }
        if (write(tun_fd, buf, (size_t)n) < 0)
                log_debug(log, "Failed to write packet to TUN: %m");
        return 0;
}

static int handle_tun(int tun_fd, int udp_fd, PeerTable *t, const Logger *log)
{
        static uint8_t buf[FAKE_PACKET_MAX];
        uint32_t src, dst;
        const Peer *p;
        ssize_t n;

        n = read(tun_fd, buf, sizeof(buf));
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : negative_errno();
        if (fake_packet_addresses(buf, (size_t)n, &src, &dst) < 0)
                return 0;
        p = peer_table_find(t, dst);
        if (!p) {
                char a[IPV4_STRLEN];
                ipv4_format(dst, a);
                log_debug(log, "No endpoint known for %s, dropping packet.", a);
                return 0;
        }
        if (sendto(udp_fd, buf, (size_t)n, 0, (const struct sockaddr *)&p->endpoint, sizeof(p->endpoint)) <
            0)
                log_debug(log, "Failed to send packet to peer: %m");
        return 0;
}

int main(int argc, char *argv[])
{
        enum { ARG_LISTEN = 0x100, ARG_TUN, ARG_ADDRESS, ARG_VERBOSE };
        static const struct option options[] = {
                {"listen", required_argument, NULL, ARG_LISTEN},
                {"tun", required_argument, NULL, ARG_TUN},
                {"address", required_argument, NULL, ARG_ADDRESS},
                {"verbose", no_argument, NULL, ARG_VERBOSE},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *listen_s = "192.0.2.1:41641", *tun = "tailnet0", *address_s = "100.64.0.1/10";
        _cleanup_close_ int tun_fd = -EBADF, udp_fd = -EBADF, sig_fd = -EBADF;
        static PeerTable table;
        struct sockaddr_in listen_sa;
        uint32_t address;
        unsigned prefix;
        int level = LOG_INFO, c, r;
        Logger log;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_LISTEN: listen_s = optarg; break;
                case ARG_TUN: tun = optarg; break;
                case ARG_ADDRESS: address_s = optarg; break;
                case ARG_VERBOSE: level = LOG_DEBUG; break;
                case 'h':
                        printf("%s [--listen=A.B.C.D:PORT] [--tun=NAME] [--address=A.B.C.D/N] [--verbose]\n",
                               argv[0]);
                        return 0;
                default: return 2;
                }
        logger_open(&log, "fake-tailnet-peer", LOG_TARGET_STDERR, level);

        if (fake_parse_endpoint(listen_s, &listen_sa) < 0)
                return log_error(&log, "Invalid --listen= '%s'.", listen_s), 2;
        if (fake_parse_address(address_s, &address, &prefix) < 0)
                return log_error(&log, "Invalid --address= '%s'.", address_s), 2;

        sig_fd = fake_signalfd();
        if (sig_fd < 0)
                return log_error_errno(&log, sig_fd, "Failed to set up signals: %m"), 1;
        r = fake_tun_open(tun, &tun_fd);
        if (r < 0)
                return log_error_errno(&log, r, "Failed to create TUN '%s': %m", tun), 1;
        r = fake_link_configure(tun, address, prefix, 0);
        if (r < 0)
                return log_error_errno(&log, r, "Failed to configure '%s' with %s: %m", tun, address_s), 1;

        udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (udp_fd < 0)
                return log_error_errno(&log, errno, "Failed to create UDP socket: %m"), 1;
        if (bind(udp_fd, (struct sockaddr *)&listen_sa, sizeof(listen_sa)) < 0)
                return log_error_errno(&log, errno, "Failed to bind UDP socket to '%s': %m", listen_s), 1;

        log_info(&log, "Tailnet peer %s on %s, listening on %s", address_s, tun, listen_s);
        (void)sd_notifyf(0, "READY=1\nSTATUS=Peer %s, listening on %s", address_s, listen_s);

        for (;;) {
                struct pollfd p[] = {
                        {.fd = udp_fd, .events = POLLIN},
                        {.fd = tun_fd, .events = POLLIN},
                        {.fd = sig_fd, .events = POLLIN},
                };
                if (poll(p, ELEMENTSOF(p), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(&log, errno, "Failed to poll: %m"), 1;
                }
                if (p[2].revents)
                        break;
                if (p[0].revents) {
                        r = handle_udp(udp_fd, tun_fd, &table, &log);
                        if (r < 0)
                                return log_error_errno(&log, r, "Failed to receive from UDP socket: %m"), 1;
                }
                if (p[1].revents) {
                        r = handle_tun(tun_fd, udp_fd, &table, &log);
                        if (r < 0)
                                return log_error_errno(&log, r, "Failed to read from TUN '%s': %m", tun), 1;
                }
        }
        (void)sd_notify(0, "STOPPING=1");
        log_info(&log, "Exiting.");
        return 0;
}
