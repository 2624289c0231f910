/*
 * scenario — a simulation described in a text file (libconfig syntax):
 * links, nodes (interfaces, routes, Mobile IPv6 roles, IPsec tables),
 * traffic flows, a timeline of scripted events and expectations.
 * The format is documented in mip6sec(1), section SIMULATION, and in
 * scenario_help_text (mip6sec sim --help).
 *
 * Contract: scenario_load_*() either returns a complete scenario or fails
 * with "FILE:LINE: reason" (unknown keys, wrong types, bad addresses,
 * names that do not resolve, values out of range: nothing is guessed).
 * Each entry of `nodes` goes through nodeconf_load() (src/config, the
 * loader every driver shares), its IPsec group through keyconf; the tables
 * stay owned by the scenario until scenario_take_ipsec() hands them to a
 * node configuration. scenario_free() wipes the SA keys it kept.
 */
#ifndef MIP6SEC_SCENARIO_H
#define MIP6SEC_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "node/node.h"
#include "nodeconf.h"

#define SC_NAME_MAX 32
#define SC_EV_TYPES_MAX 4
#define SC_INTERVALS_MAX 16
#define SC_INJECT_SA_MAX 4

struct sc_link {
	char name[SC_NAME_MAX];
	struct sim_link_cfg cfg;
	unsigned line;
};

enum sc_action_type { SC_ACT_ATTACH, SC_ACT_DETACH, SC_ACT_MOVE, SC_ACT_SET_LINK, SC_ACT_START,
		      SC_ACT_STOP, SC_ACT_INJECT, SC_ACT_FORGET_IKE };

/* Which link settings a set_link action changes. */
enum { SC_LS_DELAY = 1, SC_LS_JITTER = 2, SC_LS_LOSS = 4, SC_LS_DUP = 8, SC_LS_REORDER = 16,
       SC_LS_REORDER_DELAY = 32, SC_LS_MTU = 64 };

struct sc_action {
	uint64_t at;
	enum sc_action_type type;
	int node, iface, link, flow;
	uint64_t gap;                     /* move: time between detach and attach */
	unsigned set_mask;                /* set_link */
	struct sim_link_cfg set;
	uint8_t *pkt;                     /* inject */
	size_t pkt_len;
	char *spec;
	unsigned line;
};

enum sc_flow_type { SC_FLOW_PING, SC_FLOW_UDP, SC_FLOW_STREAM };

struct sc_flow {
	char name[SC_NAME_MAX];
	enum sc_flow_type type;
	int from, to_node;                /* host indexes; to_node -1 when `to` is a bare address */
	uint8_t src[16], dst[16];
	uint64_t start, stop;             /* stop = UINT64_MAX: until count or the end */
	bool auto_start;
	uint32_t count;                   /* 0 = unlimited */
	uint64_t interval;                /* ping / udp: between packets */
	uint32_t size;                    /* payload octets */
	uint16_t sport, dport;
	uint32_t window;                  /* stream */
	uint64_t rto, rto_max;
	unsigned line;
};

enum sc_expect_type { SC_EX_BINDING, SC_EX_DELIVERED, SC_EX_COUNTER, SC_EX_EVENT, SC_EX_NO_PLAINTEXT_MH };

/* What a counter expectation counts. */
enum sc_counter { SC_CNT_DROP, SC_CNT_EVENT, SC_CNT_HOST, SC_CNT_LINK };

struct sc_expect {
	enum sc_expect_type type;
	unsigned line;
	uint64_t at;                      /* UINT64_MAX: at the end of the run */
	int node, link, flow;
	/* binding */
	uint8_t hoa[16], coa[16];
	bool coa_none;
	/* delivered, counter, event: a count between min and max */
	uint64_t min, max;
	bool has_min, has_max;
	uint64_t max_gap;                 /* delivered: longest interruption allowed, 0 = unchecked */
	/* counter */
	enum sc_counter counter;
	int drop_code;
	int ev_type;
	char what[SC_NAME_MAX];           /* host / link counter name */
	/* event */
	unsigned n_types;
	int ev_types[SC_EV_TYPES_MAX];
	bool has_code;
	int32_t code;
	uint64_t from, until;
	uint64_t first_at;                /* UINT64_MAX: unchecked */
	unsigned n_intervals;
	uint64_t intervals[SC_INTERVALS_MAX];
	bool partial_intervals;           /* fewer events than intervals + 1 is fine */
	uint64_t tolerance;
	char label[160];                  /* one-line description for PASS/FAIL lines */
};

struct sc_inject_sa {
	uint32_t spi;
	bool ah;
	uint8_t src[16], dst[16];
	struct m6_xform_cfg cfg;
};

struct scenario {
	char path[256];
	char name[64];
	char description[256];
	uint64_t seed;
	bool has_seed;
	uint64_t duration;
	struct sc_link *links;
	size_t n_links;
	struct nodeconf *nodes;           /* read by nodeconf_load(); init_link indexes links */
	size_t n_nodes;
	struct sc_action *actions;
	size_t n_actions;
	struct sc_flow *flows;
	size_t n_flows;
	struct sc_expect *expects;
	size_t n_expects;
	struct sc_inject_sa *inject_sas;  /* keys of keyed esp/ah layers in injected packets */
	size_t n_inject_sas;
};

int scenario_load_file(const char *path, struct scenario *sc, char *err, size_t errlen);
/* `name` stands for the file in messages. */
int scenario_load_string(const char *text, const char *name, struct scenario *sc, char *err, size_t errlen);
void scenario_free(struct scenario *sc);
/* Move node i's IPsec tables into its cfg (spd/sad/pad); the keys stay. */
void scenario_take_ipsec(struct scenario *sc, size_t i);

/* Time with an optional unit: "1.5s", "200ms", "10us", "5ns", "2min"; a bare number is seconds. */
int scenario_parse_time(const char *s, uint64_t *ns);

extern const char scenario_help_text[];

#endif
