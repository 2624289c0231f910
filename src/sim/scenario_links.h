/*
 * scenario_links — the scenario's `links` list, and the link settings that
 * `links` entries and set_link actions share. Below scenario_plan.c and
 * scenario.c; calls only src/config.
 */
#ifndef MIP6SEC_SCENARIO_LINKS_H
#define MIP6SEC_SCENARIO_LINKS_H

#include "scenario_ctx.h"

/* mask (may be NULL) gets one SC_LS_* bit per key present. */
int sc_link_settings(struct sc_ctx *c, const config_setting_t *g, struct sim_link_cfg *cfg, unsigned *mask);
int sc_parse_links(struct sc_ctx *c, const config_setting_t *root);

#endif
