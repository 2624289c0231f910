/*
 * mh — the Mobility Header (RFC 6275 6.1) and mobility options (6.2).
 *
 * Contract: mh_parse() decodes the eight messages and every option from a
 * byte range without modifying it or reading outside it; each violation of
 * MH-01..09 / OPT-01..06 is recorded as a diagnostic with its offset, and
 * the return value is the first of them (0 when the message is valid).
 * The checksum is not part of mh_parse(), because it needs the addresses of
 * the pseudo-header (HAO home address as source, RH2 address as destination,
 * MH-03): use mh_checksum() / mh_verify_checksum().
 * mh_build() lays a message out with the alignment rules of each option
 * (OPT-03), Pad1/PadN between them, the total padded to 8 octets and Header
 * Len in 8-octet units minus one; the checksum is left 0 for mh_set_checksum().
 * Options in struct mh_msg point into the parsed buffer: keep it alive.
 */
#ifndef MIP6SEC_MH_H
#define MIP6SEC_MH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/m6_err.h"

enum mh_type {
	MH_BRR = 0,
	MH_HOTI = 1,
	MH_COTI = 2,
	MH_HOT = 3,
	MH_COT = 4,
	MH_BU = 5,
	MH_BA = 6,
	MH_BE = 7,
	MH_TYPE_COUNT = 8,
};

enum mh_opt_type {
	MHO_PAD1 = 0,
	MHO_PADN = 1,
	MHO_BRA = 2,       /* Binding Refresh Advice, 2n, len 2 */
	MHO_ACOA = 3,      /* Alternate Care-of Address, 8n+6, len 16 */
	MHO_NI = 4,        /* Nonce Indices, 2n, len 4 */
	MHO_BAD = 5,       /* Binding Authorization Data, 8n+2, len 12, last */
};

/* BU flags (16-bit field after the sequence number, MH-07) */
#define MH_BU_A 0x8000
#define MH_BU_H 0x4000
#define MH_BU_L 0x2000
#define MH_BU_K 0x1000
/* BA flags octet (MH-08) */
#define MH_BA_K 0x80

/* BA status codes (RFC 6275 6.1.8) */
enum mh_ba_status {
	MH_BA_ACCEPTED = 0,
	MH_BA_ACCEPTED_NEED_PREFIX_DISC = 1,
	MH_BA_REASON_UNSPECIFIED = 128,
	MH_BA_ADMIN_PROHIBITED = 129,
	MH_BA_INSUFFICIENT_RESOURCES = 130,
	MH_BA_HOME_REG_NOT_SUPPORTED = 131,
	MH_BA_NOT_HOME_SUBNET = 132,
	MH_BA_NOT_HOME_AGENT = 133,
	MH_BA_DAD_FAILED = 134,
	MH_BA_SEQ_OUT_OF_WINDOW = 135,
	MH_BA_EXPIRED_HOME_NONCE = 136,
	MH_BA_EXPIRED_COA_NONCE = 137,
	MH_BA_EXPIRED_NONCES = 138,
	MH_BA_REG_TYPE_CHANGE = 139,
	MH_BA_INVALID_COA = 174,
};

enum mh_be_status {
	MH_BE_UNKNOWN_BINDING = 1,
	MH_BE_UNKNOWN_MH_TYPE = 2,
};

#define MH_HDR_LEN 6        /* Payload Proto, Header Len, MH Type, Reserved, Checksum */
#define MH_OPT_MAX 32
#define MH_COOKIE_LEN 8
#define MH_BAD_LEN 12       /* 96-bit authenticator (RFC 6275 5.2.6) */

struct mh_opt {
	uint8_t type;
	uint8_t len;            /* Option Length: octets after the Type and Length */
	uint16_t off;           /* offset of the Type octet within the MH */
	const uint8_t *data;
};

struct mh_msg {
	uint8_t proto;          /* Payload Proto (59) */
	uint8_t hlen;           /* Header Len field */
	uint8_t type;
	uint8_t reserved;
	uint16_t checksum;
	size_t len;             /* (hlen + 1) * 8, or the bytes present if shorter */
	/* message data, meaningful per type */
	uint16_t seq;           /* BU, BA */
	uint16_t flags;         /* BU: 16-bit A|H|L|K field; BA: K octet in the low byte */
	uint16_t lifetime;      /* BU, BA: units of 4 s */
	uint8_t status;         /* BA, BE */
	uint8_t hoa[16];        /* BE */
	uint16_t nonce_index;   /* HoT, CoT */
	uint8_t cookie[MH_COOKIE_LEN];   /* HoTI, CoTI, HoT, CoT */
	uint8_t token[MH_COOKIE_LEN];    /* HoT, CoT */
	unsigned n_opts;        /* real options (Pad1/PadN are not listed) */
	struct mh_opt opts[MH_OPT_MAX];
};

/* Octets of message data (after the 6-octet header) for a type; 0 if unknown. */
size_t mh_fixed_len(uint8_t type);
/* Smallest valid Header Len for a type (MH-02/MH-05), -1 if unknown. */
int mh_min_hlen(uint8_t type);
const char *mh_type_name(uint8_t type);      /* "BU", ... or NULL */
const char *mh_opt_name(uint8_t type);       /* "ACoA", ... or NULL */
const char *mh_ba_status_text(uint8_t status);

/* Parse an MH at [p, p+len); diagnostics offsets are base + offset in MH. */
int mh_parse(const uint8_t *p, size_t len, struct mh_msg *m, struct m6_diags *ds, size_t base);
/* Find the first option of a type, or NULL. */
const struct mh_opt *mh_find_opt(const struct mh_msg *m, uint8_t type);

/* Lay out m (type, fixed fields, opts[] with type/len/data) into out.
 * Sets *outlen; Payload Proto is m->proto (callers set 59). */
int mh_build(const struct mh_msg *m, uint8_t *out, size_t cap, size_t *outlen);

uint16_t mh_checksum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *mh, size_t len);
void mh_set_checksum(uint8_t *mh, size_t len, const uint8_t src[16], const uint8_t dst[16]);
bool mh_verify_checksum(const uint8_t *mh, size_t len, const uint8_t src[16], const uint8_t dst[16]);

/* BU-02: seq is newer than last iff (seq - last) mod 2^16 is in [1, 32767]. */
bool mh_seq_newer(uint16_t seq, uint16_t last);
/* Lifetime in seconds <-> the 16-bit field in 4-second units (MH-07). */
uint16_t mh_lifetime_units(uint32_t seconds);
static inline uint32_t mh_lifetime_seconds(uint16_t units) { return (uint32_t)units * 4; }

#endif
