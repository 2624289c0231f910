/*
 * ha_int — what the files of the home agent engine share: its state and
 * the helpers one concern calls in another. Not part of the API (ha.h is).
 *
 *   ha.c       home registrations, DAD and proxy ND, tunnelling, timers;
 *   ha_disc.c  the home link as other routers describe it (home agents
 *              list, home prefixes), dynamic home agent address discovery
 *              and mobile prefix advertisements (RFC 6275 10.5, 10.6).
 */
#ifndef MIP6SEC_HA_INT_H
#define MIP6SEC_HA_INT_H

#include <string.h>

#include "ha.h"
#include "../pkt/ip6.h"

#define HA_U_DAD 0x00ffffffu             /* bce.user: DAD queue index + 1 */
#define HA_U_MPA 0x40000000u             /* bce.user: an unsolicited MPA is pending */
#define HA_U_L 0x80000000u               /* bce.user: link-local defended too */

/* Error messages (Binding Error, ICMPv6) are rate-limited like ICMPv6
 * (RFC 4443 2.4f, RFC 6275 9.3.3): one per second per destination, and at
 * most 100/s with bursts of 10 overall, so a spray of sources cannot turn
 * the HA into a reflector. Mobile Prefix Advertisements have a table of
 * their own: at most one a second to any mobile node (6.8). */
#define HA_RL_SLOTS 64
#define HA_RL_DST_NS (1000 * MIP6_NS_PER_MS)
#define HA_RL_ALL_NS (10 * MIP6_NS_PER_MS)
#define HA_RL_ALL_BURST_NS (100 * MIP6_NS_PER_MS)

#define HA_BUF_LEN (IP6_HDR_LEN + 65535)

#define HA_PEERS_MAX 8                   /* other home agents on the home link */
#define HA_PEER_ADDRS 2                  /* global addresses kept per home agent */
#define HA_PFX_MAX 8                     /* home link prefixes */

struct ha_dad {
	struct bce *e;
	uint64_t deadline;
	uint8_t coa[16];
	uint8_t dst[16];                 /* where the BA goes: the BU's wire source */
	bool rh2;                        /* BU had a HAO: the BA carries an RH2 */
	bool live;                       /* false once completed or cancelled */
	uint16_t seq, flags, lifetime;   /* of the latest BU (lifetime in 4 s units) */
};

struct ha_rl {
	uint8_t addr[16];
	uint64_t tat;                    /* GCRA theoretical arrival time */
	bool used;
};

/* An entry of the Home Agents List (10.1, 10.5.1), keyed by the source of
 * that home agent's Router Advertisements. */
struct ha_peer {
	bool used;
	uint8_t src[16];
	uint8_t addr[HA_PEER_ADDRS][16]; /* from Prefix Information with R */
	unsigned n_addr;
	uint16_t pref;
	uint64_t expires;
};

/* A prefix of the home link (10.6.1). The configured one holds the
 * ha_cfg values until a Router Advertisement on the link says otherwise. */
struct ha_pfx {
	bool used, configured;
	bool heard;                      /* a Router Advertisement described it */
	uint8_t prefix[16];
	unsigned plen;
	uint8_t flags;                   /* L, A as advertised */
	uint32_t adv_valid_s, adv_pref_s;   /* as last advertised (a change is news) */
	uint64_t valid_until, pref_until;   /* MIP6_NEVER: infinite */
};

/* An unsolicited Mobile Prefix Advertisement to send (10.6.2). */
struct ha_mpa {
	uint8_t hoa[16];
	uint64_t at;
	uint32_t timeout_s;
	uint8_t tries;
};

struct ha {
	struct ha_cfg cfg;
	bool km_fixed;                  /* the key manager cannot move its endpoint */
	struct mip6_io io;
	struct bcache *bc;
	struct bcache *former;
	struct ha_dad *dad;
	unsigned dad_cap, dad_head, dad_n;
	struct ha_rl rl[HA_RL_SLOTS];
	uint64_t rl_all;
	uint64_t rl_k;
	struct ha_rl mpa_rl[HA_RL_SLOTS];
	struct ha_peer peers[HA_PEERS_MAX];
	struct ha_pfx pfx[HA_PFX_MAX];
	struct ha_mpa *mpa;              /* min-heap on `at`, grown on a prefix change */
	size_t mpa_n, mpa_cap;
	uint8_t *buf;
};

/* A unicast address (BA-01, MH-09: never answer a multicast or :: source). */
static inline bool ha_is_unicast(const uint8_t a[16])
{
	static const uint8_t unspec[16];
	return !ip6_addr_is_multicast(a) && memcmp(a, unspec, 16) != 0;
}

/* ---- ha.c ---- */
void ha_emit(struct ha *ha, enum m6_ev_type t, const uint8_t *peer, const uint8_t *addr, int32_t code,
	     uint32_t u32, const char *text);
void ha_drop(struct ha *ha, int reason, const uint8_t *peer, const char *text);
void ha_send(struct ha *ha, const uint8_t *pkt, size_t len);
/* Another error message to dst now? (the error-message rate limit) */
bool ha_rl_allow(struct ha *ha, struct ha_rl *tab, const uint8_t dst[16], uint64_t interval_ns, bool overall,
		 uint64_t now);

/* ---- ha_disc.c ---- */
void ha_disc_init(struct ha *ha);
void ha_disc_free(struct ha *ha);
/* The home prefix holding addr: its remaining valid lifetime in seconds
 * (UINT32_MAX: infinite), or false when addr is on none of them (HA-01). */
bool ha_prefix_left(const struct ha *ha, const uint8_t addr[16], uint64_t now, uint32_t *left_s);
/* The i-th home prefix of length 64 that is still valid (for ND on the
 * derived link-local addresses), false past the last. */
bool ha_prefix64(const struct ha *ha, unsigned i, uint64_t now, uint8_t prefix[16]);
uint64_t ha_disc_next_expiry(const struct ha *ha);
void ha_disc_on_timer(struct ha *ha, uint64_t now);

#endif
