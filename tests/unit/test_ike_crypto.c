/* IKEv2 crypto: prf and prf+, SKEYSEED and keys, KEYMAT, PSK AUTH, the SK payload
 * (RFC 5282, RFC 7634 Appendix B), the algorithm table (key exchange: test_ike_dh.c). The values computed here from random inputs
 * are cross-checked against Python `cryptography` by tests/oracle/ike_crypto_oracle.py. */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "tu.h"
#include "ike/ike_crypto.h"
#include "ike/ike_payload.h"

static size_t hexb(const char *h, uint8_t *out, size_t cap)
{
	return tu_hex(h, out, cap);
}

/* ---- prf (RFC 4868 2.7.1, the RFC 4231 cases) ---- */

struct prf_case {
	const char *key, *data, *sha256, *sha384, *sha512;
};

static const struct prf_case prf_cases[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
	  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	  "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
	  "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	  "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
	  "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
	{ NULL /* 131 x aa */, "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ NULL, "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	  "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
	  "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

/* TV-02: RFC 4868 2.7.1, PRF-HMAC-SHA-256/384/512 (the RFC 4231 cases). */
static void test_prf_rfc4868(void **s)
{
	(void)s;
	static const uint16_t prfs[] = { IKE_PRF_HMAC_SHA2_256, IKE_PRF_HMAC_SHA2_384,
					 IKE_PRF_HMAC_SHA2_512 };
	for (size_t i = 0; i < sizeof(prf_cases) / sizeof(prf_cases[0]); i++) {
		const struct prf_case *c = &prf_cases[i];
		uint8_t key[200], data[200], want[64], out[64];
		size_t kl, dl = hexb(c->data, data, sizeof(data));
		if (c->key) {
			kl = hexb(c->key, key, sizeof(key));
		} else {
			kl = 131;       /* keys longer than the block are hashed first */
			memset(key, 0xaa, kl);
		}
		const char *w[3] = { c->sha256, c->sha384, c->sha512 };
		for (int j = 0; j < 3; j++) {
			size_t wl = hexb(w[j], want, sizeof(want));
			assert_int_equal(ike_prf_len(prfs[j]), wl);
			/* the data split in three pieces: the gather list is one string */
			struct ike_iov v[3] = { { data, 1 }, { data + 1, dl / 2 }, { data + 1 + dl / 2, dl - 1 - dl / 2 } };
			memset(out, 0, sizeof(out));
			assert_int_equal(ike_prf(prfs[j], key, kl, v, 3, out), 0);
			assert_memory_equal(out, want, wl);
		}
	}
	uint8_t out[64];
	struct ike_iov v = { "x", 1 };
	assert_int_equal(ike_prf(4 /* AES128_XCBC: not offered */, out, 16, &v, 1, out), M6_E_ALG);
	assert_int_equal(ike_prf_len(2), 0);
}

/* IKE-10: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), cut anywhere,
 * undefined past 255 blocks. */
/* TV-06, IKE-10, IKE-11: the NIST CAVP sample for the SP 800-135 IKEv2 KDF
 * with SHA-256 (known answers, not values this code produced): SKEYSEED =
 * prf(Ni | Nr, g^ir), DKM = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) at 132,
 * 32 and 15 octets, and the rekeyed SKEYSEED = prf(SK_d, g^ir (new) | Ni |
 * Nr) with SK_d the first 32 octets of DKM (RFC 7296 2.14, 2.13, 2.18). */
static void test_nist_sp800_135_ikev2(void **s)
{
	(void)s;
	uint8_t ni[8], nr[8], spi_i[8], spi_r[8], gir[32], gir_new[32], want[132], got[132], seed[32];
	hexb("3f302be1abcb28e1", ni, sizeof(ni));
	hexb("8c332ee006064c9b", nr, sizeof(nr));
	hexb("40dac39e1e1a8640", spi_i, sizeof(spi_i));
	hexb("8619a1cf9a6e4c07", spi_r, sizeof(spi_r));
	hexb("0f4d257d7a58fc4545c7d7a88119eee5d5c9690c5b4c989171d3abbfd99d1d29", gir, sizeof(gir));
	hexb("25f3b12d6f282739256e39bf54eda53b60ffcf379bb7bcc90c27b4c4c578616c", gir_new, sizeof(gir_new));
	assert_int_equal(ike_skeyseed(IKE_PRF_HMAC_SHA2_256, ni, 8, nr, 8, gir, 32, seed), 0);
	hexb("5f00d1bd2c58ec224b1e6b71fa0f19a1faa7a193952c444411b47c1a9d8ba6fe", want, sizeof(want));
	assert_memory_equal(seed, want, 32);
	assert_int_equal(hexb("0b137d669b0947d7d026d593f0305ad401ff0c471357d695778a9c7f4b4869ec"
			      "e98aca531188d16041b3bb936d2dbb3b4993a6e768a809160de45d0283f273a6"
			      "cdf6854379e31be72b8d3d1fa990cf9c5b015ca9f918a7df6253c958114a09d4"
			      "e1c19bdcd4db14b29d98db1a74ad405c588662c14a04d0d36aa4ab55e90f8986"
			      "d12d4aad", want, sizeof(want)), 132);
	struct ike_iov v[4] = { { ni, 8 }, { nr, 8 }, { spi_i, 8 }, { spi_r, 8 } };
	static const size_t lens[] = { 132, 32, 15 };
	for (size_t i = 0; i < 3; i++) {
		memset(got, 0, sizeof(got));
		assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, seed, 32, v, 4, got, lens[i]), 0);
		assert_memory_equal(got, want, lens[i]);
	}
	uint8_t rekey[32];
	assert_int_equal(ike_skeyseed_rekey(IKE_PRF_HMAC_SHA2_256, want, 32, gir_new, 32, ni, 8, nr, 8, rekey), 0);
	hexb("2d63f6debc92048b4fef3889c4c99ca67d6496e0fac14a2bca9a2d6566ff2398", want, sizeof(want));
	assert_memory_equal(rekey, want, 32);
}

static void test_prf_plus(void **s)
{
	(void)s;
	static uint8_t out[255 * 64 + 1];
	uint8_t key[20], seed[37], t[3][32];
	for (int i = 0; i < 20; i++)
		key[i] = (uint8_t)(i * 7);
	for (int i = 0; i < 37; i++)
		seed[i] = (uint8_t)(0x80 + i);
	uint8_t one = 1, two = 2, three = 3;
	struct ike_iov v1[2] = { { seed, sizeof(seed) }, { &one, 1 } };
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, key, 20, v1, 2, t[0]), 0);
	struct ike_iov v2[3] = { { t[0], 32 }, { seed, sizeof(seed) }, { &two, 1 } };
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, key, 20, v2, 3, t[1]), 0);
	struct ike_iov v3[3] = { { t[1], 32 }, { seed, sizeof(seed) }, { &three, 1 } };
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, key, 20, v3, 3, t[2]), 0);
	/* 70 octets: two whole blocks and 6 of the third; the seed in two pieces */
	struct ike_iov sv[2] = { { seed, 10 }, { seed + 10, 27 } };
	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, key, 20, sv, 2, out, 70), 0);
	assert_memory_equal(out, t[0], 32);
	assert_memory_equal(out + 32, t[1], 32);
	assert_memory_equal(out + 64, t[2], 6);
	/* a shorter request is a prefix of a longer one */
	uint8_t shortk[5];
	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, key, 20, sv, 2, shortk, 5), 0);
	assert_memory_equal(shortk, t[0], 5);
	/* 255 blocks are fine, one octet more is not */
	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_512, key, 20, sv, 2, out, 255 * 64), 0);
	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_512, key, 20, sv, 2, out, 255 * 64 + 1),
			 M6_E_IKE_PRF_PLUS);
	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, key, 20, sv, 2, out, 255 * 32 + 1),
			 M6_E_IKE_PRF_PLUS);
}

/* ---- IKE SA keys (IKE-11, IKE-14) ---- */

static const uint8_t ni[32] = { 0x10, 0x11, 0x12, 0x13 }, nr[48] = { 0x20, 0x21 };
static const uint8_t spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, spi_r[8] = { 9, 10, 11, 12, 13, 14, 15, 16 };

/* IKE-11: SKEYSEED = prf(Ni | Nr, g^ir), the seven keys cut in order from
 * prf+; IKE-14: the rekeyed SKEYSEED, and a rekey without DH refused. */
static void test_derive_keys(void **s)
{
	(void)s;
	static const struct { struct ike_suite s; size_t e, a, p; } rows[] = {
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, 31 }, 20, 0, 32 },
		{ { IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_384, IKE_INTEG_NONE, 20 }, 36, 0, 48 },
		{ { IKE_ENCR_CHACHA20_POLY1305, 0, IKE_PRF_HMAC_SHA2_512, IKE_INTEG_NONE, 20 }, 36, 0, 64 },
		{ { IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, 14 }, 16, 32, 32 },
		{ { IKE_ENCR_AES_CBC, 192, IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_384_192, 15 }, 24, 48, 48 },
		{ { IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_512, IKE_INTEG_HMAC_SHA2_512_256, 19 }, 32, 64, 64 },
	};
	uint8_t gir[56];
	for (int i = 0; i < 56; i++)
		gir[i] = (uint8_t)(0xe0 ^ i);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct ike_suite *su = &rows[i].s;
		uint8_t seed[64], km[512], again[64];
		struct ike_keys k;
		assert_int_equal(ike_suite_check(su), 0);
		assert_int_equal(ike_skeyseed(su->prf, ni, sizeof(ni), nr, sizeof(nr), gir, 56, seed), 0);
		/* SKEYSEED = prf(Ni | Nr, g^ir) */
		uint8_t nn[80];
		memcpy(nn, ni, 32);
		memcpy(nn + 32, nr, 48);
		struct ike_iov gv = { gir, 56 };
		assert_int_equal(ike_prf(su->prf, nn, 80, &gv, 1, again), 0);
		assert_memory_equal(seed, again, rows[i].p);
		assert_int_equal(ike_derive_keys(su, seed, ni, sizeof(ni), nr, sizeof(nr), spi_i, spi_r, &k), 0);
		assert_int_equal(k.e_len, rows[i].e);
		assert_int_equal(k.a_len, rows[i].a);
		assert_int_equal(k.prf_len, rows[i].p);
		/* the seven keys are consecutive cuts of one prf+ stream */
		struct ike_iov sv[4] = { { ni, 32 }, { nr, 48 }, { spi_i, 8 }, { spi_r, 8 } };
		size_t p = k.prf_len, a = k.a_len, e = k.e_len, total = 3 * p + 2 * a + 2 * e;
		assert_int_equal(ike_prf_plus(su->prf, seed, p, sv, 4, km, total), 0);
		const uint8_t *q = km;
		assert_memory_equal(k.d, q, p); q += p;
		if (a) {
			assert_memory_equal(k.ai, q, a); q += a;
			assert_memory_equal(k.ar, q, a); q += a;
		}
		assert_memory_equal(k.ei, q, e); q += e;
		assert_memory_equal(k.er, q, e); q += e;
		assert_memory_equal(k.pi, q, p); q += p;
		assert_memory_equal(k.pr, q, p);
		/* IKE-14: SKEYSEED' = prf(SK_d, g^ir(new) | Ni | Nr) */
		uint8_t re[64], re2[64];
		assert_int_equal(ike_skeyseed_rekey(su->prf, k.d, p, gir, 56, ni, 32, nr, 48, re), 0);
		struct ike_iov rv[3] = { { gir, 56 }, { ni, 32 }, { nr, 48 } };
		assert_int_equal(ike_prf(su->prf, k.d, p, rv, 3, re2), 0);
		assert_memory_equal(re, re2, p);
		assert_int_equal(ike_skeyseed_rekey(su->prf, k.d, p, NULL, 0, ni, 32, nr, 48, re),
				 M6_E_INVAL);
		ike_keys_wipe(&k);
		static const uint8_t zero[sizeof(k)];
		assert_memory_equal(&k, zero, sizeof(k));
	}
}

/* ALG-03, ALG-04: what an IKE SA may use here, and the RFC 4868 truncations. */
static void test_algorithms(void **s)
{
	(void)s;
	static const struct { struct ike_suite s; int rc; } rows[] = {
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, 0 }, 0 },
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, 0 }, M6_E_ALG },
		{ { IKE_ENCR_AES_GCM_16, 0, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, 0 }, M6_E_ALG },
		{ { IKE_ENCR_AES_GCM_16, 64, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, 0 }, M6_E_ALG },
		{ { IKE_ENCR_CHACHA20_POLY1305, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, 0 }, M6_E_ALG },
		{ { IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, 0 }, M6_E_ALG },
		{ { IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA1_96, 0 }, M6_E_ALG },
		{ { IKE_ENCR_AES_CBC, 128, 2 /* HMAC_SHA1 */, IKE_INTEG_HMAC_SHA2_256_128, 0 }, M6_E_ALG },
		{ { IKE_ENCR_NULL, 0, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, 0 }, M6_E_ALG },
		{ { 3 /* 3DES */, 0, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, 0 }, M6_E_ALG },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(ike_suite_check(&rows[i].s), rows[i].rc);
	static const struct { uint16_t integ; size_t key, icv; } ig[] = {
		{ IKE_INTEG_HMAC_SHA2_256_128, 32, 16 }, { IKE_INTEG_HMAC_SHA2_384_192, 48, 24 },
		{ IKE_INTEG_HMAC_SHA2_512_256, 64, 32 }, { IKE_INTEG_HMAC_SHA1_96, 20, 12 },
		{ IKE_INTEG_NONE, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(ig) / sizeof(ig[0]); i++) {
		size_t k, icv;
		assert_int_equal(ike_integ_keylen(ig[i].integ, &k, &icv), 0);
		assert_int_equal(k, ig[i].key);
		assert_int_equal(icv, ig[i].icv);
	}
	size_t k, icv;
	assert_int_equal(ike_integ_keylen(1 /* MD5 */, &k, &icv), M6_E_ALG);
}

/* ---- Child SA KEYMAT (IKE-13) ---- */

static void test_child_keymat(void **s)
{
	(void)s;
	uint8_t sk_d[32], gir[32], km[200];
	for (int i = 0; i < 32; i++) {
		sk_d[i] = (uint8_t)(0x30 + i);
		gir[i] = (uint8_t)(0x90 + i);
	}
	static const struct { struct ike_child_alg a; size_t e, k; } rows[] = {
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, false, false }, 20, 0 },        /* 16 + 4 salt */
		{ { IKE_ENCR_AES_GCM_16, 192, IKE_INTEG_NONE, false, false }, 28, 0 },
		{ { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, false, false }, 36, 0 },
		{ { IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE, false, false }, 36, 0 },
		{ { IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, false, false }, 32, 32 },
		{ { IKE_ENCR_NULL, 0, IKE_INTEG_HMAC_SHA2_512_256, false, false }, 0, 64 },
		{ { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, false, false }, 16, 20 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ike_child_keys k, kp;
		assert_int_equal(ike_child_keymat(IKE_PRF_HMAC_SHA2_256, sk_d, 32, NULL, 0, ni, 32, nr, 48,
						  &rows[i].a, &k), 0);
		assert_int_equal(k.e_len, rows[i].e);
		assert_int_equal(k.a_len, rows[i].k);
		size_t e = k.e_len, a = k.a_len;
		struct ike_iov sv[2] = { { ni, 32 }, { nr, 48 } };
		assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, sk_d, 32, sv, 2, km, 2 * (e + a)), 0);
		/* I->R encryption, I->R integrity, R->I encryption, R->I integrity */
		assert_memory_equal(k.ei, km, e);
		assert_memory_equal(k.ai, km + e, a);
		assert_memory_equal(k.er, km + e + a, e);
		assert_memory_equal(k.ar, km + 2 * e + a, a);
		/* with PFS, g^ir(new) comes first in the seed */
		assert_int_equal(ike_child_keymat(IKE_PRF_HMAC_SHA2_256, sk_d, 32, gir, 32, ni, 32, nr, 48,
						  &rows[i].a, &kp), 0);
		struct ike_iov pv[3] = { { gir, 32 }, { ni, 32 }, { nr, 48 } };
		assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, sk_d, 32, pv, 3, km, 2 * (e + a)), 0);
		assert_memory_equal(kp.ei, km, e);
		assert_memory_equal(kp.ar, km + 2 * e + a, a);
		assert_true(memcmp(k.er, kp.er, e) != 0 || e == 0);
		ike_child_keys_wipe(&k);
		ike_child_keys_wipe(&kp);
	}
	struct ike_child_keys k;
	struct ike_child_alg bad = { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA2_256_128, false, false };
	assert_int_equal(ike_child_keymat(IKE_PRF_HMAC_SHA2_256, sk_d, 32, NULL, 0, ni, 32, nr, 48, &bad, &k),
			 M6_E_ALG);
	struct ike_child_alg bad2 = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_NONE, false, false };
	assert_int_equal(ike_child_keymat(IKE_PRF_HMAC_SHA2_256, sk_d, 32, NULL, 0, ni, 32, nr, 48, &bad2, &k),
			 M6_E_ALG);
}

/* ---- AUTH (IKE-12) ---- */

static void test_auth_psk(void **s)
{
	(void)s;
	static const uint8_t psk[] = "a pre-shared key of at least sixty-four octets, as IKE-12 asks..";
	uint8_t msg[100], skp[32], id[18], auth[64], pad[64], mac[64], want[64];
	for (int i = 0; i < 100; i++)
		msg[i] = (uint8_t)i;
	memset(skp, 0x5a, sizeof(skp));
	memcpy(id, "\x02\0\0\0mn.example.org", 18);
	size_t pl = sizeof(psk) - 1;
	assert_true(pl >= 64);
	assert_int_equal(ike_auth_psk(IKE_PRF_HMAC_SHA2_256, psk, pl, msg, 100, nr, 48, skp, 32, id, 18, auth), 0);
	/* prf(prf(PSK, "Key Pad for IKEv2"), msg | Nr | prf(SK_pi, IDi')) with the
	 * 17-octet pad string (no NUL) */
	struct ike_iov kp = { "Key Pad for IKEv2", 17 }, iv = { id, 18 };
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, psk, pl, &kp, 1, pad), 0);
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, skp, 32, &iv, 1, mac), 0);
	struct ike_iov v[3] = { { msg, 100 }, { nr, 48 }, { mac, 32 } };
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, pad, 32, v, 3, want), 0);
	assert_memory_equal(auth, want, 32);

	assert_int_equal(ike_auth_psk_verify(IKE_PRF_HMAC_SHA2_256, psk, pl, msg, 100, nr, 48, skp, 32,
					     id, 18, auth, 32), 0);
	for (int i = 0; i < 32; i++) {
		auth[i] ^= 0x01;
		assert_int_equal(ike_auth_psk_verify(IKE_PRF_HMAC_SHA2_256, psk, pl, msg, 100, nr, 48, skp,
						     32, id, 18, auth, 32), M6_E_IKE_AUTH);
		auth[i] ^= 0x01;
	}
	assert_int_equal(ike_auth_psk_verify(IKE_PRF_HMAC_SHA2_256, psk, pl, msg, 100, nr, 48, skp, 32,
					     id, 18, auth, 31), M6_E_IKE_AUTH);
	/* another message, nonce, key or identity gives another AUTH */
	msg[99] ^= 1;
	assert_int_equal(ike_auth_psk_verify(IKE_PRF_HMAC_SHA2_256, psk, pl, msg, 100, nr, 48, skp, 32,
					     id, 18, auth, 32), M6_E_IKE_AUTH);
	msg[99] ^= 1;
	id[17] ^= 1;
	assert_int_equal(ike_auth_psk_verify(IKE_PRF_HMAC_SHA2_256, psk, pl, msg, 100, nr, 48, skp, 32,
					     id, 18, auth, 32), M6_E_IKE_AUTH);
	id[17] ^= 1;
	assert_int_equal(ike_auth_psk_verify(IKE_PRF_HMAC_SHA2_256, psk, pl - 1, msg, 100, nr, 48, skp,
					     32, id, 18, auth, 32), M6_E_IKE_AUTH);
	/* SHA-512: 64 octets */
	assert_int_equal(ike_auth_psk(IKE_PRF_HMAC_SHA2_512, psk, pl, msg, 100, nr, 48, skp, 32, id, 18, auth), 0);
	assert_int_equal(ike_auth_psk_verify(IKE_PRF_HMAC_SHA2_512, psk, pl, msg, 100, nr, 48, skp, 32,
					     id, 18, auth, 64), 0);
}

/* ---- SK payload ---- */

/* A deterministic generator for the CBC IVs. */
static void counter_rng(void *ctx, uint8_t *out, size_t n)
{
	uint8_t *c = ctx;
	for (size_t i = 0; i < n; i++)
		out[i] = (*c)++;
}

/* TV-04: RFC 7634 Appendix B, an INFORMATIONAL request with N(SET_WINDOW_SIZE
 * = 10) under ChaCha20-Poly1305, byte for byte. */
static void test_sk_rfc7634(void **s)
{
	(void)s;
	uint8_t key[36], out[128], want[128];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	memcpy(key + 32, "\xa0\xa1\xa2\xa3", 4);
	struct ike_sk sk;
	assert_int_equal(ike_sk_init_raw(&sk, IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE, key, NULL,
					 key, NULL), 0);
	assert_int_equal(sk.iv_len, 8);
	assert_int_equal(sk.icv_len, 16);
	sk.iv_seq = 0x1011121314151617ull;     /* the example's IV */
	struct ike_hdr h = { .spi_i = { 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7 },
			     .spi_r = { 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7 },
			     .version = 0x20, .exchange = IKE_INFORMATIONAL, .msgid = 9 };
	struct ike_wr w;
	size_t len;
	static const uint8_t win[4] = { 0, 0, 0, 10 };
	ike_wr_init(&w, out, sizeof(out), &h);
	ike_wr_sk_begin(&w, false, 0, 0, sk.iv_len);
	ike_put_notify(&w, 0, NULL, 0, IKE_N_SET_WINDOW_SIZE, win, 4);
	assert_int_equal(ike_sk_seal(&sk, &w, NULL, &len), 0);
	size_t wl = hexb("c0c1c2c3c4c5c6c7d0d1d2d3d4d5d6d7 2e202500000000090000004529000029"
			 "1011121314151617610394701f8d017f 7c12924889 6b71bfe25236efd7cdc67066906315b2",
			 want, sizeof(want));
	assert_int_equal(len, wl);
	assert_memory_equal(out, want, wl);

	struct ike_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(out, len, &m, &ds, 0), 0);
	size_t po, pl;
	assert_int_equal(ike_sk_open(&sk, out, len, &m, &po, &pl), 0);
	assert_int_equal(pl, 12);
	assert_int_equal(ike_msg_parse_inner(&m, out + po, pl, m.sk_np, &ds, po), 0);
	assert_int_equal(m.n, 2);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_SET_WINDOW_SIZE));
	ike_sk_clear(&sk);
}

struct sk_suite {
	uint16_t encr, bits, integ;
};

static const struct sk_suite sk_suites[] = {
	{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE },
	{ IKE_ENCR_AES_GCM_16, 192, IKE_INTEG_NONE },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_384_192 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256 },
};

/* Two ends of one SA: what the initiator seals the responder opens. */
static void sk_pair(const struct sk_suite *su, struct ike_sk *a, struct ike_sk *b)
{
	uint8_t ei[36], er[36], ai[64], ar[64];
	for (int i = 0; i < 36; i++) {
		ei[i] = (uint8_t)(i + 1);
		er[i] = (uint8_t)(0x80 + i);
	}
	for (int i = 0; i < 64; i++) {
		ai[i] = (uint8_t)(0x40 + i);
		ar[i] = (uint8_t)(0xc0 + i);
	}
	assert_int_equal(ike_sk_init_raw(a, su->encr, su->bits, su->integ, ei, ai, er, ar), 0);
	assert_int_equal(ike_sk_init_raw(b, su->encr, su->bits, su->integ, er, ar, ei, ai), 0);
}

static size_t seal_n(struct ike_sk *sk, uint8_t *out, size_t cap, size_t n, uint8_t *seed)
{
	static uint8_t blob[1200];
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 13);
	struct ike_hdr h = { .spi_i = { 1 }, .spi_r = { 2 }, .version = 0x20,
			     .exchange = IKE_INFORMATIONAL, .flags = IKE_FLAG_I, .msgid = 5 };
	struct ike_rng rng = { counter_rng, seed };
	struct ike_wr w;
	size_t len;
	ike_wr_init(&w, out, cap, &h);
	ike_wr_sk_begin(&w, false, 0, 0, sk->iv_len);
	if (n)
		ike_put_vendor(&w, blob, n - 4);        /* n octets of content */
	assert_int_equal(ike_sk_seal(sk, &w, &rng, &len), 0);
	assert_int_equal(len, IKE_HDR_LEN + n + ike_sk_overhead(sk, n, false));
	return len;
}

static void test_sk_roundtrip(void **s)
{
	(void)s;
	static const size_t sizes[] = { 0, 4, 11, 12, 15, 16, 27, 100, 1000 };
	for (size_t i = 0; i < sizeof(sk_suites) / sizeof(sk_suites[0]); i++) {
		struct ike_sk a, b;
		sk_pair(&sk_suites[i], &a, &b);
		uint8_t seed = 0;
		for (size_t j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			static uint8_t out[1400], copy[1400];
			size_t len = seal_n(&a, out, sizeof(out), sizes[j], &seed);
			/* CBC: padded to 16; AEAD: no padding (RFC 7634 3) */
			if (!a.aead)
				assert_int_equal((len - IKE_HDR_LEN - 4 - a.iv_len - a.icv_len) % 16, 0);
			else
				assert_int_equal(ike_sk_overhead(&a, sizes[j], false), 4 + 8 + 1 + 16);
			memcpy(copy, out, len);
			struct ike_msg m;
			struct m6_diags ds;
			m6_diags_init(&ds);
			assert_int_equal(ike_msg_parse(out, len, &m, &ds, 0), 0);
			size_t po, pl;
			assert_int_equal(ike_sk_open(&b, out, len, &m, &po, &pl), 0);
			assert_int_equal(pl, sizes[j]);
			assert_int_equal(ike_msg_parse_inner(&m, out + po, pl, m.sk_np, &ds, po), 0);
			/* the sealing end cannot open its own message (other key) */
			memcpy(out, copy, len);
			assert_int_equal(ike_sk_open(&a, out, len, &m, &po, &pl), M6_E_IKE_ICV);
		}
		ike_sk_clear(&a);
		ike_sk_clear(&b);
	}
}

/* Every octet of the message is covered: header, SK header, IV, data, ICV. */
static void test_sk_tamper(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof(sk_suites) / sizeof(sk_suites[0]); i++) {
		struct ike_sk a, b;
		sk_pair(&sk_suites[i], &a, &b);
		uint8_t seed = 7;
		static uint8_t out[200], copy[200];
		size_t len = seal_n(&a, out, sizeof(out), 40, &seed);
		memcpy(copy, out, len);
		struct ike_msg m;
		struct m6_diags ds;
		m6_diags_init(&ds);
		assert_int_equal(ike_msg_parse(out, len, &m, &ds, 0), 0);
		for (size_t k = 0; k < len; k++) {
			if (k >= 24 && k < 28)
				continue;       /* Length: the parse refuses it first */
			if (k == m.pl[m.sk].off + 2 || k == m.pl[m.sk].off + 3)
				continue;       /* Payload Length: likewise */
			memcpy(out, copy, len);
			out[k] ^= 0x20;
			size_t po, pl;
			int rc = ike_sk_open(&b, out, len, &m, &po, &pl);
			if (rc != M6_E_IKE_ICV)
				fail_msg("suite %zu: flipped octet %zu gives %s", i, k, m6_errid(rc));
			if (a.aead) {
				/* the decrypted region is wiped on failure */
				const uint8_t *d = out + m.pl[m.sk].off + 4 + 8;
				for (size_t z = 0; z < 41; z++)
					assert_int_equal(d[z], 0);
			}
		}
		/* truncated: too short for IV + ICV, or not whole blocks */
		memcpy(out, copy, len);
		struct ike_msg mt = m;
		size_t po, pl;
		mt.pl[mt.sk].len = (uint16_t)(4 + a.iv_len + a.icv_len);
		assert_int_equal(ike_sk_open(&b, out, len, &mt, &po, &pl), M6_E_IKE_SK_LEN);
		if (!a.aead) {
			mt.pl[mt.sk].len = (uint16_t)(m.pl[m.sk].len - 1);
			assert_int_equal(ike_sk_open(&b, out, len, &mt, &po, &pl), M6_E_IKE_SK_LEN);
		}
		mt.sk = -1;
		assert_int_equal(ike_sk_open(&b, out, len, &mt, &po, &pl), M6_E_INVAL);
		ike_sk_clear(&a);
		ike_sk_clear(&b);
		static const uint8_t zero[sizeof(a)];
		assert_memory_equal(&a, zero, sizeof(a));
	}
}

/* AEAD IVs come from a counter and never repeat; CBC IVs from the caller. */
static void test_sk_iv(void **s)
{
	(void)s;
	struct ike_sk a, b;
	sk_pair(&sk_suites[0], &a, &b);
	uint8_t out1[100], out2[100], seed = 0;
	size_t l1 = seal_n(&a, out1, sizeof(out1), 8, &seed), l2 = seal_n(&a, out2, sizeof(out2), 8, &seed);
	assert_int_equal(l1, l2);
	assert_memory_not_equal(out1 + 32, out2 + 32, 8);
	assert_int_equal(m6_get32(out2 + 36), 1);
	ike_sk_clear(&a);
	ike_sk_clear(&b);
	sk_pair(&sk_suites[4], &a, &b);
	seed = 0x40;
	l1 = seal_n(&a, out1, sizeof(out1), 8, &seed);
	for (int i = 0; i < 16; i++)
		assert_int_equal(out1[32 + i], 0x40 + i);
	/* without a generator CBC refuses to seal */
	struct ike_hdr h = { .version = 0x20, .exchange = IKE_INFORMATIONAL };
	struct ike_wr w;
	size_t len;
	ike_wr_init(&w, out1, sizeof(out1), &h);
	ike_wr_sk_begin(&w, false, 0, 0, a.iv_len);
	assert_int_equal(ike_sk_seal(&a, &w, NULL, &len), M6_E_INVAL);
	ike_sk_clear(&a);
	ike_sk_clear(&b);
	/* keys from ike_derive_keys: the initiator's outbound is SK_ei */
	struct ike_suite su = { IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, 31 };
	struct ike_keys k;
	uint8_t seedk[32] = { 1 };
	assert_int_equal(ike_derive_keys(&su, seedk, ni, 32, nr, 48, spi_i, spi_r, &k), 0);
	assert_int_equal(ike_sk_init(&a, &su, &k, true), 0);
	assert_int_equal(ike_sk_init(&b, &su, &k, false), 0);
	seed = 0;
	l1 = seal_n(&a, out1, sizeof(out1), 20, &seed);
	struct ike_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(out1, l1, &m, &ds, 0), 0);
	size_t po, pl;
	assert_int_equal(ike_sk_open(&b, out1, l1, &m, &po, &pl), 0);
	ike_sk_clear(&a);
	ike_sk_clear(&b);
	su.integ = IKE_INTEG_HMAC_SHA2_256_128;
	assert_int_equal(ike_sk_init(&a, &su, &k, true), M6_E_ALG);
	ike_keys_wipe(&k);
}

/* OpenSSL's allocations, counted (installed before OpenSSL allocates). */
static unsigned long n_alloc;

static void *count_malloc(size_t n, const char *f, int l)
{
	(void)f;
	(void)l;
	n_alloc++;
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *f, int l)
{
	(void)f;
	(void)l;
	n_alloc++;
	return realloc(p, n);
}

static void count_free(void *p, const char *f, int l)
{
	(void)f;
	(void)l;
	free(p);
}

/* Once keyed, sealing and opening a message allocates nothing. */
static void test_sk_no_alloc(void **s)
{
	(void)s;
	for (size_t i = 0; i < sizeof(sk_suites) / sizeof(sk_suites[0]); i++) {
		struct ike_sk a, b;
		unsigned long before = n_alloc;
		sk_pair(&sk_suites[i], &a, &b);
		assert_true(n_alloc > before);          /* the counter sees the contexts */
		static uint8_t out[1400], bad[1400];
		uint8_t seed = 1;
		before = n_alloc;
		for (int k = 0; k < 20; k++) {
			size_t len = seal_n(&a, out, sizeof(out), (size_t)(4 + 37 * k), &seed);
			struct ike_msg m;
			struct m6_diags ds;
			m6_diags_init(&ds);
			assert_int_equal(ike_msg_parse(out, len, &m, &ds, 0), 0);
			memcpy(bad, out, len);
			bad[len - 1] ^= 1;
			size_t po, pl;
			assert_int_equal(ike_sk_open(&b, out, len, &m, &po, &pl), 0);
			assert_int_equal(ike_sk_open(&b, bad, len, &m, &po, &pl), M6_E_IKE_ICV);
		}
		assert_int_equal(n_alloc, before);
		ike_sk_clear(&a);
		ike_sk_clear(&b);
	}
}

int main(void)
{
	if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free))
		fprintf(stderr, "test_ike_crypto: OpenSSL allocations not counted\n");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prf_rfc4868),
		cmocka_unit_test(test_prf_plus),
		cmocka_unit_test(test_nist_sp800_135_ikev2),
		cmocka_unit_test(test_derive_keys),
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_child_keymat),
		cmocka_unit_test(test_auth_psk),
		cmocka_unit_test(test_sk_rfc7634),
		cmocka_unit_test(test_sk_roundtrip),
		cmocka_unit_test(test_sk_tamper),
		cmocka_unit_test(test_sk_iv),
		cmocka_unit_test(test_sk_no_alloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
