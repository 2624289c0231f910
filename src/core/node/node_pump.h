/*
 * node_pump — what every driver of a node does after each call into it:
 * hand every packet the node queued to the transmit side, fire its timer
 * when it is due, and learn when to come back (node.h's contract, written
 * once for the simulator, the daemon, the fuzzers and the tests).
 *
 * Contract (sans-I/O): the driver owns the clock and the wire. After
 * node_input(), node_link() or node_app_send() it calls node_pump_drain();
 * at the instant the pump last returned it calls node_pump_timer(). Both
 * return the next instant the node wants its timer (NODE_PUMP_NEVER: none),
 * never earlier than `now`. Packets go to tx in the order the node queued
 * them; tx may not call into the same node (it runs inside the pump).
 *
 * The guard: a node whose timer is still due right after it fired (a bug:
 * the driver would spin at one instant for ever) is fired at most
 * spin_max times per instant; after that the pump answers now + 1 ns,
 * counts a stall and sets NODE_PUMP_STALLED, and the driver decides what to
 * report (the simulator notes it, the fuzzers abort, the tests fail).
 *
 * The pump drives the node API (node_pump_init), or anything with the same
 * three calls (node_pump_init_ops: the simulator's hosts, which tests
 * replace with fakes). One struct per node; it holds no packet buffer (a
 * node_out on the stack of the draining call), so it costs the driver a few
 * dozen octets per node and nothing per packet.
 */
#ifndef MIP6SEC_M6_NODE_PUMP_H
#define MIP6SEC_M6_NODE_PUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "node.h"

#define NODE_PUMP_NEVER UINT64_MAX
/* Firings at one instant that leave the timer due before the guard trips:
 * far beyond anything legitimate (a node handles everything due at `now`
 * in one node_on_timer()), small enough to cost nothing measurable. */
#define NODE_PUMP_SPIN_MAX 1000

/* What the last call did (struct node_pump.last). */
enum { NODE_PUMP_FIRED = 1, NODE_PUMP_STALLED = 2 };

typedef void (*node_pump_tx_fn)(void *ctx, const struct node_out *out);

/* The three calls the pump makes, on h. */
struct node_pump_ops {
	int (*output)(void *h, struct node_out *out, uint64_t now);
	uint64_t (*next_expiry)(void *h);
	void (*on_timer)(void *h, uint64_t now);
};

struct node_pump {
	const struct node_pump_ops *ops;
	void *h;
	node_pump_tx_fn tx;
	void *ctx;
	unsigned spin_max;           /* NODE_PUMP_SPIN_MAX unless the driver wants fewer */
	unsigned spin;               /* firings at spin_at that left the timer due */
	uint64_t spin_at;
	unsigned last;               /* NODE_PUMP_* of the last call */
	uint64_t n_tx, n_fired, n_stalls;
};

void node_pump_init(struct node_pump *p, struct node *n, node_pump_tx_fn tx, void *ctx);
void node_pump_init_ops(struct node_pump *p, const struct node_pump_ops *ops, void *h, node_pump_tx_fn tx,
			void *ctx);
/* Every queued packet to tx; returns the next expiry. */
uint64_t node_pump_drain(struct node_pump *p, uint64_t now);
/* node_on_timer() if the timer is due at now (a timer superseded since it
 * was armed is not fired), then drain; returns the next expiry. */
uint64_t node_pump_timer(struct node_pump *p, uint64_t now);

#endif
