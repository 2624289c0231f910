#include <string.h>

#include <openssl/crypto.h>

#include "m6_crypto.h"
#include "../util/m6_err.h"

/* One table per enum, indexed by value, so names and enums cannot drift. */
static const char *const enc_names[] = {
	[M6_ENC_NULL] = "null",
	[M6_ENC_AES_CBC] = "aes-cbc",
	[M6_ENC_AES_GCM_16] = "aes-gcm-16",
	[M6_ENC_CHACHA20_POLY1305] = "chacha20-poly1305",
};

static const char *const auth_names[] = {
	[M6_AUTH_NONE] = "null",
	[M6_AUTH_HMAC_SHA256_128] = "hmac-sha256-128",
	[M6_AUTH_HMAC_SHA1_96] = "hmac-sha1-96",
	[M6_AUTH_HMAC_SHA512_256] = "hmac-sha512-256",
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

int m6_enc_parse(const char *name, enum m6_enc *out)
{
	if (!name || !out)
		return M6_E_INVAL;
	for (size_t i = 0; i < N_ELEM(enc_names); i++) {
		if (strcmp(name, enc_names[i]) == 0) {
			*out = (enum m6_enc)i;
			return 0;
		}
	}
	return M6_E_ALG;
}

int m6_auth_parse(const char *name, enum m6_auth *out)
{
	if (!name || !out)
		return M6_E_INVAL;
	for (size_t i = 0; i < N_ELEM(auth_names); i++) {
		if (strcmp(name, auth_names[i]) == 0) {
			*out = (enum m6_auth)i;
			return 0;
		}
	}
	return M6_E_ALG;
}

const char *m6_enc_name(enum m6_enc e)
{
	return (size_t)e < N_ELEM(enc_names) ? enc_names[e] : "unknown";
}

const char *m6_auth_name(enum m6_auth a)
{
	return (size_t)a < N_ELEM(auth_names) ? auth_names[a] : "unknown";
}

bool m6_enc_is_aead(enum m6_enc e)
{
	return e == M6_ENC_AES_GCM_16 || e == M6_ENC_CHACHA20_POLY1305;
}

bool m6_enc_is_counter_mode(enum m6_enc e)
{
	/* Both AEADs run a counter (CTR / ChaCha20 block counter): a repeated
	 * nonce after a reboot with a manual key gives away the plaintext XOR. */
	return e == M6_ENC_AES_GCM_16 || e == M6_ENC_CHACHA20_POLY1305;
}

bool m6_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void m6_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}
