/*
 * tn_net — the node-level tests' tiny network: nodes on shared links (1 ms
 * per hop) driven by their timers, every frame captured per link, events
 * counted per node; a home agent between its home link and a backbone;
 * keyconf-built pipelines standing for a peer's side of an exchange, to
 * open what was captured with its keys. One copy per test program.
 */
#ifndef MIP6SEC_TN_NET_H
#define MIP6SEC_TN_NET_H

#include <stdint.h>
#include <stdlib.h>

#include "tn.h"
#include "ipsec/esp.h"
#include "keyconf.h"
#include "mip6/bcache.h"
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

static inline int index_of(const struct node *n)
{
	for (int i = 0; i < n_nodes; i++)
		if (nodes[i] == n)
			return i;
	fail_msg("unknown node");
	return -1;
}

/* A test's own look at each event as it happens (NULL: none). */
static void (*ev_hook)(int node, const struct m6_event *ev);

static inline void on_event(void *ctx, const struct m6_event *ev)
{
	int i = (int)(intptr_t)ctx;
	if (ev_hook)
		ev_hook(i, ev);
	ev_count[i][ev->type]++;
	if (ev->type == M6_EV_DROP)
		last_drop[i] = ev->code;
	if (ev->type == M6_EV_BA_SENT)
		last_ba_status[i] = ev->code;
	if (getenv("NODE_TEST_TRACE"))
		fprintf(stderr, "%8.3f %-3s %-16s code=%d u32=%u %s\n", ev->time / 1e9, ev->node,
			m6_ev_name(ev->type), ev->code, ev->u32, ev->text);
}

static inline void on_deliver(void *ctx, struct node *n, const uint8_t *pkt, size_t len, uint64_t t)
{
	(void)ctx;
	(void)t;
	int i = index_of(n);
	delivered[i]++;
	memcpy(last_delivered[i], pkt, len < NODE_PKT_MAX ? len : NODE_PKT_MAX);
}

static inline void reset(void)
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

static inline void iface(struct node_cfg *c, const char *a, const char *prefix, bool adv)
{
	struct node_iface_cfg *i = tn_iface(c, a, prefix, adv);
	i->ra_interval_ms = 500;
}

/* Create a node; links[k] is the link of interface k (-1: none). */
static inline int add_node(const struct node_cfg *c, const int *links)
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
static inline void flush(int i)
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

static inline void run_until(uint64_t end)
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
static inline int inject(int i, unsigned ifx, const uint8_t *pkt, size_t len, unsigned *sent)
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
static inline unsigned frames_from(int i, int link, unsigned since, const struct frame **last)
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


/* A keyconf-built pipeline for the test's side of an exchange. */
struct side {
	struct keyconf kc;
	struct bits b;
};

static inline void side_load(struct side *s, const char *text)
{
	char err[512];
	if (keyconf_load_string(text, &s->kc, err, sizeof(err)))
		fail_msg("%s\n%s", err, text);
	bits_init(&s->b, &s->kc.bits, s->kc.spd, s->kc.sad, s->kc.pad);
}

static inline void side_free(struct side *s)
{
	bits_fini(&s->b);
	keyconf_free(&s->kc);
}

/* The outbound SA of a side's policy `name`. */
static inline struct ipsec_sa *side_sa(struct side *s, const char *name)
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
 * (interface 1, link 1) that leads to the foreign prefixes; with cn, also
 * a correspondent node on its home agent address (RFC 4877 4.3). */
static inline int home_agent_roles(const char *ipsec, bool advertise, bool cn)
{
	struct node_cfg c;
	memset(&c, 0, sizeof(c));
	c.name = "ha";
	iface(&c, HA, "2001:db8:1::", advertise);
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
	if (cn) {
		c.is_cn = true;
		tu_addr(HA, c.cn.addr);
		c.cn.max_bindings = 16;
	}
	tn_load_ipsec(&c, ipsec);
	static const int links[] = { 0, 1 };
	return add_node(&c, links);
}

static inline int home_agent_adv(const char *ipsec, bool advertise)
{
	return home_agent_roles(ipsec, advertise, false);
}

/* Mobile node A's configuration (home address HOA_A, home agent HA,
 * interface identifier ::100, one interface that finds its care-of address
 * by SLAAC); route optimisation with CN when ro. The caller adds IPsec. */
static inline void mobile_node_cfg(struct node_cfg *c, bool ro, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->name = "mn";
	iface(c, NULL, "::", false);
	c->ifaces[0].plen = 0;
	c->is_mn = true;
	tu_addr(HOA_A, c->mn.hoa);
	tu_addr("2001:db8:1::", c->mn.home_prefix);
	c->mn.home_plen = 64;
	tu_addr(HA, c->mn.ha);
	c->mn.iid[6] = 0x01;
	c->mn.lifetime_s = 3600;
	if (ro) {
		c->mn.route_optimisation = true;
		c->mn.n_cn = 1;
		tu_addr(CN, c->mn.cn[0]);
	}
	c->seed = seed;
}

/* The same, silent on the home link (no Router Advertisements). */
static inline int home_agent(const char *ipsec)
{
	return home_agent_adv(ipsec, false);
}

static inline const struct bce *binding(int ha, const char *hoa)
{
	uint8_t a[16];
	tu_addr(hoa, a);
	return bcache_lookup(ha_bcache(node_ha(nodes[ha])), a);
}

/* Open a captured ESP frame with a side's keys into pb; the SPI used. */
static inline uint32_t open_frame(struct side *s, const struct frame *f)
{
	struct bits_result r;
	uint8_t *p;
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	assert_int_equal(pbuf_put(&pb, f->len, &p), 0);
	memcpy(p, f->pkt, f->len);
	assert_int_equal(bits_input(&s->b, &pb, false, 0, &r), 0);
	return r.sa->spi;
}

/* pb := IPv6(src -> dst) | [DstOpt(HAO = hoa)] | MH BU (A, H, lifetime
 * 3600 s, an Alternate Care-of Address when acoa), checksummed over the
 * home address (the HAO's, or the source). */
/* pb := IPv6(src -> dst) | MH m, its checksum not set yet; the MH's
 * length in *mlen. */
static inline uint8_t *mk_mh(const struct mh_msg *m, const char *src, const char *dst, size_t *mlen)
{
	struct ip6_hdr h;
	uint8_t *p, mh[64];
	assert_int_equal(mh_build(m, mh, sizeof(mh), mlen), 0);
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	assert_int_equal(pbuf_put(&pb, IP6_HDR_LEN + *mlen, &p), 0);
	memset(&h, 0, sizeof(h));
	tu_addr(src, h.src);
	tu_addr(dst, h.dst);
	h.nh = IP6P_MH;
	h.hlim = 64;
	h.plen = (uint16_t)*mlen;
	ip6_hdr_write(p, &h);
	memcpy(p + IP6_HDR_LEN, mh, *mlen);
	return p;
}

static inline void mk_bu(const char *src, const char *dst, const char *hoa, const char *acoa, uint16_t seq)
{
	struct mh_msg m;
	uint8_t a[16], home[16], d[16];
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
	uint8_t *p = mk_mh(&m, src, dst, &mlen);
	tu_addr(hoa ? hoa : src, home);
	tu_addr(dst, d);
	mh_set_checksum(p + IP6_HDR_LEN, mlen, home, d);
	if (hoa)
		assert_int_equal(ip6_insert_hao(&pb, home), 0);
}

/* pb := IPv6(src -> dst) | [RH2(home)] | MH BA (status 0, lifetime
 * 3600 s), checksummed over the final destination (home, or dst). */
static inline void mk_ba(const char *src, const char *dst, const char *home, uint16_t seq)
{
	struct mh_msg m;
	uint8_t s[16], fin[16];
	size_t mlen;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BA;
	m.seq = seq;
	m.lifetime = mh_lifetime_units(3600);
	uint8_t *p = mk_mh(&m, src, dst, &mlen);
	tu_addr(src, s);
	tu_addr(home ? home : dst, fin);
	mh_set_checksum(p + IP6_HDR_LEN, mlen, s, fin);
	if (home)
		assert_int_equal(ip6_insert_rh2(&pb, fin), 0);
}

/* pb := IPv6(src -> dst) | MH HoTI (checksummed), as a mobile node builds
 * it before it enters the tunnel. */
static inline void mk_hoti_to(const char *src, const char *dst)
{
	struct mh_msg m;
	uint8_t buf[128], s[16], d[16];
	uint8_t *p;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_HOTI;
	tu_addr(src, s);
	tu_addr(dst, d);
	int len = mip6_build_mh(buf, sizeof(buf), s, d, NULL, NULL, &m);
	assert_true(len > 0);
	assert_int_equal(pbuf_init(&pb, mem, sizeof(mem), 1024), 0);
	assert_int_equal(pbuf_put(&pb, (size_t)len, &p), 0);
	memcpy(p, buf, (size_t)len);
}

/* Wrap pb's packet in IPv6(src -> dst). */
static inline void wrap6(const char *src, const char *dst)
{
	struct ip6_hdr h;
	uint8_t *p;
	size_t inner = pb.len;
	assert_int_equal(pbuf_push(&pb, IP6_HDR_LEN, &p), 0);
	memset(&h, 0, sizeof(h));
	tu_addr(src, h.src);
	tu_addr(dst, h.dst);
	h.nh = IP6P_IPV6;
	h.hlim = 64;
	h.plen = (uint16_t)inner;
	ip6_hdr_write(p, &h);
}

#endif
