/*
 * node_nd — Router Advertisements: sent by a router on the links it
 * advertises (with the H bit on a home agent, RFC 6275 7.1, and what the
 * home agent adds: the R bit and its address in the home prefix's Prefix
 * Information, a Home Agent Information option, 7.2 and 7.4), read by a
 * mobile node for its prefixes (movement detection, SLAAC). A home agent
 * reads those of the home link in node_mip6.c.
 */
#include <string.h>

#include "node_int.h"
#include "../pkt/ip6.h"
#include "../util/m6_bytes.h"

#define RA_ROUTER_LIFETIME_S 1800

void node_send_ra(struct node *n, unsigned ifindex)
{
	const struct node_iface_cfg *ic = &n->cfg.ifaces[ifindex];
	uint8_t pkt[40 + 16 + 32 + 8];              /* + Home Agent Information */
	uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	struct ip6_hdr h;
	memset(pkt, 0, sizeof(pkt));
	uint8_t *ra = pkt + 40, *pi = ra + 16;
	ra[0] = ND_RA;
	ra[4] = 64;                                    /* Cur Hop Limit */
	ra[5] = n->cfg.is_ha ? 0x20 : 0;               /* H: home agent (RFC 6275 7.1) */
	m6_put16(ra + 6, RA_ROUTER_LIFETIME_S);
	uint32_t valid = ic->prefix_valid_s ? ic->prefix_valid_s : 86400;
	pi[0] = 3;                                     /* Prefix Information */
	pi[1] = 4;
	pi[2] = (uint8_t)ic->plen;
	pi[3] = 0xc0;                                  /* L, A */
	m6_put32(pi + 4, valid);
	m6_put32(pi + 8, valid);
	memcpy(pi + 16, ic->prefix, 16);
	memset(&h, 0, sizeof(h));
	memcpy(h.src, ic->addr, 16);
	memcpy(h.dst, all_nodes, 16);
	h.nh = IP6P_ICMPV6;
	h.hlim = 255;
	h.plen = n->ha ? (uint16_t)ha_ra_extend(n->ha, ic->addr, ra, 48, sizeof(pkt) - 40, n->now) : 48;
	ip6_hdr_write(pkt, &h);
	m6_put16(ra + 2, m6_csum_ip6(h.src, h.dst, IP6P_ICMPV6, ra, h.plen));
	node_send_raw(n, ifindex, pkt, 40 + (size_t)h.plen);
}

void node_input_ra(struct node *n, const uint8_t *pkt, const struct ip6_walk *w)
{
	const uint8_t *ra = pkt + w->proto_off;
	size_t len = w->end - w->proto_off;
	if (!n->mn || len < 16 || w->hdr.hlim != 255)
		return;
	for (size_t o = 16; o + 8 <= len;) {
		size_t ol = 8 * (size_t)ra[o + 1];
		if (!ol || o + ol > len)
			return;
		if (ra[o] == 3 && ol == 32 && (ra[o + 3] & 0x40))
			mn_input_ra(n->mn, ra + o + 16, ra[o + 2], m6_get32(ra + o + 4), w->hdr.src, n->now);
		o += ol;
	}
}
