/* The ICMPv6 of Mobile IPv6 to the engines (see node_mip6.h). */
#include "node_mip6.h"

#include "../mip6/disc.h"
#include "../mip6/ha.h"
#include "../mip6/mn.h"
#include "../pkt/ip6.h"

bool node_mip6_icmp(struct mn *mn, struct ha *ha, const uint8_t *pkt, size_t len, const struct ip6_walk *w,
		    const struct ipsec_sa *sa, uint64_t now)
{
	if (w->proto != IP6P_ICMPV6 || w->proto_off >= w->end)
		return false;
	switch (pkt[w->proto_off]) {
	case DISC_ND_RA:
		/* a home agent keeps its lists; a mobile node's movement detection
		 * is the node's own RA processing */
		if (!ha)
			return false;
		ha_input_ra(ha, pkt, len, w, now);
		return true;
	case DISC_DHAAD_REQUEST:
	case DISC_MPS:
		if (ha)
			ha_input_icmp(ha, pkt, len, w, sa, now);
		return true;
	case DISC_DHAAD_REPLY:
	case DISC_MPA:
		if (mn)
			mn_input_icmp(mn, pkt, len, w, sa, now);
		return true;
	default:
		return false;
	}
}
