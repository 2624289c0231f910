/*
 * link — a shared medium between node interfaces: delay, jitter, loss,
 * duplication, reordering and an MTU.
 *
 * Contract: a link is a hub by default: a frame reaches every OTHER
 * interface attached to it and nodes filter by address themselves (a
 * router only forwards what leaves by another interface). A switched link
 * (switched = true) resolves the link-layer destination as neighbour
 * discovery would (sim.c): multicast to every other interface, unicast to
 * the interface owning the address (or proxying it) or the sender's
 * gateway, other off-link traffic to the routers; the same outcome without
 * every host seeing every frame, which large runs need. link_plan()
 * decides a frame's fate from the link's own random stream, always drawing
 * in the same order (loss, jitter, reordering, duplication) so that a seed
 * fixes the pattern; frames over the MTU are refused before any draw.
 * Ports keep their attachment order, which is the delivery order of
 * receivers that get a frame at the same instant.
 */
#ifndef MIP6SEC_SIM_LINK_H
#define MIP6SEC_SIM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_rng.h"

#define SIM_LINK_NAME_MAX 32

struct sim_link_cfg {
	uint64_t delay_ns;        /* one-way propagation delay */
	uint64_t jitter_ns;       /* uniform extra delay in [0, jitter] */
	double loss;              /* probability a frame is lost, 0..1 */
	double dup;               /* probability a frame arrives twice */
	double reorder;           /* probability a frame is held back ... */
	uint64_t reorder_ns;      /* ... by this much more (0: delay + jitter + 1 ms) */
	uint32_t mtu;             /* 0 = 1500 */
	bool switched;            /* unicast only where neighbour discovery would send it */
};

struct sim_link_stats {
	uint64_t frames, octets;      /* sent onto the link (including injected) */
	uint64_t lost, duplicated, reordered, mtu_drops;
	uint64_t deliveries;          /* frame copies handed to receivers */
	uint64_t unresolved;          /* switched: unicast frames nobody on the link answers for */
};

struct sim_port {
	unsigned host, ifindex;       /* host SIM_PORT_GONE: detached, its slot not yet reclaimed */
	uint64_t since;               /* attachment time: older frames never reach it */
};

#define SIM_PORT_GONE UINT32_MAX

/* One address a port answers for (the switch's table). */
struct sim_ix_slot {
	uint8_t addr[16];
	int32_t host;                 /* IX_EMPTY, IX_GONE or the host */
	uint32_t ifindex;
};

struct sim_link {
	char name[SIM_LINK_NAME_MAX];
	unsigned index;
	struct sim_link_cfg cfg;
	struct sim_link_stats st;
	struct sim_rng rng;
	struct sim_port *ports;       /* attachment order, gone ones included */
	size_t n_ports, cap_ports, n_gone;
	struct sim_port *rports;      /* the routers' ports, in the same order */
	size_t n_rports, cap_rports;
	/* address -> port, open addressing; kept for every link, used by switches */
	struct sim_ix_slot *ix;
	size_t ix_cap, ix_used, ix_live;
	unsigned n_proxy_ports;       /* ports of hosts that may answer for others */
};

/* The fate of one frame: n arrival delays (0 = lost, 2 = duplicated). */
struct sim_link_plan {
	unsigned n;
	uint64_t delay_ns[2];
	bool too_big;
};

int link_init(struct sim_link *l, const char *name, unsigned index, const struct sim_link_cfg *cfg, uint64_t seed);
void link_fini(struct sim_link *l);
void link_set_cfg(struct sim_link *l, const struct sim_link_cfg *cfg);
static inline uint32_t link_mtu(const struct sim_link *l) { return l->cfg.mtu ? l->cfg.mtu : 1500; }
/* Validate a configuration: NULL when fine, else why not. */
const char *link_cfg_check(const struct sim_link_cfg *cfg);

/* router: the port's host forwards (it also goes in rports). *slot gets
 * its place in ports (until link_ports_compact() moves it). */
int link_port_add(struct sim_link *l, unsigned host, unsigned ifindex, bool router, uint64_t now, uint32_t *slot);
/* The port in that slot leaves, in O(1) (a switch with a million hosts
 * sees a million moves): its slot is marked gone, the others keep their
 * order, which is the delivery order. 0, or M6_E_NOTFOUND when the slot
 * does not hold that interface. */
int link_port_remove(struct sim_link *l, uint32_t slot, unsigned host, unsigned ifindex);
/* Whether enough slots are gone to be worth reclaiming (as many as live ones). */
bool link_ports_sparse(const struct sim_link *l);
/* Reclaim the gone slots, keeping the order; moved() learns each port's new slot. */
void link_ports_compact(struct sim_link *l, void (*moved)(void *ctx, unsigned host, unsigned ifindex, uint32_t slot),
			void *ctx);

/* The address table: add / remove one (addr, port) pair; find the first
 * port answering for addr that is not (xhost, xif). O(1) expected. */
int link_ix_add(struct sim_link *l, const uint8_t addr[16], unsigned host, unsigned ifindex);
void link_ix_del(struct sim_link *l, const uint8_t addr[16], unsigned host, unsigned ifindex);
bool link_ix_find(const struct sim_link *l, const uint8_t addr[16], int xhost, unsigned xif, unsigned *host,
		  unsigned *ifindex);

/* Decide what happens to a frame of len octets and count it. */
void link_plan(struct sim_link *l, size_t len, struct sim_link_plan *p);

#endif
