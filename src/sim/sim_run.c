#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/m6_crypto.h"
#include "expect.h"
#include "keyfile.h"
#include "out.h"
#include "pcapio.h"
#include "pkt/ip6.h"
#include "sim_run.h"
#include "sim_ike.h"
#include "traffic.h"

#define NREASONS (M6_E_LAST_ - M6_E_FIRST_)

struct run;

struct act_task {
	struct sim_task task;
	struct run *r;
	size_t index;
};

struct flow_task {
	struct sim_task task;
	struct run *r;
	unsigned flow;
};

struct run {
	struct scenario *sc;
	const struct simrun_opts *o;
	struct sim *s;
	struct traffic *t;
	struct expect *x;
	struct svg *svg;
	struct goodput *gp;
	struct pcapio **pcap;         /* per link */
	FILE *json, *timeline;
	int width;                    /* node column of the timeline */
	uint64_t (*drops)[NREASONS];  /* per host, from DROP events */
	uint64_t node_events;
	struct act_task *acts;
	struct flow_task *fstart, *fstop;
	const char **names;
	struct keyfile kf;            /* collected before the nodes take the SA tables */
	struct sim_ike *ike;          /* IKE key managers (sim_ike.h) */
};

static void line_out(struct run *r, uint64_t t, const char *who, const char *msg)
{
	/* time, a name (SC_NAME_MAX, links in brackets), the words: never cut */
	char line[EVFMT_TIME_LEN + SC_NAME_MAX + 8 + EVFMT_TEXT_LEN];
	evfmt_line(t, who, r->width, msg, line, sizeof(line));
	if (r->o->term && !r->o->quiet)
		fprintf(r->o->term, "%s\n", line);
	if (r->timeline)
		fprintf(r->timeline, "%s\n", line);
}

static void json_out(struct run *r, json_t *o)
{
	if (r->json && o) {
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s) {
			fputs(s, r->json);
			fputc('\n', r->json);
		}
		free(s);
	}
	json_decref(o);
}

static void ob_event(void *ctx, const struct sim_host *h, const struct m6_event *ev)
{
	struct run *r = ctx;
	char msg[EVFMT_TEXT_LEN];
	r->node_events++;
	if (ev->type == M6_EV_DROP && ev->code > M6_E_FIRST_ && ev->code < M6_E_LAST_)
		r->drops[h->index][ev->code - M6_E_FIRST_]++;
	expect_on_event(r->x, h, ev);
	if (r->svg)
		svg_event(r->svg, h->index, ev);
	if (r->gp)
		goodput_event(r->gp, h->index, ev);
	if (r->json)
		json_out(r, evfmt_json(ev, h->name));
	if (evfmt_is_datapath(ev) && !r->o->verbose)
		return;
	evfmt_text(ev, msg, sizeof(msg));
	line_out(r, ev->time, h->name, msg);
}

static void ob_deliver(void *ctx, const struct sim_host *h, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct run *r = ctx;
	traffic_deliver(r->t, h, pkt, len, now);
}

static void ob_frame(void *ctx, const struct sim_link *l, int from, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct run *r = ctx;
	expect_on_frame(r->x, l, pkt, len, now);
	if (r->svg)
		svg_frame(r->svg, from, pkt, len, now);
	/* pcap timestamps are the virtual time, so identical runs give identical files */
	if (r->pcap && r->pcap[l->index])
		pcapio_write(r->pcap[l->index], pkt, len, now / 1000);
}

static void ob_note(void *ctx, const struct sim_note *n)
{
	struct run *r = ctx;
	char who[48];
	if (n->host >= 0)
		snprintf(who, sizeof(who), "%s", r->s->hosts[n->host]->name);
	else if (n->link >= 0)
		snprintf(who, sizeof(who), "[%s]", r->s->links[n->link]->name);
	else
		snprintf(who, sizeof(who), "sim");
	if (r->svg)
		svg_note(r->svg, n);
	if (r->gp)
		goodput_note(r->gp, n);
	if (r->json)
		json_out(r, out_note_json(n, who));
	if (n->type == SIM_NOTE_EXPECT && r->o->term && r->o->quiet)
		fprintf(r->o->term, "%s\n", n->text);
	line_out(r, n->time, who, n->text);
}

/* ---- scripted events ------------------------------------------------------ */

static void link_desc(const struct sim_link_cfg *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "delay %.3f ms, jitter %.3f ms, loss %.4g%%, dup %.4g%%, reorder %.4g%%, mtu %u",
		 (double)c->delay_ns / 1e6, (double)c->jitter_ns / 1e6, c->loss * 100, c->dup * 100, c->reorder * 100,
		 c->mtu ? c->mtu : 1500);
}

static void act_run(struct sim *s, struct sim_task *task, uint32_t phase)
{
	struct act_task *at = (struct act_task *)task;
	struct run *r = at->r;
	const struct sc_action *a = &r->sc->actions[at->index];
	int rc = 0;
	switch (a->type) {
	case SC_ACT_ATTACH:
		rc = sim_attach(s, (unsigned)a->node, (unsigned)a->iface, (unsigned)a->link);
		break;
	case SC_ACT_DETACH:
		rc = sim_detach(s, (unsigned)a->node, (unsigned)a->iface);
		break;
	case SC_ACT_MOVE:
		if (phase == 0 && a->gap) {
			rc = sim_detach(s, (unsigned)a->node, (unsigned)a->iface);
			if (!rc)
				rc = sim_at(s, s->now + a->gap, task, 1);
		} else {
			rc = sim_attach(s, (unsigned)a->node, (unsigned)a->iface, (unsigned)a->link);
		}
		break;
	case SC_ACT_SET_LINK: {
		struct sim_link_cfg c = s->links[a->link]->cfg;
		char d[160];
		if (a->set_mask & SC_LS_DELAY) c.delay_ns = a->set.delay_ns;
		if (a->set_mask & SC_LS_JITTER) c.jitter_ns = a->set.jitter_ns;
		if (a->set_mask & SC_LS_LOSS) c.loss = a->set.loss;
		if (a->set_mask & SC_LS_DUP) c.dup = a->set.dup;
		if (a->set_mask & SC_LS_REORDER) c.reorder = a->set.reorder;
		if (a->set_mask & SC_LS_REORDER_DELAY) c.reorder_ns = a->set.reorder_ns;
		if (a->set_mask & SC_LS_MTU) c.mtu = a->set.mtu;
		rc = sim_link_set(s, (unsigned)a->link, &c);
		link_desc(&c, d, sizeof(d));
		sim_note(s, SIM_NOTE_LINK_CFG, -1, a->link, "link %s now: %s", s->links[a->link]->name, d);
		break;
	}
	case SC_ACT_START:
		traffic_start(r->t, (unsigned)a->flow);
		break;
	case SC_ACT_STOP:
		traffic_stop(r->t, (unsigned)a->flow);
		break;
	case SC_ACT_INJECT:
		sim_note(s, SIM_NOTE_INJECT, -1, a->link, "injected %zu octets: %s", a->pkt_len, a->spec);
		if (r->svg)
			svg_inject(r->svg, s->now, (unsigned)a->link, r->sc->links[a->link].name, a->pkt, a->pkt_len, a->spec);
		rc = sim_inject(s, (unsigned)a->link, a->pkt, a->pkt_len);
		break;
	case SC_ACT_FORGET_IKE:
		sim_note(s, SIM_NOTE_INFO, a->node, -1, "%s forgets its IKE SAs (restart)",
			 r->sc->nodes[a->node].name);
		sim_ike_forget(r->ike, (unsigned)a->node);
		break;
	}
	if (rc)
		sim_note(s, SIM_NOTE_INFO, -1, -1, "timeline line %u failed: %s", a->line, m6_strerror(rc));
}

static void flow_start(struct sim *s, struct sim_task *task, uint32_t arg)
{
	(void)s;
	(void)arg;
	struct flow_task *ft = (struct flow_task *)task;
	traffic_start(ft->r->t, ft->flow);
}

static void flow_stop(struct sim *s, struct sim_task *task, uint32_t arg)
{
	(void)s;
	(void)arg;
	struct flow_task *ft = (struct flow_task *)task;
	traffic_stop(ft->r->t, ft->flow);
}

/* ---- outputs ---------------------------------------------------------------- */

static int fail(struct run *r, char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(struct run *r, char *err, size_t errlen, int rc, const char *fmt, ...)
{
	(void)r;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static FILE *out_open(const struct run *r, const char *name, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", r->o->out_dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return f;
}

/* Every configured SA and every keyed layer of an injected packet, once. */
static int collect_keys(struct scenario *sc, struct keyfile *kf)
{
	for (size_t i = 0; i < sc->n_nodes; i++) {
		const struct nodeconf *n = &sc->nodes[i];
		for (size_t k = 0; n->has_ipsec && k < n->kc.n_keys; k++) {
			struct keyfile_sa ks;
			memset(&ks, 0, sizeof(ks));
			ks.spi = n->kc.keys[k].spi;
			memcpy(ks.src, n->kc.keys[k].src, 16);
			memcpy(ks.dst, n->kc.keys[k].dst, 16);
			ks.cfg = n->kc.keys[k].x;
			for (size_t s = 0; n->kc.sad && s < sad_capacity(n->kc.sad); s++) {
				struct ipsec_sa *sa = sad_slot(n->kc.sad, s);
				if (sa && sa->spi == ks.spi && sa->proto == IP6P_AH)
					ks.ah = true;
			}
			int rc = keyfile_add(kf, &ks);
			if (rc == M6_E_EXISTS)
				rc = keyfile_append(kf, &ks);
			m6_wipe(&ks, sizeof(ks));
			if (rc < 0)
				return rc;
		}
	}
	for (size_t i = 0; i < sc->n_inject_sas; i++) {
		struct keyfile_sa ks;
		memset(&ks, 0, sizeof(ks));
		ks.spi = sc->inject_sas[i].spi;
		ks.ah = sc->inject_sas[i].ah;
		memcpy(ks.src, sc->inject_sas[i].src, 16);
		memcpy(ks.dst, sc->inject_sas[i].dst, 16);
		ks.cfg = sc->inject_sas[i].cfg;
		int rc = keyfile_add(kf, &ks);
		if (rc == M6_E_EXISTS)
			rc = keyfile_append(kf, &ks);
		m6_wipe(&ks, sizeof(ks));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int write_keys(struct run *r, const struct keyfile *kf, char *err, size_t errlen)
{
	FILE *f = out_open(r, "keys.txt", err, errlen);
	if (!f)
		return M6_E_CONFIG;
	int rc = keyfile_write_keys(f, kf);
	if (fclose(f) || rc)
		return fail(r, err, errlen, M6_E_CONFIG, "%s/keys.txt: write error", r->o->out_dir);
	if (!(f = out_open(r, "esp_sa", err, errlen)))
		return M6_E_CONFIG;
	rc = keyfile_write_esp_sa(f, kf);
	if (fclose(f) || rc)
		return fail(r, err, errlen, M6_E_CONFIG, "%s/esp_sa: write error", r->o->out_dir);
	return 0;
}

static void fmt_gap(uint64_t ns, char buf[32])
{
	snprintf(buf, 32, "%llu.%06llus", (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns % 1000000000ull / 1000));
}

static void summary(struct run *r, FILE *f, const struct simrun_result *res)
{
	struct sim *s = r->s;
	struct scenario *sc = r->sc;
	char t[EVFMT_TIME_LEN], st[256];
	evfmt_time(s->now, t);
	fprintf(f, "\n== summary: %s (seed %llu, %s s simulated, %llu events) ==\n", sc->name[0] ? sc->name : sc->path,
		(unsigned long long)res->seed, t, (unsigned long long)s->ctr.events);
	if (sc->description[0])
		fprintf(f, "%s\n", sc->description);
	fprintf(f, "%-*s %8s %8s %8s %7s  %s\n", r->width, "node", "tx", "rx", "app-rx", "drops", "state");
	for (size_t i = 0; i < s->n_hosts; i++) {
		const struct sim_host *h = s->hosts[i];
		st[0] = 0;
		if (h->ops->state)
			h->ops->state(h->h, st, sizeof(st));
		fprintf(f, "%-*s %8llu %8llu %8llu %7llu  %s\n", r->width, h->name, (unsigned long long)h->st.tx,
			(unsigned long long)h->st.rx, (unsigned long long)h->st.app_delivered,
			(unsigned long long)h->st.drops, st);
		for (int k = 0; k < NREASONS; k++)
			if (r->drops[i][k])
				fprintf(f, "%-*s %43s %llu x %s\n", r->width, "", "", (unsigned long long)r->drops[i][k],
					m6_errid(k + M6_E_FIRST_));
		if (h->st.tx_unattached)
			fprintf(f, "%-*s %43s %llu x sent while detached\n", r->width, "", "",
				(unsigned long long)h->st.tx_unattached);
	}
	fprintf(f, "%-*s %8s %8s %8s %8s %8s %10s %10s %10s\n", r->width, "link", "frames", "lost", "dup", "reorder",
		"mtu-drop", "unresolved", "octets", "deliveries");
	for (size_t i = 0; i < s->n_links; i++) {
		const struct sim_link_stats *ls = &s->links[i]->st;
		fprintf(f, "%-*s %8llu %8llu %8llu %8llu %8llu %10llu %10llu %10llu\n", r->width, s->links[i]->name,
			(unsigned long long)ls->frames, (unsigned long long)ls->lost, (unsigned long long)ls->duplicated,
			(unsigned long long)ls->reordered, (unsigned long long)ls->mtu_drops, (unsigned long long)ls->unresolved,
			(unsigned long long)ls->octets, (unsigned long long)ls->deliveries);
	}
	if (sc->n_flows) {
		static const char *const types[] = { "ping", "udp", "stream" };
		fprintf(f, "%-*s %-6s %8s %9s %6s %6s %14s  %s\n", r->width, "flow", "type", "sent", "delivered", "lost",
			"dup", "max-interrupt", "notes");
		for (size_t i = 0; i < sc->n_flows; i++) {
			const struct flow_stats *fs = traffic_stats(r->t, (unsigned)i);
			char gap[32], note[96] = "";
			fmt_gap(fs->max_gap, gap);
			if (sc->flows[i].type == SC_FLOW_PING && fs->rtt_n)
				snprintf(note, sizeof(note), "rtt min/avg/max %.3f/%.3f/%.3f ms", (double)fs->rtt_min / 1e6,
					 (double)fs->rtt_sum / (double)fs->rtt_n / 1e6, (double)fs->rtt_max / 1e6);
			else if (sc->flows[i].type == SC_FLOW_STREAM && fs->done_at != UINT64_MAX)
				snprintf(note, sizeof(note), "complete at %ss, %llu retransmitted", (evfmt_time(fs->done_at, t), t),
					 (unsigned long long)fs->retransmits);
			else if (sc->flows[i].type == SC_FLOW_STREAM)
				snprintf(note, sizeof(note), "incomplete: %llu of %u segments, %llu retransmitted",
					 (unsigned long long)fs->delivered, sc->flows[i].count, (unsigned long long)fs->retransmits);
			fprintf(f, "%-*s %-6s %8llu %9llu %6llu %6llu %14s  %s\n", r->width, sc->flows[i].name,
				types[sc->flows[i].type], (unsigned long long)fs->sent, (unsigned long long)fs->delivered,
				(unsigned long long)traffic_lost(r->t, (unsigned)i), (unsigned long long)fs->duplicates, gap, note);
		}
	}
	if (sc->n_expects) {
		fprintf(f, "expectations: %zu passed, %zu failed\n", res->n_expect - res->n_failed, res->n_failed);
		for (size_t i = 0; i < sc->n_expects; i++) {
			const struct expect_result *er = expect_result(r->x, i);
			fprintf(f, "  %s line %u: %s: %s\n", er->pass ? "PASS" : "FAIL", sc->expects[i].line,
				sc->expects[i].label, er->reason);
		}
	}
}

/* ---- the run ---------------------------------------------------------------- */

static int setup_outputs(struct run *r, char *err, size_t errlen)
{
	const char *dir = r->o->out_dir;
	if (mkdir(dir, 0777) && errno != EEXIST)
		return fail(r, err, errlen, M6_E_CONFIG, "%s: %s", dir, strerror(errno));
	r->pcap = calloc(r->sc->n_links, sizeof(*r->pcap));
	if (!r->pcap)
		return fail(r, err, errlen, M6_E_NOMEM, "out of memory");
	for (size_t i = 0; i < r->sc->n_links; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s.pcap", dir, r->sc->links[i].name);
		if (!(r->pcap[i] = pcapio_open_write(path, err, errlen)))
			return M6_E_PCAP;
	}
	if (!(r->json = out_open(r, "events.jsonl", err, errlen)) ||
	    !(r->timeline = out_open(r, "timeline.txt", err, errlen)))
		return M6_E_CONFIG;
	return 0;
}

static int setup_sim(struct run *r, uint64_t seed, char *err, size_t errlen)
{
	struct scenario *sc = r->sc;
	struct sim *s = r->s = sim_new(seed);
	if (!s)
		return fail(r, err, errlen, M6_E_NOMEM, "out of memory");
	struct sim_observer ob = { r, ob_event, ob_deliver, ob_frame, ob_note };
	sim_set_observer(s, &ob);
	for (size_t i = 0; i < sc->n_links; i++)
		if (sim_add_link(s, sc->links[i].name, &sc->links[i].cfg) < 0)
			return fail(r, err, errlen, M6_E_NOMEM, "out of memory");
	if (r->o->out_dir) {
		r->names = calloc(sc->n_nodes, sizeof(*r->names));
		if (!r->names)
			return fail(r, err, errlen, M6_E_NOMEM, "out of memory");
		for (size_t i = 0; i < sc->n_nodes; i++)
			r->names[i] = sc->nodes[i].name;
		if (!(r->svg = svg_new(r->names, sc->n_nodes)) || !(r->gp = goodput_new(sc)))
			return fail(r, err, errlen, M6_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < sc->n_nodes; i++) {
		char why[256] = "";
		/* the ladder learns the SAs while the scenario still holds them */
		for (size_t k = 0; r->svg && sc->nodes[i].kc.sad && k < sad_capacity(sc->nodes[i].kc.sad); k++) {
			const struct ipsec_sa *sa = sad_slot(sc->nodes[i].kc.sad, k);
			if (sa)
				svg_sa(r->svg, (unsigned)i, sa);
		}
		scenario_take_ipsec(sc, i);
		struct node_cfg cfg = sc->nodes[i].cfg;
		cfg.seed = sim_node_seed(s, (unsigned)i);
		/* the node owns the tables from here on, whatever happens */
		sc->nodes[i].cfg.spd = NULL;
		sc->nodes[i].cfg.sad = NULL;
		sc->nodes[i].cfg.pad = NULL;
		int idx = r->o->add_host(s, &cfg, why, sizeof(why));
		if (idx < 0)
			return fail(r, err, errlen, idx, "%s:%u: node \"%s\": %s", sc->path, sc->nodes[i].line,
				    sc->nodes[i].name, why[0] ? why : m6_strerror(idx));
		if ((size_t)idx != i)
			return fail(r, err, errlen, M6_E_INVAL, "host factory returned index %d for node %zu", idx, i);
	}
	if (!(r->ike = sim_ike_new(s, sc, err, errlen)))
		return M6_E_CONFIG;
	if (!(r->t = traffic_new(s, sc)) || !(r->x = expect_new(s, sc, r->t)))
		return fail(r, err, errlen, M6_E_NOMEM, "out of memory");
	if (r->gp)
		traffic_set_hook(r->t, goodput_delivery, r->gp);
	if (!(r->drops = calloc(sc->n_nodes, sizeof(*r->drops))))
		return fail(r, err, errlen, M6_E_NOMEM, "out of memory");
	if (r->o->out_dir) {
		for (size_t i = 0; i < sc->n_nodes; i++) {
			const struct nodeconf *n = &sc->nodes[i];
			for (unsigned k = 0; k < n->cfg.n_ifaces; k++)
				if (n->cfg.ifaces[k].has_addr)
					svg_addr(r->svg, n->cfg.ifaces[k].addr, (unsigned)i);
			if (n->has_addr)
				svg_addr(r->svg, n->addr, (unsigned)i);
			if (n->cfg.is_ha)
				svg_addr(r->svg, n->cfg.ha.addr, (unsigned)i);
			if (n->cfg.is_cn)
				svg_addr(r->svg, n->cfg.cn.addr, (unsigned)i);
		}
	}
	return 0;
}

static int schedule(struct run *r, char *err, size_t errlen)
{
	struct scenario *sc = r->sc;
	struct sim *s = r->s;
	r->acts = calloc(sc->n_actions + 1, sizeof(*r->acts));
	r->fstart = calloc(sc->n_flows + 1, sizeof(*r->fstart));
	r->fstop = calloc(sc->n_flows + 1, sizeof(*r->fstop));
	if (!r->acts || !r->fstart || !r->fstop)
		return fail(r, err, errlen, M6_E_NOMEM, "out of memory");
	int rc = 0;
	for (size_t i = 0; i < sc->n_nodes; i++)
		for (unsigned k = 0; k < sc->nodes[i].cfg.n_ifaces && !rc; k++)
			if (sc->nodes[i].init_link[k] >= 0)
				rc = sim_attach(s, (unsigned)i, k, (unsigned)sc->nodes[i].init_link[k]);
	for (size_t i = 0; i < sc->n_actions && !rc; i++) {
		r->acts[i] = (struct act_task){ { act_run }, r, i };
		rc = sim_at(s, sc->actions[i].at, &r->acts[i].task, 0);
	}
	for (size_t i = 0; i < sc->n_flows && !rc; i++) {
		r->fstart[i] = (struct flow_task){ { flow_start }, r, (unsigned)i };
		r->fstop[i] = (struct flow_task){ { flow_stop }, r, (unsigned)i };
		if (sc->flows[i].auto_start)
			rc = sim_at(s, sc->flows[i].start, &r->fstart[i].task, 0);
		if (!rc && sc->flows[i].stop != UINT64_MAX)
			rc = sim_at(s, sc->flows[i].stop, &r->fstop[i].task, 0);
	}
	return rc ? fail(r, err, errlen, rc, "cannot schedule the timeline: %s", m6_strerror(rc)) : 0;
}

static int finish_outputs(struct run *r, const struct simrun_result *res, char *err, size_t errlen)
{
	int rc = 0;
	FILE *f;
	if ((f = out_open(r, "summary.txt", err, errlen))) {
		summary(r, f, res);
		if (fclose(f))
			rc = fail(r, err, errlen, M6_E_CONFIG, "%s/summary.txt: write error", r->o->out_dir);
	} else {
		rc = M6_E_CONFIG;
	}
	if (!rc && (f = out_open(r, "ladder.svg", err, errlen))) {
		char title[320];
		snprintf(title, sizeof(title), "%s (seed %llu)", r->sc->name[0] ? r->sc->name : r->sc->path,
			 (unsigned long long)res->seed);
		int w = svg_write(r->svg, f, title);
		if (fclose(f) || w)
			rc = fail(r, err, errlen, M6_E_CONFIG, "%s/ladder.svg: write error", r->o->out_dir);
	} else if (!rc) {
		rc = M6_E_CONFIG;
	}
	if (!rc && (f = out_open(r, "goodput.svg", err, errlen))) {
		char title[320];
		snprintf(title, sizeof(title), "%s (seed %llu): goodput", r->sc->name[0] ? r->sc->name : r->sc->path,
			 (unsigned long long)res->seed);
		int w = goodput_write(r->gp, f, title);
		if (fclose(f) || w)
			rc = fail(r, err, errlen, M6_E_CONFIG, "%s/goodput.svg: write error", r->o->out_dir);
	} else if (!rc) {
		rc = M6_E_CONFIG;
	}
	if (!rc)
		rc = sim_ike_keys(r->ike, &r->kf, r->o->out_dir, err, errlen);
	if (!rc)
		rc = write_keys(r, &r->kf, err, errlen);
	return rc;
}

static void cleanup(struct run *r)
{
	if (r->pcap)
		for (size_t i = 0; i < r->sc->n_links; i++)
			pcapio_close(r->pcap[i]);
	free(r->pcap);
	if (r->json)
		fclose(r->json);
	if (r->timeline)
		fclose(r->timeline);
	expect_free(r->x);
	traffic_free(r->t);
	svg_free(r->svg);
	goodput_free(r->gp);
	sim_free(r->s);
	sim_ike_free(r->ike);         /* after the nodes that call into it */
	free(r->drops);
	free(r->acts);
	free(r->fstart);
	free(r->fstop);
	free(r->names);
	keyfile_free(&r->kf);
}

int simrun(struct scenario *sc, const struct simrun_opts *o, struct simrun_result *res, char *err, size_t errlen)
{
	struct run r;
	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	r.sc = sc;
	r.o = o;
	res->seed = o->has_seed ? o->seed : sc->has_seed ? sc->seed : 1;
	r.width = 6;
	for (size_t i = 0; i < sc->n_nodes; i++)
		if ((int)strlen(sc->nodes[i].name) > r.width)
			r.width = (int)strlen(sc->nodes[i].name);
	for (size_t i = 0; i < sc->n_links; i++)
		if ((int)strlen(sc->links[i].name) + 2 > r.width)
			r.width = (int)strlen(sc->links[i].name) + 2;
	int rc = 0;
	keyfile_init(&r.kf);
	if (!o->add_host)
		rc = fail(&r, err, errlen, M6_E_INVAL, "no host factory");
	if (!rc && o->out_dir && collect_keys(sc, &r.kf))
		rc = fail(&r, err, errlen, M6_E_NOMEM, "out of memory");
	if (!rc && o->out_dir)
		rc = setup_outputs(&r, err, errlen);
	if (!rc)
		rc = setup_sim(&r, res->seed, err, errlen);
	if (!rc)
		rc = schedule(&r, err, errlen);
	if (!rc) {
		sim_start(r.s);
		if (o->progress) {
			/* sim_run_until() stops after the events at `t` and resumes with
			 * the next one: steps change nothing but when we look */
			uint64_t step = o->progress_step_ns ? o->progress_step_ns : sc->duration / 200 + 1;
			for (uint64_t t = 0; !rc && !r.s->stopped && t < sc->duration;) {
				t = sc->duration - t > step ? t + step : sc->duration;
				rc = sim_run_until(r.s, t);
				o->progress(o->progress_ctx, r.s->now, sc->duration, r.s->ctr.events);
			}
		} else {
			rc = sim_run_until(r.s, sc->duration);
		}
		if (rc)
			fail(&r, err, errlen, rc, "simulation stopped at %llu ns: %s", (unsigned long long)r.s->now,
			     m6_strerror(rc));
	}
	if (!rc) {
		expect_finish(r.x);
		res->n_expect = sc->n_expects;
		res->n_failed = expect_failures(r.x);
		res->events = r.s->ctr.events;
		res->node_events = r.node_events;
		if (o->term)
			summary(&r, o->term, res);
		if (o->out_dir)
			rc = finish_outputs(&r, res, err, errlen);
	}
	cleanup(&r);
	return rc;
}
