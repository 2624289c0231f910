#include "ike_km.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ipsec/pad.h"
#include "../ipsec/replay.h"
#include "../node/node.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../util/m6_bytes.h"
#include "../util/m6_err.h"
#include "ike_const.h"

#define KEYLOG_IKE_MAX 32
#define KEYLOG_CHILD_MAX 64
#define NS 1000000000ull

struct slot {
	bool used;
	struct ike_sa sa;
	struct ike_sa_cfg cfg;          /* per slot: its own inbound ESP SPI */
	struct ike_km *km;
	uint8_t local[16], peer[16];
	uint32_t in_spi;                /* larval until installed */
	bool larval, installed;
	uint32_t out_spi;
	unsigned tries;
	uint64_t due;                   /* retransmission (initiator), forgetting (responder) */
	uint64_t created;
};

struct ike_km {
	struct ike_km_cfg cfg;
	struct node *n;
	unsigned n_slots;
	struct slot *slots;
	uint8_t in[IKE_SA_MSG_MAX], out[IKE_SA_MSG_MAX];
	struct ike_km_stats st;
	size_t n_ike, n_child;
	struct ike_km_ike_keys *ike_log;
	struct ike_km_child_keys *child_log;
};

/* ---- names and algorithms ---- */

const char *ike_km_ws_encr(const struct ike_suite *s)
{
	switch (s->encr) {
	case IKE_ENCR_AES_CBC:
		return s->encr_bits == 128 ? "AES-CBC-128 [RFC3602]" : s->encr_bits == 192 ? "AES-CBC-192 [RFC3602]"
		     : s->encr_bits == 256 ? "AES-CBC-256 [RFC3602]" : NULL;
	case IKE_ENCR_AES_GCM_16:
		return s->encr_bits == 128 ? "AES-GCM-128 with 16 octet ICV [RFC5282]"
		     : s->encr_bits == 192 ? "AES-GCM-192 with 16 octet ICV [RFC5282]"
		     : s->encr_bits == 256 ? "AES-GCM-256 with 16 octet ICV [RFC5282]" : NULL;
	case IKE_ENCR_CHACHA20_POLY1305:
		return "ChaCha20-Poly1305 [RFC7634]";
	default:
		return NULL;
	}
}

const char *ike_km_ws_integ(const struct ike_suite *s)
{
	switch (s->integ) {
	case IKE_INTEG_NONE:
		return "NONE [RFC4306]";
	case IKE_INTEG_HMAC_SHA2_256_128:
		return "HMAC_SHA2_256_128 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_384_192:
		return "HMAC_SHA2_384_192 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_512_256:
		return "HMAC_SHA2_512_256 [RFC4868]";
	default:
		return NULL;
	}
}

int ike_km_esp_xform(const struct ike_child_alg *a, enum m6_enc *enc, enum m6_auth *auth)
{
	switch (a->encr) {
	case IKE_ENCR_NULL: *enc = M6_ENC_NULL; break;
	case IKE_ENCR_AES_CBC: *enc = M6_ENC_AES_CBC; break;
	case IKE_ENCR_AES_GCM_16: *enc = M6_ENC_AES_GCM_16; break;
	case IKE_ENCR_CHACHA20_POLY1305: *enc = M6_ENC_CHACHA20_POLY1305; break;
	default: return M6_E_ALG;
	}
	switch (a->integ) {
	case IKE_INTEG_NONE: *auth = M6_AUTH_NONE; break;
	case IKE_INTEG_HMAC_SHA1_96: *auth = M6_AUTH_HMAC_SHA1_96; break;
	case IKE_INTEG_HMAC_SHA2_256_128: *auth = M6_AUTH_HMAC_SHA256_128; break;
	case IKE_INTEG_HMAC_SHA2_512_256: *auth = M6_AUTH_HMAC_SHA512_256; break;
	default: return M6_E_ALG;
	}
	/* an AEAD carries its own integrity; anything else needs one */
	if (m6_enc_is_aead(*enc) != (*auth == M6_AUTH_NONE))
		return M6_E_ALG;
	return 0;
}

/* ---- slots ---- */

static void km_random(void *ctx, uint8_t *out, size_t n)
{
	struct ike_km *k = ctx;
	node_km_random(k->n, out, n);
}

static void slot_free(struct ike_km *k, struct slot *s)
{
	if (s->larval)
		node_sa_delete(k->n, s->in_spi, IP6P_ESP, true);
	ike_sa_clear(&s->sa);
	OPENSSL_cleanse(s, sizeof(*s));
}

static void ts_one(struct ike_ts_list *l, const uint8_t *addr)
{
	memset(l, 0, sizeof(*l));
	l->n = 1;
	l->ts[0].type = IKE_TS_IPV6_ADDR_RANGE;
	l->ts[0].proto = IP6P_MH;
	/* MH types BU..BA in the port fields (RFC 4301 4.4.1.1, 4877-06) */
	l->ts[0].start_port = MH_BU << 8;
	l->ts[0].end_port = MH_BA << 8 | 0xff;
	if (addr) {
		memcpy(l->ts[0].start, addr, 16);
		memcpy(l->ts[0].end, addr, 16);
	} else {
		memset(l->ts[0].end, 0xff, 16);
	}
}

/* The PAD entry for an IKE identity (RFC 4301 4.4.3). */
static const struct pad_entry *pad_for(const struct ike_km *k, uint8_t type, const uint8_t *id, size_t len)
{
	struct bits *b = node_bits(k->n);
	if (!b || !b->pad)
		return NULL;
	if (type == IKE_ID_IPV6_ADDR)
		return len == 16 ? pad_match_addr(b->pad, id) : NULL;
	char text[PAD_ID_MAX];
	if (len == 0 || len >= sizeof(text) || memchr(id, 0, len))
		return NULL;
	memcpy(text, id, len);
	text[len] = 0;
	return pad_match(b->pad, (enum pad_id_type)type, text);
}

static int pad_psk(void *ctx, uint8_t type, const uint8_t *id, size_t len, const uint8_t **psk, size_t *psk_len)
{
	struct slot *s = ctx;
	const struct pad_entry *e = pad_for(s->km, type, id, len);
	if (!e || e->auth != PAD_AUTH_PSK)
		return M6_E_IKE_PEER_ID;
	if (e->psk_len) {
		*psk = e->psk;
		*psk_len = e->psk_len;
	}
	return 0;
}

/* 4877-02/03: an identity may claim only its own home addresses. */
static bool pad_child(void *ctx, uint8_t type, const uint8_t *id, size_t len, const struct ike_ts_list *tsi,
		      const struct ike_ts_list *tsr)
{
	struct slot *s = ctx;
	(void)tsr;
	const struct pad_entry *e = pad_for(s->km, type, id, len);
	if (!e || !tsi->n)
		return false;
	for (unsigned i = 0; i < tsi->n; i++)
		if (tsi->ts[i].type != IKE_TS_IPV6_ADDR_RANGE || memcmp(tsi->ts[i].start, tsi->ts[i].end, 16) ||
		    !pad_hoa_allowed(e, tsi->ts[i].start))
			return false;
	return true;
}

static struct slot *slot_new(struct ike_km *k, uint64_t now)
{
	struct slot *s = NULL, *oldest = NULL;
	for (unsigned i = 0; i < k->n_slots && !s; i++)
		if (!k->slots[i].used)
			s = &k->slots[i];
	for (unsigned i = 0; i < k->n_slots && !s; i++) {
		struct slot *o = &k->slots[i];
		bool half = o->sa.state != IKE_SA_ESTABLISHED;
		if (half && (!oldest || o->created < oldest->created))
			oldest = o;
	}
	if (!s && oldest) {
		/* under load a half-open SA gives way to a new one */
		slot_free(k, oldest);
		s = oldest;
	}
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	uint32_t spi;
	if (node_sa_reserve_spi(k->n, IP6P_ESP, &spi))
		return NULL;
	s->used = true;
	s->km = k;
	s->in_spi = spi;
	s->larval = true;
	s->created = now;
	const struct ike_km_cfg *c = &k->cfg;
	struct ike_sa_cfg *sc = &s->cfg;
	memcpy(sc->ike, c->ike, sizeof(sc->ike));
	sc->n_ike = c->n_ike;
	sc->esp = c->esp;
	sc->esp_spi = spi;
	sc->id_type = c->id_type;
	sc->id = c->id;
	sc->id_len = c->id_len;
	sc->peer_id_type = c->peer_id_type;
	sc->peer_id = c->peer_id;
	sc->peer_id_len = c->peer_id_len;
	sc->psk = c->psk;
	sc->psk_len = c->psk_len;
	sc->rng = (struct ike_rng){ km_random, k };
	if (c->initiator) {
		ts_one(&sc->tsi, c->home);
		ts_one(&sc->tsr, c->peer);
	} else {
		ts_one(&sc->tsi, NULL);
		ts_one(&sc->tsr, NULL);
		sc->peer_psk = pad_psk;
		sc->child_allowed = pad_child;
		sc->pad_ctx = s;
	}
	return s;
}

/* ---- installing the Child SA ---- */

static bool in_range(const uint8_t *a, const uint8_t *lo, const uint8_t *hi)
{
	return memcmp(a, lo, 16) >= 0 && memcmp(a, hi, 16) <= 0;
}

/* The first PROTECT policy of a direction whose selectors cover this
 * pair of addresses and meet the negotiated protocol and ports. */
static uint32_t policy_for(struct ike_km *k, enum spd_dir dir, const uint8_t *local, const uint8_t *remote,
			   const struct ike_ts *ts)
{
	const struct spd *spd = node_bits(k->n)->spd;
	for (size_t i = 0;; i++) {
		const struct spd_entry *e = spd_at(spd, dir, i);
		if (!e)
			return 0;
		const struct spd_sel *x = &e->sel;
		if (e->action != SPD_PROTECT || e->protect.ipsec_proto != IP6P_ESP || e->protect.mode != SA_TRANSPORT)
			continue;
		if (!in_range(local, x->local_lo, x->local_hi) || !in_range(remote, x->remote_lo, x->remote_hi))
			continue;
		if (x->proto != SPD_PROTO_ANY && x->proto != ts->proto)
			continue;
		if (x->lport.hi < ts->start_port || x->lport.lo > ts->end_port)
			continue;
		return e->id;
	}
}

static void log_child(struct ike_km *k, const struct ipsec_sa *sa, const struct m6_xform_cfg *x)
{
	if (!k->cfg.keep_keys || k->n_child >= KEYLOG_CHILD_MAX)
		return;
	struct ike_km_child_keys *c = &k->child_log[k->n_child++];
	c->spi = sa->spi;
	memcpy(c->src, sa->src, 16);
	memcpy(c->dst, sa->dst, 16);
	c->x = *x;
}

static int add_sa(struct ike_km *k, struct slot *s, bool inbound, uint32_t spi, uint32_t spd_id,
		  const uint8_t *local, const uint8_t *remote, const struct ike_ts *ts)
{
	const struct ike_child_keys *ck = &s->sa.child;
	struct m6_xform_cfg x;
	struct ipsec_sa sa;
	memset(&x, 0, sizeof(x));
	memset(&sa, 0, sizeof(sa));
	int rc = ike_km_esp_xform(&k->cfg.esp, &x.enc, &x.auth);
	if (rc)
		return rc;
	/* KEYMAT: initiator-to-responder keys first (IKE-13) */
	bool i2r = inbound != s->sa.initiator;
	memcpy(x.ekey, i2r ? ck->ei : ck->er, ck->e_len);
	memcpy(x.akey, i2r ? ck->ai : ck->ar, ck->a_len);
	x.eklen = ck->e_len;
	x.aklen = ck->a_len;
	sa.spi = spi;
	sa.proto = IP6P_ESP;
	sa.mode = SA_TRANSPORT;
	sa.model = (uint8_t)node_bits(k->n)->cfg.model;
	sa.inbound = inbound;
	memcpy(sa.src, inbound ? remote : local, 16);
	memcpy(sa.dst, inbound ? local : remote, 16);
	memcpy(sa.ts.local_lo, local, 16);
	memcpy(sa.ts.local_hi, local, 16);
	memcpy(sa.ts.remote_lo, remote, 16);
	memcpy(sa.ts.remote_hi, remote, 16);
	sa.ts.proto = ts->proto ? ts->proto : SPD_PROTO_ANY;
	sa.ts.lport = (struct spd_range16){ ts->start_port, ts->end_port };
	sa.ts.rport = SPD_PORT_ANY;
	sa.spd_id = spd_id;
	if (!s->sa.initiator) {
		const struct pad_entry *e = pad_for(k, s->sa.peer_id_type, s->sa.peer_id, s->sa.peer_id_len);
		sa.pad_id = e ? e->id : 0;
	}
	sa.life.soft_ns = k->cfg.soft_s * NS;
	sa.life.hard_ns = k->cfg.hard_s * NS;
	if (inbound) {
		/* keyed SAs run anti-replay (ESP-02) */
		sa.replay_on = true;
		rc = replay_init(&sa.replay, 0, false);
	}
	if (!rc)
		rc = m6_xform_init(&sa.xf, &x, !inbound, NULL, 0);
	if (!rc) {
		rc = node_sa_add(k->n, &sa);
		if (rc)
			m6_xform_clear(&sa.xf);
	}
	if (!rc)
		log_child(k, &sa, &x);
	OPENSSL_cleanse(&x, sizeof(x));
	return rc;
}

static void log_ike(struct ike_km *k, const struct slot *s)
{
	if (!k->cfg.keep_keys || k->n_ike >= KEYLOG_IKE_MAX)
		return;
	struct ike_km_ike_keys *l = &k->ike_log[k->n_ike++];
	memcpy(l->spi_i, s->sa.spi_i, IKE_SPI_LEN);
	memcpy(l->spi_r, s->sa.spi_r, IKE_SPI_LEN);
	l->suite = s->sa.suite;
	l->keys = s->sa.keys;
}

static void drop_slot_sas(struct ike_km *k, struct slot *s)
{
	if (s->installed) {
		if (s->in_spi && !node_sa_delete(k->n, s->in_spi, IP6P_ESP, true))
			k->st.sa_deleted++;
		if (s->out_spi && !node_sa_delete(k->n, s->out_spi, IP6P_ESP, false))
			k->st.sa_deleted++;
		s->in_spi = s->out_spi = 0;
	}
	slot_free(k, s);
}

/* One IKE SA per peer: a newer one (made after a move, 4877-10, or a
 * re-authentication) replaces the older ones and their Child SAs. On the
 * home agent the peer is the authenticated identity, never an address. */
static void retire_older(struct ike_km *k, struct slot *s)
{
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *o = &k->slots[i];
		if (o == s || !o->used || o->sa.state != IKE_SA_ESTABLISHED)
			continue;
		if (!k->cfg.initiator && (o->sa.peer_id_type != s->sa.peer_id_type ||
					  o->sa.peer_id_len != s->sa.peer_id_len ||
					  memcmp(o->sa.peer_id, s->sa.peer_id, s->sa.peer_id_len)))
			continue;
		drop_slot_sas(k, o);
	}
}

static void established(struct ike_km *k, struct slot *s)
{
	k->st.established++;
	log_ike(k, s);
	if (!s->sa.child_ok || !s->sa.child_tsi.n || !s->sa.child_tsr.n) {
		k->st.refused++;
		return;
	}
	const struct ike_ts *ti = &s->sa.child_tsi.ts[0], *tr = &s->sa.child_tsr.ts[0];
	const uint8_t *local = s->sa.initiator ? ti->start : tr->start;
	const uint8_t *remote = s->sa.initiator ? tr->start : ti->start;
	uint32_t in_spi = s->sa.initiator ? s->sa.child_spi_i : s->sa.child_spi_r;
	uint32_t out_spi = s->sa.initiator ? s->sa.child_spi_r : s->sa.child_spi_i;
	uint32_t out_pol = policy_for(k, SPD_OUT, local, remote, ti);
	uint32_t in_pol = policy_for(k, SPD_IN, local, remote, ti);
	int rc = out_pol && in_pol ? 0 : M6_E_NOTFOUND;
	if (!rc)
		rc = add_sa(k, s, true, in_spi, in_pol, local, remote, ti);
	if (!rc) {
		s->larval = false;
		rc = add_sa(k, s, false, out_spi, out_pol, local, remote, ti);
		if (rc)
			node_sa_delete(k->n, in_spi, IP6P_ESP, true);
	}
	if (rc) {
		k->st.failed++;
		return;
	}
	s->installed = true;
	s->out_spi = out_spi;
	k->st.sa_installed += 2;
	retire_older(k, s);
}

/* ---- the initiator ---- */

static bool local_addr(struct ike_km *k, uint8_t out[16])
{
	for (unsigned i = 0; i < NODE_IF_MAX; i++)
		if (node_iface_addr(k->n, i, out))
			return true;
	return false;
}

static void start(struct ike_km *k, uint64_t now)
{
	for (unsigned i = 0; i < k->n_slots; i++) {
		const struct slot *o = &k->slots[i];
		if (o->used && (o->sa.state == IKE_SA_INIT_SENT || o->sa.state == IKE_SA_AUTH_SENT))
			return;         /* one exchange at a time */
	}
	uint8_t src[16];
	if (!local_addr(k, src))
		return;
	struct slot *s = slot_new(k, now);
	if (!s)
		return;
	memcpy(s->local, src, 16);
	memcpy(s->peer, k->cfg.peer, 16);
	size_t len;
	if (ike_sa_start(&s->sa, &s->cfg, k->out, sizeof(k->out), &len)) {
		k->st.failed++;
		slot_free(k, s);
		return;
	}
	k->st.started++;
	s->tries = 1;
	s->due = now + IKE_KM_RTO_NS;
	node_km_send(k->n, s->local, s->peer, NODE_IKE_PORT, NODE_IKE_PORT, k->out, len);
}

static void km_acquire(void *ctx, struct node *n, uint32_t spd_id, const struct ipsec_flow *flow)
{
	struct ike_km *k = ctx;
	(void)spd_id, (void)flow;
	if (k->cfg.initiator)
		start(k, node_km_now(n));
}

/* ---- input ---- */

static struct slot *find(struct ike_km *k, const uint8_t *spi_i, const uint8_t *spi_r, const uint8_t *peer)
{
	static const uint8_t zero[IKE_SPI_LEN];
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *s = &k->slots[i];
		if (!s->used || memcmp(s->sa.spi_i, spi_i, IKE_SPI_LEN))
			continue;
		/* the initiator learns SPIr from the first response; the
		 * responder sees IKE_SA_INIT retransmissions with SPIr 0 */
		if (!memcmp(s->sa.spi_r, spi_r, IKE_SPI_LEN) ||
		    (k->cfg.initiator && s->sa.state == IKE_SA_INIT_SENT) ||
		    (!k->cfg.initiator && !memcmp(spi_r, zero, IKE_SPI_LEN) && !memcmp(s->peer, peer, 16)))
			return s;
	}
	return NULL;
}

static void km_input(void *ctx, struct node *n, const struct node_km_msg *m)
{
	struct ike_km *k = ctx;
	(void)n;
	static const uint8_t zero[IKE_SPI_LEN];
	if (m->len < IKE_HDR_LEN || m->len > sizeof(k->in)) {
		k->st.dropped++;
		return;
	}
	const uint8_t *spi_i = m->data, *spi_r = m->data + 8;
	uint8_t exch = m->data[18], flags = m->data[19];
	struct slot *s = find(k, spi_i, spi_r, m->src);
	if (!s && !k->cfg.initiator && exch == IKE_SA_INIT && (flags & IKE_FLAG_I) && !(flags & IKE_FLAG_R) &&
	    !memcmp(spi_r, zero, IKE_SPI_LEN)) {
		if ((s = slot_new(k, m->now))) {
			ike_sa_respond(&s->sa, &s->cfg);
			memcpy(s->local, m->dst, 16);
			memcpy(s->peer, m->src, 16);
			s->due = m->now + IKE_KM_HALF_OPEN_NS;
		}
	}
	if (!s) {
		k->st.dropped++;
		return;
	}
	enum ike_sa_state before = s->sa.state;
	memcpy(k->in, m->data, m->len);
	size_t len = 0;
	int rc = ike_sa_input(&s->sa, k->in, m->len, k->out, sizeof(k->out), &len);
	OPENSSL_cleanse(k->in, m->len);
	if (len)
		node_km_send(k->n, s->local, s->peer, m->dport, m->sport, k->out, len);
	if (rc)
		k->st.dropped++;
	if (s->sa.state == IKE_SA_AUTH_SENT && before == IKE_SA_INIT_SENT) {
		s->tries = 1;
		s->due = m->now + IKE_KM_RTO_NS;
	} else if (s->sa.state == IKE_SA_INIT_SENT && len) {
		/* COOKIE or INVALID_KE: a new first request */
		s->due = m->now + IKE_KM_RTO_NS;
	}
	if (s->sa.state == IKE_SA_ESTABLISHED && before != IKE_SA_ESTABLISHED) {
		s->due = 0;
		established(k, s);
	}
	if (s->sa.state == IKE_SA_FAILED && before != IKE_SA_FAILED) {
		k->st.failed++;
		/* the responder keeps the slot so a retransmitted request gets
		 * its AUTHENTICATION_FAILED again, until it is forgotten */
		if (k->cfg.initiator)
			slot_free(k, s);
	} else if (!k->cfg.initiator && s->sa.state == IKE_SA_IDLE) {
		/* a stateless refusal (INVALID_KE, NO_PROPOSAL_CHOSEN) or a
		 * dropped request: nothing to keep (IKE-06, IKE-07) */
		slot_free(k, s);
	}
}

/* ---- timers and expiry ---- */

static uint64_t km_next_expiry(void *ctx, const struct node *n)
{
	const struct ike_km *k = ctx;
	(void)n;
	uint64_t t = UINT64_MAX;
	for (unsigned i = 0; i < k->n_slots; i++)
		if (k->slots[i].used && k->slots[i].due && k->slots[i].due < t)
			t = k->slots[i].due;
	return t;
}

static void km_on_timer(void *ctx, struct node *n, uint64_t now)
{
	struct ike_km *k = ctx;
	(void)n;
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *s = &k->slots[i];
		if (!s->used || !s->due || s->due > now)
			continue;
		if (!k->cfg.initiator) {
			if (s->sa.state != IKE_SA_ESTABLISHED)
				slot_free(k, s);
			else
				s->due = 0;
			continue;
		}
		if (s->tries >= IKE_KM_TRIES) {
			k->st.failed++;
			slot_free(k, s);
			continue;
		}
		size_t len;
		if (ike_sa_retransmit(&s->sa, k->out, sizeof(k->out), &len)) {
			s->due = 0;
			continue;
		}
		/* IKE-02: the same octets, the timeout doubling each time */
		s->due = now + (IKE_KM_RTO_NS << s->tries);
		s->tries++;
		k->st.retransmits++;
		node_km_send(k->n, s->local, s->peer, NODE_IKE_PORT, NODE_IKE_PORT, k->out, len);
	}
}

static void km_expire(void *ctx, struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard)
{
	struct ike_km *k = ctx;
	if (hard) {
		if (!node_sa_delete(n, spi, proto, inbound))
			k->st.sa_deleted++;
		for (unsigned i = 0; i < k->n_slots; i++) {
			struct slot *s = &k->slots[i];
			if (s->used && s->installed && ((inbound && s->in_spi == spi) || (!inbound && s->out_spi == spi))) {
				if (inbound)
					s->in_spi = 0;
				else
					s->out_spi = 0;
				if (!s->in_spi && !s->out_spi)
					slot_free(k, s);
			}
		}
		return;
	}
	/* soft: a fresh IKE SA brings new Child SAs before the old die */
	if (k->cfg.initiator && !inbound)
		start(k, node_km_now(n));
}

/* 4877-10: without a way to move the IKE SA (no K bit, no MOBIKE here) a
 * new IKE SA is made from the new care-of address after every move. */
static void km_address_change(void *ctx, struct node *n, const uint8_t *old_coa, const uint8_t new_coa[16])
{
	struct ike_km *k = ctx;
	(void)old_coa, (void)new_coa;
	bool any = false;
	for (unsigned i = 0; i < k->n_slots; i++)
		any |= k->slots[i].used && k->slots[i].sa.state == IKE_SA_ESTABLISHED;
	if (k->cfg.initiator && any)
		start(k, node_km_now(n));
}

/* ---- lifecycle ---- */

struct ike_km *ike_km_new(const struct ike_km_cfg *cfg, char *err, size_t errlen)
{
	enum m6_enc e;
	enum m6_auth a;
	if (!cfg->n_ike || cfg->n_ike > IKE_SA_SUITE_MAX || ike_km_esp_xform(&cfg->esp, &e, &a) ||
	    cfg->id_len > IKE_SA_ID_MAX || cfg->psk_len > IKE_KM_PSK_MAX || (cfg->initiator && !cfg->psk_len)) {
		snprintf(err, errlen, "incomplete IKE configuration (proposals, ESP transform, identity or PSK)");
		return NULL;
	}
	for (unsigned i = 0; i < cfg->n_ike; i++)
		if (ike_suite_check(&cfg->ike[i])) {
			snprintf(err, errlen, "IKE proposal %u is not supported", i + 1);
			return NULL;
		}
	struct ike_km *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->cfg = *cfg;
	k->n_slots = cfg->max_sa ? cfg->max_sa : cfg->initiator ? 2 : 8;
	k->slots = calloc(k->n_slots, sizeof(*k->slots));
	if (cfg->keep_keys) {
		k->ike_log = calloc(KEYLOG_IKE_MAX, sizeof(*k->ike_log));
		k->child_log = calloc(KEYLOG_CHILD_MAX, sizeof(*k->child_log));
	}
	if (!k->slots || (cfg->keep_keys && (!k->ike_log || !k->child_log))) {
		ike_km_free(k);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return k;
}

static void km_expire_cb(void *ctx, struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard)
{
	km_expire(ctx, n, spi, proto, inbound, hard);
}

void ike_km_attach(struct ike_km *k, struct node *n)
{
	k->n = n;
	struct node_km km = {
		.ctx = k,
		.acquire = km_acquire,
		.expire = km_expire_cb,
		.input = km_input,
		.address_change = km_address_change,
		.next_expiry = km_next_expiry,
		.on_timer = km_on_timer,
	};
	node_set_km(n, &km);
}

void ike_km_free(struct ike_km *k)
{
	if (!k)
		return;
	for (unsigned i = 0; k->slots && i < k->n_slots; i++) {
		ike_sa_clear(&k->slots[i].sa);
		OPENSSL_cleanse(&k->slots[i], sizeof(k->slots[i]));
	}
	free(k->slots);
	if (k->ike_log) {
		OPENSSL_cleanse(k->ike_log, KEYLOG_IKE_MAX * sizeof(*k->ike_log));
		free(k->ike_log);
	}
	if (k->child_log) {
		OPENSSL_cleanse(k->child_log, KEYLOG_CHILD_MAX * sizeof(*k->child_log));
		free(k->child_log);
	}
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

const struct ike_km_stats *ike_km_stats(const struct ike_km *k)
{
	return &k->st;
}

size_t ike_km_ike_count(const struct ike_km *k)
{
	return k->n_ike;
}

const struct ike_km_ike_keys *ike_km_ike_at(const struct ike_km *k, size_t i)
{
	return i < k->n_ike ? &k->ike_log[i] : NULL;
}

size_t ike_km_child_count(const struct ike_km *k)
{
	return k->n_child;
}

const struct ike_km_child_keys *ike_km_child_at(const struct ike_km *k, size_t i)
{
	return i < k->n_child ? &k->child_log[i] : NULL;
}

size_t ike_km_sa_slots(const struct ike_km *k)
{
	return k->n_slots;
}

int ike_km_sa_info(const struct ike_km *k, size_t i, struct ike_km_sa_info *out)
{
	if (i >= k->n_slots || !k->slots[i].used)
		return M6_E_NOTFOUND;
	const struct slot *s = &k->slots[i];
	memset(out, 0, sizeof(*out));
	out->initiator = s->sa.initiator;
	out->state = s->sa.state;
	memcpy(out->spi_i, s->sa.spi_i, IKE_SPI_LEN);
	memcpy(out->spi_r, s->sa.spi_r, IKE_SPI_LEN);
	memcpy(out->local, s->local, 16);
	memcpy(out->peer, s->peer, 16);
	out->suite = s->sa.suite;
	out->peer_id_type = s->sa.peer_id_type;
	out->peer_id_len = s->sa.peer_id_len <= sizeof(out->peer_id) ? s->sa.peer_id_len : sizeof(out->peer_id);
	memcpy(out->peer_id, s->sa.peer_id, out->peer_id_len);
	/* the first Child SA: its inbound SA completes the larval one */
	out->child_installed = s->sa.state == IKE_SA_ESTABLISHED && s->sa.child_ok && !s->larval;
	out->child_error = s->sa.child_error;
	if (s->sa.child_ok) {
		out->child_in_spi = s->sa.initiator ? s->sa.child_spi_i : s->sa.child_spi_r;
		out->child_out_spi = s->sa.initiator ? s->sa.child_spi_r : s->sa.child_spi_i;
	} else {
		out->child_in_spi = s->larval ? s->in_spi : 0;
	}
	out->esp = s->cfg.esp;
	out->tries = s->tries;
	out->created = s->created;
	return 0;
}
