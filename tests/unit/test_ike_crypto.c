/* IKEv2 crypto: prf and prf+, SKEYSEED and keys, KEYMAT, PSK AUTH, the SK payload
 * (RFC 5282, RFC 7634 Appendix B), key exchange (RFC 7748, RFC 5903) with the RFC
 * 6989 checks, the algorithm table. The values computed here from random inputs
 * are cross-checked against Python `cryptography` by tests/oracle/ike_crypto_oracle.py. */
#include <stdlib.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include "tu.h"
#include "ike/ike_crypto.h"
#include "ike/ike_dh.h"
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
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE }, 20, 0 },        /* 16 + 4 salt */
		{ { IKE_ENCR_AES_GCM_16, 192, IKE_INTEG_NONE }, 28, 0 },
		{ { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE }, 36, 0 },
		{ { IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE }, 36, 0 },
		{ { IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128 }, 32, 32 },
		{ { IKE_ENCR_NULL, 0, IKE_INTEG_HMAC_SHA2_512_256 }, 0, 64 },
		{ { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96 }, 16, 20 },
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
	struct ike_child_alg bad = { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA2_256_128 };
	assert_int_equal(ike_child_keymat(IKE_PRF_HMAC_SHA2_256, sk_d, 32, NULL, 0, ni, 32, nr, 48, &bad, &k),
			 M6_E_ALG);
	struct ike_child_alg bad2 = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_NONE };
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

/* ---- key exchange ---- */

static void dh_vec(uint16_t g, const char *priv, const char *pub, const char *peer, const char *shared)
{
	uint8_t pr[64], pu[400], pe[400], sh[400], out[400];
	size_t prl = hexb(priv, pr, sizeof(pr)), pul = pub ? hexb(pub, pu, sizeof(pu)) : 0;
	size_t pel = hexb(peer, pe, sizeof(pe)), shl = hexb(shared, sh, sizeof(sh)), ol = 0;
	struct ike_dh dh;
	assert_int_equal(ike_dh_init_priv(&dh, g, pr, prl), 0);
	if (pub) {
		assert_int_equal(dh.pub_len, pul);
		assert_memory_equal(dh.pub, pu, pul);
	}
	assert_int_equal(ike_dh_check_peer(g, pe, pel), 0);
	assert_int_equal(ike_dh_shared(&dh, pe, pel, out, &ol), 0);
	assert_int_equal(ol, shl);
	assert_memory_equal(out, sh, shl);
	ike_dh_clear(&dh);
}

/* TV-05: RFC 7748 5.2 and 6.1 / 6.2. */
static void test_x25519_x448_rfc7748(void **s)
{
	(void)s;
	dh_vec(IKE_DH_X25519, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", NULL,
	       "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	       "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	dh_vec(IKE_DH_X25519, "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d", NULL,
	       "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	       "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
	dh_vec(IKE_DH_X448,
	       "3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121700a779c984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3",
	       NULL,
	       "06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9814dc031ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086",
	       "ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239fe14fbaadeb445fc66a01b0779d98223961111e21766282f73dd96b6f");
	dh_vec(IKE_DH_X448,
	       "203d494428b8399352665ddca42f9de8fef600908e0d461cb021f8c538345dd77c3e4806e25f46d3315c44e0a5b4371282dd2c8d5be3095f",
	       NULL,
	       "0fbcc2f993cd56d3305b0b7d9e55d4c1a8fb5dbb52f8e9a1e9b6201b165d015894e56c4d3570bee52fe205e28a78b91cdfbde71ce8d157db",
	       "884a02576239ff7a2f2f63b2db6a9ff37047ac13568e1e30fe63c4a7ad1b3ee3a5700df34321d62077e63633c575c1c954514e99da7c179d");
	/* 6.1: Alice and Bob */
	static const char a25[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
			  A25[] = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
			  b25[] = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
			  B25[] = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
			  K25[] = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
	dh_vec(IKE_DH_X25519, a25, A25, B25, K25);
	dh_vec(IKE_DH_X25519, b25, B25, A25, K25);
	static const char a448[] = "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
			  A448[] = "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
			  b448[] = "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
			  B448[] = "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
			  K448[] = "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d";
	dh_vec(IKE_DH_X448, a448, A448, B448, K448);
	dh_vec(IKE_DH_X448, b448, B448, A448, K448);
}

/* RFC 7748 5.2: k = X(k, u), u = old k. */
static void iterate(uint16_t g, size_t n, unsigned times, const char *after1, const char *after1000)
{
	uint8_t k[56] = { 0 }, u[56] = { 0 }, out[56], want[56];
	k[0] = u[0] = g == IKE_DH_X25519 ? 9 : 5;
	for (unsigned i = 1; i <= times; i++) {
		struct ike_dh dh;
		size_t ol;
		assert_int_equal(ike_dh_init_priv(&dh, g, k, n), 0);
		assert_int_equal(ike_dh_shared(&dh, u, n, out, &ol), 0);
		memcpy(u, k, n);
		memcpy(k, out, n);
		if (i == 1 || i == 1000) {
			hexb(i == 1 ? after1 : after1000, want, sizeof(want));
			assert_memory_equal(k, want, n);
		}
	}
}

/* TV-05: RFC 7748 5.2, the X25519 and X448 results after 1 and 1,000 iterations. */
static void test_rfc7748_iterated(void **s)
{
	(void)s;
	iterate(IKE_DH_X25519, 32, 1000, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079",
		"684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
	iterate(IKE_DH_X448, 56, 1000,
		"3f482c8a9f19b01e6c46ee9711d9dc14fd4bf67af30765c2ae2b846a4d23a8cd0db897086239492caf350b51f833868b9bc2b3bca9cf4113",
		"aa3b4749d55b9daf1e5b00288826c467274ce3ebbdd5c17b975e09d4af6c67cf10d087202db88286e2b79fceea3ec353ef54faa26e219f38");
}

/* TV-05: RFC 5903 8.1 and 8.2, the KE payloads and the x-only shared value. */
static void test_ecp_rfc5903(void **s)
{
	(void)s;
	static const struct {
		uint16_t g;
		const char *i, *gi, *kei, *r, *gr, *girx;
	} v[] = {
		{ IKE_DH_ECP256,
		  "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
		  "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180"
		  "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
		  "00000048 00130000 DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF"
		  "945D0C37 72581180 5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58"
		  "389E0577 B8990BB3",
		  "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
		  "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63"
		  "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
		  "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE" },
		{ IKE_DH_ECP384,
		  "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655"
		  "E35B5380 41E649EE 3FAEF896 783AB194",
		  "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6"
		  "DE3AC808 ACB4BDB4 C88732AE E95F41AA"
		  "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E"
		  "EB9FCFF3 C2C947DA E69B4C63 4573A81C",
		  "00000068 00140000 667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3"
		  "1634FE72 B4C55EE6 DE3AC808 ACB4BDB4 C88732AE E95F41AA 9482ED1F C0EEB9CA"
		  "FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA"
		  "E69B4C63 4573A81C",
		  "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942"
		  "E0308312 916B8ED2 960E4BD5 5A7448FC",
		  "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D"
		  "0D1AC43A 0336DEF9 6FDA41D0 774A3571"
		  "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF"
		  "F83FA401 42209DFF 5EAAD96D B9E6386C",
		  "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4"
		  "D6031355 69B9E9D0 9CF5D4A2 70F59746" },
	};
	for (int i = 0; i < 2; i++) {
		dh_vec(v[i].g, v[i].i, v[i].gi, v[i].gr, v[i].girx);
		dh_vec(v[i].g, v[i].r, v[i].gr, v[i].gi, v[i].girx);
		/* KEi payload as the RFC shows it (generic header, group, data) */
		uint8_t pr[64], kei[128], out[160];
		size_t prl = hexb(v[i].i, pr, sizeof(pr)), kl = hexb(v[i].kei, kei, sizeof(kei)), len;
		struct ike_dh dh;
		assert_int_equal(ike_dh_init_priv(&dh, v[i].g, pr, prl), 0);
		struct ike_hdr h = { .version = 0x20, .exchange = IKE_SA_INIT };
		struct ike_wr w;
		ike_wr_init(&w, out, sizeof(out), &h);
		ike_put_ke(&w, dh.group, dh.pub, dh.pub_len);
		assert_int_equal(ike_wr_finish(&w, &len), 0);
		assert_int_equal(len, IKE_HDR_LEN + kl);
		assert_memory_equal(out + IKE_HDR_LEN, kei, kl);
		ike_dh_clear(&dh);
	}
}

/* MODP: g = 2 (x = 1 gives 2, x = 2 gives 4), both sides agree. */
static void test_modp(void **s)
{
	(void)s;
	static const uint16_t groups[] = { IKE_DH_MODP2048, IKE_DH_MODP3072 };
	for (int gi = 0; gi < 2; gi++) {
		uint16_t g = groups[gi];
		size_t ml = ike_group_ke_len(g);
		struct ike_dh a, b;
		uint8_t x[1] = { 1 }, sa[400], sb[400];
		size_t la, lb;
		assert_int_equal(ike_dh_init_priv(&a, g, x, 1), 0);
		assert_int_equal(a.pub_len, ml);
		for (size_t i = 0; i + 1 < ml; i++)
			assert_int_equal(a.pub[i], 0);
		assert_int_equal(a.pub[ml - 1], 2);
		x[0] = 2;
		assert_int_equal(ike_dh_init_priv(&b, g, x, 1), 0);
		assert_int_equal(b.pub[ml - 1], 4);
		/* g^(1*2) both ways */
		assert_int_equal(ike_dh_shared(&a, b.pub, ml, sa, &la), 0);
		assert_int_equal(ike_dh_shared(&b, a.pub, ml, sb, &lb), 0);
		assert_int_equal(la, ml);
		assert_memory_equal(sa, sb, ml);
		assert_int_equal(sa[ml - 1], 4);
		uint8_t xa[32], xb[32];
		for (int i = 0; i < 32; i++) {
			xa[i] = (uint8_t)(0x11 * i + 3);
			xb[i] = (uint8_t)(0x7f - i);
		}
		assert_int_equal(ike_dh_init_priv(&a, g, xa, 32), 0);
		assert_int_equal(ike_dh_init_priv(&b, g, xb, 32), 0);
		assert_int_equal(ike_dh_shared(&a, b.pub, ml, sa, &la), 0);
		assert_int_equal(ike_dh_shared(&b, a.pub, ml, sb, &lb), 0);
		assert_memory_equal(sa, sb, ml);
		uint8_t zero[1] = { 0 };
		assert_int_equal(ike_dh_init_priv(&a, g, zero, 1), M6_E_INVAL);
	}
}

/* IKE-22: RFC 6989 2.1 (MODP 1 < y < p-1), 2.3 (ECP on the curve, coordinates
 * below p), RFC 8031 3.2 (X25519 any value, all-zero result refused). */
static void test_peer_checks(void **s)
{
	(void)s;
	uint8_t y[400], out[400];
	size_t ol;
	struct ike_dh dh;
	uint8_t x[32];
	memset(x, 0x42, sizeof(x));

	/* MODP-2048 */
	assert_int_equal(ike_dh_init_priv(&dh, IKE_DH_MODP2048, x, 32), 0);
	BIGNUM *p = BN_get_rfc3526_prime_2048(NULL);
	assert_non_null(p);
	memset(y, 0, 256);
	assert_int_equal(ike_dh_check_peer(IKE_DH_MODP2048, y, 256), M6_E_IKE_KE_VALUE);   /* 0 */
	y[255] = 1;
	assert_int_equal(ike_dh_shared(&dh, y, 256, out, &ol), M6_E_IKE_KE_VALUE);          /* 1 */
	y[255] = 2;
	assert_int_equal(ike_dh_check_peer(IKE_DH_MODP2048, y, 256), 0);                   /* 2 */
	assert_int_equal(BN_bn2binpad(p, y, 256), 256);
	assert_int_equal(ike_dh_check_peer(IKE_DH_MODP2048, y, 256), M6_E_IKE_KE_VALUE);   /* p */
	y[255] -= 1;
	assert_int_equal(ike_dh_check_peer(IKE_DH_MODP2048, y, 256), M6_E_IKE_KE_VALUE);   /* p-1 */
	y[255] -= 1;
	assert_int_equal(ike_dh_check_peer(IKE_DH_MODP2048, y, 256), 0);                   /* p-2 */
	memset(y, 0xff, 256);
	assert_int_equal(ike_dh_check_peer(IKE_DH_MODP2048, y, 256), M6_E_IKE_KE_VALUE);   /* > p */
	assert_int_equal(ike_dh_check_peer(IKE_DH_MODP2048, y, 255), M6_E_IKE_KE_LEN);
	BN_free(p);

	/* ECP-256 with the RFC 5903 point */
	uint8_t gi[64], bad[64];
	hexb("DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
	     "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3", gi, sizeof(gi));
	assert_int_equal(ike_dh_check_peer(IKE_DH_ECP256, gi, 64), 0);
	memcpy(bad, gi, 64);
	bad[63] ^= 1;                                          /* off the curve */
	assert_int_equal(ike_dh_check_peer(IKE_DH_ECP256, bad, 64), M6_E_IKE_KE_VALUE);
	memset(bad, 0, 64);                                    /* (0, 0) */
	assert_int_equal(ike_dh_check_peer(IKE_DH_ECP256, bad, 64), M6_E_IKE_KE_VALUE);
	/* a coordinate equal to p (P-256: 2^256 - 2^224 + 2^192 + 2^96 - 1) */
	memcpy(bad, gi, 64);
	hexb("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", bad, 32);
	assert_int_equal(ike_dh_check_peer(IKE_DH_ECP256, bad, 64), M6_E_IKE_KE_VALUE);
	assert_int_equal(ike_dh_check_peer(IKE_DH_ECP256, gi, 63), M6_E_IKE_KE_LEN);
	uint8_t d[32];
	hexb("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433", d, 32);
	assert_int_equal(ike_dh_init_priv(&dh, IKE_DH_ECP256, d, 32), 0);
	bad[0] = 0;                                            /* below p, off the curve */
	assert_int_equal(ike_dh_shared(&dh, bad, 64, out, &ol), M6_E_IKE_KE_VALUE);
	/* private keys outside [1, n-1] */
	memset(d, 0xff, 32);
	assert_int_equal(ike_dh_init_priv(&dh, IKE_DH_ECP256, d, 32), M6_E_INVAL);
	memset(d, 0, 32);
	assert_int_equal(ike_dh_init_priv(&dh, IKE_DH_ECP256, d, 32), M6_E_INVAL);

	/* X25519: u = 0 and u = 1 (small order) give an all-zero result */
	assert_int_equal(ike_dh_init_priv(&dh, IKE_DH_X25519, x, 32), 0);
	uint8_t u[32] = { 0 };
	assert_int_equal(ike_dh_check_peer(IKE_DH_X25519, u, 32), 0);
	assert_int_equal(ike_dh_shared(&dh, u, 32, out, &ol), M6_E_IKE_KE_VALUE);
	u[0] = 1;
	assert_int_equal(ike_dh_shared(&dh, u, 32, out, &ol), M6_E_IKE_KE_VALUE);
	/* the top bit is masked and u = p + 9 is 9: both give our public value */
	memset(u, 0, 32);
	u[0] = 9;
	u[31] = 0x80;
	assert_int_equal(ike_dh_shared(&dh, u, 32, out, &ol), 0);
	assert_memory_equal(out, dh.pub, 32);
	hexb("f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", u, 32);  /* 2^255 - 19 + 9 */
	assert_int_equal(ike_dh_shared(&dh, u, 32, out, &ol), 0);
	assert_memory_equal(out, dh.pub, 32);
	assert_int_equal(ike_dh_check_peer(IKE_DH_X25519, u, 31), M6_E_IKE_KE_LEN);
	ike_dh_clear(&dh);
	static const uint8_t zero[sizeof(dh)];
	assert_memory_equal(&dh, zero, sizeof(dh));

	assert_int_equal(ike_dh_check_peer(21 /* ECP-521 */, u, 32), M6_E_IKE_GROUP);
	assert_int_equal(ike_dh_init_priv(&dh, 2, x, 32), M6_E_IKE_GROUP);
	assert_false(ike_dh_supported(1));
	assert_true(ike_dh_supported(IKE_DH_X448));
}

/* The private key comes from the caller's generator only. */
struct script_rng {
	const uint8_t *first;       /* returned by the first call, if set */
	uint8_t ctr;
	int calls;
};

static void script(void *ctx, uint8_t *out, size_t n)
{
	struct script_rng *r = ctx;
	for (size_t i = 0; i < n; i++)
		out[i] = r->calls == 0 && r->first ? r->first[i] : (uint8_t)(r->ctr++ * 29 + 1);
	r->calls++;
}

static void test_dh_rng(void **s)
{
	(void)s;
	static const uint16_t groups[] = { IKE_DH_X25519, IKE_DH_X448, IKE_DH_ECP256, IKE_DH_ECP384,
					   IKE_DH_MODP2048, IKE_DH_MODP3072 };
	for (int i = 0; i < 6; i++) {
		struct script_rng r1 = { 0 }, r2 = { 0 }, r3 = { .ctr = 5 };
		struct ike_rng g1 = { script, &r1 }, g2 = { script, &r2 }, g3 = { script, &r3 };
		struct ike_dh a, b, c;
		assert_int_equal(ike_dh_init(&a, groups[i], &g1), 0);
		assert_int_equal(ike_dh_init(&b, groups[i], &g2), 0);
		assert_int_equal(ike_dh_init(&c, groups[i], &g3), 0);
		assert_int_equal(a.pub_len, ike_group_ke_len(groups[i]));
		assert_memory_equal(a.pub, b.pub, a.pub_len);           /* same seed */
		assert_memory_not_equal(a.pub, c.pub, a.pub_len);       /* another */
		assert_int_equal(r1.calls, 1);
		uint8_t s1[400], s2[400];
		size_t l1, l2;
		assert_int_equal(ike_dh_shared(&a, c.pub, c.pub_len, s1, &l1), 0);
		assert_int_equal(ike_dh_shared(&c, a.pub, a.pub_len, s2, &l2), 0);
		assert_int_equal(l1, ike_dh_shared_len(groups[i]));
		assert_memory_equal(s1, s2, l1);
	}
	/* ECP: a draw >= n is redrawn */
	static const uint8_t ff[48] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct script_rng r = { .first = ff };
	struct ike_rng g = { script, &r };
	struct ike_dh dh;
	assert_int_equal(ike_dh_init(&dh, IKE_DH_ECP384, &g), 0);
	assert_int_equal(r.calls, 2);
	assert_int_equal(ike_dh_init(&dh, IKE_DH_X25519, NULL), M6_E_INVAL);
	assert_int_equal(ike_dh_init(&dh, 22, &g), M6_E_IKE_GROUP);
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
		cmocka_unit_test(test_x25519_x448_rfc7748),
		cmocka_unit_test(test_rfc7748_iterated),
		cmocka_unit_test(test_ecp_rfc5903),
		cmocka_unit_test(test_modp),
		cmocka_unit_test(test_peer_checks),
		cmocka_unit_test(test_dh_rng),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
