/*
 * sa — one IPsec Security Association (RFC 4301 4.4.2) as the SAD keeps it.
 *
 * Contract: an SA is one direction. It carries its own protection model
 * (the SPI finds the SA, the SA says how Mobile IPv6 addresses are
 * treated), its traffic selectors for the post-decryption check, the PAD
 * entry of its peer for the Home Address post-check, lifetimes in time,
 * bytes and packets (soft and hard, SAD-03), the 64-bit counter that never
 * wraps (ESP-01), the replay window and the crypto transform. An SA whose
 * hard lifetime has passed is never used.
 */
#ifndef MIP6SEC_SA_H
#define MIP6SEC_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "../crypto/m6_xform.h"
#include "replay.h"
#include "spd.h"

enum sa_model {
	SA_MODEL_NORMALISE = 0,   /* RFC 3776: HAO/RH2 addresses stand in for src/dst */
	SA_MODEL_TRUE_ADDR = 1,   /* wire addresses + HAO post-check (RFC 4877 style) */
};

enum sa_mode { SA_TRANSPORT = 0, SA_TUNNEL = 1 };

struct sa_lifetime {
	uint64_t soft_ns, hard_ns;          /* after installation; 0 = none */
	uint64_t soft_bytes, hard_bytes;
	uint64_t soft_packets, hard_packets;
};

enum sa_state { SA_LARVAL = 0, SA_MATURE, SA_SOFT_EXPIRED, SA_DEAD };

/* Small fields first and packed: a home agent holds two SAs per mobile
 * node. The lifetimes are apart: most SAs (manual keys) have none. */
struct ipsec_sa {
	uint32_t spi;
	uint8_t proto;                      /* 50 ESP, 51 AH */
	uint8_t mode;                       /* enum sa_mode */
	uint8_t model;                      /* enum sa_model */
	bool inbound;
	bool esn;
	bool manual;                        /* manually keyed (ALG-02, ESP-02) */
	bool replay_on;                     /* anti-replay enabled */
	/* RFC 3776 4.3, RFC 4877 4.3: a tunnel-mode SA whose mobile-node
	 * endpoint is the care-of address of the current binding (set by the
	 * node on an accepted BU, or right after the mobile node sends one).
	 * While unbound the SA carries nothing and its policy selects no
	 * traffic, so a mobile node at home is not held to it. */
	bool follow_binding;
	bool bound;
	uint8_t state;                      /* enum sa_state */
	uint16_t encap_sport, encap_dport;  /* RFC 3948 UDP encapsulation, 0 = none */
	uint8_t src[16], dst[16];           /* SA endpoints: tunnel outer or transport peer */
	uint32_t pad_id;                    /* peer's PAD entry (0 = none) */
	uint32_t spd_id;                    /* the policy that asked for it */
	struct spd_sel ts;                  /* traffic selectors (local/remote from this node) */
	/* NULL: no limit. An SA given to sad_add() may point to the caller's
	 * (copied there); an installed SA's points to the SAD's own copy,
	 * made only when a limit is set. Read through sa_life(). */
	const struct sa_lifetime *life;
	uint64_t added_ns;
	uint64_t seq;                       /* outbound: last sequence number sent */
	uint64_t bytes, packets;
	struct replay_window replay;        /* inbound */
	struct m6_xform xf;
};

/* An SA's lifetimes: all zero (none) when it has no limits. */
static inline const struct sa_lifetime *sa_life(const struct ipsec_sa *sa)
{
	static const struct sa_lifetime none;
	return sa->life ? sa->life : &none;
}

#endif
