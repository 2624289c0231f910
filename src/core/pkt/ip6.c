#include <string.h>
#include <arpa/inet.h>

#include "ip6.h"
#include "../util/m6_bytes.h"

int ip6_hdr_parse(const uint8_t *p, size_t len, struct ip6_hdr *h)
{
	if (len < IP6_HDR_LEN)
		return M6_E_TRUNC;
	if (p[0] >> 4 != 6)
		return M6_E_IP6_VERSION;
	h->tclass = (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4);
	h->flow = (uint32_t)(p[1] & 0x0f) << 16 | m6_get16(p + 2);
	h->plen = m6_get16(p + 4);
	h->nh = p[6];
	h->hlim = p[7];
	memcpy(h->src, p + 8, 16);
	memcpy(h->dst, p + 24, 16);
	return 0;
}

void ip6_hdr_write(uint8_t *p, const struct ip6_hdr *h)
{
	p[0] = (uint8_t)(0x60 | h->tclass >> 4);
	p[1] = (uint8_t)((h->tclass & 0x0f) << 4 | ((h->flow >> 16) & 0x0f));
	m6_put16(p + 2, (uint16_t)h->flow);
	m6_put16(p + 4, h->plen);
	p[6] = h->nh;
	p[7] = h->hlim;
	memcpy(p + 8, h->src, 16);
	memcpy(p + 24, h->dst, 16);
}

bool ip6_addr_is_multicast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

bool ip6_addr_is_link_local(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

bool ip6_prefix_match(const uint8_t a[16], const uint8_t p[16], unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	if (memcmp(a, p, full))
		return false;
	return !rest || ((a[full] ^ p[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool ip6_addr_unicast_routable(const uint8_t a[16])
{
	static const uint8_t zero[15];
	if (a[0] == 0xff)                                   /* multicast */
		return false;
	if (ip6_addr_is_link_local(a))
		return false;
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return false;                               /* unspecified, loopback */
	return true;
}

static void fault(struct ip6_walk *w, int code, size_t off, int pp_code, size_t pp_ptr)
{
	m6_diag_add(&w->diags, code, off);
	if (pp_code >= 0 && w->pp_code < 0) {
		w->pp_code = pp_code;
		w->pp_ptr = (uint32_t)pp_ptr;
	}
}

/* Option walk of a Hop-by-Hop or Destination Options header at [s, e). */
static void walk_options(struct ip6_walk *w, const uint8_t *p, size_t s, size_t e,
			 uint8_t hdr, unsigned flags, bool late)
{
	size_t i = s + 2;
	while (i < e) {
		uint8_t t = p[i];
		if (t == IP6O_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > e || i + 2 + p[i + 1] > e) {
			fault(w, M6_E_OPT_OVERRUN, i, 0, i + (i + 2 > e ? 0 : 1));
			return;
		}
		uint8_t ol = p[i + 1];
		bool known = t == IP6O_PADN ||
			     (t == IP6O_TUNNEL_LIMIT && hdr == IP6P_DSTOPTS) ||
			     ((t == IP6O_ROUTER_ALERT || t == IP6O_JUMBO) && hdr == IP6P_HBH) ||
			     (t == IP6O_HAO && (flags & IP6W_HAO_KNOWN));
		if (t == IP6O_HAO && known) {
			bool ok = true;
			if (hdr != IP6P_DSTOPTS || late) {
				fault(w, M6_E_HAO_PLACE, i, -1, 0);
				ok = false;
			}
			if (w->hao_off >= 0) {
				fault(w, M6_E_HAO_DUP, i, -1, 0);
				ok = false;
			} else {
				w->hao_off = (int)i;
			}
			if (ol != IP6_HAO_OPT_LEN) {
				fault(w, M6_E_HAO_LEN, i + 1, 0, i + 1);
				ok = false;
			} else if (!ip6_addr_unicast_routable(p + i + 2)) {
				fault(w, M6_E_HAO_ADDR, i + 2, -1, 0);
				ok = false;
			}
			if ((i - s) % 8 != 6) {
				fault(w, M6_E_HAO_ALIGN, i, -1, 0);
				ok = false;
			}
			if (w->hao_off == (int)i)
				w->hao_valid = ok;
		} else if (!known) {
			/* RFC 8200 4.2: the two high-order bits choose the action. */
			switch (t >> 6) {
			case 0:
				break;
			case 1:
				fault(w, M6_E_OPT_UNKNOWN, i, -1, 0);
				break;
			case 2:
				fault(w, M6_E_OPT_UNKNOWN, i, 2, i);
				break;
			default:
				fault(w, M6_E_OPT_UNKNOWN, i,
				      ip6_addr_is_multicast(w->hdr.dst) ? -1 : 2, i);
				break;
			}
		}
		i += 2 + (size_t)ol;
	}
}

static void walk_routing(struct ip6_walk *w, const uint8_t *p, size_t off, size_t hl)
{
	uint8_t type = p[off + 2], sl = p[off + 3];
	if (w->rh_off >= 0) {
		fault(w, M6_E_RH_DUP, off, -1, 0);
		return;
	}
	w->rh_off = (int)off;
	w->rh_type = type;
	w->rh_segleft = sl;
	/* A HAO seen before the Routing header sits in the wrong header (HAO-02). */
	if (w->hao_off >= 0) {
		fault(w, M6_E_HAO_PLACE, (size_t)w->hao_off, -1, 0);
		w->hao_valid = false;
	}
	if (type == 2) {
		if (p[off + 1] != 2)
			fault(w, M6_E_RH2_LEN, off + 1, 0, off + 1);
		if (sl != 1)
			fault(w, M6_E_RH2_SEGLEFT, off + 3, -1, 0);
		if (hl >= IP6_RH2_HDR_LEN && !ip6_addr_unicast_routable(p + off + 8))
			fault(w, M6_E_RH2_ADDR, off + 8, -1, 0);
	} else if (sl != 0) {
		/* RFC 5095 3 / RFC 8200 4.4: never execute RH0; unknown types too. */
		fault(w, type == 0 ? M6_E_RH0 : M6_E_RH_UNKNOWN, off + 2, 0, off + 2);
	}
}

int ip6_walk(const uint8_t *pkt, size_t len, unsigned flags, struct ip6_walk *w)
{
	memset(w, 0, sizeof(*w));
	m6_diags_init(&w->diags);
	w->hao_off = w->rh_off = w->frag_off = w->ah_off = w->pp_code = -1;
	int rc = ip6_hdr_parse(pkt, len, &w->hdr);
	if (rc) {
		m6_diag_add(&w->diags, rc, 0);
		return rc;
	}
	w->end = IP6_HDR_LEN + (size_t)w->hdr.plen;
	if (w->end > len) {
		m6_diag_add(&w->diags, M6_E_IP6_PLEN, 4);
		w->end = len;
	}
	size_t off = IP6_HDR_LEN, nh_field = 6;
	uint8_t nh = w->hdr.nh;
	bool late = false;          /* past a Fragment or AH header */
	for (;;) {
		size_t hl;
		if (nh != IP6P_HBH && nh != IP6P_DSTOPTS && nh != IP6P_ROUTING &&
		    nh != IP6P_FRAGMENT && nh != IP6P_AH)
			break;
		if (w->n_ext == IP6_EXT_MAX) {
			fault(w, M6_E_EXT_TOO_MANY, off, -1, 0);
			break;
		}
		if (nh == IP6P_HBH && off != IP6_HDR_LEN) {
			fault(w, M6_E_EXT_ORDER, off, 1, nh_field);
			break;
		}
		size_t need = nh == IP6P_FRAGMENT ? 8 : nh == IP6P_ROUTING ? 8 : 2;
		if (off + need > w->end) {
			fault(w, M6_E_EXT_TRUNC, off, -1, 0);
			break;
		}
		if (nh == IP6P_FRAGMENT)
			hl = 8;
		else if (nh == IP6P_AH)
			hl = 4 * ((size_t)pkt[off + 1] + 2);
		else
			hl = 8 * ((size_t)pkt[off + 1] + 1);
		if (off + hl > w->end) {
			fault(w, M6_E_EXT_TRUNC, off + 1, -1, 0);
			break;
		}
		w->ext[w->n_ext].proto = nh;
		w->ext[w->n_ext].off = (uint16_t)off;
		w->ext[w->n_ext].len = (uint16_t)hl;
		w->n_ext++;
		switch (nh) {
		case IP6P_HBH:
		case IP6P_DSTOPTS:
			walk_options(w, pkt, off, off + hl, nh, flags, late);
			break;
		case IP6P_ROUTING:
			walk_routing(w, pkt, off, hl);
			break;
		case IP6P_FRAGMENT:
			w->frag_off = (int)off;
			w->frag_offset = m6_get16(pkt + off + 2) >> 3;
			w->frag_more = pkt[off + 3] & 1;
			w->frag_id = m6_get32(pkt + off + 4);
			late = true;
			break;
		case IP6P_AH:
			if (w->ah_off < 0)
				w->ah_off = (int)off;
			late = true;
			break;
		}
		nh_field = off;
		nh = pkt[off];
		off += hl;
		/* A non-first fragment carries no header we can read. */
		if (w->frag_off >= 0 && w->frag_offset != 0)
			break;
	}
	w->proto = nh;
	w->proto_off = off;
	w->nh_field = nh_field;
	return w->diags.n ? w->diags.d[0].code : 0;
}

const uint8_t *ip6_walk_hoa(const struct ip6_walk *w, const uint8_t *pkt)
{
	return w->hao_off >= 0 && w->hao_valid ? pkt + w->hao_off + 2 : NULL;
}

const uint8_t *ip6_walk_rh2(const struct ip6_walk *w, const uint8_t *pkt)
{
	if (w->rh_off < 0 || w->rh_type != 2 || w->rh_segleft != 1 ||
	    pkt[w->rh_off + 1] != 2)
		return NULL;
	return pkt + w->rh_off + 8;
}

void ip6_walk_pseudo(const struct ip6_walk *w, const uint8_t *pkt, uint8_t src[16], uint8_t dst[16])
{
	const uint8_t *hoa = ip6_walk_hoa(w, pkt);
	memcpy(src, hoa ? hoa : w->hdr.src, 16);
	memcpy(dst, w->hdr.dst, 16);
	if (w->rh_off < 0)
		return;
	size_t off = (size_t)w->rh_off;
	size_t naddr = pkt[off + 1] / 2;
	/* Final destination: the last address of a type 0/2 header still to visit. */
	if ((w->rh_type == 0 || w->rh_type == 2) && w->rh_segleft > 0 && naddr > 0)
		memcpy(dst, pkt + off + 8 + 16 * (naddr - 1), 16);
}

void ip6_write_hao_dstopt(uint8_t *p, uint8_t nh, const uint8_t hoa[16])
{
	p[0] = nh;
	p[1] = 2;
	p[2] = IP6O_PADN;   /* PadN, 2 octets of padding: HAO at 8n+6 */
	p[3] = 2;
	p[4] = 0;
	p[5] = 0;
	p[6] = IP6O_HAO;
	p[7] = IP6_HAO_OPT_LEN;
	memcpy(p + 8, hoa, 16);
}

void ip6_write_rh2(uint8_t *p, uint8_t nh, const uint8_t addr[16])
{
	p[0] = nh;
	p[1] = 2;
	p[2] = 2;
	p[3] = 1;
	memset(p + 4, 0, 4);
	memcpy(p + 8, addr, 16);
}

/* Insert a 24-octet header at the offset chosen by want(); fix NH and plen. */
static int insert_hdr(struct pbuf *pb, bool after_rh, uint8_t proto, const uint8_t addr[16])
{
	struct ip6_walk w;
	int rc = ip6_walk(pbuf_data(pb), pb->len, IP6W_HAO_KNOWN, &w);
	if (rc && rc != M6_E_IP6_PLEN)
		return rc;
	if (proto == IP6P_DSTOPTS && w.hao_off >= 0)
		return M6_E_HAO_DUP;
	if (proto == IP6P_ROUTING && w.rh_off >= 0)
		return M6_E_RH_DUP;
	size_t pos = IP6_HDR_LEN, chain = 6;
	for (unsigned i = 0; i < w.n_ext; i++) {
		const struct ip6_ext *e = &w.ext[i];
		bool take = e->proto == IP6P_HBH;
		if (after_rh) {
			take = take || e->proto == IP6P_ROUTING ||
			       (e->proto == IP6P_DSTOPTS && w.rh_off > e->off);
		}
		if (!take)
			break;
		pos = (size_t)e->off + e->len;
		chain = e->off;
	}
	/* The result must still walk: no 17th header, and no HAO before a
	 * Routing header that follows an AH or Fragment header (HAO-02). */
	if (w.n_ext >= IP6_EXT_MAX)
		return M6_E_EXT_TOO_MANY;
	if (after_rh && w.rh_off >= 0 && pos <= (size_t)w.rh_off)
		return M6_E_HAO_PLACE;
	uint32_t plen = (uint32_t)w.hdr.plen + IP6_HAO_HDR_LEN;
	if (plen > 0xffff)
		return M6_E_NOMEM;
	uint8_t *gap;
	rc = pbuf_insert(pb, pos, IP6_HAO_HDR_LEN, &gap);
	if (rc)
		return rc;
	uint8_t *p = pbuf_data(pb);
	if (proto == IP6P_DSTOPTS)
		ip6_write_hao_dstopt(gap, p[chain], addr);
	else
		ip6_write_rh2(gap, p[chain], addr);
	p[chain] = proto;
	m6_put16(p + 4, (uint16_t)plen);
	return 0;
}

int ip6_insert_hao(struct pbuf *pb, const uint8_t hoa[16])
{
	return insert_hdr(pb, true, IP6P_DSTOPTS, hoa);
}

int ip6_insert_rh2(struct pbuf *pb, const uint8_t addr[16])
{
	return insert_hdr(pb, false, IP6P_ROUTING, addr);
}

int ip6_addr_parse(const char *s, uint8_t out[16])
{
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : M6_E_INVAL;
}

void ip6_addr_format(const uint8_t a[16], char out[46])
{
	if (!inet_ntop(AF_INET6, a, out, 46))
		strcpy(out, "?");
}
