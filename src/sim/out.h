/*
 * out — how a run is shown: the JSON object of every simulator note (node
 * events are written by src/common/evfmt, as a daemon writes them), and
 * the message-sequence (ladder) diagram as SVG.
 *
 * Contract: formatting is a pure function of what happened (no clock, no
 * locale-dependent number formatting: times are printed from integers), so
 * identical runs give identical text. The ladder collects what it draws
 * while the run goes on and writes it at the end; it is capped at
 * OUT_SVG_ROWS rows and says so when it had to stop.
 */
#ifndef SIM_OUT_H
#define SIM_OUT_H

#include <jansson.h>
#include <stdio.h>

#include "evfmt.h"
#include "sim.h"

#define OUT_SVG_ROWS 4000

/* The ladder's times (evfmt_time: the same as the event log's). */
static inline void out_time(uint64_t ns, char buf[EVFMT_TIME_LEN]) { evfmt_time(ns, buf); }
json_t *out_note_json(const struct sim_note *n, const char *who);

struct svg;

struct svg *svg_new(const char *const *names, size_t n_hosts);
void svg_free(struct svg *g);
/* Teach the ladder an address of a host (static addresses, home addresses, care-of addresses as they appear). */
void svg_addr(struct svg *g, const uint8_t addr[16], unsigned host);
void svg_event(struct svg *g, unsigned host, const struct m6_event *ev);
void svg_note(struct svg *g, const struct sim_note *n);
int svg_write(struct svg *g, FILE *f, const char *title);

#endif
