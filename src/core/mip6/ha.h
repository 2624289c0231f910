/*
 * ha — the home agent (RFC 6275 10): home registrations, the binding
 * cache, duplicate address detection and proxy Neighbor Discovery on the
 * home link, bidirectional tunnelling, and the "last seen care-of address"
 * guard of the true-address model, and what the home link says: the Home
 * Agents List, the home prefixes, dynamic home agent address discovery and
 * mobile prefix advertisements (ha_disc.c).
 *
 * Contract: sans-I/O (mip6.h). ha_input_mh() validates a BU (BU-01..06,
 * HA-01..05) and answers with every BA status RFC 6275 names; an H=1 BU is
 * only accepted when it arrived protected by an SA (sa != NULL; the IPsec
 * layer has already checked that SA may speak for the home address).
 * A first registration runs DAD for the home address (HA-02) before the BA.
 * ha_intercept() tunnels packets for a registered home address to the
 * primary care-of address and refuses those for a mobile node's link-local
 * address (HA-07); ha_input_tunnel() checks reverse-
 * tunnelled packets (HA-08) and refuses clear packets from a former
 * care-of address once the binding is gone. The HA never forwards an RH2
 * and never initiates key exchange.
 *
 * Details the RFC leaves open, as implemented:
 *  - The BA goes to the BU's wire source, with an RH2 iff the BU carried a
 *    HAO (RFC 6275 9.5.4, BA-01); with the MN's usual ACoA = source this is
 *    HA -> care-of address. A BU whose care-of equals its home address is
 *    a de-registration (the MN at home).
 *  - H = 0: there is no correspondent function in the HA. Such a BU gets
 *    139 when the home address has a home registration (BU-03), otherwise
 *    it is dropped (M6_E_MH_UNEXPECTED).
 *  - A BU for a home address whose DAD is still running replaces the
 *    pending one when its sequence number is newer (the BA answers the
 *    newest), cancels it when it is a de-registration (133), and gets 135
 *    when older.
 *  - L = 1 (home prefix /64 only): the derived link-local address is
 *    probed and defended too (HA-02, HA-06).
 *  - prefix_valid_s is the valid lifetime the home prefix keeps being
 *    advertised with, i.e. the remaining lifetime at any BU, until a
 *    Router Advertisement on the home link describes that prefix. Home
 *    addresses on any prefix the home link advertises are served too
 *    (HA-01), each binding within its own prefix's lifetime (HA-03).
 *  - Every packet ha_input_mh() drops raises M6_EV_DROP with its reason.
 *    ha_input_tunnel() raises no DROP: it returns the reason for the caller
 *    to report (M6_E_TUNNEL_SRC, M6_E_FORMER_COA for the guard,
 *    M6_E_TUNNEL_INNER, or the walker's fault).
 */
#ifndef MIP6SEC_HA_H
#define MIP6SEC_HA_H

#include "bcache.h"
#include "mip6.h"

struct ip6_walk;
struct ipsec_sa;

struct ha_cfg {
	uint8_t addr[16];             /* the HA's address on the home link */
	uint8_t prefix[16];           /* home prefix */
	unsigned plen;
	uint32_t prefix_valid_s;      /* remaining valid lifetime of the prefix (HA-03); 0 = infinite */
	uint32_t max_lifetime_s;      /* upper bound for granted lifetimes; 0 = none */
	bool persistent_bc;           /* OPT-05: no BRA when the cache survives reboots */
	uint32_t bra_interval_s;      /* Binding Refresh Advice; 0 = none */
	bool k_capable;               /* HA-04: dynamic keying that can move its endpoint */
	uint32_t dad_timeout_ms;      /* DAD wait (default 1000) */
	size_t max_dad;               /* first registrations under DAD at once (0: max_bindings, at most 4096) */
	size_t max_bindings;          /* binding cache capacity */
	uint8_t mac[6];               /* link-layer address for proxy NA (TLLA) */
	uint16_t preference;          /* Home Agent Preference (7.4, 8.4) */
	uint16_t ha_lifetime_s;       /* Home Agent Lifetime; 0 = the Router Lifetime */
	bool mpd_disabled;            /* no Mobile Prefix Advertisements (8.4: configurable) */
	uint32_t mpa_min_interval_s;  /* MinMobPfxAdvInterval; 0 = 600 (13) */
	uint32_t mpa_max_interval_s;  /* MaxMobPfxAdvInterval; 0 = 86400 (13) */
};

struct ha;

struct ha *ha_new(const struct ha_cfg *cfg, const struct mip6_io *io);
void ha_free(struct ha *ha);
/* As mn_set_km_fixed(): the BA's K needs cfg.k_capable and a key manager
 * that can follow the mobile node (HA-04, INT-03). */
void ha_set_km_fixed(struct ha *ha, bool fixed);
void ha_input_mh(struct ha *ha, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		 const struct ipsec_sa *sa, uint64_t now);
/* A packet whose destination is a home address this HA serves: tunnel it
 * to the primary care-of address and return true, or false (no binding).
 * One for the link-local address of a mobile node whose binding has L = 1
 * is discarded with an ICMPv6 Destination Unreachable code 3 to its source
 * (HA-07): true as well, the caller must not forward it. */
bool ha_intercept(struct ha *ha, const uint8_t *pkt, size_t len, uint64_t now);
/* The care-of address of a registered home address (a valid home
 * registration), or NULL: where the HA's own packets to it go. The
 * pointer is valid until the binding cache changes. */
const uint8_t *ha_bound_coa(struct ha *ha, const uint8_t hoa[16]);
/* The home agent address (the tunnel's end at the HA). */
const uint8_t *ha_address(const struct ha *ha);
/* An IPv6-in-IPv6 packet addressed to the HA: 0..len = offset of the inner
 * packet to forward, or a negative drop reason. With sa != NULL (an ESP
 * tunnel SA) the outer source is not checked, and a packet that is no
 * longer IPv6-in-IPv6 (the SA already removed the outer header) gives 0. */
int ha_input_tunnel(struct ha *ha, const uint8_t *pkt, size_t len, const struct ipsec_sa *sa, uint64_t now);
/* Neighbor Solicitation / Advertisement seen on the home link (ICMPv6 135/136). */
void ha_input_nd(struct ha *ha, const uint8_t *pkt, size_t len, uint64_t now);
/* A Router Advertisement heard on the home link: the Home Agents List
 * (10.5.1) and the home link's prefixes (10.6.1). */
void ha_input_ra(struct ha *ha, const uint8_t *pkt, size_t len, const struct ip6_walk *w, uint64_t now);
/* ICMPv6 for the home agent role: Home Agent Address Discovery Requests to
 * the Home-Agents anycast address (144) and Mobile Prefix Solicitations
 * (146, only under IPsec: sa != NULL). Anything else is ignored. */
void ha_input_icmp(struct ha *ha, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		   const struct ipsec_sa *sa, uint64_t now);
/* Is addr the Home-Agents anycast address of one of the home prefixes? */
bool ha_is_anycast(const struct ha *ha, const uint8_t addr[16]);
/* Our own Router Advertisement on the home link (ra: its ICMPv6 body of
 * len octets, room for cap): the R bit and if_addr in the Prefix
 * Information option of a home prefix (7.2: MUST), and a Home Agent
 * Information option unless preference and lifetime are the defaults
 * (7.4). A home prefix the link has described since (another router's
 * advertisement, a renumbering) goes out with what is left of the
 * lifetimes the link gave it. Returns the new length; the caller redoes
 * the checksum. */
size_t ha_ra_extend(const struct ha *ha, const uint8_t if_addr[16], uint8_t *ra, size_t len, size_t cap,
		    uint64_t now);
uint64_t ha_next_expiry(const struct ha *ha);
void ha_on_timer(struct ha *ha, uint64_t now);
struct bcache *ha_bcache(struct ha *ha);

#endif
