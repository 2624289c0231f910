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
 * Lookups are O(1); bcache_next_expiry() O(1) (O(log n) after direct
 * writes of expires), bcache_expire() O(log n) per entry.
 *
 * hoa and in_use belong to the cache. expires may be written directly on
 * an entry returned by lookup/get_or_add/slot before 8 further entries are
 * handed out (the cache re-reads the last 8 it handed out);
 * bcache_set_expiry() is the immediate form and works for any entry. A fresh entry's expires is 0:
 * set it before the next bcache_expire(). The hash is keyed; a cache
 * whose home addresses come from peers should get a secret key from
 * bcache_set_key() (io->random) so they cannot choose colliding addresses.
 */
#ifndef MIP6SEC_BCACHE_H
#define MIP6SEC_BCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a lookup compares and every caller reads first (the key, the state,
 * the expiry) comes first: 32 octets that share a cache line in three
 * entries out of four. */
struct bce {
	uint8_t hoa[16];
	uint64_t expires;         /* ns */
	uint16_t seq;             /* last accepted sequence number (BU-02) */
	bool home_reg;            /* H flag of the registration */
	bool valid;               /* false: deleted, kept only for seq checks */
	bool in_use;
	uint8_t coa[16];          /* primary care-of address */
	uint8_t last_coa[16];     /* the last care-of address seen, kept after deletion */
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
void bcache_set_expiry(struct bcache *bc, struct bce *e, uint64_t expires);
/* 16 secret octets for the hash (rehashes what is already in the cache). */
void bcache_set_key(struct bcache *bc, const uint8_t key[16]);
size_t bcache_count(const struct bcache *bc);
uint64_t bcache_next_expiry(const struct bcache *bc);
/* Remove entries with expires <= now, calling cb (may be NULL) for each
 * first. cb may keep an entry by moving its expires past now, or remove it
 * itself; it must not add entries. */
void bcache_expire(struct bcache *bc, uint64_t now, void (*cb)(void *ctx, struct bce *e), void *ctx);
/* Iterate: i = 0 .. capacity-1, NULL for free slots. */
struct bce *bcache_slot(struct bcache *bc, size_t i);
size_t bcache_capacity(const struct bcache *bc);

#endif
