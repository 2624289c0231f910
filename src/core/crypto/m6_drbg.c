/*
 * HMAC-DRBG (SP 800-90A 10.1.2, HMAC-SHA-256) with its whole state, K and
 * V, in a 72-octet struct, over OpenSSL's SHA-256. Every node keeps one for
 * its life, so at a million simulated nodes its size counts: OpenSSL's
 * EVP_RAND HMAC-DRBG with the TEST-RAND parent that fed it our input took
 * 1.8 KB per instance and an allocation-heavy instantiation. The
 * algorithm is the standard's, step for step, and a generate request is
 * split where the EVP_RAND version split it (DRBG_CHUNK), so the output
 * for a given input and sequence of requests is the same octets OpenSSL's
 * generator gives (test_drbg checks both against the CAVP vectors and
 * against each other): seeded simulations replay as they did.
 *
 * The low-level SHA-256 calls are deprecated in OpenSSL 3 but do not
 * allocate (EVP_MAC/EVP_Digest duplicate a context per call).
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "m6_drbg.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "../util/m6_err.h"

/* Generate requests are split into calls of at most this many octets,
 * each followed by its own state update (as the EVP_RAND version did). */
#define DRBG_CHUNK 4096
#define OUTLEN SHA256_DIGEST_LENGTH

struct m6_drbg {
	uint8_t k[OUTLEN], v[OUTLEN];
	uint64_t reseed_counter;     /* requests served (SP 800-90A bookkeeping; never reseeded) */
};

struct part {
	const uint8_t *p;
	size_t n;
};

/* HMAC-SHA-256 under a 32-octet key of the concatenated parts. */
static void hmac(const uint8_t key[OUTLEN], const struct part *parts, size_t nparts, uint8_t out[OUTLEN])
{
	uint8_t pad[SHA256_CBLOCK], ih[OUTLEN];
	SHA256_CTX c;
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < OUTLEN; i++)
		pad[i] ^= key[i];
	SHA256_Init(&c);
	SHA256_Update(&c, pad, sizeof(pad));
	for (size_t i = 0; i < nparts; i++)
		if (parts[i].n)
			SHA256_Update(&c, parts[i].p, parts[i].n);
	SHA256_Final(ih, &c);
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	SHA256_Init(&c);
	SHA256_Update(&c, pad, sizeof(pad));
	SHA256_Update(&c, ih, sizeof(ih));
	SHA256_Final(out, &c);
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(ih, sizeof(ih));
	OPENSSL_cleanse(&c, sizeof(c));
}

/* HMAC_DRBG_Update (10.1.2.2) with provided_data = the concatenation of in. */
static void update(struct m6_drbg *d, const struct part *in, size_t nin)
{
	size_t total = 0;
	for (size_t i = 0; i < nin; i++)
		total += in[i].n;
	for (uint8_t round = 0; round < 2; round++) {
		struct part p[5] = { { d->v, OUTLEN }, { &round, 1 } };
		for (size_t i = 0; i < nin && i < 3; i++)
			p[2 + i] = in[i];
		hmac(d->k, p, 2 + (nin < 3 ? nin : 3), d->k);
		hmac(d->k, p, 1, d->v);
		if (!total)
			return;
	}
}

void m6_drbg_free(struct m6_drbg *d)
{
	if (!d)
		return;
	OPENSSL_clear_free(d, sizeof(*d));
}

struct m6_drbg *m6_drbg_new(const uint8_t entropy[M6_DRBG_ENTROPY_LEN], const uint8_t nonce[M6_DRBG_NONCE_LEN],
			    const uint8_t *pers, size_t perslen)
{
	if (!entropy || !nonce || (!pers && perslen))
		return NULL;
	struct m6_drbg *d = OPENSSL_zalloc(sizeof(*d));
	if (!d)
		return NULL;
	/* 10.1.2.3: K = 0x00..., V = 0x01..., then update with the seed
	 * material entropy || nonce || personalization */
	memset(d->v, 0x01, sizeof(d->v));
	const struct part seed[3] = { { entropy, M6_DRBG_ENTROPY_LEN }, { nonce, M6_DRBG_NONCE_LEN },
				      { pers, perslen } };
	update(d, seed, 3);
	d->reseed_counter = 1;
	return d;
}

/* 10.1.2.5 without additional input. */
static void generate(struct m6_drbg *d, uint8_t *out, size_t n)
{
	for (size_t done = 0; done < n;) {
		const struct part v = { d->v, OUTLEN };
		hmac(d->k, &v, 1, d->v);
		size_t k = n - done < OUTLEN ? n - done : OUTLEN;
		memcpy(out + done, d->v, k);
		done += k;
	}
	update(d, NULL, 0);
	d->reseed_counter++;
}

int m6_drbg_generate(struct m6_drbg *d, uint8_t *out, size_t n)
{
	if (!n)
		return 0;
	if (!d || !out) {
		if (out)
			OPENSSL_cleanse(out, n);
		return M6_E_CRYPTO;
	}
	for (size_t done = 0; done < n;) {
		size_t k = n - done < DRBG_CHUNK ? n - done : DRBG_CHUNK;
		generate(d, out + done, k);
		done += k;
	}
	return 0;
}
