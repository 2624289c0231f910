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
	free(l->ix);
	l->ix = NULL;
	l->ix_cap = l->ix_used = l->ix_live = 0;
	free(l->ports);
	free(l->rports);
	l->rports = NULL;
	l->n_rports = l->cap_rports = 0;
	l->ports = NULL;
	l->n_ports = l->cap_ports = l->n_gone = 0;
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

static int ports_add(struct sim_port **arr, size_t *n, size_t *cap, const struct sim_port *p)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 4;
		struct sim_port *q = realloc(*arr, c * sizeof(*q));
		if (!q)
			return M6_E_NOMEM;
		*arr = q;
		*cap = c;
	}
	(*arr)[(*n)++] = *p;
	return 0;
}

/* The routers' list is short: removed by search, the others kept in order. */
static void rports_remove(struct sim_link *l, unsigned host, unsigned ifindex)
{
	for (size_t i = 0; i < l->n_rports; i++) {
		if (l->rports[i].host == host && l->rports[i].ifindex == ifindex) {
			memmove(&l->rports[i], &l->rports[i + 1], (l->n_rports - i - 1) * sizeof(l->rports[0]));
			l->n_rports--;
			return;
		}
	}
}

int link_port_add(struct sim_link *l, unsigned host, unsigned ifindex, bool router, uint64_t now, uint32_t *slot)
{
	struct sim_port p = { host, ifindex, now };
	if (l->n_ports >= SIM_PORT_GONE)
		return M6_E_FULL;
	int rc = ports_add(&l->ports, &l->n_ports, &l->cap_ports, &p);
	if (!rc && router && (rc = ports_add(&l->rports, &l->n_rports, &l->cap_rports, &p)))
		l->n_ports--;
	if (!rc)
		*slot = (uint32_t)(l->n_ports - 1);
	return rc;
}

int link_port_remove(struct sim_link *l, uint32_t slot, unsigned host, unsigned ifindex)
{
	if (slot >= l->n_ports || l->ports[slot].host != host || l->ports[slot].ifindex != ifindex)
		return M6_E_NOTFOUND;
	rports_remove(l, host, ifindex);
	l->ports[slot].host = SIM_PORT_GONE;
	l->n_gone++;
	return 0;
}

bool link_ports_sparse(const struct sim_link *l)
{
	return l->n_gone >= 16 && 2 * l->n_gone >= l->n_ports;
}

void link_ports_compact(struct sim_link *l, void (*moved)(void *ctx, unsigned host, unsigned ifindex, uint32_t slot),
			void *ctx)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n_ports; i++) {
		if (l->ports[i].host == SIM_PORT_GONE)
			continue;
		if (k != i) {
			l->ports[k] = l->ports[i];
			moved(ctx, l->ports[k].host, l->ports[k].ifindex, (uint32_t)k);
		}
		k++;
	}
	l->n_ports = k;
	l->n_gone = 0;
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

#define IX_EMPTY (-1)
#define IX_GONE (-2)

static size_t ix_hash(const uint8_t a[16], size_t cap)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static int ix_grow(struct sim_link *l)
{
	size_t cap = l->ix_cap ? l->ix_cap : 16;
	while (cap < 4 * (l->ix_live + 1))
		cap *= 2;
	struct sim_ix_slot *n = malloc(cap * sizeof(*n)), *old = l->ix;
	if (!n)
		return M6_E_NOMEM;
	for (size_t i = 0; i < cap; i++)
		n[i].host = IX_EMPTY;
	/* reinsert in slot order: deterministic, and tombstones disappear */
	for (size_t i = 0; i < l->ix_cap; i++) {
		if (old[i].host < 0)
			continue;
		size_t j = ix_hash(old[i].addr, cap);
		while (n[j].host != IX_EMPTY)
			j = (j + 1) & (cap - 1);
		n[j] = old[i];
	}
	free(old);
	l->ix = n;
	l->ix_cap = cap;
	l->ix_used = l->ix_live;
	return 0;
}

int link_ix_add(struct sim_link *l, const uint8_t addr[16], unsigned host, unsigned ifindex)
{
	if (2 * (l->ix_used + 1) > l->ix_cap && ix_grow(l))
		return M6_E_NOMEM;
	size_t j = ix_hash(addr, l->ix_cap);
	while (l->ix[j].host >= 0)
		j = (j + 1) & (l->ix_cap - 1);
	if (l->ix[j].host == IX_EMPTY)
		l->ix_used++;
	memcpy(l->ix[j].addr, addr, 16);
	l->ix[j].host = (int32_t)host;
	l->ix[j].ifindex = ifindex;
	l->ix_live++;
	return 0;
}

void link_ix_del(struct sim_link *l, const uint8_t addr[16], unsigned host, unsigned ifindex)
{
	if (!l->ix_cap)
		return;
	for (size_t j = ix_hash(addr, l->ix_cap); l->ix[j].host != IX_EMPTY; j = (j + 1) & (l->ix_cap - 1)) {
		struct sim_ix_slot *e = &l->ix[j];
		if (e->host == (int32_t)host && e->ifindex == ifindex && !memcmp(e->addr, addr, 16)) {
			e->host = IX_GONE;
			l->ix_live--;
			return;
		}
	}
}

bool link_ix_find(const struct sim_link *l, const uint8_t addr[16], int xhost, unsigned xif, unsigned *host,
		  unsigned *ifindex)
{
	if (!l->ix_cap)
		return false;
	for (size_t j = ix_hash(addr, l->ix_cap); l->ix[j].host != IX_EMPTY; j = (j + 1) & (l->ix_cap - 1)) {
		const struct sim_ix_slot *e = &l->ix[j];
		if (e->host < 0 || memcmp(e->addr, addr, 16) || (e->host == xhost && e->ifindex == xif))
			continue;
		*host = (unsigned)e->host;
		*ifindex = e->ifindex;
		return true;
	}
	return false;
}
