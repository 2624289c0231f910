/* Correspondent node, nonces and keys over time (RFC 6275 5.2.7, 5.2.8,
 * 9.5.1, 12): a new nonce and a new Kcn every 30 s, the last 8 kept, none
 * accepted 240 s after it was made (136/137/138 for the others); bindings
 * expire while their sequence numbers outlive them. The test plays the
 * mobile node (cn_fake.h); each test cites the conformance items it
 * checks. */
#include "cn_fake.h"

/* RR-05, BU-04, BA-01: nonces older than MAX_NONCE_LIFETIME give 137 /
 * 136 / 138, without a BAD, and create nothing. */
static void test_expired_nonces(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk old, fresh, mix;
	do_rr(&old, A_HOA, A_COA);
	for (int i = 1; i <= 8; i++) {
		now = T0 + (uint64_t)i * 30 * NS;
		cn_on_timer(cn, now);
	}
	now = T0 + 241 * NS;
	do_rr(&fresh, A_HOA, A_COA);
	assert_int_equal((uint16_t)(fresh.hidx - old.hidx), 8);
	static const struct { bool old_home, old_coa; uint8_t status; } rows[] = {
		{ false, true, MH_BA_EXPIRED_COA_NONCE },
		{ true, false, MH_BA_EXPIRED_HOME_NONCE },
		{ true, true, MH_BA_EXPIRED_NONCES },
	};
	for (int i = 0; i < 3; i++) {
		mix.hidx = rows[i].old_home ? old.hidx : fresh.hidx;
		memcpy(mix.ht, rows[i].old_home ? old.ht : fresh.ht, RR_TOKEN_LEN);
		mix.cidx = rows[i].old_coa ? old.cidx : fresh.cidx;
		memcpy(mix.ct, rows[i].old_coa ? old.ct : fresh.ct, RR_TOKEN_LEN);
		/* without A too: a nonce rejection is always answered (9.5.4) */
		FEED_BU(&mix, A_HOA, A_COA, (uint16_t)(20 + i), 0, 10, NULL);
		assert_int_equal(F.n_pkts, 1);
		check_ba(0, A_COA, A_HOA, rows[i].status, (uint16_t)(20 + i), NULL, NULL, NULL);
		assert_int_equal(last_ev(M6_EV_BA_SENT)->code, rows[i].status);
		assert_int_equal(bcache_count(cn_bcache(cn)), 0);
	}
	/* a delete ignores the care-of index: old care-of, fresh home is fine */
	mix.hidx = fresh.hidx;
	memcpy(mix.ht, fresh.ht, RR_TOKEN_LEN);
	mix.cidx = old.cidx;
	uint8_t kbm[RR_KBM_LEN];
	FEED_BU(&mix, A_HOA, A_COA, 30, MH_BU_A, 0, kbm);
	check_ba(0, A_COA, A_HOA, MH_BA_ACCEPTED, 30, kbm, A_HOA, NULL);
	assert_int_equal(bcache_count(cn_bcache(cn)), 0);      /* BU-06: nothing created */
}

/* RR-05: a new nonce every 30 s on the dot, indices increasing by one,
 * timers catching up when late; the 240 s limit from creation. */
static void test_nonce_rotation(void **s)
{
	(void)s;
	uint16_t i0, i;
	uint8_t t[RR_TOKEN_LEN];
	assert_int_equal(cn_next_expiry(cn), T0 + 30 * NS);
	test_init(true, A_HOA, &i0, t);
	now = T0 + 30 * NS - 1;
	test_init(true, A_HOA, &i, t);
	assert_int_equal(i, i0);
	assert_int_equal(cn_next_expiry(cn), T0 + 30 * NS);
	now = T0 + 30 * NS;
	cn_on_timer(cn, now);
	assert_int_equal(cn_next_expiry(cn), T0 + 60 * NS);
	test_init(true, A_HOA, &i, t);
	assert_int_equal(i, (uint16_t)(i0 + 1));
	/* late: at 95 s without a timer, the nonces of 60 s and 90 s exist */
	now = T0 + 95 * NS;
	test_init(false, A_COA, &i, t);
	assert_int_equal(i, (uint16_t)(i0 + 3));
	assert_int_equal(cn_next_expiry(cn), T0 + 120 * NS);
	/* far behind: only the last 8 are made, the indices still count time */
	now = T0 + 3000 * NS;
	cn_on_timer(cn, now);
	test_init(true, A_HOA, &i, t);
	assert_int_equal(i, (uint16_t)(i0 + 100));
	assert_int_equal(cn_next_expiry(cn), T0 + 3030 * NS);
}

/* RR-05: accepted just before 240 s, refused at 240 s, whether the ring
 * has dropped the nonce (8 kept) or still holds it (16 kept). */
static void test_nonce_lifetime_limit(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	for (int pass = 0; pass < 2; pass++) {
		unsigned kept = pass ? 16 : 0;          /* 16: the ring keeps it; age still refuses */
		struct rrk k;
		struct ip6_walk w;
		struct mh_msg m;
		const uint8_t *mh;
		size_t mlen;
		cn_free(cn);
		make(kept, 0);
		do_rr(&k, A_HOA, A_COA);
		for (now = T0; now < T0 + 240 * NS; now += 10 * NS)
			cn_on_timer(cn, now);
		now = T0 + 240 * NS - 1;
		FEED_BU(&k, A_HOA, A_COA, 1, MH_BU_A, 10, NULL);
		get_mh(0, &w, &m, &mh, &mlen);
		assert_int_equal(m.status, MH_BA_ACCEPTED);
		now = T0 + 240 * NS;
		cn_on_timer(cn, now);
		FEED_BU(&k, A_HOA, A_COA, 2, MH_BU_A, 10, NULL);
		check_ba(0, A_COA, A_HOA, MH_BA_EXPIRED_NONCES, 2, NULL, NULL, NULL);
	}
}

/* RR-05, RR-01 (RFC 6275 5.2.7): Kcn is regenerated with every nonce. The
 * tokens of each period are keyed by the Kcn drawn with its nonce, a key
 * lives as long as its nonce, and a BU combining tokens of two periods
 * verifies; 240 s on, the first period's nonce and key are gone (136). */
static void test_kcn_rotation(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	uint8_t kcn[9][RR_KCN_LEN], n0[RR_NONCE_LEN], n1[RR_NONCE_LEN], want[RR_TOKEN_LEN], kbm[RR_KBM_LEN];
	uint8_t t1[RR_TOKEN_LEN];
	uint16_t i1;
	struct rrk k;
	test_init(true, A_HOA, &k.hidx, k.ht);
	drawn(0, RR_KCN_LEN, kcn[0]);
	drawn(0, RR_NONCE_LEN, n0);
	assert_int_equal(rr_token(kcn[0], A_HOA, n0, RR_HOME, want), 0);
	assert_memory_equal(k.ht, want, RR_TOKEN_LEN);
	now = T0 + 30 * NS;
	cn_on_timer(cn, now);
	test_init(true, A_HOA, &i1, t1);
	assert_int_equal(i1, (uint16_t)(k.hidx + 1));
	drawn(1, RR_KCN_LEN, kcn[1]);
	drawn(1, RR_NONCE_LEN, n1);
	assert_memory_not_equal(kcn[0], kcn[1], RR_KCN_LEN);
	assert_int_equal(rr_token(kcn[1], A_HOA, n1, RR_HOME, want), 0);
	assert_memory_equal(t1, want, RR_TOKEN_LEN);
	/* what a correspondent that never rotates Kcn would have sent */
	assert_int_equal(rr_token(kcn[0], A_HOA, n1, RR_HOME, want), 0);
	assert_memory_not_equal(t1, want, RR_TOKEN_LEN);
	/* home token of period 0, care-of token of period 1: both keys known */
	test_init(false, A_COA, &k.cidx, k.ct);
	assert_int_equal(k.cidx, i1);
	FEED_BU(&k, A_HOA, A_COA, 1, MH_BU_A, 10, kbm);
	check_ba(0, A_COA, A_HOA, MH_BA_ACCEPTED, 1, kbm, A_COA, NULL);
	/* a new pair every 30 s: nine keys by 240 s, all different */
	for (now = T0 + 60 * NS; now <= T0 + 240 * NS; now += 30 * NS)
		cn_on_timer(cn, now);
	now = T0 + 240 * NS;
	for (unsigned i = 2; i < 9; i++) {
		drawn(i, RR_KCN_LEN, kcn[i]);
		assert_memory_not_equal(kcn[i], kcn[i - 1], RR_KCN_LEN);
	}
	/* period 0 is forgotten with its key; period 1 (210 s old) still holds */
	FEED_BU(&k, A_HOA, A_COA, 2, MH_BU_A, 10, NULL);
	check_ba(0, A_COA, A_HOA, MH_BA_EXPIRED_HOME_NONCE, 2, NULL, NULL, NULL);
	k.hidx = i1;
	memcpy(k.ht, t1, RR_TOKEN_LEN);
	FEED_BU(&k, A_HOA, A_COA, 3, MH_BU_A, 10, kbm);
	check_ba(0, A_COA, A_HOA, MH_BA_ACCEPTED, 3, kbm, A_COA, NULL);
}

/* BU-06 / 9.6: the binding goes at the end of its lifetime (the timer says
 * when), with an event; its sequence number outlives it as a replay guard. */
static void test_binding_expiry(void **s)
{
	(void)s;
	static uint8_t buf[2048];
	struct rrk k;
	uint8_t kbm[RR_KBM_LEN];
	do_rr(&k, A_HOA, A_COA);
	size_t n = bu(buf, &k, A_HOA, A_COA, 5, 0, 2, kbm);
	feed(buf, n);
	assert_int_equal(cn_next_expiry(cn), now + 8 * NS);
	now += 8 * NS;
	clear();
	cn_on_timer(cn, now);
	assert_int_equal(count_ev(M6_EV_BINDING_EXPIRED), 1);
	assert_memory_equal(last_ev(M6_EV_BINDING_EXPIRED)->peer, A_HOA, 16);
	assert_null(binding(A_HOA));
	assert_int_equal(cn_next_expiry(cn), T0 + 30 * NS);
	/* the same BU again: refused with 135, not re-created */
	feed(buf, n);
	assert_int_equal(F.n_pkts, 1);
	check_ba(0, A_COA, A_HOA, MH_BA_SEQ_OUT_OF_WINDOW, 5, kbm, A_COA, NULL);
	assert_null(binding(A_HOA));
	/* a newer one re-creates it as a new binding */
	FEED_BU(&k, A_HOA, A_COA, 6, 0, 2, NULL);
	assert_int_equal(count_ev(M6_EV_BINDING_ADDED), 1);
	assert_non_null(binding(A_HOA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_expired_nonces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonce_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonce_lifetime_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kcn_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding_expiry, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
