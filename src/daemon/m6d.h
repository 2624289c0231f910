/*
 * m6d — the daemon's state and the pieces its files share: setup and the
 * event loop (m6d.c), the node's outputs, events and deliveries (m6d_node.c),
 * the control commands (m6d_show.c), reload (m6d_reload.c).
 *
 * The daemon drives one struct node (node.h) in one epoll loop: frames
 * from the AF_PACKET sockets (wire.h) and packets from the TUN device
 * (tun.h) go in, node_pump drains what the node sends (through the
 * neighbour cache, nd.h, to the wire; deliveries to the TUN), one timerfd
 * is armed at the earliest of the node's, the neighbour cache's and the
 * shutdown deadline. Link changes (rtnetlink) become node_link() calls;
 * signals arrive on a signalfd; the control socket (ctl.h) answers show,
 * reload and keys. A node whose configuration has an `ike` group is keyed
 * by IKEv2 (ike_km, attached as the node's key manager: its UDP 500/4500
 * travel on the wire side like every other node packet). With the TUN's
 * offloads, TCP super-packets from the host are cut (gso.h) and segments
 * to the host merged (gro.h) in user space. Nothing on the packet path
 * allocates: every buffer is made at setup.
 */
#ifndef MIP6SEC_M6D_H
#define MIP6SEC_M6D_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"
#include "dconf.h"
#include "gro.h"
#include "ike/ike_km.h"
#include "nd.h"
#include "node/node.h"
#include "node/node_pump.h"
#include "tun.h"
#include "util/m6_err.h"
#include "wire.h"

#define M6D_TUN_BATCH 64
/* a TCP super-packet the host hands over: IPv6 header + 64 KB payload */
#define M6D_TUN_BUF (40 + 65535)

/* The mobile node's Binding Update List as its events tell it (the engine
 * keeps its own; this copy is what `show bul` prints). */
struct m6d_bul {
	bool used, home;
	uint8_t peer[16], coa[16];
	uint16_t seq;
	uint32_t lifetime_s;         /* requested in the latest BU */
	uint64_t sent_at;
	unsigned retransmits;
	int last_status;             /* latest BA status, -1 none */
	bool acked;
	uint32_t granted_s;
	uint64_t acked_at;
};

struct m6d_ask;

struct m6d_counters {
	uint64_t events[M6_EV_TYPE_COUNT];
	uint64_t drops[M6_E_SPAN + 1];          /* node drops by reason, index code - M6_E_FIRST_ */
	uint64_t tun_in, tun_in_bytes, tun_refused, tun_oversize, tun_errors, tun_link_scoped;
	uint64_t tun_out, tun_out_bytes, tun_out_errors, deliver_no_tun;
	uint64_t tun_tso_in, tun_tso_segments, tun_offload_dropped;
	uint64_t node_input_refused, wire_down_drops, no_router_drops;
	uint64_t reloads, reload_failures, node_restarts;
	uint64_t pump_stalls, link_changes;
};

enum m6d_state { M6D_RUN = 0, M6D_STOPPING, M6D_DONE };

struct m6d {
	struct dconf conf;
	bool foreground;
	uint64_t started;
	uint64_t now;                /* the current wake-up's time (CLOCK_MONOTONIC ns) */
	struct node *node;
	struct ike_km *ike;          /* the node's key manager with an `ike` group, else NULL */
	struct node_pump pump;
	uint64_t node_next;          /* what the pump last answered */
	unsigned n_if;
	struct wire_if ifs[NODE_IF_MAX];
	bool running[NODE_IF_MAX];
	int saved_disable_ipv6[NODE_IF_MAX];   /* -1: not changed */
	struct wire_rx *rx;
	struct tun_dev tun;
	bool has_tun;
	struct nd *nd;
	struct ctl *ctl;
	int epfd, tfd, sigfd, nlmon, nlfd;
	uint64_t armed;              /* timerfd deadline, UINT64_MAX none */
	enum m6d_state state;
	uint64_t stop_deadline;
	bool reload_pending;
	bool home_seq_known;
	uint16_t home_seq;
	struct m6d_bul bul[1 + MN_CN_MAX];
	struct m6d_counters c;
	struct dlog_rl rl_drop, rl_event, rl_misc;
	uint8_t *tunbuf;
	struct gro *gro;             /* segments held for the host, with tun offloads */
	uint8_t segbuf[NODE_PKT_MAX];    /* one segment of a super-frame being cut */
	uint8_t dlvbuf[NODE_PKT_MAX];    /* a delivery rewritten for the host */
	/* a home agent's bindings across restarts (m6d_state.h) */
	bool state_dirty;
	struct m6d_ask *asks;
	size_t n_asks, cap_asks;
};

uint64_t m6d_now(void);

/* m6d_node.c: the node's side */
int m6d_node_start(struct m6d *d, char *err, size_t errlen);
void m6d_node_stop(struct m6d *d);
void m6d_wire_input(struct m6d *d, unsigned ifx, uint64_t now);
void m6d_tun_input(struct m6d *d, uint64_t now);
void m6d_link_event(struct m6d *d, unsigned ifx, bool running, uint64_t now);
/* After any call into the node: drain it, flush the wire batches and
 * what is held for the host. */
void m6d_pump(struct m6d *d, uint64_t now);
void m6d_gro_flush(struct m6d *d);
/* SIGTERM: de-register (a mobile node away from home), then stop. */
void m6d_begin_stop(struct m6d *d, uint64_t now);

/* m6d_show.c: control commands; the answer goes into out */
void m6d_command(struct m6d *d, const char *line, struct ctl_reply *out);

/* m6d_reload.c: SIGHUP and `mip6sec reload` */
int m6d_reload(struct m6d *d, char *err, size_t errlen);

#endif
