/* Manual keying configuration: the RFC 3776 section 5 layout loads, and bad
 * configurations are refused with the line and the fault. */
#include "tu.h"
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

static void test_refusals(void **s)
{
	(void)s;
	static const struct { const char *cfg, *needle; } rows[] = {
		/* ALG-02: counter-mode ciphers are never keyed manually */
		{ POLICY SA("enc = \"aes-gcm-16\"; enc_key = \"000102030405060708090a0b0c0d0e0f00010203\"; auth = \"null\";"),
		  "counter-mode" },
		{ POLICY SA("enc = \"chacha20-poly1305\"; auth = \"null\";"), "counter-mode" },
		{ POLICY SA("enc = \"aes-cbc\"; enc_key = \"0011\"; auth = \"hmac-sha256-128\"; auth_key = " K32 ";"),
		  "SA 0x1001" },
		{ POLICY SA(CBC " enc_ky = \"00\";"), "unknown setting 'enc_ky'" },
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
		{ "routes = 1;", "unknown setting 'routes'" },
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_3776_layout),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_ranges),
	};
	return cmocka_run_group_tests_name("keyconf", tests, NULL, NULL);
}
