/* Child SAs into the node's SAD: the BU/BA transport pair, the tunnel-mode
 * pair of the mobile node - home agent tunnel, each on the policy that
 * covers it, and the true-address model's move of them with the IKE SA. */
#include <openssl/crypto.h>
#include <string.h>

#include "../ipsec/pad.h"
#include "../ipsec/replay.h"
#include "../node/node.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../util/m6_err.h"
#include "ike_km_int.h"

void ikm_ts_one(struct ike_ts_list *l, const uint8_t *addr)
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

/* One selector, any protocol and port: addr alone, or every address. */
void ikm_ts_any(struct ike_ts_list *l, const uint8_t *addr)
{
	ikm_ts_one(l, addr);
	l->ts[0].proto = 0;
	l->ts[0].start_port = 0;
	l->ts[0].end_port = 65535;
}

static bool in_range(const uint8_t *a, const uint8_t *lo, const uint8_t *hi)
{
	return memcmp(a, lo, 16) >= 0 && memcmp(a, hi, 16) <= 0;
}

/* The first PROTECT policy of a direction whose selectors cover this
 * pair of addresses and meet the negotiated protocol and ports. */
static uint32_t policy_for(struct ike_km *k, enum spd_dir dir, const uint8_t *local, const uint8_t *remote,
			   const struct ike_ts *ts, enum sa_mode mode)
{
	const struct spd *spd = node_bits(k->n)->spd;
	for (size_t i = 0;; i++) {
		const struct spd_entry *e = spd_at(spd, dir, i);
		if (!e)
			return 0;
		const struct spd_sel *x = &e->sel;
		if (e->action != SPD_PROTECT || e->protect.ipsec_proto != IP6P_ESP || e->protect.mode != mode)
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

/* IKE-20, MK-02: a Child SA half's RFC 3948 ports, the IKE SA's, while NAT
 * traversal says ESP goes in UDP; else 0 (none). */
static void encap_ports(const struct slot *s, bool inbound, uint16_t *sport, uint16_t *dport)
{
	const struct ike_path *p = &s->sa.path;
	bool on = ike_sa_encap(&s->sa);
	*sport = on ? (inbound ? p->pport : p->lport) : 0;
	*dport = on ? (inbound ? p->lport : p->pport) : 0;
}

/* The keys, lifetimes, anti-replay and PAD peer of a Child SA half whose
 * addresses and selectors the caller filled in, and the SA into the SAD. */
static int keyed_add(struct ike_km *k, struct slot *s, const struct ike_child *c, struct ipsec_sa *sa)
{
	const struct ike_child_keys *ck = &c->keys;
	struct m6_xform_cfg x;
	memset(&x, 0, sizeof(x));
	int rc = ike_km_esp_xform(&k->cfg.esp, &x.enc, &x.auth);
	if (rc)
		return rc;
	/* KEYMAT: the keys from the initiator of the Child SA's exchange
	 * first (IKE-13) */
	bool i2r = sa->inbound != c->ours;
	memcpy(x.ekey, i2r ? ck->ei : ck->er, ck->e_len);
	memcpy(x.akey, i2r ? ck->ai : ck->ar, ck->a_len);
	x.eklen = ck->e_len;
	x.aklen = ck->a_len;
	sa->proto = IP6P_ESP;
	sa->model = (uint8_t)node_bits(k->n)->cfg.model;
	encap_ports(s, sa->inbound, &sa->encap_sport, &sa->encap_dport);
	if (!s->sa.initiator) {
		const struct pad_entry *e = ikm_pad_for(k, s->sa.peer_id_type, s->sa.peer_id, s->sa.peer_id_len);
		sa->pad_id = e ? e->id : 0;
	}
	struct sa_lifetime life = { .soft_ns = k->cfg.soft_s * NS, .hard_ns = k->cfg.hard_s * NS };
	sa->life = &life;
	sa->esn = k->cfg.esp.esn;
	if (sa->inbound) {
		/* keyed SAs run anti-replay (ESP-02) */
		sa->replay_on = true;
		rc = replay_init(&sa->replay, 0, sa->esn);
	}
	if (!rc)
		rc = m6_xform_init(&sa->xf, &x, !sa->inbound, NULL, 0);
	if (!rc) {
		rc = node_sa_add(k->n, sa);
		if (rc)
			m6_xform_clear(&sa->xf);
	}
	if (!rc)
		log_child(k, sa, &x);
	OPENSSL_cleanse(&x, sizeof(x));
	return rc;
}

static int add_sa(struct ike_km *k, struct slot *s, const struct ike_child *c, bool inbound, uint32_t spi,
		  uint32_t spd_id, const uint8_t *local, const uint8_t *remote, const struct ike_ts *ts)
{
	struct ipsec_sa sa;
	memset(&sa, 0, sizeof(sa));
	sa.spi = spi;
	sa.mode = SA_TRANSPORT;
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
	return keyed_add(k, s, c, &sa);
}

/* A Child SA as a pair of transport-mode SAs; TSi is the side of whoever
 * started the exchange that made it. */
/* The tunnel-mode pair (4877-09): the tunnel's far end is the home agent
 * (the IKE SA's), the mobile node's end its care-of address, kept current
 * by the binding (follow_binding, HA-09, 3776-11); the selectors are the
 * negotiated ones, the policies the tunnel-mode ones that cover them. */
static int add_tunnel_sa(struct ike_km *k, struct slot *s, const struct ike_child *c, bool inbound, uint32_t spi,
			 uint32_t spd_id, const struct ike_ts *mine, const struct ike_ts *theirs)
{
	struct ipsec_sa sa;
	memset(&sa, 0, sizeof(sa));
	sa.spi = spi;
	sa.mode = SA_TUNNEL;
	sa.inbound = inbound;
	sa.follow_binding = true;
	/* the mobile node's end: its care-of address while away */
	struct mn *mn = node_mn(k->n);
	const uint8_t *coa = mn ? (mn_at_home(mn) ? NULL : mn_coa(mn)) : s->sa.path.peer;
	const uint8_t *ha = mn ? s->sa.path.peer : s->sa.path.local;
	const uint8_t *local = mn ? coa : ha, *remote = mn ? ha : coa;
	static const uint8_t none[16];
	memcpy(sa.src, inbound ? (remote ? remote : none) : (local ? local : none), 16);
	memcpy(sa.dst, inbound ? (local ? local : none) : (remote ? remote : none), 16);
	sa.bound = coa != NULL;
	memcpy(sa.ts.local_lo, mine->start, 16);
	memcpy(sa.ts.local_hi, mine->end, 16);
	memcpy(sa.ts.remote_lo, theirs->start, 16);
	memcpy(sa.ts.remote_hi, theirs->end, 16);
	sa.ts.proto = mine->proto ? mine->proto : SPD_PROTO_ANY;
	sa.ts.lport = SPD_PORT_ANY;
	sa.ts.rport = SPD_PORT_ANY;
	sa.spd_id = spd_id;
	return keyed_add(k, s, c, &sa);
}

static int install_tunnel(struct ike_km *k, struct slot *s, const struct ike_child *c)
{
	if (!c->tsi.n || !c->tsr.n)
		return M6_E_IKE_TS;
	/* our side of the selectors: TSi when we initiated the exchange */
	const struct ike_ts *mine = c->ours ? &c->tsi.ts[0] : &c->tsr.ts[0];
	const struct ike_ts *theirs = c->ours ? &c->tsr.ts[0] : &c->tsi.ts[0];
	uint32_t out_pol = policy_for(k, SPD_OUT, mine->start, theirs->start, mine, SA_TUNNEL);
	uint32_t in_pol = policy_for(k, SPD_IN, mine->start, theirs->start, mine, SA_TUNNEL);
	int rc = out_pol && in_pol ? 0 : M6_E_NOTFOUND;
	if (!rc)
		rc = add_tunnel_sa(k, s, c, true, c->spi_in, in_pol, mine, theirs);
	if (!rc) {
		rc = add_tunnel_sa(k, s, c, false, c->spi_out, out_pol, mine, theirs);
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

int ikm_install(struct ike_km *k, struct slot *s, const struct ike_child *c)
{
	if (!c->tsi.n || !c->tsr.n)
		return M6_E_IKE_TS;
	const struct ike_ts *ti = &c->tsi.ts[0], *tr = &c->tsr.ts[0];
	const uint8_t *local = c->ours ? ti->start : tr->start;
	const uint8_t *remote = c->ours ? tr->start : ti->start;
	const struct ike_ts *sel = c->ours == s->sa.cfg_i ? ti : tr;   /* the mobile node's side */
	if (c->tunnel)
		return install_tunnel(k, s, c);
	uint32_t out_pol = policy_for(k, SPD_OUT, local, remote, sel, SA_TRANSPORT);
	uint32_t in_pol = policy_for(k, SPD_IN, local, remote, sel, SA_TRANSPORT);
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

void ikm_encap_children(struct ike_km *k, struct slot *s)
{
	struct node_sa_update in = { .set_encap = true }, out = { .set_encap = true };
	encap_ports(s, true, &in.encap_sport, &in.encap_dport);
	encap_ports(s, false, &out.encap_sport, &out.encap_dport);
	for (unsigned i = 0; i < IKE_SA_CHILD_MAX; i++) {
		const struct ike_child *c = &s->sa.ch[i];
		if (!c->used)
			continue;
		node_sa_update(k->n, c->spi_in, IP6P_ESP, true, &in);
		node_sa_update(k->n, c->spi_out, IP6P_ESP, false, &out);
	}
}

/* The true-address model's transport SAs follow the mobile node: after a
 * MOBIKE move (the update authentic, NO_NATS_ALLOWED and the address policy
 * checked, the addresses taken from its IP header) every Child SA of this
 * IKE SA that names the mobile node's old address names the new one, at
 * both ends, in the SAD and in the selectors a rekey proposes. Only this
 * IKE SA's own Child SAs move: an update can move no other node's SAs,
 * and which home address an SA may speak for stays the PAD's (the
 * post-check), whatever address it names. */
void ikm_move_children(struct ike_km *k, struct slot *s)
{
	const uint8_t *now_at = s->sa.cfg_i ? s->sa.path.local : s->sa.path.peer;
	if (!ikm_true_address(k) || !memcmp(now_at, s->mn_addr, 16))
		return;
	uint8_t old[16];
	memcpy(old, s->mn_addr, 16);
	memcpy(s->mn_addr, now_at, 16);
	if (s->sa.cfg_i)
		ikm_ts_one(&s->cfg.tsi, now_at);
	for (unsigned i = 0; i < IKE_SA_CHILD_MAX; i++) {
		struct ike_child *c = &s->sa.ch[i];
		struct ike_ts_list *mn_side = c->ours == s->sa.cfg_i ? &c->tsi : &c->tsr;
		if (!c->used || !mn_side->n || memcmp(mn_side->ts[0].start, old, 16))
			continue;
		memcpy(mn_side->ts[0].start, now_at, 16);
		memcpy(mn_side->ts[0].end, now_at, 16);
		const uint8_t *other = (mn_side == &c->tsi ? &c->tsr : &c->tsi)->ts[0].start;
		const uint8_t *local = s->sa.cfg_i ? now_at : other, *remote = s->sa.cfg_i ? other : now_at;
		struct node_sa_update in = { .src = remote, .dst = local, .ts_local = local, .ts_remote = remote };
		struct node_sa_update out = { .src = local, .dst = remote, .ts_local = local, .ts_remote = remote };
		node_sa_update(k->n, c->spi_in, IP6P_ESP, true, &in);
		node_sa_update(k->n, c->spi_out, IP6P_ESP, false, &out);
		k->st.sa_moved += 2;
	}
	/* the Binding Update from the new address that went out before the
	 * SAs moved did not pass the home agent's selectors: again, now that
	 * both ends name the new address (one round trip after the move) */
	struct mn *mn = node_mn(k->n);
	if (s->sa.cfg_i && mn)
		mn_sa_ready(mn, node_km_now(k->n));
}
