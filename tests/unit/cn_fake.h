/*
 * cn_fake — the correspondent tests' world: a fake mip6_io that captures
 * packets and events and draws "random" octets from a fixed stream (each
 * draw logged, so a test can recompute Kcn and nonces), and the mobile
 * node's side of return routability built independently of cn.c.
 * Included by each test_cn*.c.
 */
#ifndef MIP6SEC_CN_FAKE_H
#define MIP6SEC_CN_FAKE_H

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
	size_t n_draws;               /* each io->random call: where and how much */
	struct { uint64_t off; size_t n; } draws[64];
} F;

static inline void f_send(void *ctx, const uint8_t *p, size_t n)
{
	(void)ctx;
	assert_true(F.n_pkts < MAXPKT);
	assert_true(n <= sizeof(F.pkt[0]));
	memcpy(F.pkt[F.n_pkts], p, n);
	F.len[F.n_pkts++] = n;
}

static inline void f_event(void *ctx, struct m6_event *e)
{
	(void)ctx;
	assert_true(F.n_ev < MAXEV);
	F.ev[F.n_ev++] = *e;
}

/* Octet i of the stream: deterministic, and not a pattern a bug could fake. */
static inline uint8_t stream_octet(uint64_t i)
{
	uint64_t z = (i / 8 + 1) * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (uint8_t)(z >> (8 * (i % 8)));
}

static inline void f_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	if (F.n_draws < sizeof(F.draws) / sizeof(F.draws[0])) {
		F.draws[F.n_draws].off = F.rnd;
		F.draws[F.n_draws++].n = n;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = stream_octet(F.rnd++);
}

/* The octets of the k-th draw of exactly n octets (Kcn: 20, nonces: 8). */
static inline void drawn(unsigned k, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < F.n_draws; i++) {
		if (F.draws[i].n != n || k--)
			continue;
		for (size_t j = 0; j < n; j++)
			out[j] = stream_octet(F.draws[i].off + j);
		return;
	}
	fail_msg("no draw %u of %zu octets", k, n);
}

static const struct mip6_io fio = { .ctx = NULL, .send = f_send, .event = f_event, .random = f_random };

static inline void clear(void)
{
	F.n_pkts = 0;
	F.n_ev = 0;
}

static inline size_t count_ev(enum m6_ev_type t)
{
	size_t n = 0;
	for (size_t i = 0; i < F.n_ev; i++)
		n += F.ev[i].type == t;
	return n;
}

static inline const struct m6_event *last_ev(enum m6_ev_type t)
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

static inline void addrs(void)
{
	tu_addr(TU_CN, A_CN);
	tu_addr(TU_HOA, A_HOA);
	tu_addr("2001:db8:1::200", A_HOA2);
	tu_addr(TU_COA, A_COA);
	tu_addr("2001:db8:4::100", A_COA2);
	tu_addr("2001:db8:2::200", A_ACOA);
	tu_addr("ff02::1", A_MCAST);
}

static inline void make(unsigned kept, size_t max_bindings)
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

static inline int setup(void **s)
{
	(void)s;
	addrs();
	make(0, 0);
	return 0;
}

static inline int teardown(void **s)
{
	(void)s;
	cn_free(cn);
	cn = NULL;
	return 0;
}

static inline void input(uint8_t *pkt, size_t len)
{
	struct ip6_walk w;
	assert_int_equal(ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w), 0);
	cn_input_mh(cn, pkt, len, &w, NULL, now);
}

/* A fresh capture, then the packet into the engine. */
static inline void feed(uint8_t *pkt, size_t len)
{
	clear();
	input(pkt, len);
}

/* Captured packet i as IPv6 + MH: checks the MH checksum with the RFC
 * pseudo-header (MH-03) and that it parses cleanly. */
static inline void get_mh(size_t i, struct ip6_walk *w, struct mh_msg *m, const uint8_t **mh, size_t *mlen)
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

static inline size_t build_plain_mh(uint8_t *out, const uint8_t *src, const uint8_t *dst, const uint8_t *hao,
			     const struct mh_msg *m)
{
	int n = mip6_build_mh(out, 2048, src, dst, hao, NULL, m);
	assert_true(n > 0);
	return (size_t)n;
}

/* HoTI (home = true, from the HoA) or CoTI (from coa); returns the index and
 * token of the HoT/CoT after checking its addressing and cookie. */
static inline void test_init(bool home, const uint8_t *addr, uint16_t *idx, uint8_t tok[RR_TOKEN_LEN])
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

static inline void do_rr(struct rrk *k, const uint8_t *hoa, const uint8_t *coa)
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

static inline size_t build_bu(const struct bu_spec *b, uint8_t *out, uint8_t kbm_out[RR_KBM_LEN])
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
static inline size_t bu(uint8_t *out, const struct rrk *k, const uint8_t *hoa, const uint8_t *coa, uint16_t seq,
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
static inline void check_ba(size_t i, const uint8_t *dst, const uint8_t *rh2_hoa, uint8_t status, uint16_t seq,
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

static inline const struct bce *binding(const uint8_t *hoa)
{
	const struct bce *e = bcache_lookup(cn_bcache(cn), hoa);
	return e && e->valid ? e : NULL;
}


#endif
