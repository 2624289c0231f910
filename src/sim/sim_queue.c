#include <stdlib.h>

#include "sim_queue.h"
#include "util/m6_err.h"

void sim_queue_init(struct sim_queue *q)
{
	q->h = NULL;
	q->n = q->cap = 0;
	q->next_seq = 0;
}

void sim_queue_free(struct sim_queue *q)
{
	free(q->h);
	sim_queue_init(q);
}

static inline int qev_less(const struct sim_qev *a, const struct sim_qev *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

int sim_queue_push(struct sim_queue *q, uint64_t time, uint32_t kind, uint32_t arg, void *ptr)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 256;
		struct sim_qev *h = realloc(q->h, cap * sizeof(*h));
		if (!h)
			return M6_E_NOMEM;
		q->h = h;
		q->cap = cap;
	}
	struct sim_qev ev = { time, q->next_seq++, kind, arg, ptr };
	size_t i = q->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!qev_less(&ev, &q->h[p]))
			break;
		q->h[i] = q->h[p];
		i = p;
	}
	q->h[i] = ev;
	return 0;
}

int sim_queue_pop(struct sim_queue *q, struct sim_qev *ev)
{
	if (!q->n)
		return 0;
	*ev = q->h[0];
	struct sim_qev last = q->h[--q->n];
	size_t i = 0, n = q->n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && qev_less(&q->h[c + 1], &q->h[c]))
			c++;
		if (!qev_less(&q->h[c], &last))
			break;
		q->h[i] = q->h[c];
		i = c;
	}
	if (n)
		q->h[i] = last;
	return 1;
}
