/*
 * The node's side of the daemon: building the node from the
 * configuration, what it sends (through the neighbour cache to the wire),
 * what it delivers (to the TUN device), what it reports (counters, the
 * mobile node's Binding Update List, the log), and the frames, host
 * packets and link changes that go into it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dlog.h"
#include "gso.h"
#include "m6d.h"
#include "crypto/m6_crypto.h"
#include "node/node_leave.h"
#include "pkt/ip6.h"
#include "util/m6_bytes.h"

#define WIRE_BUDGET 8           /* batches per interface per wake-up: links take turns */

uint64_t m6d_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int entropy(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	while (n) {
		ssize_t r = getrandom(out, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		out += r;
		n -= (size_t)r;
	}
	return 0;
}

/* ---- events ---- */

static void fmt_event(const struct m6_event *ev, char *buf, size_t cap)
{
	char peer[46] = "", addr[46] = "";
	static const uint8_t zero[16];
	if (memcmp(ev->peer, zero, 16))
		ip6_addr_format(ev->peer, peer);
	if (memcmp(ev->addr, zero, 16))
		ip6_addr_format(ev->addr, addr);
	if (ev->type == M6_EV_DROP) {
		snprintf(buf, cap, "drop %s%s%s%s%s", m6_errid(ev->code), peer[0] ? " peer " : "", peer,
			 ev->text[0] ? ": " : "", ev->text);
		return;
	}
	snprintf(buf, cap, "%s%s%s%s%s code %d value %u%s%s", m6_ev_name(ev->type), peer[0] ? " peer " : "", peer,
		 addr[0] ? " addr " : "", addr, ev->code, ev->u32, ev->text[0] ? " - " : "", ev->text);
}

static enum dlog_level event_level(enum m6_ev_type t)
{
	switch (t) {
	case M6_EV_TUNNEL_ENCAP:
	case M6_EV_TUNNEL_DECAP:
	case M6_EV_DELIVERED:
		return DLOG_DEBUG;
	case M6_EV_DROP:
	case M6_EV_PROXY_NA:
	case M6_EV_HOTI_SENT:
	case M6_EV_COTI_SENT:
	case M6_EV_HOT_SENT:
	case M6_EV_COT_SENT:
		return DLOG_INFO;
	default:
		return DLOG_NOTICE;
	}
}

static struct m6d_bul *bul_slot(struct m6d *d, const uint8_t peer[16], bool create)
{
	struct m6d_bul *free_slot = NULL;
	for (unsigned i = 0; i < sizeof(d->bul) / sizeof(d->bul[0]); i++) {
		if (d->bul[i].used && !memcmp(d->bul[i].peer, peer, 16))
			return &d->bul[i];
		if (!d->bul[i].used && !free_slot)
			free_slot = &d->bul[i];
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->last_status = -1;
	memcpy(free_slot->peer, peer, 16);
	return free_slot;
}

/* The mobile node's events name the BUL entry in their text ("ha ADDR" /
 * "cn ADDR"); binding events carry the home address as peer. */
static struct m6d_bul *bul_of_text(struct m6d *d, const char *text)
{
	uint8_t peer[16];
	if (strncmp(text, "ha ", 3) && strncmp(text, "cn ", 3))
		return NULL;
	char a[64];
	snprintf(a, sizeof(a), "%s", text + 3);
	a[strcspn(a, " ")] = 0;
	if (ip6_addr_parse(a, peer))
		return NULL;
	struct m6d_bul *b = bul_slot(d, peer, true);
	if (b)
		b->home = text[0] == 'h';
	return b;
}

static void track_mn(struct m6d *d, const struct m6_event *ev)
{
	struct m6d_bul *b;
	switch (ev->type) {
	case M6_EV_BU_SENT:
	case M6_EV_BU_RETRANSMIT:
		if (!(b = bul_of_text(d, ev->text)))
			return;
		memcpy(b->coa, ev->addr, 16);
		b->seq = (uint16_t)ev->code;
		b->sent_at = ev->time;
		if (ev->type == M6_EV_BU_SENT) {
			b->lifetime_s = ev->u32;
			b->retransmits = 0;
		} else {
			b->retransmits++;
		}
		if (b->home) {
			d->home_seq = b->seq;
			d->home_seq_known = true;
		}
		return;
	case M6_EV_BA_RECEIVED:
		if ((b = bul_slot(d, ev->peer, false)))
			b->last_status = ev->code;
		return;
	case M6_EV_BINDING_ADDED:
	case M6_EV_BINDING_UPDATED:
		if (!(b = bul_of_text(d, ev->text)))
			return;
		b->acked = true;
		memcpy(b->coa, ev->addr, 16);
		b->granted_s = ev->u32;
		b->acked_at = ev->time;
		return;
	case M6_EV_BINDING_DELETED:
	case M6_EV_BINDING_EXPIRED:
		if ((b = bul_of_text(d, ev->text)))
			b->acked = false;
		return;
	default:
		return;
	}
}

static void on_event(void *ctx, const struct m6_event *ev)
{
	struct m6d *d = ctx;
	if ((unsigned)ev->type < M6_EV_TYPE_COUNT)
		d->c.events[ev->type]++;
	if (ev->type == M6_EV_DROP && ev->code < 0 && ev->code - M6_E_FIRST_ <= M6_E_SPAN && ev->code > M6_E_FIRST_)
		d->c.drops[ev->code - M6_E_FIRST_]++;
	struct mn *mn = node_mn(d->node);
	if (mn)
		track_mn(d, ev);
	else if (ev->type >= M6_EV_BINDING_ADDED && ev->type <= M6_EV_BINDING_EXPIRED)
		d->state_dirty = true;   /* saved once the wake-up is over */
	enum dlog_level lv = event_level(ev->type);
	if (DLOG_ON(lv)) {
		char line[300];
		fmt_event(ev, line, sizeof(line));
		/* both rate limited: replayed or forged packets make events too,
		 * and must not flood the log */
		dlog_rl(ev->type == M6_EV_DROP ? &d->rl_drop : &d->rl_event, ev->time, lv, "%s", line);
	}
	if (!mn)
		return;
	if (ev->type == M6_EV_MOVED) {
		/* the link the node says it is on now: what older routers
		 * said there may be the old link's (nd.h) */
		uint8_t a[16];
		for (unsigned i = 0; i < d->n_if; i++)
			if (node_iface_addr(d->node, i, a) && !memcmp(a, ev->addr, 16))
				nd_moved(d->nd, i);
	}
	if (ev->type == M6_EV_RETURNED_HOME) {
		/* RFC 6275 11.5.5: once home, say the home address is here now */
		for (unsigned i = 0; i < d->n_if; i++)
			if (d->running[i])
				nd_advertise(d->nd, i, mn_hoa(mn));
	}
	/* The answer to the de-registration sent on SIGTERM: the engine did
	 * not send that BU (node_leave.h), so it drops the BA as matching
	 * nothing; that drop, after IPsec accepted the BA, is our cue. */
	if (d->state == M6D_STOPPING && ev->type == M6_EV_DROP && ev->code == M6_E_BA_NO_MATCH &&
	    mn_ha(mn) && !memcmp(ev->peer, mn_ha(mn), 16)) {
		dlog(DLOG_NOTICE, "home agent acknowledged the de-registration");
		d->state = M6D_DONE;
	}
}

/* ---- deliveries to the host ---- */

/* Copy pkt to out without the Destination Options header that holds its
 * Home Address option, when that header holds nothing else but padding
 * (the layout RFC 6275 6.3 gives it). Returns the new length, or 0 when
 * there is nothing to remove (or it cannot be removed cleanly). */
static size_t strip_hao(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
	struct ip6_walk w;
	if (len > cap || ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w) || w.hao_off < 0)
		return 0;
	for (unsigned i = 0; i < w.n_ext; i++) {
		const struct ip6_ext *e = &w.ext[i];
		if (e->proto != IP6P_DSTOPTS || (size_t)w.hao_off < e->off || (size_t)w.hao_off >= e->off + e->len)
			continue;
		/* only padding beside the option */
		for (size_t o = e->off + 2; o < e->off + e->len;) {
			if (o == (size_t)w.hao_off) {
				o += 18;
			} else if (pkt[o] == 0) {
				o++;
			} else if (pkt[o] == 1 && o + 1 < e->off + e->len) {
				o += 2 + (size_t)pkt[o + 1];
			} else {
				return 0;
			}
		}
		size_t nh_at = i ? w.ext[i - 1].off : 6;
		memcpy(out, pkt, e->off);
		out[nh_at] = pkt[e->off];
		memcpy(out + e->off, pkt + e->off + e->len, len - e->off - e->len);
		m6_put16(out + 4, (uint16_t)(m6_get16(pkt + 4) - e->len));
		return len - e->len;
	}
	return 0;
}

static void tun_out(struct m6d *d, const struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len)
{
	if (tun_write_vh(&d->tun, vh, pkt, len)) {
		d->c.tun_out_errors++;
		return;
	}
	d->c.tun_out++;
	d->c.tun_out_bytes += len;
}

void m6d_gro_flush(struct m6d *d)
{
	struct virtio_net_hdr vh;
	const uint8_t *pkt;
	size_t len = d->gro ? gro_take(d->gro, &vh, &pkt) : 0;
	if (len)
		tun_out(d, &vh, pkt, len);
}

static void on_deliver(void *ctx, struct node *n, const uint8_t *pkt, size_t len, uint64_t now)
{
	(void)n;
	(void)now;
	struct m6d *d = ctx;
	if (!d->has_tun) {
		d->c.deliver_no_tun++;
		return;
	}
	/* A Home Address option the node has processed (route optimisation:
	 * a correspondent's view of a packet from a mobile node) means nothing
	 * to the host's stack, which refuses the whole packet for it (option
	 * type 201 says so, RFC 6275 6.3): its Destination Options header goes. */
	if (len > 40 && (pkt[6] == IP6P_HBH || pkt[6] == IP6P_ROUTING || pkt[6] == IP6P_DSTOPTS)) {
		size_t n = strip_hao(pkt, len, d->dlvbuf, sizeof(d->dlvbuf));
		if (n) {
			pkt = d->dlvbuf;
			len = n;
		}
	}
	if (d->gro) {
		/* held for merging; what was held goes first when this one
		 * does not continue it, so the host sees the node's order */
		if (gro_add(d->gro, pkt, len))
			return;
		m6d_gro_flush(d);
		if (gro_add(d->gro, pkt, len))
			return;
	}
	tun_out(d, NULL, pkt, len);
}

/* ---- what the node sends ---- */

static void nd_xmit(void *ctx, unsigned ifx, const uint8_t mac[6], const uint8_t *pkt, size_t len)
{
	struct m6d *d = ctx;
	if (ifx < d->n_if)
		wire_tx_frame(&d->ifs[ifx], mac, pkt, len);
}

static const uint8_t *nd_mac(void *ctx, unsigned ifx)
{
	struct m6d *d = ctx;
	return d->ifs[ifx < d->n_if ? ifx : 0].mac;
}

static enum nd_target nd_target_of(void *ctx, unsigned ifx, const uint8_t a[16])
{
	struct m6d *d = ctx;
	uint8_t own[16];
	nd_link_local(d->nd, ifx, own);
	if (!memcmp(own, a, 16))
		return ND_OWN;
	/* a static address, a mobile node's care-of address, or its home
	 * address on the home link (RFC 6275 11.5.5: answered as soon as the
	 * de-registration is sent, so the home agent can reach it with the BA) */
	if (node_iface_addr(d->node, ifx, own) && !memcmp(own, a, 16))
		return ND_OWN;
	if (node_proxies(d->node, ifx, a))
		return ND_PROXY;
	return ND_NOT_OURS;
}

static void on_tx(void *ctx, const struct node_out *o)
{
	struct m6d *d = ctx;
	unsigned ifx = o->ifindex;
	if (ifx >= d->n_if || !d->running[ifx]) {
		d->c.wire_down_drops++;
		return;
	}
	const uint8_t *dst = o->pkt + 24;
	if (dst[0] == 0xff) {
		uint8_t mac[6];
		wire_mcast_mac(dst, mac);
		wire_tx_frame(&d->ifs[ifx], mac, o->pkt, o->len);
		return;
	}
	uint8_t nh[16];
	if (ip6_addr_is_link_local(dst)) {
		/* link-local is on-link whatever the routes say */
		memcpy(nh, dst, 16);
	} else if (o->nh_kind == NODE_NH_ROUTERS && nd_onlink(d->nd, ifx, dst, d->now)) {
		/* the node routes by its configuration only; the link's
		 * advertised prefixes say this one needs no router */
		memcpy(nh, dst, 16);
	} else if (o->nh_kind == NODE_NH_ROUTERS) {
		if (!nd_router(d->nd, ifx, d->now, nh)) {
			d->c.no_router_drops++;
			dlog_rl(&d->rl_misc, d->now, DLOG_INFO, "%s: no default router yet, packet dropped",
				d->ifs[ifx].name);
			return;
		}
	} else {
		memcpy(nh, o->nexthop, 16);
	}
	nd_output(d->nd, ifx, nh, o->pkt, o->len, d->now);
}

void m6d_pump(struct m6d *d, uint64_t now)
{
	d->now = now;
	d->node_next = node_pump_drain(&d->pump, now);
	if (d->pump.last & NODE_PUMP_STALLED)
		d->c.pump_stalls++;
	for (unsigned i = 0; i < d->n_if; i++)
		wire_flush(&d->ifs[i]);
	m6d_gro_flush(d);
}

/* ---- the node ---- */

int m6d_node_start(struct m6d *d, char *err, size_t errlen)
{
	struct node_cfg cfg;
	nodeconf_take_ipsec(&d->conf.nc);
	cfg = d->conf.nc.cfg;
	cfg.entropy = entropy;
	cfg.entropy_ctx = d;
	/* the kernel behind the TUN answers pings to the node's addresses */
	cfg.no_echo_reply = d->has_tun;
	for (unsigned i = 0; i < cfg.n_ifaces; i++) {
		if (!cfg.ifaces[i].mtu)
			cfg.ifaces[i].mtu = (uint16_t)(d->ifs[i].mtu > 65535 ? 65535 : d->ifs[i].mtu);
		/* proxy advertisements carry the home link's real MAC address */
		if (cfg.is_ha && cfg.ifaces[i].plen == cfg.ha.plen &&
		    ip6_prefix_match(cfg.ha.prefix, cfg.ifaces[i].prefix, cfg.ha.plen))
			memcpy(cfg.ha.mac, d->ifs[i].mac, 6);
	}
	/* node_new owns the tables from here, also when it fails */
	d->conf.nc.cfg.spd = NULL;
	d->conf.nc.cfg.sad = NULL;
	d->conf.nc.cfg.pad = NULL;
	d->node = node_new(&cfg, m6d_now(), err, errlen);
	if (!d->node)
		return M6_E_CONFIG;
	if (d->conf.nc.ike) {
		/* IKEv2 keys the node (RFC 4877); the key log feeds `keys` */
		struct ike_km_cfg kc = *d->conf.nc.ike;
		kc.keep_keys = true;
		d->ike = ike_km_new(&kc, err, errlen);
		m6_wipe(&kc, sizeof(kc));
		if (!d->ike) {
			node_free(d->node);
			d->node = NULL;
			return M6_E_CONFIG;
		}
		/* certificates are checked at the real date, not node time */
		ike_km_set_wall_time(d->ike, (int64_t)time(NULL), m6d_now());
		ike_km_attach(d->ike, d->node);
	}
	node_set_event_cb(d->node, on_event, d);
	node_set_deliver_cb(d->node, on_deliver, d);
	node_pump_init(&d->pump, d->node, on_tx, d);
	d->node_next = node_next_expiry(d->node);
	memset(d->bul, 0, sizeof(d->bul));
	d->home_seq_known = false;
	if (!d->nd) {
		struct nd_ops ops = { .ctx = d, .xmit = nd_xmit, .mac = nd_mac, .target = nd_target_of,
				      .router = cfg.forwarding };
		if (!(d->nd = nd_new(&ops))) {
			snprintf(err, errlen, "out of memory");
			return M6_E_NOMEM;
		}
	}
	/* node_new() starts with every interface up: tell it what is not */
	for (unsigned i = 0; i < d->n_if; i++)
		if (!d->running[i])
			node_link(d->node, i, false, m6d_now());
	return 0;
}

void m6d_node_stop(struct m6d *d)
{
	/* the IKE peers hear the IKE SAs go (RFC 7296 1.4.1) */
	if (d->ike && d->node) {
		ike_km_close(d->ike);
		m6d_pump(d, m6d_now());
	}
	/* node_free() wipes the keys of every SA */
	node_free(d->node);
	d->node = NULL;
	/* after the node: nothing calls the key manager any more */
	ike_km_free(d->ike);
	d->ike = NULL;
}

/* ---- input ---- */

static bool is_nd(const uint8_t *pkt, size_t len)
{
	return len >= 41 && pkt[6] == 58 && pkt[40] >= 133 && pkt[40] <= 137;
}

/* The segments of a super-frame, each to the node as it would have come
 * off the wire (one scratch buffer, reused). */
static void gso_input(struct m6d *d, unsigned ifx, const struct wire_frame *f, uint64_t now)
{
	struct gso_iter it;
	struct wire_if *w = &d->ifs[ifx];
	if (gso_begin(&it, f->pkt, f->len, f->gso_size)) {
		w->st.rx_gso_dropped++;
		return;
	}
	int n;
	while ((n = gso_next(&it, d->segbuf, NODE_PKT_MAX)) > 0) {
		w->st.rx_gso_segments++;
		if (node_input(d->node, ifx, d->segbuf, (size_t)n, now))
			d->c.node_input_refused++;
	}
	if (n < 0)
		w->st.rx_gso_dropped++;
}

void m6d_wire_input(struct m6d *d, unsigned ifx, uint64_t now)
{
	struct wire_frame f[WIRE_BATCH];
	struct wire_if *w = &d->ifs[ifx];
	for (unsigned b = 0; b < WIRE_BUDGET; b++) {
		int n = wire_recv(w, d->rx, f, WIRE_BATCH);
		if (n < 0)
			dlog_rl(&d->rl_misc, now, DLOG_WARN, "%s: receive error: %s", w->name, strerror(errno));
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			if (f[i].gso_size) {
				gso_input(d, ifx, &f[i], now);
				continue;
			}
			if (is_nd(f[i].pkt, f[i].len) && !nd_input(d->nd, ifx, f[i].pkt, f[i].len, f[i].src_mac, now))
				continue;
			/* every refusal the node cares about raises a DROP event;
			 * the rest (another host's packet, a link it thinks down)
			 * is counted here */
			if (node_input(d->node, ifx, f[i].pkt, f[i].len, now))
				d->c.node_input_refused++;
		}
		m6d_pump(d, now);
		if (n < WIRE_BATCH)
			break;
	}
}

/* A packet from the host with offload work left in it: a TCP super-packet
 * is cut into the segments its sender meant, a partial checksum finished.
 * Returns true when the packet was handled here. */
static bool tun_offloaded(struct m6d *d, const struct virtio_net_hdr *vh, size_t n, uint64_t now)
{
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		if ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    gso_csum_finish(d->tunbuf, n, vh->csum_start, vh->csum_offset)) {
			d->c.tun_offload_dropped++;
			return true;
		}
		return false;
	}
	struct gso_iter it;
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_TCPV6 || gso_begin(&it, d->tunbuf, n, vh->gso_size)) {
		d->c.tun_offload_dropped++;
		return true;
	}
	d->c.tun_tso_in++;
	int len;
	while ((len = gso_next(&it, d->segbuf, NODE_PKT_MAX)) > 0) {
		d->c.tun_tso_segments++;
		if (node_app_send(d->node, d->segbuf, (size_t)len, now))
			d->c.tun_refused++;
	}
	if (len < 0)
		d->c.tun_offload_dropped++;
	return true;
}

void m6d_tun_input(struct m6d *d, uint64_t now)
{
	for (unsigned k = 0; k < M6D_TUN_BATCH; k++) {
		struct virtio_net_hdr vh;
		int n = tun_read(&d->tun, &vh, d->tunbuf, M6D_TUN_BUF);
		if (n < 0) {
			d->c.tun_errors++;
			break;
		}
		if (n == 0)
			break;
		d->c.tun_in++;
		d->c.tun_in_bytes += (uint64_t)n;
		if (tun_offloaded(d, &vh, (size_t)n, now))
			continue;
		if ((size_t)n > NODE_APP_MAX) {
			d->c.tun_oversize++;
			continue;
		}
		/* link-scoped traffic of the TUN device itself (MLD, solicitations):
		 * it concerns no link the node is on */
		if (n >= 40 && (ip6_addr_is_link_local(d->tunbuf + 8) ||
				(d->tunbuf[24] == 0xff && (d->tunbuf[25] & 0x0f) <= 2))) {
			d->c.tun_link_scoped++;
			continue;
		}
		if (node_app_send(d->node, d->tunbuf, (size_t)n, now))
			d->c.tun_refused++;
	}
	m6d_pump(d, now);
}

void m6d_link_event(struct m6d *d, unsigned ifx, bool running, uint64_t now)
{
	if (ifx >= d->n_if || d->running[ifx] == running)
		return;
	d->running[ifx] = running;
	d->c.link_changes++;
	dlog(DLOG_NOTICE, "%s: link %s", d->ifs[ifx].name, running ? "up" : "down");
	nd_link(d->nd, ifx, running, now);
	node_link(d->node, ifx, running, now);
	m6d_pump(d, now);
}

void m6d_begin_stop(struct m6d *d, uint64_t now)
{
	if (d->state != M6D_RUN)
		return;
	d->state = M6D_DONE;
	struct mn *mn = node_mn(d->node);
	if (!mn || !d->home_seq_known)
		return;
	int rc = node_mn_deregister(d->node, (uint16_t)(d->home_seq + 1), now);
	if (rc == M6_E_NOTFOUND && !mn_registered(mn))
		return;
	if (rc) {
		dlog(DLOG_WARN, "could not de-register from the home agent: %s", m6_strerror(rc));
		return;
	}
	d->home_seq++;
	dlog(DLOG_NOTICE, "de-registering from the home agent (waiting up to %llu ms for its answer)",
	     (unsigned long long)(d->conf.deregister_timeout_ns / 1000000));
	d->state = M6D_STOPPING;
	d->stop_deadline = now + d->conf.deregister_timeout_ns;
	m6d_pump(d, now);
}
