#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include "ike_dh.h"
#include "ike_payload.h"

enum kind { K_NONE, K_X, K_ECP, K_MODP };

static enum kind group_kind(uint16_t g)
{
	switch (g) {
	case IKE_DH_X25519: case IKE_DH_X448: return K_X;
	case IKE_DH_ECP256: case IKE_DH_ECP384: return K_ECP;
	case IKE_DH_MODP2048: case IKE_DH_MODP3072: return K_MODP;
	default: return K_NONE;
	}
}

bool ike_dh_supported(uint16_t g)
{
	return group_kind(g) != K_NONE;
}

size_t ike_dh_priv_len(uint16_t g)
{
	switch (g) {
	case IKE_DH_X25519: return 32;
	case IKE_DH_X448: return 56;
	case IKE_DH_ECP256: return 32;
	case IKE_DH_ECP384: return 48;
	/* 256-bit exponents: at least twice the groups' 112/128-bit strength
	 * (NIST SP 800-56A 5.6.1.1.1), far cheaper than full-length ones. */
	case IKE_DH_MODP2048: case IKE_DH_MODP3072: return 32;
	default: return 0;
	}
}

size_t ike_dh_shared_len(uint16_t g)
{
	switch (g) {
	case IKE_DH_ECP256: return 32;      /* x only */
	case IKE_DH_ECP384: return 48;
	default: return ike_group_ke_len(g);
	}
}

/* ---- X25519 / X448 ---- */

static int x_type(uint16_t g) { return g == IKE_DH_X25519 ? EVP_PKEY_X25519 : EVP_PKEY_X448; }

static int x_pub(struct ike_dh *dh)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(x_type(dh->group), NULL, dh->priv, dh->priv_len);
	size_t n = sizeof(dh->pub);
	int ok = k && EVP_PKEY_get_raw_public_key(k, dh->pub, &n) == 1 &&
		 n == ike_group_ke_len(dh->group);
	EVP_PKEY_free(k);
	dh->pub_len = ok ? n : 0;
	return ok ? 0 : M6_E_CRYPTO;
}

/* Our key pair as an EVP_PKEY. Made from the private key alone, OpenSSL
 * computes the public value again (one more scalar multiplication, half the
 * cost of a derive); given both, it takes them as they are. */
static EVP_PKEY *x_pair(const struct ike_dh *dh)
{
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(x_type(dh->group), NULL);
	OSSL_PARAM ps[] = {
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, (void *)dh->priv, dh->priv_len),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)dh->pub, dh->pub_len),
		OSSL_PARAM_construct_end(),
	};
	if (!c || EVP_PKEY_fromdata_init(c) != 1 || EVP_PKEY_fromdata(c, &k, EVP_PKEY_KEYPAIR, ps) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(c);
	return k;
}

static int x_shared(const struct ike_dh *dh, const uint8_t *peer, size_t len, uint8_t *out)
{
	int rc = M6_E_CRYPTO;
	size_t n = ike_dh_shared_len(dh->group);
	EVP_PKEY *k = dh->pub_len ? x_pair(dh) : NULL;
	EVP_PKEY *p = EVP_PKEY_new_raw_public_key(x_type(dh->group), NULL, peer, len);
	EVP_PKEY_CTX *c = k ? EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL) : NULL;
	if (c && p && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_derive_set_peer(c, p) == 1) {
		/* OpenSSL refuses an all-zero result (a small-order peer
		 * value); RFC 7748 6 / RFC 8031 3.2 ask for exactly that. */
		ERR_set_mark();
		rc = EVP_PKEY_derive(c, out, &n) == 1 ? 0 : M6_E_IKE_KE_VALUE;
		ERR_pop_to_mark();
		uint8_t acc = 0;
		for (size_t i = 0; rc == 0 && i < n; i++)
			acc |= out[i];
		if (rc == 0 && (acc == 0 || n != ike_dh_shared_len(dh->group)))
			rc = M6_E_IKE_KE_VALUE;
	}
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(p);
	EVP_PKEY_free(k);
	return rc;
}

/* ---- ECP ---- */

static EC_GROUP *ec_group(uint16_t g)
{
	return EC_GROUP_new_by_curve_name(g == IKE_DH_ECP256 ? NID_X9_62_prime256v1 : NID_secp384r1);
}

/* x || y of a point, each padded to the field length. */
static int ec_point_out(const EC_GROUP *grp, const EC_POINT *pt, size_t flen, uint8_t *out,
			BN_CTX *bc)
{
	BIGNUM *x = BN_CTX_get(bc), *y = BN_CTX_get(bc);
	if (!y || EC_POINT_get_affine_coordinates(grp, pt, x, y, bc) != 1 ||
	    BN_bn2binpad(x, out, (int)flen) < 0 || BN_bn2binpad(y, out + flen, (int)flen) < 0)
		return M6_E_CRYPTO;
	return 0;
}

/* RFC 6989 2.3 / RFC 5903: both coordinates in [0, p-1] and the point on
 * the curve (cofactor 1, so no subgroup test). */
static int ec_point_in(const EC_GROUP *grp, const uint8_t *in, size_t flen, EC_POINT *pt,
		       BN_CTX *bc)
{
	BIGNUM *p = BN_CTX_get(bc), *x = BN_CTX_get(bc), *y = BN_CTX_get(bc);
	if (!y || EC_GROUP_get_curve(grp, p, NULL, NULL, bc) != 1 ||
	    !BN_bin2bn(in, (int)flen, x) || !BN_bin2bn(in + flen, (int)flen, y))
		return M6_E_CRYPTO;
	if (BN_cmp(x, p) >= 0 || BN_cmp(y, p) >= 0)
		return M6_E_IKE_KE_VALUE;
	ERR_set_mark();
	int ok = EC_POINT_set_affine_coordinates(grp, pt, x, y, bc) == 1 &&
		 EC_POINT_is_on_curve(grp, pt, bc) == 1;
	ERR_pop_to_mark();
	return ok ? 0 : M6_E_IKE_KE_VALUE;
}

/* Our key (pub = priv * G) or, with peer, the shared x-coordinate. */
static int ec_run(struct ike_dh *dh, const uint8_t *peer, uint8_t *out)
{
	int rc = M6_E_CRYPTO;
	size_t flen = ike_dh_priv_len(dh->group);
	EC_GROUP *grp = ec_group(dh->group);
	BN_CTX *bc = BN_CTX_new();
	EC_POINT *r = grp ? EC_POINT_new(grp) : NULL, *q = grp ? EC_POINT_new(grp) : NULL;
	BIGNUM *d = BN_new();
	if (!grp || !bc || !r || !q || !d)
		goto out;
	BN_CTX_start(bc);
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (!BN_bin2bn(dh->priv, (int)dh->priv_len, d))
		goto out;
	if (!peer) {
		if (EC_POINT_mul(grp, r, d, NULL, NULL, bc) == 1)
			rc = ec_point_out(grp, r, flen, dh->pub, bc);
		if (!rc)
			dh->pub_len = 2 * flen;
	} else {
		uint8_t xy[2 * 48];
		rc = ec_point_in(grp, peer, flen, q, bc);
		if (!rc)
			rc = EC_POINT_mul(grp, r, NULL, q, d, bc) == 1 && !EC_POINT_is_at_infinity(grp, r)
				     ? ec_point_out(grp, r, flen, xy, bc) : M6_E_CRYPTO;
		if (!rc)
			memcpy(out, xy, flen);
		OPENSSL_cleanse(xy, sizeof(xy));
	}
	BN_CTX_end(bc);
out:
	BN_clear_free(d);
	EC_POINT_clear_free(r);
	EC_POINT_free(q);
	BN_CTX_free(bc);
	EC_GROUP_free(grp);
	return rc;
}

/* Is priv in [1, n-1]? */
static int ec_priv_ok(uint16_t g, const uint8_t *priv, size_t len)
{
	EC_GROUP *grp = ec_group(g);
	BIGNUM *d = BN_bin2bn(priv, (int)len, NULL);
	int ok = grp && d && !BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(grp)) < 0;
	BN_clear_free(d);
	EC_GROUP_free(grp);
	return ok;
}

/* ---- MODP ---- */

static BIGNUM *modp_prime(uint16_t g)
{
	/* RFC 3526 groups 14 and 15, generator 2. */
	return g == IKE_DH_MODP2048 ? BN_get_rfc3526_prime_2048(NULL) : BN_get_rfc3526_prime_3072(NULL);
}

/* base^priv mod p into out (modulus length); base NULL means g = 2. */
static int modp_run(const struct ike_dh *dh, const BIGNUM *base, uint8_t *out)
{
	int rc = M6_E_CRYPTO;
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *p = modp_prime(dh->group), *x = BN_new(), *two = BN_new(), *r = BN_new();
	if (!bc || !p || !x || !two || !r || !BN_set_word(two, 2))
		goto out;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if (BN_bin2bn(dh->priv, (int)dh->priv_len, x) &&
	    BN_mod_exp_mont_consttime(r, base ? base : two, x, p, bc, NULL) == 1 &&
	    BN_bn2binpad(r, out, (int)ike_group_ke_len(dh->group)) >= 0)
		rc = 0;
out:
	BN_clear_free(r);
	BN_free(two);
	BN_clear_free(x);
	BN_free(p);
	BN_CTX_free(bc);
	return rc;
}

/* RFC 6989 2.1: 1 < y < p-1 (a safe prime, so no subgroup test, 2.2). */
static int modp_check(uint16_t g, const uint8_t *pub, size_t len)
{
	int rc = M6_E_CRYPTO;
	BIGNUM *p = modp_prime(g), *y = BN_bin2bn(pub, (int)len, NULL);
	if (p && y && BN_sub_word(p, 1))
		rc = BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, p) < 0 ? 0 : M6_E_IKE_KE_VALUE;
	BN_free(y);
	BN_free(p);
	return rc;
}

/* ---- API ---- */

int ike_dh_check_peer(uint16_t g, const uint8_t *pub, size_t len)
{
	enum kind k = group_kind(g);
	if (k == K_NONE)
		return M6_E_IKE_GROUP;
	if (len != ike_group_ke_len(g))
		return M6_E_IKE_KE_LEN;
	if (k == K_MODP)
		return modp_check(g, pub, len);
	if (k == K_ECP) {
		EC_GROUP *grp = ec_group(g);
		BN_CTX *bc = BN_CTX_new();
		EC_POINT *q = grp ? EC_POINT_new(grp) : NULL;
		int rc = M6_E_CRYPTO;
		if (q && bc) {
			BN_CTX_start(bc);
			rc = ec_point_in(grp, pub, len / 2, q, bc);
			BN_CTX_end(bc);
		}
		EC_POINT_free(q);
		BN_CTX_free(bc);
		EC_GROUP_free(grp);
		return rc;
	}
	/* X25519/X448: every u-coordinate is accepted (the top bit is
	 * masked, non-canonical values reduced, RFC 7748 5); only an
	 * all-zero result is refused, in ike_dh_shared(). */
	return 0;
}

int ike_dh_init_priv(struct ike_dh *dh, uint16_t g, const uint8_t *priv, size_t len)
{
	memset(dh, 0, sizeof(*dh));
	enum kind k = group_kind(g);
	if (k == K_NONE)
		return M6_E_IKE_GROUP;
	if (len == 0 || len > IKE_DH_PRIV_MAX || (k != K_MODP && len != ike_dh_priv_len(g)))
		return M6_E_INVAL;
	if (k == K_ECP && !ec_priv_ok(g, priv, len))
		return M6_E_INVAL;
	if (k == K_MODP) {
		uint8_t acc = 0;
		for (size_t i = 0; i < len; i++)
			acc |= priv[i];
		if (!acc)
			return M6_E_INVAL;
	}
	dh->group = g;
	memcpy(dh->priv, priv, len);
	dh->priv_len = len;
	int rc;
	switch (k) {
	case K_X: rc = x_pub(dh); break;
	case K_ECP: rc = ec_run(dh, NULL, NULL); break;
	default:
		rc = modp_run(dh, NULL, dh->pub);
		dh->pub_len = ike_group_ke_len(g);
		break;
	}
	if (rc)
		ike_dh_clear(dh);
	return rc;
}

int ike_dh_init(struct ike_dh *dh, uint16_t g, const struct ike_rng *rng)
{
	uint8_t priv[IKE_DH_PRIV_MAX];
	size_t n = ike_dh_priv_len(g);
	memset(dh, 0, sizeof(*dh));
	if (!n)
		return M6_E_IKE_GROUP;
	if (!rng || !rng->random)
		return M6_E_INVAL;
	int rc = M6_E_INVAL;
	/* Rejection sampling for ECP scalars >= n (probability ~2^-32 per
	 * draw for P-256/P-384) and for the all-zero draw. */
	for (int tries = 0; tries < 64 && rc == M6_E_INVAL; tries++) {
		rng->random(rng->ctx, priv, n);
		rc = ike_dh_init_priv(dh, g, priv, n);
	}
	OPENSSL_cleanse(priv, sizeof(priv));
	return rc;
}

int ike_dh_shared(const struct ike_dh *dh, const uint8_t *peer, size_t len, uint8_t *out,
		  size_t *out_len)
{
	int rc = ike_dh_check_peer(dh->group, peer, len);
	if (rc)
		return rc;
	enum kind k = group_kind(dh->group);
	if (k == K_X) {
		rc = x_shared(dh, peer, len, out);
	} else if (k == K_ECP) {
		struct ike_dh tmp = *dh;    /* ec_run() writes pub in the key mode only */
		rc = ec_run(&tmp, peer, out);
		OPENSSL_cleanse(&tmp, sizeof(tmp));
	} else {
		BIGNUM *y = BN_bin2bn(peer, (int)len, NULL);
		rc = y ? modp_run(dh, y, out) : M6_E_CRYPTO;
		BN_free(y);
	}
	if (rc) {
		OPENSSL_cleanse(out, ike_dh_shared_len(dh->group));
		return rc;
	}
	*out_len = ike_dh_shared_len(dh->group);
	return 0;
}

void ike_dh_clear(struct ike_dh *dh)
{
	OPENSSL_cleanse(dh, sizeof(*dh));
}
