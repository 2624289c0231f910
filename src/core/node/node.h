/*
 * node — one host: its interfaces and addresses, routing (and forwarding
 * when it is a router, with periodic Router Advertisements), the IPsec
 * pipeline, the Mobile IPv6 roles it plays and its key manager.
 *
 * Contract (ngtcp2 style, sans-I/O): the driver (simulator, daemon, fuzzer)
 * feeds packets with node_input() and the current time; takes packets to
 * transmit with node_output() until it returns 0; calls node_on_timer() at
 * node_next_expiry(); and gets events through the callback. Applications
 * send with node_app_send() and receive through the delivery callback.
 * Nothing here reads a clock, opens a socket or draws system randomness:
 * every secret the engines draw (Kcn, nonces, cookies, home-agent keys,
 * SPIs) comes from the node's HMAC-DRBG (crypto/m6_drbg.h), instantiated
 * from cfg.entropy when the driver gives one (the daemon: the system's
 * randomness) and kept, or else from cfg.seed and the node's name (the
 * simulator: reproducible runs), where each of the first draws has a
 * generator of its own, instantiated from the previous one's output and
 * freed, so that a simulated node that draws little keeps 48 octets
 * instead of a generator; the fourth draw's generator is kept. Every
 * dropped packet raises an M6_EV_DROP event with its reason.
 *
 * Re-entry rule: the key manager's callbacks (struct node_km) are never
 * called while the node holds a packet in its scratch buffers. ACQUIRE,
 * EXPIRE, address and binding notifications are queued and delivered when
 * the outermost call from the driver (node_input, node_app_send,
 * node_on_timer, node_link) has finished with its packet; the key manager
 * may then send (node_km_send), install, update and delete SAs and
 * policies, and anything those calls cause is delivered in the same drain.
 * km.input (a message on the key manager's UDP ports) is the last step of
 * the packet that carried it, with the same freedom. No notification is
 * lost: the queue grows (counted in node_km_stats when memory runs out).
 */
#ifndef MIP6SEC_NODE_H
#define MIP6SEC_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ipsec/bits.h"
#include "../mip6/cn.h"
#include "../mip6/ha.h"
#include "../mip6/mn.h"
#include "../util/m6_event.h"

#define NODE_IF_MAX 4
#define NODE_ROUTE_MAX 16
/* The largest packet on a wire (an application packet of NODE_APP_MAX
 * plus tunnel, ESP and Mobile IPv6 headers), shared with the engines. */
#define NODE_PKT_MAX MIP6_PKT_MAX
#define NODE_APP_MAX 4096
#define NODE_TXQ_LEN 256
/* UDP ports handed to the key manager (RFC 7296 2.23, RFC 3948). */
#define NODE_IKE_PORT 500
#define NODE_NATT_PORT 4500

struct node_iface_cfg {
	bool has_addr;
	uint8_t addr[16];            /* static address (routers, HA, CN) */
	uint8_t prefix[16];          /* on-link prefix */
	unsigned plen;
	bool advertise;              /* send Router Advertisements for prefix */
	uint32_t ra_interval_ms;     /* 0 = 1000 */
	uint32_t prefix_valid_s;     /* advertised valid lifetime; 0 = 86400 */
	uint16_t mtu;                /* 0 = 1500; larger than NODE_PKT_MAX counts as NODE_PKT_MAX */
};

struct node_route {
	uint8_t prefix[16];
	unsigned plen;
	unsigned ifindex;
	bool has_nexthop;
	uint8_t nexthop[16];         /* informational: links deliver by address */
};

struct node_cfg {
	const char *name;
	unsigned n_ifaces;
	struct node_iface_cfg ifaces[NODE_IF_MAX];
	bool forwarding;
	unsigned n_routes;
	struct node_route routes[NODE_ROUTE_MAX];
	bool is_mn, is_ha, is_cn;
	struct mn_cfg mn;
	struct ha_cfg ha;
	struct cn_cfg cn;
	/* IPsec: tables built by the driver (e.g. from config/keyconf); node_new
	 * takes them over and frees them. spd NULL: no IPsec at all. */
	struct bits_cfg bits;
	struct spd *spd;
	struct sad *sad;
	struct pad *pad;
	uint64_t seed;
	/* Entropy for the node's DRBG (48 octets are asked for once, in
	 * node_new): a driver with system randomness passes it; NULL derives
	 * it from seed and name, for reproducible simulation. Returns 0, or
	 * negative to make node_new fail. */
	int (*entropy)(void *ctx, uint8_t *out, size_t n);
	void *entropy_ctx;
	/* A host stack behind the node answers Echo Requests itself (a kernel
	 * behind TUN): the node then delivers them instead of answering. */
	bool no_echo_reply;
	/* Scratch memory lent by the driver (node_shared_new), or NULL: the
	 * node has its own. See struct node_shared. */
	struct node_shared *shared;
	/* Octets of output one call may queue (0: 4 MiB): beyond, packets are
	 * dropped (M6_E_FULL). A home agent whose DAD table completes many
	 * first registrations at one instant sends two packets (BA, proxy NA)
	 * for each in that call: its driver sizes this to the table. */
	size_t txq_max;
};

/* What a node needs only while it works on a call: the buffers a packet
 * is built and processed in (about 15 KB) and the transmit queue. A driver
 * with many nodes (the simulator: a million) lends one to all of them,
 * which is sound when it calls into one node at a time (never from inside
 * another node's call or callback) and takes all of a node's output
 * (node_output until 0) before it calls into another: at any moment at
 * most one node then holds a packet or queued output. A node that finds
 * the queue holding another node's output drops its packet (the driver
 * broke that rule) rather than mixing them. The driver frees it after the
 * last node that uses it. */
struct node_shared;
struct node_shared *node_shared_new(void);
void node_shared_free(struct node_shared *s);

/* Where a packet goes on its link: to its destination (on-link, and all
 * multicast), to a gateway, or to whichever router takes it (off-link
 * without a configured gateway). */
enum node_nh_kind { NODE_NH_ONLINK = 0, NODE_NH_GATEWAY = 1, NODE_NH_ROUTERS = 2 };

struct node_out {
	unsigned ifindex;
	enum node_nh_kind nh_kind;
	uint8_t nexthop[16];         /* the destination, the gateway, or zero */
	size_t len;
	uint8_t pkt[NODE_PKT_MAX];
};

struct node;

/* A message on the key manager's UDP ports, as it arrived (after the
 * non-ESP marker on port 4500; a NAT-keepalive is a 1-octet message). */
struct node_km_msg {
	unsigned ifindex;
	const uint8_t *src, *dst;    /* wire addresses */
	uint16_t sport, dport;
	const uint8_t *data;
	size_t len;
	uint64_t now;
};

/* A binding came, moved or went: on the home agent (its binding cache,
 * home registrations only) and on the mobile node (its home registration,
 * once acknowledged). RFC 4877 4.3 / RFC 6275 11.7.1: with k set the key
 * manager moves the IKE SA's endpoint to the new care-of address. */
struct node_binding_change {
	bool home_agent;             /* false: the mobile node's own */
	uint8_t hoa[16];
	bool has_old, has_new;
	uint8_t old_coa[16], new_coa[16];
	bool k;                      /* Key Management Mobility Capability agreed */
	uint32_t lifetime_s;
};

/* The key manager's side of the node (RFC 4301 ACQUIRE/EXPIRE, RFC 6275
 * 11.7.1 movement): the node calls these (see the re-entry rule above) and
 * the key manager answers through node_km_send() and the node_sa_* and
 * node_policy_* calls. Manual keying is the key manager whose tables are
 * complete from the start: it needs no callback (all NULL). IKE plugs in
 * here. With `input` set, UDP to ports 500 and 4500 (non-ESP) addressed to
 * the node bypasses the SPD both ways (RFC 4301 5.1: IKE is never
 * protected by the SAs it negotiates) and goes to the key manager instead
 * of the application. */
struct node_km {
	void *ctx;
	/* A PROTECT policy had no usable SA; the packet was dropped. */
	void (*acquire)(void *ctx, struct node *n, uint32_t spd_id, const struct ipsec_flow *flow);
	/* An SA reached its soft (hard = false) or hard lifetime. A dead SA
	 * stays in the SAD (unusable) until the key manager deletes it; with
	 * no expire callback the node deletes it. */
	void (*expire)(void *ctx, struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard);
	/* The mobile node's care-of address changed (old may be NULL). */
	void (*address_change)(void *ctx, struct node *n, const uint8_t *old_coa, const uint8_t new_coa[16]);
	void (*input)(void *ctx, struct node *n, const struct node_km_msg *m);
	void (*binding_changed)(void *ctx, struct node *n, const struct node_binding_change *c);
	/* The key manager's own timer (retransmissions, liveness): part of
	 * node_next_expiry(); on_timer runs from node_on_timer() when due. */
	uint64_t (*next_expiry)(void *ctx, const struct node *n);
	void (*on_timer)(void *ctx, struct node *n, uint64_t now);
};

void node_set_km(struct node *n, const struct node_km *km);

/* The key manager's calls. All return 0 (or an id) or a negative M6_E_*.
 * Build IPv6 + UDP (+ the non-ESP marker when a port is 4500) from src to
 * dst and send it, bypassing IPsec; src must be one of the node's
 * addresses. */
int node_km_send(struct node *n, const uint8_t src[16], const uint8_t dst[16], uint16_t sport, uint16_t dport,
		 const uint8_t *msg, size_t len);
/* A NAT-keepalive (RFC 3948 2.3): one octet 0xFF, no marker. */
int node_km_keepalive(struct node *n, const uint8_t src[16], const uint8_t dst[16], uint16_t sport, uint16_t dport);
/* Reserve a fresh inbound SPI (a larval SA: it holds the SPI, matches no
 * packet) for an SA the key manager is negotiating. */
int node_sa_reserve_spi(struct node *n, uint8_t proto, uint32_t *spi);
/* Install an SA (its transform initialised, m6_xform_init); an inbound SA
 * completes the larval one with its SPI. The node takes the transform. */
int node_sa_add(struct node *n, const struct ipsec_sa *sa);
/* What a move (MOBIKE, the K bit) or NAT traversal changes in an SA. */
struct node_sa_update {
	const uint8_t *src, *dst;    /* new endpoints; NULL leaves one as is */
	bool set_encap;
	uint16_t encap_sport, encap_dport;   /* RFC 3948 ports; 0 = none */
	/* a transport SA that follows its node (true-address model): the
	 * selectors' local and remote address (each one address; NULL: as
	 * is). The key manager, which moves a pair at a time, says when the
	 * mobile node's Binding Update should go again (mn_sa_ready), once. */
	const uint8_t *ts_local, *ts_remote;
};
int node_sa_update(struct node *n, uint32_t spi, uint8_t proto, bool inbound, const struct node_sa_update *u);
/* Remove an SA (larval or installed) and wipe its keys. */
int node_sa_delete(struct node *n, uint32_t spi, uint8_t proto, bool inbound);
/* Add a policy (returns its id > 0) or remove one. */
int node_policy_add(struct node *n, const struct spd_entry *e);
int node_policy_delete(struct node *n, uint32_t id);

/* Random octets for the key manager (SPIs, nonces, private keys) from the
 * node's DRBG (node_km_rand.c). */
void node_km_random(struct node *n, uint8_t *out, size_t len);
/* The time of the call in progress (for callbacks that are not given it). */
uint64_t node_km_now(const struct node *n);
/* The key manager's own milestones in the node's event stream
 * (M6_EV_IKE_*): peer and addr as the event type says. */
void node_km_event(struct node *n, enum m6_ev_type type, const uint8_t peer[16], const uint8_t addr[16]);

struct node_km_stats {
	uint64_t queued, delivered, lost;    /* notifications */
	uint64_t in_msgs, out_msgs;          /* key manager UDP messages */
	uint64_t keepalives_in, keepalives_out;      /* NAT-keepalives (RFC 3948 2.3) */
	uint64_t sa_soft, sa_hard;           /* lifetime transitions seen */
};
const struct node_km_stats *node_km_stats(const struct node *n);

typedef void (*node_event_cb)(void *ctx, const struct m6_event *ev);
typedef void (*node_deliver_cb)(void *ctx, struct node *n, const uint8_t *pkt, size_t len, uint64_t now);

/* NULL with a reason in err on a bad configuration. */
struct node *node_new(const struct node_cfg *cfg, uint64_t now, char *err, size_t errlen);
void node_free(struct node *n);
const char *node_name(const struct node *n);
void node_set_event_cb(struct node *n, node_event_cb cb, void *ctx);
void node_set_deliver_cb(struct node *n, node_deliver_cb cb, void *ctx);

int node_input(struct node *n, unsigned ifindex, const uint8_t *pkt, size_t len, uint64_t now);
/* 1 and *out filled, or 0 when nothing is queued. */
int node_output(struct node *n, struct node_out *out, uint64_t now);
uint64_t node_next_expiry(const struct node *n);
void node_on_timer(struct node *n, uint64_t now);

/* Link state of an interface (attach/detach: movement). */
void node_link(struct node *n, unsigned ifindex, bool up, uint64_t now);
/* Application traffic: an IPv6 packet whose source is the node's (home) address. */
int node_app_send(struct node *n, const uint8_t *pkt, size_t len, uint64_t now);

/* Introspection for tests, the CLI `show` and the simulator's expectations. */
struct mn *node_mn(struct node *n);
struct ha *node_ha(struct node *n);
struct cn *node_cn(struct node *n);
struct bits *node_bits(struct node *n);
/* The node's address on an interface: static, else autoconfigured (MN CoA). */
bool node_iface_addr(const struct node *n, unsigned ifindex, uint8_t out[16]);
/* Next hop of a packet to dst leaving by ifindex: the node's own routing
 * decision, for a driver's link layer. nh is filled for NODE_NH_GATEWAY. */
enum node_nh_kind node_next_hop(const struct node *n, unsigned ifindex, const uint8_t dst[16], uint8_t nh[16]);
/* The node answers Neighbor Discovery for addr on ifindex on another's
 * behalf (a home agent's proxy ND for its registered home addresses). */
bool node_proxies(const struct node *n, unsigned ifindex, const uint8_t addr[16]);
/* The care-of address bound to hoa: from the binding cache (HA, CN) or the
 * mobile node's own acknowledged registration. 1 and coa filled, 0 none,
 * M6_E_INVAL for a node without a Mobile IPv6 role. */
int node_binding(const struct node *n, const uint8_t hoa[16], uint8_t coa[16]);
struct node_binding_info {
	uint8_t hoa[16], coa[16];
	bool home_reg;
	uint16_t seq;
	uint32_t lifetime_s;         /* granted */
	uint64_t expires;            /* ns */
};
/* Every valid binding of the node's caches (HA, then CN); returns the count. */
size_t node_bindings(const struct node *n, void (*cb)(void *ctx, const struct node_binding_info *b), void *ctx);

#endif
