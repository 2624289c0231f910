/* The scenario's plan: traffic flows, the timeline and expectations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/m6_crypto.h"
#include "pkt/ip6.h"
#include "scenario_links.h"
#include "scenario_plan.h"
#include "spec.h"

#define FLOW_PAYLOAD_MIN 24     /* traffic.c's header: magic, flow, seq, time */
#define FLOW_PAYLOAD_MAX 1400   /* leaves room for tunnel, HAO and ESP under NODE_PKT_MAX */

static char *fmt_time(uint64_t ns, char buf[32])
{
	snprintf(buf, 32, "%llu.%06llu s", (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns % 1000000000ull / 1000));
	return buf;
}

/* A node owning addr (its traffic address or a static interface address). */
static int node_by_addr(const struct scenario *sc, const uint8_t a[16])
{
	for (size_t i = 0; i < sc->n_nodes; i++) {
		const struct nodeconf *n = &sc->nodes[i];
		if (n->has_addr && !memcmp(n->addr, a, 16))
			return (int)i;
		for (unsigned k = 0; k < n->cfg.n_ifaces; k++)
			if (n->cfg.ifaces[k].has_addr && !memcmp(n->cfg.ifaces[k].addr, a, 16))
				return (int)i;
	}
	return -1;
}

static int sc_node_ref(struct sc_ctx *c, const config_setting_t *g, const char *key, bool required, int *out)
{
	const char *s = NULL;
	int rc = conf_str(&c->cc, g, key, required, &s);
	if (rc || !s)
		return rc;
	if ((*out = sc_find_node(c->sc, s)) < 0)
		return conf_fail(&c->cc, config_setting_get_member(g, key), "no node named \"%s\"", s);
	return 0;
}

static int sc_link_ref(struct sc_ctx *c, const config_setting_t *g, const char *key, bool required, int *out)
{
	const char *s = NULL;
	int rc = conf_str(&c->cc, g, key, required, &s);
	if (rc || !s)
		return rc;
	if ((*out = sc_find_link(c->sc, s)) < 0)
		return conf_fail(&c->cc, config_setting_get_member(g, key), "no link named \"%s\"", s);
	return 0;
}

static int sc_flow_ref(struct sc_ctx *c, const config_setting_t *g, const char *key, bool required, int *out)
{
	const char *s = NULL;
	int rc = conf_str(&c->cc, g, key, required, &s);
	if (rc || !s)
		return rc;
	if ((*out = sc_find_flow(c->sc, s)) < 0)
		return conf_fail(&c->cc, config_setting_get_member(g, key), "no traffic flow named \"%s\"", s);
	return 0;
}

/* ---- traffic ------------------------------------------------------------ */

static int sc_flow(struct sc_ctx *c, const config_setting_t *g, struct sc_flow *f, unsigned index)
{
	static const char *const keys[] = { "name", "type", "from", "to", "src", "start", "stop", "count", "interval",
					    "rate", "size", "port", "window", "rto", "rto_max", NULL };
	const char *type = NULL, *to = NULL;
	bool has_src = false;
	uint64_t v;
	int rc = conf_known(&c->cc, g, "a traffic flow", keys);
	if (!rc) rc = conf_name(&c->cc, g, "traffic flow", f->name, sizeof(f->name));
	if (!rc) rc = conf_str(&c->cc, g, "type", true, &type);
	if (rc)
		return rc;
	if (sc_find_flow(c->sc, f->name) >= 0)
		return conf_fail(&c->cc, g, "traffic flow \"%s\" is defined twice", f->name);
	f->line = config_setting_source_line(g);
	if (!strcmp(type, "ping"))
		f->type = SC_FLOW_PING;
	else if (!strcmp(type, "udp"))
		f->type = SC_FLOW_UDP;
	else if (!strcmp(type, "stream"))
		f->type = SC_FLOW_STREAM;
	else
		return conf_fail(&c->cc, config_setting_get_member(g, "type"),
			       "unknown traffic type \"%s\" (ping, udp or stream)", type);
	if ((rc = sc_node_ref(c, g, "from", true, &f->from)) || (rc = conf_addr(&c->cc, g, "src", false, f->src, &has_src)) ||
	    (rc = conf_str(&c->cc, g, "to", true, &to)))
		return rc;
	const struct nodeconf *from = &c->sc->nodes[f->from];
	if (!has_src && !from->has_addr)
		return conf_fail(&c->cc, g, "node \"%s\" has no address to send from: give src = \"...\"", from->name);
	if (!has_src)
		memcpy(f->src, from->addr, 16);
	const config_setting_t *tm = config_setting_get_member(g, "to");
	if ((f->to_node = sc_find_node(c->sc, to)) >= 0) {
		if (!c->sc->nodes[f->to_node].has_addr)
			return conf_fail(&c->cc, tm, "node \"%s\" has no address to send to", to);
		memcpy(f->dst, c->sc->nodes[f->to_node].addr, 16);
	} else if (!ip6_addr_parse(to, f->dst)) {
		f->to_node = node_by_addr(c->sc, f->dst);
	} else {
		return conf_fail(&c->cc, tm, "'to' = \"%s\" is neither a node name nor an IPv6 address", to);
	}
	if (f->type == SC_FLOW_STREAM && f->to_node < 0)
		return conf_fail(&c->cc, tm, "a stream needs a receiving node: 'to' must name a node or one of its addresses");
	f->stop = UINT64_MAX;
	f->auto_start = true;
	if ((rc = conf_time(&c->cc, g, "start", false, &f->start)) || (rc = conf_time(&c->cc, g, "stop", false, &f->stop)))
		return rc;
	v = f->type == SC_FLOW_STREAM ? 100 : 0;
	if ((rc = conf_uint(&c->cc, g, "count", 0, 100000000, &v, NULL)))
		return rc;
	if (f->type == SC_FLOW_STREAM && !v)
		return conf_fail(&c->cc, g, "a stream needs count = N (segments to transfer)");
	f->count = (uint32_t)v;
	f->interval = f->type == SC_FLOW_PING ? 1000000000ull : 10000000ull;
	const config_setting_t *rate = config_setting_get_member(g, "rate");
	if (rate && config_setting_get_member(g, "interval"))
		return conf_fail(&c->cc, rate, "give either rate or interval, not both");
	if (rate) {
		double r = 0;
		if (!config_setting_is_number(rate))
			return conf_fail(&c->cc, rate, "'rate' is packets per second, a number above 0");
		if ((rc = conf_number(&c->cc, rate, "rate", &r)))
			return rc;
		char shown[CONF_INT_TEXT];
		if (!(r > 0 && r <= 1e9))
			return conf_fail(&c->cc, rate, "'rate' = %s: packets per second, above 0 and at most 1e9",
					 conf_number_text(rate, shown, sizeof(shown)));
		f->interval = (uint64_t)(1e9 / r);
	}
	if ((rc = conf_time(&c->cc, g, "interval", false, &f->interval)))
		return rc;
	if (!f->interval && f->type != SC_FLOW_STREAM)
		return conf_fail(&c->cc, g, "'interval' must be above zero");
	v = f->type == SC_FLOW_PING ? 56 : f->type == SC_FLOW_UDP ? 100 : 1000;
	if ((rc = conf_uint(&c->cc, g, "size", FLOW_PAYLOAD_MIN, FLOW_PAYLOAD_MAX, &v, NULL)))
		return rc;
	f->size = (uint32_t)v;
	v = 9000 + index;
	if ((rc = conf_uint(&c->cc, g, "port", 1, 65535, &v, NULL)))
		return rc;
	f->dport = (uint16_t)v;
	f->sport = (uint16_t)(40000 + index % 20000);
	v = 4;
	if ((rc = conf_uint(&c->cc, g, "window", 1, 1024, &v, NULL)))
		return rc;
	f->window = (uint32_t)v;
	f->rto = 1000000000ull;
	f->rto_max = 8000000000ull;
	if ((rc = conf_time(&c->cc, g, "rto", false, &f->rto)) || (rc = conf_time(&c->cc, g, "rto_max", false, &f->rto_max)))
		return rc;
	if (!f->rto || f->rto_max < f->rto)
		return conf_fail(&c->cc, g, "need 0 < rto <= rto_max");
	if (f->type != SC_FLOW_STREAM)
		for (const char *const *k = (const char *const[]){ "window", "rto", "rto_max", NULL }; *k; k++)
			if (config_setting_get_member(g, *k))
				return conf_fail(&c->cc, config_setting_get_member(g, *k), "'%s' only applies to type = \"stream\"", *k);
	if (f->type == SC_FLOW_PING && config_setting_get_member(g, "port"))
		return conf_fail(&c->cc, config_setting_get_member(g, "port"), "'port' does not apply to ping");
	return 0;
}

int sc_parse_traffic(struct sc_ctx *c, const config_setting_t *root)
{
	const config_setting_t *l;
	int rc = conf_list(&c->cc, root, "traffic", &l);
	if (rc || !l)
		return rc;
	struct scenario *sc = c->sc;
	sc->flows = calloc((size_t)config_setting_length(l) + 1, sizeof(*sc->flows));
	if (!sc->flows)
		return conf_fail(&c->cc, NULL, "out of memory");
	for (int i = 0; i < config_setting_length(l); i++) {
		if ((rc = sc_flow(c, config_setting_get_elem(l, (unsigned)i), &sc->flows[sc->n_flows], (unsigned)i)))
			return rc;
		sc->n_flows++;
	}
	return 0;
}

/* ---- timeline ----------------------------------------------------------- */

static int sc_inject(struct sc_ctx *c, const config_setting_t *g, struct sc_action *a)
{
	const char *spec = NULL;
	int rc = conf_str(&c->cc, g, "packet", true, &spec);
	if (rc)
		return conf_fail(&c->cc, g, "inject needs packet = \"<mip6sec build specification>\";");
	/* room for keyed esp/ah growth, like mip6sec build */
	size_t cap = 65575 + 2048, len = 0;
	uint8_t *buf = malloc(cap);
	char err[512];
	struct spec_sa sas[SPEC_SA_MAX];
	unsigned n_sas = 0;
	if (!buf)
		return conf_fail(&c->cc, NULL, "out of memory");
	if (spec_build_sa(spec, buf, cap, &len, sas, &n_sas, err, sizeof(err))) {
		free(buf);
		return conf_fail(&c->cc, config_setting_get_member(g, "packet"), "packet: %s", err);
	}
	if (len > 65575) {
		free(buf);
		return conf_fail(&c->cc, config_setting_get_member(g, "packet"), "packet of %zu octets is too long", len);
	}
	/* keep only the octets built, not the worst-case buffer */
	a->pkt = malloc(len ? len : 1);
	if (!a->pkt) {
		free(buf);
		return conf_fail(&c->cc, NULL, "out of memory");
	}
	memcpy(a->pkt, buf, len);
	m6_wipe(buf, len);
	free(buf);
	a->pkt_len = len;
	a->spec = strdup(spec);
	struct scenario *sc = c->sc;
	if (n_sas) {
		struct sc_inject_sa *p = realloc(sc->inject_sas, (sc->n_inject_sas + n_sas) * sizeof(*p));
		if (!p || !a->spec)
			return conf_fail(&c->cc, NULL, "out of memory");
		sc->inject_sas = p;
		for (unsigned i = 0; i < n_sas; i++) {
			struct sc_inject_sa *k = &sc->inject_sas[sc->n_inject_sas++];
			k->spi = sas[i].spi;
			k->ah = sas[i].ah;
			memcpy(k->src, sas[i].src, 16);
			memcpy(k->dst, sas[i].dst, 16);
			k->cfg = sas[i].cfg;
		}
	}
	return 0;
}

static int sc_iface_ref(struct sc_ctx *c, const config_setting_t *g, struct sc_action *a)
{
	uint64_t v = 0;
	int rc = conf_uint(&c->cc, g, "iface", 0, NODE_IF_MAX - 1, &v, NULL);
	if (rc)
		return rc;
	const struct nodeconf *n = &c->sc->nodes[a->node];
	if (v >= n->cfg.n_ifaces)
		return conf_fail(&c->cc, g, "node \"%s\" has no interface %llu (it has %u)", n->name, (unsigned long long)v,
			       n->cfg.n_ifaces);
	a->iface = (int)v;
	return 0;
}

static int sc_action(struct sc_ctx *c, const config_setting_t *g, struct sc_action *a)
{
	static const char *const k_attach[] = { "at", "action", "node", "iface", "link", NULL };
	static const char *const k_detach[] = { "at", "action", "node", "iface", NULL };
	static const char *const k_move[] = { "at", "action", "node", "iface", "link", "gap", NULL };
	static const char *const k_set[] = { "at", "action", "link", "delay", "jitter", "loss", "dup", "reorder",
					     "reorder_delay", "mtu", NULL };
	static const char *const k_flow[] = { "at", "action", "flow", NULL };
	static const char *const k_inject[] = { "at", "action", "link", "packet", NULL };
	static const char *const k_forget[] = { "at", "action", "node", NULL };
	static const struct {
		const char *name;
		enum sc_action_type type;
		const char *const *keys;
	} acts[] = {
		{ "attach", SC_ACT_ATTACH, k_attach }, { "detach", SC_ACT_DETACH, k_detach },
		{ "move", SC_ACT_MOVE, k_move }, { "set_link", SC_ACT_SET_LINK, k_set },
		{ "start", SC_ACT_START, k_flow }, { "stop", SC_ACT_STOP, k_flow },
		{ "inject", SC_ACT_INJECT, k_inject }, { "forget_ike", SC_ACT_FORGET_IKE, k_forget },
	};
	const char *act = NULL;
	int rc = conf_str(&c->cc, g, "action", true, &act);
	if (!rc) rc = conf_time(&c->cc, g, "at", true, &a->at);
	if (rc)
		return rc;
	a->line = config_setting_source_line(g);
	a->node = a->link = a->flow = -1;
	size_t i;
	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (!strcmp(act, acts[i].name))
			break;
	if (i == sizeof(acts) / sizeof(acts[0]))
		return conf_fail(&c->cc, config_setting_get_member(g, "action"), "unknown action \"%s\" (attach, detach, move, "
			       "set_link, start, stop, inject, forget_ike)", act);
	a->type = acts[i].type;
	char what[48];
	snprintf(what, sizeof(what), "a %s action", act);
	if ((rc = conf_known(&c->cc, g, what, acts[i].keys)))
		return rc;
	switch (a->type) {
	case SC_ACT_ATTACH:
	case SC_ACT_MOVE:
		if ((rc = sc_node_ref(c, g, "node", true, &a->node)) || (rc = sc_iface_ref(c, g, a)) ||
		    (rc = sc_link_ref(c, g, "link", true, &a->link)))
			return rc;
		return a->type == SC_ACT_MOVE ? conf_time(&c->cc, g, "gap", false, &a->gap) : 0;
	case SC_ACT_DETACH:
		if ((rc = sc_node_ref(c, g, "node", true, &a->node)))
			return rc;
		return sc_iface_ref(c, g, a);
	case SC_ACT_SET_LINK:
		if ((rc = sc_link_ref(c, g, "link", true, &a->link)))
			return rc;
		a->set = c->sc->links[a->link].cfg;
		if ((rc = sc_link_settings(c, g, &a->set, &a->set_mask)))
			return rc;
		if (!a->set_mask)
			return conf_fail(&c->cc, g, "set_link changes nothing: give loss, delay, jitter, dup, reorder, "
				       "reorder_delay or mtu");
		return 0;
	case SC_ACT_START:
	case SC_ACT_STOP:
		if ((rc = sc_flow_ref(c, g, "flow", true, &a->flow)))
			return rc;
		if (a->type == SC_ACT_START)
			c->sc->flows[a->flow].auto_start = false;
		return 0;
	case SC_ACT_INJECT:
		if ((rc = sc_link_ref(c, g, "link", true, &a->link)))
			return rc;
		return sc_inject(c, g, a);
	case SC_ACT_FORGET_IKE:
		if ((rc = sc_node_ref(c, g, "node", true, &a->node)))
			return rc;
		if (!c->sc->nodes[a->node].ike)
			return conf_fail(&c->cc, g, "forget_ike: node \"%s\" has no ike group",
					 c->sc->nodes[a->node].name);
		return 0;
	}
	return 0;
}

int sc_parse_timeline(struct sc_ctx *c, const config_setting_t *root)
{
	const config_setting_t *l;
	int rc = conf_list(&c->cc, root, "timeline", &l);
	if (rc || !l)
		return rc;
	struct scenario *sc = c->sc;
	sc->actions = calloc((size_t)config_setting_length(l) + 1, sizeof(*sc->actions));
	if (!sc->actions)
		return conf_fail(&c->cc, NULL, "out of memory");
	for (int i = 0; i < config_setting_length(l); i++) {
		rc = sc_action(c, config_setting_get_elem(l, (unsigned)i), &sc->actions[sc->n_actions]);
		sc->n_actions++;   /* even on failure: its packet is freed with the rest */
		if (rc)
			return rc;
		if (sc->actions[sc->n_actions - 1].at > sc->duration)
			return conf_fail(&c->cc, config_setting_get_elem(l, (unsigned)i),
				       "this action happens after the end of the run (duration)");
	}
	return 0;
}

/* ---- expectations ------------------------------------------------------- */

static int sc_ev_type(const char *name)
{
	for (int t = 1; t < M6_EV_TYPE_COUNT; t++)
		if (!strcmp(m6_ev_name((enum m6_ev_type)t), name))
			return t;
	return -1;
}

static int sc_drop_code(const char *name)
{
	for (int code = M6_E_FIRST_ + 1; code < M6_E_LAST_; code++)
		if (m6_err_known(code) && !strcmp(m6_errid(code), name))
			return code;
	return 0;
}

static int sc_bounds(struct sc_ctx *c, const config_setting_t *g, struct sc_expect *e, bool required)
{
	uint64_t n;
	bool has_n = false;
	int rc = conf_uint(&c->cc, g, "count", 0, UINT64_MAX >> 1, &n, &has_n);
	if (!rc) rc = conf_uint(&c->cc, g, "min", 0, UINT64_MAX >> 1, &e->min, &e->has_min);
	if (!rc) rc = conf_uint(&c->cc, g, "max", 0, UINT64_MAX >> 1, &e->max, &e->has_max);
	if (rc)
		return rc;
	if (has_n && (e->has_min || e->has_max))
		return conf_fail(&c->cc, g, "give count, or min and/or max, not both");
	if (has_n) {
		e->min = e->max = n;
		e->has_min = e->has_max = true;
	}
	if (required && !e->has_min && !e->has_max)
		return conf_fail(&c->cc, g, "give count = N, min = N and/or max = N");
	if (e->has_min && e->has_max && e->min > e->max)
		return conf_fail(&c->cc, g, "min is above max");
	return 0;
}

static const char *const host_counters[] = { "tx", "rx", "timers", "app_sent", "app_delivered", "tx_unattached",
					     "drops", NULL };
static const char *const link_counters[] = { "frames", "octets", "lost", "duplicated", "reordered", "mtu_drops",
					     "deliveries", NULL };

static int in_list(const char *const *l, const char *s)
{
	for (int i = 0; l[i]; i++)
		if (!strcmp(l[i], s))
			return i;
	return -1;
}

static int sc_counter(struct sc_ctx *c, const config_setting_t *g, struct sc_expect *e)
{
	const char *drop = NULL, *ev = NULL, *cnt = NULL;
	int rc = sc_node_ref(c, g, "node", false, &e->node);
	if (!rc) rc = sc_link_ref(c, g, "link", false, &e->link);
	if (!rc) rc = conf_str(&c->cc, g, "drop", false, &drop);
	if (!rc) rc = conf_str(&c->cc, g, "event", false, &ev);
	if (!rc) rc = conf_str(&c->cc, g, "counter", false, &cnt);
	if (!rc) rc = sc_bounds(c, g, e, true);
	if (rc)
		return rc;
	if ((e->node >= 0) == (e->link >= 0))
		return conf_fail(&c->cc, g, "a counter belongs to one node = \"...\" or one link = \"...\"");
	if ((drop != NULL) + (ev != NULL) + (cnt != NULL) != 1)
		return conf_fail(&c->cc, g, "say what to count: drop = \"<reason>\", event = \"<event>\" or counter = \"<name>\"");
	if (e->link >= 0 && !cnt)
		return conf_fail(&c->cc, g, "a link has counter = \"...\" only (%s, ...)", link_counters[0]);
	const char *who = e->node >= 0 ? c->sc->nodes[e->node].name : c->sc->links[e->link].name;
	if (drop) {
		e->counter = SC_CNT_DROP;
		if (!(e->drop_code = sc_drop_code(drop)))
			return conf_fail(&c->cc, config_setting_get_member(g, "drop"), "unknown drop reason \"%s\" (the ids of "
				       "mip6sec decode, e.g. hao_postcheck, icv, no_sa, replay)", drop);
		snprintf(e->what, sizeof(e->what), "%s", drop);
		snprintf(e->label, sizeof(e->label), "%s drops for %s", who, drop);
	} else if (ev) {
		e->counter = SC_CNT_EVENT;
		if ((e->ev_type = sc_ev_type(ev)) < 0)
			return conf_fail(&c->cc, config_setting_get_member(g, "event"), "unknown event \"%s\"", ev);
		snprintf(e->what, sizeof(e->what), "%s", ev);
		snprintf(e->label, sizeof(e->label), "%s %s events", who, ev);
	} else {
		const char *const *l = e->node >= 0 ? host_counters : link_counters;
		e->counter = e->node >= 0 ? SC_CNT_HOST : SC_CNT_LINK;
		if (in_list(l, cnt) < 0) {
			char known[160] = "";
			for (int i = 0; l[i]; i++)
				snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s", i ? ", " : "", l[i]);
			return conf_fail(&c->cc, config_setting_get_member(g, "counter"), "unknown %s counter \"%s\" (%s)",
				       e->node >= 0 ? "node" : "link", cnt, known);
		}
		snprintf(e->what, sizeof(e->what), "%s", cnt);
		snprintf(e->label, sizeof(e->label), "%s %s", who, cnt);
	}
	return 0;
}

static int sc_event(struct sc_ctx *c, const config_setting_t *g, struct sc_expect *e)
{
	int rc = sc_node_ref(c, g, "node", true, &e->node);
	if (rc)
		return rc;
	const config_setting_t *m = config_setting_get_member(g, "event");
	if (!m)
		return conf_fail(&c->cc, g, "missing 'event' (a name such as \"bu_sent\", or a list [ \"bu_sent\", ... ])");
	if (config_setting_type(m) == CONFIG_TYPE_STRING) {
		e->n_types = 1;
		if ((e->ev_types[0] = sc_ev_type(config_setting_get_string(m))) < 0)
			return conf_fail(&c->cc, m, "unknown event \"%s\"", config_setting_get_string(m));
	} else if (config_setting_is_array(m) || config_setting_is_list(m)) {
		if (!config_setting_length(m) || config_setting_length(m) > SC_EV_TYPES_MAX)
			return conf_fail(&c->cc, m, "'event' lists 1 to %d event names", SC_EV_TYPES_MAX);
		for (int i = 0; i < config_setting_length(m); i++) {
			const char *s = config_setting_get_string_elem(m, (unsigned)i);
			if (!s || (e->ev_types[i] = sc_ev_type(s)) < 0)
				return conf_fail(&c->cc, m, "event entry %d: unknown event \"%s\"", i, s ? s : "(not a string)");
		}
		e->n_types = (unsigned)config_setting_length(m);
	} else {
		return conf_fail(&c->cc, m, "'event' must be a name or a list of names");
	}
	uint64_t code;
	bool has_code = false;
	e->until = UINT64_MAX;
	e->first_at = UINT64_MAX;
	e->tolerance = 1000000;
	const config_setting_t *cm = config_setting_get_member(g, "code");
	if (cm && config_setting_type(cm) == CONFIG_TYPE_STRING) {
		/* a reason id (drops, failed return routability) for a negative code */
		int reason = sc_drop_code(config_setting_get_string(cm));
		if (!reason)
			return conf_fail(&c->cc, cm, "unknown reason \"%s\" (the ids of mip6sec decode)",
					 config_setting_get_string(cm));
		code = (uint64_t)(int64_t)reason;
		has_code = true;
	} else {
		rc = conf_uint(&c->cc, g, "code", 0, INT32_MAX, &code, &has_code);
	}
	if (!rc) rc = conf_time(&c->cc, g, "from", false, &e->from);
	if (!rc) rc = conf_time(&c->cc, g, "until", false, &e->until);
	if (!rc) rc = conf_time(&c->cc, g, "first_at", false, &e->first_at);
	if (!rc) rc = conf_time(&c->cc, g, "tolerance", false, &e->tolerance);
	if (!rc) rc = sc_bounds(c, g, e, false);
	if (rc)
		return rc;
	e->has_code = has_code;
	e->code = (int32_t)(int64_t)code;
	const config_setting_t *iv = config_setting_get_member(g, "intervals");
	if (iv) {
		if (!config_setting_is_array(iv) && !config_setting_is_list(iv))
			return conf_fail(&c->cc, iv, "'intervals' is a list of times: [ \"1.5s\", \"3s\" ] or [ 1.5, 3.0 ]");
		if (config_setting_length(iv) > SC_INTERVALS_MAX)
			return conf_fail(&c->cc, iv, "at most %d intervals", SC_INTERVALS_MAX);
		for (int i = 0; i < config_setting_length(iv); i++)
			if ((rc = conf_time_value(&c->cc, config_setting_get_elem(iv, (unsigned)i), "intervals",
						    &e->intervals[i])))
				return rc;
		e->n_intervals = (unsigned)config_setting_length(iv);
	}
	if ((rc = conf_bool(&c->cc, g, "partial_intervals", &e->partial_intervals)))
		return rc;
	if (e->partial_intervals && !e->n_intervals)
		return conf_fail(&c->cc, config_setting_get_member(g, "partial_intervals"),
				 "'partial_intervals' needs intervals = [ ... ]");
	if (!e->has_min && !e->has_max && e->first_at == UINT64_MAX && !e->n_intervals)
		e->min = 1, e->has_min = true;   /* "event happened" */
	char t[32];
	snprintf(e->label, sizeof(e->label), "%s %s%s%s", c->sc->nodes[e->node].name,
		 m6_ev_name((enum m6_ev_type)e->ev_types[0]), e->n_types > 1 ? "/..." : "",
		 e->first_at != UINT64_MAX ? " first at " : "");
	if (e->first_at != UINT64_MAX)
		snprintf(e->label + strlen(e->label), sizeof(e->label) - strlen(e->label), "%s", fmt_time(e->first_at, t));
	return 0;
}

static int sc_expect(struct sc_ctx *c, const config_setting_t *g, struct sc_expect *e)
{
	static const char *const k_binding[] = { "type", "at", "node", "hoa", "coa", NULL };
	static const char *const k_delivered[] = { "type", "at", "flow", "count", "min", "max", "max_gap", NULL };
	static const char *const k_counter[] = { "type", "at", "node", "link", "drop", "event", "counter", "count", "min",
						 "max", NULL };
	static const char *const k_event[] = { "type", "node", "event", "code", "from", "until", "count", "min", "max",
					       "first_at", "intervals", "partial_intervals", "tolerance", NULL };
	static const char *const k_nopt[] = { "type", "link", NULL };
	static const struct {
		const char *name;
		enum sc_expect_type type;
		const char *const *keys;
	} kinds[] = {
		{ "binding", SC_EX_BINDING, k_binding }, { "delivered", SC_EX_DELIVERED, k_delivered },
		{ "counter", SC_EX_COUNTER, k_counter }, { "event", SC_EX_EVENT, k_event },
		{ "no_plaintext_mh", SC_EX_NO_PLAINTEXT_MH, k_nopt },
	};
	const char *type = NULL;
	int rc = conf_str(&c->cc, g, "type", true, &type);
	if (rc)
		return rc;
	size_t i;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(type, kinds[i].name))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return conf_fail(&c->cc, config_setting_get_member(g, "type"), "unknown expectation \"%s\" (binding, delivered, "
			       "counter, event, no_plaintext_mh)", type);
	char what[48];
	snprintf(what, sizeof(what), "a %s expectation", type);
	if ((rc = conf_known(&c->cc, g, what, kinds[i].keys)))
		return rc;
	e->type = kinds[i].type;
	e->line = config_setting_source_line(g);
	e->at = UINT64_MAX;
	e->node = e->link = e->flow = -1;
	if ((rc = conf_time(&c->cc, g, "at", false, &e->at)))
		return rc;
	if (e->at != UINT64_MAX && e->at > c->sc->duration)
		return conf_fail(&c->cc, config_setting_get_member(g, "at"), "'at' is after the end of the run (duration)");
	char t[32], a[46];
	switch (e->type) {
	case SC_EX_BINDING: {
		const char *coa = NULL;
		if ((rc = sc_node_ref(c, g, "node", true, &e->node)) || (rc = conf_addr(&c->cc, g, "hoa", true, e->hoa, NULL)) ||
		    (rc = conf_str(&c->cc, g, "coa", true, &coa)))
			return rc;
		if (!strcmp(coa, "none"))
			e->coa_none = true;
		else if (ip6_addr_parse(coa, e->coa))
			return conf_fail(&c->cc, config_setting_get_member(g, "coa"), "'coa' = \"%s\": an IPv6 address or \"none\"", coa);
		ip6_addr_format(e->hoa, a);
		snprintf(e->label, sizeof(e->label), "binding on %s for %s at %s is %s", c->sc->nodes[e->node].name, a,
			 e->at == UINT64_MAX ? "the end" : fmt_time(e->at, t), coa);
		return 0;
	}
	case SC_EX_DELIVERED:
		if ((rc = sc_flow_ref(c, g, "flow", true, &e->flow)) || (rc = sc_bounds(c, g, e, false)) ||
		    (rc = conf_time(&c->cc, g, "max_gap", false, &e->max_gap)))
			return rc;
		if (!e->has_min && !e->has_max && !e->max_gap)
			return conf_fail(&c->cc, g, "give count, min, max and/or max_gap");
		snprintf(e->label, sizeof(e->label), "flow %s delivered", c->sc->flows[e->flow].name);
		return 0;
	case SC_EX_COUNTER:
		return sc_counter(c, g, e);
	case SC_EX_EVENT:
		return sc_event(c, g, e);
	case SC_EX_NO_PLAINTEXT_MH:
		if ((rc = sc_link_ref(c, g, "link", true, &e->link)))
			return rc;
		snprintf(e->label, sizeof(e->label), "no plaintext Mobility Header on link %s", c->sc->links[e->link].name);
		return 0;
	}
	return 0;
}

int sc_parse_expect(struct sc_ctx *c, const config_setting_t *root)
{
	const config_setting_t *l;
	int rc = conf_list(&c->cc, root, "expect", &l);
	if (rc || !l)
		return rc;
	struct scenario *sc = c->sc;
	sc->expects = calloc((size_t)config_setting_length(l) + 1, sizeof(*sc->expects));
	if (!sc->expects)
		return conf_fail(&c->cc, NULL, "out of memory");
	for (int i = 0; i < config_setting_length(l); i++) {
		if ((rc = sc_expect(c, config_setting_get_elem(l, (unsigned)i), &sc->expects[sc->n_expects])))
			return rc;
		sc->n_expects++;
	}
	return 0;
}
