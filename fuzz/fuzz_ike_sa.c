/*
 * fuzz_ike_sa — libFuzzer harness for the IKE responder (src/core/ike/ike_sa.c)
 * driven by mutated messages.
 *
 * The responder accepts AES-GCM-16-256 / PRF-HMAC-SHA2-256 / X25519 and
 * CBC-128 + HMAC-SHA2-256-128 / ECP-256, PSK authentication, one ESP
 * proposal and MH selectors around 2001:db8:1::/112; it also trusts a CA
 * made at start (whose key is dropped), so that an AUTH with a signature
 * method takes the CERT payloads through the certificate checks. The first octet picks
 * what the rest is:
 *   0       an IKE_SA_INIT request (any octets) to a fresh responder;
 *   1       an IKE_AUTH request (any octets) to a responder that has
 *           answered a genuine IKE_SA_INIT;
 *   2       the plaintext of an IKE_AUTH request (octet 1: first payload
 *           type, then the payload chain), sealed here with the genuine
 *           initiator's keys, so that the responder decrypts it and
 *           reaches identities, AUTH, proposals and selectors;
 *   3       the same after a genuine IDi and AUTH computed here (octet 1:
 *           the type after AUTH), so that proposals and selectors are
 *           reached with the initiator authenticated;
 *   4       the plaintext of a request on the established IKE SA (octet
 *           1: CREATE_CHILD_SA when odd, else INFORMATIONAL; octet 2: the
 *           first payload type, then the chain), sealed with the genuine
 *           initiator's keys with the next Message ID, to the established
 *           responder: Delete, rekeys and new Child SAs are reached;
 *   5       the plaintext of a response (octet 1: which request of the
 *           established initiator it answers: 0 liveness, 1 Delete of the
 *           Child SA, 2 new Child SA, 3 Child SA rekey, 4 the same with
 *           PFS, 5 IKE SA rekey; octet 2: the first payload type, then the
 *           chain), sealed with the genuine responder's keys, to the
 *           initiator that sent that request;
 *   other   as 0.
 * Both ends offer MOBIKE and the initiator asks for a home address (the
 * responder assigns 2001:db8:1::100 or the suggestion inside its
 * selectors); every message is given its path (the initiator on
 * 2001:db8:2::100, the responder 2001:db8:1::1; in mode 4, when octet 1
 * has bit 1 set, the request comes from 2001:db8:3::100, a new address).
 * Each input is then given a second time (the responder must answer a
 * retransmission from its cache with the same octets, IKE-02). It aborts
 * when an invariant fails:
 *  - a dropped message changes nothing (state, SPIs, output empty);
 *  - an answer is a well-formed IKE message with the R flag and the
 *    request's Message ID; a stateless IKE_SA_INIT refusal has SPIr 0;
 *  - the responder is ESTABLISHED only after the initiator's AUTH checks
 *    out, and then it has the initiator's identity; a Child SA it accepts
 *    has keys and the selectors inside its configuration;
 *  - on the established SA (mode 4): a request is answered once, with its
 *    Message ID, encrypted, and the expected Message ID moves on by one;
 *    a dropped one changes nothing; every Child SA reported up is in the
 *    table with keys; the SA is established, rekeyed or deleted;
 *  - an IKE SA's path changes only to the addresses the message came on
 *    (a MOBIKE update, MK-06);
 *  - a response (mode 5) ends the exchange: nothing is outstanding after
 *    it unless a follow-up request (a Delete) went out with it; a rekeyed
 *    SA can make the new one.
 * With FUZZ_IKE_SA_VERBOSE set in the environment, each input's outcome
 * (return code, state, Child SA) is printed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ike/ike_sa.h"
#include "util/m6_bytes.h"

static void violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_ike_sa: invariant violated at line %d: %s\n", line, what);
	abort();
}
#define CHECK(c) do { if (!(c)) violated(#c, __LINE__); } while (0)

struct gen {
	uint32_t n;
};

static void gen_fn(void *ctx, uint8_t *out, size_t len)
{
	struct gen *g = ctx;
	for (size_t i = 0; i < len; i++) {
		g->n = g->n * 1664525u + 1013904223u;
		out[i] = (uint8_t)(g->n >> 24);
	}
}

static const uint8_t psk[] = "fuzz_ike_sa pre-shared key, long enough to be an acceptable text..";
static const uint8_t id_i[] = "mn.example.org", id_r[] = "ha.example.org";

static struct gen gi, gr;
/* where each end runs, as it sees it */
static struct ike_path path_i = { { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 },
				  500, 500 };
static struct ike_path path_r, path_moved;

static int fz_assign(void *ctx, uint8_t id_type, const uint8_t *id, size_t id_len, const uint8_t *want,
		     uint8_t hoa[16], uint8_t *plen)
{
	(void)ctx, (void)id_type, (void)id, (void)id_len;
	static const uint8_t def[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [14] = 1 };
	/* the suggestion when it lies in 2001:db8:1::/112, as the PAD would */
	bool in = want && !memcmp(want, def, 14);
	memcpy(hoa, in ? want : def, 16);
	*plen = 64;
	return 0;
}
static struct ike_sa_cfg ci, cr;
static struct ike_sa init_i, init_r;       /* after a genuine IKE_SA_INIT */
static struct ike_sa est_i, est_r;         /* after a genuine IKE_AUTH */
static bool ready;

static void ts(struct ike_ts_list *l, uint8_t last_lo, uint8_t last_hi, uint16_t sp, uint16_t ep)
{
	struct ike_ts *t = &l->ts[l->n++];
	memset(t, 0, sizeof(*t));
	t->type = IKE_TS_IPV6_ADDR_RANGE;
	t->proto = 135;
	t->start_port = sp;
	t->end_port = ep;
	static const uint8_t pfx[14] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };
	memcpy(t->start, pfx, 14);
	memcpy(t->end, pfx, 14);
	t->start[15] = last_lo;
	t->end[14] = last_hi ? 0xff : 0;
	t->end[15] = last_hi ? 0xff : last_lo;
}

/* A working copy of a kept SA: the cipher contexts are shared (a copy is
 * never cleared), the messages it keeps are its own, since processing
 * replaces them (freeing the old ones). dst's previous messages go. */
static uint8_t *dup_msg(const uint8_t *m, size_t len)
{
	if (!m)
		return NULL;
	uint8_t *p = malloc(len ? len : 1);
	if (!p)
		abort();
	memcpy(p, m, len);
	return p;
}

static void copy_sa(struct ike_sa *dst, const struct ike_sa *src)
{
	free(dst->init_req);
	free(dst->init_resp);
	free(dst->last_out);
	free(dst->resp);
	free(dst->rk);
	ike_sa_req_dh_drop(dst);
	free(dst->dh);
	free(dst->ni);
	free(dst->peer_id);
	memcpy(dst, src, sizeof(*dst));
	dst->req_dh = (struct ike_dh *)dup_msg((const uint8_t *)src->req_dh, src->req_dh ? sizeof(*src->req_dh) : 0);
	dst->dh = (struct ike_dh *)dup_msg((const uint8_t *)src->dh, src->dh ? sizeof(*src->dh) : 0);
	dst->ni = dup_msg(src->ni, src->ni ? 2 * IKE_NONCE_MAX : 0);
	dst->peer_id = dup_msg(src->peer_id, src->peer_id_len);
	dst->nr = dst->ni ? dst->ni + IKE_NONCE_MAX : NULL;
	dst->init_req = dup_msg(src->init_req, src->init_req_len);
	dst->init_resp = dup_msg(src->init_resp, src->init_resp_len);
	dst->last_out = dup_msg(src->last_out, src->last_out_len);
	dst->resp = dup_msg(src->resp, src->resp_len);
	dst->rk = (struct ike_rekey *)dup_msg((const uint8_t *)src->rk, src->rk ? 2 * sizeof(*src->rk) : 0);
}

/* A CA for the responder (made here, its key dropped): a signature AUTH
 * with CERT payloads reaches the certificate checks, and none can pass. */
static struct ike_cred *fuzz_ca(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	BIO *b = BIO_new(BIO_s_mem());
	struct ike_cred *c = ike_cred_new();
	if (!k || !x || !b || !c)
		abort();
	X509_set_version(x, 2);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"fuzz CA",
				   -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	ASN1_TIME_set(X509_getm_notBefore(x), 1700000000);
	ASN1_TIME_set(X509_getm_notAfter(x), 2000000000);
	X509_set_pubkey(x, k);
	char *p;
	if (!X509_sign(x, k, EVP_sha256()) || !PEM_write_bio_X509(b, x))
		abort();
	long l = BIO_get_mem_data(b, &p);
	if (ike_cred_set_ca(c, p, (size_t)l))
		abort();
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
	return c;
}

static void setup(void)
{
	struct ike_sa_cfg *c[2] = { &ci, &cr };
	for (int k = 0; k < 2; k++) {
		c[k]->ike[0] = (struct ike_suite){ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256,
						   IKE_INTEG_NONE, IKE_DH_X25519 };
		c[k]->ike[1] = (struct ike_suite){ IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256,
						   IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_ECP256 };
		c[k]->n_ike = 2;
		c[k]->esp = (struct ike_child_alg){ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, false, false };
		c[k]->psk = psk;
		c[k]->psk_len = sizeof(psk) - 1;
		c[k]->id_type = IKE_ID_FQDN;
	}
	ci.rng = (struct ike_rng){ gen_fn, &gi };
	cr.rng = (struct ike_rng){ gen_fn, &gr };
	ci.id = id_i;
	ci.id_len = sizeof(id_i) - 1;
	cr.id = id_r;
	cr.id_len = sizeof(id_r) - 1;
	cr.peer_id_type = IKE_ID_FQDN;
	cr.peer_id = id_i;
	cr.peer_id_len = sizeof(id_i) - 1;
	ci.mobike = cr.mobike = true;
	ci.cp = true;
	cr.assign_hoa = fz_assign;
	cr.cp_life_s = 600;
	path_r = (struct ike_path){ .lport = path_i.pport, .pport = path_i.lport };
	memcpy(path_r.local, path_i.peer, 16);
	memcpy(path_r.peer, path_i.local, 16);
	path_moved = path_r;
	path_moved.peer[5] = 3;
	ci.esp_spi = 0xc0000001;
	cr.esp_spi = 0xd0000001;
	cr.cred = fuzz_ca();
	cr.cert_time = 1861920000;
	ts(&ci.tsi, 0x00, 0, 0x0500, 0x0500);
	ci.tsi.ts[0].start[14] = ci.tsi.ts[0].end[14] = 1;      /* ::100 */
	ts(&ci.tsr, 0x01, 0, 0x0600, 0x0600);
	ts(&cr.tsi, 0x00, 1, 0, 65535);
	ts(&cr.tsr, 0x01, 0, 0, 65535);
	/* one genuine IKE_SA_INIT, kept as the starting point of modes 1 and 2 */
	static uint8_t a[IKE_SA_MSG_MAX], b[IKE_SA_MSG_MAX];
	size_t al, bl;
	if (ike_sa_start(&init_i, &ci, a, sizeof(a), &al))
		abort();
	ike_sa_set_path(&init_i, &path_i);
	ike_sa_respond(&init_r, &cr);
	ike_sa_set_path(&init_r, &path_r);
	ike_sa_set_rx(&init_r, &path_r);
	if (ike_sa_input(&init_r, a, al, b, sizeof(b), &bl))
		abort();
	ike_sa_set_rx(&init_i, &path_i);
	if (ike_sa_input(&init_i, b, bl, a, sizeof(a), &al))
		abort();
	/* and one genuine IKE_AUTH on copies (sharing the cipher contexts) */
	copy_sa(&est_i, &init_i);
	copy_sa(&est_r, &init_r);
	ike_sa_set_rx(&est_r, &path_r);
	ike_sa_set_rx(&est_i, &path_i);
	if (ike_sa_retransmit(&est_i, a, sizeof(a), &al) || ike_sa_input(&est_r, a, al, b, sizeof(b), &bl))
		abort();
	ike_sa_set_rx(&est_i, &path_i);
	if (ike_sa_input(&est_i, b, bl, a, sizeof(a), &al) || est_r.state != IKE_SA_ESTABLISHED || !est_r.mobike ||
	    !est_i.cp_ok)
		abort();
	ready = true;
}

static bool covered(const struct ike_ts_list *ours, const struct ike_ts_list *theirs)
{
	for (unsigned i = 0; i < theirs->n; i++) {
		bool ok = false;
		for (unsigned k = 0; k < ours->n && !ok; k++)
			ok = memcmp(theirs->ts[i].start, ours->ts[k].start, 16) >= 0 &&
			     memcmp(theirs->ts[i].end, ours->ts[k].end, 16) <= 0;
		if (!ok)
			return false;
	}
	return true;
}

/* One message to r; the invariants on what it did. */
static void feed(struct ike_sa *r, const uint8_t *msg, size_t len, uint8_t *ans, size_t *alen)
{
	static uint8_t out[IKE_SA_MSG_MAX + 64];
	static struct ike_sa before;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, msg, len);
	memcpy(&before, r, sizeof(before));
	size_t ol = 0;
	ike_sa_set_rx(r, r->initiator ? &path_i : &path_r);
	int rc = ike_sa_input(r, copy, len, out, sizeof(out), &ol);
	free(copy);
	if (getenv("FUZZ_IKE_SA_VERBOSE"))
		fprintf(stderr, "fuzz_ike_sa: %s, %s, answer %zu octets, child %s (%u)\n", m6_errid(rc),
			ike_sa_state_name(r->state), ol, r->child_ok ? "up" : "down", r->child_error);
	/* refused authentications are answered (AUTHENTICATION_FAILED); the
	 * certificate checks have reasons of their own */
	bool refused = rc == M6_E_IKE_AUTH || rc == M6_E_IKE_PEER_ID || rc == M6_E_IKE_MISSING ||
		       rc == M6_E_IKE_CERT || rc == M6_E_IKE_CERT_ID || rc == M6_E_IKE_SIG_METHOD;
	if (rc && !refused) {
		/* dropped: nothing changed, nothing sent (a bad KE resets an
		 * idle responder, which is the same thing) */
		CHECK(ol == 0);
		CHECK(r->state == before.state);
		CHECK(!memcmp(r->spi_r, before.spi_r, IKE_SPI_LEN));
	}
	if (ol) {
		struct ike_msg m;
		struct m6_diags ds;
		m6_diags_init(&ds);
		CHECK(ike_msg_parse(out, ol, &m, &ds, 0) == 0);
		CHECK(m.hdr.flags & IKE_FLAG_R);
		static const uint8_t zero[IKE_SPI_LEN];
		if (m.hdr.exchange == IKE_SA_INIT && r->state == IKE_SA_IDLE)
			CHECK(!memcmp(m.hdr.spi_r, zero, IKE_SPI_LEN));       /* stateless */
		else
			CHECK(!memcmp(m.hdr.spi_r, r->spi_r, IKE_SPI_LEN));
		CHECK(m.hdr.msgid == (m.hdr.exchange == IKE_SA_INIT ? 0u : 1u));
	}
	if (r->state == IKE_SA_ESTABLISHED) {
		CHECK(r->peer_id_len == sizeof(id_i) - 1 && !memcmp(r->peer_id, id_i, r->peer_id_len));
		if (r->child_ok) {
			CHECK(r->ch[0].keys.e_len == 20 && r->child_spi_r == cr.esp_spi);
			CHECK(covered(&cr.tsi, &r->ch[0].tsi) && covered(&cr.tsr, &r->ch[0].tsr));
		}
	}
	if (ans) {
		memcpy(ans, out, ol);
		*alen = ol;
	}
}

/* The same request twice: the second answer is the first one (IKE-02). */
static void twice(struct ike_sa *r, const uint8_t *msg, size_t len)
{
	static uint8_t a1[IKE_SA_MSG_MAX + 64], a2[IKE_SA_MSG_MAX + 64];
	size_t l1 = 0, l2 = 0;
	feed(r, msg, len, a1, &l1);
	enum ike_sa_state s1 = r->state;
	feed(r, msg, len, a2, &l2);
	if (l1 && s1 != IKE_SA_IDLE) {
		CHECK(l2 == l1 && !memcmp(a1, a2, l1));
		CHECK(r->state == s1);
	}
}

static void auth_plain(const uint8_t *data, size_t size, struct ike_sa *r, bool authentic)
{
	static uint8_t msg[IKE_SA_MSG_MAX];
	static struct ike_sa i;
	if (size < 2)
		return;
	copy_sa(&i, &init_i);                   /* shares the cipher contexts: never cleared */
	struct ike_hdr h = { .version = 0x20, .exchange = IKE_AUTH, .flags = IKE_FLAG_I, .msgid = 1 };
	memcpy(h.spi_i, i.spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, i.spi_r, IKE_SPI_LEN);
	struct ike_wr w;
	size_t len;
	size_t n = size - 2 > 1800 ? 1800 : size - 2;
	ike_wr_init(&w, msg, sizeof(msg), &h);
	ike_wr_sk_begin(&w, false, 0, 0, i.sk.iv_len);
	if (authentic) {
		/* IDi and AUTH as the initiator makes them (RFC 7296 2.15) */
		uint8_t auth[IKE_PRF_MAX];
		size_t at = w.len;
		ike_put_id(&w, IKE_PL_IDI, IKE_ID_FQDN, id_i, sizeof(id_i) - 1);
		if (w.err || ike_auth_psk(i.suite.prf, psk, sizeof(psk) - 1, i.init_req, i.init_req_len,
					  i.nr, i.nr_len, i.keys.pi, i.keys.prf_len,
					  msg + at + IKE_PL_HDR_LEN, w.len - at - IKE_PL_HDR_LEN, auth))
			return;
		ike_put_auth(&w, IKE_AUTH_PSK, auth, ike_prf_len(i.suite.prf));
		size_t auth_hdr = w.np_at;
		ike_wr_bytes(&w, data + 2, n);
		if (w.err)
			return;
		msg[auth_hdr] = data[1];
	} else {
		ike_wr_bytes(&w, data + 2, n);
		if (w.err)
			return;
		msg[w.sk_off] = data[1];
	}
	if (ike_sk_seal(&i.sk, &w, &ci.rng, &len))
		return;
	twice(r, msg, len);
}

/* Mode 4: a request on the established SA. */
static void est_plain(const uint8_t *data, size_t size)
{
	static uint8_t msg[IKE_SA_MSG_MAX], out[IKE_SA_MSG_MAX + 64], copy[IKE_SA_MSG_MAX];
	static struct ike_sa r, before;
	if (size < 3)
		return;
	copy_sa(&r, &est_r);                    /* shares the cipher contexts: never cleared */
	uint8_t x = data[1] & 1 ? IKE_CREATE_CHILD_SA : IKE_INFORMATIONAL;
	struct ike_hdr h = { .version = 0x20, .exchange = x, .flags = IKE_FLAG_I, .msgid = r.msgid_in };
	memcpy(h.spi_i, r.spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, r.spi_r, IKE_SPI_LEN);
	struct ike_wr w;
	size_t len, n = size - 3 > 1800 ? 1800 : size - 3;
	ike_wr_init(&w, msg, sizeof(msg), &h);
	ike_wr_sk_begin(&w, false, 0, 0, est_i.sk.iv_len);
	ike_wr_bytes(&w, data + 3, n);
	if (w.err)
		return;
	msg[w.sk_off] = data[2];
	if (ike_sk_seal(&est_i.sk, &w, &ci.rng, &len))
		return;
	for (int round = 0; round < 2; round++) {
		memcpy(&before, &r, sizeof(before));
		memcpy(copy, msg, len);
		size_t ol = 0;
		const struct ike_path *rx = data[1] & 2 ? &path_moved : &path_r;
		ike_sa_set_rx(&r, rx);
		int rc = ike_sa_input(&r, copy, len, out, sizeof(out), &ol);
		/* MK-06: only ever to where the message came from */
		CHECK(!memcmp(&r.path, &before.path, sizeof(r.path)) || !memcmp(&r.path, rx, sizeof(r.path)));
		if (getenv("FUZZ_IKE_SA_VERBOSE"))
			fprintf(stderr, "fuzz_ike_sa: established: %s, %s, answer %zu octets, %u events\n",
				m6_errid(rc), ike_sa_state_name(r.state), ol, r.n_ev);
		CHECK(r.state == IKE_SA_ESTABLISHED || r.state == IKE_SA_REKEYED || r.state == IKE_SA_DELETED);
		if (rc) {
			CHECK(ol == 0 && r.msgid_in == before.msgid_in && r.state == before.state);
			continue;
		}
		CHECK(ol > 0);
		struct ike_msg m;
		struct m6_diags ds;
		m6_diags_init(&ds);
		CHECK(ike_msg_parse(out, ol, &m, &ds, 0) == 0);
		CHECK((m.hdr.flags & IKE_FLAG_R) && m.hdr.msgid == h.msgid && m.hdr.exchange == x && m.sk >= 0);
		CHECK(r.msgid_in == h.msgid + 1);
		if (round == 1)
			CHECK(r.n_ev == 0 && r.state == before.state);       /* from the cache (IKE-02) */
		for (unsigned e = 0; e < r.n_ev; e++)
			if (r.ev[e].type == IKE_EV_CHILD_UP) {
				const struct ike_child *c = &r.ch[r.ev[e].child];
				CHECK(r.ev[e].child < IKE_SA_CHILD_MAX && c->used && c->keys.e_len == 20 &&
				      c->spi_in == r.ev[e].spi_in);
			}
	}
	/* the table's secrets only; the cipher contexts are est_r's */
	OPENSSL_cleanse(r.ch, sizeof(r.ch));
	ike_sa_req_dh_drop(&r);
}

/* Mode 5: a response to a request of the established initiator. */
static void est_resp(const uint8_t *data, size_t size)
{
	static uint8_t msg[IKE_SA_MSG_MAX], out[IKE_SA_MSG_MAX + 64];
	static struct ike_sa i, nw;
	static const struct ike_req reqs[] = {
		{ .type = IKE_REQ_LIVENESS },
		{ .type = IKE_REQ_DELETE_CHILD, .spi = 0xc0000001 },
		{ .type = IKE_REQ_NEW_CHILD, .new_spi = 0xc0000002 },
		{ .type = IKE_REQ_REKEY_CHILD, .spi = 0xc0000001, .new_spi = 0xc0000003 },
		{ .type = IKE_REQ_REKEY_CHILD, .spi = 0xc0000001, .new_spi = 0xc0000004, .pfs = true },
		{ .type = IKE_REQ_REKEY_IKE },
	};
	if (size < 3 || data[1] >= sizeof(reqs) / sizeof(reqs[0]))
		return;
	copy_sa(&i, &est_i);                    /* shares the cipher contexts: never cleared */
	size_t ol = 0;
	if (ike_sa_request(&i, &reqs[data[1]], out, sizeof(out), &ol) || !ol || !i.req_pending)
		abort();
	uint8_t x = out[18];
	struct ike_hdr h = { .version = 0x20, .exchange = x, .flags = IKE_FLAG_R, .msgid = i.msgid_out - 1 };
	memcpy(h.spi_i, i.spi_i, IKE_SPI_LEN);
	memcpy(h.spi_r, i.spi_r, IKE_SPI_LEN);
	struct ike_wr w;
	size_t len, n = size - 3 > 1800 ? 1800 : size - 3;
	ike_wr_init(&w, msg, sizeof(msg), &h);
	ike_wr_sk_begin(&w, false, 0, 0, est_r.sk.iv_len);
	ike_wr_bytes(&w, data + 3, n);
	if (w.err)
		goto done;
	msg[w.sk_off] = data[2];
	if (ike_sk_seal(&est_r.sk, &w, &cr.rng, &len))
		goto done;
	uint32_t mid = i.msgid_out;
	ike_sa_set_rx(&i, &path_i);
	int rc = ike_sa_input(&i, msg, len, out, sizeof(out), &ol);
	if (getenv("FUZZ_IKE_SA_VERBOSE"))
		fprintf(stderr, "fuzz_ike_sa: response: %s, %s, next %zu octets, %u events\n", m6_errid(rc),
			ike_sa_state_name(i.state), ol, i.n_ev);
	CHECK(i.state == IKE_SA_ESTABLISHED || i.state == IKE_SA_REKEYED || i.state == IKE_SA_DELETED);
	if (rc) {
		CHECK(ol == 0 && i.req_pending);        /* dropped: still waiting */
		goto done;
	}
	/* over; at most a follow-up request of ours went out */
	CHECK(!i.req_pending || (ol > 0 && i.msgid_out == mid + 1));
	for (unsigned e = 0; e < i.n_ev; e++) {
		if (i.ev[e].type == IKE_EV_CHILD_UP) {
			const struct ike_child *c = &i.ch[i.ev[e].child];
			CHECK(c->used && c->keys.e_len == 20 && c->spi_in == reqs[data[1]].new_spi);
		}
		if (i.ev[e].type == IKE_EV_IKE_REKEYED) {
			CHECK(i.state == IKE_SA_REKEYED && ike_sa_adopt(&nw, &ci, &i) == 0);
			CHECK(nw.state == IKE_SA_ESTABLISHED && memcmp(nw.spi_i, i.spi_i, IKE_SPI_LEN));
			ike_sa_clear(&nw);
		}
	}
done:
	OPENSSL_cleanse(i.ch, sizeof(i.ch));
	ike_sa_req_dh_drop(&i);
	if (i.rk)
		ike_keys_wipe(&i.rk[0].keys);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	gr.n = 7;
	uint8_t mode = size ? data[0] : 0;
	if (mode >= 1 && mode <= 3) {
		static struct ike_sa r;
		copy_sa(&r, &init_r);            /* shares the cipher contexts: never cleared */
		if (mode == 1)
			twice(&r, data + 1, size - 1);
		else
			auth_plain(data, size, &r, mode == 3);
		return 0;
	}
	if (mode == 4) {
		est_plain(data, size);
		return 0;
	}
	if (mode == 5) {
		est_resp(data, size);
		return 0;
	}
	static struct ike_sa r;
	ike_sa_respond(&r, &cr);
	twice(&r, size ? data + 1 : data, size ? size - 1 : 0);
	ike_sa_clear(&r);
	return 0;
}
