/* The bump-in-the-stack pipeline under both protection models, and the
 * thread's attacks at the packet level. Each test cites the conformance
 * items it checks; the ones that show an attack succeeding under a model
 * print "weakness demonstrated: ..." (counted apart from passes). */
#include "tu.h"
#include "ipsec/bits.h"
#include "ipsec/esp.h"
#include "pkt/icmp6.h"
#include "pkt/mh.h"
#include "keyconf.h"

#define HA "2001:db8:1::1"
#define HOA_A "2001:db8:1::100"
#define HOA_B "2001:db8:1::200"
#define COA_A "2001:db8:2::100"
#define COA_B "2001:db8:3::200"
#define NET_D "2001:db8:5::/64"
#define HOST_D "2001:db8:5::d"
#define SGW_A "2001:db8:2::1"
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

/* Mobile node A: BU/BA SAs keyed on the home address (model A) or the
 * care-of address (model B), RFC 3776 section 5 layout. */
static void mn_a(struct node *n, bool model_b)
{
	char cfg[4096];
	const char *me = model_b ? COA_A : HOA_A;
	snprintf(cfg, sizeof(cfg),
		 "node = { model = \"%s\"; };\n"
		 "spd = (\n"
		 "{ name = \"bu-out\"; dir = \"out\"; order = 10; local = \"%s\"; remote = \"" HA "\";"
		 "  proto = \"mh\"; mh_type = \"bu\"; action = \"protect\"; },\n"
		 "{ name = \"ba-in\"; dir = \"in\"; order = 10; local = \"%s\"; remote = \"" HA "\";"
		 "  proto = \"mh\"; mh_type = \"ba\"; action = \"protect\"; },\n"
		 BYPASS_REST ");\n"
		 "sa = (\n"
		 "{ spi = 0x1001; policy = \"bu-out\"; src = \"%s\"; dst = \"" HA "\"; " CRYPTO " },\n"
		 "{ spi = 0x1002; policy = \"ba-in\"; src = \"" HA "\"; dst = \"%s\"; " CRYPTO " }\n"
		 ");\n",
		 model_b ? "true-address" : "normalise", me, me, me, me);
	node_load(n, cfg);
}

/* Home agent serving A and B; optionally a broad tunnel SA from B (Tero)
 * or from security gateway A's network (Santeri). */
static void home_agent(struct node *n, bool model_b, const char *extra_spd, const char *extra_sa)
{
	char cfg[8192];
	const char *a = model_b ? COA_A : HOA_A, *b = model_b ? COA_B : HOA_B;
	snprintf(cfg, sizeof(cfg),
		 "node = { model = \"%s\"; };\n"
		 "pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"" HOA_A "\" ]; },\n"
		 "        { id = \"mn-b@example.com\"; home_addresses = [ \"" HOA_B "\" ]; },\n"
		 "        { id = \"sgw-a.example.com\"; type = \"fqdn\"; } );\n"
		 "spd = (\n"
		 "{ name = \"bu-in-a\"; dir = \"in\"; order = 10; local = \"" HA "\"; remote = \"%s\";"
		 "  proto = \"mh\"; mh_type = \"bu\"; },\n"
		 "{ name = \"ba-out-a\"; dir = \"out\"; order = 10; local = \"" HA "\"; remote = \"%s\";"
		 "  proto = \"mh\"; mh_type = \"ba\"; },\n"
		 "{ name = \"bu-in-b\"; dir = \"in\"; order = 20; local = \"" HA "\"; remote = \"%s\";"
		 "  proto = \"mh\"; mh_type = \"bu\"; },\n"
		 "%s"
		 "{ name = \"mh-in\"; dir = \"in\"; order = 500; proto = \"mh\"; action = \"discard\"; },\n"
		 BYPASS_REST ");\n"
		 "sa = (\n"
		 "{ spi = 0x1001; policy = \"bu-in-a\"; src = \"%s\"; dst = \"" HA "\"; peer = \"mn-a@example.com\"; " CRYPTO " },\n"
		 "{ spi = 0x1002; policy = \"ba-out-a\"; src = \"" HA "\"; dst = \"%s\"; peer = \"mn-a@example.com\"; " CRYPTO " },\n"
		 "{ spi = 0x2001; policy = \"bu-in-b\"; src = \"%s\"; dst = \"" HA "\"; peer = \"mn-b@example.com\"; " CRYPTO " }\n"
		 "%s);\n",
		 model_b ? "true-address" : "normalise", a, a, b, extra_spd ? extra_spd : "", a, a, b,
		 extra_sa ? extra_sa : "");
	node_load(n, cfg);
}

/* Mobile node B, whose valid SA (0x2001) the attacks below misuse. */
static void mn_b(struct node *n, bool model_b)
{
	char cfg[4096];
	const char *me = model_b ? COA_B : HOA_B;
	snprintf(cfg, sizeof(cfg),
		 "node = { model = \"%s\"; };\n"
		 "spd = (\n"
		 "{ name = \"bu-out\"; dir = \"out\"; order = 10; local = \"%s\"; remote = \"" HA "\";"
		 "  proto = \"mh\"; mh_type = \"bu\"; },\n"
		 "{ name = \"tun-out\"; dir = \"out\"; order = 20; mode = \"tunnel\"; },\n"
		 BYPASS_REST ");\n"
		 "sa = (\n"
		 "{ spi = 0x2001; policy = \"bu-out\"; src = \"%s\"; dst = \"" HA "\"; " CRYPTO " },\n"
		 "{ spi = 0x3001; policy = \"tun-out\"; src = \"" COA_B "\"; dst = \"" HA "\"; " CRYPTO " }\n"
		 ");\n",
		 model_b ? "true-address" : "normalise", me, me);
	node_load(n, cfg);
}

/* IPv6(src -> dst) | [DstOpt(HAO=hoa)] | MH BU, checksummed with the HoA. */
static void mk_bu(const char *src, const char *dst, const char *hoa, uint16_t seq)
{
	struct mh_msg m;
	struct ip6_hdr h;
	uint8_t *p, mh[64];
	size_t mlen;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = seq;
	m.flags = MH_BU_A | MH_BU_H;
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

static void walk_pb(struct ip6_walk *w)
{
	assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, w), 0);
}

/* 3776-01, 3776-05, INT-01: BU from the care-of address, normalised
 * model: SA bound to the home address, IPv6 | DstOpt(HAO) | ESP | MH. */
static void run_bu(bool model_b)
{
	struct node mn, ha;
	struct bits_result r;
	struct ip6_walk w;
	mn_a(&mn, model_b);
	home_agent(&ha, model_b, NULL, NULL);
	mk_bu(COA_A, HA, HOA_A, 7);
	uint8_t clear[256];
	size_t clen = pb.len;
	memcpy(clear, pbuf_data(&pb), clen);
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
	assert_non_null(r.sa);
	assert_int_equal(r.sa->spi, 0x1001);
	walk_pb(&w);
	assert_int_equal(w.n_ext, 1);
	assert_int_equal(w.ext[0].proto, IP6P_DSTOPTS);
	assert_true(w.hao_valid);
	assert_int_equal(w.proto, IP6P_ESP);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x1001);
	assert_int_equal(pb.len, clen);
	assert_memory_equal(pbuf_data(&pb), clear, clen);   /* exactly the BU that was sent */
	assert_int_equal(ha.b.st.in_protected, 1);
	node_free(&mn);
	node_free(&ha);
}

static void test_bu_model_a(void **s) { (void)s; run_bu(false); }
static void test_bu_model_b(void **s) { (void)s; run_bu(true); }

/* Fail closed: PROTECT without an SA drops, queues ACQUIRE, sends nothing. */
static void test_fail_closed(void **s)
{
	(void)s;
	struct node mn;
	struct bits_result r;
	struct bits_event ev;
	mn_a(&mn, false);
	assert_int_equal(sad_remove(mn.kc.sad, 0x1001, IP6P_ESP, false), 0);
	mk_bu(COA_A, HA, HOA_A, 8);
	uint8_t before[256];
	size_t blen = pb.len;
	memcpy(before, pbuf_data(&pb), blen);
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), M6_E_NO_SA);
	assert_int_equal(pb.len, blen);
	assert_memory_equal(pbuf_data(&pb), before, blen);
	assert_int_equal(bits_drops(&mn.b, M6_E_NO_SA), 1);
	assert_true(bits_next_event(&mn.b, &ev));
	assert_int_equal(ev.type, BITS_EV_ACQUIRE);
	assert_int_equal(ev.spd_id, r.policy->id);
	assert_false(bits_next_event(&mn.b, &ev));
	node_free(&mn);
}

/* 3776-07, 4877-02, SAD-02: MN-B uses its own valid SA for a BU with HAO = HoA-A.
 * Model A stops it with the selector check on the home address, model B
 * with the Home Address post-check. */
static void run_b_claims_a(bool model_b)
{
	struct node b, ha;
	struct bits_result r;
	mn_b(&b, model_b);
	home_agent(&ha, model_b, NULL, NULL);
	/* B's stack is subverted: its BU carries A's home address. */
	mk_bu(COA_B, HA, HOA_A, 9);
	struct ipsec_sa *sa = sad_lookup_out(b.kc.sad, spd_at(b.kc.spd, SPD_OUT, 0)->id);
	assert_non_null(sa);
	/* Apply B's BU SA directly, as a compromised MN-B would. */
	struct ip6_walk w;
	walk_pb(&w);
	size_t off = w.proto_off;
	uint8_t *p = pbuf_data(&pb);
	assert_int_equal(esp_seal(&sa->xf, &pb, off, p[w.nh_field], sa->spi, ++sa->seq, false, 0), 0);
	p = pbuf_data(&pb);
	p[w.nh_field] = IP6P_ESP;
	m6_put16(p + 4, (uint16_t)(pb.len - IP6_HDR_LEN));
	int want = model_b ? M6_E_HAO_POSTCHECK : M6_E_SELECTOR;
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), want);
	assert_int_equal(r.sa->spi, 0x2001);
	assert_int_equal(bits_drops(&ha.b, want), 1);
	node_free(&b);
	node_free(&ha);
}

static void test_b_claims_a_model_a(void **s) { (void)s; run_b_claims_a(false); }
static void test_b_claims_a_model_b(void **s) { (void)s; run_b_claims_a(true); }

/* Tero: B tunnels `src=B, HAO=HoA-A, MH BU` on its own tunnel-mode SA with
 * broad selectors. Normalisation alone lets it through (the inner home
 * address is inside "any"); only the post-check over all SAs stops it. */
static void run_tero(bool model_b)
{
	struct node b, ha;
	struct bits_result r;
	mn_b(&b, model_b);
	home_agent(&ha, model_b,
		   "{ name = \"tun-in-b\"; dir = \"in\"; order = 30; mode = \"tunnel\"; },\n",
		   ",{ spi = 0x3001; policy = \"tun-in-b\"; src = \"" COA_B "\"; dst = \"" HA "\";"
		   " peer = \"mn-b@example.com\"; " CRYPTO " }\n");
	mk_bu(HOA_B, HA, HOA_A, 10);
	/* B's outbound policy tunnels everything that is not its own BU. */
	assert_int_equal(bits_output(&b.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x3001);
	int rc = bits_input(&ha.b, &pb, false, 0, &r);
	assert_int_equal(r.sa->spi, 0x3001);
	if (model_b) {
		assert_int_equal(rc, M6_E_HAO_POSTCHECK);
	} else {
		/* The attack succeeds: the HA now holds a BU "from" HoA-A. */
		struct ip6_walk w;
		assert_int_equal(rc, 0);
		walk_pb(&w);
		uint8_t hoa[16];
		tu_addr(HOA_A, hoa);
		assert_memory_equal(ip6_walk_hoa(&w, pbuf_data(&pb)), hoa, 16);
		assert_int_equal(w.proto, IP6P_MH);
		print_message("weakness demonstrated: normalise model, Tero's impersonation: B's broad "
			      "tunnel-mode SA delivers a BU for A's home address\n");
	}
	node_free(&b);
	node_free(&ha);
}

static void test_tero_model_a_accepts(void **s) { (void)s; run_tero(false); }
static void test_tero_model_b_refuses(void **s) { (void)s; run_tero(true); }

/* 4877-02, 3776-07: Tero's BU tunnelled once more inside B's tunnel SA,
 * `IPv6(HoA-B -> HA) | IPv6(HoA-A -> HA) | MH BU`: the SA delivers an
 * IPv6-in-IPv6 packet, which the node decapsulates and hands on with the
 * SA, so the post-check must look inside (it once looked only at the
 * outer packet: verify/ha_accept.pml -DTOP_ONLY_POSTCHECK). A nested BU
 * for B's own home address passes. */
static void run_tero_nested(const char *inner_hoa, int want)
{
	struct node b, ha;
	struct bits_result r;
	mn_b(&b, true);
	home_agent(&ha, true,
		   "{ name = \"tun-in-b\"; dir = \"in\"; order = 30; mode = \"tunnel\"; },\n",
		   ",{ spi = 0x3001; policy = \"tun-in-b\"; src = \"" COA_B "\"; dst = \"" HA "\";"
		   " peer = \"mn-b@example.com\"; " CRYPTO " }\n");
	mk_bu(inner_hoa, HA, NULL, 21);
	uint8_t *p;
	struct ip6_hdr h;
	assert_int_equal(pbuf_push(&pb, IP6_HDR_LEN, &p), 0);
	memset(&h, 0, sizeof(h));
	tu_addr(HOA_B, h.src);
	tu_addr(HA, h.dst);
	h.nh = IP6P_IPV6;
	h.hlim = 64;
	h.plen = (uint16_t)(pb.len - IP6_HDR_LEN);
	ip6_hdr_write(p, &h);
	assert_int_equal(bits_output(&b.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x3001);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), want);
	assert_int_equal(r.sa->spi, 0x3001);
	node_free(&b);
	node_free(&ha);
}

static void test_tero_nested_refused(void **s) { (void)s; run_tero_nested(HOA_A, M6_E_HAO_POSTCHECK); }
static void test_tero_nested_own_hoa(void **s) { (void)s; run_tero_nested(HOA_B, 0); }

/* Santeri: node A is both mobile node and security gateway for network D.
 * Host D sends `src=D, HAO=HoA-A, MH BU`. A gateway that normalises the
 * packets it forwards finds A's binding SA and protects D's forgery with it;
 * one that uses wire addresses for forwarded packets sends it down the VPN
 * tunnel, where the home agent refuses it under either model. */
static void gateway_a(struct node *n, bool normalise_forwarded)
{
	char cfg[4096];
	snprintf(cfg, sizeof(cfg),
		 "node = { model = \"normalise\"; normalise_forwarded = %s; };\n"
		 "spd = (\n"
		 "{ name = \"bu-out\"; dir = \"out\"; order = 10; local = \"" HOA_A "\"; remote = \"" HA "\";"
		 "  proto = \"mh\"; mh_type = \"bu\"; },\n"
		 "{ name = \"vpn-out\"; dir = \"out\"; order = 20; local = \"" NET_D "\"; mode = \"tunnel\"; },\n"
		 BYPASS_REST ");\n"
		 "sa = (\n"
		 "{ spi = 0x1001; policy = \"bu-out\"; src = \"" HOA_A "\"; dst = \"" HA "\"; " CRYPTO " },\n"
		 "{ spi = 0x5001; policy = \"vpn-out\"; src = \"" SGW_A "\"; dst = \"" HA "\"; " CRYPTO " }\n"
		 ");\n", normalise_forwarded ? "true" : "false");
	node_load(n, cfg);
}

static void run_santeri(bool naive_gateway, bool ha_model_b)
{
	struct node gw, ha;
	struct bits_result r;
	gateway_a(&gw, naive_gateway);
	/* A's binding SA is home-address based (the gateway runs model A for
	 * its own traffic); the VPN SA's peer is the gateway identity, which
	 * owns no home address, and its model is the one under test. */
	char vpn_sa[512];
	snprintf(vpn_sa, sizeof(vpn_sa),
		 ",{ spi = 0x5001; policy = \"vpn-in\"; src = \"" SGW_A "\"; dst = \"" HA "\";"
		 " peer = \"sgw-a.example.com\"; model = \"%s\"; " CRYPTO " }\n",
		 ha_model_b ? "true-address" : "normalise");
	home_agent(&ha, false,
		   "{ name = \"vpn-in\"; dir = \"in\"; order = 30; remote = \"" NET_D "\"; mode = \"tunnel\"; },\n",
		   vpn_sa);
	mk_bu(HOST_D, HA, HOA_A, 11);
	assert_int_equal(bits_output(&gw.b, &pb, true, 0, &r), 0);
	int rc = bits_input(&ha.b, &pb, false, 0, &r);
	if (naive_gateway) {
		assert_int_equal(r.sa->spi, 0x1001);   /* A's own binding SA */
		assert_int_equal(rc, 0);               /* the forgery is accepted */
		print_message("weakness demonstrated: a gateway that normalises forwarded packets lends "
			      "its binding SA to a host behind it (Santeri)\n");
	} else {
		assert_int_equal(r.sa->spi, 0x5001);   /* down the VPN tunnel */
		assert_int_equal(rc, ha_model_b ? M6_E_HAO_POSTCHECK : M6_E_SELECTOR);
	}
	node_free(&gw);
	node_free(&ha);
}

static void test_santeri_naive_gateway(void **s) { (void)s; run_santeri(true, false); }
static void test_santeri_model_a(void **s) { (void)s; run_santeri(false, false); }
static void test_santeri_model_b(void **s) { (void)s; run_santeri(false, true); }

/* Jari's "Grenoble office": gateway G tunnels prefix P to California (Q).
 * A visiting node has a care-of address in P and a home address in Q. With
 * wire addresses its traffic is tunnelled; matched on the home address it
 * is not. Both answers are configuration. */
static void run_grenoble(bool normalise_forwarded)
{
	struct node g;
	struct bits_result r;
	char cfg[4096];
	snprintf(cfg, sizeof(cfg),
		 "node = { model = \"normalise\"; normalise_forwarded = %s; };\n"
		 "spd = ( { name = \"p-to-q\"; dir = \"out\"; order = 10; local = \"2001:db8:6::/64\";"
		 "          remote = \"2001:db8:7::/64\"; mode = \"tunnel\"; },\n" BYPASS_REST ");\n"
		 "sa = ( { spi = 0x6001; policy = \"p-to-q\"; src = \"2001:db8:6::1\"; dst = \"2001:db8:7::1\"; "
		 CRYPTO " } );\n", normalise_forwarded ? "true" : "false");
	node_load(&g, cfg);
	mk_bu("2001:db8:6::50", "2001:db8:7::99", "2001:db8:7::100", 1);
	assert_int_equal(bits_output(&g.b, &pb, true, 0, &r), 0);
	assert_string_equal(r.policy->name, normalise_forwarded ? "rest-out" : "p-to-q");
	assert_int_equal(g.b.st.out_protected, normalise_forwarded ? 0 : 1);
	node_free(&g);
}

static void test_grenoble_care_of(void **s) { (void)s; run_grenoble(false); }
static void test_grenoble_home(void **s) { (void)s; run_grenoble(true); }

/* 4877-07: a clear BU where policy requires protection is dropped. */
static void test_unprotected_bu(void **s)
{
	(void)s;
	struct node ha;
	struct bits_result r;
	home_agent(&ha, false, NULL, NULL);
	mk_bu(COA_A, HA, HOA_A, 12);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_UNPROTECTED);
	mk_bu(COA_A, HA, "2001:db8:9::1", 12);   /* unknown MN: the generic entry discards */
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_POLICY_DISCARD);
	node_free(&ha);
}

/* ESP-07, SAD-01, ESP-06: forged ICV, unknown SPI and dummy packets are
 * dropped and counted. */
static void test_inbound_drops(void **s)
{
	(void)s;
	struct node mn, ha;
	struct bits_result r;
	mn_a(&mn, false);
	home_agent(&ha, false, NULL, NULL);
	mk_bu(COA_A, HA, HOA_A, 13);
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
	pbuf_data(&pb)[pb.len - 1] ^= 1;
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_ICV);
	mk_bu(COA_A, HA, HOA_A, 14);
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
	struct ip6_walk w;
	walk_pb(&w);
	m6_put32(pbuf_data(&pb) + w.proto_off, 0x9999);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_SPI);
	/* a dummy packet (Next Header 59) on A's SA */
	mk_bu(COA_A, HA, HOA_A, 15);
	walk_pb(&w);
	struct ipsec_sa *sa = sad_lookup_out(mn.kc.sad, spd_at(mn.kc.spd, SPD_OUT, 0)->id);
	assert_int_equal(esp_seal(&sa->xf, &pb, w.proto_off, IP6P_NONE, sa->spi, ++sa->seq, false, 0), 0);
	pbuf_data(&pb)[w.nh_field] = IP6P_ESP;
	m6_put16(pbuf_data(&pb) + 4, (uint16_t)(pb.len - IP6_HDR_LEN));
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_DUMMY);
	assert_int_equal(bits_drops(&ha.b, M6_E_ICV), 1);
	assert_int_equal(bits_drops(&ha.b, M6_E_SPI), 1);
	assert_int_equal(bits_drops(&ha.b, M6_E_DUMMY), 1);
	assert_int_equal(ha.b.st.in_protected, 0);
	node_free(&mn);
	node_free(&ha);
}

/* ESP-01: the counter never cycles; the last number is refused and the
 * key manager told. */
static void test_seq_overflow(void **s)
{
	(void)s;
	struct node mn;
	struct bits_result r;
	struct bits_event ev;
	mn_a(&mn, false);
	struct ipsec_sa *sa = sad_lookup_out(mn.kc.sad, spd_at(mn.kc.spd, SPD_OUT, 0)->id);
	sa->seq = UINT32_MAX - 1;
	mk_bu(COA_A, HA, HOA_A, 16);
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
	mk_bu(COA_A, HA, HOA_A, 17);
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), M6_E_SEQ_OVERFLOW);
	assert_true(bits_next_event(&mn.b, &ev));
	assert_int_equal(ev.type, BITS_EV_HARD_EXPIRE);
	assert_int_equal(ev.spi, 0x1001);
	node_free(&mn);
}

/* Put a saved packet back into pb. */
static void load(const uint8_t *pkt, size_t n)
{
	uint8_t *p;
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	assert_int_equal(pbuf_put(&pb, n, &p), 0);
	memcpy(p, pkt, n);
}

/* ESP-03 through the pipeline: with anti-replay on, a replayed packet is
 * dropped; the window moved only for the authentic one. */
static void test_replay_in_pipeline(void **s)
{
	(void)s;
	struct node mn, ha;
	struct bits_result r;
	mn_a(&mn, false);
	home_agent(&ha, false, NULL, NULL);
	struct ipsec_sa *in = sad_lookup_in(ha.kc.sad, 0x1001, IP6P_ESP);
	in->replay_on = true;
	mk_bu(COA_A, HA, HOA_A, 18);
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
	uint8_t copy[512];
	size_t n = pb.len;
	memcpy(copy, pbuf_data(&pb), n);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), 0);
	load(copy, n);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_REPLAY);
	node_free(&mn);
	node_free(&ha);
}

/* ESP-03, ESP-07 through the whole inbound path (bits_input: SPI, window
 * check, ICV, window update, selectors, in that order): forgeries at new
 * sequence numbers are dropped for their ICV and leave the window where it
 * was. A forgery numbered 300 would, had it moved the window, push the
 * genuine 1..3 off its left edge; a forgery of number 3 would make the
 * genuine 3 a replay. Both genuine packets are accepted afterwards, in
 * any order inside the window, and only a true replay is refused. */
static void test_replay_forged_then_genuine(void **s)
{
	(void)s;
	struct node mn, ha;
	struct bits_result r;
	struct ip6_walk w;
	uint8_t g[3][512], f[512], clear[256];
	size_t gl[3], clen = 0;
	mn_a(&mn, false);
	home_agent(&ha, false, NULL, NULL);
	struct ipsec_sa *in = sad_lookup_in(ha.kc.sad, 0x1001, IP6P_ESP);
	in->replay_on = true;
	for (int i = 0; i < 3; i++) {
		mk_bu(COA_A, HA, HOA_A, (uint16_t)(30 + i));
		if (i == 1) {
			clen = pb.len;
			memcpy(clear, pbuf_data(&pb), clen);
		}
		assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
		gl[i] = pb.len;
		memcpy(g[i], pbuf_data(&pb), pb.len);
	}
	walk_pb(&w);
	size_t seq_off = w.proto_off + 4;
	assert_int_equal(m6_get32(g[2] + seq_off), 3);

	/* forged at a new, far-ahead number: the sequence field rewritten */
	memcpy(f, g[0], gl[0]);
	m6_put32(f + seq_off, 300);
	load(f, gl[0]);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_ICV);
	/* forged at the next new number: genuine packet 3 with one ICV bit flipped */
	memcpy(f, g[2], gl[2]);
	f[gl[2] - 1] ^= 0x80;
	load(f, gl[2]);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_ICV);
	assert_int_equal(ha.b.st.in_protected, 0);

	/* the genuine packets: 3 first, then 1 and 2 behind it in the window */
	load(g[2], gl[2]);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), 0);
	load(g[0], gl[0]);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), 0);
	load(g[1], gl[1]);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), 0);
	assert_int_equal(pb.len, clen);      /* the BU the mobile node sent */
	assert_memory_equal(pbuf_data(&pb), clear, clen);
	load(g[1], gl[1]);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_REPLAY);
	load(g[2], gl[2]);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_REPLAY);
	assert_int_equal(ha.b.st.in_protected, 3);
	assert_int_equal(bits_drops(&ha.b, M6_E_ICV), 2);
	assert_int_equal(bits_drops(&ha.b, M6_E_REPLAY), 2);
	assert_int_equal(bits_drops(&ha.b, M6_E_REPLAY_OLD), 0);
	node_free(&mn);
	node_free(&ha);
}

/* An error about a packet from a mobile node quotes it as it was on the
 * wire (true-address model) or in its home-address view (normalising
 * model), and goes to the address the model considers the source. */
static void run_icmp(bool model_b)
{
	struct node ha;
	uint8_t omem[2048], me[16], coa[16], hoa[16];
	struct pbuf out;
	home_agent(&ha, model_b, NULL, NULL);
	mk_bu(COA_A, HA, HOA_A, 19);
	tu_addr(HA, me);
	tu_addr(COA_A, coa);
	tu_addr(HOA_A, hoa);
	assert_int_equal(pbuf_init(&out, omem, sizeof(omem), 256), 0);
	assert_int_equal(bits_icmp_error(&ha.b, &out, me, ICMP6_PARAM_PROB, 0, 42, pbuf_data(&pb), pb.len), 0);
	const uint8_t *o = pbuf_data(&out);
	assert_memory_equal(o + 24, model_b ? coa : hoa, 16);          /* ICMP destination */
	assert_memory_equal(o + 48 + 8, model_b ? coa : hoa, 16);      /* quoted source */
	assert_memory_equal(o + 48 + 40 + 8, model_b ? hoa : coa, 16); /* quoted HAO */
	assert_int_equal(m6_csum_ip6(o + 8, o + 24, IP6P_ICMPV6, o + 40, out.len - 40), 0);
	node_free(&ha);
}

static void test_icmp_quote_model_a(void **s) { (void)s; run_icmp(false); }
static void test_icmp_quote_model_b(void **s) { (void)s; run_icmp(true); }

/* ---- ICMP errors and the SA they arrive on (RFC 4301 6) ---- */

#define CN_X "2001:db8:4::1"
#define ROUTER_X "2001:db8:1::2"

/* Mobile node B's end of its reverse tunnel from the home agent, an SA
 * that carries UDP only (RFC 3776 SA8 with X = UDP). */
static void mn_b_udp_tunnel(struct node *n, bool model_b)
{
	char cfg[4096];
	snprintf(cfg, sizeof(cfg),
		 "node = { model = \"%s\"; };\n"
		 "spd = ( { name = \"udp-in\"; dir = \"in\"; order = 10; local = \"" HOA_B "\"; proto = \"udp\";"
		 "          mode = \"tunnel\"; },\n" BYPASS_REST ");\n"
		 "sa = ( { spi = 0x4001; policy = \"udp-in\"; src = \"" HA "\"; dst = \"" COA_B "\"; " CRYPTO " } );\n",
		 model_b ? "true-address" : "normalise");
	node_load(n, cfg);
}

/* The home agent's end: its outbound policy to B's home address covers
 * `proto` ("udp" for an honest peer; "any" for one that puts whatever it
 * likes on the SA). No catch-all outbound entry: what no policy covers is
 * not sent in clear. */
static void ha_b_tunnel(struct node *n, bool model_b, const char *proto)
{
	char cfg[4096];
	snprintf(cfg, sizeof(cfg),
		 "node = { model = \"%s\"; };\n"
		 "spd = ( { name = \"to-b\"; dir = \"out\"; order = 10; remote = \"" HOA_B "\"; proto = \"%s\";"
		 "          mode = \"tunnel\"; },\n"
		 "        { name = \"rest-in\"; dir = \"in\"; order = 9000; action = \"bypass\"; } );\n"
		 "sa = ( { spi = 0x4001; policy = \"to-b\"; src = \"" HA "\"; dst = \"" COA_B "\"; " CRYPTO " } );\n",
		 model_b ? "true-address" : "normalise", proto);
	node_load(n, cfg);
}

/* A transport packet src -> dst (ports 40000 -> 443) of 64 payload octets. */
static size_t mk_l4(uint8_t *out, const char *src, const char *dst, uint8_t proto)
{
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	tu_addr(src, h.src);
	tu_addr(dst, h.dst);
	h.nh = proto;
	h.hlim = 64;
	h.plen = 64;
	ip6_hdr_write(out, &h);
	memset(out + IP6_HDR_LEN, 0xab, 64);
	m6_put16(out + IP6_HDR_LEN, 40000);
	m6_put16(out + IP6_HDR_LEN + 2, 443);
	return IP6_HDR_LEN + 64;
}

/* pb := ICMPv6 error (or echo request, type 128) from -> to quoting q. */
static void mk_icmp(const char *from, const char *to, uint8_t type, const uint8_t *q, size_t qlen)
{
	uint8_t a[16], b[16];
	tu_addr(from, a);
	tu_addr(to, b);
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	assert_int_equal(icmp6_build_error(&pb, a, b, type, 0, type == ICMP6_PACKET_TOO_BIG ? 1280 : 0, q, qlen), 0);
}

/* ICMP-01: a Packet Too Big through the tunnel SA is judged by the packet
 * it quotes, reversed: about B's own UDP flow it is delivered; about a
 * flow outside the SA's selectors (another protocol, another source, or a
 * packet B received rather than sent) it is dropped and counted, however
 * authentic the SA. A non-error ICMPv6 message has no quote to stand on. */
static void run_icmp_inbound(bool model_b)
{
	struct node b, peer;
	struct bits_result r;
	uint8_t q[256];
	size_t qn;
	mn_b_udp_tunnel(&b, model_b);
	ha_b_tunnel(&peer, model_b, "any");
	static const struct { const char *src, *dst; uint8_t proto; int want; } cases[] = {
		{ HOA_B, CN_X, IP6P_UDP, 0 },                  /* B's UDP flow: accepted */
		{ HOA_B, CN_X, IP6P_TCP, M6_E_ICMP_QUOTE },    /* another protocol */
		{ HOA_A, CN_X, IP6P_UDP, M6_E_ICMP_QUOTE },    /* another node's flow */
		{ CN_X, HOA_B, IP6P_UDP, M6_E_ICMP_QUOTE },    /* not reversed: B received it */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		qn = mk_l4(q, cases[i].src, cases[i].dst, cases[i].proto);
		mk_icmp(ROUTER_X, HOA_B, ICMP6_PACKET_TOO_BIG, q, qn);
		assert_int_equal(bits_output(&peer.b, &pb, true, 0, &r), 0);
		assert_int_equal(r.sa->spi, 0x4001);
		if (bits_input(&b.b, &pb, false, 0, &r) != cases[i].want)
			fail_msg("case %zu: want %s", i, m6_errid(cases[i].want));
		assert_int_equal(r.sa->spi, 0x4001);
		if (!cases[i].want) {   /* what is delivered is the error itself */
			assert_int_equal(pbuf_data(&pb)[6], IP6P_ICMPV6);
			assert_int_equal(pbuf_data(&pb)[IP6_HDR_LEN], ICMP6_PACKET_TOO_BIG);
			assert_memory_equal(pbuf_data(&pb) + IP6_HDR_LEN + 8, q, qn);
		}
	}
	/* a quote too short to hold the offending IPv6 header */
	mk_icmp(ROUTER_X, HOA_B, ICMP6_DST_UNREACH, q, 20);
	assert_int_equal(bits_output(&peer.b, &pb, true, 0, &r), 0);
	assert_int_equal(bits_input(&b.b, &pb, false, 0, &r), M6_E_ICMP_QUOTE);
	/* an echo request is not an error: the SA's selectors alone decide */
	qn = mk_l4(q, HOA_B, CN_X, IP6P_UDP);
	mk_icmp(ROUTER_X, HOA_B, ICMP6_ECHO_REQUEST, q, qn);
	assert_int_equal(bits_output(&peer.b, &pb, true, 0, &r), 0);
	assert_int_equal(bits_input(&b.b, &pb, false, 0, &r), M6_E_SELECTOR);
	assert_int_equal(b.b.st.in_icmp_by_quote, 1);
	assert_int_equal(b.b.st.in_protected, 1);
	assert_int_equal(bits_drops(&b.b, M6_E_ICMP_QUOTE), 4);
	assert_int_equal(bits_drops(&b.b, M6_E_SELECTOR), 1);
	node_free(&b);
	node_free(&peer);
}

static void test_icmp_inbound_model_a(void **s) { (void)s; run_icmp_inbound(false); }
static void test_icmp_inbound_model_b(void **s) { (void)s; run_icmp_inbound(true); }

/* ICMP-01, outbound: an error no policy lets out goes on the SA of the
 * traffic it answers (the quoted packet came from B's home address over
 * UDP, so the UDP tunnel to B), and B's inbound check admits it by its
 * quote. An error about traffic no SA carries is not sent at all, and no
 * SA is requested for it. */
static void run_icmp_outbound(bool model_b)
{
	struct node b, ha;
	struct bits_result r;
	struct bits_event ev;
	uint8_t q[256];
	size_t qn;
	mn_b_udp_tunnel(&b, model_b);
	ha_b_tunnel(&ha, model_b, "udp");
	qn = mk_l4(q, HOA_B, CN_X, IP6P_UDP);
	mk_icmp(ROUTER_X, HOA_B, ICMP6_PACKET_TOO_BIG, q, qn);
	assert_int_equal(bits_output(&ha.b, &pb, true, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x4001);
	assert_string_equal(r.policy->name, "to-b");
	assert_int_equal(ha.b.st.out_icmp_reverse_sa, 1);
	assert_int_equal(bits_input(&b.b, &pb, false, 0, &r), 0);
	assert_int_equal(b.b.st.in_icmp_by_quote, 1);
	/* about TCP: no SA carries that traffic */
	qn = mk_l4(q, HOA_B, CN_X, IP6P_TCP);
	mk_icmp(ROUTER_X, HOA_B, ICMP6_PACKET_TOO_BIG, q, qn);
	assert_int_equal(bits_output(&ha.b, &pb, true, 0, &r), M6_E_POLICY_DISCARD);
	/* not an error: no special treatment */
	qn = mk_l4(q, HOA_B, CN_X, IP6P_UDP);
	mk_icmp(ROUTER_X, HOA_B, ICMP6_ECHO_REQUEST, q, qn);
	assert_int_equal(bits_output(&ha.b, &pb, true, 0, &r), M6_E_POLICY_DISCARD);
	assert_false(bits_next_event(&ha.b, &ev));
	assert_int_equal(ha.b.st.out_icmp_reverse_sa, 1);
	assert_int_equal(ha.b.st.out_protected, 1);
	node_free(&b);
	node_free(&ha);
}

static void test_icmp_outbound_model_a(void **s) { (void)s; run_icmp_outbound(false); }
static void test_icmp_outbound_model_b(void **s) { (void)s; run_icmp_outbound(true); }

/* ICMP-01: which unauthenticated ICMPv6 errors are accepted is policy, per
 * type: here Packet Too Big passes and the other errors are discarded. */
static void test_icmp_clear_errors_by_type(void **s)
{
	(void)s;
	struct node b;
	struct bits_result r;
	uint8_t q[256];
	node_load(&b, "spd = ( { name = \"ptb\"; dir = \"in\"; order = 10; proto = \"icmpv6\"; icmp_type = 2;"
		      "          action = \"bypass\"; },\n"
		      "        { name = \"errors\"; dir = \"in\"; order = 20; proto = \"icmpv6\"; icmp_type = \"1-4\";"
		      "          action = \"discard\"; },\n" BYPASS_REST ");\n");
	size_t qn = mk_l4(q, HOA_B, CN_X, IP6P_UDP);
	mk_icmp(ROUTER_X, HOA_B, ICMP6_PACKET_TOO_BIG, q, qn);
	assert_int_equal(bits_input(&b.b, &pb, false, 0, &r), 0);
	assert_string_equal(r.policy->name, "ptb");
	static const uint8_t refused[] = { ICMP6_DST_UNREACH, ICMP6_TIME_EXCEEDED, ICMP6_PARAM_PROB };
	for (size_t i = 0; i < sizeof(refused); i++) {
		mk_icmp(ROUTER_X, HOA_B, refused[i], q, qn);
		assert_int_equal(bits_input(&b.b, &pb, false, 0, &r), M6_E_POLICY_DISCARD);
		assert_string_equal(r.policy->name, "errors");
	}
	assert_int_equal(b.b.st.in_bypass, 1);
	node_free(&b);
}

/* ---- Mobile Prefix Discovery on its own SAs (RFC 3776 SA5/SA6) ---- */

/* pb := IPv6(src -> dst) | ICMPv6 type (8 octets, identifier 7), with a HAO
 * holding `hoa` or an RH2 holding `rh2` (the checksum uses the home address,
 * the upper layer's view). */
static void mk_mpd(const char *src, const char *dst, uint8_t type, const char *hoa, const char *rh2)
{
	uint8_t *p, psrc[16], pdst[16], home[16];
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	tu_addr(src, h.src);
	tu_addr(dst, h.dst);
	h.nh = IP6P_ICMPV6;
	h.hlim = 255;
	h.plen = 8;
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	assert_int_equal(pbuf_put(&pb, IP6_HDR_LEN + 8, &p), 0);
	ip6_hdr_write(p, &h);
	memset(p + IP6_HDR_LEN, 0, 8);
	p[IP6_HDR_LEN] = type;
	m6_put16(p + IP6_HDR_LEN + 4, 7);
	memcpy(psrc, h.src, 16);
	memcpy(pdst, h.dst, 16);
	if (hoa)
		tu_addr(hoa, psrc);
	if (rh2)
		tu_addr(rh2, pdst);
	m6_put16(p + IP6_HDR_LEN + 2, m6_csum_ip6(psrc, pdst, IP6P_ICMPV6, p + IP6_HDR_LEN, 8));
	if (hoa) {
		tu_addr(hoa, home);
		assert_int_equal(ip6_insert_hao(&pb, home), 0);
	}
	if (rh2) {
		tu_addr(rh2, home);
		assert_int_equal(ip6_insert_rh2(&pb, home), 0);
	}
}

/* 3776-03 (the IPsec part; the engines do not send Mobile Prefix Discovery
 * messages yet): the Mobile Prefix Solicitation leaves the mobile node as
 * CoA -> HA with a HAO before ESP in transport mode (SA5, an ICMPv6 type
 * 146 selector on the home address); the Advertisement comes back as
 * HA -> CoA with an RH2 before ESP (SA6, type 147). Each side's pipeline
 * restores exactly what the other sent. */
static void test_mpd_transport_sas(void **s)
{
	(void)s;
	struct node mn, ha;
	struct bits_result r;
	struct ip6_walk w;
	uint8_t coa[16], hoa[16], ha_a[16], clear[256];
	size_t clen;
	tu_addr(COA_A, coa);
	tu_addr(HOA_A, hoa);
	tu_addr(HA, ha_a);
	node_load(&mn, "node = { model = \"normalise\"; };\n"
		       "spd = ( { name = \"mps-out\"; dir = \"out\"; order = 10; local = \"" HOA_A "\"; remote = \"" HA "\";"
		       "          proto = \"icmpv6\"; icmp_type = 146; },\n"
		       "        { name = \"mpa-in\"; dir = \"in\"; order = 10; local = \"" HOA_A "\"; remote = \"" HA "\";"
		       "          proto = \"icmpv6\"; icmp_type = 147; },\n" BYPASS_REST ");\n"
		       "sa = ( { spi = 0x1005; policy = \"mps-out\"; src = \"" HOA_A "\"; dst = \"" HA "\"; " CRYPTO " },\n"
		       "       { spi = 0x1006; policy = \"mpa-in\"; src = \"" HA "\"; dst = \"" HOA_A "\"; " CRYPTO " } );\n");
	node_load(&ha, "node = { model = \"normalise\"; };\n"
		       "pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"" HOA_A "\" ]; } );\n"
		       "spd = ( { name = \"mps-in\"; dir = \"in\"; order = 10; local = \"" HA "\"; remote = \"" HOA_A "\";"
		       "          proto = \"icmpv6\"; icmp_type = 146; },\n"
		       "        { name = \"mpa-out\"; dir = \"out\"; order = 10; local = \"" HA "\"; remote = \"" HOA_A "\";"
		       "          proto = \"icmpv6\"; icmp_type = 147; },\n" BYPASS_REST ");\n"
		       "sa = ( { spi = 0x1005; policy = \"mps-in\"; src = \"" HOA_A "\"; dst = \"" HA "\"; peer = \"mn-a@example.com\"; " CRYPTO " },\n"
		       "       { spi = 0x1006; policy = \"mpa-out\"; src = \"" HA "\"; dst = \"" HOA_A "\"; peer = \"mn-a@example.com\"; " CRYPTO " } );\n");

	mk_mpd(COA_A, HA, 146, HOA_A, NULL);
	clen = pb.len;
	memcpy(clear, pbuf_data(&pb), clen);
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x1005);
	walk_pb(&w);
	assert_memory_equal(w.hdr.src, coa, 16);
	assert_memory_equal(w.hdr.dst, ha_a, 16);
	assert_int_equal(w.n_ext, 1);
	assert_int_equal(w.ext[0].proto, IP6P_DSTOPTS);
	assert_memory_equal(ip6_walk_hoa(&w, pbuf_data(&pb)), hoa, 16);
	assert_int_equal(w.proto, IP6P_ESP);
	assert_int_equal(m6_get32(pbuf_data(&pb) + w.proto_off), 0x1005);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x1005);
	assert_int_equal(pb.len, clen);
	assert_memory_equal(pbuf_data(&pb), clear, clen);

	mk_mpd(HA, COA_A, 147, NULL, HOA_A);
	clen = pb.len;
	memcpy(clear, pbuf_data(&pb), clen);
	assert_int_equal(bits_output(&ha.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x1006);
	walk_pb(&w);
	assert_memory_equal(w.hdr.src, ha_a, 16);
	assert_memory_equal(w.hdr.dst, coa, 16);
	assert_int_equal(w.n_ext, 1);
	assert_int_equal(w.rh_type, 2);
	assert_memory_equal(ip6_walk_rh2(&w, pbuf_data(&pb)), hoa, 16);
	assert_int_equal(w.proto, IP6P_ESP);
	assert_int_equal(bits_input(&mn.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x1006);
	assert_int_equal(pb.len, clen);
	assert_memory_equal(pbuf_data(&pb), clear, clen);

	/* a solicitation in clear is refused where policy asks for SA5 */
	mk_mpd(COA_A, HA, 146, HOA_A, NULL);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_UNPROTECTED);
	node_free(&mn);
	node_free(&ha);
}

/* AH in tunnel mode round trip (the outer Payload Length is covered by the
 * ICV, AH-01): the gateway tunnels a BU under AH and the home agent accepts. */
static void test_ah_tunnel_round_trip(void **s)
{
	(void)s;
	struct node gw, ha;
	struct bits_result r;
	const char *sa_fmt = "{ spi = 0x7001; policy = \"%s\"; src = \"" SGW_A "\"; dst = \"" HA "\";"
			     " enc = \"null\"; auth = \"hmac-sha256-128\"; auth_key = " K32 "; }";
	char cfg[2048], sa[512];
	snprintf(sa, sizeof(sa), sa_fmt, "tun");
	snprintf(cfg, sizeof(cfg), "spd = ( { name = \"tun\"; dir = \"out\"; local = \"" NET_D "\";"
		 " ipsec = \"ah\"; mode = \"tunnel\"; }, " BYPASS_REST " );\nsa = ( %s );", sa);
	node_load(&gw, cfg);
	snprintf(sa, sizeof(sa), sa_fmt, "tun");
	snprintf(cfg, sizeof(cfg), "spd = ( { name = \"tun\"; dir = \"in\"; remote = \"" NET_D "\";"
		 " ipsec = \"ah\"; mode = \"tunnel\"; }, " BYPASS_REST " );\nsa = ( %s );", sa);
	node_load(&ha, cfg);
	mk_bu(HOST_D, HA, NULL, 20);
	uint8_t clear[256];
	size_t clen = pb.len;
	memcpy(clear, pbuf_data(&pb), clen);
	assert_int_equal(bits_output(&gw.b, &pb, true, 0, &r), 0);
	assert_int_equal(pbuf_data(&pb)[6], IP6P_AH);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), 0);
	assert_int_equal(pb.len, clen);
	assert_memory_equal(pbuf_data(&pb), clear, clen);
	node_free(&gw);
	node_free(&ha);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bu_model_a),
		cmocka_unit_test(test_bu_model_b),
		cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_b_claims_a_model_a),
		cmocka_unit_test(test_b_claims_a_model_b),
		cmocka_unit_test(test_tero_model_a_accepts),
		cmocka_unit_test(test_tero_model_b_refuses),
		cmocka_unit_test(test_tero_nested_refused),
		cmocka_unit_test(test_tero_nested_own_hoa),
		cmocka_unit_test(test_santeri_naive_gateway),
		cmocka_unit_test(test_santeri_model_a),
		cmocka_unit_test(test_santeri_model_b),
		cmocka_unit_test(test_grenoble_care_of),
		cmocka_unit_test(test_grenoble_home),
		cmocka_unit_test(test_unprotected_bu),
		cmocka_unit_test(test_inbound_drops),
		cmocka_unit_test(test_seq_overflow),
		cmocka_unit_test(test_replay_in_pipeline),
		cmocka_unit_test(test_replay_forged_then_genuine),
		cmocka_unit_test(test_icmp_quote_model_a),
		cmocka_unit_test(test_icmp_quote_model_b),
		cmocka_unit_test(test_icmp_inbound_model_a),
		cmocka_unit_test(test_icmp_inbound_model_b),
		cmocka_unit_test(test_icmp_outbound_model_a),
		cmocka_unit_test(test_icmp_outbound_model_b),
		cmocka_unit_test(test_icmp_clear_errors_by_type),
		cmocka_unit_test(test_mpd_transport_sas),
		cmocka_unit_test(test_ah_tunnel_round_trip),
	};
	return cmocka_run_group_tests_name("bits", tests, NULL, NULL);
}
