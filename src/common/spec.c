/*
 * The packet language's driver: one layer after the other, then the
 * lengths and checksums, then the keyed esp/ah layers (see spec_int.h for
 * the parts).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "crypto/m6_crypto.h"
#include "pkt/ip6.h"
#include "spec_int.h"
#include "util/m6_bytes.h"
#include "util/m6_err.h"

static int layer(struct sb *b, char *text)
{
	struct kv kv;
	char *save = NULL, *w;
	uint8_t *p;
	memset(&kv, 0, sizeof(kv));
	char *name = strtok_r(text, " \t\r\n", &save);
	if (!name)
		return sb_fail(b, "empty layer");
	b->layer = name;
	while ((w = strtok_r(NULL, " \t\r\n", &save))) {
		if (kv.n == SPEC_WORDS)
			return sb_fail(b, "too many words");
		char *eq = strchr(w, '=');
		if (eq)
			*eq = 0;
		kv.key[kv.n] = w;
		kv.val[kv.n] = eq ? eq + 1 : NULL;
		kv.n++;
	}
	int rc;
	if (!strcmp(name, "ip6"))
		rc = spec_layer_ip6(b, &kv);
	else if (!strcmp(name, "hao"))
		rc = spec_layer_hao(b, &kv);
	else if (!strcmp(name, "dstopt"))
		rc = spec_layer_opthdr(b, &kv, IP6P_DSTOPTS);
	else if (!strcmp(name, "hbh"))
		rc = spec_layer_opthdr(b, &kv, IP6P_HBH);
	else if (!strcmp(name, "rh2"))
		rc = spec_layer_routing(b, &kv, 2);
	else if (!strcmp(name, "rh0"))
		rc = spec_layer_routing(b, &kv, 0);
	else if (!strcmp(name, "frag"))
		rc = spec_layer_frag(b, &kv);
	else if (!strcmp(name, "ah"))
		rc = spec_layer_ah(b, &kv);
	else if (!strcmp(name, "mh"))
		rc = spec_layer_mh(b, &kv);
	else if (!strcmp(name, "udp"))
		rc = spec_layer_l4(b, &kv, IP6P_UDP);
	else if (!strcmp(name, "icmp6"))
		rc = spec_layer_l4(b, &kv, IP6P_ICMPV6);
	else if (!strcmp(name, "esp") && kv_get(&kv, "enc")) {
		rc = spec_sec_marker(b, &kv, false);
	} else if (!strcmp(name, "esp")) {
		unsigned long spi, seq;
		rc = sb_num(b, "spi", kv_get(&kv, "spi"), 0xffffffff, &spi);
		rc = rc ? rc : sb_opt_num(b, &kv, "seq", 0xffffffff, 1, &seq);
		rc = rc ? rc : spec_layer_data(b, &kv, IP6P_ESP, 8, "data", &p);
		if (!rc) {
			m6_put32(p, (uint32_t)spi);
			m6_put32(p + 4, (uint32_t)seq);
		}
	} else if (!strcmp(name, "raw")) {
		rc = spec_layer_data(b, &kv, 0, 0, NULL, &p);
	} else
		return sb_fail(b, "unknown layer (ip6 hao dstopt hbh rh2 rh0 frag ah esp mh udp icmp6 raw)");
	return rc ? rc : kv_check_unused(b, &kv);
}

static void finish(struct sb *b)
{
	sb_chain(b, IP6P_NONE);
	for (unsigned i = 0; i < b->n_ip; i++)
		if (!b->ip[i].plen_forced) {
			size_t plen = b->len - b->ip[i].off - IP6_HDR_LEN;
			m6_put16(b->out + b->ip[i].off + 4, (uint16_t)(plen > 0xffff ? 0xffff : plen));
		}
	for (unsigned i = 0; i < b->n_ck; i++) {
		struct ip6_walk w;
		uint8_t src[16], dst[16];
		size_t ip = b->ck[i].ip_off;
		uint8_t *p = b->out + b->ck[i].off;
		size_t len = b->ck[i].kind == CK_MH ? b->ck[i].len : b->len - b->ck[i].off;
		uint16_t c;
		ip6_walk(b->out + ip, b->len - ip, IP6W_HAO_KNOWN, &w);
		if (b->ck[i].mode == CKM_WIRE) {
			memcpy(src, w.hdr.src, 16);
			memcpy(dst, w.hdr.dst, 16);
		} else {
			ip6_walk_pseudo(&w, b->out + ip, src, dst);
		}
		size_t at = b->ck[i].kind == CK_MH ? 4 : b->ck[i].kind == CK_UDP ? 6 : 2;
		m6_put16(p + at, 0);
		c = m6_csum_ip6(src, dst, b->ck[i].kind == CK_MH ? IP6P_MH :
				b->ck[i].kind == CK_UDP ? IP6P_UDP : IP6P_ICMPV6, p, len);
		if (c == 0 && b->ck[i].kind == CK_UDP)
			c = 0xffff;
		if (b->ck[i].mode == CKM_BAD)
			c ^= 0x0100;
		else if (b->ck[i].mode == CKM_FIXED)
			c = b->ck[i].value;
		m6_put16(p + at, c);
	}
}

int spec_build_sa(const char *spec, uint8_t *out, size_t cap, size_t *len, struct spec_sa *sas,
		  unsigned *n_sas, char *err, size_t errlen)
{
	char text[SPEC_MAX];
	struct sb b;
	memset(&b, 0, sizeof(b));
	b.out = out;
	b.cap = cap;
	b.pending = NO_PENDING;
	b.err = err;
	b.errlen = errlen;
	if (n_sas)
		*n_sas = 0;
	if (strlen(spec) >= sizeof(text))
		return sb_fail(&b, "specification longer than %d characters", SPEC_MAX - 1);
	strcpy(text, spec);
	char *save = NULL;
	int rc = 0;
	for (char *l = strtok_r(text, "/", &save); l && !rc; l = strtok_r(NULL, "/", &save)) {
		b.layer_no++;
		rc = layer(&b, l);
	}
	if (!rc && (b.n_ip == 0 || b.ip[0].off != 0)) {
		b.layer = "ip6";
		rc = sb_fail(&b, "a packet starts with an ip6 layer");
	}
	if (!rc) {
		finish(&b);
		*len = b.len;
		if (b.n_sec)
			rc = spec_seal_all(&b, out, cap, len, sas);
		if (!rc && n_sas)
			*n_sas = b.n_sec;
	}
	m6_wipe(b.sec, sizeof(b.sec));
	m6_wipe(text, sizeof(text));
	return rc;
}

int spec_build(const char *spec, uint8_t *out, size_t cap, size_t *len, char *err, size_t errlen)
{
	return spec_build_sa(spec, out, cap, len, NULL, NULL, err, errlen);
}
