/*
 * fuzz_node_net — the node harness's wire: hub links without delay, router
 * R between the foreign link and the backbone, the checks on every packet
 * a node emits, and the clock (each node behind a node_pump).
 */
#include "fuzz_node.h"

/* ---- invariants on what nodes emit ---------------------------------------- */

/* The HA forwarding the packet it was given (one hop less): not its own. */
static bool ha_transit(const struct node_out *o)
{
	return fz.ha_in_len && o->len == fz.ha_in_len && !memcmp(o->pkt, fz.ha_in, 7) &&
	       !memcmp(o->pkt + 8, fz.ha_in + 8, o->len - 8);
}

static bool is_mn_ha_pair(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, a_hoa, 16) && !memcmp(b, a_ha, 16);
}

static void check_emitted(int i, const struct node_out *o)
{
	CHECK(o->len >= IP6_HDR_LEN);
	CHECK(o->len <= NODE_PKT_MAX);
	CHECK(o->ifindex < fz_n_ifaces[i]);
	struct ip6_walk w;
	int rc = ip6_walk(o->pkt, o->len, IP6W_HAO_KNOWN, &w);
	if ((rc == M6_E_TRUNC || rc == M6_E_EXT_TRUNC || rc == M6_E_IP6_PLEN) &&
	    !(fz.app_malformed && i == fz.app_node)) {
		fprintf(stderr, "fuzz_node: %s emitted a packet that does not walk: %s\n", fz_node_names[i],
			m6_errid(rc));
		CHECK(!"every emitted packet walks");
	}
	/* RFC 3776: BU and BA between the MN and its HA never go in clear */
	if (!rc && w.proto == IP6P_MH && w.end - w.proto_off >= 3 && (i == MN_N || i == HA_N)) {
		uint8_t type = o->pkt[w.proto_off + 2], src[16], dst[16];
		ip6_walk_pseudo(&w, o->pkt, src, dst);
		if (i == MN_N && type == MH_BU)
			CHECK(!is_mn_ha_pair(src, dst));
		if (i == HA_N && type == MH_BA && !ha_transit(o))
			CHECK(!is_mn_ha_pair(dst, src));
	}
}


/* ---- links ------------------------------------------------------------------ */

void fz_transmit(int link, int from, unsigned from_if, const uint8_t *pkt, size_t len)
{
	if (link < 0 || link >= N_LINKS || len > NODE_PKT_MAX)
		return;
	if (fz.q_n == QLEN)
		return;                  /* a congested link drops */
	struct fz_frame *f = &fz.q[(fz.q_head + fz.q_n++) % QLEN];
	f->link = link;
	f->from = from;
	f->from_if = from_if;
	f->len = len;
	memcpy(f->pkt, pkt, len);
}

/* Every packet a node emits: checked, remembered for REPLAY, and (unless
 * the input isolates the nodes) put on the interface's link. */
void fz_on_tx(void *ctx, const struct node_out *o)
{
	int i = *(const int *)ctx;
	check_emitted(i, o);
	if (fz_verbose) {
		struct ip6_walk w;
		int rc = ip6_walk(o->pkt, o->len, IP6W_HAO_KNOWN, &w);
		char s[46], d[46];
		ip6_addr_format(o->pkt + 8, s);
		ip6_addr_format(o->pkt + 24, d);
		fprintf(stderr, "%10.6f %-3s   -> if%u %zu octets %s -> %s proto %d%s%s\n", (double)fz.now / 1e9,
			fz_node_names[i], o->ifindex, o->len, s, d, rc ? -1 : w.proto, rc ? " " : "",
			rc ? m6_errid(rc) : "");
	}
	int link = o->ifindex < NODE_IF_MAX && fz.up[i][o->ifindex] ? fz.attach[i][o->ifindex] : -1;
	struct fz_emitted *e = &fz.ring[fz.ring_next];
	fz.ring_next = (fz.ring_next + 1) % RING;
	if (fz.ring_n < RING)
		fz.ring_n++;
	e->node = i;
	e->link = link;
	e->len = o->len;
	memcpy(e->pkt, o->pkt, o->len);
	if (!fz.isolate)
		fz_transmit(link, i, o->ifindex, o->pkt, o->len);
}

void fz_drain(int i)
{
	fz.next_at[i] = node_pump_drain(&fz.pumps[i], fz.now);
}

void fz_deliver(int i, unsigned ifx, const uint8_t *pkt, size_t len)
{
	if (fz.deliveries >= MAX_DELIVERIES)
		return;
	fz.deliveries++;
	if (i == HA_N && len <= sizeof(fz.ha_in)) {
		memcpy(fz.ha_in, pkt, len);
		fz.ha_in_len = len;
	}
	node_input(fz.nodes[i], ifx, pkt, len, fz.now);
	fz_drain(i);
	fz.ha_in_len = 0;
}

/* R: the foreign link's router. */
static void router_forward(const struct fz_frame *f)
{
	if (!fz.r_on || f->len < IP6_HDR_LEN || f->from == R_NODE || (f->pkt[0] >> 4) != 6)
		return;
	const uint8_t *dst = f->pkt + 24;
	if (dst[0] == 0xff || f->pkt[7] <= 1)
		return;
	bool to_foreign = ip6_prefix_match(dst, p_foreign, 64);
	int out;
	if (f->link == L_BACKBONE && to_foreign)
		out = L_FOREIGN;
	else if (f->link == L_FOREIGN && !to_foreign)
		out = L_BACKBONE;
	else
		return;
	static uint8_t copy[NODE_PKT_MAX];
	memcpy(copy, f->pkt, f->len);
	copy[7]--;
	fz_transmit(out, R_NODE, 0, copy, f->len);
}

void fz_run_queue(void)
{
	static struct fz_frame f;
	while (fz.q_n) {
		f = fz.q[fz.q_head];
		fz.q_head = (fz.q_head + 1) % QLEN;
		fz.q_n--;
		if (fz.deliveries >= MAX_DELIVERIES)
			continue;
		for (int i = 0; i < N_NODES; i++)
			for (unsigned k = 0; k < fz_n_ifaces[i]; k++)
				if (fz.attach[i][k] == f.link && fz.up[i][k] && !(i == f.from && k == f.from_if))
					fz_deliver(i, k, f.pkt, f.len);
		router_forward(&f);
	}
}


/* ---- time --------------------------------------------------------------- */

void fz_router_ra(void)
{
	static uint8_t pkt[128];
	size_t len = fz_build_ra(NULL, 0, pkt, sizeof(pkt));
	fz_transmit(L_FOREIGN, R_NODE, 0, pkt, len);
	fz_run_queue();
}

void fz_advance(uint64_t delta)
{
	uint64_t target = fz.now + delta < fz.now ? UINT64_MAX - 1 : fz.now + delta;
	while (fz.firings < MAX_FIRINGS) {
		uint64_t t = fz.r_on ? fz.r_next_ra : UINT64_MAX;
		for (int i = 0; i < N_NODES; i++)
			if (fz.next_at[i] < t)
				t = fz.next_at[i];
		if (t > target)
			break;
		if (t > fz.now)
			fz.now = t;
		fz.firings++;
		if (fz.r_on && fz.r_next_ra <= fz.now) {
			fz.r_next_ra = fz.now + RA_INTERVAL;
			fz_router_ra();
		}
		for (int i = 0; i < N_NODES; i++) {
			if (fz.next_at[i] > fz.now)
				continue;
			fz.next_at[i] = node_pump_timer(&fz.pumps[i], fz.now);
			if (fz.pumps[i].last & NODE_PUMP_STALLED) {
				fprintf(stderr, "fuzz_node: %s: timer still due after %u firings at %llu ns\n",
					fz_node_names[i], fz.pumps[i].spin, (unsigned long long)fz.now);
				CHECK(!"a node's timer stays due");
			}
			fz_run_queue();
		}
	}
	fz.now = target;
}
