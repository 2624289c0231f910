/*
 * scenario_int — helpers shared by the scenario parser's two halves
 * (scenario.c: file, links, nodes; scenario_plan.c: traffic, timeline,
 * expectations). Not part of the simulator's interface.
 */
#ifndef SCENARIO_INT_H
#define SCENARIO_INT_H

#include <libconfig.h>

#include "scenario.h"

struct sc_ctx {
	struct scenario *sc;
	const char *file;
	char *err;
	size_t errlen;
};

int sc_fail(struct sc_ctx *c, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sc_known(struct sc_ctx *c, const config_setting_t *g, const char *what, const char *const *keys);
/* Each getter leaves *out alone when the key is absent (and fails if required). */
int sc_str(struct sc_ctx *c, const config_setting_t *g, const char *key, bool required, const char **out);
int sc_time(struct sc_ctx *c, const config_setting_t *g, const char *key, bool required, uint64_t *out);
/* A time value itself (list elements). */
int sc_time_value(struct sc_ctx *c, const config_setting_t *m, const char *key, uint64_t *out);
int sc_uint(struct sc_ctx *c, const config_setting_t *g, const char *key, uint64_t min, uint64_t max,
	    uint64_t *out, bool *has);
int sc_prob(struct sc_ctx *c, const config_setting_t *g, const char *key, double *out, bool *has);
int sc_bool(struct sc_ctx *c, const config_setting_t *g, const char *key, bool *out);
int sc_addr(struct sc_ctx *c, const config_setting_t *g, const char *key, bool required, uint8_t out[16], bool *has);
/* A list (or array) member: NULL when absent, error when present but not a list. */
int sc_list(struct sc_ctx *c, const config_setting_t *g, const char *key, const config_setting_t **out);
int sc_find_node(const struct scenario *sc, const char *name);
int sc_find_link(const struct scenario *sc, const char *name);
int sc_find_flow(const struct scenario *sc, const char *name);
/* A name usable in a file name and a timeline column. */
int sc_name(struct sc_ctx *c, const config_setting_t *g, const char *what, char out[SC_NAME_MAX]);

/* The link settings shared by `links` entries and set_link actions; mask
 * (may be NULL) gets one SC_LS_* bit per key present. */
int sc_link_settings(struct sc_ctx *c, const config_setting_t *g, struct sim_link_cfg *cfg, unsigned *mask);

int sc_parse_traffic(struct sc_ctx *c, const config_setting_t *root);
int sc_parse_timeline(struct sc_ctx *c, const config_setting_t *root);
int sc_parse_expect(struct sc_ctx *c, const config_setting_t *root);

#endif
