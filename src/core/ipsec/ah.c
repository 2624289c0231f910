#include <string.h>

#include "ah.h"
#include "../pkt/ip6.h"
#include "../util/m6_bytes.h"
#include "../util/m6_err.h"

#define OPT_CHANGE 0x20     /* RFC 8200 4.2: option data may change en route */

static const uint8_t zeros[64];

/* AH-04: header + ICV, padded to a multiple of 8 octets for IPv6. */
static size_t ah_total(const struct m6_xform *x)
{
	return (AH_HDR_LEN + x->icv_len + 7) & ~(size_t)7;
}

static bool xform_ok(const struct m6_xform *x)
{
	return x->enc == M6_ENC_NULL && m6_xform_has_mac(x) && x->icv_len;
}

static void feed_zero(struct m6_mac *m, size_t n)
{
	while (n) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);
		m6_xform_mac_update(m, zeros, k);
		n -= k;
	}
}

/* Options of a Hop-by-Hop / Destination Options header at [s, e). */
static int feed_options(struct m6_mac *m, const uint8_t *pkt, size_t s, size_t e, long hao_off,
			const uint8_t *wire_src)
{
	size_t i = s + 2;
	while (i < e) {
		if (pkt[i] == IP6O_PAD1) {
			m6_xform_mac_update(m, pkt + i, 1);
			i++;
			continue;
		}
		if (i + 2 > e || i + 2 + pkt[i + 1] > e)
			return M6_E_OPT_OVERRUN;
		size_t ol = pkt[i + 1];
		m6_xform_mac_update(m, pkt + i, 2);
		if ((long)i == hao_off)
			m6_xform_mac_update(m, wire_src, 16);   /* AH-02: the HAO holds the CoA */
		else if (pkt[i] & OPT_CHANGE)
			feed_zero(m, ol);                        /* AH-02: type and length stay */
		else
			m6_xform_mac_update(m, pkt + i + 2, ol);
		i += 2 + ol;
	}
	return 0;
}

/* A Routing header's addresses as the final destination sees them. For
 * types 0 and 2 (RFC 8200 4.4, RFC 6275 6.4) each remaining hop swaps the
 * destination with the next address, so after the last one: destination =
 * the last address, the first unvisited slot holds the current
 * destination and the rest move up by one (AH-03). Other types can only
 * be predicted once fully processed (Segments Left 0). */
static int rh_check(const uint8_t *pkt, size_t off, size_t hl, const uint8_t **final_dst)
{
	uint8_t type = pkt[off + 2], sl = pkt[off + 3];
	if (sl == 0)
		return 0;
	if (type != 0 && type != 2)
		return M6_E_RH_UNKNOWN;
	size_t naddr = pkt[off + 1] / 2;
	if (sl > naddr || 8 + 16 * naddr > hl)
		return type == 2 ? M6_E_RH2_SEGLEFT : M6_E_INVAL;
	*final_dst = pkt + off + 8 + 16 * (naddr - 1);
	return 0;
}

static void feed_routing(struct m6_mac *m, const uint8_t *pkt, size_t off, size_t hl, uint8_t nh,
			 const uint8_t *wire_dst)
{
	uint8_t sl = pkt[off + 3];
	uint8_t fixed[8];
	memcpy(fixed, pkt + off, 8);
	fixed[0] = nh;
	fixed[3] = 0;               /* Segments Left at the destination */
	m6_xform_mac_update(m, fixed, 8);
	if (sl == 0) {
		m6_xform_mac_update(m, pkt + off + 8, hl - 8);
		return;
	}
	size_t naddr = pkt[off + 1] / 2, first = naddr - sl;
	const uint8_t *a = pkt + off + 8;
	if (first)
		m6_xform_mac_update(m, a, 16 * first);
	m6_xform_mac_update(m, wire_dst, 16);
	if (sl > 1)
		m6_xform_mac_update(m, a + 16 * first, 16 * (size_t)(sl - 1));
	m6_xform_mac_update(m, a + 16 * naddr, hl - 8 - 16 * naddr);
}

/* The Next Header octet of header i (-1: the IPv6 header) as the receiver
 * sees it: a Fragment header left in a reassembled packet is skipped. */
static uint8_t eff_nh(const struct ip6_walk *w, const uint8_t *pkt, int i, unsigned ia)
{
	uint8_t nh = i < 0 ? pkt[6] : pkt[w->ext[i].off];
	if ((unsigned)(i + 1) < ia && w->ext[i + 1].proto == IP6P_FRAGMENT)
		nh = pkt[w->ext[i + 1].off];
	return nh;
}

/* The ICV of the AH at ah_off over the packet as the receiver sees it
 * after Mobile IPv6 processing (RFC 4302 3.3.3, App. A; RFC 6275 9.3.1,
 * 11.3.2), fed to the MAC piece by piece so the packet stays as it is. */
static int ah_icv(const struct m6_xform *x, const uint8_t *pkt, size_t len, size_t ah_off,
		  uint64_t seq, bool esn, uint8_t *out)
{
	struct ip6_walk w;
	int rc = ip6_walk(pkt, len, IP6W_HAO_KNOWN, &w);
	/* Other faults (an RH0 to be executed, a misplaced HAO ...) are the
	 * pipeline's to judge; the ICV only needs the headers' structure. */
	if (rc == M6_E_TRUNC || rc == M6_E_IP6_VERSION)
		return rc;
	if (m6_diags_has(&w.diags, M6_E_IP6_PLEN))
		return M6_E_TRUNC;
	unsigned ia = 0;
	while (ia < w.n_ext && !(w.ext[ia].off == ah_off && w.ext[ia].proto == IP6P_AH))
		ia++;
	if (ia == w.n_ext)
		return M6_E_INVAL;
	size_t ah_len = w.ext[ia].len;
	if (ah_len < AH_HDR_LEN + (size_t)x->icv_len)
		return M6_E_AH_LEN;

	const uint8_t *src = pkt + 8, *dst = pkt + 24;
	long hao_off = -1;
	size_t skipped = 0;
	if (w.hao_off >= 0 && (size_t)w.hao_off < ah_off && pkt[w.hao_off + 1] == IP6_HAO_OPT_LEN) {
		hao_off = w.hao_off;
		src = pkt + hao_off + 2;                 /* AH-02: src = home address */
	}
	for (unsigned i = 0; i < ia; i++) {
		const struct ip6_ext *e = &w.ext[i];
		if (e->proto == IP6P_FRAGMENT) {
			/* AH-03: AH is checked after reassembly; only an atomic
			 * fragment's header can be skipped. */
			if (m6_get16(pkt + e->off + 2) >> 3 || (pkt[e->off + 3] & 1))
				return M6_E_INVAL;
			skipped += e->len;
		} else if (e->proto == IP6P_ROUTING) {
			rc = rh_check(pkt, e->off, e->len, &dst);
			if (rc)
				return rc;
		}
	}

	/* AH-01: Traffic Class, Flow Label and Hop Limit count as zero. */
	uint8_t hdr[IP6_HDR_LEN];
	memset(hdr, 0, 8);
	hdr[0] = 0x60;
	m6_put16(hdr + 4, (uint16_t)(m6_get16(pkt + 4) - skipped));
	hdr[6] = eff_nh(&w, pkt, -1, ia);
	memcpy(hdr + 8, src, 16);
	memcpy(hdr + 24, dst, 16);

	struct m6_mac m;
	if ((rc = m6_xform_mac_begin(x, &m)) != 0)
		return rc;
	m6_xform_mac_update(&m, hdr, sizeof(hdr));
	for (unsigned i = 0; i < ia && !rc; i++) {
		const struct ip6_ext *e = &w.ext[i];
		uint8_t nh = eff_nh(&w, pkt, (int)i, ia);
		switch (e->proto) {
		case IP6P_FRAGMENT:
			break;
		case IP6P_HBH:
		case IP6P_DSTOPTS:
			m6_xform_mac_update(&m, &nh, 1);
			m6_xform_mac_update(&m, pkt + e->off + 1, 1);
			rc = feed_options(&m, pkt, e->off, (size_t)e->off + e->len, hao_off, pkt + 8);
			break;
		case IP6P_ROUTING:
			feed_routing(&m, pkt, e->off, e->len, nh, pkt + 24);
			break;
		default:                                 /* an outer AH: immutable */
			m6_xform_mac_update(&m, &nh, 1);
			m6_xform_mac_update(&m, pkt + e->off + 1, e->len - 1u);
			break;
		}
	}
	if (rc) {
		m6_wipe(&m, sizeof(m));
		return rc;
	}
	/* RFC 4302 3.3.3: the ICV counts as zero, its padding as sent. */
	m6_xform_mac_update(&m, pkt + ah_off, AH_HDR_LEN);
	feed_zero(&m, x->icv_len);
	m6_xform_mac_update(&m, pkt + ah_off + AH_HDR_LEN + x->icv_len,
			    ah_len - AH_HDR_LEN - x->icv_len);
	m6_xform_mac_update(&m, pkt + ah_off + ah_len, w.end - (ah_off + ah_len));
	if (esn) {
		/* RFC 4302 3.3.3.2.2: the ESN high half follows the packet. */
		uint8_t hi[4];
		m6_put32(hi, (uint32_t)(seq >> 32));
		m6_xform_mac_update(&m, hi, sizeof(hi));
	}
	m6_xform_mac_final(&m, out);
	return 0;
}

int ah_seal(const struct m6_xform *x, struct pbuf *pb, size_t off, size_t nh_field,
	    uint32_t spi, uint64_t seq, bool esn)
{
	if (!x || !pb)
		return M6_E_INVAL;
	if (!xform_ok(x))
		return M6_E_ALG;
	if (seq == 0)
		return M6_E_SEQ_ZERO;
	if (!esn && seq > UINT32_MAX)
		return M6_E_SEQ_OVERFLOW;
	if (pb->len < IP6_HDR_LEN || off < IP6_HDR_LEN || off > pb->len || nh_field >= off ||
	    (nh_field != 6 && nh_field < IP6_HDR_LEN))
		return M6_E_INVAL;
	uint8_t *p = pbuf_data(pb);
	uint16_t plen = m6_get16(p + 4);
	size_t ah_len = ah_total(x);
	if ((size_t)plen + IP6_HDR_LEN != pb->len)
		return M6_E_IP6_PLEN;
	if ((size_t)plen + ah_len > 0xffff)
		return M6_E_INVAL;
	uint8_t nh = p[nh_field];
	uint8_t *a;
	int rc = pbuf_insert(pb, off, ah_len, &a);
	if (rc)
		return rc;
	p = pbuf_data(pb);
	a[0] = nh;
	a[1] = (uint8_t)(ah_len / 4 - 2);           /* AH-04 */
	a[2] = a[3] = 0;
	m6_put32(a + 4, spi);
	m6_put32(a + 8, (uint32_t)seq);
	memset(a + AH_HDR_LEN, 0, ah_len - AH_HDR_LEN);
	p[nh_field] = IP6P_AH;
	m6_put16(p + 4, (uint16_t)(plen + ah_len));
	rc = ah_icv(x, p, pb->len, off, seq, esn, a + AH_HDR_LEN);
	if (rc) {
		p[nh_field] = nh;
		m6_put16(p + 4, plen);
		pbuf_remove(pb, off, ah_len);
	}
	return rc;
}

int ah_verify(const struct m6_xform *x, const uint8_t *pkt, size_t len, size_t ah_off,
	      uint64_t seq, bool esn)
{
	if (!x || !pkt)
		return M6_E_INVAL;
	if (!xform_ok(x))
		return M6_E_ALG;
	if (ah_off < IP6_HDR_LEN || ah_off > len || len - ah_off < AH_HDR_LEN)
		return M6_E_TRUNC;
	if ((size_t)(pkt[ah_off + 1] + 2) * 4 != ah_total(x))
		return M6_E_AH_LEN;
	if (m6_get32(pkt + ah_off + 8) != (uint32_t)seq)
		return M6_E_INVAL;
	uint8_t want[M6_ICV_MAX];
	int rc = ah_icv(x, pkt, len, ah_off, seq, esn, want);
	if (rc)
		return rc;
	bool ok = m6_ct_equal(want, pkt + ah_off + AH_HDR_LEN, x->icv_len);
	m6_wipe(want, sizeof(want));
	return ok ? 0 : M6_E_ICV;
}

int ah_strip(struct pbuf *pb, size_t ah_off, size_t nh_field)
{
	if (!pb || pb->len < IP6_HDR_LEN || nh_field >= ah_off || ah_off > pb->len ||
	    pb->len - ah_off < AH_HDR_LEN)
		return M6_E_INVAL;
	uint8_t *p = pbuf_data(pb);
	size_t ah_len = ((size_t)p[ah_off + 1] + 2) * 4;
	uint16_t plen = m6_get16(p + 4);
	if (p[nh_field] != IP6P_AH || ah_len > pb->len - ah_off || ah_len > plen)
		return M6_E_INVAL;
	p[nh_field] = p[ah_off];
	m6_put16(p + 4, (uint16_t)(plen - ah_len));
	return pbuf_remove(pb, ah_off, ah_len);
}
