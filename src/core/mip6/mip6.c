#include <stdio.h>
#include <string.h>

#include "mip6.h"
#include "../pkt/ip6.h"
#include "../pkt/mh.h"
#include "../util/m6_bytes.h"

int mip6_build_mh(uint8_t *out, size_t cap, const uint8_t src[16], const uint8_t dst[16],
		  const uint8_t *hao, const uint8_t *rh2, const struct mh_msg *m)
{
	size_t off = IP6_HDR_LEN + (hao ? IP6_HAO_HDR_LEN : 0) + (rh2 ? IP6_RH2_HDR_LEN : 0), mlen;
	if (cap < off)
		return M6_E_NOMEM;
	int rc = mh_build(m, out + off, cap - off, &mlen);
	if (rc)
		return rc;
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.hlim = 64;
	h.plen = (uint16_t)(off - IP6_HDR_LEN + mlen);
	size_t p = IP6_HDR_LEN;
	uint8_t *nh = &h.nh;
	/* RFC 8200 order: Routing header, then Destination Options (HAO-02). */
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
	*nh = IP6P_MH;
	ip6_hdr_write(out, &h);
	/* MH-03: pseudo-header source = home address, destination = RH2 address */
	mh_set_checksum(out + off, mlen, hao ? hao : src, rh2 ? rh2 : dst);
	return (int)(off + mlen);
}

int mip6_encap(uint8_t *out, size_t cap, const uint8_t src[16], const uint8_t dst[16],
	       const uint8_t *inner, size_t len)
{
	if (len + IP6_HDR_LEN > cap || len > 0xffff)
		return M6_E_NOMEM;
	memmove(out + IP6_HDR_LEN, inner, len);
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.hlim = 64;
	h.nh = IP6P_IPV6;
	h.plen = (uint16_t)len;
	ip6_hdr_write(out, &h);
	return (int)(len + IP6_HDR_LEN);
}

void mip6_emit(const struct mip6_io *io, enum m6_ev_type t, const uint8_t *peer, const uint8_t *addr,
	       int32_t code, uint32_t u32, const char *text)
{
	struct m6_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = t;
	if (peer)
		memcpy(ev.peer, peer, 16);
	if (addr)
		memcpy(ev.addr, addr, 16);
	ev.code = code;
	ev.u32 = u32;
	if (text)
		snprintf(ev.text, sizeof(ev.text), "%s", text);
	io->event(io->ctx, &ev);
}
