/* The bump-in-the-stack pipeline under both protection models, and the
 * thread's attacks at the packet level (INT-01/02, 3776-01/05/07, SAD-02,
 * ESP-01/03/06/07, ICMP-01, and the mission's attack scenarios). */
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

/* 3776-01, 3776-05, INT-01/02: BU from the care-of address, normalised
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

/* 3776-07 / 4877-02: MN-B uses its own valid SA for a BU with HAO = HoA-A.
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
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	uint8_t *p;
	assert_int_equal(pbuf_put(&pb, n, &p), 0);
	memcpy(p, copy, n);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_REPLAY);
	node_free(&mn);
	node_free(&ha);
}

/* ICMP-01: an error about a packet from a mobile node quotes it as it was
 * on the wire (true-address model) or in its home-address view (normalising
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

static void test_icmp_model_a(void **s) { (void)s; run_icmp(false); }
static void test_icmp_model_b(void **s) { (void)s; run_icmp(true); }

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
		cmocka_unit_test(test_icmp_model_a),
		cmocka_unit_test(test_icmp_model_b),
		cmocka_unit_test(test_ah_tunnel_round_trip),
	};
	return cmocka_run_group_tests_name("bits", tests, NULL, NULL);
}
