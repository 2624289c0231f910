#include <stdlib.h>
#include <string.h>

#include "mn.h"
#include "bul.h"
#include "rr.h"
#include "../crypto/m6_crypto.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../pkt/pbuf.h"
#include "../util/m6_bytes.h"

#define MN_DEFAULT_LIFETIME_S 3600
/* Room for an application packet of the node's largest size plus the
 * outer header or HAO we add in front. */
#define MN_HEADROOM 64
#define MN_BUF_LEN (MIP6_PKT_MAX + MN_HEADROOM)
_Static_assert(MN_BUF_LEN <= MIP6_SCRATCH_LEN, "the node's scratch holds what the MN builds");
#define MN_HA 0                          /* BUL slot of the home agent; CNs follow */

enum mn_where { MN_NOWHERE, MN_HOME, MN_AWAY };

struct mn {
	struct mn_cfg cfg;
	struct mip6_io io;
	enum mn_where where;
	uint8_t coa[16];                 /* the HoA at home */
	uint64_t coa_until;              /* end of the CoA prefix's valid lifetime */
	bool have_prefix;                /* what the current link advertised */
	uint8_t prefix[16];
	unsigned plen;
	uint8_t router[16];
	bool ha_disabled;                /* BA said never to try this HoA/HA again */
	uint8_t *buf;                    /* the one packet being built: io->scratch, or own after bul */
	unsigned n_bul;
	struct bul_entry bul[];          /* n_bul */
};

static const uint8_t zero16[16];

static void ev_emit(struct mn *mn, enum m6_ev_type t, const uint8_t *peer, const uint8_t *addr,
		    int32_t code, uint32_t u32, const char *text)
{
	mip6_emit(&mn->io, t, peer, addr, code, u32, text);
}

static void drop(struct mn *mn, int code, const uint8_t *peer, const char *text)
{
	ev_emit(mn, M6_EV_DROP, peer, NULL, code, 0, text);
}

/* "ha <addr>" / "cn <addr>": which BUL entry an event is about, since
 * the binding events name the home address as their peer. */
static void ent_text(const struct bul_entry *e, char out[64])
{
	char a[46];
	ip6_addr_format(e->peer, a);
	memcpy(out, e->home ? "ha " : "cn ", 3);
	memcpy(out + 3, a, strlen(a) + 1);
}

static void ent_event(struct mn *mn, const struct bul_entry *e, enum m6_ev_type t, const uint8_t *coa,
		      uint32_t life)
{
	char text[64];
	ent_text(e, text);
	ev_emit(mn, t, mn->cfg.hoa, coa, 0, life, text);
}

static uint32_t secs_left(uint64_t until, uint64_t now)
{
	if (until == MIP6_NEVER)
		return UINT32_MAX;
	if (until <= now)
		return 0;
	uint64_t s = (until - now) / MIP6_NS_PER_S;
	return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

/* A BU Lifetime field: the largest 4 s multiple not above s, at least one
 * unit, since a zero lifetime would mean de-registration (TMR-04). */
static uint16_t life_units(uint32_t s)
{
	uint16_t u = mh_lifetime_units(s);
	return u ? u : 1;
}

static void mn_send(struct mn *mn, const uint8_t *p, size_t len)
{
	mn->io.send(mn->io.ctx, p, len);
}

static struct bul_entry *ha_ent(struct mn *mn) { return &mn->bul[MN_HA]; }

static bool registered_now(const struct mn *mn)
{
	const struct bul_entry *e = &mn->bul[MN_HA];
	return mn->where == MN_AWAY && e->in_use && e->acked && memcmp(e->acked_coa, mn->coa, 16) == 0;
}

/* A correspondent binding the data path may use: confirmed for the CoA we
 * have now (the CN would answer a HAO from another one with BE 1). */
static bool ro_usable(const struct mn *mn, const struct bul_entry *e, uint64_t now)
{
	return mn->where == MN_AWAY && e->in_use && !e->home && e->acked && e->expires > now &&
	       memcmp(e->acked_coa, mn->coa, 16) == 0;
}

static void cn_forget(struct mn *mn, struct bul_entry *e, const char *why)
{
	bool had = e->in_use && e->acked;
	uint8_t coa[16];
	memcpy(coa, e->acked_coa, 16);
	bul_entry_clear(e);
	if (had) {
		char text[96];
		ent_text(e, text);
		size_t n = strlen(text);
		if (why && n + 2 + strlen(why) < sizeof(text)) {
			memcpy(text + n, ": ", 2);
			memcpy(text + n + 2, why, strlen(why) + 1);
		}
		ev_emit(mn, M6_EV_BINDING_DELETED, mn->cfg.hoa, coa, 0, 0, text);
	}
}

/* ---- Binding Updates ---- */

static void bu_record(struct bul_entry *e, const uint8_t coa[16], uint32_t life, uint64_t now)
{
	memcpy(e->coa, coa, 16);
	e->life_sent_s = life;
	e->sent_at = now;
	e->outstanding = true;
	e->in_use = true;
	uint64_t end = now + (uint64_t)life * MIP6_NS_PER_S;
	if (life && end > e->max_expiry)
		e->max_expiry = end;
	bul_rate_note(&e->rate_bu, now);
}

static void bu_sent_event(struct mn *mn, const struct bul_entry *e, uint32_t expired_ms)
{
	char text[64];
	ent_text(e, text);
	ev_emit(mn, expired_ms ? M6_EV_BU_RETRANSMIT : M6_EV_BU_SENT, e->peer, e->coa, e->seq,
		expired_ms ? expired_ms : e->life_sent_s, text);
}

/* TMR-04 away: IPv6(CoA->HA) | HAO(HoA) | BU(A, H, K?) + ACoA(CoA).
 * 11.5.5 at home: IPv6(HoA->HA) | BU(A, H, lifetime 0). */
static void home_bu_send(struct mn *mn, uint64_t now, uint32_t expired_ms)
{
	struct bul_entry *e = ha_ent(mn);
	bool dereg = mn->where == MN_HOME;
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = (uint16_t)(e->seq + 1);
	m.flags = MH_BU_A | MH_BU_H | (mn->cfg.k_capable ? MH_BU_K : 0);
	if (!dereg) {
		uint32_t want = mn->cfg.lifetime_s ? mn->cfg.lifetime_s : MN_DEFAULT_LIFETIME_S;
		uint32_t left = secs_left(mn->coa_until, now);
		m.lifetime = life_units(left < want ? left : want);
		m.n_opts = 1;
		m.opts[0].type = MHO_ACOA;
		m.opts[0].len = 16;
		m.opts[0].data = mn->coa;
	}
	const uint8_t *src = dereg ? mn->cfg.hoa : mn->coa;
	int len = mip6_build_mh(mn->buf, MN_BUF_LEN, src, mn->cfg.ha, dereg ? NULL : mn->cfg.hoa,
				NULL, &m);
	if (len < 0) {
		drop(mn, len, mn->cfg.ha, "cannot build the home Binding Update");
		return;
	}
	e->seq = m.seq;
	bu_record(e, src, mh_lifetime_seconds(m.lifetime), now);
	mn_send(mn, mn->buf, (size_t)len);
	bu_sent_event(mn, e, expired_ms);
}

static void cn_bu_send(struct mn *mn, struct bul_entry *e, uint64_t now, uint32_t expired_ms);
static void rr_start(struct mn *mn, struct bul_entry *e, uint64_t now);

static void bu_transmit(struct mn *mn, struct bul_entry *e, uint64_t now, uint32_t expired_ms)
{
	if (e->home)
		home_bu_send(mn, now, expired_ms);
	else
		cn_bu_send(mn, e, now, expired_ms);
}

/* A new BU with a fresh back-off, unless the rate limit makes it wait;
 * a BU still unanswered is superseded either way. */
static void bu_start(struct mn *mn, struct bul_entry *e, uint32_t initial_ms, uint64_t now)
{
	e->in_use = true;
	bul_timer_start(&e->tx, initial_ms, now);
	uint64_t ok = bul_rate_next(&e->rate_bu, now);
	if (ok > now) {
		e->outstanding = false;
		bul_timer_defer(&e->tx, ok);
		return;
	}
	bu_transmit(mn, e, now, 0);
}

static void home_register(struct mn *mn, uint64_t now)
{
	struct bul_entry *e = ha_ent(mn);
	if (mn->ha_disabled || e->stopped || mn->where == MN_NOWHERE)
		return;
	/* TMR-01: the long first timeout leaves the HA time for DAD, which it
	 * runs only when it holds no binding for us yet (11.8). */
	bool bound = e->acked && e->expires > now;
	uint32_t first = mn->cfg.first_reg_timeout_ms ? mn->cfg.first_reg_timeout_ms
						      : MIP6_INITIAL_BINDACK_TIMEOUT_FIRST_REG_MS;
	uint32_t initial = bound || mn->where == MN_HOME ? MIP6_INITIAL_BINDACK_TIMEOUT_MS : first;
	bu_start(mn, e, initial, now);
}

/* Correspondent BU (11.7.2): IPv6(CoA->CN) | HAO(HoA) | BU(A; H=0, K=0 per
 * MH-07) + Nonce Indices + BAD, the authenticator over the final MH. */
static void cn_bu_send(struct mn *mn, struct bul_entry *e, uint64_t now, uint32_t expired_ms)
{
	if (mn->where != MN_AWAY)
		return;
	/* RR-05: tokens older than MAX_TOKEN_LIFETIME, or for another CoA, are not used */
	if (!e->kbm_valid || now - e->tokens_at >= (uint64_t)MIP6_MAX_TOKEN_LIFETIME_S * MIP6_NS_PER_S ||
	    memcmp(e->rr_coa, mn->coa, 16) != 0) {
		rr_start(mn, e, now);
		return;
	}
	const struct bul_entry *ha = ha_ent(mn);
	uint32_t life = MIP6_MAX_RR_BINDING_LIFETIME_S;
	uint32_t ha_left = ha->acked ? secs_left(ha->expires, now) : 0;
	uint32_t coa_left = secs_left(mn->coa_until, now);
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
	m.lifetime = life_units(life);
	m.n_opts = 2;
	m.opts[0].type = MHO_NI;
	m.opts[0].len = sizeof(ni);
	m.opts[0].data = ni;
	m.opts[1].type = MHO_BAD;
	m.opts[1].len = RR_AUTH_LEN;
	m.opts[1].data = auth0;
	int len = mip6_build_mh(mn->buf, MN_BUF_LEN, mn->coa, e->peer, mn->cfg.hoa, NULL, &m);
	size_t moff = IP6_HDR_LEN + IP6_HAO_HDR_LEN;
	/* BAD is last with no padding after it (OPT-04): the authenticator is
	 * the MH's final 12 octets. */
	if (len < 0 || (size_t)len < moff + MH_HDR_LEN + 2 + RR_AUTH_LEN ||
	    mn->buf[len - RR_AUTH_LEN - 2] != MHO_BAD || mn->buf[len - RR_AUTH_LEN - 1] != RR_AUTH_LEN) {
		drop(mn, len < 0 ? len : M6_E_INVAL, e->peer, "cannot build the correspondent Binding Update");
		return;
	}
	uint8_t *mh = mn->buf + moff;
	size_t mlen = (size_t)len - moff;
	uint8_t auth[RR_AUTH_LEN];
	int rc = rr_bad(e->kbm, mn->coa, e->peer, mh, mlen, mlen - RR_AUTH_LEN, auth);
	if (rc) {
		drop(mn, rc, e->peer, "cannot compute the Binding Authorization Data");
		return;
	}
	memcpy(mh + mlen - RR_AUTH_LEN, auth, RR_AUTH_LEN);
	mh_set_checksum(mh, mlen, mn->cfg.hoa, e->peer);
	e->seq = m.seq;
	bu_record(e, mn->coa, mh_lifetime_seconds(m.lifetime), now);
	mn_send(mn, mn->buf, (size_t)len);
	bu_sent_event(mn, e, expired_ms);
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
	int len = mip6_build_mh(mn->buf, MN_BUF_LEN - IP6_HDR_LEN, src, e->peer, NULL, NULL, &m);
	if (len >= 0 && home)
		len = mip6_encap(mn->buf, MN_BUF_LEN, mn->coa, mn->cfg.ha, mn->buf, (size_t)len);
	if (len < 0) {
		drop(mn, len, e->peer, home ? "cannot build HoTI" : "cannot build CoTI");
		return;
	}
	bul_rate_note(rate, now);
	mn_send(mn, mn->buf, (size_t)len);
	ev_emit(mn, home ? M6_EV_HOTI_SENT : M6_EV_COTI_SENT, e->peer, src, 0, expired_ms, NULL);
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
	ev_emit(mn, M6_EV_RR_STARTED, e->peer, mn->coa, 0, 0, NULL);
	rr_send_init(mn, e, true, now, 0);
	rr_send_init(mn, e, false, now, 0);
}

/* RR gave up (MAX_RO_FAILURE): data keeps going through the HA (5.2.9);
 * a binding the CN still holds stays in use until it expires. */
static void rr_fail(struct mn *mn, struct bul_entry *e, int code)
{
	e->rr_running = false;
	bul_timer_stop(&e->rr_tx);
	ev_emit(mn, M6_EV_RR_DONE, e->peer, mn->coa, code, 0, NULL);
	if (!e->acked)
		bul_entry_clear(e);
}

static void rr_kick_all(struct mn *mn, uint64_t now)
{
	if (!mn->cfg.route_optimisation || !registered_now(mn))
		return;
	for (unsigned i = 1; i < mn->n_bul; i++) {
		struct bul_entry *e = &mn->bul[i];
		if (e->ro_disabled || e->rr_running || e->outstanding || ro_usable(mn, e, now))
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
	ev_emit(mn, M6_EV_RR_DONE, e->peer, mn->coa, 0, 0, NULL);
	bu_start(mn, e, MIP6_INITIAL_BINDACK_TIMEOUT_MS, now);
}

/* RR-04 */
static void on_test(struct mn *mn, const struct mh_msg *m, const uint8_t src[16], const uint8_t dst[16],
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
		drop(mn, M6_E_RR_MISMATCH, src, home ? "HoT ignored (RR-04)" : "CoT ignored (RR-04)");
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

static bool ba_bad_valid(const struct bul_entry *e, const uint8_t *mh, size_t mhlen, const struct mh_msg *m)
{
	const struct mh_opt *o = mh_find_opt(m, MHO_BAD);
	if (!o || !e->kbm_valid || o->len != RR_AUTH_LEN || (size_t)o->off + 2 + RR_AUTH_LEN != mhlen)
		return false;
	uint8_t auth[RR_AUTH_LEN];
	/* a failed computation is a mismatch, never a comparison with zeros */
	return rr_bad(e->kbm, e->coa, e->peer, mh, mhlen, (size_t)o->off + 2, auth) == 0 &&
	       m6_ct_equal(auth, o->data, RR_AUTH_LEN);
}

static void returned_home(struct mn *mn, const char *why)
{
	struct bul_entry *e = ha_ent(mn);
	bool had = e->acked;
	uint8_t coa[16];
	memcpy(coa, e->acked_coa, 16);
	bul_entry_clear(e);
	if (had) {
		ent_event(mn, e, M6_EV_BINDING_DELETED, coa, 0);
		mip6_binding(&mn->io, mn->cfg.hoa, coa, NULL, false, 0);
	}
	ev_emit(mn, M6_EV_RETURNED_HOME, mn->cfg.ha, mn->cfg.hoa, 0, 0, why);
}

static void ba_accepted(struct mn *mn, struct bul_entry *e, const struct mh_msg *m, uint64_t now)
{
	e->outstanding = false;
	bul_timer_stop(&e->tx);
	if (e->home) {
		/* BA-03: recorded for the key manager (only the HA's K counts) */
		e->k = (m->flags & MH_BA_K) != 0;
		if (e->life_sent_s == 0) {
			returned_home(mn, "de-registration acknowledged");
			return;
		}
	} else {
		e->ro_failures = 0;
	}
	/* BA-02: the granted lifetime counts from when the BU was sent */
	uint64_t sent = (uint64_t)e->life_sent_s * MIP6_NS_PER_S, elapsed = now - e->sent_at;
	uint64_t remain = bul_ack_remaining(sent > elapsed ? sent - elapsed : 0, e->life_sent_s,
					    mh_lifetime_seconds(m->lifetime));
	bool update = e->acked;
	uint8_t old_coa[16];
	memcpy(old_coa, e->acked_coa, 16);
	e->acked = true;
	memcpy(e->acked_coa, e->coa, 16);
	e->expires = now + remain;
	/* refresh well before expiry (11.7.3) but never in a tight loop */
	uint64_t after = remain / 5 * 4;
	if (e->home) {
		const struct mh_opt *bra = mh_find_opt(m, MHO_BRA);
		if (bra && bra->len == 2) {
			uint64_t hint = (uint64_t)mh_lifetime_seconds(m6_get16(bra->data)) * MIP6_NS_PER_S;
			if (hint < after)
				after = hint;
		}
	}
	if (after < MIP6_NS_PER_S)
		after = MIP6_NS_PER_S;
	e->refresh_at = now + after;
	ent_event(mn, e, update ? M6_EV_BINDING_UPDATED : M6_EV_BINDING_ADDED, e->coa,
		  (uint32_t)(remain / MIP6_NS_PER_S));
	if (e->home)
		mip6_binding(&mn->io, mn->cfg.hoa, update ? old_coa : NULL, e->coa, e->k, (uint32_t)(remain / MIP6_NS_PER_S));
	if (e->home)
		rr_kick_all(mn, now);
}

static void ba_rejected_home(struct mn *mn, struct bul_entry *e, uint8_t status)
{
	switch (status) {
	case MH_BA_ADMIN_PROHIBITED:
	case MH_BA_HOME_REG_NOT_SUPPORTED:
	case MH_BA_NOT_HOME_SUBNET:
	case MH_BA_NOT_HOME_AGENT:
	case MH_BA_DAD_FAILED:       /* 11.7.1: never reuse this home address */
	case MH_BA_REG_TYPE_CHANGE:
		e->outstanding = false;
		bul_timer_stop(&e->tx);
		if (e->life_sent_s == 0 && status == MH_BA_NOT_HOME_AGENT) {
			/* HA-05: nothing to delete, so nothing intercepts our HoA */
			returned_home(mn, "home agent had no binding");
			return;
		}
		/* 11.7.3: record that no more BUs go to this HA */
		mn->ha_disabled = true;
		e->stopped = true;
		e->refresh_at = MIP6_NEVER;
		break;
	case MH_BA_INVALID_COA:
		/* pointless with this CoA; the next one may do */
		e->outstanding = false;
		bul_timer_stop(&e->tx);
		e->stopped = true;
		e->refresh_at = MIP6_NEVER;
		break;
	default:
		/* 128, 130, unknown: the back-off retries with a new sequence number */
		break;
	}
}

static void ba_rejected_cn(struct mn *mn, struct bul_entry *e, uint8_t status, uint64_t now)
{
	switch (status) {
	case MH_BA_EXPIRED_HOME_NONCE:
	case MH_BA_EXPIRED_COA_NONCE:
	case MH_BA_EXPIRED_NONCES:
		/* fresh tokens fix it, unless the CN keeps refusing them */
		if (++e->ro_failures > MIP6_MAX_RO_FAILURE) {
			e->ro_disabled = true;
			cn_forget(mn, e, "nonces keep expiring");
			return;
		}
		rr_start(mn, e, now);
		break;
	default:
		e->ro_disabled = true;
		cn_forget(mn, e, "binding refused");
		break;
	}
}

static void on_ba(struct mn *mn, const uint8_t *mh, size_t mhlen, const struct mh_msg *m, const uint8_t src[16],
		  const struct ipsec_sa *sa, uint64_t now)
{
	struct bul_entry *e = bul_find(mn->bul, mn->n_bul, src);
	if (!e) {
		drop(mn, M6_E_BA_NO_MATCH, src, "BA from a node without a BUL entry");
		return;
	}
	if (e->home) {
		if (!sa) {
			drop(mn, M6_E_UNPROTECTED, src, "BA from the HA without IPsec (BA-02)");
			return;
		}
	} else if (!(m->status >= MH_BA_EXPIRED_HOME_NONCE && m->status <= MH_BA_EXPIRED_NONCES) &&
		   !ba_bad_valid(e, mh, mhlen, m)) {
		/* BA-01: only the nonce-expiry statuses come without a BAD */
		drop(mn, M6_E_BAD_AUTH, src, "BA from a CN without a valid BAD (BA-02)");
		return;
	}
	/* a 135 carries the peer's last accepted number, not ours */
	if (!e->outstanding || (m->status != MH_BA_SEQ_OUT_OF_WINDOW && m->seq != e->seq)) {
		drop(mn, M6_E_BA_NO_MATCH, src, "BA sequence number matches no outstanding BU (BA-02)");
		return;
	}
	ev_emit(mn, M6_EV_BA_RECEIVED, src, e->coa, m->status, mh_lifetime_seconds(m->lifetime),
		mh_ba_status_text(m->status));
	if (m->status < 128) {
		ba_accepted(mn, e, m, now);
	} else if (m->status == MH_BA_SEQ_OUT_OF_WINDOW) {
		/* authenticated, so adopt it: the next BU uses seq + 1 */
		e->seq = m->seq;
		if (e->home)
			home_register(mn, now);
		else
			bu_start(mn, e, MIP6_INITIAL_BINDACK_TIMEOUT_MS, now);
	} else if (e->home) {
		ba_rejected_home(mn, e, m->status);
	} else {
		ba_rejected_cn(mn, e, m->status, now);
	}
}

/* ---- Binding Refresh Requests (11.7.4) and Binding Errors (11.3.6) ---- */

static void on_brr(struct mn *mn, const uint8_t src[16], uint64_t now)
{
	struct bul_entry *e = bul_find(mn->bul, mn->n_bul, src);
	if (!e) {
		drop(mn, M6_E_BE_NO_BUL, src, "BRR from a node without a BUL entry");
		return;
	}
	ev_emit(mn, M6_EV_BRR_RECEIVED, src, NULL, 0, 0, NULL);
	if (e->home) {
		if (mn->where == MN_AWAY)
			home_register(mn, now);
	} else if (registered_now(mn) && !e->rr_running && !e->ro_disabled) {
		rr_start(mn, e, now);
	}
}

static void on_be(struct mn *mn, const struct mh_msg *m, const uint8_t src[16], uint64_t now)
{
	struct bul_entry *e = bul_find(mn->bul, mn->n_bul, src);
	if (!e) {
		drop(mn, M6_E_BE_NO_BUL, src, "Binding Error ignored (BE-01)");
		return;
	}
	if (m->status == MH_BE_UNKNOWN_BINDING && memcmp(m->hoa, mn->cfg.hoa, 16) != 0) {
		drop(mn, M6_E_INVAL, src, "Binding Error for another home address");
		return;
	}
	ev_emit(mn, M6_EV_BE_RECEIVED, src, m->hoa, m->status, 0, NULL);
	if (e->home) {
		if (m->status == MH_BE_UNKNOWN_BINDING && mn->where == MN_AWAY)
			home_register(mn, now);
		return;
	}
	if (m->status == MH_BE_UNKNOWN_MH_TYPE) {
		/* the CN does not speak the Mobility Header: stop trying RO */
		e->ro_disabled = true;
		cn_forget(mn, e, "MH type unknown to the correspondent");
	} else if (m->status == MH_BE_UNKNOWN_BINDING) {
		/* no upper-layer progress information here, so MUST drop it */
		cn_forget(mn, e, "unknown binding");
	}
}

/* ---- movement (11.5) ---- */

static void cn_forget_all(struct mn *mn, const char *why)
{
	for (unsigned i = 1; i < mn->n_bul; i++)
		cn_forget(mn, &mn->bul[i], why);
}

static void move_away(struct mn *mn, const uint8_t coa[16], uint64_t now)
{
	bool was_home = mn->where == MN_HOME;
	memcpy(mn->coa, coa, 16);
	mn->where = MN_AWAY;
	ev_emit(mn, M6_EV_MOVED, mn->cfg.ha, coa, 0, 0, was_home ? "left home" : "new care-of address");
	/* correspondents hold the old CoA: RR again once the HA has the new one */
	cn_forget_all(mn, "moved");
	ha_ent(mn)->stopped = false;
	home_register(mn, now);
}

static void go_home(struct mn *mn, uint64_t now)
{
	struct bul_entry *e = ha_ent(mn);
	mn->where = MN_HOME;
	memcpy(mn->coa, mn->cfg.hoa, 16);
	mn->coa_until = MIP6_NEVER;
	ev_emit(mn, M6_EV_MOVED, mn->cfg.ha, mn->cfg.hoa, 0, 0, "home link");
	cn_forget_all(mn, "returned home");
	e->stopped = false;
	e->refresh_at = MIP6_NEVER;
	if (!e->in_use)
		return;
	if (mn->ha_disabled)
		returned_home(mn, "no binding to delete");
	else
		home_register(mn, now);   /* 11.5.5: de-register */
}

/* The CoA's prefix is no longer valid: we have no usable address. */
static void coa_lost(struct mn *mn)
{
	struct bul_entry *e = ha_ent(mn);
	mn->where = MN_NOWHERE;
	mn->have_prefix = false;
	cn_forget_all(mn, "care-of address expired");
	e->outstanding = false;
	bul_timer_stop(&e->tx);
	e->refresh_at = MIP6_NEVER;
	ev_emit(mn, M6_EV_MOVED, mn->cfg.ha, zero16, 0, 0, "care-of address expired");
}

/* ---- public interface ---- */

struct mn *mn_new(const struct mn_cfg *cfg, const struct mip6_io *io)
{
	if (!cfg || !io || !io->send || !io->event || !io->random || cfg->n_cn > MN_CN_MAX ||
	    cfg->home_plen > 128)
		return NULL;
	/* sized to the correspondents configured; the packet buffer is the
	 * node's scratch when it lends one */
	size_t sz = sizeof(struct mn) + (1 + cfg->n_cn) * sizeof(struct bul_entry);
	struct mn *mn = calloc(1, sz + (io->scratch ? 0 : MN_BUF_LEN));
	if (!mn)
		return NULL;
	mn->buf = io->scratch ? io->scratch : (uint8_t *)mn + sz;
	mn->cfg = *cfg;
	mn->io = *io;
	mn->where = MN_NOWHERE;
	mn->coa_until = MIP6_NEVER;
	mn->n_bul = 1 + cfg->n_cn;
	for (unsigned i = 0; i < mn->n_bul; i++) {
		/* 11.7.2: with no BUL entry, start at a random sequence number */
		uint8_t r[2];
		mn->io.random(mn->io.ctx, r, sizeof(r));
		bul_entry_init(&mn->bul[i], i == MN_HA ? cfg->ha : cfg->cn[i - 1], i == MN_HA, m6_get16(r));
	}
	return mn;
}

void mn_free(struct mn *mn)
{
	if (!mn)
		return;
	m6_wipe(mn->bul, mn->n_bul * sizeof(mn->bul[0]));
	free(mn);
}

void mn_input_ra(struct mn *mn, const uint8_t prefix[16], unsigned plen, uint32_t valid_s,
		 const uint8_t router[16], uint64_t now)
{
	if (plen > 128)
		return;
	bool same = mn->have_prefix && mn->plen == plen && ip6_prefix_match(prefix, mn->prefix, plen);
	if (valid_s == 0) {
		if (same)
			mn->have_prefix = false;
		return;
	}
	mn->have_prefix = true;
	memcpy(mn->prefix, prefix, 16);
	mn->plen = plen;
	memcpy(mn->router, router, 16);
	if (plen == mn->cfg.home_plen && ip6_prefix_match(prefix, mn->cfg.home_prefix, plen)) {
		if (mn->where != MN_HOME)
			go_home(mn, now);
		return;
	}
	if (plen != 64) {
		drop(mn, M6_E_INVAL, router, "advertised prefix is not a /64: no SLAAC care-of address");
		return;
	}
	uint8_t coa[16];
	memcpy(coa, prefix, 8);
	memcpy(coa + 8, mn->cfg.iid, 8);
	uint64_t until = valid_s == UINT32_MAX ? MIP6_NEVER : now + (uint64_t)valid_s * MIP6_NS_PER_S;
	mn->coa_until = until;
	/* same address after a link flap: nothing moved */
	if (mn->where == MN_AWAY && memcmp(coa, mn->coa, 16) == 0)
		return;
	move_away(mn, coa, now);
}

void mn_link_down(struct mn *mn, uint64_t now)
{
	(void)now;
	mn->have_prefix = false;
}

void mn_input_mh(struct mn *mn, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		 const struct ipsec_sa *sa, bool via_tunnel, uint64_t now)
{
	if (w->proto != IP6P_MH || w->end > len || w->proto_off >= w->end) {
		drop(mn, M6_E_INVAL, w->hdr.src, "not a Mobility Header packet");
		return;
	}
	const uint8_t *mh = pkt + w->proto_off;
	size_t mhlen = w->end - w->proto_off;
	uint8_t psrc[16], pdst[16];
	ip6_walk_pseudo(w, pkt, psrc, pdst);
	if (!mh_verify_checksum(mh, mhlen, psrc, pdst)) {
		drop(mn, M6_E_MH_CKSUM, w->hdr.src, NULL);
		return;
	}
	struct m6_diags ds;
	struct mh_msg m;
	m6_diags_init(&ds);
	int rc = mh_parse(mh, mhlen, &m, &ds, w->proto_off);
	if (rc) {
		drop(mn, rc, w->hdr.src, NULL);
		return;
	}
	const uint8_t *src = w->hdr.src;
	switch (m.type) {
	case MH_BA:
		on_ba(mn, mh, mhlen, &m, src, sa, now);
		break;
	case MH_BRR:
		on_brr(mn, src, now);
		break;
	case MH_BE:
		on_be(mn, &m, src, now);
		break;
	case MH_HOT:
	case MH_COT:
		on_test(mn, &m, src, pdst, via_tunnel, now);
		break;
	default:
		drop(mn, M6_E_MH_UNEXPECTED, src, mh_type_name(m.type));
		break;
	}
}

static bool link_scoped(const uint8_t a[16])
{
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] == 0xff && (a[1] & 0x0f) <= 2);
}

void mn_output(struct mn *mn, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct ip6_hdr h;
	int rc = ip6_hdr_parse(pkt, len, &h);
	if (rc) {
		drop(mn, rc, NULL, "application packet");
		return;
	}
	if (mn->where == MN_NOWHERE) {
		drop(mn, M6_E_NO_COA, h.dst, NULL);
		return;
	}
	/* at home, not from the HoA, or link-scoped (HAO-10): as it is */
	if (mn->where == MN_HOME || memcmp(h.src, mn->cfg.hoa, 16) != 0 || link_scoped(h.dst)) {
		mn_send(mn, pkt, len);
		return;
	}
	struct bul_entry *e = bul_find(mn->bul, mn->n_bul, h.dst);
	if (e && ro_usable(mn, e, now)) {
		/* route-optimised: src = CoA with the HoA in a HAO (11.3.1) */
		struct pbuf pb;
		uint8_t *p;
		rc = pbuf_init(&pb, mn->buf, MN_BUF_LEN, MN_HEADROOM);
		if (!rc)
			rc = pbuf_put(&pb, len, &p);
		if (!rc) {
			memcpy(p, pkt, len);
			rc = ip6_insert_hao(&pb, mn->cfg.hoa);
		}
		if (rc) {
			drop(mn, rc, h.dst, "route-optimised packet");
			return;
		}
		memcpy(pbuf_data(&pb) + 8, mn->coa, 16);
		mn_send(mn, pbuf_data(&pb), pb.len);
		return;
	}
	/* reverse tunnel through the HA (11.3.1), even before the BA: the HA
	 * drops until registered, which costs no more than queueing would */
	int n = mip6_encap(mn->buf, MN_BUF_LEN, mn->coa, mn->cfg.ha, pkt, len);
	if (n < 0) {
		drop(mn, n, h.dst, "reverse tunnel");
		return;
	}
	mn_send(mn, mn->buf, (size_t)n);
	ev_emit(mn, M6_EV_TUNNEL_ENCAP, h.dst, mn->cfg.ha, 0, 0, NULL);
}

int mn_input_tunnel(struct mn *mn, const uint8_t *pkt, size_t len, uint64_t now)
{
	(void)now;
	struct ip6_walk w;
	int rc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	if (rc)
		return rc;
	if (w.proto != IP6P_IPV6)
		return M6_E_INVAL;
	if (mn->where != MN_AWAY || memcmp(w.hdr.src, mn->cfg.ha, 16) != 0 ||
	    memcmp(w.hdr.dst, mn->coa, 16) != 0)
		return M6_E_TUNNEL_PEER;
	struct ip6_hdr in;
	rc = ip6_hdr_parse(pkt + w.proto_off, w.end - w.proto_off, &in);
	if (rc)
		return rc;
	/* the HA tunnels only what it intercepted for our home address */
	if (memcmp(in.dst, mn->cfg.hoa, 16) != 0)
		return M6_E_TUNNEL_PEER;
	ev_emit(mn, M6_EV_TUNNEL_DECAP, mn->cfg.ha, mn->coa, 0, 0, NULL);
	return (int)w.proto_off;
}

bool mn_at_home(const struct mn *mn)
{
	const struct bul_entry *e = &mn->bul[MN_HA];
	return mn->where == MN_HOME && !(e->in_use && e->outstanding);
}

bool mn_registered(const struct mn *mn)
{
	return registered_now(mn);
}

const uint8_t *mn_coa(const struct mn *mn)
{
	return mn->where == MN_NOWHERE ? NULL : mn->coa;
}

static uint64_t tmin(uint64_t a, uint64_t b) { return a < b ? a : b; }

uint64_t mn_next_expiry(const struct mn *mn)
{
	uint64_t t = MIP6_NEVER;
	if (mn->where == MN_AWAY)
		t = mn->coa_until;
	for (unsigned i = 0; i < mn->n_bul; i++) {
		const struct bul_entry *e = &mn->bul[i];
		if (!e->in_use)
			continue;
		t = tmin(t, e->tx.next);
		t = tmin(t, e->refresh_at);
		if (e->rr_running)
			t = tmin(t, e->rr_tx.next);
		if (e->acked)
			t = tmin(t, e->expires);
		if (e->home && mn->where == MN_HOME && e->outstanding)
			t = tmin(t, e->max_expiry);
	}
	return t;
}

static void bu_timeout(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	if (e->tx.deferred) {
		bul_timer_resume(&e->tx, now);
		bu_transmit(mn, e, now, 0);
		return;
	}
	uint32_t expired = bul_timer_expire(&e->tx, now);
	if (!e->home && e->tx.tries > MIP6_MAX_RO_FAILURE) {
		drop(mn, M6_E_RR_TIMEOUT, e->peer, "no BA from the correspondent");
		e->outstanding = false;
		bul_timer_stop(&e->tx);
		if (!e->acked)
			bul_entry_clear(e);
		return;
	}
	uint64_t ok = bul_rate_next(&e->rate_bu, now);
	if (ok > now) {
		bul_timer_defer(&e->tx, ok);
		return;
	}
	/* TMR-03: bu_transmit takes a new, greater sequence number */
	bu_transmit(mn, e, now, expired);
}

static void rr_timeout(struct mn *mn, struct bul_entry *e, uint64_t now)
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

static void binding_expired(struct mn *mn, struct bul_entry *e)
{
	e->acked = false;
	ent_event(mn, e, M6_EV_BINDING_EXPIRED, e->acked_coa, 0);
	if (e->home)
		mip6_binding(&mn->io, mn->cfg.hoa, e->acked_coa, NULL, false, 0);
	if (!e->outstanding && !e->rr_running && !bul_timer_running(&e->tx))
		bul_entry_clear(e);
}

static void refresh(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	e->refresh_at = MIP6_NEVER;
	if (e->home) {
		if (mn->where == MN_AWAY && !e->outstanding)
			home_register(mn, now);
		return;
	}
	/* correspondent: a new BU with the tokens if still fresh, else RR (RR-05) */
	if (!registered_now(mn) || e->rr_running || e->outstanding || e->ro_disabled)
		return;
	bu_start(mn, e, MIP6_INITIAL_BINDACK_TIMEOUT_MS, now);
}

void mn_on_timer(struct mn *mn, uint64_t now)
{
	if (mn->where == MN_AWAY && mn->coa_until <= now)
		coa_lost(mn);
	for (unsigned i = 0; i < mn->n_bul; i++) {
		struct bul_entry *e = &mn->bul[i];
		if (e->in_use && e->tx.next <= now)
			bu_timeout(mn, e, now);
		if (e->in_use && e->rr_running && e->rr_tx.next <= now)
			rr_timeout(mn, e, now);
		if (e->in_use && e->acked && e->expires <= now)
			binding_expired(mn, e);
		if (e->in_use && e->refresh_at <= now)
			refresh(mn, e, now);
		if (e->in_use && e->home && mn->where == MN_HOME && e->outstanding && e->max_expiry <= now)
			returned_home(mn, "binding lifetime over");
	}
}
