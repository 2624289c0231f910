/* The low-level SHA functions are deprecated in OpenSSL 3 but are the only
 * HMAC path that does not allocate per packet (see m6_xform.h). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "m6_xform.h"
#include "../util/m6_err.h"

enum hkind { H_SHA1, H_SHA256, H_SHA512 };

static const struct {
	size_t block;
	size_t dlen;
} hinfo[] = {
	[H_SHA1] = { SHA_CBLOCK, SHA_DIGEST_LENGTH },
	[H_SHA256] = { SHA256_CBLOCK, SHA256_DIGEST_LENGTH },
	[H_SHA512] = { SHA512_CBLOCK, SHA512_DIGEST_LENGTH },
};

union hctx {
	SHA_CTX s1;
	SHA256_CTX s256;
	SHA512_CTX s512;
};

/* The HMAC key as the hash states after one block of key^ipad / key^opad. */
struct hkey {
	enum hkind kind;
	union hctx in, out;
};

_Static_assert(sizeof(union hctx) <= sizeof(((struct m6_mac *)0)->st),
	       "struct m6_mac too small for the hash state");

static void h_init(enum hkind k, union hctx *c)
{
	switch (k) {
	case H_SHA1: SHA1_Init(&c->s1); break;
	case H_SHA256: SHA256_Init(&c->s256); break;
	case H_SHA512: SHA512_Init(&c->s512); break;
	}
}

static void h_update(enum hkind k, union hctx *c, const void *p, size_t n)
{
	switch (k) {
	case H_SHA1: SHA1_Update(&c->s1, p, n); break;
	case H_SHA256: SHA256_Update(&c->s256, p, n); break;
	case H_SHA512: SHA512_Update(&c->s512, p, n); break;
	}
}

static void h_final(enum hkind k, union hctx *c, uint8_t *out)
{
	switch (k) {
	case H_SHA1: SHA1_Final(out, &c->s1); break;
	case H_SHA256: SHA256_Final(out, &c->s256); break;
	case H_SHA512: SHA512_Final(out, &c->s512); break;
	}
}

static int auth_kind(enum m6_auth a, enum hkind *k)
{
	switch (a) {
	case M6_AUTH_HMAC_SHA256_128: *k = H_SHA256; return 0;
	case M6_AUTH_HMAC_SHA1_96: *k = H_SHA1; return 0;
	case M6_AUTH_HMAC_SHA512_256: *k = H_SHA512; return 0;
	default: return M6_E_ALG;
	}
}

static void hkey_set(struct hkey *hk, enum hkind kind, const uint8_t *key, size_t klen)
{
	uint8_t k0[SHA512_CBLOCK], pad[SHA512_CBLOCK];
	size_t bl = hinfo[kind].block;
	memset(k0, 0, sizeof(k0));
	hk->kind = kind;
	if (klen > bl) {
		union hctx t;
		h_init(kind, &t);
		h_update(kind, &t, key, klen);
		h_final(kind, &t, k0);
		OPENSSL_cleanse(&t, sizeof(t));
	} else if (klen) {
		memcpy(k0, key, klen);
	}
	for (size_t i = 0; i < bl; i++)
		pad[i] = k0[i] ^ 0x36;
	h_init(kind, &hk->in);
	h_update(kind, &hk->in, pad, bl);
	for (size_t i = 0; i < bl; i++)
		pad[i] = k0[i] ^ 0x5c;
	h_init(kind, &hk->out);
	h_update(kind, &hk->out, pad, bl);
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(pad, sizeof(pad));
}

static union hctx *mac_state(struct m6_mac *m)
{
	return (union hctx *)(void *)m->st;
}

static union hctx *mac_outer(struct m6_mac *m)
{
	return (union hctx *)(void *)m->out;
}

_Static_assert(sizeof(union hctx) <= sizeof(((struct m6_mac *)0)->out), "struct m6_mac too small");

static void mac_start(struct m6_mac *m, const struct hkey *hk, size_t out_len)
{
	memcpy(mac_state(m), &hk->in, sizeof(hk->in));
	memcpy(mac_outer(m), &hk->out, sizeof(hk->out));
	m->kind = (int)hk->kind;
	m->out_len = out_len;
}

static const struct hkey *live_mac(const struct m6_xform *x);

int m6_xform_mac_begin(const struct m6_xform *x, struct m6_mac *m)
{
	const struct hkey *hk = x && m ? live_mac(x) : NULL;
	if (!hk)
		return M6_E_ALG;
	mac_start(m, hk, x->icv_len);
	return 0;
}

void m6_xform_mac_update(struct m6_mac *m, const void *p, size_t n)
{
	if (n)
		h_update((enum hkind)m->kind, mac_state(m), p, n);
}

void m6_xform_mac_final(struct m6_mac *m, uint8_t *icv)
{
	enum hkind kind = (enum hkind)m->kind;
	uint8_t d[SHA512_DIGEST_LENGTH] = { 0 };   /* gcc -O2 cannot see that h_final always writes it */
	h_final(kind, mac_state(m), d);
	h_update(kind, mac_outer(m), d, hinfo[kind].dlen);
	h_final(kind, mac_outer(m), d);
	memcpy(icv, d, m->out_len);
	OPENSSL_cleanse(d, sizeof(d));
	OPENSSL_cleanse(m, sizeof(*m));
}

int m6_hmac(enum m6_auth a, const uint8_t *key, size_t klen, const void *data, size_t len,
	    uint8_t *out, size_t out_len)
{
	enum hkind kind;
	if (auth_kind(a, &kind))
		return M6_E_ALG;
	if ((!key && klen) || (!data && len) || !out || out_len > hinfo[kind].dlen)
		return M6_E_INVAL;
	struct hkey hk;
	struct m6_mac m;
	hkey_set(&hk, kind, key, klen);
	mac_start(&m, &hk, out_len);
	m6_xform_mac_update(&m, data, len);
	m6_xform_mac_final(&m, out);
	OPENSSL_cleanse(&hk, sizeof(hk));
	return 0;
}

/* ---- setup ---- */

static int refuse(char *why, size_t whylen, int code, const char *fmt, ...)
{
	if (why && whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static size_t auth_key_len(enum m6_auth a)
{
	switch (a) {
	case M6_AUTH_HMAC_SHA256_128: return 32;
	case M6_AUTH_HMAC_SHA1_96: return 20;
	case M6_AUTH_HMAC_SHA512_256: return 64;
	default: return 0;
	}
}

static size_t auth_icv_len(enum m6_auth a)
{
	switch (a) {
	case M6_AUTH_HMAC_SHA256_128: return 16;
	case M6_AUTH_HMAC_SHA1_96: return 12;
	case M6_AUTH_HMAC_SHA512_256: return 32;
	default: return 0;
	}
}

/* ALG-01 and the key lengths of RFC 3602, 4106, 7634, 4868, 2404. */
static int validate(const struct m6_xform_cfg *c, char *why, size_t whylen)
{
	const char *en = m6_enc_name(c->enc), *an = m6_auth_name(c->auth);
	if ((unsigned)c->enc > M6_ENC_CHACHA20_POLY1305)
		return refuse(why, whylen, M6_E_ALG, "unknown encryption algorithm %d", (int)c->enc);
	if ((unsigned)c->auth > M6_AUTH_HMAC_SHA512_256)
		return refuse(why, whylen, M6_E_ALG, "unknown integrity algorithm %d", (int)c->auth);
	if (c->eklen > M6_KEY_MAX || c->aklen > M6_KEY_MAX)
		return refuse(why, whylen, M6_E_ALG, "key longer than %d octets", M6_KEY_MAX);
	if (m6_enc_is_aead(c->enc)) {
		if (c->auth != M6_AUTH_NONE)
			return refuse(why, whylen, M6_E_ALG,
				      "%s is an AEAD: integrity must be null, not %s (ALG-01)", en, an);
	} else if (c->auth == M6_AUTH_NONE) {
		return refuse(why, whylen, M6_E_ALG, "%s encryption needs an integrity algorithm (ALG-01)",
			      en);
	}
	switch (c->enc) {
	case M6_ENC_NULL:
		if (c->eklen != 0)
			return refuse(why, whylen, M6_E_ALG, "null encryption takes no key (%zu octets given)",
				      c->eklen);
		break;
	case M6_ENC_AES_CBC:
		if (c->eklen != 16 && c->eklen != 32)
			return refuse(why, whylen, M6_E_ALG, "%s: key is %zu octets, expected 16 or 32", en,
				      c->eklen);
		break;
	case M6_ENC_AES_GCM_16:
		if (c->eklen != 20 && c->eklen != 36)
			return refuse(why, whylen, M6_E_ALG,
				      "%s: key is %zu octets, expected 20 or 36 (16 or 32 + 4-octet salt)",
				      en, c->eklen);
		break;
	case M6_ENC_CHACHA20_POLY1305:
		if (c->eklen != 36)
			return refuse(why, whylen, M6_E_ALG,
				      "%s: key is %zu octets, expected 36 (32 + 4-octet salt)", en, c->eklen);
		break;
	}
	if (c->auth == M6_AUTH_NONE) {
		if (c->aklen != 0)
			return refuse(why, whylen, M6_E_ALG, "null integrity takes no key (%zu octets given)",
				      c->aklen);
	} else if (c->aklen != auth_key_len(c->auth)) {
		return refuse(why, whylen, M6_E_ALG, "%s: key is %zu octets, expected %zu", an, c->aklen,
			      auth_key_len(c->auth));
	}
	return 0;
}

static const char *cipher_name(enum m6_enc e, size_t klen)
{
	switch (e) {
	case M6_ENC_AES_CBC: return klen == 16 ? "AES-128-CBC" : "AES-256-CBC";
	case M6_ENC_AES_GCM_16: return klen == 16 ? "AES-128-GCM" : "AES-256-GCM";
	case M6_ENC_CHACHA20_POLY1305: return "ChaCha20-Poly1305";
	default: return NULL;
	}
}

static int cipher_setup(struct m6_xform *x, const struct m6_xform_cfg *c, char *why, size_t whylen)
{
	size_t klen = m6_enc_is_aead(c->enc) ? c->eklen - 4 : c->eklen;
	const char *name = cipher_name(c->enc, klen);
	EVP_CIPHER *alg = EVP_CIPHER_fetch(NULL, name, NULL);
	if (!alg)
		return refuse(why, whylen, M6_E_ALG, "OpenSSL has no %s", name);
	int rc = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx || (size_t)EVP_CIPHER_get_key_length(alg) != klen ||
	    !EVP_CipherInit_ex2(ctx, alg, c->ekey, NULL, x->encrypt, NULL) ||
	    (c->enc == M6_ENC_AES_CBC && !EVP_CIPHER_CTX_set_padding(ctx, 0))) {
		EVP_CIPHER_CTX_free(ctx);
		rc = refuse(why, whylen, M6_E_CRYPTO, "cannot key %s", name);
	} else {
		x->cipher = ctx;
	}
	/* The context holds its own reference to the algorithm. */
	EVP_CIPHER_free(alg);
	return rc;
}

/* Validate cfg and fill in what every transform has; x starts empty. */
static int xform_fields(struct m6_xform *x, const struct m6_xform_cfg *cfg, bool encrypt, char *why, size_t whylen)
{
	memset(x, 0, sizeof(*x));
	if (why && whylen)
		why[0] = '\0';
	int rc = validate(cfg, why, whylen);
	if (rc)
		return rc;
	x->enc = cfg->enc;
	x->auth = cfg->auth;
	x->encrypt = encrypt;
	switch (cfg->enc) {
	case M6_ENC_AES_CBC:
		x->iv_len = M6_CBC_IV_LEN;
		x->block = 16;
		break;
	case M6_ENC_AES_GCM_16:
	case M6_ENC_CHACHA20_POLY1305:
		x->iv_len = M6_AEAD_IV_LEN;
		x->block = 4;
		break;
	default:
		x->iv_len = 0;
		x->block = 4;
		break;
	}
	x->icv_len = m6_enc_is_aead(cfg->enc) ? M6_AEAD_TAG_LEN : auth_icv_len(cfg->auth);
	if (m6_enc_is_aead(cfg->enc))
		memcpy(x->salt, cfg->ekey + cfg->eklen - 4, 4);
	return 0;
}

int m6_xform_init(struct m6_xform *x, const struct m6_xform_cfg *cfg, bool encrypt,
		  char *why, size_t whylen)
{
	if (!x || !cfg)
		return M6_E_INVAL;
	int rc = xform_fields(x, cfg, encrypt, why, whylen);
	if (rc)
		return rc;
	if (cfg->enc != M6_ENC_NULL && (rc = cipher_setup(x, cfg, why, whylen)) != 0)
		goto fail;
	if (cfg->auth != M6_AUTH_NONE) {
		enum hkind kind = H_SHA256;
		auth_kind(cfg->auth, &kind);
		struct hkey *hk = OPENSSL_zalloc(sizeof(*hk));
		if (!hk) {
			rc = refuse(why, whylen, M6_E_NOMEM, "out of memory");
			goto fail;
		}
		hkey_set(hk, kind, cfg->akey, cfg->aklen);
		x->mac = hk;
	}
	return 0;
fail:
	m6_xform_clear(x);
	return rc;
}

static void cache_forget(struct m6_xform *x);

void m6_xform_clear(struct m6_xform *x)
{
	if (!x)
		return;
	if (x->cache) {
		cache_forget(x);
		OPENSSL_clear_free(x->keys, (size_t)x->eklen + x->aklen);
	} else {
		/* EVP_CIPHER_CTX_free() cleanses the key schedule itself. */
		EVP_CIPHER_CTX_free(x->cipher);
		if (x->mac) {
			OPENSSL_cleanse(x->mac, sizeof(struct hkey));
			OPENSSL_free(x->mac);
		}
	}
	OPENSSL_cleanse(x, sizeof(*x));
}

/* ---- the cache of keyed states ---- */

/* The OpenSSL ciphers a slot may hold, fetched once per cache. */
enum ckind { C_NONE, C_CBC128, C_CBC256, C_GCM128, C_GCM256, C_CHACHA, C_KINDS };

struct cslot {
	uint64_t tag;               /* whose states these are (0: nobody's) */
	enum ckind kind;            /* the cipher ctx is set up for */
	EVP_CIPHER_CTX *ctx;
	struct hkey hk;
};

struct m6_xform_cache {
	size_t n;
	uint64_t next_tag;
	EVP_CIPHER *alg[C_KINDS];
	struct cslot *slot;
};

struct m6_xform_cache *m6_xform_cache_new(size_t slots)
{
	if (!slots)
		return NULL;
	struct m6_xform_cache *c = OPENSSL_zalloc(sizeof(*c));
	if (!c || !(c->slot = OPENSSL_zalloc(slots * sizeof(*c->slot)))) {
		OPENSSL_free(c);
		return NULL;
	}
	c->n = slots;
	c->next_tag = 1;
	return c;
}

void m6_xform_cache_free(struct m6_xform_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		EVP_CIPHER_CTX_free(c->slot[i].ctx);
	for (int k = 0; k < C_KINDS; k++)
		EVP_CIPHER_free(c->alg[k]);
	OPENSSL_clear_free(c->slot, c->n * sizeof(*c->slot));
	OPENSSL_free(c);
}

static enum ckind cipher_kind(enum m6_enc e, size_t klen)
{
	switch (e) {
	case M6_ENC_AES_CBC: return klen == 16 ? C_CBC128 : C_CBC256;
	case M6_ENC_AES_GCM_16: return klen == 16 ? C_GCM128 : C_GCM256;
	case M6_ENC_CHACHA20_POLY1305: return C_CHACHA;
	default: return C_NONE;
	}
}

/* Tags are consecutive; a multiplicative hash spreads them over the slots
 * so a table built in order (a home agent's SA for each mobile node, then
 * each mobile node's) does not map pairs that work together to one slot. */
static struct cslot *slot_of(const struct m6_xform_cache *c, uint64_t tag)
{
	return &c->slot[(size_t)((tag * 0x9e3779b97f4a7c15ull) >> 32) % c->n];
}

int m6_xform_init_cached(struct m6_xform *x, const struct m6_xform_cfg *cfg, bool encrypt,
			 struct m6_xform_cache *c, char *why, size_t whylen)
{
	if (!x || !cfg || !c)
		return M6_E_INVAL;
	int rc = xform_fields(x, cfg, encrypt, why, whylen);
	if (rc)
		return rc;
	size_t klen = m6_enc_is_aead(cfg->enc) ? cfg->eklen - 4 : cfg->eklen;
	enum ckind k = cipher_kind(cfg->enc, klen);
	if (k != C_NONE && !c->alg[k] && !(c->alg[k] = EVP_CIPHER_fetch(NULL, cipher_name(cfg->enc, klen), NULL))) {
		rc = refuse(why, whylen, M6_E_ALG, "OpenSSL has no %s", cipher_name(cfg->enc, klen));
		memset(x, 0, sizeof(*x));
		return rc;
	}
	/* at least one octet: a transform with neither key still has its cache */
	if (!(x->keys = OPENSSL_malloc(klen + cfg->aklen + 1))) {
		memset(x, 0, sizeof(*x));
		return refuse(why, whylen, M6_E_NOMEM, "out of memory");
	}
	memcpy(x->keys, cfg->ekey, klen);
	memcpy(x->keys + klen, cfg->akey, cfg->aklen);
	x->eklen = (uint8_t)klen;
	x->aklen = (uint8_t)cfg->aklen;
	x->cache = c;
	x->tag = c->next_tag++;
	return 0;
}

/* The cache slot holding x's states, keyed for x if it held another's. */
static struct cslot *live_slot(const struct m6_xform *x)
{
	struct m6_xform_cache *c = x->cache;
	struct cslot *sl = slot_of(c, x->tag);
	if (sl->tag == x->tag)
		return sl;
	sl->tag = 0;
	enum ckind k = cipher_kind(x->enc, x->eklen);
	if (k != C_NONE) {
		if (!sl->ctx && !(sl->ctx = EVP_CIPHER_CTX_new()))
			return NULL;
		/* the same cipher: a new key and direction only, no allocation */
		const EVP_CIPHER *alg = sl->kind == k ? NULL : c->alg[k];
		if (!EVP_CipherInit_ex2(sl->ctx, alg, x->keys, NULL, x->encrypt, NULL) ||
		    (x->enc == M6_ENC_AES_CBC && !EVP_CIPHER_CTX_set_padding(sl->ctx, 0))) {
			EVP_CIPHER_CTX_reset(sl->ctx);
			sl->kind = C_NONE;
			return NULL;
		}
		sl->kind = k;
	}
	if (x->auth != M6_AUTH_NONE) {
		enum hkind hk = H_SHA256;
		auth_kind(x->auth, &hk);
		hkey_set(&sl->hk, hk, x->keys + x->eklen, x->aklen);
	}
	sl->tag = x->tag;
	return sl;
}

/* A cleared transform's states leave the cache with it. */
static void cache_forget(struct m6_xform *x)
{
	struct cslot *sl = slot_of(x->cache, x->tag);
	if (sl->tag != x->tag)
		return;
	sl->tag = 0;
	OPENSSL_cleanse(&sl->hk, sizeof(sl->hk));
	if (sl->ctx)
		EVP_CIPHER_CTX_reset(sl->ctx);      /* cleanses the key schedule */
	sl->kind = C_NONE;
}

static EVP_CIPHER_CTX *live_cipher(const struct m6_xform *x)
{
	if (!x->cache)
		return x->cipher;
	struct cslot *sl = x->enc != M6_ENC_NULL ? live_slot(x) : NULL;
	return sl ? sl->ctx : NULL;
}

static const struct hkey *live_mac(const struct m6_xform *x)
{
	if (!x->cache)
		return x->mac;
	struct cslot *sl = x->auth != M6_AUTH_NONE ? live_slot(x) : NULL;
	return sl ? &sl->hk : NULL;
}

/* ---- per packet ---- */

static void make_nonce(const struct m6_xform *x, const uint8_t iv[M6_AEAD_IV_LEN], uint8_t n[12])
{
	memcpy(n, x->salt, 4);
	memcpy(n + 4, iv, M6_AEAD_IV_LEN);
}

static bool aead_args_ok(const struct m6_xform *x, const uint8_t *iv, const uint8_t *aad,
			 size_t aad_len, const uint8_t *data, size_t len, const uint8_t *tag)
{
	return x && m6_xform_has_cipher(x) && m6_enc_is_aead(x->enc) && iv && tag && (aad || !aad_len) &&
	       (data || !len) && aad_len <= INT_MAX && len <= INT_MAX;
}

int m6_xform_aead_seal(const struct m6_xform *x, const uint8_t iv[M6_AEAD_IV_LEN],
		       const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len,
		       uint8_t tag[M6_AEAD_TAG_LEN])
{
	if (!aead_args_ok(x, iv, aad, aad_len, data, len, tag))
		return M6_E_INVAL;
	EVP_CIPHER_CTX *c = live_cipher(x);
	uint8_t nonce[12], fin[16];
	int n;
	if (!c)
		return M6_E_CRYPTO;
	make_nonce(x, iv, nonce);
	/* The tag through the provider's parameter call itself: the AEAD ctrl
	 * of EVP_CIPHER_CTX_ctrl() only builds this parameter after a switch
	 * of its own, which on a 64-octet packet is a tenth of ESP's margin
	 * over bare EVP. */
	OSSL_PARAM tp[2] = { OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, M6_AEAD_TAG_LEN),
			     OSSL_PARAM_construct_end() };
	if (!EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce) ||
	    (aad_len && !EVP_EncryptUpdate(c, NULL, &n, aad, (int)aad_len)) ||
	    (len && !EVP_EncryptUpdate(c, data, &n, data, (int)len)) ||
	    !EVP_EncryptFinal_ex(c, fin, &n) || !EVP_CIPHER_CTX_get_params(c, tp))
		return M6_E_CRYPTO;
	return 0;
}

int m6_xform_aead_open(const struct m6_xform *x, const uint8_t iv[M6_AEAD_IV_LEN],
		       const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len,
		       const uint8_t tag[M6_AEAD_TAG_LEN])
{
	if (!aead_args_ok(x, iv, aad, aad_len, data, len, tag))
		return M6_E_INVAL;
	EVP_CIPHER_CTX *c = live_cipher(x);
	uint8_t nonce[12], fin[16], t[M6_AEAD_TAG_LEN];
	int n;
	if (!c)
		return M6_E_CRYPTO;
	make_nonce(x, iv, nonce);
	memcpy(t, tag, sizeof(t));
	OSSL_PARAM tp[2] = { OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, t, M6_AEAD_TAG_LEN),
			     OSSL_PARAM_construct_end() };
	if (!EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) ||
	    (aad_len && !EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len)) ||
	    (len && !EVP_DecryptUpdate(c, data, &n, data, (int)len)) || !EVP_CIPHER_CTX_set_params(c, tp))
		return M6_E_CRYPTO;
	if (EVP_DecryptFinal_ex(c, fin, &n) == 1)
		return 0;
	/* Both AEADs decrypt by XOR with a keystream that depends only on key
	 * and nonce, so running it again gives the ciphertext back: the caller
	 * sees the packet as it arrived, never unauthenticated plaintext. */
	if (!EVP_CipherInit_ex2(c, NULL, NULL, nonce, 0, NULL) ||
	    (len && !EVP_CipherUpdate(c, data, &n, data, (int)len)))
		m6_wipe(data, len);
	return M6_E_ICV;
}

int m6_xform_cbc(const struct m6_xform *x, const uint8_t iv[M6_CBC_IV_LEN], uint8_t *data,
		 size_t len)
{
	if (!x || !m6_xform_has_cipher(x) || x->enc != M6_ENC_AES_CBC || !iv || (!data && len) ||
	    len % 16 || len > INT_MAX)
		return M6_E_INVAL;
	EVP_CIPHER_CTX *c = live_cipher(x);
	uint8_t fin[16];
	int n;
	if (!c)
		return M6_E_CRYPTO;
	if (!EVP_CipherInit_ex2(c, NULL, NULL, iv, x->encrypt, NULL) ||
	    (len && !EVP_CipherUpdate(c, data, &n, data, (int)len)) ||
	    !EVP_CipherFinal_ex(c, fin, &n))
		return M6_E_CRYPTO;
	return 0;
}
