/* The IPv6 header of the TCP test packets of the offload tests: from the
 * correspondent to the home address, hop limit hlim, Payload Length plen. */
#ifndef MIP6SEC_TEST_TCP6_H
#define MIP6SEC_TEST_TCP6_H

#include "tu.h"

static inline void tcp6_ip_hdr(uint8_t *p, size_t plen, uint8_t hlim)
{
	struct ip6_hdr h;
	memset(&h, 0, sizeof(h));
	ip6_addr_parse("2001:db8:4::1", h.src);
	ip6_addr_parse(TU_HOA, h.dst);
	h.nh = 6;
	h.hlim = hlim;
	h.plen = (uint16_t)plen;
	ip6_hdr_write(p, &h);
}

#endif
