/* The ladder diagram: one lifeline per node, time running down (one row
 * per drawn happening, so bursts stay readable), an arrow per Mobility
 * Header message from its sender to its receiver, drops and movements
 * marked on the lifelines. */
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "pkt/ip6.h"

#define ROW_H 22
#define COL_W 190
#define LEFT 120
#define RIGHT 280       /* room for notes beside the last lifeline */
#define TOP 70
#define ADDRS_MAX 4096

enum item_kind { IT_SEND, IT_RECV, IT_DROP, IT_NOTE };

struct item {
	uint64_t t;
	enum item_kind kind;
	unsigned host;
	int to_host;            /* IT_SEND: receiver, -1 unknown */
	int row, row_to;        /* row_to: the matching receive, -1 none */
	int ev_type;
	int32_t code;
	bool no_receipt;        /* message types without a "received" event */
	bool matched;
	char label[72];
};

struct svg_addr_map {
	uint8_t a[16];
	unsigned host;
};

struct svg {
	const char *const *names;
	size_t n_hosts;
	struct item *it;
	size_t n, cap;
	int rows;
	bool truncated;
	struct svg_addr_map *addrs;
	size_t n_addrs;
};

struct svg *svg_new(const char *const *names, size_t n_hosts)
{
	struct svg *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->names = names;
	g->n_hosts = n_hosts;
	g->addrs = calloc(ADDRS_MAX, sizeof(*g->addrs));
	if (!g->addrs) {
		free(g);
		return NULL;
	}
	return g;
}

void svg_free(struct svg *g)
{
	if (!g)
		return;
	free(g->it);
	free(g->addrs);
	free(g);
}

void svg_addr(struct svg *g, const uint8_t a[16], unsigned host)
{
	for (size_t i = 0; i < g->n_addrs; i++) {
		if (!memcmp(g->addrs[i].a, a, 16)) {
			g->addrs[i].host = host;   /* an address moves with its latest owner */
			return;
		}
	}
	if (g->n_addrs < ADDRS_MAX) {
		memcpy(g->addrs[g->n_addrs].a, a, 16);
		g->addrs[g->n_addrs++].host = host;
	}
}

static int host_of(const struct svg *g, const uint8_t a[16])
{
	for (size_t i = 0; i < g->n_addrs; i++)
		if (!memcmp(g->addrs[i].a, a, 16))
			return (int)g->addrs[i].host;
	return -1;
}

static struct item *add(struct svg *g, uint64_t t, enum item_kind k, unsigned host)
{
	if (g->rows >= OUT_SVG_ROWS) {
		g->truncated = true;
		return NULL;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 256;
		struct item *p = realloc(g->it, cap * sizeof(*p));
		if (!p) {
			g->truncated = true;
			return NULL;
		}
		g->it = p;
		g->cap = cap;
	}
	struct item *it = &g->it[g->n++];
	memset(it, 0, sizeof(*it));
	it->t = t;
	it->kind = k;
	it->host = host;
	it->to_host = -1;
	it->row = g->rows++;
	it->row_to = -1;
	it->ev_type = -1;
	return it;
}

/* The send event a receive event answers, or -1. */
static int send_type_for(int recv)
{
	switch (recv) {
	case M6_EV_BU_RECEIVED: return M6_EV_BU_SENT;
	case M6_EV_BA_RECEIVED: return M6_EV_BA_SENT;
	case M6_EV_BE_RECEIVED: return M6_EV_BE_SENT;
	case M6_EV_BRR_RECEIVED: return M6_EV_BRR_SENT;
	default: return -1;
	}
}

static bool match_recv(struct svg *g, unsigned host, const struct m6_event *ev)
{
	int st = send_type_for(ev->type), from = host_of(g, ev->peer);
	bool seq = ev->type == M6_EV_BU_RECEIVED || ev->type == M6_EV_BA_RECEIVED;
	for (size_t i = 0; i < g->n; i++) {
		struct item *s = &g->it[i];
		if (s->kind != IT_SEND || s->matched || s->to_host != (int)host)
			continue;
		bool type_ok = s->ev_type == st || (st == M6_EV_BU_SENT && s->ev_type == M6_EV_BU_RETRANSMIT);
		if (!type_ok || (from >= 0 && s->host != (unsigned)from) || (seq && s->code != ev->code))
			continue;
		struct item *r = add(g, ev->time, IT_RECV, host);
		if (!r)
			return true;
		s = &g->it[i];   /* add() may have moved the array */
		s->matched = true;
		s->row_to = r->row;
		return true;
	}
	return false;
}

void svg_event(struct svg *g, unsigned host, const struct m6_event *ev)
{
	char a[46];
	struct item *it;
	switch (ev->type) {
	case M6_EV_BU_SENT:
	case M6_EV_BU_RETRANSMIT:
	case M6_EV_BA_SENT:
	case M6_EV_BE_SENT:
	case M6_EV_BRR_SENT:
	case M6_EV_HOTI_SENT:
	case M6_EV_COTI_SENT:
	case M6_EV_HOT_SENT:
	case M6_EV_COT_SENT: {
		static const char *const rr[] = { "HoTI", "CoTI", "HoT", "CoT" };
		if (!(it = add(g, ev->time, IT_SEND, host)))
			return;
		it->ev_type = ev->type;
		it->code = ev->code;
		it->to_host = host_of(g, ev->peer);
		it->no_receipt = ev->type >= M6_EV_HOTI_SENT && ev->type <= M6_EV_COT_SENT;
		if (ev->type == M6_EV_BU_SENT || ev->type == M6_EV_BU_RETRANSMIT)
			snprintf(it->label, sizeof(it->label), "BU seq %d%s", ev->code,
				 ev->type == M6_EV_BU_RETRANSMIT ? " (retransmission)" : "");
		else if (ev->type == M6_EV_BA_SENT)
			snprintf(it->label, sizeof(it->label), "BA status %d", ev->code);
		else if (ev->type == M6_EV_BE_SENT)
			snprintf(it->label, sizeof(it->label), "BE status %d", ev->code);
		else if (ev->type == M6_EV_BRR_SENT)
			snprintf(it->label, sizeof(it->label), "BRR");
		else
			snprintf(it->label, sizeof(it->label), "%s", rr[ev->type - M6_EV_HOTI_SENT]);
		if (it->to_host < 0) {
			ip6_addr_format(ev->peer, a);
			snprintf(it->label + strlen(it->label), sizeof(it->label) - strlen(it->label), " to %s", a);
		}
		return;
	}
	case M6_EV_BU_RECEIVED:
	case M6_EV_BA_RECEIVED:
	case M6_EV_BE_RECEIVED:
	case M6_EV_BRR_RECEIVED:
		if (match_recv(g, host, ev) || !(it = add(g, ev->time, IT_NOTE, host)))
			return;
		ip6_addr_format(ev->peer, a);
		snprintf(it->label, sizeof(it->label), "%s from %s (no matching send)", m6_ev_name(ev->type), a);
		return;
	case M6_EV_DROP:
		if (!(it = add(g, ev->time, IT_DROP, host)))
			return;
		snprintf(it->label, sizeof(it->label), "drop: %s", m6_errid(ev->code));
		return;
	case M6_EV_MOVED:
		svg_addr(g, ev->addr, host);
		if (!(it = add(g, ev->time, IT_NOTE, host)))
			return;
		ip6_addr_format(ev->addr, a);
		snprintf(it->label, sizeof(it->label), "care-of %s", a);
		return;
	case M6_EV_BINDING_ADDED:
	case M6_EV_BINDING_UPDATED:
		if (!(it = add(g, ev->time, IT_NOTE, host)))
			return;
		ip6_addr_format(ev->addr, a);
		snprintf(it->label, sizeof(it->label), "binding %s: care-of %s",
			 ev->type == M6_EV_BINDING_ADDED ? "added" : "updated", a);
		return;
	case M6_EV_RETURNED_HOME:
	case M6_EV_BINDING_DELETED:
	case M6_EV_BINDING_EXPIRED:
	case M6_EV_RR_DONE:
	case M6_EV_SA_ACQUIRE:
	case M6_EV_SA_EXPIRE:
	case M6_EV_DAD_FAILED:
		if (!(it = add(g, ev->time, IT_NOTE, host)))
			return;
		snprintf(it->label, sizeof(it->label), "%s", m6_ev_name(ev->type));
		return;
	default:
		return;   /* per-packet data path and routine ND stay off the ladder */
	}
}

void svg_note(struct svg *g, const struct sim_note *n)
{
	struct item *it;
	if (n->host < 0 || (size_t)n->host >= g->n_hosts)
		return;
	if (n->type != SIM_NOTE_ATTACH && n->type != SIM_NOTE_DETACH && n->type != SIM_NOTE_MTU_DROP)
		return;
	if (!(it = add(g, n->time, n->type == SIM_NOTE_MTU_DROP ? IT_DROP : IT_NOTE, (unsigned)n->host)))
		return;
	snprintf(it->label, sizeof(it->label), "%.*s", (int)sizeof(it->label) - 1, n->text);
}

/* Length of the well-formed UTF-8 sequence at s (1..4) that XML 1.0
 * allows, 0 when there is none (a stray or cut byte, an overlong form, a
 * surrogate, a control character). */
static size_t utf8_char(const unsigned char *s)
{
	if (s[0] < 0x80)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ? 1 : 0;
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : 0;
	if (!n || (n == 3 && s[0] > 0xef))
		return 0;
	uint32_t cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/* Text for XML: the markup characters escaped, and anything that is not
 * well-formed UTF-8 (a scenario name may hold any byte) replaced by U+FFFD,
 * so the file stays well-formed. */
static void esc(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_char(p);
		switch (*p) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if (n)
				fwrite(p, 1, n, f);
			else
				fputs("&#xFFFD;", f);
		}
		p += n ? n : 1;
	}
}

static int col_x(unsigned host)
{
	return LEFT + (int)host * COL_W + COL_W / 2;
}

static int row_y(int row)
{
	return TOP + 20 + row * ROW_H;
}

int svg_write(struct svg *g, FILE *f, const char *title)
{
	int w = LEFT + (int)g->n_hosts * COL_W + RIGHT, h = row_y(g->rows) + 60;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "font-family=\"monospace\" font-size=\"11\">\n", w, h, w, h);
	fputs("<defs><marker id=\"arr\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
	      "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1f4e9c\"/></marker>"
	      "<marker id=\"arrg\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
	      "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#888\"/></marker></defs>\n", f);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n<text x=\"10\" y=\"20\" font-size=\"14\" "
		   "font-weight=\"bold\">", w, h);
	esc(f, title);
	fputs("</text>\n<text x=\"10\" y=\"38\" fill=\"#555\">time (s) runs down; one row per happening</text>\n", f);
	for (size_t i = 0; i < g->n_hosts; i++) {
		int x = col_x((unsigned)i);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\" fill=\"#eef\" stroke=\"#335\"/>"
			   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">", x - 60, TOP - 22, 120, x,
			TOP - 8);
		esc(f, g->names[i]);
		fprintf(f, "</text>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#99a\" stroke-dasharray=\"4,3\"/>\n",
			x, TOP - 2, x, h - 40);
	}
	uint64_t last_t = UINT64_MAX;
	for (size_t i = 0; i < g->n; i++) {
		const struct item *it = &g->it[i];
		int y = row_y(it->row), x = col_x(it->host);
		char t[32];
		if (it->t != last_t) {
			out_time(it->t, t);
			fprintf(f, "<text x=\"10\" y=\"%d\" fill=\"%s\">%s</text>\n", y + 4,
				it->kind == IT_RECV ? "#999" : "#555", t);
			last_t = it->t;
		}
		switch (it->kind) {
		case IT_SEND: {
			bool known = it->to_host >= 0 && (size_t)it->to_host < g->n_hosts && it->to_host != (int)it->host;
			int x2 = known ? col_x((unsigned)it->to_host) : w - 30;
			if (known && it->row_to >= 0) {
				int y2 = row_y(it->row_to);
				fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f4e9c\" stroke-width=\"1.5\" "
					   "marker-end=\"url(#arr)\"/>\n", x, y, x2, y2);
				fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#1f4e9c\">", (x + x2) / 2,
					(y + y2) / 2 - 4);
			} else if (known && !it->no_receipt) {
				/* never arrived (lost, dropped, or the run ended first) */
				int xm = (x + x2) / 2;
				fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c0392b\" stroke-width=\"1.5\" "
					   "stroke-dasharray=\"5,3\"/><text x=\"%d\" y=\"%d\" fill=\"#c0392b\" "
					   "text-anchor=\"middle\" font-size=\"14\">&#x2715;</text>\n", x, y, xm, y + ROW_H / 2,
					xm, y + ROW_H / 2 + 5);
				fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#c0392b\">", (x + xm) / 2, y - 3);
			} else {
				fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\" stroke-width=\"1.2\" "
					   "marker-end=\"url(#arrg)\"/>\n", x, y, x2, y);
				fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">", (x + x2) / 2, y - 4);
			}
			esc(f, it->label);
			fputs("</text>\n", f);
			break;
		}
		case IT_RECV:
			break;   /* drawn by its send */
		case IT_DROP:
			fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#c0392b\" text-anchor=\"middle\" font-size=\"14\">&#x2715;"
				   "</text><text x=\"%d\" y=\"%d\" fill=\"#c0392b\">", x, y + 5, x + 10, y + 4);
			esc(f, it->label);
			fputs("</text>\n", f);
			break;
		case IT_NOTE:
			fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"#2e7d32\"/><text x=\"%d\" y=\"%d\" "
				   "fill=\"#2e7d32\">", x, y, x + 8, y + 4);
			esc(f, it->label);
			fputs("</text>\n", f);
			break;
		}
	}
	if (g->truncated)
		fprintf(f, "<text x=\"10\" y=\"%d\" fill=\"#c0392b\">(diagram stops after %d rows; the JSON log has every "
			   "event)</text>\n", h - 20, OUT_SVG_ROWS);
	fputs("</svg>\n", f);
	return ferror(f) ? M6_E_INVAL : 0;
}
