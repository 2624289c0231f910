/*
 * traffic — the applications of a simulation: ping (ICMPv6 echo; the
 * target node answers by itself), a UDP stream of numbered packets, and a
 * reliable stream (a window over UDP: cumulative acknowledgements, the
 * receiver keeps segments that arrive ahead of a gap, the sender resends
 * the first missing one after three duplicate acknowledgements and goes
 * back to it after a retransmission timeout with backoff) that
 * measures how long a handover interrupts delivery.
 *
 * Contract: flows send through sim_app_send() from their source host and
 * learn of arrivals from the hosts' delivery callbacks (traffic_deliver,
 * called by the run's observer). Every packet carries a 24-octet header
 * (magic, flow, sequence, acknowledgement, send time) so counting needs no
 * state on the wire path. Delivered counts unique packets (or in-order
 * segments); the interruption is the longest gap between consecutive
 * deliveries. Host indexes are the scenario's node indexes.
 */
#ifndef MIP6SEC_TRAFFIC_H
#define MIP6SEC_TRAFFIC_H

#include "scenario.h"
#include "sim.h"

struct flow_stats {
	uint64_t sent;              /* packets (segments, including retransmissions) */
	uint64_t retransmits;       /* stream */
	uint64_t delivered;         /* unique packets / in-order segments that arrived */
	uint64_t duplicates;
	uint64_t first_at, last_at; /* first / last delivery, UINT64_MAX before any */
	uint64_t max_gap, max_gap_end;
	uint64_t rtt_min, rtt_max, rtt_sum, rtt_n;  /* ping */
	uint64_t done_at;           /* stream: every segment acknowledged; UINT64_MAX if not */
	uint32_t highest;           /* sequence numbers sent: 0..highest-1 */
};

struct traffic;

struct traffic *traffic_new(struct sim *s, const struct scenario *sc);
void traffic_free(struct traffic *t);
/* Begin (or resume) and pause a flow now. */
void traffic_start(struct traffic *t, unsigned flow);
void traffic_stop(struct traffic *t, unsigned flow);
void traffic_deliver(struct traffic *t, const struct sim_host *h, const uint8_t *pkt, size_t len, uint64_t now);
const struct flow_stats *traffic_stats(const struct traffic *t, unsigned flow);
/* Called for every delivery counted (a unique packet, an in-order segment)
 * with its payload octets: what the goodput plot bins. */
typedef void (*traffic_hook)(void *ctx, unsigned flow, uint64_t now, uint32_t octets);
void traffic_set_hook(struct traffic *t, traffic_hook fn, void *ctx);
/* Lost = sequence numbers sent but never delivered (ping, udp). */
uint64_t traffic_lost(const struct traffic *t, unsigned flow);

#endif
