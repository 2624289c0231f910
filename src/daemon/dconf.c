/* mip6secd's configuration file (see dconf.h). */
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "dconf.h"
#include "pkt/ip6.h"
#include "util/m6_err.h"

/* nodeconf asks for the id of each `link`: here it is a network interface
 * name, remembered in order; whether it exists is checked afterwards, so
 * the message can say so instead of speaking of a scenario's links. */
static int find_link(void *arg, const char *name)
{
	struct dconf *d = arg;
	if (strlen(name) >= IF_NAMESIZE || !name[0])
		return -1;
	for (unsigned i = 0; i < d->n_links; i++)
		if (!strcmp(d->links[i], name))
			return (int)i;
	if (d->n_links == NODE_IF_MAX)
		return -1;
	snprintf(d->links[d->n_links], IF_NAMESIZE, "%s", name);
	return (int)d->n_links++;
}

const char *dconf_ifname(const struct dconf *d, unsigned i)
{
	int l = i < NODE_IF_MAX ? d->nc.init_link[i] : -1;
	return l >= 0 && (unsigned)l < d->n_links ? d->links[l] : "?";
}

static int load_daemon(struct conf_ctx *c, const config_setting_t *g, struct dconf *d)
{
	static const char *const keys[] = { "log_level", "control", "control_group", "tun", "tun_mtu", "tun_routes",
					    "tun_offload", "user", "pidfile", "deregister_timeout", "state_file", NULL };
	const char *level = NULL, *control = NULL, *group = NULL, *tun = NULL, *user = NULL, *pidfile = NULL;
	const char *state = NULL;
	uint64_t mtu = d->tun.mtu;
	int rc = conf_known(c, g, "the daemon group", keys);
	if (!rc) rc = conf_str(c, g, "log_level", false, &level);
	if (!rc) rc = conf_str(c, g, "control", false, &control);
	if (!rc) rc = conf_str(c, g, "control_group", false, &group);
	if (!rc) rc = conf_str(c, g, "tun", false, &tun);
	if (!rc) rc = conf_uint(c, g, "tun_mtu", 1280, NODE_APP_MAX, &mtu, NULL);
	if (!rc) rc = conf_bool(c, g, "tun_offload", &d->tun.offload);
	if (!rc) rc = conf_str(c, g, "user", false, &user);
	if (!rc) rc = conf_str(c, g, "pidfile", false, &pidfile);
	if (!rc) rc = conf_str(c, g, "state_file", false, &state);
	if (!rc) rc = conf_time(c, g, "deregister_timeout", false, &d->deregister_timeout_ns);
	if (rc)
		return rc;
	d->tun.mtu = (unsigned)mtu;
	if (level && dlog_parse_level(level, &d->log_level))
		return conf_fail(c, config_setting_get_member(g, "log_level"),
				 "'log_level' = \"%s\": use error, warning, notice, info or debug", level);
	if (control) {
		if (!control[0] || strlen(control) >= sizeof(d->control) - 1 || (control[0] != '@' && control[0] != '/'))
			return conf_fail(c, config_setting_get_member(g, "control"),
					 "'control' must be \"@NAME\" (abstract socket) or an absolute path, under %zu octets",
					 sizeof(d->control) - 1);
		snprintf(d->control, sizeof(d->control), "%s", control);
	}
	if (group) {
		struct group *gr = getgrnam(group);
		if (!gr)
			return conf_fail(c, config_setting_get_member(g, "control_group"), "no group named \"%s\"", group);
		d->has_group = true;
		d->control_gid = gr->gr_gid;
		snprintf(d->control_group, sizeof(d->control_group), "%s", group);
	}
	if (user) {
		struct passwd *pw = getpwnam(user);
		if (!pw)
			return conf_fail(c, config_setting_get_member(g, "user"), "no user named \"%s\"", user);
		d->has_user = true;
		d->uid = pw->pw_uid;
		d->gid = pw->pw_gid;
		snprintf(d->user, sizeof(d->user), "%s", user);
	}
	if (pidfile)
		snprintf(d->pidfile, sizeof(d->pidfile), "%s", pidfile);
	if (state && state[0] && state[0] != '/')
		return conf_fail(c, config_setting_get_member(g, "state_file"), "'state_file' must be an absolute path");
	if (state)
		snprintf(d->state_file, sizeof(d->state_file), "%s", state);
	if (tun) {
		if (strlen(tun) >= IF_NAMESIZE)
			return conf_fail(c, config_setting_get_member(g, "tun"), "'tun' is longer than %d octets",
					 IF_NAMESIZE - 1);
		d->has_tun = tun[0] != 0;
		snprintf(d->tun.name, sizeof(d->tun.name), "%s", tun);
	}
	const config_setting_t *r = config_setting_get_member(g, "tun_routes");
	if (r) {
		if (!config_setting_is_array(r) && !config_setting_is_list(r))
			return conf_fail(c, r, "'tun_routes' must be a list of prefixes: [ \"::/0\" ]");
		if (config_setting_length(r) > TUN_ROUTES_MAX)
			return conf_fail(c, r, "at most %d routes", TUN_ROUTES_MAX);
		d->tun.n_routes = 0;
		for (int i = 0; i < config_setting_length(r); i++) {
			const config_setting_t *e = config_setting_get_elem(r, (unsigned)i);
			const char *s = config_setting_get_string(e);
			uint8_t a[16];
			struct tun_route *t = &d->tun.routes[d->tun.n_routes];
			if (!s)
				return conf_fail(c, r, "tun_routes entry %d is not a string", i);
			if ((rc = conf_prefix_str(c, e, "tun_routes", s, a, &t->plen)))
				return rc;
			conf_prefix_of(t->prefix, a, t->plen);
			d->tun.n_routes++;
		}
	}
	return 0;
}

static int check_links(struct conf_ctx *c, const config_setting_t *node, struct dconf *d)
{
	const config_setting_t *l = config_setting_get_member(node, "interfaces");
	for (unsigned i = 0; i < d->nc.cfg.n_ifaces; i++) {
		const config_setting_t *e = l ? config_setting_get_elem(l, i) : NULL;
		const config_setting_t *m = e ? config_setting_get_member(e, "link") : NULL;
		if (d->nc.init_link[i] < 0)
			return conf_fail(c, e ? e : node, "interface %u needs link = \"IFNAME\" (a network interface)", i);
		for (unsigned j = 0; j < i; j++)
			if (d->nc.init_link[j] == d->nc.init_link[i])
				return conf_fail(c, m, "network interface \"%s\" is named twice", dconf_ifname(d, i));
		if (!if_nametoindex(dconf_ifname(d, i)))
			return conf_fail(c, m, "no network interface named \"%s\"", dconf_ifname(d, i));
	}
	return 0;
}

static int load_root(struct conf_ctx *c, const config_setting_t *root, struct dconf *d)
{
	static const char *const keys[] = { "daemon", "node", NULL };
	int rc = conf_known(c, root, "the file (it holds daemon and node)", keys);
	if (rc)
		return rc;
	const config_setting_t *dg = config_setting_get_member(root, "daemon");
	const config_setting_t *ng = config_setting_get_member(root, "node");
	if (dg && !config_setting_is_group(dg))
		return conf_fail(c, dg, "'daemon' must be a group: daemon = { ... };");
	if (!ng || !config_setting_is_group(ng))
		return conf_fail(c, ng, "the file needs node = { name = \"...\"; interfaces = ( ... ); ... };");
	bool routes_given = dg && config_setting_get_member(dg, "tun_routes");
	if (dg && (rc = load_daemon(c, dg, d)))
		return rc;
	/* the keys stay beside the tables: `mip6sec keys` exports them */
	struct nodeconf_opts o = { .find_link = find_link, .arg = d, .index = 0, .keyconf_flags = KEYCONF_KEEP_KEYS };
	if ((rc = nodeconf_load(c, ng, &o, &d->nc)))
		return rc;
	if ((rc = check_links(c, ng, d)))
		return rc;
	if (d->nc.cfg.n_routes == 0 && d->nc.cfg.forwarding)
		return conf_fail(c, ng, "a forwarding node needs routes (e.g. { prefix = \"::/0\"; iface = 0; via = \"...\"; })");
	/* the host speaks as the node (a mobile node's applications through
	 * its home address): by default the whole address space goes to the
	 * TUN, so answers to what arrives there find their way back */
	if (!routes_given) {
		d->tun.n_routes = 1;
		memset(&d->tun.routes[0], 0, sizeof(d->tun.routes[0]));
	}
	if (d->has_tun && !d->nc.has_addr)
		return conf_fail(c, ng, "the host side (tun) needs an address: a static addr, or the mn role's hoa");
	memcpy(d->tun.addr, d->nc.addr, 16);
	return 0;
}

int dconf_load(const char *path, struct dconf *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->log_level = DLOG_NOTICE;
	snprintf(d->control, sizeof(d->control), "%s", DCONF_CONTROL_DEFAULT);
	d->has_tun = true;
	snprintf(d->tun.name, sizeof(d->tun.name), "mip6tun0");
	d->tun.mtu = 1400;
	d->tun.offload = true;
	d->deregister_timeout_ns = 2000000000ull;
	for (unsigned i = 0; i < NODE_IF_MAX; i++)
		d->nc.init_link[i] = -1;
	struct conf_file f;
	if (conf_file_read(&f, path, NULL, err, errlen))
		return M6_E_CONFIG;
	struct conf_ctx c = { path, err, errlen };
	int rc = load_root(&c, config_root_setting(&f.cf), d);
	conf_file_free(&f);
	if (rc)
		dconf_free(d);
	return rc;
}

void dconf_free(struct dconf *d)
{
	nodeconf_free(&d->nc);
}
