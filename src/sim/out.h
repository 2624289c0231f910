/*
 * out — how a run is shown: the JSON object of every simulator note (node
 * events are written by src/common/evfmt, as a daemon writes them), and
 * the message-sequence (ladder) diagram as SVG, and the goodput of every
 * traffic flow over time as SVG.
 *
 * Contract: formatting is a pure function of what happened (no clock, no
 * locale-dependent number formatting: times are printed from integers), so
 * identical runs give identical text. The ladder collects what it draws
 * while the run goes on and writes it at the end; it is capped at
 * OUT_SVG_ROWS rows and says so when it had to stop.
 */
#ifndef MIP6SEC_SIM_OUT_H
#define MIP6SEC_SIM_OUT_H

#include <jansson.h>
#include <stdio.h>

#include "evfmt.h"
#include "sim.h"

#define OUT_SVG_ROWS 4000

/* The ladder's times (evfmt_time: the same as the event log's). */
static inline void out_time(uint64_t ns, char buf[EVFMT_TIME_LEN]) { evfmt_time(ns, buf); }
json_t *out_note_json(const struct sim_note *n, const char *who);
/* Text for an SVG: markup escaped, bytes that are not well-formed UTF-8 as U+FFFD. */
void out_xml_text(FILE *f, const char *s);

struct svg;

struct svg *svg_new(const char *const *names, size_t n_hosts);
void svg_free(struct svg *g);
/* Teach the ladder an address of a host (static addresses, home addresses, care-of addresses as they appear). */
void svg_addr(struct svg *g, const uint8_t addr[16], unsigned host);
void svg_event(struct svg *g, unsigned host, const struct m6_event *ev);
void svg_note(struct svg *g, const struct sim_note *n);
/* An SA of a host, told before the run (its SPI, protocol, direction, mode
 * and protection model label the protected messages it carries). */
struct ipsec_sa;
void svg_sa(struct svg *g, unsigned host, const struct ipsec_sa *sa);
/* Every frame a host sends on a link (from = host index, -1 injected):
 * the frame of a message sent at that instant names its SPI. */
void svg_frame(struct svg *g, int from, const uint8_t *pkt, size_t len, uint64_t now);
/* A packet injected on a link: drawn from that link's attacker lifeline to
 * the node it is addressed to, with that node's verdict. */
void svg_inject(struct svg *g, uint64_t now, unsigned link, const char *link_name, const uint8_t *pkt, size_t len,
		const char *spec);
int svg_write(struct svg *g, FILE *f, const char *title);

/* The goodput plot (goodput.svg): per flow, payload delivered per time bin
 * over the run, interruptions shaded; moves, registrations, SA lifetime
 * events and drops marked across every flow. Collected while the run goes
 * on (goodput_delivery is a traffic_hook), written at the end. */
struct goodput;
struct scenario;

struct goodput *goodput_new(const struct scenario *sc);
void goodput_free(struct goodput *g);
void goodput_delivery(void *g, unsigned flow, uint64_t now, uint32_t octets);
void goodput_event(struct goodput *g, unsigned host, const struct m6_event *ev);
void goodput_note(struct goodput *g, const struct sim_note *n);
int goodput_write(struct goodput *g, FILE *f, const char *title);

#endif
