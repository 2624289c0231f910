/*
 * node — lifecycle, events, the engines' I/O glue, timers and links.
 * The packet paths live in node_tx.c and node_input.c, routing in
 * node_route.c, the key manager's side in node_km.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "node_int.h"
#include "../util/m6_bytes.h"

#define RA_INTERVAL_MS_DEFAULT 1000

/* ---- events ---- */

void node_emit(struct node *n, struct m6_event *ev)
{
	ev->time = n->now;
	ev->node = n->name;
	if (n->ev_cb)
		n->ev_cb(n->ev_ctx, ev);
}

void node_emit_drop(struct node *n, int reason, const char *what)
{
	struct m6_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = M6_EV_DROP;
	ev.code = reason;
	snprintf(ev.text, sizeof(ev.text), "%s: %s", what, m6_errid(reason));
	node_emit(n, &ev);
}

/* Every call from the driver goes through here: notifications for the key
 * manager wait until the outermost call is done with its packet. */
void node_enter(struct node *n, uint64_t now)
{
	if (n->depth++ == 0)
		n->now = now;
}

void node_leave(struct node *n)
{
	if (n->depth == 1)
		node_km_flush(n);
	n->depth--;
}

/* ---- the engines' I/O ---- */

static void io_event(void *ctx, struct m6_event *ev)
{
	struct node *n = ctx;
	static const uint8_t zero[16];
	if (ev->type == M6_EV_MOVED && memcmp(ev->addr, zero, 16) &&
	    (!n->have_coa || memcmp(ev->addr, n->last_coa, 16))) {
		struct km_note k = { .type = KM_NOTE_ADDRESS, .has_old = n->have_coa };
		memcpy(k.old_coa, n->last_coa, 16);
		memcpy(k.new_coa, ev->addr, 16);
		node_km_note(n, &k);
	}
	if (ev->type == M6_EV_MOVED && memcmp(ev->addr, zero, 16)) {
		memcpy(n->last_coa, ev->addr, 16);
		n->have_coa = true;
	}
	/* HA-09: the mobile node's tunnel SAs leave from the care-of address
	 * of the home registration it has just sent, from home from none */
	if ((ev->type == M6_EV_BU_SENT || ev->type == M6_EV_BU_RETRANSMIT) && n->mn && mn_ha(n->mn) &&
	    !memcmp(ev->peer, mn_ha(n->mn), 16))
		node_tunnel_sa_coa(n, mn_at_home(n->mn) ? NULL : ev->addr);
	node_emit(n, ev);
}

static void io_binding(void *ctx, const uint8_t hoa[16], const uint8_t *old_coa, const uint8_t *new_coa, bool k,
		       uint32_t lifetime_s)
{
	struct node *n = ctx;
	struct km_note note = { .type = KM_NOTE_BINDING };
	struct node_binding_change *c = &note.bc;
	/* only the home agent's engine and the mobile node's report these */
	c->home_agent = n->ha != NULL;
	memcpy(c->hoa, hoa, 16);
	if ((c->has_old = old_coa != NULL))
		memcpy(c->old_coa, old_coa, 16);
	if ((c->has_new = new_coa != NULL))
		memcpy(c->new_coa, new_coa, 16);
	c->k = k;
	c->lifetime_s = lifetime_s;
	/* 3776-11, 3776-15 step 6: the home agent moves the tunnel SAs now,
	 * between accepting the protected BU and sending its BA; the mobile
	 * node's go only when its binding is gone (a new one moved them as
	 * its BU left) */
	if (n->ha)
		node_tunnel_sa_binding(n, hoa, new_coa);
	else if (!new_coa)
		node_tunnel_sa_coa(n, NULL);
	node_km_note(n, &note);
}

/* Every secret an engine draws comes from here. A DRBG that fails after a
 * successful instantiation means the crypto library is broken: a node that
 * cannot draw secrets must not go on with predictable ones. */
static void io_random(void *ctx, uint8_t *out, size_t len)
{
	struct node *n = ctx;
	if (node_draw(n, out, len)) {
		fprintf(stderr, "%s: random generator failure\n", n->name);
		abort();
	}
}

/* A seeded node's draw: OpenSSL's HMAC-DRBG instantiated from the input
 * kept, the request, then the next instantiation's input drawn from the
 * same generator (a DRBG seeding the next, SP 800-90C's chain), and the
 * generator freed. Between draws the node keeps those 48 octets instead of
 * an EVP_RAND context (1.5 KB), which at a million simulated mobile nodes,
 * each drawing once or twice, is most of the difference. The request and
 * the next input come from one generate call (two for a request over
 * NODE_DRAW_ONE_CALL octets). A draw costs an instantiation (about 6 us and a few allocations), so a node that keeps
 * drawing (a correspondent's nonces, a home agent's discovery replies, a
 * key manager) keeps the generator of its NODE_DRBG_CHAIN-th draw and
 * draws from it from then on. */
static int draw_chained(struct node *n, uint8_t *out, size_t len)
{
	struct m6_drbg *d = NULL;
	int rc = M6_E_CRYPTO;
	bool keep = ++n->drbg_draws >= NODE_DRBG_CHAIN;
	const uint8_t *ent = n->drbg_next, *non = n->drbg_next + M6_DRBG_ENTROPY_LEN;
	const uint8_t *pers = (const uint8_t *)n->name;
	size_t plen = strlen(n->name);
	/* A draw that keeps nothing instantiates the driver's shared generator
	 * again instead of making OpenSSL contexts: the same output, at a
	 * fraction of a node's setup time (the simulator is single-threaded). */
	bool reuse = !keep && n->sh;
	if (reuse && !n->sh->drbg)
		n->sh->drbg = m6_drbg_new(ent, non, pers, plen);
	else if (reuse && m6_drbg_reinit(n->sh->drbg, ent, non, pers, plen))
		reuse = false, n->drbg_broken = true;
	if (n->drbg_broken)
		d = NULL;
	else if (reuse)
		d = n->sh->drbg;
	else
		d = m6_drbg_new(ent, non, pers, plen);
	/* One request gives both the output and the next input (each
	 * generate call costs HMAC-DRBG's update steps again); one larger
	 * than the buffer takes two. */
	uint8_t both[NODE_DRAW_ONE_CALL + sizeof(n->drbg_next)];
	if (d && !keep && len <= NODE_DRAW_ONE_CALL) {
		if (!(rc = m6_drbg_generate(d, both, len + sizeof(n->drbg_next)))) {
			memcpy(out, both, len);
			memcpy(n->drbg_next, both + len, sizeof(n->drbg_next));
		}
		m6_wipe(both, sizeof(both));
	} else if (d && !(rc = m6_drbg_generate(d, out, len)) && !keep) {
		rc = m6_drbg_generate(d, n->drbg_next, sizeof(n->drbg_next));
	}
	if (!rc && keep) {
		n->drbg = d;
		d = NULL;
		m6_wipe(n->drbg_next, sizeof(n->drbg_next));
	}
	if (d && d == (n->sh ? n->sh->drbg : NULL))
		m6_drbg_clear(d);     /* nothing of this node's stream stays behind */
	else
		m6_drbg_free(d);
	if (rc) {
		/* never again from input a failure may have wiped */
		n->drbg_broken = true;
		m6_wipe(n->drbg_next, sizeof(n->drbg_next));
		m6_wipe(out, len);
	}
	return rc;
}

int node_draw(struct node *n, uint8_t *out, size_t len)
{
	if (n->drbg)
		return m6_drbg_generate(n->drbg, out, len);
	return draw_chained(n, out, len);
}

static void io_send(void *ctx, const uint8_t *pkt, size_t len)
{
	/* node_send_routed() copies into its scratch buffer (and checks the
	 * length), so a packet already in node memory needs no extra copy. */
	node_send_local(ctx, pkt, len);
}

/* SHA-512(label || 0 || seed (8 octets, little-endian) || name), one-shot
 * on the stack: a node's setup allocates nothing for it. */
static int hash_label(const char *label, const struct node_cfg *cfg, const char *name, uint8_t out[64])
{
	uint8_t in[128];
	size_t ll = strlen(label) + 1, nl = strlen(name);
	if (ll + 8 + nl > sizeof(in))
		return M6_E_CRYPTO;
	memcpy(in, label, ll);
	for (int i = 0; i < 8; i++)
		in[ll + (size_t)i] = (uint8_t)(cfg->seed >> (8 * i));
	memcpy(in + ll + 8, name, nl);
	int ok = SHA512(in, ll + 8 + nl, out) != NULL;
	m6_wipe(in, sizeof(in));
	return ok ? 0 : M6_E_CRYPTO;
}

/* The DRBG's input: the driver's entropy, instantiated now and kept for
 * the node's life; or (simulation) a hash of the seed and the node's name,
 * so every node has its own reproducible stream, kept as input for the
 * first draw (draw_chained). */
static int drbg_setup(struct node *n, const struct node_cfg *cfg)
{
	uint8_t in[64];                  /* one hash: entropy, then the nonce */
	_Static_assert(sizeof(n->drbg_next) == M6_DRBG_ENTROPY_LEN + M6_DRBG_NONCE_LEN, "one instantiation's input");
	int rc = 0;
	if (!cfg->entropy) {
		if (!(rc = hash_label("mip6sec node drbg", cfg, n->name, in)))
			memcpy(n->drbg_next, in, sizeof(n->drbg_next));
	} else if (cfg->entropy(cfg->entropy_ctx, in, M6_DRBG_ENTROPY_LEN + M6_DRBG_NONCE_LEN)) {
		rc = M6_E_CRYPTO;
	} else if (!(n->drbg = m6_drbg_new(in, in + M6_DRBG_ENTROPY_LEN, (const uint8_t *)n->name, strlen(n->name)))) {
		rc = M6_E_CRYPTO;
	}
	m6_wipe(in, sizeof(in));
	return rc;
}

/* ---- timers, links ---- */

uint64_t node_next_expiry(const struct node *n)
{
	uint64_t t = UINT64_MAX;
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if (n->cfg.ifaces[i].advertise && n->ifs[i].up && n->ifs[i].next_ra < t)
			t = n->ifs[i].next_ra;
	if (n->mn && mn_next_expiry(n->mn) < t)
		t = mn_next_expiry(n->mn);
	if (n->ha && ha_next_expiry(n->ha) < t)
		t = ha_next_expiry(n->ha);
	if (n->cn && cn_next_expiry(n->cn) < t)
		t = cn_next_expiry(n->cn);
	uint64_t k = node_km_next_expiry(n);
	return k < t ? k : t;
}

void node_on_timer(struct node *n, uint64_t now)
{
	node_enter(n, now);
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++) {
		const struct node_iface_cfg *ic = &n->cfg.ifaces[i];
		if (ic->advertise && n->ifs[i].up && n->ifs[i].next_ra <= now) {
			node_send_ra(n, i);
			n->ifs[i].next_ra = now + (uint64_t)(ic->ra_interval_ms ? ic->ra_interval_ms : RA_INTERVAL_MS_DEFAULT) * MIP6_NS_PER_MS;
		}
	}
	if (n->mn && mn_next_expiry(n->mn) <= now)
		mn_on_timer(n->mn, now);
	if (n->ha && ha_next_expiry(n->ha) <= now)
		ha_on_timer(n->ha, now);
	if (n->cn && cn_next_expiry(n->cn) <= now)
		cn_on_timer(n->cn, now);
	node_km_on_timer(n, now);
	node_leave(n);
}

void node_link(struct node *n, unsigned ifindex, bool up, uint64_t now)
{
	if (ifindex >= n->cfg.n_ifaces)
		return;
	node_enter(n, now);
	n->ifs[ifindex].up = up;
	if (up)
		n->ifs[ifindex].next_ra = now;
	else if (n->mn)
		mn_link_down(n->mn, now);
	node_leave(n);
}

/* ---- lifecycle ---- */

/* The scratch and the queue a driver lends its nodes. */
struct node_shared *node_shared_new(void)
{
	return calloc(1, sizeof(struct node_shared));
}

void node_shared_free(struct node_shared *s)
{
	if (!s)
		return;
	free(s->q.p);
	m6_drbg_free(s->drbg);
	free(s);
}

/* The node and what it keeps of its configuration in one allocation:
 * struct node, its interfaces' state, their configuration, its routes. */
/* A node without the driver's shared buffers: its scratch and transmit
 * queue in one allocation (a node that borrows both carries neither). */
struct node_own {
	struct node_scratch sc;          /* first: n->sc is the allocation */
	struct node_txq q;
};

static struct node *node_alloc(const struct node_cfg *cfg)
{
	struct node_own *own;
	size_t ni = cfg->n_ifaces, nr = cfg->n_routes;
	size_t sz = sizeof(struct node) + ni * (sizeof(struct iface) + sizeof(struct node_iface_cfg)) +
		    nr * sizeof(struct node_route);
	struct node *n = calloc(1, sz);
	if (!n)
		return NULL;
	n->ifs = (struct iface *)(n + 1);
	n->cfg.ifaces = (struct node_iface_cfg *)(n->ifs + ni);
	n->cfg.routes = (struct node_route *)(n->cfg.ifaces + ni);
	memcpy(n->cfg.ifaces, cfg->ifaces, ni * sizeof(*cfg->ifaces));
	memcpy(n->cfg.routes, cfg->routes, nr * sizeof(*cfg->routes));
	n->cfg.n_ifaces = cfg->n_ifaces;
	n->cfg.n_routes = cfg->n_routes;
	n->cfg.forwarding = cfg->forwarding;
	n->cfg.is_ha = cfg->is_ha;
	n->cfg.no_echo_reply = cfg->no_echo_reply;
	memcpy(n->cfg.mn.hoa, cfg->mn.hoa, 16);
	memcpy(n->cfg.mn.ha, cfg->mn.ha, 16);
	memcpy(n->cfg.ha.prefix, cfg->ha.prefix, 16);
	n->cfg.ha.plen = cfg->ha.plen;
	n->cfg.spd = cfg->spd;
	n->cfg.sad = cfg->sad;
	n->cfg.pad = cfg->pad;
	if (cfg->shared) {
		n->sc = &cfg->shared->sc;
		n->q = &cfg->shared->q;
		n->shared = true;
		n->sh = cfg->shared;
	} else if ((own = malloc(sizeof(*own)))) {
		memset(&own->q, 0, sizeof(own->q));
		n->sc = &own->sc;
		n->q = &own->q;
	} else {
		free(n);
		return NULL;
	}
	n->buf = n->sc->buf;
	n->buf2 = n->sc->buf2;
	n->ebuf = n->sc->ebuf;
	return n;
}

struct node *node_new(const struct node_cfg *cfg, uint64_t now, char *err, size_t errlen)
{
	if (!cfg) {
		snprintf(err, errlen, "no configuration");
		return NULL;
	}
	struct node *n = NULL;
	if (cfg->n_ifaces == 0 || cfg->n_ifaces > NODE_IF_MAX || cfg->n_routes > NODE_ROUTE_MAX)
		snprintf(err, errlen, "a node needs 1..%d interfaces and at most %d routes", NODE_IF_MAX, NODE_ROUTE_MAX);
	else if (!(n = node_alloc(cfg)))
		snprintf(err, errlen, "out of memory");
	if (!n) {
		/* the node owns the tables it was given, also when it fails */
		sad_free(cfg->sad);
		spd_free(cfg->spd);
		pad_free(cfg->pad);
		return NULL;
	}
	snprintf(n->name, sizeof(n->name), "%s", cfg->name ? cfg->name : "node");
	n->cfg.name = n->name;
	n->txq_max = cfg->txq_max ? cfg->txq_max : NODE_TXQ_MAX;
	n->now = now;
	n->sa_next = UINT64_MAX;
	n->icmp_tokens = NODE_ICMP_BURST;
	n->icmp_stamp = now;
	n->io.ctx = n;
	n->io.send = io_send;
	n->io.event = io_event;
	n->io.random = io_random;
	n->io.binding = io_binding;
	n->io.scratch = n->sc->engine;
	for (unsigned i = 0; i < cfg->n_ifaces; i++) {
		n->ifs[i].up = true;
		n->ifs[i].next_ra = now;
	}
	if (cfg->spd) {
		n->ipsec = true;
		bits_init(&n->bits, &cfg->bits, cfg->spd, cfg->sad, cfg->pad);
		node_km_sa_rescan(n);
	} else {
		sad_free(cfg->sad);
		pad_free(cfg->pad);
		n->cfg.sad = NULL;
		n->cfg.pad = NULL;
	}
	const char *what = NULL;
	if (drbg_setup(n, cfg))
		what = "random generator";
	if (!what && cfg->is_mn && !(n->mn = mn_new(&cfg->mn, &n->io)))
		what = "mobile node";
	if (!what && cfg->is_ha && !(n->ha = ha_new(&cfg->ha, &n->io)))
		what = "home agent";
	if (!what && cfg->is_cn && !(n->cn = cn_new(&cfg->cn, &n->io, now)))
		what = "correspondent node";
	const char *why = what ? NULL : node_tunnel_sa_check(n, cfg);
	if (why) {
		snprintf(err, errlen, "%s: %s", n->name, why);
		node_free(n);
		return NULL;
	}
	if (what) {
		snprintf(err, errlen, "%s: bad %s configuration", n->name, what);
		node_free(n);
		return NULL;
	}
	return n;
}

void node_free(struct node *n)
{
	if (!n)
		return;
	bits_fini(&n->bits);
	mn_free(n->mn);
	ha_free(n->ha);
	cn_free(n->cn);
	if (n->ipsec) {
		sad_free(n->cfg.sad);
		spd_free(n->cfg.spd);
		pad_free(n->cfg.pad);
	}
	m6_drbg_free(n->drbg);
	m6_wipe(n->drbg_next, sizeof(n->drbg_next));
	node_km_free(n);
	if (n->shared) {
		/* output nobody took must not reach the next node */
		if (n->q->owner == n)
			n->q->head = n->q->tail = 0;
	} else {
		free(n->q->p);
		free(n->sc);
	}
	free(n);
}

const char *node_name(const struct node *n) { return n->name; }
void node_set_event_cb(struct node *n, node_event_cb cb, void *ctx) { n->ev_cb = cb; n->ev_ctx = ctx; }
void node_set_deliver_cb(struct node *n, node_deliver_cb cb, void *ctx) { n->dl_cb = cb; n->dl_ctx = ctx; }
void node_set_km(struct node *n, const struct node_km *km) { n->km = *km; }
struct mn *node_mn(struct node *n) { return n->mn; }
struct ha *node_ha(struct node *n) { return n->ha; }
struct cn *node_cn(struct node *n) { return n->cn; }
struct bits *node_bits(struct node *n) { return n->ipsec ? &n->bits : NULL; }

/* ---- bindings ---- */

static int bce_binding(struct bcache *bc, const uint8_t hoa[16], uint8_t coa[16])
{
	struct bce *e = bc ? bcache_lookup(bc, hoa) : NULL;
	if (!e || !e->in_use || !e->valid)
		return 0;
	memcpy(coa, e->coa, 16);
	return 1;
}

int node_binding(const struct node *n, const uint8_t hoa[16], uint8_t coa[16])
{
	if (n->ha)
		return bce_binding(ha_bcache(n->ha), hoa, coa);
	if (n->cn)
		return bce_binding(cn_bcache(n->cn), hoa, coa);
	if (!n->mn)
		return M6_E_INVAL;
	if (mn_at_home(n->mn) || !mn_registered(n->mn) || !mn_coa(n->mn) || memcmp(hoa, mn_hoa(n->mn), 16))
		return 0;
	memcpy(coa, mn_coa(n->mn), 16);
	return 1;
}

static size_t each_bce(struct bcache *bc, void (*cb)(void *ctx, const struct node_binding_info *b), void *ctx)
{
	size_t count = 0;
	size_t cap = bc ? bcache_capacity(bc) : 0;
	for (size_t i = 0; i < cap; i++) {
		struct bce *e = bcache_slot(bc, i);
		if (!e || !e->in_use || !e->valid)
			continue;
		struct node_binding_info b = { .home_reg = e->home_reg, .seq = e->seq, .lifetime_s = e->lifetime_s,
					       .expires = e->expires };
		memcpy(b.hoa, e->hoa, 16);
		memcpy(b.coa, e->coa, 16);
		if (cb)
			cb(ctx, &b);
		count++;
	}
	return count;
}

size_t node_bindings(const struct node *n, void (*cb)(void *ctx, const struct node_binding_info *b), void *ctx)
{
	size_t count = 0;
	if (n->ha)
		count += each_bce(ha_bcache(n->ha), cb, ctx);
	if (n->cn)
		count += each_bce(cn_bcache(n->cn), cb, ctx);
	return count;
}

const struct node_km_stats *node_km_stats(const struct node *n) { return &n->km_st; }
