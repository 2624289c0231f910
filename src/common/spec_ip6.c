/* Layers of the packet language: IPv6, extension headers, UDP, ICMPv6, raw octets. */
#include <string.h>

#include "pkt/ip6.h"
#include "spec_int.h"
#include "util/m6_bytes.h"
#include "util/m6_err.h"

int spec_layer_ip6(struct sb *b, struct kv *kv)
{
	struct ip6_hdr h;
	unsigned long v;
	uint8_t *p;
	memset(&h, 0, sizeof(h));
	if (b->n_ip == SPEC_IP_MAX)
		return sb_fail(b, "too many ip6 layers");
	if (sb_addr(b, "src", kv_get(kv, "src"), h.src) || sb_addr(b, "dst", kv_get(kv, "dst"), h.dst))
		return M6_E_SPEC;
	if (sb_opt_num(b, kv, "hlim", 255, 64, &v))
		return M6_E_SPEC;
	h.hlim = (uint8_t)v;
	if (sb_opt_num(b, kv, "tc", 255, 0, &v))
		return M6_E_SPEC;
	h.tclass = (uint8_t)v;
	if (sb_opt_num(b, kv, "flow", 0xfffff, 0, &v))
		return M6_E_SPEC;
	h.flow = (uint32_t)v;
	const char *plen = kv_get(kv, "plen");
	if (plen) {
		if (sb_num(b, "plen", plen, 0xffff, &v))
			return M6_E_SPEC;
		h.plen = (uint16_t)v;
	}
	sb_chain(b, IP6P_IPV6);
	size_t off = b->len;
	if (sb_grow(b, IP6_HDR_LEN, &p))
		return M6_E_SPEC;
	ip6_hdr_write(p, &h);
	b->ip[b->n_ip].off = off;
	b->ip[b->n_ip].plen_forced = plen != NULL;
	b->n_ip++;
	return sb_expect_next(b, off + 6, kv_get(kv, "nh"));
}

/* Close an options header started at off: pad to 8 octets, set Hdr Ext Len. */
static int finish_opthdr(struct sb *b, struct kv *kv, size_t off)
{
	size_t n = b->len - off, pad = (8 - n % 8) % 8;
	uint8_t *p;
	unsigned long v;
	if (sb_grow(b, pad, &p))
		return M6_E_SPEC;
	if (pad >= 2) {
		p[0] = IP6O_PADN;
		p[1] = (uint8_t)(pad - 2);
	}
	if (sb_opt_num(b, kv, "hlen", 255, (b->len - off) / 8 - 1, &v))
		return M6_E_SPEC;
	b->out[off + 1] = (uint8_t)v;
	return sb_expect_next(b, off, kv_get(kv, "nh"));
}

static int put_pad(struct sb *b, unsigned long n)
{
	uint8_t *p;
	if (sb_grow(b, n, &p))
		return M6_E_SPEC;
	if (n >= 2) {
		p[0] = IP6O_PADN;
		p[1] = (uint8_t)(n - 2);
	}
	return 0;
}

static int put_hao(struct sb *b, const uint8_t hoa[16], unsigned long olen)
{
	uint8_t *p;
	if (sb_grow(b, 2 + olen, &p))
		return M6_E_SPEC;
	p[0] = IP6O_HAO;
	p[1] = (uint8_t)olen;
	memcpy(p + 2, hoa, olen < 16 ? olen : 16);
	return 0;
}

int spec_layer_hao(struct sb *b, struct kv *kv)
{
	uint8_t hoa[16], *p;
	unsigned long olen, pad;
	if (sb_addr(b, "home address", kv_word(kv), hoa) ||
	    sb_opt_num(b, kv, "len", 255, IP6_HAO_OPT_LEN, &olen) || sb_opt_num(b, kv, "pad", 255, 4, &pad))
		return M6_E_SPEC;
	sb_chain(b, IP6P_DSTOPTS);
	size_t off = b->len;
	if (sb_grow(b, 2, &p) || put_pad(b, pad) || put_hao(b, hoa, olen))
		return M6_E_SPEC;
	return finish_opthdr(b, kv, off);
}

int spec_layer_opthdr(struct sb *b, struct kv *kv, uint8_t proto)
{
	uint8_t *p, buf[255];
	sb_chain(b, proto);
	size_t off = b->len;
	if (sb_grow(b, 2, &p))
		return M6_E_SPEC;
	for (int i = 0; i < kv->n; i++) {
		const char *k = kv->key[i], *v = kv->val[i];
		unsigned long x;
		size_t n;
		if (!v && !strcmp(k, "pad1")) {
			if (put_pad(b, 1))
				return M6_E_SPEC;
		} else if (v && !strcmp(k, "padn")) {
			if (sb_num(b, k, v, 257, &x))
				return M6_E_SPEC;
			if (x < 2)
				return sb_fail(b, "padn is at least 2 octets");
			if (put_pad(b, x))
				return M6_E_SPEC;
		} else if (v && !strcmp(k, "hao")) {
			if (sb_addr(b, k, v, buf) || put_hao(b, buf, IP6_HAO_OPT_LEN))
				return M6_E_SPEC;
		} else if (v && !strcmp(k, "opt")) {
			char *colon = strchr(v, ':');
			if (!colon)
				return sb_fail(b, "opt=TYPE:HEX expected");
			*colon = 0;
			if (sb_num(b, "opt type", v, 255, &x) || sb_hex(b, k, colon + 1, buf, sizeof(buf), &n) ||
			    sb_grow(b, 2 + n, &p))
				return M6_E_SPEC;
			p[0] = (uint8_t)x;
			p[1] = (uint8_t)n;
			memcpy(p + 2, buf, n);
		} else {
			continue;
		}
		kv->used[i] = true;
	}
	return finish_opthdr(b, kv, off);
}

int spec_layer_routing(struct sb *b, struct kv *kv, uint8_t type)
{
	uint8_t a[16][16], *p;
	int n = 0;
	const char *w;
	unsigned long v;
	while (n < 16 && (w = kv_word(kv)))
		if (sb_addr(b, "address", w, a[n++]))
			return M6_E_SPEC;
	if (n == 0 || (type == 2 && n != 1))
		return sb_fail(b, type == 2 ? "rh2 takes one address" : "rh0 needs addresses");
	sb_chain(b, IP6P_ROUTING);
	size_t off = b->len;
	unsigned long hlen;
	if (sb_opt_num(b, kv, "hlen", 255, (unsigned long)(2 * n), &hlen))
		return M6_E_SPEC;
	if (sb_grow(b, 8 * (hlen + 1), &p))
		return M6_E_SPEC;
	p[1] = (uint8_t)hlen;
	p[2] = type;
	if (sb_opt_num(b, kv, "segleft", 255, (unsigned long)(type == 2 ? 1 : n), &v))
		return M6_E_SPEC;
	p[3] = (uint8_t)v;
	for (int i = 0; i < n && 8 + 16 * (size_t)(i + 1) <= 8 * (hlen + 1); i++)
		memcpy(p + 8 + 16 * i, a[i], 16);
	return sb_expect_next(b, off, kv_get(kv, "nh"));
}

int spec_layer_frag(struct sb *b, struct kv *kv)
{
	uint8_t *p;
	unsigned long ofs, id;
	if (sb_opt_num(b, kv, "offset", 65528, 0, &ofs) || sb_opt_num(b, kv, "id", 0xffffffff, 1, &id))
		return M6_E_SPEC;
	if (ofs % 8)
		return sb_fail(b, "offset must be a multiple of 8");
	sb_chain(b, IP6P_FRAGMENT);
	size_t off = b->len;
	if (sb_grow(b, 8, &p))
		return M6_E_SPEC;
	m6_put16(p + 2, (uint16_t)(ofs | (kv_flag(kv, "more") ? 1 : 0)));
	m6_put32(p + 4, (uint32_t)id);
	return sb_expect_next(b, off, kv_get(kv, "nh"));
}

int spec_layer_data(struct sb *b, struct kv *kv, uint8_t proto, size_t hdr, const char *hexkey,
		      uint8_t **hp)
{
	uint8_t data[2048];
	size_t n = 0;
	const char *d = hexkey ? kv_get(kv, hexkey) : kv_word(kv);
	if (d && sb_hex(b, hexkey ? hexkey : "raw", d, data, sizeof(data), &n))
		return M6_E_SPEC;
	if (proto)
		sb_chain(b, proto);
	if (sb_grow(b, hdr + n, hp))
		return M6_E_SPEC;
	memcpy(*hp + hdr, data, n);
	return 0;
}

int spec_layer_l4(struct sb *b, struct kv *kv, uint8_t proto)
{
	uint8_t *p;
	unsigned long a, c;
	size_t off = b->len;
	if (proto == IP6P_UDP) {
		if (sb_num(b, "sport", kv_get(kv, "sport"), 0xffff, &a) || sb_num(b, "dport", kv_get(kv, "dport"), 0xffff, &c) ||
		    spec_layer_data(b, kv, proto, 8, "data", &p))
			return M6_E_SPEC;
		m6_put16(p, (uint16_t)a);
		m6_put16(p + 2, (uint16_t)c);
		m6_put16(p + 4, (uint16_t)(b->len - off));
	} else {
		if (sb_num(b, "type", kv_get(kv, "type"), 255, &a) || sb_opt_num(b, kv, "code", 255, 0, &c) ||
		    spec_layer_data(b, kv, proto, 4, "data", &p))
			return M6_E_SPEC;
		p[0] = (uint8_t)a;
		p[1] = (uint8_t)c;
	}
	return sb_add_ck(b, proto == IP6P_UDP ? CK_UDP : CK_ICMP, off, b->len - off, kv_get(kv, "csum"));
}

