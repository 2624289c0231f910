/*
 * fake_host — a minimal simulator host for the simulator's own tests:
 * static addresses, a transmit queue, scripted timers, a receive log.
 * It answers ICMPv6 echo requests and hands every packet for one of its
 * addresses to the application (the delivery callback), so links, the
 * clock, traffic and outputs can be tested without the protocol engines.
 */
#ifndef MIP6SEC_FAKE_HOST_H
#define MIP6SEC_FAKE_HOST_H

#include <stdlib.h>
#include <string.h>

#include "pkt/icmp6.h"
#include "pkt/ip6.h"
#include "sim.h"
#include "util/m6_bytes.h"

#define FAKE_LOG 4096

struct fake {
	struct sim *s;
	int index;
	unsigned n_if;
	bool has_addr[NODE_IF_MAX];
	uint8_t addr[NODE_IF_MAX][16];
	bool up[NODE_IF_MAX];
	bool router, busy, reentered;
	struct node_out q[64];
	unsigned qh, qt;
	unsigned rx;
	uint64_t rx_at[FAKE_LOG];
	unsigned rx_if[FAKE_LOG];
	uint32_t rx_tag[FAKE_LOG];
	uint64_t timers[16];
	unsigned n_timers;
	uint64_t fired[64];
	unsigned n_fired;
	unsigned link_ups, link_downs;
};

static inline bool fake_mine(const struct fake *f, const uint8_t *dst)
{
	if (dst[0] == 0xff)
		return true;
	for (unsigned i = 0; i < f->n_if; i++)
		if (f->has_addr[i] && !memcmp(f->addr[i], dst, 16))
			return true;
	return false;
}

static inline void fake_queue(struct fake *f, unsigned ifindex, const uint8_t *pkt, size_t len)
{
	if (f->qt - f->qh >= 64 || len > NODE_PKT_MAX)
		return;
	struct node_out *o = &f->q[f->qt++ % 64];
	o->ifindex = ifindex;
	o->len = len;
	memcpy(o->pkt, pkt, len);
}

static int fake_input(void *h, unsigned ifindex, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct fake *f = h;
	if (f->busy)
		f->reentered = true;
	f->busy = true;
	if (len >= 40 && fake_mine(f, pkt + 24)) {
		if (f->rx < FAKE_LOG) {
			f->rx_at[f->rx] = now;
			f->rx_if[f->rx] = ifindex;
			f->rx_tag[f->rx] = len >= 44 ? m6_get32(pkt + 40) : 0;
		}
		f->rx++;
		if (len >= 48 && pkt[6] == IP6P_ICMPV6 && pkt[40] == ICMP6_ECHO_REQUEST) {
			uint8_t out[NODE_PKT_MAX];
			memcpy(out, pkt, len);
			memcpy(out + 8, pkt + 24, 16);
			memcpy(out + 24, pkt + 8, 16);
			out[40] = ICMP6_ECHO_REPLY;
			m6_put16(out + 42, 0);
			m6_put16(out + 42, m6_csum_ip6(out + 8, out + 24, IP6P_ICMPV6, out + 40, len - 40));
			fake_queue(f, ifindex, out, len);
		} else if (pkt[24] != 0xff) {
			sim_host_deliver(f->s->hosts[f->index], pkt, len, now);
		}
	}
	f->busy = false;
	return 0;
}

static int fake_output(void *h, struct node_out *out, uint64_t now)
{
	(void)now;
	struct fake *f = h;
	if (f->qh == f->qt)
		return 0;
	*out = f->q[f->qh++ % 64];
	return 1;
}

static uint64_t fake_next_expiry(void *h)
{
	struct fake *f = h;
	uint64_t t = UINT64_MAX;
	for (unsigned i = 0; i < f->n_timers; i++)
		if (f->timers[i] < t)
			t = f->timers[i];
	return t;
}

static void fake_on_timer(void *h, uint64_t now)
{
	struct fake *f = h;
	for (unsigned i = 0; i < f->n_timers;) {
		if (f->timers[i] <= now) {
			if (f->n_fired < 64)
				f->fired[f->n_fired++] = now;
			f->timers[i] = f->timers[--f->n_timers];
		} else {
			i++;
		}
	}
}

static void fake_link(void *h, unsigned ifindex, bool up, uint64_t now)
{
	(void)now;
	struct fake *f = h;
	f->up[ifindex] = up;
	if (up)
		f->link_ups++;
	else
		f->link_downs++;
}

static int fake_app_send(void *h, const uint8_t *pkt, size_t len, uint64_t now)
{
	(void)now;
	struct fake *f = h;
	if (f->busy)
		f->reentered = true;
	fake_queue(f, 0, pkt, len);
	return 0;
}

static void fake_destroy(void *h)
{
	free(h);
}

static bool fake_iface_addr(void *h, unsigned ifindex, uint8_t out[16])
{
	struct fake *f = h;
	if (ifindex >= f->n_if || !f->has_addr[ifindex])
		return false;
	memcpy(out, f->addr[ifindex], 16);
	return true;
}

static const struct sim_host_ops fake_ops = {
	.input = fake_input, .output = fake_output, .next_expiry = fake_next_expiry, .on_timer = fake_on_timer,
	.link = fake_link, .app_send = fake_app_send, .destroy = fake_destroy, .iface_addr = fake_iface_addr,
};

/* A fake with one address per interface ("" = none). */
static inline struct fake *fake_add(struct sim *s, const char *name, unsigned n_if, const char *const *addrs)
{
	struct fake *f = calloc(1, sizeof(*f));
	f->s = s;
	f->n_if = n_if;
	for (unsigned i = 0; i < n_if; i++)
		if (addrs && addrs[i] && addrs[i][0])
			f->has_addr[i] = ip6_addr_parse(addrs[i], f->addr[i]) == 0;
	f->index = sim_add_host(s, name, n_if, &fake_ops, f);
	return f;
}

/* The host factory for simrun(): a fake per scenario node, with its static
 * addresses (and a mobile node's home address on interface 0). */
static inline int fake_factory(struct sim *s, const struct node_cfg *cfg, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	struct fake *f = calloc(1, sizeof(*f));
	f->s = s;
	f->n_if = cfg->n_ifaces;
	for (unsigned i = 0; i < cfg->n_ifaces; i++) {
		f->has_addr[i] = cfg->ifaces[i].has_addr;
		memcpy(f->addr[i], cfg->ifaces[i].addr, 16);
	}
	if (cfg->is_mn) {
		f->has_addr[0] = true;
		memcpy(f->addr[0], cfg->mn.hoa, 16);
	}
	/* the scenario's IPsec tables would be the node's; a fake has no use for them */
	spd_free(cfg->spd);
	sad_free(cfg->sad);
	pad_free(cfg->pad);
	int idx = f->index = sim_add_host(s, cfg->name, cfg->n_ifaces, &fake_ops, f);
	if (idx < 0)
		free(f);
	else
		s->hosts[idx]->router = cfg->forwarding;
	return idx;
}

/* IPv6 (src -> dst, Next Header 253: experimentation) with a 4-octet tag
 * and pad octets of payload. */
static inline size_t fake_pkt(uint8_t *out, const char *src, const char *dst, uint32_t tag, size_t pad)
{
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	ip6_addr_parse(src, h.src);
	ip6_addr_parse(dst, h.dst);
	h.nh = 253;
	h.hlim = 64;
	h.plen = (uint16_t)(4 + pad);
	ip6_hdr_write(out, &h);
	m6_put32(out + 40, tag);
	memset(out + 44, 0xab, pad);
	return 44 + pad;
}

#endif
