/* Scenario files: a complete one loads with its defaults filled in, and
 * every kind of mistake is refused with FILE:LINE and what is wrong
 * (unknown keys, bad addresses, names that do not resolve, bad times,
 * probabilities and packets, IPsec configuration errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

#include "pkt/ip6.h"
#include "scenario.h"

#define LINKS "links = ( { name = \"lan\"; }, { name = \"wan\"; delay = \"250us\"; loss = \"5%\"; } );\n"
#define NODE_A "{ name = \"a\"; interfaces = ( { link = \"lan\"; addr = \"2001:db8:1::a/64\"; } ); }"
#define NODE_B "{ name = \"b\"; interfaces = ( { link = \"lan\"; addr = \"2001:db8:1::b/64\"; } ); }"
/* lines 1-3: duration, links, nodes */
#define BASE "duration = 10;\n" LINKS "nodes = ( " NODE_A ", " NODE_B " );\n"

static void expect_error(const char *text, const char *needle)
{
	struct scenario sc;
	char err[1024] = "";
	int rc = scenario_load_string(text, "t.scn", &sc, err, sizeof(err));
	if (rc == 0) {
		scenario_free(&sc);
		fail_msg("accepted:\n%s", text);
	}
	if (!strstr(err, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void test_errors_name_line_and_fault(void **st)
{
	(void)st;
	static const struct { const char *text, *needle; } rows[] = {
		{ BASE "colour = 1;\n", "t.scn:4: unknown key 'colour' in the scenario (known: name, description" },
		{ "duration = 10;\n" LINKS "nodes = ( { name = \"a\"; interfaces = ( { link = \"lan\"; "
		  "addr = \"2001:db8::zz\"; } ); } );\n", "t.scn:3: 'addr' = \"2001:db8::zz\" is not an IPv6 address" },
		{ BASE "traffic = ( { name = \"p\"; type = \"ping\"; from = \"nobody\"; to = \"b\"; } );\n",
		  "t.scn:4: no node named \"nobody\"" },
		{ "duration = 10;\n" LINKS "nodes = ( { name = \"a\"; interfaces = ( { link = \"lam\"; } ); } );\n",
		  "t.scn:3: no link named \"lam\" (define it in links)" },
		{ "duration = 10;\n" LINKS "nodes = ( " NODE_A ",\n" NODE_A " );\n", "t.scn:4: node \"a\" is defined twice" },
		{ LINKS "nodes = ( " NODE_A " );\n", "t.scn: missing 'duration'" },
		{ "duration = ;\n", "t.scn:1: syntax error" },
		{ "duration = \"5 parsecs\";\n", "t.scn:1: 'duration' = \"5 parsecs\" is not a time" },
		{ BASE "expect = ( { type = \"vibe\"; } );\n", "t.scn:4: unknown expectation \"vibe\"" },
		{ BASE "expect = ( { type = \"counter\"; node = \"a\"; drop = \"gremlins\"; max = 0; } );\n",
		  "t.scn:4: unknown drop reason \"gremlins\"" },
		{ BASE "expect = ( { type = \"event\"; node = \"a\"; event = \"bu_sendt\"; } );\n",
		  "t.scn:4: unknown event \"bu_sendt\"" },
		{ BASE "expect = ( { type = \"binding\"; node = \"a\"; hoa = \"2001:db8:1::100\"; } );\n",
		  "t.scn:4: missing 'coa'" },
		{ BASE "expect = ( { type = \"counter\"; node = \"a\"; counter = \"tx\"; } );\n",
		  "t.scn:4: give count = N, min = N and/or max = N" },
		{ "duration = 10;\n" LINKS "nodes = ( { name = \"a\"; interfaces = ( { link = \"lan\"; } );\n"
		  "  ipsec = { spd = ( { name = \"x\"; dir = \"sideways\"; } ); }; } );\n", "t.scn:4:" },
		{ "duration = 10;\n" LINKS "nodes = ( { name = \"a\"; interfaces = ( { link = \"lan\"; } );\n"
		  "  ipsec = { spd = ( { name = \"x\"; dir = \"sideways\"; } ); }; } );\n", "(node \"a\" ipsec)" },
		/* a wrong type is an error, not the default ("out" here): the demo's MH discard rule */
		{ "duration = 10;\n" LINKS "nodes = ( { name = \"a\"; interfaces = ( { link = \"lan\"; } );\n"
		  "  ipsec = { spd = ( { name = \"x\"; action = \"discard\";\n dir = 1; } ); }; } );\n",
		  "t.scn:5: 'dir' must be a string in double quotes (node \"a\" ipsec)" },
		{ BASE "timeline = ( { at = 11; action = \"detach\"; node = \"a\"; } );\n",
		  "t.scn:4: this action happens after the end of the run" },
		{ BASE "timeline = ( { at = 1; action = \"inject\"; link = \"lan\"; packet = \"ip6 src=::1 / bogus\"; } );\n",
		  "t.scn:4: packet:" },
		{ BASE "timeline = ( { at = 1; action = \"teleport\"; } );\n", "t.scn:4: unknown action \"teleport\"" },
		{ BASE "timeline = ( { at = 1; action = \"detach\"; node = \"a\"; link = \"lan\"; } );\n",
		  "t.scn:4: unknown key 'link' in a detach action" },
		{ BASE "timeline = ( { at = 1; action = \"set_link\"; link = \"lan\"; } );\n", "set_link changes nothing" },
		{ BASE "timeline = ( { at = 1; action = \"move\"; node = \"a\"; iface = 2; link = \"wan\"; } );\n",
		  "t.scn:4: node \"a\" has no interface 2 (it has 1)" },
		{ "duration = 10;\nlinks = ( { name = \"lan\"; latency = 1; } );\n",
		  "t.scn:2: unknown key 'latency' in a link (known: name, delay, jitter" },
		{ "duration = 10;\nlinks = ( { name = \"lan\"; loss = 1.5; } );\n", "t.scn:2: 'loss' = 1.5 must be between 0 and 1" },
		{ "duration = 10;\nlinks = ( { name = \"lan\"; mtu = 576; } );\n", "t.scn:2: 'mtu' = 576 is out of range 1280..65575" },
		{ "duration = 10;\nlinks = ( { name = \"l/an\"; } );\n", "use letters, digits" },
		{ "duration = 10;\nlinks = ( { name = \"lan\"; mode = \"bus\"; } );\n", "'mode' is \"hub\" or \"switch\"" },
		{ BASE "traffic = ( { name = \"s\"; type = \"stream\"; from = \"a\"; to = \"2001:db8:9::9\"; } );\n",
		  "a stream needs a receiving node" },
		{ BASE "traffic = ( { name = \"p\"; type = \"ping\"; from = \"a\"; to = \"b\"; window = 3; } );\n",
		  "'window' only applies to type = \"stream\"" },
		{ BASE "traffic = ( { name = \"u\"; type = \"udp\"; from = \"a\"; to = \"b\"; size = 9000; } );\n",
		  "'size' = 9000 is out of range 24..1400" },
		{ "duration = 10;\n" LINKS "nodes = ( { name = \"m\"; interfaces = ( { link = \"lan\"; } );\n"
		  "  mn = { hoa = \"2001:db8:1::100\"; }; } );\n", "t.scn:4: missing 'ha'" },
		{ "duration = 10;\n" LINKS "nodes = ( { name = \"r\"; interfaces = ( { link = \"lan\"; advertise = true; } ); } );\n",
		  "advertise = true needs a prefix" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		expect_error(rows[i].text, rows[i].needle);
}

static const char full[] =
	"name = \"full\";\n"
	"seed = 99;\n"
	"duration = \"2min\";\n"
	LINKS
	"nodes = (\n"
	"  { name = \"ha\"; forwarding = true;\n"
	"    interfaces = ( { link = \"lan\"; addr = \"2001:db8:1::1/64\"; advertise = true; ra_interval = \"500ms\"; } );\n"
	"    routes = ( { prefix = \"::/0\"; iface = 0; via = \"2001:db8:1::2\"; } );\n"
	"    ha = { max_lifetime = 600; }; },\n"
	"  { name = \"mn\"; interfaces = ( { } );\n"
	"    mn = { hoa = \"2001:db8:1::100\"; ha = \"2001:db8:1::1\"; first_reg_timeout = \"2s\"; }; },\n"
	"  { name = \"cn\"; interfaces = ( { link = \"wan\"; addr = \"2001:db8:4::1\"; } ); cn = { }; }\n"
	");\n"
	"traffic = ( { name = \"p\"; type = \"ping\"; from = \"cn\"; to = \"mn\"; interval = \"100ms\"; count = 20; },\n"
	"            { name = \"s\"; type = \"stream\"; from = \"cn\"; to = \"2001:db8:1::100\"; count = 50; } );\n"
	"timeline = ( { at = 1; action = \"attach\"; node = \"mn\"; link = \"lan\"; },\n"
	"             { at = 5.5; action = \"move\"; node = \"mn\"; link = \"wan\"; gap = \"20ms\"; },\n"
	"             { at = 6; action = \"set_link\"; link = \"wan\"; loss = 0.5; },\n"
	"             { at = 7; action = \"start\"; flow = \"s\"; },\n"
	"             { at = 8; action = \"inject\"; link = \"lan\"; packet = \"ip6 src=2001:db8:1::9 dst=2001:db8:1::1 / mh bu seq=1\"; } );\n"
	"expect = ( { type = \"binding\"; node = \"ha\"; hoa = \"2001:db8:1::100\"; coa = \"none\"; at = 3; },\n"
	"           { type = \"event\"; node = \"mn\"; event = [ \"bu_sent\", \"bu_retransmit\" ]; intervals = ( \"2s\", 4.0 ); },\n"
	"           { type = \"counter\"; link = \"wan\"; counter = \"lost\"; count = 3; },\n"
	"           { type = \"delivered\"; flow = \"p\"; min = 10; max_gap = \"1s\"; },\n"
	"           { type = \"no_plaintext_mh\"; link = \"wan\"; } );\n";

static void test_full_scenario_and_defaults(void **st)
{
	(void)st;
	struct scenario sc;
	char err[512];
	uint8_t a[16];
	if (scenario_load_string(full, "full.scn", &sc, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(sc.name, "full");
	assert_true(sc.has_seed && sc.seed == 99);
	assert_true(sc.duration == 120000000000ull);
	assert_int_equal(sc.n_links, 2);
	assert_true(sc.links[0].cfg.delay_ns == 1000000);          /* default 1 ms */
	assert_true(sc.links[1].cfg.delay_ns == 250000);
	assert_true(sc.links[1].cfg.loss > 0.0499 && sc.links[1].cfg.loss < 0.0501);
	assert_int_equal(sc.n_nodes, 3);
	const struct nodeconf *ha = &sc.nodes[0], *mn = &sc.nodes[1], *cn = &sc.nodes[2];
	assert_true(ha->cfg.forwarding && ha->cfg.is_ha);
	ip6_addr_parse("2001:db8:1::1", a);
	assert_memory_equal(ha->cfg.ha.addr, a, 16);               /* from the interface */
	assert_int_equal(ha->cfg.ha.plen, 64);
	assert_int_equal(ha->cfg.ha.max_lifetime_s, 600);
	assert_int_equal(ha->cfg.ifaces[0].ra_interval_ms, 500);
	assert_true(ha->cfg.routes[0].has_nexthop && ha->cfg.routes[0].plen == 0);
	assert_int_equal(mn->init_link[0], -1);                     /* starts detached */
	assert_true(mn->cfg.is_mn);
	assert_int_equal(mn->cfg.mn.first_reg_timeout_ms, 2000);
	assert_int_equal(mn->cfg.mn.lifetime_s, 3600);
	assert_int_equal(mn->cfg.mn.home_plen, 64);
	static const uint8_t iid[8] = { 0, 0, 0, 0, 0, 0, 1, 0 };
	assert_memory_equal(mn->cfg.mn.iid, iid, 8);                /* the home address's */
	assert_true(cn->cfg.is_cn && cn->init_link[0] == 1);
	assert_int_equal(cn->cfg.ifaces[0].plen, 64);               /* a bare addr implies /64 */
	assert_int_equal(sc.n_flows, 2);
	assert_true(sc.flows[0].auto_start && sc.flows[0].count == 20 && sc.flows[0].interval == 100000000);
	assert_int_equal(sc.flows[1].to_node, 1);                    /* found by the home address */
	assert_false(sc.flows[1].auto_start);                        /* the timeline starts it */
	assert_int_equal(sc.flows[1].window, 4);
	assert_int_equal(sc.n_actions, 5);
	assert_true(sc.actions[1].type == SC_ACT_MOVE && sc.actions[1].gap == 20000000);
	assert_true(sc.actions[2].set_mask == SC_LS_LOSS);
	assert_true(sc.actions[4].pkt_len > 40);
	assert_int_equal(sc.n_expects, 5);
	assert_true(sc.expects[0].coa_none && sc.expects[0].at == 3000000000ull);
	assert_int_equal(sc.expects[1].n_types, 2);
	assert_int_equal(sc.expects[1].n_intervals, 2);
	assert_true(sc.expects[1].intervals[1] == 4000000000ull);
	assert_true(sc.expects[2].has_min && sc.expects[2].min == 3 && sc.expects[2].max == 3);
	assert_true(sc.expects[3].max_gap == 1000000000ull);
	scenario_free(&sc);
}

static void test_times(void **st)
{
	(void)st;
	static const struct { const char *s; uint64_t ns; } ok[] = {
		{ "1", 1000000000ull }, { "1.5s", 1500000000ull }, { "250ms", 250000000ull }, { "10us", 10000ull },
		{ "7ns", 7 }, { "2min", 120000000000ull }, { "0", 0 }, { "0.000001", 1000 },
	};
	static const char *const bad[] = { "", "s", "-1s", "5 parsecs", "1e30", "1h", "nan" };
	uint64_t v;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(scenario_parse_time(ok[i].s, &v), 0);
		assert_true(v == ok[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(scenario_parse_time(bad[i], &v), 0);
}

static void test_missing_file(void **st)
{
	(void)st;
	struct scenario sc;
	char err[512];
	assert_int_not_equal(scenario_load_file("/nonexistent/x.scn", &sc, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "/nonexistent/x.scn: cannot read the file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_name_line_and_fault),
		cmocka_unit_test(test_full_scenario_and_defaults),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
