/* Neighbor Discovery for the daemon's wire side (see nd.h). */
#include <stdlib.h>
#include <string.h>

#include "nd.h"
#include "pkt/ip6.h"
#include "util/m6_bytes.h"

#define ICMP6 58
#define T_RS 133
#define T_RA 134
#define T_NS 135
#define T_NA 136
#define T_REDIRECT 137
#define OPT_SLLA 1
#define OPT_TLLA 2
#define NA_R 0x80
#define NA_S 0x40
#define NA_O 0x20
#define NEVER UINT64_MAX

enum nd_state { ST_FREE = 0, ST_INCOMPLETE, ST_REACHABLE, ST_STALE, ST_PROBE };
static const char *const state_names[] = { "free", "incomplete", "reachable", "stale", "probe" };

struct nd_entry {
	uint8_t state;
	uint8_t ifx;
	uint8_t probes;               /* solicitations sent in this round */
	uint8_t n_pend;
	uint8_t addr[16];
	uint8_t mac[6];
	uint64_t until;               /* REACHABLE: until then; INCOMPLETE/PROBE: next solicitation */
	int16_t pend[ND_PENDING];     /* pool slots, in arrival order */
};

struct nd_router {
	bool used;
	uint8_t addr[16];
	uint64_t until;
	uint64_t heard;
};

/* An on-link prefix from a Router Advertisement (RFC 4861 6.3.4, L set). */
struct nd_prefix {
	bool used;
	uint8_t prefix[16];
	unsigned plen;
	uint64_t until;
	uint64_t heard;               /* the latest advertisement that carried it */
};

struct nd {
	struct nd_ops ops;
	struct nd_entry tab[ND_SLOTS];
	unsigned used;
	uint64_t next_due;            /* earliest INCOMPLETE/PROBE deadline (may be early) */
	struct nd_router rt[NODE_IF_MAX][ND_ROUTERS];
	struct nd_prefix pfx[NODE_IF_MAX][ND_PREFIXES];
	int16_t pool_free[ND_POOL];
	unsigned n_free;
	uint16_t pool_len[ND_POOL];
	uint8_t pool[ND_POOL][NODE_PKT_MAX];
	uint8_t scratch[128];         /* one ND message being built */
	struct nd_stats st;
};

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 2 };
static const uint8_t unspec[16];

struct nd *nd_new(const struct nd_ops *ops)
{
	struct nd *nd = calloc(1, sizeof(*nd));
	if (!nd)
		return NULL;
	nd->ops = *ops;
	nd->next_due = NEVER;
	for (unsigned i = 0; i < ND_POOL; i++)
		nd->pool_free[i] = (int16_t)(ND_POOL - 1 - i);
	nd->n_free = ND_POOL;
	return nd;
}

void nd_free(struct nd *nd) { free(nd); }
const struct nd_stats *nd_stats(const struct nd *nd) { return &nd->st; }

void nd_link_local(struct nd *nd, unsigned ifx, uint8_t out[16])
{
	const uint8_t *mac = nd->ops.mac(nd->ops.ctx, ifx);
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02;
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
}

/* ---- the table: open addressing, linear probing, backward-shift delete ---- */

static unsigned slot_of(unsigned ifx, const uint8_t a[16])
{
	uint64_t h = 0xcbf29ce484222325ull ^ ifx;
	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 0x100000001b3ull;
	return (unsigned)(h ^ (h >> 29)) & (ND_SLOTS - 1);
}

static struct nd_entry *find(struct nd *nd, unsigned ifx, const uint8_t a[16])
{
	for (unsigned i = slot_of(ifx, a), k = 0; k < ND_SLOTS; i = (i + 1) & (ND_SLOTS - 1), k++) {
		struct nd_entry *e = &nd->tab[i];
		if (e->state == ST_FREE)
			return NULL;
		if (e->ifx == ifx && !memcmp(e->addr, a, 16))
			return e;
	}
	return NULL;
}

static struct nd_entry *add(struct nd *nd, unsigned ifx, const uint8_t a[16])
{
	if (nd->used >= ND_SLOTS / 2) {
		nd->st.table_full_drops++;
		return NULL;
	}
	unsigned i = slot_of(ifx, a);
	while (nd->tab[i].state != ST_FREE)
		i = (i + 1) & (ND_SLOTS - 1);
	struct nd_entry *e = &nd->tab[i];
	memset(e, 0, sizeof(*e));
	e->ifx = (uint8_t)ifx;
	memcpy(e->addr, a, 16);
	nd->used++;
	return e;
}

static void drop_pending(struct nd *nd, struct nd_entry *e)
{
	for (unsigned k = 0; k < e->n_pend; k++)
		nd->pool_free[nd->n_free++] = e->pend[k];
	e->n_pend = 0;
}

static void del(struct nd *nd, struct nd_entry *e)
{
	drop_pending(nd, e);
	unsigned i = (unsigned)(e - nd->tab);
	nd->tab[i].state = ST_FREE;
	nd->used--;
	/* backward shift: later members of the run move into the hole */
	for (unsigned j = (i + 1) & (ND_SLOTS - 1); nd->tab[j].state != ST_FREE; j = (j + 1) & (ND_SLOTS - 1)) {
		unsigned home = slot_of(nd->tab[j].ifx, nd->tab[j].addr);
		bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (between)
			continue;
		nd->tab[i] = nd->tab[j];
		nd->tab[j].state = ST_FREE;
		i = j;
	}
}

/* ---- messages ---- */

static void send_icmp(struct nd *nd, unsigned ifx, const uint8_t src[16], const uint8_t dst[16],
		      const uint8_t mac[6], size_t icmp_len)
{
	uint8_t *p = nd->scratch;
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.nh = ICMP6;
	h.hlim = 255;
	h.plen = (uint16_t)icmp_len;
	ip6_hdr_write(p, &h);
	m6_put16(p + 42, 0);
	m6_put16(p + 42, m6_csum_ip6(src, dst, ICMP6, p + 40, icmp_len));
	nd->ops.xmit(nd->ops.ctx, ifx, mac, p, 40 + icmp_len);
}

static void send_ns(struct nd *nd, unsigned ifx, const uint8_t target[16], const uint8_t *unicast_mac)
{
	uint8_t src[16], dst[16], mac[6];
	uint8_t *ic = nd->scratch + 40;
	nd_link_local(nd, ifx, src);
	if (unicast_mac) {
		memcpy(dst, target, 16);
		memcpy(mac, unicast_mac, 6);
	} else {
		/* the target's solicited-node group (RFC 4291 2.7.1), its MAC
		 * by RFC 2464 7 */
		static const uint8_t sn[13] = { 0xff, 0x02, [11] = 1, [12] = 0xff };
		memcpy(dst, sn, 13);
		memcpy(dst + 13, target + 13, 3);
		mac[0] = 0x33;
		mac[1] = 0x33;
		memcpy(mac + 2, dst + 12, 4);
	}
	memset(ic, 0, 32);
	ic[0] = T_NS;
	memcpy(ic + 8, target, 16);
	ic[24] = OPT_SLLA;
	ic[25] = 1;
	memcpy(ic + 26, nd->ops.mac(nd->ops.ctx, ifx), 6);
	nd->st.ns_out++;
	send_icmp(nd, ifx, src, dst, mac, 32);
}

static void send_na(struct nd *nd, unsigned ifx, const uint8_t src[16], const uint8_t dst[16],
		    const uint8_t mac[6], const uint8_t target[16], uint8_t flags)
{
	uint8_t *ic = nd->scratch + 40;
	memset(ic, 0, 32);
	ic[0] = T_NA;
	ic[4] = flags;
	memcpy(ic + 8, target, 16);
	ic[24] = OPT_TLLA;
	ic[25] = 1;
	memcpy(ic + 26, nd->ops.mac(nd->ops.ctx, ifx), 6);
	nd->st.na_out++;
	send_icmp(nd, ifx, src, dst, mac, 32);
}

void nd_advertise(struct nd *nd, unsigned ifx, const uint8_t addr[16])
{
	uint8_t mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	send_na(nd, ifx, addr, all_nodes, mac, addr, (uint8_t)(NA_O | (nd->ops.router ? NA_R : 0)));
}

static void send_rs(struct nd *nd, unsigned ifx)
{
	uint8_t mac[6] = { 0x33, 0x33, 0, 0, 0, 2 };
	uint8_t *ic = nd->scratch + 40;
	memset(ic, 0, 8);
	ic[0] = T_RS;
	/* from the unspecified address, so without a link-layer option (RFC
	 * 4861 4.1): the daemon has no address yet that a router should cache */
	nd->st.rs_out++;
	send_icmp(nd, ifx, unspec, all_routers, mac, 8);
}

/* ---- output ---- */

static void note_due(struct nd *nd, uint64_t t)
{
	if (t < nd->next_due)
		nd->next_due = t;
}

static void flush_pending(struct nd *nd, struct nd_entry *e)
{
	for (unsigned k = 0; k < e->n_pend; k++) {
		int16_t s = e->pend[k];
		nd->ops.xmit(nd->ops.ctx, e->ifx, e->mac, nd->pool[s], nd->pool_len[s]);
		nd->pool_free[nd->n_free++] = s;
	}
	e->n_pend = 0;
}

void nd_output(struct nd *nd, unsigned ifx, const uint8_t nh[16], const uint8_t *pkt, size_t len, uint64_t now)
{
	struct nd_entry *e = find(nd, ifx, nh);
	if (e && e->state != ST_INCOMPLETE) {
		if (e->state == ST_REACHABLE && now >= e->until)
			e->state = ST_STALE;
		if (e->state == ST_STALE) {
			/* NUD: keep using it, confirm by unicast (RFC 4861 7.3.3) */
			e->state = ST_PROBE;
			e->probes = 1;
			e->until = now + ND_RETRANS_NS;
			note_due(nd, e->until);
			send_ns(nd, ifx, e->addr, e->mac);
		}
		nd->ops.xmit(nd->ops.ctx, ifx, e->mac, pkt, len);
		return;
	}
	if (!e) {
		if (!(e = add(nd, ifx, nh)))
			return;
		e->state = ST_INCOMPLETE;
		e->probes = 1;
		e->until = now + ND_RETRANS_NS;
		note_due(nd, e->until);
		send_ns(nd, ifx, nh, NULL);
	}
	if (e->n_pend == ND_PENDING || !nd->n_free || len > NODE_PKT_MAX) {
		nd->st.pending_full_drops++;
		return;
	}
	int16_t s = nd->pool_free[--nd->n_free];
	memcpy(nd->pool[s], pkt, len);
	nd->pool_len[s] = (uint16_t)len;
	e->pend[e->n_pend++] = s;
}

bool nd_router(struct nd *nd, unsigned ifx, uint64_t now, uint8_t out[16])
{
	if (ifx >= NODE_IF_MAX)
		return false;
	const struct nd_router *best = NULL;
	for (unsigned i = 0; i < ND_ROUTERS; i++) {
		const struct nd_router *r = &nd->rt[ifx][i];
		if (r->used && r->until > now && (!best || r->heard > best->heard))
			best = r;
	}
	if (!best) {
		nd->st.no_router_drops++;
		return false;
	}
	memcpy(out, best->addr, 16);
	return true;
}

/* ---- input ---- */

/* The link-layer address option of type want, or NULL. */
static const uint8_t *lla_opt(const uint8_t *opt, size_t len, uint8_t want)
{
	for (size_t o = 0; o + 8 <= len;) {
		size_t ol = 8 * (size_t)opt[o + 1];
		if (!ol || o + ol > len)
			return NULL;
		if (opt[o] == want && ol == 8)
			return opt + o + 2;
		o += ol;
	}
	return NULL;
}

/* Learn a neighbour's MAC address from its own message (RFC 4861 7.2.3,
 * 7.2.5, 6.3.4): a new or changed address becomes STALE (or REACHABLE when
 * the message confirms reachability); waiting packets leave now. */
static void learn(struct nd *nd, unsigned ifx, const uint8_t addr[16], const uint8_t mac[6], bool confirmed,
		  bool override, uint64_t now)
{
	struct nd_entry *e = find(nd, ifx, addr);
	if (!e) {
		if (!(e = add(nd, ifx, addr)))
			return;
		memcpy(e->mac, mac, 6);
		e->state = ST_STALE;
	} else if (e->state == ST_INCOMPLETE) {
		memcpy(e->mac, mac, 6);
		e->state = ST_STALE;
		nd->st.resolved++;
	} else if (memcmp(e->mac, mac, 6)) {
		if (!override && confirmed)
			return;   /* RFC 4861 7.2.5: a solicited NA without O does not move it */
		memcpy(e->mac, mac, 6);
		e->state = ST_STALE;
	}
	if (confirmed) {
		e->state = ST_REACHABLE;
		e->until = now + ND_REACHABLE_NS;
		e->probes = 0;
	}
	flush_pending(nd, e);
}

static bool valid_nd(const uint8_t *pkt, size_t len, size_t min)
{
	/* RFC 4861 7.1.1/7.1.2/6.1.2: hop limit 255, code 0, checksum, length */
	return len >= 40 + min && pkt[6] == ICMP6 && pkt[7] == 255 && pkt[41] == 0 &&
	       m6_csum_ip6(pkt + 8, pkt + 24, ICMP6, pkt + 40, len - 40) == 0;
}

static void input_ns(struct nd *nd, unsigned ifx, const uint8_t *pkt, size_t len, const uint8_t src_mac[6],
		     uint64_t now)
{
	const uint8_t *ic = pkt + 40, *src = pkt + 8, *target = ic + 8;
	size_t ilen = len - 40;
	bool from_unspec = !memcmp(src, unspec, 16);
	const uint8_t *slla = lla_opt(ic + 24, ilen - 24, OPT_SLLA);
	if (ip6_addr_is_multicast(target) || (from_unspec && slla)) {
		nd->st.nd_invalid++;
		return;
	}
	if (!from_unspec && slla)
		learn(nd, ifx, src, slla, false, true, now);
	enum nd_target t = nd->ops.target(nd->ops.ctx, ifx, target);
	if (t == ND_NOT_OURS)
		return;
	uint8_t flags = (uint8_t)(NA_O | (nd->ops.router && t == ND_OWN ? NA_R : 0));
	uint8_t mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	uint8_t na_src[16];
	/* a proxied address speaks from our link-local address (ours on this
	 * link); our own from itself */
	if (t == ND_PROXY)
		nd_link_local(nd, ifx, na_src);
	else
		memcpy(na_src, target, 16);
	if (from_unspec) {
		/* a DAD probe: answered to all nodes, unsolicited (RFC 4861 7.2.4) */
		send_na(nd, ifx, na_src, all_nodes, mac, target, flags);
		return;
	}
	/* unicast to the sender's link-layer address (RFC 6275 11.5.5 asks
	 * exactly this of a mobile node back home) */
	send_na(nd, ifx, na_src, src, slla ? slla : src_mac, target, (uint8_t)(flags | NA_S));
}

static void input_na(struct nd *nd, unsigned ifx, const uint8_t *pkt, size_t len, uint64_t now)
{
	const uint8_t *ic = pkt + 40, *target = ic + 8;
	size_t ilen = len - 40;
	bool solicited = ic[4] & NA_S, override = ic[4] & NA_O;
	if (ip6_addr_is_multicast(target) || (solicited && ip6_addr_is_multicast(pkt + 24))) {
		nd->st.nd_invalid++;
		return;
	}
	const uint8_t *tlla = lla_opt(ic + 24, ilen - 24, OPT_TLLA);
	struct nd_entry *e = find(nd, ifx, target);
	if (!e)
		return;   /* RFC 4861 7.2.5: no entry, nothing to update */
	if (!tlla) {
		/* an answer to a unicast probe may leave the address out: it
		 * confirms the one we have */
		if (e->state != ST_INCOMPLETE && solicited) {
			e->state = ST_REACHABLE;
			e->until = now + ND_REACHABLE_NS;
			e->probes = 0;
		}
		return;
	}
	learn(nd, ifx, target, tlla, solicited, override, now);
}

/* Prefix Information options with L set: destinations in them are
 * reached directly, not through a router (which would answer with a
 * Redirect). */
static void learn_prefixes(struct nd *nd, unsigned ifx, const uint8_t *opt, size_t len, uint64_t now)
{
	for (size_t o = 0; o + 8 <= len;) {
		size_t ol = 8 * (size_t)opt[o + 1];
		if (!ol || o + ol > len)
			return;
		const uint8_t *pi = opt + o;
		o += ol;
		if (pi[0] != 3 || ol != 32 || !(pi[3] & 0x80) || pi[2] > 128 || ip6_addr_is_link_local(pi + 16))
			continue;
		unsigned plen = pi[2];
		uint32_t valid = m6_get32(pi + 4);
		struct nd_prefix *slot = NULL, *spare = NULL;
		for (unsigned i = 0; i < ND_PREFIXES && !slot; i++) {
			struct nd_prefix *p = &nd->pfx[ifx][i];
			if (p->used && p->plen == plen && ip6_prefix_match(pi + 16, p->prefix, plen))
				slot = p;
			else if (!p->used || p->until <= now)
				spare = p;
		}
		if (!slot && !valid)
			continue;
		if (!slot && !(slot = spare)) {
			nd->st.prefix_full++;
			continue;
		}
		if (!valid) {
			slot->used = false;
			continue;
		}
		slot->used = true;
		memset(slot->prefix, 0, 16);
		memcpy(slot->prefix, pi + 16, (plen + 7) / 8);
		slot->plen = plen;
		slot->until = valid == UINT32_MAX ? NEVER : now + (uint64_t)valid * 1000000000ull;
		slot->heard = now;
	}
}

bool nd_onlink(const struct nd *nd, unsigned ifx, const uint8_t dst[16], uint64_t now)
{
	if (ifx >= NODE_IF_MAX)
		return false;
	for (unsigned i = 0; i < ND_PREFIXES; i++) {
		const struct nd_prefix *p = &nd->pfx[ifx][i];
		if (p->used && p->until > now && ip6_prefix_match(dst, p->prefix, p->plen))
			return true;
	}
	return false;
}

static void input_ra(struct nd *nd, unsigned ifx, const uint8_t *pkt, size_t len, uint64_t now)
{
	const uint8_t *ic = pkt + 40, *src = pkt + 8;
	size_t ilen = len - 40;
	if (!ip6_addr_is_link_local(src)) {
		/* RFC 4861 6.1.2: a router speaks from its link-local address */
		nd->st.nd_invalid++;
		return;
	}
	const uint8_t *slla = lla_opt(ic + 16, ilen - 16, OPT_SLLA);
	if (slla)
		learn(nd, ifx, src, slla, false, true, now);
	learn_prefixes(nd, ifx, ic + 16, ilen - 16, now);
	uint16_t life = m6_get16(ic + 6);
	struct nd_router *slot = NULL, *spare = NULL;
	for (unsigned i = 0; i < ND_ROUTERS && !slot; i++) {
		struct nd_router *r = &nd->rt[ifx][i];
		if (r->used && !memcmp(r->addr, src, 16))
			slot = r;
		else if (!r->used || r->until <= now)
			spare = r;
	}
	/* a full list gives up the router heard from least recently */
	if (!slot && !spare) {
		spare = &nd->rt[ifx][0];
		for (unsigned i = 1; i < ND_ROUTERS; i++)
			if (nd->rt[ifx][i].heard < spare->heard)
				spare = &nd->rt[ifx][i];
	}
	if (!life) {
		if (slot)
			slot->used = false;
		return;
	}
	if (!slot)
		slot = spare;
	slot->used = true;
	memcpy(slot->addr, src, 16);
	slot->until = now + (uint64_t)life * 1000000000ull;
	slot->heard = now;
}

bool nd_input(struct nd *nd, unsigned ifx, const uint8_t *pkt, size_t len, const uint8_t src_mac[6], uint64_t now)
{
	if (ifx >= NODE_IF_MAX || len < 44)
		return false;
	switch (pkt[40]) {
	case T_NS:
		nd->st.ns_in++;
		if (!valid_nd(pkt, len, 24)) {
			nd->st.nd_invalid++;
			return false;
		}
		input_ns(nd, ifx, pkt, len, src_mac, now);
		return false;
	case T_NA:
		nd->st.na_in++;
		if (!valid_nd(pkt, len, 24)) {
			nd->st.nd_invalid++;
			return false;
		}
		input_na(nd, ifx, pkt, len, now);
		return true;          /* the home agent's DAD listens for these */
	case T_RA:
		nd->st.ra_in++;
		if (!valid_nd(pkt, len, 16)) {
			nd->st.nd_invalid++;
			return false;
		}
		input_ra(nd, ifx, pkt, len, now);
		return true;          /* movement detection is the node's */
	case T_RS:
		nd->st.rs_in++;
		return false;
	case T_REDIRECT:
		/* the node chooses its own next hops */
		nd->st.redirect_in++;
		return false;
	default:
		return true;
	}
}

void nd_link(struct nd *nd, unsigned ifx, bool up, uint64_t now)
{
	(void)now;
	if (ifx >= NODE_IF_MAX)
		return;
	/* neighbours of the old link are not on the new one */
	for (unsigned i = 0; i < ND_SLOTS;) {
		struct nd_entry *e = &nd->tab[i];
		if (e->state != ST_FREE && e->ifx == ifx) {
			if (e->n_pend)
				nd->st.unresolved_drops += e->n_pend;
			del(nd, e);     /* may shift another entry into slot i */
			continue;
		}
		i++;
	}
	memset(nd->rt[ifx], 0, sizeof(nd->rt[ifx]));
	memset(nd->pfx[ifx], 0, sizeof(nd->pfx[ifx]));
	if (up)
		send_rs(nd, ifx);
}

void nd_moved(struct nd *nd, unsigned ifx)
{
	if (ifx >= NODE_IF_MAX)
		return;
	uint64_t last = 0;
	for (unsigned i = 0; i < ND_ROUTERS; i++)
		if (nd->rt[ifx][i].used && nd->rt[ifx][i].heard > last)
			last = nd->rt[ifx][i].heard;
	if (!last)
		return;
	for (unsigned i = 0; i < ND_ROUTERS; i++)
		if (nd->rt[ifx][i].used && nd->rt[ifx][i].heard < last) {
			nd->rt[ifx][i].used = false;
			nd->st.moved_forgotten++;
		}
	for (unsigned i = 0; i < ND_PREFIXES; i++)
		if (nd->pfx[ifx][i].used && nd->pfx[ifx][i].heard < last) {
			nd->pfx[ifx][i].used = false;
			nd->st.moved_forgotten++;
		}
}

uint64_t nd_next_expiry(const struct nd *nd) { return nd->next_due; }

void nd_on_timer(struct nd *nd, uint64_t now)
{
	if (now < nd->next_due)
		return;
	uint64_t next = NEVER;
	for (unsigned i = 0; i < ND_SLOTS;) {
		struct nd_entry *e = &nd->tab[i];
		if (e->state != ST_INCOMPLETE && e->state != ST_PROBE) {
			i++;
			continue;
		}
		if (e->until > now) {
			next = e->until < next ? e->until : next;
			i++;
			continue;
		}
		if (e->probes >= ND_MAX_SOLICIT) {
			/* unreachable: what waited is lost, and said so */
			if (e->state == ST_INCOMPLETE)
				nd->st.unresolved_drops += e->n_pend;
			else
				nd->st.probes_failed++;
			del(nd, e);
			continue;
		}
		e->probes++;
		e->until = now + ND_RETRANS_NS;
		next = e->until < next ? e->until : next;
		send_ns(nd, e->ifx, e->addr, e->state == ST_PROBE ? e->mac : NULL);
		i++;
	}
	nd->next_due = next;
}

void nd_each(const struct nd *nd, void (*cb)(void *ctx, const struct nd_info *i), void *ctx)
{
	for (unsigned i = 0; i < ND_SLOTS; i++) {
		const struct nd_entry *e = &nd->tab[i];
		if (e->state == ST_FREE)
			continue;
		struct nd_info info = { .ifx = e->ifx, .state = state_names[e->state] };
		memcpy(info.addr, e->addr, 16);
		memcpy(info.mac, e->mac, 6);
		cb(ctx, &info);
	}
}
