#include "node_pump.h"

#include <string.h>

static int n_output(void *h, struct node_out *out, uint64_t now)
{
	return node_output(h, out, now);
}

static uint64_t n_next_expiry(void *h)
{
	return node_next_expiry(h);
}

static void n_on_timer(void *h, uint64_t now)
{
	node_on_timer(h, now);
}

static const struct node_pump_ops node_ops = { n_output, n_next_expiry, n_on_timer };

void node_pump_init_ops(struct node_pump *p, const struct node_pump_ops *ops, void *h, node_pump_tx_fn tx,
			void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->h = h;
	p->tx = tx;
	p->ctx = ctx;
	p->spin_max = NODE_PUMP_SPIN_MAX;
}

void node_pump_init(struct node_pump *p, struct node *n, node_pump_tx_fn tx, void *ctx)
{
	node_pump_init_ops(p, &node_ops, n, tx, ctx);
}

static void drain(struct node_pump *p, uint64_t now)
{
	/* One packet at a time on the stack: the pump itself stays small
	 * enough to sit beside every simulated node. */
	struct node_out out;
	while (p->ops->output(p->h, &out, now) == 1) {
		p->n_tx++;
		if (p->tx)
			p->tx(p->ctx, &out);
	}
}

/* When to come back: the node's answer, not before now, and not at now
 * again once the guard has tripped at this instant. */
static uint64_t next(const struct node_pump *p, uint64_t now)
{
	uint64_t e = p->ops->next_expiry(p->h);
	if (e > now)
		return e;
	if (p->spin_at == now && p->spin > p->spin_max && now != NODE_PUMP_NEVER)
		return now + 1;
	return now;
}

uint64_t node_pump_drain(struct node_pump *p, uint64_t now)
{
	p->last = 0;
	drain(p, now);
	return next(p, now);
}

uint64_t node_pump_timer(struct node_pump *p, uint64_t now)
{
	p->last = 0;
	if (p->ops->next_expiry(p->h) > now)
		return next(p, now);
	p->ops->on_timer(p->h, now);
	p->n_fired++;
	p->last = NODE_PUMP_FIRED;
	drain(p, now);
	uint64_t e = p->ops->next_expiry(p->h);
	if (e > now)
		return e;
	p->spin = p->spin_at == now ? p->spin + 1 : 1;
	p->spin_at = now;
	if (p->spin > p->spin_max) {
		p->n_stalls++;
		p->last |= NODE_PUMP_STALLED;
		return now != NODE_PUMP_NEVER ? now + 1 : now;
	}
	return now;
}
