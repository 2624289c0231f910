/* Return routability cryptography (RFC 6275 5.2.5, 6.2.7) against the
 * Python hmac/hashlib vectors of tests/oracle/rr_vectors.py, and the layout
 * of the Mobility Headers those vectors cover. */
#include "tu.h"
#include "mip6/rr.h"
#include "pkt/mh.h"
#include "rr_vectors.h"

/* RR-02, TV-08: keygen tokens, home (octet 0) and care-of (octet 1). */
static void test_tokens(void **s)
{
	(void)s;
	uint8_t t[RR_TOKEN_LEN];
	assert_int_equal(rr_token(RRV_KCN, RRV_HOA, RRV_HOME_NONCE, RR_HOME, t), 0);
	assert_memory_equal(t, RRV_HOME_TOKEN, RR_TOKEN_LEN);
	assert_int_equal(rr_token(RRV_KCN, RRV_COA, RRV_COA_NONCE, RR_CAREOF, t), 0);
	assert_memory_equal(t, RRV_COA_TOKEN, RR_TOKEN_LEN);
	assert_int_equal(rr_token(RRV_KCN, RRV_ACOA, RRV_COA_NONCE, RR_CAREOF, t), 0);
	assert_memory_equal(t, RRV_ACOA_TOKEN, RR_TOKEN_LEN);
	/* same key, address and nonce: only the last octet tells them apart */
	assert_int_equal(rr_token(RRV_KCN2, RRV_HOA, RRV_COA_NONCE, RR_HOME, t), 0);
	assert_memory_equal(t, RRV_KCN2_HOME_TOKEN, RR_TOKEN_LEN);
	assert_int_equal(rr_token(RRV_KCN2, RRV_HOA, RRV_COA_NONCE, RR_CAREOF, t), 0);
	assert_memory_equal(t, RRV_KCN2_COA_TOKEN, RR_TOKEN_LEN);
	assert_memory_not_equal(RRV_KCN2_HOME_TOKEN, RRV_KCN2_COA_TOKEN, RR_TOKEN_LEN);
}

/* RR-02: Kbm = SHA1(home | care-of), SHA1(home) for a de-registration. */
static void test_kbm(void **s)
{
	(void)s;
	uint8_t k[RR_KBM_LEN];
	assert_int_equal(rr_kbm(RRV_HOME_TOKEN, RRV_COA_TOKEN, k), 0);
	assert_memory_equal(k, RRV_KBM, RR_KBM_LEN);
	assert_int_equal(rr_kbm(RRV_HOME_TOKEN, RRV_ACOA_TOKEN, k), 0);
	assert_memory_equal(k, RRV_KBM_ACOA, RR_KBM_LEN);
	assert_int_equal(rr_kbm(RRV_HOME_TOKEN, NULL, k), 0);
	assert_memory_equal(k, RRV_KBM_DEL, RR_KBM_LEN);
}

/* RR-03: the authenticator over each vector MH, whose Checksum is non-zero
 * on the wire but counts as zero. */
static void test_bad_vectors(void **s)
{
	(void)s;
	static const struct {
		const uint8_t *mh; size_t len, off;
		const uint8_t *kbm, *coa, *auth;
	} v[] = {
		{ RRV_BU_MH, sizeof(RRV_BU_MH), RRV_BU_AUTH_OFF, RRV_KBM, RRV_COA, RRV_BU_AUTH },
		{ RRV_BU_ACOA_MH, sizeof(RRV_BU_ACOA_MH), RRV_BU_ACOA_AUTH_OFF, RRV_KBM_ACOA, RRV_ACOA,
		  RRV_BU_ACOA_AUTH },
		{ RRV_BU_DEL_MH, sizeof(RRV_BU_DEL_MH), RRV_BU_DEL_AUTH_OFF, RRV_KBM_DEL, RRV_HOA,
		  RRV_BU_DEL_AUTH },
		{ RRV_BA_MH, sizeof(RRV_BA_MH), RRV_BA_AUTH_OFF, RRV_KBM, RRV_COA, RRV_BA_AUTH },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t out[RR_AUTH_LEN], mh[64];
		assert_true(v[i].mh[4] | v[i].mh[5]);
		assert_memory_equal(v[i].mh + v[i].off, v[i].auth, RR_AUTH_LEN);
		assert_int_equal(rr_bad(v[i].kbm, v[i].coa, RRV_CN, v[i].mh, v[i].len, v[i].off, out), 0);
		assert_memory_equal(out, v[i].auth, RR_AUTH_LEN);
		/* the authenticator octets themselves are not covered */
		memcpy(mh, v[i].mh, v[i].len);
		memset(mh + v[i].off, 0xee, RR_AUTH_LEN);
		mh[4] ^= 0xff;
		assert_int_equal(rr_bad(v[i].kbm, v[i].coa, RRV_CN, mh, v[i].len, v[i].off, out), 0);
		assert_memory_equal(out, v[i].auth, RR_AUTH_LEN);
		/* everything else is: message octets, care-of and correspondent */
		mh[8] ^= 1;
		assert_int_equal(rr_bad(v[i].kbm, v[i].coa, RRV_CN, mh, v[i].len, v[i].off, out), 0);
		assert_memory_not_equal(out, v[i].auth, RR_AUTH_LEN);
		assert_int_equal(rr_bad(v[i].kbm, RRV_CN, RRV_CN, v[i].mh, v[i].len, v[i].off, out), 0);
		assert_memory_not_equal(out, v[i].auth, RR_AUTH_LEN);
		assert_int_equal(rr_bad(v[i].kbm, v[i].coa, RRV_HOA, v[i].mh, v[i].len, v[i].off, out), 0);
		assert_memory_not_equal(out, v[i].auth, RR_AUTH_LEN);
	}
}

/* Bad ranges fail closed: error and a zeroed output. */
static void test_bad_ranges(void **s)
{
	(void)s;
	static uint8_t big[RR_MH_MAX + 8];
	uint8_t out[RR_AUTH_LEN];
	size_t n = sizeof(RRV_BU_MH);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(rr_bad(RRV_KBM, RRV_COA, RRV_CN, RRV_BU_MH, n, n - RR_AUTH_LEN + 1, out), M6_E_INVAL);
	for (size_t i = 0; i < RR_AUTH_LEN; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(rr_bad(RRV_KBM, RRV_COA, RRV_CN, RRV_BU_MH, n, n + 4, out), M6_E_INVAL);
	assert_int_equal(rr_bad(RRV_KBM, RRV_COA, RRV_CN, RRV_BU_MH, n, 4, out), M6_E_INVAL);
	assert_int_equal(rr_bad(RRV_KBM, RRV_COA, RRV_CN, big, sizeof(big), 20, out), M6_E_INVAL);
	assert_int_equal(rr_bad(RRV_KBM, RRV_COA, RRV_CN, big, RR_MH_MAX, RR_MH_MAX - RR_AUTH_LEN, out), 0);
}

/* OPT-03, MH-03: mh_build lays the vector messages out exactly as the
 * Python oracle did from the RFC formats, and the checksum agrees. */
static void test_vector_layouts(void **s)
{
	(void)s;
	uint8_t out[128];
	size_t len;
	uint8_t ni[4] = { RRV_HOME_INDEX >> 8, RRV_HOME_INDEX & 0xff, RRV_COA_INDEX >> 8, RRV_COA_INDEX & 0xff };
	struct { uint8_t type; uint16_t seq, flags, life; int acoa; const uint8_t *want; size_t wlen, off;
		 const uint8_t *src, *dst; } v[] = {
		{ MH_BU, 0x1234, MH_BU_A, 105, 0, RRV_BU_MH, sizeof(RRV_BU_MH), RRV_BU_AUTH_OFF, RRV_HOA, RRV_CN },
		{ MH_BU, 0x1235, MH_BU_A, 105, 1, RRV_BU_ACOA_MH, sizeof(RRV_BU_ACOA_MH), RRV_BU_ACOA_AUTH_OFF,
		  RRV_HOA, RRV_CN },
		{ MH_BU, 0x1236, MH_BU_A, 0, 0, RRV_BU_DEL_MH, sizeof(RRV_BU_DEL_MH), RRV_BU_DEL_AUTH_OFF,
		  RRV_HOA, RRV_CN },
		{ MH_BA, 0x1234, 0, 105, 0, RRV_BA_MH, sizeof(RRV_BA_MH), RRV_BA_AUTH_OFF, RRV_CN, RRV_HOA },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct mh_msg m;
		memset(&m, 0, sizeof(m));
		m.proto = 59;
		m.type = v[i].type;
		m.seq = v[i].seq;
		m.flags = v[i].flags;
		m.lifetime = v[i].life;
		if (v[i].acoa)
			m.opts[m.n_opts++] = (struct mh_opt){ .type = MHO_ACOA, .len = 16, .data = RRV_ACOA };
		if (v[i].type == MH_BU)
			m.opts[m.n_opts++] = (struct mh_opt){ .type = MHO_NI, .len = 4, .data = ni };
		m.opts[m.n_opts++] = (struct mh_opt){ .type = MHO_BAD, .len = RR_AUTH_LEN, .data = v[i].want + v[i].off };
		assert_int_equal(mh_build(&m, out, sizeof(out), &len), 0);
		assert_int_equal(len, v[i].wlen);
		assert_int_equal(len - RR_AUTH_LEN, v[i].off);
		mh_set_checksum(out, len, v[i].src, v[i].dst);
		assert_memory_equal(out, v[i].want, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_kbm),
		cmocka_unit_test(test_bad_vectors),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_vector_layouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
