/*
 * node_input — what arrives: forwarding (with its ICMPv6 errors),
 * Neighbor Discovery, the key manager's UDP ports, IPsec input, the type 2
 * Routing header, tunnels, and dispatch to the Mobile IPv6 engines or the
 * application. Also the application's own packets (node_app_send).
 */
#include <stdio.h>
#include <string.h>

#include "node_int.h"
#include "node_mip6.h"
#include "../pkt/icmp6.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../util/m6_bytes.h"

static void echo_reply(struct node *n, const uint8_t *pkt, const struct ip6_walk *w)
{
	size_t ilen = w->end - w->proto_off;
	uint8_t out[NODE_PKT_MAX];
	struct ip6_hdr h;
	if (ilen < 8 || IP6_HDR_LEN + ilen > NODE_APP_MAX)
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
			node_emit_drop(n, M6_E_MH_TYPE, "BU for a node without HA/CN role");
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

static void input_local(struct node *n, uint8_t *pkt, size_t len, const struct ipsec_sa *sa, bool via_tunnel,
			int depth);

static void input_tunnel(struct node *n, uint8_t *pkt, size_t len, const struct ip6_walk *w,
			 const struct ipsec_sa *sa, int depth)
{
	int off = -1;
	if (depth >= TUNNEL_DEPTH_MAX) {
		node_emit_drop(n, M6_E_EXT_TOO_MANY, "tunnel nesting");
		return;
	}
	if (n->mn && mn_ha(n->mn) && !memcmp(w->hdr.src, mn_ha(n->mn), 16))
		off = mn_input_tunnel(n->mn, pkt, len, n->now);
	else if (n->ha)
		/* HA-08: a tunnel-mode SA vouches for the level it took off (depth
		 * 0) only; a tunnel nested inside it is checked as if it came in
		 * clear, or the SA's peer could speak for any home address */
		off = ha_input_tunnel(n->ha, pkt, len, depth == 0 && sa && sa->mode == SA_TUNNEL ? sa : NULL,
				      n->now);
	if (off < 0) {
		if (off != -1)
			node_emit_drop(n, off, "tunnel");
		return;
	}
	uint8_t *inner = pkt + off;
	size_t ilen = len - (size_t)off;
	if ((n->mn && !n->ha) || node_is_local(n, inner + 24)) {
		input_local(n, inner, ilen, sa, true, depth + 1);
	} else {
		/* reverse tunnel at the HA: forward the inner packet (it lives in
		 * buf2, which the transmit path does not touch) */
		node_send_routed(n, inner, ilen, TX_FORWARDED, -1);
	}
}

/* HAO-06: a Home Address option is accepted only by a correspondent with
 * a binding for it (which swaps it into the source); anything else drops. */
static bool hao_ok(struct node *n, uint8_t *pkt, size_t len, const struct ip6_walk *w, const struct ipsec_sa *sa)
{
	if (!n->cn) {
		node_emit_drop(n, M6_E_HAO_PLACE, "home address option without CN role");
		return false;
	}
	int rc = cn_input_hao(n->cn, pkt, len, w, sa, n->now);
	if (rc) {
		node_emit_drop(n, rc, "home address option");
		return false;
	}
	return true;
}

static void input_local(struct node *n, uint8_t *pkt, size_t len, const struct ipsec_sa *sa, bool via_tunnel,
			int depth)
{
	struct ip6_walk w;
	int rc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	if (rc) {
		node_emit_drop(n, rc, "malformed");
		return;
	}
	rc = process_rh2(n, pkt, &w);
	if (rc) {
		node_emit_drop(n, rc, "type 2 routing header");
		return;
	}
	if (w.rh_off >= 0)
		ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	switch (w.proto) {
	case IP6P_MH:
		input_mh(n, pkt, len, &w, sa, via_tunnel);
		return;
	case IP6P_IPV6:
		input_tunnel(n, pkt, len, &w, sa, depth);
		return;
	case IP6P_ICMPV6: {
		const uint8_t *ic = pkt + w.proto_off;
		if (w.end - w.proto_off < 4)
			return;
		/* discovery first: a Mobile Prefix Solicitation's Home Address
		 * option is the home agent's to check (RFC 6275 6.7, 10.6.3) */
		if (node_mip6_icmp(n->mn, n->ha, pkt, len, &w, sa, n->now))
			return;
		/* a route-optimised Echo Reply or error carries the home address */
		if (w.hao_off >= 0 && !hao_ok(n, pkt, len, &w, sa))
			return;
		if (ic[0] == ND_RA)
			node_input_ra(n, pkt, &w);
		else if ((ic[0] == ND_NS || ic[0] == ND_NA) && n->ha)
			ha_input_nd(n->ha, pkt, len, n->now);
		else if (ic[0] == ICMP6_ECHO_REQUEST && !n->cfg.no_echo_reply)
			echo_reply(n, pkt, &w);
		else if (ic[0] < 128 || ic[0] == ICMP6_ECHO_REPLY || ic[0] == ICMP6_ECHO_REQUEST)
			node_deliver(n, pkt, len);
		return;
	}
	default:
		if (w.hao_off >= 0 && !hao_ok(n, pkt, len, &w, sa))
			return;
		node_deliver(n, pkt, len);
		return;
	}
}

/* What a tunnel-mode SA took the outer header off, once bits checked it
 * against the SA's selectors: true when handled here.
 * HA-09: on the home agent a packet for someone else (the Home Test Init
 * to a correspondent, the mobile node's traffic) is forwarded, as the
 * reverse tunnel's inner packets are; it lives in buf2, which the
 * transmit path does not touch.
 * RR-04: on the mobile node the SA that follows its binding is its tunnel
 * from the home agent: what it carries for the home address came through
 * the tunnel (a Home Test counts only so). */
static bool input_tunnel_sa(struct node *n, uint8_t *inner, size_t len, const struct ipsec_sa *sa)
{
	if (len < IP6_HDR_LEN)
		return false;
	if (n->ha && !node_is_local(n, inner + 24)) {
		node_send_routed(n, inner, len, TX_FORWARDED, -1);
		return true;
	}
	if (n->mn && !n->ha && sa->follow_binding) {
		if (memcmp(inner + 24, mn_hoa(n->mn), 16)) {
			node_emit_drop(n, M6_E_TUNNEL_PEER, "tunnel SA: not for the home address");
			return true;
		}
		input_local(n, inner, len, sa, true, 1);
		return true;
	}
	return false;
}

static bool is_nd(const uint8_t *pkt, const struct ip6_walk *w)
{
	if (w->proto != IP6P_ICMPV6 || w->end < w->proto_off + 1)
		return false;
	uint8_t t = pkt[w->proto_off];
	return t >= ND_RS && t <= ND_REDIRECT;
}

static int forward(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len, const struct ip6_walk *w)
{
	/* a link-local destination is on this link by definition (RFC 4861
	 * 5.2) and never forwarded (RFC 4291 2.5.6): someone else's packet,
	 * unless a home agent defends it for a mobile node away (HA-07) */
	bool ll = ip6_addr_is_link_local(w->hdr.dst);
	if (!n->cfg.forwarding)
		return 0;            /* a shared link shows us others' packets */
	if ((node_route(n, w->hdr.dst) == (int)ifindex || ll) && !n->ha)
		return 0;            /* not ours to forward (see node_send_routed) */
	if (node_is_local(n, w->hdr.src)) {
		/* our own address as the source of a packet we did not send */
		node_emit_drop(n, M6_E_INVAL, "spoofed source");
		return M6_E_INVAL;
	}
	if (w->hdr.hlim <= 1) {
		/* RFC 4443 3.3: code 0, hop limit exceeded in transit */
		node_emit_drop(n, M6_E_INVAL, "hop limit exceeded");
		node_icmp_error(n, ICMP6_TIME_EXCEEDED, 0, 0, pkt, len);
		return M6_E_INVAL;
	}
	memcpy(n->buf2, pkt, len);
	n->buf2[7]--;
	/* HA-07: the home agent intercepts packets for registered home addresses */
	if (n->ha && ha_intercept(n->ha, n->buf2, len, n->now))
		return 0;
	if (ll)
		return 0;
	node_send_routed(n, n->buf2, len, TX_FORWARDED, (int)ifindex);
	return 0;
}

static int input(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len)
{
	struct ip6_walk w;
	struct pbuf pb;
	uint8_t *p;
	int rc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	if (rc) {
		/* only packets meant for us are worth a report */
		if (len >= 40 && node_is_local(n, pkt + 24))
			node_emit_drop(n, rc, "malformed");
		return rc;
	}
	if (!node_is_local(n, w.hdr.dst))
		return forward(n, ifindex, pkt, len, &w);
	/* Neighbor Discovery is not IPsec-protected (RFC 3776 and 4877 leave it out). */
	if (is_nd(pkt, &w)) {
		memcpy(n->buf2, pkt, len);
		input_local(n, n->buf2, len, NULL, false, 0);
		return 0;
	}
	/* IKE bypasses the SPD (RFC 4301 5.1) and goes to the key manager */
	if (node_km_is_own(n, pkt, len, &w)) {
		memcpy(n->buf2, pkt, len);
		return node_km_take(n, ifindex, n->buf2, len, &w) ? 0 : M6_E_UDP_CKSUM;
	}
	pbuf_init(&pb, n->buf2, NODE_BUF, NODE_HEADROOM);
	pbuf_put(&pb, len, &p);
	memcpy(p, pkt, len);
	struct bits_result r;
	memset(&r, 0, sizeof(r));
	if (n->ipsec) {
		rc = bits_input(&n->bits, &pb, false, n->now, &r);
		node_km_drain_bits(n);
		if (rc) {
			node_emit_drop(n, rc, "ipsec in");
			return rc;
		}
	}
	if (r.sa && r.sa->mode == SA_TUNNEL && input_tunnel_sa(n, pbuf_data(&pb), pb.len, r.sa))
		return 0;
	input_local(n, pbuf_data(&pb), pb.len, r.sa, false, 0);
	return 0;
}

int node_input(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len, uint64_t now)
{
	if (ifindex >= n->cfg.n_ifaces || !n->ifs[ifindex].up || len > NODE_PKT_MAX)
		return M6_E_INVAL;
	node_enter(n, now);
	int rc = input(n, ifindex, pkt, len);
	node_leave(n);
	return rc;
}

int node_app_send(struct node *n, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct ip6_walk w;
	if (len < IP6_HDR_LEN || len > NODE_APP_MAX)
		return M6_E_INVAL;
	/* Applications hand over whole packets; a malformed one never leaves. */
	int rc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	if (rc)
		return rc;
	node_enter(n, now);
	if (n->mn)
		mn_output(n->mn, pkt, len, n->now);
	else if (n->cn)
		cn_output(n->cn, pkt, len, n->now);
	else
		node_send_local(n, pkt, len);
	node_leave(n);
	return 0;
}
