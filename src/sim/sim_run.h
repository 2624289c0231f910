/*
 * sim_run — one scenario run with everything `mip6sec sim` shows: the
 * timeline on a terminal, a summary table, and with an output directory
 * one pcap per link, the SA keys (keys.txt for mip6sec decode --keys and
 * keys for decode --keys, esp_sa for Wireshark), a JSON event log, the ladder diagram
 * (ladder.svg) and copies of the timeline and summary.
 *
 * Contract: simrun() consumes the scenario's IPsec tables (a scenario runs
 * once). Hosts are created through o->add_host (sim_add_node for real
 * nodes; tests pass fakes), in scenario order, so host i is node i. The
 * result counts expectations; a failing expectation is not an error.
 * Errors (bad node configuration, unwritable output) return M6_E_* with a
 * message; output files written so far are left for inspection.
 */
#ifndef MIP6SEC_SIM_RUN_H
#define MIP6SEC_SIM_RUN_H

#include <stdio.h>

#include "scenario.h"
#include "sim.h"

typedef int (*simrun_add_host_fn)(struct sim *s, const struct node_cfg *cfg, char *err, size_t errlen);

struct simrun_opts {
	const char *out_dir;          /* NULL: terminal only */
	bool has_seed;                /* overrides the scenario's seed */
	uint64_t seed;
	FILE *term;                   /* timeline and summary; NULL: silent */
	bool verbose;                 /* data-path events (tunnel, delivered) on the terminal too */
	bool quiet;                   /* summary and expectation results only */
	simrun_add_host_fn add_host;
	/* Called after every step of step_ns simulated time (the run is cut
	 * into steps only when set; the outcome is the same byte for byte). */
	void (*progress)(void *ctx, uint64_t now, uint64_t duration, uint64_t events);
	void *progress_ctx;
	uint64_t progress_step_ns;    /* 0: duration / 200 */
};

struct simrun_result {
	uint64_t seed;
	size_t n_expect, n_failed;
	uint64_t events;              /* queue events processed */
	uint64_t node_events;         /* events the nodes reported */
};

int simrun(struct scenario *sc, const struct simrun_opts *o, struct simrun_result *res, char *err, size_t errlen);

#endif
