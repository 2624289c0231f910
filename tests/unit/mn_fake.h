/*
 * mn_fake — the mobile node tests' world: a fake mip6_io that captures
 * what the engine sends and the events it raises, draws "random" octets
 * from a fixed xorshift stream, and helpers to play router, home agent and
 * correspondent at chosen virtual times. Included by each test_mn*.c.
 */
#ifndef MIP6SEC_MN_FAKE_H
#define MIP6SEC_MN_FAKE_H

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
	/* home registration changes (mip6_io.binding): how many, the last one */
	unsigned n_bind;
	struct {
		uint8_t hoa[16], old_coa[16], new_coa[16];
		bool has_old, has_new;
	} bind;
} F;

static uint8_t HOA[16], HA[16], CN[16], COA[16], COA_2[16], ROUTER[16];
static const struct ipsec_sa fake_sa;   /* "arrived protected" */

static inline void io_send(void *ctx, const uint8_t *p, size_t len)
{
	(void)ctx;
	assert_true(F.n_pkt < CAP_PKTS);
	assert_true(len <= sizeof(F.pkt[0].b));
	struct cap *c = &F.pkt[F.n_pkt++];
	c->t = F.now;
	c->len = len;
	memcpy(c->b, p, len);
}

static inline void io_event(void *ctx, struct m6_event *ev)
{
	(void)ctx;
	assert_true(F.n_ev < CAP_EVS);
	F.ev[F.n_ev] = *ev;
	F.ev[F.n_ev++].time = F.now;
}

static inline void io_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		F.rnd ^= F.rnd << 13;
		F.rnd ^= F.rnd >> 7;
		F.rnd ^= F.rnd << 17;
		out[i] = (uint8_t)F.rnd;
	}
}

static inline void io_binding(void *ctx, const uint8_t hoa[16], const uint8_t *old_coa, const uint8_t *new_coa,
			      bool k, uint32_t lifetime_s)
{
	(void)ctx;
	(void)k;
	(void)lifetime_s;
	F.n_bind++;
	memcpy(F.bind.hoa, hoa, 16);
	if ((F.bind.has_old = old_coa != NULL))
		memcpy(F.bind.old_coa, old_coa, 16);
	if ((F.bind.has_new = new_coa != NULL))
		memcpy(F.bind.new_coa, new_coa, 16);
}

static const struct mip6_io IO = { .ctx = NULL, .send = io_send, .event = io_event, .random = io_random,
				   .binding = io_binding };

static inline void reset_capture(void)
{
	F.n_pkt = 0;
	F.n_ev = 0;
}

/* a new scenario at time 0 */
static inline void fresh(void)
{
	reset_capture();
	F.now = 0;
}

static inline int setup(void **s)
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

static inline struct mn *mk_mn(bool ro, bool k, uint32_t first_reg_ms, uint32_t lifetime_s)
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

static inline void ra(struct mn *mn, const char *pfx, uint32_t valid_s)
{
	uint8_t p[16];
	tu_addr(pfx, p);
	mn_input_ra(mn, p, 64, valid_s, ROUTER, F.now);
}

/* Fire every timer up to and including t. */
static inline void run_until(struct mn *mn, uint64_t t)
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

static inline void pk_parse(struct pk *k, const struct cap *c)
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
static inline int find_mh(uint8_t type, unsigned nth, struct pk *k)
{
	for (unsigned i = 0; i < F.n_pkt; i++) {
		pk_parse(k, &F.pkt[i]);
		if (k->is_mh && k->m.type == type && nth-- == 0)
			return (int)i;
	}
	return -1;
}

static inline unsigned count_mh(uint8_t type)
{
	struct pk k;
	unsigned n = 0;
	for (unsigned i = 0; i < F.n_pkt; i++) {
		pk_parse(&k, &F.pkt[i]);
		n += k.is_mh && k.m.type == type;
	}
	return n;
}

static inline int last_mh(uint8_t type, struct pk *k)
{
	unsigned n = count_mh(type);
	return n ? find_mh(type, n - 1, k) : -1;
}

static inline unsigned count_ev(enum m6_ev_type t)
{
	unsigned n = 0;
	for (unsigned i = 0; i < F.n_ev; i++)
		n += F.ev[i].type == t;
	return n;
}

static inline const struct m6_event *last_ev(enum m6_ev_type t)
{
	for (unsigned i = F.n_ev; i-- > 0;)
		if (F.ev[i].type == t)
			return &F.ev[i];
	return NULL;
}

static inline bool dropped_with(int code)
{
	for (unsigned i = 0; i < F.n_ev; i++)
		if (F.ev[i].type == M6_EV_DROP && F.ev[i].code == code)
			return true;
	return false;
}

/* ---- playing HA and CN ---- */

static inline void inject(struct mn *mn, const uint8_t *src, const uint8_t *dst, const uint8_t *rh2,
		   const struct mh_msg *m, const struct ipsec_sa *sa, bool via_tunnel)
{
	static uint8_t b[512];
	int n = mip6_build_mh(b, sizeof(b), src, dst, NULL, rh2, m);
	assert_true(n > 0);
	struct ip6_walk w;
	assert_int_equal(ip6_walk(b, (size_t)n, IP6W_HAO_KNOWN, &w), 0);
	mn_input_mh(mn, b, (size_t)n, &w, sa, via_tunnel, F.now);
}

static inline void mh_init(struct mh_msg *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->proto = IP6P_NONE;
	m->type = type;
}

/* A BA from the HA, to the CoA with an RH2 while away, to the HoA at home. */
static inline void ba_from_ha(struct mn *mn, uint8_t status, uint16_t seq, uint32_t life_s, bool k,
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

static inline uint16_t last_bu_seq(void)
{
	struct pk k;
	assert_true(last_mh(MH_BU, &k) >= 0);
	return k.m.seq;
}

/* Boot, attach to R1, register; returns with the BA processed at now. */
static inline struct mn *registered_mn(bool ro, bool k)
{
	struct mn *mn = mk_mn(ro, k, 0, 3600);
	ra(mn, R1_PFX, 86400);
	F.now += 100 * MS;
	ba_from_ha(mn, 0, last_bu_seq(), 3600, k, &fake_sa);
	assert_true(mn_registered(mn));
	return mn;
}

static inline size_t app_pkt(uint8_t *b, size_t cap, const char *src, const char *dst)
{
	/* UDP 1234 -> 5678, 4 octets of data, checksum left as the app made it */
	return tu_pkt(b, cap, src, dst, IP6P_UDP, "04d2 162e 000c 0000 deadbeef");
}

/* ---- independent RR crypto (OpenSSL directly, not rr.c) ---- */

static inline void t_kbm(const uint8_t ht[8], const uint8_t ct[8], uint8_t kbm[20])
{
	uint8_t b[16];
	unsigned int l = 0;
	memcpy(b, ht, 8);
	memcpy(b + 8, ct, 8);
	assert_int_equal(EVP_Digest(b, 16, kbm, &l, EVP_sha1(), NULL), 1);
	assert_int_equal(l, 20);
}

/* First96(HMAC_SHA1(Kbm, CoA | CN | MH with checksum 0, minus the last 12 octets)) */
static inline void t_auth(const uint8_t kbm[20], const uint8_t coa[16], const uint8_t cn[16], const uint8_t *mh,
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


#endif
