/*
 * spd — ordered Security Policy Database with a tuple-space index.
 *
 * Every entry has a rank, (order << 32 | id): ids grow with each insertion,
 * so the rank orders ties by insertion without a separate counter, and the
 * lookup compares one integer. The ordered array per direction is the
 * truth (spd_at, spd_lookup_linear); the index only speeds up finding its
 * first match and is updated with it, all allocation done before anything
 * is modified so a failed spd_add() leaves the SPD as it was.
 *
 * Memory and misses. A node is the entry itself, 64-octet aligned: its
 * first line holds id, order, action, proto, ports, interface and the lower
 * address bounds (spd.h orders the fields so), which is all a probe
 * compares for a prefix entry and all the caller reads first; a group's
 * slots hold each node's key hash beside its pointer, so a lookup in a
 * large SPD costs a line of slots and that line. A direction with at most SPD_SCAN_MAX entries (a mobile node's
 * handful) has no index at all: scanning its few nodes is as fast and
 * costs no groups or buckets; the index is built when it grows past that.
 * Arrays grow from 2 by doubling, so a small SPD is small.
 */
#include "spd.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../util/m6_err.h"

#define SPD_SLOTS_LOG2 3

/* A 128-bit address as two native words, so range tests and masking are
 * integer operations on the lookup path. */
struct u128 { uint64_t hi, lo; };

struct spd_group;

#define SPD_LINE 64
/* Directions with more entries than this are indexed. */
#define SPD_SCAN_MAX 8

/* A node is the entry, whole (callers may copy what the SPD returns):
 * two lines, the first what a probe reads. Its group is not kept in it
 * (removal finds it again from the selectors), so an indexed entry
 * without a name or tunnel endpoints takes two lines, not three. */
struct spd_node {
	struct spd_entry e;
};

_Static_assert(offsetof(struct spd_entry, sel.remote_lo) + 16 <= SPD_LINE,
	       "an entry's probe fields must fit its first cache line");

/* A group's table: open addressing, linear probing, at most half full.
 * A slot is one word: its node's address in the low 48 bits (spd_add
 * refuses a node above them, which no 64-bit Linux process gets unless it
 * asks for one) and, above them, a 15-bit tag of the node's key hash and
 * a bit saying that another entry of the group has the same key. A probe
 * follows a pointer only to a node with the tag it looks for, so a lookup
 * reads one line of slots (eight of them) and the node's first line: two
 * misses in a table far larger than the cache, where a chained bucket would
 * add a link line and a node per collision, and the table is half the size
 * a slot of hash and pointer would make it. A lookup that found its key's
 * entry stops there unless the shared bit is set, instead of reading the
 * rest of the run. Removal shifts the probe run back, so probes never
 * lengthen with churn. 0 is an empty slot. */
typedef uint64_t spd_slot_t;

#define SLOT_PTR_BITS 48
#define SLOT_PTR_MASK ((UINT64_C(1) << SLOT_PTR_BITS) - 1)
#define SLOT_SHARED (UINT64_C(1) << SLOT_PTR_BITS)

#define SPD_SLOTS_PER_LINE (SPD_LINE / sizeof(spd_slot_t))
_Static_assert(SPD_LINE % sizeof(spd_slot_t) == 0 && (1u << SPD_SLOTS_LOG2) >= SPD_LINE / sizeof(spd_slot_t),
	       "slots must tile a cache line, and a table hold at least one");

static inline struct spd_node *slot_node(spd_slot_t w)
{
	return (struct spd_node *)(uintptr_t)(w & SLOT_PTR_MASK);
}

/* The tag: the key hash's bits mixed again, so that it differs between
 * keys whose hashes share the high bits that chose their home. */
static inline uint64_t slot_tag(uint64_t fp)
{
	return (fp * UINT64_C(0x9e3779b97f4a7c15)) >> (SLOT_PTR_BITS + 1) << (SLOT_PTR_BITS + 1);
}

static inline bool slot_has_tag(spd_slot_t w, uint64_t tag)
{
	return (w & ~(SLOT_PTR_MASK | SLOT_SHARED)) == tag;
}

static inline spd_slot_t slot_make(const struct spd_node *x, uint64_t fp)
{
	return (uint64_t)(uintptr_t)x | slot_tag(fp);
}

/* A key's run starts at the first slot of the cache line its hash picks:
 * a lookup reads that line, and the next only when more than a line's
 * worth of keys landed there (rare at half load), instead of crossing into
 * the next line whenever a run starting mid-line is longer than the rest
 * of it. */
static inline size_t slot_home(uint64_t fp, unsigned shift)
{
	return (size_t)(fp >> shift) & ~(size_t)(SPD_SLOTS_PER_LINE - 1);
}

/* A table of n slots, on cache-line boundaries, zeroed. */
static spd_slot_t *slots_new(size_t n)
{
	spd_slot_t *slot = aligned_alloc(SPD_LINE, n * sizeof(*slot));
	if (slot)
		memset(slot, 0, n * sizeof(*slot));
	return slot;
}

struct spd_group {
	unsigned lplen, rplen;
	struct u128 lmask, rmask;
	uint64_t min_rank;           /* rank of its first entry: skip test */
	size_t n;
	size_t mask;                 /* slots - 1; slots = 2^(64 - shift) */
	unsigned shift;
	spd_slot_t *slot;
};

/* A direction's index, made when it grows past SPD_SCAN_MAX: the many
 * small SPDs (a mobile node's) do not carry its fields. */
struct spd_index {
	struct spd_node **ranges;    /* entries with a non-prefix range, ascending rank */
	size_t nr, capr;
	struct spd_group **groups;   /* ascending min_rank */
	size_t ng, capg;
};

struct spd_dirtab {
	struct spd_node **ord;       /* ascending rank */
	size_t n, cap;
	struct spd_index *ix;        /* NULL: not indexed */
};

struct spd {
	struct spd_dirtab d[2];
	struct spd_node **byid;      /* ascending id (ids only grow) */
	size_t nid, capid;
	uint32_t next_id;
	uint32_t sharers;            /* holders besides the first (spd_share) */
};

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline struct u128 u128_load(const uint8_t a[16])
{
	return (struct u128){ load64(a), load64(a + 8) };
}

static inline bool u128_le(struct u128 a, struct u128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo);
}

static inline bool u128_eq(struct u128 a, struct u128 b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

static inline struct u128 u128_and(struct u128 a, struct u128 m)
{
	return (struct u128){ a.hi & m.hi, a.lo & m.lo };
}

static struct u128 u128_mask(unsigned plen)
{
	struct u128 m;
	m.hi = plen >= 64 ? ~0ULL : plen == 0 ? 0 : ~0ULL << (64 - plen);
	m.lo = plen <= 64 ? 0 : ~0ULL << (128 - plen);
	return m;
}

/* Prefix length when [lo, hi] is exactly a CIDR prefix, else -1. */
static int range_plen(struct u128 lo, struct u128 hi)
{
	struct u128 x = { lo.hi ^ hi.hi, lo.lo ^ hi.lo };
	if ((lo.hi & x.hi) || (lo.lo & x.lo))
		return -1;
	if (x.hi) {
		if (x.lo != ~0ULL || (x.hi & (x.hi + 1)))
			return -1;
		return 64 - __builtin_popcountll(x.hi);
	}
	if (x.lo & (x.lo + 1))
		return -1;
	return 128 - __builtin_popcountll(x.lo);
}

/* Multiply-shift hashing: the words are multiplied by distinct odd
 * constants (so swapped or equal halves do not cancel) and the top bits of
 * a final product pick the slot, which every input bit reaches; the whole
 * product, mixed again, gives the slot's tag. Cheap enough to run once per group on
 * every lookup. */
static inline uint64_t key_hash(struct u128 l, struct u128 r)
{
	uint64_t h = l.hi ^ l.lo * 0x9e3779b97f4a7c15ULL ^ r.hi * 0xc2b2ae3d27d4eb4fULL ^ r.lo * 0x165667b19e3779f9ULL;
	return h * 0xd6e8feb86659fd93ULL;
}

static inline bool port_match(struct spd_range16 r, uint16_t v, bool opaque)
{
	if (r.lo == 0 && r.hi == 0xffff)
		return true;
	if (r.lo == 0xffff && r.hi == 0)
		return opaque;
	return !opaque && r.lo <= v && v <= r.hi;
}

/* Everything but the addresses. */
static inline bool rest_match(uint16_t proto, struct spd_range16 lport, struct spd_range16 rport, uint32_t ifindex,
			      const struct ipsec_flow *f)
{
	return (proto == SPD_PROTO_ANY || proto == f->proto) && port_match(lport, f->lport, f->opaque) &&
	       port_match(rport, f->rport, f->opaque) && (ifindex == 0 || ifindex == f->ifindex);
}

static inline bool node_rest_match(const struct spd_node *x, const struct ipsec_flow *f)
{
	const struct spd_sel *sel = &x->e.sel;
	return rest_match(sel->proto, sel->lport, sel->rport, sel->ifindex, f);
}

static inline uint64_t rank_of(const struct spd_node *x)
{
	return (uint64_t)x->e.order << 32 | x->e.id;
}

static inline struct u128 llo_of(const struct spd_node *x) { return u128_load(x->e.sel.local_lo); }
static inline struct u128 rlo_of(const struct spd_node *x) { return u128_load(x->e.sel.remote_lo); }

bool spd_sel_match(const struct spd_sel *sel, const struct ipsec_flow *f)
{
	return memcmp(sel->local_lo, f->local, 16) <= 0 && memcmp(f->local, sel->local_hi, 16) <= 0 &&
	       memcmp(sel->remote_lo, f->remote, 16) <= 0 && memcmp(f->remote, sel->remote_hi, 16) <= 0 &&
	       rest_match(sel->proto, sel->lport, sel->rport, sel->ifindex, f);
}

void spd_sel_any(struct spd_sel *sel)
{
	memset(sel, 0, sizeof(*sel));
	memset(sel->local_hi, 0xff, 16);
	memset(sel->remote_hi, 0xff, 16);
	sel->proto = SPD_PROTO_ANY;
	sel->lport = SPD_PORT_ANY;
	sel->rport = SPD_PORT_ANY;
}

int spd_sel_prefix(uint8_t lo[16], uint8_t hi[16], const uint8_t addr[16], unsigned plen)
{
	if (plen > 128)
		return M6_E_INVAL;
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
		lo[i] = addr[i] & m;
		hi[i] = addr[i] | (uint8_t)~m;
	}
	return 0;
}

struct spd *spd_new(void)
{
	struct spd *s = calloc(1, sizeof(*s));
	if (s)
		s->next_id = 1;
	return s;
}

static void index_drop(struct spd_dirtab *t)
{
	if (!t->ix)
		return;
	for (size_t i = 0; i < t->ix->ng; i++) {
		free(t->ix->groups[i]->slot);
		free(t->ix->groups[i]);
	}
	free(t->ix->groups);
	free(t->ix->ranges);
	free(t->ix);
	t->ix = NULL;
}

void spd_free(struct spd *s)
{
	if (!s)
		return;
	if (s->sharers) {
		s->sharers--;
		return;
	}
	for (int d = 0; d < 2; d++) {
		struct spd_dirtab *t = &s->d[d];
		index_drop(t);
		for (size_t i = 0; i < t->n; i++)
			free(t->ord[i]);
		free(t->ord);
	}
	free(s->byid);
	free(s);
}

struct spd *spd_share(struct spd *s)
{
	if (s)
		s->sharers++;
	return s;
}

bool spd_shared(const struct spd *s)
{
	return s && s->sharers;
}

size_t spd_count(const struct spd *s)
{
	return s->d[0].n + s->d[1].n;
}

size_t spd_count_dir(const struct spd *s, enum spd_dir dir)
{
	return dir == SPD_OUT || dir == SPD_IN ? s->d[dir].n : 0;
}

const struct spd_entry *spd_at(const struct spd *s, enum spd_dir dir, size_t i)
{
	if ((dir != SPD_OUT && dir != SPD_IN) || i >= s->d[dir].n)
		return NULL;
	return &s->d[dir].ord[i]->e;
}

static struct spd_node *find_id(const struct spd *s, uint32_t id, size_t *pos)
{
	size_t lo = 0, hi = s->nid;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->byid[mid]->e.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return lo < s->nid && s->byid[lo]->e.id == id ? s->byid[lo] : NULL;
}

const struct spd_entry *spd_get(const struct spd *s, uint32_t id)
{
	struct spd_node *n = find_id(s, id, NULL);
	return n ? &n->e : NULL;
}

/* First index in a rank-sorted array whose rank exceeds `rank`. */
static size_t rank_upper(struct spd_node *const *a, size_t n, uint64_t rank)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rank_of(a[mid]) <= rank)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t rank_find(struct spd_node *const *a, size_t n, const struct spd_node *x)
{
	size_t i = rank_upper(a, n, rank_of(x));
	/* ranks are unique (they embed the id), so x sits just before i */
	return i - 1;
}

static size_t grown(size_t cap, size_t need)
{
	size_t nc = cap ? cap * 2 : 2;
	while (nc < need)
		nc *= 2;
	return nc;
}

static int reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t nc = grown(*cap, need);
	void *p = realloc(*arr, nc * elem);
	if (!p)
		return M6_E_NOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

static void arr_insert(struct spd_node **a, size_t *n, size_t at, struct spd_node *x)
{
	memmove(a + at + 1, a + at, (*n - at) * sizeof(*a));
	a[at] = x;
	(*n)++;
}

static void arr_delete(struct spd_node **a, size_t *n, size_t at)
{
	memmove(a + at, a + at + 1, (*n - at - 1) * sizeof(*a));
	(*n)--;
}

/* ---- the index ---- */

static struct spd_group *group_find(const struct spd_dirtab *t, unsigned lp, unsigned rp)
{
	for (size_t i = 0; i < t->ix->ng; i++)
		if (t->ix->groups[i]->lplen == lp && t->ix->groups[i]->rplen == rp)
			return t->ix->groups[i];
	return NULL;
}

static struct spd_group *group_new(unsigned lp, unsigned rp)
{
	struct spd_group *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->mask = ((size_t)1 << SPD_SLOTS_LOG2) - 1;
	g->shift = 64 - SPD_SLOTS_LOG2;
	g->slot = slots_new(g->mask + 1);
	if (!g->slot) {
		free(g);
		return NULL;
	}
	g->lplen = lp;
	g->rplen = rp;
	g->lmask = u128_mask(lp);
	g->rmask = u128_mask(rp);
	g->min_rank = UINT64_MAX;
	return g;
}

static inline uint64_t node_hash(const struct spd_node *x)
{
	return key_hash(llo_of(x), rlo_of(x));
}

static void slot_put(spd_slot_t *slot, size_t mask, unsigned shift, spd_slot_t w)
{
	size_t i = slot_home(node_hash(slot_node(w)), shift);
	while (slot[i])
		i = (i + 1) & mask;
	slot[i] = w;
}

/* Room for one more entry with the table at most half full. */
static int group_reserve(struct spd_group *g)
{
	if (2 * (g->n + 1) <= g->mask + 1)
		return 0;
	size_t cap = 2 * (g->mask + 1);
	spd_slot_t *slot = slots_new(cap);
	if (!slot)
		return M6_E_NOMEM;
	for (size_t i = 0; i <= g->mask; i++)
		if (g->slot[i])
			slot_put(slot, cap - 1, g->shift - 1, g->slot[i]);
	free(g->slot);
	g->slot = slot;
	g->mask = cap - 1;
	g->shift--;
	return 0;
}

static bool same_key(const struct spd_node *a, const struct spd_node *b)
{
	return u128_eq(llo_of(a), llo_of(b)) && u128_eq(rlo_of(a), rlo_of(b));
}

/* Mark every entry of x's key in its run shared (or not), and say how many
 * there are besides x. */
static size_t key_mark(struct spd_group *g, const struct spd_node *x, uint64_t fp, bool shared)
{
	size_t others = 0;
	uint64_t tag = slot_tag(fp);
	for (size_t k = slot_home(fp, g->shift); g->slot[k]; k = (k + 1) & g->mask) {
		if (!slot_has_tag(g->slot[k], tag) || !same_key(slot_node(g->slot[k]), x))
			continue;
		g->slot[k] = (g->slot[k] & ~SLOT_SHARED) | (shared ? SLOT_SHARED : 0);
		others += slot_node(g->slot[k]) != x;
	}
	return others;
}

/* Index x in its group's table (room reserved). */
static void slot_add(struct spd_group *g, struct spd_node *x)
{
	uint64_t fp = node_hash(x);
	slot_put(g->slot, g->mask, g->shift, slot_make(x, fp));
	if (key_mark(g, x, fp, true) == 0)
		key_mark(g, x, fp, false);
}

static void slot_remove(struct spd_group *g, const struct spd_node *x)
{
	uint64_t fp = node_hash(x);
	size_t i = slot_home(fp, g->shift);
	while (slot_node(g->slot[i]) != x)
		i = (i + 1) & g->mask;
	/* backward shift: move back each later entry of the run whose home
	 * does not lie cyclically in (i, j] (the home from the node's key:
	 * configuration time, not the lookup's path) */
	for (size_t j = i;;) {
		j = (j + 1) & g->mask;
		if (!g->slot[j])
			break;
		size_t home = slot_home(node_hash(slot_node(g->slot[j])), g->shift);
		if (((j - home) & g->mask) >= ((j - i) & g->mask)) {
			g->slot[i] = g->slot[j];
			i = j;
		}
	}
	g->slot[i] = 0;
	/* one left alone with its key is no longer shared */
	uint64_t tag = slot_tag(fp);
	for (size_t k = slot_home(fp, g->shift); g->slot[k]; k = (k + 1) & g->mask)
		if (slot_has_tag(g->slot[k], tag) && same_key(slot_node(g->slot[k]), x)) {
			if (key_mark(g, slot_node(g->slot[k]), fp, true) == 0)
				key_mark(g, slot_node(g->slot[k]), fp, false);
			break;
		}
}

/* Restore ascending min_rank after group gi changed it. */
static void group_resort(struct spd_dirtab *t, size_t gi)
{
	struct spd_group *g = t->ix->groups[gi];
	while (gi > 0 && t->ix->groups[gi - 1]->min_rank > g->min_rank) {
		t->ix->groups[gi] = t->ix->groups[gi - 1];
		gi--;
	}
	while (gi + 1 < t->ix->ng && t->ix->groups[gi + 1]->min_rank < g->min_rank) {
		t->ix->groups[gi] = t->ix->groups[gi + 1];
		gi++;
	}
	t->ix->groups[gi] = g;
}

static size_t group_index(const struct spd_dirtab *t, const struct spd_group *g)
{
	size_t i = 0;
	while (t->ix->groups[i] != g)
		i++;
	return i;
}

/* The (local, remote) prefix lengths of an entry, -1 for a non-prefix range. */
static void plens(const struct spd_node *x, int *lp, int *rp)
{
	*lp = range_plen(u128_load(x->e.sel.local_lo), u128_load(x->e.sel.local_hi));
	*rp = range_plen(u128_load(x->e.sel.remote_lo), u128_load(x->e.sel.remote_hi));
}

/* Whether x belongs to group g (an indexed prefix entry). */
static bool in_group(const struct spd_group *g, const struct spd_node *x)
{
	int lp, rp;
	plens(x, &lp, &rp);
	return lp >= 0 && rp >= 0 && (unsigned)lp == g->lplen && (unsigned)rp == g->rplen;
}

/* The group of an indexed entry, NULL for one in the non-prefix list. */
static struct spd_group *group_of(const struct spd_dirtab *t, const struct spd_node *x)
{
	int lp, rp;
	plens(x, &lp, &rp);
	return lp < 0 || rp < 0 ? NULL : group_find(t, (unsigned)lp, (unsigned)rp);
}

/* Reserve what indexing x needs (*g: its group, fresh when it is new). */
static int index_reserve(struct spd_dirtab *t, const struct spd_node *x, struct spd_group **g, bool *fresh)
{
	int lp, rp;
	plens(x, &lp, &rp);
	*g = NULL;
	*fresh = false;
	if (lp < 0 || rp < 0)
		return reserve((void **)&t->ix->ranges, &t->ix->capr, t->ix->nr + 1, sizeof(*t->ix->ranges));
	if ((*g = group_find(t, (unsigned)lp, (unsigned)rp)))
		return group_reserve(*g);
	if (reserve((void **)&t->ix->groups, &t->ix->capg, t->ix->ng + 1, sizeof(*t->ix->groups)) ||
	    !(*g = group_new((unsigned)lp, (unsigned)rp)))
		return M6_E_NOMEM;
	*fresh = true;
	return 0;
}

/* Index x (already in ord) with what index_reserve() prepared. */
static void index_add(struct spd_dirtab *t, struct spd_node *x, struct spd_group *g, bool fresh)
{
	if (!g) {
		arr_insert(t->ix->ranges, &t->ix->nr, rank_upper(t->ix->ranges, t->ix->nr, rank_of(x)), x);
		return;
	}
	if (fresh)
		t->ix->groups[t->ix->ng++] = g;
	g->n++;
	slot_add(g, x);
	if (rank_of(x) < g->min_rank) {
		g->min_rank = rank_of(x);
		group_resort(t, group_index(t, g));
	}
}

/* Index a direction that grew past SPD_SCAN_MAX. On failure it stays
 * unindexed: lookups scan, which gives the same answers. */
static void index_build(struct spd_dirtab *t)
{
	if (!(t->ix = calloc(1, sizeof(*t->ix))))
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct spd_group *g;
		bool fresh;
		if (index_reserve(t, t->ord[i], &g, &fresh)) {
			index_drop(t);
			return;
		}
		index_add(t, t->ord[i], g, fresh);
	}
}

/* ---- entries ---- */

static bool range16_ok(struct spd_range16 r)
{
	return r.lo <= r.hi || (r.lo == 0xffff && r.hi == 0);
}

static bool entry_ok(const struct spd_entry *e)
{
	const struct spd_sel *sel = &e->sel;
	if (e->dir != SPD_OUT && e->dir != SPD_IN)
		return false;
	if (e->action != SPD_DISCARD && e->action != SPD_BYPASS && e->action != SPD_PROTECT)
		return false;
	if (sel->proto > SPD_PROTO_ANY || !range16_ok(sel->lport) || !range16_ok(sel->rport))
		return false;
	if (memcmp(sel->local_lo, sel->local_hi, 16) > 0 || memcmp(sel->remote_lo, sel->remote_hi, 16) > 0)
		return false;
	if (e->name && strnlen(e->name, SPD_NAME_MAX) >= SPD_NAME_MAX)
		return false;
	if (e->action == SPD_PROTECT) {
		const struct spd_protect *p = &e->protect;
		if ((p->ipsec_proto != 50 && p->ipsec_proto != 51) || p->mode > 1 || p->model > 1 ||
		    (p->per_peer && p->mode != 0))
			return false;
	}
	return true;
}

int spd_add(struct spd *s, const struct spd_entry *e)
{
	if (!s || !e || s->sharers || !entry_ok(e))
		return M6_E_INVAL;
	if (s->next_id > INT32_MAX)
		return M6_E_FULL;
	struct spd_dirtab *t = &s->d[e->dir];

	/* lines of their own in a direction that is (or is about to be)
	 * indexed, where lookups must touch one; a small one scans, packed */
	bool aligned = t->n + 1 > SPD_SCAN_MAX;
	/* the tunnel endpoints and the name ride after the node, in the same
	 * allocation; most entries have neither, and no octet is spent on
	 * them */
	static const struct spd_tunnel no_tunnel;
	const struct spd_tunnel *tun = e->protect.tunnel;
	if (tun && !memcmp(tun, &no_tunnel, sizeof(*tun)))
		tun = NULL;
	size_t nl = e->name ? strlen(e->name) : 0;
	size_t sz = sizeof(struct spd_node) + (tun ? sizeof(*tun) : 0) + (nl ? nl + 1 : 0);
	if (aligned)
		sz = (sz + SPD_LINE - 1) / SPD_LINE * SPD_LINE;
	struct spd_node *x = aligned ? aligned_alloc(SPD_LINE, sz) : malloc(sz);
	if (!x)
		return M6_E_NOMEM;
	if ((uint64_t)(uintptr_t)x & ~SLOT_PTR_MASK) {
		free(x);                 /* an index slot could not hold it */
		return M6_E_NOMEM;
	}
	memset(x, 0, sz);
	x->e = *e;
	uint8_t *tail = (uint8_t *)(x + 1);
	x->e.protect.tunnel = NULL;
	if (tun) {
		memcpy(tail, tun, sizeof(*tun));
		x->e.protect.tunnel = (const struct spd_tunnel *)tail;
		tail += sizeof(*tun);
	}
	if (nl) {
		char *name = (char *)tail;
		memcpy(name, e->name, nl + 1);
		x->e.name = name;
	} else {
		x->e.name = "";
	}
	x->e.id = s->next_id;
	x->e.hits = 0;

	/* Everything that can fail, before anything changes. */
	struct spd_group *g = NULL;
	bool fresh = false;
	int rc = 0;
	if (reserve((void **)&t->ord, &t->cap, t->n + 1, sizeof(*t->ord)) ||
	    reserve((void **)&s->byid, &s->capid, s->nid + 1, sizeof(*s->byid)) ||
	    (t->ix && index_reserve(t, x, &g, &fresh)))
		rc = M6_E_NOMEM;
	if (rc) {
		free(x);
		return rc;
	}

	s->next_id++;
	arr_insert(t->ord, &t->n, rank_upper(t->ord, t->n, rank_of(x)), x);
	s->byid[s->nid++] = x;
	if (t->ix)
		index_add(t, x, g, fresh);
	else if (t->n > SPD_SCAN_MAX)
		index_build(t);
	return (int)x->e.id;
}

int spd_remove(struct spd *s, uint32_t id)
{
	size_t pos;
	if (s && s->sharers)
		return M6_E_INVAL;
	struct spd_node *x = s ? find_id(s, id, &pos) : NULL;
	if (!x)
		return M6_E_NOTFOUND;
	struct spd_dirtab *t = &s->d[x->e.dir];
	arr_delete(s->byid, &s->nid, pos);
	arr_delete(t->ord, &t->n, rank_find(t->ord, t->n, x));
	if (!t->ix) {
		free(x);
		return 0;
	}

	struct spd_group *g = group_of(t, x);
	if (!g) {
		arr_delete(t->ix->ranges, &t->ix->nr, rank_find(t->ix->ranges, t->ix->nr, x));
		free(x);
		return 0;
	}
	slot_remove(g, x);
	size_t gi = group_index(t, g);
	if (--g->n == 0) {
		memmove(t->ix->groups + gi, t->ix->groups + gi + 1, (t->ix->ng - gi - 1) * sizeof(*t->ix->groups));
		t->ix->ng--;
		free(g->slot);
		free(g);
	} else if (rank_of(x) == g->min_rank) {
		/* the group's new first entry is its first one in rank order */
		size_t i = 0;
		while (!in_group(g, t->ord[i]))
			i++;
		g->min_rank = rank_of(t->ord[i]);
		group_resort(t, gi);
	}
	free(x);
	return 0;
}

const struct spd_entry *spd_lookup_linear(const struct spd *s, enum spd_dir dir, const struct ipsec_flow *f)
{
	if (dir != SPD_OUT && dir != SPD_IN)
		return NULL;
	const struct spd_dirtab *t = &s->d[dir];
	for (size_t i = 0; i < t->n; i++)
		if (spd_sel_match(&t->ord[i]->e.sel, f))
			return &t->ord[i]->e;
	return NULL;
}

static inline bool range_match(const struct spd_node *x, struct u128 fl, struct u128 fr)
{
	const struct spd_sel *sel = &x->e.sel;
	return u128_le(u128_load(sel->local_lo), fl) && u128_le(fl, u128_load(sel->local_hi)) &&
	       u128_le(u128_load(sel->remote_lo), fr) && u128_le(fr, u128_load(sel->remote_hi));
}

const struct spd_entry *spd_lookup(struct spd *s, enum spd_dir dir, const struct ipsec_flow *f)
{
	if (dir != SPD_OUT && dir != SPD_IN)
		return NULL;
	const struct spd_dirtab *t = &s->d[dir];
	struct u128 fl = u128_load(f->local), fr = u128_load(f->remote);
	struct spd_node *best = NULL;
	uint64_t best_rank = UINT64_MAX;

	if (!t->ix) {
		for (size_t i = 0; i < t->n && !best; i++)
			if (node_rest_match(t->ord[i], f) && range_match(t->ord[i], fl, fr))
				best = t->ord[i];
		if (best)
			best->e.hits++;
		return best ? &best->e : NULL;
	}
	for (size_t i = 0; i < t->ix->ng; i++) {
		const struct spd_group *g = t->ix->groups[i];
		/* groups are sorted by their first rank: none further can win */
		if (g->min_rank >= best_rank)
			break;
		struct u128 kl = u128_and(fl, g->lmask), kr = u128_and(fr, g->rmask);
		uint64_t fp = key_hash(kl, kr);
		/* the entries of one key are not in rank order here: all of them */
		uint64_t tag = slot_tag(fp);
		for (size_t k = slot_home(fp, g->shift); g->slot[k]; k = (k + 1) & g->mask) {
			struct spd_node *x = slot_node(g->slot[k]);
			if (!slot_has_tag(g->slot[k], tag) || !u128_eq(llo_of(x), kl) || !u128_eq(rlo_of(x), kr))
				continue;
			uint64_t r = rank_of(x);
			if (r < best_rank && node_rest_match(x, f)) {
				best = x;
				best_rank = r;
			}
			if (!(g->slot[k] & SLOT_SHARED))
				break;
		}
	}
	for (size_t i = 0; i < t->ix->nr; i++) {
		struct spd_node *x = t->ix->ranges[i];
		if (rank_of(x) >= best_rank)
			break;
		if (range_match(x, fl, fr) && node_rest_match(x, f)) {
			best = x;
			break;
		}
	}
	if (!best)
		return NULL;
	best->e.hits++;
	return &best->e;
}
