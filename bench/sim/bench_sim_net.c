#include "bench_sim_net.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/m6_crypto.h"
#include "ipsec/pad.h"
#include "mip6/bcache.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "sim_node.h"

#define US 1000ull
/* keyed SA states at once: far more than the SAs busy at one instant */
#define XFORM_SLOTS 256

/* One key pair for every SA, as the configuration text used to say. */
static const uint8_t enc_key[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				     0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
static const uint8_t auth_key[32] = { 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a,
				      0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
				      0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f };
static const uint8_t ha_addr[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
static const uint8_t home_prefix[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };

void bnet_die(const char *what)
{
	fprintf(stderr, "bench_sim: %s\n", what);
	exit(1);
}

/* 2001:db8:1::(1 + i / 65536):(i % 65536) */
static void hoa_of(unsigned i, uint8_t a[16])
{
	memcpy(a, home_prefix, 16);
	unsigned hi = 1 + i / 65536, lo = i % 65536;
	a[12] = (uint8_t)(hi >> 8);
	a[13] = (uint8_t)hi;
	a[14] = (uint8_t)(lo >> 8);
	a[15] = (uint8_t)lo;
}

void bnet_init(struct bnet *b, struct sim *s, unsigned n)
{
	memset(b, 0, sizeof(*b));
	b->s = s;
	b->n = n;
	if (!(b->shared = node_shared_new()) || !(b->xc = m6_xform_cache_new(XFORM_SLOTS)))
		bnet_die("out of memory");
}

/* After sim_free(): the nodes are gone. */
void bnet_fini(struct bnet *b)
{
	node_shared_free(b->shared);
	m6_xform_cache_free(b->xc);
}

void bnet_links(struct bnet *b)
{
	struct sim_link_cfg lc = { .delay_ns = 1000 * US, .switched = true };
	if (sim_add_link(b->s, "home", &lc) != 0)
		bnet_die("out of memory");
	lc.delay_ns = 2000 * US;
	for (unsigned k = 0; k < BNET_FOREIGN; k++) {
		char name[16];
		snprintf(name, sizeof(name), "f%u", k);
		if (sim_add_link(b->s, name, &lc) != (int)(1 + k))
			bnet_die("out of memory");
	}
}

static void iface(struct node_cfg *c, const char *addr, unsigned plen, bool advertise)
{
	struct node_iface_cfg *f = &c->ifaces[c->n_ifaces++];
	f->has_addr = true;
	ip6_addr_parse(addr, f->addr);
	spd_sel_prefix(f->prefix, (uint8_t[16]){ 0 }, f->addr, plen);
	f->plen = plen;
	f->advertise = advertise;
}

/* A Mobility Header policy between local and remote (a prefix of rplen)
 * for one MH type; per_peer: a template whose SAs are per peer. */
static uint32_t policy(struct spd *spd, enum spd_dir dir, uint32_t order, const uint8_t local[16],
		       const uint8_t remote[16], unsigned rplen, uint8_t mh_type, bool per_peer)
{
	struct spd_entry e;
	memset(&e, 0, sizeof(e));
	spd_sel_any(&e.sel);
	e.dir = dir;
	e.order = order;
	e.action = SPD_PROTECT;
	if (local)
		spd_sel_prefix(e.sel.local_lo, e.sel.local_hi, local, 128);
	if (remote)
		spd_sel_prefix(e.sel.remote_lo, e.sel.remote_hi, remote, rplen);
	e.sel.proto = IP6P_MH;
	e.sel.lport = spd_range_mh(mh_type, mh_type);
	e.protect.ipsec_proto = IP6P_ESP;
	e.protect.mode = SA_TRANSPORT;
	e.protect.model = SA_MODEL_NORMALISE;
	e.protect.per_peer = per_peer;
	int id = spd_add(spd, &e);
	if (id <= 0)
		bnet_die("spd_add failed");
	return (uint32_t)id;
}

static void catch_all(struct spd *spd, enum spd_dir dir, uint32_t order, enum spd_action act, bool mh_only)
{
	struct spd_entry e;
	memset(&e, 0, sizeof(e));
	spd_sel_any(&e.sel);
	e.dir = dir;
	e.order = order;
	e.action = act;
	if (mh_only)
		e.sel.proto = IP6P_MH;
	if (spd_add(spd, &e) <= 0)
		bnet_die("spd_add failed");
}

/* A manually keyed AES-CBC + HMAC-SHA-256 ESP SA for policy id, its
 * selectors the policy's, or for a template's peer the policy's with the
 * remote address narrowed to that peer. */
static void sa(struct bnet *b, struct sad *sad, const struct spd *spd, uint32_t id, uint32_t spi, const uint8_t src[16],
	       const uint8_t dst[16], const uint8_t *peer)
{
	const struct spd_entry *pol = spd_get(spd, id);
	struct ipsec_sa a;
	struct m6_xform_cfg x;
	char why[128];
	memset(&a, 0, sizeof(a));
	memset(&x, 0, sizeof(x));
	a.spi = spi;
	a.proto = IP6P_ESP;
	a.mode = SA_TRANSPORT;
	a.model = SA_MODEL_NORMALISE;
	a.inbound = pol->dir == SPD_IN;
	a.manual = true;
	a.spd_id = id;
	a.ts = pol->sel;
	if (peer)
		spd_sel_prefix(a.ts.remote_lo, a.ts.remote_hi, peer, 128);
	a.state = SA_MATURE;
	memcpy(a.src, src, 16);
	memcpy(a.dst, dst, 16);
	if (replay_init(&a.replay, 0, false))
		bnet_die("replay_init");
	x.enc = M6_ENC_AES_CBC;
	memcpy(x.ekey, enc_key, sizeof(enc_key));
	x.eklen = sizeof(enc_key);
	x.auth = M6_AUTH_HMAC_SHA256_128;
	memcpy(x.akey, auth_key, sizeof(auth_key));
	x.aklen = sizeof(auth_key);
	if (m6_xform_init_cached(&a.xf, &x, !a.inbound, b->xc, why, sizeof(why)))
		bnet_die(why);
	if (!sad_add(sad, &a, 0, NULL))
		bnet_die("sad_add failed");
}

static void add_node(struct sim *s, struct node_shared *shared, struct node_cfg *c, int want)
{
	char err[256];
	c->seed = sim_node_seed(s, (unsigned)want);
	c->shared = shared;
	if (sim_add_node(s, c, err, sizeof(err)) != want)
		bnet_die(err);
}

static size_t heap_bytes(void)
{
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}

void bnet_add_ha(struct bnet *b, unsigned dad_ms, size_t dad_slots, size_t *tables, size_t *node)
{
	size_t h0 = heap_bytes();
	struct node_cfg c;
	uint8_t hoa[16];
	memset(&c, 0, sizeof(c));
	c.name = "ha";
	iface(&c, "2001:db8:1::1", 64, true);
	c.forwarding = true;
	c.n_routes = 1;
	ip6_addr_parse("2001:db8:10::", c.routes[0].prefix);
	c.routes[0].plen = 44;   /* the foreign links 2001:db8:10::/64 .. 12::/64 */
	c.routes[0].has_nexthop = true;
	ip6_addr_parse("2001:db8:1::2", c.routes[0].nexthop);
	c.is_ha = true;
	memcpy(c.ha.addr, ha_addr, 16);
	memcpy(c.ha.prefix, home_prefix, 16);
	c.ha.plen = 64;
	/* room for every mobile node and a margin for stale entries */
	c.ha.max_bindings = (size_t)b->n + b->n / 16 + 16;
	c.ha.dad_timeout_ms = dad_ms;
	c.ha.max_dad = dad_slots;
	/* DADs that started at one instant (every node on a link hears the
	 * same Router Advertisement) end at one: a BA and a proxy NA each */
	c.txq_max = dad_slots * 2 * 256;
	c.bits.model = SA_MODEL_NORMALISE;
	c.spd = spd_new();
	c.sad = sad_new(2 * (size_t)b->n);
	c.pad = pad_new();
	if (!c.spd || !c.sad || !c.pad)
		bnet_die("out of memory");
	/* one BU and one BA policy for every home address, each mobile node
	 * with its own SAs under them */
	uint32_t bu = policy(c.spd, SPD_IN, 10, ha_addr, home_prefix, 64, MH_BU, true);
	uint32_t ba = policy(c.spd, SPD_OUT, 10, ha_addr, home_prefix, 64, MH_BA, true);
	for (unsigned i = 0; i < b->n; i++) {
		hoa_of(i, hoa);
		sa(b, c.sad, c.spd, bu, 0x10000 + 2 * i, hoa, ha_addr, hoa);
		sa(b, c.sad, c.spd, ba, 0x10001 + 2 * i, ha_addr, hoa, hoa);
	}
	catch_all(c.spd, SPD_IN, 2000000000u, SPD_DISCARD, true);
	catch_all(c.spd, SPD_OUT, 2000000001u, SPD_BYPASS, false);
	catch_all(c.spd, SPD_IN, 2000000001u, SPD_BYPASS, false);
	size_t h1 = heap_bytes();
	add_node(b->s, b->shared, &c, BNET_HA);
	*tables = h1 - h0;
	*node = heap_bytes() - h1;
}

void bnet_add_router(struct bnet *b)
{
	struct node_cfg c;
	memset(&c, 0, sizeof(c));
	c.name = "r";
	iface(&c, "2001:db8:1::2", 64, false);
	iface(&c, "2001:db8:10::1", 64, true);
	iface(&c, "2001:db8:11::1", 64, true);
	iface(&c, "2001:db8:12::1", 64, true);
	c.forwarding = true;
	add_node(b->s, b->shared, &c, BNET_ROUTER);
}

void bnet_add_mn(struct bnet *b, unsigned i)
{
	struct node_cfg c;
	char name[32];
	memset(&c, 0, sizeof(c));
	snprintf(name, sizeof(name), "mn%u", i);
	c.name = name;
	c.n_ifaces = 1;
	c.is_mn = true;
	hoa_of(i, c.mn.hoa);
	memcpy(c.mn.home_prefix, home_prefix, 16);
	c.mn.home_plen = 64;
	memcpy(c.mn.ha, ha_addr, 16);
	memcpy(c.mn.iid, c.mn.hoa + 8, 8);
	c.mn.lifetime_s = 3600;
	c.bits.model = SA_MODEL_NORMALISE;
	if (!b->mn_spd) {
		/* the local selector is any address: a mobile node's own BU
		 * and BA, in the home-address view, are from and to its home
		 * address only, so the policies need not name it */
		if (!(c.spd = b->mn_spd = spd_new()))
			bnet_die("out of memory");
		b->mn_bu = policy(c.spd, SPD_OUT, 10, NULL, ha_addr, 128, MH_BU, false);
		b->mn_ba = policy(c.spd, SPD_IN, 10, NULL, ha_addr, 128, MH_BA, false);
		catch_all(c.spd, SPD_OUT, 9000, SPD_BYPASS, false);
		catch_all(c.spd, SPD_IN, 9000, SPD_BYPASS, false);
	} else {
		c.spd = spd_share(b->mn_spd);
	}
	/* no PAD: its SAs are manually keyed and name no peer entry */
	if (!(c.sad = sad_new(2)))
		bnet_die("out of memory");
	sa(b, c.sad, c.spd, b->mn_bu, 0x10000 + 2 * i, c.mn.hoa, ha_addr, NULL);
	sa(b, c.sad, c.spd, b->mn_ba, 0x10001 + 2 * i, ha_addr, c.mn.hoa, NULL);
	add_node(b->s, b->shared, &c, (int)(BNET_MN0 + i));
}

size_t bnet_ha_bindings(struct bnet *b)
{
	struct node *ha = sim_host_node(b->s->hosts[BNET_HA]);
	return bcache_count(ha_bcache(node_ha(ha)));
}

bool bnet_mn_registered(struct bnet *b, unsigned i)
{
	return mn_registered(node_mn(sim_host_node(b->s->hosts[BNET_MN0 + i])));
}
