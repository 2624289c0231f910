/*
 * ha_disc — the home agent's view of its home link and the discovery it
 * serves (RFC 6275 10.5, 10.6): the Home Agents List learned from Router
 * Advertisements with the H bit (preference and lifetime from the Home
 * Agent Information option, else 0 and the Router Lifetime; global
 * addresses from Prefix Information options with the R bit), the home
 * link's prefixes, Home Agent Address Discovery Replies, and Mobile Prefix
 * Advertisements, solicited (protected Solicitations only) and unsolicited
 * after a prefix change.
 *
 * Choices the RFC leaves open, as implemented:
 *  - The home prefixes are the configured one plus every prefix (L or A)
 *    any router advertises on the home link, as a host there would learn
 *    them (RFC 4861 6.3.4); an advertisement of the configured prefix
 *    replaces its configured lifetimes, so a renumbering announced on the
 *    link reaches the mobile nodes. A home registration is accepted for an
 *    address on any of them (HA-01) and granted no more than that
 *    prefix's remaining valid lifetime (HA-03).
 *  - Any change of a prefix other than time passing (new, other lifetimes
 *    or flags, withdrawn) schedules an unsolicited advertisement to every
 *    mobile node with a home registration, at RAND_ADV_DELAY; it is
 *    retransmitted after PREFIX_ADV_TIMEOUT, doubling, PREFIX_ADV_RETRIES
 *    times, until a Solicitation from that node acknowledges it or its
 *    binding ends. The periodic advertisement every MaxMobPfxAdvInterval
 *    is not sent.
 *  - A solicitation is answered at once unless an advertisement went to
 *    that mobile node less than a second ago (6.8): then it is dropped
 *    and the mobile node's retransmission gets the answer.
 *  - A request to the anycast address of any home prefix is answered (by
 *    every home agent that hears it: a shared link has no anycast
 *    routing), rate-limited like an error message since a spoofed source
 *    would turn an 8-octet request into a reply of up to 1280 octets.
 *  - Lists are fixed-size (HA_PEERS_MAX, HA_PFX_MAX): a full list ignores
 *    newcomers. Entries past their lifetime are skipped and reused.
 */
#include <stdlib.h>
#include <string.h>

#include "disc.h"
#include "ha_int.h"
#include "../pkt/ip6.h"
#include "../util/m6_bytes.h"
#include "../util/m6_err.h"

#define HA_MPA_MIN_S 600                 /* MinMobPfxAdvInterval default (13) */
#define HA_MPA_MAX_S 86400               /* MaxMobPfxAdvInterval default (13) */
#define HA_MPA_BODY_MAX (DISC_HDR_LEN + HA_PFX_MAX * DISC_PI_LEN)
#define HA_DHAAD_ADDRS ((DISC_MIN_MTU - IP6_HDR_LEN - DISC_HDR_LEN) / 16)
#define HA_RA_ROUTER_LIFETIME_S 1800     /* when our RA says 0 (a HAI lifetime is never 0) */
#define HA_PFX_SLACK_NS (2 * MIP6_NS_PER_S)   /* lifetimes are whole seconds, links add delay */

static uint64_t secs_to_until(uint32_t s, uint64_t now)
{
	return s == DISC_INFINITE ? MIP6_NEVER : now + (uint64_t)s * MIP6_NS_PER_S;
}

static uint32_t until_to_secs(uint64_t until, uint64_t now)
{
	if (until == MIP6_NEVER)
		return DISC_INFINITE;
	if (until <= now)
		return 0;
	uint64_t s = (until - now) / MIP6_NS_PER_S;
	return s >= DISC_INFINITE ? DISC_INFINITE - 1 : (uint32_t)s;
}

/* Two ends of a lifetime that agree to the lifetimes' precision. */
static bool same_time(uint64_t a, uint64_t b)
{
	if (a == MIP6_NEVER || b == MIP6_NEVER)
		return a == b;
	return (a > b ? a - b : b - a) <= HA_PFX_SLACK_NS;
}

static void prefix_mask(const uint8_t a[16], unsigned plen, uint8_t out[16])
{
	memset(out, 0, 16);
	memcpy(out, a, plen / 8);
	if (plen % 8)
		out[plen / 8] = (uint8_t)(a[plen / 8] & (0xff << (8 - plen % 8)));
}

static uint16_t rand16(struct ha *ha)
{
	uint8_t r[2] = { 0, 0 };
	if (ha->io.random)
		ha->io.random(ha->io.ctx, r, sizeof(r));
	return m6_get16(r);
}

/* ---- the home link's prefixes ---- */

static bool pfx_alive(const struct ha_pfx *p, uint64_t now)
{
	return p->used && ((p->configured && !p->heard) || p->valid_until > now);
}

/* The configured prefix until an advertisement says otherwise: the
 * remaining lifetime is ha_cfg.prefix_valid_s at any moment (ha.h). */
static uint32_t pfx_valid_left(const struct ha *ha, const struct ha_pfx *p, uint64_t now)
{
	if (p->configured && !p->heard)
		return ha->cfg.prefix_valid_s ? ha->cfg.prefix_valid_s : DISC_INFINITE;
	return until_to_secs(p->valid_until, now);
}

static uint32_t pfx_pref_left(const struct ha *ha, const struct ha_pfx *p, uint64_t now)
{
	if (p->configured && !p->heard)
		return pfx_valid_left(ha, p, now);
	return until_to_secs(p->pref_until, now);
}

bool ha_prefix_left(const struct ha *ha, const uint8_t addr[16], uint64_t now, uint32_t *left_s)
{
	const struct ha_pfx *best = NULL;
	for (unsigned i = 0; i < HA_PFX_MAX; i++) {
		const struct ha_pfx *p = &ha->pfx[i];
		if (pfx_alive(p, now) && ip6_prefix_match(addr, p->prefix, p->plen) && (!best || p->plen > best->plen))
			best = p;
	}
	if (!best)
		return false;
	*left_s = pfx_valid_left(ha, best, now);
	return true;
}

bool ha_prefix64(const struct ha *ha, unsigned i, uint64_t now, uint8_t prefix[16])
{
	for (unsigned k = 0; k < HA_PFX_MAX; k++) {
		const struct ha_pfx *p = &ha->pfx[k];
		if (p->plen != 64 || !pfx_alive(p, now) || i--)
			continue;
		memcpy(prefix, p->prefix, 16);
		return true;
	}
	return false;
}

bool ha_is_anycast(const struct ha *ha, const uint8_t addr[16])
{
	for (unsigned i = 0; i < HA_PFX_MAX; i++) {
		const struct ha_pfx *p = &ha->pfx[i];
		if (p->used && p->plen <= 121 && disc_is_ha_anycast(p->prefix, p->plen, addr))
			return true;
	}
	return false;
}

/* ---- unsolicited Mobile Prefix Advertisements (10.6.2) ---- */

static bool mpa_before(const struct ha_mpa *a, const struct ha_mpa *b) { return a->at < b->at; }

static void mpa_push(struct ha *ha, const struct ha_mpa *m)
{
	if (ha->mpa_n == ha->mpa_cap)
		return;                          /* the caller made room */
	size_t i = ha->mpa_n++;
	ha->mpa[i] = *m;
	while (i && mpa_before(&ha->mpa[i], &ha->mpa[(i - 1) / 2])) {
		struct ha_mpa t = ha->mpa[i];
		ha->mpa[i] = ha->mpa[(i - 1) / 2];
		ha->mpa[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct ha_mpa mpa_pop(struct ha *ha)
{
	struct ha_mpa top = ha->mpa[0];
	ha->mpa[0] = ha->mpa[--ha->mpa_n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < ha->mpa_n && mpa_before(&ha->mpa[l], &ha->mpa[m]))
			m = l;
		if (r < ha->mpa_n && mpa_before(&ha->mpa[r], &ha->mpa[m]))
			m = r;
		if (m == i)
			break;
		struct ha_mpa t = ha->mpa[i];
		ha->mpa[i] = ha->mpa[m];
		ha->mpa[m] = t;
		i = m;
	}
	return top;
}

/* RAND_ADV_DELAY = MinMobPfxAdvInterval + rand() % |MaxScheduleDelay -
 * MinMobPfxAdvInterval|, MaxScheduleDelay = min(MaxMobPfxAdvInterval,
 * preferred lifetime), in milliseconds so short test intervals spread. */
static uint64_t rand_adv_delay(struct ha *ha, uint32_t preferred_s)
{
	uint64_t lo = (uint64_t)(ha->cfg.mpa_min_interval_s ? ha->cfg.mpa_min_interval_s : HA_MPA_MIN_S) * 1000;
	uint64_t hi = (uint64_t)(ha->cfg.mpa_max_interval_s ? ha->cfg.mpa_max_interval_s : HA_MPA_MAX_S) * 1000;
	if (preferred_s != DISC_INFINITE && (uint64_t)preferred_s * 1000 < hi)
		hi = (uint64_t)preferred_s * 1000;
	uint64_t span = hi > lo ? hi - lo : lo - hi;
	uint8_t r[4] = { 0 };
	if (ha->io.random)
		ha->io.random(ha->io.ctx, r, sizeof(r));
	return (lo + (span ? m6_get32(r) % span : 0)) * MIP6_NS_PER_MS;
}

static void schedule_all(struct ha *ha, uint32_t preferred_s, uint64_t now)
{
	if (ha->cfg.mpd_disabled)
		return;
	/* room for every home registration: grown here, on a prefix change,
	 * never beyond twice the cache (acknowledged entries wait in the heap
	 * until their time), so a home link flapping its prefixes cannot make
	 * it grow without bound */
	size_t want = ha->mpa_n + bcache_count(ha->bc), cap = 2 * bcache_capacity(ha->bc);
	if (want > cap)
		want = cap;
	if (want > ha->mpa_cap) {
		struct ha_mpa *m = realloc(ha->mpa, want * sizeof(*m));
		if (!m) {
			ha_drop(ha, M6_E_NOMEM, NULL, "no room to schedule Mobile Prefix Advertisements");
			return;
		}
		ha->mpa = m;
		ha->mpa_cap = want;
	}
	for (size_t i = 0; i < bcache_capacity(ha->bc); i++) {
		struct bce *e = bcache_slot(ha->bc, i);
		if (!e || !e->valid || !e->home_reg || (e->user & HA_U_MPA))
			continue;                /* one already scheduled carries the news too */
		if (ha->mpa_n == ha->mpa_cap) {
			ha_drop(ha, M6_E_FULL, e->hoa, "Mobile Prefix Advertisement not scheduled");
			break;
		}
		struct ha_mpa m = { .at = now + rand_adv_delay(ha, preferred_s), .timeout_s = MIP6_PREFIX_ADV_TIMEOUT_S };
		memcpy(m.hoa, e->hoa, 16);
		e->user |= HA_U_MPA;
		mpa_push(ha, &m);
	}
}

/* 10.6.3: from our address, to dst with an RH2 holding the home address,
 * every live home prefix with its remaining lifetimes; the IPsec layer
 * protects it by policy (3776-03). */
static void send_mpa(struct ha *ha, const uint8_t dst[16], const uint8_t hoa[16], uint16_t ident, bool solicited,
		     uint64_t now)
{
	uint8_t body[HA_MPA_BODY_MAX];
	memset(body, 0, DISC_HDR_LEN);
	body[0] = DISC_MPA;
	m6_put16(body + 4, ident);
	/* M = O = 0: no DHCPv6 here (6.8) */
	size_t len = DISC_HDR_LEN;
	unsigned n = 0;
	for (unsigned i = 0; i < HA_PFX_MAX; i++) {
		const struct ha_pfx *p = &ha->pfx[i];
		if (!pfx_alive(p, now))
			continue;
		struct disc_pi pi = { .plen = p->plen, .flags = (uint8_t)(p->flags & (DISC_PI_L | DISC_PI_A)),
				      .valid_s = pfx_valid_left(ha, p, now), .preferred_s = pfx_pref_left(ha, p, now) };
		memcpy(pi.prefix, p->prefix, 16);
		disc_put_pi(body + len, &pi);
		len += DISC_PI_LEN;
		n++;
	}
	int rc = disc_build(ha->buf, HA_BUF_LEN, ha->cfg.addr, dst, NULL, hoa, body, len);
	if (rc < 0) {
		ha_drop(ha, rc, hoa, "Mobile Prefix Advertisement not built");
		return;
	}
	ha_send(ha, ha->buf, (size_t)rc);
	ha_emit(ha, M6_EV_MPA_SENT, hoa, dst, solicited, n, solicited ? "solicited" : "unsolicited");
}

static bool mpa_allowed(struct ha *ha, const uint8_t hoa[16], uint64_t now)
{
	/* 6.8: no more than one advertisement a second to any mobile node */
	return ha_rl_allow(ha, ha->mpa_rl, hoa, MIP6_NS_PER_S, false, now);
}

void ha_disc_on_timer(struct ha *ha, uint64_t now)
{
	while (ha->mpa_n && ha->mpa[0].at <= now) {
		struct ha_mpa m = mpa_pop(ha);
		struct bce *e = bcache_lookup(ha->bc, m.hoa);
		if (!e || !e->valid || !e->home_reg || !(e->user & HA_U_MPA))
			continue;                /* acknowledged, or the binding ended */
		if (!mpa_allowed(ha, m.hoa, now)) {
			m.at = now + MIP6_NS_PER_S;
			mpa_push(ha, &m);
			continue;
		}
		send_mpa(ha, e->coa, e->hoa, rand16(ha), false, now);
		if (m.tries++ >= MIP6_PREFIX_ADV_RETRIES) {
			e->user &= ~HA_U_MPA;
			continue;
		}
		m.at = now + (uint64_t)m.timeout_s * MIP6_NS_PER_S;
		m.timeout_s *= 2;
		mpa_push(ha, &m);
	}
}

uint64_t ha_disc_next_expiry(const struct ha *ha)
{
	return ha->mpa_n ? ha->mpa[0].at : MIP6_NEVER;
}

/* ---- Router Advertisements on the home link ---- */

static struct ha_peer *peer_find(struct ha *ha, const uint8_t src[16])
{
	for (unsigned i = 0; i < HA_PEERS_MAX; i++)
		if (ha->peers[i].used && !memcmp(ha->peers[i].src, src, 16))
			return &ha->peers[i];
	return NULL;
}

static void peer_event(struct ha *ha, const struct ha_peer *p, uint32_t life, const char *what)
{
	ha_emit(ha, M6_EV_HA_LIST, p->src, p->n_addr ? p->addr[0] : NULL, p->pref, life, what);
}

/* 10.5.1, step by step. */
static void ra_ha_list(struct ha *ha, const uint8_t src[16], const struct disc_ra *ra, uint64_t now)
{
	struct ha_peer *p = peer_find(ha, src);
	if (p && p->expires <= now) {
		p->used = false;
		p = NULL;
	}
	uint16_t pref = ra->has_hai ? ra->ha_pref : 0;
	uint16_t life = ra->has_hai ? ra->ha_lifetime_s : ra->router_lifetime_s;
	if (!ra->h || !life) {
		if (p) {
			p->used = false;
			peer_event(ha, p, 0, "removed");
		}
		return;
	}
	bool fresh = !p;
	for (unsigned i = 0; !p && i < HA_PEERS_MAX; i++)
		if (!ha->peers[i].used || ha->peers[i].expires <= now)
			p = &ha->peers[i];
	if (!p)
		return;                          /* full: newcomers wait for a free entry */
	bool changed = fresh || p->pref != pref;
	if (fresh) {
		memset(p, 0, sizeof(*p));
		p->used = true;
		memcpy(p->src, src, 16);
	}
	p->pref = pref;
	p->expires = now + (uint64_t)life * MIP6_NS_PER_S;
	unsigned n = 0;
	uint8_t addr[HA_PEER_ADDRS][16];
	for (unsigned i = 0; i < ra->n_pi && n < HA_PEER_ADDRS; i++)
		if ((ra->pi[i].flags & DISC_PI_R) && ip6_addr_unicast_routable(ra->pi[i].prefix))
			memcpy(addr[n++], ra->pi[i].prefix, 16);
	if (n) {
		changed = changed || n != p->n_addr || memcmp(addr, p->addr, n * 16);
		memcpy(p->addr, addr, n * 16);
		p->n_addr = n;
	}
	if (changed)
		peer_event(ha, p, life, fresh ? "added" : "updated");
}

static int pfx_index(const struct ha *ha, const uint8_t prefix[16], unsigned plen)
{
	for (unsigned i = 0; i < HA_PFX_MAX; i++) {
		const struct ha_pfx *p = &ha->pfx[i];
		if (p->used && p->plen == plen && !memcmp(p->prefix, prefix, 16))
			return (int)i;
	}
	return -1;
}

/* 10.6.1: true when the prefix is news (new, withdrawn, other lifetimes
 * or flags: anything but time passing). */
static bool ra_prefix(struct ha *ha, const struct disc_pi *pi, uint64_t now)
{
	uint8_t pfx[16];
	prefix_mask(pi->prefix, pi->plen, pfx);
	if (!(pi->flags & (DISC_PI_L | DISC_PI_A)) || ip6_addr_is_link_local(pfx) || ip6_addr_is_multicast(pfx))
		return false;
	uint8_t flags = (uint8_t)(pi->flags & (DISC_PI_L | DISC_PI_A));
	int k = pfx_index(ha, pfx, pi->plen);
	struct ha_pfx *p = k < 0 ? NULL : &ha->pfx[k];
	uint64_t valid_until = secs_to_until(pi->valid_s, now), pref_until = secs_to_until(pi->preferred_s, now);
	/* "other than advancing real time": the same values as before, or
	 * values that count down with the clock (RFC 4861 6.2.7 allows both) */
	bool same = p && pfx_alive(p, now) && p->flags == flags &&
		    ((p->adv_valid_s == pi->valid_s && p->adv_pref_s == pi->preferred_s) ||
		     (p->heard && same_time(p->valid_until, valid_until) && same_time(p->pref_until, pref_until)));
	if (!p) {
		if (!pi->valid_s)
			return false;
		for (unsigned i = 0; !p && i < HA_PFX_MAX; i++)
			if (!ha->pfx[i].used || !pfx_alive(&ha->pfx[i], now))
				p = &ha->pfx[i];
		if (!p || p->configured)
			return false;            /* full (the configured one stays) */
		memset(p, 0, sizeof(*p));
		p->used = true;
		memcpy(p->prefix, pfx, 16);
		p->plen = pi->plen;
	}
	p->heard = true;
	p->valid_until = valid_until;
	p->pref_until = pref_until;
	if (same)
		return false;
	p->flags = flags;
	p->adv_valid_s = pi->valid_s;
	p->adv_pref_s = pi->preferred_s;
	ha_emit(ha, M6_EV_HOME_PREFIX, NULL, p->prefix, (int32_t)p->plen, pi->valid_s,
		!pi->valid_s ? "withdrawn" : !pi->preferred_s ? "deprecated" : "advertised");
	return true;
}

void ha_input_ra(struct ha *ha, const uint8_t *pkt, size_t len, const struct ip6_walk *w, uint64_t now)
{
	struct disc_ra ra;
	if (!w || w->proto != IP6P_ICMPV6 || w->end > len || w->proto_off >= w->end)
		return;
	const uint8_t *ic = pkt + w->proto_off;
	size_t ilen = w->end - w->proto_off;
	/* RFC 4861 6.1.2: on-link only, checksum, well-formed options */
	if (w->hdr.hlim != 255 || m6_csum_ip6(w->hdr.src, w->hdr.dst, IP6P_ICMPV6, ic, ilen) != 0 ||
	    disc_parse_ra(ic, ilen, &ra)) {
		ha_drop(ha, M6_E_INVAL, w->hdr.src, "Router Advertisement not valid");
		return;
	}
	ra_ha_list(ha, w->hdr.src, &ra, now);
	bool news = false;
	uint32_t pref = DISC_INFINITE;
	for (unsigned i = 0; i < ra.n_pi; i++) {
		if (ra_prefix(ha, &ra.pi[i], now)) {
			news = true;
			if (ra.pi[i].preferred_s < pref)
				pref = ra.pi[i].preferred_s;
		}
	}
	if (news)
		schedule_all(ha, pref, now);
}

size_t ha_ra_extend(const struct ha *ha, const uint8_t if_addr[16], uint8_t *ra, size_t len, size_t cap,
		    uint64_t now)
{
	if (len < DISC_RA_HDR_LEN)
		return len;
	for (size_t o = DISC_RA_HDR_LEN; o + 8 <= len && ra[o + 1];) {
		size_t ol = 8 * (size_t)ra[o + 1];
		if (o + ol > len)
			break;
		uint32_t left;
		if (ra[o] == DISC_OPT_PI && ol == DISC_PI_LEN && ra[o + 2] <= 128 &&
		    ip6_prefix_match(if_addr, ra + o + 16, ra[o + 2]) && ha_prefix_left(ha, if_addr, 0, &left)) {
			/* 7.2: a home agent MUST give its global address */
			ra[o + 3] |= DISC_PI_R;
			/* 10.6.1: home agents on a link agree; once the link
			 * has described this prefix (a renumbering, say), we
			 * repeat what is left of it rather than our own */
			uint8_t pfx[16];
			prefix_mask(ra + o + 16, ra[o + 2], pfx);
			int k = pfx_index(ha, pfx, ra[o + 2]);
			const struct ha_pfx *p = k < 0 ? NULL : &ha->pfx[k];
			if (p && p->heard && pfx_alive(p, now)) {
				m6_put32(ra + o + 4, pfx_valid_left(ha, p, now));
				m6_put32(ra + o + 8, pfx_pref_left(ha, p, now));
			}
			memcpy(ra + o + 16, if_addr, 16);
		}
		o += ol;
	}
	if ((!ha->cfg.preference && !ha->cfg.ha_lifetime_s) || len + DISC_HAI_LEN > cap)
		return len;                      /* 7.4: defaults go without the option */
	uint16_t life = ha->cfg.ha_lifetime_s ? ha->cfg.ha_lifetime_s : m6_get16(ra + 6);
	uint8_t *h = ra + len;
	memset(h, 0, DISC_HAI_LEN);
	h[0] = DISC_OPT_HAI;
	h[1] = 1;
	m6_put16(h + 4, ha->cfg.preference);
	m6_put16(h + 6, life ? life : HA_RA_ROUTER_LIFETIME_S);   /* 0 MUST NOT be used */
	return len + DISC_HAI_LEN;
}

/* ---- Home Agent Address Discovery (10.5) ---- */

struct ha_cand {
	uint16_t pref;
	uint16_t key;                        /* random order among equal preferences */
	const uint8_t (*addr)[16];
	unsigned n_addr;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct ha_cand *x = a, *y = b;
	if (x->pref != y->pref)
		return x->pref > y->pref ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static void dhaad_reply(struct ha *ha, const uint8_t dst[16], uint16_t ident, uint64_t now)
{
	struct ha_cand c[1 + HA_PEERS_MAX];
	unsigned n = 0;
	c[n++] = (struct ha_cand){ .pref = ha->cfg.preference, .key = rand16(ha), .addr = &ha->cfg.addr, .n_addr = 1 };
	for (unsigned i = 0; i < HA_PEERS_MAX; i++) {
		const struct ha_peer *p = &ha->peers[i];
		if (!p->used || p->expires <= now || !p->n_addr || !memcmp(p->addr[0], ha->cfg.addr, 16))
			continue;
		c[n++] = (struct ha_cand){ .pref = p->pref, .key = rand16(ha), .addr = p->addr, .n_addr = p->n_addr };
	}
	/* 10.5.1: by decreasing preference, randomised among equals */
	qsort(c, n, sizeof(c[0]), cand_cmp);
	uint8_t body[DISC_HDR_LEN + HA_DHAAD_ADDRS * 16];
	memset(body, 0, DISC_HDR_LEN);
	body[0] = DISC_DHAAD_REPLY;
	m6_put16(body + 4, ident);
	size_t len = DISC_HDR_LEN;
	unsigned count = 0;
	for (unsigned i = 0; i < n; i++) {
		/* a home agent's addresses in random order too */
		unsigned first = c[i].n_addr > 1 ? rand16(ha) % c[i].n_addr : 0;
		for (unsigned k = 0; k < c[i].n_addr && count < HA_DHAAD_ADDRS; k++, count++) {
			memcpy(body + len, c[i].addr[(first + k) % c[i].n_addr], 16);
			len += 16;
		}
	}
	int rc = disc_build(ha->buf, HA_BUF_LEN, ha->cfg.addr, dst, NULL, NULL, body, len);
	if (rc < 0) {
		ha_drop(ha, rc, dst, "Home Agent Address Discovery Reply not built");
		return;
	}
	ha_send(ha, ha->buf, (size_t)rc);
	ha_emit(ha, M6_EV_DHAAD_REPLIED, dst, NULL, ident, count, NULL);
}

/* ---- input ---- */

static void input_mps(struct ha *ha, const uint8_t *pkt, const struct ip6_walk *w, const uint8_t *ic,
		      const struct ipsec_sa *sa, uint64_t now)
{
	const uint8_t *hoa = ip6_walk_hoa(w, pkt);
	uint32_t left;
	if (!sa) {
		/* 3776-03/3776-04: prefix discovery only under the transport SA */
		ha_drop(ha, M6_E_UNPROTECTED, hoa ? hoa : w->hdr.src, "Mobile Prefix Solicitation without IPsec");
		return;
	}
	if (!hoa || !ha_prefix_left(ha, hoa, now, &left) || memcmp(w->hdr.dst, ha->cfg.addr, 16)) {
		/* 6.7: from the care-of address with a HAO, to us, for our link */
		ha_drop(ha, M6_E_INVAL, w->hdr.src, "Mobile Prefix Solicitation: no home address of ours");
		return;
	}
	if (ha->cfg.mpd_disabled) {
		ha_drop(ha, M6_E_POLICY_DISCARD, hoa, "Mobile Prefix Advertisements disabled");
		return;
	}
	struct bce *e = bcache_lookup(ha->bc, hoa);
	if (e)
		e->user &= ~HA_U_MPA;            /* 10.6.2: acknowledges an unsolicited one */
	if (!mpa_allowed(ha, hoa, now)) {
		ha_drop(ha, M6_E_INVAL, hoa, "Mobile Prefix Advertisement rate-limited (one a second, 6.8)");
		return;
	}
	/* 10.6.3: to the solicitation's source, RH2 = home address */
	send_mpa(ha, w->hdr.src, hoa, m6_get16(ic + 4), true, now);
}

void ha_input_icmp(struct ha *ha, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		   const struct ipsec_sa *sa, uint64_t now)
{
	if (!w || w->proto != IP6P_ICMPV6 || w->end > len || w->proto_off + DISC_HDR_LEN > w->end)
		return;
	const uint8_t *ic = pkt + w->proto_off;
	size_t ilen = w->end - w->proto_off;
	if (ic[0] != DISC_DHAAD_REQUEST && ic[0] != DISC_MPS)
		return;
	uint8_t psrc[16], pdst[16];
	ip6_walk_pseudo(w, pkt, psrc, pdst);
	if (ic[1] != 0 || m6_csum_ip6(psrc, pdst, IP6P_ICMPV6, ic, ilen) != 0) {
		ha_drop(ha, M6_E_INVAL, w->hdr.src, "ICMPv6 code or checksum");
		return;
	}
	if (ic[0] == DISC_MPS) {
		input_mps(ha, pkt, w, ic, sa, now);
		return;
	}
	/* 6.5 / 10.5.1: to the anycast address, answered to the source */
	if (!ha_is_anycast(ha, w->hdr.dst) || w->hao_off >= 0) {
		ha_drop(ha, M6_E_INVAL, w->hdr.src, "Home Agent Address Discovery Request not to our anycast address");
		return;
	}
	if (!ip6_addr_unicast_routable(w->hdr.src) || !ha_rl_allow(ha, ha->rl, w->hdr.src, HA_RL_DST_NS, true, now)) {
		ha_drop(ha, M6_E_INVAL, w->hdr.src, "Home Agent Address Discovery Reply not sent (source, rate limit)");
		return;
	}
	dhaad_reply(ha, w->hdr.src, m6_get16(ic + 4), now);
}

/* ---- life cycle ---- */

void ha_disc_init(struct ha *ha)
{
	struct ha_pfx *p = &ha->pfx[0];
	memset(ha->pfx, 0, sizeof(ha->pfx));
	memset(ha->peers, 0, sizeof(ha->peers));
	p->used = p->configured = true;
	prefix_mask(ha->cfg.prefix, ha->cfg.plen, p->prefix);
	p->plen = ha->cfg.plen;
	p->flags = DISC_PI_L | DISC_PI_A;
	p->adv_valid_s = p->adv_pref_s = ha->cfg.prefix_valid_s ? ha->cfg.prefix_valid_s : DISC_INFINITE;
	p->valid_until = p->pref_until = MIP6_NEVER;
	ha->mpa = NULL;
	ha->mpa_n = ha->mpa_cap = 0;
}

void ha_disc_free(struct ha *ha)
{
	free(ha->mpa);
	ha->mpa = NULL;
}
