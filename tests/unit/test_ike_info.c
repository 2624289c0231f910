/* INFORMATIONAL exchanges on an established IKE SA (RFC 7296 1.4, 2.2-2.4):
 * liveness, Delete of Child SAs and of the IKE SA, Message IDs per
 * direction, retransmissions and the response cache. Both ends run here. */
#include "test_ike_ends.h"

static uint8_t q[IKE_SA_MSG_MAX], p[IKE_SA_MSG_MAX], q2[IKE_SA_MSG_MAX], p2[IKE_SA_MSG_MAX];
static size_t ql, pl, q2l, p2l;

/* IKE-01, IKE-03: an empty INFORMATIONAL from either end is answered;
 * each end numbers its own requests from where it stands (the initiator
 * from 2 after IKE_AUTH, the responder from 0), responses carry the
 * request's ID, and the flags say who sent it. */
static void test_liveness_both_ways(void **s)
{
	(void)s;
	static struct ends e;
	setup(&e, gcm_x25519);
	handshake(&e);
	struct ike_req live = { .type = IKE_REQ_LIVENESS };
	for (int round = 0; round < 2; round++) {
		assert_int_equal(ike_sa_request(&e.i, &live, q, sizeof(q), &ql), 0);
		assert_true(ql > 0);
		assert_true(ike_sa_busy(&e.i));
		assert_int_equal(q[18], IKE_INFORMATIONAL);
		assert_int_equal(q[19], IKE_FLAG_I);
		assert_int_equal(m6_get32(q + 20), 2 + round);
		assert_int_equal(q[16], IKE_PL_SK);
		assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
		assert_int_equal(p[19], IKE_FLAG_R);
		assert_int_equal(m6_get32(p + 20), 2 + round);
		assert_int_equal(e.r.n_ev, 0);
		assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
		assert_int_equal(ql, 0);
		assert_int_equal(n_ev(&e.i, IKE_EV_ALIVE), 1);
		assert_false(ike_sa_busy(&e.i));
		/* the responder's own requests start at 0 */
		assert_int_equal(ike_sa_request(&e.r, &live, q, sizeof(q), &ql), 0);
		assert_int_equal(q[19], 0);
		assert_int_equal(m6_get32(q + 20), round);
		assert_int_equal(deliver(&e.i, q, ql, p, &pl), 0);
		assert_int_equal(p[19], IKE_FLAG_I | IKE_FLAG_R);
		assert_int_equal(m6_get32(p + 20), round);
		assert_int_equal(deliver(&e.r, p, pl, q, &ql), 0);
		assert_int_equal(n_ev(&e.r, IKE_EV_ALIVE), 1);
	}
	assert_int_equal(e.i.msgid_out, 4);
	assert_int_equal(e.i.msgid_in, 2);
	assert_int_equal(e.r.msgid_out, 2);
	assert_int_equal(e.r.msgid_in, 4);
	/* IKE-03: an unprotected message is never acted on */
	struct ike_hdr h;
	struct ike_wr w;
	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, e.i.spi_i, 8);
	memcpy(h.spi_r, e.i.spi_r, 8);
	h.version = 0x20;
	h.exchange = IKE_INFORMATIONAL;
	h.msgid = e.i.msgid_in;
	ike_wr_init(&w, q, sizeof(q), &h);
	ike_put_notify(&w, IKE_PROTO_ESP, NULL, 0, IKE_N_INVALID_SPI, NULL, 0);
	assert_int_equal(ike_wr_finish(&w, &ql), 0);
	assert_int_equal(deliver(&e.i, q, ql, p, &pl), M6_E_IKE_MISSING);
	assert_int_equal(pl, 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.i.msgid_in, 2);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-02: the outstanding request again is bit-identical; the same request
 * again gets the cached response octets and changes nothing; an older one
 * is ignored; a response to nothing is unexpected. */
static void test_retransmit_and_cache(void **s)
{
	(void)s;
	static struct ends e;
	setup(&e, gcm_x25519);
	handshake(&e);
	struct ike_req del = { .type = IKE_REQ_DELETE_CHILD, .spi = e.i.ch[0].spi_in };
	assert_int_equal(ike_sa_request(&e.i, &del, q, sizeof(q), &ql), 0);
	assert_int_equal(ike_sa_retransmit(&e.i, q2, sizeof(q2), &q2l), 0);
	assert_int_equal(q2l, ql);
	assert_memory_equal(q2, q, ql);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_CHILD_DOWN), 1);
	assert_int_equal(n_children(&e.r), 0);
	/* the response was lost: the retransmission gets the same octets */
	assert_int_equal(deliver(&e.r, q2, q2l, p2, &p2l), 0);
	assert_int_equal(p2l, pl);
	assert_memory_equal(p2, p, pl);
	assert_int_equal(e.r.n_ev, 0);
	assert_int_equal(e.r.msgid_in, 3);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_CHILD_DOWN), 1);
	assert_int_equal(ike_sa_retransmit(&e.i, q, sizeof(q), &ql), M6_E_IKE_UNEXPECTED);
	/* the duplicate response: nothing outstanding */
	assert_int_equal(deliver(&e.i, p2, p2l, q, &ql), M6_E_IKE_UNEXPECTED);
	/* a new request: the cache moves on, the old request is ignored */
	struct ike_req live = { .type = IKE_REQ_LIVENESS };
	assert_int_equal(ike_sa_request(&e.i, &live, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(deliver(&e.r, q2, q2l, p2, &p2l), M6_E_IKE_MSGID);
	assert_int_equal(p2l, 0);
	/* a request from beyond the window too (IKE-04) */
	memcpy(q2, q, ql);
	m6_put32(q2 + 20, e.r.msgid_in + 1);
	assert_int_equal(deliver(&e.r, q2, ql, p2, &p2l), M6_E_IKE_MSGID);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_ALIVE), 1);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* 1.4.1: a Delete of a Child SA names our inbound SPI; the peer answers
 * with its own, and both ends drop the pair. Deleted from the
 * responder's side too. */
static void test_delete_child(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t copy[IKE_SA_MSG_MAX];
	for (int from_r = 0; from_r < 2; from_r++) {
		setup(&e, gcm_x25519);
		handshake(&e);
		struct ike_sa *a = from_r ? &e.r : &e.i, *b = from_r ? &e.i : &e.r;
		uint32_t a_in = a->ch[0].spi_in, b_in = b->ch[0].spi_in;
		struct ike_req del = { .type = IKE_REQ_DELETE_CHILD, .spi = a_in };
		assert_int_equal(ike_sa_request(a, &del, q, sizeof(q), &ql), 0);
		struct ike_msg m;
		ends_peek(b, q, ql, &m, copy);
		const struct ike_pl *d = ike_msg_find(&m, IKE_PL_D, 0);
		assert_non_null(d);
		assert_int_equal(d->body[0], IKE_PROTO_ESP);
		assert_int_equal(m6_get32(d->body + 4), a_in);
		/* a second Delete of the same pair is refused locally */
		assert_int_equal(ike_sa_request(a, &del, q2, sizeof(q2), &q2l), M6_E_IKE_UNEXPECTED);
		assert_int_equal(deliver(b, q, ql, p, &pl), 0);
		const struct ike_ev *ev = ev_of(b, IKE_EV_CHILD_DOWN);
		assert_non_null(ev);
		assert_int_equal(ev->spi_in, b_in);
		assert_int_equal(ev->spi_out, a_in);
		ends_peek(a, p, pl, &m, copy);
		d = ike_msg_find(&m, IKE_PL_D, 0);
		assert_non_null(d);
		assert_int_equal(m6_get16(d->body + 2), 1);
		assert_int_equal(m6_get32(d->body + 4), b_in);
		assert_int_equal(deliver(a, p, pl, q, &ql), 0);
		ev = ev_of(a, IKE_EV_CHILD_DOWN);
		assert_non_null(ev);
		assert_int_equal(ev->spi_in, a_in);
		assert_int_equal(ev->spi_out, b_in);
		assert_int_equal(n_children(a), 0);
		assert_int_equal(n_children(b), 0);
		assert_int_equal(a->state, IKE_SA_ESTABLISHED);
		/* unknown SPIs are refused locally */
		assert_int_equal(ike_sa_request(a, &del, q, sizeof(q), &ql), M6_E_NOTFOUND);
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
}

/* IKE-04, 1.4.1: both ends delete the same pair at once; each answers the
 * other's request while its own is outstanding, the responses carry no
 * Delete payload, and no exchange hangs. */
static void test_delete_crossing(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t copy[IKE_SA_MSG_MAX];
	setup(&e, gcm_x25519);
	handshake(&e);
	struct ike_req di = { .type = IKE_REQ_DELETE_CHILD, .spi = e.i.ch[0].spi_in };
	struct ike_req dr = { .type = IKE_REQ_DELETE_CHILD, .spi = e.r.ch[0].spi_in };
	assert_int_equal(ike_sa_request(&e.i, &di, q, sizeof(q), &ql), 0);
	assert_int_equal(ike_sa_request(&e.r, &dr, q2, sizeof(q2), &q2l), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);      /* r answers i */
	assert_int_equal(deliver(&e.i, q2, q2l, p2, &p2l), 0);  /* i answers r */
	struct ike_msg m;
	ends_peek(&e.i, p, pl, &m, copy);
	assert_null(ike_msg_find(&m, IKE_PL_D, 0));
	ends_peek(&e.r, p2, p2l, &m, copy);
	assert_null(ike_msg_find(&m, IKE_PL_D, 0));
	assert_int_equal(n_children(&e.i), 0);
	assert_int_equal(n_children(&e.r), 0);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	assert_int_equal(deliver(&e.r, p2, p2l, q, &ql), 0);
	assert_false(ike_sa_busy(&e.i));
	assert_false(ike_sa_busy(&e.r));
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* 1.4.1: the Delete of the IKE SA, answered with an empty INFORMATIONAL;
 * both ends report the SA gone and take nothing more on it. */
static void test_delete_ike(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t copy[IKE_SA_MSG_MAX];
	for (int from_r = 0; from_r < 2; from_r++) {
		setup(&e, gcm_x25519);
		handshake(&e);
		struct ike_sa *a = from_r ? &e.r : &e.i, *b = from_r ? &e.i : &e.r;
		struct ike_req del = { .type = IKE_REQ_DELETE_IKE };
		assert_int_equal(ike_sa_request(a, &del, q, sizeof(q), &ql), 0);
		assert_int_equal(deliver(b, q, ql, p, &pl), 0);
		assert_int_equal(n_ev(b, IKE_EV_IKE_DOWN), 1);
		assert_int_equal(b->state, IKE_SA_DELETED);
		struct ike_msg m;
		ends_peek(a, p, pl, &m, copy);
		assert_int_equal(m.n, 1);                       /* the SK payload alone */
		assert_int_equal(deliver(a, p, pl, q, &ql), 0);
		assert_int_equal(n_ev(a, IKE_EV_IKE_DOWN), 1);
		assert_int_equal(a->state, IKE_SA_DELETED);
		struct ike_req live = { .type = IKE_REQ_LIVENESS };
		assert_int_equal(ike_sa_request(a, &live, q, sizeof(q), &ql), M6_E_IKE_UNEXPECTED);
		ike_sa_clear(&e.i);
		ike_sa_clear(&e.r);
	}
}

/* Requests queue behind the outstanding one (window 1, IKE-04) and go out
 * with the input of its response. */
static void test_queue(void **s)
{
	(void)s;
	static struct ends e;
	setup(&e, gcm_x25519);
	handshake(&e);
	struct ike_req live = { .type = IKE_REQ_LIVENESS };
	struct ike_req del = { .type = IKE_REQ_DELETE_IKE };
	assert_int_equal(ike_sa_request(&e.i, &live, q, sizeof(q), &ql), 0);
	assert_int_equal(ike_sa_request(&e.i, &del, q2, sizeof(q2), &q2l), 0);
	assert_int_equal(q2l, 0);                        /* queued */
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_ALIVE), 1);
	assert_true(ql > 0);                             /* the Delete, now */
	assert_int_equal(m6_get32(q + 20), 3);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_IKE_DOWN), 1);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_liveness_both_ways),
		cmocka_unit_test(test_retransmit_and_cache),
		cmocka_unit_test(test_delete_child),
		cmocka_unit_test(test_delete_crossing),
		cmocka_unit_test(test_delete_ike),
		cmocka_unit_test(test_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
