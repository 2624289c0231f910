/* Home address assignment in IKE_AUTH (RFC 4877 9, RFC 5026): the mobile
 * node's CFG_REQUEST, the home agent's CFG_REPLY with the address and the
 * home prefix, TSi narrowed to the address, and the failure path. Both
 * ends run here. */
#include "test_ike_ends.h"

static uint8_t copy[IKE_SA_MSG_MAX];

static const char *assign_to = "2001:db8:1::200";
static uint8_t seen_want[16];
static bool seen_has_want;

static int assign(void *ctx, uint8_t id_type, const uint8_t *id, size_t id_len, const uint8_t *want,
		  uint8_t hoa[16], uint8_t *plen)
{
	(void)ctx;
	/* the identity is the authenticated one */
	assert_int_equal(id_type, IKE_ID_FQDN);
	assert_int_equal(id_len, sizeof(id_mn) - 1);
	assert_memory_equal(id, id_mn, id_len);
	seen_has_want = want != NULL;
	if (want)
		memcpy(seen_want, want, 16);
	if (!assign_to)
		return M6_E_FULL;
	tu_addr(assign_to, hoa);
	*plen = 64;
	return 0;
}

static void cp_of(const struct ike_msg *m, struct ike_cp *cp)
{
	struct m6_diags ds;
	m6_diags_init(&ds);
	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].inner && m->pl[i].type == IKE_PL_CP) {
			assert_int_equal(ike_cp_parse(m->pl[i].body, m->pl[i].body_len, cp, &ds, 0), 0);
			return;
		}
	fail_msg("no CP payload");
}

static void cp_setup(struct ends *e)
{
	ike_sa_clear(&e->i);    /* a test's previous round */
	ike_sa_clear(&e->r);
	setup(e, gcm_x25519);
	e->ci.cp = true;
	e->ci.tsi.n = 0;
	ts6(&e->ci.tsi, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 135, 0x0500, 0x06ff);
	e->cr.assign_hoa = assign;
	e->cr.cp_life_s = 7200;
}

/* 4877-12, 4877-13: CFG_REQUEST with a zero-length INTERNAL_IP6_ADDRESS
 * and MIP6_HOME_PREFIX; CFG_REPLY with the address and its prefix length
 * (17 octets) and the prefix (21: lifetime, prefix, length); the Child
 * SA's TSi is the assigned address alone at both ends. */
static void test_assigned(void **s)
{
	(void)s;
	static struct ends e;
	struct ike_msg m;
	struct ike_cp cp;
	cp_setup(&e);
	assign_to = "2001:db8:1::200";
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(deliver(&e.r, e.a, e.al, e.b, &e.bl), 0);
	assert_int_equal(deliver(&e.i, e.b, e.bl, e.a, &e.al), 0);
	ends_peek(&e.r, e.a, e.al, &m, copy);
	cp_of(&m, &cp);
	assert_int_equal(cp.cfg_type, IKE_CFG_REQUEST);
	assert_int_equal(cp.n, 2);
	assert_int_equal(cp.attr[0].type, IKE_CP_INTERNAL_IP6_ADDRESS);
	assert_int_equal(cp.attr[0].len, 0);
	assert_int_equal(cp.attr[1].type, IKE_CP_MIP6_HOME_PREFIX);
	assert_int_equal(cp.attr[1].len, 0);
	assert_int_equal(deliver(&e.r, e.a, e.al, e.b, &e.bl), 0);
	assert_false(seen_has_want);
	ends_peek(&e.i, e.b, e.bl, &m, copy);
	cp_of(&m, &cp);
	assert_int_equal(cp.cfg_type, IKE_CFG_REPLY);
	assert_int_equal(cp.n, 2);
	uint8_t want[16], pfx[16];
	tu_addr("2001:db8:1::200", want);
	tu_addr("2001:db8:1::", pfx);
	assert_int_equal(cp.attr[0].len, 17);
	assert_memory_equal(cp.attr[0].val, want, 16);
	assert_int_equal(cp.attr[0].val[16], 64);
	assert_int_equal(cp.attr[1].len, 21);
	assert_int_equal(m6_get32(cp.attr[1].val), 7200);
	assert_memory_equal(cp.attr[1].val + 4, pfx, 16);
	assert_int_equal(cp.attr[1].val[20], 64);
	assert_int_equal(deliver(&e.i, e.b, e.bl, e.a, &e.al), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	assert_true(e.i.cp_ok);
	assert_memory_equal(e.i.cp_hoa, want, 16);
	assert_int_equal(e.i.cp_plen, 64);
	assert_true(e.i.cp_pfx_ok);
	assert_memory_equal(e.i.cp_pfx, pfx, 16);
	assert_int_equal(e.i.cp_pfx_plen, 64);
	assert_int_equal(e.i.cp_pfx_life, 7200);
	/* the SA speaks for the assigned address only */
	assert_true(e.i.child_ok);
	assert_int_equal(e.i.ch[0].tsi.n, 1);
	assert_memory_equal(e.i.ch[0].tsi.ts[0].start, want, 16);
	assert_memory_equal(e.i.ch[0].tsi.ts[0].end, want, 16);
	assert_int_equal(e.r.ch[0].tsi.n, 1);
	assert_memory_equal(e.r.ch[0].tsi.ts[0].start, want, 16);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* RFC 4877 9: the suggestion travels in the request (17 octets); the home
 * agent may give it, or another address, which the mobile node takes. */
static void test_suggestion(void **s)
{
	(void)s;
	static struct ends e;
	uint8_t hoa[16];
	tu_addr(TU_HOA, hoa);
	for (int k = 0; k < 2; k++) {
		cp_setup(&e);
		e.ci.cp_want = hoa;
		assign_to = k ? "2001:db8:1::300" : TU_HOA;
		handshake(&e);
		assert_true(seen_has_want);
		assert_memory_equal(seen_want, hoa, 16);
		uint8_t got[16];
		tu_addr(assign_to, got);
		assert_memory_equal(e.i.cp_hoa, got, 16);
		assert_memory_equal(e.i.ch[0].tsi.ts[0].start, got, 16);
	}
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* 4877-12: no address to give: INTERNAL_ADDRESS_FAILURE and no Child SA;
 * the mobile node ends the IKE SA. A home agent without assignment
 * ignores the request, and the mobile node gives up too. */
static void test_failure(void **s)
{
	(void)s;
	static struct ends e;
	struct ike_msg m;
	cp_setup(&e);
	assign_to = NULL;
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(deliver(&e.r, e.a, e.al, e.b, &e.bl), 0);
	assert_int_equal(e.r.child_error, IKE_N_INTERNAL_ADDRESS_FAILURE);
	assert_false(e.r.child_ok);
	ends_peek(&e.i, e.b, e.bl, &m, copy);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_INTERNAL_ADDRESS_FAILURE));
	assert_null(ike_msg_find_notify(&m, IKE_N_USE_TRANSPORT_MODE));
	assert_int_equal(deliver(&e.i, e.b, e.bl, e.a, &e.al), M6_E_IKE_NO_ADDRESS);
	assert_int_equal(e.i.state, IKE_SA_FAILED);
	assert_int_equal(e.i.error, M6_E_IKE_NO_ADDRESS);

	cp_setup(&e);
	e.cr.assign_hoa = NULL;
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), M6_E_IKE_NO_ADDRESS);
	assert_int_equal(e.i.state, IKE_SA_FAILED);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assigned),
		cmocka_unit_test(test_suggestion),
		cmocka_unit_test(test_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
