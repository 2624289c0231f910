/*
 * mn_disc — the mobile node's side of home agent and prefix discovery
 * (RFC 6275 11.4).
 *
 * Home agent: with no home agent configured (cfg.ha = ::), a mobile node
 * away from home sends a Home Agent Address Discovery Request from its
 * care-of address to the Home-Agents anycast address of its home prefix,
 * retransmitted after INITIAL_DHAAD_TIMEOUT, doubling, DHAAD_RETRIES times
 * (then it waits for its next movement). The reply's first addresses (in
 * the order given, MN_HA_LIST_MAX of them) are kept; registration starts
 * with the first, and moves to the next one when that home agent refuses
 * the home address or leaves a first registration unanswered until the
 * back-off reaches MAX_BINDACK_TIMEOUT (TMR-02).
 *
 * Prefixes: a Mobile Prefix Solicitation goes from the care-of address to
 * the home agent with a HAO (3776-06), protected by the node's IPsec policy
 * (SA5, 3776-03), after a BA with status 1 (BA-03) or an unsolicited
 * advertisement; it is retransmitted from INITIAL_SOLICIT_TIMER, doubling,
 * until the timeout would reach MAX_BINDACK_TIMEOUT. An advertisement is
 * accepted only from the registered home agent, with an RH2 for our home
 * address, under IPsec (SA6), and with the identifier of the solicitation
 * outstanding (11.4.3); any other valid one makes us solicit.
 *
 * Following a renumbering: the node keeps one home address. When an
 * accepted advertisement no longer lists its home prefix as preferred
 * (absent, deprecated or invalid) and lists another /64 for autonomous
 * configuration with a preferred lifetime, the home address moves to that
 * prefix with the same interface identifier and is registered at once
 * (the bindings of the old address end with that prefix's lifetime, HA-03;
 * correspondents start over). BUs never ask for more than the home
 * prefix's remaining valid lifetime (11.4.2). SAs and policies for the
 * new address are the key manager's business (11.4.3); manual keying
 * configures them in advance.
 */
#include <string.h>

#include "disc.h"
#include "mn_int.h"
#include "../pkt/ip6.h"
#include "../util/m6_bytes.h"

#define MN_PI_MAX 8

static const uint8_t zero16[16];

static uint16_t rand16(struct mn *mn)
{
	uint8_t r[2];
	mn->io->random(mn->io->ctx, r, sizeof(r));
	return m6_get16(r);
}

static void send_icmp(struct mn *mn, uint8_t type, uint16_t ident, const uint8_t dst[16], const uint8_t *hao)
{
	uint8_t body[DISC_HDR_LEN];
	memset(body, 0, sizeof(body));
	body[0] = type;
	m6_put16(body + 4, ident);
	int n = disc_build(mn->buf, MN_BUF_LEN, mn->coa, dst, hao, NULL, body, sizeof(body));
	if (n < 0) {
		mn_drop(mn, n, dst, "discovery message not built");
		return;
	}
	mn_send(mn, mn->buf, (size_t)n);
}

/* ---- dynamic home agent address discovery (11.4.1) ---- */

static void dhaad_send(struct mn *mn, uint32_t expired_ms)
{
	uint8_t any[16];
	disc_ha_anycast(mn->cfg.home_prefix, mn->cfg.home_plen, any);
	/* from the care-of address, no HAO, no IPsec: nobody knows us yet (6.5) */
	send_icmp(mn, DISC_DHAAD_REQUEST, mn->dhaad_ident, any, NULL);
	mn_ev(mn, M6_EV_DHAAD_SENT, any, mn->coa, mn->dhaad_ident, expired_ms, NULL);
}

void mn_disc_dhaad_start(struct mn *mn, uint64_t now)
{
	if (mn->where != MN_AWAY)
		return;
	/* a new care-of address: the reply to an older request would be lost */
	mn->dhaad_running = true;
	mn->dhaad_ident = rand16(mn);
	bul_timer_start(&mn->dhaad_tx, MIP6_INITIAL_DHAAD_TIMEOUT_S * 1000, now);
	dhaad_send(mn, 0);
}

static void use_ha(struct mn *mn, const uint8_t ha[16])
{
	struct bul_entry *e = mn_ha_ent(mn);
	/* a registration still standing is abandoned: the node's key manager
	 * hears it go like any other (mip6_io.binding) */
	if (e->acked)
		mip6_binding(mn->io, mn->cfg.hoa, e->acked_coa, NULL, false, 0);
	memcpy(mn->cfg.ha, ha, 16);
	mn->ha_known = true;
	mn->ha_disabled = false;
	bul_entry_clear(e);                      /* keeps the sequence numbers */
	memcpy(e->peer, ha, 16);
}

static void on_dhaad_reply(struct mn *mn, const struct ip6_walk *w, const uint8_t *ic, size_t ilen, uint64_t now)
{
	if (!mn->dhaad_running || m6_get16(ic + 4) != mn->dhaad_ident || mn->where != MN_AWAY ||
	    memcmp(w->hdr.dst, mn->coa, 16)) {
		mn_drop(mn, M6_E_DISC_NO_MATCH, w->hdr.src, "Home Agent Address Discovery Reply ignored");
		return;
	}
	unsigned n = 0;
	for (size_t o = DISC_HDR_LEN; o + 16 <= ilen && n < MN_HA_LIST_MAX; o += 16)
		if (ip6_addr_unicast_routable(ic + o))
			memcpy(mn->ha_list[n++], ic + o, 16);
	if (!n) {
		mn_drop(mn, M6_E_DISC_NO_MATCH, w->hdr.src, "Home Agent Address Discovery Reply without a home agent");
		return;
	}
	mn->dhaad_running = false;
	bul_timer_stop(&mn->dhaad_tx);
	mn->n_ha_list = n;
	mn->ha_index = 0;
	use_ha(mn, mn->ha_list[0]);
	mn_ev(mn, M6_EV_HA_DISCOVERED, mn->cfg.ha, w->hdr.src, 0, (uint32_t)((ilen - DISC_HDR_LEN) / 16), NULL);
	mn_home_register(mn, now);
}

bool mn_disc_next_ha(struct mn *mn, uint64_t now)
{
	if (mn->ha_index + 1 >= mn->n_ha_list || mn->where != MN_AWAY)
		return false;
	mn->ha_index++;
	use_ha(mn, mn->ha_list[mn->ha_index]);
	mn_ev(mn, M6_EV_HA_DISCOVERED, mn->cfg.ha, NULL, (int32_t)mn->ha_index, mn->n_ha_list,
	      "the previous home agent failed: the next one (TMR-02)");
	mn_home_register(mn, now);
	return true;
}

/* ---- mobile prefix discovery (11.4.2, 11.4.3) ---- */

static void mps_send(struct mn *mn, uint32_t expired_ms)
{
	/* 6.7 / 3776-06: from the care-of address with the home address in a HAO */
	send_icmp(mn, DISC_MPS, mn->mps_ident, mn->cfg.ha, mn->cfg.hoa);
	mn_ev(mn, M6_EV_MPS_SENT, mn->cfg.ha, mn->coa, mn->mps_ident, expired_ms, NULL);
}

void mn_disc_mps_start(struct mn *mn, uint64_t now)
{
	if (mn->where != MN_AWAY || !mn->ha_known || mn->mps_running)
		return;
	mn->mps_running = true;
	mn->mps_ident = rand16(mn);              /* 11.4.2: MUST be random */
	bul_timer_start(&mn->mps_tx, MIP6_INITIAL_SOLICIT_TIMER_S * 1000, now);
	mps_send(mn, 0);
}

static void renumber(struct mn *mn, const struct disc_pi *pi, uint64_t now)
{
	uint8_t old[16], ha[16];
	memcpy(old, mn->cfg.hoa, 16);
	memcpy(ha, mn->cfg.ha, 16);
	use_ha(mn, ha);                          /* the old address's registration ends here */
	memcpy(mn->cfg.hoa, pi->prefix, 8);      /* same interface identifier */
	memset(mn->cfg.home_prefix, 0, 16);
	memcpy(mn->cfg.home_prefix, pi->prefix, 8);
	mn->cfg.home_plen = 64;
	mn->home_valid_until = pi->valid_s == DISC_INFINITE ? MIP6_NEVER
							    : now + (uint64_t)pi->valid_s * MIP6_NS_PER_S;
	mn_ev(mn, M6_EV_HOA_CHANGED, old, mn->cfg.hoa, 0, pi->valid_s, "home prefix renumbered");
	mn_ro_forget_all(mn, "home address changed");
	mn_home_register(mn, now);               /* a first registration for the new address */
}

void mn_set_home_address(struct mn *mn, const uint8_t hoa[16], unsigned plen, uint64_t now)
{
	if (!memcmp(mn->cfg.hoa, hoa, 16) || plen > 128)
		return;
	uint8_t old[16], ha[16];
	memcpy(old, mn->cfg.hoa, 16);
	memcpy(ha, mn->cfg.ha, 16);
	use_ha(mn, ha);                          /* the old address's registration ends here */
	memcpy(mn->cfg.hoa, hoa, 16);
	memset(mn->cfg.home_prefix, 0, 16);
	for (unsigned b = 0; b < plen; b++)
		mn->cfg.home_prefix[b / 8] |= hoa[b / 8] & (uint8_t)(0x80 >> (b % 8));
	mn->cfg.home_plen = plen;
	mn_ev(mn, M6_EV_HOA_CHANGED, old, mn->cfg.hoa, 0, 0, "home address assigned by the home agent");
	mn_ro_forget_all(mn, "home address changed");
	mn_home_register(mn, now);
}

static void on_mpa(struct mn *mn, const struct ip6_walk *w, const uint8_t *ic, size_t ilen,
		   const struct ipsec_sa *sa, uint64_t now)
{
	/* 11.4.3: from our home agent, RH2 to our home address, protected */
	bool rh2 = w->rh_off >= 0 && w->rh_type == 2;
	if (mn->where != MN_AWAY || !mn->ha_known || memcmp(w->hdr.src, mn->cfg.ha, 16) || !rh2 ||
	    memcmp(w->hdr.dst, mn->cfg.hoa, 16)) {
		mn_drop(mn, M6_E_DISC_NO_MATCH, w->hdr.src, "Mobile Prefix Advertisement not from our home agent");
		return;
	}
	if (!sa) {
		mn_drop(mn, M6_E_UNPROTECTED, w->hdr.src, "Mobile Prefix Advertisement without IPsec (3776-03)");
		return;
	}
	if (!mn->mps_running || m6_get16(ic + 4) != mn->mps_ident) {
		/* unsolicited: MUST be discarded, SHOULD make us ask (11.4.3) */
		mn_drop(mn, M6_E_DISC_NO_MATCH, w->hdr.src, "unsolicited Mobile Prefix Advertisement: soliciting");
		mn_disc_mps_start(mn, now);
		return;
	}
	struct disc_pi pi[MN_PI_MAX];
	unsigned n = 0;
	if (disc_parse_pis(ic + DISC_HDR_LEN, ilen - DISC_HDR_LEN, pi, MN_PI_MAX, &n)) {
		mn_drop(mn, M6_E_INVAL, w->hdr.src, "Mobile Prefix Advertisement options");
		return;
	}
	mn->mps_running = false;
	bul_timer_stop(&mn->mps_tx);
	mn_ev(mn, M6_EV_MPA_RECEIVED, w->hdr.src, NULL, m6_get16(ic + 4), n, NULL);
	/* as if on the home link (RFC 4861 6.3.4): our prefix, and a successor */
	const struct disc_pi *ours = NULL, *next = NULL;
	for (unsigned i = 0; i < n; i++) {
		const struct disc_pi *p = &pi[i];
		if (p->plen == mn->cfg.home_plen && ip6_prefix_match(p->prefix, mn->cfg.home_prefix, p->plen))
			ours = p;
		else if (!next && p->plen == 64 && (p->flags & DISC_PI_A) && p->valid_s && p->preferred_s &&
			 p->preferred_s <= p->valid_s && ip6_addr_unicast_routable(p->prefix))
			next = p;
	}
	if (ours)
		mn->home_valid_until = ours->valid_s == DISC_INFINITE ? MIP6_NEVER
								    : now + (uint64_t)ours->valid_s * MIP6_NS_PER_S;
	if ((!ours || !ours->preferred_s || !ours->valid_s) && next)
		renumber(mn, next, now);
}

void mn_input_icmp(struct mn *mn, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		   const struct ipsec_sa *sa, uint64_t now)
{
	if (!w || w->proto != IP6P_ICMPV6 || w->end > len || w->proto_off + DISC_HDR_LEN > w->end)
		return;
	const uint8_t *ic = pkt + w->proto_off;
	size_t ilen = w->end - w->proto_off;
	if (ic[0] != DISC_DHAAD_REPLY && ic[0] != DISC_MPA)
		return;
	uint8_t psrc[16], pdst[16];
	ip6_walk_pseudo(w, pkt, psrc, pdst);
	if (ic[1] != 0 || m6_csum_ip6(psrc, pdst, IP6P_ICMPV6, ic, ilen) != 0) {
		mn_drop(mn, M6_E_INVAL, w->hdr.src, "ICMPv6 code or checksum");
		return;
	}
	if (ic[0] == DISC_DHAAD_REPLY)
		on_dhaad_reply(mn, w, ic, ilen, now);
	else
		on_mpa(mn, w, ic, ilen, sa, now);
}

/* ---- timers, life cycle ---- */

void mn_disc_init(struct mn *mn)
{
	mn->ha_known = memcmp(mn->cfg.ha, zero16, 16) != 0;
	mn->home_valid_until = MIP6_NEVER;
	bul_timer_stop(&mn->dhaad_tx);
	bul_timer_stop(&mn->mps_tx);
}

void mn_disc_stop(struct mn *mn)
{
	mn->dhaad_running = mn->mps_running = false;
	bul_timer_stop(&mn->dhaad_tx);
	bul_timer_stop(&mn->mps_tx);
}

uint64_t mn_disc_next_expiry(const struct mn *mn)
{
	uint64_t t = mn->dhaad_running ? mn->dhaad_tx.next : MIP6_NEVER;
	if (mn->mps_running && mn->mps_tx.next < t)
		t = mn->mps_tx.next;
	return t;
}

void mn_disc_on_timer(struct mn *mn, uint64_t now)
{
	if (mn->dhaad_running && mn->dhaad_tx.next <= now) {
		uint32_t expired = bul_timer_expire(&mn->dhaad_tx, now);
		if (mn->dhaad_tx.tries > MIP6_DHAAD_RETRIES) {
			mn->dhaad_running = false;
			bul_timer_stop(&mn->dhaad_tx);
			mn_drop(mn, M6_E_DISC_TIMEOUT, NULL, "no home agent answered; trying again after moving");
		} else {
			dhaad_send(mn, expired);   /* 11.4.1: the same request again */
		}
	}
	if (mn->mps_running && mn->mps_tx.next <= now) {
		uint32_t expired = bul_timer_expire(&mn->mps_tx, now);
		if (expired >= MIP6_MAX_BINDACK_TIMEOUT_MS) {
			mn->mps_running = false;
			bul_timer_stop(&mn->mps_tx);
			mn_drop(mn, M6_E_DISC_TIMEOUT, mn->cfg.ha, "no Mobile Prefix Advertisement");
		} else {
			mps_send(mn, expired);
		}
	}
}
