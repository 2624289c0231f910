/* Mobile node (RFC 6275 11) and the Binding Update List helpers. A fake I/O
 * captures what the engine sends; the tests play router, HA and CN at
 * chosen virtual times. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tu.h"

#include "ipsec/sa.h"
#include "mip6/bul.h"
#include "mip6/mip6.h"
#include "mip6/mn.h"
#include "pkt/mh.h"

#define MS MIP6_NS_PER_MS
#define SEC MIP6_NS_PER_S
#define CAP_PKTS 256
#define CAP_EVS 1024

#define HOME_PFX "2001:db8:1::"
#define R1_PFX "2001:db8:2::"
#define R2_PFX "2001:db8:4::"
#define COA2 "2001:db8:4::100"

struct cap {
	uint64_t t;
	size_t len;
	uint8_t b[2200];
};

static struct {
	uint64_t now;
	unsigned n_pkt, n_ev;
	struct cap pkt[CAP_PKTS];
	struct m6_event ev[CAP_EVS];
	uint64_t rnd;
} F;

static uint8_t HOA[16], HA[16], CN[16], COA[16], COA_2[16], ROUTER[16];
static const struct ipsec_sa fake_sa;   /* "arrived protected" */

static void io_send(void *ctx, const uint8_t *p, size_t len)
{
	(void)ctx;
	assert_true(F.n_pkt < CAP_PKTS);
	assert_true(len <= sizeof(F.pkt[0].b));
	struct cap *c = &F.pkt[F.n_pkt++];
	c->t = F.now;
	c->len = len;
	memcpy(c->b, p, len);
}

static void io_event(void *ctx, struct m6_event *ev)
{
	(void)ctx;
	assert_true(F.n_ev < CAP_EVS);
	F.ev[F.n_ev] = *ev;
	F.ev[F.n_ev++].time = F.now;
}

static void io_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		F.rnd ^= F.rnd << 13;
		F.rnd ^= F.rnd >> 7;
		F.rnd ^= F.rnd << 17;
		out[i] = (uint8_t)F.rnd;
	}
}

static const struct mip6_io IO = { .ctx = NULL, .send = io_send, .event = io_event, .random = io_random };

static void reset_capture(void)
{
	F.n_pkt = 0;
	F.n_ev = 0;
}

/* a new scenario at time 0 */
static void fresh(void)
{
	reset_capture();
	F.now = 0;
}

static int setup(void **s)
{
	(void)s;
	memset(&F, 0, sizeof(F));
	F.rnd = 0x9e3779b97f4a7c15ull;
	tu_addr(TU_HOA, HOA);
	tu_addr(TU_HA, HA);
	tu_addr(TU_CN, CN);
	tu_addr(TU_COA, COA);
	tu_addr(COA2, COA_2);
	tu_addr("fe80::1", ROUTER);
	return 0;
}

static struct mn *mk_mn(bool ro, bool k, uint32_t first_reg_ms, uint32_t lifetime_s)
{
	struct mn_cfg c;
	memset(&c, 0, sizeof(c));
	memcpy(c.hoa, HOA, 16);
	tu_addr(HOME_PFX, c.home_prefix);
	c.home_plen = 64;
	memcpy(c.ha, HA, 16);
	memcpy(c.iid, HOA + 8, 8);   /* ::100 */
	c.lifetime_s = lifetime_s;
	c.first_reg_timeout_ms = first_reg_ms;
	c.k_capable = k;
	c.route_optimisation = ro;
	if (ro) {
		c.n_cn = 1;
		memcpy(c.cn[0], CN, 16);
	}
	struct mn *mn = mn_new(&c, &IO);
	assert_non_null(mn);
	return mn;
}

static void ra(struct mn *mn, const char *pfx, uint32_t valid_s)
{
	uint8_t p[16];
	tu_addr(pfx, p);
	mn_input_ra(mn, p, 64, valid_s, ROUTER, F.now);
}

/* Fire every timer up to and including t. */
static void run_until(struct mn *mn, uint64_t t)
{
	for (int guard = 0; guard < 10000; guard++) {
		uint64_t e = mn_next_expiry(mn);
		if (e > t)
			break;
		F.now = e;
		mn_on_timer(mn, e);
	}
	F.now = t;
}

/* ---- parsing what the MN sent ---- */

struct pk {
	const uint8_t *p;
	struct ip6_walk w;            /* outer */
	bool tunnel;
	struct ip6_walk iw;           /* inner, when tunnelled */
	const uint8_t *mp;            /* packet holding the MH (inner when tunnelled) */
	const struct ip6_walk *mw;
	bool is_mh;
	const uint8_t *mh;
	size_t mhlen;
	struct mh_msg m;
};

static void pk_parse(struct pk *k, const struct cap *c)
{
	memset(k, 0, sizeof(*k));
	k->p = c->b;
	assert_int_equal(ip6_walk(c->b, c->len, IP6W_HAO_KNOWN, &k->w), 0);
	k->mp = c->b;
	k->mw = &k->w;
	if (k->w.proto == IP6P_IPV6) {
		k->tunnel = true;
		k->mp = c->b + k->w.proto_off;
		assert_int_equal(ip6_walk(k->mp, c->len - k->w.proto_off, IP6W_HAO_KNOWN, &k->iw), 0);
		k->mw = &k->iw;
	}
	if (k->mw->proto != IP6P_MH)
		return;
	k->is_mh = true;
	k->mh = k->mp + k->mw->proto_off;
	k->mhlen = k->mw->end - k->mw->proto_off;
	uint8_t s[16], d[16];
	ip6_walk_pseudo(k->mw, k->mp, s, d);
	assert_true(mh_verify_checksum(k->mh, k->mhlen, s, d));   /* MH-03 */
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(mh_parse(k->mh, k->mhlen, &k->m, &ds, 0), 0);
}

/* Index of the n-th (0-based) captured MH of a type, or -1. */
static int find_mh(uint8_t type, unsigned nth, struct pk *k)
{
	for (unsigned i = 0; i < F.n_pkt; i++) {
		pk_parse(k, &F.pkt[i]);
		if (k->is_mh && k->m.type == type && nth-- == 0)
			return (int)i;
	}
	return -1;
}

static unsigned count_mh(uint8_t type)
{
	struct pk k;
	unsigned n = 0;
	for (unsigned i = 0; i < F.n_pkt; i++) {
		pk_parse(&k, &F.pkt[i]);
		n += k.is_mh && k.m.type == type;
	}
	return n;
}

static int last_mh(uint8_t type, struct pk *k)
{
	unsigned n = count_mh(type);
	return n ? find_mh(type, n - 1, k) : -1;
}

static unsigned count_ev(enum m6_ev_type t)
{
	unsigned n = 0;
	for (unsigned i = 0; i < F.n_ev; i++)
		n += F.ev[i].type == t;
	return n;
}

static const struct m6_event *last_ev(enum m6_ev_type t)
{
	for (unsigned i = F.n_ev; i-- > 0;)
		if (F.ev[i].type == t)
			return &F.ev[i];
	return NULL;
}

static bool dropped_with(int code)
{
	for (unsigned i = 0; i < F.n_ev; i++)
		if (F.ev[i].type == M6_EV_DROP && F.ev[i].code == code)
			return true;
	return false;
}

/* ---- playing HA and CN ---- */

static void inject(struct mn *mn, const uint8_t *src, const uint8_t *dst, const uint8_t *rh2,
		   const struct mh_msg *m, const struct ipsec_sa *sa, bool via_tunnel)
{
	static uint8_t b[512];
	int n = mip6_build_mh(b, sizeof(b), src, dst, NULL, rh2, m);
	assert_true(n > 0);
	struct ip6_walk w;
	assert_int_equal(ip6_walk(b, (size_t)n, IP6W_HAO_KNOWN, &w), 0);
	mn_input_mh(mn, b, (size_t)n, &w, sa, via_tunnel, F.now);
}

static void mh_init(struct mh_msg *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->proto = IP6P_NONE;
	m->type = type;
}

/* A BA from the HA, to the CoA with an RH2 while away, to the HoA at home. */
static void ba_from_ha(struct mn *mn, uint8_t status, uint16_t seq, uint32_t life_s, bool k,
		       const struct ipsec_sa *sa)
{
	struct mh_msg m;
	mh_init(&m, MH_BA);
	m.status = status;
	m.seq = seq;
	m.lifetime = mh_lifetime_units(life_s);
	m.flags = k ? MH_BA_K : 0;
	const uint8_t *coa = mn_coa(mn);
	bool home = memcmp(coa, HOA, 16) == 0;
	inject(mn, HA, coa, home ? NULL : HOA, &m, sa, false);
}

static uint16_t last_bu_seq(void)
{
	struct pk k;
	assert_true(last_mh(MH_BU, &k) >= 0);
	return k.m.seq;
}

/* Boot, attach to R1, register; returns with the BA processed at now. */
static struct mn *registered_mn(bool ro, bool k)
{
	struct mn *mn = mk_mn(ro, k, 0, 3600);
	ra(mn, R1_PFX, 86400);
	F.now += 100 * MS;
	ba_from_ha(mn, 0, last_bu_seq(), 3600, k, &fake_sa);
	assert_true(mn_registered(mn));
	return mn;
}

static size_t app_pkt(uint8_t *b, size_t cap, const char *src, const char *dst)
{
	/* UDP 1234 -> 5678, 4 octets of data, checksum left as the app made it */
	return tu_pkt(b, cap, src, dst, IP6P_UDP, "04d2 162e 000c 0000 deadbeef");
}

/* ---- independent RR crypto (OpenSSL directly, not rr.c) ---- */

static void t_kbm(const uint8_t ht[8], const uint8_t ct[8], uint8_t kbm[20])
{
	uint8_t b[16];
	unsigned int l = 0;
	memcpy(b, ht, 8);
	memcpy(b + 8, ct, 8);
	assert_int_equal(EVP_Digest(b, 16, kbm, &l, EVP_sha1(), NULL), 1);
	assert_int_equal(l, 20);
}

/* First96(HMAC_SHA1(Kbm, CoA | CN | MH with checksum 0, minus the last 12 octets)) */
static void t_auth(const uint8_t kbm[20], const uint8_t coa[16], const uint8_t cn[16], const uint8_t *mh,
		   size_t mlen, uint8_t out[12])
{
	static uint8_t d[2200];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int l = 0;
	memcpy(d, coa, 16);
	memcpy(d + 16, cn, 16);
	memcpy(d + 32, mh, mlen - 12);
	d[32 + 4] = d[32 + 5] = 0;
	assert_non_null(HMAC(EVP_sha1(), kbm, 20, d, 32 + mlen - 12, md, &l));
	memcpy(out, md, 12);
}

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
	for (int k = 0; k <= 1; k++) {
		reset_capture();
		struct mn *mn = mk_mn(false, k, 0, 3600);
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
		assert_false(p.m.flags & MH_BU_L);
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
		cmocka_unit_test_setup(test_rr_and_cn_binding, setup),
		cmocka_unit_test_setup(test_rr_retransmit, setup),
		cmocka_unit_test_setup(test_cn_nonce_expiry_and_refresh, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
