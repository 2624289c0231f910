/*
 * Reload (SIGHUP, `mip6sec reload`): read the configuration file again
 * and apply it, keeping what did not change.
 *
 *  - A file that does not load changes nothing (the reason is returned).
 *  - The network interfaces cannot change under a running daemon (their
 *    sockets, the kernel's IPv6 switch): refused, restart instead. The
 *    control socket, TUN and user settings take effect at the next start.
 *  - The log level and the de-registration timeout apply at once.
 *  - Same node (interfaces, routes, roles), same policies and PAD and the
 *    same `ike` group:
 *    the node keeps running with its bindings; only SAs that changed
 *    (keys, endpoints, lifetimes...) are replaced, SAs that went are
 *    deleted, new ones installed; the IKE key manager keeps its IKE SAs
 *    and the Child SAs it installed. Unchanged SAs keep their counters.
 *  - Anything else restarts the node with the new configuration: its
 *    bindings start again (a mobile node registers anew; a home agent
 *    with a state file asks its mobile nodes to register again, as after
 *    a restart of the daemon).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlog.h"
#include "m6d.h"
#include "m6d_state.h"

static void strip(struct node_cfg *c)
{
	c->name = NULL;
	c->spd = NULL;
	c->sad = NULL;
	c->pad = NULL;
	memset(&c->bits, 0, sizeof(c->bits));
	c->entropy = NULL;
	c->entropy_ctx = NULL;
	c->no_echo_reply = false;
}

/* Interfaces, routes, forwarding and roles: all but the IPsec tables. */
static bool same_node_cfg(const struct node_cfg *a, const struct node_cfg *b)
{
	struct node_cfg x, y;
	if (strcmp(a->name ? a->name : "", b->name ? b->name : ""))
		return false;
	/* memcpy keeps the padding (zero in both: nodeconf starts zeroed) */
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	strip(&x);
	strip(&y);
	return !memcmp(&x, &y, sizeof(x));
}

static bool same_spd_entry(const struct spd_entry *a, const struct spd_entry *b)
{
	static const struct spd_tunnel none;
	struct spd_entry x = *a, y = *b;
	x.id = y.id = 0;
	x.hits = y.hits = 0;
	/* each SPD keeps its own copy of the name and tunnel endpoints */
	x.name = y.name = NULL;
	x.protect.tunnel = y.protect.tunnel = NULL;
	const struct spd_tunnel *ta = a->protect.tunnel ? a->protect.tunnel : &none;
	const struct spd_tunnel *tb = b->protect.tunnel ? b->protect.tunnel : &none;
	return !strcmp(a->name, b->name) && !memcmp(ta, tb, sizeof(*ta)) && !memcmp(&x, &y, sizeof(x));
}

static bool same_policies(const struct bits *live, const struct keyconf *kc)
{
	if (live->cfg.model != kc->bits.model || live->cfg.normalise_forwarded != kc->bits.normalise_forwarded)
		return false;
	for (int dir = 0; dir < 2; dir++) {
		size_t n = spd_count_dir(live->spd, (enum spd_dir)dir);
		if (n != spd_count_dir(kc->spd, (enum spd_dir)dir))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!same_spd_entry(spd_at(live->spd, (enum spd_dir)dir, i), spd_at(kc->spd, (enum spd_dir)dir, i)))
				return false;
	}
	size_t n = pad_count(live->pad);
	if (n != pad_count(kc->pad))
		return false;
	for (size_t i = 0; i < n; i++) {
		struct pad_entry x = *pad_at(live->pad, i), y = *pad_at(kc->pad, i);
		x.id = y.id = 0;
		if (memcmp(&x, &y, sizeof(x)))
			return false;
	}
	return true;
}

/* The running node's id for the policy at the same place as new_id. */
static uint32_t map_spd_id(const struct bits *live, const struct spd *fresh, uint32_t new_id)
{
	for (int dir = 0; dir < 2; dir++)
		for (size_t i = 0; i < spd_count_dir(fresh, (enum spd_dir)dir); i++)
			if (spd_at(fresh, (enum spd_dir)dir, i)->id == new_id)
				return spd_at(live->spd, (enum spd_dir)dir, i)->id;
	return 0;
}

static uint32_t map_pad_id(const struct bits *live, const struct pad *fresh, uint32_t new_id)
{
	for (size_t i = 0; i < pad_count(fresh); i++)
		if (pad_at(fresh, i)->id == new_id)
			return pad_at(live->pad, i)->id;
	return 0;
}

static const struct keyconf_key *key_of(const struct keyconf *kc, uint32_t spi)
{
	for (size_t i = 0; i < kc->n_keys; i++)
		if (kc->keys[i].spi == spi)
			return &kc->keys[i];
	return NULL;
}

/* Same SA: everything configured (the transform's keys come from the
 * key lists, the SA's own xf is OpenSSL state). */
static bool same_sa(const struct ipsec_sa *a, const struct keyconf_key *ka, const struct ipsec_sa *b,
		    const struct keyconf_key *kb)
{
	if (!ka || !kb || memcmp(&ka->x, &kb->x, sizeof(ka->x)) || memcmp(ka->src, kb->src, 16) ||
	    memcmp(ka->dst, kb->dst, 16))
		return false;
	return a->mode == b->mode && a->model == b->model && a->esn == b->esn && a->manual == b->manual &&
	       a->replay_on == b->replay_on && !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16) &&
	       a->encap_sport == b->encap_sport && a->encap_dport == b->encap_dport &&
	       !memcmp(&a->ts, &b->ts, sizeof(a->ts)) && !memcmp(sa_life(a), sa_life(b), sizeof(struct sa_lifetime));
}

static void sa_diff(struct m6d *d, struct dconf *n, char *summary, size_t cap)
{
	struct bits *live = node_bits(d->node);
	struct keyconf *kc = &n->nc.kc;
	unsigned kept = 0, replaced = 0, added = 0, removed = 0, failed = 0;
	/* what went */
	for (size_t i = 0; i < sad_capacity(live->sad); i++) {
		struct ipsec_sa *sa = sad_slot(live->sad, i);
		/* the key manager's SAs (IKE) are not the file's to remove */
		if (sa && sa->manual && !sad_find(kc->sad, sa->spi, sa->proto, sa->inbound)) {
			node_sa_delete(d->node, sa->spi, sa->proto, sa->inbound);
			removed++;
		}
	}
	for (size_t i = 0; i < sad_capacity(kc->sad); i++) {
		struct ipsec_sa *fresh = sad_slot(kc->sad, i);
		if (!fresh)
			continue;
		struct ipsec_sa want = *fresh;
		want.spd_id = map_spd_id(live, kc->spd, fresh->spd_id);
		want.pad_id = fresh->pad_id ? map_pad_id(live, kc->pad, fresh->pad_id) : 0;
		struct ipsec_sa *old = sad_find(live->sad, fresh->spi, fresh->proto, fresh->inbound);
		if (old && old->spd_id == want.spd_id && old->pad_id == want.pad_id &&
		    same_sa(old, key_of(&d->conf.nc.kc, old->spi), &want, key_of(kc, fresh->spi))) {
			kept++;
			continue;
		}
		if (old) {
			node_sa_delete(d->node, old->spi, old->proto, old->inbound);
			replaced++;
		} else {
			added++;
		}
		/* the node takes the transform: the fresh table must not free it */
		memset(&fresh->xf, 0, sizeof(fresh->xf));
		if (node_sa_add(d->node, &want)) {
			failed++;
			dlog(DLOG_ERR, "reload: SA 0x%08x could not be installed", want.spi);
		}
	}
	/* `keys` exports what the node now has: the key lists change hands
	 * (the old one is wiped with the fresh configuration) */
	struct keyconf_key *keys = d->conf.nc.kc.keys;
	size_t n_keys = d->conf.nc.kc.n_keys, keys_cap = d->conf.nc.kc.keys_cap;
	d->conf.nc.kc.keys = kc->keys;
	d->conf.nc.kc.n_keys = kc->n_keys;
	d->conf.nc.kc.keys_cap = kc->keys_cap;
	kc->keys = keys;
	kc->n_keys = n_keys;
	kc->keys_cap = keys_cap;
	snprintf(summary, cap, "reloaded: node kept with its bindings; SAs: %u kept, %u replaced, %u added, %u removed%s",
		 kept, replaced, added, removed, failed ? " (some failed: see the log)" : "");
}

/* The `ike` group: the key manager is kept only when it did not change. */
static bool same_ike(const struct ike_km_cfg *a, const struct ike_km_cfg *b)
{
	if (!a || !b)
		return !a && !b;
	/* the credentials by content: each load makes new objects */
	struct ike_km_cfg x = *a, y = *b;
	x.cred = y.cred = NULL;
	bool same = !memcmp(&x, &y, sizeof(x)) && ike_cred_same(a->cred, b->cred);
	m6_wipe(&x, sizeof(x));
	m6_wipe(&y, sizeof(y));
	return same;
}

static bool same_links(const struct dconf *a, const struct dconf *b)
{
	if (a->nc.cfg.n_ifaces != b->nc.cfg.n_ifaces)
		return false;
	for (unsigned i = 0; i < a->nc.cfg.n_ifaces; i++)
		if (strcmp(dconf_ifname(a, i), dconf_ifname(b, i)))
			return false;
	return true;
}

int m6d_reload(struct m6d *d, char *err, size_t errlen)
{
	struct dconf *n = malloc(sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return M6_E_NOMEM;
	}
	if (dconf_load(d->conf.path, n, err, errlen)) {
		d->c.reload_failures++;
		free(n);
		return M6_E_CONFIG;
	}
	if (!same_links(&d->conf, n)) {
		snprintf(err, errlen, "the node's network interfaces changed: restart mip6secd to use them");
		dconf_free(n);
		free(n);
		d->c.reload_failures++;
		return M6_E_CONFIG;
	}
	bool later = strcmp(n->control, d->conf.control) || n->has_tun != d->conf.has_tun ||
		     memcmp(&n->tun, &d->conf.tun, sizeof(n->tun)) || n->has_user != d->conf.has_user ||
		     strcmp(n->user, d->conf.user) || n->has_group != d->conf.has_group ||
		     strcmp(n->control_group, d->conf.control_group);
	dlog_set_level(n->log_level);
	d->conf.log_level = n->log_level;
	d->conf.deregister_timeout_ns = n->deregister_timeout_ns;
	struct bits *live = node_bits(d->node);
	bool keep = same_node_cfg(&d->conf.nc.cfg, &n->nc.cfg) && n->nc.has_ipsec == d->conf.nc.has_ipsec &&
		    same_ike(d->conf.nc.ike, n->nc.ike) && (!live || same_policies(live, &n->nc.kc));
	char summary[256];
	if (keep && live) {
		sa_diff(d, n, summary, sizeof(summary));
	} else if (keep) {
		snprintf(summary, sizeof(summary), "reloaded: nothing the node uses changed");
	} else {
		/* a different node: the old one goes, bindings and all */
		dlog(DLOG_WARN, "reload: interfaces, routes, roles or policies changed: restarting the node");
		m6d_node_stop(d);
		struct dconf old = d->conf;
		d->conf = *n;
		/* the node's name points into its own nodeconf, now here */
		d->conf.nc.cfg.name = d->conf.nc.name;
		/* what takes effect only at the next start stays as it runs */
		snprintf(d->conf.control, sizeof(d->conf.control), "%s", old.control);
		d->conf.has_tun = old.has_tun;
		d->conf.tun = old.tun;
		dconf_free(&old);
		free(n);
		n = NULL;
		d->c.node_restarts++;
		if (m6d_node_start(d, err, errlen)) {
			/* the file loaded but the node refused it: nothing to run */
			dlog(DLOG_ERR, "reload: the new node could not start: %s; stopping", err);
			d->state = M6D_DONE;
			d->c.reload_failures++;
			return M6_E_CONFIG;
		}
		/* a home agent's mobile nodes are asked to register again, as
		 * after a restart of the daemon (m6d_state.h) */
		m6d_state_restore(d, m6d_now());
		snprintf(summary, sizeof(summary), "reloaded: node restarted with the new configuration");
	}
	if (n) {
		dconf_free(n);
		free(n);
	}
	d->c.reloads++;
	snprintf(err, errlen, "%s%s", summary, later ? "; control, tun and user settings apply at the next start" : "");
	dlog(DLOG_NOTICE, "%s", err);
	m6d_pump(d, m6d_now());
	return 0;
}
