/*
 * m6_xform — one SA direction's cryptographic transform (keys + EVP state).
 *
 * Contract: m6_xform_init() validates algorithm and key lengths, copies the
 * keys, and creates the OpenSSL contexts once (it may allocate); after that
 * the per-packet functions (used by esp.c and ah.c) do not allocate.
 * m6_xform_clear() frees the contexts and wipes every key octet. A zeroed
 * struct is a valid "empty" transform that m6_xform_clear() accepts.
 *
 * The cipher context is keyed once for the direction given to
 * m6_xform_init() (AES-CBC key schedules differ per direction) and only
 * re-IVed per packet, so one transform serves one thread at a time. The
 * HMAC key is kept as the two precomputed hash states (key XOR ipad, key
 * XOR opad); each packet copies them into a caller-owned struct m6_mac on
 * the stack. HMAC goes through the low-level SHA functions rather than
 * EVP_MAC because OpenSSL 3.0 duplicates the digest context on every
 * EVP_MAC_init()/EVP_DigestInit(), i.e. allocates per packet.
 */
#ifndef MIP6SEC_M6_XFORM_H
#define MIP6SEC_M6_XFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "m6_crypto.h"

#define M6_AEAD_IV_LEN 8            /* explicit IV on the wire (RFC 4106 3.1, RFC 7634 2) */
#define M6_AEAD_TAG_LEN 16
#define M6_CBC_IV_LEN 16

struct m6_xform {
	enum m6_enc enc;
	enum m6_auth auth;
	bool encrypt;               /* direction: seal (true) or open */
	size_t iv_len;              /* octets of IV on the wire */
	size_t block;               /* padding block (4 for stream/AEAD, 16 for CBC) */
	size_t icv_len;             /* octets of ICV on the wire */
	uint8_t salt[4];            /* AEAD nonce salt */
	void *cipher;               /* EVP_CIPHER_CTX *, NULL for NULL encryption */
	void *mac;                  /* precomputed HMAC states, NULL for AEAD */
};

/* 0, or M6_E_ALG (ALG-01 combination or key length; why says which),
 * M6_E_CRYPTO, M6_E_NOMEM; x is overwritten (clear a live one first) and
 * left empty on failure. The caller wipes cfg. */
int m6_xform_init(struct m6_xform *x, const struct m6_xform_cfg *cfg, bool encrypt,
		  char *why, size_t whylen);
void m6_xform_clear(struct m6_xform *x);

/* Per-packet HMAC state, on the caller's stack: m6_xform_mac_begin() fills
 * it from the transform, _update() may be called any number of times, and
 * _final() writes the truncated ICV (x->icv_len octets) and wipes it. The
 * transform itself is not written, so it may be shared between threads. */
struct m6_mac {
	uint64_t st[32];            /* hash state, large enough for SHA-512 */
	const void *key;
	size_t out_len;
};

int m6_xform_mac_begin(const struct m6_xform *x, struct m6_mac *m);
void m6_xform_mac_update(struct m6_mac *m, const void *p, size_t n);
void m6_xform_mac_final(struct m6_mac *m, uint8_t *icv);

/* One-shot HMAC with the hash of `a` and a key of any length (RFC 2104:
 * keys longer than the hash block are hashed first), output truncated to
 * out_len (<= the hash length). For known-answer tests and PRF use; does
 * not allocate. */
int m6_hmac(enum m6_auth a, const uint8_t *key, size_t klen, const void *data, size_t len,
	    uint8_t *out, size_t out_len);

/* AEAD (AES-GCM-16, ChaCha20-Poly1305) in place over data[0, len): nonce =
 * salt || iv (RFC 4106 4, RFC 7634 2), 16-octet tag. _open() returns
 * M6_E_ICV on a tag mismatch and then leaves data as it was on entry: the
 * unauthenticated plaintext never escapes. */
int m6_xform_aead_seal(const struct m6_xform *x, const uint8_t iv[M6_AEAD_IV_LEN],
		       const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len,
		       uint8_t tag[M6_AEAD_TAG_LEN]);
int m6_xform_aead_open(const struct m6_xform *x, const uint8_t iv[M6_AEAD_IV_LEN],
		       const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len,
		       const uint8_t tag[M6_AEAD_TAG_LEN]);

/* AES-CBC in place, no padding (len a multiple of 16), in the direction the
 * transform was keyed for. */
int m6_xform_cbc(const struct m6_xform *x, const uint8_t iv[M6_CBC_IV_LEN], uint8_t *data,
		 size_t len);

#endif
