/*
 * fuzz_node.h — the parts of the node harness (fuzz/fuzz_node.c has the
 * input format and the invariants): the world of three nodes and their
 * configuration (fuzz_node_world.c), the links, router R and the clock
 * (fuzz_node_net.c), and the packets the harness builds from input octets
 * (fuzz_node_pkt.c). Everything that lives for one input is in `fz`,
 * reset by fz_build(); what never changes after fz_setup() is plain data.
 */
#ifndef MIP6SEC_FUZZ_NODE_H
#define MIP6SEC_FUZZ_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyconf.h"
#include "ipsec/bits.h"
#include "ipsec/sad.h"
#include "node/node.h"
#include "node/node_pump.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "pkt/pbuf.h"
#include "util/m6_bytes.h"

void fz_violated(const char *what, int line);
#define CHECK(c) do { if (!(c)) fz_violated(#c, __LINE__); } while (0)

#define MS 1000000ull
#define SEC 1000000000ull

enum { HA_N, MN_N, CN_N, N_NODES };
enum { L_HOME, L_BACKBONE, L_FOREIGN, N_LINKS };

#define MAX_DELIVERIES 1000      /* frames handed to nodes per input */
#define MAX_FIRINGS 300          /* timer firings per input, then the clock jumps */
#define RA_INTERVAL (3 * SEC)    /* R's and the HA's */
#define SPIN_MAX 200             /* the pump's guard: firings at one instant leaving a timer due */
#define QLEN 64
#define RING 16
#define R_NODE (-1)

/* ---- fixed after fz_setup() ---- */

/* A peer that seals FORGE packets with one outbound SA; snap restores the
 * SA (its sequence number) before every input. */
struct fz_sender {
	struct keyconf kc;
	struct bits b;
	struct ipsec_sa *sa;
	struct ipsec_sa snap;
};
extern struct fz_sender fz_senders[3];

extern uint8_t a_ha[16], a_hoa[16], a_coa[16], a_cn[16], a_r[16], a_hoa_b[16], a_ha_bb[16], a_all[16];
extern uint8_t p_home[16], p_backbone[16], p_foreign[16];
extern const uint8_t *addr_tab[8];
extern const char *const fz_node_names[N_NODES];
extern const unsigned fz_n_ifaces[N_NODES];
extern bool fz_verbose;

/* ---- one input's world ---- */

struct fz_frame {
	int link;
	int from;                  /* node, or R_NODE */
	unsigned from_if;
	size_t len;
	uint8_t pkt[NODE_PKT_MAX];
};

struct fz_emitted {
	int node;
	int link;
	size_t len;
	uint8_t pkt[NODE_PKT_MAX];
};

struct fz_state {
	struct node *nodes[N_NODES];
	struct node_pump pumps[N_NODES];
	uint64_t next_at[N_NODES];                 /* each pump's last answer */
	int attach[N_NODES][NODE_IF_MAX];          /* link of each interface, -1 = none */
	bool up[N_NODES][NODE_IF_MAX];
	uint64_t now;
	bool r_on, isolate;
	uint64_t r_next_ra;
	struct fz_frame q[QLEN];
	unsigned q_head, q_n;
	unsigned deliveries, firings;
	struct fz_emitted ring[RING];
	unsigned ring_next, ring_n;
	unsigned ev_count[M6_EV_TYPE_COUNT];
	unsigned km_acquire, km_expire, km_moves;
	/* node_app_send() of a raw packet that does not walk itself: what the
	 * node passes on of it need not walk either (fuzz_node.c's header) */
	bool app_malformed;
	int app_node;
	/* the packet the HA is being given, to tell what it forwards from what
	 * it says itself */
	size_t ha_in_len;
	uint8_t ha_in[NODE_PKT_MAX];
};
extern struct fz_state fz;

/* fuzz_node_world.c */
void fz_setup(void);
/* Fresh nodes and a fresh world (the clock at 0, R on, queues empty).
 * own: each node has its own scratch, queue and generators (node_new
 * without a node_shared); otherwise the three borrow the process's one. */
void fz_build(bool true_address, bool mn_home, bool isolate, bool own);
void fz_free(void);

/* fuzz_node_net.c */
/* The pumps' transmit side (ctx: the node's index). */
void fz_on_tx(void *ctx, const struct node_out *o);
void fz_transmit(int link, int from, unsigned from_if, const uint8_t *pkt, size_t len);
/* After every call into node i: what it queued goes out, its timer is re-read. */
void fz_drain(int i);
void fz_deliver(int i, unsigned ifx, const uint8_t *pkt, size_t len);
void fz_run_queue(void);
void fz_router_ra(void);
/* Move the clock by delta, firing every timer that falls due on the way. */
void fz_advance(uint64_t delta);

/* fuzz_node_pkt.c */
static inline uint8_t fz_at(const uint8_t *d, size_t n, size_t i, uint8_t dflt) { return i < n ? d[i] : dflt; }
/* Make lengths and checksums right (depth: IPv6-in-IPv6 nesting). */
void fz_fixup(uint8_t *p, size_t len, int depth);
size_t fz_build_ra(const uint8_t *d, size_t n, uint8_t *out, size_t cap);
size_t fz_build_app(int i, const uint8_t *d, size_t n, uint8_t *out, size_t cap);
size_t fz_build_forge(const uint8_t *d, size_t n, uint8_t *out, size_t cap);

#endif
