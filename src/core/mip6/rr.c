#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rr.h"
#include "../util/m6_err.h"

/* Octets 4-5 of a Mobility Header hold the Checksum (RFC 6275 6.1.1). */
#define RR_CKSUM_OFF 4
#define RR_CKSUM_END 6

/* One-shot HMAC-SHA1 over a contiguous buffer: RR runs once per control
 * message, so the per-call setup cost of the one-shot API is irrelevant. */
static int hmac_sha1(const uint8_t *key, size_t klen, const uint8_t *data, size_t n,
		     uint8_t md[EVP_MAX_MD_SIZE])
{
	unsigned int mdlen = 0;
	if (!HMAC(EVP_sha1(), key, (int)klen, data, n, md, &mdlen) || mdlen != 20)
		return M6_E_CRYPTO;
	return 0;
}

int rr_token(const uint8_t kcn[RR_KCN_LEN], const uint8_t addr[16], const uint8_t nonce[RR_NONCE_LEN],
	     enum rr_which which, uint8_t token[RR_TOKEN_LEN])
{
	uint8_t msg[16 + RR_NONCE_LEN + 1], md[EVP_MAX_MD_SIZE];
	memcpy(msg, addr, 16);
	memcpy(msg + 16, nonce, RR_NONCE_LEN);
	/* the trailing octet keeps home and care-of tokens of one address apart */
	msg[16 + RR_NONCE_LEN] = which == RR_CAREOF ? 1 : 0;
	int rc = hmac_sha1(kcn, RR_KCN_LEN, msg, sizeof(msg), md);
	if (rc)
		memset(token, 0, RR_TOKEN_LEN);
	else
		memcpy(token, md, RR_TOKEN_LEN);
	OPENSSL_cleanse(md, sizeof(md));
	return rc;
}

int rr_kbm(const uint8_t home_token[RR_TOKEN_LEN], const uint8_t *coa_token, uint8_t kbm[RR_KBM_LEN])
{
	uint8_t msg[2 * RR_TOKEN_LEN], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t n = RR_TOKEN_LEN;
	memcpy(msg, home_token, RR_TOKEN_LEN);
	if (coa_token) {
		memcpy(msg + RR_TOKEN_LEN, coa_token, RR_TOKEN_LEN);
		n += RR_TOKEN_LEN;
	}
	int rc = EVP_Digest(msg, n, md, &mdlen, EVP_sha1(), NULL) == 1 && mdlen == RR_KBM_LEN ?
		 0 : M6_E_CRYPTO;
	if (rc)
		memset(kbm, 0, RR_KBM_LEN);
	else
		memcpy(kbm, md, RR_KBM_LEN);
	OPENSSL_cleanse(msg, sizeof(msg));
	OPENSSL_cleanse(md, sizeof(md));
	return rc;
}

int rr_bad(const uint8_t kbm[RR_KBM_LEN], const uint8_t coa[16], const uint8_t cn[16],
	   const uint8_t *mh, size_t len, size_t auth_off, uint8_t out[RR_AUTH_LEN])
{
	/* Mobility Data = care-of address | correspondent | MH data; the
	 * one-shot HMAC needs it contiguous, and an MH is at most 2048 octets. */
	uint8_t msg[32 + RR_MH_MAX], md[EVP_MAX_MD_SIZE];
	memset(out, 0, RR_AUTH_LEN);
	if (len > RR_MH_MAX || auth_off < RR_CKSUM_END || auth_off > len || len - auth_off < RR_AUTH_LEN)
		return M6_E_INVAL;
	size_t tail = len - auth_off - RR_AUTH_LEN;
	memcpy(msg, coa, 16);
	memcpy(msg + 16, cn, 16);
	memcpy(msg + 32, mh, auth_off);
	memset(msg + 32 + RR_CKSUM_OFF, 0, RR_CKSUM_END - RR_CKSUM_OFF);
	memcpy(msg + 32 + auth_off, mh + auth_off + RR_AUTH_LEN, tail);
	int rc = hmac_sha1(kbm, RR_KBM_LEN, msg, 32 + auth_off + tail, md);
	if (!rc)
		memcpy(out, md, RR_AUTH_LEN);
	OPENSSL_cleanse(md, sizeof(md));
	return rc;
}
