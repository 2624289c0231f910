/*
 * cn — correspondent node (RFC 6275 9). See cn.h for the contract.
 *
 * Nonces: a ring of cfg.nonces_kept entries, a new one every
 * nonce_interval_s on a fixed schedule from cn_new(). Each nonce comes with
 * its own Kcn, drawn with it (RFC 6275 5.2.7: "an update of Kcn SHOULD be
 * done at the same time as an update of a nonce, so that nonce indices can
 * identify both"), so a key lives exactly as long as its nonce: the ring
 * slot that forgets a nonce overwrites its key. A nonce is accepted
 * while it is in the ring AND younger than MAX_NONCE_LIFETIME counted from
 * its creation (creation precedes first use, so this is the stricter bound
 * of RR-05). A nonce generated late (the timer ran late) is stamped with its
 * scheduled time, which only shortens its life.
 *
 * Replay (RFC 6275 5.2.8, BU-06): a binding that is deleted or expires is
 * kept in the cache marked invalid, with its last sequence number, until
 * every nonce that exists now is too old. Any BU that could still carry
 * valid nonce indices then meets the sequence number check (135), so a
 * replayed delete or an older registration cannot act again; once the
 * nonces are gone, the replay fails the nonce check instead (136..138).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cn.h"
#include "rr.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../util/m6_bytes.h"
#include "../util/m6_err.h"

#define CN_NONCE_INTERVAL_S 30
#define CN_NONCES_KEPT 8
#define CN_MAX_BINDINGS 256
/* Binding Errors are rate-limited like ICMPv6 errors (RFC 4443 2.4 f):
 * a token bucket of CN_BE_BURST messages refilled at one per interval. */
#define CN_BE_INTERVAL_NS (100 * MIP6_NS_PER_MS)
#define CN_BE_BURST 10
/* The control messages the CN builds: IPv6 + RH2 + at most a 32-octet MH. */
#define CN_CTL_MAX 256
/* cn_output: the largest IPv6 packet plus the RH2 it may gain. */
#define CN_OUT_MAX (IP6_HDR_LEN + 0xffff + IP6_RH2_HDR_LEN)

#define ND_FIRST 133   /* Router Solicitation .. Redirect (RFC 4861) */
#define ND_LAST 137

struct cn_nonce {
	uint8_t kcn[RR_KCN_LEN];   /* RR-01: never leaves this struct */
	uint8_t nonce[RR_NONCE_LEN];
	uint16_t index;
	bool in_use;
	uint64_t created;      /* ns, the scheduled creation time */
};

struct cn {
	struct cn_cfg cfg;
	struct mip6_io io;
	struct bcache *bc;
	struct cn_nonce *nonces;   /* ring of cfg.nonces_kept */
	unsigned nonce_head;       /* slot the next nonce goes to */
	uint16_t next_index;
	uint64_t interval_ns;
	uint64_t next_rotation;
	uint64_t be_credit;        /* ns of Binding Error credit */
	uint64_t be_last;
	uint64_t cb_now;           /* `now` for the bcache_expire callback */
	uint8_t ctl[CN_CTL_MAX];
	uint8_t out[CN_OUT_MAX];
};

static const uint8_t zero16[16];

/* ---- events ---- */

static void emit(struct cn *cn, enum m6_ev_type t, const uint8_t *peer, const uint8_t *addr, int32_t code,
		 uint32_t u32, const char *text)
{
	mip6_emit(&cn->io, t, peer, addr, code, u32, text);
}

static void drop(struct cn *cn, const uint8_t *peer, int reason, const char *text)
{
	emit(cn, M6_EV_DROP, peer, NULL, reason, 0, text);
}

/* ---- nonces (RR-01, RR-05) ---- */

static void nonce_add(struct cn *cn, uint64_t created)
{
	struct cn_nonce *n = &cn->nonces[cn->nonce_head];
	cn->nonce_head = (cn->nonce_head + 1) % cn->cfg.nonces_kept;
	cn->io.random(cn->io.ctx, n->kcn, RR_KCN_LEN);
	cn->io.random(cn->io.ctx, n->nonce, RR_NONCE_LEN);
	n->index = cn->next_index++;
	n->created = created;
	n->in_use = true;
}

static void nonce_rotate(struct cn *cn, uint64_t now)
{
	if (now < cn->next_rotation)
		return;
	uint64_t due = (now - cn->next_rotation) / cn->interval_ns + 1;
	/* After a long gap only the last nonces_kept would survive: make just
	 * those, but let the indices advance as if all had been made. */
	uint64_t skip = due > cn->cfg.nonces_kept ? due - cn->cfg.nonces_kept : 0;
	cn->next_index = (uint16_t)(cn->next_index + skip);
	for (uint64_t i = skip; i < due; i++)
		nonce_add(cn, cn->next_rotation + i * cn->interval_ns);
	cn->next_rotation += due * cn->interval_ns;
}

static const struct cn_nonce *nonce_current(const struct cn *cn)
{
	unsigned k = cn->cfg.nonces_kept;
	return &cn->nonces[(cn->nonce_head + k - 1) % k];
}

static const struct cn_nonce *nonce_find(const struct cn *cn, uint16_t index, uint64_t now)
{
	const uint64_t life = MIP6_MAX_NONCE_LIFETIME_S * MIP6_NS_PER_S;
	for (unsigned i = 0; i < cn->cfg.nonces_kept; i++) {
		const struct cn_nonce *n = &cn->nonces[i];
		if (n->in_use && n->index == index && now >= n->created && now - n->created < life)
			return n;
	}
	return NULL;
}

/* Until when a BU authorised by a nonce that exists now could be replayed. */
static uint64_t replay_guard_until(const struct cn *cn)
{
	return nonce_current(cn)->created + MIP6_MAX_NONCE_LIFETIME_S * MIP6_NS_PER_S;
}

/* ---- lifecycle ---- */

struct cn *cn_new(const struct cn_cfg *cfg, const struct mip6_io *io, uint64_t now)
{
	if (!cfg || !io || !io->send || !io->event || !io->random)
		return NULL;
	struct cn *cn = calloc(1, sizeof(*cn));
	if (!cn)
		return NULL;
	cn->cfg = *cfg;
	cn->io = *io;
	if (!cn->cfg.nonce_interval_s)
		cn->cfg.nonce_interval_s = CN_NONCE_INTERVAL_S;
	if (!cn->cfg.nonces_kept)
		cn->cfg.nonces_kept = CN_NONCES_KEPT;
	if (!cn->cfg.max_bindings)
		cn->cfg.max_bindings = CN_MAX_BINDINGS;
	cn->interval_ns = (uint64_t)cn->cfg.nonce_interval_s * MIP6_NS_PER_S;
	cn->bc = bcache_new(cn->cfg.max_bindings);
	cn->nonces = calloc(cn->cfg.nonces_kept, sizeof(*cn->nonces));
	if (!cn->bc || !cn->nonces) {
		cn_free(cn);
		return NULL;
	}
	/* the first nonce index is random so a restarted CN does not hand out
	 * the indices of its former life */
	uint8_t idx[2], key[16];
	io->random(io->ctx, idx, sizeof(idx));
	cn->next_index = m6_get16(idx);
	nonce_add(cn, now);
	/* any host that passes RR picks the home addresses we hash: key it */
	io->random(io->ctx, key, sizeof(key));
	bcache_set_key(cn->bc, key);
	OPENSSL_cleanse(key, sizeof(key));
	cn->next_rotation = now + cn->interval_ns;
	cn->be_credit = CN_BE_BURST * CN_BE_INTERVAL_NS;
	cn->be_last = now;
	return cn;
}

void cn_free(struct cn *cn)
{
	if (!cn)
		return;
	if (cn->nonces)
		OPENSSL_cleanse(cn->nonces, cn->cfg.nonces_kept * sizeof(*cn->nonces));
	free(cn->nonces);
	bcache_free(cn->bc);
	free(cn);
}

struct bcache *cn_bcache(struct cn *cn)
{
	return cn->bc;
}

static void expire_cb(void *ctx, struct bce *e)
{
	struct cn *cn = ctx;
	if (!e->valid)
		return;                 /* a replay guard whose time is up: remove */
	emit(cn, M6_EV_BINDING_EXPIRED, e->hoa, e->coa, 0, e->lifetime_s, NULL);
	uint64_t until = replay_guard_until(cn);
	e->valid = false;
	if (until > cn->cb_now)
		e->expires = until;     /* kept for its sequence number (5.2.8) */
}

static void maintain(struct cn *cn, uint64_t now)
{
	nonce_rotate(cn, now);
	if (bcache_next_expiry(cn->bc) <= now) {
		cn->cb_now = now;
		bcache_expire(cn->bc, now, expire_cb, cn);
	}
}

uint64_t cn_next_expiry(const struct cn *cn)
{
	uint64_t t = bcache_next_expiry(cn->bc);
	return cn->next_rotation < t ? cn->next_rotation : t;
}

void cn_on_timer(struct cn *cn, uint64_t now)
{
	maintain(cn, now);
}

/* ---- sending ---- */

/* RFC 6275 9.3.3: never to a source that is not a unicast address. */
static bool unicast_dst(const uint8_t a[16])
{
	return !ip6_addr_is_multicast(a) && memcmp(a, zero16, 16) != 0;
}

static bool be_allowed(struct cn *cn, uint64_t now)
{
	const uint64_t cap = CN_BE_BURST * CN_BE_INTERVAL_NS;
	if (now > cn->be_last) {
		uint64_t add = now - cn->be_last;
		cn->be_credit = add >= cap - cn->be_credit ? cap : cn->be_credit + add;
		cn->be_last = now;
	}
	if (cn->be_credit < CN_BE_INTERVAL_NS)
		return false;
	cn->be_credit -= CN_BE_INTERVAL_NS;
	return true;
}

/* MH-09: a Binding Error to the wire source; returns why it was not sent. */
static const char *send_be(struct cn *cn, const uint8_t dst[16], uint8_t status, const uint8_t *hoa,
			   uint64_t now)
{
	if (!unicast_dst(dst))
		return "no Binding Error: source not unicast";
	if (!be_allowed(cn, now))
		return "Binding Error rate-limited";
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BE;
	m.status = status;
	memcpy(m.hoa, hoa ? hoa : zero16, 16);
	int n = mip6_build_mh(cn->ctl, sizeof(cn->ctl), cn->cfg.addr, dst, NULL, NULL, &m);
	if (n < 0)
		return "Binding Error not built";
	cn->io.send(cn->io.ctx, cn->ctl, (size_t)n);
	emit(cn, M6_EV_BE_SENT, dst, hoa, status, 0, NULL);
	return NULL;
}

struct ba_args {
	const uint8_t *dst;        /* the BU's wire source */
	const uint8_t *hoa;
	bool rh2;                  /* the BU had a HAO: route the BA by an RH2 (BA-01) */
	uint8_t status;
	uint16_t seq;
	uint32_t lifetime_s;
	const uint8_t *kbm;        /* NULL: no BAD (136..138, or no key at all) */
	const uint8_t *bad_coa;    /* care-of address of the BAD (the HoA for a delete) */
};

static void send_ba(struct cn *cn, const struct ba_args *a)
{
	static const uint8_t placeholder[RR_AUTH_LEN];
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BA;
	m.status = a->status;
	m.flags = 0;               /* K = 0: a CN never moves a key manager (MH-08) */
	m.seq = a->seq;
	m.lifetime = mh_lifetime_units(a->lifetime_s);
	if (a->kbm)
		m.opts[m.n_opts++] = (struct mh_opt){ .type = MHO_BAD, .len = RR_AUTH_LEN, .data = placeholder };
	const uint8_t *rh2 = a->rh2 ? a->hoa : NULL;
	int n = mip6_build_mh(cn->ctl, sizeof(cn->ctl), cn->cfg.addr, a->dst, NULL, rh2, &m);
	if (n < 0) {
		drop(cn, a->hoa, n, "Binding Acknowledgement not built");
		return;
	}
	uint8_t *mh = cn->ctl + IP6_HDR_LEN + (rh2 ? IP6_RH2_HDR_LEN : 0);
	size_t mlen = (size_t)n - (size_t)(mh - cn->ctl);
	if (a->kbm) {
		/* BAD is last with no padding after it, so the authenticator
		 * closes the MH; it covers the final message, checksum aside. */
		uint8_t auth[RR_AUTH_LEN];
		if (rr_bad(a->kbm, a->bad_coa, cn->cfg.addr, mh, mlen, mlen - RR_AUTH_LEN, auth)) {
			drop(cn, a->hoa, M6_E_CRYPTO, "BA authenticator");
			return;
		}
		memcpy(mh + mlen - RR_AUTH_LEN, auth, RR_AUTH_LEN);
		mh_set_checksum(mh, mlen, cn->cfg.addr, rh2 ? rh2 : a->dst);
	}
	cn->io.send(cn->io.ctx, cn->ctl, (size_t)n);
	emit(cn, M6_EV_BA_SENT, a->hoa, a->dst, a->status, a->status < 128 ? a->lifetime_s : 0, NULL);
}

/* ---- HoTI / CoTI (RFC 6275 9.4) ---- */

static void input_test_init(struct cn *cn, const struct ip6_walk *w, const struct mh_msg *m)
{
	bool home = m->type == MH_HOTI;
	const uint8_t *src = w->hdr.src;
	if (w->hao_off >= 0) {
		drop(cn, src, M6_E_RR_HAO, home ? "HoTI with a HAO" : "CoTI with a HAO");
		return;
	}
	if (!ip6_addr_unicast_routable(src)) {
		drop(cn, src, M6_E_BU_ADDR, home ? "HoTI source" : "CoTI source");
		return;
	}
	const struct cn_nonce *n = nonce_current(cn);
	struct mh_msg r;
	memset(&r, 0, sizeof(r));
	r.proto = IP6P_NONE;
	r.type = home ? MH_HOT : MH_COT;
	r.nonce_index = n->index;
	memcpy(r.cookie, m->cookie, MH_COOKIE_LEN);
	if (rr_token(n->kcn, src, n->nonce, home ? RR_HOME : RR_CAREOF, r.token)) {
		drop(cn, src, M6_E_CRYPTO, "keygen token");
		return;
	}
	int len = mip6_build_mh(cn->ctl, sizeof(cn->ctl), cn->cfg.addr, src, NULL, NULL, &r);
	OPENSSL_cleanse(r.token, sizeof(r.token));
	if (len < 0) {
		drop(cn, src, len, "HoT/CoT not built");
		return;
	}
	cn->io.send(cn->io.ctx, cn->ctl, (size_t)len);
	emit(cn, home ? M6_EV_HOT_SENT : M6_EV_COT_SENT, src, NULL, n->index, 0, NULL);
}

/* ---- Binding Update (RFC 6275 9.5) ---- */

struct bu_ctx {
	const uint8_t *src, *hoa, *coa;
	bool hao;
	uint16_t seq;
	bool ack, del;
	uint32_t lifetime_s;
};

static void bu_answer(struct cn *cn, const struct bu_ctx *b, uint8_t status, uint16_t seq, uint32_t life,
		      const uint8_t *kbm)
{
	struct ba_args a = {
		.dst = b->src, .hoa = b->hoa, .rh2 = b->hao, .status = status, .seq = seq,
		.lifetime_s = life, .kbm = kbm, .bad_coa = b->del ? b->hoa : b->coa,
	};
	send_ba(cn, &a);
}

/* Nonce indices the CN no longer knows (BU-04): 0 when both are fine. */
static uint8_t nonce_status(const struct cn *cn, const struct bu_ctx *b, const struct cn_nonce **hn,
			    const struct cn_nonce **cnn, uint16_t hidx, uint16_t cidx, uint64_t now)
{
	*hn = nonce_find(cn, hidx, now);
	/* the care-of index is not inspected for a delete (9.5.1) */
	*cnn = b->del ? NULL : nonce_find(cn, cidx, now);
	bool home_bad = !*hn, coa_bad = !b->del && !*cnn;
	if (home_bad && coa_bad)
		return MH_BA_EXPIRED_NONCES;
	if (home_bad)
		return MH_BA_EXPIRED_HOME_NONCE;
	return coa_bad ? MH_BA_EXPIRED_COA_NONCE : 0;
}

/* Regenerate the tokens and Kbm, then check the authenticator in constant
 * time. Any failure reads as a mismatch. */
static bool bu_verify(struct cn *cn, const struct bu_ctx *b, const struct cn_nonce *hn,
		      const struct cn_nonce *cnn, const uint8_t *mh, size_t mlen, const struct mh_opt *bad,
		      uint8_t kbm[RR_KBM_LEN])
{
	uint8_t ht[RR_TOKEN_LEN], ct[RR_TOKEN_LEN], auth[RR_AUTH_LEN];
	size_t auth_off = (size_t)bad->off + 2;
	/* each token under the Kcn of its own nonce (5.2.7) */
	int rc = rr_token(hn->kcn, b->hoa, hn->nonce, RR_HOME, ht);
	if (!rc && !b->del)
		rc = rr_token(cnn->kcn, b->coa, cnn->nonce, RR_CAREOF, ct);
	if (!rc)
		rc = rr_kbm(ht, b->del ? NULL : ct, kbm);
	if (!rc)
		rc = rr_bad(kbm, b->del ? b->hoa : b->coa, cn->cfg.addr, mh, mlen, auth_off, auth);
	bool ok = !rc && CRYPTO_memcmp(auth, bad->data, RR_AUTH_LEN) == 0;
	OPENSSL_cleanse(ht, sizeof(ht));
	OPENSSL_cleanse(ct, sizeof(ct));
	return ok;
}

static void bu_delete(struct cn *cn, const struct bu_ctx *b, struct bce *e, const uint8_t *kbm)
{
	/* BU-06: never create an entry for a delete; an existing one (binding
	 * or replay guard) keeps the new sequence number as a guard. */
	if (e) {
		if (e->valid)
			emit(cn, M6_EV_BINDING_DELETED, b->hoa, e->coa, b->seq, 0, NULL);
		e->valid = false;
		e->seq = b->seq;
		memcpy(e->last_coa, b->coa, 16);
		e->lifetime_s = 0;
		bcache_set_expiry(cn->bc, e, replay_guard_until(cn));
	}
	if (b->ack)
		bu_answer(cn, b, MH_BA_ACCEPTED, b->seq, 0, kbm);
}

static void bu_cache(struct cn *cn, const struct bu_ctx *b, struct bce *e, const uint8_t *kbm, uint64_t now)
{
	/* RR-05: route optimisation bindings are capped (5.2.6) */
	uint32_t life = b->lifetime_s < MIP6_MAX_RR_BINDING_LIFETIME_S ? b->lifetime_s
								       : MIP6_MAX_RR_BINDING_LIFETIME_S;
	bool fresh = !e || !e->valid;
	if (!e) {
		int err = 0;
		e = bcache_get_or_add(cn->bc, b->hoa, &err);
		if (!e) {
			bu_answer(cn, b, MH_BA_INSUFFICIENT_RESOURCES, b->seq, 0, kbm);
			return;
		}
	}
	memcpy(e->coa, b->coa, 16);
	memcpy(e->last_coa, b->coa, 16);
	e->seq = b->seq;
	e->home_reg = false;
	e->valid = true;
	e->lifetime_s = life;
	bcache_set_expiry(cn->bc, e, now + (uint64_t)life * MIP6_NS_PER_S);
	emit(cn, fresh ? M6_EV_BINDING_ADDED : M6_EV_BINDING_UPDATED, b->hoa, b->coa, b->seq, life, NULL);
	if (b->ack)
		bu_answer(cn, b, MH_BA_ACCEPTED, b->seq, life, kbm);
}

static void input_bu(struct cn *cn, const uint8_t *pkt, const struct ip6_walk *w, const uint8_t *mh,
		     size_t mlen, const struct mh_msg *m, uint64_t now)
{
	const uint8_t *hao = ip6_walk_hoa(w, pkt);
	const struct mh_opt *acoa = mh_find_opt(m, MHO_ACOA);
	struct bu_ctx b = {
		.src = w->hdr.src, .hoa = hao ? hao : w->hdr.src, .coa = acoa ? acoa->data : w->hdr.src,
		.hao = hao != NULL, .seq = m->seq, .ack = (m->flags & MH_BU_A) != 0,
		.del = m->lifetime == 0, .lifetime_s = mh_lifetime_seconds(m->lifetime),
	};
	emit(cn, M6_EV_BU_RECEIVED, b.hoa, b.coa, b.seq, b.lifetime_s, NULL);
	/* BU-01; the BA goes to the wire source, so it must be unicast too (9.5.4) */
	if (!ip6_addr_unicast_routable(b.hoa) || !ip6_addr_unicast_routable(b.coa) ||
	    !ip6_addr_unicast_routable(b.src)) {
		drop(cn, b.hoa, M6_E_BU_ADDR, "BU addresses");
		return;
	}
	if (m->flags & MH_BU_H) {
		/* HA-01: not a home agent. No key exists to sign this BA. */
		bu_answer(cn, &b, MH_BA_HOME_REG_NOT_SUPPORTED, b.seq, 0, NULL);
		return;
	}
	const struct mh_opt *ni = mh_find_opt(m, MHO_NI), *bad = mh_find_opt(m, MHO_BAD);
	if (!ni || !bad || (size_t)bad->off + 2 + RR_AUTH_LEN != mlen) {
		drop(cn, b.hoa, M6_E_BAD_AUTH, "BU without Nonce Indices and a final BAD");
		return;
	}
	const struct cn_nonce *hn, *cnn;
	uint8_t st = nonce_status(cn, &b, &hn, &cnn, m6_get16(ni->data), m6_get16(ni->data + 2), now);
	if (st) {
		bu_answer(cn, &b, st, b.seq, 0, NULL);   /* BA-01: no BAD with 136..138 */
		return;
	}
	uint8_t kbm[RR_KBM_LEN];
	if (!bu_verify(cn, &b, hn, cnn, mh, mlen, bad, kbm)) {
		OPENSSL_cleanse(kbm, sizeof(kbm));
		drop(cn, b.hoa, M6_E_BAD_AUTH, "BU authenticator does not verify");
		return;
	}
	struct bce *e = bcache_lookup(cn->bc, b.hoa);
	if (e && !mh_seq_newer(b.seq, e->seq))
		bu_answer(cn, &b, MH_BA_SEQ_OUT_OF_WINDOW, e->seq, 0, kbm);   /* BU-02 */
	else if (b.del)
		bu_delete(cn, &b, e, kbm);
	else
		bu_cache(cn, &b, e, kbm, now);
	OPENSSL_cleanse(kbm, sizeof(kbm));
}

/* ---- Mobility Header input ---- */

void cn_input_mh(struct cn *cn, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		 const struct ipsec_sa *sa, uint64_t now)
{
	(void)sa;   /* return routability authorises by itself, not through IPsec */
	maintain(cn, now);
	if (w->proto != IP6P_MH || w->end > len || w->proto_off >= w->end) {
		drop(cn, w->hdr.src, M6_E_MH_TRUNC, "no Mobility Header");
		return;
	}
	const uint8_t *mh = pkt + w->proto_off;
	size_t mlen = w->end - w->proto_off;
	if (w->hao_off >= 0 && !ip6_walk_hoa(w, pkt)) {
		/* a broken HAO must not let the wire source pose as the HoA */
		drop(cn, w->hdr.src, w->diags.n ? w->diags.d[0].code : M6_E_HAO_PLACE, "unusable HAO");
		return;
	}
	uint8_t psrc[16], pdst[16];
	ip6_walk_pseudo(w, pkt, psrc, pdst);
	if (memcmp(pdst, cn->cfg.addr, 16) != 0) {
		/* replies come from cfg.addr and the BAD covers it: only it speaks RR */
		drop(cn, w->hdr.src, M6_E_MH_UNEXPECTED, "MH not addressed to the correspondent address");
		return;
	}
	if (!mh_verify_checksum(mh, mlen, psrc, pdst)) {
		drop(cn, w->hdr.src, M6_E_MH_CKSUM, NULL);   /* MH-03: silent */
		return;
	}
	struct mh_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	int rc = mh_parse(mh, mlen, &m, &ds, w->proto_off);
	if (m6_diags_has(&ds, M6_E_MH_TYPE)) {
		/* MH-06: Home Address field from the wire HAO, else :: (9.3.3) */
		const char *why = send_be(cn, w->hdr.src, MH_BE_UNKNOWN_MH_TYPE, ip6_walk_hoa(w, pkt), now);
		drop(cn, w->hdr.src, M6_E_MH_TYPE, why ? why : "Binding Error 2 sent");
		return;
	}
	if (rc || ds.n || ds.dropped) {
		/* OPT-04 (BAD not last), OPT-06 (NI with H), ... : silent discard */
		drop(cn, w->hdr.src, ds.n ? ds.d[0].code : (rc ? rc : M6_E_INVAL), "malformed Mobility Header");
		return;
	}
	switch (m.type) {
	case MH_HOTI:
	case MH_COTI:
		input_test_init(cn, w, &m);
		return;
	case MH_BU:
		input_bu(cn, pkt, w, mh, mlen, &m, now);
		return;
	default:
		drop(cn, w->hdr.src, M6_E_MH_UNEXPECTED, mh_type_name(m.type));
		return;
	}
}

/* ---- data path ---- */

static const struct bce *binding_for(struct cn *cn, const uint8_t hoa[16], uint64_t now)
{
	const struct bce *e = bcache_lookup(cn->bc, hoa);
	/* an entry the timer has not expired yet is no longer a binding */
	return e && e->valid && now < e->expires ? e : NULL;
}

void cn_output(struct cn *cn, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct ip6_walk w;
	const struct bce *e;
	struct pbuf pb;
	uint8_t *p;
	if (ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w) != 0 || (e = binding_for(cn, w.hdr.dst, now)) == NULL)
		goto as_is;
	/* RH2-04: never for Neighbor Discovery */
	if (w.proto == IP6P_ICMPV6 && w.proto_off < w.end && pkt[w.proto_off] >= ND_FIRST &&
	    pkt[w.proto_off] <= ND_LAST)
		goto as_is;
	if (memcmp(e->coa, e->hoa, 16) == 0 || len > sizeof(cn->out) - IP6_RH2_HDR_LEN)
		goto as_is;
	pbuf_init(&pb, cn->out, sizeof(cn->out), IP6_RH2_HDR_LEN);
	if (pbuf_put(&pb, len, &p))
		goto as_is;
	memcpy(p, pkt, len);
	/* The RH2 holds the home address and the header the care-of address;
	 * the upper-layer checksum keeps the HoA as its final destination. */
	if (ip6_insert_rh2(&pb, e->hoa))
		goto as_is;   /* e.g. a Routing header already there: via the HA instead */
	memcpy(pbuf_data(&pb) + 24, e->coa, 16);
	cn->io.send(cn->io.ctx, pbuf_data(&pb), pb.len);
	return;
as_is:
	cn->io.send(cn->io.ctx, pkt, len);
}

int cn_input_hao(struct cn *cn, uint8_t *pkt, size_t len, const struct ip6_walk *w,
		 const struct ipsec_sa *sa, uint64_t now)
{
	if (w->hao_off < 0)
		return 0;
	const uint8_t *hoa = ip6_walk_hoa(w, pkt);
	if (!hoa || (size_t)w->hao_off + 2 + 16 > len)
		return w->diags.n ? w->diags.d[0].code : M6_E_HAO_PLACE;
	if (!ip6_addr_unicast_routable(hoa))
		return M6_E_HAO_ADDR;                                  /* HAO-05 */
	uint8_t nh = IP6P_NONE;
	for (unsigned i = 0; i < w->n_ext; i++) {
		const struct ip6_ext *x = &w->ext[i];
		if (x->proto == IP6P_DSTOPTS && (size_t)w->hao_off > x->off &&
		    (size_t)w->hao_off < (size_t)x->off + x->len)
			nh = pkt[x->off];
	}
	/* HAO-06: IPsec and Mobility Header processing read the HAO themselves
	 * (AH and the SPD need the wire form), so these pass untouched. */
	if (nh == IP6P_ESP || nh == IP6P_AH || nh == IP6P_MH)
		return 0;
	/* After IPsec processing (sa != NULL) the packet was ESP/AH on the wire:
	 * processed normally (HAO-06), yet upper layers still see the HoA. */
	const struct bce *e = sa ? NULL : binding_for(cn, hoa, now);
	if (!sa && (!e || memcmp(e->coa, w->hdr.src, 16) != 0)) {
		uint8_t h[16], src[16];
		memcpy(h, hoa, 16);
		memcpy(src, w->hdr.src, 16);
		send_be(cn, src, MH_BE_UNKNOWN_BINDING, h, now);
		return M6_E_HAO_NO_BINDING;
	}
	/* HAO-08: upper layers see the home address as the source */
	uint8_t t[16];
	uint8_t *field = pkt + w->hao_off + 2;
	memcpy(t, pkt + 8, 16);
	memcpy(pkt + 8, field, 16);
	memcpy(field, t, 16);
	return 0;
}
