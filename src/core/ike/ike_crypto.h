/*
 * ike_crypto — IKEv2 key derivation, PSK authentication and the SK payload, over OpenSSL 3.
 *
 * Contract: prf is HMAC-SHA2-256/384/512 (RFC 4868), prf+ as RFC 7296 2.13
 * (IKE-10), SKEYSEED and the seven SK_* keys as 2.14 (IKE-11), the rekeyed
 * SKEYSEED as 2.18 (IKE-14), Child SA KEYMAT as 2.17 (IKE-13) and the PSK
 * AUTH as 2.15 (IKE-12). Nothing here draws randomness: the CBC IV comes
 * from the caller's struct ike_rng, the AEAD IV is a per-SA counter (RFC
 * 5282 3.1 asks for uniqueness, not unpredictability). Every derived
 * secret lives in caller-owned structures that *_wipe()/ike_sk_clear()
 * cleanse; temporaries are cleansed before return; MACs and AUTH values
 * are compared in constant time.
 * An SK context (struct ike_sk) holds both directions' keys and cipher
 * contexts: ike_sk_init() allocates the OpenSSL contexts once, after which
 * sealing and opening a message allocates nothing. ike_sk_open() verifies
 * before it decrypts (CBC + HMAC), or decrypts and then checks the tag
 * (AEAD) and zeroes the region when the tag is wrong: unauthenticated
 * plaintext never reaches the caller.
 */
#ifndef MIP6SEC_IKE_CRYPTO_H
#define MIP6SEC_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_msg.h"

/* Randomness, from the caller (the node's DRBG, seeded in the simulator). */
struct ike_rng {
	void (*random)(void *ctx, uint8_t *out, size_t n);
	void *ctx;
};

#define IKE_PRF_MAX 64          /* HMAC-SHA2-512 output */
#define IKE_ENCR_KEY_MAX 36     /* AES-256 / ChaCha20 key + 4-octet salt */
#define IKE_INTEG_KEY_MAX 64
#define IKE_ICV_MAX 32
#define IKE_SK_IV_MAX 16

/* A gather list: prf inputs are concatenations (Ni | Nr | SPIi | SPIr...). */
struct ike_iov {
	const void *p;
	size_t n;
};

/* ---- prf, prf+ ---- */

/* Output (= preferred key) length of a PRF transform, 0 if unsupported. */
size_t ike_prf_len(uint16_t prf);
/* prf(key, v[0] | v[1] | ...) into out (ike_prf_len octets). */
int ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const struct ike_iov *v, unsigned nv,
	    uint8_t *out);
/* prf+(key, S) (2.13), S = seed[0] | seed[1] | ...; out_len at most 255
 * blocks, else M6_E_IKE_PRF_PLUS. */
int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const struct ike_iov *seed,
		 unsigned nseed, uint8_t *out, size_t out_len);

/* ---- algorithms ---- */

/* Octets of key material per direction for an encryption transform with a
 * Key Length attribute of bits (0 when the transform has none): AES-CBC
 * 16/24/32, AES-GCM-16 16/24/32 + 4 salt, ChaCha20-Poly1305 32 + 4, NULL 0
 * (ESP only). M6_E_ALG when unsupported. */
int ike_encr_keylen(uint16_t encr, uint16_t bits, size_t *len);
bool ike_encr_is_aead(uint16_t encr);
/* Key and ICV octets of an integrity transform (NONE: 0 and 0). */
int ike_integ_keylen(uint16_t integ, size_t *key_len, size_t *icv_len);

/* An IKE SA's negotiated transforms (IDs of ike_const.h). */
struct ike_suite {
	uint16_t encr;
	uint16_t encr_bits;     /* Key Length attribute, 0 for ChaCha20-Poly1305 */
	uint16_t prf;
	uint16_t integ;         /* IKE_INTEG_NONE with an AEAD */
	uint16_t dh;
};

/* 0 if this code implements the suite for an IKE SA (an AEAD without an
 * integrity transform, or AES-CBC with one), else M6_E_ALG. */
int ike_suite_check(const struct ike_suite *s);

/* ---- IKE SA keys ---- */

struct ike_keys {
	uint8_t d[IKE_PRF_MAX], pi[IKE_PRF_MAX], pr[IKE_PRF_MAX];
	uint8_t ai[IKE_INTEG_KEY_MAX], ar[IKE_INTEG_KEY_MAX];
	uint8_t ei[IKE_ENCR_KEY_MAX], er[IKE_ENCR_KEY_MAX];
	size_t prf_len;         /* SK_d, SK_pi, SK_pr */
	size_t a_len;           /* SK_ai, SK_ar (0 with an AEAD) */
	size_t e_len;           /* SK_ei, SK_er (salt included) */
};

/* SKEYSEED = prf(Ni | Nr, g^ir) (2.14). */
int ike_skeyseed(uint16_t prf, const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		 const uint8_t *gir, size_t gir_len, uint8_t *out);
/* Rekeyed IKE SA: SKEYSEED = prf_old(SK_d_old, g^ir(new) | Ni | Nr) (2.18). */
int ike_skeyseed_rekey(uint16_t prf_old, const uint8_t *sk_d_old, size_t sk_d_len,
		       const uint8_t *gir, size_t gir_len, const uint8_t *ni, size_t ni_len,
		       const uint8_t *nr, size_t nr_len, uint8_t *out);
/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (2.14). */
int ike_derive_keys(const struct ike_suite *s, const uint8_t *skeyseed, const uint8_t *ni,
		    size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
		    const uint8_t spi_r[8], struct ike_keys *k);
void ike_keys_wipe(struct ike_keys *k);

/* ---- Child SA keys ---- */

struct ike_child_alg {
	uint16_t encr;          /* IKE_ENCR_* (ENCR_NULL included) */
	uint16_t encr_bits;
	uint16_t integ;         /* IKE_INTEG_* (HMAC-SHA1-96 included) */
	/* CREATE_CHILD_SA with a KE of the IKE SA's group (RFC 7296 1.3,
	 * 2.12): ours always carry one, and a peer's without one is refused
	 * (NO_PROPOSAL_CHOSEN). IKE_AUTH's Child SA never has one (1.2). */
	bool pfs;
	/* 64-bit Extended Sequence Numbers (RFC 4303 2.2.1; the ESN
	 * transform, RFC 7296 3.3.2): proposed and required when set, else
	 * 32-bit ones */
	bool esn;
};

struct ike_child_keys {
	uint8_t ei[IKE_ENCR_KEY_MAX], ai[IKE_INTEG_KEY_MAX];    /* initiator to responder */
	uint8_t er[IKE_ENCR_KEY_MAX], ar[IKE_INTEG_KEY_MAX];    /* responder to initiator */
	size_t e_len, a_len;
};

/* KEYMAT = prf+(SK_d, [g^ir(new) |] Ni | Nr) (2.17): gir NULL for no PFS.
 * All initiator-to-responder keys come first, encryption before integrity
 * (IKE-13). */
int ike_child_keymat(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
		     size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		     size_t nr_len, const struct ike_child_alg *a, struct ike_child_keys *k);
void ike_child_keys_wipe(struct ike_child_keys *k);

/* ---- AUTH with a pre-shared key (2.15) ---- */

/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), msg | nonce | prf(SK_p, ID')),
 * msg = the signer's own first message (RealMessage1/2, from the IKE
 * header on), nonce = the peer's nonce data, sk_p = SK_pi for the
 * initiator and SK_pr for the responder, id = the ID payload body (ID').
 * out gets ike_prf_len(prf) octets. */
int ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len, const uint8_t *msg,
		 size_t msg_len, const uint8_t *nonce, size_t nonce_len, const uint8_t *sk_p,
		 size_t sk_p_len, const uint8_t *id, size_t id_len, uint8_t *out);
/* 0, or M6_E_IKE_AUTH when auth (any length) is not the expected value. */
int ike_auth_psk_verify(uint16_t prf, const uint8_t *psk, size_t psk_len, const uint8_t *msg,
			size_t msg_len, const uint8_t *nonce, size_t nonce_len,
			const uint8_t *sk_p, size_t sk_p_len, const uint8_t *id, size_t id_len,
			const uint8_t *auth, size_t auth_len);

/* ---- SK payload protection (3.14, RFC 5282, RFC 7634, RFC 7383) ---- */

struct ike_sk_dir {
	void *cipher;           /* EVP_CIPHER_CTX * */
	uint8_t salt[4];        /* AEAD nonce salt */
	/* HMAC key states (inner, outer), made only for a suite with an
	 * integrity transform (the AEADs need none) */
	uint64_t (*mac)[32];
	bool has_mac;
};

struct ike_sk {
	uint16_t encr, integ;
	bool aead;
	size_t iv_len;          /* 8 for the AEADs, 16 for AES-CBC */
	size_t block;           /* padding alignment: 16 for CBC, 1 for the AEADs */
	size_t icv_len;
	uint64_t iv_seq;        /* AEAD IV counter of the outbound direction */
	struct ike_sk_dir out, in;
};

/* Keys for our outbound (initiator: SK_ei/SK_ai) and inbound directions. */
int ike_sk_init(struct ike_sk *sk, const struct ike_suite *s, const struct ike_keys *k,
		bool initiator);
/* The same from explicit keys (tests, the decryption table of the dissector). */
int ike_sk_init_raw(struct ike_sk *sk, uint16_t encr, uint16_t encr_bits, uint16_t integ,
		    const uint8_t *e_out, const uint8_t *a_out, const uint8_t *e_in,
		    const uint8_t *a_in);
void ike_sk_clear(struct ike_sk *sk);
/* Octets of its own it holds beyond the struct (the HMAC states; OpenSSL's
 * cipher contexts not counted). */
size_t ike_sk_heap_bytes(const struct ike_sk *sk);

/* Octets an SK payload adds around plain_len octets of content (generic
 * header, IV, padding, Pad Length, ICV; SKF: 4 more). */
size_t ike_sk_overhead(const struct ike_sk *sk, size_t plain_len, bool skf);

/* Close the SK/SKF payload opened with ike_wr_sk_begin(w, ..., sk->iv_len):
 * pad, encrypt in place, append the ICV, set the payload and message
 * lengths. *msg_len = the message length. */
int ike_sk_seal(struct ike_sk *sk, struct ike_wr *w, const struct ike_rng *rng, size_t *msg_len);

/* Verify and decrypt in place the SK/SKF payload of a message parsed by
 * ike_msg_parse() (m->sk >= 0): the content is msg[*plain_off, +*plain_len),
 * padding stripped, to be given to ike_msg_parse_inner(). */
int ike_sk_open(const struct ike_sk *sk, uint8_t *msg, size_t len, const struct ike_msg *m,
		size_t *plain_off, size_t *plain_len);

#endif
