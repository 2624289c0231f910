/*
 * node_km — the key manager's side of the node: its notification queue
 * (the re-entry rule in node.h), its UDP ports, the SA and policy calls,
 * and SA lifetimes driven by the node's timer so an idle SA still reaches
 * its soft and hard expiry (RFC 4301 4.4.2.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_int.h"
#include "../pkt/ip6.h"
#include "../util/m6_bytes.h"

#define NOTES_INITIAL 16
#define SPI_TRIES 32
#define NON_ESP_MARKER_LEN 4

/* ---- notifications ---- */

static bool notes_grow(struct node *n)
{
	size_t cap = n->notes_cap ? n->notes_cap * 2 : NOTES_INITIAL;
	struct km_note *q = malloc(cap * sizeof(*q));
	if (!q)
		return false;
	for (size_t i = 0; i < n->notes_n; i++)
		q[i] = n->notes[(n->notes_head + i) % n->notes_cap];
	free(n->notes);
	n->notes = q;
	n->notes_cap = cap;
	n->notes_head = 0;
	return true;
}

/* Whether the key manager takes this kind of notification: the others are
 * counted as queued and delivered but never stored, so a node without a
 * key manager (manual keying) keeps no queue. Expiry is always queued: with
 * no callback the node deletes the dead SA when it is delivered. */
static bool note_wanted(const struct node *n, enum km_note_type t)
{
	switch (t) {
	case KM_NOTE_ACQUIRE: return n->km.acquire != NULL;
	case KM_NOTE_ADDRESS: return n->km.address_change != NULL;
	case KM_NOTE_BINDING: return n->km.binding_changed != NULL;
	default: return true;
	}
}

void node_km_note(struct node *n, const struct km_note *k)
{
	if (!note_wanted(n, k->type)) {
		n->km_st.queued++;
		n->km_st.delivered++;
		return;
	}
	if (n->notes_n == n->notes_cap && !notes_grow(n)) {
		n->km_st.lost++;
		node_emit_drop(n, M6_E_NOMEM, "key manager notification lost");
		return;
	}
	n->notes[(n->notes_head + n->notes_n) % n->notes_cap] = *k;
	n->notes_n++;
	n->km_st.queued++;
}

void node_km_event(struct node *n, enum m6_ev_type type, const uint8_t peer[16], const uint8_t addr[16])
{
	struct m6_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	memcpy(ev.peer, peer, 16);
	memcpy(ev.addr, addr, 16);
	node_emit(n, &ev);
}

static void note_expire(struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard)
{
	struct m6_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = M6_EV_SA_EXPIRE;
	ev.u32 = spi;
	ev.code = hard ? 2 : 1;
	snprintf(ev.text, sizeof(ev.text), "SA 0x%08x %s expiry", spi, hard ? "hard" : "soft");
	node_emit(n, &ev);
	if (hard)
		n->km_st.sa_hard++;
	else
		n->km_st.sa_soft++;
	struct km_note k = { .type = KM_NOTE_EXPIRE, .spi = spi, .proto = proto, .inbound = inbound, .hard = hard };
	node_km_note(n, &k);
}

/* The pipeline's events become notifications; the key manager sees them
 * only when the packet that caused them is done. */
void node_km_drain_bits(struct node *n)
{
	struct bits_event be;
	while (n->ipsec && bits_next_event(&n->bits, &be)) {
		if (be.type != BITS_EV_ACQUIRE) {
			note_expire(n, be.spi, be.proto, be.inbound, be.type == BITS_EV_HARD_EXPIRE);
			continue;
		}
		struct m6_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.type = M6_EV_SA_ACQUIRE;
		ev.u32 = be.spd_id;
		memcpy(ev.peer, be.flow.remote, 16);
		snprintf(ev.text, sizeof(ev.text), "no SA for policy %u", be.spd_id);
		node_emit(n, &ev);
		struct km_note k = { .type = KM_NOTE_ACQUIRE, .spd_id = be.spd_id, .flow = be.flow };
		node_km_note(n, &k);
	}
}

static void deliver_note(struct node *n, const struct km_note *k)
{
	const struct node_km *km = &n->km;
	switch (k->type) {
	case KM_NOTE_ACQUIRE:
		if (km->acquire)
			km->acquire(km->ctx, n, k->spd_id, &k->flow);
		break;
	case KM_NOTE_EXPIRE:
		if (km->expire)
			km->expire(km->ctx, n, k->spi, k->proto, k->inbound, k->hard);
		else if (k->hard && n->ipsec)
			sad_remove(n->cfg.sad, k->spi, k->proto, k->inbound);   /* nobody else will */
		break;
	case KM_NOTE_ADDRESS:
		if (km->address_change)
			km->address_change(km->ctx, n, k->has_old ? k->old_coa : NULL, k->new_coa);
		break;
	case KM_NOTE_BINDING:
		if (km->binding_changed)
			km->binding_changed(km->ctx, n, &k->bc);
		break;
	}
}

void node_km_flush(struct node *n)
{
	if (n->draining)
		return;
	n->draining = true;
	while (n->notes_n) {
		/* copied out: a callback may queue more and grow the ring */
		struct km_note k = n->notes[n->notes_head];
		n->notes_head = (n->notes_head + 1) % n->notes_cap;
		n->notes_n--;
		n->km_st.delivered++;
		deliver_note(n, &k);
	}
	n->draining = false;
}

void node_km_free(struct node *n)
{
	free(n->notes);
	n->notes = NULL;
}

/* ---- the key manager's UDP ports ---- */

bool node_km_is_own(const struct node *n, const uint8_t *pkt, size_t len, const struct ip6_walk *w)
{
	(void)len;
	if (!n->km.input || w->proto != IP6P_UDP || w->hao_off >= 0 || w->rh_off >= 0 ||
	    w->end < w->proto_off + 8)
		return false;
	const uint8_t *u = pkt + w->proto_off, *pl = u + 8;
	size_t plen = w->end - w->proto_off - 8;
	uint16_t sport = m6_get16(u), dport = m6_get16(u + 2);
	/* from port 500 to 4500: IKE without the marker (see node_km_marker) */
	if (dport == NODE_IKE_PORT || (dport == NODE_NATT_PORT && sport == NODE_IKE_PORT))
		return true;
	/* RFC 3948 2.2/2.3: the non-ESP marker, or a NAT-keepalive */
	return dport == NODE_NATT_PORT &&
	       ((plen == 1 && pl[0] == 0xff) || (plen >= NON_ESP_MARKER_LEN && m6_get32(pl) == 0));
}

/* RFC 7296 2.23, RFC 3948 2.2: IKE on port 4500 carries the non-ESP
 * marker, never on port 500; between 500 and 4500 (a MOBIKE peer that
 * floated, e.g. strongSwan probing from 4500 to 500) port 500 decides:
 * no marker, as strongSwan sends and expects it. */
static bool node_km_marker(uint16_t sport, uint16_t dport)
{
	return (sport == NODE_NATT_PORT || dport == NODE_NATT_PORT) && sport != NODE_IKE_PORT &&
	       dport != NODE_IKE_PORT;
}

bool node_km_take(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len, const struct ip6_walk *w)
{
	(void)len;
	const uint8_t *u = pkt + w->proto_off;
	size_t ulen = w->end - w->proto_off;
	if (m6_get16(u + 4) != ulen || m6_get16(u + 6) == 0 || m6_csum_ip6(w->hdr.src, w->hdr.dst, IP6P_UDP, u, ulen)) {
		node_emit_drop(n, M6_E_UDP_CKSUM, "key manager port");
		return false;
	}
	struct node_km_msg m = { .ifindex = ifindex, .src = w->hdr.src, .dst = w->hdr.dst, .sport = m6_get16(u),
				 .dport = m6_get16(u + 2), .data = u + 8, .len = ulen - 8, .now = n->now };
	if (node_km_marker(m.sport, m.dport) && m.len >= NON_ESP_MARKER_LEN) {
		m.data += NON_ESP_MARKER_LEN;
		m.len -= NON_ESP_MARKER_LEN;
	}
	if (m.dport == NODE_NATT_PORT && m.len == 1 && m.data[0] == 0xff) {
		n->km_st.keepalives_in++;       /* keeps a NAT's state; nothing to do */
		return true;
	}
	n->km_st.in_msgs++;
	n->km.input(n->km.ctx, n, &m);
	return true;
}

static int udp_send(struct node *n, const uint8_t src[16], const uint8_t dst[16], uint16_t sport, uint16_t dport,
		    bool marker, const uint8_t *msg, size_t len)
{
	size_t ulen = 8 + (marker ? NON_ESP_MARKER_LEN : 0) + len;
	if (!src || !dst || (!msg && len) || IP6_HDR_LEN + ulen > NODE_PKT_MAX)
		return M6_E_INVAL;
	if (src[0] == 0xff || !node_is_local(n, src))
		return M6_E_INVAL;
	node_enter(n, n->now);
	/* ebuf is too small for IKE; the transmit path copies out of buf2
	 * before it touches anything else, and no packet is held here */
	uint8_t *p = n->buf2;
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.nh = IP6P_UDP;
	h.hlim = 64;
	h.plen = (uint16_t)ulen;
	ip6_hdr_write(p, &h);
	uint8_t *u = p + IP6_HDR_LEN;
	m6_put16(u, sport);
	m6_put16(u + 2, dport);
	m6_put16(u + 4, (uint16_t)ulen);
	m6_put16(u + 6, 0);
	if (marker)
		memset(u + 8, 0, NON_ESP_MARKER_LEN);
	if (len)
		memmove(u + ulen - len, msg, len);
	uint16_t c = m6_csum_ip6(src, dst, IP6P_UDP, u, ulen);
	m6_put16(u + 6, c ? c : 0xffff);
	node_send_routed(n, p, IP6_HDR_LEN + ulen, TX_BYPASS, -1);
	node_leave(n);
	return 0;
}

int node_km_send(struct node *n, const uint8_t src[16], const uint8_t dst[16], uint16_t sport, uint16_t dport,
		 const uint8_t *msg, size_t len)
{
	int rc = udp_send(n, src, dst, sport, dport, node_km_marker(sport, dport), msg, len);
	if (!rc)
		n->km_st.out_msgs++;
	return rc;
}

int node_km_keepalive(struct node *n, const uint8_t src[16], const uint8_t dst[16], uint16_t sport, uint16_t dport)
{
	static const uint8_t ka = 0xff;
	int rc = udp_send(n, src, dst, sport, dport, false, &ka, 1);
	if (!rc)
		n->km_st.keepalives_out++;
	return rc;
}

/* ---- SAs and policies ---- */

static uint64_t sa_first_time(const struct ipsec_sa *sa)
{
	const struct sa_lifetime *l = sa_life(sa);
	if (sa->state == SA_MATURE && l->soft_ns)
		return sa->added_ns + l->soft_ns;
	if ((sa->state == SA_MATURE || sa->state == SA_SOFT_EXPIRED) && l->hard_ns)
		return sa->added_ns + l->hard_ns;
	return UINT64_MAX;
}

void node_km_sa_changed(struct node *n, const struct ipsec_sa *sa)
{
	uint64_t t = sa_first_time(sa);
	if (t < n->sa_next)
		n->sa_next = t;
}

void node_km_sa_rescan(struct node *n)
{
	n->sa_next = UINT64_MAX;
	size_t cap = n->ipsec ? sad_capacity(n->cfg.sad) : 0;
	for (size_t i = 0; i < cap; i++) {
		const struct ipsec_sa *sa = sad_slot(n->cfg.sad, i);
		if (sa)
			node_km_sa_changed(n, sa);
	}
}

uint64_t node_km_next_expiry(const struct node *n)
{
	uint64_t t = n->sa_next;
	if (n->km.next_expiry) {
		uint64_t k = n->km.next_expiry(n->km.ctx, n);
		if (k < t)
			t = k;
	}
	return t;
}

void node_km_on_timer(struct node *n, uint64_t now)
{
	if (n->ipsec && n->sa_next <= now) {
		size_t cap = sad_capacity(n->cfg.sad);
		for (size_t i = 0; i < cap; i++) {
			struct ipsec_sa *sa = sad_slot(n->cfg.sad, i);
			enum sad_event e = sa ? sad_age(sa, now) : SAD_EV_NONE;
			if (e != SAD_EV_NONE)
				note_expire(n, sa->spi, sa->proto, sa->inbound, e == SAD_EV_HARD);
		}
		node_km_sa_rescan(n);
	}
	if (n->km.on_timer && n->km.next_expiry && n->km.next_expiry(n->km.ctx, n) <= now)
		n->km.on_timer(n->km.ctx, n, now);
}

int node_sa_reserve_spi(struct node *n, uint8_t proto, uint32_t *spi)
{
	if (!n->ipsec || !spi || (proto != IP6P_ESP && proto != IP6P_AH))
		return M6_E_INVAL;
	for (int i = 0; i < SPI_TRIES; i++) {
		uint8_t r[4];
		if (node_draw(n, r, sizeof(r)))
			return M6_E_CRYPTO;
		uint32_t v = m6_get32(r);
		if (v < 256)
			continue;                   /* reserved (RFC 4303 2.1) */
		int rc = sad_reserve(n->cfg.sad, v, proto, n->now);
		if (rc == M6_E_EXISTS)
			continue;
		if (!rc)
			*spi = v;
		return rc;
	}
	return M6_E_FULL;
}

int node_sa_add(struct node *n, const struct ipsec_sa *sa)
{
	int err = M6_E_INVAL;
	const struct ipsec_sa *in = n->ipsec && sa ? sad_add(n->cfg.sad, sa, n->now, &err) : NULL;
	if (!in) {
		if (sa) {
			/* the node takes the transform either way */
			struct ipsec_sa tmp = *sa;
			m6_xform_clear(&tmp.xf);
		}
		return err;
	}
	n->bits.n_follow += in->follow_binding;
	node_km_sa_changed(n, in);
	/* The Binding Update that made the ACQUIRE never left the node: send
	 * it now rather than when its back-off runs out (1.5 s for a first
	 * registration, much longer after a failed IKE SA). */
	if (n->waits_sa && !in->inbound) {
		n->waits_sa = false;
		if (n->mn)
			mn_sa_ready(n->mn, n->now);
	}
	return 0;
}

int node_sa_update(struct node *n, uint32_t spi, uint8_t proto, bool inbound, const struct node_sa_update *u)
{
	struct ipsec_sa *sa = n->ipsec && u ? sad_find(n->cfg.sad, spi, proto, inbound) : NULL;
	if (!n->ipsec || !u)
		return M6_E_INVAL;
	if (!sa || sa->state == SA_LARVAL || sa->state == SA_DEAD)
		return M6_E_NOTFOUND;
	if (u->src)
		memcpy(sa->src, u->src, 16);
	if (u->dst)
		memcpy(sa->dst, u->dst, 16);
	if (u->set_encap) {
		sa->encap_sport = u->encap_sport;
		sa->encap_dport = u->encap_dport;
	}
	if (u->ts_local) {
		memcpy(sa->ts.local_lo, u->ts_local, 16);
		memcpy(sa->ts.local_hi, u->ts_local, 16);
	}
	if (u->ts_remote) {
		memcpy(sa->ts.remote_lo, u->ts_remote, 16);
		memcpy(sa->ts.remote_hi, u->ts_remote, 16);
	}
	return 0;
}

int node_sa_delete(struct node *n, uint32_t spi, uint8_t proto, bool inbound)
{
	if (!n->ipsec)
		return M6_E_INVAL;
	return sad_remove(n->cfg.sad, spi, proto, inbound);
}

int node_policy_add(struct node *n, const struct spd_entry *e)
{
	if (!n->ipsec || !e)
		return M6_E_INVAL;
	return spd_add(n->cfg.spd, e);
}

int node_policy_delete(struct node *n, uint32_t id)
{
	if (!n->ipsec)
		return M6_E_INVAL;
	return spd_remove(n->cfg.spd, id);
}
