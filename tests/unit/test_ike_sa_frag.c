/* IKE fragmentation between two engines (RFC 7383 2.3-2.6.1):
 * negotiated in IKE_SA_INIT or not at all, an IKE_AUTH with certificates
 * cut into SKF fragments both ways and reassembled, fragments reordered,
 * duplicated, corrupted and of a larger Total, the answer to a
 * retransmitted fragment, the reassembly timeout. */
#include <stdio.h>

#include "test_ike_ends.h"
#include "ike/ike_frag.h"
#include "ike/ike_msg.h"
#include "ike/ike_sig.h"

#define T_2029 1861920000       /* every test certificate is valid */
#define MTU 600                 /* small enough for several fragments */

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", IKE_CERTS_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[4][16384];
	static unsigned next;
	char *b = buf[next++ % 4];
	*len = fread(b, 1, sizeof(buf[0]), f);
	fclose(f);
	return b;
}

static struct ike_cred *cred(const char *who, const char *inter)
{
	struct ike_cred *c = ike_cred_new();
	char n1[64], n2[64];
	size_t l1, l2;
	assert_non_null(c);
	snprintf(n1, sizeof(n1), "%s.pem", who);
	snprintf(n2, sizeof(n2), "%s.key", who);
	const char *p1 = slurp(n1, &l1), *p2 = slurp(n2, &l2);
	assert_int_equal(ike_cred_set_own(c, p1, l1, p2, l2), 0);
	if (inter) {
		const char *p = slurp(inter, &l1);
		assert_int_equal(ike_cred_add_intermediates(c, p, l1), 0);
	}
	const char *p = slurp("ca.pem", &l1);
	assert_int_equal(ike_cred_set_ca(c, p, l1), 0);
	return c;
}

static struct ends e;
static struct ike_cred *ci, *cr;
/* what each end wrote last: one message or its fragments back to back */
static uint8_t oi[IKE_SA_OUT_MAX], orr[IKE_SA_OUT_MAX];
static size_t oil, orl;

/* Certificates at both ends (the initiator's with an intermediate), and
 * fragmentation as asked. */
static void frag_setup(bool frag_i, bool frag_r, uint16_t mtu)
{
	setup(&e, gcm_x25519);
	ci = cred("mn-inter", "inter.pem");
	cr = cred("ha-rsa", NULL);
	e.ci.cred = ci;
	e.cr.cred = cr;
	e.ci.cert_time = e.cr.cert_time = T_2029;
	e.ci.fragmentation = frag_i;
	e.cr.fragmentation = frag_r;
	e.ci.frag_mtu = e.cr.frag_mtu = mtu;
}

static void frag_free(void)
{
	ike_sa_clear(&e.i);
	ike_sa_clear(&e.r);
	ike_cred_free(ci);
	ike_cred_free(cr);
	ci = cr = NULL;
}

/* The datagrams in a buffer of output. */
static unsigned split(const uint8_t *p, size_t len, const uint8_t *dg[], size_t dl[], unsigned max)
{
	unsigned n = 0;
	size_t off = 0, l;
	while (off < len && (l = ike_sa_dgram(p + off, len - off))) {
		assert_true(n < max);
		dg[n] = p + off;
		dl[n++] = l;
		off += l;
	}
	assert_int_equal(off, len);
	return n;
}

/* One datagram into sa (a copy: it is decrypted in place); its output in out. */
static int give(struct ike_sa *sa, const uint8_t *d, size_t l, uint8_t *out, size_t *ol)
{
	static uint8_t copy[IKE_SA_MSG_MAX];
	memcpy(copy, d, l);
	return ike_sa_input(sa, copy, l, out, IKE_SA_OUT_MAX, ol);
}

/* IKE_SA_INIT both ways; the initiator's IKE_AUTH request in oi. */
static void init_exchange(void)
{
	assert_int_equal(ike_sa_start(&e.i, &e.ci, oi, sizeof(oi), &oil), 0);
	ike_sa_respond(&e.r, &e.cr);
	assert_int_equal(give(&e.r, oi, oil, orr, &orl), 0);
	assert_int_equal(give(&e.i, orr, orl, oi, &oil), 0);
	assert_int_equal(e.i.state, IKE_SA_AUTH_SENT);
}

static bool is_skf(const uint8_t *d)
{
	return d[16] == IKE_PL_SKF;
}

/* IKE-23: both sent IKEV2_FRAGMENTATION_SUPPORTED; IKE_AUTH with
 * certificates goes as fragments of at most MTU octets of datagram both
 * ways, and the SA comes up as it would whole. */
static void test_certs_fragmented(void **s)
{
	(void)s;
	frag_setup(true, true, MTU);
	init_exchange();
	assert_true(e.i.frag);
	assert_true(e.r.frag);
	const uint8_t *dg[IKE_FRAG_MAX];
	size_t dl[IKE_FRAG_MAX];
	unsigned n = split(oi, oil, dg, dl, IKE_FRAG_MAX);
	assert_true(n >= 3);
	for (unsigned k = 0; k < n; k++) {
		assert_true(is_skf(dg[k]));
		assert_true(dl[k] + 40 + 8 + 4 <= MTU);
		int rc = give(&e.r, dg[k], dl[k], orr, &orl);
		assert_int_equal(rc, 0);
		/* the answer comes with the last fragment only */
		assert_int_equal(orl == 0, k + 1 < n);
		assert_int_equal(ike_sa_frag_pending(&e.r), k + 1 < n);
	}
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	assert_int_equal(e.r.peer_auth, IKE_AUTH_DIGITAL_SIG);
	unsigned m = split(orr, orl, dg, dl, IKE_FRAG_MAX);
	assert_true(m >= 2);
	for (unsigned k = 0; k < m; k++) {
		assert_true(is_skf(dg[k]));
		assert_true(dl[k] + 40 + 8 + 4 <= MTU);
		assert_int_equal(give(&e.i, dg[k], dl[k], oi, &oil), 0);
	}
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	assert_true(e.i.child_ok && e.r.child_ok);
	assert_memory_equal(e.i.ch[0].keys.ei, e.r.ch[0].keys.ei, e.i.ch[0].keys.e_len);
	assert_false(ike_sa_frag_pending(&e.r));        /* nothing left of reassembly */
	frag_free();
}

/* IKE-23: the default fragment size keeps each datagram within 1280
 * octets (RFC 7383 2.5.1), the non-ESP marker counted. */
static void test_default_size(void **s)
{
	(void)s;
	frag_setup(true, true, 0);
	/* a chain long enough: the initiator's certificate and the
	 * intermediate's */
	init_exchange();
	const uint8_t *dg[IKE_FRAG_MAX];
	size_t dl[IKE_FRAG_MAX];
	unsigned n = split(oi, oil, dg, dl, IKE_FRAG_MAX);
	assert_true(n >= 2);
	for (unsigned k = 0; k < n; k++) {
		assert_true(dl[k] + 40 + 8 + 4 <= 1280);
		assert_int_equal(give(&e.r, dg[k], dl[k], orr, &orl), 0);
	}
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	frag_free();
}

/* IKE-23: not both sent it: nothing is fragmented, and a fragment that
 * comes anyway is dropped (IKE_FRAG_OFF). */
static void test_not_negotiated(void **s)
{
	(void)s;
	for (int side = 0; side < 2; side++) {
		frag_setup(side == 0, side == 1, MTU);
		init_exchange();
		assert_false(e.i.frag);
		assert_false(e.r.frag);
		const uint8_t *dg[IKE_FRAG_MAX];
		size_t dl[IKE_FRAG_MAX];
		assert_int_equal(split(oi, oil, dg, dl, IKE_FRAG_MAX), 1);
		assert_false(is_skf(oi));
		assert_true(oil + 40 + 8 + 4 > MTU);
		/* a fragment of the request, sealed with the initiator's keys */
		uint8_t frag[IKE_SA_MSG_MAX], content[8] = { 0 };
		size_t fl;
		struct ike_hdr h;
		ike_hdr_parse(oi, oil, &h);
		struct ike_rng rng = e.ci.rng;
		assert_int_equal(ike_frag_build(&e.i.sk, &h, IKE_PL_NONE, content, 0, 1, 2, &rng, frag,
						sizeof(frag), &fl), 0);
		assert_int_equal(give(&e.r, frag, fl, orr, &orl), M6_E_IKE_FRAG_OFF);
		assert_int_equal(orl, 0);
		assert_int_equal(give(&e.r, oi, oil, orr, &orl), 0);
		assert_int_equal(give(&e.i, orr, orl, oi, &oil), 0);
		assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
		frag_free();
	}
}

/* IKE-23: in any order; a duplicate is a replay (IKE_FRAG_DUP); a
 * corrupt one fails its ICV and is not stored (2.6: verified before it
 * is kept), the genuine one still completes the message. */
static void test_reordered_duplicate_corrupt(void **s)
{
	(void)s;
	frag_setup(true, true, MTU);
	init_exchange();
	const uint8_t *dg[IKE_FRAG_MAX];
	size_t dl[IKE_FRAG_MAX];
	unsigned n = split(oi, oil, dg, dl, IKE_FRAG_MAX);
	assert_true(n >= 3);
	/* the last one first */
	assert_int_equal(give(&e.r, dg[n - 1], dl[n - 1], orr, &orl), 0);
	assert_int_equal(give(&e.r, dg[n - 1], dl[n - 1], orr, &orl), M6_E_IKE_FRAG_DUP);
	/* fragment 1 corrupted: dropped, and nothing of it kept */
	uint8_t bad[IKE_SA_MSG_MAX];
	memcpy(bad, dg[0], dl[0]);
	bad[dl[0] - 1] ^= 0x40;
	assert_int_equal(give(&e.r, bad, dl[0], orr, &orl), M6_E_IKE_ICV);
	/* out of range numbers, before any ICV is computed */
	memcpy(bad, dg[0], dl[0]);
	bad[IKE_HDR_LEN + 4] = 0x7f;   /* Fragment Number above Total */
	assert_int_equal(give(&e.r, bad, dl[0], orr, &orl), M6_E_IKE_SKF_NUM);
	for (unsigned k = n - 1; k-- > 0;) {
		assert_int_equal(give(&e.r, dg[k], dl[k], orr, &orl), 0);
		assert_int_equal(orl == 0, k != 0);
	}
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	assert_false(ike_sa_frag_pending(&e.r));
	frag_free();
}

/* The content of a fragmented message as the receiver would read it. */
static size_t content_of(const struct ike_sa *rx, const uint8_t *p, size_t len, uint8_t *out, uint8_t *np)
{
	const uint8_t *dg[IKE_FRAG_MAX];
	size_t dl[IKE_FRAG_MAX], o = 0;
	unsigned n = split(p, len, dg, dl, IKE_FRAG_MAX);
	for (unsigned k = 0; k < n; k++) {
		uint8_t copy[IKE_SA_MSG_MAX];
		struct ike_msg m;
		struct m6_diags ds;
		size_t po, pl;
		memcpy(copy, dg[k], dl[k]);
		m6_diags_init(&ds);
		assert_int_equal(ike_msg_parse(copy, dl[k], &m, &ds, 0), 0);
		assert_int_equal(ike_sk_open(&rx->sk, copy, dl[k], &m, &po, &pl), 0);
		if (k == 0)
			*np = m.sk_np;
		memcpy(out + o, copy + po, pl);
		o += pl;
	}
	return o;
}

/* IKE-23: a set with a larger Total restarts reassembly (2.5.2: the
 * sender probing a smaller size); the older set's fragments are then
 * those of an answered request: only Fragment Number 1 gets the answer
 * again (2.6.1), the others are ignored. */
static void test_larger_total(void **s)
{
	(void)s;
	frag_setup(true, true, MTU);
	init_exchange();
	const uint8_t *dg[IKE_FRAG_MAX];
	size_t dl[IKE_FRAG_MAX];
	unsigned n = split(oi, oil, dg, dl, IKE_FRAG_MAX);
	assert_true(n >= 3);
	/* the same request in n + 1 fragments, sealed by the initiator */
	static uint8_t plain[IKE_SA_MSG_MAX], set2[IKE_SA_OUT_MAX];
	uint8_t np = 0;
	size_t pl = content_of(&e.r, oi, oil, plain, &np), l2 = 0;
	struct ike_hdr h;
	ike_hdr_parse(oi, oil, &h);
	struct ike_rng rng = e.ci.rng;
	for (unsigned k = 1; k <= n + 1; k++) {
		size_t fl;
		assert_int_equal(ike_frag_build(&e.i.sk, &h, np, plain, pl, (uint16_t)k, (uint16_t)(n + 1), &rng,
						set2 + l2, sizeof(set2) - l2, &fl), 0);
		l2 += fl;
	}
	const uint8_t *dg2[IKE_FRAG_MAX];
	size_t dl2[IKE_FRAG_MAX];
	assert_int_equal(split(set2, l2, dg2, dl2, IKE_FRAG_MAX), n + 1);
	/* two of the first set, then the larger set whole */
	assert_int_equal(give(&e.r, dg[0], dl[0], orr, &orl), 0);
	assert_int_equal(give(&e.r, dg[1], dl[1], orr, &orl), 0);
	for (unsigned k = 0; k < n + 1; k++)
		assert_int_equal(give(&e.r, dg2[k], dl2[k], orr, &orl), 0);
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	assert_true(orl > 0);
	static uint8_t first[IKE_SA_OUT_MAX];
	size_t first_len = orl;
	memcpy(first, orr, orl);
	/* the rest of the first set: ignored */
	for (unsigned k = 1; k < n; k++) {
		assert_int_equal(give(&e.r, dg[k], dl[k], orr, &orl), M6_E_IKE_FRAG_DUP);
		assert_int_equal(orl, 0);
	}
	/* its fragment 1 again: the answer again, all of it, the same octets */
	assert_int_equal(give(&e.r, dg[0], dl[0], orr, &orl), 0);
	assert_int_equal(orl, first_len);
	assert_memory_equal(orr, first, orl);
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	frag_free();
}

/* IKE-02 with IKE-23: the initiator's retransmission is every fragment,
 * bit for bit; the responder answers only its fragment 1 (2.6.1). */
static void test_retransmission(void **s)
{
	(void)s;
	frag_setup(true, true, MTU);
	init_exchange();
	static uint8_t again[IKE_SA_OUT_MAX], resp[IKE_SA_OUT_MAX];
	size_t al, rl = 0;
	assert_int_equal(ike_sa_retransmit(&e.i, again, sizeof(again), &al), 0);
	assert_int_equal(al, oil);
	assert_memory_equal(again, oi, oil);
	const uint8_t *dg[IKE_FRAG_MAX];
	size_t dl[IKE_FRAG_MAX];
	unsigned n = split(oi, oil, dg, dl, IKE_FRAG_MAX);
	for (unsigned k = 0; k < n; k++)
		assert_int_equal(give(&e.r, dg[k], dl[k], orr, &orl), 0);
	memcpy(resp, orr, orl);
	rl = orl;
	for (unsigned k = n; k-- > 0;) {
		assert_int_equal(give(&e.r, dg[k], dl[k], orr, &orl), k ? M6_E_IKE_FRAG_DUP : 0);
		assert_int_equal(orl, k ? 0 : rl);
	}
	assert_memory_equal(orr, resp, rl);
	frag_free();
}

/* IKE-23, 2.6: fragments kept past the reassembly timeout are forgotten
 * (the responder as if no request came); the retransmission then makes
 * the whole message. */
static void test_timeout(void **s)
{
	(void)s;
	frag_setup(true, true, MTU);
	init_exchange();
	const uint8_t *dg[IKE_FRAG_MAX];
	size_t dl[IKE_FRAG_MAX];
	unsigned n = split(oi, oil, dg, dl, IKE_FRAG_MAX);
	for (unsigned k = 0; k + 1 < n; k++)
		assert_int_equal(give(&e.r, dg[k], dl[k], orr, &orl), 0);
	assert_true(ike_sa_frag_pending(&e.r));
	size_t held = ike_sa_heap_bytes(&e.r);
	ike_sa_frag_expire(&e.r);
	assert_false(ike_sa_frag_pending(&e.r));
	assert_true(held - ike_sa_heap_bytes(&e.r) > IKE_SA_MSG_MAX);   /* the reassembly state went */
	assert_int_equal(e.r.state, IKE_SA_INIT_DONE);
	/* the last one alone completes nothing */
	assert_int_equal(give(&e.r, dg[n - 1], dl[n - 1], orr, &orl), 0);
	assert_int_equal(orl, 0);
	for (unsigned k = 0; k + 1 < n; k++)
		assert_int_equal(give(&e.r, dg[k], dl[k], orr, &orl), 0);
	assert_int_equal(e.r.state, IKE_SA_ESTABLISHED);
	assert_true(orl > 0);
	frag_free();
}

/* IKE-23: on the established SA too: a CREATE_CHILD_SA request too big
 * for a fragment goes as fragments and is answered. */
static void test_established(void **s)
{
	(void)s;
	frag_setup(true, true, 0);
	init_exchange();
	const uint8_t *dg[IKE_FRAG_MAX];
	size_t dl[IKE_FRAG_MAX];
	unsigned n = split(oi, oil, dg, dl, IKE_FRAG_MAX);
	for (unsigned k = 0; k < n; k++)
		assert_int_equal(give(&e.r, dg[k], dl[k], orr, &orl), 0);
	n = split(orr, orl, dg, dl, IKE_FRAG_MAX);
	for (unsigned k = 0; k < n; k++)
		assert_int_equal(give(&e.i, dg[k], dl[k], oi, &oil), 0);
	assert_int_equal(e.i.state, IKE_SA_ESTABLISHED);
	/* a fragment size (below what a configuration allows) that a
	 * CREATE_CHILD_SA request does not fit */
	e.ci.frag_mtu = e.cr.frag_mtu = 200;
	struct ike_req r = { .type = IKE_REQ_NEW_CHILD, .new_spi = 0xc0000100 };
	assert_int_equal(ike_sa_request(&e.i, &r, oi, sizeof(oi), &oil), 0);
	n = split(oi, oil, dg, dl, IKE_FRAG_MAX);
	assert_true(n >= 2);
	for (unsigned k = 0; k < n; k++)
		assert_int_equal(give(&e.r, dg[k], dl[k], orr, &orl), 0);
	assert_true(orl > 0);
	unsigned m = split(orr, orl, dg, dl, IKE_FRAG_MAX);
	for (unsigned k = 0; k < m; k++)
		assert_int_equal(give(&e.i, dg[k], dl[k], oi, &oil), 0);
	assert_int_equal(n_ev(&e.i, IKE_EV_CHILD_UP), 1);
	frag_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certs_fragmented),
		cmocka_unit_test(test_default_size),
		cmocka_unit_test(test_not_negotiated),
		cmocka_unit_test(test_reordered_duplicate_corrupt),
		cmocka_unit_test(test_larger_total),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_established),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
