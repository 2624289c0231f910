/*
 * mn — mobile node (RFC 6275 11). See mn.h for the contract and mn_int.h
 * for how the engine is divided between files. This one: life cycle,
 * movement detection, home registration and de-registration, the home
 * agent's messages, the data path and the timers.
 */
#include <stdlib.h>
#include <string.h>

#include "mn_int.h"
#include "../crypto/m6_crypto.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../pkt/pbuf.h"
#include "../util/m6_bytes.h"

static const uint8_t zero16[16];

void mn_ev(struct mn *mn, enum m6_ev_type t, const uint8_t *peer, const uint8_t *addr, int32_t code,
	   uint32_t u32, const char *text)
{
	mip6_emit(mn->io, t, peer, addr, code, u32, text);
}

void mn_drop(struct mn *mn, int code, const uint8_t *peer, const char *text)
{
	mn_ev(mn, M6_EV_DROP, peer, NULL, code, 0, text);
}

void mn_ent_text(const struct bul_entry *e, char out[64])
{
	char a[46];
	ip6_addr_format(e->peer, a);
	memcpy(out, e->home ? "ha " : "cn ", 3);
	memcpy(out + 3, a, strlen(a) + 1);
}

void mn_ent_event(struct mn *mn, const struct bul_entry *e, enum m6_ev_type t, const uint8_t *coa,
		  uint32_t life)
{
	char text[64];
	mn_ent_text(e, text);
	mn_ev(mn, t, mn->cfg.hoa, coa, 0, life, text);
}

uint32_t mn_secs_left(uint64_t until, uint64_t now)
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
uint16_t mn_life_units(uint32_t s)
{
	uint16_t u = mh_lifetime_units(s);
	return u ? u : 1;
}

void mn_send(struct mn *mn, const uint8_t *p, size_t len)
{
	mn->io->send(mn->io->ctx, p, len);
}

bool mn_registered_now(const struct mn *mn)
{
	const struct bul_entry *e = &mn->bul[MN_HA];
	return mn->where == MN_AWAY && e->in_use && e->acked && memcmp(e->acked_coa, mn->coa, 16) == 0;
}

/* ---- Binding Updates ---- */

void mn_bu_record(struct bul_entry *e, const uint8_t coa[16], uint32_t life, uint64_t now)
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

void mn_bu_sent_event(struct mn *mn, const struct bul_entry *e, uint32_t expired_ms)
{
	char text[64];
	mn_ent_text(e, text);
	mn_ev(mn, expired_ms ? M6_EV_BU_RETRANSMIT : M6_EV_BU_SENT, e->peer, e->coa, e->seq,
		expired_ms ? expired_ms : e->life_sent_s, text);
}

/* TMR-04 away: IPv6(CoA->HA) | HAO(HoA) | BU(A, H, K?) + ACoA(CoA).
 * 11.5.5 at home: IPv6(HoA->HA) | BU(A, H, lifetime 0). */
void mn_set_km_fixed(struct mn *mn, bool fixed)
{
	mn->km_fixed = fixed;
}

static void home_bu_send(struct mn *mn, uint64_t now, uint32_t expired_ms)
{
	struct bul_entry *e = mn_ha_ent(mn);
	bool dereg = mn->where == MN_HOME;
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BU;
	m.seq = (uint16_t)(e->seq + 1);
	/* INT-03: K only while the key manager can move its endpoint */
	m.flags = MH_BU_A | MH_BU_H | (mn->cfg.k_capable && !mn->km_fixed ? MH_BU_K : 0);
	/* TMR-04: L when our link-local address has the home address's
	 * interface identifier, so the HA defends it too and refuses to tunnel
	 * traffic for it (HA-07) */
	if (memcmp(mn->cfg.iid, mn->cfg.hoa + 8, 8) == 0)
		m.flags |= MH_BU_L;
	if (!dereg) {
		uint32_t want = mn->cfg.lifetime_s ? mn->cfg.lifetime_s : MN_DEFAULT_LIFETIME_S;
		uint32_t left = mn_secs_left(mn->coa_until, now);
		/* 11.4.2: nor beyond the home prefix's valid lifetime */
		uint32_t home_left = mn_secs_left(mn->home_valid_until, now);
		if (home_left < left)
			left = home_left;
		m.lifetime = mn_life_units(left < want ? left : want);
		m.n_opts = 1;
		m.opts[0].type = MHO_ACOA;
		m.opts[0].len = 16;
		m.opts[0].data = mn->coa;
	}
	const uint8_t *src = dereg ? mn->cfg.hoa : mn->coa;
	int len = mip6_build_mh(mn->buf, MN_BUF_LEN, src, mn->cfg.ha, dereg ? NULL : mn->cfg.hoa,
				NULL, &m);
	if (len < 0) {
		mn_drop(mn, len, mn->cfg.ha, "cannot build the home Binding Update");
		return;
	}
	e->seq = m.seq;
	mn_bu_record(e, src, mh_lifetime_seconds(m.lifetime), now);
	mn_send(mn, mn->buf, (size_t)len);
	mn_bu_sent_event(mn, e, expired_ms);
}

static void bu_transmit(struct mn *mn, struct bul_entry *e, uint64_t now, uint32_t expired_ms)
{
	if (e->home)
		home_bu_send(mn, now, expired_ms);
	else
		mn_ro_bu_send(mn, e, now, expired_ms);
}

/* A new BU with a fresh back-off, unless the rate limit makes it wait;
 * a BU still unanswered is superseded either way. */
void mn_bu_start(struct mn *mn, struct bul_entry *e, uint32_t initial_ms, uint64_t now)
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

void mn_sa_ready(struct mn *mn, uint64_t now)
{
	struct bul_entry *e = mn_ha_ent(mn);
	if (e->in_use && e->outstanding)
		mn_home_register(mn, now);
}

void mn_home_register(struct mn *mn, uint64_t now)
{
	struct bul_entry *e = mn_ha_ent(mn);
	if (!mn->ha_known) {
		mn_disc_dhaad_start(mn, now);       /* 11.4.1: away, whom to register with? */
		return;
	}
	if (mn->ha_disabled || e->stopped || mn->where == MN_NOWHERE)
		return;
	/* TMR-01: the long first timeout leaves the HA time for DAD, which it
	 * runs only when it holds no binding for us yet (11.8). */
	bool bound = e->acked && e->expires > now;
	uint32_t first = mn->cfg.first_reg_timeout_ms ? mn->cfg.first_reg_timeout_ms
						      : MIP6_INITIAL_BINDACK_TIMEOUT_FIRST_REG_MS;
	uint32_t initial = bound || mn->where == MN_HOME ? MIP6_INITIAL_BINDACK_TIMEOUT_MS : first;
	mn_bu_start(mn, e, initial, now);
}
static void returned_home(struct mn *mn, const char *why, uint64_t now)
{
	struct bul_entry *e = mn_ha_ent(mn);
	bool had = e->acked;
	uint8_t coa[16];
	memcpy(coa, e->acked_coa, 16);
	bul_entry_clear(e);
	if (had) {
		mn_ent_event(mn, e, M6_EV_BINDING_DELETED, coa, 0);
		mip6_binding(mn->io, mn->cfg.hoa, coa, NULL, false, 0);
	}
	mn_ev(mn, M6_EV_RETURNED_HOME, mn->cfg.ha, mn->cfg.hoa, 0, 0, why);
	/* the HA no longer intercepts the HoT: correspondents next (11.5.5) */
	mn_ro_deregister_all(mn, now);
}

void mn_ba_accepted(struct mn *mn, struct bul_entry *e, const struct mh_msg *m, uint64_t now)
{
	e->outstanding = false;
	bul_timer_stop(&e->tx);
	if (e->home) {
		/* BA-03: recorded for the key manager (only the HA's K counts) */
		e->k = (m->flags & MH_BA_K) != 0;
		if (e->life_sent_s == 0) {
			returned_home(mn, "de-registration acknowledged", now);
			return;
		}
	} else {
		mn_ro_ba_accepted(mn, e);
		if (!e->in_use)
			return;
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
	mn_ent_event(mn, e, update ? M6_EV_BINDING_UPDATED : M6_EV_BINDING_ADDED, e->coa,
		  (uint32_t)(remain / MIP6_NS_PER_S));
	if (e->home) {
		mip6_binding(mn->io, mn->cfg.hoa, update ? old_coa : NULL, e->coa, e->k,
			     (uint32_t)(remain / MIP6_NS_PER_S));
		/* BA-03: status 1 says the home prefix is going: ask for the news */
		if (m->status == MH_BA_ACCEPTED_NEED_PREFIX_DISC)
			mn_disc_mps_start(mn, now);
		mn_ro_kick_all(mn, now);
	}
}

static void ba_rejected_home(struct mn *mn, struct bul_entry *e, uint8_t status, uint64_t now)
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
			returned_home(mn, "home agent had no binding", now);
			return;
		}
		/* TMR-02: a discovered home agent that will not serve us: the next
		 * one (not after 134: the address itself is taken) */
		if (status != MH_BA_DAD_FAILED && status != MH_BA_REG_TYPE_CHANGE && !e->acked &&
		    mn_disc_next_ha(mn, now))
			return;
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

static void on_ba(struct mn *mn, const uint8_t *mh, size_t mhlen, const struct mh_msg *m, const uint8_t src[16],
		  const struct ipsec_sa *sa, uint64_t now)
{
	struct bul_entry *e = bul_find(mn->bul, mn->n_bul, src);
	if (!e) {
		mn_drop(mn, M6_E_BA_NO_MATCH, src, "BA from a node without a BUL entry");
		return;
	}
	if (e->home) {
		if (!sa) {
			mn_drop(mn, M6_E_UNPROTECTED, src, "BA from the HA without IPsec (BA-02)");
			return;
		}
	} else if (!mn_ro_ba_valid(e, mh, mhlen, m)) {
		/* BA-01: only the nonce-expiry statuses come without a BAD */
		mn_drop(mn, M6_E_BAD_AUTH, src, "BA from a CN without a valid BAD (BA-02)");
		return;
	}
	/* a 135 carries the peer's last accepted number, not ours */
	if (!e->outstanding || (m->status != MH_BA_SEQ_OUT_OF_WINDOW && m->seq != e->seq)) {
		mn_drop(mn, M6_E_BA_NO_MATCH, src, "BA sequence number matches no outstanding BU (BA-02)");
		return;
	}
	mn_ev(mn, M6_EV_BA_RECEIVED, src, e->coa, m->status, mh_lifetime_seconds(m->lifetime),
		mh_ba_status_text(m->status));
	if (m->status < 128) {
		mn_ba_accepted(mn, e, m, now);
	} else if (m->status == MH_BA_SEQ_OUT_OF_WINDOW) {
		/* authenticated, so adopt it: the next BU uses seq + 1 */
		e->seq = m->seq;
		if (e->home)
			mn_home_register(mn, now);
		else
			mn_bu_start(mn, e, MIP6_INITIAL_BINDACK_TIMEOUT_MS, now);
	} else if (e->home) {
		ba_rejected_home(mn, e, m->status, now);
	} else {
		mn_ro_ba_rejected(mn, e, m->status, now);
	}
}

/* ---- Binding Refresh Requests (11.7.4) and Binding Errors (11.3.6) ---- */

static void on_brr(struct mn *mn, const uint8_t src[16], uint64_t now)
{
	struct bul_entry *e = bul_find(mn->bul, mn->n_bul, src);
	if (!e) {
		mn_drop(mn, M6_E_BE_NO_BUL, src, "BRR from a node without a BUL entry");
		return;
	}
	mn_ev(mn, M6_EV_BRR_RECEIVED, src, NULL, 0, 0, NULL);
	if (!e->home)
		mn_ro_on_brr(mn, e, now);
	else if (mn->where == MN_AWAY)
		mn_home_register(mn, now);
}

static void on_be(struct mn *mn, const struct mh_msg *m, const uint8_t src[16], uint64_t now)
{
	struct bul_entry *e = bul_find(mn->bul, mn->n_bul, src);
	if (!e) {
		mn_drop(mn, M6_E_BE_NO_BUL, src, "Binding Error ignored (BE-01)");
		return;
	}
	if (m->status == MH_BE_UNKNOWN_BINDING && memcmp(m->hoa, mn->cfg.hoa, 16) != 0) {
		mn_drop(mn, M6_E_INVAL, src, "Binding Error for another home address");
		return;
	}
	mn_ev(mn, M6_EV_BE_RECEIVED, src, m->hoa, m->status, 0, NULL);
	if (e->home) {
		if (m->status == MH_BE_UNKNOWN_BINDING && mn->where == MN_AWAY)
			mn_home_register(mn, now);
		return;
	}
	mn_ro_on_be(mn, e, m->status);
}

/* ---- movement (11.5) ---- */

static void move_away(struct mn *mn, const uint8_t coa[16], uint64_t now)
{
	bool was_home = mn->where == MN_HOME;
	memcpy(mn->coa, coa, 16);
	mn->where = MN_AWAY;
	mn_ev(mn, M6_EV_MOVED, mn->cfg.ha, coa, 0, 0, was_home ? "left home" : "new care-of address");
	mn_ro_moved(mn);
	mn_ha_ent(mn)->stopped = false;
	mn_home_register(mn, now);
}

static void go_home(struct mn *mn, uint64_t now)
{
	struct bul_entry *e = mn_ha_ent(mn);
	mn->where = MN_HOME;
	memcpy(mn->coa, mn->cfg.hoa, 16);
	mn->coa_until = MIP6_NEVER;
	mn_ev(mn, M6_EV_MOVED, mn->cfg.ha, mn->cfg.hoa, 0, 0, "home link");
	mn_ro_home(mn, now);
	mn_disc_stop(mn);
	e->stopped = false;
	e->refresh_at = MIP6_NEVER;
	if (!e->in_use)
		return;
	if (mn->ha_disabled)
		returned_home(mn, "no binding to delete", now);
	else
		mn_home_register(mn, now);   /* 11.5.5: de-register */
}

/* The CoA's prefix is no longer valid: we have no usable address. */
static void coa_lost(struct mn *mn)
{
	struct bul_entry *e = mn_ha_ent(mn);
	mn->where = MN_NOWHERE;
	mn->have_prefix = false;
	mn_ro_forget_all(mn, "care-of address expired");
	mn_disc_stop(mn);
	e->outstanding = false;
	bul_timer_stop(&e->tx);
	e->refresh_at = MIP6_NEVER;
	mn_ev(mn, M6_EV_MOVED, mn->cfg.ha, zero16, 0, 0, "care-of address expired");
}

/* ---- public interface ---- */

struct mn *mn_new(const struct mn_cfg *cfg, const struct mip6_io *io)
{
	if (!cfg || !io || !io->send || !io->event || !io->random || cfg->n_cn > MN_CN_MAX ||
	    cfg->home_plen > 128)
		return NULL;
	/* sized to the correspondents configured, each with its return
	 * routability state after the list; the packet buffer is the node's
	 * scratch when it lends one */
	size_t sz = sizeof(struct mn) + (1 + cfg->n_cn) * sizeof(struct bul_entry) + cfg->n_cn * sizeof(struct bul_rr);
	struct mn *mn = calloc(1, sz + (io->scratch ? 0 : MN_BUF_LEN));
	if (!mn)
		return NULL;
	mn->buf = io->scratch ? io->scratch : (uint8_t *)mn + sz;
	memcpy(mn->cfg.hoa, cfg->hoa, 16);
	memcpy(mn->cfg.home_prefix, cfg->home_prefix, 16);
	mn->cfg.home_plen = cfg->home_plen;
	memcpy(mn->cfg.ha, cfg->ha, 16);
	memcpy(mn->cfg.iid, cfg->iid, 8);
	mn->cfg.lifetime_s = cfg->lifetime_s;
	mn->cfg.first_reg_timeout_ms = cfg->first_reg_timeout_ms;
	mn->cfg.k_capable = cfg->k_capable;
	mn->cfg.route_optimisation = cfg->route_optimisation;
	mn->io = io;
	mn->where = MN_NOWHERE;
	mn->coa_until = MIP6_NEVER;
	mn->n_bul = 1 + cfg->n_cn;
	mn_disc_init(mn);
	struct bul_rr *rr = (struct bul_rr *)&mn->bul[mn->n_bul];
	for (unsigned i = 0; i < mn->n_bul; i++) {
		/* 11.7.2: with no BUL entry, start at a random sequence number */
		uint8_t r[2];
		mn->io->random(mn->io->ctx, r, sizeof(r));
		bul_entry_init(&mn->bul[i], i == MN_HA ? cfg->ha : cfg->cn[i - 1], i == MN_HA, m6_get16(r),
			       i == MN_HA ? NULL : &rr[i - 1]);
	}
	return mn;
}

void mn_free(struct mn *mn)
{
	if (!mn)
		return;
	m6_wipe(mn->bul, mn->n_bul * sizeof(mn->bul[0]) + (mn->n_bul - 1) * sizeof(struct bul_rr));
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
		mn_drop(mn, M6_E_INVAL, router, "advertised prefix is not a /64: no SLAAC care-of address");
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
		mn_drop(mn, M6_E_INVAL, w->hdr.src, "not a Mobility Header packet");
		return;
	}
	const uint8_t *mh = pkt + w->proto_off;
	size_t mhlen = w->end - w->proto_off;
	uint8_t psrc[16], pdst[16];
	ip6_walk_pseudo(w, pkt, psrc, pdst);
	if (!mh_verify_checksum(mh, mhlen, psrc, pdst)) {
		mn_drop(mn, M6_E_MH_CKSUM, w->hdr.src, NULL);
		return;
	}
	struct m6_diags ds;
	struct mh_msg m;
	m6_diags_init(&ds);
	int rc = mh_parse(mh, mhlen, &m, &ds, w->proto_off);
	if (rc) {
		mn_drop(mn, rc, w->hdr.src, NULL);
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
		mn_ro_on_test(mn, &m, src, pdst, via_tunnel, now);
		break;
	default:
		mn_drop(mn, M6_E_MH_UNEXPECTED, src, mh_type_name(m.type));
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
		mn_drop(mn, rc, NULL, "application packet");
		return;
	}
	if (mn->where == MN_NOWHERE) {
		mn_drop(mn, M6_E_NO_COA, h.dst, NULL);
		return;
	}
	/* at home, not from the HoA, or link-scoped (HAO-10): as it is */
	if (mn->where == MN_HOME || memcmp(h.src, mn->cfg.hoa, 16) != 0 || link_scoped(h.dst)) {
		mn_send(mn, pkt, len);
		return;
	}
	struct bul_entry *e = bul_find(mn->bul, mn->n_bul, h.dst);
	if (e && mn_ro_usable(mn, e, now)) {
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
			mn_drop(mn, rc, h.dst, "route-optimised packet");
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
		mn_drop(mn, n, h.dst, "reverse tunnel");
		return;
	}
	mn_send(mn, mn->buf, (size_t)n);
	mn_ev(mn, M6_EV_TUNNEL_ENCAP, h.dst, mn->cfg.ha, 0, 0, NULL);
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
	mn_ev(mn, M6_EV_TUNNEL_DECAP, mn->cfg.ha, mn->coa, 0, 0, NULL);
	return (int)w.proto_off;
}

bool mn_at_home(const struct mn *mn)
{
	const struct bul_entry *e = &mn->bul[MN_HA];
	return mn->where == MN_HOME && !(e->in_use && e->outstanding);
}

bool mn_registered(const struct mn *mn)
{
	return mn_registered_now(mn);
}

const uint8_t *mn_coa(const struct mn *mn)
{
	return mn->where == MN_NOWHERE ? NULL : mn->coa;
}

const uint8_t *mn_hoa(const struct mn *mn)
{
	return mn->cfg.hoa;
}

const uint8_t *mn_ha(const struct mn *mn)
{
	return mn->ha_known ? mn->cfg.ha : NULL;
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
		if (bul_rr_running(e))
			t = tmin(t, e->rr->rr_tx.next);
		if (e->acked)
			t = tmin(t, e->expires);
		if (e->home && mn->where == MN_HOME && e->outstanding)
			t = tmin(t, e->max_expiry);
	}
	return tmin(t, mn_disc_next_expiry(mn));
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
		mn_ro_bu_gave_up(mn, e);
		return;
	}
	/* TMR-02: a first registration unanswered at MAX_BINDACK_TIMEOUT moves
	 * on to the next home agent the discovery gave us, if any */
	if (e->home && !e->acked && expired >= MIP6_MAX_BINDACK_TIMEOUT_MS && mn_disc_next_ha(mn, now))
		return;
	uint64_t ok = bul_rate_next(&e->rate_bu, now);
	if (ok > now) {
		bul_timer_defer(&e->tx, ok);
		return;
	}
	/* TMR-03: bu_transmit takes a new, greater sequence number */
	bu_transmit(mn, e, now, expired);
}

static void binding_expired(struct mn *mn, struct bul_entry *e)
{
	e->acked = false;
	mn_ent_event(mn, e, M6_EV_BINDING_EXPIRED, e->acked_coa, 0);
	if (e->home)
		mip6_binding(mn->io, mn->cfg.hoa, e->acked_coa, NULL, false, 0);
	if (!e->outstanding && !bul_rr_running(e) && !bul_timer_running(&e->tx))
		bul_entry_clear(e);
}

static void refresh(struct mn *mn, struct bul_entry *e, uint64_t now)
{
	e->refresh_at = MIP6_NEVER;
	if (e->home) {
		if (mn->where == MN_AWAY && !e->outstanding)
			mn_home_register(mn, now);
		return;
	}
	mn_ro_refresh(mn, e, now);
}

void mn_on_timer(struct mn *mn, uint64_t now)
{
	if (mn->where == MN_AWAY && mn->coa_until <= now)
		coa_lost(mn);
	mn_disc_on_timer(mn, now);
	for (unsigned i = 0; i < mn->n_bul; i++) {
		struct bul_entry *e = &mn->bul[i];
		if (e->in_use && e->tx.next <= now)
			bu_timeout(mn, e, now);
		if (e->in_use && bul_rr_running(e) && e->rr->rr_tx.next <= now)
			mn_ro_rr_timeout(mn, e, now);
		if (e->in_use && e->acked && e->expires <= now)
			binding_expired(mn, e);
		if (e->in_use && e->refresh_at <= now)
			refresh(mn, e, now);
		if (e->in_use && e->home && mn->where == MN_HOME && e->outstanding && e->max_expiry <= now)
			returned_home(mn, "binding lifetime over", now);
	}
}
