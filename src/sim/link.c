#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "util/m6_err.h"

#define MS 1000000ull

int link_init(struct sim_link *l, const char *name, unsigned index, const struct sim_link_cfg *cfg, uint64_t seed)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->index = index;
	l->cfg = *cfg;
	sim_rng_seed(&l->rng, seed);
	return 0;
}

void link_fini(struct sim_link *l)
{
	free(l->ports);
	l->ports = NULL;
	l->n_ports = l->cap_ports = 0;
}

void link_set_cfg(struct sim_link *l, const struct sim_link_cfg *cfg)
{
	l->cfg = *cfg;
}

const char *link_cfg_check(const struct sim_link_cfg *c)
{
	/* written so that NaN fails too */
	if (!(c->loss >= 0 && c->loss <= 1))
		return "loss must be a probability between 0 and 1";
	if (!(c->dup >= 0 && c->dup <= 1))
		return "dup must be a probability between 0 and 1";
	if (!(c->reorder >= 0 && c->reorder <= 1))
		return "reorder must be a probability between 0 and 1";
	if (c->mtu && (c->mtu < 1280 || c->mtu > 65575))
		return "mtu must be between 1280 (the IPv6 minimum) and 65575";
	if (c->delay_ns > 3600ull * 1000 * MS || c->jitter_ns > 3600ull * 1000 * MS ||
	    c->reorder_ns > 3600ull * 1000 * MS)
		return "delays must be below one hour";
	return NULL;
}

int link_port_add(struct sim_link *l, unsigned host, unsigned ifindex, uint64_t now)
{
	if (l->n_ports == l->cap_ports) {
		size_t cap = l->cap_ports ? 2 * l->cap_ports : 4;
		struct sim_port *p = realloc(l->ports, cap * sizeof(*p));
		if (!p)
			return M6_E_NOMEM;
		l->ports = p;
		l->cap_ports = cap;
	}
	l->ports[l->n_ports++] = (struct sim_port){ host, ifindex, now };
	return 0;
}

int link_port_remove(struct sim_link *l, unsigned host, unsigned ifindex)
{
	for (size_t i = 0; i < l->n_ports; i++) {
		if (l->ports[i].host == host && l->ports[i].ifindex == ifindex) {
			/* keep the order of the others: it is the delivery order */
			memmove(&l->ports[i], &l->ports[i + 1], (l->n_ports - i - 1) * sizeof(l->ports[0]));
			l->n_ports--;
			return 0;
		}
	}
	return M6_E_NOTFOUND;
}

void link_plan(struct sim_link *l, size_t len, struct sim_link_plan *p)
{
	const struct sim_link_cfg *c = &l->cfg;
	memset(p, 0, sizeof(*p));
	if (len > link_mtu(l)) {
		p->too_big = true;
		l->st.mtu_drops++;
		return;
	}
	l->st.frames++;
	l->st.octets += len;
	/* Draws only happen for features in use, so a loss-free link with
	 * jitter stays comparable across seeds in everything but its timing. */
	if (c->loss > 0 && sim_rng_unit(&l->rng) < c->loss) {
		l->st.lost++;
		return;
	}
	uint64_t d = c->delay_ns;
	if (c->jitter_ns)
		d += sim_rng_upto(&l->rng, c->jitter_ns);
	if (c->reorder > 0 && sim_rng_unit(&l->rng) < c->reorder) {
		d += c->reorder_ns ? c->reorder_ns : c->delay_ns + c->jitter_ns + MS;
		l->st.reordered++;
	}
	p->delay_ns[p->n++] = d;
	if (c->dup > 0 && sim_rng_unit(&l->rng) < c->dup) {
		/* the copy trails the original by up to the jitter (at least 1 us) */
		p->delay_ns[p->n++] = d + 1000 + sim_rng_upto(&l->rng, c->jitter_ns);
		l->st.duplicated++;
	}
}
