/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * proxy-load: the client end of the proxy benchmark (see bench/README.md). It talks to
 * proxy-target either directly or through a SOCKS5 proxy (no authentication, CONNECT to
 * an IPv4 address), or through a plain TCP relay (which looks like "direct" to it):
 *
 * Every mode takes [--bind ADDR [--bind-count N]], the clients' source address (the port
 * stays the kernel's choice at connect()): with --bind-count, successive connections take
 * ADDR, ADDR+1, ... ADDR+N-1 in turn, as clients from N hosts would. One source address
 * at 10,000 connections per second leaves tens of thousands of TIME_WAIT sockets towards
 * the same destination, and the kernel's search for a free port in connect() then costs
 * the load generator more than the proxy it measures.
 *
 *     proxy-load stream --connect ADDR:PORT [--socks TARGET:PORT] --up|--down --bytes N
 *     proxy-load rate   --connect ADDR:PORT [--socks TARGET:PORT] --clients C --seconds T
 *                       [--warmup S] [--reply N]
 *     proxy-load idle   --connect ADDR:PORT [--socks TARGET:PORT] --count N [--parallel K]
 *                       [--timeout S]
 *
 * Each mode prints one line of JSON on stdout. stream: one connection moves N bytes one
 * way; the clock starts after the handshake and stops when the target has confirmed the
 * last byte (up) or closed after sending it (down). rate: C clients, each looping connect, SOCKS5
 * greeting, CONNECT, a 16-byte request, a small reply, close; every step waits for the
 * previous answer, as a real client does (no pipelining: microsocks assumes one message
 * per read). The latency is the whole cycle, from socket()
 * to close(). idle: N connections through the proxy, each confirmed end to end by a
 * 1-byte reply, then held open until SIGTERM or SIGINT; a second line says how many the
 * proxy closed meanwhile.
 *
 * rate and idle run all clients in one thread on one edge-triggered epoll set, so the
 * load generator costs as little CPU as it can on the two cores it shares with the proxy.
 * stream uses one blocking socket: there is nothing to multiplex.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

#define STREAM_BUFFER_SIZE (1024 * 1024)
#define MAX_EVENTS         512
#define SIGNAL_TAG         UINT32_MAX

typedef enum LoadMode {
        LOAD_STREAM,
        LOAD_RATE,
        LOAD_IDLE,
} LoadMode;

typedef struct LoadOptions {
        LoadMode mode;
        struct sockaddr_in connect_addr;
        struct sockaddr_in bind_addr;
        bool bind;
        uint64_t bind_count; /* source addresses bind_addr + 0 .. bind_count - 1 */
        bool socks;
        struct sockaddr_in target_addr;
        bool up, down;
        uint64_t bytes;
        uint64_t clients;
        double seconds;
        double warmup;
        uint64_t reply;
        uint64_t count;
        uint64_t parallel;
        double timeout;
} LoadOptions;

/* --- SOCKS5 (RFC 1928) messages ------------------------------------------------------------ */

enum {
        SOCKS_VERSION = 5,
        SOCKS_METHOD_NONE = 0,
        SOCKS_CMD_CONNECT = 1,
        SOCKS_ATYP_IPV4 = 1,
        SOCKS_ATYP_DOMAIN = 3,
        SOCKS_ATYP_IPV6 = 4,
        SOCKS_REP_SUCCEEDED = 0,
};

static const uint8_t socks_greeting[3] = {SOCKS_VERSION, 1, SOCKS_METHOD_NONE};

static void socks_build_connect(uint8_t buf[static 10], const struct sockaddr_in *target)
{
        buf[0] = SOCKS_VERSION;
        buf[1] = SOCKS_CMD_CONNECT;
        buf[2] = 0;
        buf[3] = SOCKS_ATYP_IPV4;
        memcpy(buf + 4, &target->sin_addr.s_addr, 4);
        memcpy(buf + 8, &target->sin_port, 2);
}

/* The length of the reply's address and port after its 4-byte head, or -EBADMSG. */
static int socks_reply_rest(const uint8_t head[static 4])
{
        if (head[0] != SOCKS_VERSION || head[1] != SOCKS_REP_SUCCEEDED)
                return -EBADMSG;
        switch (head[3]) {
        case SOCKS_ATYP_IPV4: return 4 + 2;
        case SOCKS_ATYP_IPV6: return 16 + 2;
        default: return -EBADMSG; /* a domain name as bound address: not expected here */
        }
}

static int socks_handshake_blocking(int fd, const struct sockaddr_in *target)
{
        uint8_t buf[32];
        int r;

        r = write_all(fd, socks_greeting, sizeof(socks_greeting));
        if (r < 0)
                return r;
        r = read_all(fd, buf, 2);
        if (r < 0)
                return r;
        if (buf[0] != SOCKS_VERSION || buf[1] != SOCKS_METHOD_NONE)
                return -EBADMSG;
        socks_build_connect(buf, target);
        r = write_all(fd, buf, 10);
        if (r < 0)
                return r;
        r = read_all(fd, buf, 4);
        if (r < 0)
                return r;
        r = socks_reply_rest(buf);
        if (r < 0)
                return r;
        return read_all(fd, buf + 4, (size_t)r);
}

/* --- stream ----------------------------------------------------------------------------- */

/* A TCP socket, bound to the source address of --bind if given. The port is left to
 * connect() (IP_BIND_ADDRESS_NO_PORT), so it is chosen per destination as without bind. */
static int load_socket(const LoadOptions *o, int flags, uint64_t seq)
{
        struct sockaddr_in source = o->bind_addr;
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
        if (fd < 0)
                return negative_errno();
        if (o->bind) {
                if (setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one)) < 0)
                        return negative_errno();
                source.sin_addr.s_addr =
                        htonl(ntohl(o->bind_addr.sin_addr.s_addr) + (uint32_t)(seq % o->bind_count));
                if (bind(fd, (const struct sockaddr *)&source, sizeof(source)) < 0)
                        return negative_errno();
        }
        return TAKE_FD(fd);
}

static int load_stream(const LoadOptions *o)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t header[BENCH_HEADER_SIZE];
        uint64_t start, end, moved = 0;
        int r;

        buf = calloc(1, STREAM_BUFFER_SIZE);
        if (!buf)
                return -ENOMEM;
        fd = load_socket(o, 0, 0);
        if (fd < 0)
                return fd;
        if (connect(fd, (const struct sockaddr *)&o->connect_addr, sizeof(o->connect_addr)) < 0)
                return negative_errno();
        if (o->socks) {
                r = socks_handshake_blocking(fd, &o->target_addr);
                if (r < 0)
                        return r;
        }

        bench_header_build(header, o->up ? BENCH_COMMAND_SINK : BENCH_COMMAND_GIVE, o->bytes);
        start = now_ns();
        r = write_all(fd, header, sizeof(header));
        if (r < 0)
                return r;
        if (o->up) {
                uint64_t be;

                while (moved < o->bytes) {
                        size_t n = o->bytes - moved < STREAM_BUFFER_SIZE ? (size_t)(o->bytes - moved)
                                                                         : STREAM_BUFFER_SIZE;
                        r = write_all(fd, buf, n);
                        if (r < 0)
                                return r;
                        moved += n;
                }
                r = read_all(fd, &be, sizeof(be));
                if (r < 0)
                        return r;
                if (be64toh(be) != o->bytes)
                        return -EPROTO;
        } else {
                for (;;) {
                        ssize_t k = read(fd, buf, STREAM_BUFFER_SIZE);
                        if (k < 0) {
                                if (errno == EINTR)
                                        continue;
                                return negative_errno();
                        }
                        if (k == 0)
                                break;
                        moved += (uint64_t)k;
                }
                if (moved != o->bytes)
                        return -EPROTO;
        }
        end = now_ns();

        double seconds = (double)(end - start) / 1e9;
        printf("{\"mode\": \"stream\", \"direction\": \"%s\", \"bytes\": %llu, \"seconds\": %.6f, "
               "\"bytes_per_second\": %.0f}\n",
               o->up ? "up" : "down", (unsigned long long)o->bytes, seconds, (double)o->bytes / seconds);
        return 0;
}

/* --- rate and idle: many clients on one epoll set --------------------------------------------- */

typedef enum ClientState {
        CLIENT_OFF,
        CLIENT_CONNECTING,
        CLIENT_GREETING,     /* waiting for the method selection (2 bytes) */
        CLIENT_CONNECT_HEAD, /* waiting for the CONNECT reply's first 4 bytes */
        CLIENT_CONNECT_ADDR, /* waiting for its bound address and port */
        CLIENT_REPLY,        /* waiting for the target's reply */
        CLIENT_HELD,         /* idle mode: established, held open */
} ClientState;

typedef struct Client {
        int fd;
        ClientState state;
        uint64_t started;
        size_t got, need;
        uint8_t buf[32];
} Client;

typedef struct Load {
        const LoadOptions *options;
        int epoll_fd;
        Client *clients;
        size_t n_clients;
        uint64_t reply; /* bytes the target replies with */
        uint8_t request[BENCH_HEADER_SIZE];
        /* rate */
        uint64_t measure_from, measure_until;
        uint64_t *latencies;
        size_t n_latencies, allocated;
        /* idle */
        size_t started, in_flight, held, closed_early;
        uint64_t errors;
        int error_example;
        uint64_t sockets; /* made so far: picks the source address (--bind-count) */
} Load;

static void client_stop(Client *c)
{
        c->fd = safe_close(c->fd);
        c->state = CLIENT_OFF;
}

static int client_send(Client *c, const void *buf, size_t n)
{
        /* Small messages on a fresh socket: a short write would mean a broken socket. */
        ssize_t k = send(c->fd, buf, n, MSG_NOSIGNAL);
        if (k < 0)
                return negative_errno();
        return (size_t)k == n ? 0 : -EIO;
}

static void client_expect(Client *c, ClientState state, size_t need)
{
        c->state = state;
        c->got = 0;
        c->need = need;
}

static int client_connected(Load *l, Client *c)
{
        int r;

        if (l->options->socks) {
                r = client_send(c, socks_greeting, sizeof(socks_greeting));
                if (r < 0)
                        return r;
                client_expect(c, CLIENT_GREETING, 2);
                return 0;
        }
        r = client_send(c, l->request, sizeof(l->request));
        if (r < 0)
                return r;
        client_expect(c, CLIENT_REPLY, l->reply);
        return 0;
}

static int client_start(Load *l, Client *c)
{
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET};

        c->started = now_ns();
        c->fd = load_socket(l->options, SOCK_NONBLOCK, l->sockets++);
        if (c->fd < 0)
                return c->fd;
        ev.data.u32 = (uint32_t)(c - l->clients);
        if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
                return negative_errno();
        if (connect(c->fd, (const struct sockaddr *)&l->options->connect_addr,
                    sizeof(l->options->connect_addr)) < 0) {
                if (errno != EINPROGRESS)
                        return negative_errno();
                c->state = CLIENT_CONNECTING;
                return 0;
        }
        return client_connected(l, c);
}

/* A full message has arrived in state c->state; send the next one. 1 when the cycle is done. */
static int client_advance(Load *l, Client *c)
{
        uint8_t req[10];
        int r;

        switch (c->state) {
        case CLIENT_GREETING:
                if (c->buf[0] != SOCKS_VERSION || c->buf[1] != SOCKS_METHOD_NONE)
                        return -EBADMSG;
                socks_build_connect(req, &l->options->target_addr);
                r = client_send(c, req, sizeof(req));
                if (r < 0)
                        return r;
                client_expect(c, CLIENT_CONNECT_HEAD, 4);
                return 0;
        case CLIENT_CONNECT_HEAD:
                r = socks_reply_rest(c->buf);
                if (r < 0)
                        return r;
                client_expect(c, CLIENT_CONNECT_ADDR, (size_t)r);
                return 0;
        case CLIENT_CONNECT_ADDR:
                r = client_send(c, l->request, sizeof(l->request));
                if (r < 0)
                        return r;
                client_expect(c, CLIENT_REPLY, l->reply);
                return 0;
        case CLIENT_REPLY: return 1;
        default: return -EINVAL;
        }
}

/* Make what progress the socket allows. < 0 on failure, 1 when the cycle is done, else 0. */
static int client_event(Load *l, Client *c, uint32_t events)
{
        int r;

        if (c->state == CLIENT_CONNECTING) {
                int err = 0;
                socklen_t len = sizeof(err);

                if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
                        return 0;
                if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        return negative_errno();
                if (err != 0)
                        return -err;
                r = client_connected(l, c);
                if (r < 0)
                        return r;
        }
        if (c->state == CLIENT_HELD)
                return (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ? -ECONNRESET : 0;

        for (;;) {
                uint8_t scratch[4096];
                bool into_buf = c->state != CLIENT_REPLY;
                size_t want = c->need - c->got;
                ssize_t k;

                if (into_buf && want > sizeof(c->buf) - c->got)
                        return -EMSGSIZE;
                if (!into_buf && want > sizeof(scratch))
                        want = sizeof(scratch);
                k = read(c->fd, into_buf ? c->buf + c->got : scratch, want);
                if (k < 0) {
                        if (errno == EAGAIN)
                                return 0;
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        return -ECONNRESET;
                c->got += (size_t)k;
                if (c->got < c->need)
                        continue;
                r = client_advance(l, c);
                if (r != 0)
                        return r;
        }
}

static void load_error(Load *l, Client *c, int r)
{
        l->errors++;
        if (l->error_example == 0)
                l->error_example = r;
        client_stop(c);
}

static int load_record(Load *l, uint64_t latency)
{
        if (l->n_latencies == l->allocated) {
                size_t n = l->allocated ? l->allocated * 2 : 65536;
                uint64_t *p = realloc(l->latencies, n * sizeof(uint64_t));
                if (!p)
                        return -ENOMEM;
                l->latencies = p;
                l->allocated = n;
        }
        l->latencies[l->n_latencies++] = latency;
        return 0;
}

static int compare_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return (x > y) - (x < y);
}

static double percentile_us(const uint64_t *sorted, size_t n, double p)
{
        size_t rank;

        if (n == 0)
                return NAN;
        rank = (size_t)ceil(p * (double)n); /* nearest rank */
        if (rank < 1)
                rank = 1;
        return (double)sorted[rank - 1] / 1e3;
}

/* A number for JSON: no cycle finished means no percentile, null (printf's "nan" is no JSON). */
static void json_number(char *buf, size_t size, double v)
{
        if (isnan(v))
                snprintf(buf, size, "null");
        else
                snprintf(buf, size, "%.1f", v);
}

static int load_rate(Load *l)
{
        char p50[32], p99[32];
        const LoadOptions *o = l->options;
        struct epoll_event events[MAX_EVENTS];
        uint64_t start = now_ns();
        int r;

        l->measure_from = start + (uint64_t)(o->warmup * 1e9);
        l->measure_until = l->measure_from + (uint64_t)(o->seconds * 1e9);

        for (size_t i = 0; i < l->n_clients; i++) {
                r = client_start(l, &l->clients[i]);
                if (r < 0)
                        load_error(l, &l->clients[i], r);
        }

        for (;;) {
                uint64_t now = now_ns();
                int n;

                if (now >= l->measure_until)
                        break;
                n = epoll_wait(l->epoll_fd, events, MAX_EVENTS,
                               (int)((l->measure_until - now) / 1000000) + 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                for (int i = 0; i < n; i++) {
                        Client *c = &l->clients[events[i].data.u32];

                        if (c->state == CLIENT_OFF)
                                continue;
                        r = client_event(l, c, events[i].events);
                        if (r == 0)
                                continue;
                        if (r < 0)
                                load_error(l, c, r);
                        else {
                                client_stop(c);
                                now = now_ns();
                                if (now >= l->measure_from && now < l->measure_until) {
                                        r = load_record(l, now - c->started);
                                        if (r < 0)
                                                return r;
                                }
                        }
                }
                /* restart every client that finished or failed (also those failing at once) */
                for (size_t i = 0; i < l->n_clients; i++) {
                        Client *c = &l->clients[i];
                        if (c->state != CLIENT_OFF)
                                continue;
                        r = client_start(l, c);
                        if (r < 0)
                                load_error(l, c, r);
                }
        }

        qsort(l->latencies, l->n_latencies, sizeof(uint64_t), compare_u64);
        json_number(p50, sizeof(p50), percentile_us(l->latencies, l->n_latencies, 0.50));
        json_number(p99, sizeof(p99), percentile_us(l->latencies, l->n_latencies, 0.99));
        printf("{\"mode\": \"rate\", \"clients\": %zu, \"seconds\": %.3f, \"connections\": %zu, "
               "\"per_second\": %.1f, \"p50_us\": %s, \"p99_us\": %s, \"errors\": %llu, "
               "\"error\": \"%s\"}\n",
               l->n_clients, o->seconds, l->n_latencies, (double)l->n_latencies / o->seconds, p50, p99,
               (unsigned long long)l->errors, l->error_example ? strerror(-l->error_example) : "");
        return 0;
}

static void load_idle_fill(Load *l)
{
        while (l->in_flight < l->options->parallel) {
                Client *c = NULL;
                int r;

                if (l->started < l->n_clients)
                        c = &l->clients[l->started++];
                else
                        /* restart failed ones */
                        for (size_t i = 0; i < l->n_clients && !c; i++)
                                if (l->clients[i].state == CLIENT_OFF)
                                        c = &l->clients[i];
                if (!c)
                        return;
                r = client_start(l, c);
                if (r < 0) {
                        load_error(l, c, r);
                        if (r == -EMFILE || r == -ENFILE)
                                return;
                        continue;
                }
                l->in_flight++;
        }
}

static int load_idle(Load *l)
{
        const LoadOptions *o = l->options;
        struct epoll_event events[MAX_EVENTS];
        uint64_t start = now_ns(), deadline = start + (uint64_t)(o->timeout * 1e9);
        bool holding = false;

        load_idle_fill(l);
        for (;;) {
                int n;

                if (!holding && l->held == l->n_clients) {
                        holding = true;
                        printf("{\"mode\": \"idle\", \"established\": %zu, \"seconds\": %.3f, "
                               "\"errors\": %llu, \"error\": \"%s\"}\n",
                               l->held, (double)(now_ns() - start) / 1e9, (unsigned long long)l->errors,
                               l->error_example ? strerror(-l->error_example) : "");
                        fflush(stdout);
                }
                if (!holding && now_ns() >= deadline) {
                        printf("{\"mode\": \"idle\", \"established\": %zu, \"wanted\": %zu, \"timeout\": "
                               "true, "
                               "\"errors\": %llu, \"error\": \"%s\"}\n",
                               l->held, l->n_clients, (unsigned long long)l->errors,
                               l->error_example ? strerror(-l->error_example) : "");
                        return -ETIMEDOUT;
                }
                n = epoll_wait(l->epoll_fd, events, MAX_EVENTS, holding ? -1 : 100);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                for (int i = 0; i < n; i++) {
                        Client *c;
                        int r;

                        if (events[i].data.u32 == SIGNAL_TAG) {
                                printf("{\"mode\": \"idle\", \"held\": %zu, \"closed_early\": %zu}\n",
                                       l->held, l->closed_early);
                                return holding ? 0 : -EINTR;
                        }
                        c = &l->clients[events[i].data.u32];
                        if (c->state == CLIENT_OFF)
                                continue;
                        if (c->state == CLIENT_HELD) {
                                if (client_event(l, c, events[i].events) < 0) {
                                        l->held--;
                                        l->closed_early++;
                                        client_stop(c);
                                }
                                continue;
                        }
                        r = client_event(l, c, events[i].events);
                        if (r == 0)
                                continue;
                        l->in_flight--;
                        if (r < 0) {
                                load_error(l, c, r);
                                continue;
                        }
                        c->state = CLIENT_HELD;
                        l->held++;
                }
                if (!holding)
                        load_idle_fill(l);
        }
}

/* --- main --------------------------------------------------------------------------------- */

static void help(void)
{
        printf("proxy-load stream --connect ADDR:PORT [--socks TARGET:PORT] --up|--down --bytes N\n"
               "proxy-load rate   --connect ADDR:PORT [--socks TARGET:PORT] --clients C --seconds T\n"
               "                  [--warmup S] [--reply N]\n"
               "proxy-load idle   --connect ADDR:PORT [--socks TARGET:PORT] --count N [--parallel K]\n"
               "                  [--timeout S]\n\n"
               "Every mode also takes --bind ADDR [--bind-count N] (the clients' source address;\n"
               "with N, successive connections take ADDR .. ADDR+N-1 in turn).\n\n"
               "The client end of the proxy benchmark; talks to proxy-target directly, through a\n"
               "relay, or through a SOCKS5 proxy (--socks). Prints one line of JSON per result.\n");
}

static int parse_options(int argc, char *argv[], LoadOptions *o)
{
        enum { ARG_UP = 0x100, ARG_DOWN };
        static const struct option options[] = {
                {"connect", required_argument, NULL, 'c'},  {"socks", required_argument, NULL, 's'},
                {"bind", required_argument, NULL, 'B'},     {"bind-count", required_argument, NULL, 'N'},
                {"up", no_argument, NULL, ARG_UP},          {"down", no_argument, NULL, ARG_DOWN},
                {"bytes", required_argument, NULL, 'b'},    {"clients", required_argument, NULL, 'C'},
                {"seconds", required_argument, NULL, 't'},  {"warmup", required_argument, NULL, 'w'},
                {"reply", required_argument, NULL, 'r'},    {"count", required_argument, NULL, 'n'},
                {"parallel", required_argument, NULL, 'p'}, {"timeout", required_argument, NULL, 'T'},
                {"help", no_argument, NULL, 'h'},           {},
        };
        bool have_connect = false;
        int c, r = 0;

        if (argc < 2) {
                help();
                return -EINVAL;
        }
        if (streq(argv[1], "stream"))
                o->mode = LOAD_STREAM;
        else if (streq(argv[1], "rate"))
                o->mode = LOAD_RATE;
        else if (streq(argv[1], "idle"))
                o->mode = LOAD_IDLE;
        else if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
                help();
                return 0;
        } else {
                fprintf(stderr, "proxy-load: Failed to parse mode '%s': not stream, rate or idle\n",
                        argv[1]);
                return -EINVAL;
        }

        optind = 2;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        r = parse_ipv4_port(optarg, &o->connect_addr);
                        have_connect = true;
                        break;
                case 'B':
                        r = inet_pton(AF_INET, optarg, &o->bind_addr.sin_addr) == 1 ? 0 : -EINVAL;
                        o->bind_addr.sin_family = AF_INET;
                        o->bind = true;
                        break;
                case 'N':
                        r = parse_size(optarg, &o->bind_count);
                        if (r >= 0 && (o->bind_count == 0 || o->bind_count > 65536))
                                r = -ERANGE;
                        break;
                case 's':
                        r = parse_ipv4_port(optarg, &o->target_addr);
                        o->socks = true;
                        break;
                case ARG_UP: o->up = true; break;
                case ARG_DOWN: o->down = true; break;
                case 'b': r = parse_size(optarg, &o->bytes); break;
                case 'C': r = parse_size(optarg, &o->clients); break;
                case 't': r = parse_seconds(optarg, &o->seconds); break;
                case 'w':
                        r = streq(optarg, "0") ? (o->warmup = 0, 0) : parse_seconds(optarg, &o->warmup);
                        break;
                case 'r': r = parse_size(optarg, &o->reply); break;
                case 'n': r = parse_size(optarg, &o->count); break;
                case 'p': r = parse_size(optarg, &o->parallel); break;
                case 'T': r = parse_seconds(optarg, &o->timeout); break;
                case 'h': help(); return 0;
                default: return -EINVAL;
                }
                if (r < 0) {
                        fprintf(stderr, "proxy-load: Failed to parse argument '%s': %s\n", optarg,
                                strerror(-r));
                        return r;
                }
        }
        if (optind != argc || !have_connect) {
                fprintf(stderr,
                        "proxy-load: --connect is required; no positional arguments after the mode\n");
                return -EINVAL;
        }
        switch (o->mode) {
        case LOAD_STREAM:
                if (o->up == o->down || o->bytes == 0) {
                        fprintf(stderr, "proxy-load: stream needs one of --up/--down and --bytes > 0\n");
                        return -EINVAL;
                }
                break;
        case LOAD_RATE:
                if (o->clients == 0 || o->clients > 100000 || o->seconds == 0 || o->reply == 0 ||
                    o->reply > (1 << 20)) {
                        fprintf(stderr,
                                "proxy-load: rate needs --clients 1..100000, --seconds, --reply 1..1M\n");
                        return -EINVAL;
                }
                break;
        case LOAD_IDLE:
                if (o->count == 0 || o->count > 1000000 || o->parallel == 0) {
                        fprintf(stderr, "proxy-load: idle needs --count 1..1000000 and --parallel > 0\n");
                        return -EINVAL;
                }
                break;
        }
        return 1;
}

int main(int argc, char *argv[])
{
        LoadOptions o = {
                .seconds = 3,
                .warmup = 0.5,
                .reply = 64,
                .clients = 1,
                .parallel = 64,
                .timeout = 60,
                .bind_count = 1,
        };
        _cleanup_close_ int epoll_fd = -EBADF, signal_fd = -EBADF;
        _cleanup_free_ Client *clients = NULL;
        _cleanup_free_ uint64_t *latencies = NULL;
        uint64_t limit;
        sigset_t mask;
        int r;

        r = parse_options(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        signal(SIGPIPE, SIG_IGN);
        limit = raise_nofile_limit();

        if (o.mode == LOAD_STREAM) {
                r = load_stream(&o);
                if (r < 0) {
                        fprintf(stderr, "proxy-load: Failed to stream %llu bytes %s: %s\n",
                                (unsigned long long)o.bytes, o.up ? "up" : "down", strerror(-r));
                        return 1;
                }
                return 0;
        }

        size_t n = o.mode == LOAD_RATE ? (size_t)o.clients : (size_t)o.count;
        if (n + 16 > limit) {
                fprintf(stderr, "proxy-load: Failed to plan %zu connections: RLIMIT_NOFILE is %llu\n", n,
                        (unsigned long long)limit);
                return 1;
        }
        clients = calloc(n, sizeof(Client));
        epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (!clients || epoll_fd < 0) {
                fprintf(stderr, "proxy-load: Failed to set up: %m\n");
                return 1;
        }
        for (size_t i = 0; i < n; i++)
                clients[i].fd = -EBADF;

        Load l = {
                .options = &o,
                .epoll_fd = epoll_fd,
                .clients = clients,
                .n_clients = n,
                .reply = o.mode == LOAD_IDLE ? 1 : o.reply,
        };
        bench_header_build(l.request, BENCH_COMMAND_REPLY, l.reply);

        if (o.mode == LOAD_RATE) {
                r = load_rate(&l);
                latencies = l.latencies;
                for (size_t i = 0; i < n; i++)
                        client_stop(&clients[i]);
                if (r < 0) {
                        fprintf(stderr, "proxy-load: Failed to run the rate test: %s\n", strerror(-r));
                        return 1;
                }
                return 0;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
            (signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
            epoll_ctl(epoll_fd, EPOLL_CTL_ADD, signal_fd,
                      &(struct epoll_event){.events = EPOLLIN, .data.u32 = SIGNAL_TAG}) < 0) {
                fprintf(stderr, "proxy-load: Failed to set up the signal fd: %m\n");
                return 1;
        }
        r = load_idle(&l);
        for (size_t i = 0; i < n; i++)
                client_stop(&clients[i]);
        if (r < 0) {
                fprintf(stderr, "proxy-load: Failed to hold %zu idle connections: %s\n", n, strerror(-r));
                return 1;
        }
        return 0;
}
