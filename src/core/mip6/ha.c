/*
 * ha — home agent (RFC 6275 9.5, 10).
 *
 * State per home address lives in the binding cache entry; what ha.c adds
 * is kept in bce.user: the DAD record of a first registration still being
 * checked (HA_U_DAD bits: index + 1 into the DAD queue) and whether the
 * link-local address is defended too (L bit). An entry is one of
 *   - DAD running:   valid = false, user has a DAD index, expires = NEVER;
 *   - a binding:     valid = true, expires = end of the granted lifetime;
 *   - de-registered: valid = false, expires = now + MAX_DELETE_BCE_TIMEOUT,
 *                    kept only so a delayed BU gets 135 (HA-05).
 * DAD deadlines are now + a constant, so the DAD queue is a FIFO in
 * deadline order and the next DAD completion is its head: O(1).
 *
 * The "last seen care-of address" guard: when a binding ends (expiry,
 * de-registration, move) its care-of address goes into a second bcache
 * keyed by that address (bce.coa holds the home address that used it),
 * so a reverse-tunnelled clear packet from it is refused with its own
 * reason in O(1) even after the binding entry is gone.
 */
#include "ha_int.h"

#include <stdlib.h>
#include <string.h>

#include "../pkt/icmp6.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../pkt/pbuf.h"
#include "../util/m6_bytes.h"
#include "../util/m6_err.h"

#define ND_NS 135
#define ND_NA 136
#define ND_OPT_TLLA 2
#define NA_R 0x80
#define NA_S 0x40
#define NA_O 0x20
#define NS_LEN 24                        /* ICMPv6 NS without options */
#define NA_LEN 32                        /* NA + TLLA option for Ethernet */

#define HA_DAD_Q_MIN 16
#define HA_DAD_Q_MAX 4096                /* first registrations checked at once */
#define HA_DAD_DEFAULT_MS 1000           /* RFC 4862 RetransTimer, one probe */
/* The guard has to outlive the SA lifetime whose end stopped the MN from
 * re-registering ("HA never initiates; SA expires while MN is away"). */
#define HA_FORMER_KEEP_S 3600
#define HA_FORMER_MIN 16

/* ---- helpers ---- */

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
static const uint8_t unspec[16];

static bool is_unspec(const uint8_t a[16])
{
	return !memcmp(a, unspec, 16);
}

void ha_emit(struct ha *ha, enum m6_ev_type t, const uint8_t *peer, const uint8_t *addr, int32_t code,
	     uint32_t u32, const char *text)
{
	mip6_emit(&ha->io, t, peer, addr, code, u32, text);
}

void ha_drop(struct ha *ha, int reason, const uint8_t *peer, const char *text)
{
	ha_emit(ha, M6_EV_DROP, peer, NULL, reason, 0, text);
}

void ha_send(struct ha *ha, const uint8_t *pkt, size_t len)
{
	ha->io.send(ha->io.ctx, pkt, len);
}

static struct ha_dad *dad_of(struct ha *ha, const struct bce *e)
{
	uint32_t i = e->user & HA_U_DAD;
	return i ? &ha->dad[i - 1] : NULL;
}

/* The MN's link-local address from its home address (L = 1, /64 only). */
static bool derive_ll(const struct ha *ha, const uint8_t hoa[16], uint8_t ll[16])
{
	uint8_t pfx[16];
	bool on64 = false;
	for (unsigned i = 0; !on64 && ha_prefix64(ha, i, 0, pfx); i++)
		on64 = ip6_prefix_match(hoa, pfx, 64);
	if (!on64)
		return false;
	memset(ll, 0, 8);
	ll[0] = 0xfe;
	ll[1] = 0x80;
	memcpy(ll + 8, hoa + 8, 8);
	return true;
}

/* Entry for an ND target: the home address itself, or the home address
 * whose link-local (L = 1) it is. */
static struct bce *nd_target_entry(struct ha *ha, const uint8_t target[16])
{
	if (!ip6_addr_is_link_local(target))
		return bcache_lookup(ha->bc, target);
	/* any home prefix: a renumbered mobile node keeps its identifier */
	uint8_t hoa[16];
	for (unsigned i = 0; ha_prefix64(ha, i, 0, hoa); i++) {
		memcpy(hoa + 8, target + 8, 8);
		struct bce *e = bcache_lookup(ha->bc, hoa);
		if (e && (e->user & HA_U_L))
			return e;
	}
	return NULL;
}

/* ---- rate limit for error messages ---- */

static bool gcra(uint64_t *tat, uint64_t now, uint64_t interval, uint64_t tolerance)
{
	if (now + tolerance < *tat)
		return false;
	*tat = (*tat > now ? *tat : now) + interval;
	return true;
}

bool ha_rl_allow(struct ha *ha, struct ha_rl *tab, const uint8_t dst[16], uint64_t interval_ns, bool overall,
		 uint64_t now)
{
	uint64_t h = ha->rl_k;
	for (int i = 0; i < 16; i++)
		h = (h ^ dst[i]) * 0x100000001b3ULL;
	struct ha_rl *r = &tab[(h >> 32) % HA_RL_SLOTS];
	if (!r->used || memcmp(r->addr, dst, 16)) {
		r->used = true;
		memcpy(r->addr, dst, 16);
		r->tat = 0;
	}
	uint64_t tat = r->tat;
	if (!gcra(&tat, now, interval_ns, 0))
		return false;
	if (overall && !gcra(&ha->rl_all, now, HA_RL_ALL_NS, HA_RL_ALL_BURST_NS))
		return false;
	r->tat = tat;
	return true;
}

static bool rl_allow(struct ha *ha, const uint8_t dst[16], uint64_t now)
{
	return ha_rl_allow(ha, ha->rl, dst, HA_RL_DST_NS, true, now);
}

/* ---- messages ---- */

static void send_ba(struct ha *ha, const uint8_t dst[16], const uint8_t hoa[16], bool rh2, uint8_t status,
		    uint16_t seq, bool k, uint16_t lifetime, uint16_t bra)
{
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BA;
	m.status = status;
	m.flags = k ? MH_BA_K : 0;
	m.seq = seq;
	m.lifetime = lifetime;
	uint8_t bra_data[2];
	if (bra) {
		m6_put16(bra_data, bra);
		m.opts[0] = (struct mh_opt){ .type = MHO_BRA, .len = 2, .data = bra_data };
		m.n_opts = 1;
	}
	/* 9.5.4: to the BU's wire source, with an RH2 iff the BU had a HAO */
	int n = mip6_build_mh(ha->buf, HA_BUF_LEN, ha->cfg.addr, dst, NULL, rh2 ? hoa : NULL, &m);
	if (n < 0) {
		ha_drop(ha, n, hoa, "BA: build failed");
		return;
	}
	ha_send(ha, ha->buf, (size_t)n);
	ha_emit(ha, M6_EV_BA_SENT, hoa, dst, status, mh_lifetime_seconds(lifetime), mh_ba_status_text(status));
}

static void send_ns_dad(struct ha *ha, const uint8_t target[16])
{
	uint8_t *p = ha->buf, *ic = p + IP6_HDR_LEN;
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	/* RFC 4862 5.4.2: from ::, to the target's solicited-node group */
	static const uint8_t sn[13] = { 0xff, 0x02, [11] = 1, [12] = 0xff };
	memcpy(h.dst, sn, 13);
	memcpy(h.dst + 13, target + 13, 3);
	h.nh = IP6P_ICMPV6;
	h.hlim = 255;
	h.plen = NS_LEN;
	ip6_hdr_write(p, &h);
	memset(ic, 0, NS_LEN);
	ic[0] = ND_NS;
	memcpy(ic + 8, target, 16);
	m6_put16(ic + 2, m6_csum_ip6(h.src, h.dst, IP6P_ICMPV6, ic, NS_LEN));
	ha_send(ha, p, IP6_HDR_LEN + NS_LEN);
}

/* HA-06: proxy NA, R = 0, O = 1, TLLA = our link-layer address. */
static void send_na(struct ha *ha, const uint8_t dst[16], const uint8_t target[16], bool solicited,
		    const uint8_t *hoa)
{
	uint8_t *p = ha->buf, *ic = p + IP6_HDR_LEN;
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, ha->cfg.addr, 16);
	memcpy(h.dst, dst, 16);
	h.nh = IP6P_ICMPV6;
	h.hlim = 255;
	h.plen = NA_LEN;
	ip6_hdr_write(p, &h);
	memset(ic, 0, NA_LEN);
	ic[0] = ND_NA;
	ic[4] = NA_O | (solicited ? NA_S : 0);
	memcpy(ic + 8, target, 16);
	ic[24] = ND_OPT_TLLA;
	ic[25] = 1;
	memcpy(ic + 26, ha->cfg.mac, 6);
	m6_put16(ic + 2, m6_csum_ip6(h.src, h.dst, IP6P_ICMPV6, ic, NA_LEN));
	ha_send(ha, p, IP6_HDR_LEN + NA_LEN);
	ha_emit(ha, M6_EV_PROXY_NA, hoa, target, solicited, 0, solicited ? "solicited" : "unsolicited");
}

/* MH-06 / MH-09: Binding Error to the wire source, unicast only, rate-limited. */
static void send_be(struct ha *ha, const struct ip6_walk *w, const uint8_t *pkt, uint8_t status, uint64_t now)
{
	const uint8_t *src = w->hdr.src;
	if (!ha_is_unicast(src) || !rl_allow(ha, src, now))
		return;
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BE;
	m.status = status;
	const uint8_t *hao = ip6_walk_hoa(w, pkt);
	if (hao)
		memcpy(m.hoa, hao, 16);
	int n = mip6_build_mh(ha->buf, HA_BUF_LEN, ha->cfg.addr, src, NULL, NULL, &m);
	if (n < 0)
		return;
	ha_send(ha, ha->buf, (size_t)n);
	ha_emit(ha, M6_EV_BE_SENT, src, hao, status, 0, NULL);
}

/* MH-04 / MH-05: Parameter Problem code 0 straight to the wire source. */
static void send_param_problem(struct ha *ha, const struct ip6_walk *w, const uint8_t *pkt, size_t len,
			       uint32_t ptr, uint64_t now)
{
	/* RFC 4443 2.4e: not for a multicast destination or a non-unicast source */
	if (!ha_is_unicast(w->hdr.src) || ip6_addr_is_multicast(w->hdr.dst) || !rl_allow(ha, w->hdr.src, now))
		return;
	struct pbuf pb;
	if (pbuf_init(&pb, ha->buf, HA_BUF_LEN, 0))
		return;
	if (icmp6_build_error(&pb, ha->cfg.addr, w->hdr.src, ICMP6_PARAM_PROB, 0, ptr, pkt, len))
		return;
	ha_send(ha, pbuf_data(&pb), pb.len);
}

/* ---- binding state ---- */

static void remember_coa(struct ha *ha, const uint8_t coa[16], const uint8_t hoa[16], uint64_t now)
{
	if (is_unspec(coa) || !memcmp(coa, hoa, 16))
		return;
	/* full: the packet is still refused (no binding), only less precisely */
	struct bce *f = bcache_get_or_add(ha->former, coa, NULL);
	if (!f)
		return;
	memcpy(f->coa, hoa, 16);
	bcache_set_expiry(ha->former, f, now + HA_FORMER_KEEP_S * MIP6_NS_PER_S);
}

/* HA-03: granted lifetime in 4 s units and the BA status (0, or 1 when the
 * prefix of hoa becomes invalid within it); 0 units: nothing can be granted. */
static uint16_t grant(const struct ha *ha, const uint8_t hoa[16], uint16_t bu_units, uint64_t now, uint8_t *status)
{
	uint32_t u = bu_units, left = 0;
	if (ha->cfg.max_lifetime_s && u > ha->cfg.max_lifetime_s / 4)
		u = ha->cfg.max_lifetime_s / 4;
	*status = MH_BA_ACCEPTED;
	if (!ha_prefix_left(ha, hoa, now, &left))
		return 0;              /* the prefix went away meanwhile */
	if (left != UINT32_MAX) {
		/* compare in 4 s units, dropping the two low bits of the prefix lifetime */
		uint32_t pu = left >> 2;
		if (u > pu)
			u = pu;
		if (pu <= u)
			*status = MH_BA_ACCEPTED_NEED_PREFIX_DISC;
	}
	return (uint16_t)u;
}

/* OPT-05: a BRA shorter than the lifetime, never with a persistent cache. */
static uint16_t bra_units(const struct ha *ha, uint16_t lifetime)
{
	if (!ha->cfg.bra_interval_s || ha->cfg.persistent_bc || lifetime < 2)
		return 0;
	uint32_t b = mh_lifetime_units(ha->cfg.bra_interval_s);
	if (b >= lifetime)
		b = lifetime - 1u;
	return (uint16_t)b;
}

void ha_set_km_fixed(struct ha *ha, bool fixed)
{
	ha->km_fixed = fixed;
}

static bool ba_k(const struct ha *ha, uint16_t bu_flags)
{
	/* HA-04: K only if the MN asked and our key manager can follow it */
	return (bu_flags & MH_BU_K) && ha->cfg.k_capable && !ha->km_fixed;
}

static void dad_cancel(struct ha *ha, struct ha_dad *d)
{
	d->live = false;
	d->e->user &= ~HA_U_DAD;
	bcache_remove(ha->bc, d->e);
	d->e = NULL;
}

/* DAD done without a defender: the binding starts now. */
static void dad_succeed(struct ha *ha, struct ha_dad *d, uint64_t now)
{
	struct bce *e = d->e;
	uint8_t status;
	uint16_t units = grant(ha, e->hoa, d->lifetime, now, &status);
	d->live = false;
	e->user &= ~HA_U_DAD;
	if (!units) {
		send_ba(ha, d->dst, e->hoa, d->rh2, MH_BA_REASON_UNSPECIFIED, d->seq, false, 0, 0);
		bcache_remove(ha->bc, e);
		return;
	}
	e->valid = true;
	e->home_reg = true;
	e->seq = d->seq;
	memcpy(e->coa, d->coa, 16);
	memcpy(e->last_coa, d->coa, 16);
	e->lifetime_s = mh_lifetime_seconds(units);
	bcache_set_expiry(ha->bc, e, now + e->lifetime_s * MIP6_NS_PER_S);
	ha_emit(ha, M6_EV_BINDING_ADDED, e->hoa, e->coa, e->seq, e->lifetime_s, "home registration");
	mip6_binding(&ha->io, e->hoa, NULL, e->coa, ba_k(ha, d->flags), e->lifetime_s);
	send_na(ha, all_nodes, e->hoa, false, e->hoa);
	uint8_t ll[16];
	if ((e->user & HA_U_L) && derive_ll(ha, e->hoa, ll))
		send_na(ha, all_nodes, ll, false, e->hoa);
	send_ba(ha, d->dst, e->hoa, d->rh2, status, d->seq, ba_k(ha, d->flags), units, bra_units(ha, units));
	d->e = NULL;
}

static void dad_fail(struct ha *ha, struct ha_dad *d, const uint8_t target[16])
{
	uint8_t hoa[16], dst[16];
	memcpy(hoa, d->e->hoa, 16);
	memcpy(dst, d->dst, 16);
	bool rh2 = d->rh2;
	uint16_t seq = d->seq;
	dad_cancel(ha, d);
	ha_emit(ha, M6_EV_DAD_FAILED, hoa, target, MH_BA_DAD_FAILED, 0, "address defended on the home link");
	send_ba(ha, dst, hoa, rh2, MH_BA_DAD_FAILED, seq, false, 0, 0);
}

static void on_expire(void *ctx, struct bce *e)
{
	struct ha *ha = ctx;
	if (!e->valid)
		return;                 /* a de-registered entry ending its 10 s */
	/* HA-03/HA-04: the lifetime (never beyond the prefix's) is over */
	ha_emit(ha, M6_EV_BINDING_EXPIRED, e->hoa, e->coa, e->seq, e->lifetime_s, NULL);
	if (e->home_reg)
		mip6_binding(&ha->io, e->hoa, e->coa, NULL, false, 0);
	remember_coa(ha, e->coa, e->hoa, e->expires);
}

/* ---- Binding Update ---- */

struct bu_ctx {
	const struct mh_msg *m;
	const uint8_t *hoa, *coa, *src;
	bool rh2, dereg;
	uint64_t now;
};

/* A rejecting BA costs us a packet per BU whoever sent it, like an error
 * message, so it is rate-limited like one (MH-09): per destination and in
 * all. A mobile node that is refused retransmits its BU with back-off
 * (TMR-02) and still hears the answer. */
static void reject(struct ha *ha, const struct bu_ctx *b, uint8_t status, uint16_t seq)
{
	if (!rl_allow(ha, b->src, b->now)) {
		ha_drop(ha, M6_E_RATE_LIMITED, b->hoa, "rejecting Binding Acknowledgement not sent");
		return;
	}
	send_ba(ha, b->src, b->hoa, b->rh2, status, seq, false, 0, 0);
}

static void bu_during_dad(struct ha *ha, const struct bu_ctx *b, struct ha_dad *d)
{
	const struct mh_msg *m = b->m;
	if (!mh_seq_newer(m->seq, d->seq)) {
		/* a copy of the BU under test is answered when DAD ends */
		if (m->seq != d->seq)
			reject(ha, b, MH_BA_SEQ_OUT_OF_WINDOW, d->seq);
		return;
	}
	if (b->dereg) {
		/* nothing registered yet (HA-05): the pending registration is void */
		dad_cancel(ha, d);
		reject(ha, b, MH_BA_NOT_HOME_AGENT, m->seq);
		return;
	}
	/* a retransmission (new seq, TMR-03): answer it instead, same DAD */
	memcpy(d->coa, b->coa, 16);
	memcpy(d->dst, b->src, 16);
	d->rh2 = b->rh2;
	d->seq = m->seq;
	d->flags = m->flags;
	d->lifetime = m->lifetime;
}

static void bu_dereg(struct ha *ha, const struct bu_ctx *b, struct bce *e, uint64_t now)
{
	const struct mh_msg *m = b->m;
	if (!e || !e->valid || !e->home_reg) {
		reject(ha, b, MH_BA_NOT_HOME_AGENT, m->seq);
		return;
	}
	/* HA-05: stop intercepting now, keep the entry 10 s for its sequence number */
	remember_coa(ha, e->coa, e->hoa, now);
	e->valid = false;
	e->seq = m->seq;
	memset(e->coa, 0, 16);
	e->lifetime_s = 0;
	e->user = 0;
	bcache_set_expiry(ha->bc, e, now + MIP6_MAX_DELETE_BCE_TIMEOUT_S * MIP6_NS_PER_S);
	ha_emit(ha, M6_EV_BINDING_DELETED, e->hoa, e->last_coa, m->seq, 0, "de-registration");
	mip6_binding(&ha->io, e->hoa, e->last_coa, NULL, ba_k(ha, m->flags), 0);
	send_ba(ha, b->src, b->hoa, b->rh2, MH_BA_ACCEPTED, m->seq, ba_k(ha, m->flags), 0, 0);
}

static void bu_refresh(struct ha *ha, const struct bu_ctx *b, struct bce *e, uint64_t now)
{
	const struct mh_msg *m = b->m;
	uint8_t status;
	uint16_t units = grant(ha, e->hoa, m->lifetime, now, &status);
	if (!units) {
		reject(ha, b, MH_BA_REASON_UNSPECIFIED, m->seq);
		return;
	}
	uint8_t old_coa[16];
	memcpy(old_coa, e->coa, 16);
	if (memcmp(e->coa, b->coa, 16))
		remember_coa(ha, e->coa, e->hoa, now);
	e->seq = m->seq;
	memcpy(e->coa, b->coa, 16);
	memcpy(e->last_coa, b->coa, 16);
	e->lifetime_s = mh_lifetime_seconds(units);
	bcache_set_expiry(ha->bc, e, now + e->lifetime_s * MIP6_NS_PER_S);
	ha_emit(ha, M6_EV_BINDING_UPDATED, e->hoa, e->coa, m->seq, e->lifetime_s, NULL);
	mip6_binding(&ha->io, e->hoa, old_coa, e->coa, ba_k(ha, m->flags), e->lifetime_s);
	send_ba(ha, b->src, b->hoa, b->rh2, status, m->seq, ba_k(ha, m->flags), units, bra_units(ha, units));
}

/* HA-02: a first registration waits for DAD before its BA. */
static void bu_first(struct ha *ha, const struct bu_ctx *b, struct bce *e, uint64_t now)
{
	const struct mh_msg *m = b->m;
	uint8_t status;
	if (!grant(ha, b->hoa, m->lifetime, now, &status)) {
		reject(ha, b, MH_BA_REASON_UNSPECIFIED, m->seq);
		return;
	}
	bool fresh = !e;
	if (!e && !(e = bcache_get_or_add(ha->bc, b->hoa, NULL))) {
		reject(ha, b, MH_BA_INSUFFICIENT_RESOURCES, m->seq);
		return;
	}
	if (ha->dad_n == ha->dad_cap) {
		if (fresh)
			bcache_remove(ha->bc, e);
		reject(ha, b, MH_BA_INSUFFICIENT_RESOURCES, m->seq);
		return;
	}
	unsigned i = (ha->dad_head + ha->dad_n++) % ha->dad_cap;
	struct ha_dad *d = &ha->dad[i];
	memset(d, 0, sizeof(*d));
	d->e = e;
	d->live = true;
	d->deadline = now + (uint64_t)ha->cfg.dad_timeout_ms * MIP6_NS_PER_MS;
	memcpy(d->coa, b->coa, 16);
	memcpy(d->dst, b->src, 16);
	d->rh2 = b->rh2;
	d->seq = m->seq;
	d->flags = m->flags;
	d->lifetime = m->lifetime;
	e->valid = false;
	e->home_reg = true;
	e->user = (i + 1) | ((m->flags & MH_BU_L) ? HA_U_L : 0);
	bcache_set_expiry(ha->bc, e, MIP6_NEVER);
	send_ns_dad(ha, e->hoa);
	uint8_t ll[16];
	if ((e->user & HA_U_L) && derive_ll(ha, e->hoa, ll))
		send_ns_dad(ha, ll);
	ha_emit(ha, M6_EV_DAD_STARTED, e->hoa, b->coa, m->seq, ha->cfg.dad_timeout_ms, NULL);
}

static void input_bu(struct ha *ha, const uint8_t *pkt, const struct ip6_walk *w, const struct mh_msg *m,
		     const struct ipsec_sa *sa, uint64_t now)
{
	struct bu_ctx b = { .m = m, .src = w->hdr.src, .now = now };
	const uint8_t *hao = ip6_walk_hoa(w, pkt);
	const struct mh_opt *acoa = mh_find_opt(m, MHO_ACOA);
	b.hoa = hao ? hao : w->hdr.src;
	b.coa = acoa && acoa->len == 16 ? acoa->data : w->hdr.src;
	b.rh2 = hao != NULL;
	/* BU-01 / BA-01: silent discard, nothing may answer these */
	if (w->hao_off >= 0 && !hao) {
		ha_drop(ha, M6_E_HAO_ADDR, NULL, "BU: invalid Home Address option");
		return;
	}
	if (!ha_is_unicast(b.src) || !ip6_addr_unicast_routable(b.hoa) || !ip6_addr_unicast_routable(b.coa)) {
		ha_drop(ha, M6_E_BU_ADDR, b.hoa, "BU: address not unicast routable");
		return;
	}
	struct bce *e = bcache_lookup(ha->bc, b.hoa);
	if (!(m->flags & MH_BU_H)) {
		/* No correspondent function here; BU-03 still applies to our bindings. */
		if (e && e->valid && e->home_reg) {
			ha_emit(ha, M6_EV_BU_RECEIVED, b.hoa, b.coa, m->seq, 0, "H=0");
			reject(ha, &b, MH_BA_REG_TYPE_CHANGE, m->seq);
		} else {
			ha_drop(ha, M6_E_MH_UNEXPECTED, b.hoa, "BU with H=0 at a home agent");
		}
		return;
	}
	if (!sa) {
		ha_drop(ha, M6_E_UNPROTECTED, b.hoa, "BU: home registration without IPsec");
		return;
	}
	ha_emit(ha, M6_EV_BU_RECEIVED, b.hoa, b.coa, m->seq, mh_lifetime_seconds(m->lifetime), NULL);
	/* HA-01: on one of the home link's prefixes (configured or advertised) */
	uint32_t left;
	if (!ha_prefix_left(ha, b.hoa, now, &left)) {
		reject(ha, &b, MH_BA_NOT_HOME_SUBNET, m->seq);
		return;
	}
	/* at home the MN registers its home address as care-of address: a delete */
	b.dereg = m->lifetime == 0 || !memcmp(b.coa, b.hoa, 16);
	struct ha_dad *d = e ? dad_of(ha, e) : NULL;
	if (d) {
		bu_during_dad(ha, &b, d);
		return;
	}
	if (e) {
		/* BU-02 (also against a de-registered entry, HA-05) */
		if (!mh_seq_newer(m->seq, e->seq)) {
			reject(ha, &b, MH_BA_SEQ_OUT_OF_WINDOW, e->seq);
			return;
		}
		/* BU-03 */
		if (e->valid && !e->home_reg) {
			reject(ha, &b, MH_BA_REG_TYPE_CHANGE, m->seq);
			return;
		}
	}
	if (b.dereg)
		bu_dereg(ha, &b, e, now);
	else if (e && e->valid)
		bu_refresh(ha, &b, e, now);
	else
		bu_first(ha, &b, e, now);
}

void ha_input_mh(struct ha *ha, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		 const struct ipsec_sa *sa, uint64_t now)
{
	if (!w || w->proto != IP6P_MH || w->end > len || w->proto_off > w->end) {
		ha_drop(ha, M6_E_INVAL, NULL, "MH: not a Mobility Header packet");
		return;
	}
	size_t off = w->proto_off, mlen = w->end - off;
	const uint8_t *mh = pkt + off;
	if (mlen < 8) {
		ha_drop(ha, M6_E_MH_TRUNC, NULL, "MH: truncated");
		return;
	}
	/* 9.2: checksum first (MH-03), then type, Payload Proto, Header Len */
	uint8_t psrc[16], pdst[16];
	ip6_walk_pseudo(w, pkt, psrc, pdst);
	if (!mh_verify_checksum(mh, mlen, psrc, pdst)) {
		ha_drop(ha, M6_E_MH_CKSUM, NULL, "MH: bad checksum");
		return;
	}
	struct mh_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	int rc = mh_parse(mh, mlen, &m, &ds, off);
	if (m6_diags_has(&ds, M6_E_MH_TYPE)) {
		send_be(ha, w, pkt, MH_BE_UNKNOWN_MH_TYPE, now);
		ha_drop(ha, M6_E_MH_TYPE, NULL, "MH: unknown type");
		return;
	}
	if (m6_diags_has(&ds, M6_E_MH_PROTO)) {
		send_param_problem(ha, w, pkt, w->end, (uint32_t)off, now);
		ha_drop(ha, M6_E_MH_PROTO, NULL, "MH: Payload Proto is not 59");
		return;
	}
	if (m6_diags_has(&ds, M6_E_MH_HLEN_MIN)) {
		send_param_problem(ha, w, pkt, w->end, (uint32_t)off + 1, now);
		ha_drop(ha, M6_E_MH_HLEN_MIN, NULL, "MH: Header Len below the minimum");
		return;
	}
	if (rc) {
		ha_drop(ha, rc, NULL, "MH: malformed");
		return;
	}
	if (m.type != MH_BU) {
		ha_drop(ha, M6_E_MH_UNEXPECTED, NULL, mh_type_name(m.type));
		return;
	}
	input_bu(ha, pkt, w, &m, sa, now);
}

/* ---- data path ---- */

/* HA-07 (RFC 6275 10.4.2): a packet for the link-local address of a mobile
 * node we defend (L = 1) is discarded, never tunnelled, and its source
 * learns why with ICMPv6 Destination Unreachable code 3 (address
 * unreachable), rate-limited like every error we send; none to a
 * multicast or unspecified source (RFC 4443 2.4e). */
static bool link_local_of_mn(struct ha *ha, const uint8_t *pkt, size_t len, uint64_t now)
{
	const uint8_t *src = pkt + 8, *dst = pkt + 24;
	struct bce *e = nd_target_entry(ha, dst);
	if (!e || !e->valid || !e->home_reg)
		return false;
	ha_drop(ha, M6_E_HA_LINK_LOCAL, e->hoa, "for a mobile node's link-local address");
	struct pbuf pb;
	if (!ha_is_unicast(src) || !rl_allow(ha, src, now) || pbuf_init(&pb, ha->buf, HA_BUF_LEN, 0) ||
	    icmp6_build_error(&pb, ha->cfg.addr, src, ICMP6_DST_UNREACH, ICMP6_UNREACH_ADDR, 0, pkt, len))
		return true;
	ha_send(ha, pbuf_data(&pb), pb.len);
	return true;
}

bool ha_intercept(struct ha *ha, const uint8_t *pkt, size_t len, uint64_t now)
{
	if (len < IP6_HDR_LEN || len > 0xffff)
		return false;
	const uint8_t *dst = pkt + 24;
	/* HA-07: link-local (and multicast) destinations are never tunnelled */
	if (ip6_addr_is_multicast(dst))
		return false;
	if (ip6_addr_is_link_local(dst))
		return link_local_of_mn(ha, pkt, len, now);
	const uint8_t *coa = ha_bound_coa(ha, dst);
	if (!coa)
		return false;
	int n = mip6_encap(ha->buf, HA_BUF_LEN, ha->cfg.addr, coa, pkt, len);
	if (n < 0)
		return false;
	ha_send(ha, ha->buf, (size_t)n);
	ha_emit(ha, M6_EV_TUNNEL_ENCAP, dst, coa, 0, (uint32_t)len, NULL);
	return true;
}

const uint8_t *ha_address(const struct ha *ha)
{
	return ha->cfg.addr;
}

const uint8_t *ha_bound_coa(struct ha *ha, const uint8_t hoa[16])
{
	const struct bce *e = bcache_lookup(ha->bc, hoa);
	return e && e->valid && e->home_reg ? e->coa : NULL;
}

int ha_input_tunnel(struct ha *ha, const uint8_t *pkt, size_t len, const struct ipsec_sa *sa, uint64_t now)
{
	struct ip6_walk w;
	int rc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	if (rc)
		return rc;
	if (w.proto != IP6P_IPV6)
		/* an ESP tunnel SA already took the outer header off */
		return sa ? 0 : M6_E_TUNNEL_INNER;
	size_t off = w.proto_off;
	if (w.end - off < IP6_HDR_LEN || (pkt[off] >> 4) != 6)
		return M6_E_TUNNEL_INNER;
	const uint8_t *outer = w.hdr.src, *inner = pkt + off + 8;
	struct bce *e = bcache_lookup(ha->bc, inner);
	bool bound = e && e->valid && e->home_reg;
	/* HA-08: ESP tunnel protection vouches for the sender itself */
	if (!sa) {
		if (!bound) {
			struct bce *f = bcache_lookup(ha->former, outer);
			if ((f && f->expires > now) ||
			    (e && !is_unspec(e->last_coa) && !memcmp(e->last_coa, outer, 16)))
				return M6_E_FORMER_COA;
			return M6_E_TUNNEL_SRC;
		}
		if (memcmp(e->coa, outer, 16))
			return M6_E_TUNNEL_SRC;
	}
	ha_emit(ha, M6_EV_TUNNEL_DECAP, inner, outer, 0, (uint32_t)(w.end - off), NULL);
	return (int)off;
}

/* ---- Neighbor Discovery on the home link ---- */

void ha_input_nd(struct ha *ha, const uint8_t *pkt, size_t len, uint64_t now)
{
	(void)now;
	struct ip6_walk w;
	if (ip6_walk(pkt, len, 0, &w) || w.proto != IP6P_ICMPV6)
		return;
	size_t off = w.proto_off, ilen = w.end - off;
	const uint8_t *ic = pkt + off;
	/* RFC 4861 7.1: on-link only (hop limit 255), code 0, checksum, length */
	if (ilen < NS_LEN || w.hdr.hlim != 255 || ic[1] != 0 ||
	    m6_csum_ip6(w.hdr.src, w.hdr.dst, IP6P_ICMPV6, ic, ilen) != 0)
		return;
	const uint8_t *target = ic + 8;
	if (ip6_addr_is_multicast(target))
		return;
	struct bce *e = nd_target_entry(ha, target);
	if (!e)
		return;
	struct ha_dad *d = dad_of(ha, e);
	if (ic[0] == ND_NA) {
		/* HA-02: someone on the home link answers for the address under test */
		if (d)
			dad_fail(ha, d, target);
		return;
	}
	if (ic[0] != ND_NS || d || !e->valid || !e->home_reg)
		return;
	/* HA-06: defend and resolve the MN's address; a DAD probe (from ::)
	 * is answered to all nodes, unsolicited */
	bool from_unspec = is_unspec(w.hdr.src);
	send_na(ha, from_unspec ? all_nodes : w.hdr.src, target, !from_unspec, e->hoa);
}

/* ---- timers and life cycle ---- */

uint64_t ha_next_expiry(const struct ha *ha)
{
	uint64_t t = bcache_next_expiry(ha->bc);
	/* the head may be a cancelled DAD: an early wake-up, never a late one */
	if (ha->dad_n && ha->dad[ha->dad_head].deadline < t)
		t = ha->dad[ha->dad_head].deadline;
	uint64_t d = ha_disc_next_expiry(ha);
	return d < t ? d : t;
}

void ha_on_timer(struct ha *ha, uint64_t now)
{
	while (ha->dad_n) {
		struct ha_dad *d = &ha->dad[ha->dad_head];
		if (d->live && d->deadline > now)
			break;
		ha->dad_head = (ha->dad_head + 1) % ha->dad_cap;
		ha->dad_n--;
		if (d->live)
			dad_succeed(ha, d, now);
	}
	bcache_expire(ha->bc, now, on_expire, ha);
	bcache_expire(ha->former, now, NULL, NULL);
	ha_disc_on_timer(ha, now);
}

struct ha *ha_new(const struct ha_cfg *cfg, const struct mip6_io *io)
{
	if (!cfg || !io || !io->send || !io->event || cfg->plen > 128 || cfg->max_bindings == 0)
		return NULL;
	struct ha *ha = calloc(1, sizeof(*ha));
	if (!ha)
		return NULL;
	ha->cfg = *cfg;
	ha->io = *io;
	if (!ha->cfg.dad_timeout_ms)
		ha->cfg.dad_timeout_ms = HA_DAD_DEFAULT_MS;
	ha_disc_init(ha);
	size_t nf = cfg->max_bindings / 4 > HA_FORMER_MIN ? cfg->max_bindings / 4 : HA_FORMER_MIN;
	size_t nd = cfg->max_bindings < HA_DAD_Q_MIN ? HA_DAD_Q_MIN
		  : cfg->max_bindings > HA_DAD_Q_MAX ? HA_DAD_Q_MAX : cfg->max_bindings;
	/* the operator sizes it to the burst of first registrations expected
	 * (a home agent restart): it admits max_dad per DAD time */
	if (cfg->max_dad)
		nd = cfg->max_dad < HA_DAD_Q_MIN ? HA_DAD_Q_MIN : cfg->max_dad >= HA_U_DAD ? HA_U_DAD - 1 : cfg->max_dad;
	ha->dad_cap = (unsigned)nd;
	ha->bc = bcache_new(cfg->max_bindings);
	ha->former = bcache_new(nf);
	ha->dad = calloc(nd, sizeof(*ha->dad));
	ha->buf = malloc(HA_BUF_LEN);
	if (!ha->bc || !ha->former || !ha->dad || !ha->buf) {
		ha_free(ha);
		return NULL;
	}
	if (io->random) {
		uint8_t k[40];
		io->random(io->ctx, k, sizeof(k));
		bcache_set_key(ha->bc, k);
		bcache_set_key(ha->former, k + 16);
		memcpy(&ha->rl_k, k + 32, 8);
	}
	return ha;
}

void ha_free(struct ha *ha)
{
	if (!ha)
		return;
	bcache_free(ha->bc);
	bcache_free(ha->former);
	ha_disc_free(ha);
	free(ha->dad);
	free(ha->buf);
	free(ha);
}

struct bcache *ha_bcache(struct ha *ha)
{
	return ha->bc;
}
