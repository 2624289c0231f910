/*
 * fuzz_node_pkt — packets the node harness builds from input octets: Router
 * Advertisements, application packets, forged Mobility Header messages
 * (with HAO / RH2, tunnelled, sealed by a peer holding the keys), and the
 * length and checksum fix-up.
 */
#include "fuzz_node.h"

void fz_fixup(uint8_t *p, size_t len, int depth)
{
	struct ip6_walk w;
	if (len < IP6_HDR_LEN || depth > 2)
		return;
	m6_put16(p + 4, (uint16_t)(len - IP6_HDR_LEN > 0xffff ? 0xffff : len - IP6_HDR_LEN));
	if (ip6_walk(p, len, IP6W_HAO_KNOWN, &w))
		return;
	uint8_t src[16], dst[16], *u = p + w.proto_off;
	size_t ul = w.end - w.proto_off;
	ip6_walk_pseudo(&w, p, src, dst);
	switch (w.proto) {
	case IP6P_MH:
		if (ul >= 8 && ul % 8 == 0 && ul / 8 - 1 <= 255)
			u[1] = (uint8_t)(ul / 8 - 1);
		if (ul >= 6)
			mh_set_checksum(u, ul, src, dst);
		break;
	case IP6P_ICMPV6:
		if (ul >= 4) {
			m6_put16(u + 2, 0);
			m6_put16(u + 2, m6_csum_ip6(src, dst, IP6P_ICMPV6, u, ul));
		}
		break;
	case IP6P_UDP:
		if (ul >= 8 && ul <= 0xffff) {
			m6_put16(u + 4, (uint16_t)ul);
			m6_put16(u + 6, 0);
			uint16_t c = m6_csum_ip6(src, dst, IP6P_UDP, u, ul);
			m6_put16(u + 6, c ? c : 0xffff);
		}
		break;
	case IP6P_IPV6:
		fz_fixup(u, ul, depth + 1);
		break;
	default:
		break;
	}
}

static size_t ip6_build(uint8_t *out, const uint8_t src[16], const uint8_t dst[16], uint8_t nh, uint8_t hlim,
			const uint8_t *ul, size_t ulen)
{
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.nh = nh;
	h.hlim = hlim;
	h.plen = (uint16_t)ulen;
	ip6_hdr_write(out, &h);
	if (ul && ulen)
		memmove(out + IP6_HDR_LEN, ul, ulen);
	return IP6_HDR_LEN + ulen;
}

/* A Router Advertisement as node.c's send_ra() writes it, fields from d. */
size_t fz_build_ra(const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	uint8_t ra[16 + 32 + 512];
	memset(ra, 0, sizeof(ra));
	ra[0] = 134;
	ra[4] = 64;
	ra[5] = fz_at(d, n, 14, 0);
	m6_put16(ra + 6, 1800);
	uint8_t *pi = ra + 16;
	pi[0] = 3;
	pi[1] = 4;
	pi[2] = fz_at(d, n, 8, 64);
	pi[3] = fz_at(d, n, 9, 0xc0);
	uint32_t valid = n > 10 ? (uint32_t)fz_at(d, n, 10, 0) << 24 | (uint32_t)fz_at(d, n, 11, 0) << 16 |
				   (uint32_t)fz_at(d, n, 12, 0) << 8 | fz_at(d, n, 13, 0) : 86400;
	m6_put32(pi + 4, valid);
	m6_put32(pi + 8, valid);
	memcpy(pi + 16, p_foreign, 16);
	for (size_t i = 0; i < 8 && i < n; i++)
		pi[16 + i] = d[i];
	size_t extra = n > 16 ? n - 16 : 0;
	if (extra > 512)
		extra = 512;
	if (extra)
		memcpy(ra + 48, d + 16, extra);
	uint8_t s = fz_at(d, n, 15, 4);
	const uint8_t *src = addr_tab[s & 7];
	uint8_t hlim = (s & 8) ? 64 : 255;
	size_t ulen = 48 + extra;
	if (IP6_HDR_LEN + ulen > cap)
		return 0;
	size_t len = ip6_build(out, src, a_all, IP6P_ICMPV6, hlim, ra, ulen);
	m6_put16(out + IP6_HDR_LEN + 2, m6_csum_ip6(src, a_all, IP6P_ICMPV6, out + IP6_HDR_LEN, ulen));
	return len;
}

/* Application packet from node i's own address. */
size_t fz_build_app(int i, const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	const uint8_t *src = i == MN_N ? a_hoa : i == HA_N ? a_ha : a_cn;
	uint8_t b0 = fz_at(d, n, 0, 0);
	const uint8_t *dst = addr_tab[b0 & 7];
	const uint8_t *data = n > 1 ? d + 1 : NULL;
	size_t dn = n > 1 ? n - 1 : 0;
	uint8_t ul[NODE_PKT_MAX];
	size_t ulen = 0;
	uint8_t nh;
	if (dn > NODE_PKT_MAX - 64)
		dn = NODE_PKT_MAX - 64;
	switch ((b0 >> 3) & 3) {
	case 0:                  /* echo request */
		memset(ul, 0, 8);
		ul[0] = 128;
		if (dn)
			memcpy(ul + 8, data, dn);
		ulen = 8 + dn;
		nh = IP6P_ICMPV6;
		break;
	case 1:                  /* UDP */
		m6_put16(ul, 40000);
		m6_put16(ul + 2, 9000);
		m6_put16(ul + 4, 0);
		m6_put16(ul + 6, 0);
		if (dn)
			memcpy(ul + 8, data, dn);
		ulen = 8 + dn;
		nh = IP6P_UDP;
		break;
	case 2:                  /* ICMPv6 of any type */
		memset(ul, 0, 4);
		ul[0] = fz_at(d, n, 1, 1);
		if (dn > 1)
			memcpy(ul + 4, data + 1, dn - 1);
		ulen = 4 + (dn > 1 ? dn - 1 : 0);
		nh = IP6P_ICMPV6;
		break;
	default:                 /* raw: the node's source over whatever follows */
		if (dn < IP6_HDR_LEN || dn > cap)
			return 0;
		memcpy(out, data, dn);
		memcpy(out + 8, src, 16);
		return dn;
	}
	size_t len = ip6_build(out, src, dst, nh, 64, ul, ulen);
	fz_fixup(out, len, 0);
	return len;
}

/* A Mobility Header message, optionally with HAO / RH2, tunnelled, sealed. */
size_t fz_build_forge(const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	static uint8_t mem[NODE_PKT_MAX + 1024];
	uint8_t b0 = fz_at(d, n, 0, 0), b2 = fz_at(d, n, 2, 0), b3 = fz_at(d, n, 3, 0);
	const uint8_t *src = addr_tab[b0 & 7], *dst = addr_tab[(b0 >> 3) & 7];
	const uint8_t *data = n > 4 ? d + 4 : NULL;
	size_t dn = n > 4 ? n - 4 : 0;
	if (dn > 2000)
		dn = 2000;
	size_t ul = 6 + dn < 8 ? 8 : (6 + dn + 7) & ~(size_t)7;
	struct pbuf pb;
	uint8_t *p;
	if (pbuf_init(&pb, mem, sizeof(mem), 256) || pbuf_put(&pb, IP6_HDR_LEN + ul, &p))
		abort();
	memset(p, 0, IP6_HDR_LEN + ul);
	uint8_t *mh = p + IP6_HDR_LEN;
	mh[0] = IP6P_NONE;
	mh[1] = (uint8_t)(ul / 8 - 1);
	mh[2] = fz_at(d, n, 1, MH_BU);
	if (dn)
		memcpy(mh + 6, data, dn);
	ip6_build(p, src, dst, IP6P_MH, 64, NULL, ul);
	if ((b0 & 0x80) && ip6_insert_rh2(&pb, a_hoa))
		return 0;
	if ((b0 & 0x40) && ip6_insert_hao(&pb, a_hoa))
		return 0;
	fz_fixup(pbuf_data(&pb), pb.len, 0);
	if (b2 & 4) {
		if (pbuf_push(&pb, IP6_HDR_LEN, &p))
			return 0;
		ip6_build(p, addr_tab[b3 & 7], addr_tab[(b3 >> 3) & 7], IP6P_IPV6, 64, NULL, pb.len - IP6_HDR_LEN);
	}
	if (b2 & 3) {
		struct fz_sender *s = &fz_senders[(b2 & 3) - 1];
		if (bits_output(&s->b, &pb, false, fz.now, NULL))
			return 0;
		struct bits_event ev;
		while (bits_next_event(&s->b, &ev))
			;
	}
	if (pb.len > cap)
		return 0;
	memcpy(out, pbuf_data(&pb), pb.len);
	return pb.len;
}

