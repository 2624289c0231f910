/*
 * fuzz_node_world — the node harness's configuration (manual keys under
 * either protection model, the FORGE senders) and its three nodes, built
 * afresh for every input.
 *
 * The four IPsec configurations (HA and MN, each under either model) are
 * parsed once per process; every input's nodes get their own copies of
 * the tables, rebuilt through spd_add(), pad_add() and sad_add() in the
 * order keyconf made them (same ids), each SA keyed anew from the keys
 * keyconf kept (KEYCONF_KEEP_KEYS). Parsing the text for every input was a
 * fifth of the harness's own time. fz_setup() checks once that a copy
 * holds what a fresh parse of the text gives.
 */
#include "confread.h"
#include "fuzz_node.h"

void fz_violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_node: invariant violated at line %d: %s\n", line, what);
	abort();
}

/* ---- configuration ------------------------------------------------------ */

#define KA "enc = \"aes-cbc\"; enc_key = \"000102030405060708090a0b0c0d0e0f\"; auth = \"hmac-sha256-128\"; " \
	   "auth_key = \"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\";"
#define KB "enc = \"aes-cbc\"; enc_key = \"505152535455565758595a5b5c5d5e5f\"; auth = \"hmac-sha256-128\"; " \
	   "auth_key = \"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f\";"
#define REST "{ name = \"rest-out\"; dir = \"out\"; order = 9000; action = \"bypass\"; }," \
	     "{ name = \"rest-in\"; dir = \"in\"; order = 9000; action = \"bypass\"; }"

static const char mn_normalise[] =
	"node = { model = \"normalise\"; };"
	"spd = ( { name = \"bu\"; dir = \"out\"; order = 10; local = \"2001:db8:1::100\"; remote = \"2001:db8:1::1\";"
	"          proto = \"mh\"; mh_type = \"bu\"; },"
	"        { name = \"ba\"; dir = \"in\"; order = 10; local = \"2001:db8:1::100\"; remote = \"2001:db8:1::1\";"
	"          proto = \"mh\"; mh_type = \"ba\"; }, " REST " );"
	"sa = ( { spi = 0x1001; policy = \"bu\"; src = \"2001:db8:1::100\"; dst = \"2001:db8:1::1\"; " KA " },"
	"       { spi = 0x1002; policy = \"ba\"; src = \"2001:db8:1::1\"; dst = \"2001:db8:1::100\"; " KA " } );";
static const char ha_normalise[] =
	"node = { model = \"normalise\"; };"
	"pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"2001:db8:1::100\" ]; },"
	"        { id = \"mn-b@example.com\"; home_addresses = [ \"2001:db8:1::200\" ]; } );"
	"spd = ( { name = \"bu-a\"; dir = \"in\"; order = 10; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::100\";"
	"          proto = \"mh\"; mh_type = \"bu\"; },"
	"        { name = \"ba-a\"; dir = \"out\"; order = 10; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::100\";"
	"          proto = \"mh\"; mh_type = \"ba\"; },"
	"        { name = \"bu-b\"; dir = \"in\"; order = 20; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::200\";"
	"          proto = \"mh\"; mh_type = \"bu\"; }, " REST " );"
	"sa = ( { spi = 0x1001; policy = \"bu-a\"; src = \"2001:db8:1::100\"; dst = \"2001:db8:1::1\"; peer = \"mn-a@example.com\"; " KA " },"
	"       { spi = 0x1002; policy = \"ba-a\"; src = \"2001:db8:1::1\"; dst = \"2001:db8:1::100\"; peer = \"mn-a@example.com\"; " KA " },"
	"       { spi = 0x2001; policy = \"bu-b\"; src = \"2001:db8:1::200\"; dst = \"2001:db8:1::1\"; peer = \"mn-b@example.com\"; " KB " } );";
/* the true-address model, as tests/sim/true_address_manual.scn */
static const char mn_true[] =
	"node = { model = \"true-address\"; };"
	"spd = ( { name = \"bu\"; dir = \"out\"; order = 10; local = \"any\"; remote = \"2001:db8:1::1\";"
	"          proto = \"mh\"; mh_type = \"bu\"; },"
	"        { name = \"ba\"; dir = \"in\"; order = 10; local = \"any\"; remote = \"2001:db8:1::1\";"
	"          proto = \"mh\"; mh_type = \"ba\"; }, " REST " );"
	"sa = ( { spi = 0x1001; policy = \"bu\"; src = \"::\"; dst = \"2001:db8:1::1\"; " KA " },"
	"       { spi = 0x1002; policy = \"ba\"; src = \"2001:db8:1::1\"; dst = \"::\"; " KA " } );";
static const char ha_true[] =
	"node = { model = \"true-address\"; };"
	"pad = ( { id = \"mn-a@example.com\"; home_addresses = [ \"2001:db8:1::100\" ]; },"
	"        { id = \"mn-b@example.com\"; home_addresses = [ \"2001:db8:1::200\" ]; } );"
	"spd = ( { name = \"bu-a\"; dir = \"in\"; order = 10; local = \"2001:db8:1::1\"; remote = \"any\";"
	"          proto = \"mh\"; mh_type = \"bu\"; },"
	"        { name = \"ba-a\"; dir = \"out\"; order = 10; local = \"2001:db8:1::1\"; remote = \"any\";"
	"          proto = \"mh\"; mh_type = \"ba\"; },"
	"        { name = \"bu-b\"; dir = \"in\"; order = 20; local = \"2001:db8:1::1\"; remote = \"any\";"
	"          proto = \"mh\"; mh_type = \"bu\"; }, " REST " );"
	"sa = ( { spi = 0x1001; policy = \"bu-a\"; src = \"::\"; dst = \"2001:db8:1::1\"; peer = \"mn-a@example.com\"; " KA " },"
	"       { spi = 0x1002; policy = \"ba-a\"; src = \"2001:db8:1::1\"; dst = \"::\"; peer = \"mn-a@example.com\"; " KA " },"
	"       { spi = 0x2001; policy = \"bu-b\"; src = \"::\"; dst = \"2001:db8:1::1\"; peer = \"mn-b@example.com\"; " KB " } );";

/* Peers that seal FORGE packets: protect everything with one outbound SA. */
#define SENDER(spi, keys) \
	"node = { model = \"true-address\"; };" \
	"spd = ( { name = \"all\"; dir = \"out\"; order = 10; } );" \
	"sa = ( { spi = " spi "; policy = \"all\"; src = \"::\"; dst = \"::\"; " keys " } );"
static const char *const sender_cfg[3] = { SENDER("0x1001", KA), SENDER("0x1002", KA), SENDER("0x2001", KB) };

struct fz_sender fz_senders[3];

uint8_t a_ha[16], a_hoa[16], a_coa[16], a_cn[16], a_r[16], a_hoa_b[16], a_ha_bb[16], a_all[16];
uint8_t p_home[16], p_backbone[16], p_foreign[16];
const uint8_t *addr_tab[8];
const char *const fz_node_names[N_NODES] = { "ha", "mn", "cn" };
const unsigned fz_n_ifaces[N_NODES] = { 2, 1, 1 };
bool fz_verbose;
struct fz_state fz;
/* Lent to the nodes of every input that does not ask for their own: the
 * harness calls into one node at a time and drains it after every call,
 * as node_shared requires. Without it each node allocates its scratch
 * (about 15 KB) and makes an OpenSSL DRBG context for every seeded draw;
 * with it the draws reinstantiate one generator in place, with the same
 * output (every committed seed gives the same events and packets either
 * way), and inputs run about a tenth faster under ASan. */
static struct node_shared *shared;

static void parse(const char *s, uint8_t a[16])
{
	if (ip6_addr_parse(s, a))
		abort();
}

static void load(const char *text, struct keyconf *kc)
{
	char err[256];
	if (keyconf_load_string(text, kc, err, sizeof(err))) {
		fprintf(stderr, "fuzz_node: config: %s\n%s\n", err, text);
		abort();
	}
}

/* ---- the parsed configurations and their copies ------------------------- */

enum { C_HA_NORM, C_MN_NORM, C_HA_TRUE, C_MN_TRUE, N_CONFS };
static const char *const conf_text[N_CONFS] = { ha_normalise, mn_normalise, ha_true, mn_true };
static struct keyconf confs[N_CONFS];     /* parsed once, with their keys */

static void load_keeping_keys(const char *text, struct keyconf *kc)
{
	struct conf_file cf;
	char err[256];
	if (conf_file_parse(&cf, text, "config", NULL, err, sizeof(err)) ||
	    keyconf_load_setting(config_root_setting(&cf.cf), "config", KEYCONF_KEEP_KEYS, kc, err, sizeof(err))) {
		fprintf(stderr, "fuzz_node: config: %s\n%s\n", err, text);
		abort();
	}
	conf_file_free(&cf);
}

static struct spd *copy_spd(const struct spd *from)
{
	struct spd *to = spd_new();
	size_t n = spd_count(from);
	CHECK(to != NULL);
	for (uint32_t id = 1; n; id++) {       /* ids in the order they were given */
		const struct spd_entry *e = spd_get(from, id);
		CHECK(id <= 1u << 20);
		if (!e)
			continue;
		CHECK(spd_add(to, e) == (int)id);
		n--;
	}
	return to;
}

static struct pad *copy_pad(const struct pad *from)
{
	struct pad *to = pad_new();
	CHECK(to != NULL);
	for (size_t i = 0; i < pad_count(from); i++) {
		const struct pad_entry *e = pad_at(from, i);
		CHECK(pad_add(to, e) == (int)e->id);
	}
	return to;
}

static struct sad *copy_sad(const struct keyconf *kc)
{
	struct sad *to = sad_new(sad_capacity(kc->sad));
	CHECK(to != NULL);
	for (size_t i = 0; i < sad_capacity(kc->sad); i++) {
		const struct ipsec_sa *sa = sad_slot(kc->sad, i);
		if (!sa)
			continue;
		const struct keyconf_key *k = NULL;
		for (size_t j = 0; j < kc->n_keys && !k; j++)
			if (kc->keys[j].spi == sa->spi && !memcmp(kc->keys[j].src, sa->src, 16) &&
			    !memcmp(kc->keys[j].dst, sa->dst, 16))
				k = &kc->keys[j];
		CHECK(k != NULL);
		struct ipsec_sa c = *sa;
		char why[160];
		int rc;
		CHECK(m6_xform_init(&c.xf, &k->x, !c.inbound, why, sizeof(why)) == 0);
		CHECK(sad_add(to, &c, 0, &rc) != NULL);
	}
	return to;
}

static void copy_tables(struct node_cfg *c, int which)
{
	const struct keyconf *kc = &confs[which];
	c->bits = kc->bits;
	c->spd = copy_spd(kc->spd);
	c->sad = copy_sad(kc);
	c->pad = copy_pad(kc->pad);
}

static bool same_spd(const struct spd *a, const struct spd *b)
{
	if (spd_count(a) != spd_count(b))
		return false;
	for (int d = 0; d < 2; d++)
		for (size_t i = 0; i < spd_count_dir(a, (enum spd_dir)d); i++) {
			const struct spd_entry *x = spd_at(a, (enum spd_dir)d, i), *y = spd_at(b, (enum spd_dir)d, i);
			if (!y || x->id != y->id || x->order != y->order || x->action != y->action ||
			    memcmp(&x->sel, &y->sel, sizeof(x->sel)) || memcmp(&x->protect, &y->protect, sizeof(x->protect)) ||
			    strcmp(x->name, y->name))
				return false;
		}
	return true;
}

static bool same_pad(const struct pad *a, const struct pad *b)
{
	if (pad_count(a) != pad_count(b))
		return false;
	for (size_t i = 0; i < pad_count(a); i++)
		if (memcmp(pad_at(a, i), pad_at(b, i), sizeof(struct pad_entry)))
			return false;
	return true;
}

/* The SAs' configuration, without what keying makes (the transform). */
static bool same_sad(struct sad *a, struct sad *b)
{
	if (sad_capacity(a) != sad_capacity(b) || sad_count(a) != sad_count(b))
		return false;
	for (size_t i = 0; i < sad_capacity(a); i++) {
		struct ipsec_sa *x = sad_slot(a, i), *y = sad_slot(b, i);
		if (!x != !y)
			return false;
		if (!x)
			continue;
		struct ipsec_sa cx = *x, cy = *y;
		memset(&cx.xf, 0, sizeof(cx.xf));
		memset(&cy.xf, 0, sizeof(cy.xf));
		memset(&cx.replay, 0, sizeof(cx.replay));
		memset(&cy.replay, 0, sizeof(cy.replay));
		if (memcmp(&cx, &cy, sizeof(cx)) || x->xf.enc != y->xf.enc || x->xf.auth != y->xf.auth ||
		    x->replay.size != y->replay.size)
			return false;
	}
	return true;
}

/* A copy is what the text gives. */
static void check_copies(void)
{
	for (int i = 0; i < N_CONFS; i++) {
		struct keyconf fresh;
		struct node_cfg c;
		memset(&c, 0, sizeof(c));
		load(conf_text[i], &fresh);
		copy_tables(&c, i);
		CHECK(!memcmp(&c.bits, &fresh.bits, sizeof(c.bits)));
		CHECK(same_spd(c.spd, fresh.spd));
		CHECK(same_pad(c.pad, fresh.pad));
		CHECK(same_sad(c.sad, fresh.sad));
		spd_free(c.spd);
		sad_free(c.sad);
		pad_free(c.pad);
		keyconf_free(&fresh);
	}
}

void fz_setup(void)
{
	fz_verbose = getenv("FUZZ_NODE_VERBOSE") != NULL;
	parse("2001:db8:1::1", a_ha);
	parse("2001:db8:1::100", a_hoa);
	parse("2001:db8:2::100", a_coa);
	parse("2001:db8:4::1", a_cn);
	parse("2001:db8:2::1", a_r);
	parse("2001:db8:1::200", a_hoa_b);
	parse("2001:db8:4::2", a_ha_bb);
	parse("ff02::1", a_all);
	parse("2001:db8:1::", p_home);
	parse("2001:db8:4::", p_backbone);
	parse("2001:db8:2::", p_foreign);
	const uint8_t *t[8] = { a_ha, a_hoa, a_coa, a_cn, a_r, a_hoa_b, a_ha_bb, a_all };
	memcpy(addr_tab, t, sizeof(t));
	for (int i = 0; i < 3; i++) {
		struct fz_sender *s = &fz_senders[i];
		load(sender_cfg[i], &s->kc);
		bits_init(&s->b, &s->kc.bits, s->kc.spd, s->kc.sad, s->kc.pad);
		for (size_t k = 0; k < sad_capacity(s->kc.sad); k++)
			if (sad_slot(s->kc.sad, k))
				s->sa = sad_slot(s->kc.sad, k);
		if (!s->sa)
			abort();
		s->snap = *s->sa;
	}
	for (int i = 0; i < N_CONFS; i++)
		load_keeping_keys(conf_text[i], &confs[i]);
	check_copies();
	if (!(shared = node_shared_new()))
		abort();
}

/* ---- the nodes ---------------------------------------------------------- */

static void on_event(void *ctx, const struct m6_event *ev)
{
	(void)ctx;
	CHECK(ev->type > M6_EV_NONE && ev->type < M6_EV_TYPE_COUNT);
	fz.ev_count[ev->type]++;
	if (fz_verbose)
		fprintf(stderr, "%10.6f %-3s %-16s code=%d u32=%u %s\n", (double)ev->time / 1e9, ev->node,
			m6_ev_name(ev->type), ev->code, ev->u32, ev->text);
}

static void on_deliver(void *ctx, struct node *n, const uint8_t *pkt, size_t len, uint64_t t)
{
	(void)ctx;
	(void)n;
	(void)t;
	CHECK(len >= IP6_HDR_LEN && len <= NODE_PKT_MAX);
	(void)pkt;
}

static void km_acq(void *ctx, struct node *n, uint32_t spd_id, const struct ipsec_flow *flow)
{
	(void)ctx; (void)n; (void)spd_id; (void)flow;
	fz.km_acquire++;
}
static void km_exp(void *ctx, struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard)
{
	(void)ctx; (void)n; (void)spi; (void)inbound; (void)hard;
	CHECK(proto == IP6P_ESP || proto == IP6P_AH);
	fz.km_expire++;
}
static void km_addr(void *ctx, struct node *n, const uint8_t *old, const uint8_t new_coa[16])
{
	static const uint8_t zero[16];
	(void)ctx; (void)n;
	CHECK(memcmp(new_coa, zero, 16) != 0);
	CHECK(!old || memcmp(old, new_coa, 16) != 0);
	fz.km_moves++;
}

static void iface(struct node_cfg *c, const uint8_t *addr, const uint8_t *prefix, bool adv)
{
	struct node_iface_cfg *i = &c->ifaces[c->n_ifaces++];
	if (addr) {
		i->has_addr = true;
		memcpy(i->addr, addr, 16);
	}
	if (prefix) {
		memcpy(i->prefix, prefix, 16);
		i->plen = 64;
	}
	i->advertise = adv;
}

static void default_route(struct node_cfg *c, unsigned ifx)
{
	struct node_route *r = &c->routes[c->n_routes++];
	memset(r, 0, sizeof(*r));
	r->plen = 0;
	r->ifindex = ifx;
}

static const int node_ix[N_NODES] = { HA_N, MN_N, CN_N };

void fz_build(bool true_address, bool mn_home, bool isolate, bool own)
{
	struct node_cfg c;
	char err[256];
	struct node_km km = { .acquire = km_acq, .expire = km_exp, .address_change = km_addr };

	/* a fresh world (the frame buffers need no clearing) */
	fz.now = 0;
	fz.r_on = true;
	fz.r_next_ra = 0;
	fz.isolate = isolate;
	fz.q_head = fz.q_n = 0;
	fz.deliveries = fz.firings = 0;
	fz.ring_next = fz.ring_n = 0;
	memset(fz.ev_count, 0, sizeof(fz.ev_count));
	fz.km_acquire = fz.km_expire = fz.km_moves = 0;
	fz.app_malformed = false;
	fz.ha_in_len = 0;

	memset(&c, 0, sizeof(c));
	c.shared = own ? NULL : shared;
	c.name = fz_node_names[HA_N];
	iface(&c, a_ha, p_home, true);
	c.ifaces[0].ra_interval_ms = (uint32_t)(RA_INTERVAL / MS);
	iface(&c, a_ha_bb, p_backbone, false);
	default_route(&c, 1);
	c.forwarding = true;
	c.is_ha = true;
	memcpy(c.ha.addr, a_ha, 16);
	memcpy(c.ha.prefix, p_home, 16);
	c.ha.plen = 64;
	c.ha.max_bindings = 16;
	c.ha.dad_timeout_ms = 1000;
	c.ha.max_lifetime_s = 3600;
	c.ha.mac[0] = 0x02;
	c.ha.mac[5] = 0x01;
	c.seed = 1;
	copy_tables(&c, true_address ? C_HA_TRUE : C_HA_NORM);
	if (!(fz.nodes[HA_N] = node_new(&c, 0, err, sizeof(err))))
		goto fail;

	memset(&c, 0, sizeof(c));
	c.shared = own ? NULL : shared;
	c.name = fz_node_names[MN_N];
	iface(&c, NULL, NULL, false);
	c.is_mn = true;
	memcpy(c.mn.hoa, a_hoa, 16);
	memcpy(c.mn.home_prefix, p_home, 16);
	c.mn.home_plen = 64;
	memcpy(c.mn.ha, a_ha, 16);
	c.mn.iid[6] = 0x01;             /* ::100, so the care-of address is 2001:db8:2::100 */
	c.mn.lifetime_s = 3600;
	c.mn.route_optimisation = true;
	c.mn.n_cn = 1;
	memcpy(c.mn.cn[0], a_cn, 16);
	c.seed = 7;
	copy_tables(&c, true_address ? C_MN_TRUE : C_MN_NORM);
	if (!(fz.nodes[MN_N] = node_new(&c, 0, err, sizeof(err))))
		goto fail;
	node_set_km(fz.nodes[MN_N], &km);

	memset(&c, 0, sizeof(c));
	c.shared = own ? NULL : shared;
	c.name = fz_node_names[CN_N];
	iface(&c, a_cn, p_backbone, false);
	default_route(&c, 0);
	c.is_cn = true;
	memcpy(c.cn.addr, a_cn, 16);
	c.cn.max_bindings = 16;
	c.seed = 3;
	if (!(fz.nodes[CN_N] = node_new(&c, 0, err, sizeof(err))))
		goto fail;

	for (int i = 0; i < N_NODES; i++) {
		node_set_event_cb(fz.nodes[i], on_event, NULL);
		node_set_deliver_cb(fz.nodes[i], on_deliver, NULL);
		node_pump_init(&fz.pumps[i], fz.nodes[i], fz_on_tx, (void *)&node_ix[i]);
		fz.pumps[i].spin_max = SPIN_MAX;
		/* what node_new queued waits for the node's first drain */
		fz.next_at[i] = node_next_expiry(fz.nodes[i]);
		for (unsigned k = 0; k < NODE_IF_MAX; k++) {
			fz.attach[i][k] = -1;
			fz.up[i][k] = k < fz_n_ifaces[i];
		}
	}
	fz.attach[HA_N][0] = L_HOME;
	fz.attach[HA_N][1] = L_BACKBONE;
	fz.attach[CN_N][0] = L_BACKBONE;
	fz.attach[MN_N][0] = mn_home ? L_HOME : L_FOREIGN;
	return;
fail:
	fprintf(stderr, "fuzz_node: node_new: %s\n", err);
	abort();
}

void fz_free(void)
{
	for (int i = 0; i < N_NODES; i++) {
		node_free(fz.nodes[i]);
		fz.nodes[i] = NULL;
	}
}
