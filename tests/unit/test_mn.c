/* Mobile node (RFC 6275 11): movement, home registration and return home,
 * and the Binding Update List helpers. A fake I/O captures what the engine
 * sends; the tests play router and HA at chosen virtual times (mn_fake.h).
 * Route optimisation: test_mn_ro.c; discovery: test_mn_disc.c. */
#include "mn_fake.h"

/* =============================== tests =============================== */

/* TMR-01, TMR-02 back-off vectors, BA-02 lifetime arithmetic, TMR-03 rate limit. */
static void test_bul_helpers(void **s)
{
	(void)s;
	struct bul_timer t;
	static const uint32_t v1[] = { 1000, 2000, 4000, 8000, 16000, 32000, 32000, 32000 };
	static const uint32_t v15[] = { 1500, 3000, 6000, 12000, 24000, 32000, 32000 };
	bul_timer_start(&t, 1000, 0);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t at = t.next;
		assert_int_equal(bul_timer_expire(&t, at), v1[i]);
		assert_int_equal(t.tries, i + 1);
	}
	bul_timer_start(&t, 1500, 5);
	assert_true(t.next == 5 + 1500 * MS);
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(bul_timer_expire(&t, t.next), v15[i]);
	bul_timer_stop(&t);
	assert_false(bul_timer_running(&t));

	/* BA-02: max(L_remain - (L_update - L_ack), 0) */
	assert_true(bul_ack_remaining(90 * SEC, 100, 60) == 50 * SEC);
	assert_true(bul_ack_remaining(30 * SEC, 100, 60) == 0);
	assert_true(bul_ack_remaining(90 * SEC, 100, 100) == 90 * SEC);
	assert_true(bul_ack_remaining(90 * SEC, 100, 200) == 90 * SEC);

	/* TMR-03: the 4th message within a second waits */
	struct bul_rate r;
	memset(&r, 0, sizeof(r));
	for (unsigned i = 0; i < MIP6_MAX_UPDATE_RATE; i++) {
		assert_true(bul_rate_next(&r, 10 * MS * i) == 10 * MS * i);
		bul_rate_note(&r, 10 * MS * i);
	}
	assert_true(bul_rate_next(&r, 50 * MS) == SEC);
	assert_true(bul_rate_next(&r, 2 * SEC) == 2 * SEC);
}

/* TMR-04: the home registration after moving to R1, field by field. */
static void test_movement_bu_fields(void **s)
{
	(void)s;
	for (int kk = 0; kk <= 3; kk++) {
		/* INT-03: K when configured and the key manager can move */
		bool fixed = kk & 2, k = (kk & 1) && !fixed;
		reset_capture();
		struct mn *mn = mk_mn(false, kk & 1, 0, 3600);
		mn_set_km_fixed(mn, fixed);
		assert_null(mn_coa(mn));
		ra(mn, R1_PFX, 86400);
		assert_int_equal(F.n_pkt, 1);
		assert_memory_equal(mn_coa(mn), COA, 16);
		assert_false(mn_at_home(mn));
		assert_false(mn_registered(mn));
		struct pk p;
		assert_int_equal(find_mh(MH_BU, 0, &p), 0);
		assert_memory_equal(p.w.hdr.src, COA, 16);
		assert_memory_equal(p.w.hdr.dst, HA, 16);
		assert_false(p.tunnel);
		const uint8_t *hao = ip6_walk_hoa(&p.w, p.p);
		assert_non_null(hao);
		assert_memory_equal(hao, HOA, 16);
		assert_true(p.m.flags & MH_BU_A);
		assert_true(p.m.flags & MH_BU_H);
		assert_true(p.m.flags & MH_BU_L);          /* link-local IID = HoA's */
		assert_int_equal(!!(p.m.flags & MH_BU_K), k);
		assert_int_equal(p.m.lifetime, 900);          /* 3600 s in 4 s units */
		const struct mh_opt *acoa = mh_find_opt(&p.m, MHO_ACOA);
		assert_non_null(acoa);
		assert_int_equal(acoa->len, 16);
		assert_memory_equal(acoa->data, COA, 16);
		const struct m6_event *e = last_ev(M6_EV_BU_SENT);
		assert_non_null(e);
		assert_memory_equal(e->peer, HA, 16);
		assert_memory_equal(e->addr, COA, 16);
		assert_int_equal((uint16_t)e->code, p.m.seq);
		assert_int_equal(e->u32, 3600);
		assert_non_null(last_ev(M6_EV_MOVED));
		mn_free(mn);
	}
	/* the lifetime is capped by the CoA prefix's valid lifetime (TMR-04) */
	reset_capture();
	struct mn *mn = mk_mn(false, false, 0, 3600);
	ra(mn, R1_PFX, 100);
	struct pk p;
	assert_int_equal(find_mh(MH_BU, 0, &p), 0);
	assert_int_equal(p.m.lifetime, 25);
	mn_free(mn);
	/* TMR-04: no L when the interface identifiers differ */
	reset_capture();
	struct mn_cfg c;
	memset(&c, 0, sizeof(c));
	memcpy(c.hoa, HOA, 16);
	tu_addr(HOME_PFX, c.home_prefix);
	c.home_plen = 64;
	memcpy(c.ha, HA, 16);
	memcpy(c.iid, "\x02\x11\x22\xff\xfe\x33\x44\x55", 8);
	mn = mn_new(&c, &IO);
	assert_non_null(mn);
	ra(mn, R1_PFX, 86400);
	assert_int_equal(find_mh(MH_BU, 0, &p), 0);
	assert_false(p.m.flags & MH_BU_L);
	mn_free(mn);
}

static void check_backoff(struct mn *mn, const uint32_t *want, unsigned n, uint64_t t0)
{
	run_until(mn, t0 + 200 * SEC);
	unsigned bus = count_mh(MH_BU);
	assert_true(bus >= n + 1);
	struct pk a, b;
	for (unsigned i = 0; i < n; i++) {
		int ia = find_mh(MH_BU, i, &a);
		uint16_t sa = a.m.seq;
		int ib = find_mh(MH_BU, i + 1, &b);
		assert_true(ia >= 0 && ib >= 0);
		assert_true(F.pkt[ib].t - F.pkt[ia].t == (uint64_t)want[i] * MS);
		/* TMR-03: every retransmission carries a greater sequence number */
		assert_true(mh_seq_newer(b.m.seq, sa));
		assert_int_equal((uint16_t)(b.m.seq - sa), 1);
		/* the same registration is retransmitted */
		assert_memory_equal(mh_find_opt(&b.m, MHO_ACOA)->data, mn_coa(mn), 16);
	}
	unsigned seen = 0;
	for (unsigned i = 0; i < F.n_ev && seen < n; i++)
		if (F.ev[i].type == M6_EV_BU_RETRANSMIT)
			assert_int_equal(F.ev[i].u32, want[seen++]);
	assert_int_equal(seen, n);
}

/* TMR-01, TMR-02, TMR-03: first registration 1.5 s doubling to 32 s and staying there. */
static void test_first_registration_backoff(void **s)
{
	(void)s;
	static const uint32_t want[] = { 1500, 3000, 6000, 12000, 24000, 32000, 32000 };
	reset_capture();
	struct mn *mn = mk_mn(false, false, 0, 3600);
	ra(mn, R1_PFX, 86400);
	check_backoff(mn, want, 7, 0);
	mn_free(mn);

	/* InitialBindackTimeoutFirstReg is configurable (TMR-01) */
	static const uint32_t want2[] = { 2500, 5000, 10000, 20000, 32000, 32000 };
	fresh();
	mn = mk_mn(false, false, 2500, 3600);
	ra(mn, R1_PFX, 86400);
	check_backoff(mn, want2, 6, 0);
	mn_free(mn);
}

/* TMR-02 vector: a registration while a binding exists starts at 1 s. */
static void test_reregistration_backoff(void **s)
{
	(void)s;
	static const uint32_t want[] = { 1000, 2000, 4000, 8000, 16000, 32000, 32000 };
	fresh();
	struct mn *mn = registered_mn(false, false);
	F.now = 10 * SEC;
	reset_capture();
	ra(mn, R2_PFX, 86400);
	assert_memory_equal(mn_coa(mn), COA_2, 16);
	assert_false(mn_registered(mn));
	check_backoff(mn, want, 7, F.now);
	mn_free(mn);
}

/* BA-02: a BA with the wrong sequence number or without IPsec is ignored;
 * the matching one registers and stops the retransmissions (BA-03). */
static void test_ba_validation(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = mk_mn(false, false, 0, 3600);
	ra(mn, R1_PFX, 86400);
	uint16_t seq = last_bu_seq();
	F.now = 200 * MS;
	ba_from_ha(mn, 0, (uint16_t)(seq + 7), 3600, false, &fake_sa);
	assert_false(mn_registered(mn));
	assert_true(dropped_with(M6_E_BA_NO_MATCH));
	ba_from_ha(mn, 0, seq, 3600, false, NULL);
	assert_false(mn_registered(mn));
	assert_true(dropped_with(M6_E_UNPROTECTED));
	assert_int_equal(count_ev(M6_EV_BA_RECEIVED), 0);
	/* still retransmitting */
	assert_true(mn_next_expiry(mn) == 1500 * MS);

	ba_from_ha(mn, 0, seq, 3600, true, &fake_sa);
	assert_true(mn_registered(mn));
	assert_int_equal(count_ev(M6_EV_BA_RECEIVED), 1);
	const struct m6_event *e = last_ev(M6_EV_BINDING_ADDED);
	assert_non_null(e);
	assert_memory_equal(e->peer, HOA, 16);
	assert_memory_equal(e->addr, COA, 16);
	/* BA-02: counts from when the BU left (t = 0), so 3599.8 s remain */
	assert_int_equal(e->u32, 3599);
	unsigned n = F.n_pkt;
	run_until(mn, 100 * SEC);
	assert_int_equal(F.n_pkt, n);
	/* a duplicate BA matches nothing any more */
	ba_from_ha(mn, 0, seq, 3600, false, &fake_sa);
	assert_int_equal(count_ev(M6_EV_BA_RECEIVED), 1);
	mn_free(mn);
}

/* BA-02: an authenticated 135 gives the sequence number to continue from. */
static void test_ba_seq_out_of_window(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = mk_mn(false, false, 0, 3600);
	ra(mn, R1_PFX, 86400);
	uint16_t seq = last_bu_seq();
	F.now = 100 * MS;
	ba_from_ha(mn, MH_BA_SEQ_OUT_OF_WINDOW, 40000, 0, false, NULL);   /* unprotected: ignored */
	assert_int_equal(count_mh(MH_BU), 1);
	ba_from_ha(mn, MH_BA_SEQ_OUT_OF_WINDOW, 40000, 0, false, &fake_sa);
	assert_int_equal(count_mh(MH_BU), 2);
	assert_int_equal(last_bu_seq(), 40001);
	assert_int_not_equal(seq, 40000);
	ba_from_ha(mn, 0, 40001, 3600, false, &fake_sa);
	assert_true(mn_registered(mn));
	mn_free(mn);
}

/* BA-02 lifetime arithmetic and the refresh before expiry (11.7.3). */
static void test_refresh_before_expiry(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = mk_mn(false, false, 0, 3600);
	ra(mn, R1_PFX, 86400);
	uint16_t seq = last_bu_seq();
	F.now = 1 * SEC;
	ba_from_ha(mn, 0, seq, 400, false, &fake_sa);   /* the HA grants less */
	const struct m6_event *e = last_ev(M6_EV_BINDING_ADDED);
	assert_int_equal(e->u32, 399);                   /* 400 - 1 s since the BU */
	uint64_t refresh = mn_next_expiry(mn);
	assert_true(refresh > 300 * SEC && refresh < 399 * SEC);
	run_until(mn, refresh);
	assert_int_equal(count_mh(MH_BU), 2);
	struct pk p;
	last_mh(MH_BU, &p);
	assert_true(mh_seq_newer(p.m.seq, seq));
	assert_memory_equal(p.w.hdr.src, COA, 16);
	assert_true(mn_registered(mn));                  /* still bound meanwhile */
	/* a binding exists, so the refresh retransmits after 1 s */
	assert_true(mn_next_expiry(mn) == refresh + 1000 * MS);
	run_until(mn, 401 * SEC);
	assert_non_null(last_ev(M6_EV_BINDING_EXPIRED));
	assert_false(mn_registered(mn));
	ba_from_ha(mn, 0, last_bu_seq(), 3600, false, &fake_sa);
	assert_true(mn_registered(mn));
	assert_non_null(last_ev(M6_EV_BINDING_ADDED));
	mn_free(mn);
}

/* 11.7.4: a BRR from the HA brings a new BU; one from a stranger nothing. */
static void test_brr(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = registered_mn(false, false);
	F.now = 20 * SEC;
	struct mh_msg m;
	mh_init(&m, MH_BRR);
	inject(mn, CN, COA, HOA, &m, NULL, false);
	assert_int_equal(count_mh(MH_BU), 1);
	assert_true(dropped_with(M6_E_BE_NO_BUL));
	inject(mn, HA, COA, HOA, &m, &fake_sa, false);
	assert_non_null(last_ev(M6_EV_BRR_RECEIVED));
	assert_int_equal(count_mh(MH_BU), 2);
	struct pk p;
	last_mh(MH_BU, &p);
	assert_true(p.m.flags & MH_BU_H);
	assert_int_equal(p.m.lifetime, 900);
	mn_free(mn);
}

/* BE-01: a BE from a node without a BUL entry is ignored; status 1 from
 * the HA makes the MN register again. */
static void test_binding_error(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = registered_mn(false, false);
	F.now = 20 * SEC;
	struct mh_msg m;
	mh_init(&m, MH_BE);
	m.status = MH_BE_UNKNOWN_BINDING;
	memcpy(m.hoa, HOA, 16);
	inject(mn, CN, COA, NULL, &m, NULL, false);
	assert_true(dropped_with(M6_E_BE_NO_BUL));
	assert_int_equal(count_ev(M6_EV_BE_RECEIVED), 0);
	assert_int_equal(F.n_pkt, 1);
	assert_true(mn_registered(mn));
	inject(mn, HA, COA, NULL, &m, &fake_sa, false);
	assert_int_equal(count_ev(M6_EV_BE_RECEIVED), 1);
	assert_int_equal(count_mh(MH_BU), 2);
	mn_free(mn);
}

/* 11.7.3 / BA-03: rejections stop or retry by status. */
static void test_ba_rejections(void **s)
{
	(void)s;
	/* 128: retried by the back-off with a new sequence number */
	fresh();
	struct mn *mn = mk_mn(false, false, 0, 3600);
	ra(mn, R1_PFX, 86400);
	ba_from_ha(mn, MH_BA_REASON_UNSPECIFIED, last_bu_seq(), 0, false, &fake_sa);
	run_until(mn, 2 * SEC);
	assert_int_equal(count_mh(MH_BU), 2);
	mn_free(mn);

	static const uint8_t stop[] = { 129, 131, 132, 133, 134 };
	for (unsigned i = 0; i < sizeof(stop); i++) {
		fresh();
		mn = mk_mn(false, false, 0, 3600);
		ra(mn, R1_PFX, UINT32_MAX);   /* infinite: no CoA timer either */
		ba_from_ha(mn, stop[i], last_bu_seq(), 0, false, &fake_sa);
		assert_int_equal(last_ev(M6_EV_BA_RECEIVED)->code, stop[i]);
		assert_true(mn_next_expiry(mn) == MIP6_NEVER);
		run_until(mn, 100 * SEC);
		assert_int_equal(count_mh(MH_BU), 1);
		/* 134 (DAD failed): that home address is never registered again */
		ra(mn, R2_PFX, 86400);
		assert_int_equal(count_mh(MH_BU), 1);
		assert_false(mn_registered(mn));
		mn_free(mn);
	}
}

/* 11.5.5: back home, a de-registration from the HoA without HAO or ACoA,
 * then RETURNED_HOME once acknowledged; data goes out as it is. */
static void test_return_home(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = registered_mn(false, false);
	F.now = 30 * SEC;
	reset_capture();
	ra(mn, HOME_PFX, 86400);
	assert_int_equal(F.n_pkt, 1);
	struct pk p;
	assert_int_equal(find_mh(MH_BU, 0, &p), 0);
	assert_memory_equal(p.w.hdr.src, HOA, 16);
	assert_memory_equal(p.w.hdr.dst, HA, 16);
	assert_int_equal(p.w.hao_off, -1);
	assert_null(mh_find_opt(&p.m, MHO_ACOA));
	assert_int_equal(p.m.lifetime, 0);
	assert_true((p.m.flags & (MH_BU_A | MH_BU_H)) == (MH_BU_A | MH_BU_H));
	assert_false(mn_at_home(mn));
	assert_memory_equal(mn_coa(mn), HOA, 16);
	/* retransmitted at 1 s like any BU with a binding in place */
	run_until(mn, 30 * SEC + 1000 * MS);
	assert_int_equal(count_mh(MH_BU), 2);
	assert_int_equal(count_ev(M6_EV_RETURNED_HOME), 0);
	ba_from_ha(mn, 0, (uint16_t)(p.m.seq + 7), 0, false, &fake_sa);
	assert_false(mn_at_home(mn));
	ba_from_ha(mn, 0, last_bu_seq(), 0, false, &fake_sa);
	assert_true(mn_at_home(mn));
	assert_false(mn_registered(mn));
	assert_int_equal(count_ev(M6_EV_RETURNED_HOME), 1);
	assert_non_null(last_ev(M6_EV_BINDING_DELETED));
	assert_true(mn_next_expiry(mn) == MIP6_NEVER);

	uint8_t app[128];
	size_t n = app_pkt(app, sizeof(app), TU_HOA, TU_CN);
	reset_capture();
	mn_output(mn, app, n, F.now);
	assert_int_equal(F.n_pkt, 1);
	assert_int_equal(F.pkt[0].len, n);
	assert_memory_equal(F.pkt[0].b, app, n);
	assert_int_equal(count_ev(M6_EV_TUNNEL_ENCAP), 0);
	mn_free(mn);
}

/* 11.3.1 / 11.3.3: reverse tunnel away (even before the BA), checks on
 * tunnelled packets, HAO-10 (link-local stays plain), no address yet. */
static void test_data_path(void **s)
{
	(void)s;
	fresh();
	uint8_t app[128], b[256];
	size_t n = app_pkt(app, sizeof(app), TU_HOA, TU_CN);
	struct mn *mn = mk_mn(false, false, 0, 3600);
	mn_output(mn, app, n, 0);
	assert_int_equal(F.n_pkt, 0);
	assert_true(dropped_with(M6_E_NO_COA));
	ra(mn, R1_PFX, 86400);
	reset_capture();
	mn_output(mn, app, n, 0);
	assert_int_equal(F.n_pkt, 1);
	struct pk p;
	pk_parse(&p, &F.pkt[0]);
	assert_true(p.tunnel);
	assert_memory_equal(p.w.hdr.src, COA, 16);
	assert_memory_equal(p.w.hdr.dst, HA, 16);
	assert_int_equal(F.pkt[0].len, n + 40);
	assert_memory_equal(F.pkt[0].b + 40, app, n);
	const struct m6_event *e = last_ev(M6_EV_TUNNEL_ENCAP);
	assert_non_null(e);
	assert_memory_equal(e->addr, HA, 16);

	/* HAO-10: link-local traffic is never tunnelled or given a HAO */
	size_t nl = app_pkt(b, sizeof(b), TU_HOA, "fe80::1");
	reset_capture();
	mn_output(mn, b, nl, 0);
	assert_int_equal(F.pkt[0].len, nl);

	/* from the HA to the CoA, inner to the HoA: accepted */
	uint8_t t[256];
	size_t inner = app_pkt(app, sizeof(app), TU_CN, TU_HOA);
	int tn = mip6_encap(t, sizeof(t), HA, COA, app, inner);
	assert_true(tn > 0);
	assert_int_equal(mn_input_tunnel(mn, t, (size_t)tn, 0), 40);
	assert_non_null(last_ev(M6_EV_TUNNEL_DECAP));
	tn = mip6_encap(t, sizeof(t), CN, COA, app, inner);
	assert_int_equal(mn_input_tunnel(mn, t, (size_t)tn, 0), M6_E_TUNNEL_PEER);
	tn = mip6_encap(t, sizeof(t), HA, COA_2, app, inner);
	assert_int_equal(mn_input_tunnel(mn, t, (size_t)tn, 0), M6_E_TUNNEL_PEER);
	inner = app_pkt(app, sizeof(app), TU_CN, TU_CN);
	tn = mip6_encap(t, sizeof(t), HA, COA, app, inner);
	assert_int_equal(mn_input_tunnel(mn, t, (size_t)tn, 0), M6_E_TUNNEL_PEER);
	mn_free(mn);
}

/* A link flap on the same link moves nothing; a new prefix does. */
static void test_link_down(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = registered_mn(false, false);
	F.now = 5 * SEC;
	mn_link_down(mn, F.now);
	ra(mn, R1_PFX, 86400);
	assert_int_equal(count_mh(MH_BU), 1);
	assert_true(mn_registered(mn));
	mn_link_down(mn, F.now);
	ra(mn, R2_PFX, 86400);
	assert_int_equal(count_mh(MH_BU), 2);
	assert_int_equal(count_ev(M6_EV_MOVED), 2);
	mn_free(mn);
}

/* TMR-03: a flood of triggers yields at most MAX_UPDATE_RATE BUs a second;
 * the last request still goes once the second is over. */
static void test_rate_limit(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = registered_mn(false, false);
	F.now = 20 * SEC;
	uint64_t t0 = F.now;
	struct mh_msg m;
	mh_init(&m, MH_BRR);
	for (int i = 0; i < 10; i++) {
		inject(mn, HA, COA, HOA, &m, &fake_sa, false);
		F.now += 10 * MS;
	}
	assert_int_equal(count_ev(M6_EV_BRR_RECEIVED), 10);
	assert_int_equal(count_mh(MH_BU), 1 + MIP6_MAX_UPDATE_RATE);
	run_until(mn, t0 + 999 * MS);
	assert_int_equal(count_mh(MH_BU), 1 + MIP6_MAX_UPDATE_RATE);
	run_until(mn, t0 + 1000 * MS);
	assert_int_equal(count_mh(MH_BU), 2 + MIP6_MAX_UPDATE_RATE);
	/* it is a fresh BU, not a retransmission, and it is the one outstanding */
	assert_int_equal(count_ev(M6_EV_BU_RETRANSMIT), 0);
	ba_from_ha(mn, 0, last_bu_seq(), 3600, false, &fake_sa);
	assert_true(mn_next_expiry(mn) > t0 + 2000 * SEC);
	mn_free(mn);
}

/* The CoA's prefix lapses without a new RA: no address, nothing sent. */
static void test_coa_expiry(void **s)
{
	(void)s;
	fresh();
	struct mn *mn = mk_mn(false, false, 0, 3600);
	ra(mn, R1_PFX, 100);
	F.now = 100 * MS;
	ba_from_ha(mn, 0, last_bu_seq(), 100, false, &fake_sa);
	run_until(mn, 99 * SEC);
	assert_non_null(mn_coa(mn));
	run_until(mn, 100 * SEC);
	assert_null(mn_coa(mn));
	const struct m6_event *e = last_ev(M6_EV_MOVED);
	assert_string_equal(e->text, "care-of address expired");
	uint8_t app[128];
	size_t n = app_pkt(app, sizeof(app), TU_HOA, TU_CN);
	unsigned before = F.n_pkt;
	mn_output(mn, app, n, F.now);
	assert_int_equal(F.n_pkt, before);
	assert_true(dropped_with(M6_E_NO_COA));
	/* the next RA decides */
	ra(mn, R1_PFX, 86400);
	assert_memory_equal(mn_coa(mn), COA, 16);
	assert_int_equal(F.n_pkt, before + 1);
	mn_free(mn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bul_helpers, setup),
		cmocka_unit_test_setup(test_movement_bu_fields, setup),
		cmocka_unit_test_setup(test_first_registration_backoff, setup),
		cmocka_unit_test_setup(test_reregistration_backoff, setup),
		cmocka_unit_test_setup(test_ba_validation, setup),
		cmocka_unit_test_setup(test_ba_seq_out_of_window, setup),
		cmocka_unit_test_setup(test_refresh_before_expiry, setup),
		cmocka_unit_test_setup(test_brr, setup),
		cmocka_unit_test_setup(test_binding_error, setup),
		cmocka_unit_test_setup(test_ba_rejections, setup),
		cmocka_unit_test_setup(test_return_home, setup),
		cmocka_unit_test_setup(test_data_path, setup),
		cmocka_unit_test_setup(test_link_down, setup),
		cmocka_unit_test_setup(test_rate_limit, setup),
		cmocka_unit_test_setup(test_coa_expiry, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

