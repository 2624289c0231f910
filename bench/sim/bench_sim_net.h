/*
 * bench_sim_net — the network bench_sim runs, built in memory: links, the
 * home agent, the router and the mobile nodes with their IPsec tables
 * (policies and manually keyed SAs made directly, no configuration text).
 */
#ifndef MIP6SEC_BENCH_SIM_NET_H
#define MIP6SEC_BENCH_SIM_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "sim.h"

#define BNET_FOREIGN 3
#define BNET_HA 0
#define BNET_ROUTER 1
#define BNET_MN0 2

struct bnet {
	struct sim *s;
	unsigned n;                  /* mobile nodes */
	struct node_shared *shared;  /* every node's scratch: the simulator calls one node at a time */
	struct m6_xform_cache *xc;   /* every SA's keyed states, made when a packet needs them */
	/* the mobile nodes' one SPD (spd_share): their policies name only the
	 * home agent, so every mobile node has the same four; the first node
	 * made holds it as its creator, each later one as a sharer */
	struct spd *mn_spd;
	uint32_t mn_bu, mn_ba;       /* its BU and BA policies */
};

_Noreturn void bnet_die(const char *what);
void bnet_init(struct bnet *b, struct sim *s, unsigned n);
void bnet_fini(struct bnet *b);
/* The home link and the foreign links. */
void bnet_links(struct bnet *b);
/* The home agent with one BU and one BA policy template (per_peer) for
 * the home prefix and a BU and a BA SA per mobile node;
 * *tables and *node get the heap octets its IPsec tables and then its
 * node (engine, binding cache) took. */
void bnet_add_ha(struct bnet *b, unsigned dad_ms, size_t dad_slots, size_t *tables, size_t *node);
void bnet_add_router(struct bnet *b);
void bnet_add_mn(struct bnet *b, unsigned i);
size_t bnet_ha_bindings(struct bnet *b);
bool bnet_mn_registered(struct bnet *b, unsigned i);

#endif
