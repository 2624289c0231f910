#include "ike_km.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ipsec/pad.h"
#include "../ipsec/replay.h"
#include "../node/node.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../util/m6_bytes.h"
#include "../util/m6_err.h"
#include "ike_const.h"
#include "ike_cookie.h"

#include "ike_km_int.h"

static uint64_t km_rto(const struct ike_km *k)
{
	return k->cfg.rto_ns ? k->cfg.rto_ns : IKE_KM_RTO_NS;
}

static unsigned km_tries(const struct ike_km *k)
{
	return k->cfg.tries ? k->cfg.tries : IKE_KM_TRIES;
}

/* ---- installing the Child SA ---- */

static void log_ike(struct ike_km *k, const struct slot *s)
{
	if (!k->cfg.keep_keys || k->n_ike >= KEYLOG_IKE_MAX)
		return;
	struct ike_km_ike_keys *l = &k->ike_log[k->n_ike++];
	memcpy(l->spi_i, s->sa.spi_i, IKE_SPI_LEN);
	memcpy(l->spi_r, s->sa.spi_r, IKE_SPI_LEN);
	l->suite = s->sa.suite;
	l->keys = s->sa.keys;
}

static void drop_pair(struct ike_km *k, uint32_t spi_in, uint32_t spi_out)
{
	if (spi_in && !node_sa_delete(k->n, spi_in, IP6P_ESP, true))
		k->st.sa_deleted++;
	if (spi_out && !node_sa_delete(k->n, spi_out, IP6P_ESP, false))
		k->st.sa_deleted++;
}

/* The IKE SA and every Child SA it still holds. */
static void drop_slot_sas(struct ike_km *k, struct slot *s)
{
	for (unsigned i = 0; i < IKE_SA_CHILD_MAX; i++) {
		const struct ike_child *c = &s->sa.ch[i];
		if (c->used)
			drop_pair(k, c->spi_in, c->spi_out);
	}
	ikm_slot_free(k, s);
}

/* One IKE SA per peer: a newer one (made after a move, 4877-10, or a
 * re-authentication) replaces the older ones and their Child SAs. On the
 * home agent the peer is the authenticated identity, never an address. */
static void retire_older(struct ike_km *k, struct slot *s)
{
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *o = &k->slots[i];
		if (o == s || !o->used || o->sa.state != IKE_SA_ESTABLISHED)
			continue;
		if (!k->cfg.initiator && (o->sa.peer_id_type != s->sa.peer_id_type ||
					  o->sa.peer_id_len != s->sa.peer_id_len ||
					  (s->sa.peer_id_len && memcmp(o->sa.peer_id, s->sa.peer_id, s->sa.peer_id_len))))
			continue;
		drop_slot_sas(k, o);
	}
}

static void request(struct ike_km *k, struct slot *s, const struct ike_req *r, uint64_t now);
static void after(struct ike_km *k, struct slot *s, uint32_t msgid_before, uint64_t now);

/* RFC 3948 4: NAT-keepalives while a NAT may be on our side (or we
 * force encapsulation); the mapping of a NAT's UDP state is kept by our
 * packets, so one every keepalive_s. */
static void keepalive_arm(struct ike_km *k, struct slot *s, uint64_t now)
{
	s->ka_at = k->cfg.keepalive_s && ike_sa_keepalive(&s->sa) ? now + k->cfg.keepalive_s * NS : 0;
}

static void keepalive_send(struct ike_km *k, struct slot *s, uint64_t now)
{
	const struct ike_path *p = &s->sa.path;
	if (!node_km_keepalive(k->n, p->local, p->peer, p->lport, p->pport))
		k->st.keepalives++;
	keepalive_arm(k, s, now);
}

/* 4877-09: the tunnel-mode SA after IKE_AUTH, by CREATE_CHILD_SA */
static void request_tunnel(struct ike_km *k, struct slot *s, uint64_t now)
{
	if (!k->cfg.initiator || !k->cfg.tunnel)
		return;
	struct ike_req r = { .type = IKE_REQ_NEW_CHILD, .tunnel = true };
	if (!node_sa_reserve_spi(k->n, IP6P_ESP, &r.new_spi))
		request(k, s, &r, now);
}

static void established(struct ike_km *k, struct slot *s, uint64_t now)
{
	k->st.established++;
	log_ike(k, s);
	node_km_event(k->n, M6_EV_IKE_UP, s->sa.path.peer, s->sa.path.local);
	s->last_rx = now;
	s->rekey_at = k->cfg.ike_rekey_s ? now + k->cfg.ike_rekey_s * NS : 0;
	keepalive_arm(k, s, now);
	if (!s->sa.child_ok || !s->sa.ch[0].used) {
		/* the BU/BA SA refused (e.g. a peer that, behind a NAT, holds
		 * transport-mode selectors to the IKE addresses, RFC 7296
		 * 2.23.1): the tunnel-mode SA is asked for all the same */
		k->st.refused++;
		request_tunnel(k, s, now);
		return;
	}
	struct mn *mn = node_mn(k->n);
	if (k->cfg.initiator && s->sa.cp_ok && mn) {
		/* 4877-12: the home agent's answer is our home address; taken
		 * before the SA goes in, so the Binding Update the SA lets out
		 * is the new address's (the old one's would need another SA) */
		memcpy(k->cfg.home, s->sa.cp_hoa, 16);
		mn_set_home_address(mn, s->sa.cp_hoa, s->sa.cp_plen, now);
	}
	if (ikm_install(k, s, &s->sa.ch[0]))
		return;
	s->larval = false;
	const struct ike_child *c0 = &s->sa.ch[0];
	memcpy(s->mn_addr, (c0->ours == s->sa.cfg_i ? &c0->tsi : &c0->tsr)->ts[0].start, 16);
	retire_older(k, s);
	request_tunnel(k, s, now);
}

/* The IKE SA that keys the BU/BA SAs now: the newest established one. */
static struct slot *current(struct ike_km *k)
{
	struct slot *c = NULL;
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *s = &k->slots[i];
		if (s->used && s->sa.state == IKE_SA_ESTABLISHED && !s->doomed && (!c || s->created > c->created))
			c = s;
	}
	return c;
}

/* INT-03: K in our BUs only while the IKE SA can follow us. */
static void k_update(struct ike_km *k)
{
	struct slot *c = current(k);
	struct mn *mn = node_mn(k->n);
	if (mn)
		mn_set_km_fixed(mn, !(c && c->sa.mobike));
}

/* ---- the initiator ---- */

static bool local_addr(struct ike_km *k, uint8_t out[16])
{
	for (unsigned i = 0; i < NODE_IF_MAX; i++)
		if (node_iface_addr(k->n, i, out))
			return true;
	return false;
}

/* What the engine wrote: one message, or its fragments (RFC 7383), each
 * a datagram of its own. */
static void send_out(struct ike_km *k, const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport,
		     size_t len)
{
	size_t dl;
	for (size_t off = 0; off < len && (dl = ike_sa_dgram(k->out + off, len - off)); off += dl)
		node_km_send(k->n, src, dst, sport, dport, k->out + off, dl);
}

/* Our requests go where the IKE SA runs (a MOBIKE move included). */
static void send_msg(struct ike_km *k, const struct slot *s, size_t len)
{
	const struct ike_path *p = &s->sa.path;
	send_out(k, p->local, p->peer, p->lport, p->pport, len);
}

static void start(struct ike_km *k, uint64_t now)
{
	for (unsigned i = 0; i < k->n_slots; i++) {
		const struct slot *o = &k->slots[i];
		if (o->used && (o->sa.state == IKE_SA_INIT_SENT || o->sa.state == IKE_SA_AUTH_SENT))
			return;         /* one exchange at a time */
	}
	uint8_t src[16];
	if (!local_addr(k, src))
		return;
	struct slot *s = ikm_slot_new(k, now);
	if (!s)
		return;
	size_t len;
	struct ike_path p = { .lport = NODE_IKE_PORT, .pport = NODE_IKE_PORT };
	memcpy(p.local, src, 16);
	memcpy(p.peer, k->cfg.peer, 16);
	if (ike_sa_start_on(&s->sa, &s->cfg, &p, k->out, sizeof(k->out), &len)) {
		k->st.failed++;
		ikm_slot_free(k, s);
		return;
	}
	if (ikm_true_address(k))
		ikm_ts_one(&s->cfg.tsi, src);       /* the SA names the care-of address */
	k->st.started++;
	s->tries = 1;
	s->due = now + km_rto(k);
	send_msg(k, s, len);
}

static void km_acquire(void *ctx, struct node *n, uint32_t spd_id, const struct ipsec_flow *flow)
{
	struct ike_km *k = ctx;
	(void)spd_id, (void)flow;
	/* notifications come after the packet that made them: an SA for
	 * the flow may have been installed since (e.g. with an assigned
	 * home address), and then there is nothing to negotiate */
	const struct bits *b = node_bits(n);
	if (b && flow && sad_lookup_out_flow(b->sad, spd_id, flow))
		return;
	/* a packet from the new address while our MOBIKE update is out:
	 * the SAs follow with its answer (true-address model), no new IKE SA */
	for (unsigned i = 0; i < k->n_slots; i++) {
		const struct slot *s = &k->slots[i];
		if (s->used && s->sa.state == IKE_SA_ESTABLISHED && s->sa.req_pending &&
		    s->sa.req.type == IKE_REQ_UPDATE_ADDR)
			return;
	}
	if (!k->cfg.initiator)
		return;
	uint64_t now = node_km_now(n);
	const struct slot *c = current(k);
	uint8_t src[16];
	bool here = c && local_addr(k, src) && !memcmp(src, c->sa.path.local, 16);
	/* the tunnel-mode SA comes by CREATE_CHILD_SA on the IKE SA we have
	 * here, which asks for it after IKE_AUTH (and at every rekey): what
	 * waits for it is dropped meanwhile, and a new IKE SA would not
	 * bring it sooner */
	const struct spd_entry *e = b ? spd_get(b->spd, spd_id) : NULL;
	if (here && e && e->action == SPD_PROTECT && e->protect.mode == SA_TUNNEL)
		return;
	/* the peer refused the BU/BA SA on our IKE SA from this very
	 * address (its policy, or RFC 7296 2.23.1 under a NAT): another IKE
	 * SA at every Binding Update retransmission would be refused the
	 * same way, so not before a while */
	if (here && !c->sa.child_ok && now < c->created + IKE_KM_REFUSED_HOLD_NS) {
		k->st.acquires_held++;
		return;
	}
	start(k, now);
}

/* ---- the exchanges on an established IKE SA ---- */

/* When nothing is outstanding: the IKE SA's rekey, the next liveness
 * check, or (a rekeyed SA waiting for its Delete) forgetting it. */
static void idle_due(struct ike_km *k, struct slot *s, uint64_t now)
{
	if (s->sa.state == IKE_SA_REKEYED || s->doomed) {
		s->due = now + IKE_KM_HALF_OPEN_NS;
		return;
	}
	uint64_t t = s->rekey_at ? s->rekey_at : UINT64_MAX;
	if (k->cfg.dpd_s && s->last_rx + k->cfg.dpd_s * NS < t)
		t = s->last_rx + k->cfg.dpd_s * NS;
	s->due = t == UINT64_MAX ? 0 : t;
}

/* After a call that may have sent a request of ours: its retransmission
 * timer starts (IKE-02, IKE-03), else the idle work is scheduled. */
static void after(struct ike_km *k, struct slot *s, uint32_t msgid_before, uint64_t now)
{
	if (!s->used || (s->sa.state != IKE_SA_ESTABLISHED && s->sa.state != IKE_SA_REKEYED))
		return;
	if (s->sa.req_pending && s->sa.msgid_out != msgid_before) {
		s->tries = 1;
		s->due = now + km_rto(k);
	} else if (!s->sa.req_pending) {
		idle_due(k, s, now);
	}
}

/* A slot for a new IKE SA made by a rekey of s's. */
static struct slot *rekey_slot(struct ike_km *k, struct slot *s, uint64_t now, bool loser)
{
	struct slot *ns = ikm_slot_take(k);
	if (!ns || ns == s) {
		k->st.failed++;
		return NULL;
	}
	ns->used = true;
	ns->km = k;
	ns->cfg = s->cfg;
	ns->cfg.pad_ctx = ns;
	ns->cfg.spi_ctx = ns;
	ns->created = ns->last_rx = now;
	if (loser ? ike_sa_adopt_loser(&ns->sa, &ns->cfg, &s->sa) : ike_sa_adopt(&ns->sa, &ns->cfg, &s->sa)) {
		k->st.failed++;
		ikm_slot_free(k, ns);
		return NULL;
	}
	log_ike(k, ns);
	return ns;
}

/* IKE_EV_IKE_LOSER (2.8.2): the redundant new IKE SA, deleted by whoever
 * made it; the other end waits for that Delete (or forgets it). */
static void loser(struct ike_km *k, struct slot *s, uint64_t now)
{
	struct slot *ns = rekey_slot(k, s, now, true);
	if (!ns)
		return;
	ns->doomed = true;
	ns->due = now + IKE_KM_HALF_OPEN_NS;
	if (s->sa.rk_win == 2) {
		struct ike_req d = { .type = IKE_REQ_DELETE_IKE };
		request(k, ns, &d, now);
	}
}

/* IKE_EV_IKE_REKEYED: the new IKE SA takes a slot of its own. */
static void rekeyed(struct ike_km *k, struct slot *s, uint64_t now)
{
	struct slot *ns = rekey_slot(k, s, now, false);
	if (!ns)
		return;
	k->st.ike_rekeyed++;
	ns->rekey_at = k->cfg.ike_rekey_s ? now + k->cfg.ike_rekey_s * NS : 0;
	idle_due(k, ns, now);
	keepalive_arm(k, ns, now);
	/* 2.18: the initiator of the surviving rekey deletes the old SA */
	if (s->sa.rk_win == 1) {
		struct ike_req d = { .type = IKE_REQ_DELETE_IKE };
		request(k, s, &d, now);
	}
	/* work queued on the old SA moved along: send it */
	uint32_t mid = ns->sa.msgid_out;
	size_t len = 0;
	if (!ike_sa_send_queued(&ns->sa, k->out, sizeof(k->out), &len))
		send_msg(k, ns, len);
	after(k, ns, mid, now);
}

/* RFC 4555 3.9: after UNEXPECTED_NAT_DETECTED the update is tried
 * again a few times (one rewritten packet must not cost the path); after
 * that, or UNACCEPTABLE_ADDRESSES, a new IKE SA from where we are. */
static void move_refused(struct ike_km *k, struct slot *s, uint16_t why, uint64_t now)
{
	k->st.move_refused++;
	if (!k->cfg.initiator || s->sa.state != IKE_SA_ESTABLISHED)
		return;
	if (why == IKE_N_UNEXPECTED_NAT_DETECTED && ++s->nat_retries < IKE_KM_NAT_RETRIES) {
		struct ike_req r = { .type = IKE_REQ_UPDATE_ADDR };
		request(k, s, &r, now);
		return;
	}
	s->nat_retries = 0;
	start(k, now);
}

static void events(struct ike_km *k, struct slot *s, uint64_t now)
{
	struct ike_ev ev[IKE_SA_EV_MAX];
	unsigned n = s->sa.n_ev;
	memcpy(ev, s->sa.ev, n * sizeof(ev[0]));
	for (unsigned i = 0; i < n && s->used; i++) {
		switch (ev[i].type) {
		case IKE_EV_CHILD_UP:
			/* IKE-15: the new pair first; the old one goes with its Delete */
			if (!ikm_install(k, s, &s->sa.ch[ev[i].child]))
				k->st.child_rekeyed++;
			break;
		case IKE_EV_CHILD_DOWN:
			drop_pair(k, ev[i].spi_in, ev[i].spi_out);
			break;
		case IKE_EV_CHILD_FAILED:
			node_sa_delete(k->n, ev[i].spi_in, IP6P_ESP, true);    /* the larval SPI */
			k->st.refused++;
			break;
		case IKE_EV_IKE_REKEYED:
			rekeyed(k, s, now);
			break;
		case IKE_EV_IKE_LOSER:
			loser(k, s, now);
			break;
		case IKE_EV_IKE_DOWN:
			drop_slot_sas(k, s);
			break;
		case IKE_EV_MOVED:
			k->st.moved++;
			s->nat_retries = 0;
			ikm_move_children(k, s);
			ikm_encap_children(k, s);
			if (!s->ka_at)
				keepalive_arm(k, s, now);       /* the NAT on the new path, if any */
			node_km_event(k->n, M6_EV_IKE_MOVED, s->sa.path.peer, s->sa.path.local);
			break;
		case IKE_EV_REFUSED:
			if (ev[i].notify == IKE_N_UNACCEPTABLE_ADDRESSES ||
			    ev[i].notify == IKE_N_UNEXPECTED_NAT_DETECTED)
				move_refused(k, s, ev[i].notify, now);
			break;
		default:
			break;
		}
	}
	k_update(k);
}

/* Work the engine queued while answering the peer (a MOBIKE
 * return-routability check): out once nothing of ours is outstanding. */
static void send_queued(struct ike_km *k, struct slot *s, uint64_t now)
{
	if (!s->used || s->sa.req_pending || !s->sa.n_queue || s->sa.state != IKE_SA_ESTABLISHED)
		return;
	uint32_t mid = s->sa.msgid_out;
	size_t len = 0;
	if (!ike_sa_send_queued(&s->sa, k->out, sizeof(k->out), &len))
		send_msg(k, s, len);
	events(k, s, now);
	after(k, s, mid, now);
}

static void request(struct ike_km *k, struct slot *s, const struct ike_req *r, uint64_t now)
{
	uint32_t mid = s->sa.msgid_out;
	size_t len = 0;
	int rc = ike_sa_request(&s->sa, r, k->out, sizeof(k->out), &len);
	if (rc) {
		if (r->new_spi)
			node_sa_delete(k->n, r->new_spi, IP6P_ESP, true);
		return;
	}
	send_msg(k, s, len);
	events(k, s, now);
	after(k, s, mid, now);
}

/* No answer to our request (IKE-03): the peer is gone, or forgot us (a
 * restart). Its SAs go; the mobile node starts afresh, and its binding
 * follows over the new SAs. */
static void peer_dead(struct ike_km *k, struct slot *s, uint64_t now)
{
	k->st.dead++;
	drop_slot_sas(k, s);
	if (k->cfg.initiator)
		start(k, now);
}

/* ---- input ---- */

static struct slot *find(struct ike_km *k, const uint8_t *spi_i, const uint8_t *spi_r, const uint8_t *peer)
{
	static const uint8_t zero[IKE_SPI_LEN];
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *s = &k->slots[i];
		if (!s->used || memcmp(s->sa.spi_i, spi_i, IKE_SPI_LEN))
			continue;
		/* the initiator learns SPIr from the first response; the
		 * responder sees IKE_SA_INIT retransmissions with SPIr 0 */
		if (!memcmp(s->sa.spi_r, spi_r, IKE_SPI_LEN) ||
		    (k->cfg.initiator && s->sa.state == IKE_SA_INIT_SENT) ||
		    (!k->cfg.initiator && !memcmp(spi_r, zero, IKE_SPI_LEN) && !memcmp(s->sa.path.peer, peer, 16)))
			return s;
	}
	return NULL;
}

static unsigned half_open(const struct ike_km *k)
{
	unsigned n = 0;
	for (unsigned i = 0; i < k->n_slots; i++) {
		enum ike_sa_state st = k->slots[i].sa.state;
		n += k->slots[i].used && st != IKE_SA_ESTABLISHED && st != IKE_SA_REKEYED;
	}
	return n;
}

/* IKE-06: under half-open load a new IKE_SA_INIT needs our COOKIE; without
 * one it is answered statelessly and goes no further. */
static bool cookie_ok(struct ike_km *k, const struct node_km_msg *m)
{
	if (!k->cfg.cookie_threshold || half_open(k) < k->cfg.cookie_threshold)
		return true;
	struct ike_rng rng = { ikm_random, k };
	if (!k->cookie_rotate_at) {
		ike_cookie_init(&k->cookie, &rng);
		k->cookie_rotate_at = m->now + IKE_KM_COOKIE_ROTATE_NS;
	} else if (m->now >= k->cookie_rotate_at) {
		ike_cookie_rotate(&k->cookie, &rng);
		k->cookie_rotate_at = m->now + IKE_KM_COOKIE_ROTATE_NS;
	}
	size_t len = 0;
	int rc = ike_cookie_screen(&k->cookie, m->data, m->len, m->src, k->out, sizeof(k->out), &len);
	if (!rc)
		return true;
	if (len) {
		node_km_send(k->n, m->dst, m->src, m->dport, m->sport, k->out, len);
		k->st.cookies_sent++;
	}
	k->st.dropped++;
	return false;
}

static void km_input(void *ctx, struct node *n, const struct node_km_msg *m)
{
	struct ike_km *k = ctx;
	(void)n;
	static const uint8_t zero[IKE_SPI_LEN];
	if (m->len < IKE_HDR_LEN || m->len > sizeof(k->in)) {
		k->st.dropped++;
		return;
	}
	const uint8_t *spi_i = m->data, *spi_r = m->data + 8;
	struct ike_path rx = { .lport = m->dport, .pport = m->sport };
	memcpy(rx.local, m->dst, 16);
	memcpy(rx.peer, m->src, 16);
	uint8_t exch = m->data[18], flags = m->data[19];
	struct slot *s = find(k, spi_i, spi_r, m->src);
	if (!s && !k->cfg.initiator && exch == IKE_SA_INIT && (flags & IKE_FLAG_I) && !(flags & IKE_FLAG_R) &&
	    !memcmp(spi_r, zero, IKE_SPI_LEN)) {
		if (!cookie_ok(k, m))
			return;
		if ((s = ikm_slot_new(k, m->now))) {
			ike_sa_respond(&s->sa, &s->cfg);
			/* RFC 7296 2.11: from where the request came to, to where it came from */
			ike_sa_set_path(&s->sa, &rx);
			s->due = m->now + IKE_KM_HALF_OPEN_NS;
		}
	}
	if (!s) {
		k->st.dropped++;
		return;
	}
	enum ike_sa_state before = s->sa.state;
	uint32_t mid = s->sa.msgid_out;
	memcpy(k->in, m->data, m->len);
	size_t len = 0;
	ike_sa_set_rx(&s->sa, &rx);
	int rc = ike_sa_input(&s->sa, k->in, m->len, k->out, sizeof(k->out), &len);
	OPENSSL_cleanse(k->in, m->len);
	/* RFC 7383 2.6: fragments kept this long at most, as long as we
	 * would wait for an answer as the initiator */
	s->frag_due = !ike_sa_frag_pending(&s->sa) ? 0 : s->frag_due ? s->frag_due :
		      m->now + km_rto(k) * ((1ull << km_tries(k)) - 1);
	if (len && (k->out[19] & IKE_FLAG_R))
		/* RFC 7296 2.11, IKE-20: a response goes back the way its
		 * request came, whatever the SA's path */
		send_out(k, m->dst, m->src, m->dport, m->sport, len);
	else
		send_msg(k, s, len);
	if (rc)
		k->st.dropped++;
	else
		s->last_rx = m->now;
	k->st.frag_off += rc == M6_E_IKE_FRAG_OFF;
	if (s->sa.state == IKE_SA_AUTH_SENT && before == IKE_SA_INIT_SENT) {
		s->tries = 1;
		s->due = m->now + km_rto(k);
	} else if (s->sa.state == IKE_SA_INIT_SENT && len) {
		/* COOKIE or INVALID_KE: a new first request */
		s->due = m->now + km_rto(k);
	}
	if (s->sa.state == IKE_SA_ESTABLISHED && before != IKE_SA_ESTABLISHED && before != IKE_SA_REKEYED) {
		s->due = 0;
		established(k, s, m->now);
		k_update(k);
		/* the retransmission timer of a request made there, else idle */
		after(k, s, mid, m->now);
		return;
	}
	if (s->sa.state == IKE_SA_FAILED && before != IKE_SA_FAILED) {
		k->st.failed++;
		/* the responder keeps the slot so a retransmitted request gets
		 * its AUTHENTICATION_FAILED again, until it is forgotten */
		if (k->cfg.initiator)
			ikm_slot_free(k, s);
		return;
	}
	if (!k->cfg.initiator && s->sa.state == IKE_SA_IDLE) {
		/* a stateless refusal (INVALID_KE, NO_PROPOSAL_CHOSEN) or a
		 * dropped request: nothing to keep (IKE-06, IKE-07) */
		ikm_slot_free(k, s);
		return;
	}
	if (!rc) {
		events(k, s, m->now);
		after(k, s, mid, m->now);
		send_queued(k, s, m->now);
	}
}

/* ---- timers and expiry ---- */

static uint64_t km_next_expiry(void *ctx, const struct node *n)
{
	const struct ike_km *k = ctx;
	(void)n;
	uint64_t t = UINT64_MAX;
	for (unsigned i = 0; i < k->n_slots; i++) {
		const struct slot *s = &k->slots[i];
		if (s->used && s->due && s->due < t)
			t = s->due;
		if (s->used && s->ka_at && s->ka_at < t)
			t = s->ka_at;
		if (s->used && s->frag_due && s->frag_due < t)
			t = s->frag_due;
	}
	return t;
}

static void slot_timer(struct ike_km *k, struct slot *s, uint64_t now)
{
	enum ike_sa_state st = s->sa.state;
	bool initial = k->cfg.initiator && (st == IKE_SA_INIT_SENT || st == IKE_SA_AUTH_SENT);
	bool up = st == IKE_SA_ESTABLISHED || st == IKE_SA_REKEYED;
	if (!initial && !up) {
		/* a half-open or failed responder SA is forgotten */
		ikm_slot_free(k, s);
		return;
	}
	if (initial || s->sa.req_pending) {
		if (s->tries >= km_tries(k)) {
			k->st.failed++;
			if (st == IKE_SA_ESTABLISHED && !s->doomed)
				peer_dead(k, s, now);
			else if (st == IKE_SA_REKEYED)
				drop_slot_sas(k, s);    /* its Delete unanswered: the new SA lives on */
			else
				ikm_slot_free(k, s);
			return;
		}
		size_t len;
		if (ike_sa_retransmit(&s->sa, k->out, sizeof(k->out), &len)) {
			s->due = 0;
			return;
		}
		/* IKE-02, IKE-03: the same octets, the timeout doubling each time */
		s->due = now + (km_rto(k) << s->tries);
		s->tries++;
		k->st.retransmits++;
		send_msg(k, s, len);
		return;
	}
	if (st == IKE_SA_REKEYED || s->doomed) {
		/* the peer never deleted it */
		drop_slot_sas(k, s);
		return;
	}
	struct ike_req r = { 0 };
	if (s->rekey_at && now >= s->rekey_at) {
		s->rekey_at = 0;
		r.type = IKE_REQ_REKEY_IKE;
	} else if (k->cfg.dpd_s && now >= s->last_rx + k->cfg.dpd_s * NS && !ike_sa_busy(&s->sa)) {
		r.type = IKE_REQ_LIVENESS;
		k->st.liveness++;
	}
	if (r.type)
		request(k, s, &r, now);
	else
		idle_due(k, s, now);
}

static void km_on_timer(void *ctx, struct node *n, uint64_t now)
{
	struct ike_km *k = ctx;
	(void)n;
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *s = &k->slots[i];
		if (s->used && s->frag_due && s->frag_due <= now) {
			ike_sa_frag_expire(&s->sa);
			s->frag_due = 0;
		}
		if (s->used && s->due && s->due <= now)
			slot_timer(k, s, now);
		if (s->used && s->ka_at && s->ka_at <= now) {
			if (s->sa.state == IKE_SA_ESTABLISHED)
				keepalive_send(k, s, now);
			else
				s->ka_at = 0;   /* rekeyed or going: its successor sends them */
		}
	}
}

static struct slot *slot_of(struct ike_km *k, uint32_t spi, bool inbound, struct ike_child **c)
{
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *s = &k->slots[i];
		if (s->used && s->sa.state == IKE_SA_ESTABLISHED && (*c = ike_sa_child(&s->sa, spi, inbound)))
			return s;
	}
	return NULL;
}

static void km_expire(void *ctx, struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard)
{
	struct ike_km *k = ctx;
	uint64_t now = node_km_now(n);
	struct ike_child *c = NULL;
	struct slot *s = proto == IP6P_ESP ? slot_of(k, spi, inbound, &c) : NULL;
	if (hard) {
		if (!node_sa_delete(n, spi, proto, inbound))
			k->st.sa_deleted++;
		/* the peer drops its half too */
		if (s && !c->deleting) {
			struct ike_req d = { .type = IKE_REQ_DELETE_CHILD, .spi = c->spi_in };
			request(k, s, &d, now);
		}
		return;
	}
	/* soft (IKE-15): a new pair by CREATE_CHILD_SA, then the old one's Delete */
	if (!s || c->rekeyed || c->rekeying || c->deleting)
		return;
	struct ike_req r = { .type = IKE_REQ_REKEY_CHILD, .spi = c->spi_in, .pfs = k->cfg.esp.pfs };
	if (node_sa_reserve_spi(n, IP6P_ESP, &r.new_spi))
		return;
	request(k, s, &r, now);
}

/* 4877-10, 3776-16: with K agreed the IKE SA follows the care-of address
 * (MOBIKE, MK-05: retransmissions go to the new path too); without, a new
 * IKE SA from the new address replaces it. */
static void km_address_change(void *ctx, struct node *n, const uint8_t *old_coa, const uint8_t new_coa[16])
{
	struct ike_km *k = ctx;
	(void)old_coa;
	struct slot *c = current(k);
	if (!k->cfg.initiator || !c)
		return;
	uint64_t now = node_km_now(n);
	if (c->sa.mobike && (k->k_agreed || k->cfg.follow_mobike)) {
		struct ike_path p = c->sa.path;
		memcpy(p.local, new_coa, 16);
		ike_sa_set_path(&c->sa, &p);
		struct ike_req r = { .type = IKE_REQ_UPDATE_ADDR };
		if (c->sa.req_pending && c->sa.req.type == IKE_REQ_UPDATE_ADDR)
			return;         /* the outstanding one goes to the new path; a new one follows (MK-05) */
		request(k, c, &r, now);
		return;
	}
	start(k, now);
}

static void km_binding_changed(void *ctx, struct node *n, const struct node_binding_change *b)
{
	struct ike_km *k = ctx;
	(void)n;
	if (k->cfg.initiator && !b->home_agent)
		k->k_agreed = b->k;
}

void ike_km_close(struct ike_km *k)
{
	if (!k || !k->n)
		return;
	uint64_t now = node_km_now(k->n);
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *s = &k->slots[i];
		if (s->used && s->sa.state == IKE_SA_ESTABLISHED && !s->doomed) {
			struct ike_req d = { .type = IKE_REQ_DELETE_IKE };
			request(k, s, &d, now);
		}
	}
}

int ike_km_rekey(struct ike_km *k, bool ike)
{
	if (!k || !k->n)
		return 0;
	uint64_t now = node_km_now(k->n);
	int made = 0;
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *s = &k->slots[i];
		if (!s->used || s->sa.state != IKE_SA_ESTABLISHED || s->doomed)
			continue;
		if (ike) {
			struct ike_req r = { .type = IKE_REQ_REKEY_IKE };
			request(k, s, &r, now);
			made++;
			continue;
		}
		for (unsigned j = 0; j < IKE_SA_CHILD_MAX; j++) {
			const struct ike_child *c = &s->sa.ch[j];
			if (!c->used || c->rekeyed || c->rekeying || c->deleting)
				continue;
			struct ike_req r = { .type = IKE_REQ_REKEY_CHILD, .spi = c->spi_in, .pfs = k->cfg.esp.pfs };
			if (node_sa_reserve_spi(k->n, IP6P_ESP, &r.new_spi))
				continue;
			request(k, s, &r, now);
			made++;
		}
	}
	return made;
}

void ike_km_forget(struct ike_km *k)
{
	for (unsigned i = 0; i < k->n_slots; i++)
		if (k->slots[i].used)
			drop_slot_sas(k, &k->slots[i]);
}

/* ---- lifecycle ---- */

struct ike_km *ike_km_new(const struct ike_km_cfg *cfg, char *err, size_t errlen)
{
	enum m6_enc e;
	enum m6_auth a;
	if (!cfg->n_ike || cfg->n_ike > IKE_SA_SUITE_MAX || ike_km_esp_xform(&cfg->esp, &e, &a) ||
	    cfg->id_len > IKE_SA_ID_MAX || cfg->psk_len > IKE_KM_PSK_MAX ||
	    (cfg->initiator && !cfg->psk_len && !ike_cred_has_own(cfg->cred))) {
		snprintf(err, errlen, "incomplete IKE configuration (proposals, ESP transform, identity or PSK)");
		return NULL;
	}
	for (unsigned i = 0; i < cfg->n_ike; i++)
		if (ike_suite_check(&cfg->ike[i])) {
			snprintf(err, errlen, "IKE proposal %u is not supported", i + 1);
			return NULL;
		}
	struct ike_km *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->cfg = *cfg;
	ike_cred_ref(k->cfg.cred);
	k->wall_s = cfg->cert_time;
	/* the mobile node: the IKE SA, during a rekey its successor and, when
	 * rekeys cross, the loser, plus a new one after a move */
	k->n_slots = cfg->max_sa ? cfg->max_sa : cfg->initiator ? 4 : 8;
	k->slots = calloc(k->n_slots, sizeof(*k->slots));
	if (cfg->keep_keys) {
		k->ike_log = calloc(KEYLOG_IKE_MAX, sizeof(*k->ike_log));
		k->child_log = calloc(KEYLOG_CHILD_MAX, sizeof(*k->child_log));
	}
	if (!k->slots || (cfg->keep_keys && (!k->ike_log || !k->child_log))) {
		ike_km_free(k);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return k;
}

static void km_expire_cb(void *ctx, struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard)
{
	km_expire(ctx, n, spi, proto, inbound, hard);
}

void ike_km_attach(struct ike_km *k, struct node *n)
{
	k->n = n;
	struct node_km km = {
		.ctx = k,
		.acquire = km_acquire,
		.expire = km_expire_cb,
		.input = km_input,
		.address_change = km_address_change,
		.binding_changed = km_binding_changed,
		.next_expiry = km_next_expiry,
		.on_timer = km_on_timer,
	};
	node_set_km(n, &km);
	/* INT-03: the home agent follows a mobile node's IKE SA only with
	 * MOBIKE; the mobile node's K waits for an IKE SA that has it */
	if (node_ha(n))
		ha_set_km_fixed(node_ha(n), !k->cfg.mobike);
	if (k->cfg.tunnel && node_bits(n))
		node_bits(n)->km_tunnel = true;
	if (node_mn(n))
		mn_set_km_fixed(node_mn(n), true);
}

void ike_km_free(struct ike_km *k)
{
	if (!k)
		return;
	for (unsigned i = 0; k->slots && i < k->n_slots; i++) {
		ike_sa_clear(&k->slots[i].sa);
		OPENSSL_cleanse(&k->slots[i], sizeof(k->slots[i]));
	}
	free(k->slots);
	ike_cred_free(k->cfg.cred);
	ike_cookie_clear(&k->cookie);
	if (k->ike_log) {
		OPENSSL_cleanse(k->ike_log, KEYLOG_IKE_MAX * sizeof(*k->ike_log));
		free(k->ike_log);
	}
	if (k->child_log) {
		OPENSSL_cleanse(k->child_log, KEYLOG_CHILD_MAX * sizeof(*k->child_log));
		free(k->child_log);
	}
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}
