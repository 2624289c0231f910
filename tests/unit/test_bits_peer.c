/* A home agent's per-peer policy templates (spd_protect.per_peer): one BU
 * and one BA policy for all its mobile nodes, each node with its own SAs,
 * under both protection models. An outbound packet takes the SA of its
 * remote address; a peer's SA still carries only its own home address. */
#include "tu.h"
#include "ipsec/bits.h"
#include "ipsec/esp.h"
#include "pkt/mh.h"
#include "keyconf.h"

#define HA "2001:db8:1::1"
#define HOA_A "2001:db8:1::100"
#define HOA_B "2001:db8:1::200"
#define HOA_C "2001:db8:1::300"
#define COA_A "2001:db8:2::100"
#define COA_B "2001:db8:3::200"
#define COA_C "2001:db8:4::300"
#define K16 "\"000102030405060708090a0b0c0d0e0f\""
#define K32 "\"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\""
#define CRYPTO "enc = \"aes-cbc\"; enc_key = " K16 "; auth = \"hmac-sha256-128\"; auth_key = " K32 ";"
#define BYPASS_REST \
	"{ name = \"rest-out\"; dir = \"out\"; order = 9000; action = \"bypass\"; },\n" \
	"{ name = \"rest-in\"; dir = \"in\"; order = 9000; action = \"bypass\"; }\n"

struct node {
	struct keyconf kc;
	struct bits b;
};

static uint8_t mem[4096];
static struct pbuf pb;

static void node_load(struct node *n, const char *text)
{
	char err[512];
	if (keyconf_load_string(text, &n->kc, err, sizeof(err)))
		fail_msg("config: %s\n%s", err, text);
	bits_init(&n->b, &n->kc.bits, n->kc.spd, n->kc.sad, n->kc.pad);
}

static void node_free(struct node *n)
{
	bits_fini(&n->b);
	keyconf_free(&n->kc);
}

/* The home agent: two templates, SAs for A and B (none for C). Under the
 * true-address model the selectors hold care-of addresses, so the
 * templates' remote range is any address. */
static void home_agent(struct node *n, bool model_b)
{
	char cfg[4096];
	const char *a = model_b ? COA_A : HOA_A, *b = model_b ? COA_B : HOA_B;
	const char *range = model_b ? "any" : "2001:db8:1::/64";
	snprintf(cfg, sizeof(cfg),
		 "node = { model = \"%s\"; };\n"
		 "pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"" HOA_A "\" ]; },\n"
		 "        { id = \"mn-b@example.com\"; home_addresses = [ \"" HOA_B "\" ]; } );\n"
		 "spd = (\n"
		 "{ name = \"bu-in\"; dir = \"in\"; order = 10; local = \"" HA "\"; remote = \"%s\";"
		 "  proto = \"mh\"; mh_type = \"bu\"; per_peer = true; },\n"
		 "{ name = \"ba-out\"; dir = \"out\"; order = 10; local = \"" HA "\"; remote = \"%s\";"
		 "  proto = \"mh\"; mh_type = \"ba\"; per_peer = true; },\n"
		 "{ name = \"mh-in\"; dir = \"in\"; order = 500; proto = \"mh\"; action = \"discard\"; },\n"
		 BYPASS_REST ");\n"
		 "sa = (\n"
		 "{ spi = 0x1001; policy = \"bu-in\"; src = \"%s\"; dst = \"" HA "\"; peer = \"mn-a@example.com\"; " CRYPTO " },\n"
		 "{ spi = 0x1002; policy = \"ba-out\"; src = \"" HA "\"; dst = \"%s\"; peer = \"mn-a@example.com\"; " CRYPTO " },\n"
		 "{ spi = 0x2001; policy = \"bu-in\"; src = \"%s\"; dst = \"" HA "\"; peer = \"mn-b@example.com\"; " CRYPTO " },\n"
		 "{ spi = 0x2002; policy = \"ba-out\"; src = \"" HA "\"; dst = \"%s\"; peer = \"mn-b@example.com\"; " CRYPTO " }\n"
		 ");\n",
		 model_b ? "true-address" : "normalise", range, range, a, a, b, b);
	node_load(n, cfg);
}

/* A mobile node with its BU SA (spi) toward the home agent. */
static void mobile(struct node *n, bool model_b, const char *me, unsigned spi)
{
	char cfg[4096];
	snprintf(cfg, sizeof(cfg),
		 "node = { model = \"%s\"; };\n"
		 "spd = (\n"
		 "{ name = \"bu-out\"; dir = \"out\"; order = 10; local = \"%s\"; remote = \"" HA "\";"
		 "  proto = \"mh\"; mh_type = \"bu\"; },\n"
		 BYPASS_REST ");\n"
		 "sa = ( { spi = 0x%x; policy = \"bu-out\"; src = \"%s\"; dst = \"" HA "\"; " CRYPTO " } );\n",
		 model_b ? "true-address" : "normalise", me, spi, me);
	node_load(n, cfg);
}

/* IPv6(src -> dst) | [DstOpt(HAO=hoa)] | MH of type, checksummed with the HoA. */
static void mk_mh(uint8_t type, const char *src, const char *dst, const char *hoa)
{
	struct mh_msg m;
	struct ip6_hdr h;
	uint8_t *p, mh[64];
	size_t mlen;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = type;
	m.seq = 7;
	m.flags = type == MH_BU ? MH_BU_A | MH_BU_H : 0;
	m.lifetime = mh_lifetime_units(3600);
	assert_int_equal(mh_build(&m, mh, sizeof(mh), &mlen), 0);
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	assert_int_equal(pbuf_put(&pb, IP6_HDR_LEN + mlen, &p), 0);
	memset(&h, 0, sizeof(h));
	tu_addr(src, h.src);
	tu_addr(dst, h.dst);
	h.nh = IP6P_MH;
	h.hlim = 64;
	h.plen = (uint16_t)mlen;
	ip6_hdr_write(p, &h);
	memcpy(p + IP6_HDR_LEN, mh, mlen);
	uint8_t home[16];
	tu_addr(hoa ? hoa : src, home);
	mh_set_checksum(p + IP6_HDR_LEN, mlen, home, h.dst);
	if (hoa)
		assert_int_equal(ip6_insert_hao(&pb, home), 0);
}

/* Each peer's BA leaves on that peer's SA; a peer without one raises an
 * ACQUIRE for the template (fail closed). */
static void run_ba_out(bool model_b)
{
	struct node ha;
	struct bits_result r;
	struct bits_event ev;
	home_agent(&ha, model_b);
	mk_mh(MH_BA, HA, model_b ? COA_A : HOA_A, NULL);
	assert_int_equal(bits_output(&ha.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x1002);
	mk_mh(MH_BA, HA, model_b ? COA_B : HOA_B, NULL);
	assert_int_equal(bits_output(&ha.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x2002);
	uint32_t template = r.policy->id;
	mk_mh(MH_BA, HA, model_b ? COA_C : HOA_C, NULL);
	assert_int_equal(bits_output(&ha.b, &pb, false, 0, &r), M6_E_NO_SA);
	assert_int_equal(r.policy->id, template);
	assert_true(bits_next_event(&ha.b, &ev));
	assert_int_equal(ev.type, BITS_EV_ACQUIRE);
	assert_int_equal(ev.spd_id, template);
	assert_false(bits_next_event(&ha.b, &ev));
	node_free(&ha);
}

static void test_ba_out_model_a(void **s) { (void)s; run_ba_out(false); }
static void test_ba_out_model_b(void **s) { (void)s; run_ba_out(true); }

/* B's BU for its own home address passes on its SA under the template;
 * the same SA carrying a BU for A's home address is refused as with a
 * policy per mobile node. */
static void run_bu_in(bool model_b)
{
	struct node b, ha;
	struct bits_result r;
	const char *me = model_b ? COA_B : HOA_B;
	mobile(&b, model_b, me, 0x2001);
	home_agent(&ha, model_b);
	mk_mh(MH_BU, COA_B, HA, HOA_B);
	assert_int_equal(bits_output(&b.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x2001);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x2001);
	/* B's stack is subverted: its BU carries A's home address, sealed
	 * with B's SA directly */
	mk_mh(MH_BU, COA_B, HA, HOA_A);
	struct ipsec_sa *sa = sad_lookup_out(b.kc.sad, spd_at(b.kc.spd, SPD_OUT, 0)->id);
	assert_non_null(sa);
	struct ip6_walk w;
	assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w), 0);
	uint8_t *p = pbuf_data(&pb);
	assert_int_equal(esp_seal(&sa->xf, &pb, w.proto_off, p[w.nh_field], sa->spi, ++sa->seq, false, 0), 0);
	p = pbuf_data(&pb);
	p[w.nh_field] = IP6P_ESP;
	m6_put16(p + 4, (uint16_t)(pb.len - IP6_HDR_LEN));
	/* 3776-07, 4877-02: refused by the selectors of B's own SA, or by the post-check */
	int want = model_b ? M6_E_HAO_POSTCHECK : M6_E_SELECTOR;
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), want);
	assert_int_equal(r.sa->spi, 0x2001);
	node_free(&b);
	node_free(&ha);
}

static void test_bu_in_model_a(void **s) { (void)s; run_bu_in(false); }
static void test_bu_in_model_b(void **s) { (void)s; run_bu_in(true); }

/* The configuration refuses a template in tunnel mode and an SA whose
 * peer lies outside the template's remote range. */
static void test_config_refusals(void **s)
{
	(void)s;
	struct keyconf kc;
	char err[512];
	const char *tunnel = "spd = ( { name = \"t\"; mode = \"tunnel\"; per_peer = true; } );\n";
	assert_int_not_equal(keyconf_load_string(tunnel, &kc, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "per_peer"));
	const char *outside =
		"spd = ( { name = \"ba-out\"; local = \"" HA "\"; remote = \"2001:db8:1::/64\"; per_peer = true; } );\n"
		"sa = ( { spi = 0x1002; policy = \"ba-out\"; src = \"" HA "\"; dst = \"" COA_A "\"; " CRYPTO " } );\n";
	assert_int_not_equal(keyconf_load_string(outside, &kc, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "remote range"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ba_out_model_a),
		cmocka_unit_test(test_ba_out_model_b),
		cmocka_unit_test(test_bu_in_model_a),
		cmocka_unit_test(test_bu_in_model_b),
		cmocka_unit_test(test_config_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
