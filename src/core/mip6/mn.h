/*
 * mn — the mobile node (RFC 6275 11): movement detection from Router
 * Advertisements, care-of address by SLAAC, home registration and its
 * Binding Update List, retransmission with exponential backoff, lifetime
 * refresh, Binding Refresh Requests, Binding Errors, return home and
 * de-registration, bidirectional tunnelling through the home agent, and
 * route optimisation with return routability to correspondents.
 *
 * Contract: sans-I/O (mip6.h). The node reports what the link says
 * (mn_input_ra, mn_link_down) and hands over Mobility Header packets after
 * IPsec processing, saying whether they came through the tunnel from the
 * HA. The MN sends home registrations from the care-of address with H, A,
 * a HAO and an Alternate Care-of Address (TMR-04); K only when keying can
 * move (cfg.k_capable: never with manual keys, MH-07). Retransmissions use
 * 1.5 s (first registration, configurable) or 1 s, doubling to 32 s, each
 * with a new sequence number (TMR-01..03). Data from applications (source =
 * home address) goes through mn_output(): reverse-tunnelled while away,
 * route-optimised with a HAO to a correspondent with a binding, plain at
 * home. Without a configured home agent the MN finds one by dynamic home
 * agent address discovery; it solicits the home link's prefixes and
 * follows a renumbering to a new home address (mn_disc.c has the rules).
 */
#ifndef MIP6SEC_MN_H
#define MIP6SEC_MN_H

#include "mip6.h"

struct ip6_walk;
struct ipsec_sa;

#define MN_CN_MAX 8

struct mn_cfg {
	uint8_t hoa[16];
	uint8_t home_prefix[16];
	unsigned home_plen;
	uint8_t ha[16];                  /* :: = find one (dynamic home agent address discovery) */
	uint8_t iid[8];                  /* interface identifier for SLAAC (RFC 4862) */
	uint32_t lifetime_s;             /* requested home registration lifetime; 0 = 3600 */
	uint32_t first_reg_timeout_ms;   /* InitialBindackTimeoutFirstReg; 0 = 1500 */
	bool k_capable;                  /* key manager can move its endpoint */
	bool route_optimisation;         /* run return routability with cn[] */
	unsigned n_cn;
	uint8_t cn[MN_CN_MAX][16];
};

struct mn;

/* io is kept by reference: it must outlive the mobile node (a node's own). */
struct mn *mn_new(const struct mn_cfg *cfg, const struct mip6_io *io);
void mn_free(struct mn *mn);
/* The key manager says whether it can move its endpoint now (INT-03): K
 * is set only when cfg.k_capable and it can. Initially it can. */
void mn_set_km_fixed(struct mn *mn, bool fixed);
/* The key manager assigned a home address (RFC 4877 9, 4877-12): a
 * different one replaces the configured one (the old registration is
 * abandoned, route optimisation forgotten, and the new address
 * registered, as after a renumbering). */
void mn_set_home_address(struct mn *mn, const uint8_t hoa[16], unsigned plen, uint64_t now);
/* A Router Advertisement's prefix on the current link. */
void mn_input_ra(struct mn *mn, const uint8_t prefix[16], unsigned plen, uint32_t valid_s,
		 const uint8_t router[16], uint64_t now);
void mn_link_down(struct mn *mn, uint64_t now);
void mn_input_mh(struct mn *mn, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		 const struct ipsec_sa *sa, bool via_tunnel, uint64_t now);
/* Application data, source = home address. */
void mn_output(struct mn *mn, const uint8_t *pkt, size_t len, uint64_t now);
/* A packet tunnelled from the HA: offset of the inner packet, or negative. */
int mn_input_tunnel(struct mn *mn, const uint8_t *pkt, size_t len, uint64_t now);
/* ICMPv6 for the mobile node role, after IPsec and RH2 processing: Home
 * Agent Address Discovery Replies (145) and Mobile Prefix Advertisements
 * (147, accepted only under IPsec: sa != NULL). Others are ignored. */
void mn_input_icmp(struct mn *mn, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		   const struct ipsec_sa *sa, uint64_t now);
bool mn_at_home(const struct mn *mn);
bool mn_registered(const struct mn *mn);
/* The current care-of address (the home address at home), NULL before any. */
const uint8_t *mn_coa(const struct mn *mn);
/* The home address (it follows a renumbering of the home link). */
const uint8_t *mn_hoa(const struct mn *mn);
/* The home agent, NULL while none is known. */
const uint8_t *mn_ha(const struct mn *mn);
uint64_t mn_next_expiry(const struct mn *mn);
void mn_on_timer(struct mn *mn, uint64_t now);
/* An SA was installed after one of our packets found none: a home
 * registration still waiting for its Binding Acknowledgement is sent
 * again at once (a fresh BU, the rate limit permitting). */
void mn_sa_ready(struct mn *mn, uint64_t now);

#endif
