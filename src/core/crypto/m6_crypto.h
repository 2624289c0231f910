/*
 * m6_crypto — thin wrappers over OpenSSL 3 EVP for IPsec transforms.
 *
 * Contract: a struct m6_xform holds the keys and the EVP contexts of one SA
 * direction; it is set up once (m6_xform_init, which allocates) and then
 * used per packet without allocating. Keys are copied in and wiped by
 * m6_xform_clear(). Integrity checks compare in constant time. Algorithms
 * and key lengths follow RFC 8221: AES-GCM-16 (key || 4-octet salt,
 * RFC 4106), AES-CBC (RFC 3602) with HMAC-SHA2-256-128 (RFC 4868),
 * ChaCha20-Poly1305 (key || 4-octet salt, RFC 7634), NULL encryption with
 * an HMAC (RFC 4303/2410).
 */
#ifndef MIP6SEC_M6_CRYPTO_H
#define MIP6SEC_M6_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum m6_enc {
	M6_ENC_NULL = 0,
	M6_ENC_AES_CBC,             /* 16 or 32 octet key */
	M6_ENC_AES_GCM_16,          /* 16 or 32 octet key + 4 octet salt */
	M6_ENC_CHACHA20_POLY1305,   /* 32 octet key + 4 octet salt */
};

enum m6_auth {
	M6_AUTH_NONE = 0,           /* only with an AEAD */
	M6_AUTH_HMAC_SHA256_128,    /* 32 octet key */
	M6_AUTH_HMAC_SHA1_96,       /* 20 octet key (legacy, MUST-) */
	M6_AUTH_HMAC_SHA512_256,    /* 64 octet key */
};

#define M6_KEY_MAX 64
#define M6_ICV_MAX 32
#define M6_IV_MAX 16

struct m6_xform_cfg {
	enum m6_enc enc;
	uint8_t ekey[M6_KEY_MAX];   /* AEAD: key || salt */
	size_t eklen;
	enum m6_auth auth;
	uint8_t akey[M6_KEY_MAX];
	size_t aklen;
};

/* Name <-> algorithm, in the key-file spelling: null aes-cbc aes-gcm-16
 * chacha20-poly1305 / null hmac-sha256-128 hmac-sha1-96 hmac-sha512-256. */
int m6_enc_parse(const char *name, enum m6_enc *out);
int m6_auth_parse(const char *name, enum m6_auth *out);
const char *m6_enc_name(enum m6_enc e);
const char *m6_auth_name(enum m6_auth a);
bool m6_enc_is_aead(enum m6_enc e);
/* Counter-mode ciphers must not be keyed manually (RFC 8221 3, ALG-02). */
bool m6_enc_is_counter_mode(enum m6_enc e);

/* Constant-time comparison (ICVs, AUTH payloads). */
bool m6_ct_equal(const void *a, const void *b, size_t n);
/* Wipe secrets. */
void m6_wipe(void *p, size_t n);

#endif
