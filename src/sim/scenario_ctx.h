/*
 * scenario_ctx — the state the scenario parser's parts share while one file
 * is read, and name lookups over what was read so far. Data only: the
 * parts call downwards (scenario.c -> scenario_plan.c -> scenario_links.c ->
 * src/config), never back up. Not part of the simulator's interface.
 */
#ifndef MIP6SEC_SCENARIO_CTX_H
#define MIP6SEC_SCENARIO_CTX_H

#include <string.h>

#include "confread.h"
#include "scenario.h"

struct sc_ctx {
	struct conf_ctx cc;               /* file name and message buffer */
	struct scenario *sc;
};

static inline int sc_find_node(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_nodes; i++)
		if (!strcmp(sc->nodes[i].name, name))
			return (int)i;
	return -1;
}

static inline int sc_find_link(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_links; i++)
		if (!strcmp(sc->links[i].name, name))
			return (int)i;
	return -1;
}

static inline int sc_find_flow(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_flows; i++)
		if (!strcmp(sc->flows[i].name, name))
			return (int)i;
	return -1;
}

#endif
