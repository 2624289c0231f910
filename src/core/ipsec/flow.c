#include <string.h>

#include "flow.h"
#include "../pkt/ip6.h"
#include "../util/m6_bytes.h"

void flow_from_packet(struct ipsec_flow *f, const uint8_t *pkt, const struct ip6_walk *w,
		      enum flow_view view, bool dir_out)
{
	const uint8_t *src = w->hdr.src, *dst = w->hdr.dst;
	if (view == FLOW_HOME) {
		const uint8_t *hoa = ip6_walk_hoa(w, pkt), *rh2 = ip6_walk_rh2(w, pkt);
		if (hoa)
			src = hoa;
		if (rh2)
			dst = rh2;
	}
	memset(f, 0, sizeof(*f));
	memcpy(f->local, dir_out ? src : dst, 16);
	memcpy(f->remote, dir_out ? dst : src, 16);
	f->proto = w->proto;
	const uint8_t *up = pkt + w->proto_off;
	size_t avail = w->end > w->proto_off ? w->end - w->proto_off : 0;
	if (w->frag_off >= 0 && w->frag_offset != 0) {
		f->opaque = true;
		return;
	}
	switch (w->proto) {
	case IP6P_TCP:
	case IP6P_UDP:
		if (avail < 4)
			break;
		f->lport = m6_get16(up + (dir_out ? 0 : 2));
		f->rport = m6_get16(up + (dir_out ? 2 : 0));
		return;
	case IP6P_ICMPV6:
		if (avail < 2)
			break;
		f->lport = (uint16_t)(up[0] << 8 | up[1]);   /* type << 8 | code (SPD-02) */
		return;
	case IP6P_MH:
		if (avail < 3)
			break;
		f->lport = (uint16_t)(up[2] << 8);           /* MH type << 8 (4877-06) */
		return;
	default:
		break;    /* no port-like selector values: only ANY/OPAQUE can match */
	}
	f->opaque = true;
}
