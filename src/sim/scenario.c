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

/* ---- helpers ---------------------------------------------------------- */

static void prefix_of(uint8_t out[16], const uint8_t a[16], unsigned plen)
{
	memset(out, 0, 16);
	memcpy(out, a, plen / 8);
	if (plen % 8)
		out[plen / 8] = (uint8_t)(a[plen / 8] & (0xff << (8 - plen % 8)));
}

int sc_fail(struct sc_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* an @included file names itself */
	const char *file = s && config_setting_source_file(s) ? config_setting_source_file(s) : c->file;
	if (s && config_setting_source_line(s))
		snprintf(c->err, c->errlen, "%s:%u: %s", file, config_setting_source_line(s), msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->file, msg);
	return M6_E_CONFIG;
}

/* A typo must not silently drop a setting: refuse keys a group does not
 * know, and say which ones it does. */
int sc_known(struct sc_ctx *c, const config_setting_t *g, const char *what, const char *const *keys)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(m);
		bool ok = false;
		for (const char *const *k = keys; *k && n; k++)
			ok = ok || !strcmp(*k, n);
		if (ok)
			continue;
		char list[256];
		size_t used = 0;
		list[0] = 0;
		for (const char *const *k = keys; *k && used < sizeof(list); k++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", k == keys ? "" : ", ", *k);
		return sc_fail(c, m, "unknown key '%s' in %s (known: %s)", n ? n : "?", what, list);
	}
	return 0;
}

int sc_str(struct sc_ctx *c, const config_setting_t *g, const char *key, bool required, const char **out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	if (!m)
		return required ? sc_fail(c, g, "missing '%s'", key) : 0;
	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return sc_fail(c, m, "'%s' must be a string in double quotes", key);
	*out = config_setting_get_string(m);
	return 0;
}

int scenario_parse_time(const char *s, uint64_t *ns)
{
	static const struct { const char *u; double mul; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "min", 60e9 }, { "", 1e9 },
	};
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !(v >= 0))
		return M6_E_INVAL;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].u))
			continue;
		double t = v * units[i].mul;
		if (!(t < 1e18))
			return M6_E_INVAL;
		*ns = (uint64_t)(t + 0.5);
		return 0;
	}
	return M6_E_INVAL;
}

int sc_time_value(struct sc_ctx *c, const config_setting_t *m, const char *key, uint64_t *out)
{
	switch (config_setting_type(m)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: {
		long long v = config_setting_get_int64(m);
		if (v < 0 || v > 1000000000LL)
			return sc_fail(c, m, "'%s' = %lld s is out of range", key, v);
		*out = (uint64_t)v * 1000000000ull;
		return 0;
	}
	case CONFIG_TYPE_FLOAT: {
		double v = config_setting_get_float(m);
		if (!(v >= 0 && v < 1e9))
			return sc_fail(c, m, "'%s' = %g s is out of range", key, v);
		*out = (uint64_t)(v * 1e9 + 0.5);
		return 0;
	}
	case CONFIG_TYPE_STRING:
		if (scenario_parse_time(config_setting_get_string(m), out))
			return sc_fail(c, m, "'%s' = \"%s\" is not a time (a number of seconds, or a number with "
				       "a unit: ns, us, ms, s, min)", key, config_setting_get_string(m));
		return 0;
	default:
		return sc_fail(c, m, "'%s' must be a time: seconds (2.5) or a string with a unit (\"200ms\")", key);
	}
}

int sc_time(struct sc_ctx *c, const config_setting_t *g, const char *key, bool required, uint64_t *out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	if (!m)
		return required ? sc_fail(c, g, "missing '%s'", key) : 0;
	return sc_time_value(c, m, key, out);
}

int sc_uint(struct sc_ctx *c, const config_setting_t *g, const char *key, uint64_t min, uint64_t max,
	    uint64_t *out, bool *has)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	if (!m)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_INT && config_setting_type(m) != CONFIG_TYPE_INT64)
		return sc_fail(c, m, "'%s' must be a whole number", key);
	long long v = config_setting_get_int64(m);
	if (v < 0 || (uint64_t)v < min || (uint64_t)v > max)
		return sc_fail(c, m, "'%s' = %lld is out of range %llu..%llu", key, v, (unsigned long long)min,
			       (unsigned long long)max);
	*out = (uint64_t)v;
	if (has)
		*has = true;
	return 0;
}

int sc_prob(struct sc_ctx *c, const config_setting_t *g, const char *key, double *out, bool *has)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	if (!m)
		return 0;
	double v;
	if (config_setting_type(m) == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(m);
	else if (config_setting_type(m) == CONFIG_TYPE_INT)
		v = (double)config_setting_get_int(m);
	else if (config_setting_type(m) == CONFIG_TYPE_STRING) {
		/* "5%" reads better than 0.05 in a scenario */
		const char *s = config_setting_get_string(m);
		char *end;
		v = strtod(s, &end);
		if (end == s || strcmp(end, "%"))
			return sc_fail(c, m, "'%s' = \"%s\": write a probability (0.05) or a percentage (\"5%%\")", key, s);
		v /= 100;
	} else {
		return sc_fail(c, m, "'%s' must be a probability (0.05) or a percentage (\"5%%\")", key);
	}
	if (!(v >= 0 && v <= 1))
		return sc_fail(c, m, "'%s' must be between 0 and 1 (or 0%% and 100%%)", key);
	*out = v;
	if (has)
		*has = true;
	return 0;
}

int sc_bool(struct sc_ctx *c, const config_setting_t *g, const char *key, bool *out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	if (!m)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_BOOL)
		return sc_fail(c, m, "'%s' must be true or false", key);
	*out = config_setting_get_bool(m);
	return 0;
}

int sc_addr(struct sc_ctx *c, const config_setting_t *g, const char *key, bool required, uint8_t out[16], bool *has)
{
	const char *s = NULL;
	int rc = sc_str(c, g, key, required, &s);
	if (rc || !s)
		return rc;
	if (ip6_addr_parse(s, out))
		return sc_fail(c, config_setting_get_member(g, key), "'%s' = \"%s\" is not an IPv6 address", key, s);
	if (has)
		*has = true;
	return 0;
}

/* "2001:db8:1::/64" or, with allow_host, "2001:db8:1::1/64" giving both. */
static int sc_prefix_str(struct sc_ctx *c, const config_setting_t *m, const char *key, const char *s,
			 uint8_t addr[16], unsigned *plen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	char *end;
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return sc_fail(c, m, "'%s' = \"%s\" is not a prefix (write ADDRESS/LENGTH)", key, s);
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	unsigned long l = strtoul(slash + 1, &end, 10);
	if (ip6_addr_parse(buf, addr) || *end || !slash[1] || l > 128)
		return sc_fail(c, m, "'%s' = \"%s\" is not a prefix (write ADDRESS/LENGTH, length 0..128)", key, s);
	*plen = (unsigned)l;
	return 0;
}

static int sc_prefix(struct sc_ctx *c, const config_setting_t *g, const char *key, uint8_t addr[16], unsigned *plen,
		     bool *has)
{
	const char *s = NULL;
	int rc = sc_str(c, g, key, false, &s);
	if (rc || !s)
		return rc;
	uint8_t a[16];
	if ((rc = sc_prefix_str(c, config_setting_get_member(g, key), key, s, a, plen)))
		return rc;
	prefix_of(addr, a, *plen);
	*has = true;
	return 0;
}

int sc_list(struct sc_ctx *c, const config_setting_t *g, const char *key, const config_setting_t **out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	*out = NULL;
	if (!m)
		return 0;
	if (!config_setting_is_list(m))
		return sc_fail(c, m, "'%s' must be a list: %s = ( { ... }, { ... } );", key, key);
	for (int i = 0; i < config_setting_length(m); i++)
		if (!config_setting_is_group(config_setting_get_elem(m, (unsigned)i)))
			return sc_fail(c, config_setting_get_elem(m, (unsigned)i), "each entry of '%s' is a group { ... }", key);
	*out = m;
	return 0;
}

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

int sc_name(struct sc_ctx *c, const config_setting_t *g, const char *what, char out[SC_NAME_MAX])
{
	const char *s = NULL;
	int rc = sc_str(c, g, "name", true, &s);
	if (rc)
		return sc_fail(c, g, "every %s needs a name = \"...\";", what);
	const config_setting_t *m = config_setting_get_member(g, "name");
	size_t n = strlen(s);
	if (!n || n >= SC_NAME_MAX)
		return sc_fail(c, m, "%s name \"%s\" must have 1 to %d characters", what, s, SC_NAME_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i]))
			return sc_fail(c, m, "%s name \"%s\": use letters, digits, '_', '-' and '.' only", what, s);
	if (s[0] == '.')
		return sc_fail(c, m, "%s name \"%s\" must not start with '.'", what, s);
	memcpy(out, s, n + 1);
	return 0;
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
	if (!rc) rc = sc_time(c, g, "delay", false, &cfg->delay_ns);
	if (!rc) rc = sc_time(c, g, "jitter", false, &cfg->jitter_ns);
	if (!rc) rc = sc_prob(c, g, "loss", &cfg->loss, NULL);
	if (!rc) rc = sc_prob(c, g, "dup", &cfg->dup, NULL);
	if (!rc) rc = sc_prob(c, g, "reorder", &cfg->reorder, NULL);
	if (!rc) rc = sc_time(c, g, "reorder_delay", false, &cfg->reorder_ns);
	if (!rc) rc = sc_uint(c, g, "mtu", 1280, 65575, &mtu, NULL);
	if (rc)
		return rc;
	if (h[6])
		cfg->mtu = (uint32_t)mtu;
	const char *why = link_cfg_check(cfg);
	if (why)
		return sc_fail(c, g, "%s", why);
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
	int rc = sc_list(c, root, "links", &l);
	if (rc)
		return rc;
	if (!l || !config_setting_length(l))
		return sc_fail(c, l ? l : root, "the scenario needs at least one link: links = ( { name = \"home\"; } );");
	struct scenario *sc = c->sc;
	sc->links = calloc((size_t)config_setting_length(l), sizeof(*sc->links));
	if (!sc->links)
		return sc_fail(c, NULL, "out of memory");
	for (int i = 0; i < config_setting_length(l); i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		struct sc_link *k = &sc->links[sc->n_links];
		if ((rc = sc_known(c, g, "a link", keys)) || (rc = sc_name(c, g, "link", k->name)))
			return rc;
		if (sc_find_link(sc, k->name) >= 0)
			return sc_fail(c, g, "link \"%s\" is defined twice", k->name);
		k->cfg.delay_ns = 1000000;   /* 1 ms: a LAN */
		const char *mode = NULL;
		if ((rc = sc_link_settings(c, g, &k->cfg, NULL)) || (rc = sc_str(c, g, "mode", false, &mode)))
			return rc;
		if (mode && strcmp(mode, "hub") && strcmp(mode, "switch"))
			return sc_fail(c, config_setting_get_member(g, "mode"), "'mode' is \"hub\" or \"switch\"");
		k->cfg.switched = mode && !strcmp(mode, "switch");
		k->line = config_setting_source_line(g);
		sc->n_links++;
	}
	return 0;
}

/* ---- nodes ------------------------------------------------------------- */


static int sc_iface(struct sc_ctx *c, const config_setting_t *g, struct sc_node *n, unsigned idx)
{
	static const char *const keys[] = { "link", "addr", "prefix", "advertise", "ra_interval", "valid_lifetime",
					    "mtu", NULL };
	struct node_iface_cfg *f = &n->cfg.ifaces[idx];
	const char *link = NULL, *addr = NULL;
	bool has_prefix = false;
	int rc = sc_known(c, g, "an interface", keys);
	if (!rc) rc = sc_str(c, g, "link", false, &link);
	if (!rc) rc = sc_str(c, g, "addr", false, &addr);
	if (!rc) rc = sc_prefix(c, g, "prefix", f->prefix, &f->plen, &has_prefix);
	if (!rc) rc = sc_bool(c, g, "advertise", &f->advertise);
	if (rc)
		return rc;
	n->init_link[idx] = -1;
	if (link && (n->init_link[idx] = sc_find_link(c->sc, link)) < 0)
		return sc_fail(c, config_setting_get_member(g, "link"), "no link named \"%s\" (define it in links)", link);
	if (addr) {
		const config_setting_t *m = config_setting_get_member(g, "addr");
		if (strchr(addr, '/')) {
			unsigned plen;
			if ((rc = sc_prefix_str(c, m, "addr", addr, f->addr, &plen)))
				return rc;
			if (!has_prefix) {
				prefix_of(f->prefix, f->addr, plen);
				f->plen = plen;
				has_prefix = true;
			}
		} else if (ip6_addr_parse(addr, f->addr)) {
			return sc_fail(c, m, "'addr' = \"%s\" is not an IPv6 address", addr);
		}
		f->has_addr = true;
		if (!has_prefix) {
			/* a /64 is what SLAAC and the home link assume */
			memcpy(f->prefix, f->addr, 8);
			memset(f->prefix + 8, 0, 8);
			f->plen = 64;
			has_prefix = true;
		}
	}
	if (f->advertise && !has_prefix)
		return sc_fail(c, g, "an interface with advertise = true needs a prefix (or addr = \"ADDRESS/LENGTH\")");
	if (f->advertise && f->plen != 64)
		return sc_fail(c, g, "advertised prefixes are /64 (stateless autoconfiguration, RFC 4862)");
	uint64_t ra = 0, valid = 0, mtu = 0;
	bool has_ra = false;
	if ((rc = sc_time(c, g, "ra_interval", false, &ra)))
		return rc;
	has_ra = config_setting_get_member(g, "ra_interval") != NULL;
	if (has_ra && (ra < 1000000 || ra > 1800ull * 1000000000))
		return sc_fail(c, config_setting_get_member(g, "ra_interval"), "'ra_interval' must be between 1ms and 1800s");
	f->ra_interval_ms = (uint32_t)(ra / 1000000);
	if ((rc = sc_time(c, g, "valid_lifetime", false, &valid)))
		return rc;
	if (valid / 1000000000 > UINT32_MAX)
		return sc_fail(c, g, "'valid_lifetime' is too long");
	f->prefix_valid_s = (uint32_t)(valid / 1000000000);
	if ((rc = sc_uint(c, g, "mtu", 1280, 65535, &mtu, NULL)))
		return rc;
	f->mtu = (uint16_t)mtu;
	return 0;
}

static int sc_route(struct sc_ctx *c, const config_setting_t *g, struct sc_node *n, struct node_route *r)
{
	static const char *const keys[] = { "prefix", "iface", "via", NULL };
	bool has = false, has_if = false, has_via = false;
	uint64_t ifx = 0;
	int rc = sc_known(c, g, "a route", keys);
	if (!rc) rc = sc_prefix(c, g, "prefix", r->prefix, &r->plen, &has);
	if (!rc) rc = sc_uint(c, g, "iface", 0, NODE_IF_MAX - 1, &ifx, &has_if);
	if (!rc) rc = sc_addr(c, g, "via", false, r->nexthop, &has_via);
	if (rc)
		return rc;
	if (!has)
		return sc_fail(c, g, "a route needs prefix = \"ADDRESS/LENGTH\" (\"::/0\" for a default route)");
	if (ifx >= n->cfg.n_ifaces)
		return sc_fail(c, g, "route interface %llu: node \"%s\" has %u interface(s)", (unsigned long long)ifx,
			       n->name, n->cfg.n_ifaces);
	r->ifindex = (unsigned)ifx;
	r->has_nexthop = has_via;
	return 0;
}

static int sc_secs(struct sc_ctx *c, const config_setting_t *g, const char *key, uint32_t *out)
{
	uint64_t ns = (uint64_t)*out * 1000000000ull;
	int rc = sc_time(c, g, key, false, &ns);
	if (rc)
		return rc;
	if (ns / 1000000000ull > UINT32_MAX)
		return sc_fail(c, config_setting_get_member(g, key), "'%s' is too long", key);
	*out = (uint32_t)(ns / 1000000000ull);
	return 0;
}

static int sc_ms(struct sc_ctx *c, const config_setting_t *g, const char *key, uint32_t *out)
{
	uint64_t ns = (uint64_t)*out * 1000000ull;
	int rc = sc_time(c, g, key, false, &ns);
	if (rc)
		return rc;
	if (ns / 1000000ull > UINT32_MAX)
		return sc_fail(c, config_setting_get_member(g, key), "'%s' is too long", key);
	*out = (uint32_t)(ns / 1000000ull);
	return 0;
}

static int sc_role_mn(struct sc_ctx *c, const config_setting_t *g, struct sc_node *n)
{
	static const char *const keys[] = { "hoa", "home_prefix", "ha", "iid", "lifetime", "first_reg_timeout",
					    "k_capable", "route_optimisation", "cn", NULL };
	struct mn_cfg *m = &n->cfg.mn;
	bool has_pfx = false, has_iid = false, has_hoa = false;
	uint8_t iid[16];
	int rc = sc_known(c, g, "the mn role", keys);
	/* no ha: dynamic home agent address discovery; no hoa: home_prefix + iid */
	if (!rc) rc = sc_addr(c, g, "hoa", false, m->hoa, &has_hoa);
	if (!rc) rc = sc_addr(c, g, "ha", false, m->ha, NULL);
	if (!rc) rc = sc_prefix(c, g, "home_prefix", m->home_prefix, &m->home_plen, &has_pfx);
	if (!rc) rc = sc_addr(c, g, "iid", false, iid, &has_iid);
	m->lifetime_s = 3600;
	if (!rc) rc = sc_secs(c, g, "lifetime", &m->lifetime_s);
	if (!rc) rc = sc_ms(c, g, "first_reg_timeout", &m->first_reg_timeout_ms);
	if (!rc) rc = sc_bool(c, g, "k_capable", &m->k_capable);
	if (!rc) rc = sc_bool(c, g, "route_optimisation", &m->route_optimisation);
	if (rc)
		return rc;
	if (!has_hoa && (!has_pfx || !has_iid || m->home_plen != 64))
		return sc_fail(c, g, "the mn role needs hoa = \"...\", or home_prefix = \"P/64\" and iid = \"::X\"");
	if (!has_hoa) {
		memcpy(m->hoa, m->home_prefix, 8);
		memcpy(m->hoa + 8, iid + 8, 8);
	}
	if (!has_pfx) {
		memcpy(m->home_prefix, m->hoa, 8);
		m->home_plen = 64;
	}
	/* by default the care-of address keeps the home address's interface identifier */
	memcpy(m->iid, has_iid ? iid + 8 : m->hoa + 8, 8);
	const config_setting_t *cn = config_setting_get_member(g, "cn");
	if (cn) {
		if (!config_setting_is_array(cn) && !config_setting_is_list(cn))
			return sc_fail(c, cn, "'cn' must be a list of addresses: cn = [ \"2001:db8:4::1\" ];");
		if (config_setting_length(cn) > MN_CN_MAX)
			return sc_fail(c, cn, "at most %d correspondents", MN_CN_MAX);
		for (int i = 0; i < config_setting_length(cn); i++) {
			const char *s = config_setting_get_string_elem(cn, (unsigned)i);
			if (!s || ip6_addr_parse(s, m->cn[i]))
				return sc_fail(c, cn, "cn entry %d is not an IPv6 address in quotes", i);
		}
		m->n_cn = (unsigned)config_setting_length(cn);
	}
	memcpy(n->addr, m->hoa, 16);
	n->has_addr = true;
	n->cfg.is_mn = true;
	return 0;
}

static const struct node_iface_cfg *first_static(const struct sc_node *n)
{
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if (n->cfg.ifaces[i].has_addr)
			return &n->cfg.ifaces[i];
	return NULL;
}

static int sc_role_ha(struct sc_ctx *c, const config_setting_t *g, struct sc_node *n, unsigned index)
{
	static const char *const keys[] = { "addr", "prefix", "prefix_valid", "max_lifetime", "persistent_bc",
					    "bra_interval", "k_capable", "dad_timeout", "max_bindings", "preference",
					    "ha_lifetime", "prefix_advertisements", "mpa_min_interval",
					    "mpa_max_interval", NULL };
	struct ha_cfg *h = &n->cfg.ha;
	const struct node_iface_cfg *f = first_static(n);
	bool has_addr = false, has_pfx = false;
	uint64_t maxb = 1024;
	int rc = sc_known(c, g, "the ha role", keys);
	if (!rc) rc = sc_addr(c, g, "addr", false, h->addr, &has_addr);
	if (!rc) rc = sc_prefix(c, g, "prefix", h->prefix, &h->plen, &has_pfx);
	if (!rc) rc = sc_secs(c, g, "prefix_valid", &h->prefix_valid_s);
	if (!rc) rc = sc_secs(c, g, "max_lifetime", &h->max_lifetime_s);
	if (!rc) rc = sc_bool(c, g, "persistent_bc", &h->persistent_bc);
	if (!rc) rc = sc_secs(c, g, "bra_interval", &h->bra_interval_s);
	if (!rc) rc = sc_bool(c, g, "k_capable", &h->k_capable);
	h->dad_timeout_ms = 1000;
	if (!rc) rc = sc_ms(c, g, "dad_timeout", &h->dad_timeout_ms);
	if (!rc) rc = sc_uint(c, g, "max_bindings", 1, 10000000, &maxb, NULL);
	/* RFC 6275 7.4, 13: discovery settings */
	uint64_t pref = 0, ha_life = 0;
	bool mpa = true;
	if (!rc) rc = sc_uint(c, g, "preference", 0, 65535, &pref, NULL);
	if (!rc) rc = sc_uint(c, g, "ha_lifetime", 0, 65535, &ha_life, NULL);
	if (!rc) rc = sc_bool(c, g, "prefix_advertisements", &mpa);
	if (!rc) rc = sc_secs(c, g, "mpa_min_interval", &h->mpa_min_interval_s);
	if (!rc) rc = sc_secs(c, g, "mpa_max_interval", &h->mpa_max_interval_s);
	if (rc)
		return rc;
	h->preference = (uint16_t)pref;
	h->ha_lifetime_s = (uint16_t)ha_life;
	h->mpd_disabled = !mpa;
	if (!has_addr && !f)
		return sc_fail(c, g, "the ha role needs addr = \"...\" or an interface with a static addr");
	if (!has_addr)
		memcpy(h->addr, f->addr, 16);
	if (!has_pfx && !f)
		return sc_fail(c, g, "the ha role needs prefix = \"ADDRESS/LENGTH\" (the home prefix)");
	if (!has_pfx) {
		memcpy(h->prefix, f->prefix, 16);
		h->plen = f->plen;
	}
	h->max_bindings = (size_t)maxb;
	/* a locally administered MAC unique per node, for proxy Neighbor Advertisements */
	h->mac[0] = 0x02;
	h->mac[3] = 0x6d;
	m6_put16(h->mac + 4, (uint16_t)(index + 1));
	n->cfg.is_ha = true;
	return 0;
}

static int sc_role_cn(struct sc_ctx *c, const config_setting_t *g, struct sc_node *n)
{
	static const char *const keys[] = { "addr", "nonce_interval", "nonces_kept", "max_bindings", NULL };
	struct cn_cfg *k = &n->cfg.cn;
	const struct node_iface_cfg *f = first_static(n);
	bool has_addr = false;
	uint64_t kept = 0, maxb = 1024;
	int rc = sc_known(c, g, "the cn role", keys);
	if (!rc) rc = sc_addr(c, g, "addr", false, k->addr, &has_addr);
	if (!rc) rc = sc_secs(c, g, "nonce_interval", &k->nonce_interval_s);
	if (!rc) rc = sc_uint(c, g, "nonces_kept", 1, 1024, &kept, NULL);
	if (!rc) rc = sc_uint(c, g, "max_bindings", 1, 10000000, &maxb, NULL);
	if (rc)
		return rc;
	if (!has_addr && !f)
		return sc_fail(c, g, "the cn role needs addr = \"...\" or an interface with a static addr");
	if (!has_addr)
		memcpy(k->addr, f->addr, 16);
	k->nonces_kept = (unsigned)kept;
	k->max_bindings = (size_t)maxb;
	n->cfg.is_cn = true;
	return 0;
}

static int sc_node(struct sc_ctx *c, const config_setting_t *g, struct sc_node *n, unsigned index)
{
	static const char *const keys[] = { "name", "interfaces", "routes", "forwarding", "mn", "ha", "cn", "ipsec",
					    NULL };
	const config_setting_t *l;
	int rc = sc_known(c, g, "a node", keys);
	if (!rc) rc = sc_name(c, g, "node", n->name);
	if (rc)
		return rc;
	if (sc_find_node(c->sc, n->name) >= 0)
		return sc_fail(c, g, "node \"%s\" is defined twice", n->name);
	n->line = config_setting_source_line(g);
	n->cfg.name = n->name;
	for (unsigned i = 0; i < NODE_IF_MAX; i++)
		n->init_link[i] = -1;
	if ((rc = sc_list(c, g, "interfaces", &l)))
		return rc;
	if (!l || !config_setting_length(l))
		return sc_fail(c, g, "node \"%s\" needs interfaces = ( { link = \"...\"; } );", n->name);
	if (config_setting_length(l) > NODE_IF_MAX)
		return sc_fail(c, l, "node \"%s\": at most %d interfaces", n->name, NODE_IF_MAX);
	n->cfg.n_ifaces = (unsigned)config_setting_length(l);
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if ((rc = sc_iface(c, config_setting_get_elem(l, i), n, i)))
			return rc;
	if ((rc = sc_list(c, g, "routes", &l)))
		return rc;
	if (l && config_setting_length(l) > NODE_ROUTE_MAX)
		return sc_fail(c, l, "node \"%s\": at most %d routes", n->name, NODE_ROUTE_MAX);
	for (int i = 0; l && i < config_setting_length(l); i++)
		if ((rc = sc_route(c, config_setting_get_elem(l, (unsigned)i), n, &n->cfg.routes[n->cfg.n_routes++])))
			return rc;
	if ((rc = sc_bool(c, g, "forwarding", &n->cfg.forwarding)))
		return rc;
	const char *roles[] = { "mn", "ha", "cn" };
	for (int r = 0; r < 3; r++) {
		const config_setting_t *rg = config_setting_get_member(g, roles[r]);
		if (!rg)
			continue;
		if (!config_setting_is_group(rg))
			return sc_fail(c, rg, "'%s' must be a group: %s = { ... };", roles[r], roles[r]);
		rc = r == 0 ? sc_role_mn(c, rg, n) : r == 1 ? sc_role_ha(c, rg, n, index) : sc_role_cn(c, rg, n);
		if (rc)
			return rc;
	}
	if (n->cfg.is_mn && (n->cfg.is_ha || n->cfg.is_cn))
		return sc_fail(c, g, "node \"%s\": a mobile node cannot also be a home agent or correspondent", n->name);
	if (!n->has_addr) {
		const struct node_iface_cfg *f = first_static(n);
		if (f) {
			memcpy(n->addr, f->addr, 16);
			n->has_addr = true;
		} else if (n->cfg.is_cn) {
			memcpy(n->addr, n->cfg.cn.addr, 16);
			n->has_addr = true;
		}
	}
	const config_setting_t *ip = config_setting_get_member(g, "ipsec");
	if (ip) {
		char inner[256];
		if (!config_setting_is_group(ip))
			return sc_fail(c, ip, "'ipsec' must be a group: ipsec = { node = ...; spd = (...); sa = (...); };");
		if (keyconf_load_setting(ip, &n->kc, inner, sizeof(inner))) {
			/* keyconf says "line N: ..."; put the file name in front */
			if (!strncmp(inner, "line ", 5)) {
				snprintf(c->err, c->errlen, "%s:%s (node \"%s\" ipsec)", c->file, inner + 5, n->name);
			} else {
				snprintf(c->err, c->errlen, "%s:%u: node \"%s\" ipsec: %s", c->file,
					 config_setting_source_line(ip), n->name, inner);
			}
			return M6_E_CONFIG;
		}
		n->has_ipsec = true;
	}
	return 0;
}

static int sc_parse_nodes(struct sc_ctx *c, const config_setting_t *root)
{
	const config_setting_t *l;
	int rc = sc_list(c, root, "nodes", &l);
	if (rc)
		return rc;
	if (!l || !config_setting_length(l))
		return sc_fail(c, l ? l : root, "the scenario needs nodes = ( { name = \"...\"; interfaces = (...); } );");
	struct scenario *sc = c->sc;
	sc->nodes = calloc((size_t)config_setting_length(l), sizeof(*sc->nodes));
	if (!sc->nodes)
		return sc_fail(c, NULL, "out of memory");
	for (int i = 0; i < config_setting_length(l); i++) {
		rc = sc_node(c, config_setting_get_elem(l, (unsigned)i), &sc->nodes[sc->n_nodes], (unsigned)i);
		/* counted even on failure, so scenario_free() releases its tables */
		sc->n_nodes++;
		if (rc)
			return rc;
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
	int rc = sc_known(c, root, "the scenario", keys);
	if (!rc) rc = sc_str(c, root, "name", false, &name);
	if (!rc) rc = sc_str(c, root, "description", false, &desc);
	if (!rc) rc = sc_uint(c, root, "seed", 0, INT64_MAX, &sc->seed, &sc->has_seed);
	if (!rc) rc = sc_time(c, root, "duration", true, &sc->duration);
	if (rc)
		return rc;
	if (!sc->duration)
		return sc_fail(c, config_setting_get_member(root, "duration"), "'duration' must be above zero");
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
	struct sc_ctx c = { sc, file, err, errlen };
	int rc = sc_build(&c, config_root_setting(&cf));
	config_destroy(&cf);
	if (rc)
		scenario_free(sc);
	return rc;
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
	struct sc_node *n = &sc->nodes[i];
	if (!n->has_ipsec)
		return;
	n->cfg.bits = n->kc.bits;
	n->cfg.spd = n->kc.spd;
	n->cfg.sad = n->kc.sad;
	n->cfg.pad = n->kc.pad;
	n->kc.spd = NULL;
	n->kc.sad = NULL;
	n->kc.pad = NULL;
}

void scenario_free(struct scenario *sc)
{
	for (size_t i = 0; i < sc->n_nodes; i++)
		keyconf_free(&sc->nodes[i].kc);   /* tables not handed over, and the keys */
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
