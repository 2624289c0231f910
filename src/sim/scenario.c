/*
 * The scenario file: its top level, the nodes (each read by nodeconf, the
 * loader every driver shares) and the order of the parts: links, nodes,
 * then the plan (traffic, timeline, expectations) that refers to them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/m6_crypto.h"
#include "scenario_links.h"
#include "scenario_plan.h"
#include "util/m6_bytes.h"

/* ---- nodes ------------------------------------------------------------- */

static int sc_link_id(void *arg, const char *name)
{
	return sc_find_link(arg, name);
}

static int sc_parse_nodes(struct sc_ctx *c, const config_setting_t *root)
{
	const config_setting_t *l;
	int rc = conf_list(&c->cc, root, "nodes", &l);
	if (rc)
		return rc;
	if (!l || !config_setting_length(l))
		return conf_fail(&c->cc, l ? l : root, "the scenario needs nodes = ( { name = \"...\"; interfaces = (...); } );");
	struct scenario *sc = c->sc;
	sc->nodes = calloc((size_t)config_setting_length(l), sizeof(*sc->nodes));
	if (!sc->nodes)
		return conf_fail(&c->cc, NULL, "out of memory");
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		struct nodeconf *n = &sc->nodes[sc->n_nodes];
		struct nodeconf_opts o = { sc_link_id, sc, (unsigned)i, KEYCONF_SIMULATION | KEYCONF_KEEP_KEYS };
		rc = nodeconf_load(&c->cc, g, &o, n);
		/* counted even on failure, so scenario_free() releases its tables */
		sc->n_nodes++;
		if (rc)
			return rc;
		if (sc_find_node(sc, n->name) < (int)i)
			return conf_fail(&c->cc, g, "node \"%s\" is defined twice", n->name);
	}
	return 0;
}

/* ---- the file ---------------------------------------------------------- */

static int sc_build(struct sc_ctx *c, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "description", "seed", "duration", "links", "nodes", "traffic",
					    "timeline", "expect", NULL };
	struct scenario *sc = c->sc;
	const char *name = NULL, *desc = NULL;
	int rc = conf_known(&c->cc, root, "the scenario", keys);
	if (!rc) rc = conf_str(&c->cc, root, "name", false, &name);
	if (!rc) rc = conf_str(&c->cc, root, "description", false, &desc);
	if (!rc) rc = conf_uint(&c->cc, root, "seed", 0, UINT64_MAX, &sc->seed, &sc->has_seed);
	if (!rc) rc = conf_time(&c->cc, root, "duration", true, &sc->duration);
	if (rc)
		return rc;
	if (!sc->duration)
		return conf_fail(&c->cc, config_setting_get_member(root, "duration"), "'duration' must be above zero");
	snprintf(sc->name, sizeof(sc->name), "%s", name ? name : "");
	snprintf(sc->description, sizeof(sc->description), "%s", desc ? desc : "");
	if ((rc = sc_parse_links(c, root)) || (rc = sc_parse_nodes(c, root)) || (rc = sc_parse_traffic(c, root)) ||
	    (rc = sc_parse_timeline(c, root)) || (rc = sc_parse_expect(c, root)))
		return rc;
	return 0;
}

static int sc_load(struct scenario *sc, const char *file, const char *text, char *err, size_t errlen)
{
	struct conf_file cf;
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->path, sizeof(sc->path), "%s", file);
	/* @include "x" is relative to the scenario's own directory */
	char dir[sizeof(sc->path)];
	snprintf(dir, sizeof(dir), "%s", file);
	char *slash = strrchr(dir, '/');
	const char *inc = NULL;
	if (!text && slash) {
		*slash = 0;
		inc = dir[0] ? dir : "/";
	}
	int rc = text ? conf_file_parse(&cf, text, file, inc, err, errlen) : conf_file_read(&cf, file, inc, err, errlen);
	if (rc)
		return M6_E_CONFIG;
	struct sc_ctx c = { { file, err, errlen }, sc };
	rc = sc_build(&c, config_root_setting(&cf.cf));
	conf_file_free(&cf);
	if (rc)
		scenario_free(sc);
	return rc;
}

int scenario_parse_time(const char *s, uint64_t *ns)
{
	return conf_parse_time(s, ns);
}

int scenario_load_file(const char *path, struct scenario *sc, char *err, size_t errlen)
{
	return sc_load(sc, path, NULL, err, errlen);
}

int scenario_load_string(const char *text, const char *name, struct scenario *sc, char *err, size_t errlen)
{
	return sc_load(sc, name, text, err, errlen);
}

void scenario_take_ipsec(struct scenario *sc, size_t i)
{
	nodeconf_take_ipsec(&sc->nodes[i]);
}

void scenario_free(struct scenario *sc)
{
	for (size_t i = 0; i < sc->n_nodes; i++)
		nodeconf_free(&sc->nodes[i]);   /* tables not handed over, and the keys */
	for (size_t i = 0; i < sc->n_actions; i++) {
		if (sc->actions[i].pkt)
			m6_wipe(sc->actions[i].pkt, sc->actions[i].pkt_len);
		free(sc->actions[i].pkt);
		free(sc->actions[i].spec);
	}
	if (sc->inject_sas)
		m6_wipe(sc->inject_sas, sc->n_inject_sas * sizeof(*sc->inject_sas));
	free(sc->inject_sas);
	free(sc->links);
	free(sc->nodes);
	free(sc->actions);
	free(sc->flows);
	free(sc->expects);
	memset(sc, 0, sizeof(*sc));
}
