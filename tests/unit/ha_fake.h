/*
 * ha_fake — the home agent tests' world: a fake mip6_io recording what the
 * HA sends and reports (randomness is a fixed counter), Binding Updates
 * built field by field, BA parsing and Neighbor Discovery packets.
 * Included by each test_ha*.c.
 */
#ifndef MIP6SEC_HA_FAKE_H
#define MIP6SEC_HA_FAKE_H
#include "tu.h"

#include <stdlib.h>

#include "ipsec/sa.h"
#include "mip6/ha.h"
#include "pkt/mh.h"
#include "util/m6_err.h"

#define SEC 1000000000ULL
#define MS 1000000ULL
#define MAXPKT 1500

struct sent {
	size_t len;
	uint8_t pkt[MAXPKT];
};

struct fake {
	struct sent out[32];
	unsigned n_out;
	struct m6_event ev[64];
	unsigned n_ev;
	uint8_t ctr;
};

static inline void f_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct fake *f = ctx;
	assert_true(f->n_out < 32 && len <= MAXPKT);
	memcpy(f->out[f->n_out].pkt, pkt, len);
	f->out[f->n_out++].len = len;
}

static inline void f_event(void *ctx, struct m6_event *ev)
{
	struct fake *f = ctx;
	assert_true(f->n_ev < 64);
	f->ev[f->n_ev++] = *ev;
}

static inline void f_random(void *ctx, uint8_t *out, size_t n)
{
	struct fake *f = ctx;
	for (size_t i = 0; i < n; i++)
		out[i] = f->ctr++;
}

struct t {
	struct fake f;
	struct mip6_io io;
	struct ha_cfg cfg;
	struct ha *ha;
	uint8_t ha_addr[16], hoa[16], coa[16];
};

static const struct ipsec_sa the_sa;   /* only its presence matters to the HA */
#define SA (&the_sa)

static inline void cfg_default(struct ha_cfg *c)
{
	memset(c, 0, sizeof(*c));
	tu_addr(TU_HA, c->addr);
	tu_addr("2001:db8:1::", c->prefix);
	c->plen = 64;
	c->dad_timeout_ms = 1000;
	c->max_bindings = 16;
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	memcpy(c->mac, mac, 6);
}

/* A fresh HA with t->cfg (dropping the previous one and what it sent). */
static inline void start(struct t *t)
{
	ha_free(t->ha);
	t->ha = NULL;
	t->f.n_out = t->f.n_ev = 0;
	t->io = (struct mip6_io){ .ctx = &t->f, .send = f_send, .event = f_event, .random = f_random };
	t->ha = ha_new(&t->cfg, &t->io);
	assert_non_null(t->ha);
}

static inline int setup(void **st)
{
	struct t *t = calloc(1, sizeof(*t));
	cfg_default(&t->cfg);
	tu_addr(TU_HA, t->ha_addr);
	tu_addr(TU_HOA, t->hoa);
	tu_addr(TU_COA, t->coa);
	*st = t;
	return 0;
}

static inline int teardown(void **st)
{
	struct t *t = *st;
	ha_free(t->ha);
	free(t);
	return 0;
}

static inline void clear(struct t *t)
{
	t->f.n_out = 0;
	t->f.n_ev = 0;
}

static inline const struct m6_event *find_ev(const struct t *t, enum m6_ev_type type)
{
	for (unsigned i = 0; i < t->f.n_ev; i++)
		if (t->f.ev[i].type == type)
			return &t->f.ev[i];
	return NULL;
}

static inline const struct m6_event *expect_ev(const struct t *t, enum m6_ev_type type)
{
	const struct m6_event *ev = find_ev(t, type);
	assert_non_null(ev);
	return ev;
}

/* Would a packet CN -> home address be tunnelled? */
static inline bool intercepts(struct t *t, uint64_t now)
{
	uint8_t pkt[64];
	size_t n = tu_pkt(pkt, sizeof(pkt), TU_CN, TU_HOA, IP6P_NONE, "");
	return ha_intercept(t->ha, pkt, n, now);
}

/* An address from text, in one of 8 rotating buffers. */
static inline const uint8_t *A(const char *text)
{
	static uint8_t pool[8][16];
	static unsigned next;
	uint8_t *a = pool[next++ % 8];
	tu_addr(text, a);
	return a;
}

/* A BU as the MN sends it: src, HAO(hoa) unless NULL, ACoA unless NULL. */
struct bu {
	const uint8_t *src, *hoa, *acoa;
	uint16_t seq, flags, lifetime;     /* lifetime in 4 s units */
	uint8_t proto;                     /* 0 = 59 */
	uint8_t type;                      /* 0 = BU */
};

static inline size_t build_bu(struct t *t, const struct bu *b, uint8_t *out, size_t cap)
{
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = b->proto ? b->proto : IP6P_NONE;
	m.type = b->type ? b->type : MH_BU;
	m.seq = b->seq;
	m.flags = b->flags;
	m.lifetime = b->lifetime;
	if (b->acoa) {
		m.opts[0] = (struct mh_opt){ .type = MHO_ACOA, .len = 16, .data = b->acoa };
		m.n_opts = 1;
	}
	int n = mip6_build_mh(out, cap, b->src, t->ha_addr, b->hoa, NULL, &m);
	assert_true(n > 0);
	return (size_t)n;
}

static inline void feed(struct t *t, const uint8_t *pkt, size_t len, const struct ipsec_sa *sa, uint64_t now)
{
	struct ip6_walk w;
	assert_int_equal(ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w), 0);
	ha_input_mh(t->ha, pkt, len, &w, sa, now);
}

static inline void send_bu(struct t *t, const struct bu *b, const struct ipsec_sa *sa, uint64_t now)
{
	uint8_t pkt[256];
	size_t n = build_bu(t, b, pkt, sizeof(pkt));
	feed(t, pkt, n, sa, now);
}

#define HREG (MH_BU_A | MH_BU_H)

static inline struct bu reg(const uint8_t *src, const uint8_t *hoa, const uint8_t *acoa, uint16_t seq, uint16_t lifetime)
{
	return (struct bu){ .src = src, .hoa = hoa, .acoa = acoa, .seq = seq, .flags = HREG, .lifetime = lifetime };
}

/* The usual home registration: from the CoA with HAO, ACoA, H, A. */
static inline void home_bu(struct t *t, uint16_t seq, uint16_t lifetime, uint16_t extra, uint64_t now)
{
	struct bu b = { .src = t->coa, .hoa = t->hoa, .acoa = t->coa, .seq = seq,
			.flags = MH_BU_A | MH_BU_H | extra, .lifetime = lifetime };
	send_bu(t, &b, SA, now);
}

struct ba {
	uint8_t src[16], dst[16];
	bool has_rh2;
	uint8_t rh2[16];
	struct mh_msg m;
};

/* Parse a sent BA the way the MN would (BA-01 layout). */
static inline void parse_ba(const struct sent *s, struct ba *ba)
{
	struct ip6_walk w;
	assert_int_equal(ip6_walk(s->pkt, s->len, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.proto, IP6P_MH);
	memcpy(ba->src, w.hdr.src, 16);
	memcpy(ba->dst, w.hdr.dst, 16);
	const uint8_t *rh2 = ip6_walk_rh2(&w, s->pkt);
	ba->has_rh2 = rh2 != NULL;
	if (rh2)
		memcpy(ba->rh2, rh2, 16);
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(mh_parse(s->pkt + w.proto_off, w.end - w.proto_off, &ba->m, &ds, 0), 0);
	assert_int_equal(ba->m.type, MH_BA);
	uint8_t ps[16], pd[16];
	ip6_walk_pseudo(&w, s->pkt, ps, pd);
	assert_true(mh_verify_checksum(s->pkt + w.proto_off, w.end - w.proto_off, ps, pd));
}

/* The single BA among what was sent / the last thing sent, parsed. */
static inline const struct ba *only_ba(struct t *t)
{
	static struct ba ba;
	assert_int_equal(t->f.n_out, 1);
	parse_ba(&t->f.out[0], &ba);
	return &ba;
}

static inline const struct ba *last_ba(struct t *t)
{
	static struct ba ba;
	assert_true(t->f.n_out > 0);
	parse_ba(&t->f.out[t->f.n_out - 1], &ba);
	return &ba;
}

static inline uint8_t ba_status(struct t *t)
{
	return only_ba(t)->m.status;
}

/* The single BA sent, with this status and sequence number. */
static inline const struct ba *expect_ba(struct t *t, uint8_t status, uint16_t seq)
{
	const struct ba *ba = only_ba(t);
	assert_int_equal(ba->m.status, status);
	assert_int_equal(ba->m.seq, seq);
	return ba;
}

static inline struct bce *bce_of(struct t *t, const uint8_t hoa[16])
{
	return bcache_lookup(ha_bcache(t->ha), hoa);
}

static inline void expect_drop(struct t *t, int reason)
{
	const struct m6_event *ev = expect_ev(t, M6_EV_DROP);
	assert_int_equal(ev->code, reason);
}

/* Register (first registration, DAD passes): returns the time it completed. */
static inline uint64_t registered(struct t *t, uint16_t seq, uint16_t lifetime, uint64_t now)
{
	home_bu(t, seq, lifetime, 0, now);
	now += 1000 * MS;
	assert_int_equal(ha_next_expiry(t->ha), now);
	ha_on_timer(t->ha, now);
	struct bce *e = bce_of(t, t->hoa);
	assert_non_null(e);
	assert_true(e->valid);
	clear(t);
	return now;
}

static inline size_t nd_pkt(uint8_t *out, const char *src, const char *dst, uint8_t type, uint8_t flags,
		     const uint8_t target[16])
{
	char body[128];
	char t[40];
	for (int i = 0; i < 16; i++)
		snprintf(t + 2 * i, 3, "%02x", target[i]);
	snprintf(body, sizeof(body), "%02x00 0000 %02x00 0000 %s", type, flags, t);
	size_t n = tu_pkt(out, 128, src, dst, IP6P_ICMPV6, body);
	out[7] = 255;
	m6_put16(out + 42, m6_csum_ip6(out + 8, out + 24, 58, out + 40, n - 40));
	return n;
}

#endif
