/*
 * mn_ro — the mobile node's side of route optimisation (RFC 6275 5.2,
 * 11.6, 11.7.2): return routability with each correspondent configured,
 * the correspondent Binding Updates authorised by Kbm, their
 * acknowledgements, refresh requests and errors, de-registration from
 * every correspondent once home, and giving up after MAX_RO_FAILURE.
 * State lives in the correspondents' BUL entries.
 *
 * Away, RR runs both tests (HoTI reverse-tunnelled, CoTI direct) and the
 * BU registers the care-of address. At home, once the home agent has let
 * go of the home address (its de-registration acknowledged, or nothing
 * left to delete), every correspondent that may still hold a binding
 * (BUL max_expiry in the future) gets a de-registration: a HoTI straight
 * from the home address, and a BU from it with lifetime 0, care-of nonce
 * index 0, Kbm = SHA1(home keygen token) and the authenticator over the
 * home address as care-of (RFC 6275 5.2.5, 11.5.5, 11.6.1, 11.7.2). The
 * HoTI waits for the home agent because until then the home agent still
 * intercepts the HoT.
 *
 * Failures (RFC 6275 5.2.9): an RR run unanswered after MAX_RO_FAILURE
 * retransmissions, a correspondent BU unanswered after as many, or a BA
 * saying the nonces expired (136..138). Each one reverts the data path to
 * the reverse tunnel at once (the binding is no longer used even if the
 * correspondent still holds it). An expired nonce is retried with fresh
 * tokens straight away; a timeout waits for the next registration with
 * the home agent. After MAX_RO_FAILURE + 1 failures in a row the mobile
 * node stops trying that correspondent until it moves (ro_failures is
 * reset by a new care-of address and by any accepted BA).
 */
#include <string.h>

#include "mn_int.h"
#include "rr.h"
#include "../crypto/m6_crypto.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../util/m6_bytes.h"

static void rr_start(struct mn *mn, struct bul_entry *e, uint64_t now);

/* A correspondent binding the data path may use: confirmed for the CoA we
 * have now (the CN would answer a HAO from another one with BE 1). */
bool mn_ro_usable(const struct mn *mn, const struct bul_entry *e, uint64_t now)
{
	return mn->where == MN_AWAY && e->in_use && !e->home && e->acked && e->expires > now &&
	       memcmp(e->acked_coa, mn->coa, 16) == 0;
}

static void deleted_event(struct mn *mn, const struct bul_entry *e, const uint8_t coa[16], const char *why)
{
	char text[96];
	mn_ent_text(e, text);
	size_t n = strlen(text);
	if (why && n + 2 + strlen(why) < sizeof(text)) {
		memcpy(text + n, ": ", 2);
		memcpy(text + n + 2, why, strlen(why) + 1);
	}
	mn_ev(mn, M6_EV_BINDING_DELETED, mn->cfg.hoa, coa, 0, 0, text);
}

void mn_ro_forget(struct mn *mn, struct bul_entry *e, const char *why)
{
	bool had = e->in_use && e->acked;
	uint8_t coa[16];
	memcpy(coa, e->acked_coa, 16);
	bul_entry_clear(e);
	if (had)
		deleted_event(mn, e, coa, why);
}

void mn_ro_forget_all(struct mn *mn, const char *why)
{
	for (unsigned i = 1; i < mn->n_bul; i++)
		mn_ro_forget(mn, &mn->bul[i], why);
}

void mn_ro_moved(struct mn *mn)
{
	/* correspondents hold the old CoA: RR again once the HA has the new
	 * one; a new path deserves new attempts */
	for (unsigned i = 1; i < mn->n_bul; i++) {
		mn->bul[i].rr->ro_failures = 0;
		mn_ro_forget(mn, &mn->bul[i], "moved");
	}
}

/* ---- Binding Updates to correspondents ---- */

/* Correspondent BU (11.7.2). Away: IPv6(CoA->CN) | HAO(HoA) | BU(A; H=0,
 * K=0 per MH-07) + Nonce Indices + BAD. At home, the de-registration:
 * IPv6(HoA->CN) | BU(A, lifetime 0) + Nonce Indices(home, 0) + BAD, Kbm
 * from the home token alone. The authenticator covers the final MH. */
void mn_ro_bu_send(struct mn *mn, struct bul_entry *e, uint64_t now, uint32_t expired_ms)
{
	bool home = mn->where == MN_HOME;
	if (mn->where == MN_NOWHERE)
		return;
	/* RR-05: tokens older than MAX_TOKEN_LIFETIME, or for another CoA, are not used */
	if (!e->rr->kbm_valid || now - e->rr->tokens_at >= (uint64_t)MIP6_MAX_TOKEN_LIFETIME_S * MIP6_NS_PER_S ||
	    memcmp(e->rr->rr_coa, mn->coa, 16) != 0) {
		rr_start(mn, e, now);
		return;
	}
	uint32_t life = 0;
	if (!home) {
		const struct bul_entry *ha = mn_ha_ent(mn);
		uint32_t ha_left = ha->acked ? mn_secs_left(ha->expires, now) : 0;
		uint32_t coa_left = mn_secs_left(mn->coa_until, now);
		life = MIP6_MAX_RR_BINDING_LIFETIME_S;
		if (ha_left < life)
			life = ha_left;
		if (coa_left < life)
			life = coa_left;
	}
	uint8_t ni[4], auth0[RR_AUTH_LEN];
	m6_put16(ni, e->rr->home_nonce);
	m6_put16(ni + 2, home ? 0 : e->rr->coa_nonce);   /* 11.7.2: SHOULD be 0 for a delete */
	memset(auth0, 0, sizeof(auth0));
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = (uint16_t)(e->seq + 1);
	m.flags = MH_BU_A;
	m.lifetime = home ? 0 : mn_life_units(life);
	m.n_opts = 2;
	m.opts[0].type = MHO_NI;
	m.opts[0].len = sizeof(ni);
	m.opts[0].data = ni;
	m.opts[1].type = MHO_BAD;
	m.opts[1].len = RR_AUTH_LEN;
	m.opts[1].data = auth0;
	/* at home the source is the home address: no HAO (11.7.2) */
	int len = mip6_build_mh(mn->buf, MN_BUF_LEN, mn->coa, e->peer, home ? NULL : mn->cfg.hoa, NULL, &m);
	size_t moff = IP6_HDR_LEN + (home ? 0 : IP6_HAO_HDR_LEN);
	/* BAD is last with no padding after it (OPT-04): the authenticator is
	 * the MH's final 12 octets. */
	if (len < 0 || (size_t)len < moff + MH_HDR_LEN + 2 + RR_AUTH_LEN ||
	    mn->buf[len - RR_AUTH_LEN - 2] != MHO_BAD || mn->buf[len - RR_AUTH_LEN - 1] != RR_AUTH_LEN) {
		mn_drop(mn, len < 0 ? len : M6_E_INVAL, e->peer, "cannot build the correspondent Binding Update");
		return;
	}
	uint8_t *mh = mn->buf + moff;
	size_t mlen = (size_t)len - moff;
	uint8_t auth[RR_AUTH_LEN];
	/* RR-03: the care-of address of a delete is the home address (mn->coa at home) */
	int rc = rr_bad(e->rr->kbm, mn->coa, e->peer, mh, mlen, mlen - RR_AUTH_LEN, auth);
	if (rc) {
		mn_drop(mn, rc, e->peer, "cannot compute the Binding Authorization Data");
		return;
	}
	memcpy(mh + mlen - RR_AUTH_LEN, auth, RR_AUTH_LEN);
	mh_set_checksum(mh, mlen, mn->cfg.hoa, e->peer);
	e->seq = m.seq;
	mn_bu_record(e, mn->coa, mh_lifetime_seconds(m.lifetime), now);
	mn_send(mn, mn->buf, (size_t)len);
	mn_bu_sent_event(mn, e, expired_ms);
}

/* ---- return routability (11.6) ---- */

/* HoTI away: inner IPv6(HoA->CN) | HoTI, reverse-tunnelled CoA->HA (RR-04,
 * HA-09); at home: IPv6(HoA->CN) | HoTI, direct.
 * CoTI: IPv6(CoA->CN) | CoTI, direct and without a HAO, since a CN ignores
 * test inits that carry one (HAO-09). */
static void rr_send_init(struct mn *mn, struct bul_entry *e, bool home, uint64_t now, uint32_t expired_ms)
{
	uint8_t *cookie = home ? e->rr->home_cookie : e->rr->coa_cookie;
	struct bul_rate *rate = home ? &e->rr->rate_hoti : &e->rr->rate_coti;
	/* RR-06: every (re)transmission gets a new cookie */
	mn->io->random(mn->io->ctx, cookie, MH_COOKIE_LEN);
	if (bul_rate_next(rate, now) > now)
		return;   /* the RR timer sends the next one */
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = home ? MH_HOTI : MH_COTI;
	memcpy(m.cookie, cookie, MH_COOKIE_LEN);
	const uint8_t *src = home ? mn->cfg.hoa : mn->coa;
	int len = mip6_build_mh(mn->buf, MN_BUF_LEN - IP6_HDR_LEN, src, e->peer, NULL, NULL, &m);
	if (len >= 0 && home && mn->where == MN_AWAY)
		len = mip6_encap(mn->buf, MN_BUF_LEN, mn->coa, mn->cfg.ha, mn->buf, (size_t)len);
	if (len < 0) {
		mn_drop(mn, len, e->peer, home ? "cannot build HoTI" : "cannot build CoTI");
		return;
	}
	bul_rate_note(rate, now);
	mn_send(mn, mn->buf, (size_t)len);
	mn_ev(mn, home ? M6_EV_HOTI_SENT : M6_EV_COTI_SENT, e->peer, src, 0, expired_ms, NULL);
}

static void rr_start(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	e->in_use = true;
	e->rr->rr_running = true;
	e->rr->have_home = e->rr->have_coa = false;
	e->rr->kbm_valid = false;
	/* a BU still waiting needs the old Kbm: it is superseded */
	e->outstanding = false;
	bul_timer_stop(&e->tx);
	memcpy(e->rr->rr_coa, mn->coa, 16);
	bul_timer_start(&e->rr->rr_tx, MIP6_INITIAL_BINDACK_TIMEOUT_MS, now);
	mn_ev(mn, M6_EV_RR_STARTED, e->peer, mn->coa, 0, 0, mn->where == MN_HOME ? "home test only" : NULL);
	rr_send_init(mn, e, true, now, 0);
	/* 11.6.1: a de-registration needs the home keygen token only */
	if (mn->where == MN_AWAY)
		rr_send_init(mn, e, false, now, 0);
}

/* One route optimisation failure (5.2.9): the data path reverts to the
 * reverse tunnel now; true when the correspondent may be tried again. */
static bool ro_fail(struct mn *mn, struct bul_entry *e, int code, const char *why)
{
	e->rr->rr_running = false;
	bul_timer_stop(&e->rr->rr_tx);
	e->outstanding = false;
	bul_timer_stop(&e->tx);
	e->refresh_at = MIP6_NEVER;
	mn_ev(mn, M6_EV_RR_DONE, e->peer, mn->coa, code, e->rr->ro_failures + 1, why);
	if (e->acked) {
		/* the CN may still hold it (max_expiry remembers): we stop using it */
		e->acked = false;
		deleted_event(mn, e, e->acked_coa, "route optimisation failed, back to the tunnel");
	}
	if (mn->where == MN_HOME) {
		/* a de-registration that cannot complete: the CN's binding expires */
		bul_entry_clear(e);
		return false;
	}
	if (++e->rr->ro_failures > MIP6_MAX_RO_FAILURE) {
		mn_ev(mn, M6_EV_RR_DONE, e->peer, mn->coa, M6_E_RO_FAILURE, e->rr->ro_failures,
		      "route optimisation given up until the next movement");
		return false;
	}
	return true;
}

static bool ro_gave_up(const struct bul_entry *e)
{
	return e->rr->ro_disabled || e->rr->ro_failures > MIP6_MAX_RO_FAILURE;
}

void mn_ro_kick_all(struct mn *mn, uint64_t now)
{
	if (!mn->cfg.route_optimisation || !mn_registered_now(mn))
		return;
	for (unsigned i = 1; i < mn->n_bul; i++) {
		struct bul_entry *e = &mn->bul[i];
		if (ro_gave_up(e) || e->rr->rr_running || e->outstanding || mn_ro_usable(mn, e, now))
			continue;
		rr_start(mn, e, now);
	}
}

void mn_ro_home(struct mn *mn, uint64_t now)
{
	/* nothing may be used from home; what the CNs may hold is kept in
	 * max_expiry until the home agent lets go of the home address */
	for (unsigned i = 1; i < mn->n_bul; i++) {
		struct bul_entry *e = &mn->bul[i];
		uint64_t keep = e->max_expiry;
		uint8_t coa[16];
		bool had = e->in_use && e->acked;
		memcpy(coa, e->acked_coa, 16);
		bul_entry_clear(e);
		e->rr->ro_failures = 0;
		if (keep > now) {
			e->in_use = true;
			e->max_expiry = keep;
		}
		if (had)
			deleted_event(mn, e, coa, "returned home, de-registration pending");
	}
}

void mn_ro_deregister_all(struct mn *mn, uint64_t now)
{
	for (unsigned i = 1; i < mn->n_bul; i++) {
		struct bul_entry *e = &mn->bul[i];
		if (!e->in_use || e->max_expiry <= now || e->rr->rr_running || e->outstanding)
			continue;
		rr_start(mn, e, now);
	}
}

static void rr_maybe_done(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	bool home = mn->where == MN_HOME;
	if (!e->rr->have_home || (!home && !e->rr->have_coa))
		return;
	int rc = rr_kbm(e->rr->home_token, home ? NULL : e->rr->coa_token, e->rr->kbm);
	if (rc) {
		ro_fail(mn, e, rc, "Kbm");
		return;
	}
	e->rr->rr_running = false;
	bul_timer_stop(&e->rr->rr_tx);
	e->rr->kbm_valid = true;
	mn_ev(mn, M6_EV_RR_DONE, e->peer, mn->coa, 0, 0, NULL);
	mn_bu_start(mn, e, MIP6_INITIAL_BINDACK_TIMEOUT_MS, now);
}

/* RR-04: away, a HoT counts only through the tunnel from the HA; at home
 * (de-registration) it comes straight to the home address. */
void mn_ro_on_test(struct mn *mn, const struct mh_msg *m, const uint8_t src[16], const uint8_t dst[16],
		   bool via_tunnel, uint64_t now)
{
	struct bul_entry *e = bul_find(mn->bul, mn->n_bul, src);
	bool home = m->type == MH_HOT;
	bool ok = e && !e->home && e->rr->rr_running && mn->where != MN_NOWHERE;
	if (ok && home)
		ok = !e->rr->have_home && via_tunnel == (mn->where == MN_AWAY) && memcmp(dst, mn->cfg.hoa, 16) == 0 &&
		     m6_ct_equal(m->cookie, e->rr->home_cookie, MH_COOKIE_LEN);
	else if (ok)
		ok = mn->where == MN_AWAY && !e->rr->have_coa && memcmp(dst, mn->coa, 16) == 0 &&
		     m6_ct_equal(m->cookie, e->rr->coa_cookie, MH_COOKIE_LEN);
	if (!ok) {
		mn_drop(mn, M6_E_RR_MISMATCH, src, home ? "HoT ignored (RR-04)" : "CoT ignored (RR-04)");
		return;
	}
	/* RR-05 counts from the older token */
	if (!e->rr->have_home && !e->rr->have_coa)
		e->rr->tokens_at = now;
	if (home) {
		memcpy(e->rr->home_token, m->token, RR_TOKEN_LEN);
		e->rr->home_nonce = m->nonce_index;
		e->rr->have_home = true;
	} else {
		memcpy(e->rr->coa_token, m->token, RR_TOKEN_LEN);
		e->rr->coa_nonce = m->nonce_index;
		e->rr->have_coa = true;
	}
	rr_maybe_done(mn, e, now);
}

/* ---- Binding Acknowledgements, errors, refresh requests ---- */

bool mn_ro_ba_valid(const struct bul_entry *e, const uint8_t *mh, size_t mhlen, const struct mh_msg *m)
{
	if (m->status >= MH_BA_EXPIRED_HOME_NONCE && m->status <= MH_BA_EXPIRED_NONCES)
		return true;   /* BA-01: only these come without a BAD */
	const struct mh_opt *o = mh_find_opt(m, MHO_BAD);
	if (!o || !e->rr->kbm_valid || o->len != RR_AUTH_LEN || (size_t)o->off + 2 + RR_AUTH_LEN != mhlen)
		return false;
	uint8_t auth[RR_AUTH_LEN];
	/* a failed computation is a mismatch, never a comparison with zeros */
	return rr_bad(e->rr->kbm, e->coa, e->peer, mh, mhlen, (size_t)o->off + 2, auth) == 0 &&
	       m6_ct_equal(auth, o->data, RR_AUTH_LEN);
}

void mn_ro_ba_accepted(struct mn *mn, struct bul_entry *e)
{
	e->rr->ro_failures = 0;
	if (e->life_sent_s)
		return;
	/* the de-registration went through: nothing is left at the CN */
	uint8_t coa[16];
	memcpy(coa, e->coa, 16);
	bul_entry_clear(e);
	deleted_event(mn, e, coa, "de-registered");
}

void mn_ro_ba_rejected(struct mn *mn, struct bul_entry *e, uint8_t status, uint64_t now)
{
	switch (status) {
	case MH_BA_EXPIRED_HOME_NONCE:
	case MH_BA_EXPIRED_COA_NONCE:
	case MH_BA_EXPIRED_NONCES:
		/* RR-05: fresh tokens fix it, unless the CN keeps refusing them */
		if (ro_fail(mn, e, M6_E_RO_NONCE, mh_ba_status_text(status)))
			rr_start(mn, e, now);
		break;
	default:
		e->rr->ro_disabled = true;
		mn_ro_forget(mn, e, "binding refused");
		break;
	}
}

void mn_ro_on_brr(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	if (mn_registered_now(mn) && !e->rr->rr_running && !ro_gave_up(e))
		rr_start(mn, e, now);
}

void mn_ro_on_be(struct mn *mn, struct bul_entry *e, uint8_t status)
{
	if (status == MH_BE_UNKNOWN_MH_TYPE) {
		/* the CN does not speak the Mobility Header: stop trying RO */
		e->rr->ro_disabled = true;
		mn_ro_forget(mn, e, "MH type unknown to the correspondent");
	} else if (status == MH_BE_UNKNOWN_BINDING) {
		/* no upper-layer progress information here, so MUST drop it */
		mn_ro_forget(mn, e, "unknown binding");
	}
}

/* ---- timers ---- */

void mn_ro_bu_gave_up(struct mn *mn, struct bul_entry *e)
{
	mn_drop(mn, M6_E_RR_TIMEOUT, e->peer, "no BA from the correspondent");
	if (!ro_fail(mn, e, M6_E_RR_TIMEOUT, "correspondent registration timed out") && !e->acked &&
	    e->max_expiry == 0)
		bul_entry_clear(e);
}

void mn_ro_rr_timeout(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	uint32_t expired = bul_timer_expire(&e->rr->rr_tx, now);
	if (e->rr->rr_tx.tries > MIP6_MAX_RO_FAILURE) {
		ro_fail(mn, e, M6_E_RR_TIMEOUT, "return routability timed out");
		return;
	}
	if (!e->rr->have_home)
		rr_send_init(mn, e, true, now, expired);
	if (!e->rr->have_coa && mn->where == MN_AWAY)
		rr_send_init(mn, e, false, now, expired);
}

void mn_ro_refresh(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	/* a new BU with the tokens if still fresh, else RR (RR-05) */
	if (!mn_registered_now(mn) || e->rr->rr_running || e->outstanding || ro_gave_up(e))
		return;
	mn_bu_start(mn, e, MIP6_INITIAL_BINDACK_TIMEOUT_MS, now);
}
