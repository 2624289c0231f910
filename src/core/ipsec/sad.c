/*
 * sad — fixed-capacity Security Association Database.
 *
 * The index entries carry the whole key, so a miss (an unknown SPI from the
 * wire, SAD-01) is decided inside the index without touching an SA; probes
 * stay short because the index is never more than half full. Slot numbers
 * are stored + 1 so that 0 can mean "none" in the index and the chains.
 */
#include "sad.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../util/m6_err.h"

#define SAD_CAP_MAX (1u << 28)

/* Eight octets: the SPI, and in one word the slot + 1 (0 = empty) with the
 * protocol (ESP or AH, the only two an SA may have) and the direction. */
struct sad_ix {
	uint32_t spi;
	uint32_t ref;
};

#define IX_SLOT_MASK ((1u << 29) - 1)
#define IX_AH (1u << 29)
#define IX_IN (1u << 30)

static inline uint32_t ix_ref(uint32_t slot1, uint8_t proto, bool inbound)
{
	return slot1 | (proto == 51 ? IX_AH : 0) | (inbound ? IX_IN : 0);
}

static inline uint32_t ix_slot(const struct sad_ix *e)
{
	return e->ref & IX_SLOT_MASK;
}

struct sad_slot {
	struct ipsec_sa sa;
	uint64_t gen;         /* installation count: the newest wins a tie in sad_lookup_out; 0 = free slot */
	uint32_t next;        /* chain by spd_id (both directions), or the free list (slot + 1) */
	uint32_t next_peer;   /* chain by (spd_id, remote selector's lower bound) */
};

struct sad {
	size_t cap, count;
	struct sad_slot *slots;
	struct sad_ix *ix;
	size_t nix;           /* 2 * cap: the index is at most half full */
	uint32_t *out;        /* spd_id bucket heads (slot + 1), inbound SAs too */
	uint32_t *peer;       /* (spd_id, remote) bucket heads (slot + 1) */
	size_t nout, npeer;
	uint32_t free_head;
	uint64_t gen;
};

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* A hash onto 0 .. n-1 by multiplying its high half (Lemire's reduction):
 * tables sized to exactly what they need rather than to a power of two,
 * which would waste up to half of each of them. n < 2^32. */
static inline size_t reduce(uint64_t h, size_t n)
{
	return (size_t)((h >> 32) * (uint64_t)n >> 32);
}

static inline size_t ix_home(const struct sad *d, uint32_t spi, uint8_t proto, bool inbound)
{
	return reduce(mix64((uint64_t)spi | (uint64_t)proto << 32 | (uint64_t)inbound << 40), d->nix);
}

static inline size_t ix_next(const struct sad *d, size_t i)
{
	return i + 1 == d->nix ? 0 : i + 1;
}

static inline uint32_t *out_head(const struct sad *d, uint32_t spd_id)
{
	return &d->out[reduce(mix64(spd_id), d->nout)];
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* One allocation for the table and its index: a mobile node's SAD of two
 * SAs would otherwise pay four allocations' headers and rounding. */
struct sad *sad_new(size_t capacity)
{
	if (capacity == 0 || capacity > SAD_CAP_MAX)
		return NULL;
	/* the index at most half full, a chain head per SA for each chain:
	 * exactly that, not the next power of two */
	size_t nix = 2 * capacity, npeer = capacity, nout = capacity;
	size_t o_slots = round8(sizeof(struct sad));
	size_t o_ix = o_slots + round8(capacity * sizeof(struct sad_slot));
	size_t o_out = o_ix + round8(nix * sizeof(struct sad_ix));
	uint8_t *m = calloc(1, o_out + (nout + npeer) * sizeof(uint32_t));
	if (!m)
		return NULL;
	struct sad *d = (struct sad *)m;
	d->cap = capacity;
	d->slots = (struct sad_slot *)(m + o_slots);
	d->ix = (struct sad_ix *)(m + o_ix);
	d->out = (uint32_t *)(m + o_out);
	d->peer = d->out + nout;
	d->nix = nix;
	d->nout = nout;
	d->npeer = npeer;
	for (size_t i = capacity; i-- > 0;) {
		d->slots[i].next = d->free_head;
		d->free_head = (uint32_t)(i + 1);
	}
	return d;
}

static void slot_wipe(struct sad_slot *s)
{
	m6_xform_clear(&s->sa.xf);
	if (replay_words(&s->sa.replay))
		free(s->sa.replay.ext);
	free((void *)s->sa.life);
	OPENSSL_cleanse(s, sizeof(*s));
}

/* The SA's own copy of a large replay window's bitmap (the caller's, if it
 * has one, stays the caller's). */
static int own_window(struct ipsec_sa *sa)
{
	size_t n = replay_words(&sa->replay);
	if (!n)
		return 0;        /* the bitmap is in the struct */
	uint64_t *b = malloc(n * sizeof(*b)), *from = sa->replay.ext;
	if (!b)
		return M6_E_NOMEM;
	replay_attach(&sa->replay, b);
	if (from)
		memcpy(b, from, n * sizeof(*b));
	return 0;
}

/* The SA's own copy of its lifetimes, only when a limit is set; with
 * own_window()'s (freed again on failure). */
static int own_extras(struct ipsec_sa *sa)
{
	static const struct sa_lifetime none;
	const struct sa_lifetime *from = sa->life;
	sa->life = NULL;
	if (from && memcmp(from, &none, sizeof(none))) {
		struct sa_lifetime *l = malloc(sizeof(*l));
		if (!l)
			return M6_E_NOMEM;
		*l = *from;
		sa->life = l;
	}
	if (own_window(sa)) {
		free((void *)sa->life);
		return M6_E_NOMEM;
	}
	return 0;
}

void sad_free(struct sad *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->cap; i++)
		if (d->slots[i].gen)
			slot_wipe(&d->slots[i]);
	free(d);
}

size_t sad_count(const struct sad *d)
{
	return d->count;
}

size_t sad_capacity(const struct sad *d)
{
	return d->cap;
}

struct ipsec_sa *sad_slot(struct sad *d, size_t i)
{
	return i < d->cap && d->slots[i].gen ? &d->slots[i].sa : NULL;
}

/* Index position of the key, or SIZE_MAX. */
static size_t ix_find(const struct sad *d, uint32_t spi, uint8_t proto, bool inbound)
{
	if (proto != 50 && proto != 51)
		return SIZE_MAX;
	uint32_t key = ix_ref(0, proto, inbound);
	for (size_t i = ix_home(d, spi, proto, inbound);; i = ix_next(d, i)) {
		const struct sad_ix *e = &d->ix[i];
		if (!e->ref)
			return SIZE_MAX;
		if (e->spi == spi && (e->ref & ~IX_SLOT_MASK) == key)
			return i;
	}
}

/* Backward-shift deletion: no tombstones, so probe lengths never degrade. */
static void ix_delete(struct sad *d, size_t i)
{
	size_t j = i;
	for (;;) {
		d->ix[i].ref = 0;
		for (;;) {
			j = ix_next(d, j);
			if (!d->ix[j].ref)
				return;
			uint32_t r = d->ix[j].ref;
			size_t k = ix_home(d, d->ix[j].spi, r & IX_AH ? 51 : 50, r & IX_IN);
			/* entry j may stay if its home lies cyclically in (i, j] */
			bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
			if (!stays)
				break;
		}
		d->ix[i] = d->ix[j];
		i = j;
	}
}

static bool life_ok(const struct sa_lifetime *l)
{
	return (!l->soft_ns || !l->hard_ns || l->soft_ns <= l->hard_ns) &&
	       (!l->soft_bytes || !l->hard_bytes || l->soft_bytes <= l->hard_bytes) &&
	       (!l->soft_packets || !l->hard_packets || l->soft_packets <= l->hard_packets);
}

static struct ipsec_sa *add_fail(int *err, int code)
{
	if (err)
		*err = code;
	return NULL;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline size_t peer_home(const struct sad *d, uint32_t spd_id, const uint8_t remote[16])
{
	return reduce(mix64(spd_id ^ mix64(load64(remote) ^ mix64(load64(remote + 8)))), d->npeer);
}

static void chain_link(struct sad *d, uint32_t sn)
{
	struct sad_slot *s = &d->slots[sn - 1];
	uint32_t *head = out_head(d, s->sa.spd_id);
	s->next = *head;
	*head = sn;
	head = &d->peer[peer_home(d, s->sa.spd_id, s->sa.ts.remote_lo)];
	s->next_peer = *head;
	*head = sn;
}

static void chain_unlink(struct sad *d, uint32_t sn)
{
	struct sad_slot *s = &d->slots[sn - 1];
	uint32_t *pp = out_head(d, s->sa.spd_id);
	while (*pp != sn)
		pp = &d->slots[*pp - 1].next;
	*pp = s->next;
	pp = &d->peer[peer_home(d, s->sa.spd_id, s->sa.ts.remote_lo)];
	while (*pp != sn)
		pp = &d->slots[*pp - 1].next_peer;
	*pp = s->next_peer;
}

struct ipsec_sa *sad_add(struct sad *d, const struct ipsec_sa *sa, uint64_t now, int *err)
{
	if (!d || !sa)
		return add_fail(err, M6_E_INVAL);
	if (sa->spi < 256)
		return add_fail(err, M6_E_SPI_RESERVED);
	if ((sa->proto != 50 && sa->proto != 51) || !life_ok(sa_life(sa)))
		return add_fail(err, M6_E_INVAL);
	bool in = sa->inbound;
	size_t at = ix_find(d, sa->spi, sa->proto, in);
	if (at != SIZE_MAX) {
		/* the key manager completes the SA whose SPI it reserved */
		struct sad_slot *s = &d->slots[ix_slot(&d->ix[at]) - 1];
		if (!in || s->sa.state != SA_LARVAL)
			return add_fail(err, M6_E_EXISTS);
		struct ipsec_sa copy = *sa;
		if (own_extras(&copy))
			return add_fail(err, M6_E_NOMEM);
		if (replay_words(&s->sa.replay))
			free(s->sa.replay.ext);
		free((void *)s->sa.life);
		/* the policy it was reserved for (0) becomes the real one */
		chain_unlink(d, ix_slot(&d->ix[at]));
		s->sa = copy;
		chain_link(d, ix_slot(&d->ix[at]));
		s->sa.state = SA_MATURE;
		s->sa.added_ns = now;
		s->gen = ++d->gen;
		if (err)
			*err = 0;
		return &s->sa;
	}
	if (!d->free_head)
		return add_fail(err, M6_E_FULL);
	struct ipsec_sa copy = *sa;
	if (own_extras(&copy))
		return add_fail(err, M6_E_NOMEM);

	uint32_t sn = d->free_head;
	struct sad_slot *s = &d->slots[sn - 1];
	d->free_head = s->next;
	s->sa = copy;
	s->sa.state = SA_MATURE;
	s->sa.added_ns = now;
	s->gen = ++d->gen;
	s->next = 0;

	size_t i = ix_home(d, sa->spi, sa->proto, in);
	while (d->ix[i].ref)
		i = ix_next(d, i);
	d->ix[i] = (struct sad_ix){ .spi = sa->spi, .ref = ix_ref(sn, sa->proto, in) };
	chain_link(d, sn);
	d->count++;
	if (err)
		*err = 0;
	return &s->sa;
}

int sad_reserve(struct sad *d, uint32_t spi, uint8_t proto, uint64_t now)
{
	int err;
	struct ipsec_sa larval;
	memset(&larval, 0, sizeof(larval));
	larval.spi = spi;
	larval.proto = proto;
	larval.inbound = true;
	struct ipsec_sa *sa = sad_add(d, &larval, now, &err);
	if (sa)
		sa->state = SA_LARVAL;
	return sa ? 0 : err;
}

struct ipsec_sa *sad_find(struct sad *d, uint32_t spi, uint8_t proto, bool inbound)
{
	size_t i = ix_find(d, spi, proto, inbound);
	return i == SIZE_MAX ? NULL : &d->slots[ix_slot(&d->ix[i]) - 1].sa;
}

int sad_remove(struct sad *d, uint32_t spi, uint8_t proto, bool inbound)
{
	size_t i = ix_find(d, spi, proto, inbound);
	if (i == SIZE_MAX)
		return M6_E_NOTFOUND;
	uint32_t sn = ix_slot(&d->ix[i]);
	struct sad_slot *s = &d->slots[sn - 1];
	ix_delete(d, i);
	chain_unlink(d, sn);
	slot_wipe(s);
	s->next = d->free_head;
	d->free_head = sn;
	d->count--;
	return 0;
}

struct ipsec_sa *sad_lookup_in(struct sad *d, uint32_t spi, uint8_t proto)
{
	size_t i = ix_find(d, spi, proto, true);
	if (i == SIZE_MAX)
		return NULL;
	struct ipsec_sa *sa = &d->slots[ix_slot(&d->ix[i]) - 1].sa;
	return sa->state == SA_DEAD || sa->state == SA_LARVAL ? NULL : sa;
}

/* A MATURE SA before a SOFT_EXPIRED one, then the newest. */
static inline bool better(const struct sad_slot *s, const struct sad_slot *best)
{
	return !best || (s->sa.state == SA_MATURE && best->sa.state != SA_MATURE) ||
	       (s->sa.state == best->sa.state && s->gen > best->gen);
}

static struct ipsec_sa *lookup_policy(struct sad *d, uint32_t spd_id, bool inbound, const struct ipsec_flow *f)
{
	struct sad_slot *best = NULL;
	for (uint32_t sn = *out_head(d, spd_id); sn; sn = d->slots[sn - 1].next) {
		struct sad_slot *s = &d->slots[sn - 1];
		if (s->sa.spd_id != spd_id || s->sa.inbound != inbound || !sad_sa_usable(&s->sa) ||
		    (f && !spd_sel_match(&s->sa.ts, f)))
			continue;
		if (better(s, best))
			best = s;
	}
	return best ? &best->sa : NULL;
}

struct ipsec_sa *sad_lookup_out_peer(struct sad *d, uint32_t spd_id, const uint8_t remote[16])
{
	struct sad_slot *best = NULL;
	for (uint32_t sn = d->peer[peer_home(d, spd_id, remote)]; sn; sn = d->slots[sn - 1].next_peer) {
		struct sad_slot *s = &d->slots[sn - 1];
		if (s->sa.spd_id != spd_id || s->sa.inbound || !sad_sa_usable(&s->sa) ||
		    memcmp(s->sa.ts.remote_lo, remote, 16) || memcmp(s->sa.ts.remote_hi, remote, 16))
			continue;
		if (better(s, best))
			best = s;
	}
	return best ? &best->sa : NULL;
}

struct ipsec_sa *sad_lookup_out(struct sad *d, uint32_t spd_id)
{
	return lookup_policy(d, spd_id, false, NULL);
}

struct ipsec_sa *sad_lookup_out_flow(struct sad *d, uint32_t spd_id, const struct ipsec_flow *f)
{
	return lookup_policy(d, spd_id, false, f);
}

struct ipsec_sa *sad_lookup_in_policy(struct sad *d, uint32_t spd_id)
{
	return lookup_policy(d, spd_id, true, NULL);
}

static inline uint64_t age(const struct ipsec_sa *sa, uint64_t now)
{
	return now > sa->added_ns ? now - sa->added_ns : 0;
}

enum sad_event sad_age(struct ipsec_sa *sa, uint64_t now)
{
	if (!sad_sa_usable(sa))
		return SAD_EV_NONE;
	uint64_t t = age(sa, now);
	const struct sa_lifetime *l = sa_life(sa);
	if (l->hard_ns && t >= l->hard_ns) {
		sa->state = SA_DEAD;
		return SAD_EV_HARD;
	}
	if (sa->state == SA_MATURE && l->soft_ns && t >= l->soft_ns) {
		sa->state = SA_SOFT_EXPIRED;
		return SAD_EV_SOFT;
	}
	return SAD_EV_NONE;
}

enum sad_event sad_charge(struct ipsec_sa *sa, size_t len, uint64_t now)
{
	if (!sad_sa_usable(sa))
		return SAD_EV_NONE;
	const struct sa_lifetime *l = sa_life(sa);
	uint64_t t = age(sa, now);
	bool over_bytes = l->hard_bytes && (sa->bytes > l->hard_bytes || len > l->hard_bytes - sa->bytes);
	if ((l->hard_ns && t >= l->hard_ns) || over_bytes || (l->hard_packets && sa->packets >= l->hard_packets)) {
		sa->state = SA_DEAD;
		return SAD_EV_HARD;
	}
	sa->bytes += len;
	sa->packets++;
	bool soft = (l->soft_ns && t >= l->soft_ns) || (l->soft_bytes && sa->bytes >= l->soft_bytes) ||
		    (l->soft_packets && sa->packets >= l->soft_packets);
	if (sa->state == SA_MATURE && soft) {
		sa->state = SA_SOFT_EXPIRED;
		return SAD_EV_SOFT;
	}
	return SAD_EV_NONE;
}
