/*
 * dconf — mip6secd's configuration file: a `node` group read by the same
 * loader as every simulated node (src/config/nodeconf, with its `ipsec`
 * group through keyconf), where an interface's `link` names a network
 * interface, and an optional `daemon` group for what only a daemon has:
 *
 *   daemon = {
 *     log_level = "notice";          # error warning notice info debug
 *     control = "@mip6secd";         # "@NAME": abstract socket (one per
 *                                    #   network namespace), else a path
 *     control_group = "mip6sec";     # may use the control socket besides root
 *     tun = "mip6tun0";              # host side; "" for none
 *     tun_mtu = 1400;
 *     tun_routes = [ "::/0" ];       # what the host reaches through the node
 *     tun_offload = true;            # TCP super-packets both ways (gso.h, gro.h)
 *     user = "mip6sec";              # drop to this user after setup
 *     pidfile = "/run/mip6secd.pid"; # background mode only
 *     deregister_timeout = "2s";     # SIGTERM: wait this long for the BA
 *     state_file = "/var/lib/mip6sec/bindings";   # a home agent's bindings,
 *                                    #   so its mobile nodes are asked to
 *                                    #   register again after a restart
 *   };
 *   node = { name = "mn"; interfaces = ( { link = "eth0"; } ); mn = {...}; ipsec = {...}; };
 *
 * Contract: dconf_load() fills a complete struct dconf or fails with
 * M6_E_CONFIG and "FILE:LINE: reason" in err (unknown keys, wrong types,
 * an interface that does not exist, a group or user that does not exist).
 * The node's IPsec tables stay in the nodeconf until the caller takes
 * them (nodeconf_take_ipsec); dconf_free() releases everything else and
 * wipes the keys.
 */
#ifndef MIP6SEC_M6D_DCONF_H
#define MIP6SEC_M6D_DCONF_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "dlog.h"
#include "nodeconf.h"
#include "tun.h"

#define DCONF_CONTROL_DEFAULT "@mip6secd"

struct dconf {
	char path[PATH_MAX];
	enum dlog_level log_level;
	char control[108];                   /* sun_path capacity */
	bool has_group;
	char control_group[64];
	gid_t control_gid;
	bool has_user;
	char user[64];
	uid_t uid;
	gid_t gid;
	char pidfile[PATH_MAX];
	char state_file[PATH_MAX];
	uint64_t deregister_timeout_ns;
	bool has_tun;
	struct tun_cfg tun;
	/* the node; interface i uses network interface links[nc.init_link[i]] */
	struct nodeconf nc;
	unsigned n_links;
	char links[NODE_IF_MAX][IF_NAMESIZE];
};

int dconf_load(const char *path, struct dconf *d, char *err, size_t errlen);
void dconf_free(struct dconf *d);
/* The network interface name of node interface i. */
const char *dconf_ifname(const struct dconf *d, unsigned i);

#endif
