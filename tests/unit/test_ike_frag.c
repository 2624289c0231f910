/* IKEv2 fragmentation (RFC 7383 2.5-2.6.1): splitting under a size limit,
 * reassembly in any order, the checks before and after the ICV, replay by
 * (Message ID, Fragment Number, Total Fragments), restart on a larger Total. */
#include "tu.h"
#include "ike/ike_frag.h"
#include "ike/ike_payload.h"

static void rng_fn(void *ctx, uint8_t *out, size_t n)
{
	uint8_t *c = ctx;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(*c += 37);
}

static uint8_t rng_state;
static const struct ike_rng rng = { rng_fn, &rng_state };

struct pair {
	struct ike_sk tx, rx;
};

static void pair_init(struct pair *p, uint16_t encr, uint16_t bits, uint16_t integ)
{
	uint8_t ek[36], ak[64];
	for (int i = 0; i < 36; i++)
		ek[i] = (uint8_t)(3 * i + 1);
	for (int i = 0; i < 64; i++)
		ak[i] = (uint8_t)(5 * i + 2);
	assert_int_equal(ike_sk_init_raw(&p->tx, encr, bits, integ, ek, ak, ek, ak), 0);
	assert_int_equal(ike_sk_init_raw(&p->rx, encr, bits, integ, ek, ak, ek, ak), 0);
}

static void pair_clear(struct pair *p)
{
	ike_sk_clear(&p->tx);
	ike_sk_clear(&p->rx);
}

/* An IKE_AUTH-like content: IDi, CERT (large), AUTH; returns its length. */
static size_t content(uint8_t *buf, size_t cap, size_t cert_len, uint8_t *first_np)
{
	static uint8_t cert[6000];
	for (size_t i = 0; i < sizeof(cert); i++)
		cert[i] = (uint8_t)(i * 7 + 3);
	struct ike_hdr h = { .version = 0x20, .exchange = IKE_AUTH, .flags = IKE_FLAG_I, .msgid = 1 };
	static uint8_t msg[8192];
	struct ike_wr w;
	ike_wr_init(&w, msg, sizeof(msg), &h);
	ike_wr_sk_begin(&w, false, 0, 0, 16);
	ike_put_id(&w, IKE_PL_IDI, IKE_ID_FQDN, (const uint8_t *)"mn.example.org", 14);
	ike_put_cert(&w, IKE_PL_CERT, IKE_CERT_X509_SIG, cert, cert_len);
	ike_put_auth(&w, IKE_AUTH_DIGITAL_SIG, cert, 64);
	assert_int_equal(w.err, 0);
	const uint8_t *plain;
	size_t len;
	ike_wr_sk_content(&w, &plain, &len, first_np);
	assert_true(len <= cap);
	memcpy(buf, plain, len);
	return len;
}

static const struct ike_hdr auth_hdr = {
	.spi_i = { 1, 2, 3, 4, 5, 6, 7, 8 }, .spi_r = { 9, 9, 9, 9, 9, 9, 9, 9 },
	.version = 0x20, .exchange = IKE_AUTH, .flags = IKE_FLAG_I, .msgid = 1 };

/* Fragment `content` into msgs[i] (lengths in lens[]); returns Total. */
static unsigned split(struct pair *p, const uint8_t *c, size_t clen, uint8_t np, size_t max_msg,
		      uint8_t msgs[][1400], size_t *lens, uint32_t msgid)
{
	unsigned total = ike_frag_count(&p->tx, clen, max_msg);
	assert_true(total >= 1);
	struct ike_hdr h = auth_hdr;
	h.msgid = msgid;
	for (unsigned i = 1; i <= total; i++) {
		assert_int_equal(ike_frag_build(&p->tx, &h, np, c, clen, (uint16_t)i, (uint16_t)total, &rng,
						msgs[i - 1], 1400, &lens[i - 1]), 0);
		assert_true(lens[i - 1] <= max_msg);
	}
	return total;
}

/* Receive one fragment as an engine would: parse, check, verify, store. */
static int receive(struct pair *p, struct ike_frag_rx *rx, uint8_t *msg, size_t len)
{
	struct ike_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	int rc = ike_msg_parse(msg, len, &m, &ds, 0);
	if (rc)
		return rc;
	assert_int_equal(m.sk, 0);
	assert_int_equal(m.pl[0].type, IKE_PL_SKF);
	rc = ike_frag_rx_check(rx, m.hdr.msgid, m.frag_num, m.frag_total);
	if (rc)
		return rc;
	size_t po, pl;
	rc = ike_sk_open(&p->rx, msg, len, &m, &po, &pl);
	if (rc)
		return rc;
	return ike_frag_rx_add(rx, m.hdr.msgid, m.frag_num, m.frag_total, m.sk_np, msg + po, pl);
}

static void take_and_check(struct ike_frag_rx *rx, const uint8_t *c, size_t clen, uint8_t np)
{
	static uint8_t out[8192];
	size_t len;
	uint8_t first;
	assert_int_equal(ike_frag_rx_take(rx, out, sizeof(out), &len, &first), 0);
	assert_int_equal(len, clen);
	assert_memory_equal(out, c, clen);
	assert_int_equal(first, np);
	assert_false(rx->active);
	/* the reassembled content is the original message's payload chain */
	struct ike_msg m;
	struct m6_diags ds;
	memset(&m, 0, sizeof(m));
	m.sk = -1;
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse_inner(&m, out, len, first, &ds, 0), 0);
	assert_int_equal(m.n, 3);
	assert_int_equal(m.pl[1].type, IKE_PL_CERT);
}

static uint8_t frags[IKE_FRAG_MAX][1400];
static size_t flens[IKE_FRAG_MAX];
static uint8_t cbuf[8192], rxbuf[8192];

/* IKE-23 (2.5, 2.5.1): every fragment fits 1280-octet IPv6 datagrams; in order. */
static void test_split_in_order(void **s)
{
	(void)s;
	static const struct { uint16_t e, b, i; } suites[] = {
		{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE },
		{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE },
		{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128 },
		{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256 },
	};
	for (size_t k = 0; k < 4; k++) {
		struct pair p;
		pair_init(&p, suites[k].e, suites[k].b, suites[k].i);
		uint8_t np;
		size_t clen = content(cbuf, sizeof(cbuf), 4000, &np);
		unsigned total = split(&p, cbuf, clen, np, IKE_FRAG_MSG_IPV6, frags, flens, 1);
		assert_true(total >= 4);
		/* fewest fragments: one fewer would not fit */
		assert_true(ike_frag_count(&p.tx, clen, IKE_FRAG_MSG_IPV6) == total);
		struct ike_frag_rx rx;
		ike_frag_rx_init(&rx, rxbuf, sizeof(rxbuf));
		for (unsigned i = 0; i < total; i++) {
			/* Next Payload: the first inner type in fragment 1, 0 elsewhere */
			assert_int_equal(frags[i][IKE_HDR_LEN], i == 0 ? IKE_PL_IDI : 0);
			assert_int_equal(frags[i][16], IKE_PL_SKF);
			assert_int_equal(receive(&p, &rx, frags[i], flens[i]), i + 1 == total ? 1 : 0);
		}
		take_and_check(&rx, cbuf, clen, np);
		pair_clear(&p);
	}
}

/* IKE-23 (2.6): any order completes; a replayed fragment is dropped before the ICV. */
static void test_reorder_and_replay(void **s)
{
	(void)s;
	struct pair p;
	pair_init(&p, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE);
	uint8_t np;
	size_t clen = content(cbuf, sizeof(cbuf), 5000, &np);
	unsigned total = split(&p, cbuf, clen, np, 1000, frags, flens, 1);
	assert_true(total >= 6);
	struct ike_frag_rx rx;
	ike_frag_rx_init(&rx, rxbuf, sizeof(rxbuf));
	/* last, then first, then the rest backwards; each one twice */
	unsigned order[IKE_FRAG_MAX], n = 0;
	order[n++] = total - 1;
	order[n++] = 0;
	for (unsigned i = total - 2; i >= 1; i--)
		order[n++] = i;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = order[k];
		int rc = receive(&p, &rx, frags[i], flens[i]);
		assert_int_equal(rc, k + 1 == n ? 1 : 0);
		if (k + 1 < n)
			assert_int_equal(receive(&p, &rx, frags[i], flens[i]), M6_E_IKE_FRAG_DUP);
	}
	take_and_check(&rx, cbuf, clen, np);
	pair_clear(&p);
}

/* IKE-23 (2.6): a fragment failing its ICV is never stored; the genuine copy completes. */
static void test_corrupt(void **s)
{
	(void)s;
	struct pair p;
	pair_init(&p, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128);
	uint8_t np;
	size_t clen = content(cbuf, sizeof(cbuf), 2000, &np);
	unsigned total = split(&p, cbuf, clen, np, IKE_FRAG_MSG_IPV6, frags, flens, 1);
	assert_int_equal(total, 2);
	struct ike_frag_rx rx;
	ike_frag_rx_init(&rx, rxbuf, sizeof(rxbuf));
	static uint8_t bad[1400];
	memcpy(bad, frags[1], flens[1]);
	bad[flens[1] - 40] ^= 0x80;
	assert_int_equal(receive(&p, &rx, bad, flens[1]), M6_E_IKE_ICV);
	assert_false(rx.active);
	/* the Fragment Number is authenticated too (it is in the AAD / MAC) */
	memcpy(bad, frags[1], flens[1]);
	bad[IKE_HDR_LEN + 5] = 1;           /* claim to be fragment 1 */
	assert_int_equal(receive(&p, &rx, bad, flens[1]), M6_E_IKE_ICV);
	assert_int_equal(receive(&p, &rx, frags[1], flens[1]), 0);
	assert_int_equal(receive(&p, &rx, frags[0], flens[0]), 1);
	take_and_check(&rx, cbuf, clen, np);
	pair_clear(&p);
}

/* IKE-23 (2.5.2, 2.6): a larger Total restarts reassembly; a smaller one is dropped. */
static void test_total_changes(void **s)
{
	(void)s;
	struct pair p;
	pair_init(&p, IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE);
	uint8_t np;
	size_t clen = content(cbuf, sizeof(cbuf), 3000, &np);
	static uint8_t big[IKE_FRAG_MAX][1400], small[IKE_FRAG_MAX][1400];
	static size_t blen[IKE_FRAG_MAX], slen[IKE_FRAG_MAX];
	unsigned tb = split(&p, cbuf, clen, np, 1400, big, blen, 1);
	unsigned ts = split(&p, cbuf, clen, np, 600, small, slen, 1);
	assert_true(ts > tb);
	struct ike_frag_rx rx;
	ike_frag_rx_init(&rx, rxbuf, sizeof(rxbuf));
	assert_int_equal(receive(&p, &rx, big[0], blen[0]), 0);
	assert_int_equal(receive(&p, &rx, big[1], blen[1]), 0);
	assert_int_equal(rx.total, tb);
	/* the probe with smaller fragments starts over */
	assert_int_equal(receive(&p, &rx, small[1], slen[1]), 0);
	assert_int_equal(rx.total, ts);
	assert_int_equal(rx.got, 1);
	/* late fragments of the old set are dropped before the ICV check */
	assert_int_equal(receive(&p, &rx, big[2], blen[2]), M6_E_IKE_FRAG_TOTAL);
	/* same (Message ID, Number) with another Total is not a replay */
	assert_int_equal(receive(&p, &rx, small[0], slen[0]), 0);
	for (unsigned i = 2; i < ts; i++)
		assert_int_equal(receive(&p, &rx, small[i], slen[i]), i + 1 == ts ? 1 : 0);
	take_and_check(&rx, cbuf, clen, np);
	pair_clear(&p);
}

/* IKE-23 (2.6): validity tests, another message, capacity. */
static void test_checks(void **s)
{
	(void)s;
	struct ike_frag_rx rx;
	ike_frag_rx_init(&rx, rxbuf, sizeof(rxbuf));
	static const uint8_t chunk[10] = { 1, 2, 3 };
	assert_int_equal(ike_frag_rx_check(&rx, 1, 0, 2), M6_E_IKE_SKF_NUM);
	assert_int_equal(ike_frag_rx_check(&rx, 1, 3, 2), M6_E_IKE_SKF_NUM);
	assert_int_equal(ike_frag_rx_check(&rx, 1, 1, 0), M6_E_IKE_SKF_NUM);
	assert_int_equal(ike_frag_rx_check(&rx, 1, 1, IKE_FRAG_MAX + 1), M6_E_IKE_FRAG_MAX);
	assert_int_equal(ike_frag_rx_check(&rx, 1, IKE_FRAG_MAX, IKE_FRAG_MAX), 0);
	assert_int_equal(ike_frag_rx_add(&rx, 1, 2, 3, 0, chunk, 10), 0);
	assert_int_equal(ike_frag_rx_check(&rx, 2, 1, 3), M6_E_IKE_FRAG_MSGID);
	assert_int_equal(ike_frag_rx_add(&rx, 2, 1, 3, IKE_PL_IDI, chunk, 10), M6_E_IKE_FRAG_MSGID);
	/* a non-first fragment's Next Payload is ignored, the first one's kept */
	assert_int_equal(ike_frag_rx_add(&rx, 1, 3, 3, IKE_PL_AUTH, chunk, 5), 0);
	uint8_t out[64], first;
	size_t len;
	assert_int_equal(ike_frag_rx_take(&rx, out, sizeof(out), &len, &first), M6_E_INVAL);
	assert_int_equal(ike_frag_rx_add(&rx, 1, 1, 3, IKE_PL_IDI, chunk, 3), 1);
	assert_int_equal(ike_frag_rx_take(&rx, out, 10, &len, &first), M6_E_NOMEM);
	assert_int_equal(ike_frag_rx_take(&rx, out, sizeof(out), &len, &first), 0);
	assert_int_equal(len, 18);
	assert_int_equal(first, IKE_PL_IDI);
	assert_memory_equal(out, chunk, 3);
	assert_memory_equal(out + 3, chunk, 10);
	/* the storage is wiped once taken */
	for (int i = 0; i < 18; i++)
		assert_int_equal(rxbuf[i], 0);

	/* a set larger than the buffer is dropped whole */
	uint8_t tiny[16];
	ike_frag_rx_init(&rx, tiny, sizeof(tiny));
	assert_int_equal(ike_frag_rx_add(&rx, 4, 1, 2, IKE_PL_IDI, chunk, 10), 0);
	assert_int_equal(ike_frag_rx_add(&rx, 4, 2, 2, 0, chunk, 10), M6_E_IKE_FRAG_SPACE);
	assert_false(rx.active);
	/* a timeout is the caller's reset */
	assert_int_equal(ike_frag_rx_add(&rx, 5, 1, 2, IKE_PL_IDI, chunk, 10), 0);
	ike_frag_rx_reset(&rx);
	assert_false(rx.active);
	assert_int_equal(ike_frag_rx_check(&rx, 6, 1, 2), 0);
}

/* Sizes: fragments too small to carry anything, or too many of them. */
static void test_count_limits(void **s)
{
	(void)s;
	struct pair p;
	pair_init(&p, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128);
	/* header 28 + SKF 8 + IV 16 + ICV 16 = 68: one block of content needs 84 */
	assert_int_equal(ike_frag_count(&p.tx, 10, 68), 0);
	assert_int_equal(ike_frag_count(&p.tx, 10, 83), 0);
	assert_int_equal(ike_frag_count(&p.tx, 15, 84), 1);
	assert_int_equal(ike_frag_count(&p.tx, 16, 84), 2);
	assert_int_equal(ike_frag_count(&p.tx, 0, 84), 1);
	assert_int_equal(ike_frag_count(&p.tx, 15 * IKE_FRAG_MAX, 84), IKE_FRAG_MAX);
	assert_int_equal(ike_frag_count(&p.tx, 15 * IKE_FRAG_MAX + 1, 84), 0);
	uint8_t out[200];
	size_t len;
	assert_int_equal(ike_frag_build(&p.tx, &auth_hdr, IKE_PL_IDI, out, 10, 3, 2, &rng, out, sizeof(out),
					&len), M6_E_IKE_SKF_NUM);
	/* every chunk size from 1 to 40 octets over 84-octet messages */
	for (size_t clen = 1; clen <= 40; clen++) {
		static uint8_t c[64];
		for (size_t i = 0; i < clen; i++)
			c[i] = (uint8_t)i;
		unsigned total = split(&p, c, clen, IKE_PL_V, 84, frags, flens, 9);
		struct ike_frag_rx rx;
		ike_frag_rx_init(&rx, rxbuf, sizeof(rxbuf));
		for (unsigned i = 0; i < total; i++)
			assert_int_equal(receive(&p, &rx, frags[i], flens[i]), i + 1 == total ? 1 : 0);
		uint8_t first;
		static uint8_t back[64];
		assert_int_equal(ike_frag_rx_take(&rx, back, sizeof(back), &len, &first), 0);
		assert_int_equal(len, clen);
		assert_memory_equal(back, c, clen);
	}
	pair_clear(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_in_order),
		cmocka_unit_test(test_reorder_and_replay),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_total_changes),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_count_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
