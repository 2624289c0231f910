/*
 * node_int — the node's private state and the functions its files share
 * (node.c lifecycle and events, node_route.c addresses and routing,
 * node_nd.c Router Advertisements, node_tx.c transmit path and ICMPv6
 * errors, node_input.c receive path, node_km.c the key manager's side;
 * node_mip6.c, which needs none of it, hands discovery ICMPv6 to the
 * engines).
 * Nothing outside src/core/node includes this.
 */
#ifndef MIP6SEC_NODE_INT_H
#define MIP6SEC_NODE_INT_H

#include "node.h"

#include "../crypto/m6_drbg.h"

#define NODE_HEADROOM 256
#define NODE_TXQ_MAX (4u << 20)
#define NODE_BUF (NODE_HEADROOM + NODE_PKT_MAX + 256)
#define TUNNEL_DEPTH_MAX 2
/* A seeded node's first draws each get a generator of their own; this
 * one's is kept (node_draw). */
#define NODE_DRBG_CHAIN 4
#define NODE_DRAW_ONE_CALL 208
#define NODE_ICMP_BURST 10u             /* RFC 4443 2.4(f): a token bucket */
#define ND_RS 133
#define ND_RA 134
#define ND_NS 135
#define ND_NA 136
#define ND_REDIRECT 137


struct iface {
	bool up;
	uint64_t next_ra;
};

/* A notification for the key manager, queued until the node is done with
 * its packet (the re-entry rule in node.h). */
enum km_note_type { KM_NOTE_ACQUIRE = 1, KM_NOTE_EXPIRE, KM_NOTE_ADDRESS, KM_NOTE_BINDING };
struct km_note {
	enum km_note_type type;
	uint32_t spd_id;
	uint32_t spi;
	uint8_t proto;
	bool inbound, hard;
	bool has_old;
	uint8_t old_coa[16], new_coa[16];
	struct ipsec_flow flow;
	struct node_binding_change bc;
};

/* The part of node_cfg the node keeps: interfaces and routes sized to
 * what was configured (a mobile node has one interface and no route), the
 * roles' addresses the packet paths read, and the IPsec tables. */
struct node_conf {
	const char *name;
	unsigned n_ifaces, n_routes;
	struct node_iface_cfg *ifaces;
	struct node_route *routes;
	bool forwarding, is_ha, no_echo_reply;
	struct node_conf_mn {
		uint8_t hoa[16], ha[16];
	} mn;
	struct node_conf_ha {
		uint8_t prefix[16];
		unsigned plen;
	} ha;
	struct spd *spd;
	struct sad *sad;
	struct pad *pad;
};

/* Buffers for one packet in flight; a node has its own or borrows the
 * driver's (struct node_shared). */
#define NODE_EBUF (NODE_HEADROOM + 1280)
struct node_scratch {
	uint8_t buf[NODE_BUF];           /* one packet in flight */
	uint8_t buf2[NODE_BUF];          /* second (received packet, tunnel inner) */
	uint8_t ebuf[NODE_EBUF];         /* an ICMPv6 error being built */
	uint8_t engine[MIP6_SCRATCH_LEN];   /* what an engine builds (mip6_io.scratch) */
};

/* Transmit queue: records of (ifindex u32, nh kind u32, nexthop 16, len
 * u32, bytes) in an arena that is compacted when drained, allocated on the
 * first packet. */
struct node_txq {
	uint8_t *p;
	size_t cap, head, tail;
	const struct node *owner;        /* shared: whose output it holds */
};

struct node_shared {
	struct node_scratch sc;
	struct node_txq q;
	/* the generator seeded nodes instantiate again for each chained draw
	 * (draw_chained), made at the first; wiped after every draw */
	struct m6_drbg *drbg;
};

struct node {
	char name[32];
	struct node_conf cfg;
	struct iface *ifs;               /* cfg.n_ifaces */
	bool ipsec;
	struct bits bits;
	struct mn *mn;
	struct ha *ha;
	struct cn *cn;
	struct mip6_io io;
	/* randomness (node_draw): a DRBG instantiated from the driver's
	 * entropy, or (seeded) the input of the next draw's instantiation */
	struct m6_drbg *drbg;
	uint8_t drbg_next[M6_DRBG_ENTROPY_LEN + M6_DRBG_NONCE_LEN];
	uint8_t drbg_draws;              /* seeded: draws so far, up to NODE_DRBG_CHAIN */
	bool drbg_broken;                /* a seeded draw failed: every later one fails */
	uint64_t now;
	node_event_cb ev_cb;
	void *ev_ctx;
	node_deliver_cb dl_cb;
	void *dl_ctx;
	struct node_km km;
	struct node_km_stats km_st;
	uint8_t last_coa[16];
	bool have_coa;
	/* calls from the driver in progress: notifications are delivered when
	 * the outermost one ends */
	unsigned depth;
	bool draining;
	struct km_note *notes;
	size_t notes_cap, notes_head, notes_n;
	/* earliest time an SA reaches a time-based lifetime (may be early:
	 * the sweep then finds nothing and recomputes) */
	uint64_t sa_next;
	/* a packet of ours found no SA (ACQUIRE): the mobile node's home
	 * registration goes again as soon as the key manager installs one */
	bool waits_sa;
	/* RFC 4443 2.4(f): ICMPv6 errors from a token bucket */
	uint64_t icmp_stamp;
	uint32_t icmp_tokens;
	size_t txq_max;                  /* cfg.txq_max or the default */
	struct node_txq *q;              /* own (with sc) or the shared one */
	struct node_scratch *sc;         /* own (freed with the node) or shared */
	bool shared;
	struct node_shared *sh;          /* the driver's, or NULL */
	/* scratch buffers (in *sc) */
	uint8_t *buf, *buf2, *ebuf;
};

/* node.c */
/* Octets from the node's DRBG: 0, or M6_E_CRYPTO with out wiped (the
 * library failed; a seeded node then never draws again). */
int node_draw(struct node *n, uint8_t *out, size_t len);
void node_emit(struct node *n, struct m6_event *ev);
void node_emit_drop(struct node *n, int reason, const char *what);
void node_enter(struct node *n, uint64_t now);
void node_leave(struct node *n);

/* node_route.c */
bool node_is_local(const struct node *n, const uint8_t dst[16]);
int node_route(const struct node *n, const uint8_t dst[16]);
int node_route_link_scope(const struct node *n, const uint8_t src[16]);
unsigned node_mtu(const struct node *n, unsigned ifindex);
/* An address of the node to speak from toward dst (for ICMPv6 errors). */
bool node_src_for(const struct node *n, const uint8_t dst[16], uint8_t out[16]);

/* node_nd.c */
void node_send_ra(struct node *n, unsigned ifindex);
struct ip6_walk;
void node_input_ra(struct node *n, const uint8_t *pkt, const struct ip6_walk *w);

/* node_tx.c */
#define TX_FORWARDED 0x1     /* forwarded, not originated */
#define TX_BYPASS 0x2        /* the key manager's own traffic: no IPsec */
void node_send_raw(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len);
void node_send_routed(struct node *n, const uint8_t *pkt, size_t len, unsigned flags, int in_if);
void node_send_local(struct node *n, const uint8_t *pkt, size_t len);
void node_deliver(struct node *n, const uint8_t *pkt, size_t len);
/* An ICMPv6 error about pkt (as received or about to be sent), to its
 * source, rate limited; never about an ICMPv6 error (RFC 4443 2.4). */
void node_icmp_error(struct node *n, uint8_t type, uint8_t code, uint32_t param, const uint8_t *pkt, size_t len);

/* node_km.c */
void node_km_note(struct node *n, const struct km_note *k);
void node_km_drain_bits(struct node *n);
void node_km_flush(struct node *n);
/* A UDP datagram to the key manager's ports: true when it was taken. */
bool node_km_take(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len, const struct ip6_walk *w);
bool node_km_is_own(const struct node *n, const uint8_t *pkt, size_t len, const struct ip6_walk *w);
uint64_t node_km_next_expiry(const struct node *n);
void node_km_on_timer(struct node *n, uint64_t now);
void node_km_sa_changed(struct node *n, const struct ipsec_sa *sa);
void node_km_sa_rescan(struct node *n);
void node_km_free(struct node *n);

/* node_tunnel_sa.c: SAs whose mobile-node endpoint follows the binding.
 * _check() starts them unbound and refuses them on a node that is not
 * exactly one of home agent and mobile node (a reason, or NULL). The home
 * agent's engine reports an accepted home registration (coa) or its end
 * (NULL) to _binding(); the mobile node reports the care-of address of the
 * home registration BU it just sent (NULL from home) to _coa(). */
const char *node_tunnel_sa_check(const struct node *n, const struct node_cfg *cfg);
void node_tunnel_sa_binding(struct node *n, const uint8_t hoa[16], const uint8_t *coa);
void node_tunnel_sa_coa(struct node *n, const uint8_t *coa);

#endif
