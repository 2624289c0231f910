#include <string.h>

#include "disc.h"
#include "../pkt/ip6.h"
#include "../util/m6_bytes.h"
#include "../util/m6_err.h"

void disc_ha_anycast(const uint8_t prefix[16], unsigned plen, uint8_t out[16])
{
	if (plen > 121)
		plen = 121;
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = plen > 8 * i ? (plen - 8 * i >= 8 ? 8 : plen - 8 * i) : 0;
		uint8_t mask = (uint8_t)(0xff00 >> keep);
		out[i] = (uint8_t)((prefix[i] & mask) | (uint8_t)~mask);
	}
	out[15] = (uint8_t)((out[15] & 0x80) | 0x7e);   /* anycast ID 126 */
	if (plen == 64)
		out[8] &= (uint8_t)~0x02;                /* EUI-64 u/l bit: 0 */
}

bool disc_is_ha_anycast(const uint8_t prefix[16], unsigned plen, const uint8_t a[16])
{
	uint8_t any[16];
	disc_ha_anycast(prefix, plen, any);
	return memcmp(any, a, 16) == 0;
}

int disc_build(uint8_t *out, size_t cap, const uint8_t src[16], const uint8_t dst[16], const uint8_t *hao,
	       const uint8_t *rh2, const uint8_t *icmp, size_t ilen)
{
	size_t off = IP6_HDR_LEN + (rh2 ? IP6_RH2_HDR_LEN : 0) + (hao ? IP6_HAO_HDR_LEN : 0);
	if (ilen < 4 || off + ilen > cap || off - IP6_HDR_LEN + ilen > 0xffff)
		return M6_E_NOMEM;
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.hlim = 64;
	h.plen = (uint16_t)(off - IP6_HDR_LEN + ilen);
	uint8_t *nh = &h.nh;
	size_t p = IP6_HDR_LEN;
	/* RFC 8200 order: Routing header, then Destination Options (HAO-02) */
	if (rh2) {
		*nh = IP6P_ROUTING;
		ip6_write_rh2(out + p, 0, rh2);
		nh = out + p;
		p += IP6_RH2_HDR_LEN;
	}
	if (hao) {
		*nh = IP6P_DSTOPTS;
		ip6_write_hao_dstopt(out + p, 0, hao);
		nh = out + p;
		p += IP6_HAO_HDR_LEN;
	}
	*nh = IP6P_ICMPV6;
	ip6_hdr_write(out, &h);
	memmove(out + off, icmp, ilen);
	m6_put16(out + off + 2, 0);
	m6_put16(out + off + 2, m6_csum_ip6(hao ? hao : src, rh2 ? rh2 : dst, IP6P_ICMPV6, out + off, ilen));
	return (int)(off + ilen);
}

void disc_put_pi(uint8_t *out, const struct disc_pi *pi)
{
	memset(out, 0, DISC_PI_LEN);
	out[0] = DISC_OPT_PI;
	out[1] = DISC_PI_LEN / 8;
	out[2] = (uint8_t)pi->plen;
	out[3] = pi->flags;
	m6_put32(out + 4, pi->valid_s);
	m6_put32(out + 8, pi->preferred_s);
	memcpy(out + 16, pi->prefix, 16);
}

int disc_parse_pis(const uint8_t *opts, size_t len, struct disc_pi *pi, unsigned max, unsigned *n)
{
	*n = 0;
	for (size_t o = 0; o < len;) {
		if (len - o < 2)
			return M6_E_TRUNC;
		size_t ol = 8 * (size_t)opts[o + 1];
		if (!ol)
			return M6_E_INVAL;           /* RFC 4861 4.6: length 0 voids the message */
		if (ol > len - o)
			return M6_E_TRUNC;
		if (opts[o] == DISC_OPT_PI && ol == DISC_PI_LEN && opts[o + 2] <= 128 && *n < max) {
			struct disc_pi *p = &pi[(*n)++];
			p->plen = opts[o + 2];
			p->flags = opts[o + 3];
			p->valid_s = m6_get32(opts + o + 4);
			p->preferred_s = m6_get32(opts + o + 8);
			memcpy(p->prefix, opts + o + 16, 16);
		}
		o += ol;
	}
	return 0;
}

int disc_parse_ra(const uint8_t *ra, size_t len, struct disc_ra *out)
{
	memset(out, 0, sizeof(*out));
	if (len < DISC_RA_HDR_LEN || ra[0] != DISC_ND_RA || ra[1] != 0)
		return M6_E_INVAL;
	out->h = (ra[5] & DISC_RA_H) != 0;
	out->router_lifetime_s = m6_get16(ra + 6);
	const uint8_t *opts = ra + DISC_RA_HDR_LEN;
	size_t olen = len - DISC_RA_HDR_LEN;
	int rc = disc_parse_pis(opts, olen, out->pi, sizeof(out->pi) / sizeof(out->pi[0]), &out->n_pi);
	if (rc)
		return rc;
	for (size_t o = 0; o < olen; o += 8 * (size_t)opts[o + 1]) {
		if (opts[o] == DISC_OPT_HAI && opts[o + 1] == 1) {
			/* 7.4: only meaningful with the H bit; otherwise ignored */
			out->has_hai = out->h;
			out->ha_pref = m6_get16(opts + o + 4);
			out->ha_lifetime_s = m6_get16(opts + o + 6);
		}
	}
	return 0;
}
