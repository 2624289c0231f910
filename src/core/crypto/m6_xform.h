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

struct m6_xform_cache;

struct m6_xform {
	/* small fields first, packed: every SA has one of these */
	uint8_t enc;                /* enum m6_enc */
	uint8_t auth;               /* enum m6_auth */
	bool encrypt;               /* direction: seal (true) or open */
	uint8_t iv_len;             /* octets of IV on the wire */
	uint8_t block;              /* padding block (4 for stream/AEAD, 16 for CBC) */
	uint8_t icv_len;            /* octets of ICV on the wire */
	uint8_t salt[4];            /* AEAD nonce salt */
	uint8_t eklen, aklen;
	/* NULL: the transform keeps its own OpenSSL states (cipher, mac);
	 * else it is one of m6_xform_init_cached(), which keeps only its keys
	 * and makes its states in this cache when a packet needs them. The two
	 * share their storage: every SA has a transform. */
	struct m6_xform_cache *cache;
	union {
		struct {
			void *cipher;       /* EVP_CIPHER_CTX *, NULL for NULL encryption */
			void *mac;          /* precomputed HMAC states, NULL for AEAD */
		};
		struct {
			uint8_t *keys;      /* cipher key (salt apart) || HMAC key */
			uint64_t tag;       /* its states' name in the cache */
		};
	};
};

/* 0, or M6_E_ALG (ALG-01 combination or key length; why says which),
 * M6_E_CRYPTO, M6_E_NOMEM; x is overwritten (clear a live one first) and
 * left empty on failure. The caller wipes cfg. */
int m6_xform_init(struct m6_xform *x, const struct m6_xform_cfg *cfg, bool encrypt,
		  char *why, size_t whylen);
void m6_xform_clear(struct m6_xform *x);

/* Keyed cipher and HMAC states that many transforms share. A transform of
 * m6_xform_init_cached() keeps only its key octets (about 60 for
 * AES-CBC + HMAC-SHA-256 instead of 1.1 KB of OpenSSL state); a packet
 * finds its states in the cache slot the transform maps to and keys the
 * slot again only when another transform used it since. For a driver
 * holding many SAs of which few are busy at once (the simulator's million
 * mobile nodes, a home agent whose mobile nodes register once an hour).
 * Keying a slot again costs a key schedule and two hash blocks; with the
 * cipher kind it held, it does not allocate. A cache and its transforms are
 * used by one thread at a time, and the cache outlives them (clearing a
 * transform wipes its states from the cache). */
struct m6_xform_cache *m6_xform_cache_new(size_t slots);
void m6_xform_cache_free(struct m6_xform_cache *c);
/* As m6_xform_init(), the states made in c when used. */
int m6_xform_init_cached(struct m6_xform *x, const struct m6_xform_cfg *cfg, bool encrypt,
			 struct m6_xform_cache *c, char *why, size_t whylen);
/* Whether the transform encrypts / authenticates with keys (not NULL). */
static inline bool m6_xform_has_cipher(const struct m6_xform *x)
{
	return x->cache ? x->enc != M6_ENC_NULL : x->cipher != NULL;
}
static inline bool m6_xform_has_mac(const struct m6_xform *x)
{
	return x->mac || (x->cache && x->auth != M6_AUTH_NONE);
}

/* Per-packet HMAC state, on the caller's stack: m6_xform_mac_begin() fills
 * it from the transform, _update() may be called any number of times, and
 * _final() writes the truncated ICV (x->icv_len octets) and wipes it. An
 * ordinary transform itself is not written, so it may be shared between
 * threads. */
struct m6_mac {
	uint64_t st[32];            /* hash state, large enough for SHA-512 */
	uint64_t out[32];           /* the key's outer state, copied: the transform's may be re-keyed */
	int kind;
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
