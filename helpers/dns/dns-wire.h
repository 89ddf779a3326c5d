/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dns-wire.h: the DNS wire format (RFC 1035) at its lowest level: constants, names,
 * and a bounded writer.
 *
 * A name is kept in its uncompressed wire form (length-prefixed labels ending with the
 * root label), as read from a message with every compression pointer followed. Keeping
 * names in that one form makes comparison, suffix tests and renaming plain byte work,
 * and writing a message never copies a pointer that would be wrong in its new place.
 * Case is kept as read (a client may randomise it, "0x20" style, and expects it back);
 * comparisons ignore ASCII case, as RFC 4343 says. Nothing here allocates or does I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_SIZE 12
#define DNS_NAME_MAX    255 /* wire form, root label included */
#define DNS_LABEL_MAX   63
#define DNS_UDP_MIN     512   /* what a client without EDNS0 can take */
#define DNS_UDP_MAX     4096  /* the most we send over UDP, whatever EDNS0 offers */
#define DNS_EDNS_SIZE   1232  /* what we announce (the DNS flag day 2020 value) */
#define DNS_TCP_MAX     65535 /* a message over TCP, after its two length bytes */
/* Presentation form of a name, every byte escaped as \DDD at worst. */
#define DNS_NAME_STRLEN (DNS_NAME_MAX * 4 + 1)

enum {
        DNS_TYPE_A = 1,
        DNS_TYPE_NS = 2,
        DNS_TYPE_CNAME = 5,
        DNS_TYPE_SOA = 6,
        DNS_TYPE_PTR = 12,
        DNS_TYPE_MX = 15,
        DNS_TYPE_TXT = 16,
        DNS_TYPE_AAAA = 28,
        DNS_TYPE_SRV = 33,
        DNS_TYPE_DNAME = 39,
        DNS_TYPE_OPT = 41,
        DNS_TYPE_IXFR = 251,
        DNS_TYPE_AXFR = 252,
        DNS_TYPE_MAILB = 253,
        DNS_TYPE_MAILA = 254,
        DNS_TYPE_ANY = 255,
};

enum {
        DNS_CLASS_IN = 1,
        DNS_CLASS_ANY = 255,
};

enum {
        DNS_RCODE_NOERROR = 0,
        DNS_RCODE_FORMERR = 1,
        DNS_RCODE_SERVFAIL = 2,
        DNS_RCODE_NXDOMAIN = 3,
        DNS_RCODE_NOTIMP = 4,
        DNS_RCODE_REFUSED = 5,
        DNS_RCODE_BADVERS = 16, /* extended (EDNS0): upper 8 bits in the OPT record */
};

/* Header flag bits (the 16 bits after the ID). */
#define DNS_FLAG_QR          0x8000u
#define DNS_FLAG_OPCODE_MASK 0x7800u
#define DNS_FLAG_AA          0x0400u
#define DNS_FLAG_TC          0x0200u
#define DNS_FLAG_RD          0x0100u
#define DNS_FLAG_RA          0x0080u
#define DNS_FLAG_AD          0x0020u
#define DNS_FLAG_CD          0x0010u
#define DNS_FLAG_RCODE_MASK  0x000fu
#define DNS_OPCODE_QUERY     0

/* EDNS0 OPT TTL field: the DO bit. */
#define DNS_EDNS_DO 0x8000u

typedef struct DnsName {
        uint8_t len; /* bytes in wire, root label included: 1..255 */
        uint8_t wire[DNS_NAME_MAX];
} DnsName;

static inline uint16_t dns_get_u16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dns_get_u32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Read the name at *offset of msg, following compression pointers (each must point
 * before the label that holds it, so there are no loops), and move *offset past the
 * name as it is written there. -EBADMSG when it runs past the message, uses the
 * reserved label types, or is longer than 255 bytes uncompressed.
 */
int dns_name_read(const uint8_t *msg, size_t size, size_t *offset, DnsName *ret);

/* "host.example" or "host.example." (no escapes) into wire form; "." or "" is the root.
 * -EINVAL for an empty label or one over 63 bytes, -ENAMETOOLONG over 255. */
int dns_name_from_string(const char *s, DnsName *ret);
/* Presentation form with a trailing dot; bytes outside [A-Za-z0-9_-] escaped as \DDD. */
void dns_name_to_string(const DnsName *n, char buf[static DNS_NAME_STRLEN]);

/* Equal, ignoring ASCII case. */
bool dns_name_equal(const DnsName *a, const DnsName *b);
/* Lowercase ASCII letters in place (the cache key form). */
void dns_name_lowercase(DnsName *n);
/* Number of labels, the root not counted. */
unsigned dns_name_count_labels(const DnsName *n);

/*
 * Is name equal to suffix or under it (whole labels, ignoring case)? Then true, and
 * *ret_prefix_len is the number of wire bytes of the labels in front of suffix (0 when
 * equal).
 */
bool dns_name_has_suffix(const DnsName *name, const DnsName *suffix, size_t *ret_prefix_len);

/* The first prefix_len bytes of name (whole labels), then new_suffix. -ENAMETOOLONG. */
int dns_name_replace_suffix(const DnsName *name, size_t prefix_len, const DnsName *new_suffix, DnsName *ret);

/*
 * A writer over a fixed buffer. Writes past the end set overflow and write nothing;
 * callers check overflow once after a record and roll back to a mark, so a message is
 * cut at whole records.
 */
typedef struct DnsWriter {
        uint8_t *buf;
        size_t size; /* the limit: buffer size, or less for a client's UDP size */
        size_t len;
        bool overflow;
} DnsWriter;

static inline void dns_writer_init(DnsWriter *w, uint8_t *buf, size_t size)
{
        *w = (DnsWriter){.buf = buf, .size = size};
}

void dns_put_bytes(DnsWriter *w, const void *p, size_t n);
void dns_put_u8(DnsWriter *w, uint8_t v);
void dns_put_u16(DnsWriter *w, uint16_t v);
void dns_put_u32(DnsWriter *w, uint32_t v);
void dns_put_name(DnsWriter *w, const DnsName *n);
/* Overwrite 2 bytes already written at offset. */
void dns_patch_u16(DnsWriter *w, size_t offset, uint16_t v);
