/*
 * tn — building node configurations in the node-level tests: an interface
 * on a /64, a route, and an `ipsec` group given as configuration text
 * (loaded with the same reader as the simulator's).
 */
#ifndef MIP6SEC_TN_H
#define MIP6SEC_TN_H

#include "tu.h"
#include "keyconf.h"
#include "node/node.h"

static inline void tn_load_ipsec(struct node_cfg *c, const char *text)
{
	struct keyconf kc;
	char err[512];
	if (keyconf_load_string(text, &kc, err, sizeof(err)))
		fail_msg("%s\n%s", err, text);
	c->bits = kc.bits;
	c->spd = kc.spd;
	c->sad = kc.sad;
	c->pad = kc.pad;
}

/* The next interface: a static address (NULL: none, a mobile node's) on
 * prefix/64, advertising it or not. The caller may set the rest. */
static inline struct node_iface_cfg *tn_iface(struct node_cfg *c, const char *a, const char *prefix, bool adv)
{
	struct node_iface_cfg *i = &c->ifaces[c->n_ifaces++];
	if (a) {
		i->has_addr = true;
		tu_addr(a, i->addr);
	}
	tu_addr(prefix, i->prefix);
	i->plen = 64;
	i->advertise = adv;
	return i;
}

static inline void tn_route(struct node_cfg *c, const char *prefix, unsigned plen, unsigned ifx)
{
	struct node_route *r = &c->routes[c->n_routes++];
	tu_addr(prefix, r->prefix);
	r->plen = plen;
	r->ifindex = ifx;
}

/* Two nodes on one hub: fire their timers in order up to `to`, calling
 * pump (the test's own delivery between them) after each instant; *now
 * ends at `to`. */
static inline void tn_pair_advance(struct node *a, struct node *b, uint64_t *now, uint64_t to, void (*pump)(void))
{
	for (;;) {
		uint64_t t = node_next_expiry(a);
		if (node_next_expiry(b) < t)
			t = node_next_expiry(b);
		if (t > to)
			break;
		*now = t;
		node_on_timer(a, t);
		node_on_timer(b, t);
		pump();
	}
	*now = to;
}

#endif
