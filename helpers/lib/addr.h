/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * addr.h: IPv4 subnets of the veth pairs, as pure functions.
 *
 * A Subnet is a network address in host byte order plus a prefix length. The veth
 * pair of an instance lives in a /30 (host side: first usable address, namespace:
 * second) or a /31 (RFC 3021: host side the lower address, namespace the upper).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

typedef struct Subnet {
        uint32_t network; /* host byte order, host bits zero */
        unsigned prefix;  /* 0..32 */
} Subnet;

#define SUBNET_STRLEN sizeof("255.255.255.255/32")
#define IPV4_STRLEN   sizeof("255.255.255.255")

/* Parse dotted quad, strictly (no shorthand, no leading garbage). */
int ipv4_parse(const char *s, uint32_t *ret);
void ipv4_format(uint32_t a, char buf[static IPV4_STRLEN]);

/*
 * Parse "A.B.C.D/N". -EINVAL on syntax, -EDOM if host bits are set (the caller names
 * the network that was probably meant).
 */
int subnet_parse(const char *s, Subnet *ret);
void subnet_format(const Subnet *s, char buf[static SUBNET_STRLEN]);

uint32_t subnet_mask(unsigned prefix);
uint32_t subnet_size(const Subnet *s); /* 2^(32-prefix), saturating at UINT32_MAX for /0 */
bool subnet_contains(const Subnet *outer, uint32_t addr);
bool subnet_overlaps(const Subnet *a, const Subnet *b);

/* Addresses of the veth ends; only meaningful for /30 and /31. */
uint32_t subnet_host_address(const Subnet *s);
uint32_t subnet_namespace_address(const Subnet *s);

/* Ranges a veth subnet must not come from, with the reason, or NULL when fine. */
const char *subnet_forbidden_reason(const Subnet *s);
