/*
 * expect — a scenario's expectations, checked while the simulation runs
 * (at their `at` time) or when it ends, each giving PASS or FAIL with the
 * reason in words.
 *
 * Contract: expect_new() schedules the timed checks on the simulator; the
 * run's observer feeds node events (expect_on_event) and link frames
 * (expect_on_frame); expect_finish() checks the rest. A result is reported
 * through sim_note(SIM_NOTE_EXPECT) when it is decided. Questions about a
 * node's bindings and drop counters go through its host ops, so a host
 * without them fails the expectation with a reason instead of crashing.
 */
#ifndef MIP6SEC_EXPECT_H
#define MIP6SEC_EXPECT_H

#include "scenario.h"
#include "sim.h"
#include "traffic.h"

struct expect_result {
	bool decided, pass;
	uint64_t when;
	char reason[200];
};

struct expect;

struct expect *expect_new(struct sim *s, const struct scenario *sc, struct traffic *t);
void expect_free(struct expect *x);
void expect_on_event(struct expect *x, const struct sim_host *h, const struct m6_event *ev);
void expect_on_frame(struct expect *x, const struct sim_link *l, const uint8_t *pkt, size_t len, uint64_t now);
void expect_finish(struct expect *x);
const struct expect_result *expect_result(const struct expect *x, size_t i);
size_t expect_failures(const struct expect *x);

/* The outermost packet carries a Mobility Header outside ESP (and outside
 * any tunnel): what no_plaintext_mh forbids. */
bool expect_plaintext_mh(const uint8_t *pkt, size_t len);

#endif
