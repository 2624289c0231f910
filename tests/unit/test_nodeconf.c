/* A node's configuration read by the loader every driver shares (the
 * simulator for each scenario node, a single-node driver from its own
 * file): interfaces resolved through the driver's link names, routes,
 * roles and the ipsec group, with FILE:LINE for every fault. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tu.h"
#include "nodeconf.h"

static int find_link(void *arg, const char *name)
{
	(void)arg;
	return !strcmp(name, "tun0") ? 3 : !strcmp(name, "tun1") ? 7 : -1;
}

static const struct nodeconf_opts opts = { find_link, NULL, 2, 0 };

#define CBC "enc = \"aes-cbc\"; enc_key = \"000102030405060708090a0b0c0d0e0f\"; auth = \"hmac-sha256-128\";" \
	" auth_key = \"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\";"
#define GCM "enc = \"aes-gcm-16\"; enc_key = \"000102030405060708090a0b0c0d0e0fa0a1a2a3\";"
#define NODE(ifaces, sa) \
	"# one mobile node\n" \
	"node = { name = \"mn\";\n" \
	"  interfaces = ( " ifaces " );\n" \
	"  routes = ( { prefix = \"::/0\"; iface = 0; via = \"fe80::1\"; } );\n" \
	"  mn = { hoa = \"2001:db8:1::100\"; ha = \"2001:db8:1::1\"; lifetime = 600; };\n" \
	"  ipsec = { spd = ( { name = \"bu\"; dir = \"out\"; proto = \"mh\"; mh_type = \"bu\"; } );\n" \
	"    sa = ( { spi = 0x80001001; policy = \"bu\"; src = \"2001:db8:1::100\"; dst = \"2001:db8:1::1\";\n" \
	"      " sa " } ); };\n" \
	"};\n"

static int load_text(const char *text, struct nodeconf *n, char *err, size_t errlen, char *path, size_t cap)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(path, cap, "%s/m6nodeXXXXXX", base);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	int rc = nodeconf_load_file(path, &opts, n, err, errlen);
	unlink(path);
	return rc;
}

static void test_node_file(void **s)
{
	(void)s;
	struct nodeconf n;
	char err[512] = "", path[256];
	uint8_t a[16];
	if (load_text(NODE("{ link = \"tun1\"; }, { }", CBC), &n, err, sizeof(err), path, sizeof(path)))
		fail_msg("%s", err);
	assert_string_equal(n.name, "mn");
	assert_ptr_equal(n.cfg.name, n.name);
	assert_int_equal(n.cfg.n_ifaces, 2);
	assert_int_equal(n.init_link[0], 7);     /* the driver's id for "tun1" */
	assert_int_equal(n.init_link[1], -1);    /* no link: starts detached */
	assert_int_equal(n.cfg.n_routes, 1);
	assert_true(n.cfg.routes[0].has_nexthop);
	assert_true(n.cfg.is_mn && !n.cfg.is_ha && !n.cfg.is_cn);
	tu_addr("2001:db8:1::100", a);
	assert_memory_equal(n.cfg.mn.hoa, a, 16);
	assert_int_equal(n.cfg.mn.lifetime_s, 600);
	assert_true(n.has_ipsec && n.has_addr);
	assert_int_equal(n.kc.n_sa, 1);
	assert_int_equal(n.kc.n_keys, 0);        /* keys kept only when asked */
	nodeconf_take_ipsec(&n);
	assert_non_null(n.cfg.sad);
	assert_null(n.kc.sad);
	assert_non_null(sad_lookup_out(n.cfg.sad, spd_at(n.cfg.spd, SPD_OUT, 0)->id));
	assert_int_equal(sad_lookup_out(n.cfg.sad, spd_at(n.cfg.spd, SPD_OUT, 0)->id)->spi, 0x80001001u);
	sad_free(n.cfg.sad);
	spd_free(n.cfg.spd);
	pad_free(n.cfg.pad);
	nodeconf_free(&n);
}

static void test_node_file_errors(void **s)
{
	(void)s;
	static const struct { const char *text, *needle; } rows[] = {
		/* a link the driver does not have, at the line of the interface */
		{ NODE("{ link = \"eth9\"; }", CBC), ":3: no link named \"eth9\"" },
		/* outside a simulation a manual key never drives a counter mode (ALG-02) */
		{ NODE("{ link = \"tun0\"; }", GCM), ":8: counter-mode cipher on a manually keyed SA" },
		{ "nodes = ( );\n", ":1: unknown key 'nodes' in a node file (known: node)" },
		{ "# nothing\n", "missing 'node'" },
		{ "node = 5;\n", ":1: 'node' must be a group" },
		{ "node = { name = \"x\"; interfaces = ( { mtu = 4294968796; } ); };\n",
		  ":1: 'mtu' = 4294968796 is out of range 1280..65535" },
		{ "node = { name = \"x\";\n interfaces = ( { } ); forwarding = \"yes\"; };\n", ":2: 'forwarding' must be true or false" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct nodeconf n;
		char err[512] = "", path[256];
		int rc = load_text(rows[i].text, &n, err, sizeof(err), path, sizeof(path));
		if (rc != M6_E_CONFIG || !strstr(err, rows[i].needle) || strncmp(err, path, strlen(path)))
			fail_msg("row %zu: rc %d, '%s' lacks '%s' or the file name %s", i, rc, err, rows[i].needle, path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_file),
		cmocka_unit_test(test_node_file_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
