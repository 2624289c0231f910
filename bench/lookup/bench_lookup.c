/*
 * bench_lookup — how SPD and SAD lookups scale with the size of the table.
 *
 * A driver, not a test: it prints figures and asserts nothing about time
 * (it only checks that the indexed SPD lookup agrees with the ordered scan
 * on every flow it times). Figures, at 10, 1,000 and 100,000 entries:
 *  (a) SPD, inbound, a home agent's policy: one /128 entry per mobile node
 *      (HA <-> HoA, MH BU..BA, PROTECT), three prefix entries (IKE bypass,
 *      MPS/MPA to the home prefix, tunnelled payload from the home prefix)
 *      and a final discard-all. The flows are 80 % Binding Updates from
 *      random mobile nodes, 20 % TCP from random home addresses. Timed with
 *      spd_lookup() (the index) and spd_lookup_linear() (the ordered scan,
 *      the baseline) in the same run.
 *  (b) SAD, inbound lookup by SPI among N SAs with random SPIs.
 * Each figure is ns per lookup, the median of 5 repetitions. The flows
 * cycle through a table of FLOWS entries chosen at random among all mobile
 * nodes (SAs), so the larger tables are measured with their cache and TLB
 * misses; the "hot" column draws them from ACTIVE peers only, which shows
 * the cost of the algorithm with the memory hierarchy mostly out of the
 * way. Ratios: each size to the 10-entry figure (target: within 2x), and
 * linear / indexed.
 * `bench_lookup SECONDS` sets the time per figure (default 0.3 s).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipsec/sad.h"
#include "ipsec/spd.h"
#include "../bench_util.h"

#define REPS 5
#define FLOWS 8192
#define NSIZES 3
#define ACTIVE 64

static const size_t sizes[NSIZES] = { 10, 1000, 100000 };
static double budget_s = 0.3;
static volatile uint64_t sink;

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	return bench_rnd(&rng);
}

static double now_ns(void)
{
	return bench_now_ns(CLOCK_MONOTONIC);
}

static void die(const char *what)
{
	bench_die("bench_lookup", what);
}

static double median(double *v)
{
	return bench_median(v, REPS);
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

static struct ipsec_flow flows[FLOWS];

/* Flows from `active` mobile nodes picked at random among mns (0: all). */
static void make_flows(size_t mns, size_t active)
{
	uint8_t ha[16], cn[16];
	size_t pick[ACTIVE];
	addr(ha, 1, 1);
	addr(cn, 3, 1);
	for (size_t i = 0; i < active; i++)
		pick[i] = (size_t)(rnd() % mns);
	for (size_t i = 0; i < FLOWS; i++) {
		struct ipsec_flow *f = &flows[i];
		memset(f, 0, sizeof(*f));
		size_t mn = active ? pick[rnd() % active] : (size_t)(rnd() % mns);
		if (rnd() % 5) {
			memcpy(f->local, ha, 16);
			hoa(f->remote, mn);
			f->proto = 135;
			f->lport = 5 << 8;
		} else {
			memcpy(f->local, cn, 16);
			hoa(f->remote, mn);
			f->proto = 6;
			f->lport = 443;
			f->rport = (uint16_t)(32768 + rnd() % 28000);
		}
	}
}

/* One repetition: ns per lookup over `iters` lookups. */
static double time_spd(struct spd *s, bool linear, size_t iters)
{
	uint64_t acc = 0;
	double t0 = now_ns();
	for (size_t i = 0; i < iters; i++) {
		const struct ipsec_flow *f = &flows[i & (FLOWS - 1)];
		const struct spd_entry *e = linear ? spd_lookup_linear(s, SPD_IN, f) : spd_lookup(s, SPD_IN, f);
		acc += e->id;
	}
	double t = now_ns() - t0;
	sink += acc;
	return t / (double)iters;
}

/* Iterations so that one repetition lasts about budget/REPS. */
static size_t calibrate(double ns_per_op)
{
	double n = budget_s * 1e9 / REPS / (ns_per_op > 1 ? ns_per_op : 1);
	return n < 64 ? 64 : (size_t)n;
}

static double figure_spd(struct spd *s, bool linear)
{
	double v[REPS];
	size_t iters = calibrate(time_spd(s, linear, linear ? 64 : 4096));
	for (int r = 0; r < REPS; r++)
		v[r] = time_spd(s, linear, iters);
	return median(v);
}

static uint32_t spis[FLOWS];

static double time_sad(struct sad *d, size_t iters)
{
	uint64_t acc = 0;
	double t0 = now_ns();
	for (size_t i = 0; i < iters; i++)
		acc += (uintptr_t)sad_lookup_in(d, spis[i & (FLOWS - 1)], 50);
	double t = now_ns() - t0;
	sink += acc;
	return t / (double)iters;
}

static double figure_sad(struct sad *d)
{
	double v[REPS];
	size_t iters = calibrate(time_sad(d, 4096));
	for (int r = 0; r < REPS; r++)
		v[r] = time_sad(d, iters);
	return median(v);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (budget_s = atof(argv[1])) <= 0)
		die("usage: bench_lookup [SECONDS]");
	double idx[NSIZES], lin[NSIZES], hot[NSIZES], sad_ns[NSIZES], sad_hot[NSIZES];

	for (int k = 0; k < NSIZES; k++) {
		size_t mns;
		struct spd *s = ha_policy(sizes[k], &mns);
		if (spd_count(s) != sizes[k])
			die("wrong SPD size");
		for (int pass = 0; pass < 2; pass++) {
			make_flows(mns, pass ? ACTIVE : 0);
			/* the ordered scan is slow at 100,000 entries: check a sample there */
			for (size_t i = 0; i < (sizes[k] > 1000 ? 256 : FLOWS); i++) {
				const struct spd_entry *a = spd_lookup(s, SPD_IN, &flows[i]);
				if (a != spd_lookup_linear(s, SPD_IN, &flows[i]) || a->action != SPD_PROTECT)
					die("index and ordered scan disagree");
			}
			if (pass) {
				hot[k] = figure_spd(s, false);
			} else {
				idx[k] = figure_spd(s, false);
				lin[k] = figure_spd(s, true);
			}
		}
		spd_free(s);

		struct sad *d = sad_new(sizes[k]);
		if (!d)
			die("sad_new");
		uint32_t *all = malloc(sizes[k] * sizeof(*all));
		if (!all)
			die("malloc");
		for (size_t i = 0; i < sizes[k];) {
			struct ipsec_sa sa;
			memset(&sa, 0, sizeof(sa));
			sa.spi = (uint32_t)rnd();
			sa.proto = 50;
			sa.inbound = true;
			if (sad_add(d, &sa, 0, NULL))
				all[i++] = sa.spi;
		}
		for (int pass = 0; pass < 2; pass++) {
			uint32_t pick[ACTIVE];
			for (size_t i = 0; i < ACTIVE; i++)
				pick[i] = all[rnd() % sizes[k]];
			for (size_t i = 0; i < FLOWS; i++)
				spis[i] = pass ? pick[rnd() % ACTIVE] : all[rnd() % sizes[k]];
			for (size_t i = 0; i < FLOWS; i++)
				if (!sad_lookup_in(d, spis[i], 50))
					die("SA not found");
			*(pass ? &sad_hot[k] : &sad_ns[k]) = figure_sad(d);
		}
		free(all);
		sad_free(d);
	}

	printf("SPD inbound lookup, HA policy (/128 per MN + 3 prefix entries + discard-all)\n");
	printf("ns per lookup, median of %d; hot = flows from %d active MNs\n", REPS, ACTIVE);
	printf("%9s %9s %11s %9s %13s %11s\n", "entries", "indexed", "linear", "hot", "linear/index",
	       "index/@10");
	for (int k = 0; k < NSIZES; k++)
		printf("%9zu %9.1f %11.1f %9.1f %13.1f %11.2f\n", sizes[k], idx[k], lin[k], hot[k], lin[k] / idx[k],
		       idx[k] / idx[0]);
	printf("\nSAD inbound lookup by SPI, ns per lookup, median of %d; hot = %d active SAs\n", REPS, ACTIVE);
	printf("%9s %9s %9s %11s\n", "SAs", "lookup", "hot", "lookup/@10");
	for (int k = 0; k < NSIZES; k++)
		printf("%9zu %9.1f %9.1f %11.2f\n", sizes[k], sad_ns[k], sad_hot[k], sad_ns[k] / sad_ns[0]);
	int n = NSIZES - 1;
	printf("\nscaling @%zu / @%zu (target: within 2x): SPD indexed %.2f (hot %.2f), SAD %.2f (hot %.2f)\n",
	       sizes[n], sizes[0], idx[n] / idx[0], hot[n] / hot[0], sad_ns[n] / sad_ns[0], sad_hot[n] / sad_hot[0]);
	return 0;
}
