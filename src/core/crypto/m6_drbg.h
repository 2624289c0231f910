/*
 * m6_drbg — HMAC-DRBG (NIST SP 800-90A, HMAC-SHA-256) through OpenSSL 3
 * EVP_RAND: the generator behind every secret a node draws (Kcn, nonces,
 * return-routability cookies, home-agent keys, SPIs, IKE nonces).
 *
 * Contract: the caller supplies the instantiation input (entropy, nonce,
 * personalization). A driver that wants system randomness feeds entropy it
 * read itself (getrandom); the simulator feeds a hash of its seed, so a run
 * replays byte for byte. The core never reads system randomness. The
 * generator never reseeds on its own (no request counter, no wall-clock
 * interval): what it outputs depends only on its input and the order of
 * requests. m6_drbg_generate() fails closed: on any library error it
 * wipes `out` and returns M6_E_CRYPTO. m6_drbg_free() wipes the state.
 */
#ifndef MIP6SEC_M6_DRBG_H
#define MIP6SEC_M6_DRBG_H

#include <stddef.h>
#include <stdint.h>

#define M6_DRBG_ENTROPY_LEN 32
#define M6_DRBG_NONCE_LEN 16

struct m6_drbg;

/* NULL when OpenSSL cannot provide the DRBG or the lengths are wrong:
 * entropy exactly 32 octets (256-bit strength), nonce exactly 16. pers
 * may be NULL (empty). */
struct m6_drbg *m6_drbg_new(const uint8_t entropy[M6_DRBG_ENTROPY_LEN], const uint8_t nonce[M6_DRBG_NONCE_LEN],
			    const uint8_t *pers, size_t perslen);
/* Instantiate d again from new input, exactly as m6_drbg_new() would (the
 * same outputs follow), without making its OpenSSL contexts again: the
 * old state is wiped first. 0, M6_E_INVAL, or M6_E_CRYPTO (d then
 * generates nothing until a successful reinit). */
int m6_drbg_reinit(struct m6_drbg *d, const uint8_t entropy[M6_DRBG_ENTROPY_LEN],
		   const uint8_t nonce[M6_DRBG_NONCE_LEN], const uint8_t *pers, size_t perslen);
/* Wipe the state; d generates nothing until m6_drbg_reinit(). */
void m6_drbg_clear(struct m6_drbg *d);
int m6_drbg_generate(struct m6_drbg *d, uint8_t *out, size_t n);
void m6_drbg_free(struct m6_drbg *d);

#endif
