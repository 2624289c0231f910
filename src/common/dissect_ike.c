#include <stdio.h>
#include <string.h>

#include "dissect_ike.h"
#include "ike/ike_msg.h"
#include "ike/ike_payload.h"
#include "pkt/ip6.h"
#include "util/m6_bytes.h"

#define UDP_HDR 8
#define NON_ESP_MARKER 4
#define HEX_MAX 64              /* octets of opaque data shown */

static json_t *hex(const uint8_t *p, size_t n)
{
	char buf[2 * HEX_MAX + 1];
	static const char hx[] = "0123456789abcdef";
	if (n > HEX_MAX)
		n = HEX_MAX;
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hx[p[i] >> 4];
		buf[2 * i + 1] = hx[p[i] & 15];
	}
	buf[2 * n] = 0;
	return json_string(buf);
}

static json_t *addr(const uint8_t *a, size_t alen)
{
	char s[46];
	if (alen == 4)
		snprintf(s, sizeof(s), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	else
		ip6_addr_format(a, s);
	return json_string(s);
}

/* A name when known, else the number. */
static json_t *named(const char *name, unsigned code)
{
	return name ? json_string(name) : json_integer(code);
}

static void diags(json_t *errors, const struct m6_diags *ds, size_t base)
{
	for (unsigned i = 0; i < ds->n; i++) {
		char s[256];
		snprintf(s, sizeof(s), "%s: %s (offset %zu)", m6_errid(ds->d[i].code),
			 m6_strerror(ds->d[i].code), base + ds->d[i].off);
		json_array_append_new(errors, json_string(s));
	}
	if (ds->dropped) {
		char s[64];
		snprintf(s, sizeof(s), "more: %u further faults not listed", ds->dropped);
		json_array_append_new(errors, json_string(s));
	}
}

/* Printable identities (FQDN, RFC822) as text, addresses as addresses. */
static json_t *id_value(const struct ike_id *id)
{
	if (id->type == IKE_ID_IPV4_ADDR && id->len == 4)
		return addr(id->data, 4);
	if (id->type == IKE_ID_IPV6_ADDR && id->len == 16)
		return addr(id->data, 16);
	if (id->type == IKE_ID_FQDN || id->type == IKE_ID_RFC822_ADDR) {
		char s[256];
		size_t n = id->len < sizeof(s) - 1 ? id->len : sizeof(s) - 1;
		for (size_t i = 0; i < n; i++)
			s[i] = id->data[i] >= 0x20 && id->data[i] < 0x7f ? (char)id->data[i] : '.';
		s[n] = 0;
		return json_string(s);
	}
	return hex(id->data, id->len);
}

static void sa_fields(json_t *o, const struct ike_pl *pl)
{
	static struct ike_sa_payload sa;
	struct m6_diags ds;
	m6_diags_init(&ds);
	ike_sa_parse(pl->body, pl->body_len, &sa, &ds, 0);
	json_t *props = json_array();
	for (unsigned i = 0; i < sa.n_prop; i++) {
		const struct ike_prop *p = &sa.prop[i];
		json_t *pj = json_object(), *xs = json_array();
		json_object_set_new(pj, "num", json_integer(p->num));
		json_object_set_new(pj, "protocol", named(ike_proto_name(p->proto), p->proto));
		if (p->spi_size)
			json_object_set_new(pj, "spi", hex(p->spi, p->spi_size));
		for (unsigned k = 0; k < p->n_xf; k++) {
			const struct ike_xf *x = &p->xf[k];
			json_t *xj = json_object();
			json_object_set_new(xj, "type", named(ike_xf_type_name(x->type), x->type));
			json_object_set_new(xj, "id", json_integer(x->id));
			const char *n = ike_xf_id_name(x->type, x->id);
			if (n)
				json_object_set_new(xj, "name", json_string(n));
			if (x->key_len)
				json_object_set_new(xj, "key_length", json_integer(x->key_len));
			json_array_append_new(xs, xj);
		}
		json_object_set_new(pj, "transforms", xs);
		json_array_append_new(props, pj);
	}
	json_object_set_new(o, "proposals", props);
}

static void ts_fields(json_t *o, const struct ike_pl *pl)
{
	static struct ike_ts_list l;
	struct m6_diags ds;
	m6_diags_init(&ds);
	ike_ts_parse(pl->body, pl->body_len, &l, &ds, 0);
	json_t *a = json_array();
	for (unsigned i = 0; i < l.n; i++) {
		const struct ike_ts *t = &l.ts[i];
		size_t alen = t->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
		json_t *tj = json_object();
		json_object_set_new(tj, "type", named(ike_ts_type_name(t->type), t->type));
		json_object_set_new(tj, "proto", json_integer(t->proto));
		json_object_set_new(tj, "start_port", json_integer(t->start_port));
		json_object_set_new(tj, "end_port", json_integer(t->end_port));
		json_object_set_new(tj, "start", addr(t->start, alen));
		json_object_set_new(tj, "end", addr(t->end, alen));
		json_array_append_new(a, tj);
	}
	json_object_set_new(o, "selectors", a);
}

static void cp_fields(json_t *o, const struct ike_pl *pl)
{
	static struct ike_cp cp;
	struct m6_diags ds;
	m6_diags_init(&ds);
	ike_cp_parse(pl->body, pl->body_len, &cp, &ds, 0);
	json_object_set_new(o, "cfg_type", named(ike_cfg_type_name(cp.cfg_type), cp.cfg_type));
	json_t *a = json_array();
	for (unsigned i = 0; i < cp.n; i++) {
		const struct ike_cp_attr *at = &cp.attr[i];
		json_t *aj = json_object();
		json_object_set_new(aj, "type", named(ike_cp_attr_name(at->type), at->type));
		json_object_set_new(aj, "length", json_integer(at->len));
		if ((at->type == IKE_CP_INTERNAL_IP6_ADDRESS || at->type == IKE_CP_INTERNAL_IP6_SUBNET) &&
		    at->len == 17) {
			json_object_set_new(aj, "address", addr(at->val, 16));
			json_object_set_new(aj, "prefix_length", json_integer(at->val[16]));
		} else if (at->type == IKE_CP_MIP6_HOME_PREFIX && at->len == 21) {
			/* RFC 5026 8.2: lifetime, prefix, prefix length */
			json_object_set_new(aj, "lifetime", json_integer(m6_get32(at->val)));
			json_object_set_new(aj, "address", addr(at->val + 4, 16));
			json_object_set_new(aj, "prefix_length", json_integer(at->val[20]));
		} else if (at->len) {
			json_object_set_new(aj, "value", hex(at->val, at->len));
		}
		json_array_append_new(a, aj);
	}
	json_object_set_new(o, "attributes", a);
}

/* The decoded fields of one payload (parsing already reported any fault). */
static void payload_fields(json_t *o, const struct ike_pl *pl, const struct ike_msg *m)
{
	struct m6_diags ds;
	m6_diags_init(&ds);
	switch (pl->type) {
	case IKE_PL_SA:
		sa_fields(o, pl);
		break;
	case IKE_PL_KE: {
		struct ike_ke ke;
		if (!ike_ke_parse(pl->body, pl->body_len, &ke, &ds, 0)) {
			json_object_set_new(o, "group", json_integer(ke.group));
			const char *n = ike_xf_id_name(IKE_XF_DH, ke.group);
			if (n)
				json_object_set_new(o, "group_name", json_string(n));
			json_object_set_new(o, "data_length", json_integer((json_int_t)ke.len));
		}
		break;
	}
	case IKE_PL_IDI: case IKE_PL_IDR: {
		struct ike_id id;
		if (!ike_id_parse(pl->body, pl->body_len, &id, &ds, 0)) {
			json_object_set_new(o, "id_type", named(ike_id_type_name(id.type), id.type));
			json_object_set_new(o, "id", id_value(&id));
		}
		break;
	}
	case IKE_PL_CERT: case IKE_PL_CERTREQ: {
		struct ike_cert c;
		if (!ike_cert_parse(pl->body, pl->body_len, &c, &ds, 0)) {
			json_object_set_new(o, "encoding", named(ike_cert_enc_name(c.enc), c.enc));
			json_object_set_new(o, "data_length", json_integer((json_int_t)c.len));
		}
		break;
	}
	case IKE_PL_AUTH: {
		struct ike_auth a;
		if (!ike_auth_parse(pl->body, pl->body_len, &a, &ds, 0)) {
			json_object_set_new(o, "method", named(ike_auth_method_name(a.method), a.method));
			json_object_set_new(o, "data_length", json_integer((json_int_t)a.len));
		}
		break;
	}
	case IKE_PL_NONCE:
		json_object_set_new(o, "data_length", json_integer((json_int_t)pl->body_len));
		break;
	case IKE_PL_N: {
		struct ike_notify n;
		if (!ike_notify_parse(pl->body, pl->body_len, &n, &ds, 0)) {
			json_object_set_new(o, "notify", named(ike_notify_name(n.type), n.type));
			json_object_set_new(o, "notify_type", json_integer(n.type));
			json_object_set_new(o, "protocol", json_integer(n.proto));
			if (n.spi_size)
				json_object_set_new(o, "spi", hex(n.spi, n.spi_size));
			if (n.data_len)
				json_object_set_new(o, "data", hex(n.data, n.data_len));
		}
		break;
	}
	case IKE_PL_D: {
		struct ike_delete d;
		if (!ike_delete_parse(pl->body, pl->body_len, &d, &ds, 0)) {
			json_object_set_new(o, "protocol", named(ike_proto_name(d.proto), d.proto));
			json_t *a = json_array();
			for (unsigned i = 0; i < d.n_spi && i < 64; i++)
				json_array_append_new(a, hex(d.spis + (size_t)i * d.spi_size, d.spi_size));
			json_object_set_new(o, "spis", a);
		}
		break;
	}
	case IKE_PL_V:
		json_object_set_new(o, "data", hex(pl->body, pl->body_len));
		break;
	case IKE_PL_TSI: case IKE_PL_TSR:
		ts_fields(o, pl);
		break;
	case IKE_PL_CP:
		cp_fields(o, pl);
		break;
	case IKE_PL_EAP: {
		struct ike_eap e;
		if (!ike_eap_parse(pl->body, pl->body_len, &e, &ds, 0)) {
			json_object_set_new(o, "eap_code", json_integer(e.code));
			json_object_set_new(o, "eap_id", json_integer(e.id));
			if (e.type)
				json_object_set_new(o, "eap_type", json_integer(e.type));
		}
		break;
	}
	case IKE_PL_SK: case IKE_PL_SKF:
		json_object_set_new(o, "first_inner", named(ike_payload_name(m->sk_np), m->sk_np));
		if (pl->type == IKE_PL_SKF) {
			json_object_set_new(o, "fragment", json_integer(m->frag_num));
			json_object_set_new(o, "total", json_integer(m->frag_total));
		}
		break;
	default:
		json_object_set_new(o, "data", hex(pl->body, pl->body_len));
		break;
	}
}

static json_t *ike_json(const uint8_t *p, size_t len, size_t base, json_t *errors)
{
	static struct ike_msg m;
	struct m6_diags ds;
	json_t *ike = json_object();
	m6_diags_init(&ds);
	int rc = ike_msg_parse(p, len, &m, &ds, 0);
	diags(errors, &ds, base);
	if (rc == M6_E_IKE_TRUNC)
		return ike;
	json_object_set_new(ike, "spi_i", hex(m.hdr.spi_i, 8));
	json_object_set_new(ike, "spi_r", hex(m.hdr.spi_r, 8));
	char v[8];
	snprintf(v, sizeof(v), "%u.%u", m.hdr.version >> 4, m.hdr.version & 15);
	json_object_set_new(ike, "version", json_string(v));
	if (rc == M6_E_IKE_VERSION)
		return ike;
	json_object_set_new(ike, "exchange", named(ike_exchange_name(m.hdr.exchange), m.hdr.exchange));
	json_object_set_new(ike, "exchange_type", json_integer(m.hdr.exchange));
	json_t *fl = json_array();
	if (m.hdr.flags & IKE_FLAG_I)
		json_array_append_new(fl, json_string("I"));
	if (m.hdr.flags & IKE_FLAG_V)
		json_array_append_new(fl, json_string("V"));
	if (m.hdr.flags & IKE_FLAG_R)
		json_array_append_new(fl, json_string("R"));
	json_object_set_new(ike, "flags", fl);
	json_object_set_new(ike, "msgid", json_integer(m.hdr.msgid));
	json_object_set_new(ike, "length", json_integer(m.hdr.length));
	json_t *pls = json_array();
	for (unsigned i = 0; i < m.n; i++) {
		const struct ike_pl *pl = &m.pl[i];
		json_t *o = json_object();
		json_object_set_new(o, "type", named(ike_payload_name(pl->type), pl->type));
		json_object_set_new(o, "code", json_integer(pl->type));
		json_object_set_new(o, "length", json_integer(pl->len));
		if (pl->critical)
			json_object_set_new(o, "critical", json_true());
		payload_fields(o, pl, &m);
		json_array_append_new(pls, o);
	}
	json_object_set_new(ike, "payloads", pls);
	return ike;
}

bool dissect_ike_udp(json_t *j, const uint8_t *udp, size_t ulen, size_t base, json_t *errors)
{
	if (ulen < UDP_HDR)
		return false;
	uint16_t sp = m6_get16(udp), dp = m6_get16(udp + 2);
	const uint8_t *p = udp + UDP_HDR;
	size_t n = ulen - UDP_HDR;
	if (sp == IKE_PORT || dp == IKE_PORT) {
		json_object_set_new(j, "ike", ike_json(p, n, base + UDP_HDR, errors));
		return true;
	}
	if (sp != IKE_NATT_PORT && dp != IKE_NATT_PORT)
		return false;
	if (n == 1 && p[0] == 0xff) {
		/* RFC 3948 2.3 */
		json_t *ike = json_object();
		json_object_set_new(ike, "natt_keepalive", json_true());
		json_object_set_new(j, "ike", ike);
		return true;
	}
	if (n < NON_ESP_MARKER || m6_get32(p) != 0)
		return false;   /* ESP in UDP */
	json_t *ike = ike_json(p + NON_ESP_MARKER, n - NON_ESP_MARKER, base + UDP_HDR + NON_ESP_MARKER,
			       errors);
	json_object_set_new(ike, "non_esp_marker", json_true());
	json_object_set_new(j, "ike", ike);
	return true;
}

void dissect_ike_text(FILE *out, json_t *ike)
{
	json_t *v;
	size_t i;
	if (json_is_true(json_object_get(ike, "natt_keepalive"))) {
		fputs(" NAT-keepalive", out);
		return;
	}
	fputs(" IKE", out);
	if ((v = json_object_get(ike, "exchange"))) {
		if (json_is_string(v))
			fprintf(out, " %s", json_string_value(v));
		else
			fprintf(out, " exchange=%lld", json_integer_value(v));
	}
	bool resp = false;
	json_t *f;
	json_array_foreach(json_object_get(ike, "flags"), i, f) {
		fprintf(out, i ? "%s" : " %s", json_string_value(f));
		resp |= !strcmp(json_string_value(f), "R");
	}
	if ((v = json_object_get(ike, "msgid")))
		fprintf(out, " msgid=%lld", json_integer_value(v));
	json_t *pl;
	json_array_foreach(json_object_get(ike, "payloads"), i, pl) {
		json_t *t = json_object_get(pl, "type");
		long long code = json_integer_value(json_object_get(pl, "code"));
		/* RFC 7296 notation: KEi/KEr, Ni/Nr by the exchange's direction */
		if (code == IKE_PL_KE || code == IKE_PL_NONCE)
			fprintf(out, " %s%s", code == IKE_PL_KE ? "KE" : "N", resp ? "r" : "i");
		else if (json_is_string(t))
			fprintf(out, " %s", json_string_value(t));
		else
			fprintf(out, " payload=%lld", code);
		if ((v = json_object_get(pl, "notify")) && json_is_string(v))
			fprintf(out, "(%s)", json_string_value(v));
		else if (v)
			fprintf(out, "(%lld)", json_integer_value(v));
		else if ((v = json_object_get(pl, "group")))
			fprintf(out, "(%lld)", json_integer_value(v));
		else if ((v = json_object_get(pl, "id")) && json_is_string(v))
			fprintf(out, "(%s)", json_string_value(v));
		else if ((v = json_object_get(pl, "fragment")))
			fprintf(out, "(%lld/%lld)", json_integer_value(v),
				json_integer_value(json_object_get(pl, "total")));
		if (code == IKE_PL_SK || code == IKE_PL_SKF) {
			json_t *fi = json_object_get(pl, "first_inner");
			if (json_is_string(fi))
				fprintf(out, "{%s...}", json_string_value(fi));
		}
	}
}
