/*
 * The control commands (ctl_proto.h): show bindings|bul|sa|policy|ike|
 * counters|neighbours|status, reload, keys, version. Every `show` has a
 * text form for people and a JSON form for programs; the JSON fields are
 * the documented, stable interface (mip6secd(8), CONTROL): fields are
 * only ever added, and "version" changes if one ever has to change.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "dlog.h"
#include "m6d.h"
#include "ike/ike_const.h"
#include "mip6/bcache.h"
#include "pkt/ip6.h"

#ifndef MIP6SEC_VERSION
#define MIP6SEC_VERSION "unknown"
#endif

#define NS 1000000000ull

static json_t *jaddr(const uint8_t a[16])
{
	char s[46];
	ip6_addr_format(a, s);
	return json_string(s);
}

static const char *fmt_addr(const uint8_t a[16], char s[46])
{
	ip6_addr_format(a, s);
	return s;
}

static json_t *envelope(struct m6d *d, const char *what)
{
	json_t *o = json_object();
	json_object_set_new(o, "version", json_integer(CTL_JSON_VERSION));
	json_object_set_new(o, "node", json_string(node_name(d->node)));
	json_object_set_new(o, "what", json_string(what));
	return o;
}

static void emit_json(struct ctl_reply *out, json_t *o)
{
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s) {
		ctl_fail(out, "out of memory");
		return;
	}
	ctl_append(out, s, strlen(s));
	ctl_append(out, "\n", 1);
	free(s);
}

static uint64_t secs_left(uint64_t until, uint64_t now)
{
	return until == UINT64_MAX ? UINT64_MAX : until > now ? (until - now + NS / 2) / NS : 0;
}

/* ---- bindings ---- */

struct bind_ctx {
	struct m6d *d;
	json_t *arr;
	struct ctl_reply *out;
};

static void one_binding(struct bind_ctx *b, const struct node_binding_info *i, const char *source)
{
	uint64_t left = secs_left(i->expires, b->d->now);
	if (b->arr) {
		json_t *e = json_object();
		json_object_set_new(e, "hoa", jaddr(i->hoa));
		json_object_set_new(e, "coa", jaddr(i->coa));
		json_object_set_new(e, "lifetime", json_integer(i->lifetime_s));
		json_object_set_new(e, "remaining", left == UINT64_MAX ? json_null() : json_integer((json_int_t)left));
		json_object_set_new(e, "seq", json_integer(i->seq));
		json_object_set_new(e, "home_registration", json_boolean(i->home_reg));
		json_object_set_new(e, "source", json_string(source));
		json_array_append_new(b->arr, e);
		return;
	}
	char h[46], c[46];
	ctl_printf(b->out, "%-26s %-26s %5u %8u %9llu %s\n", fmt_addr(i->hoa, h), fmt_addr(i->coa, c), i->seq,
		   i->lifetime_s, (unsigned long long)left, i->home_reg ? "home" : "correspondent");
}

static void binding_cb(void *ctx, const struct node_binding_info *i)
{
	one_binding(ctx, i, "binding_cache");
}

static void show_bindings(struct m6d *d, bool json, struct ctl_reply *out)
{
	struct bind_ctx b = { d, json ? json_array() : NULL, out };
	if (!json)
		ctl_printf(out, "%-26s %-26s %5s %8s %9s %s\n", "HOME ADDRESS", "CARE-OF ADDRESS", "SEQ", "LIFETIME",
			   "REMAINING", "KIND");
	node_bindings(d->node, binding_cb, &b);
	/* a mobile node's own acknowledged home registration */
	struct mn *mn = node_mn(d->node);
	uint8_t coa[16];
	if (mn && node_binding(d->node, mn_hoa(mn), coa) == 1) {
		struct node_binding_info i = { .home_reg = true };
		memcpy(i.hoa, mn_hoa(mn), 16);
		memcpy(i.coa, coa, 16);
		for (unsigned k = 0; k < sizeof(d->bul) / sizeof(d->bul[0]); k++) {
			const struct m6d_bul *e = &d->bul[k];
			if (e->used && e->home && e->acked) {
				i.seq = e->seq;
				i.lifetime_s = e->granted_s;
				i.expires = e->acked_at + (uint64_t)e->granted_s * NS;
			}
		}
		one_binding(&b, &i, "mobile_node");
	}
	if (json) {
		json_t *o = envelope(d, "bindings");
		json_object_set_new(o, "bindings", b.arr);
		emit_json(out, o);
	}
}

/* ---- the mobile node's Binding Update List ---- */

static void show_bul(struct m6d *d, bool json, struct ctl_reply *out)
{
	json_t *arr = json ? json_array() : NULL;
	if (!json)
		ctl_printf(out, "%-26s %-4s %-26s %5s %8s %7s %5s %s\n", "PEER", "KIND", "CARE-OF ADDRESS", "SEQ",
			   "LIFETIME", "SENT_S", "ACKED", "LAST BA STATUS");
	for (unsigned k = 0; k < sizeof(d->bul) / sizeof(d->bul[0]); k++) {
		const struct m6d_bul *e = &d->bul[k];
		if (!e->used)
			continue;
		uint64_t ago = d->now > e->sent_at ? (d->now - e->sent_at) / NS : 0;
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "peer", jaddr(e->peer));
			json_object_set_new(o, "home_registration", json_boolean(e->home));
			json_object_set_new(o, "coa", jaddr(e->coa));
			json_object_set_new(o, "seq", json_integer(e->seq));
			json_object_set_new(o, "lifetime", json_integer(e->lifetime_s));
			json_object_set_new(o, "sent_ago", json_integer((json_int_t)ago));
			json_object_set_new(o, "retransmits", json_integer(e->retransmits));
			json_object_set_new(o, "acked", json_boolean(e->acked));
			json_object_set_new(o, "granted", json_integer(e->granted_s));
			json_object_set_new(o, "last_status", e->last_status < 0 ? json_null() : json_integer(e->last_status));
			json_array_append_new(arr, o);
			continue;
		}
		char p[46], c[46], st[16] = "-";
		if (e->last_status >= 0)
			snprintf(st, sizeof(st), "%d", e->last_status);
		ctl_printf(out, "%-26s %-4s %-26s %5u %8u %7llu %5s %s\n", fmt_addr(e->peer, p), e->home ? "home" : "cn",
			   fmt_addr(e->coa, c), e->seq, e->lifetime_s, (unsigned long long)ago, e->acked ? "yes" : "no", st);
	}
	if (json) {
		json_t *o = envelope(d, "bul");
		json_object_set_new(o, "bul", arr);
		emit_json(out, o);
	}
}

/* ---- SAs and policies ---- */

static const char *sa_state_name(enum sa_state s)
{
	static const char *const n[] = { "larval", "mature", "soft_expired", "dead" };
	return (unsigned)s < 4 ? n[s] : "?";
}

static const char *policy_name(struct bits *b, uint32_t id)
{
	const struct spd_entry *e = id ? spd_get(b->spd, id) : NULL;
	return e && e->name[0] ? e->name : "";
}

static void show_sa(struct m6d *d, bool json, struct ctl_reply *out)
{
	struct bits *b = node_bits(d->node);
	json_t *arr = json ? json_array() : NULL;
	if (!json)
		ctl_printf(out, "%-10s %-3s %-4s %-9s %-26s %-26s %-15s %-16s %10s %12s %s\n", "SPI", "DIR", "PROTO",
			   "MODE", "SOURCE", "DESTINATION", "ENC", "AUTH", "PACKETS", "BYTES", "POLICY");
	size_t cap = b ? sad_capacity(b->sad) : 0;
	for (size_t i = 0; i < cap; i++) {
		const struct ipsec_sa *sa = sad_slot(b->sad, i);
		if (!sa)
			continue;
		const char *dir = sa->inbound ? "in" : "out", *proto = sa->proto == 51 ? "ah" : "esp";
		const char *mode = sa->mode == SA_TUNNEL ? "tunnel" : "transport";
		if (json) {
			json_t *o = json_object();
			char hex[16];
			snprintf(hex, sizeof(hex), "0x%08x", sa->spi);
			json_object_set_new(o, "spi", json_integer(sa->spi));
			json_object_set_new(o, "spi_hex", json_string(hex));
			json_object_set_new(o, "direction", json_string(dir));
			json_object_set_new(o, "protocol", json_string(proto));
			json_object_set_new(o, "mode", json_string(mode));
			json_object_set_new(o, "model", json_string(sa->model == SA_MODEL_TRUE_ADDR ? "true-address" : "normalise"));
			json_object_set_new(o, "state", json_string(sa_state_name(sa->state)));
			json_object_set_new(o, "src", jaddr(sa->src));
			json_object_set_new(o, "dst", jaddr(sa->dst));
			json_object_set_new(o, "enc", json_string(m6_enc_name(sa->xf.enc)));
			json_object_set_new(o, "auth", json_string(m6_auth_name(sa->xf.auth)));
			json_object_set_new(o, "manual", json_boolean(sa->manual));
			json_object_set_new(o, "replay_window", json_boolean(sa->replay_on));
			if (sa->encap_dport) {
				json_t *u = json_object();
				json_object_set_new(u, "sport", json_integer(sa->encap_sport));
				json_object_set_new(u, "dport", json_integer(sa->encap_dport));
				json_object_set_new(o, "udp_encap", u);
			} else {
				json_object_set_new(o, "udp_encap", json_null());
			}
			json_object_set_new(o, "packets", json_integer((json_int_t)sa->packets));
			json_object_set_new(o, "bytes", json_integer((json_int_t)sa->bytes));
			json_object_set_new(o, "seq", json_integer((json_int_t)sa->seq));
			json_object_set_new(o, "policy", json_string(policy_name(b, sa->spd_id)));
			json_array_append_new(arr, o);
			continue;
		}
		char s[46], t[46];
		ctl_printf(out, "0x%08x %-3s %-4s %-9s %-26s %-26s %-15s %-16s %10llu %12llu %s%s%s\n", sa->spi, dir, proto,
			   mode, fmt_addr(sa->src, s), fmt_addr(sa->dst, t), m6_enc_name(sa->xf.enc),
			   m6_auth_name(sa->xf.auth), (unsigned long long)sa->packets, (unsigned long long)sa->bytes,
			   policy_name(b, sa->spd_id), sa->state == SA_MATURE ? "" : " ", sa->state == SA_MATURE ? "" : sa_state_name(sa->state));
	}
	if (json) {
		json_t *o = envelope(d, "sa");
		json_object_set_new(o, "sa", arr);
		emit_json(out, o);
	} else if (!b) {
		ctl_printf(out, "(no IPsec configured)\n");
	}
}

static void range_text(const uint8_t lo[16], const uint8_t hi[16], char *buf, size_t cap)
{
	static const uint8_t zero[16], ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	char a[46], b[46];
	if (!memcmp(lo, zero, 16) && !memcmp(hi, ones, 16))
		snprintf(buf, cap, "any");
	else if (!memcmp(lo, hi, 16))
		snprintf(buf, cap, "%s", fmt_addr(lo, a));
	else
		snprintf(buf, cap, "%s-%s", fmt_addr(lo, a), fmt_addr(hi, b));
}

static void show_policy(struct m6d *d, bool json, struct ctl_reply *out)
{
	struct bits *b = node_bits(d->node);
	static const char *const act[] = { "discard", "bypass", "protect" };
	json_t *arr = json ? json_array() : NULL;
	if (!json)
		ctl_printf(out, "%5s %-3s %6s %-8s %-20s %-30s %-30s %-5s %s\n", "ID", "DIR", "ORDER", "ACTION", "NAME",
			   "LOCAL", "REMOTE", "PROTO", "HITS");
	for (int dir = 0; b && dir < 2; dir++) {
		size_t n = spd_count_dir(b->spd, (enum spd_dir)dir);
		for (size_t i = 0; i < n; i++) {
			const struct spd_entry *e = spd_at(b->spd, (enum spd_dir)dir, i);
			char l[100], r[100], p[16];
			range_text(e->sel.local_lo, e->sel.local_hi, l, sizeof(l));
			range_text(e->sel.remote_lo, e->sel.remote_hi, r, sizeof(r));
			if (e->sel.proto == SPD_PROTO_ANY)
				snprintf(p, sizeof(p), "any");
			else
				snprintf(p, sizeof(p), "%u", e->sel.proto);
			const char *a = (unsigned)e->action < 3 ? act[e->action] : "?";
			if (json) {
				json_t *o = json_object();
				json_object_set_new(o, "id", json_integer(e->id));
				json_object_set_new(o, "name", json_string(e->name));
				json_object_set_new(o, "direction", json_string(dir ? "in" : "out"));
				json_object_set_new(o, "order", json_integer(e->order));
				json_object_set_new(o, "action", json_string(a));
				json_object_set_new(o, "local", json_string(l));
				json_object_set_new(o, "remote", json_string(r));
				json_object_set_new(o, "proto", json_string(p));
				json_object_set_new(o, "ports_local", json_pack("[ii]", e->sel.lport.lo, e->sel.lport.hi));
				json_object_set_new(o, "ports_remote", json_pack("[ii]", e->sel.rport.lo, e->sel.rport.hi));
				if (e->action == SPD_PROTECT) {
					json_object_set_new(o, "ipsec", json_string(e->protect.ipsec_proto == 51 ? "ah" : "esp"));
					json_object_set_new(o, "mode", json_string(e->protect.mode ? "tunnel" : "transport"));
				}
				json_object_set_new(o, "hits", json_integer((json_int_t)e->hits));
				json_array_append_new(arr, o);
				continue;
			}
			ctl_printf(out, "%5u %-3s %6u %-8s %-20s %-30s %-30s %-5s %llu\n", e->id, dir ? "in" : "out", e->order, a,
				   e->name, l, r, p, (unsigned long long)e->hits);
		}
	}
	if (json) {
		json_t *o = envelope(d, "policy");
		json_object_set_new(o, "policy", arr);
		emit_json(out, o);
	} else if (!b) {
		ctl_printf(out, "(no IPsec configured)\n");
	}
}

/* ---- counters ---- */

struct kv {
	const char *name;
	uint64_t v;
};

static void put_group(json_t *root, struct ctl_reply *out, const char *group, const struct kv *kv, size_t n)
{
	json_t *g = root ? json_object() : NULL;
	for (size_t i = 0; i < n; i++) {
		if (g)
			json_object_set_new(g, kv[i].name, json_integer((json_int_t)kv[i].v));
		else if (kv[i].v)
			ctl_printf(out, "%-10s %-28s %llu\n", group, kv[i].name, (unsigned long long)kv[i].v);
	}
	if (g)
		json_object_set_new(root, group, g);
}

static void show_counters(struct m6d *d, bool json, struct ctl_reply *out)
{
	json_t *o = json ? envelope(d, "counters") : NULL;
	json_t *wires = json ? json_object() : NULL;
	for (unsigned i = 0; i < d->n_if; i++) {
		const struct wire_stats *s = &d->ifs[i].st;
		struct kv kv[] = {
			{ "rx_frames", s->rx_frames }, { "rx_bytes", s->rx_bytes }, { "rx_batches", s->rx_batches },
			{ "rx_other_host", s->rx_other_host }, { "rx_outgoing", s->rx_outgoing },
			{ "rx_oversize", s->rx_oversize }, { "rx_gso", s->rx_gso },
			{ "rx_gso_segments", s->rx_gso_segments }, { "rx_gso_dropped", s->rx_gso_dropped },
			{ "rx_runt", s->rx_runt },
			{ "rx_errors", s->rx_errors },
			{ "tx_frames", s->tx_frames }, { "tx_bytes", s->tx_bytes }, { "tx_batches", s->tx_batches },
			{ "tx_errors", s->tx_errors }, { "tx_oversize", s->tx_oversize },
		};
		put_group(wires, out, d->ifs[i].name, kv, sizeof(kv) / sizeof(kv[0]));
	}
	if (o)
		json_object_set_new(o, "wire", wires);
	const struct m6d_counters *c = &d->c;
	struct kv host[] = {
		{ "tun_in", c->tun_in }, { "tun_in_bytes", c->tun_in_bytes }, { "tun_refused", c->tun_refused },
		{ "tun_oversize", c->tun_oversize }, { "tun_errors", c->tun_errors },
		{ "tun_link_scoped", c->tun_link_scoped }, { "tun_out", c->tun_out },
		{ "tun_out_bytes", c->tun_out_bytes }, { "tun_out_errors", c->tun_out_errors },
		{ "deliver_no_tun", c->deliver_no_tun }, { "tun_tso_in", c->tun_tso_in },
		{ "tun_tso_segments", c->tun_tso_segments }, { "tun_offload_dropped", c->tun_offload_dropped },
		{ "tun_gro_supers", d->gro ? d->gro->supers : 0 }, { "tun_gro_merged", d->gro ? d->gro->merged : 0 },
	};
	put_group(o, out, "host", host, sizeof(host) / sizeof(host[0]));
	const struct nd_stats *n = nd_stats(d->nd);
	struct kv nd[] = {
		{ "ns_in", n->ns_in }, { "na_in", n->na_in }, { "ra_in", n->ra_in }, { "rs_in", n->rs_in },
		{ "redirect_in", n->redirect_in }, { "invalid", n->nd_invalid }, { "ns_out", n->ns_out },
		{ "na_out", n->na_out }, { "rs_out", n->rs_out }, { "resolved", n->resolved },
		{ "unresolved_drops", n->unresolved_drops }, { "pending_full_drops", n->pending_full_drops },
		{ "table_full_drops", n->table_full_drops }, { "no_router_drops", c->no_router_drops },
		{ "probes_failed", n->probes_failed }, { "prefix_table_full", n->prefix_full },
		{ "moved_forgotten", n->moved_forgotten },
	};
	put_group(o, out, "nd", nd, sizeof(nd) / sizeof(nd[0]));
	struct kv daemon[] = {
		{ "node_input_refused", c->node_input_refused }, { "wire_down_drops", c->wire_down_drops },
		{ "reloads", c->reloads }, { "reload_failures", c->reload_failures },
		{ "node_restarts", c->node_restarts }, { "pump_stalls", c->pump_stalls },
		{ "link_changes", c->link_changes }, { "control_requests", ctl_requests(d->ctl) },
		{ "control_refused", ctl_refused(d->ctl) },
	};
	put_group(o, out, "daemon", daemon, sizeof(daemon) / sizeof(daemon[0]));
	struct bits *b = node_bits(d->node);
	if (b) {
		struct kv ip[] = {
			{ "out_protected", b->st.out_protected }, { "out_bypass", b->st.out_bypass },
			{ "in_protected", b->st.in_protected }, { "in_bypass", b->st.in_bypass },
			{ "events_lost", b->st.events_lost },
		};
		put_group(o, out, "ipsec", ip, sizeof(ip) / sizeof(ip[0]));
	}
	/* the node's drops by reason, and its events by type */
	json_t *drops = json ? json_object() : NULL, *evs = json ? json_object() : NULL;
	for (int i = 1; i <= M6_E_SPAN; i++) {
		if (!c->drops[i])
			continue;
		if (drops)
			json_object_set_new(drops, m6_errid(M6_E_FIRST_ + i), json_integer((json_int_t)c->drops[i]));
		else
			ctl_printf(out, "%-10s %-28s %llu\n", "drop", m6_errid(M6_E_FIRST_ + i), (unsigned long long)c->drops[i]);
	}
	for (int t = 1; t < M6_EV_TYPE_COUNT; t++) {
		if (!c->events[t])
			continue;
		if (evs)
			json_object_set_new(evs, m6_ev_name((enum m6_ev_type)t), json_integer((json_int_t)c->events[t]));
		else
			ctl_printf(out, "%-10s %-28s %llu\n", "event", m6_ev_name((enum m6_ev_type)t),
				   (unsigned long long)c->events[t]);
	}
	if (o) {
		json_object_set_new(o, "drops", drops);
		json_object_set_new(o, "events", evs);
		emit_json(out, o);
	}
}

/* ---- neighbours, status ---- */

struct nb_ctx {
	struct m6d *d;
	json_t *arr;
	struct ctl_reply *out;
};

static void nb_cb(void *ctx, const struct nd_info *i)
{
	struct nb_ctx *k = ctx;
	char a[46], mac[18];
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", i->mac[0], i->mac[1], i->mac[2], i->mac[3], i->mac[4],
		 i->mac[5]);
	const char *ifn = i->ifx < k->d->n_if ? k->d->ifs[i->ifx].name : "?";
	if (k->arr) {
		json_array_append_new(k->arr, json_pack("{s:s,s:s,s:s,s:s}", "interface", ifn, "address",
							fmt_addr(i->addr, a), "mac", mac, "state", i->state));
		return;
	}
	ctl_printf(k->out, "%-10s %-40s %-17s %s\n", ifn, fmt_addr(i->addr, a), mac, i->state);
}

static void show_neighbours(struct m6d *d, bool json, struct ctl_reply *out)
{
	struct nb_ctx k = { d, json ? json_array() : NULL, out };
	if (!json)
		ctl_printf(out, "%-10s %-40s %-17s %s\n", "INTERFACE", "ADDRESS", "MAC", "STATE");
	nd_each(d->nd, nb_cb, &k);
	if (json) {
		json_t *o = envelope(d, "neighbours");
		json_object_set_new(o, "neighbours", k.arr);
		emit_json(out, o);
	}
}

static void show_status(struct m6d *d, bool json, struct ctl_reply *out)
{
	struct mn *mn = node_mn(d->node);
	char coa[46] = "";
	if (mn && mn_coa(mn))
		fmt_addr(mn_coa(mn), coa);
	uint64_t up = (d->now - d->started) / NS;
	if (json) {
		json_t *o = envelope(d, "status");
		json_t *roles = json_array();
		if (mn)
			json_array_append_new(roles, json_string("mn"));
		if (node_ha(d->node))
			json_array_append_new(roles, json_string("ha"));
		if (node_cn(d->node))
			json_array_append_new(roles, json_string("cn"));
		json_object_set_new(o, "roles", roles);
		json_object_set_new(o, "uptime", json_integer((json_int_t)up));
		json_object_set_new(o, "config", json_string(d->conf.path));
		json_t *ifs = json_array();
		for (unsigned i = 0; i < d->n_if; i++)
			json_array_append_new(ifs, json_pack("{s:s,s:b}", "name", d->ifs[i].name, "up", d->running[i]));
		json_object_set_new(o, "interfaces", ifs);
		if (mn) {
			json_object_set_new(o, "at_home", json_boolean(mn_at_home(mn)));
			json_object_set_new(o, "registered", json_boolean(mn_registered(mn)));
			json_object_set_new(o, "coa", coa[0] ? json_string(coa) : json_null());
		}
		emit_json(out, o);
		return;
	}
	ctl_printf(out, "node %s, up %llu s, configuration %s\n", node_name(d->node), (unsigned long long)up, d->conf.path);
	for (unsigned i = 0; i < d->n_if; i++)
		ctl_printf(out, "interface %s: link %s\n", d->ifs[i].name, d->running[i] ? "up" : "down");
	if (mn)
		ctl_printf(out, "mobile node: %s%s, care-of address %s\n", mn_at_home(mn) ? "at home" : "away",
			   mn_registered(mn) ? ", registered" : "", coa[0] ? coa : "none");
}

/* ---- IKE ---- */

/* strongSwan's way of writing a suite: AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 */
static void suite_text(const struct ike_suite *su, char *buf, size_t cap)
{
	const char *e = ike_xf_id_name(IKE_XF_ENCR, su->encr), *p = ike_xf_id_name(IKE_XF_PRF, su->prf);
	const char *i = ike_xf_id_name(IKE_XF_INTEG, su->integ), *g = ike_xf_id_name(IKE_XF_DH, su->dh);
	char bits[8] = "";
	if (su->encr_bits)
		snprintf(bits, sizeof(bits), "-%u", su->encr_bits);
	if (!su->encr) {
		snprintf(buf, cap, "-");
		return;
	}
	snprintf(buf, cap, "%s%s%s%s/PRF_%s/%s", e ? e : "?", bits, su->integ ? "/" : "", su->integ ? (i ? i : "?") : "",
		 p ? p : "?", g ? g : "?");
}

static void esp_text(const struct ike_child_alg *a, char *buf, size_t cap)
{
	const char *e = ike_xf_id_name(IKE_XF_ENCR, a->encr), *i = ike_xf_id_name(IKE_XF_INTEG, a->integ);
	char bits[8] = "";
	if (a->encr_bits)
		snprintf(bits, sizeof(bits), "-%u", a->encr_bits);
	snprintf(buf, cap, "%s%s%s%s%s", e ? e : "?", bits, a->integ ? "/" : "", a->integ ? (i ? i : "?") : "",
		 a->esn ? "/ESN" : "");
}

static void id_text(const struct ike_km_sa_info *s, char *buf, size_t cap)
{
	if (!s->peer_id_len) {
		snprintf(buf, cap, "-");
		return;
	}
	if (s->peer_id_type == IKE_ID_IPV6_ADDR && s->peer_id_len == 16) {
		char a[46];
		snprintf(buf, cap, "%s", fmt_addr(s->peer_id, a));
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < s->peer_id_len && n + 5 < cap; i++) {
		uint8_t c = s->peer_id[i];
		n += (size_t)snprintf(buf + n, cap - n, c >= 0x21 && c < 0x7f ? "%c" : "\\x%02x", c);
	}
	buf[n] = 0;
}

static void spi_hex(const uint8_t spi[IKE_SPI_LEN], char out[2 * IKE_SPI_LEN + 1])
{
	for (unsigned i = 0; i < IKE_SPI_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", spi[i]);
}

static void show_ike(struct m6d *d, bool json, struct ctl_reply *out)
{
	json_t *arr = json ? json_array() : NULL;
	if (!d->ike) {
		if (json) {
			json_t *o = envelope(d, "ike");
			json_object_set_new(o, "ike", arr);
			emit_json(out, o);
		} else {
			ctl_printf(out, "(no IKE: the node is keyed by hand)\n");
		}
		return;
	}
	const struct ike_km_stats *st = ike_km_stats(d->ike);
	if (!json)
		ctl_printf(out, "%-16s %-16s %-9s %-11s %-26s %-26s %-20s %s\n", "SPI_I", "SPI_R", "ROLE", "STATE", "LOCAL",
			   "PEER", "PEER_ID", "SUITE");
	for (size_t i = 0; i < ike_km_sa_slots(d->ike); i++) {
		struct ike_km_sa_info s;
		if (ike_km_sa_info(d->ike, i, &s))
			continue;
		char si[17], sr[17], l[46], p[46], id[IKE_SA_ID_MAX * 4 + 1], su[96], esp[64];
		spi_hex(s.spi_i, si);
		spi_hex(s.spi_r, sr);
		id_text(&s, id, sizeof(id));
		suite_text(&s.suite, su, sizeof(su));
		esp_text(&s.esp, esp, sizeof(esp));
		const char *role = s.initiator ? "initiator" : "responder";
		uint64_t age = d->now > s.created ? (d->now - s.created) / NS : 0;
		if (json) {
			json_t *o = json_object(), *c = json_object();
			json_object_set_new(o, "spi_i", json_string(si));
			json_object_set_new(o, "spi_r", json_string(sr));
			json_object_set_new(o, "role", json_string(role));
			json_object_set_new(o, "state", json_string(ike_sa_state_name(s.state)));
			json_object_set_new(o, "local", jaddr(s.local));
			json_object_set_new(o, "peer", jaddr(s.peer));
			json_object_set_new(o, "peer_id", s.peer_id_len ? json_string(id) : json_null());
			json_object_set_new(o, "peer_id_type", json_string(s.peer_id_len ? ike_id_type_name(s.peer_id_type) : ""));
			json_object_set_new(o, "peer_auth", json_string(s.peer_id_len ? ike_auth_method_name(s.peer_auth) : ""));
			json_object_set_new(o, "suite", json_string(su));
			json_object_set_new(o, "age", json_integer((json_int_t)age));
			json_object_set_new(o, "tries", json_integer(s.tries));
			json_object_set_new(o, "mobike", json_boolean(s.mobike));
			json_object_set_new(o, "assigned_hoa", s.hoa_assigned ? jaddr(s.hoa) : json_null());
			json_t *nt = json_object();
			json_object_set_new(nt, "peer_natt", json_boolean(s.natt));
			json_object_set_new(nt, "nat_local", json_boolean(s.nat_here));
			json_object_set_new(nt, "nat_remote", json_boolean(s.nat_there));
			json_object_set_new(nt, "encap", json_boolean(s.encap));
			json_object_set_new(nt, "local_port", json_integer(s.lport));
			json_object_set_new(nt, "peer_port", json_integer(s.pport));
			json_object_set_new(o, "natt", nt);
			json_t *fr = json_object();
			json_object_set_new(fr, "negotiated", json_boolean(s.frag));
			json_object_set_new(fr, "reassembling", json_boolean(s.frag_pending));
			json_object_set_new(o, "fragmentation", fr);
			json_object_set_new(c, "installed", json_boolean(s.child_installed));
			json_object_set_new(c, "spi_in", json_integer(s.child_in_spi));
			json_object_set_new(c, "spi_out", json_integer(s.child_out_spi));
			json_object_set_new(c, "esp", json_string(esp));
			json_object_set_new(c, "refused_by", s.child_error ? json_string(ike_notify_name(s.child_error))
									   : json_null());
			json_object_set_new(o, "child", c);
			json_array_append_new(arr, o);
			continue;
		}
		ctl_printf(out, "%-16s %-16s %-9s %-11s %-26s %-26s %-20s %s\n", si, sr, role, ike_sa_state_name(s.state),
			   fmt_addr(s.local, l), fmt_addr(s.peer, p), id, su);
		ctl_printf(out, "  udp %u -> %u%s%s%s\n", s.lport, s.pport, s.nat_here ? ", NAT here" : "",
			   s.nat_there ? ", NAT at peer" : "", s.encap ? ", ESP in UDP" : "");
		if (s.child_installed)
			ctl_printf(out, "  child: ESP transport %s, in 0x%08x, out 0x%08x\n", esp, s.child_in_spi,
				   s.child_out_spi);
		else if (s.child_error)
			ctl_printf(out, "  child: refused (%s)\n", ike_notify_name(s.child_error));
		if (s.hoa_assigned)
			ctl_printf(out, "  home address assigned: %s/%u\n", fmt_addr(s.hoa, l), s.hoa_plen);
		if (s.mobike)
			ctl_printf(out, "  MOBIKE\n");
		if (s.frag)
			ctl_printf(out, "  IKE fragmentation%s\n", s.frag_pending ? " (reassembling a message of the peer)" : "");
	}
	if (json) {
		json_t *o = envelope(d, "ike");
		json_t *so = json_object();
		json_object_set_new(so, "started", json_integer((json_int_t)st->started));
		json_object_set_new(so, "established", json_integer((json_int_t)st->established));
		json_object_set_new(so, "failed", json_integer((json_int_t)st->failed));
		json_object_set_new(so, "retransmits", json_integer((json_int_t)st->retransmits));
		json_object_set_new(so, "refused", json_integer((json_int_t)st->refused));
		json_object_set_new(so, "dropped", json_integer((json_int_t)st->dropped));
		json_object_set_new(so, "sa_installed", json_integer((json_int_t)st->sa_installed));
		json_object_set_new(so, "sa_deleted", json_integer((json_int_t)st->sa_deleted));
		json_object_set_new(o, "ike", arr);
		json_object_set_new(o, "stats", so);
		emit_json(out, o);
	} else {
		ctl_printf(out, "IKE: %llu started, %llu established, %llu failed, %llu retransmits, %llu refused, %llu dropped\n",
			   (unsigned long long)st->started, (unsigned long long)st->established,
			   (unsigned long long)st->failed, (unsigned long long)st->retransmits,
			   (unsigned long long)st->refused, (unsigned long long)st->dropped);
	}
}

/* ---- keys ---- */

static void put_hex(struct ctl_reply *out, const uint8_t *k, size_t n)
{
	char h[3];
	if (!n) {
		ctl_append(out, "-", 1);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(h, sizeof(h), "%02x", k[i]);
		ctl_append(out, h, 2);
	}
	m6_wipe(h, sizeof(h));
}

/* IKE: the Child SAs the node still has, in the key-file format, and
 * every IKE SA logged since the start as "ikev2 " + a line of Wireshark's
 * ikev2_decryption_table (strongSwan save-keys: SPIi,SPIr,SK_ei,SK_er,
 * "encr",SK_ai,SK_ar,"integ"). */
/* A decryption-table field: nothing for no key (an AEAD's SK_a). */
static void put_hex_empty(struct ctl_reply *out, const uint8_t *k, size_t n)
{
	if (n)
		put_hex(out, k, n);
}

static void keys_ike(struct m6d *d, struct ctl_reply *out)
{
	struct bits *b = node_bits(d->node);
	for (size_t i = 0; b && i < ike_km_child_count(d->ike); i++) {
		const struct ike_km_child_keys *c = ike_km_child_at(d->ike, i);
		if (!sad_find(b->sad, c->spi, 50, true) && !sad_find(b->sad, c->spi, 50, false))
			continue;
		char s[46], t[46];
		ctl_printf(out, "%s %s 0x%08x %s ", fmt_addr(c->src, s), fmt_addr(c->dst, t), c->spi, m6_enc_name(c->x.enc));
		put_hex(out, c->x.ekey, c->x.eklen);
		ctl_printf(out, " %s ", m6_auth_name(c->x.auth));
		put_hex(out, c->x.akey, c->x.aklen);
		ctl_append(out, "\n", 1);
	}
	ctl_printf(out, "# ikev2_decryption_table\n");
	for (size_t i = 0; i < ike_km_ike_count(d->ike); i++) {
		const struct ike_km_ike_keys *e = ike_km_ike_at(d->ike, i);
		const char *en = ike_km_ws_encr(&e->suite), *in = ike_km_ws_integ(&e->suite);
		if (!en || !in)
			continue;
		char si[17], sr[17];
		spi_hex(e->spi_i, si);
		spi_hex(e->spi_r, sr);
		ctl_printf(out, "ikev2 %s,%s,", si, sr);
		put_hex(out, e->keys.ei, e->keys.e_len);
		ctl_append(out, ",", 1);
		put_hex(out, e->keys.er, e->keys.e_len);
		ctl_printf(out, ",\"%s\",", en);
		put_hex_empty(out, e->keys.ai, e->keys.a_len);
		ctl_append(out, ",", 1);
		put_hex_empty(out, e->keys.ar, e->keys.a_len);
		ctl_printf(out, ",\"%s\"\n", in);
	}
}

/* The key-file format of `mip6sec decode --keys` (keyfile.h): an SA
 * whose endpoint is any address (the true-address model's wildcard)
 * writes '*'. Only SAs the node still has are written. */
static void keys(struct m6d *d, struct ctl_reply *out)
{
	struct bits *b = node_bits(d->node);
	const struct keyconf *kc = &d->conf.nc.kc;
	static const uint8_t any[16];
	ctl_printf(out, "# mip6secd %s: SAs of node %s (src dst spi enc-alg enc-key auth-alg auth-key)\n",
		   MIP6SEC_VERSION, node_name(d->node));
	for (size_t i = 0; b && i < kc->n_keys; i++) {
		const struct keyconf_key *k = &kc->keys[i];
		bool live = false;
		for (int in = 0; in < 2 && !live; in++)
			live = sad_find(b->sad, k->spi, 50, in) || sad_find(b->sad, k->spi, 51, in);
		if (!live)
			continue;
		char s[46] = "*", t[46] = "*";
		if (memcmp(k->src, any, 16))
			ip6_addr_format(k->src, s);
		if (memcmp(k->dst, any, 16))
			ip6_addr_format(k->dst, t);
		ctl_printf(out, "%s %s 0x%08x %s ", s, t, k->spi, m6_enc_name(k->x.enc));
		put_hex(out, k->x.ekey, k->x.eklen);
		ctl_printf(out, " %s ", m6_auth_name(k->x.auth));
		put_hex(out, k->x.akey, k->x.aklen);
		ctl_append(out, "\n", 1);
	}
	if (d->ike)
		keys_ike(d, out);
}

void m6d_command(struct m6d *d, const char *line, struct ctl_reply *out)
{
	char w[4][32];
	int n = sscanf(line, "%31s %31s %31s %31s", w[0], w[1], w[2], w[3]);
	bool json = false;
	for (int i = 2; i < n; i++) {
		if (!strcmp(w[i], "json"))
			json = true;
		else {
			ctl_fail(out, "unknown option '%s'", w[i]);
			return;
		}
	}
	if (n >= 1 && !strcmp(w[0], "show")) {
		const char *what = n >= 2 ? w[1] : "status";
		if (n >= 2 && !strcmp(w[1], "json")) {
			what = "status";
			json = true;
		}
		if (!strcmp(what, "bindings"))
			show_bindings(d, json, out);
		else if (!strcmp(what, "bul"))
			show_bul(d, json, out);
		else if (!strcmp(what, "sa"))
			show_sa(d, json, out);
		else if (!strcmp(what, "policy"))
			show_policy(d, json, out);
		else if (!strcmp(what, "counters"))
			show_counters(d, json, out);
		else if (!strcmp(what, "neighbours") || !strcmp(what, "neighbors"))
			show_neighbours(d, json, out);
		else if (!strcmp(what, "status"))
			show_status(d, json, out);
		else if (!strcmp(what, "ike"))
			show_ike(d, json, out);
		else
			ctl_fail(out, "show what? bindings, bul, sa, policy, ike, counters, neighbours or status");
		return;
	}
	if (n == 1 && !strcmp(w[0], "reload")) {
		char err[512];
		if (m6d_reload(d, err, sizeof(err)))
			ctl_fail(out, "%s", err);
		else
			ctl_printf(out, "%s\n", err);
		return;
	}
	if (n == 1 && !strcmp(w[0], "keys")) {
		keys(d, out);
		return;
	}
	if (n == 2 && !strcmp(w[0], "rekey") && (!strcmp(w[1], "child") || !strcmp(w[1], "ike"))) {
		if (!d->ike) {
			ctl_fail(out, "no IKE keying on this node (its ipsec group has no ike group)");
			return;
		}
		int made = ike_km_rekey(d->ike, !strcmp(w[1], "ike"));
		ctl_printf(out, "%d %s rekey%s started\n", made, w[1], made == 1 ? "" : "s");
		return;
	}
	if (n == 1 && !strcmp(w[0], "version")) {
		ctl_printf(out, "mip6secd %s\n", MIP6SEC_VERSION);
		return;
	}
	ctl_fail(out, "unknown command '%s' (show, reload, keys, rekey child|ike, version)", n >= 1 ? w[0] : "");
}
