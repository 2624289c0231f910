/* Keyed ESP and AH layers: markers in the cleartext, sealed with the real transforms last; opaque AH. */
#include <string.h>

#include "crypto/m6_crypto.h"
#include "ipsec/ah.h"
#include "ipsec/esp.h"
#include "keyfile.h"
#include "pkt/ip6.h"
#include "pkt/pbuf.h"
#include "spec_int.h"
#include "util/m6_bytes.h"
#include "util/m6_err.h"

/* A keyed esp/ah layer becomes a marker: the cleartext is built as if it
 * were absent and spec_seal_all() inserts the real header afterwards. */
int spec_sec_marker(struct sb *b, struct kv *kv, bool ah)
{
	struct sec *s = &b->sec[b->n_sec];
	unsigned long v;
	size_t n;
	const char *a;
	if (b->n_sec == SPEC_SA_MAX)
		return sb_fail(b, "more than %d keyed esp/ah layers", SPEC_SA_MAX);
	if (b->n_ip == 0 || b->pending == NO_PENDING)
		return sb_fail(b, "needs an ip6 or extension header before it to name it in its Next Header");
	if (ah && b->n_ip != 1)
		return sb_fail(b, "a keyed ah must be in the outermost IPv6 packet");
	memset(s, 0, sizeof(*s));
	s->ah = ah;
	s->esn = kv_flag(kv, "esn");
	if (sb_num(b, "spi", kv_get(kv, "spi"), 0xffffffff, &v))
		return M6_E_SPEC;
	s->spi = (uint32_t)v;
	if (sb_opt_num(b, kv, "seq", s->esn ? (unsigned long)UINT64_MAX : 0xffffffff, 1, &v))
		return M6_E_SPEC;
	if (v == 0)
		return sb_fail(b, "seq=0 is never sent (ESP-01); use the form without keys to craft it");
	s->seq = v;
	s->trailer_nh = -1;
	if (ah) {
		s->cfg.enc = M6_ENC_NULL;
		a = kv_get(kv, "auth");
		if (keyfile_auth_parse(a, &s->cfg.auth) || s->cfg.auth == M6_AUTH_NONE)
			return sb_fail(b, "auth=%s: expected hmac-sha256-128, hmac-sha1-96 or hmac-sha512-256", a);
	} else {
		a = kv_get(kv, "enc");
		if (keyfile_enc_parse(a, &s->cfg.enc))
			return sb_fail(b, "enc=%s: expected null, aes-cbc, aes-gcm-16 or chacha20-poly1305", a);
		if ((a = kv_get(kv, "key")) &&
		    sb_hex(b, "key", a, s->cfg.ekey, sizeof(s->cfg.ekey), &s->cfg.eklen))
			return M6_E_SPEC;
		if ((a = kv_get(kv, "auth")) && keyfile_auth_parse(a, &s->cfg.auth))
			return sb_fail(b, "auth=%s: expected null, hmac-sha256-128, hmac-sha1-96 or hmac-sha512-256", a);
		if (sb_opt_num(b, kv, "tfc", 0xffff, 0, &v))
			return M6_E_SPEC;
		s->tfc = v;
		if ((a = kv_get(kv, "nh"))) {
			if (sb_num(b, "nh", a, 255, &v))
				return M6_E_SPEC;
			s->trailer_nh = (int)v;
		}
		s->udp = kv_flag(kv, "udp-encap");
		if (sb_opt_num(b, kv, "sport", 0xffff, 4500, &v))
			return M6_E_SPEC;
		s->sport = (uint16_t)v;
		if (sb_opt_num(b, kv, "dport", 0xffff, 4500, &v))
			return M6_E_SPEC;
		s->dport = (uint16_t)v;
		if (!s->udp && (s->sport != 4500 || s->dport != 4500))
			return sb_fail(b, "sport=/dport= need udp-encap");
	}
	if ((a = kv_get(kv, "akey")) &&
	    sb_hex(b, "akey", a, s->cfg.akey, sizeof(s->cfg.akey), &n))
		return M6_E_SPEC;
	s->cfg.aklen = a ? n : 0;
	struct m6_xform x;
	char why[160];
	int rc = m6_xform_init(&x, &s->cfg, true, why, sizeof(why));
	m6_xform_clear(&x);
	if (rc)
		return sb_fail(b, "%s", why[0] ? why : m6_strerror(rc));
	s->off = b->len;
	s->nh_field = b->pending;
	s->nh_forced = b->pending_forced;
	s->nh_value = b->out[b->pending];
	s->ip = b->n_ip - 1;
	s->layer_no = b->layer_no;
	/* A marker right after another one is what that one protects. */
	for (unsigned i = 0; i < b->n_sec; i++)
		if (b->sec[i].waiting) {
			b->sec[i].inner = ah ? IP6P_AH : (s->udp ? IP6P_UDP : IP6P_ESP);
			b->sec[i].waiting = false;
		}
	s->waiting = true;
	b->n_sec++;
	return 0;
}

int spec_layer_ah(struct sb *b, struct kv *kv)
{
	uint8_t icv[64], *p;
	size_t n = 16;
	unsigned long spi, seq;
	if (kv_get(kv, "auth"))
		return spec_sec_marker(b, kv, true);
	const char *iv = kv_get(kv, "icv");
	memset(icv, 0, sizeof(icv));
	if (sb_num(b, "spi", kv_get(kv, "spi"), 0xffffffff, &spi) ||
	    sb_opt_num(b, kv, "seq", 0xffffffff, 1, &seq) || (iv && sb_hex(b, "icv", iv, icv, sizeof(icv), &n)))
		return M6_E_SPEC;
	size_t total = (12 + n + 7) / 8 * 8;   /* AH-04: IPv6 AH is 8n octets */
	sb_chain(b, IP6P_AH);
	size_t off = b->len;
	if (sb_grow(b, total, &p))
		return M6_E_SPEC;
	p[1] = (uint8_t)(total / 4 - 2);
	m6_put32(p + 4, (uint32_t)spi);
	m6_put32(p + 8, (uint32_t)seq);
	memcpy(p + 12, icv, n);
	return sb_expect_next(b, off, kv_get(kv, "nh"));
}

static void add_plen(uint8_t *pkt, size_t ip_off, size_t delta)
{
	size_t plen = m6_get16(pkt + ip_off + 4) + delta;
	m6_put16(pkt + ip_off + 4, (uint16_t)(plen > 0xffff ? 0xffff : plen));
}

/* Seal one marker in pb; pkt offsets before s->off are unchanged by it. */
static int seal_one(struct sb *b, struct sec *s, struct pbuf *pb, struct spec_sa *sa)
{
	struct m6_xform x;
	char why[160];
	struct ip6_walk w;
	size_t ip = b->ip[s->ip].off, before = pb->len;
	int rc = m6_xform_init(&x, &s->cfg, true, why, sizeof(why));
	if (rc)
		return sb_fail(b, "%s", why[0] ? why : m6_strerror(rc));
	uint8_t *p = pbuf_data(pb);
	/* The SA's addresses: as the receiver sees them (HAO home address,
	 * RH2 address), which is also how Wireshark looks SAs up. */
	ip6_walk(p + ip, pb->len - ip, IP6W_HAO_KNOWN, &w);
	ip6_walk_pseudo(&w, p + ip, sa->src, sa->dst);
	sa->ah = s->ah;
	sa->spi = s->spi;
	sa->cfg = s->cfg;
	if (s->ah) {
		p[s->nh_field] = s->inner;
		rc = ah_seal(&x, pb, s->off, s->nh_field, s->spi, s->seq, s->esn);
		p = pbuf_data(pb);
		if (!rc && s->nh_forced)
			p[s->nh_field] = s->nh_value;
	} else {
		uint8_t nh = s->trailer_nh >= 0 ? (uint8_t)s->trailer_nh : s->inner;
		rc = esp_seal(&x, pb, s->off, nh, s->spi, s->seq, s->esn, s->tfc);
		p = pbuf_data(pb);
		if (!rc && s->udp) {
			rc = esp_udp_encap(pb, s->off, sa->src, sa->dst, s->sport, s->dport);
			p = pbuf_data(pb);
		}
		if (!rc) {
			p[s->nh_field] = s->nh_forced ? s->nh_value : s->udp ? IP6P_UDP : IP6P_ESP;
			/* ESP leaves the Payload Lengths to its caller. */
			for (unsigned i = 0; i <= s->ip; i++)
				if (!b->ip[i].plen_forced)
					add_plen(p, b->ip[i].off, pb->len - before);
		}
	}
	m6_xform_clear(&x);
	if (rc)
		return sb_fail(b, "%s: %s", s->ah ? "ah_seal" : "esp_seal", m6_strerror(rc));
	return 0;
}

/* Insert and compute every keyed esp/ah, innermost (last) first, so that
 * an outer one protects the inner one's result. */
int spec_seal_all(struct sb *b, uint8_t *out, size_t cap, size_t *len, struct spec_sa *sas)
{
	size_t head = 0, tail = 0;
	for (unsigned i = 0; i < b->n_sec; i++) {
		struct sec *s = &b->sec[i];
		if (s->ah) {
			head += AH_ROOM_MAX;
		} else {
			struct m6_xform x;
			if (m6_xform_init(&x, &s->cfg, true, NULL, 0))
				return sb_fail(b, "cannot key esp");
			head += esp_head_room(&x) + (s->udp ? UDP_ENCAP_LEN : 0);
			tail += esp_tail_room(&x) + s->tfc;
			m6_xform_clear(&x);
		}
	}
	if (head + tail > cap || *len > cap - head - tail)
		return sb_fail(b, "packet with ESP/AH longer than %zu octets", cap);
	memmove(out + head, out, *len);
	struct pbuf pb;
	uint8_t *p;
	pbuf_init(&pb, out, cap, head);
	pbuf_put(&pb, *len, &p);
	for (unsigned i = b->n_sec; i-- > 0;) {
		struct spec_sa tmp, *sa = sas ? &sas[i] : &tmp;
		b->layer_no = b->sec[i].layer_no;
		b->layer = b->sec[i].ah ? "ah" : "esp";
		int rc = seal_one(b, &b->sec[i], &pb, sa);
		if (rc)
			return rc;
	}
	memmove(out, pbuf_data(&pb), pb.len);
	*len = pb.len;
	return 0;
}

