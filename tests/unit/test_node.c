/* Nodes wired together by a minimal driver: home registration from a
 * foreign link with ESP-protected BU/BA, a ping through the bidirectional
 * tunnel, and return home. The full simulator has its own tests; this one
 * pins the node contract. */
#include <stdlib.h>

#include "tn.h"
#include "node/node.h"
#include "node/node_pump.h"
#include "keyconf.h"
#include "pkt/mh.h"

#define MS 1000000ull
#define N_NODES 4
enum { HA_N, R1_N, CN_N, MN_N };
enum { L_HOME, L_BACKBONE, L_R1, N_LINKS };

#define K16 "\"000102030405060708090a0b0c0d0e0f\""
#define K32 "\"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\""
#define CRYPTO "enc = \"aes-cbc\"; enc_key = " K16 "; auth = \"hmac-sha256-128\"; auth_key = " K32 ";"
#define REST "{ name = \"rest-out\"; dir = \"out\"; order = 9000; action = \"bypass\"; }," \
	     "{ name = \"rest-in\"; dir = \"in\"; order = 9000; action = \"bypass\"; }"

static const char mn_ipsec[] =
	"spd = ( { name = \"bu\"; dir = \"out\"; order = 10; local = \"2001:db8:1::100\"; remote = \"2001:db8:1::1\";"
	"          proto = \"mh\"; mh_type = \"bu\"; },"
	"        { name = \"ba\"; dir = \"in\"; order = 10; local = \"2001:db8:1::100\"; remote = \"2001:db8:1::1\";"
	"          proto = \"mh\"; mh_type = \"ba\"; }, " REST " );"
	"sa = ( { spi = 0x1001; policy = \"bu\"; src = \"2001:db8:1::100\"; dst = \"2001:db8:1::1\"; " CRYPTO " },"
	"       { spi = 0x1002; policy = \"ba\"; src = \"2001:db8:1::1\"; dst = \"2001:db8:1::100\"; " CRYPTO " } );";
static const char ha_ipsec[] =
	"pad = ( { id = \"mn@example.com\"; home_addresses = [ \"2001:db8:1::100\" ]; } );"
	"spd = ( { name = \"bu\"; dir = \"in\"; order = 10; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::100\";"
	"          proto = \"mh\"; mh_type = \"bu\"; },"
	"        { name = \"ba\"; dir = \"out\"; order = 10; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::100\";"
	"          proto = \"mh\"; mh_type = \"ba\"; }, " REST " );"
	"sa = ( { spi = 0x1001; policy = \"bu\"; src = \"2001:db8:1::100\"; dst = \"2001:db8:1::1\"; peer = \"mn@example.com\"; " CRYPTO " },"
	"       { spi = 0x1002; policy = \"ba\"; src = \"2001:db8:1::1\"; dst = \"2001:db8:1::100\"; " CRYPTO " } );";

struct pending {
	uint64_t at;
	int node;
	unsigned ifindex;
	size_t len;
	uint8_t pkt[NODE_PKT_MAX];
};

static struct node *nodes[N_NODES];
static struct node_pump pumps[N_NODES];
static uint64_t next_at[N_NODES];          /* what each node's pump last answered */
static const int node_ix[N_NODES] = { HA_N, R1_N, CN_N, MN_N };
static int attach[N_NODES][NODE_IF_MAX];   /* link of each interface, -1 = detached */
static struct pending q[512];
static unsigned nq;
static uint64_t now;
static void on_tx(void *ctx, const struct node_out *o);
static unsigned echo_replies, clear_mh_on_r1, esp_mh_on_r1;
static unsigned cn_too_big, cn_time_exceeded;
static uint32_t cn_ptb_mtu;
static unsigned ha_echo_replies, ha_too_big;   /* what the home agent's own upper layer gets */
static uint32_t ha_ptb_mtu;
static uint16_t link_mtu;               /* 0: the default 1500 */
static unsigned ev_count[M6_EV_TYPE_COUNT];
static struct node_shared *shared;      /* lent to every node when set */

static void on_event(void *ctx, const struct m6_event *ev)
{
	(void)ctx;
	ev_count[ev->type]++;
	if (getenv("NODE_TEST_TRACE"))
		fprintf(stderr, "%8.3f %-3s %-16s code=%d u32=%u %s\n", ev->time / 1e9, ev->node,
			m6_ev_name(ev->type), ev->code, ev->u32, ev->text);
}

static void on_deliver(void *ctx, struct node *n, const uint8_t *pkt, size_t len, uint64_t t)
{
	(void)ctx;
	(void)t;
	if (n == nodes[CN_N] && len > 40 && pkt[6] == IP6P_ICMPV6 && pkt[40] == 129)
		echo_replies++;
	if (n == nodes[CN_N] && len >= 48 && pkt[6] == IP6P_ICMPV6 && pkt[40] == 2) {
		cn_too_big++;
		cn_ptb_mtu = m6_get32(pkt + 44);
	}
	if (n == nodes[CN_N] && len >= 48 && pkt[6] == IP6P_ICMPV6 && pkt[40] == 3)
		cn_time_exceeded++;
	if (n == nodes[HA_N] && len > 40 && pkt[6] == IP6P_ICMPV6 && pkt[40] == 129)
		ha_echo_replies++;
	if (n == nodes[HA_N] && len >= 48 && pkt[6] == IP6P_ICMPV6 && pkt[40] == 2) {
		ha_too_big++;
		ha_ptb_mtu = m6_get32(pkt + 44);
	}
}

static void addr(const char *s, uint8_t a[16]) { tu_addr(s, a); }

/* A key manager that only watches: manual keying needs no answers. */
static unsigned km_moves;
static uint8_t km_last[16];
static void km_address_change(void *ctx, struct node *n, const uint8_t *old, const uint8_t new_coa[16])
{
	(void)ctx;
	(void)n;
	if (old)
		assert_memory_equal(old, km_last, 16);
	memcpy(km_last, new_coa, 16);
	km_moves++;
}

/* Binding changes, with the K bit (HA-04): what a key manager needs to move
 * its IKE SA after the mobile node (moving it, RFC 4877 7.4, needs an IKE). */
static struct node_binding_change bc_ha, bc_mn;
static unsigned bc_ha_n, bc_mn_n;
static void km_binding(void *ctx, struct node *n, const struct node_binding_change *c)
{
	(void)ctx;
	if (n == nodes[HA_N]) {
		assert_true(c->home_agent);
		bc_ha = *c;
		bc_ha_n++;
	} else {
		assert_false(c->home_agent);
		bc_mn = *c;
		bc_mn_n++;
	}
}

static void count_binding(void *ctx, const struct node_binding_info *b)
{
	(void)b;
	(*(unsigned *)ctx)++;
}

static void iface(struct node_cfg *c, const char *a, const char *prefix, bool adv)
{
	struct node_iface_cfg *i = tn_iface(c, a, prefix, adv);
	i->mtu = link_mtu;
}

static void build(void)
{
	struct node_cfg c;
	char err[256];
	memset(attach, -1, sizeof(attach));
	/* home agent: router for the home link */
	memset(&c, 0, sizeof(c));
	c.name = "ha";
	iface(&c, "2001:db8:1::1", "2001:db8:1::", true);
	iface(&c, "2001:db8:ff::1", "2001:db8:ff::", false);
	tn_route(&c, "2001:db8:2::", 64, 1);
	c.forwarding = true;
	c.is_ha = true;
	addr("2001:db8:1::1", c.ha.addr);
	addr("2001:db8:1::", c.ha.prefix);
	c.ha.plen = 64;
	c.ha.max_bindings = 16;
	c.ha.dad_timeout_ms = 1000;
	c.ha.k_capable = true;
	tn_load_ipsec(&c, ha_ipsec);
	c.shared = shared;
	assert_non_null(nodes[HA_N] = node_new(&c, 0, err, sizeof(err)));
	struct node_km hkm = { .binding_changed = km_binding };
	node_set_km(nodes[HA_N], &hkm);
	attach[HA_N][0] = L_HOME;
	attach[HA_N][1] = L_BACKBONE;
	/* foreign router R1 */
	memset(&c, 0, sizeof(c));
	c.name = "r1";
	iface(&c, "2001:db8:2::1", "2001:db8:2::", true);
	iface(&c, "2001:db8:ff::2", "2001:db8:ff::", false);
	tn_route(&c, "::", 0, 1);
	c.forwarding = true;
	c.shared = shared;
	assert_non_null(nodes[R1_N] = node_new(&c, 0, err, sizeof(err)));
	attach[R1_N][0] = L_R1;
	attach[R1_N][1] = L_BACKBONE;
	/* correspondent on the backbone (no route optimisation) */
	memset(&c, 0, sizeof(c));
	c.name = "cn";
	iface(&c, "2001:db8:ff::4", "2001:db8:ff::", false);
	tn_route(&c, "2001:db8:1::", 64, 0);
	tn_route(&c, "2001:db8:2::", 64, 0);
	c.shared = shared;
	assert_non_null(nodes[CN_N] = node_new(&c, 0, err, sizeof(err)));
	attach[CN_N][0] = L_BACKBONE;
	/* mobile node, starting at home */
	memset(&c, 0, sizeof(c));
	c.name = "mn";
	iface(&c, NULL, "::", false);
	c.ifaces[0].plen = 0;
	c.is_mn = true;
	addr("2001:db8:1::100", c.mn.hoa);
	addr("2001:db8:1::", c.mn.home_prefix);
	c.mn.home_plen = 64;
	addr("2001:db8:1::1", c.mn.ha);
	c.mn.iid[7] = 0x01;
	c.mn.iid[6] = 0x01;
	c.mn.lifetime_s = 3600;
	c.mn.k_capable = true;
	c.seed = 7;
	tn_load_ipsec(&c, mn_ipsec);
	c.shared = shared;
	assert_non_null(nodes[MN_N] = node_new(&c, 0, err, sizeof(err)));
	attach[MN_N][0] = L_HOME;
	struct node_km km = { .address_change = km_address_change, .binding_changed = km_binding };
	node_set_km(nodes[MN_N], &km);
	for (int i = 0; i < N_NODES; i++) {
		node_set_event_cb(nodes[i], on_event, NULL);
		node_set_deliver_cb(nodes[i], on_deliver, NULL);
		node_pump_init(&pumps[i], nodes[i], on_tx, (void *)&node_ix[i]);
		next_at[i] = node_pump_drain(&pumps[i], now);
	}
}

static void note_r1(const uint8_t *p, size_t len)
{
	struct ip6_walk w;
	if (ip6_walk(p, len, IP6W_HAO_KNOWN, &w))
		return;
	if (w.proto == IP6P_MH)
		clear_mh_on_r1++;
	else if (w.proto == IP6P_ESP)
		esp_mh_on_r1++;
}

/* What a node sends reaches everyone else on the link, 1 ms later. */
static void on_tx(void *ctx, const struct node_out *o)
{
	int i = *(const int *)ctx;
	int link = attach[i][o->ifindex];
	if (link < 0)
		return;
	if (link == L_R1)
		note_r1(o->pkt, o->len);
	for (int j = 0; j < N_NODES; j++)
		for (unsigned f = 0; f < NODE_IF_MAX; f++)
			if (j != i && attach[j][f] == link) {
				assert_true(nq < sizeof(q) / sizeof(q[0]));
				q[nq].at = now + MS;
				q[nq].node = j;
				q[nq].ifindex = f;
				q[nq].len = o->len;
				memcpy(q[nq].pkt, o->pkt, o->len);
				nq++;
			}
}

/* After every call into node i. */
static void flush(int i)
{
	next_at[i] = node_pump_drain(&pumps[i], now);
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
		for (int i = 0; i < N_NODES; i++)
			if (next_at[i] < t) {
				t = next_at[i];
				who = i;
			}
		if (who == -1) {
			now = end;
			return;
		}
		now = t;
		if (who == -2) {
			struct pending p = q[qi];
			q[qi] = q[--nq];
			node_input(nodes[p.node], p.ifindex, p.pkt, p.len, now);
			flush(p.node);
		} else {
			next_at[who] = node_pump_timer(&pumps[who], now);
			assert_false(pumps[who].last & NODE_PUMP_STALLED);
		}
	}
}

static void move_mn(int link)
{
	node_link(nodes[MN_N], 0, false, now);
	flush(MN_N);
	attach[MN_N][0] = link;
	node_link(nodes[MN_N], 0, true, now);
	flush(MN_N);
}

/* An Echo Request of `size` octets (IPv6 header included) to the home address. */
/* An Echo Request of size octets to the mobile node's home address from
 * node `from`, source src. */
static void ping_hoa_from(int from, const char *src, size_t size, uint8_t hlim)
{
	static uint8_t pkt[NODE_APP_MAX];
	struct ip6_hdr h;
	assert_true(size >= 48 && size <= sizeof(pkt));
	memset(&h, 0, sizeof(h));
	addr(src, h.src);
	addr("2001:db8:1::100", h.dst);
	h.nh = IP6P_ICMPV6;
	h.hlim = hlim;
	h.plen = (uint16_t)(size - 40);
	ip6_hdr_write(pkt, &h);
	memset(pkt + 40, 0xa5, size - 40);
	pkt[40] = 128;
	pkt[41] = 0;
	m6_put16(pkt + 42, 0);
	pkt[45] = 1;
	m6_put16(pkt + 42, m6_csum_ip6(h.src, h.dst, IP6P_ICMPV6, pkt + 40, size - 40));
	assert_int_equal(node_app_send(nodes[from], pkt, size, now), 0);
	flush(from);
}

static void ping_hoa_sized(size_t size, uint8_t hlim)
{
	ping_hoa_from(CN_N, "2001:db8:ff::4", size, hlim);
}

static void ping_hoa(void)
{
	ping_hoa_sized(48, 64);
}

static void test_register_ping_return(void **s)
{
	(void)s;
	build();
	run_until(2000 * MS);
	assert_true(mn_at_home(node_mn(nodes[MN_N])));
	ping_hoa();
	run_until(2500 * MS);
	assert_int_equal(echo_replies, 1);                 /* at home: plain */

	move_mn(L_R1);
	run_until(8000 * MS);
	uint8_t hoa[16], coa[16];
	addr("2001:db8:1::100", hoa);
	addr("2001:db8:2::101", coa);
	assert_true(mn_registered(node_mn(nodes[MN_N])));
	assert_memory_equal(mn_coa(node_mn(nodes[MN_N])), coa, 16);
	const struct bce *e = bcache_lookup(ha_bcache(node_ha(nodes[HA_N])), hoa);
	assert_non_null(e);
	assert_true(e->valid);
	assert_memory_equal(e->coa, coa, 16);
	assert_true(esp_mh_on_r1 >= 2);                    /* BU and BA protected on the wire */
	assert_int_equal(km_moves, 2);                     /* home address, then the care-of address */
	assert_memory_equal(km_last, coa, 16);
	assert_int_equal(clear_mh_on_r1, 0);
	assert_true(ev_count[M6_EV_DAD_STARTED] >= 1);
	/* both ends hear of the new binding, with K agreed */
	assert_int_equal(bc_ha_n, 1);
	assert_false(bc_ha.has_old);
	assert_true(bc_ha.has_new && bc_ha.k);
	assert_memory_equal(bc_ha.hoa, hoa, 16);
	assert_memory_equal(bc_ha.new_coa, coa, 16);
	assert_int_equal(bc_mn_n, 1);
	assert_true(bc_mn.has_new && bc_mn.k && !bc_mn.has_old);
	assert_memory_equal(bc_mn.new_coa, coa, 16);
	/* the node's own queries agree with the cache */
	uint8_t got[16];
	unsigned listed = 0;
	assert_int_equal(node_binding(nodes[HA_N], hoa, got), 1);
	assert_memory_equal(got, coa, 16);
	assert_int_equal(node_binding(nodes[MN_N], hoa, got), 1);
	assert_int_equal(node_bindings(nodes[HA_N], count_binding, &listed), 1);
	assert_int_equal(listed, 1);
	assert_int_equal(node_binding(nodes[R1_N], hoa, got), M6_E_INVAL);

	ping_hoa();                                        /* HA-07 tunnel out, HA-08 tunnel back */
	run_until(9000 * MS);
	assert_int_equal(echo_replies, 2);
	assert_true(ev_count[M6_EV_TUNNEL_ENCAP] >= 2);
	assert_true(ev_count[M6_EV_TUNNEL_DECAP] >= 2);

	move_mn(L_HOME);
	run_until(15000 * MS);
	assert_true(mn_at_home(node_mn(nodes[MN_N])));
	assert_int_equal(km_moves, 3);
	assert_memory_equal(km_last, hoa, 16);
	e = bcache_lookup(ha_bcache(node_ha(nodes[HA_N])), hoa);
	assert_true(!e || !e->valid);                      /* HA-05 */
	assert_true(bc_ha_n >= 2 && !bc_ha.has_new && bc_ha.has_old);
	assert_memory_equal(bc_ha.old_coa, coa, 16);
	assert_true(bc_mn_n >= 2 && !bc_mn.has_new);
	assert_int_equal(node_binding(nodes[HA_N], hoa, got), 0);
	ping_hoa();
	run_until(16000 * MS);
	assert_int_equal(echo_replies, 3);
	assert_int_equal(ev_count[M6_EV_DROP], 0);         /* nothing lost on the way */
	for (int i = 0; i < N_NODES; i++)
		node_free(nodes[i]);
}

static void reset(uint16_t mtu)
{
	nq = 0;
	now = 0;
	echo_replies = clear_mh_on_r1 = esp_mh_on_r1 = cn_too_big = cn_time_exceeded = 0;
	ha_echo_replies = ha_too_big = 0;
	memset(ev_count, 0, sizeof(ev_count));
	km_moves = bc_ha_n = bc_mn_n = 0;
	link_mtu = mtu;
	build();
	run_until(2000 * MS);
	move_mn(L_R1);
	run_until(8000 * MS);
	assert_true(mn_registered(node_mn(nodes[MN_N])));
}

/* 1,280, 1,500 and 4,096 octets through every role: the correspondent's
 * request crosses the home agent's tunnel to the mobile node away from
 * home, whose reply crosses the reverse tunnel and the router back. */
static void test_sizes_through_roles(void **s)
{
	(void)s;
	reset(9000);
	static const size_t sizes[] = { 1280, 1500, 4096 };
	for (unsigned i = 0; i < 3; i++) {
		ping_hoa_sized(sizes[i], 64);
		run_until(now + 500 * MS);
		assert_int_equal(echo_replies, i + 1);
	}
	assert_int_equal(ev_count[M6_EV_DROP], 0);
	for (int i = 0; i < N_NODES; i++)
		node_free(nodes[i]);
}

/* RFC 2473 7.1 / RFC 4443 3.2: at the tunnel entry a packet that fits the
 * link but not the tunnel gets a Packet Too Big with the room the tunnel
 * leaves; RFC 4443 3.3: hop limit exhausted on the way, Time Exceeded. */
static void test_icmp_errors(void **s)
{
	(void)s;
	reset(0);
	ping_hoa_sized(1500, 64);
	run_until(now + 500 * MS);
	assert_int_equal(echo_replies, 0);
	assert_int_equal(cn_too_big, 1);
	assert_int_equal(cn_ptb_mtu, 1460);
	ping_hoa_sized(1460, 64);
	run_until(now + 500 * MS);
	assert_int_equal(echo_replies, 1);
	ping_hoa_sized(100, 1);                            /* reaches the HA with hop limit 1 */
	run_until(now + 500 * MS);
	assert_int_equal(cn_time_exceeded, 1);
	assert_int_equal(echo_replies, 1);
	for (int i = 0; i < N_NODES; i++)
		node_free(nodes[i]);
}

/* RFC 6275 10.4.2: the home agent's own packets to a registered home
 * address take its tunnel to the care-of address, as what it intercepts
 * does (they used to leave on the home link, where the mobile node is
 * not): its Echo Request reaches the mobile node away from home and the
 * reply comes back through the reverse tunnel; one that fits the link but
 * not the tunnel gets a Packet Too Big, to the home agent itself, with the
 * room the tunnel leaves (RFC 2473 7.1). */
static void test_ha_own_packets_take_the_tunnel(void **s)
{
	(void)s;
	reset(0);
	ping_hoa_from(HA_N, "2001:db8:1::1", 100, 64);
	run_until(now + 500 * MS);
	assert_int_equal(ha_echo_replies, 1);
	ping_hoa_from(HA_N, "2001:db8:1::1", 1500, 64);
	run_until(now + 500 * MS);
	assert_int_equal(ha_echo_replies, 1);
	assert_int_equal(ha_too_big, 1);
	assert_int_equal(ha_ptb_mtu, 1460);
	ping_hoa_from(HA_N, "2001:db8:1::1", 1460, 64);
	run_until(now + 500 * MS);
	assert_int_equal(ha_echo_replies, 2);
	for (int i = 0; i < N_NODES; i++)
		node_free(nodes[i]);
}

/* Nodes that share the driver's scratch and transmit queue (this driver
 * calls one node at a time and drains it) behave exactly as nodes with
 * their own: the same events, the same replies, through every size. */
static void test_shared_scratch(void **s)
{
	(void)s;
	unsigned own[M6_EV_TYPE_COUNT];
	reset(9000);
	ping_hoa_sized(4096, 64);
	run_until(now + 500 * MS);
	memcpy(own, ev_count, sizeof(own));
	for (int i = 0; i < N_NODES; i++)
		node_free(nodes[i]);
	assert_non_null(shared = node_shared_new());
	reset(9000);
	ping_hoa_sized(4096, 64);
	run_until(now + 500 * MS);
	assert_int_equal(echo_replies, 1);
	assert_memory_equal(own, ev_count, sizeof(own));
	/* a driver that calls into another node before taking the first one's
	 * output: the second node's packet is dropped, the first one's kept */
	node_link(nodes[R1_N], 0, true, now);                   /* a Router Advertisement due now */
	node_on_timer(nodes[R1_N], now);
	unsigned drops = ev_count[M6_EV_DROP];
	node_link(nodes[HA_N], 0, true, now);
	node_on_timer(nodes[HA_N], now);
	assert_int_equal(ev_count[M6_EV_DROP], drops + 1);
	struct node_out *o = malloc(sizeof(*o));
	assert_non_null(o);
	assert_int_equal(node_output(nodes[HA_N], o, now), 0);
	assert_int_equal(node_output(nodes[R1_N], o, now), 1);
	assert_int_equal(o->pkt[40], 134);
	assert_int_equal(node_output(nodes[R1_N], o, now), 0);
	free(o);
	for (int i = 0; i < N_NODES; i++)
		node_free(nodes[i]);
	node_shared_free(shared);
	shared = NULL;
}

/* node_cfg.txq_max bounds what one call may queue: a Router Advertisement
 * larger than the bound is dropped (and reported), never half queued. */
static void test_txq_max(void **s)
{
	(void)s;
	struct node_cfg c;
	char err[256];
	memset(&c, 0, sizeof(c));
	c.name = "r";
	iface(&c, "2001:db8:2::1", "2001:db8:2::", true);
	c.forwarding = true;
	c.txq_max = 64;
	struct node *r = node_new(&c, 0, err, sizeof(err));
	assert_non_null(r);
	memset(ev_count, 0, sizeof(ev_count));
	node_set_event_cb(r, on_event, NULL);
	node_on_timer(r, 0);
	assert_int_equal(ev_count[M6_EV_DROP], 1);
	struct node_out *o = malloc(sizeof(*o));
	assert_non_null(o);
	assert_int_equal(node_output(r, o, 0), 0);
	node_free(r);
	c.txq_max = 0;                                  /* the default holds it */
	r = node_new(&c, 0, err, sizeof(err));
	node_on_timer(r, 0);
	assert_int_equal(node_output(r, o, 0), 1);
	free(o);
	node_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_ping_return),
		cmocka_unit_test(test_sizes_through_roles),
		cmocka_unit_test(test_icmp_errors),
		cmocka_unit_test(test_ha_own_packets_take_the_tunnel),
		cmocka_unit_test(test_shared_scratch),
		cmocka_unit_test(test_txq_max),
	};
	return cmocka_run_group_tests_name("node", tests, NULL, NULL);
}
