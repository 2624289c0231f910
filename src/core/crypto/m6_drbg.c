/*
 * The instantiation input reaches OpenSSL's HMAC-DRBG through a TEST-RAND
 * parent that hands out exactly the entropy and nonce given (that is how
 * SP 800-90A known-answer tests drive it): the DRBG then never touches the
 * operating system's sources, which keeps the core free of hidden I/O and
 * the simulator reproducible.
 */
#include "m6_drbg.h"

#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "../util/m6_err.h"

/* OpenSSL caps one generate call; larger requests are split. */
#define DRBG_CHUNK 4096
#define DRBG_STRENGTH 256

struct m6_drbg {
	EVP_RAND_CTX *parent;
	EVP_RAND_CTX *drbg;
};

void m6_drbg_free(struct m6_drbg *d)
{
	if (!d)
		return;
	EVP_RAND_CTX_free(d->drbg);      /* uninstantiates and cleanses */
	EVP_RAND_CTX_free(d->parent);
	OPENSSL_free(d);
}

static EVP_RAND_CTX *rand_ctx(const char *name, EVP_RAND_CTX *parent)
{
	EVP_RAND *r = EVP_RAND_fetch(NULL, name, NULL);
	if (!r)
		return NULL;
	EVP_RAND_CTX *c = EVP_RAND_CTX_new(r, parent);
	EVP_RAND_free(r);
	return c;
}

/* Hand the TEST-RAND parent this instantiation's input and instantiate
 * the HMAC-DRBG from it (pers NULL: empty). */
static int instantiate(struct m6_drbg *d, const uint8_t entropy[M6_DRBG_ENTROPY_LEN],
		       const uint8_t nonce[M6_DRBG_NONCE_LEN], const uint8_t *pers, size_t perslen)
{
	unsigned int strength = DRBG_STRENGTH;
	uint8_t ent[M6_DRBG_ENTROPY_LEN], non[M6_DRBG_NONCE_LEN];
	memcpy(ent, entropy, sizeof(ent));
	memcpy(non, nonce, sizeof(non));
	OSSL_PARAM pp[] = {
		OSSL_PARAM_construct_uint(OSSL_RAND_PARAM_STRENGTH, &strength),
		OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_ENTROPY, ent, sizeof(ent)),
		OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_NONCE, non, sizeof(non)),
		OSSL_PARAM_construct_end(),
	};
	/* An absent personalization string must be empty, not OpenSSL's
	 * default one, or known-answer vectors would not apply. */
	static const uint8_t empty[1];
	int ok = EVP_RAND_CTX_set_params(d->parent, pp) && EVP_RAND_instantiate(d->parent, strength, 0, NULL, 0, NULL) &&
		 EVP_RAND_instantiate(d->drbg, strength, 0, pers ? pers : empty, pers ? perslen : 0, NULL);
	OPENSSL_cleanse(ent, sizeof(ent));
	OPENSSL_cleanse(non, sizeof(non));
	return ok ? 0 : M6_E_CRYPTO;
}

struct m6_drbg *m6_drbg_new(const uint8_t entropy[M6_DRBG_ENTROPY_LEN], const uint8_t nonce[M6_DRBG_NONCE_LEN],
			    const uint8_t *pers, size_t perslen)
{
	if (!entropy || !nonce || (!pers && perslen))
		return NULL;
	struct m6_drbg *d = OPENSSL_zalloc(sizeof(*d));
	if (!d)
		return NULL;
	unsigned int no_reseed = 0;
	time_t no_interval = 0;
	char md[] = "SHA2-256", mac[] = "HMAC";
	OSSL_PARAM dp[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_DIGEST, md, 0),
		OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_MAC, mac, 0),
		/* no automatic reseed: a reseed would ask the parent again */
		OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, &no_reseed),
		OSSL_PARAM_construct_time_t(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL, &no_interval),
		OSSL_PARAM_construct_end(),
	};
	int ok = (d->parent = rand_ctx("TEST-RAND", NULL)) && (d->drbg = rand_ctx("HMAC-DRBG", d->parent)) &&
		 EVP_RAND_CTX_set_params(d->drbg, dp) && !instantiate(d, entropy, nonce, pers, perslen);
	if (!ok) {
		m6_drbg_free(d);
		return NULL;
	}
	return d;
}

int m6_drbg_reinit(struct m6_drbg *d, const uint8_t entropy[M6_DRBG_ENTROPY_LEN],
		   const uint8_t nonce[M6_DRBG_NONCE_LEN], const uint8_t *pers, size_t perslen)
{
	if (!d || !entropy || !nonce || (!pers && perslen))
		return M6_E_INVAL;
	/* uninstantiating wipes the old working state first */
	if (!EVP_RAND_uninstantiate(d->drbg) || !EVP_RAND_uninstantiate(d->parent) ||
	    instantiate(d, entropy, nonce, pers, perslen)) {
		/* fail closed: leave nothing that could still generate */
		EVP_RAND_uninstantiate(d->drbg);
		return M6_E_CRYPTO;
	}
	return 0;
}

void m6_drbg_clear(struct m6_drbg *d)
{
	if (!d)
		return;
	/* An uninstantiated DRBG instantiates itself again from its parent on
	 * the next request: the parent must have no input left to give. */
	static uint8_t none[1];
	OSSL_PARAM pp[] = {
		OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_ENTROPY, none, 0),
		OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_NONCE, none, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_RAND_uninstantiate(d->drbg);
	EVP_RAND_CTX_set_params(d->parent, pp);
	EVP_RAND_uninstantiate(d->parent);
}

int m6_drbg_generate(struct m6_drbg *d, uint8_t *out, size_t n)
{
	size_t done = 0;
	while (d && done < n) {
		size_t k = n - done < DRBG_CHUNK ? n - done : DRBG_CHUNK;
		if (!EVP_RAND_generate(d->drbg, out + done, k, DRBG_STRENGTH, 0, NULL, 0))
			break;
		done += k;
	}
	if (done == n)
		return 0;
	OPENSSL_cleanse(out, n);
	return M6_E_CRYPTO;
}
