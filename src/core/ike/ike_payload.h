/*
 * ike_payload — the bodies of the IKEv2 payloads (RFC 7296 3.3-3.16, RFC 7383 2.5).
 *
 * Contract: each ike_*_parse() decodes one payload body (the octets after
 * the 4-octet generic header) without reading outside it or allocating;
 * every fault is recorded as a diagnostic at base + its offset, and the
 * return value is the first fault found (0 when the body is valid). The
 * output may be NULL for a check alone: ike_msg_parse() checks every known
 * payload that way, so a message it accepts decodes here without a fault.
 * Decoded fields point into the body; structures with arrays (SA, TS, CP)
 * have fixed capacities, and exceeding one is a fault of its own rather
 * than a silent truncation. The ike_put_*() builders write a whole payload
 * (generic header included) through the writer of ike_msg.h.
 */
#ifndef MIP6SEC_IKE_PAYLOAD_H
#define MIP6SEC_IKE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_msg.h"

#define IKE_PROP_MAX 16
#define IKE_XF_MAX 64
/* Traffic selectors kept per payload: RFC 4877's SAs need one each way, a
 * peer may put the packet that triggered it first (RFC 7296 2.9); a Child
 * SA keeps two lists, an IKE SA four Child SAs: each entry costs them all */
#define IKE_TS_MAX 3
#define IKE_CP_ATTR_MAX 32
#define IKE_NONCE_MIN 16        /* RFC 7296 3.9 (IKE-09) */
#define IKE_NONCE_MAX 256
#define IKE_COOKIE_MAX 64       /* 2.6: 1..64 octets */

/* Octets of a payload body before its variable part (0 for unknown types). */
size_t ike_pl_fixed_len(uint8_t type);
/* Check one payload body by type; unknown types and SK are accepted. */
int ike_pl_check(uint8_t type, const uint8_t *b, size_t len, struct m6_diags *ds, size_t base);

/* ---- SA (3.3) ---- */

struct ike_xf {
	uint8_t type;           /* IKE_XF_* */
	uint16_t id;
	uint16_t key_len;       /* Key Length attribute in bits, 0 when absent */
	bool unknown_attr;      /* an attribute other than Key Length: the
				 * transform must be refused (3.3.6) */
};

struct ike_prop {
	uint8_t num;
	uint8_t proto;          /* IKE_PROTO_* */
	uint8_t spi_size;
	uint8_t spi[IKE_SPI_LEN];
	unsigned n_xf;
	struct ike_xf xf[IKE_XF_MAX];
};

struct ike_sa_payload {
	unsigned n_prop;
	struct ike_prop prop[IKE_PROP_MAX];
};

int ike_sa_parse(const uint8_t *b, size_t len, struct ike_sa_payload *sa, struct m6_diags *ds,
		 size_t base);
/* Proposals and transforms in the order given, Proposal Num as given. */
void ike_put_sa(struct ike_wr *w, const struct ike_sa_payload *sa);

/* ---- KE (3.4) ---- */

struct ike_ke {
	uint16_t group;
	const uint8_t *data;
	size_t len;
};

/* Key Exchange Data length of a group (RFC 3526, 5903 7, 8031 3.1); 0 if unknown. */
size_t ike_group_ke_len(uint16_t group);
int ike_ke_parse(const uint8_t *b, size_t len, struct ike_ke *ke, struct m6_diags *ds,
		 size_t base);
void ike_put_ke(struct ike_wr *w, uint16_t group, const uint8_t *data, size_t len);

/* ---- IDi / IDr (3.5) ---- */

struct ike_id {
	uint8_t type;           /* IKE_ID_* */
	const uint8_t *data;
	size_t len;
};

int ike_id_parse(const uint8_t *b, size_t len, struct ike_id *id, struct m6_diags *ds,
		 size_t base);
/* pl_type is IKE_PL_IDI or IKE_PL_IDR. */
void ike_put_id(struct ike_wr *w, uint8_t pl_type, uint8_t id_type, const uint8_t *data,
		size_t len);

/* ---- CERT (3.6) and CERTREQ (3.7) ---- */

struct ike_cert {
	uint8_t enc;            /* IKE_CERT_* */
	const uint8_t *data;    /* CERT: the certificate; CERTREQ: SHA-1 key hashes */
	size_t len;
};

int ike_cert_parse(const uint8_t *b, size_t len, struct ike_cert *c, struct m6_diags *ds,
		   size_t base);
/* pl_type is IKE_PL_CERT or IKE_PL_CERTREQ. */
void ike_put_cert(struct ike_wr *w, uint8_t pl_type, uint8_t enc, const uint8_t *data,
		  size_t len);

/* ---- AUTH (3.8) ---- */

struct ike_auth {
	uint8_t method;         /* IKE_AUTH_* */
	const uint8_t *data;
	size_t len;
};

int ike_auth_parse(const uint8_t *b, size_t len, struct ike_auth *a, struct m6_diags *ds,
		   size_t base);
void ike_put_auth(struct ike_wr *w, uint8_t method, const uint8_t *data, size_t len);

/* ---- Ni/Nr (3.9), V (3.12) ---- */

int ike_nonce_parse(const uint8_t *b, size_t len, struct m6_diags *ds, size_t base);
void ike_put_nonce(struct ike_wr *w, const uint8_t *data, size_t len);
void ike_put_vendor(struct ike_wr *w, const uint8_t *data, size_t len);

/* ---- N (3.10) ---- */

struct ike_notify {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;          /* IKE_N_* */
	const uint8_t *spi;
	const uint8_t *data;
	size_t data_len;
};

int ike_notify_parse(const uint8_t *b, size_t len, struct ike_notify *n, struct m6_diags *ds,
		     size_t base);
void ike_put_notify(struct ike_wr *w, uint8_t proto, const uint8_t *spi, uint8_t spi_size,
		    uint16_t type, const uint8_t *data, size_t len);

/* ---- D (3.11) ---- */

struct ike_delete {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t n_spi;
	const uint8_t *spis;    /* n_spi * spi_size octets */
};

int ike_delete_parse(const uint8_t *b, size_t len, struct ike_delete *d, struct m6_diags *ds,
		     size_t base);
/* The IKE SA: proto IKE_PROTO_IKE, n = 0; Child SAs: 4-octet SPIs. */
void ike_put_delete(struct ike_wr *w, uint8_t proto, const uint32_t *spis, uint16_t n);

/* ---- TSi / TSr (3.13) ---- */

struct ike_ts {
	uint8_t type;           /* IKE_TS_IPV4_ADDR_RANGE or IKE_TS_IPV6_ADDR_RANGE */
	uint8_t proto;          /* IP Protocol ID, 0 = any */
	uint16_t start_port;    /* 0..65535 = any; 65535..0 = OPAQUE (IKE-18); for
				 * ICMPv6 and MH, type << 8 | code (RFC 4301 4.4.1.1) */
	uint16_t end_port;
	uint8_t start[16];      /* IPv4: the first 4 octets */
	uint8_t end[16];
};

struct ike_ts_list {
	unsigned n;
	struct ike_ts ts[IKE_TS_MAX];
};

int ike_ts_parse(const uint8_t *b, size_t len, struct ike_ts_list *l, struct m6_diags *ds,
		 size_t base);
/* pl_type is IKE_PL_TSI or IKE_PL_TSR. */
void ike_put_ts(struct ike_wr *w, uint8_t pl_type, const struct ike_ts_list *l);

/* ---- CP (3.15) ---- */

struct ike_cp_attr {
	uint16_t type;          /* IKE_CP_*, R bit cleared */
	uint16_t len;
	const uint8_t *val;
};

struct ike_cp {
	uint8_t cfg_type;       /* IKE_CFG_* */
	unsigned n;
	struct ike_cp_attr attr[IKE_CP_ATTR_MAX];
};

int ike_cp_parse(const uint8_t *b, size_t len, struct ike_cp *cp, struct m6_diags *ds,
		 size_t base);
void ike_put_cp(struct ike_wr *w, const struct ike_cp *cp);

/* ---- EAP (3.16) ---- */

struct ike_eap {
	uint8_t code;           /* IKE_EAP_* */
	uint8_t id;
	uint16_t len;           /* EAP Length: the whole EAP message */
	uint8_t type;           /* Request/Response only, else 0 */
	const uint8_t *data;    /* Type-Data */
	size_t data_len;
};

int ike_eap_parse(const uint8_t *b, size_t len, struct ike_eap *e, struct m6_diags *ds,
		  size_t base);
/* msg is a whole EAP message (Code, Identifier, Length, ...). */
void ike_put_eap(struct ike_wr *w, const uint8_t *msg, size_t len);

/* ---- SKF (RFC 7383 2.5): the 4 octets after the generic header ---- */

int ike_skf_parse(const uint8_t *b, size_t len, uint16_t *num, uint16_t *total,
		  struct m6_diags *ds, size_t base);

#endif
