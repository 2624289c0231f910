/*
 * sim_node — the real protocol node (core/node) as a simulator host.
 *
 * Contract: sim_add_node() creates the node at the current virtual time
 * (node_new takes over cfg's IPsec tables) and routes its events and
 * deliveries into the simulator; its host ops answer the expectations'
 * questions (binding cache or registration, IPsec drop counters). This is
 * the only part of the simulator that links against node.c and the Mobile
 * IPv6 engines: everything else reaches hosts through struct sim_host_ops.
 */
#ifndef MIP6SEC_SIM_NODE_H
#define MIP6SEC_SIM_NODE_H

#include "sim.h"

/* Host index, or a negative M6_E_* with the reason in err. */
int sim_add_node(struct sim *s, const struct node_cfg *cfg, char *err, size_t errlen);
/* The node behind a host, NULL when the host is not a node. */
struct node *sim_host_node(const struct sim_host *h);

#endif
