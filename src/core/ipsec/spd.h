/*
 * spd — the Security Policy Database (RFC 4301 4.4.1).
 *
 * Contract: an ordered list of entries (lower `order` wins; ties keep
 * insertion order) with actions PROTECT / BYPASS / DISCARD and selectors:
 * local and remote address ranges, next-layer protocol, port ranges (ANY =
 * 0..65535, OPAQUE = 65535..0), whose meaning for ICMPv6 and MH follows
 * flow.h (SPD-02), and an interface (0 = any). spd_lookup() returns the
 * first matching entry, or NULL, which callers treat as the final
 * discard-all (SPD-01). Lookup does not allocate and stays fast as the SPD
 * grows (an index over exact and prefix address selectors); it always gives
 * the answer of the ordered linear scan spd_lookup_linear(), which is kept
 * as the reference (SPD-03). Entries are added and removed at configuration
 * time (these may allocate).
 *
 * Matching (spd_sel_match): addresses are inclusive ranges compared as
 * 128-bit big-endian numbers; proto is exact or SPD_PROTO_ANY; each port
 * range is ANY (matches every flow, opaque ones too), OPAQUE (matches only
 * a flow whose ports are unavailable, flow.opaque) or a range lo <= v <= hi
 * (never matches an opaque flow, SPD-04); ifindex 0 matches any interface.
 * spd_add() refuses lo > hi except the exact OPAQUE form.
 *
 * Complexity. The index is a tuple-space search per direction: entries whose
 * two address ranges are both CIDR prefixes are grouped by (local prefix
 * length, remote prefix length); each group hashes its entries by the
 * (local, remote) prefixes (open addressing, each slot one word: a tag of
 * the key hash and the entry's address).
 * Entries with a non-prefix range sit in a rank-sorted list (rank: order,
 * then insertion). spd_lookup() costs one hash probe per group, stopping at
 * the first group whose best rank cannot beat the match already found, plus
 * a scan of the non-prefix list up to that rank: O(G + C + R) for G groups,
 * C entries sharing a key and R non-prefix entries, independent of the
 * number of host (/128) entries. A direction of at most 8 entries is not indexed
 * (a scan of so few is as fast, and a mobile node's SPD stays small); its
 * index is built when it grows past that. spd_lookup_linear() is O(n).
 * spd_add() and spd_remove() are O(n) (ordered array insertion); spd_get()
 * O(log n).
 */
#ifndef MIP6SEC_SPD_H
#define MIP6SEC_SPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

enum spd_action { SPD_DISCARD = 0, SPD_BYPASS, SPD_PROTECT };
enum spd_dir { SPD_OUT = 0, SPD_IN };

#define SPD_PROTO_ANY 256
#define SPD_NAME_MAX 64

struct spd_range16 { uint16_t lo, hi; };

#define SPD_PORT_ANY ((struct spd_range16){ 0, 0xffff })
#define SPD_PORT_OPAQUE ((struct spd_range16){ 0xffff, 0 })

/* ICMPv6 type/code range as the 16-bit selector (SPD-02, 4877-06). */
static inline struct spd_range16 spd_range_icmp(uint8_t ts, uint8_t cs, uint8_t te, uint8_t ce)
{
	return (struct spd_range16){ (uint16_t)(ts << 8 | cs), (uint16_t)(te << 8 | ce) };
}

/* MH types lo..hi in the high byte (RFC 4877 7.2.1). */
static inline struct spd_range16 spd_range_mh(uint8_t lo, uint8_t hi)
{
	return (struct spd_range16){ (uint16_t)(lo << 8), (uint16_t)(hi << 8) };
}

/* Field order matters: in an SPD entry, everything but the upper bounds of
 * the address ranges shares the entry's first cache line (spd.c). */
struct spd_sel {
	uint16_t proto;                 /* 0..255 or SPD_PROTO_ANY */
	struct spd_range16 lport, rport;
	uint32_t ifindex;               /* 0 = any interface */
	uint8_t local_lo[16], remote_lo[16];
	uint8_t local_hi[16], remote_hi[16];
};

/* Tunnel endpoints of an SA a key manager makes for an entry. */
struct spd_tunnel {
	uint8_t local[16], remote[16];
};

/* What to build for a PROTECT entry (the SA template). */
struct spd_protect {
	uint8_t ipsec_proto;            /* 50 ESP or 51 AH */
	uint8_t mode;                   /* 0 transport, 1 tunnel */
	uint8_t model;                  /* see sa.h: enum sa_model */
	/* a template for many peers (a home agent's one BA policy for all its
	 * mobile nodes): each peer has its own SAs, whose remote selector is
	 * that one address, and an outbound packet takes the SA of its remote
	 * address (sad_lookup_out_peer) instead of the policy's only SA;
	 * transport mode only (spd_add refuses it with tunnel mode) */
	bool per_peer;
	/* NULL: none (most entries). spd_add() keeps its own copy, stored
	 * with the entry, when one is given with an endpoint set. */
	const struct spd_tunnel *tunnel;
};

/* The first 64 octets (id .. sel.remote_lo) are what spd_lookup() compares
 * and what its caller reads first: one cache line. */
struct spd_entry {
	uint32_t id;                    /* assigned by spd_add, > 0 */
	uint32_t order;
	uint8_t dir;                    /* enum spd_dir */
	uint8_t action;                 /* enum spd_action */
	struct spd_sel sel;
	struct spd_protect protect;
	uint64_t hits;                  /* packets matched (statistics) */
	/* optional: the peer identity (4877-07), at most SPD_NAME_MAX - 1
	 * characters. NULL or "" for none; spd_add() keeps its own copy (an
	 * entry stored holds "" rather than NULL). */
	const char *name;
};

struct spd;

struct spd *spd_new(void);
/* Drops one holder (spd_share); the last one frees the SPD. */
void spd_free(struct spd *s);
/* One more holder of s, which it returns: nodes with the same policies
 * (a simulator's mobile nodes) keep one SPD instead of a copy each. A
 * shared SPD is read-only: while it has more than one holder spd_add()
 * and spd_remove() refuse it (M6_E_INVAL), since a change would reach
 * every holder; its hits count every holder's packets together. */
struct spd *spd_share(struct spd *s);
bool spd_shared(const struct spd *s);
/* Copies e (its id and hits are ignored: ids increase, hits start at 0);
 * returns the new id (> 0), M6_E_INVAL for a malformed entry, M6_E_FULL
 * when ids are exhausted, M6_E_NOMEM when memory runs out or the allocator
 * gives an address above 2^48, which an index slot cannot hold (SPD
 * unchanged). */
int spd_add(struct spd *s, const struct spd_entry *e);
/* 0, M6_E_NOTFOUND, or M6_E_INVAL for a shared SPD. */
int spd_remove(struct spd *s, uint32_t id);
/* Entries in both directions. */
size_t spd_count(const struct spd *s);
size_t spd_count_dir(const struct spd *s, enum spd_dir dir);
const struct spd_entry *spd_get(const struct spd *s, uint32_t id);
/* Iterate in order: i = 0 .. spd_count_dir(s, dir)-1; NULL past the end. */
const struct spd_entry *spd_at(const struct spd *s, enum spd_dir dir, size_t i);

const struct spd_entry *spd_lookup(struct spd *s, enum spd_dir dir, const struct ipsec_flow *f);
const struct spd_entry *spd_lookup_linear(const struct spd *s, enum spd_dir dir, const struct ipsec_flow *f);
/* Does a selector match a flow (used for the post-decryption check too). */
bool spd_sel_match(const struct spd_sel *sel, const struct ipsec_flow *f);

/* Helpers to fill selectors: everything ANY; an address prefix as a range
 * (M6_E_INVAL when plen > 128). */
void spd_sel_any(struct spd_sel *sel);
int spd_sel_prefix(uint8_t lo[16], uint8_t hi[16], const uint8_t addr[16], unsigned plen);

#endif
