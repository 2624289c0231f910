/* The ladder diagram: one lifeline per node, time running down (one row
 * per drawn happening, so bursts stay readable), an arrow per Mobility
 * Header message from its sender to its receiver, drops and movements
 * marked on the lifelines.
 *
 * A protected message is labelled with the SPI and protection model of the
 * SA that carried it: the frame its sender puts on the link at the same
 * instant names the SPI (ESP, AH or UDP-encapsulated ESP), the sender's
 * outbound SA of that SPI (read from the node's table before the run) the
 * model and mode. Injected packets come from an attacker lifeline per link
 * (right of the nodes): an arrow to the node the packet is addressed to,
 * ending where that node dropped it (the first drop there within
 * INJ_WINDOW_NS) with the reason, or accepted it (a Mobility Header message
 * received that no node sent). */
#include <stdlib.h>
#include <string.h>

#include "ipsec/sa.h"
#include "out.h"
#include "pkt/ip6.h"
#include "util/m6_bytes.h"

#define ROW_H 22
#define COL_W 190
#define LEFT 120
#define RIGHT 280       /* room for notes beside the last lifeline */
#define TOP 70
#define ADDRS_MAX 4096
#define ATT_MAX 8               /* attacker lifelines (one per link with injections) */
#define PEND_MAX 32             /* sends waiting for their frame at one instant */
#define INJ_WINDOW_NS (2 * SIM_NS_PER_S)

enum item_kind { IT_SEND, IT_RECV, IT_DROP, IT_NOTE, IT_INJECT };
enum inj_outcome { INJ_NONE, INJ_DROPPED, INJ_ACCEPTED };

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
	bool has_sa;            /* protected: spi, proto, model, mode below */
	bool ends_inject;       /* IT_DROP / IT_RECV: an attacker's arrow ends here */
	uint8_t sa_proto, sa_model, sa_mode;
	uint32_t spi;
	uint8_t outcome;        /* IT_INJECT: enum inj_outcome */
	char outcome_text[40];
	char label[112];
};

struct svg_sa {
	unsigned host;
	uint32_t spi;
	uint8_t proto, model, mode;
	bool inbound;
	bool mh;                /* its selectors admit the Mobility Header */
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
	struct svg_sa *sas;
	size_t n_sas, cap_sas;
	bool sas_sorted;
	size_t pend[PEND_MAX];  /* item indexes of sends at pend_t without their frame yet */
	size_t n_pend;
	uint64_t pend_t;
	size_t n_inj_open;      /* injections not yet dropped or accepted */
	size_t n_att;
	int att_link[ATT_MAX];
	char att_name[ATT_MAX][48];
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
	free(g->sas);
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

void svg_sa(struct svg *g, unsigned host, const struct ipsec_sa *sa)
{
	if (g->n_sas == g->cap_sas) {
		size_t cap = g->cap_sas ? 2 * g->cap_sas : 32;
		struct svg_sa *p = realloc(g->sas, cap * sizeof(*p));
		if (!p)
			return;   /* labels are a courtesy: without memory they are left off */
		g->sas = p;
		g->cap_sas = cap;
	}
	g->sas[g->n_sas++] = (struct svg_sa){ host, sa->spi, sa->proto, sa->model, sa->mode, sa->inbound,
					      sa->ts.proto == SPD_PROTO_ANY || sa->ts.proto == IP6P_MH };
	g->sas_sorted = false;
}

static int sa_cmp(const void *a, const void *b)
{
	const struct svg_sa *x = a, *y = b;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	if (x->spi != y->spi)
		return x->spi < y->spi ? -1 : 1;
	if (x->inbound != y->inbound)
		return x->inbound ? 1 : -1;
	return x->proto < y->proto ? -1 : x->proto > y->proto;
}

/* host's SA of this SPI, protocol and direction, or NULL. */
static const struct svg_sa *sa_find(struct svg *g, unsigned host, uint32_t spi, uint8_t proto, bool inbound)
{
	if (!g->sas_sorted && g->n_sas) {
		qsort(g->sas, g->n_sas, sizeof(*g->sas), sa_cmp);
		g->sas_sorted = true;
	}
	struct svg_sa key = { host, spi, proto, 0, 0, inbound, false };
	return g->n_sas ? bsearch(&key, g->sas, g->n_sas, sizeof(key), sa_cmp) : NULL;
}

/* The SPI of the first IPsec header in pkt: 1 and *spi, *proto filled, 0
 * for a clear packet (*proto = the upper-layer protocol), -1 unparsable. */
static int frame_spi(const uint8_t *pkt, size_t len, struct ip6_walk *w, uint32_t *spi, uint8_t *proto)
{
	if (ip6_walk(pkt, len, IP6W_HAO_KNOWN, w))
		return -1;
	size_t o = w->proto_off;
	if (w->ah_off >= 0 && (size_t)w->ah_off + 8 <= w->end) {
		*proto = IP6P_AH;
		*spi = m6_get32(pkt + w->ah_off + 4);
		return 1;
	}
	if (w->proto == IP6P_ESP && o + 8 <= w->end) {
		*proto = IP6P_ESP;
		*spi = m6_get32(pkt + o);
		return 1;
	}
	/* RFC 3948: UDP to or from 4500 whose first four octets are not the non-ESP marker */
	if (w->proto == IP6P_UDP && o + 16 <= w->end && (m6_get16(pkt + o) == 4500 || m6_get16(pkt + o + 2) == 4500) &&
	    m6_get32(pkt + o + 8) != 0) {
		*proto = IP6P_ESP;
		*spi = m6_get32(pkt + o + 8);
		return 1;
	}
	*proto = w->proto;
	return 0;
}

static void take_sa(struct item *it, const struct svg_sa *sa)
{
	it->has_sa = true;
	it->spi = sa->spi;
	it->sa_proto = sa->proto;
	it->sa_model = sa->model;
	it->sa_mode = sa->mode;
}

static void unpend(struct svg *g, size_t k)
{
	memmove(&g->pend[k], &g->pend[k + 1], (--g->n_pend - k) * sizeof(g->pend[0]));
}

void svg_frame(struct svg *g, int from, const uint8_t *pkt, size_t len, uint64_t now)
{
	if (!g->n_pend)
		return;
	if (now != g->pend_t) {
		g->n_pend = 0;   /* a message's frame leaves at the instant it is sent, or never */
		return;
	}
	if (from < 0)
		return;   /* injected: svg_inject() saw it */
	size_t k;
	for (k = 0; k < g->n_pend && g->it[g->pend[k]].host != (unsigned)from; k++)
		;
	if (k == g->n_pend)
		return;
	struct ip6_walk w;
	uint32_t spi = 0;
	uint8_t proto = 0;
	int prot = frame_spi(pkt, len, &w, &spi, &proto);
	if (prot < 0 || (!prot && proto != IP6P_MH))
		return;
	const struct svg_sa *sa = prot ? sa_find(g, (unsigned)from, spi, proto, false) : NULL;
	if (prot && (!sa || !sa->mh))
		return;   /* forwarded, an SA the ladder was not told of, or one that cannot carry the message */
	int dst = host_of(g, w.hdr.dst);
	for (k = 0; k < g->n_pend; k++) {
		struct item *it = &g->it[g->pend[k]];
		if (it->host != (unsigned)from)
			continue;
		/* the outer destination is the receiver, or the home agent a
		 * tunnel-mode SA carries the home test init through */
		if (it->to_host != dst && !(sa && sa->mode == SA_TUNNEL && it->ev_type == M6_EV_HOTI_SENT))
			continue;
		if (sa)
			take_sa(it, sa);
		unpend(g, k);   /* a clear Mobility Header frame settles it too: no label */
		return;
	}
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

/* "ip6 src=X .. / hao A / esp spi=S ... / mh bu seq=N ..." -> "from X / HAO A / ESP S / BU seq N":
 * each layer of a build specification by its keyword and what tells it
 * apart: the outer IPv6 header by its source, inner ones as "IPv6". */
static void spec_summary(const char *spec, char *out, size_t cap)
{
	size_t used = 0;
	unsigned layers = 0;
	out[0] = 0;
	for (const char *p = spec; *p && used + 1 < cap; layers++) {
		while (*p == ' ' || *p == '/')
			p++;
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char layer[160], word[16] = "", arg[64] = "", piece[96];
		snprintf(layer, sizeof(layer), "%.*s", (int)(n < sizeof(layer) - 1 ? n : sizeof(layer) - 1), p);
		p += n;
		if (sscanf(layer, "%15s %63s", word, arg) < 1)
			continue;
		const char *seq = strstr(layer, "seq=");
		const char *spi = strstr(layer, "spi=");
		const char *src = strstr(layer, "src=");
		piece[0] = 0;
		if (!strcmp(word, "ip6")) {
			if (layers)
				snprintf(piece, sizeof(piece), "IPv6");
			else if (src)
				snprintf(piece, sizeof(piece), "from %.*s", (int)strcspn(src + 4, " "), src + 4);
		} else if (!strcmp(word, "hao"))
			snprintf(piece, sizeof(piece), "HAO %s", arg);
		else if ((!strcmp(word, "esp") || !strcmp(word, "ah")) && spi)
			snprintf(piece, sizeof(piece), "%s %.*s", word[0] == 'e' ? "ESP" : "AH", (int)strcspn(spi + 4, " "),
				 spi + 4);
		else if (!strcmp(word, "mh")) {
			for (char *c = arg; *c; c++)
				*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
			snprintf(piece, sizeof(piece), "%s%s%.*s", arg, seq ? " seq " : "", seq ? (int)strcspn(seq + 4, " ") : 0,
				 seq ? seq + 4 : "");
		} else {
			for (char *c = word; *c; c++)
				*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
			snprintf(piece, sizeof(piece), "%s", word);
		}
		if (!piece[0])
			continue;
		int w = snprintf(out + used, cap - used, "%s%s", used ? " / " : "", piece);
		if (w < 0 || (size_t)w >= cap - used) {
			out[used] = 0;
			return;
		}
		used += (size_t)w;
	}
}

void svg_inject(struct svg *g, uint64_t now, unsigned link, const char *link_name, const uint8_t *pkt, size_t len,
		const char *spec)
{
	size_t a;
	for (a = 0; a < g->n_att && g->att_link[a] != (int)link; a++)
		;
	if (a == g->n_att) {
		if (g->n_att == ATT_MAX)
			a = ATT_MAX - 1;   /* the last lifeline takes the links beyond */
		else {
			g->att_link[g->n_att] = (int)link;
			snprintf(g->att_name[g->n_att++], sizeof(g->att_name[0]), "attacker on %s", link_name);
		}
	}
	struct item *it = add(g, now, IT_INJECT, (unsigned)(g->n_hosts + a));
	if (!it)
		return;
	g->n_inj_open++;
	spec_summary(spec ? spec : "", it->label, sizeof(it->label));
	if (!it->label[0])
		snprintf(it->label, sizeof(it->label), "%zu octets", len);
	struct ip6_walk w;
	uint32_t spi;
	uint8_t proto;
	int prot = frame_spi(pkt, len, &w, &spi, &proto);
	if (prot < 0)
		return;
	it->to_host = host_of(g, w.hdr.dst);
	const struct svg_sa *sa;
	if (prot && it->to_host >= 0 && (sa = sa_find(g, (unsigned)it->to_host, spi, proto, true)))
		take_sa(it, sa);   /* the receiver's SA of that SPI: the model that judges it */
}

/* The oldest injection addressed to host and not yet settled, sent at most
 * INJ_WINDOW_NS before t. */
static struct item *pending_injection(struct svg *g, unsigned host, uint64_t t)
{
	if (!g->n_inj_open)
		return NULL;
	for (size_t i = 0; i < g->n; i++) {
		struct item *it = &g->it[i];
		if (it->kind == IT_INJECT && it->outcome == INJ_NONE && it->to_host == (int)host && it->t <= t &&
		    t - it->t <= INJ_WINDOW_NS)
			return it;
	}
	return NULL;
}

/* An injection settled by the item just added (its row ends the arrow). */
static void settle(struct svg *g, size_t inj, struct item *by, enum inj_outcome o, const char *what)
{
	struct item *it = &g->it[inj];
	g->n_inj_open--;
	by->ends_inject = true;
	it->outcome = (uint8_t)o;
	it->row_to = by->row;
	snprintf(it->outcome_text, sizeof(it->outcome_text), "%s", what);
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
		/* its frame follows at this instant: svg_frame() labels it */
		if (g->pend_t != ev->time)
			g->n_pend = 0;
		g->pend_t = ev->time;
		if (g->n_pend < PEND_MAX)
			g->pend[g->n_pend++] = (size_t)(it - g->it);
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
		if (match_recv(g, host, ev))
			return;
		if ((it = pending_injection(g, host, ev->time))) {
			/* no node sent it: the attacker's packet got through */
			size_t inj = (size_t)(it - g->it);
			struct item *r = add(g, ev->time, IT_RECV, host);
			if (r)
				settle(g, inj, r, INJ_ACCEPTED, m6_ev_name(ev->type));
			return;
		}
		if (!(it = add(g, ev->time, IT_NOTE, host)))
			return;
		ip6_addr_format(ev->peer, a);
		snprintf(it->label, sizeof(it->label), "%s from %s (no matching send)", m6_ev_name(ev->type), a);
		return;
	case M6_EV_DROP: {
		struct item *inj = pending_injection(g, host, ev->time);
		size_t ii = inj ? (size_t)(inj - g->it) : 0;
		if (!(it = add(g, ev->time, IT_DROP, host)))
			return;
		snprintf(it->label, sizeof(it->label), "drop: %s", m6_errid(ev->code));
		if (inj)
			settle(g, ii, it, INJ_DROPPED, m6_errid(ev->code));
		return;
	}
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
void out_xml_text(FILE *f, const char *s)
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

static void esc(FILE *f, const char *s)
{
	out_xml_text(f, s);
}

static int col_x(unsigned host)
{
	return LEFT + (int)host * COL_W + COL_W / 2;
}

static int row_y(int row)
{
	return TOP + 20 + row * ROW_H;
}

/* "ESP spi 0x1001, normalise" (the SA's protocol, SPI, mode when tunnel, model). */
static void sa_label(const struct item *it, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s spi 0x%x%s, %s", it->sa_proto == IP6P_AH ? "AH" : "ESP", (unsigned)it->spi,
		 it->sa_mode == SA_TUNNEL ? " tunnel" : "", it->sa_model == SA_MODEL_TRUE_ADDR ? "true-address" : "normalise");
}

static void draw_inject(const struct svg *g, FILE *f, const struct item *it, int w)
{
	int x = col_x(it->host), y = row_y(it->row);
	bool known = it->to_host >= 0 && (size_t)it->to_host < g->n_hosts;
	int x2 = known ? col_x((unsigned)it->to_host) : x - COL_W / 2;
	int y2 = it->outcome != INJ_NONE ? row_y(it->row_to) : y + ROW_H / 2;
	const char *col = it->outcome == INJ_ACCEPTED ? "#d35400" : "#c0392b";
	char sa[64];
	(void)w;
	fprintf(f, "<g class=\"inject %s\">", it->outcome == INJ_DROPPED ? "dropped" : it->outcome == INJ_ACCEPTED ?
		"accepted" : "unsettled");
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\"%s "
		   "marker-end=\"url(#arrr)\"/>", x, y, x2, y2, col,
		it->outcome == INJ_ACCEPTED ? "" : " stroke-dasharray=\"6,3\"");
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">", (x + x2) / 2, (y + y2) / 2 - 7, col);
	esc(f, it->label);
	fputs("</text>", f);
	if (it->has_sa) {
		sa_label(it, sa, sizeof(sa));
		fprintf(f, "<text class=\"sa\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\" font-size=\"10\">",
			(x + x2) / 2, (y + y2) / 2 + 12, col);
		esc(f, sa);
		fputs("</text>", f);
	}
	fprintf(f, "<text class=\"outcome\" x=\"%d\" y=\"%d\" fill=\"%s\" font-weight=\"bold\">", x + 8, y + 4, col);
	if (!known)
		fputs("&#x2192; addressed to no node here", f);
	else {
		fputs("&#x2192; ", f);
		esc(f, g->names[it->to_host]);
		if (it->outcome == INJ_DROPPED)
			fputs(": dropped, ", f);
		else if (it->outcome == INJ_ACCEPTED)
			fputs(": ACCEPTED, ", f);
		else
			fputs(": no drop or acceptance seen", f);
		esc(f, it->outcome_text);
	}
	fputs("</text></g>\n", f);
}

int svg_write(struct svg *g, FILE *f, const char *title)
{
	size_t lanes = g->n_hosts + g->n_att;
	int w = LEFT + (int)lanes * COL_W + RIGHT, h = row_y(g->rows) + 60;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "font-family=\"monospace\" font-size=\"11\">\n", w, h, w, h);
	fputs("<defs><marker id=\"arr\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
	      "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1f4e9c\"/></marker>"
	      "<marker id=\"arrg\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
	      "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#888\"/></marker>"
	      "<marker id=\"arrr\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
	      "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#c0392b\"/></marker></defs>\n", f);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n<text x=\"10\" y=\"20\" font-size=\"14\" "
		   "font-weight=\"bold\">", w, h);
	esc(f, title);
	fputs("</text>\n<text x=\"10\" y=\"38\" fill=\"#555\">time (s) runs down; one row per happening; "
	      "protected messages name their SA (SPI, protection model); injected packets come from the attackers' "
	      "lifelines</text>\n", f);
	for (size_t i = 0; i < lanes; i++) {
		int x = col_x((unsigned)i);
		bool att = i >= g->n_hosts;
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\" fill=\"%s\" stroke=\"%s\"/>"
			   "<text class=\"%s\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\"%s>",
			x - 80, TOP - 22, 160, att ? "#fdecea" : "#eef", att ? "#c0392b" : "#335", att ? "lane attacker" : "lane",
			x, TOP - 8, att ? " fill=\"#c0392b\"" : "");
		esc(f, att ? g->att_name[i - g->n_hosts] : g->names[i]);
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
			if (it->has_sa) {
				char sa[64];
				int xl = known && it->row_to >= 0 ? (x + x2) / 2 : known && !it->no_receipt ? (x + (x + x2) / 2) / 2 :
					 (x + x2) / 2;
				int yl = known && it->row_to >= 0 ? (y + row_y(it->row_to)) / 2 + 10 : y + 10;
				sa_label(it, sa, sizeof(sa));
				fprintf(f, "<text class=\"sa\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#6a1b9a\" "
					   "font-size=\"10\">", xl, yl);
				esc(f, sa);
				fputs("</text>\n", f);
			}
			break;
		}
		case IT_INJECT:
			draw_inject(g, f, it, w);
			break;
		case IT_RECV:
			break;   /* drawn by its send */
		case IT_DROP:
			/* where an attacker's arrow comes in from the right, the reason goes left */
			fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#c0392b\" text-anchor=\"middle\" font-size=\"14\">&#x2715;"
				   "</text><text class=\"drop\" x=\"%d\" y=\"%d\" fill=\"#c0392b\"%s>", x, y + 5,
				it->ends_inject ? x - 10 : x + 10, y + 4, it->ends_inject ? " text-anchor=\"end\"" : "");
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
