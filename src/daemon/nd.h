/*
 * nd — Neighbor Discovery (RFC 4861) on the daemon's wire interfaces:
 * the neighbour cache that turns a next hop into a MAC address, the
 * answers to Neighbor Solicitations for the node's addresses (and the
 * home agent's proxied home addresses), the default routers learnt from
 * Router Advertisements, and Router Solicitations after a link comes up.
 *
 * Why here and not in the kernel or the node: the kernel's IPv6 is off on
 * these interfaces (it would answer or reject packets meant for the node,
 * HAO ones included), and the node is sans-I/O with no link-layer
 * addresses (its next hop is an IPv6 address). The node still runs the
 * Mobile IPv6 parts of ND: the home agent's DAD probes and unsolicited
 * proxy advertisements go out as node packets, and Neighbor
 * Advertisements are handed to it so DAD can fail.
 *
 * Contract: nd_output() sends a packet to a next hop now (known MAC) or
 * queues it (at most ND_PENDING per neighbour, from a pool allocated in
 * nd_new()) and solicits; after ND_MAX_SOLICIT unanswered solicitations
 * one second apart the queued packets are dropped and counted. Entries
 * age REACHABLE -> STALE after ND_REACHABLE_NS; a STALE entry in use is
 * probed by unicast and forgotten when the probes go unanswered (NUD).
 * nd_input() consumes NS and NA (answering, learning) and RA (learning
 * routers and their MAC addresses); the caller decides what else the node
 * sees. Every drop has a counter. No allocation after nd_new().
 */
#ifndef MIP6SEC_M6D_ND_H
#define MIP6SEC_M6D_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/node.h"

#define ND_SLOTS 1024                  /* hash slots; at most half are used */
#define ND_PENDING 4                   /* packets waiting per neighbour */
#define ND_POOL 128                    /* waiting packets in all */
#define ND_ROUTERS 4                   /* default routers per interface */
#define ND_PREFIXES 8                  /* on-link prefixes per interface */
#define ND_MAX_SOLICIT 3               /* RFC 4861 10: MAX_MULTICAST_SOLICIT */
#define ND_RETRANS_NS 1000000000ull    /* RETRANS_TIMER */
#define ND_REACHABLE_NS 30000000000ull /* REACHABLE_TIME */

enum nd_target { ND_NOT_OURS = 0, ND_OWN, ND_PROXY };

struct nd_ops {
	void *ctx;
	void (*xmit)(void *ctx, unsigned ifx, const uint8_t mac[6], const uint8_t *pkt, size_t len);
	const uint8_t *(*mac)(void *ctx, unsigned ifx);
	enum nd_target (*target)(void *ctx, unsigned ifx, const uint8_t addr[16]);
	bool router;                       /* R flag of our advertisements */
};

struct nd_stats {
	uint64_t ns_in, na_in, ra_in, rs_in, redirect_in, nd_invalid;
	uint64_t ns_out, na_out, rs_out;
	uint64_t resolved, unresolved_drops, pending_full_drops, table_full_drops, no_router_drops;
	uint64_t probes_failed, prefix_full, moved_forgotten;
};

struct nd;

struct nd *nd_new(const struct nd_ops *ops);
void nd_free(struct nd *nd);
const struct nd_stats *nd_stats(const struct nd *nd);

/* Send pkt to next hop nh (an on-link address) on interface ifx. */
void nd_output(struct nd *nd, unsigned ifx, const uint8_t nh[16], const uint8_t *pkt, size_t len, uint64_t now);
/* A default router of ifx (the latest heard), false when none. */
bool nd_router(struct nd *nd, unsigned ifx, uint64_t now, uint8_t out[16]);
/* dst lies in an on-link prefix a router advertised on ifx (RFC 4861
 * 5.2): the node's "any router" next hop is then dst itself. */
bool nd_onlink(const struct nd *nd, unsigned ifx, const uint8_t dst[16], uint64_t now);
/* An ICMPv6 ND message (types 133..137) as received with the sender's
 * MAC; returns true when the node should see it too (RA, NA). */
bool nd_input(struct nd *nd, unsigned ifx, const uint8_t *pkt, size_t len, const uint8_t src_mac[6], uint64_t now);
/* A link went down or came up: forget its neighbours and routers; on up,
 * solicit a Router Advertisement. */
void nd_link(struct nd *nd, unsigned ifx, bool up, uint64_t now);
/* The node found itself on another link behind ifx with no link event
 * seen (a re-attach quicker than rtnetlink tells, a new access point):
 * routers and on-link prefixes that the newest advertisement did not
 * come with may be the old link's (the home prefix would stay on-link,
 * and the home agent be looked for on the foreign link), so they go. */
void nd_moved(struct nd *nd, unsigned ifx);
/* An unsolicited advertisement of addr (S = 0, O = 1) to all nodes, as a
 * mobile node back home announces its home address (RFC 6275 11.5.5). */
void nd_advertise(struct nd *nd, unsigned ifx, const uint8_t addr[16]);
uint64_t nd_next_expiry(const struct nd *nd);
void nd_on_timer(struct nd *nd, uint64_t now);
/* Our link-local address on ifx (fe80::/64 + modified EUI-64 of the MAC). */
void nd_link_local(struct nd *nd, unsigned ifx, uint8_t out[16]);

/* Neighbour cache for `show`: calls cb for each entry. */
struct nd_info {
	unsigned ifx;
	uint8_t addr[16], mac[6];
	const char *state;
};
void nd_each(const struct nd *nd, void (*cb)(void *ctx, const struct nd_info *i), void *ctx);

#endif
