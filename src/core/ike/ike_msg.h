/*
 * ike_msg — the IKEv2 header and payload chain (RFC 7296 3.1-3.2), parse and build.
 *
 * Contract: ike_msg_parse() decodes the 28-octet header and walks the chain
 * of generic payload headers over a caller-owned byte range without
 * modifying it, reading outside it or allocating. Every known payload's body
 * is checked in depth (ike_payload.h); each fault is recorded as a
 * diagnostic with its offset and the return value is the first of them (0
 * when the message is valid). Payload descriptors point into the buffer:
 * keep it alive. An SK or SKF payload ends the walk (it MUST be last); its
 * Next Payload is the first inner payload, parsed after decryption by
 * ike_msg_parse_inner(), which appends to the same list. Unknown payloads
 * without the critical bit are listed and skipped (IKE-05).
 * The writer (struct ike_wr) lays out a header and payloads into a
 * caller-owned buffer, chaining Next Payload fields and filling every
 * length; the first overflow sticks in w->err, so callers check once at
 * ike_wr_finish().
 */
#ifndef MIP6SEC_IKE_MSG_H
#define MIP6SEC_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_const.h"
#include "../util/m6_err.h"

#define IKE_PL_MAX 64

struct ike_hdr {
	uint8_t spi_i[IKE_SPI_LEN];
	uint8_t spi_r[IKE_SPI_LEN];
	uint8_t np;             /* Next Payload: the first payload's type */
	uint8_t version;        /* MjVer << 4 | MnVer; 0x20 on send */
	uint8_t exchange;
	uint8_t flags;          /* IKE_FLAG_I | IKE_FLAG_R | IKE_FLAG_V */
	uint32_t msgid;
	uint32_t length;        /* Length field, octets of the whole message */
};

struct ike_pl {
	uint8_t type;
	uint8_t np;             /* Next Payload field as received */
	bool critical;
	bool known;             /* a type this codec decodes */
	bool inner;             /* inside the SK payload (ike_msg_parse_inner) */
	uint32_t off;           /* generic header offset within the parsed range */
	uint16_t len;           /* Payload Length, generic header included */
	const uint8_t *body;    /* len - 4 octets after the generic header */
	size_t body_len;
};

struct ike_msg {
	struct ike_hdr hdr;
	size_t len;             /* octets walked: min(Length, octets given) */
	unsigned n;             /* payloads listed (<= IKE_PL_MAX) */
	struct ike_pl pl[IKE_PL_MAX];
	int sk;                 /* index of the SK or SKF payload, -1 if none */
	uint8_t sk_np;          /* its Next Payload: the first inner payload */
	uint16_t frag_num;      /* SKF only: Fragment Number and Total Fragments */
	uint16_t frag_total;
};

/* Header alone: 0 or M6_E_IKE_TRUNC (no other check). */
int ike_hdr_parse(const uint8_t *p, size_t len, struct ike_hdr *h);
void ike_hdr_write(uint8_t *p, const struct ike_hdr *h);

/* Parse a whole message at [p, p+len); diagnostic offsets are base + offset. */
int ike_msg_parse(const uint8_t *p, size_t len, struct ike_msg *m, struct m6_diags *ds,
		  size_t base);
/* Parse the decrypted content of the SK payload (or reassembled SKF
 * fragments) at [p, p+len), first payload type first_np (m->sk_np), and
 * append its payloads to m with inner = true. Padding and Pad Length are
 * not part of the range (ike_sk_open() strips them). */
int ike_msg_parse_inner(struct ike_msg *m, const uint8_t *p, size_t len, uint8_t first_np,
			struct m6_diags *ds, size_t base);

/* First payload of a type at index >= from, or NULL. */
const struct ike_pl *ike_msg_find(const struct ike_msg *m, uint8_t type, unsigned from);
/* First Notify payload of a notify type, or NULL. */
const struct ike_pl *ike_msg_find_notify(const struct ike_msg *m, uint16_t ntype);

/* True for the types whose bodies this codec decodes. */
bool ike_pl_known(uint8_t type);

/* ---- writer ---- */

struct ike_wr {
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t np_at;           /* where the next payload's type is written */
	size_t open;            /* generic header of the open payload, or SIZE_MAX */
	size_t sk_off;          /* SK/SKF generic header, or SIZE_MAX */
	size_t plain_off;       /* first octet of the SK plaintext */
	int err;                /* first error: M6_E_NOMEM, M6_E_INVAL */
};

/* Start a message with header h (Length and Next Payload are filled in as
 * the message grows). */
void ike_wr_init(struct ike_wr *w, uint8_t *buf, size_t cap, const struct ike_hdr *h);
/* Open a payload: the previous payload's (or the header's, or the SK
 * payload's) Next Payload becomes type. */
void ike_wr_begin(struct ike_wr *w, uint8_t type, bool critical);
/* Close it: Payload Length = octets since ike_wr_begin(). */
void ike_wr_end(struct ike_wr *w);
void ike_wr_bytes(struct ike_wr *w, const void *p, size_t n);
void ike_wr_u8(struct ike_wr *w, uint8_t v);
void ike_wr_u16(struct ike_wr *w, uint16_t v);
void ike_wr_u32(struct ike_wr *w, uint32_t v);
void ike_wr_zero(struct ike_wr *w, size_t n);
/* n octets to fill in place, or NULL (and w->err set) when they do not fit. */
uint8_t *ike_wr_reserve(struct ike_wr *w, size_t n);

/* Open the SK payload (skf false) or an SKF payload with its Fragment
 * Number and Total Fragments, and reserve iv_len octets for the IV: the
 * payloads written next are its plaintext content, and the first one's
 * type goes into the SK payload's Next Payload. ike_sk_seal() (ike_crypto.h)
 * closes it. */
void ike_wr_sk_begin(struct ike_wr *w, bool skf, uint16_t frag_num, uint16_t frag_total,
		     size_t iv_len);

/* Set the header's Length; *len = message length. 0 or the first error. */
int ike_wr_finish(struct ike_wr *w, size_t *len);

#endif
