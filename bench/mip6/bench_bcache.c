/*
 * bench_bcache — how the binding cache and the home agent's Binding Update
 * processing scale with the number of bindings.
 *
 * A driver, not a test: it prints figures and asserts nothing about time
 * (it only checks that every lookup finds its binding and every refresh
 * is accepted). Figures, at 10, 10,000 and 1,000,000 bindings:
 *  (a) bcache_lookup() of a present home address;
 *  (b) ha_input_mh() for a refresh BU (H, A, HAO, ACoA, same care-of) of an
 *      existing home registration: checksum, parse, checks, cache update
 *      (with its expiry moving in the heap), BA built with an RH2; the io
 *      discards what the HA sends. The IPv6 walk is done beforehand, as the
 *      node does it before calling the engine.
 * Baseline in the same run: a memcmp scan over 10 home addresses.
 * The home addresses are random interface identifiers in one /64; the
 * operations cycle through FLOWS of them drawn at random among all the
 * bindings, so the large tables are measured with their cache misses.
 * Each figure is CPU time (this thread's, so a busy machine descheduling
 * us does not count) per operation, the median of REPS repetitions;
 * ratios are to the 10-binding figure. `bench_bcache SECONDS` sets the time per
 * figure (default 0.2 s).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipsec/sa.h"
#include "mip6/bcache.h"
#include "mip6/ha.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "util/m6_bytes.h"
#include "../bench_util.h"

#define REPS 5
#define FLOWS 8192
#define NSIZES 3
#define ACTIVE 64
#define SEC 1000000000ULL

static const size_t sizes[NSIZES] = { 10, 10000, 1000000 };
static double budget_s = 0.2;
static volatile uint64_t sink;
static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	return bench_rnd(&rng);
}

static double now_ns(void)
{
	return bench_now_ns(CLOCK_THREAD_CPUTIME_ID);
}

static void die(const char *what)
{
	bench_die("bench_bcache", what);
}

static double median(double *v)
{
	return bench_median(v, REPS);
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Mobile node i: home address 2001:db8:1::/64 + a random IID. */
static void hoa_of(uint8_t a[16], size_t i)
{
	static const uint8_t pfx[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0 };
	memcpy(a, pfx, 8);
	uint64_t iid = splitmix(i);
	for (int k = 0; k < 8; k++)
		a[8 + k] = (uint8_t)(iid >> (56 - 8 * k));
}

/* Run op over FLOWS flows for about budget_s; ns per call. */
typedef void (*op_fn)(void *ctx, size_t flow);

static double time_op(op_fn op, void *ctx)
{
	size_t iters = 0, batch = 1024;
	double t0 = now_ns(), t;
	do {
		for (size_t k = 0; k < batch; k++)
			op(ctx, (iters + k) & (FLOWS - 1));
		iters += batch;
		t = now_ns();
	} while (t - t0 < budget_s * 1e9);
	return (t - t0) / (double)iters;
}

/* ---- (a) lookups ---- */

struct lk {
	struct bcache *bc;
	uint8_t (*flow)[16];
	uint8_t (*scan)[16];      /* baseline: 10 addresses */
};

static void op_lookup(void *ctx, size_t f)
{
	struct lk *l = ctx;
	struct bce *e = bcache_lookup(l->bc, l->flow[f]);
	if (!e)
		die("lookup missed");
	sink += e->seq;
}

static void op_scan(void *ctx, size_t f)
{
	struct lk *l = ctx;
	const uint8_t *want = l->flow[f];
	for (int i = 0; i < 10; i++) {
		if (!memcmp(l->scan[i], want, 16)) {
			sink += (uint64_t)i;
			return;
		}
	}
	die("scan missed");
}

/* Flow f's mobile node: any of n, or one of the first ACTIVE picked ones. */
static size_t pick(size_t n, const size_t *active)
{
	return active ? active[rnd() % ACTIVE] : rnd() % n;
}

static void pick_active(size_t n, size_t *active)
{
	for (int i = 0; i < ACTIVE; i++)
		active[i] = rnd() % n;
}

static void bench_lookup(size_t n, double *cold, double *hot, double *baseline)
{
	struct lk l;
	size_t active[ACTIVE];
	l.bc = bcache_new(n);
	l.flow = malloc(FLOWS * sizeof(*l.flow));
	l.scan = malloc(10 * sizeof(*l.scan));
	if (!l.bc || !l.flow || !l.scan)
		die("out of memory");
	uint8_t key[16];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)rnd();
	bcache_set_key(l.bc, key);
	for (size_t i = 0; i < n; i++) {
		uint8_t a[16];
		hoa_of(a, i);
		struct bce *e = bcache_get_or_add(l.bc, a, NULL);
		if (!e)
			die("cache full");
		e->valid = true;
		bcache_set_expiry(l.bc, e, 3600 * SEC + i);
	}
	double v[REPS];
	for (size_t f = 0; f < FLOWS; f++)
		hoa_of(l.flow[f], pick(n, NULL));
	for (int r = 0; r < REPS; r++)
		v[r] = time_op(op_lookup, &l);
	*cold = median(v);
	pick_active(n, active);
	for (size_t f = 0; f < FLOWS; f++)
		hoa_of(l.flow[f], pick(n, active));
	for (int r = 0; r < REPS; r++)
		v[r] = time_op(op_lookup, &l);
	*hot = median(v);
	if (baseline) {
		for (size_t i = 0; i < 10; i++)
			hoa_of(l.scan[i], i);
		for (size_t f = 0; f < FLOWS; f++)
			hoa_of(l.flow[f], rnd() % 10);
		for (int r = 0; r < REPS; r++)
			v[r] = time_op(op_scan, &l);
		*baseline = median(v);
	}
	bcache_free(l.bc);
	free(l.flow);
	free(l.scan);
}

/* ---- (b) Binding Update processing at the home agent ---- */

struct counts {
	uint64_t sent, received, updated;
};

static void null_send(void *ctx, const uint8_t *pkt, size_t len)
{
	(void)pkt;
	((struct counts *)ctx)->sent += len;
}

static void null_event(void *ctx, struct m6_event *ev)
{
	struct counts *c = ctx;
	c->received += ev->type == M6_EV_BU_RECEIVED;
	c->updated += ev->type == M6_EV_BINDING_UPDATED;
}

static void fixed_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)rnd();
}

static const struct ipsec_sa the_sa;

#define BU_MAX 128
#define MH_OFF (IP6_HDR_LEN + IP6_HAO_HDR_LEN)

struct flow {
	uint8_t pkt[BU_MAX];
	size_t len;
	struct ip6_walk w;
	uint16_t seq;             /* in pkt now */
	uint32_t mn;
};

struct bu_bench {
	struct ha *ha;
	struct flow *flow;
	uint16_t *mn_seq;         /* last sequence number each mobile node sent */
	uint64_t now;
	struct counts c;
};

static const uint8_t ha_addr[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };

static size_t build_bu(uint8_t *out, const uint8_t hoa[16], const uint8_t coa[16], uint16_t seq)
{
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = seq;
	m.flags = MH_BU_A | MH_BU_H;
	m.lifetime = 900;
	m.opts[0] = (struct mh_opt){ .type = MHO_ACOA, .len = 16, .data = coa };
	m.n_opts = 1;
	int n = mip6_build_mh(out, BU_MAX, coa, ha_addr, hoa, NULL, &m);
	if (n <= 0)
		die("build BU");
	return (size_t)n;
}

static void coa_of(uint8_t a[16], size_t i)
{
	static const uint8_t pfx[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0 };
	memcpy(a, pfx, 8);
	uint64_t iid = splitmix(i ^ 0x5555);
	for (int k = 0; k < 8; k++)
		a[8 + k] = (uint8_t)(iid >> (56 - 8 * k));
}

/* RFC 1624: a 16-bit field changed from old to new under checksum ck. */
static uint16_t csum_adjust(uint16_t ck, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~ck + (uint32_t)(uint16_t)~old + new;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void op_refresh(void *ctx, size_t f)
{
	struct bu_bench *b = ctx;
	struct flow *fl = &b->flow[f];
	uint8_t *mh = fl->pkt + MH_OFF;
	uint16_t old = fl->seq, seq = ++b->mn_seq[fl->mn];
	m6_put16(mh + 6, seq);
	m6_put16(mh + 4, csum_adjust(m6_get16(mh + 4), old, seq));
	fl->seq = seq;
	b->now += 1000;          /* 1 us of virtual time per BU: expiries move in the heap */
	ha_input_mh(b->ha, fl->pkt, fl->len, &fl->w, &the_sa, b->now);
}

static void bench_bu(size_t n, double *cold, double *hot)
{
	struct bu_bench b;
	memset(&b, 0, sizeof(b));
	struct mip6_io io = { .ctx = &b.c, .send = null_send, .event = null_event, .random = fixed_random };
	struct ha_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.addr, ha_addr, 16);
	memcpy(cfg.prefix, ha_addr, 8);
	cfg.plen = 64;
	cfg.dad_timeout_ms = 1000;
	cfg.max_bindings = n;
	b.ha = ha_new(&cfg, &io);
	b.flow = malloc(FLOWS * sizeof(*b.flow));
	b.mn_seq = malloc(n * sizeof(*b.mn_seq));
	if (!b.ha || !b.flow || !b.mn_seq)
		die("out of memory");
	/* register everyone: BUs in batches the DAD queue takes, then the DAD wait */
	static uint8_t pkt[BU_MAX];
	static struct ip6_walk w;
	size_t i = 0;
	while (i < n) {
		for (size_t k = 0; k < 4096 && i < n; k++, i++) {
			uint8_t hoa[16], coa[16];
			hoa_of(hoa, i);
			coa_of(coa, i);
			b.mn_seq[i] = 1;
			size_t len = build_bu(pkt, hoa, coa, 1);
			if (ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w))
				die("walk");
			ha_input_mh(b.ha, pkt, len, &w, &the_sa, b.now);
		}
		b.now += SEC;
		ha_on_timer(b.ha, b.now);
	}
	if (bcache_count(ha_bcache(b.ha)) != n)
		die("not every binding registered");
	size_t active[ACTIVE];
	pick_active(n, active);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t f = 0; f < FLOWS; f++) {
			size_t j = pick(n, pass ? active : NULL);
			uint8_t hoa[16], coa[16];
			hoa_of(hoa, j);
			coa_of(coa, j);
			struct flow *fl = &b.flow[f];
			fl->mn = (uint32_t)j;
			fl->seq = b.mn_seq[j];
			fl->len = build_bu(fl->pkt, hoa, coa, fl->seq);
			if (ip6_walk(fl->pkt, fl->len, IP6W_HAO_KNOWN, &fl->w) || fl->w.proto_off != MH_OFF)
				die("walk");
		}
		b.c = (struct counts){ 0 };
		double v[REPS];
		for (int r = 0; r < REPS; r++)
			v[r] = time_op(op_refresh, &b);
		/* every timed BU was an accepted refresh answered by a BA (80 octets) */
		if (!b.c.received || b.c.updated != b.c.received || b.c.sent != 80 * b.c.received)
			die("a timed BU was not an accepted refresh");
		*(pass ? hot : cold) = median(v);
	}
	ha_free(b.ha);
	free(b.flow);
	free(b.mn_seq);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		budget_s = atof(argv[1]);
	if (budget_s <= 0)
		die("usage: bench_bcache [SECONDS]");
	double lk[NSIZES], lkh[NSIZES], bu[NSIZES], buh[NSIZES], base = 0;
	for (int s = 0; s < NSIZES; s++) {
		bench_lookup(sizes[s], &lk[s], &lkh[s], s == 0 ? &base : NULL);
		bench_bu(sizes[s], &bu[s], &buh[s]);
	}
	printf("binding cache lookup and home agent refresh-BU processing: CPU ns/op, median of %d;\n"
	       "x = ratio to 10 bindings; 'all' = flows over every binding, 'hot' = over %d of them\n",
	       REPS, ACTIVE);
	printf("%9s | %10s %6s %10s %6s | %10s %6s %10s %6s\n", "bindings", "lookup all", "x", "lookup hot",
	       "x", "BU all", "x", "BU hot", "x");
	for (int s = 0; s < NSIZES; s++)
		printf("%9zu | %10.1f %6.2f %10.1f %6.2f | %10.1f %6.2f %10.1f %6.2f\n", sizes[s], lk[s],
		       lk[s] / lk[0], lkh[s], lkh[s] / lkh[0], bu[s], bu[s] / bu[0], buh[s], buh[s] / buh[0]);
	printf("baseline: memcmp scan of 10 home addresses: %.1f ns/op (lookup at 10 / scan: %.2f)\n", base,
	       lk[0] / base);
	return 0;
}
