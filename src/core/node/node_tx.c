/*
 * node_tx — what leaves the node: IPsec output, routing, the link MTU, the
 * transmit queue the driver drains, local delivery and ICMPv6 errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_int.h"
#include "../pkt/icmp6.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../util/m6_bytes.h"

#define TXQ_INITIAL 8192
#define TXQ_REC 28                      /* ifindex, nh kind, nexthop, len */
#define ICMP_REFILL_NS (10 * MIP6_NS_PER_MS)

/* ---- transmit queue ---- */

static int txq_push(struct node *n, unsigned ifindex, enum node_nh_kind kind, const uint8_t nh[16],
		    const uint8_t *pkt, size_t len)
{
	struct node_txq *q = n->q;
	size_t need = TXQ_REC + len;
	if (len > NODE_PKT_MAX)
		return M6_E_NOMEM;
	if (q->head != q->tail && q->owner != n)
		return M6_E_FULL;          /* a shared queue still holds another node's output */
	q->owner = n;
	if (q->tail + need > q->cap) {
		/* compact, then grow if still short (the first packet allocates) */
		if (q->head) {
			memmove(q->p, q->p + q->head, q->tail - q->head);
			q->tail -= q->head;
			q->head = 0;
		}
		while (q->tail + need > q->cap) {
			size_t cap = q->cap ? q->cap * 2 : TXQ_INITIAL;
			if (cap > n->txq_max)
				cap = n->txq_max;     /* the last step up to the bound itself */
			uint8_t *p = cap > q->cap ? realloc(q->p, cap) : NULL;
			if (!p)
				return M6_E_FULL;
			q->p = p;
			q->cap = cap;
		}
	}
	uint8_t *p = q->p + q->tail;
	m6_put32(p, ifindex);
	m6_put32(p + 4, (uint32_t)kind);
	memcpy(p + 8, nh, 16);
	m6_put32(p + 24, (uint32_t)len);
	memcpy(p + TXQ_REC, pkt, len);
	q->tail += need;
	return 0;
}

int node_output(struct node *n, struct node_out *out, uint64_t now)
{
	(void)now;
	struct node_txq *q = n->q;
	if (q->head == q->tail || q->owner != n)
		return 0;
	const uint8_t *p = q->p + q->head;
	out->ifindex = m6_get32(p);
	out->nh_kind = (enum node_nh_kind)m6_get32(p + 4);
	memcpy(out->nexthop, p + 8, 16);
	out->len = m6_get32(p + 24);
	memcpy(out->pkt, p + TXQ_REC, out->len);
	q->head += TXQ_REC + out->len;
	if (q->head == q->tail)
		q->head = q->tail = 0;
	return 1;
}

/* Send on a chosen interface without IPsec (Neighbor Discovery). */
void node_send_raw(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len)
{
	uint8_t nh[16];
	enum node_nh_kind kind = node_next_hop(n, ifindex, pkt + 24, nh);
	if (kind == NODE_NH_ONLINK)
		memcpy(nh, pkt + 24, 16);
	else if (kind == NODE_NH_ROUTERS)
		memset(nh, 0, 16);
	int rc = txq_push(n, ifindex, kind, nh, pkt, len);
	if (rc)
		node_emit_drop(n, rc, "transmit queue");
}

/* ---- local delivery ---- */

void node_deliver(struct node *n, const uint8_t *pkt, size_t len)
{
	struct m6_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = M6_EV_DELIVERED;
	memcpy(ev.peer, pkt + 8, 16);
	ev.u32 = (uint32_t)len;
	node_emit(n, &ev);
	if (n->dl_cb)
		n->dl_cb(n->dl_ctx, n, pkt, len, n->now);
}

/* ---- ICMPv6 errors (RFC 4443) ---- */

static bool icmp_token(struct node *n)
{
	uint64_t gained = (n->now - n->icmp_stamp) / ICMP_REFILL_NS;
	if (gained) {
		uint64_t t = n->icmp_tokens + gained;
		n->icmp_tokens = t > NODE_ICMP_BURST ? NODE_ICMP_BURST : (uint32_t)t;
		n->icmp_stamp = n->now;
	}
	if (!n->icmp_tokens)
		return false;
	n->icmp_tokens--;
	return true;
}

void node_icmp_error(struct node *n, uint8_t type, uint8_t code, uint32_t param, const uint8_t *pkt, size_t len)
{
	static const uint8_t unspec[16];
	struct ip6_walk w;
	if (len < IP6_HDR_LEN || pkt[8] == 0xff || !memcmp(pkt + 8, unspec, 16))
		return;
	/* 2.4(e): never about an error message, nor (but Packet Too Big)
	 * about a packet sent to a multicast address */
	if (pkt[24] == 0xff && type != ICMP6_PACKET_TOO_BIG)
		return;
	if (ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w) == 0 && w.proto == IP6P_ICMPV6 && w.end > w.proto_off &&
	    pkt[w.proto_off] < 128)
		return;
	if (!icmp_token(n)) {
		node_emit_drop(n, M6_E_FULL, "icmpv6 error rate limit");
		return;
	}
	uint8_t src[16];
	if (!node_src_for(n, pkt + 8, src))
		return;
	struct pbuf pb;
	pbuf_init(&pb, n->ebuf, NODE_EBUF, 0);
	int rc = n->ipsec ? bits_icmp_error(&n->bits, &pb, src, type, code, param, pkt, len)
			  : icmp6_build_error(&pb, src, pkt + 8, type, code, param, pkt, len);
	if (rc) {
		node_emit_drop(n, rc, "icmpv6 error");
		return;
	}
	const uint8_t *e = pbuf_data(&pb);
	/* about a packet this node sent itself: its own upper layer learns it */
	if (node_is_local(n, e + 24) || (n->mn && !memcmp(e + 24, mn_hoa(n->mn), 16)))
		node_deliver(n, e, pb.len);
	else
		node_send_local(n, e, pb.len);
}

/* The packet does not fit the link (RFC 4443 3.2; RFC 2473 7.1 at a tunnel
 * entry point: the error goes to the inner packet's source, with the room
 * the tunnel leaves). This node does not fragment what it sends. */
static void too_big(struct node *n, const uint8_t *pkt, size_t len, size_t wire_len, unsigned mtu, bool forwarded)
{
	node_emit_drop(n, M6_E_NOMEM, forwarded ? "packet too big (forward)" : "packet too big");
	if (!forwarded && len >= 2 * IP6_HDR_LEN && pkt[6] == IP6P_IPV6) {
		size_t overhead = wire_len - (len - IP6_HDR_LEN);
		uint32_t room = mtu > overhead + ICMP6_MIN_MTU ? (uint32_t)(mtu - overhead) : ICMP6_MIN_MTU;
		node_icmp_error(n, ICMP6_PACKET_TOO_BIG, 0, room, pkt + IP6_HDR_LEN, len - IP6_HDR_LEN);
		return;
	}
	node_icmp_error(n, ICMP6_PACKET_TOO_BIG, 0, mtu, pkt, len);
}

/* ---- the transmit path ---- */

/* HA-09, 3776-08: the engines build the mobile node - home agent tunnel as
 * IPv6-in-IPv6 (CoA <-> HA). When the SPD gives what goes into it to a
 * tunnel-mode SA that follows the binding, that SA is the tunnel: the
 * engine's outer header comes off and the SA puts its own on, with the
 * endpoints the binding gave it. Nothing else meets those SAs. */
static bool into_tunnel_sa(struct node *n, struct pbuf *pb)
{
	const uint8_t *p = pbuf_data(pb);
	if (pb->len < 2 * IP6_HDR_LEN || p[6] != IP6P_IPV6)
		return false;
	/* the mobile node's tunnel is the one to its home agent; the home
	 * agent's lead to care-of addresses, which the SA knows better */
	bool at_mn = n->mn && !n->ha;
	if (at_mn && (!mn_ha(n->mn) || memcmp(p + 24, mn_ha(n->mn), 16)))
		return false;
	if (!at_mn && !n->ha)
		return false;
	if (!bits_tunnel_selects(&n->bits, p + IP6_HDR_LEN, pb->len - IP6_HDR_LEN))
		return false;
	pbuf_pull(pb, IP6_HDR_LEN);
	return true;
}

/* A packet this node originates (or forwards): IPsec, then routing.
 * in_if >= 0 marks a packet forwarded from that interface: links here are
 * shared media without link-layer addresses, so a router sees traffic that
 * was not sent to it; it only forwards what must leave by another
 * interface, as it would only have received frames addressed to it.
 * pkt stays intact (IPsec works on a copy in n->buf), so an error about it
 * quotes what was sent, not its ciphertext. */
/* A Binding Update with the H flag (a home registration or
 * de-registration). */
static bool home_bu(const uint8_t *pkt, size_t len)
{
	struct ip6_walk w;
	/* a BU follows the IPv6 header or its HAO's Destination Options: a
	 * mobile node's bypassed data traffic is not walked a second time */
	if (len < IP6_HDR_LEN || (pkt[6] != IP6P_MH && pkt[6] != IP6P_DSTOPTS))
		return false;
	if (ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w) || w.proto != IP6P_MH || w.proto_off + 10 > w.end)
		return false;
	return pkt[w.proto_off + 2] == MH_BU && (m6_get16(pkt + w.proto_off + 8) & MH_BU_H);
}

/* Put pb's packet in the home agent's tunnel to coa (RFC 2473). */
static int encap_in_place(struct node *n, struct pbuf *pb, const uint8_t coa[16])
{
	uint8_t *o;
	size_t inner = pb->len;
	if (inner > 0xffff || inner + IP6_HDR_LEN > NODE_PKT_MAX || pbuf_push(pb, IP6_HDR_LEN, &o))
		return M6_E_NOMEM;
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, ha_address(n->ha), 16);
	memcpy(h.dst, coa, 16);
	h.hlim = 64;
	h.nh = IP6P_IPV6;
	h.plen = (uint16_t)inner;
	ip6_hdr_write(o, &h);
	return 0;
}

/* IPsec on pb, a packet this node sends (or forwards): 0, or the drop
 * reason, counted. bound: a home agent's own packet to a registered home
 * address, which a tunnel SA following the binding may take whole.
 * *tunnel_sa: a tunnel-mode SA put its own outer header on. */
static int protect(struct node *n, struct pbuf *pb, bool forwarded, bool bound, bool *tunnel_sa)
{
	struct bits_result r;
	int rc;
	const uint8_t *p = pbuf_data(pb);
	size_t len = pb->len;
	if (!forwarded && (into_tunnel_sa(n, pb) || (bound && bits_tunnel_selects(&n->bits, p, len)))) {
		rc = bits_output_tunnel(&n->bits, pb, n->now, &r);
		*tunnel_sa = true;
	} else {
		rc = bits_output(&n->bits, pb, forwarded, n->now, &r);
		*tunnel_sa = !rc && r.sa && r.sa->mode == SA_TUNNEL;
	}
	node_km_drain_bits(n);
	/* RFC 3776 4.1 (3776-04): ESP on the home registration is not only
	 * supported but used; a node with IPsec whose policies let its home
	 * Binding Update out in clear is misconfigured, and the BU does not
	 * leave (fail closed, counted). */
	if (!rc && !forwarded && n->mn && !r.sa && home_bu(pbuf_data(pb), pb->len))
		rc = bits_note_drop(&n->bits, M6_E_BU_UNPROTECTED);
	if (rc) {
		if (rc == M6_E_NO_SA && !forwarded)
			n->waits_sa = true;
		node_emit_drop(n, rc, forwarded ? "ipsec (forward)" : "ipsec out");
	}
	return rc;
}

void node_send_routed(struct node *n, const uint8_t *pkt, size_t len, unsigned flags, int in_if)
{
	struct pbuf pb;
	uint8_t *p;
	bool forwarded = flags & TX_FORWARDED;
	if (len > NODE_PKT_MAX || len < IP6_HDR_LEN) {
		node_emit_drop(n, M6_E_NOMEM, "too long");
		return;
	}
	pbuf_init(&pb, n->buf, NODE_BUF, NODE_HEADROOM);
	pbuf_put(&pb, len, &p);
	memmove(p, pkt, len);
	/* RFC 6275 10.4.2: what a home agent itself sends to a registered home
	 * address goes to the care-of address, as what it intercepts does
	 * (ha_intercept): through the tunnel SA that follows the binding when
	 * one selects it, else in IPv6-in-IPv6 after the packet's own IPsec
	 * (unless that was a tunnel-mode SA: the tunnel already), the outer
	 * packet then meeting the SPD as any tunnel packet does. Its BA to a
	 * BU in the RFC 4877 tunnel format and its Home Test as a
	 * correspondent (4877-04, 4877-14) take this path. */
	uint8_t coa[16];
	const uint8_t *bound = NULL;
	if (!forwarded && !(flags & TX_BYPASS) && n->ha && !ip6_addr_is_multicast(p + 24) &&
	    (bound = ha_bound_coa(n->ha, p + 24)))
		memcpy(coa, bound, 16);
	bool ipsec = n->ipsec && !(flags & TX_BYPASS), tunnel_sa = false, encap = false;
	if (ipsec && protect(n, &pb, forwarded, bound != NULL, &tunnel_sa))
		return;
	if (bound && !tunnel_sa) {
		int rc = encap_in_place(n, &pb, coa);
		if (rc) {
			node_emit_drop(n, rc, "home agent tunnel");
			return;
		}
		encap = true;
		if (ipsec && protect(n, &pb, false, false, &tunnel_sa))
			return;
	}
	const uint8_t *q = pbuf_data(&pb);
	int ifx = q[24] == 0xff && (q[25] & 0x0f) <= 2 ? node_route_link_scope(n, q + 8) : node_route(n, q + 24);
	if (ifx < 0) {
		node_emit_drop(n, M6_E_NOTFOUND, "no route");
		if (forwarded)
			node_icmp_error(n, ICMP6_DST_UNREACH, 0, 0, pkt, len);
		return;
	}
	if (ifx == in_if)
		return;
	unsigned mtu = node_mtu(n, (unsigned)ifx);
	if (pb.len > mtu) {
		/* in the home agent's tunnel: the room it leaves (RFC 2473 7.1) */
		size_t over = pb.len - len;
		unsigned room = mtu > over + ICMP6_MIN_MTU ? (unsigned)(mtu - over) : ICMP6_MIN_MTU;
		too_big(n, pkt, len, encap ? len : pb.len, encap ? room : mtu, forwarded);
		return;
	}
	node_send_raw(n, (unsigned)ifx, q, pb.len);
}

void node_send_local(struct node *n, const uint8_t *pkt, size_t len)
{
	node_send_routed(n, pkt, len, 0, -1);
}
