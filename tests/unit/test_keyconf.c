/* Manual keying configuration: the RFC 3776 section 5 layout loads, and bad
 * configurations are refused with the line and the fault. */
#include "tu.h"
#include "confread.h"
#include "keyconf.h"

#define K16 "\"000102030405060708090a0b0c0d0e0f\""
#define K32 "\"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\""
#define POLICY "spd = ( { name = \"bu-out\"; dir = \"out\"; local = \"2001:db8:1::100\";" \
	" remote = \"2001:db8:1::1\"; proto = \"mh\"; mh_type = \"bu\"; } );\n"
#define SA(body) "sa = ( { spi = 0x1001; policy = \"bu-out\"; src = \"2001:db8:1::100\";" \
	" dst = \"2001:db8:1::1\"; " body " } );\n"
#define CBC "enc = \"aes-cbc\"; enc_key = " K16 "; auth = \"hmac-sha256-128\"; auth_key = " K32 ";"

static void test_loads_3776_layout(void **s)
{
	(void)s;
	struct keyconf kc;
	char err[256];
	assert_int_equal(keyconf_load_string(POLICY SA(CBC), &kc, err, sizeof(err)), 0);
	assert_int_equal(kc.n_sa, 1);
	const struct spd_entry *e = spd_at(kc.spd, SPD_OUT, 0);
	assert_non_null(e);
	assert_int_equal(e->sel.proto, 135);
	assert_int_equal(e->sel.lport.lo, 5 << 8);   /* MH type BU (4877-06) */
	struct ipsec_sa *sa = sad_lookup_out(kc.sad, e->id);
	assert_non_null(sa);
	assert_true(sa->manual);
	assert_false(sa->replay_on);                   /* ESP-02: off for manual keys */
	assert_int_equal(sa->mode, SA_TRANSPORT);
	assert_int_equal(kc.bits.model, SA_MODEL_NORMALISE);
	keyconf_free(&kc);
}

/* A tunnel-mode policy from the home address (proto, MH type range) and
 * its SA that follows the binding, with the given crypto. */
#define TUN_POLICY(sel) "spd = ( { name = \"tun\"; dir = \"out\"; local = \"2001:db8:1::100\"; mode = \"tunnel\"; " \
	sel " } );\n"
#define TUN_SA(body) "sa = ( { spi = 0x1003; policy = \"tun\"; src = \"::\"; dst = \"2001:db8:1::1\";" \
	" follow_binding = true; " body " } );\n"
#define NULL_ENC "enc = \"null\"; auth = \"hmac-sha256-128\"; auth_key = " K32 ";"

/* HA-09, 3776-10, 4877-14: the MN-HA tunnel SA (follow_binding) carries the
 * Home Test Init and Home Test when its policy lets them through, and
 * those need confidentiality: NULL encryption is refused for such a policy
 * (any protocol, MH of any type, an MH type range holding HoTI or HoT),
 * and taken for one that cannot carry them (MH BU only, UDP). */
static void test_tunnel_sa_needs_encryption_for_home_test(void **s)
{
	(void)s;
	static const char *const refused[] = { "", "proto = \"mh\";", "proto = \"mh\"; mh_type = \"hoti\";",
					       "proto = \"mh\"; mh_type = \"3\";", "proto = \"mh\"; mh_type = \"0-2\";" };
	static const char *const taken[] = { "proto = \"mh\"; mh_type = \"bu\";", "proto = \"udp\";",
					     "proto = \"mh\"; mh_type = \"4-7\";" };
	char cfg[1024];
	struct keyconf kc;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char err[256] = "";
		snprintf(cfg, sizeof(cfg), TUN_POLICY("%s") TUN_SA(NULL_ENC), refused[i]);
		if (keyconf_load_string(cfg, &kc, err, sizeof(err)) != M6_E_CONFIG || !strstr(err, "need encryption"))
			fail_msg("refused[%zu]: '%s'", i, err);
		/* with encryption the same policy is fine */
		snprintf(cfg, sizeof(cfg), TUN_POLICY("%s") TUN_SA(CBC), refused[i]);
		assert_int_equal(keyconf_load_string(cfg, &kc, err, sizeof(err)), 0);
		keyconf_free(&kc);
	}
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		char err[256] = "";
		snprintf(cfg, sizeof(cfg), TUN_POLICY("%s") TUN_SA(NULL_ENC), taken[i]);
		if (keyconf_load_string(cfg, &kc, err, sizeof(err)))
			fail_msg("taken[%zu]: '%s'", i, err);
		keyconf_free(&kc);
	}
}

static void test_refusals(void **s)
{
	(void)s;
	static const struct { const char *cfg, *needle; } rows[] = {
		/* ALG-02: counter-mode ciphers are never keyed manually */
		{ POLICY SA("enc = \"aes-gcm-16\"; enc_key = \"000102030405060708090a0b0c0d0e0f00010203\"; auth = \"null\";"),
		  "counter-mode" },
		{ POLICY SA("enc = \"chacha20-poly1305\"; auth = \"null\";"), "counter-mode" },
		/* 3776-10: no SA without integrity, so no BU/BA (or anything) can
		 * arrive over one: encryption-only ESP is refused at load */
		{ POLICY SA("enc = \"aes-cbc\"; enc_key = \"000102030405060708090a0b0c0d0e0f\"; auth = \"null\";"),
		  "needs an integrity algorithm" },
		{ POLICY SA("enc = \"null\"; auth = \"null\";"), "needs an integrity algorithm" },
		{ POLICY SA("enc = \"aes-cbc\"; enc_key = \"0011\"; auth = \"hmac-sha256-128\"; auth_key = " K32 ";"),
		  "SA 0x1001" },
		{ POLICY SA(CBC " enc_ky = \"00\";"), "config:2: unknown key 'enc_ky' in an sa entry" },
		/* SAD-01: SPIs 1..255 are reserved */
		{ POLICY "sa = ( { spi = 17; policy = \"bu-out\"; src = \"::1\"; dst = \"::2\"; } );", "256 or more" },
		{ POLICY SA(CBC " esn = true;"), "needs 'replay'" },
		{ POLICY "sa = ( { spi = 0x1001; policy = \"nope\"; src = \"::1\"; dst = \"::2\"; } );", "spd entry" },
		{ POLICY SA(CBC " peer = \"ghost@example.com\";"), "not in the pad" },
		{ "spd = ( { name = \"x\"; local = \"2001:db8::/129\"; } );", "prefix/len" },
		{ "spd = ( { name = \"x\"; proto = \"udp\"; mh_type = \"bu\"; } );", "needs proto" },
		{ "spd = ( { name = \"x\"; action = \"maybe\"; } );", "'action'" },
		{ "node = { model = \"clever\"; };", "'model'" },
		{ "spd = ( { name = \"x\" } ", "config:1" },
		{ "routes = 1;", "config:1: unknown key 'routes' in an ipsec group" },
		{ "spd = ( { name = \"x\"; }, { name = \"x\"; dir = \"in\"; } );", "used twice" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct keyconf kc;
		char err[256] = "";
		int rc = keyconf_load_string(rows[i].cfg, &kc, err, sizeof(err));
		if (rc != M6_E_CONFIG || !strstr(err, rows[i].needle))
			fail_msg("row %zu: rc %d, '%s' lacks '%s'", i, rc, err, rows[i].needle);
	}
}

static void test_ranges(void **s)
{
	(void)s;
	uint8_t lo[16], hi[16], want[16];
	assert_int_equal(keyconf_parse_range("2001:db8::/32", lo, hi), 0);
	tu_addr("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", want);
	assert_memory_equal(hi, want, 16);
	assert_int_equal(keyconf_parse_range("2001:db8::5-2001:db8::1", lo, hi), M6_E_INVAL);
	assert_int_equal(keyconf_parse_range("any", lo, hi), 0);
	assert_int_equal(hi[0], 0xff);
	assert_int_equal(keyconf_parse_range("2001:db8::/", lo, hi), M6_E_INVAL);
}

/* A value of the wrong type for any key is an error at its line, never the
 * default: `dir = 1` must not become "out", `remote = 5` "any", `model = 1`
 * the node's model (a typo never silently weakens a policy). One row per key
 * of the ipsec group, each the bad line of an otherwise valid configuration. */
#define P1 "spd = ( { name = \"bu-out\"; dir = \"out\"; proto = \"mh\"; } );\n"
#define SPD_(k) "spd = ( { name = \"p\";\n" k "\n} );\n"
#define SPDP_(k) "spd = ( { name = \"p\"; proto = \"mh\";\n" k "\n} );\n"
#define SPDI_(k) "spd = ( { name = \"p\"; proto = \"icmpv6\";\n" k "\n} );\n"
#define PAD_(k) "pad = ( { id = \"a@b\";\n" k "\n} );\n"
#define SA_(k) P1 "sa = ( { spi = 0x1001; policy = \"bu-out\"; src = \"::1\"; dst = \"::2\"; " CBC "\n" k "\n} );\n"
#define SAK_(k) P1 "sa = ( { spi = 0x1001; policy = \"bu-out\"; src = \"::1\"; dst = \"::2\";\n" k "\n} );\n"
#define LIFE_(k) SA_("lifetime = {\n" k "\n};")
static void test_wrong_types(void **s)
{
	(void)s;
	static const struct { const char *text, *bad, *key; } rows[] = {
		{ "node = {\nmodel = 1;\n};", "model = 1;", "model" },
		{ "node = {\nmodel = true;\n};", "model = true;", "model" },
		{ "node = {\nnormalise_forwarded = \"yes\";\n};", "normalise_forwarded", "normalise_forwarded" },
		{ "# top\nnode = 1;\n", "node = 1;", "node" },
		{ "# top\npad = 1;\n", "pad = 1;", "pad" },
		{ "# top\nspd = { name = \"p\"; };\n", "spd = {", "spd" },
		{ "# top\nsa = \"none\";\n", "sa = \"none\"", "sa" },
		{ "pad = ( {\nid = 5;\n} );", "id = 5", "id" },
		{ PAD_("type = 1;"), "type = 1", "type" },
		{ PAD_("auth = true;"), "auth = true", "auth" },
		{ PAD_("psk = 1234;"), "psk = 1234", "psk" },
		{ PAD_("home_addresses = \"2001:db8::1\";"), "home_addresses", "home_addresses" },
		{ PAD_("home_addresses = [ 1 ];"), "home_addresses", "home_addresses" },
		{ PAD_("ts = \"2001:db8::/64\";"), "ts = ", "ts" },
		{ PAD_("ts = ( 5 );"), "ts = ", "ts" },
		{ "spd = ( {\nname = 7;\n} );", "name = 7", "name" },
		{ SPD_("dir = 1;"), "dir = 1", "dir" },
		{ SPD_("order = \"5\";"), "order", "order" },
		{ SPD_("order = 1.5;"), "order", "order" },
		{ SPD_("local = 1;"), "local", "local" },
		{ SPD_("remote = 5;"), "remote", "remote" },
		{ SPD_("proto = true;"), "proto", "proto" },
		{ SPD_("proto = 1.5;"), "proto", "proto" },
		{ SPDP_("mh_type = true;"), "mh_type", "mh_type" },
		{ SPDI_("icmp_type = 1.5;"), "icmp_type", "icmp_type" },
		{ SPD_("lport = true;"), "lport", "lport" },
		{ SPD_("rport = 1.0;"), "rport", "rport" },
		{ SPD_("interface = \"eth0\";"), "interface", "interface" },
		{ SPD_("action = 1;"), "action", "action" },
		{ SPD_("ipsec = 1;"), "ipsec = 1", "ipsec" },
		{ SPD_("mode = 1;"), "mode", "mode" },
		{ SPD_("model = 1;"), "model", "model" },
		{ SPD_("tunnel_local = 1;"), "tunnel_local", "tunnel_local" },
		{ SPD_("tunnel_remote = true;"), "tunnel_remote", "tunnel_remote" },
		{ P1 "sa = ( { policy = \"bu-out\"; src = \"::1\"; dst = \"::2\"; " CBC "\nspi = \"0x1001\";\n} );", "spi =",
		  "spi" },
		{ P1 "sa = ( { policy = \"bu-out\"; src = \"::1\"; dst = \"::2\"; " CBC "\nspi = 4097.0;\n} );", "spi =", "spi" },
		{ P1 "sa = ( { spi = 0x1001; src = \"::1\"; dst = \"::2\"; " CBC "\npolicy = 1;\n} );", "policy = 1", "policy" },
		{ P1 "sa = ( { spi = 0x1001; policy = \"bu-out\"; dst = \"::2\"; " CBC "\nsrc = 1;\n} );", "src = 1", "src" },
		{ P1 "sa = ( { spi = 0x1001; policy = \"bu-out\"; src = \"::1\"; " CBC "\ndst = 1;\n} );", "dst = 1", "dst" },
		{ SAK_("enc = 1; enc_key = " K16 "; auth = \"hmac-sha256-128\"; auth_key = " K32 ";"), "enc = 1", "enc" },
		{ SAK_("enc = \"aes-cbc\"; enc_key = 1; auth = \"hmac-sha256-128\"; auth_key = " K32 ";"), "enc = \"aes",
		  "enc_key" },
		{ SAK_("enc = \"aes-cbc\"; enc_key = " K16 "; auth = 1; auth_key = " K32 ";"), "enc = \"aes", "auth" },
		{ SAK_("enc = \"aes-cbc\"; enc_key = " K16 "; auth = \"hmac-sha256-128\"; auth_key = 2;"), "enc = \"aes",
		  "auth_key" },
		{ SA_("model = true;"), "model", "model" },
		{ SA_("peer = 1;"), "peer", "peer" },
		{ SA_("replay = 1;"), "replay", "replay" },
		{ SA_("replay = true; replay_window = \"64\";"), "replay", "replay_window" },
		{ SA_("esn = 1;"), "esn", "esn" },
		{ SA_("encap_sport = \"4500\";"), "encap_sport", "encap_sport" },
		{ SA_("encap_dport = 1.5;"), "encap_dport", "encap_dport" },
		{ SA_("lifetime = 5;"), "lifetime", "lifetime" },
		{ LIFE_("soft_seconds = \"5\";"), "soft_seconds", "soft_seconds" },
		{ LIFE_("hard_seconds = 1.5;"), "hard_seconds", "hard_seconds" },
		{ LIFE_("soft_bytes = true;"), "soft_bytes", "soft_bytes" },
		{ LIFE_("hard_bytes = \"1M\";"), "hard_bytes", "hard_bytes" },
		{ LIFE_("soft_packets = [ 1 ];"), "soft_packets", "soft_packets" },
		{ LIFE_("hard_packets = 2.0;"), "hard_packets", "hard_packets" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct keyconf kc;
		char err[512] = "", where[32], key[40];
		const char *at = strstr(rows[i].text, rows[i].bad);
		unsigned line = 1;
		assert_non_null(at);
		for (const char *p = rows[i].text; p < at; p++)
			line += *p == '\n';
		snprintf(where, sizeof(where), "config:%u:", line);
		snprintf(key, sizeof(key), "'%s'", rows[i].key);
		int rc = keyconf_load_string(rows[i].text, &kc, err, sizeof(err));
		if (rc == 0)
			keyconf_free(&kc);
		if (rc != M6_E_CONFIG || !strstr(err, where) || !strstr(err, key))
			fail_msg("row %zu (%s): rc %d, '%s' lacks %s or %s", i, rows[i].key, rc, err, where, key);
	}
	/* and each template is valid with a value of the right type */
	static const char *const good[] = {
		"node = {\nmodel = \"true-address\";\n};", PAD_("home_addresses = [ \"2001:db8::1\" ];"),
		SPD_("order = 5;"), SPDP_("mh_type = \"bu\";"), SA_("lifetime = {\nsoft_seconds = 5;\n};"),
		SA_("replay = true; replay_window = 64;"),
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct keyconf kc;
		char err[512] = "";
		if (keyconf_load_string(good[i], &kc, err, sizeof(err)))
			fail_msg("good %zu: %s", i, err);
		keyconf_free(&kc);
	}
}

/* ALG-02: counter-mode ciphers are refused with manual keys, except for
 * SAs that live in one simulated run (KEYCONF_SIMULATION). */
static void test_counter_mode_in_simulation(void **s)
{
	(void)s;
	static const char text[] = P1 "sa = ( { spi = 0x1001; policy = \"bu-out\"; src = \"::1\"; dst = \"::2\";\n"
		"enc = \"aes-gcm-16\"; enc_key = \"000102030405060708090a0b0c0d0e0f00010203\"; } );\n";
	struct keyconf kc;
	char err[512] = "";
	assert_int_equal(keyconf_load_string(text, &kc, err, sizeof(err)), M6_E_CONFIG);
	if (!strstr(err, "config:3: counter-mode"))
		fail_msg("%s", err);
	struct conf_file f;
	assert_int_equal(conf_file_parse(&f, text, "sim.scn", NULL, err, sizeof(err)), 0);
	assert_int_equal(keyconf_load_setting(config_root_setting(&f.cf), "sim.scn", KEYCONF_SIMULATION | KEYCONF_KEEP_KEYS,
					      &kc, err, sizeof(err)), 0);
	assert_int_equal(kc.n_keys, 1);
	assert_int_equal(kc.keys[0].x.enc, M6_ENC_AES_GCM_16);
	assert_int_equal(kc.keys[0].x.auth, M6_AUTH_NONE);   /* an AEAD needs no separate integrity */
	keyconf_free(&kc);
	conf_file_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_3776_layout),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_tunnel_sa_needs_encryption_for_home_test),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_counter_mode_in_simulation),
	};
	return cmocka_run_group_tests_name("keyconf", tests, NULL, NULL);
}
