#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect.h"
#include "dissect_ike.h"
#include "ipsec/ah.h"
#include "ipsec/esp.h"
#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "pkt/pbuf.h"
#include "util/m6_bytes.h"

#define INNER_DEPTH_MAX 4
#define NAT_T_PORT 4500

static json_t *addr_json(const uint8_t a[16])
{
	char s[46];
	ip6_addr_format(a, s);
	return json_string(s);
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
	char buf[2 * 256 + 1];
	static const char hx[] = "0123456789abcdef";
	if (n > 256)
		n = 256;
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hx[p[i] >> 4];
		buf[2 * i + 1] = hx[p[i] & 15];
	}
	buf[2 * n] = 0;
	return json_string(buf);
}

static void add_error(json_t *errors, int code, size_t off, size_t base)
{
	char s[256];
	snprintf(s, sizeof(s), "%s: %s (offset %zu)", m6_errid(code), m6_strerror(code), base + off);
	json_array_append_new(errors, json_string(s));
}

static void add_diags(json_t *errors, const struct m6_diags *ds, size_t base)
{
	for (unsigned i = 0; i < ds->n; i++)
		add_error(errors, ds->d[i].code, ds->d[i].off, base);
	if (ds->dropped) {
		char s[64];
		snprintf(s, sizeof(s), "more: %u further faults not listed", ds->dropped);
		json_array_append_new(errors, json_string(s));
	}
}

static json_t *opt_json(const struct mh_opt *o)
{
	json_t *j = json_object();
	const char *name = mh_opt_name(o->type);
	json_object_set_new(j, "type", json_string(name ? name : "unknown"));
	json_object_set_new(j, "code", json_integer(o->type));
	json_object_set_new(j, "len", json_integer(o->len));
	switch (o->type) {
	case MHO_BRA:
		if (o->len == 2)
			json_object_set_new(j, "interval", json_integer(4 * m6_get16(o->data)));
		break;
	case MHO_ACOA:
		if (o->len == 16)
			json_object_set_new(j, "addr", addr_json(o->data));
		break;
	case MHO_NI:
		if (o->len == 4) {
			json_object_set_new(j, "home_index", json_integer(m6_get16(o->data)));
			json_object_set_new(j, "coa_index", json_integer(m6_get16(o->data + 2)));
		}
		break;
	case MHO_BAD:
		json_object_set_new(j, "auth", hex_json(o->data, o->len));
		break;
	default:
		json_object_set_new(j, "data", hex_json(o->data, o->len));
		break;
	}
	return j;
}

static json_t *flags_json(const struct mh_msg *m)
{
	static const struct { uint16_t bit; const char *l; } bu[] = {
		{ MH_BU_A, "A" }, { MH_BU_H, "H" }, { MH_BU_L, "L" }, { MH_BU_K, "K" } };
	json_t *a = json_array();
	if (m->type == MH_BU) {
		for (size_t i = 0; i < sizeof(bu) / sizeof(bu[0]); i++)
			if (m->flags & bu[i].bit)
				json_array_append_new(a, json_string(bu[i].l));
	} else if (m->type == MH_BA && (m->flags & MH_BA_K)) {
		json_array_append_new(a, json_string("K"));
	}
	return a;
}

static json_t *mh_json(const uint8_t *pkt, const struct ip6_walk *w, json_t *errors, size_t base)
{
	const uint8_t *p = pkt + w->proto_off;
	size_t len = w->end - w->proto_off;
	struct mh_msg m;
	struct m6_diags ds;
	m6_diags_init(&ds);
	mh_parse(p, len, &m, &ds, w->proto_off);
	json_t *j = json_object();
	if (len < 8) {
		add_diags(errors, &ds, base);
		json_object_set_new(j, "type", json_null());
		return j;
	}
	const char *name = mh_type_name(m.type);
	json_object_set_new(j, "type", name ? json_string(name) : json_null());
	json_object_set_new(j, "type_code", json_integer(m.type));
	json_object_set_new(j, "proto", json_integer(m.proto));
	json_object_set_new(j, "hlen", json_integer(m.hlen));
	/* Fields the message is too short to hold are left out, not shown as 0. */
	bool whole = m.len >= MH_HDR_LEN + mh_fixed_len(m.type);
	switch (whole ? m.type : MH_TYPE_COUNT) {
	case MH_BU:
	case MH_BA:
		if (m.type == MH_BA) {
			json_object_set_new(j, "status", json_integer(m.status));
			json_object_set_new(j, "status_text", json_string(mh_ba_status_text(m.status)));
		}
		json_object_set_new(j, "seq", json_integer(m.seq));
		json_object_set_new(j, "lifetime", json_integer(mh_lifetime_seconds(m.lifetime)));
		json_object_set_new(j, "flags", flags_json(&m));
		break;
	case MH_BE:
		json_object_set_new(j, "status", json_integer(m.status));
		json_object_set_new(j, "hoa", addr_json(m.hoa));
		break;
	case MH_HOTI:
	case MH_COTI:
		json_object_set_new(j, "cookie", hex_json(m.cookie, MH_COOKIE_LEN));
		break;
	case MH_HOT:
	case MH_COT:
		json_object_set_new(j, "nonce_index", json_integer(m.nonce_index));
		json_object_set_new(j, "cookie", hex_json(m.cookie, MH_COOKIE_LEN));
		json_object_set_new(j, "token", hex_json(m.token, MH_COOKIE_LEN));
		break;
	default:
		break;
	}
	json_t *opts = json_array();
	for (unsigned i = 0; i < m.n_opts; i++)
		json_array_append_new(opts, opt_json(&m.opts[i]));
	json_object_set_new(j, "options", opts);

	/* MH-03: pseudo-header src = HAO home address, dst = RH2 address. */
	uint8_t src[16], dst[16];
	ip6_walk_pseudo(w, pkt, src, dst);
	size_t clen = m.len;
	uint16_t want = mh_checksum(src, dst, p, clen);
	bool ok = mh_verify_checksum(p, clen, src, dst);
	char cs[8];
	snprintf(cs, sizeof(cs), "0x%04x", m.checksum);
	json_object_set_new(j, "checksum", json_string(cs));
	json_object_set_new(j, "checksum_ok", json_boolean(ok));
	if (!ok) {
		snprintf(cs, sizeof(cs), "0x%04x", want);
		json_object_set_new(j, "checksum_expected", json_string(cs));
		m6_diag_add(&ds, M6_E_MH_CKSUM, w->proto_off + 4);
	}
	add_diags(errors, &ds, base);
	return j;
}

static json_t *headers_json(const struct ip6_walk *w)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < w->n_ext; i++) {
		const char *n = "?";
		switch (w->ext[i].proto) {
		case IP6P_HBH: n = "hbh"; break;
		case IP6P_DSTOPTS: n = "dstopts"; break;
		case IP6P_ROUTING: n = "routing"; break;
		case IP6P_FRAGMENT: n = "fragment"; break;
		case IP6P_AH: n = "ah"; break;
		}
		json_array_append_new(a, json_string(n));
	}
	return a;
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case IP6P_TCP: return "tcp";
	case IP6P_UDP: return "udp";
	case IP6P_IPV6: return "ipv6";
	case IP6P_ESP: return "esp";
	case IP6P_ICMPV6: return "icmpv6";
	case IP6P_NONE: return "none";
	case IP6P_MH: return "mh";
	default: return NULL;
	}
}

static json_t *dissect_at(const uint8_t *pkt, size_t len, size_t base, json_t *errors, int depth,
			  struct keyfile *kf);
static void upper_json(json_t *j, const uint8_t *pkt, const struct ip6_walk *w, size_t base,
		       json_t *errors, int depth, struct keyfile *kf);

static struct keyfile_sa *find_sa(struct keyfile *kf, uint32_t spi, const uint8_t *pkt,
				  const struct ip6_walk *w)
{
	uint8_t psrc[16], pdst[16];
	if (!kf)
		return NULL;
	ip6_walk_pseudo(w, pkt, psrc, pdst);
	return keyfile_find(kf, spi, w->hdr.src, psrc, w->hdr.dst, pdst);
}

/* AH with a key: verify the ICV over the packet as it arrived. */
static void ah_check(json_t *ah, const uint8_t *pkt, const struct ip6_walk *w, size_t base,
		     json_t *errors, struct keyfile *kf)
{
	const uint8_t *a = pkt + w->ah_off;
	if (a[1] < 1)
		return;
	struct keyfile_sa *sa = find_sa(kf, m6_get32(a + 4), pkt, w);
	if (!sa)
		return;
	int rc;
	const char *why;
	const struct m6_xform *x = keyfile_open_xform(sa, &rc, &why);
	if (x)
		rc = ah_verify(x, pkt, w->end, (size_t)w->ah_off, m6_get32(a + 8), false);
	json_object_set_new(ah, "icv_ok", json_boolean(rc == 0));
	if (rc)
		add_error(errors, rc, (size_t)w->ah_off, base);
}

static const char *ext_name(uint8_t proto)
{
	switch (proto) {
	case IP6P_HBH: return "hbh";
	case IP6P_DSTOPTS: return "dstopts";
	case IP6P_ROUTING: return "routing";
	case IP6P_FRAGMENT: return "fragment";
	case IP6P_AH: return "ah";
	default: return "?";
	}
}

/* ESP at esp_off (after a UDP header at w->proto_off when udp is set).
 * With a matching key the packet is copied, opened with esp_open() and
 * the rest is dissected from the plaintext, as if the ESP header and
 * trailer had never been there: the outer headers' HAO and RH2 still give
 * the pseudo-header of a transport-mode payload. */
static void esp_json(json_t *j, const uint8_t *pkt, const struct ip6_walk *w, size_t esp_off,
		     bool udp, size_t base, json_t *errors, int depth, struct keyfile *kf)
{
	const uint8_t *up = pkt + esp_off;
	json_t *e = json_object();
	uint32_t spi = m6_get32(up), seq = m6_get32(up + 4);
	json_object_set_new(e, "spi", json_integer(spi));
	json_object_set_new(e, "seq", json_integer(seq));
	json_object_set_new(j, "esp", e);
	struct keyfile_sa *sa = find_sa(kf, spi, pkt, w);
	if (!sa)
		return;
	int rc;
	const char *why;
	uint8_t nh = 0, *mem = NULL;
	struct pbuf pb;
	const struct m6_xform *x = keyfile_open_xform(sa, &rc, &why);
	if (x) {
		mem = malloc(w->end ? w->end : 1);
		rc = mem ? 0 : M6_E_NOMEM;
	}
	if (x && mem) {
		uint8_t *p;
		pbuf_init(&pb, mem, w->end, 0);
		pbuf_put(&pb, w->end, &p);
		memcpy(p, pkt, w->end);
		rc = esp_open(x, &pb, esp_off, seq, false, &nh);
	}
	/* M6_E_ESP_PAD comes after a good ICV; anything else means the ICV
	 * was not, or could not be, verified. */
	json_object_set_new(e, "icv_ok", json_boolean(rc == 0 || rc == M6_E_ESP_PAD));
	json_object_set_new(e, "decrypted", json_boolean(rc == 0));
	if (rc) {
		add_error(errors, rc, esp_off, base);
		free(mem);
		return;
	}
	json_object_set_new(e, "next_header", json_integer(nh));
	if (udp)
		pbuf_remove(&pb, w->proto_off, 8);
	uint8_t *q = pbuf_data(&pb);
	q[w->nh_field] = nh;
	size_t plen = pb.len - IP6_HDR_LEN;
	m6_put16(q + 4, (uint16_t)(plen > 0xffff ? 0xffff : plen));
	if (nh != IP6P_NONE) {
		/* The plaintext as part of the packet it was sent in. */
		struct ip6_walk w2;
		ip6_walk(q, pb.len, IP6W_HAO_KNOWN, &w2);
		if (w2.n_ext > w->n_ext) {
			json_t *h = json_array();
			for (unsigned i = w->n_ext; i < w2.n_ext; i++)
				json_array_append_new(h, json_string(ext_name(w2.ext[i].proto)));
			json_object_set_new(e, "headers", h);
		}
		for (unsigned i = 0; i < w2.diags.n; i++)
			if (w2.diags.d[i].off >= w->proto_off)
				add_error(errors, w2.diags.d[i].code, w2.diags.d[i].off, base);
		if (depth < INNER_DEPTH_MAX)
			upper_json(j, q, &w2, base, errors, depth + 1, kf);
	}
	m6_wipe(mem, w->end);
	free(mem);
}

static void upper_json(json_t *j, const uint8_t *pkt, const struct ip6_walk *w, size_t base,
		       json_t *errors, int depth, struct keyfile *kf)
{
	const char *pn = proto_name(w->proto);
	if (w->frag_off >= 0 && w->frag_offset != 0)
		return;   /* a non-first fragment: the rest is not a header */
	const uint8_t *up = pkt + w->proto_off;
	size_t ulen = w->end > w->proto_off ? w->end - w->proto_off : 0;
	switch (w->proto) {
	case IP6P_MH:
		json_object_set_new(j, "mh", mh_json(pkt, w, errors, base));
		break;
	case IP6P_ESP:
		if (ulen >= 8)
			esp_json(j, pkt, w, w->proto_off, false, base, errors, depth, kf);
		else
			add_error(errors, M6_E_TRUNC, w->proto_off, base);
		break;
	case IP6P_UDP:
	case IP6P_TCP:
		if (ulen >= 4) {
			json_t *u = json_object();
			json_object_set_new(u, "sport", json_integer(m6_get16(up)));
			json_object_set_new(u, "dport", json_integer(m6_get16(up + 2)));
			json_object_set_new(j, pn, u);
			/* RFC 3948: ESP in UDP on port 4500, told from IKE by a
			 * non-zero SPI; only dissected with --keys. */
			if (kf && w->proto == IP6P_UDP && ulen >= 16 &&
			    (m6_get16(up) == NAT_T_PORT || m6_get16(up + 2) == NAT_T_PORT) &&
			    m6_get32(up + 8) != 0) {
				json_object_set_new(u, "esp_in_udp", json_true());
				esp_json(j, pkt, w, w->proto_off + 8, true, base, errors, depth, kf);
			} else if (w->proto == IP6P_UDP) {
				/* IKE on 500, or on 4500 after the non-ESP marker */
				dissect_ike_udp(j, up, ulen, base + w->proto_off, errors);
			}
		}
		break;
	case IP6P_ICMPV6:
		if (ulen >= 4) {
			json_t *ic = json_object();
			json_object_set_new(ic, "type", json_integer(up[0]));
			json_object_set_new(ic, "code", json_integer(up[1]));
			json_object_set_new(j, "icmpv6", ic);
		}
		break;
	case IP6P_IPV6:
		if (depth < INNER_DEPTH_MAX)
			json_object_set_new(j, "inner",
					    dissect_at(up, ulen, base + w->proto_off, errors, depth + 1, kf));
		break;
	default:
		break;
	}
}

static json_t *dissect_at(const uint8_t *pkt, size_t len, size_t base, json_t *errors, int depth,
			  struct keyfile *kf)
{
	json_t *j = json_object();
	struct ip6_walk w;
	ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	add_diags(errors, &w.diags, base);
	if (w.diags.n && (w.diags.d[0].code == M6_E_TRUNC || w.diags.d[0].code == M6_E_IP6_VERSION))
		return j;
	json_object_set_new(j, "src", addr_json(w.hdr.src));
	json_object_set_new(j, "dst", addr_json(w.hdr.dst));
	json_object_set_new(j, "hlim", json_integer(w.hdr.hlim));
	json_object_set_new(j, "plen", json_integer(w.hdr.plen));
	json_object_set_new(j, "headers", headers_json(&w));
	if (w.hao_off >= 0 && pkt[w.hao_off + 1] >= 16)
		json_object_set_new(j, "hao", addr_json(pkt + w.hao_off + 2));
	if (w.rh_off >= 0) {
		size_t o = (size_t)w.rh_off;
		size_t hl = 8 * ((size_t)pkt[o + 1] + 1);
		if (w.rh_type == 2 && hl >= IP6_RH2_HDR_LEN)
			json_object_set_new(j, "rh2", addr_json(pkt + o + 8));
		json_t *rh = json_object();
		json_object_set_new(rh, "type", json_integer(w.rh_type));
		json_object_set_new(rh, "segleft", json_integer(w.rh_segleft));
		json_object_set_new(j, "routing", rh);
	}
	if (w.frag_off >= 0) {
		json_t *f = json_object();
		json_object_set_new(f, "offset", json_integer(8 * w.frag_offset));
		json_object_set_new(f, "more", json_boolean(w.frag_more));
		json_object_set_new(f, "id", json_integer(w.frag_id));
		json_object_set_new(j, "fragment", f);
	}
	if (w.ah_off >= 0) {
		json_t *ah = json_object();
		const uint8_t *a = pkt + w.ah_off;
		json_object_set_new(ah, "spi", json_integer(m6_get32(a + 4)));
		/* Payload Len 0 leaves no room for the Sequence Number field */
		if (a[1] >= 1)
			json_object_set_new(ah, "seq", json_integer(m6_get32(a + 8)));
		else
			add_error(errors, M6_E_TRUNC, (size_t)w.ah_off + 1, base);
		if (kf)
			ah_check(ah, pkt, &w, base, errors, kf);
		json_object_set_new(j, "ah", ah);
	}
	const char *pn = proto_name(w.proto);
	json_object_set_new(j, "proto", pn ? json_string(pn) : json_integer(w.proto));
	upper_json(j, pkt, &w, base, errors, depth, kf);
	return j;
}

json_t *dissect_packet_keys(const uint8_t *pkt, size_t len, struct keyfile *kf)
{
	json_t *errors = json_array();
	json_t *j = dissect_at(pkt, len, 0, errors, 0, kf);
	json_object_set_new(j, "errors", errors);
	return j;
}

json_t *dissect_packet(const uint8_t *pkt, size_t len)
{
	return dissect_packet_keys(pkt, len, NULL);
}

static const char *sval(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s ? s : "?";
}

static unsigned long long uval(json_t *j, const char *key)
{
	return (unsigned long long)json_integer_value(json_object_get(j, key));
}

static void text_layer(FILE *out, json_t *j)
{
	json_t *v, *mh, *e;
	fprintf(out, "%s -> %s", sval(j, "src"), sval(j, "dst"));
	if ((v = json_object_get(j, "hao")))
		fprintf(out, " HAO %s", json_string_value(v));
	if ((v = json_object_get(j, "rh2")))
		fprintf(out, " RH2 %s", json_string_value(v));
	else if ((v = json_object_get(j, "routing")))
		fprintf(out, " RH%lld sl=%lld", json_integer_value(json_object_get(v, "type")),
			json_integer_value(json_object_get(v, "segleft")));
	if ((v = json_object_get(j, "fragment")))
		fprintf(out, " FRAG off=%lld%s", json_integer_value(json_object_get(v, "offset")),
			json_is_true(json_object_get(v, "more")) ? " M" : "");
	if ((v = json_object_get(j, "ah"))) {
		fprintf(out, " AH spi=0x%08llx seq=%llu", uval(v, "spi"), uval(v, "seq"));
		if ((e = json_object_get(v, "icv_ok")))
			fprintf(out, " icv %s", json_is_true(e) ? "ok" : "BAD");
	}
	if ((v = json_object_get(j, "udp")) && json_is_true(json_object_get(v, "esp_in_udp")))
		fprintf(out, " UDP %lld > %lld", json_integer_value(json_object_get(v, "sport")),
			json_integer_value(json_object_get(v, "dport")));
	if ((v = json_object_get(j, "esp"))) {
		fprintf(out, " ESP spi=0x%08llx seq=%llu", uval(v, "spi"), uval(v, "seq"));
		if ((e = json_object_get(v, "icv_ok")))
			fprintf(out, " icv %s", json_is_true(e) ? "ok" : "BAD");
		if (json_is_true(json_object_get(v, "decrypted"))) {
			json_int_t nh = json_integer_value(json_object_get(v, "next_header"));
			/* a tunnel's " | tunnel:" follows by itself */
			if (nh == IP6P_NONE)
				fputs(" dummy (next header 59)", out);
			else if (nh != IP6P_IPV6)
				fputs(" |", out);
		}
	}
	if ((mh = json_object_get(j, "mh"))) {
		const char *t = json_string_value(json_object_get(mh, "type"));
		if (t)
			fprintf(out, " MH %s", t);
		else
			fprintf(out, " MH type=%lld", json_integer_value(json_object_get(mh, "type_code")));
		if ((v = json_object_get(mh, "status")))
			fprintf(out, " status=%lld", json_integer_value(v));
		if ((v = json_object_get(mh, "seq")))
			fprintf(out, " seq=%lld", json_integer_value(v));
		if ((v = json_object_get(mh, "lifetime")))
			fprintf(out, " lifetime=%llds", json_integer_value(v));
		if ((v = json_object_get(mh, "flags")) && json_array_size(v)) {
			size_t i;
			json_t *f;
			fputs(" flags=", out);
			json_array_foreach(v, i, f)
				fputs(json_string_value(f), out);
		}
		if ((v = json_object_get(mh, "hoa")))
			fprintf(out, " hoa=%s", json_string_value(v));
		if ((v = json_object_get(mh, "options"))) {
			size_t i;
			json_t *o;
			json_array_foreach(v, i, o) {
				json_t *a = json_object_get(o, "addr");
				fprintf(out, " [%s%s%s]", json_string_value(json_object_get(o, "type")),
					a ? " " : "", a ? json_string_value(a) : "");
			}
		}
		if ((v = json_object_get(mh, "checksum_ok")))
			fprintf(out, " csum %s", json_is_null(v) ? "unchecked" : json_is_true(v) ? "ok" : "BAD");
	}
	if ((v = json_object_get(j, "icmpv6")))
		fprintf(out, " ICMPv6 %lld/%lld", json_integer_value(json_object_get(v, "type")),
			json_integer_value(json_object_get(v, "code")));
	if ((v = json_object_get(j, "udp")) && !json_is_true(json_object_get(v, "esp_in_udp")))
		fprintf(out, " UDP %lld > %lld", json_integer_value(json_object_get(v, "sport")),
			json_integer_value(json_object_get(v, "dport")));
	if ((v = json_object_get(j, "ike")))
		dissect_ike_text(out, v);
	if ((v = json_object_get(j, "tcp")))
		fprintf(out, " TCP %lld > %lld", json_integer_value(json_object_get(v, "sport")),
			json_integer_value(json_object_get(v, "dport")));
	if ((v = json_object_get(j, "inner"))) {
		fputs(" | tunnel: ", out);
		text_layer(out, v);
	}
}

void dissect_print_text(FILE *out, unsigned frame, json_t *j)
{
	fprintf(out, "%u ", frame);
	text_layer(out, j);
	json_t *errs = json_object_get(j, "errors"), *cut = json_object_get(j, "snaplen");
	size_t i;
	json_t *e;
	json_array_foreach(errs, i, e)
		fprintf(out, "\n    error: %s", json_string_value(e));
	if (cut) {
		fprintf(out, "\n    note: cut by the capture's snap length: %llu of %llu octets captured",
			uval(cut, "captured"), uval(cut, "length"));
		json_array_foreach(json_object_get(cut, "skipped"), i, e)
			fprintf(out, "\n    not checked (octets missing): %s", json_string_value(e));
	}
	fputc('\n', out);
}

/* Faults that only say octets are missing: on a frame the capture cut
 * short they describe the capture, not the packet. */
static bool missing_octets(const char *err)
{
	static const char *const ids[] = { "trunc", "ip6_plen", "ext_trunc", "opt_overrun", "mh_trunc", "mh_hlen",
					   "mh_checksum", "mh_opt_overrun", "udp_checksum", "icv", "esp_len", "esp_pad",
					   NULL };
	size_t n = strcspn(err, ":");
	for (int i = 0; ids[i]; i++)
		if (strlen(ids[i]) == n && !strncmp(err, ids[i], n))
			return true;
	return false;
}

static void unchecked_sums(json_t *j)
{
	json_t *mh = json_object_get(j, "mh"), *in = json_object_get(j, "inner");
	if (mh && json_object_get(mh, "checksum_ok"))
		json_object_set_new(mh, "checksum_ok", json_null());
	if (in)
		unchecked_sums(in);
}

void dissect_note_cut(json_t *j, size_t captured, size_t length)
{
	json_t *errs = json_object_get(j, "errors"), *keep = json_array(), *skipped = json_array();
	size_t i;
	json_t *e;
	bool sums = false;
	json_array_foreach(errs, i, e) {
		const char *s = json_string_value(e);
		if (s && missing_octets(s)) {
			json_array_append(skipped, e);
			sums = sums || !strncmp(s, "mh_checksum:", 12);
		} else {
			json_array_append(keep, e);
		}
	}
	json_object_set_new(j, "errors", keep);
	if (sums)
		unchecked_sums(j);
	json_object_set_new(j, "snaplen", json_pack("{s:I,s:I,s:o}", "captured", (json_int_t)captured, "length",
						       (json_int_t)length, "skipped", skipped));
}
