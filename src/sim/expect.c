#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "pkt/ip6.h"

/* Events an event expectation keeps (times only); beyond this it counts. */
#define EV_TIMES_MAX 64

struct exp_state {
	struct expect *x;
	size_t index;
	struct sim_task task;
	uint64_t count;
	uint64_t times[EV_TIMES_MAX];
	/* no_plaintext_mh: the first offending frame */
	uint64_t bad_frames, bad_at;
	char bad_what[160];
};

struct expect {
	struct sim *s;
	const struct scenario *sc;
	struct traffic *t;
	size_t n;
	struct exp_state *st;
	struct expect_result *res;
};

static char *fmt_t(uint64_t ns, char buf[32])
{
	snprintf(buf, 32, "%llu.%06llu s", (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns % 1000000000ull / 1000));
	return buf;
}

/* Signed difference in ms with 3 decimals, for "off by" messages. */
static double ms_diff(uint64_t a, uint64_t b)
{
	return a >= b ? (double)(a - b) / 1e6 : -(double)(b - a) / 1e6;
}

static void decide(struct expect *x, size_t i, bool pass, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void decide(struct expect *x, size_t i, bool pass, const char *fmt, ...)
{
	struct expect_result *r = &x->res[i];
	if (r->decided)
		return;
	r->decided = true;
	r->pass = pass;
	r->when = x->s->now;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	const struct sc_expect *e = &x->sc->expects[i];
	sim_note(x->s, SIM_NOTE_EXPECT, e->node, e->link, "%s line %u: %s: %s", pass ? "PASS" : "FAIL", e->line,
		 e->label, r->reason);
}

static bool in_bounds(const struct sc_expect *e, uint64_t v, char *why, size_t cap)
{
	if (e->has_min && v < e->min) {
		snprintf(why, cap, "%llu, expected at least %llu", (unsigned long long)v, (unsigned long long)e->min);
		return false;
	}
	if (e->has_max && v > e->max) {
		snprintf(why, cap, "%llu, expected at most %llu", (unsigned long long)v, (unsigned long long)e->max);
		return false;
	}
	if (e->has_min && e->has_max && e->min == e->max)
		snprintf(why, cap, "%llu as expected", (unsigned long long)v);
	else if (e->has_min && e->has_max)
		snprintf(why, cap, "%llu, within %llu..%llu", (unsigned long long)v, (unsigned long long)e->min,
			 (unsigned long long)e->max);
	else if (e->has_min)
		snprintf(why, cap, "%llu, at least %llu", (unsigned long long)v, (unsigned long long)e->min);
	else
		snprintf(why, cap, "%llu, at most %llu", (unsigned long long)v, (unsigned long long)e->max);
	return true;
}

static void check_binding(struct expect *x, size_t i)
{
	const struct sc_expect *e = &x->sc->expects[i];
	const struct sim_host *h = x->s->hosts[e->node];
	uint8_t coa[16];
	char got[46], want[46];
	if (!h->ops->binding) {
		decide(x, i, false, "host %s cannot report bindings", h->name);
		return;
	}
	int rc = h->ops->binding(h->h, e->hoa, coa);
	if (rc < 0) {
		decide(x, i, false, "%s is not a home agent, correspondent or mobile node", h->name);
		return;
	}
	if (rc == 1)
		ip6_addr_format(coa, got);
	if (e->coa_none) {
		if (rc == 0)
			decide(x, i, true, "no binding, as expected");
		else
			decide(x, i, false, "binding to care-of %s, expected none", got);
		return;
	}
	ip6_addr_format(e->coa, want);
	if (rc == 0)
		decide(x, i, false, "no binding, expected care-of %s", want);
	else if (memcmp(coa, e->coa, 16))
		decide(x, i, false, "care-of %s, expected %s", got, want);
	else
		decide(x, i, true, "care-of %s", got);
}

static uint64_t host_counter(const struct sim_host *h, const char *what)
{
	const struct sim_host_stats *st = &h->st;
	if (!strcmp(what, "tx")) return st->tx;
	if (!strcmp(what, "rx")) return st->rx;
	if (!strcmp(what, "timers")) return st->timers;
	if (!strcmp(what, "app_sent")) return st->app_sent;
	if (!strcmp(what, "app_delivered")) return st->app_delivered;
	if (!strcmp(what, "tx_unattached")) return st->tx_unattached;
	return st->drops;
}

static uint64_t link_counter(const struct sim_link *l, const char *what)
{
	const struct sim_link_stats *st = &l->st;
	if (!strcmp(what, "frames")) return st->frames;
	if (!strcmp(what, "octets")) return st->octets;
	if (!strcmp(what, "lost")) return st->lost;
	if (!strcmp(what, "duplicated")) return st->duplicated;
	if (!strcmp(what, "reordered")) return st->reordered;
	if (!strcmp(what, "mtu_drops")) return st->mtu_drops;
	return st->deliveries;
}

static void check_counter(struct expect *x, size_t i)
{
	const struct sc_expect *e = &x->sc->expects[i];
	char why[128];
	uint64_t v;
	if (e->counter == SC_CNT_LINK) {
		v = link_counter(x->s->links[e->link], e->what);
	} else {
		const struct sim_host *h = x->s->hosts[e->node];
		if (e->counter == SC_CNT_DROP) {
			if (!h->ops->drops) {
				decide(x, i, false, "host %s has no drop counters", h->name);
				return;
			}
			v = h->ops->drops(h->h, e->drop_code);
		} else if (e->counter == SC_CNT_EVENT) {
			v = h->st.events ? h->st.events[e->ev_type] : 0;
		} else {
			v = host_counter(h, e->what);
		}
	}
	bool ok = in_bounds(e, v, why, sizeof(why));
	decide(x, i, ok, "%s", why);
}

static void check_delivered(struct expect *x, size_t i)
{
	const struct sc_expect *e = &x->sc->expects[i];
	const struct flow_stats *fs = traffic_stats(x->t, (unsigned)e->flow);
	char why[128], t1[32], t2[32], t3[32];
	bool ok = true;
	if (e->has_min || e->has_max)
		ok = in_bounds(e, fs->delivered, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%llu", (unsigned long long)fs->delivered);
	if (ok && e->max_gap) {
		if (fs->max_gap > e->max_gap) {
			decide(x, i, false, "%s; longest interruption %s (ending at %s), allowed %s", why,
			       fmt_t(fs->max_gap, t1), fmt_t(fs->max_gap_end, t2), fmt_t(e->max_gap, t3));
			return;
		}
		decide(x, i, true, "%s; longest interruption %s", why, fmt_t(fs->max_gap, t1));
		return;
	}
	decide(x, i, ok, "%s", why);
}

static void check_event(struct expect *x, size_t i)
{
	const struct sc_expect *e = &x->sc->expects[i];
	struct exp_state *st = &x->st[i];
	char why[128], t1[32], t2[32];
	if ((e->has_min || e->has_max) && !in_bounds(e, st->count, why, sizeof(why))) {
		decide(x, i, false, "%s event(s): %s", m6_ev_name((enum m6_ev_type)e->ev_types[0]), why);
		return;
	}
	if (e->first_at != UINT64_MAX) {
		if (!st->count) {
			decide(x, i, false, "never happened (expected at %s)", fmt_t(e->first_at, t1));
			return;
		}
		uint64_t d = st->times[0] > e->first_at ? st->times[0] - e->first_at : e->first_at - st->times[0];
		if (d > e->tolerance) {
			decide(x, i, false, "first at %s, expected %s (off by %+.3f ms, tolerance %s)", fmt_t(st->times[0], t1),
			       fmt_t(e->first_at, t2), ms_diff(st->times[0], e->first_at), fmt_t(e->tolerance, t2));
			return;
		}
	}
	if (e->n_intervals) {
		/* partial: the gaps that happened follow the list (a retransmission
		 * schedule cut short when an answer arrives) */
		uint64_t gaps = st->count ? st->count - 1 : 0;
		if (!e->partial_intervals && gaps < e->n_intervals) {
			decide(x, i, false, "%llu event(s), need %u to check %u interval(s)", (unsigned long long)st->count,
			       e->n_intervals + 1, e->n_intervals);
			return;
		}
		if (e->partial_intervals && gaps > e->n_intervals) {
			decide(x, i, false, "%llu event(s): more gaps than the %u interval(s) listed",
			       (unsigned long long)st->count, e->n_intervals);
			return;
		}
		for (unsigned k = 0; k < e->n_intervals && k < gaps && k + 1 < EV_TIMES_MAX; k++) {
			uint64_t gap = st->times[k + 1] - st->times[k];
			uint64_t d = gap > e->intervals[k] ? gap - e->intervals[k] : e->intervals[k] - gap;
			char t3[32];
			if (d > e->tolerance) {
				decide(x, i, false, "interval %u (%s -> ...) is %s, expected %s", k + 1, fmt_t(st->times[k], t1),
				       fmt_t(gap, t2), fmt_t(e->intervals[k], t3));
				return;
			}
		}
	}
	decide(x, i, true, "%llu event(s)%s%s%s", (unsigned long long)st->count,
	       st->count ? ", first at " : "", st->count ? fmt_t(st->times[0], t1) : "",
	       e->n_intervals ? ", intervals as expected" : "");
}

static void timed(struct sim *s, struct sim_task *task, uint32_t arg)
{
	(void)s;
	(void)arg;
	struct exp_state *st = (struct exp_state *)((char *)task - offsetof(struct exp_state, task));
	struct expect *x = st->x;
	switch (x->sc->expects[st->index].type) {
	case SC_EX_BINDING: check_binding(x, st->index); break;
	case SC_EX_COUNTER: check_counter(x, st->index); break;
	case SC_EX_DELIVERED: check_delivered(x, st->index); break;
	default: break;
	}
}

struct expect *expect_new(struct sim *s, const struct scenario *sc, struct traffic *t)
{
	struct expect *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->s = s;
	x->sc = sc;
	x->t = t;
	x->n = sc->n_expects;
	x->st = calloc(x->n + 1, sizeof(*x->st));
	x->res = calloc(x->n + 1, sizeof(*x->res));
	if (!x->st || !x->res) {
		expect_free(x);
		return NULL;
	}
	for (size_t i = 0; i < x->n; i++) {
		x->st[i].x = x;
		x->st[i].index = i;
		x->st[i].task.fn = timed;
		const struct sc_expect *e = &sc->expects[i];
		if (e->at != UINT64_MAX && e->type != SC_EX_EVENT && e->type != SC_EX_NO_PLAINTEXT_MH &&
		    sim_at(s, e->at, &x->st[i].task, 0)) {
			expect_free(x);
			return NULL;
		}
	}
	return x;
}

void expect_free(struct expect *x)
{
	if (!x)
		return;
	free(x->st);
	free(x->res);
	free(x);
}

void expect_on_event(struct expect *x, const struct sim_host *h, const struct m6_event *ev)
{
	for (size_t i = 0; i < x->n; i++) {
		const struct sc_expect *e = &x->sc->expects[i];
		if (e->type != SC_EX_EVENT || e->node != (int)h->index)
			continue;
		bool match = false;
		for (unsigned k = 0; k < e->n_types; k++)
			match = match || e->ev_types[k] == (int)ev->type;
		if (!match || (e->has_code && ev->code != e->code) || ev->time < e->from || ev->time > e->until)
			continue;
		struct exp_state *st = &x->st[i];
		if (st->count < EV_TIMES_MAX)
			st->times[st->count] = ev->time;
		st->count++;
	}
}

bool expect_plaintext_mh(const uint8_t *pkt, size_t len)
{
	struct ip6_walk w;
	ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	return w.proto == IP6P_MH && w.proto_off < w.end;
}

void expect_on_frame(struct expect *x, const struct sim_link *l, const uint8_t *pkt, size_t len, uint64_t now)
{
	bool checked = false, bad = false;
	for (size_t i = 0; i < x->n; i++) {
		const struct sc_expect *e = &x->sc->expects[i];
		if (e->type != SC_EX_NO_PLAINTEXT_MH || e->link != (int)l->index)
			continue;
		if (!checked) {
			bad = expect_plaintext_mh(pkt, len);
			checked = true;
		}
		if (!bad)
			continue;
		struct exp_state *st = &x->st[i];
		if (!st->bad_frames++) {
			struct ip6_walk w;
			char src[46], dst[46];
			ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
			ip6_addr_format(w.hdr.src, src);
			ip6_addr_format(w.hdr.dst, dst);
			st->bad_at = now;
			snprintf(st->bad_what, sizeof(st->bad_what), "MH type %u %s -> %s%s",
				 w.proto_off + 2 < w.end ? pkt[w.proto_off + 2] : 0, src, dst,
				 w.ah_off >= 0 ? " (AH only)" : "");
		}
	}
}

void expect_finish(struct expect *x)
{
	char t[32];
	for (size_t i = 0; i < x->n; i++) {
		const struct sc_expect *e = &x->sc->expects[i];
		struct exp_state *st = &x->st[i];
		switch (e->type) {
		case SC_EX_BINDING: check_binding(x, i); break;
		case SC_EX_COUNTER: check_counter(x, i); break;
		case SC_EX_DELIVERED: check_delivered(x, i); break;
		case SC_EX_EVENT: check_event(x, i); break;
		case SC_EX_NO_PLAINTEXT_MH:
			if (st->bad_frames)
				decide(x, i, false, "%llu frame(s), the first at %s: %s", (unsigned long long)st->bad_frames,
				       fmt_t(st->bad_at, t), st->bad_what);
			else
				decide(x, i, true, "none seen");
			break;
		}
	}
}

const struct expect_result *expect_result(const struct expect *x, size_t i)
{
	return &x->res[i];
}

size_t expect_failures(const struct expect *x)
{
	size_t n = 0;
	for (size_t i = 0; i < x->n; i++)
		n += !x->res[i].pass;
	return n;
}
