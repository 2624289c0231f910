/* A home agent's bindings across restarts (see m6d_state.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dlog.h"
#include "m6d_state.h"
#include "mip6/mip6.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"

struct m6d_ask {
	uint8_t hoa[16], coa[16];
	unsigned tries;
	uint64_t next;
};

struct save_ctx {
	FILE *f;
	uint64_t now_mono;
	time_t now_wall;
};

static void save_one(void *ctx, const struct node_binding_info *b)
{
	struct save_ctx *s = ctx;
	if (!b->home_reg)
		return;
	char h[46], c[46];
	ip6_addr_format(b->hoa, h);
	ip6_addr_format(b->coa, c);
	/* expiry in wall-clock seconds: the monotonic clock starts again
	 * with the host */
	uint64_t left = b->expires > s->now_mono ? (b->expires - s->now_mono) / 1000000000ull : 0;
	fprintf(s->f, "%s %s %u %lld\n", h, c, b->seq, (long long)(s->now_wall + (time_t)left));
}

void m6d_state_save(struct m6d *d)
{
	const char *path = d->conf.state_file;
	if (!path[0] || !node_ha(d->node))
		return;
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		dlog_rl(&d->rl_misc, d->now, DLOG_WARN, "state file %s: %s", tmp, strerror(errno));
		return;
	}
	struct save_ctx s = { f, d->now, time(NULL) };
	fprintf(f, "# mip6secd home agent bindings: hoa coa seq expires(unix time)\n");
	node_bindings(d->node, save_one, &s);
	if (fclose(f) || rename(tmp, path)) {
		dlog_rl(&d->rl_misc, d->now, DLOG_WARN, "state file %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}

void m6d_state_restore(struct m6d *d, uint64_t now)
{
	const char *path = d->conf.state_file;
	if (!path[0] || !node_ha(d->node))
		return;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno != ENOENT)
			dlog(DLOG_WARN, "state file %s: %s", path, strerror(errno));
		return;
	}
	char line[256];
	unsigned lineno = 0;
	time_t wall = time(NULL);
	while (fgets(line, sizeof(line), f)) {
		char h[64], c[64];
		unsigned seq;
		long long expires;
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		struct m6d_ask a;
		memset(&a, 0, sizeof(a));
		if (sscanf(line, "%63s %63s %u %lld", h, c, &seq, &expires) != 4 || ip6_addr_parse(h, a.hoa) ||
		    ip6_addr_parse(c, a.coa)) {
			dlog(DLOG_WARN, "state file %s:%u: not \"hoa coa seq expires\", ignored", path, lineno);
			continue;
		}
		if (expires <= (long long)wall)
			continue;     /* that binding would be over by now anyway */
		if (d->n_asks == d->cap_asks) {
			size_t cap = d->cap_asks ? 2 * d->cap_asks : 16;
			struct m6d_ask *n = realloc(d->asks, cap * sizeof(*n));
			if (!n)
				break;
			d->asks = n;
			d->cap_asks = cap;
		}
		a.next = now;
		d->asks[d->n_asks++] = a;
	}
	fclose(f);
	if (d->n_asks)
		dlog(DLOG_NOTICE, "state file %s: asking %zu mobile node(s) to register again", path, d->n_asks);
}

uint64_t m6d_state_next(const struct m6d *d)
{
	uint64_t t = UINT64_MAX;
	for (size_t i = 0; i < d->n_asks; i++)
		if (d->asks[i].next < t)
			t = d->asks[i].next;
	return t;
}

/* IPv6(HA -> CoA) | IPv6(HA -> HoA) | MH BRR: what the home agent sends
 * through the tunnel of a binding it holds, built for one it lost. */
static void send_brr(struct m6d *d, const struct m6d_ask *a)
{
	uint8_t inner[128], outer[256];
	struct mh_msg m;
	memset(&m, 0, sizeof(m));
	m.proto = IP6P_NONE;
	m.type = MH_BRR;
	const uint8_t *ha = d->conf.nc.cfg.ha.addr;
	int n = mip6_build_mh(inner, sizeof(inner), ha, a->hoa, NULL, NULL, &m);
	if (n > 0)
		n = mip6_encap(outer, sizeof(outer), ha, a->coa, inner, (size_t)n);
	if (n < 0 || node_app_send(d->node, outer, (size_t)n, d->now)) {
		dlog(DLOG_WARN, "could not send a Binding Refresh Request");
		return;
	}
	char h[46], c[46];
	ip6_addr_format(a->hoa, h);
	ip6_addr_format(a->coa, c);
	dlog(DLOG_NOTICE, "binding refresh request to %s at %s (binding lost with the restart)", h, c);
}

void m6d_state_timer(struct m6d *d, uint64_t now)
{
	size_t k = 0;
	for (size_t i = 0; i < d->n_asks; i++) {
		struct m6d_ask *a = &d->asks[i];
		uint8_t coa[16];
		if (a->next <= now) {
			if (node_binding(d->node, a->hoa, coa) == 1 || a->tries >= M6D_BRR_TRIES)
				continue;     /* registered again, or not there any more */
			send_brr(d, a);
			a->tries++;
			a->next = now + M6D_BRR_INTERVAL_NS;
		}
		d->asks[k++] = *a;
	}
	d->n_asks = k;
}

void m6d_state_free(struct m6d *d)
{
	free(d->asks);
	d->asks = NULL;
	d->n_asks = d->cap_asks = 0;
}
