/*
 * bench_sim — the simulator at an operator's scale: N mobile nodes
 * (default 10,000) registering with one home agent through one router.
 *
 * A driver, not a test: it prints figures and asserts nothing about time
 * (it only checks that every mobile node ends up registered). The network
 * is built in memory through the simulator's API: the home agent and a
 * router on the home link, the router's three foreign links (switched,
 * 2 ms) with the mobile nodes spread over them, each with its own manually
 * keyed ESP SAs for BU/BA (the home agent holds them all, under one
 * per-peer policy template for BUs and one for BAs; the mobile nodes'
 * policies, the same for all of them, are one SPD they share). The IPsec
 * tables are built directly (bench_sim_net.c), not parsed from
 * configuration text.
 *
 * Schedule: the mobile nodes attach GAP apart from t = 0, register
 * (Router Advertisement, care-of address, BU, DAD, BA), move to the next
 * foreign link GAP apart from t = 10 s, register again, and the run goes
 * on to t = SECONDS (default 30). GAP is 50 us, or 5 s / N when that is
 * shorter, so every node has attached by t = 5 s and moved by t = 15 s.
 *
 * The home agent checks a first registration's home address with DAD
 * (1 s) and holds at most a fixed number of DADs at once (its DAD table):
 * it admits that many first registrations per second and answers the rest
 * with BA 130 (insufficient resources); they retry with the exponential
 * back-off (1.5, 3, 6, 12, 24 s...). The bench offers 1/GAP first
 * registrations per second (20,000/s at 50 us), so it sizes the DAD table
 * to 1.25 x that; `bench_sim N SECONDS 4096` keeps the home agent's default
 * (4,096) and shows the nodes that have not got through by SECONDS. The
 * DADs that start at one instant (every node on a link registers after
 * the same Router Advertisement) end at one instant, when the home agent
 * sends a BA and a proxy NA for each in one call: its transmit queue is
 * sized to the DAD table too (node_cfg.txq_max), or the default 4 MiB
 * drops the excess and those nodes register on their retransmission.
 *
 * Figures (times are this process's CPU time, so other work on a shared
 * machine does not count): setup time per mobile node; peak resident memory per
 * mobile node; the home agent's bytes per binding (over the bindings it
 * holds at the end): its node (binding cache, DAD table, engine) and its
 * IPsec tables (two SAs per mobile node under one BU and one BA policy
 * template for the whole home prefix, spd_protect.per_peer);
 * queue events per second of CPU time, with the baseline measured in the
 * same run: the bare event queue doing the same number of no-op events at
 * the same mean queue length. `bench_sim [N [SECONDS [DAD_SLOTS]]]`.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_sim_net.h"
#include "sim_queue.h"
#include "sim_rng.h"

#define SEC 1000000000ull
#define US 1000ull
#define GAP_MAX (50 * US)
#define ATTACH_WINDOW (5 * SEC)
#define MOVE_AT (10 * SEC)
#define DAD_MS 1000

/* CPU time of this (single-threaded) process, page faults included: the
 * machine may be shared, and wall time would count the others' work. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This process's system CPU time: the kernel's share (page faults). */
static double sys_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static size_t heap_bytes(void)
{
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}

/* Attach (arg 0) or move (arg 1) mobile node i, scheduled per node. */
struct mover {
	struct sim_task task;
	unsigned i;
};

static uint64_t gap;

/* The attachment schedules the move with the same task: one queued event
 * per node at a time. */
static void move_fn(struct sim *s, struct sim_task *t, uint32_t arg)
{
	struct mover *m = (struct mover *)t;
	if (sim_attach(s, BNET_MN0 + m->i, 0, 1 + (m->i + arg) % BNET_FOREIGN))
		bnet_die("attach failed");
	if (arg == 0 && sim_at(s, MOVE_AT + (uint64_t)m->i * gap, t, 1))
		bnet_die("out of memory");
}

/* What the nodes say about registrations (the observer sees every event). */
struct tally {
	uint64_t ba_ok, ba_130, ba_other, dad, bu_sent, bu_retx;
};

static void tally_event(void *ctx, const struct sim_host *h, const struct m6_event *ev)
{
	struct tally *t = ctx;
	(void)h;
	switch (ev->type) {
	case M6_EV_BA_RECEIVED:
		if (ev->code < 128)
			t->ba_ok++;
		else if (ev->code == 130)
			t->ba_130++;
		else
			t->ba_other++;
		break;
	case M6_EV_DAD_STARTED:
		t->dad++;
		break;
	case M6_EV_BU_SENT:
		t->bu_sent++;
		break;
	case M6_EV_BU_RETRANSMIT:
		t->bu_retx++;
		break;
	default:
		break;
	}
}

/* The baseline: the bare queue, same number of events at the same length. */
static double baseline(uint64_t events, size_t qlen)
{
	struct sim_queue q;
	struct sim_qev ev;
	struct sim_rng r;
	sim_queue_init(&q);
	sim_rng_seed(&r, 1);
	for (size_t i = 0; i < qlen; i++)
		sim_queue_push(&q, sim_rng_upto(&r, SEC), 0, 0, NULL);
	double t0 = now_s();
	for (uint64_t i = 0; i < events; i++) {
		sim_queue_pop(&q, &ev);
		/* a no-op event that schedules its successor, as a timer would */
		sim_queue_push(&q, ev.time + 1 + sim_rng_upto(&r, SEC), 0, 0, NULL);
	}
	double dt = now_s() - t0;
	sim_queue_free(&q);
	return dt;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 10000;
	double secs = argc > 2 ? strtod(argv[2], NULL) : 30;
	size_t dad_slots = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 0;
	if (!n || n > 1000000 || !(secs >= 16))
		bnet_die("usage: bench_sim [N (1..1000000) [SECONDS (>= 16) [DAD_SLOTS (0: sized to the offered rate)]]]");
	gap = ATTACH_WINDOW / n < GAP_MAX ? ATTACH_WINDOW / n : GAP_MAX;
	double offered = 1e9 / (double)gap;
	if (!dad_slots) {
		dad_slots = (size_t)(offered * DAD_MS / 1000 * 1.25) + 16;
		if (dad_slots > (size_t)n + 16)
			dad_slots = (size_t)n + 16;
	}

	size_t heap0 = heap_bytes();
	double t_build = now_s(), sys_build = sys_s();
	struct sim *s = sim_new(1);
	struct tally tl;
	memset(&tl, 0, sizeof(tl));
	struct sim_observer ob = { .ctx = &tl, .event = tally_event };
	if (!s)
		bnet_die("out of memory");
	/* the tally counts what the summary prints; no expectation reads a
	 * host's per-type counters */
	s->count_events = false;
	sim_set_observer(s, &ob);
	struct bnet net;
	bnet_init(&net, s, n);
	bnet_links(&net);
	double t_ha = now_s();
	size_t ha_tables, ha_node;
	bnet_add_ha(&net, DAD_MS, dad_slots, &ha_tables, &ha_node);
	t_ha = now_s() - t_ha;
	bnet_add_router(&net);
	double t_mn = now_s();
	for (unsigned i = 0; i < n; i++)
		bnet_add_mn(&net, i);
	t_mn = now_s() - t_mn;
	sim_attach(s, BNET_HA, 0, 0);
	for (unsigned k = 0; k < 1 + BNET_FOREIGN; k++)
		sim_attach(s, BNET_ROUTER, k, k);
	struct mover *mv = calloc(n, sizeof(*mv));
	if (!mv)
		bnet_die("out of memory");
	for (unsigned i = 0; i < n; i++) {
		mv[i].task.fn = move_fn;
		mv[i].i = i;
		if (sim_at(s, (uint64_t)i * gap, &mv[i].task, 0))
			bnet_die("out of memory");
	}
	sim_start(s);
	t_build = now_s() - t_build;
	sys_build = sys_s() - sys_build;
	size_t heap_setup = heap_bytes() - heap0;

	/* run in slices to learn the mean queue length for the baseline */
	double t0 = now_s();
	uint64_t end = (uint64_t)(secs * 1e9), step = SEC / 10;
	double qsum = 0;
	unsigned slices = 0;
	for (uint64_t t = step; t <= end && !s->error; t += step) {
		if (sim_run_until(s, t))
			bnet_die("simulation error");
		qsum += (double)sim_queue_len(&s->q);
		slices++;
	}
	double run = now_s() - t0;

	size_t bound = bnet_ha_bindings(&net), registered = 0;
	for (unsigned i = 0; i < n; i++)
		registered += bnet_mn_registered(&net, i);
	uint64_t events = s->ctr.events, node_calls = s->ctr.deliveries + s->ctr.timers;
	size_t qlen = slices ? (size_t)(qsum / slices) : 1;
	double base = baseline(events, qlen ? qlen : 1);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double peak = (double)ru.ru_maxrss * 1024;

	printf("simulator: %u mobile nodes, 1 home agent, 1 router, %d foreign links; %.0f s simulated\n", n,
	       BNET_FOREIGN, secs);
	printf("  schedule: attach every %.1f us from 0 s, move every %.1f us from %.0f s: %.0f first registrations/s "
	       "offered; home agent DAD table %zu (%.0f admitted/s)\n",
	       (double)gap / 1e3, (double)gap / 1e3, (double)MOVE_AT / 1e9, offered, dad_slots,
	       (double)dad_slots * 1000 / DAD_MS);
	printf("  setup: %.3f s CPU, %.2f us per mobile node (home agent %.2f us per mobile node, "
	       "mobile nodes %.2f us each; of the whole, %.2f us in the kernel, mostly page faults)\n",
	       t_build, t_build * 1e6 / n, t_ha * 1e6 / n, t_mn * 1e6 / n, sys_build * 1e6 / n);
	printf("  memory: peak RSS %.1f MiB, %.0f bytes per mobile node; heap after setup %.0f bytes per mobile node\n",
	       peak / 1048576, peak / n, (double)heap_setup / n);
	printf("  home agent: %.0f bytes per binding: %.0f for its node (binding cache, DAD table, engine), "
	       "%.0f for its IPsec tables (%zu bindings)\n",
	       bound ? (double)(ha_tables + ha_node) / (double)bound : 0.0,
	       bound ? (double)ha_node / (double)bound : 0.0, bound ? (double)ha_tables / (double)bound : 0.0, bound);
	printf("  run: %.3f s CPU, %.1f x real time\n", run, secs / run);
	printf("  queue events %llu: %.0f events/s (CPU); node calls (deliveries + timers) %llu: %.0f calls/s\n",
	       (unsigned long long)events, (double)events / run, (unsigned long long)node_calls,
	       (double)node_calls / run);
	printf("  baseline: bare queue, %llu no-op events at length %zu: %.3f s, %.0f events/s\n",
	       (unsigned long long)events, qlen, base, (double)events / base);
	printf("  ratio (simulation / bare queue, events per second): %.4f\n", base / run);
	printf("  registrations: %llu BUs sent (%llu retransmissions), %llu DADs, BAs received: %llu accepted, "
	       "%llu x 130 (insufficient resources), %llu other refusals\n",
	       (unsigned long long)tl.bu_sent, (unsigned long long)tl.bu_retx, (unsigned long long)tl.dad,
	       (unsigned long long)tl.ba_ok, (unsigned long long)tl.ba_130, (unsigned long long)tl.ba_other);
	printf("  check: %zu bindings at the home agent, %zu of %u mobile nodes registered\n", bound, registered, n);
	int rc = registered == n ? 0 : 1;
	if (rc)
		fprintf(stderr, "bench_sim: not every mobile node registered\n");
	free(mv);
	sim_free(s);
	bnet_fini(&net);
	return rc;
}
