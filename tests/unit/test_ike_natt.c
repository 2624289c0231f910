/* NAT traversal on an IKE SA (RFC 7296 2.23, RFC 3948, RFC 4555 3.3):
 * NAT detection in IKE_SA_INIT, the float to UDP 4500, which end finds a
 * NAT, forced encapsulation, and NAT detection in MOBIKE updates. Both
 * ends run here; a NAT is emulated by giving the responder the addresses
 * it would see behind one. */
#include <openssl/evp.h>

#include "test_ike_ends.h"
#include "ike/ike_msg.h"
#include "util/m6_bytes.h"

#define COA1 "2001:db8:2::100"
#define COA2 "2001:db8:3::100"
#define NAT_OUT "2001:db8:9::1"         /* a NAT66's outside address */

static uint8_t q[IKE_SA_MSG_MAX], copy[IKE_SA_MSG_MAX];
static size_t ql;

static struct ike_path path(const char *local, const char *peer, uint16_t lport, uint16_t pport)
{
	struct ike_path x = { .lport = lport, .pport = pport };
	tu_addr(local, x.local);
	tu_addr(peer, x.peer);
	return x;
}

static int deliver_on(struct ike_sa *sa, struct ike_path rx, const uint8_t *msg, size_t len, uint8_t *out,
		      size_t *ol)
{
	ike_sa_set_rx(sa, &rx);
	return deliver(sa, msg, len, out, ol);
}

static void natt_setup(struct ends *e, bool mobike)
{
	ike_sa_clear(&e->i);
	ike_sa_clear(&e->r);
	setup(e, gcm_x25519);
	e->ci.mobike = e->cr.mobike = mobike;
	e->ci.natt = e->cr.natt = true;
}

/* SHA-1(SPIi | SPIr | address | port), written out here apart from the
 * engine's own code. */
static void natd_want(const uint8_t *spi_i, const uint8_t *spi_r, const char *addr, uint16_t port, uint8_t out[20])
{
	uint8_t in[34];
	unsigned n = 0;
	memcpy(in, spi_i, 8);
	memcpy(in + 8, spi_r, 8);
	tu_addr(addr, in + 16);
	in[32] = (uint8_t)(port >> 8);
	in[33] = (uint8_t)port;
	assert_int_equal(EVP_Digest(in, sizeof(in), out, &n, EVP_sha1(), NULL), 1);
}

/* A notify of an unencrypted message (IKE_SA_INIT): its data, or NULL. */
static const uint8_t *clear_notify(const uint8_t *msg, size_t len, uint16_t type, size_t *dl)
{
	static struct ike_msg m;
	struct ike_notify n;
	struct m6_diags ds;
	memcpy(copy, msg, len);
	m6_diags_init(&ds);
	assert_int_equal(ike_msg_parse(copy, len, &m, &ds, 0), 0);
	const struct ike_pl *pl = ike_msg_find_notify(&m, type);
	if (!pl || ike_notify_parse(pl->body, pl->body_len, &n, &ds, 0))
		return NULL;
	*dl = n.data_len;
	return n.data;
}

/* The initiator on COA1:500 behind nothing, the responder seeing it as
 * rx_r (a NAT rewrites it, or not); IKE_SA_INIT both ways, then the
 * IKE_AUTH request from wherever the initiator floated, seen by the
 * responder as auth_rx (NULL: the initiator's path flipped). */
static void handshake_seen(struct ends *e, struct ike_path rx_r, const struct ike_path *auth_rx)
{
	struct ike_path pi = path(COA1, TU_HA, 500, 500);
	assert_int_equal(ike_sa_start_on(&e->i, &e->ci, &pi, e->a, sizeof(e->a), &e->al), 0);
	ike_sa_respond(&e->r, &e->cr);
	ike_sa_set_path(&e->r, &rx_r);
	assert_int_equal(deliver_on(&e->r, rx_r, e->a, e->al, e->b, &e->bl), 0);
	assert_int_equal(deliver_on(&e->i, e->i.path, e->b, e->bl, e->a, &e->al), 0);
	struct ike_path ar = auth_rx ? *auth_rx
				     : path(TU_HA, COA1, e->i.path.pport, e->i.path.lport);
	assert_int_equal(deliver_on(&e->r, ar, e->a, e->al, e->b, &e->bl), 0);
	assert_int_equal(deliver_on(&e->i, e->i.path, e->b, e->bl, e->a, &e->al), 0);
	assert_int_equal(e->i.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e->r.state, IKE_SA_ESTABLISHED);
}

/* IKE-20: NAT_DETECTION_SOURCE_IP and _DESTINATION_IP in both IKE_SA_INIT
 * messages, SHA-1 over the SPIs (SPIr zero in the request) and each
 * end's view of the addresses and ports. MK-02: with MOBIKE offered and
 * NAT traversal at both ends, IKE_AUTH goes on 4500 without a NAT, and
 * the responder's IKE SA takes its addresses and ports from it; without
 * a NAT no ESP in UDP and no keepalives. */
static void test_detection_and_float(void **s)
{
	(void)s;
	static struct ends e;
	static const uint8_t zero[8];
	uint8_t want[20];
	size_t dl;
	natt_setup(&e, true);
	struct ike_path pi = path(COA1, TU_HA, 500, 500), pr = path(TU_HA, COA1, 500, 500);
	assert_int_equal(ike_sa_start_on(&e.i, &e.ci, &pi, e.a, sizeof(e.a), &e.al), 0);
	const uint8_t *src = clear_notify(e.a, e.al, IKE_N_NAT_DETECTION_SOURCE_IP, &dl);
	assert_non_null(src);
	assert_int_equal(dl, 20);
	natd_want(e.i.spi_i, zero, COA1, 500, want);
	assert_memory_equal(src, want, 20);
	const uint8_t *dst = clear_notify(e.a, e.al, IKE_N_NAT_DETECTION_DESTINATION_IP, &dl);
	assert_non_null(dst);
	natd_want(e.i.spi_i, zero, TU_HA, 500, want);
	assert_memory_equal(dst, want, 20);

	ike_sa_respond(&e.r, &e.cr);
	ike_sa_set_path(&e.r, &pr);
	assert_int_equal(deliver_on(&e.r, pr, e.a, e.al, e.b, &e.bl), 0);
	assert_true(e.r.natt_peer);
	assert_false(e.r.nat_here || e.r.nat_there);
	src = clear_notify(e.b, e.bl, IKE_N_NAT_DETECTION_SOURCE_IP, &dl);
	assert_non_null(src);
	natd_want(e.r.spi_i, e.r.spi_r, TU_HA, 500, want);
	assert_memory_equal(src, want, 20);
	dst = clear_notify(e.b, e.bl, IKE_N_NAT_DETECTION_DESTINATION_IP, &dl);
	natd_want(e.r.spi_i, e.r.spi_r, COA1, 500, want);
	assert_memory_equal(dst, want, 20);

	assert_int_equal(deliver_on(&e.i, pi, e.b, e.bl, e.a, &e.al), 0);
	assert_true(e.i.natt_peer);
	assert_false(e.i.nat_here || e.i.nat_there);
	assert_int_equal(e.i.path.lport, 4500);
	assert_int_equal(e.i.path.pport, 4500);
	struct ike_path ar = path(TU_HA, COA1, 4500, 4500);
	assert_int_equal(deliver_on(&e.r, ar, e.a, e.al, e.b, &e.bl), 0);
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.r.path.lport, 4500);
	assert_int_equal(e.r.path.pport, 4500);
	assert_int_equal(deliver_on(&e.i, e.i.path, e.b, e.bl, e.a, &e.al), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	assert_false(ike_sa_encap(&e.i) || ike_sa_encap(&e.r));
	assert_false(ike_sa_keepalive(&e.i) || ike_sa_keepalive(&e.r));
	/* with NAT traversal, NAT detection takes the place of NO_NATS_ALLOWED */
	struct ike_msg m;
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	natt_setup(&e, true);
	assert_int_equal(ike_sa_start_on(&e.i, &e.ci, &pi, e.a, sizeof(e.a), &e.al), 0);
	ike_sa_respond(&e.r, &e.cr);
	ike_sa_set_path(&e.r, &pr);
	assert_int_equal(deliver_on(&e.r, pr, e.a, e.al, e.b, &e.bl), 0);
	assert_int_equal(deliver_on(&e.i, pi, e.b, e.bl, e.a, &e.al), 0);
	static uint8_t c2[IKE_SA_MSG_MAX];
	ends_peek(&e.r, e.a, e.al, &m, c2);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_MOBIKE_SUPPORTED));
	assert_null(ike_msg_find_notify(&m, IKE_N_NO_NATS_ALLOWED));
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-20: without MOBIKE and without a NAT, IKE stays on port 500; a
 * responder without NAT traversal sends no NAT detection, and then the
 * initiator neither floats nor encapsulates; an initiator without it
 * sends none. */
static void test_no_float(void **s)
{
	(void)s;
	static struct ends e;
	size_t dl;
	natt_setup(&e, false);
	handshake_seen(&e, path(TU_HA, COA1, 500, 500), NULL);
	assert_true(e.i.natt_peer && e.r.natt_peer);
	assert_int_equal(e.i.path.lport, 500);
	assert_int_equal(e.r.path.pport, 500);

	natt_setup(&e, true);
	e.cr.natt = false;
	struct ike_path pr = path(TU_HA, COA1, 500, 500);
	handshake_seen(&e, pr, NULL);
	assert_false(e.i.natt_peer);
	assert_int_equal(e.i.path.lport, 500);
	assert_false(ike_sa_encap(&e.i) || ike_sa_encap(&e.r));

	natt_setup(&e, true);
	e.ci.natt = false;
	struct ike_path pi = path(COA1, TU_HA, 500, 500);
	assert_int_equal(ike_sa_start_on(&e.i, &e.ci, &pi, e.a, sizeof(e.a), &e.al), 0);
	assert_null(clear_notify(e.a, e.al, IKE_N_NAT_DETECTION_SOURCE_IP, &dl));
	ike_sa_respond(&e.r, &e.cr);
	ike_sa_set_path(&e.r, &pr);
	assert_int_equal(deliver_on(&e.r, pr, e.a, e.al, e.b, &e.bl), 0);
	assert_null(clear_notify(e.b, e.bl, IKE_N_NAT_DETECTION_SOURCE_IP, &dl));
	assert_false(e.r.natt_peer);
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-20: a NAT rewrites the initiator's address and port. The
 * responder finds none of the initiator's source hashes matches what it
 * sees (a NAT there); the initiator finds the responder saw another
 * address (a NAT here), moves to 4500 though it offers no MOBIKE, and
 * sends keepalives; both encapsulate ESP. */
static void test_nat_found(void **s)
{
	(void)s;
	static struct ends e;
	natt_setup(&e, false);
	struct ike_path seen = path(TU_HA, NAT_OUT, 500, 40123), seen4 = path(TU_HA, NAT_OUT, 4500, 40124);
	handshake_seen(&e, seen, &seen4);
	assert_true(e.r.nat_there);
	assert_false(e.r.nat_here);
	assert_true(e.i.nat_here);
	assert_false(e.i.nat_there);
	assert_int_equal(e.i.path.lport, 4500);
	assert_int_equal(e.i.path.pport, 4500);
	/* the responder's IKE SA is where the IKE_AUTH request came from:
	 * the NAT's outside address and its new port */
	assert_memory_equal(e.r.path.peer, seen4.peer, 16);
	assert_int_equal(e.r.path.pport, 40124);
	assert_true(ike_sa_encap(&e.i) && ike_sa_encap(&e.r));
	assert_true(ike_sa_keepalive(&e.i));
	assert_false(ike_sa_keepalive(&e.r));
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* IKE-20: encapsulation forced by the initiator (strongSwan's encap =
 * yes): its source hash matches nothing, the responder sees a NAT and
 * encapsulates, and so does the initiator; the same forced by the
 * responder. */
static void test_forced(void **s)
{
	(void)s;
	static struct ends e;
	natt_setup(&e, false);
	e.ci.natt_force = true;
	handshake_seen(&e, path(TU_HA, COA1, 500, 500), NULL);
	assert_true(e.r.nat_there);
	assert_false(e.i.nat_here || e.i.nat_there);
	assert_int_equal(e.i.path.lport, 4500);
	assert_int_equal(e.r.path.lport, 4500);
	assert_true(ike_sa_encap(&e.i) && ike_sa_encap(&e.r));
	assert_true(ike_sa_keepalive(&e.i));

	natt_setup(&e, false);
	e.cr.natt_force = true;
	handshake_seen(&e, path(TU_HA, COA1, 500, 500), NULL);
	assert_true(e.i.nat_there);
	assert_int_equal(e.i.path.lport, 4500);
	assert_true(ike_sa_encap(&e.i) && ike_sa_encap(&e.r));
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* A NAT-D notify of the wrong length makes the detection void: nothing
 * is learnt from it, no float. */
static void test_malformed(void **s)
{
	(void)s;
	static struct ends e;
	natt_setup(&e, false);
	struct ike_path pi = path(COA1, TU_HA, 500, 500), pr = path(TU_HA, COA1, 500, 500);
	assert_int_equal(ike_sa_start_on(&e.i, &e.ci, &pi, e.a, sizeof(e.a), &e.al), 0);
	/* shorten the last notify (DESTINATION, 4 + 20 octets) by its last
	 * octet: the message and the payload lengths go down by one */
	size_t dl;
	assert_non_null(clear_notify(e.a, e.al, IKE_N_NAT_DETECTION_DESTINATION_IP, &dl));
	uint8_t *last = e.a + e.al - (4 + 4 + 20);
	assert_int_equal(m6_get16(last + 6), IKE_N_NAT_DETECTION_DESTINATION_IP);
	m6_put16(last + 2, (uint16_t)(m6_get16(last + 2) - 1));
	e.al--;
	m6_put32(e.a + 24, (uint32_t)e.al);
	ike_sa_respond(&e.r, &e.cr);
	ike_sa_set_path(&e.r, &pr);
	assert_int_equal(deliver_on(&e.r, pr, e.a, e.al, e.b, &e.bl), 0);
	assert_false(e.r.natt_peer);
	assert_null(clear_notify(e.b, e.bl, IKE_N_NAT_DETECTION_SOURCE_IP, &dl));
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

/* MK-08, IKE-20: a MOBIKE update carries NAT detection for the new path,
 * the responder answers with its own and both judge the new path: behind
 * a NAT after the move, ESP goes in UDP from then on. */
static void test_update_judges_new_path(void **s)
{
	(void)s;
	static struct ends e;
	struct ike_msg m;
	static uint8_t c2[IKE_SA_MSG_MAX];
	natt_setup(&e, true);
	handshake_seen(&e, path(TU_HA, COA1, 500, 500), NULL);
	assert_true(e.i.mobike && e.r.mobike);
	assert_false(ike_sa_encap(&e.r));
	struct ike_path moved = path(COA2, TU_HA, 4500, 4500);
	ike_sa_set_path(&e.i, &moved);
	struct ike_req up = { .type = IKE_REQ_UPDATE_ADDR };
	assert_int_equal(ike_sa_request(&e.i, &up, q, sizeof(q), &ql), 0);
	ends_peek(&e.r, q, ql, &m, c2);
	assert_non_null(ike_msg_find_notify(&m, IKE_N_UPDATE_SA_ADDRESSES));
	assert_non_null(ike_msg_find_notify(&m, IKE_N_NAT_DETECTION_SOURCE_IP));
	assert_null(ike_msg_find_notify(&m, IKE_N_NO_NATS_ALLOWED));
	/* the update reaches the home agent through a NAT */
	struct ike_path seen = path(TU_HA, NAT_OUT, 4500, 40200);
	assert_int_equal(deliver_on(&e.r, seen, q, ql, e.b, &e.bl), 0);
	assert_int_equal(n_ev(&e.r, IKE_EV_MOVED), 1);
	assert_true(e.r.nat_there);
	assert_true(ike_sa_encap(&e.r));
	assert_memory_equal(e.r.path.peer, seen.peer, 16);
	assert_int_equal(e.r.path.pport, 40200);
	assert_int_equal(deliver_on(&e.i, moved, e.b, e.bl, e.a, &e.al), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_MOVED), 1);
	assert_true(e.i.nat_here);
	assert_true(ike_sa_encap(&e.i) && ike_sa_keepalive(&e.i));
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detection_and_float),
		cmocka_unit_test(test_no_float),
		cmocka_unit_test(test_nat_found),
		cmocka_unit_test(test_forced),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_update_judges_new_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
