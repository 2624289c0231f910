/*
 * scenario_int — helpers shared by the scenario parser's two halves
 * (scenario.c: file, links, nodes; scenario_plan.c: traffic, timeline,
 * expectations). Not part of the simulator's interface.
 */
#ifndef SCENARIO_INT_H
#define SCENARIO_INT_H

#include <libconfig.h>

#include "confread.h"
#include "scenario.h"

struct sc_ctx {
	struct conf_ctx cc;               /* file name and message buffer */
	struct scenario *sc;
};

int sc_find_node(const struct scenario *sc, const char *name);
int sc_find_link(const struct scenario *sc, const char *name);
int sc_find_flow(const struct scenario *sc, const char *name);
/* The link settings shared by `links` entries and set_link actions; mask
 * (may be NULL) gets one SC_LS_* bit per key present. */
int sc_link_settings(struct sc_ctx *c, const config_setting_t *g, struct sim_link_cfg *cfg, unsigned *mask);

int sc_parse_traffic(struct sc_ctx *c, const config_setting_t *root);
int sc_parse_timeline(struct sc_ctx *c, const config_setting_t *root);
int sc_parse_expect(struct sc_ctx *c, const config_setting_t *root);

#endif
