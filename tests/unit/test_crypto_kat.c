/* Known-answer tests for the crypto layer (each test cites its vectors' item). */
#include "tu.h"

#include "crypto/m6_crypto.h"
#include "crypto/m6_xform.h"
#include "util/m6_err.h"

static uint8_t buf[512], want[512], key[256], aad[64];

/* A transform from hex keys (a NULL hex string = no key). */
static int xf(struct m6_xform *x, enum m6_enc enc, const char *ek, enum m6_auth auth,
	      const char *ak, bool encrypt)
{
	struct m6_xform_cfg c;
	memset(&c, 0, sizeof(c));
	c.enc = enc;
	c.auth = auth;
	if (ek)
		c.eklen = tu_hex(ek, c.ekey, sizeof(c.ekey));
	if (ak)
		c.aklen = tu_hex(ak, c.akey, sizeof(c.akey));
	char why[128];
	int rc = m6_xform_init(x, &c, encrypt, why, sizeof(why));
	if (rc)
		assert_true(why[0] != '\0');    /* every refusal says why */
	return rc;
}

#define K32_0B "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"

/* ALG-01, ALG-02: algorithm names in the key-file spelling, AEAD and
 * counter-mode classes. */
static void test_names(void **s)
{
	(void)s;
	static const char *encs[] = { "null", "aes-cbc", "aes-gcm-16", "chacha20-poly1305" };
	static const char *auths[] = { "null", "hmac-sha256-128", "hmac-sha1-96", "hmac-sha512-256" };
	for (int i = 0; i < 4; i++) {
		enum m6_enc e;
		enum m6_auth a;
		assert_int_equal(m6_enc_parse(encs[i], &e), 0);
		assert_int_equal(e, i);
		assert_string_equal(m6_enc_name(e), encs[i]);
		assert_int_equal(m6_auth_parse(auths[i], &a), 0);
		assert_int_equal(a, i);
		assert_string_equal(m6_auth_name(a), auths[i]);
	}
	enum m6_enc e;
	enum m6_auth a;
	assert_int_equal(m6_enc_parse("des-cbc", &e), M6_E_ALG);        /* ALG-01: MUST NOT */
	assert_int_equal(m6_auth_parse("hmac-md5-96", &a), M6_E_ALG);
	assert_string_equal(m6_enc_name((enum m6_enc)42), "unknown");
	assert_true(m6_enc_is_aead(M6_ENC_AES_GCM_16));
	assert_true(m6_enc_is_aead(M6_ENC_CHACHA20_POLY1305));
	assert_false(m6_enc_is_aead(M6_ENC_AES_CBC));
	assert_false(m6_enc_is_aead(M6_ENC_NULL));
	/* ALG-02: these must never be keyed manually. */
	assert_true(m6_enc_is_counter_mode(M6_ENC_AES_GCM_16));
	assert_true(m6_enc_is_counter_mode(M6_ENC_CHACHA20_POLY1305));
	assert_false(m6_enc_is_counter_mode(M6_ENC_AES_CBC));
	assert_false(m6_enc_is_counter_mode(M6_ENC_NULL));
}

/* ESP-07: ICVs are compared in constant time; secrets are wiped. */
static void test_ct_equal_wipe(void **s)
{
	(void)s;
	uint8_t a[16] = { 1, 2, 3 }, b[16] = { 1, 2, 3 };
	assert_true(m6_ct_equal(a, b, 16));
	b[15] ^= 0x80;
	assert_false(m6_ct_equal(a, b, 16));
	m6_wipe(a, sizeof(a));
	for (size_t i = 0; i < sizeof(a); i++)
		assert_int_equal(a[i], 0);
	m6_wipe(NULL, 0);
}

/* TV-01: RFC 4231 4.2-4.8, HMAC-SHA-256 (case 5 truncated to 128 bits). */
static void test_hmac_sha256_rfc4231(void **s)
{
	(void)s;
	static const struct {
		const char *key, *data, *mac;
	} v[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ "4a656665",
		  "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
		  "dddddddddddddddddddddddddddddddddddd",
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		  "546573742057697468205472756e636174696f6e",
		  "a3b6167473100ee06e0c796c2955552b" },
		{ NULL, /* 131 x 0xaa */
		  "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
		  "65204b6579202d2048617368204b6579204669727374",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ NULL,
		  "5468697320697320612074657374207573696e672061206c6172676572207468"
		  "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074"
		  "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565"
		  "647320746f20626520686173686564206265666f7265206265696e6720757365"
		  "642062792074686520484d414320616c676f726974686d2e",
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t kl;
		if (v[i].key) {
			kl = tu_hex(v[i].key, key, sizeof(key));
		} else {
			kl = 131;
			memset(key, 0xaa, kl);
		}
		size_t dl = tu_hex(v[i].data, buf, sizeof(buf));
		size_t ml = tu_hex(v[i].mac, want, sizeof(want));
		uint8_t out[32];
		assert_int_equal(m6_hmac(M6_AUTH_HMAC_SHA256_128, key, kl, buf, dl, out, ml), 0);
		assert_memory_equal(out, want, ml);
	}
	uint8_t out[65];
	assert_int_equal(m6_hmac(M6_AUTH_HMAC_SHA256_128, key, 4, buf, 4, out, 33), M6_E_INVAL);
	assert_int_equal(m6_hmac(M6_AUTH_NONE, key, 4, buf, 4, out, 16), M6_E_ALG);
}

/* TV-02, ALG-04: RFC 4868 2.7.2.1 AUTH256-1..4 through the SA transform:
 * a 32-octet key and an ICV truncated to 16 octets (not 12, RFC 8221 6). */
static void test_hmac_sha256_128_rfc4868(void **s)
{
	(void)s;
	static const struct {
		const char *key, *data, *prf;
	} v[] = {
		{ K32_0B, "4869205468657265",
		  "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7" },
		{ "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
		  "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
		  "dddddddddddddddddddddddddddddddddddd",
		  "cdcb1220d1ecccea91e53aba3092f962e549fe6ce9ed7fdc43191fbde45c30b0" },
		{ "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		  "372efcf9b40b35c2115b1346903d2ef42fced46f0846e7257bb156d3d7b30d3f" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct m6_xform x;
		assert_int_equal(xf(&x, M6_ENC_NULL, NULL, M6_AUTH_HMAC_SHA256_128, v[i].key, true), 0);
		assert_int_equal(x.icv_len, 16);
		size_t dl = tu_hex(v[i].data, buf, sizeof(buf));
		tu_hex(v[i].prf, want, sizeof(want));
		/* Fed in two pieces, as ESP and AH do. */
		struct m6_mac m;
		uint8_t icv[M6_ICV_MAX];
		memset(icv, 0xee, sizeof(icv));
		assert_int_equal(m6_xform_mac_begin(&x, &m), 0);
		m6_xform_mac_update(&m, buf, 3);
		m6_xform_mac_update(&m, buf + 3, dl - 3);
		m6_xform_mac_final(&m, icv);
		assert_memory_equal(icv, want, 16);       /* HMAC-SHA-256-128 */
		assert_int_equal(icv[16], 0xee);           /* and not one octet more */
		/* PRF-HMAC-SHA-256: the same key, untruncated. */
		uint8_t prf[32];
		size_t kl = tu_hex(v[i].key, key, sizeof(key));
		assert_int_equal(m6_hmac(M6_AUTH_HMAC_SHA256_128, key, kl, buf, dl, prf, 32), 0);
		assert_memory_equal(prf, want, 32);
		m6_xform_clear(&x);
	}
}

/* TV-02: RFC 4868 2.7.2.3 AUTH512-1..2, HMAC-SHA-512-256 (ICV 32 octets). */
static void test_hmac_sha512_256_rfc4868(void **s)
{
	(void)s;
	static const struct {
		const char *key, *data, *mac;
	} v[] = {
		{ K32_0B K32_0B, "4869205468657265",
		  "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8" },
		{ "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665"
		  "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
		  "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454" },
	};
	for (size_t i = 0; i < 2; i++) {
		struct m6_xform x;
		assert_int_equal(xf(&x, M6_ENC_NULL, NULL, M6_AUTH_HMAC_SHA512_256, v[i].key, false), 0);
		assert_int_equal(x.icv_len, 32);
		size_t dl = tu_hex(v[i].data, buf, sizeof(buf));
		tu_hex(v[i].mac, want, sizeof(want));
		struct m6_mac m;
		uint8_t icv[M6_ICV_MAX];
		assert_int_equal(m6_xform_mac_begin(&x, &m), 0);
		m6_xform_mac_update(&m, buf, dl);
		m6_xform_mac_final(&m, icv);
		assert_memory_equal(icv, want, 32);
		m6_xform_clear(&x);
	}
}

/* ALG-01 (MUST-): HMAC-SHA1-96 (RFC 2404 3, from RFC 2202 case 1): 12-octet ICV. */
static void test_hmac_sha1_96(void **s)
{
	(void)s;
	struct m6_xform x;
	assert_int_equal(xf(&x, M6_ENC_NULL, NULL, M6_AUTH_HMAC_SHA1_96,
			    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", true), 0);
	assert_int_equal(x.icv_len, 12);
	struct m6_mac m;
	uint8_t icv[M6_ICV_MAX];
	assert_int_equal(m6_xform_mac_begin(&x, &m), 0);
	m6_xform_mac_update(&m, "Hi There", 8);
	m6_xform_mac_final(&m, icv);
	tu_hex("b617318655057264e28bc0b6", want, sizeof(want));
	assert_memory_equal(icv, want, 12);
	m6_xform_clear(&x);
}

/* TV-03: RFC 3602 4, AES-128-CBC cases 1-4, both directions. */
static void test_aes_cbc_rfc3602(void **s)
{
	(void)s;
	static const struct {
		const char *key, *iv, *pt, *ct;
	} v[] = {
		{ "06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41",
		  "53696e676c6520626c6f636b206d7367",     /* "Single block msg" */
		  "e353779c1079aeb82708942dbe77181a" },
		{ "c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
		  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		  "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1" },
		{ "6c3ea0477630ce21a2ce334aa746c2cd", "c782dc4c098c66cbd9cd27d825682c81",
		  /* "This is a 48-byte message (exactly 3 AES blocks)" */
		  "5468697320697320612034382d62797465206d657373616765202865786163746c"
		  "7920332041455320626c6f636b7329",
		  "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5"
		  "021c19216bad525c8579695d83ba2684" },
		{ "56e47a38c5598974bc46903dba290349", "8ce82eefbea0da3c44699ed7db51b7d9",
		  "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
		  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
		  "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e"
		  "35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55" },
	};
	for (size_t i = 0; i < 4; i++) {
		struct m6_xform e, d;
		assert_int_equal(xf(&e, M6_ENC_AES_CBC, v[i].key, M6_AUTH_HMAC_SHA256_128, K32_0B, true), 0);
		assert_int_equal(xf(&d, M6_ENC_AES_CBC, v[i].key, M6_AUTH_HMAC_SHA256_128, K32_0B, false), 0);
		assert_int_equal(e.iv_len, 16);
		assert_int_equal(e.block, 16);
		uint8_t iv[16];
		tu_hex(v[i].iv, iv, sizeof(iv));
		size_t n = tu_hex(v[i].pt, buf, sizeof(buf));
		tu_hex(v[i].ct, want, sizeof(want));
		assert_int_equal(m6_xform_cbc(&e, iv, buf, n), 0);
		assert_memory_equal(buf, want, n);
		assert_int_equal(m6_xform_cbc(&d, iv, buf, n), 0);
		tu_hex(v[i].pt, want, sizeof(want));
		assert_memory_equal(buf, want, n);
		/* The context is re-IVed per call, so a second packet is the same. */
		assert_int_equal(m6_xform_cbc(&e, iv, buf, n), 0);
		tu_hex(v[i].ct, want, sizeof(want));
		assert_memory_equal(buf, want, n);
		assert_int_equal(m6_xform_cbc(&e, iv, buf, n - 1), M6_E_INVAL);
		m6_xform_clear(&e);
		m6_xform_clear(&d);
	}
}

/* One AEAD vector: key || salt, the 8-octet IV, AAD, plaintext, ciphertext, tag. */
static void aead_kat(enum m6_enc enc, const char *ksalt, const char *iv_hex, const char *aad_hex,
		     const char *pt_hex, const char *ct_hex, const char *tag_hex)
{
	struct m6_xform e, d;
	assert_int_equal(xf(&e, enc, ksalt, M6_AUTH_NONE, NULL, true), 0);
	assert_int_equal(xf(&d, enc, ksalt, M6_AUTH_NONE, NULL, false), 0);
	assert_int_equal(e.iv_len, 8);
	assert_int_equal(e.icv_len, 16);
	assert_int_equal(e.block, 4);
	uint8_t iv[8], tag[16], wtag[16], pt[512];
	tu_hex(iv_hex, iv, sizeof(iv));
	size_t al = tu_hex(aad_hex, aad, sizeof(aad));
	size_t n = tu_hex(pt_hex, buf, sizeof(buf));
	memcpy(pt, buf, n);
	tu_hex(ct_hex, want, sizeof(want));
	tu_hex(tag_hex, wtag, sizeof(wtag));
	assert_int_equal(m6_xform_aead_seal(&e, iv, aad, al, buf, n, tag), 0);
	assert_memory_equal(buf, want, n);
	assert_memory_equal(tag, wtag, 16);
	assert_int_equal(m6_xform_aead_open(&d, iv, aad, al, buf, n, tag), 0);
	assert_memory_equal(buf, pt, n);
	/* A wrong tag: M6_E_ICV and the ciphertext is given back untouched. */
	memcpy(buf, want, n);
	tag[0] ^= 1;
	assert_int_equal(m6_xform_aead_open(&d, iv, aad, al, buf, n, tag), M6_E_ICV);
	assert_memory_equal(buf, want, n);
	tag[0] ^= 1;
	if (al) {
		aad[al - 1] ^= 0x80;
		assert_int_equal(m6_xform_aead_open(&d, iv, aad, al, buf, n, tag), M6_E_ICV);
		assert_memory_equal(buf, want, n);
		aad[al - 1] ^= 0x80;
	}
	assert_int_equal(m6_xform_aead_open(&d, iv, aad, al, buf, n, tag), 0);
	assert_memory_equal(buf, pt, n);
	m6_xform_clear(&e);
	m6_xform_clear(&d);
}

#define GCM_K "feffe9928665731c6d6a8f9467308308"
#define GCM_SALT "cafebabe"
#define GCM_IV "facedbaddecaf888"
#define GCM_AAD "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_P60 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
		"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_C3 "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" \
	       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
#define GCM_C15 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" \
		"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
#define Z16 "00000000000000000000000000000000"

/* TV-04: McGrew-Viega GCM specification, Appendix B, test cases 2, 3, 4
 * (AES-128) and 14, 15, 16 (AES-256); the 96-bit IV split as RFC 4106 does
 * (4-octet salt from the key material || 8-octet explicit IV). */
static void test_aes_gcm_spec(void **s)
{
	(void)s;
	aead_kat(M6_ENC_AES_GCM_16, Z16 "00000000", "0000000000000000", "", Z16,
		 "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf");
	aead_kat(M6_ENC_AES_GCM_16, GCM_K GCM_SALT, GCM_IV, "", GCM_P60 "1aafd255",
		 GCM_C3 "473f5985", "4d5c2af327cd64a62cf35abd2ba6fab4");
	aead_kat(M6_ENC_AES_GCM_16, GCM_K GCM_SALT, GCM_IV, GCM_AAD, GCM_P60, GCM_C3,
		 "5bc94fbc3221a5db94fae95ae7121a47");
	aead_kat(M6_ENC_AES_GCM_16, Z16 Z16 "00000000", "0000000000000000", "", Z16,
		 "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919");
	aead_kat(M6_ENC_AES_GCM_16, GCM_K GCM_K GCM_SALT, GCM_IV, "", GCM_P60 "1aafd255",
		 GCM_C15 "898015ad", "b094dac5d93471bdec1a502270e3cc6c");
	aead_kat(M6_ENC_AES_GCM_16, GCM_K GCM_K GCM_SALT, GCM_IV, GCM_AAD, GCM_P60, GCM_C15,
		 "76fc6ece0f4e1768cddf8853bb2d551b");
}

/* TV-04: RFC 8439 2.8.2, AEAD_CHACHA20_POLY1305 (salt = the 32-bit
 * constant 07000000, IV = 4041424344454647). */
static void test_chacha20_poly1305_rfc8439(void **s)
{
	(void)s;
	aead_kat(M6_ENC_CHACHA20_POLY1305,
		 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" "07000000",
		 "4041424344454647", "50515253c0c1c2c3c4c5c6c7",
		 "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
		 "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
		 "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
		 "637265656e20776f756c642062652069742e",
		 "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
		 "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
		 "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
		 "3ff4def08e4b7a9de576d26586cec64b6116",
		 "1ae10b594f09e26a7e902ecbd0600691");
}

/* TV-04: RFC 7634 Appendix A, the ESP example (the AEAD step: nonce =
 * salt a0a1a2a3 || IV 1011121314151617, AAD = SPI || Seq). The whole
 * packet is decrypted by esp_open() in test_esp.c. */
static void test_chacha20_poly1305_rfc7634(void **s)
{
	(void)s;
	aead_kat(M6_ENC_CHACHA20_POLY1305,
		 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" "a0a1a2a3",
		 "1011121314151617", "0102030400000005",
		 "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
		 "0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
		 "2425262728292a2b2c2d2e2f303132333435363701020204",
		 "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
		 "14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
		 "cbec163fac469b502773f6fb94e664da9165b82829f641e0",
		 "76aaa8266b7fb0f7b11b369907e1ad43");
}

/* ALG-01: the combinations and key lengths a transform accepts. */
static void test_alg01_combinations(void **s)
{
	(void)s;
#define K16 "000102030405060708090a0b0c0d0e0f"
#define K20 K16 "10111213"
#define K32 K16 "101112131415161718191a1b1c1d1e1f"
#define K36 K32 "20212223"
#define K64 K32 K32
	static const struct {
		enum m6_enc enc;
		const char *ek;
		enum m6_auth auth;
		const char *ak;
		int rc;
	} v[] = {
		{ M6_ENC_NULL, NULL, M6_AUTH_NONE, NULL, M6_E_ALG },          /* NULL + NONE */
		{ M6_ENC_NULL, NULL, M6_AUTH_HMAC_SHA256_128, K32, 0 },
		{ M6_ENC_NULL, NULL, M6_AUTH_HMAC_SHA1_96, K20, 0 },
		{ M6_ENC_NULL, NULL, M6_AUTH_HMAC_SHA512_256, K64, 0 },
		{ M6_ENC_NULL, K16, M6_AUTH_HMAC_SHA256_128, K32, M6_E_ALG },  /* NULL with a key */
		{ M6_ENC_AES_CBC, K16, M6_AUTH_HMAC_SHA256_128, K32, 0 },
		{ M6_ENC_AES_CBC, K32, M6_AUTH_HMAC_SHA256_128, K32, 0 },
		{ M6_ENC_AES_CBC, K20, M6_AUTH_HMAC_SHA256_128, K32, M6_E_ALG },
		{ M6_ENC_AES_CBC, K16 "0001020304050607", M6_AUTH_HMAC_SHA256_128, K32, M6_E_ALG },
		{ M6_ENC_AES_CBC, K16, M6_AUTH_NONE, NULL, M6_E_ALG },         /* no integrity */
		{ M6_ENC_AES_CBC, K16, M6_AUTH_HMAC_SHA256_128, K20, M6_E_ALG },
		{ M6_ENC_AES_CBC, K16, M6_AUTH_HMAC_SHA256_128, K64, M6_E_ALG },
		{ M6_ENC_AES_CBC, K16, M6_AUTH_HMAC_SHA1_96, K32, M6_E_ALG },
		{ M6_ENC_AES_CBC, K16, M6_AUTH_HMAC_SHA512_256, K32, M6_E_ALG },
		{ M6_ENC_AES_GCM_16, K20, M6_AUTH_NONE, NULL, 0 },
		{ M6_ENC_AES_GCM_16, K36, M6_AUTH_NONE, NULL, 0 },
		{ M6_ENC_AES_GCM_16, K16, M6_AUTH_NONE, NULL, M6_E_ALG },      /* salt missing */
		{ M6_ENC_AES_GCM_16, K32, M6_AUTH_NONE, NULL, M6_E_ALG },
		{ M6_ENC_AES_GCM_16, K20, M6_AUTH_HMAC_SHA256_128, K32, M6_E_ALG }, /* AEAD + HMAC */
		{ M6_ENC_CHACHA20_POLY1305, K36, M6_AUTH_NONE, NULL, 0 },
		{ M6_ENC_CHACHA20_POLY1305, K32, M6_AUTH_NONE, NULL, M6_E_ALG },
		{ M6_ENC_CHACHA20_POLY1305, K20, M6_AUTH_NONE, NULL, M6_E_ALG },
		{ M6_ENC_CHACHA20_POLY1305, K36, M6_AUTH_HMAC_SHA1_96, K20, M6_E_ALG },
		{ M6_ENC_AES_GCM_16, K20, M6_AUTH_NONE, K16, M6_E_ALG },       /* NONE with a key */
		{ (enum m6_enc)9, K16, M6_AUTH_HMAC_SHA256_128, K32, M6_E_ALG },
		{ M6_ENC_AES_CBC, K16, (enum m6_auth)9, K32, M6_E_ALG },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct m6_xform x;
		int rc = xf(&x, v[i].enc, v[i].ek, v[i].auth, v[i].ak, i % 2 == 0);
		if (rc != v[i].rc)
			fail_msg("case %zu: rc %d, expected %d", i, rc, v[i].rc);
		if (rc == 0) {
			bool aead = m6_enc_is_aead(v[i].enc);
			assert_true(aead ? x.mac == NULL : x.mac != NULL);
			assert_true(v[i].enc == M6_ENC_NULL ? x.cipher == NULL : x.cipher != NULL);
		} else {
			assert_null(x.cipher);
			assert_null(x.mac);
		}
		m6_xform_clear(&x);
		assert_null(x.cipher);
		assert_null(x.mac);
	}
	/* A zeroed transform is "empty": clearing it is harmless, using it fails. */
	struct m6_xform z;
	memset(&z, 0, sizeof(z));
	m6_xform_clear(&z);
	struct m6_mac m;
	assert_int_equal(m6_xform_mac_begin(&z, &m), M6_E_ALG);
	uint8_t iv[16] = { 0 }, t[16] = { 0 };
	assert_int_equal(m6_xform_aead_seal(&z, iv, NULL, 0, buf, 16, t), M6_E_INVAL);
	assert_int_equal(m6_xform_cbc(&z, iv, buf, 16), M6_E_INVAL);
	assert_int_equal(m6_xform_init(&z, NULL, true, NULL, 0), M6_E_INVAL);
}

/* ALG-05: the salt is the last 4 octets of the key material and the IV
 * the rest of the nonce (RFC 4106 4): changing either changes the output. */
static void test_aead_salt(void **s)
{
	(void)s;
	struct m6_xform a, b;
	assert_int_equal(xf(&a, M6_ENC_AES_GCM_16, K16 "01020304", M6_AUTH_NONE, NULL, true), 0);
	assert_int_equal(xf(&b, M6_ENC_AES_GCM_16, K16 "01020305", M6_AUTH_NONE, NULL, true), 0);
	assert_memory_equal(a.salt, "\x01\x02\x03\x04", 4);
	uint8_t iv[8] = { 0 }, t1[16], t2[16], p1[32] = { 0 }, p2[32] = { 0 };
	assert_int_equal(m6_xform_aead_seal(&a, iv, NULL, 0, p1, 32, t1), 0);
	assert_int_equal(m6_xform_aead_seal(&b, iv, NULL, 0, p2, 32, t2), 0);
	assert_memory_not_equal(p1, p2, 32);
	m6_xform_clear(&a);
	m6_xform_clear(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ct_equal_wipe),
		cmocka_unit_test(test_hmac_sha256_rfc4231),
		cmocka_unit_test(test_hmac_sha256_128_rfc4868),
		cmocka_unit_test(test_hmac_sha512_256_rfc4868),
		cmocka_unit_test(test_hmac_sha1_96),
		cmocka_unit_test(test_aes_cbc_rfc3602),
		cmocka_unit_test(test_aes_gcm_spec),
		cmocka_unit_test(test_chacha20_poly1305_rfc8439),
		cmocka_unit_test(test_chacha20_poly1305_rfc7634),
		cmocka_unit_test(test_alg01_combinations),
		cmocka_unit_test(test_aead_salt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
