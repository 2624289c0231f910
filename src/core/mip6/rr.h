/*
 * rr — return routability cryptography (RFC 6275 5.2.5, 5.2.6, 6.2.7).
 *
 * Contract: pure functions over caller buffers (HMAC-SHA1 / SHA1 via
 * OpenSSL): keygen tokens First64(HMAC_SHA1(Kcn, addr | nonce | 0 or 1)),
 * Kbm = SHA1(home token | care-of token) (home token only for a
 * de-registration), and the Binding Authorization Data authenticator
 * First96(HMAC_SHA1(Kbm, care-of address | correspondent | MH data)),
 * where MH data is the whole Mobility Header with the Checksum zeroed and
 * without the Authenticator itself (RR-02, RR-03).
 * Each returns 0, or a negative M6_E_* with the output zeroed (M6_E_INVAL
 * for a BAD range outside the MH or an MH longer than RR_MH_MAX,
 * M6_E_CRYPTO when OpenSSL fails): a verifier must treat any failure as a
 * mismatch, never compare the zeroed output.
 */
#ifndef MIP6SEC_RR_H
#define MIP6SEC_RR_H

#include <stddef.h>
#include <stdint.h>

#define RR_KCN_LEN 20
#define RR_NONCE_LEN 8
#define RR_TOKEN_LEN 8
#define RR_KBM_LEN 20
#define RR_AUTH_LEN 12
#define RR_MH_MAX 2048   /* (255 + 1) * 8: the longest Mobility Header */

enum rr_which { RR_HOME = 0, RR_CAREOF = 1 };

int rr_token(const uint8_t kcn[RR_KCN_LEN], const uint8_t addr[16], const uint8_t nonce[RR_NONCE_LEN],
	     enum rr_which which, uint8_t token[RR_TOKEN_LEN]);
/* coa_token NULL: de-registration (Kbm = SHA1(home token)). */
int rr_kbm(const uint8_t home_token[RR_TOKEN_LEN], const uint8_t *coa_token, uint8_t kbm[RR_KBM_LEN]);
/* mh: the whole MH (len octets) whose BAD option's authenticator starts at
 * auth_off (RR_AUTH_LEN octets, excluded from the MAC); checksum octets are
 * taken as zero. */
int rr_bad(const uint8_t kbm[RR_KBM_LEN], const uint8_t coa[16], const uint8_t cn[16],
	   const uint8_t *mh, size_t len, size_t auth_off, uint8_t out[RR_AUTH_LEN]);

#endif
