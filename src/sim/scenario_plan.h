/*
 * scenario_plan — the scenario's plan: traffic flows, the timeline and
 * expectations, read after the links and nodes they refer to. Called by
 * scenario.c; calls scenario_links.c (set_link) and src/config only.
 */
#ifndef MIP6SEC_SCENARIO_PLAN_H
#define MIP6SEC_SCENARIO_PLAN_H

#include "scenario_ctx.h"

int sc_parse_traffic(struct sc_ctx *c, const config_setting_t *root);
int sc_parse_timeline(struct sc_ctx *c, const config_setting_t *root);
int sc_parse_expect(struct sc_ctx *c, const config_setting_t *root);

#endif
