/* Mobile node, route optimisation (RFC 6275 5.2, 11.6, 11.7.2): return
 * routability, correspondent registration, de-registration from the
 * correspondents once home (11.5.5, 5.2.5) and MAX_RO_FAILURE (5.2.9);
 * each test cites the conformance items it checks.
 * The tests play home agent and correspondent, computing Kbm and the
 * authenticators with OpenSSL directly (not rr.c). */
#include "mn_fake.h"

/* ---- return routability ---- */

struct rr_run {
	struct mn *mn;
	uint8_t ht[8], ct[8];
	uint16_t hi, ci;
};

static void send_hot(struct mn *mn, const uint8_t cookie[8], const uint8_t token[8], uint16_t idx,
		     bool via_tunnel, const uint8_t *dst)
{
	struct mh_msg m;
	mh_init(&m, MH_HOT);
	m.nonce_index = idx;
	memcpy(m.cookie, cookie, 8);
	memcpy(m.token, token, 8);
	inject(mn, CN, dst, NULL, &m, via_tunnel ? &fake_sa : NULL, via_tunnel);
}

static void send_cot(struct mn *mn, const uint8_t cookie[8], const uint8_t token[8], uint16_t idx,
		     const uint8_t *dst)
{
	struct mh_msg m;
	mh_init(&m, MH_COT);
	m.nonce_index = idx;
	memcpy(m.cookie, cookie, 8);
	memcpy(m.token, token, 8);
	inject(mn, CN, dst, NULL, &m, NULL, false);
}

/* A BA from the CN with a BAD the test computes itself: to dst, with an
 * RH2 holding the HoA when rh2, the authenticator over bad_coa. */
static void ba_from_cn_to(struct mn *mn, const uint8_t kbm[20], uint8_t status, uint16_t seq, uint32_t life_s,
			  const uint8_t *dst, bool rh2, const uint8_t *bad_coa)
{
	static uint8_t b[256];
	uint8_t zero[12] = { 0 };
	struct mh_msg m;
	mh_init(&m, MH_BA);
	m.status = status;
	m.seq = seq;
	m.lifetime = mh_lifetime_units(life_s);
	m.n_opts = 1;
	m.opts[0].type = MHO_BAD;
	m.opts[0].len = 12;
	m.opts[0].data = zero;
	int n = mip6_build_mh(b, sizeof(b), CN, dst, NULL, rh2 ? HOA : NULL, &m);
	assert_true(n > 0);
	size_t off = 40 + (rh2 ? 24 : 0);
	uint8_t *mh = b + off;
	size_t ml = (size_t)n - off;
	assert_int_equal(mh[ml - 14], MHO_BAD);
	t_auth(kbm, bad_coa, CN, mh, ml, mh + ml - 12);
	mh_set_checksum(mh, ml, CN, HOA);
	struct ip6_walk w;
	assert_int_equal(ip6_walk(b, (size_t)n, IP6W_HAO_KNOWN, &w), 0);
	mn_input_mh(mn, b, (size_t)n, &w, NULL, false, F.now);
}

/* Kbm = SHA1(home keygen token) for a de-registration (RR-02). */
static void t_kbm_home(const uint8_t ht[8], uint8_t kbm[20])
{
	unsigned int l = 0;
	assert_int_equal(EVP_Digest(ht, 8, kbm, &l, EVP_sha1(), NULL), 1);
	assert_int_equal(l, 20);
}

static bool data_tunnelled(struct mn *mn)
{
	uint8_t app[128];
	size_t n = app_pkt(app, sizeof(app), TU_HOA, TU_CN);
	unsigned before = F.n_pkt;
	mn_output(mn, app, n, F.now);
	assert_int_equal(F.n_pkt, before + 1);
	struct pk d;
	pk_parse(&d, &F.pkt[before]);
	return d.tunnel;
}

/* A BA from the CN with a BAD the test computes itself. */
static void ba_from_cn(struct mn *mn, const uint8_t kbm[20], uint8_t status, uint16_t seq, uint32_t life_s,
		       bool with_bad, bool corrupt)
{
	static uint8_t b[256];
	uint8_t zero[12] = { 0 };
	struct mh_msg m;
	mh_init(&m, MH_BA);
	m.status = status;
	m.seq = seq;
	m.lifetime = mh_lifetime_units(life_s);
	if (with_bad) {
		m.n_opts = 1;
		m.opts[0].type = MHO_BAD;
		m.opts[0].len = 12;
		m.opts[0].data = zero;
	}
	int n = mip6_build_mh(b, sizeof(b), CN, COA, NULL, HOA, &m);
	assert_true(n > 0);
	uint8_t *mh = b + 40 + 24;
	size_t ml = (size_t)n - 64;
	if (with_bad) {
		assert_int_equal(mh[ml - 14], MHO_BAD);
		t_auth(kbm, COA, CN, mh, ml, mh + ml - 12);
		if (corrupt)
			mh[ml - 1] ^= 1;
		mh_set_checksum(mh, ml, CN, HOA);
	}
	struct ip6_walk w;
	assert_int_equal(ip6_walk(b, (size_t)n, IP6W_HAO_KNOWN, &w), 0);
	mn_input_mh(mn, b, (size_t)n, &w, NULL, false, F.now);
}

/* Registered with RO: HoTI through the tunnel, CoTI direct. */
static void rr_begin(struct rr_run *r, struct pk *hoti, struct pk *coti)
{
	fresh();
	r->mn = registered_mn(true, true);
	assert_non_null(last_ev(M6_EV_RR_STARTED));
	assert_int_equal(count_ev(M6_EV_HOTI_SENT), 1);
	assert_int_equal(count_ev(M6_EV_COTI_SENT), 1);
	assert_true(last_mh(MH_HOTI, hoti) >= 0);
	assert_true(last_mh(MH_COTI, coti) >= 0);
	memcpy(r->ht, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	memcpy(r->ct, "\x99\xaa\xbb\xcc\xdd\xee\xff\x01", 8);
	r->hi = 0x0102;
	r->ci = 0x0304;
}

/* HoTI in the tunnel, CoTI direct without HAO (HAO-09), RR-04 checks, the
 * BU to the CN (MH-07, OPT-04) with an independently recomputed BAD, the
 * CN's BA and route-optimised data. */
static void test_rr_and_cn_binding(void **s)
{
	(void)s;
	struct rr_run r;
	struct pk hoti, coti, bu;
	rr_begin(&r, &hoti, &coti);
	/* HoTI: outer CoA -> HA, inner HoA -> CN, no HAO anywhere */
	assert_true(hoti.tunnel);
	assert_memory_equal(hoti.w.hdr.src, COA, 16);
	assert_memory_equal(hoti.w.hdr.dst, HA, 16);
	assert_memory_equal(hoti.iw.hdr.src, HOA, 16);
	assert_memory_equal(hoti.iw.hdr.dst, CN, 16);
	assert_int_equal(hoti.iw.hao_off, -1);
	/* CoTI: direct CoA -> CN without HAO */
	assert_false(coti.tunnel);
	assert_memory_equal(coti.w.hdr.src, COA, 16);
	assert_memory_equal(coti.w.hdr.dst, CN, 16);
	assert_int_equal(coti.w.hao_off, -1);
	assert_memory_not_equal(hoti.m.cookie, coti.m.cookie, 8);

	struct mn *mn = r.mn;
	/* RR-04: a HoT not through the tunnel, a wrong cookie, a wrong
	 * destination: all silently ignored */
	send_hot(mn, hoti.m.cookie, r.ht, r.hi, false, HOA);
	send_hot(mn, coti.m.cookie, r.ht, r.hi, true, HOA);
	send_hot(mn, hoti.m.cookie, r.ht, r.hi, true, COA);
	send_cot(mn, hoti.m.cookie, r.ct, r.ci, COA);
	send_cot(mn, coti.m.cookie, r.ct, r.ci, HOA);
	assert_int_equal(count_ev(M6_EV_RR_DONE), 0);
	unsigned drops = 0;
	for (unsigned i = 0; i < F.n_ev; i++)
		drops += F.ev[i].type == M6_EV_DROP && F.ev[i].code == M6_E_RR_MISMATCH;
	assert_int_equal(drops, 5);

	send_hot(mn, hoti.m.cookie, r.ht, r.hi, true, HOA);
	assert_int_equal(count_mh(MH_BU), 1);
	/* a second HoT once the token is in: ignored (RR-04) */
	send_hot(mn, hoti.m.cookie, r.ht, r.hi, true, HOA);
	assert_true(dropped_with(M6_E_RR_MISMATCH));
	send_cot(mn, coti.m.cookie, r.ct, r.ci, COA);
	const struct m6_event *done = last_ev(M6_EV_RR_DONE);
	assert_non_null(done);
	assert_int_equal(done->code, 0);
	assert_int_equal(count_mh(MH_BU), 2);
	int ib = last_mh(MH_BU, &bu);
	assert_memory_equal(bu.w.hdr.src, COA, 16);
	assert_memory_equal(bu.w.hdr.dst, CN, 16);
	assert_memory_equal(ip6_walk_hoa(&bu.w, bu.p), HOA, 16);
	assert_true(bu.m.flags & MH_BU_A);
	assert_false(bu.m.flags & MH_BU_H);
	assert_false(bu.m.flags & MH_BU_K);   /* MH-07: never to a CN, k_capable or not */
	assert_true(bu.m.lifetime > 0 && mh_lifetime_seconds(bu.m.lifetime) <= MIP6_MAX_RR_BINDING_LIFETIME_S);
	assert_null(mh_find_opt(&bu.m, MHO_ACOA));
	assert_int_equal(bu.m.n_opts, 2);
	assert_int_equal(bu.m.opts[0].type, MHO_NI);
	assert_int_equal(m6_get16(bu.m.opts[0].data), r.hi);
	assert_int_equal(m6_get16(bu.m.opts[0].data + 2), r.ci);
	assert_int_equal(bu.m.opts[1].type, MHO_BAD);
	assert_int_equal(bu.m.opts[1].off + 2 + 12, bu.mhlen);   /* last, no padding (OPT-04) */
	uint8_t kbm[20], auth[12];
	t_kbm(r.ht, r.ct, kbm);
	t_auth(kbm, COA, CN, bu.mh, bu.mhlen, auth);
	assert_memory_equal(bu.m.opts[1].data, auth, 12);
	(void)ib;

	/* data still tunnels until the CN acknowledges */
	uint8_t app[128];
	size_t n = app_pkt(app, sizeof(app), TU_HOA, TU_CN);
	unsigned before = F.n_pkt;
	mn_output(mn, app, n, F.now);
	struct pk d;
	pk_parse(&d, &F.pkt[before]);
	assert_true(d.tunnel);

	/* BA-02: without a valid BAD, ignored */
	ba_from_cn(mn, kbm, 0, bu.m.seq, 400, false, false);
	ba_from_cn(mn, kbm, 0, bu.m.seq, 400, true, true);
	assert_int_equal(count_ev(M6_EV_BA_RECEIVED), 1);      /* the HA's */
	assert_true(dropped_with(M6_E_BAD_AUTH));
	ba_from_cn(mn, kbm, 0, bu.m.seq, 400, true, false);
	assert_int_equal(count_ev(M6_EV_BA_RECEIVED), 2);
	const struct m6_event *e = last_ev(M6_EV_BINDING_ADDED);
	assert_string_equal(e->text, "cn " TU_CN);

	/* route-optimised: src = CoA, HAO = HoA, straight to the CN */
	before = F.n_pkt;
	mn_output(mn, app, n, F.now);
	assert_int_equal(F.n_pkt, before + 1);
	pk_parse(&d, &F.pkt[before]);
	assert_false(d.tunnel);
	assert_memory_equal(d.w.hdr.src, COA, 16);
	assert_memory_equal(d.w.hdr.dst, CN, 16);
	assert_memory_equal(ip6_walk_hoa(&d.w, d.p), HOA, 16);
	assert_int_equal(d.w.proto, IP6P_UDP);
	assert_int_equal(F.pkt[before].len, n + 24);
	assert_memory_equal(F.pkt[before].b + 64, app + 40, n - 40);

	/* BE-01: status 1 from the CN drops the entry, back to the tunnel */
	struct mh_msg be;
	mh_init(&be, MH_BE);
	be.status = MH_BE_UNKNOWN_BINDING;
	memcpy(be.hoa, HOA, 16);
	inject(mn, CN, COA, NULL, &be, NULL, false);
	assert_non_null(last_ev(M6_EV_BINDING_DELETED));
	before = F.n_pkt;
	mn_output(mn, app, n, F.now);
	pk_parse(&d, &F.pkt[before]);
	assert_true(d.tunnel);
	mn_free(mn);
}

/* RR-06: retransmitted HoTI/CoTI carry new cookies, old ones no longer
 * match; after MAX_RO_FAILURE the MN gives up and keeps tunnelling. */
static void test_rr_retransmit(void **s)
{
	(void)s;
	struct rr_run r;
	struct pk hoti, coti, h2, c2;
	rr_begin(&r, &hoti, &coti);
	struct mn *mn = r.mn;
	uint64_t t0 = F.now;
	run_until(mn, t0 + 1000 * MS);
	assert_int_equal(count_mh(MH_HOTI), 2);
	assert_int_equal(count_mh(MH_COTI), 2);
	last_mh(MH_HOTI, &h2);
	last_mh(MH_COTI, &c2);
	assert_true(h2.tunnel);
	assert_memory_not_equal(h2.m.cookie, hoti.m.cookie, 8);
	assert_memory_not_equal(c2.m.cookie, coti.m.cookie, 8);
	assert_int_equal(last_ev(M6_EV_HOTI_SENT)->u32, 1000);
	send_hot(mn, hoti.m.cookie, r.ht, r.hi, true, HOA);
	assert_true(dropped_with(M6_E_RR_MISMATCH));
	/* the CoT answers; only the HoTI keeps going, with the same back-off */
	send_cot(mn, c2.m.cookie, r.ct, r.ci, COA);
	run_until(mn, t0 + 3000 * MS);
	assert_int_equal(count_mh(MH_HOTI), 3);
	assert_int_equal(count_mh(MH_COTI), 2);
	run_until(mn, t0 + 60 * SEC);
	const struct m6_event *e = last_ev(M6_EV_RR_DONE);
	assert_non_null(e);
	assert_int_equal(e->code, M6_E_RR_TIMEOUT);
	assert_int_equal(count_mh(MH_HOTI), 1 + MIP6_MAX_RO_FAILURE);
	uint8_t app[128];
	size_t n = app_pkt(app, sizeof(app), TU_HOA, TU_CN);
	unsigned before = F.n_pkt;
	mn_output(mn, app, n, F.now);
	struct pk d;
	pk_parse(&d, &F.pkt[before]);
	assert_true(d.tunnel);
	mn_free(mn);
}

static void rr_complete(struct rr_run *r, struct pk *bu)
{
	struct pk hoti, coti;
	assert_true(last_mh(MH_HOTI, &hoti) >= 0);
	assert_true(last_mh(MH_COTI, &coti) >= 0);
	unsigned n = count_mh(MH_BU);
	send_hot(r->mn, hoti.m.cookie, r->ht, r->hi, true, HOA);
	send_cot(r->mn, coti.m.cookie, r->ct, r->ci, COA);
	assert_int_equal(count_mh(MH_BU), n + 1);
	last_mh(MH_BU, bu);
}

/* BA-01, BA-02: a nonce-expired BA (no BAD) restarts RR; RR-05: the refresh of
 * a correspondent binding redoes RR because the tokens are over 210 s old. */
static void test_cn_nonce_expiry_and_refresh(void **s)
{
	(void)s;
	struct rr_run r;
	struct pk hoti, coti, bu;
	rr_begin(&r, &hoti, &coti);
	struct mn *mn = r.mn;
	uint8_t kbm[20];
	t_kbm(r.ht, r.ct, kbm);
	rr_complete(&r, &bu);
	F.now += 50 * MS;
	ba_from_cn(mn, kbm, MH_BA_EXPIRED_COA_NONCE, bu.m.seq, 0, false, false);
	assert_int_equal(count_ev(M6_EV_RR_STARTED), 2);
	assert_int_equal(count_mh(MH_HOTI), 2);
	assert_int_equal(count_mh(MH_COTI), 2);

	rr_complete(&r, &bu);
	uint16_t seq1 = bu.m.seq;
	F.now += 50 * MS;
	ba_from_cn(mn, kbm, 0, bu.m.seq, mh_lifetime_seconds(bu.m.lifetime), true, false);
	assert_non_null(last_ev(M6_EV_BINDING_ADDED));
	uint64_t t_bound = F.now;
	/* refresh at 80 % of <= 420 s: tokens are then older than 210 s */
	unsigned hotis = count_mh(MH_HOTI), bus = count_mh(MH_BU);
	run_until(mn, t_bound + 336 * SEC);   /* before the first RR retransmission */
	assert_int_equal(count_mh(MH_HOTI), hotis + 1);
	assert_int_equal(count_mh(MH_BU), bus);
	assert_int_equal(count_ev(M6_EV_RR_STARTED), 3);
	/* the binding is still used meanwhile */
	uint8_t app[128];
	size_t n = app_pkt(app, sizeof(app), TU_HOA, TU_CN);
	unsigned before = F.n_pkt;
	mn_output(mn, app, n, F.now);
	struct pk d;
	pk_parse(&d, &F.pkt[before]);
	assert_false(d.tunnel);
	rr_complete(&r, &bu);
	assert_true(mh_seq_newer(bu.m.seq, seq1));
	mn_free(mn);
}

/* Registered, RR done and the CN's binding acknowledged. */
static void ro_bound(struct rr_run *r, uint8_t kbm[20], struct pk *bu)
{
	struct pk hoti, coti;
	rr_begin(r, &hoti, &coti);
	t_kbm(r->ht, r->ct, kbm);
	rr_complete(r, bu);
	F.now += 50 * MS;
	ba_from_cn(r->mn, kbm, 0, bu->m.seq, mh_lifetime_seconds(bu->m.lifetime), true, false);
	assert_non_null(last_ev(M6_EV_BINDING_ADDED));
	assert_false(data_tunnelled(r->mn));
}

/* RFC 6275 11.5.5, 11.6.1, 11.7.2, 5.2.5 (RR-02, RR-03 for a delete): back
 * home, the MN de-registers from the CN once the HA has let go of the home
 * address: a HoTI straight from the HoA (no CoTI), then a BU from the HoA
 * without HAO, lifetime 0, care-of nonce index 0, and a BAD keyed by
 * SHA1(home token) over the HoA as care-of address. The CN's BA (to the
 * HoA, no RH2) clears the entry. */
static void test_cn_deregistration_at_home(void **s)
{
	(void)s;
	struct rr_run r;
	struct pk bu, p;
	uint8_t kbm[20];
	ro_bound(&r, kbm, &bu);
	struct mn *mn = r.mn;
	F.now = 60 * SEC;
	reset_capture();
	ra(mn, HOME_PFX, 86400);
	/* the HA still intercepts for the HoA: nothing to the CN yet */
	assert_int_equal(count_mh(MH_HOTI), 0);
	assert_int_equal(count_mh(MH_BU), 1);
	const struct m6_event *e = last_ev(M6_EV_BINDING_DELETED);
	assert_non_null(e);
	assert_string_equal(e->text, "cn " TU_CN ": returned home, de-registration pending");
	run_until(mn, 60 * SEC + 500 * MS);
	assert_int_equal(count_mh(MH_HOTI), 0);
	ba_from_ha(mn, 0, last_bu_seq(), 0, false, &fake_sa);
	assert_true(mn_at_home(mn));
	/* the home test only, direct */
	assert_int_equal(count_mh(MH_HOTI), 1);
	assert_int_equal(count_mh(MH_COTI), 0);
	assert_true(last_mh(MH_HOTI, &p) >= 0);
	assert_false(p.tunnel);
	assert_memory_equal(p.w.hdr.src, HOA, 16);
	assert_memory_equal(p.w.hdr.dst, CN, 16);
	assert_int_equal(p.w.hao_off, -1);
	uint8_t cookie[8];
	memcpy(cookie, p.m.cookie, 8);
	/* a CoT means nothing at home; a HoT with another cookie neither */
	send_cot(mn, cookie, r.ct, r.ci, HOA);
	send_hot(mn, r.ht, r.ht, 0x0777, false, HOA);
	assert_int_equal(count_mh(MH_BU), 1);
	uint8_t ht2[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
	send_hot(mn, cookie, ht2, 0x0777, false, HOA);
	assert_int_equal(count_mh(MH_BU), 2);
	assert_true(last_mh(MH_BU, &p) >= 0);
	assert_false(p.tunnel);
	assert_memory_equal(p.w.hdr.src, HOA, 16);
	assert_memory_equal(p.w.hdr.dst, CN, 16);
	assert_int_equal(p.w.hao_off, -1);
	assert_int_equal(p.m.lifetime, 0);
	assert_true(p.m.flags & MH_BU_A);
	assert_false(p.m.flags & (MH_BU_H | MH_BU_K));
	assert_true(mh_seq_newer(p.m.seq, bu.m.seq));
	const struct mh_opt *ni = mh_find_opt(&p.m, MHO_NI);
	assert_non_null(ni);
	assert_int_equal(m6_get16(ni->data), 0x0777);
	assert_int_equal(m6_get16(ni->data + 2), 0);
	uint8_t dk[20], auth[12];
	t_kbm_home(ht2, dk);
	t_auth(dk, HOA, CN, p.mh, p.mhlen, auth);
	const struct mh_opt *bad = mh_find_opt(&p.m, MHO_BAD);
	assert_non_null(bad);
	assert_int_equal(bad->off + 2 + 12, p.mhlen);
	assert_memory_equal(bad->data, auth, 12);
	/* BA-02: a BA signed with the old Kbm is ignored; the right one clears */
	unsigned deleted = count_ev(M6_EV_BINDING_DELETED);
	ba_from_cn_to(mn, kbm, 0, p.m.seq, 0, HOA, false, HOA);
	assert_true(dropped_with(M6_E_BAD_AUTH));
	ba_from_cn_to(mn, dk, 0, p.m.seq, 0, HOA, false, HOA);
	assert_int_equal(count_ev(M6_EV_BINDING_DELETED), deleted + 1);
	assert_string_equal(last_ev(M6_EV_BINDING_DELETED)->text, "cn " TU_CN ": de-registered");
	assert_true(mn_next_expiry(mn) == MIP6_NEVER);
	/* nothing left: a second BA matches no BUL entry */
	ba_from_cn_to(mn, dk, 0, p.m.seq, 0, HOA, false, HOA);
	assert_true(dropped_with(M6_E_BA_NO_MATCH));
	mn_free(mn);
}

/* 11.7.2: with no binding at a CN nothing is de-registered; a
 * de-registration the CN never answers is given up after MAX_RO_FAILURE
 * retries of the HoTI (its binding expires on its own). */
static void test_cn_deregistration_quiet(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = registered_mn(true, false);
	reset_capture();
	F.now = 30 * SEC;
	ra(mn, HOME_PFX, 86400);
	ba_from_ha(mn, 0, last_bu_seq(), 0, false, &fake_sa);
	/* the RR started at registration never finished: max_expiry is 0 */
	assert_int_equal(count_mh(MH_HOTI), 0);
	assert_true(mn_next_expiry(mn) == MIP6_NEVER);
	mn_free(mn);

	struct rr_run r;
	struct pk bu;
	uint8_t kbm[20];
	ro_bound(&r, kbm, &bu);
	mn = r.mn;
	F.now = 60 * SEC;
	ra(mn, HOME_PFX, 86400);
	ba_from_ha(mn, 0, last_bu_seq(), 0, false, &fake_sa);
	reset_capture();
	run_until(mn, 120 * SEC);
	assert_int_equal(count_mh(MH_HOTI), MIP6_MAX_RO_FAILURE);   /* the retries */
	const struct m6_event *e = last_ev(M6_EV_RR_DONE);
	assert_non_null(e);
	assert_int_equal(e->code, M6_E_RR_TIMEOUT);
	assert_true(mn_next_expiry(mn) == MIP6_NEVER);
	mn_free(mn);
}

/* 5.2.9: route optimisation failures revert data to the reverse tunnel at
 * once, even while the CN still holds a binding; expired nonces (BA 137)
 * are retried with fresh tokens; the failure after MAX_RO_FAILURE in a
 * row gives up (ro_failure) until the MN moves. */
static void test_max_ro_failure(void **s)
{
	(void)s;
	struct rr_run r;
	struct pk bu;
	uint8_t kbm[20];
	ro_bound(&r, kbm, &bu);
	struct mn *mn = r.mn;
	/* a BRR from the CN starts RR again; it times out after the retries */
	F.now += 10 * SEC;
	struct mh_msg m;
	mh_init(&m, MH_BRR);
	inject(mn, CN, COA, HOA, &m, NULL, false);
	assert_int_equal(count_ev(M6_EV_RR_STARTED), 2);
	assert_false(data_tunnelled(mn));            /* the binding still serves */
	run_until(mn, F.now + 14 * SEC);
	assert_false(data_tunnelled(mn));
	run_until(mn, F.now + 1 * SEC);              /* 1 + 2 + 4 + 8 s: given up */
	const struct m6_event *e = last_ev(M6_EV_RR_DONE);
	assert_int_equal(e->code, M6_E_RR_TIMEOUT);
	assert_int_equal(e->u32, 1);                 /* the first failure */
	assert_true(data_tunnelled(mn));
	assert_string_equal(last_ev(M6_EV_BINDING_DELETED)->text,
			    "cn " TU_CN ": route optimisation failed, back to the tunnel");
	/* the next home registration tries again; then three 137s in a row */
	inject(mn, HA, COA, HOA, &m, &fake_sa, false);
	ba_from_ha(mn, 0, last_bu_seq(), 3600, true, &fake_sa);
	assert_int_equal(count_ev(M6_EV_RR_STARTED), 3);
	for (unsigned i = 2; i <= MIP6_MAX_RO_FAILURE + 1; i++) {
		rr_complete(&r, &bu);
		F.now += 50 * MS;
		ba_from_cn(mn, kbm, MH_BA_EXPIRED_COA_NONCE, bu.m.seq, 0, false, false);
		e = last_ev(M6_EV_RR_DONE);
		assert_int_equal(e->u32, i);
		if (i <= MIP6_MAX_RO_FAILURE) {
			assert_int_equal(e->code, M6_E_RO_NONCE);
			assert_int_equal(count_ev(M6_EV_RR_STARTED), 2 + i);   /* fresh tokens at once */
		} else {
			assert_int_equal(e->code, M6_E_RO_FAILURE);
			assert_int_equal(count_ev(M6_EV_RR_STARTED), 1 + i);   /* none after giving up */
		}
		assert_true(data_tunnelled(mn));
	}
	/* given up: refresh requests and new home registrations do not revive it */
	unsigned started = count_ev(M6_EV_RR_STARTED);
	inject(mn, CN, COA, HOA, &m, NULL, false);
	inject(mn, HA, COA, HOA, &m, &fake_sa, false);
	ba_from_ha(mn, 0, last_bu_seq(), 3600, true, &fake_sa);
	assert_int_equal(count_ev(M6_EV_RR_STARTED), started);
	assert_true(data_tunnelled(mn));
	/* a new care-of address is a new chance */
	F.now += 1 * SEC;
	ra(mn, R2_PFX, 86400);
	ba_from_ha(mn, 0, last_bu_seq(), 3600, true, &fake_sa);
	assert_int_equal(count_ev(M6_EV_RR_STARTED), started + 1);
	/* an accepted BA resets the count: one more 137 is a first failure */
	memcpy(COA, COA_2, 16);                      /* the helpers' care-of address */
	rr_complete(&r, &bu);
	ba_from_cn(mn, kbm, 0, bu.m.seq, mh_lifetime_seconds(bu.m.lifetime), true, false);
	assert_false(data_tunnelled(mn));
	inject(mn, CN, COA, HOA, &m, NULL, false);   /* BRR: RR and a new BU */
	rr_complete(&r, &bu);
	ba_from_cn(mn, kbm, MH_BA_EXPIRED_HOME_NONCE, bu.m.seq, 0, false, false);
	e = last_ev(M6_EV_RR_DONE);
	assert_int_equal(e->code, M6_E_RO_NONCE);
	assert_int_equal(e->u32, 1);
	tu_addr(TU_COA, COA);
	mn_free(mn);
}

/* RR-05: tokens are reused for a correspondent BU while younger than
 * MAX_TOKEN_LIFETIME (210 s) and never after: the retransmission that
 * would carry 210 s old tokens runs return routability instead. */
static void test_token_lifetime(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = mk_mn(true, false, 0, 3600);
	ra(mn, R1_PFX, 86400);
	F.now = 100 * MS;
	/* a short home registration keeps the CN binding (and its refresh) short */
	ba_from_ha(mn, 0, last_bu_seq(), 260, false, &fake_sa);
	struct rr_run r = { .mn = mn };
	memcpy(r.ht, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	memcpy(r.ct, "\x99\xaa\xbb\xcc\xdd\xee\xff\x01", 8);
	r.hi = 0x0102;
	r.ci = 0x0304;
	uint8_t kbm[20];
	t_kbm(r.ht, r.ct, kbm);
	struct pk bu;
	F.now = 200 * MS;
	uint64_t t_tok = F.now;
	rr_complete(&r, &bu);
	assert_true(mh_lifetime_seconds(bu.m.lifetime) <= 260);
	ba_from_cn(mn, kbm, 0, bu.m.seq, mh_lifetime_seconds(bu.m.lifetime), true, false);
	unsigned hotis = count_mh(MH_HOTI), bus = count_mh(MH_BU);
	/* the CN refresh comes before 210 s: the same tokens, no HoTI */
	run_until(mn, t_tok + 210 * SEC - 1);
	assert_int_equal(count_mh(MH_HOTI), hotis);
	assert_true(count_mh(MH_BU) > bus);
	struct pk p;
	for (unsigned i = 0; i < F.n_pkt; i++) {
		pk_parse(&p, &F.pkt[i]);
		if (!p.is_mh || p.m.type != MH_BU || memcmp(p.w.hdr.dst, CN, 16))
			continue;
		const struct mh_opt *ni = mh_find_opt(&p.m, MHO_NI);
		assert_int_equal(m6_get16(ni->data), r.hi);
		assert_int_equal(m6_get16(ni->data + 2), r.ci);
	}
	bus = count_mh(MH_BU);
	/* unanswered, the retransmission due at or after 210 s is a new RR */
	run_until(mn, t_tok + 240 * SEC);
	assert_true(count_mh(MH_HOTI) > hotis);
	int ih = find_mh(MH_HOTI, hotis, &p);
	assert_true(F.pkt[ih].t >= t_tok + 210 * SEC);
	assert_true(count_mh(MH_BU) > bus);          /* retransmissions before it */
	for (unsigned i = (unsigned)ih; i < F.n_pkt; i++) {
		pk_parse(&p, &F.pkt[i]);
		assert_false(p.is_mh && p.m.type == MH_BU && !memcmp(p.w.hdr.dst, CN, 16));
	}
	mn_free(mn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rr_and_cn_binding, setup),
		cmocka_unit_test_setup(test_rr_retransmit, setup),
		cmocka_unit_test_setup(test_cn_nonce_expiry_and_refresh, setup),
		cmocka_unit_test_setup(test_cn_deregistration_at_home, setup),
		cmocka_unit_test_setup(test_cn_deregistration_quiet, setup),
		cmocka_unit_test_setup(test_max_ro_failure, setup),
		cmocka_unit_test_setup(test_token_lifetime, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
