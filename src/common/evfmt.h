/*
 * evfmt — how a node event is written down: the words of the timeline
 * ("BU sent to 2001:db8:1::1 seq 7 lifetime 3600s (care-of ...)"), the
 * timeline line, and the JSON object of the event log. The simulator and a
 * daemon's log share it, so one event reads the same wherever it happened.
 *
 * Contract: pure functions of the event (no clock, no locale: times are
 * printed from integer nanoseconds), so identical runs give identical
 * text. Zero peer/addr fields print as "?" in the words and are left out
 * of the JSON. The engine's own text is appended in brackets unless the
 * words already say it. The JSON keys, in order: t_ns, time, node, type,
 * peer, addr, code, reason (drops: the M6_E_* identifier), u32, text, msg
 * (the words).
 */
#ifndef MIP6SEC_M6_EVFMT_H
#define MIP6SEC_M6_EVFMT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/m6_event.h"

#define EVFMT_TIME_LEN 32
#define EVFMT_TEXT_LEN 320      /* enough for the longest words with the engine's text */

/* "12.345678" (seconds with microseconds). */
void evfmt_time(uint64_t ns, char buf[EVFMT_TIME_LEN]);
void evfmt_text(const struct m6_event *ev, char *buf, size_t cap);
/* Per-packet data path events (tunnelling, delivery): terminals leave them
 * out unless asked to be verbose. */
bool evfmt_is_datapath(const struct m6_event *ev);
/* "   12.345678 who  words": the timeline line (no newline), who padded to
 * width so that the words line up. */
void evfmt_line(uint64_t ns, const char *who, int width, const char *msg, char *buf, size_t cap);
/* New reference; NULL when out of memory. */
json_t *evfmt_json(const struct m6_event *ev, const char *node);

#endif
