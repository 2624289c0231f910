/* CREATE_CHILD_SA between two ike_sa ends (RFC 7296 1.3, 2.8, 2.17, 2.18):
 * a new Child SA, Child SA rekeys with and without PFS, IKE SA rekeys, and
 * rekeys crossing each other (2.8.1, 2.8.2). */
#include "test_ike_ends.h"

static uint8_t q[IKE_SA_MSG_MAX], p[IKE_SA_MSG_MAX], q2[IKE_SA_MSG_MAX], p2[IKE_SA_MSG_MAX];
static size_t ql, pl, q2l, p2l;

static struct ike_child *the_child(struct ike_sa *sa, uint32_t spi_in)
{
	struct ike_child *c = ike_sa_child(sa, spi_in, true);
	assert_non_null(c);
	return c;
}

/* A new Child SA from either end: both install the same pair. */
static void test_new_child(void **s)
{
	(void)s;
	static struct ends e;
	for (int from_r = 0; from_r < 2; from_r++) {
		setup(&e, gcm_x25519);
		handshake(&e);
		struct ike_sa *a = from_r ? &e.r : &e.i, *b = from_r ? &e.i : &e.r;
		/* the home agent asks for exactly the pair the mobile node
		 * would accept (no narrowing here) */
		e.cr.tsi = e.ci.tsi;
		e.cr.tsr = e.ci.tsr;
		struct ike_req r = { .type = IKE_REQ_NEW_CHILD, .new_spi = 0xa0000001 };
		assert_int_equal(ike_sa_request(a, &r, q, sizeof(q), &ql), 0);
		assert_int_equal(q[18], IKE_CREATE_CHILD_SA);
		assert_int_equal(deliver(b, q, ql, p, &pl), 0);
		assert_int_equal(p[18], IKE_CREATE_CHILD_SA);
		const struct ike_ev *eb = ev_of(b, IKE_EV_CHILD_UP);
		assert_non_null(eb);
		assert_int_equal(eb->spi_out, 0xa0000001);
		assert_int_equal(deliver(a, p, pl, q, &ql), 0);
		const struct ike_ev *ea = ev_of(a, IKE_EV_CHILD_UP);
		assert_non_null(ea);
		assert_int_equal(ea->spi_in, 0xa0000001);
		assert_int_equal(ea->spi_out, eb->spi_in);
		assert_int_equal(ql, 0);                     /* nothing to delete */
		assert_int_equal(n_children(a), 2);
		assert_int_equal(n_children(b), 2);
		assert_child_pair(&a->ch[ea->child], &b->ch[eb->child]);
		assert_true(a->ch[ea->child].ours);
		/* not the first Child SA's keys (new nonces) */
		assert_memory_not_equal(a->ch[ea->child].keys.ei, a->ch[0].keys.ei, a->ch[0].keys.e_len);
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
}

/* 4877-09: after IKE_AUTH the mobile node asks for the tunnel-mode SA of
 * the mobile node - home agent tunnel (return routability, RFC 4877 4.3,
 * 7.3): CREATE_CHILD_SA without USE_TRANSPORT_MODE in either message, TSi
 * = the home address with any protocol, TSr = anything; a rekey keeps the
 * tunnel mode; a home agent configured without the tunnel refuses it. */
static void test_tunnel_child(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t copy[IKE_SA_MSG_MAX];
	setup(&e, gcm_x25519);
	ts6(&e.ci.tun_tsi, TU_HOA, TU_HOA, 0, 0, 65535);
	ts6(&e.ci.tun_tsr, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535);
	ts6(&e.cr.tun_tsi, "2001:db8:1::", "2001:db8:1::ffff", 0, 0, 65535);
	ts6(&e.cr.tun_tsr, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535);
	e.cr.tunnel_ok = true;
	handshake(&e);
	assert_false(e.i.ch[0].tunnel);
	struct ike_req r = { .type = IKE_REQ_NEW_CHILD, .new_spi = 0xa0000001, .tunnel = true };
	assert_int_equal(ike_sa_request(&e.i, &r, q, sizeof(q), &ql), 0);
	struct ike_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	ends_peek(&e.r, q, ql, &m, copy);
	assert_null(ike_msg_find_notify(&m, IKE_N_USE_TRANSPORT_MODE));
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	const struct ike_ev *eb = ev_of(&e.r, IKE_EV_CHILD_UP);
	assert_non_null(eb);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	const struct ike_ev *ea = ev_of(&e.i, IKE_EV_CHILD_UP);
	assert_non_null(ea);
	const struct ike_child *ci = &e.i.ch[ea->child], *cr = &e.r.ch[eb->child];
	assert_true(ci->tunnel && cr->tunnel);
	assert_child_pair(ci, cr);
	uint8_t hoa[16];
	tu_addr(TU_HOA, hoa);
	assert_memory_equal(ci->tsi.ts[0].start, hoa, 16);
	assert_int_equal(ci->tsi.ts[0].proto, 0);
	/* its rekey stays in tunnel mode */
	struct ike_req rk = { .type = IKE_REQ_REKEY_CHILD, .spi = ci->spi_in, .new_spi = 0xa0000002 };
	assert_int_equal(ike_sa_request(&e.i, &rk, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	eb = ev_of(&e.r, IKE_EV_CHILD_UP);
	assert_non_null(eb);
	assert_true(e.r.ch[eb->child].tunnel);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	ea = ev_of(&e.i, IKE_EV_CHILD_UP);
	assert_non_null(ea);
	assert_true(e.i.ch[ea->child].tunnel);
	/* 1.3.3: the peer's rekey of it too, though the mobile node's
	 * configuration lets no peer start a tunnel-mode SA (tunnel_ok
	 * false; strongSwan rekeys a tunnel it answered) */
	assert_false(e.ci.tunnel_ok);
	eb = ev_of(&e.r, IKE_EV_CHILD_UP);
	struct ike_req rk2 = { .type = IKE_REQ_REKEY_CHILD, .spi = e.r.ch[eb->child].spi_in, .new_spi = 0xd0000003 };
	assert_int_equal(ike_sa_request(&e.r, &rk2, p, sizeof(p), &pl), 0);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	ea = ev_of(&e.i, IKE_EV_CHILD_UP);
	assert_non_null(ea);
	assert_true(e.i.ch[ea->child].tunnel);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	eb = ev_of(&e.r, IKE_EV_CHILD_UP);
	assert_non_null(eb);
	assert_true(e.r.ch[eb->child].tunnel);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);

	/* a home agent without the tunnel refuses it */
	setup(&e, gcm_x25519);
	ts6(&e.ci.tun_tsi, TU_HOA, TU_HOA, 0, 0, 65535);
	ts6(&e.ci.tun_tsr, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535);
	handshake(&e);
	assert_int_equal(ike_sa_request(&e.i, &r, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_CHILD_UP), 0);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	ea = ev_of(&e.i, IKE_EV_CHILD_FAILED);
	assert_non_null(ea);
	assert_int_equal(ea->notify, IKE_N_NO_PROPOSAL_CHOSEN);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* RFC 7296 1.3.1, 1.3.3: a peer that wants another group for a Child SA's
 * KE answers INVALID_KE_PAYLOAD naming it; the request goes again, once,
 * with a KE of that group (a new Message ID, the same SPI), and a second
 * refusal ends it. The home agent's answer is made here, sealed with its
 * keys (our own responder asks for the IKE SA's group only). */
static void refuse_ke(struct ends *e, uint32_t msgid, uint16_t group, uint8_t *out, size_t *len)
{
	struct ike_hdr h;
	struct ike_wr w;
	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, e->r.spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, e->r.spi_r, IKE_SPI_LEN);
	h.version = 0x20;
	h.exchange = IKE_CREATE_CHILD_SA;
	h.flags = IKE_FLAG_R;
	h.msgid = msgid;
	ike_wr_init(&w, out, IKE_SA_MSG_MAX, &h);
	ike_wr_sk_begin(&w, false, 0, 0, e->r.sk.iv_len);
	uint8_t g[2];
	m6_put16(g, group);
	ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0, IKE_N_INVALID_KE_PAYLOAD, g, 2);
	assert_int_equal(ike_sk_seal(&e->r.sk, &w, &e->cr.rng, len), 0);
}

static void test_child_invalid_ke_retry(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t copy[IKE_SA_MSG_MAX];
	setup(&e, gcm_x25519);
	handshake(&e);
	struct ike_req r = { .type = IKE_REQ_NEW_CHILD, .new_spi = 0xa0000009, .pfs = true };
	assert_int_equal(ike_sa_request(&e.i, &r, q, sizeof(q), &ql), 0);
	uint32_t mid = m6_get32(q + 20);
	refuse_ke(&e, mid, IKE_DH_ECP256, p, &pl);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_CHILD_FAILED), 0);
	assert_true(ql > 0);                            /* the same request, again */
	assert_int_equal(m6_get32(q + 20), mid + 1);
	struct ike_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	ends_peek(&e.r, q, ql, &m, copy);
	const struct ike_pl *kep = NULL, *sap = NULL;
	for (unsigned i = 0; i < m.n; i++) {
		if (m.pl[i].inner && m.pl[i].type == IKE_PL_KE)
			kep = &m.pl[i];
		if (m.pl[i].inner && m.pl[i].type == IKE_PL_SA)
			sap = &m.pl[i];
	}
	struct ike_ke ke;
	struct ike_sa_payload sp;
	assert_non_null(kep);
	assert_non_null(sap);
	assert_int_equal(ike_ke_parse(kep->body, kep->body_len, &ke, &ds, 0), 0);
	assert_int_equal(ke.group, IKE_DH_ECP256);
	assert_int_equal(ike_sa_parse(sap->body, sap->body_len, &sp, &ds, 0), 0);
	assert_int_equal(m6_get32(sp.prop[0].spi), 0xa0000009);
	bool has19 = false;
	for (unsigned i = 0; i < sp.prop[0].n_xf; i++)
		has19 |= sp.prop[0].xf[i].type == IKE_XF_DH && sp.prop[0].xf[i].id == IKE_DH_ECP256;
	assert_true(has19);
	/* a second refusal is final */
	refuse_ke(&e, mid + 1, IKE_DH_ECP384, p, &pl);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	const struct ike_ev *ev = ev_of(&e.i, IKE_EV_CHILD_FAILED);
	assert_non_null(ev);
	assert_int_equal(ev->notify, IKE_N_INVALID_KE_PAYLOAD);
	assert_int_equal(ev->spi_in, 0xa0000009);
	assert_false(ike_sa_busy(&e.i));
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-15: a Child SA rekey (N(REKEY_SA)), without and with PFS, from
 * either end. The responder has the new pair before it answers and keeps
 * the old one; the initiator then deletes the old pair; each end ends with
 * the new pair alone, the same keys at both. */
static void test_rekey_child(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t copy[IKE_SA_MSG_MAX];
	for (int k = 0; k < 4; k++) {
		bool pfs = k & 1, from_r = k & 2;
		setup(&e, gcm_x25519);
		handshake(&e);
		struct ike_sa *a = from_r ? &e.r : &e.i, *b = from_r ? &e.i : &e.r;
		uint32_t old_a = a->ch[0].spi_in, old_b = b->ch[0].spi_in;
		struct ike_req r = { .type = IKE_REQ_REKEY_CHILD, .spi = old_a, .new_spi = 0xa0000002,
				     .pfs = pfs };
		assert_int_equal(ike_sa_request(a, &r, q, sizeof(q), &ql), 0);
		/* the request: N(REKEY_SA) with our inbound SPI; KE only with PFS */
		struct ike_msg m;
		struct m6_diags ds;
		size_t po, pol;
		memcpy(copy, q, ql);
		m6_diags_init(&ds);
		assert_int_equal(ike_msg_parse(copy, ql, &m, &ds, 0), 0);
		assert_int_equal(ike_sk_open(&b->sk, copy, ql, &m, &po, &pol), 0);
		assert_int_equal(ike_msg_parse_inner(&m, copy + po, pol, m.sk_np, &ds, po), 0);
		const struct ike_pl *n = ike_msg_find_notify(&m, IKE_N_REKEY_SA);
		assert_non_null(n);
		assert_int_equal(n->body[0], IKE_PROTO_ESP);
		assert_int_equal(m6_get32(n->body + 4), old_a);
		assert_int_equal(ike_msg_find(&m, IKE_PL_KE, 0) != NULL, pfs);
		assert_non_null(ike_msg_find(&m, IKE_PL_TSI, 0));

		assert_int_equal(deliver(b, q, ql, p, &pl), 0);
		const struct ike_ev *eb = ev_of(b, IKE_EV_CHILD_UP);
		assert_non_null(eb);
		assert_int_equal(n_ev(b, IKE_EV_CHILD_DOWN), 0);
		assert_int_equal(n_children(b), 2);          /* the old pair kept */
		struct ike_child *nb = &b->ch[eb->child];
		assert_int_equal(nb->replaces, old_b);
		assert_int_equal(nb->dh, pfs ? IKE_DH_X25519 : 0);
		assert_true(the_child(b, old_b)->rekeyed);

		assert_int_equal(deliver(a, p, pl, q, &ql), 0);
		const struct ike_ev *ea = ev_of(a, IKE_EV_CHILD_UP);
		assert_non_null(ea);
		assert_child_pair(&a->ch[ea->child], nb);
		/* the old pair's Delete goes out with the response's input */
		assert_true(ql > 0);
		assert_int_equal(q[18], IKE_INFORMATIONAL);
		assert_int_equal(deliver(b, q, ql, p, &pl), 0);
		const struct ike_ev *d = ev_of(b, IKE_EV_CHILD_DOWN);
		assert_non_null(d);
		assert_int_equal(d->spi_in, old_b);
		assert_int_equal(deliver(a, p, pl, q, &ql), 0);
		d = ev_of(a, IKE_EV_CHILD_DOWN);
		assert_non_null(d);
		assert_int_equal(d->spi_in, old_a);
		assert_int_equal(n_children(a), 1);
		assert_int_equal(n_children(b), 1);
		assert_non_null(ike_sa_child(a, 0xa0000002, true));
		assert_false(ike_sa_busy(a));
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
}

/* Refusals leave everything as it was: the SA rekeyed is unknown
 * (CHILD_SA_NOT_FOUND), transforms the responder does not take, no KE
 * where the responder wants PFS. */
static void test_child_refused(void **s)
{
	(void)s;
	static struct ends e;
	setup(&e, gcm_x25519);
	handshake(&e);
	/* the responder forgets its pair (its Delete lost) */
	static struct ike_child keep;
	keep = e.i.ch[0];
	struct ike_req del = { .type = IKE_REQ_DELETE_CHILD, .spi = e.r.ch[0].spi_in };
	assert_int_equal(ike_sa_request(&e.r, &del, q2, sizeof(q2), &q2l), 0);
	assert_int_equal(deliver(&e.i, q2, q2l, p2, &p2l), 0);  /* i drops it too ... */
	assert_int_equal(deliver(&e.r, p2, p2l, q2, &q2l), 0);
	assert_int_equal(n_children(&e.r), 0);
	e.i.ch[0] = keep;                                       /* ... but pretend it did not */
	struct ike_req r = { .type = IKE_REQ_REKEY_CHILD, .spi = 0xc0000001, .new_spi = 0xa0000003 };
	assert_int_equal(ike_sa_request(&e.i, &r, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_CHILD_UP), 0);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	const struct ike_ev *f = ev_of(&e.i, IKE_EV_CHILD_FAILED);
	assert_non_null(f);
	assert_int_equal(f->notify, IKE_N_CHILD_SA_NOT_FOUND);
	assert_int_equal(f->spi_in, 0xa0000003);
	/* another ESP transform than the responder's */
	static struct ike_sa_cfg other;
	other = e.ci;
	other.esp.encr = IKE_ENCR_CHACHA20_POLY1305;
	other.esp.encr_bits = 0;
	e.i.cfg = &other;
	struct ike_req nc = { .type = IKE_REQ_NEW_CHILD, .new_spi = 0xa0000004 };
	assert_int_equal(ike_sa_request(&e.i, &nc, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	f = ev_of(&e.i, IKE_EV_CHILD_FAILED);
	assert_non_null(f);
	assert_int_equal(f->notify, IKE_N_NO_PROPOSAL_CHOSEN);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	/* IKE-15: a responder whose policy wants PFS (esp.pfs) refuses a
	 * CREATE_CHILD_SA without a KE, and takes the same with one */
	e.i.cfg = &e.ci;
	static struct ike_sa_cfg wants_pfs;
	wants_pfs = e.cr;
	wants_pfs.esp.pfs = true;
	e.r.cfg = &wants_pfs;
	for (int with_ke = 0; with_ke < 2; with_ke++) {
		uint32_t spi = with_ke ? 0xa0000006 : 0xa0000005;
		struct ike_req pn = { .type = IKE_REQ_NEW_CHILD, .new_spi = spi, .pfs = with_ke };
		unsigned before = n_children(&e.r);
		assert_int_equal(ike_sa_request(&e.i, &pn, q, sizeof(q), &ql), 0);
		assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
		assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
		if (with_ke) {
			const struct ike_ev *up = ev_of(&e.i, IKE_EV_CHILD_UP);
			assert_non_null(up);
			assert_int_equal(e.i.ch[up->child].dh, IKE_DH_X25519);
			assert_int_equal(n_children(&e.r), before + 1);
		} else {
			f = ev_of(&e.i, IKE_EV_CHILD_FAILED);
			assert_non_null(f);
			assert_int_equal(f->notify, IKE_N_NO_PROPOSAL_CHOSEN);
			assert_int_equal(f->spi_in, spi);
			assert_int_equal(n_children(&e.r), before);
		}
	}
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

static void assert_same_ike(const struct ike_sa *x, const struct ike_sa *y)
{
	assert_memory_equal(x->spi_i, y->spi_i, 8);
	assert_memory_equal(x->spi_r, y->spi_r, 8);
	assert_true(x->initiator != y->initiator);
	assert_int_equal(x->keys.prf_len, y->keys.prf_len);
	assert_memory_equal(x->keys.d, y->keys.d, x->keys.prf_len);
	assert_memory_equal(x->keys.pi, y->keys.pi, x->keys.prf_len);
	assert_memory_equal(x->keys.pr, y->keys.pr, x->keys.prf_len);
	assert_memory_equal(x->keys.ei, y->keys.ei, x->keys.e_len);
	assert_memory_equal(x->keys.er, y->keys.er, x->keys.e_len);
}

/* IKE-14, IKE-01: an IKE SA rekey from either end: new SPIs (the rekey's
 * initiator is the new SA's initiator), new keys at both ends, the Child
 * SAs moved, Message IDs from 0, the old SA deleted by the rekey's
 * initiator as its last request, and the moved Child SA rekeyed on the
 * new IKE SA with the new SK_d. */
static void test_rekey_ike(void **s)
{
	(void)s;
	static struct ends e;
	static struct ike_sa na, nb;
	for (int from_r = 0; from_r < 2; from_r++) {
		setup(&e, gcm_x25519);
		handshake(&e);
		struct ike_sa *a = from_r ? &e.r : &e.i, *b = from_r ? &e.i : &e.r;
		const struct ike_sa_cfg *ca = from_r ? &e.cr : &e.ci, *cb = from_r ? &e.ci : &e.cr;
		uint32_t child_a = a->ch[0].spi_in;
		struct ike_req r = { .type = IKE_REQ_REKEY_IKE };
		assert_int_equal(ike_sa_request(a, &r, q, sizeof(q), &ql), 0);
		assert_int_equal(deliver(b, q, ql, p, &pl), 0);
		assert_int_equal(n_ev(b, IKE_EV_IKE_REKEYED), 1);
		assert_int_equal(b->state, IKE_SA_REKEYED);
		assert_int_equal(deliver(a, p, pl, q, &ql), 0);
		assert_int_equal(n_ev(a, IKE_EV_IKE_REKEYED), 1);
		assert_int_equal(a->state, IKE_SA_REKEYED);
		assert_int_equal(ike_sa_adopt(&na, ca, a), 0);
		assert_int_equal(ike_sa_adopt(&nb, cb, b), 0);
		assert_same_ike(&na, &nb);
		assert_true(na.initiator);
		assert_memory_not_equal(na.spi_i, a->spi_i, 8);
		assert_memory_not_equal(na.spi_r, a->spi_r, 8);
		assert_memory_not_equal(na.keys.d, a->keys.d, na.keys.prf_len);
		assert_int_equal(n_children(&na), 1);
		assert_int_equal(n_children(a), 0);
		assert_int_equal(n_children(&nb), 1);
		/* the old SA carries its Delete only; other requests on it are refused */
		struct ike_req live = { .type = IKE_REQ_LIVENESS };
		assert_int_equal(ike_sa_request(b, &live, q2, sizeof(q2), &q2l), M6_E_IKE_UNEXPECTED);
		struct ike_req del = { .type = IKE_REQ_DELETE_IKE };
		assert_int_equal(ike_sa_request(a, &del, q, sizeof(q), &ql), 0);
		assert_int_equal(deliver(b, q, ql, p, &pl), 0);
		assert_int_equal(n_ev(b, IKE_EV_IKE_DOWN), 1);
		assert_int_equal(deliver(a, p, pl, q, &ql), 0);
		assert_int_equal(n_ev(a, IKE_EV_IKE_DOWN), 1);
		/* the new SA: Message ID 0 from both ends */
		assert_int_equal(ike_sa_request(&na, &live, q, sizeof(q), &ql), 0);
		assert_int_equal(m6_get32(q + 20), 0);
		assert_int_equal(q[19], IKE_FLAG_I);
		assert_memory_equal(q, na.spi_i, 8);
		assert_int_equal(deliver(&nb, q, ql, p, &pl), 0);
		assert_int_equal(deliver(&na, p, pl, q, &ql), 0);
		assert_int_equal(n_ev(&na, IKE_EV_ALIVE), 1);
		assert_int_equal(ike_sa_request(&nb, &live, q, sizeof(q), &ql), 0);
		assert_int_equal(m6_get32(q + 20), 0);
		assert_int_equal(q[19], 0);
		assert_int_equal(deliver(&na, q, ql, p, &pl), 0);
		assert_int_equal(deliver(&nb, p, pl, q, &ql), 0);
		assert_int_equal(n_ev(&nb, IKE_EV_ALIVE), 1);
		/* the inherited Child SA is rekeyed on the new IKE SA */
		struct ike_req rc = { .type = IKE_REQ_REKEY_CHILD, .spi = child_a, .new_spi = 0xa0000005 };
		assert_int_equal(ike_sa_request(&na, &rc, q, sizeof(q), &ql), 0);
		assert_int_equal(deliver(&nb, q, ql, p, &pl), 0);
		const struct ike_ev *eb = ev_of(&nb, IKE_EV_CHILD_UP);
		assert_non_null(eb);
		assert_int_equal(deliver(&na, p, pl, q, &ql), 0);
		const struct ike_ev *ea = ev_of(&na, IKE_EV_CHILD_UP);
		assert_non_null(ea);
		assert_child_pair(&na.ch[ea->child], &nb.ch[eb->child]);
		ike_sa_clear(&na);
		ike_sa_clear(&nb);
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
}

/* 2.8.1: does exchange x hold the lowest of the four nonces? (computed
 * here on its own, octet by octet, a shorter prefix lower) */
static int cmp_n(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	for (size_t i = 0; i < al && i < bl; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return al == bl ? 0 : al < bl ? -1 : 1;
}

static bool lowest_in(const uint8_t *xi, const uint8_t *xr, const uint8_t *yi, const uint8_t *yr)
{
	const uint8_t *x = cmp_n(xi, 32, xr, 32) < 0 ? xi : xr;
	const uint8_t *y = cmp_n(yi, 32, yr, 32) < 0 ? yi : yr;
	return cmp_n(x, 32, y, 32) < 0;
}

/* Run both ends' queued messages to quiescence: a and b alternately take
 * what the other sent. */
static void drain(struct ike_sa *a, struct ike_sa *b, uint8_t *m_ab, size_t l_ab, uint8_t *m_ba,
		  size_t l_ba)
{
	static uint8_t x[IKE_SA_MSG_MAX], y[IKE_SA_MSG_MAX];
	for (int guard = 0; guard < 16 && (l_ab || l_ba); guard++) {
		size_t xl = 0, yl = 0;
		if (l_ab)
			assert_int_equal(deliver(b, m_ab, l_ab, x, &xl), 0);
		if (l_ba)
			assert_int_equal(deliver(a, m_ba, l_ba, y, &yl), 0);
		memcpy(m_ba, x, xl);
		l_ba = xl;
		memcpy(m_ab, y, yl);
		l_ab = yl;
	}
	assert_int_equal(l_ab, 0);
	assert_int_equal(l_ba, 0);
}

/* IKE-16 (2.8.1): both ends rekey the same Child SA at once; each answers
 * the other's request while its own is outstanding. The new SA made with
 * the lowest nonce is deleted by its maker, the old one by the maker of
 * the survivor: both ends end with the same single pair. Seeds are
 * varied until each outcome has been seen. */
static void test_child_rekey_crossing(void **s)
{
	(void)s;
	static struct ends e;
	bool seen[2] = { false, false };
	for (uint8_t seed = 1; seed < 40 && !(seen[0] && seen[1]); seed++) {
		setup(&e, gcm_x25519);
		e.ri.tag = seed;
		e.rr.tag = (uint8_t)(seed + 100);
		handshake(&e);
		struct ike_req ri = { .type = IKE_REQ_REKEY_CHILD, .spi = e.i.ch[0].spi_in,
				      .new_spi = 0xa1000000, .pfs = seed & 1 };
		struct ike_req rr = { .type = IKE_REQ_REKEY_CHILD, .spi = e.r.ch[0].spi_in,
				      .new_spi = 0xb1000000 };
		assert_int_equal(ike_sa_request(&e.i, &ri, q, sizeof(q), &ql), 0);
		assert_int_equal(ike_sa_request(&e.r, &rr, q2, sizeof(q2), &q2l), 0);
		uint8_t ni_i[32], ni_r[32];
		memcpy(ni_i, e.i.req_nonce, 32);
		memcpy(ni_r, e.r.req_nonce, 32);
		/* both requests cross; each end answers the other's */
		assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
		assert_int_equal(deliver(&e.i, q2, q2l, p2, &p2l), 0);
		const uint8_t *nr_i = e.r.ch[ev_of(&e.r, IKE_EV_CHILD_UP)->child].nr;
		const uint8_t *nr_r = e.i.ch[ev_of(&e.i, IKE_EV_CHILD_UP)->child].nr;
		bool i_loses = lowest_in(ni_i, nr_i, ni_r, nr_r);
		seen[i_loses] = true;
		/* the responses, then whatever Deletes they cause */
		drain(&e.i, &e.r, p2, p2l, p, pl);
		assert_int_equal(n_children(&e.i), 1);
		assert_int_equal(n_children(&e.r), 1);
		struct ike_child *ci = NULL, *cr = NULL;
		for (unsigned k = 0; k < IKE_SA_CHILD_MAX; k++) {
			if (e.i.ch[k].used)
				ci = &e.i.ch[k];
			if (e.r.ch[k].used)
				cr = &e.r.ch[k];
		}
		assert_child_pair(ci, cr);
		/* the survivor is the other end's SA when ours held the lowest nonce */
		assert_int_equal(ci->spi_in, i_loses ? e.next_spi_i - 1 : 0xa1000000);
		assert_false(ci->rekeyed || cr->rekeyed);
		assert_false(ike_sa_busy(&e.i) || ike_sa_busy(&e.r));
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
	assert_true(seen[0] && seen[1]);
}

/* IKE-16 (2.8.2): both ends rekey the IKE SA at once. Both end with the
 * same single new IKE SA (the one without the lowest nonce) holding the
 * Child SA; the other new one is deleted by its creator, the old one by
 * the survivor's initiator. */
static void test_ike_rekey_crossing(void **s)
{
	(void)s;
	static struct ends e;
	static struct ike_sa ni, nr, li, lr;
	bool seen[2] = { false, false };
	for (uint8_t seed = 1; seed < 40 && !(seen[0] && seen[1]); seed++) {
		setup(&e, gcm_x25519);
		e.ri.tag = seed;
		e.rr.tag = (uint8_t)(seed + 50);
		handshake(&e);
		struct ike_req r = { .type = IKE_REQ_REKEY_IKE };
		assert_int_equal(ike_sa_request(&e.i, &r, q, sizeof(q), &ql), 0);
		assert_int_equal(ike_sa_request(&e.r, &r, q2, sizeof(q2), &q2l), 0);
		assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
		assert_int_equal(deliver(&e.i, q2, q2l, p2, &p2l), 0);
		assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);   /* waiting for its answer */
		bool i_loses = lowest_in(e.i.req_nonce, e.r.rk[1].nr, e.r.req_nonce, e.i.rk[1].nr);
		seen[i_loses] = true;
		assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
		assert_int_equal(n_ev(&e.i, IKE_EV_IKE_REKEYED), 1);
		assert_int_equal(n_ev(&e.i, IKE_EV_IKE_LOSER), 1);
		assert_int_equal(deliver(&e.r, p2, p2l, q2, &q2l), 0);
		assert_int_equal(n_ev(&e.r, IKE_EV_IKE_REKEYED), 1);
		assert_int_equal(n_ev(&e.r, IKE_EV_IKE_LOSER), 1);
		assert_int_equal(e.i.rk_win, i_loses ? 2 : 1);
		assert_int_equal(e.r.rk_win, i_loses ? 1 : 2);
		assert_int_equal(ike_sa_adopt(&ni, &e.ci, &e.i), 0);
		assert_int_equal(ike_sa_adopt(&nr, &e.cr, &e.r), 0);
		assert_same_ike(&ni, &nr);
		assert_int_equal(ni.initiator, !i_loses);
		assert_int_equal(n_children(&ni), 1);
		assert_int_equal(n_children(&nr), 1);
		/* the loser, made by i when i_loses, deleted by its maker */
		assert_int_equal(ike_sa_adopt_loser(&li, &e.ci, &e.i), 0);
		assert_int_equal(ike_sa_adopt_loser(&lr, &e.cr, &e.r), 0);
		assert_same_ike(&li, &lr);
		assert_int_equal(li.initiator, i_loses);
		assert_memory_not_equal(li.spi_i, ni.spi_i, 8);
		assert_int_equal(n_children(&li) + n_children(&lr), 0);
		struct ike_sa *lmaker = i_loses ? &li : &lr, *lother = i_loses ? &lr : &li;
		struct ike_req ld = { .type = IKE_REQ_DELETE_IKE };
		assert_int_equal(ike_sa_request(lmaker, &ld, q, sizeof(q), &ql), 0);
		assert_int_equal(deliver(lother, q, ql, p, &pl), 0);
		assert_int_equal(n_ev(lother, IKE_EV_IKE_DOWN), 1);
		assert_int_equal(deliver(lmaker, p, pl, q, &ql), 0);
		assert_int_equal(n_ev(lmaker, IKE_EV_IKE_DOWN), 1);
		ike_sa_clear(&li);
		ike_sa_clear(&lr);
		/* the survivor's initiator deletes the old SA */
		struct ike_sa *del_by = i_loses ? &e.r : &e.i, *other = i_loses ? &e.i : &e.r;
		struct ike_req d = { .type = IKE_REQ_DELETE_IKE };
		assert_int_equal(ike_sa_request(del_by, &d, q, sizeof(q), &ql), 0);
		assert_int_equal(deliver(other, q, ql, p, &pl), 0);
		assert_int_equal(n_ev(other, IKE_EV_IKE_DOWN), 1);
		assert_int_equal(deliver(del_by, p, pl, q, &ql), 0);
		assert_int_equal(n_ev(del_by, IKE_EV_IKE_DOWN), 1);
		ike_sa_clear(&ni);
		ike_sa_clear(&nr);
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
	assert_true(seen[0] && seen[1]);
}

/* IKE-16, 2.25: the lost-race variant: the initiator's answer arrives
 * before the peer's crossing request, so the initiator is done and
 * refuses that request with TEMPORARY_FAILURE; the peer then takes the
 * initiator's new SA, and the old one's Delete closes it. */
static void test_ike_rekey_late_crossing(void **s)
{
	(void)s;
	static struct ends e;
	static struct ike_sa ni, nr;
	static uint8_t copy[IKE_SA_MSG_MAX];
	setup(&e, gcm_x25519);
	handshake(&e);
	struct ike_req r = { .type = IKE_REQ_REKEY_IKE };
	assert_int_equal(ike_sa_request(&e.i, &r, q, sizeof(q), &ql), 0);
	assert_int_equal(ike_sa_request(&e.r, &r, q2, sizeof(q2), &q2l), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);        /* r answers, its own pending */
	assert_int_equal(n_ev(&e.r, IKE_EV_IKE_REKEYED), 0);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);        /* i done */
	assert_int_equal(n_ev(&e.i, IKE_EV_IKE_REKEYED), 1);
	assert_int_equal(ike_sa_adopt(&ni, &e.ci, &e.i), 0);
	assert_int_equal(deliver(&e.i, q2, q2l, p2, &p2l), 0);    /* r's request, late */
	struct ike_msg m;
	struct m6_diags ds;
	size_t po, pol;
	memcpy(copy, p2, p2l);
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(copy, p2l, &m, &ds, 0), 0);
	assert_int_equal(ike_sk_open(&e.r.sk, copy, p2l, &m, &po, &pol), 0);
	assert_int_equal(ike_msg_parse_inner(&m, copy + po, pol, m.sk_np, &ds, po), 0);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_TEMPORARY_FAILURE));
	assert_int_equal(deliver(&e.r, p2, p2l, q2, &q2l), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_REFUSED), 1);
	assert_int_equal(n_ev(&e.r, IKE_EV_IKE_REKEYED), 1);
	assert_int_equal(ike_sa_adopt(&nr, &e.cr, &e.r), 0);
	assert_same_ike(&ni, &nr);
	assert_true(ni.initiator);
	struct ike_req d = { .type = IKE_REQ_DELETE_IKE };
	assert_int_equal(ike_sa_request(&e.i, &d, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_IKE_DOWN), 1);
	ike_sa_clear(&ni);
	ike_sa_clear(&nr);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_child),
		cmocka_unit_test(test_tunnel_child),
		cmocka_unit_test(test_child_invalid_ke_retry),
		cmocka_unit_test(test_rekey_child),
		cmocka_unit_test(test_child_refused),
		cmocka_unit_test(test_rekey_ike),
		cmocka_unit_test(test_child_rekey_crossing),
		cmocka_unit_test(test_ike_rekey_crossing),
		cmocka_unit_test(test_ike_rekey_late_crossing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
