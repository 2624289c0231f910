/*
 * fuzz_node — libFuzzer harness for the sans-I/O node API
 * (src/core/node/node.h): a third driver after the simulator and the tests,
 * one that says things the other two never do.
 *
 * For every input three nodes are built afresh (node_new, their IPsec
 * tables from keyconf_load_string: about 0.5 ms with ASan, 0.9 ms with the
 * valid start below; the harness runs at 500-750 inputs/s), so no state
 * carries over from one input to the next: a home agent, a mobile node
 * with route optimisation towards the correspondent, and that
 * correspondent node.
 *
 *   link 0 "home"      HA if0 2001:db8:1::1/64 (sends RAs; home prefix)
 *   link 1 "backbone"  HA if1 2001:db8:4::2/64, CN if0 2001:db8:4::1/64
 *   link 2 "foreign"   the MN's if0 (by default; no static address)
 *   router R           emulated by the harness between "foreign" and
 *                      "backbone": RAs for 2001:db8:2::/64 from
 *                      2001:db8:2::1 every 3 s (the HA's too), forwards unicast
 *                      (hop limit - 1) to the foreign prefix onto
 *                      "foreign" and everything else off it
 *
 * The MN's home address is 2001:db8:1::100, its care-of address on the
 * foreign link 2001:db8:2::100. IPsec (manual keys, aes-cbc +
 * hmac-sha256-128): MN->HA BU SPI 0x1001 and HA->MN BA SPI 0x1002 with key
 * set A (000102..0f / 202122..3f, as tests/unit/test_node.c), and at the HA
 * a second mobile node's BU SPI 0x2001 (home address 2001:db8:1::200) with
 * key set B (505152..5f / 606162..7f); everything else bypasses. The CN has
 * no IPsec (return routability protects route optimisation).
 *
 * Links are hubs with no delay: whatever a node emits (node_output, drained
 * after every call) reaches every other interface attached to its link, in
 * FIFO order, within the same instant. Time only moves with TIME records.
 *
 * Input: one header octet, then records until the input ends.
 *   header  bit 0  valid start: before the records, run 3 s of normal
 *                  operation (R's RAs give the MN its care-of address, it
 *                  registers with the HA, runs return routability with the
 *                  CN and sends it a BU)
 *           bit 1  the MN starts on the home link instead of the foreign one
 *           bit 2  outputs are only checked, never passed between nodes
 *           bit 3  the true-address model for the HA's and the MN's IPsec
 *                  (selectors "any", SA addresses "::") instead of the
 *                  normalising one
 *   record  [1 octet: target | iface << 2 | action << 4 | fixup << 7]
 *           [2 octets: payload length, big endian] [payload]
 *           (a payload cut short by the end of the input is what is left)
 *     target  0 HA, 1 MN, 2 CN, 3 the wire: link (iface % 3) as if some
 *             station sent it (R forwards it as it would)
 *     iface   the interface index given to the node (0..3, unchecked)
 *     fixup   for packets built from payload octets: Payload Length, MH
 *             Header Len and the MH / ICMPv6 / UDP checksums are made
 *             right (also inside IPv6-in-IPv6) before delivery
 *     actions
 *       0 PKT     the payload is a packet: node_input(target, iface), or
 *                 sent on the wire
 *       1 TIME    advance the clock (payload: 3 octets = ms, 2 = ms, 1 =
 *                 10 ms units, none = 1 s), firing every timer that falls
 *                 due, R's RAs included, in order (past a budget of firings
 *                 the clock jumps and timers fire late)
 *       2 LINK    node_link(target, iface, toggled); target 3 switches R
 *                 (its RAs and forwarding) off or on
 *       3 APP     node_app_send() on target (3: the MN) of a packet from
 *                 the node's own (home) address: payload octet 0 bits 0-2
 *                 destination (address table below), bits 3-4 kind: ICMPv6
 *                 echo request, UDP, ICMPv6 of type octet 1, raw (the
 *                 payload from octet 1 on is the packet, its source set to
 *                 the node's address); then the data
 *       4 RA      a Router Advertisement built from the payload: octets 0-7
 *                 the prefix's first half, 8 prefix length, 9 Prefix
 *                 Information flags, 10-13 valid lifetime, 14 RA flags, 15
 *                 bits 0-2 source (address table; default R), bit 3 Hop
 *                 Limit 64 instead of 255, 16- extra options (missing
 *                 octets read as R's own RA); to target/iface, or on the
 *                 wire (link iface % 3)
 *       5 REPLAY  one of the last 16 packets the nodes emitted (octet 0:
 *                 which, newest first), octet 3 XOR-ed into octet at
 *                 (octets 1-2) modulo its length, delivered to
 *                 target/iface or put back on its own link (target 3)
 *       6 MOVE    target (3: the MN) interface iface: link down, attached
 *                 to link (octet 0 % 4: home, backbone, foreign, none),
 *                 link up (unless none)
 *       7 FORGE   a Mobility Header message: octet 0 bits 0-2 source, bits
 *                 3-5 destination (address table), bit 6 a HAO with the
 *                 MN's home address, bit 7 a type 2 Routing header with
 *                 it; octet 1 MH type; octet 2 bits 0-1 sealed with ESP by
 *                 a peer holding the keys (0 no, 1 MN->HA SPI 0x1001, 2
 *                 HA->MN SPI 0x1002, 3 the second MN's SPI 0x2001), bit 2
 *                 IPv6-in-IPv6 with the outer source / destination from
 *                 octet 3 bits 0-2 / 3-5; octets 4- the message data after
 *                 the 6-octet MH header (padded to 8, checksum computed);
 *                 to target/iface or on the wire
 *   address table: 0 HA 2001:db8:1::1, 1 MN home 2001:db8:1::100, 2 MN
 *   care-of 2001:db8:2::100, 3 CN 2001:db8:4::1, 4 R 2001:db8:2::1, 5 the
 *   second MN's home address 2001:db8:1::200, 6 HA backbone 2001:db8:4::2,
 *   7 ff02::1.
 * With FUZZ_NODE_VERBOSE set in the environment every record, event and
 * emitted packet is printed (to see what a seed reaches).
 *
 * Besides what the sanitizers catch (leaks included), it aborts when:
 *  - node_output() gives a packet longer than NODE_PKT_MAX, shorter than an
 *    IPv6 header, for an interface the node does not have, or one that
 *    ip6_walk() refuses as truncated (M6_E_TRUNC, M6_E_EXT_TRUNC,
 *    M6_E_IP6_PLEN): every packet a node emits must at least walk (except
 *    what an APP record's raw packet that does not walk itself turns into:
 *    node_app_send() does not check the application's packets, so a node
 *    passes on a bad Payload Length it was given);
 *  - the MN or the HA emits a Binding Update / Binding Acknowledgement
 *    between the MN's home address and the HA whose outermost protocol is
 *    the Mobility Header (in clear: RFC 3776 requires ESP for both); a
 *    packet the HA forwards (the one it is being given, one hop less) is
 *    not its own BA, even with the HA's address as its source;
 *  - a node's timer is still due after 200 node_on_timer() calls at one
 *    instant (a driver would spin).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyconf.h"
#include "ipsec/bits.h"
#include "ipsec/sad.h"
#include "node/node.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "pkt/pbuf.h"
#include "util/m6_bytes.h"

static void violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_node: invariant violated at line %d: %s\n", line, what);
	abort();
}
#define CHECK(c) do { if (!(c)) violated(#c, __LINE__); } while (0)

#define MS 1000000ull
#define SEC 1000000000ull

enum { HA_N, MN_N, CN_N, N_NODES };
enum { L_HOME, L_BACKBONE, L_FOREIGN, N_LINKS };
enum { A_PKT, A_TIME, A_LINK, A_APP, A_RA, A_REPLAY, A_MOVE, A_FORGE };

#define VALID_START_NS (3 * SEC)
#define MAX_RECORDS 128
#define MAX_DELIVERIES 1000      /* frames handed to nodes per input */
#define MAX_FIRINGS 300          /* timer firings per input, then the clock jumps */
#define RA_INTERVAL (3 * SEC)    /* R's and the HA's */
#define SPIN_MAX 200             /* node_on_timer() calls at one instant, per node */
#define QLEN 64
#define RING 16
#define R_NODE (-1)

/* ---- configuration ------------------------------------------------------ */

#define KA "enc = \"aes-cbc\"; enc_key = \"000102030405060708090a0b0c0d0e0f\"; auth = \"hmac-sha256-128\"; " \
	   "auth_key = \"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\";"
#define KB "enc = \"aes-cbc\"; enc_key = \"505152535455565758595a5b5c5d5e5f\"; auth = \"hmac-sha256-128\"; " \
	   "auth_key = \"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f\";"
#define REST "{ name = \"rest-out\"; dir = \"out\"; order = 9000; action = \"bypass\"; }," \
	     "{ name = \"rest-in\"; dir = \"in\"; order = 9000; action = \"bypass\"; }"

static const char mn_normalise[] =
	"node = { model = \"normalise\"; };"
	"spd = ( { name = \"bu\"; dir = \"out\"; order = 10; local = \"2001:db8:1::100\"; remote = \"2001:db8:1::1\";"
	"          proto = \"mh\"; mh_type = \"bu\"; },"
	"        { name = \"ba\"; dir = \"in\"; order = 10; local = \"2001:db8:1::100\"; remote = \"2001:db8:1::1\";"
	"          proto = \"mh\"; mh_type = \"ba\"; }, " REST " );"
	"sa = ( { spi = 0x1001; policy = \"bu\"; src = \"2001:db8:1::100\"; dst = \"2001:db8:1::1\"; " KA " },"
	"       { spi = 0x1002; policy = \"ba\"; src = \"2001:db8:1::1\"; dst = \"2001:db8:1::100\"; " KA " } );";
static const char ha_normalise[] =
	"node = { model = \"normalise\"; };"
	"pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"2001:db8:1::100\" ]; },"
	"        { id = \"mn-b@example.com\"; home_addresses = [ \"2001:db8:1::200\" ]; } );"
	"spd = ( { name = \"bu-a\"; dir = \"in\"; order = 10; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::100\";"
	"          proto = \"mh\"; mh_type = \"bu\"; },"
	"        { name = \"ba-a\"; dir = \"out\"; order = 10; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::100\";"
	"          proto = \"mh\"; mh_type = \"ba\"; },"
	"        { name = \"bu-b\"; dir = \"in\"; order = 20; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::200\";"
	"          proto = \"mh\"; mh_type = \"bu\"; }, " REST " );"
	"sa = ( { spi = 0x1001; policy = \"bu-a\"; src = \"2001:db8:1::100\"; dst = \"2001:db8:1::1\"; peer = \"mn-a@example.com\"; " KA " },"
	"       { spi = 0x1002; policy = \"ba-a\"; src = \"2001:db8:1::1\"; dst = \"2001:db8:1::100\"; peer = \"mn-a@example.com\"; " KA " },"
	"       { spi = 0x2001; policy = \"bu-b\"; src = \"2001:db8:1::200\"; dst = \"2001:db8:1::1\"; peer = \"mn-b@example.com\"; " KB " } );";
/* the true-address model, as tests/sim/true_address_manual.scn */
static const char mn_true[] =
	"node = { model = \"true-address\"; };"
	"spd = ( { name = \"bu\"; dir = \"out\"; order = 10; local = \"any\"; remote = \"2001:db8:1::1\";"
	"          proto = \"mh\"; mh_type = \"bu\"; },"
	"        { name = \"ba\"; dir = \"in\"; order = 10; local = \"any\"; remote = \"2001:db8:1::1\";"
	"          proto = \"mh\"; mh_type = \"ba\"; }, " REST " );"
	"sa = ( { spi = 0x1001; policy = \"bu\"; src = \"::\"; dst = \"2001:db8:1::1\"; " KA " },"
	"       { spi = 0x1002; policy = \"ba\"; src = \"2001:db8:1::1\"; dst = \"::\"; " KA " } );";
static const char ha_true[] =
	"node = { model = \"true-address\"; };"
	"pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"2001:db8:1::100\" ]; },"
	"        { id = \"mn-b@example.com\"; home_addresses = [ \"2001:db8:1::200\" ]; } );"
	"spd = ( { name = \"bu-a\"; dir = \"in\"; order = 10; local = \"2001:db8:1::1\"; remote = \"any\";"
	"          proto = \"mh\"; mh_type = \"bu\"; },"
	"        { name = \"ba-a\"; dir = \"out\"; order = 10; local = \"2001:db8:1::1\"; remote = \"any\";"
	"          proto = \"mh\"; mh_type = \"ba\"; },"
	"        { name = \"bu-b\"; dir = \"in\"; order = 20; local = \"2001:db8:1::1\"; remote = \"any\";"
	"          proto = \"mh\"; mh_type = \"bu\"; }, " REST " );"
	"sa = ( { spi = 0x1001; policy = \"bu-a\"; src = \"::\"; dst = \"2001:db8:1::1\"; peer = \"mn-a@example.com\"; " KA " },"
	"       { spi = 0x1002; policy = \"ba-a\"; src = \"2001:db8:1::1\"; dst = \"::\"; peer = \"mn-a@example.com\"; " KA " },"
	"       { spi = 0x2001; policy = \"bu-b\"; src = \"::\"; dst = \"2001:db8:1::1\"; peer = \"mn-b@example.com\"; " KB " } );";

/* Peers that seal FORGE packets: protect everything with one outbound SA. */
#define SENDER(spi, keys) \
	"node = { model = \"true-address\"; };" \
	"spd = ( { name = \"all\"; dir = \"out\"; order = 10; } );" \
	"sa = ( { spi = " spi "; policy = \"all\"; src = \"::\"; dst = \"::\"; " keys " } );"
static const char *const sender_cfg[3] = { SENDER("0x1001", KA), SENDER("0x1002", KA), SENDER("0x2001", KB) };

struct sender {
	struct keyconf kc;
	struct bits b;
	struct ipsec_sa *sa;
	struct ipsec_sa snap;
};
static struct sender senders[3];

static uint8_t a_ha[16], a_hoa[16], a_coa[16], a_cn[16], a_r[16], a_hoa_b[16], a_ha_bb[16], a_all[16];
static uint8_t p_home[16], p_backbone[16], p_foreign[16];
static const uint8_t *addr_tab[8];
static bool verbose;

static void parse(const char *s, uint8_t a[16])
{
	if (ip6_addr_parse(s, a))
		abort();
}

static void load(const char *text, struct keyconf *kc)
{
	char err[256];
	if (keyconf_load_string(text, kc, err, sizeof(err))) {
		fprintf(stderr, "fuzz_node: config: %s\n%s\n", err, text);
		abort();
	}
}

static void setup(void)
{
	verbose = getenv("FUZZ_NODE_VERBOSE") != NULL;
	parse("2001:db8:1::1", a_ha);
	parse("2001:db8:1::100", a_hoa);
	parse("2001:db8:2::100", a_coa);
	parse("2001:db8:4::1", a_cn);
	parse("2001:db8:2::1", a_r);
	parse("2001:db8:1::200", a_hoa_b);
	parse("2001:db8:4::2", a_ha_bb);
	parse("ff02::1", a_all);
	parse("2001:db8:1::", p_home);
	parse("2001:db8:4::", p_backbone);
	parse("2001:db8:2::", p_foreign);
	const uint8_t *t[8] = { a_ha, a_hoa, a_coa, a_cn, a_r, a_hoa_b, a_ha_bb, a_all };
	memcpy(addr_tab, t, sizeof(t));
	for (int i = 0; i < 3; i++) {
		struct sender *s = &senders[i];
		load(sender_cfg[i], &s->kc);
		bits_init(&s->b, &s->kc.bits, s->kc.spd, s->kc.sad, s->kc.pad);
		for (size_t k = 0; k < sad_capacity(s->kc.sad); k++)
			if (sad_slot(s->kc.sad, k))
				s->sa = sad_slot(s->kc.sad, k);
		if (!s->sa)
			abort();
		s->snap = *s->sa;
	}
}

/* ---- the world ---------------------------------------------------------- */

struct frame {
	int link;
	int from;                  /* node, or R_NODE */
	unsigned from_if;
	size_t len;
	uint8_t pkt[NODE_PKT_MAX];
};

struct emitted {
	int node;
	int link;
	size_t len;
	uint8_t pkt[NODE_PKT_MAX];
};

static struct node *nodes[N_NODES];
static const char *const node_names[N_NODES] = { "ha", "mn", "cn" };
static const unsigned n_ifaces[N_NODES] = { 2, 1, 1 };
static int attach[N_NODES][NODE_IF_MAX];       /* link of each interface, -1 = none */
static bool up[N_NODES][NODE_IF_MAX];
static uint64_t now;
static bool r_on, isolate;
static uint64_t r_next_ra;
static struct frame q[QLEN];
static unsigned q_head, q_n;
static unsigned deliveries, firings;
static struct emitted ring[RING];
static unsigned ring_next, ring_n;
static uint64_t spin_at[N_NODES];
static unsigned spin[N_NODES];
static unsigned ev_count[M6_EV_TYPE_COUNT];
/* node_app_send() of a raw packet that does not walk itself: what the node
 * passes on of it need not walk either (see the header comment) */
static bool app_malformed;
static int app_node;

static void on_event(void *ctx, const struct m6_event *ev)
{
	(void)ctx;
	CHECK(ev->type > M6_EV_NONE && ev->type < M6_EV_TYPE_COUNT);
	ev_count[ev->type]++;
	if (verbose)
		fprintf(stderr, "%10.6f %-3s %-16s code=%d u32=%u %s\n", (double)ev->time / 1e9, ev->node,
			m6_ev_name(ev->type), ev->code, ev->u32, ev->text);
}

static void on_deliver(void *ctx, struct node *n, const uint8_t *pkt, size_t len, uint64_t t)
{
	(void)ctx;
	(void)n;
	(void)t;
	CHECK(len >= IP6_HDR_LEN && len <= NODE_PKT_MAX);
	(void)pkt;
}

static unsigned km_acquire, km_expire, km_moves;
static void km_acq(void *ctx, struct node *n, uint32_t spd_id, const struct ipsec_flow *flow)
{
	(void)ctx; (void)n; (void)spd_id; (void)flow;
	km_acquire++;
}
static void km_exp(void *ctx, struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard)
{
	(void)ctx; (void)n; (void)spi; (void)inbound; (void)hard;
	CHECK(proto == IP6P_ESP || proto == IP6P_AH);
	km_expire++;
}
static void km_addr(void *ctx, struct node *n, const uint8_t *old, const uint8_t new_coa[16])
{
	static const uint8_t zero[16];
	(void)ctx; (void)n;
	CHECK(memcmp(new_coa, zero, 16) != 0);
	CHECK(!old || memcmp(old, new_coa, 16) != 0);
	km_moves++;
}

static void take_tables(struct node_cfg *c, const char *text)
{
	struct keyconf kc;
	load(text, &kc);
	c->bits = kc.bits;
	c->spd = kc.spd;
	c->sad = kc.sad;
	c->pad = kc.pad;
	kc.spd = NULL;
	kc.sad = NULL;
	kc.pad = NULL;
	keyconf_free(&kc);          /* wipes the keys it kept */
}

static void iface(struct node_cfg *c, const uint8_t *addr, const uint8_t *prefix, bool adv)
{
	struct node_iface_cfg *i = &c->ifaces[c->n_ifaces++];
	if (addr) {
		i->has_addr = true;
		memcpy(i->addr, addr, 16);
	}
	if (prefix) {
		memcpy(i->prefix, prefix, 16);
		i->plen = 64;
	}
	i->advertise = adv;
}

static void default_route(struct node_cfg *c, unsigned ifx)
{
	struct node_route *r = &c->routes[c->n_routes++];
	memset(r, 0, sizeof(*r));
	r->plen = 0;
	r->ifindex = ifx;
}

static void build(bool true_address, bool mn_home)
{
	struct node_cfg c;
	char err[256];
	struct node_km km = { .acquire = km_acq, .expire = km_exp, .address_change = km_addr };

	memset(&c, 0, sizeof(c));
	c.name = node_names[HA_N];
	iface(&c, a_ha, p_home, true);
	c.ifaces[0].ra_interval_ms = (uint32_t)(RA_INTERVAL / MS);
	iface(&c, a_ha_bb, p_backbone, false);
	default_route(&c, 1);
	c.forwarding = true;
	c.is_ha = true;
	memcpy(c.ha.addr, a_ha, 16);
	memcpy(c.ha.prefix, p_home, 16);
	c.ha.plen = 64;
	c.ha.max_bindings = 16;
	c.ha.dad_timeout_ms = 1000;
	c.ha.max_lifetime_s = 3600;
	c.ha.mac[0] = 0x02;
	c.ha.mac[5] = 0x01;
	c.seed = 1;
	take_tables(&c, true_address ? ha_true : ha_normalise);
	if (!(nodes[HA_N] = node_new(&c, 0, err, sizeof(err))))
		goto fail;

	memset(&c, 0, sizeof(c));
	c.name = node_names[MN_N];
	iface(&c, NULL, NULL, false);
	c.is_mn = true;
	memcpy(c.mn.hoa, a_hoa, 16);
	memcpy(c.mn.home_prefix, p_home, 16);
	c.mn.home_plen = 64;
	memcpy(c.mn.ha, a_ha, 16);
	c.mn.iid[6] = 0x01;             /* ::100, so the care-of address is 2001:db8:2::100 */
	c.mn.lifetime_s = 3600;
	c.mn.route_optimisation = true;
	c.mn.n_cn = 1;
	memcpy(c.mn.cn[0], a_cn, 16);
	c.seed = 7;
	take_tables(&c, true_address ? mn_true : mn_normalise);
	if (!(nodes[MN_N] = node_new(&c, 0, err, sizeof(err))))
		goto fail;
	node_set_km(nodes[MN_N], &km);

	memset(&c, 0, sizeof(c));
	c.name = node_names[CN_N];
	iface(&c, a_cn, p_backbone, false);
	default_route(&c, 0);
	c.is_cn = true;
	memcpy(c.cn.addr, a_cn, 16);
	c.cn.max_bindings = 16;
	c.seed = 3;
	if (!(nodes[CN_N] = node_new(&c, 0, err, sizeof(err))))
		goto fail;

	for (int i = 0; i < N_NODES; i++) {
		node_set_event_cb(nodes[i], on_event, NULL);
		node_set_deliver_cb(nodes[i], on_deliver, NULL);
		for (unsigned k = 0; k < NODE_IF_MAX; k++) {
			attach[i][k] = -1;
			up[i][k] = k < n_ifaces[i];
		}
	}
	attach[HA_N][0] = L_HOME;
	attach[HA_N][1] = L_BACKBONE;
	attach[CN_N][0] = L_BACKBONE;
	attach[MN_N][0] = mn_home ? L_HOME : L_FOREIGN;
	return;
fail:
	fprintf(stderr, "fuzz_node: node_new: %s\n", err);
	abort();
}

/* ---- invariants on what nodes emit ---------------------------------------- */

/* The packet the HA is being given (node_input), to tell what it forwards
 * from what it says itself. */
static uint8_t ha_in[NODE_PKT_MAX];
static size_t ha_in_len;

/* The HA forwarding the packet it was given (one hop less): not its own. */
static bool ha_transit(const struct node_out *o)
{
	return ha_in_len && o->len == ha_in_len && !memcmp(o->pkt, ha_in, 7) &&
	       !memcmp(o->pkt + 8, ha_in + 8, o->len - 8);
}

static bool is_mn_ha_pair(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, a_hoa, 16) && !memcmp(b, a_ha, 16);
}

static void check_emitted(int i, const struct node_out *o)
{
	CHECK(o->len >= IP6_HDR_LEN);
	CHECK(o->len <= NODE_PKT_MAX);
	CHECK(o->ifindex < n_ifaces[i]);
	struct ip6_walk w;
	int rc = ip6_walk(o->pkt, o->len, IP6W_HAO_KNOWN, &w);
	if ((rc == M6_E_TRUNC || rc == M6_E_EXT_TRUNC || rc == M6_E_IP6_PLEN) && !(app_malformed && i == app_node)) {
		fprintf(stderr, "fuzz_node: %s emitted a packet that does not walk: %s\n", node_names[i], m6_errid(rc));
		CHECK(!"every emitted packet walks");
	}
	/* RFC 3776: BU and BA between the MN and its HA never go in clear */
	if (!rc && w.proto == IP6P_MH && w.end - w.proto_off >= 3 && (i == MN_N || i == HA_N)) {
		uint8_t type = o->pkt[w.proto_off + 2], src[16], dst[16];
		ip6_walk_pseudo(&w, o->pkt, src, dst);
		if (i == MN_N && type == MH_BU)
			CHECK(!is_mn_ha_pair(src, dst));
		if (i == HA_N && type == MH_BA && !ha_transit(o))
			CHECK(!is_mn_ha_pair(dst, src));
	}
}

/* ---- links ------------------------------------------------------------------ */

static void transmit(int link, int from, unsigned from_if, const uint8_t *pkt, size_t len)
{
	if (link < 0 || link >= N_LINKS || len > NODE_PKT_MAX)
		return;
	if (q_n == QLEN)
		return;                  /* a congested link drops */
	struct frame *f = &q[(q_head + q_n++) % QLEN];
	f->link = link;
	f->from = from;
	f->from_if = from_if;
	f->len = len;
	memcpy(f->pkt, pkt, len);
}

static void drain(int i)
{
	static struct node_out o;
	while (node_output(nodes[i], &o, now)) {
		check_emitted(i, &o);
		if (verbose) {
			struct ip6_walk w;
			int rc = ip6_walk(o.pkt, o.len, IP6W_HAO_KNOWN, &w);
			char s[46], d[46];
			ip6_addr_format(o.pkt + 8, s);
			ip6_addr_format(o.pkt + 24, d);
			fprintf(stderr, "%10.6f %-3s   -> if%u %zu octets %s -> %s proto %d%s%s\n", (double)now / 1e9,
				node_names[i], o.ifindex, o.len, s, d, rc ? -1 : w.proto, rc ? " " : "",
				rc ? m6_errid(rc) : "");
		}
		int link = o.ifindex < NODE_IF_MAX && up[i][o.ifindex] ? attach[i][o.ifindex] : -1;
		struct emitted *e = &ring[ring_next];
		ring_next = (ring_next + 1) % RING;
		if (ring_n < RING)
			ring_n++;
		e->node = i;
		e->link = link;
		e->len = o.len;
		memcpy(e->pkt, o.pkt, o.len);
		if (!isolate)
			transmit(link, i, o.ifindex, o.pkt, o.len);
	}
}

static void deliver(int i, unsigned ifx, const uint8_t *pkt, size_t len)
{
	if (deliveries >= MAX_DELIVERIES)
		return;
	deliveries++;
	if (i == HA_N && len <= sizeof(ha_in)) {
		memcpy(ha_in, pkt, len);
		ha_in_len = len;
	}
	node_input(nodes[i], ifx, pkt, len, now);
	drain(i);
	ha_in_len = 0;
}

/* R: the foreign link's router. */
static void router_forward(const struct frame *f)
{
	if (!r_on || f->len < IP6_HDR_LEN || f->from == R_NODE || (f->pkt[0] >> 4) != 6)
		return;
	const uint8_t *dst = f->pkt + 24;
	if (dst[0] == 0xff || f->pkt[7] <= 1)
		return;
	bool to_foreign = ip6_prefix_match(dst, p_foreign, 64);
	int out;
	if (f->link == L_BACKBONE && to_foreign)
		out = L_FOREIGN;
	else if (f->link == L_FOREIGN && !to_foreign)
		out = L_BACKBONE;
	else
		return;
	static uint8_t copy[NODE_PKT_MAX];
	memcpy(copy, f->pkt, f->len);
	copy[7]--;
	transmit(out, R_NODE, 0, copy, f->len);
}

static void run_queue(void)
{
	static struct frame f;
	while (q_n) {
		f = q[q_head];
		q_head = (q_head + 1) % QLEN;
		q_n--;
		if (deliveries >= MAX_DELIVERIES)
			continue;
		for (int i = 0; i < N_NODES; i++)
			for (unsigned k = 0; k < n_ifaces[i]; k++)
				if (attach[i][k] == f.link && up[i][k] && !(i == f.from && k == f.from_if))
					deliver(i, k, f.pkt, f.len);
		router_forward(&f);
	}
}

/* ---- packets the harness builds ------------------------------------------- */

static uint8_t at(const uint8_t *d, size_t n, size_t i, uint8_t dflt) { return i < n ? d[i] : dflt; }

/* Make lengths and checksums right (depth: IPv6-in-IPv6 nesting). */
static void fixup(uint8_t *p, size_t len, int depth)
{
	struct ip6_walk w;
	if (len < IP6_HDR_LEN || depth > 2)
		return;
	m6_put16(p + 4, (uint16_t)(len - IP6_HDR_LEN > 0xffff ? 0xffff : len - IP6_HDR_LEN));
	if (ip6_walk(p, len, IP6W_HAO_KNOWN, &w))
		return;
	uint8_t src[16], dst[16], *u = p + w.proto_off;
	size_t ul = w.end - w.proto_off;
	ip6_walk_pseudo(&w, p, src, dst);
	switch (w.proto) {
	case IP6P_MH:
		if (ul >= 8 && ul % 8 == 0 && ul / 8 - 1 <= 255)
			u[1] = (uint8_t)(ul / 8 - 1);
		if (ul >= 6)
			mh_set_checksum(u, ul, src, dst);
		break;
	case IP6P_ICMPV6:
		if (ul >= 4) {
			m6_put16(u + 2, 0);
			m6_put16(u + 2, m6_csum_ip6(src, dst, IP6P_ICMPV6, u, ul));
		}
		break;
	case IP6P_UDP:
		if (ul >= 8 && ul <= 0xffff) {
			m6_put16(u + 4, (uint16_t)ul);
			m6_put16(u + 6, 0);
			uint16_t c = m6_csum_ip6(src, dst, IP6P_UDP, u, ul);
			m6_put16(u + 6, c ? c : 0xffff);
		}
		break;
	case IP6P_IPV6:
		fixup(u, ul, depth + 1);
		break;
	default:
		break;
	}
}

static size_t ip6_build(uint8_t *out, const uint8_t src[16], const uint8_t dst[16], uint8_t nh, uint8_t hlim,
			const uint8_t *ul, size_t ulen)
{
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.nh = nh;
	h.hlim = hlim;
	h.plen = (uint16_t)ulen;
	ip6_hdr_write(out, &h);
	if (ul && ulen)
		memmove(out + IP6_HDR_LEN, ul, ulen);
	return IP6_HDR_LEN + ulen;
}

/* A Router Advertisement as node.c's send_ra() writes it, fields from d. */
static size_t build_ra(const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	uint8_t ra[16 + 32 + 512];
	memset(ra, 0, sizeof(ra));
	ra[0] = 134;
	ra[4] = 64;
	ra[5] = at(d, n, 14, 0);
	m6_put16(ra + 6, 1800);
	uint8_t *pi = ra + 16;
	pi[0] = 3;
	pi[1] = 4;
	pi[2] = at(d, n, 8, 64);
	pi[3] = at(d, n, 9, 0xc0);
	uint32_t valid = n > 10 ? (uint32_t)at(d, n, 10, 0) << 24 | (uint32_t)at(d, n, 11, 0) << 16 |
				   (uint32_t)at(d, n, 12, 0) << 8 | at(d, n, 13, 0) : 86400;
	m6_put32(pi + 4, valid);
	m6_put32(pi + 8, valid);
	memcpy(pi + 16, p_foreign, 16);
	for (size_t i = 0; i < 8 && i < n; i++)
		pi[16 + i] = d[i];
	size_t extra = n > 16 ? n - 16 : 0;
	if (extra > 512)
		extra = 512;
	if (extra)
		memcpy(ra + 48, d + 16, extra);
	uint8_t s = at(d, n, 15, 4);
	const uint8_t *src = addr_tab[s & 7];
	uint8_t hlim = (s & 8) ? 64 : 255;
	size_t ulen = 48 + extra;
	if (IP6_HDR_LEN + ulen > cap)
		return 0;
	size_t len = ip6_build(out, src, a_all, IP6P_ICMPV6, hlim, ra, ulen);
	m6_put16(out + IP6_HDR_LEN + 2, m6_csum_ip6(src, a_all, IP6P_ICMPV6, out + IP6_HDR_LEN, ulen));
	return len;
}

static void router_ra(void)
{
	static uint8_t pkt[128];
	size_t len = build_ra(NULL, 0, pkt, sizeof(pkt));
	transmit(L_FOREIGN, R_NODE, 0, pkt, len);
	run_queue();
}

/* Application packet from node i's own address. */
static size_t build_app(int i, const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	const uint8_t *src = i == MN_N ? a_hoa : i == HA_N ? a_ha : a_cn;
	uint8_t b0 = at(d, n, 0, 0);
	const uint8_t *dst = addr_tab[b0 & 7];
	const uint8_t *data = n > 1 ? d + 1 : NULL;
	size_t dn = n > 1 ? n - 1 : 0;
	uint8_t ul[NODE_PKT_MAX];
	size_t ulen = 0;
	uint8_t nh;
	if (dn > NODE_PKT_MAX - 64)
		dn = NODE_PKT_MAX - 64;
	switch ((b0 >> 3) & 3) {
	case 0:                  /* echo request */
		memset(ul, 0, 8);
		ul[0] = 128;
		if (dn)
			memcpy(ul + 8, data, dn);
		ulen = 8 + dn;
		nh = IP6P_ICMPV6;
		break;
	case 1:                  /* UDP */
		m6_put16(ul, 40000);
		m6_put16(ul + 2, 9000);
		m6_put16(ul + 4, 0);
		m6_put16(ul + 6, 0);
		if (dn)
			memcpy(ul + 8, data, dn);
		ulen = 8 + dn;
		nh = IP6P_UDP;
		break;
	case 2:                  /* ICMPv6 of any type */
		memset(ul, 0, 4);
		ul[0] = at(d, n, 1, 1);
		if (dn > 1)
			memcpy(ul + 4, data + 1, dn - 1);
		ulen = 4 + (dn > 1 ? dn - 1 : 0);
		nh = IP6P_ICMPV6;
		break;
	default:                 /* raw: the node's source over whatever follows */
		if (dn < IP6_HDR_LEN || dn > cap)
			return 0;
		memcpy(out, data, dn);
		memcpy(out + 8, src, 16);
		return dn;
	}
	size_t len = ip6_build(out, src, dst, nh, 64, ul, ulen);
	fixup(out, len, 0);
	return len;
}

/* A Mobility Header message, optionally with HAO / RH2, tunnelled, sealed. */
static size_t build_forge(const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	static uint8_t mem[NODE_PKT_MAX + 1024];
	uint8_t b0 = at(d, n, 0, 0), b2 = at(d, n, 2, 0), b3 = at(d, n, 3, 0);
	const uint8_t *src = addr_tab[b0 & 7], *dst = addr_tab[(b0 >> 3) & 7];
	const uint8_t *data = n > 4 ? d + 4 : NULL;
	size_t dn = n > 4 ? n - 4 : 0;
	if (dn > 2000)
		dn = 2000;
	size_t ul = 6 + dn < 8 ? 8 : (6 + dn + 7) & ~(size_t)7;
	struct pbuf pb;
	uint8_t *p;
	if (pbuf_init(&pb, mem, sizeof(mem), 256) || pbuf_put(&pb, IP6_HDR_LEN + ul, &p))
		abort();
	memset(p, 0, IP6_HDR_LEN + ul);
	uint8_t *mh = p + IP6_HDR_LEN;
	mh[0] = IP6P_NONE;
	mh[1] = (uint8_t)(ul / 8 - 1);
	mh[2] = at(d, n, 1, MH_BU);
	if (dn)
		memcpy(mh + 6, data, dn);
	ip6_build(p, src, dst, IP6P_MH, 64, NULL, ul);
	if ((b0 & 0x80) && ip6_insert_rh2(&pb, a_hoa))
		return 0;
	if ((b0 & 0x40) && ip6_insert_hao(&pb, a_hoa))
		return 0;
	fixup(pbuf_data(&pb), pb.len, 0);
	if (b2 & 4) {
		if (pbuf_push(&pb, IP6_HDR_LEN, &p))
			return 0;
		ip6_build(p, addr_tab[b3 & 7], addr_tab[(b3 >> 3) & 7], IP6P_IPV6, 64, NULL, pb.len - IP6_HDR_LEN);
	}
	if (b2 & 3) {
		struct sender *s = &senders[(b2 & 3) - 1];
		if (bits_output(&s->b, &pb, false, now, NULL))
			return 0;
		struct bits_event ev;
		while (bits_next_event(&s->b, &ev))
			;
	}
	if (pb.len > cap)
		return 0;
	memcpy(out, pbuf_data(&pb), pb.len);
	return pb.len;
}

/* ---- time --------------------------------------------------------------- */

static void advance(uint64_t delta)
{
	uint64_t target = now + delta < now ? UINT64_MAX - 1 : now + delta;
	while (firings < MAX_FIRINGS) {
		uint64_t t = r_on ? r_next_ra : UINT64_MAX, e[N_NODES];
		for (int i = 0; i < N_NODES; i++) {
			e[i] = node_next_expiry(nodes[i]);
			if (e[i] < t)
				t = e[i];
		}
		if (t > target)
			break;
		if (t > now)
			now = t;
		firings++;
		if (r_on && r_next_ra <= now) {
			r_next_ra = now + RA_INTERVAL;
			router_ra();
		}
		for (int i = 0; i < N_NODES; i++) {
			/* a packet delivered since may have made another node due: next round */
			if (e[i] > now)
				continue;
			spin[i] = spin_at[i] == now ? spin[i] + 1 : 1;
			spin_at[i] = now;
			if (spin[i] > SPIN_MAX) {
				fprintf(stderr, "fuzz_node: %s: timer still due after %u node_on_timer() calls at %llu ns\n",
					node_names[i], spin[i], (unsigned long long)now);
				CHECK(!"a node's timer stays due");
			}
			node_on_timer(nodes[i], now);
			drain(i);
			run_queue();
		}
	}
	now = target;
}

/* ---- records ---------------------------------------------------------------- */

static void to_target(unsigned target, unsigned ifx, const uint8_t *pkt, size_t len, int own_link)
{
	if (!len)
		return;
	if (target < N_NODES) {
		deliver((int)target, ifx, pkt, len);
	} else {
		int link = own_link >= 0 ? own_link : (int)(ifx % N_LINKS);
		transmit(link, R_NODE, 0, pkt, len);
	}
	run_queue();
}

static void move(int i, unsigned ifx, int link)
{
	if (ifx >= n_ifaces[i])
		return;
	node_link(nodes[i], ifx, false, now);
	up[i][ifx] = false;
	drain(i);
	attach[i][ifx] = link;
	if (link >= 0) {
		node_link(nodes[i], ifx, true, now);
		up[i][ifx] = true;
		drain(i);
	}
	run_queue();
}

static void record(uint8_t h, const uint8_t *d, size_t n)
{
	static uint8_t pkt[NODE_PKT_MAX + 1024];
	unsigned target = h & 3, ifx = (h >> 2) & 3, action = (h >> 4) & 7;
	bool fix = h & 0x80;
	size_t len;
	if (verbose)
		fprintf(stderr, "%10.6f record target %u iface %u action %u%s, %zu octets\n", (double)now / 1e9, target,
			ifx, action, fix ? " fixup" : "", n);
	switch (action) {
	case A_PKT:
		if (n > sizeof(pkt))
			n = sizeof(pkt);   /* past NODE_PKT_MAX: node_input() refuses it */
		memcpy(pkt, d, n);
		if (fix)
			fixup(pkt, n, 0);
		to_target(target, ifx, pkt, n, -1);
		break;
	case A_TIME: {
		uint64_t ms = n >= 3 ? (uint64_t)d[0] << 16 | (uint64_t)d[1] << 8 | d[2]
			      : n == 2 ? (uint64_t)d[0] << 8 | d[1] : n == 1 ? (uint64_t)d[0] * 10 : 1000;
		advance(ms * MS);
		break;
	}
	case A_LINK:
		if (target == 3) {
			r_on = !r_on;
			if (r_on && r_next_ra < now)
				r_next_ra = now;
		} else if (ifx < n_ifaces[target]) {
			up[target][ifx] = !up[target][ifx];
			node_link(nodes[target], ifx, up[target][ifx], now);
			drain((int)target);
			run_queue();
		} else {
			node_link(nodes[target], ifx, true, now);     /* no such interface: ignored */
			drain((int)target);
		}
		break;
	case A_APP: {
		int i = target == 3 ? MN_N : (int)target;
		len = build_app(i, d, n, pkt, NODE_PKT_MAX);
		if (len) {
			struct ip6_walk w;
			app_malformed = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w) != 0;
			app_node = i;
			node_app_send(nodes[i], pkt, len, now);
			drain(i);
			app_malformed = false;
			run_queue();
		}
		break;
	}
	case A_RA:
		len = build_ra(d, n, pkt, NODE_PKT_MAX);
		if (target == 3)
			to_target(3, 0, pkt, len, (int)(ifx % N_LINKS));
		else
			to_target(target, ifx, pkt, len, -1);
		break;
	case A_REPLAY: {
		if (!ring_n)
			break;
		const struct emitted *e = &ring[(ring_next + RING - 1 - at(d, n, 0, 0) % ring_n) % RING];
		len = e->len;
		int link = e->link;
		memcpy(pkt, e->pkt, len);
		uint8_t x = at(d, n, 3, 0);
		if (x && len)
			pkt[((size_t)at(d, n, 1, 0) << 8 | at(d, n, 2, 0)) % len] ^= x;
		if (fix)
			fixup(pkt, len, 0);
		if (target == 3 && link < 0)
			link = (int)(ifx % N_LINKS);
		to_target(target, ifx, pkt, len, link);
		break;
	}
	case A_MOVE: {
		int i = target == 3 ? MN_N : (int)target;
		unsigned l = at(d, n, 0, L_FOREIGN) % 4;
		move(i, ifx, l == 3 ? -1 : (int)l);
		break;
	}
	case A_FORGE:
		len = build_forge(d, n, pkt, NODE_PKT_MAX);
		to_target(target, ifx, pkt, len, -1);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!addr_tab[0])
		setup();
	if (!size)
		return 0;
	uint8_t hdr = data[0];
	for (int i = 0; i < 3; i++)
		*senders[i].sa = senders[i].snap;
	now = 0;
	r_on = true;
	r_next_ra = 0;
	isolate = hdr & 4;
	q_head = q_n = 0;
	deliveries = firings = 0;
	ring_next = ring_n = 0;
	memset(spin, 0, sizeof(spin));
	memset(spin_at, 0, sizeof(spin_at));
	memset(ev_count, 0, sizeof(ev_count));
	km_acquire = km_expire = km_moves = 0;
	build(hdr & 8, hdr & 2);
	if (hdr & 1) {
		bool iso = isolate;
		isolate = false;
		advance(VALID_START_NS);
		isolate = iso;
		if (verbose)
			fprintf(stderr, "fuzz_node: valid start done: MN %s%s, RR done %u, BA received %u\n",
				mn_at_home(node_mn(nodes[MN_N])) ? "home" : "away",
				mn_registered(node_mn(nodes[MN_N])) ? " registered" : "", ev_count[M6_EV_RR_DONE],
				ev_count[M6_EV_BA_RECEIVED]);
	}
	size_t off = 1;
	for (unsigned nrec = 0; off + 3 <= size && nrec < MAX_RECORDS; nrec++) {
		uint8_t h = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		record(h, data + off, len);
		off += len;
	}
	for (int i = 0; i < N_NODES; i++) {
		node_free(nodes[i]);
		nodes[i] = NULL;
	}
	return 0;
}
