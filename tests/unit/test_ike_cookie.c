/* The responder's stateless COOKIE (RFC 7296 2.6): made and checked, its
 * secret rotated, and the whole round trip with a real initiator. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "test_ike_ends.h"
#include "ike/ike_cookie.h"

static uint8_t q[IKE_SA_MSG_MAX], p[IKE_SA_MSG_MAX];
static size_t ql, pl;

/* VersionID | HMAC-SHA2-256(secret, Ni | IPi | SPIi), by OpenSSL's HMAC()
 * directly rather than through ike_prf. */
static void expect_cookie(const uint8_t *secret, uint32_t version, const uint8_t *ni, size_t nl,
			  const uint8_t ip[16], const uint8_t spi[8], uint8_t out[IKE_COOKIE_LEN])
{
	uint8_t in[512];
	unsigned int ml = 32;
	memcpy(in, ni, nl);
	memcpy(in + nl, ip, 16);
	memcpy(in + nl + 16, spi, 8);
	m6_put32(out, version);
	assert_non_null(HMAC(EVP_sha256(), secret, IKE_COOKIE_SECRET_LEN, in, nl + 24, out + 4, &ml));
	assert_int_equal(ml, 32);
}

/* IKE-06: the cookie is VersionID | prf(secret, Ni | IPi | SPIi); it binds
 * the nonce, the address and the SPI; a rotation keeps the previous secret
 * only. */
static void test_make_and_check(void **s)
{
	(void)s;
	struct seeded g = { 9, 0 };
	struct ike_rng rng = { seeded_rng, &g };
	struct ike_cookie c;
	uint8_t ni[32], ip[16], spi[8], ck[IKE_COOKIE_LEN], want[IKE_COOKIE_LEN];
	memset(ni, 0x11, sizeof(ni));
	tu_addr(TU_COA, ip);
	memset(spi, 0x22, sizeof(spi));
	ike_cookie_init(&c, &rng);
	assert_int_equal(ike_cookie_make(&c, ni, sizeof(ni), ip, spi, ck), 0);
	expect_cookie(c.secret, 1, ni, sizeof(ni), ip, spi, want);
	assert_memory_equal(ck, want, IKE_COOKIE_LEN);
	assert_true(ike_cookie_valid(&c, ck, sizeof(ck), ni, sizeof(ni), ip, spi));
	assert_false(ike_cookie_valid(&c, ck, sizeof(ck) - 1, ni, sizeof(ni), ip, spi));
	ip[15] ^= 1;
	assert_false(ike_cookie_valid(&c, ck, sizeof(ck), ni, sizeof(ni), ip, spi));
	ip[15] ^= 1;
	spi[0] ^= 1;
	assert_false(ike_cookie_valid(&c, ck, sizeof(ck), ni, sizeof(ni), ip, spi));
	spi[0] ^= 1;
	assert_false(ike_cookie_valid(&c, ck, sizeof(ck), ni, sizeof(ni) - 1, ip, spi));
	ck[20] ^= 1;
	assert_false(ike_cookie_valid(&c, ck, sizeof(ck), ni, sizeof(ni), ip, spi));
	ck[20] ^= 1;
	/* one rotation: still good, with the old VersionID; two: gone */
	uint8_t old[IKE_COOKIE_SECRET_LEN];
	memcpy(old, c.secret, sizeof(old));
	ike_cookie_rotate(&c, &rng);
	assert_memory_not_equal(c.secret, old, sizeof(old));
	assert_true(ike_cookie_valid(&c, ck, sizeof(ck), ni, sizeof(ni), ip, spi));
	uint8_t ck2[IKE_COOKIE_LEN];
	assert_int_equal(ike_cookie_make(&c, ni, sizeof(ni), ip, spi, ck2), 0);
	assert_int_equal(m6_get32(ck2), 2);
	expect_cookie(c.secret, 2, ni, sizeof(ni), ip, spi, want);
	assert_memory_equal(ck2, want, IKE_COOKIE_LEN);
	ike_cookie_rotate(&c, &rng);
	assert_false(ike_cookie_valid(&c, ck, sizeof(ck), ni, sizeof(ni), ip, spi));
	assert_true(ike_cookie_valid(&c, ck2, sizeof(ck2), ni, sizeof(ni), ip, spi));
	/* a VersionID from the future is no better */
	m6_put32(ck2, 7);
	assert_false(ike_cookie_valid(&c, ck2, sizeof(ck2), ni, sizeof(ni), ip, spi));
	ike_cookie_clear(&c);
	static const struct ike_cookie zero;
	assert_memory_equal(&c, &zero, sizeof(zero));
}

/* IKE-06, IKE-07: under load the responder answers IKE_SA_INIT with
 * N(COOKIE), SPIr 0 and nothing kept; the initiator's retry (the cookie
 * first, everything else unchanged) gets in, and the exchange completes;
 * the same cookie from another address does not; the responder's
 * INVALID_KE_PAYLOAD after the cookie works as well. */
static void test_round_trip(void **s)
{
	(void)s;
	static struct ends e;
	struct seeded g = { 5, 0 };
	struct ike_rng rng = { seeded_rng, &g };
	struct ike_cookie c;
	uint8_t ip[16], other[16];
	tu_addr(TU_COA, ip);
	tu_addr(TU_CN, other);
	ike_cookie_init(&c, &rng);
	setup(&e, gcm_x25519);
	e.ci.ike[1] = e.ci.ike[0];
	e.ci.ike[1].dh = IKE_DH_ECP256;
	e.ci.n_ike = 2;
	e.cr.ike[0].dh = IKE_DH_ECP256;                /* the responder wants group 19 */
	assert_int_equal(ike_sa_start(&e.i, &e.ci, q, sizeof(q), &ql), 0);
	static struct ike_cookie before;
	before = c;
	assert_int_equal(ike_cookie_screen(&c, q, ql, ip, p, sizeof(p), &pl), M6_E_IKE_COOKIE);
	assert_memory_equal(&c, &before, sizeof(c));     /* stateless */
	struct ike_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(p, pl, &m, &ds, 0), 0);
	static const uint8_t zero[8];
	assert_memory_equal(m.hdr.spi_r, zero, 8);
	assert_memory_equal(m.hdr.spi_i, q, 8);
	assert_int_equal(m.hdr.flags, IKE_FLAG_R);
	assert_int_equal(m.hdr.msgid, 0);
	assert_int_equal(m.n, 1);
	const struct ike_pl *n = ike_msg_find_notify(&m, IKE_N_COOKIE);
	assert_non_null(n);
	assert_int_equal(n->body_len, 4 + IKE_COOKIE_LEN);
	uint8_t want[IKE_COOKIE_LEN];
	expect_cookie(c.secret, c.version, e.i.ni, e.i.ni_len, ip, e.i.spi_i, want);
	assert_memory_equal(n->body + 4, want, IKE_COOKIE_LEN);
	/* the initiator retries with the cookie */
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	assert_int_equal(q[IKE_HDR_LEN + 4 + 3], IKE_N_COOKIE & 0xff);
	assert_int_equal(ike_cookie_screen(&c, q, ql, other, p, sizeof(p), &pl), M6_E_IKE_COOKIE);
	assert_int_equal(ike_cookie_screen(&c, q, ql, ip, p, sizeof(p), &pl), 0);
	assert_int_equal(pl, 0);
	/* in; the responder wants another group (stateless too), the retry
	 * carries the cookie again and still gets in */
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(e.r.state, IKE_SA_IDLE);
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(p, pl, &m, &ds, 0), 0);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_INVALID_KE_PAYLOAD));
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	assert_int_equal(ike_cookie_screen(&c, q, ql, ip, p, sizeof(p), &pl), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(e.r.state, IKE_SA_INIT_DONE);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.i.suite.dh, IKE_DH_ECP256);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	ike_cookie_clear(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make_and_check),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
