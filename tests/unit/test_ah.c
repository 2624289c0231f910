/* AH for IPv6 with Mobile IPv6 headers (RFC 4302, RFC 6275 9.3.1, 11.3.2). */
#include "tu.h"

#include "crypto/m6_xform.h"
#include "ipsec/ah.h"
#include "util/m6_err.h"

#define K20 "000102030405060708090a0b0c0d0e0f10111213"
#define K32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K64 K32 "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"

#define HOA_HEX "20010db8000100000000000000000100"
#define COA_HEX "20010db8000200000000000000000100"
#define HAO_HDR(nh) nh " 02 01 02 00 00 c9 10 " HOA_HEX
#define RH2_HDR(nh) nh " 02 02 01 00000000 " HOA_HEX
#define BU_MH "3b 01 05 00 0000 0007 c000 0384 01 02 00 00"
#define BA_MH "3b 01 06 00 0000 00 00 0007 0384 01 02 00 00"
#define SPI 0x1234u
#define HEADROOM 128

static uint8_t mem[4096], tmp[4096], orig[4096];

static void xform(struct m6_xform *x, enum m6_auth a, const char *key)
{
	struct m6_xform_cfg c;
	memset(&c, 0, sizeof(c));
	c.enc = M6_ENC_NULL;
	c.auth = a;
	c.aklen = tu_hex(key, c.akey, sizeof(c.akey));
	assert_int_equal(m6_xform_init(x, &c, true, NULL, 0), 0);
}

static void load(struct pbuf *pb, size_t n)
{
	uint8_t *d;
	assert_int_equal(pbuf_init(pb, mem, sizeof(mem), HEADROOM), 0);
	assert_int_equal(pbuf_put(pb, n, &d), 0);
	memcpy(d, tmp, n);
	memcpy(orig, tmp, n);
}

/* Seal in front of the upper-layer header, as the MN's or HA's pipeline
 * does for a Binding Update / Acknowledgement; returns the AH offset. */
static size_t seal(const struct m6_xform *x, struct pbuf *pb, uint64_t seq, bool esn)
{
	struct ip6_walk w;
	assert_int_equal(ip6_walk(pbuf_data(pb), pb->len, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(ah_seal(x, pb, w.proto_off, w.nh_field, SPI, seq, esn), 0);
	return w.proto_off;
}

static int verify(const struct m6_xform *x, const struct pbuf *pb, size_t ah_off, uint64_t seq,
		  bool esn)
{
	return ah_verify(x, pbuf_data(pb), pb->len, ah_off, seq, esn);
}

static size_t bu_with_hao(void)
{
	return tu_pkt(tmp, sizeof(tmp), TU_COA, TU_HA, IP6P_DSTOPTS, HAO_HDR("87") BU_MH);
}

static size_t ba_with_rh2(void)
{
	return tu_pkt(tmp, sizeof(tmp), TU_HA, TU_COA, IP6P_ROUTING, RH2_HDR("87") BA_MH);
}

/* AH-02: golden AH over a BU with a HAO. The expected ICV was computed
 * outside this code base (HMAC-SHA-256 over the receiver's view: src =
 * HoA, HAO = CoA, mutable fields zero) and verifies at the receiver. */
static void test_bu_hao_golden(void **s)
{
	(void)s;
	struct m6_xform x;
	xform(&x, M6_AUTH_HMAC_SHA256_128, K32);
	struct pbuf pb;
	load(&pb, bu_with_hao());
	size_t off = seal(&x, &pb, 1, false);
	const uint8_t *p = pbuf_data(&pb);
	assert_int_equal(off, 64);
	assert_int_equal(p[40], IP6P_AH);                    /* chain byte */
	assert_int_equal(m6_get16(p + 4), 24 + 32 + 16);     /* IPv6 Payload Length */
	assert_int_equal(p[off], IP6P_MH);
	assert_int_equal(p[off + 1], 6);                     /* AH-04: 32 octets */
	assert_int_equal(m6_get32(p + off + 4), SPI);
	assert_int_equal(m6_get32(p + off + 8), 1);
	uint8_t want[16];
	tu_hex("92907e526fd466477d283a9635b60414", want, sizeof(want));
	assert_memory_equal(p + off + 12, want, 16);
	assert_int_equal(verify(&x, &pb, off, 1, false), 0);

	/* The same view built explicitly in one buffer. */
	static uint8_t view[256];
	size_t n = pb.len;
	memcpy(view, p, n);
	view[1] = view[2] = view[3] = view[7] = 0;
	memcpy(view + 8, p + 48, 16);                        /* src = HoA */
	memcpy(view + 48, p + 8, 16);                        /* HAO = CoA */
	memset(view + off + 12, 0, 20);
	uint8_t icv[16], key[32];
	tu_hex(K32, key, sizeof(key));
	assert_int_equal(m6_hmac(M6_AUTH_HMAC_SHA256_128, key, 32, view, n, icv, 16), 0);
	assert_memory_equal(icv, want, 16);

	/* ah_strip() gives the packet back as it was. */
	struct ip6_walk w;
	assert_int_equal(ip6_walk(p, pb.len, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.ah_off, (int)off);
	assert_int_equal(ah_strip(&pb, off, 40), 0);
	assert_int_equal(pb.len, 40 + 24 + 16);
	assert_memory_equal(pbuf_data(&pb), orig, pb.len);
	m6_xform_clear(&x);
}

/* AH-01: Traffic Class, Flow Label and Hop Limit may change en route. */
static void test_mutable_ipv6_fields(void **s)
{
	(void)s;
	struct m6_xform x;
	xform(&x, M6_AUTH_HMAC_SHA256_128, K32);
	struct pbuf pb;
	load(&pb, bu_with_hao());
	size_t off = seal(&x, &pb, 1, false);
	uint8_t *p = pbuf_data(&pb);
	p[7] = 1;                                            /* hop limit */
	assert_int_equal(verify(&x, &pb, off, 1, false), 0);
	p[1] |= 0x0f;                                        /* flow label */
	p[2] = 0xab;
	p[3] = 0xcd;
	assert_int_equal(verify(&x, &pb, off, 1, false), 0);
	p[0] = 0x6f;                                         /* traffic class */
	p[1] |= 0xf0;
	assert_int_equal(verify(&x, &pb, off, 1, false), 0);
	m6_xform_clear(&x);
}

/* AH-02: the HAO and the source address are covered. */
static void test_hao_src_covered(void **s)
{
	(void)s;
	struct m6_xform x;
	xform(&x, M6_AUTH_HMAC_SHA256_128, K32);
	struct pbuf pb;
	load(&pb, bu_with_hao());
	size_t off = seal(&x, &pb, 1, false);
	uint8_t *p = pbuf_data(&pb);
	p[23] ^= 1;                                          /* CoA */
	assert_int_equal(verify(&x, &pb, off, 1, false), M6_E_ICV);
	p[23] ^= 1;
	p[63] ^= 1;                                          /* HoA in the HAO */
	assert_int_equal(verify(&x, &pb, off, 1, false), M6_E_ICV);
	p[63] ^= 1;
	/* Swapped in place already: a different view, so not accepted. */
	memcpy(tmp, p + 8, 16);
	memcpy(p + 8, p + 48, 16);
	memcpy(p + 48, tmp, 16);
	assert_int_equal(verify(&x, &pb, off, 1, false), M6_E_ICV);
	memcpy(p + 48, p + 8, 16);
	memcpy(p + 8, tmp, 16);
	assert_int_equal(verify(&x, &pb, off, 1, false), 0);
	m6_xform_clear(&x);
}

/* AH-01, AH-02: every bit outside TC / Flow Label / Hop Limit is covered. */
static void test_bit_flips(void **s)
{
	(void)s;
	struct m6_xform x;
	xform(&x, M6_AUTH_HMAC_SHA256_128, K32);
	struct pbuf pb;
	load(&pb, bu_with_hao());
	size_t off = seal(&x, &pb, 1, false);
	size_t len = pb.len;
	static uint8_t sealed[4096];
	memcpy(sealed, pbuf_data(&pb), len);
	for (size_t bit = 0; bit < len * 8; bit++) {
		uint8_t *p = pbuf_data(&pb);
		memcpy(p, sealed, len);
		p[bit / 8] ^= (uint8_t)(1u << (7 - bit % 8));
		bool mutable_ = (bit >= 4 && bit < 32) || bit / 8 == 7;
		int rc = verify(&x, &pb, off, m6_get32(p + off + 8), false);
		if (mutable_ ? rc != 0 : rc == 0)
			fail_msg("bit %zu (octet %zu): %d", bit, bit / 8, rc);
	}
	m6_xform_clear(&x);
}

/* AH-03: golden AH over a BA with an RH2 (Segments Left 1 on the wire):
 * computed as if dst = HoA, RH2 = CoA, SL = 0. */
static void test_ba_rh2_golden(void **s)
{
	(void)s;
	struct m6_xform x;
	xform(&x, M6_AUTH_HMAC_SHA256_128, K32);
	struct pbuf pb;
	load(&pb, ba_with_rh2());
	size_t off = seal(&x, &pb, 1, false);
	uint8_t *p = pbuf_data(&pb);
	assert_int_equal(off, 64);
	assert_int_equal(p[43], 1);                          /* still SL 1 on the wire */
	uint8_t want[16];
	tu_hex("3323f604db5c637277e5403b7453a683", want, sizeof(want));
	assert_memory_equal(p + off + 12, want, 16);
	assert_int_equal(verify(&x, &pb, off, 1, false), 0);
	p[7] = 3;
	assert_int_equal(verify(&x, &pb, off, 1, false), 0);
	/* After the MN processes the RH2 (swap, SL 0) the ICV still holds. */
	memcpy(tmp, p + 24, 16);
	memcpy(p + 24, p + 48, 16);
	memcpy(p + 48, tmp, 16);
	p[43] = 0;
	assert_int_equal(verify(&x, &pb, off, 1, false), 0);
	/* ... but not a different address in either place. */
	p[63] ^= 2;
	assert_int_equal(verify(&x, &pb, off, 1, false), M6_E_ICV);
	m6_xform_clear(&x);
}

/* AH-03: a type 0 Routing header in transit, hop by hop (RFC 8200 4.4
 * processing; RFC 4302 App. A2): the ICV holds at every stage. The walker
 * flags RH0 for the pipeline (RFC 5095); the ICV only needs the layout. */
static void test_rh0_in_transit(void **s)
{
	(void)s;
	struct m6_xform x;
	xform(&x, M6_AUTH_HMAC_SHA1_96, K20);
	struct pbuf pb;
	size_t n = tu_pkt(tmp, sizeof(tmp), TU_HOA, "2001:db8:9::1", IP6P_ROUTING,
			  "11 04 00 02 00000000"
			  " 20010db8000900000000000000000002"      /* R2 */
			  " 20010db8000300000000000000000001"      /* D = CN */
			  " 1234 0035 000c 0000 01020304");
	load(&pb, n);
	struct ip6_walk w;
	ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w);
	assert_int_equal(ah_seal(&x, &pb, w.proto_off, w.nh_field, SPI, 9, false), 0);
	size_t off = w.proto_off;
	uint8_t *p = pbuf_data(&pb);
	for (int hop = 0; hop < 2; hop++) {
		assert_int_equal(verify(&x, &pb, off, 9, false), 0);
		/* Visit the next address: swap it with dst, Segments Left - 1. */
		size_t i = 2 - p[43];
		uint8_t *a = p + 48 + 16 * i;
		memcpy(tmp, p + 24, 16);
		memcpy(p + 24, a, 16);
		memcpy(a, tmp, 16);
		p[43]--;
		p[7]--;
	}
	assert_int_equal(p[43], 0);
	assert_int_equal(verify(&x, &pb, off, 9, false), 0);
	/* Segments Left larger than the address count is refused. */
	p[43] = 3;
	assert_int_equal(verify(&x, &pb, off, 9, false), M6_E_INVAL);
	/* An unknown routing type can only be checked once processed. */
	p[42] = 7;
	assert_int_equal(verify(&x, &pb, off, 9, false), M6_E_RH_UNKNOWN);
	m6_xform_clear(&x);
}

/* AH-02: option data with the change bit (0x20) counts as zero; type and
 * length, and options without the bit, are covered. */
static void test_mutable_option(void **s)
{
	(void)s;
	struct m6_xform x;
	xform(&x, M6_AUTH_HMAC_SHA256_128, K32);
	struct pbuf pb;
	/* HBH: experimental 0x3e (skip, may change) and 0x1e (skip, fixed). */
	size_t n = tu_pkt(tmp, sizeof(tmp), TU_COA, TU_HA, IP6P_HBH,
			  "3c 01 3e 04 aabbccdd 1e 04 11223344 01 00 " HAO_HDR("87") BU_MH);
	load(&pb, n);
	size_t off = seal(&x, &pb, 1, false);
	uint8_t *p = pbuf_data(&pb);
	assert_int_equal(off, 40 + 16 + 24);
	memset(p + 44, 0x99, 4);                              /* 0x3e data */
	assert_int_equal(verify(&x, &pb, off, 1, false), 0);
	p[43] = 2;                                            /* its length: malformed now */
	assert_int_not_equal(verify(&x, &pb, off, 1, false), 0);
	p[43] = 4;
	p[42] = 0x1e;                                         /* its type */
	assert_int_equal(verify(&x, &pb, off, 1, false), M6_E_ICV);
	p[42] = 0x3e;
	p[50] ^= 1;                                           /* 0x1e data */
	assert_int_equal(verify(&x, &pb, off, 1, false), M6_E_ICV);
	p[50] ^= 1;
	assert_int_equal(verify(&x, &pb, off, 1, false), 0);
	m6_xform_clear(&x);
}

/* AH-04: Payload Length = 32-bit words - 2, the AH a multiple of 8. */
static void test_icv_lengths(void **s)
{
	(void)s;
	static const struct {
		enum m6_auth a;
		const char *key;
		size_t icv, ah_len;
		uint8_t pl;
	} v[] = {
		{ M6_AUTH_HMAC_SHA1_96, K20, 12, 24, 4 },     /* 96-bit ICV: Payload Length 4 */
		{ M6_AUTH_HMAC_SHA256_128, K32, 16, 32, 6 },
		{ M6_AUTH_HMAC_SHA512_256, K64, 32, 48, 10 },
	};
	for (size_t i = 0; i < 3; i++) {
		struct m6_xform x;
		xform(&x, v[i].a, v[i].key);
		assert_int_equal(x.icv_len, v[i].icv);
		struct pbuf pb;
		load(&pb, bu_with_hao());
		size_t before = pb.len;
		size_t off = seal(&x, &pb, 1, false);
		const uint8_t *p = pbuf_data(&pb);
		assert_int_equal(pb.len - before, v[i].ah_len);
		assert_int_equal(v[i].ah_len % 8, 0);
		assert_int_equal(p[off + 1], v[i].pl);
		assert_int_equal(((size_t)p[off + 1] + 2) * 4, v[i].ah_len);
		assert_int_equal(verify(&x, &pb, off, 1, false), 0);
		/* An SA with another ICV length refuses the header outright. */
		struct m6_xform y;
		xform(&y, v[(i + 1) % 3].a, v[(i + 1) % 3].key);
		assert_int_equal(verify(&y, &pb, off, 1, false), M6_E_AH_LEN);
		m6_xform_clear(&x);
		m6_xform_clear(&y);
	}
}

/* AH-04, ESP-04: with ESN the high half follows the packet in the ICV. */
static void test_esn(void **s)
{
	(void)s;
	struct m6_xform x;
	xform(&x, M6_AUTH_HMAC_SHA256_128, K32);
	struct pbuf pb;
	load(&pb, bu_with_hao());
	size_t off = seal(&x, &pb, 0x100000005ull, true);
	assert_int_equal(m6_get32(pbuf_data(&pb) + off + 8), 5);
	assert_int_equal(verify(&x, &pb, off, 5, true), M6_E_ICV);
	assert_int_equal(verify(&x, &pb, off, 0x200000005ull, true), M6_E_ICV);
	assert_int_equal(verify(&x, &pb, off, 5, false), M6_E_ICV);
	assert_int_equal(verify(&x, &pb, off, 6, false), M6_E_INVAL);      /* not the wire's */
	assert_int_equal(verify(&x, &pb, off, 0x100000005ull, true), 0);
	m6_xform_clear(&x);
}

/* AH-03: a Fragment header left in a reassembled packet is skipped if it
 * is atomic; a real fragment cannot be checked. */
static void test_atomic_fragment(void **s)
{
	(void)s;
	struct m6_xform x;
	xform(&x, M6_AUTH_HMAC_SHA256_128, K32);
	struct pbuf pb;
	load(&pb, bu_with_hao());
	size_t off = seal(&x, &pb, 1, false);
	/* Insert Fragment(nh AH, offset 0, M 0) between the DstOpt and the AH. */
	uint8_t *f;
	assert_int_equal(pbuf_insert(&pb, off, 8, &f), 0);
	uint8_t *p = pbuf_data(&pb);
	tu_hex("33 00 0000 cafe0001", f, 8);
	p[40] = IP6P_FRAGMENT;
	m6_put16(p + 4, (uint16_t)(m6_get16(p + 4) + 8));
	assert_int_equal(verify(&x, &pb, off + 8, 1, false), 0);
	f[3] = 1;                                             /* M set */
	assert_int_equal(verify(&x, &pb, off + 8, 1, false), M6_E_INVAL);
	m6_xform_clear(&x);
}

/* AH-04, ALG-01 (AH is integrity only): no headroom gives M6_E_NOMEM and
 * the packet as it was; wrong transforms and arguments are refused. */
static void test_errors(void **s)
{
	(void)s;
	struct m6_xform x;
	xform(&x, M6_AUTH_HMAC_SHA256_128, K32);
	struct pbuf pb;
	uint8_t *d;
	size_t n = bu_with_hao();
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 31), 0);
	assert_int_equal(pbuf_put(&pb, n, &d), 0);
	memcpy(d, tmp, n);
	memcpy(orig, mem, sizeof(mem));
	struct pbuf before = pb;
	assert_int_equal(ah_seal(&x, &pb, 64, 40, SPI, 1, false), M6_E_NOMEM);
	assert_memory_equal(mem, orig, sizeof(mem));
	assert_memory_equal(&pb, &before, sizeof(pb));
	assert_int_equal(ah_seal(&x, &pb, 64, 40, SPI, 0, false), M6_E_SEQ_ZERO);
	assert_int_equal(ah_seal(&x, &pb, 64, 40, SPI, 1ull << 32, false), M6_E_SEQ_OVERFLOW);
	assert_int_equal(ah_seal(&x, &pb, 64, 64, SPI, 1, false), M6_E_INVAL);
	pb.len--;                                             /* Payload Length disagrees */
	assert_int_equal(ah_seal(&x, &pb, 64, 40, SPI, 1, false), M6_E_IP6_PLEN);
	pb.len++;
	assert_memory_equal(mem, orig, sizeof(mem));
	/* AH has no encryption: an AEAD transform is not for it. */
	struct m6_xform g;
	struct m6_xform_cfg c;
	memset(&c, 0, sizeof(c));
	c.enc = M6_ENC_AES_GCM_16;
	c.eklen = tu_hex(K20, c.ekey, sizeof(c.ekey));
	assert_int_equal(m6_xform_init(&g, &c, true, NULL, 0), 0);
	assert_int_equal(ah_seal(&g, &pb, 64, 40, SPI, 1, false), M6_E_ALG);
	/* Verify: an offset that is no AH, a truncated packet. */
	load(&pb, bu_with_hao());
	size_t off = seal(&x, &pb, 1, false);
	assert_int_equal(verify(&x, &pb, 40, 1, false), M6_E_AH_LEN);
	assert_int_equal(ah_verify(&x, pbuf_data(&pb), off + 8, off, 1, false), M6_E_TRUNC);
	assert_int_equal(ah_verify(&g, pbuf_data(&pb), pb.len, off, 1, false), M6_E_ALG);
	assert_int_equal(ah_strip(&pb, off, 41), M6_E_INVAL);   /* not the chain byte */
	m6_xform_clear(&g);
	m6_xform_clear(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bu_hao_golden),
		cmocka_unit_test(test_mutable_ipv6_fields),
		cmocka_unit_test(test_hao_src_covered),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_ba_rh2_golden),
		cmocka_unit_test(test_rh0_in_transit),
		cmocka_unit_test(test_mutable_option),
		cmocka_unit_test(test_icv_lengths),
		cmocka_unit_test(test_esn),
		cmocka_unit_test(test_atomic_fragment),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
