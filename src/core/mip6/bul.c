#include <string.h>

#include "bul.h"
#include "../crypto/m6_crypto.h"

void bul_timer_start(struct bul_timer *t, uint32_t initial_ms, uint64_t now)
{
	t->timeout_ms = initial_ms;
	t->next = now + (uint64_t)initial_ms * MIP6_NS_PER_MS;
	t->tries = 0;
	t->deferred = false;
}

uint32_t bul_timer_expire(struct bul_timer *t, uint64_t now)
{
	uint32_t expired = t->timeout_ms;
	uint32_t next = expired * 2;
	/* TMR-02: double up to MAX_BINDACK_TIMEOUT, then keep that rate */
	if (next > MIP6_MAX_BINDACK_TIMEOUT_MS || next < expired)
		next = MIP6_MAX_BINDACK_TIMEOUT_MS;
	t->timeout_ms = next;
	t->next = now + (uint64_t)next * MIP6_NS_PER_MS;
	t->tries++;
	return expired;
}

void bul_timer_defer(struct bul_timer *t, uint64_t when)
{
	t->next = when;
	t->deferred = true;
}

void bul_timer_resume(struct bul_timer *t, uint64_t now)
{
	t->deferred = false;
	t->next = now + (uint64_t)t->timeout_ms * MIP6_NS_PER_MS;
}

void bul_timer_stop(struct bul_timer *t)
{
	t->next = MIP6_NEVER;
	t->deferred = false;
}

uint64_t bul_rate_next(const struct bul_rate *r, uint64_t now)
{
	if (r->n < MIP6_MAX_UPDATE_RATE)
		return now;
	/* r->i is the oldest of the last MAX_UPDATE_RATE sends */
	uint64_t free_at = r->sent[r->i] + MIP6_NS_PER_S;
	return free_at > now ? free_at : now;
}

void bul_rate_note(struct bul_rate *r, uint64_t now)
{
	r->sent[r->i] = now;
	r->i = (r->i + 1) % MIP6_MAX_UPDATE_RATE;
	if (r->n < MIP6_MAX_UPDATE_RATE)
		r->n++;
}

uint64_t bul_ack_remaining(uint64_t l_remain_ns, uint32_t l_update_s, uint32_t l_ack_s)
{
	if (l_ack_s >= l_update_s)
		return l_remain_ns;
	uint64_t cut = (uint64_t)(l_update_s - l_ack_s) * MIP6_NS_PER_S;
	return l_remain_ns > cut ? l_remain_ns - cut : 0;
}

void bul_entry_init(struct bul_entry *e, const uint8_t peer[16], bool home, uint16_t seq, struct bul_rr *rr)
{
	memset(e, 0, sizeof(*e));
	if (rr)
		memset(rr, 0, sizeof(*rr));
	e->rr = rr;
	memcpy(e->peer, peer, 16);
	e->home = home;
	e->seq = seq;
	bul_entry_clear(e);
}

void bul_entry_clear(struct bul_entry *e)
{
	e->in_use = false;
	e->outstanding = false;
	e->acked = false;
	e->stopped = false;
	e->expires = 0;
	e->max_expiry = 0;
	e->refresh_at = MIP6_NEVER;
	bul_timer_stop(&e->tx);
	struct bul_rr *rr = e->rr;
	if (!rr)
		return;
	rr->rr_running = false;
	rr->have_home = rr->have_coa = false;
	bul_timer_stop(&rr->rr_tx);
	rr->kbm_valid = false;
	m6_wipe(rr->kbm, sizeof(rr->kbm));
	m6_wipe(rr->home_token, sizeof(rr->home_token));
	m6_wipe(rr->coa_token, sizeof(rr->coa_token));
}

struct bul_entry *bul_find(struct bul_entry *tab, unsigned n, const uint8_t addr[16])
{
	for (unsigned i = 0; i < n; i++)
		if (tab[i].in_use && memcmp(tab[i].peer, addr, 16) == 0)
			return &tab[i];
	return NULL;
}
