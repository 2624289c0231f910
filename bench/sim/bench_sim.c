/*
 * bench_sim — how fast the simulator runs a large network: N mobile nodes
 * (default 10,000) registering with one home agent through one router.
 *
 * A driver, not a test: it prints figures and asserts nothing about time
 * (it only checks that every mobile node ends up registered). The network
 * is built in memory through the simulator's API: the home agent and a
 * router on the home link, the router's three foreign links (switched,
 * 2 ms) with the mobile nodes spread over them, each with its own manually
 * keyed ESP SAs for BU/BA (the home agent holds them all). The mobile nodes
 * attach 50 us apart from t = 0, register (Router Advertisement, care-of
 * address, BU, DAD, BA), move to the next foreign link 50 us apart from
 * t = 10 s, register again, and the run goes on to t = SECONDS (default 30).
 * Figures: queue events per second of wall time (and node calls: frame
 * deliveries and timer expiries), with the baseline measured in the same
 * run: the bare event queue doing the same number of no-op events at the
 * same queue length. `bench_sim [N [SECONDS]]`.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyconf.h"
#include "pkt/ip6.h"
#include "sim.h"
#include "sim_node.h"
#include "sim_queue.h"
#include "sim_rng.h"

#define SEC 1000000000ull
#define US 1000ull
#define N_FOREIGN 3
#define CBC "enc = \"aes-cbc\"; enc_key = \"000102030405060708090a0b0c0d0e0f\"; " \
	"auth = \"hmac-sha256-128\"; auth_key = \"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\";"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_sim: %s\n", what);
	exit(1);
}

static void hoa_of(unsigned i, char buf[64])
{
	snprintf(buf, 64, "2001:db8:1::%x:%x", 1 + i / 65536, i % 65536);
}

/* A growing text buffer for the home agent's generated configuration. */
struct text {
	char *p;
	size_t n, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
		va_end(ap);
		if (k >= 0 && (size_t)k < t->cap - t->n) {
			t->n += (size_t)k;
			return;
		}
		t->cap = t->cap ? 2 * t->cap : 1 << 20;
		if (!(t->p = realloc(t->p, t->cap)))
			die("out of memory");
	}
}

static void load_ipsec(const char *text, struct node_cfg *cfg)
{
	struct keyconf kc;
	char err[512];
	if (keyconf_load_string(text, &kc, err, sizeof(err)))
		die(err);
	cfg->bits = kc.bits;
	cfg->spd = kc.spd;
	cfg->sad = kc.sad;
	cfg->pad = kc.pad;
	kc.spd = NULL;
	kc.sad = NULL;
	kc.pad = NULL;
	keyconf_free(&kc);
}

static void iface(struct node_cfg *c, const char *addr, unsigned plen, bool advertise)
{
	struct node_iface_cfg *f = &c->ifaces[c->n_ifaces++];
	f->has_addr = true;
	ip6_addr_parse(addr, f->addr);
	spd_sel_prefix(f->prefix, (uint8_t[16]){ 0 }, f->addr, plen);
	f->plen = plen;
	f->advertise = advertise;
}

/* The home agent: one inbound BU and one outbound BA policy + SA per MN. */
static void add_ha(struct sim *s, unsigned n)
{
	struct node_cfg c;
	struct text t = { NULL, 0, 0 };
	char hoa[64], err[256];
	memset(&c, 0, sizeof(c));
	c.name = "ha";
	iface(&c, "2001:db8:1::1", 64, true);
	c.forwarding = true;
	c.n_routes = 1;
	ip6_addr_parse("2001:db8:10::", c.routes[0].prefix);
	c.routes[0].plen = 44;   /* the foreign links 2001:db8:10::/64 .. 12::/64 */
	c.routes[0].has_nexthop = true;
	ip6_addr_parse("2001:db8:1::2", c.routes[0].nexthop);
	c.is_ha = true;
	ip6_addr_parse("2001:db8:1::1", c.ha.addr);
	ip6_addr_parse("2001:db8:1::", c.ha.prefix);
	c.ha.plen = 64;
	c.ha.max_bindings = 2 * (size_t)n + 16;
	c.ha.dad_timeout_ms = 1000;
	put(&t, "node = { model = \"normalise\"; };\nspd = (\n");
	for (unsigned i = 0; i < n; i++) {
		hoa_of(i, hoa);
		put(&t, "{ name = \"bu%u\"; dir = \"in\"; order = %u; local = \"2001:db8:1::1\"; remote = \"%s\"; "
			"proto = \"mh\"; mh_type = \"bu\"; },\n{ name = \"ba%u\"; dir = \"out\"; order = %u; "
			"local = \"2001:db8:1::1\"; remote = \"%s\"; proto = \"mh\"; mh_type = \"ba\"; },\n",
		    i, 10 + i, hoa, i, 10 + i, hoa);
	}
	put(&t, "{ name = \"mh\"; dir = \"in\"; order = 2000000000; proto = \"mh\"; action = \"discard\"; },\n"
		"{ name = \"ro\"; dir = \"out\"; order = 2000000001; action = \"bypass\"; },\n"
		"{ name = \"ri\"; dir = \"in\"; order = 2000000001; action = \"bypass\"; } );\nsa = (\n");
	for (unsigned i = 0; i < n; i++) {
		hoa_of(i, hoa);
		put(&t, "{ spi = %u; policy = \"bu%u\"; src = \"%s\"; dst = \"2001:db8:1::1\"; " CBC " },\n"
			"{ spi = %u; policy = \"ba%u\"; src = \"2001:db8:1::1\"; dst = \"%s\"; " CBC " }%s\n",
		    0x10000 + 2 * i, i, hoa, 0x10001 + 2 * i, i, hoa, i + 1 < n ? "," : "");
	}
	put(&t, ");\n");
	load_ipsec(t.p, &c);
	free(t.p);
	c.seed = sim_node_seed(s, 0);
	if (sim_add_node(s, &c, err, sizeof(err)) != 0)
		die(err);
}

static void add_router(struct sim *s)
{
	struct node_cfg c;
	char err[256];
	memset(&c, 0, sizeof(c));
	c.name = "r";
	iface(&c, "2001:db8:1::2", 64, false);
	iface(&c, "2001:db8:10::1", 64, true);
	iface(&c, "2001:db8:11::1", 64, true);
	iface(&c, "2001:db8:12::1", 64, true);
	c.forwarding = true;
	c.seed = sim_node_seed(s, 1);
	if (sim_add_node(s, &c, err, sizeof(err)) != 1)
		die(err);
}

static void add_mn(struct sim *s, unsigned i)
{
	struct node_cfg c;
	char hoa[64], name[32], text[2048], err[256];
	memset(&c, 0, sizeof(c));
	hoa_of(i, hoa);
	snprintf(name, sizeof(name), "mn%u", i);
	c.name = name;
	c.n_ifaces = 1;
	c.is_mn = true;
	ip6_addr_parse(hoa, c.mn.hoa);
	ip6_addr_parse("2001:db8:1::", c.mn.home_prefix);
	c.mn.home_plen = 64;
	ip6_addr_parse("2001:db8:1::1", c.mn.ha);
	memcpy(c.mn.iid, c.mn.hoa + 8, 8);
	c.mn.lifetime_s = 3600;
	snprintf(text, sizeof(text),
		 "node = { model = \"normalise\"; };\nspd = (\n"
		 "{ name = \"bu\"; dir = \"out\"; order = 10; local = \"%s\"; remote = \"2001:db8:1::1\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
		 "{ name = \"ba\"; dir = \"in\"; order = 10; local = \"%s\"; remote = \"2001:db8:1::1\"; proto = \"mh\"; mh_type = \"ba\"; },\n"
		 "{ name = \"ro\"; dir = \"out\"; order = 9000; action = \"bypass\"; },\n"
		 "{ name = \"ri\"; dir = \"in\"; order = 9000; action = \"bypass\"; } );\n"
		 "sa = ( { spi = %u; policy = \"bu\"; src = \"%s\"; dst = \"2001:db8:1::1\"; " CBC " },\n"
		 "{ spi = %u; policy = \"ba\"; src = \"2001:db8:1::1\"; dst = \"%s\"; " CBC " } );\n",
		 hoa, hoa, 0x10000 + 2 * i, hoa, 0x10001 + 2 * i, hoa);
	load_ipsec(text, &c);
	c.seed = sim_node_seed(s, 2 + i);
	if (sim_add_node(s, &c, err, sizeof(err)) != (int)(2 + i))
		die(err);
}

/* Attach (arg 0) or move (arg 1) mobile node i, scheduled per node. */
struct mover {
	struct sim_task task;
	unsigned i;
};

static void move_fn(struct sim *s, struct sim_task *t, uint32_t arg)
{
	struct mover *m = (struct mover *)t;
	if (sim_attach(s, 2 + m->i, 0, 1 + (m->i + arg) % N_FOREIGN))
		die("attach failed");
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
	if (!n || n > 1000000 || !(secs >= 12))
		die("usage: bench_sim [N (1..1000000) [SECONDS (>= 12)]]");
	double t_build = now_s();
	struct sim *s = sim_new(1);
	struct sim_link_cfg lc = { .delay_ns = 1000 * US, .switched = true };
	if (!s || sim_add_link(s, "home", &lc) != 0)
		die("out of memory");
	lc.delay_ns = 2000 * US;
	for (unsigned k = 0; k < N_FOREIGN; k++) {
		char name[16];
		snprintf(name, sizeof(name), "f%u", k);
		if (sim_add_link(s, name, &lc) != (int)(1 + k))
			die("out of memory");
	}
	add_ha(s, n);
	add_router(s);
	for (unsigned i = 0; i < n; i++)
		add_mn(s, i);
	sim_attach(s, 0, 0, 0);
	for (unsigned k = 0; k < 4; k++)
		sim_attach(s, 1, k, k);
	struct mover *mv = calloc(n, sizeof(*mv));
	if (!mv)
		die("out of memory");
	for (unsigned i = 0; i < n; i++) {
		mv[i].task.fn = move_fn;
		mv[i].i = i;
		sim_at(s, (uint64_t)i * 50 * US, &mv[i].task, 0);
	}
	/* the second round needs the task again: a second array of movers */
	struct mover *mv2 = calloc(n, sizeof(*mv2));
	if (!mv2)
		die("out of memory");
	for (unsigned i = 0; i < n; i++) {
		mv2[i].task.fn = move_fn;
		mv2[i].i = i;
		sim_at(s, 10 * SEC + (uint64_t)i * 50 * US, &mv2[i].task, 1);
	}
	sim_start(s);
	t_build = now_s() - t_build;

	/* run in slices to learn the mean queue length for the baseline */
	double t0 = now_s();
	uint64_t end = (uint64_t)(secs * 1e9), step = SEC / 10;
	double qsum = 0;
	unsigned slices = 0;
	for (uint64_t t = step; t <= end && !s->error; t += step) {
		if (sim_run_until(s, t))
			die("simulation error");
		qsum += (double)sim_queue_len(&s->q);
		slices++;
	}
	double wall = now_s() - t0;

	struct node *ha = sim_host_node(s->hosts[0]);
	size_t bound = bcache_count(ha_bcache(node_ha(ha))), registered = 0;
	for (unsigned i = 0; i < n; i++) {
		struct mn *mn = node_mn(sim_host_node(s->hosts[2 + i]));
		registered += mn_registered(mn);
	}
	uint64_t events = s->ctr.events, node_calls = s->ctr.deliveries + s->ctr.timers;
	size_t qlen = slices ? (size_t)(qsum / slices) : 1;
	double base = baseline(events, qlen ? qlen : 1);

	printf("simulator: %u mobile nodes, 1 home agent, 1 router, %d foreign links; %.0f s simulated\n", n,
	       N_FOREIGN, secs);
	printf("  setup (configuration, %u IPsec tables): %.2f s wall\n", n + 1, t_build);
	printf("  run: %.3f s wall, %.1f x real time\n", wall, secs / wall);
	printf("  queue events %llu: %.0f events/s; node calls (deliveries + timers) %llu: %.0f calls/s\n",
	       (unsigned long long)events, (double)events / wall, (unsigned long long)node_calls,
	       (double)node_calls / wall);
	printf("  baseline: bare queue, %llu no-op events at length %zu: %.3f s, %.0f events/s\n",
	       (unsigned long long)events, qlen, base, (double)events / base);
	printf("  ratio (simulation / bare queue, events per second): %.4f\n", base / wall);
	printf("  check: %zu bindings at the home agent, %zu of %u mobile nodes registered\n", bound, registered, n);
	int rc = registered == n ? 0 : 1;
	if (rc)
		fprintf(stderr, "bench_sim: not every mobile node registered\n");
	free(mv);
	free(mv2);
	sim_free(s);
	return rc;
}
