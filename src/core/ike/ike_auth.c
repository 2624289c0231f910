/* The IKE_AUTH authentication of ike_sa (RFC 7296 2.15): ID, CERT and
 * AUTH of ours, the peer's checked, with a pre-shared key or a certificate
 * (ike_sig.h); and the IKE_SA_INIT payloads that prepare certificates
 * (SIGNATURE_HASH_ALGORITHMS, RFC 7427 4; CERTREQ, 3.7). */
#include <string.h>

#include <openssl/crypto.h>

#include "ike_const.h"
#include "ike_sa_int.h"
#include "ike_sig.h"
#include "../util/m6_bytes.h"
#include "../util/m6_err.h"

/* The AUTH octets (2.15) as one buffer: signatures take them whole. */
struct tbs {
	uint8_t b[IKE_SA_MSG_MAX + IKE_NONCE_MAX + IKE_PRF_MAX];
	size_t len;
};

static int make_tbs(const struct ike_sa *sa, bool ours, const uint8_t *id, size_t id_len, struct tbs *t)
{
	/* the signer's own IKE_SA_INIT message, the other end's nonce, and
	 * SK_pi or SK_pr of the signer */
	bool signer_i = ours == sa->initiator;
	const uint8_t *msg = signer_i ? sa->init_req : sa->init_resp;
	size_t ml = signer_i ? sa->init_req_len : sa->init_resp_len;
	const uint8_t *n = signer_i ? sa->nr : sa->ni;
	size_t nl = signer_i ? sa->nr_len : sa->ni_len;
	const uint8_t *skp = signer_i ? sa->keys.pi : sa->keys.pr;
	if (!msg || ml > IKE_SA_MSG_MAX)
		return M6_E_IKE_UNEXPECTED;
	memcpy(t->b, msg, ml);
	memcpy(t->b + ml, n, nl);
	struct ike_iov v = { id, id_len };
	t->len = ml + nl + ike_prf_len(sa->suite.prf);
	return ike_prf(sa->suite.prf, skp, sa->keys.prf_len, &v, 1, t->b + ml + nl);
}

/* Our credential when we sign; NULL: the PSK. A responder answers a
 * peer that used its PSK with the PSK unless it asked for a certificate
 * (CERTREQ): a peer without a CA could not check one. */
static const struct ike_cred *own_cred(const struct ike_sa *sa)
{
	if (!sa->initiator && sa->peer_auth == IKE_AUTH_PSK && !sa->peer_certreq)
		return NULL;
	return ike_cred_has_own(sa->cfg->cred) ? sa->cfg->cred : NULL;
}

void ike_auth_put(struct ike_sa *sa, struct ike_wr *w)
{
	const struct ike_sa_cfg *c = sa->cfg;
	const struct ike_cred *cr = own_cred(sa);
	size_t at = w->len;
	ike_put_id(w, sa->initiator ? IKE_PL_IDI : IKE_PL_IDR, c->id_type, c->id, c->id_len);
	if (w->err)
		return;
	const uint8_t *idb = w->buf + at + IKE_PL_HDR_LEN;
	size_t idl = w->len - at - IKE_PL_HDR_LEN;
	int rc;
	if (!cr) {
		/* the initiator asks for the responder's certificate (1.2) */
		if (sa->initiator)
			ike_auth_put_certreq(sa, w);
		uint8_t auth[IKE_PRF_MAX];
		rc = sa->initiator
			? ike_auth_psk(sa->suite.prf, sa->psk, sa->psk_len, sa->init_req, sa->init_req_len,
				       sa->nr, sa->nr_len, sa->keys.pi, sa->keys.prf_len, idb, idl, auth)
			: ike_auth_psk(sa->suite.prf, sa->psk, sa->psk_len, sa->init_resp, sa->init_resp_len,
				       sa->ni, sa->ni_len, sa->keys.pr, sa->keys.prf_len, idb, idl, auth);
		if (!rc)
			ike_put_auth(w, IKE_AUTH_PSK, auth, ike_prf_len(sa->suite.prf));
		OPENSSL_cleanse(auth, sizeof(auth));
		if (rc)
			w->err = rc;
		return;
	}
	/* ID' is signed before the CERT payloads go in after it */
	struct tbs t;
	uint8_t sig[IKE_SIG_MAX], method;
	size_t sl;
	rc = make_tbs(sa, true, idb, idl, &t);
	if (!rc)
		rc = ike_sig_sign(cr, sa->peer_hashes, &sa->cfg->rng, t.b, t.len, &method, sig, sizeof(sig), &sl);
	OPENSSL_cleanse(&t, sizeof(t));         /* prf(SK_p, ID') is keyed by a secret */
	if (rc) {
		w->err = rc;
		return;
	}
	for (unsigned i = 0; i < ike_cred_n_certs(cr); i++) {
		size_t dl;
		const uint8_t *d = ike_cred_cert_der(cr, i, &dl);
		ike_put_cert(w, IKE_PL_CERT, IKE_CERT_X509_SIG, d, dl);
	}
	/* the initiator asks for the responder's certificate (1.2) */
	if (sa->initiator)
		ike_auth_put_certreq(sa, w);
	ike_put_auth(w, method, sig, sl);
}

void ike_auth_put_certreq(const struct ike_sa *sa, struct ike_wr *w)
{
	size_t l;
	const uint8_t *h;
	if (ike_cred_has_ca(sa->cfg->cred) && (h = ike_cred_certreq(sa->cfg->cred, &l)) && l)
		ike_put_cert(w, IKE_PL_CERTREQ, IKE_CERT_X509_SIG, h, l);
}

void ike_auth_put_hashes(const struct ike_sa *sa, struct ike_wr *w)
{
	const struct ike_cred *cr = sa->cfg->cred;
	unsigned mask = cr ? ike_cred_hashes(cr) : 0;
	uint8_t d[2 * 8];
	size_t n = 0;
	for (uint16_t h = 1; h < 8; h++)
		if (mask & IKE_HASH_BIT(h)) {
			m6_put16(d + n, h);
			n += 2;
		}
	if (n)
		ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, d, n);
}

void ike_auth_on_init(struct ike_sa *sa, const struct ike_msg *m)
{
	size_t dl;
	const uint8_t *d = ike_sa_notify_data(ike_msg_find_notify(m, IKE_N_SIGNATURE_HASH_ALGORITHMS), &dl);
	sa->peer_hashes = 0;
	for (size_t i = 0; d && i + 2 <= dl; i += 2) {
		uint16_t h = m6_get16(d + i);
		if (h < 16)
			sa->peer_hashes |= IKE_HASH_BIT(h);
	}
	/* a notify without a hash we know still says method 14 is spoken */
	if (d)
		sa->peer_hashes |= 1u << 16;
}

/* The CERT payloads of X.509 certificates, in order (the end entity first, 3.6). */
static void peer_certs(const struct ike_msg *m, struct ike_peer_certs *pc)
{
	struct m6_diags ds;
	m6_diags_init(&ds);
	pc->n = 0;
	for (unsigned i = 0; i < m->n && pc->n < IKE_CERT_CHAIN_MAX; i++) {
		struct ike_cert c;
		if (m->pl[i].type != IKE_PL_CERT ||
		    ike_cert_parse(m->pl[i].body, m->pl[i].body_len, &c, &ds, 0) ||
		    c.enc != IKE_CERT_X509_SIG)
			continue;
		pc->der[pc->n] = c.data;
		pc->len[pc->n++] = c.len;
	}
}

static int check_sig(struct ike_sa *sa, const struct ike_msg *m, const struct ike_pl *idp,
		     const struct ike_id *id, const struct ike_auth *a)
{
	const struct ike_sa_cfg *c = sa->cfg;
	if (!ike_cred_has_ca(c->cred))
		return M6_E_IKE_AUTH;
	if (!sa->initiator && c->peer_cert_ok && !c->peer_cert_ok(c->pad_ctx, id->type, id->data, id->len))
		return M6_E_IKE_PEER_ID;
	struct ike_peer_certs pc;
	peer_certs(m, &pc);
	struct tbs t;
	int rc = make_tbs(sa, false, idp->body, idp->body_len, &t);
	if (!rc)
		rc = ike_sig_verify(c->cred, &pc, c->cert_time, id->type, id->data, id->len, a->method,
				    a->data, a->len, t.b, t.len);
	OPENSSL_cleanse(&t, sizeof(t));
	return rc;
}

int ike_auth_check(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_sa_cfg *c = sa->cfg;
	const struct ike_pl *idp = ike_msg_find(m, sa->initiator ? IKE_PL_IDR : IKE_PL_IDI, 0);
	const struct ike_pl *ap = ike_msg_find(m, IKE_PL_AUTH, 0);
	struct ike_id id;
	struct ike_auth a;
	struct m6_diags ds;
	m6_diags_init(&ds);
	if (!idp || !ap || ike_id_parse(idp->body, idp->body_len, &id, &ds, 0) ||
	    ike_auth_parse(ap->body, ap->body_len, &a, &ds, 0))
		return M6_E_IKE_MISSING;
	if (c->peer_id_type && (id.type != c->peer_id_type || id.len != c->peer_id_len ||
				memcmp(id.data, c->peer_id, id.len)))
		return M6_E_IKE_PEER_ID;
	if (id.len > IKE_SA_ID_MAX)
		return M6_E_IKE_AUTH;
	sa->peer_certreq = ike_msg_find(m, IKE_PL_CERTREQ, 0) != NULL;
	int rc;
	if (a.method == IKE_AUTH_PSK) {
		/* an initiator that trusts a CA wants the responder's certificate */
		if (sa->initiator && ike_cred_has_ca(c->cred))
			return M6_E_IKE_AUTH;
		if (!sa->initiator && c->peer_psk &&
		    c->peer_psk(c->pad_ctx, id.type, id.data, id.len, &sa->psk, &sa->psk_len))
			return M6_E_IKE_PEER_ID;
		if (!sa->psk_len)
			return M6_E_IKE_AUTH;
		rc = sa->initiator
			? ike_auth_psk_verify(sa->suite.prf, sa->psk, sa->psk_len, sa->init_resp,
					      sa->init_resp_len, sa->ni, sa->ni_len, sa->keys.pr,
					      sa->keys.prf_len, idp->body, idp->body_len, a.data, a.len)
			: ike_auth_psk_verify(sa->suite.prf, sa->psk, sa->psk_len, sa->init_req,
					      sa->init_req_len, sa->nr, sa->nr_len, sa->keys.pi,
					      sa->keys.prf_len, idp->body, idp->body_len, a.data, a.len);
	} else {
		rc = check_sig(sa, m, idp, &id, &a);
	}
	if (rc)
		return rc;
	sa->peer_auth = a.method;
	sa->peer_id_type = id.type;
	return ike_sa_set_peer_id(sa, id.data, id.len);
}
