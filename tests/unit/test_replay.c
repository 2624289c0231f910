/* Anti-replay window and ESN inference (RFC 4303 3.4.3, Appendix A2). */
#include "tu.h"

#include <stdlib.h>

#include "ipsec/replay.h"
#include "util/m6_err.h"

/* What the receive path does once the ICV has passed. */
static int accept_seq(struct replay_window *w, uint32_t seql, uint64_t *seq)
{
	int rc = replay_check(w, seql, seq);
	if (rc == 0)
		replay_update(w, *seq);
	return rc;
}

/* ESP-03 test vectors: W = 64. */
static void test_esp03_table(void **s)
{
	(void)s;
	struct replay_window w;
	uint64_t seq;
	assert_int_equal(replay_init(&w, 0, false), 0);
	assert_int_equal(w.size, REPLAY_WINDOW_DEFAULT);
	assert_int_equal(w.size, 64);
	for (uint32_t i = 1; i <= 64; i++) {
		assert_int_equal(accept_seq(&w, i, &seq), 0);
		assert_int_equal(seq, i);
	}
	assert_int_equal(replay_check(&w, 10, &seq), M6_E_REPLAY);            /* replay 10 -> drop */
	assert_int_equal(accept_seq(&w, 200, &seq), 0);                          /* 200 -> accept */
	assert_int_equal(replay_check(&w, 130, &seq), M6_E_REPLAY_OLD);         /* 130 -> drop */
	assert_int_equal(replay_check(&w, 136, &seq), M6_E_REPLAY_OLD);
	assert_int_equal(replay_check(&w, 137, &seq), 0);                       /* left edge 137 */
	assert_int_equal(replay_check(&w, 200, &seq), M6_E_REPLAY);
	/* A forged ICV at 300: the check passes, the ICV does not, so
	 * replay_update() is never called and the window stays put. */
	struct replay_window before = w;
	assert_int_equal(replay_check(&w, 300, &seq), 0);
	assert_memory_equal(&w, &before, sizeof(w));
	assert_int_equal(w.top, 200);
	assert_int_equal(replay_check(&w, 137, &seq), 0);
	assert_int_equal(replay_check(&w, 150, &seq), 0);
	/* ... and the genuine 300 still gets in afterwards. */
	assert_int_equal(accept_seq(&w, 300, &seq), 0);
	assert_int_equal(replay_check(&w, 300, &seq), M6_E_REPLAY);
	assert_int_equal(replay_check(&w, 237, &seq), 0);
	assert_int_equal(replay_check(&w, 236, &seq), M6_E_REPLAY_OLD);
	assert_int_equal(replay_check(&w, 200, &seq), M6_E_REPLAY_OLD);
}

/* ESP-01: without ESN, 0 is never a valid sequence number. */
static void test_seq_zero(void **s)
{
	(void)s;
	struct replay_window w;
	uint64_t seq;
	assert_int_equal(replay_init(&w, 64, false), 0);
	assert_int_equal(replay_check(&w, 0, &seq), M6_E_SEQ_ZERO);
	assert_int_equal(accept_seq(&w, 5, &seq), 0);
	assert_int_equal(replay_check(&w, 0, &seq), M6_E_SEQ_ZERO);
}

/* ESP-03: windows of 32 (MUST) up to REPLAY_WINDOW_MAX, 64 by default. */
static void test_init_sizes(void **s)
{
	(void)s;
	struct replay_window w;
	assert_int_equal(replay_init(&w, 31, false), M6_E_INVAL);       /* ESP-03: >= 32 */
	assert_int_equal(replay_init(&w, REPLAY_WINDOW_MAX + 1, false), M6_E_INVAL);
	assert_int_equal(replay_init(&w, 32, true), 0);
	assert_int_equal(w.size, 32);
	assert_true(w.esn);
	assert_int_equal(w.top, 0);
	assert_int_equal(replay_init(&w, REPLAY_WINDOW_MAX, false), 0);
	assert_int_equal(replay_init(NULL, 64, false), M6_E_INVAL);
	/* up to 64 packets the bitmap is in the struct; beyond, a ring of the
	 * next power of two lives elsewhere, and without it nothing passes */
	static const uint32_t size[] = { 32, 64, 65, 100, 1024, REPLAY_WINDOW_MAX };
	static const size_t words[] = { 0, 0, 2, 2, 16, REPLAY_WINDOW_MAX / 64 };
	uint64_t seq, bits[2];
	for (size_t i = 0; i < sizeof(size) / sizeof(size[0]); i++) {
		assert_int_equal(replay_init(&w, size[i], false), 0);
		assert_int_equal(replay_words(&w), words[i]);
	}
	assert_int_equal(replay_init(&w, 100, false), 0);
	assert_int_equal(replay_check(&w, 1, &seq), M6_E_INVAL);
	replay_update(&w, 1);
	memset(bits, 0xff, sizeof(bits));
	replay_attach(&w, bits);
	assert_int_equal(bits[0] | bits[1], 0);
	assert_int_equal(replay_check(&w, 1, &seq), 0);
	replay_update(&w, 1);
	assert_int_equal(replay_check(&w, 1, &seq), M6_E_REPLAY);
}

/* ESP-04: T = 0x0_FFFFFFF0, Seql = 5 -> Seqh = 1 (Case A). */
static void test_esp04_esn_inference(void **s)
{
	(void)s;
	struct replay_window w;
	uint64_t seq;
	assert_int_equal(replay_init(&w, 64, true), 0);
	replay_update(&w, 0xFFFFFFF0ull);
	assert_int_equal(replay_check(&w, 5, &seq), 0);
	assert_int_equal(seq >> 32, 1);
	assert_int_equal(seq, 0x100000005ull);
	/* Seql inside the window stays in the current subspace. */
	assert_int_equal(replay_check(&w, 0xFFFFFFB1u, &seq), 0);     /* Bl = Tl - W + 1 */
	assert_int_equal(seq, 0xFFFFFFB1ull);
	assert_int_equal(replay_check(&w, 0xFFFFFFF0u, &seq), M6_E_REPLAY);
	/* Just below Bl: taken as the next subspace, far ahead. */
	assert_int_equal(replay_check(&w, 0xFFFFFFB0u, &seq), 0);
	assert_int_equal(seq, 0x1FFFFFFB0ull);
	/* Accept 2^32 + 5: Case B now (Tl = 5 < W - 1). */
	replay_update(&w, 0x100000005ull);
	assert_int_equal(replay_check(&w, 0xFFFFFFF0u, &seq), M6_E_REPLAY);
	assert_int_equal(seq, 0xFFFFFFF0ull);                          /* Seqh = Th - 1 */
	assert_int_equal(replay_check(&w, 0xFFFFFFF1u, &seq), 0);
	assert_int_equal(seq, 0xFFFFFFF1ull);
	assert_int_equal(replay_check(&w, 0xFFFFFFC6u, &seq), 0);                 /* T - 63 */
	assert_int_equal(seq, 0xFFFFFFC6ull);
	/* A2.2: whatever is left of the window is taken as the next subspace
	 * (its ICV will then fail), never as "old". */
	assert_int_equal(replay_check(&w, 0xFFFFFFC5u, &seq), 0);                 /* T - 64 */
	assert_int_equal(seq, 0x1FFFFFFC5ull);
	assert_int_equal(replay_check(&w, 3, &seq), 0);
	assert_int_equal(seq, 0x100000003ull);                         /* Seqh = Th */
	assert_int_equal(replay_check(&w, 5, &seq), M6_E_REPLAY);
	assert_int_equal(replay_check(&w, 9, &seq), 0);
	assert_int_equal(seq, 0x100000009ull);
	/* Seql 0 in subspace 1 is 2^32, a valid number with ESN. */
	assert_int_equal(replay_check(&w, 0, &seq), 0);
	assert_int_equal(seq, 0x100000000ull);
}

/* ESP-04: ESN from a fresh window: nothing can lie before sequence number 1. */
static void test_esn_start(void **s)
{
	(void)s;
	struct replay_window w;
	uint64_t seq;
	assert_int_equal(replay_init(&w, 64, true), 0);
	assert_int_equal(replay_check(&w, 0, &seq), M6_E_SEQ_ZERO);
	assert_int_equal(replay_check(&w, 0xFFFFFFF0u, &seq), M6_E_REPLAY_OLD);
	assert_int_equal(accept_seq(&w, 1, &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(replay_check(&w, 0xFFFFFFFFu, &seq), M6_E_REPLAY_OLD);
	assert_int_equal(replay_check(&w, 0xFFFFFFC2u, &seq), M6_E_REPLAY_OLD); /* Bl */
	assert_int_equal(replay_check(&w, 0xFFFFFFC1u, &seq), 0);       /* below Bl: ahead */
	assert_int_equal(seq, 0xFFFFFFC1ull);
}

/* ESP-04, ESP-01: wrap near 2^32 with ESN: the receiver follows the sender into the next
 * subspace; without ESN the same numbers are dead ends. */
static void test_wrap_2p32(void **s)
{
	(void)s;
	struct replay_window w;
	uint64_t seq;
	assert_int_equal(replay_init(&w, 64, true), 0);
	replay_update(&w, 0xFFFFFFF5ull);
	for (uint64_t full = 0xFFFFFFF6ull; full <= 0x100000004ull; full++) {
		assert_int_equal(accept_seq(&w, (uint32_t)full, &seq), 0);
		assert_int_equal(seq, full);
	}
	for (uint64_t full = 0xFFFFFFF5ull; full <= 0x100000004ull; full++) {
		assert_int_equal(replay_check(&w, (uint32_t)full, &seq), M6_E_REPLAY);
		assert_int_equal(seq, full);
	}
	assert_int_equal(replay_check(&w, 0xFFFFFFE0u, &seq), 0);    /* late, still in window */
	assert_int_equal(seq, 0xFFFFFFE0ull);

	assert_int_equal(replay_init(&w, 64, false), 0);
	replay_update(&w, 0xFFFFFFFFull);
	assert_int_equal(replay_check(&w, 0, &seq), M6_E_SEQ_ZERO);
	assert_int_equal(replay_check(&w, 1, &seq), M6_E_REPLAY_OLD);
	assert_int_equal(replay_check(&w, 0xFFFFFFFFu, &seq), M6_E_REPLAY);
	assert_int_equal(replay_check(&w, 0xFFFFFFC1u, &seq), 0);
}

/* The window against a plain reference model, for W = 32, 64, 1024 (and
 * a size that is not a power of two), with and without ESN. */
struct model {
	uint64_t top;
	uint32_t w;
	uint8_t seen[1 << 16];   /* by seq - base */
	uint64_t base;
};

/* The full number the receiver must infer (A2.2): the one congruent to
 * seql in [T - W + 1, T - W + 2^32]; false if that is below 0. */
static bool model_infer(const struct model *m, uint32_t seql, uint64_t *seq)
{
	if (m->top + 1 >= m->w) {
		uint64_t lo = m->top + 1 - m->w;
		*seq = lo + (uint32_t)(seql - (uint32_t)lo);
		return true;
	}
	uint64_t d = m->w - 1 - m->top;          /* lo = -d */
	uint64_t r = (uint32_t)(seql + (uint32_t)d);
	if (r < d)
		return false;
	*seq = r - d;
	return true;
}

static int model_check(const struct model *m, uint64_t seq)
{
	if (seq == 0)
		return M6_E_SEQ_ZERO;
	if (seq > m->top)
		return 0;
	if (m->top - seq >= m->w)
		return M6_E_REPLAY_OLD;
	return m->seen[seq - m->base] ? M6_E_REPLAY : 0;
}

static uint64_t rnd(uint64_t n)
{
	return ((uint64_t)rand() << 31 ^ (uint64_t)rand()) % n;
}

static void window_vs_model(uint32_t size, bool esn, uint64_t base)
{
	static struct model m;
	struct replay_window w;
	memset(&m, 0, sizeof(m));
	m.w = size;
	m.base = base;
	m.top = base;
	unsigned n_ok = 0, n_dup = 0, n_old = 0;
	static uint64_t bits[REPLAY_WINDOW_MAX / 64];
	assert_int_equal(replay_init(&w, size, esn), 0);
	replay_attach(&w, bits);
	if (base) {
		replay_update(&w, base);
		m.seen[0] = 1;
	}
	for (int i = 0; i < 20000; i++) {
		uint64_t seq;
		uint64_t r = rnd(100);
		if (r < 60)           /* around the window */
			seq = m.top + 1 - rnd(size + size / 2 + 1) + rnd(4);
		else if (r < 90)      /* a little ahead */
			seq = m.top + 1 + rnd(size / 4 + 1);
		else                  /* a jump of up to 2 windows */
			seq = m.top + 1 + rnd(2 * size);
		if (seq <= base || seq - base >= sizeof(m.seen))
			continue;
		uint32_t seql = (uint32_t)seq;
		uint64_t full = seql;
		int want = esn && !model_infer(&m, seql, &full) ? M6_E_REPLAY_OLD
								 : model_check(&m, full);
		uint64_t got_seq = 0;
		int got = replay_check(&w, seql, &got_seq);
		n_ok += got == 0;
		n_dup += got == M6_E_REPLAY;
		n_old += got == M6_E_REPLAY_OLD;
		if (got != want)
			fail_msg("W=%u esn=%d seq=%#llx top=%#llx: got %d want %d", size, esn,
				 (unsigned long long)seq, (unsigned long long)m.top, got, want);
		if (got == 0 || got == M6_E_REPLAY)
			assert_int_equal(got_seq, full);
		/* Some fail their ICV; numbers the model cannot hold are not kept. */
		seq = full;
		if (got == 0 && rnd(10) != 0 && seq > base && seq - base < sizeof(m.seen)) {
			replay_update(&w, got_seq);
			m.seen[seq - base] = 1;
			if (seq > m.top)
				m.top = seq;
		}
	}
	assert_int_equal(w.top, m.top);
	/* Every outcome was exercised (left of the window is "ahead" with ESN). */
	assert_true(n_ok > 1000 && n_dup > 1000);
	if (!esn)
		assert_true(n_old > 1000);
}

/* ESP-03, ESP-04: W = 32, 64, 1024 (and 100, 4096) against the model. */
static void test_window_sizes(void **s)
{
	(void)s;
	srand(4303);
	static const uint32_t sizes[] = { 32, 64, 1024, 100, REPLAY_WINDOW_MAX };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		window_vs_model(sizes[i], false, 0);
		window_vs_model(sizes[i], true, 0);
		/* ESN across 2^32 and from deep in a later subspace. */
		window_vs_model(sizes[i], true, 0xFFFFFFFFull - 3000);
		window_vs_model(sizes[i], true, 0x7FFFFFFF00000000ull);
	}
}

/* ESP-03: the left edge exactly, for W = 32, 64, 1024. */
static void test_left_edge(void **s)
{
	(void)s;
	static const uint32_t sizes[] = { 32, 64, 1024 };
	for (size_t i = 0; i < 3; i++) {
		struct replay_window w;
		uint64_t seq;
		uint32_t W = sizes[i];
		static uint64_t bits[REPLAY_WINDOW_MAX / 64];
		assert_int_equal(replay_init(&w, W, false), 0);
		replay_attach(&w, bits);
		assert_int_equal(accept_seq(&w, 5000, &seq), 0);
		assert_int_equal(replay_check(&w, 5000 - W + 1, &seq), 0);
		assert_int_equal(replay_check(&w, 5000 - W, &seq), M6_E_REPLAY_OLD);
		for (uint32_t k = 5000 - W + 1; k < 5000; k++)
			assert_int_equal(accept_seq(&w, k, &seq), 0);
		for (uint32_t k = 5000 - W + 1; k <= 5000; k++)
			assert_int_equal(replay_check(&w, k, &seq), M6_E_REPLAY);
		/* Advance by exactly W: everything old falls out, nothing stale remains. */
		assert_int_equal(accept_seq(&w, 5000 + W, &seq), 0);
		for (uint32_t k = 5001; k < 5000 + W; k++)
			assert_int_equal(replay_check(&w, k, &seq), 0);
		assert_int_equal(replay_check(&w, 5000, &seq), M6_E_REPLAY_OLD);
		/* A late update for a number that left the window changes nothing. */
		struct replay_window before = w;
		replay_update(&w, 100);
		assert_memory_equal(&w, &before, sizeof(w));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esp03_table),
		cmocka_unit_test(test_seq_zero),
		cmocka_unit_test(test_init_sizes),
		cmocka_unit_test(test_esp04_esn_inference),
		cmocka_unit_test(test_esn_start),
		cmocka_unit_test(test_wrap_2p32),
		cmocka_unit_test(test_window_sizes),
		cmocka_unit_test(test_left_edge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
