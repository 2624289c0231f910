/*
 * sim — the deterministic network simulator: a virtual clock, one event
 * queue, hosts (nodes behind the sans-I/O node API) and links.
 *
 * Contract: nothing here sleeps or reads a clock; time only moves when the
 * queue pops an event, and every random decision comes from streams
 * derived from the seed given to sim_new(). Hosts are reached through
 * struct sim_host_ops (sim_node.h adapts the real node; tests plug fakes),
 * so the machinery does not depend on the protocol engines. After every
 * call into a host the simulator drains its output and re-arms its timer.
 * Host callbacks (events, deliveries) run inside that call: they must not
 * call into a host themselves; sim_app_send() is safe anywhere because it
 * defers while a host is busy. One observer receives everything the
 * outputs and expectations need.
 */
#ifndef MIP6SEC_SIM_H
#define MIP6SEC_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "node/node.h"
#include "node/node_pump.h"
#include "sim_queue.h"

#define SIM_NS_PER_S 1000000000ull
#define SIM_NEVER UINT64_MAX
#define SIM_HOST_NAME_MAX 32

struct sim_host_ops {
	int (*input)(void *h, unsigned ifindex, const uint8_t *pkt, size_t len, uint64_t now);
	int (*output)(void *h, struct node_out *out, uint64_t now);
	uint64_t (*next_expiry)(void *h);
	void (*on_timer)(void *h, uint64_t now);
	void (*link)(void *h, unsigned ifindex, bool up, uint64_t now);
	int (*app_send)(void *h, const uint8_t *pkt, size_t len, uint64_t now);
	void (*destroy)(void *h);
	/* Link-layer resolution (neighbour discovery, emulated); each may be
	 * NULL. iface_addr: the unicast address an interface answers for.
	 * proxies: the host answers for addr on that interface on another
	 * node's behalf (a home agent's proxy ND). next_hop: where a frame the
	 * host sends on ifindex for dst goes: 1 and nh filled (a gateway), 0
	 * dst is on-link, -1 off-link without a gateway (a default router). */
	bool (*iface_addr)(void *h, unsigned ifindex, uint8_t out[16]);
	bool (*proxies)(void *h, unsigned ifindex, const uint8_t addr[16]);
	int (*next_hop)(void *h, unsigned ifindex, const uint8_t dst[16], uint8_t nh[16]);
	/* Introspection for expectations and the summary; each may be NULL.
	 * binding: 1 and coa filled, 0 no binding, M6_E_INVAL no such table. */
	int (*binding)(void *h, const uint8_t hoa[16], uint8_t coa[16]);
	uint64_t (*drops)(void *h, int code);            /* IPsec drops for an M6_E_* reason */
	void (*state)(void *h, char *buf, size_t cap);   /* one line for the summary */
};

struct sim_host_stats {
	uint64_t tx, rx, timers, app_sent, app_delivered, tx_unattached, tx_bad_iface;
	/* M6_EV_TYPE_COUNT of them, made at the host's first event while
	 * sim.count_events is set (else NULL); 32 bits: a host's events of
	 * one type in one run */
	uint32_t *events;
	uint64_t drops;                       /* M6_EV_DROP events */
};

struct sim;

struct sim_iface {
	int link;                             /* attached link index, -1 = none */
	uint32_t port;                        /* its slot in the link's ports while attached */
	uint64_t since;                       /* attached at */
	bool has_addr;                        /* its address, refreshed after every call into the host */
	uint8_t addr[16];
};

struct sim_host {
	struct sim *sim;
	unsigned index;
	char name[SIM_HOST_NAME_MAX];
	const struct sim_host_ops *ops;
	void *h;
	unsigned n_ifaces;
	bool router;                          /* forwards: a default router for hosts on its links; set before attaching */
	bool proxy;                           /* may answer for others' addresses (ops->proxies); set before attaching */
	uint64_t timer_at;                    /* the live timer entry, SIM_NEVER = none */
	uint32_t timer_gen;
	struct node_pump pump;                /* drains it, fires its timer, guards against one that stays due */
	struct sim_host_stats st;
	struct sim_iface ifaces[];            /* n_ifaces of them: a mobile node has one */
};

/* Something the simulator itself did or saw (not a node event). */
enum sim_note_type {
	SIM_NOTE_ATTACH, SIM_NOTE_DETACH, SIM_NOTE_LINK_CFG, SIM_NOTE_MTU_DROP, SIM_NOTE_INJECT,
	SIM_NOTE_TRAFFIC, SIM_NOTE_EXPECT, SIM_NOTE_INFO,
};

struct sim_note {
	uint64_t time;
	enum sim_note_type type;
	int host, link;                       /* -1 when not about one */
	char text[192];
};

const char *sim_note_name(enum sim_note_type t);

struct sim_observer {
	void *ctx;
	void (*event)(void *ctx, const struct sim_host *h, const struct m6_event *ev);
	/* Application data a host delivered (its delivery callback). */
	void (*deliver)(void *ctx, const struct sim_host *h, const uint8_t *pkt, size_t len, uint64_t now);
	/* A frame sent onto a link (from_host -1: injected), at send time. */
	void (*frame)(void *ctx, const struct sim_link *l, int from_host, const uint8_t *pkt, size_t len,
		      uint64_t now);
	void (*note)(void *ctx, const struct sim_note *n);
};

/* A scheduled callback; embed it in the object it serves (no allocation). */
struct sim_task {
	void (*fn)(struct sim *s, struct sim_task *t, uint32_t arg);
};

struct sim_counters {
	uint64_t events;                      /* queue events processed */
	uint64_t deliveries, timers, tasks;
};

struct sim {
	uint64_t now;
	uint64_t seed;
	struct sim_queue q;
	struct sim_host **hosts;
	size_t n_hosts, cap_hosts;
	struct sim_link **links;
	size_t n_links, cap_links;
	struct sim_observer obs;
	struct sim_counters ctr;
	int busy;                             /* > 0 while inside a host call */
	bool started;
	bool stopped;
	/* count every host's events by type (sim_host_stats.events, what an
	 * expectation on an event count reads); on from sim_new, off for a
	 * driver that reads none of them (160 octets a host) */
	bool count_events;
	int error;                            /* first fatal error (M6_E_NOMEM) */
};

struct sim *sim_new(uint64_t seed);
void sim_free(struct sim *s);
void sim_set_observer(struct sim *s, const struct sim_observer *o);

/* Seed for host/link number index, derived from the scenario seed. */
uint64_t sim_node_seed(const struct sim *s, unsigned index);

/* A host takes ownership of h (ops->destroy at sim_free); returns its index or M6_E_*. */
int sim_add_host(struct sim *s, const char *name, unsigned n_ifaces, const struct sim_host_ops *ops, void *h);
int sim_add_link(struct sim *s, const char *name, const struct sim_link_cfg *cfg);
int sim_find_host(const struct sim *s, const char *name);
int sim_find_link(const struct sim *s, const char *name);
int sim_link_set(struct sim *s, unsigned link, const struct sim_link_cfg *cfg);

/* Movement: attach an interface to a link (node_link up) or detach it
 * (node_link down). Attaching an attached interface moves it. */
int sim_attach(struct sim *s, unsigned host, unsigned ifindex, unsigned link);
int sim_detach(struct sim *s, unsigned host, unsigned ifindex);

/* Put a crafted frame on a link as if some station sent it. */
int sim_inject(struct sim *s, unsigned link, const uint8_t *pkt, size_t len);
/* Application send on a host (deferred to the same instant when a host is busy). */
int sim_app_send(struct sim *s, unsigned host, const uint8_t *pkt, size_t len);

int sim_at(struct sim *s, uint64_t t, struct sim_task *task, uint32_t arg);
void sim_note(struct sim *s, enum sim_note_type type, int host, int link, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Hosts' callbacks (the node adapter calls these). */
void sim_host_event(struct sim_host *h, const struct m6_event *ev);
void sim_host_deliver(struct sim_host *h, const uint8_t *pkt, size_t len, uint64_t now);

/* Call once after adding hosts and the initial attachments, before
 * running: interfaces attached to no link are reported down to their
 * hosts, queued output is sent and every host's timer armed. */
void sim_start(struct sim *s);
/* Run until the queue is empty, sim_stop() or virtual time `end`
 * (events at exactly `end` run); the clock then reads `end` unless stopped.
 * Returns 0 or the fatal error. */
int sim_run_until(struct sim *s, uint64_t end);
void sim_stop(struct sim *s);

static inline struct sim_host *sim_host(const struct sim *s, unsigned i) { return s->hosts[i]; }
static inline struct sim_link *sim_link(const struct sim *s, unsigned i) { return s->links[i]; }

#endif
