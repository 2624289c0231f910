/* MOBIKE (RFC 4555) on an IKE SA: MOBIKE_SUPPORTED and NO_NATS_ALLOWED in
 * IKE_AUTH, the initiator's address update, the return-routability check
 * (COOKIE2) and the additional-address lists. The SA moves only on an
 * authentic UPDATE_SA_ADDRESSES from the initiator, to the addresses the
 * request came from (MK-04, MK-06, MK-08): nothing else here changes
 * sa->path. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike_sa_int.h"
#include "../util/m6_bytes.h"

#define NO_NATS_LEN 36          /* IPv6: source, destination, ports (3.9) */

/* The n-th inner Notify of this type, or NULL. */
static const struct ike_pl *inner_notify(const struct ike_msg *m, uint16_t type, unsigned nth)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct ike_pl *pl = &m->pl[i];
		if (pl->inner && pl->type == IKE_PL_N && pl->body_len >= 4 && m6_get16(pl->body + 2) == type &&
		    !nth--)
			return pl;
	}
	return NULL;
}

/* NO_NATS_ALLOWED as its sender sees the path: source, destination,
 * source port, destination port. */
static void no_nats(const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport,
		    uint8_t out[NO_NATS_LEN])
{
	memcpy(out, src, 16);
	memcpy(out + 16, dst, 16);
	m6_put16(out + 32, sport);
	m6_put16(out + 34, dport);
}

static void put_no_nats(const struct ike_sa *sa, struct ike_wr *w)
{
	uint8_t d[NO_NATS_LEN];
	no_nats(sa->path.local, sa->path.peer, sa->path.lport, sa->path.pport, d);
	ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_NO_NATS_ALLOWED, d, sizeof(d));
}

/* MK-09: the request's NO_NATS_ALLOWED, when present (RFC 4555 3.5,
 * 3.6: "if ... present, processes it"), against the header it came in;
 * false when malformed or different (a NAT, or a forged path). */
static bool no_nats_ok(const struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *pl = inner_notify(m, IKE_N_NO_NATS_ALLOWED, 0);
	if (!pl)
		return true;
	size_t dl;
	const uint8_t *d = ike_sa_notify_data(pl, &dl);
	uint8_t want[NO_NATS_LEN];
	if (!d || dl != NO_NATS_LEN || !sa->have_rx)
		return false;
	no_nats(sa->rx.peer, sa->rx.local, sa->rx.pport, sa->rx.lport, want);
	return !memcmp(d, want, NO_NATS_LEN);
}

/* MK-08 (RFC 4555 3.8): a request with NAT detection gets it back, as
 * this end sees the path the request came on: the response's source is
 * the request's destination. */
static void put_natd(const struct ike_sa *sa, struct ike_wr *w)
{
	if (sa->have_rx)
		ike_natt_put(sa, w, &sa->rx);
}

/* MK-09 or NAT traversal: without NAT-T the sender says where it sends
 * from; with it, NAT detection says what a NAT did (RFC 4555 3.5, 3.9) */
static void put_nat_info(const struct ike_sa *sa, struct ike_wr *w)
{
	if (sa->cfg->natt && sa->natt_peer)
		ike_natt_put(sa, w, &sa->path);
	else if (!sa->cfg->natt)
		put_no_nats(sa, w);
}

/* MK-03: ours, or that we have none. */
static void put_addrs(const struct ike_sa *sa, struct ike_wr *w)
{
	const struct ike_sa_cfg *c = sa->cfg;
	if (!c->n_addrs)
		ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_NO_ADDITIONAL_ADDRESSES, NULL, 0);
	for (unsigned i = 0; i < c->n_addrs; i++)
		ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_ADDITIONAL_IP6_ADDRESS, c->addrs[i], 16);
}

/* MK-03: a list (or NO_ADDITIONAL_ADDRESSES) replaces the one before;
 * a message with neither leaves it. IPv4 ones are not kept (no IPv4
 * path here). */
static void take_addrs(struct ike_sa *sa, const struct ike_msg *m)
{
	bool none = inner_notify(m, IKE_N_NO_ADDITIONAL_ADDRESSES, 0) != NULL;
	bool any = inner_notify(m, IKE_N_ADDITIONAL_IP6_ADDRESS, 0) || inner_notify(m, IKE_N_ADDITIONAL_IP4_ADDRESS, 0);
	if (!none && !any)
		return;
	sa->n_peer_addrs = 0;
	const struct ike_pl *pl;
	size_t dl;
	for (unsigned i = 0; (pl = inner_notify(m, IKE_N_ADDITIONAL_IP6_ADDRESS, i)); i++) {
		const uint8_t *d = ike_sa_notify_data(pl, &dl);
		if (d && dl == 16 && sa->n_peer_addrs < IKE_SA_ADDR_MAX)
			memcpy(sa->peer_addrs[sa->n_peer_addrs++], d, 16);
	}
}

void ike_mobike_put_auth(const struct ike_sa *sa, struct ike_wr *w)
{
	if (!sa->cfg->mobike || (!sa->initiator && !sa->mobike_peer))
		return;
	/* MK-01: with the SA payload, empty */
	ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_MOBIKE_SUPPORTED, NULL, 0);
	/* MK-09: without NAT-T the initiator says where it sends from */
	if (sa->initiator && !sa->cfg->natt)
		put_no_nats(sa, w);
	put_addrs(sa, w);
}

uint16_t ike_mobike_on_auth(struct ike_sa *sa, const struct ike_msg *m)
{
	/* MK-01: its data, if any, is ignored */
	sa->mobike_peer = inner_notify(m, IKE_N_MOBIKE_SUPPORTED, 0) != NULL;
	sa->mobike = sa->cfg->mobike && sa->mobike_peer;
	take_addrs(sa, m);
	/* MK-09: a NO_NATS_ALLOWED that does not describe the path it came
	 * on: a NAT (or a rewriting attacker) between us */
	if (!sa->initiator && !no_nats_ok(sa, m))
		return IKE_N_UNEXPECTED_NAT_DETECTED;
	return 0;
}

int ike_mobike_put_req(struct ike_sa *sa, struct ike_wr *w)
{
	uint8_t t = sa->req.type;
	if (t == IKE_REQ_ADDRESSES) {
		/* RFC 4555 3.9: an address list travels with NO_NATS_ALLOWED */
		put_addrs(sa, w);
		put_nat_info(sa, w);
	}
	if (t == IKE_REQ_UPDATE_ADDR) {
		if (!sa->mobike || !sa->cfg_i)
			return M6_E_IKE_UNEXPECTED;     /* MK-04: only the initiator moves the SA */
		ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_UPDATE_SA_ADDRESSES, NULL, 0);
		put_nat_info(sa, w);
		sa->moves_sent = sa->moves;
	}
	/* MK-07: fresh for each request, including an update sent anew */
	ike_sa_rnd(sa, sa->cookie2, sizeof(sa->cookie2));
	ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_COOKIE2, sa->cookie2, sizeof(sa->cookie2));
	return 0;
}

/* MK-06: the initiator's UPDATE_SA_ADDRESSES, authentic and in order
 * (the Message ID window saw to that, so no newer one was seen), its
 * NO_NATS_ALLOWED checked. */
static void on_update(struct ike_sa *sa, const struct ike_msg *m, struct ike_wr *w)
{
	if (!sa->mobike || sa->cfg_i)
		return;         /* MK-04: from the responder, or without MOBIKE: ignored */
	const struct ike_sa_cfg *c = sa->cfg;
	if (!sa->have_rx || (c->addr_ok && !c->addr_ok(c->pad_ctx, sa->rx.peer, sa->rx.local))) {
		ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_UNACCEPTABLE_ADDRESSES, NULL, 0);
		return;
	}
	/* the new addresses come from the IP header, never from a payload;
	 * its NAT detection says whether ESP goes in UDP on the new path */
	sa->path = sa->rx;
	ike_natt_check(sa, m, true);
	if (c->mobike_rr && sa->n_queue < IKE_SA_QUEUE_MAX) {
		/* the Child SAs move once the new path answers (3.7) */
		sa->queue[sa->n_queue++] = (struct ike_req){ .type = IKE_REQ_RR_CHECK };
		return;
	}
	ike_sa_ev(sa, IKE_EV_MOVED, 0, 0, 0, 0);
}

void ike_mobike_on_req(struct ike_sa *sa, const struct ike_msg *m, struct ike_wr *w)
{
	if (!no_nats_ok(sa, m)) {
		/* MK-09: answered to where it came from (the caller's rule
		 * for every response); nothing in it is used */
		ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_UNEXPECTED_NAT_DETECTED, NULL, 0);
		return;
	}
	if (inner_notify(m, IKE_N_UPDATE_SA_ADDRESSES, 0))
		on_update(sa, m, w);
	take_addrs(sa, m);
	if (inner_notify(m, IKE_N_NAT_DETECTION_SOURCE_IP, 0) && inner_notify(m, IKE_N_NAT_DETECTION_DESTINATION_IP, 0))
		put_natd(sa, w);
	/* MK-07: copied as it came */
	size_t dl;
	const uint8_t *ck = ike_sa_notify_data(inner_notify(m, IKE_N_COOKIE2, 0), &dl);
	if (ck && dl >= 8 && dl <= 64)
		ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_COOKIE2, ck, dl);
}

/* The response to our update, check or address list. false: the IKE SA
 * must close (MK-07: a COOKIE2 that is not ours). */
bool ike_mobike_on_resp(struct ike_sa *sa, const struct ike_msg *m)
{
	uint8_t t = sa->req.type;
	size_t dl;
	const uint8_t *ck = ike_sa_notify_data(inner_notify(m, IKE_N_COOKIE2, 0), &dl);
	uint16_t e = ike_sa_error_notify(m);
	if (t == IKE_REQ_UPDATE_ADDR && sa->moves_sent != sa->moves && sa->n_queue < IKE_SA_QUEUE_MAX) {
		/* MK-05: it moved again meanwhile (its retransmission went
		 * the new way and may have been refused for it): the answer
		 * is stale, a new update says where the SA is now */
		sa->queue[sa->n_queue++] = (struct ike_req){ .type = IKE_REQ_UPDATE_ADDR };
		return true;
	}
	if (e && !ck) {
		/* MK-06, MK-09: refused (UNACCEPTABLE_ADDRESSES, UNEXPECTED_NAT_DETECTED) */
		ike_sa_ev(sa, IKE_EV_REFUSED, e, 0, 0, 0);
		return true;
	}
	if (!ck || dl != sizeof(sa->cookie2) || CRYPTO_memcmp(ck, sa->cookie2, dl))
		return false;
	take_addrs(sa, m);
	if (t == IKE_REQ_UPDATE_ADDR && !e)
		ike_natt_check(sa, m, true);    /* RFC 4555 3.5: NAT-T on or off */
	if (e)
		ike_sa_ev(sa, IKE_EV_REFUSED, e, 0, 0, 0);
	else if (t != IKE_REQ_ADDRESSES)
		ike_sa_ev(sa, IKE_EV_MOVED, 0, 0, 0, 0);
	return true;
}

void ike_sa_set_path(struct ike_sa *sa, const struct ike_path *p)
{
	if (memcmp(&sa->path, p, sizeof(*p)))
		sa->moves++;
	sa->path = *p;
}

void ike_sa_set_rx(struct ike_sa *sa, const struct ike_path *rx)
{
	sa->rx = *rx;
	sa->have_rx = true;
}
