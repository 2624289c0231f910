/* The Mobility Header layer of the packet language. */
#include <string.h>

#include "pkt/ip6.h"
#include "pkt/mh.h"
#include "spec_int.h"
#include "util/m6_bytes.h"
#include "util/m6_err.h"

static const char *const mh_names[] = { "brr", "hoti", "coti", "hot", "cot", "bu", "ba", "be" };

static int mh_type_arg(struct sb *b, const char *w, uint8_t *type)
{
	unsigned long v;
	if (!w)
		return sb_fail(b, "mh needs a type (brr hoti coti hot cot bu ba be or a number)");
	for (uint8_t i = 0; i < MH_TYPE_COUNT; i++)
		if (!strcmp(w, mh_names[i])) {
			*type = i;
			return 0;
		}
	if (sb_num(b, "mh type", w, 255, &v))
		return M6_E_SPEC;
	*type = (uint8_t)v;
	return 0;
}

static int mh_flags(struct sb *b, const char *v, uint8_t type, uint16_t *flags)
{
	for (; v && *v; v++) {
		if (type == MH_BU && strchr("AHLK", *v))
			*flags |= *v == 'A' ? MH_BU_A : *v == 'H' ? MH_BU_H : *v == 'L' ? MH_BU_L : MH_BU_K;
		else if (type == MH_BA && *v == 'K')
			*flags |= MH_BA_K;
		else
			return sb_fail(b, "flag '%c' is not one of this message's (BU: AHLK, BA: K)", *v);
	}
	return 0;
}

/* Fixed fields of an MH message from key=value pairs. */
static int mh_fields(struct sb *b, struct kv *kv, struct mh_msg *m)
{
	unsigned long v;
	size_t n;
	const char *s;
	if (sb_opt_num(b, kv, "seq", 0xffff, 0, &v))
		return M6_E_SPEC;
	m->seq = (uint16_t)v;
	if (sb_opt_num(b, kv, "lifetime", 0x3fffc, 0, &v))
		return M6_E_SPEC;
	/* the field counts 4-second units: rounding would turn lifetime=3 into
	 * a de-registration, so the packet language takes exact values only */
	if (v % 4)
		return sb_fail(b, "lifetime=%lu is not a multiple of 4 seconds (the field counts 4-second units; "
			       "lifetime=0 de-registers)", v);
	m->lifetime = mh_lifetime_units((uint32_t)v);
	if (sb_opt_num(b, kv, "status", 255, m->type == MH_BE ? 1 : 0, &v))
		return M6_E_SPEC;
	m->status = (uint8_t)v;
	if (sb_opt_num(b, kv, "index", 0xffff, 0, &v))
		return M6_E_SPEC;
	m->nonce_index = (uint16_t)v;
	if (mh_flags(b, kv_get(kv, "flags"), m->type, &m->flags))
		return M6_E_SPEC;
	if ((s = kv_get(kv, "hoa")) && sb_addr(b, "hoa", s, m->hoa))
		return M6_E_SPEC;
	if ((s = kv_get(kv, "cookie")) && (sb_hex(b, "cookie", s, m->cookie, MH_COOKIE_LEN, &n)))
		return M6_E_SPEC;
	if ((s = kv_get(kv, "token")) && (sb_hex(b, "token", s, m->token, MH_COOKIE_LEN, &n)))
		return M6_E_SPEC;
	if (sb_opt_num(b, kv, "proto", 255, 59, &v))
		return M6_E_SPEC;
	m->proto = (uint8_t)v;
	return 0;
}

/* Mobility options in the order given; data lives in store. */
static int mh_options(struct sb *b, struct kv *kv, struct mh_msg *m, uint8_t *store, size_t cap)
{
	size_t used = 0;
	for (int i = 0; i < kv->n; i++) {
		const char *k = kv->key[i], *v = kv->val[i];
		uint8_t t, *d = store + used;
		size_t n = 0;
		unsigned long x, y;
		if (!v || used + 255 > cap)
			continue;
		if (!strcmp(k, "acoa")) {
			t = MHO_ACOA;
			n = 16;
			if (sb_addr(b, k, v, d))
				return M6_E_SPEC;
		} else if (!strcmp(k, "bra")) {
			t = MHO_BRA;
			n = 2;
			if (sb_num(b, k, v, 0x3fffc, &x))
				return M6_E_SPEC;
			if (x % 4)
				return sb_fail(b, "bra=%lu is not a multiple of 4 seconds (the option counts 4-second units)",
					       x);
			m6_put16(d, (uint16_t)(x / 4));
		} else if (!strcmp(k, "ni")) {
			char *comma = strchr(v, ',');
			t = MHO_NI;
			n = 4;
			if (!comma)
				return sb_fail(b, "ni=HOME,COA expected");
			*comma = 0;
			if (sb_num(b, "ni home", v, 0xffff, &x) || sb_num(b, "ni coa", comma + 1, 0xffff, &y))
				return M6_E_SPEC;
			m6_put16(d, (uint16_t)x);
			m6_put16(d + 2, (uint16_t)y);
		} else if (!strcmp(k, "bad")) {
			t = MHO_BAD;
			if (sb_hex(b, k, v, d, 255, &n))
				return M6_E_SPEC;
		} else if (!strcmp(k, "padn")) {
			t = MHO_PADN;
			if (sb_num(b, k, v, 257, &x))
				return M6_E_SPEC;
			if (x < 2)
				return sb_fail(b, "padn is at least 2 octets");
			n = x - 2;
			memset(d, 0, n);
		} else if (!strcmp(k, "opt")) {
			char *colon = strchr(v, ':');
			if (!colon)
				return sb_fail(b, "opt=TYPE:HEX expected");
			*colon = 0;
			if (sb_num(b, "opt type", v, 255, &x) || sb_hex(b, k, colon + 1, d, 255, &n))
				return M6_E_SPEC;
			t = (uint8_t)x;
		} else {
			continue;
		}
		kv->used[i] = true;
		if (m->n_opts == MH_OPT_MAX)
			return sb_fail(b, "more than %d options", MH_OPT_MAX);
		m->opts[m->n_opts].type = t;
		m->opts[m->n_opts].len = (uint8_t)n;
		m->opts[m->n_opts].data = d;
		m->n_opts++;
		used += n;
	}
	return 0;
}

int spec_layer_mh(struct sb *b, struct kv *kv)
{
	struct mh_msg m;
	uint8_t store[4096], raw[1024];
	size_t mlen, rawn = 0;
	unsigned long v;
	memset(&m, 0, sizeof(m));
	if (mh_type_arg(b, kv_word(kv), &m.type) || mh_fields(b, kv, &m) ||
	    mh_options(b, kv, &m, store, sizeof(store)))
		return M6_E_SPEC;
	const char *rawopts = kv_get(kv, "rawopts");
	if (rawopts && sb_hex(b, "rawopts", rawopts, raw, sizeof(raw), &rawn))
		return M6_E_SPEC;
	sb_chain(b, IP6P_MH);
	size_t off = b->len;
	uint8_t *p = b->out + off;
	if (mh_build(&m, p, b->cap - off, &mlen))
		return sb_fail(b, "message does not fit");
	if (rawopts) {
		/* Replace the built options and padding by the verbatim bytes. */
		mlen = MH_HDR_LEN + (m.type < MH_TYPE_COUNT ? mh_fixed_len(m.type) : 2);
		if (mlen + rawn > b->cap - off)
			return sb_fail(b, "message does not fit");
		memcpy(p + mlen, raw, rawn);
		mlen += rawn;
		p[1] = (uint8_t)((mlen + 7) / 8 - 1);
	}
	b->len += mlen;
	if (sb_opt_num(b, kv, "reserved", 255, 0, &v))
		return M6_E_SPEC;
	p[3] = (uint8_t)v;
	if (sb_opt_num(b, kv, "hlen", 255, p[1], &v))
		return M6_E_SPEC;
	p[1] = (uint8_t)v;
	b->pending = NO_PENDING;   /* Payload Proto is not a chained Next Header */
	return sb_add_ck(b, CK_MH, off, mlen, kv_get(kv, "csum"));
}

