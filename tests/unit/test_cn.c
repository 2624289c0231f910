/* Correspondent node (RFC 6275 9): the test plays the mobile node against
 * the engine through a fake mip6_io that captures packets and events and
 * draws "random" octets from a fixed stream. Each test cites the conformance
 * items it checks. */
#include "tu.h"
#include "ipsec/sa.h"
#include "mip6/cn.h"
#include "mip6/rr.h"
#include "pkt/mh.h"

#define NS MIP6_NS_PER_S
#define T0 (1000 * NS)
#define MAXPKT 48
#define MAXEV 512

/* ---- fake I/O ---- */

static struct {
	size_t n_pkts;
	size_t len[MAXPKT];
	uint8_t pkt[MAXPKT][2048];
	size_t n_ev;
	struct m6_event ev[MAXEV];
	uint64_t rnd;                 /* position in the random stream */
} F;

static void f_send(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	assert_true(F.n_pkts < MAXPKT);
	assert_true(n <= sizeof(F.pkt[0]));
	memcpy(F.pkt[F.n_pkts], p, n);
	F.len[F.n_pkts++] = n;
}

static void f_event(void *ctx, struct m6_event *e)
{
	(void)ctx;
	assert_true(F.n_ev < MAXEV);
	F.ev[F.n_ev++] = *e;
}

/* Octet i of the stream: deterministic, and not a pattern a bug could fake. */
static uint8_t stream_octet(uint64_t i)
{
	uint64_t z = (i / 8 + 1) * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (uint8_t)(z >> (8 * (i % 8)));
}

static void f_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		out[i] = stream_octet(F.rnd++);
}

static const struct mip6_io fio = { .ctx = NULL, .send = f_send, .event = f_event, .random = f_random };

static void clear(void)
{
	F.n_pkts = 0;
	F.n_ev = 0;
}

static size_t count_ev(enum m6_ev_type t)
{
	size_t n = 0;
	for (size_t i = 0; i < F.n_ev; i++)
		n += F.ev[i].type == t;
	return n;
}

static const struct m6_event *last_ev(enum m6_ev_type t)
{
	for (size_t i = F.n_ev; i-- > 0;)
		if (F.ev[i].type == t)
			return &F.ev[i];
	return NULL;
}

/* ---- the world ---- */

static uint8_t A_CN[16], A_HOA[16], A_HOA2[16], A_COA[16], A_COA2[16], A_ACOA[16], A_MCAST[16];
static struct cn *cn;
static uint64_t now;

static void addrs(void)
{
	tu_addr(TU_CN, A_CN);
	tu_addr(TU_HOA, A_HOA);
	tu_addr("2001:db8:1::200", A_HOA2);
	tu_addr(TU_COA, A_COA);
	tu_addr("2001:db8:4::100", A_COA2);
	tu_addr("2001:db8:2::200", A_ACOA);
	tu_addr("ff02::1", A_MCAST);
}

static void make(unsigned kept, size_t max_bindings)
{
	struct cn_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.addr, A_CN, 16);
	cfg.nonces_kept = kept;
	cfg.max_bindings = max_bindings;
	memset(&F, 0, sizeof(F));
	now = T0;
	cn = cn_new(&cfg, &fio, now);
	assert_non_null(cn);
}

static int setup(void **s)
{
	(void)s;
	addrs();
	make(0, 0);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	cn_free(cn);
	cn = NULL;
	return 0;
}

static void input(uint8_t *pkt, size_t len)
{
	struct ip6_walk w;
	assert_int_equal(ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w), 0);
	cn_input_mh(cn, pkt, len, &w, NULL, now);
}

/* A fresh capture, then the packet into the engine. */
static void feed(uint8_t *pkt, size_t len)
{
	clear();
	input(pkt, len);
}

/* Captured packet i as IPv6 + MH: checks the MH checksum with the RFC
 * pseudo-header (MH-03) and that it parses cleanly. */
static void get_mh(size_t i, struct ip6_walk *w, struct mh_msg *m, const uint8_t **mh, size_t *mlen)
{
	struct m6_diags ds;
	uint8_t ps[16], pd[16];
	assert_true(i < F.n_pkts);
	assert_int_equal(ip6_walk(F.pkt[i], F.len[i], IP6W_HAO_KNOWN, w), 0);
	assert_int_equal(w->proto, IP6P_MH);
	*mh = F.pkt[i] + w->proto_off;
	*mlen = w->end - w->proto_off;
	ip6_walk_pseudo(w, F.pkt[i], ps, pd);
	assert_true(mh_verify_checksum(*mh, *mlen, ps, pd));
	m6_diags_init(&ds);
	assert_int_equal(mh_parse(*mh, *mlen, m, &ds, 0), 0);
}

/* ---- the mobile node's side of return routability ---- */

struct rrk {
	uint16_t hidx, cidx;
	uint8_t ht[RR_TOKEN_LEN], ct[RR_TOKEN_LEN];
};

static size_t build_plain_mh(uint8_t *out, const uint8_t *src, const uint8_t *dst, const uint8_t *hao,
			     const struct mh_msg *m)
{
	int n = mip6_build_mh(out, 2048, src, dst, hao, NULL, m);
	assert_true(n > 0);
	return (size_t)n;
}

/* HoTI (home = true, from the HoA) or CoTI (from coa); returns the index and
 * token of the HoT/CoT after checking its addressing and cookie. */
static void test_init(bool home, const uint8_t *addr, uint16_t *idx, uint8_t tok[RR_TOKEN_LEN])
{
	static uint8_t buf[2048];
	struct mh_msg m, r;
	struct ip6_walk w;
	const uint8_t *mh;
	size_t mlen;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = home ? MH_HOTI : MH_COTI;
	for (int i = 0; i < MH_COOKIE_LEN; i++)
		m.cookie[i] = (uint8_t)(0x40 + i + (home ? 0 : 0x20) + (uint8_t)now);
	size_t n = build_plain_mh(buf, addr, A_CN, NULL, &m);
	feed(buf, n);
	assert_int_equal(F.n_pkts, 1);
	get_mh(0, &w, &r, &mh, &mlen);
	assert_int_equal(r.type, home ? MH_HOT : MH_COT);
	assert_int_equal(w.n_ext, 0);           /* RR-04: plain, to the tested address */
	assert_memory_equal(w.hdr.src, A_CN, 16);
	assert_memory_equal(w.hdr.dst, addr, 16);
	assert_memory_equal(r.cookie, m.cookie, MH_COOKIE_LEN);
	const struct m6_event *e = last_ev(home ? M6_EV_HOT_SENT : M6_EV_COT_SENT);
	assert_non_null(e);
	assert_memory_equal(e->peer, addr, 16);
	assert_int_equal(e->code, r.nonce_index);
	*idx = r.nonce_index;
	memcpy(tok, r.token, RR_TOKEN_LEN);
}

static void do_rr(struct rrk *k, const uint8_t *hoa, const uint8_t *coa)
{
	test_init(true, hoa, &k->hidx, k->ht);
	test_init(false, coa, &k->cidx, k->ct);
}

struct bu_spec {
	const uint8_t *src, *hao, *acoa;
	uint16_t seq, flags, units;
	const struct rrk *k;          /* NULL: no Nonce Indices, no BAD */
	bool with_bad;                /* with k: add the BAD (default true via bu()) */
	const uint8_t *kbm;           /* NULL: derived from k (delete when units == 0) */
	const uint8_t *bad_coa;       /* NULL: the registered care-of, the HoA for a delete */
	bool padn_after_bad, corrupt_auth, cksum_with_wire_src;
};

static size_t build_bu(const struct bu_spec *b, uint8_t *out, uint8_t kbm_out[RR_KBM_LEN])
{
	static const uint8_t zero_auth[RR_AUTH_LEN], padn[6];
	uint8_t ni[4], kbm[RR_KBM_LEN];
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = b->seq;
	m.flags = b->flags;
	m.lifetime = b->units;
	if (b->acoa)
		m.opts[m.n_opts++] = (struct mh_opt){ .type = MHO_ACOA, .len = 16, .data = b->acoa };
	if (b->k) {
		m6_put16(ni, b->k->hidx);
		m6_put16(ni + 2, b->k->cidx);
		m.opts[m.n_opts++] = (struct mh_opt){ .type = MHO_NI, .len = 4, .data = ni };
	}
	if (b->k && b->with_bad)
		m.opts[m.n_opts++] = (struct mh_opt){ .type = MHO_BAD, .len = RR_AUTH_LEN, .data = zero_auth };
	if (b->padn_after_bad)
		m.opts[m.n_opts++] = (struct mh_opt){ .type = MHO_PADN, .len = 4, .data = padn };
	int n = mip6_build_mh(out, 2048, b->src, A_CN, b->hao, NULL, &m);
	assert_true(n > 0);
	uint8_t *mh = out + IP6_HDR_LEN + (b->hao ? IP6_HAO_HDR_LEN : 0);
	size_t mlen = (size_t)n - (size_t)(mh - out);
	const uint8_t *hoa = b->hao ? b->hao : b->src;
	const uint8_t *coa = b->acoa ? b->acoa : b->src;
	if (b->k && b->with_bad) {
		struct mh_msg pm;
		struct m6_diags ds;
		m6_diags_init(&ds);
		mh_parse(mh, mlen, &pm, &ds, 0);
		const struct mh_opt *bad = mh_find_opt(&pm, MHO_BAD);
		assert_non_null(bad);
		if (b->kbm)
			memcpy(kbm, b->kbm, RR_KBM_LEN);
		else
			assert_int_equal(rr_kbm(b->k->ht, b->units ? b->k->ct : NULL, kbm), 0);
		const uint8_t *bc = b->bad_coa ? b->bad_coa : b->units ? coa : hoa;
		uint8_t auth[RR_AUTH_LEN];
		assert_int_equal(rr_bad(kbm, bc, A_CN, mh, mlen, (size_t)bad->off + 2, auth), 0);
		if (b->corrupt_auth)
			auth[5] ^= 0x20;
		memcpy(mh + bad->off + 2, auth, RR_AUTH_LEN);
		if (kbm_out)
			memcpy(kbm_out, kbm, RR_KBM_LEN);
	}
	mh_set_checksum(mh, mlen, b->cksum_with_wire_src ? b->src : hoa, A_CN);
	return (size_t)n;
}

/* A route-optimisation BU from coa with a HAO, signed with k. */
static size_t bu(uint8_t *out, const struct rrk *k, const uint8_t *hoa, const uint8_t *coa, uint16_t seq,
		 uint16_t flags, uint16_t units, uint8_t kbm[RR_KBM_LEN])
{
	struct bu_spec b = { .src = coa, .hao = hoa, .seq = seq, .flags = flags, .units = units, .k = k,
			     .with_bad = true };
	return build_bu(&b, out, kbm);
}

/* Build a BU into buf (kept for replays) and feed it. */
#define FEED_BU(...) do { size_t n_ = bu(buf, __VA_ARGS__); feed(buf, n_); } while (0)
#define FEED_SPEC(b, kbm) do { size_t n_ = build_bu((b), buf, (kbm)); feed(buf, n_); } while (0)

/* Check captured packet i is a BA with this status/seq, K = 0, sent to dst
 * with an RH2 holding hoa (or none), with (kbm != NULL) or without a BAD. */
static void check_ba(size_t i, const uint8_t *dst, const uint8_t *rh2_hoa, uint8_t status, uint16_t seq,
		     const uint8_t *kbm, const uint8_t *bad_coa, struct mh_msg *out)
{
	struct ip6_walk w;
	struct mh_msg m;
	const uint8_t *mh;
	size_t mlen;
	get_mh(i, &w, &m, &mh, &mlen);
	assert_int_equal(m.type, MH_BA);
	assert_int_equal(m.status, status);
	assert_int_equal(m.seq, seq);
	assert_int_equal(m.flags & MH_BA_K, 0);                         /* MH-08 */
	assert_memory_equal(w.hdr.src, A_CN, 16);
	assert_memory_equal(w.hdr.dst, dst, 16);                        /* BA-01: wire source */
	assert_int_equal(w.hao_off, -1);
	if (rh2_hoa) {
		assert_non_null(ip6_walk_rh2(&w, F.pkt[i]));
		assert_memory_equal(ip6_walk_rh2(&w, F.pkt[i]), rh2_hoa, 16);
	} else {
		assert_int_equal(w.rh_off, -1);
	}
	const struct mh_opt *bad = mh_find_opt(&m, MHO_BAD);
	if (!kbm) {
		assert_null(bad);                                       /* BA-01 */
	} else {
		uint8_t auth[RR_AUTH_LEN];
		assert_non_null(bad);
		assert_int_equal(bad->off + 2 + RR_AUTH_LEN, mlen);     /* last, no padding */
		assert_int_equal(rr_bad(kbm, bad_coa, A_CN, mh, mlen, mlen - RR_AUTH_LEN, auth), 0);
		assert_memory_equal(auth, bad->data, RR_AUTH_LEN);      /* RR-03 */
	}
	if (out)
		*out = m;
}

static const struct bce *binding(const uint8_t *hoa)
{
	const struct bce *e = bcache_lookup(cn_bcache(cn), hoa);
	return e && e->valid ? e : NULL;
}

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
	/* RR-01: Kcn is the first 20 octets drawn, then the first index, then
	 * the first nonce; the HoT token is First64(HMAC_SHA1(Kcn, HoA|nonce|0)). */
	for (int i = 0; i < RR_KCN_LEN; i++)
		kcn[i] = stream_octet((uint64_t)i);
	for (int i = 0; i < RR_NONCE_LEN; i++)
		nonce[i] = stream_octet((uint64_t)(RR_KCN_LEN + 2 + i));
	assert_int_equal(k.hidx, stream_octet(RR_KCN_LEN) << 8 | stream_octet(RR_KCN_LEN + 1));
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

/* RR-05, BU-04, BA-01: nonces older than MAX_NONCE_LIFETIME give 137 /
 * 136 / 138, without a BAD, and create nothing. */
static void test_expired_nonces(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk old, fresh, mix;
	do_rr(&old, A_HOA, A_COA);
	for (int i = 1; i <= 8; i++) {
		now = T0 + (uint64_t)i * 30 * NS;
		cn_on_timer(cn, now);
	}
	now = T0 + 241 * NS;
	do_rr(&fresh, A_HOA, A_COA);
	assert_int_equal((uint16_t)(fresh.hidx - old.hidx), 8);
	static const struct { bool old_home, old_coa; uint8_t status; } rows[] = {
		{ false, true, MH_BA_EXPIRED_COA_NONCE },
		{ true, false, MH_BA_EXPIRED_HOME_NONCE },
		{ true, true, MH_BA_EXPIRED_NONCES },
	};
	for (int i = 0; i < 3; i++) {
		mix.hidx = rows[i].old_home ? old.hidx : fresh.hidx;
		memcpy(mix.ht, rows[i].old_home ? old.ht : fresh.ht, RR_TOKEN_LEN);
		mix.cidx = rows[i].old_coa ? old.cidx : fresh.cidx;
		memcpy(mix.ct, rows[i].old_coa ? old.ct : fresh.ct, RR_TOKEN_LEN);
		/* without A too: a nonce rejection is always answered (9.5.4) */
		FEED_BU(&mix, A_HOA, A_COA, (uint16_t)(20 + i), 0, 10, NULL);
		assert_int_equal(F.n_pkts, 1);
		check_ba(0, A_COA, A_HOA, rows[i].status, (uint16_t)(20 + i), NULL, NULL, NULL);
		assert_int_equal(last_ev(M6_EV_BA_SENT)->code, rows[i].status);
		assert_int_equal(bcache_count(cn_bcache(cn)), 0);
	}
	/* a delete ignores the care-of index: old care-of, fresh home is fine */
	mix.hidx = fresh.hidx;
	memcpy(mix.ht, fresh.ht, RR_TOKEN_LEN);
	mix.cidx = old.cidx;
	uint8_t kbm[RR_KBM_LEN];
	FEED_BU(&mix, A_HOA, A_COA, 30, MH_BU_A, 0, kbm);
	check_ba(0, A_COA, A_HOA, MH_BA_ACCEPTED, 30, kbm, A_HOA, NULL);
	assert_int_equal(bcache_count(cn_bcache(cn)), 0);      /* BU-06: nothing created */
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

/* RR-05: a new nonce every 30 s on the dot, indices increasing by one,
 * timers catching up when late; the 240 s limit from creation. */
static void test_nonce_rotation(void **s)
{
	(void)s;
	uint16_t i0, i;
	uint8_t t[RR_TOKEN_LEN];
	assert_int_equal(cn_next_expiry(cn), T0 + 30 * NS);
	test_init(true, A_HOA, &i0, t);
	now = T0 + 30 * NS - 1;
	test_init(true, A_HOA, &i, t);
	assert_int_equal(i, i0);
	assert_int_equal(cn_next_expiry(cn), T0 + 30 * NS);
	now = T0 + 30 * NS;
	cn_on_timer(cn, now);
	assert_int_equal(cn_next_expiry(cn), T0 + 60 * NS);
	test_init(true, A_HOA, &i, t);
	assert_int_equal(i, (uint16_t)(i0 + 1));
	/* late: at 95 s without a timer, the nonces of 60 s and 90 s exist */
	now = T0 + 95 * NS;
	test_init(false, A_COA, &i, t);
	assert_int_equal(i, (uint16_t)(i0 + 3));
	assert_int_equal(cn_next_expiry(cn), T0 + 120 * NS);
	/* far behind: only the last 8 are made, the indices still count time */
	now = T0 + 3000 * NS;
	cn_on_timer(cn, now);
	test_init(true, A_HOA, &i, t);
	assert_int_equal(i, (uint16_t)(i0 + 100));
	assert_int_equal(cn_next_expiry(cn), T0 + 3030 * NS);
}

/* RR-05: accepted just before 240 s, refused at 240 s, whether the ring
 * has dropped the nonce (8 kept) or still holds it (16 kept). */
static void test_nonce_lifetime_limit(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	for (int pass = 0; pass < 2; pass++) {
		unsigned kept = pass ? 16 : 0;          /* 16: the ring keeps it; age still refuses */
		struct rrk k;
		struct ip6_walk w;
		struct mh_msg m;
		const uint8_t *mh;
		size_t mlen;
		cn_free(cn);
		make(kept, 0);
		do_rr(&k, A_HOA, A_COA);
		for (now = T0; now < T0 + 240 * NS; now += 10 * NS)
			cn_on_timer(cn, now);
		now = T0 + 240 * NS - 1;
		FEED_BU(&k, A_HOA, A_COA, 1, MH_BU_A, 10, NULL);
		get_mh(0, &w, &m, &mh, &mlen);
		assert_int_equal(m.status, MH_BA_ACCEPTED);
		now = T0 + 240 * NS;
		cn_on_timer(cn, now);
		FEED_BU(&k, A_HOA, A_COA, 2, MH_BU_A, 10, NULL);
		check_ba(0, A_COA, A_HOA, MH_BA_EXPIRED_NONCES, 2, NULL, NULL, NULL);
	}
}

/* BU-06 / 9.6: the binding goes at the end of its lifetime (the timer says
 * when), with an event; its sequence number outlives it as a replay guard. */
static void test_binding_expiry(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk k;
	uint8_t kbm[RR_KBM_LEN];
	do_rr(&k, A_HOA, A_COA);
	size_t n = bu(buf, &k, A_HOA, A_COA, 5, 0, 2, kbm);
	feed(buf, n);
	assert_int_equal(cn_next_expiry(cn), now + 8 * NS);
	now += 8 * NS;
	clear();
	cn_on_timer(cn, now);
	assert_int_equal(count_ev(M6_EV_BINDING_EXPIRED), 1);
	assert_memory_equal(last_ev(M6_EV_BINDING_EXPIRED)->peer, A_HOA, 16);
	assert_null(binding(A_HOA));
	assert_int_equal(cn_next_expiry(cn), T0 + 30 * NS);
	/* the same BU again: refused with 135, not re-created */
	feed(buf, n);
	assert_int_equal(F.n_pkts, 1);
	check_ba(0, A_COA, A_HOA, MH_BA_SEQ_OUT_OF_WINDOW, 5, kbm, A_COA, NULL);
	assert_null(binding(A_HOA));
	/* a newer one re-creates it as a new binding */
	FEED_BU(&k, A_HOA, A_COA, 6, 0, 2, NULL);
	assert_int_equal(count_ev(M6_EV_BINDING_ADDED), 1);
	assert_non_null(binding(A_HOA));
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
		cmocka_unit_test_setup_teardown(test_expired_nonces, setup, teardown),
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
		cmocka_unit_test_setup_teardown(test_nonce_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonce_lifetime_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_full, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
