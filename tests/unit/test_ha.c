/* Home agent (RFC 6275 9.5, 10): BU processing and every BA status, DAD,
 * proxy ND, tunnelling, the last-seen care-of guard, Mobility Header errors
 * and timers. The fake io records what the HA sends and reports; its
 * randomness is a fixed counter (ha_fake.h). The SA handed to the engine
 * is a stand-in whose presence says "arrived protected": which SA may
 * speak for which home address is the IPsec layer's check, tested with
 * real SAs through the node in test_node_ipsec.c. The home link as other
 * routers describe it, and discovery: test_ha_disc.c. */
#include "ha_fake.h"

/* HA-02, BA-01: first registration runs DAD (NS from :: to the
 * solicited-node group), then answers with BA 0 through an RH2. */
static void test_first_registration(void **st)
{
	struct t *t = *st;
	start(t);
	home_bu(t, 100, 900, 0, 0);    /* 3600 s */
	expect_ev(t, M6_EV_BU_RECEIVED);
	expect_ev(t, M6_EV_DAD_STARTED);
	assert_int_equal(t->f.n_out, 1);
	const struct sent *ns = &t->f.out[0];
	uint8_t want[80];
	size_t wn = tu_hex("6000 0000 0018 3aff"
			   "0000 0000 0000 0000 0000 0000 0000 0000"
			   "ff02 0000 0000 0000 0000 0001 ff00 0100"
			   "8700 0000 0000 0000"
			   "2001 0db8 0001 0000 0000 0000 0000 0100", want, sizeof(want));
	assert_int_equal(ns->len, wn);
	assert_memory_equal(ns->pkt, want, 42);          /* up to the checksum */
	assert_memory_equal(ns->pkt + 44, want + 44, wn - 44);
	assert_int_equal(m6_csum_ip6(ns->pkt + 8, ns->pkt + 24, 58, ns->pkt + 40, 24), 0);
	struct bce *pending = bce_of(t, t->hoa);
	assert_true(!pending || !pending->valid);
	/* nothing before the DAD wait is over */
	assert_int_equal(ha_next_expiry(t->ha), 1000 * MS);
	clear(t);
	ha_on_timer(t->ha, 999 * MS);
	assert_int_equal(t->f.n_out, 0);
	ha_on_timer(t->ha, 1000 * MS);
	assert_int_equal(t->f.n_out, 2);                 /* proxy NA, then the BA */
	const struct ba *ba = last_ba(t);                /* checksum over HA -> HoA */
	assert_memory_equal(ba->src, t->ha_addr, 16);
	assert_memory_equal(ba->dst, t->coa, 16);
	/* BA-01 golden layout: IPv6 | RH2(HoA) | BA 0, seq 100, lifetime 900, 80 octets */
	const uint8_t *p = t->f.out[1].pkt;
	assert_int_equal(t->f.out[1].len, 80);
	assert_int_equal(p[6], IP6P_ROUTING);
	uint8_t rh2[24];
	tu_hex("87 02 02 01 00000000 2001 0db8 0001 0000 0000 0000 0000 0100", rh2, sizeof(rh2));
	assert_memory_equal(p + 40, rh2, 24);
	uint8_t mh[16];
	tu_hex("3b 01 06 00 0000 00 00 0064 0384 0102 0000", mh, sizeof(mh));
	assert_memory_equal(p + 64, mh, 4);
	assert_memory_equal(p + 70, mh + 6, 10);
	const struct m6_event *ev = expect_ev(t, M6_EV_BINDING_ADDED);
	assert_memory_equal(ev->peer, t->hoa, 16);
	assert_memory_equal(ev->addr, t->coa, 16);
	assert_int_equal(ev->u32, 3600);
	ev = expect_ev(t, M6_EV_BA_SENT);
	assert_int_equal(ev->code, 0);
	assert_int_equal(ev->u32, 3600);
	struct bce *e = bce_of(t, t->hoa);
	assert_true(e->valid && e->home_reg);
	assert_memory_equal(e->coa, t->coa, 16);
	assert_int_equal(e->seq, 100);
	assert_int_equal(e->expires, 1000 * MS + 3600 * SEC);
}

/* HA-02: an NA for the home address during DAD -> BA 134, no binding. */
static void test_dad_defended(void **st)
{
	struct t *t = *st;
	start(t);
	home_bu(t, 7, 900, 0, 0);
	clear(t);
	uint8_t na[128];
	size_t n = nd_pkt(na, TU_HOA, "ff02::1", 136, 0x20, t->hoa);
	na[7] = 64;                     /* off-link: not a valid NA, ignored */
	m6_put16(na + 42, 0);
	m6_put16(na + 42, m6_csum_ip6(na + 8, na + 24, 58, na + 40, n - 40));
	ha_input_nd(t->ha, na, n, 500 * MS);
	assert_int_equal(t->f.n_out, 0);
	n = nd_pkt(na, TU_HOA, "ff02::1", 136, 0x20, t->hoa);
	ha_input_nd(t->ha, na, n, 500 * MS);
	expect_ba(t, MH_BA_DAD_FAILED, 7);
	expect_ev(t, M6_EV_DAD_FAILED);
	assert_null(bce_of(t, t->hoa));
	clear(t);
	ha_on_timer(t->ha, 1000 * MS);
	assert_int_equal(t->f.n_out, 0);
	assert_false(intercepts(t, 2 * SEC));
}

/* BU-02: last = 15 -> 0..15 and 32783..65535 get 135 carrying 15;
 * 16..32782 are accepted; last = 65535 -> 0 is accepted. */
static void test_seq_window(void **st)
{
	struct t *t = *st;
	static const uint16_t bad[] = { 0, 1, 14, 15, 32783, 40000, 65535 };
	static const uint16_t good[] = { 16, 17, 32782 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start(t);
		uint64_t now = registered(t, 15, 900, 0);
		home_bu(t, bad[i], 900, 0, now);
		expect_ba(t, MH_BA_SEQ_OUT_OF_WINDOW, 15);
		assert_int_equal(bce_of(t, t->hoa)->seq, 15);
	}
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		start(t);
		uint64_t now = registered(t, 15, 900, 0);
		home_bu(t, good[i], 900, 0, now);
		expect_ba(t, 0, good[i]);
	}
	start(t);
	uint64_t now = registered(t, 65535, 900, 0);
	home_bu(t, 0, 900, 0, now);
	assert_int_equal(ba_status(t), 0);
	expect_ev(t, M6_EV_BINDING_UPDATED);
}

/* MH-09 (rejections as error messages): a burst of out-of-window BUs
 * from one source within a second gets one rejecting BA (135), each of the
 * rest is counted as rate-limited and changes nothing; a second later the
 * next one is answered again, and an accepted BU is never held back. */
static void test_reject_rate_limited(void **st)
{
	struct t *t = *st;
	start(t);
	uint64_t now = registered(t, 15, 900, 0);
	clear(t);
	home_bu(t, 3, 900, 0, now);
	expect_ba(t, MH_BA_SEQ_OUT_OF_WINDOW, 15);
	clear(t);
	for (int i = 1; i <= 20; i++)
		home_bu(t, 3, 900, 0, now + (uint64_t)i * 25 * MS);
	assert_int_equal(t->f.n_out, 0);
	expect_drop(t, M6_E_RATE_LIMITED);
	assert_int_equal(bce_of(t, t->hoa)->seq, 15);
	clear(t);
	home_bu(t, 16, 900, 0, now + 600 * MS);         /* the owner's next BU */
	expect_ba(t, 0, 16);
	clear(t);
	home_bu(t, 3, 900, 0, now + 1000 * MS);
	expect_ba(t, MH_BA_SEQ_OUT_OF_WINDOW, 16);
}

/* BU-03: H = 0 for a home registration -> 139, the flag is kept. */
static void test_reg_type_change(void **st)
{
	struct t *t = *st;
	start(t);
	uint64_t now = registered(t, 1, 900, 0);
	struct bu b = { .src = t->coa, .hoa = t->hoa, .acoa = t->coa, .seq = 2, .flags = MH_BU_A, .lifetime = 10 };
	send_bu(t, &b, SA, now);
	expect_ba(t, MH_BA_REG_TYPE_CHANGE, 2);
	struct bce *e = bce_of(t, t->hoa);
	assert_true(e->home_reg && e->valid);
	assert_int_equal(e->seq, 1);
	/* H = 0 without a binding: no correspondent function here, dropped */
	clear(t);
	const uint8_t *other = A("2001:db8:1::200");
	b.hoa = other;
	send_bu(t, &b, SA, now);
	assert_int_equal(t->f.n_out, 0);
	expect_drop(t, M6_E_MH_UNEXPECTED);
}

/* HA-01: a home address outside the home prefix -> 132, no DAD. */
static void test_not_home_subnet(void **st)
{
	struct t *t = *st;
	start(t);
	const uint8_t *foreign = A("2001:db8:9::100");
	struct bu b = reg(t->coa, foreign, t->coa, 3, 10);
	send_bu(t, &b, SA, 0);
	assert_memory_equal(expect_ba(t, MH_BA_NOT_HOME_SUBNET, 3)->rh2, foreign, 16);
	assert_null(bce_of(t, foreign));
	/* HA-05: de-registration without a home registration -> 133 (a
	 * second later: rejections to one address are rate-limited, MH-09) */
	clear(t);
	home_bu(t, 3, 0, 0, SEC);
	assert_int_equal(ba_status(t), MH_BA_NOT_HOME_AGENT);
	assert_int_equal(bcache_count(ha_bcache(t->ha)), 0);
}

/* BU-06 / 9.5.2: no room for another binding -> 130. */
static void test_full(void **st)
{
	struct t *t = *st;
	t->cfg.max_bindings = 1;
	start(t);
	uint64_t now = registered(t, 1, 900, 0);
	const uint8_t *other = A("2001:db8:1::200");
	struct bu b = reg(t->coa, other, t->coa, 1, 10);
	send_bu(t, &b, SA, now);
	assert_memory_equal(expect_ba(t, MH_BA_INSUFFICIENT_RESOURCES, 1)->rh2, other, 16);
	/* the existing home registration is not evicted (HA-04) */
	assert_true(bce_of(t, t->hoa)->valid);
}

/* HA-05: de-registration: 0, lifetime 0, no BRA, interception stops; the
 * entry stays 10 s so a delayed older BU gets 135; then it is gone. */
static void test_dereg_then_old_seq(void **st)
{
	struct t *t = *st;
	t->cfg.bra_interval_s = 60;
	start(t);
	uint64_t now = registered(t, 10, 900, 0);
	assert_true(intercepts(t, now));
	clear(t);
	/* the MN is back home: BU from the home address, no HAO, no RH2 in the BA */
	struct bu b = { .src = t->hoa, .seq = 11, .flags = MH_BU_A | MH_BU_H, .lifetime = 0 };
	send_bu(t, &b, SA, now);
	const struct ba *ba = expect_ba(t, 0, 11);
	assert_int_equal(ba->m.lifetime, 0);
	assert_int_equal(ba->m.n_opts, 0);
	assert_false(ba->has_rh2);
	assert_memory_equal(ba->dst, t->hoa, 16);
	expect_ev(t, M6_EV_BINDING_DELETED);
	clear(t);
	assert_false(intercepts(t, now));
	assert_int_equal(t->f.n_out, 0);
	/* the BU sent from the visited link before, arriving late */
	home_bu(t, 10, 900, 0, now + 5 * SEC);
	ba = expect_ba(t, MH_BA_SEQ_OUT_OF_WINDOW, 11);
	assert_false(bce_of(t, t->hoa)->valid);
	clear(t);
	assert_int_equal(ha_next_expiry(t->ha), now + 10 * SEC);
	ha_on_timer(t->ha, now + 10 * SEC);
	assert_null(bce_of(t, t->hoa));
	assert_int_equal(t->f.n_ev, 0);                 /* no second deletion event */
	/* after the 10 s any sequence number starts a new registration */
	home_bu(t, 10, 900, 0, now + 11 * SEC);
	expect_ev(t, M6_EV_DAD_STARTED);
}

/* HA-03: prefix valid 100 s, BU 1000 s -> granted <= 100 s, status 1;
 * max_lifetime bounds it too; a long prefix lifetime gives status 0. */
static void test_prefix_lifetime(void **st)
{
	struct t *t = *st;
	t->cfg.prefix_valid_s = 100;
	start(t);
	uint64_t now = registered(t, 1, 250, 0);
	struct bce *e = bce_of(t, t->hoa);
	assert_int_equal(e->lifetime_s, 100);
	home_bu(t, 2, 250, 0, now);
	assert_int_equal(expect_ba(t, MH_BA_ACCEPTED_NEED_PREFIX_DISC, 2)->m.lifetime, 25);
	assert_int_equal(e->expires, now + 100 * SEC);
	/* 4 s units: prefix 103 s is 25 units, a BU of 24 units ends before it */
	t->cfg.prefix_valid_s = 103;
	start(t);
	now = registered(t, 1, 24, 0);
	home_bu(t, 2, 24, 0, now);
	assert_int_equal(expect_ba(t, 0, 2)->m.lifetime, 24);
	t->cfg.prefix_valid_s = 86400;
	t->cfg.max_lifetime_s = 600;
	start(t);
	now = registered(t, 1, 250, 0);
	home_bu(t, 2, 250, 0, now);
	assert_int_equal(expect_ba(t, 0, 2)->m.lifetime, 150);
}

/* HA-04: a BA whatever A says, seq copied; K = BU.K && the HA can move its
 * key management endpoint: configured so (k_capable) and, INT-03, its key
 * manager able to follow the mobile node now (ha_set_km_fixed). */
static void test_k_matrix(void **st)
{
	struct t *t = *st;
	for (int cap = 0; cap < 2; cap++) {
		for (int k = 0; k < 2; k++) {
			for (int fixed = 0; fixed < 2; fixed++) {
				t->cfg.k_capable = cap;
				start(t);
				ha_set_km_fixed(t->ha, fixed);
				uint64_t now = registered(t, 1, 900, 0);
				struct bu b = reg(t->coa, t->hoa, t->coa, 2, 900);
				b.flags = MH_BU_H | (k ? MH_BU_K : 0);
				send_bu(t, &b, SA, now);      /* A = 0 */
				assert_int_equal(expect_ba(t, 0, 2)->m.flags, cap && k && !fixed ? MH_BA_K : 0);
			}
		}
	}
}

/* The BA's Refresh Interval (4 s units), -1 without a BRA. */
static int bra_of(struct t *t)
{
	const struct mh_opt *o = mh_find_opt(&only_ba(t)->m, MHO_BRA);
	return o ? m6_get16(o->data) : -1;
}

/* OPT-05: BRA only with bra_interval, no persistent cache, not on delete,
 * and always shorter than the lifetime. */
static void test_bra(void **st)
{
	struct t *t = *st;
	t->cfg.bra_interval_s = 300;
	start(t);
	uint64_t now = registered(t, 1, 250, 0);
	home_bu(t, 2, 250, 0, now);
	assert_int_equal(bra_of(t), 75);
	clear(t);
	home_bu(t, 3, 50, 0, now);                       /* 200 s < 300 s: clamped */
	assert_int_equal(bra_of(t), 49);
	clear(t);
	home_bu(t, 4, 0, 0, now);
	assert_int_equal(bra_of(t), -1);
	t->cfg.persistent_bc = true;
	start(t);
	now = registered(t, 1, 250, 0);
	home_bu(t, 2, 250, 0, now);
	assert_int_equal(bra_of(t), -1);
	t->cfg.persistent_bc = false;
	t->cfg.bra_interval_s = 0;
	start(t);
	now = registered(t, 1, 250, 0);
	home_bu(t, 2, 250, 0, now);
	assert_int_equal(bra_of(t), -1);
}

/* HA-01 / 5.1: an H = 1 BU that came in clear is silently discarded. */
static void test_unprotected(void **st)
{
	struct t *t = *st;
	start(t);
	struct bu b = reg(t->coa, t->hoa, t->coa, 1, 10);
	send_bu(t, &b, NULL, 0);
	assert_int_equal(t->f.n_out, 0);
	assert_int_equal(t->f.n_ev, 1);
	expect_drop(t, M6_E_UNPROTECTED);
	assert_int_equal(bcache_count(ha_bcache(t->ha)), 0);
}

/* BU-01: a multicast (or link-local) care-of address: silent discard. */
static void test_bad_coa(void **st)
{
	struct t *t = *st;
	start(t);
	static const char *bad[] = { "ff0e::1", "fe80::1", "::1" };
	for (unsigned i = 0; i < 3; i++) {
		uint8_t a[16];
		tu_addr(bad[i], a);
		struct bu b = reg(t->coa, t->hoa, a, 1, 10);
		send_bu(t, &b, SA, 0);
		assert_int_equal(t->f.n_out, 0);
		expect_drop(t, M6_E_BU_ADDR);
		clear(t);
	}
	assert_int_equal(bcache_count(ha_bcache(t->ha)), 0);
}

/* MH-03: a checksum over the care-of address (not the HAO) -> silence. */
static void test_bad_checksum(void **st)
{
	struct t *t = *st;
	start(t);
	struct bu b = reg(t->coa, t->hoa, t->coa, 1, 10);
	uint8_t pkt[256];
	size_t n = build_bu(t, &b, pkt, sizeof(pkt));
	mh_set_checksum(pkt + 64, n - 64, t->coa, t->ha_addr);
	feed(t, pkt, n, SA, 0);
	assert_int_equal(t->f.n_out, 0);
	expect_drop(t, M6_E_MH_CKSUM);
}

static void check_param_problem(struct t *t, uint32_t ptr)
{
	assert_int_equal(t->f.n_out, 1);
	const uint8_t *p = t->f.out[0].pkt;
	assert_int_equal(p[6], IP6P_ICMPV6);
	assert_memory_equal(p + 8, t->ha_addr, 16);
	assert_memory_equal(p + 24, t->coa, 16);
	assert_int_equal(p[40], 4);
	assert_int_equal(p[41], 0);
	assert_int_equal(m6_get32(p + 44), ptr);
	assert_int_equal(m6_csum_ip6(p + 8, p + 24, 58, p + 40, t->f.out[0].len - 40), 0);
}

/* MH-04: Payload Proto 6 -> Param Problem code 0 at Payload Proto. */
static void test_mh04_proto(void **st)
{
	struct t *t = *st;
	start(t);
	struct bu b = reg(t->coa, t->hoa, t->coa, 1, 10);
	b.proto = 6;
	send_bu(t, &b, SA, 0);
	check_param_problem(t, 64);                      /* IPv6 40 + DstOpt 24 */
	expect_drop(t, M6_E_MH_PROTO);
	assert_int_equal(bcache_count(ha_bcache(t->ha)), 0);
}

/* MH-05: Header Len 0 for a BU -> Param Problem pointing at Header Len. */
static void test_mh05_hlen(void **st)
{
	struct t *t = *st;
	start(t);
	struct bu b = { .src = t->coa, .hoa = t->hoa, .seq = 1, .flags = MH_BU_A | MH_BU_H, .lifetime = 10 };
	uint8_t pkt[256];
	size_t n = build_bu(t, &b, pkt, sizeof(pkt));
	pkt[65] = 0;
	mh_set_checksum(pkt + 64, n - 64, t->hoa, t->ha_addr);
	feed(t, pkt, n, SA, 0);
	check_param_problem(t, 65);
	expect_drop(t, M6_E_MH_HLEN_MIN);
}

static void check_be(struct t *t, const uint8_t hoa[16], const uint8_t dst[16])
{
	assert_int_equal(t->f.n_out, 1);
	struct ip6_walk w;
	const struct sent *s = &t->f.out[0];
	assert_int_equal(ip6_walk(s->pkt, s->len, IP6W_HAO_KNOWN, &w), 0);
	assert_memory_equal(w.hdr.dst, dst, 16);
	assert_int_equal(w.rh_off, -1);
	struct mh_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(mh_parse(s->pkt + w.proto_off, w.end - w.proto_off, &m, &ds, 0), 0);
	assert_int_equal(m.type, MH_BE);
	assert_int_equal(m.status, MH_BE_UNKNOWN_MH_TYPE);
	assert_memory_equal(m.hoa, hoa, 16);
	assert_true(mh_verify_checksum(s->pkt + w.proto_off, w.end - w.proto_off, w.hdr.src, w.hdr.dst));
	const struct m6_event *ev = expect_ev(t, M6_EV_BE_SENT);
	assert_int_equal(ev->code, 2);
}

/* MH-06, MH-09: unknown MH type -> BE status 2 to the wire source (HoA
 * field = HAO or ::), rate-limited, never to a multicast source. */
static void test_mh06_be(void **st)
{
	struct t *t = *st;
	start(t);
	struct bu b = { .src = t->coa, .hoa = t->hoa, .type = 200 };
	send_bu(t, &b, NULL, 0);
	check_be(t, t->hoa, t->coa);
	expect_drop(t, M6_E_MH_TYPE);
	clear(t);
	/* a burst from the same source within the second: nothing more */
	for (int i = 1; i < 5; i++)
		send_bu(t, &b, NULL, (uint64_t)i * 200 * MS);
	assert_int_equal(t->f.n_out, 0);
	send_bu(t, &b, NULL, 1000 * MS);
	assert_int_equal(t->f.n_out, 1);
	clear(t);
	/* another source has its own budget; no HAO -> HoA field :: */
	uint8_t cn[16], zero[16] = { 0 };
	tu_addr(TU_CN, cn);
	struct bu c = { .src = cn, .type = 200 };
	send_bu(t, &c, NULL, 1100 * MS);
	check_be(t, zero, cn);
	clear(t);
	/* MH-09: multicast source */
	const uint8_t *mc = A("ff02::1");
	struct bu d = { .src = mc, .type = 200 };
	send_bu(t, &d, NULL, 5 * SEC);
	assert_int_equal(t->f.n_out, 0);
	expect_drop(t, M6_E_MH_TYPE);
}

static void check_na(const struct sent *s, const uint8_t src[16], const uint8_t dst[16],
		     const uint8_t target[16], uint8_t flags)
{
	assert_int_equal(s->len, 72);
	const uint8_t *p = s->pkt;
	assert_int_equal(p[6], IP6P_ICMPV6);
	assert_int_equal(p[7], 255);
	assert_memory_equal(p + 8, src, 16);
	assert_memory_equal(p + 24, dst, 16);
	assert_int_equal(p[40], 136);
	assert_int_equal(p[41], 0);
	assert_int_equal(p[44], flags);                  /* R S O */
	assert_memory_equal(p + 48, target, 16);
	uint8_t tlla[8];
	tu_hex("02 01 020000000001", tlla, sizeof(tlla));
	assert_memory_equal(p + 64, tlla, 8);
	assert_int_equal(m6_csum_ip6(p + 8, p + 24, 58, p + 40, 32), 0);
}

/* HA-06: unsolicited NA to all nodes after the registration (R=0 S=0 O=1,
 * TLLA = HA MAC, src = HA); NS for the home address answered with S=1, a
 * DAD probe from :: with an NA to all nodes. */
static void test_proxy_nd(void **st)
{
	struct t *t = *st;
	start(t);
	home_bu(t, 1, 900, 0, 0);
	clear(t);
	ha_on_timer(t->ha, 1000 * MS);
	const uint8_t *all = A("ff02::1");
	check_na(&t->f.out[0], t->ha_addr, all, t->hoa, 0x20);
	expect_ev(t, M6_EV_PROXY_NA);
	clear(t);
	uint8_t ns[128];
	const uint8_t *node = A("2001:db8:1::5");
	size_t n = nd_pkt(ns, "2001:db8:1::5", "ff02::1:ff00:100", 135, 0, t->hoa);
	ha_input_nd(t->ha, ns, n, 2 * SEC);
	assert_int_equal(t->f.n_out, 1);
	check_na(&t->f.out[0], t->ha_addr, node, t->hoa, 0x60);
	clear(t);
	n = nd_pkt(ns, "::", "ff02::1:ff00:100", 135, 0, t->hoa);
	ha_input_nd(t->ha, ns, n, 2 * SEC);
	assert_int_equal(t->f.n_out, 1);
	check_na(&t->f.out[0], t->ha_addr, all, t->hoa, 0x20);
	clear(t);
	const uint8_t *other = A("2001:db8:1::77");
	n = nd_pkt(ns, "2001:db8:1::5", "ff02::1:ff00:77", 135, 0, other);
	ha_input_nd(t->ha, ns, n, 2 * SEC);
	assert_int_equal(t->f.n_out, 0);
	/* a bad checksum is ignored */
	n = nd_pkt(ns, "2001:db8:1::5", "ff02::1:ff00:100", 135, 0, t->hoa);
	ns[43] ^= 1;
	ha_input_nd(t->ha, ns, n, 2 * SEC);
	assert_int_equal(t->f.n_out, 0);
}

/* HA-02, HA-06 with L = 1: the derived link-local is probed and defended. */
static void test_link_local_l(void **st)
{
	struct t *t = *st;
	start(t);
	const uint8_t *ll = A("fe80::100"), *all = A("ff02::1");
	home_bu(t, 1, 900, MH_BU_L, 0);
	assert_int_equal(t->f.n_out, 2);
	assert_memory_equal(t->f.out[1].pkt + 48, ll, 16);
	clear(t);
	ha_on_timer(t->ha, 1000 * MS);
	assert_int_equal(t->f.n_out, 3);
	check_na(&t->f.out[0], t->ha_addr, all, t->hoa, 0x20);
	check_na(&t->f.out[1], t->ha_addr, all, ll, 0x20);
	clear(t);
	uint8_t ns[128];
	size_t n = nd_pkt(ns, "fe80::5", "ff02::1:ff00:100", 135, 0, ll);
	ha_input_nd(t->ha, ns, n, 2 * SEC);
	assert_int_equal(t->f.n_out, 1);
	/* the link-local is in use on the home link: 134 */
	start(t);
	home_bu(t, 1, 900, MH_BU_L, 0);
	clear(t);
	n = nd_pkt(ns, "fe80::100", "ff02::1", 136, 0x20, ll);
	ha_input_nd(t->ha, ns, n, 100 * MS);
	assert_int_equal(ba_status(t), MH_BA_DAD_FAILED);
}

/* A retransmitted BU during DAD (new seq, TMR-03) is answered instead of
 * the first; an older one gets 135; a delete cancels with 133. */
static void test_bu_during_dad(void **st)
{
	struct t *t = *st;
	start(t);
	home_bu(t, 5, 900, 0, 0);
	clear(t);
	home_bu(t, 6, 800, 0, 500 * MS);
	assert_int_equal(t->f.n_out, 0);                 /* no second probe, no BA yet */
	home_bu(t, 6, 800, 0, 600 * MS);                 /* duplicate: silence */
	assert_int_equal(t->f.n_out, 0);
	home_bu(t, 4, 800, 0, 600 * MS);
	assert_int_equal(ba_status(t), MH_BA_SEQ_OUT_OF_WINDOW);
	clear(t);
	ha_on_timer(t->ha, 1000 * MS);
	const struct ba *ba = last_ba(t);
	assert_int_equal(ba->m.seq, 6);
	assert_int_equal(ba->m.lifetime, 800);
	start(t);
	home_bu(t, 5, 900, 0, 0);
	clear(t);
	home_bu(t, 6, 0, 0, 100 * MS);
	assert_int_equal(ba_status(t), MH_BA_NOT_HOME_AGENT);
	clear(t);
	ha_on_timer(t->ha, 1000 * MS);
	assert_int_equal(t->f.n_out, 0);
	assert_null(bce_of(t, t->hoa));
}

/* HA-07: packets for a registered home address are tunnelled to the
 * primary care-of address (following a move); link-local ones never. */
static void test_intercept(void **st)
{
	struct t *t = *st;
	start(t);
	uint8_t pkt[128];
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_CN, TU_HOA, IP6P_UDP, "1234 5678 0008 0000");
	assert_false(ha_intercept(t->ha, pkt, n, 0));
	uint64_t now = registered(t, 1, 900, 0);
	assert_true(ha_intercept(t->ha, pkt, n, now));
	assert_int_equal(t->f.n_out, 1);
	const struct sent *s = &t->f.out[0];
	assert_int_equal(s->len, n + 40);
	assert_int_equal(s->pkt[6], IP6P_IPV6);
	assert_memory_equal(s->pkt + 8, t->ha_addr, 16);
	assert_memory_equal(s->pkt + 24, t->coa, 16);
	assert_int_equal(m6_get16(s->pkt + 4), n);
	assert_memory_equal(s->pkt + 40, pkt, n);
	const struct m6_event *ev = expect_ev(t, M6_EV_TUNNEL_ENCAP);
	assert_memory_equal(ev->addr, t->coa, 16);
	clear(t);
	/* the MN moves: the tunnel follows the primary care-of address */
	const uint8_t *coa2 = A("2001:db8:5::100");
	struct bu b = reg(coa2, t->hoa, coa2, 2, 900);
	send_bu(t, &b, SA, now);
	assert_int_equal(ba_status(t), 0);
	expect_ev(t, M6_EV_BINDING_UPDATED);
	clear(t);
	assert_true(ha_intercept(t->ha, pkt, n, now));
	assert_memory_equal(t->f.out[0].pkt + 24, coa2, 16);
	clear(t);
	/* link-local and multicast destinations, unregistered addresses */
	n = tu_pkt(pkt, sizeof(pkt), "fe80::5", "fe80::100", IP6P_NONE, "");
	assert_false(ha_intercept(t->ha, pkt, n, now));
	n = tu_pkt(pkt, sizeof(pkt), TU_CN, "ff0e::1", IP6P_NONE, "");
	assert_false(ha_intercept(t->ha, pkt, n, now));
	n = tu_pkt(pkt, sizeof(pkt), TU_CN, "2001:db8:1::99", IP6P_NONE, "");
	assert_false(ha_intercept(t->ha, pkt, n, now));
	assert_int_equal(t->f.n_out, 0);
}

/* HA-07 (RFC 6275 10.4.2): a packet for the link-local address of a
 * mobile node registered with L = 1 is discarded, never tunnelled, and its
 * source gets ICMPv6 Destination Unreachable code 3 quoting it (rate-
 * limited, none to a multicast source); with L = 0 the address is not the
 * HA's business. */
static void test_link_local_unreachable(void **st)
{
	struct t *t = *st;
	start(t);
	home_bu(t, 1, 900, MH_BU_L, 0);
	ha_on_timer(t->ha, 1000 * MS);
	assert_true(bce_of(t, t->hoa)->valid);
	clear(t);
	uint64_t now = 2 * SEC;
	uint8_t pkt[128];
	size_t n = tu_pkt(pkt, sizeof(pkt), "fe80::5", "fe80::100", IP6P_ICMPV6, "8000 0000 0001 0001");
	assert_true(ha_intercept(t->ha, pkt, n, now));
	assert_int_equal(t->f.n_out, 1);
	const struct sent *s = &t->f.out[0];
	assert_int_equal(s->pkt[6], IP6P_ICMPV6);        /* not IPv6-in-IPv6 */
	assert_memory_equal(s->pkt + 8, t->ha_addr, 16);
	assert_memory_equal(s->pkt + 24, A("fe80::5"), 16);
	assert_int_equal(s->pkt[40], 1);                 /* Destination Unreachable */
	assert_int_equal(s->pkt[41], 3);                 /* address unreachable */
	assert_int_equal(m6_csum_ip6(s->pkt + 8, s->pkt + 24, IP6P_ICMPV6, s->pkt + 40, s->len - 40), 0);
	assert_int_equal(s->len, 48 + n);
	assert_memory_equal(s->pkt + 48, pkt, n);        /* the offending packet */
	assert_null(find_ev(t, M6_EV_TUNNEL_ENCAP));
	expect_drop(t, M6_E_HA_LINK_LOCAL);
	/* a second one within the second: discarded, no error (rate limit) */
	clear(t);
	assert_true(ha_intercept(t->ha, pkt, n, now + 10 * MS));
	assert_int_equal(t->f.n_out, 0);
	/* from a global address on the home link, a second later: answered */
	n = tu_pkt(pkt, sizeof(pkt), "2001:db8:1::5", "fe80::100", IP6P_UDP, "1234 5678 0008 0000");
	assert_true(ha_intercept(t->ha, pkt, n, now + 2 * SEC));
	assert_int_equal(t->f.n_out, 1);
	assert_memory_equal(t->f.out[0].pkt + 24, A("2001:db8:1::5"), 16);
	/* never an error to a multicast source */
	clear(t);
	n = tu_pkt(pkt, sizeof(pkt), "ff02::1", "fe80::100", IP6P_NONE, "");
	assert_true(ha_intercept(t->ha, pkt, n, now + 9 * SEC));
	assert_int_equal(t->f.n_out, 0);
	/* the home address itself still goes through the tunnel */
	clear(t);
	n = tu_pkt(pkt, sizeof(pkt), TU_CN, TU_HOA, IP6P_UDP, "1234 5678 0008 0000");
	assert_true(ha_intercept(t->ha, pkt, n, now + 3 * SEC));
	assert_int_equal(t->f.out[0].pkt[6], IP6P_IPV6);
	/* another link-local address, or the MN's without L: not ours */
	clear(t);
	n = tu_pkt(pkt, sizeof(pkt), "fe80::5", "fe80::101", IP6P_NONE, "");
	assert_false(ha_intercept(t->ha, pkt, n, now + 5 * SEC));
	start(t);
	registered(t, 1, 900, 0);
	n = tu_pkt(pkt, sizeof(pkt), "fe80::5", "fe80::100", IP6P_NONE, "");
	assert_false(ha_intercept(t->ha, pkt, n, now + 5 * SEC));
	assert_int_equal(t->f.n_out, 0);
}

/* BA-01: the BA goes to the BU's wire source (RH2 = HoA) even when the
 * Alternate Care-of Address names another address, which becomes the
 * binding's care-of address (BU-01, OPT-06). */
static void test_acoa_differs(void **st)
{
	struct t *t = *st;
	start(t);
	const uint8_t *acoa = A("2001:db8:7::100");
	struct bu b = reg(t->coa, t->hoa, acoa, 1, 900);
	send_bu(t, &b, SA, 0);
	clear(t);
	ha_on_timer(t->ha, 1000 * MS);
	const struct ba *ba = last_ba(t);
	assert_memory_equal(ba->dst, t->coa, 16);
	assert_memory_equal(ba->rh2, t->hoa, 16);
	assert_memory_equal(bce_of(t, t->hoa)->coa, acoa, 16);
	clear(t);
	assert_true(intercepts(t, 2 * SEC));
	assert_memory_equal(t->f.out[0].pkt + 24, acoa, 16);
}

static size_t tunnel_pkt(uint8_t *out, const char *outer_src, const char *inner_src)
{
	uint8_t inner[64];
	size_t in = tu_pkt(inner, sizeof(inner), inner_src, TU_CN, IP6P_NONE, "");
	char body[200];
	size_t o = 0;
	for (size_t i = 0; i < in; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, "%02x", inner[i]);
	return tu_pkt(out, 128, outer_src, TU_HA, IP6P_IPV6, body);
}

/* HA-08: reverse tunnel only from the primary care-of address, unless an
 * ESP tunnel SA protected it. */
static void test_reverse_tunnel(void **st)
{
	struct t *t = *st;
	start(t);
	uint64_t now = registered(t, 1, 900, 0);
	uint8_t pkt[128];
	size_t n = tunnel_pkt(pkt, TU_COA, TU_HOA);
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now), 40);
	const struct m6_event *ev = expect_ev(t, M6_EV_TUNNEL_DECAP);
	assert_memory_equal(ev->peer, t->hoa, 16);
	clear(t);
	n = tunnel_pkt(pkt, "2001:db8:6::1", TU_HOA);
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now), M6_E_TUNNEL_SRC);
	assert_int_equal(t->f.n_ev, 0);
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, SA, now), 40);
	n = tunnel_pkt(pkt, TU_COA, "2001:db8:1::99");   /* no binding for that inner source */
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now), M6_E_TUNNEL_SRC);
	/* an ESP tunnel SA that already removed the outer header */
	n = tu_pkt(pkt, sizeof(pkt), TU_HOA, TU_CN, IP6P_NONE, "");
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, SA, now), 0);
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now), M6_E_TUNNEL_INNER);
}

/* INT-04, 3776-11: the tunnel's endpoint at the mobile node is the primary
 * care-of address of the binding, and only an IPsec-protected home
 * registration moves it. From a new address X: a reverse-tunnelled packet
 * (refused, HA-08), an unprotected BU with H (dropped), and a BU without H
 * as a correspondent registration authorised by return routability would
 * be (no correspondent role here: refused) leave the tunnel where it was;
 * the protected BU from X moves it. */
static void test_tunnel_endpoint_moves_only_on_protected_bu(void **st)
{
	struct t *t = *st;
	start(t);
	uint64_t now = registered(t, 1, 900, 0);
	const uint8_t *x = A("2001:db8:6::1");
	uint8_t pkt[128], data[128];
	size_t dn = tu_pkt(data, sizeof(data), TU_CN, TU_HOA, IP6P_UDP, "1234 5678 0008 0000");
	size_t n = tunnel_pkt(pkt, "2001:db8:6::1", TU_HOA);
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now), M6_E_TUNNEL_SRC);
	struct bu clear_h = reg(x, t->hoa, x, 2, 900);
	send_bu(t, &clear_h, NULL, now);
	struct bu rr = reg(x, t->hoa, x, 3, 900);
	rr.flags = MH_BU_A;
	send_bu(t, &rr, NULL, now);
	assert_memory_equal(bce_of(t, t->hoa)->coa, t->coa, 16);
	clear(t);
	assert_true(ha_intercept(t->ha, data, dn, now));
	assert_memory_equal(t->f.out[0].pkt + 24, t->coa, 16);
	clear(t);
	struct bu good = reg(x, t->hoa, x, 4, 900);
	send_bu(t, &good, SA, now);
	assert_int_equal(ba_status(t), 0);
	clear(t);
	assert_true(ha_intercept(t->ha, data, dn, now));
	assert_memory_equal(t->f.out[0].pkt + 24, x, 16);
	/* and the reverse tunnel is now expected from X, no longer from the old one */
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now), 40);
	n = tunnel_pkt(pkt, TU_COA, TU_HOA);
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now), M6_E_TUNNEL_SRC);
}

/* The guard: once the binding is gone (expiry or delete), clear tunnelled
 * packets from the last seen care-of address are refused as such. */
static void test_former_coa_guard(void **st)
{
	struct t *t = *st;
	start(t);
	uint64_t now = registered(t, 1, 10, 0);          /* 40 s */
	uint8_t pkt[128];
	size_t n = tunnel_pkt(pkt, TU_COA, TU_HOA);
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now), 40);
	ha_on_timer(t->ha, now + 40 * SEC);
	assert_null(bce_of(t, t->hoa));
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now + 100 * SEC), M6_E_FORMER_COA);
	size_t n2 = tunnel_pkt(pkt, "2001:db8:6::1", TU_HOA);
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n2, NULL, now + 100 * SEC), M6_E_TUNNEL_SRC);
	/* and after a de-registration, also once the 10 s entry is gone */
	start(t);
	now = registered(t, 1, 900, 0);
	home_bu(t, 2, 0, 0, now);
	assert_int_equal(ba_status(t), 0);
	n = tunnel_pkt(pkt, TU_COA, TU_HOA);
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now + SEC), M6_E_FORMER_COA);
	ha_on_timer(t->ha, now + 20 * SEC);
	assert_null(bce_of(t, t->hoa));
	assert_int_equal(ha_input_tunnel(t->ha, pkt, n, NULL, now + 30 * SEC), M6_E_FORMER_COA);
}

/* HA-03, HA-04, timers: the binding expires at DAD completion + lifetime,
 * not a nanosecond earlier, with an event; interception stops. */
static void test_expiry(void **st)
{
	struct t *t = *st;
	start(t);
	uint64_t now = registered(t, 1, 10, 3 * SEC);    /* done at 4 s, 40 s */
	assert_int_equal(now, 4 * SEC);
	assert_int_equal(ha_next_expiry(t->ha), 44 * SEC);
	ha_on_timer(t->ha, 44 * SEC - 1);
	assert_int_equal(t->f.n_ev, 0);
	ha_on_timer(t->ha, 44 * SEC);
	assert_int_equal(t->f.n_ev, 1);
	const struct m6_event *ev = &t->f.ev[0];
	assert_int_equal(ev->type, M6_EV_BINDING_EXPIRED);
	assert_memory_equal(ev->peer, t->hoa, 16);
	assert_memory_equal(ev->addr, t->coa, 16);
	assert_int_equal(ha_next_expiry(t->ha), MIP6_NEVER);
	assert_false(intercepts(t, 44 * SEC));
	/* a new BU is a first registration again */
	clear(t);
	home_bu(t, 2, 10, 0, 50 * SEC);
	expect_ev(t, M6_EV_DAD_STARTED);
}

/* Configuration errors. */
static void test_new(void **st)
{
	struct t *t = *st;
	t->io = (struct mip6_io){ .ctx = &t->f, .send = f_send, .event = f_event, .random = NULL };
	struct ha_cfg c = t->cfg;
	c.max_bindings = 0;
	assert_null(ha_new(&c, &t->io));
	c = t->cfg;
	c.plen = 129;
	assert_null(ha_new(&c, &t->io));
	t->ha = ha_new(&t->cfg, &t->io);                 /* no random: fixed hash key */
	assert_non_null(t->ha);
}

#define TC(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TC(test_first_registration),
		TC(test_dad_defended),
		TC(test_seq_window),
		TC(test_reg_type_change),
		TC(test_not_home_subnet),
		TC(test_reject_rate_limited),
		TC(test_full),
		TC(test_dereg_then_old_seq),
		TC(test_prefix_lifetime),
		TC(test_k_matrix),
		TC(test_bra),
		TC(test_unprotected),
		TC(test_bad_coa),
		TC(test_bad_checksum),
		TC(test_mh04_proto),
		TC(test_mh05_hlen),
		TC(test_mh06_be),
		TC(test_proxy_nd),
		TC(test_link_local_l),
		TC(test_bu_during_dad),
		TC(test_intercept),
		TC(test_link_local_unreachable),
		TC(test_acoa_differs),
		TC(test_reverse_tunnel),
		TC(test_tunnel_endpoint_moves_only_on_protected_bu),
		TC(test_former_coa_guard),
		TC(test_expiry),
		TC(test_new),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

