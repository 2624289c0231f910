#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "node_mip6.h"
#include "../pkt/icmp6.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../util/m6_bytes.h"

#define NODE_HEADROOM 256
#define NODE_BUF (NODE_HEADROOM + NODE_PKT_MAX + 256)
#define TXQ_INITIAL 8192
#define TXQ_MAX (4u << 20)
#define RA_INTERVAL_MS_DEFAULT 1000
#define RA_ROUTER_LIFETIME_S 1800
#define ND_RS 133
#define ND_RA 134
#define ND_NS 135
#define ND_NA 136
#define ND_REDIRECT 137
#define TUNNEL_DEPTH_MAX 2

struct iface {
	bool up;
	uint64_t next_ra;
};

struct node {
	char name[32];
	struct node_cfg cfg;
	struct iface ifs[NODE_IF_MAX];
	bool ipsec;
	struct bits bits;
	struct mn *mn;
	struct ha *ha;
	struct cn *cn;
	struct mip6_io io;
	uint64_t now;
	uint64_t rng;
	node_event_cb ev_cb;
	void *ev_ctx;
	node_deliver_cb dl_cb;
	void *dl_ctx;
	struct node_km km;
	uint8_t last_coa[16];
	bool have_coa;
	/* transmit queue: records of (ifindex u32, len u32, bytes) in a ring-less
	 * arena that is compacted when drained */
	uint8_t *txq;
	size_t txq_cap, txq_head, txq_tail;
	uint8_t buf[NODE_BUF];     /* scratch for one packet in flight */
	uint8_t buf2[NODE_BUF];    /* second scratch (replies, tunnel inner) */
};

/* ---- events, randomness ---- */

static void emit(struct node *n, struct m6_event *ev)
{
	ev->time = n->now;
	ev->node = n->name;
	if (n->ev_cb)
		n->ev_cb(n->ev_ctx, ev);
}

static void emit_drop(struct node *n, int reason, const char *what)
{
	struct m6_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = M6_EV_DROP;
	ev.code = reason;
	snprintf(ev.text, sizeof(ev.text), "%s: %s", what, m6_errid(reason));
	emit(n, &ev);
}

static void io_event(void *ctx, struct m6_event *ev)
{
	struct node *n = ctx;
	static const uint8_t zero[16];
	if (ev->type == M6_EV_MOVED && n->km.address_change && memcmp(ev->addr, zero, 16) &&
	    (!n->have_coa || memcmp(ev->addr, n->last_coa, 16))) {
		n->km.address_change(n->km.ctx, n, n->have_coa ? n->last_coa : NULL, ev->addr);
	}
	if (ev->type == M6_EV_MOVED && memcmp(ev->addr, zero, 16)) {
		memcpy(n->last_coa, ev->addr, 16);
		n->have_coa = true;
	}
	emit(n, ev);
}

/* splitmix64: a seeded stream, so a simulation replays exactly. Drivers that
 * need secrets from the system pass their own source (see node.h). */
static void io_random(void *ctx, uint8_t *out, size_t len)
{
	struct node *n = ctx;
	while (len) {
		uint64_t z = (n->rng += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (int i = 0; i < 8 && len; i++, len--)
			*out++ = (uint8_t)(z >> (8 * i));
	}
}

static void drain_bits_events(struct node *n)
{
	struct bits_event be;
	while (n->ipsec && bits_next_event(&n->bits, &be)) {
		struct m6_event ev;
		memset(&ev, 0, sizeof(ev));
		if (be.type == BITS_EV_ACQUIRE) {
			if (n->km.acquire)
				n->km.acquire(n->km.ctx, n, be.spd_id, &be.flow);
			ev.type = M6_EV_SA_ACQUIRE;
			ev.u32 = be.spd_id;
			memcpy(ev.peer, be.flow.remote, 16);
			snprintf(ev.text, sizeof(ev.text), "no SA for policy %u", be.spd_id);
		} else {
			if (n->km.expire)
				n->km.expire(n->km.ctx, n, be.spi, be.proto, be.inbound, be.type == BITS_EV_HARD_EXPIRE);
			ev.type = M6_EV_SA_EXPIRE;
			ev.u32 = be.spi;
			ev.code = be.type == BITS_EV_SOFT_EXPIRE ? 1 : 2;
			snprintf(ev.text, sizeof(ev.text), "SA 0x%08x %s expiry", be.spi, ev.code == 1 ? "soft" : "hard");
		}
		emit(n, &ev);
	}
}

/* ---- addresses and routing ---- */

bool node_iface_addr(const struct node *n, unsigned ifindex, uint8_t out[16])
{
	if (ifindex >= n->cfg.n_ifaces)
		return false;
	const struct node_iface_cfg *ic = &n->cfg.ifaces[ifindex];
	if (ic->has_addr) {
		memcpy(out, ic->addr, 16);
		return true;
	}
	const uint8_t *coa = n->mn ? mn_coa(n->mn) : NULL;
	if (coa && n->ifs[ifindex].up) {
		memcpy(out, coa, 16);
		return true;
	}
	return false;
}

static bool is_local(const struct node *n, const uint8_t dst[16])
{
	uint8_t a[16];
	if (dst[0] == 0xff)
		return dst[1] == 0x02 || dst[1] == 0x01;    /* link- and node-local multicast */
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if (node_iface_addr(n, i, a) && !memcmp(a, dst, 16))
			return true;
	if (n->mn && mn_at_home(n->mn) && !memcmp(dst, mn_hoa(n->mn), 16))
		return true;
	if (n->ha && ha_is_anycast(n->ha, dst))
		return true;                        /* Home-Agents anycast (RFC 6275 10.5) */
	return false;
}

/* Outgoing interface for a destination: on-link prefix, then the longest
 * matching route; a host without routes uses its first interface that is up. */
/* Link-scoped multicast leaves by the interface of its source address; an
 * unspecified source (DAD probes) by the home link of a home agent. */
static int route_link_scope(const struct node *n, const uint8_t src[16])
{
	static const uint8_t unspec[16];
	const uint8_t *key = memcmp(src, unspec, 16) || !n->ha ? src : n->cfg.ha.prefix;
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++) {
		const struct node_iface_cfg *ic = &n->cfg.ifaces[i];
		if (n->ifs[i].up && ic->plen && ip6_prefix_match(key, ic->prefix, ic->plen))
			return (int)i;
	}
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if (n->ifs[i].up)
			return (int)i;
	return -1;
}

static int route(const struct node *n, const uint8_t dst[16])
{
	int best = -1;
	int best_len = -1;
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++) {
		const struct node_iface_cfg *ic = &n->cfg.ifaces[i];
		if (n->ifs[i].up && ic->plen && ip6_prefix_match(dst, ic->prefix, ic->plen) && (int)ic->plen > best_len) {
			best = (int)i;
			best_len = (int)ic->plen;
		}
	}
	for (unsigned r = 0; r < n->cfg.n_routes; r++) {
		const struct node_route *rt = &n->cfg.routes[r];
		if (rt->ifindex < n->cfg.n_ifaces && n->ifs[rt->ifindex].up &&
		    ip6_prefix_match(dst, rt->prefix, rt->plen) && (int)rt->plen > best_len) {
			best = (int)rt->ifindex;
			best_len = (int)rt->plen;
		}
	}
	if (best < 0 && !n->cfg.forwarding)
		for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
			if (n->ifs[i].up)
				return (int)i;
	return best;
}

/* ---- transmit queue ---- */

static int txq_push(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len)
{
	size_t need = 8 + len;
	if (len > NODE_PKT_MAX)
		return M6_E_NOMEM;
	if (n->txq_tail + need > n->txq_cap) {
		/* compact, then grow if still short */
		memmove(n->txq, n->txq + n->txq_head, n->txq_tail - n->txq_head);
		n->txq_tail -= n->txq_head;
		n->txq_head = 0;
		while (n->txq_tail + need > n->txq_cap) {
			size_t cap = n->txq_cap * 2;
			uint8_t *q = cap <= TXQ_MAX ? realloc(n->txq, cap) : NULL;
			if (!q)
				return M6_E_FULL;
			n->txq = q;
			n->txq_cap = cap;
		}
	}
	uint8_t *p = n->txq + n->txq_tail;
	m6_put32(p, ifindex);
	m6_put32(p + 4, (uint32_t)len);
	memcpy(p + 8, pkt, len);
	n->txq_tail += need;
	return 0;
}

int node_output(struct node *n, struct node_out *out, uint64_t now)
{
	(void)now;
	if (n->txq_head == n->txq_tail)
		return 0;
	const uint8_t *p = n->txq + n->txq_head;
	out->ifindex = m6_get32(p);
	out->len = m6_get32(p + 4);
	memcpy(out->pkt, p + 8, out->len);
	n->txq_head += 8 + out->len;
	if (n->txq_head == n->txq_tail)
		n->txq_head = n->txq_tail = 0;
	return 1;
}

/* Send on a chosen interface without IPsec (Neighbor Discovery). */
static void send_raw(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len)
{
	int rc = txq_push(n, ifindex, pkt, len);
	if (rc)
		emit_drop(n, rc, "transmit queue");
}

/* A packet this node originates (or forwards): IPsec, then routing.
 * in_if >= 0 marks a packet forwarded from that interface: links here are
 * shared media without link-layer addresses, so a router sees traffic that
 * was not sent to it; it only forwards what must leave by another
 * interface, as it would only have received frames addressed to it. */
static void send_routed(struct node *n, const uint8_t *pkt, size_t len, bool forwarded, int in_if)
{
	struct pbuf pb;
	uint8_t *p;
	if (len > NODE_PKT_MAX) {
		emit_drop(n, M6_E_NOMEM, "too long");
		return;
	}
	pbuf_init(&pb, n->buf, sizeof(n->buf), NODE_HEADROOM);
	pbuf_put(&pb, len, &p);
	memmove(p, pkt, len);
	if (n->ipsec) {
		struct bits_result r;
		int rc = bits_output(&n->bits, &pb, forwarded, n->now, &r);
		drain_bits_events(n);
		if (rc) {
			emit_drop(n, rc, forwarded ? "ipsec (forward)" : "ipsec out");
			return;
		}
	}
	const uint8_t *q = pbuf_data(&pb);
	int ifx = q[24] == 0xff && (q[25] & 0x0f) <= 2 ? route_link_scope(n, q + 8) : route(n, q + 24);
	if (ifx < 0) {
		emit_drop(n, M6_E_NOTFOUND, "no route");
		return;
	}
	if (ifx == in_if)
		return;
	send_raw(n, (unsigned)ifx, q, pb.len);
}

static void send_local(struct node *n, const uint8_t *pkt, size_t len, bool forwarded)
{
	send_routed(n, pkt, len, forwarded, -1);
}

static void io_send(void *ctx, const uint8_t *pkt, size_t len)
{
	/* send_routed() memmoves into its scratch buffer (and checks the
	 * length), so a packet already in node memory needs no extra copy. */
	send_local(ctx, pkt, len, false);
}

/* ---- Router Advertisements ---- */

static void send_ra(struct node *n, unsigned ifindex)
{
	const struct node_iface_cfg *ic = &n->cfg.ifaces[ifindex];
	uint8_t pkt[40 + 16 + 32 + 8];              /* + Home Agent Information */
	uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	struct ip6_hdr h;
	memset(pkt, 0, sizeof(pkt));
	uint8_t *ra = pkt + 40, *pi = ra + 16;
	ra[0] = ND_RA;
	ra[4] = 64;                                    /* Cur Hop Limit */
	ra[5] = n->cfg.is_ha ? 0x20 : 0;               /* H: home agent (RFC 6275 7.1) */
	m6_put16(ra + 6, RA_ROUTER_LIFETIME_S);
	uint32_t valid = ic->prefix_valid_s ? ic->prefix_valid_s : 86400;
	pi[0] = 3;                                     /* Prefix Information */
	pi[1] = 4;
	pi[2] = (uint8_t)ic->plen;
	pi[3] = 0xc0;                                  /* L, A */
	m6_put32(pi + 4, valid);
	m6_put32(pi + 8, valid);
	memcpy(pi + 16, ic->prefix, 16);
	memset(&h, 0, sizeof(h));
	memcpy(h.src, ic->addr, 16);
	memcpy(h.dst, all_nodes, 16);
	h.nh = IP6P_ICMPV6;
	h.hlim = 255;
	h.plen = n->ha ? (uint16_t)ha_ra_extend(n->ha, ic->addr, ra, 48, sizeof(pkt) - 40, n->now) : 48;
	ip6_hdr_write(pkt, &h);
	m6_put16(ra + 2, m6_csum_ip6(h.src, h.dst, IP6P_ICMPV6, ra, h.plen));
	send_raw(n, ifindex, pkt, 40 + (size_t)h.plen);
}

static void input_ra(struct node *n, const uint8_t *pkt, const struct ip6_walk *w)
{
	const uint8_t *ra = pkt + w->proto_off;
	size_t len = w->end - w->proto_off;
	if (!n->mn || len < 16 || w->hdr.hlim != 255)
		return;
	for (size_t o = 16; o + 8 <= len;) {
		size_t ol = 8 * (size_t)ra[o + 1];
		if (!ol || o + ol > len)
			return;
		if (ra[o] == 3 && ol == 32 && (ra[o + 3] & 0x40))
			mn_input_ra(n->mn, ra + o + 16, ra[o + 2], m6_get32(ra + o + 4), w->hdr.src, n->now);
		o += ol;
	}
}

/* ---- input ---- */

static void deliver(struct node *n, const uint8_t *pkt, size_t len)
{
	struct m6_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = M6_EV_DELIVERED;
	memcpy(ev.peer, pkt + 8, 16);
	ev.u32 = (uint32_t)len;
	emit(n, &ev);
	if (n->dl_cb)
		n->dl_cb(n->dl_ctx, n, pkt, len, n->now);
}

static void echo_reply(struct node *n, const uint8_t *pkt, const struct ip6_walk *w)
{
	size_t ilen = w->end - w->proto_off;
	uint8_t out[NODE_PKT_MAX];
	struct ip6_hdr h;
	if (ilen < 8 || IP6_HDR_LEN + ilen > sizeof(out))
		return;
	memset(&h, 0, sizeof(h));
	/* Reply from the address that was asked (the home address for a MN),
	 * to the source as the upper layer sees it. */
	memcpy(h.src, w->hdr.dst, 16);
	memcpy(h.dst, w->hdr.src, 16);
	h.nh = IP6P_ICMPV6;
	h.hlim = 64;
	h.plen = (uint16_t)ilen;
	ip6_hdr_write(out, &h);
	memcpy(out + IP6_HDR_LEN, pkt + w->proto_off, ilen);
	out[IP6_HDR_LEN] = ICMP6_ECHO_REPLY;
	m6_put16(out + IP6_HDR_LEN + 2, 0);
	m6_put16(out + IP6_HDR_LEN + 2, m6_csum_ip6(h.src, h.dst, IP6P_ICMPV6, out + IP6_HDR_LEN, ilen));
	node_app_send(n, out, IP6_HDR_LEN + ilen, n->now);
}

static void input_mh(struct node *n, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		     const struct ipsec_sa *sa, bool via_tunnel)
{
	const uint8_t *mh = pkt + w->proto_off;
	uint8_t type = w->end - w->proto_off >= 3 ? mh[2] : 0xff;
	bool h = type == MH_BU && w->end - w->proto_off >= 10 && (m6_get16(mh + 8) & MH_BU_H);
	switch (type) {
	case MH_BU:
		if (h && n->ha)
			ha_input_mh(n->ha, pkt, len, w, sa, n->now);
		else if (n->cn)
			cn_input_mh(n->cn, pkt, len, w, sa, n->now);
		else if (n->ha)
			ha_input_mh(n->ha, pkt, len, w, sa, n->now);
		else
			emit_drop(n, M6_E_MH_TYPE, "BU for a node without HA/CN role");
		return;
	case MH_HOTI:
	case MH_COTI:
		if (n->cn)
			cn_input_mh(n->cn, pkt, len, w, sa, n->now);
		return;
	case MH_BA:
	case MH_BRR:
	case MH_BE:
	case MH_HOT:
	case MH_COT:
		if (n->mn)
			mn_input_mh(n->mn, pkt, len, w, sa, via_tunnel, n->now);
		return;
	default:
		/* unknown types are answered (MH-06) by whichever engine we have */
		if (n->ha)
			ha_input_mh(n->ha, pkt, len, w, sa, n->now);
		else if (n->cn)
			cn_input_mh(n->cn, pkt, len, w, sa, n->now);
		return;
	}
}

static void input_local(struct node *n, uint8_t *pkt, size_t len, const struct ipsec_sa *sa,
			bool via_tunnel, int depth);

/* RH2-02: the address must be one of our home addresses; then it stands in
 * the destination and Segments Left drops to 0. Never forwarded. */
static int process_rh2(struct node *n, uint8_t *pkt, const struct ip6_walk *w)
{
	if (w->rh_off < 0 || w->rh_type != 2)
		return 0;
	uint8_t *rh = pkt + w->rh_off;
	if (w->rh_segleft == 0)
		return M6_E_RH2_SEGLEFT;
	if (!n->mn || memcmp(rh + 8, mn_hoa(n->mn), 16))
		return M6_E_RH2_ADDR;
	uint8_t t[16];
	memcpy(t, pkt + 24, 16);
	memcpy(pkt + 24, rh + 8, 16);
	memcpy(rh + 8, t, 16);
	rh[3] = 0;
	return 0;
}

static void input_local(struct node *n, uint8_t *pkt, size_t len, const struct ipsec_sa *sa,
			bool via_tunnel, int depth)
{
	struct ip6_walk w;
	int rc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	if (rc) {
		emit_drop(n, rc, "malformed");
		return;
	}
	rc = process_rh2(n, pkt, &w);
	if (rc) {
		emit_drop(n, rc, "type 2 routing header");
		return;
	}
	if (w.rh_off >= 0)
		ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	switch (w.proto) {
	case IP6P_MH:
		input_mh(n, pkt, len, &w, sa, via_tunnel);
		return;
	case IP6P_IPV6: {
		int off = -1;
		if (depth >= TUNNEL_DEPTH_MAX) {
			emit_drop(n, M6_E_EXT_TOO_MANY, "tunnel nesting");
			return;
		}
		if (n->mn && mn_ha(n->mn) && !memcmp(w.hdr.src, mn_ha(n->mn), 16))
			off = mn_input_tunnel(n->mn, pkt, len, n->now);
		else if (n->ha)
			off = ha_input_tunnel(n->ha, pkt, len, sa && sa->mode == SA_TUNNEL ? sa : NULL, n->now);
		if (off < 0) {
			if (off != -1)
				emit_drop(n, off, "tunnel");
			return;
		}
		uint8_t *inner = pkt + off;
		size_t ilen = len - (size_t)off;
		if (n->mn && !n->ha) {
			input_local(n, inner, ilen, sa, true, depth + 1);
		} else if (is_local(n, inner + 24)) {
			input_local(n, inner, ilen, sa, true, depth + 1);
		} else {
			/* reverse tunnel at the HA: forward the inner packet */
			memmove(n->buf2, inner, ilen);
			send_local(n, n->buf2, ilen, true);
		}
		return;
	}
	case IP6P_ICMPV6: {
		const uint8_t *ic = pkt + w.proto_off;
		if (w.end - w.proto_off < 4)
			return;
		if (node_mip6_icmp(n->mn, n->ha, pkt, len, &w, sa, n->now))
			return;
		if (ic[0] == ND_RA)
			input_ra(n, pkt, &w);
		else if ((ic[0] == ND_NS || ic[0] == ND_NA) && n->ha)
			ha_input_nd(n->ha, pkt, len, n->now);
		else if (ic[0] == ICMP6_ECHO_REQUEST)
			echo_reply(n, pkt, &w);
		else if (ic[0] < 128 || ic[0] == ICMP6_ECHO_REPLY)
			deliver(n, pkt, len);
		return;
	}
	default:
		if (w.hao_off >= 0) {
			if (!n->cn) {
				emit_drop(n, M6_E_HAO_PLACE, "home address option without CN role");
				return;
			}
			rc = cn_input_hao(n->cn, pkt, len, &w, sa, n->now);
			if (rc) {
				emit_drop(n, rc, "home address option");
				return;
			}
		}
		deliver(n, pkt, len);
		return;
	}
}

static bool is_nd(const uint8_t *pkt, const struct ip6_walk *w)
{
	if (w->proto != IP6P_ICMPV6 || w->end < w->proto_off + 1)
		return false;
	uint8_t t = pkt[w->proto_off];
	return t >= ND_RS && t <= ND_REDIRECT;
}

int node_input(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct ip6_walk w;
	struct pbuf pb;
	uint8_t *p;
	n->now = now;
	if (ifindex >= n->cfg.n_ifaces || !n->ifs[ifindex].up || len > NODE_PKT_MAX)
		return M6_E_INVAL;
	int rc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	bool local = rc == 0 && is_local(n, w.hdr.dst);
	if (rc) {
		/* only packets meant for us are worth a report */
		if (len >= 40 && is_local(n, pkt + 24))
			emit_drop(n, rc, "malformed");
		return rc;
	}
	if (!local) {
		if (!n->cfg.forwarding)
			return 0;            /* a shared link shows us others' packets */
		if (route(n, w.hdr.dst) == (int)ifindex && !n->ha)
			return 0;            /* not ours to forward (see send_routed) */
		if (is_local(n, w.hdr.src)) {
			/* our own address as the source of a packet we did not send */
			emit_drop(n, M6_E_INVAL, "spoofed source");
			return M6_E_INVAL;
		}
		if (w.hdr.hlim <= 1) {
			emit_drop(n, M6_E_INVAL, "hop limit exceeded");
			return M6_E_INVAL;
		}
		memcpy(n->buf2, pkt, len);
		n->buf2[7]--;
		/* HA-07: the home agent intercepts packets for registered home addresses */
		if (n->ha && ha_intercept(n->ha, n->buf2, len, now))
			return 0;
		send_routed(n, n->buf2, len, true, (int)ifindex);
		return 0;
	}
	/* Neighbor Discovery is not IPsec-protected (RFC 3776 and 4877 leave it out). */
	if (is_nd(pkt, &w)) {
		memcpy(n->buf2, pkt, len);
		input_local(n, n->buf2, len, NULL, false, 0);
		return 0;
	}
	pbuf_init(&pb, n->buf2, sizeof(n->buf2), NODE_HEADROOM);
	pbuf_put(&pb, len, &p);
	memcpy(p, pkt, len);
	struct bits_result r;
	memset(&r, 0, sizeof(r));
	if (n->ipsec) {
		rc = bits_input(&n->bits, &pb, false, now, &r);
		drain_bits_events(n);
		if (rc) {
			emit_drop(n, rc, "ipsec in");
			return rc;
		}
	}
	input_local(n, pbuf_data(&pb), pb.len, r.sa, false, 0);
	return 0;
}

int node_app_send(struct node *n, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct ip6_walk w;
	n->now = now;
	if (len < IP6_HDR_LEN || len > NODE_PKT_MAX)
		return M6_E_INVAL;
	/* Applications hand over whole packets; a malformed one never leaves. */
	int rc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	if (rc)
		return rc;
	if (n->mn)
		mn_output(n->mn, pkt, len, now);
	else if (n->cn)
		cn_output(n->cn, pkt, len, now);
	else
		send_local(n, pkt, len, false);
	return 0;
}

/* ---- timers, links ---- */

uint64_t node_next_expiry(const struct node *n)
{
	uint64_t t = UINT64_MAX;
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if (n->cfg.ifaces[i].advertise && n->ifs[i].up && n->ifs[i].next_ra < t)
			t = n->ifs[i].next_ra;
	if (n->mn && mn_next_expiry(n->mn) < t)
		t = mn_next_expiry(n->mn);
	if (n->ha && ha_next_expiry(n->ha) < t)
		t = ha_next_expiry(n->ha);
	if (n->cn && cn_next_expiry(n->cn) < t)
		t = cn_next_expiry(n->cn);
	return t;
}

void node_on_timer(struct node *n, uint64_t now)
{
	n->now = now;
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++) {
		const struct node_iface_cfg *ic = &n->cfg.ifaces[i];
		if (ic->advertise && n->ifs[i].up && n->ifs[i].next_ra <= now) {
			send_ra(n, i);
			n->ifs[i].next_ra = now + (uint64_t)(ic->ra_interval_ms ? ic->ra_interval_ms : RA_INTERVAL_MS_DEFAULT) * MIP6_NS_PER_MS;
		}
	}
	if (n->mn && mn_next_expiry(n->mn) <= now)
		mn_on_timer(n->mn, now);
	if (n->ha && ha_next_expiry(n->ha) <= now)
		ha_on_timer(n->ha, now);
	if (n->cn && cn_next_expiry(n->cn) <= now)
		cn_on_timer(n->cn, now);
}

void node_link(struct node *n, unsigned ifindex, bool up, uint64_t now)
{
	n->now = now;
	if (ifindex >= n->cfg.n_ifaces)
		return;
	n->ifs[ifindex].up = up;
	if (up)
		n->ifs[ifindex].next_ra = now;
	else if (n->mn)
		mn_link_down(n->mn, now);
}

/* ---- lifecycle ---- */

struct node *node_new(const struct node_cfg *cfg, uint64_t now, char *err, size_t errlen)
{
	if (!cfg || cfg->n_ifaces == 0 || cfg->n_ifaces > NODE_IF_MAX || cfg->n_routes > NODE_ROUTE_MAX) {
		snprintf(err, errlen, "a node needs 1..%d interfaces and at most %d routes", NODE_IF_MAX, NODE_ROUTE_MAX);
		return NULL;
	}
	struct node *n = calloc(1, sizeof(*n));
	if (!n || !(n->txq = malloc(TXQ_INITIAL))) {
		free(n);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->txq_cap = TXQ_INITIAL;
	n->cfg = *cfg;
	snprintf(n->name, sizeof(n->name), "%s", cfg->name ? cfg->name : "node");
	n->cfg.name = n->name;
	n->now = now;
	n->rng = cfg->seed ^ 0x6d69703673656364ull;
	n->io.ctx = n;
	n->io.send = io_send;
	n->io.event = io_event;
	n->io.random = io_random;
	for (unsigned i = 0; i < cfg->n_ifaces; i++) {
		n->ifs[i].up = true;
		n->ifs[i].next_ra = now;
	}
	if (cfg->spd) {
		n->ipsec = true;
		bits_init(&n->bits, &cfg->bits, cfg->spd, cfg->sad, cfg->pad);
	}
	const char *what = NULL;
	if (cfg->is_mn && !(n->mn = mn_new(&cfg->mn, &n->io)))
		what = "mobile node";
	if (!what && cfg->is_ha && !(n->ha = ha_new(&cfg->ha, &n->io)))
		what = "home agent";
	if (!what && cfg->is_cn && !(n->cn = cn_new(&cfg->cn, &n->io, now)))
		what = "correspondent node";
	if (what) {
		snprintf(err, errlen, "%s: bad %s configuration", n->name, what);
		node_free(n);
		return NULL;
	}
	return n;
}

void node_free(struct node *n)
{
	if (!n)
		return;
	mn_free(n->mn);
	ha_free(n->ha);
	cn_free(n->cn);
	if (n->ipsec) {
		sad_free(n->cfg.sad);
		spd_free(n->cfg.spd);
		pad_free(n->cfg.pad);
	}
	free(n->txq);
	free(n);
}

const char *node_name(const struct node *n) { return n->name; }
void node_set_event_cb(struct node *n, node_event_cb cb, void *ctx) { n->ev_cb = cb; n->ev_ctx = ctx; }
void node_set_deliver_cb(struct node *n, node_deliver_cb cb, void *ctx) { n->dl_cb = cb; n->dl_ctx = ctx; }
void node_set_km(struct node *n, const struct node_km *km) { n->km = *km; }
struct mn *node_mn(struct node *n) { return n->mn; }
struct ha *node_ha(struct node *n) { return n->ha; }
struct cn *node_cn(struct node *n) { return n->cn; }
struct bits *node_bits(struct node *n) { return n->ipsec ? &n->bits : NULL; }
