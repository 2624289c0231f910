/* The Mobile IPv6 engines and the IPsec pipeline together, through the
 * node API (node_input, node_output, timers): what a home agent, a mobile
 * node and a router do with packets whose protection, Home Address option
 * or type 2 Routing header is right or wrong. Every SA is a real one from a
 * configuration (keyconf), never a stand-in; what leaves a node is read off
 * the links, and protected packets are opened with the peer's keys. */
#include <stdint.h>
#include <stdlib.h>

#include "tn.h"
#include "ipsec/esp.h"
#include "keyconf.h"
#include "node/node.h"
#include "pkt/mh.h"

#define MS 1000000ull
#define MAXN 5
#define MAXQ 256
#define MAXCAP 512

#define HA "2001:db8:1::1"
#define HOA_A "2001:db8:1::100"
#define HOA_B "2001:db8:1::200"
#define COA_A "2001:db8:2::100"
#define COA_B "2001:db8:3::200"
#define CN "2001:db8:ff::4"
#define K16 "\"000102030405060708090a0b0c0d0e0f\""
#define K32 "\"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\""
#define CRYPTO "enc = \"aes-cbc\"; enc_key = " K16 "; auth = \"hmac-sha256-128\"; auth_key = " K32 ";"
#define REST "{ name = \"rest-out\"; dir = \"out\"; order = 9000; action = \"bypass\"; },\n" \
	     "{ name = \"rest-in\"; dir = \"in\"; order = 9000; action = \"bypass\"; }\n"

/* ---- a tiny network: nodes on shared links, 1 ms per hop ---- */

struct pending {
	uint64_t at;
	int node;
	unsigned ifindex;
	size_t len;
	uint8_t pkt[NODE_PKT_MAX];
};

struct frame {
	int link, from;
	size_t len;
	uint8_t pkt[NODE_PKT_MAX];
};

static struct node *nodes[MAXN];
static int n_nodes;
static int attach[MAXN][NODE_IF_MAX];      /* link of each interface, -1 = none */
static struct pending q[MAXQ];
static unsigned nq;
static struct frame cap[MAXCAP];           /* every frame sent on a link, in order */
static unsigned ncap;
static uint64_t now;
static unsigned ev_count[MAXN][M6_EV_TYPE_COUNT];
static int last_drop[MAXN], last_ba_status[MAXN];
static unsigned delivered[MAXN];
static uint8_t last_delivered[MAXN][NODE_PKT_MAX];

static int index_of(const struct node *n)
{
	for (int i = 0; i < n_nodes; i++)
		if (nodes[i] == n)
			return i;
	fail_msg("unknown node");
	return -1;
}

static void on_event(void *ctx, const struct m6_event *ev)
{
	int i = (int)(intptr_t)ctx;
	ev_count[i][ev->type]++;
	if (ev->type == M6_EV_DROP)
		last_drop[i] = ev->code;
	if (ev->type == M6_EV_BA_SENT)
		last_ba_status[i] = ev->code;
	if (getenv("NODE_TEST_TRACE"))
		fprintf(stderr, "%8.3f %-3s %-16s code=%d u32=%u %s\n", ev->time / 1e9, ev->node,
			m6_ev_name(ev->type), ev->code, ev->u32, ev->text);
}

static void on_deliver(void *ctx, struct node *n, const uint8_t *pkt, size_t len, uint64_t t)
{
	(void)ctx;
	(void)t;
	int i = index_of(n);
	delivered[i]++;
	memcpy(last_delivered[i], pkt, len < NODE_PKT_MAX ? len : NODE_PKT_MAX);
}

static void reset(void)
{
	for (int i = 0; i < n_nodes; i++)
		node_free(nodes[i]);
	n_nodes = 0;
	nq = ncap = 0;
	now = 0;
	memset(attach, -1, sizeof(attach));
	memset(ev_count, 0, sizeof(ev_count));
	memset(last_drop, 0, sizeof(last_drop));
	memset(last_ba_status, -1, sizeof(last_ba_status));
	memset(delivered, 0, sizeof(delivered));
}

static void iface(struct node_cfg *c, const char *a, const char *prefix, bool adv)
{
	struct node_iface_cfg *i = tn_iface(c, a, prefix, adv);
	i->ra_interval_ms = 500;
}

/* Create a node; links[k] is the link of interface k (-1: none). */
static int add_node(const struct node_cfg *c, const int *links)
{
	char err[256];
	int i = n_nodes++;
	assert_true(i < MAXN);
	nodes[i] = node_new(c, now, err, sizeof(err));
	if (!nodes[i])
		fail_msg("%s", err);
	for (unsigned k = 0; k < c->n_ifaces; k++)
		attach[i][k] = links[k];
	node_set_event_cb(nodes[i], on_event, (void *)(intptr_t)i);
	node_set_deliver_cb(nodes[i], on_deliver, NULL);
	return i;
}

/* Take what node i sends: record it per link and schedule it 1 ms later
 * for every other node on that link. */
static void flush(int i)
{
	static struct node_out o;
	while (node_output(nodes[i], &o, now)) {
		int link = attach[i][o.ifindex];
		if (link < 0)
			continue;
		assert_true(ncap < MAXCAP);
		cap[ncap].link = link;
		cap[ncap].from = i;
		cap[ncap].len = o.len;
		memcpy(cap[ncap].pkt, o.pkt, o.len);
		ncap++;
		for (int j = 0; j < n_nodes; j++)
			for (unsigned f = 0; f < NODE_IF_MAX; f++)
				if (j != i && attach[j][f] == link) {
					assert_true(nq < MAXQ);
					q[nq].at = now + MS;
					q[nq].node = j;
					q[nq].ifindex = f;
					q[nq].len = o.len;
					memcpy(q[nq].pkt, o.pkt, o.len);
					nq++;
				}
	}
}

static void run_until(uint64_t end)
{
	for (;;) {
		uint64_t t = end;
		int who = -1;
		unsigned qi = 0;
		for (unsigned k = 0; k < nq; k++)
			if (q[k].at < t) {
				t = q[k].at;
				qi = k;
				who = -2;
			}
		for (int i = 0; i < n_nodes; i++)
			if (node_next_expiry(nodes[i]) < t) {
				t = node_next_expiry(nodes[i]);
				who = i;
			}
		if (who == -1) {
			now = end;
			return;
		}
		now = t;
		if (who == -2) {
			static struct pending p;
			p = q[qi];
			q[qi] = q[--nq];
			node_input(nodes[p.node], p.ifindex, p.pkt, p.len, now);
			flush(p.node);
		} else {
			node_on_timer(nodes[who], now);
			flush(who);
		}
	}
}

/* Hand a packet to node i's interface now; returns node_input's result
 * and leaves in *sent the number of frames the node sent in response. */
static int inject(int i, unsigned ifx, const uint8_t *pkt, size_t len, unsigned *sent)
{
	unsigned before = ncap;
	int rc = node_input(nodes[i], ifx, pkt, len, now);
	flush(i);
	if (sent)
		*sent = ncap - before;
	return rc;
}

/* Frames node i sent on `link` (-1: any) since capture index `since`; the
 * last one in *last. */
static unsigned frames_from(int i, int link, unsigned since, const struct frame **last)
{
	unsigned n = 0;
	for (unsigned k = since; k < ncap; k++)
		if (cap[k].from == i && (link < 0 || cap[k].link == link)) {
			n++;
			if (last)
				*last = &cap[k];
		}
	return n;
}

/* ---- packets ---- */

static uint8_t mem[8192];
static struct pbuf pb;

/* pb := IPv6(src -> dst) | [DstOpt(HAO = hoa)] | MH BU (A, H, lifetime
 * 3600 s, an Alternate Care-of Address when acoa), checksummed over the
 * home address (the HAO's, or the source). */
static void mk_bu(const char *src, const char *dst, const char *hoa, const char *acoa, uint16_t seq)
{
	struct mh_msg m;
	struct ip6_hdr h;
	uint8_t *p, mh[64], a[16], home[16];
	size_t mlen;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = seq;
	m.flags = MH_BU_A | MH_BU_H;
	m.lifetime = mh_lifetime_units(3600);
	if (acoa) {
		tu_addr(acoa, a);
		m.opts[m.n_opts++] = (struct mh_opt){ .type = MHO_ACOA, .len = 16, .data = a };
	}
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
	tu_addr(hoa ? hoa : src, home);
	mh_set_checksum(p + IP6_HDR_LEN, mlen, home, h.dst);
	if (hoa)
		assert_int_equal(ip6_insert_hao(&pb, home), 0);
}

/* ESP transport with `sa` right after the HAO, whatever any policy says:
 * what a node whose stack is subverted can do with its own valid SA. */
static void seal_transport(struct ipsec_sa *sa)
{
	struct ip6_walk w;
	assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w), 0);
	uint8_t *p = pbuf_data(&pb);
	assert_int_equal(esp_seal(&sa->xf, &pb, w.proto_off, p[w.nh_field], sa->spi, ++sa->seq, false, 0), 0);
	p = pbuf_data(&pb);
	p[w.nh_field] = IP6P_ESP;
	m6_put16(p + 4, (uint16_t)(pb.len - IP6_HDR_LEN));
}

/* A keyconf-built pipeline for the test's side of an exchange. */
struct side {
	struct keyconf kc;
	struct bits b;
};

static void side_load(struct side *s, const char *text)
{
	char err[512];
	if (keyconf_load_string(text, &s->kc, err, sizeof(err)))
		fail_msg("%s\n%s", err, text);
	bits_init(&s->b, &s->kc.bits, s->kc.spd, s->kc.sad, s->kc.pad);
}

/* The outbound SA of a side's policy `name`. */
static struct ipsec_sa *side_sa(struct side *s, const char *name)
{
	for (size_t i = 0; spd_at(s->kc.spd, SPD_OUT, i); i++) {
		const struct spd_entry *e = spd_at(s->kc.spd, SPD_OUT, i);
		if (!strcmp(e->name, name))
			return sad_lookup_out(s->kc.sad, e->id);
	}
	fail_msg("no policy %s", name);
	return NULL;
}

/* A home agent on the home link (interface 0, link 0) and a backbone
 * (interface 1, link 1) that leads to the foreign prefixes. */
static int home_agent(const char *ipsec)
{
	struct node_cfg c;
	memset(&c, 0, sizeof(c));
	c.name = "ha";
	iface(&c, HA, "2001:db8:1::", false);
	iface(&c, "2001:db8:ff::1", "2001:db8:ff::", false);
	tn_route(&c, "2001:db8:2::", 64, 1);
	tn_route(&c, "2001:db8:3::", 64, 1);
	c.forwarding = true;
	c.is_ha = true;
	tu_addr(HA, c.ha.addr);
	tu_addr("2001:db8:1::", c.ha.prefix);
	c.ha.plen = 64;
	c.ha.max_bindings = 16;
	c.ha.dad_timeout_ms = 1000;
	tn_load_ipsec(&c, ipsec);
	static const int links[] = { 0, 1 };
	return add_node(&c, links);
}

static const struct bce *binding(int ha, const char *hoa)
{
	uint8_t a[16];
	tu_addr(hoa, a);
	return bcache_lookup(ha_bcache(node_ha(nodes[ha])), a);
}

/* ---- a Binding Update for A over B's SA, at the home agent ---- */

/* The home agent's configuration for two mobile nodes, each with its own
 * BU SA; B's BA leaves on its own SA. The normalising model keys the
 * selectors on the home addresses, the true-address model on the care-of
 * addresses and checks the home address after decryption (PAD). */
static void ha_two_nodes(char *cfg, size_t cap, bool model_b)
{
	const char *a = model_b ? COA_A : HOA_A, *b = model_b ? COA_B : HOA_B;
	snprintf(cfg, cap,
		 "node = { model = \"%s\"; };\n"
		 "pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"" HOA_A "\" ]; },\n"
		 "        { id = \"mn-b@example.com\"; home_addresses = [ \"" HOA_B "\" ]; } );\n"
		 "spd = (\n"
		 "{ name = \"bu-in-a\"; dir = \"in\"; order = 10; local = \"" HA "\"; remote = \"%s\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
		 "{ name = \"bu-in-b\"; dir = \"in\"; order = 20; local = \"" HA "\"; remote = \"%s\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
		 "{ name = \"ba-out-b\"; dir = \"out\"; order = 20; local = \"" HA "\"; remote = \"%s\"; proto = \"mh\"; mh_type = \"ba\"; },\n"
		 "{ name = \"mh-in\"; dir = \"in\"; order = 500; proto = \"mh\"; action = \"discard\"; },\n" REST ");\n"
		 "sa = (\n"
		 "{ spi = 0x1001; policy = \"bu-in-a\"; src = \"%s\"; dst = \"" HA "\"; peer = \"mn-a@example.com\"; " CRYPTO " },\n"
		 "{ spi = 0x2001; policy = \"bu-in-b\"; src = \"%s\"; dst = \"" HA "\"; peer = \"mn-b@example.com\"; " CRYPTO " },\n"
		 "{ spi = 0x2002; policy = \"ba-out-b\"; src = \"" HA "\"; dst = \"%s\"; peer = \"mn-b@example.com\"; " CRYPTO " } );\n",
		 model_b ? "true-address" : "normalise", a, b, b, a, b, b);
}

/* Mobile node B's own view of its BU SA (the keys it holds). */
static void mn_b_side(struct side *s, bool model_b)
{
	char cfg[2048];
	const char *me = model_b ? COA_B : HOA_B;
	snprintf(cfg, sizeof(cfg),
		 "node = { model = \"%s\"; };\n"
		 "spd = ( { name = \"bu-out\"; dir = \"out\"; order = 10; local = \"%s\"; remote = \"" HA "\";"
		 "          proto = \"mh\"; mh_type = \"bu\"; },\n" REST ");\n"
		 "sa = ( { spi = 0x2001; policy = \"bu-out\"; src = \"%s\"; dst = \"" HA "\"; " CRYPTO " } );\n",
		 model_b ? "true-address" : "normalise", me, me);
	side_load(s, cfg);
}

/* 3776-07, 4877-02, HA-01: mobile node B, authorised for HoA-B only, sends
 * the home agent a BU for HoA-A protected by its own valid SA. The home
 * agent neither creates a binding for A, nor starts DAD for it, nor
 * answers; the drop names the check that caught it (the selector check on
 * the home address when normalising, the post-decryption Home Address
 * check under the true-address model). The same SA then registers B's
 * own home address (below), so the refusal is about the address, not the
 * SA. */
static void run_bu_for_a_over_b_sa(bool model_b)
{
	char cfg[4096];
	struct side b;
	unsigned sent;
	reset();
	ha_two_nodes(cfg, sizeof(cfg), model_b);
	int ha = home_agent(cfg);
	mn_b_side(&b, model_b);
	struct ipsec_sa *sa = side_sa(&b, "bu-out");

	mk_bu(COA_B, HA, HOA_A, NULL, 100);
	seal_transport(sa);
	int want = model_b ? M6_E_HAO_POSTCHECK : M6_E_SELECTOR;
	assert_int_equal(inject(ha, 1, pbuf_data(&pb), pb.len, &sent), want);
	assert_int_equal(last_drop[ha], want);
	run_until(now + 3000 * MS);
	assert_null(binding(ha, HOA_A));
	assert_int_equal(ev_count[ha][M6_EV_DAD_STARTED], 0);
	assert_int_equal(ev_count[ha][M6_EV_BU_RECEIVED], 0);
	assert_int_equal(ev_count[ha][M6_EV_BA_SENT], 0);
	assert_int_equal(frames_from(ha, -1, 0, NULL), 0);

	/* HAO-07: B's own home address, first BU, no binding yet: the home
	 * agent does not ask for an existing binding before accepting an
	 * IPsec-protected packet with a HAO for an address it serves. */
	mk_bu(COA_B, HA, HOA_B, NULL, 101);
	seal_transport(sa);
	assert_int_equal(inject(ha, 1, pbuf_data(&pb), pb.len, &sent), 0);
	run_until(now + 3000 * MS);
	const struct bce *e = binding(ha, HOA_B);
	assert_non_null(e);
	assert_true(e->valid);
	uint8_t coa[16];
	tu_addr(COA_B, coa);
	assert_memory_equal(e->coa, coa, 16);
	assert_int_equal(ev_count[ha][M6_EV_BA_SENT], 1);
	assert_int_equal(last_ba_status[ha], 0);
	assert_null(binding(ha, HOA_A));
	keyconf_free(&b.kc);
	reset();
}

static void test_bu_for_a_over_b_sa_normalise(void **s) { (void)s; run_bu_for_a_over_b_sa(false); }
static void test_bu_for_a_over_b_sa_true_address(void **s) { (void)s; run_bu_for_a_over_b_sa(true); }

/* ---- both Binding Update formats at one home agent ---- */

/* 4877-01: the home agent takes mobile node A's home registration in the
 * RFC 4877 tunnel-mode format, IPv6(CoA -> HA) | ESP tunnel |
 * IPv6(HoA -> HA) | MH BU + ACoA (no HAO), and answers in kind, the BA
 * tunnelled to the care-of address; a refresh in the RFC 3776 format,
 * IPv6(CoA -> HA) | DstOpt(HAO) | ESP transport | MH BU, is accepted too
 * and answered with an RH2. The test opens each BA with A's keys. */
static void test_bu_formats_tunnel_and_transport(void **s)
{
	(void)s;
	struct side mn;
	unsigned sent;
	struct ip6_walk w;
	struct bits_result r;
	uint8_t hoa[16], coa[16], ha_a[16];
	tu_addr(HOA_A, hoa);
	tu_addr(COA_A, coa);
	tu_addr(HA, ha_a);
	reset();
	int ha = home_agent(
		"node = { model = \"true-address\"; };\n"
		"pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"" HOA_A "\" ]; } );\n"
		"spd = (\n"
		"{ name = \"bu-tun\"; dir = \"in\"; order = 10; local = \"" HA "\"; remote = \"" HOA_A "\"; proto = \"mh\"; mh_type = \"bu\"; mode = \"tunnel\"; },\n"
		"{ name = \"ba-tun\"; dir = \"out\"; order = 10; local = \"" HA "\"; remote = \"" HOA_A "\"; proto = \"mh\"; mh_type = \"ba\"; mode = \"tunnel\"; },\n"
		"{ name = \"bu-tr\"; dir = \"in\"; order = 20; local = \"" HA "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
		"{ name = \"ba-tr\"; dir = \"out\"; order = 20; local = \"" HA "\"; proto = \"mh\"; mh_type = \"ba\"; },\n"
		"{ name = \"mh-in\"; dir = \"in\"; order = 500; proto = \"mh\"; action = \"discard\"; },\n" REST ");\n"
		"sa = (\n"
		"{ spi = 0x1101; policy = \"bu-tun\"; src = \"" COA_A "\"; dst = \"" HA "\"; peer = \"mn-a@example.com\"; " CRYPTO " },\n"
		"{ spi = 0x1102; policy = \"ba-tun\"; src = \"" HA "\"; dst = \"" COA_A "\"; peer = \"mn-a@example.com\"; " CRYPTO " },\n"
		"{ spi = 0x1001; policy = \"bu-tr\"; src = \"::\"; dst = \"" HA "\"; peer = \"mn-a@example.com\"; " CRYPTO " },\n"
		"{ spi = 0x1002; policy = \"ba-tr\"; src = \"" HA "\"; dst = \"::\"; peer = \"mn-a@example.com\"; " CRYPTO " } );\n");
	side_load(&mn,
		  "node = { model = \"true-address\"; };\n"
		  "spd = (\n"
		  "{ name = \"bu-tun\"; dir = \"out\"; order = 10; local = \"" HOA_A "\"; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"bu\"; mode = \"tunnel\"; },\n"
		  "{ name = \"ba-tun\"; dir = \"in\"; order = 10; local = \"" HOA_A "\"; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"ba\"; mode = \"tunnel\"; },\n"
		  "{ name = \"bu-tr\"; dir = \"out\"; order = 20; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
		  "{ name = \"ba-tr\"; dir = \"in\"; order = 20; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"ba\"; },\n" REST ");\n"
		  "sa = (\n"
		  "{ spi = 0x1101; policy = \"bu-tun\"; src = \"" COA_A "\"; dst = \"" HA "\"; " CRYPTO " },\n"
		  "{ spi = 0x1102; policy = \"ba-tun\"; src = \"" HA "\"; dst = \"" COA_A "\"; " CRYPTO " },\n"
		  "{ spi = 0x1001; policy = \"bu-tr\"; src = \"::\"; dst = \"" HA "\"; " CRYPTO " },\n"
		  "{ spi = 0x1002; policy = \"ba-tr\"; src = \"" HA "\"; dst = \"::\"; " CRYPTO " } );\n");

	/* the tunnel-mode registration: inner HoA -> HA, the CoA in an ACoA */
	mk_bu(HOA_A, HA, NULL, COA_A, 5);
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x1101);
	assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w), 0);
	assert_memory_equal(w.hdr.src, coa, 16);
	assert_int_equal(w.n_ext, 0);
	assert_int_equal(w.proto, IP6P_ESP);
	unsigned mark = ncap;
	assert_int_equal(inject(ha, 1, pbuf_data(&pb), pb.len, &sent), 0);
	run_until(now + 2000 * MS);
	const struct bce *e = binding(ha, HOA_A);
	assert_non_null(e);
	assert_true(e->valid);
	assert_memory_equal(e->coa, coa, 16);
	/* its BA, the one frame towards the backbone:
	 * IPv6(HA -> CoA) | ESP tunnel | IPv6(HA -> HoA) | MH BA */
	const struct frame *f = NULL;
	assert_int_equal(frames_from(ha, 1, mark, &f), 1);
	assert_int_equal(ip6_walk(f->pkt, f->len, IP6W_HAO_KNOWN, &w), 0);
	assert_memory_equal(w.hdr.src, ha_a, 16);
	assert_memory_equal(w.hdr.dst, coa, 16);
	assert_int_equal(w.n_ext, 0);
	assert_int_equal(w.proto, IP6P_ESP);
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	uint8_t *p;
	assert_int_equal(pbuf_put(&pb, f->len, &p), 0);
	memcpy(p, f->pkt, f->len);
	assert_int_equal(bits_input(&mn.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x1102);
	assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w), 0);
	assert_memory_equal(w.hdr.dst, hoa, 16);
	assert_int_equal(w.proto, IP6P_MH);
	assert_int_equal(pbuf_data(&pb)[w.proto_off + 2], MH_BA);
	assert_int_equal(pbuf_data(&pb)[w.proto_off + 4 + 2], 0);   /* status 0: accepted */

	/* a refresh in the RFC 3776 format, seq 6 */
	mk_bu(COA_A, HA, HOA_A, COA_A, 6);
	assert_int_equal(bits_output(&mn.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x1001);
	mark = ncap;
	assert_int_equal(inject(ha, 1, pbuf_data(&pb), pb.len, &sent), 0);
	run_until(now + 100 * MS);
	assert_int_equal(frames_from(ha, 1, mark, &f), 1);
	assert_int_equal(ip6_walk(f->pkt, f->len, IP6W_HAO_KNOWN, &w), 0);
	assert_memory_equal(w.hdr.dst, coa, 16);
	assert_int_equal(w.rh_type, 2);
	assert_memory_equal(ip6_walk_rh2(&w, f->pkt), hoa, 16);
	assert_int_equal(w.proto, IP6P_ESP);
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	assert_int_equal(pbuf_put(&pb, f->len, &p), 0);
	memcpy(p, f->pkt, f->len);
	assert_int_equal(bits_input(&mn.b, &pb, false, 0, &r), 0);
	assert_int_equal(r.sa->spi, 0x1002);
	assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &w), 0);
	assert_int_equal(w.proto, IP6P_MH);
	assert_int_equal(pbuf_data(&pb)[w.proto_off + 2], MH_BA);
	assert_int_equal(pbuf_data(&pb)[w.proto_off + 4 + 2], 0);
	assert_int_equal(m6_get16(pbuf_data(&pb) + w.proto_off + 8), 6);
	assert_int_equal(ev_count[ha][M6_EV_DROP], 0);
	keyconf_free(&mn.kc);
	reset();
}

/* ---- the type 2 Routing header at a mobile node and at a router ---- */

static size_t mk_rh2_udp(uint8_t *out, const char *src, const char *dst, const char *addr, unsigned segleft)
{
	char body[256];
	uint8_t a[16];
	tu_addr(addr, a);
	int n = snprintf(body, sizeof(body), "11 02 02 %02x 00000000 ", segleft);
	for (int i = 0; i < 16; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, "%02x", a[i]);
	snprintf(body + n, sizeof(body) - (size_t)n, " 9c40 9c41 000c 0000 01020304");
	return tu_pkt(out, NODE_PKT_MAX, src, dst, IP6P_ROUTING, body);
}

/* RH2-02: a packet for the mobile node's care-of address with an RH2 is
 * delivered only when the RH2 holds its own home address (the home
 * address then stands as the destination, Segments Left 0). Another
 * address, or Segments Left 0 on the wire, is dropped: not delivered, not
 * forwarded, no ICMPv6 error. A router, which has no home address, drops
 * any RH2 addressed to it instead of forwarding it towards the address it
 * holds, although it forwards that address's ordinary traffic. */
static void test_rh2_own_home_address_only(void **s)
{
	(void)s;
	struct node_cfg c;
	uint8_t pkt[NODE_PKT_MAX], hoa[16], coa[16];
	unsigned sent;
	reset();
	/* router R1: the foreign link (0) and the backbone (1) */
	memset(&c, 0, sizeof(c));
	c.name = "r1";
	iface(&c, "2001:db8:2::1", "2001:db8:2::", true);
	iface(&c, "2001:db8:ff::2", "2001:db8:ff::", false);
	tn_route(&c, "::", 0, 1);
	c.forwarding = true;
	int r1 = add_node(&c, (const int[]){ 0, 1 });
	/* mobile node A on the foreign link, no IPsec */
	memset(&c, 0, sizeof(c));
	c.name = "mn";
	iface(&c, NULL, "::", false);
	c.ifaces[0].plen = 0;
	c.is_mn = true;
	tu_addr(HOA_A, c.mn.hoa);
	tu_addr("2001:db8:1::", c.mn.home_prefix);
	c.mn.home_plen = 64;
	tu_addr(HA, c.mn.ha);
	c.mn.iid[6] = 0x01;
	c.mn.iid[7] = 0x00;
	c.mn.lifetime_s = 3600;
	c.seed = 1;
	int mn = add_node(&c, (const int[]){ 0 });
	run_until(2000 * MS);
	tu_addr(HOA_A, hoa);
	tu_addr("2001:db8:2::100", coa);
	assert_non_null(mn_coa(node_mn(nodes[mn])));
	assert_memory_equal(mn_coa(node_mn(nodes[mn])), coa, 16);
	unsigned drops = ev_count[mn][M6_EV_DROP];

	/* its own home address: delivered, the home address as destination */
	size_t n = mk_rh2_udp(pkt, CN, "2001:db8:2::100", HOA_A, 1);
	assert_int_equal(inject(mn, 0, pkt, n, &sent), 0);
	assert_int_equal(sent, 0);
	assert_int_equal(delivered[mn], 1);
	assert_memory_equal(last_delivered[mn] + 24, hoa, 16);
	assert_int_equal(last_delivered[mn][40 + 3], 0);      /* Segments Left */
	assert_int_equal(ev_count[mn][M6_EV_DROP], drops);

	/* another node's home address */
	n = mk_rh2_udp(pkt, CN, "2001:db8:2::100", HOA_B, 1);
	inject(mn, 0, pkt, n, &sent);
	assert_int_equal(sent, 0);
	assert_int_equal(delivered[mn], 1);
	assert_int_equal(ev_count[mn][M6_EV_DROP], drops + 1);
	assert_int_equal(last_drop[mn], M6_E_RH2_ADDR);

	/* Segments Left 0 on the wire */
	n = mk_rh2_udp(pkt, CN, "2001:db8:2::100", HOA_A, 0);
	inject(mn, 0, pkt, n, &sent);
	assert_int_equal(sent, 0);
	assert_int_equal(delivered[mn], 1);
	assert_int_equal(ev_count[mn][M6_EV_DROP], drops + 2);

	/* the router forwards ordinary traffic for a backbone address ... */
	n = tu_pkt(pkt, sizeof(pkt), COA_A, "2001:db8:ff::9", IP6P_UDP, "9c40 9c41 000c 0000 01020304");
	inject(r1, 0, pkt, n, &sent);
	assert_int_equal(sent, 1);
	assert_int_equal(cap[ncap - 1].link, 1);
	/* ... but not an RH2 addressed to it that holds that address */
	unsigned r1_drops = ev_count[r1][M6_EV_DROP];
	n = mk_rh2_udp(pkt, COA_A, "2001:db8:2::1", "2001:db8:ff::9", 1);
	inject(r1, 0, pkt, n, &sent);
	assert_int_equal(sent, 0);
	assert_int_equal(delivered[r1], 0);
	assert_int_equal(ev_count[r1][M6_EV_DROP], r1_drops + 1);
	assert_int_equal(last_drop[r1], M6_E_RH2_ADDR);
	reset();
}

/* ---- return routability through a protected reverse tunnel ---- */

/* The mobile node's and home agent's policies: BU/BA on ESP transport SAs
 * keyed on the home address (RFC 3776 SA1/SA2), and the reverse tunnel
 * between the care-of address and the home agent (IPv6-in-IPv6, which the
 * engines build) on its own pair of ESP SAs (SA3/SA4, here carrying the
 * tunnel's payload too): on the wire IPv6(CoA -> HA) | ESP | IPv6(HoA ->
 * CN) | MH HoTI, and the HoT the reverse. */
static const char mn_rr_ipsec[] =
	"spd = (\n"
	"{ name = \"bu\"; dir = \"out\"; order = 10; local = \"" HOA_A "\"; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
	"{ name = \"ba\"; dir = \"in\"; order = 10; local = \"" HOA_A "\"; remote = \"" HA "\"; proto = \"mh\"; mh_type = \"ba\"; },\n"
	"{ name = \"tun-out\"; dir = \"out\"; order = 20; remote = \"" HA "\"; proto = \"ipv6\"; },\n"
	"{ name = \"tun-in\"; dir = \"in\"; order = 20; remote = \"" HA "\"; proto = \"ipv6\"; },\n" REST ");\n"
	"sa = (\n"
	"{ spi = 0x1001; policy = \"bu\"; src = \"" HOA_A "\"; dst = \"" HA "\"; " CRYPTO " },\n"
	"{ spi = 0x1002; policy = \"ba\"; src = \"" HA "\"; dst = \"" HOA_A "\"; " CRYPTO " },\n"
	"{ spi = 0x1003; policy = \"tun-out\"; src = \"::\"; dst = \"" HA "\"; " CRYPTO " },\n"
	"{ spi = 0x1004; policy = \"tun-in\"; src = \"" HA "\"; dst = \"::\"; " CRYPTO " } );\n";
static const char ha_rr_ipsec[] =
	"pad = ( { id = \"mn@example.com\"; home_addresses = [ \"" HOA_A "\" ]; } );\n"
	"spd = (\n"
	"{ name = \"bu\"; dir = \"in\"; order = 10; local = \"" HA "\"; remote = \"" HOA_A "\"; proto = \"mh\"; mh_type = \"bu\"; },\n"
	"{ name = \"ba\"; dir = \"out\"; order = 10; local = \"" HA "\"; remote = \"" HOA_A "\"; proto = \"mh\"; mh_type = \"ba\"; },\n"
	"{ name = \"tun-in\"; dir = \"in\"; order = 20; local = \"" HA "\"; proto = \"ipv6\"; },\n"
	"{ name = \"tun-out\"; dir = \"out\"; order = 20; local = \"" HA "\"; proto = \"ipv6\"; },\n" REST ");\n"
	"sa = (\n"
	"{ spi = 0x1001; policy = \"bu\"; src = \"" HOA_A "\"; dst = \"" HA "\"; peer = \"mn@example.com\"; " CRYPTO " },\n"
	"{ spi = 0x1002; policy = \"ba\"; src = \"" HA "\"; dst = \"" HOA_A "\"; peer = \"mn@example.com\"; " CRYPTO " },\n"
	"{ spi = 0x1003; policy = \"tun-in\"; src = \"::\"; dst = \"" HA "\"; peer = \"mn@example.com\"; " CRYPTO " },\n"
	"{ spi = 0x1004; policy = \"tun-out\"; src = \"" HA "\"; dst = \"::\"; peer = \"mn@example.com\"; " CRYPTO " } );\n";

/* Open a captured ESP frame with a side's keys into pb; the SPI used. */
static uint32_t open_frame(struct side *s, const struct frame *f)
{
	struct bits_result r;
	uint8_t *p;
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	assert_int_equal(pbuf_put(&pb, f->len, &p), 0);
	memcpy(p, f->pkt, f->len);
	assert_int_equal(bits_input(&s->b, &pb, false, 0, &r), 0);
	return r.sa->spi;
}

/* 3776-02: the mobile node registers from R1, then runs return
 * routability with the correspondent. On R1's link the Home Test Init
 * appears only as IPv6(CoA -> HA) | ESP | IPv6(HoA -> CN) | MH HoTI and the
 * Home Test only as IPv6(HA -> CoA) | ESP | IPv6(CN -> HoA) | MH HoT (the
 * frames are opened with the peers' keys), never in clear; the Care-of
 * Test Init and Care-of Test go directly and in clear; the exchange
 * completes. */
static void test_rr_through_protected_tunnel(void **s)
{
	(void)s;
	struct node_cfg c;
	struct side ha_keys, mn_keys;
	enum { L_HOME, L_BACKBONE, L_R1 };
	reset();
	home_agent(ha_rr_ipsec);
	memset(&c, 0, sizeof(c));
	c.name = "r1";
	iface(&c, "2001:db8:2::1", "2001:db8:2::", true);
	iface(&c, "2001:db8:ff::2", "2001:db8:ff::", false);
	tn_route(&c, "::", 0, 1);
	c.forwarding = true;
	add_node(&c, (const int[]){ L_R1, L_BACKBONE });
	memset(&c, 0, sizeof(c));
	c.name = "cn";
	iface(&c, CN, "2001:db8:ff::", false);
	tn_route(&c, "2001:db8:1::", 64, 0);
	tn_route(&c, "2001:db8:2::", 64, 0);
	c.is_cn = true;
	tu_addr(CN, c.cn.addr);
	c.cn.max_bindings = 16;
	int cn = add_node(&c, (const int[]){ L_BACKBONE });
	memset(&c, 0, sizeof(c));
	c.name = "mn";
	iface(&c, NULL, "::", false);
	c.ifaces[0].plen = 0;
	c.is_mn = true;
	tu_addr(HOA_A, c.mn.hoa);
	tu_addr("2001:db8:1::", c.mn.home_prefix);
	c.mn.home_plen = 64;
	tu_addr(HA, c.mn.ha);
	c.mn.iid[6] = 0x01;
	c.mn.lifetime_s = 3600;
	c.mn.route_optimisation = true;
	c.mn.n_cn = 1;
	tu_addr(CN, c.mn.cn[0]);
	c.seed = 5;
	tn_load_ipsec(&c, mn_rr_ipsec);
	int mn = add_node(&c, (const int[]){ L_R1 });    /* it boots away from home */
	side_load(&ha_keys, ha_rr_ipsec);
	side_load(&mn_keys, mn_rr_ipsec);
	run_until(10000 * MS);
	assert_true(mn_registered(node_mn(nodes[mn])));
	assert_true(ev_count[mn][M6_EV_RR_DONE] >= 1);
	assert_true(ev_count[cn][M6_EV_HOT_SENT] >= 1);

	uint8_t hoa[16], coa[16], ha_a[16], cn_a[16];
	tu_addr(HOA_A, hoa);
	tu_addr(COA_A, coa);
	tu_addr(HA, ha_a);
	tu_addr(CN, cn_a);
	unsigned hoti = 0, hot = 0, coti = 0, cot = 0;
	for (unsigned k = 0; k < ncap; k++) {
		const struct frame *f = &cap[k];
		struct ip6_walk w;
		if (f->link != L_R1 || ip6_walk(f->pkt, f->len, IP6W_HAO_KNOWN, &w))
			continue;
		if (w.proto == IP6P_MH) {
			uint8_t t = f->pkt[w.proto_off + 2];
			assert_true(t != MH_HOTI && t != MH_HOT);   /* never in clear */
			coti += t == MH_COTI;
			cot += t == MH_COT;
			continue;
		}
		if (w.proto != IP6P_ESP)
			continue;
		bool up = !memcmp(w.hdr.src, coa, 16) && !memcmp(w.hdr.dst, ha_a, 16);
		bool down = !memcmp(w.hdr.src, ha_a, 16) && !memcmp(w.hdr.dst, coa, 16);
		assert_true(up || down);
		uint32_t spi = open_frame(up ? &ha_keys : &mn_keys, f);
		struct ip6_walk in;
		assert_int_equal(ip6_walk(pbuf_data(&pb), pb.len, IP6W_HAO_KNOWN, &in), 0);
		if (in.proto != IP6P_IPV6)
			continue;                                   /* BU / BA */
		assert_int_equal(spi, up ? 0x1003 : 0x1004);
		const uint8_t *inner = pbuf_data(&pb) + in.proto_off;
		struct ip6_walk iw;
		assert_int_equal(ip6_walk(inner, pb.len - in.proto_off, IP6W_HAO_KNOWN, &iw), 0);
		if (iw.proto != IP6P_MH)
			continue;
		uint8_t t = inner[iw.proto_off + 2];
		if (t == MH_HOTI) {
			assert_true(up);
			assert_memory_equal(iw.hdr.src, hoa, 16);
			assert_memory_equal(iw.hdr.dst, cn_a, 16);
			hoti++;
		} else if (t == MH_HOT) {
			assert_true(down);
			assert_memory_equal(iw.hdr.src, cn_a, 16);
			assert_memory_equal(iw.hdr.dst, hoa, 16);
			hot++;
		}
	}
	assert_true(hoti >= 1);
	assert_true(hot >= 1);
	assert_true(coti >= 1);
	assert_true(cot >= 1);
	keyconf_free(&ha_keys.kc);
	keyconf_free(&mn_keys.kc);
	reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bu_for_a_over_b_sa_normalise),
		cmocka_unit_test(test_bu_for_a_over_b_sa_true_address),
		cmocka_unit_test(test_bu_formats_tunnel_and_transport),
		cmocka_unit_test(test_rh2_own_home_address_only),
		cmocka_unit_test(test_rr_through_protected_tunnel),
	};
	memset(attach, -1, sizeof(attach));
	return cmocka_run_group_tests_name("node_ipsec", tests, NULL, NULL);
}
