#include <string.h>

#include "icmp6.h"
#include "ip6.h"
#include "../util/m6_bytes.h"

int icmp6_build_error(struct pbuf *pb, const uint8_t src[16], const uint8_t dst[16], uint8_t type,
		      uint8_t code, uint32_t param, const uint8_t *quote, size_t qlen)
{
	size_t room = ICMP6_MIN_MTU - IP6_HDR_LEN - 8;
	if (qlen > room)
		qlen = room;
	uint8_t *p;
	int rc = pbuf_put(pb, IP6_HDR_LEN + 8 + qlen, &p);
	if (rc)
		return rc;
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	memcpy(h.src, src, 16);
	memcpy(h.dst, dst, 16);
	h.nh = IP6P_ICMPV6;
	h.hlim = 255;
	h.plen = (uint16_t)(8 + qlen);
	ip6_hdr_write(p, &h);
	uint8_t *ic = p + IP6_HDR_LEN;
	ic[0] = type;
	ic[1] = code;
	m6_put16(ic + 2, 0);
	m6_put32(ic + 4, param);
	memcpy(ic + 8, quote, qlen);
	m6_put16(ic + 2, m6_csum_ip6(src, dst, IP6P_ICMPV6, ic, 8 + qlen));
	return 0;
}
