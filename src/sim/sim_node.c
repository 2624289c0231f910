#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mip6/bcache.h"
#include "pkt/ip6.h"
#include "sim_node.h"

/* The node and the parts of its configuration link-layer resolution needs
 * (node.c keeps its own copy private). */
struct nhost {
	struct node *n;
	struct node_cfg cfg;
};

#define N(h) (((struct nhost *)(h))->n)

static int n_input(void *h, unsigned ifindex, const uint8_t *pkt, size_t len, uint64_t now)
{
	return node_input(N(h), ifindex, pkt, len, now);
}

static int n_output(void *h, struct node_out *out, uint64_t now)
{
	return node_output(N(h), out, now);
}

static uint64_t n_next_expiry(void *h)
{
	return node_next_expiry(N(h));
}

static void n_on_timer(void *h, uint64_t now)
{
	node_on_timer(N(h), now);
}

static void n_link(void *h, unsigned ifindex, bool up, uint64_t now)
{
	node_link(N(h), ifindex, up, now);
}

static int n_app_send(void *h, const uint8_t *pkt, size_t len, uint64_t now)
{
	return node_app_send(N(h), pkt, len, now);
}

static void n_destroy(void *h)
{
	node_free(N(h));
	free(h);
}

static bool prefix_match(const uint8_t *a, const uint8_t *p, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	if (memcmp(a, p, full))
		return false;
	return !rest || ((a[full] ^ p[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static bool n_iface_addr(void *h, unsigned ifindex, uint8_t out[16])
{
	return node_iface_addr(N(h), ifindex, out);
}

/* Proxy Neighbor Discovery (RFC 6275 10.4.1): a home agent answers on the
 * home link for the home addresses it holds home registrations for. */
static bool n_proxies(void *h, unsigned ifindex, const uint8_t addr[16])
{
	struct nhost *w = h;
	struct ha *ha = node_ha(w->n);
	if (!ha || ifindex >= w->cfg.n_ifaces)
		return false;
	const struct node_iface_cfg *ic = &w->cfg.ifaces[ifindex];
	const struct ha_cfg *hc = &w->cfg.ha;
	if (!ic->plen || ic->plen != hc->plen || !prefix_match(hc->prefix, ic->prefix, ic->plen) ||
	    !prefix_match(addr, hc->prefix, hc->plen))
		return false;
	struct bce *e = bcache_lookup(ha_bcache(ha), addr);
	return e && e->in_use && e->valid && e->home_reg;
}

static int n_next_hop(void *h, unsigned ifindex, const uint8_t dst[16], uint8_t nh[16])
{
	struct nhost *w = h;
	if (ifindex >= w->cfg.n_ifaces)
		return -1;
	const struct node_iface_cfg *ic = &w->cfg.ifaces[ifindex];
	if (ic->plen && prefix_match(dst, ic->prefix, ic->plen))
		return 0;
	const struct node_route *best = NULL;
	for (unsigned r = 0; r < w->cfg.n_routes; r++) {
		const struct node_route *rt = &w->cfg.routes[r];
		if (rt->ifindex == ifindex && prefix_match(dst, rt->prefix, rt->plen) && (!best || rt->plen > best->plen))
			best = rt;
	}
	if (best && best->has_nexthop) {
		memcpy(nh, best->nexthop, 16);
		return 1;
	}
	return -1;
}

static int bce_binding(struct bcache *bc, const uint8_t hoa[16], uint8_t coa[16])
{
	struct bce *e = bc ? bcache_lookup(bc, hoa) : NULL;
	if (!e || !e->in_use || !e->valid)
		return 0;
	memcpy(coa, e->coa, 16);
	return 1;
}

/* A home agent answers from its binding cache, a correspondent from its
 * own, a mobile node with its registration (care-of address while away and
 * registered). */
static int n_binding(void *h, const uint8_t hoa[16], uint8_t coa[16])
{
	struct node *n = N(h);
	if (node_ha(n))
		return bce_binding(ha_bcache(node_ha(n)), hoa, coa);
	if (node_cn(n))
		return bce_binding(cn_bcache(node_cn(n)), hoa, coa);
	struct mn *mn = node_mn(n);
	if (!mn)
		return M6_E_INVAL;
	if (mn_at_home(mn) || !mn_registered(mn) || !mn_coa(mn) || memcmp(hoa, mn_hoa(mn), 16))
		return 0;
	memcpy(coa, mn_coa(mn), 16);
	return 1;
}

static void n_state(void *h, char *buf, size_t cap)
{
	struct node *n = N(h);
	size_t used = 0;
	buf[0] = 0;
	if (node_ha(n)) {
		struct bcache *bc = ha_bcache(node_ha(n));
		used += (size_t)snprintf(buf + used, cap - used, "HA %zu binding(s), ", bc ? bcache_count(bc) : 0);
	}
	if (used < cap && node_cn(n)) {
		struct bcache *bc = cn_bcache(node_cn(n));
		used += (size_t)snprintf(buf + used, cap - used, "CN %zu binding(s), ", bc ? bcache_count(bc) : 0);
	}
	struct mn *mn = node_mn(n);
	if (used < cap && mn) {
		char a[46] = "-";
		if (mn_coa(mn))
			ip6_addr_format(mn_coa(mn), a);
		used += (size_t)snprintf(buf + used, cap - used, "MN %s%s, care-of %s, ", mn_at_home(mn) ? "home" : "away",
					 mn_registered(mn) ? " registered" : "", a);
	}
	struct bits *b = node_bits(n);
	if (used < cap && b)
		used += (size_t)snprintf(buf + used, cap - used, "ESP/AH out %llu in %llu, ",
					 (unsigned long long)b->st.out_protected, (unsigned long long)b->st.in_protected);
	if (used >= 2 && used < cap)
		buf[used - 2] = 0;
}

static uint64_t n_drops(void *h, int code)
{
	struct bits *b = node_bits(N(h));
	return b ? bits_drops(b, code) : 0;
}

static const struct sim_host_ops node_ops = {
	.input = n_input, .output = n_output, .next_expiry = n_next_expiry, .on_timer = n_on_timer,
	.link = n_link, .app_send = n_app_send, .destroy = n_destroy,
	.iface_addr = n_iface_addr, .proxies = n_proxies, .next_hop = n_next_hop,
	.binding = n_binding, .drops = n_drops, .state = n_state,
};

struct node *sim_host_node(const struct sim_host *h)
{
	return h->ops == &node_ops ? N(h->h) : NULL;
}

static void on_event(void *ctx, const struct m6_event *ev)
{
	sim_host_event(ctx, ev);
}

static void on_deliver(void *ctx, struct node *n, const uint8_t *pkt, size_t len, uint64_t now)
{
	(void)n;
	sim_host_deliver(ctx, pkt, len, now);
}

int sim_add_node(struct sim *s, const struct node_cfg *cfg, char *err, size_t errlen)
{
	struct nhost *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return M6_E_NOMEM;
	}
	w->cfg = *cfg;
	w->cfg.spd = NULL;
	w->cfg.sad = NULL;
	w->cfg.pad = NULL;
	struct node *n = w->n = node_new(cfg, s->now, err, errlen);
	if (!n) {
		free(w);
		return M6_E_CONFIG;
	}
	int idx = sim_add_host(s, cfg->name, cfg->n_ifaces, &node_ops, w);
	if (idx < 0) {
		n_destroy(w);
		snprintf(err, errlen, "%s", m6_strerror(idx));
		return idx;
	}
	s->hosts[idx]->router = cfg->forwarding;
	s->hosts[idx]->proxy = cfg->is_ha;
	node_set_event_cb(n, on_event, s->hosts[idx]);
	node_set_deliver_cb(n, on_deliver, s->hosts[idx]);
	return idx;
}
