/* A node's configuration group (see nodeconf.h). */
#include <stdio.h>
#include <string.h>

#include "nodeconf.h"
#include <openssl/crypto.h>
#include <stdlib.h>
#include "ikeconf.h"
#include "pkt/ip6.h"
#include "util/m6_bytes.h"
#include "util/m6_err.h"

static int nc_iface(struct conf_ctx *c, const config_setting_t *g, const struct nodeconf_opts *o, struct nodeconf *n,
		    unsigned idx)
{
	static const char *const keys[] = { "link", "addr", "prefix", "advertise", "ra_interval", "valid_lifetime",
					    "mtu", NULL };
	struct node_iface_cfg *f = &n->cfg.ifaces[idx];
	const char *link = NULL, *addr = NULL;
	bool has_prefix = false;
	int rc = conf_known(c, g, "an interface", keys);
	if (!rc) rc = conf_str(c, g, "link", false, &link);
	if (!rc) rc = conf_str(c, g, "addr", false, &addr);
	if (!rc) rc = conf_prefix(c, g, "prefix", f->prefix, &f->plen, &has_prefix);
	if (!rc) rc = conf_bool(c, g, "advertise", &f->advertise);
	if (rc)
		return rc;
	n->init_link[idx] = -1;
	if (link && (!o->find_link || (n->init_link[idx] = o->find_link(o->arg, link)) < 0))
		return conf_fail(c, config_setting_get_member(g, "link"), "no link named \"%s\" (define it in links)", link);
	if (addr) {
		const config_setting_t *m = config_setting_get_member(g, "addr");
		if (strchr(addr, '/')) {
			unsigned plen;
			if ((rc = conf_prefix_str(c, m, "addr", addr, f->addr, &plen)))
				return rc;
			if (!has_prefix) {
				conf_prefix_of(f->prefix, f->addr, plen);
				f->plen = plen;
				has_prefix = true;
			}
		} else if (ip6_addr_parse(addr, f->addr)) {
			return conf_fail(c, m, "'addr' = \"%s\" is not an IPv6 address", addr);
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
		return conf_fail(c, g, "an interface with advertise = true needs a prefix (or addr = \"ADDRESS/LENGTH\")");
	if (f->advertise && f->plen != 64)
		return conf_fail(c, g, "advertised prefixes are /64 (stateless autoconfiguration, RFC 4862)");
	uint64_t ra = 0, valid = 0, mtu = 0;
	bool has_ra = false;
	if ((rc = conf_time(c, g, "ra_interval", false, &ra)))
		return rc;
	has_ra = config_setting_get_member(g, "ra_interval") != NULL;
	if (has_ra && (ra < 1000000 || ra > 1800ull * 1000000000))
		return conf_fail(c, config_setting_get_member(g, "ra_interval"), "'ra_interval' must be between 1ms and 1800s");
	f->ra_interval_ms = (uint32_t)(ra / 1000000);
	if ((rc = conf_time(c, g, "valid_lifetime", false, &valid)))
		return rc;
	if (valid / 1000000000 > UINT32_MAX)
		return conf_fail(c, g, "'valid_lifetime' is too long");
	f->prefix_valid_s = (uint32_t)(valid / 1000000000);
	if ((rc = conf_uint(c, g, "mtu", 1280, 65535, &mtu, NULL)))
		return rc;
	f->mtu = (uint16_t)mtu;
	return 0;
}

static int nc_route(struct conf_ctx *c, const config_setting_t *g, struct nodeconf *n, struct node_route *r)
{
	static const char *const keys[] = { "prefix", "iface", "via", NULL };
	bool has = false, has_if = false, has_via = false;
	uint64_t ifx = 0;
	int rc = conf_known(c, g, "a route", keys);
	if (!rc) rc = conf_prefix(c, g, "prefix", r->prefix, &r->plen, &has);
	if (!rc) rc = conf_uint(c, g, "iface", 0, NODE_IF_MAX - 1, &ifx, &has_if);
	if (!rc) rc = conf_addr(c, g, "via", false, r->nexthop, &has_via);
	if (rc)
		return rc;
	if (!has)
		return conf_fail(c, g, "a route needs prefix = \"ADDRESS/LENGTH\" (\"::/0\" for a default route)");
	if (ifx >= n->cfg.n_ifaces)
		return conf_fail(c, g, "route interface %llu: node \"%s\" has %u interface(s)", (unsigned long long)ifx,
			       n->name, n->cfg.n_ifaces);
	r->ifindex = (unsigned)ifx;
	r->has_nexthop = has_via;
	return 0;
}

static int nc_secs(struct conf_ctx *c, const config_setting_t *g, const char *key, uint32_t *out)
{
	uint64_t ns = (uint64_t)*out * 1000000000ull;
	int rc = conf_time(c, g, key, false, &ns);
	if (rc)
		return rc;
	if (ns / 1000000000ull > UINT32_MAX)
		return conf_fail(c, config_setting_get_member(g, key), "'%s' is too long", key);
	*out = (uint32_t)(ns / 1000000000ull);
	return 0;
}

static int nc_ms(struct conf_ctx *c, const config_setting_t *g, const char *key, uint32_t *out)
{
	uint64_t ns = (uint64_t)*out * 1000000ull;
	int rc = conf_time(c, g, key, false, &ns);
	if (rc)
		return rc;
	if (ns / 1000000ull > UINT32_MAX)
		return conf_fail(c, config_setting_get_member(g, key), "'%s' is too long", key);
	*out = (uint32_t)(ns / 1000000ull);
	return 0;
}

static int nc_role_mn(struct conf_ctx *c, const config_setting_t *g, struct nodeconf *n)
{
	static const char *const keys[] = { "hoa", "home_prefix", "ha", "iid", "lifetime", "first_reg_timeout",
					    "k_capable", "route_optimisation", "cn", NULL };
	struct mn_cfg *m = &n->cfg.mn;
	bool has_pfx = false, has_iid = false, has_hoa = false;
	uint8_t iid[16];
	int rc = conf_known(c, g, "the mn role", keys);
	/* no ha: dynamic home agent address discovery; no hoa: home_prefix + iid */
	if (!rc) rc = conf_addr(c, g, "hoa", false, m->hoa, &has_hoa);
	if (!rc) rc = conf_addr(c, g, "ha", false, m->ha, NULL);
	if (!rc) rc = conf_prefix(c, g, "home_prefix", m->home_prefix, &m->home_plen, &has_pfx);
	if (!rc) rc = conf_addr(c, g, "iid", false, iid, &has_iid);
	m->lifetime_s = 3600;
	if (!rc) rc = nc_secs(c, g, "lifetime", &m->lifetime_s);
	if (!rc) rc = nc_ms(c, g, "first_reg_timeout", &m->first_reg_timeout_ms);
	if (!rc) rc = conf_bool(c, g, "k_capable", &m->k_capable);
	if (!rc) rc = conf_bool(c, g, "route_optimisation", &m->route_optimisation);
	if (rc)
		return rc;
	if (!has_hoa && (!has_pfx || !has_iid || m->home_plen != 64))
		return conf_fail(c, g, "the mn role needs hoa = \"...\", or home_prefix = \"P/64\" and iid = \"::X\"");
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
			return conf_fail(c, cn, "'cn' must be a list of addresses: cn = [ \"2001:db8:4::1\" ];");
		if (config_setting_length(cn) > MN_CN_MAX)
			return conf_fail(c, cn, "at most %d correspondents", MN_CN_MAX);
		for (int i = 0; i < config_setting_length(cn); i++) {
			const char *s = config_setting_get_string_elem(cn, (unsigned)i);
			if (!s || ip6_addr_parse(s, m->cn[i]))
				return conf_fail(c, cn, "cn entry %d is not an IPv6 address in quotes", i);
		}
		m->n_cn = (unsigned)config_setting_length(cn);
	}
	memcpy(n->addr, m->hoa, 16);
	n->has_addr = true;
	n->cfg.is_mn = true;
	return 0;
}

static const struct node_iface_cfg *first_static(const struct nodeconf *n)
{
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if (n->cfg.ifaces[i].has_addr)
			return &n->cfg.ifaces[i];
	return NULL;
}

static int nc_role_ha(struct conf_ctx *c, const config_setting_t *g, struct nodeconf *n, unsigned index)
{
	static const char *const keys[] = { "addr", "prefix", "prefix_valid", "max_lifetime", "persistent_bc",
					    "bra_interval", "k_capable", "dad_timeout", "max_bindings", "preference",
					    "ha_lifetime", "prefix_advertisements", "mpa_min_interval",
					    "mpa_max_interval", NULL };
	struct ha_cfg *h = &n->cfg.ha;
	const struct node_iface_cfg *f = first_static(n);
	bool has_addr = false, has_pfx = false;
	uint64_t maxb = 1024;
	int rc = conf_known(c, g, "the ha role", keys);
	if (!rc) rc = conf_addr(c, g, "addr", false, h->addr, &has_addr);
	if (!rc) rc = conf_prefix(c, g, "prefix", h->prefix, &h->plen, &has_pfx);
	if (!rc) rc = nc_secs(c, g, "prefix_valid", &h->prefix_valid_s);
	if (!rc) rc = nc_secs(c, g, "max_lifetime", &h->max_lifetime_s);
	if (!rc) rc = conf_bool(c, g, "persistent_bc", &h->persistent_bc);
	if (!rc) rc = nc_secs(c, g, "bra_interval", &h->bra_interval_s);
	if (!rc) rc = conf_bool(c, g, "k_capable", &h->k_capable);
	h->dad_timeout_ms = 1000;
	if (!rc) rc = nc_ms(c, g, "dad_timeout", &h->dad_timeout_ms);
	if (!rc) rc = conf_uint(c, g, "max_bindings", 1, 10000000, &maxb, NULL);
	/* RFC 6275 7.4, 13: discovery settings */
	uint64_t pref = 0, ha_life = 0;
	bool mpa = true;
	if (!rc) rc = conf_uint(c, g, "preference", 0, 65535, &pref, NULL);
	if (!rc) rc = conf_uint(c, g, "ha_lifetime", 0, 65535, &ha_life, NULL);
	if (!rc) rc = conf_bool(c, g, "prefix_advertisements", &mpa);
	if (!rc) rc = nc_secs(c, g, "mpa_min_interval", &h->mpa_min_interval_s);
	if (!rc) rc = nc_secs(c, g, "mpa_max_interval", &h->mpa_max_interval_s);
	if (rc)
		return rc;
	h->preference = (uint16_t)pref;
	h->ha_lifetime_s = (uint16_t)ha_life;
	h->mpd_disabled = !mpa;
	if (!has_addr && !f)
		return conf_fail(c, g, "the ha role needs addr = \"...\" or an interface with a static addr");
	if (!has_addr)
		memcpy(h->addr, f->addr, 16);
	if (!has_pfx && !f)
		return conf_fail(c, g, "the ha role needs prefix = \"ADDRESS/LENGTH\" (the home prefix)");
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

static int nc_role_cn(struct conf_ctx *c, const config_setting_t *g, struct nodeconf *n)
{
	static const char *const keys[] = { "addr", "nonce_interval", "nonces_kept", "max_bindings", NULL };
	struct cn_cfg *k = &n->cfg.cn;
	const struct node_iface_cfg *f = first_static(n);
	bool has_addr = false;
	uint64_t kept = 0, maxb = 1024;
	int rc = conf_known(c, g, "the cn role", keys);
	if (!rc) rc = conf_addr(c, g, "addr", false, k->addr, &has_addr);
	if (!rc) rc = nc_secs(c, g, "nonce_interval", &k->nonce_interval_s);
	if (!rc) rc = conf_uint(c, g, "nonces_kept", 1, 1024, &kept, NULL);
	if (!rc) rc = conf_uint(c, g, "max_bindings", 1, 10000000, &maxb, NULL);
	if (rc)
		return rc;
	if (!has_addr && !f)
		return conf_fail(c, g, "the cn role needs addr = \"...\" or an interface with a static addr");
	if (!has_addr)
		memcpy(k->addr, f->addr, 16);
	k->nonces_kept = (unsigned)kept;
	k->max_bindings = (size_t)maxb;
	n->cfg.is_cn = true;
	return 0;
}

/* IKE keys the node's BU/BA SAs (ikeconf.h); the mobile node initiates
 * towards its home agent, for its home address. */
static int nc_ike(struct conf_ctx *c, const config_setting_t *g, struct nodeconf *n)
{
	if (!g)
		return 0;
	if (!(n->ike = calloc(1, sizeof(*n->ike))))
		return conf_fail(c, g, "out of memory");
	int rc = ikeconf_load(c, g, n->cfg.is_mn, n->ike);
	if (rc)
		return rc;
	if (n->cfg.is_mn) {
		static const uint8_t unspec[16];
		/* IKE is started towards a known peer: not one discovery may change */
		if (!memcmp(n->cfg.mn.ha, unspec, 16))
			return conf_fail(c, g, "IKE keying needs the mn role's ha = \"...\" (no home agent discovery)");
		memcpy(n->ike->peer, n->cfg.mn.ha, 16);
		memcpy(n->ike->home, n->cfg.mn.hoa, 16);
	}
	return 0;
}

int nodeconf_load(struct conf_ctx *c, const config_setting_t *g, const struct nodeconf_opts *o, struct nodeconf *n)
{
	static const char *const keys[] = { "name", "interfaces", "routes", "forwarding", "mn", "ha", "cn", "ipsec",
					    NULL };
	const config_setting_t *l;
	int rc = conf_known(c, g, "a node", keys);
	if (!rc) rc = conf_name(c, g, "node", n->name, sizeof(n->name));
	if (rc)
		return rc;
	n->line = config_setting_source_line(g);
	n->cfg.name = n->name;
	for (unsigned i = 0; i < NODE_IF_MAX; i++)
		n->init_link[i] = -1;
	if ((rc = conf_list(c, g, "interfaces", &l)))
		return rc;
	if (!l || !config_setting_length(l))
		return conf_fail(c, g, "node \"%s\" needs interfaces = ( { link = \"...\"; } );", n->name);
	if (config_setting_length(l) > NODE_IF_MAX)
		return conf_fail(c, l, "node \"%s\": at most %d interfaces", n->name, NODE_IF_MAX);
	n->cfg.n_ifaces = (unsigned)config_setting_length(l);
	for (unsigned i = 0; i < n->cfg.n_ifaces; i++)
		if ((rc = nc_iface(c, config_setting_get_elem(l, i), o, n, i)))
			return rc;
	if ((rc = conf_list(c, g, "routes", &l)))
		return rc;
	if (l && config_setting_length(l) > NODE_ROUTE_MAX)
		return conf_fail(c, l, "node \"%s\": at most %d routes", n->name, NODE_ROUTE_MAX);
	for (int i = 0; l && i < config_setting_length(l); i++)
		if ((rc = nc_route(c, config_setting_get_elem(l, (unsigned)i), n, &n->cfg.routes[n->cfg.n_routes++])))
			return rc;
	if ((rc = conf_bool(c, g, "forwarding", &n->cfg.forwarding)))
		return rc;
	const char *roles[] = { "mn", "ha", "cn" };
	for (int r = 0; r < 3; r++) {
		const config_setting_t *rg = config_setting_get_member(g, roles[r]);
		if (!rg)
			continue;
		if (!config_setting_is_group(rg))
			return conf_fail(c, rg, "'%s' must be a group: %s = { ... };", roles[r], roles[r]);
		rc = r == 0 ? nc_role_mn(c, rg, n) : r == 1 ? nc_role_ha(c, rg, n, o->index) : nc_role_cn(c, rg, n);
		if (rc)
			return rc;
	}
	if (n->cfg.is_mn && (n->cfg.is_ha || n->cfg.is_cn))
		return conf_fail(c, g, "node \"%s\": a mobile node cannot also be a home agent or correspondent", n->name);
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
		if (!config_setting_is_group(ip))
			return conf_fail(c, ip, "'ipsec' must be a group: ipsec = { node = ...; spd = (...); sa = (...); };");
		if (keyconf_load_setting(ip, c->file, o->keyconf_flags, &n->kc, c->err, c->errlen)) {
			size_t used = strlen(c->err);
			snprintf(c->err + used, c->errlen - used, " (node \"%s\" ipsec)", n->name);
			return M6_E_CONFIG;
		}
		n->has_ipsec = true;
		if ((rc = nc_ike(c, config_setting_get_member(ip, "ike"), n)))
			return rc;
	}
	return 0;
}

int nodeconf_load_file(const char *path, const struct nodeconf_opts *o, struct nodeconf *n, char *err, size_t errlen)
{
	static const char *const keys[] = { "node", NULL };
	struct conf_file f;
	struct conf_ctx c = { path, err, errlen };
	memset(n, 0, sizeof(*n));
	if (conf_file_read(&f, path, NULL, err, errlen))
		return M6_E_CONFIG;
	const config_setting_t *root = config_root_setting(&f.cf), *g = config_setting_get_member(root, "node");
	int rc = conf_known(&c, root, "a node file", keys);
	if (!rc && !g)
		rc = conf_fail(&c, NULL, "missing 'node' (node = { name = \"...\"; interfaces = (...); ... };)");
	if (!rc && !config_setting_is_group(g))
		rc = conf_fail(&c, g, "'node' must be a group: node = { ... };");
	if (!rc)
		rc = nodeconf_load(&c, g, o, n);
	conf_file_free(&f);
	if (rc)
		nodeconf_free(n);
	return rc;
}

void nodeconf_take_ipsec(struct nodeconf *n)
{
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

void nodeconf_free(struct nodeconf *n)
{
	keyconf_free(&n->kc);   /* tables not handed over, and the keys */
	if (n->ike) {
		ike_cred_free(n->ike->cred);
		OPENSSL_cleanse(n->ike, sizeof(*n->ike));
		free(n->ike);
		n->ike = NULL;
	}
}
