/* CREATE_CHILD_SA on an established IKE SA (RFC 7296 1.3, 2.8, 2.17, 2.18):
 * a new Child SA, a Child SA rekey (N(REKEY_SA), optional PFS), an IKE SA
 * rekey, and what happens when both ends rekey the same SA at once. */
#include <string.h>

#include <openssl/crypto.h>

#include "ike_sa_int.h"
#include "../util/m6_bytes.h"

/* ---- helpers ---- */

static const struct ike_pl *find(const struct ike_msg *m, uint8_t type)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].inner && m->pl[i].type == type)
			return &m->pl[i];
	return NULL;
}

static const struct ike_pl *find_notify(const struct ike_msg *m, uint16_t type)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].inner && m->pl[i].type == IKE_PL_N && m->pl[i].body_len >= 4 &&
		    m6_get16(m->pl[i].body + 2) == type)
			return &m->pl[i];
	return NULL;
}

static void refuse(struct ike_wr *w, uint16_t type, const uint8_t *data, size_t len)
{
	ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, type, data, len);
}

static struct ike_child *child_slot(struct ike_sa *sa)
{
	for (unsigned i = 0; i < IKE_SA_CHILD_MAX; i++)
		if (!sa->ch[i].used)
			return &sa->ch[i];
	return NULL;
}

_Static_assert(IKE_SA_NONCE_LEN <= IKE_CHILD_NONCE_KEEP, "our own nonces are kept whole");

void ike_child_keep_nonce(uint8_t dst[IKE_CHILD_NONCE_KEEP], size_t *dst_len, const uint8_t *src, size_t len)
{
	memcpy(dst, src, len < IKE_CHILD_NONCE_KEEP ? len : IKE_CHILD_NONCE_KEEP);
	*dst_len = len;
}

/* 2.8.1: nonces compared octet by octet, a shorter prefix is lower. Over
 * the first IKE_CHILD_NONCE_KEEP octets only (what a Child SA keeps): two
 * nonces of at least 16 random octets (2.10) that agree on their first 32
 * are not met in practice, and then the shorter one still counts lower. */
static int nonce_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t n = al < bl ? al : bl;
	int c = memcmp(a, b, n < IKE_CHILD_NONCE_KEEP ? n : IKE_CHILD_NONCE_KEEP);
	if (c)
		return c;
	return al < bl ? -1 : al > bl ? 1 : 0;
}

/* The lower nonce of an exchange. */
static const uint8_t *low(const uint8_t *ni, size_t nil, const uint8_t *nr, size_t nrl, size_t *len)
{
	if (nonce_cmp(ni, nil, nr, nrl) <= 0) {
		*len = nil;
		return ni;
	}
	*len = nrl;
	return nr;
}

/* Does exchange a hold the lowest of the four nonces (2.8.1, 2.8.2)? */
static bool holds_lowest(const uint8_t *ani, size_t anil, const uint8_t *anr, size_t anrl,
			 const uint8_t *bni, size_t bnil, const uint8_t *bnr, size_t bnrl)
{
	size_t la, lb;
	const uint8_t *a = low(ani, anil, anr, anrl, &la), *b = low(bni, bnil, bnr, bnrl, &lb);
	return nonce_cmp(a, la, b, lb) < 0;
}

/* Our selectors for a Child SA of an exchange we start: the old pair's
 * (the exchange that made it may have been the peer's), else the
 * configuration's. */
static void our_ts(const struct ike_sa *sa, const struct ike_child *old, bool tunnel, struct ike_ts_list *tsi,
		   struct ike_ts_list *tsr)
{
	const struct ike_sa_cfg *c = sa->cfg;
	const struct ike_ts_list *ci = tunnel ? &c->tun_tsi : &c->tsi, *cr = tunnel ? &c->tun_tsr : &c->tsr;
	if (old) {
		*tsi = old->ours ? old->tsi : old->tsr;
		*tsr = old->ours ? old->tsr : old->tsi;
	} else if (sa->cfg_i) {
		*tsi = *ci;
		*tsr = *cr;
	} else {
		*tsi = *cr;
		*tsr = *ci;
	}
}

/* Is our request for a tunnel-mode SA (a new one, or the rekey of one)? */
static bool req_tunnel(const struct ike_sa *sa, const struct ike_child *old)
{
	return old ? old->tunnel : sa->req.type == IKE_REQ_NEW_CHILD && sa->req.tunnel;
}

static int pfs_shared(const struct ike_dh *dh, const struct ike_pl *kep, uint8_t *gir, size_t *gl)
{
	struct ike_ke ke;
	struct m6_diags ds;
	m6_diags_init(&ds);
	if (!kep || ike_ke_parse(kep->body, kep->body_len, &ke, &ds, 0) || ke.group != dh->group)
		return M6_E_IKE_MISSING;
	return ike_dh_shared(dh, ke.data, ke.len, gir, gl);
}

/* ---- our request ---- */

int ike_child_put_req(struct ike_sa *sa, struct ike_wr *w)
{
	const struct ike_req *r = &sa->req;
	const struct ike_sa_cfg *c = sa->cfg;
	struct ike_sa_payload sp;
	memset(&sp, 0, sizeof(sp));
	ike_sa_rnd(sa, sa->req_nonce, IKE_SA_NONCE_LEN);
	ike_sa_req_dh_drop(sa);
	if (r->type == IKE_REQ_REKEY_IKE) {
		/* 2.18: our new SPI in the proposal, a KE always, no TS (IKE-14) */
		ike_sa_new_spi(sa, sa->req_spi);
		int rc = ike_sa_req_dh_init(sa, sa->suite.dh);
		if (rc)
			return rc;
		sp.n_prop = 1;
		ike_sa_suite_prop(&sa->suite, 1, &sp.prop[0]);
		sp.prop[0].spi_size = IKE_SPI_LEN;
		memcpy(sp.prop[0].spi, sa->req_spi, IKE_SPI_LEN);
		ike_put_sa(w, &sp);
		ike_put_nonce(w, sa->req_nonce, IKE_SA_NONCE_LEN);
		ike_put_ke(w, sa->req_dh->group, sa->req_dh->pub, sa->req_dh->pub_len);
		struct ike_rekey *rk = ike_sa_rekeys(sa);
		if (!rk)
			return M6_E_NOMEM;
		memset(&rk[0], 0, sizeof(rk[0]));
		rk[0].used = true;
		return 0;
	}
	const struct ike_child *old = NULL;
	if (r->type == IKE_REQ_REKEY_CHILD) {
		old = ike_sa_child(sa, r->spi, true);
		if (!old)
			return M6_E_NOTFOUND;
		/* 1.3.3: the SA being rekeyed, by the SPI we receive on */
		uint8_t spi[4];
		m6_put32(spi, r->spi);
		ike_put_notify(w, IKE_PROTO_ESP, spi, 4, IKE_N_REKEY_SA, NULL, 0);
	}
	/* a rekeyed SA keeps its mode (1.3.1, 1.3.3): transport for BU/BA,
	 * tunnel for the mobile node - home agent tunnel */
	bool tunnel = req_tunnel(sa, old);
	if (!tunnel)
		ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	uint16_t group = r->group ? r->group : sa->suite.dh;
	if (r->pfs) {
		int rc = ike_sa_req_dh_init(sa, group);
		if (rc)
			return rc;
	}
	sp.n_prop = 1;
	ike_sa_esp_prop(&c->esp, 1, r->new_spi, &sp.prop[0]);
	if (r->pfs) {
		/* the KE's group first, then (first try only) the other groups
		 * of our IKE proposals, so a peer that wants one of them can say
		 * so with INVALID_KE_PAYLOAD (1.3.3) */
		sp.prop[0].xf[sp.prop[0].n_xf++] = (struct ike_xf){ IKE_XF_DH, group, 0, false };
		for (unsigned k = 0; !r->group && k < c->n_ike && sp.prop[0].n_xf < IKE_XF_MAX; k++)
			if (!ike_sa_xf_has(&sp.prop[0], IKE_XF_DH, c->ike[k].dh, 0))
				sp.prop[0].xf[sp.prop[0].n_xf++] = (struct ike_xf){ IKE_XF_DH, c->ike[k].dh, 0, false };
	}
	ike_put_sa(w, &sp);
	ike_put_nonce(w, sa->req_nonce, IKE_SA_NONCE_LEN);
	if (r->pfs)
		ike_put_ke(w, sa->req_dh->group, sa->req_dh->pub, sa->req_dh->pub_len);
	struct ike_ts_list tsi, tsr;
	our_ts(sa, old, tunnel, &tsi, &tsr);
	ike_put_ts(w, IKE_PL_TSI, &tsi);
	ike_put_ts(w, IKE_PL_TSR, &tsr);
	return 0;
}

/* ---- IKE SA rekey ---- */

/* Both rekeys known, or the peer's alone: which one survives (2.8.2). */
static void rekey_resolve(struct ike_sa *sa)
{
	if (!sa->rk)
		return;
	struct ike_rekey *o = &sa->rk[0], *p = &sa->rk[1];
	bool both = o->done && p->done;
	if (both) {
		/* the new IKE SA made with the lowest nonce goes, deleted by
		 * its creator; the surviving one's creator deletes the old SA */
		bool own_loses = holds_lowest(o->ni, o->ni_len, o->nr, o->nr_len, p->ni, p->ni_len,
					      p->nr, p->nr_len);
		sa->rk_win = own_loses ? 2 : 1;
	} else if (o->done) {
		sa->rk_win = 1;
	} else if (p->done) {
		sa->rk_win = 2;
	} else {
		return;
	}
	sa->state = IKE_SA_REKEYED;
	ike_sa_ev(sa, IKE_EV_IKE_REKEYED, 0, 0, 0, 0);
	if (both)
		ike_sa_ev(sa, IKE_EV_IKE_LOSER, 0, 0, 0, 0);
}

void ike_child_rekey_settle(struct ike_sa *sa)
{
	if (sa->state == IKE_SA_ESTABLISHED && sa->rk && sa->rk[1].done)
		rekey_resolve(sa);
}

static bool own_ike_rekey_out(const struct ike_sa *sa)
{
	return sa->req_pending && sa->req.type == IKE_REQ_REKEY_IKE;
}

/* SKEYSEED from the old SK_d (2.18) and the new SA's keys. */
static int rekey_keys(struct ike_sa *sa, struct ike_rekey *rk, const struct ike_dh *dh,
		      const uint8_t *peer_ke, size_t ke_len)
{
	uint8_t gir[IKE_DH_SHARED_MAX], seed[IKE_PRF_MAX];
	size_t gl;
	int rc = ike_dh_shared(dh, peer_ke, ke_len, gir, &gl);
	if (!rc)
		rc = ike_skeyseed_rekey(sa->suite.prf, sa->keys.d, sa->keys.prf_len, gir, gl, rk->ni,
					rk->ni_len, rk->nr, rk->nr_len, seed);
	if (!rc)
		rc = ike_derive_keys(&rk->suite, seed, rk->ni, rk->ni_len, rk->nr, rk->nr_len,
				     rk->spi_i, rk->spi_r, &rk->keys);
	OPENSSL_cleanse(gir, sizeof(gir));
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

static int on_ike_rekey_req(struct ike_sa *sa, const struct ike_msg *m,
			    const struct ike_sa_payload *sp, struct ike_wr *w)
{
	const struct ike_sa_cfg *c = sa->cfg;
	const struct ike_pl *kep = find(m, IKE_PL_KE), *np = find(m, IKE_PL_NONCE);
	struct ike_ke ke;
	struct m6_diags ds;
	m6_diags_init(&ds);
	if (sa->rk && sa->rk[1].used) {
		refuse(w, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return 0;
	}
	const struct ike_prop *chosen = NULL;
	struct ike_suite suite;
	for (unsigned i = 0; i < sp->n_prop && !chosen; i++)
		for (unsigned k = 0; k < c->n_ike && !chosen; k++)
			if (ike_sa_suite_ok(&sp->prop[i], &c->ike[k], IKE_SPI_LEN)) {
				chosen = &sp->prop[i];
				suite = c->ike[k];
			}
	if (!chosen) {
		refuse(w, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return 0;
	}
	/* IKE-14: a KE is mandatory in an IKE SA rekey */
	if (!np || !kep || ike_ke_parse(kep->body, kep->body_len, &ke, &ds, 0)) {
		refuse(w, IKE_N_INVALID_SYNTAX, NULL, 0);
		return 0;
	}
	if (ke.group != suite.dh) {
		uint8_t g[2];
		m6_put16(g, suite.dh);
		refuse(w, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return 0;
	}
	struct ike_rekey *rk = ike_sa_rekeys(sa);
	if (!rk) {
		refuse(w, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return 0;
	}
	rk = &rk[1];
	struct ike_dh dh;
	memset(rk, 0, sizeof(*rk));
	rk->suite = suite;
	memcpy(rk->spi_i, chosen->spi, IKE_SPI_LEN);
	ike_sa_new_spi(sa, rk->spi_r);
	memcpy(rk->ni, np->body, np->body_len);
	rk->ni_len = np->body_len;
	rk->nr_len = IKE_SA_NONCE_LEN;
	ike_sa_rnd(sa, rk->nr, rk->nr_len);
	int rc = ike_dh_init(&dh, suite.dh, &c->rng);
	if (!rc)
		rc = rekey_keys(sa, rk, &dh, ke.data, ke.len);
	if (rc) {
		ike_dh_clear(&dh);
		memset(rk, 0, sizeof(*rk));
		refuse(w, rc == M6_E_IKE_KE_VALUE ? IKE_N_INVALID_SYNTAX : IKE_N_NO_PROPOSAL_CHOSEN,
		       NULL, 0);
		return 0;
	}
	struct ike_sa_payload rp;
	memset(&rp, 0, sizeof(rp));
	rp.n_prop = 1;
	ike_sa_suite_prop(&suite, chosen->num, &rp.prop[0]);
	rp.prop[0].spi_size = IKE_SPI_LEN;
	memcpy(rp.prop[0].spi, rk->spi_r, IKE_SPI_LEN);
	ike_put_sa(w, &rp);
	ike_put_nonce(w, rk->nr, rk->nr_len);
	ike_put_ke(w, dh.group, dh.pub, dh.pub_len);
	ike_dh_clear(&dh);
	rk->used = rk->done = true;
	/* crossing our own rekey, the answer to ours decides (2.8.2) */
	if (!own_ike_rekey_out(sa))
		rekey_resolve(sa);
	return 0;
}

static void on_ike_rekey_resp(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_rekey *rk = sa->rk ? &sa->rk[0] : NULL;
	if (!rk) {
		/* cannot happen: our request made the slots */
		ike_sa_ev(sa, IKE_EV_REFUSED, 0, 0, 0, 0);
		return;
	}
	const struct ike_pl *sap = find(m, IKE_PL_SA), *kep = find(m, IKE_PL_KE),
			    *np = find(m, IKE_PL_NONCE);
	struct ike_sa_payload sp;
	struct ike_ke ke;
	struct m6_diags ds;
	m6_diags_init(&ds);
	uint16_t e = ike_sa_error_notify(m);
	int rc = e ? M6_E_IKE_PEER_ERROR : 0;
	if (!rc && (!sap || !kep || !np || ike_sa_parse(sap->body, sap->body_len, &sp, &ds, 0) ||
		    sp.n_prop != 1 || !ike_sa_suite_ok(&sp.prop[0], &sa->suite, IKE_SPI_LEN) ||
		    ike_ke_parse(kep->body, kep->body_len, &ke, &ds, 0) || !sa->req_dh || ke.group != sa->req_dh->group))
		rc = M6_E_IKE_NO_PROPOSAL;
	if (!rc) {
		rk->suite = sa->suite;
		memcpy(rk->spi_i, sa->req_spi, IKE_SPI_LEN);
		memcpy(rk->spi_r, sp.prop[0].spi, IKE_SPI_LEN);
		memcpy(rk->ni, sa->req_nonce, IKE_SA_NONCE_LEN);
		rk->ni_len = IKE_SA_NONCE_LEN;
		memcpy(rk->nr, np->body, np->body_len);
		rk->nr_len = np->body_len;
		rk->ours = true;
		rc = rekey_keys(sa, rk, sa->req_dh, ke.data, ke.len);
	}
	if (rc) {
		memset(rk, 0, sizeof(*rk));
		ike_sa_ev(sa, IKE_EV_REFUSED, e, 0, 0, 0);
		/* TEMPORARY_FAILURE in a crossing: the peer's rekey stands */
		ike_child_rekey_settle(sa);
		return;
	}
	rk->done = true;
	rekey_resolve(sa);
}

/* A new IKE SA from a finished rekey of old. */
static int adopt_from(struct ike_sa *nw, const struct ike_sa_cfg *cfg, struct ike_sa *old,
		      struct ike_rekey *rk)
{
	if ((old->state != IKE_SA_REKEYED && old->state != IKE_SA_DELETED) || !old->rk_win || !rk->done)
		return M6_E_IKE_UNEXPECTED;
	memset(nw, 0, sizeof(*nw));
	nw->cfg = cfg;
	nw->initiator = rk->ours;       /* the I flag follows the rekey's initiator (2.18) */
	nw->cfg_i = old->cfg_i;
	memcpy(nw->spi_i, rk->spi_i, IKE_SPI_LEN);
	memcpy(nw->spi_r, rk->spi_r, IKE_SPI_LEN);
	nw->suite = rk->suite;
	nw->keys = rk->keys;
	ike_keys_wipe(&rk->keys);
	rk->done = false;
	int rc = ike_sk_init(&nw->sk, &nw->suite, &nw->keys, nw->initiator);
	if (rc) {
		ike_sa_clear(nw);
		return rc;
	}
	nw->sk_ready = true;
	nw->psk = old->psk;
	nw->psk_len = old->psk_len;
	nw->peer_auth = old->peer_auth;
	nw->peer_id_type = old->peer_id_type;
	if (ike_sa_set_peer_id(nw, old->peer_id, old->peer_id_len)) {
		ike_sa_clear(nw);
		return M6_E_NOMEM;
	}
	/* MOBIKE's state stays with the IKE SA's successor */
	nw->path = old->path;
	nw->mobike = old->mobike;
	nw->mobike_peer = old->mobike_peer;
	nw->natt_peer = old->natt_peer;
	nw->nat_here = old->nat_here;
	nw->nat_there = old->nat_there;
	nw->frag = old->frag;   /* RFC 7383 holds for the IKE SA's successor too */
	nw->moves = old->moves;
	nw->moves_sent = old->moves_sent;
	nw->n_peer_addrs = old->n_peer_addrs;
	memcpy(nw->peer_addrs, old->peer_addrs, sizeof(nw->peer_addrs));
	nw->state = IKE_SA_ESTABLISHED;
	return 0;
}

int ike_sa_adopt(struct ike_sa *nw, const struct ike_sa_cfg *cfg, struct ike_sa *old)
{
	if (!old->rk)
		return M6_E_IKE_UNEXPECTED;
	int rc = adopt_from(nw, cfg, old, old->rk_win == 1 ? &old->rk[0] : &old->rk[1]);
	if (rc)
		return rc;
	nw->child_ok = old->child_ok;
	nw->child_spi_i = old->child_spi_i;
	nw->child_spi_r = old->child_spi_r;
	/* the Child SAs move (IKE-14), and Child SA work still to do */
	memcpy(nw->ch, old->ch, sizeof(nw->ch));
	OPENSSL_cleanse(old->ch, sizeof(old->ch));
	for (unsigned i = 0; i < old->n_queue; i++) {
		uint8_t t = old->queue[i].type;
		if (t == IKE_REQ_DELETE_CHILD || t == IKE_REQ_REKEY_CHILD || t == IKE_REQ_NEW_CHILD)
			nw->queue[nw->n_queue++] = old->queue[i];
	}
	old->n_queue = 0;
	return 0;
}

int ike_sa_adopt_loser(struct ike_sa *nw, const struct ike_sa_cfg *cfg, struct ike_sa *old)
{
	/* no Child SA: it only lives to be deleted by its creator (2.8.2) */
	if (!old->rk)
		return M6_E_IKE_UNEXPECTED;
	return adopt_from(nw, cfg, old, old->rk_win == 1 ? &old->rk[1] : &old->rk[0]);
}

/* ---- Child SAs ---- */

/* The transforms of a received ESP proposal we take, and the PFS group
 * (0: none); want: the group our own request proposed (0: the IKE SA's). */
static bool esp_choose_group(const struct ike_sa *sa, const struct ike_prop *p, uint16_t want, uint16_t *dh);

static bool esp_choose(const struct ike_sa *sa, const struct ike_prop *p, uint16_t *dh)
{
	return esp_choose_group(sa, p, 0, dh);
}

static bool esp_choose_group(const struct ike_sa *sa, const struct ike_prop *p, uint16_t want, uint16_t *dh)
{
	uint16_t g = want ? want : sa->suite.dh;
	if (!ike_sa_esp_ok(p, &sa->cfg->esp))
		return false;
	*dh = 0;
	if (!ike_sa_xf_count(p, IKE_XF_DH))
		return !sa->cfg->esp.pfs;
	if (ike_sa_xf_has(p, IKE_XF_DH, g, 0))
		*dh = g;
	else if (!ike_sa_xf_has(p, IKE_XF_DH, IKE_DH_NONE, 0))
		return false;
	return *dh || !sa->cfg->esp.pfs;
}

static int new_spi_in(struct ike_sa *sa, uint32_t *spi)
{
	const struct ike_sa_cfg *c = sa->cfg;
	if (c->alloc_spi)
		return c->alloc_spi(c->spi_ctx, spi);
	do
		ike_sa_rnd(sa, (uint8_t *)spi, sizeof(*spi));
	while (*spi < 256);
	return 0;
}

static void child_req(struct ike_sa *sa, const struct ike_msg *m, const struct ike_sa_payload *sp,
		      struct ike_wr *w)
{
	const struct ike_sa_cfg *c = sa->cfg;
	struct m6_diags ds;
	m6_diags_init(&ds);
	struct ike_child *old = NULL;
	const struct ike_pl *rn = find_notify(m, IKE_N_REKEY_SA);
	if (rn) {
		struct ike_notify n;
		memset(&n, 0, sizeof(n));
		if (ike_notify_parse(rn->body, rn->body_len, &n, &ds, 0) || n.spi_size != 4 ||
		    !(old = ike_sa_child(sa, m6_get32(n.spi), false))) {
			/* 2.25: already deleted */
			uint8_t spi[4] = { 0 };
			if (n.spi_size == 4)
				memcpy(spi, n.spi, 4);
			ike_put_notify(w, IKE_PROTO_ESP, spi, 4, IKE_N_CHILD_SA_NOT_FOUND, NULL, 0);
			return;
		}
		if (old->deleting) {
			refuse(w, IKE_N_TEMPORARY_FAILURE, NULL, 0);
			return;
		}
	}
	const struct ike_prop *chosen = NULL;
	uint16_t dh = 0;
	for (unsigned i = 0; i < sp->n_prop && !chosen; i++)
		if (esp_choose(sa, &sp->prop[i], &dh))
			chosen = &sp->prop[i];
	/* without USE_TRANSPORT_MODE the peer asks for a tunnel-mode SA
	 * (1.3.1): a new one only where the configuration lets the peer have
	 * one, a rekey of the tunnel-mode SA we made always; a rekey keeps
	 * the mode of the SA it replaces (1.3.3) */
	bool tunnel = !find_notify(m, IKE_N_USE_TRANSPORT_MODE);
	if (!chosen || (tunnel && !c->tunnel_ok && !old) || (old && old->tunnel != tunnel)) {
		refuse(w, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	const struct ike_pl *np = find(m, IKE_PL_NONCE), *kep = find(m, IKE_PL_KE),
			    *tip = find(m, IKE_PL_TSI), *trp = find(m, IKE_PL_TSR);
	struct ike_ts_list tsi, tsr;
	if (!np || !tip || !trp || ike_ts_parse(tip->body, tip->body_len, &tsi, &ds, 0) ||
	    ike_ts_parse(trp->body, trp->body_len, &tsr, &ds, 0)) {
		refuse(w, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	struct ike_ke ke;
	memset(&ke, 0, sizeof(ke));
	if (dh && (!kep || ike_ke_parse(kep->body, kep->body_len, &ke, &ds, 0) || ke.group != dh)) {
		uint8_t g[2];
		m6_put16(g, dh);
		refuse(w, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	/* The configuration speaks as the original initiator (its TSi) and
	 * responder; the request's TSi is the peer's side. */
	const struct ike_ts_list *ci = tunnel ? &c->tun_tsi : &c->tsi, *cr = tunnel ? &c->tun_tsr : &c->tsr;
	const struct ike_ts_list *peer_cfg = sa->cfg_i ? cr : ci;
	const struct ike_ts_list *our_cfg = sa->cfg_i ? ci : cr;
	const struct ike_ts_list *oi = sa->cfg_i ? &tsr : &tsi, *orr = sa->cfg_i ? &tsi : &tsr;
	/* narrowed to ours (2.9): a peer may propose its configured selectors,
	 * wider than the pair it rekeys (strongSwan does) */
	if (!ike_sa_ts_narrow(peer_cfg, &tsi, &tsi) || !ike_sa_ts_narrow(our_cfg, &tsr, &tsr) ||
	    (c->child_allowed && !c->child_allowed(c->pad_ctx, sa->peer_id_type, sa->peer_id,
						   sa->peer_id_len, oi, orr))) {
		refuse(w, IKE_N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	struct ike_child *nc = child_slot(sa);
	uint32_t spi;
	if (!nc || new_spi_in(sa, &spi)) {
		refuse(w, IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
		return;
	}
	memset(nc, 0, sizeof(*nc));
	ike_child_keep_nonce(nc->ni, &nc->ni_len, np->body, np->body_len);
	nc->nr_len = IKE_SA_NONCE_LEN;
	ike_sa_rnd(sa, nc->nr, nc->nr_len);
	uint8_t gir[IKE_DH_SHARED_MAX];
	size_t gl = 0;
	struct ike_dh kd;
	memset(&kd, 0, sizeof(kd));
	int rc = 0;
	if (dh) {
		rc = ike_dh_init(&kd, dh, &c->rng);
		if (!rc)
			rc = ike_dh_shared(&kd, ke.data, ke.len, gir, &gl);
	}
	if (!rc)
		rc = ike_child_keymat(sa->suite.prf, sa->keys.d, sa->keys.prf_len, dh ? gir : NULL, gl,
				      np->body, np->body_len, nc->nr, nc->nr_len, &c->esp, &nc->keys);
	OPENSSL_cleanse(gir, sizeof(gir));
	if (rc) {
		ike_dh_clear(&kd);
		OPENSSL_cleanse(nc, sizeof(*nc));
		refuse(w, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	nc->used = true;
	nc->ours = false;
	nc->tunnel = tunnel;
	nc->spi_in = spi;
	nc->spi_out = m6_get32(chosen->spi);
	nc->dh = dh;
	nc->tsi = tsi;
	nc->tsr = tsr;
	if (old) {
		/* IKE-15: both SAs are kept until the rekey's initiator
		 * deletes the old one */
		nc->replaces = old->spi_in;
		old->rekeyed = true;
	}
	struct ike_sa_payload rp;
	memset(&rp, 0, sizeof(rp));
	rp.n_prop = 1;
	ike_sa_esp_prop(&c->esp, chosen->num, spi, &rp.prop[0]);
	if (!ike_sa_xf_count(chosen, IKE_XF_ESN))
		rp.prop[0].n_xf--;      /* no ESN transform offered, none answered */
	if (dh)
		rp.prop[0].xf[rp.prop[0].n_xf++] = (struct ike_xf){ IKE_XF_DH, dh, 0, false };
	if (!tunnel)
		ike_put_notify(w, IKE_PROTO_NONE, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ike_put_sa(w, &rp);
	ike_put_nonce(w, nc->nr, nc->nr_len);
	if (dh)
		ike_put_ke(w, kd.group, kd.pub, kd.pub_len);
	ike_dh_clear(&kd);
	ike_put_ts(w, IKE_PL_TSI, &tsi);
	ike_put_ts(w, IKE_PL_TSR, &tsr);
	/* the responder installs before it answers (IKE-15) */
	ike_sa_ev(sa, IKE_EV_CHILD_UP, 0, (unsigned)(nc - sa->ch), nc->spi_in, nc->spi_out);
}

int ike_child_on_req(struct ike_sa *sa, const struct ike_msg *m, struct ike_wr *w)
{
	const struct ike_pl *sap = find(m, IKE_PL_SA);
	struct ike_sa_payload sp;
	struct m6_diags ds;
	m6_diags_init(&ds);
	if (!sap || ike_sa_parse(sap->body, sap->body_len, &sp, &ds, 0)) {
		refuse(w, IKE_N_INVALID_SYNTAX, NULL, 0);
		return 0;
	}
	if (sp.prop[0].proto == IKE_PROTO_IKE)
		return on_ike_rekey_req(sa, m, &sp, w);
	child_req(sa, m, &sp, w);
	return 0;
}

/* Our rekey of old and the peer's crossed (2.8.1): the new SA with the
 * lowest nonce goes, deleted by whoever made it; the maker of the
 * surviving one deletes the old SA. */
static void child_crossing(struct ike_sa *sa, struct ike_child *mine, struct ike_child *old)
{
	struct ike_child *theirs = NULL;
	for (unsigned i = 0; i < IKE_SA_CHILD_MAX; i++) {
		struct ike_child *c = &sa->ch[i];
		if (c->used && c != mine && !c->ours && c->replaces == old->spi_in)
			theirs = c;
	}
	struct ike_req del = { .type = IKE_REQ_DELETE_CHILD };
	if (!theirs) {
		del.spi = old->spi_in;
	} else if (holds_lowest(mine->ni, mine->ni_len, mine->nr, mine->nr_len, theirs->ni,
				theirs->ni_len, theirs->nr, theirs->nr_len)) {
		mine->rekeyed = true;
		del.spi = mine->spi_in;
	} else {
		/* the peer deletes its own, redundant one */
		theirs->rekeyed = true;
		del.spi = old->spi_in;
	}
	struct ike_child *d = ike_sa_child(sa, del.spi, true);
	if (d && !d->deleting && sa->n_queue < IKE_SA_QUEUE_MAX) {
		d->deleting = true;
		sa->queue[sa->n_queue++] = del;
	}
}

static void child_resp(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_req *r = &sa->req;
	const struct ike_sa_cfg *c = sa->cfg;
	const struct ike_pl *sap = find(m, IKE_PL_SA), *np = find(m, IKE_PL_NONCE),
			    *kep = find(m, IKE_PL_KE), *tip = find(m, IKE_PL_TSI),
			    *trp = find(m, IKE_PL_TSR);
	struct ike_sa_payload sp;
	struct ike_ts_list tsi, tsr, pi, pr;
	struct m6_diags ds;
	m6_diags_init(&ds);
	uint16_t e = ike_sa_error_notify(m);
	struct ike_child *old = r->type == IKE_REQ_REKEY_CHILD ? ike_sa_child(sa, r->spi, true) : NULL;
	bool tunnel = req_tunnel(sa, old);
	our_ts(sa, old, tunnel, &pi, &pr);
	uint16_t dh = 0, group = r->group ? r->group : sa->suite.dh;
	size_t gl0;
	const uint8_t *gd = e == IKE_N_INVALID_KE_PAYLOAD ? ike_sa_notify_data(find_notify(m, e), &gl0) : NULL;
	if (gd && gl0 == 2 && r->pfs && !r->group && m6_get16(gd) != group && ike_dh_supported(m6_get16(gd)) &&
	    sa->n_queue < IKE_SA_QUEUE_MAX) {
		/* 1.3.1, 1.3.3: the peer wants another group for its KE: the
		 * same request again, once, with that group first in line */
		struct ike_req again = *r;
		again.group = m6_get16(gd);
		memmove(sa->queue + 1, sa->queue, sa->n_queue * sizeof(sa->queue[0]));
		sa->queue[0] = again;
		sa->n_queue++;
		return;
	}
	bool ok = !e && sap && np && tip && trp && !ike_sa_parse(sap->body, sap->body_len, &sp, &ds, 0) &&
		  sp.n_prop == 1 && esp_choose_group(sa, &sp.prop[0], group, &dh) &&
		  dh == (r->pfs ? group : 0) &&
		  !ike_ts_parse(tip->body, tip->body_len, &tsi, &ds, 0) &&
		  !ike_ts_parse(trp->body, trp->body_len, &tsr, &ds, 0) && ike_sa_ts_ok(&pi, &tsi) &&
		  ike_sa_ts_ok(&pr, &tsr) && !find_notify(m, IKE_N_USE_TRANSPORT_MODE) == tunnel;
	struct ike_child *nc = ok ? child_slot(sa) : NULL;
	int rc = nc ? 0 : M6_E_IKE_NO_PROPOSAL;
	uint8_t gir[IKE_DH_SHARED_MAX];
	size_t gl = 0;
	if (!rc && r->pfs)
		rc = sa->req_dh ? pfs_shared(sa->req_dh, kep, gir, &gl) : M6_E_IKE_UNEXPECTED;
	if (!rc) {
		memset(nc, 0, sizeof(*nc));
		memcpy(nc->ni, sa->req_nonce, IKE_SA_NONCE_LEN);
		nc->ni_len = IKE_SA_NONCE_LEN;
		ike_child_keep_nonce(nc->nr, &nc->nr_len, np->body, np->body_len);
		rc = ike_child_keymat(sa->suite.prf, sa->keys.d, sa->keys.prf_len, r->pfs ? gir : NULL,
				      gl, nc->ni, nc->ni_len, np->body, np->body_len, &c->esp, &nc->keys);
	}
	OPENSSL_cleanse(gir, sizeof(gir));
	if (old)
		old->rekeying = false;  /* may be tried again */
	if (rc) {
		if (nc)
			OPENSSL_cleanse(nc, sizeof(*nc));
		ike_sa_ev(sa, IKE_EV_CHILD_FAILED, e ? e : IKE_N_NO_PROPOSAL_CHOSEN, 0, r->new_spi, 0);
		return;
	}
	nc->used = true;
	nc->ours = true;
	nc->tunnel = tunnel;
	nc->spi_in = r->new_spi;
	nc->spi_out = m6_get32(sp.prop[0].spi);
	nc->dh = dh;
	nc->tsi = tsi;
	nc->tsr = tsr;
	ike_sa_ev(sa, IKE_EV_CHILD_UP, 0, (unsigned)(nc - sa->ch), nc->spi_in, nc->spi_out);
	if (old) {
		nc->replaces = old->spi_in;
		old->rekeyed = true;
		child_crossing(sa, nc, old);
	}
}

int ike_child_on_resp(struct ike_sa *sa, const struct ike_msg *m)
{
	if (sa->req.type == IKE_REQ_REKEY_IKE)
		on_ike_rekey_resp(sa, m);
	else
		child_resp(sa, m);
	return 0;
}
