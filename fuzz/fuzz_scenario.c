/*
 * fuzz_scenario — libFuzzer harness for the simulator's scenario parser
 * (src/sim/scenario*.c over src/config: libconfig and the full-width
 * integer pass (conffile.c), nodes through nodeconf_load(), their IPsec
 * groups through keyconf_load_setting(), injected packets through
 * spec_build_sa())
 * and, for small scenarios, the simulator itself.
 *
 * The input is the scenario text, parsed with scenario_load_string() under
 * the name "fuzz.scn". Inputs that contain @include are skipped: libconfig
 * would open whatever file they name (relative to the current directory,
 * or /dev/zero), which is not the parser under test.
 *
 * A scenario that loads with a duration of at most 5 s and at most 6 nodes
 * is then run as `mip6sec sim` runs it (simrun(), src/cli/cmd_sim.c) with
 * every output off (no terminal, no output directory): links, nodes over
 * the real node API, traffic, the timeline and the expectations. The host
 * factory is sim_add_node() wrapped so that the harness sees each host's
 * calls: after 4000 calls into the hosts (node_input, node_on_timer,
 * node_app_send, node_link) the run is stopped with sim_stop(), so a
 * scenario with a 1 ns ping interval or a forwarding storm stays fast.
 * Everything is freed with scenario_free() (LeakSanitizer checks).
 *
 * Invariants (abort on violation):
 *  - failure gives M6_E_CONFIG and a NUL-terminated "fuzz.scn:..." message,
 *    and leaves the scenario empty;
 *  - success gives a duration above zero, at least one link and one node,
 *    names that are unique and usable, every index (interface, route,
 *    initial link, timeline node / interface / link / flow, flow ends,
 *    expectation node / link / flow) within its table, actions and
 *    expectations no later than the duration, flow sizes in 24..1400 and
 *    non-zero intervals except for streams, 0 < rto <= rto_max, no node
 *    that is both a mobile node and a home agent or correspondent, injected
 *    packets present and at most 65575 octets;
 *  - a run returns 0 with n_expect = the scenario's expectations and
 *    n_failed <= n_expect, or an error with a message;
 *  - every packet a node emits during a run is at most NODE_PKT_MAX octets
 *    and walks (ip6_walk() is not M6_E_TRUNC, M6_E_EXT_TRUNC or
 *    M6_E_IP6_PLEN).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libconfig.h>

#include "pkt/ip6.h"
#include "scenario.h"
#include "sim.h"
#include "sim_node.h"
#include "sim_run.h"
#include "spec.h"

#define NAME "fuzz.scn"
#define RUN_DURATION_MAX (5 * SIM_NS_PER_S)
#define RUN_NODES_MAX 6
#define HOST_CALLS_MAX 4000

static void violated(const char *what, int line)
{
	fprintf(stderr, "fuzz_scenario: invariant violated at line %d: %s\n", line, what);
	abort();
}
#define CHECK(c) do { if (!(c)) violated(#c, __LINE__); } while (0)

/* libconfig before 1.7.3 leaks the string token it was scanning when a
 * syntax error follows it (hyperrealm/libconfig#142, fixed in 1.7.3); not
 * the scenario parser's leak (see fuzz_keyconf.c). A suppression alone is
 * not enough here: every input that leaks makes libFuzzer run a full leak
 * check (a thousand of them, then it turns leak detection off for good),
 * which cut this harness from ~1400 to ~80 executions per second. So the
 * harness watches the allocations scenario_load_string() makes (sanitizer
 * malloc/free hooks); when the load fails and the text does not even parse
 * with libconfig alone, what is left of them is libconfig's and is freed.
 * A load that fails later (the scenario parser's own checks) is left
 * alone, so a leak there is still reported. The suppression stays for the
 * rare input whose allocations overflow the watch table. */
#if LIBCONFIG_VER_MAJOR == 1 && LIBCONFIG_VER_MINOR < 7 || \
    LIBCONFIG_VER_MAJOR == 1 && LIBCONFIG_VER_MINOR == 7 && LIBCONFIG_VER_REVISION < 3
#define LIBCONFIG_LEAKS 1
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}
#else
#define LIBCONFIG_LEAKS 0
#endif

/* weak: absent without a sanitizer runtime (then there is no leak check) */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *)) __attribute__((weak));

#define WATCH_CAP (1u << 16)
#define WATCH_TOMB ((uintptr_t)1)
/* Not instrumented: bookkeeping, not code under test. */
#define NOCOV __attribute__((no_sanitize("coverage")))
static uintptr_t watch[WATCH_CAP];    /* open addressing; 0 empty, 1 deleted */
static uint32_t touched[WATCH_CAP / 2];   /* slots in use since watch_start() */
static unsigned n_touched;
static bool watching, watch_overflow;

NOCOV static unsigned watch_slot(uintptr_t p) { return (unsigned)((p >> 4) * 0x9e3779b1u) & (WATCH_CAP - 1); }

NOCOV static void on_malloc(const volatile void *ptr, size_t size)
{
	(void)size;
	uintptr_t p = (uintptr_t)ptr;
	if (!watching || !p)
		return;
	unsigned i = watch_slot(p);
	while (watch[i] > WATCH_TOMB)
		i = (i + 1) & (WATCH_CAP - 1);
	if (!watch[i]) {
		if (n_touched == WATCH_CAP / 2) {
			watch_overflow = true;
			return;
		}
		touched[n_touched++] = i;
	}
	watch[i] = p;
}

NOCOV static void on_free(const volatile void *ptr)
{
	uintptr_t p = (uintptr_t)ptr;
	if (!watching || !p)
		return;
	for (unsigned i = watch_slot(p); watch[i]; i = (i + 1) & (WATCH_CAP - 1))
		if (watch[i] == p) {
			watch[i] = WATCH_TOMB;
			return;
		}
}

NOCOV static void watch_start(void)
{
	for (unsigned k = 0; k < n_touched; k++)
		watch[touched[k]] = 0;
	n_touched = 0;
	watch_overflow = false;
	watching = true;
}

/* What is still allocated of what was watched (up to cap pointers). */
NOCOV static size_t watch_stop(uintptr_t *out, size_t cap)
{
	size_t n = 0;
	watching = false;
	for (unsigned k = 0; k < n_touched && n < cap; k++)
		if (watch[touched[k]] > WATCH_TOMB)
			out[n++] = watch[touched[k]];
	return n;
}

/* ---- the host factory, wrapped ------------------------------------------- */

static struct sim *cur_sim;
static const struct sim_host_ops *node_ops;   /* sim_add_node()'s table */
static struct sim_host_ops wrapped;
static unsigned host_calls;
static bool verbose;

static void count(void)
{
	if (++host_calls == HOST_CALLS_MAX) {
		if (verbose)
			fprintf(stderr, "fuzz_scenario: %u host calls, run stopped at %llu ns\n", host_calls,
				(unsigned long long)cur_sim->now);
		sim_stop(cur_sim);
	}
}

static int w_input(void *h, unsigned ifindex, const uint8_t *pkt, size_t len, uint64_t now)
{
	count();
	return node_ops->input(h, ifindex, pkt, len, now);
}

static int w_output(void *h, struct node_out *out, uint64_t now)
{
	int rc = node_ops->output(h, out, now);
	if (rc == 1) {
		struct ip6_walk w;
		CHECK(out->len <= NODE_PKT_MAX);
		int wrc = ip6_walk(out->pkt, out->len, IP6W_HAO_KNOWN, &w);
		if (wrc == M6_E_TRUNC || wrc == M6_E_EXT_TRUNC || wrc == M6_E_IP6_PLEN) {
			fprintf(stderr, "fuzz_scenario: a node emitted %zu octets that do not walk: %s\n", out->len,
				m6_errid(wrc));
			CHECK(!"every emitted packet walks");
		}
	}
	return rc;
}

static void w_on_timer(void *h, uint64_t now)
{
	count();
	node_ops->on_timer(h, now);
}

static void w_link(void *h, unsigned ifindex, bool up, uint64_t now)
{
	count();
	node_ops->link(h, ifindex, up, now);
}

static int w_app_send(void *h, const uint8_t *pkt, size_t len, uint64_t now)
{
	count();
	return node_ops->app_send(h, pkt, len, now);
}

static int add_host(struct sim *s, const struct node_cfg *cfg, char *err, size_t errlen)
{
	int idx = sim_add_node(s, cfg, err, errlen);
	if (idx < 0)
		return idx;
	struct sim_host *h = s->hosts[idx];
	if (!node_ops) {
		node_ops = h->ops;
		wrapped = *node_ops;
		wrapped.input = w_input;
		wrapped.output = w_output;
		wrapped.on_timer = w_on_timer;
		wrapped.link = w_link;
		wrapped.app_send = w_app_send;
	}
	CHECK(h->ops == node_ops);
	h->ops = &wrapped;
	cur_sim = s;
	return idx;
}

/* ---- invariants ------------------------------------------------------------ */

static void check_name(const char *n)
{
	size_t l = strnlen(n, SC_NAME_MAX);
	CHECK(l >= 1 && l < SC_NAME_MAX);
	CHECK(n[0] != '.');
	for (size_t i = 0; i < l; i++)
		CHECK((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') || (n[i] >= '0' && n[i] <= '9') ||
		      n[i] == '_' || n[i] == '-' || n[i] == '.');
}

static void check_loaded(const struct scenario *sc)
{
	int nn = (int)sc->n_nodes, nl = (int)sc->n_links, nf = (int)sc->n_flows;
	CHECK(sc->duration > 0);
	CHECK(sc->n_links >= 1 && sc->links);
	CHECK(sc->n_nodes >= 1 && sc->nodes);
	for (size_t i = 0; i < sc->n_links; i++) {
		check_name(sc->links[i].name);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(sc->links[i].name, sc->links[j].name) != 0);
	}
	for (size_t i = 0; i < sc->n_nodes; i++) {
		const struct nodeconf *n = &sc->nodes[i];
		check_name(n->name);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(n->name, sc->nodes[j].name) != 0);
		CHECK(n->cfg.name == n->name);
		CHECK(n->cfg.n_ifaces >= 1 && n->cfg.n_ifaces <= NODE_IF_MAX);
		CHECK(n->cfg.n_routes <= NODE_ROUTE_MAX);
		for (unsigned k = 0; k < n->cfg.n_routes; k++) {
			CHECK(n->cfg.routes[k].ifindex < n->cfg.n_ifaces);
			CHECK(n->cfg.routes[k].plen <= 128);
		}
		for (unsigned k = 0; k < NODE_IF_MAX; k++)
			CHECK(n->init_link[k] >= -1 && n->init_link[k] < nl && (k < n->cfg.n_ifaces || n->init_link[k] == -1));
		for (unsigned k = 0; k < n->cfg.n_ifaces; k++) {
			const struct node_iface_cfg *f = &n->cfg.ifaces[k];
			CHECK(f->plen <= 128);
			CHECK(!f->advertise || f->plen == 64);
		}
		CHECK(!(n->cfg.is_mn && (n->cfg.is_ha || n->cfg.is_cn)));
		CHECK(!n->cfg.is_mn || n->cfg.mn.n_cn <= MN_CN_MAX);
		CHECK(!n->cfg.is_ha || n->cfg.ha.max_bindings >= 1);
		CHECK(!n->has_ipsec || (n->kc.spd && n->kc.sad && n->kc.pad));
		CHECK(!n->cfg.spd && !n->cfg.sad && !n->cfg.pad);   /* until scenario_take_ipsec() */
	}
	for (size_t i = 0; i < sc->n_flows; i++) {
		const struct sc_flow *f = &sc->flows[i];
		check_name(f->name);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(f->name, sc->flows[j].name) != 0);
		CHECK(f->type == SC_FLOW_PING || f->type == SC_FLOW_UDP || f->type == SC_FLOW_STREAM);
		CHECK(f->from >= 0 && f->from < nn);
		CHECK(f->to_node >= -1 && f->to_node < nn);
		CHECK(f->type != SC_FLOW_STREAM || (f->to_node >= 0 && f->count > 0));
		CHECK(f->size >= 24 && f->size <= 1400);
		CHECK(f->interval > 0 || f->type == SC_FLOW_STREAM);
		CHECK(f->rto > 0 && f->rto <= f->rto_max);
		CHECK(f->window >= 1 && f->window <= 1024);
	}
	for (size_t i = 0; i < sc->n_actions; i++) {
		const struct sc_action *a = &sc->actions[i];
		CHECK(a->at <= sc->duration);
		switch (a->type) {
		case SC_ACT_ATTACH:
		case SC_ACT_MOVE:
			CHECK(a->link >= 0 && a->link < nl);
			/* fall through */
		case SC_ACT_DETACH:
			CHECK(a->node >= 0 && a->node < nn);
			CHECK(a->iface >= 0 && (unsigned)a->iface < sc->nodes[a->node].cfg.n_ifaces);
			break;
		case SC_ACT_SET_LINK:
			CHECK(a->link >= 0 && a->link < nl);
			CHECK(a->set_mask != 0);
			break;
		case SC_ACT_START:
		case SC_ACT_STOP:
			CHECK(a->flow >= 0 && a->flow < nf);
			break;
		case SC_ACT_INJECT:
			CHECK(a->link >= 0 && a->link < nl);
			CHECK(a->pkt && a->spec && a->pkt_len <= 65575);
			break;
		default:
			CHECK(!"known action type");
		}
	}
	for (size_t i = 0; i < sc->n_expects; i++) {
		const struct sc_expect *e = &sc->expects[i];
		CHECK(e->at == UINT64_MAX || e->at <= sc->duration);
		CHECK(e->node >= -1 && e->node < nn);
		CHECK(e->link >= -1 && e->link < nl);
		CHECK(e->flow >= -1 && e->flow < nf);
		CHECK(memchr(e->label, 0, sizeof(e->label)) != NULL);
		CHECK(!e->has_min || !e->has_max || e->min <= e->max);
		switch (e->type) {
		case SC_EX_BINDING:
		case SC_EX_EVENT:
			CHECK(e->node >= 0);
			break;
		case SC_EX_DELIVERED:
			CHECK(e->flow >= 0);
			break;
		case SC_EX_COUNTER:
			CHECK((e->node >= 0) != (e->link >= 0));
			break;
		case SC_EX_NO_PLAINTEXT_MH:
			CHECK(e->link >= 0);
			break;
		default:
			CHECK(!"known expectation type");
		}
		if (e->type == SC_EX_EVENT)
			CHECK(e->n_types >= 1 && e->n_types <= SC_EV_TYPES_MAX && e->n_intervals <= SC_INTERVALS_MAX);
	}
	CHECK(sc->n_inject_sas <= (size_t)SPEC_SA_MAX * sc->n_actions);
}

/* ---- the run ---------------------------------------------------------------- */

static void run(struct scenario *sc)
{
	struct simrun_opts o;
	struct simrun_result res;
	char err[1024];
	memset(&o, 0, sizeof(o));
	o.add_host = add_host;
	o.verbose = true;             /* data-path events too (only counted: no terminal) */
	host_calls = 0;
	cur_sim = NULL;
	memset(err, 'x', sizeof(err));
	int rc = simrun(sc, &o, &res, err, sizeof(err));
	if (verbose)
		fprintf(stderr, "fuzz_scenario: run: %s%s, %llu events, %llu node events, %zu/%zu expectations failed, "
			"%u host calls\n", rc ? "error: " : "ok", rc ? err : "", (unsigned long long)res.events,
			(unsigned long long)res.node_events, res.n_failed, res.n_expect, host_calls);
	if (rc) {
		CHECK(rc < 0);
		CHECK(memchr(err, 0, sizeof(err)) != NULL && err[0] != 0);
	} else {
		CHECK(res.n_expect == sc->n_expects);
		CHECK(res.n_failed <= res.n_expect);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init, hooks;
	if (!init) {
		verbose = getenv("FUZZ_SCENARIO_VERBOSE") != NULL;
		hooks = __sanitizer_install_malloc_and_free_hooks &&
			__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) > 0;
		init = true;
	}
	/* @include (libconfig matches it case-sensitively; be generous) */
	for (size_t i = 0; i + 8 <= size; i++)
		if (data[i] == '@' && !strncasecmp((const char *)data + i + 1, "include", 7))
			return 0;
	char *text = malloc(size + 1), err[1024];
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	struct scenario sc;
	static uintptr_t left[2][4096];
	size_t n_left = 0;
	bool watched = LIBCONFIG_LEAKS && hooks;
	memset(err, 'x', sizeof(err));
	if (watched)
		watch_start();
	int rc = scenario_load_string(text, NAME, &sc, err, sizeof(err));
	if (watched) {
		watching = false;
		if (rc)
			n_left = watch_stop(left[0], 4096);
	}
	if (verbose)
		fprintf(stderr, "fuzz_scenario: %s\n", rc ? err : "loaded");
	if (rc && n_left && !watch_overflow) {
		/* libconfig's leak, if the text does not parse with libconfig alone */
		config_t cf;
		watch_start();
		config_init(&cf);
		int ok = config_read_string(&cf, text);
		config_destroy(&cf);
		size_t n2 = watch_stop(left[1], 4096);
		if (ok != CONFIG_TRUE && !watch_overflow) {
			if (verbose)
				fprintf(stderr, "fuzz_scenario: freeing %zu + %zu blocks libconfig leaked\n", n_left, n2);
			for (size_t i = 0; i < n_left; i++)
				free((void *)left[0][i]);
			for (size_t i = 0; i < n2; i++)
				free((void *)left[1][i]);
		}
	}
	if (rc) {
		CHECK(rc == M6_E_CONFIG);
		CHECK(memchr(err, 0, sizeof(err)) != NULL);
		CHECK(strncmp(err, NAME ":", strlen(NAME) + 1) == 0);
		CHECK(!sc.nodes && !sc.links && !sc.actions && !sc.flows && !sc.expects && !sc.n_nodes);
	} else {
		check_loaded(&sc);
		if (sc.duration <= RUN_DURATION_MAX && sc.n_nodes <= RUN_NODES_MAX)
			run(&sc);
		scenario_free(&sc);
		CHECK(!sc.nodes && !sc.n_nodes);
	}
	free(text);
	return 0;
}
