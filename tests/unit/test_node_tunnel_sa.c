/* The mobile node - home agent tunnel as a tunnel-mode ESP SA (RFC 3776
 * 4.2 and 4.3, RFC 4877 4.3; keyconf follow_binding): the Home Test Init
 * and Home Test travel as IPv6(CoA <-> HA) | ESP | IPv6(HoA <-> CN) | MH,
 * the SA's mobile-node endpoint follows the binding, and only a protected
 * Binding Update the home agent accepts moves it. Nodes on links as in
 * test_node_ipsec.c; frames are opened with the peers' keys. */
#include "tn_net.h"

#define COA_R2 "2001:db8:3::100"      /* the mobile node's address on R2 */
#define SPI_UP 0x1003u                /* MN -> HA tunnel SA */
#define SPI_DOWN 0x1004u              /* HA -> MN tunnel SA */

enum { L_HOME, L_BACKBONE, L_R1, L_R2 };
enum { N_HA, N_R1, N_R2, N_CN, N_MN };

/* Everything for and from the home address goes through the tunnel SA
 * (payload protection, RFC 4877 4.4) but the BU and BA, which are
 * transport-mode; a clear IPv6-in-IPv6 from the peer is discarded. */
static const char mn_tsa_ipsec[] =
	"spd = (\n"
	"{ name = \"bu\"; dir = \"out\"; order = 10; local = \"" HOA_A "\"; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
	"{ name = \"ba\"; dir = \"in\"; order = 10; local = \"" HOA_A "\"; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"ba\"; },\n"
	"{ name = \"tun-out\"; dir = \"out\"; order = 20; local = \"" HOA_A "\"; mode = \"tunnel\"; },\n"
	"{ name = \"tun-in\"; dir = \"in\"; order = 20; local = \"" HOA_A "\"; mode = \"tunnel\"; },\n"
	"{ name = \"clear-tun\"; dir = \"in\"; order = 30; remote = \"" HA "\"; proto = \"ipv6\"; action = \"discard\"; },\n"
	REST ");\n"
	"sa = (\n"
	"{ spi = 0x1001; policy = \"bu\"; src = \"" HOA_A "\"; dst = \"" HA "\"; " CRYPTO " },\n"
	"{ spi = 0x1002; policy = \"ba\"; src = \"" HA "\"; dst = \"" HOA_A "\"; " CRYPTO " },\n"
	"{ spi = 0x1003; policy = \"tun-out\"; src = \"::\"; dst = \"" HA "\"; follow_binding = true; " CRYPTO " },\n"
	"{ spi = 0x1004; policy = \"tun-in\"; src = \"" HA "\"; dst = \"::\"; follow_binding = true; " CRYPTO " } );\n";
static const char ha_tsa_ipsec[] =
	"pad = ( { id = \"mn@example.com\"; home_addresses = [ \"" HOA_A "\" ]; } );\n"
	"spd = (\n"
	"{ name = \"bu\"; dir = \"in\"; order = 10; local = \"" HA "\"; remote = \"" HOA_A "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
	"{ name = \"ba\"; dir = \"out\"; order = 10; local = \"" HA "\"; remote = \"" HOA_A "\"; proto = \"mh\"; mh_type = \"ba\"; },\n"
	"{ name = \"tun-in\"; dir = \"in\"; order = 20; remote = \"" HOA_A "\"; mode = \"tunnel\"; },\n"
	"{ name = \"tun-out\"; dir = \"out\"; order = 20; remote = \"" HOA_A "\"; mode = \"tunnel\"; },\n"
	"{ name = \"clear-tun\"; dir = \"in\"; order = 30; local = \"" HA "\"; proto = \"ipv6\"; action = \"discard\"; },\n"
	REST ");\n"
	"sa = (\n"
	"{ spi = 0x1001; policy = \"bu\"; src = \"" HOA_A "\"; dst = \"" HA "\"; peer = \"mn@example.com\"; " CRYPTO " },\n"
	"{ spi = 0x1002; policy = \"ba\"; src = \"" HA "\"; dst = \"" HOA_A "\"; peer = \"mn@example.com\"; " CRYPTO " },\n"
	"{ spi = 0x1003; policy = \"tun-in\"; src = \"::\"; dst = \"" HA "\"; peer = \"mn@example.com\"; follow_binding = true; " CRYPTO " },\n"
	"{ spi = 0x1004; policy = \"tun-out\"; src = \"" HA "\"; dst = \"::\"; peer = \"mn@example.com\"; follow_binding = true; " CRYPTO " } );\n";

static struct side ha_keys, mn_keys;

/* The test's copy of a side opens whatever it captured: its tunnel SAs
 * need no binding to decrypt. */
static void side_load_bound(struct side *s, const char *text)
{
	side_load(s, text);
	for (size_t i = 0; i < sad_capacity(s->kc.sad); i++) {
		struct ipsec_sa *sa = sad_slot(s->kc.sad, i);
		if (sa)
			sa->bound = true;
	}
}

/* A router between a foreign link (interface 0, advertising prefix/64)
 * and the backbone. */
static void router(const char *name, const char *addr, const char *prefix, int link)
{
	struct node_cfg c;
	memset(&c, 0, sizeof(c));
	c.name = name;
	iface(&c, addr, prefix, true);
	iface(&c, NULL, "2001:db8:ff::", false);
	tn_route(&c, "::", 0, 1);
	c.forwarding = true;
	add_node(&c, (const int[]){ link, L_BACKBONE });
}

/* HA, R1, R2, CN, then the mobile node booting on R1's link; the home
 * agent's and the mobile node's IPsec configurations, and whether the home
 * agent is a correspondent node too. */
static void network_with(const char *ha_ipsec, const char *mn_ipsec, bool ha_is_cn)
{
	struct node_cfg c;
	reset();
	/* a mobile node comes home: the HA advertises */
	assert_int_equal(home_agent_roles(ha_ipsec, true, ha_is_cn), N_HA);
	router("r1", "2001:db8:2::1", "2001:db8:2::", L_R1);
	router("r2", "2001:db8:3::1", "2001:db8:3::", L_R2);
	memset(&c, 0, sizeof(c));
	c.name = "cn";
	iface(&c, CN, "2001:db8:ff::", false);
	tn_route(&c, "2001:db8:1::", 64, 0);
	c.is_cn = true;
	tu_addr(CN, c.cn.addr);
	c.cn.max_bindings = 16;
	assert_int_equal(add_node(&c, (const int[]){ L_BACKBONE }), N_CN);
	mobile_node_cfg(&c, true, 7);
	tn_load_ipsec(&c, mn_ipsec);
	assert_int_equal(add_node(&c, (const int[]){ L_R1 }), N_MN);
	side_load_bound(&ha_keys, ha_ipsec);
	side_load_bound(&mn_keys, mn_ipsec);
}

static void network(void)
{
	network_with(ha_tsa_ipsec, mn_tsa_ipsec, false);
}

static void done(void)
{
	side_free(&ha_keys);
	side_free(&mn_keys);
	reset();
}

static void move_mn(int link)
{
	node_link(nodes[N_MN], 0, false, now);
	flush(N_MN);
	attach[N_MN][0] = link;
	node_link(nodes[N_MN], 0, true, now);
	flush(N_MN);
}

static const struct ipsec_sa *node_sa(int i, uint32_t spi, bool inbound)
{
	const struct ipsec_sa *sa = sad_find(node_bits(nodes[i])->sad, spi, IP6P_ESP, inbound);
	assert_non_null(sa);
	return sa;
}

static void assert_addr(const uint8_t *a, const char *s)
{
	uint8_t b[16];
	tu_addr(s, b);
	assert_memory_equal(a, b, 16);
}

/* What one captured frame is, as far as these tests care. */
struct seen {
	bool esp, clear_mh, clear_tunnel;
	uint32_t spi;
	uint8_t mh_type;                 /* of the (inner) Mobility Header, 0xff: none */
	uint8_t outer_src[16], outer_dst[16], inner_src[16], inner_dst[16];
};

/* Classify cap[k]; an ESP frame on the tunnel SAs is opened with the
 * receiver's keys: the SA took its outer header off, what is left is the
 * inner packet. */
static struct seen look(unsigned k)
{
	const struct frame *f = &cap[k];
	struct seen s;
	struct ip6_walk w, iw;
	memset(&s, 0, sizeof(s));
	s.mh_type = 0xff;
	if (ip6_walk(f->pkt, f->len, IP6W_HAO_KNOWN, &w))
		return s;
	memcpy(s.outer_src, w.hdr.src, 16);
	memcpy(s.outer_dst, w.hdr.dst, 16);
	if (w.proto == IP6P_MH) {
		s.clear_mh = true;
		s.mh_type = f->pkt[w.proto_off + 2];
		return s;
	}
	if (w.proto == IP6P_IPV6) {
		s.clear_tunnel = true;
		return s;
	}
	if (w.proto != IP6P_ESP)
		return s;
	s.esp = true;
	s.spi = m6_get32(f->pkt + w.proto_off);
	if (s.spi != SPI_UP && s.spi != SPI_DOWN)
		return s;
	open_frame(s.spi == SPI_UP ? &ha_keys : &mn_keys, f);
	assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &iw), 0);
	memcpy(s.inner_src, iw.hdr.src, 16);
	memcpy(s.inner_dst, iw.hdr.dst, 16);
	if (iw.proto == IP6P_MH)
		s.mh_type = pbuf_data(&pb)[iw.proto_off + 2];
	return s;
}

/* The first home registration BU the mobile node sent from coa at or after
 * capture index since (HA-09 measures from there). */
static unsigned bu_from(const char *coa, unsigned since)
{
	uint8_t a[16], ha[16];
	tu_addr(coa, a);
	tu_addr(HA, ha);
	for (unsigned k = since; k < ncap; k++) {
		struct seen s = look(k);
		if (cap[k].from == N_MN && s.esp && s.spi == 0x1001 && !memcmp(s.outer_src, a, 16) &&
		    !memcmp(s.outer_dst, ha, 16))
			return k;
	}
	fail_msg("no BU from %s", coa);
	return 0;
}

/* Over capture indexes [from, to): the tunnel frames of the return
 * routability on a link, each checked for its shape: HoTI up from coa to
 * the HA around IPv6(HoA -> CN), HoT down from the HA to coa around
 * IPv6(CN -> HoA); in clear never a tunnel, and no Mobility Header but
 * with the correspondent (RR-04, HA-09). */
static void rr_frames(int link, unsigned from, unsigned to, const char *coa, unsigned *hoti, unsigned *hot)
{
	*hoti = *hot = 0;
	for (unsigned k = from; k < to; k++) {
		if (cap[k].link != link)
			continue;
		struct seen s = look(k);
		if (s.clear_mh) {
			/* the care-of tests and the correspondent registration go
			 * directly; nothing between mobile node and home agent */
			assert_true(s.mh_type != MH_HOTI && s.mh_type != MH_HOT);
			uint8_t cn[16];
			tu_addr(CN, cn);
			assert_true(!memcmp(s.outer_src, cn, 16) || !memcmp(s.outer_dst, cn, 16));
		}
		assert_false(s.clear_tunnel);
		if (!s.esp || (s.spi != SPI_UP && s.spi != SPI_DOWN) || s.mh_type == 0xff)
			continue;
		if (s.mh_type == MH_HOTI) {
			assert_int_equal(s.spi, SPI_UP);
			assert_addr(s.outer_src, coa);
			assert_addr(s.outer_dst, HA);
			assert_addr(s.inner_src, HOA_A);
			assert_addr(s.inner_dst, CN);
			++*hoti;
		} else if (s.mh_type == MH_HOT) {
			assert_int_equal(s.spi, SPI_DOWN);
			assert_addr(s.outer_src, HA);
			assert_addr(s.outer_dst, coa);
			assert_addr(s.inner_src, CN);
			assert_addr(s.inner_dst, HOA_A);
			++*hot;
		}
	}
}

/* Where the home agent's HA -> MN tunnel SA pointed when its engine had
 * updated the binding, and when it sent the BA. */
static uint8_t sa_at_update[16], sa_at_ba[16];

static void watch_ha(int i, const struct m6_event *ev)
{
	if (i != N_HA)
		return;
	if (ev->type == M6_EV_BINDING_UPDATED)
		memcpy(sa_at_update, node_sa(N_HA, SPI_DOWN, false)->dst, 16);
	else if (ev->type == M6_EV_BA_SENT)
		memcpy(sa_at_ba, node_sa(N_HA, SPI_DOWN, false)->dst, 16);
}

/* HA-09, 3776-11, 3776-08: the mobile node registers from R1 and runs
 * return routability through the tunnel SAs; it moves to R2, and right
 * after its BU leaves its Home Test Init goes out from the new care-of
 * address while the home agent, once it accepted the BU, sends the next
 * Home Test to it (3776-15 step 6: the SAs moved after the binding, before
 * the BA); back
 * home, the SAs are unbound and the Home Test Init goes directly and in
 * clear, never into the tunnel SA. Route optimisation completes each time. */
static void test_rr_tunnel_sa_follows_moves(void **st)
{
	(void)st;
	unsigned hoti, hot;
	network();
	/* unbound before any registration */
	assert_false(node_sa(N_HA, SPI_DOWN, false)->bound);
	assert_false(node_sa(N_MN, SPI_UP, false)->bound);
	run_until(10000 * MS);
	assert_true(mn_registered(node_mn(nodes[N_MN])));
	assert_true(ev_count[N_MN][M6_EV_RR_DONE] >= 1);
	assert_addr(node_sa(N_HA, SPI_DOWN, false)->dst, COA_A);
	assert_addr(node_sa(N_HA, SPI_UP, true)->src, COA_A);
	assert_addr(node_sa(N_MN, SPI_UP, false)->src, COA_A);
	rr_frames(L_R1, 0, ncap, COA_A, &hoti, &hot);
	assert_true(hoti >= 1);
	assert_true(hot >= 1);
	/* the home agent forwarded the inner Home Test Init to the correspondent */
	assert_true(ev_count[N_CN][M6_EV_HOT_SENT] >= 1);

	unsigned moved = ncap, rr_before = ev_count[N_MN][M6_EV_RR_DONE];
	ev_hook = watch_ha;
	move_mn(L_R2);
	run_until(20000 * MS);
	ev_hook = NULL;
	assert_true(mn_registered(node_mn(nodes[N_MN])));
	/* 3776-15 step 6: Mobile IPv6 processing of the BU first (the binding
	 * moved while the SA still pointed at R1), then the tunnel SAs, then
	 * the BA */
	assert_addr(sa_at_update, COA_A);
	assert_addr(sa_at_ba, COA_R2);
	assert_true(ev_count[N_MN][M6_EV_RR_DONE] > rr_before);
	assert_addr(node_sa(N_HA, SPI_DOWN, false)->dst, COA_R2);
	assert_addr(node_sa(N_HA, SPI_UP, true)->src, COA_R2);
	assert_addr(node_sa(N_MN, SPI_UP, false)->src, COA_R2);
	assert_addr(node_sa(N_MN, SPI_DOWN, true)->dst, COA_R2);
	unsigned bu = bu_from(COA_R2, moved);
	rr_frames(L_R2, bu, ncap, COA_R2, &hoti, &hot);
	assert_true(hoti >= 1);
	assert_true(hot >= 1);
	/* HA-09: from the BU on, nothing of the tunnel SAs goes to or comes
	 * from the old care-of address, on any link */
	uint8_t old[16];
	tu_addr(COA_A, old);
	for (unsigned k = bu; k < ncap; k++) {
		struct seen s = look(k);
		if (s.esp && (s.spi == SPI_UP || s.spi == SPI_DOWN))
			assert_true(memcmp(s.outer_src, old, 16) && memcmp(s.outer_dst, old, 16));
	}

	unsigned home = ncap;
	move_mn(L_HOME);
	run_until(30000 * MS);
	assert_false(mn_registered(node_mn(nodes[N_MN])));
	assert_false(node_sa(N_HA, SPI_DOWN, false)->bound);
	assert_false(node_sa(N_HA, SPI_UP, true)->bound);
	assert_false(node_sa(N_MN, SPI_UP, false)->bound);
	/* 3776-08: from home the Home Test Init goes directly, in clear */
	unsigned direct = 0;
	for (unsigned k = home; k < ncap; k++) {
		struct seen s = look(k);
		if (cap[k].from != N_MN)
			continue;
		assert_false(s.esp && (s.spi == SPI_UP || s.spi == SPI_DOWN));
		if (s.clear_mh && s.mh_type == MH_HOTI) {
			assert_addr(s.outer_src, HOA_A);
			assert_addr(s.outer_dst, CN);
			direct++;
		}
	}
	assert_true(direct >= 1);
	done();
}

/* Inner HoTI (HoA -> CN) in pb, as the mobile node builds it. */
static void mk_hoti(void)
{
	mk_hoti_to(HOA_A, CN);
}

/* INT-04, 3776-11: once registered from R1, nothing but a protected BU the
 * home agent accepts moves its tunnel SAs: not a clear IPv6-in-IPv6 from a
 * new address, not an unprotected BU from it, and not even a packet on the
 * tunnel SA itself (the peer's valid keys) from a new outer source; that
 * last one is decrypted and its inner Home Test Init forwarded, yet the
 * next Home Test still goes to the registered care-of address. */
static void test_tunnel_sa_moves_only_on_protected_bu(void **st)
{
	(void)st;
	unsigned sent;
	network();
	run_until(10000 * MS);
	assert_true(mn_registered(node_mn(nodes[N_MN])));
	assert_addr(node_sa(N_HA, SPI_DOWN, false)->dst, COA_A);

	/* a clear tunnel from R2's prefix: the SPD discards it */
	mk_hoti();
	wrap6(COA_R2, HA);
	assert_int_equal(inject(N_HA, 1, pbuf_data(&pb), pb.len, &sent), M6_E_POLICY_DISCARD);
	assert_int_equal(sent, 0);
	assert_addr(node_sa(N_HA, SPI_DOWN, false)->dst, COA_A);
	assert_addr(node_sa(N_HA, SPI_UP, true)->src, COA_A);

	/* an unprotected BU for the home address from R2's prefix */
	mk_bu(COA_R2, HA, HOA_A, NULL, 5000);
	assert_int_equal(inject(N_HA, 1, pbuf_data(&pb), pb.len, &sent), M6_E_UNPROTECTED);
	assert_addr(node_sa(N_HA, SPI_DOWN, false)->dst, COA_A);
	assert_addr(binding(N_HA, HOA_A)->coa, COA_A);

	/* the tunnel SA with the peer's keys from a new outer source: carried
	 * (the inner HoTI goes on to the correspondent) but it moves nothing */
	struct ipsec_sa *up = sad_find(mn_keys.kc.sad, SPI_UP, IP6P_ESP, false);
	assert_non_null(up);
	tu_addr(COA_R2, up->src);
	up->seq = 1000;          /* past what the mobile node itself sent */
	mk_hoti();
	assert_int_equal(bits_output_tunnel(&mn_keys.b, &pb, now, NULL), 0);
	assert_addr(pbuf_data(&pb) + 8, COA_R2);
	unsigned before = ncap, hot_sent = ev_count[N_CN][M6_EV_HOT_SENT];
	assert_int_equal(inject(N_HA, 1, pbuf_data(&pb), pb.len, &sent), 0);
	assert_int_equal(sent, 1);
	struct seen s = look(before);
	assert_true(s.clear_mh && s.mh_type == MH_HOTI);
	assert_addr(s.outer_src, HOA_A);
	assert_addr(s.outer_dst, CN);
	assert_addr(node_sa(N_HA, SPI_DOWN, false)->dst, COA_A);
	assert_addr(node_sa(N_HA, SPI_UP, true)->src, COA_A);
	/* the correspondent answers; its Home Test goes to the registered CoA */
	unsigned from = ncap;
	run_until(now + 100 * MS);
	assert_true(ev_count[N_CN][M6_EV_HOT_SENT] > hot_sent);
	unsigned down = 0;
	for (unsigned k = from; k < ncap; k++) {
		struct seen t = look(k);
		if (cap[k].from == N_HA && t.esp && t.spi == SPI_DOWN && t.mh_type == MH_HOT) {
			assert_addr(t.outer_dst, COA_A);
			down++;
		}
	}
	assert_true(down >= 1);
	done();
}

/* The pipeline alone (3776-08, 3776-11): a follow_binding SA's policy is
 * the tunnel interface's. A Home Test Init sent directly passes over it to
 * the next entry, bound or not; one entering the tunnel is selected only
 * once the SA is bound, and then leaves from the care-of address the SA
 * was given; the peer's copy of the SA, still unbound, refuses it. */
static void test_tunnel_policy_applies_inside_tunnel_only(void **st)
{
	(void)st;
	struct side mn, ha;
	struct bits_result r;
	side_load(&mn, mn_tsa_ipsec);
	side_load(&ha, ha_tsa_ipsec);
	struct ipsec_sa *up = sad_find(mn.kc.sad, SPI_UP, IP6P_ESP, false);
	assert_non_null(up);
	for (int bound = 0; bound < 2; bound++) {
		up->bound = bound;
		mk_hoti();
		size_t len = pb.len;
		assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
		assert_int_equal(r.policy->action, SPD_BYPASS);
		assert_int_equal(pb.len, len);
		mk_hoti();
		assert_int_equal(bits_tunnel_selects(&mn.b, pbuf_data(&pb), pb.len), bound == 1);
	}
	/* unbound, even the tunnel path passes over its policy */
	up->bound = false;
	mk_hoti();
	assert_int_equal(bits_output_tunnel(&mn.b, &pb, 0, &r), 0);
	assert_int_equal(r.policy->action, SPD_BYPASS);
	up->bound = true;
	tu_addr(COA_A, up->src);
	mk_hoti();
	assert_int_equal(bits_output_tunnel(&mn.b, &pb, 0, &r), 0);
	assert_ptr_equal(r.sa, up);
	assert_addr(pbuf_data(&pb) + 8, COA_A);
	assert_addr(pbuf_data(&pb) + 24, HA);
	assert_int_equal(pbuf_data(&pb)[6], IP6P_ESP);
	assert_int_equal(bits_input(&ha.b, &pb, false, 0, &r), M6_E_SA_UNBOUND);
	assert_int_equal(bits_drops(&ha.b, M6_E_SA_UNBOUND), 1);
	side_free(&mn);
	side_free(&ha);
}

/* 3776-08, 4877-09: with IKE making the tunnel-mode SA (`tunnel = true`),
 * its policy before the SA exists still applies only inside the tunnel,
 * and inside it holds the tunnel closed: what would enter it is dropped
 * with an ACQUIRE, never sent around the policy as clear IPv6-in-IPv6
 * (between a new IKE SA's IKE_AUTH and the CREATE_CHILD_SA that brings the
 * tunnel SA, a binding already exists). */
static void test_ike_tunnel_policy_without_sa_holds_closed(void **st)
{
	(void)st;
	static const char mn_ike_ipsec[] =
		"spd = (\n"
		"{ name = \"tun-out\"; dir = \"out\"; order = 20; local = \"" HOA_A "\"; mode = \"tunnel\"; },\n"
		"{ name = \"tun-in\"; dir = \"in\"; order = 20; local = \"" HOA_A "\"; mode = \"tunnel\"; },\n"
		REST ");\n";
	struct side mn;
	struct bits_result r;
	struct bits_event ev;
	side_load(&mn, mn_ike_ipsec);
	mn.b.km_tunnel = true;
	/* outside the tunnel: passed over, the next policy decides */
	mk_hoti();
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.policy->action, SPD_BYPASS);
	assert_false(bits_next_event(&mn.b, &ev));
	/* inside: selected, and with no SA dropped, IKE asked for one */
	mk_hoti();
	assert_true(bits_tunnel_selects(&mn.b, pbuf_data(&pb), pb.len));
	assert_int_equal(bits_output_tunnel(&mn.b, &pb, 0, &r), M6_E_NO_SA);
	assert_int_equal(r.policy->protect.mode, SA_TUNNEL);
	assert_int_equal(bits_drops(&mn.b, M6_E_NO_SA), 1);
	assert_true(bits_next_event(&mn.b, &ev));
	assert_int_equal(ev.type, BITS_EV_ACQUIRE);
	assert_int_equal(ev.spd_id, r.policy->id);
	side_free(&mn);
}

/* follow_binding: keyconf takes it for tunnel-mode policies only; a home
 * agent needs the SA's peer for it (whose home addresses move it). */
static void test_follow_binding_config(void **st)
{
	(void)st;
	struct keyconf kc;
	char err[512];
	static const char transport[] =
		"spd = ( { name = \"bu\"; dir = \"out\"; local = \"" HOA_A "\"; remote = \"" HA "\"; proto = \"mh\"; } );\n"
		"sa = ( { spi = 0x1001; policy = \"bu\"; src = \"" HOA_A "\"; dst = \"" HA "\"; follow_binding = true; " CRYPTO " } );\n";
	assert_int_not_equal(keyconf_load_string(transport, &kc, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "follow_binding"));

	static const char no_peer[] =
		"spd = ( { name = \"t\"; dir = \"out\"; remote = \"" HOA_A "\"; mode = \"tunnel\"; } );\n"
		"sa = ( { spi = 0x1004; policy = \"t\"; src = \"" HA "\"; dst = \"::\"; follow_binding = true; " CRYPTO " } );\n";
	reset();
	struct node_cfg c;
	memset(&c, 0, sizeof(c));
	c.name = "ha";
	iface(&c, HA, "2001:db8:1::", false);
	c.is_ha = true;
	tu_addr(HA, c.ha.addr);
	tu_addr("2001:db8:1::", c.ha.prefix);
	c.ha.plen = 64;
	c.ha.max_bindings = 4;
	tn_load_ipsec(&c, no_peer);
	assert_null(node_new(&c, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "peer"));
	reset();
}

/* RFC 4877 5, third case: the tunnel-mode SA ahead of everything, the BU
 * and BA too once it is bound (before that its policy is passed over, and
 * the first registration takes the transport-mode SAs). */
static const char ha_all_ipsec[] =
	"pad = ( { id = \"mn@example.com\"; home_addresses = [ \"" HOA_A "\" ]; } );\n"
	"spd = (\n"
	"{ name = \"tun-in\"; dir = \"in\"; order = 10; remote = \"" HOA_A "\"; mode = \"tunnel\"; },\n"
	"{ name = \"tun-out\"; dir = \"out\"; order = 10; remote = \"" HOA_A "\"; mode = \"tunnel\"; },\n"
	"{ name = \"bu\"; dir = \"in\"; order = 20; local = \"" HA "\"; remote = \"" HOA_A "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
	"{ name = \"ba\"; dir = \"out\"; order = 20; local = \"" HA "\"; remote = \"" HOA_A "\"; proto = \"mh\"; mh_type = \"ba\"; },\n"
	"{ name = \"clear-tun\"; dir = \"in\"; order = 30; local = \"" HA "\"; proto = \"ipv6\"; action = \"discard\"; },\n"
	REST ");\n"
	"sa = (\n"
	"{ spi = 0x1001; policy = \"bu\"; src = \"" HOA_A "\"; dst = \"" HA "\"; peer = \"mn@example.com\"; " CRYPTO " },\n"
	"{ spi = 0x1002; policy = \"ba\"; src = \"" HA "\"; dst = \"" HOA_A "\"; peer = \"mn@example.com\"; " CRYPTO " },\n"
	"{ spi = 0x1003; policy = \"tun-in\"; src = \"::\"; dst = \"" HA "\"; peer = \"mn@example.com\"; follow_binding = true; " CRYPTO " },\n"
	"{ spi = 0x1004; policy = \"tun-out\"; src = \"" HA "\"; dst = \"::\"; peer = \"mn@example.com\"; follow_binding = true; " CRYPTO " } );\n";
/* The peer's side of it that sends everything into the tunnel SA. */
static const char mn_all_ipsec[] =
	"spd = (\n"
	"{ name = \"tun-out\"; dir = \"out\"; order = 10; local = \"" HOA_A "\"; mode = \"tunnel\"; },\n"
	"{ name = \"tun-in\"; dir = \"in\"; order = 10; local = \"" HOA_A "\"; mode = \"tunnel\"; },\n"
	REST ");\n"
	"sa = (\n"
	"{ spi = 0x1003; policy = \"tun-out\"; src = \"::\"; dst = \"" HA "\"; " CRYPTO " },\n"
	"{ spi = 0x1004; policy = \"tun-in\"; src = \"" HA "\"; dst = \"::\"; " CRYPTO " } );\n";

/* The peer's tunnel SA from a new outer source, sealing pb's packet (as a
 * peer whose SPD sends everything into it does). */
static void peer_seal(struct side *peer, const char *coa)
{
	struct ipsec_sa *up = sad_find(peer->kc.sad, SPI_UP, IP6P_ESP, false);
	assert_non_null(up);
	tu_addr(coa, up->src);
	assert_int_equal(bits_output_tunnel(&peer->b, &pb, now, NULL), 0);
	assert_addr(pbuf_data(&pb) + 8, coa);
}

/* 4877-14, 4877-01 (RFC 4877 5, the third case): a peer sends everything
 * through its tunnel-mode SA, its Binding Updates too, in the RFC 4877
 * format IPv6(CoA -> HA) | ESP tunnel | IPv6(HoA -> HA) | MH BU + ACoA.
 * Registered from R1, it moves to R2, and its BU arrives on the tunnel SA
 * from the new care-of address, an outer source the SA does not name yet.
 * The home agent does not drop it: it takes the BU, moves the binding and
 * then the tunnel SAs to R2, and its BA goes back through the moved tunnel
 * SA (RFC 6275 10.4.2: the home agent's own packets to a registered home
 * address take the tunnel), never onto the home link. 4877-04: the same
 * home agent is a correspondent node too; a Home Test Init through the
 * tunnel addressed to the home agent itself is answered by it, and the Home
 * Test goes back through the tunnel SA as well. */
static void test_bu_through_tunnel_sa_from_new_coa(void **st)
{
	(void)st;
	unsigned sent;
	struct side peer;
	network_with(ha_all_ipsec, mn_tsa_ipsec, true);
	run_until(10000 * MS);
	assert_true(mn_registered(node_mn(nodes[N_MN])));
	assert_addr(node_sa(N_HA, SPI_DOWN, false)->dst, COA_A);
	uint16_t seq = binding(N_HA, HOA_A)->seq;
	side_load_bound(&peer, mn_all_ipsec);
	sad_find(peer.kc.sad, SPI_UP, IP6P_ESP, false)->seq = 1000;   /* past the node's own */

	mk_bu(HOA_A, HA, NULL, COA_R2, (uint16_t)(seq + 1));
	peer_seal(&peer, COA_R2);
	unsigned drops = ev_count[N_HA][M6_EV_DROP], from = ncap, ba = ev_count[N_HA][M6_EV_BA_SENT];
	assert_int_equal(inject(N_HA, 1, pbuf_data(&pb), pb.len, &sent), 0);
	run_until(now + 100 * MS);
	assert_int_equal(ev_count[N_HA][M6_EV_DROP], drops);
	assert_int_equal(ev_count[N_HA][M6_EV_BA_SENT], ba + 1);
	assert_addr(binding(N_HA, HOA_A)->coa, COA_R2);
	assert_int_equal(binding(N_HA, HOA_A)->seq, (uint16_t)(seq + 1));
	assert_addr(node_sa(N_HA, SPI_DOWN, false)->dst, COA_R2);
	assert_addr(node_sa(N_HA, SPI_UP, true)->src, COA_R2);
	unsigned through = 0;
	for (unsigned k = from; k < ncap; k++) {
		struct seen s = look(k);
		if (cap[k].from != N_HA)
			continue;
		assert_false(s.clear_mh || s.clear_tunnel);
		if (s.esp && s.spi == SPI_DOWN && s.mh_type == MH_BA) {
			assert_int_equal(cap[k].link, L_BACKBONE);
			assert_addr(s.outer_dst, COA_R2);
			assert_addr(s.inner_src, HA);
			assert_addr(s.inner_dst, HOA_A);
			through++;
		}
	}
	assert_int_equal(through, 1);

	/* 4877-04: a HoTI to the home agent's own address, through the tunnel */
	mk_hoti_to(HOA_A, HA);
	peer_seal(&peer, COA_R2);
	unsigned hot = ev_count[N_HA][M6_EV_HOT_SENT], cn_hot = ev_count[N_CN][M6_EV_HOT_SENT];
	from = ncap;
	assert_int_equal(inject(N_HA, 1, pbuf_data(&pb), pb.len, &sent), 0);
	run_until(now + 100 * MS);
	assert_int_equal(ev_count[N_HA][M6_EV_HOT_SENT], hot + 1);
	assert_int_equal(ev_count[N_CN][M6_EV_HOT_SENT], cn_hot);   /* not forwarded */
	through = 0;
	for (unsigned k = from; k < ncap; k++) {
		struct seen s = look(k);
		if (cap[k].from != N_HA)
			continue;
		assert_false(s.clear_mh || s.clear_tunnel);
		if (s.esp && s.spi == SPI_DOWN && s.mh_type == MH_HOT) {
			assert_addr(s.outer_dst, COA_R2);
			assert_addr(s.inner_src, HA);
			assert_addr(s.inner_dst, HOA_A);
			through++;
		}
	}
	assert_int_equal(through, 1);
	side_free(&peer);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr_tunnel_sa_follows_moves),
		cmocka_unit_test(test_tunnel_sa_moves_only_on_protected_bu),
		cmocka_unit_test(test_tunnel_policy_applies_inside_tunnel_only),
		cmocka_unit_test(test_ike_tunnel_policy_without_sa_holds_closed),
		cmocka_unit_test(test_follow_binding_config),
		cmocka_unit_test(test_bu_through_tunnel_sa_from_new_coa),
	};
	memset(attach, -1, sizeof(attach));
	return cmocka_run_group_tests_name("node_tunnel_sa", tests, NULL, NULL);
}
