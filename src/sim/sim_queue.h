/*
 * sim_queue — the simulator's event queue: a binary min-heap keyed by
 * (time, sequence number).
 *
 * Contract: events pop in time order; events with equal times pop in the
 * order they were pushed (the sequence number is assigned at push), which
 * is what makes a run reproducible. Storage grows by doubling; push fails
 * only with M6_E_NOMEM. An event is plain data: the queue never interprets
 * kind, arg or ptr.
 */
#ifndef MIP6SEC_SIM_QUEUE_H
#define MIP6SEC_SIM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct sim_qev {
	uint64_t time;       /* ns of virtual time */
	uint64_t seq;        /* push order, the tie-breaker */
	uint32_t kind;
	uint32_t arg;
	void *ptr;
};

struct sim_queue {
	struct sim_qev *h;
	size_t n, cap;
	uint64_t next_seq;
};

void sim_queue_init(struct sim_queue *q);
void sim_queue_free(struct sim_queue *q);
int sim_queue_push(struct sim_queue *q, uint64_t time, uint32_t kind, uint32_t arg, void *ptr);
/* 1 and *ev filled, or 0 when empty. */
int sim_queue_pop(struct sim_queue *q, struct sim_qev *ev);
/* Time of the earliest event, UINT64_MAX when empty. */
static inline uint64_t sim_queue_peek_time(const struct sim_queue *q) { return q->n ? q->h[0].time : UINT64_MAX; }
static inline size_t sim_queue_len(const struct sim_queue *q) { return q->n; }

#endif
