/*
 * node_route — the node's addresses, which of them a packet is for, and
 * where a packet leaves: on-link prefixes, then the longest matching
 * route; link-scoped multicast by its source address.
 */
#include <string.h>

#include "node_int.h"
#include "../mip6/bcache.h"
#include "../pkt/ip6.h"

bool node_iface_addr(const struct node *n, unsigned ifindex, uint8_t out[16])
{
	if (ifindex >= n->cfg.n_ifaces)
		return false;
	const struct node_iface_cfg *ic = &n->cfg.ifaces[ifindex];
	if (ic->has_addr) {
		memcpy(out, ic->addr, 16);
		return true;
	}
	const uint8_t *coa = n->mn ? mn_coa(n->mn) : NULL;
	if (coa && n->ifs[ifindex].up) {
		memcpy(out, coa, 16);
		return true;
	}
	return false;
}

bool node_is_local(const struct node *n, const uint8_t dst[16])
{
	uint8_t a[16];
	if (dst[0] == 0xff)
		return dst[1] == 0x02 || dst[1] == 0x01;    /* link- and node-local multicast */
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if (node_iface_addr(n, i, a) && !memcmp(a, dst, 16))
			return true;
	if (n->mn && mn_at_home(n->mn) && !memcmp(dst, mn_hoa(n->mn), 16))
		return true;
	if (n->ha && ha_is_anycast(n->ha, dst))
		return true;                        /* Home-Agents anycast (RFC 6275 10.5) */
	return false;
}

/* Link-scoped multicast leaves by the interface of its source address; an
 * unspecified source (DAD probes) by the home link of a home agent. */
int node_route_link_scope(const struct node *n, const uint8_t src[16])
{
	static const uint8_t unspec[16];
	const uint8_t *key = memcmp(src, unspec, 16) || !n->ha ? src : n->cfg.ha.prefix;
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++) {
		const struct node_iface_cfg *ic = &n->cfg.ifaces[i];
		if (n->ifs[i].up && ic->plen && ip6_prefix_match(key, ic->prefix, ic->plen))
			return (int)i;
	}
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if (n->ifs[i].up)
			return (int)i;
	return -1;
}

/* Outgoing interface for a destination: on-link prefix, then the longest
 * matching route; a host without routes uses its first interface that is
 * up. *rt (may be NULL) gets the route used, NULL when on-link. */
static int route_via(const struct node *n, const uint8_t dst[16], const struct node_route **via)
{
	int best = -1;
	int best_len = -1;
	const struct node_route *best_rt = NULL;
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++) {
		const struct node_iface_cfg *ic = &n->cfg.ifaces[i];
		if (n->ifs[i].up && ic->plen && ip6_prefix_match(dst, ic->prefix, ic->plen) && (int)ic->plen > best_len) {
			best = (int)i;
			best_len = (int)ic->plen;
		}
	}
	for (unsigned r = 0; r < n->cfg.n_routes; r++) {
		const struct node_route *rt = &n->cfg.routes[r];
		if (rt->ifindex < n->cfg.n_ifaces && n->ifs[rt->ifindex].up &&
		    ip6_prefix_match(dst, rt->prefix, rt->plen) && (int)rt->plen > best_len) {
			best = (int)rt->ifindex;
			best_len = (int)rt->plen;
			best_rt = rt;
		}
	}
	if (best < 0 && !n->cfg.forwarding)
		for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
			if (n->ifs[i].up) {
				best = (int)i;
				break;
			}
	if (via)
		*via = best_rt;
	return best;
}

int node_route(const struct node *n, const uint8_t dst[16])
{
	return route_via(n, dst, NULL);
}

enum node_nh_kind node_next_hop(const struct node *n, unsigned ifindex, const uint8_t dst[16], uint8_t nh[16])
{
	if (ifindex >= n->cfg.n_ifaces || dst[0] == 0xff)
		return NODE_NH_ONLINK;
	const struct node_iface_cfg *ic = &n->cfg.ifaces[ifindex];
	if (ic->plen && ip6_prefix_match(dst, ic->prefix, ic->plen))
		return NODE_NH_ONLINK;
	const struct node_route *best = NULL;
	for (unsigned r = 0; r < n->cfg.n_routes; r++) {
		const struct node_route *rt = &n->cfg.routes[r];
		if (rt->ifindex == ifindex && ip6_prefix_match(dst, rt->prefix, rt->plen) && (!best || rt->plen > best->plen))
			best = rt;
	}
	if (best && best->has_nexthop) {
		memcpy(nh, best->nexthop, 16);
		return NODE_NH_GATEWAY;
	}
	return NODE_NH_ROUTERS;
}

/* Proxy Neighbor Discovery (RFC 6275 10.4.1): a home agent answers on the
 * home link for the home addresses it holds home registrations for. */
bool node_proxies(const struct node *n, unsigned ifindex, const uint8_t addr[16])
{
	if (!n->ha || ifindex >= n->cfg.n_ifaces)
		return false;
	const struct node_iface_cfg *ic = &n->cfg.ifaces[ifindex];
	const struct node_conf_ha *hc = &n->cfg.ha;
	if (!ic->plen || ic->plen != hc->plen || !ip6_prefix_match(hc->prefix, ic->prefix, ic->plen) ||
	    !ip6_prefix_match(addr, hc->prefix, hc->plen))
		return false;
	struct bce *e = bcache_lookup(ha_bcache(n->ha), addr);
	return e && e->in_use && e->valid && e->home_reg;
}

unsigned node_mtu(const struct node *n, unsigned ifindex)
{
	unsigned m = ifindex < n->cfg.n_ifaces && n->cfg.ifaces[ifindex].mtu ? n->cfg.ifaces[ifindex].mtu : 1500;
	return m > NODE_PKT_MAX ? NODE_PKT_MAX : m;
}

bool node_src_for(const struct node *n, const uint8_t dst[16], uint8_t out[16])
{
	int ifx = node_route(n, dst);
	if (ifx >= 0 && node_iface_addr(n, (unsigned)ifx, out))
		return true;
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if (node_iface_addr(n, i, out))
			return true;
	return false;
}
