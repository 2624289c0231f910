/* IKE_SA_INIT + IKE_AUTH with a pre-shared key, sans-I/O: both ends run here
 * against each other, messages passed by hand. */
#include "test_ike_ends.h"
#include "ike/ike_sa_int.h"

static void assert_same_keys(const struct ends *e)
{
	const struct ike_keys *a = &e->i.keys, *b = &e->r.keys;
	assert_int_equal(a->prf_len, b->prf_len);
	assert_memory_equal(a->d, b->d, a->prf_len);
	assert_memory_equal(a->pi, b->pi, a->prf_len);
	assert_memory_equal(a->pr, b->pr, a->prf_len);
	assert_memory_equal(a->ei, b->ei, a->e_len);
	assert_memory_equal(a->er, b->er, a->e_len);
	assert_memory_equal(a->ai, b->ai, a->a_len);
	assert_memory_equal(a->ar, b->ar, a->a_len);
}

/* IKE-01 (Message IDs 0 and 1), IKE-12 (AUTH both ways), IKE-13 (the Child
 * SA's keys): a full exchange for each suite and group. */
static void test_handshake_suites(void **s)
{
	(void)s;
	static const struct ike_suite suites[] = {
		{ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, IKE_DH_X25519 },
		{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_PRF_HMAC_SHA2_512, IKE_INTEG_NONE, IKE_DH_ECP384 },
		{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP2048 },
		{ IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_384_192, IKE_DH_ECP256 },
		{ IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, IKE_DH_X448 },
	};
	static struct ends e;
	for (size_t k = 0; k < sizeof(suites) / sizeof(suites[0]); k++) {
		setup(&e, suites[k]);
		assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
		/* IKE-01: IKE_SA_INIT is Message ID 0, IKE_AUTH 1 */
		assert_int_equal(m6_get32(e.a + 20), 0);
		ike_sa_respond(&e.r, &e.cr);
		assert_int_equal(to_r(&e), 0);
		assert_int_equal(e.r.state, IKE_SA_INIT_DONE);
		assert_int_equal(m6_get32(e.b + 20), 0);
		assert_int_equal(e.b[19], IKE_FLAG_R);
		assert_int_equal(to_i(&e), 0);
		assert_int_equal(e.i.state, IKE_SA_AUTH_SENT);
		assert_int_equal(m6_get32(e.a + 20), 1);
		assert_int_equal(e.a[16], IKE_PL_SK);
		assert_int_equal(to_r(&e), 0);
		assert_int_equal(m6_get32(e.b + 20), 1);
		assert_int_equal(to_i(&e), 0);
		assert_int_equal(e.al, 0);
		assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
		assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
		assert_memory_equal(e.i.spi_r, e.r.spi_r, 8);
		assert_memory_equal(e.i.spi_i, e.r.spi_i, 8);
		assert_same_keys(&e);
		/* the DH secrets are gone (2.12) */
		assert_null(e.i.dh);
		assert_null(e.r.dh);
		/* the IKE_SA_INIT messages AUTH signed are released; what stays
		 * is the last request and the response cache, at their length */
		assert_null(e.i.init_req);
		assert_null(e.r.init_resp);
		assert_int_equal(ike_sa_heap_bytes(&e.i),
				 e.i.last_out_len + e.i.resp_len + ike_sk_heap_bytes(&e.i.sk) + e.i.peer_id_len);
		/* nor the nonces and the key pair: IKE_AUTH is over */
		assert_null(e.i.ni);
		assert_null(e.r.ni);
		/* the HMAC key states only where an integrity transform is */
		assert_int_equal(ike_sk_heap_bytes(&e.i.sk), e.i.sk.aead ? 0 : 2 * 2 * 256);
		assert_true(e.i.last_out_len > 0 && e.r.resp_len > 0);
		assert_true(ike_sa_heap_bytes(&e.r) < IKE_SA_MSG_MAX);
		/* identities, authenticated */
		assert_int_equal(e.i.peer_id_len, sizeof(id_ha) - 1);
		assert_memory_equal(e.r.peer_id, id_mn, sizeof(id_mn) - 1);
		/* IKE-13: one Child SA, the same keys at both ends, SPIs crossed */
		assert_true(e.i.child_ok);
		assert_true(e.r.child_ok);
		assert_int_equal(e.i.child_spi_i, 0xc0000001);
		assert_int_equal(e.r.child_spi_i, 0xc0000001);
		assert_int_equal(e.i.child_spi_r, 0xd0000001);
		assert_int_equal(e.r.child_spi_r, 0xd0000001);
		assert_int_equal(e.i.ch[0].keys.e_len, 20);
		assert_memory_equal(e.i.ch[0].keys.ei, e.r.ch[0].keys.ei, 20);
		assert_memory_equal(e.i.ch[0].keys.er, e.r.ch[0].keys.er, 20);
		assert_memory_not_equal(e.i.ch[0].keys.ei, e.i.ch[0].keys.er, 20);
		/* the proposed selectors, accepted as they are */
		assert_int_equal(e.r.ch[0].tsi.n, 1);
		assert_int_equal(e.r.ch[0].tsi.ts[0].start_port, 0x0500);
		assert_int_equal(e.i.ch[0].tsr.ts[0].start_port, 0x0600);
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
}

/* Reproducible: the same generators give the same octets. */
static void test_reproducible(void **s)
{
	(void)s;
	static struct ends e1, e2;
	setup(&e1, gcm_x25519);
	setup(&e2, gcm_x25519);
	assert_int_equal(ike_sa_start(&e1.i, &e1.ci, e1.a, sizeof(e1.a), &e1.al), 0);
	assert_int_equal(ike_sa_start(&e2.i, &e2.ci, e2.a, sizeof(e2.a), &e2.al), 0);
	ike_sa_respond(&e1.r, &e1.cr);
	ike_sa_respond(&e2.r, &e2.cr);
	for (int step = 0; step < 4; step++) {
		if (step % 2 == 0) {
			assert_int_equal(e1.al, e2.al);
			assert_memory_equal(e1.a, e2.a, e1.al);
			assert_int_equal(to_r(&e1), 0);
			assert_int_equal(to_r(&e2), 0);
		} else {
			assert_int_equal(e1.bl, e2.bl);
			assert_memory_equal(e1.b, e2.b, e1.bl);
			assert_int_equal(to_i(&e1), 0);
			assert_int_equal(to_i(&e2), 0);
		}
	}
	ike_sa_clear(&e1.i);
	ike_sa_clear(&e1.r);
	ike_sa_clear(&e2.i);
	ike_sa_clear(&e2.r);
}

/* IKE-12, IKE-19: a wrong key or identity fails authentication. */
static void test_auth_failure(void **s)
{
	(void)s;
	static struct ends e;
	static const uint8_t other[] = "another pre-shared key, also sixty-four octets long, or close..";
	for (int k = 0; k < 3; k++) {
		setup(&e, gcm_x25519);
		if (k == 0) {
			e.cr.psk = other;
			e.cr.psk_len = sizeof(other) - 1;
		} else if (k == 1) {
			e.cr.peer_id = id_ha;          /* the responder expects someone else */
			e.cr.peer_id_len = sizeof(id_ha) - 1;
		} else {
			e.ci.peer_id = id_mn;          /* the initiator expects someone else */
			e.ci.peer_id_len = sizeof(id_mn) - 1;
		}
		assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
		ike_sa_respond(&e.r, &e.cr);
		assert_int_equal(to_r(&e), 0);
		assert_int_equal(to_i(&e), 0);
		int rc = to_r(&e);
		assert_true(e.bl > 0);
		if (k < 2) {
			/* the responder refuses and says AUTHENTICATION_FAILED */
			assert_int_equal(rc, k == 0 ? M6_E_IKE_AUTH : M6_E_IKE_PEER_ID);
			assert_int_equal(e.r.state, IKE_SA_FAILED);
			assert_int_equal(to_i(&e), M6_E_IKE_AUTH);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
			assert_int_equal(to_i(&e), M6_E_IKE_PEER_ID);
		}
		assert_int_equal(e.i.state, IKE_SA_FAILED);
		assert_false(e.i.child_ok);
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
}

/* IKE-07: the responder wants ECP-256; the initiator guessed X25519. */
static void test_invalid_ke(void **s)
{
	(void)s;
	static struct ends e;
	setup(&e, gcm_x25519);
	e.ci.ike[1] = e.ci.ike[0];
	e.ci.ike[1].dh = IKE_DH_ECP256;
	e.ci.n_ike = 2;
	e.cr.ike[0].dh = IKE_DH_ECP256;
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	static uint8_t first[IKE_SA_MSG_MAX];
	size_t first_len = e.al;
	memcpy(first, e.a, e.al);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(e.r.state, IKE_SA_IDLE);          /* stateless */
	struct ike_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(e.b, e.bl, &m, &ds, 0), 0);
	static const uint8_t zero[8];
	assert_memory_equal(m.hdr.spi_r, zero, 8);          /* IKE-06: SPIr 0 */
	const struct ike_pl *n = ike_msg_find_notify(&m, IKE_N_INVALID_KE_PAYLOAD);
	assert_non_null(n);
	assert_int_equal(m6_get16(n->body + 4), IKE_DH_ECP256);
	assert_int_equal(to_i(&e), 0);
	/* the retry: Message ID 0, both proposals again, KE of group 19, same Ni */
	assert_int_equal(m6_get32(e.a + 20), 0);
	assert_int_equal(e.i.init_req_len, e.al);
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(e.a, e.al, &m, &ds, 0), 0);
	struct ike_ke ke;
	const struct ike_pl *kp = ike_msg_find(&m, IKE_PL_KE, 0);
	assert_int_equal(ike_ke_parse(kp->body, kp->body_len, &ke, &ds, 0), 0);
	assert_int_equal(ke.group, IKE_DH_ECP256);
	static struct ike_sa_payload sp;
	const struct ike_pl *sap = ike_msg_find(&m, IKE_PL_SA, 0);
	assert_int_equal(ike_sa_parse(sap->body, sap->body_len, &sp, &ds, 0), 0);
	assert_int_equal(sp.n_prop, 2);
	assert_memory_equal(ike_msg_find(&m, IKE_PL_NONCE, 0)->body, e.i.ni, 32);
	assert_memory_not_equal(e.a, first, first_len < e.al ? first_len : e.al);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.i.suite.dh, IKE_DH_ECP256);
	assert_same_keys(&e);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-08: nothing in common gives NO_PROPOSAL_CHOSEN, and the initiator gives up. */
static void test_no_proposal(void **s)
{
	(void)s;
	static struct ends e;
	setup(&e, gcm_x25519);
	e.cr.ike[0].encr = IKE_ENCR_CHACHA20_POLY1305;
	e.cr.ike[0].encr_bits = 0;
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(e.r.state, IKE_SA_IDLE);
	struct ike_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(e.b, e.bl, &m, &ds, 0), 0);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_NO_PROPOSAL_CHOSEN));
	assert_int_equal(to_i(&e), M6_E_IKE_PEER_ERROR);
	assert_int_equal(e.i.state, IKE_SA_FAILED);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-02: retransmissions are bit-identical; a repeated request gets the
 * cached response and changes nothing. */
static void test_retransmissions(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t req[IKE_SA_MSG_MAX], again[IKE_SA_MSG_MAX], resp[IKE_SA_MSG_MAX];
	size_t rl, al, pl;
	setup(&e, gcm_x25519);
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	assert_int_equal(ike_sa_retransmit(&e.i, again, sizeof(again), &al), 0);
	assert_int_equal(al, e.al);
	assert_memory_equal(again, e.a, al);
	memcpy(req, e.a, e.al);
	rl = e.al;
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	memcpy(resp, e.b, e.bl);
	pl = e.bl;
	/* the same IKE_SA_INIT again */
	assert_int_equal(ike_sa_input(&e.r, req, rl, e.b, sizeof(e.b), &e.bl), 0);
	assert_int_equal(e.bl, pl);
	assert_memory_equal(e.b, resp, pl);
	assert_int_equal(e.r.state, IKE_SA_INIT_DONE);
	/* another IKE_SA_INIT (new Ni) is not for this SA */
	req[rl - 1] ^= 1;                                     /* in Ni */
	assert_int_equal(ike_sa_input(&e.r, req, rl, e.b, sizeof(e.b), &e.bl), M6_E_IKE_UNEXPECTED);
	assert_int_equal(e.bl, 0);
	memcpy(e.b, resp, pl);
	e.bl = pl;
	assert_int_equal(to_i(&e), 0);
	/* the IKE_AUTH request, kept before the responder decrypts it in place */
	assert_int_equal(ike_sa_retransmit(&e.i, again, sizeof(again), &al), 0);
	assert_int_equal(al, e.al);
	assert_memory_equal(again, e.a, al);
	assert_int_equal(to_r(&e), 0);
	memcpy(resp, e.b, e.bl);
	pl = e.bl;
	assert_int_equal(ike_sa_input(&e.r, again, al, e.b, sizeof(e.b), &e.bl), 0);
	assert_int_equal(e.bl, pl);
	assert_memory_equal(e.b, resp, pl);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	/* the initiator has nothing outstanding any more; a late duplicate
	 * response is unexpected */
	assert_int_equal(ike_sa_retransmit(&e.i, again, sizeof(again), &al), M6_E_IKE_UNEXPECTED);
	memcpy(e.b, resp, pl);
	e.bl = pl;
	assert_int_equal(to_i(&e), M6_E_IKE_UNEXPECTED);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-22: a bad KE value drops the IKE_SA_INIT message, unanswered. */
static void test_bad_ke(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t good[IKE_SA_MSG_MAX];
	for (int side = 0; side < 2; side++) {
		setup(&e, gcm_x25519);
		assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
		ike_sa_respond(&e.r, &e.cr);
		struct ike_msg m;
		struct m6_diags ds;
		if (side == 0) {
			memcpy(good, e.a, e.al);
			m6_diags_init(&ds);
			assert_int_equal(ike_msg_parse(e.a, e.al, &m, &ds, 0), 0);
			const struct ike_pl *kp = ike_msg_find(&m, IKE_PL_KE, 0);
			memset((uint8_t *)kp->body + 4, 0, 32);       /* u = 0: all-zero result */
			assert_int_equal(to_r(&e), M6_E_IKE_KE_VALUE);
			assert_int_equal(e.bl, 0);
			assert_int_equal(e.r.state, IKE_SA_IDLE);
			memcpy(e.a, good, e.al);
			assert_int_equal(to_r(&e), 0);
		} else {
			assert_int_equal(to_r(&e), 0);
			memcpy(good, e.b, e.bl);
			m6_diags_init(&ds);
			assert_int_equal(ike_msg_parse(e.b, e.bl, &m, &ds, 0), 0);
			const struct ike_pl *kp = ike_msg_find(&m, IKE_PL_KE, 0);
			memset((uint8_t *)kp->body + 4, 0, 32);
			((uint8_t *)kp->body)[4] = 1;                 /* u = 1: small order */
			assert_int_equal(to_i(&e), M6_E_IKE_KE_VALUE);
			assert_int_equal(e.al, 0);
			assert_int_equal(e.i.state, IKE_SA_INIT_SENT);
			memcpy(e.b, good, e.bl);
		}
		assert_int_equal(to_i(&e), 0);
		assert_int_equal(to_r(&e), 0);
		assert_int_equal(to_i(&e), 0);
		assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
}

/* A tampered IKE_AUTH request is dropped (ICV), the real one still works. */
static void test_tampered(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t good[IKE_SA_MSG_MAX];
	setup(&e, gcm_x25519);
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	memcpy(good, e.a, e.al);
	e.a[e.al - 20] ^= 4;
	assert_int_equal(to_r(&e), M6_E_IKE_ICV);
	assert_int_equal(e.bl, 0);
	assert_int_equal(e.r.state, IKE_SA_INIT_DONE);
	/* a message for other SPIs */
	memcpy(e.a, good, e.al);
	e.a[9] ^= 1;
	assert_int_equal(to_r(&e), M6_E_IKE_UNEXPECTED);
	memcpy(e.a, good, e.al);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-19: the Child SA refused, the IKE SA established all the same. */
static void test_child_refused(void **s)
{
	(void)s;
	static struct ends e;
	for (int k = 0; k < 2; k++) {
		setup(&e, gcm_x25519);
		if (k == 0) {
			e.cr.tsi.n = 0;                 /* another node's prefix only */
			ts6(&e.cr.tsi, "2001:db8:9::", "2001:db8:9::ffff", 135, 0, 65535);
		} else {
			e.cr.esp.encr = IKE_ENCR_AES_CBC;
			e.cr.esp.integ = IKE_INTEG_HMAC_SHA2_256_128;
		}
		handshake(&e);
		assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
		assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
		assert_false(e.i.child_ok);
		assert_false(e.r.child_ok);
		uint16_t want = k == 0 ? IKE_N_TS_UNACCEPTABLE : IKE_N_NO_PROPOSAL_CHOSEN;
		assert_int_equal(e.r.child_error, want);
		assert_int_equal(e.i.child_error, want);
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
}

/* Extended Sequence Numbers (RFC 7296 3.3.2 transform type 5, RFC 4303
 * 2.2.1): with esn at both ends the Child SA is proposed and answered with
 * ESN (id 1) alone; with esn at one end only it is refused
 * (NO_PROPOSAL_CHOSEN), as 32-bit and 64-bit sequence numbers are not
 * interchangeable on the wire (the ICV covers the high half). */
static void test_child_esn(void **s)
{
	(void)s;
	static struct ends e;
	struct ike_prop p;
	ike_sa_esp_prop(&(struct ike_child_alg){ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, false, true }, 1, 7, &p);
	assert_true(ike_sa_xf_has(&p, IKE_XF_ESN, 1, 0));
	assert_false(ike_sa_xf_has(&p, IKE_XF_ESN, 0, 0));
	for (int k = 0; k < 3; k++) {
		setup(&e, gcm_x25519);
		e.ci.esp.esn = k != 1;
		e.cr.esp.esn = k != 2;
		handshake(&e);
		assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
		assert_int_equal(e.r.child_ok, k == 0);
		assert_int_equal(e.i.child_ok, k == 0);
		if (k)
			assert_int_equal(e.i.child_error, IKE_N_NO_PROPOSAL_CHOSEN);
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
}

/* IKE-17 (RFC 7296 2.9): selectors wider than the responder's policy are narrowed
 * to it, not refused (strongSwan proposes its configured HoA/128[135] and
 * HA/128[135], all MH types); with no part in common, TS_UNACCEPTABLE. */
static void test_child_narrowed(void **s)
{
	(void)s;
	static struct ends e;
	setup(&e, gcm_x25519);
	e.ci.tsi.n = e.ci.tsr.n = e.cr.tsi.n = e.cr.tsr.n = 0;
	ts6(&e.ci.tsi, TU_HOA, TU_HOA, 135, 0, 65535);
	ts6(&e.ci.tsr, TU_HA, TU_HA, 0, 0, 65535);
	ts6(&e.cr.tsi, "2001:db8:1::", "2001:db8:1::ffff", 135, 0x0500, 0x06ff);
	ts6(&e.cr.tsr, TU_HA, TU_HA, 135, 0x0500, 0x06ff);
	handshake(&e);
	assert_true(e.i.child_ok);
	assert_true(e.r.child_ok);
	const struct ike_ts_list *l[2] = { &e.i.ch[0].tsi, &e.i.ch[0].tsr };
	for (int k = 0; k < 2; k++) {
		assert_int_equal(l[k]->n, 1);
		assert_int_equal(l[k]->ts[0].proto, 135);
		assert_int_equal(l[k]->ts[0].start_port, 0x0500);
		assert_int_equal(l[k]->ts[0].end_port, 0x06ff);
		assert_memory_equal(l[k]->ts[0].start, l[k]->ts[0].end, 16);
	}
	uint8_t hoa[16];
	tu_addr(TU_HOA, hoa);
	assert_memory_equal(e.i.ch[0].tsi.ts[0].start, hoa, 16);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	/* nothing in common: the MH types asked for are outside the policy */
	setup(&e, gcm_x25519);
	e.ci.tsi.n = e.cr.tsi.n = 0;
	ts6(&e.ci.tsi, TU_HOA, TU_HOA, 135, 0x0700, 0x07ff);
	ts6(&e.cr.tsi, "2001:db8:1::", "2001:db8:1::ffff", 135, 0x0500, 0x06ff);
	handshake(&e);
	assert_false(e.r.child_ok);
	assert_int_equal(e.r.child_error, IKE_N_TS_UNACCEPTABLE);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-06: after a COOKIE the request is resent with N(COOKIE) first and
 * everything else unchanged (same SPIi, Ni, KE); Message ID stays 0. */
static void test_cookie_retry(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t first[IKE_SA_MSG_MAX];
	setup(&e, gcm_x25519);
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	size_t fl = e.al;
	memcpy(first, e.a, fl);
	struct ike_hdr h;
	assert_int_equal(ike_hdr_parse(first, fl, &h), 0);
	h.flags = IKE_FLAG_R;
	uint8_t cookie[20];
	memset(cookie, 0x77, sizeof(cookie));
	struct ike_wr w;
	ike_wr_init(&w, e.b, sizeof(e.b), &h);
	ike_put_notify(&w, 0, NULL, 0, IKE_N_COOKIE, cookie, sizeof(cookie));
	assert_int_equal(ike_wr_finish(&w, &e.bl), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(e.i.state, IKE_SA_INIT_SENT);
	size_t npl = 4 + 4 + sizeof(cookie);
	assert_int_equal(e.al, fl + npl);
	assert_int_equal(e.a[16], IKE_PL_N);
	assert_int_equal(m6_get32(e.a + 20), 0);
	assert_memory_equal(e.a, first, 16);                           /* SPIs */
	assert_int_equal(e.a[IKE_HDR_LEN], first[16]);                  /* N -> SA */
	assert_memory_equal(e.a + IKE_HDR_LEN + npl, first + IKE_HDR_LEN, fl - IKE_HDR_LEN);
	/* the responder completes with the cookie-carrying request */
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-21: INITIAL_CONTACT in the first IKE_AUTH; and the SA's secrets wiped. */
static void test_initial_contact_and_clear(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t copy[IKE_SA_MSG_MAX];
	setup(&e, gcm_x25519);
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(to_r(&e), 0);
	assert_int_equal(to_i(&e), 0);
	memcpy(copy, e.a, e.al);
	size_t cl = e.al;
	/* open the request with the responder's keys, on a copy */
	struct ike_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(copy, cl, &m, &ds, 0), 0);
	assert_int_equal(to_r(&e), 0);
	size_t po, pl;
	assert_int_equal(ike_sk_open(&e.r.sk, copy, cl, &m, &po, &pl), 0);
	assert_int_equal(ike_msg_parse_inner(&m, copy + po, pl, m.sk_np, &ds, po), 0);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_INITIAL_CONTACT));
	assert_int_equal(m.pl[1].type, IKE_PL_IDI);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	static const struct ike_sa zero;
	assert_memory_equal(&e.i, &zero, sizeof(zero));
	assert_memory_equal(&e.r, &zero, sizeof(zero));
	/* configuration faults */
	setup(&e, gcm_x25519);
	e.ci.ike[0].integ = IKE_INTEG_HMAC_SHA2_256_128;        /* AEAD + integrity */
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), M6_E_ALG);
	e.ci.n_ike = 0;
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), M6_E_INVAL);
	assert_string_equal(ike_sa_state_name(IKE_SA_ESTABLISHED), "established");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_suites),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_auth_failure),
		cmocka_unit_test(test_invalid_ke),
		cmocka_unit_test(test_no_proposal),
		cmocka_unit_test(test_retransmissions),
		cmocka_unit_test(test_bad_ke),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_child_refused),
		cmocka_unit_test(test_child_narrowed),
		cmocka_unit_test(test_child_esn),
		cmocka_unit_test(test_cookie_retry),
		cmocka_unit_test(test_initial_contact_and_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
