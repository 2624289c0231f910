/* The exchanges on an established IKE SA: the request queue, the Message ID
 * window, the response cache, and INFORMATIONAL (RFC 7296 1.4, 2.2-2.4).
 * CREATE_CHILD_SA content is ike_child.c's. */
#include <string.h>

#include <openssl/crypto.h>

#include "ike_sa_int.h"
#include "../util/m6_bytes.h"

struct ike_child *ike_sa_child(struct ike_sa *sa, uint32_t spi, bool inbound)
{
	for (unsigned i = 0; i < IKE_SA_CHILD_MAX; i++) {
		struct ike_child *c = &sa->ch[i];
		if (c->used && (inbound ? c->spi_in : c->spi_out) == spi)
			return c;
	}
	return NULL;
}

bool ike_sa_busy(const struct ike_sa *sa)
{
	return sa->req_pending || sa->n_queue;
}

static void child_gone(struct ike_sa *sa, struct ike_child *c)
{
	ike_sa_ev(sa, IKE_EV_CHILD_DOWN, 0, (unsigned)(c - sa->ch), c->spi_in, c->spi_out);
	OPENSSL_cleanse(c, sizeof(*c));
}

/* ---- our requests ---- */

static int build_req(struct ike_sa *sa, uint8_t *out, size_t cap, size_t *out_len)
{
	const struct ike_req *r = &sa->req;
	uint8_t msg[IKE_SA_MSG_MAX];
	struct ike_hdr h;
	struct ike_wr w;
	bool info = ike_req_is_info(r->type);
	ike_sa_hdr(sa, &h, info ? IKE_INFORMATIONAL : IKE_CREATE_CHILD_SA, false, sa->msgid_out);
	ike_wr_init(&w, msg, sizeof(msg), &h);
	ike_wr_sk_begin(&w, false, 0, 0, sa->sk.iv_len);
	int rc = 0;
	if (r->type == IKE_REQ_DELETE_CHILD)
		ike_put_delete(&w, IKE_PROTO_ESP, &r->spi, 1);     /* our inbound SPI (3.11) */
	else if (r->type == IKE_REQ_DELETE_IKE)
		ike_put_delete(&w, IKE_PROTO_IKE, NULL, 0);
	else if (!info)
		rc = ike_child_put_req(sa, &w);
	else if (r->type != IKE_REQ_LIVENESS)
		rc = ike_mobike_put_req(sa, &w);
	if (!rc)
		rc = ike_sa_seal_emit(sa, &w, NULL, out, cap, out_len);
	OPENSSL_cleanse(msg, sizeof(msg));
	return rc;
}

int ike_sa_send_next(struct ike_sa *sa, uint8_t *out, size_t cap, size_t *out_len)
{
	unsigned at = 0;
	while (!sa->req_pending && at < sa->n_queue) {
		struct ike_req r = sa->queue[at];
		if (sa->state == IKE_SA_REKEYED && (r.type == IKE_REQ_NEW_CHILD || r.type == IKE_REQ_REKEY_CHILD ||
						    r.type == IKE_REQ_DELETE_CHILD)) {
			at++;           /* Child SA work: ike_sa_adopt() moves it to the new SA */
			continue;
		}
		sa->n_queue--;
		memmove(sa->queue + at, sa->queue + at + 1, (sa->n_queue - at) * sizeof(r));
		bool on_child = r.type == IKE_REQ_DELETE_CHILD || r.type == IKE_REQ_REKEY_CHILD;
		bool gone = on_child && !ike_sa_child(sa, r.spi, true);
		/* a rekeyed IKE SA carries only its Delete (2.18); IKE-01: the
		 * Message ID never wraps */
		bool stale = (sa->state == IKE_SA_REKEYED && r.type != IKE_REQ_DELETE_IKE) ||
			     (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_REKEYED) ||
			     sa->msgid_out == UINT32_MAX;
		struct ike_child *oc = on_child ? ike_sa_child(sa, r.spi, true) : NULL;
		if (gone || stale) {
			if (oc && r.type == IKE_REQ_REKEY_CHILD)
				oc->rekeying = false;
			if (r.type == IKE_REQ_NEW_CHILD || r.type == IKE_REQ_REKEY_CHILD)
				ike_sa_ev(sa, IKE_EV_CHILD_FAILED, 0, 0, r.new_spi, 0);
			else if (r.type != IKE_REQ_DELETE_CHILD)
				ike_sa_ev(sa, IKE_EV_REFUSED, 0, 0, 0, 0);
			continue;
		}
		sa->req = r;
		int rc = build_req(sa, out, cap, out_len);
		if (rc) {
			ike_sa_req_dh_drop(sa);
			if (sa->rk)
				sa->rk[0].used = false;
			if (oc && r.type == IKE_REQ_REKEY_CHILD)
				oc->rekeying = false;
			if (r.type == IKE_REQ_NEW_CHILD || r.type == IKE_REQ_REKEY_CHILD)
				ike_sa_ev(sa, IKE_EV_CHILD_FAILED, 0, 0, r.new_spi, 0);
			return rc;
		}
		sa->req_pending = true;
		sa->msgid_out++;
	}
	return 0;
}

int ike_sa_send_queued(struct ike_sa *sa, uint8_t *out, size_t cap, size_t *out_len)
{
	*out_len = 0;
	sa->n_ev = 0;
	return ike_sa_send_next(sa, out, cap, out_len);
}

int ike_sa_request(struct ike_sa *sa, const struct ike_req *r, uint8_t *out, size_t cap,
		   size_t *out_len)
{
	*out_len = 0;
	sa->n_ev = 0;
	if (sa->state != IKE_SA_ESTABLISHED &&
	    !(sa->state == IKE_SA_REKEYED && r->type == IKE_REQ_DELETE_IKE))
		return M6_E_IKE_UNEXPECTED;
	if (r->type < IKE_REQ_LIVENESS || r->type > IKE_REQ_ADDRESSES)
		return M6_E_INVAL;
	struct ike_child *c = NULL;
	if (r->type == IKE_REQ_DELETE_CHILD || r->type == IKE_REQ_REKEY_CHILD) {
		if (!(c = ike_sa_child(sa, r->spi, true)))
			return M6_E_NOTFOUND;
		if (c->deleting || (r->type == IKE_REQ_REKEY_CHILD && (c->rekeyed || c->rekeying)))
			return M6_E_IKE_UNEXPECTED;
	}
	if ((r->type == IKE_REQ_NEW_CHILD || r->type == IKE_REQ_REKEY_CHILD) && r->new_spi < 256)
		return M6_E_INVAL;
	if (sa->n_queue >= IKE_SA_QUEUE_MAX)
		return M6_E_FULL;
	if (r->type == IKE_REQ_DELETE_CHILD)
		c->deleting = true;
	if (r->type == IKE_REQ_REKEY_CHILD)
		c->rekeying = true;
	sa->queue[sa->n_queue++] = *r;
	return ike_sa_send_next(sa, out, cap, out_len);
}

/* ---- INFORMATIONAL ---- */

/* The peer's request: Delete payloads answered with ours (1.4.1). */
static int on_info_req(struct ike_sa *sa, const struct ike_msg *m, struct ike_wr *w)
{
	uint32_t ours[IKE_SA_CHILD_MAX];
	uint16_t n = 0;
	bool ike = false;
	struct m6_diags ds;
	for (unsigned i = 0; i < m->n; i++) {
		const struct ike_pl *pl = &m->pl[i];
		struct ike_delete d;
		m6_diags_init(&ds);
		if (!pl->inner || pl->type != IKE_PL_D ||
		    ike_delete_parse(pl->body, pl->body_len, &d, &ds, 0))
			continue;
		if (d.proto == IKE_PROTO_IKE) {
			ike = true;
			continue;
		}
		if (d.proto != IKE_PROTO_ESP || d.spi_size != 4)
			continue;
		for (uint16_t k = 0; k < d.n_spi; k++) {
			/* their inbound SPI, our outbound one (3.11) */
			struct ike_child *c = ike_sa_child(sa, m6_get32(d.spis + 4u * k), false);
			if (!c)
				continue;       /* already gone: nothing to say */
			/* deleted by both ends at once: ours says it already
			 * (1.4.1), the response leaves it out */
			if (!c->deleting && n < IKE_SA_CHILD_MAX)
				ours[n++] = c->spi_in;
			child_gone(sa, c);
		}
	}
	if (ike) {
		/* a rekey the peer made and now completes by deleting this SA */
		ike_child_rekey_settle(sa);
		sa->state = IKE_SA_DELETED;
		ike_sa_ev(sa, IKE_EV_IKE_DOWN, 0, 0, 0, 0);
		return 0;
	}
	if (n)
		ike_put_delete(w, IKE_PROTO_ESP, ours, n);
	ike_mobike_on_req(sa, m, w);
	return 0;
}

static void ike_gone(struct ike_sa *sa)
{
	for (unsigned i = 0; i < IKE_SA_CHILD_MAX; i++)
		if (sa->ch[i].used)
			child_gone(sa, &sa->ch[i]);
	sa->state = IKE_SA_DELETED;
	ike_sa_ev(sa, IKE_EV_IKE_DOWN, 0, 0, 0, 0);
}

static void on_info_resp(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_req *r = &sa->req;
	if (r->type >= IKE_REQ_UPDATE_ADDR) {
		if (!ike_mobike_on_resp(sa, m))
			ike_gone(sa);   /* MK-07 */
	} else if (r->type == IKE_REQ_LIVENESS) {
		ike_sa_ev(sa, IKE_EV_ALIVE, 0, 0, 0, 0);
	} else if (r->type == IKE_REQ_DELETE_CHILD) {
		struct ike_child *c = ike_sa_child(sa, r->spi, true);
		if (c)
			child_gone(sa, c);
	} else if (r->type == IKE_REQ_DELETE_IKE) {
		sa->state = IKE_SA_DELETED;
		ike_sa_ev(sa, IKE_EV_IKE_DOWN, 0, 0, 0, 0);
	}
}

/* ---- dispatch ---- */

static int open_inner(struct ike_sa *sa, struct ike_msg *m, uint8_t *msg, size_t len)
{
	size_t po, pl;
	struct m6_diags ds;
	int rc = ike_sa_open(sa, msg, len, m, &po, &pl);
	if (rc)
		return rc;
	m6_diags_init(&ds);
	return ike_msg_parse_inner(m, msg + po, pl, m->sk_np, &ds, po) ? M6_E_IKE_MISSING : 0;
}

static int on_response(struct ike_sa *sa, struct ike_msg *m, uint8_t *msg, size_t len,
		       uint8_t *out, size_t cap, size_t *out_len)
{
	bool info = ike_req_is_info(sa->req.type);
	/* IKE-01: a response carries its request's Message ID */
	if (!sa->req_pending || m->hdr.msgid != sa->msgid_out - 1 ||
	    m->hdr.exchange != (info ? IKE_INFORMATIONAL : IKE_CREATE_CHILD_SA))
		return M6_E_IKE_UNEXPECTED;
	int rc = open_inner(sa, m, msg, len);
	if (rc == M6_E_IKE_MISSING)
		rc = 0;         /* authentic but garbled: the exchange is over all the same */
	else if (rc)
		return rc;      /* not from the peer: dropped, the request stays outstanding */
	sa->req_pending = false;
	if (info)
		on_info_resp(sa, m);
	else
		ike_child_on_resp(sa, m);
	ike_sa_req_dh_drop(sa);
	return ike_sa_send_next(sa, out, cap, out_len);
}

static int on_request(struct ike_sa *sa, struct ike_msg *m, uint8_t *msg, size_t len,
		      const uint8_t in_hash[32], uint8_t *out, size_t cap, size_t *out_len)
{
	/* IKE-04: window 1, the next request only; an older one whose
	 * response is not cached any more is ignored (IKE-02) */
	if (m->hdr.msgid != sa->msgid_in)
		return M6_E_IKE_MSGID;
	uint8_t x = m->hdr.exchange;
	if (x != IKE_INFORMATIONAL && x != IKE_CREATE_CHILD_SA)
		return M6_E_IKE_UNEXPECTED;
	int rc = open_inner(sa, m, msg, len);
	if (rc && rc != M6_E_IKE_MISSING)
		return rc;
	uint8_t resp[IKE_SA_MSG_MAX];
	struct ike_hdr h;
	struct ike_wr w;
	ike_sa_hdr(sa, &h, x, true, m->hdr.msgid);
	ike_wr_init(&w, resp, sizeof(resp), &h);
	ike_wr_sk_begin(&w, false, 0, 0, sa->sk.iv_len);
	if (rc)
		ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0, IKE_N_INVALID_SYNTAX, NULL, 0);
	else if (x == IKE_INFORMATIONAL)
		on_info_req(sa, m, &w);
	else if (sa->state == IKE_SA_REKEYED)
		/* 2.25: this SA is being closed */
		ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0, IKE_N_TEMPORARY_FAILURE, NULL, 0);
	else
		ike_child_on_req(sa, m, &w);
	rc = ike_sa_seal_emit(sa, &w, in_hash, out, cap, out_len);
	OPENSSL_cleanse(resp, sizeof(resp));
	if (!rc)
		sa->msgid_in++;
	return rc;
}

int ike_sa_input_est(struct ike_sa *sa, struct ike_msg *m, uint8_t *msg, size_t len,
		     const uint8_t in_hash[32], uint8_t *out, size_t cap, size_t *out_len)
{
	/* IKE-03: nothing unprotected is acted on once the SA is up */
	if (m->sk < 0)
		return M6_E_IKE_MISSING;
	if (m->hdr.flags & IKE_FLAG_R)
		return on_response(sa, m, msg, len, out, cap, out_len);
	return on_request(sa, m, msg, len, in_hash, out, cap, out_len);
}
