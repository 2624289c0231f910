/* The driver pump (node_pump.h): every queued packet handed over in order,
 * the timer fired only when due, the next expiry never before now, and the
 * guard against a timer that stays due; then a real router's periodic
 * Router Advertisements through it. */
#include "tu.h"
#include "node/node.h"
#include "node/node_pump.h"

#define MS 1000000ull

/* A stand-in with the node's three calls: a queue of packets, a scripted
 * expiry, and a timer that queues one packet per firing and may refuse to
 * move on (stuck). */
struct fake {
	unsigned queued, fired;
	uint64_t expiry;
	uint64_t interval;            /* what firing adds to expiry (0: stuck) */
	uint64_t fired_at;
};

static int f_output(void *h, struct node_out *out, uint64_t now)
{
	(void)now;
	struct fake *f = h;
	if (!f->queued)
		return 0;
	f->queued--;
	out->ifindex = 0;
	out->len = 1;
	out->pkt[0] = (uint8_t)f->queued;   /* countdown: tells the order */
	return 1;
}

static uint64_t f_next_expiry(void *h)
{
	return ((struct fake *)h)->expiry;
}

static void f_on_timer(void *h, uint64_t now)
{
	struct fake *f = h;
	f->fired++;
	f->fired_at = now;
	f->queued++;
	f->expiry = f->interval ? now + f->interval : f->expiry;
}

static const struct node_pump_ops fake_ops = { f_output, f_next_expiry, f_on_timer };

static uint8_t seen[64];
static unsigned n_seen;

static void tx(void *ctx, const struct node_out *out)
{
	(void)ctx;
	assert_true(n_seen < sizeof(seen));
	seen[n_seen++] = out->pkt[0];
}

static void test_drain_in_order(void **s)
{
	(void)s;
	struct fake f = { .queued = 5, .expiry = 70 * MS };
	struct node_pump p;
	n_seen = 0;
	node_pump_init_ops(&p, &fake_ops, &f, tx, NULL);
	assert_int_equal(node_pump_drain(&p, 10 * MS), 70 * MS);
	assert_int_equal(n_seen, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(seen[i], 4 - i);
	assert_int_equal(p.n_tx, 5);
	assert_int_equal(f.fired, 0);              /* draining never fires */
	assert_int_equal(p.last, 0);
	/* nothing queued: nothing sent, same answer */
	assert_int_equal(node_pump_drain(&p, 20 * MS), 70 * MS);
	assert_int_equal(n_seen, 5);
}

static void test_timer_only_when_due(void **s)
{
	(void)s;
	struct fake f = { .expiry = 100 * MS, .interval = 100 * MS };
	struct node_pump p;
	n_seen = 0;
	node_pump_init_ops(&p, &fake_ops, &f, tx, NULL);
	/* armed for 50 ms, since superseded by 100 ms: no firing */
	assert_int_equal(node_pump_timer(&p, 50 * MS), 100 * MS);
	assert_int_equal(f.fired, 0);
	assert_int_equal(p.last, 0);
	assert_int_equal(node_pump_timer(&p, 100 * MS), 200 * MS);
	assert_int_equal(f.fired, 1);
	assert_int_equal(f.fired_at, 100 * MS);
	assert_int_equal(p.last, NODE_PUMP_FIRED);
	assert_int_equal(n_seen, 1);               /* what the timer queued went out */
	/* a driver late by 30 ms still fires; the node's answer stands */
	assert_int_equal(node_pump_timer(&p, 230 * MS), 330 * MS);
	assert_int_equal(f.fired, 2);
	assert_int_equal(p.n_fired, 2);
}

static void test_next_not_before_now(void **s)
{
	(void)s;
	struct fake f = { .expiry = 5 * MS };
	struct node_pump p;
	node_pump_init_ops(&p, &fake_ops, &f, NULL, NULL);
	/* overdue: come back now, not in the past */
	assert_int_equal(node_pump_drain(&p, 9 * MS), 9 * MS);
	f.expiry = NODE_PUMP_NEVER;
	assert_int_equal(node_pump_drain(&p, 9 * MS), NODE_PUMP_NEVER);
	assert_int_equal(node_pump_timer(&p, 9 * MS), NODE_PUMP_NEVER);
	assert_int_equal(p.n_fired, 0);
}

/* A timer that stays due: the pump fires it spin_max times at one instant,
 * then answers now + 1 ns once, counting the stall; the next instant starts
 * afresh. */
static void test_guard(void **s)
{
	(void)s;
	struct fake f = { .expiry = 7 * MS, .interval = 0 };
	struct node_pump p;
	node_pump_init_ops(&p, &fake_ops, &f, NULL, NULL);
	assert_int_equal(p.spin_max, NODE_PUMP_SPIN_MAX);
	p.spin_max = 3;
	uint64_t t = 7 * MS;
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(node_pump_timer(&p, t), t);
		assert_int_equal(p.last, NODE_PUMP_FIRED);
	}
	assert_int_equal(node_pump_timer(&p, t), t + 1);
	assert_int_equal(p.last, NODE_PUMP_FIRED | NODE_PUMP_STALLED);
	assert_int_equal(p.n_stalls, 1);
	assert_int_equal(p.spin, 4);
	/* a packet arriving at the same instant does not bring it back to t */
	assert_int_equal(node_pump_drain(&p, t), t + 1);
	assert_int_equal(f.fired, 4);
	/* at t + 1 the count starts again */
	assert_int_equal(node_pump_timer(&p, t + 1), t + 1);
	assert_int_equal(p.spin, 1);
	assert_int_equal(p.n_stalls, 1);
	/* the node recovers: the guard is never heard of again */
	f.interval = MS;
	assert_int_equal(node_pump_timer(&p, t + 1), t + 1 + MS);
	assert_int_equal(p.last, NODE_PUMP_FIRED);
}

/* The real node: a router advertising its prefix every 200 ms. */
static unsigned ras, ras_if0;

static void tx_router(void *ctx, const struct node_out *out)
{
	(void)ctx;
	if (out->len > 40 && out->pkt[6] == IP6P_ICMPV6 && out->pkt[40] == 134) {
		ras++;
		ras_if0 += out->ifindex == 0;
	}
}

static void test_router_ras(void **s)
{
	(void)s;
	struct node_cfg c;
	char err[256];
	memset(&c, 0, sizeof(c));
	c.name = "r";
	c.n_ifaces = 1;
	c.ifaces[0].has_addr = true;
	tu_addr("2001:db8:2::1", c.ifaces[0].addr);
	tu_addr("2001:db8:2::", c.ifaces[0].prefix);
	c.ifaces[0].plen = 64;
	c.ifaces[0].advertise = true;
	c.ifaces[0].ra_interval_ms = 200;
	c.forwarding = true;
	struct node *n = node_new(&c, 0, err, sizeof(err));
	assert_non_null(n);
	struct node_pump p;
	node_pump_init(&p, n, tx_router, NULL);
	uint64_t now = 0, next = node_pump_drain(&p, now);
	assert_int_equal(next, node_next_expiry(n));
	unsigned firings = 0;
	while (next <= 1000 * MS) {
		now = next;
		next = node_pump_timer(&p, now);
		assert_true(next > now);
		assert_int_equal(next, node_next_expiry(n));
		firings++;
	}
	assert_true(firings >= 5);
	assert_int_equal(ras, p.n_tx);
	assert_int_equal(ras, firings);
	assert_int_equal(ras_if0, ras);
	assert_int_equal(p.n_stalls, 0);
	node_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drain_in_order),
		cmocka_unit_test(test_timer_only_when_due),
		cmocka_unit_test(test_next_not_before_now),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_router_ras),
	};
	return cmocka_run_group_tests_name("node_pump", tests, NULL, NULL);
}
