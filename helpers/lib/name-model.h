/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * name-model.h: the one naming model of tsproxy, shared by tsproxy-dns (which answers
 * the names), tsproxy-socks and tsproxy-relay (which resolve them as targets), so that a
 * name handed out by the DNS server works through the proxy of the same instance.
 *
 * Under the instance's Domain= D (e.g. "fgpu"):
 *   A.B.C.D.D and A-B-C-D.D    the IPv4 address A.B.C.D (each part decimal 0..255)
 *   X-X-...-X.D (one label)    the IPv6 address with ':' written as '-'
 *                              ("fd7a-115c-a1e0--1.fgpu" is fd7a:115c:a1e0::1)
 *   D itself                   no address (DNS: its SOA)
 *   any other NAME.D           NAME.T asked of the tailnet's MagicDNS, T its suffix
 * Outside D:
 *   a bare name (no dot)       NAME.T asked of MagicDNS, when T is known (MagicDNS
 *                              answers fully qualified names only)
 *   NAME.T                     asked of MagicDNS as it is
 *   anything else              resolved as given (the proxies), REFUSED (tsproxy-dns)
 * Names compare case-insensitively; one trailing dot is ignored.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define NAME_MODEL_NAME_MAX 253

typedef enum NameKind {
        NAME_KIND_ADDRESS,  /* family and address are set */
        NAME_KIND_DOMAIN,   /* Domain= itself: no address */
        NAME_KIND_MAGICDNS, /* ask the tailnet's MagicDNS for `name` (fully qualified) */
        NAME_KIND_OTHER,    /* resolve `name` as given */
} NameKind;

typedef struct NameTarget {
        NameKind kind;
        int family;                         /* AF_INET or AF_INET6, for NAME_KIND_ADDRESS */
        uint8_t address[16];                /* network byte order: 4 or 16 bytes */
        char name[NAME_MODEL_NAME_MAX + 1]; /* lowercase, no trailing dot (MAGICDNS, OTHER) */
} NameTarget;

/* One label of a name, as bytes (DNS wire labels may hold any byte). */
typedef struct NameLabel {
        const uint8_t *p;
        size_t n;
} NameLabel;

/* The address the labels write: four labels A.B.C.D, or one label A-B-C-D (AF_INET), or
 * one label of hex digits and dashes (AF_INET6). 0, or -EINVAL when they write none. */
int name_model_address(const NameLabel *labels, size_t n_labels, int *ret_family, uint8_t ret_address[16]);

/*
 * Classify `name` under domain (Domain=; NULL or "": none) and tailnet_domain (the
 * MagicDNS suffix; NULL or "": unknown). 0; -EINVAL for an empty or malformed name (an
 * empty label, a label over 63 bytes); -ENAMETOOLONG when NAME.T would exceed 253 bytes;
 * -ENXIO for NAME.D while the MagicDNS suffix is unknown (nothing to ask).
 */
int name_model_classify(const char *name, const char *domain, const char *tailnet_domain, NameTarget *ret);

/* A domain as Domain= and TailnetDomain= (and their options and the learned MagicDNS
 * suffix) take it: labels of letters, digits, '-' and '_', 1..63 bytes each, dots
 * between them, 253 bytes in all, an optional final dot; not the root. ret: lowercase,
 * without the final dot. 0, -EINVAL or -ENAMETOOLONG. */
int name_model_domain(const char *s, char ret[static NAME_MODEL_NAME_MAX + 1]);
