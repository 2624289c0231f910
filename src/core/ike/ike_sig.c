/* ECDSA with a nonce from the caller's generator needs ECDSA_do_sign_ex()
 * and the EC_KEY behind the EVP_PKEY (deprecated in OpenSSL 3, with no
 * replacement before 3.2); PSS with the caller's salt needs PKCS1_MGF1(). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike_const.h"
#include "ike_sig.h"
#include "../util/m6_err.h"

enum key_kind { KEY_NONE, KEY_RSA, KEY_P256, KEY_P384, KEY_ED25519 };

struct ike_cred {
	unsigned refs;
	EVP_PKEY *key;
	enum key_kind kind;
	X509 *cert;
	X509_STORE *store;
	unsigned n_ca;
	uint8_t *der[IKE_CERT_CHAIN_MAX];
	size_t der_len[IKE_CERT_CHAIN_MAX];
	unsigned n_der;
	uint8_t certreq[IKE_CERTREQ_HASH_LEN * IKE_CERT_CHAIN_MAX];
	bool rsa_pkcs1, classic;
};

/* ---- method 14 algorithms (RFC 7427 A) ---- */

struct sig_alg {
	uint8_t hash;           /* IKE_HASH_* the peer must have announced */
	enum key_kind key;      /* KEY_P256 stands for any ECDSA key */
	bool pss;
	const char *md;         /* NULL: Ed25519 signs the message itself */
	const uint8_t *der;
	size_t der_len;
};

#define ALG(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
static const struct sig_alg algs[] = {
	/* RSASSA-PSS, SHA-256, MGF1 with SHA-256, salt 32 (A.4.3 with our parameters) */
	{ IKE_HASH_SHA2_256, KEY_RSA, true, "SHA256",
	  ALG(0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x34,
	      0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	      0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	      0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	      0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20) },
	/* the same with the hash AlgorithmIdentifiers' parameters absent
	 * rather than NULL (both are to be accepted, RFC 5754 2): verified,
	 * never sent */
	{ IKE_HASH_SHA2_256, KEY_RSA, true, "SHA256",
	  ALG(0x30, 0x3d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x30,
	      0xa0, 0x0d, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	      0xa1, 0x1a, 0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08,
	      0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0xa2, 0x03,
	      0x02, 0x01, 0x20) },
	/* sha256/384/512WithRSAEncryption (A.1) */
	{ IKE_HASH_SHA2_256, KEY_RSA, false, "SHA256",
	  ALG(0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00) },
	{ IKE_HASH_SHA2_384, KEY_RSA, false, "SHA384",
	  ALG(0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00) },
	{ IKE_HASH_SHA2_512, KEY_RSA, false, "SHA512",
	  ALG(0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00) },
	/* ecdsa-with-sha256/384/512 (A.3) */
	{ IKE_HASH_SHA2_256, KEY_P256, false, "SHA256",
	  ALG(0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02) },
	{ IKE_HASH_SHA2_384, KEY_P256, false, "SHA384",
	  ALG(0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03) },
	{ IKE_HASH_SHA2_512, KEY_P256, false, "SHA512",
	  ALG(0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04) },
	/* Ed25519 (RFC 8420 2) */
	{ IKE_HASH_IDENTITY, KEY_ED25519, false, NULL, ALG(0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70) },
};
#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

static enum key_kind kind_of(EVP_PKEY *k)
{
	if (EVP_PKEY_is_a(k, "RSA"))
		return EVP_PKEY_get_bits(k) >= 2048 ? KEY_RSA : KEY_NONE;
	if (EVP_PKEY_is_a(k, "ED25519"))
		return KEY_ED25519;
	if (EVP_PKEY_is_a(k, "EC")) {
		char g[64];
		size_t gl;
		if (!EVP_PKEY_get_group_name(k, g, sizeof(g), &gl))
			return KEY_NONE;
		if (!strcmp(g, "prime256v1") || !strcmp(g, "P-256"))
			return KEY_P256;
		if (!strcmp(g, "secp384r1") || !strcmp(g, "P-384"))
			return KEY_P384;
	}
	return KEY_NONE;
}

static bool alg_fits(const struct sig_alg *a, enum key_kind k)
{
	if (a->key == KEY_P256)
		return k == KEY_P256 || k == KEY_P384;
	return a->key == k;
}

/* ---- credentials ---- */

struct ike_cred *ike_cred_new(void)
{
	struct ike_cred *c = calloc(1, sizeof(struct ike_cred));
	if (c)
		c->refs = 1;
	return c;
}

struct ike_cred *ike_cred_ref(struct ike_cred *c)
{
	if (c)
		c->refs++;
	return c;
}

void ike_cred_free(struct ike_cred *c)
{
	if (!c || --c->refs)
		return;
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
	X509_STORE_free(c->store);
	for (unsigned i = 0; i < c->n_der; i++)
		OPENSSL_free(c->der[i]);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

/* Never prompt for a passphrase: an encrypted key is refused. */
static int no_pass(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return -1;
}

static int keep_der(struct ike_cred *c, X509 *x)
{
	if (c->n_der >= IKE_CERT_CHAIN_MAX)
		return M6_E_NOMEM;
	unsigned char *d = NULL;
	int n = i2d_X509(x, &d);
	if (n <= 0)
		return M6_E_IKE_CERT_PARSE;
	c->der[c->n_der] = d;
	c->der_len[c->n_der++] = (size_t)n;
	return 0;
}

int ike_cred_set_own(struct ike_cred *c, const char *cert_pem, size_t cert_len,
		     const char *key_pem, size_t key_len)
{
	if (c->cert || cert_len > INT_MAX || key_len > INT_MAX)
		return M6_E_INVAL;
	BIO *b = BIO_new_mem_buf(cert_pem, (int)cert_len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, no_pass, NULL) : NULL;
	BIO_free(b);
	b = BIO_new_mem_buf(key_pem, (int)key_len);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, no_pass, NULL) : NULL;
	BIO_free(b);
	int rc = 0;
	ERR_clear_error();
	if (!x || !k)
		rc = M6_E_IKE_CERT_PARSE;
	else if (kind_of(k) == KEY_NONE)
		rc = M6_E_IKE_KEY_TYPE;
	else if (EVP_PKEY_eq(X509_get0_pubkey(x), k) != 1)
		rc = M6_E_IKE_KEY_MISMATCH;
	if (!rc)
		rc = keep_der(c, x);
	if (rc) {
		X509_free(x);
		EVP_PKEY_free(k);
		return rc;
	}
	c->cert = x;
	c->key = k;
	c->kind = kind_of(k);
	return 0;
}

/* Each certificate of a PEM text to fn; M6_E_IKE_CERT_PARSE without one. */
static int each_pem(struct ike_cred *c, const char *pem, size_t len, int (*fn)(struct ike_cred *, X509 *))
{
	if (len > INT_MAX)
		return M6_E_INVAL;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	if (!b)
		return M6_E_NOMEM;
	X509 *x;
	int rc = 0;
	unsigned n = 0;
	while (!rc && (x = PEM_read_bio_X509(b, NULL, no_pass, NULL))) {
		rc = fn(c, x);
		X509_free(x);
		n++;
	}
	ERR_clear_error();      /* the end of the text reads as an error */
	BIO_free(b);
	return rc ? rc : n ? 0 : M6_E_IKE_CERT_PARSE;
}

static int add_inter(struct ike_cred *c, X509 *x)
{
	return c->cert ? keep_der(c, x) : M6_E_INVAL;
}

int ike_cred_add_intermediates(struct ike_cred *c, const char *pem, size_t len)
{
	return each_pem(c, pem, len, add_inter);
}

static int add_ca(struct ike_cred *c, X509 *x)
{
	if (c->n_ca >= IKE_CERT_CHAIN_MAX)
		return M6_E_NOMEM;
	if (!c->store && !(c->store = X509_STORE_new()))
		return M6_E_NOMEM;
	/* 3.7: the SHA-1 hash of the CA's SubjectPublicKeyInfo */
	unsigned char *spki = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	if (n <= 0)
		return M6_E_IKE_CERT_PARSE;
	SHA1(spki, (size_t)n, c->certreq + IKE_CERTREQ_HASH_LEN * c->n_ca);
	OPENSSL_free(spki);
	if (X509_STORE_add_cert(c->store, x) != 1)
		return M6_E_NOMEM;
	c->n_ca++;
	return 0;
}

int ike_cred_set_ca(struct ike_cred *c, const char *pem, size_t len)
{
	return each_pem(c, pem, len, add_ca);
}

void ike_cred_set_rsa_pkcs1(struct ike_cred *c, bool pkcs1)
{
	c->rsa_pkcs1 = pkcs1;
}

void ike_cred_set_classic(struct ike_cred *c, bool classic)
{
	c->classic = classic;
}

bool ike_cred_same(const struct ike_cred *a, const struct ike_cred *b)
{
	if (!a || !b)
		return a == b;
	if (a->n_der != b->n_der || a->n_ca != b->n_ca || a->rsa_pkcs1 != b->rsa_pkcs1 ||
	    a->classic != b->classic || memcmp(a->certreq, b->certreq, sizeof(a->certreq)))
		return false;
	for (unsigned i = 0; i < a->n_der; i++)
		if (a->der_len[i] != b->der_len[i] || memcmp(a->der[i], b->der[i], a->der_len[i]))
			return false;
	/* a key is the certificate's (ike_cred_set_own): the same certificate, the same key */
	return true;
}

bool ike_cred_has_own(const struct ike_cred *c)
{
	return c && c->key;
}

bool ike_cred_has_ca(const struct ike_cred *c)
{
	return c && c->n_ca;
}

unsigned ike_cred_hashes(const struct ike_cred *c)
{
	return c->classic ? 0
			  : IKE_HASH_BIT(IKE_HASH_SHA2_256) | IKE_HASH_BIT(IKE_HASH_SHA2_384) |
				    IKE_HASH_BIT(IKE_HASH_SHA2_512) | IKE_HASH_BIT(IKE_HASH_IDENTITY);
}

unsigned ike_cred_n_certs(const struct ike_cred *c)
{
	return c->n_der;
}

const uint8_t *ike_cred_cert_der(const struct ike_cred *c, unsigned i, size_t *len)
{
	if (i >= c->n_der)
		return NULL;
	*len = c->der_len[i];
	return c->der[i];
}

const uint8_t *ike_cred_certreq(const struct ike_cred *c, size_t *len)
{
	*len = IKE_CERTREQ_HASH_LEN * c->n_ca;
	return c->certreq;
}

/* ---- signatures ---- */

static int ec_field_len(uint8_t method)
{
	return method == IKE_AUTH_ECDSA_256 ? 32 : method == IKE_AUTH_ECDSA_384 ? 48 : 0;
}

static int sign_raw(EVP_PKEY *k, const char *md, bool pss, const uint8_t *tbs, size_t tbs_len,
		    uint8_t *sig, size_t *sig_len)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int rc = M6_E_IKE_AUTH;
	if (m && EVP_DigestSignInit_ex(m, &pc, md, NULL, NULL, k, NULL) == 1 &&
	    (!pss || (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		      EVP_PKEY_CTX_set_rsa_mgf1_md_name(pc, "SHA256", NULL) == 1 &&
		      EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 32) == 1)) &&
	    EVP_DigestSign(m, sig, sig_len, tbs, tbs_len) == 1)
		rc = 0;
	EVP_MD_CTX_free(m);
	return rc;
}

static int verify_raw(EVP_PKEY *k, const char *md, bool pss, const uint8_t *sig, size_t sig_len,
		      const uint8_t *tbs, size_t tbs_len)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int rc = M6_E_IKE_AUTH;
	if (m && EVP_DigestVerifyInit_ex(m, &pc, md, NULL, NULL, k, NULL) == 1 &&
	    (!pss || (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		      EVP_PKEY_CTX_set_rsa_mgf1_md_name(pc, "SHA256", NULL) == 1 &&
		      EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 32) == 1)) &&
	    EVP_DigestVerify(m, sig, sig_len, tbs, tbs_len) == 1)
		rc = 0;
	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return rc;
}

/* DER ECDSA-Sig-Value to r||s of n octets each (RFC 4754 7). */
static int ecdsa_der_to_raw(const uint8_t *der, size_t len, int n, uint8_t *out)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	int rc = M6_E_IKE_AUTH;
	if (s && BN_bn2binpad(ECDSA_SIG_get0_r(s), out, n) == n &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(s), out + n, n) == n)
		rc = 0;
	ECDSA_SIG_free(s);
	return rc;
}

/* r||s to DER; *der allocated (OPENSSL_free). */
static int ecdsa_raw_to_der(const uint8_t *raw, int n, uint8_t **der, size_t *len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, n, NULL), *t = BN_bin2bn(raw + n, n, NULL);
	int rc = M6_E_NOMEM;
	if (s && r && t && ECDSA_SIG_set0(s, r, t) == 1) {
		r = t = NULL;
		unsigned char *d = NULL;
		int l = i2d_ECDSA_SIG(s, &d);
		if (l > 0) {
			*der = d;
			*len = (size_t)l;
			rc = 0;
		}
	}
	BN_free(r);
	BN_free(t);
	ECDSA_SIG_free(s);
	return rc;
}

/* ECDSA over tbs with the nonce k drawn from rng (64 bits more than the
 * order, reduced: the bias is negligible), DER out. The inverse of k is
 * computed in constant time (Fermat); the scalar multiplication is
 * OpenSSL's constant-time one for secret scalars. */
static int ecdsa_sign_rng(EVP_PKEY *k, const char *md, const struct ike_rng *rng, const uint8_t *tbs,
			  size_t tbs_len, uint8_t *sig, size_t *sig_len)
{
	const EC_KEY *ek = EVP_PKEY_get0_EC_KEY(k);
	const EC_GROUP *grp = ek ? EC_KEY_get0_group(ek) : NULL;
	const BIGNUM *order = grp ? EC_GROUP_get0_order(grp) : NULL;
	uint8_t dgst[64], buf[64 + 8];
	unsigned dl = 0;
	int rc = M6_E_IKE_AUTH;
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *kk = BN_secure_new(), *t = BN_new(), *kinv = BN_secure_new(), *r = BN_new(), *x = BN_new(),
	       *n2 = BN_new();
	EC_POINT *R = grp ? EC_POINT_new(grp) : NULL;
	ECDSA_SIG *s = NULL;
	if (!order || !bc || !kk || !t || !kinv || !r || !x || !n2 || !R ||
	    !EVP_Digest(tbs, tbs_len, dgst, &dl, EVP_get_digestbyname(md), NULL))
		goto out;
	size_t nb = (size_t)BN_num_bytes(order) + 8;
	BN_set_flags(kk, BN_FLG_CONSTTIME);
	for (int tries = 0; tries < 8 && !s; tries++) {
		rng->random(rng->ctx, buf, nb);
		if (!BN_bin2bn(buf, (int)nb, t) || !BN_mod(kk, t, order, bc) || BN_is_zero(kk) ||
		    !EC_POINT_mul(grp, R, kk, NULL, NULL, bc) ||
		    !EC_POINT_get_affine_coordinates(grp, R, x, NULL, bc) || !BN_nnmod(r, x, order, bc) ||
		    BN_is_zero(r) || !BN_sub(n2, order, BN_value_one()) || !BN_sub_word(n2, 1) ||
		    !BN_mod_exp_mont_consttime(kinv, kk, n2, order, bc, NULL))
			continue;
		/* NULL when s = 0 with this k: another k */
		s = ECDSA_do_sign_ex(dgst, (int)dl, kinv, r, (EC_KEY *)ek);
	}
	if (s) {
		unsigned char *p = sig;
		int l = i2d_ECDSA_SIG(s, NULL);
		if (l > 0 && (size_t)l <= *sig_len && i2d_ECDSA_SIG(s, &p) == l) {
			*sig_len = (size_t)l;
			rc = 0;
		}
	}
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	ECDSA_SIG_free(s);
	EC_POINT_free(R);
	BN_clear_free(kk);
	BN_clear_free(t);
	BN_clear_free(kinv);
	BN_free(r);
	BN_free(x);
	BN_free(n2);
	BN_CTX_free(bc);
	ERR_clear_error();
	return rc;
}

/* RSASSA-PSS (RFC 8017 8.1.1, EMSA-PSS 9.1.1) with SHA-256, MGF1-SHA-256
 * and a 32-octet salt from rng, then the raw RSA operation. */
static int pss_sign_rng(EVP_PKEY *k, const struct ike_rng *rng, const uint8_t *tbs, size_t tbs_len,
			uint8_t *sig, size_t *sig_len)
{
	enum { HL = 32, SL = 32 };
	int bits = EVP_PKEY_get_bits(k);
	size_t kl = (size_t)EVP_PKEY_get_size(k), em_bits = (size_t)bits - 1, el = (em_bits + 7) / 8;
	uint8_t em[1024], mp[8 + HL + SL], h[HL];
	unsigned hl = 0;
	int rc = M6_E_IKE_AUTH;
	if (kl > sizeof(em) || el < HL + SL + 2 || *sig_len < kl)
		return M6_E_IKE_AUTH;
	memset(mp, 0, 8);
	rng->random(rng->ctx, mp + 8 + HL, SL);
	EVP_PKEY_CTX *pc = NULL;
	if (!EVP_Digest(tbs, tbs_len, mp + 8, &hl, EVP_sha256(), NULL) ||
	    !EVP_Digest(mp, sizeof(mp), h, &hl, EVP_sha256(), NULL))
		goto out;
	/* EM = maskedDB || H || 0xbc, right-aligned in the modulus' octets */
	uint8_t *e = em + (kl - el);
	size_t dbl = el - HL - 1;
	memset(em, 0, kl);
	e[dbl - SL - 1] = 0x01;
	memcpy(e + dbl - SL, mp + 8 + HL, SL);
	uint8_t mask[1024];
	if (PKCS1_MGF1(mask, (long)dbl, h, HL, EVP_sha256()) != 0)
		goto out;
	for (size_t i = 0; i < dbl; i++)
		e[i] ^= mask[i];
	e[0] &= (uint8_t)(0xff >> (8 * el - em_bits));
	memcpy(e + dbl, h, HL);
	e[el - 1] = 0xbc;
	pc = EVP_PKEY_CTX_new(k, NULL);
	if (pc && EVP_PKEY_sign_init(pc) == 1 && EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_sign(pc, sig, sig_len, em, kl) == 1)
		rc = 0;
	OPENSSL_cleanse(mask, sizeof(mask));
out:
	EVP_PKEY_CTX_free(pc);
	OPENSSL_cleanse(em, sizeof(em));
	OPENSSL_cleanse(mp, sizeof(mp));
	ERR_clear_error();
	return rc;
}

/* The method 14 algorithm we sign with for the peer's hashes, or NULL. */
static const struct sig_alg *pick_alg(const struct ike_cred *c, unsigned peer_hashes)
{
	/* ECDSA: the hash of the curve's strength first */
	static const uint8_t p256[] = { IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512 };
	static const uint8_t p384[] = { IKE_HASH_SHA2_384, IKE_HASH_SHA2_512, IKE_HASH_SHA2_256 };
	if (c->classic || !peer_hashes)
		return NULL;
	for (unsigned h = 0; h < 3; h++) {
		uint8_t want = c->kind == KEY_P384 ? p384[h] : p256[h];
		if (!(peer_hashes & IKE_HASH_BIT(want)))
			continue;
		for (size_t i = 0; i < N_ALGS; i++)
			if (algs[i].hash == want && alg_fits(&algs[i], c->kind) &&
			    (c->kind != KEY_RSA || algs[i].pss == !c->rsa_pkcs1))
				return &algs[i];
	}
	if (c->kind == KEY_ED25519 && (peer_hashes & IKE_HASH_BIT(IKE_HASH_IDENTITY)))
		return &algs[N_ALGS - 1];
	return NULL;
}

/* A signature of tbs: ECDSA and PSS with rng's randomness when there is one. */
static int sign_with(const struct ike_cred *c, const struct ike_rng *rng, const char *md, bool pss,
		     const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t *sig_len)
{
	if (rng && rng->random && (c->kind == KEY_P256 || c->kind == KEY_P384))
		return ecdsa_sign_rng(c->key, md, rng, tbs, tbs_len, sig, sig_len);
	if (rng && rng->random && pss)
		return pss_sign_rng(c->key, rng, tbs, tbs_len, sig, sig_len);
	return sign_raw(c->key, md, pss, tbs, tbs_len, sig, sig_len);
}

int ike_sig_sign(const struct ike_cred *c, unsigned peer_hashes, const struct ike_rng *rng,
		 const uint8_t *tbs, size_t tbs_len, uint8_t *method, uint8_t *out, size_t cap,
		 size_t *out_len)
{
	if (!c || !c->key)
		return M6_E_INVAL;
	uint8_t sig[IKE_SIG_MAX];
	size_t sl = sizeof(sig);
	const struct sig_alg *a = pick_alg(c, peer_hashes);
	int rc;
	if (a) {
		rc = sign_with(c, rng, a->md, a->pss, tbs, tbs_len, sig, &sl);
		if (rc)
			return rc;
		if (1 + a->der_len + sl > cap)
			return M6_E_NOMEM;
		out[0] = (uint8_t)a->der_len;
		memcpy(out + 1, a->der, a->der_len);
		memcpy(out + 1 + a->der_len, sig, sl);
		*out_len = 1 + a->der_len + sl;
		*method = IKE_AUTH_DIGITAL_SIG;
		return 0;
	}
	switch (c->kind) {
	case KEY_RSA:
		*method = IKE_AUTH_RSA_SIG;
		rc = sign_raw(c->key, "SHA1", false, tbs, tbs_len, sig, &sl);
		if (rc)
			return rc;
		if (sl > cap)
			return M6_E_NOMEM;
		memcpy(out, sig, sl);
		*out_len = sl;
		return 0;
	case KEY_P256:
	case KEY_P384: {
		*method = c->kind == KEY_P256 ? IKE_AUTH_ECDSA_256 : IKE_AUTH_ECDSA_384;
		int n = ec_field_len(*method);
		rc = sign_with(c, rng, n == 32 ? "SHA256" : "SHA384", false, tbs, tbs_len, sig, &sl);
		if (rc)
			return rc;
		if ((size_t)(2 * n) > cap)
			return M6_E_NOMEM;
		*out_len = (size_t)(2 * n);
		return ecdsa_der_to_raw(sig, sl, n, out);
	}
	default:
		/* Ed25519 exists only in method 14 */
		return M6_E_IKE_SIG_METHOD;
	}
}

static X509 *cert_from_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

static int check_id(X509 *x, uint8_t type, const uint8_t *id, size_t len)
{
	const unsigned int never_cn = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
	int ok = 0;
	switch (type) {
	case IKE_ID_FQDN:
		ok = X509_check_host(x, (const char *)id, len, never_cn | X509_CHECK_FLAG_NO_WILDCARDS,
				     NULL);
		break;
	case IKE_ID_RFC822_ADDR:
		ok = X509_check_email(x, (const char *)id, len, never_cn);
		break;
	case IKE_ID_IPV4_ADDR:
		ok = len == 4 && X509_check_ip(x, id, 4, 0) == 1;
		break;
	case IKE_ID_IPV6_ADDR:
		/* 4877-08: a home address identity only with that iPAddress SAN */
		ok = len == 16 && X509_check_ip(x, id, 16, 0) == 1;
		break;
	case IKE_ID_DER_ASN1_DN: {
		const unsigned char *p = id;
		X509_NAME *n = d2i_X509_NAME(NULL, &p, (long)len);
		ok = n && p == id + len && !X509_NAME_cmp(n, X509_get_subject_name(x));
		X509_NAME_free(n);
		break;
	}
	default:
		break;
	}
	ERR_clear_error();
	return ok == 1 ? 0 : M6_E_IKE_CERT_ID;
}

int ike_sig_check_id(const uint8_t *cert_der, size_t cert_len, uint8_t id_type,
		     const uint8_t *id, size_t id_len)
{
	X509 *x = cert_from_der(cert_der, cert_len);
	if (!x)
		return M6_E_IKE_CERT_PARSE;
	int rc = check_id(x, id_type, id, id_len);
	X509_free(x);
	return rc;
}

static int check_auth(EVP_PKEY *k, uint8_t method, const uint8_t *auth, size_t auth_len,
		      const uint8_t *tbs, size_t tbs_len)
{
	enum key_kind kind = kind_of(k);
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		if (kind != KEY_RSA)
			return M6_E_IKE_SIG_METHOD;
		return verify_raw(k, "SHA1", false, auth, auth_len, tbs, tbs_len);
	case IKE_AUTH_ECDSA_256:
	case IKE_AUTH_ECDSA_384: {
		/* RFC 4754: the curve and hash are the method's */
		int n = ec_field_len(method);
		if (kind != (n == 32 ? KEY_P256 : KEY_P384))
			return M6_E_IKE_SIG_METHOD;
		if (auth_len != (size_t)(2 * n))
			return M6_E_IKE_AUTH;
		uint8_t *der;
		size_t dl;
		int rc = ecdsa_raw_to_der(auth, n, &der, &dl);
		if (rc)
			return rc;
		rc = verify_raw(k, n == 32 ? "SHA256" : "SHA384", false, der, dl, tbs, tbs_len);
		OPENSSL_free(der);
		return rc;
	}
	case IKE_AUTH_DIGITAL_SIG: {
		if (auth_len < 1 || auth_len < 1 + (size_t)auth[0])
			return M6_E_IKE_AUTH;
		size_t l = auth[0];
		for (size_t i = 0; i < N_ALGS; i++)
			if (algs[i].der_len == l && !memcmp(algs[i].der, auth + 1, l)) {
				if (!alg_fits(&algs[i], kind))
					return M6_E_IKE_SIG_METHOD;
				return verify_raw(k, algs[i].md, algs[i].pss, auth + 1 + l,
						  auth_len - 1 - l, tbs, tbs_len);
			}
		return M6_E_IKE_SIG_METHOD;
	}
	default:
		return M6_E_IKE_SIG_METHOD;
	}
}

int ike_sig_check_auth(const uint8_t *cert_der, size_t cert_len, uint8_t method,
		       const uint8_t *auth, size_t auth_len, const uint8_t *tbs, size_t tbs_len)
{
	X509 *x = cert_from_der(cert_der, cert_len);
	if (!x)
		return M6_E_IKE_CERT_PARSE;
	EVP_PKEY *k = X509_get0_pubkey(x);
	int rc = k ? check_auth(k, method, auth, auth_len, tbs, tbs_len) : M6_E_IKE_KEY_TYPE;
	X509_free(x);
	return rc;
}

static int check_chain(const struct ike_cred *c, X509 *leaf, const struct ike_peer_certs *pc,
		       int64_t now)
{
	STACK_OF(X509) *un = sk_X509_new_null();
	X509_STORE_CTX *x = X509_STORE_CTX_new();
	int rc = M6_E_NOMEM;
	if (!un || !x)
		goto out;
	rc = M6_E_IKE_CERT;
	for (unsigned i = 1; i < pc->n; i++) {
		X509 *t = cert_from_der(pc->der[i], pc->len[i]);
		if (!t || !sk_X509_push(un, t)) {
			X509_free(t);
			goto out;
		}
	}
	if (X509_STORE_CTX_init(x, c->store, leaf, un) != 1)
		goto out;
	/* the caller's wall time, not the clock (sans-I/O) */
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(x), (time_t)now);
	if (X509_verify_cert(x) == 1)
		rc = 0;
out:
	X509_STORE_CTX_free(x);
	sk_X509_pop_free(un, X509_free);
	ERR_clear_error();
	return rc;
}

int ike_sig_verify(const struct ike_cred *c, const struct ike_peer_certs *pc, int64_t now,
		   uint8_t id_type, const uint8_t *id, size_t id_len, uint8_t method,
		   const uint8_t *auth, size_t auth_len, const uint8_t *tbs, size_t tbs_len)
{
	if (!c || !c->store || !pc->n)
		return M6_E_IKE_CERT;
	X509 *leaf = cert_from_der(pc->der[0], pc->len[0]);
	if (!leaf)
		return M6_E_IKE_CERT;
	int rc = check_chain(c, leaf, pc, now);
	if (!rc)
		rc = check_id(leaf, id_type, id, id_len);
	if (!rc) {
		EVP_PKEY *k = X509_get0_pubkey(leaf);
		rc = k ? check_auth(k, method, auth, auth_len, tbs, tbs_len) : M6_E_IKE_CERT;
	}
	X509_free(leaf);
	return rc;
}
