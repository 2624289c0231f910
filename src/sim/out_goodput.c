/* The goodput plot: one panel per traffic flow, payload delivered per time
 * bin (what the application received: unique packets, in-order segments),
 * time running right over the whole run. Interruptions (gaps between
 * consecutive deliveries longer than GAP_MIN_NS and three sending
 * intervals) are shaded and the longest is labelled with its length.
 * Above the panels, one track each for moves (links attached and left,
 * returns home), registrations (Binding Acknowledgements received:
 * accepted or rejected), SA lifetime events (acquires, soft and hard
 * expiry: where rekeying happens) and drops (with their reasons; a bar per
 * bin shows how many); each mark is a vertical line through every panel, so
 * a handover reads left to right: move, silence, registration, traffic
 * again. */
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "scenario.h"

#define GP_W 1200
#define GP_L 120
#define GP_R 40
#define GP_PW (GP_W - GP_L - GP_R)
#define LINE_H 14               /* a track holds one or more lines of labels */
#define TRACK_TOP 66
#define PANEL_H 110
#define PANEL_GAP 40
#define BINS_MAX 400            /* base bins over the run */
#define GAPS_MAX 64             /* shaded interruptions per flow */
#define GAP_MIN_NS (200 * 1000000ull)
#define MARKS_MAX 2000          /* labelled marks per kind; drops beyond are counted in the bars */
#define CHAR_W 7                /* monospace 11 px, rounded up: where a label ends */

enum mark_kind { MK_MOVE, MK_REG, MK_SA, MK_DROP, MK_KINDS };

static const char *const mk_name[MK_KINDS] = { "move", "registration", "sa", "drop" };
static const char *const mk_track[MK_KINDS] = { "moves", "registrations", "SAs (rekey)", "drops" };
static const char *const mk_color[MK_KINDS] = { "#1565c0", "#2e7d32", "#8e24aa", "#c0392b" };
static const int mk_lines[MK_KINDS] = { 2, 1, 2, 4 };  /* drops come in bursts: more room */

static int track_y(int k)
{
	int y = TRACK_TOP;
	for (int i = 0; i < k; i++)
		y += mk_lines[i] * LINE_H + 4;
	return y;
}

struct gp_mark {
	uint64_t t;
	uint8_t kind;
	bool bad;               /* a rejecting BA: drawn in the drop colour */
	int host, link;         /* a detach waiting for its attach */
	char text[112];       /* two names of up to SC_NAME_MAX and words */
};

struct gp_gap {
	uint64_t from, to;
};

struct gp_flow {
	const struct sc_flow *cfg;
	uint64_t bin;           /* this flow's bin: the base bin, or wider for a slow flow */
	size_t n_bins;
	uint64_t *octets;
	uint64_t last, delivered, gap_min;
	struct gp_gap gaps[GAPS_MAX];
	size_t n_gaps, more_gaps;
	struct gp_gap longest;
};

struct goodput {
	const struct scenario *sc;
	uint64_t dur, base;
	size_t n_base;
	uint64_t *drop_bins;
	uint64_t drops;
	struct gp_flow *f;
	struct gp_mark *m;
	size_t n_m, cap_m;
	size_t per_kind[MK_KINDS], unlabelled[MK_KINDS];
};

/* The smallest of 1, 2, 5 x 10^k ns at least v. */
static uint64_t nice_ns(uint64_t v)
{
	for (uint64_t p = 1;; p *= 10) {
		if (p >= v)
			return p;
		if (2 * p >= v)
			return 2 * p;
		if (5 * p >= v)
			return 5 * p;
		if (p > UINT64_MAX / 100)
			return UINT64_MAX / 10;
	}
}

struct goodput *goodput_new(const struct scenario *sc)
{
	struct goodput *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->sc = sc;
	g->dur = sc->duration ? sc->duration : 1;
	g->base = nice_ns((g->dur + BINS_MAX - 1) / BINS_MAX);
	g->n_base = (size_t)((g->dur + g->base - 1) / g->base);
	g->drop_bins = calloc(g->n_base + 1, sizeof(*g->drop_bins));
	g->f = calloc(sc->n_flows + 1, sizeof(*g->f));
	if (!g->drop_bins || !g->f) {
		goodput_free(g);
		return NULL;
	}
	for (size_t i = 0; i < sc->n_flows; i++) {
		struct gp_flow *f = &g->f[i];
		f->cfg = &sc->flows[i];
		/* a slow flow (a ping a second) gets bins of a few packets, not of 0 or 1 */
		uint64_t want = f->cfg->type == SC_FLOW_STREAM ? g->base : 4 * f->cfg->interval;
		f->bin = want > g->base ? nice_ns(want) : g->base;
		f->n_bins = (size_t)((g->dur + f->bin - 1) / f->bin);
		f->gap_min = 3 * f->cfg->interval > GAP_MIN_NS ? 3 * f->cfg->interval : GAP_MIN_NS;
		f->last = UINT64_MAX;
		if (!(f->octets = calloc(f->n_bins + 1, sizeof(*f->octets)))) {
			goodput_free(g);
			return NULL;
		}
	}
	return g;
}

void goodput_free(struct goodput *g)
{
	if (!g)
		return;
	for (size_t i = 0; g->f && i < g->sc->n_flows; i++)
		free(g->f[i].octets);
	free(g->f);
	free(g->drop_bins);
	free(g->m);
	free(g);
}

void goodput_delivery(void *ctx, unsigned flow, uint64_t now, uint32_t octets)
{
	struct goodput *g = ctx;
	if (flow >= g->sc->n_flows)
		return;
	struct gp_flow *f = &g->f[flow];
	size_t b = (size_t)(now / f->bin);
	f->octets[b < f->n_bins ? b : f->n_bins] += octets;
	if (f->last != UINT64_MAX && now - f->last > f->gap_min) {
		struct gp_gap gp = { f->last, now };
		if (f->n_gaps < GAPS_MAX)
			f->gaps[f->n_gaps++] = gp;
		else
			f->more_gaps++;
		if (gp.to - gp.from > f->longest.to - f->longest.from)
			f->longest = gp;
	}
	f->last = now;
	f->delivered++;
}

static struct gp_mark *mark(struct goodput *g, uint64_t t, enum mark_kind k)
{
	if (g->per_kind[k] >= MARKS_MAX) {
		g->unlabelled[k]++;
		return NULL;
	}
	if (g->n_m == g->cap_m) {
		size_t cap = g->cap_m ? 2 * g->cap_m : 64;
		struct gp_mark *p = realloc(g->m, cap * sizeof(*p));
		if (!p) {
			g->unlabelled[k]++;
			return NULL;
		}
		g->m = p;
		g->cap_m = cap;
	}
	g->per_kind[k]++;
	struct gp_mark *m = &g->m[g->n_m++];
	memset(m, 0, sizeof(*m));
	m->t = t;
	m->kind = (uint8_t)k;
	m->host = m->link = -1;
	return m;
}

static const char *host_name(const struct goodput *g, unsigned host)
{
	return host < g->sc->n_nodes ? g->sc->nodes[host].name : "?";
}

void goodput_event(struct goodput *g, unsigned host, const struct m6_event *ev)
{
	struct gp_mark *m;
	const char *h = host_name(g, host);
	switch (ev->type) {
	case M6_EV_BA_RECEIVED:
		if ((m = mark(g, ev->time, MK_REG))) {
			m->bad = ev->code >= 128;
			snprintf(m->text, sizeof(m->text), "%s: BA %d %s", h, ev->code, m->bad ? "rejected" : "accepted");
		}
		return;
	case M6_EV_RETURNED_HOME:
		if ((m = mark(g, ev->time, MK_MOVE)))
			snprintf(m->text, sizeof(m->text), "%s home", h);
		return;
	case M6_EV_SA_EXPIRE:
		if ((m = mark(g, ev->time, MK_SA)))
			snprintf(m->text, sizeof(m->text), "%s: SA 0x%x %s expiry", h, (unsigned)ev->u32,
				 ev->code == 1 ? "soft" : "hard");
		return;
	case M6_EV_SA_ACQUIRE:
		if ((m = mark(g, ev->time, MK_SA)))
			snprintf(m->text, sizeof(m->text), "%s: acquire, policy %u", h, (unsigned)ev->u32);
		return;
	case M6_EV_DROP: {
		size_t b = (size_t)(ev->time / g->base);
		g->drop_bins[b < g->n_base ? b : g->n_base]++;
		g->drops++;
		if ((m = mark(g, ev->time, MK_DROP)))
			snprintf(m->text, sizeof(m->text), "%s: %s", h, m6_errid(ev->code));
		return;
	}
	default:
		return;
	}
}

void goodput_note(struct goodput *g, const struct sim_note *n)
{
	/* the attachments at time 0 are the starting positions, not moves */
	if ((n->type != SIM_NOTE_ATTACH && n->type != SIM_NOTE_DETACH) || !n->time || n->host < 0 ||
	    n->link < 0 || (size_t)n->link >= g->sc->n_links)
		return;
	const char *h = host_name(g, (unsigned)n->host), *l = g->sc->links[n->link].name;
	struct gp_mark *last = g->n_m ? &g->m[g->n_m - 1] : NULL;
	if (n->type == SIM_NOTE_ATTACH && last && last->kind == MK_MOVE && last->t == n->time && last->host == n->host &&
	    last->link >= 0) {
		/* a move without a gap: one mark, from one link to the other */
		snprintf(last->text, sizeof(last->text), "%s: %s -> %s", h, g->sc->links[last->link].name, l);
		last->link = -1;
		return;
	}
	struct gp_mark *m = mark(g, n->time, MK_MOVE);
	if (!m)
		return;
	if (n->type == SIM_NOTE_DETACH) {
		m->host = n->host;
		m->link = n->link;
		snprintf(m->text, sizeof(m->text), "%s leaves %s", h, l);
	} else {
		snprintf(m->text, sizeof(m->text), "%s: -> %s", h, l);
	}
}

/* ---- writing ---------------------------------------------------------------- */

static int xt(const struct goodput *g, uint64_t t)
{
	if (t > g->dur)
		t = g->dur;
	return GP_L + (int)(t / 1000 * (uint64_t)GP_PW / (g->dur / 1000 ? g->dur / 1000 : 1));
}

static void gesc(FILE *f, const char *s)
{
	out_xml_text(f, s);
}

/* "12.5s", "250ms", "10us": a duration for labels, from integers. */
static void fmt_dur(uint64_t ns, char *buf, size_t cap)
{
	if (ns >= SIM_NS_PER_S) {
		unsigned ms = (unsigned)(ns % SIM_NS_PER_S / 1000000);
		if (!ms)
			snprintf(buf, cap, "%llus", (unsigned long long)(ns / SIM_NS_PER_S));
		else
			snprintf(buf, cap, "%llu.%0*us", (unsigned long long)(ns / SIM_NS_PER_S), ms % 100 ? 3 : ms % 10 ? 2 : 1,
				 ms % 100 ? ms : ms % 10 ? ms / 10 : ms / 100);
	} else if (ns >= 1000000)
		snprintf(buf, cap, "%llums", (unsigned long long)(ns / 1000000));
	else
		snprintf(buf, cap, "%lluus", (unsigned long long)(ns / 1000));
}

/* A rate in bit/s as "1.2 Mbit/s" (printf in the C locale: the CLI sets none). */
static void fmt_rate(double bps, char *buf, size_t cap)
{
	if (bps >= 1e6)
		snprintf(buf, cap, "%.3g Mbit/s", bps / 1e6);
	else if (bps >= 1e3)
		snprintf(buf, cap, "%.3g kbit/s", bps / 1e3);
	else
		snprintf(buf, cap, "%.3g bit/s", bps);
}

/* A round upper bound for an axis: 1, 2, 2.5, 5 x 10^k. */
static double nice_max(double v)
{
	if (v <= 0)
		return 1;
	double p = 1;
	while (p * 10 <= v)
		p *= 10;
	while (p > v)
		p /= 10;
	static const double steps[] = { 1, 2, 2.5, 5, 10 };
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (steps[i] * p >= v)
			return steps[i] * p;
	return 10 * p;
}

static void time_axis(const struct goodput *g, FILE *f, int y)
{
	uint64_t step = nice_ns(g->dur / 10 ? g->dur / 10 : 1);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", GP_L, y, GP_L + GP_PW, y);
	for (uint64_t t = 0; t <= g->dur; t += step) {
		char lab[32];
		int x = xt(g, t);
		fmt_dur(t, lab, sizeof(lab));
		if (!t)
			snprintf(lab, sizeof(lab), "0");
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/><text x=\"%d\" y=\"%d\" "
			   "text-anchor=\"middle\">%s</text>\n", x, y, x, y + 4, x, y + 16, lab);
		if (t > UINT64_MAX - step)
			break;
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">simulated time</text>\n",
		GP_L + GP_PW / 2, y + 32);
}

static void panel(const struct goodput *g, FILE *f, size_t i, int top)
{
	const struct gp_flow *fl = &g->f[i];
	const struct sc_flow *c = fl->cfg;
	static const char *const types[] = { "ping", "udp", "stream" };
	double peak = 0;
	for (size_t b = 0; b < fl->n_bins; b++) {
		double v = (double)fl->octets[b] * 8 * 1e9 / (double)fl->bin;
		peak = v > peak ? v : peak;
	}
	double ymax = nice_max(peak);
	int bottom = top + PANEL_H;
	char lab[48], bin[32], gap[32];
	fmt_dur(fl->bin, bin, sizeof(bin));
	fprintf(f, "<g class=\"flow\" id=\"flow-");
	gesc(f, c->name);
	fprintf(f, "\">\n<text x=\"%d\" y=\"%d\" font-weight=\"bold\">flow ", GP_L, top - 8);
	gesc(f, c->name);
	fprintf(f, "</text><text x=\"%d\" y=\"%d\" fill=\"#555\"> (%s ", GP_L + CHAR_W * (6 + (int)strlen(c->name)), top - 8,
		types[c->type]);
	gesc(f, c->from >= 0 ? host_name(g, (unsigned)c->from) : "?");
	fputs(" -&gt; ", f);
	gesc(f, c->to_node >= 0 ? host_name(g, (unsigned)c->to_node) : "address");
	fprintf(f, "; %llu delivered; bins of %s", (unsigned long long)fl->delivered, bin);
	if (fl->longest.to) {
		fmt_dur(fl->longest.to - fl->longest.from, gap, sizeof(gap));
		fprintf(f, "; longest interruption %s", gap);
	}
	fputs(")</text>\n", f);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#bbb\"/>\n", GP_L, top,
		GP_PW, PANEL_H);
	/* the interruptions first, under the curve */
	for (size_t k = 0; k < fl->n_gaps; k++) {
		int x1 = xt(g, fl->gaps[k].from), x2 = xt(g, fl->gaps[k].to);
		fprintf(f, "<rect class=\"interruption\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ffcdd2\" "
			   "fill-opacity=\"0.8\"/>\n", x1, top, x2 - x1 > 1 ? x2 - x1 : 1, PANEL_H);
	}
	if (fl->longest.to) {
		int x1 = xt(g, fl->longest.from), x2 = xt(g, fl->longest.to);
		fmt_dur(fl->longest.to - fl->longest.from, gap, sizeof(gap));
		fprintf(f, "<text class=\"interruption-label\" x=\"%d\" y=\"%d\" fill=\"#b71c1c\" font-weight=\"bold\" "
			   "stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">"
			   "interrupted %s</text>\n", x2 + 4 > GP_L + GP_PW - 150 ? x1 - 150 : x2 + 4, top + 14, gap);
	}
	/* y axis: 0, half, full */
	for (int q = 0; q <= 2; q++) {
		int y = bottom - q * PANEL_H / 2;
		fmt_rate(ymax * q / 2, lab, sizeof(lab));
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%d\" "
			   "text-anchor=\"end\" fill=\"#555\" font-size=\"10\">%s</text>\n", GP_L, y, GP_L + GP_PW, y, GP_L - 4,
			y + 4, q ? lab : "0");
	}
	/* the goodput: a step line over the bins, filled below */
	fprintf(f, "<path class=\"goodput\" d=\"M%d,%d", GP_L, bottom);
	for (size_t b = 0; b < fl->n_bins; b++) {
		double v = (double)fl->octets[b] * 8 * 1e9 / (double)fl->bin;
		int y = bottom - (int)(v / ymax * PANEL_H + 0.5);
		uint64_t t1 = (b + 1) * fl->bin;
		fprintf(f, " L%d,%d L%d,%d", xt(g, b * fl->bin), y, xt(g, t1), y);
	}
	fprintf(f, " L%d,%d Z\" fill=\"#bbdefb\" stroke=\"#1565c0\" stroke-width=\"1.2\"/>\n</g>\n", xt(g, g->dur), bottom);
}

int goodput_write(struct goodput *g, FILE *f, const char *title)
{
	size_t nf = g->sc->n_flows;
	int panels_top = track_y(MK_KINDS) + 30;
	int panels_bottom = panels_top + (int)(nf ? nf : 1) * (PANEL_H + PANEL_GAP) - PANEL_GAP;
	int h = panels_bottom + 70;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "font-family=\"monospace\" font-size=\"11\">\n<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
		GP_W, h, GP_W, h, GP_W, h);
	fputs("<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">", f);
	gesc(f, title);
	fputs("</text>\n<text x=\"10\" y=\"38\" fill=\"#555\">goodput per flow (payload the application received per "
	      "bin); shaded red: no delivery for longer than 200ms and three sending intervals</text>\n", f);
	fprintf(f, "<text x=\"10\" y=\"54\" fill=\"#555\">vertical lines: ");
	for (int k = 0; k < MK_KINDS; k++)
		fprintf(f, "<tspan fill=\"%s\">%s</tspan>%s", mk_color[k], mk_track[k], k + 1 < MK_KINDS ? ", " : "");
	fputs("</text>\n", f);
	/* the tracks */
	for (int k = 0; k < MK_KINDS; k++) {
		int y = track_y(k), yb = track_y(k + 1) - 2;
		fprintf(f, "<text x=\"10\" y=\"%d\" fill=\"%s\">%s</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			   "stroke=\"#eee\"/>\n", y + 11, mk_color[k], mk_track[k], GP_L, yb, GP_L + GP_PW, yb);
	}
	/* drops per bin as bars in their track (a flood reads as a block) */
	uint64_t dmax = 0;
	for (size_t b = 0; b <= g->n_base; b++)
		dmax = g->drop_bins[b] > dmax ? g->drop_bins[b] : dmax;
	for (size_t b = 0; dmax && b < g->n_base; b++) {
		if (!g->drop_bins[b])
			continue;
		int th = mk_lines[MK_DROP] * LINE_H;
		int hh = (int)(g->drop_bins[b] * (uint64_t)th / dmax);
		int x1 = xt(g, b * g->base), x2 = xt(g, (b + 1) * g->base);
		int y = track_y(MK_DROP) + th;
		fprintf(f, "<rect class=\"drop-bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#c0392b\" "
			   "fill-opacity=\"0.35\"/>\n", x1, y - (hh ? hh : 1), x2 - x1 > 1 ? x2 - x1 : 1, hh ? hh : 1);
	}
	if (nf) {
		for (size_t i = 0; i < nf; i++)
			panel(g, f, i, panels_top + (int)i * (PANEL_H + PANEL_GAP));
	} else {
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#555\">no traffic flows in this scenario</text>\n", GP_L,
			panels_top + PANEL_H / 2);
	}
	/* the marks over everything: a line through the panels, a label in the
	 * track where there is room (never on top of the previous one) */
	int label_end[MK_KINDS][4];
	memset(label_end, 0, sizeof(label_end));
	for (size_t i = 0; i < g->n_m; i++) {
		const struct gp_mark *m = &g->m[i];
		int x = xt(g, m->t), ty = track_y(m->kind), line;
		const char *col = m->bad ? mk_color[MK_DROP] : mk_color[m->kind];
		bool many_drops = m->kind == MK_DROP && g->drops > 200;
		fprintf(f, "<g class=\"mark %s\">", mk_name[m->kind]);
		if (!many_drops)
			fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-opacity=\"0.6\"%s/>", x,
				ty + 2, x, panels_bottom, col, m->kind == MK_DROP ? " stroke-dasharray=\"2,3\"" : "");
		for (line = 0; line < mk_lines[m->kind] && x < label_end[m->kind][line]; line++)
			;
		if (line < mk_lines[m->kind]) {
			fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\" stroke=\"white\" stroke-width=\"3\" "
				   "paint-order=\"stroke\">", x + 3, ty + 11 + line * LINE_H, col);
			gesc(f, m->text);
			fputs("</text>", f);
			label_end[m->kind][line] = x + 3 + CHAR_W * (int)strlen(m->text) + 6;
		} else {
			fprintf(f, "<title>");
			gesc(f, m->text);
			fputs("</title>", f);
		}
		fputs("</g>\n", f);
	}
	for (int k = 0; k < MK_KINDS; k++)
		if (g->unlabelled[k])
			fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\" text-anchor=\"end\">(+%llu not marked)</text>\n",
				GP_L + GP_PW, track_y(k) + 11, mk_color[k], (unsigned long long)g->unlabelled[k]);
	time_axis(g, f, panels_bottom + 8);
	fputs("</svg>\n", f);
	return ferror(f) ? M6_E_INVAL : 0;
}
