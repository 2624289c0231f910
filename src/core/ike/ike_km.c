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
#include "ike_cookie.h"

#define KEYLOG_IKE_MAX 32
#define KEYLOG_CHILD_MAX 64
#define NS 1000000000ull

struct slot {
	bool used;
	struct ike_sa sa;
	struct ike_sa_cfg cfg;          /* per slot: its own inbound ESP SPI */
	struct ike_km *km;
	uint8_t local[16], peer[16];
	/* RFC 7296 2.11: a responder answers from the port the request came
	 * to, to the port it came from; the initiator's are ours (500) */
	uint16_t lport, pport;
	uint32_t in_spi;                /* the first Child SA's, larval until installed */
	bool larval;
	unsigned tries;
	/* the next thing to do: retransmit our request, forget a half-open
	 * or rekeyed SA, rekey the IKE SA, check the peer's liveness */
	uint64_t due;
	uint64_t created;
	uint64_t last_rx;               /* the peer's last authentic message */
	uint64_t rekey_at;              /* IKE SA rekey (0: none) */
	bool doomed;                    /* the losing IKE SA of crossing rekeys: its Delete only */
};

struct ike_km {
	struct ike_km_cfg cfg;
	struct node *n;
	unsigned n_slots;
	struct slot *slots;
	uint8_t in[IKE_SA_MSG_MAX], out[IKE_SA_MSG_MAX];
	struct ike_km_stats st;
	struct ike_cookie cookie;
	uint64_t cookie_rotate_at;      /* 0: no secret yet */
	size_t n_ike, n_child;
	struct ike_km_ike_keys *ike_log;
	struct ike_km_child_keys *child_log;
};

static uint64_t km_rto(const struct ike_km *k)
{
	return k->cfg.rto_ns ? k->cfg.rto_ns : IKE_KM_RTO_NS;
}

static unsigned km_tries(const struct ike_km *k)
{
	return k->cfg.tries ? k->cfg.tries : IKE_KM_TRIES;
}

/* ---- slots ---- */

static void km_random(void *ctx, uint8_t *out, size_t n)
{
	struct ike_km *k = ctx;
	node_km_random(k->n, out, n);
}

static int km_alloc_spi(void *ctx, uint32_t *spi)
{
	struct slot *s = ctx;
	return node_sa_reserve_spi(s->km->n, IP6P_ESP, spi);
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

static struct slot *slot_take(struct ike_km *k)
{
	struct slot *s = NULL, *oldest = NULL;
	for (unsigned i = 0; i < k->n_slots && !s; i++)
		if (!k->slots[i].used)
			s = &k->slots[i];
	for (unsigned i = 0; i < k->n_slots && !s; i++) {
		struct slot *o = &k->slots[i];
		/* only an SA still in its first exchanges: a rekeyed one
		 * waits for its Delete, and may be the one being handled */
		enum ike_sa_state st = o->sa.state;
		bool half = st != IKE_SA_ESTABLISHED && st != IKE_SA_REKEYED && st != IKE_SA_DELETED;
		if (half && (!oldest || o->created < oldest->created))
			oldest = o;
	}
	if (!s && oldest) {
		/* under load a half-open SA gives way to a new one */
		slot_free(k, oldest);
		s = oldest;
	}
	if (s)
		memset(s, 0, sizeof(*s));
	return s;
}

static struct slot *slot_new(struct ike_km *k, uint64_t now)
{
	struct slot *s = slot_take(k);
	uint32_t spi;
	if (!s || node_sa_reserve_spi(k->n, IP6P_ESP, &spi))
		return NULL;
	s->used = true;
	s->km = k;
	s->in_spi = spi;
	s->larval = true;
	s->created = now;
	s->lport = s->pport = NODE_IKE_PORT;
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
	sc->alloc_spi = km_alloc_spi;
	sc->spi_ctx = s;
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

static int add_sa(struct ike_km *k, struct slot *s, const struct ike_child *c, bool inbound, uint32_t spi,
		  uint32_t spd_id, const uint8_t *local, const uint8_t *remote, const struct ike_ts *ts)
{
	const struct ike_child_keys *ck = &c->keys;
	struct m6_xform_cfg x;
	struct ipsec_sa sa;
	memset(&x, 0, sizeof(x));
	memset(&sa, 0, sizeof(sa));
	int rc = ike_km_esp_xform(&k->cfg.esp, &x.enc, &x.auth);
	if (rc)
		return rc;
	/* KEYMAT: the keys from the initiator of the Child SA's exchange
	 * first (IKE-13) */
	bool i2r = inbound != c->ours;
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
	struct sa_lifetime life = { .soft_ns = k->cfg.soft_s * NS, .hard_ns = k->cfg.hard_s * NS };
	sa.life = &life;
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

static void drop_pair(struct ike_km *k, uint32_t spi_in, uint32_t spi_out)
{
	if (spi_in && !node_sa_delete(k->n, spi_in, IP6P_ESP, true))
		k->st.sa_deleted++;
	if (spi_out && !node_sa_delete(k->n, spi_out, IP6P_ESP, false))
		k->st.sa_deleted++;
}

/* The IKE SA and every Child SA it still holds. */
static void drop_slot_sas(struct ike_km *k, struct slot *s)
{
	for (unsigned i = 0; i < IKE_SA_CHILD_MAX; i++) {
		const struct ike_child *c = &s->sa.ch[i];
		if (c->used)
			drop_pair(k, c->spi_in, c->spi_out);
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

/* A Child SA as a pair of transport-mode SAs; TSi is the side of whoever
 * started the exchange that made it. */
static int install(struct ike_km *k, struct slot *s, const struct ike_child *c)
{
	if (!c->tsi.n || !c->tsr.n)
		return M6_E_IKE_TS;
	const struct ike_ts *ti = &c->tsi.ts[0], *tr = &c->tsr.ts[0];
	const uint8_t *local = c->ours ? ti->start : tr->start;
	const uint8_t *remote = c->ours ? tr->start : ti->start;
	const struct ike_ts *sel = c->ours == s->sa.cfg_i ? ti : tr;   /* the mobile node's side */
	uint32_t out_pol = policy_for(k, SPD_OUT, local, remote, sel);
	uint32_t in_pol = policy_for(k, SPD_IN, local, remote, sel);
	int rc = out_pol && in_pol ? 0 : M6_E_NOTFOUND;
	if (!rc)
		rc = add_sa(k, s, c, true, c->spi_in, in_pol, local, remote, sel);
	if (!rc) {
		rc = add_sa(k, s, c, false, c->spi_out, out_pol, local, remote, sel);
		if (rc)
			node_sa_delete(k->n, c->spi_in, IP6P_ESP, true);
	}
	if (rc) {
		k->st.failed++;
		return rc;
	}
	k->st.sa_installed += 2;
	return 0;
}

static void established(struct ike_km *k, struct slot *s, uint64_t now)
{
	k->st.established++;
	log_ike(k, s);
	s->last_rx = now;
	s->rekey_at = k->cfg.ike_rekey_s ? now + k->cfg.ike_rekey_s * NS : 0;
	if (!s->sa.child_ok || !s->sa.ch[0].used) {
		k->st.refused++;
		return;
	}
	if (install(k, s, &s->sa.ch[0]))
		return;
	s->larval = false;
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

static void send_msg(struct ike_km *k, const struct slot *s, size_t len)
{
	if (len)
		node_km_send(k->n, s->local, s->peer, s->lport, s->pport, k->out, len);
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
	s->due = now + km_rto(k);
	send_msg(k, s, len);
}

static void km_acquire(void *ctx, struct node *n, uint32_t spd_id, const struct ipsec_flow *flow)
{
	struct ike_km *k = ctx;
	(void)spd_id, (void)flow;
	if (k->cfg.initiator)
		start(k, node_km_now(n));
}

/* ---- the exchanges on an established IKE SA ---- */

/* When nothing is outstanding: the IKE SA's rekey, the next liveness
 * check, or (a rekeyed SA waiting for its Delete) forgetting it. */
static void idle_due(struct ike_km *k, struct slot *s, uint64_t now)
{
	if (s->sa.state == IKE_SA_REKEYED || s->doomed) {
		s->due = now + IKE_KM_HALF_OPEN_NS;
		return;
	}
	uint64_t t = s->rekey_at ? s->rekey_at : UINT64_MAX;
	if (k->cfg.dpd_s && s->last_rx + k->cfg.dpd_s * NS < t)
		t = s->last_rx + k->cfg.dpd_s * NS;
	s->due = t == UINT64_MAX ? 0 : t;
}

/* After a call that may have sent a request of ours: its retransmission
 * timer starts (IKE-02, IKE-03), else the idle work is scheduled. */
static void after(struct ike_km *k, struct slot *s, uint32_t msgid_before, uint64_t now)
{
	if (!s->used || (s->sa.state != IKE_SA_ESTABLISHED && s->sa.state != IKE_SA_REKEYED))
		return;
	if (s->sa.req_pending && s->sa.msgid_out != msgid_before) {
		s->tries = 1;
		s->due = now + km_rto(k);
	} else if (!s->sa.req_pending) {
		idle_due(k, s, now);
	}
}

static void request(struct ike_km *k, struct slot *s, const struct ike_req *r, uint64_t now);

/* A slot for a new IKE SA made by a rekey of s's. */
static struct slot *rekey_slot(struct ike_km *k, struct slot *s, uint64_t now, bool loser)
{
	struct slot *ns = slot_take(k);
	if (!ns || ns == s) {
		k->st.failed++;
		return NULL;
	}
	ns->used = true;
	ns->km = k;
	ns->cfg = s->cfg;
	ns->cfg.pad_ctx = ns;
	ns->cfg.spi_ctx = ns;
	memcpy(ns->local, s->local, 16);
	memcpy(ns->peer, s->peer, 16);
	ns->lport = s->lport;
	ns->pport = s->pport;
	ns->created = ns->last_rx = now;
	if (loser ? ike_sa_adopt_loser(&ns->sa, &ns->cfg, &s->sa) : ike_sa_adopt(&ns->sa, &ns->cfg, &s->sa)) {
		k->st.failed++;
		slot_free(k, ns);
		return NULL;
	}
	log_ike(k, ns);
	return ns;
}

/* IKE_EV_IKE_LOSER (2.8.2): the redundant new IKE SA, deleted by whoever
 * made it; the other end waits for that Delete (or forgets it). */
static void loser(struct ike_km *k, struct slot *s, uint64_t now)
{
	struct slot *ns = rekey_slot(k, s, now, true);
	if (!ns)
		return;
	ns->doomed = true;
	ns->due = now + IKE_KM_HALF_OPEN_NS;
	if (s->sa.rk_win == 2) {
		struct ike_req d = { .type = IKE_REQ_DELETE_IKE };
		request(k, ns, &d, now);
	}
}

/* IKE_EV_IKE_REKEYED: the new IKE SA takes a slot of its own. */
static void rekeyed(struct ike_km *k, struct slot *s, uint64_t now)
{
	struct slot *ns = rekey_slot(k, s, now, false);
	if (!ns)
		return;
	k->st.ike_rekeyed++;
	ns->rekey_at = k->cfg.ike_rekey_s ? now + k->cfg.ike_rekey_s * NS : 0;
	idle_due(k, ns, now);
	/* 2.18: the initiator of the surviving rekey deletes the old SA */
	if (s->sa.rk_win == 1) {
		struct ike_req d = { .type = IKE_REQ_DELETE_IKE };
		request(k, s, &d, now);
	}
	/* work queued on the old SA moved along: send it */
	uint32_t mid = ns->sa.msgid_out;
	size_t len = 0;
	if (!ike_sa_send_queued(&ns->sa, k->out, sizeof(k->out), &len))
		send_msg(k, ns, len);
	after(k, ns, mid, now);
}

static void events(struct ike_km *k, struct slot *s, uint64_t now)
{
	struct ike_ev ev[IKE_SA_EV_MAX];
	unsigned n = s->sa.n_ev;
	memcpy(ev, s->sa.ev, n * sizeof(ev[0]));
	for (unsigned i = 0; i < n && s->used; i++) {
		switch (ev[i].type) {
		case IKE_EV_CHILD_UP:
			/* IKE-15: the new pair first; the old one goes with its Delete */
			if (!install(k, s, &s->sa.ch[ev[i].child]))
				k->st.child_rekeyed++;
			break;
		case IKE_EV_CHILD_DOWN:
			drop_pair(k, ev[i].spi_in, ev[i].spi_out);
			break;
		case IKE_EV_CHILD_FAILED:
			node_sa_delete(k->n, ev[i].spi_in, IP6P_ESP, true);    /* the larval SPI */
			k->st.refused++;
			break;
		case IKE_EV_IKE_REKEYED:
			rekeyed(k, s, now);
			break;
		case IKE_EV_IKE_LOSER:
			loser(k, s, now);
			break;
		case IKE_EV_IKE_DOWN:
			drop_slot_sas(k, s);
			break;
		default:
			break;
		}
	}
}

static void request(struct ike_km *k, struct slot *s, const struct ike_req *r, uint64_t now)
{
	uint32_t mid = s->sa.msgid_out;
	size_t len = 0;
	int rc = ike_sa_request(&s->sa, r, k->out, sizeof(k->out), &len);
	if (rc) {
		if (r->new_spi)
			node_sa_delete(k->n, r->new_spi, IP6P_ESP, true);
		return;
	}
	send_msg(k, s, len);
	events(k, s, now);
	after(k, s, mid, now);
}

/* No answer to our request (IKE-03): the peer is gone, or forgot us (a
 * restart). Its SAs go; the mobile node starts afresh, and its binding
 * follows over the new SAs. */
static void peer_dead(struct ike_km *k, struct slot *s, uint64_t now)
{
	k->st.dead++;
	drop_slot_sas(k, s);
	if (k->cfg.initiator)
		start(k, now);
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

static unsigned half_open(const struct ike_km *k)
{
	unsigned n = 0;
	for (unsigned i = 0; i < k->n_slots; i++) {
		enum ike_sa_state st = k->slots[i].sa.state;
		n += k->slots[i].used && st != IKE_SA_ESTABLISHED && st != IKE_SA_REKEYED;
	}
	return n;
}

/* IKE-06: under half-open load a new IKE_SA_INIT needs our COOKIE; without
 * one it is answered statelessly and goes no further. */
static bool cookie_ok(struct ike_km *k, const struct node_km_msg *m)
{
	if (!k->cfg.cookie_threshold || half_open(k) < k->cfg.cookie_threshold)
		return true;
	struct ike_rng rng = { km_random, k };
	if (!k->cookie_rotate_at) {
		ike_cookie_init(&k->cookie, &rng);
		k->cookie_rotate_at = m->now + IKE_KM_COOKIE_ROTATE_NS;
	} else if (m->now >= k->cookie_rotate_at) {
		ike_cookie_rotate(&k->cookie, &rng);
		k->cookie_rotate_at = m->now + IKE_KM_COOKIE_ROTATE_NS;
	}
	size_t len = 0;
	int rc = ike_cookie_screen(&k->cookie, m->data, m->len, m->src, k->out, sizeof(k->out), &len);
	if (!rc)
		return true;
	if (len) {
		node_km_send(k->n, m->dst, m->src, m->dport, m->sport, k->out, len);
		k->st.cookies_sent++;
	}
	k->st.dropped++;
	return false;
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
		if (!cookie_ok(k, m))
			return;
		if ((s = slot_new(k, m->now))) {
			ike_sa_respond(&s->sa, &s->cfg);
			memcpy(s->local, m->dst, 16);
			memcpy(s->peer, m->src, 16);
			s->lport = m->dport;
			s->pport = m->sport;
			s->due = m->now + IKE_KM_HALF_OPEN_NS;
		}
	}
	if (!s) {
		k->st.dropped++;
		return;
	}
	enum ike_sa_state before = s->sa.state;
	uint32_t mid = s->sa.msgid_out;
	memcpy(k->in, m->data, m->len);
	size_t len = 0;
	int rc = ike_sa_input(&s->sa, k->in, m->len, k->out, sizeof(k->out), &len);
	OPENSSL_cleanse(k->in, m->len);
	send_msg(k, s, len);
	if (rc)
		k->st.dropped++;
	else
		s->last_rx = m->now;
	if (s->sa.state == IKE_SA_AUTH_SENT && before == IKE_SA_INIT_SENT) {
		s->tries = 1;
		s->due = m->now + km_rto(k);
	} else if (s->sa.state == IKE_SA_INIT_SENT && len) {
		/* COOKIE or INVALID_KE: a new first request */
		s->due = m->now + km_rto(k);
	}
	if (s->sa.state == IKE_SA_ESTABLISHED && before != IKE_SA_ESTABLISHED && before != IKE_SA_REKEYED) {
		s->due = 0;
		established(k, s, m->now);
		idle_due(k, s, m->now);
		return;
	}
	if (s->sa.state == IKE_SA_FAILED && before != IKE_SA_FAILED) {
		k->st.failed++;
		/* the responder keeps the slot so a retransmitted request gets
		 * its AUTHENTICATION_FAILED again, until it is forgotten */
		if (k->cfg.initiator)
			slot_free(k, s);
		return;
	}
	if (!k->cfg.initiator && s->sa.state == IKE_SA_IDLE) {
		/* a stateless refusal (INVALID_KE, NO_PROPOSAL_CHOSEN) or a
		 * dropped request: nothing to keep (IKE-06, IKE-07) */
		slot_free(k, s);
		return;
	}
	if (!rc) {
		events(k, s, m->now);
		after(k, s, mid, m->now);
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

static void slot_timer(struct ike_km *k, struct slot *s, uint64_t now)
{
	enum ike_sa_state st = s->sa.state;
	bool initial = k->cfg.initiator && (st == IKE_SA_INIT_SENT || st == IKE_SA_AUTH_SENT);
	bool up = st == IKE_SA_ESTABLISHED || st == IKE_SA_REKEYED;
	if (!initial && !up) {
		/* a half-open or failed responder SA is forgotten */
		slot_free(k, s);
		return;
	}
	if (initial || s->sa.req_pending) {
		if (s->tries >= km_tries(k)) {
			k->st.failed++;
			if (st == IKE_SA_ESTABLISHED && !s->doomed)
				peer_dead(k, s, now);
			else if (st == IKE_SA_REKEYED)
				drop_slot_sas(k, s);    /* its Delete unanswered: the new SA lives on */
			else
				slot_free(k, s);
			return;
		}
		size_t len;
		if (ike_sa_retransmit(&s->sa, k->out, sizeof(k->out), &len)) {
			s->due = 0;
			return;
		}
		/* IKE-02, IKE-03: the same octets, the timeout doubling each time */
		s->due = now + (km_rto(k) << s->tries);
		s->tries++;
		k->st.retransmits++;
		send_msg(k, s, len);
		return;
	}
	if (st == IKE_SA_REKEYED || s->doomed) {
		/* the peer never deleted it */
		drop_slot_sas(k, s);
		return;
	}
	struct ike_req r = { 0 };
	if (s->rekey_at && now >= s->rekey_at) {
		s->rekey_at = 0;
		r.type = IKE_REQ_REKEY_IKE;
	} else if (k->cfg.dpd_s && now >= s->last_rx + k->cfg.dpd_s * NS && !ike_sa_busy(&s->sa)) {
		r.type = IKE_REQ_LIVENESS;
		k->st.liveness++;
	}
	if (r.type)
		request(k, s, &r, now);
	else
		idle_due(k, s, now);
}

static void km_on_timer(void *ctx, struct node *n, uint64_t now)
{
	struct ike_km *k = ctx;
	(void)n;
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *s = &k->slots[i];
		if (s->used && s->due && s->due <= now)
			slot_timer(k, s, now);
	}
}

static struct slot *slot_of(struct ike_km *k, uint32_t spi, bool inbound, struct ike_child **c)
{
	for (unsigned i = 0; i < k->n_slots; i++) {
		struct slot *s = &k->slots[i];
		if (s->used && s->sa.state == IKE_SA_ESTABLISHED && (*c = ike_sa_child(&s->sa, spi, inbound)))
			return s;
	}
	return NULL;
}

static void km_expire(void *ctx, struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard)
{
	struct ike_km *k = ctx;
	uint64_t now = node_km_now(n);
	struct ike_child *c = NULL;
	struct slot *s = proto == IP6P_ESP ? slot_of(k, spi, inbound, &c) : NULL;
	if (hard) {
		if (!node_sa_delete(n, spi, proto, inbound))
			k->st.sa_deleted++;
		/* the peer drops its half too */
		if (s && !c->deleting) {
			struct ike_req d = { .type = IKE_REQ_DELETE_CHILD, .spi = c->spi_in };
			request(k, s, &d, now);
		}
		return;
	}
	/* soft (IKE-15): a new pair by CREATE_CHILD_SA, then the old one's Delete */
	if (!s || c->rekeyed || c->rekeying || c->deleting)
		return;
	struct ike_req r = { .type = IKE_REQ_REKEY_CHILD, .spi = c->spi_in, .pfs = k->cfg.esp.pfs };
	if (node_sa_reserve_spi(n, IP6P_ESP, &r.new_spi))
		return;
	request(k, s, &r, now);
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

void ike_km_forget(struct ike_km *k)
{
	for (unsigned i = 0; i < k->n_slots; i++)
		if (k->slots[i].used)
			drop_slot_sas(k, &k->slots[i]);
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
	/* the mobile node: the IKE SA, during a rekey its successor and, when
	 * rekeys cross, the loser, plus a new one after a move */
	k->n_slots = cfg->max_sa ? cfg->max_sa : cfg->initiator ? 4 : 8;
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
	ike_cookie_clear(&k->cookie);
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
