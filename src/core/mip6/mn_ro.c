/*
 * mn_ro — the mobile node's side of route optimisation (RFC 6275 5.2,
 * 11.6, 11.7.2): return routability with each correspondent in cfg.cn,
 * the correspondent Binding Updates authorised by Kbm, their
 * acknowledgements, refresh requests and errors, and giving up after
 * MAX_RO_FAILURE. State lives in the correspondents' BUL entries.
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

void mn_ro_forget(struct mn *mn, struct bul_entry *e, const char *why)
{
	bool had = e->in_use && e->acked;
	uint8_t coa[16];
	memcpy(coa, e->acked_coa, 16);
	bul_entry_clear(e);
	if (had) {
		char text[96];
		mn_ent_text(e, text);
		size_t n = strlen(text);
		if (why && n + 2 + strlen(why) < sizeof(text)) {
			memcpy(text + n, ": ", 2);
			memcpy(text + n + 2, why, strlen(why) + 1);
		}
		mn_ev(mn, M6_EV_BINDING_DELETED, mn->cfg.hoa, coa, 0, 0, text);
	}
}


/* Correspondent BU (11.7.2): IPv6(CoA->CN) | HAO(HoA) | BU(A; H=0, K=0 per
 * MH-07) + Nonce Indices + BAD, the authenticator over the final MH. */
void mn_ro_bu_send(struct mn *mn, struct bul_entry *e, uint64_t now, uint32_t expired_ms)
{
	if (mn->where != MN_AWAY)
		return;
	/* RR-05: tokens older than MAX_TOKEN_LIFETIME, or for another CoA, are not used */
	if (!e->kbm_valid || now - e->tokens_at >= (uint64_t)MIP6_MAX_TOKEN_LIFETIME_S * MIP6_NS_PER_S ||
	    memcmp(e->rr_coa, mn->coa, 16) != 0) {
		rr_start(mn, e, now);
		return;
	}
	const struct bul_entry *ha = mn_ha_ent(mn);
	uint32_t life = MIP6_MAX_RR_BINDING_LIFETIME_S;
	uint32_t ha_left = ha->acked ? mn_secs_left(ha->expires, now) : 0;
	uint32_t coa_left = mn_secs_left(mn->coa_until, now);
	if (ha_left < life)
		life = ha_left;
	if (coa_left < life)
		life = coa_left;
	uint8_t ni[4], auth0[RR_AUTH_LEN];
	m6_put16(ni, e->home_nonce);
	m6_put16(ni + 2, e->coa_nonce);
	memset(auth0, 0, sizeof(auth0));
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = (uint16_t)(e->seq + 1);
	m.flags = MH_BU_A;
	m.lifetime = mn_life_units(life);
	m.n_opts = 2;
	m.opts[0].type = MHO_NI;
	m.opts[0].len = sizeof(ni);
	m.opts[0].data = ni;
	m.opts[1].type = MHO_BAD;
	m.opts[1].len = RR_AUTH_LEN;
	m.opts[1].data = auth0;
	int len = mip6_build_mh(mn->buf, sizeof(mn->buf), mn->coa, e->peer, mn->cfg.hoa, NULL, &m);
	size_t moff = IP6_HDR_LEN + IP6_HAO_HDR_LEN;
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
	int rc = rr_bad(e->kbm, mn->coa, e->peer, mh, mlen, mlen - RR_AUTH_LEN, auth);
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

/* HoTI: inner IPv6(HoA->CN) | HoTI, reverse-tunnelled CoA->HA (RR-04, HA-09).
 * CoTI: IPv6(CoA->CN) | CoTI, direct and without a HAO, since a CN ignores

 * test inits that carry one (HAO-09). */
static void rr_send_init(struct mn *mn, struct bul_entry *e, bool home, uint64_t now, uint32_t expired_ms)
{
	uint8_t *cookie = home ? e->home_cookie : e->coa_cookie;
	struct bul_rate *rate = home ? &e->rate_hoti : &e->rate_coti;
	/* RR-06: every (re)transmission gets a new cookie */
	mn->io.random(mn->io.ctx, cookie, MH_COOKIE_LEN);
	if (bul_rate_next(rate, now) > now)
		return;   /* the RR timer sends the next one */
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = home ? MH_HOTI : MH_COTI;
	memcpy(m.cookie, cookie, MH_COOKIE_LEN);
	const uint8_t *src = home ? mn->cfg.hoa : mn->coa;
	int len = mip6_build_mh(mn->buf, sizeof(mn->buf) - IP6_HDR_LEN, src, e->peer, NULL, NULL, &m);
	if (len >= 0 && home)
		len = mip6_encap(mn->buf, sizeof(mn->buf), mn->coa, mn->cfg.ha, mn->buf, (size_t)len);
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
	e->rr_running = true;
	e->have_home = e->have_coa = false;
	e->kbm_valid = false;
	/* a BU still waiting needs the old Kbm: it is superseded */
	e->outstanding = false;
	bul_timer_stop(&e->tx);
	memcpy(e->rr_coa, mn->coa, 16);
	bul_timer_start(&e->rr_tx, MIP6_INITIAL_BINDACK_TIMEOUT_MS, now);
	mn_ev(mn, M6_EV_RR_STARTED, e->peer, mn->coa, 0, 0, NULL);
	rr_send_init(mn, e, true, now, 0);
	rr_send_init(mn, e, false, now, 0);
}

/* RR gave up (MAX_RO_FAILURE): data keeps going through the HA (5.2.9);
 * a binding the CN still holds stays in use until it expires. */
static void rr_fail(struct mn *mn, struct bul_entry *e, int code)
{
	e->rr_running = false;
	bul_timer_stop(&e->rr_tx);
	mn_ev(mn, M6_EV_RR_DONE, e->peer, mn->coa, code, 0, NULL);
	if (!e->acked)
		bul_entry_clear(e);
}

void mn_ro_kick_all(struct mn *mn, uint64_t now)
{
	if (!mn->cfg.route_optimisation || !mn_registered_now(mn))
		return;
	for (unsigned i = 1; i < mn->n_bul; i++) {
		struct bul_entry *e = &mn->bul[i];
		if (e->ro_disabled || e->rr_running || e->outstanding || mn_ro_usable(mn, e, now))
			continue;
		rr_start(mn, e, now);
	}
}

static void rr_maybe_done(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	if (!e->have_home || !e->have_coa)
		return;
	int rc = rr_kbm(e->home_token, e->coa_token, e->kbm);
	if (rc) {
		rr_fail(mn, e, rc);
		return;
	}
	e->rr_running = false;
	bul_timer_stop(&e->rr_tx);
	e->kbm_valid = true;
	mn_ev(mn, M6_EV_RR_DONE, e->peer, mn->coa, 0, 0, NULL);
	mn_bu_start(mn, e, MIP6_INITIAL_BINDACK_TIMEOUT_MS, now);
}

/* RR-04 */
void mn_ro_on_test(struct mn *mn, const struct mh_msg *m, const uint8_t src[16], const uint8_t dst[16],
		    bool via_tunnel, uint64_t now)
{
	struct bul_entry *e = bul_find(mn->bul, mn->n_bul, src);
	bool home = m->type == MH_HOT;
	bool ok = e && !e->home && e->rr_running && mn->where == MN_AWAY;
	if (ok && home)
		ok = !e->have_home && via_tunnel && memcmp(dst, mn->cfg.hoa, 16) == 0 &&
		     m6_ct_equal(m->cookie, e->home_cookie, MH_COOKIE_LEN);
	else if (ok)
		ok = !e->have_coa && memcmp(dst, mn->coa, 16) == 0 &&
		     m6_ct_equal(m->cookie, e->coa_cookie, MH_COOKIE_LEN);
	if (!ok) {
		mn_drop(mn, M6_E_RR_MISMATCH, src, home ? "HoT ignored (RR-04)" : "CoT ignored (RR-04)");
		return;
	}
	/* RR-05 counts from the older token */
	if (!e->have_home && !e->have_coa)
		e->tokens_at = now;
	if (home) {
		memcpy(e->home_token, m->token, RR_TOKEN_LEN);
		e->home_nonce = m->nonce_index;
		e->have_home = true;
	} else {
		memcpy(e->coa_token, m->token, RR_TOKEN_LEN);
		e->coa_nonce = m->nonce_index;
		e->have_coa = true;
	}
	rr_maybe_done(mn, e, now);
}

/* ---- Binding Acknowledgements (11.7.3) ---- */

bool mn_ro_ba_valid(const struct bul_entry *e, const uint8_t *mh, size_t mhlen, const struct mh_msg *m)
{
	const struct mh_opt *o = mh_find_opt(m, MHO_BAD);
	if (!o || !e->kbm_valid || o->len != RR_AUTH_LEN || (size_t)o->off + 2 + RR_AUTH_LEN != mhlen)
		return false;
	uint8_t auth[RR_AUTH_LEN];
	/* a failed computation is a mismatch, never a comparison with zeros */
	return rr_bad(e->kbm, e->coa, e->peer, mh, mhlen, (size_t)o->off + 2, auth) == 0 &&
	       m6_ct_equal(auth, o->data, RR_AUTH_LEN);
}

void mn_ro_ba_rejected(struct mn *mn, struct bul_entry *e, uint8_t status, uint64_t now)
{
	switch (status) {
	case MH_BA_EXPIRED_HOME_NONCE:
	case MH_BA_EXPIRED_COA_NONCE:
	case MH_BA_EXPIRED_NONCES:
		/* fresh tokens fix it, unless the CN keeps refusing them */
		if (++e->ro_failures > MIP6_MAX_RO_FAILURE) {
			e->ro_disabled = true;
			mn_ro_forget(mn, e, "nonces keep expiring");
			return;
		}
		rr_start(mn, e, now);
		break;
	default:
		e->ro_disabled = true;
		mn_ro_forget(mn, e, "binding refused");
		break;
	}
}

void mn_ro_forget_all(struct mn *mn, const char *why)
{
	for (unsigned i = 1; i < mn->n_bul; i++)
		mn_ro_forget(mn, &mn->bul[i], why);
}

void mn_ro_rr_timeout(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	uint32_t expired = bul_timer_expire(&e->rr_tx, now);
	if (e->rr_tx.tries > MIP6_MAX_RO_FAILURE) {
		rr_fail(mn, e, M6_E_RR_TIMEOUT);
		return;
	}
	if (!e->have_home)
		rr_send_init(mn, e, true, now, expired);
	if (!e->have_coa)
		rr_send_init(mn, e, false, now, expired);
}


void mn_ro_on_brr(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	if (mn_registered_now(mn) && !e->rr_running && !e->ro_disabled)
		rr_start(mn, e, now);
}

void mn_ro_on_be(struct mn *mn, struct bul_entry *e, uint8_t status)
{
	if (status == MH_BE_UNKNOWN_MH_TYPE) {
		/* the CN does not speak the Mobility Header: stop trying RO */
		e->ro_disabled = true;
		mn_ro_forget(mn, e, "MH type unknown to the correspondent");
	} else if (status == MH_BE_UNKNOWN_BINDING) {
		/* no upper-layer progress information here, so MUST drop it */
		mn_ro_forget(mn, e, "unknown binding");
	}
}

void mn_ro_bu_gave_up(struct mn *mn, struct bul_entry *e)
{
	mn_drop(mn, M6_E_RR_TIMEOUT, e->peer, "no BA from the correspondent");
	e->outstanding = false;
	bul_timer_stop(&e->tx);
	if (!e->acked)
		bul_entry_clear(e);
}

void mn_ro_refresh(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	/* a new BU with the tokens if still fresh, else RR (RR-05) */
	if (!mn_registered_now(mn) || e->rr_running || e->outstanding || e->ro_disabled)
		return;
	mn_bu_start(mn, e, MIP6_INITIAL_BINDACK_TIMEOUT_MS, now);
}
