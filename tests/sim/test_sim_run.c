/* Whole runs: the same scenario and seed twice give byte-identical
 * outputs (every pcap, the event log, the ladder, the keys), another seed
 * another loss pattern; traffic accounting, expectations and the output
 * files checked over fake hosts, independent of the protocol engines. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_host.h"
#include "pcapio.h"
#include "scenario.h"
#include "sim_node.h"
#include "sim_run.h"
#include "traffic.h"
#include "util/m6_bytes.h"

#ifndef SIM_SRCDIR
#define SIM_SRCDIR "."
#endif

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	*len = fread(p, 1, (size_t)n, f);
	p[*len] = 0;
	fclose(f);
	return p;
}

static void tmpdir(char *buf, size_t cap)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(buf, cap, "%s/m6simXXXXXX", base);
	assert_non_null(mkdtemp(buf));
}

static void rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096];
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void run_file(const char *path, const char *out, bool has_seed, uint64_t seed, simrun_add_host_fn fn,
		     struct simrun_result *res)
{
	struct scenario sc;
	char err[1024];
	if (scenario_load_file(path, &sc, err, sizeof(err)))
		fail_msg("%s", err);
	struct simrun_opts o = { .out_dir = out, .has_seed = has_seed, .seed = seed, .add_host = fn };
	if (simrun(&sc, &o, res, err, sizeof(err)))
		fail_msg("%s", err);
	scenario_free(&sc);
}

/* 1 when the two directories hold the same file with identical bytes. */
static int same_file(const char *d1, const char *d2, const char *name)
{
	char p1[4096], p2[4096];
	size_t n1, n2;
	snprintf(p1, sizeof(p1), "%s/%s", d1, name);
	snprintf(p2, sizeof(p2), "%s/%s", d2, name);
	char *a = slurp(p1, &n1), *b = slurp(p2, &n2);
	assert_non_null(a);
	assert_non_null(b);
	int same = n1 == n2 && !memcmp(a, b, n1);
	free(a);
	free(b);
	return same;
}

static void test_same_seed_identical_bytes(void **st)
{
	(void)st;
	static const char *const files[] = { "home.pcap", "r1.pcap", "net.pcap", "events.jsonl", "ladder.svg",
					     "goodput.svg", "keys.txt", "esp_sa", "timeline.txt", "summary.txt" };
	char d1[256], d2[256], d3[256];
	struct simrun_result r1, r2, r3;
	tmpdir(d1, sizeof(d1));
	tmpdir(d2, sizeof(d2));
	tmpdir(d3, sizeof(d3));
	run_file(SIM_SRCDIR "/lossy_handover.scn", d1, true, 7, sim_add_node, &r1);
	run_file(SIM_SRCDIR "/lossy_handover.scn", d2, true, 7, sim_add_node, &r2);
	run_file(SIM_SRCDIR "/lossy_handover.scn", d3, true, 8, sim_add_node, &r3);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!same_file(d1, d2, files[i]))
			fail_msg("%s differs between two runs with seed 7", files[i]);
	assert_true(r1.events == r2.events && r1.events > 1000);
	/* the lossy link's frames (and the losses among them) follow the seed */
	assert_false(same_file(d1, d3, "r1.pcap"));
	assert_true(same_file(d1, d3, "keys.txt"));
	rmtree(d1);
	rmtree(d2);
	rmtree(d3);
}

/* Two fake hosts on one lossy, duplicating, reordering link. */
static const char two_hosts[] =
	"name = \"fake\";\n"
	"duration = 30;\n"
	"links = ( { name = \"air\"; delay = \"10ms\"; jitter = \"5ms\"; loss = \"10%\"; dup = \"5%\"; reorder = \"5%\"; },\n"
	"          { name = \"quiet\"; } );\n"
	"nodes = ( { name = \"a\"; interfaces = ( { link = \"air\"; addr = \"2001:db8::a\"; } ); },\n"
	"          { name = \"b\"; interfaces = ( { link = \"air\"; addr = \"2001:db8::b\"; } ); } );\n"
	"traffic = ( { name = \"u\"; type = \"udp\"; from = \"a\"; to = \"b\"; count = 1000; interval = \"5ms\"; },\n"
	"            { name = \"p\"; type = \"ping\"; from = \"a\"; to = \"b\"; count = 100; interval = \"50ms\"; },\n"
	"            { name = \"s\"; type = \"stream\"; from = \"a\"; to = \"b\"; count = 500; window = 8; rto = \"100ms\"; } );\n"
	"timeline = ( { at = 10; action = \"set_link\"; link = \"air\"; loss = 1.0; },\n"
	"             { at = 12; action = \"set_link\"; link = \"air\"; loss = 0; },\n"
	"             { at = 13; action = \"inject\"; link = \"quiet\";\n"
	"               packet = \"ip6 src=2001:db8::e dst=2001:db8::a / mh bu seq=3\"; } );\n"
	"expect = ( { type = \"delivered\"; flow = \"u\"; min = 800; max = 1000; },\n"
	"           { type = \"delivered\"; flow = \"s\"; count = 500; },\n"
	"           { type = \"delivered\"; flow = \"p\"; min = 1000; },\n"
	"           { type = \"counter\"; link = \"air\"; counter = \"lost\"; min = 1; },\n"
	"           { type = \"counter\"; node = \"b\"; counter = \"rx\"; min = 1; at = 1; },\n"
	"           { type = \"no_plaintext_mh\"; link = \"air\"; },\n"
	"           { type = \"no_plaintext_mh\"; link = \"quiet\"; } );\n";

static void run_text(const char *text, const char *out, uint64_t seed, struct simrun_result *res, FILE *term)
{
	struct scenario sc;
	char err[1024];
	if (scenario_load_string(text, "fake.scn", &sc, err, sizeof(err)))
		fail_msg("%s", err);
	struct simrun_opts o = { .out_dir = out, .has_seed = true, .seed = seed, .add_host = fake_factory,
				 .term = term };
	if (simrun(&sc, &o, res, err, sizeof(err)))
		fail_msg("%s", err);
	scenario_free(&sc);
}

static void test_traffic_and_expectations_over_fakes(void **st)
{
	(void)st;
	char d[256], p[4096];
	struct simrun_result res;
	tmpdir(d, sizeof(d));
	snprintf(p, sizeof(p), "%s/term.txt", d);
	FILE *term = fopen(p, "w");
	run_text(two_hosts, d, 5, &res, term);
	fclose(term);
	assert_int_equal(res.n_expect, 7);
	/* the ping expectation asks for the impossible, and the injected clear BU is seen */
	assert_int_equal(res.n_failed, 2);
	size_t n;
	char *t = slurp(p, &n);
	assert_non_null(strstr(t, "PASS line 14: flow u delivered"));
	assert_non_null(strstr(t, "PASS line 15: flow s delivered: 500 as expected"));
	assert_non_null(strstr(t, "FAIL line 16: flow p delivered"));
	assert_non_null(strstr(t, "PASS line 18: b rx"));
	assert_non_null(strstr(t, "FAIL line 20: no plaintext Mobility Header on link quiet: 1 frame(s), the first at 13.000000 s: MH type 5"));
	assert_non_null(strstr(t, "expectations: 5 passed, 2 failed"));
	free(t);
	/* the link's pcap holds every frame sent on it, stamped with simulated time */
	char err[256];
	snprintf(p, sizeof(p), "%s/air.pcap", d);
	struct pcapio *pc = pcapio_open_read(p, err, sizeof(err));
	assert_non_null(pc);
	struct pcapio_frame f;
	unsigned frames = 0;
	uint64_t last = 0;
	while (pcapio_next(pc, &f, err, sizeof(err)) == 1) {
		assert_non_null(f.ip);
		assert_true(f.ts_us >= last);
		last = f.ts_us;
		frames++;
	}
	pcapio_close(pc);
	snprintf(p, sizeof(p), "%s/summary.txt", d);
	t = slurp(p, &n);
	const char *row = strstr(t, "\nair ");
	assert_non_null(row);
	assert_int_equal(strtoul(row + 5, NULL, 10), frames);
	free(t);
	rmtree(d);
}

/* What host b's applications were handed, read off the packets themselves
 * (the traffic header after the UDP header: "M6S", kind, flow, sequence
 * number), so that the flow counters are checked against what the
 * receiver saw rather than against each other. */
struct receiver {
	struct traffic *t;
	unsigned udp_arrivals, udp_unique, out_of_range;
	uint8_t udp_seen[1000];
	uint8_t stream_seen[500];
};

static void receiver_deliver(void *ctx, const struct sim_host *h, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct receiver *rx = ctx;
	traffic_deliver(rx->t, h, pkt, len, now);
	if (h->index != 1 || len < 40 + 8 + 24 || pkt[6] != 17)
		return;
	const uint8_t *d = pkt + 48;
	if (d[0] != 'M' || d[1] != '6' || d[2] != 'S')
		return;
	unsigned flow = m6_get16(d + 4);
	uint32_t seq = m6_get32(d + 8);
	if (d[3] == 'U' && flow == 0) {
		rx->udp_arrivals++;
		if (seq >= 1000)
			rx->out_of_range++;
		else if (!rx->udp_seen[seq]++)
			rx->udp_unique++;
	} else if (d[3] == 'D' && flow == 2) {
		if (seq >= 500)
			rx->out_of_range++;
		else
			rx->stream_seen[seq] = 1;
	}
}

static void test_flow_accounting(void **st)
{
	(void)st;
	/* the traffic layer alone over the two fakes: udp sent = delivered +
	 * lost, duplicates seen; the ping's round trips are two link delays;
	 * the stream delivers every segment despite 10% loss and a blackout */
	struct scenario sc;
	char err[1024];
	assert_int_equal(scenario_load_string(two_hosts, "fake.scn", &sc, err, sizeof(err)), 0);
	struct sim *s = sim_new(3);
	for (size_t i = 0; i < sc.n_links; i++)
		assert_int_equal(sim_add_link(s, sc.links[i].name, &sc.links[i].cfg), (int)i);
	for (size_t i = 0; i < sc.n_nodes; i++) {
		scenario_take_ipsec(&sc, i);
		assert_int_equal(fake_factory(s, &sc.nodes[i].cfg, err, sizeof(err)), (int)i);
		assert_int_equal(sim_attach(s, (unsigned)i, 0, 0), 0);
	}
	struct traffic *t = traffic_new(s, &sc);
	static struct receiver rx;
	memset(&rx, 0, sizeof(rx));
	rx.t = t;
	struct sim_observer ob = { .ctx = &rx, .deliver = receiver_deliver };
	sim_set_observer(s, &ob);
	sim_start(s);
	for (unsigned i = 0; i < 3; i++)
		traffic_start(t, i);
	assert_int_equal(sim_run_until(s, 30000000000ull), 0);
	const struct flow_stats *u = traffic_stats(t, 0), *p = traffic_stats(t, 1), *q = traffic_stats(t, 2);
	assert_true(u->sent == 1000 && u->highest == 1000);
	/* the counters say what the receiver saw: each number it got, once;
	 * the others lost; the repeats duplicates */
	assert_int_equal(rx.out_of_range, 0);
	assert_int_equal(u->delivered, rx.udp_unique);
	assert_int_equal(traffic_lost(t, 0), 1000 - rx.udp_unique);
	assert_int_equal(u->duplicates, rx.udp_arrivals - rx.udp_unique);
	assert_true(rx.udp_unique > 800 && rx.udp_unique < 960); /* 10% loss */
	assert_true(rx.udp_arrivals - rx.udp_unique > 10);       /* 5% duplication */
	assert_true(u->max_gap >= 5000000);
	assert_true(p->sent == 100 && p->delivered <= 100 && p->delivered > 70);
	assert_true(p->rtt_min >= 20000000 && p->rtt_max <= 30000000 + 50000000);
	assert_true(q->delivered == 500 && q->done_at != UINT64_MAX);
	for (unsigned i = 0; i < 500; i++)                       /* every segment reached b */
		if (!rx.stream_seen[i])
			fail_msg("stream segment %u never reached the receiver", i);
	assert_true(q->retransmits > 0 && q->sent == 500 + q->retransmits);
	traffic_free(t);
	sim_free(s);
	scenario_free(&sc);
}

/* A failed max_gap names the measured interruption, when it ended and the
 * limit, three different figures (the limit once printed the end time). */
static void test_max_gap_message(void **st)
{
	(void)st;
	char d[256], p[4096], *text = strdup(two_hosts);
	struct simrun_result res;
	assert_non_null(text);
	/* the udp flow runs through the 2 s blackout and may pause at most 1 s */
	char *at = strstr(text, "count = 1000;");
	assert_non_null(at);
	memcpy(at, "count = 3000;", strlen("count = 3000;"));
	at = strstr(text, "min = 800; max = 1000;");
	assert_non_null(at);
	memcpy(at, "max_gap = \"1s\";       ", strlen("min = 800; max = 1000;"));
	tmpdir(d, sizeof(d));
	snprintf(p, sizeof(p), "%s/term.txt", d);
	FILE *term = fopen(p, "w");
	run_text(text, NULL, 5, &res, term);
	fclose(term);
	size_t n;
	char *t = slurp(p, &n);
	const char *line = strstr(t, "FAIL line 14: flow u delivered");
	if (!line)
		fail_msg("%s", t);
	double gap, end, limit;
	const char *why = strstr(line, "longest interruption ");
	assert_non_null(why);
	assert_int_equal(sscanf(why, "longest interruption %lf s (ending at %lf s), allowed %lf s", &gap, &end, &limit), 3);
	assert_true(limit == 1.0);
	assert_true(gap > 1.9 && gap < 2.2);
	assert_true(end > 11.9 && end < 12.2);
	free(t);
	free(text);
	unlink(p);
	rmtree(d);
}

/* partial_intervals: a backoff cut short by an answer passes with any
 * number of attempts, but every gap that happened must follow the list,
 * and more attempts than the list allows fail. */
static void test_partial_intervals(void **st)
{
	(void)st;
	size_t n;
	char *orig = slurp(SIM_SRCDIR "/loss30_registration.scn", &n);
	assert_non_null(orig);
	static const struct { uint64_t seed; const char *from, *to; bool pass; const char *needle; } rows[] = {
		{ 11, NULL, NULL, true, "6 event(s), first at 5.002000 s, intervals as expected" },
		{ 1, NULL, NULL, true, "1 event(s), first at" },
		/* without partial_intervals a run with one attempt cannot show 6 gaps */
		{ 1, "partial_intervals = true;", "", false, "1 event(s), need 7 to check 6 interval(s)" },
		/* seed 11 needs 5 gaps: a list of 2 is too short */
		{ 11, "\"1.5s\", \"3s\", \"6s\", \"12s\", \"24s\", \"32s\"", "\"1.5s\", \"3s\"", false,
		  "6 event(s): more gaps than the 2 interval(s) listed" },
		/* and a wrong schedule is caught in the gaps that happened */
		{ 11, "\"1.5s\", \"3s\", \"6s\", \"12s\"", "\"1.5s\", \"3s\", \"7s\", \"12s\"", false,
		  "interval 3 (" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *text = malloc(n + 64), dpath[4096], d[256];
		assert_non_null(text);
		strcpy(text, orig);
		if (rows[i].from) {
			char *at = strstr(text, rows[i].from);
			assert_non_null(at);
			size_t fl = strlen(rows[i].from), tl = strlen(rows[i].to);
			memmove(at + tl, at + fl, strlen(at + fl) + 1);
			memcpy(at, rows[i].to, tl);
		}
		struct scenario sc;
		char err[1024];
		if (scenario_load_string(text, "loss30.scn", &sc, err, sizeof(err)))
			fail_msg("row %zu: %s", i, err);
		tmpdir(d, sizeof(d));
		snprintf(dpath, sizeof(dpath), "%s/term.txt", d);
		FILE *term = fopen(dpath, "w");
		struct simrun_opts o = { .has_seed = true, .seed = rows[i].seed, .add_host = sim_add_node, .term = term,
					 .quiet = true };
		struct simrun_result res;
		if (simrun(&sc, &o, &res, err, sizeof(err)))
			fail_msg("row %zu: %s", i, err);
		fclose(term);
		scenario_free(&sc);
		size_t tn;
		char *t = slurp(dpath, &tn);
		/* the result line: "  PASS line N: mn bu_sent/...: <why>" */
		const char *line = strstr(t, "mn bu_sent/...");
		const char *start = line;
		while (start && start > t && start[-1] != '\n')
			start--;
		while (start && *start == ' ')
			start++;
		if (!line || !strstr(line, rows[i].needle) || strncmp(start, rows[i].pass ? "PASS" : "FAIL", 4))
			fail_msg("row %zu: wanted %s with \"%s\":\n%s", i, rows[i].pass ? "PASS" : "FAIL", rows[i].needle, t);
		free(t);
		free(text);
		unlink(dpath);
		rmtree(d);
	}
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_identical_bytes),
		cmocka_unit_test(test_traffic_and_expectations_over_fakes),
		cmocka_unit_test(test_flow_accounting),
		cmocka_unit_test(test_max_gap_message),
		cmocka_unit_test(test_partial_intervals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
