/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util.h: what proxy-load and proxy-target share: the tiny wire protocol between the
 * load generator and the target server, argument parsing and the clock.
 *
 * The protocol is one 16-byte header sent by the client as the first bytes the target
 * sees (after the proxy, if any, has connected): a command byte, 7 bytes of padding and
 * a 64-bit big-endian length. One target port thus serves every benchmark mode, and
 * the same bytes go through any proxy or relay unchanged.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <string.h>

#include "macro.h"

#define BENCH_HEADER_SIZE 16

#define streq(a, b) (strcmp((a), (b)) == 0)

typedef enum BenchCommand {
        /* The client sends `length` bytes; once they have all arrived the target replies
         * with the number of bytes it got (8 bytes, big-endian). No half-close is needed
         * (microsocks, for one, closes both ways at the first EOF). */
        BENCH_COMMAND_SINK = 'S',
        /* The target sends `length` bytes, then closes. */
        BENCH_COMMAND_GIVE = 'G',
        /* The target sends `length` bytes, then waits for the client to close. */
        BENCH_COMMAND_REPLY = 'R',
        /* The target sends back every byte it gets after the header, until the client
         * closes (`length` is ignored): the echo of bench/proxy/callgrind.py. */
        BENCH_COMMAND_ECHO = 'E',
} BenchCommand;

void bench_header_build(uint8_t buf[static BENCH_HEADER_SIZE], BenchCommand command, uint64_t length);
int bench_header_parse(const uint8_t buf[static BENCH_HEADER_SIZE], BenchCommand *ret_command,
                       uint64_t *ret_length);

/* "A.B.C.D:PORT", IPv4 only (the benchmark runs on 127.0.0.1). */
int parse_ipv4_port(const char *s, struct sockaddr_in *ret);
/* A decimal number, optionally followed by K, M or G (powers of 1024). */
int parse_size(const char *s, uint64_t *ret);
/* A decimal number of seconds, fractions allowed, > 0 and <= 3600. */
int parse_seconds(const char *s, double *ret);

uint64_t now_ns(void);

/* Raise the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit. */
uint64_t raise_nofile_limit(void);

/* Blocking I/O of exactly n bytes; -EPIPE (write) or -ECONNRESET (read) on early EOF. */
int write_all(int fd, const void *buf, size_t n);
int read_all(int fd, void *buf, size_t n);
