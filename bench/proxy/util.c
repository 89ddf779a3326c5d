/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util.c: the shared bits of the proxy benchmark's tools (see util.h): the header of
 * the client/target protocol, strict argument parsing, the clock, blocking I/O.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void bench_header_build(uint8_t buf[static BENCH_HEADER_SIZE], BenchCommand command, uint64_t length)
{
        uint64_t be = htobe64(length);

        memset(buf, 0, BENCH_HEADER_SIZE);
        buf[0] = (uint8_t)command;
        memcpy(buf + 8, &be, sizeof(be));
}

int bench_header_parse(const uint8_t buf[static BENCH_HEADER_SIZE], BenchCommand *ret_command,
                       uint64_t *ret_length)
{
        uint64_t be;

        switch (buf[0]) {
        case BENCH_COMMAND_SINK:
        case BENCH_COMMAND_GIVE:
        case BENCH_COMMAND_REPLY:
        case BENCH_COMMAND_ECHO: break;
        default: return -EBADMSG;
        }
        memcpy(&be, buf + 8, sizeof(be));
        *ret_command = (BenchCommand)buf[0];
        *ret_length = be64toh(be);
        return 0;
}

static int parse_u64(const char *s, char **ret_end, uint64_t *ret)
{
        unsigned long long v;
        char *end = NULL;

        if (!s || !(*s >= '0' && *s <= '9'))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0)
                return -errno;
        *ret_end = end;
        *ret = v;
        return 0;
}

int parse_ipv4_port(const char *s, struct sockaddr_in *ret)
{
        const char *colon = strrchr(s, ':');
        char host[INET_ADDRSTRLEN];
        uint64_t port = 0;
        char *end = NULL;
        int r;

        if (!colon || (size_t)(colon - s) >= sizeof(host))
                return -EINVAL;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        r = parse_u64(colon + 1, &end, &port);
        if (r < 0)
                return r;
        if (*end != '\0' || port == 0 || port > 65535)
                return -EINVAL;
        *ret = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        if (inet_pton(AF_INET, host, &ret->sin_addr) != 1)
                return -EINVAL;
        return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
        uint64_t v = 0, mult = 1;
        char *end = NULL;
        int r;

        r = parse_u64(s, &end, &v);
        if (r < 0)
                return r;
        switch (*end) {
        case '\0': break;
        case 'K': mult = UINT64_C(1) << 10; break;
        case 'M': mult = UINT64_C(1) << 20; break;
        case 'G': mult = UINT64_C(1) << 30; break;
        default: return -EINVAL;
        }
        if (*end != '\0' && end[1] != '\0')
                return -EINVAL;
        if (v > UINT64_MAX / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

int parse_seconds(const char *s, double *ret)
{
        char *end = NULL;
        double v;

        if (!s || !(*s >= '0' && *s <= '9'))
                return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (errno != 0)
                return -errno;
        if (*end != '\0' || !isfinite(v) || v <= 0 || v > 3600)
                return -EINVAL;
        *ret = v;
        return 0;
}

uint64_t now_ns(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

uint64_t raise_nofile_limit(void)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return 1024;
        if (rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
                (void)getrlimit(RLIMIT_NOFILE, &rl);
        }
        return rl.rlim_cur == RLIM_INFINITY ? UINT64_C(1) << 20 : (uint64_t)rl.rlim_cur;
}

int write_all(int fd, const void *buf, size_t n)
{
        const uint8_t *p = buf;

        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        return -EPIPE;
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

int read_all(int fd, void *buf, size_t n)
{
        uint8_t *p = buf;

        while (n > 0) {
                ssize_t k = read(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        return -ECONNRESET;
                p += k;
                n -= (size_t)k;
        }
        return 0;
}
