/* A node's configuration read by the loader every driver shares (the
 * simulator for each scenario node, a single-node driver from its own
 * file): interfaces resolved through the driver's link names, routes,
 * roles and the ipsec group, with FILE:LINE for every fault. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tu.h"
#include "nodeconf.h"
#include "ike/ike_sig.h"

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

/* The discovery settings: a mobile node knowing only its home prefix and
 * interface identifier (no ha: dynamic home agent address discovery), and a
 * home agent's Home Agent Information and Mobile Prefix Advertisement
 * settings, each type- and range-checked with FILE:LINE. */
#define DISC_MN(extra) \
	"node = { name = \"mn\"; interfaces = ( { } );\n" \
	"  mn = { home_prefix = \"2001:db8:1::/64\"; iid = \"::100\"; " extra " };\n" \
	"};\n"
#define DISC_HA(extra) \
	"node = { name = \"ha\"; interfaces = ( { addr = \"2001:db8:1::1/64\"; } );\n" \
	"  ha = { " extra " };\n" \
	"};\n"

static void test_discovery_keys(void **s)
{
	(void)s;
	struct nodeconf n;
	char err[512] = "", path[256];
	uint8_t a[16], zero[16] = { 0 };
	if (load_text(DISC_MN(""), &n, err, sizeof(err), path, sizeof(path)))
		fail_msg("%s", err);
	tu_addr("2001:db8:1::100", a);
	assert_memory_equal(n.cfg.mn.hoa, a, 16);           /* prefix + interface identifier */
	assert_memory_equal(n.addr, a, 16);
	assert_memory_equal(n.cfg.mn.ha, zero, 16);          /* to be discovered */
	assert_int_equal(n.cfg.mn.home_plen, 64);
	nodeconf_free(&n);
	if (load_text(DISC_HA("preference = 65535; ha_lifetime = 1800; prefix_advertisements = false;"
			      " mpa_min_interval = \"2s\"; mpa_max_interval = 5;"),
		      &n, err, sizeof(err), path, sizeof(path)))
		fail_msg("%s", err);
	assert_int_equal(n.cfg.ha.preference, 65535);
	assert_int_equal(n.cfg.ha.ha_lifetime_s, 1800);
	assert_true(n.cfg.ha.mpd_disabled);
	assert_int_equal(n.cfg.ha.mpa_min_interval_s, 2);
	assert_int_equal(n.cfg.ha.mpa_max_interval_s, 5);
	nodeconf_free(&n);
	if (load_text(DISC_HA(""), &n, err, sizeof(err), path, sizeof(path)))
		fail_msg("%s", err);
	assert_int_equal(n.cfg.ha.preference, 0);
	assert_int_equal(n.cfg.ha.ha_lifetime_s, 0);         /* the Router Lifetime */
	assert_false(n.cfg.ha.mpd_disabled);
	nodeconf_free(&n);
	static const struct { const char *text, *needle; } rows[] = {
		/* IKE starts towards a configured home agent, never a discovered one */
		{ "node = { name = \"mn\"; interfaces = ( { } );\n"
		  " mn = { home_prefix = \"2001:db8:1::/64\"; iid = \"::100\"; };\n"
		  " ipsec = { ike = { id = \"mn@example.com\"; peer_id = \"ha.example.com\"; peer_id_type = \"fqdn\";\n"
		  "   psk = \"mip6sec example pre-shared key: at least sixty-four octets of text!\";\n"
		  "   proposals = [ \"aes128gcm16-prfsha256-x25519\" ]; esp = \"aes128gcm16\"; }; }; };\n",
		  ":3: IKE keying needs the mn role's ha" },
		{ "node = { name = \"mn\"; interfaces = ( { } );\n mn = { iid = \"::100\"; }; };\n",
		  ":2: the mn role needs hoa = \"...\", or home_prefix" },
		{ "node = { name = \"mn\"; interfaces = ( { } );\n mn = { home_prefix = \"2001:db8:1::/48\"; iid = \"::1\"; }; };\n",
		  ":2: the mn role needs hoa" },
		{ DISC_HA("preference = 65536;"), ":2: 'preference' = 65536 is out of range 0..65535" },
		{ DISC_HA("ha_lifetime = -1;"), ":2: 'ha_lifetime' = -1 is out of range 0..65535" },
		{ DISC_HA("ha_lifetime = 4294967296000;"), ":2: 'ha_lifetime' = 4294967296000 is out of range" },
		{ DISC_HA("preference = \"high\";"), ":2: 'preference' must be a whole number" },
		{ DISC_HA("prefix_advertisements = 1;"), ":2: 'prefix_advertisements' must be true or false" },
		{ DISC_HA("mpa_min_interval = \"soon\";"), ":2: 'mpa_min_interval' = \"soon\" is not a time" },
		{ DISC_HA("mpa_max_inteval = 5;"), ":2: unknown key 'mpa_max_inteval' in the ha role" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = load_text(rows[i].text, &n, err, sizeof(err), path, sizeof(path));
		if (rc != M6_E_CONFIG || !strstr(err, rows[i].needle) || strncmp(err, path, strlen(path)))
			fail_msg("row %zu: rc %d, '%s' lacks '%s' or the file name %s", i, rc, err, rows[i].needle, path);
	}
}

/* A mobile node with IKE and the given ike keys, in a directory of its
 * own with the test certificates linked in: file names are relative to
 * the configuration file. */
static int load_ike(const char *keys, struct nodeconf *n, char *err, size_t errlen, char *dir, size_t cap)
{
	static const char *const files[] = { "mn-p256.pem", "mn-p256.key", "ha-p256.key", "ca.pem",
					     "inter.pem", "mn-rsa1024.pem", "mn-rsa1024.key" };
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(dir, cap, "%s/m6ikeXXXXXX", base);
	assert_non_null(mkdtemp(dir));
	char p[512], t[512];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", IKE_CERTS_DIR, files[i]);
		snprintf(t, sizeof(t), "%s/%s", dir, files[i]);
		assert_int_equal(symlink(p, t), 0);
	}
	char text[2048];
	snprintf(text, sizeof(text),
		 "node = { name = \"mn\"; interfaces = ( { } );\n"
		 " mn = { hoa = \"2001:db8:1::100\"; ha = \"2001:db8:1::1\"; };\n"
		 " ipsec = { ike = { id = \"mn.example.org\"; id_type = \"fqdn\";\n"
		 "   %s }; }; };\n", keys);
	snprintf(p, sizeof(p), "%s/node.conf", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	int rc = nodeconf_load_file(p, &opts, n, err, errlen);
	unlink(p);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(t, sizeof(t), "%s/%s", dir, files[i]);
		unlink(t);
	}
	rmdir(dir);
	return rc;
}

/* HA-09, 3776-10: with tunnel = true IKE makes the mobile node - home agent
 * tunnel SA, which carries the Home Test Init and Home Test; its 'esp' (the
 * one transform of every Child SA) must encrypt. NULL encryption stays
 * allowed for the BU/BA SAs alone. */
static void test_ike_tunnel_needs_encryption(void **s)
{
	(void)s;
	struct nodeconf n;
	char err[512] = "", dir[256];
#define PSK_KEYS "psk = \"mip6sec example pre-shared key: at least sixty-four octets of text!\"; " \
	"peer_id = \"ha.example.org\"; peer_id_type = \"fqdn\"; proposals = [ \"aes128gcm16-prfsha256-x25519\" ];"
	assert_int_equal(load_ike(PSK_KEYS " esp = \"null-sha256\"; tunnel = true;", &n, err, sizeof(err), dir, sizeof(dir)),
			 M6_E_CONFIG);
	if (!strstr(err, ":4: 'tunnel' = true") || !strstr(err, "need encryption"))
		fail_msg("%s", err);
	if (load_ike(PSK_KEYS " esp = \"null-sha256\";", &n, err, sizeof(err), dir, sizeof(dir)))
		fail_msg("%s", err);
	nodeconf_free(&n);
	if (load_ike(PSK_KEYS " esp = \"aes128-sha256\"; tunnel = true;", &n, err, sizeof(err), dir, sizeof(dir)))
		fail_msg("%s", err);
	nodeconf_free(&n);
#undef PSK_KEYS
}

/* auth = "pubkey": certificate, key and CA files; FILE:LINE for each fault. */
static void test_ike_pubkey(void **s)
{
	(void)s;
	struct nodeconf n;
	char err[512] = "", dir[256];
	if (load_ike("auth = \"pubkey\"; cert = \"mn-p256.pem\"; key = \"mn-p256.key\"; ca = \"ca.pem\";\n"
		     "   intermediates = \"inter.pem\"; cert_time = 1861920000;",
		     &n, err, sizeof(err), dir, sizeof(dir)))
		fail_msg("%s", err);
	assert_non_null(n.ike);
	assert_true(ike_cred_has_own(n.ike->cred));
	assert_true(ike_cred_has_ca(n.ike->cred));
	assert_int_equal(ike_cred_n_certs(n.ike->cred), 2);
	assert_int_equal(n.ike->psk_len, 0);
	assert_int_equal(n.ike->cert_time, 1861920000);
	nodeconf_free(&n);
	/* our PSK, the peer's certificate */
	if (load_ike("psk = \"mip6sec example pre-shared key: at least sixty-four octets of text!\"; ca = \"ca.pem\";",
		     &n, err, sizeof(err), dir, sizeof(dir)))
		fail_msg("%s", err);
	assert_false(ike_cred_has_own(n.ike->cred));
	assert_true(ike_cred_has_ca(n.ike->cred));
	assert_true(n.ike->psk_len > 0);
	nodeconf_free(&n);
	static const struct { const char *keys, *needle; } rows[] = {
		{ "auth = \"pubkey\"; cert = \"nope.pem\"; key = \"mn-p256.key\"; ca = \"ca.pem\";",
		  ":4: 'cert' = \"nope.pem\": cannot read " },
		{ "auth = \"pubkey\"; cert = \"mn-p256.pem\";\n key = \"ha-p256.key\"; ca = \"ca.pem\";",
		  ":5: 'key' is not the private key of 'cert' (\"mn-p256.pem\")" },
		{ "auth = \"pubkey\"; cert = \"mn-rsa1024.pem\"; key = \"mn-rsa1024.key\"; ca = \"ca.pem\";",
		  ":4: 'key': unsupported key type" },
		{ "auth = \"pubkey\"; cert = \"mn-p256.key\"; key = \"mn-p256.key\"; ca = \"ca.pem\";",
		  ":4: 'cert' and 'key' must be a PEM certificate" },
		{ "auth = \"pubkey\"; cert = \"mn-p256.pem\"; key = \"mn-p256.key\"; ca = \"mn-p256.key\";",
		  ":4: 'ca': 1 to 4 PEM certificates" },
		{ "auth = \"pubkey\"; cert = \"mn-p256.pem\"; key = \"mn-p256.key\";",
		  ":3: missing 'ca'" },
		{ "auth = \"pubkey\"; cert = \"/dev/null\"; key = \"mn-p256.key\"; ca = \"ca.pem\";",
		  ":4: 'cert' = \"/dev/null\": /dev/null is not a regular file" },
		{ "auth = \"rsa\";", ":4: 'auth' must be \"psk\" or \"pubkey\"" },
		{ "cert = \"mn-p256.pem\";", ":4: 'cert' needs auth = \"pubkey\"" },
		{ "auth = \"psk\";", ":3: a mobile node's ike group needs a 'psk'" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int rc = load_ike(rows[i].keys, &n, err, sizeof(err), dir, sizeof(dir));
		if (rc != M6_E_CONFIG || !strstr(err, rows[i].needle) || strncmp(err, dir, strlen(dir)))
			fail_msg("row %zu: rc %d, '%s' lacks '%s' or the file name", i, rc, err, rows[i].needle);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_file),
		cmocka_unit_test(test_node_file_errors),
		cmocka_unit_test(test_discovery_keys),
		cmocka_unit_test(test_ike_pubkey),
		cmocka_unit_test(test_ike_tunnel_needs_encryption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
