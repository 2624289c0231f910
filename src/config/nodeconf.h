/*
 * nodeconf — one node of a configuration file (libconfig syntax) turned
 * into a struct node_cfg: its interfaces, routes, forwarding, Mobile IPv6
 * roles (mn, ha, cn) and IPsec group (through keyconf).
 *
 *   { name = "ha";
 *     interfaces = ( { link = "home"; addr = "2001:db8:1::1/64"; advertise = true; } );
 *     routes = ( { prefix = "::/0"; iface = 0; via = "2001:db8:1::2"; } );
 *     forwarding = true;
 *     ha = { max_lifetime = 3600; };
 *     ipsec = { node = { model = "normalise"; }; spd = (...); sa = (...); }; }
 *
 * Every driver reads a node with this one loader: the simulator for each
 * entry of a scenario's `nodes` list, a daemon for the node it runs. The
 * format is documented in mip6sec(1) (section SIMULATION, Nodes) and
 * mip6sec.conf(5) (the ipsec group).
 *
 * Contract: nodeconf_load() either fills a complete node or fails with
 * M6_E_CONFIG and "FILE:LINE: reason" (unknown keys, wrong types, bad
 * addresses, values out of range, a link the driver does not know). The
 * IPsec tables stay owned by the nodeconf until nodeconf_take_ipsec() moves
 * them into cfg; nodeconf_free() releases what was not moved and wipes the
 * SA keys kept for key files. A nodeconf is freed even when loading failed.
 */
#ifndef MIP6SEC_M6_NODECONF_H
#define MIP6SEC_M6_NODECONF_H

#include <stdbool.h>
#include <stdint.h>

#include "confread.h"
#include "keyconf.h"
#include "ike/ike_km.h"
#include "node/node.h"

#define NODECONF_NAME_MAX 32

struct nodeconf_opts {
	/* The driver's id (>= 0) of the link an interface's `link` names, or
	 * -1 when there is no such link (an error at the key's line). */
	int (*find_link)(void *arg, const char *name);
	void *arg;
	unsigned index;               /* the node's position: a home agent's proxy-ND MAC is unique by it */
	unsigned keyconf_flags;       /* for the ipsec group: KEYCONF_* */
};

struct nodeconf {
	char name[NODECONF_NAME_MAX];
	struct node_cfg cfg;              /* cfg.name points at name; IPsec tables in kc */
	int init_link[NODE_IF_MAX];       /* link attached at the start (find_link's id), -1 none */
	bool has_ipsec;
	struct keyconf kc;
	struct ike_km_cfg *ike;           /* the ipsec group's ike group (IKE keying), or NULL */
	uint8_t addr[16];                 /* the address traffic uses: home address, else the first static one */
	bool has_addr;
	unsigned line;
};

/* g is the node's group; n must be zeroed. */
int nodeconf_load(struct conf_ctx *c, const config_setting_t *g, const struct nodeconf_opts *o, struct nodeconf *n);
/* A file holding one node, `node = { ... };` in the format above (what a
 * driver of a single node reads, e.g. a daemon's -c FILE); on failure n is
 * freed. */
int nodeconf_load_file(const char *path, const struct nodeconf_opts *o, struct nodeconf *n, char *err, size_t errlen);
/* Move the IPsec tables into cfg (spd/sad/pad); the keys stay. */
void nodeconf_take_ipsec(struct nodeconf *n);
void nodeconf_free(struct nodeconf *n);

#endif
