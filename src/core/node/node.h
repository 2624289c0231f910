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
 * Nothing here reads a clock, opens a socket or draws system randomness
 * (a DRBG seeded from cfg.seed serves the engines). Every dropped packet
 * raises an M6_EV_DROP event with its reason.
 */
#ifndef NODE_H
#define NODE_H

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
#define NODE_PKT_MAX 4096
#define NODE_TXQ_LEN 256

struct node_iface_cfg {
	bool has_addr;
	uint8_t addr[16];            /* static address (routers, HA, CN) */
	uint8_t prefix[16];          /* on-link prefix */
	unsigned plen;
	bool advertise;              /* send Router Advertisements for prefix */
	uint32_t ra_interval_ms;     /* 0 = 1000 */
	uint32_t prefix_valid_s;     /* advertised valid lifetime; 0 = 86400 */
	uint16_t mtu;                /* 0 = 1500 */
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
};

struct node_out {
	unsigned ifindex;
	size_t len;
	uint8_t pkt[NODE_PKT_MAX];
};

struct node;

/* The key manager's side of the node (RFC 4301 ACQUIRE/EXPIRE, RFC 6275
 * 11.7.1 movement): the node calls these and the key manager answers by
 * installing or updating SAs in the tables (node_bits()). Manual keying is
 * the key manager whose tables are complete from the start: it needs no
 * callback (all NULL). IKE plugs in here. */
struct node_km {
	void *ctx;
	/* A PROTECT policy had no usable SA; the packet was dropped. */
	void (*acquire)(void *ctx, struct node *n, uint32_t spd_id, const struct ipsec_flow *flow);
	/* An SA reached its soft (hard = false) or hard lifetime. */
	void (*expire)(void *ctx, struct node *n, uint32_t spi, uint8_t proto, bool inbound, bool hard);
	/* The mobile node's care-of address changed (old may be NULL). */
	void (*address_change)(void *ctx, struct node *n, const uint8_t *old_coa, const uint8_t new_coa[16]);
};

void node_set_km(struct node *n, const struct node_km *km);

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

#endif
