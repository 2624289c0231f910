#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "util/m6_err.h"

enum { K_DELIVER = 1, K_TIMER, K_TASK, K_SEND };

#define IP6_DST_END 40   /* the destination address ends at octet 40 */
#define TO_ALL (-1)       /* every other port */
#define TO_ROUTERS (-2)   /* every other port of a forwarding host */

/* A frame in flight: shared by its copies (duplication), freed by the last. */
struct sim_frame {
	unsigned refs;
	int from_host;
	unsigned from_if;
	int to_host;              /* the resolved receiver, TO_ALL or TO_ROUTERS */
	unsigned to_if;
	uint64_t sent;
	size_t len;
	uint8_t data[];
};

/* An application send deferred because a host was busy. */
struct sim_send {
	unsigned host;
	size_t len;
	uint8_t data[];
};

const char *sim_note_name(enum sim_note_type t)
{
	static const char *const names[] = {
		[SIM_NOTE_ATTACH] = "attach", [SIM_NOTE_DETACH] = "detach", [SIM_NOTE_LINK_CFG] = "link",
		[SIM_NOTE_MTU_DROP] = "mtu_drop", [SIM_NOTE_INJECT] = "inject", [SIM_NOTE_TRAFFIC] = "traffic",
		[SIM_NOTE_EXPECT] = "expect", [SIM_NOTE_INFO] = "info",
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) && names[t] ? names[t] : "note";
}

struct sim *sim_new(uint64_t seed)
{
	struct sim *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->seed = seed;
	s->count_events = true;
	sim_queue_init(&s->q);
	return s;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	struct sim_qev ev;
	while (sim_queue_pop(&s->q, &ev)) {
		if (ev.kind == K_DELIVER) {
			struct sim_frame *f = ev.ptr;
			if (--f->refs == 0)
				free(f);
		} else if (ev.kind == K_SEND) {
			free(ev.ptr);
		}
	}
	sim_queue_free(&s->q);
	for (size_t i = 0; i < s->n_hosts; i++) {
		struct sim_host *h = s->hosts[i];
		if (h->ops->destroy)
			h->ops->destroy(h->h);
		free(h->st.events);
		free(h);
	}
	free(s->hosts);
	for (size_t i = 0; i < s->n_links; i++) {
		link_fini(s->links[i]);
		free(s->links[i]);
	}
	free(s->links);
	free(s);
}

void sim_set_observer(struct sim *s, const struct sim_observer *o)
{
	s->obs = *o;
}

uint64_t sim_node_seed(const struct sim *s, unsigned index)
{
	return sim_seed_derive(s->seed, 1, index);
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? 2 * *cap : 8;
	void *p = realloc(*arr, c * elem);
	if (!p)
		return M6_E_NOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

/* The pump reaches a host through its ops at every call, so a caller that
 * swaps h->ops after sim_add_host (the scenario fuzzer's wrappers) is heard. */
static int pump_output(void *hp, struct node_out *out, uint64_t now)
{
	struct sim_host *h = hp;
	return h->ops->output(h->h, out, now);
}

static uint64_t pump_next_expiry(void *hp)
{
	struct sim_host *h = hp;
	return h->ops->next_expiry(h->h);
}

/* Busy while the host runs its timer, as for every call into a host: its
 * callbacks may not call into a host (sim_app_send defers). */
static void pump_on_timer(void *hp, uint64_t now)
{
	struct sim_host *h = hp;
	h->sim->busy++;
	h->ops->on_timer(h->h, now);
	h->sim->busy--;
}

static const struct node_pump_ops host_pump_ops = { pump_output, pump_next_expiry, pump_on_timer };

static void host_tx(void *ctx, const struct node_out *out);

int sim_add_host(struct sim *s, const char *name, unsigned n_ifaces, const struct sim_host_ops *ops, void *hp)
{
	if (n_ifaces > NODE_IF_MAX || !ops || !ops->input || !ops->output || !ops->next_expiry ||
	    !ops->on_timer)
		return M6_E_INVAL;
	if (grow((void **)&s->hosts, &s->cap_hosts, s->n_hosts, sizeof(s->hosts[0])))
		return M6_E_NOMEM;
	struct sim_host *h = calloc(1, sizeof(*h) + n_ifaces * sizeof(h->ifaces[0]));
	if (!h)
		return M6_E_NOMEM;
	h->sim = s;
	h->index = (unsigned)s->n_hosts;
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->ops = ops;
	h->h = hp;
	h->n_ifaces = n_ifaces;
	for (unsigned i = 0; i < n_ifaces; i++)
		h->ifaces[i].link = -1;
	h->timer_at = SIM_NEVER;
	node_pump_init_ops(&h->pump, &host_pump_ops, h, host_tx, h);
	s->hosts[s->n_hosts++] = h;
	return (int)h->index;
}

int sim_add_link(struct sim *s, const char *name, const struct sim_link_cfg *cfg)
{
	if (link_cfg_check(cfg))
		return M6_E_INVAL;
	if (grow((void **)&s->links, &s->cap_links, s->n_links, sizeof(s->links[0])))
		return M6_E_NOMEM;
	struct sim_link *l = malloc(sizeof(*l));
	if (!l)
		return M6_E_NOMEM;
	unsigned idx = (unsigned)s->n_links;
	link_init(l, name, idx, cfg, sim_seed_derive(s->seed, 2, idx));
	s->links[s->n_links++] = l;
	return (int)idx;
}

int sim_find_host(const struct sim *s, const char *name)
{
	for (size_t i = 0; i < s->n_hosts; i++)
		if (!strcmp(s->hosts[i]->name, name))
			return (int)i;
	return M6_E_NOTFOUND;
}

int sim_find_link(const struct sim *s, const char *name)
{
	for (size_t i = 0; i < s->n_links; i++)
		if (!strcmp(s->links[i]->name, name))
			return (int)i;
	return M6_E_NOTFOUND;
}

void sim_note(struct sim *s, enum sim_note_type type, int host, int link, const char *fmt, ...)
{
	if (!s->obs.note)
		return;
	struct sim_note n;
	n.time = s->now;
	n.type = type;
	n.host = host;
	n.link = link;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(n.text, sizeof(n.text), fmt, ap);
	va_end(ap);
	s->obs.note(s->obs.ctx, &n);
}

int sim_link_set(struct sim *s, unsigned link, const struct sim_link_cfg *cfg)
{
	if (link >= s->n_links || link_cfg_check(cfg))
		return M6_E_INVAL;
	link_set_cfg(s->links[link], cfg);
	return 0;
}

static int push(struct sim *s, uint64_t t, uint32_t kind, uint32_t arg, void *ptr)
{
	int rc = sim_queue_push(&s->q, t, kind, arg, ptr);
	if (rc && !s->error)
		s->error = rc;
	return rc;
}

/* The port that answers for addr on the link (its own address, else a
 * proxy), never the sender's. */
static bool owner(struct sim *s, const struct sim_link *l, int from_host, unsigned from_if, const uint8_t addr[16],
		  int *to_host, unsigned *to_if)
{
	unsigned h, i;
	if (link_ix_find(l, addr, from_host, from_if, &h, &i)) {
		*to_host = (int)h;
		*to_if = i;
		return true;
	}
	for (size_t k = 0; l->n_proxy_ports && k < l->n_ports; k++) {
		const struct sim_port *p = &l->ports[k];
		if (p->host == SIM_PORT_GONE)
			continue;
		const struct sim_host *hp = s->hosts[p->host];
		if (!hp->proxy || ((int)p->host == from_host && p->ifindex == from_if))
			continue;
		if (hp->ops->proxies && hp->ops->proxies(hp->h, p->ifindex, addr)) {
			*to_host = (int)p->host;
			*to_if = p->ifindex;
			return true;
		}
	}
	return false;
}

/* Which ports a frame goes to. On a hub (the default) every other port;
 * on a switch, neighbour discovery emulated: multicast to all, unicast to
 * the port owning the destination (or the sender's gateway), off-link
 * traffic without a gateway to every router (each decides whether it
 * forwards), and an on-link address nobody answers for is unreachable, as
 * when neighbour solicitation fails. */
static bool resolve(struct sim *s, struct sim_link *l, int from_host, unsigned from_if, const uint8_t *pkt,
		    size_t len, int *to_host, unsigned *to_if)
{
	*to_host = TO_ALL;
	*to_if = 0;
	if (!l->cfg.switched || len < IP6_DST_END || pkt[24] == 0xff)
		return true;
	const uint8_t *dst = pkt + 24, *target = dst;
	uint8_t nh[16];
	int r = -1;
	if (from_host >= 0) {
		const struct sim_host *h = s->hosts[from_host];
		if (h->ops->next_hop)
			r = h->ops->next_hop(h->h, from_if, dst, nh);
	}
	if (r == 1)
		target = nh;
	if (owner(s, l, from_host, from_if, target, to_host, to_if))
		return true;
	if (r == -1) {
		*to_host = TO_ROUTERS;
		return true;
	}
	l->st.unresolved++;
	return false;
}

static void transmit(struct sim *s, unsigned li, int from_host, unsigned from_if, const uint8_t *pkt, size_t len)
{
	struct sim_link *l = s->links[li];
	struct sim_link_plan p;
	link_plan(l, len, &p);
	if (p.too_big) {
		sim_note(s, SIM_NOTE_MTU_DROP, from_host, (int)li, "%zu-octet packet from %s dropped: link MTU is %u",
			 len, from_host >= 0 ? s->hosts[from_host]->name : "injector", link_mtu(l));
		return;
	}
	if (s->obs.frame)
		s->obs.frame(s->obs.ctx, l, from_host, pkt, len, s->now);
	int to_host;
	unsigned to_if;
	if (!p.n || !resolve(s, l, from_host, from_if, pkt, len, &to_host, &to_if))
		return;
	struct sim_frame *f = malloc(sizeof(*f) + len);
	if (!f) {
		s->error = M6_E_NOMEM;
		return;
	}
	f->refs = p.n;
	f->from_host = from_host;
	f->from_if = from_if;
	f->to_host = to_host;
	f->to_if = to_if;
	f->sent = s->now;
	f->len = len;
	memcpy(f->data, pkt, len);
	for (unsigned i = 0; i < p.n; i++)
		if (push(s, s->now + p.delay_ns[i], K_DELIVER, li, f) && --f->refs == 0)
			free(f);
}

/* Queue the host's timer for e (the pump's answer) unless an earlier one
 * is queued already. */
static void host_arm(struct sim *s, struct sim_host *h, uint64_t e)
{
	if (e == SIM_NEVER || e >= h->timer_at)
		return;
	if (e < s->now)
		e = s->now;
	h->timer_at = e;
	push(s, e, K_TIMER, ++h->timer_gen, h);
}

/* Keep the cached address of an interface, and its link's address table,
 * in step with what the host says now. */
static void iface_refresh(struct sim *s, struct sim_host *h, unsigned i)
{
	struct sim_iface *f = &h->ifaces[i];
	uint8_t a[16];
	bool has = h->ops->iface_addr(h->h, i, a);
	if (has == f->has_addr && (!has || !memcmp(a, f->addr, 16)))
		return;
	if (f->link >= 0 && f->has_addr)
		link_ix_del(s->links[f->link], f->addr, h->index, i);
	f->has_addr = has;
	if (has)
		memcpy(f->addr, a, 16);
	if (f->link >= 0 && has && link_ix_add(s->links[f->link], a, h->index, i) && !s->error)
		s->error = M6_E_NOMEM;
}

static void host_tx(void *ctx, const struct node_out *out)
{
	struct sim_host *h = ctx;
	h->st.tx++;
	if (out->ifindex >= h->n_ifaces || out->len > sizeof(out->pkt)) {
		h->st.tx_bad_iface++;
		return;
	}
	int li = h->ifaces[out->ifindex].link;
	if (li < 0) {
		/* a node sending on a detached interface: the frame goes nowhere */
		h->st.tx_unattached++;
		return;
	}
	transmit(h->sim, (unsigned)li, (int)h->index, out->ifindex, out->pkt, out->len);
}

/* Note a host's addresses (autoconfiguration may have changed them). Its
 * frames just sent were resolved before this: the address index skips the
 * sender's own entries, so that order changes nothing. */
static void host_refresh(struct sim *s, struct sim_host *h)
{
	if (h->ops->iface_addr)
		for (unsigned i = 0; i < h->n_ifaces; i++)
			iface_refresh(s, h, i);
}

/* After every call into a host: send what it queued, note its addresses,
 * re-arm its timer. */
static void host_drain(struct sim *s, struct sim_host *h)
{
	uint64_t e = node_pump_drain(&h->pump, s->now);
	host_refresh(s, h);
	host_arm(s, h, e);
}

static void deliver_to(struct sim *s, struct sim_link *l, struct sim_host *h, unsigned ifindex,
		       const struct sim_frame *f)
{
	l->st.deliveries++;
	s->ctr.deliveries++;
	h->st.rx++;
	s->busy++;
	h->ops->input(h->h, ifindex, f->data, f->len, s->now);
	s->busy--;
	host_drain(s, h);
}

static void deliver(struct sim *s, unsigned li, struct sim_frame *f)
{
	struct sim_link *l = s->links[li];
	if (f->to_host >= 0) {
		struct sim_host *h = s->hosts[f->to_host];
		const struct sim_iface *fi = &h->ifaces[f->to_if];
		/* it must still be there, attached since before the frame left */
		if (fi->link == (int)li && fi->since <= f->sent)
			deliver_to(s, l, h, f->to_if, f);
	} else {
		/* routers have their own list: a switch with thousands of hosts
		 * must not look at each of them for every off-link frame */
		bool routers = f->to_host == TO_ROUTERS;
		const struct sim_port *ports = routers ? l->rports : l->ports;
		size_t n = routers ? l->n_rports : l->n_ports;
		for (size_t i = 0; i < n; i++) {
			struct sim_port p = ports[i];
			if (p.host == SIM_PORT_GONE || ((int)p.host == f->from_host && p.ifindex == f->from_if))
				continue;
			if (p.since > f->sent)
				continue;   /* attached after the frame left: it never saw it */
			deliver_to(s, l, s->hosts[p.host], p.ifindex, f);
		}
	}
	if (--f->refs == 0)
		free(f);
}

static void fire_timer(struct sim *s, struct sim_host *h, uint32_t gen)
{
	if (gen != h->timer_gen)
		return;   /* superseded by an earlier timer */
	h->timer_at = SIM_NEVER;
	uint64_t e = node_pump_timer(&h->pump, s->now);
	if (h->pump.last & NODE_PUMP_FIRED) {
		h->st.timers++;
		s->ctr.timers++;
		host_refresh(s, h);
	}
	if (h->pump.last & NODE_PUMP_STALLED)
		sim_note(s, SIM_NOTE_INFO, (int)h->index, -1,
			 "timer still due after %u expiries at one instant: delayed by 1 ns", h->pump.spin);
	host_arm(s, h, e);
}

static void host_app_send(struct sim *s, struct sim_host *h, const uint8_t *pkt, size_t len)
{
	h->st.app_sent++;
	s->busy++;
	if (h->ops->app_send)
		h->ops->app_send(h->h, pkt, len, s->now);
	s->busy--;
	host_drain(s, h);
}

int sim_app_send(struct sim *s, unsigned host, const uint8_t *pkt, size_t len)
{
	if (host >= s->n_hosts)
		return M6_E_INVAL;
	if (!s->busy) {
		host_app_send(s, s->hosts[host], pkt, len);
		return 0;
	}
	struct sim_send *d = malloc(sizeof(*d) + len);
	if (!d)
		return M6_E_NOMEM;
	d->host = host;
	d->len = len;
	memcpy(d->data, pkt, len);
	int rc = push(s, s->now, K_SEND, 0, d);
	if (rc)
		free(d);
	return rc;
}

/* A port's slot after the link reclaimed the slots of detached ones. */
static void port_moved(void *ctx, unsigned host, unsigned ifindex, uint32_t slot)
{
	struct sim *s = ctx;
	s->hosts[host]->ifaces[ifindex].port = slot;
}

int sim_detach(struct sim *s, unsigned host, unsigned ifindex)
{
	if (host >= s->n_hosts || ifindex >= s->hosts[host]->n_ifaces || s->busy)
		return M6_E_INVAL;
	struct sim_host *h = s->hosts[host];
	int li = h->ifaces[ifindex].link;
	if (li < 0)
		return 0;
	struct sim_link *l = s->links[li];
	link_port_remove(l, h->ifaces[ifindex].port, host, ifindex);
	if (link_ports_sparse(l))
		link_ports_compact(l, port_moved, s);
	if (h->ifaces[ifindex].has_addr)
		link_ix_del(l, h->ifaces[ifindex].addr, host, ifindex);
	if (h->proxy)
		l->n_proxy_ports--;
	h->ifaces[ifindex].link = -1;
	sim_note(s, SIM_NOTE_DETACH, (int)host, li, "interface %u detached from link %s", ifindex, s->links[li]->name);
	if (h->ops->link) {
		h->ops->link(h->h, ifindex, false, s->now);
		host_drain(s, h);
	}
	return 0;
}

int sim_attach(struct sim *s, unsigned host, unsigned ifindex, unsigned link)
{
	if (host >= s->n_hosts || ifindex >= s->hosts[host]->n_ifaces || link >= s->n_links || s->busy)
		return M6_E_INVAL;
	struct sim_host *h = s->hosts[host];
	if (h->ifaces[ifindex].link == (int)link)
		return 0;
	int rc = sim_detach(s, host, ifindex);
	if (rc)
		return rc;
	struct sim_link *l = s->links[link];
	uint32_t slot;
	if ((rc = link_port_add(l, host, ifindex, h->router, s->now, &slot)))
		return rc;
	if (h->ifaces[ifindex].has_addr && (rc = link_ix_add(l, h->ifaces[ifindex].addr, host, ifindex))) {
		link_port_remove(l, slot, host, ifindex);
		return rc;
	}
	h->ifaces[ifindex].port = slot;
	if (h->proxy)
		l->n_proxy_ports++;
	h->ifaces[ifindex].link = (int)link;
	h->ifaces[ifindex].since = s->now;
	sim_note(s, SIM_NOTE_ATTACH, (int)host, (int)link, "interface %u attached to link %s", ifindex,
		 s->links[link]->name);
	if (h->ops->link) {
		h->ops->link(h->h, ifindex, true, s->now);
		host_drain(s, h);
	}
	return 0;
}

int sim_inject(struct sim *s, unsigned link, const uint8_t *pkt, size_t len)
{
	if (link >= s->n_links)
		return M6_E_INVAL;
	transmit(s, link, -1, 0, pkt, len);
	return s->error;
}

int sim_at(struct sim *s, uint64_t t, struct sim_task *task, uint32_t arg)
{
	return push(s, t < s->now ? s->now : t, K_TASK, arg, task);
}

void sim_host_event(struct sim_host *h, const struct m6_event *ev)
{
	struct sim *s = h->sim;
	if (s->count_events && !h->st.events) {
		h->st.events = calloc(M6_EV_TYPE_COUNT, sizeof(*h->st.events));
		if (!h->st.events && !s->error)
			s->error = M6_E_NOMEM;
	}
	if (h->st.events && (unsigned)ev->type < M6_EV_TYPE_COUNT)
		h->st.events[ev->type]++;
	if (ev->type == M6_EV_DROP)
		h->st.drops++;
	if (s->obs.event)
		s->obs.event(s->obs.ctx, h, ev);
}

void sim_host_deliver(struct sim_host *h, const uint8_t *pkt, size_t len, uint64_t now)
{
	h->st.app_delivered++;
	struct sim *s = h->sim;
	if (s->obs.deliver)
		s->obs.deliver(s->obs.ctx, h, pkt, len, now);
}

void sim_start(struct sim *s)
{
	s->started = true;
	for (size_t i = 0; i < s->n_hosts; i++) {
		struct sim_host *h = s->hosts[i];
		for (unsigned k = 0; k < h->n_ifaces; k++)
			if (h->ifaces[k].link < 0 && h->ops->link)
				h->ops->link(h->h, k, false, s->now);
		host_drain(s, h);
	}
}

void sim_stop(struct sim *s)
{
	s->stopped = true;
}

int sim_run_until(struct sim *s, uint64_t end)
{
	struct sim_qev ev;
	while (!s->stopped && !s->error && sim_queue_len(&s->q) && sim_queue_peek_time(&s->q) <= end) {
		sim_queue_pop(&s->q, &ev);
		s->now = ev.time;
		s->ctr.events++;
		switch (ev.kind) {
		case K_DELIVER:
			deliver(s, ev.arg, ev.ptr);
			break;
		case K_TIMER:
			fire_timer(s, ev.ptr, ev.arg);
			break;
		case K_TASK: {
			struct sim_task *t = ev.ptr;
			s->ctr.tasks++;
			t->fn(s, t, ev.arg);
			break;
		}
		case K_SEND: {
			struct sim_send *d = ev.ptr;
			host_app_send(s, s->hosts[d->host], d->data, d->len);
			free(d);
			break;
		}
		}
	}
	if (!s->stopped && !s->error && end != SIM_NEVER && end > s->now)
		s->now = end;
	return s->error;
}
