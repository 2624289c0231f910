/*
 * bench_flood — Binding Update floods at the home agent, in the simulator.
 *
 * Mobile node A is registered from R1 (true-address model, manually keyed
 * ESP for BU/BA, an 8 s lifetime so it refreshes during the flood) while a
 * correspondent pings its home address every 100 ms. From t = 5 s for
 * FLOOD seconds an attacker on R2 sends, each simulated second, RATE of
 * each kind:
 *  (a) unprotected BUs with a spoofed Home Address option (a random home
 *      address in the home prefix, a random source on R2): the SPD
 *      discards clear Mobility Header packets;
 *  (b) protected BUs replayed (A's first BU, captured: its ESP sequence
 *      number is behind the window of A's SA, which checks replay) and BUs with old Mobility Header
 *      sequence numbers over host B's own SA for B's own home address
 *      (B registered once with a newer one): refused with 135, and those
 *      rejecting BAs rate-limited (MH-09);
 *  (c) BUs over B's own SA for home addresses B does not own (random ones
 *      in the home prefix, Home Address option): the post-check refuses
 *      them.
 * Expectations (checked, not timed): A keeps its binding and every ping
 * after registration arrives; the home agent keeps exactly two bindings
 * (A and B); it sends at most a handful of BAs per second to the attacker
 * (the rate limit); every attack packet is counted under its drop reason.
 * Figures: wall time per attack packet (the whole simulated path: router,
 * home agent, IPsec) and, as the baseline in the same run, the same
 * scenario without the flood; the heap in use after the first second of
 * the flood (frames in flight then at their steady level) and at its end.
 *
 *   bench_flood [--rate=N] [--seconds=S]   figures (default 100000/s, 10 s)
 *   bench_flood --check ...                 exit status 1 if an expectation
 *                                           or the flat-heap check fails
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipsec/bits.h"
#include "keyconf.h"
#include "mip6/ha.h"
#include "mip6/mip6.h"
#include "node/node.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "pkt/pbuf.h"
#include "scenario.h"
#include "sim.h"
#include "sim_node.h"
#include "sim_run.h"
#include "util/m6_bytes.h"

#define SEC 1000000000ull
#define MS 1000000ull
#define TICK_NS MS
#define FLOOD_AT (5 * SEC)

#define K_A "\"000102030405060708090a0b0c0d0e0f\""
#define K_A_AUTH "\"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\""
#define K_AB "\"101112131415161718191a1b1c1d1e1f\""
#define K_AB_AUTH "\"303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f\""
#define K_B "\"808182838485868788898a8b8c8d8e8f\""
#define K_B_AUTH "\"909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf\""
#define CBC(k, a) "enc = \"aes-cbc\"; enc_key = " k "; auth = \"hmac-sha256-128\"; auth_key = " a ";"
#define REST "{ name = \"rest-out\"; dir = \"out\"; order = 9000; action = \"bypass\"; },\n" \
	     "{ name = \"rest-in\"; dir = \"in\"; order = 9000; action = \"bypass\"; }\n"

#define HA "2001:db8:1::1"
#define HOA_A "2001:db8:1::100"
#define HOA_B "2001:db8:1::200"
#define COA_A "2001:db8:2::100"
#define COA_B "2001:db8:3::200"

/* The scenario; %s: the expectations, which depend on the run. */
static const char scn_fmt[] =
	"name = \"Binding Update flood\"; seed = 7; duration = %.3f;\n"
	"links = ( { name = \"home\"; delay = \"1ms\"; }, { name = \"r1\"; delay = \"2ms\"; },\n"
	"  { name = \"r2\"; delay = \"3ms\"; }, { name = \"net\"; delay = \"10ms\"; } );\n"
	"nodes = (\n"
	"{ name = \"ha\"; forwarding = true; ha = { max_lifetime = 3600; };\n"
	"  interfaces = ( { link = \"home\"; addr = \"" HA "/64\"; advertise = true; ra_interval = \"1s\"; } );\n"
	"  routes = ( { prefix = \"::/0\"; iface = 0; via = \"2001:db8:1::2\"; } );\n"
	"  ipsec = { node = { model = \"true-address\"; };\n"
	"    pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"" HOA_A "\" ]; },\n"
	"            { id = \"mn-b@example.com\"; home_addresses = [ \"" HOA_B "\" ]; } );\n"
	"    spd = (\n"
	"      { name = \"bu-in-a\"; dir = \"in\"; order = 10; local = \"" HA "\"; remote = \"" COA_A "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
	"      { name = \"ba-out-a\"; dir = \"out\"; order = 10; local = \"" HA "\"; remote = \"" COA_A "\"; proto = \"mh\"; mh_type = \"ba\"; },\n"
	"      { name = \"bu-in-b\"; dir = \"in\"; order = 20; local = \"" HA "\"; remote = \"" COA_B "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
	"      { name = \"ba-out-b\"; dir = \"out\"; order = 20; local = \"" HA "\"; remote = \"" COA_B "\"; proto = \"mh\"; mh_type = \"ba\"; },\n"
	"      { name = \"mh-in\"; dir = \"in\"; order = 500; proto = \"mh\"; action = \"discard\"; },\n" REST
	"    );\n"
	"    sa = (\n"
	"      { spi = 0x1001; policy = \"bu-in-a\"; src = \"" COA_A "\"; dst = \"" HA "\"; peer = \"mn-a@example.com\"; replay = true; " CBC(K_A, K_A_AUTH) " },\n"
	"      { spi = 0x1002; policy = \"ba-out-a\"; src = \"" HA "\"; dst = \"" COA_A "\"; peer = \"mn-a@example.com\"; " CBC(K_AB, K_AB_AUTH) " },\n"
	"      { spi = 0x3002; policy = \"bu-in-b\"; src = \"" COA_B "\"; dst = \"" HA "\"; peer = \"mn-b@example.com\"; " CBC(K_B, K_B_AUTH) " },\n"
	"      { spi = 0x3003; policy = \"ba-out-b\"; src = \"" HA "\"; dst = \"" COA_B "\"; peer = \"mn-b@example.com\"; " CBC(K_B, K_B_AUTH) " } );\n"
	"  };\n"
	"},\n"
	"{ name = \"rtr\"; forwarding = true;\n"
	"  interfaces = ( { link = \"home\"; addr = \"2001:db8:1::2/64\"; },\n"
	"    { link = \"r1\"; addr = \"2001:db8:2::1/64\"; advertise = true; ra_interval = \"500ms\"; },\n"
	"    { link = \"r2\"; addr = \"2001:db8:3::1/64\"; advertise = true; ra_interval = \"500ms\"; },\n"
	"    { link = \"net\"; addr = \"2001:db8:4::2/64\"; } ); },\n"
	"{ name = \"cn\"; interfaces = ( { link = \"net\"; addr = \"2001:db8:4::1/64\"; } );\n"
	"  routes = ( { prefix = \"::/0\"; iface = 0; via = \"2001:db8:4::2\"; } ); },\n"
	"{ name = \"mn\"; interfaces = ( { link = \"r1\"; } );\n"
	"  mn = { hoa = \"" HOA_A "\"; ha = \"" HA "\"; lifetime = 8; };\n"
	"  ipsec = { node = { model = \"true-address\"; };\n"
	"    spd = (\n"
	"      { name = \"bu-out\"; dir = \"out\"; order = 10; local = \"" COA_A "\"; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
	"      { name = \"ba-in\"; dir = \"in\"; order = 10; local = \"" COA_A "\"; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"ba\"; },\n" REST
	"    );\n"
	"    sa = (\n"
	"      { spi = 0x1001; policy = \"bu-out\"; src = \"" COA_A "\"; dst = \"" HA "\"; " CBC(K_A, K_A_AUTH) " },\n"
	"      { spi = 0x1002; policy = \"ba-in\"; src = \"" HA "\"; dst = \"" COA_A "\"; " CBC(K_AB, K_AB_AUTH) " } );\n"
	"  };\n"
	"} );\n"
	"traffic = ( { name = \"ping\"; type = \"ping\"; from = \"cn\"; to = \"mn\"; start = \"3s\"; interval = \"100ms\"; stop = \"%.3fs\"; } );\n"
	"expect = (\n%s);\n";

/* The attacker's side: B's SA for its BUs, and A's (to make the one BU
 * that is replayed, as a capture would have it). */
static const char attacker_conf[] =
	"node = { model = \"true-address\"; };\n"
	"spd = (\n"
	"{ name = \"bu-a\"; dir = \"out\"; order = 10; local = \"" COA_A "\"; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
	"{ name = \"bu-b\"; dir = \"out\"; order = 20; local = \"" COA_B "\"; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"bu\"; },\n" REST ");\n"
	"sa = (\n"
	"{ spi = 0x1001; policy = \"bu-a\"; src = \"" COA_A "\"; dst = \"" HA "\"; " CBC(K_A, K_A_AUTH) " },\n"
	"{ spi = 0x3002; policy = \"bu-b\"; src = \"" COA_B "\"; dst = \"" HA "\"; " CBC(K_B, K_B_AUTH) " } );\n";

struct flood {
	struct sim *sim;
	struct sim_task task;
	int r2, ha;
	unsigned per_tick;              /* of each kind */
	uint64_t until;
	uint64_t rng;
	struct keyconf kc;
	struct bits b;
	uint8_t replay[512];            /* A's first BU, sealed once */
	size_t replay_len;
	uint64_t sent[3];
	uint16_t b_seq;                 /* B's registered sequence number */
	size_t heap_start, heap_end;
	size_t ha_bindings_max;
	uint8_t mem[4096];
};

static struct flood fl;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

_Noreturn static void die(const char *what)
{
	fprintf(stderr, "bench_flood: %s\n", what);
	exit(2);
}

static uint64_t rnd(void)
{
	/* the attacker's choices only; not the nodes' randomness */
	fl.rng ^= fl.rng << 13;
	fl.rng ^= fl.rng >> 7;
	fl.rng ^= fl.rng << 17;
	return fl.rng;
}

static void addr(const char *s, uint8_t out[16])
{
	if (ip6_addr_parse(s, out))
		die("bad address");
}

/* pb := IPv6(src -> HA) | [DstOpt(HAO)] | MH BU (A, H, 8 s, ACoA = src). */
static struct pbuf *mk_bu(const uint8_t src[16], const uint8_t *hao, uint16_t seq)
{
	static struct pbuf pb;
	struct mh_msg m;
	uint8_t ha[16], pkt[256], *p;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = seq;
	m.flags = MH_BU_A | MH_BU_H;
	m.lifetime = mh_lifetime_units(8);
	m.opts[m.n_opts++] = (struct mh_opt){ .type = MHO_ACOA, .len = 16, .data = src };
	addr(HA, ha);
	int n = mip6_build_mh(pkt, sizeof(pkt), src, ha, hao, NULL, &m);
	if (n < 0 || pbuf_init(&pb, fl.mem, sizeof(fl.mem), 512) || pbuf_put(&pb, (size_t)n, &p))
		die("cannot build a BU");
	memcpy(p, pkt, (size_t)n);
	return &pb;
}

static void seal_and_send(struct pbuf *pb)
{
	struct bits_result r;
	if (bits_output(&fl.b, pb, false, 0, &r))
		die("attacker cannot seal");
	sim_inject(fl.sim, (unsigned)fl.r2, pbuf_data(pb), pb->len);
}

static void random_hoa(uint8_t a[16])
{
	addr("2001:db8:1::", a);
	uint64_t x = rnd() | 0x10000;           /* never A's or B's */
	m6_put32(a + 8, (uint32_t)(x >> 32));
	m6_put32(a + 12, (uint32_t)x);
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks;
}

static void sample_ha(void)
{
	struct node *n = sim_host_node(sim_host(fl.sim, (unsigned)fl.ha));
	size_t c = bcache_count(ha_bcache(node_ha(n)));
	if (c > fl.ha_bindings_max)
		fl.ha_bindings_max = c;
}

static void tick(struct sim *s, struct sim_task *t, uint32_t arg)
{
	(void)t;
	(void)arg;
	uint8_t src[16], hoa[16], coa_b[16], hoa_b[16];
	addr(COA_B, coa_b);
	addr(HOA_B, hoa_b);
	if (s->now == FLOOD_AT) {
		/* B registers once, with a sequence number its flood stays behind */
		fl.b_seq = 40000;
		seal_and_send(mk_bu(coa_b, hoa_b, fl.b_seq));
	}
	/* after a second the frames in flight on the links are at their
	 * steady level: from here on, growth would be state */
	if (s->now == FLOOD_AT + SEC)
		fl.heap_start = heap_in_use();
	if (s->now >= fl.until) {
		fl.heap_end = heap_in_use();
		sample_ha();
		return;
	}
	for (unsigned i = 0; i < fl.per_tick; i++) {
		/* (a) unprotected, spoofed HAO, random source on R2 */
		addr(COA_B, src);
		m6_put32(src + 12, (uint32_t)rnd());
		random_hoa(hoa);
		struct pbuf *pb = mk_bu(src, hoa, (uint16_t)rnd());
		sim_inject(s, (unsigned)fl.r2, pbuf_data(pb), pb->len);
		fl.sent[0]++;
		/* (b) replayed, and old sequence numbers over B's own SA */
		if (i & 1)
			sim_inject(s, (unsigned)fl.r2, fl.replay, fl.replay_len);
		else
			seal_and_send(mk_bu(coa_b, hoa_b, (uint16_t)(fl.b_seq - 1 - rnd() % 30000)));
		fl.sent[1]++;
		/* (c) B's SA, someone else's home address */
		random_hoa(hoa);
		seal_and_send(mk_bu(coa_b, hoa, (uint16_t)rnd()));
		fl.sent[2]++;
	}
	if (s->now % SEC == 0)
		sample_ha();
	sim_at(s, s->now + TICK_NS, &fl.task, 0);
}

static int add_host(struct sim *s, const struct node_cfg *cfg, char *err, size_t errlen)
{
	int rc = sim_add_node(s, cfg, err, errlen);
	if (rc < 0 || fl.sim)
		return rc;
	fl.sim = s;
	fl.task.fn = tick;
	if (fl.per_tick && sim_at(s, FLOOD_AT, &fl.task, 0))
		die("cannot schedule the flood");
	return rc;
}

struct outcome {
	double wall;
	size_t n_expect, n_failed;
};

static struct outcome run(unsigned long rate, double flood_s, bool verbose)
{
	double duration = 5.0 + flood_s + 2.0;
	uint64_t until = FLOOD_AT + (uint64_t)(flood_s * 1e9);
	char expect[2048], text[16384];
	unsigned pings = (unsigned)((duration - 1.0 - 3.0) * 10);       /* 3 s .. duration-1 s */
	int n = snprintf(expect, sizeof(expect),
		"  { type = \"binding\"; node = \"ha\"; hoa = \"" HOA_A "\"; coa = \"" COA_A "\"; at = \"4s\"; },\n"
		"  { type = \"binding\"; node = \"ha\"; hoa = \"" HOA_A "\"; coa = \"" COA_A "\"; },\n"
		"  { type = \"delivered\"; flow = \"ping\"; min = %u; }", pings);
	if (rate) {
		unsigned long total = (unsigned long)((double)rate * flood_s);
		/* B's stale BUs once its own registration is through DAD (1 s):
		 * each one is answered or counted as rate-limited, and at most
		 * one answer a second leaves */
		unsigned long limited = (unsigned long)((double)rate / 2 * (flood_s - 1.5)) - (unsigned long)flood_s - 2;
		/* at most one rejecting BA a second to B's address, one burst */
		n += snprintf(expect + n, sizeof(expect) - (size_t)n,
			",\n  { type = \"counter\"; node = \"ha\"; drop = \"policy_discard\"; min = %lu; }"
			",\n  { type = \"counter\"; node = \"ha\"; drop = \"replay\"; min = %lu; }"
			",\n  { type = \"counter\"; node = \"ha\"; drop = \"hao_postcheck\"; min = %lu; }"
			",\n  { type = \"event\"; node = \"ha\"; event = \"drop\"; code = \"rate_limited\"; from = \"6.5s\"; min = %lu; }"
			",\n  { type = \"event\"; node = \"ha\"; event = \"ba_sent\"; code = 135; from = \"5s\"; max = %u; }",
			total, total / 2, total, limited, (unsigned)flood_s + 2);
	}
	snprintf(expect + n, sizeof(expect) - (size_t)n, "\n");
	snprintf(text, sizeof(text), scn_fmt, duration, duration - 1.0, expect);

	struct scenario sc;
	char err[512];
	if (scenario_load_string(text, "bu-flood", &sc, err, sizeof(err)))
		die(err);
	memset(&fl, 0, sizeof(fl));
	fl.rng = 0x9e3779b97f4a7c15ull;
	fl.per_tick = (unsigned)(rate / 1000);
	fl.until = until;
	fl.r2 = 2;                              /* links in scenario order */
	fl.ha = 0;
	if (keyconf_load_string(attacker_conf, &fl.kc, err, sizeof(err)))
		die(err);
	bits_init(&fl.b, &fl.kc.bits, fl.kc.spd, fl.kc.sad, fl.kc.pad);
	uint8_t coa_a[16];
	addr(COA_A, coa_a);
	struct pbuf *pb = mk_bu(coa_a, NULL, 1);
	struct bits_result r;
	if (bits_output(&fl.b, pb, false, 0, &r) || pb->len > sizeof(fl.replay))
		die("cannot seal the replayed BU");
	memcpy(fl.replay, pbuf_data(pb), pb->len);
	fl.replay_len = pb->len;

	struct simrun_opts o;
	memset(&o, 0, sizeof(o));
	o.add_host = add_host;
	o.quiet = true;
	o.term = verbose ? stdout : NULL;
	struct simrun_result res;
	double t0 = now_s();
	if (simrun(&sc, &o, &res, err, sizeof(err)))
		die(err);
	struct outcome out = { now_s() - t0, res.n_expect, res.n_failed };
	scenario_free(&sc);
	bits_fini(&fl.b);
	keyconf_free(&fl.kc);
	return out;
}

int main(int argc, char **argv)
{
	bool check = false;
	unsigned long rate = 100000;
	double flood_s = 10.0;
	for (int i = 1; i < argc; i++) {
		char *end = NULL;
		if (!strcmp(argv[i], "--check"))
			check = true;
		else if (!strncmp(argv[i], "--rate=", 7))
			rate = strtoul(argv[i] + 7, &end, 10);
		else if (!strncmp(argv[i], "--seconds=", 10))
			flood_s = strtod(argv[i] + 10, &end);
		else
			continue;       /* scripts/bench.sh's seconds-per-figure is not ours */
		if (end && *end)
			die("usage: bench_flood [--check] [--rate=N (a multiple of 1000)] [--seconds=S (1..600)]");
	}
	if (rate < 1000 || rate % 1000 || rate > 10000000 || flood_s < 1 || flood_s > 600)
		die("usage: bench_flood [--check] [--rate=N (a multiple of 1000)] [--seconds=S (1..600)]");

	struct outcome base = run(0, flood_s, false);
	struct outcome f = run(rate, flood_s, check);
	uint64_t attack = fl.sent[0] + fl.sent[1] + fl.sent[2];
	double per_pkt = attack ? (f.wall - base.wall) / (double)attack : 0;
	printf("flood: %lu/s of each of 3 kinds for %.0f s: %llu attack packets\n", rate, flood_s,
	       (unsigned long long)attack);
	printf("expectations: %zu of %zu held (without flood: %zu of %zu)\n", f.n_expect - f.n_failed, f.n_expect,
	       base.n_expect - base.n_failed, base.n_expect);
	printf("home agent bindings: at most %zu during the flood (A and B)\n", fl.ha_bindings_max);
	printf("heap in use: %.1f KiB after 1 s of flood, %.1f KiB at its end\n", fl.heap_start / 1024.0,
	       fl.heap_end / 1024.0);
	printf("wall: %.2f s with the flood, %.2f s without (baseline, same run): %.2f us per attack packet\n",
	       f.wall, base.wall, per_pkt * 1e6);
	/* flat: not one binding, table slot or queue entry per attack packet */
	bool flat = fl.heap_end < fl.heap_start + 16 * 1024;
	if (check && (f.n_failed || base.n_failed || fl.ha_bindings_max != 2 || !flat))
		return 1;
	return 0;
}
