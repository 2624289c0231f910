/* ESP in place (RFC 4303, 4106, 7634, 3602, 3948). */
#include <openssl/evp.h>

#include "tu.h"

#include <stdlib.h>

#include <openssl/crypto.h>

#include "crypto/m6_xform.h"
#include "ipsec/ah.h"
#include "ipsec/esp.h"
#include "util/m6_err.h"

#define K16 "000102030405060708090a0b0c0d0e0f"
#define K20 K16 "10111213"
#define K32 K16 "101112131415161718191a1b1c1d1e1f"
#define K64 K32 "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
#define SALT "deadbeef"

struct alg {
	const char *name;
	enum m6_enc enc;
	const char *ek;
	enum m6_auth auth;
	const char *ak;
};

static const struct alg algs[] = {
	{ "aes-gcm-16/128", M6_ENC_AES_GCM_16, K16 SALT, M6_AUTH_NONE, NULL },
	{ "aes-gcm-16/256", M6_ENC_AES_GCM_16, K32 SALT, M6_AUTH_NONE, NULL },
	{ "chacha20-poly1305", M6_ENC_CHACHA20_POLY1305, K32 SALT, M6_AUTH_NONE, NULL },
	{ "aes-cbc-128/hmac-sha256-128", M6_ENC_AES_CBC, K16, M6_AUTH_HMAC_SHA256_128, K32 },
	{ "aes-cbc-256/hmac-sha512-256", M6_ENC_AES_CBC, K32, M6_AUTH_HMAC_SHA512_256, K64 },
	{ "aes-cbc-128/hmac-sha1-96", M6_ENC_AES_CBC, K16, M6_AUTH_HMAC_SHA1_96, K20 },
	{ "null/hmac-sha256-128", M6_ENC_NULL, NULL, M6_AUTH_HMAC_SHA256_128, K32 },
	{ "null/hmac-sha1-96", M6_ENC_NULL, NULL, M6_AUTH_HMAC_SHA1_96, K20 },
};
#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

#define SPI 0x00001234u
#define HEADROOM 256

static uint8_t mem[4096], mem2[4096], tmp[4096];

static void xform(const struct alg *a, struct m6_xform *x, bool encrypt)
{
	struct m6_xform_cfg c;
	memset(&c, 0, sizeof(c));
	c.enc = a->enc;
	c.auth = a->auth;
	if (a->ek)
		c.eklen = tu_hex(a->ek, c.ekey, sizeof(c.ekey));
	if (a->ak)
		c.aklen = tu_hex(a->ak, c.akey, sizeof(c.akey));
	assert_int_equal(m6_xform_init(x, &c, encrypt, NULL, 0), 0);
}

static void xform_cached(const struct alg *a, struct m6_xform *x, bool encrypt, struct m6_xform_cache *c)
{
	struct m6_xform_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.enc = a->enc;
	cfg.auth = a->auth;
	if (a->ek)
		cfg.eklen = tu_hex(a->ek, cfg.ekey, sizeof(cfg.ekey));
	if (a->ak)
		cfg.aklen = tu_hex(a->ak, cfg.akey, sizeof(cfg.akey));
	assert_int_equal(m6_xform_init_cached(x, &cfg, encrypt, c, NULL, 0), 0);
}

/* Packets: UDP payload of n octets (0x40, 0x41, ...). */
static size_t udp_body(char *hex, size_t n)
{
	size_t k = (size_t)sprintf(hex, "1234 0035 %04zx 0000 ", n + 8);
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(hex + k, "%02x", (unsigned)(0x40 + i) & 0xff);
	return k;
}

static void load(struct pbuf *pb, const uint8_t *p, size_t n)
{
	uint8_t *d;
	memset(mem, 0xa5, sizeof(mem));
	assert_int_equal(pbuf_init(pb, mem, sizeof(mem), HEADROOM), 0);
	assert_int_equal(pbuf_put(pb, n, &d), 0);
	memcpy(d, p, n);
}

enum shape { TRANSPORT_HAO, TRANSPORT_RH2, TUNNEL };

/* A packet of the given shape whose protected part carries n payload octets. */
static void build(struct pbuf *pb, enum shape sh, size_t n)
{
	static char hex[8192];
	uint8_t a[16];
	udp_body(hex, n);
	size_t len;
	switch (sh) {
	case TRANSPORT_HAO:       /* MN -> CN: src CoA, HAO = HoA (RFC 6275 6.3) */
		len = tu_pkt(tmp, sizeof(tmp), TU_COA, TU_CN, IP6P_UDP, hex);
		load(pb, tmp, len);
		tu_addr(TU_HOA, a);
		assert_int_equal(ip6_insert_hao(pb, a), 0);
		break;
	case TRANSPORT_RH2:       /* CN -> MN: dst CoA, RH2 = HoA (RFC 6275 6.4) */
		len = tu_pkt(tmp, sizeof(tmp), TU_CN, TU_COA, IP6P_UDP, hex);
		load(pb, tmp, len);
		tu_addr(TU_HOA, a);
		assert_int_equal(ip6_insert_rh2(pb, a), 0);
		break;
	case TUNNEL: {            /* HA -> CoA, inner HoA -> CN (RFC 6275 10.4.1) */
		size_t in = tu_pkt(tmp + 40, sizeof(tmp) - 40, TU_HOA, TU_CN, IP6P_UDP, hex);
		struct ip6_hdr h;
		memset(&h, 0, sizeof(h));
		tu_addr(TU_HA, h.src);
		tu_addr(TU_COA, h.dst);
		h.nh = IP6P_IPV6;
		h.hlim = 64;
		h.plen = (uint16_t)in;
		ip6_hdr_write(tmp, &h);
		load(pb, tmp, 40 + in);
		break;
	}
	}
}

/* The IPsec pipeline around esp_seal()/esp_open(): it owns the chain byte
 * and the Payload Length. */
static int tx(const struct m6_xform *x, struct pbuf *pb, uint64_t seq, bool esn, size_t tfc,
	      size_t *off_out)
{
	struct ip6_walk w;
	assert_int_equal(ip6_walk(pbuf_data(pb), pb->len, IP6W_HAO_KNOWN, &w), 0);
	int rc = esp_seal(x, pb, w.proto_off, w.proto, SPI, seq, esn, tfc);
	if (rc)
		return rc;
	uint8_t *p = pbuf_data(pb);
	p[w.nh_field] = IP6P_ESP;
	m6_put16(p + 4, (uint16_t)(pb->len - IP6_HDR_LEN));
	if (off_out)
		*off_out = w.proto_off;
	return 0;
}

static int rx(const struct m6_xform *x, struct pbuf *pb, uint64_t seq, bool esn, uint8_t *nh)
{
	struct ip6_walk w;
	assert_int_equal(ip6_walk(pbuf_data(pb), pb->len, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.proto, IP6P_ESP);
	int rc = esp_open(x, pb, w.proto_off, seq, esn, nh);
	if (rc)
		return rc;
	uint8_t *p = pbuf_data(pb);
	p[w.nh_field] = *nh;
	m6_put16(p + 4, (uint16_t)(pb->len - IP6_HDR_LEN));
	return 0;
}

static size_t round_up(size_t n, size_t b)
{
	return (n + b - 1) / b * b;
}

/* ALG-01, ESP-05, ALG-05, ESP-07 [2.7 TFC]: round trip for every algorithm
 * and shape (transport after a HAO or an RH2, tunnel), payload length
 * 0..40 (every pad length), with and without ESN and TFC padding. */
static void test_round_trip(void **s)
{
	(void)s;
	static uint8_t orig[4096];
	for (size_t ai = 0; ai < N_ALGS; ai++) {
		const struct alg *a = &algs[ai];
		struct m6_xform t, r;
		xform(a, &t, true);
		xform(a, &r, false);
		for (int sh = TRANSPORT_HAO; sh <= TUNNEL; sh++) {
			for (size_t n = 0; n <= 40; n++) {
				bool esn = n % 2;
				size_t tfc = n % 7 == 3 ? 13 : 0;
				uint64_t seq = esn ? 0x100000000ull * n + 7 : n + 1;
				struct pbuf pb;
				build(&pb, (enum shape)sh, n);
				size_t olen = pb.len, off;
				memcpy(orig, pbuf_data(&pb), olen);
				assert_int_equal(tx(&t, &pb, seq, esn, tfc, &off), 0);
				const uint8_t *p = pbuf_data(&pb);
				size_t prot = olen - off + tfc;
				size_t body = round_up(prot + 2, t.block);
				assert_int_equal(pb.len, off + ESP_HDR_LEN + t.iv_len + body + t.icv_len);
				/* RFC 4303 2: SPI, low 32 bits of the counter. */
				assert_int_equal(m6_get32(p + off), SPI);
				assert_int_equal(m6_get32(p + off + 4), (uint32_t)seq);
				/* ALG-05: the AEAD IV is the 64-bit counter. */
				if (m6_enc_is_aead(a->enc)) {
					assert_int_equal(m6_get32(p + off + 8), (uint32_t)(seq >> 32));
					assert_int_equal(m6_get32(p + off + 12), (uint32_t)seq);
				}
				if (a->enc != M6_ENC_NULL && olen - off >= 16)
					assert_memory_not_equal(p + off + ESP_HDR_LEN + t.iv_len,
								orig + off, 16);
				/* Headers in front moved intact (the chain byte aside). */
				assert_memory_equal(p + 8, orig + 8, 32);
				if (off > 41)
					assert_memory_equal(p + 41, orig + 41, off - 41);
				assert_true(esp_head_room(&t) == ESP_HDR_LEN + (size_t)t.iv_len);
				assert_true(pb.len - olen <= esp_head_room(&t) + esp_tail_room(&t) + tfc);

				uint8_t nh = 0xee;
				int rc = rx(&r, &pb, seq, esn, &nh);
				if (rc)
					fail_msg("%s shape %d n %zu: esp_open %d", a->name, sh, (size_t)n, rc);
				assert_int_equal(nh, sh == TUNNEL ? IP6P_IPV6 : IP6P_UDP);
				assert_int_equal(pb.len, olen + tfc);
				/* TFC padding stays in the payload; the inner length tells. */
				m6_put16(pbuf_data(&pb) + 4, (uint16_t)(olen - IP6_HDR_LEN));
				assert_memory_equal(pbuf_data(&pb), orig, olen);
				for (size_t i = 0; i < tfc; i++)
					assert_int_equal(pbuf_data(&pb)[olen + i], 0);
			}
		}
		m6_xform_clear(&t);
		m6_xform_clear(&r);
	}
}

/* ESP-07: every single-bit flip anywhere in the ESP packet is caught by
 * the ICV, and the packet is left as it arrived. */
static void test_bit_flips(void **s)
{
	(void)s;
	static uint8_t sealed[4096], flipped[4096];
	for (size_t ai = 0; ai < N_ALGS; ai++) {
		const struct alg *a = &algs[ai];
		struct m6_xform t, r;
		xform(a, &t, true);
		xform(a, &r, false);
		for (int esn = 0; esn <= 1; esn++) {
			uint64_t seq = esn ? 0x300000009ull : 9;
			struct pbuf pb;
			size_t off;
			build(&pb, TRANSPORT_HAO, 37);
			assert_int_equal(tx(&t, &pb, seq, esn, 0, &off), 0);
			size_t len = pb.len, head = pb.head;
			memcpy(sealed, mem, sizeof(mem));
			unsigned flips = 0;
			for (size_t bit = off * 8; bit < len * 8; bit++) {
				memcpy(mem, sealed, sizeof(mem));
				pb.head = head;
				pb.len = len;
				uint8_t *p = pbuf_data(&pb);
				p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				memcpy(flipped, mem, sizeof(mem));
				/* As the pipeline would: Seq from the wire, high half kept. */
				uint64_t sq = (seq & ~0xffffffffull) | m6_get32(p + off + 4);
				uint8_t nh;
				int rc = esp_open(&r, &pb, off, sq, esn, &nh);
				if (rc != M6_E_ICV)
					fail_msg("%s esn %d: flip of bit %zu gives %d", a->name, esn, bit, rc);
				assert_int_equal(pb.len, len);
				assert_memory_equal(mem, flipped, sizeof(mem));
				flips++;
			}
			assert_true(flips >= (ESP_HDR_LEN + 4 + (unsigned)t.icv_len) * 8);
			/* The untouched packet still opens. */
			memcpy(mem, sealed, sizeof(mem));
			pb.head = head;
			pb.len = len;
			uint8_t nh;
			assert_int_equal(esp_open(&r, &pb, off, seq, esn, &nh), 0);
			assert_int_equal(nh, IP6P_UDP);
		}
		m6_xform_clear(&t);
		m6_xform_clear(&r);
	}
}

/* RFC 4106 5 / RFC 4303 2.2.1: SPI and Seq are authenticated (AAD or
 * ICV). A different SPI or Seq on the wire fails with M6_E_ICV; a seq
 * argument that is not the wire's is a caller error. */
static void test_wrong_spi_seq(void **s)
{
	(void)s;
	for (size_t ai = 0; ai < N_ALGS; ai++) {
		struct m6_xform t, r;
		xform(&algs[ai], &t, true);
		xform(&algs[ai], &r, false);
		struct pbuf pb;
		size_t off;
		uint8_t nh;
		build(&pb, TRANSPORT_RH2, 20);
		assert_int_equal(tx(&t, &pb, 77, false, 0, &off), 0);
		uint8_t *p = pbuf_data(&pb);
		m6_put32(p + off, SPI + 1);
		assert_int_equal(esp_open(&r, &pb, off, 77, false, &nh), M6_E_ICV);
		m6_put32(p + off, SPI);
		m6_put32(p + off + 4, 78);
		assert_int_equal(esp_open(&r, &pb, off, 78, false, &nh), M6_E_ICV);
		assert_int_equal(esp_open(&r, &pb, off, 77, false, &nh), M6_E_INVAL);
		m6_put32(p + off + 4, 77);
		assert_int_equal(esp_open(&r, &pb, off, 77, false, &nh), 0);
		m6_xform_clear(&t);
		m6_xform_clear(&r);
	}
}

/* ESP-04: with ESN the high half enters the ICV (after Next Header) or the
 * AAD (SPI || Seqh || Seql); the wrong Seqh fails. */
static void test_esn_high_bits(void **s)
{
	(void)s;
	static uint8_t sealed[4096];
	for (size_t ai = 0; ai < N_ALGS; ai++) {
		struct m6_xform t, r;
		xform(&algs[ai], &t, true);
		xform(&algs[ai], &r, false);
		struct pbuf pb;
		size_t off;
		uint8_t nh;
		build(&pb, TUNNEL, 33);
		const uint64_t seq = 0x100000005ull;     /* T = 0x0_FFFFFFF0, Seql 5 -> Seqh 1 */
		assert_int_equal(tx(&t, &pb, seq, true, 0, &off), 0);
		size_t len = pb.len, head = pb.head;
		memcpy(sealed, mem, sizeof(mem));
		static const struct {
			uint64_t seq;
			bool esn;
		} wrong[] = { { 5, true }, { 0x200000005ull, true }, { 5, false } };
		for (size_t i = 0; i < 3; i++) {
			assert_int_equal(esp_open(&r, &pb, off, wrong[i].seq, wrong[i].esn, &nh), M6_E_ICV);
			assert_memory_equal(mem, sealed, sizeof(mem));
		}
		assert_int_equal(esp_open(&r, &pb, off, seq, true, &nh), 0);
		assert_int_equal(nh, IP6P_IPV6);
		/* ESN with Seqh 0 still differs from no ESN at all. */
		memcpy(mem, sealed, sizeof(mem));
		pb.head = head;
		pb.len = len;
		build(&pb, TUNNEL, 33);
		assert_int_equal(tx(&t, &pb, 5, true, 0, &off), 0);
		assert_int_equal(esp_open(&r, &pb, off, 5, false, &nh), M6_E_ICV);
		assert_int_equal(esp_open(&r, &pb, off, 5, true, &nh), 0);
		m6_xform_clear(&t);
		m6_xform_clear(&r);
	}
}

/* Build an ESP packet at off by hand from a plaintext body that already
 * holds Padding, Pad Length and Next Header: the framing as RFC 4303 2
 * draws it, independent of esp_seal(). */
static void craft(const struct m6_xform *t, struct pbuf *pb, size_t off, uint32_t seq,
		  const uint8_t *body, size_t blen)
{
	uint8_t *p;
	assert_int_equal(pbuf_init(pb, mem, sizeof(mem), HEADROOM), 0);
	size_t head = ESP_HDR_LEN + t->iv_len;
	assert_int_equal(pbuf_put(pb, off + head + blen + t->icv_len, &p), 0);
	memset(p, 0x60, off);
	p += off;
	m6_put32(p, SPI);
	m6_put32(p + 4, seq);
	uint8_t *iv = p + ESP_HDR_LEN, *ct = iv + t->iv_len, *icv = ct + blen;
	memcpy(ct, body, blen);
	if (m6_enc_is_aead(t->enc)) {
		m6_put32(iv, 0);
		m6_put32(iv + 4, seq);
		assert_int_equal(m6_xform_aead_seal(t, iv, p, ESP_HDR_LEN, ct, blen, icv), 0);
		return;
	}
	if (t->enc == M6_ENC_AES_CBC) {
		memset(iv, 0x3c, t->iv_len);
		assert_int_equal(m6_xform_cbc(t, iv, ct, blen), 0);
	}
	struct m6_mac m;
	assert_int_equal(m6_xform_mac_begin(t, &m), 0);
	m6_xform_mac_update(&m, p, head + blen);
	m6_xform_mac_final(&m, icv);
}

/* ESP-05: padding 1, 2, 3 ... is checked after the ICV; a corrupted pad
 * octet or a Pad Length larger than the payload is dropped. */
static void test_padding(void **s)
{
	(void)s;
	for (size_t ai = 0; ai < N_ALGS; ai++) {
		struct m6_xform t, r;
		xform(&algs[ai], &t, true);
		xform(&algs[ai], &r, false);
		uint8_t body[64], nh;
		size_t bl = t.block == 16 ? 32 : 20;
		struct pbuf pb;
		/* Well formed: 11 octets of data, pad 1..pad, Pad Length, NH 17. */
		size_t pad = bl - 11 - 2;
		memset(body, 0x77, 11);
		for (size_t i = 0; i < pad; i++)
			body[11 + i] = (uint8_t)(i + 1);
		body[bl - 2] = (uint8_t)pad;
		body[bl - 1] = IP6P_UDP;
		craft(&t, &pb, 40, 3, body, bl);
		assert_int_equal(esp_open(&r, &pb, 40, 3, false, &nh), 0);
		assert_int_equal(nh, IP6P_UDP);
		assert_int_equal(pb.len, 40 + 11);
		/* One pad octet wrong, ICV right. */
		for (size_t k = 0; k < pad; k++) {
			body[11 + k] ^= 0x10;
			craft(&t, &pb, 40, 3, body, bl);
			assert_int_equal(esp_open(&r, &pb, 40, 3, false, &nh), M6_E_ESP_PAD);
			body[11 + k] ^= 0x10;
		}
		/* Pad Length past the start of the payload. */
		body[bl - 2] = (uint8_t)(bl - 1);
		craft(&t, &pb, 40, 3, body, bl);
		assert_int_equal(esp_open(&r, &pb, 40, 3, false, &nh), M6_E_ESP_PAD);
		body[bl - 2] = 255;
		craft(&t, &pb, 40, 3, body, bl);
		assert_int_equal(esp_open(&r, &pb, 40, 3, false, &nh), M6_E_ESP_PAD);
		/* Pad Length exactly the rest of the body: an empty payload is fine. */
		for (size_t i = 0; i < bl - 2; i++)
			body[i] = (uint8_t)(i + 1);
		body[bl - 2] = (uint8_t)(bl - 2);
		craft(&t, &pb, 40, 3, body, bl);
		assert_int_equal(esp_open(&r, &pb, 40, 3, false, &nh), 0);
		assert_int_equal(pb.len, 40);
		/* The body is not a whole number of blocks / 4-octet words. */
		craft(&t, &pb, 40, 3, body, bl);
		pbuf_trim(&pb, 1);
		assert_int_equal(esp_open(&r, &pb, 40, 3, false, &nh), M6_E_ESP_LEN);
		pbuf_trim(&pb, pb.len - 40 - ESP_HDR_LEN - t.iv_len - t.icv_len - 1);
		assert_int_equal(esp_open(&r, &pb, 40, 3, false, &nh), M6_E_TRUNC);
		m6_xform_clear(&t);
		m6_xform_clear(&r);
	}
}

/* ESP-06: a dummy packet (Next Header 59) seals and opens without an
 * error; the caller drops it silently. */
static void test_dummy(void **s)
{
	(void)s;
	for (size_t ai = 0; ai < N_ALGS; ai++) {
		struct m6_xform t, r;
		xform(&algs[ai], &t, true);
		xform(&algs[ai], &r, false);
		struct pbuf pb;
		uint8_t nh = 0;
		build(&pb, TUNNEL, 0);
		pb.len = 40;                       /* nothing to protect */
		assert_int_equal(esp_seal(&t, &pb, 40, IP6P_NONE, SPI, 1, false, 24), 0);
		assert_int_equal(esp_open(&r, &pb, 40, 1, false, &nh), 0);
		assert_int_equal(nh, IP6P_NONE);
		assert_int_equal(pb.len, 40 + 24);
		m6_xform_clear(&t);
		m6_xform_clear(&r);
	}
}

/* ESP-01 (a packet is sent whole or not at all; esp.h contract): not
 * enough head- or tailroom gives M6_E_NOMEM and not one octet changed. */
static void test_nomem(void **s)
{
	(void)s;
	for (size_t ai = 0; ai < N_ALGS; ai++) {
		struct m6_xform t;
		xform(&algs[ai], &t, true);
		static const size_t n = 30;
		size_t head = esp_head_room(&t);
		size_t tail = round_up(n + 2, t.block) - n + t.icv_len;
		for (int which = 0; which < 4; which++) {
			struct pbuf pb;
			uint8_t *d;
			memset(mem2, 0x5a, sizeof(mem2));
			size_t hr = which == 0 ? head - 1 : head;
			size_t cap = hr + 40 + n + (which == 1 ? tail - 1 : tail) + (which == 3 ? 5 : 0);
			assert_int_equal(pbuf_init(&pb, mem2, cap, hr), 0);
			assert_int_equal(pbuf_put(&pb, 40 + n, &d), 0);
			memset(d, 0x11, 40 + n);
			memcpy(tmp, mem2, sizeof(mem2));
			struct pbuf before = pb;
			int rc = esp_seal(&t, &pb, 40, IP6P_UDP, SPI, 1, false, which == 3 ? 6 : 0);
			if (which == 2) {            /* exactly enough */
				assert_int_equal(rc, 0);
				assert_int_equal(pb.head, 0);
				assert_int_equal(pb.len, cap);
				continue;
			}
			assert_int_equal(rc, M6_E_NOMEM);
			assert_memory_equal(mem2, tmp, sizeof(mem2));
			assert_memory_equal(&pb, &before, sizeof(pb));
		}
		m6_xform_clear(&t);
	}
}

/* ESP-01 backstop and argument checks. */
static void test_seq_and_args(void **s)
{
	(void)s;
	struct m6_xform t, r;
	xform(&algs[0], &t, true);
	xform(&algs[0], &r, false);
	struct pbuf pb;
	uint8_t nh;
	build(&pb, TUNNEL, 10);
	memcpy(tmp, mem, sizeof(mem));
	assert_int_equal(esp_seal(&t, &pb, 40, 41, SPI, 0, false, 0), M6_E_SEQ_ZERO);
	assert_int_equal(esp_seal(&t, &pb, 40, 41, SPI, 0x100000000ull, false, 0), M6_E_SEQ_OVERFLOW);
	assert_int_equal(esp_seal(&r, &pb, 40, 41, SPI, 1, false, 0), M6_E_INVAL);  /* open xform */
	assert_int_equal(esp_seal(&t, &pb, pb.len + 1, 41, SPI, 1, false, 0), M6_E_INVAL);
	assert_int_equal(esp_seal(&t, &pb, 40, 41, SPI, 1, false, 70000), M6_E_INVAL);
	assert_memory_equal(mem, tmp, sizeof(mem));
	assert_int_equal(esp_seal(&t, &pb, 40, 41, SPI, 0xffffffffull, false, 0), 0);
	assert_int_equal(esp_open(&t, &pb, 40, 0xffffffffull, false, &nh), M6_E_INVAL);
	assert_int_equal(esp_open(&r, &pb, 40, 0xffffffffull, false, &nh), 0);
	struct m6_xform z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(esp_seal(&z, &pb, 40, 41, SPI, 1, false, 0), M6_E_INVAL);
	m6_xform_clear(&t);
	m6_xform_clear(&r);
}

/* TV-04: RFC 7634 Appendix A, the ESP packet (tunnel mode over IPv4,
 * ChaCha20-Poly1305, SPI 01020304, Seq 5) opens to the ICMP packet. */
static void test_rfc7634_packet(void **s)
{
	(void)s;
	static const struct alg a = {
		"rfc7634", M6_ENC_CHACHA20_POLY1305,
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" "a0a1a2a3",
		M6_AUTH_NONE, NULL
	};
	struct m6_xform r;
	xform(&a, &r, false);
	size_t n = tu_hex(
		"4500008c23450000 4032de5bcb007199 cb00710501020304 0000000510111213"
		"1415161724039428 b97f417e3c13753a 4f05087b67c352e6 a7fab1b982d466ef"
		"407ae5c614ee8099 d52844eb61aa95df ab4c02f72aa71e7c 4c4f64c9befe2fac"
		"c638e8f3cbec163f ac469b502773f6fb 94e664da9165b828 29f641e076aaa826"
		"6b7fb0f7b11b3699 07e1ad43", tmp, sizeof(tmp));
	assert_int_equal(n, 140);
	struct pbuf pb;
	load(&pb, tmp, n);
	uint8_t nh;
	assert_int_equal(esp_open(&r, &pb, 20, 5, false, &nh), 0);
	assert_int_equal(nh, 4);                    /* IPv4 */
	uint8_t icmp[84];
	tu_hex("45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
	       "0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	       "2425262728292a2b2c2d2e2f3031323334353637", icmp, sizeof(icmp));
	assert_int_equal(pb.len, 20 + 84);
	assert_memory_equal(pbuf_data(&pb) + 20, icmp, 84);
	m6_xform_clear(&r);
}

/* RFC 3948 over IPv6 (RFC 8200 8.1): UDP header with a real checksum,
 * checked on decap; IKE and keepalives are not ESP. */
static void test_udp_encap(void **s)
{
	(void)s;
	struct m6_xform t, r;
	xform(&algs[0], &t, true);
	xform(&algs[0], &r, false);
	uint8_t src[16], dst[16], nh;
	tu_addr(TU_HA, src);
	tu_addr(TU_COA, dst);
	struct pbuf pb;
	build(&pb, TUNNEL, 25);
	assert_int_equal(esp_seal(&t, &pb, 40, IP6P_IPV6, SPI, 4, false, 0), 0);
	size_t esp_len = pb.len - 40;
	assert_int_equal(esp_udp_encap(&pb, 40, src, dst, 4500, 4500), 0);
	const uint8_t *u = pbuf_data(&pb) + 40;
	assert_int_equal(m6_get16(u), 4500);
	assert_int_equal(m6_get16(u + 2), 4500);
	assert_int_equal(m6_get16(u + 4), esp_len + 8);
	assert_int_not_equal(m6_get16(u + 6), 0);
	assert_int_equal(m6_csum_ip6(src, dst, IP6P_UDP, u, esp_len + 8), 0);
	assert_int_equal(m6_get32(u + 8), SPI);
	memcpy(tmp, mem, sizeof(mem));
	size_t len = pb.len, head = pb.head;
	/* Checksum over the wrong address, a zero checksum, a flipped bit. */
	uint8_t hoa[16];
	tu_addr(TU_HOA, hoa);
	assert_int_equal(esp_udp_decap(&pb, 40, src, hoa), M6_E_UDP_CKSUM);
	pbuf_data(&pb)[46] = pbuf_data(&pb)[47] = 0;
	assert_int_equal(esp_udp_decap(&pb, 40, src, dst), M6_E_UDP_CKSUM);
	memcpy(mem, tmp, sizeof(mem));
	pbuf_data(&pb)[60] ^= 4;
	assert_int_equal(esp_udp_decap(&pb, 40, src, dst), M6_E_UDP_CKSUM);
	memcpy(mem, tmp, sizeof(mem));
	pbuf_trim(&pb, 1);
	assert_int_equal(esp_udp_decap(&pb, 40, src, dst), M6_E_TRUNC);
	pb.len = len;
	assert_memory_equal(mem, tmp, sizeof(mem));
	assert_int_equal(esp_udp_decap(&pb, 40, src, dst), 0);
	assert_int_equal(pb.len, 40 + esp_len);
	assert_int_equal(esp_open(&r, &pb, 40, 4, false, &nh), 0);
	assert_int_equal(nh, IP6P_IPV6);
	(void)head;

	/* RFC 3948 2.2-2.3: IKE (Non-ESP Marker) and NAT-keepalive are not ESP. */
	static const char *not_esp[] = { "00000000 0102030405060708", "ff" };
	for (int i = 0; i < 2; i++) {
		uint8_t *d;
		assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), HEADROOM), 0);
		size_t k = tu_hex(not_esp[i], tmp, sizeof(tmp));
		assert_int_equal(pbuf_put(&pb, 40 + k, &d), 0);
		memcpy(d + 40, tmp, k);
		assert_int_equal(esp_udp_encap(&pb, 40, src, dst, 4500, 4500), 0);
		assert_int_equal(esp_udp_decap(&pb, 40, src, dst), M6_E_UDP_NOT_ESP);
	}

	/* A checksum that computes to zero is sent as 0xFFFF (RFC 8200 8.1). */
	uint8_t *d;
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), HEADROOM), 0);
	assert_int_equal(pbuf_put(&pb, 40 + 16, &d), 0);
	memset(d + 40, 0x33, 16);
	uint8_t scratch[24];
	m6_put16(scratch, 4500);
	m6_put16(scratch + 2, 4500);
	m6_put16(scratch + 4, 24);
	m6_put16(scratch + 6, 0);
	memcpy(scratch + 8, d + 40, 16);
	uint32_t c = m6_csum_ip6(src, dst, IP6P_UDP, scratch, 24);
	uint32_t w = m6_get16(d + 40) + c;
	w = (w & 0xffff) + (w >> 16);
	m6_put16(d + 40, (uint16_t)w);
	assert_int_equal(esp_udp_encap(&pb, 40, src, dst, 4500, 4500), 0);
	assert_int_equal(m6_get16(pbuf_data(&pb) + 46), 0xffff);
	assert_int_equal(esp_udp_decap(&pb, 40, src, dst), 0);

	m6_xform_clear(&t);
	m6_xform_clear(&r);
}

/* ALG-01 AES-CBC: IVs are fresh per packet (RFC 3602 2.3). */
/* RFC 3602 2.3 / NIST SP 800-38A appendix C: the CBC IV is the sequence
 * number encrypted under the SA key: unpredictable without the key, unique
 * per packet, and reproducible for a seeded simulation. Checked against a
 * direct AES-ECB computation. */
static void test_cbc_iv_from_counter(void **s)
{
	(void)s;
	struct m6_xform t;
	xform(&algs[3], &t, true);
	uint8_t iv1[16], key[16], block[16] = { 0 }, want[16];
	struct pbuf pb;
	build(&pb, TUNNEL, 16);
	assert_int_equal(esp_seal(&t, &pb, 40, 41, SPI, 1, false, 0), 0);
	memcpy(iv1, pbuf_data(&pb) + 48, 16);
	tu_hex(K16, key, sizeof(key));
	block[15] = 1;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, want, &n, block, 16), 1);
	EVP_CIPHER_CTX_free(c);
	assert_memory_equal(iv1, want, 16);
	build(&pb, TUNNEL, 16);
	assert_int_equal(esp_seal(&t, &pb, 40, 41, SPI, 2, false, 0), 0);
	assert_memory_not_equal(iv1, pbuf_data(&pb) + 48, 16);
	m6_xform_clear(&t);
}

/* ESP-07, AH-04 paths under load: no allocation per packet; count OpenSSL's allocations
 * across seal/open (good and forged) and AH, once the contexts exist. */
static long n_alloc;
static bool counting;

static void *cnt_malloc(size_t n, const char *f, int l)
{
	(void)f;
	(void)l;
	n_alloc++;
	return malloc(n);
}

static void *cnt_realloc(void *p, size_t n, const char *f, int l)
{
	(void)f;
	(void)l;
	n_alloc++;
	return realloc(p, n);
}

static void cnt_free(void *p, const char *f, int l)
{
	(void)f;
	(void)l;
	free(p);
}

static void test_no_alloc(void **s)
{
	(void)s;
	if (!counting)
		skip();
	for (size_t ai = 0; ai < N_ALGS; ai++) {
		struct m6_xform t, r;
		long at_init = n_alloc;
		xform(&algs[ai], &t, true);
		xform(&algs[ai], &r, false);
		assert_true(n_alloc > at_init);          /* the counter does count */
		struct pbuf pb;
		uint8_t nh;
		size_t off;
		build(&pb, TRANSPORT_HAO, 100);
		assert_int_equal(tx(&t, &pb, 1, false, 0, &off), 0);   /* warms the DRBG up */
		assert_int_equal(rx(&r, &pb, 1, false, &nh), 0);
		long before = n_alloc;
		for (uint64_t seq = 2; seq < 40; seq++) {
			build(&pb, seq % 2 ? TRANSPORT_HAO : TUNNEL, (size_t)seq * 13);
			assert_int_equal(tx(&t, &pb, seq, seq % 3 == 0, 0, &off), 0);
			if (seq % 5 == 0) {
				pbuf_data(&pb)[pb.len - 1] ^= 1;
				assert_int_equal(rx(&r, &pb, seq, seq % 3 == 0, &nh), M6_E_ICV);
				pbuf_data(&pb)[pb.len - 1] ^= 1;
			}
			assert_int_equal(rx(&r, &pb, seq, seq % 3 == 0, &nh), 0);
			if (!m6_enc_is_aead(algs[ai].enc) && algs[ai].enc == M6_ENC_NULL) {
				struct ip6_walk w;
				build(&pb, TRANSPORT_HAO, 50);
				assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w), 0);
				assert_int_equal(ah_seal(&t, &pb, w.proto_off, w.nh_field, SPI, seq, false), 0);
				assert_int_equal(ah_verify(&r, pbuf_data(&pb), pb.len, w.proto_off, seq, false), 0);
			}
		}
		if (n_alloc != before)
			fail_msg("%s: %ld allocations on the per-packet path", algs[ai].name,
				 n_alloc - before);
		m6_xform_clear(&t);
		m6_xform_clear(&r);
		/* cached transforms sharing one slot: every packet keys it again,
		 * and that does not allocate either once the cipher is there */
		struct m6_xform_cache *c = m6_xform_cache_new(1);
		assert_non_null(c);
		xform_cached(&algs[ai], &t, true, c);
		xform_cached(&algs[ai], &r, false, c);
		build(&pb, TRANSPORT_HAO, 100);
		assert_int_equal(tx(&t, &pb, 1, false, 0, &off), 0);
		assert_int_equal(rx(&r, &pb, 1, false, &nh), 0);
		before = n_alloc;
		for (uint64_t seq = 2; seq < 20; seq++) {
			build(&pb, TUNNEL, (size_t)seq * 13);
			assert_int_equal(tx(&t, &pb, seq, false, 0, &off), 0);
			assert_int_equal(rx(&r, &pb, seq, false, &nh), 0);
		}
		if (n_alloc != before)
			fail_msg("%s (cached): %ld allocations on the per-packet path", algs[ai].name,
				 n_alloc - before);
		m6_xform_clear(&t);
		m6_xform_clear(&r);
		m6_xform_cache_free(c);
	}
}

/* Transforms whose states live in a shared cache seal the octets ordinary
 * ones seal and open what they open, also when every packet finds its slot
 * taken by another transform (one slot for all): the slot is keyed again.
 * Clearing a transform wipes its states from the cache. */
static void test_cached_xform(void **s)
{
	(void)s;
	static uint8_t want[4096];
	for (size_t slots = 1; slots <= 64; slots *= 64) {
		struct m6_xform_cache *c = m6_xform_cache_new(slots);
		assert_non_null(c);
		for (size_t ai = 0; ai < N_ALGS; ai++) {
			struct m6_xform t, r, ct, cr;
			xform(&algs[ai], &t, true);
			xform(&algs[ai], &r, false);
			xform_cached(&algs[ai], &ct, true, c);
			xform_cached(&algs[ai], &cr, false, c);
			/* no OpenSSL state of its own: only the keys, its
			 * states made in the cache */
			assert_ptr_equal(ct.cache, c);
			assert_non_null(ct.keys);
			for (uint64_t seq = 1; seq < 12; seq++) {
				struct pbuf pb;
				uint8_t nh;
				size_t off;
				bool esn = seq % 3 == 0;
				build(&pb, seq % 2 ? TRANSPORT_HAO : TUNNEL, (size_t)seq * 11);
				assert_int_equal(tx(&t, &pb, seq, esn, 0, &off), 0);
				size_t len = pb.len;
				memcpy(want, pbuf_data(&pb), len);
				build(&pb, seq % 2 ? TRANSPORT_HAO : TUNNEL, (size_t)seq * 11);
				assert_int_equal(tx(&ct, &pb, seq, esn, 0, &off), 0);
				assert_int_equal(pb.len, len);
				assert_memory_equal(pbuf_data(&pb), want, len);
				pbuf_data(&pb)[len - 1] ^= 1;
				assert_int_equal(rx(&cr, &pb, seq, esn, &nh), M6_E_ICV);
				pbuf_data(&pb)[len - 1] ^= 1;
				assert_int_equal(rx(&cr, &pb, seq, esn, &nh), 0);
				if (algs[ai].enc == M6_ENC_NULL) {
					struct ip6_walk w;
					build(&pb, TRANSPORT_HAO, 50);
					assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w), 0);
					assert_int_equal(ah_seal(&ct, &pb, w.proto_off, w.nh_field, SPI, seq, false), 0);
					assert_int_equal(ah_verify(&r, pbuf_data(&pb), pb.len, w.proto_off, seq, false), 0);
				}
			}
			m6_xform_clear(&ct);
			m6_xform_clear(&cr);
			m6_xform_clear(&t);
			m6_xform_clear(&r);
			assert_null(ct.keys);
		}
		m6_xform_cache_free(c);
	}
}

int main(void)
{
	/* Must run before OpenSSL allocates anything. */
	counting = CRYPTO_set_mem_functions(cnt_malloc, cnt_realloc, cnt_free) == 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_wrong_spi_seq),
		cmocka_unit_test(test_esn_high_bits),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_dummy),
		cmocka_unit_test(test_nomem),
		cmocka_unit_test(test_seq_and_args),
		cmocka_unit_test(test_rfc7634_packet),
		cmocka_unit_test(test_udp_encap),
		cmocka_unit_test(test_cbc_iv_from_counter),
		cmocka_unit_test(test_no_alloc),
		cmocka_unit_test(test_cached_xform),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
