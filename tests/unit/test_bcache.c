/* Binding cache: O(1) lookup by home address, fixed capacity (BA 130 when
 * full), expiry through a heap, entries kept invalid. */
#include "tu.h"

#include <stdlib.h>

#include "mip6/bcache.h"
#include "mip6/mip6.h"
#include "util/m6_err.h"

#define SEC 1000000000ULL

static void hoa_n(uint8_t a[16], uint32_t n)
{
	tu_addr("2001:db8:1::", a);
	m6_put32(a + 12, n);
}

/* lookup, get_or_add, remove, count, capacity */
static void test_basic(void **st)
{
	(void)st;
	struct bcache *bc = bcache_new(4);
	assert_non_null(bc);
	assert_int_equal(bcache_capacity(bc), 4);
	assert_int_equal(bcache_count(bc), 0);
	assert_int_equal(bcache_next_expiry(bc), MIP6_NEVER);
	uint8_t a[16], b[16];
	hoa_n(a, 1);
	hoa_n(b, 2);
	assert_null(bcache_lookup(bc, a));
	int err = 1;
	struct bce *e = bcache_get_or_add(bc, a, &err);
	assert_non_null(e);
	assert_int_equal(err, 0);
	assert_true(e->in_use);
	assert_false(e->valid);
	assert_memory_equal(e->hoa, a, 16);
	assert_int_equal(e->seq, 0);
	e->seq = 7;
	e->expires = 5 * SEC;
	assert_ptr_equal(bcache_get_or_add(bc, a, &err), e);
	assert_ptr_equal(bcache_lookup(bc, a), e);
	assert_int_equal(e->seq, 7);
	assert_null(bcache_lookup(bc, b));
	assert_int_equal(bcache_count(bc), 1);
	bcache_remove(bc, e);
	assert_null(bcache_lookup(bc, a));
	assert_int_equal(bcache_count(bc), 0);
	assert_int_equal(bcache_next_expiry(bc), MIP6_NEVER);
	bcache_remove(bc, e);   /* already free: ignored */
	assert_int_equal(bcache_count(bc), 0);
	assert_null(bcache_new(0));
	bcache_free(bc);
	bcache_free(NULL);
}

/* BA 130: a full cache refuses new home addresses but finds existing ones
 * (no eviction, HA-04). */
static void test_full(void **st)
{
	(void)st;
	struct bcache *bc = bcache_new(3);
	uint8_t a[16];
	struct bce *e[3];
	for (uint32_t i = 0; i < 3; i++) {
		hoa_n(a, i);
		e[i] = bcache_get_or_add(bc, a, NULL);
		assert_non_null(e[i]);
		bcache_set_expiry(bc, e[i], (i + 1) * SEC);
	}
	hoa_n(a, 3);
	int err = 0;
	assert_null(bcache_get_or_add(bc, a, &err));
	assert_int_equal(err, M6_E_FULL);
	hoa_n(a, 1);
	assert_ptr_equal(bcache_get_or_add(bc, a, &err), e[1]);
	assert_int_equal(err, 0);
	bcache_remove(bc, e[1]);
	hoa_n(a, 3);
	assert_non_null(bcache_get_or_add(bc, a, &err));
	assert_int_equal(bcache_count(bc), 3);
	bcache_free(bc);
}

struct rec {
	uint64_t last;
	unsigned n;
	uint32_t keep;         /* home address (low word) the callback keeps */
	uint64_t keep_until;
	uint32_t self_remove;  /* one the callback removes itself */
	struct bcache *bc;
	bool ordered;
};

static void cb(void *ctx, struct bce *e)
{
	struct rec *r = ctx;
	if (e->expires < r->last)
		r->ordered = false;
	r->last = e->expires;
	r->n++;
	uint32_t id = m6_get32(e->hoa + 12);
	if (id == r->keep)
		e->expires = r->keep_until;
	else if (id == r->self_remove)
		bcache_remove(r->bc, e);
}

/* Expiry in time order; a callback may keep or remove an entry. */
static void test_expire_order(void **st)
{
	(void)st;
	struct bcache *bc = bcache_new(64);
	uint8_t a[16];
	uint64_t x = 12345;
	for (uint32_t i = 0; i < 64; i++) {
		hoa_n(a, i);
		struct bce *e = bcache_get_or_add(bc, a, NULL);
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		bcache_set_expiry(bc, e, (x >> 11) % (100 * SEC) + 1);
	}
	struct rec r = { .ordered = true, .keep = 5, .keep_until = 500 * SEC, .self_remove = 6, .bc = bc };
	bcache_expire(bc, 50 * SEC, cb, &r);
	assert_true(r.ordered);
	assert_true(bcache_next_expiry(bc) > 50 * SEC);
	size_t left = bcache_count(bc);
	bcache_expire(bc, 100 * SEC, cb, &r);
	assert_true(r.ordered);
	assert_int_equal(r.n, 64);
	assert_int_equal(bcache_count(bc), 1);     /* the one the callback kept */
	hoa_n(a, 5);
	assert_non_null(bcache_lookup(bc, a));
	assert_int_equal(bcache_next_expiry(bc), 500 * SEC);
	assert_true(left > 1);
	bcache_expire(bc, 500 * SEC, NULL, NULL);
	assert_int_equal(bcache_count(bc), 0);
	bcache_free(bc);
}

/* expires written directly on an entry just handed out is honoured, earlier
 * as well as later (the engines may do that, bcache.h). */
static void test_direct_write(void **st)
{
	(void)st;
	struct bcache *bc = bcache_new(8);
	uint8_t a[16], b[16];
	hoa_n(a, 1);
	hoa_n(b, 2);
	struct bce *ea = bcache_get_or_add(bc, a, NULL);
	ea->expires = 100 * SEC;
	struct bce *eb = bcache_get_or_add(bc, b, NULL);
	eb->expires = 200 * SEC;
	assert_int_equal(bcache_next_expiry(bc), 100 * SEC);
	bcache_lookup(bc, b)->expires = 10 * SEC;     /* earlier */
	assert_int_equal(bcache_next_expiry(bc), 10 * SEC);
	bcache_lookup(bc, a)->expires = 300 * SEC;    /* later */
	struct rec r = { .ordered = true, .keep = ~0u, .self_remove = ~0u, .bc = bc };
	bcache_expire(bc, 10 * SEC, cb, &r);
	assert_int_equal(r.n, 1);
	assert_null(bcache_lookup(bc, b));
	assert_int_equal(bcache_next_expiry(bc), 300 * SEC);
	bcache_expire(bc, 299 * SEC, cb, &r);
	assert_int_equal(r.n, 1);
	assert_non_null(bcache_lookup(bc, a));
	bcache_free(bc);
}

/* Iteration over slots sees every entry once; rekeying keeps them all. */
static void test_slots_and_key(void **st)
{
	(void)st;
	struct bcache *bc = bcache_new(100);
	uint8_t a[16];
	for (uint32_t i = 0; i < 60; i++) {
		hoa_n(a, i * 7);
		bcache_get_or_add(bc, a, NULL)->expires = MIP6_NEVER;
	}
	uint8_t key[16];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)(i * 29 + 3);
	bcache_set_key(bc, key);
	unsigned seen = 0;
	for (size_t i = 0; i < bcache_capacity(bc); i++) {
		struct bce *e = bcache_slot(bc, i);
		if (!e)
			continue;
		seen++;
		assert_int_equal(m6_get32(e->hoa + 12) % 7, 0);
	}
	assert_int_equal(seen, 60);
	for (uint32_t i = 0; i < 60; i++) {
		hoa_n(a, i * 7);
		assert_non_null(bcache_lookup(bc, a));
		hoa_n(a, i * 7 + 1);
		assert_null(bcache_lookup(bc, a));
	}
	assert_null(bcache_slot(bc, 100));
	bcache_free(bc);
}

/* Random operations against a plain array model: membership, count and
 * next expiry agree after every step (probe runs shift back on removal). */
static void test_model(void **st)
{
	(void)st;
	enum { CAP = 257, IDS = 700, STEPS = 60000 };
	struct bcache *bc = bcache_new(CAP);
	static bool in[IDS];
	static uint64_t exp_of[IDS];
	memset(in, 0, sizeof(in));
	size_t n = 0;
	uint64_t x = 0x9e3779b97f4a7c15ULL, now = 0;
	uint8_t a[16];
	for (int step = 0; step < STEPS; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint32_t id = (uint32_t)(x % IDS), op = (uint32_t)(x >> 32) % 10;
		hoa_n(a, id);
		if (op < 4) {
			int err;
			struct bce *e = bcache_get_or_add(bc, a, &err);
			if (in[id] || n < CAP) {
				assert_non_null(e);
				if (!in[id]) {
					in[id] = true;
					n++;
				}
				exp_of[id] = now + 1 + (x >> 20) % (1000 * SEC);
				if (op & 1)
					bcache_set_expiry(bc, e, exp_of[id]);
				else
					e->expires = exp_of[id];
			} else {
				assert_null(e);
				assert_int_equal(err, M6_E_FULL);
			}
		} else if (op < 6) {
			struct bce *e = bcache_lookup(bc, a);
			assert_int_equal(e != NULL, in[id]);
			if (e) {
				bcache_remove(bc, e);
				in[id] = false;
				n--;
			}
		} else if (op < 9) {
			struct bce *e = bcache_lookup(bc, a);
			assert_int_equal(e != NULL, in[id]);
			if (e)
				assert_int_equal(e->expires, exp_of[id]);
		} else {
			now += (x >> 24) % (20 * SEC);
			bcache_expire(bc, now, NULL, NULL);
			for (uint32_t i = 0; i < IDS; i++) {
				if (in[i] && exp_of[i] <= now) {
					in[i] = false;
					n--;
				}
			}
		}
		assert_int_equal(bcache_count(bc), n);
		uint64_t want = MIP6_NEVER;
		for (uint32_t i = 0; i < IDS; i++)
			if (in[i] && exp_of[i] < want)
				want = exp_of[i];
		assert_int_equal(bcache_next_expiry(bc), want);
	}
	for (uint32_t i = 0; i < IDS; i++) {
		hoa_n(a, i);
		assert_int_equal(bcache_lookup(bc, a) != NULL, in[i]);
	}
	bcache_free(bc);
}

/* HA-05: an entry marked invalid stays findable with its sequence number
 * until its (short) expiry, then goes. */
static void test_invalid_kept(void **st)
{
	(void)st;
	struct bcache *bc = bcache_new(4);
	uint8_t a[16];
	hoa_n(a, 9);
	struct bce *e = bcache_get_or_add(bc, a, NULL);
	e->valid = true;
	e->seq = 11;
	bcache_set_expiry(bc, e, 1000 * SEC);
	e->valid = false;
	bcache_set_expiry(bc, e, 20 * SEC + MIP6_MAX_DELETE_BCE_TIMEOUT_S * SEC);
	bcache_expire(bc, 29 * SEC, NULL, NULL);
	e = bcache_lookup(bc, a);
	assert_non_null(e);
	assert_false(e->valid);
	assert_int_equal(e->seq, 11);
	bcache_expire(bc, 30 * SEC, NULL, NULL);
	assert_null(bcache_lookup(bc, a));
	bcache_free(bc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_expire_order),
		cmocka_unit_test(test_direct_write),
		cmocka_unit_test(test_slots_and_key),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_invalid_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
