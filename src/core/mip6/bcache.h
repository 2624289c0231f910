/*
 * bcache — the binding cache (RFC 6275 9.1) of a home agent or
 * correspondent node.
 *
 * Contract: entries are keyed by home address and found in O(1) (hash over
 * a table sized at creation; no allocation after bcache_new). An entry
 * deleted by a de-registration may be kept, marked invalid, for
 * MAX_DELETE_BCE_TIMEOUT so a delayed BU still gets status 135 (HA-05).
 * Home registrations are never evicted before their lifetime ends (HA-04);
 * when the table is full a new binding fails with M6_E_FULL (BA 130).
 * bcache_expire() removes what has expired and reports each removal.
 */
#ifndef BCACHE_H
#define BCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bce {
	uint8_t hoa[16];
	uint8_t coa[16];          /* primary care-of address */
	uint8_t last_coa[16];     /* the last care-of address seen, kept after deletion */
	uint16_t seq;             /* last accepted sequence number (BU-02) */
	bool home_reg;            /* H flag of the registration */
	bool valid;               /* false: deleted, kept only for seq checks */
	bool in_use;
	uint64_t expires;         /* ns */
	uint32_t lifetime_s;      /* granted */
	uint32_t pad_id;          /* peer authorised for this home address (HA) */
	uint32_t user;            /* free for the owning engine */
};

struct bcache;

struct bcache *bcache_new(size_t capacity);
void bcache_free(struct bcache *bc);
struct bce *bcache_lookup(struct bcache *bc, const uint8_t hoa[16]);
/* Existing entry for hoa or a fresh zeroed one (in_use set); NULL + M6_E_FULL. */
struct bce *bcache_get_or_add(struct bcache *bc, const uint8_t hoa[16], int *err);
void bcache_remove(struct bcache *bc, struct bce *e);
size_t bcache_count(const struct bcache *bc);
uint64_t bcache_next_expiry(const struct bcache *bc);
/* Remove expired entries (calling cb for each before removal). */
void bcache_expire(struct bcache *bc, uint64_t now, void (*cb)(void *ctx, struct bce *e), void *ctx);
/* Iterate: i = 0 .. capacity-1, NULL for free slots. */
struct bce *bcache_slot(struct bcache *bc, size_t i);
size_t bcache_capacity(const struct bcache *bc);

#endif
