#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "ah.h"
#include "esp.h"
#include "flow.h"
#include "../pkt/icmp6.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../util/m6_bytes.h"

#define IKE_NATT_PORT 4500

void bits_init(struct bits *b, const struct bits_cfg *cfg, struct spd *spd, struct sad *sad, struct pad *pad)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	b->spd = spd;
	b->sad = sad;
	b->pad = pad;
	for (size_t i = 0, cap = sad ? sad_capacity(sad) : 0; i < cap; i++) {
		const struct ipsec_sa *sa = sad_slot(sad, i);
		b->n_follow += sa && sa->follow_binding;
	}
}

_Static_assert(M6_E_IKE_TRUNC - M6_E_FIRST_ == BITS_IKE_FIRST, "the IKE range moved: the drop counters stop below it");

void bits_fini(struct bits *b)
{
	free(b->st.drops);
	b->st.drops = NULL;
	free(b->evq);
	b->evq = NULL;
	b->ev_head = b->ev_n = 0;
}

uint64_t bits_drops(const struct bits *b, int code)
{
	unsigned i = bits_reason_index(code);
	return i < BITS_NREASONS && b->st.drops ? b->st.drops[i] : 0;
}

bool bits_next_event(struct bits *b, struct bits_event *ev)
{
	if (!b->ev_n)
		return false;
	*ev = b->evq[b->ev_head];
	b->ev_head = (b->ev_head + 1) % BITS_EVQ_LEN;
	b->ev_n--;
	return true;
}

static void push_event(struct bits *b, const struct bits_event *ev)
{
	if (!b->evq)
		b->evq = malloc(BITS_EVQ_LEN * sizeof(*b->evq));
	if (!b->evq || b->ev_n == BITS_EVQ_LEN) {
		b->st.events_lost++;
		return;
	}
	b->evq[(b->ev_head + b->ev_n) % BITS_EVQ_LEN] = *ev;
	b->ev_n++;
}

static void sa_event(struct bits *b, const struct ipsec_sa *sa, enum sad_event e)
{
	struct bits_event ev;
	if (e == SAD_EV_NONE)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = e == SAD_EV_SOFT ? BITS_EV_SOFT_EXPIRE : BITS_EV_HARD_EXPIRE;
	ev.spi = sa->spi;
	ev.proto = sa->proto;
	ev.inbound = sa->inbound;
	push_event(b, &ev);
}

static int drop(struct bits *b, struct bits_result *r, int reason)
{
	unsigned i = bits_reason_index(reason);
	b->st.drops_total++;
	/* the one allocation this path makes, once in the node's life */
	if (!b->st.drops)
		b->st.drops = calloc(BITS_NREASONS, sizeof(*b->st.drops));
	if (i < BITS_NREASONS && b->st.drops)
		b->st.drops[i]++;
	if (r)
		r->reason = reason;
	return reason;
}

int bits_note_drop(struct bits *b, int reason)
{
	return drop(b, NULL, reason);
}

static enum flow_view view_for(const struct bits *b, bool forwarded)
{
	if (forwarded && !b->cfg.normalise_forwarded)
		return FLOW_WIRE;
	return b->cfg.model == SA_MODEL_NORMALISE ? FLOW_HOME : FLOW_WIRE;
}

/* Where a transport-mode header goes: after Hop-by-Hop, the Routing header,
 * Destination Options meant for routers on the way, and the Destination
 * Options header holding the HAO (HAO-02: HAO before ESP/AH). */
static void transport_split(const struct ip6_walk *w, size_t *off, size_t *nh_field)
{
	*off = IP6_HDR_LEN;
	*nh_field = 6;
	for (unsigned i = 0; i < w->n_ext; i++) {
		const struct ip6_ext *e = &w->ext[i];
		bool keep = e->proto == IP6P_HBH || e->proto == IP6P_ROUTING;
		if (e->proto == IP6P_DSTOPTS)
			keep = w->rh_off > (int)e->off ||
			       (w->hao_off >= (int)e->off && w->hao_off < (int)(e->off + e->len));
		if (!keep)
			break;
		*nh_field = e->off;
		*off = (size_t)e->off + e->len;
	}
}

/* Pseudo-header addresses of a packet (HAO source, routing final destination). */
static void pseudo_addrs(const uint8_t *pkt, size_t len, uint8_t src[16], uint8_t dst[16])
{
	struct ip6_walk w;
	ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	ip6_walk_pseudo(&w, pkt, src, dst);
}

static void set_plen(struct pbuf *pb)
{
	size_t plen = pb->len - IP6_HDR_LEN;
	m6_put16(pbuf_data(pb) + 4, (uint16_t)(plen > 0xffff ? 0xffff : plen));
}

static int push_tunnel_header(struct pbuf *pb, const struct ipsec_sa *sa)
{
	struct ip6_hdr h;
	uint8_t *p;
	int rc = pbuf_push(pb, IP6_HDR_LEN, &p);
	if (rc)
		return rc;
	memset(&h, 0, sizeof(h));
	h.nh = IP6P_IPV6;
	h.hlim = 64;
	memcpy(h.src, sa->src, 16);
	memcpy(h.dst, sa->dst, 16);
	ip6_hdr_write(p, &h);
	return 0;
}

static int apply_sa(struct ipsec_sa *sa, struct pbuf *pb, const struct ip6_walk *w)
{
	size_t off, nh_field;
	int rc;
	if (sa->mode == SA_TUNNEL) {
		rc = push_tunnel_header(pb, sa);
		if (rc)
			return rc;
		set_plen(pb);   /* AH covers the outer Payload Length: ah_seal() needs it right */
		off = IP6_HDR_LEN;
		nh_field = 6;
	} else {
		transport_split(w, &off, &nh_field);
	}
	uint64_t seq = sa->seq + 1;
	uint8_t *p = pbuf_data(pb);
	if (sa->proto == IP6P_AH) {
		rc = ah_seal(&sa->xf, pb, off, nh_field, sa->spi, seq, sa->esn);
	} else {
		rc = esp_seal(&sa->xf, pb, off, p[nh_field], sa->spi, seq, sa->esn, 0);
		if (!rc) {
			p = pbuf_data(pb);
			p[nh_field] = IP6P_ESP;
			set_plen(pb);
			if (sa->encap_dport) {
				uint8_t psrc[16], pdst[16];
				pseudo_addrs(pbuf_data(pb), pb->len, psrc, pdst);
				rc = esp_udp_encap(pb, off, psrc, pdst, sa->encap_sport, sa->encap_dport);
				p = pbuf_data(pb);
				if (!rc)
					p[nh_field] = IP6P_UDP;
			}
			set_plen(pb);
		}
	}
	if (rc && sa->mode == SA_TUNNEL)
		pbuf_pull(pb, IP6_HDR_LEN);
	if (!rc)
		sa->seq = seq;
	return rc;
}

/* The packet an ICMPv6 error quotes, made walkable: the quote is cut short
 * by design (RFC 4443 2.4 c), so its Payload Length is set to the octets
 * present. Returns false when pkt is not an error message or the quote is
 * not an IPv6 header followed by whole extension headers. */
static bool icmp_quote_walk(const uint8_t *pkt, const struct ip6_walk *w, uint8_t q[ICMP6_MIN_MTU],
			    struct ip6_walk *qw)
{
	if (w->proto != IP6P_ICMPV6 || w->end < w->proto_off + 8 + IP6_HDR_LEN || pkt[w->proto_off] >= 128)
		return false;
	size_t qlen = w->end - w->proto_off - 8;
	if (qlen > ICMP6_MIN_MTU)
		qlen = ICMP6_MIN_MTU;
	memcpy(q, pkt + w->proto_off + 8, qlen);
	m6_put16(q + 4, (uint16_t)(qlen - IP6_HDR_LEN));
	return ip6_walk(q, qlen, IP6W_HAO_KNOWN, qw) == 0;
}

static bool is_icmp_error(const uint8_t *pkt, const struct ip6_walk *w)
{
	return w->proto == IP6P_ICMPV6 && w->end > w->proto_off && pkt[w->proto_off] < 128;
}

/* The outbound SA of a PROTECT policy for flow f: the policy's own, or
 * under a per-peer template the one of f's remote address. */
static struct ipsec_sa *out_sa(struct bits *b, const struct spd_entry *e, const struct ipsec_flow *f)
{
	return e->protect.per_peer ? sad_lookup_out_peer(b->sad, e->id, f->remote)
				   : sad_lookup_out_flow(b->sad, e->id, f);
}

/* ICMP-01 outbound (RFC 4301 6.2): an error that no policy lets out goes on
 * the SA that carries the return traffic of the packet it answers: the
 * quoted packet came to us, so its flow as received, seen from our side,
 * is that return traffic. No SA is ever created for it (no ACQUIRE). */
static struct ipsec_sa *icmp_reverse_sa(struct bits *b, const uint8_t *pkt, const struct ip6_walk *w,
					bool forwarded, uint64_t now, const struct spd_entry **pe)
{
	uint8_t q[ICMP6_MIN_MTU];
	struct ip6_walk qw;
	struct ipsec_flow f;
	if (!icmp_quote_walk(pkt, w, q, &qw))
		return NULL;
	flow_from_packet(&f, q, &qw, view_for(b, forwarded), false);
	const struct spd_entry *e = spd_lookup(b->spd, SPD_OUT, &f);
	if (!e || e->action != SPD_PROTECT)
		return NULL;
	struct ipsec_sa *sa = out_sa(b, e, &f);
	if (!sa)
		return NULL;
	sa_event(b, sa, sad_age(sa, now));
	if (!sad_sa_usable(sa))
		return NULL;
	*pe = e;
	return sa;
}

/* A policy whose SA follows a binding belongs to the mobile node - home
 * agent tunnel interface (3776-08): only what enters that tunnel meets it,
 * and only while a binding gives the SA its endpoint (3776-11). *bound
 * says whether a packet entering the tunnel meets it: its SA is bound, or
 * IKE has not made the SA yet, when what enters the tunnel must wait for
 * it (dropped with an ACQUIRE), never go around it in clear. */
static bool follows_binding(struct bits *b, const struct spd_entry *e, bool *bound)
{
	if ((!b->n_follow && !b->km_tunnel) || e->action != SPD_PROTECT || e->protect.mode != SA_TUNNEL)
		return false;
	const struct ipsec_sa *sa =
		e->dir == SPD_OUT ? sad_lookup_out(b->sad, e->id) : sad_lookup_in_policy(b->sad, e->id);
	if (!sa && b->km_tunnel) {
		/* IKE has not made it yet (the mobile node never registered, or
		 * a new IKE SA is between IKE_AUTH and the CREATE_CHILD_SA that
		 * brings it): it selects nothing outside the tunnel (3776-11),
		 * and holds the tunnel closed */
		*bound = true;
		return true;
	}
	if (sa && sa->follow_binding)
		*bound = sa->bound;
	return sa && sa->follow_binding;
}

/* spd_lookup(), passing over the tunnel interface's policies when the
 * packet does not enter the tunnel, or enters it while unbound: the next
 * entry in order that matches decides (a linear walk, but only past such
 * a policy). */
static const struct spd_entry *lookup(struct bits *b, enum spd_dir dir, const struct ipsec_flow *f, bool tunnel)
{
	const struct spd_entry *e = spd_lookup(b->spd, dir, f);
	bool bound = false;
	if (!e || !follows_binding(b, e, &bound) || (tunnel && bound))
		return e;
	bool past = false;
	for (size_t i = 0, n = spd_count_dir(b->spd, dir); i < n; i++) {
		const struct spd_entry *x = spd_at(b->spd, dir, i);
		if (x == e) {
			past = true;
			continue;
		}
		if (!past || !spd_sel_match(&x->sel, f))
			continue;
		if (!follows_binding(b, x, &bound) || (tunnel && bound))
			return x;
	}
	return NULL;
}

bool bits_tunnel_selects(struct bits *b, const uint8_t *pkt, size_t len)
{
	struct ip6_walk w;
	struct ipsec_flow f;
	bool bound = false;
	if (ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w))
		return false;
	flow_from_packet(&f, pkt, &w, view_for(b, false), true);
	const struct spd_entry *e = lookup(b, SPD_OUT, &f, true);
	return e && follows_binding(b, e, &bound);
}

static int output(struct bits *b, struct pbuf *pb, bool forwarded, bool tunnel, uint64_t now, struct bits_result *r)
{
	struct ip6_walk w;
	struct ipsec_flow f;
	if (r)
		memset(r, 0, sizeof(*r));
	int rc = ip6_walk(pbuf_data(pb), pb->len, IP6W_HAO_KNOWN, &w);
	if (rc)
		return drop(b, r, rc);
	flow_from_packet(&f, pbuf_data(pb), &w, view_for(b, forwarded), true);
	const struct spd_entry *e = lookup(b, SPD_OUT, &f, tunnel);
	if (r)
		r->policy = e;
	struct ipsec_sa *sa = NULL;
	if ((!e || e->action == SPD_DISCARD) && is_icmp_error(pbuf_data(pb), &w)) {
		sa = icmp_reverse_sa(b, pbuf_data(pb), &w, forwarded, now, &e);
		if (!sa)
			return drop(b, r, M6_E_POLICY_DISCARD);
		b->st.out_icmp_reverse_sa++;
		if (r)
			r->policy = e;
	}
	if (!e || e->action == SPD_DISCARD)
		return drop(b, r, M6_E_POLICY_DISCARD);
	if (e->action == SPD_BYPASS) {
		b->st.out_bypass++;
		return 0;
	}
	if (!sa) {
		sa = out_sa(b, e, &f);
		if (sa)
			sa_event(b, sa, sad_age(sa, now));   /* time-based expiry before use */
	}
	if (!sa || !sad_sa_usable(sa)) {
		struct bits_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.type = BITS_EV_ACQUIRE;
		ev.spd_id = e->id;
		ev.flow = f;
		push_event(b, &ev);
		return drop(b, r, M6_E_NO_SA);
	}
	if (r)
		r->sa = sa;
	uint64_t limit = sa->esn ? UINT64_MAX : UINT32_MAX;
	if (sa->seq >= limit) {
		/* ESP-01: the counter never cycles; the key manager must rekey. */
		sa_event(b, sa, SAD_EV_HARD);
		return drop(b, r, M6_E_SEQ_OVERFLOW);
	}
	/* SAD-03: a packet that would pass a hard limit is not sent. */
	sa_event(b, sa, sad_charge(sa, pb->len, now));
	if (!sad_sa_usable(sa))
		return drop(b, r, M6_E_SA_EXPIRED);
	if (sa->follow_binding && !sa->bound)
		return drop(b, r, M6_E_SA_UNBOUND);   /* no endpoint to send to */
	rc = apply_sa(sa, pb, &w);
	if (rc)
		return drop(b, r, rc);
	b->st.out_protected++;
	return 0;
}

int bits_output(struct bits *b, struct pbuf *pb, bool forwarded, uint64_t now, struct bits_result *r)
{
	return output(b, pb, forwarded, false, now, r);
}

int bits_output_tunnel(struct bits *b, struct pbuf *pb, uint64_t now, struct bits_result *r)
{
	return output(b, pb, false, true, now, r);
}

/* ESP-in-UDP (RFC 3948): a UDP packet to port 4500 whose first four payload
 * octets are not the zero non-ESP marker carries ESP. */
static bool is_udp_esp(const uint8_t *pkt, const struct ip6_walk *w)
{
	if (w->proto != IP6P_UDP || w->end < w->proto_off + 16)
		return false;
	const uint8_t *u = pkt + w->proto_off;
	return m6_get16(u + 2) == IKE_NATT_PORT && m6_get32(u + 8) != 0;
}

/* IPv6-in-IPv6 levels inside an SA's payload that the checks follow; a
 * deeper packet is dropped (the node decapsulates fewer). */
#define BITS_NEST_MAX 8

/* The home address an MH packet speaks for: its HAO, or for a Binding
 * Update sent from home (no HAO) its source; NULL for other packets. */
static const uint8_t *mh_hoa(const struct ip6_walk *w, const uint8_t *pkt)
{
	if (w->proto != IP6P_MH)
		return NULL;
	const uint8_t *hoa = ip6_walk_hoa(w, pkt);
	if (!hoa && w->end >= w->proto_off + 3 && pkt[w->proto_off + 2] == MH_BU)
		hoa = w->hdr.src;
	return hoa;
}

/* The selector check (RFC 4301 5.2 step 5, in the SA's view) and, for the
 * true-address model, the Home Address post-check. Both also cover an MH
 * packet that speaks for a home address nested in IPv6-in-IPv6 inside the
 * payload: the node decapsulates it and hands it to the engines with this
 * SA, so a Binding Update tunnelled once more inside a peer's SA must not
 * escape the check the same BU would meet directly (an SA with broad
 * selectors would otherwise let its peer register any home address).
 * Nested packets that do not walk are left to the node, which walks them
 * the same way and drops them. */
static int check_selectors(struct bits *b, struct bits_result *r, const struct ipsec_sa *sa,
			   const uint8_t *pkt, size_t len)
{
	enum flow_view view = sa->model == SA_MODEL_NORMALISE ? FLOW_HOME : FLOW_WIRE;
	for (unsigned depth = 0;; depth++) {
		struct ip6_walk w;
		struct ipsec_flow f;
		int rc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
		if (rc)
			return depth ? 0 : drop(b, r, rc);
		const uint8_t *hoa = mh_hoa(&w, pkt);
		if (depth == 0 || hoa) {
			flow_from_packet(&f, pkt, &w, view, false);
			if (!spd_sel_match(&sa->ts, &f)) {
				/* ICMP-01 (RFC 4301 6.2): an error the SA's selectors do
				 * not cover is judged by the packet it quotes. We sent
				 * that packet, so its flow as sent (source = our side) is
				 * the reversed header the RFC checks; it must be traffic
				 * of this SA, or a peer could make us act on errors about
				 * any flow we have with anyone else. */
				uint8_t q[ICMP6_MIN_MTU];
				struct ip6_walk qw;
				if (depth || !is_icmp_error(pkt, &w))
					return drop(b, r, M6_E_SELECTOR);
				if (!icmp_quote_walk(pkt, &w, q, &qw))
					return drop(b, r, M6_E_ICMP_QUOTE);
				flow_from_packet(&f, q, &qw, view, true);
				if (!spd_sel_match(&sa->ts, &f))
					return drop(b, r, M6_E_ICMP_QUOTE);
				b->st.in_icmp_by_quote++;
			}
		}
		if (sa->model == SA_MODEL_TRUE_ADDR && hoa) {
			const struct pad_entry *pe = sa->pad_id ? pad_get(b->pad, sa->pad_id) : NULL;
			if (!pe || !pad_hoa_allowed(pe, hoa))
				return drop(b, r, M6_E_HAO_POSTCHECK);
		}
		if (w.proto != IP6P_IPV6)
			return 0;
		if (depth == BITS_NEST_MAX)
			return drop(b, r, M6_E_EXT_TOO_MANY);
		/* the inner packet as the node will see it: the rest of the buffer */
		pkt += w.proto_off;
		len -= w.proto_off;
	}
}

static int input_protected(struct bits *b, struct pbuf *pb, const struct ip6_walk *w, uint64_t now,
			   struct bits_result *r)
{
	uint8_t *p = pbuf_data(pb);
	size_t off, nh_field;
	uint8_t proto, nh = 0;
	if (w->ah_off >= 0) {
		off = (size_t)w->ah_off;
		proto = IP6P_AH;
	} else {
		off = w->proto_off;
		proto = IP6P_ESP;
	}
	nh_field = off == w->proto_off ? w->nh_field : 6;
	for (unsigned i = 0; i < w->n_ext; i++)
		if ((size_t)w->ext[i].off + w->ext[i].len == off)
			nh_field = w->ext[i].off;
	if (proto == IP6P_ESP && w->proto == IP6P_UDP) {
		uint8_t psrc[16], pdst[16];
		ip6_walk_pseudo(w, p, psrc, pdst);
		int rc = esp_udp_decap(pb, off, psrc, pdst);
		if (rc)
			return drop(b, r, rc);
		p = pbuf_data(pb);
		p[nh_field] = IP6P_ESP;
	}
	size_t hdr = proto == IP6P_AH ? AH_HDR_LEN : ESP_HDR_LEN;
	if (pb->len < off + hdr)
		return drop(b, r, M6_E_TRUNC);
	uint32_t spi = m6_get32(p + off + (proto == IP6P_AH ? 4 : 0));
	uint32_t seql = m6_get32(p + off + (proto == IP6P_AH ? 8 : 4));
	struct ipsec_sa *sa = sad_lookup_in(b->sad, spi, proto);
	if (!sa)
		return drop(b, r, M6_E_SPI);
	if (r)
		r->sa = sa;
	sa_event(b, sa, sad_age(sa, now));
	if (!sad_sa_usable(sa))
		return drop(b, r, M6_E_SA_EXPIRED);
	if (sa->follow_binding && !sa->bound)
		return drop(b, r, M6_E_SA_UNBOUND);
	uint64_t seq = seql;
	int rc = 0;
	if (sa->replay_on)
		rc = replay_check(&sa->replay, seql, &seq);
	else if (seql == 0 && !sa->esn)
		rc = M6_E_SEQ_ZERO;
	if (rc)
		return drop(b, r, rc);
	size_t before = pb->len;
	if (proto == IP6P_AH) {
		rc = ah_verify(&sa->xf, p, pb->len, off, seq, sa->esn);
		if (!rc) {
			nh = p[off];
			rc = ah_strip(pb, off, nh_field);
		}
	} else {
		rc = esp_open(&sa->xf, pb, off, seq, sa->esn, &nh);
	}
	if (rc)
		return drop(b, r, rc);
	/* ESP-03: the window moves only after the ICV has passed. */
	if (sa->replay_on)
		replay_update(&sa->replay, seq);
	sa_event(b, sa, sad_charge(sa, before, now));
	if (!sad_sa_usable(sa))
		return drop(b, r, M6_E_SA_EXPIRED);
	p = pbuf_data(pb);
	if (proto == IP6P_ESP)
		p[nh_field] = nh;
	set_plen(pb);
	if (nh == IP6P_NONE)
		return drop(b, r, M6_E_DUMMY);
	if (sa->mode == SA_TUNNEL) {
		if (nh != IP6P_IPV6)
			return drop(b, r, M6_E_TUNNEL_INNER);
		pbuf_pull(pb, off);
	}
	rc = check_selectors(b, r, sa, pbuf_data(pb), pb->len);
	if (rc)
		return rc;
	b->st.in_protected++;
	return 0;
}

int bits_input(struct bits *b, struct pbuf *pb, bool forwarded, uint64_t now, struct bits_result *r)
{
	struct ip6_walk w;
	struct ipsec_flow f;
	if (r)
		memset(r, 0, sizeof(*r));
	int rc = ip6_walk(pbuf_data(pb), pb->len, IP6W_HAO_KNOWN, &w);
	if (rc)
		return drop(b, r, rc);
	if (w.proto == IP6P_ESP || w.ah_off >= 0 || is_udp_esp(pbuf_data(pb), &w))
		return input_protected(b, pb, &w, now, r);
	flow_from_packet(&f, pbuf_data(pb), &w, view_for(b, forwarded), false);
	/* a clear packet did not come out of the tunnel interface */
	const struct spd_entry *e = lookup(b, SPD_IN, &f, false);
	if (r)
		r->policy = e;
	if (!e || e->action == SPD_DISCARD)
		return drop(b, r, M6_E_POLICY_DISCARD);
	if (e->action == SPD_PROTECT)
		return drop(b, r, M6_E_UNPROTECTED);
	b->st.in_bypass++;
	return 0;
}

int bits_icmp_error(const struct bits *b, struct pbuf *out, const uint8_t src[16], uint8_t type,
		    uint8_t code, uint32_t param, const uint8_t *pkt, size_t len)
{
	uint8_t quote[ICMP6_MIN_MTU];
	size_t qlen = len < sizeof(quote) - IP6_HDR_LEN - 8 ? len : sizeof(quote) - IP6_HDR_LEN - 8;
	if (qlen < IP6_HDR_LEN)
		return M6_E_TRUNC;
	memcpy(quote, pkt, qlen);
	if (b->cfg.model == SA_MODEL_NORMALISE) {
		/* Walk the whole original: the quote may be cut short. */
		struct ip6_walk w;
		ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
		const uint8_t *hoa = ip6_walk_hoa(&w, pkt), *rh2 = ip6_walk_rh2(&w, pkt);
		if (hoa && (size_t)w.hao_off + 18 <= qlen) {
			memcpy(quote + w.hao_off + 2, pkt + 8, 16);
			memcpy(quote + 8, hoa, 16);
		}
		if (rh2 && (size_t)w.rh_off + 24 <= qlen) {
			memcpy(quote + w.rh_off + 8, pkt + 24, 16);
			memcpy(quote + 24, rh2, 16);
		}
	}
	return icmp6_build_error(out, src, quote + 8, type, code, param, quote, qlen);
}
