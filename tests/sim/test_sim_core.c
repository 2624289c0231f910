/* The simulator's machinery with fake hosts: event queue order, the random
 * streams, link loss/duplication/reordering statistics against the seed,
 * MTU drops, hub and switch delivery, attachment, timers and the deferral
 * of application sends made from inside a host call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "fake_host.h"
#include "link.h"
#include "sim.h"
#include "sim_queue.h"
#include "sim_rng.h"

#define MS 1000000ull

static void test_queue_ties_keep_push_order(void **st)
{
	(void)st;
	struct sim_queue q;
	struct sim_qev ev;
	sim_queue_init(&q);
	/* (time, tag): equal times must come out in the order pushed */
	static const uint64_t t[] = { 30, 10, 20, 10, 30, 10, 0, 20 };
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(sim_queue_push(&q, t[i], 0, i, NULL), 0);
	static const unsigned want[] = { 6, 1, 3, 5, 2, 7, 0, 4 };
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(sim_queue_pop(&q, &ev), 1);
		assert_int_equal(ev.arg, want[i]);
	}
	assert_int_equal(sim_queue_pop(&q, &ev), 0);
	assert_true(sim_queue_peek_time(&q) == UINT64_MAX);
	sim_queue_free(&q);
}

static void test_queue_random_order(void **st)
{
	(void)st;
	struct sim_queue q;
	struct sim_rng r;
	struct sim_qev ev, prev = { 0, 0, 0, 0, NULL };
	sim_queue_init(&q);
	sim_rng_seed(&r, 42);
	/* interleave pushes and pops, times from a small range to force ties */
	size_t popped = 0;
	for (unsigned i = 0; i < 100000; i++) {
		assert_int_equal(sim_queue_push(&q, prev.time + sim_rng_upto(&r, 50), 0, i, NULL), 0);
		if (i % 3 == 2) {
			assert_int_equal(sim_queue_pop(&q, &ev), 1);
			assert_true(ev.time > prev.time || (ev.time == prev.time && ev.seq > prev.seq) || popped == 0);
			prev = ev;
			popped++;
		}
	}
	while (sim_queue_pop(&q, &ev)) {
		assert_true(ev.time > prev.time || (ev.time == prev.time && ev.seq > prev.seq));
		prev = ev;
		popped++;
	}
	assert_int_equal(popped, 100000);
	sim_queue_free(&q);
}

static void test_rng_streams(void **st)
{
	(void)st;
	struct sim_rng a, b, c;
	sim_rng_seed(&a, 7);
	sim_rng_seed(&b, 7);
	sim_rng_seed(&c, 8);
	bool differ = false;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = sim_rng_next(&a);
		assert_true(x == sim_rng_next(&b));
		differ |= x != sim_rng_next(&c);
	}
	assert_true(differ);
	/* derived seeds: per domain and index, never equal for neighbours */
	assert_true(sim_seed_derive(1, 1, 0) != sim_seed_derive(1, 1, 1));
	assert_true(sim_seed_derive(1, 1, 0) != sim_seed_derive(1, 2, 0));
	assert_true(sim_seed_derive(1, 1, 0) != sim_seed_derive(2, 1, 0));
	double u = sim_rng_unit(&a);
	assert_true(u >= 0 && u < 1);
}

/* The fraction of frames lost over n frames, and the loss pattern's hash. */
static double loss_run(uint64_t seed, double loss, unsigned n, uint64_t *pattern)
{
	struct sim_link l;
	struct sim_link_cfg c = { .delay_ns = MS, .loss = loss };
	struct sim_link_plan p;
	link_init(&l, "x", 0, &c, seed);
	uint64_t h = 1469598103934665603ull;
	for (unsigned i = 0; i < n; i++) {
		link_plan(&l, 100, &p);
		h = (h ^ p.n) * 1099511628211ull;
	}
	*pattern = h;
	assert_int_equal(l.st.frames, n);
	double f = (double)l.st.lost / n;
	link_fini(&l);
	return f;
}

static void test_link_loss_statistics(void **st)
{
	(void)st;
	uint64_t p1, p2, p3;
	double f1 = loss_run(1, 0.25, 200000, &p1), f2 = loss_run(1, 0.25, 200000, &p2), f3 = loss_run(2, 0.25, 200000, &p3);
	/* 200000 Bernoulli(0.25) draws: sigma ~ 0.001, so 0.005 is 5 sigma */
	assert_true(f1 > 0.245 && f1 < 0.255);
	assert_true(f3 > 0.245 && f3 < 0.255);
	assert_true(f1 == f2 && p1 == p2);     /* same seed: the same frames are lost */
	assert_true(p1 != p3);                 /* another seed: another pattern */
	uint64_t p0;
	assert_true(loss_run(1, 0, 1000, &p0) == 0);
	assert_true(loss_run(1, 1, 1000, &p0) == 1);
}

static void test_link_dup_reorder_jitter(void **st)
{
	(void)st;
	struct sim_link l;
	struct sim_link_cfg c = { .delay_ns = 10 * MS, .jitter_ns = 2 * MS, .dup = 0.1, .reorder = 0.05,
				  .reorder_ns = 50 * MS };
	struct sim_link_plan p;
	link_init(&l, "x", 0, &c, 3);
	unsigned n = 100000, held = 0;
	for (unsigned i = 0; i < n; i++) {
		link_plan(&l, 100, &p);
		assert_true(p.n == 1 || p.n == 2);
		uint64_t d = p.delay_ns[0];
		if (d >= 60 * MS) {
			held++;
			d -= 50 * MS;
		}
		assert_true(d >= 10 * MS && d <= 12 * MS);
		if (p.n == 2)
			assert_true(p.delay_ns[1] > p.delay_ns[0]);   /* the copy trails the original */
	}
	assert_int_equal(held, l.st.reordered);
	assert_true(l.st.duplicated > 0.09 * n && l.st.duplicated < 0.11 * n);
	assert_true(l.st.reordered > 0.04 * n && l.st.reordered < 0.06 * n);
	assert_int_equal(l.st.lost, 0);
	link_fini(&l);
}

static void test_link_mtu(void **st)
{
	(void)st;
	struct sim_link a, b;
	struct sim_link_cfg c = { .delay_ns = MS, .loss = 0.5, .mtu = 1280 };
	struct sim_link_plan pa, pb;
	link_init(&a, "a", 0, &c, 9);
	link_init(&b, "b", 0, &c, 9);
	link_plan(&a, 1281, &pa);
	assert_true(pa.too_big);
	assert_int_equal(pa.n, 0);
	assert_int_equal(a.st.mtu_drops, 1);
	assert_int_equal(a.st.frames, 0);
	/* a refused frame draws nothing: the next frames meet the same fate */
	for (int i = 0; i < 100; i++) {
		link_plan(&a, 1280, &pa);
		link_plan(&b, 1280, &pb);
		assert_false(pa.too_big);
		assert_int_equal(pa.n, pb.n);
	}
	link_fini(&a);
	link_fini(&b);
	struct sim_link_cfg bad = { .loss = 1.5 };
	assert_non_null(link_cfg_check(&bad));
	bad.loss = 0;
	bad.mtu = 1000;
	assert_non_null(link_cfg_check(&bad));
}

/* ---- the simulator with fake hosts ---- */

struct obs_log {
	unsigned frames, notes, mtu_notes, delivers;
	uint64_t frame_at[64];
	struct sim *s;
	int resend_host;               /* deliver callback sends from this host */
};

static void ob_frame(void *ctx, const struct sim_link *l, int from, const uint8_t *pkt, size_t len, uint64_t now)
{
	(void)l, (void)from, (void)pkt, (void)len;
	struct obs_log *o = ctx;
	if (o->frames < 64)
		o->frame_at[o->frames] = now;
	o->frames++;
}

static void ob_note(void *ctx, const struct sim_note *n)
{
	struct obs_log *o = ctx;
	o->notes++;
	o->mtu_notes += n->type == SIM_NOTE_MTU_DROP;
}

static void ob_deliver(void *ctx, const struct sim_host *h, const uint8_t *pkt, size_t len, uint64_t now)
{
	(void)h, (void)now;
	struct obs_log *o = ctx;
	o->delivers++;
	if (o->resend_host >= 0 && o->delivers == 1) {
		/* an application answering from inside the host's delivery callback */
		uint8_t reply[NODE_PKT_MAX];
		memcpy(reply, pkt, len);
		memcpy(reply + 8, pkt + 24, 16);
		memcpy(reply + 24, pkt + 8, 16);
		m6_put32(reply + 40, 0x5e5e5e5e);
		assert_int_equal(sim_app_send(o->s, (unsigned)o->resend_host, reply, len), 0);
	}
}

static struct sim *three_hosts_r(struct obs_log *o, bool switched, int router, struct fake **a, struct fake **b,
				 struct fake **c)
{
	struct sim *s = sim_new(1);
	struct sim_link_cfg lc = { .delay_ns = 3 * MS, .switched = switched };
	memset(o, 0, sizeof(*o));
	o->s = s;
	o->resend_host = -1;
	struct sim_observer ob = { .ctx = o, .frame = ob_frame, .note = ob_note, .deliver = ob_deliver };
	sim_set_observer(s, &ob);
	assert_int_equal(sim_add_link(s, "lan", &lc), 0);
	*a = fake_add(s, "a", 1, (const char *[]){ "2001:db8::a" });
	*b = fake_add(s, "b", 1, (const char *[]){ "2001:db8::b" });
	*c = fake_add(s, "c", 1, (const char *[]){ "2001:db8::c" });
	if (router >= 0)
		s->hosts[router]->router = true;
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(sim_attach(s, i, 0, 0), 0);
	sim_start(s);
	return s;
}

static struct sim *three_hosts(struct obs_log *o, bool switched, struct fake **a, struct fake **b, struct fake **c)
{
	return three_hosts_r(o, switched, -1, a, b, c);
}

static void test_hub_delivers_to_every_other_port(void **st)
{
	(void)st;
	struct obs_log o;
	struct fake *a, *b, *c;
	struct sim *s = three_hosts(&o, false, &a, &b, &c);
	uint8_t pkt[128];
	size_t len = fake_pkt(pkt, "2001:db8::a", "2001:db8::b", 0x1234, 0);
	s->now = 10 * MS;
	assert_int_equal(sim_app_send(s, 0, pkt, len), 0);
	assert_int_equal(o.frames, 1);
	assert_true(o.frame_at[0] == 10 * MS);      /* recorded when sent */
	assert_int_equal(sim_run_until(s, SIM_NEVER), 0);
	assert_int_equal(b->rx, 1);
	assert_true(b->rx_at[0] == 13 * MS);        /* after the link delay */
	assert_int_equal(b->rx_tag[0], 0x1234);
	assert_int_equal(c->rx, 0);                 /* c saw it and filtered it */
	assert_int_equal(s->hosts[2]->st.rx, 1);
	assert_int_equal(a->rx, 0);                 /* never back to the sender */
	assert_int_equal(s->links[0]->st.deliveries, 2);
	assert_int_equal(a->link_ups, 1);
	sim_free(s);
}

static void test_switch_resolves_neighbours(void **st)
{
	(void)st;
	struct obs_log o;
	struct fake *a, *b, *c;
	struct sim *s = three_hosts(&o, true, &a, &b, &c);
	uint8_t pkt[128];
	size_t len = fake_pkt(pkt, "2001:db8::a", "2001:db8::b", 1, 0);
	sim_app_send(s, 0, pkt, len);
	len = fake_pkt(pkt, "2001:db8::a", "ff02::1", 2, 0);      /* multicast: everyone */
	sim_app_send(s, 0, pkt, len);
	len = fake_pkt(pkt, "2001:db8::a", "2001:db8:9::1", 3, 0); /* off-link: the routers */
	sim_app_send(s, 0, pkt, len);
	sim_run_until(s, SIM_NEVER);
	assert_int_equal(s->hosts[1]->st.rx, 2);    /* unicast + multicast */
	assert_int_equal(s->hosts[2]->st.rx, 1);    /* multicast only */
	assert_int_equal(s->links[0]->st.unresolved, 0);
	sim_free(s);
	s = three_hosts_r(&o, true, 2, &a, &b, &c);
	len = fake_pkt(pkt, "2001:db8::a", "2001:db8:9::1", 3, 0);
	sim_app_send(s, 0, pkt, len);
	sim_run_until(s, SIM_NEVER);
	assert_int_equal(s->hosts[1]->st.rx, 0);
	assert_int_equal(s->hosts[2]->st.rx, 1);    /* the router got the off-link frame */
	sim_free(s);
}

/* Who got a frame, in the order the link handed it over. */
static int rx_order[128];
static unsigned rx_n;

static int rec_input(void *h, unsigned ifindex, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct fake *f = h;
	if (rx_n < 128)
		rx_order[rx_n++] = f->index;
	return fake_input(h, ifindex, pkt, len, now);
}

/* A link with many hosts coming and going (a million mobile nodes move):
 * a detach is O(1), its slot reclaimed later, and every frame still
 * reaches the attached ports in the order they attached. */
static void test_port_churn_keeps_order(void **st)
{
	(void)st;
	enum { N = 60 };
	struct sim *s = sim_new(1);
	struct sim_link_cfg lc = { .delay_ns = MS };
	static struct sim_host_ops rec_ops;
	rec_ops = fake_ops;
	rec_ops.input = rec_input;
	assert_int_equal(sim_add_link(s, "lan", &lc), 0);
	assert_int_equal(sim_add_link(s, "other", &lc), 1);
	for (int i = 0; i < N; i++) {
		char name[16];
		snprintf(name, sizeof(name), "h%d", i);
		fake_add(s, name, 1, NULL);
		s->hosts[i]->ops = &rec_ops;
		assert_int_equal(sim_attach(s, (unsigned)i, 0, 0), 0);
	}
	sim_start(s);
	/* two thirds leave (the slots are reclaimed on the way), some come back */
	int want[N];
	unsigned nw = 0;
	for (int i = 1; i < N; i++)
		if (i % 3)
			assert_int_equal(sim_attach(s, (unsigned)i, 0, 1), 0);
	assert_true(s->links[0]->n_ports < N);
	for (int i = 1; i < N; i++)
		if (i % 3 == 0)
			want[nw++] = i;
	for (int i = N - 1; i > 0; i -= 7) {
		if (i % 3 == 0) {
			assert_int_equal(sim_detach(s, (unsigned)i, 0), 0);     /* a moved slot is found */
			for (unsigned k = 0; k < nw; k++)
				if (want[k] == i)
					memmove(&want[k], &want[k + 1], (--nw - k) * sizeof(want[0]));
		}
		assert_int_equal(sim_attach(s, (unsigned)i, 0, 0), 0);
		want[nw++] = i;
	}
	uint8_t pkt[128];
	size_t len = fake_pkt(pkt, "2001:db8::a", "ff02::1", 7, 0);
	rx_n = 0;
	assert_int_equal(sim_app_send(s, 0, pkt, len), 0);
	assert_int_equal(sim_run_until(s, SIM_NEVER), 0);
	assert_int_equal(rx_n, nw);
	for (unsigned k = 0; k < nw; k++)
		assert_int_equal(rx_order[k], want[k]);
	sim_free(s);
}

static void test_attachment_times(void **st)
{
	(void)st;
	struct obs_log o;
	struct fake *a, *b, *c;
	struct sim *s = three_hosts(&o, false, &a, &b, &c);
	uint8_t pkt[128];
	size_t len = fake_pkt(pkt, "2001:db8::a", "ff02::1", 7, 0);
	sim_app_send(s, 0, pkt, len);
	/* b leaves while the frame is in flight, c re-attaches: neither gets it */
	assert_int_equal(sim_detach(s, 1, 0), 0);
	assert_int_equal(b->link_downs, 1);
	s->now = 1 * MS;
	assert_int_equal(sim_detach(s, 2, 0), 0);
	assert_int_equal(sim_attach(s, 2, 0, 0), 0);
	sim_run_until(s, SIM_NEVER);
	assert_int_equal(b->rx + c->rx, 0);
	/* sending while detached goes nowhere and is counted */
	len = fake_pkt(pkt, "2001:db8::b", "ff02::1", 8, 0);
	sim_app_send(s, 1, pkt, len);
	assert_int_equal(s->hosts[1]->st.tx_unattached, 1);
	assert_int_equal(sim_attach(s, 9, 0, 0), M6_E_INVAL);
	assert_int_equal(sim_attach(s, 0, 3, 0), M6_E_INVAL);
	sim_free(s);
}

static void test_timers_fire_on_time(void **st)
{
	(void)st;
	struct sim *s = sim_new(1);
	struct fake *f = fake_add(s, "t", 1, NULL);
	f->timers[f->n_timers++] = 5 * MS;
	f->timers[f->n_timers++] = 1 * MS;
	f->timers[f->n_timers++] = 3 * MS;
	sim_start(s);
	assert_int_equal(f->link_downs, 1);         /* never attached: reported down */
	sim_run_until(s, 2 * MS);
	assert_int_equal(f->n_fired, 1);
	assert_true(f->fired[0] == 1 * MS);
	assert_true(s->now == 2 * MS);
	/* a new, earlier timer supersedes the armed one */
	f->timers[f->n_timers++] = 2500000;
	uint8_t pkt[64];
	size_t len = fake_pkt(pkt, "2001:db8::1", "2001:db8::2", 0, 0);
	sim_app_send(s, 0, pkt, len);               /* any call re-arms the timer */
	sim_run_until(s, SIM_NEVER);
	assert_int_equal(f->n_fired, 4);
	assert_true(f->fired[1] == 2500000);
	assert_true(f->fired[2] == 3 * MS);
	assert_true(f->fired[3] == 5 * MS);
	assert_int_equal(f->n_timers, 0);
	assert_true(s->ctr.timers == 4);
	sim_free(s);
}

static unsigned stuck_fired;

static void stuck_on_timer(void *h, uint64_t now)
{
	(void)h, (void)now;
	stuck_fired++;               /* and the timer stays where it was */
}

/* A host whose timer stays due however often it fires (node_pump's guard):
 * fired NODE_PUMP_SPIN_MAX + 1 times at one instant, then noted and
 * delayed by 1 ns, so the run goes on. The ops are swapped after the host
 * was added, as the scenario fuzzer does: the pump must hear the new ones. */
static void test_timer_that_stays_due(void **st)
{
	(void)st;
	struct obs_log o;
	memset(&o, 0, sizeof(o));
	struct sim *s = sim_new(1);
	struct sim_observer ob = { .ctx = &o, .note = ob_note };
	sim_set_observer(s, &ob);
	struct fake *f = fake_add(s, "stuck", 1, NULL);
	static struct sim_host_ops stuck_ops;
	stuck_ops = *s->hosts[f->index]->ops;
	stuck_ops.on_timer = stuck_on_timer;
	s->hosts[f->index]->ops = &stuck_ops;
	f->timers[f->n_timers++] = 5 * MS;
	stuck_fired = 0;
	sim_start(s);
	assert_int_equal(sim_run_until(s, 5 * MS + 2), 0);
	assert_int_equal(o.notes, 3);                /* at 5 ms, 5 ms + 1 ns, 5 ms + 2 ns */
	assert_int_equal(stuck_fired, 3 * (NODE_PUMP_SPIN_MAX + 1));
	assert_true(s->ctr.timers == stuck_fired);
	assert_true(s->now == 5 * MS + 2);
	assert_int_equal(s->hosts[f->index]->pump.n_stalls, 3);
	sim_free(s);
}

static void test_app_send_from_callback_is_deferred(void **st)
{
	(void)st;
	struct obs_log o;
	struct fake *a, *b, *c;
	struct sim *s = three_hosts(&o, false, &a, &b, &c);
	o.resend_host = 1;
	uint8_t pkt[128];
	size_t len = fake_pkt(pkt, "2001:db8::a", "2001:db8::b", 1, 0);
	sim_app_send(s, 0, pkt, len);
	sim_run_until(s, SIM_NEVER);
	assert_false(b->reentered);
	assert_int_equal(a->rx, 1);                 /* the answer came back */
	assert_int_equal(a->rx_tag[0], 0x5e5e5e5e);
	assert_true(a->rx_at[0] == 6 * MS);         /* sent at 3 ms, when b received */
	sim_free(s);
}

static void test_mtu_drop_is_reported(void **st)
{
	(void)st;
	struct obs_log o;
	struct fake *a, *b, *c;
	struct sim *s = three_hosts(&o, false, &a, &b, &c);
	struct sim_link_cfg lc = s->links[0]->cfg;
	lc.mtu = 1280;
	assert_int_equal(sim_link_set(s, 0, &lc), 0);
	uint8_t pkt[1400];
	size_t len = fake_pkt(pkt, "2001:db8::a", "2001:db8::b", 1, 1300);
	sim_app_send(s, 0, pkt, len);
	sim_run_until(s, SIM_NEVER);
	assert_int_equal(b->rx, 0);
	assert_int_equal(o.mtu_notes, 1);
	assert_int_equal(o.frames, 0);               /* it never made it onto the wire */
	assert_int_equal(s->links[0]->st.mtu_drops, 1);
	lc.loss = 2;
	assert_int_equal(sim_link_set(s, 0, &lc), M6_E_INVAL);
	sim_free(s);
}

static void test_run_until_and_stop(void **st)
{
	(void)st;
	struct sim *s = sim_new(1);
	struct fake *f = fake_add(s, "t", 1, NULL);
	for (unsigned i = 0; i < 10; i++)
		f->timers[f->n_timers++] = (i + 1) * MS;
	sim_start(s);
	sim_run_until(s, 4 * MS);                   /* events at exactly `end` run */
	assert_int_equal(f->n_fired, 4);
	sim_stop(s);
	sim_run_until(s, SIM_NEVER);
	assert_int_equal(f->n_fired, 4);
	assert_true(s->ctr.timers == 4);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_ties_keep_push_order),
		cmocka_unit_test(test_queue_random_order),
		cmocka_unit_test(test_rng_streams),
		cmocka_unit_test(test_link_loss_statistics),
		cmocka_unit_test(test_link_dup_reorder_jitter),
		cmocka_unit_test(test_link_mtu),
		cmocka_unit_test(test_hub_delivers_to_every_other_port),
		cmocka_unit_test(test_switch_resolves_neighbours),
		cmocka_unit_test(test_port_churn_keeps_order),
		cmocka_unit_test(test_attachment_times),
		cmocka_unit_test(test_timers_fire_on_time),
		cmocka_unit_test(test_timer_that_stays_due),
		cmocka_unit_test(test_app_send_from_callback_is_deferred),
		cmocka_unit_test(test_mtu_drop_is_reported),
		cmocka_unit_test(test_run_until_and_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
