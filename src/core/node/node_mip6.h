/*
 * node_mip6 — what a node does with the ICMPv6 that Mobile IPv6 adds
 * (RFC 6275 6.5-6.8: Home Agent Address Discovery 144/145, Mobile Prefix
 * Solicitation/Advertisement 146/147) and with the Router Advertisements a
 * home agent learns its home link from (10.5.1, 10.6.1).
 *
 * Contract: called by the node's input for every local ICMPv6 packet after
 * IPsec (sa: the SA that protected it, NULL in clear) and RH2 processing;
 * true when the packet belongs to Mobile IPv6 and was handed to the role
 * (or dropped for want of one), false when the node goes on with it (a
 * Router Advertisement at a node that is not a home agent, echo, errors).
 */
#ifndef MIP6SEC_NODE_MIP6_H
#define MIP6SEC_NODE_MIP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mn;
struct ha;
struct ip6_walk;
struct ipsec_sa;

bool node_mip6_icmp(struct mn *mn, struct ha *ha, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		    const struct ipsec_sa *sa, uint64_t now);

#endif
