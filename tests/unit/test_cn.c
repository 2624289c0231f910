/* Correspondent node (RFC 6275 9): the test plays the mobile node against
 * the engine through a fake mip6_io that captures packets and events and
 * draws "random" octets from a fixed stream (cn_fake.h); nonces and keys
 * over time are in test_cn_nonce.c. Each test cites the conformance items
 * it checks. */
#include "cn_fake.h"

/* ---- tests ---- */

/* RR-01, RR-02, RR-03, BU-04, BA-01, MH-08, RH2-01, RR-05 (420 s cap):
 * a full exchange with the test as the mobile node. */
static void test_rr_exchange(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk k;
	uint8_t kbm[RR_KBM_LEN], kcn[RR_KCN_LEN], nonce[RR_NONCE_LEN], want[RR_TOKEN_LEN];
	do_rr(&k, A_HOA, A_COA);
	/* RR-01: the first index is the first 2 octets drawn, then the first
	 * nonce's Kcn, then the nonce; the HoT token is
	 * First64(HMAC_SHA1(Kcn, HoA|nonce|0)). */
	for (int i = 0; i < RR_KCN_LEN; i++)
		kcn[i] = stream_octet((uint64_t)(2 + i));
	for (int i = 0; i < RR_NONCE_LEN; i++)
		nonce[i] = stream_octet((uint64_t)(2 + RR_KCN_LEN + i));
	assert_int_equal(k.hidx, stream_octet(0) << 8 | stream_octet(1));
	assert_int_equal(k.cidx, k.hidx);
	assert_int_equal(rr_token(kcn, A_HOA, nonce, RR_HOME, want), 0);
	assert_memory_equal(k.ht, want, RR_TOKEN_LEN);
	assert_int_equal(rr_token(kcn, A_COA, nonce, RR_CAREOF, want), 0);
	assert_memory_equal(k.ct, want, RR_TOKEN_LEN);

	/* BU for 600 s with A: accepted, capped at MAX_RR_BINDING_LIFETIME */
	FEED_BU(&k, A_HOA, A_COA, 7, MH_BU_A, 150, kbm);
	assert_int_equal(F.n_pkts, 1);
	struct mh_msg ba;
	check_ba(0, A_COA, A_HOA, MH_BA_ACCEPTED, 7, kbm, A_COA, &ba);
	assert_int_equal(ba.lifetime, 105);
	/* RH2-01 golden layout: NH=135 | 2 | 2 | 1 | 0 | HoA */
	static const uint8_t rh2_head[8] = { 135, 2, 2, 1, 0, 0, 0, 0 };
	assert_int_equal(F.pkt[0][6], IP6P_ROUTING);
	assert_memory_equal(F.pkt[0] + 40, rh2_head, 8);
	assert_memory_equal(F.pkt[0] + 48, A_HOA, 16);
	const struct m6_event *e = last_ev(M6_EV_BU_RECEIVED);
	assert_non_null(e);
	assert_memory_equal(e->peer, A_HOA, 16);
	assert_memory_equal(e->addr, A_COA, 16);
	assert_int_equal(e->code, 7);
	assert_non_null(e = last_ev(M6_EV_BINDING_ADDED));
	assert_int_equal(e->u32, 420);
	assert_non_null(e = last_ev(M6_EV_BA_SENT));
	assert_int_equal(e->code, 0);
	const struct bce *b = binding(A_HOA);
	assert_non_null(b);
	assert_memory_equal(b->coa, A_COA, 16);
	assert_int_equal(b->seq, 7);
	assert_int_equal(b->expires, now + 420 * NS);
	assert_false(b->home_reg);

	/* BU-05: accepted without A: no BA; the binding is refreshed */
	now += 10 * NS;
	FEED_BU(&k, A_HOA, A_COA, 8, 0, 100, NULL);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(count_ev(M6_EV_BINDING_UPDATED), 1);
	assert_int_equal(binding(A_HOA)->expires, now + 400 * NS);
	/* K in the BU is ignored by a CN (MH-07), the BA still says K = 0 */
	FEED_BU(&k, A_HOA, A_COA, 9, MH_BU_A | MH_BU_K, 100, kbm);
	check_ba(0, A_COA, A_HOA, MH_BA_ACCEPTED, 9, kbm, A_COA, NULL);
}

/* RR-06, BU-01, BU-04: with an Alternate Care-of Address the care-of test
 * and the authenticator use the ACoA; the BA still goes to the wire source. */
static void test_acoa(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk k;
	uint8_t kbm[RR_KBM_LEN];
	do_rr(&k, A_HOA, A_ACOA);
	struct bu_spec b = { .src = A_COA, .hao = A_HOA, .acoa = A_ACOA, .seq = 1, .flags = MH_BU_A,
			     .units = 10, .k = &k, .with_bad = true };
	FEED_SPEC(&b, kbm);
	check_ba(0, A_COA, A_HOA, MH_BA_ACCEPTED, 1, kbm, A_ACOA, NULL);
	assert_memory_equal(binding(A_HOA)->coa, A_ACOA, 16);

	/* the same tokens signed over the wire source instead: silent */
	b.seq = 2;
	b.bad_coa = A_COA;
	FEED_SPEC(&b, NULL);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_BAD_AUTH);

	/* BU-01: a multicast ACoA is silently discarded */
	b.seq = 3;
	b.acoa = A_MCAST;
	b.bad_coa = NULL;
	FEED_SPEC(&b, NULL);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_BU_ADDR);
	assert_memory_equal(binding(A_HOA)->coa, A_ACOA, 16);
	/* BU-01, HAO-05: a multicast home address in the HAO, even if a
	 * careless caller hands over the faulty walk: silent */
	struct ip6_walk w;
	b.hao = A_MCAST;
	b.acoa = NULL;
	size_t n = build_bu(&b, buf, NULL);
	assert_int_equal(ip6_walk(buf, n, IP6W_HAO_KNOWN, &w), M6_E_HAO_ADDR);
	clear();
	cn_input_mh(cn, buf, n, &w, NULL, now);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_HAO_ADDR);
}

/* BU-05: a wrong authenticator is a silent discard even with A = 1;
 * MH-03: so is a checksum computed over the care-of address. */
static void test_bad_auth_silent(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk k;
	do_rr(&k, A_HOA, A_COA);
	struct bu_spec b = { .src = A_COA, .hao = A_HOA, .seq = 1, .flags = MH_BU_A, .units = 10, .k = &k,
			     .with_bad = true, .corrupt_auth = true };
	FEED_SPEC(&b, NULL);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_BAD_AUTH);
	assert_int_equal(bcache_count(cn_bcache(cn)), 0);
	/* tokens of another care-of address */
	struct rrk other = k;
	uint16_t idx;
	test_init(false, A_COA2, &idx, other.ct);
	b.corrupt_auth = false;
	b.k = &other;
	FEED_SPEC(&b, NULL);
	assert_int_equal(F.n_pkts, 0);
	/* no Nonce Indices / no BAD */
	b.k = &k;
	b.with_bad = false;
	FEED_SPEC(&b, NULL);
	assert_int_equal(F.n_pkts, 0);
	b.k = NULL;
	FEED_SPEC(&b, NULL);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_BAD_AUTH);
	/* MH-03 */
	b.k = &k;
	b.with_bad = true;
	b.cksum_with_wire_src = true;
	FEED_SPEC(&b, NULL);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_MH_CKSUM);
	assert_int_equal(bcache_count(cn_bcache(cn)), 0);
}

/* OPT-04: PadN after the BAD, even with a valid authenticator: dropped. */
static void test_padn_after_bad(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk k;
	do_rr(&k, A_HOA, A_COA);
	struct bu_spec b = { .src = A_COA, .hao = A_HOA, .seq = 1, .flags = MH_BU_A, .units = 10, .k = &k,
			     .with_bad = true, .padn_after_bad = true };
	FEED_SPEC(&b, NULL);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_MH_BAD_NOT_LAST);
	assert_int_equal(bcache_count(cn_bcache(cn)), 0);
}

/* OPT-06: Nonce Indices with H = 1 is silently discarded; HA-01: a plain
 * H = 1 BU at a CN gets BA 131 (no key exists for a BAD). */
static void test_home_registration(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk k;
	do_rr(&k, A_HOA, A_COA);
	FEED_BU(&k, A_HOA, A_COA, 1, MH_BU_A | MH_BU_H, 10, NULL);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_MH_NI_WITH_H);

	struct bu_spec b = { .src = A_COA, .hao = A_HOA, .seq = 2, .flags = MH_BU_A | MH_BU_H, .units = 10 };
	FEED_SPEC(&b, NULL);
	assert_int_equal(F.n_pkts, 1);
	check_ba(0, A_COA, A_HOA, MH_BA_HOME_REG_NOT_SUPPORTED, 2, NULL, NULL, NULL);
	assert_int_equal(bcache_count(cn_bcache(cn)), 0);
}

/* BU-06, BA-01: delete from home (no HAO: BA without RH2, Kbm from the home
 * token, BAD over the HoA); the replayed delete and the older registration
 * are refused while their nonces live, and nothing is created for a delete. */
static void test_delete_and_replay(void **s)
{
	(void)s;
	static uint8_t reg[2048], del[2048], tmp[2048];
	struct rrk k;
	uint8_t kbm[RR_KBM_LEN], kdel[RR_KBM_LEN];
	do_rr(&k, A_HOA, A_COA);
	size_t nreg = bu(reg, &k, A_HOA, A_COA, 10, MH_BU_A, 50, kbm);
	feed(reg, nreg);
	assert_non_null(binding(A_HOA));

	/* back home: BU from the HoA itself, lifetime 0 */
	now += 5 * NS;
	struct bu_spec b = { .src = A_HOA, .seq = 11, .flags = MH_BU_A, .units = 0, .k = &k, .with_bad = true };
	size_t ndel = build_bu(&b, del, kdel);
	uint8_t want[RR_KBM_LEN];
	assert_int_equal(rr_kbm(k.ht, NULL, want), 0);
	assert_memory_equal(kdel, want, RR_KBM_LEN);
	memcpy(tmp, del, ndel);
	feed(tmp, ndel);
	check_ba(0, A_HOA, NULL, MH_BA_ACCEPTED, 11, kdel, A_HOA, NULL);
	assert_int_equal(count_ev(M6_EV_BINDING_DELETED), 1);
	assert_null(binding(A_HOA));

	/* replay of the delete: refused (135 with the last seq), nothing changes */
	memcpy(tmp, del, ndel);
	feed(tmp, ndel);
	assert_int_equal(F.n_pkts, 1);
	check_ba(0, A_HOA, NULL, MH_BA_SEQ_OUT_OF_WINDOW, 11, kdel, A_HOA, NULL);
	assert_int_equal(count_ev(M6_EV_BINDING_DELETED) + count_ev(M6_EV_BINDING_ADDED), 0);
	/* replay of the registration: refused, the binding stays gone */
	memcpy(tmp, reg, nreg);
	feed(tmp, nreg);
	check_ba(0, A_COA, A_HOA, MH_BA_SEQ_OUT_OF_WINDOW, 11, kbm, A_COA, NULL);
	assert_null(binding(A_HOA));
	/* a newer delete is accepted, but there is no binding left to delete */
	b.seq = 12;
	size_t n12 = build_bu(&b, tmp, NULL);
	feed(tmp, n12);
	check_ba(0, A_HOA, NULL, MH_BA_ACCEPTED, 12, kdel, A_HOA, NULL);
	assert_int_equal(count_ev(M6_EV_BINDING_DELETED), 0);
	assert_int_equal(bcache_lookup(cn_bcache(cn), A_HOA)->seq, 12);

	/* once the nonces are too old the guard goes, and a replay meets the
	 * nonce check instead */
	now = T0 + 245 * NS;
	cn_on_timer(cn, now);
	assert_int_equal(bcache_count(cn_bcache(cn)), 0);
	memcpy(tmp, del, ndel);
	feed(tmp, ndel);
	check_ba(0, A_HOA, NULL, MH_BA_EXPIRED_HOME_NONCE, 11, NULL, NULL, NULL);

	/* BU-06: a delete for a home address without a binding creates nothing */
	struct rrk k2;
	do_rr(&k2, A_HOA2, A_COA);
	size_t n = bu(tmp, &k2, A_HOA2, A_COA, 1, MH_BU_A, 0, kdel);
	feed(tmp, n);
	check_ba(0, A_COA, A_HOA2, MH_BA_ACCEPTED, 1, kdel, A_HOA2, NULL);
	assert_null(bcache_lookup(cn_bcache(cn), A_HOA2));
}

/* BU-02: sequence numbers modulo 2^16; 135 carries the last accepted one. */
static void test_seq_modulo(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk k;
	uint8_t kbm[RR_KBM_LEN];
	do_rr(&k, A_HOA, A_COA);
	FEED_BU(&k, A_HOA, A_COA, 65535, MH_BU_A, 10, kbm);
	check_ba(0, A_COA, A_HOA, MH_BA_ACCEPTED, 65535, kbm, A_COA, NULL);
	FEED_BU(&k, A_HOA, A_COA, 0, MH_BU_A, 10, kbm);
	check_ba(0, A_COA, A_HOA, MH_BA_ACCEPTED, 0, kbm, A_COA, NULL);
	static const uint16_t refused[] = { 0, 32768, 40000, 65535 };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		FEED_BU(&k, A_HOA, A_COA, refused[i], 0, 10, kbm);
		assert_int_equal(F.n_pkts, 1);
		check_ba(0, A_COA, A_HOA, MH_BA_SEQ_OUT_OF_WINDOW, 0, kbm, A_COA, NULL);
	}
	FEED_BU(&k, A_HOA, A_COA, 32767, 0, 10, kbm);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(binding(A_HOA)->seq, 32767);
}

/* HAO-09: HoTI / CoTI carrying a HAO are ignored. */
static void test_test_init_with_hao(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	for (int t = MH_HOTI; t <= MH_COTI; t++) {
		m.type = (uint8_t)t;
		size_t n = build_plain_mh(buf, A_COA, A_CN, A_HOA, &m);
		feed(buf, n);
		assert_int_equal(F.n_pkts, 0);
		assert_int_equal(count_ev(M6_EV_HOT_SENT) + count_ev(M6_EV_COT_SENT), 0);
		assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_RR_HAO);
	}
	/* and the CN only answers on its own address */
	m.type = MH_HOTI;
	size_t n = build_plain_mh(buf, A_HOA, A_HOA2, NULL, &m);
	feed(buf, n);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_MH_UNEXPECTED);
}

/* A UDP packet src -> dst, optionally with a HAO (checksum over the HoA). */
static size_t udp_pkt(uint8_t *out, const uint8_t *src, const uint8_t *dst, const uint8_t *hao, uint8_t nh_after)
{
	static const char payload[] = "route optimised";
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.hlim = 64;
	size_t off = IP6_HDR_LEN;
	if (hao) {
		h.nh = IP6P_DSTOPTS;
		ip6_write_hao_dstopt(out + off, nh_after, hao);
		off += IP6_HAO_HDR_LEN;
	} else {
		h.nh = nh_after;
	}
	uint8_t *u = out + off;
	size_t ulen = 8 + sizeof(payload);
	m6_put16(u, 4000);
	m6_put16(u + 2, 5000);
	m6_put16(u + 4, (uint16_t)ulen);
	m6_put16(u + 6, 0);
	memcpy(u + 8, payload, sizeof(payload));
	m6_put16(u + 6, m6_csum_ip6(hao ? hao : src, dst, IP6P_UDP, u, ulen));
	h.plen = (uint16_t)(off - IP6_HDR_LEN + ulen);
	ip6_hdr_write(out, &h);
	return off + ulen;
}

static void establish(struct rrk *k, const uint8_t *hoa, const uint8_t *coa, uint16_t seq, uint16_t units)
{
	static uint8_t buf[2048];
	do_rr(k, hoa, coa);
	FEED_BU(k, hoa, coa, seq, 0, units, NULL);
	assert_non_null(binding(hoa));
	clear();
}

/* RH2-01, RH2-04: with a binding the CN sends by way of the care-of address
 * with an RH2; never for ND; as is without a (live) binding. */
static void test_output_rh2(void **s)
{
	(void)s;
	static uint8_t p[2048];
	struct rrk k;
	struct ip6_walk w;
	establish(&k, A_HOA, A_COA, 1, 10);
	size_t n = udp_pkt(p, A_CN, A_HOA, NULL, IP6P_UDP);
	cn_output(cn, p, n, now);
	assert_int_equal(F.n_pkts, 1);
	assert_int_equal(F.len[0], n + IP6_RH2_HDR_LEN);
	const uint8_t *o = F.pkt[0];
	assert_int_equal(o[6], IP6P_ROUTING);
	assert_int_equal(m6_get16(o + 4), n - IP6_HDR_LEN + IP6_RH2_HDR_LEN);
	assert_memory_equal(o + 8, A_CN, 16);
	assert_memory_equal(o + 24, A_COA, 16);
	static const uint8_t rh2_head[8] = { IP6P_UDP, 2, 2, 1, 0, 0, 0, 0 };
	assert_memory_equal(o + 40, rh2_head, 8);
	assert_memory_equal(o + 48, A_HOA, 16);
	assert_memory_equal(o + 64, p + 40, n - 40);
	/* the UDP checksum still holds: its final destination is the HoA */
	uint8_t ps[16], pd[16];
	assert_int_equal(ip6_walk(o, F.len[0], IP6W_HAO_KNOWN, &w), 0);
	ip6_walk_pseudo(&w, o, ps, pd);
	assert_int_equal(m6_csum_ip6(ps, pd, IP6P_UDP, o + w.proto_off, F.len[0] - w.proto_off), 0);

	/* ND: a Neighbor Solicitation for the HoA goes as is */
	size_t nn = tu_pkt(p, sizeof(p), TU_CN, TU_HOA, IP6P_ICMPV6, "87 00 0000 00000000 20010db8000100000000000000000100");
	clear();
	cn_output(cn, p, nn, now);
	assert_int_equal(F.len[0], nn);
	assert_memory_equal(F.pkt[0], p, nn);
	/* no binding for that destination */
	n = udp_pkt(p, A_CN, A_HOA2, NULL, IP6P_UDP);
	clear();
	cn_output(cn, p, n, now);
	assert_int_equal(F.len[0], n);
	assert_memory_equal(F.pkt[0], p, n);
	/* lifetime over (40 s), timer not yet run: no longer used */
	now += 40 * NS;
	n = udp_pkt(p, A_CN, A_HOA, NULL, IP6P_UDP);
	clear();
	cn_output(cn, p, n, now);
	assert_int_equal(F.len[0], n);
	assert_memory_equal(F.pkt[0], p, n);
}

static void snapshot(struct bce *out, size_t *count)
{
	struct bcache *bc = cn_bcache(cn);
	*count = bcache_count(bc);
	const struct bce *e = bcache_lookup(bc, A_HOA);
	assert_non_null(e);
	*out = *e;
}

static void check_be(size_t i, const uint8_t *dst, uint8_t status, const uint8_t *hoa)
{
	static const uint8_t unspec[16];
	struct ip6_walk w;
	struct mh_msg m;
	const uint8_t *mh;
	size_t mlen;
	get_mh(i, &w, &m, &mh, &mlen);
	assert_int_equal(m.type, MH_BE);
	assert_int_equal(m.status, status);
	assert_memory_equal(m.hoa, hoa ? hoa : unspec, 16);
	assert_memory_equal(w.hdr.src, A_CN, 16);
	assert_memory_equal(w.hdr.dst, dst, 16);
	assert_int_equal(w.n_ext, 0);
}

/* HAO-04, HAO-05, HAO-06, HAO-08: the matrix of HAO-06, the swap of
 * HAO-08, HAO-05, and the binding cache untouched by any of it (HAO-04). */
static void test_input_hao(void **s)
{
	(void)s;
	static uint8_t p[2048], q[2048];
	struct rrk k;
	struct ip6_walk w;
	struct bce before, after;
	size_t cnt_before, cnt_after;

	/* UDP + no BCE: drop + BE 1 (HoA = HAO) to the wire source */
	size_t n = udp_pkt(p, A_COA, A_CN, A_HOA, IP6P_UDP);
	assert_int_equal(ip6_walk(p, n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(cn_input_hao(cn, p, n, &w, NULL, now), M6_E_HAO_NO_BINDING);
	assert_int_equal(F.n_pkts, 1);
	check_be(0, A_COA, MH_BE_UNKNOWN_BINDING, A_HOA);
	assert_int_equal(last_ev(M6_EV_BE_SENT)->code, MH_BE_UNKNOWN_BINDING);
	assert_int_equal(bcache_count(cn_bcache(cn)), 0);        /* HAO-04 */

	/* the same UDP packet after ESP was removed (sa given): accepted with
	 * no binding, the home address swapped into the source (HAO-06, HAO-08) */
	static const struct ipsec_sa esp_sa;
	clear();
	n = udp_pkt(p, A_COA, A_CN, A_HOA, IP6P_UDP);
	assert_int_equal(ip6_walk(p, n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(cn_input_hao(cn, p, n, &w, &esp_sa, now), 0);
	assert_memory_equal(p + 8, A_HOA, 16);
	assert_int_equal(F.n_pkts, 0);

	establish(&k, A_HOA, A_COA, 1, 10);
	snapshot(&before, &cnt_before);
	/* UDP + BCE with another care-of address: drop + BE 1 */
	n = udp_pkt(p, A_COA2, A_CN, A_HOA, IP6P_UDP);
	assert_int_equal(ip6_walk(p, n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(cn_input_hao(cn, p, n, &w, NULL, now), M6_E_HAO_NO_BINDING);
	check_be(0, A_COA2, MH_BE_UNKNOWN_BINDING, A_HOA);
	/* ESP + no BCE: processed normally, untouched */
	n = udp_pkt(p, A_COA2, A_CN, A_HOA2, IP6P_ESP);
	memcpy(q, p, n);
	clear();
	assert_int_equal(ip6_walk(p, n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(cn_input_hao(cn, p, n, &w, NULL, now), 0);
	assert_memory_equal(p, q, n);
	assert_int_equal(F.n_pkts, 0);
	/* BU + no BCE: passes, and the BU is processed */
	struct rrk k2;
	uint8_t kbm[RR_KBM_LEN];
	do_rr(&k2, A_HOA2, A_COA2);
	n = bu(p, &k2, A_HOA2, A_COA2, 1, MH_BU_A, 10, kbm);
	memcpy(q, p, n);
	clear();
	assert_int_equal(ip6_walk(p, n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(cn_input_hao(cn, p, n, &w, NULL, now), 0);
	assert_memory_equal(p, q, n);
	assert_int_equal(F.n_pkts, 0);
	cn_input_mh(cn, p, n, &w, NULL, now);
	check_ba(0, A_COA2, A_HOA2, MH_BA_ACCEPTED, 1, kbm, A_COA2, NULL);
	snapshot(&before, &cnt_before);

	/* HAO-08: UDP from the registered care-of address: delivered with the
	 * HoA as source (the HAO now holds the CoA) and its checksum verifies */
	n = udp_pkt(p, A_COA, A_CN, A_HOA, IP6P_UDP);
	clear();
	assert_int_equal(ip6_walk(p, n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(cn_input_hao(cn, p, n, &w, NULL, now), 0);
	assert_int_equal(F.n_pkts, 0);
	assert_memory_equal(p + 8, A_HOA, 16);
	assert_memory_equal(p + w.hao_off + 2, A_COA, 16);
	assert_int_equal(m6_csum_ip6(p + 8, p + 24, IP6P_UDP, p + w.proto_off, n - w.proto_off), 0);

	/* HAO-05: a multicast home address is dropped, with no BE */
	n = udp_pkt(p, A_COA, A_CN, A_MCAST, IP6P_UDP);
	clear();
	ip6_walk(p, n, IP6W_HAO_KNOWN, &w);
	assert_true(cn_input_hao(cn, p, n, &w, NULL, now) < 0);
	assert_int_equal(F.n_pkts, 0);

	snapshot(&after, &cnt_after);                             /* HAO-04 */
	assert_int_equal(cnt_after, cnt_before);
	assert_memory_equal(after.coa, before.coa, 16);
	assert_int_equal(after.seq, before.seq);
	assert_int_equal(after.valid, before.valid);
	assert_int_equal(after.expires, before.expires);
	assert_int_equal(after.lifetime_s, before.lifetime_s);
}

/* HAO-06 for AH, and a packet without any HAO. */
static void test_input_hao_ah_and_none(void **s)
{
	(void)s;
	static uint8_t p[2048], q[2048];
	struct ip6_walk w;
	/* DstOpt(HAO) -> AH: the walker continues into the AH, so build one */
	size_t n = tu_pkt(p, sizeof(p), TU_COA, TU_CN, IP6P_DSTOPTS,
			  "33 02 01020000 c910 20010db8000100000000000000000200"
			  "11 04 0000 00001000 00000001 000000000000000000000000"
			  "0fa0 1388 0008 0000");
	memcpy(q, p, n);
	assert_int_equal(ip6_walk(p, n, IP6W_HAO_KNOWN, &w), 0);
	assert_true(w.hao_off >= 0);
	assert_int_equal(cn_input_hao(cn, p, n, &w, NULL, now), 0);
	assert_memory_equal(p, q, n);
	assert_int_equal(F.n_pkts, 0);
	n = udp_pkt(p, A_COA, A_CN, NULL, IP6P_UDP);
	assert_int_equal(ip6_walk(p, n, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(cn_input_hao(cn, p, n, &w, NULL, now), 0);
}

static size_t mh_type(uint8_t *out, const uint8_t *src, const uint8_t *hao, uint8_t type)
{
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = type;
	return build_plain_mh(out, src, A_CN, hao, &m);
}

/* MH-06, MH-09: unknown MH type -> BE 2 to the wire source, HoA field ::
 * or the HAO; never to a multicast source; rate-limited. */
static void test_be_unknown_type(void **s)
{
	(void)s;
	static uint8_t p[2048];
	size_t n = mh_type(p, A_COA, NULL, 200);
	feed(p, n);
	assert_int_equal(F.n_pkts, 1);
	check_be(0, A_COA, MH_BE_UNKNOWN_MH_TYPE, NULL);
	assert_int_equal(last_ev(M6_EV_DROP)->code, M6_E_MH_TYPE);
	n = mh_type(p, A_COA, A_HOA, 200);
	feed(p, n);
	check_be(0, A_COA, MH_BE_UNKNOWN_MH_TYPE, A_HOA);
	assert_memory_equal(last_ev(M6_EV_BE_SENT)->peer, A_COA, 16);
	n = mh_type(p, A_MCAST, NULL, 200);
	feed(p, n);
	assert_int_equal(F.n_pkts, 0);
	assert_int_equal(count_ev(M6_EV_BE_SENT), 0);
	/* known types a CN does not take are dropped without a BE */
	n = mh_type(p, A_COA, NULL, MH_BA);
	feed(p, n);
	assert_int_equal(F.n_pkts, 0);
}

static void test_be_rate_limit(void **s)
{
	(void)s;
	static uint8_t p[2048];
	size_t n = mh_type(p, A_COA, NULL, 200);
	clear();
	for (int i = 0; i < 50; i++)
		input(p, n);
	assert_int_equal(F.n_pkts, 10);              /* the burst */
	assert_int_equal(count_ev(M6_EV_DROP), 50);  /* every trigger is still dropped */
	now += 350 * MIP6_NS_PER_MS;
	clear();
	for (int i = 0; i < 50; i++)
		input(p, n);
	assert_int_equal(F.n_pkts, 3);               /* refilled at 10/s */
	now += 60 * NS;
	clear();
	for (int i = 0; i < 50; i++)
		input(p, n);
	assert_int_equal(F.n_pkts, 10);              /* never more than the burst */
}

/* 9.5.2: no room -> BA 130, with a BAD. */
static void test_cache_full(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk k, k2;
	uint8_t kbm[RR_KBM_LEN];
	cn_free(cn);
	make(0, 1);
	establish(&k, A_HOA, A_COA, 1, 10);
	do_rr(&k2, A_HOA2, A_COA);
	FEED_BU(&k2, A_HOA2, A_COA, 1, 0, 10, kbm);
	assert_int_equal(F.n_pkts, 1);
	check_ba(0, A_COA, A_HOA2, MH_BA_INSUFFICIENT_RESOURCES, 1, kbm, A_COA, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rr_exchange, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acoa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_auth_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_padn_after_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_home_registration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_and_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_modulo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_test_init_with_hao, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_rh2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_hao, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_hao_ah_and_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_be_unknown_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_be_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_full, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
