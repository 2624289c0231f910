/*
 * bcache — binding cache over a pool allocated by bcache_new().
 *
 * Index: open addressing with linear probing, at most half full, holding a
 * 32-bit hash and the slot, so most misses (home addresses we do not know)
 * are decided inside the index without touching an entry. Removal shifts
 * the probe run back instead of leaving markers, so lookups never slow
 * down with churn. The hash is SipHash-1-3 under a per-cache key: home
 * addresses come from peers (any host can make a correspondent cache one
 * after return routability), so a fixed hash would let them build
 * colliding runs.
 *
 * Expiry: a 4-ary min-heap of (expires, slot) whose sibling groups each
 * fill one cache line, so a refresh that moves an entry to the far end
 * touches half the lines a binary heap would. The header lets engines
 * write e->expires directly, so the heap keeps a copy of each key; the
 * last BC_RECENT entries handed out are remembered with the expiry they
 * had then and brought into the heap if it changed, when they leave that
 * ring and before the heap is read (next_expiry, expire). A plain lookup
 * thus never touches the heap. bcache_set_expiry() is the immediate form.
 */
#include "bcache.h"

#include <stdlib.h>
#include <string.h>

#include "mip6.h"
#include "../util/m6_err.h"

#define BC_CAP_MAX (1u << 28)
#define BC_RECENT 8
#define BC_NONE UINT32_MAX
#define BC_ARITY 4
#define BC_HEAP_PAD 3          /* children 4i+1..4i+4 start on a 64-octet line */

struct bc_ix {
	uint32_t hash;
	uint32_t slot;        /* slot + 1; 0 = empty */
};

struct bc_heap {
	uint64_t key;         /* expires as last seen by the heap */
	uint32_t slot;
};

struct bcache {
	size_t cap, count;
	struct bce *ents;
	uint32_t *hpos;       /* heap position of each slot in use; free list link otherwise */
	struct bc_heap *heap;
	void *heap_mem;
	struct bc_ix *ix;
	size_t nix;           /* 2 * cap: the index is at most half full */
	uint32_t free_head;
	struct bc_heap recent[BC_RECENT];   /* slot handed out, its expires then */
	unsigned recent_next;
	uint64_t k0, k1;
};

/* ---- SipHash-1-3 of a 16-octet address ---- */

static inline uint64_t rotl(uint64_t x, int b) { return x << b | x >> (64 - b); }

#define SIPROUND                                                         \
	do {                                                             \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                   \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                   \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
	} while (0)

/* Host order: the hash only has to be consistent within this process. */
static inline uint64_t ld64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint64_t sip13(uint64_t k0, uint64_t k1, const uint8_t a[16])
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m[3] = { ld64(a), ld64(a + 8), (uint64_t)16 << 56 };
	for (int i = 0; i < 3; i++) {
		v3 ^= m[i];
		SIPROUND;
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static inline uint32_t addr_hash(const struct bcache *bc, const uint8_t a[16])
{
	return (uint32_t)sip13(bc->k0, bc->k1, a);
}

/* ---- heap ---- */

static void heap_place(struct bcache *bc, size_t i, struct bc_heap h)
{
	bc->heap[i] = h;
	bc->hpos[h.slot] = (uint32_t)i;
}

static void heap_up(struct bcache *bc, size_t i)
{
	struct bc_heap h = bc->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / BC_ARITY;
		if (bc->heap[p].key <= h.key)
			break;
		heap_place(bc, i, bc->heap[p]);
		i = p;
	}
	heap_place(bc, i, h);
}

static void heap_down(struct bcache *bc, size_t i)
{
	struct bc_heap h = bc->heap[i];
	size_t n = bc->count;
	for (;;) {
		size_t c = BC_ARITY * i + 1, end = c + BC_ARITY;
		if (c >= n)
			break;
		if (end > n)
			end = n;
		size_t m = c;
		for (size_t k = c + 1; k < end; k++)
			if (bc->heap[k].key < bc->heap[m].key)
				m = k;
		if (bc->heap[m].key >= h.key)
			break;
		heap_place(bc, i, bc->heap[m]);
		i = m;
	}
	heap_place(bc, i, h);
}

/* Re-sort one slot after its expiry may have changed. */
static void heap_fix(struct bcache *bc, uint32_t slot)
{
	size_t i = bc->hpos[slot];
	uint64_t old = bc->heap[i].key, now = bc->ents[slot].expires;
	if (old == now)
		return;
	bc->heap[i].key = now;
	if (now < old)
		heap_up(bc, i);
	else
		heap_down(bc, i);
}

/* Call with count already reduced: the old last element sits at index count. */
static void heap_del(struct bcache *bc, uint32_t slot)
{
	size_t i = bc->hpos[slot], last = bc->count;
	if (i == last)
		return;
	heap_place(bc, i, bc->heap[last]);
	if (i > 0 && bc->heap[(i - 1) / BC_ARITY].key > bc->heap[i].key)
		heap_up(bc, i);
	else
		heap_down(bc, i);
}

/* Entries handed out recently may have had expires written directly. */
static void recent_check(struct bcache *bc, const struct bc_heap *r)
{
	if (r->slot != BC_NONE && bc->ents[r->slot].in_use && bc->ents[r->slot].expires != r->key)
		heap_fix(bc, r->slot);
}

static void reconcile(struct bcache *bc)
{
	for (unsigned i = 0; i < BC_RECENT; i++) {
		struct bc_heap *r = &bc->recent[i];
		if (r->slot != BC_NONE && bc->ents[r->slot].in_use)
			heap_fix(bc, r->slot);
		r->key = r->slot != BC_NONE ? bc->ents[r->slot].expires : 0;
	}
}

static struct bce *hand_out(struct bcache *bc, uint32_t slot)
{
	struct bc_heap *r = &bc->recent[bc->recent_next];
	recent_check(bc, r);
	r->slot = slot;
	r->key = bc->ents[slot].expires;
	bc->recent_next = (bc->recent_next + 1) % BC_RECENT;
	return &bc->ents[slot];
}

/* ---- index ---- */

/* The hash onto 0 .. nix-1 by multiplying (Lemire's reduction): the index
 * is sized to exactly twice the capacity, not to the next power of two. */
static inline size_t ix_home(const struct bcache *bc, uint32_t h)
{
	return (size_t)((uint64_t)h * bc->nix >> 32);
}

static inline size_t ix_next(const struct bcache *bc, size_t i)
{
	return i + 1 == bc->nix ? 0 : i + 1;
}

/* Positions from a forward to b along the (cyclic) probe order. */
static inline size_t ix_dist(const struct bcache *bc, size_t a, size_t b)
{
	return b >= a ? b - a : b + bc->nix - a;
}

/* Index position holding hoa, or of the empty cell ending its probe run. */
static size_t ix_find(const struct bcache *bc, const uint8_t hoa[16], uint32_t h, bool *found)
{
	size_t i = ix_home(bc, h);
	for (;;) {
		const struct bc_ix *x = &bc->ix[i];
		if (!x->slot) {
			*found = false;
			return i;
		}
		if (x->hash == h && !memcmp(bc->ents[x->slot - 1].hoa, hoa, 16)) {
			*found = true;
			return i;
		}
		i = ix_next(bc, i);
	}
}

static void ix_del(struct bcache *bc, size_t i)
{
	size_t j = i;
	for (;;) {
		j = ix_next(bc, j);
		if (!bc->ix[j].slot)
			break;
		size_t home = ix_home(bc, bc->ix[j].hash);
		/* move j back into the hole unless its home lies in (i, j] */
		if (ix_dist(bc, home, j) >= ix_dist(bc, i, j)) {
			bc->ix[i] = bc->ix[j];
			i = j;
		}
	}
	bc->ix[i].slot = 0;
	bc->ix[i].hash = 0;
}

static void ix_rebuild(struct bcache *bc)
{
	memset(bc->ix, 0, bc->nix * sizeof(*bc->ix));
	for (size_t s = 0; s < bc->cap; s++) {
		if (!bc->ents[s].in_use)
			continue;
		bool found;
		uint32_t h = addr_hash(bc, bc->ents[s].hoa);
		size_t i = ix_find(bc, bc->ents[s].hoa, h, &found);
		bc->ix[i].hash = h;
		bc->ix[i].slot = (uint32_t)s + 1;
	}
}

/* ---- API ---- */

struct bcache *bcache_new(size_t capacity)
{
	if (capacity == 0 || capacity > BC_CAP_MAX)
		return NULL;
	struct bcache *bc = calloc(1, sizeof(*bc));
	if (!bc)
		return NULL;
	bc->cap = capacity;
	size_t nix = capacity * 2;
	bc->nix = nix;
	/* line-aligned: an entry's first 32 octets then straddle two lines
	 * only in one entry of four */
	size_t esz = (capacity * sizeof(*bc->ents) + 63) / 64 * 64;
	if ((bc->ents = aligned_alloc(64, esz)))
		memset(bc->ents, 0, esz);
	bc->hpos = calloc(capacity, sizeof(*bc->hpos));
	bc->heap_mem = aligned_alloc(64, ((capacity + BC_HEAP_PAD) * sizeof(*bc->heap) + 63) / 64 * 64);
	bc->heap = bc->heap_mem ? (struct bc_heap *)bc->heap_mem + BC_HEAP_PAD : NULL;
	bc->ix = calloc(nix, sizeof(*bc->ix));
	if (!bc->ents || !bc->hpos || !bc->heap || !bc->ix) {
		bcache_free(bc);
		return NULL;
	}
	for (size_t s = 0; s < capacity; s++)
		bc->hpos[s] = s + 1 < capacity ? (uint32_t)(s + 1) : BC_NONE;
	bc->free_head = 0;
	for (unsigned i = 0; i < BC_RECENT; i++)
		bc->recent[i].slot = BC_NONE;
	/* a public default: fine where peers cannot pick the addresses (the HA
	 * only caches authenticated home addresses in its prefix); others key it */
	bc->k0 = 0x0706050403020100ULL;
	bc->k1 = 0x0f0e0d0c0b0a0908ULL;
	return bc;
}

void bcache_free(struct bcache *bc)
{
	if (!bc)
		return;
	free(bc->ents);
	free(bc->hpos);
	free(bc->heap_mem);
	free(bc->ix);
	free(bc);
}

void bcache_set_key(struct bcache *bc, const uint8_t key[16])
{
	bc->k0 = ld64(key);
	bc->k1 = ld64(key + 8);
	ix_rebuild(bc);
}

struct bce *bcache_lookup(struct bcache *bc, const uint8_t hoa[16])
{
	bool found;
	size_t i = ix_find(bc, hoa, addr_hash(bc, hoa), &found);
	return found ? hand_out(bc, bc->ix[i].slot - 1) : NULL;
}

struct bce *bcache_get_or_add(struct bcache *bc, const uint8_t hoa[16], int *err)
{
	bool found;
	uint32_t h = addr_hash(bc, hoa);
	size_t i = ix_find(bc, hoa, h, &found);
	if (err)
		*err = 0;
	if (found)
		return hand_out(bc, bc->ix[i].slot - 1);
	if (bc->count == bc->cap) {
		if (err)
			*err = M6_E_FULL;
		return NULL;
	}
	uint32_t s = bc->free_head;
	bc->free_head = bc->hpos[s];
	struct bce *e = &bc->ents[s];
	memset(e, 0, sizeof(*e));
	memcpy(e->hoa, hoa, 16);
	e->in_use = true;
	bc->ix[i].hash = h;
	bc->ix[i].slot = s + 1;
	bc->count++;
	heap_place(bc, bc->count - 1, (struct bc_heap){ .key = 0, .slot = s });
	heap_up(bc, bc->count - 1);
	return hand_out(bc, s);
}

static bool owns(const struct bcache *bc, const struct bce *e)
{
	return e >= bc->ents && e < bc->ents + bc->cap && e->in_use;
}

void bcache_remove(struct bcache *bc, struct bce *e)
{
	if (!owns(bc, e))
		return;
	uint32_t s = (uint32_t)(e - bc->ents);
	bool found;
	size_t i = ix_find(bc, e->hoa, addr_hash(bc, e->hoa), &found);
	if (found)
		ix_del(bc, i);
	bc->count--;
	heap_del(bc, s);
	memset(e, 0, sizeof(*e));
	bc->hpos[s] = bc->free_head;
	bc->free_head = s;
}

void bcache_set_expiry(struct bcache *bc, struct bce *e, uint64_t expires)
{
	if (!owns(bc, e))
		return;
	e->expires = expires;
	heap_fix(bc, (uint32_t)(e - bc->ents));
}

size_t bcache_count(const struct bcache *bc)
{
	return bc->count;
}

uint64_t bcache_next_expiry(const struct bcache *bc)
{
	/* Logically const: bringing direct writes into the heap changes no
	 * observable state, and every cache is allocated writable. */
	struct bcache *w = (struct bcache *)bc;
	reconcile(w);
	return bc->count ? bc->heap[0].key : MIP6_NEVER;
}

void bcache_expire(struct bcache *bc, uint64_t now, void (*cb)(void *ctx, struct bce *e), void *ctx)
{
	reconcile(bc);
	while (bc->count && bc->heap[0].key <= now) {
		uint32_t s = bc->heap[0].slot;
		struct bce *e = &bc->ents[s];
		if (e->expires != bc->heap[0].key) {
			heap_fix(bc, s);
			continue;
		}
		if (cb) {
			cb(ctx, e);
			if (!e->in_use)
				continue;              /* the callback removed it */
			if (e->expires > now) {
				heap_fix(bc, s);       /* the callback kept it */
				continue;
			}
		}
		bcache_remove(bc, e);
	}
}

struct bce *bcache_slot(struct bcache *bc, size_t i)
{
	if (i >= bc->cap || !bc->ents[i].in_use)
		return NULL;
	return hand_out(bc, (uint32_t)i);
}

size_t bcache_capacity(const struct bcache *bc)
{
	return bc->cap;
}
