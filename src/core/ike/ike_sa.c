#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike_sa_int.h"
#include "../util/m6_bytes.h"

void ike_sa_rnd(const struct ike_sa *sa, uint8_t *p, size_t n)
{
	sa->cfg->rng.random(sa->cfg->rng.ctx, p, n);
}

/* A non-zero SPI (0 means "not yet known" in the header, 2.6). */
void ike_sa_new_spi(const struct ike_sa *sa, uint8_t spi[IKE_SPI_LEN])
{
	static const uint8_t zero[IKE_SPI_LEN];
	do
		ike_sa_rnd(sa, spi, IKE_SPI_LEN);
	while (!memcmp(spi, zero, IKE_SPI_LEN));
}

void ike_sa_digest(const uint8_t *p, size_t n, uint8_t out[32])
{
	unsigned int l = 32;
	if (EVP_Digest(p, n, out, &l, EVP_sha256(), NULL) != 1)
		memset(out, 0, 32);
}

const char *ike_sa_state_name(enum ike_sa_state s)
{
	static const char *const names[] = { "idle", "init-sent", "init-done", "auth-sent",
					     "established", "failed", "rekeyed", "deleted" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* ---- proposals ---- */

static void add_xf(struct ike_prop *p, uint8_t type, uint16_t id, uint16_t key_len)
{
	p->xf[p->n_xf++] = (struct ike_xf){ type, id, key_len, false };
}

void ike_sa_suite_prop(const struct ike_suite *s, uint8_t num, struct ike_prop *p)
{
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->proto = IKE_PROTO_IKE;
	add_xf(p, IKE_XF_ENCR, s->encr, s->encr_bits);
	if (s->integ != IKE_INTEG_NONE)
		add_xf(p, IKE_XF_INTEG, s->integ, 0);
	add_xf(p, IKE_XF_PRF, s->prf, 0);
	add_xf(p, IKE_XF_DH, s->dh, 0);
}

void ike_sa_esp_prop(const struct ike_child_alg *a, uint8_t num, uint32_t spi, struct ike_prop *p)
{
	memset(p, 0, sizeof(*p));
	p->num = num;
	p->proto = IKE_PROTO_ESP;
	p->spi_size = 4;
	m6_put32(p->spi, spi);
	add_xf(p, IKE_XF_ENCR, a->encr, a->encr_bits);
	if (a->integ != IKE_INTEG_NONE)
		add_xf(p, IKE_XF_INTEG, a->integ, 0);
	add_xf(p, IKE_XF_ESN, a->esn ? 1 : 0, 0);
}

bool ike_sa_xf_has(const struct ike_prop *p, uint8_t type, uint16_t id, uint16_t key_len)
{
	for (unsigned i = 0; i < p->n_xf; i++)
		if (p->xf[i].type == type && p->xf[i].id == id && p->xf[i].key_len == key_len &&
		    !p->xf[i].unknown_attr)
			return true;
	return false;
}

unsigned ike_sa_xf_count(const struct ike_prop *p, uint8_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->n_xf; i++)
		n += p->xf[i].type == type;
	return n;
}

/* May the proposal be answered with suite s? (2.7: one of each type; SPI
 * size 0 in IKE_SA_INIT, 8 in an IKE SA rekey) */
bool ike_sa_suite_ok(const struct ike_prop *p, const struct ike_suite *s, uint8_t spi_size)
{
	if (p->proto != IKE_PROTO_IKE || p->spi_size != spi_size)
		return false;
	if (!ike_sa_xf_has(p, IKE_XF_ENCR, s->encr, s->encr_bits) || !ike_sa_xf_has(p, IKE_XF_PRF, s->prf, 0) ||
	    !ike_sa_xf_has(p, IKE_XF_DH, s->dh, 0))
		return false;
	if (s->integ == IKE_INTEG_NONE)   /* an AEAD: no integrity, or NONE (RFC 7634 4) */
		return ike_sa_xf_count(p, IKE_XF_INTEG) == 0 || ike_sa_xf_has(p, IKE_XF_INTEG, IKE_INTEG_NONE, 0);
	return ike_sa_xf_has(p, IKE_XF_INTEG, s->integ, 0);
}

/* Is the proposal exactly suite s, one transform per type (IKE-08)? */
static bool ike_prop_is(const struct ike_prop *p, const struct ike_suite *s)
{
	unsigned want = s->integ == IKE_INTEG_NONE ? 3 : 4;
	return ike_sa_suite_ok(p, s, 0) && p->n_xf == want && ike_sa_xf_count(p, IKE_XF_ENCR) == 1 &&
	       ike_sa_xf_count(p, IKE_XF_PRF) == 1 && ike_sa_xf_count(p, IKE_XF_DH) == 1;
}

bool ike_sa_esp_ok(const struct ike_prop *p, const struct ike_child_alg *a)
{
	if (p->proto != IKE_PROTO_ESP || p->spi_size != 4)
		return false;
	if (!ike_sa_xf_has(p, IKE_XF_ENCR, a->encr, a->encr_bits))
		return false;
	if (a->integ != IKE_INTEG_NONE && !ike_sa_xf_has(p, IKE_XF_INTEG, a->integ, 0))
		return false;
	/* with esn, "ESN" among them; without, no ESN transform or "no ESN"
	 * among them: ours are 32-bit */
	if (a->esn)
		return ike_sa_xf_has(p, IKE_XF_ESN, 1, 0);
	return ike_sa_xf_count(p, IKE_XF_ESN) == 0 || ike_sa_xf_has(p, IKE_XF_ESN, 0, 0);
}

bool ike_sa_esp_is(const struct ike_prop *p, const struct ike_child_alg *a)
{
	unsigned want = (a->integ == IKE_INTEG_NONE ? 1 : 2) + (ike_sa_xf_count(p, IKE_XF_ESN) ? 1 : 0);
	return ike_sa_esp_ok(p, a) && p->n_xf == want && ike_sa_xf_count(p, IKE_XF_ENCR) == 1;
}

/* ---- traffic selectors ---- */

static bool ts_covers(const struct ike_ts *b, const struct ike_ts *a)
{
	size_t alen = a->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
	if (a->type != b->type || (b->proto && b->proto != a->proto))
		return false;
	bool a_opaque = a->start_port == 65535 && a->end_port == 0;
	bool b_any = b->start_port == 0 && b->end_port == 65535;
	bool b_opaque = b->start_port == 65535 && b->end_port == 0;
	if (a_opaque ? !(b_any || b_opaque) : (b_opaque || a->start_port < b->start_port ||
					       a->end_port > b->end_port))
		return false;
	return memcmp(a->start, b->start, alen) >= 0 && memcmp(a->end, b->end, alen) <= 0;
}

/* The part of a that b also holds, false when there is none. */
static bool ts_meet(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *o)
{
	size_t alen = a->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
	if (a->type != b->type || (a->proto && b->proto && a->proto != b->proto))
		return false;
	*o = *a;
	o->proto = a->proto ? a->proto : b->proto;
	bool a_opaque = a->start_port == 65535 && a->end_port == 0;
	bool b_opaque = b->start_port == 65535 && b->end_port == 0;
	bool a_any = a->start_port == 0 && a->end_port == 65535;
	bool b_any = b->start_port == 0 && b->end_port == 65535;
	if (a_opaque || b_opaque) {
		if (!(a_opaque || a_any) || !(b_opaque || b_any))
			return false;
		o->start_port = 65535;
		o->end_port = 0;
	} else {
		o->start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
		o->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
		if (o->start_port > o->end_port)
			return false;
	}
	memcpy(o->start, memcmp(a->start, b->start, alen) >= 0 ? a->start : b->start, alen);
	memcpy(o->end, memcmp(a->end, b->end, alen) <= 0 ? a->end : b->end, alen);
	return memcmp(o->start, o->end, alen) <= 0;
}

/* RFC 7296 2.9: the responder narrows the proposed selectors to the part
 * its policy allows (each proposed one met with each of ours); none left
 * is TS_UNACCEPTABLE. */
bool ike_sa_ts_narrow(const struct ike_ts_list *ours, const struct ike_ts_list *theirs, struct ike_ts_list *out)
{
	struct ike_ts_list r;
	memset(&r, 0, sizeof(r));
	for (unsigned i = 0; i < theirs->n; i++)
		for (unsigned k = 0; k < ours->n && r.n < IKE_TS_MAX; k++)
			if (ts_meet(&theirs->ts[i], &ours->ts[k], &r.ts[r.n]))
				r.n++;
	*out = r;
	return r.n > 0;
}

/* Every proposed selector inside one of ours. */
bool ike_sa_ts_ok(const struct ike_ts_list *ours, const struct ike_ts_list *theirs)
{
	if (!theirs->n)
		return false;
	for (unsigned i = 0; i < theirs->n; i++) {
		bool ok = false;
		for (unsigned k = 0; k < ours->n && !ok; k++)
			ok = ts_covers(&ours->ts[k], &theirs->ts[i]);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- helpers over a parsed message ---- */

static const struct ike_pl *find(const struct ike_msg *m, uint8_t type)
{
	return ike_msg_find(m, type, 0);
}

/* The first error notification (types below 16384), 0 if none. */
uint16_t ike_sa_error_notify(const struct ike_msg *m)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->pl[i].type == IKE_PL_N && m->pl[i].body_len >= 4) {
			uint16_t t = m6_get16(m->pl[i].body + 2);
			if (t < 16384)
				return t;
		}
	return 0;
}

const uint8_t *ike_sa_notify_data(const struct ike_pl *pl, size_t *len)
{
	struct ike_notify n;
	struct m6_diags ds;
	m6_diags_init(&ds);
	if (!pl || ike_notify_parse(pl->body, pl->body_len, &n, &ds, 0))
		return NULL;
	*len = n.data_len;
	return n.data;
}

/* A key pair made for an exchange (freed, wiped, once used: 2.12) */
static int dh_new(struct ike_dh **dh, uint16_t group, const struct ike_rng *rng)
{
	if (!*dh && !(*dh = calloc(1, sizeof(**dh))))
		return M6_E_NOMEM;
	return ike_dh_init(*dh, group, rng);
}

static void dh_drop(struct ike_dh **dh)
{
	if (!*dh)
		return;
	ike_dh_clear(*dh);
	free(*dh);
	*dh = NULL;
}

static int fail(struct ike_sa *sa, int why)
{
	sa->state = IKE_SA_FAILED;
	sa->error = why;
	dh_drop(&sa->dh);
	return why;
}

static int save(uint8_t **dst, size_t *dlen, const uint8_t *src, size_t n)
{
	if (n > IKE_SA_OUT_MAX)
		return M6_E_NOMEM;
	uint8_t *p = malloc(n ? n : 1);
	if (!p)
		return M6_E_NOMEM;
	memcpy(p, src, n);
	free(*dst);
	*dst = p;
	*dlen = n;
	return 0;
}

static void forget(uint8_t **p, size_t *len)
{
	free(*p);
	*p = NULL;
	*len = 0;
}

/* AUTH is computed and checked: the IKE_SA_INIT messages are not needed
 * again (a rekeyed IKE SA signs nothing). */
int ike_sa_set_peer_id(struct ike_sa *sa, const uint8_t *id, size_t len)
{
	uint8_t *p = len ? malloc(len) : NULL;
	if (len && !p)
		return M6_E_NOMEM;
	if (len)
		memcpy(p, id, len);
	free(sa->peer_id);
	sa->peer_id = p;
	sa->peer_id_len = len;
	return 0;
}

static int nonces_new(struct ike_sa *sa)
{
	if (!sa->ni) {
		uint8_t *p = calloc(2, IKE_NONCE_MAX);
		if (!p)
			return M6_E_NOMEM;
		sa->ni = p;
		sa->nr = p + IKE_NONCE_MAX;
	}
	return 0;
}

static void nonces_drop(struct ike_sa *sa)
{
	OPENSSL_clear_free(sa->ni, 2 * IKE_NONCE_MAX);
	sa->ni = sa->nr = NULL;
}

static void established(struct ike_sa *sa)
{
	sa->state = IKE_SA_ESTABLISHED;
	forget(&sa->init_req, &sa->init_req_len);
	forget(&sa->init_resp, &sa->init_resp_len);
	nonces_drop(sa);
}

int ike_sa_emit_req(struct ike_sa *sa, const uint8_t *msg, size_t n, uint8_t *out, size_t cap,
		    size_t *out_len)
{
	if (n > cap)
		return M6_E_NOMEM;
	int rc = save(&sa->last_out, &sa->last_out_len, msg, n);
	if (rc)
		return rc;
	if (out != msg)         /* fragments are written in out */
		memcpy(out, msg, n);
	*out_len = n;
	return 0;
}

int ike_sa_emit_resp(struct ike_sa *sa, const uint8_t *msg, size_t n, const uint8_t in_hash[32],
		     uint8_t *out, size_t cap, size_t *out_len)
{
	if (n > cap)
		return M6_E_NOMEM;
	int rc = save(&sa->resp, &sa->resp_len, msg, n);
	if (rc)
		return rc;
	memcpy(sa->last_in_hash, in_hash, 32);
	sa->have_last_in = true;
	if (out != msg)         /* fragments are written in out */
		memcpy(out, msg, n);
	*out_len = n;
	return 0;
}

void ike_sa_ev(struct ike_sa *sa, uint8_t type, uint16_t notify, unsigned child, uint32_t spi_in,
	       uint32_t spi_out)
{
	if (sa->n_ev >= IKE_SA_EV_MAX)
		return;
	sa->ev[sa->n_ev++] = (struct ike_ev){ type, notify, child, spi_in, spi_out };
}

void ike_sa_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exch, bool response,
		    uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->spi_i, sa->spi_i, IKE_SPI_LEN);
	memcpy(h->spi_r, sa->spi_r, IKE_SPI_LEN);
	h->version = IKE_MAJOR << 4;
	h->exchange = exch;
	h->flags = (uint8_t)((sa->initiator ? IKE_FLAG_I : 0) | (response ? IKE_FLAG_R : 0));
	h->msgid = msgid;
}

/* ---- keys ---- */

static int derive(struct ike_sa *sa, const uint8_t *peer_ke, size_t ke_len)
{
	uint8_t gir[IKE_DH_SHARED_MAX], seed[IKE_PRF_MAX];
	size_t gl;
	int rc = sa->dh ? ike_dh_shared(sa->dh, peer_ke, ke_len, gir, &gl) : M6_E_IKE_UNEXPECTED;
	/* IKE-22: a bad value (X25519/X448: an all-zero result) is dropped and
	 * our key kept for the genuine message */
	if (rc)
		return rc;
	/* 2.12: the private value is not needed any more */
	dh_drop(&sa->dh);
	rc = ike_skeyseed(sa->suite.prf, sa->ni, sa->ni_len, sa->nr, sa->nr_len, gir, gl, seed);
	if (!rc)
		rc = ike_derive_keys(&sa->suite, seed, sa->ni, sa->ni_len, sa->nr, sa->nr_len,
				     sa->spi_i, sa->spi_r, &sa->keys);
	if (!rc)
		rc = ike_sk_init(&sa->sk, &sa->suite, &sa->keys, sa->initiator);
	sa->sk_ready = rc == 0;
	OPENSSL_cleanse(gir, sizeof(gir));
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

/* The first Child SA's keys; it is also the first entry of the table the
 * later exchanges work on. */
static int child_keys(struct ike_sa *sa)
{
	struct ike_child *c = &sa->ch[0];
	struct ike_ts_list tsi = c->tsi, tsr = c->tsr;  /* the negotiated ones, put there first */
	memset(c, 0, sizeof(*c));
	c->tsi = tsi;
	c->tsr = tsr;
	int rc = ike_child_keymat(sa->suite.prf, sa->keys.d, sa->keys.prf_len, NULL, 0, sa->ni,
				  sa->ni_len, sa->nr, sa->nr_len, &sa->cfg->esp, &c->keys);
	sa->child_ok = rc == 0;
	if (rc)
		return rc;
	c->used = true;
	c->ours = sa->initiator;
	c->spi_in = sa->initiator ? sa->child_spi_i : sa->child_spi_r;
	c->spi_out = sa->initiator ? sa->child_spi_r : sa->child_spi_i;
	ike_child_keep_nonce(c->ni, &c->ni_len, sa->ni, sa->ni_len);
	ike_child_keep_nonce(c->nr, &c->nr_len, sa->nr, sa->nr_len);
	return 0;
}

/* ---- initiator ---- */

static int build_init_req(struct ike_sa *sa, uint8_t *out, size_t cap, size_t *out_len)
{
	const struct ike_sa_cfg *c = sa->cfg;
	uint8_t msg[IKE_SA_MSG_MAX];
	struct ike_sa_payload sp;
	struct ike_hdr h;
	struct ike_wr w;
	size_t len;
	ike_sa_hdr(sa, &h, IKE_SA_INIT, false, 0);
	ike_wr_init(&w, msg, sizeof(msg), &h);
	/* 2.6: the cookie comes first, everything else unchanged */
	if (sa->cookie_len)
		ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0, IKE_N_COOKIE, sa->cookie, sa->cookie_len);
	/* IKE-07: the full list, also after INVALID_KE_PAYLOAD */
	memset(&sp, 0, sizeof(sp));
	for (unsigned i = 0; i < c->n_ike && i < IKE_PROP_MAX; i++)
		ike_sa_suite_prop(&c->ike[i], (uint8_t)(i + 1), &sp.prop[sp.n_prop++]);
	ike_put_sa(&w, &sp);
	ike_put_ke(&w, sa->dh->group, sa->dh->pub, sa->dh->pub_len);
	ike_put_nonce(&w, sa->ni, sa->ni_len);
	ike_auth_put_hashes(sa, &w);
	if (c->natt && sa->path.lport)
		ike_natt_put(sa, &w, &sa->path);      /* SPIr zero (2.23) */
	ike_frag_put_supported(sa, &w);
	int rc = ike_wr_finish(&w, &len);
	if (!rc)
		rc = save(&sa->init_req, &sa->init_req_len, msg, len);
	if (!rc)
		rc = ike_sa_emit_req(sa, msg, len, out, cap, out_len);
	return rc;
}

int ike_sa_start(struct ike_sa *sa, const struct ike_sa_cfg *cfg, uint8_t *out, size_t cap,
		 size_t *out_len)
{
	return ike_sa_start_on(sa, cfg, NULL, out, cap, out_len);
}

int ike_sa_start_on(struct ike_sa *sa, const struct ike_sa_cfg *cfg, const struct ike_path *path, uint8_t *out,
		    size_t cap, size_t *out_len)
{
	memset(sa, 0, sizeof(*sa));
	if (path)
		sa->path = *path;
	sa->cfg = cfg;
	sa->psk = cfg->psk;
	sa->psk_len = cfg->psk_len;
	sa->initiator = true;
	sa->cfg_i = true;
	*out_len = 0;
	if (!cfg->n_ike || !cfg->rng.random)
		return M6_E_INVAL;
	for (unsigned i = 0; i < cfg->n_ike; i++)
		if (ike_suite_check(&cfg->ike[i]) || !ike_dh_supported(cfg->ike[i].dh))
			return M6_E_ALG;
	ike_sa_new_spi(sa, sa->spi_i);
	int rc = nonces_new(sa);
	if (rc)
		return fail(sa, rc);
	sa->ni_len = IKE_SA_NONCE_LEN;
	ike_sa_rnd(sa, sa->ni, sa->ni_len);
	rc = dh_new(&sa->dh, cfg->ike[0].dh, &cfg->rng);
	if (!rc)
		rc = build_init_req(sa, out, cap, out_len);
	if (rc)
		return fail(sa, rc);
	sa->state = IKE_SA_INIT_SENT;
	return 0;
}

static int build_auth_req(struct ike_sa *sa, uint8_t *out, size_t cap, size_t *out_len)
{
	const struct ike_sa_cfg *c = sa->cfg;
	uint8_t msg[IKE_SA_MSG_MAX];
	struct ike_sa_payload sp;
	struct ike_hdr h;
	struct ike_wr w;
	ike_sa_hdr(sa, &h, IKE_AUTH, false, 1);
	ike_wr_init(&w, msg, sizeof(msg), &h);
	ike_wr_sk_begin(&w, false, 0, 0, sa->sk.iv_len);
	ike_auth_put(sa, &w);
	ike_cp_put_req(sa, &w);
	memset(&sp, 0, sizeof(sp));
	sp.n_prop = 1;
	ike_sa_esp_prop(&c->esp, 1, c->esp_spi, &sp.prop[0]);
	ike_put_sa(&w, &sp);
	ike_put_ts(&w, IKE_PL_TSI, &c->tsi);
	ike_put_ts(&w, IKE_PL_TSR, &c->tsr);
	/* IKE-21: only in the first IKE_AUTH */
	ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	/* the BU/BA SA is transport mode (RFC 4877 4.3; RFC 7296 1.3.1) */
	ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ike_mobike_put_auth(sa, &w);
	int rc = ike_sa_seal_emit(sa, &w, NULL, out, cap, out_len);
	OPENSSL_cleanse(msg, sizeof(msg));
	return rc;
}

static int on_init_resp(struct ike_sa *sa, const struct ike_msg *m, const uint8_t *msg, size_t len,
			uint8_t *out, size_t cap, size_t *out_len)
{
	const struct ike_sa_cfg *c = sa->cfg;
	struct m6_diags ds;
	size_t dl;
	const uint8_t *d;
	m6_diags_init(&ds);
	if ((d = ike_sa_notify_data(ike_msg_find_notify(m, IKE_N_COOKIE), &dl))) {
		if (dl < 1 || dl > IKE_COOKIE_MAX)
			return M6_E_INVAL;
		memcpy(sa->cookie, d, dl);
		sa->cookie_len = dl;
		return build_init_req(sa, out, cap, out_len);
	}
	if ((d = ike_sa_notify_data(ike_msg_find_notify(m, IKE_N_INVALID_KE_PAYLOAD), &dl))) {
		/* IKE-07: the group the responder wants, if we offered it */
		uint16_t g = dl == 2 ? m6_get16(d) : 0;
		bool offered = false;
		for (unsigned i = 0; i < c->n_ike; i++)
			offered |= c->ike[i].dh == g;
		if (!offered || !sa->dh || g == sa->dh->group)
			return fail(sa, M6_E_IKE_NO_PROPOSAL);
		dh_drop(&sa->dh);
		int rc = dh_new(&sa->dh, g, &c->rng);
		return rc ? fail(sa, rc) : build_init_req(sa, out, cap, out_len);
	}
	if (ike_sa_error_notify(m))
		return fail(sa, M6_E_IKE_PEER_ERROR);
	const struct ike_pl *sap = find(m, IKE_PL_SA), *kep = find(m, IKE_PL_KE),
			    *np = find(m, IKE_PL_NONCE);
	if (!sap || !kep || !np)
		return M6_E_IKE_MISSING;
	struct ike_sa_payload sp;
	struct ike_ke ke;
	if (ike_sa_parse(sap->body, sap->body_len, &sp, &ds, 0) || sp.n_prop != 1 ||
	    ike_ke_parse(kep->body, kep->body_len, &ke, &ds, 0))
		return fail(sa, M6_E_IKE_NO_PROPOSAL);
	/* IKE-08: one of our suites, one transform of each type */
	bool found = false;
	for (unsigned i = 0; i < c->n_ike && !found; i++)
		if (ike_prop_is(&sp.prop[0], &c->ike[i])) {
			sa->suite = c->ike[i];
			found = true;
		}
	if (!found || ke.group != sa->suite.dh || !sa->dh || ke.group != sa->dh->group)
		return fail(sa, M6_E_IKE_NO_PROPOSAL);
	static const uint8_t zero[IKE_SPI_LEN];
	if (!memcmp(m->hdr.spi_r, zero, IKE_SPI_LEN))
		return M6_E_IKE_SPI;
	/* IKE-22: a bad KE drops the message, the SA keeps waiting */
	int rc = ike_dh_check_peer(ke.group, ke.data, ke.len);
	if (rc)
		return rc;
	memcpy(sa->spi_r, m->hdr.spi_r, IKE_SPI_LEN);
	ike_auth_on_init(sa, m);
	ike_frag_on_init(sa, m);
	memcpy(sa->nr, np->body, np->body_len);
	sa->nr_len = np->body_len;
	sa->prop_num = sp.prop[0].num;
	rc = save(&sa->init_resp, &sa->init_resp_len, msg, len);
	if (!rc)
		rc = derive(sa, ke.data, ke.len);
	if (rc == M6_E_IKE_KE_VALUE)
		return rc;      /* dropped; still waiting for the real response */
	if (!rc) {
		/* IKE-20, MK-02: IKE_AUTH goes on port 4500 when a NAT was
		 * found, or both ends do NAT traversal and we offer MOBIKE */
		ike_natt_check(sa, m, false);
		ike_natt_float(sa);
		rc = build_auth_req(sa, out, cap, out_len);
	}
	if (rc)
		return fail(sa, rc);
	sa->state = IKE_SA_AUTH_SENT;
	sa->msgid_out = 2;
	return 0;
}

static int on_auth_resp(struct ike_sa *sa, struct ike_msg *m, uint8_t *msg, size_t len)
{
	const struct ike_sa_cfg *c = sa->cfg;
	size_t po, pl;
	struct m6_diags ds;
	int rc = ike_sa_open(sa, msg, len, m, &po, &pl);
	if (rc)
		return rc;     /* not from the peer: dropped */
	m6_diags_init(&ds);
	if (ike_msg_parse_inner(m, msg + po, pl, m->sk_np, &ds, po))
		return fail(sa, M6_E_IKE_PEER_ERROR);
	if (ike_msg_find_notify(m, IKE_N_AUTHENTICATION_FAILED))
		return fail(sa, M6_E_IKE_AUTH);
	if (!find(m, IKE_PL_AUTH) && ike_sa_error_notify(m))
		return fail(sa, M6_E_IKE_PEER_ERROR);   /* e.g. UNEXPECTED_NAT_DETECTED (MK-09) */
	rc = ike_auth_check(sa, m);
	if (rc)
		return fail(sa, rc);
	ike_mobike_on_auth(sa, m);
	rc = ike_cp_on_resp(sa, m);
	if (rc)
		return fail(sa, rc);
	/* The Child SA may fail on its own (IKE-19). */
	const struct ike_pl *sap = find(m, IKE_PL_SA), *tsi = find(m, IKE_PL_TSI),
			    *tsr = find(m, IKE_PL_TSR);
	struct ike_sa_payload sp;
	if (sap && tsi && tsr && !ike_sa_parse(sap->body, sap->body_len, &sp, &ds, 0) &&
	    sp.n_prop == 1 && ike_sa_esp_is(&sp.prop[0], &c->esp) &&
	    !ike_ts_parse(tsi->body, tsi->body_len, &sa->ch[0].tsi, &ds, 0) &&
	    !ike_ts_parse(tsr->body, tsr->body_len, &sa->ch[0].tsr, &ds, 0) &&
	    ike_sa_ts_ok(&c->tsi, &sa->ch[0].tsi) && ike_sa_ts_ok(&c->tsr, &sa->ch[0].tsr) &&
	    /* without it the responder made a tunnel-mode SA (RFC 7296 1.3.1) */
	    ike_msg_find_notify(m, IKE_N_USE_TRANSPORT_MODE)) {
		sa->child_spi_i = c->esp_spi;
		sa->child_spi_r = m6_get32(sp.prop[0].spi);
		child_keys(sa);
	} else {
		uint16_t e = ike_sa_error_notify(m);
		sa->child_error = e ? e : IKE_N_NO_PROPOSAL_CHOSEN;
	}
	established(sa);
	return 0;
}

/* ---- responder ---- */

void ike_sa_respond(struct ike_sa *sa, const struct ike_sa_cfg *cfg)
{
	memset(sa, 0, sizeof(*sa));
	sa->cfg = cfg;
	sa->psk = cfg->psk;
	sa->psk_len = cfg->psk_len;
	sa->state = IKE_SA_IDLE;
}

/* A stateless answer to an IKE_SA_INIT request: SPIr 0 (2.6, IKE-06). */
static int init_refusal(const struct ike_msg *m, uint16_t type, const uint8_t *data, size_t dl,
			uint8_t *out, size_t cap, size_t *out_len)
{
	struct ike_hdr h = m->hdr;
	struct ike_wr w;
	memset(h.spi_r, 0, IKE_SPI_LEN);
	h.flags = IKE_FLAG_R;
	h.version = IKE_MAJOR << 4;
	ike_wr_init(&w, out, cap, &h);
	ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0, type, data, dl);
	return ike_wr_finish(&w, out_len);
}

static int on_init_req(struct ike_sa *sa, const struct ike_msg *m, const uint8_t *msg, size_t len,
		       uint8_t *out, size_t cap, size_t *out_len)
{
	const struct ike_sa_cfg *c = sa->cfg;
	struct m6_diags ds;
	static const uint8_t zero[IKE_SPI_LEN];
	m6_diags_init(&ds);
	if (memcmp(m->hdr.spi_r, zero, IKE_SPI_LEN) || !(m->hdr.flags & IKE_FLAG_I))
		return M6_E_IKE_SPI;
	const struct ike_pl *sap = find(m, IKE_PL_SA), *kep = find(m, IKE_PL_KE),
			    *np = find(m, IKE_PL_NONCE);
	if (!sap || !kep || !np)
		return M6_E_IKE_MISSING;
	struct ike_sa_payload sp;
	struct ike_ke ke;
	if (ike_sa_parse(sap->body, sap->body_len, &sp, &ds, 0) ||
	    ike_ke_parse(kep->body, kep->body_len, &ke, &ds, 0))
		return M6_E_IKE_MISSING;
	/* The initiator's order first, then ours (2.7). */
	const struct ike_prop *chosen = NULL;
	for (unsigned i = 0; i < sp.n_prop && !chosen; i++)
		for (unsigned k = 0; k < c->n_ike && !chosen; k++)
			if (ike_sa_suite_ok(&sp.prop[i], &c->ike[k], 0)) {
				chosen = &sp.prop[i];
				sa->suite = c->ike[k];
			}
	if (!chosen)
		return init_refusal(m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, out, cap, out_len);
	if (ke.group != sa->suite.dh) {
		/* IKE-07: which group we want; no state kept */
		uint8_t g[2];
		m6_put16(g, sa->suite.dh);
		return init_refusal(m, IKE_N_INVALID_KE_PAYLOAD, g, 2, out, cap, out_len);
	}
	/* IKE-22: a bad KE in IKE_SA_INIT is dropped, unanswered */
	int rc = ike_dh_check_peer(ke.group, ke.data, ke.len);
	if (rc)
		return rc;
	if (len > IKE_SA_MSG_MAX)
		return M6_E_NOMEM;
	sa->prop_num = chosen->num;
	memcpy(sa->spi_i, m->hdr.spi_i, IKE_SPI_LEN);
	ike_sa_new_spi(sa, sa->spi_r);
	if ((rc = nonces_new(sa)))
		return rc;
	memcpy(sa->ni, np->body, np->body_len);
	sa->ni_len = np->body_len;
	sa->nr_len = IKE_SA_NONCE_LEN;
	ike_sa_rnd(sa, sa->nr, sa->nr_len);
	rc = dh_new(&sa->dh, ke.group, &c->rng);
	uint8_t pub[IKE_DH_PUB_MAX];
	size_t pub_len = rc ? 0 : sa->dh->pub_len;
	memcpy(pub, rc ? pub : sa->dh->pub, pub_len);
	if (!rc)
		rc = derive(sa, ke.data, ke.len);
	if (rc == M6_E_IKE_KE_VALUE) {
		/* dropped, unanswered: back to waiting for a request */
		const struct ike_sa_cfg *keep = sa->cfg;
		ike_sa_clear(sa);
		ike_sa_respond(sa, keep);
		return rc;
	}
	if (rc)
		return fail(sa, rc);
	save(&sa->init_req, &sa->init_req_len, msg, len);
	/* the response: the accepted proposal alone, with its number */
	uint8_t resp[IKE_SA_MSG_MAX];
	struct ike_hdr h;
	struct ike_wr w;
	size_t rl;
	ike_sa_hdr(sa, &h, IKE_SA_INIT, true, 0);
	ike_wr_init(&w, resp, sizeof(resp), &h);
	memset(&sp, 0, sizeof(sp));
	sp.n_prop = 1;
	ike_sa_suite_prop(&sa->suite, sa->prop_num, &sp.prop[0]);
	ike_put_sa(&w, &sp);
	ike_put_ke(&w, ke.group, pub, pub_len);
	ike_put_nonce(&w, sa->nr, sa->nr_len);
	/* RFC 7427 4: our hashes in answer to the initiator's; our CA (1.2) */
	ike_auth_on_init(sa, m);
	if (sa->peer_hashes)
		ike_auth_put_hashes(sa, &w);
	ike_auth_put_certreq(sa, &w);
	/* IKE-20: NAT detection answered when asked */
	if (ike_natt_check(sa, m, false))
		ike_natt_put(sa, &w, &sa->path);
	/* RFC 7383 2.3: ours in answer to the initiator's */
	ike_frag_on_init(sa, m);
	if (sa->frag)
		ike_frag_put_supported(sa, &w);
	rc = ike_wr_finish(&w, &rl);
	if (!rc)
		rc = save(&sa->init_resp, &sa->init_resp_len, resp, rl);
	uint8_t in_hash[32];
	ike_sa_digest(msg, len, in_hash);
	if (!rc)
		rc = ike_sa_emit_resp(sa, resp, rl, in_hash, out, cap, out_len);
	if (rc)
		return fail(sa, rc);
	sa->state = IKE_SA_INIT_DONE;
	sa->msgid_in = 1;
	return 0;
}

static int on_auth_req(struct ike_sa *sa, struct ike_msg *m, uint8_t *msg, size_t len,
		       uint8_t *out, size_t cap, size_t *out_len)
{
	const struct ike_sa_cfg *c = sa->cfg;
	uint8_t in_hash[32];
	size_t po, pl;
	struct m6_diags ds;
	/* the digest of the request as received, before decryption in place */
	ike_sa_digest(msg, len, in_hash);
	int rc = ike_sa_open(sa, msg, len, m, &po, &pl);
	if (rc)
		return rc;
	/* MK-02, RFC 4555 3.3: the IKE SA's addresses (and the Child SAs'
	 * tunnel and UDP ports) are those of the first IKE_AUTH request,
	 * which may have floated to port 4500 */
	if (sa->have_rx)
		sa->path = sa->rx;
	m6_diags_init(&ds);
	int prc = ike_msg_parse_inner(m, msg + po, pl, m->sk_np, &ds, po);
	int arc = prc ? M6_E_IKE_MISSING : ike_auth_check(sa, m);
	uint16_t nat = arc ? 0 : ike_mobike_on_auth(sa, m);
	if (nat)
		arc = M6_E_IKE_NAT;

	uint8_t resp[IKE_SA_MSG_MAX];
	struct ike_hdr h;
	struct ike_wr w;
	ike_sa_hdr(sa, &h, IKE_AUTH, true, 1);
	ike_wr_init(&w, resp, sizeof(resp), &h);
	ike_wr_sk_begin(&w, false, 0, 0, sa->sk.iv_len);
	if (arc) {
		/* IKE-19: AUTHENTICATION_FAILED (INVALID_SYNTAX for a bad message) */
		ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0,
			       prc ? IKE_N_INVALID_SYNTAX : nat ? nat : IKE_N_AUTHENTICATION_FAILED, NULL, 0);
	} else {
		ike_auth_put(sa, &w);
		const struct ike_pl *sap = find(m, IKE_PL_SA), *tsi = find(m, IKE_PL_TSI),
				    *tsr = find(m, IKE_PL_TSR);
		struct ike_sa_payload sp;
		const struct ike_prop *chosen = NULL;
		if (sap && !ike_sa_parse(sap->body, sap->body_len, &sp, &ds, 0))
			for (unsigned i = 0; i < sp.n_prop && !chosen; i++)
				if (ike_sa_esp_ok(&sp.prop[i], &c->esp))
					chosen = &sp.prop[i];
		/* the answer carries the proposed selectors narrowed to ours (2.9),
		 * and TSi to an assigned home address (RFC 4877 9) */
		struct ike_ts_list ptsi, ptsr;
		bool parsed = tsi && tsr && !ike_ts_parse(tsi->body, tsi->body_len, &ptsi, &ds, 0) &&
			      !ike_ts_parse(tsr->body, tsr->body_len, &ptsr, &ds, 0);
		uint16_t cpe = parsed ? ike_cp_assign(sa, m, &ptsi) : 0;
		ike_cp_put_reply(sa, &w);
		bool ts_ok = parsed && !cpe &&
			     ike_sa_ts_narrow(&c->tsi, &ptsi, &sa->ch[0].tsi) &&
			     ike_sa_ts_narrow(&c->tsr, &ptsr, &sa->ch[0].tsr) &&
			     (!c->child_allowed || c->child_allowed(c->pad_ctx, sa->peer_id_type, sa->peer_id,
								    sa->peer_id_len, &sa->ch[0].tsi, &sa->ch[0].tsr));
		/* transport mode only (RFC 4877 4.3): a request without
		 * USE_TRANSPORT_MODE asks for a tunnel-mode SA (RFC 7296 1.3.1) */
		if (!chosen || !ike_msg_find_notify(m, IKE_N_USE_TRANSPORT_MODE)) {
			sa->child_error = IKE_N_NO_PROPOSAL_CHOSEN;
		} else if (cpe) {
			sa->child_error = cpe;
		} else if (!ts_ok) {
			sa->child_error = IKE_N_TS_UNACCEPTABLE;
		} else {
			sa->child_spi_i = m6_get32(chosen->spi);
			sa->child_spi_r = c->esp_spi;
			struct ike_sa_payload rp;
			memset(&rp, 0, sizeof(rp));
			rp.n_prop = 1;
			ike_sa_esp_prop(&c->esp, chosen->num, c->esp_spi, &rp.prop[0]);
			if (!ike_sa_xf_count(chosen, IKE_XF_ESN))
				rp.prop[0].n_xf--;      /* no ESN transform offered, none answered */
			ike_put_sa(&w, &rp);
			ike_put_ts(&w, IKE_PL_TSI, &sa->ch[0].tsi);
			ike_put_ts(&w, IKE_PL_TSR, &sa->ch[0].tsr);
			ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
			child_keys(sa);
		}
		ike_mobike_put_auth(sa, &w);
		if (sa->child_error)
			ike_put_notify(&w, IKE_PROTO_NONE, NULL, 0, sa->child_error, NULL, 0);
	}
	rc = ike_sa_seal_emit(sa, &w, in_hash, out, cap, out_len);
	OPENSSL_cleanse(resp, sizeof(resp));
	if (rc)
		return fail(sa, rc);
	sa->msgid_in = 2;
	if (arc)
		return fail(sa, arc);
	established(sa);
	return 0;
}

/* ---- input ---- */

int ike_sa_input_msg(struct ike_sa *sa, uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	struct ike_msg m;
	struct m6_diags ds;
	uint8_t h[32];
	*out_len = 0;
	sa->n_ev = 0;
	ike_sa_digest(msg, len, h);
	if (len > IKE_HDR_LEN && !(msg[19] & IKE_FLAG_R) && sa->have_last_in && sa->resp_len &&
	    !CRYPTO_memcmp(h, sa->last_in_hash, 32)) {
		/* IKE-02: the last request again gets the same answer, and
		 * nothing else happens (also once the SA failed: the peer
		 * must learn why) */
		if (sa->resp_len > cap)
			return M6_E_NOMEM;
		memcpy(out, sa->resp, sa->resp_len);
		*out_len = sa->resp_len;
		return 0;
	}
	m6_diags_init(&ds);
	int rc = ike_msg_parse(msg, len, &m, &ds, 0);
	if (rc)
		return rc;
	/* RFC 7383: a fragment, whole once reassembled */
	if (m.sk >= 0 && m.pl[m.sk].type == IKE_PL_SKF)
		return ike_sa_frag_input(sa, &m, msg, len, out, cap, out_len);
	if (sa->state == IKE_SA_FAILED || sa->state == IKE_SA_DELETED)
		return M6_E_IKE_UNEXPECTED;
	bool resp = m.hdr.flags & IKE_FLAG_R;
	if (sa->state == IKE_SA_ESTABLISHED || sa->state == IKE_SA_REKEYED) {
		/* IKE-06: ours by the SPIs alone; the I flag says it is the peer's */
		if (memcmp(m.hdr.spi_i, sa->spi_i, IKE_SPI_LEN) ||
		    memcmp(m.hdr.spi_r, sa->spi_r, IKE_SPI_LEN) ||
		    !(m.hdr.flags & IKE_FLAG_I) != sa->initiator)
			return M6_E_IKE_SPI;
		return ike_sa_input_est(sa, &m, msg, len, h, out, cap, out_len);
	}
	if (sa->initiator) {
		if (!resp || memcmp(m.hdr.spi_i, sa->spi_i, IKE_SPI_LEN))
			return M6_E_IKE_SPI;
		if (sa->state == IKE_SA_INIT_SENT && m.hdr.exchange == IKE_SA_INIT && m.hdr.msgid == 0)
			return on_init_resp(sa, &m, msg, len, out, cap, out_len);
		if (sa->state == IKE_SA_AUTH_SENT && m.hdr.exchange == IKE_AUTH && m.hdr.msgid == 1 &&
		    !memcmp(m.hdr.spi_r, sa->spi_r, IKE_SPI_LEN) && m.sk >= 0)
			return on_auth_resp(sa, &m, msg, len);
		return M6_E_IKE_UNEXPECTED;
	}
	if (resp)
		return M6_E_IKE_UNEXPECTED;
	if (sa->state == IKE_SA_IDLE && m.hdr.exchange == IKE_SA_INIT && m.hdr.msgid == 0)
		return on_init_req(sa, &m, msg, len, out, cap, out_len);
	if (sa->state == IKE_SA_INIT_DONE && m.hdr.exchange == IKE_AUTH && m.hdr.msgid == 1 &&
	    !memcmp(m.hdr.spi_i, sa->spi_i, IKE_SPI_LEN) &&
	    !memcmp(m.hdr.spi_r, sa->spi_r, IKE_SPI_LEN) && m.sk >= 0)
		return on_auth_req(sa, &m, msg, len, out, cap, out_len);
	return M6_E_IKE_UNEXPECTED;
}

int ike_sa_input(struct ike_sa *sa, uint8_t *msg, size_t len, uint8_t *out, size_t cap,
		 size_t *out_len)
{
	int rc = ike_sa_input_msg(sa, msg, len, out, cap, out_len);
	sa->have_rx = false;    /* its addresses were this message's only */
	return rc;
}

int ike_sa_retransmit(const struct ike_sa *sa, uint8_t *out, size_t cap, size_t *out_len)
{
	*out_len = 0;
	bool initial = sa->initiator && (sa->state == IKE_SA_INIT_SENT || sa->state == IKE_SA_AUTH_SENT);
	if (!initial && !sa->req_pending)
		return M6_E_IKE_UNEXPECTED;
	if (sa->last_out_len > cap)
		return M6_E_NOMEM;
	memcpy(out, sa->last_out, sa->last_out_len);
	*out_len = sa->last_out_len;
	return 0;
}

void ike_sa_clear(struct ike_sa *sa)
{
	ike_sk_clear(&sa->sk);
	dh_drop(&sa->dh);
	ike_sa_req_dh_drop(sa);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->last_out);
	free(sa->resp);
	free(sa->peer_id);
	nonces_drop(sa);
	ike_sa_frag_expire(sa);
	if (sa->rk) {
		OPENSSL_cleanse(sa->rk, 2 * sizeof(*sa->rk));   /* the new SAs' keys */
		free(sa->rk);
	}
	OPENSSL_cleanse(sa, sizeof(*sa));
}

size_t ike_sa_heap_bytes(const struct ike_sa *sa)
{
	return sa->init_req_len + sa->init_resp_len + sa->last_out_len + sa->resp_len +
	       (sa->rk ? 2 * sizeof(*sa->rk) : 0) + (sa->req_dh ? sizeof(*sa->req_dh) : 0) + (sa->dh ? sizeof(*sa->dh) : 0) + (sa->ni ? 2 * IKE_NONCE_MAX : 0) + sa->peer_id_len + ike_sk_heap_bytes(&sa->sk) +
	       ike_sa_frag_bytes(sa);
}

int ike_sa_req_dh_init(struct ike_sa *sa, uint16_t group)
{
	return dh_new(&sa->req_dh, group, &sa->cfg->rng);
}

void ike_sa_req_dh_drop(struct ike_sa *sa)
{
	dh_drop(&sa->req_dh);
}

struct ike_rekey *ike_sa_rekeys(struct ike_sa *sa)
{
	if (!sa->rk)
		sa->rk = calloc(2, sizeof(*sa->rk));
	return sa->rk;
}
