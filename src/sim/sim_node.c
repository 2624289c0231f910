#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mip6/bcache.h"
#include "util/m6_err.h"
#include "pkt/ip6.h"
#include "sim_node.h"

/* The host is the node itself (no wrapper: a million of them). */
#define N(h) ((struct node *)(h))

static int n_input(void *h, unsigned ifindex, const uint8_t *pkt, size_t len, uint64_t now)
{
	return node_input(N(h), ifindex, pkt, len, now);
}

static int n_output(void *h, struct node_out *out, uint64_t now)
{
	return node_output(N(h), out, now);
}

static uint64_t n_next_expiry(void *h)
{
	return node_next_expiry(N(h));
}

static void n_on_timer(void *h, uint64_t now)
{
	node_on_timer(N(h), now);
}

static void n_link(void *h, unsigned ifindex, bool up, uint64_t now)
{
	node_link(N(h), ifindex, up, now);
}

static int n_app_send(void *h, const uint8_t *pkt, size_t len, uint64_t now)
{
	return node_app_send(N(h), pkt, len, now);
}

static void n_destroy(void *h)
{
	node_free(N(h));
}

static bool n_iface_addr(void *h, unsigned ifindex, uint8_t out[16])
{
	return node_iface_addr(N(h), ifindex, out);
}

static bool n_proxies(void *h, unsigned ifindex, const uint8_t addr[16])
{
	return node_proxies(N(h), ifindex, addr);
}

/* The simulator's convention: 0 on-link, 1 via nh, -1 to any router. */
static int n_next_hop(void *h, unsigned ifindex, const uint8_t dst[16], uint8_t nh[16])
{
	switch (node_next_hop(N(h), ifindex, dst, nh)) {
	case NODE_NH_ONLINK:
		return 0;
	case NODE_NH_GATEWAY:
		return 1;
	default:
		return -1;
	}
}

static int n_binding(void *h, const uint8_t hoa[16], uint8_t coa[16])
{
	return node_binding(N(h), hoa, coa);
}

static void n_state(void *h, char *buf, size_t cap)
{
	struct node *n = N(h);
	size_t used = 0;
	buf[0] = 0;
	if (node_ha(n)) {
		struct bcache *bc = ha_bcache(node_ha(n));
		used += (size_t)snprintf(buf + used, cap - used, "HA %zu binding(s), ", bc ? bcache_count(bc) : 0);
	}
	if (used < cap && node_cn(n)) {
		struct bcache *bc = cn_bcache(node_cn(n));
		used += (size_t)snprintf(buf + used, cap - used, "CN %zu binding(s), ", bc ? bcache_count(bc) : 0);
	}
	struct mn *mn = node_mn(n);
	if (used < cap && mn) {
		char a[46] = "-";
		if (mn_coa(mn))
			ip6_addr_format(mn_coa(mn), a);
		used += (size_t)snprintf(buf + used, cap - used, "MN %s%s, care-of %s, ", mn_at_home(mn) ? "home" : "away",
					 mn_registered(mn) ? " registered" : "", a);
	}
	struct bits *b = node_bits(n);
	if (used < cap && b)
		used += (size_t)snprintf(buf + used, cap - used, "ESP/AH out %llu in %llu, ",
					 (unsigned long long)b->st.out_protected, (unsigned long long)b->st.in_protected);
	if (used >= 2 && used < cap)
		buf[used - 2] = 0;
}

static uint64_t n_drops(void *h, int code)
{
	struct bits *b = node_bits(N(h));
	return b ? bits_drops(b, code) : 0;
}

static const struct sim_host_ops node_ops = {
	.input = n_input, .output = n_output, .next_expiry = n_next_expiry, .on_timer = n_on_timer,
	.link = n_link, .app_send = n_app_send, .destroy = n_destroy,
	.iface_addr = n_iface_addr, .proxies = n_proxies, .next_hop = n_next_hop,
	.binding = n_binding, .drops = n_drops, .state = n_state,
};

struct node *sim_host_node(const struct sim_host *h)
{
	return h->ops == &node_ops ? N(h->h) : NULL;
}

static void on_event(void *ctx, const struct m6_event *ev)
{
	sim_host_event(ctx, ev);
}

static void on_deliver(void *ctx, struct node *n, const uint8_t *pkt, size_t len, uint64_t now)
{
	(void)n;
	sim_host_deliver(ctx, pkt, len, now);
}

int sim_add_node(struct sim *s, const struct node_cfg *cfg, char *err, size_t errlen)
{
	struct node *n = node_new(cfg, s->now, err, errlen);
	if (!n)
		return M6_E_CONFIG;
	int idx = sim_add_host(s, cfg->name, cfg->n_ifaces, &node_ops, n);
	if (idx < 0) {
		n_destroy(n);
		snprintf(err, errlen, "%s", m6_strerror(idx));
		return idx;
	}
	s->hosts[idx]->router = cfg->forwarding;
	s->hosts[idx]->proxy = cfg->is_ha;
	node_set_event_cb(n, on_event, s->hosts[idx]);
	node_set_deliver_cb(n, on_deliver, s->hosts[idx]);
	return idx;
}
