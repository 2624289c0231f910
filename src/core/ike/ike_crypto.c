/* The low-level SHA-2 functions are deprecated in OpenSSL 3 but are the only
 * way to keep HMAC key states (key XOR ipad/opad) and reuse them without
 * allocating: EVP_MAC_init()/EVP_DigestInit() duplicate a context each
 * time in 3.0 (see m6_xform.c, which does the same for ESP). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "ike_crypto.h"
#include "../util/m6_bytes.h"

#define NONE ((size_t)-1)

/* ---- HMAC over the SHA-2 family ---- */

enum hk { HK_256, HK_384, HK_512 };

union hctx {
	SHA256_CTX s256;
	SHA512_CTX s512;        /* SHA-384 too */
};

struct hkey {
	enum hk k;
	union hctx in, out;     /* states after (key XOR ipad) and (key XOR opad) */
};

#define MAC_STATES_LEN (2 * sizeof(uint64_t[32]))
_Static_assert(sizeof(union hctx) <= sizeof(uint64_t[32]), "an HMAC state fits struct ike_sk_dir's");

static size_t h_block(enum hk k) { return k == HK_256 ? SHA256_CBLOCK : SHA512_CBLOCK; }

static size_t h_out(enum hk k)
{
	return k == HK_256 ? SHA256_DIGEST_LENGTH : k == HK_384 ? SHA384_DIGEST_LENGTH
							      : SHA512_DIGEST_LENGTH;
}

static void h_init(enum hk k, union hctx *c)
{
	switch (k) {
	case HK_256: SHA256_Init(&c->s256); break;
	case HK_384: SHA384_Init(&c->s512); break;
	default: SHA512_Init(&c->s512); break;
	}
}

static void h_update(enum hk k, union hctx *c, const void *p, size_t n)
{
	if (k == HK_256)
		SHA256_Update(&c->s256, p, n);
	else
		SHA512_Update(&c->s512, p, n);  /* SHA384_Update is the same */
}

static void h_final(enum hk k, union hctx *c, uint8_t *out)
{
	switch (k) {
	case HK_256: SHA256_Final(out, &c->s256); break;
	case HK_384: SHA384_Final(out, &c->s512); break;
	default: SHA512_Final(out, &c->s512); break;
	}
}

/* RFC 2104: keys longer than the block are hashed first. */
static void hkey_init(struct hkey *h, enum hk k, const uint8_t *key, size_t klen)
{
	uint8_t k0[SHA512_CBLOCK], pad[SHA512_CBLOCK];
	size_t b = h_block(k);
	memset(k0, 0, sizeof(k0));
	h->k = k;
	if (klen > b) {
		union hctx t;
		h_init(k, &t);
		h_update(k, &t, key, klen);
		h_final(k, &t, k0);
		OPENSSL_cleanse(&t, sizeof(t));
	} else if (klen) {
		memcpy(k0, key, klen);
	}
	for (size_t i = 0; i < b; i++)
		pad[i] = k0[i] ^ 0x36;
	h_init(k, &h->in);
	h_update(k, &h->in, pad, b);
	for (size_t i = 0; i < b; i++)
		pad[i] = k0[i] ^ 0x5c;
	h_init(k, &h->out);
	h_update(k, &h->out, pad, b);
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(pad, sizeof(pad));
}

/* One MAC computation: start from the key's inner state. */
struct hrun {
	const struct hkey *key;
	union hctx c;
};

static void hrun_start(struct hrun *r, const struct hkey *h)
{
	r->key = h;
	r->c = h->in;
}

static void hrun_update(struct hrun *r, const void *p, size_t n)
{
	if (n)
		h_update(r->key->k, &r->c, p, n);
}

/* Full-length output (h_out octets); the run is wiped. */
static void hrun_final(struct hrun *r, uint8_t *out)
{
	uint8_t d[SHA512_DIGEST_LENGTH];
	enum hk k = r->key->k;
	h_final(k, &r->c, d);
	r->c = r->key->out;
	h_update(k, &r->c, d, h_out(k));
	h_final(k, &r->c, out);
	OPENSSL_cleanse(d, sizeof(d));
	OPENSSL_cleanse(&r->c, sizeof(r->c));
}

/* ---- prf, prf+ ---- */

static int prf_kind(uint16_t prf, enum hk *k)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA2_256: *k = HK_256; return 0;
	case IKE_PRF_HMAC_SHA2_384: *k = HK_384; return 0;
	case IKE_PRF_HMAC_SHA2_512: *k = HK_512; return 0;
	default: return M6_E_ALG;
	}
}

size_t ike_prf_len(uint16_t prf)
{
	enum hk k;
	return prf_kind(prf, &k) ? 0 : h_out(k);
}

int ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const struct ike_iov *v, unsigned nv,
	    uint8_t *out)
{
	enum hk k;
	struct hkey h;
	struct hrun r;
	if (prf_kind(prf, &k))
		return M6_E_ALG;
	hkey_init(&h, k, key, klen);
	hrun_start(&r, &h);
	for (unsigned i = 0; i < nv; i++)
		hrun_update(&r, v[i].p, v[i].n);
	hrun_final(&r, out);
	OPENSSL_cleanse(&h, sizeof(h));
	return 0;
}

int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const struct ike_iov *seed,
		 unsigned nseed, uint8_t *out, size_t out_len)
{
	enum hk k;
	if (prf_kind(prf, &k))
		return M6_E_ALG;
	size_t hl = h_out(k);
	/* 2.13: the counter is one octet, prf+ is undefined past 255 blocks. */
	if (out_len > 255 * hl)
		return M6_E_IKE_PRF_PLUS;
	struct hkey h;
	struct hrun r;
	uint8_t t[IKE_PRF_MAX];
	hkey_init(&h, k, key, klen);
	size_t done = 0;
	for (unsigned n = 1; done < out_len; n++) {
		uint8_t ctr = (uint8_t)n;
		hrun_start(&r, &h);
		if (n > 1)
			hrun_update(&r, t, hl);       /* T(n-1) */
		for (unsigned i = 0; i < nseed; i++)
			hrun_update(&r, seed[i].p, seed[i].n);
		hrun_update(&r, &ctr, 1);
		hrun_final(&r, t);
		size_t take = out_len - done < hl ? out_len - done : hl;
		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	OPENSSL_cleanse(&h, sizeof(h));
	return 0;
}

/* ---- algorithms ---- */

int ike_encr_keylen(uint16_t encr, uint16_t bits, size_t *len)
{
	bool aes_bits = bits == 128 || bits == 192 || bits == 256;
	switch (encr) {
	case IKE_ENCR_AES_CBC:
		if (!aes_bits)
			return M6_E_ALG;
		*len = bits / 8;
		return 0;
	case IKE_ENCR_AES_GCM_16:
		if (!aes_bits)
			return M6_E_ALG;
		*len = bits / 8 + 4;    /* RFC 5282 7.1: key || salt */
		return 0;
	case IKE_ENCR_CHACHA20_POLY1305:
		if (bits != 0)          /* RFC 7634 4: no Key Length attribute */
			return M6_E_ALG;
		*len = 36;
		return 0;
	case IKE_ENCR_NULL:
		if (bits != 0)
			return M6_E_ALG;
		*len = 0;
		return 0;
	default:
		return M6_E_ALG;
	}
}

bool ike_encr_is_aead(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_16 || encr == IKE_ENCR_CHACHA20_POLY1305;
}

int ike_integ_keylen(uint16_t integ, size_t *key_len, size_t *icv_len)
{
	switch (integ) {
	case IKE_INTEG_NONE: *key_len = 0; *icv_len = 0; return 0;
	case IKE_INTEG_HMAC_SHA1_96: *key_len = 20; *icv_len = 12; return 0;
	/* RFC 4868 2.1-2.3: key = hash size, ICV = half of it (ALG-04). */
	case IKE_INTEG_HMAC_SHA2_256_128: *key_len = 32; *icv_len = 16; return 0;
	case IKE_INTEG_HMAC_SHA2_384_192: *key_len = 48; *icv_len = 24; return 0;
	case IKE_INTEG_HMAC_SHA2_512_256: *key_len = 64; *icv_len = 32; return 0;
	default: return M6_E_ALG;
	}
}

static int integ_kind(uint16_t integ, enum hk *k)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA2_256_128: *k = HK_256; return 0;
	case IKE_INTEG_HMAC_SHA2_384_192: *k = HK_384; return 0;
	case IKE_INTEG_HMAC_SHA2_512_256: *k = HK_512; return 0;
	default: return M6_E_ALG;
	}
}

int ike_suite_check(const struct ike_suite *s)
{
	size_t el, al, icv;
	enum hk k;
	if (s->encr == IKE_ENCR_NULL || ike_encr_keylen(s->encr, s->encr_bits, &el) ||
	    !ike_prf_len(s->prf))
		return M6_E_ALG;
	if (ike_encr_is_aead(s->encr))
		return s->integ == IKE_INTEG_NONE ? 0 : M6_E_ALG;
	/* AES-CBC needs an integrity transform; SHA-1 is not offered for IKE. */
	if (integ_kind(s->integ, &k) || ike_integ_keylen(s->integ, &al, &icv))
		return M6_E_ALG;
	return 0;
}

/* ---- IKE SA keys ---- */

int ike_skeyseed(uint16_t prf, const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		 const uint8_t *gir, size_t gir_len, uint8_t *out)
{
	uint8_t key[2 * 256];
	/* The key is Ni | Nr (nonces are at most 256 octets each, 3.9). */
	if (ni_len > 256 || nr_len > 256)
		return M6_E_INVAL;
	memcpy(key, ni, ni_len);
	memcpy(key + ni_len, nr, nr_len);
	struct ike_iov v = { gir, gir_len };
	int rc = ike_prf(prf, key, ni_len + nr_len, &v, 1, out);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int ike_skeyseed_rekey(uint16_t prf_old, const uint8_t *sk_d_old, size_t sk_d_len,
		       const uint8_t *gir, size_t gir_len, const uint8_t *ni, size_t ni_len,
		       const uint8_t *nr, size_t nr_len, uint8_t *out)
{
	/* IKE-14: a rekey without a new Diffie-Hellman is refused upstream. */
	if (!gir || !gir_len)
		return M6_E_INVAL;
	struct ike_iov v[3] = { { gir, gir_len }, { ni, ni_len }, { nr, nr_len } };
	return ike_prf(prf_old, sk_d_old, sk_d_len, v, 3, out);
}

int ike_derive_keys(const struct ike_suite *s, const uint8_t *skeyseed, const uint8_t *ni,
		    size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
		    const uint8_t spi_r[8], struct ike_keys *k)
{
	size_t icv;
	memset(k, 0, sizeof(*k));
	if (ike_suite_check(s))
		return M6_E_ALG;
	size_t pl = ike_prf_len(s->prf);
	if (ike_encr_keylen(s->encr, s->encr_bits, &k->e_len) ||
	    ike_integ_keylen(s->integ, &k->a_len, &icv))
		return M6_E_ALG;
	k->prf_len = pl;
	uint8_t km[3 * IKE_PRF_MAX + 2 * IKE_INTEG_KEY_MAX + 2 * IKE_ENCR_KEY_MAX];
	size_t total = 3 * pl + 2 * k->a_len + 2 * k->e_len;
	struct ike_iov seed[4] = {
		{ ni, ni_len }, { nr, nr_len }, { spi_i, IKE_SPI_LEN }, { spi_r, IKE_SPI_LEN } };
	int rc = ike_prf_plus(s->prf, skeyseed, pl, seed, 4, km, total);
	if (rc == 0) {
		/* Cut from the stream in this order, without regard to block
		 * boundaries (IKE-10, IKE-11). */
		const uint8_t *p = km;
		memcpy(k->d, p, pl); p += pl;
		memcpy(k->ai, p, k->a_len); p += k->a_len;
		memcpy(k->ar, p, k->a_len); p += k->a_len;
		memcpy(k->ei, p, k->e_len); p += k->e_len;
		memcpy(k->er, p, k->e_len); p += k->e_len;
		memcpy(k->pi, p, pl); p += pl;
		memcpy(k->pr, p, pl);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}

void ike_keys_wipe(struct ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* ---- Child SA keys ---- */

int ike_child_keymat(uint16_t prf, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
		     size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		     size_t nr_len, const struct ike_child_alg *a, struct ike_child_keys *k)
{
	size_t icv;
	memset(k, 0, sizeof(*k));
	if (ike_encr_keylen(a->encr, a->encr_bits, &k->e_len) ||
	    ike_integ_keylen(a->integ, &k->a_len, &icv))
		return M6_E_ALG;
	/* An AEAD has no integrity transform; anything else needs one. */
	if (ike_encr_is_aead(a->encr) != (a->integ == IKE_INTEG_NONE))
		return M6_E_ALG;
	uint8_t km[2 * (IKE_ENCR_KEY_MAX + IKE_INTEG_KEY_MAX)];
	size_t total = 2 * (k->e_len + k->a_len);
	struct ike_iov seed[3];
	unsigned n = 0;
	if (gir)
		seed[n++] = (struct ike_iov){ gir, gir_len };
	seed[n++] = (struct ike_iov){ ni, ni_len };
	seed[n++] = (struct ike_iov){ nr, nr_len };
	int rc = ike_prf_plus(prf, sk_d, sk_d_len, seed, n, km, total);
	if (rc == 0) {
		const uint8_t *p = km;
		memcpy(k->ei, p, k->e_len); p += k->e_len;
		memcpy(k->ai, p, k->a_len); p += k->a_len;
		memcpy(k->er, p, k->e_len); p += k->e_len;
		memcpy(k->ar, p, k->a_len);
	}
	OPENSSL_cleanse(km, sizeof(km));
	return rc;
}

void ike_child_keys_wipe(struct ike_child_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* ---- AUTH ---- */

static const char key_pad[] = "Key Pad for IKEv2";     /* 17 octets, no NUL (IKE-12) */

int ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psk_len, const uint8_t *msg,
		 size_t msg_len, const uint8_t *nonce, size_t nonce_len, const uint8_t *sk_p,
		 size_t sk_p_len, const uint8_t *id, size_t id_len, uint8_t *out)
{
	uint8_t pad_key[IKE_PRF_MAX], maced_id[IKE_PRF_MAX];
	size_t pl = ike_prf_len(prf);
	if (!pl)
		return M6_E_ALG;
	struct ike_iov kp = { key_pad, sizeof(key_pad) - 1 };
	struct ike_iov iv = { id, id_len };
	int rc = ike_prf(prf, psk, psk_len, &kp, 1, pad_key);
	if (!rc)
		rc = ike_prf(prf, sk_p, sk_p_len, &iv, 1, maced_id);
	if (!rc) {
		struct ike_iov v[3] = { { msg, msg_len }, { nonce, nonce_len }, { maced_id, pl } };
		rc = ike_prf(prf, pad_key, pl, v, 3, out);
	}
	OPENSSL_cleanse(pad_key, sizeof(pad_key));
	OPENSSL_cleanse(maced_id, sizeof(maced_id));
	return rc;
}

int ike_auth_psk_verify(uint16_t prf, const uint8_t *psk, size_t psk_len, const uint8_t *msg,
			size_t msg_len, const uint8_t *nonce, size_t nonce_len,
			const uint8_t *sk_p, size_t sk_p_len, const uint8_t *id, size_t id_len,
			const uint8_t *auth, size_t auth_len)
{
	uint8_t want[IKE_PRF_MAX];
	int rc = ike_auth_psk(prf, psk, psk_len, msg, msg_len, nonce, nonce_len, sk_p, sk_p_len,
			      id, id_len, want);
	if (rc)
		return rc;
	/* The length is public (it is the PRF's); the value is compared in
	 * constant time. */
	if (auth_len != ike_prf_len(prf) || CRYPTO_memcmp(want, auth, auth_len) != 0)
		rc = M6_E_IKE_AUTH;
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}

/* ---- SK payload ---- */

static const EVP_CIPHER *sk_cipher(uint16_t encr, uint16_t bits)
{
	switch (encr) {
	case IKE_ENCR_AES_CBC:
		return bits == 128 ? EVP_aes_128_cbc() : bits == 192 ? EVP_aes_192_cbc()
								     : EVP_aes_256_cbc();
	case IKE_ENCR_AES_GCM_16:
		return bits == 128 ? EVP_aes_128_gcm() : bits == 192 ? EVP_aes_192_gcm()
								     : EVP_aes_256_gcm();
	case IKE_ENCR_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

static int store_hkey(struct ike_sk_dir *d, const struct hkey *h)
{
	if (!(d->mac = OPENSSL_zalloc(MAC_STATES_LEN)))
		return M6_E_NOMEM;
	memcpy(d->mac[0], &h->in, sizeof(h->in));
	memcpy(d->mac[1], &h->out, sizeof(h->out));
	d->has_mac = true;
	return 0;
}

static void load_hkey(const struct ike_sk_dir *d, enum hk k, struct hkey *h)
{
	h->k = k;
	memcpy(&h->in, d->mac[0], sizeof(h->in));
	memcpy(&h->out, d->mac[1], sizeof(h->out));
}

static int dir_init(struct ike_sk_dir *d, const EVP_CIPHER *c, bool enc, bool aead,
		    const uint8_t *ekey, size_t elen, bool has_mac, enum hk k,
		    const uint8_t *akey, size_t alen)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return M6_E_NOMEM;
	d->cipher = ctx;
	size_t klen = aead ? elen - 4 : elen;
	if (aead)
		memcpy(d->salt, ekey + klen, 4);
	int ok = enc ? EVP_EncryptInit_ex(ctx, c, NULL, ekey, NULL)
		     : EVP_DecryptInit_ex(ctx, c, NULL, ekey, NULL);
	if (ok != 1 || (size_t)EVP_CIPHER_CTX_get_key_length(ctx) != klen)
		return M6_E_CRYPTO;
	if (!aead && EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
		return M6_E_CRYPTO;
	if (has_mac) {
		struct hkey h;
		hkey_init(&h, k, akey, alen);
		int rc = store_hkey(d, &h);
		OPENSSL_cleanse(&h, sizeof(h));
		return rc;
	}
	return 0;
}

int ike_sk_init_raw(struct ike_sk *sk, uint16_t encr, uint16_t encr_bits, uint16_t integ,
		    const uint8_t *e_out, const uint8_t *a_out, const uint8_t *e_in,
		    const uint8_t *a_in)
{
	size_t elen, alen, icv;
	enum hk k = HK_256;
	memset(sk, 0, sizeof(*sk));
	const EVP_CIPHER *c = sk_cipher(encr, encr_bits);
	if (!c || ike_encr_keylen(encr, encr_bits, &elen) || ike_integ_keylen(integ, &alen, &icv))
		return M6_E_ALG;
	sk->encr = encr;
	sk->integ = integ;
	sk->aead = ike_encr_is_aead(encr);
	if (sk->aead) {
		if (integ != IKE_INTEG_NONE)
			return M6_E_ALG;
		sk->iv_len = 8;
		sk->block = 1;
		sk->icv_len = 16;
	} else {
		if (integ_kind(integ, &k))
			return M6_E_ALG;
		sk->iv_len = 16;
		sk->block = 16;
		sk->icv_len = icv;
	}
	int rc = dir_init(&sk->out, c, true, sk->aead, e_out, elen, !sk->aead, k, a_out, alen);
	if (!rc)
		rc = dir_init(&sk->in, c, false, sk->aead, e_in, elen, !sk->aead, k, a_in, alen);
	if (rc)
		ike_sk_clear(sk);
	return rc;
}

int ike_sk_init(struct ike_sk *sk, const struct ike_suite *s, const struct ike_keys *k,
		bool initiator)
{
	if (ike_suite_check(s)) {
		memset(sk, 0, sizeof(*sk));
		return M6_E_ALG;
	}
	return ike_sk_init_raw(sk, s->encr, s->encr_bits, s->integ,
			       initiator ? k->ei : k->er, initiator ? k->ai : k->ar,
			       initiator ? k->er : k->ei, initiator ? k->ar : k->ai);
}

void ike_sk_clear(struct ike_sk *sk)
{
	EVP_CIPHER_CTX_free(sk->out.cipher);   /* also cleanses the key schedule */
	EVP_CIPHER_CTX_free(sk->in.cipher);
	OPENSSL_clear_free(sk->out.mac, MAC_STATES_LEN);
	OPENSSL_clear_free(sk->in.mac, MAC_STATES_LEN);
	OPENSSL_cleanse(sk, sizeof(*sk));
}

size_t ike_sk_heap_bytes(const struct ike_sk *sk)
{
	return (sk->out.mac ? MAC_STATES_LEN : 0) + (sk->in.mac ? MAC_STATES_LEN : 0);
}

static size_t pad_len(const struct ike_sk *sk, size_t plain_len)
{
	/* Content + Pad Length octet rounded up to the block; none for the
	 * AEADs (RFC 7634 3 SHOULD, RFC 5282 3). */
	return (sk->block - (plain_len + 1) % sk->block) % sk->block;
}

size_t ike_sk_overhead(const struct ike_sk *sk, size_t plain_len, bool skf)
{
	return IKE_PL_HDR_LEN + (skf ? 4 : 0) + sk->iv_len + pad_len(sk, plain_len) + 1 +
	       sk->icv_len;
}

static int aead_run(EVP_CIPHER_CTX *ctx, bool enc, const uint8_t salt[4], const uint8_t *iv,
		    const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len, uint8_t *tag)
{
	uint8_t nonce[12];
	int outl;
	memcpy(nonce, salt, 4);             /* RFC 5282 4, RFC 7634 2 */
	memcpy(nonce + 4, iv, 8);
	if (enc) {
		if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
		    EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) != 1 ||
		    EVP_EncryptUpdate(ctx, data, &outl, data, (int)len) != 1 ||
		    EVP_EncryptFinal_ex(ctx, data + outl, &outl) != 1 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
			return M6_E_CRYPTO;
		return 0;
	}
	if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) != 1 ||
	    EVP_DecryptUpdate(ctx, data, &outl, data, (int)len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1)
		return M6_E_CRYPTO;
	if (EVP_DecryptFinal_ex(ctx, data + outl, &outl) != 1) {
		OPENSSL_cleanse(data, len);
		return M6_E_IKE_ICV;
	}
	return 0;
}

static int cbc_run(EVP_CIPHER_CTX *ctx, bool enc, const uint8_t *iv, uint8_t *data, size_t len)
{
	int outl;
	int ok = enc ? EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) == 1 &&
			       EVP_EncryptUpdate(ctx, data, &outl, data, (int)len) == 1
		     : EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, iv) == 1 &&
			       EVP_DecryptUpdate(ctx, data, &outl, data, (int)len) == 1;
	return ok && (size_t)outl == len ? 0 : M6_E_CRYPTO;
}

static void mac(const struct ike_sk *sk, const struct ike_sk_dir *d, const uint8_t *p, size_t n,
		uint8_t *icv)
{
	enum hk k = HK_256;
	struct hkey h;
	struct hrun r;
	uint8_t full[SHA512_DIGEST_LENGTH];
	integ_kind(sk->integ, &k);
	load_hkey(d, k, &h);
	hrun_start(&r, &h);
	hrun_update(&r, p, n);
	hrun_final(&r, full);
	memcpy(icv, full, sk->icv_len);    /* RFC 4868: truncated to half */
	OPENSSL_cleanse(full, sizeof(full));
	OPENSSL_cleanse(&h, sizeof(h));
}

int ike_sk_seal(struct ike_sk *sk, struct ike_wr *w, const struct ike_rng *rng, size_t *msg_len)
{
	if (w->err)
		return w->err;
	if (w->sk_off == NONE || w->open != NONE || !sk->out.cipher)
		return M6_E_INVAL;
	size_t plain_len = w->len - w->plain_off;
	size_t pad = pad_len(sk, plain_len);
	uint8_t *tail = ike_wr_reserve(w, pad + 1 + sk->icv_len);
	if (!tail)
		return w->err;
	memset(tail, 0, pad);
	tail[pad] = (uint8_t)pad;
	size_t enc_len = plain_len + pad + 1;
	size_t sk_len = w->len - w->sk_off;
	if (sk_len > 0xffff || w->len > INT_MAX)
		return M6_E_INVAL;
	uint8_t *buf = w->buf;
	m6_put16(buf + w->sk_off + 2, (uint16_t)sk_len);
	m6_put32(buf + 24, (uint32_t)w->len);
	uint8_t *iv = buf + w->plain_off - sk->iv_len;
	uint8_t *data = buf + w->plain_off;
	int rc;
	if (sk->aead) {
		/* A counter: never repeated under this key (RFC 5282 3.1). */
		uint64_t seq = sk->iv_seq++;
		m6_put32(iv, (uint32_t)(seq >> 32));
		m6_put32(iv + 4, (uint32_t)seq);
		rc = aead_run(sk->out.cipher, true, sk->out.salt, iv, buf, (size_t)(iv - buf), data,
			      enc_len, data + enc_len);
	} else {
		/* CBC needs an unpredictable IV (3.14). */
		if (!rng || !rng->random)
			return M6_E_INVAL;
		rng->random(rng->ctx, iv, sk->iv_len);
		rc = cbc_run(sk->out.cipher, true, iv, data, enc_len);
		if (!rc)
			mac(sk, &sk->out, buf, w->len - sk->icv_len, data + enc_len);
	}
	if (rc)
		return rc;
	return ike_wr_finish(w, msg_len);
}

int ike_sk_open(const struct ike_sk *sk, uint8_t *msg, size_t len, const struct ike_msg *m,
		size_t *plain_off, size_t *plain_len)
{
	if (m->sk < 0 || !sk->in.cipher)
		return M6_E_INVAL;
	const struct ike_pl *pl = &m->pl[m->sk];
	size_t off = pl->off, end = off + pl->len;
	if (end > len || pl->inner)
		return M6_E_INVAL;
	size_t body = off + IKE_PL_HDR_LEN + (pl->type == IKE_PL_SKF ? 4 : 0);
	if (end < body || end - body < sk->iv_len + sk->icv_len + 1)
		return M6_E_IKE_SK_LEN;
	size_t enc_len = end - body - sk->iv_len - sk->icv_len;
	if (enc_len % sk->block)
		return M6_E_IKE_SK_LEN;
	uint8_t *iv = msg + body, *data = iv + sk->iv_len, *icv = data + enc_len;
	int rc;
	if (sk->aead) {
		rc = aead_run(sk->in.cipher, false, sk->in.salt, iv, msg, body, data, enc_len, icv);
	} else {
		uint8_t want[IKE_ICV_MAX];
		/* Verify before decrypting: everything up to the ICV. */
		mac(sk, &sk->in, msg, end - sk->icv_len, want);
		rc = CRYPTO_memcmp(want, icv, sk->icv_len) ? M6_E_IKE_ICV : 0;
		OPENSSL_cleanse(want, sizeof(want));
		if (!rc)
			rc = cbc_run(sk->in.cipher, false, iv, data, enc_len);
	}
	if (rc)
		return rc;
	size_t pad = data[enc_len - 1];
	if (pad + 1 > enc_len)
		return M6_E_IKE_SK_PAD;
	*plain_off = (size_t)(data - msg);
	*plain_len = enc_len - pad - 1;
	return 0;
}
