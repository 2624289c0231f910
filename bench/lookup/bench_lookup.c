/*
 * bench_lookup — what an SPD, SAD and binding cache lookup costs as the
 * table grows, in cache misses.
 *
 * A driver, not a test: it prints figures and asserts nothing about time
 * (it checks that every lookup finds its entry, and that the indexed SPD
 * lookup agrees with the ordered scan on a sample). Tables, at 10, 1,000,
 * 100,000 and 1,000,000 entries:
 *  - SPD, inbound, a home agent's policy: one /128 entry per mobile node
 *    (HA <-> HoA, MH BU..BA, PROTECT), three prefix entries (IKE bypass,
 *    MPS/MPA to the home prefix, tunnelled payload from the home prefix)
 *    and a final discard-all; the flows are Binding Updates from a mobile
 *    node;
 *  - SAD, inbound lookup by SPI among N SAs with scattered SPIs;
 *  - binding cache, lookup of a home address among N bindings.
 * Each lookup's key is a uniformly random entry of the whole table, and
 * the lookups form a chain: the next key is chosen only when the previous
 * result is known, and that result is a field of the entry found that the
 * lookup itself reads (the SA's state, the policy's action, the binding's
 * validity), as its caller would read it next. So a figure is a lookup's
 * latency with every miss it takes, not a throughput that overlapping
 * lookups (or a branch predicted through a pending load) would flatter.
 *
 * The yardstick, measured in the same run: a dependent pointer chase over
 * a buffer the size of the table (one random cache line per hop, Sattolo's
 * cycle), i.e. the latency of one miss at that working-set size, wherever
 * in the hierarchy (cache, DRAM, TLB) such a miss is served. "misses" is
 * (lookup - lookup at 10 entries) / hop: the memory stalls a lookup adds
 * as the table grows, counted in misses; the target is at most 2. The
 * lookups and the chase run in alternating slices (CPU time), so load
 * from elsewhere hits both alike; each figure is the median of the slices,
 * about SECONDS per table (default 0.3 s; `bench_lookup [SECONDS [MAX_ENTRIES]]`).
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipsec/sad.h"
#include "ipsec/spd.h"
#include "mip6/bcache.h"
#include "../bench_util.h"

#define REPS 5
#define NSIZES 4
#define LINE 64

static const size_t sizes[NSIZES] = { 10, 1000, 100000, 1000000 };
static double budget_s = 0.3;
static volatile uint64_t sink;

/* This thread's CPU time: a shared machine's other work does not count. */
static double now_ns(void)
{
	return bench_now_ns(CLOCK_THREAD_CPUTIME_ID);
}

static void die(const char *what)
{
	bench_die("bench_lookup", what);
}

static size_t heap_bytes(void)
{
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}

/* xorshift64: the keys' order, drawn inside the timed loop. */
static inline uint64_t next_rnd(uint64_t *s)
{
	return bench_rnd(s);
}

/* A bijective 32-bit mix: SA i's SPI, scattered, computed not stored. */
static inline uint32_t spi_of(size_t i)
{
	uint32_t x = (uint32_t)i + 0x10000u;
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

/* 2001:db8:1::/64 is the home prefix, 2001:db8:1::1 the home agent; mobile
 * node i has HoA 2001:db8:1::1:0 + i. */
static void addr(uint8_t a[16], uint16_t g3, uint64_t low)
{
	memset(a, 0, 16);
	a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8, a[5] = (uint8_t)g3;
	for (int i = 0; i < 8; i++)
		a[15 - i] = (uint8_t)(low >> (8 * i));
}

static void hoa(uint8_t a[16], size_t mn)
{
	addr(a, 1, 0x10000 + mn);
}

/* ---- the yardstick and the timing ---- */

/* A dependent chase through `bytes` of random lines (Sattolo's cycle). */
struct chase {
	void **lines, **p;
};

static void chase_new(struct chase *c, size_t bytes)
{
	size_t n = bytes / LINE < 16 ? 16 : bytes / LINE, w = LINE / sizeof(void *);
	c->lines = aligned_alloc(LINE, n * LINE);
	size_t *perm = malloc(n * sizeof(*perm));
	if (!c->lines || !perm)
		die("out of memory");
	uint64_t r = 0x853c49e6748fea9bULL;
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(next_rnd(&r) % i);
		size_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		c->lines[perm[i] * w] = &c->lines[perm[(i + 1) % n] * w];
	free(perm);
	c->p = c->lines;
	for (size_t i = 0; i < n && i < 4000000; i++)   /* as warm as the table is */
		c->p = *c->p;
}

static double chase_run(struct chase *c, size_t hops)
{
	void **p = c->p;
	double t0 = now_ns();
	for (size_t i = 0; i < hops; i++)
		p = *p;
	double dt = now_ns() - t0;
	c->p = p;
	sink += (uintptr_t)p;
	return dt / (double)hops;
}

/* One lookup of entry i; returns what the next key must wait for (small). */
typedef uintptr_t (*look_fn)(void *t, size_t i);

static double chain(look_fn fn, void *t, size_t n, size_t iters, uint64_t *r)
{
	uintptr_t dep = 0;
	double t0 = now_ns();
	for (size_t k = 0; k < iters; k++) {
		/* dep >> 16 is 0, but only known when the lookup is done */
		size_t i = (size_t)((next_rnd(r) + (dep >> 16)) % n);
		dep = fn(t, i);
	}
	double dt = now_ns() - t0;
	sink += dep;
	return dt / (double)iters;
}

struct row {
	size_t n, bytes;
	double look, hop;
};

/* Lookups and the chase over a buffer of the table's size, in alternating
 * slices, so that whatever else the machine does hits both alike; each
 * slice is timed after a warm-up of its own; each figure is the median
 * over the slices. */
static void measure(look_fn fn, void *t, size_t n, struct row *row)
{
	enum { SLICES = 2 * REPS + 1 };
	struct chase c;
	uint64_t r = 0x2545f4914f6cdd1dULL;
	chase_new(&c, row->bytes);
	double lk[SLICES], hp[SLICES];
	double one = chain(fn, t, n, 20000, &r), hop = chase_run(&c, 20000);
	size_t li = (size_t)(budget_s * 1e9 / 2 / SLICES / (one > 1 ? one : 1));
	size_t hi = (size_t)(budget_s * 1e9 / 2 / SLICES / (hop > 0.5 ? hop : 0.5));
	li = li < 1000 ? 1000 : li;
	hi = hi < 1000 ? 1000 : hi;
	for (int k = 0; k < SLICES; k++) {
		/* each timed after a warm-up of its own: the other one evicted
		 * it, and the figure is of its steady state */
		chain(fn, t, n, li / 2, &r);
		lk[k] = chain(fn, t, n, li, &r);
		chase_run(&c, hi / 2);
		hp[k] = chase_run(&c, hi);
	}
	free(c.lines);
	row->look = bench_median(lk, SLICES);
	row->hop = bench_median(hp, SLICES);
}

/* ---- SPD ---- */

static struct spd_entry base(uint32_t order, enum spd_action act)
{
	struct spd_entry e;
	memset(&e, 0, sizeof(e));
	e.dir = SPD_IN;
	e.order = order;
	e.action = act;
	spd_sel_any(&e.sel);
	if (act == SPD_PROTECT)
		e.protect.ipsec_proto = 50;
	return e;
}

static void spd_put(struct spd *s, const struct spd_entry *e)
{
	if (spd_add(s, e) <= 0)
		die("spd_add failed");
}

static struct spd *ha_policy(size_t n, size_t *mns)
{
	struct spd *s = spd_new();
	if (!s)
		die("spd_new");
	uint8_t ha[16], home[16];
	addr(ha, 1, 1);
	addr(home, 1, 0);
	struct spd_entry e = base(1, SPD_BYPASS);       /* IKE */
	e.sel.proto = 17;
	e.sel.lport = (struct spd_range16){ 500, 500 };
	spd_put(s, &e);
	*mns = n - 4;
	for (size_t i = 0; i < *mns; i++) {
		e = base(10, SPD_PROTECT);
		spd_sel_prefix(e.sel.local_lo, e.sel.local_hi, ha, 128);
		uint8_t h[16];
		hoa(h, i);
		spd_sel_prefix(e.sel.remote_lo, e.sel.remote_hi, h, 128);
		e.sel.proto = 135;
		e.sel.lport = spd_range_mh(5, 6);
		spd_put(s, &e);
	}
	e = base(20, SPD_PROTECT);                      /* MPS/MPA */
	spd_sel_prefix(e.sel.local_lo, e.sel.local_hi, ha, 128);
	spd_sel_prefix(e.sel.remote_lo, e.sel.remote_hi, home, 64);
	e.sel.proto = 58;
	e.sel.lport = spd_range_icmp(146, 0, 147, 255);
	spd_put(s, &e);
	e = base(30, SPD_PROTECT);                      /* tunnelled payload */
	spd_sel_prefix(e.sel.remote_lo, e.sel.remote_hi, home, 64);
	e.protect.mode = 1;
	spd_put(s, &e);
	e = base(1000, SPD_DISCARD);                    /* the final discard-all */
	spd_put(s, &e);
	return s;
}

/* A Binding Update from mobile node i to the home agent. */
static void bu_flow(struct ipsec_flow *f, size_t i)
{
	memset(f, 0, sizeof(*f));
	addr(f->local, 1, 1);
	hoa(f->remote, i);
	f->proto = 135;
	f->lport = 5 << 8;
}

static uintptr_t spd_look(void *t, size_t i)
{
	struct ipsec_flow f;
	bu_flow(&f, i);
	const struct spd_entry *e = spd_lookup(t, SPD_IN, &f);
	return e ? (uintptr_t)e->action : 0xffff;
}

/* ---- SAD ---- */

static uintptr_t sad_look(void *t, size_t i)
{
	const struct ipsec_sa *sa = sad_lookup_in(t, spi_of(i), 50);
	return sa ? (uintptr_t)sa->state : 0xffff;
}

static struct sad *sad_table(size_t n)
{
	struct sad *d = sad_new(n);
	if (!d)
		die("sad_new");
	for (size_t i = 0; i < n; i++) {
		struct ipsec_sa sa;
		memset(&sa, 0, sizeof(sa));
		sa.spi = spi_of(i);
		sa.proto = 50;
		sa.inbound = true;
		if (sa.spi < 256 || !sad_add(d, &sa, 0, NULL))
			die("sad_add failed");
	}
	return d;
}

/* ---- binding cache ---- */

static uintptr_t bc_look(void *t, size_t i)
{
	uint8_t a[16];
	hoa(a, i);
	const struct bce *e = bcache_lookup(t, a);
	return e ? (uintptr_t)e->valid : 0xffff;
}

static struct bcache *bc_table(size_t n)
{
	struct bcache *bc = bcache_new(n);
	if (!bc)
		die("bcache_new");
	static const uint8_t key[16] = { 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	bcache_set_key(bc, key);
	for (size_t i = 0; i < n; i++) {
		uint8_t a[16];
		hoa(a, i);
		struct bce *e = bcache_get_or_add(bc, a, NULL);
		if (!e)
			die("bcache_get_or_add failed");
		e->valid = true;
		bcache_set_expiry(bc, e, (uint64_t)(i + 1) * 1000);
	}
	return bc;
}

/* ---- the run ---- */

static void print_table(const char *what, const struct row *r, int nr)
{
	printf("\n%s\n", what);
	printf("%9s %13s %10s %10s %13s %8s\n", "entries", "bytes", "lookup ns", "hop ns", "lookup/hop", "misses");
	for (int k = 0; k < nr; k++)
		printf("%9zu %13zu %10.1f %10.1f %13.2f %8.2f\n", r[k].n, r[k].bytes, r[k].look, r[k].hop,
		       r[k].look / r[k].hop, (r[k].look - r[0].look) / r[k].hop);
}

int main(int argc, char **argv)
{
	size_t max = 1000000;
	if (argc > 1 && (budget_s = atof(argv[1])) <= 0)
		die("usage: bench_lookup [SECONDS [MAX_ENTRIES]]");
	if (argc > 2)
		max = (size_t)strtoull(argv[2], NULL, 10);
	struct row spd_r[NSIZES], sad_r[NSIZES], bc_r[NSIZES];
	int nr = 0;
	for (int k = 0; k < NSIZES && sizes[k] <= max; k++, nr++) {
		size_t n = sizes[k], mns;
		size_t h0 = heap_bytes();
		struct spd *s = ha_policy(n, &mns);
		spd_r[k] = (struct row){ n, heap_bytes() - h0, 0, 0 };
		if (spd_count(s) != n)
			die("wrong SPD size");
		/* the index gives the ordered scan's answer (a sample: the scan is slow) */
		for (size_t i = 0; i < 64; i++) {
			struct ipsec_flow f;
			bu_flow(&f, (i * 7919) % mns);
			const struct spd_entry *a = spd_lookup(s, SPD_IN, &f);
			if (!a || a != spd_lookup_linear(s, SPD_IN, &f) || a->action != SPD_PROTECT)
				die("index and ordered scan disagree");
		}
		measure(spd_look, s, mns, &spd_r[k]);
		spd_free(s);

		h0 = heap_bytes();
		struct sad *d = sad_table(n);
		sad_r[k] = (struct row){ n, heap_bytes() - h0, 0, 0 };
		for (size_t i = 0; i < n; i += 1 + n / 64)
			if (!sad_lookup_in(d, spi_of(i), 50))
				die("SA not found");
		measure(sad_look, d, n, &sad_r[k]);
		sad_free(d);

		h0 = heap_bytes();
		struct bcache *bc = bc_table(n);
		bc_r[k] = (struct row){ n, heap_bytes() - h0, 0, 0 };
		for (size_t i = 0; i < n; i += 1 + n / 64)
			if (!bc_look(bc, i))
				die("binding not found");
		measure(bc_look, bc, n, &bc_r[k]);
		bcache_free(bc);
	}
	printf("Lookups in a chain (each key waits for the previous result), keys uniform over the table;\n"
	       "hop = one step of a dependent pointer chase over a buffer of the table's size (one miss there);\n"
	       "misses = (lookup - lookup at 10 entries) / hop. Medians of %d alternating slices.\n", 2 * REPS + 1);
	print_table("SPD inbound, HA policy (/128 per MN + 3 prefix entries + discard-all)", spd_r, nr);
	print_table("SAD inbound by SPI", sad_r, nr);
	print_table("binding cache by home address", bc_r, nr);
	return 0;
}
