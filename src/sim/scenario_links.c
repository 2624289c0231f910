/* The scenario's links: the `links` list and the settings set_link changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_links.h"
#include "util/m6_err.h"

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

int sc_parse_links(struct sc_ctx *c, const config_setting_t *root)
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
