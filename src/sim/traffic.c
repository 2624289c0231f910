#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/icmp6.h"
#include "pkt/ip6.h"
#include "traffic.h"
#include "util/m6_bytes.h"

#define HDR 24
enum { MAGIC_PING = 'P', MAGIC_UDP = 'U', MAGIC_DATA = 'D', MAGIC_ACK = 'A' };

struct flow {
	struct traffic *t;
	const struct sc_flow *cfg;
	unsigned index;
	struct flow_stats st;
	bool running;
	uint32_t next_seq;          /* next new sequence number (ping, udp) or next to send (stream) */
	uint8_t *seen;              /* one bit per sequence number */
	size_t seen_cap;            /* in octets */
	/* tasks: the sending clock and the stream's retransmission timer;
	 * generations let a stop or a reset cancel what is queued */
	struct sim_task send_task, rto_task;
	uint32_t send_gen, rto_gen;
	/* stream sender */
	uint32_t base;
	uint64_t rto_cur;
	unsigned dupacks;
	bool in_recovery;           /* fast retransmit done; no other until base moves */
	/* stream receiver: next in-order segment; `seen` holds what arrived */
	uint32_t expected;
};

struct traffic {
	struct sim *s;
	const struct scenario *sc;
	size_t n;
	struct flow *f;
	traffic_hook hook;
	void *hook_ctx;
};

static struct flow *flow_of_task(struct sim_task *task, bool rto)
{
	return (struct flow *)((char *)task - (rto ? offsetof(struct flow, rto_task) : offsetof(struct flow, send_task)));
}

static void send_tick(struct sim *s, struct sim_task *task, uint32_t gen);
static void rto_tick(struct sim *s, struct sim_task *task, uint32_t gen);

struct traffic *traffic_new(struct sim *s, const struct scenario *sc)
{
	struct traffic *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->s = s;
	t->sc = sc;
	t->n = sc->n_flows;
	t->f = calloc(t->n + 1, sizeof(*t->f));
	if (!t->f) {
		free(t);
		return NULL;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct flow *f = &t->f[i];
		f->t = t;
		f->cfg = &sc->flows[i];
		f->index = (unsigned)i;
		f->send_task.fn = send_tick;
		f->rto_task.fn = rto_tick;
		f->st.first_at = f->st.last_at = f->st.done_at = UINT64_MAX;
		f->rto_cur = f->cfg->rto;
	}
	return t;
}

void traffic_free(struct traffic *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->f[i].seen);
	free(t->f);
	free(t);
}

void traffic_set_hook(struct traffic *t, traffic_hook fn, void *ctx)
{
	t->hook = fn;
	t->hook_ctx = ctx;
}

const struct flow_stats *traffic_stats(const struct traffic *t, unsigned flow)
{
	return &t->f[flow].st;
}

uint64_t traffic_lost(const struct traffic *t, unsigned flow)
{
	const struct flow *f = &t->f[flow];
	if (f->cfg->type == SC_FLOW_STREAM)
		return 0;
	return f->st.highest > f->st.delivered ? f->st.highest - f->st.delivered : 0;
}

/* First delivery of seq? Grows the bitmap as the flow goes on. */
static int mark_seen(struct flow *f, uint32_t seq)
{
	size_t byte = seq / 8;
	if (byte >= f->seen_cap) {
		size_t cap = f->seen_cap ? f->seen_cap : 64;
		while (cap <= byte)
			cap *= 2;
		uint8_t *p = realloc(f->seen, cap);
		if (!p)
			return -1;
		memset(p + f->seen_cap, 0, cap - f->seen_cap);
		f->seen = p;
		f->seen_cap = cap;
	}
	uint8_t bit = (uint8_t)(1u << (seq % 8));
	if (f->seen[byte] & bit)
		return 0;
	f->seen[byte] |= bit;
	return 1;
}

static void note_delivery(struct flow *f, uint64_t now)
{
	struct flow_stats *st = &f->st;
	if (st->last_at != UINT64_MAX && now - st->last_at > st->max_gap) {
		st->max_gap = now - st->last_at;
		st->max_gap_end = now;
	}
	if (st->first_at == UINT64_MAX)
		st->first_at = now;
	st->last_at = now;
	st->delivered++;
	if (f->t->hook)
		f->t->hook(f->t->hook_ctx, f->index, now, f->cfg->size);
}

/* IPv6 | UDP or ICMPv6 echo | our header | pattern, checksums filled in. */
static size_t build(uint8_t *out, const uint8_t src[16], const uint8_t dst[16], const struct sc_flow *c,
		    unsigned flow, uint8_t magic, uint32_t seq, uint32_t ack, uint64_t now, bool reverse, size_t size)
{
	size_t l4 = 8, plen = l4 + size;
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.hlim = 64;
	h.plen = (uint16_t)plen;
	h.nh = magic == MAGIC_PING ? IP6P_ICMPV6 : IP6P_UDP;
	ip6_hdr_write(out, &h);
	uint8_t *p = out + IP6_HDR_LEN, *d = p + l4;
	memset(p, 0, l4);
	if (magic == MAGIC_PING) {
		p[0] = ICMP6_ECHO_REQUEST;
		m6_put16(p + 4, (uint16_t)(0x6d00 + flow));
		m6_put16(p + 6, (uint16_t)seq);
	} else {
		m6_put16(p, reverse ? c->dport : c->sport);
		m6_put16(p + 2, reverse ? c->sport : c->dport);
		m6_put16(p + 4, (uint16_t)plen);
	}
	d[0] = 'M';
	d[1] = '6';
	d[2] = 'S';
	d[3] = magic;
	m6_put16(d + 4, (uint16_t)flow);
	m6_put16(d + 6, 0);
	m6_put32(d + 8, seq);
	m6_put32(d + 12, ack);
	m6_put32(d + 16, (uint32_t)(now >> 32));
	m6_put32(d + 20, (uint32_t)now);
	for (size_t i = HDR; i < size; i++)
		d[i] = (uint8_t)i;
	uint16_t ck = m6_csum_ip6(src, dst, h.nh, p, plen);
	if (magic != MAGIC_PING && ck == 0)
		ck = 0xffff;   /* a UDP checksum of zero means none, forbidden over IPv6 */
	m6_put16(p + (magic == MAGIC_PING ? 2 : 6), ck);
	return IP6_HDR_LEN + plen;
}

static void send_one(struct flow *f, uint8_t magic, uint32_t seq, uint32_t ack, bool reverse)
{
	uint8_t pkt[IP6_HDR_LEN + 8 + 1500];
	const struct sc_flow *c = f->cfg;
	struct sim *s = f->t->s;
	/* acknowledgements carry only the header */
	size_t len = reverse ? build(pkt, c->dst, c->src, c, f->index, magic, seq, ack, s->now, true, HDR)
			     : build(pkt, c->src, c->dst, c, f->index, magic, seq, ack, s->now, false, c->size);
	sim_app_send(s, (unsigned)(reverse ? c->to_node : c->from), pkt, len);
}

static void stream_send_window(struct flow *f)
{
	const struct sc_flow *c = f->cfg;
	struct sim *s = f->t->s;
	bool was_idle = f->next_seq == f->base;
	while (f->running && f->next_seq < c->count && f->next_seq < f->base + c->window) {
		if (f->next_seq < f->st.highest)
			f->st.retransmits++;
		else
			f->st.highest = f->next_seq + 1;
		f->st.sent++;
		send_one(f, MAGIC_DATA, f->next_seq++, 0, false);
	}
	if (was_idle && f->next_seq != f->base)
		sim_at(s, s->now + f->rto_cur, &f->rto_task, ++f->rto_gen);
}

static void send_tick(struct sim *s, struct sim_task *task, uint32_t gen)
{
	struct flow *f = flow_of_task(task, false);
	const struct sc_flow *c = f->cfg;
	if (gen != f->send_gen || !f->running)
		return;
	if (s->now >= c->stop) {
		traffic_stop(f->t, f->index);
		return;
	}
	if (c->type == SC_FLOW_STREAM) {
		stream_send_window(f);
		return;
	}
	if (c->count && f->next_seq >= c->count) {
		f->running = false;
		return;
	}
	f->st.sent++;
	f->st.highest = f->next_seq + 1;
	send_one(f, c->type == SC_FLOW_PING ? MAGIC_PING : MAGIC_UDP, f->next_seq++, 0, false);
	sim_at(s, s->now + c->interval, &f->send_task, f->send_gen);
}

static void rto_tick(struct sim *s, struct sim_task *task, uint32_t gen)
{
	struct flow *f = flow_of_task(task, true);
	if (gen != f->rto_gen || !f->running || f->base >= f->cfg->count)
		return;
	/* go-back-N: resend everything outstanding, back off the timer */
	f->next_seq = f->base;
	f->rto_cur = f->rto_cur * 2 > f->cfg->rto_max ? f->cfg->rto_max : f->rto_cur * 2;
	stream_send_window(f);
	if (f->next_seq == f->base)
		return;
	sim_at(s, s->now + f->rto_cur, &f->rto_task, ++f->rto_gen);
}

void traffic_start(struct traffic *t, unsigned flow)
{
	struct flow *f = &t->f[flow];
	if (f->running)
		return;
	f->running = true;
	sim_note(t->s, SIM_NOTE_TRAFFIC, f->cfg->from, -1, "flow %s started", f->cfg->name);
	sim_at(t->s, t->s->now, &f->send_task, ++f->send_gen);
}

void traffic_stop(struct traffic *t, unsigned flow)
{
	struct flow *f = &t->f[flow];
	if (!f->running)
		return;
	f->running = false;
	f->send_gen++;
	f->rto_gen++;
	sim_note(t->s, SIM_NOTE_TRAFFIC, f->cfg->from, -1, "flow %s stopped after %llu packet(s)", f->cfg->name,
		 (unsigned long long)f->st.sent);
}

static void on_ack(struct flow *f, uint32_t ack, uint64_t now)
{
	struct sim *s = f->t->s;
	if (ack == f->base && f->next_seq > f->base && !f->in_recovery && ++f->dupacks == 3) {
		/* fast retransmit: three duplicate acknowledgements say a segment
		 * was lost while later ones arrived; resend without waiting, once
		 * per loss (the resent window's own duplicates must not re-trigger) */
		f->dupacks = 0;
		f->in_recovery = true;
		f->st.sent++;
		f->st.retransmits++;
		send_one(f, MAGIC_DATA, f->base, 0, false);
		sim_at(s, now + f->rto_cur, &f->rto_task, ++f->rto_gen);
		return;
	}
	if (ack <= f->base || ack > f->next_seq)
		return;
	f->dupacks = 0;
	f->in_recovery = false;
	f->base = ack;
	f->rto_cur = f->cfg->rto;
	if (f->base >= f->cfg->count) {
		f->st.done_at = now;
		f->rto_gen++;
		sim_note(s, SIM_NOTE_TRAFFIC, f->cfg->from, -1, "flow %s complete: %u segment(s), %llu retransmitted",
			 f->cfg->name, f->cfg->count, (unsigned long long)f->st.retransmits);
		return;
	}
	/* restart the timer for the oldest segment still outstanding */
	if (f->next_seq > f->base)
		sim_at(s, now + f->rto_cur, &f->rto_task, ++f->rto_gen);
	stream_send_window(f);
}

void traffic_deliver(struct traffic *t, const struct sim_host *h, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct ip6_walk w;
	if (ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w))
		return;
	size_t l4 = w.proto_off;
	if ((w.proto != IP6P_UDP && w.proto != IP6P_ICMPV6) || w.end < l4 + 8 + HDR)
		return;
	const uint8_t *d = pkt + l4 + 8;
	if (d[0] != 'M' || d[1] != '6' || d[2] != 'S')
		return;
	unsigned fi = m6_get16(d + 4);
	if (fi >= t->n)
		return;
	struct flow *f = &t->f[fi];
	const struct sc_flow *c = f->cfg;
	uint32_t seq = m6_get32(d + 8), ack = m6_get32(d + 12);
	uint64_t sent = (uint64_t)m6_get32(d + 16) << 32 | m6_get32(d + 20);
	switch (d[3]) {
	case MAGIC_PING:
		/* the reply comes back to the pinging host as an echo reply */
		if (w.proto != IP6P_ICMPV6 || pkt[l4] != ICMP6_ECHO_REPLY || (int)h->index != c->from ||
		    c->type != SC_FLOW_PING)
			return;
		if (mark_seen(f, seq) == 1) {
			note_delivery(f, now);
			uint64_t rtt = now - sent;
			f->st.rtt_min = f->st.rtt_n && f->st.rtt_min < rtt ? f->st.rtt_min : rtt;
			f->st.rtt_max = rtt > f->st.rtt_max ? rtt : f->st.rtt_max;
			f->st.rtt_sum += rtt;
			f->st.rtt_n++;
		} else {
			f->st.duplicates++;
		}
		return;
	case MAGIC_UDP:
		if (c->type != SC_FLOW_UDP || (c->to_node >= 0 && (int)h->index != c->to_node))
			return;
		if (mark_seen(f, seq) == 1)
			note_delivery(f, now);
		else
			f->st.duplicates++;
		return;
	case MAGIC_DATA:
		if (c->type != SC_FLOW_STREAM || (int)h->index != c->to_node)
			return;
		/* segments ahead of a gap wait in the receiver; delivery is in order */
		if (seq < f->expected || mark_seen(f, seq) != 1) {
			f->st.duplicates++;
		} else {
			while (f->expected < c->count && f->expected / 8 < f->seen_cap &&
			       (f->seen[f->expected / 8] & (1u << (f->expected % 8)))) {
				f->expected++;
				note_delivery(f, now);
			}
		}
		/* cumulative acknowledgement of what arrived in order */
		send_one(f, MAGIC_ACK, 0, f->expected, true);
		return;
	case MAGIC_ACK:
		if (c->type == SC_FLOW_STREAM && (int)h->index == c->from)
			on_ack(f, ack, now);
		return;
	}
}
