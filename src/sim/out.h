/*
 * out — how a run is shown: the timeline line and JSON object of every
 * event, and the message-sequence (ladder) diagram as SVG.
 *
 * Contract: formatting is a pure function of the event (no clock, no
 * locale-dependent number formatting: times are printed from integers), so
 * identical runs give identical text. The ladder collects what it draws
 * while the run goes on and writes it at the end; it is capped at
 * OUT_SVG_ROWS rows and says so when it had to stop.
 */
#ifndef SIM_OUT_H
#define SIM_OUT_H

#include <jansson.h>
#include <stdio.h>

#include "sim.h"

#define OUT_SVG_ROWS 4000

/* "12.345678" (seconds with microseconds, from integer nanoseconds). */
void out_time(uint64_t ns, char buf[32]);
/* The words of one event: "BU sent to 2001:db8:1::1 seq 7 lifetime 3600s (care-of ...)". */
void out_event_text(const struct m6_event *ev, char *buf, size_t cap);
/* Events left off the terminal unless verbose: per-packet data path. */
bool out_event_is_datapath(const struct m6_event *ev);
json_t *out_event_json(const struct m6_event *ev, const char *node);
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
