/* MOBIKE (RFC 4555) on an IKE SA: negotiation in IKE_AUTH, the initiator's
 * address update, the responder's checks (NO_NATS_ALLOWED, acceptable
 * addresses, return routability), COOKIE2 and the address lists. Both
 * ends run here; each message is given the addresses it travelled on. */
#include "test_ike_ends.h"

#define COA1 "2001:db8:2::100"
#define COA2 "2001:db8:3::100"
#define COA3 "2001:db8:4::100"

static uint8_t q[IKE_SA_MSG_MAX], p[IKE_SA_MSG_MAX];
static size_t ql, pl;

static struct ike_path path(const char *local, const char *peer)
{
	struct ike_path x = { .lport = 500, .pport = 500 };
	tu_addr(local, x.local);
	tu_addr(peer, x.peer);
	return x;
}

/* The same path seen from the other end. */
static struct ike_path flip(struct ike_path x)
{
	struct ike_path y = { .lport = x.pport, .pport = x.lport };
	memcpy(y.local, x.peer, 16);
	memcpy(y.peer, x.local, 16);
	return y;
}

/* A message from sa's peer that came on rx (as sa sees it). */
static int deliver_on(struct ike_sa *sa, struct ike_path rx, const uint8_t *msg, size_t len, uint8_t *out,
		      size_t *ol)
{
	ike_sa_set_rx(sa, &rx);
	return deliver(sa, msg, len, out, ol);
}

/* IKE_SA_INIT and IKE_AUTH with the mobile node on COA1, each message
 * given its addresses. */
static void handshake_on(struct ends *e)
{
	struct ike_path pi = path(COA1, TU_HA), pr = flip(pi);
	assert_int_equal(ike_sa_start(&e->i, &e->ci, e->a, sizeof(e->a), &e->al), 0);
	ike_sa_set_path(&e->i, &pi);
	ike_sa_respond(&e->r, &e->cr);
	ike_sa_set_path(&e->r, &pr);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(deliver_on(&e->r, pr, e->a, e->al, e->b, &e->bl), 0);
		assert_int_equal(deliver_on(&e->i, pi, e->b, e->bl, e->a, &e->al), 0);
	}
	assert_int_equal(e->i.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e->r.state, IKE_SA_ESTABLISHED);
}

static void mobike_setup(struct ends *e)
{
	ike_sa_clear(&e->i);    /* a test's previous round */
	ike_sa_clear(&e->r);
	setup(e, gcm_x25519);
	e->ci.mobike = e->cr.mobike = true;
}

/* The initiator moves to pi and asks for the update (into q). */
static void move_to(struct ends *e, struct ike_path pi)
{
	struct ike_req up = { .type = IKE_REQ_UPDATE_ADDR };
	ike_sa_set_path(&e->i, &pi);
	assert_int_equal(ike_sa_request(&e->i, &up, q, sizeof(q), &ql), 0);
}

static const uint8_t *notify_data(const struct ike_msg *m, uint16_t type, size_t *len)
{
	struct ike_notify n;
	struct m6_diags ds;
	const struct ike_pl *pl = ike_msg_find_notify(m, type);
	m6_diags_init(&ds);
	if (!pl || ike_notify_parse(pl->body, pl->body_len, &n, &ds, 0))
		return NULL;
	*len = n.data_len;
	return n.data ? n.data : (const uint8_t *)"";
}

/* MK-01: MOBIKE_SUPPORTED, empty, in the IKE_AUTH messages carrying the
 * SA payload, and MOBIKE only when both sent it; MK-09: the first
 * IKE_AUTH carries NO_NATS_ALLOWED with the path it is sent on. */
static void test_negotiated(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t copy[IKE_SA_MSG_MAX];
	struct ike_msg m;
	size_t dl;
	mobike_setup(&e);
	struct ike_path pi = path(COA1, TU_HA);
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_set_path(&e.i, &pi);
	ike_sa_respond(&e.r, &e.cr);
	ike_sa_set_path(&e.r, &(struct ike_path){ 0 });
	struct ike_path pr = flip(pi);
	ike_sa_set_path(&e.r, &pr);
	assert_int_equal(deliver_on(&e.r, flip(pi), e.a, e.al, e.b, &e.bl), 0);
	assert_int_equal(deliver_on(&e.i, pi, e.b, e.bl, e.a, &e.al), 0);
	/* the IKE_AUTH request, read with the responder's keys */
	ends_peek(&e.r, e.a, e.al, &m, copy);
	assert_non_null(notify_data(&m, IKE_N_MOBIKE_SUPPORTED, &dl));
	assert_int_equal(dl, 0);
	const uint8_t *nn = notify_data(&m, IKE_N_NO_NATS_ALLOWED, &dl);
	assert_non_null(nn);
	assert_int_equal(dl, 36);
	assert_memory_equal(nn, pi.local, 16);
	assert_memory_equal(nn + 16, pi.peer, 16);
	assert_int_equal(m6_get16(nn + 32), 500);
	assert_int_equal(m6_get16(nn + 34), 500);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_NO_ADDITIONAL_ADDRESSES));
	assert_int_equal(deliver_on(&e.r, flip(pi), e.a, e.al, e.b, &e.bl), 0);
	ends_peek(&e.i, e.b, e.bl, &m, copy);
	assert_non_null(notify_data(&m, IKE_N_MOBIKE_SUPPORTED, &dl));
	assert_int_equal(deliver_on(&e.i, pi, e.b, e.bl, e.a, &e.al), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	assert_true(e.i.mobike);
	assert_true(e.r.mobike);

	/* MK-01: a responder without MOBIKE does not answer it, and the
	 * initiator then never sends UPDATE_SA_ADDRESSES */
	mobike_setup(&e);
	e.cr.mobike = false;
	handshake_on(&e);
	assert_false(e.i.mobike);
	assert_false(e.r.mobike);
	assert_true(e.r.mobike_peer);
	struct ike_path moved = path(COA2, TU_HA);
	ike_sa_set_path(&e.i, &moved);
	struct ike_req up = { .type = IKE_REQ_UPDATE_ADDR };
	assert_int_not_equal(ike_sa_request(&e.i, &up, q, sizeof(q), &ql), 0);
	assert_int_equal(ql, 0);

	/* ... nor does an initiator without it offer it */
	mobike_setup(&e);
	e.ci.mobike = false;
	handshake_on(&e);
	assert_false(e.i.mobike);
	assert_false(e.r.mobike_peer);
	assert_false(e.r.mobike);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* MK-05, MK-06, MK-07, MK-11: the initiator moves; its update carries
 * UPDATE_SA_ADDRESSES, NO_NATS_ALLOWED for the new path and a fresh
 * COOKIE2; the responder takes the new addresses from the IP header,
 * echoes COOKIE2, and both report the move. The Child SAs (on the home
 * address) keep their SPIs and keys. */
static void test_update(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t copy[IKE_SA_MSG_MAX];
	struct ike_msg m;
	size_t dl;
	mobike_setup(&e);
	handshake_on(&e);
	uint32_t spi_in = e.i.ch[0].spi_in, spi_out = e.i.ch[0].spi_out;
	struct ike_path pi = path(COA2, TU_HA);
	move_to(&e, pi);
	assert_int_equal(q[18], IKE_INFORMATIONAL);
	ends_peek(&e.r, q, ql, &m, copy);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_UPDATE_SA_ADDRESSES));
	const uint8_t *nn = notify_data(&m, IKE_N_NO_NATS_ALLOWED, &dl);
	assert_non_null(nn);
	assert_memory_equal(nn, pi.local, 16);
	const uint8_t *ck = notify_data(&m, IKE_N_COOKIE2, &dl);
	assert_non_null(ck);
	assert_int_equal(dl, IKE_COOKIE2_LEN);
	uint8_t first[IKE_COOKIE2_LEN];
	memcpy(first, ck, sizeof(first));

	assert_int_equal(deliver_on(&e.r, flip(pi), q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_MOVED), 1);
	assert_memory_equal(e.r.path.peer, pi.local, 16);
	ends_peek(&e.i, p, pl, &m, copy);
	ck = notify_data(&m, IKE_N_COOKIE2, &dl);
	assert_non_null(ck);
	assert_memory_equal(ck, first, IKE_COOKIE2_LEN);
	assert_int_equal(deliver_on(&e.i, pi, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_MOVED), 1);
	assert_false(ike_sa_busy(&e.i));
	/* MK-11: the BU/BA SAs stay as they were */
	assert_int_equal(e.i.ch[0].spi_in, spi_in);
	assert_int_equal(e.i.ch[0].spi_out, spi_out);
	assert_int_equal(n_children(&e.i), 1);
	assert_int_equal(n_children(&e.r), 1);
	assert_child_pair(&e.i.ch[0], &e.r.ch[0]);

	/* MK-07: each update has a COOKIE2 of its own */
	pi = path(COA3, TU_HA);
	move_to(&e, pi);
	ends_peek(&e.r, q, ql, &m, copy);
	ck = notify_data(&m, IKE_N_COOKIE2, &dl);
	assert_non_null(ck);
	assert_memory_not_equal(ck, first, IKE_COOKIE2_LEN);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* MK-09: an update whose outer source was rewritten on the way (a NAT,
 * or an attacker) is answered UNEXPECTED_NAT_DETECTED and moves nothing;
 * the same check refuses an IKE_AUTH. */
static void test_unexpected_nat(void **s)
{
	(void)s;
	static struct ends e;
	mobike_setup(&e);
	handshake_on(&e);
	struct ike_path before = e.r.path;
	struct ike_path pi = path(COA2, TU_HA);
	move_to(&e, pi);
	struct ike_path seen = flip(pi);
	tu_addr("2001:db8:99::7", seen.peer);
	assert_int_equal(deliver_on(&e.r, seen, q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_MOVED), 0);
	assert_memory_equal(&e.r.path, &before, sizeof(before));
	assert_int_equal(deliver_on(&e.i, pi, p, pl, q, &ql), 0);
	const struct ike_ev *ev = ev_of(&e.i, IKE_EV_REFUSED);
	assert_non_null(ev);
	assert_int_equal(ev->notify, IKE_N_UNEXPECTED_NAT_DETECTED);
	assert_int_equal(n_ev(&e.i, IKE_EV_MOVED), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);

	/* in IKE_AUTH: the responder refuses the IKE SA */
	mobike_setup(&e);
	pi = path(COA1, TU_HA);
	assert_int_equal(ike_sa_start(&e.i, &e.ci, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_set_path(&e.i, &pi);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(deliver_on(&e.r, flip(pi), e.a, e.al, e.b, &e.bl), 0);
	assert_int_equal(deliver_on(&e.i, pi, e.b, e.bl, e.a, &e.al), 0);
	seen = flip(pi);
	seen.pport = 4501;
	assert_int_equal(deliver_on(&e.r, seen, e.a, e.al, e.b, &e.bl), M6_E_IKE_NAT);
	assert_int_equal(e.r.state, IKE_SA_FAILED);
	assert_int_equal(deliver_on(&e.i, pi, e.b, e.bl, e.a, &e.al), M6_E_IKE_PEER_ERROR);
	assert_int_not_equal(e.i.state, IKE_SA_ESTABLISHED);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

static const uint8_t *refused_prefix;

static bool not_in_prefix(void *ctx, const uint8_t peer[16], const uint8_t local[16])
{
	(void)ctx, (void)local;
	return !ip6_prefix_match(peer, refused_prefix, 48);
}

/* MK-06: addresses the responder's policy refuses get
 * UNACCEPTABLE_ADDRESSES and the SA stays where it was. */
static void test_unacceptable(void **s)
{
	(void)s;
	static struct ends e;
	uint8_t pfx[16];
	tu_addr("2001:db8:3::", pfx);
	refused_prefix = pfx;
	mobike_setup(&e);
	e.cr.addr_ok = not_in_prefix;
	handshake_on(&e);
	struct ike_path before = e.r.path;
	struct ike_path pi = path(COA2, TU_HA);
	move_to(&e, pi);
	assert_int_equal(deliver_on(&e.r, flip(pi), q, ql, p, &pl), 0);
	assert_memory_equal(&e.r.path, &before, sizeof(before));
	assert_int_equal(n_ev(&e.r, IKE_EV_MOVED), 0);
	assert_int_equal(deliver_on(&e.i, pi, p, pl, q, &ql), 0);
	const struct ike_ev *ev = ev_of(&e.i, IKE_EV_REFUSED);
	assert_non_null(ev);
	assert_int_equal(ev->notify, IKE_N_UNACCEPTABLE_ADDRESSES);
	/* an allowed prefix is taken */
	pi = path(COA3, TU_HA);
	move_to(&e, pi);
	assert_int_equal(deliver_on(&e.r, flip(pi), q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_MOVED), 1);
	assert_memory_equal(e.r.path.peer, pi.local, 16);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* MK-07: a response whose COOKIE2 is not the one we sent closes the IKE
 * SA (its Child SAs go with it). */
static void test_cookie2_mismatch(void **s)
{
	(void)s;
	static struct ends e;
	mobike_setup(&e);
	handshake_on(&e);
	struct ike_path pi = path(COA2, TU_HA);
	move_to(&e, pi);
	assert_int_equal(deliver_on(&e.r, flip(pi), q, ql, p, &pl), 0);
	e.i.cookie2[3] ^= 0x40;         /* the answer no longer matches what we sent */
	assert_int_equal(deliver_on(&e.i, pi, p, pl, q, &ql), 0);
	assert_int_equal(e.i.state, IKE_SA_DELETED);
	assert_int_equal(n_ev(&e.i, IKE_EV_IKE_DOWN), 1);
	assert_int_equal(n_ev(&e.i, IKE_EV_CHILD_DOWN), 1);
	assert_int_equal(n_ev(&e.i, IKE_EV_MOVED), 0);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* MK-04: only the initiator moves the SA: the responder cannot send an
 * update, and one from the responder's side is ignored. MK-08: a request
 * from another address without UPDATE_SA_ADDRESSES is answered and
 * changes nothing. */
static void test_only_initiator_moves(void **s)
{
	(void)s;
	static struct ends e;
	mobike_setup(&e);
	handshake_on(&e);
	struct ike_path rpath = e.r.path, ipath = e.i.path;
	struct ike_req up = { .type = IKE_REQ_UPDATE_ADDR };
	assert_int_not_equal(ike_sa_request(&e.r, &up, q, sizeof(q), &ql), 0);
	assert_int_equal(ql, 0);
	/* a liveness check from a new address */
	struct ike_req live = { .type = IKE_REQ_LIVENESS };
	assert_int_equal(ike_sa_request(&e.i, &live, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver_on(&e.r, flip(path(COA2, TU_HA)), q, ql, p, &pl), 0);
	assert_memory_equal(&e.r.path, &rpath, sizeof(rpath));
	assert_int_equal(e.r.n_ev, 0);
	assert_int_equal(deliver_on(&e.i, ipath, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_ALIVE), 1);
	/* the responder's return-routability check moves nothing at the
	 * initiator either: it only echoes the COOKIE2 */
	struct ike_req rr = { .type = IKE_REQ_RR_CHECK };
	assert_int_equal(ike_sa_request(&e.r, &rr, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver_on(&e.i, flip(path(COA3, TU_HA)), q, ql, p, &pl), 0);
	assert_memory_equal(&e.i.path, &ipath, sizeof(ipath));
	assert_int_equal(deliver_on(&e.r, rpath, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_MOVED), 1);
	assert_memory_equal(&e.r.path, &rpath, sizeof(rpath));
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* MK-05: a second move while the update is outstanding: the
 * retransmission goes the new way (refused there: its NO_NATS_ALLOWED
 * names the old path), the stale answer is ignored and a new update
 * follows, which lands. MK-10: a request retransmitted from another
 * source address is followed by a new INFORMATIONAL request. */
static void test_double_move(void **s)
{
	(void)s;
	static struct ends e;
	mobike_setup(&e);
	handshake_on(&e);
	struct ike_path p1 = path(COA2, TU_HA), p2 = path(COA3, TU_HA);
	move_to(&e, p1);
	/* lost; the node moves again and the request is sent anew */
	ike_sa_set_path(&e.i, &p2);
	assert_int_equal(ike_sa_retransmit(&e.i, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver_on(&e.r, flip(p2), q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_MOVED), 0);
	assert_int_equal(deliver_on(&e.i, p2, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_REFUSED), 0);
	assert_true(ql > 0);            /* the new update */
	assert_int_equal(deliver_on(&e.r, flip(p2), q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_MOVED), 1);
	assert_memory_equal(e.r.path.peer, p2.local, 16);
	assert_int_equal(deliver_on(&e.i, p2, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_MOVED), 1);
	assert_false(ike_sa_busy(&e.i));
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* MK-07, RFC 4555 3.7: with the return-routability check the responder
 * takes the new path at once but reports the move only when a COOKIE2
 * sent there comes back. */
static void test_rr_check(void **s)
{
	(void)s;
	static struct ends e;
	static uint8_t copy[IKE_SA_MSG_MAX];
	struct ike_msg m;
	size_t dl;
	mobike_setup(&e);
	e.cr.mobike_rr = true;
	handshake_on(&e);
	struct ike_path pi = path(COA2, TU_HA);
	move_to(&e, pi);
	assert_int_equal(deliver_on(&e.r, flip(pi), q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_MOVED), 0);
	assert_memory_equal(e.r.path.peer, pi.local, 16);
	assert_true(ike_sa_busy(&e.r));
	assert_int_equal(deliver_on(&e.i, pi, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_MOVED), 1);
	/* the responder's check, a request of its own */
	assert_int_equal(ike_sa_send_queued(&e.r, q, sizeof(q), &ql), 0);
	assert_true(ql > 0);
	ends_peek(&e.i, q, ql, &m, copy);
	assert_non_null(notify_data(&m, IKE_N_COOKIE2, &dl));
	assert_null(ike_msg_find_notify(&m, IKE_N_UPDATE_SA_ADDRESSES));
	assert_int_equal(deliver_on(&e.i, pi, q, ql, p, &pl), 0);
	assert_int_equal(deliver_on(&e.r, flip(pi), p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_MOVED), 1);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* MK-03: the additional addresses: a list replaces the one before,
 * NO_ADDITIONAL_ADDRESSES empties it; the peer is reachable at those and
 * at the SA's own address. */
static void test_address_lists(void **s)
{
	(void)s;
	static struct ends e;
	uint8_t ab[2][16], c[1][16];
	tu_addr("2001:db8:a::1", ab[0]);
	tu_addr("2001:db8:b::1", ab[1]);
	tu_addr("2001:db8:c::1", c[0]);
	mobike_setup(&e);
	e.ci.addrs = (const uint8_t(*)[16])ab;
	e.ci.n_addrs = 2;
	handshake_on(&e);
	assert_int_equal(e.r.n_peer_addrs, 2);
	assert_memory_equal(e.r.peer_addrs[0], ab[0], 16);
	assert_memory_equal(e.r.peer_addrs[1], ab[1], 16);
	assert_int_equal(e.i.n_peer_addrs, 0);  /* the responder has none */
	e.ci.addrs = (const uint8_t(*)[16])c;
	e.ci.n_addrs = 1;
	struct ike_req ad = { .type = IKE_REQ_ADDRESSES };
	assert_int_equal(ike_sa_request(&e.i, &ad, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver_on(&e.r, e.r.path, q, ql, p, &pl), 0);
	assert_int_equal(e.r.n_peer_addrs, 1);
	assert_memory_equal(e.r.peer_addrs[0], c[0], 16);
	assert_memory_equal(e.r.path.peer, e.i.path.local, 16);  /* {C, src} */
	assert_int_equal(deliver_on(&e.i, e.i.path, p, pl, q, &ql), 0);
	/* MK-09: the list travels with NO_NATS_ALLOWED; one that came on
	 * another path is refused and changes nothing */
	e.ci.n_addrs = 0;
	assert_int_equal(ike_sa_request(&e.i, &ad, q, sizeof(q), &ql), 0);
	struct ike_path other = e.r.path;
	tu_addr("2001:db8:99::9", other.peer);
	assert_int_equal(deliver_on(&e.r, other, q, ql, p, &pl), 0);
	assert_int_equal(e.r.n_peer_addrs, 1);
	assert_int_equal(deliver_on(&e.i, e.i.path, p, pl, q, &ql), 0);
	const struct ike_ev *ev = ev_of(&e.i, IKE_EV_REFUSED);
	assert_non_null(ev);
	assert_int_equal(ev->notify, IKE_N_UNEXPECTED_NAT_DETECTED);
	/* sent again on its path: NO_ADDITIONAL_ADDRESSES empties the list */
	assert_int_equal(ike_sa_request(&e.i, &ad, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver_on(&e.r, e.r.path, q, ql, p, &pl), 0);
	assert_int_equal(e.r.n_peer_addrs, 0);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* An IKE SA rekey keeps MOBIKE and the path: the new SA moves too. */
static void test_rekey_keeps_mobike(void **s)
{
	(void)s;
	static struct ends e;
	static struct ike_sa ni, nr;
	mobike_setup(&e);
	handshake_on(&e);
	struct ike_req rk = { .type = IKE_REQ_REKEY_IKE };
	assert_int_equal(ike_sa_request(&e.i, &rk, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver(&e.r, q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_IKE_REKEYED), 1);
	assert_int_equal(deliver(&e.i, p, pl, q, &ql), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_IKE_REKEYED), 1);
	assert_int_equal(ike_sa_adopt(&ni, &e.ci, &e.i), 0);
	assert_int_equal(ike_sa_adopt(&nr, &e.cr, &e.r), 0);
	assert_true(ni.mobike && nr.mobike && ni.cfg_i && !nr.cfg_i);
	assert_memory_equal(&ni.path, &e.i.path, sizeof(ni.path));
	assert_memory_equal(&nr.path, &e.r.path, sizeof(nr.path));
	struct ike_path pi = path(COA2, TU_HA);
	ike_sa_set_path(&ni, &pi);
	struct ike_req up = { .type = IKE_REQ_UPDATE_ADDR };
	assert_int_equal(ike_sa_request(&ni, &up, q, sizeof(q), &ql), 0);
	assert_int_equal(deliver_on(&nr, flip(pi), q, ql, p, &pl), 0);
	assert_int_equal(n_ev(&nr, IKE_EV_MOVED), 1);
	ike_sa_clear(&ni);
	ike_sa_clear(&nr);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiated),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_unexpected_nat),
		cmocka_unit_test(test_unacceptable),
		cmocka_unit_test(test_cookie2_mismatch),
		cmocka_unit_test(test_only_initiator_moves),
		cmocka_unit_test(test_double_move),
		cmocka_unit_test(test_rr_check),
		cmocka_unit_test(test_address_lists),
		cmocka_unit_test(test_rekey_keeps_mobike),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
