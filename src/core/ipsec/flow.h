/*
 * flow — the selector view of one packet (RFC 4301 4.4.1.1), the unit the
 * SPD matches and the post-decryption selector check compares.
 *
 * Contract: local/remote are from this node's point of view (outbound:
 * local = source; inbound: local = destination). The "ports" carry the
 * protocol's selector value as IKEv2 encodes it (RFC 4877 7.2.1): TCP/UDP
 * ports; ICMPv6 type << 8 | code in lport; MH type << 8 in lport. A
 * non-initial fragment (or a header that could not be read) is OPAQUE:
 * it only matches ANY port selectors (SPD-04).
 */
#ifndef MIP6SEC_FLOW_H
#define MIP6SEC_FLOW_H

#include <stdbool.h>
#include <stdint.h>

struct ipsec_flow {
	uint8_t local[16];
	uint8_t remote[16];
	uint8_t proto;            /* next layer protocol; AH/ESP count as one */
	uint16_t lport, rport;
	bool opaque;              /* ports unknown */
	uint32_t ifindex;         /* interface (0 = none), for per-interface SPDs */
};

struct ip6_walk;

/* Which addresses stand for the packet's endpoints (the protection model). */
enum flow_view {
	FLOW_WIRE = 0,        /* IPv6 source and destination as on the wire */
	FLOW_HOME = 1,        /* HAO home address as source, RH2 address as destination */
};

/* Fill f from a walked packet. dir_out: this node sends it (local = source).
 * The upper-layer selector values come from the first non-extension header
 * (ICMPv6 type/code, MH type, TCP/UDP ports); a non-first fragment, a header
 * cut short, or ESP make the flow opaque. */
void flow_from_packet(struct ipsec_flow *f, const uint8_t *pkt, const struct ip6_walk *w,
		      enum flow_view view, bool dir_out);

#endif
