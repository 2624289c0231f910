/*
 * ha_accept_check — every combination of verify/ha_accept.pml through the
 * real code: a home-agent node (node_new, its IPsec tables from keyconf),
 * a registration of HOA_A at COA_A, then the packet under test through
 * node_input(); the verdict must be the model's.
 *
 *   ha_accept_check TABLE     TABLE: the model's "V ... : VERDICT" lines
 *                             (pan -DPRINTF output); exit 0 when every
 *                             combination of the input space is there
 *                             exactly once and the code agrees with each
 *
 * The verdict of the code: node_input() returning the IPsec drop reason is
 * DROP_IPSEC; a reverse-tunnel drop event (M6_E_TUNNEL_SRC,
 * M6_E_FORMER_COA) DROP_TUNNEL; a change of the binding cache (DAD
 * started, binding updated or deleted) ACCEPT; anything else REFUSE_HA.
 * The input space is enumerated here too, from this file's own tables, so
 * a model that stops choosing some input (or starts choosing a new one)
 * fails as surely as a verdict that differs. Conformance: 3776-05, 3776-07,
 * 4877-02 (the SA's peer and the home address), HA-01, HA-05, HA-08, BU-01.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyconf.h"
#include "ipsec/esp.h"
#include "ipsec/sad.h"
#include "mip6/bcache.h"
#include "node/node.h"
#include "node/node_pump.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "pkt/pbuf.h"
#include "util/m6_bytes.h"

#define MS 1000000ull

/* ---- the model's names ---- */

enum { A_HOA_A, A_HOA_B, A_COA_A, A_COA_B, A_ANY, A_NONE, N_ADDR };
static const char *const addr_name[N_ADDR] = { "HOA_A", "HOA_B", "COA_A", "COA_B", "ANY", "NONE" };
static const char *const addr_text[N_ADDR] = { "2001:db8:1::a", "2001:db8:1::b", "2001:db8:2::a",
					       "2001:db8:3::b", "any", NULL };
#define HA_TEXT "2001:db8:1::1"

enum { PAD_STD, PAD_SWAP, PAD_B_BOTH, PAD_EMPTY, N_PAD };
static const char *const pad_name[N_PAD] = { "PAD_STD", "PAD_SWAP", "PAD_B_BOTH", "PAD_EMPTY" };
/* home addresses of MN_A and MN_B in each PAD */
static const char *const pad_hoas[N_PAD][2] = {
	{ "\"2001:db8:1::a\"", "\"2001:db8:1::b\"" },
	{ "\"2001:db8:1::b\"", "\"2001:db8:1::a\"" },
	{ "\"2001:db8:1::a\"", "\"2001:db8:1::a\", \"2001:db8:1::b\"" },
	{ NULL, NULL },
};
enum { CLEAR, ESP, N_PROT };
static const char *const prot_name[N_PROT] = { "CLEAR", "ESP" };
enum { MN_A, MN_B, GW, NOBODY, N_PEER };
static const char *const peer_name[N_PEER] = { "MN_A", "MN_B", "GW", "NOBODY" };
static const char *const peer_id[N_PEER] = { "mn-a@example.com", "mn-b@example.com", "gw.example.com", NULL };
enum { NORMALISE, TRUE_ADDR, N_MODEL };
static const char *const model_name[N_MODEL] = { "NORMALISE", "TRUE_ADDR" };
static const char *const model_text[N_MODEL] = { "normalise", "true-address" };
enum { TRANSPORT, TUNNEL, N_MODE };
static const char *const mode_name[N_MODE] = { "TRANSPORT", "TUNNEL" };
enum { SEL_BU, SEL_ANY, N_SELP };
static const char *const selp_name[N_SELP] = { "SEL_BU", "SEL_ANY" };
enum { DIRECT, VIA_COA_A, VIA_COA_B, N_NEST };
static const char *const nest_name[N_NEST] = { "DIRECT", "VIA_COA_A", "VIA_COA_B" };
enum { BU, BA, N_MH };
static const char *const mh_name[N_MH] = { "BU", "BA" };
enum { ACCEPT, DROP_IPSEC, DROP_TUNNEL, REFUSE_HA, N_VERDICT };
static const char *const verdict_name[N_VERDICT] = { "ACCEPT", "DROP_IPSEC", "DROP_TUNNEL", "REFUSE_HA" };

/* The inputs' domains, as the model chooses them. */
static const int sela_dom[] = { A_HOA_A, A_HOA_B, A_COA_A, A_COA_B, A_ANY };
static const int src_dom[] = { A_HOA_A, A_HOA_B, A_COA_A, A_COA_B };
static const int hao_dom[] = { A_NONE, A_HOA_A, A_HOA_B };
static const int acoa_dom[] = { A_NONE, A_COA_B };
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

struct combo {
	int pad, prot, peer, model, mode, sela, selp, nest, src, hao, mh, acoa;
};

static int dom_index(const int *dom, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (dom[i] == v)
			return (int)i;
	return -1;
}

/* A unique number in [0, N_COMBOS) for a combination inside the domain,
 * -1 outside it (a CLEAR packet has no peer or mode: NOBODY, TRANSPORT). */
#define N_SA_SHAPE (1 + N_PEER * N_MODE)
#define N_COMBOS ((size_t)N_PAD * N_SA_SHAPE * N_MODEL * LEN(sela_dom) * N_SELP * N_NEST * \
		  LEN(src_dom) * LEN(hao_dom) * N_MH * LEN(acoa_dom))
static long combo_index(const struct combo *c)
{
	int shape = -1;
	if (c->prot == CLEAR)
		shape = c->peer == NOBODY && c->mode == TRANSPORT ? 0 : -1;
	else if (c->prot == ESP && c->peer >= 0 && c->mode >= 0)
		shape = 1 + c->peer * N_MODE + c->mode;
	int digits[][2] = {
		{ c->pad, N_PAD }, { shape, N_SA_SHAPE }, { c->model, N_MODEL },
		{ dom_index(sela_dom, LEN(sela_dom), c->sela), (int)LEN(sela_dom) }, { c->selp, N_SELP },
		{ c->nest, N_NEST }, { dom_index(src_dom, LEN(src_dom), c->src), (int)LEN(src_dom) },
		{ dom_index(hao_dom, LEN(hao_dom), c->hao), (int)LEN(hao_dom) }, { c->mh, N_MH },
		{ dom_index(acoa_dom, LEN(acoa_dom), c->acoa), (int)LEN(acoa_dom) },
	};
	long ix = 0;
	for (size_t i = 0; i < LEN(digits); i++) {
		if (digits[i][0] < 0 || digits[i][0] >= digits[i][1])
			return -1;
		ix = ix * digits[i][1] + digits[i][0];
	}
	return ix;
}

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
}

/* "V f1 ... f12 : VERDICT" */
static bool parse_line(char *line, struct combo *c, int *verdict)
{
	char *tok[16];
	int n = 0;
	for (char *t = strtok(line, " \t\n"); t && n < 16; t = strtok(NULL, " \t\n"))
		tok[n++] = t;
	if (n != 15 || strcmp(tok[0], "V") || strcmp(tok[13], ":"))
		return false;
	c->pad = lookup(pad_name, N_PAD, tok[1]);
	c->prot = lookup(prot_name, N_PROT, tok[2]);
	c->peer = lookup(peer_name, N_PEER, tok[3]);
	c->model = lookup(model_name, N_MODEL, tok[4]);
	c->mode = lookup(mode_name, N_MODE, tok[5]);
	c->sela = lookup(addr_name, N_ADDR, tok[6]);
	c->selp = lookup(selp_name, N_SELP, tok[7]);
	c->nest = lookup(nest_name, N_NEST, tok[8]);
	c->src = lookup(addr_name, N_ADDR, tok[9]);
	c->hao = lookup(addr_name, N_ADDR, tok[10]);
	c->mh = lookup(mh_name, N_MH, tok[11]);
	c->acoa = lookup(addr_name, N_ADDR, tok[12]);
	*verdict = lookup(verdict_name, N_VERDICT, tok[14]);
	return *verdict >= 0 && combo_index(c) >= 0;
}

static void describe(const struct combo *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %s %s %s %s %s %s %s %s %s %s %s", pad_name[c->pad], prot_name[c->prot],
		 peer_name[c->peer], model_name[c->model], mode_name[c->mode], addr_name[c->sela],
		 selp_name[c->selp], nest_name[c->nest], addr_name[c->src], addr_name[c->hao], mh_name[c->mh],
		 addr_name[c->acoa]);
}

/* ---- the world ---- */

#define KEYS "enc = \"aes-cbc\"; enc_key = \"000102030405060708090a0b0c0d0e0f\"; auth = \"hmac-sha256-128\"; " \
	     "auth_key = \"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\";"
#define SPI_REG 0x1001u          /* the registration of HOA_A (the fixture) */
#define SPI_SUT 0x2001u          /* the SA under test */

static uint8_t a_ha[16], a[N_ADDR][16];
static struct keyconf senders;
static struct ipsec_sa *seal_reg, *seal_sut;
static uint64_t seq;

static _Noreturn void die(const char *what, const char *detail)
{
	fprintf(stderr, "ha_accept_check: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

static void setup(void)
{
	char err[256];
	if (ip6_addr_parse(HA_TEXT, a_ha))
		die("address", HA_TEXT);
	for (int i = 0; i < A_ANY; i++)
		if (ip6_addr_parse(addr_text[i], a[i]))
			die("address", addr_text[i]);
	/* the peers' side: outbound SAs with the keys the home agent has */
	static const char cfg[] =
		"spd = ( { name = \"reg\"; dir = \"out\"; order = 10; }, { name = \"sut\"; dir = \"out\"; order = 20; } );"
		"sa = ( { spi = 0x1001; policy = \"reg\"; src = \"::\"; dst = \"::\"; " KEYS " },"
		"       { spi = 0x2001; policy = \"sut\"; src = \"::\"; dst = \"::\"; " KEYS " } );";
	if (keyconf_load_string(cfg, &senders, err, sizeof(err)))
		die("sender configuration", err);
	for (size_t k = 0; k < sad_capacity(senders.sad); k++) {
		struct ipsec_sa *sa = sad_slot(senders.sad, k);
		if (sa && sa->spi == SPI_REG)
			seal_reg = sa;
		if (sa && sa->spi == SPI_SUT)
			seal_sut = sa;
	}
	if (!seal_reg || !seal_sut)
		die("sender SAs", NULL);
}

/* The home agent's policy: the registration's SAs (normalising, bound to
 * HOA_A), the SA under test with its policy, everything else bypasses. */
static void ha_config(const struct combo *c, char *buf, size_t cap)
{
	char pad_a[128] = "", pad_b[128] = "", peer[64] = "", sel[160];
	if (pad_hoas[c->pad][0])
		snprintf(pad_a, sizeof(pad_a), " home_addresses = [ %s ];", pad_hoas[c->pad][0]);
	if (pad_hoas[c->pad][1])
		snprintf(pad_b, sizeof(pad_b), " home_addresses = [ %s ];", pad_hoas[c->pad][1]);
	if (peer_id[c->peer])
		snprintf(peer, sizeof(peer), " peer = \"%s\";", peer_id[c->peer]);
	snprintf(sel, sizeof(sel), "remote = \"%s\";%s mode = \"%s\";", addr_text[c->sela],
		 c->selp == SEL_BU ? " proto = \"mh\"; mh_type = \"bu\";" : "",
		 c->mode == TUNNEL ? "tunnel" : "transport");
	snprintf(buf, cap,
		 "node = { model = \"%s\"; };"
		 "pad = ( { id = \"reg-a@example.com\"; home_addresses = [ \"2001:db8:1::a\" ]; },"
		 "        { id = \"mn-a@example.com\";%s },"
		 "        { id = \"mn-b@example.com\";%s },"
		 "        { id = \"gw.example.com\"; type = \"fqdn\"; } );"
		 "spd = ( { name = \"reg-in\"; dir = \"in\"; order = 10; local = \"" HA_TEXT "\";"
		 "          remote = \"2001:db8:1::a\"; proto = \"mh\"; mh_type = \"bu\"; },"
		 "        { name = \"reg-out\"; dir = \"out\"; order = 10; local = \"" HA_TEXT "\";"
		 "          remote = \"2001:db8:1::a\"; proto = \"mh\"; mh_type = \"ba\"; },"
		 "        { name = \"sut-in\"; dir = \"in\"; order = 20; local = \"" HA_TEXT "\"; %s },"
		 "        { name = \"rest-out\"; dir = \"out\"; order = 9000; action = \"bypass\"; },"
		 "        { name = \"rest-in\"; dir = \"in\"; order = 9000; action = \"bypass\"; } );"
		 "sa = ( { spi = 0x1001; policy = \"reg-in\"; src = \"2001:db8:2::a\"; dst = \"" HA_TEXT "\";"
		 "         peer = \"reg-a@example.com\"; model = \"normalise\"; " KEYS " },"
		 "       { spi = 0x1002; policy = \"reg-out\"; src = \"" HA_TEXT "\"; dst = \"2001:db8:2::a\";"
		 "         peer = \"reg-a@example.com\"; model = \"normalise\"; " KEYS " },"
		 "       { spi = 0x2001; policy = \"sut-in\"; src = \"2001:db8:3::b\"; dst = \"" HA_TEXT "\";%s"
		 "         model = \"%s\"; " KEYS " } );",
		 model_text[c->model], pad_a, pad_b, sel, peer, model_text[c->model]);
}

struct record {
	bool accepted, tunnel_drop;
};

static void on_event(void *ctx, const struct m6_event *ev)
{
	struct record *r = ctx;
	if (ev->type == M6_EV_DAD_STARTED || ev->type == M6_EV_BINDING_UPDATED ||
	    ev->type == M6_EV_BINDING_DELETED || ev->type == M6_EV_BINDING_ADDED)
		r->accepted = true;
	if (ev->type == M6_EV_DROP && (ev->code == M6_E_TUNNEL_SRC || ev->code == M6_E_FORMER_COA))
		r->tunnel_drop = true;
}

static uint8_t mem[8192];

/* IPv6(src -> HA) [HAO hao] MH type (seq, ACoA acoa), checksummed over the
 * home address, in pb. */
static void mh_packet(struct pbuf *pb, const uint8_t *src, const uint8_t *hao, int type, uint16_t s,
		      const uint8_t *acoa)
{
	struct mh_msg m;
	uint8_t mh[64], *p;
	size_t mlen;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = type == BU ? MH_BU : MH_BA;
	m.seq = s;
	m.flags = type == BU ? MH_BU_A | MH_BU_H : 0;
	m.lifetime = mh_lifetime_units(3600);
	if (acoa) {
		m.opts[0].type = MHO_ACOA;
		m.opts[0].len = 16;
		m.opts[0].data = acoa;
		m.n_opts = 1;
	}
	if (mh_build(&m, mh, sizeof(mh), &mlen) || pbuf_init(pb, mem, sizeof(mem), 512) ||
	    pbuf_put(pb, IP6_HDR_LEN + mlen, &p))
		die("building a Mobility Header packet", NULL);
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, a_ha, 16);
	h.nh = IP6P_MH;
	h.hlim = 64;
	h.plen = (uint16_t)mlen;
	ip6_hdr_write(p, &h);
	memcpy(p + IP6_HDR_LEN, mh, mlen);
	mh_set_checksum(p + IP6_HDR_LEN, mlen, hao ? hao : src, a_ha);
	if (hao && ip6_insert_hao(pb, hao))
		die("inserting a HAO", NULL);
}

static void push_ip6(struct pbuf *pb, const uint8_t *src)
{
	uint8_t *p;
	struct ip6_hdr h;
	if (pbuf_push(pb, IP6_HDR_LEN, &p))
		die("pushing a header", NULL);
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, a_ha, 16);
	h.nh = IP6P_IPV6;
	h.hlim = 64;
	h.plen = (uint16_t)(pb->len - IP6_HDR_LEN);
	ip6_hdr_write(p, &h);
}

/* ESP over [off, end) whose protocol sits at nh_field. */
static void seal(struct pbuf *pb, const struct ipsec_sa *sa, size_t off, size_t nh_field)
{
	uint8_t *p = pbuf_data(pb);
	if (esp_seal(&sa->xf, pb, off, p[nh_field], sa->spi, ++seq, false, 0))
		die("esp_seal", NULL);
	p = pbuf_data(pb);
	p[nh_field] = IP6P_ESP;
	m6_put16(p + 4, (uint16_t)(pb->len - IP6_HDR_LEN));
}

static void seal_transport(struct pbuf *pb, const struct ipsec_sa *sa)
{
	struct ip6_walk w;
	if (ip6_walk(pbuf_data(pb), pb->len, IP6W_HAO_KNOWN, &w))
		die("walking a packet", NULL);
	seal(pb, sa, w.proto_off, w.nh_field);
}

/* The packet under test, as the combination says. */
static void sut_packet(const struct combo *c, struct pbuf *pb)
{
	mh_packet(pb, a[c->src], c->hao != A_NONE ? a[c->hao] : NULL, c->mh, 2,
		  c->acoa != A_NONE ? a[c->acoa] : NULL);
	if (c->nest != DIRECT)
		push_ip6(pb, a[c->nest == VIA_COA_A ? A_COA_A : A_COA_B]);
	if (c->prot == CLEAR)
		return;
	if (c->mode == TUNNEL) {
		push_ip6(pb, a[A_COA_B]);
		seal(pb, seal_sut, IP6_HDR_LEN, 6);
	} else {
		seal_transport(pb, seal_sut);
	}
}

static int run(const struct combo *c)
{
	char cfg[4096], err[256];
	struct keyconf kc;
	ha_config(c, cfg, sizeof(cfg));
	if (keyconf_load_string(cfg, &kc, err, sizeof(err)))
		die("home agent configuration", err);
	struct node_cfg nc;
	memset(&nc, 0, sizeof(nc));
	nc.name = "ha";
	nc.n_ifaces = 1;
	nc.ifaces[0].has_addr = true;
	memcpy(nc.ifaces[0].addr, a_ha, 16);
	memcpy(nc.ifaces[0].prefix, a_ha, 8);
	nc.ifaces[0].plen = 64;
	nc.forwarding = true;
	nc.is_ha = true;
	memcpy(nc.ha.addr, a_ha, 16);
	memcpy(nc.ha.prefix, a_ha, 8);
	nc.ha.plen = 64;
	nc.ha.max_bindings = 16;
	nc.ha.dad_timeout_ms = 1000;
	nc.seed = 1;
	nc.bits = kc.bits;
	nc.spd = kc.spd;
	nc.sad = kc.sad;
	nc.pad = kc.pad;
	kc.spd = NULL;
	kc.sad = NULL;
	kc.pad = NULL;
	keyconf_free(&kc);
	struct node *n = node_new(&nc, 0, err, sizeof(err));
	if (!n)
		die("node_new", err);
	struct record rec = { false, false };
	node_set_event_cb(n, on_event, &rec);
	/* what the home agent sends (DAD probes, BAs) goes nowhere */
	struct node_pump pump;
	node_pump_init(&pump, n, NULL, NULL);

	/* the fixture: HOA_A registers from COA_A with its own SA */
	struct pbuf pb;
	uint64_t now = 0;
	mh_packet(&pb, a[A_COA_A], a[A_HOA_A], BU, 1, NULL);
	seal_transport(&pb, seal_reg);
	if (node_input(n, 0, pbuf_data(&pb), pb.len, now))
		die("the registration of HOA_A was refused by IPsec", NULL);
	uint64_t next = node_pump_drain(&pump, now);
	while (next <= 2000 * MS) {
		now = next;
		next = node_pump_timer(&pump, now);
	}
	now = 2000 * MS;
	const struct bce *e = bcache_lookup(ha_bcache(node_ha(n)), a[A_HOA_A]);
	if (!e || !e->valid || memcmp(e->coa, a[A_COA_A], 16))
		die("the registration of HOA_A did not complete", NULL);

	/* the packet under test */
	rec.accepted = rec.tunnel_drop = false;
	sut_packet(c, &pb);
	int rc = node_input(n, 0, pbuf_data(&pb), pb.len, now);
	node_pump_drain(&pump, now);
	node_free(n);
	if (rc < 0)
		return rec.accepted ? -1 : DROP_IPSEC;
	if (rec.tunnel_drop)
		return rec.accepted ? -1 : DROP_TUNNEL;
	return rec.accepted ? ACCEPT : REFUSE_HA;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: ha_accept_check TABLE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f)
		die("cannot open", argv[1]);
	setup();
	uint8_t *seen = calloc(N_COMBOS, 1);
	if (!seen)
		die("out of memory", NULL);
	char line[512], desc[256];
	unsigned long lines = 0, compared = 0, differ = 0, by_verdict[N_VERDICT] = { 0 };
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "V ", 2))
			continue;
		lines++;
		struct combo c;
		int want;
		char copy[512];
		snprintf(copy, sizeof(copy), "%s", line);
		if (!parse_line(copy, &c, &want)) {
			fprintf(stderr, "ha_accept_check: not a combination of the input space: %s", line);
			differ++;
			continue;
		}
		long ix = combo_index(&c);
		if (seen[ix]++) {
			fprintf(stderr, "ha_accept_check: listed twice: %s", line);
			differ++;
			continue;
		}
		int got = run(&c);
		compared++;
		if (got >= 0)
			by_verdict[got]++;
		if (got != want) {
			describe(&c, desc, sizeof(desc));
			if (differ < 40)
				fprintf(stderr, "DIFFER %s : model %s, code %s\n", desc, verdict_name[want],
					got >= 0 ? verdict_name[got] : "accepted and dropped");
			differ++;
		}
	}
	fclose(f);
	unsigned long missing = 0;
	for (size_t i = 0; i < N_COMBOS; i++)
		missing += !seen[i];
	free(seen);
	keyconf_free(&senders);
	printf("ha_accept_check: %lu lines, %lu combinations of %zu compared with the C code: %lu accepted, "
	       "%lu dropped by IPsec, %lu by the tunnel check, %lu refused by the home agent; "
	       "%lu missing, %lu disagreements\n",
	       lines, compared, N_COMBOS, by_verdict[ACCEPT], by_verdict[DROP_IPSEC], by_verdict[DROP_TUNNEL],
	       by_verdict[REFUSE_HA], missing, differ);
	return missing || differ || compared != N_COMBOS ? 1 : 0;
}
