/* Every whole number of a scenario file and of its nodes' ipsec groups is
 * read at full width: for each key, 2^31, 2^32, 2^32 + x (x a value the key
 * accepts, so a 32-bit wrap-around would run as x) and 2^64, in decimal and
 * in hex, are either taken exactly (the key's range holds them) or refused
 * with FILE:LINE, the key and the value as written. libconfig alone keeps
 * 32 bits of an integer without an L suffix. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "scenario.h"

#define V "@V@"   /* where the value goes */
#define HEAD "duration = 10;\nlinks = ( { name = \"lan\"; }, { name = \"wan\"; } );\n"
#define NODE_B "{ name = \"b\"; interfaces = ( { link = \"lan\"; addr = \"2001:db8:1::b/64\"; } ); }"
#define NODES "nodes = ( { name = \"a\"; interfaces = ( { link = \"lan\"; addr = \"2001:db8:1::a/64\"; } ); },\n" \
	NODE_B " );\n"
#define NODE_WITH(extra) "nodes = ( { name = \"a\"; interfaces = ( { link = \"lan\"; addr = \"2001:db8:1::a/64\"; } );\n" \
	extra " },\n" NODE_B " );\n"
#define FLOW(extra) HEAD NODES "traffic = ( { name = \"f\"; type = \"udp\"; from = \"a\"; to = \"b\";\n" extra " } );\n"
#define STREAM(extra) HEAD NODES "traffic = ( { name = \"f\"; type = \"stream\"; from = \"a\"; to = \"b\"; count = 10;\n" \
	extra " } );\n"
#define ACT(extra) HEAD NODES "timeline = ( { at = 1; " extra " } );\n"
#define EXPECT(extra) FLOW("") "expect = ( {\n" extra " } );\n"
#define EVENT(extra) HEAD NODES "expect = ( { type = \"event\"; node = \"a\"; event = \"bu_sent\";\n" extra " } );\n"
#define K16 "\"000102030405060708090a0b0c0d0e0f\""
#define K32 "\"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\""
#define IPSEC(spd, sa) HEAD NODE_WITH("ipsec = { spd = ( { name = \"p\"; dir = \"out\"; remote = \"2001:db8:1::b\";\n" \
	spd " } );\n sa = ( { policy = \"p\"; src = \"2001:db8:1::a\"; dst = \"2001:db8:1::b\"; enc = \"aes-cbc\";" \
	" enc_key = " K16 "; auth = \"hmac-sha256-128\"; auth_key = " K32 ";\n" sa " } ); };")
#define SPD(k) IPSEC(k, "spi = 0x1001;")
#define SA(k) IPSEC("", k)
#define MN(k) HEAD NODE_WITH("mn = { hoa = \"2001:db8:1::100\"; ha = \"2001:db8:1::1\";\n" k " };")
#define HA(k) HEAD NODE_WITH("forwarding = true; ha = {\n" k " };")
#define CN(k) HEAD NODE_WITH("cn = {\n" k " };")

typedef uint64_t (*getter)(const struct scenario *sc);

static const struct ipsec_sa *first_sa(const struct scenario *sc)
{
	struct sad *d = sc->nodes[0].kc.sad;
	for (size_t i = 0; i < sad_capacity(d); i++)
		if (sad_slot(d, i))
			return sad_slot(d, i);
	return NULL;
}

static uint64_t g_seed(const struct scenario *sc) { return sc->seed; }
static uint64_t g_min(const struct scenario *sc) { return sc->expects[0].min; }
static uint64_t g_max(const struct scenario *sc) { return sc->expects[0].max; }
static uint64_t g_order(const struct scenario *sc) { return spd_at(sc->nodes[0].kc.spd, SPD_OUT, 0)->order; }
static uint64_t g_ifindex(const struct scenario *sc) { return spd_at(sc->nodes[0].kc.spd, SPD_OUT, 0)->sel.ifindex; }
static uint64_t g_spi(const struct scenario *sc) { return first_sa(sc)->spi; }
static uint64_t g_soft_s(const struct scenario *sc) { return sa_life(first_sa(sc))->soft_ns / 1000000000u; }
static uint64_t g_hard_s(const struct scenario *sc) { return sa_life(first_sa(sc))->hard_ns / 1000000000u; }
static uint64_t g_soft_b(const struct scenario *sc) { return sa_life(first_sa(sc))->soft_bytes; }
static uint64_t g_hard_b(const struct scenario *sc) { return sa_life(first_sa(sc))->hard_bytes; }
static uint64_t g_soft_p(const struct scenario *sc) { return sa_life(first_sa(sc))->soft_packets; }
static uint64_t g_hard_p(const struct scenario *sc) { return sa_life(first_sa(sc))->hard_packets; }

#define TIME 1000000000u   /* seconds: at most 10^9 */

static const struct key {
	const char *key;           /* as messages quote it */
	const char *text;          /* a scenario with V where the value goes */
	uint64_t x;                /* a value the key accepts */
	uint64_t max;              /* the largest value the key accepts */
	getter get;                /* needed when max >= 2^31 */
} keys[] = {
	{ "seed", "seed = " V ";\n" HEAD NODES, 7, UINT64_MAX, g_seed },
	{ "duration", "duration = " V ";\nlinks = ( { name = \"lan\"; } );\n" NODES, 10, TIME, NULL },
	/* links and set_link */
	{ "delay", "duration = 10;\nlinks = ( { name = \"lan\"; delay = " V "; } );\n" NODES, 0, TIME, NULL },
	{ "jitter", "duration = 10;\nlinks = ( { name = \"lan\"; jitter = " V "; } );\n" NODES, 0, TIME, NULL },
	{ "reorder_delay", "duration = 10;\nlinks = ( { name = \"lan\"; reorder_delay = " V "; } );\n" NODES, 0, TIME, NULL },
	{ "loss", "duration = 10;\nlinks = ( { name = \"lan\"; loss = " V "; } );\n" NODES, 0, 1, NULL },
	{ "dup", "duration = 10;\nlinks = ( { name = \"lan\"; dup = " V "; } );\n" NODES, 0, 1, NULL },
	{ "reorder", "duration = 10;\nlinks = ( { name = \"lan\"; reorder = " V "; } );\n" NODES, 1, 1, NULL },
	{ "mtu", "duration = 10;\nlinks = ( { name = \"lan\"; mtu = " V "; } );\n" NODES, 1500, 65575, NULL },
	{ "delay", ACT("action = \"set_link\"; link = \"lan\";\n delay = " V ";"), 0, TIME, NULL },
	{ "jitter", ACT("action = \"set_link\"; link = \"lan\";\n jitter = " V ";"), 0, TIME, NULL },
	{ "reorder_delay", ACT("action = \"set_link\"; link = \"lan\";\n reorder_delay = " V ";"), 0, TIME, NULL },
	{ "loss", ACT("action = \"set_link\"; link = \"lan\";\n loss = " V ";"), 1, 1, NULL },
	{ "dup", ACT("action = \"set_link\"; link = \"lan\";\n dup = " V ";"), 0, 1, NULL },
	{ "reorder", ACT("action = \"set_link\"; link = \"lan\";\n reorder = " V ";"), 0, 1, NULL },
	{ "mtu", ACT("action = \"set_link\"; link = \"lan\";\n mtu = " V ";"), 1280, 65575, NULL },
	/* interfaces and routes */
	{ "ra_interval", HEAD "nodes = ( { name = \"a\"; interfaces = ( { link = \"lan\"; addr = \"2001:db8:1::a/64\";\n"
	  " ra_interval = " V "; } ); } );\n", 1, 1800, NULL },
	{ "valid_lifetime", HEAD "nodes = ( { name = \"a\"; interfaces = ( { link = \"lan\"; addr = \"2001:db8:1::a/64\";\n"
	  " valid_lifetime = " V "; } ); } );\n", 600, TIME, NULL },
	{ "mtu", HEAD "nodes = ( { name = \"a\"; interfaces = ( { link = \"lan\"; addr = \"2001:db8:1::a/64\";\n"
	  " mtu = " V "; } ); } );\n", 1500, 65535, NULL },
	{ "iface", HEAD NODE_WITH("routes = ( { prefix = \"::/0\";\n iface = " V "; } );"), 0, 0, NULL },
	/* roles */
	{ "lifetime", MN("lifetime = " V ";"), 60, TIME, NULL },
	{ "first_reg_timeout", MN("first_reg_timeout = " V ";"), 2, TIME, NULL },
	{ "prefix_valid", HA("prefix_valid = " V ";"), 60, TIME, NULL },
	{ "max_lifetime", HA("max_lifetime = " V ";"), 10, TIME, NULL },
	{ "bra_interval", HA("bra_interval = " V ";"), 5, TIME, NULL },
	{ "dad_timeout", HA("dad_timeout = " V ";"), 1, TIME, NULL },
	{ "max_bindings", HA("max_bindings = " V ";"), 8, 10000000, NULL },
	{ "nonce_interval", CN("nonce_interval = " V ";"), 30, TIME, NULL },
	{ "nonces_kept", CN("nonces_kept = " V ";"), 8, 1024, NULL },
	{ "max_bindings", CN("max_bindings = " V ";"), 8, 10000000, NULL },
	/* traffic */
	{ "start", FLOW("start = " V ";"), 1, TIME, NULL },
	{ "stop", FLOW("stop = " V ";"), 1, TIME, NULL },
	{ "interval", FLOW("interval = " V ";"), 1, TIME, NULL },
	{ "count", FLOW("count = " V ";"), 3000, 100000000, NULL },
	{ "rate", FLOW("rate = " V ";"), 100, 1000000000, NULL },
	{ "size", FLOW("size = " V ";"), 100, 1400, NULL },
	{ "port", FLOW("port = " V ";"), 9000, 65535, NULL },
	{ "window", STREAM("window = " V ";"), 4, 1024, NULL },
	{ "rto", STREAM("rto = " V ";"), 1, 8, NULL },
	{ "rto_max", STREAM("rto_max = " V ";"), 8, TIME, NULL },
	/* timeline */
	{ "at", HEAD NODES "timeline = ( { action = \"detach\"; node = \"a\";\n at = " V "; } );\n", 1, 10, NULL },
	{ "iface", ACT("action = \"detach\"; node = \"a\";\n iface = " V ";"), 0, 0, NULL },
	{ "gap", ACT("action = \"move\"; node = \"a\"; link = \"wan\";\n gap = " V ";"), 0, TIME, NULL },
	/* expectations */
	{ "at", EXPECT("type = \"delivered\"; flow = \"f\"; min = 1;\n at = " V ";"), 1, 10, NULL },
	{ "count", EXPECT("type = \"delivered\"; flow = \"f\";\n count = " V ";"), 5, UINT64_MAX >> 1, g_min },
	{ "min", EXPECT("type = \"delivered\"; flow = \"f\";\n min = " V ";"), 5, UINT64_MAX >> 1, g_min },
	{ "max", EXPECT("type = \"delivered\"; flow = \"f\";\n max = " V ";"), 5, UINT64_MAX >> 1, g_max },
	{ "max_gap", EXPECT("type = \"delivered\"; flow = \"f\";\n max_gap = " V ";"), 1, TIME, NULL },
	{ "count", EXPECT("type = \"counter\"; node = \"a\"; counter = \"tx\";\n count = " V ";"), 5, UINT64_MAX >> 1,
	  g_min },
	{ "code", EVENT("code = " V ";"), 0, INT32_MAX, NULL },
	{ "from", EVENT("from = " V ";"), 1, TIME, NULL },
	{ "until", EVENT("until = " V ";"), 1, TIME, NULL },
	{ "first_at", EVENT("first_at = " V ";"), 1, TIME, NULL },
	{ "tolerance", EVENT("tolerance = " V ";"), 1, TIME, NULL },
	{ "intervals", EVENT("intervals = [ 1,\n " V " ];"), 1, TIME, NULL },
	/* the ipsec group: spd */
	{ "order", SPD("order = " V ";"), 10, UINT32_MAX, g_order },
	{ "interface", SPD("interface = " V ";"), 1, UINT32_MAX, g_ifindex },
	{ "proto", IPSEC("proto = " V ";", "spi = 0x1001;"), 17, 255, NULL },
	{ "mh_type", SPD("proto = \"mh\";\n mh_type = " V ";"), 5, 255, NULL },
	{ "icmp_type", SPD("proto = \"icmpv6\";\n icmp_type = " V ";"), 128, 255, NULL },
	{ "lport", SPD("proto = \"udp\";\n lport = " V ";"), 500, 65535, NULL },
	{ "rport", SPD("proto = \"udp\";\n rport = " V ";"), 500, 65535, NULL },
	/* sa */
	{ "spi", SA("spi = " V ";"), 0x1001, UINT32_MAX, g_spi },
	{ "replay_window", SA("spi = 0x1001; replay = true;\n replay_window = " V ";"), 64, 4096, NULL },
	{ "encap_sport", SA("spi = 0x1001;\n encap_sport = " V ";"), 4500, 65535, NULL },
	{ "encap_dport", SA("spi = 0x1001;\n encap_dport = " V ";"), 4500, 65535, NULL },
	{ "soft_seconds", SA("spi = 0x1001; lifetime = {\n soft_seconds = " V "; };"), 60, UINT32_MAX, g_soft_s },
	{ "hard_seconds", SA("spi = 0x1001; lifetime = {\n hard_seconds = " V "; };"), 60, UINT32_MAX, g_hard_s },
	{ "soft_bytes", SA("spi = 0x1001; lifetime = {\n soft_bytes = " V "; };"), 60, UINT64_MAX >> 1, g_soft_b },
	{ "hard_bytes", SA("spi = 0x1001; lifetime = {\n hard_bytes = " V "; };"), 60, UINT64_MAX >> 1, g_hard_b },
	{ "soft_packets", SA("spi = 0x1001; lifetime = {\n soft_packets = " V "; };"), 60, UINT64_MAX >> 1, g_soft_p },
	{ "hard_packets", SA("spi = 0x1001; lifetime = {\n hard_packets = " V "; };"), 60, UINT64_MAX >> 1, g_hard_p },
};

struct value {
	char text[40];
	uint64_t v;
	bool big;                  /* 2^64: no key takes it */
};

/* 2^31, 2^32, 2^32 + x, 2^64, each in decimal and in hex. */
static size_t values_for(uint64_t x, struct value out[8])
{
	const uint64_t v[3] = { 1ull << 31, 1ull << 32, (1ull << 32) + x };
	size_t n = 0;
	for (int i = 0; i < 3; i++) {
		snprintf(out[n].text, sizeof(out[n].text), "%" PRIu64, v[i]);
		out[n].v = v[i], out[n++].big = false;
		snprintf(out[n].text, sizeof(out[n].text), "0x%" PRIx64, v[i]);
		out[n].v = v[i], out[n++].big = false;
	}
	snprintf(out[n].text, sizeof(out[n].text), "18446744073709551616");
	out[n++].big = true;
	snprintf(out[n].text, sizeof(out[n].text), "0x10000000000000000");
	out[n++].big = true;
	return n;
}

static char *fill(const char *tmpl, const char *value, unsigned *line)
{
	const char *at = strstr(tmpl, V);
	assert_non_null(at);
	*line = 1;
	for (const char *p = tmpl; p < at; p++)
		*line += *p == '\n';
	size_t n = strlen(tmpl) + strlen(value) + 1;
	char *s = malloc(n);
	assert_non_null(s);
	snprintf(s, n, "%.*s%s%s", (int)(at - tmpl), tmpl, value, at + strlen(V));
	return s;
}

static void test_x_is_accepted(void **st)
{
	(void)st;
	/* each template is a valid scenario with x: the refusals below are about the width */
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char num[24], err[1024] = "";
		unsigned line;
		struct scenario sc;
		snprintf(num, sizeof(num), "%" PRIu64, keys[k].x);
		char *text = fill(keys[k].text, num, &line);
		if (scenario_load_string(text, "t.scn", &sc, err, sizeof(err)))
			fail_msg("key %zu '%s' = %s refused: %s", k, keys[k].key, num, err);
		scenario_free(&sc);
		free(text);
	}
}

static void test_full_width(void **st)
{
	(void)st;
	size_t runs = 0, taken = 0;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		struct value vals[8];
		size_t n = values_for(keys[k].x, vals);
		for (size_t i = 0; i < n; i++) {
			char err[1024] = "", where[32];
			unsigned line;
			struct scenario sc;
			char *text = fill(keys[k].text, vals[i].text, &line);
			int rc = scenario_load_string(text, "t.scn", &sc, err, sizeof(err));
			bool fits = !vals[i].big && vals[i].v <= keys[k].max;
			runs++;
			if (fits) {
				if (rc)
					fail_msg("'%s' = %s refused: %s", keys[k].key, vals[i].text, err);
				assert_non_null(keys[k].get);
				if (keys[k].get(&sc) != vals[i].v)
					fail_msg("'%s' = %s read as %" PRIu64, keys[k].key, vals[i].text, keys[k].get(&sc));
				scenario_free(&sc);
				taken++;
			} else {
				char quoted[48];
				if (!rc) {
					scenario_free(&sc);
					fail_msg("'%s' = %s accepted (line %u)", keys[k].key, vals[i].text, line);
				}
				snprintf(where, sizeof(where), "t.scn:%u:", line);
				snprintf(quoted, sizeof(quoted), "'%s'", keys[k].key);
				if (!strstr(err, where) || !strstr(err, quoted) || !strstr(err, vals[i].text))
					fail_msg("'%s' = %s: \"%s\" lacks %s, the key or the value as written", keys[k].key,
						 vals[i].text, err, where);
			}
			free(text);
		}
	}
	print_message("%zu keys, %zu values, %zu taken exactly, %zu refused\n", sizeof(keys) / sizeof(keys[0]), runs,
		      taken, runs - taken);
}

/* Valid SPIs with the high bit set (0x80000000..0xffffffff), and the
 * largest seed, which --seed also takes. */
static void test_high_spi_and_seed(void **st)
{
	(void)st;
	static const char *const spis[] = { "0x80000000", "0xffffffff", "2147483648", "4294967295", "0xfffffffe" };
	static const uint64_t want[] = { 0x80000000u, 0xffffffffu, 0x80000000u, 0xffffffffu, 0xfffffffeu };
	for (size_t i = 0; i < sizeof(spis) / sizeof(spis[0]); i++) {
		char err[1024] = "", buf[64];
		unsigned line;
		struct scenario sc;
		snprintf(buf, sizeof(buf), "spi = %s;", spis[i]);
		char *text = fill(SA(V), buf, &line);
		if (scenario_load_string(text, "t.scn", &sc, err, sizeof(err)))
			fail_msg("spi %s: %s", spis[i], err);
		assert_true(g_spi(&sc) == want[i]);
		scenario_free(&sc);
		free(text);
	}
	char err[1024] = "";
	struct scenario sc;
	assert_int_equal(scenario_load_string("seed = 18446744073709551615;\n" HEAD NODES, "t.scn", &sc, err, sizeof(err)),
			 0);
	assert_true(sc.seed == UINT64_MAX && sc.has_seed);
	scenario_free(&sc);
	/* the L suffix of libconfig's 64-bit integers is read the same way */
	assert_int_equal(scenario_load_string("seed = 3000000000L;\n" HEAD NODES, "t.scn", &sc, err, sizeof(err)), 0);
	assert_true(sc.seed == 3000000000u);
	scenario_free(&sc);
	assert_int_not_equal(scenario_load_string("seed = -1;\n" HEAD NODES, "t.scn", &sc, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "t.scn:1: 'seed' = -1 is out of range"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x_is_accepted),
		cmocka_unit_test(test_full_width),
		cmocka_unit_test(test_high_spi_and_seed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
