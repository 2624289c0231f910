/* IKEv2 key exchange (ike_dh): X25519 and X448 (RFC 7748, its iterated
 * vectors), ECP-256/384 (RFC 5903), MODP-2048/3072, the RFC 6989 / RFC 8031
 * checks of a peer's public value, and private keys drawn from the caller's
 * randomness only. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x25519_x448_rfc7748),
		cmocka_unit_test(test_rfc7748_iterated),
		cmocka_unit_test(test_ecp_rfc5903),
		cmocka_unit_test(test_modp),
		cmocka_unit_test(test_peer_checks),
		cmocka_unit_test(test_dh_rng),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
