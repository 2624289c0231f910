#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/m6_crypto.h"
#include "pkt/ip6.h"
#include "scenario_int.h"
#include "util/m6_bytes.h"

/* ---- lookups ---------------------------------------------------------- */

int sc_find_node(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_nodes; i++)
		if (!strcmp(sc->nodes[i].name, name))
			return (int)i;
	return -1;
}

int sc_find_link(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_links; i++)
		if (!strcmp(sc->links[i].name, name))
			return (int)i;
	return -1;
}

int sc_find_flow(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_flows; i++)
		if (!strcmp(sc->flows[i].name, name))
			return (int)i;
	return -1;
}

/* ---- links ------------------------------------------------------------- */

int sc_link_settings(struct sc_ctx *c, const config_setting_t *g, struct sim_link_cfg *cfg, unsigned *mask)
{
	bool h[7] = { false };
	uint64_t mtu = 0;
	const char *const keys[] = { "delay", "jitter", "loss", "dup", "reorder", "reorder_delay", "mtu" };
	int rc = 0;
	for (int i = 0; i < 7; i++)
		h[i] = config_setting_get_member(g, keys[i]) != NULL;
	if (!rc) rc = conf_time(&c->cc, g, "delay", false, &cfg->delay_ns);
	if (!rc) rc = conf_time(&c->cc, g, "jitter", false, &cfg->jitter_ns);
	if (!rc) rc = conf_prob(&c->cc, g, "loss", &cfg->loss, NULL);
	if (!rc) rc = conf_prob(&c->cc, g, "dup", &cfg->dup, NULL);
	if (!rc) rc = conf_prob(&c->cc, g, "reorder", &cfg->reorder, NULL);
	if (!rc) rc = conf_time(&c->cc, g, "reorder_delay", false, &cfg->reorder_ns);
	if (!rc) rc = conf_uint(&c->cc, g, "mtu", 1280, 65575, &mtu, NULL);
	if (rc)
		return rc;
	if (h[6])
		cfg->mtu = (uint32_t)mtu;
	const char *why = link_cfg_check(cfg);
	if (why)
		return conf_fail(&c->cc, g, "%s", why);
	if (mask) {
		*mask = 0;
		for (int i = 0; i < 7; i++)
			*mask |= h[i] ? 1u << i : 0;
	}
	return 0;
}

static int sc_parse_links(struct sc_ctx *c, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "delay", "jitter", "loss", "dup", "reorder", "reorder_delay",
					    "mtu", "mode", NULL };
	const config_setting_t *l;
	int rc = conf_list(&c->cc, root, "links", &l);
	if (rc)
		return rc;
	if (!l || !config_setting_length(l))
		return conf_fail(&c->cc, l ? l : root, "the scenario needs at least one link: links = ( { name = \"home\"; } );");
	struct scenario *sc = c->sc;
	sc->links = calloc((size_t)config_setting_length(l), sizeof(*sc->links));
	if (!sc->links)
		return conf_fail(&c->cc, NULL, "out of memory");
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		struct sc_link *k = &sc->links[sc->n_links];
		if ((rc = conf_known(&c->cc, g, "a link", keys)) || (rc = conf_name(&c->cc, g, "link", k->name, sizeof(k->name))))
			return rc;
		if (sc_find_link(sc, k->name) >= 0)
			return conf_fail(&c->cc, g, "link \"%s\" is defined twice", k->name);
		k->cfg.delay_ns = 1000000;   /* 1 ms: a LAN */
		const char *mode = NULL;
		if ((rc = sc_link_settings(c, g, &k->cfg, NULL)) || (rc = conf_str(&c->cc, g, "mode", false, &mode)))
			return rc;
		if (mode && strcmp(mode, "hub") && strcmp(mode, "switch"))
			return conf_fail(&c->cc, config_setting_get_member(g, "mode"), "'mode' is \"hub\" or \"switch\"");
		k->cfg.switched = mode && !strcmp(mode, "switch");
		k->line = config_setting_source_line(g);
		sc->n_links++;
	}
	return 0;
}

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
		struct nodeconf_opts o = { sc_link_id, sc, (unsigned)i };
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
	if (!rc) rc = conf_uint(&c->cc, root, "seed", 0, INT64_MAX, &sc->seed, &sc->has_seed);
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
	config_t cf;
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->path, sizeof(sc->path), "%s", file);
	config_init(&cf);
	/* @include "x" is relative to the scenario's own directory */
	char dir[sizeof(sc->path)];
	snprintf(dir, sizeof(dir), "%s", file);
	char *slash = strrchr(dir, '/');
	if (!text && slash) {
		*slash = 0;
		config_set_include_dir(&cf, dir[0] ? dir : "/");
	}
	int ok = text ? config_read_string(&cf, text) : config_read_file(&cf, file);
	if (ok != CONFIG_TRUE) {
		if (!text && config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read the file", file);
		else
			snprintf(err, errlen, "%s:%d: %s", config_error_file(&cf) ? config_error_file(&cf) : file,
				 config_error_line(&cf), config_error_text(&cf) ? config_error_text(&cf) : "syntax error");
		config_destroy(&cf);
		return M6_E_CONFIG;
	}
	struct sc_ctx c = { { file, err, errlen }, sc };
	int rc = sc_build(&c, config_root_setting(&cf));
	config_destroy(&cf);
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
